/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Settlement endpoints (settle_api.h): batch upload and import, the
 * reimbursement report and the evidence of flagged records.
 */
#include "settle_api.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "json.h"
#include "settle.h"
#include "stadspas/sp_err.h"
#include "stadspas/sp_ledger.h"
#include "stadspas/sp_verifier.h"
#include "trustlist.h"

#define PROVIDER_MAX 64
#define TIME_MAX ((uint64_t)1 << 40)	/* query times, far past 2100 */

int
iss_settle_open(struct iss_settle *s, const char *data_dir)
{
	char path[PATH_MAX];
	int n, r;

	memset(s, 0, sizeof(*s));
	n = snprintf(path, sizeof(path), "%s/settlement", data_dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return SP_ERR_INVALID_ARG;
	if ((r = stl_open(&s->stl, path)) != SP_OK)
		return r;
	return stl_history_new(&s->hist);
}

void
iss_settle_close(struct iss_settle *s)
{
	stl_close(&s->stl);
	sp_verifier_free(&s->v);
	stl_history_free(&s->hist);
	memset(s, 0, sizeof(*s));
}

/* ---- The context ------------------------------------------------------- */

/* The fingerprint of the first key of version 1 of the daemon's chain. */
static int
trust_anchor(const struct iss_app *a, uint8_t fp[32])
{
	struct tl_chain *ch;
	struct tl_version *v1;
	int r = SP_ERR_NOMEM;

	ch = malloc(sizeof(*ch));
	v1 = malloc(sizeof(*v1));
	if (ch == NULL || v1 == NULL)
		goto out;
	if ((r = tl_chain_split(ch, a->keys.trust.ptr, a->keys.trust.len)) !=
	    SP_OK)
		goto out;
	r = SP_ERR_INTERNAL;
	if (ch->n == 0)
		goto out;
	if ((r = tl_version_open(v1, NULL, 1, ch->v[0].ptr, ch->v[0].len)) !=
	    SP_OK)
		goto out;
	r = SP_ERR_INTERNAL;
	if (v1->n_keys == 0)
		goto out;
	memcpy(fp, v1->fp[0], 32);
	r = SP_OK;
out:
	free(ch);
	free(v1);
	return r;
}

/* A verifier trusting the daemon's chain and holding cat (if any). */
static int
verifier_build(struct iss_app *a, const struct sp_buf *cat,
    struct sp_verifier **out)
{
	struct sp_verifier *v = NULL;
	uint8_t fp[32];
	int r;

	if ((r = trust_anchor(a, fp)) != SP_OK ||
	    (r = sp_verifier_new(&v, ISS_SETTLE_PROVIDER, NULL)) != SP_OK ||
	    (r = sp_verifier_trust_pin(v, fp, a->keys.trust.ptr,
	    a->keys.trust.len)) != SP_OK)
		goto out;
	if (cat->len > 0 &&
	    (r = sp_verifier_catalogue(v, cat->ptr, cat->len)) != SP_OK)
		goto out;
	*out = v;
	v = NULL;
out:
	sp_verifier_free(&v);
	return r;
}

static int
history_visit(void *ctx, const struct reg_event *e)
{
	struct iss_settle *s = ctx;
	int r;

	if ((r = stl_history_add(s->hist, e->idx, e->status, e->time)) !=
	    SP_OK)
		return r;
	s->hist_size = e->seq;
	return 0;
}

/* Brings the verifier and the history up to date with the daemon. */
static int
context_refresh(struct iss_app *a)
{
	struct iss_settle *s = &a->settle;
	struct sp_verifier *v = NULL;
	struct reg_txn t;
	struct sp_buf cat;
	uint64_t cat_version = 0;
	int r;

	sp_buf_init(&cat);
	reg_txn_begin(&a->db, &t, false);
	if (!iss_store_get_catalogue(&t, &cat_version, &cat))
		sp_buf_reset(&cat);
	reg_txn_abort(&t);
	if ((r = t.ret) != SP_OK)
		goto out;
	if (s->v == NULL || s->trust_version != a->keys.trust_version ||
	    s->cat_version != cat_version) {
		if ((r = verifier_build(a, &cat, &v)) != SP_OK)
			goto out;
		sp_verifier_free(&s->v);
		s->v = v;
		s->trust_version = a->keys.trust_version;
		s->cat_version = cat_version;
	}
	if (reg_log_size(a->log) > s->hist_size)
		r = reg_log_events(a->log, s->hist_size, history_visit, s);
out:
	sp_buf_clear(&cat);
	return r;
}

/* ---- Import ------------------------------------------------------------ */

static int
refused(struct iss_resp *resp, const struct stl_import_result *res)
{
	int status;

	switch (res->batch_error) {
	case STL_BATCH_GAP:
	case STL_BATCH_FORK:
		status = 409;
		break;
	case STL_BATCH_UNKNOWN_TILL:
		status = 403;
		break;
	default:
		status = 400;
		break;
	}
	return iss_json_reply(resp, status, json_pack("{s:s, s:s, s:s}",
	    "error", "batch_refused", "reason",
	    stl_batch_error_token(res->batch_error), "message",
	    res->detail[0] != 0 ? res->detail : "the batch is refused"));
}

/* Imports the request body; answers 200 or a refusal. *ok: imported. */
static int
import_body(struct iss_app *a, const struct iss_req *req,
    struct iss_resp *resp, bool *ok)
{
	struct stl_import_result res;
	struct stl_context ctx;
	int r;

	*ok = false;
	if (req->body_len == 0)
		return iss_error(resp, 400, "bad_request",
		    "the body is a ledger batch (application/cbor)");
	if ((r = context_refresh(a)) != SP_OK)
		return r;
	ctx = (struct stl_context){ .v = a->settle.v,
	    .history = a->settle.hist, .list_id = ISS_LIST_ID,
	    .skew = ISS_SETTLE_SKEW, .now = req->now };
	memset(&res, 0, sizeof(res));
	if ((r = stl_import(a->settle.stl, &ctx, req->body, req->body_len,
	    &res)) != SP_OK)
		return r;
	if (res.batch_error != STL_BATCH_OK)
		return refused(resp, &res);
	*ok = true;
	return iss_json_reply(resp, 200, json_pack("{s:I, s:I, s:I, s:I, s:I}",
	    "records", (json_int_t)res.records,
	    "new_records", (json_int_t)res.new_records,
	    "paid", (json_int_t)res.paid,
	    "rejected", (json_int_t)res.rejected,
	    "paid_cents", (json_int_t)res.paid_cents));
}

int
iss_settle_upload(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	const struct iss_req *req = c->req;
	bool ok;
	int r;

	if (iss_rl_limited(&a->rl_auth, req->peer, req->now)) {
		a->m.rate_limited++;
		return iss_error(resp, 429, "rate_limited",
		    "too many refused batches; try again in a minute");
	}
	r = import_body(a, req, resp, &ok);
	if (r == ISS_ANSWERED || (r == SP_OK && !ok))
		iss_rl_fail(&a->rl_auth, req->peer, req->now);
	return r;
}

struct audit_ctx {
	const struct iss_call *c;
	const char *action;
	const char *target;
};

static void
audit_txn(struct reg_txn *t, void *ctx)
{
	const struct audit_ctx *x = ctx;

	iss_store_audit(t, x->c->req->now, x->c->who, x->action, x->target);
}

static int
audit(struct iss_app *a, const struct iss_call *c, const char *action,
    const char *target)
{
	struct audit_ctx x = { .c = c, .action = action, .target = target };

	return reg_db_write(&a->db, audit_txn, &x);
}

/* The provider a batch names ("-" if it does not open). */
static void
batch_provider(const struct iss_req *req, char out[PROVIDER_MAX + 1])
{
	struct sp_batch *b = NULL;

	snprintf(out, PROVIDER_MAX + 1, "-");
	if (sp_batch_open(&b, req->body, req->body_len) == SP_OK)
		snprintf(out, PROVIDER_MAX + 1, "%s", sp_batch_provider(b));
	sp_batch_free(&b);
}

int
iss_settle_import(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	char provider[PROVIDER_MAX + 1];
	bool ok;
	int r;

	if ((r = import_body(a, c->req, resp, &ok)) != SP_OK &&
	    r != ISS_ANSWERED)
		return r;
	if (c->req->body_len == 0)
		return r;
	batch_provider(c->req, provider);
	if ((r = audit(a, c, "settlement.import", provider)) != SP_OK)
		return r;
	return ok ? SP_OK : ISS_ANSWERED;
}

/* ---- Report ------------------------------------------------------------ */

struct report_query {
	char provider[PROVIDER_MAX + 1];	/* "" = all */
	int64_t from, to;
	bool csv;
};

static bool
provider_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
}

static bool
parse_time(const char *p, size_t n, int64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 13)
		return false;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > TIME_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

/* One "key=value" of the report query into q; seen guards duplicates. */
static bool
query_pair(struct report_query *q, const char *p, size_t n, unsigned *seen)
{
	const char *eq = memchr(p, '=', n);
	const char *v;
	size_t kn, vn, i;
	unsigned bit;

	if (eq == NULL)
		return false;
	kn = (size_t)(eq - p);
	v = eq + 1;
	vn = n - kn - 1;
#define KEY(s) (kn == sizeof(s) - 1 && memcmp(p, s, kn) == 0)
	if (KEY("provider")) {
		bit = 1;
		if (vn == 0 || vn > PROVIDER_MAX)
			return false;
		for (i = 0; i < vn; i++)
			if (!provider_char(v[i]))
				return false;
		memcpy(q->provider, v, vn);
		q->provider[vn] = 0;
	} else if (KEY("from")) {
		bit = 2;
		if (!parse_time(v, vn, &q->from))
			return false;
	} else if (KEY("to")) {
		bit = 4;
		if (!parse_time(v, vn, &q->to))
			return false;
	} else if (KEY("format")) {
		bit = 8;
		if (vn == 3 && memcmp(v, "csv", 3) == 0)
			q->csv = true;
		else if (!(vn == 4 && memcmp(v, "json", 4) == 0))
			return false;
	} else
		return false;
#undef KEY
	if ((*seen & bit) != 0)
		return false;
	*seen |= bit;
	return true;
}

static bool
query_parse(struct report_query *q, const char *query)
{
	const char *p = query;
	unsigned seen = 0;

	*q = (struct report_query){ .from = 0, .to = INT64_MAX };
	if (p == NULL || *p == 0)
		return true;
	for (;;) {
		size_t n = strcspn(p, "&");

		if (!query_pair(q, p, n, &seen))
			return false;
		if (p[n] == 0)
			return q->from <= q->to;
		p += n + 1;
	}
}

int
iss_settle_report(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	struct report_query q;
	int r;

	if (!query_parse(&q, c->req->query))
		return iss_error(resp, 400, "bad_request", "query: provider=ID, "
		    "from=T, to=T (Unix seconds, from <= to), format=csv|json");
	sp_buf_reset(&resp->body);
	if ((r = stl_report(a->settle.stl, q.provider[0] != 0 ? q.provider :
	    NULL, q.from, q.to, q.csv, &resp->body)) != SP_OK) {
		sp_buf_reset(&resp->body);
		return r;
	}
	resp->status = 200;
	resp->content_type = q.csv ? "text/csv; charset=utf-8" : ISS_CT_JSON;
	return SP_OK;
}

/* ---- Evidence ---------------------------------------------------------- */

#define EVIDENCE_PREFIX "/admin/settlement/evidence/"

/* "{till8}/{seq}" after the prefix: 8 lowercase hex, decimal seq. */
static bool
evidence_parse(const char *path, char till8[9], uint64_t *seq)
{
	const char *p = path + strlen(EVIDENCE_PREFIX);
	size_t i;

	if (strncmp(path, EVIDENCE_PREFIX, strlen(EVIDENCE_PREFIX)) != 0)
		return false;
	for (i = 0; i < 8; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') ||
		    (p[i] >= 'a' && p[i] <= 'f')))
			return false;
		till8[i] = p[i];
	}
	till8[8] = 0;
	if (p[8] != '/')
		return false;
	p += 9;
	if (p[0] < '1' || p[0] > '9' || strlen(p) > 15)
		return false;
	*seq = 0;
	for (i = 0; p[i] != 0; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		*seq = *seq * 10 + (uint64_t)(p[i] - '0');
	}
	return true;
}

int
iss_settle_evidence(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	char till8[9], target[32];
	uint64_t seq;
	int r;

	if (!evidence_parse(c->req->path, till8, &seq))
		return iss_error(resp, 404, "not_found",
		    "evidence/{till: 8 hex}/{seq}");
	sp_buf_reset(&resp->body);
	r = stl_evidence(a->settle.stl, till8, seq, &resp->body);
	if (r == SP_ERR_NOT_FOUND)
		return iss_error(resp, 404, "not_found",
		    "no flagged record at this till and seq");
	if (r != SP_OK) {
		sp_buf_reset(&resp->body);
		return r;
	}
	snprintf(target, sizeof(target), "%s/%llu", till8,
	    (unsigned long long)seq);
	if ((r = audit(a, c, "settlement.evidence", target)) != SP_OK) {
		sp_buf_reset(&resp->body);
		return r;
	}
	resp->status = 200;
	resp->content_type = ISS_CT_CBOR;
	return SP_OK;
}
