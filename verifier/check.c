/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sp_verifier_check: one presentation to a verdict, in the order the
 * header documents: signatures and times, status, registry freshness,
 * then the offer (catalogue, provider, key binding, eligibility, limit
 * scope and tag). Limits and replay are the ledger's.
 */
#include "verifier_int.h"

#include <string.h>

#include <sodium.h>

/* sp_presentation_verify's errors as reasons (sp_verifier.h). */
static int
reason_of(int err)
{
	switch (err) {
	case SP_ERR_SIGNATURE:
	case SP_ERR_DISCLOSURE:
	case SP_ERR_UNSUPPORTED_ALG:
	case SP_ERR_KEY:
	case SP_ERR_KEY_MISMATCH:
		return SP_R_BAD_SIGNATURE;
	case SP_ERR_UNKNOWN_KID:
		return SP_R_UNKNOWN_ISSUER_KEY;
	case SP_ERR_EXPIRED:
		return SP_R_EXPIRED;
	case SP_ERR_NOT_YET_VALID:
		return SP_R_NOT_YET_VALID;
	case SP_ERR_HOLDER_BINDING:
		return SP_R_HOLDER_BINDING;
	case SP_ERR_STALE:
		return SP_R_STALE;
	case SP_ERR_FUTURE:
		return SP_R_FUTURE;
	case SP_ERR_AUDIENCE:
		return SP_R_WRONG_AUDIENCE;
	case SP_ERR_NONCE:
		return SP_R_WRONG_NONCE;
	default:	/* CBOR, transport, COSE structure, claims, limits */
		return SP_R_MALFORMED;
	}
}

/* Records a refusal; false, so that checks read "return refuse(...)". */
static bool
refuse(struct sp_verdict *vd, int reason, int err)
{
	vd->approved = false;
	vd->reason = reason;
	vd->err = err;
	return false;
}

/* Audience (if the holder named one) and nonce (if the till showed one),
 * in sp_presentation_verify's order. */
static bool
binding_check(const struct sp_verifier *v, struct sp_verdict *vd,
    const struct sp_check_opts *o)
{
	const uint8_t *nonce;
	const char *aud;
	size_t n, plen = strlen(v->provider);

	aud = sp_presentation_audience(vd->pres, &n);
	if (aud != NULL && (n != plen || memcmp(aud, v->provider, n) != 0))
		return refuse(vd, SP_R_WRONG_AUDIENCE, SP_ERR_AUDIENCE);
	if (o->nonce != NULL) {
		nonce = sp_presentation_nonce(vd->pres, &n);
		if (nonce == NULL || n != o->nonce_len ||
		    sodium_memcmp(nonce, o->nonce, n) != 0)
			return refuse(vd, SP_R_WRONG_NONCE, SP_ERR_NONCE);
	}
	return true;
}

static bool
status_check(const struct sp_verifier *v, struct sp_verdict *vd)
{
	uint32_t list, idx;
	unsigned st;
	int r;

	sp_presentation_status(vd->pres, &list, &idx);
	if (list != VF_LIST_ID)
		return refuse(vd, SP_R_REGISTRY_TOO_OLD, SP_ERR_REG_LIST);
	if ((r = sp_reg_mirror_status(v->mirror, idx, &st)) != SP_OK)
		return refuse(vd, SP_R_REGISTRY_TOO_OLD, r);
	if (st == SP_STATUS_REVOKED)
		return refuse(vd, SP_R_REVOKED, SP_OK);
	if (st == SP_STATUS_SUSPENDED)
		return refuse(vd, SP_R_SUSPENDED, SP_OK);
	if (st != SP_STATUS_VALID)
		return refuse(vd, SP_R_REVOKED, SP_OK);	/* reserved value */
	return true;
}

static uint32_t
max_age_for(const struct sp_verifier *v, uint64_t offer)
{
	size_t i;

	for (i = 0; i < v->n_over; i++)
		if (v->over[i].offer == offer)
			return v->over[i].max_age;
	return v->pol.registry_max_age;
}

static bool
fresh_check(const struct sp_verifier *v, struct sp_verdict *vd,
    const struct offers_offer *o)
{
	int64_t age = vd->registry_age;

	if (v->pol.registry_max_age_any != 0 &&
	    age > (int64_t)v->pol.registry_max_age_any)
		return refuse(vd, SP_R_REGISTRY_TOO_OLD, SP_OK);
	if (o != NULL && o->count > 0 && age > (int64_t)max_age_for(v, o->id))
		return refuse(vd, SP_R_REGISTRY_TOO_OLD, SP_OK);
	return true;
}

/* True if key is disclosed, whatever its value. */
static bool
has_claim(const struct sp_presentation *p, int key)
{
	size_t i, n = sp_presentation_claim_count(p), len;
	const uint8_t *val;
	int k;

	for (i = 0; i < n; i++)
		if (sp_presentation_claim(p, i, &k, &val, &len) == SP_OK &&
		    k == key)
			return true;
	return false;
}

bool
vf_claims_eligible(const struct sp_presentation *p,
    const struct offers_offer *o)
{
	size_t i;
	bool found;
	int key;

	for (i = 0; i < o->n_req; i++) {
		key = o->req[i];
		if (key == SP_CLAIM_AGE_UNDER_12 ||
		    key == SP_CLAIM_AGE_UNDER_18 ||
		    key == SP_CLAIM_AGE_OVER_65)
			found = sp_presentation_has_true(p, key);
		else if (key == SP_CLAIM_CATEGORY)
			found = sp_presentation_has_category(p, o->category);
		else
			found = has_claim(p, key);
		if (!found)
			return false;
	}
	return o->count > 0 || sp_presentation_has_category(p, o->category);
}

/* Required claims and category, then for a limited offer the limit claim
 * for the scope of now (which also proves the category). */
static bool
eligible_check(struct sp_verdict *vd, const struct offers_offer *o,
    int64_t now)
{
	const struct sp_presentation *p = vd->pres;

	if (!vf_claims_eligible(p, o))
		return refuse(vd, SP_R_NOT_ELIGIBLE, SP_ERR_NOT_FOUND);
	if (o->count > 0 && (sp_limit_scope(vd->scope, o->category,
	    (enum sp_period)o->period, now) != SP_OK ||
	    sp_presentation_limit_tag(p, vd->scope, vd->tag) != SP_OK)) {
		vd->scope[0] = 0;
		return refuse(vd, SP_R_NOT_ELIGIBLE, SP_ERR_NOT_FOUND);
	}
	return true;
}

static bool
offer_check(const struct sp_verifier *v, struct sp_verdict *vd,
    const struct offers_offer *o, const struct sp_check_opts *opts)
{
	uint64_t counter;
	size_t n;

	if (o == NULL)
		return refuse(vd, SP_R_UNKNOWN_OFFER, SP_ERR_NOT_FOUND);
	if (!offers_honoured(o, v->provider))
		return refuse(vd, SP_R_OFFER_NOT_HERE, SP_OK);
	if (sp_presentation_offer(vd->pres, &counter) != o->id)
		return refuse(vd, SP_R_OFFER_MISMATCH, SP_OK);
	if (sp_presentation_audience(vd->pres, &n) == NULL)
		return refuse(vd, SP_R_WRONG_AUDIENCE, SP_ERR_AUDIENCE);
	if (!eligible_check(vd, o, opts->now))
		return false;
	vd->offer = o->id;
	vd->amount_cents = o->amount;
	vd->limit = o->count;
	return true;
}

int
sp_verifier_check(const struct sp_verifier *v, struct sp_verdict *out,
    const uint8_t *pres, size_t len, const struct sp_check_opts *opts)
{
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	const struct offers_offer *o = NULL;
	int64_t ct;
	int r;

	if (v == NULL || out == NULL || opts == NULL ||
	    (opts->nonce == NULL) != (opts->nonce_len == 0))
		return SP_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	out->raw = pres;
	out->raw_len = len;
	ct = sp_reg_mirror_checkpoint_time(v->mirror);
	out->registry_age = ct != 0 ? opts->now - ct : -1;
	out->registry_warning = ct == 0 ||
	    out->registry_age > (int64_t)v->pol.registry_warn_age;
	out->catalogue_age = v->has_cat ? opts->now - v->cat.issued : -1;
	if (pres == NULL || len == 0) {
		refuse(out, SP_R_MALFORMED, SP_ERR_INVALID_ARG);
		return SP_OK;
	}
	vo.now = opts->now;
	vo.skew = v->pol.skew;
	vo.max_age = v->pol.max_age;
	r = sp_presentation_verify(&out->pres, v->trust, &vo, pres, len);
	if (r == SP_ERR_NOMEM)
		return r;
	if (r != SP_OK) {
		refuse(out, reason_of(r), r);
		return SP_OK;
	}
	sp_presentation_replay_id(out->pres, out->replay_id);
	(void)sp_presentation_offer(out->pres, &out->counter);
	if (opts->offer != 0)
		o = vf_offer_find(v, opts->offer);
	if (binding_check(v, out, opts) && status_check(v, out) &&
	    fresh_check(v, out, o) &&
	    (opts->offer == 0 || offer_check(v, out, o, opts)))
		out->approved = true;
	return SP_OK;
}

void
sp_verdict_clear(struct sp_verdict *vd)
{
	if (vd == NULL)
		return;
	sp_presentation_free(&vd->pres);
	sodium_memzero(vd, sizeof(*vd));
}
