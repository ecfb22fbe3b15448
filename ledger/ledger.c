/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The redemption ledger of sp_ledger.h: opening and checking the
 * environment, redeeming (replay, limit, append, countersign: one durable
 * write transaction), reading counters, walking the chain, exporting
 * batches. docs/FORMATS.md section 10 describes the bytes.
 */
#include "stadspas/sp_ledger.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "batch.h"
#include "ledger_int.h"
#include "pass_int.h"
#include "record.h"
#include "store.h"

#define STATE_NAME_MAX 32
#define STATE_VALUE_MAX ((size_t)16 << 20)
#define USAGE_KEY_MAX (8 + SP_SCOPE_MAX + 1 + SP_TAG_LEN)
#define EXPORT_BYTES_MAX (LBATCH_MAX_LEN - 65536)

static const char meta_provider[] = "provider";
static const char meta_till[] = "till";
static const char meta_exported[] = "exported";

struct sp_ledger {
	struct lstore st;
	const struct sp_key *key;	/* borrowed */
	char provider[LREC_PROVIDER_MAX + 1];
	uint8_t cose[128];		/* the till's public COSE_Key */
	size_t cose_len;
	uint8_t genesis[LREC_HASH_LEN];
	/* The entry this handle last appended, and the head after it. */
	uint64_t last_seq;
	uint8_t last_head[LREC_HASH_LEN];
	struct sp_buf last;
};

/* ---- Meta ------------------------------------------------------------- */

static bool
meta_get(struct ltxn *t, const char *name, const uint8_t **v, size_t *n)
{
	return ltxn_get(t, LDB_META, name, strlen(name), v, n);
}

static void
meta_put(struct ltxn *t, const char *name, const void *v, size_t n)
{
	ltxn_put(t, LDB_META, name, strlen(name), v, n);
}

static uint64_t
exported_get(struct ltxn *t)
{
	const uint8_t *v;
	size_t n;

	if (!meta_get(t, meta_exported, &v, &n))
		return 0;
	if (n != 8) {
		ltxn_fail(t, SP_ERR_STORAGE);
		return 0;
	}
	return lkey_get_be64(v);
}

/* Decodes a stored entry's record and the head after it. */
static int
entry_head(struct lrec *rec, uint8_t head[LREC_HASH_LEN],
    const uint8_t *val, size_t vlen)
{
	const uint8_t *r, *s;
	size_t rl = 0, sl = 0;
	uint8_t hash[LREC_HASH_LEN];

	if (lrec_entry_decode(val, vlen, &r, &rl, &s, &sl) != SP_OK ||
	    lrec_decode(rec, r, rl) != SP_OK ||
	    lrec_chain(head, hash, rec->prev, r, rl) != SP_OK)
		return SP_ERR_STORAGE;
	return SP_OK;
}

/*
 * The newest seq and the chain head after it, from the newest record
 * (the genesis head for an empty ledger): not stored apart, so that a
 * redemption writes no meta. The record's countersignature covers it.
 * If the newest entry is byte for byte the one this handle appended
 * last (another process may have appended since), its head is known.
 */
static void
head_get(struct sp_ledger *l, struct ltxn *t, uint64_t *seq,
    uint8_t head[LREC_HASH_LEN])
{
	const uint8_t *k, *v;
	size_t kl = 0, vl = 0;
	struct lrec rec;

	*seq = 0;
	if (!ltxn_last(t, LDB_RECORDS, &k, &kl, &v, &vl)) {
		memcpy(head, l->genesis, LREC_HASH_LEN);
		return;
	}
	if (kl == 8 && l->last_seq != 0 && lkey_get_be64(k) == l->last_seq &&
	    vl == l->last.len && memcmp(v, l->last.ptr, vl) == 0) {
		*seq = l->last_seq;
		memcpy(head, l->last_head, LREC_HASH_LEN);
		return;
	}
	if (kl != 8 || entry_head(&rec, head, v, vl) != SP_OK ||
	    rec.seq != lkey_get_be64(k) || rec.seq == 0) {
		ltxn_fail(t, SP_ERR_STORAGE);
		return;
	}
	*seq = rec.seq;
}

/* The newest record must carry its key's seq and the till's
 * countersignature. */
static int
check_head(struct sp_ledger *l, struct ltxn *t)
{
	uint8_t got[LREC_HASH_LEN];
	const uint8_t *k, *v, *r, *sig;
	size_t kl = 0, vl = 0, rl = 0, sl = 0;
	struct lrec rec;

	if (!ltxn_last(t, LDB_RECORDS, &k, &kl, &v, &vl))
		return t->ret;
	if (kl != 8 || lrec_entry_decode(v, vl, &r, &rl, &sig, &sl) !=
	    SP_OK || lrec_decode(&rec, r, rl) != SP_OK ||
	    rec.seq != lkey_get_be64(k) || rec.seq == 0 ||
	    lrec_entry_verify(&rec, got, rec.prev, &l->key->priv.pub, r, rl,
	    sig, sl) != SP_OK)
		return SP_ERR_STORAGE;
	return SP_OK;
}

/* Creates the meta of a new ledger, or checks an existing one's. */
static int
meta_init(struct sp_ledger *l)
{
	struct ltxn t;
	const uint8_t *v;
	size_t n = 0, plen = strlen(l->provider);
	uint8_t zero[8] = { 0 };
	int r;

	ltxn_begin(&l->st, &t, true);
	if (!meta_get(&t, meta_provider, &v, &n)) {
		meta_put(&t, meta_provider, l->provider, plen);
		meta_put(&t, meta_till, l->cose, l->cose_len);
		meta_put(&t, meta_exported, zero, sizeof(zero));
		return ltxn_commit(&t);
	}
	if (n != plen || memcmp(v, l->provider, n) != 0 ||
	    !meta_get(&t, meta_till, &v, &n) || n != l->cose_len ||
	    memcmp(v, l->cose, n) != 0)
		ltxn_fail(&t, SP_ERR_KEY_MISMATCH);
	r = t.ret == SP_OK ? check_head(l, &t) : t.ret;
	ltxn_abort(&t);		/* nothing to write */
	return r;
}

int
ledger_open_mapsize(struct sp_ledger **out, const char *dir,
    const char *provider_id, const struct sp_key *till_key, size_t mapsize)
{
	struct sp_ledger *l = NULL;
	size_t plen;
	int r = SP_ERR_INVALID_ARG;

	if (out == NULL)
		return r;
	*out = NULL;
	if (dir == NULL || provider_id == NULL || till_key == NULL ||
	    (plen = strlen(provider_id)) == 0 || plen > LREC_PROVIDER_MAX)
		return r;
	if (sodium_init() < 0)
		return SP_ERR_INTERNAL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return SP_ERR_NOMEM;
	memcpy(l->provider, provider_id, plen);
	sp_buf_init(&l->last);
	l->key = till_key;
	l->cose_len = sizeof(l->cose);
	if ((r = sp_key_public_cose(till_key, l->cose, &l->cose_len)) !=
	    SP_OK || (r = lrec_genesis(l->genesis, l->provider)) != SP_OK)
		goto fail;
	if ((r = lstore_open(&l->st, dir, mapsize)) != SP_OK ||
	    (r = meta_init(l)) != SP_OK)
		goto fail;
	*out = l;
	l = NULL;
fail:
	sp_ledger_close(&l);
	return r;
}

int
sp_ledger_open(struct sp_ledger **out, const char *dir,
    const char *provider_id, const struct sp_key *till_key)
{
	return ledger_open_mapsize(out, dir, provider_id, till_key, 0);
}

void
sp_ledger_close(struct sp_ledger **lp)
{
	if (lp == NULL || *lp == NULL)
		return;
	lstore_close(&(*lp)->st);
	sp_buf_clear(&(*lp)->last);
	free(*lp);
	*lp = NULL;
}

/* ---- Redeeming -------------------------------------------------------- */

/* offer (be64) || scope || 0x00 || tag (with a scope only). */
static size_t
usage_key(uint8_t k[USAGE_KEY_MAX], uint64_t offer, const char *scope,
    const uint8_t *tag)
{
	size_t n = strlen(scope);

	lkey_be64(k, offer);
	memcpy(k + 8, scope, n);
	k[8 + n] = 0;
	if (n == 0)
		return 9;
	memcpy(k + 9 + n, tag, SP_TAG_LEN);
	return 9 + n + SP_TAG_LEN;
}

static uint32_t
usage_get(struct ltxn *t, const uint8_t *k, size_t kl)
{
	const uint8_t *v;
	size_t n;

	if (!ltxn_get(t, LDB_USAGE, k, kl, &v, &n))
		return 0;
	if (n != 4) {
		ltxn_fail(t, SP_ERR_STORAGE);
		return 0;
	}
	return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
	    (uint32_t)v[2] << 8 | v[3];
}

static bool
verdict_ok(const struct sp_verdict *vd)
{
	size_t n = strnlen(vd->scope, sizeof(vd->scope));

	return vd->approved && vd->reason == SP_R_OK && vd->offer != 0 &&
	    vd->raw != NULL && vd->raw_len > 0 &&
	    vd->raw_len <= LREC_PRES_MAX && n < sizeof(vd->scope) &&
	    (vd->limit == 0 || n > 0);
}

static void
refuse(struct sp_verdict *vd, int reason, int err)
{
	vd->approved = false;
	vd->reason = reason;
	vd->err = err;
}

struct redeem {
	struct sp_ledger *l;
	const struct sp_verdict *vd;
	int64_t now;
	int reason;			/* SP_R_OK, or why refused */
	struct sp_receipt rc;
	struct sp_buf entry;
};

/* Everything between begin and commit; refusals leave t->ret SP_OK. */
static void
redeem_txn(struct ltxn *t, struct redeem *x)
{
	const struct sp_verdict *vd = x->vd;
	uint8_t uk[USAGE_KEY_MAX], prev[LREC_HASH_LEN], k[8], u[4];
	const uint8_t *v;
	size_t ukl, n;
	uint64_t seq = 0;
	uint32_t used;
	struct lrec rec;
	int r;

	if (ltxn_get(t, LDB_REPLAY, vd->replay_id, 32, &v, &n)) {
		x->reason = SP_R_REPLAYED;
		return;
	}
	ukl = usage_key(uk, vd->offer, vd->scope, vd->tag);
	used = usage_get(t, uk, ukl);
	if (vd->limit > 0 && used >= vd->limit) {
		x->reason = SP_R_LIMIT_REACHED;
		return;
	}
	head_get(x->l, t, &seq, prev);
	if (t->ret != SP_OK)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.seq = seq + 1;
	rec.time = x->now;
	memcpy(rec.provider, x->l->provider, sizeof(rec.provider));
	rec.offer = vd->offer;
	rec.amount_cents = vd->amount_cents;
	rec.limit = vd->limit;
	memcpy(rec.scope, vd->scope, sizeof(rec.scope));
	rec.has_tag = vd->scope[0] != '\0';
	if (rec.has_tag)
		memcpy(rec.tag, vd->tag, SP_TAG_LEN);
	rec.counter = vd->counter;
	rec.pres = vd->raw;
	rec.pres_len = vd->raw_len;
	memcpy(rec.prev, prev, sizeof(prev));
	if ((r = lrec_entry_make(&x->entry, x->rc.record_hash, x->rc.head,
	    &rec, &x->l->key->priv)) != SP_OK) {
		ltxn_fail(t, r);
		return;
	}
	lkey_be64(k, rec.seq);
	ltxn_append(t, LDB_RECORDS, k, sizeof(k), x->entry.ptr, x->entry.len);
	used++;
	u[0] = (uint8_t)(used >> 24);
	u[1] = (uint8_t)(used >> 16);
	u[2] = (uint8_t)(used >> 8);
	u[3] = (uint8_t)used;
	ltxn_put(t, LDB_USAGE, uk, ukl, u, sizeof(u));
	ltxn_put(t, LDB_REPLAY, vd->replay_id, 32, k, sizeof(k));
	x->rc.seq = rec.seq;
	x->rc.used = used;
	x->rc.time = x->now;
}

/* Keeps the entry just committed for head_get (swapped, not copied). */
static void
last_keep(struct sp_ledger *l, struct redeem *x)
{
	struct sp_buf b = l->last;

	l->last = x->entry;
	x->entry = b;
	l->last_seq = x->rc.seq;
	memcpy(l->last_head, x->rc.head, LREC_HASH_LEN);
}

int
sp_ledger_redeem(struct sp_ledger *l, struct sp_verdict *vd, int64_t now,
    struct sp_receipt *out)
{
	struct redeem x = { .l = l, .vd = vd, .now = now,
	    .reason = SP_R_OK };
	struct ltxn t;
	int r;

	if (l == NULL || vd == NULL || out == NULL || !verdict_ok(vd))
		return SP_ERR_INVALID_ARG;
	sp_buf_init(&x.entry);
	ltxn_begin(&l->st, &t, true);
	redeem_txn(&t, &x);
	if (x.reason != SP_R_OK) {
		ltxn_abort(&t);
		refuse(vd, x.reason, SP_OK);
		r = SP_OK;
		goto done;
	}
	/* Approved only once the record is on disk. */
	if ((r = ltxn_commit(&t)) != SP_OK) {
		refuse(vd, SP_R_LEDGER, r);
		goto done;
	}
	*out = x.rc;
	last_keep(l, &x);
done:
	sp_buf_clear(&x.entry);
	return r;
}

bool
sp_ledger_seen(struct sp_ledger *l, const uint8_t replay_id[32])
{
	struct ltxn t;
	const uint8_t *v;
	size_t n;
	bool seen;

	if (l == NULL || replay_id == NULL)
		return false;
	ltxn_begin(&l->st, &t, false);
	seen = ltxn_get(&t, LDB_REPLAY, replay_id, 32, &v, &n);
	ltxn_abort(&t);
	return seen;
}

int
sp_ledger_used(struct sp_ledger *l, uint64_t offer, const char *scope,
    const uint8_t tag[SP_TAG_LEN], uint32_t *count)
{
	uint8_t uk[USAGE_KEY_MAX];
	struct ltxn t;
	uint32_t c;
	size_t kl;
	int r;

	if (l == NULL || count == NULL || scope == NULL ||
	    strlen(scope) >= SP_SCOPE_MAX || (scope[0] != '\0' && tag == NULL))
		return SP_ERR_INVALID_ARG;
	kl = usage_key(uk, offer, scope, tag);
	ltxn_begin(&l->st, &t, false);
	c = usage_get(&t, uk, kl);
	r = t.ret;
	ltxn_abort(&t);
	if (r == SP_OK)
		*count = c;
	return r;
}

int
sp_ledger_stats(struct sp_ledger *l, struct sp_ledger_stats *out)
{
	struct sp_ledger_stats s;
	struct ltxn t;
	struct lrec rec;
	uint8_t head[LREC_HASH_LEN];
	const uint8_t *k, *v;
	size_t kl = 0, vl = 0;
	int r;

	if (l == NULL || out == NULL)
		return SP_ERR_INVALID_ARG;
	memset(&s, 0, sizeof(s));
	ltxn_begin(&l->st, &t, false);
	memcpy(s.head, l->genesis, sizeof(s.head));
	s.exported = exported_get(&t);
	if (ltxn_last(&t, LDB_RECORDS, &k, &kl, &v, &vl)) {
		if (kl != 8 || entry_head(&rec, head, v, vl) != SP_OK ||
		    rec.seq != lkey_get_be64(k))
			ltxn_fail(&t, SP_ERR_STORAGE);
		else {
			s.records = rec.seq;
			s.last_time = rec.time;
			memcpy(s.head, head, sizeof(s.head));
		}
	}
	r = t.ret;
	ltxn_abort(&t);
	if (r == SP_OK)
		*out = s;
	return r;
}

/* ---- Verifying the chain ---------------------------------------------- */

struct walk {
	struct sp_ledger *l;
	uint64_t seq;			/* last good */
	uint8_t head[LREC_HASH_LEN];
};

static int
walk_one(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	struct walk *w = ctx;
	const uint8_t *rec, *sig;
	size_t rl = 0, sl = 0;
	uint8_t head[LREC_HASH_LEN];
	struct lrec r;

	if (klen != 8 || lkey_get_be64(key) != w->seq + 1 ||
	    lrec_entry_decode(val, vlen, &rec, &rl, &sig, &sl) != SP_OK ||
	    lrec_entry_check(&r, head, w->head, &w->l->key->priv.pub, rec, rl,
	    sig, sl) != SP_OK || r.seq != w->seq + 1 ||
	    strcmp(r.provider, w->l->provider) != 0)
		return SP_ERR_STORAGE;
	w->seq++;
	memcpy(w->head, head, sizeof(head));
	return 0;
}

int
sp_ledger_verify(struct sp_ledger *l, uint64_t *bad_seq)
{
	struct walk w = { .l = l, .seq = 0 };
	struct ltxn t;
	uint8_t head[LREC_HASH_LEN];
	uint64_t seq = 0;
	int r;

	if (l == NULL)
		return SP_ERR_INVALID_ARG;
	memcpy(w.head, l->genesis, sizeof(w.head));
	ltxn_begin(&l->st, &t, false);
	ltxn_foreach(&t, LDB_RECORDS, NULL, 0, walk_one, &w);
	r = t.ret;
	if (r == SP_OK) {
		head_get(l, &t, &seq, head);
		if (t.ret != SP_OK || seq != w.seq ||
		    memcmp(head, w.head, sizeof(head)) != 0)
			r = SP_ERR_STORAGE;
	}
	ltxn_abort(&t);
	if (r != SP_OK && bad_seq != NULL)
		*bad_seq = w.seq + 1;
	return r;
}

/* ---- State blobs ------------------------------------------------------ */

static bool
state_name_ok(const char *name)
{
	size_t n;

	return name != NULL && (n = strlen(name)) > 0 && n <= STATE_NAME_MAX;
}

int
sp_ledger_state_put(struct sp_ledger *l, const char *name,
    const uint8_t *value, size_t len)
{
	struct ltxn t;

	if (l == NULL || !state_name_ok(name) || (value == NULL && len > 0) ||
	    len > STATE_VALUE_MAX)
		return SP_ERR_INVALID_ARG;
	ltxn_begin(&l->st, &t, true);
	ltxn_put(&t, LDB_STATE, name, strlen(name), value, len);
	return ltxn_commit(&t);
}

int
sp_ledger_state_get(struct sp_ledger *l, const char *name, uint8_t **value,
    size_t *len)
{
	struct ltxn t;
	const uint8_t *v;
	uint8_t *p = NULL;
	size_t n = 0;
	int r;

	if (l == NULL || !state_name_ok(name) || value == NULL || len == NULL)
		return SP_ERR_INVALID_ARG;
	ltxn_begin(&l->st, &t, false);
	if (!ltxn_get(&t, LDB_STATE, name, strlen(name), &v, &n))
		ltxn_fail(&t, SP_ERR_NOT_FOUND);
	else if ((p = malloc(n > 0 ? n : 1)) == NULL)
		ltxn_fail(&t, SP_ERR_NOMEM);
	else if (n > 0)
		memcpy(p, v, n);
	r = t.ret;
	ltxn_abort(&t);
	if (r != SP_OK) {
		free(p);
		return r;
	}
	*value = p;
	*len = n;
	return SP_OK;
}

/* ---- Export ----------------------------------------------------------- */

struct collect {
	uint64_t next;			/* seq expected */
	size_t max, n;
	uint8_t head[LREC_HASH_LEN];	/* after the last collected */
	struct sp_buf entries;
};

static int
collect_one(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	struct collect *c = ctx;
	uint8_t head[LREC_HASH_LEN];
	struct lrec rec;
	int r;

	if (c->n == c->max || c->entries.len + vlen > EXPORT_BYTES_MAX)
		return 1;
	if (klen != 8 || lkey_get_be64(key) != c->next ||
	    entry_head(&rec, head, val, vlen) != SP_OK ||
	    rec.seq != c->next || memcmp(rec.prev, c->head, LREC_HASH_LEN) != 0)
		return SP_ERR_STORAGE;
	if ((r = sp_buf_append(&c->entries, val, vlen)) != SP_OK)
		return r;
	memcpy(c->head, head, sizeof(head));
	c->next++;
	c->n++;
	return 0;
}

/* The head after record seq (the genesis head for 0). */
static void
head_at(struct sp_ledger *l, struct ltxn *t, uint64_t seq,
    uint8_t head[LREC_HASH_LEN])
{
	const uint8_t *v;
	uint8_t k[8];
	size_t vl = 0;
	struct lrec rec;

	if (seq == 0) {
		memcpy(head, l->genesis, LREC_HASH_LEN);
		return;
	}
	lkey_be64(k, seq);
	if (!ltxn_get(t, LDB_RECORDS, k, sizeof(k), &v, &vl) ||
	    entry_head(&rec, head, v, vl) != SP_OK)
		ltxn_fail(t, SP_ERR_STORAGE);
}

static int
export_bytes(uint8_t **out, size_t *len, const struct sp_buf *b)
{
	uint8_t *p = malloc(b->len);

	if (p == NULL)
		return SP_ERR_NOMEM;
	memcpy(p, b->ptr, b->len);
	*out = p;
	*len = b->len;
	return SP_OK;
}

int
sp_ledger_export(struct sp_ledger *l, uint64_t after, size_t max,
    uint8_t **out, size_t *len, uint64_t *first, uint64_t *last)
{
	struct collect c;
	struct ltxn t;
	struct sp_buf batch;
	uint8_t prev[LREC_HASH_LEN], k[8], top_head[LREC_HASH_LEN];
	uint64_t top = 0;
	int r;

	if (l == NULL || out == NULL || len == NULL || first == NULL ||
	    last == NULL)
		return SP_ERR_INVALID_ARG;
	memset(&c, 0, sizeof(c));
	sp_buf_init(&c.entries);
	sp_buf_init(&batch);
	c.max = max == 0 || max > LBATCH_MAX_RECORDS ? LBATCH_MAX_RECORDS :
	    max;
	ltxn_begin(&l->st, &t, false);
	if (after == SP_LEDGER_SINCE_MARK)
		after = exported_get(&t);
	head_get(l, &t, &top, top_head);
	if (t.ret == SP_OK && after >= top)
		ltxn_fail(&t, SP_ERR_NOT_FOUND);
	head_at(l, &t, after, prev);
	memcpy(c.head, prev, sizeof(prev));
	c.next = after + 1;
	lkey_be64(k, c.next);
	ltxn_foreach(&t, LDB_RECORDS, k, sizeof(k), collect_one, &c);
	if (t.ret == SP_OK && c.n == 0)
		ltxn_fail(&t, SP_ERR_STORAGE);
	r = t.ret;
	ltxn_abort(&t);
	if (r != SP_OK)
		goto fail;
	struct lbatch_spec spec = {
		.provider = l->provider,
		.till_cose = l->cose, .till_cose_len = l->cose_len,
		.prev = prev,
		.entries = c.entries.ptr, .entries_len = c.entries.len,
		.n = c.n,
		.head = c.head,
	};
	if ((r = lbatch_encode(&batch, &spec, &l->key->priv)) != SP_OK ||
	    (r = export_bytes(out, len, &batch)) != SP_OK)
		goto fail;
	*first = after + 1;
	*last = after + c.n;
fail:
	sp_buf_clear(&c.entries);
	sp_buf_clear(&batch);
	return r;
}

int
sp_ledger_export_mark(struct sp_ledger *l, uint64_t last)
{
	struct ltxn t;
	uint8_t head[LREC_HASH_LEN], v[8];
	uint64_t top = 0;

	if (l == NULL)
		return SP_ERR_INVALID_ARG;
	ltxn_begin(&l->st, &t, true);
	head_get(l, &t, &top, head);
	if (t.ret == SP_OK && last > top)
		ltxn_fail(&t, SP_ERR_INVALID_ARG);
	/* Marks never go back. */
	if (t.ret == SP_OK && last <= exported_get(&t)) {
		ltxn_abort(&t);
		return SP_OK;
	}
	lkey_be64(v, last);
	meta_put(&t, meta_exported, v, sizeof(v));
	return ltxn_commit(&t);
}

/* ---- Internal (tests, bench) ------------------------------------------ */

int
ledger_raw_put(struct sp_ledger *l, unsigned db, const void *key,
    size_t klen, const void *val, size_t vlen)
{
	struct ltxn t;

	ltxn_begin(&l->st, &t, true);
	ltxn_put(&t, db, key, klen, val, vlen);
	return ltxn_commit(&t);
}

int
ledger_raw_entry(struct sp_ledger *l, uint64_t seq, uint8_t **val,
    size_t *len)
{
	struct ltxn t;
	const uint8_t *v;
	uint8_t k[8];
	size_t n = 0;
	int r;

	lkey_be64(k, seq);
	ltxn_begin(&l->st, &t, false);
	if (!ltxn_get(&t, LDB_RECORDS, k, sizeof(k), &v, &n))
		ltxn_fail(&t, SP_ERR_NOT_FOUND);
	else if ((*val = malloc(n)) == NULL)
		ltxn_fail(&t, SP_ERR_NOMEM);
	else
		memcpy(*val, v, n);
	*len = n;
	r = t.ret;
	ltxn_abort(&t);
	return r;
}

uint64_t
ledger_count(struct sp_ledger *l, unsigned db)
{
	struct ltxn t;
	uint64_t n;

	ltxn_begin(&l->st, &t, false);
	n = ltxn_count(&t, db);
	ltxn_abort(&t);
	return n;
}
