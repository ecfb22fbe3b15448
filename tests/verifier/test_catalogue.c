/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The offers catalogue in the verifier: the FORMATS.md §6.3 example
 * bytes, versions (rollback, same version other bytes), a signer the till
 * does not trust, offer and till-key lookups, and one malformed payload
 * per rule of §6.1.
 */
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "check.h"
#include "cose.h"
#include "hash.h"
#include "pass_int.h"
#include "testutil.h"
#include "vfix.h"

/* docs/FORMATS.md §6.3, signed by the §1.2 issuer key (seed 10..2f). */
static const char example_hex[] =
    "8449a201270444" "06c3b3e2" "a0" "5871"
    "a50103020103" "1a6955b900" "0481a7" "0101" "02816270 31"
    "03675a77656d6d656e" "04647377696d" "058105"
    "06a2010102647765656b" "0719015e"
    "0581a3" "01627031" "026944652050617272656c"
    "0381a301012006215820"
    "2543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d"
    "5840"
    "1178d2a29a2d4faf10d00effbf238452fad91ada56b13cb9cbfb382cecbd4f9a"
    "7e5b4e63d0ac82713d30dddc8263b5fe68c4f712f1abdfdd815d8cc5c2f72608";

static void
unspace(char *out, const char *in)
{
	for (; *in != 0; in++)
		if (*in != ' ')
			*out++ = *in;
	*out = 0;
}

static void
test_example(void)
{
	struct sp_verifier *v = NULL;
	struct sp_key *k = NULL;
	struct sp_buf b, chain, ver;
	struct sp_offer_info oi;
	struct cbor_enc e;
	uint8_t seed[SP_SEED_LEN], cose[64], fp[32];
	size_t cl = sizeof(cose), i;
	const uint8_t *tk;
	char hex[sizeof(example_hex)];

	for (i = 0; i < SP_SEED_LEN; i++)
		seed[i] = (uint8_t)(0x10 + i);
	CHECK(sp_key_from_seed(&k, SP_ALG_EDDSA, seed) == SP_OK);
	CHECK(sp_key_public_cose(k, cose, &cl) == SP_OK);
	sp_buf_init(&b);
	sp_buf_init(&chain);
	sp_buf_init(&ver);
	/* A one-version trust list of that key. */
	cbor_enc_init(&e, &b);
	cbor_put_map(&e, 4);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 4);
	cbor_put_uint(&e, 2);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 3);
	cbor_put_uint(&e, VF_T0);
	cbor_put_uint(&e, 4);
	cbor_put_array(&e, 1);
	cbor_put_raw(&e, cose, cl);
	CHECK(cbor_enc_finish(&e) == SP_OK);
	{
		uint8_t kid[SP_KID_LEN];

		sp_key_kid(k, kid);
		CHECK(cose_sign1_sign(&ver, &k->priv, kid, SP_KID_LEN, -1,
		    b.ptr, b.len, NULL, 0, 0) == SP_OK);
	}
	vfix_chain(&chain, &ver, 1);
	CHECK(sp_sha256(fp, cose, cl) == SP_OK);
	CHECK(sp_verifier_new(&v, "p1", NULL) == SP_OK);
	CHECK(sp_verifier_trust_pin(v, fp, chain.ptr, chain.len) == SP_OK);

	unspace(hex, example_hex);
	CHECK(tu_hex(&b, hex) == 0 && b.len == 193);
	CHECK(sp_verifier_catalogue(v, b.ptr, b.len) == SP_OK);
	CHECK(sp_verifier_catalogue_version(v) == 1);
	CHECK(sp_verifier_catalogue_issued(v) == 1767225600);
	CHECK(sp_verifier_offer(v, 1, &oi) == SP_OK);
	CHECK(strcmp(oi.title, "Zwemmen") == 0 &&
	    strcmp(oi.category, "swim") == 0 && oi.amount_cents == 350 &&
	    oi.period == SP_PERIOD_WEEK && oi.limit == 1 && oi.here);
	CHECK(sp_verifier_till_key(v, "p1", 0, &tk, &cl) == SP_OK &&
	    cl == 40 && tk[0] == 0xa3);
	CHECK(sp_verifier_till_key(v, "p1", 1, &tk, &cl) ==
	    SP_ERR_NOT_FOUND);
	/* One bit off anywhere in the signature: refused. */
	b.ptr[b.len - 5] ^= 0x20;
	CHECK(sp_verifier_catalogue(v, b.ptr, b.len) == SP_ERR_SIGNATURE);
	sp_verifier_free(&v);
	sp_key_free(&k);
	sp_buf_clear(&b);
	sp_buf_clear(&chain);
	sp_buf_clear(&ver);
}

static void
test_versions(void)
{
	struct vfix f;
	struct sp_verifier *v;
	struct sp_buf b, c2;
	struct sp_offer_info oi;
	const uint8_t *tk;
	size_t n, i;

	vfix_init(&f);
	sp_buf_init(&b);
	sp_buf_init(&c2);
	v = vfix_verifier(&f, 0);	/* catalogue version 1 */
	vfix_catalogue(&f, &c2, 0, 2, VF_T0 + 86400);
	CHECK(sp_verifier_catalogue(v, c2.ptr, c2.len) == SP_OK);
	CHECK(sp_verifier_catalogue_version(v) == 2);
	CHECK(sp_verifier_catalogue_issued(v) == VF_T0 + 86400);
	CHECK(sp_verifier_catalogue(v, c2.ptr, c2.len) == SP_OK);
	vfix_catalogue(&f, &b, 0, 1, VF_T0);
	CHECK(sp_verifier_catalogue(v, b.ptr, b.len) == SP_ERR_REG_ROLLBACK);
	vfix_catalogue(&f, &b, 0, 2, VF_T0 + 2 * 86400);
	CHECK(sp_verifier_catalogue(v, b.ptr, b.len) == SP_ERR_REG_FORK);
	vfix_catalogue(&f, &b, 1, 3, VF_T0);	/* B: not trusted */
	CHECK(sp_verifier_catalogue(v, b.ptr, b.len) == SP_ERR_UNKNOWN_KID);
	CHECK(sp_verifier_catalogue_version(v) == 2);

	/* Lookups. */
	for (n = 0; sp_verifier_offer_at(v, n, &oi) == SP_OK; n++)
		CHECK(oi.id == n + 1);
	CHECK(n == 6);
	CHECK(sp_verifier_offer(v, 3, &oi) == SP_OK && !oi.here &&
	    oi.period == SP_PERIOD_YEAR && oi.amount_cents == 5000);
	CHECK(sp_verifier_offer(v, 2, &oi) == SP_OK && oi.here &&
	    oi.period == SP_PERIOD_NONE && oi.limit == 0);
	CHECK(sp_verifier_offer(v, 7, &oi) == SP_ERR_NOT_FOUND);
	CHECK(sp_verifier_offer(v, 0, &oi) == SP_ERR_NOT_FOUND);
	CHECK(sp_verifier_till_key(v, "p1", 0, &tk, &n) == SP_OK &&
	    n == f.cose_len[3] && memcmp(tk, f.cose[3], n) == 0);
	CHECK(sp_verifier_till_key(v, "p2", 0, &tk, &n) == SP_ERR_NOT_FOUND);
	CHECK(sp_verifier_till_key(v, "p3", 0, &tk, &n) == SP_ERR_NOT_FOUND);
	CHECK(sp_verifier_till_key(v, "p01", 0, &tk, &n) ==
	    SP_ERR_NOT_FOUND);
	/* Truncations of a good catalogue never pass. */
	for (i = 1; i < c2.len; i += 7)
		CHECK(sp_verifier_catalogue(v, c2.ptr, i) != SP_OK);
	sp_verifier_free(&v);
	sp_buf_clear(&b);
	sp_buf_clear(&c2);
	vfix_clear(&f);
}

/* One offer and one provider; variant breaks one rule. */
static void
bad_payload(const struct vfix *f, struct sp_buf *p, int variant)
{
	struct cbor_enc e;

	sp_buf_reset(p);
	cbor_enc_init(&e, p);
	cbor_put_map(&e, variant == 1 ? 6 : 5);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, variant == 2 ? 2 : 3);
	cbor_put_uint(&e, 2);
	cbor_put_uint(&e, variant == 3 ? 0 : 1);
	cbor_put_uint(&e, 3);
	cbor_put_uint(&e, VF_T0);
	cbor_put_uint(&e, 4);
	cbor_put_array(&e, variant == 4 ? 2 : 1);
	if (variant == 4) {	/* ids not ascending */
		cbor_put_map(&e, 6);
		cbor_put_uint(&e, 1);
		cbor_put_uint(&e, 9);
		cbor_put_uint(&e, 2);
		cbor_put_array(&e, 1);
		cbor_put_tstrz(&e, "p1");
		cbor_put_uint(&e, 3);
		cbor_put_tstrz(&e, "x");
		cbor_put_uint(&e, 4);
		cbor_put_tstrz(&e, "x");
		cbor_put_uint(&e, 5);
		cbor_put_array(&e, 0);
		cbor_put_uint(&e, 7);
		cbor_put_uint(&e, 0);
	}
	cbor_put_map(&e, variant == 5 ? 8 : variant == 6 ? 6 : 7);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 2);
	cbor_put_array(&e, variant == 7 ? 2 : 1);
	cbor_put_tstrz(&e, variant == 8 ? "x1" : "p1");
	if (variant == 7)
		cbor_put_tstrz(&e, "p1");	/* twice */
	if (variant != 6) {
		cbor_put_uint(&e, 3);
		cbor_put_tstrz(&e, "Zwemmen");
	}
	cbor_put_uint(&e, 4);
	cbor_put_tstrz(&e, variant == 9 ? "Swim" : "swim");
	cbor_put_uint(&e, 5);
	if (variant == 10) {
		cbor_put_array(&e, 2);
		cbor_put_uint(&e, 5);
		cbor_put_uint(&e, 4);
	} else {
		cbor_put_array(&e, 1);
		cbor_put_uint(&e, variant == 11 ? 9 : 5);
	}
	cbor_put_uint(&e, 6);
	cbor_put_map(&e, 2);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, variant == 12 ? 0 : variant == 13 ? 1001 : 1);
	cbor_put_uint(&e, 2);
	cbor_put_tstrz(&e, variant == 14 ? "fortnight" : "week");
	cbor_put_uint(&e, 7);
	cbor_put_uint(&e, variant == 15 ? 100000001 : 350);
	if (variant == 5) {
		cbor_put_uint(&e, 8);
		cbor_put_uint(&e, 0);
	}
	cbor_put_uint(&e, 5);
	cbor_put_array(&e, variant == 16 ? 2 : 1);
	if (variant == 16) {	/* providers not ascending by number */
		cbor_put_map(&e, 3);
		cbor_put_uint(&e, 1);
		cbor_put_tstrz(&e, "p10");
		cbor_put_uint(&e, 2);
		cbor_put_tstrz(&e, "X");
		cbor_put_uint(&e, 3);
		cbor_put_array(&e, 0);
	}
	cbor_put_map(&e, 3);
	cbor_put_uint(&e, 1);
	cbor_put_tstrz(&e, "p1");
	cbor_put_uint(&e, 2);
	cbor_put_tstrz(&e, "De Parrel");
	cbor_put_uint(&e, 3);
	cbor_put_array(&e, 1);
	if (variant == 17) {	/* not a usable COSE_Key */
		cbor_put_map(&e, 1);
		cbor_put_uint(&e, 1);
		cbor_put_uint(&e, 1);
	} else {
		cbor_put_raw(&e, f->cose[3], f->cose_len[3]);
	}
	if (variant == 1) {
		cbor_put_uint(&e, 6);
		cbor_put_uint(&e, 0);
	}
	if (cbor_enc_finish(&e) != SP_OK)
		abort();
}

static void
test_malformed(void)
{
	struct vfix f;
	struct sp_verifier *v = NULL;
	/* The exact error of each variant of bad_payload. */
	static const int want[] = { SP_OK, SP_ERR_CBOR_UNKNOWN_KEY,
	    SP_ERR_CBOR_VALUE, SP_ERR_CBOR_VALUE, SP_ERR_CBOR_VALUE,
	    SP_ERR_CBOR_UNKNOWN_KEY, SP_ERR_CBOR_MISSING_KEY,
	    SP_ERR_CBOR_VALUE, SP_ERR_CBOR_VALUE, SP_ERR_CBOR_VALUE,
	    SP_ERR_CBOR_VALUE, SP_ERR_CBOR_VALUE, SP_ERR_CBOR_VALUE,
	    SP_ERR_CBOR_VALUE, SP_ERR_CBOR_VALUE, SP_ERR_CBOR_VALUE,
	    SP_ERR_CBOR_VALUE, SP_ERR_UNSUPPORTED_ALG };
	struct sp_buf p, s, chain;
	int i, r;

	vfix_init(&f);
	sp_buf_init(&p);
	sp_buf_init(&s);
	sp_buf_init(&chain);
	CHECK(sp_verifier_new(&v, "p1", NULL) == SP_OK);
	vfix_chain_std(&f, &chain, 1);
	CHECK(sp_verifier_trust_pin(v, f.fp[0], chain.ptr, chain.len) ==
	    SP_OK);
	for (i = 0; i <= 17; i++) {
		bad_payload(&f, &p, i);
		sp_buf_reset(&s);
		CHECK(cose_sign1_sign(&s, &f.iss[0]->priv, f.kid[0],
		    SP_KID_LEN, -1, p.ptr, p.len, NULL, 0, 0) == SP_OK);
		r = sp_verifier_catalogue(v, s.ptr, s.len);
		if (getenv("VF_VERBOSE") != NULL)
			fprintf(stderr, "variant %d: %d\n", i, r);
		CHECKF(r == want[i], "variant %d: %d", i, r);
		if (i == 0)	/* later variants must not replace it */
			CHECK(sp_verifier_catalogue_version(v) == 1);
	}
	CHECK(sp_verifier_catalogue_version(v) == 1);
	/* Tagged COSE_Sign1 and a missing kid are not the profile. */
	bad_payload(&f, &p, 0);
	sp_buf_reset(&s);
	CHECK(cose_sign1_sign(&s, &f.iss[0]->priv, f.kid[0], SP_KID_LEN, -1,
	    p.ptr, p.len, NULL, 0, COSE_F_TAGGED) == SP_OK);
	CHECK(sp_verifier_catalogue(v, s.ptr, s.len) == SP_ERR_COSE_TAG);
	sp_buf_reset(&s);
	CHECK(cose_sign1_sign(&s, &f.iss[0]->priv, NULL, 0, -1, p.ptr, p.len,
	    NULL, 0, 0) == SP_OK);
	CHECK(sp_verifier_catalogue(v, s.ptr, s.len) != SP_OK);
	sp_verifier_free(&v);
	sp_buf_clear(&p);
	sp_buf_clear(&s);
	sp_buf_clear(&chain);
	vfix_clear(&f);
}

int
main(void)
{
	test_example();
	test_versions();
	test_malformed();
	return check_report("test_catalogue");
}
