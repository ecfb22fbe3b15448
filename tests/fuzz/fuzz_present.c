/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Presentation fuzz target: sp_presentation_verify() on arbitrary input
 * with a fixed trust list (the seeds' issuer keys) and two fixed option
 * sets (lenient, and with the seeds' audience and nonce) whose clock fits
 * the seeds, so valid seeds verify; the input is also tried as an "SP1:"
 * string through sp_qr_decode(). Never crashes; a verified result has
 * consistent accessors and satisfies the options it was verified with.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_keys.h"
#include "stadspas/sp_err.h"
#include "stadspas/sp_pass.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NISSUERS 2

static struct sp_trust *trust;	/* built once, never freed */
static uint8_t kids[NISSUERS][SP_KID_LEN];

static void
trust_add(int alg, const uint8_t seed[SP_SEED_LEN], uint8_t kid[SP_KID_LEN])
{
	struct sp_key *k = NULL;
	uint8_t cose[128];
	size_t len = sizeof(cose);

	if (sp_key_from_seed(&k, alg, seed) != SP_OK ||
	    sp_key_public_cose(k, cose, &len) != SP_OK ||
	    sp_trust_add_cose_key(trust, cose, len) != SP_OK)
		abort();
	sp_key_kid(k, kid);
	sp_key_free(&k);
}

static void
setup(void)
{
	static const uint8_t ed[SP_SEED_LEN] = FUZZ_ISSUER_ED25519_SEED;
	static const uint8_t p256[SP_SEED_LEN] = FUZZ_ISSUER_P256_SEED;

	if (trust != NULL)
		return;
	if (sp_trust_new(&trust) != SP_OK)
		abort();
	trust_add(SP_ALG_EDDSA, ed, kids[0]);
	trust_add(SP_ALG_ES256, p256, kids[1]);
}

static const uint8_t nonce[] = FUZZ_NONCE;

static const struct sp_verify_opts opts_lenient = {
	.now = FUZZ_VERIFY_NOW,
	.skew = 300,
	.max_age = 60,
};

static const struct sp_verify_opts opts_strict = {
	.now = FUZZ_VERIFY_NOW,
	.skew = 300,
	.max_age = 60,
	.audience = FUZZ_AUDIENCE,
	.nonce = nonce,
	.nonce_len = sizeof(nonce),
};

static bool
trusted_kid(const uint8_t *kid)
{
	size_t i;

	for (i = 0; i < NISSUERS; i++)
		if (memcmp(kids[i], kid, SP_KID_LEN) == 0)
			return true;
	return false;
}

static void
check_result(const struct sp_presentation *p, const struct sp_verify_opts *o)
{
	static const char *const scopes[] = { "sport/2026", "swim/2026-01",
	    "culture", "" };
	uint8_t tag[SP_TAG_LEN], id[32];
	const uint8_t *kid, *value;
	size_t i, n, value_len;
	uint32_t list, idx;
	uint64_t counter;
	int64_t t;
	int key;

	n = sp_presentation_claim_count(p);
	if (n > 64)
		abort();
	for (i = 0; i < n; i++) {
		if (sp_presentation_claim(p, i, &key, &value, &value_len) !=
		    SP_OK || key < 1 || key > 255 || value == NULL ||
		    value_len == 0)
			abort();
	}
	if (sp_presentation_claim(p, n, &key, &value, &value_len) !=
	    SP_ERR_NOT_FOUND)
		abort();
	t = sp_presentation_time(p);
	if (t > o->now + (int64_t)o->skew ||
	    o->now - t > (int64_t)o->max_age + (int64_t)o->skew ||
	    o->now - (int64_t)o->skew >= sp_presentation_expiry(p))
		abort();
	if ((kid = sp_presentation_kid(p)) == NULL || !trusted_kid(kid))
		abort();
	if (sp_presentation_offer(p, &counter) == 0 && counter != 0)
		abort();
	sp_presentation_status(p, &list, &idx);
	sp_presentation_replay_id(p, id);
	(void)sp_presentation_has_true(p, SP_CLAIM_AGE_UNDER_18);
	(void)sp_presentation_has_category(p, "sport");
	for (i = 0; i < sizeof(scopes) / sizeof(*scopes); i++) {
		int r = sp_presentation_limit_tag(p, scopes[i], tag);

		if (r != SP_OK && r != SP_ERR_NOT_FOUND)
			abort();
	}
}

static int
verify(const uint8_t *buf, size_t len, const struct sp_verify_opts *o)
{
	struct sp_presentation *p = NULL;
	int r;

	r = sp_presentation_verify(&p, trust, o, buf, len);
	if (r == SP_OK) {
		if (p == NULL)
			abort();
		check_result(p, o);
		sp_presentation_free(&p);
		if (p != NULL)
			abort();
	} else if (r > 0 || p != NULL) {
		abort();
	}
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *cbor = NULL;
	size_t cbor_len = 0;
	int lenient, strict;

	setup();
	lenient = verify(data, size, &opts_lenient);
	strict = verify(data, size, &opts_strict);
	/* Audience and nonce only add checks. */
	if (strict == SP_OK && lenient != SP_OK)
		abort();
	if (lenient != SP_OK && strict != lenient)
		abort();
	if (sp_qr_decode(&cbor, &cbor_len, (const char *)data, size) ==
	    SP_OK) {
		if (cbor == NULL || cbor_len > 4096)
			abort();
		if (cbor_len > 0)
			(void)verify(cbor, cbor_len, &opts_lenient);
		sp_bytes_free(cbor, cbor_len);
	}
	return 0;
}
