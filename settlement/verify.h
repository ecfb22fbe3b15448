/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One ledger record checked on its own (no other record involved): the
 * presentation at the holder-signed time, its status then, and the offer
 * as the catalogue states it for the record's provider.
 */
#ifndef STADSPAS_SETTLEMENT_VERIFY_H
#define STADSPAS_SETTLEMENT_VERIFY_H

#include "records.h"
#include "settle.h"
#include "stadspas/sp_ledger.h"

/*
 * Fills r from lr (seq, time, provider, offer, amount, scope, tag,
 * counter, head) and sets r->reason to the first check that fails (or
 * STL_OK), r->has_replay and r->replay_id when the presentation verified.
 * r->id.fp must be set by the caller. SP_OK, or SP_ERR_NOMEM.
 */
int stl_check_record(const struct stl_context *ctx,
    const struct sp_ledger_record *lr, struct stl_rec *r);

#endif /* STADSPAS_SETTLEMENT_VERIFY_H */
