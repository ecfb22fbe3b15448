/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crash safety of the store with the POSIX reference ops: a child process
 * saves new states as fast as it can and is killed with SIGKILL at random
 * moments, 60 times. Before each save it logs the SHA-256 of the state it
 * is about to save ("intent") and after the save returns, that it is done.
 * Every reopen must succeed and give exactly the state of the last intent
 * or the last completed save: never a corrupt or half-written one, never
 * one older than a save that returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "check.h"
#include "wallet_int.h"

#define ROUNDS 60
#define LOG_NAME "crash.log"

static const uint8_t store_key[32] = { 0x77, 0x66 };

struct rec {
	uint64_t seq;
	uint8_t digest[32];
	uint64_t done;		/* 0 intent, 1 done */
};

static int
state_digest(uint8_t out[32], const struct wal_state *st)
{
	struct sp_buf b;
	int r;

	sp_buf_init(&b);
	if ((r = wal_state_encode(&b, st)) == SP_OK)
		crypto_hash_sha256(out, b.ptr, b.len);
	sp_buf_clear(&b);
	return r;
}

static int
log_rec(int fd, uint64_t seq, const uint8_t digest[32], uint64_t done)
{
	struct rec r;

	memset(&r, 0, sizeof(r));
	r.seq = seq;
	memcpy(r.digest, digest, 32);
	r.done = done;
	return write(fd, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : -1;
}

/* The child: open, then change the history and save, forever. */
static void __attribute__((noreturn))
child(const char *dir)
{
	struct sp_wallet_posix *px = NULL;
	struct sp_wallet_ops ops;
	struct sp_wallet *w = NULL;
	uint8_t d[32];
	uint64_t seq;
	int fd;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, LOG_NAME);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600)) < 0 ||
	    sp_wallet_posix_new(&px, dir) != SP_OK)
		_exit(2);
	sp_wallet_posix_ops(px, &ops);
	if (sp_wallet_open_key(&w, &ops, "w", store_key) != SP_OK)
		_exit(3);
	seq = w->st->n_events > 0 ?
	    w->st->events[w->st->n_events - 1].counter : 0;
	for (;;) {
		struct wal_event ev;
		struct wal_state *st = w->st;

		memset(&ev, 0, sizeof(ev));
		ev.time = 1767225600;
		ev.offer = 1;
		ev.counter = ++seq;
		snprintf(ev.aud, sizeof(ev.aud), "till-%llu",
		    (unsigned long long)seq);
		if (st->n_events == WAL_MAX_EVENTS)
			memmove(&st->events[0], &st->events[1],
			    (WAL_MAX_EVENTS - 1) * sizeof(ev));
		else
			st->n_events++;
		st->events[st->n_events - 1] = ev;
		if (state_digest(d, st) != SP_OK || log_rec(fd, seq, d, 0) != 0)
			_exit(4);
		if (wal_commit(w) != SP_OK)
			_exit(5);
		if (log_rec(fd, seq, d, 1) != 0)
			_exit(6);
	}
}

/*
 * Reads the log: the last intent and done records, and whether an intent
 * for seq with digest d was logged (every state is logged before it is
 * saved, so every state a reopen may find is in the log).
 */
static bool
log_scan(const char *dir, struct rec *intent, struct rec *done,
    uint64_t seq, const uint8_t d[32])
{
	char path[4096];
	struct rec r;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, LOG_NAME);
	memset(intent, 0, sizeof(*intent));
	memset(done, 0, sizeof(*done));
	if ((f = fopen(path, "rb")) == NULL)
		return false;
	/* A record cut short by the kill is not complete: ignore it. */
	while (fread(&r, sizeof(r), 1, f) == 1) {
		if (r.done) {
			*done = r;
		} else {
			*intent = r;
			if (r.seq == seq && memcmp(r.digest, d, 32) == 0)
				found = true;
		}
	}
	fclose(f);
	return found;
}

int
main(void)
{
	char dir[] = "/tmp/sp-wallet-crash-XXXXXX";
	struct sp_wallet_posix *px = NULL;
	struct sp_wallet_ops ops;
	struct sp_wallet *w = NULL;
	struct rec intent, done;
	uint8_t d[32], first[32];
	unsigned in_flight = 0, rounds;
	uint32_t rng = 12345;
	struct stat st;
	char path[4096];

	if (sodium_init() < 0 || mkdtemp(dir) == NULL) {
		perror("setup");
		return 1;
	}
	CHECK(sp_wallet_posix_new(&px, dir) == SP_OK);
	sp_wallet_posix_ops(px, &ops);
	CHECK(sp_wallet_create_key(&w, &ops, "w", store_key) == SP_OK);
	CHECK(state_digest(d, w->st) == SP_OK);
	sp_wallet_free(&w);
	memcpy(first, d, 32);

	for (rounds = 0; rounds < ROUNDS; rounds++) {
		struct timespec ts;
		uint64_t seq;
		pid_t pid;
		int status = 0;
		bool match;

		if ((pid = fork()) < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			child(dir);
		/* 0.2 .. 25 ms: through opening, and through saves. */
		rng = rng * 1103515245u + 12345u;
		ts.tv_sec = 0;
		ts.tv_nsec = 200000 + (long)((rng >> 8) % 25000) * 1000;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		CHECKF(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		    "round %u: child ended by itself (status %d)", rounds,
		    status);

		w = NULL;
		CHECKF(sp_wallet_open_key(&w, &ops, "w", store_key) == SP_OK,
		    "round %u: store does not open", rounds);
		if (w == NULL)
			break;
		CHECK(state_digest(d, w->st) == SP_OK);
		seq = w->st->n_events > 0 ?
		    w->st->events[w->st->n_events - 1].counter : 0;
		match = log_scan(dir, &intent, &done, seq, d) ||
		    (seq == 0 && memcmp(d, first, 32) == 0);
		if (intent.seq > done.seq)
			in_flight++;
		/* Exactly a state that was about to be saved; not older than
		 * the last save that returned. */
		CHECKF(match && seq >= done.seq && seq <= intent.seq,
		    "round %u: state %llu (logged: %d), last done %llu, last "
		    "intent %llu", rounds, (unsigned long long)seq, match,
		    (unsigned long long)done.seq,
		    (unsigned long long)intent.seq);
		sp_wallet_free(&w);
	}
	printf("%u rounds, %u killed during a save\n", rounds, in_flight);
	CHECKF(in_flight >= 5, "only %u kills hit a save", in_flight);

	/* The store is private to the user. */
	snprintf(path, sizeof(path), "%s/w", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);

	/* Clean up: the store, its temp file, the log, the directory. */
	unlink(path);
	snprintf(path, sizeof(path), "%s/w.tmp", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, LOG_NAME);
	unlink(path);
	CHECK(rmdir(dir) == 0);
	sp_wallet_posix_free(&px);
	return check_report("test_crash");
}
