/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of core/sig.c: round trips, rejection of tampered signatures
 * and invalid keys, key import from every supported format, cross-checks
 * against OpenSSL used directly as an independent signer and verifier.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "check.h"
#include "sig.h"
#include "testutil.h"

static const uint8_t msg_a[] = "stadspas: Sig_structure bytes to be signed";
static const uint8_t msg_b[] = "stadspas: Sig_structure bytes to be signeD";

/* P-256 group order and base point (SEC 2, section 2.4.2). */
static const char p256_n_hex[] =
    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
static const char p256_g_hex[] = "04"
    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
/* The field prime p. */
static const char p256_p_hex[] =
    "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";

static void
hex_or_die(struct sp_buf *b, const char *hex)
{
	if (tu_hex(b, hex) != 0) {
		fprintf(stderr, "bad hex: %.40s\n", hex);
		exit(1);
	}
}

static int
pub_equal(const struct sig_pub *a, const struct sig_pub *b)
{
	return a->alg == b->alg && a->raw_len == b->raw_len &&
	    memcmp(a->raw, b->raw, a->raw_len) == 0;
}

static void
test_names(void)
{
	CHECK(sig_alg_supported(SIG_ALG_EDDSA));
	CHECK(sig_alg_supported(SIG_ALG_ES256));
	CHECK(!sig_alg_supported(-35));	/* ES384 */
	CHECK(!sig_alg_supported(0));
	CHECK(strcmp(sig_alg_name(SIG_ALG_EDDSA), "EdDSA") == 0);
	CHECK(strcmp(sig_alg_name(SIG_ALG_ES256), "ES256") == 0);
	CHECK(sig_alg_name(-35) == NULL);
}

/* Sign/verify, wrong key, wrong message, every bit flip, bad lengths. */
static void
test_round_trip(int alg)
{
	struct sig_priv k1, k2;
	uint8_t sig[SIG_MAX_LEN], big[SIG_MAX_LEN + 8];
	size_t sig_len = 0, i;
	unsigned int flips_rejected = 0;
	int other = alg == SIG_ALG_EDDSA ? SIG_ALG_ES256 : SIG_ALG_EDDSA;

	CHECK(sig_priv_generate(&k1, alg) == SP_OK);
	CHECK(sig_priv_generate(&k2, alg) == SP_OK);
	CHECK(k1.alg == alg && k1.pub.alg == alg);
	CHECK(!pub_equal(&k1.pub, &k2.pub));

	CHECK(sig_sign(&k1, sig, &sig_len, msg_a, sizeof(msg_a)) == SP_OK);
	CHECK(sig_len == SIG_MAX_LEN);
	CHECK(sig_verify(&k1.pub, alg, msg_a, sizeof(msg_a), sig, sig_len) ==
	    SP_OK);
	/* Wrong key, wrong message, truncated message. */
	CHECK(sig_verify(&k2.pub, alg, msg_a, sizeof(msg_a), sig, sig_len) ==
	    SP_ERR_SIGNATURE);
	CHECK(sig_verify(&k1.pub, alg, msg_b, sizeof(msg_b), sig, sig_len) ==
	    SP_ERR_SIGNATURE);
	CHECK(sig_verify(&k1.pub, alg, msg_a, sizeof(msg_a) - 1, sig,
	    sig_len) == SP_ERR_SIGNATURE);
	/* The key's alg must be the one asked for. */
	CHECK(sig_verify(&k1.pub, other, msg_a, sizeof(msg_a), sig,
	    sig_len) == SP_ERR_KEY_MISMATCH);
	CHECK(sig_verify(&k1.pub, -35, msg_a, sizeof(msg_a), sig, sig_len) ==
	    SP_ERR_UNSUPPORTED_ALG);

	/* Every single-bit change of the signature is rejected. */
	for (i = 0; i < 8 * SIG_MAX_LEN; i++) {
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (sig_verify(&k1.pub, alg, msg_a, sizeof(msg_a), sig,
		    sig_len) == SP_ERR_SIGNATURE)
			flips_rejected++;
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	CHECKF(flips_rejected == 8 * SIG_MAX_LEN, "%u of %u flips rejected",
	    flips_rejected, 8 * SIG_MAX_LEN);
	CHECK(sig_verify(&k1.pub, alg, msg_a, sizeof(msg_a), sig, sig_len) ==
	    SP_OK);

	/* Wrong lengths, including the valid signature plus garbage. */
	memcpy(big, sig, sizeof(sig));
	memset(big + sizeof(sig), 0, sizeof(big) - sizeof(sig));
	CHECK(sig_verify(&k1.pub, alg, msg_a, sizeof(msg_a), big,
	    sizeof(sig) + 1) == SP_ERR_SIGNATURE);
	CHECK(sig_verify(&k1.pub, alg, msg_a, sizeof(msg_a), big,
	    sizeof(big)) == SP_ERR_SIGNATURE);
	CHECK(sig_verify(&k1.pub, alg, msg_a, sizeof(msg_a), sig,
	    sizeof(sig) - 1) == SP_ERR_SIGNATURE);
	CHECK(sig_verify(&k1.pub, alg, msg_a, sizeof(msg_a), sig, 32) ==
	    SP_ERR_SIGNATURE);
	CHECK(sig_verify(&k1.pub, alg, msg_a, sizeof(msg_a), sig, 0) ==
	    SP_ERR_SIGNATURE);
	CHECK(sig_verify(&k1.pub, alg, msg_a, sizeof(msg_a), NULL, 0) ==
	    SP_ERR_SIGNATURE);

	/* The empty message. */
	CHECK(sig_sign(&k1, sig, &sig_len, NULL, 0) == SP_OK);
	CHECK(sig_verify(&k1.pub, alg, NULL, 0, sig, sig_len) == SP_OK);
	CHECK(sig_verify(&k1.pub, alg, msg_a, 1, sig, sig_len) ==
	    SP_ERR_SIGNATURE);

	/* Bad arguments. */
	CHECK(sig_verify(NULL, alg, msg_a, 1, sig, sig_len) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sig_verify(&k1.pub, alg, NULL, 1, sig, sig_len) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sig_sign(&k1, sig, NULL, msg_a, 1) == SP_ERR_INVALID_ARG);
	CHECK(sig_sign(NULL, sig, &sig_len, msg_a, 1) == SP_ERR_INVALID_ARG);

	sig_priv_clear(&k1);
	sig_priv_clear(&k2);
	sig_priv_clear(&k2);	/* twice is harmless */
	CHECK(k1.sk == NULL && k1.ossl == NULL && k1.pub.ossl == NULL);
	CHECK(sig_sign(&k1, sig, &sig_len, msg_a, 1) == SP_ERR_KEY);
}

static void
test_ecdsa_randomised(void)
{
	struct sig_priv k;
	uint8_t s1[SIG_MAX_LEN], s2[SIG_MAX_LEN];
	size_t l1 = 0, l2 = 0;

	CHECK(sig_priv_generate(&k, SIG_ALG_ES256) == SP_OK);
	CHECK(sig_sign(&k, s1, &l1, msg_a, sizeof(msg_a)) == SP_OK);
	CHECK(sig_sign(&k, s2, &l2, msg_a, sizeof(msg_a)) == SP_OK);
	CHECK(memcmp(s1, s2, sizeof(s1)) != 0);
	CHECK(sig_verify(&k.pub, SIG_ALG_ES256, msg_a, sizeof(msg_a), s2,
	    l2) == SP_OK);
	sig_priv_clear(&k);
}

/* Raw r||s with r or s equal to 0 or >= n. */
static void
test_ecdsa_range(void)
{
	struct sig_priv k;
	struct sp_buf n;
	uint8_t sig[SIG_MAX_LEN], bad[SIG_MAX_LEN];
	size_t sig_len = 0, half;

	sp_buf_init(&n);
	hex_or_die(&n, p256_n_hex);
	CHECK(sig_priv_generate(&k, SIG_ALG_ES256) == SP_OK);
	CHECK(sig_sign(&k, sig, &sig_len, msg_a, sizeof(msg_a)) == SP_OK);
	for (half = 0; half < 2; half++) {
		uint8_t *v = bad + 32 * half;

		memcpy(bad, sig, sizeof(bad));
		memset(v, 0, 32);
		CHECK(sig_verify(&k.pub, SIG_ALG_ES256, msg_a, sizeof(msg_a),
		    bad, sizeof(bad)) == SP_ERR_SIGNATURE);
		memcpy(v, n.ptr, 32);
		CHECK(sig_verify(&k.pub, SIG_ALG_ES256, msg_a, sizeof(msg_a),
		    bad, sizeof(bad)) == SP_ERR_SIGNATURE);
		memset(v, 0xff, 32);
		CHECK(sig_verify(&k.pub, SIG_ALG_ES256, msg_a, sizeof(msg_a),
		    bad, sizeof(bad)) == SP_ERR_SIGNATURE);
	}
	memset(bad, 0, sizeof(bad));
	CHECK(sig_verify(&k.pub, SIG_ALG_ES256, msg_a, sizeof(msg_a), bad,
	    sizeof(bad)) == SP_ERR_SIGNATURE);
	sig_priv_clear(&k);
	sp_buf_clear(&n);
}

/* DER of r||s with both integers minimal. */
static size_t
raw_to_der(uint8_t *out, size_t cap, const uint8_t sig[SIG_MAX_LEN])
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32,
	    NULL);
	unsigned char *der = NULL;
	int len;
	size_t n = 0;

	if (es == NULL || r == NULL || s == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1)
		abort();
	if ((len = i2d_ECDSA_SIG(es, &der)) <= 0 || (size_t)len > cap)
		abort();
	memcpy(out, der, (size_t)len);
	n = (size_t)len;
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	return n;
}

/* r||s of a DER signature, each left-padded. */
static void
der_to_raw(uint8_t out[SIG_MAX_LEN], const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *s;

	if (es == NULL)
		abort();
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, out, 32) != 32 ||
	    BN_bn2binpad(s, out + 32, 32) != 32)
		abort();
	ECDSA_SIG_free(es);
}

/* Strict DER: BER forms of a valid signature are refused. */
static void
test_ecdsa_der(void)
{
	struct sig_priv k, ke;
	uint8_t sig[SIG_MAX_LEN], der[80], ber[96];
	size_t sig_len = 0, der_len, rlen;

	CHECK(sig_priv_generate(&k, SIG_ALG_ES256) == SP_OK);
	CHECK(sig_priv_generate(&ke, SIG_ALG_EDDSA) == SP_OK);
	CHECK(sig_sign(&k, sig, &sig_len, msg_a, sizeof(msg_a)) == SP_OK);
	der_len = raw_to_der(der, sizeof(der), sig);
	CHECK(sig_verify_der(&k.pub, msg_a, sizeof(msg_a), der, der_len) ==
	    SP_OK);
	CHECK(sig_verify_der(&k.pub, msg_b, sizeof(msg_b), der, der_len) ==
	    SP_ERR_SIGNATURE);
	CHECK(sig_verify_der(&ke.pub, msg_a, sizeof(msg_a), der, der_len) ==
	    SP_ERR_KEY_MISMATCH);
	CHECK(der[0] == 0x30 && der[1] == der_len - 2 && der_len < 128);

	/* Long-form length of the SEQUENCE: valid BER, invalid DER. */
	ber[0] = 0x30;
	ber[1] = 0x81;
	ber[2] = der[1];
	memcpy(ber + 3, der + 2, der_len - 2);
	CHECK(sig_verify_der(&k.pub, msg_a, sizeof(msg_a), ber, der_len + 1) ==
	    SP_ERR_SIGNATURE);

	/* A redundant leading zero in r. */
	rlen = der[3];
	ber[0] = 0x30;
	ber[1] = (uint8_t)(der[1] + 1);
	ber[2] = 0x02;
	ber[3] = (uint8_t)(rlen + 1);
	ber[4] = 0x00;
	memcpy(ber + 5, der + 4, der_len - 4);
	CHECK(sig_verify_der(&k.pub, msg_a, sizeof(msg_a), ber, der_len + 1) ==
	    SP_ERR_SIGNATURE);

	/* Trailing garbage, truncation, empty. */
	memcpy(ber, der, der_len);
	ber[der_len] = 0;
	CHECK(sig_verify_der(&k.pub, msg_a, sizeof(msg_a), ber, der_len + 1) ==
	    SP_ERR_SIGNATURE);
	CHECK(sig_verify_der(&k.pub, msg_a, sizeof(msg_a), der, der_len - 1) ==
	    SP_ERR_SIGNATURE);
	CHECK(sig_verify_der(&k.pub, msg_a, sizeof(msg_a), der, 0) ==
	    SP_ERR_SIGNATURE);
	CHECK(sig_verify_der(&k.pub, msg_a, sizeof(msg_a), NULL, 0) ==
	    SP_ERR_SIGNATURE);

	/* The raw form of the DER signature is the one we signed. */
	der_to_raw(ber, der, der_len);
	CHECK(memcmp(ber, sig, sizeof(sig)) == 0);
	sig_priv_clear(&k);
	sig_priv_clear(&ke);
}

/* Invalid P-256 points and Ed25519 keys are refused at import. */
static void
test_bad_points(void)
{
	struct sig_priv k;
	struct sig_pub p;
	struct sp_buf b;
	uint8_t pt[SIG_P256_PK_LEN + 1], zero[SIG_P256_PK_LEN];
	uint8_t ed[SIG_ED25519_PK_LEN];

	sp_buf_init(&b);
	CHECK(sig_priv_generate(&k, SIG_ALG_ES256) == SP_OK);
	memcpy(pt, k.pub.raw, SIG_P256_PK_LEN);
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, pt, SIG_P256_PK_LEN) ==
	    SP_OK);
	sig_pub_clear(&p);

	/* Off the curve: y + 1 (no carry for y ending below 0xff). */
	pt[64] = (uint8_t)(pt[64] ^ 1);
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, pt, SIG_P256_PK_LEN) ==
	    SP_ERR_KEY);
	CHECK(p.ossl == NULL && p.raw_len == 0);
	sig_pub_clear(&p);	/* safe after failure */
	CHECK(sig_pub_from_p256_xy(&p, pt + 1, pt + 33) == SP_ERR_KEY);
	pt[64] = (uint8_t)(pt[64] ^ 1);

	/* Point at infinity: the one-byte SEC 1 encoding and all zeros. */
	memset(zero, 0, sizeof(zero));
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, zero, 1) == SP_ERR_KEY);
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, zero, SIG_P256_PK_LEN) ==
	    SP_ERR_KEY);
	zero[0] = 0x04;
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, zero, SIG_P256_PK_LEN) ==
	    SP_ERR_KEY);
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, zero, 33) == SP_ERR_KEY);

	/* Bad prefix bytes, including the SEC 1 hybrid form 06/07. */
	pt[0] = 0x05;
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, pt, SIG_P256_PK_LEN) ==
	    SP_ERR_KEY);
	pt[0] = (uint8_t)(0x06 | (pt[64] & 1));
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, pt, SIG_P256_PK_LEN) ==
	    SP_ERR_KEY);
	pt[0] = 0x00;
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, pt, SIG_P256_PK_LEN) ==
	    SP_ERR_KEY);
	pt[0] = 0x02;
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, pt, SIG_P256_PK_LEN) ==
	    SP_ERR_KEY);
	pt[0] = 0x04;

	/* Wrong lengths. */
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, pt, 64) == SP_ERR_KEY);
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, pt + 1, 64) == SP_ERR_KEY);
	pt[SIG_P256_PK_LEN] = 0;
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, pt, 66) == SP_ERR_KEY);
	pt[0] = 0x02;
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, pt, 32) == SP_ERR_KEY);
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, pt, 34) == SP_ERR_KEY);
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, pt, 0) == SP_ERR_KEY);

	/* x = p is out of range even though it is 32 bytes. */
	hex_or_die(&b, p256_p_hex);
	memcpy(pt + 1, b.ptr, 32);
	pt[0] = 0x02;
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, pt, 33) == SP_ERR_KEY);

	/* Unsupported alg, NULL key bytes. */
	CHECK(sig_pub_from_raw(&p, -35, k.pub.raw, SIG_P256_PK_LEN) ==
	    SP_ERR_UNSUPPORTED_ALG);
	CHECK(sig_pub_from_raw(&p, SIG_ALG_ES256, NULL, 65) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sig_pub_from_raw(NULL, SIG_ALG_ES256, k.pub.raw, 65) ==
	    SP_ERR_INVALID_ARG);

	/* Ed25519: wrong length, small-order and non-canonical points. */
	CHECK(sig_pub_from_raw(&p, SIG_ALG_EDDSA, k.pub.raw, 33) ==
	    SP_ERR_KEY);
	CHECK(sig_pub_from_raw(&p, SIG_ALG_EDDSA, k.pub.raw, 31) ==
	    SP_ERR_KEY);
	memset(ed, 0, sizeof(ed));
	ed[0] = 1;		/* the neutral element */
	CHECK(sig_pub_from_raw(&p, SIG_ALG_EDDSA, ed, sizeof(ed)) ==
	    SP_ERR_KEY);
	memset(ed, 0, sizeof(ed));	/* (0, 0) has order 4 */
	CHECK(sig_pub_from_raw(&p, SIG_ALG_EDDSA, ed, sizeof(ed)) ==
	    SP_ERR_KEY);
	memset(ed, 0xff, sizeof(ed));	/* y >= p: non-canonical */
	ed[31] = 0x7f;
	CHECK(sig_pub_from_raw(&p, SIG_ALG_EDDSA, ed, sizeof(ed)) ==
	    SP_ERR_KEY);
	sig_pub_clear(&p);
	sig_priv_clear(&k);
	sp_buf_clear(&b);
}

/* Compressed and uncompressed imports give the same key; copy works. */
static void
test_compressed(void)
{
	struct sig_priv k;
	struct sig_pub pc, pxy, cp;
	uint8_t comp[33], sig[SIG_MAX_LEN];
	size_t comp_len = 0, sig_len = 0, i;
	int parity_seen[2] = { 0, 0 };

	for (i = 0; i < 64 && !(parity_seen[0] && parity_seen[1]); i++) {
		CHECK(sig_priv_generate(&k, SIG_ALG_ES256) == SP_OK);
		CHECK(sig_pub_compressed(&k.pub, comp, &comp_len) == SP_OK);
		CHECK(comp_len == 33 && (comp[0] == 2 || comp[0] == 3));
		parity_seen[comp[0] & 1] = 1;
		CHECK(sig_pub_from_raw(&pc, SIG_ALG_ES256, comp, comp_len) ==
		    SP_OK);
		CHECK(pub_equal(&pc, &k.pub));
		CHECK(sig_pub_from_p256_xy(&pxy, k.pub.raw + 1,
		    k.pub.raw + 33) == SP_OK);
		CHECK(pub_equal(&pxy, &k.pub));
		/* The other parity is the negated point: valid, different. */
		comp[0] ^= 1;
		CHECK(sig_pub_from_raw(&cp, SIG_ALG_ES256, comp, comp_len) ==
		    SP_OK);
		CHECK(!pub_equal(&cp, &k.pub) &&
		    memcmp(cp.raw, k.pub.raw, 33) == 0);
		sig_pub_clear(&cp);
		sig_pub_clear(&pxy);
		sig_pub_clear(&pc);
		if (i + 1 < 64 && !(parity_seen[0] && parity_seen[1]))
			sig_priv_clear(&k);
	}
	CHECK(parity_seen[0] && parity_seen[1]);

	/* A copy is independent of its source. */
	CHECK(sig_sign(&k, sig, &sig_len, msg_a, sizeof(msg_a)) == SP_OK);
	CHECK(sig_pub_copy(&cp, &k.pub) == SP_OK);
	CHECK(cp.ossl != NULL && cp.ossl != k.pub.ossl);
	sig_priv_clear(&k);
	CHECK(sig_verify(&cp, SIG_ALG_ES256, msg_a, sizeof(msg_a), sig,
	    sig_len) == SP_OK);
	sig_pub_clear(&cp);

	/* Ed25519: "compressed" is the key itself. */
	CHECK(sig_priv_generate(&k, SIG_ALG_EDDSA) == SP_OK);
	CHECK(sig_pub_compressed(&k.pub, comp, &comp_len) == SP_OK);
	CHECK(comp_len == 32 && memcmp(comp, k.pub.raw, 32) == 0);
	CHECK(sig_pub_copy(&cp, &k.pub) == SP_OK && pub_equal(&cp, &k.pub));
	sig_pub_clear(&cp);
	sig_priv_clear(&k);
}

/* from_seed -> export gives back the seed; scalar range for P-256. */
static void
test_seeds(void)
{
	struct sig_priv k, k2;
	struct sp_buf n, g;
	uint8_t seed[SIG_SEED_LEN], out[SIG_SEED_LEN];
	static const int algs[] = { SIG_ALG_EDDSA, SIG_ALG_ES256 };
	size_t i, ai;

	sp_buf_init(&n);
	sp_buf_init(&g);
	for (i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(0xa5 ^ (i * 29));
	for (ai = 0; ai < 2; ai++) {
		int alg = algs[ai];

		CHECK(sig_priv_from_seed(&k, alg, seed) == SP_OK);
		CHECK(sig_priv_export(&k, out) == SP_OK);
		CHECK(memcmp(out, seed, sizeof(seed)) == 0);
		CHECK(sig_priv_from_seed(&k2, alg, seed) == SP_OK);
		CHECK(pub_equal(&k.pub, &k2.pub));
		sig_priv_clear(&k2);
		sig_priv_clear(&k);
		/* Generated keys export a seed that rebuilds them. */
		CHECK(sig_priv_generate(&k, alg) == SP_OK);
		CHECK(sig_priv_export(&k, out) == SP_OK);
		CHECK(sig_priv_from_seed(&k2, alg, out) == SP_OK);
		CHECK(pub_equal(&k.pub, &k2.pub));
		sig_priv_clear(&k2);
		sig_priv_clear(&k);
	}

	/* P-256: d = 1 gives the base point; 0 and >= n are refused. */
	hex_or_die(&g, p256_g_hex);
	memset(seed, 0, sizeof(seed));
	CHECK(sig_priv_from_seed(&k, SIG_ALG_ES256, seed) == SP_ERR_KEY);
	CHECK(k.ossl == NULL && k.pub.ossl == NULL);
	seed[31] = 1;
	CHECK(sig_priv_from_seed(&k, SIG_ALG_ES256, seed) == SP_OK);
	CHECK(k.pub.raw_len == g.len && memcmp(k.pub.raw, g.ptr, g.len) == 0);
	sig_priv_clear(&k);
	hex_or_die(&n, p256_n_hex);
	CHECK(sig_priv_from_seed(&k, SIG_ALG_ES256, n.ptr) == SP_ERR_KEY);
	n.ptr[31] = (uint8_t)(n.ptr[31] + 1);	/* n + 1 */
	CHECK(sig_priv_from_seed(&k, SIG_ALG_ES256, n.ptr) == SP_ERR_KEY);
	memset(seed, 0xff, sizeof(seed));
	CHECK(sig_priv_from_seed(&k, SIG_ALG_ES256, seed) == SP_ERR_KEY);
	n.ptr[31] = (uint8_t)(n.ptr[31] - 2);	/* n - 1: -G */
	CHECK(sig_priv_from_seed(&k, SIG_ALG_ES256, n.ptr) == SP_OK);
	CHECK(memcmp(k.pub.raw, g.ptr, 33) == 0 &&
	    memcmp(k.pub.raw + 33, g.ptr + 33, 32) != 0);
	CHECK(sig_priv_export(&k, out) == SP_OK &&
	    memcmp(out, n.ptr, 32) == 0);
	sig_priv_clear(&k);
	/* Ed25519 takes any 32-byte seed, zero included. */
	memset(seed, 0, sizeof(seed));
	CHECK(sig_priv_from_seed(&k, SIG_ALG_EDDSA, seed) == SP_OK);
	sig_priv_clear(&k);
	CHECK(sig_priv_from_seed(&k, -35, seed) == SP_ERR_UNSUPPORTED_ALG);
	CHECK(sig_priv_generate(&k, 0) == SP_ERR_UNSUPPORTED_ALG);
	CHECK(sig_priv_from_seed(&k, SIG_ALG_EDDSA, NULL) ==
	    SP_ERR_INVALID_ARG);
	sig_priv_clear(&k);
	sp_buf_clear(&n);
	sp_buf_clear(&g);
}

/* A self-signed certificate for pkey, in DER and PEM. */
static void
make_cert(EVP_PKEY *pkey, struct sp_buf *der, struct sp_buf *pem)
{
	X509 *x = X509_new();
	X509_NAME *name;
	BIO *bio = BIO_new(BIO_s_mem());
	unsigned char *d = NULL;
	char *p = NULL;
	long plen;
	int dlen;
	/* EdDSA signs without a separate digest. */
	const EVP_MD *md = EVP_PKEY_is_a(pkey, "ED25519") ||
	    EVP_PKEY_is_a(pkey, "ED448") ? NULL : EVP_sha256();

	if (x == NULL || bio == NULL || X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 3600) == NULL ||
	    (name = X509_get_subject_name(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"stadspas test", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, pkey) != 1 || X509_sign(x, pkey, md) <= 0)
		abort();
	if ((dlen = i2d_X509(x, &d)) <= 0 ||
	    sp_buf_set(der, d, (size_t)dlen) != 0)
		abort();
	if (PEM_write_bio_X509(bio, x) != 1 ||
	    (plen = BIO_get_mem_data(bio, &p)) <= 0 ||
	    sp_buf_set(pem, p, (size_t)plen) != 0)
		abort();
	OPENSSL_free(d);
	BIO_free(bio);
	X509_free(x);
}

/* SPKI of pkey in DER and PEM. */
static void
make_spki(EVP_PKEY *pkey, struct sp_buf *der, struct sp_buf *pem)
{
	BIO *bio = BIO_new(BIO_s_mem());
	unsigned char *d = NULL;
	char *p = NULL;
	long plen;
	int dlen;

	if (bio == NULL || (dlen = i2d_PUBKEY(pkey, &d)) <= 0 ||
	    sp_buf_set(der, d, (size_t)dlen) != 0)
		abort();
	if (PEM_write_bio_PUBKEY(bio, pkey) != 1 ||
	    (plen = BIO_get_mem_data(bio, &p)) <= 0 ||
	    sp_buf_set(pem, p, (size_t)plen) != 0)
		abort();
	OPENSSL_free(d);
	BIO_free(bio);
}

/* Raw public key of an OpenSSL key: 32 bytes or 04||x||y. */
static void
ossl_raw_pub(EVP_PKEY *pkey, uint8_t out[65], size_t *len)
{
	if (EVP_PKEY_is_a(pkey, "ED25519")) {
		*len = 32;
		if (EVP_PKEY_get_raw_public_key(pkey, out, len) != 1)
			abort();
	} else if (EVP_PKEY_get_octet_string_param(pkey, "encoded-pub-key",
	    out, 65, len) != 1) {
		abort();
	}
}

/*
 * Keys made by OpenSSL, imported as SPKI (DER/PEM), certificate (DER/PEM)
 * and raw; signatures made by OpenSSL verify here, and ours verify there.
 */
static void
test_openssl_keys(const char *type, int alg)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, type,
	    alg == SIG_ALG_ES256 ? "P-256" : NULL);
	struct sp_buf der, pem, cder, cpem;
	struct sig_pub p;
	struct sig_priv ours;
	EVP_MD_CTX *mctx;
	uint8_t raw[65], der_sig[80], sig[SIG_MAX_LEN];
	size_t raw_len = 0, der_sig_len = sizeof(der_sig), sig_len = 0;
	const EVP_MD *md = alg == SIG_ALG_ES256 ? EVP_sha256() : NULL;

	if (pkey == NULL)
		abort();
	sp_buf_init(&der);
	sp_buf_init(&pem);
	sp_buf_init(&cder);
	sp_buf_init(&cpem);
	ossl_raw_pub(pkey, raw, &raw_len);
	make_spki(pkey, &der, &pem);
	make_cert(pkey, &cder, &cpem);

	CHECK(sig_pub_from_spki(&p, der.ptr, der.len) == SP_OK);
	CHECK(p.alg == alg && p.raw_len == raw_len &&
	    memcmp(p.raw, raw, raw_len) == 0);
	sig_pub_clear(&p);
	CHECK(sig_pub_from_spki(&p, der.ptr, der.len - 1) == SP_ERR_KEY);
	CHECK(sig_pub_from_spki(&p, pem.ptr, pem.len) == SP_ERR_KEY);
	CHECK(sig_pub_from_file_bytes(&p, der.ptr, der.len) == SP_OK &&
	    p.alg == alg && memcmp(p.raw, raw, raw_len) == 0);
	sig_pub_clear(&p);
	CHECK(sig_pub_from_file_bytes(&p, pem.ptr, pem.len) == SP_OK &&
	    p.alg == alg && memcmp(p.raw, raw, raw_len) == 0);
	sig_pub_clear(&p);
	CHECK(sig_pub_from_x509(&p, cder.ptr, cder.len) == SP_OK &&
	    p.alg == alg && memcmp(p.raw, raw, raw_len) == 0);
	sig_pub_clear(&p);
	CHECK(sig_pub_from_x509(&p, cpem.ptr, cpem.len) == SP_OK &&
	    p.alg == alg && memcmp(p.raw, raw, raw_len) == 0);
	sig_pub_clear(&p);
	CHECK(sig_pub_from_x509(&p, der.ptr, der.len) == SP_ERR_KEY);
	CHECK(sig_pub_from_x509(&p, pem.ptr, pem.len) == SP_ERR_KEY);
	CHECK(sig_pub_from_x509(&p, cder.ptr, cder.len - 1) == SP_ERR_KEY);
	CHECK(sig_pub_from_file_bytes(&p, cder.ptr, cder.len) == SP_OK &&
	    p.alg == alg && memcmp(p.raw, raw, raw_len) == 0);
	sig_pub_clear(&p);
	CHECK(sig_pub_from_file_bytes(&p, cpem.ptr, cpem.len) == SP_OK &&
	    p.alg == alg && memcmp(p.raw, raw, raw_len) == 0);

	/* OpenSSL signs, we verify. */
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(mctx, NULL, md, NULL, pkey) != 1 ||
	    EVP_DigestSign(mctx, der_sig, &der_sig_len, msg_a,
	    sizeof(msg_a)) != 1)
		abort();
	EVP_MD_CTX_free(mctx);
	if (alg == SIG_ALG_ES256) {
		CHECK(sig_verify_der(&p, msg_a, sizeof(msg_a), der_sig,
		    der_sig_len) == SP_OK);
		der_to_raw(sig, der_sig, der_sig_len);
		CHECK(sig_verify(&p, alg, msg_a, sizeof(msg_a), sig,
		    sizeof(sig)) == SP_OK);
	} else {
		CHECK(der_sig_len == SIG_MAX_LEN);
		CHECK(sig_verify(&p, alg, msg_a, sizeof(msg_a), der_sig,
		    der_sig_len) == SP_OK);
	}
	sig_pub_clear(&p);

	/* We sign, OpenSSL verifies. */
	CHECK(sig_priv_generate(&ours, alg) == SP_OK);
	CHECK(sig_sign(&ours, sig, &sig_len, msg_a, sizeof(msg_a)) == SP_OK);
	EVP_PKEY_free(pkey);
	pkey = NULL;
	if (alg == SIG_ALG_ES256) {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC",
		    NULL);
		char group[] = "P-256";
		OSSL_PARAM params[3];

		params[0] = OSSL_PARAM_construct_utf8_string("group", group,
		    0);
		params[1] = OSSL_PARAM_construct_octet_string("pub",
		    ours.pub.raw, ours.pub.raw_len);
		params[2] = OSSL_PARAM_construct_end();
		if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
		    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY,
		    params) != 1)
			abort();
		EVP_PKEY_CTX_free(ctx);
		der_sig_len = raw_to_der(der_sig, sizeof(der_sig), sig);
	} else {
		pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
		    ours.pub.raw, ours.pub.raw_len);
		memcpy(der_sig, sig, sig_len);
		der_sig_len = sig_len;
	}
	if (pkey == NULL || (mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(mctx, NULL, md, NULL, pkey) != 1)
		abort();
	CHECK(EVP_DigestVerify(mctx, der_sig, der_sig_len, msg_a,
	    sizeof(msg_a)) == 1);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pkey);
	sig_priv_clear(&ours);
	sp_buf_clear(&der);
	sp_buf_clear(&pem);
	sp_buf_clear(&cder);
	sp_buf_clear(&cpem);
	ERR_clear_error();
}

/* Keys of other types and curves are refused as unsupported. */
static void
test_openssl_unsupported(void)
{
	struct sp_buf der, pem, cder, cpem;
	struct sig_pub p;
	static const char *const curves[] = { "P-384", "secp256k1" };
	size_t i;

	sp_buf_init(&der);
	sp_buf_init(&pem);
	sp_buf_init(&cder);
	sp_buf_init(&cpem);
	for (i = 0; i < 3; i++) {
		EVP_PKEY *pkey = i < 2 ?
		    EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i]) :
		    EVP_PKEY_Q_keygen(NULL, NULL, "ED448");

		if (pkey == NULL)
			abort();
		make_spki(pkey, &der, &pem);
		make_cert(pkey, &cder, &cpem);
		CHECK(sig_pub_from_spki(&p, der.ptr, der.len) ==
		    SP_ERR_UNSUPPORTED_ALG);
		CHECK(p.ossl == NULL && p.raw_len == 0);
		CHECK(sig_pub_from_file_bytes(&p, pem.ptr, pem.len) ==
		    SP_ERR_UNSUPPORTED_ALG);
		CHECK(sig_pub_from_x509(&p, cder.ptr, cder.len) ==
		    SP_ERR_UNSUPPORTED_ALG);
		CHECK(sig_pub_from_x509(&p, cpem.ptr, cpem.len) ==
		    SP_ERR_UNSUPPORTED_ALG);
		EVP_PKEY_free(pkey);
	}
	sp_buf_clear(&der);
	sp_buf_clear(&pem);
	sp_buf_clear(&cder);
	sp_buf_clear(&cpem);
	ERR_clear_error();
}

/* SPKI of a P-256 key re-encoded with another point format or with
 * explicit curve parameters. */
static int
spki_variant(struct sp_buf *der, EVP_PKEY *pkey, const char *param,
    const char *value)
{
	EVP_PKEY *dup = EVP_PKEY_dup(pkey);
	char v[32];
	unsigned char *d = NULL;
	int dlen;

	if (dup == NULL || strlen(value) >= sizeof(v))
		abort();
	strcpy(v, value);
	if (EVP_PKEY_set_utf8_string_param(dup, param, v) != 1 ||
	    (dlen = i2d_PUBKEY(dup, &d)) <= 0 ||
	    sp_buf_set(der, d, (size_t)dlen) != 0)
		abort();
	OPENSSL_free(d);
	EVP_PKEY_free(dup);
	return dlen;
}

static void
test_spki_forms(void)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	struct sp_buf der, pem;
	struct sig_pub pu, p;

	if (pkey == NULL)
		abort();
	sp_buf_init(&der);
	sp_buf_init(&pem);
	make_spki(pkey, &der, &pem);
	CHECK(sig_pub_from_spki(&pu, der.ptr, der.len) == SP_OK);
	/* Compressed point in the SPKI: same key. */
	CHECK(spki_variant(&der, pkey, "point-format", "compressed") < 91);
	CHECK(sig_pub_from_spki(&p, der.ptr, der.len) == SP_OK);
	CHECK(pub_equal(&p, &pu));
	sig_pub_clear(&p);
	/* Hybrid (06/07) point: refused like in sig_pub_from_raw. */
	spki_variant(&der, pkey, "point-format", "hybrid");
	CHECK(sig_pub_from_spki(&p, der.ptr, der.len) == SP_ERR_KEY);
	/* Explicit curve parameters (forbidden by RFC 5480): refused. */
	spki_variant(&der, pkey, "encoding", "explicit");
	CHECK(sig_pub_from_spki(&p, der.ptr, der.len) ==
	    SP_ERR_UNSUPPORTED_ALG);
	/* An SPKI whose point is off the curve: y flipped in the last byte
	 * of the DER (the BIT STRING ends the structure). */
	make_spki(pkey, &der, &pem);
	der.ptr[der.len - 1] ^= 1;
	CHECK(sig_pub_from_spki(&p, der.ptr, der.len) == SP_ERR_KEY);
	CHECK(sig_pub_from_file_bytes(&p, der.ptr, der.len) == SP_ERR_KEY);
	sig_pub_clear(&p);
	sig_pub_clear(&pu);
	EVP_PKEY_free(pkey);
	sp_buf_clear(&der);
	sp_buf_clear(&pem);
	ERR_clear_error();
}

/* Certificates from the EU DCC test data. */
static void
dcc_cert(struct sp_buf *out, const char *rel)
{
	json_t *root = tu_load_json(rel);
	const char *b64 = json_string_value(json_object_get(
	    json_object_get(root, "TESTCTX"), "CERTIFICATE"));

	if (b64 == NULL || tu_b64(out, b64, 0) != 0)
		abort();
	json_decref(root);
}

static void
test_dcc_certs(void)
{
	struct sp_buf c, pk;
	struct sig_pub p;

	sp_buf_init(&c);
	sp_buf_init(&pk);
	dcc_cert(&c, "external/dgc-testdata/DE/2DCode/raw/1.json");
	CHECK(sig_pub_from_x509(&p, c.ptr, c.len) == SP_OK);
	CHECK(p.alg == SIG_ALG_ES256 && p.raw_len == SIG_P256_PK_LEN &&
	    p.raw[0] == 0x04 && p.raw[1] == 0xf2 && p.raw[2] == 0x3e &&
	    p.raw[3] == 0x3b && p.ossl != NULL);
	sig_pub_clear(&p);
	CHECK(sig_pub_from_file_bytes(&p, c.ptr, c.len) == SP_OK &&
	    p.alg == SIG_ALG_ES256);
	sig_pub_clear(&p);
	/* P-384 and RSA document signer certificates. */
	dcc_cert(&c, "external/dgc-testdata/ES/2DCode/raw/401.json");
	CHECK(sig_pub_from_x509(&p, c.ptr, c.len) == SP_ERR_UNSUPPORTED_ALG);
	CHECK(p.ossl == NULL);
	dcc_cert(&c, "external/dgc-testdata/ES/2DCode/raw/1001.json");
	CHECK(sig_pub_from_x509(&p, c.ptr, c.len) == SP_ERR_UNSUPPORTED_ALG);
	/* Garbage and empty input. */
	hex_or_die(&pk, "3082000102");
	CHECK(sig_pub_from_x509(&p, pk.ptr, pk.len) == SP_ERR_KEY);
	CHECK(sig_pub_from_file_bytes(&p, pk.ptr, pk.len) == SP_ERR_KEY);
	CHECK(sig_pub_from_x509(&p, c.ptr, 0) == SP_ERR_INVALID_ARG);
	CHECK(sig_pub_from_file_bytes(&p,
	    (const uint8_t *)"-----BEGIN PUBLIC KEY-----\nAAAA\n", 32) ==
	    SP_ERR_KEY);
	CHECK(sig_pub_from_file_bytes(&p,
	    (const uint8_t *)"-----BEGIN PUBLIC KEY-----\n!!\n", 30) ==
	    SP_ERR_KEY);
	sig_pub_clear(&p);
	sp_buf_clear(&c);
	sp_buf_clear(&pk);
}

/* A raw 32-byte Ed25519 key file; Ed25519 SPKI built by hand (RFC 8410). */
static void
test_file_raw(void)
{
	static const uint8_t spki_head[] = {
		0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
		0x03, 0x21, 0x00,
	};
	static const uint8_t spki_head_null[] = {
		0x30, 0x2c, 0x30, 0x07, 0x06, 0x03, 0x2b, 0x65, 0x70,
		0x05, 0x00, 0x03, 0x21, 0x00,
	};
	uint8_t spki[sizeof(spki_head_null) + 32];
	struct sig_priv k;
	struct sig_pub p;

	CHECK(sig_priv_generate(&k, SIG_ALG_EDDSA) == SP_OK);
	CHECK(sig_pub_from_file_bytes(&p, k.pub.raw, 32) == SP_OK);
	CHECK(pub_equal(&p, &k.pub));
	sig_pub_clear(&p);
	memcpy(spki, spki_head, sizeof(spki_head));
	memcpy(spki + sizeof(spki_head), k.pub.raw, 32);
	CHECK(sig_pub_from_spki(&p, spki, sizeof(spki_head) + 32) == SP_OK);
	CHECK(pub_equal(&p, &k.pub));
	sig_pub_clear(&p);
	/* Parameters must be absent for Ed25519. */
	memcpy(spki, spki_head_null, sizeof(spki_head_null));
	memcpy(spki + sizeof(spki_head_null), k.pub.raw, 32);
	CHECK(sig_pub_from_spki(&p, spki, sizeof(spki)) == SP_ERR_KEY);
	sig_priv_clear(&k);
}

int
main(void)
{
	test_names();
	test_round_trip(SIG_ALG_EDDSA);
	test_round_trip(SIG_ALG_ES256);
	test_ecdsa_randomised();
	test_ecdsa_range();
	test_ecdsa_der();
	test_bad_points();
	test_compressed();
	test_seeds();
	test_openssl_keys("ED25519", SIG_ALG_EDDSA);
	test_openssl_keys("EC", SIG_ALG_ES256);
	test_openssl_unsupported();
	test_spki_forms();
	test_dcc_certs();
	test_file_raw();
	return check_report("test_sig");
}
