/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stadspas pass credentials and presentations (docs/FORMATS.md).
 *
 * Issuer:   sp_issuer_key_*, sp_pass_builder_*, sp_pass_issue()
 * Holder:   sp_key_*, sp_present(), sp_present_signer()
 * Verifier: sp_trust_*, sp_presentation_verify(), sp_presentation_*()
 *
 * All objects are opaque and owned by whoever called _new (or the function
 * that returned them); _free(&p) accepts NULL, wipes and sets p = NULL.
 * Functions are thread-safe for distinct objects; a struct sp_trust may be
 * shared read-only between threads once built. No global state apart from
 * libsodium's one-time initialisation.
 */
#ifndef STADSPAS_SP_PASS_H
#define STADSPAS_SP_PASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* COSE algorithm numbers. */
#define SP_ALG_EDDSA (-8)
#define SP_ALG_ES256 (-7)

#define SP_SEED_LEN 32		/* Ed25519 seed / P-256 scalar */
#define SP_KID_LEN 4		/* stadspas issuer key ids */
#define SP_TAG_LEN 16		/* limit tags and tag keys */
#define SP_NONCE_MAX 32

/* Selectively disclosable claim keys (docs/FORMATS.md, "Claims"). */
enum sp_claim {
	SP_CLAIM_PASS_NO = 1,		/* text */
	SP_CLAIM_NAME = 2,		/* text */
	SP_CLAIM_BIRTH_YEAR = 3,	/* uint */
	SP_CLAIM_AGE_UNDER_12 = 4,	/* bool */
	SP_CLAIM_AGE_UNDER_18 = 5,	/* bool */
	SP_CLAIM_AGE_OVER_65 = 6,	/* bool */
	SP_CLAIM_CATEGORY = 7,		/* text: entitlement category */
	SP_CLAIM_HOUSEHOLD_SIZE = 8,	/* uint */
	SP_CLAIM_LIMIT_TAG = 9,		/* [scope text, tag bytes(16)] */
	SP_CLAIM_LIMIT_KEY = 10,	/* [category text, key bytes(16)] */
};

/* Name of a claim key ("age_under_18"), or NULL if unknown. */
SP_EXPORT const char *sp_claim_name(int key);

/* ---- Keys ------------------------------------------------------------- */

struct sp_key;	/* a signing key pair (issuer or holder) */

/* Generates a fresh key for alg (SP_ALG_EDDSA or SP_ALG_ES256). */
SP_EXPORT int sp_key_generate(struct sp_key **out, int alg);
/* Rebuilds a key from its 32-byte secret (a secret: wipe your copy). */
SP_EXPORT int sp_key_from_seed(struct sp_key **out, int alg,
    const uint8_t seed[SP_SEED_LEN]);
/* Writes the 32-byte secret. */
SP_EXPORT int sp_key_export_seed(const struct sp_key *k,
    uint8_t seed[SP_SEED_LEN]);
SP_EXPORT int sp_key_alg(const struct sp_key *k);
/* The key id: first 4 bytes of SHA-256 over the public COSE_Key. */
SP_EXPORT void sp_key_kid(const struct sp_key *k, uint8_t kid[SP_KID_LEN]);
/* Public key as a deterministic COSE_Key (at most 64 bytes); *len in:
 * capacity, out: length. */
SP_EXPORT int sp_key_public_cose(const struct sp_key *k, uint8_t *out,
    size_t *len);
SP_EXPORT void sp_key_free(struct sp_key **kp);

/* ---- Issuing a pass --------------------------------------------------- */

struct sp_pass_builder;

SP_EXPORT int sp_pass_builder_new(struct sp_pass_builder **out);
SP_EXPORT void sp_pass_builder_free(struct sp_pass_builder **bp);
/* Issuer name (optional, at most 64 bytes, e.g. "GM0014"). */
SP_EXPORT int sp_pass_builder_set_issuer(struct sp_pass_builder *b,
    const char *iss);
/* Unix seconds; nbf 0 = same as iat. exp must be > iat. */
SP_EXPORT int sp_pass_builder_set_times(struct sp_pass_builder *b,
    int64_t iat, int64_t nbf, int64_t exp);
/* Status list reference: list id and index in it. */
SP_EXPORT int sp_pass_builder_set_status(struct sp_pass_builder *b,
    uint32_t list, uint32_t idx);
/* Holder key (public part of a holder key, as COSE_Key bytes). */
SP_EXPORT int sp_pass_builder_set_holder(struct sp_pass_builder *b,
    const uint8_t *cose_key, size_t len);
SP_EXPORT int sp_pass_builder_add_text(struct sp_pass_builder *b, int key,
    const char *value);
SP_EXPORT int sp_pass_builder_add_uint(struct sp_pass_builder *b, int key,
    uint64_t value);
SP_EXPORT int sp_pass_builder_add_bool(struct sp_pass_builder *b, int key,
    bool value);
/* A limit tag for scope "category/period" (e.g. "sport/2026"). */
SP_EXPORT int sp_pass_builder_add_limit_tag(struct sp_pass_builder *b,
    const char *scope, const uint8_t tag[SP_TAG_LEN]);
/* A limit tag key for a category with short periods. */
SP_EXPORT int sp_pass_builder_add_limit_key(struct sp_pass_builder *b,
    const char *category, const uint8_t key[SP_TAG_LEN]);

/*
 * Signs the pass with issuer key k and writes the holder's "issued pass"
 * (the credential plus every disclosure with its salt) to a malloc'd
 * buffer *out of *out_len bytes, which the caller frees with
 * sp_bytes_free(). Salts come from randombytes when seed_salts is NULL;
 * otherwise they are derived from its 32 bytes, which must then be fresh
 * random bytes drawn for this one pass (bulk issuance draws one seed per
 * copy: as unpredictable as drawing each salt, and cheaper), or fixed
 * only for reproducible test vectors. Never reuse a seed for two passes:
 * equal salts would link them.
 */
SP_EXPORT int sp_pass_issue(uint8_t **out, size_t *out_len,
    const struct sp_pass_builder *b, const struct sp_key *issuer,
    const uint8_t *seed_salts);

/*
 * Limit tags. The issuer keeps one secret (at least 32 random bytes) and
 * derives, for each pass and category, a limit key
 *   key = HMAC-SHA-256(secret, "stadspas limit key v1\0" || pass_id ||
 *                      0x00 || category)[0..16)
 * and from it the tag for a scope "category/period"
 *   tag = HMAC-SHA-256(key, "stadspas limit tag v1\0" || scope)[0..16).
 * Every copy of a pass gets the same tags (same pass_id); tags of other
 * categories or periods are unlinkable. A pass carries either the tag
 * (long periods: sp_pass_builder_add_limit_tag) or the key (short periods:
 * sp_pass_builder_add_limit_key), from which a till derives the current
 * period's tag with sp_limit_tag_derive. Both NUL-terminated strings.
 */
SP_EXPORT void sp_limit_key_derive(uint8_t key[SP_TAG_LEN],
    const uint8_t *secret, size_t secret_len, const char *pass_id,
    const char *category);
SP_EXPORT void sp_limit_tag_derive(uint8_t tag[SP_TAG_LEN],
    const uint8_t *key, size_t key_len, const char *scope);

/* ---- Presenting ------------------------------------------------------- */

struct sp_present_opts {
	int64_t time;			/* Unix seconds, the holder's clock */
	const char *audience;		/* provider id, or NULL */
	const uint8_t *nonce;		/* from the till's QR, or NULL */
	size_t nonce_len;		/* <= SP_NONCE_MAX */
	uint64_t offer;			/* 0 = none */
	uint64_t counter;		/* per-offer counter, with offer */
	const int *disclose;		/* claim keys to disclose */
	size_t disclose_count;
	const char *const *scopes;	/* categories ("sport") and limit
					 * scopes ("sport/2026",
					 * "swim/2026-W48") to disclose */
	size_t scope_count;
};

/*
 * Builds a presentation from an issued pass and the holder key it is bound
 * to. Discloses every claim whose key is in disclose (all leaves with that
 * key); the category claim named by a bare category in scopes ("sport");
 * the limit tag whose scope is in scopes ("sport/2026"); and, for a scope
 * "category/period" that no limit tag of the pass serves, the category's
 * limit key ("swim/2026-W48" discloses the "swim" key, from which the till
 * derives that week's tag). Nothing else: a category claim never brings
 * its limit key along, nor the other way round. Writes the CBOR
 * presentation to *out (free with sp_bytes_free). SP_ERR_KEY_MISMATCH if
 * holder is not the key the pass is bound to.
 */
SP_EXPORT int sp_present(uint8_t **out, size_t *out_len,
    const uint8_t *issued, size_t issued_len, const struct sp_key *holder,
    const struct sp_present_opts *opts);

/*
 * A holder key the library never sees: a P-256 key in a phone's Secure
 * Enclave or StrongBox (EdDSA works the same way, for completeness).
 *
 * alg       SP_ALG_ES256 (or SP_ALG_EDDSA).
 * cose_key  the key's public COSE_Key (compressed or full P-256 form),
 *           cose_key_len bytes; used to match the pass's holder key and to
 *           check the signature sign() returns.
 * sign      signs msg_len bytes of msg with the key and writes the COSE
 *           form of the signature to sig: for ES256 ECDSA over SHA-256(msg)
 *           (the signer hashes; Apple's ecdsaSignatureMessageX962SHA256 or
 *           Android's SHA256withECDSA) as raw r || s, 32 bytes each,
 *           big-endian (convert the platform's DER); for EdDSA the
 *           Ed25519 signature. Returns 0 on success, anything else on
 *           failure (user cancelled, key gone); sig is then ignored.
 * ctx       passed to sign unchanged.
 *
 * Ownership and threads: every pointer is borrowed for the duration of the
 * call that takes the signer and never kept. sign is called synchronously,
 * on the calling thread, at most once per call; it may block (biometric
 * prompt). It must not call back into the library with the same objects.
 */
struct sp_signer {
	int alg;
	const uint8_t *cose_key;
	size_t cose_key_len;
	int (*sign)(void *ctx, uint8_t sig[64], const uint8_t *msg,
	    size_t msg_len);
	void *ctx;
};

/*
 * As sp_present, with the key-binding signature made by an external
 * signer. The presentation is the same as sp_present would make with the
 * same key. Besides sp_present's errors: SP_ERR_UNSUPPORTED_ALG (alg is
 * neither ES256 nor EdDSA), SP_ERR_KEY (cose_key unusable),
 * SP_ERR_KEY_MISMATCH (cose_key is not of alg, or not the key the pass is
 * bound to), SP_ERR_WALLET_SIGNER (sign failed, or its signature does not
 * verify with cose_key: e.g. DER instead of r || s).
 */
SP_EXPORT int sp_present_signer(uint8_t **out, size_t *out_len,
    const uint8_t *issued, size_t issued_len, const struct sp_signer *signer,
    const struct sp_present_opts *opts);

/* Wraps CBOR bytes as an "SP1:" QR string (NUL-terminated, malloc'd). */
SP_EXPORT int sp_qr_encode(char **out, const uint8_t *cbor, size_t len);
/* Unwraps an "SP1:" string (whitespace-trimmed) into CBOR bytes. */
SP_EXPORT int sp_qr_decode(uint8_t **out, size_t *out_len, const char *text,
    size_t text_len);

SP_EXPORT void sp_bytes_free(void *p, size_t len);	/* wipes, frees */

/* ---- Verifying -------------------------------------------------------- */

struct sp_trust;	/* issuer keys by kid */

SP_EXPORT int sp_trust_new(struct sp_trust **out);
SP_EXPORT void sp_trust_free(struct sp_trust **tp);
/* Adds an issuer public key given as COSE_Key bytes; its kid is computed
 * as in sp_key_kid(). */
SP_EXPORT int sp_trust_add_cose_key(struct sp_trust *t, const uint8_t *key,
    size_t len);

struct sp_verify_opts {
	int64_t now;			/* Unix seconds, the verifier's clock */
	uint32_t skew;			/* clock-skew allowance, seconds */
	uint32_t max_age;		/* oldest acceptable presentation
					 * time, seconds before now */
	const char *audience;		/* if set, the presentation must be
					 * for this provider id */
	const uint8_t *nonce;		/* if set, must match */
	size_t nonce_len;
};

/*
 * Default options: a presentation is accepted if its time is at most
 * max_age + skew seconds before now and at most skew after (the phone's
 * and the till's clocks differ by up to skew); the pass's validity window
 * is widened by skew at both ends. 30 s matches wallets re-signing the QR
 * every 30 s. Fill now yourself.
 */
#define SP_VERIFY_OPTS_DEFAULT { .skew = 90, .max_age = 30 }

struct sp_presentation;	/* a verified presentation */

/*
 * Verifies a CBOR presentation (use sp_qr_decode first for an SP1 string):
 * structure (strict deterministic CBOR), issuer signature with a trusted
 * key, validity window, disclosures against the issuer's commitment,
 * holder key-binding signature, time freshness, audience and nonce.
 * On SP_OK *out holds the result (free with sp_presentation_free). The
 * error is the first check that failed: SP_ERR_CBOR_*, SP_ERR_VERSION,
 * SP_ERR_COSE*, SP_ERR_UNKNOWN_KID, SP_ERR_UNSUPPORTED_ALG,
 * SP_ERR_SIGNATURE, SP_ERR_CLAIMS, SP_ERR_EXPIRED, SP_ERR_NOT_YET_VALID,
 * SP_ERR_DISCLOSURE, SP_ERR_HOLDER_BINDING, SP_ERR_STALE, SP_ERR_FUTURE,
 * SP_ERR_AUDIENCE, SP_ERR_NONCE. Status (revocation) is checked by the
 * caller against its registry with sp_presentation_status().
 */
SP_NODISCARD SP_EXPORT int sp_presentation_verify(
    struct sp_presentation **out, const struct sp_trust *t,
    const struct sp_verify_opts *opts, const uint8_t *buf, size_t len);
SP_EXPORT void sp_presentation_free(struct sp_presentation **pp);

SP_EXPORT void sp_presentation_status(const struct sp_presentation *p,
    uint32_t *list, uint32_t *idx);
SP_EXPORT int64_t sp_presentation_expiry(const struct sp_presentation *p);
SP_EXPORT int64_t sp_presentation_time(const struct sp_presentation *p);
SP_EXPORT uint64_t sp_presentation_offer(const struct sp_presentation *p,
    uint64_t *counter);
/* The key binding's audience (provider id) and nonce as the holder signed
 * them, borrowed from p; NULL with *len 0 when absent. Check these when
 * the verifier options did not name an audience or nonce. */
SP_EXPORT const char *sp_presentation_audience(
    const struct sp_presentation *p, size_t *len);
SP_EXPORT const uint8_t *sp_presentation_nonce(
    const struct sp_presentation *p, size_t *len);
/* The pass's issued-at time and issuer name (NULL, *len 0 if absent). */
SP_EXPORT int64_t sp_presentation_issued(const struct sp_presentation *p);
SP_EXPORT const char *sp_presentation_issuer(
    const struct sp_presentation *p, size_t *len);
/* The issuer kid that signed the pass (SP_KID_LEN bytes, borrowed). */
SP_EXPORT const uint8_t *sp_presentation_kid(
    const struct sp_presentation *p);
/* SHA-256 of the holder's key-binding signature: a replay identifier. */
SP_EXPORT void sp_presentation_replay_id(const struct sp_presentation *p,
    uint8_t id[32]);
/* Number of disclosed claims, and the i-th: key and its value as CBOR
 * bytes (borrowed from p). */
SP_EXPORT size_t sp_presentation_claim_count(
    const struct sp_presentation *p);
SP_EXPORT int sp_presentation_claim(const struct sp_presentation *p,
    size_t i, int *key, const uint8_t **value, size_t *value_len);
/* Convenience: true if a claim key with CBOR value true is disclosed. */
SP_EXPORT bool sp_presentation_has_true(const struct sp_presentation *p,
    int key);
/* Convenience: true if a category claim equal to category is disclosed. */
SP_EXPORT bool sp_presentation_has_category(
    const struct sp_presentation *p, const char *category);
/* The disclosed limit tag for scope (copied to tag), SP_ERR_NOT_FOUND if
 * none; derives it from a disclosed limit key for "category/period". */
SP_EXPORT int sp_presentation_limit_tag(const struct sp_presentation *p,
    const char *scope, uint8_t tag[SP_TAG_LEN]);

#ifdef __cplusplus
}
#endif

#endif /* STADSPAS_SP_PASS_H */
