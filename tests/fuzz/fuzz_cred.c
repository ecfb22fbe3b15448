/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issued-pass fuzz target: the input is an issued pass given to sp_present()
 * with fixed holder keys and two fixed option sets, and a pass payload given
 * to pass_claims_decode(). Never crashes; what sp_present() builds must be
 * a presentation the verifier can parse, fails only for reasons that lie in
 * the (unchecked) issued pass, and discloses only what was asked for.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_keys.h"
#include "pass_int.h"
#include "stadspas/sp_err.h"
#include "stadspas/sp_pass.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sp_key *holder_ed, *holder_p256;	/* built once */
static struct sp_trust *trust;

static struct sp_key *
key_from(int alg, const uint8_t seed[SP_SEED_LEN])
{
	struct sp_key *k = NULL;

	if (sp_key_from_seed(&k, alg, seed) != SP_OK)
		abort();
	return k;
}

static void
trust_add(struct sp_trust *t, int alg, const uint8_t seed[SP_SEED_LEN])
{
	struct sp_key *k = key_from(alg, seed);
	uint8_t cose[128];
	size_t len = sizeof(cose);

	if (sp_key_public_cose(k, cose, &len) != SP_OK ||
	    sp_trust_add_cose_key(t, cose, len) != SP_OK)
		abort();
	sp_key_free(&k);
}

static void
setup(void)
{
	static const uint8_t hed[SP_SEED_LEN] = FUZZ_HOLDER_ED25519_SEED;
	static const uint8_t hp[SP_SEED_LEN] = FUZZ_HOLDER_P256_SEED;
	static const uint8_t ied[SP_SEED_LEN] = FUZZ_ISSUER_ED25519_SEED;
	static const uint8_t ip[SP_SEED_LEN] = FUZZ_ISSUER_P256_SEED;

	if (trust != NULL)
		return;
	holder_ed = key_from(SP_ALG_EDDSA, hed);
	holder_p256 = key_from(SP_ALG_ES256, hp);
	if (sp_trust_new(&trust) != SP_OK)
		abort();
	trust_add(trust, SP_ALG_EDDSA, ied);
	trust_add(trust, SP_ALG_ES256, ip);
}

static const uint8_t nonce[] = FUZZ_NONCE;
/* Every claim key plus keys no claim has (-1, 200: ignored or unknown). */
static const int disclose_all[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1,
    200 };
static const char *const scopes_all[] = { "sport", "sport/2026",
    "swim/2026-W48",
    "culture", "culture/2026", "", "/" };
static const int disclose_min[] = { SP_CLAIM_AGE_UNDER_18 };

static const struct sp_present_opts opts_all = {
	.time = FUZZ_NOW,
	.audience = FUZZ_AUDIENCE,
	.nonce = nonce,
	.nonce_len = sizeof(nonce),
	.offer = FUZZ_OFFER,
	.counter = FUZZ_COUNTER,
	.disclose = disclose_all,
	.disclose_count = sizeof(disclose_all) / sizeof(*disclose_all),
	.scopes = scopes_all,
	.scope_count = sizeof(scopes_all) / sizeof(*scopes_all),
};

static const struct sp_present_opts opts_min = {
	.time = FUZZ_NOW,
	.disclose = disclose_min,
	.disclose_count = 1,
};

/* Errors the verifier may give for a presentation sp_present() built:
 * only those a bad issued pass explains (sp_present checks neither the
 * issuer signature, nor validity, nor the commitment), or its size. */
static bool
explained(int r)
{
	switch (r) {
	case SP_ERR_TOO_LARGE:
	case SP_ERR_CBOR_LIMIT:
	case SP_ERR_UNKNOWN_KID:
	case SP_ERR_UNSUPPORTED_ALG:
	case SP_ERR_KEY_MISMATCH:
	case SP_ERR_SIGNATURE:
	case SP_ERR_EXPIRED:
	case SP_ERR_NOT_YET_VALID:
	case SP_ERR_DISCLOSURE:
		return true;
	default:
		return false;
	}
}

/* Disclosed key k was asked for: listed, or a category or limit claim
 * selected by a scope. */
static bool
asked_for(const struct sp_present_opts *o, int k)
{
	size_t i;

	for (i = 0; i < o->disclose_count; i++)
		if (o->disclose[i] == k)
			return true;
	return o->scope_count > 0 && (k == SP_CLAIM_CATEGORY ||
	    k == SP_CLAIM_LIMIT_TAG || k == SP_CLAIM_LIMIT_KEY);
}

static void
check_presentation(const uint8_t *pres, size_t len,
    const struct sp_present_opts *o)
{
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	struct sp_presentation *p = NULL;
	const uint8_t *value;
	size_t i, n, value_len;
	uint64_t counter;
	int r, key;

	vo.now = o->time;
	vo.audience = o->audience;
	vo.nonce = o->nonce;
	vo.nonce_len = o->nonce_len;
	r = sp_presentation_verify(&p, trust, &vo, pres, len);
	if (r != SP_OK) {
		if (!explained(r) || p != NULL)
			abort();
		return;
	}
	n = sp_presentation_claim_count(p);
	if (n > 64 || sp_presentation_time(p) != o->time ||
	    sp_presentation_offer(p, &counter) != o->offer ||
	    (o->offer != 0 && counter != o->counter))
		abort();
	for (i = 0; i < n; i++) {
		if (sp_presentation_claim(p, i, &key, &value, &value_len) !=
		    SP_OK || value == NULL || value_len == 0)
			abort();
		if (!asked_for(o, key))
			abort();
	}
	sp_presentation_free(&p);
}

static void
present(const uint8_t *data, size_t size, const struct sp_present_opts *o)
{
	uint8_t *out = NULL;
	size_t out_len = 0;
	int r;

	r = sp_present(&out, &out_len, data, size, holder_ed, o);
	if (r == SP_ERR_KEY_MISMATCH)
		r = sp_present(&out, &out_len, data, size, holder_p256, o);
	if (r != SP_OK) {
		if (out != NULL)
			abort();
		return;
	}
	if (out == NULL || out_len == 0)
		abort();
	check_presentation(out, out_len, o);
	sp_bytes_free(out, out_len);
}

static void
claims(const uint8_t *data, size_t size)
{
	struct pass_claims c;

	if (pass_claims_decode(&c, data, size) != SP_OK)
		return;
	if (c.exp <= c.iat || c.nbf < 0 || c.sd_count == 0 ||
	    c.sd_count > SD_MAX_LEAVES || c.iss_len > PASS_MAX_ISS ||
	    (c.iss == NULL && c.iss_len != 0) || c.cnf_key == NULL ||
	    c.cnf_key_len == 0 ||
	    c.cnf_key < data || c.cnf_key_len > size ||
	    (size_t)(c.cnf_key - data) > size - c.cnf_key_len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	present(data, size, &opts_all);
	present(data, size, &opts_min);
	claims(data, size);
	return 0;
}
