/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bulk renewal: a durable job that gives every resident a new validity
 * window, in slices of cfg.renewal_slice residents per iss_app_tick(),
 * each slice and the job's progress committed in one transaction, so a
 * restart resumes where the last committed slice ended. A renewed
 * resident's next /wallet/credential (with a fresh enrolment code) issues
 * copies for the new window; nothing is pushed to wallets.
 */
#ifndef STADSPAS_ISSUER_RENEWAL_H
#define STADSPAS_ISSUER_RENEWAL_H

#include <stdint.h>

struct iss_app;
struct iss_call;
struct iss_resp;

/* POST /admin/renewals */
int iss_renewal_create(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
/* GET /admin/renewals/{job} */
int iss_renewal_get(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
/* Advances the running job by one slice, if there is one. */
int iss_renewal_tick(struct iss_app *a, int64_t now);

#endif /* STADSPAS_ISSUER_RENEWAL_H */
