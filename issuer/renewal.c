/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bulk renewal jobs (renewal.h). Residents have dense ids 1..N and are
 * never deleted, so a job is the range 1..last_id (the residents that
 * existed when it was created) and a cursor; each tick renews the next
 * slice and moves the cursor in the same transaction.
 *
 * A slice, in four steps: (1) read the residents, their live copies'
 * holder keys and the offers they need (one read transaction); (2)
 * reserve one fresh random status index per renewed copy in the status
 * log (one durable transaction); (3) sign the copies on cfg.renewal_threads
 * worker threads (the slice's residents split between them; each thread
 * its own builder, the issuer key and limit secret only read); (4) commit
 * the residents' windows, their copies lists grown by the renewed copies,
 * the renewed copies for /wallet/refresh and the job's cursor in one
 * transaction. A crash before (4) leaves the reserved indices assigned
 * but unused (never handed out again) and the slice is redone with fresh
 * ones; a crash after (4) loses nothing.
 *
 * Steps (3) and (4) are pipelined over chunks of the slice's residents
 * (half its copies, at most CHUNK_ITEMS): while the workers sign chunk
 * k+1, the tick's own thread commits chunk k, its residents and the
 * cursor up to its last resident. Each chunk's commit is a step (4) of
 * its own, in order, so a crash between two of them resumes after the
 * last committed chunk; the tick returns only once every chunk is
 * committed.
 */
#include "renewal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api_int.h"
#include "catalogue.h"
#include "json.h"
#include "pass_int.h"
#include "passplan.h"
#include "stadspas/sp_err.h"
#include "stadspas/sp_pass.h"

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
	a->renewal_busy = !cc.job.finished;
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

#define MAX_THREADS 16
#define CHUNK_ITEMS 1024	/* copies signed per pipelined commit */
#define SEEDS 64		/* salt seeds drawn at a time */

struct ren_item {
	uint8_t hash[32];		/* SHA-256 of the holder key */
	uint8_t key[ISS_COSE_KEY_MAX];
	size_t key_len;
	uint32_t idx;
	uint8_t *pass;			/* signed copy */
	size_t pass_len;
};

struct ren_res {
	struct iss_plan plan;
	size_t first, n;		/* its items */
	bool revoked;			/* no window, no copies */
};

struct ren_slice {
	struct iss_app *a;
	uint64_t job, cursor, end;	/* residents cursor+1..end */
	int64_t now;
	struct iss_job j;
	struct ren_res *res;
	size_t n_res;
	struct ren_item *items;
	size_t n_items, cap_items;
	struct iss_copies *copies;	/* scratch */
	size_t c_from, c_to;		/* the chunk being committed */
	uint64_t c_cursor, c_end;	/* its cursor before and after */
	uint64_t renewed;		/* out: residents given a window */
	size_t passes;			/* out: copies committed */
};

static int
items_grow(struct ren_slice *s, size_t more)
{
	struct ren_item *v;
	size_t cap = s->cap_items;

	if (s->n_items + more <= cap)
		return SP_OK;
	while (cap < s->n_items + more)
		cap = cap == 0 ? 256 : 2 * cap;
	if ((v = realloc(s->items, cap * sizeof(*v))) == NULL)
		return SP_ERR_NOMEM;
	s->items = v;
	s->cap_items = cap;
	return SP_OK;
}

/* The distinct holder keys of the resident's unexpired copies, if the
 * renewed copies fit under ISS_MAX_COPIES. */
static void
plan_items(struct reg_txn *t, struct ren_slice *s, struct ren_res *rr)
{
	struct iss_copies *c = s->copies;
	size_t i, k, live = 0, first = s->n_items;

	rr->first = first;
	rr->n = 0;
	if (rr->plan.res.status != ISS_RES_ACTIVE ||
	    !iss_store_get_copies(t, rr->plan.res.id, c))
		return;
	for (i = 0; i < c->n; i++) {
		const struct iss_copy *x = &c->v[i];
		bool dup = false;

		if (x->exp + ISS_DAY > s->now)
			live++;
		if (x->exp <= s->now)
			continue;
		for (k = first; k < s->n_items && !dup; k++)
			dup = memcmp(s->items[k].hash, x->holder, 32) == 0;
		if (dup)
			continue;
		if (items_grow(s, 1) != SP_OK) {
			reg_txn_fail(t, SP_ERR_NOMEM);
			return;
		}
		memcpy(s->items[s->n_items].hash, x->holder, 32);
		/* Copies from before holder keys were kept: skipped. */
		if (iss_store_get_holder(t, x->holder,
		    s->items[s->n_items].key,
		    &s->items[s->n_items].key_len))
			s->n_items++;
	}
	if (live + (s->n_items - first) > ISS_MAX_COPIES)
		s->n_items = first;	/* no room: the window only */
	rr->n = s->n_items - first;
}

/* Step 1: the slice's residents and their copies to sign. */
static void
plan_txn(struct reg_txn *t, struct ren_slice *s, uint32_t slice,
    uint32_t max_items)
{
	uint64_t id;
	size_t i;

	if (!iss_store_get_job(t, s->job, &s->j)) {
		s->j.id = 0;	/* not found */
		return;
	}
	s->cursor = s->end = s->j.cursor;
	for (id = s->j.cursor + 1; id <= s->j.last_id &&
	    id - s->j.cursor <= slice && s->n_items < max_items &&
	    t->ret == SP_OK; id++) {
		struct ren_res *rr = &s->res[s->n_res];

		s->end = id;
		memset(rr, 0, sizeof(*rr));
		if (!iss_store_get_resident(t, id, &rr->plan.res))
			continue;	/* never expected: ids are dense */
		rr->revoked = rr->plan.res.status == ISS_RES_REVOKED;
		if (rr->revoked)
			continue;
		rr->plan.res.win_from = s->j.valid_from;
		rr->plan.res.win_until = s->j.valid_until;
		for (i = 0; i < rr->plan.res.n_cat; i++)
			rr->plan.yearly[i] = iss_cat_has_yearly(t,
			    rr->plan.res.cat[i]);
		iss_plan_times(&rr->plan, s->now, s->a->cfg.pass_validity);
		plan_items(t, s, rr);
		s->n_res++;
	}
}

/* Step 3: one resident's copies. */
static int
sign_resident(struct iss_app *a, struct ren_slice *s, const struct ren_res *rr)
{
	struct sp_pass_builder *b = NULL;
	uint8_t seed[SEEDS][32];
	size_t i, k = SEEDS;
	int r;

	if (rr->n == 0)
		return SP_OK;
	if ((r = sp_pass_builder_new(&b)) != SP_OK ||
	    (r = iss_plan_fill(a, b, &rr->plan)) != SP_OK)
		goto out;
	for (i = rr->first; i < rr->first + rr->n; i++) {
		struct ren_item *it = &s->items[i];

		/* The salts from a fresh secret seed per copy (SHA-256 of
		 * seed and leaf number): as unpredictable as drawing each,
		 * one getrandom() for SEEDS copies instead of one per
		 * disclosure. */
		if (k == SEEDS) {
			randombytes_buf(seed, sizeof(seed));
			k = 0;
		}
		if ((r = sp_pass_builder_set_status(b, ISS_LIST_ID,
		    it->idx)) != SP_OK ||
		    (r = pass_builder_set_holder_canonical(b, it->key,
		    it->key_len)) != SP_OK ||
		    (r = sp_pass_issue(&it->pass, &it->pass_len, b,
		    a->keys.cur, seed[k++])) != SP_OK)
			goto out;
	}
out:
	sodium_memzero(seed, sizeof(seed));
	sp_pass_builder_free(&b);
	return r;
}

struct worker {
	struct ren_slice *s;
	size_t from, to, step;	/* residents from+id, +step, ... < to */
	int r;
	bool started;
	pthread_t th;
};

struct signers {
	struct worker w[MAX_THREADS];
	size_t n;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	size_t i;

	w->r = SP_OK;
	for (i = w->from; i < w->to && w->r == SP_OK; i += w->step)
		w->r = sign_resident(w->s->a, w->s, &w->s->res[i]);
	return NULL;
}

/* Starts signing residents from..to-1 on up to threads threads; what
 * cannot get a thread is signed here, before it returns. */
static void
sign_start(struct signers *g, struct ren_slice *s, size_t from, size_t to,
    unsigned threads)
{
	size_t i, items = 0;

	for (i = from; i < to; i++)
		items += s->res[i].n;
	g->n = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS :
	    threads;
	if (items < 64)
		g->n = 1;	/* not worth more than one */
	for (i = 0; i < g->n; i++) {
		g->w[i] = (struct worker){ .s = s, .from = from + i, .to = to,
		    .step = g->n };
		g->w[i].started = pthread_create(&g->w[i].th, NULL,
		    worker_run, &g->w[i]) == 0;
	}
	for (i = 0; i < g->n; i++)
		if (!g->w[i].started)
			(void)worker_run(&g->w[i]);
}

static int
sign_join(struct signers *g)
{
	size_t i;
	int r = SP_OK;

	for (i = 0; i < g->n; i++) {
		if (g->w[i].started)
			(void)pthread_join(g->w[i].th, NULL);
		if (g->w[i].r != SP_OK)
			r = g->w[i].r;
	}
	g->n = 0;
	return r;
}

/* Step 4, for the chunk c_from..c_to-1. Nothing else writes between the
 * plan and this transaction (the daemon is single-threaded around its
 * tick, and the tick ends after its last chunk), so the plan holds. */
static void
commit_txn(struct reg_txn *t, void *vctx)
{
	struct ren_slice *s = vctx;
	struct iss_copies *c = s->copies;
	struct iss_job j;
	size_t i, k;

	s->renewed = 0;
	s->passes = 0;
	if (!iss_store_get_job(t, s->job, &j))
		return;
	if (j.cursor != s->c_cursor) {
		reg_txn_fail(t, SP_ERR_INTERNAL);
		return;
	}
	for (i = s->c_from; i < s->c_to && t->ret == SP_OK; i++) {
		const struct ren_res *rr = &s->res[i];

		if (rr->revoked || rr->plan.res.id == 0)
			continue;
		iss_store_put_resident(t, &rr->plan.res);
		s->renewed++;
		if (rr->n == 0 || !iss_store_get_copies(t, rr->plan.res.id, c))
			continue;
		for (k = 0; k < c->n; ) {	/* prune as issuance does */
			if (c->v[k].exp + ISS_DAY <= s->now)
				c->v[k] = c->v[--c->n];
			else
				k++;
		}
		for (k = rr->first; k < rr->first + rr->n && c->n <
		    ISS_MAX_COPIES; k++) {
			const struct ren_item *it = &s->items[k];
			struct iss_copy *x = &c->v[c->n++];

			x->list = ISS_LIST_ID;
			x->idx = it->idx;
			memcpy(x->holder, it->hash, 32);
			x->iat = rr->plan.iat;
			x->exp = rr->plan.exp;
			iss_store_put_renewed(t, it->hash, s->job,
			    rr->plan.res.id, it->pass, it->pass_len);
			s->passes++;
		}
		iss_store_put_copies(t, rr->plan.res.id, c);
	}
	j.done += s->c_end - j.cursor;
	j.cursor = s->c_end;
	if (j.cursor >= j.last_id) {
		char target[ISS_TARGET_MAX + 1];

		j.finished = true;
		iss_store_set_active_job(t, 0);
		job_name(target, j.id);
		iss_store_audit(t, s->now, "system", "renewal.finish", target);
	}
	iss_store_put_job(t, &j);
}

static void
slice_clear(struct ren_slice *s)
{
	size_t i;

	for (i = 0; s->items != NULL && i < s->n_items; i++)
		sp_bytes_free(s->items[i].pass, s->items[i].pass_len);
	free(s->items);
	free(s->res);
	free(s->copies);
	memset(s, 0, sizeof(*s));
}

/* The end of the chunk that starts at resident index from: about
 * half the slice's copies, at most CHUNK_ITEMS (so that even a
 * small slice runs, and is tested, through the pipeline). */
static size_t
chunk_end(const struct ren_slice *s, size_t from)
{
	size_t i, items = 0, want = (s->n_items + 1) / 2;

	if (want == 0)
		return s->n_res;	/* nothing to sign: one commit */
	if (want > CHUNK_ITEMS)
		want = CHUNK_ITEMS;
	for (i = from; i < s->n_res && (i == from || items < want); i++)
		items += s->res[i].n;
	return i;
}

/* Commits the signed chunk from..to-1 (step 4). */
static int
chunk_commit(struct iss_app *a, struct ren_slice *s, size_t from, size_t to)
{
	int r;

	s->c_from = from;
	s->c_to = to;
	s->c_end = to < s->n_res ? s->res[to].plan.res.id - 1 : s->end;
	if ((r = reg_db_write(&a->db, commit_txn, s)) != SP_OK)
		return r;
	s->c_cursor = s->c_end;
	a->m.renewed += s->renewed;
	a->m.passes_renewed += s->passes;
	return SP_OK;
}

/* Steps 3 and 4, pipelined: sign chunk k+1 while chunk k commits. */
static int
sign_commit(struct iss_app *a, struct ren_slice *s)
{
	struct signers g;
	size_t from = 0, to, next;
	int r, rs;

	s->c_cursor = s->cursor;
	to = chunk_end(s, 0);
	sign_start(&g, s, 0, to, a->cfg.renewal_threads);
	if ((r = sign_join(&g)) != SP_OK)
		return r;
	while (to < s->n_res) {
		next = chunk_end(s, to);
		sign_start(&g, s, to, next, a->cfg.renewal_threads);
		r = chunk_commit(a, s, from, to);
		rs = sign_join(&g);
		if (r != SP_OK || (r = rs) != SP_OK)
			return r;
		from = to;
		to = next;
	}
	return chunk_commit(a, s, from, to);
}

static int
slice_run(struct iss_app *a, struct ren_slice *s)
{
	uint32_t *idx = NULL;
	struct reg_txn t;
	size_t i;
	int r = SP_ERR_NOMEM;

	if ((s->res = calloc(a->cfg.renewal_slice, sizeof(*s->res))) ==
	    NULL || (s->copies = malloc(sizeof(*s->copies))) == NULL)
		goto out;
	reg_txn_begin(&a->db, &t, false);
	if (t.ret == SP_OK)
		plan_txn(&t, s, a->cfg.renewal_slice, ISS_RENEW_MAX_COPIES);
	reg_txn_abort(&t);
	if ((r = t.ret) != SP_OK || s->j.id == 0)
		goto out;
	if (s->n_items > 0) {
		r = SP_ERR_NOMEM;
		if ((idx = calloc(s->n_items, sizeof(*idx))) == NULL)
			goto out;
		if ((r = reg_log_assign_batch(a->log, idx, s->n_items)) !=
		    SP_OK)
			goto out;
		for (i = 0; i < s->n_items; i++)
			s->items[i].idx = idx[i];
	}
	r = sign_commit(a, s);
out:
	free(idx);
	return r;
}

static void
drop_txn(struct reg_txn *t, void *vctx)
{
	(void)vctx;
	iss_store_set_active_job(t, 0);
}

int
iss_renewal_tick(struct iss_app *a, int64_t now)
{
	struct ren_slice s;
	struct reg_txn t;
	int r;

	memset(&s, 0, sizeof(s));
	s.a = a;
	s.now = now;
	reg_txn_begin(&a->db, &t, false);
	s.job = iss_store_active_job(&t);
	reg_txn_abort(&t);
	a->renewal_busy = false;
	if (t.ret != SP_OK || s.job == 0)
		return t.ret;
	r = slice_run(a, &s);
	if (r == SP_OK && s.j.id == 0) {
		/* A dangling pointer to a job: drop it. */
		r = reg_db_write(&a->db, drop_txn, NULL);
	}
	a->renewal_busy = r == SP_OK && s.j.id != 0 && s.end < s.j.last_id;
	slice_clear(&s);
	return r;
}
