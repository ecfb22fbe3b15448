/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inspection of a QR payload string ("SP1:" stadspas presentation or "HC1:"
 * EU DCC): runs the whole decode pipeline, optionally verifies it with one
 * given key at a given time, and records what it decoded and the first
 * step that failed. Sans-IO: used by `stadspas inspect`, the DCC
 * conformance test and a fuzz target. Thread-safe for distinct results.
 */
#ifndef STADSPAS_CORE_INSPECT_H
#define STADSPAS_CORE_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sig.h"
#include "sp_buf.h"

struct sp_presentation;

/* "Do not check exp/nbf" for insp_opts.at. */
#define INSP_NO_TIME INT64_MIN

/* The pipeline's steps, in order. DECODE covers CBOR well-formedness, the
 * COSE_Sign1 structure and the CWT claims; VERIFY the signature(s); TIME
 * the exp/nbf window. */
enum insp_step {
	INSP_STEP_PREFIX = 0,
	INSP_STEP_BASE45,
	INSP_STEP_ZLIB,
	INSP_STEP_DECODE,
	INSP_STEP_VERIFY,
	INSP_STEP_TIME,
	INSP_STEP_COUNT
};

enum insp_status {
	INSP_SKIPPED = 0,	/* not run: no key / no time, or an earlier
				 * step failed */
	INSP_PASS = 1,
	INSP_FAIL = 2,
};

enum insp_kind {
	INSP_KIND_UNKNOWN = 0,
	INSP_KIND_SP1 = 1,
	INSP_KIND_HC1 = 2,
};

struct insp_opts {
	/* Key to verify with (borrowed), or NULL to decode only. For SP1
	 * it is the issuer's key. */
	const struct sig_pub *key;
	/* SP_OK, or why the caller's key could not be loaded (e.g.
	 * SP_ERR_UNSUPPORTED_ALG for an RSA or P-384 certificate): then the
	 * payload is decoded and VERIFY fails with this code. */
	int key_err;
	/* Unix seconds for the exp/nbf check, or INSP_NO_TIME. */
	int64_t at;
};

struct insp_result {
	int err;		/* SP_OK or the first failing step's code */
	const char *error;	/* NULL or its token (insp_token) */
	enum insp_step failed;	/* valid when err != SP_OK */
	enum insp_status step[INSP_STEP_COUNT];
	enum insp_kind kind;
	bool verified;		/* a key was given and verification passed */

	/* What was decoded; meaningful once DECODE got that far. */
	struct sp_buf cbor;	/* the whole transport payload */
	const uint8_t *payload;	/* HC1: the COSE payload (CWT claims);
				 * SP1: the presentation; into cbor */
	size_t payload_len;
	bool has_alg;
	bool alg_is_text;
	int64_t alg;		/* COSE alg number */
	const uint8_t *kid;	/* into cbor, or NULL */
	size_t kid_len;
	bool tagged;		/* HC1: COSE_Sign1 carried tag 18 */
	/* CWT claims (HC1) or pass validity (verified SP1). exp is rounded
	 * down and nbf up when the token carries fractional seconds. */
	bool has_iss, has_iat, has_exp, has_nbf;
	const char *iss;	/* not NUL-terminated; into cbor */
	size_t iss_len;
	int64_t iat, exp, nbf;
	/* SP1 with a key: the verified presentation (owned). */
	struct sp_presentation *pres;
};

void insp_result_init(struct insp_result *res);
/* Frees everything res owns; res can be reused after insp_result_init. */
void insp_result_clear(struct insp_result *res);

/*
 * Runs the pipeline on text[0..len) (no NUL needed; surrounding ASCII
 * whitespace ignored): prefix, Base45, zlib, CBOR + COSE_Sign1 (tagged or
 * not) + CWT claims (HC1) or presentation structure (SP1), then, with a
 * key, the signature(s), and with a time, exp/nbf. HC1: expired if
 * at > exp, not yet valid if at < nbf, no skew (as the DCC test data
 * expects). SP1: sp_presentation_verify's rules (exp exclusive, 300 s
 * skew, presentation time at most 300 s ahead; any age accepted, since
 * QR strings are inspected later); without a key the credential's
 * unverified exp/nbf under the same rules. res must have been
 * initialised; it is filled in as far as the input got. Returns res->err:
 * SP_OK if every step that ran passed. SP_ERR_INVALID_ARG for NULL args.
 */
int insp_run(struct insp_result *res, const char *text, size_t len,
    const struct insp_opts *opts);

/*
 * The stable token for an error of insp_run: "prefix", "base45", "zlib",
 * "cbor", "cose", "signature", "key", "unsupported_alg", "expired",
 * "not_yet_valid", "too_large" or (for anything else) sp_errtoken(err).
 */
const char *insp_token(int err);

/* Name of an algorithm ("ES256", "EdDSA", "PS256", "ES384", ...) or NULL
 * if the number is not one we know by name. */
const char *insp_alg_name(int64_t alg);

/*
 * Parses an RFC 3339 date-time ("2021-06-01T10:00:00Z",
 * "2021-05-17T13:46:12.651+01:00"; 't'/' ' separator and 'z' accepted;
 * fractions truncated) or decimal Unix seconds (optionally negative) into
 * *t. s must be NUL-terminated. SP_OK or SP_ERR_INVALID_ARG.
 */
int insp_parse_time(int64_t *t, const char *s);

/*
 * Loads a verification key from file contents. As a certificate (PEM or
 * DER X.509) if cert, else as a public key: a COSE_Key (CBOR), PEM/DER
 * SubjectPublicKeyInfo, or a raw 32-byte Ed25519 key, tried in that
 * order. SP_OK, SP_ERR_UNSUPPORTED_ALG (RSA, P-384, Ed448, ...) or
 * SP_ERR_KEY. On failure *k is cleared.
 */
int insp_key_load(struct sig_pub *k, const uint8_t *buf, size_t len,
    bool cert);

#endif /* STADSPAS_CORE_INSPECT_H */
