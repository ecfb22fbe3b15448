/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COSE fuzz target: cose_sign1_decode() with flags 0, COSE_F_STRICT and
 * COSE_F_REQUIRE_TAG on arbitrary input; whatever decodes is verified
 * (cose_sign1_verify, cose_sign1_verify_keyalg) with a fixed Ed25519 and a
 * fixed P-256 key, and the input is also read as a COSE_Key. Never crashes;
 * a decoded message only borrows from the input, and the stricter modes
 * accept a subset of what flags 0 accepts, with the same result.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "cose.h"
#include "fuzz_keys.h"
#include "sig.h"
#include "stadspas/sp_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NKEYS 2

static struct sig_pub keys[NKEYS];	/* built once, never freed */
static bool keys_ready;

static void
key_from_seed(struct sig_pub *pub, int alg, const uint8_t seed[SIG_SEED_LEN])
{
	struct sig_priv priv;

	if (sig_priv_from_seed(&priv, alg, seed) != SP_OK ||
	    sig_pub_copy(pub, &priv.pub) != SP_OK)
		abort();
	sig_priv_clear(&priv);
}

static void
keys_init(void)
{
	static const uint8_t ed[SIG_SEED_LEN] = FUZZ_COSE_ED25519_SEED;
	static const uint8_t p256[SIG_SEED_LEN] = FUZZ_COSE_P256_SCALAR;

	if (keys_ready)
		return;
	key_from_seed(&keys[0], SIG_ALG_EDDSA, ed);
	key_from_seed(&keys[1], SIG_ALG_ES256, p256);
	keys_ready = true;
}

/* p[0..n) lies inside data[0..size) (NULL allowed only if n == 0). */
static bool
inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	if (p == NULL)
		return n == 0;
	return p >= data && n <= size && (size_t)(p - data) <= size - n;
}

static void
check_decoded(const struct cose_sign1 *m, const uint8_t *data, size_t size)
{
	if (m->raw != data || m->raw_len != size ||
	    !inside(m->prot, m->prot_len, data, size) ||
	    !inside(m->payload, m->payload_len, data, size) ||
	    !inside(m->sig, m->sig_len, data, size) || m->sig == NULL ||
	    !inside(m->kid, m->kid_len, data, size) ||
	    m->kid_len > COSE_MAX_KID ||
	    !inside((const uint8_t *)m->typ, m->typ_len, data, size))
		abort();
	if (m->prot_empty_map && (m->prot_len != 1 || m->prot[0] != 0xa0))
		abort();
	if (m->alg_protected && !m->has_alg)
		abort();
}

static bool
same_message(const struct cose_sign1 *a, const struct cose_sign1 *b)
{
	return a->raw == b->raw && a->raw_len == b->raw_len &&
	    a->tagged == b->tagged && a->prot == b->prot &&
	    a->prot_len == b->prot_len &&
	    a->prot_empty_map == b->prot_empty_map &&
	    a->payload == b->payload && a->payload_len == b->payload_len &&
	    a->sig == b->sig && a->sig_len == b->sig_len &&
	    a->has_alg == b->has_alg && a->alg_protected == b->alg_protected &&
	    a->alg == b->alg && a->alg_is_text == b->alg_is_text &&
	    a->kid == b->kid && a->kid_len == b->kid_len &&
	    a->typ == b->typ && a->typ_len == b->typ_len &&
	    a->has_cty == b->has_cty && a->cty == b->cty;
}

static void
verify_all(const struct cose_sign1 *m)
{
	static const uint8_t aad[] = FUZZ_COSE_AAD;
	static const char detached[] = FUZZ_COSE_DETACHED;
	const uint8_t *det = NULL;
	size_t det_len = 0, i;
	int r;

	if (m->payload == NULL) {
		det = (const uint8_t *)detached;
		det_len = sizeof(detached) - 1;
	}
	for (i = 0; i < NKEYS; i++) {
		r = cose_sign1_verify(m, &keys[i], NULL, 0, det, det_len);
		/* Success needs a usable alg that names this key's alg. */
		if (r == SP_OK && (!m->has_alg || m->alg != keys[i].alg))
			abort();
		r = cose_sign1_verify(m, &keys[i], aad, sizeof(aad), det,
		    det_len);
		if (r == SP_OK && (!m->has_alg || m->alg != keys[i].alg))
			abort();
		r = cose_sign1_verify_keyalg(m, &keys[i], NULL, 0);
		if (r == SP_OK && m->payload == NULL)
			abort();
		r = cose_sign1_verify_keyalg(m, &keys[i], aad, sizeof(aad));
		if (r == SP_OK && m->has_alg && m->alg != keys[i].alg)
			abort();
	}
}

static void
key_decode_all(const uint8_t *data, size_t size)
{
	struct cbor_reader r;
	struct sig_pub k;

	cbor_reader_init(&r, data, size);
	if (cose_key_decode(&k, &r) == SP_OK) {
		if (k.alg != SIG_ALG_EDDSA && k.alg != SIG_ALG_ES256)
			abort();
		sig_pub_clear(&k);
	}
	cbor_reader_init(&r, data, size);
	if (cose_key_decode_vouched(&k, &r) == SP_OK)
		sig_pub_clear(&k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cose_sign1 loose, strict, tagged;
	int rl, rs, rt;

	keys_init();
	rl = cose_sign1_decode(&loose, data, size, 0);
	if (rl == SP_OK) {
		check_decoded(&loose, data, size);
		verify_all(&loose);
	}
	rs = cose_sign1_decode(&strict, data, size, COSE_F_STRICT);
	if (rs == SP_OK) {
		check_decoded(&strict, data, size);
		if (rl != SP_OK || !same_message(&strict, &loose))
			abort();
		if (strict.has_alg && !strict.alg_protected)
			abort();
	}
	rt = cose_sign1_decode(&tagged, data, size, COSE_F_REQUIRE_TAG);
	if (rt == SP_OK) {
		check_decoded(&tagged, data, size);
		if (!tagged.tagged || rl != SP_OK ||
		    !same_message(&tagged, &loose))
			abort();
	} else if (rl == SP_OK && loose.tagged) {
		abort();
	}
	if (size > 0)
		key_decode_all(data, size);
	return 0;
}
