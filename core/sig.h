/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signature back ends behind one interface: EdDSA/Ed25519 via libsodium,
 * ES256 (ECDSA P-256 + SHA-256) via OpenSSL 3. Signatures are in COSE form:
 * Ed25519 64 bytes, ES256 raw r||s 64 bytes (RFC 9053 section 2.1).
 * Keys are caller-owned structs: *_init happens in the constructors,
 * *_clear releases (and for private keys wipes) everything. Thread-safe for
 * distinct objects; a public key may be shared read-only between threads.
 */
#ifndef STADSPAS_CORE_SIG_H
#define STADSPAS_CORE_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "stadspas/sp_err.h"

/* COSE algorithm identifiers (IANA COSE Algorithms registry). */
enum sig_alg {
	SIG_ALG_EDDSA = -8,
	SIG_ALG_ES256 = -7,
};

#define SIG_MAX_LEN 64		/* both algorithms produce 64 bytes */
#define SIG_ED25519_PK_LEN 32
#define SIG_P256_PK_LEN 65	/* uncompressed point 0x04||x||y */
#define SIG_SEED_LEN 32		/* Ed25519 seed or P-256 scalar */

struct sig_pub {
	int alg;		/* enum sig_alg */
	uint8_t raw[SIG_P256_PK_LEN];	/* Ed25519 A, or 04||x||y */
	size_t raw_len;
	void *ossl;		/* EVP_PKEY * for ES256 (owned), else NULL */
};

struct sig_priv {
	int alg;
	uint8_t *sk;		/* sodium_malloc'd: Ed25519 64-byte sk */
	void *ossl;		/* EVP_PKEY * for ES256 (owned) */
	struct sig_pub pub;
};

/* True if alg is one this build can verify. */
int sig_alg_supported(int alg);
/* "EdDSA", "ES256", or NULL. */
const char *sig_alg_name(int alg);

/*
 * Public keys. Every constructor validates the key (P-256: point on the
 * curve, not infinity, SEC 1 prefix 04 or 02/03 only; Ed25519: 32 bytes,
 * canonical, not of small order, in the prime-order subgroup) and returns
 * SP_ERR_KEY if it is unusable or unparsable, SP_ERR_UNSUPPORTED_ALG for a
 * well-formed key of another type or curve (RSA, P-384, Ed448, ...),
 * SP_ERR_INVALID_ARG for NULL input. The constructors initialise *k: do not
 * pass a key that still holds an EVP_PKEY. On failure *k is left cleared
 * (safe to sig_pub_clear). All are thread-safe.
 */
int sig_pub_from_raw(struct sig_pub *k, int alg, const uint8_t *raw,
    size_t len);	/* Ed25519: 32; P-256: 65 (04..) or 33 (02/03..) */
/*
 * As sig_pub_from_raw, for a key that a verified issuer signature vouches
 * for (the holder key inside a pass): Ed25519 skips the prime-order
 * subgroup check, a full scalar multiplication. Verification still refuses
 * non-canonical and small-order keys, so no forgery gets easier; only a
 * key with a small-order component (never honestly generated) would pass.
 */
int sig_pub_from_raw_vouched(struct sig_pub *k, int alg, const uint8_t *raw,
    size_t len);
int sig_pub_from_p256_xy(struct sig_pub *k, const uint8_t x[32],
    const uint8_t y[32]);
/* DER SubjectPublicKeyInfo (Ed25519 or P-256). */
int sig_pub_from_spki(struct sig_pub *k, const uint8_t *der, size_t len);
/* An X.509 certificate, PEM or DER; the alg follows its key (P-256 ->
 * ES256, Ed25519 -> EdDSA; anything else SP_ERR_UNSUPPORTED_ALG). */
int sig_pub_from_x509(struct sig_pub *k, const uint8_t *buf, size_t len);
/* A PEM "PUBLIC KEY" or DER SPKI, or a raw 32-byte Ed25519 key file, or a
 * PEM/DER certificate. PEM input is recognised by its "-----BEGIN " line and
 * dispatched on the first block's label. */
int sig_pub_from_file_bytes(struct sig_pub *k, const uint8_t *buf,
    size_t len);
/* Copies a key (shares nothing: dst gets its own EVP_PKEY). */
int sig_pub_copy(struct sig_pub *dst, const struct sig_pub *src);
/* P-256: writes 33-byte compressed point; Ed25519: 32 bytes. SP_ERR_KEY
 * for a cleared key. */
int sig_pub_compressed(const struct sig_pub *k, uint8_t out[33],
    size_t *len);
void sig_pub_clear(struct sig_pub *k);

/*
 * Verifies a COSE-form signature. SP_OK only if valid; SP_ERR_SIGNATURE for
 * a wrong or malformed signature (including wrong length, non-canonical
 * Ed25519 S, small-order points), SP_ERR_KEY_MISMATCH if the key's alg is
 * not alg.
 */
SP_NODISCARD int sig_verify(const struct sig_pub *k, int alg,
    const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len);
/* ES256 only: ASN.1 DER ECDSA-Sig-Value, strict DER (BER rejected: the
 * input must re-encode byte for byte), 0 < r, s < n. Codes as sig_verify. */
SP_NODISCARD int sig_verify_der(const struct sig_pub *k, const uint8_t *msg,
    size_t msg_len, const uint8_t *der, size_t der_len);

/*
 * Private keys. Constructors initialise *k; on failure it is left cleared.
 * sig_priv_from_seed with ES256 takes a big-endian scalar and returns
 * SP_ERR_KEY for 0 or >= n; any Ed25519 seed is accepted. k->pub holds
 * the matching public key. SP_ERR_UNSUPPORTED_ALG for another alg.
 */
int sig_priv_generate(struct sig_priv *k, int alg);
int sig_priv_from_seed(struct sig_priv *k, int alg,
    const uint8_t seed[SIG_SEED_LEN]);
/* Writes the 32-byte seed (Ed25519) or scalar (P-256): a secret. */
int sig_priv_export(const struct sig_priv *k, uint8_t out[SIG_SEED_LEN]);
/* Writes sig_len = 64 bytes. Ed25519 is deterministic; ES256 randomised.
 * SP_ERR_KEY for a cleared key. A key may sign from several threads. */
int sig_sign(const struct sig_priv *k, uint8_t sig[SIG_MAX_LEN],
    size_t *sig_len, const uint8_t *msg, size_t msg_len);
/* Frees and wipes everything; accepts NULL and cleared keys. */
void sig_priv_clear(struct sig_priv *k);

#endif /* STADSPAS_CORE_SIG_H */
