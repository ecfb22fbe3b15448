/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one error space of stadspas. SP_OK is 0, every failure is a distinct
 * negative constant. Values are stable ABI: never renumber, only append.
 */
#ifndef STADSPAS_SP_ERR_H
#define STADSPAS_SP_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define SP_NODISCARD __attribute__((warn_unused_result))
#define SP_EXPORT __attribute__((visibility("default")))
#else
#define SP_NODISCARD
#define SP_EXPORT
#endif

enum sp_err {
	SP_OK = 0,
	SP_ERR_INVALID_ARG = -1,	/* caller passed NULL/zero/out-of-range */
	SP_ERR_NOMEM = -2,		/* allocation failed */
	SP_ERR_INTERNAL = -3,		/* a dependency failed unexpectedly */
	SP_ERR_UNSUPPORTED = -4,	/* valid but not supported (e.g. alg) */
	SP_ERR_TOO_LARGE = -5,		/* input exceeds a configured limit */
	SP_ERR_BUFFER_SMALL = -6,	/* output buffer too small */
	SP_ERR_RANDOM = -7,		/* randomness source failed */

	/* CBOR decoding: -20 .. -39 */
	SP_ERR_CBOR_TRUNCATED = -20,	/* input ends inside an item */
	SP_ERR_CBOR_TRAILING = -21,	/* bytes after the top-level item */
	SP_ERR_CBOR_MALFORMED = -22,	/* reserved additional info, bad simple */
	SP_ERR_CBOR_NONCANONICAL = -23,	/* non-shortest head or float */
	SP_ERR_CBOR_INDEFINITE = -24,	/* indefinite length where forbidden */
	SP_ERR_CBOR_DEPTH = -25,	/* nesting deeper than the limit */
	SP_ERR_CBOR_DUP_KEY = -26,	/* a map repeats a key */
	SP_ERR_CBOR_KEY_ORDER = -27,	/* map keys not in canonical order */
	SP_ERR_CBOR_TYPE = -28,		/* item of an unexpected type */
	SP_ERR_CBOR_LIMIT = -29,	/* item count / string length cap hit */
	SP_ERR_CBOR_UTF8 = -30,		/* text string is not valid UTF-8 */
	SP_ERR_CBOR_UNKNOWN_KEY = -31,	/* a map holds a key the spec lacks */
	SP_ERR_CBOR_MISSING_KEY = -32,	/* a required map key is absent */
	SP_ERR_CBOR_VALUE = -33,	/* value out of the allowed range */

	/* Transport: -40 .. -49 */
	SP_ERR_PREFIX = -40,		/* missing or unknown "SP1:"/"HC1:" */
	SP_ERR_BASE45 = -41,		/* bad Base45 character/group/length */
	SP_ERR_ZLIB = -42,		/* corrupt zlib stream */
	SP_ERR_ZLIB_BOMB = -43,		/* decompressed size over the ceiling */

	/* COSE and signatures: -50 .. -69 */
	SP_ERR_COSE = -50,		/* not a well-formed COSE_Sign1 */
	SP_ERR_COSE_TAG = -51,		/* wrong CBOR tag */
	SP_ERR_COSE_HEADER = -52,	/* bad/duplicate header parameter */
	SP_ERR_UNSUPPORTED_ALG = -53,	/* alg absent, unknown or refused */
	SP_ERR_SIGNATURE = -54,		/* signature does not verify */
	SP_ERR_KEY = -55,		/* key unusable: bad point, wrong type */
	SP_ERR_UNKNOWN_KID = -56,	/* no trusted key with that kid */
	SP_ERR_KEY_MISMATCH = -57,	/* key type does not fit alg */

	/* Credentials and presentations: -70 .. -99 */
	SP_ERR_EXPIRED = -70,		/* now > exp (+ skew) */
	SP_ERR_NOT_YET_VALID = -71,	/* now < nbf (- skew) */
	SP_ERR_CLAIMS = -72,		/* claims missing or malformed */
	SP_ERR_DISCLOSURE = -73,	/* disclosure not committed by issuer */
	SP_ERR_HOLDER_BINDING = -74,	/* key-binding signature invalid */
	SP_ERR_STALE = -75,		/* presentation time too old */
	SP_ERR_FUTURE = -76,		/* presentation time in the future */
	SP_ERR_AUDIENCE = -77,		/* audience differs from the verifier */
	SP_ERR_NONCE = -78,		/* nonce differs from the expected one */
	SP_ERR_VERSION = -79,		/* unknown format version */
	SP_ERR_NOT_FOUND = -80,		/* requested claim/item not present */

	/* Registry (status log, checkpoints, sync): -100 .. -119 */
	SP_ERR_REG_GAP = -100,		/* delta does not start at my size */
	SP_ERR_REG_REORDER = -101,	/* events out of sequence order */
	SP_ERR_REG_DUPLICATE = -102,	/* an event repeated or already
					 * applied */
	SP_ERR_REG_FORK = -103,		/* same size, different head */
	SP_ERR_REG_ROLLBACK = -104,	/* checkpoint older than mine */
	SP_ERR_REG_DIGEST = -105,	/* list digest differs from the
					 * checkpoint's */
	SP_ERR_REG_LIST = -106,		/* wrong list id, bits or size */
	SP_ERR_REG_TRANSITION = -107,	/* status change not allowed (e.g.
					 * reinstating a revoked pass) */
	SP_ERR_REG_FULL = -108,		/* no free status index left */
	SP_ERR_STORAGE = -109,		/* the database failed (I/O, corrupt) */
	SP_ERR_STORAGE_FULL = -110,	/* disk or map full */
	SP_ERR_REG_NOT_READY = -111,	/* mirror not bootstrapped */

	/* Wallet (wallet-core, external signers): -120 .. -139 */
	SP_ERR_WALLET_PIN = -120,	/* wrong PIN */
	SP_ERR_WALLET_KEY = -121,	/* wrong store key */
	SP_ERR_WALLET_LOCKED = -122,	/* too many wrong PINs: wait */
	SP_ERR_WALLET_CORRUPT = -123,	/* store fails authentication or
					 * is malformed */
	SP_ERR_WALLET_EXISTS = -124,	/* a store of that name exists */
	SP_ERR_WALLET_NO_STORE = -125,	/* no store of that name */
	SP_ERR_WALLET_FOREIGN_KEY = -126, /* a copy is bound to a key this
					 * request did not generate */
	SP_ERR_WALLET_CLAIMS = -127,	/* copies differ, or lack or change
					 * a claim asked for */
	SP_ERR_WALLET_BATCH = -128,	/* batch malformed: empty, too
					 * many, a key used twice */
	SP_ERR_WALLET_NO_REQUEST = -129, /* no issuance request pending */
	SP_ERR_WALLET_REFUSED = -130,	/* the issuer answered an error */
	SP_ERR_WALLET_NO_PASS = -131,	/* no pass with that id */
	SP_ERR_WALLET_NO_COPY = -132,	/* every copy used or not valid
					 * now: refresh */
	SP_ERR_WALLET_NOT_ELIGIBLE = -133, /* pass lacks what the offer
					 * needs */
	SP_ERR_WALLET_SIGNER = -134,	/* external signer failed or gave
					 * a bad signature */
	SP_ERR_WALLET_FULL = -135,	/* wallet holds the most passes */
	SP_ERR_WALLET_NOT_SHOWN = -136,	/* nothing being presented */
};

/* Returns a static, human-readable name for an error code. Thread-safe. */
SP_EXPORT const char *sp_strerror(int err);

/* Returns a short stable token for an error code, e.g. "signature". */
SP_EXPORT const char *sp_errtoken(int err);

#ifdef __cplusplus
}
#endif

#endif /* STADSPAS_SP_ERR_H */
