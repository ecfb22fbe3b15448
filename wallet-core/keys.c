/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Holder keys: Ed25519 (libsodium) and P-256 (OpenSSL) keys whose 32-byte
 * secrets live in the encrypted store, and hardware P-256 keys the app
 * keeps (ops->hw_keygen / hw_sign) which the library never sees. Plus the
 * small helpers the other modules share.
 */
#include "wallet_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sig.h"

static int
kind_alg(int kind)
{
	switch (kind) {
	case SP_WALLET_KEY_ED25519:
		return SP_ALG_EDDSA;
	case SP_WALLET_KEY_P256:
		return SP_ALG_ES256;
	default:
		return 0;
	}
}

int
wal_cose_canonical(uint8_t out[WAL_COSE_MAX], size_t *out_len, int *alg,
    const uint8_t *cose, size_t len)
{
	struct cbor_reader r;
	struct sig_pub pub;
	struct sp_buf b;
	struct cbor_enc e;
	int ret;

	memset(&pub, 0, sizeof(pub));
	if (cose == NULL || len == 0 || len > SP_WALLET_COSE_MAX)
		return SP_ERR_KEY;
	if (cbor_check(cose, len, &pass_cbor_limits, 0, NULL) != SP_OK)
		return SP_ERR_KEY;
	cbor_reader_init(&r, cose, len);
	if ((ret = cose_key_decode(&pub, &r)) != SP_OK)
		return ret;
	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cose_key_encode(&e, &pub);
	if ((ret = cbor_enc_finish(&e)) == SP_OK) {
		if (b.len > WAL_COSE_MAX) {
			ret = SP_ERR_KEY;
		} else {
			memcpy(out, b.ptr, b.len);
			*out_len = b.len;
			if (alg != NULL)
				*alg = pub.alg;
		}
	}
	sp_buf_clear(&b);
	sig_pub_clear(&pub);
	return ret;
}

static int
soft_generate(const struct sp_wallet *w, struct wal_key *k, int kind)
{
	struct sp_key *sk = NULL;
	size_t len = sizeof(k->cose);
	unsigned tries;
	int r = SP_ERR_KEY;

	/* A random P-256 scalar is >= n with probability about 2^-32. */
	for (tries = 0; tries < 8 && r == SP_ERR_KEY; tries++) {
		if ((r = wal_random(w, k->secret, sizeof(k->secret))) != SP_OK)
			break;
		r = sp_key_from_seed(&sk, kind_alg(kind), k->secret);
	}
	if (r == SP_OK)
		r = sp_key_public_cose(sk, k->cose, &len);
	if (r == SP_OK) {
		k->kind = kind;
		k->cose_len = len;
	}
	sp_key_free(&sk);
	return r;
}

static int
hw_generate(const struct sp_wallet *w, struct wal_key *k)
{
	uint8_t cose[SP_WALLET_COSE_MAX];
	size_t hlen = sizeof(k->handle), clen = sizeof(cose);
	int r, alg = 0;

	if (w->ops.hw_keygen == NULL || w->ops.hw_sign == NULL)
		return SP_ERR_UNSUPPORTED;
	if (w->ops.hw_keygen(w->ops.ctx, k->handle, &hlen, cose, &clen) !=
	    SP_OK) {
		wal_log(w, __func__, "hw_keygen failed");
		return SP_ERR_WALLET_SIGNER;
	}
	if (hlen == 0 || hlen > sizeof(k->handle) || clen > sizeof(cose))
		return SP_ERR_WALLET_SIGNER;
	k->handle_len = hlen;
	k->kind = SP_WALLET_KEY_HARDWARE;
	if ((r = wal_cose_canonical(k->cose, &k->cose_len, &alg, cose,
	    clen)) != SP_OK)
		return r;
	return alg == SP_ALG_ES256 || alg == SP_ALG_EDDSA ? SP_OK :
	    SP_ERR_UNSUPPORTED_ALG;
}

int
wal_key_generate(const struct sp_wallet *w, struct wal_key *k, int kind)
{
	int r;

	sodium_memzero(k, sizeof(*k));
	if (kind == SP_WALLET_KEY_HARDWARE)
		r = hw_generate(w, k);
	else if (kind_alg(kind) != 0)
		r = soft_generate(w, k, kind);
	else
		r = SP_ERR_INVALID_ARG;
	if (r != SP_OK) {
		/* A hardware key made before a later check failed. */
		wal_key_discard(w, k);
	}
	return r;
}

/* The hardware key's public key, to check what hw_sign returns. */
static int
hw_pub(struct sig_pub *pub, const struct wal_key *k)
{
	struct cbor_reader r;

	cbor_reader_init(&r, k->cose, k->cose_len);
	return cose_key_decode(pub, &r);
}

int
wal_key_sign(const struct sp_wallet *w, const struct wal_key *k,
    uint8_t sig[64], const uint8_t *msg, size_t msg_len)
{
	struct sig_priv priv;
	struct sig_pub pub;
	size_t sig_len = 0;
	int r;

	memset(&priv, 0, sizeof(priv));
	memset(&pub, 0, sizeof(pub));
	if (k->kind != SP_WALLET_KEY_HARDWARE) {
		r = sig_priv_from_seed(&priv, kind_alg(k->kind), k->secret);
		if (r == SP_OK)
			r = sig_sign(&priv, sig, &sig_len, msg, msg_len);
		if (r == SP_OK && sig_len != 64)
			r = SP_ERR_INTERNAL;
		sig_priv_clear(&priv);
		return r;
	}
	if (w->ops.hw_sign == NULL)
		return SP_ERR_UNSUPPORTED;
	if ((r = hw_pub(&pub, k)) != SP_OK)
		return r;
	r = SP_ERR_WALLET_SIGNER;
	if (w->ops.hw_sign(w->ops.ctx, k->handle, k->handle_len, sig, msg,
	    msg_len) == SP_OK &&
	    sig_verify(&pub, pub.alg, msg, msg_len, sig, 64) == SP_OK)
		r = SP_OK;
	else
		wal_log(w, __func__, "hw_sign failed or signature invalid");
	sig_pub_clear(&pub);
	return r;
}

struct hw_ctx {
	const struct sp_wallet *w;
	const struct wal_key *k;
};

static int
hw_trampoline(void *ctx, uint8_t sig[64], const uint8_t *msg, size_t len)
{
	const struct hw_ctx *h = ctx;

	return h->w->ops.hw_sign(h->w->ops.ctx, h->k->handle, h->k->handle_len,
	    sig, msg, len);
}

int
wal_key_present(const struct sp_wallet *w, const struct wal_key *k,
    uint8_t **out, size_t *out_len, const uint8_t *issued,
    size_t issued_len, const struct sp_present_opts *po)
{
	struct sp_key *sk = NULL;
	struct hw_ctx hc = { .w = w, .k = k };
	struct sp_signer s;
	struct sig_pub pub;
	int r;

	if (k->kind != SP_WALLET_KEY_HARDWARE) {
		if ((r = sp_key_from_seed(&sk, kind_alg(k->kind), k->secret)) ==
		    SP_OK)
			r = sp_present(out, out_len, issued, issued_len, sk, po);
		sp_key_free(&sk);
		return r;
	}
	if (w->ops.hw_sign == NULL)
		return SP_ERR_UNSUPPORTED;
	memset(&pub, 0, sizeof(pub));
	if ((r = hw_pub(&pub, k)) != SP_OK)
		return r;
	s = (struct sp_signer){
		.alg = pub.alg, .cose_key = k->cose,
		.cose_key_len = k->cose_len, .sign = hw_trampoline, .ctx = &hc,
	};
	sig_pub_clear(&pub);
	return sp_present_signer(out, out_len, issued, issued_len, &s, po);
}

void
wal_key_discard(const struct sp_wallet *w, struct wal_key *k)
{
	if (k->kind == SP_WALLET_KEY_HARDWARE && k->handle_len > 0 &&
	    w->ops.hw_delete != NULL)
		w->ops.hw_delete(w->ops.ctx, k->handle, k->handle_len);
	sodium_memzero(k, sizeof(*k));
}

/* ---- Helpers ---------------------------------------------------------- */

char *
wal_hex(const uint8_t *p, size_t n)
{
	char *s;

	if (n > (SIZE_MAX - 1) / 2 || (s = malloc(2 * n + 1)) == NULL)
		return NULL;
	sodium_bin2hex(s, 2 * n + 1, p, n);
	return s;
}

int
wal_unhex(struct sp_buf *out, const char *hex, size_t max)
{
	size_t n, got = 0;
	const char *end = NULL;
	int r;

	sp_buf_reset(out);
	if (hex == NULL)
		return SP_ERR_INVALID_ARG;
	n = strlen(hex);
	if (n % 2 != 0 || n / 2 > max)
		return SP_ERR_INVALID_ARG;
	if (n == 0)
		return SP_OK;
	if ((r = sp_buf_reserve(out, n / 2)) != SP_OK)
		return r;
	if (sodium_hex2bin(out->ptr, n / 2, hex, n, NULL, &got, &end) != 0 ||
	    got != n / 2 || end != hex + n)
		return SP_ERR_INVALID_ARG;
	out->len = got;
	return SP_OK;
}

int
wal_claim_key(const char *name)
{
	int k;

	if (name == NULL)
		return 0;
	for (k = 1; k < 256; k++) {
		const char *n = sp_claim_name(k);

		if (n != NULL && strcmp(n, name) == 0)
			return k;
	}
	return 0;
}

bool
wal_strcpy(char *dst, size_t cap, const char *src)
{
	size_t n;

	if (src == NULL || (n = strlen(src)) >= cap)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}
