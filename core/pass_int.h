/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal layout of stadspas passes, issued passes and presentations,
 * shared by cred.c (issue), present.c (present, verify) and the wallet.
 * docs/FORMATS.md is the normative description.
 */
#ifndef STADSPAS_CORE_PASS_INT_H
#define STADSPAS_CORE_PASS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbor.h"
#include "sd.h"
#include "sig.h"
#include "stadspas/sp_pass.h"

#define PASS_FORMAT_VERSION 1	/* issued-pass and presentation arrays */
#define PASS_TYPE_V1 1		/* value of claim CLAIM_TYP */
#define PASS_MAX_ISS 64
#define PASS_MAX_LEN 4096	/* encoded pass / presentation ceiling */
#define PASS_MAX_SCOPE 64

/* CWT claim keys of the pass payload (RFC 8392 + stadspas private). */
enum pass_claim {
	CLAIM_ISS = 1,
	CLAIM_EXP = 4,
	CLAIM_NBF = 5,
	CLAIM_IAT = 6,
	CLAIM_CNF = 8,
	CLAIM_TYP = -1,		/* pass type/version */
	CLAIM_STATUS = -2,	/* [list, idx] */
	CLAIM_SD = -3,		/* [leaf count, root] */
};

/* Key-binding payload keys. */
enum kb_claim {
	KB_TIME = 1,
	KB_AUD = 2,
	KB_NONCE = 3,
	KB_OFFER = 4,
	KB_COUNTER = 5,
};

#define CNF_COSE_KEY 1	/* RFC 8747: cnf {1: COSE_Key} */

/* Decoded pass claims; pointers borrow from the payload. */
struct pass_claims {
	const char *iss;
	size_t iss_len;
	int64_t iat, nbf, exp;
	const uint8_t *cnf_key;	/* raw COSE_Key bytes */
	size_t cnf_key_len;
	uint32_t status_list, status_idx;
	uint32_t sd_count;
	uint8_t sd_root[SD_HASH_LEN];
};

/* Decodes and checks a pass payload (deterministic CBOR, known keys only,
 * required claims present). SP_ERR_CLAIMS or a CBOR error. */
int pass_claims_decode(struct pass_claims *c, const uint8_t *payload,
    size_t len);

/* Limits every stadspas object is parsed with. */
extern const struct cbor_limits pass_cbor_limits;

struct sp_key {
	struct sig_priv priv;
};

struct cose_sign1;

/*
 * Verifies m with the trusted issuer key(s) carrying m's kid (protected or,
 * for foreign tokens, unprotected). SP_OK, SP_ERR_UNKNOWN_KID (no kid or no
 * key with it), or the last verification error.
 */
int trust_verify(const struct sp_trust *t, const struct cose_sign1 *m);

/* kid of a public key: SHA-256(COSE_Key)[0..4). */
int pass_kid_of(const struct sig_pub *k, uint8_t kid[SP_KID_LEN]);

struct sp_pass_builder;
/*
 * As sp_pass_builder_set_holder for a COSE_Key the caller has decoded,
 * validated and canonicalised before (the issuer's stored holder keys):
 * copies the bytes without decoding them again (point validation costs
 * about one signature). 1..128 bytes.
 */
int pass_builder_set_holder_canonical(struct sp_pass_builder *b,
    const uint8_t *cose_key, size_t len);

#endif /* STADSPAS_CORE_PASS_INT_H */
