/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A provider's redemption ledger (docs/FORMATS.md "Redemption ledger"):
 * an LMDB environment in a directory, shared safely by several till
 * processes on one machine. Each redemption is one durable write
 * transaction that checks replay and the limit and appends a record to a
 * hash chain; the record holds the holder's whole presentation (with its
 * key-binding signature) and is countersigned by the till's key: the
 * receipt of DESIGN.md. Records are exported as signed batches for
 * settlement (sp_batch_*), resumably.
 *
 * Ownership: struct sp_ledger is opaque; sp_ledger_close(&l) is NULL-safe.
 * The till key passed to sp_ledger_open is borrowed and must outlive the
 * ledger. One struct sp_ledger per process (LMDB: one environment per
 * process), not shared between threads without a lock.
 */
#ifndef STADSPAS_SP_LEDGER_H
#define STADSPAS_SP_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_err.h"
#include "sp_pass.h"
#include "sp_verifier.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sp_ledger;

/*
 * Opens (creating if needed, mode 0700 directory, 0600 files) the ledger
 * in dir for provider_id, countersigning with till_key. A ledger created
 * for another provider or till key is refused (SP_ERR_KEY_MISMATCH). On
 * open the chain's newest record must carry its seq and verify its
 * countersignature (SP_ERR_STORAGE if not).
 */
SP_EXPORT int sp_ledger_open(struct sp_ledger **out, const char *dir,
    const char *provider_id, const struct sp_key *till_key);
SP_EXPORT void sp_ledger_close(struct sp_ledger **lp);

/* What a successful redemption returns. */
struct sp_receipt {
	uint64_t seq;			/* record number, from 1 */
	uint8_t record_hash[32];	/* SHA-256 of the record's bytes */
	uint8_t head[32];		/* chain head after the record */
	uint32_t used;			/* redemptions of this pass, offer and
					 * scope including this one */
	int64_t time;			/* till time recorded */
};

/*
 * Redeems an approved verdict of an offer (vd->offer != 0): in one write
 * transaction, refuses a replay (the same key-binding signature already
 * recorded: vd->reason = SP_R_REPLAYED) and a reached limit (vd->limit >
 * 0 and already vd->limit records for offer, scope and tag:
 * SP_R_LIMIT_REACHED), else appends the countersigned record and commits
 * durably; only then is vd left approved and *out filled. On a storage
 * failure vd becomes SP_R_LEDGER (not approved) and the error is
 * returned (SP_ERR_STORAGE, SP_ERR_STORAGE_FULL). A verdict that is not
 * approved, or without an offer, is SP_ERR_INVALID_ARG.
 */
SP_EXPORT int sp_ledger_redeem(struct sp_ledger *l, struct sp_verdict *vd,
    int64_t now, struct sp_receipt *out);

/* True if replay_id (sp_verdict.replay_id) is recorded: lets a
 * verify-only check say "replayed" too. */
SP_EXPORT bool sp_ledger_seen(struct sp_ledger *l,
    const uint8_t replay_id[32]);
/* Redemptions recorded for offer, scope and tag. */
SP_EXPORT int sp_ledger_used(struct sp_ledger *l, uint64_t offer,
    const char *scope, const uint8_t tag[SP_TAG_LEN], uint32_t *count);

struct sp_ledger_stats {
	uint64_t records;		/* newest seq, 0 if empty */
	uint8_t head[32];		/* chain head (the genesis head if
					 * empty) */
	uint64_t exported;		/* newest seq marked exported */
	int64_t last_time;		/* time of the newest record, 0 */
};
SP_EXPORT int sp_ledger_stats(struct sp_ledger *l,
    struct sp_ledger_stats *out);

/*
 * Walks the whole chain: every record's hash link and countersignature.
 * SP_OK, or SP_ERR_STORAGE with *bad_seq the first record that fails.
 */
SP_EXPORT int sp_ledger_verify(struct sp_ledger *l, uint64_t *bad_seq);

/*
 * Small named state blobs kept in the same environment (the till keeps
 * its sp_verifier_save() blob here, so two processes see one state).
 * name: at most 32 bytes; value at most 16 MiB. _get: malloc'd copy
 * (free with sp_bytes_free), SP_ERR_NOT_FOUND if absent.
 */
SP_EXPORT int sp_ledger_state_put(struct sp_ledger *l, const char *name,
    const uint8_t *value, size_t len);
SP_EXPORT int sp_ledger_state_get(struct sp_ledger *l, const char *name,
    uint8_t **value, size_t *len);

/*
 * Export: a signed batch of the records after `after` (or, with after ==
 * SP_LEDGER_SINCE_MARK, after the newest seq marked exported), at most
 * max records (0: all, capped at 10000). Deterministic: the same records
 * give the same bytes, so an export interrupted before it was marked is
 * simply made again. SP_ERR_NOT_FOUND if there is nothing to export.
 * *first and *last: the seqs it holds. After storing the batch durably,
 * call sp_ledger_export_mark(l, last); marks never go back.
 */
#define SP_LEDGER_SINCE_MARK UINT64_MAX
SP_EXPORT int sp_ledger_export(struct sp_ledger *l, uint64_t after,
    size_t max, uint8_t **out, size_t *len, uint64_t *first,
    uint64_t *last);
SP_EXPORT int sp_ledger_export_mark(struct sp_ledger *l, uint64_t last);

/* ---- Reading a batch (settlement, audits, tests) ---------------------- */

struct sp_batch;

/* A redemption record as a batch carries it (pointers borrowed from the
 * batch). */
struct sp_ledger_record {
	uint64_t seq;
	int64_t time;			/* till clock */
	const char *provider;		/* NUL-terminated */
	uint64_t offer;
	uint64_t amount_cents;
	uint32_t limit;
	const char *scope;		/* "" if none */
	const uint8_t *tag;		/* SP_TAG_LEN bytes, or NULL */
	uint64_t counter;
	const uint8_t *presentation;	/* the holder's CBOR presentation */
	size_t presentation_len;
	const uint8_t *prev;		/* 32 bytes: head before */
	const uint8_t *head;		/* 32 bytes: head after */
	const uint8_t *receipt_sig;	/* the till's countersignature */
	size_t receipt_sig_len;
};

/*
 * Parses a batch strictly and verifies it: the batch signature and every
 * record's countersignature with the till key the batch names (the caller
 * checks that key belongs to the provider, e.g. with
 * sp_verifier_till_key), and the hash chain from the batch's prev head
 * through every record to its final head. Limits: 64 MiB, 10000 records.
 * Does not verify the presentations (settlement does, against the
 * registry at redemption time). Errors: SP_ERR_SIGNATURE, SP_ERR_REG_FORK
 * (a broken link), SP_ERR_REG_GAP (seqs not consecutive), SP_ERR_CBOR_*,
 * SP_ERR_TOO_LARGE, SP_ERR_VERSION.
 */
SP_EXPORT SP_NODISCARD int sp_batch_open(struct sp_batch **out,
    const uint8_t *batch, size_t len);
SP_EXPORT void sp_batch_free(struct sp_batch **bp);
SP_EXPORT const char *sp_batch_provider(const struct sp_batch *b);
/* The till's public COSE_Key (borrowed). */
SP_EXPORT const uint8_t *sp_batch_till_key(const struct sp_batch *b,
    size_t *len);
SP_EXPORT size_t sp_batch_count(const struct sp_batch *b);
/* Head before the first record and after the last (32 bytes each). */
SP_EXPORT const uint8_t *sp_batch_prev(const struct sp_batch *b);
SP_EXPORT const uint8_t *sp_batch_head(const struct sp_batch *b);
SP_EXPORT int sp_batch_record(const struct sp_batch *b, size_t i,
    struct sp_ledger_record *out);

#ifdef __cplusplus
}
#endif

#endif /* STADSPAS_SP_LEDGER_H */
