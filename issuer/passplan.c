/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The claims and times of a resident's pass copies (passplan.h).
 */
#include "passplan.h"

#include <stdio.h>

#include <sodium.h>

#include "api_int.h"
#include "stadspas/sp_err.h"
#include "stadspas/sp_pass.h"

static int
add_limits(const struct iss_app *a, struct sp_pass_builder *b,
    const struct iss_plan *pl, size_t i)
{
	const char *cat = pl->res.cat[i];
	uint8_t key[SP_TAG_LEN], tag[SP_TAG_LEN];
	char scope[ISS_CATEGORY_MAX + 16];
	int y, y0, y1, r;

	sp_limit_key_derive(key, a->keys.limit_secret, ISS_SECRET_LEN,
	    pl->res.pass_no, cat);
	r = sp_pass_builder_add_limit_key(b, cat, key);
	/* Yearly limits: the tag of every calendar year the pass is valid
	 * in (at most two), so a till needs only that one claim. */
	y0 = iss_year_of(pl->nbf != 0 ? pl->nbf : pl->iat);
	y1 = iss_year_of(pl->exp - 1);
	if (y1 > y0 + 1)
		y1 = y0 + 1;
	for (y = y0; r == SP_OK && pl->yearly[i] && y <= y1; y++) {
		snprintf(scope, sizeof(scope), "%s/%d", cat, y);
		sp_limit_tag_derive(tag, key, sizeof(key), scope);
		r = sp_pass_builder_add_limit_tag(b, scope, tag);
	}
	sodium_memzero(key, sizeof(key));
	sodium_memzero(tag, sizeof(tag));
	return r;
}

int
iss_plan_fill(const struct iss_app *a, struct sp_pass_builder *b,
    const struct iss_plan *pl)
{
	const struct iss_resident *res = &pl->res;
	int age = pl->year - (int)res->birth_year;
	size_t i;
	int r;

	if ((r = sp_pass_builder_set_issuer(b, a->cfg.issuer_name)) != SP_OK ||
	    (r = sp_pass_builder_set_times(b, pl->iat, pl->nbf, pl->exp)) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_PASS_NO, res->pass_no)) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_NAME, res->name)) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_uint(b, SP_CLAIM_BIRTH_YEAR,
	    res->birth_year)) != SP_OK ||
	    (r = sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_12,
	    age < 12)) != SP_OK ||
	    (r = sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18,
	    age < 18)) != SP_OK ||
	    (r = sp_pass_builder_add_bool(b, SP_CLAIM_AGE_OVER_65,
	    age >= 65)) != SP_OK)
		return r;
	if (res->household != 0 &&
	    (r = sp_pass_builder_add_uint(b, SP_CLAIM_HOUSEHOLD_SIZE,
	    res->household)) != SP_OK)
		return r;
	for (i = 0; i < res->n_cat; i++)
		if ((r = sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY,
		    res->cat[i])) != SP_OK)
			return r;
	for (i = 0; i < res->n_cat; i++)
		if ((r = add_limits(a, b, pl, i)) != SP_OK)
			return r;
	return SP_OK;
}

void
iss_plan_times(struct iss_plan *pl, int64_t now, int64_t validity)
{
	pl->iat = now - now % ISS_DAY;
	pl->nbf = 0;
	pl->exp = pl->iat + validity;
	if (pl->res.win_until > now && pl->res.win_until > pl->iat) {
		pl->exp = pl->res.win_until;
		if (pl->res.win_from > pl->iat)
			pl->nbf = pl->res.win_from;
	}
	pl->year = iss_year_of(now);
}
