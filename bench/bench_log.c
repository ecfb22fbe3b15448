/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issuer status log on LMDB: durable single appends beside the same-run
 * cost of a bare LMDB commit of one 32-byte value in the same filesystem
 * (the floor: one durable transaction), appends in 1000-event batches,
 * bulk index assignment, and reopening (full replay) a log of 100k events.
 * The directory is a fresh one under $SP_BENCH_DIR, else $TMPDIR, else
 * /var/tmp; its filesystem decides the numbers (tmpfs makes fsync free).
 * Prints "BENCH <name> <value> <unit>" lines.
 *
 * The baseline talks to LMDB directly (as bench_prims.c does to libsodium
 * and OpenSSL): it is what store_lmdb.c wraps, so it must not go through
 * it.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <lmdb.h>

#include "bench_prims.h"
#include "log.h"
#include "store_lmdb.h"

#define LIST_ID 1
#define CAP (1u << 20)
#define T0 1767225600
#define ROUNDS 5
#define COMMITS 60		/* durable commits per round */
#define BATCH 1000
#define BATCH_ROUNDS 10
#define REPLAY_EVENTS 100000
#define REPLAY_ROUNDS 5

static char root[256];

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_log: %s: %s\n", what, sp_strerror(r));
	exit(1);
}

static void
sub(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", root, name);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static const char *
fs_name(const char *path)
{
	struct statfs st;

	if (statfs(path, &st) != 0)
		return "unknown";
	switch ((unsigned long)st.f_type) {
	case 0xef53:
		return "ext2/3/4";
	case 0x01021994:
		return "tmpfs";
	case 0x58465342:
		return "xfs";
	case 0x9123683e:
		return "btrfs";
	case 0x794c7630:
		return "overlayfs";
	default:
		return "other";
	}
}

/* ---- Baseline: a bare LMDB commit ------------------------------------- */

struct bare {
	MDB_env *env;
	MDB_dbi dbi;
	uint64_t key;
};

static void
bare_open(struct bare *b, const char *dir)
{
	MDB_txn *txn;

	memset(b, 0, sizeof(*b));
	if (mkdir(dir, 0700) != 0 || mdb_env_create(&b->env) != 0 ||
	    mdb_env_set_mapsize(b->env, (size_t)1 << 30) != 0 ||
	    mdb_env_open(b->env, dir, 0, 0600) != 0 ||
	    mdb_txn_begin(b->env, NULL, 0, &txn) != 0 ||
	    mdb_dbi_open(txn, NULL, 0, &b->dbi) != 0 ||
	    mdb_txn_commit(txn) != 0) {
		fprintf(stderr, "bench_log: bare LMDB setup failed\n");
		exit(1);
	}
}

/* Nanoseconds per durable transaction that puts one 32-byte value. */
static double
bare_commits(struct bare *b, unsigned n)
{
	uint8_t k[8], v[32];
	MDB_txn *txn;
	MDB_val key = { .mv_size = sizeof(k), .mv_data = k };
	MDB_val val = { .mv_size = sizeof(v), .mv_data = v };
	uint64_t t0 = bench_now_ns();
	unsigned i;

	memset(v, 0xa5, sizeof(v));
	for (i = 0; i < n; i++) {
		reg_key_be64(k, ++b->key);
		if (mdb_txn_begin(b->env, NULL, 0, &txn) != 0 ||
		    mdb_put(txn, b->dbi, &key, &val, MDB_APPEND) != 0 ||
		    mdb_txn_commit(txn) != 0) {
			fprintf(stderr, "bench_log: bare commit failed\n");
			exit(1);
		}
	}
	return (double)(bench_now_ns() - t0) / n;
}

/* ---- The log ---------------------------------------------------------- */

static struct reg_log *
log_open(const char *dir)
{
	struct reg_log_config c = {
		.list_id = LIST_ID, .bits = 2, .capacity = CAP,
	};
	struct reg_log *l = NULL;
	int r;

	if ((r = reg_log_open(&l, dir, &c)) != SP_OK)
		die("open", r);
	return l;
}

/* Nanoseconds per durable single append, toggling suspended/valid. */
static double
log_appends(struct reg_log *l, const uint32_t *idx, size_t n_idx,
    unsigned n)
{
	uint64_t t0 = bench_now_ns(), seq;
	unsigned i;

	for (i = 0; i < n; i++) {
		uint32_t x = idx[i % n_idx];
		unsigned st = reg_list_get(reg_log_list(l), x) == REG_VALID ?
		    REG_SUSPENDED : REG_VALID;
		int r;

		if ((r = reg_log_append(l, x, st, 0, T0, &seq)) != SP_OK)
			die("append", r);
	}
	return (double)(bench_now_ns() - t0) / n;
}

/* Appends one batch over idx[0..BATCH), toggling each. */
static void
log_batch(struct reg_log *l, const uint32_t *idx, unsigned *st)
{
	uint64_t seq;
	size_t i;
	int r;

	for (i = 0; i < BATCH; i++)
		st[i] = reg_list_get(reg_log_list(l), idx[i]) == REG_VALID ?
		    REG_SUSPENDED : REG_VALID;
	if ((r = reg_log_append_batch(l, idx, st, NULL, BATCH, T0, &seq)) !=
	    SP_OK)
		die("append batch", r);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

int
main(void)
{
	const char *base = getenv("SP_BENCH_DIR");
	char dir[300];
	struct bare b;
	struct reg_log *l;
	uint32_t *idx = calloc(BATCH, sizeof(*idx));
	unsigned *st = calloc(BATCH, sizeof(*st));
	double bare_ns[ROUNDS], log_ns[ROUNDS], v[BATCH_ROUNDS], t;
	double replay[REPLAY_ROUNDS];
	uint64_t t0;
	unsigned i;
	int r;

	if (idx == NULL || st == NULL)
		die("memory", SP_ERR_NOMEM);
	if (base == NULL)
		base = getenv("TMPDIR");
	if (base == NULL)
		base = "/var/tmp";
	snprintf(root, sizeof(root), "%s/sp-bench-log-XXXXXX", base);
	if (mkdtemp(root) == NULL) {
		perror("bench_log: mkdtemp");
		exit(1);
	}
	printf("# bench_log: %s (%s)\n", root, fs_name(root));

	/* Durable single appends vs bare commits, rounds interleaved so
	 * that both see the same disk. */
	sub(dir, sizeof(dir), "bare");
	bare_open(&b, dir);
	sub(dir, sizeof(dir), "single");
	l = log_open(dir);
	t0 = bench_now_ns();
	if ((r = reg_log_assign_batch(l, idx, BATCH)) != SP_OK)
		die("assign batch", r);
	t = (double)(bench_now_ns() - t0);
	(void)bare_commits(&b, 5);	/* warm up */
	(void)log_appends(l, idx, BATCH, 5);
	for (i = 0; i < ROUNDS; i++) {
		bare_ns[i] = bare_commits(&b, COMMITS);
		log_ns[i] = log_appends(l, idx, BATCH, COMMITS);
	}
	mdb_env_close(b.env);
	printf("BENCH log_append_durable_per_s %.0f 1/s\n",
	    1e9 / median(log_ns, ROUNDS));
	printf("BENCH bare_lmdb_commit_per_s %.0f 1/s\n",
	    1e9 / median(bare_ns, ROUNDS));
	printf("BENCH log_assign_batch1000_per_s %.0f 1/s\n", BATCH * 1e9 / t);

	/* 1000-event batches. */
	for (i = 0; i < BATCH_ROUNDS; i++) {
		t0 = bench_now_ns();
		log_batch(l, idx, st);
		v[i] = (double)(bench_now_ns() - t0);
	}
	printf("BENCH log_append_batch1000_per_s %.0f 1/s\n",
	    BATCH * 1e9 / median(v, BATCH_ROUNDS));
	reg_log_close(&l);

	/* Reopen = replay of 100k events (decode, rules, chain, list). */
	sub(dir, sizeof(dir), "replay");
	l = log_open(dir);
	if ((r = reg_log_assign_batch(l, idx, BATCH)) != SP_OK)
		die("assign batch", r);
	for (i = 0; i < REPLAY_EVENTS / BATCH; i++)
		log_batch(l, idx, st);
	reg_log_close(&l);
	for (i = 0; i < REPLAY_ROUNDS; i++) {
		t0 = bench_now_ns();
		l = log_open(dir);
		replay[i] = (double)(bench_now_ns() - t0) / 1e6;
		if (reg_log_size(l) != REPLAY_EVENTS)
			die("replay size", SP_ERR_INTERNAL);
		reg_log_close(&l);
	}
	printf("BENCH log_open_replay_100k_ms %.1f ms\n",
	    median(replay, REPLAY_ROUNDS));

	free(idx);
	free(st);
	if (nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		perror("bench_log: cleanup");
	return 0;
}
