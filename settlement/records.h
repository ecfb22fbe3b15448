/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What settlement keeps (docs/FORMATS.md §11), over registry/store_lmdb.h:
 * per till its newest seq and chain head; per record its settlement facts
 * (never a claim, and the presentation only for flagged records); and the
 * indexes for replay, per-offer counters and limit groups. Values are
 * versioned deterministic CBOR, read back with limits.
 */
#ifndef STADSPAS_SETTLEMENT_RECORDS_H
#define STADSPAS_SETTLEMENT_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_buf.h"
#include "stadspas/sp_verifier.h"
#include "store_lmdb.h"

#define STL_FP_LEN 32
#define STL_REF_LEN (STL_FP_LEN + 8)	/* till fingerprint || be64 seq */
#define STL_PROVIDER_MAX 64
#define STL_EVIDENCE_MAX 16		/* records named in one evidence */
#define STL_PRES_MAX 8192
#define STL_COPY_LEN 8

enum stl_db {
	STL_DB_TILLS,		/* fp -> [1, provider, last seq, head] */
	STL_DB_RECS,		/* fp || be64 seq -> record */
	STL_DB_REPLAY,		/* replay id -> ref */
	STL_DB_COUNTERS,	/* be64 offer || tag || copy || be64 counter
				 * -> ref */
	STL_DB_GROUPS,		/* be64 offer || tag || scope -> group */
	STL_DB_COUNT,
};

/* A record named by its till and seq. */
struct stl_ref {
	uint8_t fp[STL_FP_LEN];
	uint64_t seq;
};

struct stl_till {
	char provider[STL_PROVIDER_MAX + 1];
	uint64_t last;
	uint8_t head[32];
};

/* One settled record. pres borrows from the buffer it was decoded from
 * (or from the batch while importing). */
struct stl_rec {
	struct stl_ref id;
	int64_t time;
	char provider[STL_PROVIDER_MAX + 1];
	uint64_t offer;
	uint64_t amount;
	char scope[SP_SCOPE_MAX];
	bool has_tag;
	uint8_t tag[SP_TAG_LEN];
	uint64_t counter;
	uint32_t limit;			/* not stored */
	uint8_t copy[STL_COPY_LEN];	/* not stored: the pass copy, when
					 * it verified with a tag */
	bool has_replay;		/* the presentation verified */
	uint8_t replay_id[32];
	int reason;			/* enum stl_reason */
	uint8_t head[32];		/* chain head after the record */
	size_t n_ev;
	struct stl_ref ev[STL_EVIDENCE_MAX];
	const uint8_t *pres;		/* flagged records only, else NULL */
	size_t pres_len;
};

/* A limit group: how many paid records it holds, the first of them. */
struct stl_group {
	uint32_t count;
	size_t n;
	struct stl_ref refs[STL_EVIDENCE_MAX];
};

int stl_store_open(struct reg_db *db, const char *dir);

bool stl_till_get(struct reg_txn *t, const uint8_t fp[STL_FP_LEN],
    struct stl_till *out);
void stl_till_put(struct reg_txn *t, const uint8_t fp[STL_FP_LEN],
    const struct stl_till *tl);

void stl_rec_put(struct reg_txn *t, const struct stl_rec *r);
/* raw keeps the bytes r->pres borrows from. */
bool stl_rec_get(struct reg_txn *t, const struct stl_ref *id,
    struct stl_rec *r, struct sp_buf *raw);
int stl_rec_decode(struct stl_rec *r, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen);

bool stl_replay_get(struct reg_txn *t, const uint8_t id[32],
    struct stl_ref *out);
void stl_replay_put(struct reg_txn *t, const uint8_t id[32],
    const struct stl_ref *ref);

/* The first record of a pass copy's counter value for an offer (the
 * record's tag, copy id and counter). */
bool stl_counter_get(struct reg_txn *t, const struct stl_rec *r,
    struct stl_ref *out);
void stl_counter_put(struct reg_txn *t, const struct stl_rec *r);

/* A missing group reads as empty. */
void stl_group_get(struct reg_txn *t, uint64_t offer, const char *scope,
    const uint8_t tag[SP_TAG_LEN], struct stl_group *out);
void stl_group_put(struct reg_txn *t, uint64_t offer, const char *scope,
    const uint8_t tag[SP_TAG_LEN], const struct stl_group *g);

void stl_ref_encode(uint8_t out[STL_REF_LEN], const struct stl_ref *ref);
void stl_ref_decode(struct stl_ref *ref, const uint8_t in[STL_REF_LEN]);

#endif /* STADSPAS_SETTLEMENT_RECORDS_H */
