/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The LMDB wrapper of store_lmdb.h: the only file that includes <lmdb.h>.
 * Foreign errors are translated once, in set_rc(); a transaction's first
 * error sticks (CZ-NIC/knot src/knot/journal/knot_lmdb.c).
 */
#include "store_lmdb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "stadspas/sp_err.h"

#define LOCK_NAME "/writer.lock"

/*
 * MDB_MAP_FULL, and a disk or quota that is full, are SP_ERR_STORAGE_FULL
 * (the operator must make room); a failed allocation is SP_ERR_NOMEM;
 * everything else (I/O errors, corruption, MDB_KEYEXIST from MDB_APPEND,
 * a panicked environment) is SP_ERR_STORAGE.
 */
static int
xlate(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return SP_OK;
	case MDB_MAP_FULL:
	case ENOSPC:
	case EDQUOT:
		return SP_ERR_STORAGE_FULL;
	case ENOMEM:
		return SP_ERR_NOMEM;
	default:
		return SP_ERR_STORAGE;
	}
}

/* Records rc in t unless an error is already there. */
static void
set_rc(struct reg_txn *t, int rc)
{
	if (rc == MDB_SUCCESS || t->ret != SP_OK)
		return;
	t->ret = xlate(rc);
	if (rc == MDB_MAP_FULL)
		t->map_full = true;
}

/*
 * MDB_val is not const-qualified, but LMDB never writes through the key
 * or data of mdb_put/mdb_get/mdb_cursor_get(MDB_SET_RANGE) without
 * MDB_RESERVE, which we do not use. The integer round trip drops const
 * without a qualifier-dropping cast.
 */
static MDB_val
mval(const void *p, size_t n)
{
	MDB_val v = { .mv_size = n, .mv_data = (void *)(uintptr_t)p };

	return v;
}

/* True if t may issue an operation on db. */
static bool
usable(struct reg_txn *t, unsigned db)
{
	if (t->ret != SP_OK)
		return false;
	if (t->txn == NULL || db >= t->db->n_dbs) {
		t->ret = SP_ERR_INVALID_ARG;
		return false;
	}
	return true;
}

static void
refresh_mapsize(struct reg_db *db)
{
	MDB_envinfo info;

	if (mdb_env_info(db->env, &info) == MDB_SUCCESS)
		db->mapsize = info.me_mapsize;
}

static int
take_lock(struct reg_db *db, const char *dir)
{
	size_t n = strlen(dir);
	char *p;
	int r = SP_ERR_NOMEM;

	if ((p = malloc(n + sizeof(LOCK_NAME))) == NULL)
		goto fail;
	memcpy(p, dir, n);
	memcpy(p + n, LOCK_NAME, sizeof(LOCK_NAME));
	r = SP_ERR_STORAGE;
	db->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (db->lock_fd < 0)
		goto fail;
	/* Another writer (process, or an open in this one) holds it. */
	if (flock(db->lock_fd, LOCK_EX | LOCK_NB) != 0)
		goto fail;
	r = SP_OK;
fail:
	free(p);
	return r;
}

static int
make_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return SP_OK;
	if (errno != EEXIST || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return SP_ERR_STORAGE;
	return SP_OK;
}

static int
open_dbis(struct reg_db *db, const char *const *names, unsigned n)
{
	MDB_txn *txn = NULL;
	bool writer = (db->flags & REG_DB_WRITER) != 0;
	unsigned i;
	int rc;

	rc = mdb_txn_begin(db->env, NULL, writer ? 0 : MDB_RDONLY, &txn);
	if (rc == MDB_MAP_RESIZED) {
		(void)mdb_env_set_mapsize(db->env, 0);
		rc = mdb_txn_begin(db->env, NULL, writer ? 0 : MDB_RDONLY,
		    &txn);
	}
	if (rc != MDB_SUCCESS)
		return xlate(rc);
	for (i = 0; i < n && rc == MDB_SUCCESS; i++) {
		if (names[i] == NULL)
			rc = EINVAL;
		else
			rc = mdb_dbi_open(txn, names[i],
			    writer ? MDB_CREATE : 0, &db->dbi[i]);
	}
	if (rc != MDB_SUCCESS) {
		mdb_txn_abort(txn);
		if (rc == MDB_NOTFOUND)
			return SP_ERR_NOT_FOUND;
		return rc == EINVAL ? SP_ERR_INVALID_ARG : xlate(rc);
	}
	/* A successful commit publishes the handles to the environment. */
	if ((rc = mdb_txn_commit(txn)) != MDB_SUCCESS)
		return xlate(rc);
	db->n_dbs = n;
	return SP_OK;
}

int
reg_db_open(struct reg_db *db, const char *dir, size_t mapsize,
    const char *const *names, unsigned n, unsigned flags)
{
	unsigned mflags = 0;
	int dead, rc, r = SP_ERR_INVALID_ARG;

	if (db == NULL)
		return SP_ERR_INVALID_ARG;
	memset(db, 0, sizeof(*db));
	db->lock_fd = -1;
	if (dir == NULL || *dir == '\0' || names == NULL || n == 0 ||
	    n > REG_DB_MAX_DBS ||
	    (flags != REG_DB_WRITER && flags != REG_DB_RDONLY))
		goto fail;
	db->flags = flags;
	r = SP_ERR_NOMEM;
	if ((db->path = strdup(dir)) == NULL)
		goto fail;
	if (flags == REG_DB_WRITER) {
		if ((r = make_dir(dir)) != SP_OK ||
		    (r = take_lock(db, dir)) != SP_OK)
			goto fail;
	} else {
		mflags = MDB_RDONLY;
	}
	if (mapsize == 0)
		mapsize = REG_DB_DEFAULT_MAP;
	if ((rc = mdb_env_create(&db->env)) != MDB_SUCCESS) {
		db->env = NULL;
		r = xlate(rc);
		goto fail;
	}
	/* No MDB_NOSYNC/MDB_NOMETASYNC: a commit is on disk when it returns.
	 * LMDB raises the map to at least the data in use. */
	if ((rc = mdb_env_set_maxdbs(db->env, n)) != MDB_SUCCESS ||
	    (rc = mdb_env_set_mapsize(db->env, mapsize)) != MDB_SUCCESS ||
	    (rc = mdb_env_open(db->env, dir, mflags, 0600)) != MDB_SUCCESS) {
		r = xlate(rc);
		goto fail;
	}
	/* Free the reader slots of processes that died holding them. */
	if (flags == REG_DB_WRITER &&
	    (rc = mdb_reader_check(db->env, &dead)) != MDB_SUCCESS) {
		r = xlate(rc);
		goto fail;
	}
	if ((r = open_dbis(db, names, n)) != SP_OK)
		goto fail;
	refresh_mapsize(db);
	r = SP_OK;
fail:
	return r;
}

void
reg_db_close(struct reg_db *db)
{
	if (db == NULL)
		return;
	if (db->env != NULL)
		mdb_env_close(db->env);
	free(db->path);
	if (db->lock_fd >= 0)
		(void)close(db->lock_fd);	/* releases the flock */
	memset(db, 0, sizeof(*db));
	db->lock_fd = -1;
}

void
reg_txn_begin(struct reg_db *db, struct reg_txn *t, bool rw)
{
	int rc = MDB_SUCCESS, tries;

	memset(t, 0, sizeof(*t));
	t->db = db;
	t->rw = rw;
	if (db == NULL || db->env == NULL || db->in_txn ||
	    (rw && (db->flags & REG_DB_WRITER) == 0)) {
		t->ret = SP_ERR_INVALID_ARG;
		return;
	}
	for (tries = 0; tries < 3; tries++) {
		rc = mdb_txn_begin(db->env, NULL, rw ? 0 : MDB_RDONLY,
		    &t->txn);
		if (rc != MDB_MAP_RESIZED)
			break;
		/* Another process grew the map: adopt its size (lmdb.h). */
		t->txn = NULL;
		if ((rc = mdb_env_set_mapsize(db->env, 0)) != MDB_SUCCESS)
			break;
		refresh_mapsize(db);
		rc = MDB_MAP_RESIZED;
	}
	if (rc != MDB_SUCCESS) {
		t->txn = NULL;
		set_rc(t, rc);
		return;
	}
	db->in_txn = true;
}

void
reg_txn_abort(struct reg_txn *t)
{
	if (t->txn == NULL)
		return;
	mdb_txn_abort(t->txn);
	t->txn = NULL;
	t->db->in_txn = false;
}

int
reg_txn_commit(struct reg_txn *t)
{
	int rc;

	if (t->txn == NULL)
		return t->ret != SP_OK ? t->ret : SP_ERR_INVALID_ARG;
	if (t->ret != SP_OK) {
		reg_txn_abort(t);
		return t->ret;
	}
	/* mdb_txn_commit frees the transaction whatever it returns. */
	rc = mdb_txn_commit(t->txn);
	t->txn = NULL;
	t->db->in_txn = false;
	set_rc(t, rc);
	return t->ret;
}

void
reg_txn_fail(struct reg_txn *t, int err)
{
	if (t->ret == SP_OK)
		t->ret = err != SP_OK ? err : SP_ERR_INTERNAL;
}

static void
put_flags(struct reg_txn *t, unsigned db, const void *key, size_t klen,
    const void *val, size_t vlen, unsigned flags)
{
	MDB_val k = mval(key, klen), v = mval(val, vlen);

	if (!usable(t, db))
		return;
	if (!t->rw) {
		t->ret = SP_ERR_INVALID_ARG;
		return;
	}
	set_rc(t, mdb_put(t->txn, t->db->dbi[db], &k, &v, flags));
}

void
reg_txn_put(struct reg_txn *t, unsigned db, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	put_flags(t, db, key, klen, val, vlen, 0);
}

void
reg_txn_append(struct reg_txn *t, unsigned db, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	/* MDB_KEYEXIST here means a key out of order: SP_ERR_STORAGE. */
	put_flags(t, db, key, klen, val, vlen, MDB_APPEND);
}

void
reg_txn_del(struct reg_txn *t, unsigned db, const void *key, size_t klen)
{
	MDB_val k = mval(key, klen);
	int rc;

	if (!usable(t, db))
		return;
	if (!t->rw) {
		t->ret = SP_ERR_INVALID_ARG;
		return;
	}
	rc = mdb_del(t->txn, t->db->dbi[db], &k, NULL);
	if (rc != MDB_NOTFOUND)
		set_rc(t, rc);
}

bool
reg_txn_get(struct reg_txn *t, unsigned db, const void *key, size_t klen,
    struct sp_buf *val)
{
	MDB_val k = mval(key, klen), v = { .mv_size = 0, .mv_data = NULL };
	int rc, r;

	if (!usable(t, db))
		return false;
	rc = mdb_get(t->txn, t->db->dbi[db], &k, &v);
	if (rc == MDB_NOTFOUND)
		return false;
	if (rc != MDB_SUCCESS) {
		set_rc(t, rc);
		return false;
	}
	/* The map's pages are only valid inside the transaction: copy. */
	if (val != NULL && (r = sp_buf_set(val, v.mv_data, v.mv_size)) !=
	    SP_OK) {
		reg_txn_fail(t, r);
		return false;
	}
	return true;
}

uint64_t
reg_txn_count(struct reg_txn *t, unsigned db)
{
	MDB_stat st;
	int rc;

	if (!usable(t, db))
		return 0;
	if ((rc = mdb_stat(t->txn, t->db->dbi[db], &st)) != MDB_SUCCESS) {
		set_rc(t, rc);
		return 0;
	}
	return st.ms_entries;
}

void
reg_txn_foreach(struct reg_txn *t, unsigned db, const void *lo,
    size_t lo_len, reg_txn_visit_fn fn, void *ctx)
{
	MDB_cursor *c = NULL;
	MDB_val k = mval(lo, lo_len), v = { .mv_size = 0, .mv_data = NULL };
	int rc;

	if (!usable(t, db))
		return;
	if (fn == NULL) {
		t->ret = SP_ERR_INVALID_ARG;
		return;
	}
	if ((rc = mdb_cursor_open(t->txn, t->db->dbi[db], &c)) !=
	    MDB_SUCCESS) {
		set_rc(t, rc);
		return;
	}
	rc = mdb_cursor_get(c, &k, &v, lo != NULL ? MDB_SET_RANGE : MDB_FIRST);
	while (rc == MDB_SUCCESS) {
		int r = fn(ctx, k.mv_data, k.mv_size, v.mv_data, v.mv_size);

		if (r < 0)
			reg_txn_fail(t, r);
		if (r != 0)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (rc != MDB_NOTFOUND)
		set_rc(t, rc);
	mdb_cursor_close(c);
}

/* Doubles the map; only while no transaction is open in this process. */
static int
grow(struct reg_db *db)
{
	size_t want;

	if (db->in_txn || db->mapsize > SIZE_MAX / 2)
		return SP_ERR_STORAGE_FULL;
	want = db->mapsize * 2;
	if (mdb_env_set_mapsize(db->env, want) != MDB_SUCCESS)
		return SP_ERR_STORAGE_FULL;
	refresh_mapsize(db);
	return SP_OK;
}

int
reg_db_write(struct reg_db *db, reg_txn_write_fn fn, void *ctx)
{
	struct reg_txn t;
	int attempt, r = SP_ERR_INVALID_ARG;

	if (db == NULL || fn == NULL)
		return r;
	for (attempt = 0; attempt < 2; attempt++) {
		reg_txn_begin(db, &t, true);
		if (t.ret == SP_OK)
			fn(&t, ctx);
		r = reg_txn_commit(&t);
		/* The aborted transaction is gone: growing is safe now. */
		if (!t.map_full || attempt == 1 || grow(db) != SP_OK)
			break;
	}
	return r;
}
