/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COSE_Sign1 (RFC 9052 section 4.2) and COSE_Key (section 7) for the two
 * algorithms of core/sig.h. Decoding is zero-copy: struct cose_sign1
 * borrows from the input buffer, which must outlive it. Verification is
 * over the exact received protected-header bytes and payload.
 */
#ifndef STADSPAS_CORE_COSE_H
#define STADSPAS_CORE_COSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbor.h"
#include "sig.h"
#include "sp_buf.h"

#define COSE_TAG_SIGN1 18
#define COSE_MAX_KID 64

/* Header labels (RFC 9052 section 3.1). */
enum cose_hdr {
	COSE_HDR_ALG = 1,
	COSE_HDR_CRIT = 2,
	COSE_HDR_CTY = 3,
	COSE_HDR_KID = 4,
	COSE_HDR_TYP = 16,	/* RFC 9596 */
};

/* COSE_Key labels and values (RFC 9052 section 7, RFC 9053). */
enum cose_key_label {
	COSE_KEY_KTY = 1,
	COSE_KEY_KID = 2,
	COSE_KEY_ALG = 3,
	COSE_KEY_CRV = -1,
	COSE_KEY_X = -2,
	COSE_KEY_Y = -3,
	COSE_KEY_D = -4,
};

enum cose_kty {
	COSE_KTY_OKP = 1,
	COSE_KTY_EC2 = 2,
};

enum cose_crv {
	COSE_CRV_P256 = 1,
	COSE_CRV_ED25519 = 6,
	COSE_CRV_ED448 = 7,
};

enum cose_flags {
	COSE_F_TAGGED = 1u << 0,	/* encode: emit tag 18 */
	COSE_F_REQUIRE_TAG = 1u << 1,	/* decode: tag 18 must be there */
	COSE_F_DETACHED = 1u << 2,	/* encode: payload nil on the wire */
	COSE_F_STRICT = 1u << 3,	/* decode: deterministic CBOR, alg
					 * and kid only in the protected
					 * header, no unknown labels */
	COSE_F_ALG_IMPLIED = 1u << 4,	/* encode: no alg header; the key
					 * fixes it (verify with
					 * cose_sign1_verify_keyalg) */
};

/* A decoded COSE_Sign1. All pointers borrow from the decoded buffer. */
struct cose_sign1 {
	const uint8_t *raw;	/* the whole message, tag included */
	size_t raw_len;
	bool tagged;
	const uint8_t *prot;	/* protected bstr contents, as received */
	size_t prot_len;
	bool prot_empty_map;	/* prot is h'a0': signed as h'' (RFC 9052
				 * section 4.4: "zero-length if empty") */
	const uint8_t *payload;	/* NULL if detached */
	size_t payload_len;
	const uint8_t *sig;
	size_t sig_len;
	bool has_alg;
	bool alg_protected;	/* alg came from the protected header */
	int64_t alg;		/* valid if has_alg; SP_ERR_UNSUPPORTED_ALG
				 * on verify if it is not a sig.h alg */
	bool alg_is_text;	/* alg was a text string (never supported) */
	const uint8_t *kid;	/* NULL if absent */
	size_t kid_len;
	const char *typ;	/* typ header text (RFC 9596), or NULL */
	size_t typ_len;
	bool has_cty;
	uint64_t cty;		/* CoAP number; UINT64_MAX for a text type */
};

/*
 * Parses buf[0..len) as a (tagged or untagged) COSE_Sign1. Errors:
 * SP_ERR_CBOR_* (not well-formed), SP_ERR_COSE_TAG (another tag),
 * SP_ERR_COSE (wrong structure), SP_ERR_COSE_HEADER (bad or duplicate
 * header parameter, unknown critical header).
 */
int cose_sign1_decode(struct cose_sign1 *m, const uint8_t *buf, size_t len,
    unsigned flags);

/*
 * Verifies m with key k. aad is the external AAD (may be NULL/0).
 * detached supplies the payload when m->payload is NULL (else must be
 * NULL). SP_OK, SP_ERR_UNSUPPORTED_ALG, SP_ERR_KEY_MISMATCH,
 * SP_ERR_SIGNATURE.
 */
SP_NODISCARD int cose_sign1_verify(const struct cose_sign1 *m,
    const struct sig_pub *k, const uint8_t *aad, size_t aad_len,
    const uint8_t *detached, size_t detached_len);

/*
 * As cose_sign1_verify (attached payload), for messages whose algorithm is
 * fixed by the key rather than named in a header (stadspas key-binding
 * signatures: the pass's holder COSE_Key fixes it). An alg header, if
 * present anyway, must match the key.
 */
SP_NODISCARD int cose_sign1_verify_keyalg(const struct cose_sign1 *m,
    const struct sig_pub *k, const uint8_t *aad, size_t aad_len);

/*
 * Appends a COSE_Sign1 signed by k, with protected header {1: alg,
 * [3: cty,] [4: kid]} (cty < 0 or kid == NULL leave them out) and an
 * empty unprotected header. flags: COSE_F_TAGGED, COSE_F_DETACHED,
 * COSE_F_ALG_IMPLIED (leave alg out; with no kid and no cty the protected
 * header is then the empty byte string).
 */
int cose_sign1_sign(struct sp_buf *out, const struct sig_priv *k,
    const uint8_t *kid, size_t kid_len, int64_t cty, const uint8_t *payload,
    size_t payload_len, const uint8_t *aad, size_t aad_len, unsigned flags);

/* Protected header parameters beside alg, for cose_sign1_sign_hdr. */
struct cose_hdr_spec {
	const uint8_t *kid;	/* NULL: no kid */
	size_t kid_len;
	int64_t cty;		/* < 0: no content type */
	const char *typ;	/* NULL: no typ (RFC 9596), else its text */
};

/* As cose_sign1_sign, with a typ header too (status list tokens). */
int cose_sign1_sign_hdr(struct sp_buf *out, const struct sig_priv *k,
    const struct cose_hdr_spec *h, const uint8_t *payload,
    size_t payload_len, const uint8_t *aad, size_t aad_len, unsigned flags);

/* Appends the Sig_structure ("Signature1", protected, aad, payload). */
int cose_sig_structure(struct sp_buf *out, const uint8_t *prot,
    size_t prot_len, const uint8_t *aad, size_t aad_len,
    const uint8_t *payload, size_t payload_len);

/*
 * COSE_Key of a public key, deterministic: Ed25519 {1: 1, -1: 6, -2: x};
 * P-256 {1: 2, -1: 1, -2: x, -3: y-sign (bool)} (compressed point,
 * RFC 9053 section 7.1.1).
 */
void cose_key_encode(struct cbor_enc *e, const struct sig_pub *k);
/* Reads one COSE_Key map from r (compressed or full EC2 y). Unsupported
 * curves (Ed448, P-384, ...) give SP_ERR_UNSUPPORTED_ALG; private parts
 * (-4) are refused with SP_ERR_KEY. */
int cose_key_decode(struct sig_pub *k, struct cbor_reader *r);
/* The same for a key a verified signature vouches for (see
 * sig_pub_from_raw_vouched). */
int cose_key_decode_vouched(struct sig_pub *k, struct cbor_reader *r);

#endif /* STADSPAS_CORE_COSE_H */
