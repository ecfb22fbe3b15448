/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The issuer's status log for one status list, persisted in LMDB
 * (store_lmdb.c is the only file that includes <lmdb.h>). Appends are
 * durable when they return SP_OK (the LMDB transaction is committed and
 * synced). Status indices are handed out at random from the free slots
 * (herd privacy). On open the log is replayed from its events: the chain
 * is recomputed and must equal the stored head, and the status list is
 * rebuilt, so log, head and list always agree.
 *
 * One writer per data directory: an open log holds an exclusive lock
 * (flock on "writer.lock"), so a second open, in any process, fails with
 * SP_ERR_STORAGE; read-only LMDB readers may open concurrently. Not
 * thread-safe.
 *
 * A write that fails changes nothing in memory. After SP_ERR_STORAGE from a
 * write (an I/O error may leave LMDB refusing further transactions, and a
 * failed sync cannot say whether the data reached the disk), close and
 * reopen the log: the replay on open is the truth. SP_ERR_STORAGE_FULL
 * (disk or map full, after one automatic doubling of the map) leaves the
 * log usable once there is room.
 */
#ifndef STADSPAS_REGISTRY_LOG_H
#define STADSPAS_REGISTRY_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "sig.h"
#include "sp_buf.h"
#include "status_list.h"

struct reg_log;

struct reg_log_config {
	uint32_t list_id;
	unsigned bits;		/* 1 or 2 */
	uint32_t capacity;	/* entries in the list */
	size_t map_size;	/* LMDB map size in bytes; 0 = 1 GiB */
};

/*
 * Opens (creating if needed) the log in directory dir (created with mode
 * 0700 if missing). An existing log must have the same list id, bits and
 * capacity (SP_ERR_REG_LIST otherwise). SP_ERR_STORAGE if the replayed
 * chain does not match the stored head, or if another writer has the
 * directory open (log.c holds a lock for as long as the log is open).
 */
int reg_log_open(struct reg_log **out, const char *dir,
    const struct reg_log_config *cfg);
void reg_log_close(struct reg_log **lp);

/* Reserves a random free index (durably). SP_ERR_REG_FULL when none. */
int reg_log_assign(struct reg_log *l, uint32_t *idx);
/* Reserves n random free indices in one durable transaction, for bulk
 * issuance (all or none: SP_ERR_REG_FULL if fewer than n are free). */
int reg_log_assign_batch(struct reg_log *l, uint32_t *idx, size_t n);
/* Number of indices handed out so far. */
uint32_t reg_log_assigned(const struct reg_log *l);

/*
 * Appends one status change and returns its seq. Allowed transitions:
 * VALID->REVOKED, VALID->SUSPENDED, SUSPENDED->VALID (reinstate),
 * SUSPENDED->REVOKED; REVOKED is final and a no-op change is refused
 * (SP_ERR_REG_TRANSITION). The index must have been assigned.
 *
 * Errors: SP_ERR_INVALID_ARG for idx >= capacity, a status other than
 * the three, or time outside 0 .. 4 * UINT32_MAX (what events can hold);
 * SP_ERR_REG_TRANSITION also for SUSPENDED on a 1-bit list;
 * SP_ERR_NOT_FOUND for an index never assigned; SP_ERR_STORAGE(_FULL).
 * On any error nothing was written and the log is unchanged.
 */
int reg_log_append(struct reg_log *l, uint32_t idx, unsigned status,
    uint16_t reason, int64_t time, uint64_t *seq);
/* Appends n changes in one durable transaction (all or none). Each change
 * is checked against the list as the earlier ones leave it (an index may
 * be suspended and reinstated in one batch). reason may be NULL (all 0).
 * n <= REG_MAX_DELTA_EVENTS (else SP_ERR_TOO_LARGE). */
int reg_log_append_batch(struct reg_log *l, const uint32_t *idx,
    const unsigned *status, const uint16_t *reason, size_t n, int64_t time,
    uint64_t *last_seq);

uint64_t reg_log_size(const struct reg_log *l);
void reg_log_head(const struct reg_log *l, uint8_t head[REG_HEAD_LEN]);
/* The current list (borrowed; valid until the next append). */
const struct reg_list *reg_log_list(const struct reg_log *l);

/* Signs a checkpoint at the current size and time now, stores it as the
 * latest, and appends it to out if out is not NULL. SP_ERR_INVALID_ARG if
 * now is older than the latest checkpoint (mirrors would see a rollback). */
int reg_log_checkpoint(struct reg_log *l, const struct sig_priv *k,
    const uint8_t *kid, size_t kid_len, int64_t now, struct sp_buf *out);
/* Time of the latest checkpoint (0 if none) and whether it lags the log. */
int64_t reg_log_checkpoint_time(const struct reg_log *l);
/* True if a checkpoint is due: none yet, the log grew since the last one,
 * or the last is older than interval seconds (now - time >= interval, so
 * a caller ticking every interval checkpoints on every tick). */
int reg_log_checkpoint_due(const struct reg_log *l, int64_t now,
    int64_t interval);
/* The latest checkpoint's signed bytes (borrowed; valid until the next
 * reg_log_checkpoint or close). SP_ERR_NOT_FOUND if there is none. */
int reg_log_checkpoint_latest(const struct reg_log *l, const uint8_t **p,
    size_t *len);

/* A snapshot: a fresh Status List Token signed with k (sub, ttl; iat now,
 * no exp) and the latest checkpoint, which must be at the current size
 * (SP_ERR_INVALID_ARG otherwise: checkpoint first). out is replaced. */
int reg_log_snapshot(struct reg_log *l, const struct sig_priv *k,
    const uint8_t *kid, size_t kid_len, const char *sub, int64_t now,
    uint64_t ttl, struct sp_buf *out);
/* A delta from size from to the latest checkpoint (which must be at the
 * current size). SP_ERR_INVALID_ARG if from is beyond it, SP_ERR_TOO_LARGE
 * for more than REG_MAX_DELTA_EVENTS events. out is replaced. */
int reg_log_delta(struct reg_log *l, uint64_t from, struct sp_buf *out);

/*
 * Read-only: calls fn with every event after seq from, in log order (seq
 * from + 1 .. size). fn returns 0 to go on, 1 to stop, or a negative
 * SP_ERR_* that is returned. SP_ERR_INVALID_ARG if from is beyond the
 * log, SP_ERR_STORAGE for an event that does not decode.
 */
typedef int (*reg_log_event_fn)(void *ctx, const struct reg_event *e);
int reg_log_events(struct reg_log *l, uint64_t from, reg_log_event_fn fn,
    void *ctx);

#endif /* STADSPAS_REGISTRY_LOG_H */
