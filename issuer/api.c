/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The issuer daemon's request handler (api.h): opening the data directory,
 * routing by method and path, authentication of admin routes, /healthz,
 * /metrics and the periodic tick. The endpoints themselves live in
 * admin.c, auth.c, wallet.c, catalogue.c, registry_api.c, renewal.c and
 * settle_api.c.
 */
#include "api.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "admin.h"
#include "api_int.h"
#include "catalogue.h"
#include "json.h"
#include "renewal.h"
#include "stadspas/sp_err.h"

void
iss_config_defaults(struct iss_config *c)
{
	*c = (struct iss_config){
		.data_dir = "./stadspas-data",
		.issuer_name = "GM0000",
		.base_url = "https://localhost",
		.batch_size = 10,
		.list_capacity = 1u << 24,
		.checkpoint_interval = 300,
		.code_ttl = 30 * (int64_t)ISS_DAY,
		.pass_validity = 365 * (int64_t)ISS_DAY,
		.admin_bootstrap = false,
		.renewal_slice = 1000,
		.renewal_threads = 2,
	};
}

bool
iss_id_parse(const char *s, char prefix, uint64_t *id)
{
	uint64_t v = 0;
	size_t i;

	if (s == NULL || s[0] != prefix || s[1] < '1' || s[1] > '9')
		return false;
	for (i = 1; s[i] != 0; i++) {
		if (s[i] < '0' || s[i] > '9' || i > 16)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (UINT64_C(1) << 53))
		return false;
	*id = v;
	return true;
}

static bool
query_value(const char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 20)
		return false;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)(p[i] - '0');

		if (p[i] < '0' || p[i] > '9' || x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

bool
iss_query_u64(const char *query, const char *const *keys, uint64_t *vals,
    bool *have, size_t n)
{
	const char *p = query;
	size_t i;

	for (i = 0; i < n; i++)
		have[i] = false;
	if (p == NULL || *p == 0)
		return true;
	for (;;) {
		const char *end = p + strcspn(p, "&");
		const char *eq = memchr(p, '=', (size_t)(end - p));

		if (eq == NULL)
			return false;
		for (i = 0; i < n; i++)
			if (strlen(keys[i]) == (size_t)(eq - p) &&
			    memcmp(keys[i], p, (size_t)(eq - p)) == 0)
				break;
		if (i == n || have[i] ||
		    !query_value(eq + 1, (size_t)(end - eq - 1), &vals[i]))
			return false;
		have[i] = true;
		if (*end == 0)
			return true;
		p = end + 1;
	}
}

int
iss_year_of(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL)
		return 1970;
	return tm.tm_year + 1900;
}

size_t
iss_body_max(const char *path)
{
	if (path != NULL && (strcmp(path, "/settlement/batches") == 0 ||
	    strcmp(path, "/admin/settlement/import") == 0))
		return ISS_MAX_BODY_BATCH;
	return ISS_MAX_BODY;
}

/* ---- Responses --------------------------------------------------------- */

void
iss_resp_init(struct iss_resp *r)
{
	memset(r, 0, sizeof(*r));
	sp_buf_init(&r->body);
}

void
iss_resp_clear(struct iss_resp *r)
{
	sp_buf_clear(&r->body);
	r->status = 0;
	r->content_type = NULL;
	r->etag[0] = 0;
	r->cache_control = NULL;
}

/* ---- Open and close ---------------------------------------------------- */

static bool
issuer_name_valid(const char *s)
{
	size_t i, n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		    ch == '.'))
			return false;
	}
	return true;
}

static bool
config_valid(const struct iss_config *c)
{
	return c->data_dir != NULL && c->data_dir[0] != 0 &&
	    strlen(c->data_dir) < PATH_MAX - 32 &&
	    issuer_name_valid(c->issuer_name) && c->base_url != NULL &&
	    strlen(c->base_url) <= 200 && c->batch_size >= 1 &&
	    c->batch_size <= 64 && c->list_capacity >= 1 &&
	    c->list_capacity <= REG_LIST_MAX_ENTRIES &&
	    c->checkpoint_interval >= 1 && c->code_ttl >= 60 &&
	    c->code_ttl <= 366 * (int64_t)ISS_DAY &&
	    c->pass_validity >= ISS_DAY &&
	    c->pass_validity <= 5 * 366 * (int64_t)ISS_DAY &&
	    c->renewal_slice >= 1 && c->renewal_slice <= 1000000 &&
	    c->renewal_threads >= 1 && c->renewal_threads <= 16;
}

static int
data_dir_prepare(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create: %s", dir,
		    strerror(errno));
		return SP_ERR_STORAGE;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return SP_ERR_STORAGE;
	}
	if ((st.st_mode & 022) != 0) {
		snprintf(err, errlen, "%s: writable by group or others; "
		    "refusing it (chmod 700)", dir);
		return SP_ERR_KEY;
	}
	return SP_OK;
}

static int
subdir(char *out, size_t n, const char *dir, const char *name)
{
	int k = snprintf(out, n, "%s/%s", dir, name);

	return k < 0 || (size_t)k >= n ? SP_ERR_INVALID_ARG : SP_OK;
}

struct boot_ctx {
	struct iss_new_token nt;
	int64_t now;
};

static void
bootstrap_txn(struct reg_txn *t, void *ctx)
{
	struct boot_ctx *b = ctx;

	iss_token_store(t, &b->nt, ISS_ROLE_ADMIN, "bootstrap", b->now,
	    "bootstrap");
}

/* On a store without tokens, creates one admin token. */
static int
bootstrap_token(struct iss_app *a, int64_t now, char **out)
{
	struct boot_ctx b = { .now = now };
	struct reg_txn t;
	uint64_t n;
	int r;

	reg_txn_begin(&a->db, &t, false);
	n = reg_txn_count(&t, ISS_DB_TOKENS);
	reg_txn_abort(&t);
	if ((r = t.ret) != SP_OK || n > 0)
		return r;
	if ((r = iss_token_prepare(&b.nt, a->cfg.pwhash_opslimit,
	    a->cfg.pwhash_memlimit)) == SP_OK &&
	    (r = reg_db_write(&a->db, bootstrap_txn, &b)) == SP_OK) {
		r = SP_ERR_NOMEM;
		if (b.nt.collision)
			r = SP_ERR_INTERNAL;	/* an empty table collides? */
		else if ((*out = strdup(b.nt.hex)) != NULL)
			r = SP_OK;
	}
	iss_token_wipe(&b.nt);
	return r;
}

static int
app_open(struct iss_app *a, const struct iss_config *cfg, int64_t now,
    char **boot, char *err, size_t errlen)
{
	struct reg_log_config lc = {
		.list_id = ISS_LIST_ID,
		.bits = ISS_LIST_BITS,
		.capacity = cfg->list_capacity,
	};
	char path[PATH_MAX];
	int r = SP_ERR_NOMEM;

	a->cfg = *cfg;
	if ((a->data_dir = strdup(cfg->data_dir)) == NULL ||
	    (a->issuer_name = strdup(cfg->issuer_name)) == NULL ||
	    (a->base_url = strdup(cfg->base_url)) == NULL)
		return r;
	a->cfg.data_dir = a->data_dir;
	a->cfg.issuer_name = a->issuer_name;
	a->cfg.base_url = a->base_url;
	a->now = now;
	if ((r = iss_rl_init(&a->rl_auth)) != SP_OK ||
	    (r = iss_rl_init(&a->rl_code)) != SP_OK ||
	    (r = iss_nonces_init(&a->nonces)) != SP_OK)
		return r;
	if ((r = data_dir_prepare(a->data_dir, err, errlen)) != SP_OK)
		return r;
	if ((r = subdir(path, sizeof(path), a->data_dir, "issuer")) != SP_OK ||
	    (r = iss_store_open(&a->db, path)) != SP_OK) {
		snprintf(err, errlen, "%s: cannot open the store (%s; is "
		    "another daemon running?)", path, sp_strerror(r));
		return r;
	}
	if ((r = subdir(path, sizeof(path), a->data_dir, "registry")) !=
	    SP_OK || (r = reg_log_open(&a->log, path, &lc)) != SP_OK) {
		snprintf(err, errlen, "%s: cannot open the status log (%s)",
		    path, sp_strerror(r));
		return r;
	}
	if ((r = iss_keys_open(&a->keys, a->data_dir, &a->db, now, err,
	    errlen)) != SP_OK)
		return r;
	if ((r = iss_reg_checkpoint_current(a, now)) != SP_OK ||
	    (r = iss_reg_latest(a, &a->pushed_size, &a->pushed_time)) !=
	    SP_OK) {
		snprintf(err, errlen, "cannot sign a checkpoint (%s)",
		    sp_strerror(r));
		return r;
	}
	if ((r = iss_settle_open(&a->settle, a->data_dir)) != SP_OK) {
		snprintf(err, errlen, "%s/settlement: cannot open the "
		    "settlement store (%s)", a->data_dir, sp_strerror(r));
		return r;
	}
	if (cfg->admin_bootstrap &&
	    (r = bootstrap_token(a, now, boot)) != SP_OK) {
		snprintf(err, errlen, "cannot create the bootstrap token");
		return r;
	}
	return SP_OK;
}

int
iss_app_open_diag(struct iss_app **out, const struct iss_config *cfg,
    int64_t now, char **bootstrap_token_out, char *err, size_t errlen)
{
	struct iss_app *a = NULL;
	char scratch[8];
	int r = SP_ERR_INVALID_ARG;

	if (err == NULL || errlen == 0) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	err[0] = 0;
	if (bootstrap_token_out != NULL)
		*bootstrap_token_out = NULL;
	if (out == NULL || cfg == NULL || !config_valid(cfg) ||
	    (cfg->admin_bootstrap && bootstrap_token_out == NULL)) {
		snprintf(err, errlen, "invalid configuration");
		return r;
	}
	r = SP_ERR_INTERNAL;
	if (sodium_init() < 0)
		return r;
	r = SP_ERR_NOMEM;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return r;
	a->db.lock_fd = -1;
	iss_regcache_init(&a->cache);
	r = app_open(a, cfg, now, bootstrap_token_out, err, errlen);
	if (r != SP_OK) {
		if (err[0] == 0)
			snprintf(err, errlen, "%s", sp_strerror(r));
		if (bootstrap_token_out != NULL && *bootstrap_token_out) {
			sodium_memzero(*bootstrap_token_out,
			    strlen(*bootstrap_token_out));
			free(*bootstrap_token_out);
			*bootstrap_token_out = NULL;
		}
		iss_app_close(&a);
		return r;
	}
	*out = a;
	return SP_OK;
}

int
iss_app_open(struct iss_app **out, const struct iss_config *cfg, int64_t now,
    char **bootstrap_token_out)
{
	return iss_app_open_diag(out, cfg, now, bootstrap_token_out, NULL, 0);
}

void
iss_app_close(struct iss_app **ap)
{
	struct iss_app *a;

	if (ap == NULL || (a = *ap) == NULL)
		return;
	iss_settle_close(&a->settle);
	iss_keys_close(&a->keys);
	reg_log_close(&a->log);
	iss_store_close(&a->db);
	iss_rl_clear(&a->rl_auth);
	iss_rl_clear(&a->rl_code);
	iss_tokcache_clear(&a->tokcache);
	iss_nonces_clear(&a->nonces);
	iss_regcache_clear(&a->cache);
	free(a->data_dir);
	free(a->issuer_name);
	free(a->base_url);
	sodium_memzero(a, sizeof(*a));
	free(a);
	*ap = NULL;
}

int
iss_app_fingerprint(const struct iss_app *a, uint8_t fp[32],
    uint64_t *trust_version)
{
	if (a == NULL)
		return SP_ERR_INVALID_ARG;
	memcpy(fp, a->keys.fp, 32);
	*trust_version = a->keys.trust_version;
	return SP_OK;
}

uint64_t
iss_app_pwhash_count(const struct iss_app *a)
{
	return a != NULL ? a->tokcache.pwhash : 0;
}

/* ---- Operations endpoints ---------------------------------------------- */

static int
h_healthz(struct iss_app *a, const struct iss_call *c, struct iss_resp *resp)
{
	int64_t age = c->req->now - reg_log_checkpoint_time(a->log);

	return iss_json_reply(resp, 200, json_pack("{s:s, s:I, s:I, s:I}",
	    "status", "ok", "registry_size",
	    (json_int_t)reg_log_size(a->log), "checkpoint_age",
	    (json_int_t)(age > 0 ? age : 0), "trust_version",
	    (json_int_t)a->keys.trust_version));
}

static int
metric(struct sp_buf *out, const char *name, const char *type,
    const char *help, uint64_t v)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n"
	    "%s %llu\n", name, help, name, type, name, (unsigned long long)v);

	if (n < 0 || (size_t)n >= sizeof(line))
		return SP_ERR_INTERNAL;
	return sp_buf_append(out, line, (size_t)n);
}

int
iss_app_metrics(struct iss_app *a, struct sp_buf *out)
{
	static const char head[] = "# HELP stadspas_requests_total HTTP "
	    "requests answered, by status class.\n"
	    "# TYPE stadspas_requests_total counter\n";
	const struct iss_metrics *m;
	char line[160];
	int64_t age;
	int r = SP_OK, i;

	if (a == NULL || out == NULL)
		return SP_ERR_INVALID_ARG;
	m = &a->m;
	age = a->now - reg_log_checkpoint_time(a->log);
	r = sp_buf_append(out, head, sizeof(head) - 1);
	for (i = 1; i <= 5 && r == SP_OK; i++) {
		int n = snprintf(line, sizeof(line),
		    "stadspas_requests_total{class=\"%dxx\"} %llu\n", i,
		    (unsigned long long)m->requests[i]);
		r = sp_buf_append(out, line, (size_t)n);
	}
	if (r == SP_OK)
		r = metric(out, "stadspas_passes_issued_total", "counter",
		    "Pass copies issued.", m->passes_issued);
	if (r == SP_OK)
		r = metric(out, "stadspas_status_changes_total", "counter",
		    "Status changes appended to the log.", m->status_changes);
	if (r == SP_OK)
		r = metric(out, "stadspas_auth_failures_total", "counter",
		    "Failed admin authentications.", m->auth_failures);
	if (r == SP_OK)
		r = metric(out, "stadspas_code_failures_total", "counter",
		    "Wrong, used or expired enrolment codes.",
		    m->code_failures);
	if (r == SP_OK)
		r = metric(out, "stadspas_rate_limited_total", "counter",
		    "Requests refused by a rate limit.", m->rate_limited);
	if (r == SP_OK)
		r = metric(out, "stadspas_checkpoints_total", "counter",
		    "Checkpoints signed since start.", m->checkpoints);
	if (r == SP_OK)
		r = metric(out, "stadspas_renewed_residents_total", "counter",
		    "Residents given a new validity window by bulk renewals.",
		    m->renewed);
	if (r == SP_OK)
		r = metric(out, "stadspas_renewed_copies_total", "counter",
		    "Renewed pass copies signed by bulk renewals.",
		    m->passes_renewed);
	if (r == SP_OK)
		r = metric(out, "stadspas_registry_size", "gauge",
		    "Events in the status log.", reg_log_size(a->log));
	if (r == SP_OK)
		r = metric(out, "stadspas_status_indices_assigned", "gauge",
		    "Status list indices handed out.",
		    reg_log_assigned(a->log));
	if (r == SP_OK)
		r = metric(out, "stadspas_checkpoint_age_seconds", "gauge",
		    "Age of the latest checkpoint.",
		    (uint64_t)(age > 0 ? age : 0));
	return r;
}

static int
h_metrics(struct iss_app *a, const struct iss_call *c, struct iss_resp *resp)
{
	int r;

	(void)c;
	sp_buf_reset(&resp->body);
	if ((r = iss_app_metrics(a, &resp->body)) != SP_OK)
		return r;
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return SP_OK;
}

/* ---- Routing ----------------------------------------------------------- */

struct route {
	const char *method;
	const char *pattern;	/* '*' matches one path segment: {id} */
	int role;		/* enum iss_role needed */
	iss_handler_fn fn;
};

#define ROUTE(m, p, r, f) { .method = (m), .pattern = (p), .role = (r), \
	.fn = (f) }

static const struct route routes[] = {
	ROUTE("GET", "/healthz", ISS_ROLE_NONE, h_healthz),
	ROUTE("GET", "/metrics", ISS_ROLE_NONE, h_metrics),
	ROUTE("POST", "/wallet/nonce", ISS_ROLE_NONE, iss_wallet_nonce),
	ROUTE("POST", "/wallet/credential", ISS_ROLE_NONE,
	    iss_wallet_credential),
	ROUTE("POST", "/wallet/refresh", ISS_ROLE_NONE, iss_wallet_refresh),
	ROUTE("GET", "/registry/keys", ISS_ROLE_NONE, iss_reg_get_keys),
	ROUTE("GET", "/registry/trust", ISS_ROLE_NONE, iss_reg_get_trust),
	ROUTE("GET", "/registry/offers", ISS_ROLE_NONE, iss_reg_get_offers),
	ROUTE("GET", "/registry/*/checkpoint", ISS_ROLE_NONE,
	    iss_reg_get_checkpoint),
	ROUTE("GET", "/registry/*/snapshot", ISS_ROLE_NONE,
	    iss_reg_get_snapshot),
	ROUTE("GET", "/registry/*/delta", ISS_ROLE_NONE, iss_reg_get_delta),
	ROUTE("GET", "/status/*", ISS_ROLE_NONE, iss_reg_get_status),
	ROUTE("POST", "/admin/tokens", ISS_ROLE_ADMIN, iss_admin_tokens_create),
	ROUTE("POST", "/admin/tokens/*/revoke", ISS_ROLE_ADMIN,
	    iss_admin_token_revoke),
	ROUTE("POST", "/admin/residents", ISS_ROLE_ADMIN,
	    iss_admin_residents_create),
	ROUTE("GET", "/admin/residents/*", ISS_ROLE_AUDITOR,
	    iss_admin_resident_get),
	ROUTE("POST", "/admin/residents/*/code", ISS_ROLE_ADMIN,
	    iss_admin_resident_code),
	ROUTE("POST", "/admin/residents/*/revoke", ISS_ROLE_ADMIN,
	    iss_admin_resident_revoke),
	ROUTE("POST", "/admin/residents/*/suspend", ISS_ROLE_ADMIN,
	    iss_admin_resident_suspend),
	ROUTE("POST", "/admin/residents/*/reinstate", ISS_ROLE_ADMIN,
	    iss_admin_resident_reinstate),
	ROUTE("POST", "/admin/providers", ISS_ROLE_ADMIN,
	    iss_cat_providers_create),
	ROUTE("POST", "/admin/offers", ISS_ROLE_ADMIN, iss_cat_offers_create),
	ROUTE("POST", "/admin/catalogue/publish", ISS_ROLE_ADMIN,
	    iss_cat_publish),
	ROUTE("POST", "/admin/renewals", ISS_ROLE_ADMIN, iss_renewal_create),
	ROUTE("GET", "/admin/renewals/*", ISS_ROLE_AUDITOR, iss_renewal_get),
	ROUTE("GET", "/admin/audit", ISS_ROLE_AUDITOR, iss_admin_audit),
	ROUTE("POST", "/admin/keys/rotate", ISS_ROLE_ADMIN,
	    iss_admin_keys_rotate),
	ROUTE("GET", "/admin/keys", ISS_ROLE_AUDITOR, iss_admin_keys_list),
	ROUTE("POST", "/admin/keys/*/remove", ISS_ROLE_ADMIN,
	    iss_admin_keys_remove),
	ROUTE("POST", "/settlement/batches", ISS_ROLE_NONE, iss_settle_upload),
	ROUTE("POST", "/admin/settlement/import", ISS_ROLE_ADMIN,
	    iss_settle_import),
	ROUTE("GET", "/admin/settlement/report", ISS_ROLE_AUDITOR,
	    iss_settle_report),
	ROUTE("GET", "/admin/settlement/evidence/*/*", ISS_ROLE_ADMIN,
	    iss_settle_evidence),
};

#define PARAM_MAX 64

static bool
segment_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
}

/* Matches path against pattern; the '*' segment is copied to param. */
static bool
path_match(const char *pattern, const char *path, char param[PARAM_MAX + 1])
{
	size_t n;

	while (*pattern != 0) {
		if (*pattern == '*') {
			for (n = 0; segment_char(path[n]); n++)
				if (n >= PARAM_MAX)
					return false;
			if (n == 0)
				return false;
			memcpy(param, path, n);
			param[n] = 0;
			path += n;
			pattern++;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return *path == 0;
}

static int
route(struct iss_app *a, struct iss_call *c, struct iss_resp *resp)
{
	const struct iss_req *req = c->req;
	char param[PARAM_MAX + 1];
	const struct route *hit = NULL;
	bool path_known = false;
	size_t i;
	int r;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		param[0] = 0;
		if (!path_match(routes[i].pattern, req->path, param))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, req->method) == 0) {
			hit = &routes[i];
			break;
		}
	}
	if (hit == NULL)
		return path_known ? iss_error(resp, 405, "method_not_allowed",
		    "method not allowed here") :
		    iss_error(resp, 404, "not_found", "no such endpoint");
	c->param = param[0] != 0 ? param : NULL;
	if (strcmp(req->method, "GET") == 0 && req->body_len > 0)
		return iss_error(resp, 400, "bad_request",
		    "a GET request has no body");
	if (hit->role != ISS_ROLE_NONE &&
	    (r = iss_auth_check(a, c, hit->role, resp)) != SP_OK)
		return r;
	return hit->fn(a, c, resp);
}

static void
count_status(struct iss_app *a, int status)
{
	int cls = status / 100;

	if (cls >= 1 && cls <= 5)
		a->m.requests[cls]++;
}

int
iss_api_handle(struct iss_app *a, const struct iss_req *req,
    struct iss_resp *resp)
{
	struct iss_call c = { .req = req, .role = ISS_ROLE_NONE };
	int r;

	if (resp == NULL)
		return SP_ERR_INVALID_ARG;
	sp_buf_reset(&resp->body);
	resp->status = 0;
	resp->etag[0] = 0;
	resp->cache_control = NULL;
	resp->content_type = NULL;
	if (a == NULL || req == NULL) {
		r = SP_ERR_INVALID_ARG;
		goto fail;
	}
	if (req->now > a->now)
		a->now = req->now;
	if (req->method == NULL || req->path == NULL || req->path[0] != '/')
		r = iss_error(resp, 400, "bad_request", "no method or path");
	else if (strnlen(req->path, ISS_MAX_PATH + 1) > ISS_MAX_PATH)
		r = iss_error(resp, 414, "too_large", "path too long");
	else if (req->body_len > iss_body_max(req->path))
		r = iss_error(resp, 413, "too_large",
		    "the body exceeds the limit (256 KiB; batches 8 MiB)");
	else if (req->body == NULL && req->body_len > 0)
		r = iss_error(resp, 400, "bad_request", "no body");
	else
		r = route(a, &c, resp);
	if (r >= SP_OK && resp->status == 0)
		r = SP_ERR_INTERNAL;	/* a handler forgot to answer */
	if (r >= SP_OK) {
		count_status(a, resp->status);
		return SP_OK;
	}
fail:
	/* The daemon itself failed: never blame the client. */
	if (r == SP_ERR_STORAGE_FULL || r == SP_ERR_REG_FULL)
		(void)iss_error(resp, 503, "unavailable",
		    "the issuer is out of space; try again later");
	else
		(void)iss_error(resp, 500, "internal",
		    "the issuer failed; try again later");
	if (resp->status == 0) {
		resp->status = 500;	/* not even memory for the JSON */
		resp->content_type = ISS_CT_JSON;
	}
	if (a != NULL)
		count_status(a, resp->status);
	return r;
}

/* ---- Periodic work ----------------------------------------------------- */

bool
iss_app_busy(const struct iss_app *a)
{
	return a != NULL && a->renewal_busy;
}

int
iss_app_tick(struct iss_app *a, int64_t now, struct sp_buf *push,
    bool *pushed)
{
	int r, r2;

	if (a == NULL || push == NULL || pushed == NULL)
		return SP_ERR_INVALID_ARG;
	*pushed = false;
	if (now > a->now)
		a->now = now;
	iss_nonces_expire(&a->nonces, now);
	r = iss_reg_tick(a, now, push, pushed);
	r2 = iss_renewal_tick(a, now);
	return r != SP_OK ? r : r2;
}
