/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Presentations for offers: the least disclosure an offer needs, a fresh
 * pass copy, the per-offer counter, all durable before the QR leaves the
 * library; and the refreshing QR (re-signed every SP_WALLET_REFRESH s).
 */
#include "wallet_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

/* What to disclose for one offer, in sp_present_opts terms, and the claim
 * keys that makes visible (for the history). */
struct plan {
	int disclose[8];
	size_t n_disclose;
	char scopes[2][PASS_MAX_SCOPE + 1];
	size_t n_scopes;
	uint8_t shown[WAL_EVENT_CLAIMS];
	size_t n_shown;
};

static void
plan_show(struct plan *pl, int key)
{
	size_t i;

	for (i = 0; i < pl->n_shown; i++)
		if (pl->shown[i] == key)
			return;
	if (pl->n_shown < WAL_EVENT_CLAIMS && key > 0 && key < 256)
		pl->shown[pl->n_shown++] = (uint8_t)key;
}

static int
plan_disclose(struct plan *pl, int key)
{
	size_t i;

	for (i = 0; i < pl->n_disclose; i++)
		if (pl->disclose[i] == key)
			return SP_OK;
	if (pl->n_disclose == sizeof(pl->disclose) / sizeof(pl->disclose[0]))
		return SP_ERR_INVALID_ARG;
	pl->disclose[pl->n_disclose++] = key;
	plan_show(pl, key);
	return SP_OK;
}

static int
plan_scope(struct plan *pl, const char *s)
{
	if (pl->n_scopes == 2 ||
	    !wal_strcpy(pl->scopes[pl->n_scopes], sizeof(pl->scopes[0]), s))
		return SP_ERR_INVALID_ARG;
	pl->n_scopes++;
	return SP_OK;
}

/* A leaf with key whose text (or limit scope) is s. */
static bool
has_leaf(const struct wal_issued *v, uint64_t key, const char *s)
{
	size_t i, n, want = strlen(s);
	const char *t;

	for (i = 0; i < v->n; i++) {
		const struct wal_leaf *l = &v->leaves[i];
		bool ok;

		if (l->key != key)
			continue;
		ok = key == SP_CLAIM_CATEGORY ? wal_leaf_text(l, &t, &n) :
		    wal_leaf_scope(l, &t, &n);
		if (ok && n == want && memcmp(t, s, n) == 0)
			return true;
	}
	return false;
}

/* The claims an offer names: known, not the structured ones, present,
 * and true if boolean. */
static int
plan_claims(struct plan *pl, const struct wal_issued *v,
    const struct sp_wallet_offer *o)
{
	size_t i;

	if (o->claim_count > 8 || (o->claims == NULL && o->claim_count != 0))
		return SP_ERR_INVALID_ARG;
	for (i = 0; i < o->claim_count; i++) {
		const struct wal_leaf *l;
		int k = wal_claim_key(o->claims[i]), r;

		if (k == 0 || k == SP_CLAIM_CATEGORY ||
		    k == SP_CLAIM_LIMIT_TAG || k == SP_CLAIM_LIMIT_KEY)
			return SP_ERR_INVALID_ARG;
		if ((l = wal_issued_leaf(v, k)) == NULL)
			return SP_ERR_WALLET_NOT_ELIGIBLE;
		if ((k == SP_CLAIM_AGE_UNDER_12 || k == SP_CLAIM_AGE_UNDER_18 ||
		    k == SP_CLAIM_AGE_OVER_65) &&
		    (l->value_len != 1 || l->value[0] != 0xf5))
			return SP_ERR_WALLET_NOT_ELIGIBLE;
		if ((r = plan_disclose(pl, k)) != SP_OK)
			return r;
	}
	return SP_OK;
}

static bool
category_ok(const char *c)
{
	size_t n = strlen(c);

	return n > 0 && n <= PASS_MAX_SCOPE && strchr(c, '/') == NULL;
}

/* The period containing now (UTC), as issuer and tills spell it. */
static size_t
period_text(char *out, size_t cap, int period, const struct tm *tm)
{
	switch (period) {
	case SP_WALLET_PERIOD_YEAR:
		return strftime(out, cap, "%Y", tm);
	case SP_WALLET_PERIOD_MONTH:
		return strftime(out, cap, "%Y-%m", tm);
	case SP_WALLET_PERIOD_WEEK:
		return strftime(out, cap, "%G-W%V", tm);
	case SP_WALLET_PERIOD_DAY:
		return strftime(out, cap, "%Y-%m-%d", tm);
	default:
		return 0;
	}
}

/* "category/period" for the period containing now. */
static int
scope_of(char out[PASS_MAX_SCOPE + 1], const char *cat, int period,
    int64_t now)
{
	char p[16];
	time_t t = (time_t)now;
	struct tm tm;
	size_t n, cl = strlen(cat);

	if (period < SP_WALLET_PERIOD_YEAR || period > SP_WALLET_PERIOD_DAY)
		return SP_ERR_INVALID_ARG;
	if (gmtime_r(&t, &tm) == NULL ||
	    (n = period_text(p, sizeof(p), period, &tm)) == 0)
		return SP_ERR_INTERNAL;
	if (cl + 1 + n > PASS_MAX_SCOPE)
		return SP_ERR_INVALID_ARG;
	memcpy(out, cat, cl);
	out[cl] = '/';
	memcpy(out + cl + 1, p, n + 1);
	return SP_OK;
}

/*
 * Category and limit. A limit tag for the scope proves the category too,
 * so it goes alone; without one, the category's limit key, which the core
 * discloses for the period scope ("swim/2026-W48") and from which the till
 * derives the period's tag. With no limit, the category claim alone (the
 * core discloses a category claim for the bare category scope, never a
 * limit key with it).
 */
static int
plan_category(struct plan *pl, const struct wal_issued *v,
    const struct sp_wallet_offer *o, int64_t now)
{
	char cat[PASS_MAX_SCOPE + 1], scope[PASS_MAX_SCOPE + 1];
	int r;

	cat[0] = scope[0] = 0;
	if (o->category != NULL &&
	    (!category_ok(o->category) ||
	    !wal_strcpy(cat, sizeof(cat), o->category)))
		return SP_ERR_INVALID_ARG;
	if (o->limit_scope != NULL) {
		const char *slash;

		if (!wal_strcpy(scope, sizeof(scope), o->limit_scope) ||
		    (slash = strchr(scope, '/')) == NULL || slash == scope ||
		    slash[1] == 0)
			return SP_ERR_INVALID_ARG;
		if (cat[0] == 0) {
			memcpy(cat, scope, (size_t)(slash - scope));
			cat[slash - scope] = 0;
		} else if (strlen(cat) != (size_t)(slash - scope) ||
		    memcmp(cat, scope, strlen(cat)) != 0) {
			return SP_ERR_INVALID_ARG;
		}
	} else if (o->limit_period != SP_WALLET_PERIOD_NONE) {
		if (cat[0] == 0)
			return SP_ERR_INVALID_ARG;
		if ((r = scope_of(scope, cat, o->limit_period, now)) != SP_OK)
			return r;
	}
	if (scope[0] != 0) {
		if (has_leaf(v, SP_CLAIM_LIMIT_TAG, scope)) {
			plan_show(pl, SP_CLAIM_LIMIT_TAG);
			return plan_scope(pl, scope);
		}
		if (!has_leaf(v, SP_CLAIM_LIMIT_KEY, cat))
			return SP_ERR_WALLET_NOT_ELIGIBLE;
		plan_show(pl, SP_CLAIM_LIMIT_KEY);
		return plan_scope(pl, scope);
	}
	if (cat[0] == 0)
		return SP_OK;
	if (!has_leaf(v, SP_CLAIM_CATEGORY, cat))
		return SP_ERR_WALLET_NOT_ELIGIBLE;
	plan_show(pl, SP_CLAIM_CATEGORY);
	return plan_scope(pl, cat);
}

/* The copy to present with: unused and valid now; or, if allowed, the
 * least recently used valid one. */
static int
pick_copy(struct wal_pass *p, int64_t now, bool reuse, size_t *idx)
{
	size_t i, best = SIZE_MAX, valid = 0;

	for (i = 0; i < p->n_copies; i++) {
		const struct wal_copy *c = &p->copies[i];

		if (c->nbf > now || now >= c->exp)
			continue;
		valid++;
		if (c->used == 0) {
			*idx = i;
			return SP_OK;
		}
		if (best == SIZE_MAX || c->used < p->copies[best].used)
			best = i;
	}
	if (reuse && best != SIZE_MAX) {
		*idx = best;
		return SP_OK;
	}
	if (valid == 0) {
		for (i = 0; i < p->n_copies; i++)
			if (now < p->copies[i].exp)
				return SP_ERR_WALLET_NO_COPY;
		return p->n_copies > 0 ? SP_ERR_EXPIRED : SP_ERR_WALLET_NO_COPY;
	}
	return SP_ERR_WALLET_NO_COPY;
}

/* The counter to sign for offer: one more than the last, or 1. 0 when
 * the pass has no room for another offer's counter (or it ran out). */
static uint64_t
counter_next(const struct wal_pass *p, uint64_t offer)
{
	size_t i;

	for (i = 0; i < p->n_counters; i++)
		if (p->counters[i].offer == offer)
			return p->counters[i].last < UINT64_MAX ?
			    p->counters[i].last + 1 : 0;
	return p->n_counters < WAL_MAX_COUNTERS ? 1 : 0;
}

static void
counter_set(struct wal_pass *p, uint64_t offer, uint64_t last)
{
	size_t i;

	for (i = 0; i < p->n_counters; i++)
		if (p->counters[i].offer == offer)
			break;
	if (i == p->n_counters)
		p->n_counters++;	/* counter_next checked the room */
	p->counters[i].offer = offer;
	p->counters[i].last = last;
}

static void
history_add(struct wal_state *st, const struct wal_event *ev)
{
	if (st->n_events == WAL_MAX_EVENTS) {
		memmove(&st->events[0], &st->events[1],
		    (WAL_MAX_EVENTS - 1) * sizeof(st->events[0]));
		st->n_events--;
	}
	st->events[st->n_events++] = *ev;
}

/* Signs the shown presentation at time t into a QR string. */
static int
shown_sign(const struct sp_wallet *w, const struct wal_copy *c,
    const struct wal_shown *s, int64_t t, char **qr)
{
	const char *scopes[2] = { s->scopes[0], s->scopes[1] };
	struct sp_present_opts po = {
		.time = t,
		.audience = s->has_aud ? s->aud : NULL,
		.nonce = s->nonce_len > 0 ? s->nonce : NULL,
		.nonce_len = s->nonce_len,
		.offer = s->offer,
		.counter = s->counter,
		.disclose = s->disclose,
		.disclose_count = s->n_disclose,
		.scopes = scopes,
		.scope_count = s->n_scopes,
	};
	uint8_t *pres = NULL;
	size_t len = 0;
	int r;

	if ((r = wal_key_present(w, &c->key, &pres, &len, c->issued,
	    c->issued_len, &po)) != SP_OK)
		return r;
	r = sp_qr_encode(qr, pres, len);
	sp_bytes_free(pres, len);
	return r;
}

static int
opts_check(const struct sp_wallet_present_opts *po)
{
	if (po == NULL)
		return SP_OK;
	if ((po->audience != NULL && strlen(po->audience) > WAL_AUD_MAX) ||
	    (po->nonce == NULL) != (po->nonce_len == 0) ||
	    po->nonce_len > SP_NONCE_MAX)
		return SP_ERR_INVALID_ARG;
	return SP_OK;
}

static void
shown_init(struct wal_shown *s, const struct plan *pl, const struct wal_pass *p,
    const struct wal_copy *c, const struct sp_wallet_offer *o,
    const struct sp_wallet_present_opts *po)
{
	size_t i;

	sodium_memzero(s, sizeof(*s));
	s->pass_id = p->id;
	memcpy(s->key_cose, c->key.cose, c->key.cose_len);
	s->key_cose_len = c->key.cose_len;
	s->offer = o->id;
	if (po != NULL && po->audience != NULL) {
		s->has_aud = true;
		(void)wal_strcpy(s->aud, sizeof(s->aud), po->audience);
	}
	if (po != NULL && po->nonce_len > 0) {
		memcpy(s->nonce, po->nonce, po->nonce_len);
		s->nonce_len = po->nonce_len;
	}
	for (i = 0; i < pl->n_disclose; i++)
		s->disclose[i] = pl->disclose[i];
	s->n_disclose = pl->n_disclose;
	for (i = 0; i < pl->n_scopes; i++)
		memcpy(s->scopes[i], pl->scopes[i], sizeof(s->scopes[i]));
	s->n_scopes = pl->n_scopes;
}

static char *
str_dup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

int
sp_wallet_present(struct sp_wallet *w, char **qr, uint32_t pass_id,
    const struct sp_wallet_offer *offer,
    const struct sp_wallet_present_opts *opts)
{
	struct wal_issued *v = NULL;
	struct wal_shown s;
	struct wal_event ev;
	struct wal_pass *p;
	struct wal_copy *c;
	struct plan pl;
	char *text = NULL, *mine = NULL;
	size_t idx = 0;
	int64_t now;
	int r;

	if (w == NULL || qr == NULL || offer == NULL || offer->id == 0 ||
	    opts_check(opts) != SP_OK)
		return SP_ERR_INVALID_ARG;
	if ((p = wal_pass_find(w->st, pass_id)) == NULL)
		return SP_ERR_WALLET_NO_PASS;
	now = wal_now(w);
	if ((r = pick_copy(p, now, opts != NULL && opts->allow_reuse,
	    &idx)) != SP_OK)
		return r;
	c = &p->copies[idx];
	if ((v = malloc(sizeof(*v))) == NULL)
		return SP_ERR_NOMEM;
	memset(&pl, 0, sizeof(pl));
	if ((r = wal_issued_parse(v, c->issued, c->issued_len)) != SP_OK ||
	    (r = plan_claims(&pl, v, offer)) != SP_OK ||
	    (r = plan_category(&pl, v, offer, now)) != SP_OK)
		goto out;
	shown_init(&s, &pl, p, c, offer, opts);
	r = SP_ERR_WALLET_FULL;
	if ((s.counter = counter_next(p, offer->id)) == 0)
		goto out;
	s.signed_at = now;
	if ((r = shown_sign(w, c, &s, now, &text)) != SP_OK)
		goto out;
	/* Durable before the QR leaves: copy used, counter, history. */
	counter_set(p, offer->id, s.counter);
	c->used = now;
	memset(&ev, 0, sizeof(ev));
	ev.time = now;
	ev.pass_id = p->id;
	ev.offer = offer->id;
	ev.counter = s.counter;
	memcpy(ev.aud, s.aud, sizeof(ev.aud));
	memcpy(ev.claims, pl.shown, pl.n_shown);
	ev.n_claims = pl.n_shown;
	history_add(w->st, &ev);
	if ((r = wal_commit(w)) != SP_OK)
		goto out;
	r = SP_ERR_NOMEM;
	if ((mine = str_dup(text)) == NULL)
		goto out;
	sp_wallet_present_end(w);
	w->shown = s;
	w->shown.qr = mine;
	w->shown.active = true;
	*qr = text;
	text = NULL;
	r = SP_OK;
out:
	sp_wallet_str_free(text);
	if (v != NULL) {
		sodium_memzero(v, sizeof(*v));
		free(v);
	}
	return r;
}

int
sp_wallet_present_refresh(struct sp_wallet *w, char **qr, bool *resigned)
{
	struct wal_shown *s;
	struct wal_pass *p;
	char *text = NULL, *copy;
	size_t i;
	int64_t now;
	int r;

	if (w == NULL || qr == NULL)
		return SP_ERR_INVALID_ARG;
	s = &w->shown;
	if (!s->active)
		return SP_ERR_WALLET_NOT_SHOWN;
	now = wal_now(w);
	if (now - s->signed_at >= SP_WALLET_REFRESH || now < s->signed_at) {
		if ((p = wal_pass_find(w->st, s->pass_id)) == NULL)
			goto gone;
		for (i = 0; i < p->n_copies; i++)
			if (p->copies[i].key.cose_len == s->key_cose_len &&
			    memcmp(p->copies[i].key.cose, s->key_cose,
			    s->key_cose_len) == 0)
				break;
		if (i == p->n_copies)
			goto gone;
		if ((r = shown_sign(w, &p->copies[i], s, now, &text)) != SP_OK)
			return r;
		sp_wallet_str_free(s->qr);
		s->qr = text;
		s->signed_at = now;
		if (resigned != NULL)
			*resigned = true;
	} else if (resigned != NULL) {
		*resigned = false;
	}
	if ((copy = str_dup(s->qr)) == NULL)
		return SP_ERR_NOMEM;
	*qr = copy;
	return SP_OK;
gone:
	sp_wallet_present_end(w);
	return SP_ERR_WALLET_NOT_SHOWN;
}

void
sp_wallet_present_end(struct sp_wallet *w)
{
	if (w == NULL)
		return;
	sp_wallet_str_free(w->shown.qr);
	sodium_memzero(&w->shown, sizeof(w->shown));
}
