/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The offers catalogue as the verifier holds it (sp_verifier.h): accept a
 * newer signed catalogue, refuse a rollback or a second catalogue of the
 * same version, and answer offer and till-key lookups.
 */
#include "verifier_int.h"

#include <stdlib.h>
#include <string.h>

int
sp_verifier_catalogue(struct sp_verifier *v, const uint8_t *catalogue,
    size_t len)
{
	struct sp_buf raw;
	struct offers_cat c;
	int r;

	if (v == NULL || catalogue == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	if (len > OFFERS_MAX_LEN)
		return SP_ERR_TOO_LARGE;
	sp_buf_init(&raw);
	if ((r = sp_buf_set(&raw, catalogue, len)) != SP_OK)
		return r;
	if ((r = offers_open(&c, v->trust, raw.ptr, raw.len)) != SP_OK)
		goto fail;
	if (v->has_cat && c.version < v->cat.version) {
		r = SP_ERR_REG_ROLLBACK;
		goto fail;
	}
	if (v->has_cat && c.version == v->cat.version) {
		if (len != v->cat_raw.len ||
		    memcmp(catalogue, v->cat_raw.ptr, len) != 0)
			r = SP_ERR_REG_FORK;
		goto fail;	/* the same one: nothing changes */
	}
	offers_clear(&v->cat);
	sp_buf_clear(&v->cat_raw);
	v->cat = c;
	v->cat_raw = raw;
	v->has_cat = true;
	return SP_OK;
fail:
	offers_clear(&c);
	sp_buf_clear(&raw);
	return r;
}

uint64_t
sp_verifier_catalogue_version(const struct sp_verifier *v)
{
	return v != NULL && v->has_cat ? v->cat.version : 0;
}

int64_t
sp_verifier_catalogue_issued(const struct sp_verifier *v)
{
	return v != NULL && v->has_cat ? v->cat.issued : 0;
}

static void
info_fill(const struct sp_verifier *v, const struct offers_offer *o,
    struct sp_offer_info *out)
{
	memset(out, 0, sizeof(*out));
	out->id = o->id;
	out->title = o->title;
	out->category = o->category;
	out->amount_cents = o->amount;
	out->period = o->count > 0 ? (enum sp_period)o->period :
	    SP_PERIOD_NONE;
	out->limit = o->count;
	out->here = offers_honoured(o, v->provider);
}

const struct offers_offer *
vf_offer_find(const struct sp_verifier *v, uint64_t id)
{
	return v->has_cat ? offers_find(&v->cat, id) : NULL;
}

int
sp_verifier_offer(const struct sp_verifier *v, uint64_t id,
    struct sp_offer_info *out)
{
	const struct offers_offer *o;

	if (v == NULL || out == NULL)
		return SP_ERR_INVALID_ARG;
	if ((o = vf_offer_find(v, id)) == NULL)
		return SP_ERR_NOT_FOUND;
	info_fill(v, o, out);
	return SP_OK;
}

int
sp_verifier_offer_at(const struct sp_verifier *v, size_t i,
    struct sp_offer_info *out)
{
	if (v == NULL || out == NULL)
		return SP_ERR_INVALID_ARG;
	if (!v->has_cat || i >= v->cat.n_offers)
		return SP_ERR_NOT_FOUND;
	info_fill(v, &v->cat.offers[i], out);
	return SP_OK;
}

int
sp_verifier_till_key(const struct sp_verifier *v, const char *provider_id,
    size_t i, const uint8_t **cose_key, size_t *len)
{
	const struct offers_provider *p;

	if (v == NULL || provider_id == NULL || cose_key == NULL ||
	    len == NULL)
		return SP_ERR_INVALID_ARG;
	if (!v->has_cat || (p = offers_provider(&v->cat, provider_id)) ==
	    NULL || i >= p->n_keys)
		return SP_ERR_NOT_FOUND;
	*cose_key = p->keys[i].ptr;
	*len = p->keys[i].len;
	return SP_OK;
}
