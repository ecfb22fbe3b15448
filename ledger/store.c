/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ledger's LMDB wrapper (store.h): the only ledger file that includes
 * <lmdb.h>. Several processes write the same environment; LMDB's writer
 * mutex in lock.mdb serialises them, and a robust mutex survives a
 * writer killed mid-transaction (its transaction is simply lost).
 *
 * The tables of enum ldb live in one named database, "ledger", each
 * under its own one-byte key prefix: a redemption then dirties one
 * B-tree (its root and the few leaves it writes) instead of four, and
 * the usage counters share leaves with the meta. Records have the
 * highest prefix, so MDB_APPEND holds for them.
 */
#include "store.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "stadspas/sp_err.h"

#define DB_NAME "ledger"
#define PKEY_MAX 512		/* LMDB's default maximum key size + 1 */
#define GROW_LOW ((off_t)256 << 10)	/* zeroed room below which ... */
#define GROW_CHUNK ((off_t)1 << 20)	/* ... the file grows by this */

/* Key prefixes in key order: meta and usage adjacent, records last. */
static const uint8_t prefix[LDB_COUNT] = {
	[LDB_META] = 0x01, [LDB_USAGE] = 0x02, [LDB_STATE] = 0x03,
	[LDB_REPLAY] = 0x04, [LDB_RECORDS] = 0x05,
};

/* The databases of the earlier layout: a ledger holding them is not
 * silently started afresh. */
static const char *const old_names[] = {
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

/* prefix || key in buf; false (and t->ret set) if it does not fit. */
static bool
pkey(struct ltxn *t, unsigned db, uint8_t buf[PKEY_MAX], const void *key,
    size_t klen, MDB_val *out)
{
	if (klen >= PKEY_MAX || (klen > 0 && key == NULL)) {
		ltxn_fail(t, SP_ERR_INVALID_ARG);
		return false;
	}
	buf[0] = prefix[db];
	if (klen > 0)
		memcpy(buf + 1, key, klen);
	*out = mval(buf, klen + 1);
	return true;
}

/* Is k a key of table db? */
static bool
in_table(unsigned db, const MDB_val *k)
{
	return k->mv_size >= 1 && ((const uint8_t *)k->mv_data)[0] ==
	    prefix[db];
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
open_dbi(struct lstore *s)
{
	MDB_txn *txn = NULL;
	MDB_dbi old;
	size_t i;
	int rc;

	if ((rc = begin_raw(s->env, 0, &txn)) != MDB_SUCCESS)
		return xlate(rc);
	for (i = 0; i < sizeof(old_names) / sizeof(old_names[0]); i++) {
		rc = mdb_dbi_open(txn, old_names[i], 0, &old);
		if (rc != MDB_NOTFOUND) {
			mdb_txn_abort(txn);
			return SP_ERR_STORAGE;	/* the old layout */
		}
	}
	if ((rc = mdb_dbi_open(txn, DB_NAME, MDB_CREATE, &s->dbi)) !=
	    MDB_SUCCESS) {
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
	if ((rc = mdb_env_set_maxdbs(s->env,
	    (MDB_dbi)(sizeof(old_names) / sizeof(old_names[0]) + 1))) != MDB_SUCCESS ||
	    (rc = mdb_env_set_mapsize(s->env, mapsize != 0 ? mapsize :
	    LSTORE_DEFAULT_MAP)) != MDB_SUCCESS ||
	    (rc = mdb_env_open(s->env, dir, 0, 0600)) != MDB_SUCCESS)
		return xlate(rc);
	/* Free the reader slots of processes that died holding them. */
	if ((rc = mdb_reader_check(s->env, &dead)) != MDB_SUCCESS)
		return xlate(rc);
	return open_dbi(s);
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

/*
 * Keeps zeroed room after the last page of data.mdb. LMDB writes new
 * pages past the end of the file; every such write changes the file's
 * size and block map, and the commit's fdatasync then waits for a
 * journal commit as well as for the data. Redemptions grow the file by
 * a page every few commits, so this cost would be paid often: writing
 * zeros a chunk at a time pays it once per chunk (with the next
 * commit's sync). Only in a write transaction: LMDB's writer mutex is
 * held, so no other process writes pages; committed pages all lie
 * before the old end of the file, which is where the zeros start.
 * Best effort: on error LMDB simply extends the file itself.
 */
static void
grow(struct lstore *s)
{
	static const uint8_t zero[65536];
	MDB_envinfo info;
	MDB_stat st;
	struct stat fs;
	off_t used, want, at;
	int fd;

	if (mdb_env_get_fd(s->env, &fd) != MDB_SUCCESS ||
	    mdb_env_info(s->env, &info) != MDB_SUCCESS ||
	    mdb_env_stat(s->env, &st) != MDB_SUCCESS || fstat(fd, &fs) != 0)
		return;
	used = (off_t)(info.me_last_pgno + 1) * (off_t)st.ms_psize;
	if (fs.st_size >= used + GROW_LOW)
		return;
	want = used + GROW_CHUNK;
	if (want > (off_t)info.me_mapsize)
		want = (off_t)info.me_mapsize;
	for (at = fs.st_size; at < want; ) {
		size_t n = want - at < (off_t)sizeof(zero) ?
		    (size_t)(want - at) : sizeof(zero);
		ssize_t w = pwrite(fd, zero, n, at);

		if (w <= 0)
			return;
		at += w;
	}
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
	if (rw)
		grow(s);
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
	MDB_val k, v = { .mv_size = 0, .mv_data = NULL };
	uint8_t buf[PKEY_MAX];
	int rc;

	if (!usable(t, db, false) || !pkey(t, db, buf, key, klen, &k))
		return false;
	rc = mdb_get(t->txn, t->s->dbi, &k, &v);
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
	MDB_val k, v = mval(val, vlen);
	uint8_t buf[PKEY_MAX];

	if (usable(t, db, true) && pkey(t, db, buf, key, klen, &k))
		set_rc(t, mdb_put(t->txn, t->s->dbi, &k, &v, flags));
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
	/* MDB_KEYEXIST here is a broken invariant: SP_ERR_STORAGE. Only
	 * the table with the highest prefix can append. */
	if (db != LDB_RECORDS) {
		ltxn_fail(t, SP_ERR_INVALID_ARG);
		return;
	}
	put_flags(t, db, key, klen, val, vlen, MDB_APPEND);
}

bool
ltxn_last(struct ltxn *t, unsigned db, const uint8_t **key, size_t *klen,
    const uint8_t **val, size_t *vlen)
{
	MDB_cursor *c = NULL;
	MDB_val k = { .mv_size = 0 }, v = { .mv_size = 0 };
	uint8_t next = (uint8_t)(prefix[db] + 1);
	int rc;

	if (!usable(t, db, false))
		return false;
	if ((rc = mdb_cursor_open(t->txn, t->s->dbi, &c)) != MDB_SUCCESS) {
		set_rc(t, rc);
		return false;
	}
	/* The entry before the first key of the next table. */
	k = mval(&next, 1);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_SUCCESS)
		rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	mdb_cursor_close(c);
	if (rc == MDB_SUCCESS && !in_table(db, &k))
		rc = MDB_NOTFOUND;
	if (rc != MDB_SUCCESS) {
		if (rc != MDB_NOTFOUND)
			set_rc(t, rc);
		return false;
	}
	*key = (const uint8_t *)k.mv_data + 1;
	*klen = k.mv_size - 1;
	*val = v.mv_data;
	*vlen = v.mv_size;
	return true;
}

void
ltxn_foreach(struct ltxn *t, unsigned db, const void *lo, size_t lo_len,
    ltxn_visit_fn fn, void *ctx)
{
	MDB_cursor *c = NULL;
	MDB_val k, v = { .mv_size = 0, .mv_data = NULL };
	uint8_t buf[PKEY_MAX];
	int rc;

	if (!usable(t, db, false) || !pkey(t, db, buf, lo,
	    lo != NULL ? lo_len : 0, &k))
		return;
	if ((rc = mdb_cursor_open(t->txn, t->s->dbi, &c)) != MDB_SUCCESS) {
		set_rc(t, rc);
		return;
	}
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (rc == MDB_SUCCESS) {
		int r;

		if (!in_table(db, &k)) {
			rc = MDB_NOTFOUND;
			break;
		}
		r = fn(ctx, (const uint8_t *)k.mv_data + 1, k.mv_size - 1,
		    v.mv_data, v.mv_size);

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

static int
count_one(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	(void)key;
	(void)klen;
	(void)val;
	(void)vlen;
	(*(uint64_t *)ctx)++;
	return 0;
}

uint64_t
ltxn_count(struct ltxn *t, unsigned db)
{
	uint64_t n = 0;

	ltxn_foreach(t, db, NULL, 0, count_one, &n);
	return t->ret == SP_OK ? n : 0;
}
