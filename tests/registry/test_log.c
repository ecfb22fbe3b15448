/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of registry/log.c on real LMDB files in a temporary
 * directory: reopen, transition rules, random index assignment, config
 * mismatch, all-or-nothing batches, checkpoints, deltas and snapshots,
 * map growth, and tampering with the files (flipped event bytes, a deleted
 * event) that the replay on open must catch.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "store_lmdb.h"
#include "testutil.h"

#define T0 1767225600	/* 2026-01-01 */
#define LIST_ID 7

static char root[64];
static unsigned dir_seq;
static struct sig_priv key;
static const uint8_t kid[] = { 'k', '1' };

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* A fresh, not yet existing directory under root (the log creates it). */
static void
new_dir(char *out, size_t n)
{
	snprintf(out, n, "%s/log%u", root, dir_seq++);
}

static struct reg_log_config
config(uint32_t cap, unsigned bits)
{
	struct reg_log_config c = {
		.list_id = LIST_ID, .bits = bits, .capacity = cap,
	};
	return c;
}

static struct reg_log *
open_ok(const char *dir, uint32_t cap, unsigned bits)
{
	struct reg_log_config c = config(cap, bits);
	struct reg_log *l = NULL;
	int r = reg_log_open(&l, dir, &c);

	CHECKF(r == SP_OK, "open %s: %s", dir, sp_strerror(r));
	if (l == NULL) {
		fprintf(stderr, "cannot go on without a log\n");
		exit(1);
	}
	return l;
}

static int
reopen_err(const char *dir, uint32_t cap, unsigned bits)
{
	struct reg_log_config c = config(cap, bits);
	struct reg_log *l = NULL;
	int r = reg_log_open(&l, dir, &c);

	CHECK((r == SP_OK) == (l != NULL));
	reg_log_close(&l);
	return r;
}

static uint32_t
assign_ok(struct reg_log *l)
{
	uint32_t idx = UINT32_MAX;

	CHECK(reg_log_assign(l, &idx) == SP_OK);
	return idx;
}

/* ---- Reopen ----------------------------------------------------------- */

static void
test_reopen(void)
{
	char dir[128];
	struct reg_log *l;
	struct reg_list copy;
	uint8_t h1[REG_HEAD_LEN], h2[REG_HEAD_LEN], g[REG_HEAD_LEN];
	uint32_t a, b, c;
	uint64_t seq = 0;

	new_dir(dir, sizeof(dir));
	l = open_ok(dir, 1000, 2);
	CHECK(access(dir, R_OK | W_OK | X_OK) == 0);
	CHECK(reg_log_size(l) == 0);
	reg_log_head(l, h1);
	reg_head_genesis(g, LIST_ID);
	CHECK(memcmp(h1, g, REG_HEAD_LEN) == 0);
	CHECK(reg_log_checkpoint_time(l) == 0);
	a = assign_ok(l);
	b = assign_ok(l);
	c = assign_ok(l);
	CHECK(a != b && b != c && a != c);
	CHECK(reg_log_append(l, a, REG_REVOKED, 3, T0, &seq) == SP_OK &&
	    seq == 1);
	CHECK(reg_log_append(l, b, REG_SUSPENDED, 0, T0 + 1, &seq) == SP_OK &&
	    seq == 2);
	CHECK(reg_log_append(l, b, REG_VALID, 0, T0 + 2, &seq) == SP_OK &&
	    seq == 3);
	CHECK(reg_log_append(l, c, REG_SUSPENDED, 9, T0 + 3, &seq) == SP_OK &&
	    seq == 4);
	reg_log_head(l, h1);
	CHECK(memcmp(h1, g, REG_HEAD_LEN) != 0);
	CHECK(reg_list_copy(&copy, reg_log_list(l)) == SP_OK);
	CHECK(reg_list_get(&copy, a) == REG_REVOKED);
	CHECK(reg_list_get(&copy, b) == REG_VALID);
	CHECK(reg_list_get(&copy, c) == REG_SUSPENDED);
	reg_log_close(&l);
	CHECK(l == NULL);
	reg_log_close(&l);	/* NULL is fine */

	l = open_ok(dir, 1000, 2);
	CHECK(reg_log_size(l) == 4);
	reg_log_head(l, h2);
	CHECK(memcmp(h1, h2, REG_HEAD_LEN) == 0);
	CHECK(reg_list_equal(&copy, reg_log_list(l)));
	CHECK(reg_log_assigned(l) == 3);
	/* The log goes on where it was. */
	CHECK(reg_log_append(l, c, REG_VALID, 0, T0 + 4, &seq) == SP_OK &&
	    seq == 5);
	reg_log_close(&l);
	l = open_ok(dir, 1000, 2);
	CHECK(reg_log_size(l) == 5);
	CHECK(reg_list_get(reg_log_list(l), c) == REG_VALID);
	reg_log_close(&l);
	reg_list_clear(&copy);
}

/* ---- Transition rules ------------------------------------------------- */

static void
expect_refused(struct reg_log *l, uint32_t idx, unsigned status, int want)
{
	uint8_t h1[REG_HEAD_LEN], h2[REG_HEAD_LEN];
	uint64_t size = reg_log_size(l), seq = 12345;
	unsigned before = idx < reg_log_list(l)->count ?
	    reg_list_get(reg_log_list(l), idx) : 0;
	int r;

	reg_log_head(l, h1);
	r = reg_log_append(l, idx, status, 0, T0, &seq);
	CHECKF(r == want, "idx %u -> %u: got %s, want %s", idx, status,
	    sp_strerror(r), sp_strerror(want));
	reg_log_head(l, h2);
	CHECK(reg_log_size(l) == size && seq == 12345);
	CHECK(memcmp(h1, h2, REG_HEAD_LEN) == 0);
	if (idx < reg_log_list(l)->count)
		CHECK(reg_list_get(reg_log_list(l), idx) == before);
}

static void
expect_ok(struct reg_log *l, uint32_t idx, unsigned status)
{
	uint64_t size = reg_log_size(l), seq = 0;
	int r = reg_log_append(l, idx, status, 0, T0, &seq);

	CHECKF(r == SP_OK, "idx %u -> %u: %s", idx, status, sp_strerror(r));
	CHECK(seq == size + 1 && reg_log_size(l) == size + 1);
	CHECK(reg_list_get(reg_log_list(l), idx) == status);
}

static void
test_transitions(void)
{
	char dir[128], dir1[128];
	struct reg_log *l;
	uint32_t v[4], unassigned;
	uint64_t seq;
	int i;

	new_dir(dir, sizeof(dir));
	l = open_ok(dir, 16, 2);
	for (i = 0; i < 4; i++)
		v[i] = assign_ok(l);
	/* Refused from VALID: no-op. */
	expect_refused(l, v[0], REG_VALID, SP_ERR_REG_TRANSITION);
	/* Allowed: VALID->REVOKED, VALID->SUSPENDED, SUSPENDED->VALID,
	 * SUSPENDED->REVOKED. */
	expect_ok(l, v[0], REG_REVOKED);
	expect_ok(l, v[1], REG_SUSPENDED);
	expect_refused(l, v[1], REG_SUSPENDED, SP_ERR_REG_TRANSITION);
	expect_ok(l, v[1], REG_VALID);
	expect_ok(l, v[1], REG_SUSPENDED);
	expect_ok(l, v[1], REG_REVOKED);
	/* REVOKED is final. */
	expect_refused(l, v[0], REG_VALID, SP_ERR_REG_TRANSITION);
	expect_refused(l, v[0], REG_SUSPENDED, SP_ERR_REG_TRANSITION);
	expect_refused(l, v[0], REG_REVOKED, SP_ERR_REG_TRANSITION);
	expect_refused(l, v[1], REG_VALID, SP_ERR_REG_TRANSITION);
	/* Bad arguments. */
	expect_refused(l, v[2], 3, SP_ERR_INVALID_ARG);
	expect_refused(l, v[2], 255, SP_ERR_INVALID_ARG);
	expect_refused(l, 16, REG_REVOKED, SP_ERR_INVALID_ARG);
	expect_refused(l, UINT32_MAX, REG_REVOKED, SP_ERR_INVALID_ARG);
	/* An index never handed out. */
	for (unassigned = 0; unassigned < 16; unassigned++)
		if (unassigned != v[0] && unassigned != v[1] &&
		    unassigned != v[2] && unassigned != v[3])
			break;
	expect_refused(l, unassigned, REG_REVOKED, SP_ERR_NOT_FOUND);
	/* Times an event cannot hold. */
	seq = 0;
	CHECK(reg_log_append(l, v[2], REG_REVOKED, 0, -1, &seq) ==
	    SP_ERR_INVALID_ARG);
	CHECK(reg_log_append(l, v[2], REG_REVOKED, 0,
	    (int64_t)UINT32_MAX * 4 + 1, &seq) == SP_ERR_INVALID_ARG);
	CHECK(reg_log_append(l, v[2], REG_REVOKED, UINT16_MAX,
	    (int64_t)UINT32_MAX * 4, &seq) == SP_OK && seq == 6);
	CHECK(reg_log_append(NULL, v[2], REG_REVOKED, 0, T0, &seq) ==
	    SP_ERR_INVALID_ARG);
	CHECK(reg_log_size(l) == 6);
	reg_log_close(&l);
	/* Everything refused left no trace on disk either. */
	l = open_ok(dir, 16, 2);
	CHECK(reg_log_size(l) == 6);
	CHECK(reg_list_get(reg_log_list(l), v[3]) == REG_VALID);
	reg_log_close(&l);

	/* A 1-bit list has no SUSPENDED. */
	new_dir(dir1, sizeof(dir1));
	l = open_ok(dir1, 8, 1);
	v[0] = assign_ok(l);
	expect_refused(l, v[0], REG_SUSPENDED, SP_ERR_REG_TRANSITION);
	expect_ok(l, v[0], REG_REVOKED);
	expect_refused(l, v[0], REG_VALID, SP_ERR_REG_TRANSITION);
	reg_log_close(&l);
}

/* ---- Assignment ------------------------------------------------------- */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
test_assign(void)
{
	enum { N = 1000, SMALL = 64 };
	char dir[128], small[128];
	struct reg_log *l;
	uint32_t *idx = calloc(N, sizeof(*idx)), x;
	size_t i, ups = 0, downs = 0, dups = 0, seen = 0;
	uint8_t taken[SMALL] = { 0 };

	CHECK(idx != NULL);
	if (idx == NULL)
		return;
	new_dir(dir, sizeof(dir));
	l = open_ok(dir, 1u << 20, 2);
	/* Ten batches of 100 (the same draw as single assignments, which
	 * the small list below uses, without a thousand fsyncs). */
	for (i = 0; i < N; i += 100)
		CHECK(reg_log_assign_batch(l, idx + i, 100) == SP_OK);
	CHECK(reg_log_assigned(l) == N);
	for (i = 1; i < N; i++) {
		ups += idx[i] > idx[i - 1];
		downs += idx[i] < idx[i - 1];
	}
	/* Random order: about as many steps up as down, never sorted. */
	CHECKF(ups > N / 4 && downs > N / 4, "ups %zu downs %zu", ups, downs);
	qsort(idx, N, sizeof(*idx), cmp_u32);
	for (i = 1; i < N; i++)
		dups += idx[i] == idx[i - 1];
	CHECK(dups == 0);
	CHECK(idx[N - 1] < 1u << 20);
	/* Spread over the list, not clustered at its start. */
	CHECK(idx[N - 1] > (1u << 19) && idx[0] < (1u << 19));
	reg_log_close(&l);
	free(idx);

	/* A small list fills completely, then refuses. */
	new_dir(small, sizeof(small));
	l = open_ok(small, SMALL, 2);
	for (i = 0; i < SMALL; i++) {
		x = SMALL;
		CHECK(reg_log_assign(l, &x) == SP_OK);
		if (x < SMALL && !taken[x]) {
			taken[x] = 1;
			seen++;
		}
	}
	CHECK(seen == SMALL);
	CHECK(reg_log_assigned(l) == SMALL);
	CHECK(reg_log_assign(l, &x) == SP_ERR_REG_FULL);
	CHECK(reg_log_assign(l, NULL) == SP_ERR_INVALID_ARG);
	reg_log_close(&l);
	/* Still full after a reopen (the count comes from the disk). */
	l = open_ok(small, SMALL, 2);
	CHECK(reg_log_assigned(l) == SMALL);
	CHECK(reg_log_assign(l, &x) == SP_ERR_REG_FULL);
	reg_log_close(&l);
}

/* Bulk issuance: many indices in one transaction, all or none. */
static void
test_assign_batch(void)
{
	enum { SMALL = 64 };
	char dir[128];
	struct reg_log *l;
	uint32_t a[SMALL], b[SMALL];
	uint8_t taken[SMALL] = { 0 };
	size_t i, seen = 0;

	new_dir(dir, sizeof(dir));
	l = open_ok(dir, SMALL, 2);
	CHECK(reg_log_assign_batch(l, a, 40) == SP_OK);
	CHECK(reg_log_assigned(l) == 40);
	for (i = 0; i < SMALL; i++)
		b[i] = UINT32_MAX;
	/* 30 more do not fit: none is taken and b is untouched. */
	CHECK(reg_log_assign_batch(l, b, 30) == SP_ERR_REG_FULL);
	CHECK(reg_log_assigned(l) == 40 && b[0] == UINT32_MAX);
	CHECK(reg_log_assign_batch(l, b, 0) == SP_ERR_INVALID_ARG);
	CHECK(reg_log_assign_batch(l, NULL, 1) == SP_ERR_INVALID_ARG);
	reg_log_close(&l);
	l = open_ok(dir, SMALL, 2);
	CHECK(reg_log_assigned(l) == 40);
	CHECK(reg_log_assign_batch(l, b, 24) == SP_OK);
	for (i = 0; i < 40; i++)
		if (a[i] < SMALL && !taken[a[i]]) {
			taken[a[i]] = 1;
			seen++;
		}
	for (i = 0; i < 24; i++)
		if (b[i] < SMALL && !taken[b[i]]) {
			taken[b[i]] = 1;
			seen++;
		}
	CHECK(seen == SMALL);
	CHECK(reg_log_assign(l, &b[0]) == SP_ERR_REG_FULL);
	/* Assigned in a batch means usable. */
	CHECK(reg_log_append(l, a[39], REG_REVOKED, 0, T0, NULL) == SP_OK);
	reg_log_close(&l);
}

/* ---- Config ----------------------------------------------------------- */

static void
test_config(void)
{
	char dir[128];
	struct reg_log *l, *l2 = NULL;
	struct reg_log_config c = config(100, 2);

	new_dir(dir, sizeof(dir));
	l = open_ok(dir, 100, 2);
	/* A second writer on the same directory. */
	CHECK(reg_log_open(&l2, dir, &c) == SP_ERR_STORAGE && l2 == NULL);
	reg_log_close(&l);

	CHECK(reopen_err(dir, 101, 2) == SP_ERR_REG_LIST);
	CHECK(reopen_err(dir, 100, 1) == SP_ERR_REG_LIST);
	c.list_id = LIST_ID + 1;
	CHECK(reg_log_open(&l2, dir, &c) == SP_ERR_REG_LIST && l2 == NULL);
	CHECK(reopen_err(dir, 100, 2) == SP_OK);

	/* Bad configurations. */
	CHECK(reopen_err(dir, 100, 3) == SP_ERR_INVALID_ARG);
	CHECK(reopen_err(dir, 100, 0) == SP_ERR_INVALID_ARG);
	CHECK(reopen_err(dir, 0, 2) == SP_ERR_INVALID_ARG);
	CHECK(reopen_err(dir, REG_LIST_MAX_ENTRIES + 1, 2) ==
	    SP_ERR_INVALID_ARG);
	CHECK(reg_log_open(&l2, NULL, &c) == SP_ERR_INVALID_ARG);
	CHECK(reg_log_open(&l2, dir, NULL) == SP_ERR_INVALID_ARG);
	CHECK(reg_log_open(NULL, dir, &c) == SP_ERR_INVALID_ARG);
	/* A path that cannot be a directory. */
	CHECK(reopen_err("/dev/null/x", 100, 2) == SP_ERR_STORAGE);
}

/* ---- Batches ---------------------------------------------------------- */

static void
test_batch(void)
{
	char dir[128];
	struct reg_log *l;
	struct reg_list before;
	uint32_t v[6], bi[5];
	unsigned bs[5];
	uint16_t br[5] = { 1, 2, 3, 4, 5 };
	uint8_t h1[REG_HEAD_LEN], h2[REG_HEAD_LEN];
	uint64_t last = 0;
	size_t i;

	new_dir(dir, sizeof(dir));
	l = open_ok(dir, 64, 2);
	for (i = 0; i < 6; i++)
		v[i] = assign_ok(l);
	CHECK(reg_log_append(l, v[5], REG_REVOKED, 0, T0, &last) == SP_OK);
	CHECK(reg_list_copy(&before, reg_log_list(l)) == SP_OK);
	reg_log_head(l, h1);

	/* A refused transition in the middle: nothing is written. */
	bi[0] = v[0], bs[0] = REG_REVOKED;
	bi[1] = v[1], bs[1] = REG_SUSPENDED;
	bi[2] = v[5], bs[2] = REG_VALID;	/* revoked: refused */
	bi[3] = v[2], bs[3] = REG_REVOKED;
	bi[4] = v[3], bs[4] = REG_SUSPENDED;
	last = 99;
	CHECK(reg_log_append_batch(l, bi, bs, br, 5, T0, &last) ==
	    SP_ERR_REG_TRANSITION && last == 99);
	CHECK(reg_log_size(l) == 1 && reg_list_equal(&before, reg_log_list(l)));
	reg_log_head(l, h2);
	CHECK(memcmp(h1, h2, REG_HEAD_LEN) == 0);
	/* The same index twice where the second change is refused. */
	bi[2] = v[0], bs[2] = REG_SUSPENDED;	/* v[0] revoked earlier in it */
	CHECK(reg_log_append_batch(l, bi, bs, br, 5, T0, &last) ==
	    SP_ERR_REG_TRANSITION);
	CHECK(reg_list_equal(&before, reg_log_list(l)));
	/* An unassigned index in the middle: refused in the transaction. */
	for (i = 0; i < 64; i++) {
		size_t j;
		bool used = false;

		for (j = 0; j < 6; j++)
			used = used || v[j] == i;
		if (!used)
			break;
	}
	bi[2] = (uint32_t)i, bs[2] = REG_REVOKED;
	CHECK(reg_log_append_batch(l, bi, bs, br, 5, T0, &last) ==
	    SP_ERR_NOT_FOUND);
	CHECK(reg_log_size(l) == 1 && reg_list_equal(&before, reg_log_list(l)));
	CHECK(reg_log_append_batch(l, bi, bs, br, 0, T0, &last) ==
	    SP_ERR_INVALID_ARG);
	reg_log_close(&l);
	l = open_ok(dir, 64, 2);
	CHECK(reg_log_size(l) == 1 && reg_list_equal(&before, reg_log_list(l)));

	/* A good batch, with one index suspended and reinstated in it. */
	bi[2] = v[1], bs[2] = REG_VALID;
	CHECK(reg_log_append_batch(l, bi, bs, NULL, 5, T0 + 5, &last) ==
	    SP_OK && last == 6);
	CHECK(reg_list_get(reg_log_list(l), v[0]) == REG_REVOKED);
	CHECK(reg_list_get(reg_log_list(l), v[1]) == REG_VALID);
	CHECK(reg_list_get(reg_log_list(l), v[2]) == REG_REVOKED);
	CHECK(reg_list_get(reg_log_list(l), v[3]) == REG_SUSPENDED);
	reg_log_head(l, h1);
	reg_log_close(&l);
	l = open_ok(dir, 64, 2);
	reg_log_head(l, h2);
	CHECK(reg_log_size(l) == 6 && memcmp(h1, h2, REG_HEAD_LEN) == 0);
	CHECK(reg_list_get(reg_log_list(l), v[1]) == REG_VALID);
	reg_log_close(&l);
	reg_list_clear(&before);
}

/* ---- Checkpoints, deltas, snapshots ----------------------------------- */

static void
check_ckpt(struct reg_log *l, const uint8_t *p, size_t n, int64_t time)
{
	struct reg_checkpoint c;
	struct cose_sign1 m;
	uint8_t head[REG_HEAD_LEN], digest[REG_DIGEST_LEN];

	CHECK(reg_checkpoint_decode(&c, &m, p, n) == SP_OK);
	CHECK(cose_sign1_verify(&m, &key.pub, NULL, 0, NULL, 0) == SP_OK);
	CHECK(m.kid_len == sizeof(kid) && memcmp(m.kid, kid, sizeof(kid)) ==
	    0);
	reg_log_head(l, head);
	reg_list_digest(reg_log_list(l), digest);
	CHECK(c.list == LIST_ID && c.size == reg_log_size(l) &&
	    c.time == time && c.bits == 2 && c.count == 256);
	CHECK(memcmp(c.head, head, REG_HEAD_LEN) == 0);
	CHECK(memcmp(c.digest, digest, REG_DIGEST_LEN) == 0);
}

/* Decodes a delta and compares its events with want[from..to). */
static void
check_delta(const struct sp_buf *b, uint64_t from,
    const struct reg_event *want, uint64_t to, const uint8_t *ckpt,
    size_t ckpt_len)
{
	struct reg_wire w;
	struct reg_event e;
	struct cbor_reader r;
	uint64_t i;

	CHECK(reg_wire_decode(&w, b->ptr, b->len) == SP_OK);
	CHECK(w.kind == REG_KIND_DELTA && w.list_id == LIST_ID &&
	    w.from == from && w.n_events == to - from);
	CHECK(w.ckpt_len == ckpt_len && memcmp(w.ckpt, ckpt, ckpt_len) == 0);
	cbor_reader_init(&r, w.events, w.events_len);
	for (i = from; i < to; i++) {
		CHECK(reg_event_decode(&e, &r) == SP_OK);
		CHECKF(e.seq == i + 1 && e.idx == want[i].idx &&
		    e.status == want[i].status &&
		    e.reason == want[i].reason && e.time == want[i].time,
		    "event %llu", (unsigned long long)(i + 1));
	}
	CHECK(cbor_reader_done(&r));
}

static void
test_checkpoints(void)
{
	enum { N = 40 };
	char dir[128];
	struct reg_log *l;
	struct reg_event ev[N];
	struct sp_buf out, c1;
	struct reg_wire w;
	struct reg_token tok;
	struct reg_list got;
	uint32_t idx[N / 2];
	const uint8_t *p;
	size_t n, i;
	uint64_t seq;

	memset(ev, 0, sizeof(ev));
	sp_buf_init(&out);
	sp_buf_init(&c1);
	new_dir(dir, sizeof(dir));
	l = open_ok(dir, 256, 2);
	CHECK(reg_log_checkpoint_due(l, T0, 300));
	CHECK(reg_log_checkpoint_latest(l, &p, &n) == SP_ERR_NOT_FOUND);
	/* Snapshots and deltas need a checkpoint at the current size. */
	CHECK(reg_log_snapshot(l, &key, kid, sizeof(kid), "s", T0, 60, &out) ==
	    SP_ERR_INVALID_ARG);
	CHECK(reg_log_delta(l, 0, &out) == SP_ERR_INVALID_ARG);

	/* A checkpoint of the empty log. */
	CHECK(reg_log_checkpoint(l, &key, kid, sizeof(kid), T0, &c1) == SP_OK);
	check_ckpt(l, c1.ptr, c1.len, T0);
	CHECK(reg_log_checkpoint_latest(l, &p, &n) == SP_OK && n == c1.len &&
	    memcmp(p, c1.ptr, n) == 0);
	CHECK(reg_log_checkpoint_time(l) == T0);
	CHECK(reg_log_delta(l, 0, &out) == SP_OK);
	check_delta(&out, 0, ev, 0, c1.ptr, c1.len);

	/* Due by age: at interval, not before; never if the clock went back. */
	CHECK(!reg_log_checkpoint_due(l, T0, 300));
	CHECK(!reg_log_checkpoint_due(l, T0 + 299, 300));
	CHECK(reg_log_checkpoint_due(l, T0 + 300, 300));
	CHECK(!reg_log_checkpoint_due(l, T0 - 1000, 300));
	CHECK(reg_log_checkpoint_due(l, T0, 0));

	for (i = 0; i < N / 2; i++)
		idx[i] = assign_ok(l);
	for (i = 0; i < N; i++) {
		uint32_t x = idx[i % (N / 2)];
		unsigned s = i < N / 2 ? REG_SUSPENDED :
		    (i % 3 == 0 ? REG_REVOKED : REG_VALID);

		ev[i] = (struct reg_event){ .seq = i + 1, .idx = x,
		    .status = (uint8_t)s, .reason = (uint16_t)i,
		    .time = T0 + 10 + (int64_t)i };
		CHECK(reg_log_append(l, x, s, (uint16_t)i, ev[i].time, &seq) ==
		    SP_OK && seq == i + 1);
	}
	/* Grown: due, and the old checkpoint no longer serves. */
	CHECK(reg_log_checkpoint_due(l, T0 + 1, 300));
	CHECK(reg_log_delta(l, 0, &out) == SP_ERR_INVALID_ARG);
	CHECK(reg_log_snapshot(l, &key, kid, sizeof(kid), "s", T0, 60, &out) ==
	    SP_ERR_INVALID_ARG);
	/* Not older than the latest. */
	CHECK(reg_log_checkpoint(l, &key, kid, sizeof(kid), T0 - 1, NULL) ==
	    SP_ERR_INVALID_ARG);
	sp_buf_reset(&c1);
	CHECK(reg_log_checkpoint(l, &key, kid, sizeof(kid), T0 + 100, &c1) ==
	    SP_OK);
	check_ckpt(l, c1.ptr, c1.len, T0 + 100);
	CHECK(!reg_log_checkpoint_due(l, T0 + 100, 300));
	CHECK(reg_log_checkpoint_time(l) == T0 + 100);

	/* Deltas from 0, the middle, the end; past the end refused. */
	CHECK(reg_log_delta(l, 0, &out) == SP_OK);
	check_delta(&out, 0, ev, N, c1.ptr, c1.len);
	CHECK(reg_log_delta(l, 17, &out) == SP_OK);	/* out is replaced */
	check_delta(&out, 17, ev, N, c1.ptr, c1.len);
	CHECK(reg_log_delta(l, N, &out) == SP_OK);
	check_delta(&out, N, ev, N, c1.ptr, c1.len);
	CHECK(reg_log_delta(l, N + 1, &out) == SP_ERR_INVALID_ARG);

	/* A snapshot: token of the current list plus the checkpoint. */
	CHECK(reg_log_snapshot(l, &key, kid, sizeof(kid),
	    "https://example.org/status/7", T0 + 100, 300, &out) == SP_OK);
	CHECK(reg_wire_decode(&w, out.ptr, out.len) == SP_OK);
	CHECK(w.kind == REG_KIND_SNAPSHOT && w.list_id == LIST_ID);
	CHECK(w.ckpt_len == c1.len && memcmp(w.ckpt, c1.ptr, c1.len) == 0);
	CHECK(reg_token_decode(&tok, w.body, w.body_len) == SP_OK);
	CHECK(reg_token_verify(&tok, &key.pub) == SP_OK);
	CHECK(tok.iat == T0 + 100 && tok.ttl == 300);
	CHECK(reg_list_decode(&got, LIST_ID, tok.list, tok.list_len,
	    1u << 20) == SP_OK);
	CHECK(got.bits == 2 && got.len == reg_log_list(l)->len &&
	    memcmp(got.bytes, reg_log_list(l)->bytes, got.len) == 0);
	reg_list_clear(&got);

	/* The checkpoint survives a reopen. */
	reg_log_close(&l);
	l = open_ok(dir, 256, 2);
	CHECK(reg_log_checkpoint_time(l) == T0 + 100);
	CHECK(!reg_log_checkpoint_due(l, T0 + 100, 300));
	CHECK(reg_log_checkpoint_latest(l, &p, &n) == SP_OK && n == c1.len &&
	    memcmp(p, c1.ptr, n) == 0);
	CHECK(reg_log_delta(l, 5, &out) == SP_OK);
	check_delta(&out, 5, ev, N, c1.ptr, c1.len);
	reg_log_close(&l);
	sp_buf_clear(&out);
	sp_buf_clear(&c1);
}

/* ---- Map growth ------------------------------------------------------ */

static const char *const raw_names[] = { "meta", "events", "assigned" };

/* Marks indices 0, 2, 4, ... (n of them) assigned in one raw transaction,
 * with a map big enough for it. */
static void
raw_mark(const char *dir, size_t n)
{
	struct reg_db db;
	struct reg_txn t;
	uint8_t k[4];
	size_t i;

	CHECK(reg_db_open(&db, dir, 64 << 20, raw_names, 3, REG_DB_WRITER) ==
	    SP_OK);
	reg_txn_begin(&db, &t, true);
	for (i = 0; i < n; i++) {
		reg_key_be32(k, (uint32_t)i * 2);
		reg_txn_put(&t, 2, k, sizeof(k), "", 0);
	}
	CHECK(reg_txn_commit(&t) == SP_OK);
	reg_db_close(&db);
}

/*
 * Opening with a map smaller than the file leaves LMDB's map at the used
 * size, so the next growth has to come from MDB_MAP_FULL handling: each
 * full map is doubled and the transaction retried once. A batch needing
 * more than one doubling is refused as full and leaves nothing behind.
 */
static void
test_map_growth(void)
{
	enum { N = 1000, BIG = 50000 };
	char dir[128];
	struct reg_log *l = NULL;
	struct reg_log_config c = config(1u << 17, 2);
	uint32_t *bi = calloc(BIG, sizeof(*bi));
	unsigned *bs = calloc(BIG, sizeof(*bs));
	uint8_t h1[REG_HEAD_LEN], h2[REG_HEAD_LEN];
	uint64_t seq = 0;
	size_t i, round;
	int r;

	CHECK(bi != NULL && bs != NULL);
	if (bi == NULL || bs == NULL)
		goto done;
	for (i = 0; i < BIG; i++)
		bi[i] = (uint32_t)i * 2;
	c.map_size = 64 << 10;

	new_dir(dir, sizeof(dir));
	l = open_ok(dir, c.capacity, 2);
	reg_log_close(&l);
	raw_mark(dir, N);
	CHECK(reg_log_open(&l, dir, &c) == SP_OK);
	if (l == NULL)
		goto done;
	CHECK(reg_log_assigned(l) == N);
	for (round = 0; round < 6; round++) {
		for (i = 0; i < N; i++)
			bs[i] = round % 2 == 0 ? REG_SUSPENDED : REG_VALID;
		r = reg_log_append_batch(l, bi, bs, NULL, N,
		    T0 + (int64_t)round, &seq);
		CHECKF(r == SP_OK, "round %zu: %s", round, sp_strerror(r));
	}
	CHECK(reg_log_size(l) == 6 * N);
	reg_log_close(&l);
	l = open_ok(dir, c.capacity, 2);
	CHECK(reg_log_size(l) == 6 * N);
	reg_log_close(&l);

	new_dir(dir, sizeof(dir));
	l = open_ok(dir, c.capacity, 2);
	reg_log_close(&l);
	raw_mark(dir, BIG);
	CHECK(reg_log_open(&l, dir, &c) == SP_OK);
	if (l == NULL)
		goto done;
	for (i = 0; i < BIG; i++)
		bs[i] = REG_REVOKED;
	reg_log_head(l, h1);
	r = reg_log_append_batch(l, bi, bs, NULL, BIG, T0, &seq);
	CHECKF(r == SP_ERR_STORAGE_FULL, "%s", sp_strerror(r));
	reg_log_head(l, h2);
	CHECK(reg_log_size(l) == 0 && memcmp(h1, h2, REG_HEAD_LEN) == 0);
	CHECK(reg_list_get(reg_log_list(l), bi[0]) == REG_VALID);
	/* Still usable, in the map it has now. */
	CHECK(reg_log_append(l, bi[0], REG_REVOKED, 0, T0, &seq) == SP_OK &&
	    seq == 1);
	reg_log_close(&l);
	/* With room (the default map), the rest goes in at once. */
	l = open_ok(dir, c.capacity, 2);
	CHECK(reg_log_size(l) == 1);
	CHECK(reg_log_append_batch(l, bi + 1, bs + 1, NULL, BIG - 1, T0,
	    &seq) == SP_OK && seq == BIG);
	reg_log_close(&l);
done:
	free(bi);
	free(bs);
}

/*
 * A reader whose map is smaller than what another process has since
 * written gets MDB_MAP_RESIZED from mdb_txn_begin; the store adopts the
 * new size and goes on.
 */
static void
test_map_resized(void)
{
	enum { N = 1000 };
	char dir[128];
	struct reg_log *l;
	struct reg_log_config c = config(1u << 16, 2);
	struct reg_db rd;
	struct reg_txn t;
	uint32_t idx[N];
	size_t before;
	int status = -1;
	pid_t pid;

	new_dir(dir, sizeof(dir));
	c.map_size = 64 << 10;
	l = open_ok(dir, c.capacity, 2);
	CHECK(reg_log_assign_batch(l, idx, N) == SP_OK);
	reg_log_close(&l);

	CHECK(reg_db_open(&rd, dir, 64 << 10, raw_names, 3, REG_DB_RDONLY) ==
	    SP_OK);
	before = rd.mapsize;
	reg_txn_begin(&rd, &t, false);
	CHECK(reg_txn_count(&t, 1) == 0 && t.ret == SP_OK);
	reg_txn_abort(&t);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		/* Another process (it does not touch the parent's env). */
		unsigned st[N];
		size_t i;
		int ok = reg_log_open(&l, dir, &c) == SP_OK;

		for (i = 0; i < N; i++)
			st[i] = REG_REVOKED;
		ok = ok && reg_log_append_batch(l, idx, st, NULL, N, T0,
		    NULL) == SP_OK;
		reg_log_close(&l);
		_exit(ok ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	reg_txn_begin(&rd, &t, false);
	CHECKF(t.ret == SP_OK, "%s", sp_strerror(t.ret));
	CHECK(reg_txn_count(&t, 1) == N && t.ret == SP_OK);
	reg_txn_abort(&t);
	CHECKF(rd.mapsize > before, "map %zu, was %zu", rd.mapsize, before);
	/* A reader cannot write. */
	reg_txn_begin(&rd, &t, true);
	CHECK(t.ret == SP_ERR_INVALID_ARG);
	CHECK(reg_txn_commit(&t) == SP_ERR_INVALID_ARG);
	reg_db_close(&rd);
}

/* ---- Tampering -------------------------------------------------------- */

/* Flips one byte at offset off of every copy of needle in the file; returns
 * how many copies there were. */
static size_t
flip_in_file(const char *path, const uint8_t *needle, size_t n, size_t off)
{
	struct sp_buf b;
	FILE *f;
	size_t i, hits = 0;

	sp_buf_init(&b);
	if (tu_read_file(&b, path) != 0)
		return 0;
	for (i = 0; i + n <= b.len; i++)
		if (memcmp(b.ptr + i, needle, n) == 0) {
			b.ptr[i + off] ^= 0x01;
			hits++;
		}
	if (hits > 0 && (f = fopen(path, "r+b")) != NULL) {
		if (fwrite(b.ptr, 1, b.len, f) != b.len)
			hits = 0;
		if (fclose(f) != 0)
			hits = 0;
	}
	sp_buf_clear(&b);
	return hits;
}

/* A log of 10 events, closed; returns the list index of event 5. */
static uint32_t
make_small_log(const char *dir, struct reg_event *e5)
{
	struct reg_log *l = open_ok(dir, 64, 2);
	uint32_t v[10];
	uint64_t seq;
	size_t i;

	for (i = 0; i < 10; i++)
		v[i] = assign_ok(l);
	for (i = 0; i < 10; i++)
		CHECK(reg_log_append(l, v[i], REG_SUSPENDED,
		    (uint16_t)(0xbe00 + i), T0 + 1000 + (int64_t)i, &seq) ==
		    SP_OK);
	*e5 = (struct reg_event){ .seq = 5, .idx = v[4],
	    .status = REG_SUSPENDED, .reason = 0xbe04, .time = T0 + 1004 };
	reg_log_close(&l);
	return v[4];
}

static void
raw_del(const char *dir, unsigned db, const uint8_t *k, size_t klen)
{
	struct reg_db d;
	struct reg_txn t;

	CHECK(reg_db_open(&d, dir, 0, raw_names, 3, REG_DB_WRITER) == SP_OK);
	reg_txn_begin(&d, &t, true);
	CHECK(reg_txn_get(&t, db, k, klen, NULL));
	reg_txn_del(&t, db, k, klen);
	CHECK(!reg_txn_get(&t, db, k, klen, NULL));
	CHECK(reg_txn_commit(&t) == SP_OK);
	reg_db_close(&d);
}

/* Stores a checkpoint signed over c as the latest, bypassing the log. */
static void
raw_put_ckpt(const char *dir, const struct reg_checkpoint *c)
{
	struct sp_buf sig, val;
	struct cbor_enc e;
	struct reg_db d;
	struct reg_txn t;

	sp_buf_init(&sig);
	sp_buf_init(&val);
	CHECK(reg_checkpoint_sign(&sig, c, &key, kid, sizeof(kid)) == SP_OK);
	cbor_enc_init(&e, &val);
	cbor_put_array(&e, 2);	/* the meta value: [version, bytes] */
	cbor_put_uint(&e, 1);
	cbor_put_bstr(&e, sig.ptr, sig.len);
	CHECK(cbor_enc_finish(&e) == SP_OK);
	CHECK(reg_db_open(&d, dir, 0, raw_names, 3, REG_DB_WRITER) == SP_OK);
	reg_txn_begin(&d, &t, true);
	reg_txn_put(&t, 0, "checkpoint", 10, val.ptr, val.len);
	CHECK(reg_txn_commit(&t) == SP_OK);
	reg_db_close(&d);
	sp_buf_clear(&sig);
	sp_buf_clear(&val);
}

/* A stored checkpoint must state the replayed head and digest. */
static void
test_tamper_ckpt(void)
{
	char dir[128];
	struct reg_event e5;
	struct reg_checkpoint c;
	struct reg_list empty;
	struct reg_log *l;

	memset(&c, 0, sizeof(c));
	c.list = LIST_ID;
	c.time = T0;
	c.bits = 2;
	c.count = 64;
	CHECK(reg_list_init(&empty, LIST_ID, 2, 64) == SP_OK);

	/* Honest: size 0, genesis head, the empty list's digest. */
	new_dir(dir, sizeof(dir));
	make_small_log(dir, &e5);
	reg_head_genesis(c.head, LIST_ID);
	reg_list_digest(&empty, c.digest);
	raw_put_ckpt(dir, &c);
	l = open_ok(dir, 64, 2);
	CHECK(reg_log_checkpoint_time(l) == T0);
	CHECK(reg_log_checkpoint_due(l, T0, 3600));	/* the log grew */
	reg_log_close(&l);
	/* A head that is not the chain's at that size. */
	c.head[0] ^= 1;
	raw_put_ckpt(dir, &c);
	CHECK(reopen_err(dir, 64, 2) == SP_ERR_STORAGE);
	/* A digest that is not the list's at that size. */
	c.head[0] ^= 1;
	c.digest[0] ^= 1;
	raw_put_ckpt(dir, &c);
	CHECK(reopen_err(dir, 64, 2) == SP_ERR_STORAGE);
	/* Beyond the log. */
	c.digest[0] ^= 1;
	c.size = 11;
	raw_put_ckpt(dir, &c);
	CHECK(reopen_err(dir, 64, 2) == SP_ERR_STORAGE);
	/* Another list's. */
	c.size = 0;
	c.list = LIST_ID + 1;
	raw_put_ckpt(dir, &c);
	CHECK(reopen_err(dir, 64, 2) == SP_ERR_STORAGE);
	reg_list_clear(&empty);
}

static void
test_tamper(void)
{
	char dir[128], path[160];
	struct reg_event e5;
	struct sp_buf enc;
	uint8_t k[8];
	uint32_t idx5;

	sp_buf_init(&enc);
	/* A flipped bit in the time of event 5, in the data file itself. */
	new_dir(dir, sizeof(dir));
	make_small_log(dir, &e5);
	CHECK(reg_event_encode(&enc, &e5) == SP_OK);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	CHECK(flip_in_file(path, enc.ptr, enc.len, enc.len - 1) >= 1);
	CHECK(reopen_err(dir, 64, 2) == SP_ERR_STORAGE);

	/* Event 5 deleted through a raw LMDB transaction. */
	new_dir(dir, sizeof(dir));
	make_small_log(dir, &e5);
	CHECK(reopen_err(dir, 64, 2) == SP_OK);
	reg_key_be64(k, 5);
	raw_del(dir, 1, k, 8);
	CHECK(reopen_err(dir, 64, 2) == SP_ERR_STORAGE);

	/* The last event deleted (size no longer matches). */
	new_dir(dir, sizeof(dir));
	make_small_log(dir, &e5);
	reg_key_be64(k, 10);
	raw_del(dir, 1, k, 8);
	CHECK(reopen_err(dir, 64, 2) == SP_ERR_STORAGE);

	/* The index of an event un-assigned. */
	new_dir(dir, sizeof(dir));
	idx5 = make_small_log(dir, &e5);
	reg_key_be32(k, idx5);
	raw_del(dir, 2, k, 4);
	CHECK(reopen_err(dir, 64, 2) == SP_ERR_STORAGE);

	/* The stored state lost. */
	new_dir(dir, sizeof(dir));
	make_small_log(dir, &e5);
	raw_del(dir, 0, (const uint8_t *)"state", 5);
	CHECK(reopen_err(dir, 64, 2) == SP_ERR_STORAGE);
	sp_buf_clear(&enc);
}

int
main(void)
{
	uint8_t seed[SIG_SEED_LEN];

	snprintf(root, sizeof(root), "/tmp/sp-test-log-XXXXXX");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	memset(seed, 0x42, sizeof(seed));
	CHECK(sig_priv_from_seed(&key, SIG_ALG_EDDSA, seed) == SP_OK);
	test_reopen();
	test_transitions();
	test_assign();
	test_assign_batch();
	test_config();
	test_batch();
	test_checkpoints();
	test_map_growth();
	test_map_resized();
	test_tamper();
	test_tamper_ckpt();
	sig_priv_clear(&key);
	CHECK(nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0);
	return check_report("test_log");
}
