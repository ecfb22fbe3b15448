/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A deterministic in-memory issuer shared by the registry fuzz targets and
 * their seed generator (gen_registry_corpus.c): same key, list and events,
 * so the harness's mirror state and the generated deltas fit together.
 * Ed25519 is deterministic, so every byte is reproducible.
 */
#ifndef STADSPAS_TESTS_FUZZ_REGISTRY_FIXTURE_H
#define STADSPAS_TESTS_FUZZ_REGISTRY_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "pass_int.h"
#include "stadspas/sp_registry.h"
#include "status_list.h"

#define FX_LIST 5
#define FX_COUNT 256
#define FX_T0 1767225600
#define FX_MAX_EV 64

struct fx {
	struct sp_key *key;
	uint8_t kid[SP_KID_LEN];
	struct sp_trust *trust;
	struct reg_list list;
	uint8_t head[REG_HEAD_LEN];
	uint64_t size;
	struct sp_buf ev[FX_MAX_EV];
};

static inline void
fx_event(struct fx *f, uint32_t idx, unsigned status)
{
	struct reg_event e = {
		.seq = f->size + 1, .idx = idx, .status = (uint8_t)status,
		.reason = 1, .time = FX_T0,
	};
	struct sp_buf *b = &f->ev[f->size];

	if (f->size >= FX_MAX_EV || reg_event_encode(b, &e) != SP_OK)
		abort();
	reg_head_next(f->head, f->head, b->ptr, b->len);
	if (reg_list_set(&f->list, idx, status) != SP_OK)
		abort();
	f->size++;
}

static inline void
fx_checkpoint(struct fx *f, struct sp_buf *out, int64_t t)
{
	struct reg_checkpoint c = {
		.list = FX_LIST, .size = f->size, .time = t, .bits = 2,
		.count = FX_COUNT,
	};

	memcpy(c.head, f->head, REG_HEAD_LEN);
	reg_list_digest(&f->list, c.digest);
	sp_buf_reset(out);
	if (reg_checkpoint_sign(out, &c, &f->key->priv, f->kid, SP_KID_LEN) !=
	    SP_OK)
		abort();
}

/* Key, trust list and the three events every snapshot seed starts with. */
static inline void
fx_init(struct fx *f)
{
	uint8_t seed[SP_SEED_LEN], cose[128];
	size_t cl = sizeof(cose), i;

	memset(f, 0, sizeof(*f));
	memset(seed, 0x5a, sizeof(seed));
	for (i = 0; i < FX_MAX_EV; i++)
		sp_buf_init(&f->ev[i]);
	if (sp_key_from_seed(&f->key, SP_ALG_EDDSA, seed) != SP_OK ||
	    sp_key_public_cose(f->key, cose, &cl) != SP_OK ||
	    sp_trust_new(&f->trust) != SP_OK ||
	    sp_trust_add_cose_key(f->trust, cose, cl) != SP_OK ||
	    reg_list_init(&f->list, FX_LIST, 2, FX_COUNT) != SP_OK)
		abort();
	sp_key_kid(f->key, f->kid);
	reg_head_genesis(f->head, FX_LIST);
	fx_event(f, 1, REG_REVOKED);
	fx_event(f, 2, REG_SUSPENDED);
	fx_event(f, 3, REG_REVOKED);
}

static inline void
fx_snapshot(struct fx *f, struct sp_buf *out)
{
	struct sp_buf tok, ck;

	sp_buf_init(&tok);
	sp_buf_init(&ck);
	fx_checkpoint(f, &ck, FX_T0 + 60);
	if (reg_token_sign(&tok, &f->list, &f->key->priv, f->kid, SP_KID_LEN,
	    "https://fuzz.example/status/5", FX_T0 + 60, FX_T0 + 86400,
	    300) != SP_OK ||
	    reg_snapshot_encode(out, FX_LIST, tok.ptr, tok.len, ck.ptr,
	    ck.len) != SP_OK)
		abort();
	sp_buf_clear(&tok);
	sp_buf_clear(&ck);
}

/* A delta of events seqs[0..n) (1-based) after size from. */
static inline void
fx_delta(struct fx *f, struct sp_buf *out, uint64_t from,
    const uint64_t *seqs, size_t n, const struct sp_buf *ck)
{
	struct sp_buf evs;
	size_t i;

	sp_buf_init(&evs);
	for (i = 0; i < n; i++)
		if (sp_buf_append(&evs, f->ev[seqs[i] - 1].ptr,
		    f->ev[seqs[i] - 1].len) != SP_OK)
			abort();
	sp_buf_reset(out);
	if (reg_delta_encode(out, FX_LIST, from, evs.ptr, evs.len, n, ck->ptr,
	    ck->len) != SP_OK)
		abort();
	sp_buf_clear(&evs);
}

#endif /* STADSPAS_TESTS_FUZZ_REGISTRY_FIXTURE_H */
