/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ledger's LMDB environment: a directory shared by several till
 * processes (LMDB's own lock file serialises their write transactions;
 * unlike registry/store_lmdb.c there is no single-writer lock). A
 * struct ltxn's error is sticky: every call is a no-op once t->ret is
 * set, and ltxn_commit() then aborts. store.c is the only ledger file
 * that includes <lmdb.h>; MDB_* codes become SP_ERR_* there, once:
 * SP_ERR_STORAGE_FULL for a full map or disk, SP_ERR_STORAGE otherwise.
 *
 * Commits are durable (synced) when ltxn_commit() returns SP_OK. Not
 * thread-safe; one struct lstore per directory per process; do not use
 * it in a child after fork().
 */
#ifndef STADSPAS_LEDGER_STORE_H
#define STADSPAS_LEDGER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MDB_env;
struct MDB_txn;

/* Tables: one LMDB database, "ledger", each table under its own key
 * prefix (store.c); keys below are without it. */
enum ldb {
	LDB_RECORDS = 0,	/* seq (be64) -> entry */
	LDB_REPLAY = 1,		/* replay id (32) -> seq (be64) */
	LDB_USAGE = 2,		/* offer be64 || scope || 0 || tag -> u32 */
	LDB_META = 3,		/* "provider", "till", "exported" */
	LDB_STATE = 4,		/* name -> blob */
	LDB_COUNT = 5,
};

#define LSTORE_DEFAULT_MAP ((size_t)1 << 30)

struct lstore {
	struct MDB_env *env;
	unsigned dbi;
	bool in_txn;
};

struct ltxn {
	struct lstore *s;
	struct MDB_txn *txn;
	bool rw;
	int ret;		/* sticky: SP_OK until the first failure */
};

/* Opens (creating dir 0700 and files 0600) the environment; mapsize 0:
 * LSTORE_DEFAULT_MAP. Frees stale reader slots of dead processes.
 * *s needs lstore_close() even on failure. */
int lstore_open(struct lstore *s, const char *dir, size_t mapsize);
void lstore_close(struct lstore *s);

/* Adopts another process's larger map (MDB_MAP_RESIZED) and retries. A
 * write transaction also keeps zeroed room after the last page of
 * data.mdb (store.c: grow), so that commits do not extend the file. */
void ltxn_begin(struct lstore *s, struct ltxn *t, bool rw);
void ltxn_abort(struct ltxn *t);
/* Commits durably if t->ret is SP_OK, else aborts; returns the result. */
int ltxn_commit(struct ltxn *t);
void ltxn_fail(struct ltxn *t, int err);

/* Looks key up: true and *val, *vlen borrowed from the map (valid until
 * the transaction ends, or the next write in it) if it exists. */
bool ltxn_get(struct ltxn *t, unsigned db, const void *key, size_t klen,
    const uint8_t **val, size_t *vlen);
void ltxn_put(struct ltxn *t, unsigned db, const void *key, size_t klen,
    const void *val, size_t vlen);
/* MDB_APPEND (LDB_RECORDS only): key must sort after every key in it. */
void ltxn_append(struct ltxn *t, unsigned db, const void *key,
    size_t klen, const void *val, size_t vlen);
/* The last entry of db (false if empty). Borrowed as ltxn_get. */
bool ltxn_last(struct ltxn *t, unsigned db, const uint8_t **key,
    size_t *klen, const uint8_t **val, size_t *vlen);
/* Entries with key >= lo in order; fn returns 0 to go on, 1 to stop, or
 * a negative SP_ERR_* that becomes t->ret. Pointers valid in fn only. */
typedef int (*ltxn_visit_fn)(void *ctx, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen);
void ltxn_foreach(struct ltxn *t, unsigned db, const void *lo,
    size_t lo_len, ltxn_visit_fn fn, void *ctx);
/* Entries in db (walks the table: for tests). */
uint64_t ltxn_count(struct ltxn *t, unsigned db);

static inline void
lkey_be64(uint8_t k[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		k[i] = (uint8_t)v;
}

static inline uint64_t
lkey_get_be64(const uint8_t k[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | k[i];
	return v;
}

#endif /* STADSPAS_LEDGER_STORE_H */
