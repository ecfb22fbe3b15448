/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cose-wg/Examples: COSE_Sign1 pass/fail cases, EdDSA examples and the
 * RFC 8392 CWT examples, each with the outcome its file states.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cose.h"
#include "testutil.h"

struct tally {
	unsigned files, verified, rejected, unsupported, tbs_match;
	unsigned sig_reproduced;
};

/* Key from a cose-wg "key" object: JWK base64url or *_hex fields. */
static int
load_key(struct sig_pub *k, struct sig_priv *priv, json_t *jk)
{
	const char *kty = json_string_value(json_object_get(jk, "kty"));
	const char *crv = json_string_value(json_object_get(jk, "crv"));
	struct sp_buf x, y, d;
	const char *s;
	int r = SP_ERR_KEY;

	sp_buf_init(&x);
	sp_buf_init(&y);
	sp_buf_init(&d);
	if ((s = json_string_value(json_object_get(jk, "x_hex"))) != NULL)
		tu_hex(&x, s);
	else if ((s = json_string_value(json_object_get(jk, "x"))) != NULL)
		tu_b64(&x, s, 1);
	if ((s = json_string_value(json_object_get(jk, "y_hex"))) != NULL)
		tu_hex(&y, s);
	else if ((s = json_string_value(json_object_get(jk, "y"))) != NULL)
		tu_b64(&y, s, 1);
	if ((s = json_string_value(json_object_get(jk, "d_hex"))) != NULL)
		tu_hex(&d, s);
	else if ((s = json_string_value(json_object_get(jk, "d"))) != NULL)
		tu_b64(&d, s, 1);
	if (kty == NULL || crv == NULL)
		goto out;
	if (strcmp(kty, "OKP") == 0 && strcmp(crv, "Ed25519") == 0) {
		r = sig_pub_from_raw(k, SIG_ALG_EDDSA, x.ptr, x.len);
		if (r == SP_OK && priv != NULL && d.len == 32)
			r = sig_priv_from_seed(priv, SIG_ALG_EDDSA, d.ptr);
	} else if (strcmp(kty, "EC") == 0 && strcmp(crv, "P-256") == 0 &&
	    x.len == 32 && y.len == 32) {
		r = sig_pub_from_p256_xy(k, x.ptr, y.ptr);
		if (r == SP_OK && priv != NULL && d.len == 32)
			r = sig_priv_from_seed(priv, SIG_ALG_ES256, d.ptr);
	} else {
		r = SP_ERR_UNSUPPORTED_ALG;	/* Ed448, P-384, ... */
	}
out:
	sp_buf_clear(&x);
	sp_buf_clear(&y);
	sp_buf_clear(&d);
	return r;
}

/* Decodes and verifies one example; returns the first error or SP_OK. */
static int
run_case(json_t *j, struct tally *t, const char *name)
{
	json_t *in = json_object_get(j, "input");
	json_t *signer = json_object_get(in, "sign0");
	const char *hex = json_string_value(json_object_get(
	    json_object_get(j, "output"), "cbor"));
	const char *tbs_hex = json_string_value(json_object_get(
	    json_object_get(j, "intermediates"), "ToBeSign_hex"));
	const char *ext = json_string_value(json_object_get(signer,
	    "external"));
	struct sp_buf msg, aad, tbs, want;
	struct cose_sign1 m;
	struct sig_pub k;
	struct sig_priv priv;
	int r;

	memset(&k, 0, sizeof(k));
	memset(&priv, 0, sizeof(priv));
	sp_buf_init(&msg);
	sp_buf_init(&aad);
	sp_buf_init(&tbs);
	sp_buf_init(&want);
	CHECKF(hex != NULL && tu_hex(&msg, hex) == 0, "%s: output.cbor", name);
	if (ext != NULL)
		tu_hex(&aad, ext);
	if ((r = cose_sign1_decode(&m, msg.ptr, msg.len, 0)) != SP_OK)
		goto out;
	/* Our Sig_structure must equal the file's ToBeSign bytes. */
	if (tbs_hex != NULL && tu_hex(&want, tbs_hex) == 0 &&
	    m.payload != NULL && cose_sig_structure(&tbs, m.prot,
	    m.prot_empty_map ? 0 : m.prot_len, aad.ptr, aad.len, m.payload,
	    m.payload_len) == SP_OK && tbs.len == want.len &&
	    memcmp(tbs.ptr, want.ptr, tbs.len) == 0)
		t->tbs_match++;
	if (signer == NULL) {
		r = SP_ERR_COSE;	/* not a single-signer message */
		goto out;
	}
	if ((r = load_key(&k, &priv, json_object_get(signer, "key"))) !=
	    SP_OK)
		goto out;
	r = cose_sign1_verify(&m, &k, aad.ptr, aad.len, NULL, 0);
	/* Ed25519 is deterministic: re-signing with the same protected
	 * header must reproduce the file's signature byte for byte. */
	if (r == SP_OK && priv.alg == SIG_ALG_EDDSA && m.prot_len > 0) {
		struct sp_buf mine;
		struct cose_sign1 mm;

		sp_buf_init(&mine);
		if (cose_sign1_sign(&mine, &priv, NULL, 0,
		    m.has_cty ? (int64_t)m.cty : -1, m.payload, m.payload_len,
		    aad.ptr, aad.len, COSE_F_TAGGED) == SP_OK &&
		    cose_sign1_decode(&mm, mine.ptr, mine.len, 0) == SP_OK &&
		    mm.prot_len == m.prot_len &&
		    memcmp(mm.prot, m.prot, m.prot_len) == 0 &&
		    mm.sig_len == m.sig_len &&
		    memcmp(mm.sig, m.sig, m.sig_len) == 0)
			t->sig_reproduced++;
		sp_buf_clear(&mine);
	}
out:
	sig_pub_clear(&k);
	sig_priv_clear(&priv);
	sp_buf_clear(&msg);
	sp_buf_clear(&aad);
	sp_buf_clear(&tbs);
	sp_buf_clear(&want);
	return r;
}

static void
run_file(const char *rel, int expect, struct tally *t)
{
	json_t *j = tu_load_json(rel);
	bool fail = json_is_true(json_object_get(j, "fail"));
	int r = run_case(j, t, rel);

	t->files++;
	if (expect == SP_OK && !fail) {
		CHECKF(r == SP_OK, "%s: expected to verify, got %s", rel,
		    sp_strerror(r));
		t->verified += r == SP_OK;
	} else if (expect == SP_ERR_UNSUPPORTED_ALG) {
		CHECKF(r == SP_ERR_UNSUPPORTED_ALG, "%s: got %s", rel,
		    sp_strerror(r));
		t->unsupported += r == SP_ERR_UNSUPPORTED_ALG;
	} else {
		CHECKF(r != SP_OK, "%s: a failing example verified", rel);
		if (expect != SP_ERR_INTERNAL)
			CHECKF(r == expect, "%s: expected %s, got %s", rel,
			    sp_strerror(expect), sp_strerror(r));
		t->rejected += r != SP_OK;
	}
	json_decref(j);
}

/* RFC 8392 A.3: the payload is the A.1 claims set, byte for byte. */
static void
check_cwt_a3(void)
{
	json_t *j = tu_load_json("external/cose-wg-examples/CWT/A_3.json");
	const char *hex = json_string_value(json_object_get(
	    json_object_get(j, "output"), "cbor"));
	const char *pt = json_string_value(json_object_get(
	    json_object_get(j, "input"), "plaintext_hex"));
	struct sp_buf msg, want;
	struct cose_sign1 m;

	sp_buf_init(&msg);
	sp_buf_init(&want);
	CHECK(tu_hex(&msg, hex) == 0 && tu_hex(&want, pt) == 0);
	CHECK(cose_sign1_decode(&m, msg.ptr, msg.len, COSE_F_REQUIRE_TAG) ==
	    SP_OK);
	CHECK(m.tagged && m.has_alg && m.alg == SIG_ALG_ES256);
	CHECK(m.payload_len == want.len &&
	    memcmp(m.payload, want.ptr, want.len) == 0);
	sp_buf_clear(&msg);
	sp_buf_clear(&want);
	json_decref(j);
}

int
main(void)
{
	static const struct {
		const char *file;
		int expect;	/* SP_INTERNAL = any rejection */
	} cases[] = {
		{ "sign1-tests/sign-pass-01.json", SP_OK },
		{ "sign1-tests/sign-pass-02.json", SP_OK },
		{ "sign1-tests/sign-pass-03.json", SP_OK },
		{ "sign1-tests/sign-fail-01.json", SP_ERR_COSE_TAG },
		{ "sign1-tests/sign-fail-02.json", SP_ERR_SIGNATURE },
		{ "sign1-tests/sign-fail-03.json", SP_ERR_UNSUPPORTED_ALG },
		{ "sign1-tests/sign-fail-04.json", SP_ERR_UNSUPPORTED_ALG },
		{ "sign1-tests/sign-fail-06.json", SP_ERR_SIGNATURE },
		{ "sign1-tests/sign-fail-07.json", SP_ERR_SIGNATURE },
		{ "eddsa-examples/eddsa-sig-01.json", SP_OK },
		{ "eddsa-examples/eddsa-sig-02.json", SP_ERR_UNSUPPORTED_ALG },
		/* COSE_Sign (tag 98), multi-signer: not a COSE_Sign1. */
		{ "eddsa-examples/eddsa-01.json", SP_ERR_COSE_TAG },
		{ "eddsa-examples/eddsa-02.json", SP_ERR_COSE_TAG },
		{ "CWT/A_3.json", SP_OK },
		/* MACed, encrypted: not COSE_Sign1 (tags 17, 16, 61). */
		{ "CWT/A_4.json", SP_ERR_COSE_TAG },
		{ "CWT/A_5.json", SP_ERR_COSE_TAG },
		{ "CWT/A_6.json", SP_ERR_COSE_TAG },
		{ "CWT/A_7.json", SP_ERR_COSE_TAG },
	};
	struct tally t = { 0 };
	char rel[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(rel, sizeof(rel), "external/cose-wg-examples/%s",
		    cases[i].file);
		run_file(rel, cases[i].expect, &t);
	}
	check_cwt_a3();
	printf("cose-wg: %u files: %u verified, %u rejected as the file "
	    "states, %u unsupported (Ed448 etc.); %u Sig_structures equal "
	    "ToBeSign_hex, %u Ed25519 signatures reproduced\n", t.files,
	    t.verified, t.rejected, t.unsupported, t.tbs_match,
	    t.sig_reproduced);
	CHECK(t.verified == 5);
	CHECK(t.sig_reproduced == 1);
	return check_report("vec_cose_wg");
}
