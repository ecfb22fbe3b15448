/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every pass copy of a resident carries (claims, limit keys and
 * tags, times), shared by wallet issuance and bulk renewal so their
 * copies cannot be told apart. Thread-safe for distinct builders: it
 * only reads the app's configuration and limit secret.
 */
#ifndef STADSPAS_ISSUER_PASSPLAN_H
#define STADSPAS_ISSUER_PASSPLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

struct iss_app;
struct sp_pass_builder;

struct iss_plan {
	struct iss_resident res;
	bool yearly[ISS_MAX_CATEGORIES];	/* category has a yearly offer */
	int64_t iat, nbf, exp;
	int year;				/* of the issue, for age bands */
};

/*
 * Times: iat rounded down to the UTC day (copies and residents issued the
 * same day cannot be told apart by it); a renewal window of the resident
 * that has not ended sets nbf (if later than iat) and exp, else exp = iat
 * + validity.
 */
void iss_plan_times(struct iss_plan *pl, int64_t now, int64_t validity);

/* Sets issuer, times and every claim of pl on b (not status or holder). */
int iss_plan_fill(const struct iss_app *a, struct sp_pass_builder *b,
    const struct iss_plan *pl);

#endif /* STADSPAS_ISSUER_PASSPLAN_H */
