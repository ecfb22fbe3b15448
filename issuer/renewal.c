/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bulk renewal jobs (renewal.h). Residents have dense ids 1..N and are
 * never deleted, so a job is the range 1..last_id (the residents that
 * existed when it was created) and a cursor; each tick renews the next
 * slice and moves the cursor in the same transaction.
 */
#include "renewal.h"

#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "json.h"
#include "stadspas/sp_err.h"

static void
job_name(char out[ISS_TARGET_MAX + 1], uint64_t id)
{
	snprintf(out, ISS_TARGET_MAX + 1, "j%llu", (unsigned long long)id);
}

/* ---- POST /admin/renewals ---------------------------------------------- */

static const struct iss_js_field renewal_fields[] = {
	{ .name = "valid_from", .type = ISS_JS_INT, .required = true },
	{ .name = "valid_until", .type = ISS_JS_INT, .required = true },
};
static const struct iss_js_schema renewal_schema =
    ISS_JS_SCHEMA(renewal_fields);

struct create_ctx {
	struct iss_job job;
	const char *who;
	bool busy;		/* out: another job is running */
};

static void
create_txn(struct reg_txn *t, void *vctx)
{
	struct create_ctx *c = vctx;
	char target[ISS_TARGET_MAX + 1];

	c->busy = iss_store_active_job(t) != 0;
	if (c->busy) {
		reg_txn_fail(t, SP_ERR_REG_DUPLICATE);
		return;
	}
	if ((c->job.id = iss_store_next_id(t, "seq/job")) == 0)
		return;
	c->job.last_id = iss_store_last_id(t, "seq/resident");
	c->job.total = c->job.last_id;
	c->job.cursor = c->job.done = 0;
	c->job.finished = c->job.total == 0;
	iss_store_put_job(t, &c->job);
	if (!c->job.finished)
		iss_store_set_active_job(t, c->job.id);
	job_name(target, c->job.id);
	iss_store_audit(t, c->job.created, c->who, "renewal.create", target);
}

int
iss_renewal_create(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	struct create_ctx cc = { .who = c->who };
	int64_t now = c->req->now, from = 0, until = 0;
	char id[ISS_TARGET_MAX + 1];
	json_t *o = NULL;
	int r;

	if ((r = iss_json_parse(&o, c->req, &renewal_schema, resp)) != SP_OK)
		goto out;
	(void)iss_json_int(o, "valid_from", &from);
	(void)iss_json_int(o, "valid_until", &until);
	if (from < 0 || until <= from || until <= now ||
	    until - from > 2 * a->cfg.pass_validity ||
	    until > 4 * (int64_t)UINT32_MAX) {
		r = iss_error(resp, 400, "bad_request", "valid_from < "
		    "valid_until, valid_until in the future, at most twice "
		    "the pass validity apart");
		goto out;
	}
	cc.job.valid_from = from;
	cc.job.valid_until = until;
	cc.job.created = now;
	r = reg_db_write(&a->db, create_txn, &cc);
	if (r != SP_OK && cc.busy) {
		r = iss_error(resp, 409, "conflict",
		    "a renewal is running already");
		goto out;
	}
	if (r != SP_OK)
		goto out;
	job_name(id, cc.job.id);
	r = iss_json_reply(resp, 202, json_pack("{s:s}", "job", id));
out:
	json_decref(o);
	return r;
}

/* ---- GET /admin/renewals/{job} ----------------------------------------- */

int
iss_renewal_get(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	struct iss_job j;
	struct reg_txn t;
	uint64_t id;
	bool found;

	if (!iss_id_parse(c->param, 'j', &id))
		return iss_error(resp, 404, "not_found", "no such job");
	reg_txn_begin(&a->db, &t, false);
	found = iss_store_get_job(&t, id, &j);
	reg_txn_abort(&t);
	if (t.ret != SP_OK)
		return t.ret;
	if (!found)
		return iss_error(resp, 404, "not_found", "no such job");
	return iss_json_reply(resp, 200, json_pack("{s:s, s:I, s:I, s:b, "
	    "s:I, s:I}", "job", c->param, "done", (json_int_t)j.done,
	    "total", (json_int_t)j.total, "finished", j.finished,
	    "valid_from", (json_int_t)j.valid_from, "valid_until",
	    (json_int_t)j.valid_until));
}

/* ---- Ticks ------------------------------------------------------------- */

struct slice_ctx {
	uint64_t job;
	uint32_t slice;
	int64_t now;
	uint64_t renewed;	/* out */
};

static void
slice_txn(struct reg_txn *t, void *vctx)
{
	struct slice_ctx *c = vctx;
	struct iss_resident res;
	struct iss_job j;
	uint64_t id, end;

	c->renewed = 0;
	if (!iss_store_get_job(t, c->job, &j)) {
		/* A dangling pointer to a job: drop it. */
		if (t->ret == SP_OK)
			iss_store_set_active_job(t, 0);
		return;
	}
	end = j.last_id - j.cursor > c->slice ? j.cursor + c->slice :
	    j.last_id;
	for (id = j.cursor + 1; id <= end && t->ret == SP_OK; id++) {
		/* Revoked residents keep no window; a missing id (never
		 * expected: ids are dense) is skipped. */
		if (iss_store_get_resident(t, id, &res) &&
		    res.status != ISS_RES_REVOKED) {
			res.win_from = j.valid_from;
			res.win_until = j.valid_until;
			iss_store_put_resident(t, &res);
			c->renewed++;
		}
		j.done++;
	}
	j.cursor = end;
	if (j.cursor >= j.last_id) {
		char target[ISS_TARGET_MAX + 1];

		j.finished = true;
		iss_store_set_active_job(t, 0);
		job_name(target, j.id);
		iss_store_audit(t, c->now, "system", "renewal.finish", target);
	}
	iss_store_put_job(t, &j);
}

int
iss_renewal_tick(struct iss_app *a, int64_t now)
{
	struct slice_ctx sc = { .slice = a->cfg.renewal_slice, .now = now };
	struct reg_txn t;
	int r;

	reg_txn_begin(&a->db, &t, false);
	sc.job = iss_store_active_job(&t);
	reg_txn_abort(&t);
	if (t.ret != SP_OK || sc.job == 0)
		return t.ret;
	if ((r = reg_db_write(&a->db, slice_txn, &sc)) == SP_OK)
		a->m.renewed += sc.renewed;
	return r;
}
