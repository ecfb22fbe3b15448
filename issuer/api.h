/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The issuer daemon's request handling as a pure function (no sockets, no
 * libwebsockets types): http_lws.c gathers a bounded request into a struct
 * iss_req, calls iss_api_handle(), and sends the struct iss_resp. Unit
 * tests and fuzzers call the handler directly. docs/HTTP_API.md
 * specifies every endpoint.
 *
 * Not thread-safe: libwebsockets runs one service thread, which is the only
 * caller. Long jobs (bulk renewal) run in slices from iss_app_tick().
 */
#ifndef STADSPAS_ISSUER_API_H
#define STADSPAS_ISSUER_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_buf.h"

#define ISS_MAX_BODY (256 * 1024)	/* larger bodies get 413 */
#define ISS_MAX_BODY_BATCH (8 * 1024 * 1024)	/* settlement batches */
#define ISS_MAX_PATH 512

struct iss_config {
	const char *data_dir;		/* default "./stadspas-data" */
	const char *issuer_name;	/* e.g. "GM0014"; default "GM0000" */
	const char *base_url;		/* public URL, e.g.
					 * "https://pas.example.nl" */
	uint32_t batch_size;		/* pass copies per enrolment, 10 */
	uint32_t list_capacity;		/* status list entries, 2^24 */
	int64_t checkpoint_interval;	/* seconds, 300 */
	int64_t code_ttl;		/* enrolment code lifetime, 30 days */
	int64_t pass_validity;		/* seconds, 1 year */
	bool admin_bootstrap;		/* create an admin token on first
					 * start and print it once (stderr) */
	uint32_t renewal_slice;		/* residents per tick of a bulk
					 * renewal, 1000 */
	uint32_t renewal_threads;	/* signing threads of a bulk
					 * renewal, 2 */
	/* For tests and benchmarks only: the Argon2id cost of new admin
	 * tokens. 0 (the default) means crypto_pwhash_OPSLIMIT_INTERACTIVE
	 * and crypto_pwhash_MEMLIMIT_INTERACTIVE, the production setting;
	 * verification always uses the cost recorded in the hash. */
	uint64_t pwhash_opslimit;
	size_t pwhash_memlimit;
};

/* Fills defaults. */
void iss_config_defaults(struct iss_config *c);

struct iss_app;

/*
 * Opens the data directory (created 0700 if missing): LMDB state, the
 * registry log, and the issuer signing key and limit-tag secret, generated
 * on first start (files 0600; never logged). *bootstrap_token receives a
 * newly created admin token on first start when cfg->admin_bootstrap is
 * set (caller prints it once and frees it with free()), else NULL.
 */
int iss_app_open(struct iss_app **out, const struct iss_config *cfg,
    int64_t now, char **bootstrap_token);
/*
 * As iss_app_open; on failure also writes a one-line reason (never a
 * secret; e.g. a key file with group or other permissions) to
 * err[errlen] for the daemon to print.
 */
int iss_app_open_diag(struct iss_app **out, const struct iss_config *cfg,
    int64_t now, char **bootstrap_token, char *err, size_t errlen);
void iss_app_close(struct iss_app **ap);

/* The largest request body accepted for path: ISS_MAX_BODY_BATCH for the
 * batch upload and import paths, else ISS_MAX_BODY. */
size_t iss_body_max(const char *path);

struct iss_req {
	const char *method;		/* "GET", "POST", ... */
	const char *path;		/* without query, e.g. "/healthz" */
	const char *query;		/* after '?', or NULL */
	const char *authorization;	/* header value, or NULL */
	const char *if_none_match;	/* header value, or NULL */
	const char *peer;		/* client address, for rate limits */
	const uint8_t *body;		/* may be NULL when body_len is 0 */
	size_t body_len;		/* <= iss_body_max(path) */
	int64_t now;			/* Unix seconds */
};

struct iss_resp {
	int status;			/* HTTP status */
	const char *content_type;	/* static string */
	struct sp_buf body;
	char etag[72];			/* "" = none; else a quoted ETag */
	const char *cache_control;	/* static string or NULL */
};

void iss_resp_init(struct iss_resp *r);
void iss_resp_clear(struct iss_resp *r);

/*
 * Handles one request. Always fills *resp (4xx with a JSON error body
 * {"error": token, "message": text} for bad requests; client input never
 * yields 5xx). Returns SP_OK, or an error only for failures of the
 * daemon itself (storage), in which case resp is a 500/503.
 */
int iss_api_handle(struct iss_app *a, const struct iss_req *req,
    struct iss_resp *resp);

/*
 * Periodic work, called by the server about once a second: signs a
 * checkpoint when one is due, advances a running bulk renewal by one slice.
 * If a new checkpoint was signed, appends a push message for WebSocket
 * subscribers to push (JSON text, see docs/HTTP_API.md) and sets *pushed.
 */
/* True while periodic work is waiting (a bulk renewal): tick again soon
 * instead of in a second. */
bool iss_app_busy(const struct iss_app *a);
int iss_app_tick(struct iss_app *a, int64_t now, struct sp_buf *push,
    bool *pushed);

/* Argon2id token verifications run since open (for tests: the
 * verified-token cache spares most). */
/* The current issuer key's fingerprint (SHA-256 over its COSE_Key; public)
 * and the trust list's newest version. */
int iss_app_fingerprint(const struct iss_app *a, uint8_t fp[32],
    uint64_t *trust_version);
uint64_t iss_app_pwhash_count(const struct iss_app *a);

/* Prometheus text exposition of the daemon's counters (for /metrics). */
int iss_app_metrics(struct iss_app *a, struct sp_buf *out);

#endif /* STADSPAS_ISSUER_API_H */
