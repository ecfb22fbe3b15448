/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal entry points of the ledger for its tests and benchmark: open
 * with a chosen map size, raw writes that bypass every check (to
 * simulate corruption), counters the public API does not need.
 */
#ifndef STADSPAS_LEDGER_LEDGER_INT_H
#define STADSPAS_LEDGER_LEDGER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "stadspas/sp_ledger.h"
#include "store.h"

/* sp_ledger_open with an LMDB map of mapsize bytes (0: 1 GiB). */
int ledger_open_mapsize(struct sp_ledger **out, const char *dir,
    const char *provider_id, const struct sp_key *till_key,
    size_t mapsize);
/* Overwrites key in db (enum ldb) with val in one durable commit. */
int ledger_raw_put(struct sp_ledger *l, unsigned db, const void *key,
    size_t klen, const void *val, size_t vlen);
/* Reads the stored entry of record seq (malloc'd copy). */
int ledger_raw_entry(struct sp_ledger *l, uint64_t seq, uint8_t **val,
    size_t *len);
/* Number of entries in db. */
uint64_t ledger_count(struct sp_ledger *l, unsigned db);

#endif /* STADSPAS_LEDGER_LEDGER_INT_H */
