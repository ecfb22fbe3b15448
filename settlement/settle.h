/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Settlement: the municipality ingests providers' signed ledger batches
 * (sp_ledger.h, docs/FORMATS.md "Redemption ledger"), verifies every
 * record, and pays only for provable redemptions. The engine is a library
 * over its own LMDB environment (<data_dir>/settlement); the issuer
 * daemon and `stadspas admin settle` drive it.
 *
 * Ownership: struct stl is opaque; stl_close(&s) is NULL-safe. Inputs are
 * borrowed for the call. Not thread-safe; one writer process.
 */
#ifndef STADSPAS_SETTLEMENT_SETTLE_H
#define STADSPAS_SETTLEMENT_SETTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_buf.h"
#include "stadspas/sp_pass.h"
#include "stadspas/sp_verifier.h"

/* Why a record is not paid (stable tokens, stl_reason_token). */
enum stl_reason {
	STL_OK = 0,			/* "ok": paid */
	STL_BAD_PRESENTATION = 1,	/* "bad_presentation": malformed, or
					 * the issuer signature or a
					 * disclosure does not verify */
	STL_UNKNOWN_ISSUER_KEY = 2,	/* "unknown_issuer_key": not a pass of
					 * this municipality */
	STL_HOLDER_BINDING = 3,		/* "holder_binding_failed": the
					 * holder's key-binding signature does
					 * not verify (a forged record) */
	STL_TIME = 4,			/* "time_mismatch": the holder-signed
					 * time is not within the skew of the
					 * till's record time, or the pass was
					 * not valid then */
	STL_REVOKED = 5,		/* "revoked": revoked at redemption
					 * time (per the status log) */
	STL_SUSPENDED = 6,		/* "suspended" (idem) */
	STL_WRONG_PROVIDER = 7,		/* "wrong_provider": audience is not
					 * the provider, or the offer is not
					 * honoured by it */
	STL_UNKNOWN_OFFER = 8,		/* "unknown_offer" */
	STL_OFFER_MISMATCH = 9,		/* "offer_mismatch": the key binding
					 * names another offer, amount differs
					 * from the catalogue, scope or tag do
					 * not match the presentation */
	STL_NOT_ELIGIBLE = 10,		/* "not_eligible" */
	STL_REPLAYED = 11,		/* "replayed": the same key-binding
					 * signature in an earlier record (any
					 * provider) */
	STL_OVER_LIMIT = 12,		/* "over_limit": beyond the limit for
					 * its offer, scope and tag across
					 * tills; evidence names the records
					 * counted before it */
	STL_COUNTER_REUSE = 13,		/* "counter_reuse": same offer, tag
					 * and per-offer counter as another
					 * record: a cloned wallet */
};
#define STL_REASON_COUNT 14
const char *stl_reason_token(int reason);

/* Why a whole batch is refused (stl_import returns it; nothing stored). */
enum stl_batch_error {
	STL_BATCH_OK = 0,
	STL_BATCH_MALFORMED = 1,	/* sp_batch_open failed: signature,
					 * internal chain, CBOR */
	STL_BATCH_UNKNOWN_TILL = 2,	/* the till key is not registered for
					 * the batch's provider */
	STL_BATCH_GAP = 3,		/* first new seq is not last + 1, or
					 * the prev head is not the stored
					 * head: records missing */
	STL_BATCH_FORK = 4,		/* a record at an already ingested seq
					 * differs: history rewritten */
};
const char *stl_batch_error_token(int e);

/* Status history of the issuer's status list, from its events. */
struct stl_history;
int stl_history_new(struct stl_history **out);
void stl_history_free(struct stl_history **hp);
/* Adds events in log order (seq ascending, from 0 or the next seq). */
int stl_history_add(struct stl_history *h, uint32_t idx, unsigned status,
    int64_t time);
/* Status (SP_STATUS_*) of idx at time t: the last event at or before t. */
unsigned stl_history_status(const struct stl_history *h, uint32_t idx,
    int64_t t);

/* What the engine checks against (all borrowed for the call). */
struct stl_context {
	const struct sp_verifier *v;	/* trust list + catalogue: issuer
					 * keys, offers, providers' till
					 * keys */
	const struct stl_history *history;
	uint32_t list_id;		/* the issuer's status list (1) */
	uint32_t skew;			/* s, record time vs holder time */
	int64_t now;			/* import time */
};

struct stl;
/* Opens (creating, 0700/0600) the settlement store in dir. */
int stl_open(struct stl **out, const char *dir);
void stl_close(struct stl **sp);

struct stl_import_result {
	int batch_error;		/* enum stl_batch_error */
	char detail[160];		/* evidence for a batch error: seq,
					 * expected and found heads (hex) */
	size_t records;			/* records in the batch */
	size_t new_records;		/* not ingested before */
	size_t paid, rejected;		/* of the new records */
	uint64_t paid_cents;
};

/*
 * Ingests one batch: sp_batch_open, the till key registered for the
 * provider (sp_verifier_till_key), continuity with the batch last ingested
 * from that till (records already ingested must be byte-identical: else
 * STL_BATCH_FORK; the first new one must follow: else STL_BATCH_GAP),
 * then every new record is verified and stored with its reason, the
 * cross-till limit and counter checks run, all in one durable
 * transaction. Re-importing a batch changes nothing (new_records 0).
 * Limits count in ingestion order (a record is over the limit when its
 * group already holds `limit` paid records ingested before it), so a
 * reported payment never flips; counters are compared per pass copy, so
 * two phones with copies of one pass are not a clone (docs/FORMATS.md
 * §11). Returns SP_OK with *res filled (a refused batch is SP_OK with
 * batch_error set and nothing stored); an error for storage or memory
 * failures.
 */
int stl_import(struct stl *s, const struct stl_context *ctx,
    const uint8_t *batch, size_t len, struct stl_import_result *res);

/*
 * Reimbursement report for provider (NULL: all) over record times
 * [from, to): per provider the paid count and amount, and every record
 * with seq, till (first 8 hex of its key fingerprint), time, offer,
 * amount, reason token, and for replayed/over_limit/counter_reuse the
 * records it collides with (docs/FORMATS.md §11.3 for the columns). No names or addresses, no disclosed claims: per-resident
 * detail (the presentation) only through stl_evidence for flagged
 * records. Appends CSV (csv true) or JSON to out.
 */
int stl_report(struct stl *s, const char *provider, int64_t from,
    int64_t to, bool csv, struct sp_buf *out);

/* The stored presentation of a flagged record (over_limit,
 * counter_reuse), for the municipality's investigation; SP_ERR_NOT_FOUND
 * for records that are not flagged. */
int stl_evidence(struct stl *s, const char *till8, uint64_t seq,
    struct sp_buf *out);

#endif /* STADSPAS_SETTLEMENT_SETTLE_H */
