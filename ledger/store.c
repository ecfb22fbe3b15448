/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ledger's LMDB wrapper (store.h): the only ledger file that includes
 * <lmdb.h>. Several processes write the same environment; LMDB's writer
 * mutex in lock.mdb serialises them, and a robust mutex survives a
 * writer killed mid-transaction (its transaction is simply lost).
 */
#include "store.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>

#include "stadspas/sp_err.h"

static const char *const db_names[LDB_COUNT] = {
	"records", "replay", "usage", "meta", "state",
};

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

static void
set_rc(struct ltxn *t, int rc)
{
	if (rc != MDB_SUCCESS && t->ret == SP_OK)
		t->ret = xlate(rc);
}

/* MDB_val is not const; LMDB never writes through keys or data here. */
static MDB_val
mval(const void *p, size_t n)
{
	MDB_val v = { .mv_size = n, .mv_data = (void *)(uintptr_t)p };

	return v;
}

static bool
usable(struct ltxn *t, unsigned db, bool write)
{
	if (t->ret != SP_OK)
		return false;
	if (t->txn == NULL || db >= LDB_COUNT || (write && !t->rw)) {
		t->ret = SP_ERR_INVALID_ARG;
		return false;
	}
	return true;
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
begin_raw(MDB_env *env, unsigned flags, MDB_txn **txn)
{
	int rc, tries;

	for (tries = 0; tries < 3; tries++) {
		rc = mdb_txn_begin(env, NULL, flags, txn);
		if (rc != MDB_MAP_RESIZED)
			break;
		/* Another process grew the map: adopt its size (lmdb.h). */
		*txn = NULL;
		if ((rc = mdb_env_set_mapsize(env, 0)) != MDB_SUCCESS)
			break;
		rc = MDB_MAP_RESIZED;
	}
	if (rc != MDB_SUCCESS)
		*txn = NULL;
	return rc;
}

static int
open_dbis(struct lstore *s)
{
	MDB_txn *txn = NULL;
	unsigned i;
	int rc;

	if ((rc = begin_raw(s->env, 0, &txn)) != MDB_SUCCESS)
		return xlate(rc);
	for (i = 0; i < LDB_COUNT && rc == MDB_SUCCESS; i++)
		rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &s->dbi[i]);
	if (rc != MDB_SUCCESS) {
		mdb_txn_abort(txn);
		return xlate(rc);
	}
	return xlate(mdb_txn_commit(txn));
}

int
lstore_open(struct lstore *s, const char *dir, size_t mapsize)
{
	int dead, rc, r;

	memset(s, 0, sizeof(*s));
	if (dir == NULL || *dir == '\0')
		return SP_ERR_INVALID_ARG;
	if ((r = make_dir(dir)) != SP_OK)
		return r;
	if ((rc = mdb_env_create(&s->env)) != MDB_SUCCESS) {
		s->env = NULL;
		return xlate(rc);
	}
	/* No MDB_NOSYNC/MDB_NOMETASYNC: a commit is on disk when it
	 * returns. */
	if ((rc = mdb_env_set_maxdbs(s->env, LDB_COUNT)) != MDB_SUCCESS ||
	    (rc = mdb_env_set_mapsize(s->env, mapsize != 0 ? mapsize :
	    LSTORE_DEFAULT_MAP)) != MDB_SUCCESS ||
	    (rc = mdb_env_open(s->env, dir, 0, 0600)) != MDB_SUCCESS)
		return xlate(rc);
	/* Free the reader slots of processes that died holding them. */
	if ((rc = mdb_reader_check(s->env, &dead)) != MDB_SUCCESS)
		return xlate(rc);
	return open_dbis(s);
}

void
lstore_close(struct lstore *s)
{
	if (s == NULL)
		return;
	if (s->env != NULL)
		mdb_env_close(s->env);
	memset(s, 0, sizeof(*s));
}

void
ltxn_begin(struct lstore *s, struct ltxn *t, bool rw)
{
	int rc;

	memset(t, 0, sizeof(*t));
	t->s = s;
	t->rw = rw;
	if (s == NULL || s->env == NULL || s->in_txn) {
		t->ret = SP_ERR_INVALID_ARG;
		return;
	}
	if ((rc = begin_raw(s->env, rw ? 0 : MDB_RDONLY, &t->txn)) !=
	    MDB_SUCCESS) {
		set_rc(t, rc);
		return;
	}
	s->in_txn = true;
}

void
ltxn_abort(struct ltxn *t)
{
	if (t->txn == NULL)
		return;
	mdb_txn_abort(t->txn);
	t->txn = NULL;
	t->s->in_txn = false;
}

int
ltxn_commit(struct ltxn *t)
{
	int rc;

	if (t->txn == NULL)
		return t->ret != SP_OK ? t->ret : SP_ERR_INVALID_ARG;
	if (t->ret != SP_OK) {
		ltxn_abort(t);
		return t->ret;
	}
	/* mdb_txn_commit frees the transaction whatever it returns. */
	rc = mdb_txn_commit(t->txn);
	t->txn = NULL;
	t->s->in_txn = false;
	set_rc(t, rc);
	return t->ret;
}

void
ltxn_fail(struct ltxn *t, int err)
{
	if (t->ret == SP_OK)
		t->ret = err != SP_OK ? err : SP_ERR_INTERNAL;
}

bool
ltxn_get(struct ltxn *t, unsigned db, const void *key, size_t klen,
    const uint8_t **val, size_t *vlen)
{
	MDB_val k = mval(key, klen), v = { .mv_size = 0, .mv_data = NULL };
	int rc;

	if (!usable(t, db, false))
		return false;
	rc = mdb_get(t->txn, t->s->dbi[db], &k, &v);
	if (rc == MDB_NOTFOUND)
		return false;
	if (rc != MDB_SUCCESS) {
		set_rc(t, rc);
		return false;
	}
	*val = v.mv_data;
	*vlen = v.mv_size;
	return true;
}

static void
put_flags(struct ltxn *t, unsigned db, const void *key, size_t klen,
    const void *val, size_t vlen, unsigned flags)
{
	MDB_val k = mval(key, klen), v = mval(val, vlen);

	if (usable(t, db, true))
		set_rc(t, mdb_put(t->txn, t->s->dbi[db], &k, &v, flags));
}

void
ltxn_put(struct ltxn *t, unsigned db, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	put_flags(t, db, key, klen, val, vlen, 0);
}

void
ltxn_append(struct ltxn *t, unsigned db, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	/* MDB_KEYEXIST here is a broken invariant: SP_ERR_STORAGE. */
	put_flags(t, db, key, klen, val, vlen, MDB_APPEND);
}

bool
ltxn_last(struct ltxn *t, unsigned db, const uint8_t **key, size_t *klen,
    const uint8_t **val, size_t *vlen)
{
	MDB_cursor *c = NULL;
	MDB_val k = { .mv_size = 0 }, v = { .mv_size = 0 };
	int rc;

	if (!usable(t, db, false))
		return false;
	if ((rc = mdb_cursor_open(t->txn, t->s->dbi[db], &c)) !=
	    MDB_SUCCESS) {
		set_rc(t, rc);
		return false;
	}
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	mdb_cursor_close(c);
	if (rc != MDB_SUCCESS) {
		if (rc != MDB_NOTFOUND)
			set_rc(t, rc);
		return false;
	}
	*key = k.mv_data;
	*klen = k.mv_size;
	*val = v.mv_data;
	*vlen = v.mv_size;
	return true;
}

void
ltxn_foreach(struct ltxn *t, unsigned db, const void *lo, size_t lo_len,
    ltxn_visit_fn fn, void *ctx)
{
	MDB_cursor *c = NULL;
	MDB_val k = mval(lo, lo_len), v = { .mv_size = 0, .mv_data = NULL };
	int rc;

	if (!usable(t, db, false))
		return;
	if ((rc = mdb_cursor_open(t->txn, t->s->dbi[db], &c)) !=
	    MDB_SUCCESS) {
		set_rc(t, rc);
		return;
	}
	rc = mdb_cursor_get(c, &k, &v, lo != NULL ? MDB_SET_RANGE : MDB_FIRST);
	while (rc == MDB_SUCCESS) {
		int r = fn(ctx, k.mv_data, k.mv_size, v.mv_data, v.mv_size);

		if (r < 0)
			ltxn_fail(t, r);
		if (r != 0)
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (rc != MDB_NOTFOUND)
		set_rc(t, rc);
	mdb_cursor_close(c);
}

uint64_t
ltxn_count(struct ltxn *t, unsigned db)
{
	MDB_stat st;
	int rc;

	if (!usable(t, db, false))
		return 0;
	if ((rc = mdb_stat(t->txn, t->s->dbi[db], &st)) != MDB_SUCCESS) {
		set_rc(t, rc);
		return 0;
	}
	return st.ms_entries;
}
