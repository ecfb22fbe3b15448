/* SPDX-License-Identifier: Apache-2.0 */
/* COSE_Sign1 and COSE_Key: round trips, strictness, malformed input. */
#include <string.h>

#include "check.h"
#include "cose.h"
#include "testutil.h"

static const uint8_t payload[] = "stadspas test payload";
static const uint8_t aad[] = { 0xaa, 0xbb };

static void
key_pair(struct sig_priv *k, int alg, uint8_t v)
{
	uint8_t seed[SIG_SEED_LEN];

	memset(seed, v, sizeof(seed));
	memset(k, 0, sizeof(*k));
	CHECK(sig_priv_from_seed(k, alg, seed) == SP_OK);
}

static void
test_roundtrip(int alg)
{
	static const uint8_t kid[] = { 1, 2, 3, 4 };
	struct sig_priv k, other;
	struct sp_buf out;
	struct cose_sign1 m;
	unsigned flags;

	key_pair(&k, alg, 7);
	key_pair(&other, alg, 8);
	sp_buf_init(&out);
	for (flags = 0; flags < 8; flags++) {
		unsigned enc = flags & (COSE_F_TAGGED | COSE_F_DETACHED);
		bool detached = (flags & COSE_F_DETACHED) != 0;
		const uint8_t *a = (flags & 4) ? aad : NULL;
		size_t alen = (flags & 4) ? sizeof(aad) : 0;

		sp_buf_reset(&out);
		CHECK(cose_sign1_sign(&out, &k, kid, sizeof(kid), 0, payload,
		    sizeof(payload), a, alen, enc) == SP_OK);
		CHECK(cose_sign1_decode(&m, out.ptr, out.len,
		    COSE_F_STRICT) == SP_OK);
		CHECK(m.tagged == ((enc & COSE_F_TAGGED) != 0));
		CHECK(m.has_alg && m.alg == alg && m.alg_protected);
		CHECK(m.kid_len == 4 && memcmp(m.kid, kid, 4) == 0);
		CHECK(m.has_cty && m.cty == 0);
		CHECK((m.payload == NULL) == detached);
		CHECK(cose_sign1_verify(&m, &k.pub, a, alen,
		    detached ? payload : NULL,
		    detached ? sizeof(payload) : 0) == SP_OK);
		/* Wrong key, wrong AAD, wrong detached payload. */
		CHECK(cose_sign1_verify(&m, &other.pub, a, alen,
		    detached ? payload : NULL,
		    detached ? sizeof(payload) : 0) == SP_ERR_SIGNATURE);
		CHECK(cose_sign1_verify(&m, &k.pub, aad, 1,
		    detached ? payload : NULL,
		    detached ? sizeof(payload) : 0) == SP_ERR_SIGNATURE);
		if (detached)
			CHECK(cose_sign1_verify(&m, &k.pub, a, alen, payload,
			    sizeof(payload) - 1) == SP_ERR_SIGNATURE);
		/* Tagged required but absent. */
		if (!(enc & COSE_F_TAGGED))
			CHECK(cose_sign1_decode(&m, out.ptr, out.len,
			    COSE_F_REQUIRE_TAG) == SP_ERR_COSE_TAG);
	}
	sp_buf_clear(&out);
	sig_priv_clear(&k);
	sig_priv_clear(&other);
}

static void
test_key_mismatch(void)
{
	struct sig_priv ed, ec;
	struct sp_buf out;
	struct cose_sign1 m;

	key_pair(&ed, SIG_ALG_EDDSA, 1);
	key_pair(&ec, SIG_ALG_ES256, 1);
	sp_buf_init(&out);
	CHECK(cose_sign1_sign(&out, &ed, NULL, 0, -1, payload,
	    sizeof(payload), NULL, 0, 0) == SP_OK);
	CHECK(cose_sign1_decode(&m, out.ptr, out.len, 0) == SP_OK);
	CHECK(cose_sign1_verify(&m, &ec.pub, NULL, 0, NULL, 0) ==
	    SP_ERR_KEY_MISMATCH);
	sp_buf_clear(&out);
	sig_priv_clear(&ed);
	sig_priv_clear(&ec);
}

struct bad_case {
	const char *hex;
	unsigned flags;
	int want;
	const char *why;
};

static void
test_malformed(void)
{
	static const struct bad_case cases[] = {
		{ "", 0, SP_ERR_INVALID_ARG, "empty" },
		{ "83404040", 0, SP_ERR_COSE, "array of 3" },
		{ "8540a0404040", 0, SP_ERR_COSE, "array of 5" },
		{ "a0", 0, SP_ERR_COSE, "not an array" },
		{ "d8628440a04040", 0, SP_ERR_COSE_TAG, "tag 98 (COSE_Sign)" },
		{ "d28401a04040", 0, SP_ERR_COSE, "protected not bstr" },
		{ "d2844040404040", 0, SP_ERR_CBOR_TRAILING, "trailing" },
		{ "d28440a00140", 0, SP_ERR_COSE, "payload int" },
		{ "d28440a04001", 0, SP_ERR_COSE, "signature int" },
		{ "d28440804040", 0, SP_ERR_COSE, "unprotected array" },
		/* alg twice: protected and unprotected. */
		{ "d28443a10127a101274040", 0, SP_ERR_COSE_HEADER,
		    "alg twice" },
		/* crit present. */
		{ "d28446a20127028103a04040", 0, SP_ERR_COSE_HEADER, "crit" },
		/* kid not a bstr. */
		{ "d28440a104014040", 0, SP_ERR_COSE_HEADER, "kid int" },
		/* Strict: alg only in the unprotected header. */
		{ "d28440a101274040", COSE_F_STRICT, SP_ERR_COSE_HEADER,
		    "strict: unprotected alg" },
		/* Strict: unknown label. */
		{ "d28446a20127182a00a04040", COSE_F_STRICT,
		    SP_ERR_COSE_HEADER, "strict: unknown label" },
		/* Strict: h'a0' protected. */
		{ "d28441a0a04040", COSE_F_STRICT, SP_ERR_COSE_HEADER,
		    "strict: empty-map protected" },
		/* Strict: non-shortest head. */
		{ "d2841843a10127a04040", COSE_F_STRICT, SP_ERR_CBOR_NONCANONICAL,
		    "strict: long head" },
		/* Protected bstr holding garbage. */
		{ "d28441ffa04040", 0, SP_ERR_CBOR_MALFORMED,
		    "protected not CBOR" },
	};
	struct sp_buf b;
	struct cose_sign1 m;
	size_t i;

	sp_buf_init(&b);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;

		CHECK(tu_hex(&b, cases[i].hex) == 0);
		r = cose_sign1_decode(&m, b.len ? b.ptr : (const uint8_t *)"",
		    b.len, cases[i].flags);
		if (cases[i].want == SP_ERR_CBOR_TRAILING ||
		    cases[i].want == SP_ERR_CBOR_MALFORMED ||
		    cases[i].want == SP_ERR_CBOR_NONCANONICAL)
			CHECKF(r != SP_OK, "%s: accepted", cases[i].why);
		else
			CHECKF(r == cases[i].want, "%s: got %s", cases[i].why,
			    sp_strerror(r));
	}
	sp_buf_clear(&b);
}

static void
test_unverifiable(void)
{
	struct sp_buf b;
	struct cose_sign1 m;
	struct sig_priv k;

	key_pair(&k, SIG_ALG_EDDSA, 3);
	sp_buf_init(&b);
	/* No alg anywhere: decodes, but cannot be verified. */
	CHECK(tu_hex(&b, "d28440a04040") == 0);
	CHECK(cose_sign1_decode(&m, b.ptr, b.len, 0) == SP_OK);
	CHECK(cose_sign1_verify(&m, &k.pub, NULL, 0, NULL, 0) ==
	    SP_ERR_UNSUPPORTED_ALG);
	/* alg ES384 (-35): unsupported. */
	CHECK(tu_hex(&b, "d28444a1013822a04040") == 0);
	CHECK(cose_sign1_decode(&m, b.ptr, b.len, 0) == SP_OK);
	CHECK(cose_sign1_verify(&m, &k.pub, NULL, 0, NULL, 0) ==
	    SP_ERR_UNSUPPORTED_ALG);
	sp_buf_clear(&b);
	sig_priv_clear(&k);
}

/* An unknown header whose value is a container is skipped whole. */
static void
test_unknown_container_header(void)
{
	struct sig_priv k;
	struct sp_buf b;
	struct cose_sign1 m;

	key_pair(&k, SIG_ALG_EDDSA, 5);
	sp_buf_init(&b);
	/* unprotected {4: h'6b', 99: [1, {2: 3}]}, payload h'', sig h'' */
	CHECK(tu_hex(&b, "8440a204416b18638201a102034040") == 0);
	CHECK(cose_sign1_decode(&m, b.ptr, b.len, 0) == SP_OK);
	CHECK(m.kid_len == 1 && m.kid[0] == 0x6b);
	CHECK(m.sig_len == 0 && m.payload_len == 0);
	CHECK(cose_sign1_decode(&m, b.ptr, b.len, COSE_F_STRICT) ==
	    SP_ERR_COSE_HEADER);
	sp_buf_clear(&b);
	sig_priv_clear(&k);
}

static void
test_cose_key(void)
{
	struct sig_priv ed, ec;
	struct sig_pub back;
	struct sp_buf b;
	struct cbor_enc e;
	struct cbor_reader r;

	key_pair(&ed, SIG_ALG_EDDSA, 4);
	key_pair(&ec, SIG_ALG_ES256, 4);
	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cose_key_encode(&e, &ed.pub);
	CHECK(cbor_enc_finish(&e) == SP_OK);
	CHECK(cbor_check(b.ptr, b.len, &cbor_limits_default,
	    CBOR_F_DETERMINISTIC, NULL) == SP_OK);
	cbor_reader_init(&r, b.ptr, b.len);
	CHECK(cose_key_decode(&back, &r) == SP_OK);
	CHECK(back.alg == SIG_ALG_EDDSA &&
	    memcmp(back.raw, ed.pub.raw, 32) == 0);
	sig_pub_clear(&back);

	sp_buf_reset(&b);
	cbor_enc_init(&e, &b);
	cose_key_encode(&e, &ec.pub);
	CHECK(cbor_enc_finish(&e) == SP_OK);
	CHECK(b.len == 42);	/* compressed: {1:2,-1:1,-2:x,-3:bool} */
	CHECK(cbor_check(b.ptr, b.len, &cbor_limits_default,
	    CBOR_F_DETERMINISTIC, NULL) == SP_OK);
	cbor_reader_init(&r, b.ptr, b.len);
	CHECK(cose_key_decode(&back, &r) == SP_OK);
	CHECK(back.alg == SIG_ALG_ES256 && back.raw_len == 65 &&
	    memcmp(back.raw, ec.pub.raw, 65) == 0);
	sig_pub_clear(&back);

	/* Ed448 OKP: unsupported; private part: refused; junk: key error. */
	CHECK(tu_hex(&b, "a3010120072140") == 0);
	cbor_reader_init(&r, b.ptr, b.len);
	CHECK(cose_key_decode(&back, &r) == SP_ERR_UNSUPPORTED_ALG);
	CHECK(tu_hex(&b, "a4010120062140234100") == 0);
	cbor_reader_init(&r, b.ptr, b.len);
	CHECK(cose_key_decode(&back, &r) == SP_ERR_KEY);
	CHECK(tu_hex(&b, "a301012006215820"
	    "0000000000000000000000000000000000000000000000000000000000") ==
	    0);
	cbor_reader_init(&r, b.ptr, b.len);
	CHECK(cose_key_decode(&back, &r) != SP_OK);
	/* P-256 x >= p: not a field element, so no point. */
	CHECK(tu_hex(&b, "a401022001215820ffffffffffffffffffffffffffffffff"
	    "ffffffffffffffffffffffffffffffff22f5") == 0);
	cbor_reader_init(&r, b.ptr, b.len);
	CHECK(cose_key_decode(&back, &r) == SP_ERR_KEY);
	sp_buf_clear(&b);
	sig_priv_clear(&ed);
	sig_priv_clear(&ec);
}

int
main(void)
{
	test_roundtrip(SIG_ALG_EDDSA);
	test_roundtrip(SIG_ALG_ES256);
	test_key_mismatch();
	test_malformed();
	test_unverifiable();
	test_unknown_container_header();
	test_cose_key();
	return check_report("test_cose");
}
