/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the issuer's request handler, shared by its modules (api.c
 * routes; admin.c, wallet.c, catalogue.c, registry_api.c and renewal.c
 * answer; store.c, keys.c, auth.c and json.c serve them). Not installed.
 *
 * Convention: a handler or helper returns SP_OK (go on, or the response is
 * filled with a success), ISS_ANSWERED (the response holds a 4xx answer:
 * stop), or a negative SP_ERR_* for a failure of the daemon itself, which
 * api.c turns into a 500/503.
 */
#ifndef STADSPAS_ISSUER_API_INT_H
#define STADSPAS_ISSUER_API_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "auth.h"
#include "keys.h"
#include "log.h"
#include "registry_api.h"
#include "settle_api.h"
#include "store.h"
#include "wallet.h"

#define ISS_ANSWERED 1		/* positive: resp holds a client error */

#define ISS_LIST_ID 1		/* the one status list of this issuer */
#define ISS_LIST_BITS 2		/* valid, revoked, suspended */
#define ISS_DAY 86400

#define ISS_WHO_MAX 16		/* token ids and "wallet", "system" */

enum iss_role {
	ISS_ROLE_NONE = -1,	/* public endpoint */
	ISS_ROLE_ADMIN = 0,	/* everything */
	ISS_ROLE_AUDITOR = 1,	/* read-only admin endpoints */
};

/* Counters for /metrics. */
struct iss_metrics {
	uint64_t requests[6];		/* by status class: [1] 1xx .. [5] */
	uint64_t passes_issued;
	uint64_t status_changes;
	uint64_t auth_failures;
	uint64_t code_failures;
	uint64_t rate_limited;
	uint64_t checkpoints;
	uint64_t renewed;
	uint64_t passes_renewed;
};

/* One routed request. */
struct iss_call {
	const struct iss_req *req;
	const char *param;		/* the path's {id} segment, or NULL */
	char who[ISS_WHO_MAX + 1];	/* the caller's token id, or "" */
	int role;			/* enum iss_role of the caller */
};

struct iss_app {
	struct iss_config cfg;		/* strings point at the copies below */
	char *data_dir;
	char *issuer_name;
	char *base_url;
	struct reg_db db;		/* <data_dir>/issuer */
	struct reg_log *log;		/* <data_dir>/registry */
	struct iss_keys keys;
	struct iss_ratelimit rl_auth;	/* failed admin authentication */
	struct iss_ratelimit rl_code;	/* wrong enrolment codes */
	struct iss_tokcache tokcache;	/* verified admin tokens */
	struct iss_nonces nonces;
	struct iss_regcache cache;
	struct iss_settle settle;	/* <data_dir>/settlement */
	struct iss_metrics m;
	int64_t now;			/* latest time seen (request, tick) */
	uint64_t pushed_size;		/* checkpoint last announced */
	int64_t pushed_time;
	bool renewal_busy;		/* a renewal has slices left */
};

typedef int (*iss_handler_fn)(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);

/*
 * Parses an id of the form prefix + decimal (no sign, no leading zero,
 * 1 .. 2^53), e.g. "r12". False if s is anything else.
 */
bool iss_id_parse(const char *s, char prefix, uint64_t *id);

/*
 * Parses a query string "k=v&k=v" whose keys are among keys[0..n) (each
 * at most once) and whose values are decimal uint64 (no sign, at most 20
 * digits). vals[i]/have[i] receive key i. A NULL or empty query is fine.
 * False for anything else.
 */
bool iss_query_u64(const char *query, const char *const *keys,
    uint64_t *vals, bool *have, size_t n);

/* The calendar year (UTC) of a Unix time. */
int iss_year_of(int64_t t);

#endif /* STADSPAS_ISSUER_API_INT_H */
