/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crash test of the issuer's status log: a child process writes (assigns,
 * single appends, small batches, checkpoints) and acknowledges each durable
 * call on a pipe; the parent kills it with SIGKILL after a random delay,
 * often inside a commit, then reopens the log and checks that nothing
 * acknowledged was lost or changed, that the log, its head and its list
 * agree with an independent replay of the raw events, and that the latest
 * checkpoint verifies and matches the chain at its size. 50 kills on one
 * growing log, then 20 on a fresh one. Delays come from a fixed-seed PRNG.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "store_lmdb.h"

#define LIST_ID 11
#define CAP 4096
#define BITS 2
#define T0 1767225600
#define RUNS_GROW 50
#define RUNS_FRESH 20
#define MAX_DELAY_US 30000

enum ack_type {
	ACK_OPEN = 'O',		/* the log is open: the clock starts */
	ACK_ASSIGN = 'A',
	ACK_EVENT = 'E',
	ACK_CKPT = 'C',
	ACK_FAIL = 'F',		/* seq holds -error */
};

/* One acknowledgement; written whole (well under PIPE_BUF, so atomic). */
struct ack {
	uint8_t type;
	uint8_t status;
	uint16_t reason;
	uint32_t idx;
	uint64_t seq;		/* event seq, checkpoint size */
	int64_t time;
};

struct acked_event {
	bool acked;
	uint32_t idx;
	uint8_t status;
	uint16_t reason;
	int64_t time;
};

/* What the parent was told, over every run on one directory. */
struct truth {
	struct acked_event *ev;	/* by seq - 1 */
	size_t ev_cap;
	uint64_t last_seq;	/* highest acknowledged seq */
	uint8_t assigned[CAP];	/* acknowledged assignments */
	bool has_ckpt;
	uint64_t ckpt_size;
	int64_t ckpt_time;
};

struct stats {
	unsigned kills, mid_txn, open_kills;
	uint64_t acked_events, unacked_found;
};

static char root[64];

static uint64_t
rng_next(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717u;
}

static int
key_from_seed(struct sig_priv *k)
{
	uint8_t seed[SIG_SEED_LEN];

	memset(seed, 0x5a, sizeof(seed));
	return sig_priv_from_seed(k, SIG_ALG_EDDSA, seed);
}

static struct reg_log_config
config(void)
{
	struct reg_log_config c = {
		.list_id = LIST_ID, .bits = BITS, .capacity = CAP,
	};
	return c;
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* ---- Child: the writer ------------------------------------------------ */

static void
send_ack(int fd, const struct ack *a)
{
	if (write(fd, a, sizeof(*a)) != (ssize_t)sizeof(*a))
		_exit(4);
}

static void
child_fail(int fd, int err)
{
	struct ack a = { .type = ACK_FAIL, .seq = (uint64_t)-(int64_t)err };

	send_ack(fd, &a);
	_exit(3);
}

/* A change allowed from cur, or cur itself if there is none. */
static unsigned
next_status(unsigned cur, uint64_t r)
{
	switch (cur) {
	case REG_VALID:
		return r % 4 == 0 ? REG_REVOKED : REG_SUSPENDED;
	case REG_SUSPENDED:
		return r % 3 == 0 ? REG_REVOKED : REG_VALID;
	default:
		return cur;
	}
}

struct writer {
	struct reg_log *l;
	int fd;
	uint64_t rng;
	uint32_t mine[CAP];	/* assigned in this run */
	size_t n_mine;
	bool full;
	int64_t now;
};

static bool
pick(struct writer *w, uint32_t *idx)
{
	if (w->full) {
		*idx = (uint32_t)(rng_next(&w->rng) % CAP);
		return true;
	}
	if (w->n_mine == 0)
		return false;
	*idx = w->mine[rng_next(&w->rng) % w->n_mine];
	return true;
}

static void
do_assign(struct writer *w)
{
	struct ack a = { .type = ACK_ASSIGN };
	uint32_t idx;
	int r = reg_log_assign(w->l, &idx);

	if (r == SP_ERR_REG_FULL) {
		w->full = true;
		return;
	}
	if (r != SP_OK)
		child_fail(w->fd, r);
	w->mine[w->n_mine++] = idx;
	a.idx = idx;
	send_ack(w->fd, &a);
}

/* Appends n (1 = a single append) changes; statuses follow the rules
 * against the list as the batch's earlier changes leave it. */
static void
do_append(struct writer *w, size_t n)
{
	uint32_t idx[8];
	unsigned st[8];
	uint16_t reason[8];
	uint64_t last;
	size_t i, j, got = 0, tries;
	struct ack a = { .type = ACK_EVENT };
	int r;

	for (tries = 0; got < n && tries < 4 * n; tries++) {
		unsigned cur;

		if (!pick(w, &idx[got]))
			break;
		cur = reg_list_get(reg_log_list(w->l), idx[got]);
		for (j = 0; j < got; j++)	/* the batch's own changes */
			if (idx[j] == idx[got])
				cur = st[j];
		st[got] = next_status(cur, rng_next(&w->rng));
		if (st[got] == cur)
			continue;	/* revoked: nothing allowed */
		reason[got] = (uint16_t)(rng_next(&w->rng) & 0xffff);
		got++;
	}
	if (got == 0)
		return;
	w->now++;
	r = n == 1 ? reg_log_append(w->l, idx[0], st[0], reason[0], w->now,
	    &last) : reg_log_append_batch(w->l, idx, st, reason, got, w->now,
	    &last);
	if (r != SP_OK)
		child_fail(w->fd, r);
	/* Durable: acknowledge every event of it. */
	for (i = 0; i < got; i++) {
		a.seq = last - got + 1 + i;
		a.idx = idx[i];
		a.status = (uint8_t)st[i];
		a.reason = reason[i];
		a.time = w->now;
		send_ack(w->fd, &a);
	}
}

static void
do_checkpoint(struct writer *w, const struct sig_priv *k)
{
	struct ack a = { .type = ACK_CKPT };
	int r;

	w->now++;
	if ((r = reg_log_checkpoint(w->l, k, (const uint8_t *)"crash", 5,
	    w->now, NULL)) != SP_OK)
		child_fail(w->fd, r);
	a.seq = reg_log_size(w->l);
	a.time = w->now;
	send_ack(w->fd, &a);
}

static void
child(const char *dir, int fd, unsigned run)
{
	static struct writer w;
	struct reg_log_config c = config();
	struct sig_priv k;
	struct ack a = { .type = ACK_OPEN };
	int r;

	memset(&w, 0, sizeof(w));
	w.fd = fd;
	w.rng = 0x9e3779b97f4a7c15u ^ (run + 1);
	/* Times grow across runs (checkpoints may not go back). */
	w.now = T0 + (int64_t)run * 100000;
	if ((r = key_from_seed(&k)) != SP_OK)
		child_fail(fd, r);
	if ((r = reg_log_open(&w.l, dir, &c)) != SP_OK)
		child_fail(fd, r);
	if (reg_log_checkpoint_time(w.l) > w.now)
		w.now = reg_log_checkpoint_time(w.l);
	send_ack(fd, &a);
	for (;;) {
		uint64_t op = rng_next(&w.rng) % 100;

		if (op < 20 || (w.n_mine == 0 && !w.full))
			do_assign(&w);
		else if (op < 55)
			do_append(&w, 1);
		else if (op < 94)
			do_append(&w, 2 + rng_next(&w.rng) % 7);
		else
			do_checkpoint(&w, &k);
	}
}

/* ---- Parent: the judge ------------------------------------------------ */

static int
truth_event(struct truth *t, const struct ack *a)
{
	size_t need;
	struct acked_event *p;

	if (a->seq == 0 || a->seq > (uint64_t)1 << 30)
		return -1;
	need = (size_t)a->seq;
	if (need > t->ev_cap) {
		size_t cap = t->ev_cap ? t->ev_cap : 1024;

		while (cap < need)
			cap *= 2;
		if ((p = realloc(t->ev, cap * sizeof(*p))) == NULL)
			return -1;
		memset(p + t->ev_cap, 0, (cap - t->ev_cap) * sizeof(*p));
		t->ev = p;
		t->ev_cap = cap;
	}
	t->ev[a->seq - 1] = (struct acked_event){ .acked = true,
	    .idx = a->idx, .status = a->status, .reason = a->reason,
	    .time = a->time };
	if (a->seq > t->last_seq)
		t->last_seq = a->seq;
	return 0;
}

/* Applies one acknowledgement; false on a child failure. */
static bool
take_ack(struct truth *t, struct stats *s, const struct ack *a, bool *open)
{
	switch (a->type) {
	case ACK_OPEN:
		*open = true;
		return true;
	case ACK_ASSIGN:
		CHECK(a->idx < CAP);
		if (a->idx < CAP)
			t->assigned[a->idx] = 1;
		return true;
	case ACK_EVENT:
		s->acked_events++;
		CHECK(truth_event(t, a) == 0);
		return true;
	case ACK_CKPT:
		t->has_ckpt = true;
		t->ckpt_size = a->seq;
		t->ckpt_time = a->time;
		return true;
	default:
		fprintf(stderr, "child failed: %s\n",
		    sp_strerror(-(int)(int64_t)a->seq));
		CHECK(a->type == ACK_FAIL && false);
		return false;
	}
}

/* Reads whole acks from fd (non-blocking); returns false at EOF. */
static bool
drain(int fd, struct truth *t, struct stats *s, bool *open, uint8_t *buf,
    size_t *have)
{
	ssize_t n;
	size_t off = 0;
	struct ack a;

	n = read(fd, buf + *have, 4096 - *have);
	if (n == 0)
		return false;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	*have += (size_t)n;
	while (*have - off >= sizeof(a)) {
		memcpy(&a, buf + off, sizeof(a));
		take_ack(t, s, &a, open);
		off += sizeof(a);
	}
	memmove(buf, buf + off, *have - off);
	*have -= off;
	return true;
}

/* Runs one child and kills it delay_us after it reports the log open. */
static void
one_kill(const char *dir, unsigned run, uint64_t delay_us, struct truth *t,
    struct stats *s)
{
	uint8_t buf[4096];
	size_t have = 0;
	int fds[2], status = 0;
	bool open = false, alive = true;
	uint64_t deadline = 0, start = now_us();
	struct pollfd p;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		perror("pipe");
		exit(1);
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		close(fds[0]);
		child(dir, fds[1], run);
		_exit(0);
	}
	close(fds[1]);
	(void)fcntl(fds[0], F_SETFL, O_NONBLOCK);
	p = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	while (alive) {
		uint64_t now = now_us();

		if (open && deadline == 0)
			deadline = now + delay_us;
		if (deadline != 0 && now >= deadline)
			break;
		if (!open && now - start > 20000000) {
			fprintf(stderr, "run %u: child never opened\n", run);
			break;
		}
		/* poll has ms granularity: wake often near the deadline. */
		(void)poll(&p, 1, deadline == 0 ? 100 :
		    (int)((deadline - now) / 1000));
		alive = drain(fds[0], t, s, &open, buf, &have);
	}
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECKF(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "run %u: child ended by itself (status %d)", run, status);
	/* What the child wrote before it died is still in the pipe. */
	(void)fcntl(fds[0], F_SETFL, 0);
	while (drain(fds[0], t, s, &open, buf, &have))
		;
	CHECK(have == 0);
	close(fds[0]);
	s->kills++;
	if (!open)
		s->open_kills++;
}

/* Replays the raw events; fills list and head, and the head and digest
 * at size ck_size. */
struct replay {
	const struct truth *t;
	struct reg_list list;
	uint8_t head[REG_HEAD_LEN];
	uint64_t n;
	uint64_t ck_size;
	uint8_t ck_head[REG_HEAD_LEN], ck_digest[REG_DIGEST_LEN];
	bool ck_seen;
	unsigned bad;
};

static void
replay_mark(struct replay *rp)
{
	if (rp->n != rp->ck_size)
		return;
	memcpy(rp->ck_head, rp->head, REG_HEAD_LEN);
	reg_list_digest(&rp->list, rp->ck_digest);
	rp->ck_seen = true;
}

static int
replay_visit(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	struct replay *rp = ctx;
	const struct acked_event *a;
	struct reg_event e;
	struct cbor_reader r;

	if (klen != 8 || reg_key_get_be64(key) != rp->n + 1) {
		rp->bad++;
		return 1;
	}
	cbor_reader_init(&r, val, vlen);
	if (reg_event_decode(&e, &r) != SP_OK || !cbor_reader_done(&r) ||
	    e.seq != rp->n + 1 || e.idx >= CAP ||
	    reg_list_set(&rp->list, e.idx, e.status) != SP_OK) {
		rp->bad++;
		return 1;
	}
	if (e.seq <= rp->t->ev_cap && (a = &rp->t->ev[e.seq - 1])->acked) {
		CHECKF(a->idx == e.idx && a->status == e.status &&
		    a->reason == e.reason && a->time == e.time,
		    "seq %llu differs from what was acknowledged",
		    (unsigned long long)e.seq);
	}
	reg_head_next(rp->head, rp->head, val, vlen);
	rp->n++;
	replay_mark(rp);
	return 0;
}

static void
verify(const char *dir, const struct truth *t, struct stats *s,
    const struct sig_pub *pub)
{
	static const char *const names[] = { "meta", "events", "assigned" };
	struct reg_log_config c = config();
	struct reg_log *l = NULL;
	struct reg_list list;
	struct replay rp;
	struct reg_checkpoint ck;
	struct cose_sign1 m;
	struct sp_buf ckpt;
	struct reg_db db;
	struct reg_txn tx;
	uint8_t head[REG_HEAD_LEN], k[4];
	const uint8_t *p;
	size_t n;
	uint64_t size;
	uint32_t i;
	int r;

	memset(&rp, 0, sizeof(rp));
	sp_buf_init(&ckpt);
	r = reg_log_open(&l, dir, &c);
	CHECKF(r == SP_OK, "reopen after kill %u: %s", s->kills,
	    sp_strerror(r));
	if (l == NULL)
		return;
	size = reg_log_size(l);
	reg_log_head(l, head);
	CHECK(reg_list_copy(&list, reg_log_list(l)) == SP_OK);
	if (reg_log_checkpoint_latest(l, &p, &n) == SP_OK)
		CHECK(sp_buf_set(&ckpt, p, n) == SP_OK);
	reg_log_close(&l);

	CHECKF(size >= t->last_seq, "size %llu < acknowledged %llu",
	    (unsigned long long)size, (unsigned long long)t->last_seq);
	if (size > t->last_seq) {
		s->mid_txn++;
		s->unacked_found += size - t->last_seq;
	}

	/* The latest checkpoint: signed, and no older than acknowledged. */
	rp.ck_size = UINT64_MAX;
	CHECK(!t->has_ckpt || ckpt.len > 0);
	if (ckpt.len > 0) {
		CHECK(reg_checkpoint_decode(&ck, &m, ckpt.ptr, ckpt.len) ==
		    SP_OK);
		CHECK(cose_sign1_verify(&m, pub, NULL, 0, NULL, 0) == SP_OK);
		CHECK(ck.list == LIST_ID && ck.bits == BITS && ck.count == CAP);
		CHECK(ck.size <= size);
		CHECK(!t->has_ckpt || (ck.size >= t->ckpt_size &&
		    ck.time >= t->ckpt_time));
		rp.ck_size = ck.size;
	}

	/* Independent replay of the raw events. */
	rp.t = t;
	CHECK(reg_list_init(&rp.list, LIST_ID, BITS, CAP) == SP_OK);
	reg_head_genesis(rp.head, LIST_ID);
	replay_mark(&rp);
	CHECK(reg_db_open(&db, dir, 0, names, 3, REG_DB_RDONLY) == SP_OK);
	reg_txn_begin(&db, &tx, false);
	reg_txn_foreach(&tx, 1, NULL, 0, replay_visit, &rp);
	/* Every acknowledged assignment is there. */
	for (i = 0; i < CAP; i++) {
		if (!t->assigned[i])
			continue;
		reg_key_be32(k, i);
		CHECKF(reg_txn_get(&tx, 2, k, sizeof(k), NULL),
		    "assigned index %u lost", i);
	}
	CHECK(tx.ret == SP_OK);
	reg_txn_abort(&tx);
	reg_db_close(&db);
	CHECK(rp.bad == 0);
	CHECK(rp.n == size);
	CHECK(memcmp(rp.head, head, REG_HEAD_LEN) == 0);
	CHECK(reg_list_equal(&rp.list, &list));
	if (ckpt.len > 0) {
		CHECK(rp.ck_seen);
		CHECK(memcmp(ck.head, rp.ck_head, REG_HEAD_LEN) == 0);
		CHECK(memcmp(ck.digest, rp.ck_digest, REG_DIGEST_LEN) == 0);
	}
	reg_list_clear(&rp.list);
	reg_list_clear(&list);
	sp_buf_clear(&ckpt);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
series(const char *dir, unsigned runs, unsigned first_run, uint64_t *rng,
    struct stats *s, const struct sig_pub *pub)
{
	struct truth *t = calloc(1, sizeof(*t));
	unsigned i;

	if (t == NULL) {
		perror("calloc");
		exit(1);
	}
	for (i = 0; i < runs; i++) {
		one_kill(dir, first_run + i, rng_next(rng) % (MAX_DELAY_US + 1),
		    t, s);
		verify(dir, t, s, pub);
	}
	free(t->ev);
	free(t);
}

int
main(void)
{
	struct stats s = { 0 };
	struct sig_priv k;
	char dir[128];
	uint64_t rng = 20261124, t0 = now_us();

	alarm(300);	/* a wedged child must not hang the suite */
	snprintf(root, sizeof(root), "/tmp/sp-test-log-crash-XXXXXX");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	CHECK(key_from_seed(&k) == SP_OK);

	snprintf(dir, sizeof(dir), "%s/grow", root);
	series(dir, RUNS_GROW, 0, &rng, &s, &k.pub);
	printf("test_log_crash: %u kills on one log\n", s.kills);
	snprintf(dir, sizeof(dir), "%s/fresh", root);
	series(dir, RUNS_FRESH, RUNS_GROW, &rng, &s, &k.pub);

	printf("test_log_crash: %u kills (%u before the log was open), "
	    "%llu acknowledged events all survived, %u kills left "
	    "committed but unacknowledged events (%llu of them), %.1f s\n",
	    s.kills, s.open_kills, (unsigned long long)s.acked_events,
	    s.mid_txn, (unsigned long long)s.unacked_found,
	    (double)(now_us() - t0) / 1e6);
	sig_priv_clear(&k);
	CHECK(nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0);
	return check_report("test_log_crash");
}
