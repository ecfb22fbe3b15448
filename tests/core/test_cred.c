/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pass issuing, presenting and verifying through the public API: the happy
 * path for every key-type combination, minimal disclosure, each rejection
 * reason, and tamper detection on every byte.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "stadspas/sp_pass.h"

#define T0 1767225600	/* 2026-01-01T00:00:00Z */
#define YEAR (365 * 86400)

struct fixture {
	struct sp_key *issuer, *holder;
	struct sp_trust *trust;
	uint8_t *issued;
	size_t issued_len;
};

static const uint8_t tag_sport[SP_TAG_LEN] = { 0x51, 0x52, 0x53, 0x54 };
static const uint8_t key_swim[SP_TAG_LEN] = { 0x77, 0x78 };

static void
seed_of(uint8_t seed[SP_SEED_LEN], uint8_t v)
{
	memset(seed, v, SP_SEED_LEN);
}

static int
fixture_init(struct fixture *f, int issuer_alg, int holder_alg)
{
	uint8_t seed[SP_SEED_LEN], cose[128], salts[32];
	size_t cose_len = sizeof(cose);
	struct sp_pass_builder *b = NULL;
	int r;

	memset(f, 0, sizeof(*f));
	seed_of(seed, 1);
	seed_of(salts, 9);
	if ((r = sp_key_from_seed(&f->issuer, issuer_alg, seed)) != SP_OK)
		return r;
	seed_of(seed, 2);
	if ((r = sp_key_from_seed(&f->holder, holder_alg, seed)) != SP_OK)
		return r;
	if ((r = sp_trust_new(&f->trust)) != SP_OK ||
	    (r = sp_key_public_cose(f->issuer, cose, &cose_len)) != SP_OK ||
	    (r = sp_trust_add_cose_key(f->trust, cose, cose_len)) != SP_OK)
		return r;
	cose_len = sizeof(cose);
	if ((r = sp_key_public_cose(f->holder, cose, &cose_len)) != SP_OK ||
	    (r = sp_pass_builder_new(&b)) != SP_OK)
		return r;
	if ((r = sp_pass_builder_set_issuer(b, "GM0014")) != SP_OK ||
	    (r = sp_pass_builder_set_times(b, T0, 0, T0 + YEAR)) != SP_OK ||
	    (r = sp_pass_builder_set_status(b, 1, 123456)) != SP_OK ||
	    (r = sp_pass_builder_set_holder(b, cose, cose_len)) != SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_PASS_NO, "0014-123"))
	    != SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_NAME, "Anna de Vries"))
	    != SP_OK ||
	    (r = sp_pass_builder_add_uint(b, SP_CLAIM_BIRTH_YEAR, 2014)) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18, true)) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY, "culture")) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY, "sport")) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_limit_tag(b, "sport/2026", tag_sport)) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_limit_key(b, "swim", key_swim)) != SP_OK)
		goto out;
	r = sp_pass_issue(&f->issued, &f->issued_len, b, f->issuer, salts);
out:
	sp_pass_builder_free(&b);
	return r;
}

static void
fixture_clear(struct fixture *f)
{
	sp_key_free(&f->issuer);
	sp_key_free(&f->holder);
	sp_trust_free(&f->trust);
	sp_bytes_free(f->issued, f->issued_len);
	f->issued = NULL;
}

static const int typical_claims[] = { SP_CLAIM_CATEGORY };
static const char *const typical_scopes[] = { "sport/2026" };

static struct sp_present_opts
typical_opts(void)
{
	struct sp_present_opts o = {
		.time = T0 + 1000,
		.audience = "pool-noord",
		.offer = 7,
		.counter = 1,
		.disclose = typical_claims,
		.disclose_count = 1,
		.scopes = typical_scopes,
		.scope_count = 1,
	};
	return o;
}

static struct sp_verify_opts
verify_opts(void)
{
	struct sp_verify_opts v = SP_VERIFY_OPTS_DEFAULT;

	v.now = T0 + 1010;
	v.audience = "pool-noord";
	return v;
}

static int
present_verify(struct fixture *f, const struct sp_present_opts *po,
    const struct sp_verify_opts *vo, struct sp_presentation **out)
{
	uint8_t *pres = NULL;
	size_t len = 0;
	int r;

	if ((r = sp_present(&pres, &len, f->issued, f->issued_len, f->holder,
	    po)) != SP_OK)
		return r;
	r = sp_presentation_verify(out, f->trust, vo, pres, len);
	sp_bytes_free(pres, len);
	return r;
}

static void
test_happy(int ialg, int halg)
{
	struct fixture f;
	struct sp_present_opts po = typical_opts();
	struct sp_verify_opts vo = verify_opts();
	struct sp_presentation *p = NULL;
	uint8_t tag[SP_TAG_LEN];
	uint32_t list, idx;
	uint64_t ctr;
	size_t i;

	CHECK(fixture_init(&f, ialg, halg) == SP_OK);
	CHECK(present_verify(&f, &po, &vo, &p) == SP_OK);
	if (p == NULL) {
		fixture_clear(&f);
		return;
	}
	sp_presentation_status(p, &list, &idx);
	CHECK(list == 1 && idx == 123456);
	CHECK(sp_presentation_expiry(p) == T0 + YEAR);
	CHECK(sp_presentation_time(p) == T0 + 1000);
	CHECK(sp_presentation_offer(p, &ctr) == 7 && ctr == 1);
	/* Both categories and the one requested limit tag, nothing else. */
	CHECK(sp_presentation_claim_count(p) == 3);
	CHECK(sp_presentation_has_category(p, "sport"));
	CHECK(sp_presentation_has_category(p, "culture"));
	CHECK(!sp_presentation_has_true(p, SP_CLAIM_AGE_UNDER_18));
	CHECK(sp_presentation_limit_tag(p, "sport/2026", tag) == SP_OK &&
	    memcmp(tag, tag_sport, SP_TAG_LEN) == 0);
	CHECK(sp_presentation_limit_tag(p, "swim/2026-W48", tag) ==
	    SP_ERR_NOT_FOUND);
	for (i = 0; i < sp_presentation_claim_count(p); i++) {
		int key;
		const uint8_t *v;
		size_t vl;

		CHECK(sp_presentation_claim(p, i, &key, &v, &vl) == SP_OK);
		CHECK(key != SP_CLAIM_NAME && key != SP_CLAIM_PASS_NO &&
		    key != SP_CLAIM_BIRTH_YEAR);
	}
	sp_presentation_free(&p);
	CHECK(p == NULL);
	fixture_clear(&f);
}

static void
test_limit_key_and_age(void)
{
	static const int claims[] = { SP_CLAIM_AGE_UNDER_18 };
	static const char *const scopes[] = { "swim/2026-W48" };
	struct fixture f;
	struct sp_present_opts po = typical_opts();
	struct sp_verify_opts vo = verify_opts();
	struct sp_presentation *p = NULL;
	uint8_t tag[SP_TAG_LEN], want[SP_TAG_LEN];

	CHECK(fixture_init(&f, SP_ALG_EDDSA, SP_ALG_EDDSA) == SP_OK);
	po.disclose = claims;
	po.scopes = scopes;
	CHECK(present_verify(&f, &po, &vo, &p) == SP_OK);
	if (p != NULL) {
		CHECK(sp_presentation_claim_count(p) == 2);
		CHECK(sp_presentation_has_true(p, SP_CLAIM_AGE_UNDER_18));
		CHECK(!sp_presentation_has_category(p, "sport"));
		/* A tag key yields one stable tag per period. */
		sp_limit_tag_derive(want, key_swim, SP_TAG_LEN,
		    "swim/2026-W48");
		CHECK(sp_presentation_limit_tag(p, "swim/2026-W48", tag) ==
		    SP_OK && memcmp(tag, want, SP_TAG_LEN) == 0);
		CHECK(sp_presentation_limit_tag(p, "swim/2026-W49", tag) ==
		    SP_OK && memcmp(tag, want, SP_TAG_LEN) != 0);
		CHECK(sp_presentation_limit_tag(p, "sport/2026", tag) ==
		    SP_ERR_NOT_FOUND);
	}
	sp_presentation_free(&p);
	fixture_clear(&f);
}

static void
test_rejections(void)
{
	struct fixture f;
	struct sp_present_opts po;
	struct sp_verify_opts vo;
	struct sp_presentation *p = NULL;
	struct sp_key *other = NULL;
	static const uint8_t nonce[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t nonce2[8] = { 1, 2, 3, 4, 5, 6, 7, 9 };
	uint8_t seed[SP_SEED_LEN];

	CHECK(fixture_init(&f, SP_ALG_EDDSA, SP_ALG_EDDSA) == SP_OK);

	vo = verify_opts();
	po = typical_opts();
	vo.now = T0 + YEAR + 301;	/* past exp + skew */
	po.time = vo.now;
	CHECK(present_verify(&f, &po, &vo, &p) == SP_ERR_EXPIRED);
	vo.now = T0 - 301;
	po.time = vo.now;
	CHECK(present_verify(&f, &po, &vo, &p) == SP_ERR_NOT_YET_VALID);

	vo = verify_opts();
	po = typical_opts();
	po.time = vo.now - 60 - 300 - 1;	/* older than max_age + skew */
	CHECK(present_verify(&f, &po, &vo, &p) == SP_ERR_STALE);
	po.time = vo.now + 301;
	CHECK(present_verify(&f, &po, &vo, &p) == SP_ERR_FUTURE);

	po = typical_opts();
	vo.audience = "museum-zuid";
	CHECK(present_verify(&f, &po, &vo, &p) == SP_ERR_AUDIENCE);
	po.audience = NULL;
	CHECK(present_verify(&f, &po, &vo, &p) == SP_ERR_AUDIENCE);

	vo = verify_opts();
	po = typical_opts();
	vo.nonce = nonce;
	vo.nonce_len = sizeof(nonce);
	CHECK(present_verify(&f, &po, &vo, &p) == SP_ERR_NONCE);
	po.nonce = nonce2;
	po.nonce_len = sizeof(nonce2);
	CHECK(present_verify(&f, &po, &vo, &p) == SP_ERR_NONCE);
	po.nonce = nonce;
	CHECK(present_verify(&f, &po, &vo, &p) == SP_OK);
	sp_presentation_free(&p);

	/* A key the pass is not bound to cannot present it. */
	seed_of(seed, 3);
	CHECK(sp_key_from_seed(&other, SP_ALG_EDDSA, seed) == SP_OK);
	po = typical_opts();
	{
		uint8_t *pres = NULL;
		size_t len = 0;

		CHECK(sp_present(&pres, &len, f.issued, f.issued_len, other,
		    &po) == SP_ERR_KEY_MISMATCH);
		CHECK(pres == NULL);
	}
	sp_key_free(&other);

	/* An untrusted issuer. */
	{
		struct sp_trust *empty = NULL;
		uint8_t *pres = NULL;
		size_t len = 0;

		vo = verify_opts();
		CHECK(sp_trust_new(&empty) == SP_OK);
		CHECK(sp_present(&pres, &len, f.issued, f.issued_len,
		    f.holder, &po) == SP_OK);
		CHECK(sp_presentation_verify(&p, empty, &vo, pres, len) ==
		    SP_ERR_UNKNOWN_KID);
		CHECK(p == NULL);
		sp_trust_free(&empty);
		sp_bytes_free(pres, len);
	}
	fixture_clear(&f);
}

/* Every single-byte change of a presentation is refused. */
static void
test_tamper_every_byte(void)
{
	struct fixture f;
	struct sp_present_opts po = typical_opts();
	struct sp_verify_opts vo = verify_opts();
	struct sp_presentation *p = NULL;
	uint8_t *pres = NULL;
	size_t len = 0, i, accepted = 0;
	unsigned bit;

	CHECK(fixture_init(&f, SP_ALG_EDDSA, SP_ALG_EDDSA) == SP_OK);
	CHECK(sp_present(&pres, &len, f.issued, f.issued_len, f.holder, &po) ==
	    SP_OK);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit += 3) {
			pres[i] ^= (uint8_t)(1u << bit);
			if (sp_presentation_verify(&p, f.trust, &vo, pres,
			    len) == SP_OK) {
				accepted++;
				sp_presentation_free(&p);
			}
			pres[i] ^= (uint8_t)(1u << bit);
		}
	}
	CHECKF(accepted == 0, "%zu tampered presentations accepted", accepted);
	/* Truncation at every length and one extra byte. */
	for (i = 0; i < len; i++)
		CHECK(sp_presentation_verify(&p, f.trust, &vo, pres, i) !=
		    SP_OK);
	CHECK(sp_presentation_verify(&p, f.trust, &vo, pres, len) == SP_OK);
	sp_presentation_free(&p);
	sp_bytes_free(pres, len);
	fixture_clear(&f);
}

static void
test_qr_roundtrip(void)
{
	struct fixture f;
	struct sp_present_opts po = typical_opts();
	struct sp_verify_opts vo = verify_opts();
	struct sp_presentation *p = NULL;
	uint8_t *pres = NULL, *back = NULL;
	size_t len = 0, back_len = 0;
	char *qr = NULL;

	CHECK(fixture_init(&f, SP_ALG_EDDSA, SP_ALG_EDDSA) == SP_OK);
	CHECK(sp_present(&pres, &len, f.issued, f.issued_len, f.holder, &po) ==
	    SP_OK);
	CHECK(sp_qr_encode(&qr, pres, len) == SP_OK);
	CHECK(qr != NULL && strncmp(qr, "SP1:", 4) == 0);
	if (qr != NULL) {
		printf("typical presentation: %zu bytes CBOR, %zu chars\n",
		    len, strlen(qr));
		CHECK(sp_qr_decode(&back, &back_len, qr, strlen(qr)) == SP_OK);
		CHECK(back_len == len && memcmp(back, pres, len) == 0);
		CHECK(sp_presentation_verify(&p, f.trust, &vo, back,
		    back_len) == SP_OK);
		sp_bytes_free(back, back_len);
		back = NULL;
		/* A DCC string is not a stadspas presentation. */
		CHECK(sp_qr_decode(&back, &back_len, "HC1:BB8", 7) ==
		    SP_ERR_PREFIX);
		back_len = 0;
	}
	sp_presentation_free(&p);
	free(qr);
	sp_bytes_free(back, back_len);
	sp_bytes_free(pres, len);
	fixture_clear(&f);
}

static void
test_builder_validation(void)
{
	struct sp_pass_builder *b = NULL;
	static const uint8_t v[SP_TAG_LEN] = { 0 };

	CHECK(sp_pass_builder_new(&b) == SP_OK);
	CHECK(sp_pass_builder_set_times(b, 100, 0, 100) == SP_ERR_INVALID_ARG);
	CHECK(sp_pass_builder_add_text(b, 99, "x") == SP_ERR_INVALID_ARG);
	CHECK(sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY, "a/b") ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_pass_builder_add_limit_tag(b, "sport", v) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_pass_builder_add_limit_key(b, "swim/2026", v) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_pass_builder_set_holder(b, (const uint8_t *)"\xa0", 1) !=
	    SP_OK);
	sp_pass_builder_free(&b);
	CHECK(b == NULL);
	sp_pass_builder_free(&b);	/* NULL is fine */
}

/* Review findings: claim types, padding never disclosed, size limit at
 * issue, accessors, prefix named first, per-pass limit keys. */
static void
test_api_edges(void)
{
	static const int with_padding[] = { 0, SP_CLAIM_CATEGORY };
	static const uint8_t secret[32] = { 9 };
	struct sp_pass_builder *b = NULL;
	struct fixture f;
	struct sp_present_opts po = typical_opts();
	struct sp_verify_opts vo = verify_opts();
	struct sp_presentation *p = NULL;
	uint8_t k1[SP_TAG_LEN], k2[SP_TAG_LEN], k3[SP_TAG_LEN];
	uint8_t t1[SP_TAG_LEN], t2[SP_TAG_LEN], *out = NULL;
	static const uint8_t nonce[4] = { 1, 2, 3, 4 };
	char big[257];
	size_t len = 0, i;
	uint8_t *cbor = NULL;

	CHECK(sp_pass_builder_new(&b) == SP_OK);
	CHECK(sp_pass_builder_add_text(b, SP_CLAIM_AGE_UNDER_18, "yes") ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_pass_builder_add_bool(b, SP_CLAIM_PASS_NO, true) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_pass_builder_add_uint(b, SP_CLAIM_NAME, 3) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_pass_builder_add_uint(b, SP_CLAIM_BIRTH_YEAR, 2001) == SP_OK);
	sp_pass_builder_free(&b);

	CHECK(fixture_init(&f, SP_ALG_EDDSA, SP_ALG_EDDSA) == SP_OK);
	/* Key 0 (padding) in the list is ignored, not disclosed. */
	po.disclose = with_padding;
	po.disclose_count = 2;
	po.nonce = nonce;
	po.nonce_len = sizeof(nonce);
	CHECK(present_verify(&f, &po, &vo, &p) == SP_OK);
	if (p != NULL) {
		size_t n;
		const char *a = sp_presentation_audience(p, &n);
		const uint8_t *nn;

		CHECK(a != NULL && n == 10 && memcmp(a, "pool-noord", 10) == 0);
		nn = sp_presentation_nonce(p, &n);
		CHECK(nn != NULL && n == 4 && memcmp(nn, nonce, 4) == 0);
		a = sp_presentation_issuer(p, &n);
		CHECK(a != NULL && n == 6 && memcmp(a, "GM0014", 6) == 0);
		CHECK(sp_presentation_issued(p) == T0);
	}
	sp_presentation_free(&p);
	fixture_clear(&f);

	/* An issued pass over the size limit is refused at issue time. */
	CHECK(fixture_init(&f, SP_ALG_EDDSA, SP_ALG_EDDSA) == SP_OK);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	CHECK(sp_pass_builder_new(&b) == SP_OK);
	{
		uint8_t cose[128];
		size_t cl = sizeof(cose);

		CHECK(sp_key_public_cose(f.holder, cose, &cl) == SP_OK);
		CHECK(sp_pass_builder_set_times(b, T0, 0, T0 + YEAR) == SP_OK);
		CHECK(sp_pass_builder_set_status(b, 1, 1) == SP_OK);
		CHECK(sp_pass_builder_set_holder(b, cose, cl) == SP_OK);
	}
	big[256] = 0;
	for (i = 0; i < 20; i++)
		CHECK(sp_pass_builder_add_text(b, SP_CLAIM_NAME, big) == SP_OK);
	CHECK(sp_pass_issue(&out, &len, b, f.issuer, NULL) ==
	    SP_ERR_TOO_LARGE);
	CHECK(out == NULL);
	sp_pass_builder_free(&b);
	fixture_clear(&f);

	/* A damaged DCC string is named as foreign, not as bad Base45. */
	CHECK(sp_qr_decode(&cbor, &len, "HC1:!!!", 7) == SP_ERR_PREFIX);
	CHECK(sp_qr_decode(&cbor, &len, " \nSP1:!!", 8) == SP_ERR_BASE45);

	/* Limit keys: per pass and category, tags per period. */
	sp_limit_key_derive(k1, secret, sizeof(secret), "0014-1", "swim");
	sp_limit_key_derive(k2, secret, sizeof(secret), "0014-2", "swim");
	sp_limit_key_derive(k3, secret, sizeof(secret), "0014-1", "sport");
	CHECK(memcmp(k1, k2, SP_TAG_LEN) != 0 && memcmp(k1, k3, SP_TAG_LEN));
	sp_limit_tag_derive(t1, k1, SP_TAG_LEN, "swim/2026-W48");
	sp_limit_key_derive(k2, secret, sizeof(secret), "0014-1", "swim");
	sp_limit_tag_derive(t2, k2, SP_TAG_LEN, "swim/2026-W48");
	CHECK(memcmp(t1, t2, SP_TAG_LEN) == 0);	/* stable across copies */
}

int
main(void)
{
	test_happy(SP_ALG_EDDSA, SP_ALG_EDDSA);
	test_happy(SP_ALG_EDDSA, SP_ALG_ES256);
	test_happy(SP_ALG_ES256, SP_ALG_EDDSA);
	test_happy(SP_ALG_ES256, SP_ALG_ES256);
	test_limit_key_and_age();
	test_rejections();
	test_tamper_every_byte();
	test_qr_roundtrip();
	test_builder_validation();
	test_api_edges();
	return check_report("test_cred");
}
