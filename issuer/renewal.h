/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bulk renewal: a durable job that gives every resident a new validity
 * window and signs, for every active resident, one renewed pass copy per
 * holder key of its unexpired copies (same claims, the new window, a
 * fresh random status index each), in slices of at most
 * cfg.renewal_slice residents and about ISS_RENEW_MAX_COPIES copies per
 * iss_app_tick(), signed on cfg.renewal_threads threads; each slice and
 * the job's progress are committed in one transaction, so a restart
 * resumes where the last committed slice ended. Wallets fetch their
 * renewed copies with POST /wallet/refresh.
 */
#ifndef STADSPAS_ISSUER_RENEWAL_H
#define STADSPAS_ISSUER_RENEWAL_H

#include <stdint.h>

#define ISS_RENEW_MAX_COPIES 4096	/* copies signed per slice, about */

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
