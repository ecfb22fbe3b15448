/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The issuer's own state in LMDB (<data_dir>/issuer, through
 * registry/store_lmdb.h): eight named databases, every value a versioned
 * deterministic CBOR array [1, ...] (never a raw struct), decoded strictly
 * (a value that does not decode is SP_ERR_STORAGE: the database is
 * corrupt). The status log lives apart, in <data_dir>/registry (log.h).
 *
 *   meta       "seq/resident", "seq/provider", "seq/offer", "seq/job"
 *              -> [1, last id]; "keys" -> [1, [COSE_Key bstr, ...]]
 *              (current first); "catalogue" -> [1, version, signed bstr];
 *              "job/" be64 -> renewal job; "job/active" -> [1, job id]
 *   residents  be64 id -> resident
 *   passno     pass number (text) -> [1, resident id]
 *   codes      SHA-256(normalised enrolment code) -> code
 *   copies     be64 resident id -> [1, [copy, ...]]
 *   catalogue  'p' be64 -> provider; 'o' be64 -> offer
 *   tokens     4-byte token prefix -> token (revoked ones stay, so a
 *              prefix is never reused)
 *   audit      be64 seq (dense from 1, MDB_APPEND) -> audit entry
 *   holders    SHA-256(holder COSE_Key) -> [1, COSE_Key bstr]: the keys
 *              copies are bound to, so a bulk renewal can sign for them
 *              (copies issued before this table existed have none)
 *   renewed    SHA-256(holder COSE_Key) -> [1, job id, resident id,
 *              issued pass bstr]: the newest renewed copy for that key,
 *              waiting for POST /wallet/refresh
 *
 * The get/put helpers work inside a struct reg_txn and follow its sticky
 * error: a get that finds a value it cannot decode fails the transaction
 * with SP_ERR_STORAGE and returns false. Not thread-safe (see
 * store_lmdb.h).
 */
#ifndef STADSPAS_ISSUER_STORE_H
#define STADSPAS_ISSUER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_buf.h"
#include "store_lmdb.h"

#define ISS_REC_VERSION 1

#define ISS_NAME_MAX 128	/* resident and provider names, bytes */
#define ISS_PASSNO_MAX 80	/* "<issuer>-<7 digits>" */
#define ISS_CATEGORY_MAX 32	/* [a-z0-9_-]{1,32} */
#define ISS_MAX_CATEGORIES 6	/* per resident (pass size) */
#define ISS_LABEL_MAX 128
#define ISS_TITLE_MAX 128
#define ISS_MAX_TILL_KEYS 16
#define ISS_COSE_KEY_MAX 64
#define ISS_MAX_REQUIRES 8
#define ISS_MAX_COPIES 512	/* live copies kept per resident */
#define ISS_ACTION_MAX 32
#define ISS_TARGET_MAX 32
#define ISS_HASH_STR_MAX 128	/* crypto_pwhash_STRBYTES */
#define ISS_MAX_KEYS 64		/* issuer public keys kept */

enum iss_db {
	ISS_DB_META,
	ISS_DB_RESIDENTS,
	ISS_DB_PASSNO,
	ISS_DB_CODES,
	ISS_DB_COPIES,
	ISS_DB_CATALOGUE,
	ISS_DB_TOKENS,
	ISS_DB_AUDIT,
	ISS_DB_HOLDERS,
	ISS_DB_RENEWED,
	ISS_DB_COUNT
};

/* Resident status; the values of the copies' status list entries. */
enum iss_res_status {
	ISS_RES_ACTIVE = 0,
	ISS_RES_REVOKED = 1,
	ISS_RES_SUSPENDED = 2,
};

/* [1, pass_no, name, birth_year, household_size, [category, ...],
 *  status, created, window_from, window_until] */
struct iss_resident {
	uint64_t id;			/* the key, not in the value */
	char pass_no[ISS_PASSNO_MAX + 1];
	char name[ISS_NAME_MAX + 1];
	uint32_t birth_year;
	uint32_t household;		/* 0: not recorded */
	size_t n_cat;
	char cat[ISS_MAX_CATEGORIES][ISS_CATEGORY_MAX + 1];
	unsigned status;		/* enum iss_res_status */
	int64_t created;
	int64_t win_from, win_until;	/* renewal window; 0, 0: none */
};

/* [list, idx, SHA-256(holder COSE_Key), iat, exp] */
struct iss_copy {
	uint32_t list, idx;
	uint8_t holder[32];
	int64_t iat, exp;
};

struct iss_copies {
	size_t n;
	struct iss_copy v[ISS_MAX_COPIES];
};

/* [1, resident id, expires, used, created] */
struct iss_code {
	uint64_t resident;
	int64_t expires, created;
	bool used;
};

/* [1, name, [COSE_Key bstr, ...], created] */
struct iss_provider {
	uint64_t id;
	char name[ISS_NAME_MAX + 1];
	size_t n_keys;
	uint8_t key[ISS_MAX_TILL_KEYS][ISS_COSE_KEY_MAX];
	size_t key_len[ISS_MAX_TILL_KEYS];
	int64_t created;
};

/* [1, provider id, title, category, [claim key, ...], limit count,
 *  limit period, amount_cents, created]; count 0 and period "" = none */
struct iss_offer {
	uint64_t id;
	uint64_t provider;
	char title[ISS_TITLE_MAX + 1];
	char category[ISS_CATEGORY_MAX + 1];
	size_t n_req;
	int req[ISS_MAX_REQUIRES];
	uint32_t limit_count;
	char period[8];			/* "year", "month", "week", "day" */
	uint64_t amount_cents;
	int64_t created;
};

/* [1, role, label, Argon2id hash string, created, revoked] (records
 * from before revocation have 5 items and read as revoked 0) */
struct iss_token {
	uint8_t prefix[4];		/* the key */
	unsigned role;			/* enum iss_role */
	char label[ISS_LABEL_MAX + 1];
	char hash[ISS_HASH_STR_MAX + 1];
	int64_t created;
	int64_t revoked;		/* time of revocation; 0: live */
};

/* [1, time, who, action, target] */
struct iss_audit {
	uint64_t seq;			/* the key */
	int64_t time;
	char who[17];
	char action[ISS_ACTION_MAX + 1];
	char target[ISS_TARGET_MAX + 1];
};

/* [1, valid_from, valid_until, created, last_id, cursor, done, total,
 *  finished] (9 items) */
struct iss_job {
	uint64_t id;			/* the key */
	int64_t valid_from, valid_until, created;
	uint64_t last_id;		/* residents 1..last_id are in scope */
	uint64_t cursor;		/* residents 1..cursor are done */
	uint64_t done, total;
	bool finished;
};

/* Opens (creating) the store in dir. db needs iss_store_close even on
 * failure. */
int iss_store_open(struct reg_db *db, const char *dir);
void iss_store_close(struct reg_db *db);

/* Next id of counter name ("seq/resident", ...): reads, increments and
 * stores it in t. 0 if t failed. */
uint64_t iss_store_next_id(struct reg_txn *t, const char *name);
/* Current value of a counter (0 if never used). */
uint64_t iss_store_last_id(struct reg_txn *t, const char *name);

/* Appends an audit entry (seq = entries + 1). who, action, target are
 * truncated to their field sizes. */
void iss_store_audit(struct reg_txn *t, int64_t time, const char *who,
    const char *action, const char *target);

bool iss_store_get_resident(struct reg_txn *t, uint64_t id,
    struct iss_resident *out);
void iss_store_put_resident(struct reg_txn *t, const struct iss_resident *r);

/* Missing copies read as an empty list (true). */
bool iss_store_get_copies(struct reg_txn *t, uint64_t resident,
    struct iss_copies *out);
void iss_store_put_copies(struct reg_txn *t, uint64_t resident,
    const struct iss_copies *c);

bool iss_store_get_code(struct reg_txn *t, const uint8_t hash[32],
    struct iss_code *out);
void iss_store_put_code(struct reg_txn *t, const uint8_t hash[32],
    const struct iss_code *c);

bool iss_store_get_passno(struct reg_txn *t, const char *pass_no,
    uint64_t *resident);
void iss_store_put_passno(struct reg_txn *t, const char *pass_no,
    uint64_t resident);

bool iss_store_get_provider(struct reg_txn *t, uint64_t id,
    struct iss_provider *out);
void iss_store_put_provider(struct reg_txn *t, const struct iss_provider *p);
void iss_store_put_offer(struct reg_txn *t, const struct iss_offer *o);

bool iss_store_get_token(struct reg_txn *t, const uint8_t prefix[4],
    struct iss_token *out);
void iss_store_put_token(struct reg_txn *t, const struct iss_token *k);

bool iss_store_get_job(struct reg_txn *t, uint64_t id, struct iss_job *out);
void iss_store_put_job(struct reg_txn *t, const struct iss_job *j);
/* The running job's id, 0 if none. */
uint64_t iss_store_active_job(struct reg_txn *t);
void iss_store_set_active_job(struct reg_txn *t, uint64_t id);

bool iss_store_get_holder(struct reg_txn *t, const uint8_t hash[32],
    uint8_t key[ISS_COSE_KEY_MAX], size_t *len);
void iss_store_put_holder(struct reg_txn *t, const uint8_t hash[32],
    const uint8_t *key, size_t len);

/* pass gets the issued pass bytes. */
bool iss_store_get_renewed(struct reg_txn *t, const uint8_t hash[32],
    uint64_t *job, uint64_t *resident, struct sp_buf *pass);
void iss_store_put_renewed(struct reg_txn *t, const uint8_t hash[32],
    uint64_t job, uint64_t resident, const uint8_t *pass, size_t len);

/* Value decoders, for foreach visitors (SP_OK or SP_ERR_STORAGE). */
int iss_resident_decode(struct iss_resident *r, const uint8_t *p, size_t n);
int iss_provider_decode(struct iss_provider *pr, const uint8_t *p, size_t n);
int iss_offer_decode(struct iss_offer *o, const uint8_t *p, size_t n);
int iss_audit_decode(struct iss_audit *e, const uint8_t *p, size_t n);
/* The prefix (the key) is not set. */
int iss_token_decode(struct iss_token *k, const uint8_t *p, size_t n);

/* Catalogue keys: kind ('p' or 'o') followed by be64 id. */
void iss_store_cat_key(uint8_t k[9], char kind, uint64_t id);

/* Meta records holding a CBOR list of byte strings (issuer keys):
 * [1, [bstr, ...]]. items gets the concatenated byte strings, len[i] the
 * length of each (at most max). Missing: *n = 0, true. */
bool iss_store_get_blobs(struct reg_txn *t, const char *name,
    struct sp_buf *items, size_t *len, size_t max, size_t *n);
void iss_store_put_blobs(struct reg_txn *t, const char *name,
    const uint8_t *items, const size_t *len, size_t n);

/* The published catalogue: [1, version, signed bstr]. */
bool iss_store_get_catalogue(struct reg_txn *t, uint64_t *version,
    struct sp_buf *signed_bytes);
void iss_store_put_catalogue(struct reg_txn *t, uint64_t version,
    const uint8_t *p, size_t n);

#endif /* STADSPAS_ISSUER_STORE_H */
