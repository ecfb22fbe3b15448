/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Settlement in the daemon (settlement/settle.h; docs/HTTP_API.md,
 * "Settlement"): providers upload their tills' signed ledger batches, the
 * municipality imports batches brought on a stick, reads the
 * reimbursement report and, for flagged records only, the evidence.
 *
 * The engine checks against the daemon's own view: a verifier pinned to
 * version 1 of the daemon's trust list and holding the latest published
 * catalogue (rebuilt when either version changes), and the status history
 * built from the status log (caught up with new events before each
 * import). The store is <data_dir>/settlement.
 */
#ifndef STADSPAS_ISSUER_SETTLE_API_H
#define STADSPAS_ISSUER_SETTLE_API_H

#include <stddef.h>
#include <stdint.h>

#define ISS_SETTLE_SKEW 300		/* s, record time vs holder time */
#define ISS_SETTLE_PROVIDER "settlement"	/* the verifier's audience */

struct stl;
struct stl_history;
struct sp_verifier;

struct iss_settle {
	struct stl *stl;
	struct sp_verifier *v;		/* NULL until the first import */
	uint64_t trust_version;		/* what v was built from */
	uint64_t cat_version;		/* 0: none */
	struct stl_history *hist;
	uint64_t hist_size;		/* status log events in hist */
};

struct iss_app;
struct iss_call;
struct iss_resp;

/* Opens <data_dir>/settlement. */
int iss_settle_open(struct iss_settle *s, const char *data_dir);
void iss_settle_close(struct iss_settle *s);

/* POST /settlement/batches (no token: the batch signature) */
int iss_settle_upload(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
/* POST /admin/settlement/import */
int iss_settle_import(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
/* GET /admin/settlement/report */
int iss_settle_report(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
/* GET /admin/settlement/evidence/{till8}/{seq} */
int iss_settle_evidence(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);

#endif /* STADSPAS_ISSUER_SETTLE_API_H */
