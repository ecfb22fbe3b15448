/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Feeding a till's verifier (sp_verifier.h): the signed trust list, the
 * registry (snapshot or delta) and the offers catalogue, pulled from the
 * issuer daemon over HTTP(S) or read from files (a USB stick), and, with
 * till_follow(), pulled again on every checkpoint the daemon pushes on
 * its /registry/stream WebSocket. Every byte is verified by the verifier;
 * the sources are untrusted.
 */
#ifndef STADSPAS_CLI_TILL_SYNC_H
#define STADSPAS_CLI_TILL_SYNC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stadspas/sp_verifier.h>

/* Files a --from directory may hold (the bodies of the endpoints). */
#define TILL_FILE_TRUST "trust.cbor"		/* GET /registry/trust */
#define TILL_FILE_SNAPSHOT "snapshot.cbor"	/* GET /registry/1/snapshot */
#define TILL_FILE_DELTA "delta.cbor"		/* GET /registry/1/delta */
#define TILL_FILE_OFFERS "offers.cbor"		/* GET /registry/offers */

struct till_src {
	const char *server;	/* "https://host[:port]", or NULL */
	const char *ca_file;	/* PEM CA for the server, or NULL */
	bool insecure_http;	/* allow "http://" (loopback, tests) */
	const char *from_dir;	/* files instead of a server, or NULL */
	unsigned timeout_s;	/* per request; 0 means 30 s */
};

/* What a pull did. why[] names the first failure. */
struct till_pull_res {
	bool trust_changed, registry_changed, offers_changed;
	bool bootstrapped;		/* the registry came from a snapshot */
	uint64_t size_before;
	char why[320];
};

/*
 * One pull into v: trust list, registry, catalogue, in that order (each
 * step verified on its own; what verified stays in v even when a later
 * step fails). Returns a CLI exit code: CLI_OK, CLI_FAIL (a source sent
 * data that does not verify: tampered, forked, a rollback), CLI_NOCONN
 * (network failure, HTTP error, missing or unreadable file).
 */
int till_pull(struct sp_verifier *v, const struct till_src *src,
    struct till_pull_res *res);

/* Called after every pull of till_follow() (v changed or not): the
 * caller saves v. Returns 0 to go on, nonzero to stop. */
typedef int (*till_saved_fn)(void *ctx, struct sp_verifier *v, int rc,
    const struct till_pull_res *res, bool pushed);

/*
 * Follows the daemon's /registry/stream (wss:// for https servers, ws://
 * for http ones): a pull on every (re)connection and on every checkpoint
 * message, reconnecting with exponential back-off (1 s doubling to 60 s,
 * jitter). Stops when *stop is set, when after() returns nonzero, or
 * after max_updates pulls triggered by a message (0: no limit).
 * Returns CLI_OK when stopped, CLI_USAGE for a bad server URL,
 * CLI_NOCONN if the client cannot run.
 */
int till_follow(struct sp_verifier *v, const struct till_src *src,
    volatile sig_atomic_t *stop, unsigned max_updates, till_saved_fn after,
    void *ctx);

#endif /* STADSPAS_CLI_TILL_SYNC_H */
