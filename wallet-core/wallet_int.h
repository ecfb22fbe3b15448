/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of wallet-core shared by its modules: the decrypted wallet
 * state, the store file codec, holder keys, and struct sp_wallet itself.
 * docs/FORMATS.md "Wallet store" is the normative file format.
 */
#ifndef STADSPAS_WALLET_INT_H
#define STADSPAS_WALLET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbor.h"
#include "cose.h"
#include "pass_int.h"
#include "sd.h"
#include "sp_buf.h"
#include "stadspas/sp_wallet.h"

#define WAL_MAX_COPIES 32	/* per pass: a batch and the one before */
#define WAL_MAX_COUNTERS 256	/* offers with a counter, per pass */
#define WAL_MAX_EVENTS 256	/* history entries kept */
#define WAL_COSE_MAX 80		/* canonical COSE_Key: at most 42 */
#define WAL_PASSNO_MAX 256
#define WAL_AUD_MAX 64
#define WAL_EVENT_CLAIMS 16	/* distinct claim keys per history entry */
#define WAL_REQ_CLAIMS 16	/* claim keys a request may ask for */
#define WAL_NONCE_LEN 32	/* issuance nonce */
#define WAL_FILE_MAX (1u << 20)	/* store file, bytes */
#define WAL_PAD_BLOCK 512	/* plaintext padded to a multiple */
#define WAL_STATE_VERSION 1

/* ---- State ------------------------------------------------------------ */

struct wal_key {
	int kind;			/* enum sp_wallet_key_kind */
	uint8_t secret[SP_SEED_LEN];	/* Ed25519 seed / P-256 scalar */
	uint8_t handle[SP_WALLET_HANDLE_MAX];	/* hardware key handle */
	size_t handle_len;
	uint8_t cose[WAL_COSE_MAX];	/* canonical public COSE_Key */
	size_t cose_len;
};

struct wal_copy {
	uint8_t *issued;		/* malloc'd issued pass */
	size_t issued_len;
	struct wal_key key;
	int64_t used;			/* first use, Unix s; 0 = never */
	int64_t nbf, exp;		/* from the credential */
};

struct wal_counter {
	uint64_t offer;
	uint64_t last;			/* last counter signed */
};

struct wal_pass {
	uint32_t id;
	char label[SP_WALLET_LABEL_MAX + 1];
	char pass_no[WAL_PASSNO_MAX + 1];
	size_t n_copies;
	struct wal_copy copies[WAL_MAX_COPIES];
	size_t n_counters;
	struct wal_counter counters[WAL_MAX_COUNTERS];
};

struct wal_event {
	int64_t time;
	uint32_t pass_id;
	uint64_t offer, counter;
	char aud[WAL_AUD_MAX + 1];	/* "" = none */
	size_t n_claims;
	uint8_t claims[WAL_EVENT_CLAIMS];
};

struct wal_pending {
	bool active;
	uint8_t nonce[WAL_NONCE_LEN];
	int64_t created;
	uint32_t renew;
	char label[SP_WALLET_LABEL_MAX + 1];
	size_t n_claims;
	uint8_t claims[WAL_REQ_CLAIMS];
	size_t n_keys;
	struct wal_key keys[SP_WALLET_BATCH_MAX];
};

/* The whole decrypted state; lives in sodium_malloc'd memory (it holds
 * the holder keys' secrets). */
struct wal_state {
	uint32_t next_id;
	size_t n_passes;
	struct wal_pass passes[SP_WALLET_MAX_PASSES];
	size_t n_events;
	struct wal_event events[WAL_MAX_EVENTS];
	struct wal_pending pending;
};

int wal_state_new(struct wal_state **out);
/* Frees the issued passes, wipes and frees the state. Accepts NULL. */
void wal_state_free(struct wal_state **sp);
/* Drops one copy's issued pass (and wipes the slot). */
void wal_copy_clear(struct wal_copy *c);
/* Deterministic CBOR of the state (docs/FORMATS.md "Wallet store"). */
int wal_state_encode(struct sp_buf *out, const struct wal_state *st);
/* Strict decoding; SP_ERR_WALLET_CORRUPT for anything unexpected. */
int wal_state_decode(struct wal_state **out, const uint8_t *buf,
    size_t len);
struct wal_pass *wal_pass_find(struct wal_state *st, uint32_t id);

/* ---- Issued passes ---------------------------------------------------- */

struct wal_leaf {
	uint64_t key;			/* 0 = padding */
	const uint8_t *value;		/* raw CBOR value */
	size_t value_len;
};

/* An issued pass [1, credential, [leaf, ...]] taken apart; pointers
 * borrow from the bytes parsed. */
struct wal_issued {
	const uint8_t *cred;
	size_t cred_len;
	struct cose_sign1 cose;
	struct pass_claims claims;
	size_t n;
	struct wal_leaf leaves[SD_MAX_LEAVES];
};

/*
 * Parses an issued pass and checks that its leaves are the ones the
 * credential commits to (SP_ERR_DISCLOSURE otherwise) and that known
 * claims have their types (SP_ERR_CLAIMS). Does not check the issuer
 * signature (wal_issued_verify).
 */
int wal_issued_parse(struct wal_issued *v, const uint8_t *buf, size_t len);
/* Issuer signature with a trusted key: SP_OK, SP_ERR_UNKNOWN_KID,
 * SP_ERR_UNSUPPORTED_ALG, SP_ERR_SIGNATURE. */
int wal_issued_verify(const struct wal_issued *v, const struct sp_trust *t);
/* The text value of the first leaf with claim key (NUL-terminated into
 * out), SP_ERR_NOT_FOUND if none. */
int wal_issued_text(const struct wal_issued *v, int key, char *out,
    size_t cap);
/* The first leaf with claim key, or NULL. */
const struct wal_leaf *wal_issued_leaf(const struct wal_issued *v, int key);
/* For limit leaves: the scope text of value [scope, bytes(16)]. */
bool wal_leaf_scope(const struct wal_leaf *l, const char **s, size_t *n);
/* For text leaves: the text. */
bool wal_leaf_text(const struct wal_leaf *l, const char **s, size_t *n);

/* ---- Store file ------------------------------------------------------- */

#define WAL_MAGIC "SPWALLET"
#define WAL_HDR_LEN 104
#define WAL_VERSION 1
#define WAL_KDF_RAW 0
#define WAL_KDF_ARGON2ID 1
#define WAL_SALT_LEN 16
#define WAL_ID_LEN 16
#define WAL_KCV_LEN 16
#define WAL_XNONCE_LEN 24
#define WAL_OPS_MIN 1
#define WAL_OPS_MAX 16
#define WAL_MEM_MIN_KIB 8u
#define WAL_MEM_MAX_KIB (1024u * 1024u)

struct wal_header {
	uint8_t kdf;
	uint32_t opslimit;
	uint32_t mem_kib;
	uint8_t salt[WAL_SALT_LEN];
	uint8_t id[WAL_ID_LEN];
	uint64_t generation;
	uint8_t nonce[WAL_XNONCE_LEN];
	uint8_t kcv[WAL_KCV_LEN];
	uint32_t ct_len;
};

/* The two keys a store key (raw, or Argon2id output) yields. */
struct wal_keys {
	uint8_t enc[32];
	uint8_t kcv[WAL_KCV_LEN];
};

/* Header codec (fixed 104 bytes, big-endian). Parsing checks magic,
 * version (SP_ERR_VERSION), KDF bounds and ct_len == len - 104
 * (SP_ERR_WALLET_CORRUPT). */
void wal_header_encode(uint8_t out[WAL_HDR_LEN], const struct wal_header *h);
int wal_header_parse(struct wal_header *h, const uint8_t *file, size_t len);
/* Derives enc and kcv from a 32-byte master key (crypto_kdf, BLAKE2b). */
void wal_keys_derive(struct wal_keys *k, const uint8_t master[32]);
/* master = Argon2id(pin, salt, opslimit, memlimit). SP_ERR_NOMEM when the
 * memory cost cannot be had. */
int wal_pin_master(uint8_t master[32], const char *pin,
    const struct wal_header *h);
/*
 * Opens a store file with its keys: header, key check value
 * (SP_ERR_WALLET_KEY on mismatch), XChaCha20-Poly1305 with the header as
 * AAD (SP_ERR_WALLET_CORRUPT), padding, state. The fuzz target's entry.
 */
int wal_file_open(struct wal_state **st, struct wal_header *h,
    const uint8_t *file, size_t len, const struct wal_keys *k);
/* Seals a state: encodes, pads, encrypts under h (whose nonce the caller
 * has refreshed and generation advanced) into out (reset first). Also
 * writes the plaintext CBOR to plain if not NULL. */
int wal_file_seal(struct sp_buf *out, struct sp_buf *plain,
    const struct wal_header *h, const struct wal_keys *k,
    const struct wal_state *st);

/* ---- PIN back-off record ("<name>.guard") ----------------------------- */

#define WAL_FREE_FAILURES 3	/* failures that cost no wait */
#define WAL_BACKOFF_BASE 30	/* seconds after the 4th failure */
#define WAL_BACKOFF_MAX 86400

struct wal_guard {
	uint8_t id[WAL_ID_LEN];		/* the store's id */
	uint32_t failures;		/* consecutive */
	int64_t not_before;		/* next attempt allowed at */
	int64_t last;			/* time of the last attempt */
};

/* Delay after the n-th consecutive failure. */
int64_t wal_backoff(uint32_t failures);
int wal_guard_encode(struct sp_buf *out, const struct wal_guard *g);
int wal_guard_decode(struct wal_guard *g, const uint8_t *buf, size_t len);

/* ---- The wallet ------------------------------------------------------- */

/* What is being shown (sp_wallet_present / _refresh); not persisted. */
struct wal_shown {
	bool active;
	uint32_t pass_id;
	uint8_t key_cose[WAL_COSE_MAX];	/* identifies the copy */
	size_t key_cose_len;
	uint64_t offer, counter;
	char aud[WAL_AUD_MAX + 1];
	bool has_aud;
	uint8_t nonce[SP_NONCE_MAX];
	size_t nonce_len;
	int disclose[8];
	size_t n_disclose;
	char scopes[2][PASS_MAX_SCOPE + 1];
	size_t n_scopes;
	int64_t signed_at;
	char *qr;			/* malloc'd */
};

struct sp_wallet {
	struct sp_wallet_ops ops;
	char name[SP_WALLET_NAME_MAX + 1];
	char guard_name[SP_WALLET_NAME_MAX + 8];
	struct wal_header hdr;		/* of the last save */
	struct wal_keys *keys;		/* sodium_malloc'd */
	struct wal_state *st;		/* sodium_malloc'd */
	uint8_t *committed;		/* sodium_malloc'd plaintext CBOR of
					 * the last save (rollback) */
	size_t committed_len;
	struct wal_shown shown;
};

/* Logging through ops->log, if set. */
void wal_log(const struct sp_wallet *w, const char *fn, const char *msg);
/* Randomness through ops->random or libsodium. */
int wal_random(const struct sp_wallet *w, uint8_t *buf, size_t len);
int64_t wal_now(const struct sp_wallet *w);
/*
 * Saves the current state (new nonce, generation + 1) through
 * write_atomic. On failure the in-memory state is rolled back to the last
 * saved one and the error returned.
 */
int wal_commit(struct sp_wallet *w);
/* Puts the last saved state back (after a failed mutation). */
int wal_rollback(struct sp_wallet *w);

/* ---- Holder keys ------------------------------------------------------ */

/* A fresh holder key of kind. */
int wal_key_generate(const struct sp_wallet *w, struct wal_key *k, int kind);
/* Signs msg with the key (64-byte COSE form). */
int wal_key_sign(const struct sp_wallet *w, const struct wal_key *k,
    uint8_t sig[64], const uint8_t *msg, size_t msg_len);
/* Presentation with this key (sp_present or sp_present_signer). */
int wal_key_present(const struct sp_wallet *w, const struct wal_key *k,
    uint8_t **out, size_t *out_len, const uint8_t *issued,
    size_t issued_len, const struct sp_present_opts *po);
/* Tells the app a hardware key is no longer needed; wipes k. */
void wal_key_discard(const struct sp_wallet *w, struct wal_key *k);
/* Canonical COSE_Key bytes of a public key given in any accepted form,
 * and its algorithm (alg may be NULL). */
int wal_cose_canonical(uint8_t out[WAL_COSE_MAX], size_t *out_len,
    int *alg, const uint8_t *cose, size_t len);

/* ---- Small helpers ---------------------------------------------------- */

/* A trust list from a COSE_KeySet (array) or one COSE_Key. Keys of
 * algorithms we do not support are skipped; at least one must remain
 * (SP_ERR_KEY otherwise). */
int wal_trust_build(struct sp_trust **out, const uint8_t *buf, size_t len);

/* Lowercase hex into a malloc'd string. */
char *wal_hex(const uint8_t *p, size_t n);
/* Hex (either case) into out (reset first), at most max bytes. */
int wal_unhex(struct sp_buf *out, const char *hex, size_t max);
/* Claim key of a claim name, 0 if unknown. */
int wal_claim_key(const char *name);
/* Copies a NUL-terminated string of at most cap-1 bytes; false if longer. */
bool wal_strcpy(char *dst, size_t cap, const char *src);

#endif /* STADSPAS_WALLET_INT_H */
