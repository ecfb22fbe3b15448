/* SPDX-License-Identifier: Apache-2.0 */
/* Names for the error codes of include/stadspas/sp_err.h. */
#include "stadspas/sp_err.h"

#include <stddef.h>

struct err_name {
	int code;
	const char *token;	/* short, stable, machine-readable */
	const char *text;	/* for humans */
};

static const struct err_name err_names[] = {
	{ SP_OK, "ok", "success" },
	{ SP_ERR_INVALID_ARG, "invalid_arg", "invalid argument" },
	{ SP_ERR_NOMEM, "nomem", "out of memory" },
	{ SP_ERR_INTERNAL, "internal", "internal error in a dependency" },
	{ SP_ERR_UNSUPPORTED, "unsupported", "not supported" },
	{ SP_ERR_TOO_LARGE, "too_large", "input exceeds a size limit" },
	{ SP_ERR_BUFFER_SMALL, "buffer_small", "output buffer too small" },
	{ SP_ERR_RANDOM, "random", "randomness source failed" },
	{ SP_ERR_CBOR_TRUNCATED, "cbor", "CBOR: input ends inside an item" },
	{ SP_ERR_CBOR_TRAILING, "cbor", "CBOR: bytes after the item" },
	{ SP_ERR_CBOR_MALFORMED, "cbor", "CBOR: not well-formed" },
	{ SP_ERR_CBOR_NONCANONICAL, "cbor",
	    "CBOR: not in deterministic (shortest) encoding" },
	{ SP_ERR_CBOR_INDEFINITE, "cbor",
	    "CBOR: indefinite length not allowed" },
	{ SP_ERR_CBOR_DEPTH, "cbor", "CBOR: nesting too deep" },
	{ SP_ERR_CBOR_DUP_KEY, "cbor", "CBOR: duplicate map key" },
	{ SP_ERR_CBOR_KEY_ORDER, "cbor", "CBOR: map keys out of order" },
	{ SP_ERR_CBOR_TYPE, "cbor", "CBOR: unexpected item type" },
	{ SP_ERR_CBOR_LIMIT, "cbor", "CBOR: count or length limit exceeded" },
	{ SP_ERR_CBOR_UTF8, "cbor", "CBOR: text string is not valid UTF-8" },
	{ SP_ERR_CBOR_UNKNOWN_KEY, "cbor", "CBOR: unknown map key" },
	{ SP_ERR_CBOR_MISSING_KEY, "cbor", "CBOR: required map key missing" },
	{ SP_ERR_CBOR_VALUE, "cbor", "CBOR: value out of range" },
	{ SP_ERR_PREFIX, "prefix", "missing or unknown payload prefix" },
	{ SP_ERR_BASE45, "base45", "invalid Base45" },
	{ SP_ERR_ZLIB, "zlib", "corrupt zlib data" },
	{ SP_ERR_ZLIB_BOMB, "zlib", "decompressed size over the limit" },
	{ SP_ERR_COSE, "cose", "not a well-formed COSE_Sign1" },
	{ SP_ERR_COSE_TAG, "cose", "wrong COSE tag" },
	{ SP_ERR_COSE_HEADER, "cose", "invalid COSE header" },
	{ SP_ERR_UNSUPPORTED_ALG, "unsupported_alg",
	    "unsupported or missing algorithm" },
	{ SP_ERR_SIGNATURE, "signature", "signature does not verify" },
	{ SP_ERR_KEY, "key", "invalid or unusable key" },
	{ SP_ERR_UNKNOWN_KID, "key", "no trusted key for this key id" },
	{ SP_ERR_KEY_MISMATCH, "key", "key does not match the algorithm" },
	{ SP_ERR_EXPIRED, "expired", "expired" },
	{ SP_ERR_NOT_YET_VALID, "not_yet_valid", "not yet valid" },
	{ SP_ERR_CLAIMS, "claims", "claims missing or malformed" },
	{ SP_ERR_DISCLOSURE, "disclosure",
	    "disclosure not committed by the issuer" },
	{ SP_ERR_HOLDER_BINDING, "holder_binding",
	    "holder key-binding signature invalid" },
	{ SP_ERR_STALE, "stale", "presentation too old" },
	{ SP_ERR_FUTURE, "future", "presentation time is in the future" },
	{ SP_ERR_AUDIENCE, "audience", "presentation is for another verifier" },
	{ SP_ERR_NONCE, "nonce", "nonce does not match" },
	{ SP_ERR_VERSION, "version", "unknown format version" },
	{ SP_ERR_NOT_FOUND, "not_found", "not found" },
	{ SP_ERR_REG_GAP, "gap", "registry: delta does not follow my log" },
	{ SP_ERR_REG_REORDER, "reorder", "registry: events out of order" },
	{ SP_ERR_REG_DUPLICATE, "duplicate",
	    "registry: event repeated or already applied" },
	{ SP_ERR_REG_FORK, "fork",
	    "registry: log forked (same size, different head)" },
	{ SP_ERR_REG_ROLLBACK, "rollback",
	    "registry: checkpoint older than the one I have" },
	{ SP_ERR_REG_DIGEST, "digest",
	    "registry: status list does not match the checkpoint" },
	{ SP_ERR_REG_LIST, "list", "registry: wrong status list" },
	{ SP_ERR_REG_TRANSITION, "transition",
	    "registry: status change not allowed" },
	{ SP_ERR_REG_FULL, "full", "registry: no free status index" },
	{ SP_ERR_STORAGE, "storage", "storage failed" },
	{ SP_ERR_STORAGE_FULL, "storage_full", "storage full" },
	{ SP_ERR_REG_NOT_READY, "not_ready", "registry mirror not bootstrapped" },
	{ SP_ERR_WALLET_PIN, "wallet_pin", "wallet: wrong PIN" },
	{ SP_ERR_WALLET_KEY, "wallet_key", "wallet: wrong store key" },
	{ SP_ERR_WALLET_LOCKED, "wallet_locked",
	    "wallet: too many wrong PINs, try again later" },
	{ SP_ERR_WALLET_CORRUPT, "wallet_corrupt",
	    "wallet: store damaged or tampered with" },
	{ SP_ERR_WALLET_EXISTS, "wallet_exists", "wallet: store exists" },
	{ SP_ERR_WALLET_NO_STORE, "wallet_no_store", "wallet: no such store" },
	{ SP_ERR_WALLET_FOREIGN_KEY, "wallet_foreign_key",
	    "wallet: pass copy bound to a key this wallet did not ask for" },
	{ SP_ERR_WALLET_CLAIMS, "wallet_claims",
	    "wallet: pass copies differ or miss a requested claim" },
	{ SP_ERR_WALLET_BATCH, "wallet_batch", "wallet: malformed batch" },
	{ SP_ERR_WALLET_NO_REQUEST, "wallet_no_request",
	    "wallet: no issuance request pending" },
	{ SP_ERR_WALLET_REFUSED, "wallet_refused",
	    "wallet: the issuer refused the request" },
	{ SP_ERR_WALLET_NO_PASS, "wallet_no_pass", "wallet: no such pass" },
	{ SP_ERR_WALLET_NO_COPY, "wallet_no_copy",
	    "wallet: no unused valid pass copy left, refresh the pass" },
	{ SP_ERR_WALLET_NOT_ELIGIBLE, "wallet_not_eligible",
	    "wallet: pass does not qualify for this offer" },
	{ SP_ERR_WALLET_SIGNER, "wallet_signer",
	    "external signer failed or returned a bad signature" },
	{ SP_ERR_WALLET_FULL, "wallet_full", "wallet: too many passes" },
	{ SP_ERR_WALLET_NOT_SHOWN, "wallet_not_shown",
	    "wallet: no presentation is being shown" },
};

static const struct err_name *
err_lookup(int err)
{
	size_t i;

	for (i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++)
		if (err_names[i].code == err)
			return &err_names[i];
	return NULL;
}

const char *
sp_strerror(int err)
{
	const struct err_name *e = err_lookup(err);

	return e != NULL ? e->text : "unknown error";
}

const char *
sp_errtoken(int err)
{
	const struct err_name *e = err_lookup(err);

	return e != NULL ? e->token : "unknown";
}
