/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crash safety (integration): a child redeems in a loop and reports each
 * approved seq and replay id to a file (fsync'd) only after
 * sp_ledger_redeem returned it approved; the parent SIGKILLs it after a
 * random 0..30 ms after it opened the ledger, KILLS times, reopening the ledger after each kill:
 * every reported redemption is there, the chain verifies, the stored
 * head matches the record count and no replay id is recorded twice.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ledger_int.h"
#include "lfix.h"

#define KILLS 100
#define REPORT_LEN 40		/* seq (8) || replay id (32) */

static struct lfix fx;

static void
child(const char *dir, const char *report, unsigned round, int ready)
{
	struct sp_ledger *l = NULL;
	struct sp_verdict vd;
	struct sp_receipt rc;
	uint8_t *p = NULL, rep[REPORT_LEN];
	size_t len = 0;
	int fd;

	if ((fd = open(report, O_WRONLY | O_APPEND | O_CREAT, 0600)) < 0 ||
	    sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) != SP_OK)
		_exit(200);
	/* Open: the parent's clock starts now. */
	if (write(ready, "r", 1) != 1)
		_exit(204);
	for (uint64_t i = 1;; i++) {
		if (lfix_verdict(&fx, &vd, &p, &len, 3, 0, LFIX_T0 + 700,
		    (uint64_t)round << 32 | i) != SP_OK)
			_exit(201);
		if (sp_ledger_redeem(l, &vd, LFIX_T0 + 700, &rc) != SP_OK ||
		    !vd.approved)
			_exit(202);
		lkey_be64(rep, rc.seq);
		memcpy(rep + 8, vd.replay_id, 32);
		if (write(fd, rep, sizeof(rep)) != (ssize_t)sizeof(rep) ||
		    fdatasync(fd) != 0)
			_exit(203);
		sp_bytes_free(p, len);
	}
}

/* Checks every complete report line against the ledger. */
static unsigned
check_reports(struct sp_ledger *l, const char *report, uint64_t records)
{
	uint8_t rep[REPORT_LEN];
	unsigned n = 0, bad = 0;
	int fd = open(report, O_RDONLY);

	if (fd < 0)
		return 0;
	while (read(fd, rep, sizeof(rep)) == (ssize_t)sizeof(rep)) {
		if (lkey_get_be64(rep) > records ||
		    !sp_ledger_seen(l, rep + 8))
			bad++;
		n++;
	}
	close(fd);
	CHECKF(bad == 0, "%u of %u reported redemptions lost", bad, n);
	return n;
}

int
main(void)
{
	char *dir = lfix_tmpdir(), report[4200];
	struct sp_ledger *l = NULL;
	struct sp_ledger_stats st;
	unsigned reported = 0, errs = 0;
	uint64_t bad = 0, rng = 0x9e3779b97f4a7c15u;

	CHECK(dir != NULL);
	CHECK(lfix_init(&fx, 1) == SP_OK);
	snprintf(report, sizeof(report), "%s.report", dir);
	(void)unlink(report);
	for (unsigned k = 0; k < KILLS; k++) {
		struct timespec ts;
		pid_t pid;
		int status = 0, fds[2];
		char c;

		fflush(NULL);
		CHECK(pipe(fds) == 0);
		if ((pid = fork()) == 0)
			child(dir, report, k + 1, fds[1]);
		CHECK(pid > 0);
		close(fds[1]);
		CHECK(read(fds[0], &c, 1) == 1);
		close(fds[0]);
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(rng % 31) * 1000000L;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECKF(WIFSIGNALED(status), "child exited %d", status);
		/* Reopen as the next till start would. */
		if (sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) != SP_OK) {
			errs++;
			continue;
		}
		CHECK(sp_ledger_stats(l, &st) == SP_OK);
		CHECK(ledger_count(l, LDB_RECORDS) == st.records);
		CHECK(ledger_count(l, LDB_REPLAY) == st.records);
		if (k % 10 == 9 || k == KILLS - 1)
			CHECK(sp_ledger_verify(l, &bad) == SP_OK);
		reported = check_reports(l, report, st.records);
		sp_ledger_close(&l);
	}
	CHECKF(errs == 0, "%u reopens failed", errs);
	printf("test_ledger_crash: %u kills, %u reported redemptions, "
	    "%llu records\n", KILLS, reported,
	    (unsigned long long)st.records);
	CHECK(reported > 0 && reported <= st.records);
	(void)unlink(report);
	lfix_clear(&fx);
	lfix_rmdir(dir);
	return check_report("test_ledger_crash");
}
