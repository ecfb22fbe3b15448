/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the issuer's request handler. The first byte picks what
 * the rest becomes: the body of a POST to one of the JSON endpoints (with
 * a valid admin token, so bodies get past authentication), a "path?query"
 * for GET (admin token too), or an Authorization header. Whatever comes
 * in, the handler must answer 2xx or 4xx (never 5xx, never fail itself),
 * and a JSON answer must be valid JSON. State (a data directory under
 * /tmp, removed at exit) carries over between inputs, with the clock
 * advancing a second per input and the periodic tick run after each.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "api.h"
#include "stadspas/sp_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1767225600

static struct iss_app *app;
static char dir[64];
static char admin_auth[96];
static int64_t clock_now = T0;

static const char *const post_paths[] = {
	"/admin/residents",
	"/admin/tokens",
	"/admin/offers",
	"/admin/providers",
	"/admin/renewals",
	"/admin/residents/r1/code",
	"/admin/residents/r1/revoke",
	"/admin/residents/r1/suspend",
	"/admin/residents/r1/reinstate",
	"/admin/catalogue/publish",
	"/admin/keys/rotate",
	"/wallet/nonce",
	"/wallet/credential",
};
#define N_POST (sizeof(post_paths) / sizeof(post_paths[0]))

static void
cleanup(void)
{
	iss_app_close(&app);
	if (dir[0] != 0) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz_issuer_api: cannot remove %s\n",
			    dir);
	}
}

/* Answers must be 2xx or 4xx, JSON ones valid JSON. */
static void
check(const struct iss_req *q)
{
	struct iss_resp resp;
	int rc;

	iss_resp_init(&resp);
	rc = iss_api_handle(app, q, &resp);
	/* 304 only answers an If-None-Match. */
	if (rc != SP_OK || resp.status < 200 || resp.status >= 500 ||
	    (resp.status >= 300 && resp.status < 400 &&
	    !(resp.status == 304 && q->if_none_match != NULL))) {
		fprintf(stderr, "%s %s: rc %d status %d\n", q->method,
		    q->path, rc, resp.status);
		abort();
	}
	if (resp.content_type != NULL &&
	    strcmp(resp.content_type, "application/json") == 0) {
		json_t *j = json_loadb((const char *)resp.body.ptr,
		    resp.body.len, 0, NULL);

		if (j == NULL)
			abort();
		json_decref(j);
	}
	iss_resp_clear(&resp);
}

static void
seed_state(void)
{
	static const char *const bodies[][2] = {
		{ "/admin/residents", "{\"name\":\"Fuzz\",\"birth_year\":2010,"
		    "\"categories\":[\"sport\",\"swim\"]}" },
		{ "/admin/providers", "{\"name\":\"P\",\"till_keys\":[]}" },
		{ "/admin/offers", "{\"provider\":\"p1\",\"title\":\"T\","
		    "\"category\":\"sport\",\"requires\":[],\"limit\":"
		    "{\"count\":1,\"period\":\"year\"},\"amount_cents\":1}" },
	};
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct iss_req q = {
			.method = "POST", .path = bodies[i][0],
			.authorization = admin_auth, .peer = "seed",
			.body = (const uint8_t *)bodies[i][1],
			.body_len = strlen(bodies[i][1]), .now = clock_now,
		};

		check(&q);
	}
}

static void
init(void)
{
	struct iss_config cfg;
	char *boot = NULL;

	snprintf(dir, sizeof(dir), "/tmp/sp-fuzz-issuer-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	iss_config_defaults(&cfg);
	cfg.data_dir = dir;
	cfg.issuer_name = "GM0014";
	cfg.base_url = "https://pas.example.nl";
	cfg.list_capacity = 4096;
	cfg.admin_bootstrap = true;
	cfg.renewal_slice = 2;
	cfg.pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN;
	cfg.pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN;
	if (iss_app_open(&app, &cfg, clock_now, &boot) != SP_OK ||
	    boot == NULL)
		abort();
	snprintf(admin_auth, sizeof(admin_auth), "Bearer %s", boot);
	free(boot);
	seed_state();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iss_req q = { .now = ++clock_now };
	struct sp_buf push;
	char peer[16], *text = NULL, *query;
	bool pushed;
	uint8_t sel;

	if (app == NULL)
		init();
	if (size == 0)
		return 0;
	sel = data[0];
	data++;
	size--;
	/* Spread clients so one rate limit does not end the exploration. */
	snprintf(peer, sizeof(peer), "fuzz-%u", sel);
	q.peer = peer;
	q.authorization = admin_auth;
	if (sel < 0x80) {
		q.method = "POST";
		q.path = post_paths[sel % N_POST];
		q.body = size > 0 ? data : NULL;
		q.body_len = size;
		check(&q);
	} else {
		/* The bytes as text (cut at the first NUL). */
		if ((text = malloc(size + 1)) == NULL)
			abort();
		memcpy(text, data, size);
		text[size] = 0;
		q.method = "GET";
		if (sel < 0xc0) {
			if ((query = strchr(text, '?')) != NULL)
				*query++ = 0;
			q.path = text;
			q.query = query;
			q.if_none_match = sel & 1 ? "\"x\", *" : NULL;
		} else {
			q.path = "/admin/audit";
			q.authorization = text;
		}
		check(&q);
		free(text);
	}
	sp_buf_init(&push);
	if (iss_app_tick(app, clock_now, &push, &pushed) != SP_OK)
		abort();
	if (pushed) {
		json_t *j = json_loadb((const char *)push.ptr, push.len, 0,
		    NULL);

		if (j == NULL)
			abort();
		json_decref(j);
	}
	sp_buf_clear(&push);
	return 0;
}
