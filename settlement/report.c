/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reimbursement report and the evidence of flagged records
 * (settle.h, docs/FORMATS.md §11.3). A report is a pure function of the
 * stored records, sorted by provider, time, till and seq, so the same
 * store gives the same bytes.
 */
#include "settle_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#define REPORT_MAX_RECORDS ((size_t)1 << 24)

struct row {
	struct stl_ref id;
	int64_t time;
	char provider[STL_PROVIDER_MAX + 1];
	uint64_t offer, amount;
	int reason;
	size_t n_ev;
	struct stl_ref ev[STL_EVIDENCE_MAX];
};

struct rows {
	const char *provider;	/* filter, NULL: all */
	int64_t from, to;
	struct row *v;
	size_t n, cap;
};

static int
collect(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	struct rows *rs = ctx;
	struct stl_rec r;
	struct row *p;
	size_t ncap;

	if (stl_rec_decode(&r, key, klen, val, vlen) != SP_OK)
		return SP_ERR_STORAGE;
	if (r.time < rs->from || r.time >= rs->to || (rs->provider != NULL &&
	    strcmp(rs->provider, r.provider) != 0))
		return 0;
	if (rs->n == rs->cap) {
		if (rs->cap >= REPORT_MAX_RECORDS)
			return SP_ERR_TOO_LARGE;
		ncap = rs->cap == 0 ? 64 : rs->cap * 2;
		if ((p = realloc(rs->v, ncap * sizeof(*p))) == NULL)
			return SP_ERR_NOMEM;
		rs->v = p;
		rs->cap = ncap;
	}
	p = &rs->v[rs->n++];
	p->id = r.id;
	p->time = r.time;
	memcpy(p->provider, r.provider, sizeof(p->provider));
	p->offer = r.offer;
	p->amount = r.amount;
	p->reason = r.reason;
	p->n_ev = r.n_ev;
	memcpy(p->ev, r.ev, sizeof(p->ev));
	return 0;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c;

	if ((c = strcmp(x->provider, y->provider)) != 0)
		return c;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if ((c = memcmp(x->id.fp, y->id.fp, STL_FP_LEN)) != 0)
		return c;
	if (x->id.seq != y->id.seq)
		return x->id.seq < y->id.seq ? -1 : 1;
	return 0;
}

static void
iso_time(char out[32], int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(out, 32, "%lld", (long long)t);
}

static void
ref_text(char out[32], const struct stl_ref *ref)
{
	char t8[9];

	stl_till8(t8, ref->fp);
	(void)snprintf(out, 32, "%s:%llu", t8, (unsigned long long)ref->seq);
}

static uint64_t
paid_cents(const struct row *r)
{
	return r->reason == STL_OK ? r->amount : 0;
}

/* ---- CSV -------------------------------------------------------------- */

/* A field, quoted when it holds a separator, quote or line break. */
static int
csv_field(struct sp_buf *out, const char *s, bool last)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	int r = SP_OK;

	if (quote)
		r = sp_buf_push(out, '"');
	for (; r == SP_OK && *s != '\0'; s++)
		if ((r = sp_buf_push(out, (uint8_t)*s)) == SP_OK && *s == '"')
			r = sp_buf_push(out, '"');
	if (r == SP_OK && quote)
		r = sp_buf_push(out, '"');
	if (r == SP_OK)
		r = sp_buf_push(out, last ? '\n' : ',');
	return r;
}

static int
csv_row(struct sp_buf *out, const struct row *r)
{
	char till[9], seq[24], when[32], offer[24], amount[24], paid[24];
	char ev[STL_EVIDENCE_MAX * 32], one[32];
	size_t i;
	int e;

	stl_till8(till, r->id.fp);
	(void)snprintf(seq, sizeof(seq), "%llu",
	    (unsigned long long)r->id.seq);
	iso_time(when, r->time);
	(void)snprintf(offer, sizeof(offer), "%llu",
	    (unsigned long long)r->offer);
	(void)snprintf(amount, sizeof(amount), "%llu",
	    (unsigned long long)r->amount);
	(void)snprintf(paid, sizeof(paid), "%llu",
	    (unsigned long long)paid_cents(r));
	ev[0] = '\0';
	for (i = 0; i < r->n_ev; i++) {
		ref_text(one, &r->ev[i]);
		if (i > 0)
			(void)strcat(ev, " ");
		(void)strcat(ev, one);
	}
	if ((e = csv_field(out, r->provider, false)) != SP_OK ||
	    (e = csv_field(out, till, false)) != SP_OK ||
	    (e = csv_field(out, seq, false)) != SP_OK ||
	    (e = csv_field(out, when, false)) != SP_OK ||
	    (e = csv_field(out, offer, false)) != SP_OK ||
	    (e = csv_field(out, amount, false)) != SP_OK ||
	    (e = csv_field(out, paid, false)) != SP_OK ||
	    (e = csv_field(out, stl_reason_token(r->reason), false)) != SP_OK)
		return e;
	return csv_field(out, ev, true);
}

static int
csv_write(struct sp_buf *out, const struct rows *rs)
{
	static const char head[] = "provider,till,seq,time,offer,"
	    "amount_cents,paid_cents,reason,evidence\n";
	size_t i;
	int r;

	if ((r = sp_buf_append(out, head, sizeof(head) - 1)) != SP_OK)
		return r;
	for (i = 0; i < rs->n && r == SP_OK; i++)
		r = csv_row(out, &rs->v[i]);
	return r;
}

/* ---- JSON ------------------------------------------------------------- */

static json_t *
json_record(const struct row *r)
{
	char till[9], when[32], one[32];
	json_t *o, *ev;
	size_t i;

	stl_till8(till, r->id.fp);
	iso_time(when, r->time);
	if ((ev = json_array()) == NULL)
		return NULL;
	for (i = 0; i < r->n_ev; i++) {
		ref_text(one, &r->ev[i]);
		if (json_array_append_new(ev, json_string(one)) != 0) {
			json_decref(ev);
			return NULL;
		}
	}
	o = json_pack("{s:s, s:I, s:s, s:I, s:I, s:I, s:s, s:o}",
	    "till", till, "seq", (json_int_t)r->id.seq, "time", when,
	    "offer", (json_int_t)r->offer, "amount_cents",
	    (json_int_t)r->amount, "paid_cents", (json_int_t)paid_cents(r),
	    "reason", stl_reason_token(r->reason), "evidence", ev);
	return o;
}

/* One provider's rows [i, j): totals and records. */
static json_t *
json_provider(const struct rows *rs, size_t i, size_t j)
{
	uint64_t paid = 0, cents = 0;
	json_t *recs, *rec;
	size_t k;

	if ((recs = json_array()) == NULL)
		return NULL;
	for (k = i; k < j; k++) {
		if (rs->v[k].reason == STL_OK) {
			paid++;
			cents += rs->v[k].amount;
		}
		if ((rec = json_record(&rs->v[k])) == NULL ||
		    json_array_append_new(recs, rec) != 0) {
			json_decref(recs);
			return NULL;
		}
	}
	return json_pack("{s:s, s:I, s:I, s:I, s:o}", "provider",
	    rs->v[i].provider, "paid", (json_int_t)paid, "paid_cents",
	    (json_int_t)cents, "rejected", (json_int_t)(j - i - paid),
	    "records", recs);
}

static int
json_write(struct sp_buf *out, const struct rows *rs)
{
	json_t *root = NULL, *provs, *p;
	char *text = NULL;
	size_t i, j;
	int r = SP_ERR_NOMEM;

	if ((provs = json_array()) == NULL)
		goto out;
	for (i = 0; i < rs->n; i = j) {
		for (j = i + 1; j < rs->n &&
		    strcmp(rs->v[i].provider, rs->v[j].provider) == 0; j++)
			;
		if ((p = json_provider(rs, i, j)) == NULL ||
		    json_array_append_new(provs, p) != 0) {
			json_decref(provs);
			goto out;
		}
	}
	if ((root = json_pack("{s:i, s:I, s:I, s:o}", "version", 1, "from",
	    (json_int_t)rs->from, "to", (json_int_t)rs->to, "providers",
	    provs)) == NULL)
		goto out;
	if ((text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER))
	    == NULL)
		goto out;
	if ((r = sp_buf_append(out, text, strlen(text))) == SP_OK)
		r = sp_buf_push(out, '\n');
out:
	free(text);
	json_decref(root);
	return r;
}

int
stl_report(struct stl *s, const char *provider, int64_t from, int64_t to,
    bool csv, struct sp_buf *out)
{
	struct rows rs = { .provider = provider, .from = from, .to = to };
	struct reg_txn t;
	int r;

	if (s == NULL || out == NULL || from > to)
		return SP_ERR_INVALID_ARG;
	reg_txn_begin(&s->db, &t, false);
	reg_txn_foreach(&t, STL_DB_RECS, NULL, 0, collect, &rs);
	r = t.ret;
	reg_txn_abort(&t);
	if (r == SP_OK) {
		if (rs.n > 1)
			qsort(rs.v, rs.n, sizeof(*rs.v), row_cmp);
		r = csv ? csv_write(out, &rs) : json_write(out, &rs);
	}
	free(rs.v);
	return r;
}

/* ---- Evidence --------------------------------------------------------- */

struct find_till {
	const char *till8;
	uint8_t fp[STL_FP_LEN];
	unsigned found;
};

static int
match_till(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	struct find_till *f = ctx;
	char t8[9];

	(void)val;
	(void)vlen;
	if (klen != STL_FP_LEN)
		return SP_ERR_STORAGE;
	stl_till8(t8, key);
	if (strcmp(t8, f->till8) == 0 && f->found++ == 0)
		memcpy(f->fp, key, STL_FP_LEN);
	return 0;
}

int
stl_evidence(struct stl *s, const char *till8, uint64_t seq,
    struct sp_buf *out)
{
	struct find_till f = { .till8 = till8 };
	struct reg_txn t;
	struct stl_rec rec;
	struct stl_ref id = { .seq = seq };
	struct sp_buf raw;
	int r;

	if (s == NULL || till8 == NULL || strlen(till8) != 8 || out == NULL)
		return SP_ERR_INVALID_ARG;
	sp_buf_init(&raw);
	reg_txn_begin(&s->db, &t, false);
	reg_txn_foreach(&t, STL_DB_TILLS, NULL, 0, match_till, &f);
	if (t.ret == SP_OK && f.found > 1)
		reg_txn_fail(&t, SP_ERR_INVALID_ARG);	/* ambiguous */
	memcpy(id.fp, f.fp, sizeof(id.fp));
	if (t.ret == SP_OK && (f.found == 0 ||
	    !stl_rec_get(&t, &id, &rec, &raw) || rec.pres == NULL))
		reg_txn_fail(&t, SP_ERR_NOT_FOUND);
	if ((r = t.ret) == SP_OK)
		r = sp_buf_append(out, rec.pres, rec.pres_len);
	reg_txn_abort(&t);
	sp_buf_clear(&raw);
	return r;
}
