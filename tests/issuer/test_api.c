/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The issuer's request handler, called directly (no sockets) on a fresh
 * data directory under /tmp: every endpoint's success path, every way
 * authentication fails, hostile bodies, the whole enrolment flow down to
 * verifying presentations of the issued copies, revocation reaching a
 * till's mirror, HTTP caching, persistence across restarts, key rotation
 * and a bulk renewal that resumes after a restart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sodium.h>

#include "api.h"
#include "catalogue.h"
#include "cbor.h"
#include "check.h"
#include "cose.h"
#include "hash.h"
#include "pass_int.h"
#include "stadspas/sp_pass.h"
#include "stadspas/sp_ledger.h"
#include "stadspas/sp_registry.h"
#include "stadspas/sp_verifier.h"
#include "testutil.h"
#include "trust.h"

#define T0 (1767225600 + 12 * 3600)	/* 2026-01-01 12:00 UTC */
#define ADMIN_PEER "192.0.2.1"

struct env {
	char dir[64];
	struct iss_config cfg;
	struct iss_app *a;
	char admin[80];		/* the bootstrap admin token */
};

/* The last reply. */
static struct {
	int status;
	int rc;
	json_t *j;
	struct sp_buf body;
	char etag[72];
	const char *ctype;
	const char *cc;
} R;

static int64_t now_ = T0;

static void
env_config(struct env *e)
{
	iss_config_defaults(&e->cfg);
	e->cfg.data_dir = e->dir;
	e->cfg.issuer_name = "GM0014";
	e->cfg.base_url = "https://pas.example.nl";
	e->cfg.list_capacity = 4096;
	e->cfg.batch_size = 10;
	e->cfg.admin_bootstrap = true;
	e->cfg.renewal_slice = 2;
	e->cfg.pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN;
	e->cfg.pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN;
}

static void
env_open(struct env *e)
{
	char *boot = NULL, err[256];

	CHECKF(iss_app_open_diag(&e->a, &e->cfg, now_, &boot, err,
	    sizeof(err)) == SP_OK, "%s", err);
	if (boot != NULL) {
		snprintf(e->admin, sizeof(e->admin), "%s", boot);
		free(boot);
	}
}

static void
env_init(struct env *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "/tmp/sp-issuer-XXXXXX");
	CHECK(mkdtemp(e->dir) != NULL);
	env_config(e);
	env_open(e);
	CHECK(strlen(e->admin) == 64);
}

static void
env_clear(struct env *e)
{
	char cmd[128];

	iss_app_close(&e->a);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	CHECK(system(cmd) == 0);
}

static void
reply_reset(void)
{
	json_decref(R.j);
	R.j = NULL;
	sp_buf_clear(&R.body);
	R.status = 0;
}

/* One request; the reply lands in R. token: a hex admin token or NULL. */
static int
request(struct env *e, const char *method, const char *path,
    const char *query, const char *token, const void *body, size_t len,
    const char *inm, const char *peer)
{
	struct iss_req q = {
		.method = method, .path = path, .query = query,
		.if_none_match = inm, .peer = peer, .body = body,
		.body_len = len, .now = now_,
	};
	struct iss_resp resp;
	char auth[128];

	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Bearer %s", token);
		q.authorization = auth;
	}
	reply_reset();
	iss_resp_init(&resp);
	R.rc = iss_api_handle(e->a, &q, &resp);
	R.status = resp.status;
	R.ctype = resp.content_type;
	R.cc = resp.cache_control;
	snprintf(R.etag, sizeof(R.etag), "%s", resp.etag);
	sp_buf_init(&R.body);
	CHECK(sp_buf_set(&R.body, resp.body.ptr, resp.body.len) == SP_OK);
	if (R.ctype != NULL && strcmp(R.ctype, "application/json") == 0) {
		R.j = json_loadb((const char *)R.body.ptr, R.body.len, 0, NULL);
		CHECKF(R.j != NULL, "%s %s: reply is not JSON", method, path);
	}
	CHECKF(R.status >= 200 && R.status < 500, "%s %s: status %d", method,
	    path, R.status);
	iss_resp_clear(&resp);
	return R.status;
}

static int
post(struct env *e, const char *path, const char *token, const char *json)
{
	return request(e, "POST", path, NULL, token, json, strlen(json), NULL,
	    ADMIN_PEER);
}

static int
get(struct env *e, const char *path, const char *query, const char *token)
{
	return request(e, "GET", path, query, token, NULL, 0, NULL,
	    ADMIN_PEER);
}

static const char *
jstr(const char *key)
{
	const char *s = json_string_value(json_object_get(R.j, key));

	return s != NULL ? s : "";
}

static json_int_t
jint(const char *key)
{
	return json_integer_value(json_object_get(R.j, key));
}

static bool
is_error(int status, const char *token)
{
	return R.status == status && strcmp(jstr("error"), token) == 0;
}

/* Creates a token of role and copies it into out[80]. */
static void
make_token(struct env *e, const char *role, char *out)
{
	char body[96];

	snprintf(body, sizeof(body), "{\"role\":\"%s\",\"label\":\"t\"}",
	    role);
	CHECK(post(e, "/admin/tokens", e->admin, body) == 201);
	snprintf(out, 80, "%s", jstr("token"));
	CHECK(strlen(out) == 64 && strcmp(jstr("role"), role) == 0);
}

/* ---- Wallet side helpers ----------------------------------------------- */

#define MAX_KEYS 10

struct wallet {
	struct sp_key *k[MAX_KEYS];
	size_t n;
	struct sp_buf pass[MAX_KEYS];	/* issued passes */
	size_t n_pass;
};

static void
wallet_init(struct wallet *w, size_t n)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	w->n = n;
	for (i = 0; i < n; i++) {
		/* EdDSA and ES256 mixed, as phones with and without
		 * secure hardware do. */
		CHECK(sp_key_generate(&w->k[i], i % 2 ? SP_ALG_ES256 :
		    SP_ALG_EDDSA) == SP_OK);
		sp_buf_init(&w->pass[i]);
	}
}

static void
wallet_clear(struct wallet *w)
{
	size_t i;

	for (i = 0; i < MAX_KEYS; i++) {
		sp_key_free(&w->k[i]);
		sp_buf_clear(&w->pass[i]);
	}
}

static void
hex_into(char *out, const uint8_t *p, size_t n)
{
	char *h = tu_tohex(p, n);

	strcpy(out, h);
	free(h);
}

/* Builds a /wallet/credential body; corrupt: index of a proof to break
 * (or -1). */
static char *
credential_body(const struct wallet *w, const char *code,
    const char *nonce_hex, int corrupt)
{
	static const char label[] = "stadspas pop v1";
	struct sp_buf nonce, msg;
	char *body = malloc(16384), key_hex[300], sig_hex[200];
	uint8_t cose[128], sig[SIG_MAX_LEN];
	size_t i, cl, sl, off;

	sp_buf_init(&nonce);
	sp_buf_init(&msg);
	CHECK(tu_hex(&nonce, nonce_hex) == 0);
	off = (size_t)snprintf(body, 16384, "{\"code\":\"%s\",\"nonce\":\"%s\","
	    "\"proofs\":[", code, nonce_hex);
	for (i = 0; i < w->n; i++) {
		sp_buf_reset(&msg);
		CHECK(sp_buf_append(&msg, label, sizeof(label)) == SP_OK);
		CHECK(sp_buf_append(&msg, nonce.ptr, nonce.len) == SP_OK);
		CHECK(sp_buf_append(&msg, code, strlen(code)) == SP_OK);
		CHECK(sig_sign(&w->k[i]->priv, sig, &sl, msg.ptr, msg.len) ==
		    SP_OK);
		if ((int)i == corrupt)
			sig[5] ^= 1;
		cl = sizeof(cose);
		CHECK(sp_key_public_cose(w->k[i], cose, &cl) == SP_OK);
		hex_into(key_hex, cose, cl);
		hex_into(sig_hex, sig, sl);
		off += (size_t)snprintf(body + off, 16384 - off,
		    "%s{\"key\":\"%s\",\"sig\":\"%s\"}", i ? "," : "",
		    key_hex, sig_hex);
	}
	snprintf(body + off, 16384 - off, "]}");
	sp_buf_clear(&nonce);
	sp_buf_clear(&msg);
	return body;
}

static void
get_nonce(struct env *e, char out[80])
{
	CHECK(post(e, "/wallet/nonce", NULL, "{}") == 200);
	snprintf(out, 80, "%s", jstr("nonce"));
	CHECK(strlen(out) == 64 && jint("expires") == now_ + 300);
}

/* Runs the wallet flow with code; stores the passes on success. */
static int
enrol(struct env *e, struct wallet *w, const char *code, const char *peer)
{
	char nonce[80], *body;
	const json_t *arr;
	size_t i;

	get_nonce(e, nonce);
	body = credential_body(w, code, nonce, -1);
	request(e, "POST", "/wallet/credential", NULL, NULL, body,
	    strlen(body), NULL, peer);
	free(body);
	if (R.status != 200)
		return R.status;
	arr = json_object_get(R.j, "passes");
	CHECK(json_array_size(arr) == w->n && jint("list") == 1);
	for (i = 0; i < w->n && i < json_array_size(arr); i++)
		CHECK(tu_hex(&w->pass[i], json_string_value(
		    json_array_get(arr, i))) == 0);
	w->n_pass = json_array_size(arr);
	return 200;
}

static void
new_code(struct env *e, const char *resident, char out[32])
{
	char path[96];

	snprintf(path, sizeof(path), "/admin/residents/%s/code", resident);
	CHECK(post(e, path, e->admin, "{}") == 201);
	snprintf(out, 32, "%s", jstr("code"));
	CHECK(strlen(out) == 14 && out[4] == '-' && out[9] == '-');
}

static void
new_resident(struct env *e, const char *json, char out[32])
{
	CHECK(post(e, "/admin/residents", e->admin, json) == 201);
	snprintf(out, 32, "%s", jstr("resident"));
	CHECK(strncmp(jstr("pass_no"), "GM0014-", 7) == 0 &&
	    strlen(jstr("pass_no")) == 14);
}

/* Trust in every key GET /registry/keys publishes. */
static struct sp_trust *
trust_from_registry(struct env *e, size_t *n_keys)
{
	struct sp_trust *t = NULL;
	struct cbor_reader r;
	uint64_t n = 0, i;

	CHECK(get(e, "/registry/keys", NULL, NULL) == 200);
	CHECK(strcmp(R.ctype, "application/cose-key-set") == 0);
	CHECK(sp_trust_new(&t) == SP_OK);
	cbor_reader_init(&r, R.body.ptr, R.body.len);
	CHECK(cbor_read_array(&r, &n) == SP_OK && n >= 1);
	for (i = 0; i < n; i++) {
		const uint8_t *start = r.p;

		CHECK(cbor_skip(&r) == SP_OK);
		CHECK(sp_trust_add_cose_key(t, start, (size_t)(r.p - start)) ==
		    SP_OK);
	}
	CHECK(cbor_reader_done(&r));
	*n_keys = (size_t)n;
	return t;
}

/* Presents pass i (disclosing pass number and age band, the sport tag
 * and the swim key) and verifies it. */
static struct sp_presentation *
present_verify(const struct wallet *w, size_t i, const struct sp_trust *t,
    int64_t when)
{
	static const int disclose[] = { SP_CLAIM_PASS_NO,
	    SP_CLAIM_AGE_UNDER_12 };
	static const char *const scopes[] = { "sport/2026", "swim/2026-W10" };
	struct sp_present_opts po = {
		.time = when, .disclose = disclose, .disclose_count = 2,
		.scopes = scopes, .scope_count = 2,
	};
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	struct sp_presentation *p = NULL;
	uint8_t *pres = NULL;
	size_t len = 0;
	int r;

	vo.now = when;
	CHECK(sp_present(&pres, &len, w->pass[i].ptr, w->pass[i].len,
	    w->k[i], &po) == SP_OK);
	r = sp_presentation_verify(&p, t, &vo, pres, len);
	CHECKF(r == SP_OK, "copy %zu: %s", i, sp_strerror(r));
	sp_bytes_free(pres, len);
	return p;
}

/* ---- Tests ------------------------------------------------------------- */

static void
test_files(struct env *e)
{
	struct stat st;
	char path[128];

	snprintf(path, sizeof(path), "%s/issuer.key", e->dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
	    st.st_size == 32);
	snprintf(path, sizeof(path), "%s/limit.secret", e->dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
	    st.st_size == 32);
	CHECK(stat(e->dir, &st) == 0 && (st.st_mode & 0777) == 0700);
}

static void
test_operations(struct env *e)
{
	CHECK(get(e, "/healthz", NULL, NULL) == 200);
	CHECK(strcmp(jstr("status"), "ok") == 0 &&
	    jint("registry_size") == 0 && jint("checkpoint_age") == 0);
	CHECK(get(e, "/metrics", NULL, NULL) == 200);
	CHECK(sp_buf_cstr(&R.body) == SP_OK);
	CHECK(strstr((char *)R.body.ptr,
	    "# TYPE stadspas_requests_total counter\n") != NULL);
	CHECK(strstr((char *)R.body.ptr,
	    "stadspas_requests_total{class=\"2xx\"} 1\n") != NULL);
	CHECK(strstr((char *)R.body.ptr,
	    "# HELP stadspas_checkpoint_age_seconds") != NULL);
	/* Routing errors. */
	CHECK(get(e, "/nope", NULL, NULL) == 404 &&
	    is_error(404, "not_found"));
	CHECK(post(e, "/healthz", NULL, "{}") == 405 &&
	    is_error(405, "method_not_allowed"));
	CHECK(request(e, "GET", "/healthz", NULL, NULL, "x", 1, NULL,
	    ADMIN_PEER) == 400 && is_error(400, "bad_request"));
	{
		char path[ISS_MAX_PATH + 8];

		memset(path, 'a', sizeof(path) - 1);
		path[0] = '/';
		path[sizeof(path) - 1] = 0;
		CHECK(get(e, path, NULL, NULL) == 414);
	}
	CHECK(get(e, "/registry/2/checkpoint", NULL, NULL) == 404);
	CHECK(get(e, "/registry/1/delta", "from=x", NULL) == 400);
	CHECK(get(e, "/registry/1/delta", "from=1&from=1", NULL) == 400);
	CHECK(get(e, "/registry/1/delta", NULL, NULL) == 400);
	CHECK(get(e, "/registry/1/delta", "from=99", NULL) == 400);
	CHECK(get(e, "/registry/offers", NULL, NULL) == 404);
}

static void
test_auth(struct env *e)
{
	char auditor[80], admin2[80], bad[80];
	int i;

	make_token(e, "auditor", auditor);
	make_token(e, "admin", admin2);
	/* No header, malformed headers, a wrong token: 401. */
	CHECK(request(e, "GET", "/admin/audit", NULL, NULL, NULL, 0, NULL,
	    "198.51.100.1") == 401 && is_error(401, "unauthorized"));
	{
		struct iss_req q = { .method = "GET", .path = "/admin/audit",
		    .authorization = "Basic Zm9vOmJhcg==", .peer = "p2",
		    .now = now_ };
		struct iss_resp resp;

		iss_resp_init(&resp);
		CHECK(iss_api_handle(e->a, &q, &resp) == SP_OK &&
		    resp.status == 401);
		q.authorization = "Bearer abc";
		CHECK(iss_api_handle(e->a, &q, &resp) == SP_OK &&
		    resp.status == 401);
		iss_resp_clear(&resp);
	}
	snprintf(bad, sizeof(bad), "%s", admin2);
	bad[20] = bad[20] == '0' ? '1' : '0';
	CHECK(request(e, "GET", "/admin/audit", NULL, bad, NULL, 0, NULL,
	    "198.51.100.3") == 401);
	/* Unknown prefix too. */
	memset(bad, 'f', 64);
	CHECK(request(e, "GET", "/admin/audit", NULL, bad, NULL, 0, NULL,
	    "198.51.100.3") == 401);
	/* Roles: an auditor reads but may not write. */
	CHECK(get(e, "/admin/audit", NULL, auditor) == 200);
	CHECK(post(e, "/admin/residents", auditor, "{}") == 403 &&
	    is_error(403, "forbidden"));
	CHECK(post(e, "/admin/tokens", auditor,
	    "{\"role\":\"admin\",\"label\":\"x\"}") == 403);
	CHECK(post(e, "/admin/tokens", admin2,
	    "{\"role\":\"root\",\"label\":\"x\"}") == 400);
	/* Rate limiting: 5 failures a minute per client, then 429, even
	 * with a good token; other clients are not affected. */
	for (i = 0; i < 5; i++)
		CHECK(request(e, "GET", "/admin/audit", NULL, bad, NULL, 0,
		    NULL, "203.0.113.7") == 401);
	CHECK(request(e, "GET", "/admin/audit", NULL, bad, NULL, 0, NULL,
	    "203.0.113.7") == 429 && is_error(429, "rate_limited"));
	CHECK(request(e, "GET", "/admin/audit", NULL, auditor, NULL, 0, NULL,
	    "203.0.113.7") == 429);
	CHECK(request(e, "GET", "/admin/audit", NULL, auditor, NULL, 0, NULL,
	    "203.0.113.8") == 200);
	now_ += 61;
	CHECK(request(e, "GET", "/admin/audit", NULL, auditor, NULL, 0, NULL,
	    "203.0.113.7") == 200);
	/* IPv6 clients count by /64; IPv4-mapped ones by their IPv4. */
	for (i = 0; i < 5; i++)
		CHECK(request(e, "GET", "/admin/audit", NULL, bad, NULL, 0,
		    NULL, i % 2 ? "2001:db8:1:2::1" : "2001:db8:1:2:ff::9") ==
		    401);
	CHECK(request(e, "GET", "/admin/audit", NULL, auditor, NULL, 0, NULL,
	    "2001:db8:1:2:abcd::1") == 429);
	CHECK(request(e, "GET", "/admin/audit", NULL, auditor, NULL, 0, NULL,
	    "2001:db8:1:3::1") == 200);
	for (i = 0; i < 5; i++)
		CHECK(request(e, "GET", "/admin/audit", NULL, bad, NULL, 0,
		    NULL, "::ffff:198.51.100.99") == 401);
	CHECK(request(e, "GET", "/admin/audit", NULL, auditor, NULL, 0, NULL,
	    "198.51.100.99") == 429);
}

/* The verified-token cache: Argon2id once per token and 300 s, never for
 * an unknown prefix or a revoked token; wrong tokens still cost it and
 * are still rate-limited. */
static void
test_token_cache(struct env *e)
{
	char tok[80], bad[80], id[16], path[64];
	uint64_t n;
	int i;

	make_token(e, "admin", tok);
	snprintf(id, sizeof(id), "%s", jstr("id"));
	n = iss_app_pwhash_count(e->a);
	CHECK(get(e, "/admin/audit", "limit=1", tok) == 200);
	CHECK(iss_app_pwhash_count(e->a) == n + 1);
	CHECK(get(e, "/admin/audit", "limit=1", tok) == 200);
	CHECK(post(e, "/admin/residents/r999/code", tok, "{}") == 404);
	CHECK(iss_app_pwhash_count(e->a) == n + 1);
	/* Same prefix, wrong rest: a cache miss, Argon2id, 401, and the
	 * rate limit still applies (then no Argon2id at all). */
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[63] = bad[63] == '0' ? '1' : '0';
	for (i = 0; i < 5; i++)
		CHECK(request(e, "GET", "/admin/audit", NULL, bad, NULL, 0,
		    NULL, "198.51.100.40") == 401);
	CHECK(iss_app_pwhash_count(e->a) == n + 6);
	CHECK(request(e, "GET", "/admin/audit", NULL, bad, NULL, 0, NULL,
	    "198.51.100.40") == 429);
	CHECK(request(e, "GET", "/admin/audit", NULL, tok, NULL, 0, NULL,
	    "198.51.100.40") == 429);
	CHECK(iss_app_pwhash_count(e->a) == n + 6);
	/* An unknown prefix is refused without Argon2id. */
	memset(bad, 'e', 64);
	CHECK(request(e, "GET", "/admin/audit", NULL, bad, NULL, 0, NULL,
	    "198.51.100.41") == 401);
	CHECK(iss_app_pwhash_count(e->a) == n + 6);
	/* The wrong token did not evict the right one; after 300 s the
	 * token is verified again. */
	CHECK(get(e, "/admin/audit", "limit=1", tok) == 200);
	CHECK(iss_app_pwhash_count(e->a) == n + 6);
	now_ += 300;
	CHECK(get(e, "/admin/audit", "limit=1", tok) == 200);
	CHECK(iss_app_pwhash_count(e->a) == n + 7);
	/* Revocation: admin only, 404 for unknown or malformed ids. */
	snprintf(path, sizeof(path), "/admin/tokens/%s/revoke", id);
	CHECK(post(e, "/admin/tokens/00000000/revoke", e->admin, "{}") ==
	    404 && is_error(404, "not_found"));
	CHECK(post(e, "/admin/tokens/ABCDEF01/revoke", e->admin, "{}") ==
	    404);
	CHECK(post(e, "/admin/tokens/abc/revoke", e->admin, "{}") == 404);
	CHECK(post(e, path, e->admin, "{\"x\":1}") == 400);
	{
		char aud[80];

		make_token(e, "auditor", aud);
		CHECK(post(e, path, aud, "{}") == 403);
	}
	CHECK(post(e, path, e->admin, "{}") == 200 &&
	    strcmp(jstr("id"), id) == 0 && jint("revoked") == now_);
	n = iss_app_pwhash_count(e->a);
	CHECK(get(e, "/admin/audit", "limit=1", tok) == 401 &&
	    is_error(401, "unauthorized"));
	CHECK(iss_app_pwhash_count(e->a) == n);
	/* Again: 200, the first revocation's time. */
	now_ += 5;
	CHECK(post(e, path, e->admin, "{}") == 200 &&
	    jint("revoked") == now_ - 5);
	CHECK(get(e, "/admin/audit", "after=0&limit=1000", e->admin) == 200);
	{
		json_t *en = json_object_get(R.j, "entries");
		size_t k, revokes = 0;
		char target[32];

		snprintf(target, sizeof(target), "token:%s", id);
		for (k = 0; k < json_array_size(en); k++) {
			json_t *x = json_array_get(en, k);

			if (strcmp(json_string_value(json_object_get(x,
			    "action")), "token.revoke") == 0 &&
			    strcmp(json_string_value(json_object_get(x,
			    "target")), target) == 0)
				revokes++;
		}
		CHECK(revokes == 1);
	}
}

/* The last live admin token cannot be revoked; a revoked token stays
 * revoked across a restart. */
static void
test_token_revoke_last(void)
{
	struct env e2;
	char admin2[80], path[64], id[16];

	env_init(&e2);
	snprintf(id, sizeof(id), "%.8s", e2.admin);
	snprintf(path, sizeof(path), "/admin/tokens/%s/revoke", id);
	CHECK(post(&e2, path, e2.admin, "{}") == 409 &&
	    is_error(409, "conflict"));
	make_token(&e2, "admin", admin2);
	CHECK(post(&e2, path, admin2, "{}") == 200);
	CHECK(get(&e2, "/admin/audit", NULL, e2.admin) == 401);
	iss_app_close(&e2.a);
	e2.cfg.admin_bootstrap = false;
	env_open(&e2);
	CHECK(get(&e2, "/admin/audit", NULL, e2.admin) == 401);
	CHECK(get(&e2, "/admin/audit", NULL, admin2) == 200);
	snprintf(path, sizeof(path), "/admin/tokens/%.8s/revoke", admin2);
	CHECK(post(&e2, path, admin2, "{}") == 409);
	env_clear(&e2);
}

static void
hostile(struct env *e, const char *path, const void *body, size_t len,
    int status, const char *token)
{
	request(e, "POST", path, NULL, e->admin, body, len, NULL, ADMIN_PEER);
	CHECKF(is_error(status, token), "%s: %.40s: got %d %s", path,
	    (const char *)body, R.status, jstr("error"));
}

static void
hostile_s(struct env *e, const char *path, const char *body, int status,
    const char *token)
{
	hostile(e, path, body, strlen(body), status, token);
}

static void
test_hostile(struct env *e)
{
	static const char *const paths[] = { "/admin/residents",
	    "/wallet/credential", "/admin/offers", "/admin/tokens",
	    "/wallet/nonce" };
	static const char *const bad[] = {
		"{\"name\":\"A\",\"birth_year\":2000,\"categories\":[]",
		"{\"name\":\"A\",\"birth_year\":\"2000\",\"categories\":[]}",
		"{\"name\":\"A\",\"birth_year\":2000,\"categories\":[],"
		    "\"x\":1}",
		"{\"name\":\"\xff\xfe\",\"birth_year\":2000,"
		    "\"categories\":[]}",
		"{\"name\":\"A\",\"birth_year\":1e400,\"categories\":[]}",
		"{\"name\":\"A\",\"birth_year\":99999999999999999999999,"
		    "\"categories\":[]}",
		"{\"name\":\"A\",\"name\":\"B\",\"birth_year\":2000,"
		    "\"categories\":[]}",
		"[1,2,3]",
		"{\"name\":\"A\",\"birth_year\":2000.5,\"categories\":[]}",
		"{\"name\":\"A\",\"birth_year\":2000,\"categories\":[1]}",
		"{\"name\":null,\"birth_year\":2000,\"categories\":[]}",
		"{} trailing",
		"\"just a string\"",
		"{\"name\":\"A\\u0000B\",\"birth_year\":2000,"
		    "\"categories\":[]}",
	};
	uint8_t *big = malloc(ISS_MAX_BODY + 1);
	char *deep = malloc(2100);
	size_t i, j;

	memset(big, ' ', ISS_MAX_BODY + 1);
	big[0] = '{';
	big[ISS_MAX_BODY] = '}';
	memset(deep, '[', 2100);
	memcpy(deep, "{\"a\":", 5);
	memset(deep + 1005, ']', 1000);
	memcpy(deep + 2005, "}", 2);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		hostile(e, paths[i], big, ISS_MAX_BODY + 1, 413, "too_large");
		hostile(e, paths[i], deep, strlen(deep), 400, "bad_json");
		hostile(e, paths[i], "", 0, 400, "bad_json");
		for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++)
			hostile(e, paths[i], bad[j], strlen(bad[j]), 400,
			    "bad_json");
	}
	/* Depth 8 passes the depth check; 9 does not. */
	hostile_s(e, "/wallet/nonce", "{\"a\":[[[[[[[1]]]]]]]}", 400,
	    "bad_json");
	CHECK(strstr(jstr("message"), "unknown field") != NULL);
	hostile_s(e, "/wallet/nonce", "{\"a\":[[[[[[[[1]]]]]]]]}", 400,
	    "bad_json");
	CHECK(strstr(jstr("message"), "nesting") != NULL);
	/* Values in range are the handlers' business: bad_request. */
	hostile_s(e, "/admin/residents", "{\"name\":\"A\",\"birth_year\":1800,"
	    "\"categories\":[]}", 400, "bad_request");
	hostile_s(e, "/admin/residents", "{\"name\":\"A\",\"birth_year\":2000,"
	    "\"categories\":[\"Sport\"]}", 400, "bad_request");
	hostile_s(e, "/admin/residents", "{\"name\":\"A\",\"birth_year\":2000,"
	    "\"categories\":[\"a\",\"a\"]}", 400, "bad_request");
	hostile_s(e, "/admin/residents", "{\"name\":\"\",\"birth_year\":2000,"
	    "\"categories\":[]}", 400, "bad_request");
	hostile_s(e, "/admin/residents", "{\"name\":\"A\\nB\",\"birth_year\":"
	    "2000,\"categories\":[]}", 400, "bad_request");
	hostile_s(e, "/admin/residents/r999/revoke", "{\"reason\":1}", 404,
	    "not_found");
	hostile_s(e, "/admin/residents/r1x/code", "{}", 404, "not_found");
	hostile_s(e, "/admin/residents/r1/revoke", "{\"reason\":70000}", 400,
	    "bad_request");
	free(big);
	free(deep);
}

static void
test_catalogue(struct env *e)
{
	struct sp_key *till = NULL;
	struct cose_sign1 m;
	struct sig_pub pub;
	struct cbor_reader r;
	uint8_t cose[128];
	char body[512], key_hex[300];
	size_t cl = sizeof(cose);
	uint64_t n;

	CHECK(sp_key_generate(&till, SP_ALG_ES256) == SP_OK);
	CHECK(sp_key_public_cose(till, cose, &cl) == SP_OK);
	hex_into(key_hex, cose, cl);
	snprintf(body, sizeof(body), "{\"name\":\"Zwembad De Parrel\","
	    "\"till_keys\":[\"%s\"]}", key_hex);
	CHECK(post(e, "/admin/providers", e->admin, body) == 201);
	CHECK(strcmp(jstr("provider"), "p1") == 0);
	CHECK(post(e, "/admin/providers", e->admin, "{\"name\":\"X\","
	    "\"till_keys\":[\"a10101\"]}") == 400);
	CHECK(post(e, "/admin/offers", e->admin, "{\"provider\":\"p1\","
	    "\"title\":\"Sportclub\",\"category\":\"sport\",\"requires\":"
	    "[\"age_under_18\"],\"limit\":{\"count\":1,\"period\":\"year\"},"
	    "\"amount_cents\":15000}") == 201 && jint("offer") == 1);
	CHECK(post(e, "/admin/offers", e->admin, "{\"provider\":\"p1\","
	    "\"title\":\"Zwemmen\",\"category\":\"swim\",\"requires\":[],"
	    "\"limit\":{\"count\":1,\"period\":\"week\"},"
	    "\"amount_cents\":350}") == 201 && jint("offer") == 2);
	CHECK(post(e, "/admin/offers", e->admin, "{\"provider\":\"p7\","
	    "\"title\":\"X\",\"category\":\"swim\",\"requires\":[],"
	    "\"amount_cents\":1}") == 400);
	CHECK(post(e, "/admin/offers", e->admin, "{\"provider\":\"p1\","
	    "\"title\":\"X\",\"category\":\"swim\",\"requires\":[\"shoe\"],"
	    "\"amount_cents\":1}") == 400);
	CHECK(post(e, "/admin/offers", e->admin, "{\"provider\":\"p1\","
	    "\"title\":\"X\",\"category\":\"swim\",\"requires\":[],"
	    "\"limit\":{\"count\":1,\"period\":\"decade\"},"
	    "\"amount_cents\":1}") == 400);
	CHECK(post(e, "/admin/catalogue/publish", e->admin, "{}") == 200);
	CHECK(jint("version") == 1 && jint("size") > 100);
	CHECK(post(e, "/admin/catalogue/publish", e->admin, "{}") == 200);
	CHECK(jint("version") == 2);
	/* The catalogue verifies with the published issuer key. */
	CHECK(get(e, "/registry/offers", NULL, NULL) == 200);
	CHECK(strcmp(R.cc, "public, max-age=60") == 0 && R.etag[0] == '"');
	{
		struct sp_buf cat, keys;

		sp_buf_init(&cat);
		sp_buf_init(&keys);
		CHECK(sp_buf_set(&cat, R.body.ptr, R.body.len) == SP_OK);
		CHECK(get(e, "/registry/keys", NULL, NULL) == 200);
		CHECK(sp_buf_set(&keys, R.body.ptr, R.body.len) == SP_OK);
		cbor_reader_init(&r, keys.ptr, keys.len);
		CHECK(cbor_read_array(&r, &n) == SP_OK && n == 1);
		CHECK(cose_key_decode(&pub, &r) == SP_OK);
		CHECK(cose_sign1_decode(&m, cat.ptr, cat.len,
		    COSE_F_STRICT) == SP_OK);
		CHECK(cose_sign1_verify(&m, &pub, NULL, 0, NULL, 0) == SP_OK);
		CHECK(cbor_check(m.payload, m.payload_len, NULL,
		    CBOR_F_DETERMINISTIC, NULL) == SP_OK);
		/* {1: 3, 2: 2, ...} */
		CHECK(m.payload_len > 6 && m.payload[0] == 0xa5 &&
		    m.payload[1] == 0x01 && m.payload[2] == 0x03 &&
		    m.payload[3] == 0x02 && m.payload[4] == 0x02);
		sig_pub_clear(&pub);
		sp_buf_clear(&cat);
		sp_buf_clear(&keys);
	}
	sp_key_free(&till);
}

static void
test_caching(struct env *e)
{
	static const char *const paths[] = { "/registry/keys",
	    "/registry/trust", "/registry/1/checkpoint", "/registry/1/snapshot", "/status/1",
	    "/registry/offers" };
	char etag[72], list[200];
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		CHECK(get(e, paths[i], NULL, NULL) == 200);
		CHECK(strlen(R.etag) == 34 && R.body.len > 0);
		snprintf(etag, sizeof(etag), "%s", R.etag);
		CHECK(request(e, "GET", paths[i], NULL, NULL, NULL, 0, etag,
		    ADMIN_PEER) == 304 && R.body.len == 0);
		CHECK(strcmp(R.etag, etag) == 0 && R.cc != NULL);
		snprintf(list, sizeof(list), "\"x\", W/%s", etag);
		CHECK(request(e, "GET", paths[i], NULL, NULL, NULL, 0, list,
		    ADMIN_PEER) == 304);
		CHECK(request(e, "GET", paths[i], NULL, NULL, NULL, 0,
		    "\"0000\"", ADMIN_PEER) == 200);
	}
	CHECK(get(e, "/registry/keys", NULL, NULL) == 200 &&
	    strcmp(R.cc, "public, max-age=3600") == 0);
	CHECK(get(e, "/status/1", NULL, NULL) == 200 &&
	    strcmp(R.ctype, "application/statuslist+cwt") == 0);
}

struct flow {
	char res[32];
	char code[32];
	struct wallet w;
};

static void
test_enrolment(struct env *e, struct flow *f)
{
	struct sp_trust *t;
	struct sp_presentation *p[MAX_KEYS];
	uint8_t tag0[SP_TAG_LEN], tag[SP_TAG_LEN];
	uint32_t list, idx[MAX_KEYS];
	const uint8_t *v0 = NULL, *v;
	size_t n_keys, i, j, l0 = 0, l, k;
	int key;

	new_resident(e, "{\"name\":\"Fenna de Vries\",\"birth_year\":2015,"
	    "\"household_size\":3,\"categories\":[\"sport\",\"swim\"]}",
	    f->res);
	CHECK(strcmp(f->res, "r1") == 0);
	new_code(e, f->res, f->code);
	wallet_init(&f->w, 6);
	CHECK(enrol(e, &f->w, f->code, "198.51.100.20") == 200);
	t = trust_from_registry(e, &n_keys);
	CHECK(n_keys == 1);
	for (i = 0; i < f->w.n; i++) {
		if ((p[i] = present_verify(&f->w, i, t, now_ + 60)) == NULL)
			continue;
		sp_presentation_status(p[i], &list, &idx[i]);
		CHECK(list == 1);
		for (j = 0; j < i; j++)
			CHECK(idx[j] != idx[i]);
		CHECK(sp_presentation_issued(p[i]) == T0 - 12 * 3600 ||
		    sp_presentation_issued(p[i]) % 86400 == 0);
		CHECK(sp_presentation_expiry(p[i]) ==
		    sp_presentation_issued(p[i]) + 365 * 86400);
		CHECK(sp_presentation_has_true(p[i], SP_CLAIM_AGE_UNDER_12));
		/* The same pass number and limit tags in every copy. */
		for (k = 0; k < sp_presentation_claim_count(p[i]); k++) {
			CHECK(sp_presentation_claim(p[i], k, &key, &v, &l) ==
			    SP_OK);
			if (key != SP_CLAIM_PASS_NO)
				continue;
			if (i == 0) {
				v0 = v;
				l0 = l;
			} else {
				CHECK(l == l0 && memcmp(v, v0, l) == 0);
			}
		}
		CHECK(sp_presentation_limit_tag(p[i], "sport/2026", tag) ==
		    SP_OK);
		if (i == 0)
			memcpy(tag0, tag, sizeof(tag));
		else
			CHECK(memcmp(tag, tag0, sizeof(tag)) == 0);
		CHECK(sp_presentation_limit_tag(p[i], "swim/2026-W02", tag) ==
		    SP_OK);
		CHECK(sp_presentation_limit_tag(p[i], "sport/2031", tag) ==
		    SP_ERR_NOT_FOUND);
	}
	for (i = 0; i < f->w.n; i++)
		sp_presentation_free(&p[i]);
	sp_trust_free(&t);
	/* The admin view lists the copies. */
	CHECK(get(e, "/admin/residents/r1", NULL, e->admin) == 200);
	CHECK(json_array_size(json_object_get(R.j, "passes")) == 6);
	CHECK(strcmp(jstr("status"), "active") == 0 &&
	    jint("household_size") == 3 && jint("birth_year") == 2015);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(
	    json_object_get(R.j, "passes"), 0), "status")), "valid") == 0);
	CHECK(get(e, "/admin/residents/r77", NULL, e->admin) == 404);
	/* Reading a resident is audited (who, target); a miss is not. */
	CHECK(get(e, "/admin/audit", "after=0&limit=1000", e->admin) == 200);
	{
		json_t *en = json_object_get(R.j, "entries");
		json_t *x = json_array_get(en, json_array_size(en) - 1);

		CHECK(x != NULL && strcmp(json_string_value(json_object_get(x,
		    "action")), "resident.read") == 0 &&
		    strcmp(json_string_value(json_object_get(x, "target")),
		    "r1") == 0);
	}
	/* A used code is gone; so is the wallet's second attempt. */
	CHECK(enrol(e, &f->w, f->code, "198.51.100.21") == 410 &&
	    is_error(410, "gone"));
}

static void
test_proofs(struct env *e, struct flow *f)
{
	struct wallet w;
	char code[32], nonce[80], nonce2[80], *body;

	wallet_init(&w, 3);
	new_code(e, f->res, code);
	/* A nonce never handed out. */
	body = credential_body(&w, code, "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff", -1);
	request(e, "POST", "/wallet/credential", NULL, NULL, body,
	    strlen(body), NULL, "198.51.100.30");
	CHECK(is_error(400, "invalid_proof"));
	free(body);
	/* A bad proof (and its nonce is then used up). */
	get_nonce(e, nonce);
	body = credential_body(&w, code, nonce, 2);
	request(e, "POST", "/wallet/credential", NULL, NULL, body,
	    strlen(body), NULL, "198.51.100.30");
	CHECK(is_error(400, "invalid_proof"));
	free(body);
	body = credential_body(&w, code, nonce, -1);
	request(e, "POST", "/wallet/credential", NULL, NULL, body,
	    strlen(body), NULL, "198.51.100.30");
	CHECK(is_error(400, "invalid_proof"));
	free(body);
	/* Proofs over another nonce than the one sent. */
	get_nonce(e, nonce);
	get_nonce(e, nonce2);
	body = credential_body(&w, code, nonce, -1);
	memcpy(strstr(body, nonce), nonce2, 64);
	request(e, "POST", "/wallet/credential", NULL, NULL, body,
	    strlen(body), NULL, "198.51.100.30");
	CHECK(is_error(400, "invalid_proof"));
	free(body);
	/* An expired nonce. */
	get_nonce(e, nonce);
	now_ += 301;
	body = credential_body(&w, code, nonce, -1);
	request(e, "POST", "/wallet/credential", NULL, NULL, body,
	    strlen(body), NULL, "198.51.100.30");
	CHECK(is_error(400, "invalid_proof"));
	free(body);
	/* The code survived all that; the same key twice does not pass. */
	sp_key_free(&w.k[1]);
	CHECK(sp_key_from_seed(&w.k[1], SP_ALG_EDDSA,
	    (const uint8_t *)"0123456789abcdef0123456789abcdef") == SP_OK);
	sp_key_free(&w.k[2]);
	CHECK(sp_key_from_seed(&w.k[2], SP_ALG_EDDSA,
	    (const uint8_t *)"0123456789abcdef0123456789abcdef") == SP_OK);
	get_nonce(e, nonce);
	body = credential_body(&w, code, nonce, -1);
	request(e, "POST", "/wallet/credential", NULL, NULL, body,
	    strlen(body), NULL, "198.51.100.30");
	CHECK(is_error(400, "bad_request"));
	free(body);
	/* Lowercase, without dashes: the same code. */
	w.n = 2;
	{
		char lower[32];
		size_t i, k = 0;

		for (i = 0; code[i] != 0; i++)
			if (code[i] != '-')
				lower[k++] = (char)(code[i] >= 'A' &&
				    code[i] <= 'Z' ? code[i] - 'A' + 'a' :
				    code[i]);
		lower[k] = 0;
		CHECK(enrol(e, &w, lower, "198.51.100.30") == 200);
	}
	/* Expiry: a code past code_ttl is gone. */
	new_code(e, f->res, code);
	now_ += e->cfg.code_ttl;
	CHECK(enrol(e, &w, code, "198.51.100.31") == 410 &&
	    strstr(jstr("message"), "expired") != NULL);
	/* Wrong codes are rate-limited per client. */
	CHECK(enrol(e, &w, "AAAA-BBBB-CCCC", "198.51.100.32") == 400 &&
	    is_error(400, "invalid_code"));
	CHECK(enrol(e, &w, "not a code", "198.51.100.32") == 400);
	CHECK(enrol(e, &w, "AAAA-BBBB-CCCD", "198.51.100.32") == 400);
	CHECK(enrol(e, &w, "AAAA-BBBB-CCCE", "198.51.100.32") == 400);
	CHECK(enrol(e, &w, "AAAA-BBBB-CCCF", "198.51.100.32") == 400);
	CHECK(enrol(e, &w, "AAAA-BBBB-CCCG", "198.51.100.32") == 429);
	new_code(e, f->res, code);
	CHECK(enrol(e, &w, code, "198.51.100.32") == 429);
	CHECK(enrol(e, &w, code, "198.51.100.33") == 200);
	/* No proofs at all. */
	{
		static const char empty[] = "{\"code\":\"AAAA-BBBB-CCCC\","
		    "\"nonce\":\"00\",\"proofs\":[]}";

		request(e, "POST", "/wallet/credential", NULL, NULL, empty,
		    strlen(empty), NULL, "198.51.100.34");
	}
	CHECK(is_error(400, "bad_request"));
	wallet_clear(&w);
}

static void
test_revoke(struct env *e, struct flow *f)
{
	struct sp_trust *t;
	struct sp_reg_mirror *m = NULL;
	struct sp_presentation *p;
	uint32_t list, idx;
	unsigned st;
	size_t n_keys, i;
	char res2[32], code[32];
	struct wallet w;
	struct sp_buf push;
	bool pushed;

	t = trust_from_registry(e, &n_keys);
	CHECK(sp_reg_mirror_new(&m, 1, t) == SP_OK);
	CHECK(get(e, "/registry/1/snapshot", NULL, NULL) == 200);
	CHECK(sp_reg_mirror_bootstrap(m, R.body.ptr, R.body.len) == SP_OK);
	now_ += 10;
	CHECK(post(e, "/admin/residents/r1/revoke", e->admin,
	    "{\"reason\":3}") == 200);
	CHECK(jint("changed") >= 6);
	/* Revocation is final; repeating it changes nothing. */
	CHECK(post(e, "/admin/residents/r1/revoke", e->admin,
	    "{\"reason\":3}") == 200 && jint("changed") == 0);
	CHECK(post(e, "/admin/residents/r1/suspend", e->admin,
	    "{\"reason\":3}") == 409 && is_error(409, "conflict"));
	CHECK(post(e, "/admin/residents/r1/reinstate", e->admin,
	    "{\"reason\":3}") == 409);
	CHECK(post(e, "/admin/residents/r1/code", e->admin, "{}") == 409);
	{
		char q[32];

		snprintf(q, sizeof(q), "from=%llu",
		    (unsigned long long)sp_reg_mirror_size(m));
		CHECK(get(e, "/registry/1/delta", q, NULL) == 200);
	}
	CHECK(sp_reg_mirror_apply(m, R.body.ptr, R.body.len) == SP_OK);
	for (i = 0; i < f->w.n; i++) {
		if ((p = present_verify(&f->w, i, t, now_)) == NULL)
			continue;
		sp_presentation_status(p, &list, &idx);
		CHECK(sp_reg_mirror_status(m, idx, &st) == SP_OK &&
		    st == SP_STATUS_REVOKED);
		sp_presentation_free(&p);
	}
	CHECK(get(e, "/admin/residents/r1", NULL, e->admin) == 200);
	CHECK(strcmp(jstr("status"), "revoked") == 0);
	/* Suspend and reinstate another resident's copies. */
	new_resident(e, "{\"name\":\"Sem\",\"birth_year\":1950,"
	    "\"categories\":[]}", res2);
	new_code(e, res2, code);
	wallet_init(&w, 2);
	CHECK(enrol(e, &w, code, "198.51.100.40") == 200);
	CHECK(post(e, "/admin/residents/r2/suspend", e->admin,
	    "{\"reason\":1}") == 200 && jint("changed") == 2);
	new_code(e, res2, code);
	CHECK(enrol(e, &w, code, "198.51.100.40") == 409);
	CHECK(post(e, "/admin/residents/r2/reinstate", e->admin,
	    "{\"reason\":0}") == 200 && jint("changed") == 2);
	p = present_verify(&w, 0, t, now_);
	CHECK(p != NULL && sp_presentation_has_true(p,
	    SP_CLAIM_AGE_OVER_65) == false);	/* not disclosed */
	sp_presentation_free(&p);
	/* The tick signs the checkpoint a till fetching now would get and
	 * announces it once. */
	sp_buf_init(&push);
	CHECK(post(e, "/admin/residents/r2/suspend", e->admin,
	    "{\"reason\":1}") == 200);
	CHECK(iss_app_tick(e->a, now_, &push, &pushed) == SP_OK && pushed);
	CHECK(sp_buf_cstr(&push) == SP_OK &&
	    strstr((char *)push.ptr, "\"type\":\"checkpoint\"") != NULL);
	sp_buf_reset(&push);
	CHECK(iss_app_tick(e->a, now_ + 1, &push, &pushed) == SP_OK &&
	    !pushed && push.len == 0);
	CHECK(iss_app_tick(e->a, now_ + 300, &push, &pushed) == SP_OK &&
	    pushed);
	sp_buf_clear(&push);
	{
		char q[32];

		snprintf(q, sizeof(q), "from=%llu",
		    (unsigned long long)sp_reg_mirror_size(m));
		CHECK(get(e, "/registry/1/delta", q, NULL) == 200);
		CHECK(sp_reg_mirror_apply(m, R.body.ptr, R.body.len) == SP_OK);
	}
	wallet_clear(&w);
	sp_reg_mirror_free(&m);
	sp_trust_free(&t);
}

static void
test_audit(struct env *e)
{
	json_int_t next;

	CHECK(get(e, "/admin/audit", "after=0&limit=3", e->admin) == 200);
	CHECK(json_array_size(json_object_get(R.j, "entries")) == 3 &&
	    jint("next") == 3);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(
	    json_object_get(R.j, "entries"), 0), "action")),
	    "keys.create") == 0);
	CHECK(get(e, "/admin/audit", "after=3&limit=1000", e->admin) == 200);
	next = jint("next");
	CHECK(next > 10);
	CHECK(get(e, "/admin/audit", NULL, e->admin) == 200);
	CHECK(get(e, "/admin/audit", "limit=0", e->admin) == 400);
	CHECK(get(e, "/admin/audit", "limit=1001", e->admin) == 400);
	CHECK(get(e, "/admin/audit", "foo=1", e->admin) == 400);
	{
		char q[40];

		snprintf(q, sizeof(q), "after=%lld", (long long)next);
		CHECK(get(e, "/admin/audit", q, e->admin) == 200);
		CHECK(json_array_size(json_object_get(R.j, "entries")) == 0 &&
		    jint("next") == next);
	}
}

static void
test_rotation(struct env *e, struct flow *f)
{
	struct sp_trust *t;
	struct sp_reg_mirror *m = NULL;
	struct sp_presentation *p;
	struct wallet w;
	char code[32], res[32];
	size_t n_keys;

	CHECK(post(e, "/admin/keys/rotate", e->admin, "{}") == 200);
	CHECK(strlen(jstr("kid")) == 8 && jint("keys") == 2);
	t = trust_from_registry(e, &n_keys);
	CHECK(n_keys == 2);
	/* Old copies still verify; new ones are signed by the new key. */
	p = present_verify(&f->w, 0, t, now_);
	sp_presentation_free(&p);
	new_resident(e, "{\"name\":\"Lotte\",\"birth_year\":1990,"
	    "\"categories\":[\"sport\"]}", res);
	new_code(e, res, code);
	wallet_init(&w, 1);
	CHECK(enrol(e, &w, code, "198.51.100.50") == 200);
	p = present_verify(&w, 0, t, now_);
	CHECK(p != NULL);
	sp_presentation_free(&p);
	/* A till with both keys follows checkpoints across the rotation. */
	CHECK(sp_reg_mirror_new(&m, 1, t) == SP_OK);
	CHECK(get(e, "/registry/1/snapshot", NULL, NULL) == 200);
	CHECK(sp_reg_mirror_bootstrap(m, R.body.ptr, R.body.len) == SP_OK);
	wallet_clear(&w);
	sp_reg_mirror_free(&m);
	sp_trust_free(&t);
}

/* ---- Trust list -------------------------------------------------------- */

#define CHAIN_MAX 16

/* One decoded trust list version: its keys (COSE_Key bytes). */
struct tversion {
	uint64_t version;
	int64_t issued;
	size_t n;
	uint8_t key[ISS_MAX_KEYS][ISS_COSE_KEY_MAX];
	size_t key_len[ISS_MAX_KEYS];
	uint8_t signer_kid[SP_KID_LEN];
};

static void
kid_of_cose(uint8_t kid[SP_KID_LEN], const uint8_t *k, size_t n)
{
	uint8_t h[32];

	CHECK(sp_sha256(h, k, n) == SP_OK);
	memcpy(kid, h, SP_KID_LEN);
}

/* Decodes one signed version (not checking its signature). */
static void
tversion_decode(struct tversion *v, const uint8_t *p, size_t n)
{
	struct cose_sign1 m;
	struct cbor_reader r;
	uint64_t u, cnt, i;

	memset(v, 0, sizeof(*v));
	CHECK(cose_sign1_decode(&m, p, n, COSE_F_STRICT) == SP_OK);
	CHECK(!m.tagged && m.kid != NULL && m.kid_len == SP_KID_LEN &&
	    m.alg == -8);
	memcpy(v->signer_kid, m.kid, SP_KID_LEN);
	CHECK(cbor_check(m.payload, m.payload_len, NULL,
	    CBOR_F_DETERMINISTIC, NULL) == SP_OK);
	cbor_reader_init(&r, m.payload, m.payload_len);
	CHECK(cbor_read_map(&r, &u) == SP_OK && u == 4);
	CHECK(cbor_read_uint(&r, &u) == SP_OK && u == 1);
	CHECK(cbor_read_uint(&r, &u) == SP_OK && u == 4);
	CHECK(cbor_read_uint(&r, &u) == SP_OK && u == 2);
	CHECK(cbor_read_uint(&r, &v->version) == SP_OK);
	CHECK(cbor_read_uint(&r, &u) == SP_OK && u == 3);
	CHECK(cbor_read_uint(&r, &u) == SP_OK);
	v->issued = (int64_t)u;
	CHECK(cbor_read_uint(&r, &u) == SP_OK && u == 4);
	CHECK(cbor_read_array(&r, &cnt) == SP_OK && cnt >= 1 &&
	    cnt <= ISS_MAX_KEYS);
	for (i = 0; i < cnt; i++) {
		const uint8_t *start = r.p;

		CHECK(cbor_skip(&r) == SP_OK);
		v->key_len[i] = (size_t)(r.p - start);
		CHECK(v->key_len[i] <= ISS_COSE_KEY_MAX);
		memcpy(v->key[i], start, v->key_len[i]);
	}
	v->n = (size_t)cnt;
	CHECK(cbor_reader_done(&r));
}

/* Checks the signature of p (decoded as v) with the key of prev whose kid
 * it names. */
static bool
tversion_signed_by(const uint8_t *p, size_t n, const struct tversion *v,
    const struct tversion *prev)
{
	struct cose_sign1 m;
	struct cbor_reader r;
	struct sig_pub pub;
	uint8_t kid[SP_KID_LEN];
	size_t i;
	bool ok = false;

	CHECK(cose_sign1_decode(&m, p, n, COSE_F_STRICT) == SP_OK);
	for (i = 0; i < prev->n && !ok; i++) {
		kid_of_cose(kid, prev->key[i], prev->key_len[i]);
		if (memcmp(kid, v->signer_kid, SP_KID_LEN) != 0)
			continue;
		cbor_reader_init(&r, prev->key[i], prev->key_len[i]);
		CHECK(cose_key_decode(&pub, &r) == SP_OK);
		ok = cose_sign1_verify(&m, &pub, NULL, 0, NULL, 0) == SP_OK;
		sig_pub_clear(&pub);
	}
	return ok;
}

/* Fetches GET /registry/trust and checks the chain: versions 1..n in
 * order, version 1 self-signed, each later one signed by a key of the
 * version before. Fills v[0..n) and returns n. */
static size_t
chain_fetch(struct env *e, struct tversion *v, size_t max)
{
	struct cbor_reader r;
	const uint8_t *p;
	size_t len;
	uint64_t n = 0, i;

	CHECK(get(e, "/registry/trust", NULL, NULL) == 200);
	CHECK(strcmp(R.ctype, "application/cbor") == 0);
	cbor_reader_init(&r, R.body.ptr, R.body.len);
	CHECK(cbor_read_array(&r, &n) == SP_OK && n >= 1 && n <= max);
	for (i = 0; i < n && i < max; i++) {
		CHECK(cbor_read_bstr(&r, &p, &len) == SP_OK);
		tversion_decode(&v[i], p, len);
		CHECK(v[i].version == i + 1);
		CHECKF(tversion_signed_by(p, len, &v[i],
		    i == 0 ? &v[0] : &v[i - 1]), "trust version %llu",
		    (unsigned long long)i + 1);
	}
	CHECK(cbor_reader_done(&r));
	return (size_t)n;
}

/* The published key set equals the newest trust version's keys. */
static void
keys_match_chain(struct env *e, const struct tversion *last)
{
	struct cbor_reader r;
	uint64_t n = 0, i;

	CHECK(get(e, "/registry/keys", NULL, NULL) == 200);
	cbor_reader_init(&r, R.body.ptr, R.body.len);
	CHECK(cbor_read_array(&r, &n) == SP_OK && n == last->n);
	for (i = 0; i < n && i < last->n; i++) {
		const uint8_t *start = r.p;

		CHECK(cbor_skip(&r) == SP_OK);
		CHECK((size_t)(r.p - start) == last->key_len[i] &&
		    memcmp(start, last->key[i], last->key_len[i]) == 0);
	}
}

/* Fresh daemon: version 1 self-signed, the current key alone. */
static void
test_trust_start(struct env *e)
{
	struct tversion *v = calloc(CHAIN_MAX, sizeof(*v));
	uint8_t kid[SP_KID_LEN];
	char hex[80];

	CHECK(chain_fetch(e, v, CHAIN_MAX) == 1);
	CHECK(v[0].n == 1 && v[0].issued == now_);
	kid_of_cose(kid, v[0].key[0], v[0].key_len[0]);
	CHECK(memcmp(kid, v[0].signer_kid, SP_KID_LEN) == 0);
	keys_match_chain(e, &v[0]);
	CHECK(get(e, "/healthz", NULL, NULL) == 200 &&
	    jint("trust_version") == 1);
	CHECK(get(e, "/admin/keys", NULL, e->admin) == 200);
	CHECK(json_array_size(json_object_get(R.j, "keys")) == 1 &&
	    jint("trust_version") == 1);
	{
		const json_t *k = json_array_get(json_object_get(R.j, "keys"),
		    0);
		uint8_t fp[32];

		CHECK(iss_trust_fingerprint(fp, v[0].key[0],
		    v[0].key_len[0]) == SP_OK);
		hex_into(hex, fp, 32);
		CHECK(strcmp(json_string_value(json_object_get(k,
		    "fingerprint")), hex) == 0);
		CHECK(json_is_true(json_object_get(k, "current")));
		hex_into(hex, kid, SP_KID_LEN);
		CHECK(strcmp(json_string_value(json_object_get(k, "kid")),
		    hex) == 0);
	}
	free(v);
}

/* After test_rotation: version 2 = [new, old], signed by the old key. */
static void
test_trust_rotation(struct env *e)
{
	struct tversion *v = calloc(CHAIN_MAX, sizeof(*v));
	uint8_t kid[SP_KID_LEN];

	CHECK(chain_fetch(e, v, CHAIN_MAX) == 2);
	CHECK(v[1].n == 2);
	CHECK(v[1].key_len[1] == v[0].key_len[0] && memcmp(v[1].key[1],
	    v[0].key[0], v[0].key_len[0]) == 0);
	kid_of_cose(kid, v[0].key[0], v[0].key_len[0]);
	CHECK(memcmp(v[1].signer_kid, kid, SP_KID_LEN) == 0);
	keys_match_chain(e, &v[1]);
	free(v);
}

/* Removal: 404 unknown, 409 current, then the old key goes, in a
 * version signed by the current key; passes it signed stop verifying. */
static void
test_trust_removal(struct env *e, struct flow *f)
{
	struct tversion *v = calloc(CHAIN_MAX, sizeof(*v));
	struct sp_trust *t;
	struct sp_presentation *p = NULL;
	uint8_t kid[SP_KID_LEN];
	char path[64], hex[16], auditor[80];
	size_t n_keys, n;

	n = chain_fetch(e, v, CHAIN_MAX);
	CHECK(n == 2);
	CHECK(post(e, "/admin/keys/00000000/remove", e->admin, "{}") == 404 &&
	    is_error(404, "not_found"));
	CHECK(post(e, "/admin/keys/zz/remove", e->admin, "{}") == 404);
	kid_of_cose(kid, v[1].key[0], v[1].key_len[0]);
	hex_into(hex, kid, SP_KID_LEN);
	snprintf(path, sizeof(path), "/admin/keys/%s/remove", hex);
	CHECK(post(e, path, e->admin, "{}") == 409 && is_error(409,
	    "conflict"));
	make_token(e, "auditor", auditor);
	kid_of_cose(kid, v[1].key[1], v[1].key_len[1]);
	hex_into(hex, kid, SP_KID_LEN);
	snprintf(path, sizeof(path), "/admin/keys/%s/remove", hex);
	CHECK(post(e, path, auditor, "{}") == 403);
	CHECK(post(e, path, e->admin, "{}") == 200);
	CHECK(jint("keys") == 1 && jint("trust_version") == 3);
	CHECK(post(e, path, e->admin, "{}") == 404);
	CHECK(chain_fetch(e, v, CHAIN_MAX) == 3);
	CHECK(v[2].n == 1 && v[2].key_len[0] == v[1].key_len[0] &&
	    memcmp(v[2].key[0], v[1].key[0], v[1].key_len[0]) == 0);
	kid_of_cose(kid, v[1].key[0], v[1].key_len[0]);
	CHECK(memcmp(v[2].signer_kid, kid, SP_KID_LEN) == 0);
	keys_match_chain(e, &v[2]);
	/* The first wallet's copies were signed by the removed key. */
	t = trust_from_registry(e, &n_keys);
	CHECK(n_keys == 1);
	{
		static const int none[] = { SP_CLAIM_PASS_NO };
		struct sp_present_opts po = { .time = now_, .disclose = none,
		    .disclose_count = 1 };
		struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
		uint8_t *pres = NULL;
		size_t len = 0;

		vo.now = now_;
		CHECK(sp_present(&pres, &len, f->w.pass[0].ptr,
		    f->w.pass[0].len, f->w.k[0], &po) == SP_OK);
		CHECK(sp_presentation_verify(&p, t, &vo, pres, len) ==
		    SP_ERR_UNKNOWN_KID);
		sp_bytes_free(pres, len);
	}
	CHECK(get(e, "/admin/audit", "after=0&limit=1000", e->admin) == 200);
	CHECK(strstr((const char *)R.body.ptr, "keys.remove") != NULL);
	sp_trust_free(&t);
	free(v);
}

/* The byte-exact example of docs/FORMATS.md, "Trust list". */
static const char trust_vector_hex[] =
    "8449a20127044406c3b3e2a0585da401040202031a6955b9000482a301012006"
    "2158202543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066c"
    "a9559da3010120062158207776e870b93354f2a0b24c23f2a36cc4e80e223218"
    "c1b97926fdd018396a2b9b58405463d5bc205976eac8bb273d11db880ee902ba"
    "0b35db72111fba6c55616261216f633de67d6698c72c76b096964df60cabee02"
    "0317d0f737c8f2a9961e695400";

static void
test_trust_vector(void)
{
	struct sp_key *k1 = NULL, *k2 = NULL;
	struct sp_buf payload, out, keys;
	uint8_t seed[SP_SEED_LEN], kid[SP_KID_LEN], cose[ISS_COSE_KEY_MAX];
	size_t i, len[2], cl;
	char *hex;

	for (i = 0; i < SP_SEED_LEN; i++)
		seed[i] = (uint8_t)(0x10 + i);
	CHECK(sp_key_from_seed(&k1, SP_ALG_EDDSA, seed) == SP_OK);
	for (i = 0; i < SP_SEED_LEN; i++)
		seed[i] = (uint8_t)(0x40 + i);
	CHECK(sp_key_from_seed(&k2, SP_ALG_EDDSA, seed) == SP_OK);
	sp_buf_init(&payload);
	sp_buf_init(&out);
	sp_buf_init(&keys);
	/* Version 2: the new key (seed 40..5f) first, signed by the old. */
	cl = sizeof(cose);
	CHECK(sp_key_public_cose(k2, cose, &cl) == SP_OK);
	CHECK(sp_buf_append(&keys, cose, cl) == SP_OK);
	len[0] = cl;
	cl = sizeof(cose);
	CHECK(sp_key_public_cose(k1, cose, &cl) == SP_OK);
	CHECK(sp_buf_append(&keys, cose, cl) == SP_OK);
	len[1] = cl;
	CHECK(iss_trust_payload(&payload, 2, 1767225600, keys.ptr, len, 2) ==
	    SP_OK);
	sp_key_kid(k1, kid);
	CHECK(cose_sign1_sign(&out, &k1->priv, kid, sizeof(kid), -1,
	    payload.ptr, payload.len, NULL, 0, 0) == SP_OK);
	hex = tu_tohex(out.ptr, out.len);
	if (getenv("ISS_PRINT_VECTOR") != NULL) {
		char *ph = tu_tohex(payload.ptr, payload.len);

		printf("trust payload %s\ntrust signed %s\n", ph, hex);
		free(ph);
	}
	CHECKF(strcmp(hex, trust_vector_hex) == 0, "trust vector: %s", hex);
	free(hex);
	sp_buf_clear(&payload);
	sp_buf_clear(&out);
	sp_buf_clear(&keys);
	sp_key_free(&k1);
	sp_key_free(&k2);
}

static void
test_persistence(struct env *e)
{
	struct sp_buf keys;
	char path[128], err[256];
	struct iss_app *b = NULL;
	char *boot = NULL;

	sp_buf_init(&keys);
	CHECK(get(e, "/registry/keys", NULL, NULL) == 200);
	CHECK(sp_buf_set(&keys, R.body.ptr, R.body.len) == SP_OK);
	iss_app_close(&e->a);
	/* A second daemon on the same directory is refused. */
	env_open(e);
	CHECK(iss_app_open(&b, &e->cfg, now_, &boot) != SP_OK && b == NULL);
	iss_app_close(&e->a);
	/* Key files open to the group are refused, with a reason. */
	snprintf(path, sizeof(path), "%s/issuer.key", e->dir);
	CHECK(chmod(path, 0640) == 0);
	err[0] = 0;
	CHECK(iss_app_open_diag(&e->a, &e->cfg, now_, &boot, err,
	    sizeof(err)) == SP_ERR_KEY && e->a == NULL);
	CHECK(strstr(err, "issuer.key") != NULL && strstr(err, "640"));
	CHECK(chmod(path, 0600) == 0);
	/* A missing limit secret after issuing is refused. */
	snprintf(path, sizeof(path), "%s/limit.secret", e->dir);
	{
		char moved[140];

		snprintf(moved, sizeof(moved), "%s.bak", path);
		CHECK(rename(path, moved) == 0);
		CHECK(iss_app_open_diag(&e->a, &e->cfg, now_, &boot, err,
		    sizeof(err)) == SP_ERR_KEY);
		CHECK(strstr(err, "restore") != NULL);
		CHECK(rename(moved, path) == 0);
	}
	env_open(e);
	CHECK(boot == NULL);
	test_files(e);
	CHECK(get(e, "/registry/keys", NULL, NULL) == 200);
	CHECK(R.body.len == keys.len && memcmp(R.body.ptr, keys.ptr,
	    keys.len) == 0);
	CHECK(get(e, "/admin/residents/r1", NULL, e->admin) == 200);
	CHECK(strcmp(jstr("name"), "Fenna de Vries") == 0 &&
	    strcmp(jstr("status"), "revoked") == 0);
	CHECK(get(e, "/registry/offers", NULL, NULL) == 200);
	sp_buf_clear(&keys);
}

static void
test_renewal(struct env *e)
{
	struct sp_trust *t;
	struct sp_presentation *p;
	struct wallet w;
	struct sp_buf push;
	char res[32], code[32], job[32], body[128];
	int64_t from = T0 + 200 * 86400, until = from + 365 * 86400;
	size_t i, n_keys;
	bool pushed;

	sp_buf_init(&push);
	for (i = 0; i < 3; i++)
		new_resident(e, "{\"name\":\"R\",\"birth_year\":1980,"
		    "\"categories\":[\"sport\"]}", res);
	CHECK(post(e, "/admin/renewals", e->admin,
	    "{\"valid_from\":5,\"valid_until\":4}") == 400);
	snprintf(body, sizeof(body), "{\"valid_from\":%lld,"
	    "\"valid_until\":%lld}", (long long)from, (long long)until);
	CHECK(post(e, "/admin/renewals", e->admin, body) == 202);
	snprintf(job, sizeof(job), "/admin/renewals/%s", jstr("job"));
	CHECK(post(e, "/admin/renewals", e->admin, body) == 409);
	CHECK(get(e, job, NULL, e->admin) == 200);
	CHECK(jint("done") == 0 && jint("total") == 6 &&
	    !json_is_true(json_object_get(R.j, "finished")));
	CHECK(iss_app_tick(e->a, now_, &push, &pushed) == SP_OK);
	CHECK(get(e, job, NULL, e->admin) == 200 && jint("done") == 2);
	/* A restart mid-job resumes from the last slice. */
	iss_app_close(&e->a);
	env_open(e);
	CHECK(get(e, job, NULL, e->admin) == 200 && jint("done") == 2);
	CHECK(iss_app_tick(e->a, now_, &push, &pushed) == SP_OK);
	CHECK(get(e, job, NULL, e->admin) == 200 && jint("done") == 4);
	CHECK(iss_app_tick(e->a, now_, &push, &pushed) == SP_OK);
	CHECK(get(e, job, NULL, e->admin) == 200 && jint("done") == 6 &&
	    json_is_true(json_object_get(R.j, "finished")));
	CHECK(iss_app_tick(e->a, now_, &push, &pushed) == SP_OK);
	CHECK(get(e, "/admin/residents/r6", NULL, e->admin) == 200);
	CHECK(jint("birth_year") == 1980 && json_integer_value(
	    json_object_get(json_object_get(R.j, "renewal"), "valid_until")) ==
	    until);
	CHECK(get(e, "/admin/residents/r1", NULL, e->admin) == 200 &&
	    json_object_get(R.j, "renewal") == NULL);	/* revoked */
	/* The next enrolment issues for the new window. */
	new_code(e, "r6", code);
	wallet_init(&w, 1);
	CHECK(enrol(e, &w, code, "198.51.100.60") == 200);
	t = trust_from_registry(e, &n_keys);
	p = present_verify(&w, 0, t, from + 86400);
	CHECK(p != NULL && sp_presentation_expiry(p) == until);
	sp_presentation_free(&p);
	/* Not valid before the window opens (nbf). */
	{
		static const int none[] = { SP_CLAIM_PASS_NO };
		struct sp_present_opts po = { .time = now_, .disclose = none,
		    .disclose_count = 1 };
		struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
		uint8_t *pres = NULL;
		size_t len = 0;

		vo.now = now_;
		CHECK(sp_present(&pres, &len, w.pass[0].ptr, w.pass[0].len,
		    w.k[0], &po) == SP_OK);
		CHECK(sp_presentation_verify(&p, t, &vo, pres, len) ==
		    SP_ERR_NOT_YET_VALID);
		sp_bytes_free(pres, len);
	}
	CHECK(get(e, "/admin/renewals/j9", NULL, e->admin) == 404);
	wallet_clear(&w);
	sp_trust_free(&t);
	sp_buf_clear(&push);
}

/* A POST /wallet/refresh body: proofs over "stadspas refresh v1" 0x00 ||
 * nonce by keys k[0..n); corrupt: index of a proof to break (or -1). */
static char *
refresh_body(struct sp_key *const *k, size_t n, const char *nonce_hex,
    int corrupt)
{
	static const char label[] = "stadspas refresh v1";
	struct sp_buf nonce, msg;
	char *body = malloc(16384), key_hex[300], sig_hex[200];
	uint8_t cose[128], sig[SIG_MAX_LEN];
	size_t i, cl, sl, off;

	sp_buf_init(&nonce);
	sp_buf_init(&msg);
	CHECK(tu_hex(&nonce, nonce_hex) == 0);
	CHECK(sp_buf_append(&msg, label, sizeof(label)) == SP_OK);
	CHECK(sp_buf_append(&msg, nonce.ptr, nonce.len) == SP_OK);
	off = (size_t)snprintf(body, 16384, "{\"nonce\":\"%s\",\"proofs\":[",
	    nonce_hex);
	for (i = 0; i < n; i++) {
		CHECK(sig_sign(&k[i]->priv, sig, &sl, msg.ptr, msg.len) ==
		    SP_OK);
		if ((int)i == corrupt)
			sig[7] ^= 1;
		cl = sizeof(cose);
		CHECK(sp_key_public_cose(k[i], cose, &cl) == SP_OK);
		hex_into(key_hex, cose, cl);
		hex_into(sig_hex, sig, sl);
		off += (size_t)snprintf(body + off, 16384 - off,
		    "%s{\"key\":\"%s\",\"sig\":\"%s\"}", i ? "," : "",
		    key_hex, sig_hex);
	}
	snprintf(body + off, 16384 - off, "]}");
	sp_buf_clear(&nonce);
	sp_buf_clear(&msg);
	return body;
}

static int
refresh(struct env *e, struct sp_key *const *k, size_t n, int corrupt)
{
	char nonce[80], *body;

	get_nonce(e, nonce);
	body = refresh_body(k, n, nonce, corrupt);
	request(e, "POST", "/wallet/refresh", NULL, NULL, body, strlen(body),
	    NULL, "198.51.100.90");
	free(body);
	return R.status;
}

/* Verifies an issued pass held by k at time when; returns its status
 * index and expiry. */
static int
pass_check(const struct sp_buf *pass, struct sp_key *k,
    const struct sp_trust *t, int64_t when, uint32_t *idx, int64_t *exp)
{
	static const int none[] = { SP_CLAIM_PASS_NO };
	struct sp_present_opts po = { .time = when, .disclose = none,
	    .disclose_count = 1 };
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	struct sp_presentation *p = NULL;
	uint8_t *pres = NULL;
	uint32_t list;
	size_t len = 0;
	int r;

	vo.now = when;
	if ((r = sp_present(&pres, &len, pass->ptr, pass->len, k, &po)) !=
	    SP_OK)
		return r;
	r = sp_presentation_verify(&p, t, &vo, pres, len);
	sp_bytes_free(pres, len);
	if (r == SP_OK) {
		sp_presentation_status(p, &list, idx);
		*exp = sp_presentation_expiry(p);
	}
	sp_presentation_free(&p);
	return r;
}

/* Bulk renewal signs: renewed copies for every holder key of a
 * resident's live copies, fetched with POST /wallet/refresh. */
static void
test_renewal_signs(struct env *e)
{
	struct wallet w, other;
	struct sp_trust *t;
	struct sp_buf push, pass;
	struct sp_key *ks[4];
	char res[32], code[32], job[48], body[128];
	int64_t from = now_ + 100 * 86400, until = from + 365 * 86400, exp;
	uint32_t old_idx[3], idx;
	size_t i, j, n_keys;
	bool pushed;
	int guard;

	sp_buf_init(&push);
	sp_buf_init(&pass);
	new_resident(e, "{\"name\":\"Renew Me\",\"birth_year\":1970,"
	    "\"categories\":[\"sport\"]}", res);
	new_code(e, res, code);
	wallet_init(&w, 3);
	wallet_init(&other, 1);
	CHECK(enrol(e, &w, code, "198.51.100.91") == 200);
	t = trust_from_registry(e, &n_keys);
	for (i = 0; i < 3; i++)
		CHECK(pass_check(&w.pass[i], w.k[i], t, now_, &old_idx[i],
		    &exp) == SP_OK);
	/* Nothing waiting yet: nulls. */
	CHECK(refresh(e, w.k, 3, -1) == 200 && jint("found") == 0 &&
	    json_is_null(json_array_get(json_object_get(R.j, "passes"), 0)));
	snprintf(body, sizeof(body), "{\"valid_from\":%lld,"
	    "\"valid_until\":%lld}", (long long)from, (long long)until);
	CHECK(post(e, "/admin/renewals", e->admin, body) == 202);
	snprintf(job, sizeof(job), "/admin/renewals/%s", jstr("job"));
	CHECK(iss_app_busy(e->a));
	for (guard = 0; guard < 1000; guard++) {
		CHECK(iss_app_tick(e->a, now_, &push, &pushed) == SP_OK);
		CHECK(get(e, job, NULL, e->admin) == 200);
		if (json_is_true(json_object_get(R.j, "finished")))
			break;
	}
	CHECK(json_is_true(json_object_get(R.j, "finished")));
	CHECK(!iss_app_busy(e->a));
	/* The resident lists the three renewed copies beside the old. */
	snprintf(body, sizeof(body), "/admin/residents/%s", res);
	CHECK(get(e, body, NULL, e->admin) == 200);
	CHECK(json_array_size(json_object_get(R.j, "passes")) == 6);
	/* Refresh: bad proofs first, then the three keys and a stranger. */
	CHECK(refresh(e, w.k, 3, 1) == 400 && is_error(400,
	    "invalid_proof"));
	ks[0] = w.k[2];
	ks[1] = other.k[0];
	ks[2] = w.k[0];
	ks[3] = w.k[1];
	CHECK(refresh(e, ks, 4, -1) == 200 && jint("found") == 3 &&
	    jint("list") == 1);
	CHECK(json_is_null(json_array_get(json_object_get(R.j, "passes"),
	    1)));
	for (i = 0; i < 4; i++) {
		const char *hex = json_string_value(json_array_get(
		    json_object_get(R.j, "passes"), i));

		if (i == 1)
			continue;
		CHECK(hex != NULL && tu_hex(&pass, hex) == 0);
		/* Not valid before the window, valid in it, until until. */
		CHECK(pass_check(&pass, ks[i], t, now_, &idx, &exp) ==
		    SP_ERR_NOT_YET_VALID);
		CHECK(pass_check(&pass, ks[i], t, from + 86400, &idx, &exp) ==
		    SP_OK && exp == until);
		for (j = 0; j < 3; j++)
			CHECK(idx != old_idx[j]);
		/* Bound to its key: another key cannot present it. */
		CHECK(pass_check(&pass, other.k[0], t, from + 86400, &idx,
		    &exp) != SP_OK);
	}
	/* A revoked resident's renewed copies are not handed out. */
	snprintf(body, sizeof(body), "/admin/residents/%s/revoke", res);
	CHECK(post(e, body, e->admin, "{\"reason\":1}") == 200);
	CHECK(refresh(e, w.k, 3, -1) == 200 && jint("found") == 0);
	CHECK(get(e, "/metrics", NULL, NULL) == 200 &&
	    strstr((const char *)R.body.ptr, "stadspas_renewed_copies_total")
	    != NULL);
	wallet_clear(&w);
	wallet_clear(&other);
	sp_trust_free(&t);
	sp_buf_clear(&push);
	sp_buf_clear(&pass);
}

/* The byte-exact example of docs/FORMATS.md, "Offers catalogue". */
static const char cat_vector_hex[] =
    "8449a20127044406c3b3e2a05871a501030201031a6955b9000481a701010281"
    "62703103675a77656d6d656e04647377696d05810506a2010102647765656b07"
    "19015e0581a301627031026944652050617272656c0381a30101200621582025"
    "43b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d58"
    "401178d2a29a2d4faf10d00effbf238452fad91ada56b13cb9cbfb382cecbd4f"
    "9a7e5b4e63d0ac82713d30dddc8263b5fe68c4f712f1abdfdd815d8cc5c2f726"
    "08";

static void
test_catalogue_vector(void)
{
	struct iss_offer o = {
		.id = 1, .provider = 1, .title = "Zwemmen",
		.category = "swim", .n_req = 1,
		.req = { SP_CLAIM_AGE_UNDER_18 },
		.limit_count = 1, .period = "week", .amount_cents = 350,
	};
	struct iss_provider p = { .id = 1, .name = "De Parrel",
	    .n_keys = 1 };
	struct sp_key *issuer = NULL, *till = NULL;
	struct sp_buf payload, out;
	uint8_t seed[SP_SEED_LEN], kid[SP_KID_LEN];
	char *hex;
	size_t i;

	for (i = 0; i < SP_SEED_LEN; i++)
		seed[i] = (uint8_t)(0x10 + i);
	CHECK(sp_key_from_seed(&issuer, SP_ALG_EDDSA, seed) == SP_OK);
	for (i = 0; i < SP_SEED_LEN; i++)
		seed[i] = (uint8_t)(0x40 + i);
	CHECK(sp_key_from_seed(&till, SP_ALG_EDDSA, seed) == SP_OK);
	p.key_len[0] = sizeof(p.key[0]);
	CHECK(sp_key_public_cose(till, p.key[0], &p.key_len[0]) == SP_OK);
	sp_key_kid(issuer, kid);
	sp_buf_init(&payload);
	sp_buf_init(&out);
	CHECK(iss_cat_payload_encode(&payload, 1, 1767225600, &o, 1, &p, 1) ==
	    SP_OK);
	CHECK(iss_cat_sign(&out, &issuer->priv, kid, sizeof(kid),
	    payload.ptr, payload.len) == SP_OK);
	hex = tu_tohex(out.ptr, out.len);
	if (getenv("ISS_PRINT_VECTOR") != NULL)
		printf("payload %s\nsigned %s\n", tu_tohex(payload.ptr,
		    payload.len), hex);
	CHECKF(strcmp(hex, cat_vector_hex) == 0, "catalogue vector: %s",
	    hex);
	CHECK(cbor_check(payload.ptr, payload.len, NULL,
	    CBOR_F_DETERMINISTIC, NULL) == SP_OK);
	free(hex);
	sp_buf_clear(&payload);
	sp_buf_clear(&out);
	sp_key_free(&issuer);
	sp_key_free(&till);
}

/* A resident holds at most 512 unexpired copies: none is ever dropped
 * (it could not be revoked any more). */
static void
test_copy_cap(struct env *e)
{
	struct wallet w;
	char res[32], code[32];
	size_t i;

	new_resident(e, "{\"name\":\"Cap\",\"birth_year\":2000,"
	    "\"categories\":[]}", res);
	memset(&w, 0, sizeof(w));
	w.n = 10;
	for (i = 0; i < w.n; i++)
		CHECK(sp_key_generate(&w.k[i], SP_ALG_EDDSA) == SP_OK);
	for (i = 0; i < 51; i++) {
		new_code(e, res, code);
		CHECK(enrol(e, &w, code, "198.51.100.70") == 200);
	}
	new_code(e, res, code);
	CHECK(enrol(e, &w, code, "198.51.100.70") == 409 &&
	    is_error(409, "conflict"));
	w.n = 2;
	CHECK(enrol(e, &w, code, "198.51.100.70") == 200);
	w.n = 1;
	new_code(e, res, code);
	CHECK(enrol(e, &w, code, "198.51.100.70") == 409);
	/* A year and a day later they have expired and make room. */
	now_ += 366 * 86400 + 86400;
	CHECK(enrol(e, &w, code, "198.51.100.70") == 410);	/* code too */
	new_code(e, res, code);
	CHECK(enrol(e, &w, code, "198.51.100.70") == 200);
	w.n = 10;
	wallet_clear(&w);
}

/* ---- Settlement -------------------------------------------------------- */

#define SWIM 1			/* the settlement env's offer: 1 a week */
#define SETTLE_PEER "203.0.113.9"

struct till {
	struct sp_key *key;
	struct sp_ledger *l;
	char dir[128];
};

static void
till_open(struct env *e, struct till *t, struct sp_key *key,
    const char *name)
{
	memset(t, 0, sizeof(*t));
	t->key = key;
	snprintf(t->dir, sizeof(t->dir), "%s/%s", e->dir, name);
	CHECK(sp_ledger_open(&t->l, t->dir, "p1", key) == SP_OK);
}

/* Copy i of w presents the swim offer at `when` (counter c), and the till
 * records it as sp_verifier_check would have approved it. */
static void
till_redeem(struct till *t, const struct sp_trust *tr,
    const struct wallet *w, size_t i, int64_t when, uint64_t c)
{
	char scope[SP_SCOPE_MAX];
	const char *scopes[1] = { scope };
	struct sp_present_opts po = {
		.time = when, .audience = "p1", .offer = SWIM, .counter = c,
		.scopes = scopes, .scope_count = 1,
	};
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	struct sp_presentation *p = NULL;
	struct sp_verdict vd;
	struct sp_receipt rc;
	uint8_t *raw = NULL;
	size_t len = 0;

	CHECK(sp_limit_scope(scope, "swim", SP_PERIOD_WEEK, when) == SP_OK);
	CHECK(sp_present(&raw, &len, w->pass[i].ptr, w->pass[i].len, w->k[i],
	    &po) == SP_OK);
	vo.now = when;
	CHECK(sp_presentation_verify(&p, tr, &vo, raw, len) == SP_OK);
	memset(&vd, 0, sizeof(vd));
	vd.approved = true;
	vd.offer = SWIM;
	vd.amount_cents = 350;
	vd.limit = 1;
	(void)sp_presentation_offer(p, &vd.counter);
	sp_presentation_replay_id(p, vd.replay_id);
	memcpy(vd.scope, scope, sizeof(vd.scope));
	CHECK(sp_presentation_limit_tag(p, scope, vd.tag) == SP_OK);
	sp_presentation_free(&p);
	vd.raw = raw;
	vd.raw_len = len;
	CHECK(sp_ledger_redeem(t->l, &vd, when, &rc) == SP_OK);
	sp_bytes_free(raw, len);
}

/* The batch of t's records after `after`. */
static void
till_export(struct till *t, uint64_t after, struct sp_buf *out)
{
	uint8_t *b = NULL;
	size_t len = 0;
	uint64_t first, last;

	CHECK(sp_ledger_export(t->l, after, 0, &b, &len, &first, &last) ==
	    SP_OK);
	CHECK(sp_buf_set(out, b, len) == SP_OK);
	sp_bytes_free(b, len);
}

static int
upload(struct env *e, const struct sp_buf *batch, const char *peer)
{
	return request(e, "POST", "/settlement/batches", NULL, NULL,
	    batch->ptr, batch->len, NULL, peer);
}

static bool
refused_for(int status, const char *reason)
{
	return is_error(status, "batch_refused") &&
	    strcmp(jstr("reason"), reason) == 0 && jstr("message")[0] != 0;
}

static bool
imported(size_t records, size_t fresh, size_t paid, size_t rejected)
{
	return R.status == 200 && jint("records") == (json_int_t)records &&
	    jint("new_records") == (json_int_t)fresh &&
	    jint("paid") == (json_int_t)paid &&
	    jint("rejected") == (json_int_t)rejected &&
	    jint("paid_cents") == (json_int_t)(paid * 350);
}

/* The municipality's side: provider p1 with till keys a and c, the swim offer,
 * a resident in category swim enrolled with two copies. */
static void
settle_setup(struct env *e, struct sp_key *a, struct sp_key *c,
    struct wallet *w)
{
	uint8_t cose[128];
	char body[1024], key_hex[300], key2_hex[300], res[32], code[32];
	size_t cl = sizeof(cose);

	CHECK(sp_key_public_cose(a, cose, &cl) == SP_OK);
	hex_into(key_hex, cose, cl);
	cl = sizeof(cose);
	CHECK(sp_key_public_cose(c, cose, &cl) == SP_OK);
	hex_into(key2_hex, cose, cl);
	snprintf(body, sizeof(body), "{\"name\":\"Zwembad\","
	    "\"till_keys\":[\"%s\",\"%s\"]}", key_hex, key2_hex);
	CHECK(post(e, "/admin/providers", e->admin, body) == 201);
	CHECK(post(e, "/admin/offers", e->admin, "{\"provider\":\"p1\","
	    "\"title\":\"Zwemmen\",\"category\":\"swim\",\"requires\":[],"
	    "\"limit\":{\"count\":1,\"period\":\"week\"},"
	    "\"amount_cents\":350}") == 201 && jint("offer") == SWIM);
	CHECK(post(e, "/admin/catalogue/publish", e->admin, "{}") == 200);
	new_resident(e, "{\"name\":\"Noor\",\"birth_year\":2014,"
	    "\"categories\":[\"swim\"]}", res);
	new_code(e, res, code);
	wallet_init(w, 2);
	CHECK(enrol(e, w, code, "198.51.100.60") == 200 && w->n_pass == 2);
}

/* True if the audit log holds action with a target starting with target. */
static bool
audit_has(struct env *e, const char *action, const char *target)
{
	const json_t *x;
	size_t i;

	CHECK(get(e, "/admin/audit", "after=0&limit=1000", e->admin) == 200);
	json_array_foreach(json_object_get(R.j, "entries"), i, x)
		if (strcmp(json_string_value(json_object_get(x, "action")),
		    action) == 0 && strncmp(json_string_value(
		    json_object_get(x, "target")), target, strlen(target)) == 0)
			return true;
	return false;
}

/* The report's record seq of reason, its till8 into till8[9]. */
static json_int_t
report_find(const char *reason, char till8[9])
{
	const json_t *p = json_array_get(json_object_get(R.j, "providers"), 0);
	const json_t *recs = json_object_get(p, "records"), *r;
	size_t i;

	json_array_foreach(recs, i, r) {
		if (strcmp(json_string_value(json_object_get(r, "reason")),
		    reason) == 0) {
			snprintf(till8, 9, "%s",
			    json_string_value(json_object_get(r, "till")));
			return json_integer_value(json_object_get(r, "seq"));
		}
	}
	return 0;
}

static void
test_settlement(void)
{
	struct env e;
	struct wallet w;
	struct sp_key *ka = NULL, *kc = NULL, *kb = NULL;
	struct sp_trust *tr;
	struct till ta, tc, tb, tf;
	struct sp_buf b1, b2, rep, junk;
	char auditor[80], till8[9], ok8[9], path[96], seqs[16];
	const char *q = "provider=p1&format=json";
	json_int_t seq;
	size_t nk;
	int64_t t = T0;

	now_ = T0;
	sp_buf_init(&b1);
	sp_buf_init(&b2);
	sp_buf_init(&rep);
	sp_buf_init(&junk);
	env_init(&e);
	make_token(&e, "auditor", auditor);
	CHECK(sp_key_generate(&ka, SP_ALG_EDDSA) == SP_OK);
	CHECK(sp_key_generate(&kc, SP_ALG_ES256) == SP_OK);
	CHECK(sp_key_generate(&kb, SP_ALG_ES256) == SP_OK);
	settle_setup(&e, ka, kc, &w);
	tr = trust_from_registry(&e, &nk);
	till_open(&e, &ta, ka, "till-a");
	till_open(&e, &tc, kc, "till-c");
	till_open(&e, &tb, kb, "till-b");	/* registered nowhere */
	till_open(&e, &tf, ka, "till-a2");	/* till a's key, a 2nd history */

	/* Both copies of one pass swim the same week at two tills, each
	 * offline: the one imported second is over the limit. */
	till_redeem(&ta, tr, &w, 0, t, 1);
	till_redeem(&tc, tr, &w, 1, t + 60, 1);
	till_export(&ta, 0, &b1);
	till_export(&tc, 0, &b2);
	now_ = t + 3600;
	upload(&e, &b1, SETTLE_PEER);
	CHECKF(imported(1, 1, 1, 0), "%d %.*s", R.status, (int)R.body.len,
	    (const char *)R.body.ptr);
	CHECK(upload(&e, &b2, SETTLE_PEER) == 200 && imported(1, 1, 0, 1));
	CHECK(get(&e, "/admin/settlement/report", q, auditor) == 200);
	CHECK(strcmp(R.ctype, "application/json") == 0);
	CHECK(sp_buf_set(&rep, R.body.ptr, R.body.len) == SP_OK);
	seq = report_find("over_limit", till8);
	CHECK(seq == 1 && report_find("ok", ok8) == 1 &&
	    strcmp(till8, ok8) != 0);
	/* Re-import: nothing new, the same report bytes. */
	CHECK(upload(&e, &b1, SETTLE_PEER) == 200 && imported(1, 0, 0, 0));
	CHECK(upload(&e, &b2, SETTLE_PEER) == 200 && imported(1, 0, 0, 0));
	CHECK(get(&e, "/admin/settlement/report", q, auditor) == 200);
	CHECK(R.body.len == rep.len && memcmp(R.body.ptr, rep.ptr, rep.len) ==
	    0);
	CHECK(get(&e, "/admin/settlement/report", "format=csv", auditor) ==
	    200 && strncmp(R.ctype, "text/csv", 8) == 0);
	CHECK(memmem(R.body.ptr, R.body.len, "over_limit", 10) != NULL);
	/* Bad queries and the auditor's limits. */
	CHECK(get(&e, "/admin/settlement/report", "format=xml", auditor) ==
	    400);
	CHECK(get(&e, "/admin/settlement/report", "from=9&to=3", auditor) ==
	    400);
	CHECK(get(&e, "/admin/settlement/report", "provider=p1&provider=p1",
	    auditor) == 400);
	CHECK(get(&e, "/admin/settlement/report", NULL, NULL) == 401);
	CHECK(get(&e, "/admin/settlement/report", "provider=p2", auditor) ==
	    200 && json_array_size(json_object_get(R.j, "providers")) == 0);

	/* Evidence: only the flagged record, only for admins, audited. */
	snprintf(path, sizeof(path), "/admin/settlement/evidence/%s/%lld",
	    till8, (long long)seq);
	CHECK(get(&e, path, NULL, auditor) == 403);
	CHECK(get(&e, path, NULL, e.admin) == 200 &&
	    strcmp(R.ctype, "application/cbor") == 0 && R.body.len > 100);
	CHECK(audit_has(&e, "settlement.evidence", till8));
	snprintf(path, sizeof(path), "/admin/settlement/evidence/%s/1", ok8);
	CHECK(get(&e, path, NULL, e.admin) == 404);
	CHECK(get(&e, "/admin/settlement/evidence/XYZ/1", NULL, e.admin) ==
	    404);

	/* Refused batches, with their reason. */
	CHECK(upload(&e, &b1, SETTLE_PEER) == 200);
	till_redeem(&tb, tr, &w, 0, t + 7 * 86400, 2);
	till_export(&tb, 0, &b2);
	CHECK(upload(&e, &b2, "203.0.113.10") == 403 &&
	    refused_for(403, "unknown_till"));
	till_redeem(&tf, tr, &w, 1, t + 120, 5);	/* seq 1 again */
	till_export(&tf, 0, &b2);
	CHECK(upload(&e, &b2, "203.0.113.11") == 409 &&
	    refused_for(409, "fork"));
	till_redeem(&ta, tr, &w, 0, t + 7 * 86400, 2);
	till_redeem(&ta, tr, &w, 0, t + 14 * 86400, 3);
	till_export(&ta, 2, &b2);	/* seq 3 without 2 */
	CHECK(upload(&e, &b2, "203.0.113.12") == 409 &&
	    refused_for(409, "gap"));
	CHECK(sp_buf_set(&junk, b1.ptr, b1.len) == SP_OK);
	junk.ptr[junk.len / 2] ^= 0x20;	/* tampered */
	CHECK(upload(&e, &junk, "203.0.113.13") == 400 &&
	    refused_for(400, "malformed"));
	CHECK(request(&e, "POST", "/settlement/batches", NULL, NULL, NULL, 0,
	    NULL, "203.0.113.13") == 400);
	/* Batches may be up to 8 MiB; other bodies 256 KiB. */
	{
		size_t big = 300 * 1024;
		uint8_t *z = calloc(1, big);

		CHECK(z != NULL);
		CHECK(request(&e, "POST", "/settlement/batches", NULL, NULL, z,
		    big, NULL, "203.0.113.16") == 400 &&
		    refused_for(400, "malformed"));
		CHECK(request(&e, "POST", "/admin/residents", NULL, e.admin, z,
		    big, NULL, ADMIN_PEER) == 413);
		free(z);
	}
	/* Refusals are rate limited per address. */
	for (nk = 0; nk < 8 && R.status != 429; nk++)
		upload(&e, &junk, "203.0.113.14");
	CHECK(R.status == 429 && strcmp(jstr("error"), "rate_limited") == 0);
	CHECK(upload(&e, &b1, "203.0.113.14") == 429);
	CHECK(upload(&e, &b1, "203.0.113.15") == 200);

	/* Admin import: a revoked pass at a till that did not sync. */
	now_ = t + 21 * 86400;	/* a week without a swim yet */
	CHECK(post(&e, "/admin/residents/r1/revoke", e.admin,
	    "{\"reason\":1}") == 200);
	till_redeem(&ta, tr, &w, 1, now_ + 60, 4);
	till_export(&ta, 0, &b2);
	now_ += 3600;
	CHECK(request(&e, "POST", "/admin/settlement/import", NULL, auditor,
	    b2.ptr, b2.len, NULL, ADMIN_PEER) == 403);
	CHECK(request(&e, "POST", "/admin/settlement/import", NULL, NULL,
	    b2.ptr, b2.len, NULL, ADMIN_PEER) == 401);
	request(&e, "POST", "/admin/settlement/import", NULL, e.admin, b2.ptr,
	    b2.len, NULL, ADMIN_PEER);
	CHECKF(imported(4, 3, 2, 1), "%d %.*s", R.status, (int)R.body.len,
	    (const char *)R.body.ptr);
	CHECK(audit_has(&e, "settlement.import", "p1"));
	CHECK(get(&e, "/admin/settlement/report", q, auditor) == 200);
	seq = report_find("revoked", till8);
	snprintf(seqs, sizeof(seqs), "%lld", (long long)seq);
	CHECKF(seq == 4 && strcmp(till8, ok8) == 0, "revoked at seq %s", seqs);

	sp_trust_free(&tr);
	sp_ledger_close(&ta.l);
	sp_ledger_close(&tb.l);
	sp_ledger_close(&tc.l);
	sp_ledger_close(&tf.l);
	sp_key_free(&ka);
	sp_key_free(&kb);
	sp_key_free(&kc);
	wallet_clear(&w);
	sp_buf_clear(&b1);
	sp_buf_clear(&b2);
	sp_buf_clear(&rep);
	sp_buf_clear(&junk);
	reply_reset();
	env_clear(&e);
}

int
main(void)
{
	struct env e;
	struct flow f;

	memset(&f, 0, sizeof(f));
	test_catalogue_vector();
	test_trust_vector();
	env_init(&e);
	test_files(&e);
	test_operations(&e);
	test_trust_start(&e);
	test_auth(&e);
	test_token_cache(&e);
	test_token_revoke_last();
	test_hostile(&e);
	test_catalogue(&e);
	test_caching(&e);
	test_enrolment(&e, &f);
	test_proofs(&e, &f);
	test_revoke(&e, &f);
	test_audit(&e);
	test_rotation(&e, &f);
	test_trust_rotation(&e);
	test_persistence(&e);
	test_trust_removal(&e, &f);
	test_renewal(&e);
	test_renewal_signs(&e);
	test_copy_cap(&e);
	wallet_clear(&f.w);
	reply_reset();
	env_clear(&e);
	test_settlement();
	return check_report("test_api");
}
