/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small LMDB wrapper in the shape of CZ-NIC/knot's knot_lmdb: one
 * struct reg_db per environment (a directory holding data.mdb and
 * lock.mdb), named sub-databases opened once, and a struct reg_txn whose
 * error is sticky: every helper is a no-op once t->ret is set, and
 * reg_txn_commit() aborts instead. MDB_* codes are translated here, once:
 * SP_ERR_STORAGE_FULL for a full map or disk, SP_ERR_STORAGE otherwise.
 * This is the only file pair that knows LMDB; the header only
 * forward-declares its handle types.
 *
 * Commits are durable (synced) when reg_txn_commit() returns SP_OK.
 * A writer (REG_DB_WRITER) also holds an exclusive flock(2) on "writer.lock"
 * in the directory for as long as the db is open, so a second writer
 * process (or a second open in this process) fails with SP_ERR_STORAGE
 * instead of writing from a stale in-memory view; the lock dies with its
 * process, even on SIGKILL. Readers take no such lock.
 *
 * Not thread-safe: one thread uses a reg_db and its transactions, and at
 * most one transaction is open at a time. Do not fork() with a db open
 * (LMDB forbids using an environment in a child); do not open the same
 * directory twice in one process (LMDB's fcntl locks break).
 */
#ifndef STADSPAS_REGISTRY_STORE_LMDB_H
#define STADSPAS_REGISTRY_STORE_LMDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_buf.h"

struct MDB_env;
struct MDB_txn;

#define REG_DB_MAX_DBS 16
#define REG_DB_DEFAULT_MAP ((size_t)1 << 30)	/* 1 GiB */

enum reg_db_flags {
	REG_DB_WRITER = 1u << 0,	/* create dir/files/dbs, take the lock */
	REG_DB_RDONLY = 1u << 1,	/* MDB_RDONLY: never writes */
};

struct reg_db {
	struct MDB_env *env;
	char *path;		/* owned copy of the directory */
	size_t mapsize;		/* current map size (grows on map full) */
	unsigned flags;
	unsigned n_dbs;
	unsigned dbi[REG_DB_MAX_DBS];	/* MDB_dbi of each named db */
	int lock_fd;		/* writer.lock, -1 if none */
	bool in_txn;		/* a transaction is open */
};

struct reg_txn {
	struct reg_db *db;
	struct MDB_txn *txn;
	bool rw;
	bool map_full;		/* ret was set by MDB_MAP_FULL */
	int ret;		/* sticky: SP_OK until the first failure */
};

/*
 * Opens the environment in dir with the named databases names[0..n)
 * (n <= REG_DB_MAX_DBS); db n of the other calls is names[n].
 * REG_DB_WRITER creates dir (mode 0700) and the files (0600) and missing
 * databases; REG_DB_RDONLY opens an existing environment read-only (a
 * missing database is then SP_ERR_NOT_FOUND). mapsize 0 means
 * REG_DB_DEFAULT_MAP; LMDB raises it to at least the data in use (a
 * smaller size than the data leaves a full map, which the next write
 * grows). *db is cleared
 * first and needs reg_db_close() even on failure (harmless).
 * SP_OK, SP_ERR_INVALID_ARG, SP_ERR_NOMEM, SP_ERR_STORAGE.
 */
int reg_db_open(struct reg_db *db, const char *dir, size_t mapsize,
    const char *const *names, unsigned n, unsigned flags);
/* Closes the environment and releases the writer lock; no transaction may
 * be open. Accepts a cleared or failed db. */
void reg_db_close(struct reg_db *db);

/*
 * Begins a transaction (rw: a write transaction; the db must be a writer).
 * MDB_MAP_RESIZED (another process grew the map) is handled here by
 * adopting the new size and retrying. On failure t->ret is set and the
 * other calls do nothing; reg_txn_abort()/reg_txn_commit() still must be
 * called (they are cheap on a failed begin).
 */
void reg_txn_begin(struct reg_db *db, struct reg_txn *t, bool rw);
/* Ends a transaction without writing. Accepts a finished transaction. */
void reg_txn_abort(struct reg_txn *t);
/* Commits (durably) if t->ret is SP_OK, else aborts; returns t->ret or the
 * commit's error. The transaction is finished afterwards either way. */
int reg_txn_commit(struct reg_txn *t);
/* Records a caller's error (a refused operation) unless one is set. */
void reg_txn_fail(struct reg_txn *t, int err);

/* Stores key -> val (overwriting). */
void reg_txn_put(struct reg_txn *t, unsigned db, const void *key,
    size_t klen, const void *val, size_t vlen);
/* Stores key -> val with MDB_APPEND: key must sort after every key in db
 * (SP_ERR_STORAGE otherwise: an invariant broke). */
void reg_txn_append(struct reg_txn *t, unsigned db, const void *key,
    size_t klen, const void *val, size_t vlen);
/* Deletes key; a missing key is not an error. */
void reg_txn_del(struct reg_txn *t, unsigned db, const void *key,
    size_t klen);
/*
 * Looks key up. Returns true if it exists, and then copies its value into
 * val (reset first) if val is not NULL; false if it is missing or t->ret
 * is (or becomes) set.
 */
bool reg_txn_get(struct reg_txn *t, unsigned db, const void *key,
    size_t klen, struct sp_buf *val);
/* Number of entries in db (0 on error, with t->ret set). */
uint64_t reg_txn_count(struct reg_txn *t, unsigned db);

/*
 * Visits the entries with lo <= key (bytewise, LMDB's default order) in
 * key order, lo NULL meaning the first. fn gets pointers into the map,
 * valid only during the call: copy what you keep. fn returns 0 to go on,
 * 1 to stop, or a negative SP_ERR_* that becomes t->ret.
 */
typedef int (*reg_txn_visit_fn)(void *ctx, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen);
void reg_txn_foreach(struct reg_txn *t, unsigned db, const void *lo,
    size_t lo_len, reg_txn_visit_fn fn, void *ctx);

/*
 * Runs fn in a write transaction and commits it. fn only issues reg_txn_*
 * calls (and reg_txn_fail() to refuse); it must have no effect outside
 * the transaction, because on MDB_MAP_FULL the map is grown (doubled,
 * while no transaction is open) and fn runs once more in a fresh
 * transaction. Returns the commit result: SP_OK (durable), the error fn
 * recorded, SP_ERR_STORAGE_FULL (map still full, or disk full),
 * SP_ERR_STORAGE.
 */
typedef void (*reg_txn_write_fn)(struct reg_txn *t, void *ctx);
int reg_db_write(struct reg_db *db, reg_txn_write_fn fn, void *ctx);

/* Big-endian fixed-width keys, so that byte order is numeric order. */
static inline void
reg_key_be64(uint8_t k[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		k[i] = (uint8_t)v;
}

static inline void
reg_key_be32(uint8_t k[4], uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		k[i] = (uint8_t)v;
}

static inline uint64_t
reg_key_get_be64(const uint8_t k[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | k[i];
	return v;
}

static inline uint32_t
reg_key_get_be32(const uint8_t k[4])
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | k[i];
	return v;
}

#endif /* STADSPAS_REGISTRY_STORE_LMDB_H */
