/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-record checks of settlement (verify.h). The presentation is
 * verified as the till saw it: at the till's record time, with the
 * context's skew as both skew and maximum age (the till recorded within
 * its own window), and its status is looked up at the holder-signed time
 * in the status history, so a revocation after the redemption does not
 * cancel a payment and one before it does. The offer is read from the
 * verifier's catalogue (verifier_int.h) for the record's provider, not
 * the verifier's own, and judged by the verifier's own eligibility rule
 * (vf_claims_eligible).
 */
#include "verify.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "hash.h"
#include "stadspas/sp_registry.h"
#include "verifier_int.h"

/* sp_presentation_verify's errors as settlement reasons. */
static int
reason_of(int err)
{
	switch (err) {
	case SP_ERR_UNKNOWN_KID:
		return STL_UNKNOWN_ISSUER_KEY;
	case SP_ERR_HOLDER_BINDING:
		return STL_HOLDER_BINDING;
	case SP_ERR_EXPIRED:
	case SP_ERR_NOT_YET_VALID:
	case SP_ERR_STALE:
	case SP_ERR_FUTURE:
		return STL_TIME;
	case SP_ERR_AUDIENCE:
		return STL_WRONG_PROVIDER;
	default:	/* CBOR, COSE, issuer signature, disclosures */
		return STL_BAD_PRESENTATION;
	}
}

static void
copy_record(struct stl_rec *r, const struct sp_ledger_record *lr)
{
	r->id.seq = lr->seq;
	r->time = lr->time;
	(void)snprintf(r->provider, sizeof(r->provider), "%s", lr->provider);
	r->offer = lr->offer;
	r->amount = lr->amount_cents;
	(void)snprintf(r->scope, sizeof(r->scope), "%s", lr->scope);
	r->has_tag = lr->tag != NULL;
	if (r->has_tag)
		memcpy(r->tag, lr->tag, SP_TAG_LEN);
	r->counter = lr->counter;
	r->limit = lr->limit;
	memcpy(r->head, lr->head, sizeof(r->head));
	r->pres = lr->presentation;
	r->pres_len = lr->presentation_len;
}

/* Status of the pass copy when the holder signed. */
static int
status_reason(const struct stl_context *ctx, const struct sp_presentation *p)
{
	uint32_t list, idx;
	unsigned st;

	sp_presentation_status(p, &list, &idx);
	if (list != ctx->list_id)
		return STL_BAD_PRESENTATION;
	st = stl_history_status(ctx->history, idx, sp_presentation_time(p));
	if (st == SP_STATUS_SUSPENDED)
		return STL_SUSPENDED;
	return st == SP_STATUS_VALID ? STL_OK : STL_REVOKED;
}

/* The audience the holder signed must be the record's provider. */
static bool
audience_is(const struct sp_presentation *p, const char *provider)
{
	size_t n;
	const char *aud = sp_presentation_audience(p, &n);

	return aud != NULL && n == strlen(provider) &&
	    memcmp(aud, provider, n) == 0;
}

/* Scope of the record time and the pass's tag for it, against the
 * record's. */
static int
limit_reason(const struct sp_presentation *p, const struct offers_offer *o,
    const struct sp_ledger_record *lr)
{
	char scope[SP_SCOPE_MAX];
	uint8_t tag[SP_TAG_LEN];

	if (o->count == 0)
		return lr->limit == 0 && lr->scope[0] == '\0' ? STL_OK :
		    STL_OFFER_MISMATCH;
	if (sp_limit_scope(scope, o->category, (enum sp_period)o->period,
	    lr->time) != SP_OK)
		return STL_OFFER_MISMATCH;
	if (sp_presentation_limit_tag(p, scope, tag) != SP_OK)
		return STL_NOT_ELIGIBLE;
	if (lr->limit != o->count || strcmp(scope, lr->scope) != 0 ||
	    lr->tag == NULL || sodium_memcmp(tag, lr->tag, SP_TAG_LEN) != 0)
		return STL_OFFER_MISMATCH;
	return STL_OK;
}

static int
offer_reason(const struct stl_context *ctx, const struct sp_presentation *p,
    const struct sp_ledger_record *lr)
{
	const struct offers_offer *o;
	uint64_t counter;

	if (!audience_is(p, lr->provider))
		return STL_WRONG_PROVIDER;
	if (sp_presentation_offer(p, &counter) != lr->offer ||
	    counter != lr->counter)
		return STL_OFFER_MISMATCH;
	if ((o = vf_offer_find(ctx->v, lr->offer)) == NULL)
		return STL_UNKNOWN_OFFER;
	if (!offers_honoured(o, lr->provider))
		return STL_WRONG_PROVIDER;
	if (lr->amount_cents != o->amount)
		return STL_OFFER_MISMATCH;
	if (!vf_claims_eligible(p, o))
		return STL_NOT_ELIGIBLE;
	return limit_reason(p, o, lr);
}

/*
 * Which copy of a pass made the record, for the counter check: copies on
 * two phones have their own counters (and status indexes) but share
 * tags; a cloned wallet shares both. Derived from the tag, so the id
 * links no more than the tag does (one category and period).
 */
static int
copy_id(struct stl_rec *r, const struct sp_presentation *p)
{
	static const char label[] = "stadspas settlement copy v1";
	uint8_t h[32], be[4];
	uint32_t list, idx;
	struct sp_iov v[3];
	int e;

	sp_presentation_status(p, &list, &idx);
	be[0] = (uint8_t)(idx >> 24);
	be[1] = (uint8_t)(idx >> 16);
	be[2] = (uint8_t)(idx >> 8);
	be[3] = (uint8_t)idx;
	v[0] = (struct sp_iov){ .p = label, .len = sizeof(label) };
	v[1] = (struct sp_iov){ .p = r->tag, .len = SP_TAG_LEN };
	v[2] = (struct sp_iov){ .p = be, .len = sizeof(be) };
	if ((e = sp_sha256_v(h, v, 3)) == SP_OK)
		memcpy(r->copy, h, STL_COPY_LEN);
	return e;
}

int
stl_check_record(const struct stl_context *ctx,
    const struct sp_ledger_record *lr, struct stl_rec *r)
{
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	struct sp_presentation *p = NULL;
	int e;

	copy_record(r, lr);
	/* A till clock ahead of the import is not a redemption yet. */
	if (lr->time > ctx->now + (int64_t)ctx->skew) {
		r->reason = STL_TIME;
		return SP_OK;
	}
	vo.now = lr->time;
	vo.skew = ctx->skew;
	vo.max_age = ctx->skew;
	e = sp_presentation_verify(&p, sp_verifier_trust(ctx->v), &vo,
	    lr->presentation, lr->presentation_len);
	if (e == SP_ERR_NOMEM)
		return e;
	if (e != SP_OK) {
		r->reason = reason_of(e);
		return SP_OK;
	}
	sp_presentation_replay_id(p, r->replay_id);
	r->has_replay = true;
	if ((r->reason = status_reason(ctx, p)) == STL_OK)
		r->reason = offer_reason(ctx, p, lr);
	if (r->reason == STL_OK && r->has_tag && (e = copy_id(r, p)) != SP_OK)
		r->reason = STL_BAD_PRESENTATION;
	sp_presentation_free(&p);
	return SP_OK;
}
