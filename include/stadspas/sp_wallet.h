/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wallet-core: the resident's wallet behind a C ABI for phone apps
 * (libstadspas-wallet.so). Holder keys, an encrypted crash-safe store of
 * passes, issuance (request body out, response in: the app does the HTTP),
 * presentations for offers (SP1 QR text, rendered as terminal text or PNG).
 * docs/API.md "Wallet (wallet-core)" is the reference, docs/FORMATS.md
 * "Wallet store" the file format.
 *
 * The library does no I/O of its own: files, clock, randomness and hardware
 * keys come through struct sp_wallet_ops, which the app implements (or
 * takes from the POSIX reference helpers below).
 *
 * Thread safety: there is no global state (apart from libsodium's one-time
 * initialisation). A struct sp_wallet is not thread-safe: use each one
 * from one thread at a time. Distinct wallets may be used from distinct
 * threads. Open a store at most once at a time (one process, one object):
 * two open objects on one store overwrite each other's changes.
 *
 * Ownership: every _new/_create/_open result is freed with its _free;
 * strings and bytes the library returns are freed with
 * sp_wallet_str_free / sp_wallet_bytes_free (they may hold personal data
 * and are wiped). Pointer arguments are borrowed for the call only, except
 * the ops context, which must live until the wallet is freed.
 *
 * Errors are the stable codes of sp_err.h (the wallet's own from -120 on);
 * output parameters are written only on SP_OK.
 */
#ifndef STADSPAS_SP_WALLET_H
#define STADSPAS_SP_WALLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SP_WALLET_OPS_VERSION 1
#define SP_WALLET_KEY_LEN 32		/* store key from a platform keystore */
#define SP_WALLET_HANDLE_MAX 64		/* hardware key handle, bytes */
#define SP_WALLET_COSE_MAX 128		/* a public COSE_Key, bytes */
#define SP_WALLET_BATCH_DEFAULT 10	/* pass copies per issuance */
#define SP_WALLET_BATCH_MAX 16
#define SP_WALLET_MAX_PASSES 8		/* passes per wallet (household) */
#define SP_WALLET_NAME_MAX 48		/* store name, bytes */
#define SP_WALLET_LABEL_MAX 64		/* pass label, bytes */
#define SP_WALLET_PIN_MIN 4		/* PIN, bytes */
#define SP_WALLET_PIN_MAX 64
#define SP_WALLET_REFRESH 30		/* seconds before a shown QR is
					 * re-signed */

/* Argon2id cost of a PIN-protected store: the production default. */
#define SP_WALLET_KDF_OPSLIMIT 3
#define SP_WALLET_KDF_MEMLIMIT (64u * 1024u * 1024u)	/* bytes */

/* ---- Platform operations --------------------------------------------- */

/*
 * What the app provides. The wallet copies the struct; ctx must outlive
 * the wallet. All callbacks run synchronously on the thread calling into
 * the library. Return codes are SP_OK or an SP_ERR_* code.
 *
 * read          Reads the whole file called name into buf[0..cap): SP_OK
 *               with *len its size; SP_ERR_BUFFER_SMALL with *len its size
 *               if it does not fit (the library retries with that much);
 *               SP_ERR_NOT_FOUND if there is no such file; SP_ERR_STORAGE
 *               on failure. Required.
 * write_atomic  Replaces the file called name with buf[0..len) so that,
 *               whenever it is interrupted (crash, power loss), a later
 *               read returns either the old or the new contents, and
 *               the new ones once it returns SP_OK (temp file, fsync,
 *               rename, fsync the directory: sp_wallet_posix_write_atomic
 *               does this). SP_ERR_STORAGE or SP_ERR_STORAGE_FULL on
 *               failure. Required.
 * now           The current time, Unix seconds. Required. The PIN back-off
 *               trusts it: give it a clock the user cannot set back or
 *               forward cheaply where the platform has one.
 * random        Fills buf with len cryptographically secure random bytes.
 *               Optional: NULL uses libsodium's randombytes (recommended;
 *               tests inject a deterministic one).
 * hw_keygen     Creates a P-256 key in secure hardware (Secure Enclave,
 *               StrongBox) for SP_WALLET_KEY_HARDWARE: writes an opaque
 *               handle (at most SP_WALLET_HANDLE_MAX bytes; *handle_len in:
 *               capacity, out: length) that names the key to hw_sign
 *               later, and its public COSE_Key (*cose_key_len likewise,
 *               SP_WALLET_COSE_MAX). Optional.
 * hw_sign       Signs msg with the hardware key handle: ECDSA P-256 over
 *               SHA-256(msg), the signature as raw r || s (64 bytes), as
 *               struct sp_signer's sign does (sp_pass.h). May block for a
 *               biometric prompt. Optional (required with hw_keygen).
 * hw_delete     The wallet no longer needs the key handle (its pass copy
 *               was replaced or removed). Optional.
 * log           Debug messages ("function: text"), never secrets or
 *               personal data. Optional.
 */
struct sp_wallet_ops {
	uint32_t version;	/* SP_WALLET_OPS_VERSION */
	void *ctx;
	int (*read)(void *ctx, const char *name, uint8_t *buf, size_t cap,
	    size_t *len);
	int (*write_atomic)(void *ctx, const char *name, const uint8_t *buf,
	    size_t len);
	int64_t (*now)(void *ctx);
	int (*random)(void *ctx, uint8_t *buf, size_t len);
	int (*hw_keygen)(void *ctx, uint8_t *handle, size_t *handle_len,
	    uint8_t *cose_key, size_t *cose_key_len);
	int (*hw_sign)(void *ctx, const uint8_t *handle, size_t handle_len,
	    uint8_t sig[64], const uint8_t *msg, size_t msg_len);
	void (*hw_delete)(void *ctx, const uint8_t *handle,
	    size_t handle_len);
	void (*log)(void *ctx, const char *msg);
};

/*
 * POSIX reference implementation of read, write_atomic and now for a
 * directory (files mode 0600: a temp file "<name>.tmp" written, fsync'd,
 * renamed over "<name>", then the directory fsync'd). Not for two
 * processes writing one store at once.
 */
struct sp_wallet_posix;

/* Opens dir (which must exist). */
SP_EXPORT int sp_wallet_posix_new(struct sp_wallet_posix **out,
    const char *dir);
SP_EXPORT void sp_wallet_posix_free(struct sp_wallet_posix **pp);
/* Fills *ops: version, ctx = p, read, write_atomic, now (the system's
 * real-time clock); the other callbacks NULL. */
SP_EXPORT void sp_wallet_posix_ops(struct sp_wallet_posix *p,
    struct sp_wallet_ops *ops);
/* The callbacks themselves, ctx a struct sp_wallet_posix. */
SP_EXPORT int sp_wallet_posix_read(void *ctx, const char *name,
    uint8_t *buf, size_t cap, size_t *len);
SP_EXPORT int sp_wallet_posix_write_atomic(void *ctx, const char *name,
    const uint8_t *buf, size_t len);
SP_EXPORT int64_t sp_wallet_posix_now(void *ctx);

/* ---- Opening and closing ---------------------------------------------- */

struct sp_wallet;

/* Argon2id cost for a PIN (crypto_pwhash_ALG_ARGON2ID13): opslimit 1..16,
 * memlimit 8 KiB .. 1 GiB. Pass NULL for the production default
 * (SP_WALLET_KDF_OPSLIMIT, SP_WALLET_KDF_MEMLIMIT). */
struct sp_wallet_kdf {
	uint64_t opslimit;
	uint64_t memlimit;	/* bytes */
};

/*
 * Creates a new, empty store called name (1..SP_WALLET_NAME_MAX bytes of
 * [A-Za-z0-9._-], starting with a letter or digit; the library also uses
 * "<name>.guard") and opens it. The store key is either 32 bytes from the
 * platform keystore (_key) or derived from a PIN (_pin, 4..64 bytes) with
 * Argon2id; wipe your copies. SP_ERR_WALLET_EXISTS if name exists.
 */
SP_EXPORT int sp_wallet_create_key(struct sp_wallet **out,
    const struct sp_wallet_ops *ops, const char *name,
    const uint8_t key[SP_WALLET_KEY_LEN]);
SP_EXPORT int sp_wallet_create_pin(struct sp_wallet **out,
    const struct sp_wallet_ops *ops, const char *name, const char *pin,
    const struct sp_wallet_kdf *kdf);

/*
 * Opens an existing store. SP_ERR_WALLET_NO_STORE if there is none,
 * SP_ERR_WALLET_KEY for a wrong key, SP_ERR_WALLET_CORRUPT if the file
 * fails authentication, SP_ERR_VERSION for a newer format,
 * SP_ERR_INVALID_ARG if the store uses the other kind of secret.
 *
 * With a PIN, failed attempts are counted in "<name>.guard" before the
 * PIN is checked: SP_ERR_WALLET_PIN for a wrong PIN, SP_ERR_WALLET_LOCKED
 * while a back-off is running (no attempt is made). Either way *wait (if
 * not NULL) is set to the seconds until the next attempt is allowed (0:
 * now). The first 3 consecutive failures cost nothing, the 4th and later
 * 30 s, doubling each time, at most one day.
 */
SP_EXPORT int sp_wallet_open_key(struct sp_wallet **out,
    const struct sp_wallet_ops *ops, const char *name,
    const uint8_t key[SP_WALLET_KEY_LEN]);
SP_EXPORT int sp_wallet_open_pin(struct sp_wallet **out, int64_t *wait,
    const struct sp_wallet_ops *ops, const char *name, const char *pin);

/* The back-off state of a PIN store without trying a PIN: consecutive
 * failures and seconds until the next attempt (0: now). */
SP_EXPORT int sp_wallet_pin_state(uint32_t *failures, int64_t *wait,
    const struct sp_wallet_ops *ops, const char *name);

/* Re-protects an open store with a new PIN (fresh salt) or a new key. */
SP_EXPORT int sp_wallet_set_pin(struct sp_wallet *w, const char *pin,
    const struct sp_wallet_kdf *kdf);
SP_EXPORT int sp_wallet_set_key(struct sp_wallet *w,
    const uint8_t key[SP_WALLET_KEY_LEN]);

/* Wipes and frees the wallet (the store on disk stays). Accepts NULL. */
SP_EXPORT void sp_wallet_free(struct sp_wallet **wp);

/* Saves so far (starts at 1, +1 per save). An app that keeps the last
 * value somewhere an attacker cannot roll back can detect an old store
 * file put back in place. */
SP_EXPORT uint64_t sp_wallet_generation(const struct sp_wallet *w);

/* ---- Issuance (docs/HTTP_API.md "Wallet issuance") -------------------- */

/* Kinds of holder key. */
enum sp_wallet_key_kind {
	SP_WALLET_KEY_ED25519 = 1,	/* libsodium, kept in the store */
	SP_WALLET_KEY_P256 = 2,		/* OpenSSL, kept in the store */
	SP_WALLET_KEY_HARDWARE = 3,	/* ops->hw_keygen/hw_sign */
};

struct sp_wallet_request {
	size_t batch;			/* copies (new keys); 0: default */
	int key_kind;			/* enum sp_wallet_key_kind; 0:
					 * Ed25519 */
	const char *label;		/* name shown for a new pass
					 * ("Noor"), or NULL */
	uint32_t renew;			/* 0, or the id of the pass this
					 * batch must renew */
	const char *const *claims;	/* claim names ("age_under_18") the
					 * pass must carry besides pass_no */
	size_t claim_count;
};

/*
 * Step 1 of issuance. nonce_json is the body of the POST /wallet/nonce
 * response ({"nonce": hex, "expires": int}); code the enrolment code (case,
 * spaces and dashes ignored). Generates req->batch fresh holder keys,
 * saves them in the store as the pending request (durable before this
 * returns, so a crash cannot lose keys the issuer is about to bind passes
 * to), and writes the body for POST /wallet/credential to *body
 * ({"code", "nonce", "proofs": [{"key", "sig"}]}, one proof of possession
 * per key; free with sp_wallet_str_free). Replaces an earlier pending
 * request. req may be NULL (defaults).
 */
SP_EXPORT int sp_wallet_issuance_request(struct sp_wallet *w, char **body,
    const char *code, const char *nonce_json, size_t nonce_json_len,
    const struct sp_wallet_request *req);

/*
 * Step 2: the body of the POST /wallet/credential response. Accepts the
 * batch only if every copy is signed by a key in trust (a COSE_KeySet, the
 * array of COSE_Keys of GET /registry/keys, or one COSE_Key), is bound to a
 * distinct key of the pending request, commits to exactly the claims it
 * carries, is not expired, and all copies carry the same claims, times and
 * issuer, including a pass number and every claim the request asked for.
 * Otherwise nothing changes and the error names the first problem:
 * SP_ERR_WALLET_REFUSED (an error body), SP_ERR_WALLET_NO_REQUEST,
 * SP_ERR_WALLET_BATCH, SP_ERR_UNKNOWN_KID, SP_ERR_SIGNATURE,
 * SP_ERR_WALLET_FOREIGN_KEY, SP_ERR_DISCLOSURE (a claim not committed by
 * the signature), SP_ERR_WALLET_CLAIMS, SP_ERR_EXPIRED, SP_ERR_CLAIMS or a
 * CBOR error (malformed pass), SP_ERR_WALLET_FULL.
 * On success the new copies replace the copies of the pass with the same
 * pass number (a renewal; copies still valid are kept while the new batch
 * is not yet valid), or form a new pass; *pass_id is its id. Durable
 * before this returns.
 */
SP_EXPORT int sp_wallet_issuance_accept(struct sp_wallet *w,
    uint32_t *pass_id, const char *response, size_t response_len,
    const uint8_t *trust, size_t trust_len);

/* Drops the pending request and its keys. */
SP_EXPORT int sp_wallet_issuance_cancel(struct sp_wallet *w);

/* ---- Passes ----------------------------------------------------------- */

/* Passes in the wallet; the id of the i-th (0 if i is out of range). Ids
 * are stable for the life of the store. */
SP_EXPORT size_t sp_wallet_pass_count(const struct sp_wallet *w);
SP_EXPORT uint32_t sp_wallet_pass_id(const struct sp_wallet *w, size_t i);

/*
 * A pass as JSON for the app to show: {"id", "label", "pass_no",
 * "issuer", "valid_from", "valid_until", "copies", "unused", "claims":
 * {"name", "birth_year", "age_under_18", ..., "categories": [..],
 * "limit_scopes": [..], "limit_categories": [..]}}. Holds personal data:
 * free with sp_wallet_str_free.
 */
SP_EXPORT int sp_wallet_pass_json(const struct sp_wallet *w, char **json,
    uint32_t pass_id);
SP_EXPORT int sp_wallet_pass_set_label(struct sp_wallet *w, uint32_t pass_id,
    const char *label);
/* Removes a pass with its copies, keys and counters (its history stays). */
SP_EXPORT int sp_wallet_pass_remove(struct sp_wallet *w, uint32_t pass_id);

/* The local history of presentations, oldest first (at most 256):
 * [{"time", "pass", "offer", "counter", "audience", "claims": [names]}]. */
SP_EXPORT int sp_wallet_history_json(const struct sp_wallet *w, char **json);

/* ---- Presenting ------------------------------------------------------- */

/* How often an offer may be used; the wallet discloses the limit tag of
 * the current period ("sport/2026", "swim/2026-W09", UTC). */
enum sp_wallet_period {
	SP_WALLET_PERIOD_NONE = 0,
	SP_WALLET_PERIOD_YEAR = 1,	/* "2026" */
	SP_WALLET_PERIOD_MONTH = 2,	/* "2026-03" */
	SP_WALLET_PERIOD_WEEK = 3,	/* ISO 8601 week, "2026-W09" */
	SP_WALLET_PERIOD_DAY = 4,	/* "2026-03-04" */
};

/*
 * What an offer needs (from the municipality's offers catalogue).
 * id        the offer id, >= 1 (signed into the key binding).
 * category  the entitlement category it is for ("sport"), or NULL.
 * claims    claim names it needs disclosed ("age_under_18"), claim_count
 *           of them; boolean claims must be true. Not "category",
 *           "limit_tag" or "limit_key" (category and limit say those).
 * limit_period / limit_scope
 *           its limit: a period kind, or an explicit scope
 *           "category/period" (which wins). Needs a category.
 */
struct sp_wallet_offer {
	uint64_t id;
	const char *category;
	const char *const *claims;
	size_t claim_count;
	int limit_period;		/* enum sp_wallet_period */
	const char *limit_scope;
};

/*
 * The signed offers catalogue (docs/FORMATS.md "Offers catalogue"; the
 * body of GET /registry/offers). _new checks the issuer signature with
 * trust (a COSE_KeySet or one COSE_Key, as for issuance) and decodes it
 * strictly: SP_ERR_UNKNOWN_KID, SP_ERR_SIGNATURE, SP_ERR_UNSUPPORTED_ALG,
 * SP_ERR_COSE*, SP_ERR_CBOR_* (malformed), SP_ERR_TOO_LARGE (over 1 MiB).
 * A catalogue whose version is lower than one seen before is a rollback:
 * keep the highest version and compare (sp_wallet_catalogue_version).
 * Immutable once made: may be read from several threads.
 */
struct sp_wallet_catalogue;

SP_EXPORT int sp_wallet_catalogue_new(struct sp_wallet_catalogue **out,
    const uint8_t *buf, size_t len, const uint8_t *trust, size_t trust_len);
SP_EXPORT void sp_wallet_catalogue_free(struct sp_wallet_catalogue **cp);
SP_EXPORT uint64_t sp_wallet_catalogue_version(
    const struct sp_wallet_catalogue *c);
/* Fills *offer for offer_id (SP_ERR_NOT_FOUND if absent): its category,
 * required claims and limit period. The strings are borrowed from c and
 * valid until it is freed. */
SP_EXPORT int sp_wallet_catalogue_offer(const struct sp_wallet_catalogue *c,
    struct sp_wallet_offer *offer, uint64_t offer_id);
/* The catalogue for the app to show: {"version", "issued", "offers":
 * [{"id", "title", "category", "claims", "limit": {"count", "period"} |
 * null, "amount_cents", "providers"}], "providers": [{"id", "name"}]}. */
SP_EXPORT int sp_wallet_catalogue_json(const struct sp_wallet_catalogue *c,
    char **json);

/* From the till's own QR, if it showed one. */
struct sp_wallet_present_opts {
	const char *audience;		/* provider id, at most 64 bytes */
	const uint8_t *nonce;		/* at most 32 bytes */
	size_t nonce_len;
	bool allow_reuse;		/* no unused copy left: reuse the
					 * least recently used valid copy
					 * instead of SP_ERR_WALLET_NO_COPY */
};

/*
 * Presents pass pass_id for an offer: discloses what the offer needs and
 * nothing else, with an unused pass copy valid now, signed (key binding:
 * time, audience, nonce, offer id, the next per-offer counter). Before
 * *qr is returned the copy is marked used, the counter advanced and a
 * history entry added, durably. *qr is the "SP1:" text (free with
 * sp_wallet_str_free). The wallet then shows this presentation until
 * sp_wallet_present_end or the next sp_wallet_present.
 * Errors: SP_ERR_WALLET_NO_PASS, SP_ERR_WALLET_NOT_ELIGIBLE,
 * SP_ERR_WALLET_NO_COPY (refresh the pass), SP_ERR_EXPIRED (every copy
 * expired), SP_ERR_WALLET_SIGNER, storage errors. opts may be NULL.
 */
SP_EXPORT int sp_wallet_present(struct sp_wallet *w, char **qr,
    uint32_t pass_id, const struct sp_wallet_offer *offer,
    const struct sp_wallet_present_opts *opts);

/*
 * The QR of the presentation being shown: re-signed with the current time
 * (same copy, offer, counter, audience and nonce; *resigned true) once it
 * is SP_WALLET_REFRESH seconds old or the clock went back, else the same
 * text again (*resigned false). Call it as often as you like (every
 * second); nothing is written to the store. SP_ERR_WALLET_NOT_SHOWN if
 * nothing is shown.
 */
SP_EXPORT int sp_wallet_present_refresh(struct sp_wallet *w, char **qr,
    bool *resigned);
/* Stops showing (wipes the cached presentation). */
SP_EXPORT void sp_wallet_present_end(struct sp_wallet *w);

/* ---- Rendering the QR ------------------------------------------------- */

#define SP_WALLET_QR_INVERT 1u	/* light modules as glyphs (dark
				 * terminals) */

/* QR code (error correction M) of text as UTF-8 half blocks, two module
 * rows per line, 2-module quiet zone, lines ending in "\n". */
SP_EXPORT int sp_wallet_qr_text(char **out, const char *text,
    unsigned flags);
/* The same as an 8-bit grayscale PNG, scale pixels per module (0: 8; at
 * most 32), 4-module quiet zone. Free with sp_wallet_bytes_free. */
SP_EXPORT int sp_wallet_qr_png(uint8_t **out, size_t *out_len,
    const char *text, unsigned scale);

/* Wipe and free what the library returned. Accept NULL. */
SP_EXPORT void sp_wallet_str_free(char *s);
SP_EXPORT void sp_wallet_bytes_free(void *p, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* STADSPAS_SP_WALLET_H */
