/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A till's mirror of a municipality's revocation registry (sans-IO: the
 * caller fetches snapshot and delta files however it likes, from the
 * issuer daemon, a CDN or a USB stick; signatures make every mirror
 * untrusted). docs/FORMATS.md, "Registry", specifies the files.
 *
 * One struct sp_reg_mirror per status list. Not thread-safe: guard a
 * mirror with a lock if threads share it; status lookups are read-only and
 * may run concurrently with each other.
 */
#ifndef STADSPAS_SP_REGISTRY_H
#define STADSPAS_SP_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "sp_err.h"
#include "sp_pass.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Status values (IETF Token Status List). */
#define SP_STATUS_VALID 0
#define SP_STATUS_REVOKED 1
#define SP_STATUS_SUSPENDED 2

struct sp_reg_mirror;

/* An empty mirror for status list list_id, trusting the issuer keys in t
 * (borrowed: t must outlive the mirror). */
SP_EXPORT int sp_reg_mirror_new(struct sp_reg_mirror **out, uint32_t list_id,
    const struct sp_trust *t);
SP_EXPORT void sp_reg_mirror_free(struct sp_reg_mirror **mp);

/*
 * Replaces the mirror's state with a verified snapshot (a signed Status
 * List Token and a signed checkpoint whose digest matches it). Refuses a
 * snapshot older than the state it would replace (SP_ERR_REG_ROLLBACK).
 */
SP_EXPORT SP_NODISCARD int sp_reg_mirror_bootstrap(struct sp_reg_mirror *m,
    const uint8_t *snapshot, size_t len);

/*
 * Applies a delta: only if it starts at the mirror's size, its events
 * follow in order and chain onto the mirror's head to the head of its
 * signed checkpoint, and the resulting list matches the checkpoint's
 * digest. All or nothing. Errors: SP_ERR_REG_GAP, _REORDER, _DUPLICATE,
 * _FORK, _ROLLBACK, _DIGEST, _LIST, SP_ERR_SIGNATURE, SP_ERR_UNKNOWN_KID,
 * SP_ERR_TOO_LARGE, SP_ERR_CBOR_*, SP_ERR_REG_NOT_READY.
 */
SP_EXPORT SP_NODISCARD int sp_reg_mirror_apply(struct sp_reg_mirror *m,
    const uint8_t *delta, size_t len);

/* Status of index idx: SP_OK and *status, SP_ERR_NOT_FOUND past the end,
 * SP_ERR_REG_NOT_READY before the first snapshot. */
SP_EXPORT int sp_reg_mirror_status(const struct sp_reg_mirror *m,
    uint32_t idx, unsigned *status);

/* Log size, and the time of the newest verified checkpoint (0 if none):
 * the registry's age is now minus that time. */
SP_EXPORT uint64_t sp_reg_mirror_size(const struct sp_reg_mirror *m);
SP_EXPORT int64_t sp_reg_mirror_checkpoint_time(
    const struct sp_reg_mirror *m);
SP_EXPORT int64_t sp_reg_mirror_age(const struct sp_reg_mirror *m,
    int64_t now);

/* The packed status list as the mirror holds it (borrowed until the next
 * call that changes m), for comparison and diagnostics. */
SP_EXPORT const uint8_t *sp_reg_mirror_list(const struct sp_reg_mirror *m,
    size_t *len);

/* Saves the state (list + checkpoint) to a malloc'd blob (free with
 * sp_bytes_free), and loads it back, re-verifying the checkpoint's
 * signature and digest. */
SP_EXPORT int sp_reg_mirror_save(const struct sp_reg_mirror *m,
    uint8_t **out, size_t *len);
SP_EXPORT SP_NODISCARD int sp_reg_mirror_load(struct sp_reg_mirror *m,
    const uint8_t *state, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* STADSPAS_SP_REGISTRY_H */
