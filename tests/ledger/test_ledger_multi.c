/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Several till processes on one ledger directory (integration): NPROC
 * forked children, each with its own sp_ledger, hammer the same pass,
 * offer, scope and tag with limit LIMIT, each attempt a distinct
 * presentation: exactly LIMIT are approved in total. Then a replay race:
 * every child redeems the same ROUNDS presentations, in the same order:
 * each is approved exactly once. The chain verifies afterwards. And a
 * map grown by another process (MDB_MAP_RESIZED) is adopted.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "ledger_int.h"
#include "lfix.h"

#define NPROC 4
#define ATTEMPTS 200
#define LIMIT 5
#define ROUNDS 60

static struct lfix fx;

struct pres {
	uint8_t *p;
	size_t len;
	struct sp_verdict vd;
};

/* Child of the limit test: ATTEMPTS fresh presentations. */
static unsigned
child_limit(const char *dir, unsigned id)
{
	struct sp_ledger *l = NULL;
	struct sp_verdict vd;
	struct sp_receipt rc;
	uint8_t *p = NULL;
	size_t len = 0;
	unsigned ok = 0;

	if (sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) != SP_OK)
		_exit(200);
	for (unsigned i = 0; i < ATTEMPTS; i++) {
		uint64_t ctr = (uint64_t)id * 100000 + i + 1;

		if (lfix_verdict(&fx, &vd, &p, &len, 1, LIMIT,
		    LFIX_T0 + 500, ctr) != SP_OK)
			_exit(201);
		if (sp_ledger_redeem(l, &vd, LFIX_T0 + 500, &rc) != SP_OK)
			_exit(202);
		if (vd.approved)
			ok++;
		else if (vd.reason != SP_R_LIMIT_REACHED)
			_exit(203);
		sp_bytes_free(p, len);
	}
	sp_ledger_close(&l);
	return ok;
}

/* Child of the replay race: the same presentations as every other. */
static unsigned
child_replay(const char *dir, struct pres *ps)
{
	struct sp_ledger *l = NULL;
	struct sp_receipt rc;
	unsigned ok = 0;

	if (sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) != SP_OK)
		_exit(200);
	for (unsigned i = 0; i < ROUNDS; i++) {
		struct sp_verdict vd = ps[i].vd;

		if (sp_ledger_redeem(l, &vd, LFIX_T0 + 600, &rc) != SP_OK)
			_exit(202);
		if (vd.approved)
			ok++;
		else if (vd.reason != SP_R_REPLAYED)
			_exit(203);
	}
	sp_ledger_close(&l);
	return ok;
}

/* Forks NPROC children running fn; returns the sum of their counts. */
static unsigned
run(const char *dir, struct pres *ps)
{
	pid_t pid[NPROC];
	int fds[NPROC][2];
	unsigned total = 0;

	for (unsigned i = 0; i < NPROC; i++) {
		CHECK(pipe(fds[i]) == 0);
		pid[i] = fork();
		CHECK(pid[i] >= 0);
		if (pid[i] == 0) {
			unsigned n = ps == NULL ? child_limit(dir, i + 1) :
			    child_replay(dir, ps);

			if (write(fds[i][1], &n, sizeof(n)) != sizeof(n))
				_exit(204);
			_exit(0);
		}
		close(fds[i][1]);
	}
	for (unsigned i = 0; i < NPROC; i++) {
		unsigned n = 0;
		int st = 0;

		CHECK(read(fds[i][0], &n, sizeof(n)) == sizeof(n));
		close(fds[i][0]);
		CHECK(waitpid(pid[i], &st, 0) == pid[i]);
		CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %u: %d",
		    i, st);
		total += n;
	}
	return total;
}

/*
 * MDB_MAP_RESIZED: this process holds the ledger open with a 128 KiB
 * map while a child, opening it with the default 1 GiB, writes far more
 * than that; the next redemption here must adopt the larger map.
 */
static void
test_map_resized(void)
{
	char *dir = lfix_tmpdir();
	struct sp_ledger *l = NULL;
	struct sp_verdict vd;
	struct sp_receipt rc;
	struct sp_ledger_stats st;
	uint8_t *p = NULL;
	size_t len = 0;
	uint64_t bad = 0;
	pid_t pid;
	int status = 0;

	CHECK(dir != NULL);
	CHECK(ledger_open_mapsize(&l, dir, LFIX_PROVIDER, fx.till,
	    (size_t)128 << 10) == SP_OK);
	CHECK(lfix_verdict(&fx, &vd, &p, &len, 3, 0, LFIX_T0 + 800, 1) ==
	    SP_OK);
	CHECK(sp_ledger_redeem(l, &vd, LFIX_T0 + 800, &rc) == SP_OK &&
	    vd.approved);
	sp_bytes_free(p, len);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		struct sp_ledger *c = NULL;

		/* Never touches the parent's environment. */
		if (sp_ledger_open(&c, dir, LFIX_PROVIDER, fx.till) != SP_OK)
			_exit(200);
		for (uint64_t i = 2; i < 400; i++) {
			if (lfix_verdict(&fx, &vd, &p, &len, 3, 0,
			    LFIX_T0 + 800, i) != SP_OK ||
			    sp_ledger_redeem(c, &vd, LFIX_T0 + 800, &rc) !=
			    SP_OK || !vd.approved)
				_exit(201);
			sp_bytes_free(p, len);
		}
		sp_ledger_close(&c);
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d",
	    status);
	CHECK(lfix_verdict(&fx, &vd, &p, &len, 3, 0, LFIX_T0 + 800, 400) ==
	    SP_OK);
	CHECK(sp_ledger_redeem(l, &vd, LFIX_T0 + 800, &rc) == SP_OK &&
	    vd.approved && rc.seq == 400);
	sp_bytes_free(p, len);
	CHECK(sp_ledger_stats(l, &st) == SP_OK && st.records == 400);
	CHECK(sp_ledger_verify(l, &bad) == SP_OK);
	sp_ledger_close(&l);
	lfix_rmdir(dir);
}

int
main(void)
{
	char *dir = lfix_tmpdir();
	struct sp_ledger *l = NULL;
	struct sp_ledger_stats st;
	struct pres ps[ROUNDS];
	uint32_t used = 0;
	uint64_t bad = 0;
	unsigned total;

	CHECK(dir != NULL);
	CHECK(lfix_init(&fx, 1) == SP_OK);
	/* Create it first, then close: children must not inherit an
	 * open environment. */
	CHECK(sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) == SP_OK);
	sp_ledger_close(&l);

	total = run(dir, NULL);
	CHECKF(total == LIMIT, "approved %u, limit %u", total, LIMIT);
	CHECK(sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) == SP_OK);
	CHECK(sp_ledger_stats(l, &st) == SP_OK && st.records == LIMIT);
	{
		struct sp_verdict vd;
		uint8_t *p = NULL;
		size_t len = 0;

		CHECK(lfix_verdict(&fx, &vd, &p, &len, 1, LIMIT, LFIX_T0 + 500,
		    1) == SP_OK);
		CHECK(sp_ledger_used(l, 1, vd.scope, vd.tag, &used) == SP_OK &&
		    used == LIMIT);
		sp_bytes_free(p, len);
	}
	CHECK(sp_ledger_verify(l, &bad) == SP_OK);
	sp_ledger_close(&l);

	/* The replay race. */
	for (unsigned i = 0; i < ROUNDS; i++)
		CHECK(lfix_verdict(&fx, &ps[i].vd, &ps[i].p, &ps[i].len, 3, 0,
		    LFIX_T0 + 600, 900000 + i) == SP_OK);
	total = run(dir, ps);
	CHECKF(total == ROUNDS, "approved %u of %u", total, ROUNDS);
	CHECK(sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) == SP_OK);
	CHECK(sp_ledger_stats(l, &st) == SP_OK &&
	    st.records == LIMIT + ROUNDS);
	CHECK(ledger_count(l, LDB_REPLAY) == LIMIT + ROUNDS);
	CHECK(sp_ledger_verify(l, &bad) == SP_OK);
	sp_ledger_close(&l);
	for (unsigned i = 0; i < ROUNDS; i++)
		sp_bytes_free(ps[i].p, ps[i].len);
	test_map_resized();
	lfix_clear(&fx);
	lfix_rmdir(dir);
	return check_report("test_ledger_multi");
}
