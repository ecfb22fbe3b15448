/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sp_present_signer: key bindings made by an external signer (a phone's
 * Secure Enclave or StrongBox). The signers here are independent of the
 * core: OpenSSL EVP_DigestSign for P-256 (DER, converted to r || s as an
 * app would) and libsodium for Ed25519, whose deterministic signatures
 * must give the very bytes sp_present gives.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "check.h"
#include "stadspas/sp_pass.h"

#define T0 1767225600	/* 2026-01-01T00:00:00Z */
#define YEAR (365 * 86400)

static const uint8_t tag_sport[SP_TAG_LEN] = { 0x51, 0x52, 0x53 };

/* An app-side signer: an OpenSSL P-256 key or a libsodium Ed25519 key. */
struct app_signer {
	EVP_PKEY *p256;
	uint8_t ed_sk[crypto_sign_SECRETKEYBYTES];
	unsigned calls;
	int fail;		/* return this instead of signing */
	int der;		/* return the DER bytes (a bug) */
	int flip;		/* flip a bit of the signature */
};

static void
flip_byte(uint8_t *p, size_t i)
{
	p[i] ^= 0xff;
}

/* What the next sign() call does. */
static void
set_mode(struct app_signer *s, int fail, int der, int flip)
{
	s->fail = fail;
	s->der = der;
	s->flip = flip;
}

static int
sign_p256(void *ctx, uint8_t sig[64], const uint8_t *msg, size_t msg_len)
{
	struct app_signer *s = ctx;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[80];
	const uint8_t *p = der;
	size_t der_len = sizeof(der);
	ECDSA_SIG *es = NULL;
	const BIGNUM *r, *sv;
	int ok = -1;

	s->calls++;
	if (s->fail)
		goto out;
	if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL,
	    s->p256) != 1 ||
	    EVP_DigestSign(md, der, &der_len, msg, msg_len) != 1)
		goto out;
	if (s->der) {
		memcpy(sig, der, 64);
		ok = 0;
		goto out;
	}
	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) == NULL)
		goto out;
	ECDSA_SIG_get0(es, &r, &sv);
	if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(sv, sig + 32, 32) !=
	    32)
		goto out;
	if (s->flip)
		sig[5] ^= 1;
	ok = 0;
out:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return ok;
}

static int
sign_ed25519(void *ctx, uint8_t sig[64], const uint8_t *msg, size_t msg_len)
{
	struct app_signer *s = ctx;

	s->calls++;
	if (s->fail)
		return s->fail;
	crypto_sign_detached(sig, NULL, msg, msg_len, s->ed_sk);
	if (s->flip)
		sig[0] ^= 1;
	return 0;
}

/* Both COSE_Key forms of an OpenSSL P-256 key: compressed {1: 2, -1: 1,
 * -2: x, -3: y-sign} (42 bytes) and full {..., -3: y} (75 bytes). */
static int
p256_cose(uint8_t comp[42], uint8_t full[75], EVP_PKEY *pk)
{
	uint8_t pt[65];
	size_t n = 0;

	if (EVP_PKEY_get_octet_string_param(pk, "encoded-pub-key", pt,
	    sizeof(pt), &n) != 1 || n != 65 || pt[0] != 0x04)
		return -1;
	memcpy(full, "\xa4\x01\x02\x20\x01\x21\x58\x20", 8);
	memcpy(full + 8, pt + 1, 32);
	memcpy(full + 40, "\x22\x58\x20", 3);
	memcpy(full + 43, pt + 33, 32);
	memcpy(comp, full, 40);
	comp[40] = 0x22;
	comp[41] = (pt[64] & 1) ? 0xf5 : 0xf4;
	return 0;
}

static int
issue_to(uint8_t **issued, size_t *len, const struct sp_key *issuer,
    const uint8_t *cose, size_t cose_len)
{
	struct sp_pass_builder *b = NULL;
	uint8_t salts[32];
	int r;

	memset(salts, 7, sizeof(salts));
	if ((r = sp_pass_builder_new(&b)) != SP_OK)
		return r;
	if ((r = sp_pass_builder_set_times(b, T0, 0, T0 + YEAR)) == SP_OK &&
	    (r = sp_pass_builder_set_status(b, 1, 99)) == SP_OK &&
	    (r = sp_pass_builder_set_holder(b, cose, cose_len)) == SP_OK &&
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_PASS_NO, "0014-9")) ==
	    SP_OK &&
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_NAME, "Noor")) == SP_OK &&
	    (r = sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18, true)) ==
	    SP_OK &&
	    (r = sp_pass_builder_add_limit_tag(b, "sport/2026", tag_sport)) ==
	    SP_OK)
		r = sp_pass_issue(issued, len, b, issuer, salts);
	sp_pass_builder_free(&b);
	return r;
}

static const int disclose_u18[] = { SP_CLAIM_AGE_UNDER_18 };
static const char *const scopes_sport[] = { "sport/2026" };

static struct sp_present_opts
opts_at(int64_t t)
{
	struct sp_present_opts po = {
		.time = t, .audience = "prov-7", .offer = 4, .counter = 2,
		.disclose = disclose_u18, .disclose_count = 1,
		.scopes = scopes_sport, .scope_count = 1,
	};

	return po;
}

static int
verify(const struct sp_trust *t, const uint8_t *pres, size_t len)
{
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	struct sp_presentation *p = NULL;
	uint64_t counter = 0;
	uint8_t tag[SP_TAG_LEN];
	int r;

	vo.now = T0 + 100;
	vo.audience = "prov-7";
	if ((r = sp_presentation_verify(&p, t, &vo, pres, len)) != SP_OK)
		return r;
	CHECK(sp_presentation_offer(p, &counter) == 4 && counter == 2);
	CHECK(sp_presentation_has_true(p, SP_CLAIM_AGE_UNDER_18));
	CHECK(sp_presentation_claim_count(p) == 2);
	CHECK(sp_presentation_limit_tag(p, "sport/2026", tag) == SP_OK &&
	    memcmp(tag, tag_sport, SP_TAG_LEN) == 0);
	sp_presentation_free(&p);
	return SP_OK;
}

static void
test_p256(const struct sp_key *issuer, const struct sp_trust *trust)
{
	uint8_t cose[42], full[75], *issued = NULL, *pres = NULL;
	size_t cose_len = sizeof(cose), full_len = sizeof(full);
	size_t issued_len = 0, len = 0;
	struct app_signer as = { 0 };
	struct sp_signer s;
	struct sp_present_opts po = opts_at(T0 + 90);
	uint8_t *sentinel = (uint8_t *)&as;

	as.p256 = EVP_EC_gen("P-256");
	CHECK(as.p256 != NULL);
	CHECK(p256_cose(cose, full, as.p256) == 0);
	CHECK(issue_to(&issued, &issued_len, issuer, cose, cose_len) == SP_OK);
	s = (struct sp_signer){ .alg = SP_ALG_ES256, .cose_key = cose,
	    .cose_key_len = cose_len, .sign = sign_p256, .ctx = &as };

	CHECK(sp_present_signer(&pres, &len, issued, issued_len, &s, &po) ==
	    SP_OK);
	CHECK(as.calls == 1);
	CHECK(verify(trust, pres, len) == SP_OK);
	/* Tampering with the key binding is caught by the verifier. */
	pres[len - 3] ^= 0x10;
	{
		struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
		struct sp_presentation *p = NULL;

		vo.now = T0 + 100;
		CHECK(sp_presentation_verify(&p, trust, &vo, pres, len) ==
		    SP_ERR_HOLDER_BINDING);
	}
	sp_bytes_free(pres, len);
	pres = NULL;

	/* The full (x, y) COSE_Key form names the same key. */
	s.cose_key = full;
	s.cose_key_len = full_len;
	CHECK(sp_present_signer(&pres, &len, issued, issued_len, &s, &po) ==
	    SP_OK);
	CHECK(verify(trust, pres, len) == SP_OK);
	sp_bytes_free(pres, len);
	pres = NULL;
	s.cose_key = cose;
	s.cose_key_len = cose_len;

	/* A failing signer, a DER signature, a wrong signature: the output
	 * is never written. */
	set_mode(&as, 1, 0, 0);
	pres = sentinel;
	CHECK(sp_present_signer(&pres, &len, issued, issued_len, &s, &po) ==
	    SP_ERR_WALLET_SIGNER && pres == sentinel);
	set_mode(&as, 0, 1, 0);
	CHECK(sp_present_signer(&pres, &len, issued, issued_len, &s, &po) ==
	    SP_ERR_WALLET_SIGNER && pres == sentinel);
	set_mode(&as, 0, 0, 1);
	CHECK(sp_present_signer(&pres, &len, issued, issued_len, &s, &po) ==
	    SP_ERR_WALLET_SIGNER && pres == sentinel);
	set_mode(&as, 0, 0, 0);

	/* alg and key must agree, and be the pass's holder key. */
	s.alg = SP_ALG_EDDSA;
	CHECK(sp_present_signer(&pres, &len, issued, issued_len, &s, &po) ==
	    SP_ERR_KEY_MISMATCH);
	s.alg = -35;	/* ES384 */
	CHECK(sp_present_signer(&pres, &len, issued, issued_len, &s, &po) ==
	    SP_ERR_UNSUPPORTED_ALG);
	s.alg = SP_ALG_ES256;
	flip_byte(cose, 10);	/* another x: off the curve or another key */
	{
		int r = sp_present_signer(&pres, &len, issued, issued_len, &s,
		    &po);

		CHECK(r == SP_ERR_KEY || r == SP_ERR_KEY_MISMATCH);
	}
	flip_byte(cose, 10);
	s.cose_key_len = cose_len - 1;	/* truncated CBOR */
	CHECK(sp_present_signer(&pres, &len, issued, issued_len, &s, &po) ==
	    SP_ERR_KEY);
	s.cose_key_len = cose_len;
	CHECK(as.calls == 5);	/* only the five signing attempts above */
	CHECK(pres == sentinel);

	/* NULL anywhere. */
	pres = NULL;
	CHECK(sp_present_signer(NULL, &len, issued, issued_len, &s, &po) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_present_signer(&pres, &len, issued, issued_len, NULL, &po) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_present_signer(&pres, &len, NULL, issued_len, &s, &po) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_present_signer(&pres, &len, issued, issued_len, &s, NULL) ==
	    SP_ERR_INVALID_ARG);
	s.sign = NULL;
	CHECK(sp_present_signer(&pres, &len, issued, issued_len, &s, &po) ==
	    SP_ERR_INVALID_ARG);
	s.sign = sign_p256;
	s.cose_key = NULL;
	CHECK(sp_present_signer(&pres, &len, issued, issued_len, &s, &po) ==
	    SP_ERR_INVALID_ARG);
	CHECK(pres == NULL);

	sp_bytes_free(issued, issued_len);
	EVP_PKEY_free(as.p256);
}

static void
test_ed25519(const struct sp_key *issuer, const struct sp_trust *trust)
{
	uint8_t seed[32], pk[crypto_sign_PUBLICKEYBYTES], cose[80];
	uint8_t *issued = NULL, *a = NULL, *b = NULL;
	size_t cose_len = sizeof(cose), issued_len = 0, alen = 0, blen = 0;
	struct sp_key *k = NULL, *other = NULL;
	struct app_signer as = { 0 };
	struct sp_signer s;
	struct sp_present_opts po = opts_at(T0 + 60);

	memset(seed, 0x24, sizeof(seed));
	crypto_sign_seed_keypair(pk, as.ed_sk, seed);
	CHECK(sp_key_from_seed(&k, SP_ALG_EDDSA, seed) == SP_OK);
	CHECK(sp_key_public_cose(k, cose, &cose_len) == SP_OK);
	CHECK(cose_len == 40 && memcmp(cose + 8, pk, 32) == 0);
	CHECK(issue_to(&issued, &issued_len, issuer, cose, cose_len) == SP_OK);
	s = (struct sp_signer){ .alg = SP_ALG_EDDSA, .cose_key = cose,
	    .cose_key_len = cose_len, .sign = sign_ed25519, .ctx = &as };

	/* Same key, same options: byte-identical to sp_present. */
	CHECK(sp_present(&a, &alen, issued, issued_len, k, &po) == SP_OK);
	CHECK(sp_present_signer(&b, &blen, issued, issued_len, &s, &po) ==
	    SP_OK);
	CHECK(alen == blen && a != NULL && b != NULL &&
	    memcmp(a, b, alen) == 0);
	CHECK(verify(trust, b, blen) == SP_OK);
	sp_bytes_free(b, blen);
	b = NULL;

	/* A signer returning a failure code of its own. */
	set_mode(&as, -77, 0, 0);
	CHECK(sp_present_signer(&b, &blen, issued, issued_len, &s, &po) ==
	    SP_ERR_WALLET_SIGNER && b == NULL);
	set_mode(&as, 0, 0, 1);
	CHECK(sp_present_signer(&b, &blen, issued, issued_len, &s, &po) ==
	    SP_ERR_WALLET_SIGNER && b == NULL);
	set_mode(&as, 0, 0, 0);

	/* Another holder's key: refused before signing. */
	seed[0] ^= 1;
	CHECK(sp_key_from_seed(&other, SP_ALG_EDDSA, seed) == SP_OK);
	cose_len = sizeof(cose);
	CHECK(sp_key_public_cose(other, cose, &cose_len) == SP_OK);
	as.calls = 0;
	CHECK(sp_present_signer(&b, &blen, issued, issued_len, &s, &po) ==
	    SP_ERR_KEY_MISMATCH && as.calls == 0);
	/* and sp_present keeps its behaviour for a wrong key and NULL */
	CHECK(sp_present(&b, &blen, issued, issued_len, other, &po) ==
	    SP_ERR_KEY_MISMATCH);
	CHECK(sp_present(&b, &blen, issued, issued_len, NULL, &po) ==
	    SP_ERR_INVALID_ARG);
	CHECK(b == NULL);

	sp_bytes_free(a, alen);
	sp_bytes_free(issued, issued_len);
	sp_key_free(&k);
	sp_key_free(&other);
	sodium_memzero(&as, sizeof(as));
	sodium_memzero(seed, sizeof(seed));
}

int
main(void)
{
	struct sp_key *issuer = NULL;
	struct sp_trust *trust = NULL;
	uint8_t seed[SP_SEED_LEN], cose[80];
	size_t cose_len = sizeof(cose);

	if (sodium_init() < 0)
		return 1;
	memset(seed, 1, sizeof(seed));
	CHECK(sp_key_from_seed(&issuer, SP_ALG_EDDSA, seed) == SP_OK);
	CHECK(sp_key_public_cose(issuer, cose, &cose_len) == SP_OK);
	CHECK(sp_trust_new(&trust) == SP_OK);
	CHECK(sp_trust_add_cose_key(trust, cose, cose_len) == SP_OK);
	test_p256(issuer, trust);
	test_ed25519(issuer, trust);
	sp_trust_free(&trust);
	sp_key_free(&issuer);
	return check_report("test_signer");
}
