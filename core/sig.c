/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signature back ends: Ed25519 through libsodium, ES256 (ECDSA P-256 with
 * SHA-256) through the OpenSSL 3 EVP interface. Every foreign error is
 * translated here, once, into the stadspas error space.
 */
#include "sig.h"

#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdbool.h>

#define P256_COORD_LEN 32
#define P256_DER_SIG_MAX 72	/* SEQUENCE of two INTEGERs of <= 33 bytes */
#define SIG_DER_IN_MAX 256	/* longer DER input cannot be a P-256 sig */
#define SIG_INPUT_MAX (1024 * 1024)	/* keys and certificates */

/* Order n of the P-256 base point, big-endian (SEC 2, section 2.4.2). */
static const uint8_t p256_n[P256_COORD_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

/* Stands in for a NULL message of length 0. */
static const uint8_t empty_msg[1];

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status = -1;

static void
sodium_init_once(void)
{
	sodium_status = sodium_init();
}

/* sodium_init() is idempotent; run it once per process anyway so that hot
 * paths do not take libsodium's internal lock. */
static int
sodium_ready(void)
{
	if (pthread_once(&sodium_once, sodium_init_once) != 0)
		return SP_ERR_INTERNAL;
	return sodium_status < 0 ? SP_ERR_INTERNAL : SP_OK;
}

/* Empties the OpenSSL error queue of this thread. There is no log handler
 * in core yet, so the entries are dropped rather than printed. */
static void
ossl_drain(void)
{
	unsigned long e;

	do
		e = ERR_get_error();
	while (e != 0);
}

int
sig_alg_supported(int alg)
{
	return alg == SIG_ALG_EDDSA || alg == SIG_ALG_ES256;
}

const char *
sig_alg_name(int alg)
{
	switch (alg) {
	case SIG_ALG_EDDSA:
		return "EdDSA";
	case SIG_ALG_ES256:
		return "ES256";
	default:
		return NULL;
	}
}

/* Public scalars r and s (and public checks in general): 0 < v < n. */
static int
p256_scalar_in_range(const uint8_t v[P256_COORD_LEN])
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < P256_COORD_LEN; i++)
		acc |= v[i];
	return acc != 0 && memcmp(v, p256_n, P256_COORD_LEN) < 0;
}

/* The same test for a secret scalar, in constant time: d is valid iff it is
 * not zero and d - n borrows. */
static int
p256_secret_in_range(const uint8_t d[P256_COORD_LEN])
{
	unsigned int borrow = 0;
	size_t i;

	for (i = P256_COORD_LEN; i-- > 0;) {
		unsigned int t = (unsigned int)d[i] -
		    (unsigned int)p256_n[i] - borrow;

		borrow = (t >> 8) & 1u;
	}
	return (borrow & (unsigned int)(sodium_is_zero(d, P256_COORD_LEN) ^
	    1)) != 0;
}

/* ------------------------------------------------------------------ */
/* Public keys */

static void
pub_zero(struct sig_pub *k)
{
	memset(k, 0, sizeof(*k));
	k->ossl = NULL;
}

void
sig_pub_clear(struct sig_pub *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->ossl);
	sodium_memzero(k, sizeof(*k));
	k->ossl = NULL;
}

/* Builds the verification EVP_PKEY from a validated 04||x||y point. */
static int
p256_pkey_from_point(EVP_PKEY **out, const uint8_t pt[SIG_P256_PK_LEN])
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	int r = SP_ERR_INTERNAL;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    SN_X9_62_prime256v1, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pt, SIG_P256_PK_LEN) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto fail;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1)
		goto fail;
	r = SP_ERR_KEY;
	if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto fail;
	*out = pkey;
	pkey = NULL;
	r = SP_OK;
fail:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	ossl_drain();
	return r;
}

/*
 * Decodes a P-256 point given as 04||x||y or 02/03||x, checks that it is on
 * the curve and not the point at infinity, and writes 04||x||y.
 */
static int
p256_point_decode(uint8_t out[SIG_P256_PK_LEN], const uint8_t *raw,
    size_t len)
{
	EC_GROUP *group = NULL;
	EC_POINT *pt = NULL;
	BN_CTX *bnctx = NULL;
	int r = SP_ERR_KEY;

	/* Only the two SEC 1 forms; OpenSSL would also take hybrid 06/07. */
	if (!(len == SIG_P256_PK_LEN && raw[0] == 0x04) &&
	    !(len == 1 + P256_COORD_LEN && (raw[0] == 0x02 || raw[0] == 0x03)))
		goto fail;
	r = SP_ERR_INTERNAL;
	if ((group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) ==
	    NULL || (pt = EC_POINT_new(group)) == NULL ||
	    (bnctx = BN_CTX_new()) == NULL)
		goto fail;
	r = SP_ERR_KEY;
	/* oct2point rejects coordinates >= p, points off the curve and x
	 * without a square root; check the rest explicitly anyway. */
	if (EC_POINT_oct2point(group, pt, raw, len, bnctx) != 1)
		goto fail;
	if (EC_POINT_is_at_infinity(group, pt) != 0 ||
	    EC_POINT_is_on_curve(group, pt, bnctx) != 1)
		goto fail;
	if (EC_POINT_point2oct(group, pt, POINT_CONVERSION_UNCOMPRESSED, out,
	    SIG_P256_PK_LEN, bnctx) != SIG_P256_PK_LEN)
		goto fail;
	r = SP_OK;
fail:
	BN_CTX_free(bnctx);
	EC_POINT_free(pt);
	EC_GROUP_free(group);
	ossl_drain();
	return r;
}

static int pub_from_raw(struct sig_pub *k, int alg, const uint8_t *raw,
    size_t len, bool subgroup_check);

int
sig_pub_from_raw(struct sig_pub *k, int alg, const uint8_t *raw, size_t len)
{
	return pub_from_raw(k, alg, raw, len, true);
}

int
sig_pub_from_raw_vouched(struct sig_pub *k, int alg, const uint8_t *raw,
    size_t len)
{
	return pub_from_raw(k, alg, raw, len, false);
}

static int
pub_from_raw(struct sig_pub *k, int alg, const uint8_t *raw, size_t len,
    bool subgroup_check)
{
	uint8_t pt[SIG_P256_PK_LEN];
	EVP_PKEY *pkey = NULL;
	int r = SP_ERR_INVALID_ARG;

	if (k == NULL)
		goto fail;
	pub_zero(k);
	if (raw == NULL)
		goto fail;
	if ((r = sodium_ready()) != SP_OK)
		goto fail;
	switch (alg) {
	case SIG_ALG_EDDSA:
		/* Canonical, not of small order, in the prime-order subgroup:
		 * no honestly generated key fails this. */
		r = SP_ERR_KEY;
		if (len != SIG_ED25519_PK_LEN || (subgroup_check &&
		    crypto_core_ed25519_is_valid_point(raw) != 1))
			goto fail;
		memcpy(k->raw, raw, SIG_ED25519_PK_LEN);
		k->raw_len = SIG_ED25519_PK_LEN;
		break;
	case SIG_ALG_ES256:
		if ((r = p256_point_decode(pt, raw, len)) != SP_OK ||
		    (r = p256_pkey_from_point(&pkey, pt)) != SP_OK)
			goto fail;
		memcpy(k->raw, pt, SIG_P256_PK_LEN);
		k->raw_len = SIG_P256_PK_LEN;
		k->ossl = pkey;
		pkey = NULL;
		break;
	default:
		r = SP_ERR_UNSUPPORTED_ALG;
		goto fail;
	}
	k->alg = alg;
	r = SP_OK;
fail:
	EVP_PKEY_free(pkey);
	return r;
}

int
sig_pub_from_p256_xy(struct sig_pub *k, const uint8_t x[32],
    const uint8_t y[32])
{
	uint8_t pt[SIG_P256_PK_LEN];

	if (k == NULL)
		return SP_ERR_INVALID_ARG;
	if (x == NULL || y == NULL) {
		pub_zero(k);
		return SP_ERR_INVALID_ARG;
	}
	pt[0] = 0x04;
	memcpy(pt + 1, x, P256_COORD_LEN);
	memcpy(pt + 1 + P256_COORD_LEN, y, P256_COORD_LEN);
	return sig_pub_from_raw(k, SIG_ALG_ES256, pt, sizeof(pt));
}

/*
 * Maps a SubjectPublicKeyInfo onto a sig_pub by its algorithm identifier:
 * id-ecPublicKey with the namedCurve prime256v1 -> ES256 (RFC 5480),
 * id-Ed25519 without parameters -> EdDSA (RFC 8410); everything else,
 * explicit curve parameters included, is refused. The key bytes are taken
 * from the BIT STRING as they are, so that sig_pub_from_raw applies the
 * same point checks as to any other input (and refuses hybrid 06/07).
 */
static int
pub_from_x509_pubkey(struct sig_pub *k, const X509_PUBKEY *xpk)
{
	ASN1_OBJECT *alg_oid = NULL;
	X509_ALGOR *algor = NULL;
	const ASN1_OBJECT *param_oid = NULL;
	const void *pval = NULL;
	const unsigned char *pk = NULL;
	int pk_len = 0, ptype = V_ASN1_UNDEF, r = SP_ERR_KEY;

	if (X509_PUBKEY_get0_param(&alg_oid, &pk, &pk_len, &algor, xpk) != 1 ||
	    alg_oid == NULL || pk == NULL || pk_len <= 0)
		goto fail;
	if (algor != NULL)
		X509_ALGOR_get0(&param_oid, &ptype, &pval, algor);
	switch (OBJ_obj2nid(alg_oid)) {
	case NID_ED25519:
		if (ptype != V_ASN1_UNDEF)
			goto fail;
		r = sig_pub_from_raw(k, SIG_ALG_EDDSA, pk, (size_t)pk_len);
		break;
	case NID_X9_62_id_ecPublicKey:
		r = SP_ERR_UNSUPPORTED_ALG;
		if (ptype != V_ASN1_OBJECT || pval == NULL ||
		    OBJ_obj2nid(pval) != NID_X9_62_prime256v1)
			goto fail;
		r = sig_pub_from_raw(k, SIG_ALG_ES256, pk, (size_t)pk_len);
		break;
	default:
		r = SP_ERR_UNSUPPORTED_ALG;
		break;
	}
fail:
	ossl_drain();
	return r;
}

int
sig_pub_from_spki(struct sig_pub *k, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_PUBKEY *xpk = NULL;
	int r = SP_ERR_INVALID_ARG;

	if (k == NULL)
		goto fail;
	pub_zero(k);
	if (der == NULL || len == 0 || len > SIG_INPUT_MAX)
		goto fail;
	r = SP_ERR_KEY;
	/* The whole input must be one SubjectPublicKeyInfo. */
	if ((xpk = d2i_X509_PUBKEY(NULL, &p, (long)len)) == NULL ||
	    p != der + len)
		goto fail;
	r = pub_from_x509_pubkey(k, xpk);
fail:
	X509_PUBKEY_free(xpk);
	ossl_drain();
	return r;
}

/* Parses a DER certificate that fills all of der[0..len). */
static int
pub_from_x509_der(struct sig_pub *k, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *cert = NULL;
	const X509_PUBKEY *xpk;	/* borrowed from cert */
	int r = SP_ERR_KEY;

	if (len > SIG_INPUT_MAX)
		goto fail;
	if ((cert = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len)
		goto fail;
	if ((xpk = X509_get_X509_PUBKEY(cert)) == NULL)
		goto fail;
	r = pub_from_x509_pubkey(k, xpk);
fail:
	X509_free(cert);
	ossl_drain();
	return r;
}

/* True if buf starts with a PEM armour line (leading whitespace allowed). */
static int
looks_like_pem(const uint8_t *buf, size_t len)
{
	static const char begin[] = "-----BEGIN ";
	size_t i = 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
	    buf[i] == '\n'))
		i++;
	return len - i >= sizeof(begin) - 1 &&
	    memcmp(buf + i, begin, sizeof(begin) - 1) == 0;
}

enum pem_kind {
	PEM_KIND_CERT,
	PEM_KIND_PUBKEY,
};

/* Decodes the first PEM block; its label decides what the DER is. */
static int
pub_from_pem(struct sig_pub *k, const uint8_t *buf, size_t len, int allow_key)
{
	BIO *bio = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long dlen = 0;
	int r = SP_ERR_KEY;

	if (len > SIG_INPUT_MAX)
		goto fail;
	r = SP_ERR_INTERNAL;
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		goto fail;
	r = SP_ERR_KEY;
	if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1 || dlen <= 0)
		goto fail;
	if (strcmp(name, PEM_STRING_X509) == 0)
		r = pub_from_x509_der(k, data, (size_t)dlen);
	else if (allow_key && strcmp(name, PEM_STRING_PUBLIC) == 0)
		r = sig_pub_from_spki(k, data, (size_t)dlen);
fail:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bio);
	ossl_drain();
	return r;
}

int
sig_pub_from_x509(struct sig_pub *k, const uint8_t *buf, size_t len)
{
	int r = SP_ERR_INVALID_ARG;

	if (k == NULL)
		goto fail;
	pub_zero(k);
	if (buf == NULL || len == 0)
		goto fail;
	if (looks_like_pem(buf, len))
		r = pub_from_pem(k, buf, len, 0);
	else
		r = pub_from_x509_der(k, buf, len);
fail:
	return r;
}

int
sig_pub_from_file_bytes(struct sig_pub *k, const uint8_t *buf, size_t len)
{
	int r = SP_ERR_INVALID_ARG;

	if (k == NULL)
		goto fail;
	pub_zero(k);
	if (buf == NULL || len == 0)
		goto fail;
	/* PEM first: a 32-byte PEM fragment can happen to be a valid
	 * Ed25519 point (about 1 in 16 random strings is). */
	if (looks_like_pem(buf, len)) {
		r = pub_from_pem(k, buf, len, 1);
	} else if (len == SIG_ED25519_PK_LEN) {
		/* No DER SPKI or certificate is this short. */
		r = sig_pub_from_raw(k, SIG_ALG_EDDSA, buf, len);
	} else {
		r = sig_pub_from_spki(k, buf, len);
		if (r == SP_ERR_KEY)
			r = pub_from_x509_der(k, buf, len);
	}
fail:
	return r;
}

int
sig_pub_copy(struct sig_pub *dst, const struct sig_pub *src)
{
	if (dst == NULL)
		return SP_ERR_INVALID_ARG;
	if (src == NULL || src == dst) {
		pub_zero(dst);
		return SP_ERR_INVALID_ARG;
	}
	/* A fresh import, so dst owns its own EVP_PKEY. */
	return sig_pub_from_raw(dst, src->alg, src->raw, src->raw_len);
}

int
sig_pub_compressed(const struct sig_pub *k, uint8_t out[33], size_t *len)
{
	if (k == NULL || out == NULL || len == NULL)
		return SP_ERR_INVALID_ARG;
	switch (k->alg) {
	case SIG_ALG_EDDSA:
		memcpy(out, k->raw, SIG_ED25519_PK_LEN);
		*len = SIG_ED25519_PK_LEN;
		return SP_OK;
	case SIG_ALG_ES256:
		out[0] = (uint8_t)(0x02 | (k->raw[SIG_P256_PK_LEN - 1] & 1));
		memcpy(out + 1, k->raw + 1, P256_COORD_LEN);
		*len = 1 + P256_COORD_LEN;
		return SP_OK;
	default:
		return SP_ERR_KEY;
	}
}

/* ------------------------------------------------------------------ */
/* Verification */

/* ECDSA-Sig-Value in DER (already checked to be strict) over msg. */
static int
es256_verify_der(const struct sig_pub *k, const uint8_t *msg,
    size_t msg_len, const uint8_t *der, size_t der_len)
{
	EVP_MD_CTX *mctx = NULL;
	int r = SP_ERR_INTERNAL, v;

	if (k->ossl == NULL)
		goto fail;
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(mctx, NULL, EVP_sha256(), NULL, k->ossl) != 1)
		goto fail;
	/* 1 is valid; 0 a bad signature; < 0 an unparsable one. */
	v = EVP_DigestVerify(mctx, der, der_len, msg, msg_len);
	r = v == 1 ? SP_OK : SP_ERR_SIGNATURE;
fail:
	EVP_MD_CTX_free(mctx);
	ossl_drain();
	return r;
}

static int
es256_verify_raw(const struct sig_pub *k, const uint8_t *msg,
    size_t msg_len, const uint8_t *sig, size_t sig_len)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	unsigned char *der = NULL;
	int der_len, r = SP_ERR_SIGNATURE;

	if (sig_len != 2 * P256_COORD_LEN ||
	    !p256_scalar_in_range(sig) ||
	    !p256_scalar_in_range(sig + P256_COORD_LEN))
		goto fail;
	r = SP_ERR_INTERNAL;
	if ((br = BN_bin2bn(sig, P256_COORD_LEN, NULL)) == NULL ||
	    (bs = BN_bin2bn(sig + P256_COORD_LEN, P256_COORD_LEN,
	    NULL)) == NULL || (es = ECDSA_SIG_new()) == NULL ||
	    ECDSA_SIG_set0(es, br, bs) != 1)
		goto fail;
	br = bs = NULL;		/* owned by es now */
	if ((der_len = i2d_ECDSA_SIG(es, &der)) <= 0)
		goto fail;
	r = es256_verify_der(k, msg, msg_len, der, (size_t)der_len);
fail:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	BN_free(br);
	BN_free(bs);
	ossl_drain();
	return r;
}

/* Range check of a parsed DER r or s: a positive integer below n. */
static int
bn_scalar_in_range(const BIGNUM *v)
{
	uint8_t b[P256_COORD_LEN];

	if (BN_is_negative(v) || BN_num_bytes(v) > P256_COORD_LEN ||
	    BN_bn2binpad(v, b, P256_COORD_LEN) != P256_COORD_LEN)
		return 0;
	return p256_scalar_in_range(b);
}

int
sig_verify(const struct sig_pub *k, int alg, const uint8_t *msg,
    size_t msg_len, const uint8_t *sig, size_t sig_len)
{
	int r = SP_ERR_INVALID_ARG;

	if (k == NULL || (msg == NULL && msg_len != 0) ||
	    (sig == NULL && sig_len != 0))
		goto fail;
	if (msg == NULL)
		msg = empty_msg;
	r = SP_ERR_UNSUPPORTED_ALG;
	if (!sig_alg_supported(alg))
		goto fail;
	r = SP_ERR_KEY_MISMATCH;
	if (k->alg != alg)
		goto fail;
	if ((r = sodium_ready()) != SP_OK)
		goto fail;
	r = SP_ERR_SIGNATURE;
	if (sig == NULL || sig_len != SIG_MAX_LEN)
		goto fail;
	if (alg == SIG_ALG_EDDSA) {
		/* libsodium 1.0.18 rejects S >= L, small-order R and A, and
		 * non-canonical A; R is compared as canonical bytes. */
		if (k->raw_len != SIG_ED25519_PK_LEN)
			goto fail;
		if (crypto_sign_verify_detached(sig, msg, msg_len, k->raw) == 0)
			r = SP_OK;
	} else {
		r = es256_verify_raw(k, msg, msg_len, sig, sig_len);
	}
fail:
	return r;
}

int
sig_verify_der(const struct sig_pub *k, const uint8_t *msg, size_t msg_len,
    const uint8_t *der, size_t der_len)
{
	const unsigned char *p = der;
	ECDSA_SIG *es = NULL;
	unsigned char *re = NULL;
	const BIGNUM *br, *bs;
	int re_len, r = SP_ERR_INVALID_ARG;

	if (k == NULL || (msg == NULL && msg_len != 0) ||
	    (der == NULL && der_len != 0))
		goto fail;
	if (msg == NULL)
		msg = empty_msg;
	r = SP_ERR_KEY_MISMATCH;
	if (k->alg != SIG_ALG_ES256)
		goto fail;
	r = SP_ERR_SIGNATURE;
	if (der == NULL || der_len == 0 || der_len > SIG_DER_IN_MAX)
		goto fail;
	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) == NULL ||
	    p != der + der_len)
		goto fail;
	/* DER is unique: re-encoding must give back the input exactly, which
	 * rules out BER lengths, padded integers and the like. */
	if ((re_len = i2d_ECDSA_SIG(es, &re)) <= 0 ||
	    (size_t)re_len != der_len || memcmp(re, der, der_len) != 0)
		goto fail;
	ECDSA_SIG_get0(es, &br, &bs);
	if (br == NULL || bs == NULL || !bn_scalar_in_range(br) ||
	    !bn_scalar_in_range(bs))
		goto fail;
	r = es256_verify_der(k, msg, msg_len, der, der_len);
fail:
	OPENSSL_free(re);
	ECDSA_SIG_free(es);
	ossl_drain();
	return r;
}

/* ------------------------------------------------------------------ */
/* Private keys */

void
sig_priv_clear(struct sig_priv *k)
{
	if (k == NULL)
		return;
	sodium_free(k->sk);	/* wipes; accepts NULL */
	EVP_PKEY_free(k->ossl);	/* OpenSSL clears the scalar on free */
	sig_pub_clear(&k->pub);
	sodium_memzero(k, sizeof(*k));
	k->sk = NULL;
	k->ossl = NULL;
}

static void
priv_zero(struct sig_priv *k)
{
	memset(k, 0, sizeof(*k));
	k->sk = NULL;
	k->ossl = NULL;
	k->pub.ossl = NULL;
}

/* Ed25519 from a seed, or from fresh randomness when seed is NULL. */
static int
ed25519_priv_init(struct sig_priv *k, const uint8_t *seed)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	int r = SP_ERR_NOMEM;

	if ((k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)) == NULL)
		goto fail;
	r = SP_ERR_INTERNAL;
	if (seed != NULL) {
		if (crypto_sign_seed_keypair(pk, k->sk, seed) != 0)
			goto fail;
	} else if (crypto_sign_keypair(pk, k->sk) != 0) {
		goto fail;
	}
	if ((r = sig_pub_from_raw(&k->pub, SIG_ALG_EDDSA, pk,
	    sizeof(pk))) != SP_OK)
		goto fail;
	k->alg = SIG_ALG_EDDSA;
	r = SP_OK;
fail:
	return r;
}

/* P-256 key pair from a scalar already known to be in [1, n-1]. */
static int
p256_priv_init(struct sig_priv *k, const uint8_t d[P256_COORD_LEN])
{
	uint8_t pt[SIG_P256_PK_LEN];
	EC_GROUP *group = NULL;
	EC_POINT *q = NULL;
	BN_CTX *bnctx = NULL;
	BIGNUM *bd = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	int r = SP_ERR_INTERNAL;

	if ((group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) ==
	    NULL || (q = EC_POINT_new(group)) == NULL ||
	    (bnctx = BN_CTX_secure_new()) == NULL ||
	    (bd = BN_secure_new()) == NULL ||
	    BN_bin2bn(d, P256_COORD_LEN, bd) == NULL)
		goto fail;
	BN_set_flags(bd, BN_FLG_CONSTTIME);
	/* Q = d*G: OpenSSL 3.0 does not derive it from a private-only
	 * import, and the public half is needed for sig_priv.pub. */
	if (EC_POINT_mul(group, q, bd, NULL, NULL, bnctx) != 1 ||
	    EC_POINT_point2oct(group, q, POINT_CONVERSION_UNCOMPRESSED, pt,
	    sizeof(pt), bnctx) != sizeof(pt))
		goto fail;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    SN_X9_62_prime256v1, 0) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bd) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pt, sizeof(pt)) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto fail;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
		goto fail;
	if ((r = sig_pub_from_raw(&k->pub, SIG_ALG_ES256, pt,
	    sizeof(pt))) != SP_OK)
		goto fail;
	k->ossl = pkey;
	pkey = NULL;
	k->alg = SIG_ALG_ES256;
	r = SP_OK;
fail:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);	/* clear-frees the secure part */
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(bd);
	BN_CTX_free(bnctx);
	EC_POINT_free(q);
	EC_GROUP_free(group);
	ossl_drain();
	return r;
}

/* Writes the scalar of a P-256 EVP_PKEY, left-padded to 32 bytes. */
static int
p256_priv_scalar(EVP_PKEY *pkey, uint8_t d[P256_COORD_LEN])
{
	BIGNUM *bd = NULL;
	int r = SP_ERR_INTERNAL;

	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bd) != 1 ||
	    BN_bn2binpad(bd, d, P256_COORD_LEN) != P256_COORD_LEN)
		goto fail;
	r = SP_OK;
fail:
	BN_clear_free(bd);
	ossl_drain();
	return r;
}

int
sig_priv_from_seed(struct sig_priv *k, int alg,
    const uint8_t seed[SIG_SEED_LEN])
{
	int r = SP_ERR_INVALID_ARG;

	if (k == NULL)
		goto fail;
	priv_zero(k);
	if (seed == NULL)
		goto fail;
	if ((r = sodium_ready()) != SP_OK)
		goto fail;
	switch (alg) {
	case SIG_ALG_EDDSA:
		r = ed25519_priv_init(k, seed);
		break;
	case SIG_ALG_ES256:
		r = SP_ERR_KEY;
		if (!p256_secret_in_range(seed))
			goto fail;
		r = p256_priv_init(k, seed);
		break;
	default:
		r = SP_ERR_UNSUPPORTED_ALG;
		break;
	}
	if (r != SP_OK)
		sig_priv_clear(k);
fail:
	return r;
}

int
sig_priv_generate(struct sig_priv *k, int alg)
{
	uint8_t d[P256_COORD_LEN];
	EVP_PKEY *pkey = NULL;
	int r = SP_ERR_INVALID_ARG;

	if (k == NULL)
		goto fail;
	priv_zero(k);
	if ((r = sodium_ready()) != SP_OK)
		goto fail;
	switch (alg) {
	case SIG_ALG_EDDSA:
		r = ed25519_priv_init(k, NULL);
		break;
	case SIG_ALG_ES256:
		/* Generate with OpenSSL, then take the one import path, so
		 * that generated and seeded keys are built the same way. */
		r = SP_ERR_RANDOM;
		if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
		    "P-256")) == NULL)
			goto fail;
		if ((r = p256_priv_scalar(pkey, d)) != SP_OK)
			goto fail;
		r = SP_ERR_INTERNAL;
		if (!p256_secret_in_range(d))
			goto fail;
		r = p256_priv_init(k, d);
		break;
	default:
		r = SP_ERR_UNSUPPORTED_ALG;
		break;
	}
fail:
	if (k != NULL && r != SP_OK)
		sig_priv_clear(k);
	EVP_PKEY_free(pkey);
	sodium_memzero(d, sizeof(d));
	ossl_drain();
	return r;
}

int
sig_priv_export(const struct sig_priv *k, uint8_t out[SIG_SEED_LEN])
{
	uint8_t d[P256_COORD_LEN];
	int r = SP_ERR_INVALID_ARG;

	if (k == NULL || out == NULL)
		goto fail;
	r = SP_ERR_KEY;
	switch (k->alg) {
	case SIG_ALG_EDDSA:
		if (k->sk == NULL ||
		    crypto_sign_ed25519_sk_to_seed(out, k->sk) != 0)
			goto fail;
		r = SP_OK;
		break;
	case SIG_ALG_ES256:
		if (k->ossl == NULL ||
		    (r = p256_priv_scalar(k->ossl, d)) != SP_OK)
			goto fail;
		memcpy(out, d, sizeof(d));
		break;
	default:
		break;
	}
fail:
	sodium_memzero(d, sizeof(d));
	return r;
}

/* ES256: OpenSSL signs in DER; COSE wants r||s, each left-padded to 32. */
static int
es256_sign(const struct sig_priv *k, uint8_t sig[SIG_MAX_LEN],
    const uint8_t *msg, size_t msg_len)
{
	uint8_t der[P256_DER_SIG_MAX];
	const unsigned char *p = der;
	size_t der_len = sizeof(der);
	EVP_MD_CTX *mctx = NULL;
	ECDSA_SIG *es = NULL;
	const BIGNUM *br, *bs;
	int r = SP_ERR_INTERNAL;

	if (k->ossl == NULL)
		goto fail;
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, k->ossl) != 1 ||
	    EVP_DigestSign(mctx, der, &der_len, msg, msg_len) != 1)
		goto fail;
	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) == NULL)
		goto fail;
	ECDSA_SIG_get0(es, &br, &bs);
	if (br == NULL || bs == NULL ||
	    BN_bn2binpad(br, sig, P256_COORD_LEN) != P256_COORD_LEN ||
	    BN_bn2binpad(bs, sig + P256_COORD_LEN, P256_COORD_LEN) !=
	    P256_COORD_LEN)
		goto fail;
	r = SP_OK;
fail:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(mctx);
	ossl_drain();
	return r;
}

/* Signs msg with k into out; the caller has checked the arguments. */
static int
sign_raw(const struct sig_priv *k, uint8_t out[SIG_MAX_LEN],
    const uint8_t *msg, size_t msg_len)
{
	int r;

	if ((r = sodium_ready()) != SP_OK)
		goto fail;
	r = SP_ERR_KEY;
	switch (k->alg) {
	case SIG_ALG_EDDSA:
		if (k->sk == NULL)
			goto fail;
		r = SP_ERR_INTERNAL;
		if (crypto_sign_detached(out, NULL, msg, msg_len, k->sk) != 0)
			goto fail;
		r = SP_OK;
		break;
	case SIG_ALG_ES256:
		r = es256_sign(k, out, msg, msg_len);
		break;
	default:
		break;
	}
fail:
	return r;
}

int
sig_sign(const struct sig_priv *k, uint8_t sig[SIG_MAX_LEN], size_t *sig_len,
    const uint8_t *msg, size_t msg_len)
{
	uint8_t out[SIG_MAX_LEN];
	int r;

	if (k == NULL || sig == NULL || sig_len == NULL ||
	    (msg == NULL && msg_len != 0))
		return SP_ERR_INVALID_ARG;
	/* Outputs are written only on success. */
	r = sign_raw(k, out, msg != NULL ? msg : empty_msg, msg_len);
	if (r == SP_OK) {
		memcpy(sig, out, sizeof(out));
		*sig_len = sizeof(out);
	}
	sodium_memzero(out, sizeof(out));
	return r;
}
