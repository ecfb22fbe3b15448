/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the offers catalogue. The input goes to the strict payload
 * reader directly (core/offers.c, no signature in the way) and, as a
 * signed catalogue, to a verifier trusting the fixture's keys. Never
 * crashes; whatever is accepted keeps the §6.1 invariants (ascending
 * ids, texts in bounds, limits in range, usable till keys).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offers.h"
#include "till_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sp_verifier *ver;

static void
invariants(const struct offers_cat *c)
{
	size_t i, j;

	if (c->version == 0 || c->n_offers > OFFERS_MAX_OFFERS ||
	    c->n_providers > OFFERS_MAX_PROVIDERS)
		abort();
	for (i = 0; i < c->n_offers; i++) {
		const struct offers_offer *o = &c->offers[i];

		if (o->id == 0 || (i > 0 && o->id <= c->offers[i - 1].id) ||
		    strlen(o->title) == 0 || strlen(o->category) == 0 ||
		    o->count > OFFERS_COUNT_MAX || o->n_req > OFFERS_MAX_REQ ||
		    o->amount > OFFERS_AMOUNT_MAX || o->n_prov == 0 ||
		    (o->count > 0) != (o->period != OFFERS_PERIOD_NONE) ||
		    offers_find(c, o->id) != o)
			abort();
		for (j = 1; j < o->n_prov; j++)
			if (o->prov[j] <= o->prov[j - 1])
				abort();
	}
	for (i = 0; i < c->n_providers; i++) {
		const struct offers_provider *p = &c->providers[i];
		struct sp_trust *t = NULL;

		if (offers_provider(c, p->id) != p ||
		    p->n_keys > OFFERS_MAX_KEYS)
			abort();
		if (sp_trust_new(&t) != SP_OK)
			abort();
		for (j = 0; j < p->n_keys; j++)
			if (sp_trust_add_cose_key(t, p->keys[j].ptr,
			    p->keys[j].len) != SP_OK)
				abort();
		sp_trust_free(&t);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct offers_cat c;
	struct sp_offer_info oi;
	struct tf fix;
	size_t i;

	if (ver == NULL) {
		tf_init(&fix);
		ver = tf_verifier(&fix, false, false);	/* kept */
		tf_clear(&fix);
	}
	if (offers_decode(&c, data, size) == SP_OK)
		invariants(&c);
	offers_clear(&c);
	if (size > 0 && sp_verifier_catalogue(ver, data, size) == SP_OK) {
		for (i = 0; sp_verifier_offer_at(ver, i, &oi) == SP_OK; i++)
			if (oi.title == NULL || oi.category == NULL ||
			    (oi.limit == 0) != (oi.period == SP_PERIOD_NONE))
				abort();
	}
	return 0;
}
