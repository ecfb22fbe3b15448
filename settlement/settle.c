/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ingesting signed ledger batches (settle.h): the batch and its till,
 * continuity with what was ingested from that till before, the checks of
 * each new record (verify.c), then, in one durable write transaction, the
 * checks across records (replay, counters, limits) and the stored result.
 * Limits are counted in ingestion order: a record is over the limit when
 * its group already holds `limit` paid records ingested before it (from
 * earlier batches, or earlier in its own batch), so a payment once
 * reported never flips, and the flagged record is the one whose
 * presentation is at hand to keep as evidence.
 */
#include "settle_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "verify.h"
#include "hash.h"
#include "record.h"		/* ledger/: lrec_genesis, FORMATS §10 */
#include "stadspas/sp_ledger.h"

static const char *const reason_tokens[STL_REASON_COUNT] = {
	[STL_OK] = "ok",
	[STL_BAD_PRESENTATION] = "bad_presentation",
	[STL_UNKNOWN_ISSUER_KEY] = "unknown_issuer_key",
	[STL_HOLDER_BINDING] = "holder_binding_failed",
	[STL_TIME] = "time_mismatch",
	[STL_REVOKED] = "revoked",
	[STL_SUSPENDED] = "suspended",
	[STL_WRONG_PROVIDER] = "wrong_provider",
	[STL_UNKNOWN_OFFER] = "unknown_offer",
	[STL_OFFER_MISMATCH] = "offer_mismatch",
	[STL_NOT_ELIGIBLE] = "not_eligible",
	[STL_REPLAYED] = "replayed",
	[STL_OVER_LIMIT] = "over_limit",
	[STL_COUNTER_REUSE] = "counter_reuse",
};

static const char *const batch_tokens[] = {
	[STL_BATCH_OK] = "ok",
	[STL_BATCH_MALFORMED] = "malformed",
	[STL_BATCH_UNKNOWN_TILL] = "unknown_till",
	[STL_BATCH_GAP] = "gap",
	[STL_BATCH_FORK] = "fork",
};

const char *
stl_reason_token(int reason)
{
	if (reason < 0 || reason >= STL_REASON_COUNT)
		return "unknown";
	return reason_tokens[reason];
}

const char *
stl_batch_error_token(int e)
{
	if (e < 0 || (size_t)e >= sizeof(batch_tokens) / sizeof(*batch_tokens))
		return "unknown";
	return batch_tokens[e];
}

void
stl_till8(char out[9], const uint8_t fp[STL_FP_LEN])
{
	(void)sodium_bin2hex(out, 9, fp, 4);
}

int
stl_open(struct stl **out, const char *dir)
{
	struct stl *s;
	int r;

	if (out == NULL || dir == NULL)
		return SP_ERR_INVALID_ARG;
	if (sodium_init() < 0)
		return SP_ERR_INTERNAL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return SP_ERR_NOMEM;
	if ((r = stl_store_open(&s->db, dir)) != SP_OK) {
		reg_db_close(&s->db);
		free(s);
		return r;
	}
	*out = s;
	return SP_OK;
}

void
stl_close(struct stl **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	reg_db_close(&(*sp)->db);
	free(*sp);
	*sp = NULL;
}

/* ---- The batch and its till ------------------------------------------- */

static int
refuse(struct stl_import_result *res, int e, const char *detail)
{
	res->batch_error = e;
	(void)snprintf(res->detail, sizeof(res->detail), "%s", detail);
	return SP_OK;
}

/* sp_batch_open's errors: a broken sequence or link inside the batch is a
 * gap or a fork too, with that evidence. */
static int
open_error(struct stl_import_result *res, int err)
{
	if (err == SP_ERR_REG_GAP)
		return refuse(res, STL_BATCH_GAP,
		    "seqs inside the batch are not consecutive");
	if (err == SP_ERR_REG_FORK)
		return refuse(res, STL_BATCH_FORK,
		    "a record does not chain onto the one before it");
	return refuse(res, STL_BATCH_MALFORMED, sp_strerror(err));
}

/* True if the batch's till key is one of its provider's in the
 * catalogue. */
static bool
till_registered(const struct sp_verifier *v, const struct sp_batch *b)
{
	const uint8_t *key, *k;
	size_t i, len, klen;

	key = sp_batch_till_key(b, &len);
	for (i = 0; sp_verifier_till_key(v, sp_batch_provider(b), i, &k,
	    &klen) == SP_OK; i++)
		if (klen == len && memcmp(k, key, len) == 0)
			return true;
	return false;
}

static void
hex8(char out[17], const uint8_t *h)
{
	(void)sodium_bin2hex(out, 17, h, 8);
}

/* ---- Continuity ------------------------------------------------------- */

struct cont {
	const struct sp_batch *b;
	uint8_t fp[STL_FP_LEN];
	struct stl_till till;	/* as stored, or the genesis state */
	bool known;
	size_t first_new;
	struct stl_import_result *res;
};

/* Records the batch holds that were ingested already must be the same
 * records: the head after each one commits to it and all before it. */
static void
overlap_check(struct reg_txn *t, struct cont *c)
{
	struct sp_ledger_record lr;
	struct stl_rec old;
	struct stl_ref id;
	struct sp_buf raw;
	char a[17], b[17], d[120];
	size_t n = sp_batch_count(c->b);

	sp_buf_init(&raw);
	memcpy(id.fp, c->fp, sizeof(id.fp));
	for (c->first_new = 0; c->first_new < n; c->first_new++) {
		if (sp_batch_record(c->b, c->first_new, &lr) != SP_OK) {
			reg_txn_fail(t, SP_ERR_INTERNAL);
			break;
		}
		if (lr.seq > c->till.last)
			break;
		id.seq = lr.seq;
		if (!stl_rec_get(t, &id, &old, &raw)) {
			reg_txn_fail(t, SP_ERR_STORAGE);	/* lost */
			break;
		}
		if (memcmp(old.head, lr.head, 32) != 0) {
			hex8(a, old.head);
			hex8(b, lr.head);
			(void)snprintf(d, sizeof(d),
			    "seq %llu: stored head %s, batch head %s",
			    (unsigned long long)lr.seq, a, b);
			(void)refuse(c->res, STL_BATCH_FORK, d);
			break;
		}
	}
	sp_buf_clear(&raw);
}

/* The first new record must follow the newest one ingested. */
static void
follow_check(struct cont *c)
{
	struct sp_ledger_record lr;
	char a[17], b[17], d[120];

	if (c->first_new >= sp_batch_count(c->b) ||
	    sp_batch_record(c->b, c->first_new, &lr) != SP_OK)
		return;
	if (lr.seq != c->till.last + 1) {
		(void)snprintf(d, sizeof(d), "expected seq %llu, got %llu",
		    (unsigned long long)(c->till.last + 1),
		    (unsigned long long)lr.seq);
		(void)refuse(c->res, STL_BATCH_GAP, d);
	} else if (memcmp(lr.prev, c->till.head, 32) != 0) {
		hex8(a, c->till.head);
		hex8(b, lr.prev);
		(void)snprintf(d, sizeof(d),
		    "seq %llu: stored head %s, batch prev %s",
		    (unsigned long long)lr.seq, a, b);
		(void)refuse(c->res, STL_BATCH_GAP, d);
	}
}

/* In a read transaction: where the batch stands against the store. */
static int
continuity(struct stl *s, struct cont *c)
{
	const char *provider = sp_batch_provider(c->b);
	struct reg_txn t;
	int r;

	reg_txn_begin(&s->db, &t, false);
	if ((c->known = stl_till_get(&t, c->fp, &c->till))) {
		if (strcmp(c->till.provider, provider) != 0)
			(void)refuse(c->res, STL_BATCH_UNKNOWN_TILL,
			    "till key ingested before for another provider");
		else
			overlap_check(&t, c);
	} else if (t.ret == SP_OK) {
		(void)snprintf(c->till.provider, sizeof(c->till.provider),
		    "%s", provider);
		c->till.last = 0;
		/* The head before seq 1 (FORMATS §10). */
		if ((r = lrec_genesis(c->till.head, provider)) != SP_OK)
			reg_txn_fail(&t, r);
		c->first_new = 0;
	}
	r = t.ret;
	reg_txn_abort(&t);
	if (r == SP_OK && c->res->batch_error == STL_BATCH_OK)
		follow_check(c);
	return r;
}

/* ---- Checks across records and the write ------------------------------ */

struct ingest {
	struct cont *c;
	struct stl_rec *recs;
	size_t n;
	uint64_t paid, rejected, cents;
};

static void
flag(struct stl_rec *r, int reason, const struct stl_ref *ev, size_t n)
{
	r->reason = reason;
	r->n_ev = n < STL_EVIDENCE_MAX ? n : STL_EVIDENCE_MAX;
	memcpy(r->ev, ev, r->n_ev * sizeof(*ev));
}

/* Replay, counter reuse and the limit, against every record stored so
 * far (this batch's included: same transaction). */
static void
cross_check(struct reg_txn *t, struct stl_rec *r)
{
	struct stl_group g;
	struct stl_ref ref;

	if (r->has_replay) {
		if (stl_replay_get(t, r->replay_id, &ref))
			flag(r, STL_REPLAYED, &ref, 1);
		else
			stl_replay_put(t, r->replay_id, &r->id);
	}
	if (r->reason != STL_OK || !r->has_tag)
		return;
	if (stl_counter_get(t, r, &ref)) {
		flag(r, STL_COUNTER_REUSE, &ref, 1);
		return;
	}
	stl_counter_put(t, r);
	if (r->limit == 0)
		return;
	stl_group_get(t, r->offer, r->scope, r->tag, &g);
	if (g.count >= r->limit) {
		flag(r, STL_OVER_LIMIT, g.refs, g.n);
		return;
	}
	if (g.n < STL_EVIDENCE_MAX)
		g.refs[g.n++] = r->id;
	g.count++;
	stl_group_put(t, r->offer, r->scope, r->tag, &g);
}

static bool
flagged(int reason)
{
	return reason == STL_OVER_LIMIT || reason == STL_COUNTER_REUSE;
}

static void
ingest_txn(struct reg_txn *t, void *arg)
{
	struct ingest *x = arg;
	struct stl_till now, *tl = &x->c->till;
	struct stl_rec r;
	size_t i;

	x->paid = x->rejected = x->cents = 0;
	/* One writer: the state read before is still the state. */
	if (stl_till_get(t, x->c->fp, &now) != x->c->known ||
	    (x->c->known && now.last != tl->last)) {
		reg_txn_fail(t, SP_ERR_STORAGE);
		return;
	}
	now = *tl;
	for (i = 0; i < x->n && t->ret == SP_OK; i++) {
		r = x->recs[i];
		cross_check(t, &r);
		if (!flagged(r.reason))
			r.pres = NULL;	/* kept only as evidence */
		stl_rec_put(t, &r);
		if (r.reason == STL_OK) {
			x->paid++;
			x->cents += r.amount;
		} else {
			x->rejected++;
		}
		now.last = r.id.seq;
		memcpy(now.head, r.head, sizeof(now.head));
	}
	stl_till_put(t, x->c->fp, &now);
}

/* Checks each new record on its own (outside the write transaction,
 * which may run twice). */
static int
check_new(const struct stl_context *ctx, struct ingest *x)
{
	struct sp_ledger_record lr;
	size_t i;
	int r;

	for (i = 0; i < x->n; i++) {
		if ((r = sp_batch_record(x->c->b, x->c->first_new + i, &lr)) !=
		    SP_OK)
			return r;
		memcpy(x->recs[i].id.fp, x->c->fp, STL_FP_LEN);
		if ((r = stl_check_record(ctx, &lr, &x->recs[i])) != SP_OK)
			return r;
	}
	return SP_OK;
}

static int
ingest(struct stl *s, const struct stl_context *ctx, struct cont *c)
{
	struct ingest x = { .c = c };
	int r = SP_OK;

	x.n = sp_batch_count(c->b) - c->first_new;
	c->res->new_records = x.n;
	if (x.n == 0)
		return SP_OK;
	if ((x.recs = calloc(x.n, sizeof(*x.recs))) == NULL)
		return SP_ERR_NOMEM;
	if ((r = check_new(ctx, &x)) == SP_OK &&
	    (r = reg_db_write(&s->db, ingest_txn, &x)) == SP_OK) {
		c->res->paid = (size_t)x.paid;
		c->res->rejected = (size_t)x.rejected;
		c->res->paid_cents = x.cents;
	}
	free(x.recs);
	return r;
}

int
stl_import(struct stl *s, const struct stl_context *ctx,
    const uint8_t *batch, size_t len, struct stl_import_result *res)
{
	struct sp_batch *b = NULL;
	struct cont c;
	const uint8_t *key;
	size_t klen;
	int r;

	if (s == NULL || ctx == NULL || ctx->v == NULL || batch == NULL ||
	    res == NULL)
		return SP_ERR_INVALID_ARG;
	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	if ((r = sp_batch_open(&b, batch, len)) != SP_OK) {
		r = r == SP_ERR_NOMEM ? r : open_error(res, r);
		goto out;
	}
	res->records = sp_batch_count(b);
	if (!till_registered(ctx->v, b)) {
		r = refuse(res, STL_BATCH_UNKNOWN_TILL,
		    "the till key is not one of the provider's");
		goto out;
	}
	c.b = b;
	c.res = res;
	key = sp_batch_till_key(b, &klen);
	if ((r = sp_sha256(c.fp, key, klen)) != SP_OK ||
	    (r = continuity(s, &c)) != SP_OK ||
	    res->batch_error != STL_BATCH_OK)
		goto out;
	r = ingest(s, ctx, &c);
out:
	sp_batch_free(&b);
	return r;
}
