/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The municipality's signed offers catalogue (docs/FORMATS.md "Offers
 * catalogue", the body of GET /registry/offers), read by the wallet: the
 * signature checked with a trusted issuer key, the payload decoded
 * strictly, and each offer turned into the struct sp_wallet_offer that
 * sp_wallet_present takes.
 */
#include "wallet_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "offers.h"

/* The claim names the wallet asks for, per offer (the category claim is
 * the offer's category and not listed). */
struct cat_names {
	const char *names[OFFERS_MAX_REQ];
	size_t n;
};

struct sp_wallet_catalogue {
	uint8_t *raw;			/* the signed bytes; cat borrows */
	size_t raw_len;
	struct offers_cat cat;		/* core/offers.c, strict */
	struct cat_names *names;	/* one per offer */
};

static int
names_fill(struct sp_wallet_catalogue *c)
{
	size_t i, j;

	if (c->cat.n_offers > 0 && (c->names = calloc(c->cat.n_offers,
	    sizeof(*c->names))) == NULL)
		return SP_ERR_NOMEM;
	for (i = 0; i < c->cat.n_offers; i++) {
		const struct offers_offer *o = &c->cat.offers[i];

		for (j = 0; j < o->n_req; j++)
			if (o->req[j] != SP_CLAIM_CATEGORY)
				c->names[i].names[c->names[i].n++] =
				    sp_claim_name(o->req[j]);
	}
	return SP_OK;
}

int
sp_wallet_catalogue_new(struct sp_wallet_catalogue **out, const uint8_t *buf,
    size_t len, const uint8_t *trust, size_t trust_len)
{
	struct sp_wallet_catalogue *c = NULL;
	struct sp_trust *t = NULL;
	int r;

	if (out == NULL || buf == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	if (len > OFFERS_MAX_LEN)
		return SP_ERR_TOO_LARGE;
	if ((r = wal_trust_build(&t, trust, trust_len)) != SP_OK)
		return r;
	r = SP_ERR_NOMEM;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->raw = malloc(len)) == NULL)
		goto fail;
	memcpy(c->raw, buf, len);
	c->raw_len = len;
	if ((r = offers_open(&c->cat, t, c->raw, c->raw_len)) != SP_OK ||
	    (r = names_fill(c)) != SP_OK)
		goto fail;
	*out = c;
	c = NULL;
fail:
	sp_wallet_catalogue_free(&c);
	sp_trust_free(&t);
	return r;
}

void
sp_wallet_catalogue_free(struct sp_wallet_catalogue **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	offers_clear(&(*cp)->cat);
	free((*cp)->names);
	free((*cp)->raw);
	free(*cp);
	*cp = NULL;
}

uint64_t
sp_wallet_catalogue_version(const struct sp_wallet_catalogue *c)
{
	return c != NULL ? c->cat.version : 0;
}

int
sp_wallet_catalogue_offer(const struct sp_wallet_catalogue *c,
    struct sp_wallet_offer *offer, uint64_t offer_id)
{
	const struct offers_offer *o;
	const struct cat_names *nm;

	if (c == NULL || offer == NULL)
		return SP_ERR_INVALID_ARG;
	if ((o = offers_find(&c->cat, offer_id)) == NULL)
		return SP_ERR_NOT_FOUND;
	nm = &c->names[o - c->cat.offers];
	memset(offer, 0, sizeof(*offer));
	offer->id = o->id;
	offer->category = o->category;
	offer->claims = nm->n > 0 ? nm->names : NULL;
	offer->claim_count = nm->n;
	/* enum sp_wallet_period has offers.h's numbers. */
	offer->limit_period = o->count > 0 ? o->period : SP_WALLET_PERIOD_NONE;
	return SP_OK;
}

int
sp_wallet_catalogue_json(const struct sp_wallet_catalogue *c, char **json)
{
	json_t *root, *offers, *provs;
	char id[24];
	size_t i, j;
	char *s;

	if (c == NULL || json == NULL)
		return SP_ERR_INVALID_ARG;
	offers = json_array();
	provs = json_array();
	for (i = 0; i < c->cat.n_offers; i++) {
		const struct offers_offer *o = &c->cat.offers[i];
		json_t *req = json_array(), *pa = json_array(), *lim;

		for (j = 0; j < o->n_req; j++)
			json_array_append_new(req,
			    json_string(sp_claim_name(o->req[j])));
		for (j = 0; j < o->n_prov; j++) {
			snprintf(id, sizeof(id), "p%llu",
			    (unsigned long long)o->prov[j]);
			json_array_append_new(pa, json_string(id));
		}
		lim = o->count == 0 ? json_null() : json_pack("{s:i, s:s}",
		    "count", (int)o->count, "period",
		    o->period == SP_WALLET_PERIOD_YEAR ? "year" :
		    o->period == SP_WALLET_PERIOD_MONTH ? "month" :
		    o->period == SP_WALLET_PERIOD_WEEK ? "week" : "day");
		json_array_append_new(offers, json_pack("{s:I, s:s, s:s, s:o, "
		    "s:o, s:I, s:o}", "id", (json_int_t)o->id, "title", o->title,
		    "category", o->category, "claims", req, "limit", lim,
		    "amount_cents", (json_int_t)o->amount, "providers", pa));
	}
	for (i = 0; i < c->cat.n_providers; i++)
		json_array_append_new(provs, json_pack("{s:s, s:s}", "id",
		    c->cat.providers[i].id, "name", c->cat.providers[i].name));
	root = json_pack("{s:I, s:I, s:o, s:o}", "version",
	    (json_int_t)c->cat.version, "issued", (json_int_t)c->cat.issued,
	    "offers",
	    offers, "providers", provs);
	if (root == NULL || (s = json_dumps(root, JSON_COMPACT)) == NULL) {
		json_decref(root);
		return SP_ERR_NOMEM;
	}
	json_decref(root);
	*json = s;
	return SP_OK;
}
