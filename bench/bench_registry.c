/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Till-side registry sync at municipal scale: a mirror of a 10,000,000-
 * entry 2-bit status list with 1% revoked applies a delta of 1,000 events
 * (decode, sequence checks, 1,000 chain hashes, checkpoint signature, list
 * copy, digest). Printed beside the same-run cost of what it cannot avoid:
 * one Ed25519 verify, SHA-256 over the list, and the chain hashes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_prims.h"
#include "chain.h"
#include "hash.h"
#include "pass_int.h"
#include "stadspas/sp_registry.h"
#include "status_list.h"

#define LIST_ID 1
#define COUNT 10000000u
#define DELTA 1000
#define T0 1767225600
#define ROUNDS 5

struct issuer {
	struct sp_key *key;
	uint8_t kid[SP_KID_LEN];
	struct reg_list list;
	uint8_t head[REG_HEAD_LEN];
	uint64_t size;
	struct sp_buf events;	/* encoded events since the snapshot */
};

static uint64_t rng = 88172645463325252u;

static uint32_t
next_idx(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % COUNT);
}

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_registry: %s: %s\n", what, sp_strerror(r));
	exit(1);
}

static void
append(struct issuer *s, uint32_t idx, unsigned st, struct sp_buf *to)
{
	struct reg_event e = {
		.seq = s->size + 1, .idx = idx, .status = (uint8_t)st,
		.time = T0,
	};
	size_t off = to != NULL ? to->len : 0;
	struct sp_buf tmp;
	int r;

	sp_buf_init(&tmp);
	if ((r = reg_event_encode(to != NULL ? to : &tmp, &e)) != SP_OK)
		die("event", r);
	if (to != NULL)
		reg_head_next(s->head, s->head, to->ptr + off, to->len - off);
	else
		reg_head_next(s->head, s->head, tmp.ptr, tmp.len);
	sp_buf_clear(&tmp);
	if ((r = reg_list_set(&s->list, idx, st)) != SP_OK)
		die("set", r);
	s->size++;
}

static void
checkpoint(struct issuer *s, struct sp_buf *out, int64_t t)
{
	struct reg_checkpoint c = {
		.list = LIST_ID, .size = s->size, .time = t, .bits = 2,
		.count = COUNT,
	};
	int r;

	memcpy(c.head, s->head, REG_HEAD_LEN);
	reg_list_digest(&s->list, c.digest);
	sp_buf_reset(out);
	if ((r = reg_checkpoint_sign(out, &c, &s->key->priv, s->kid,
	    SP_KID_LEN)) != SP_OK)
		die("checkpoint", r);
}

int
main(void)
{
	struct issuer s;
	struct sp_trust *trust = NULL;
	struct sp_reg_mirror *m = NULL;
	struct sp_buf tok, ck, snap, delta;
	uint8_t seed[SP_SEED_LEN], cose[128], h[32];
	size_t cl = sizeof(cose), i;
	double best = 1e30, base_list = 1e30, base_chain = 1e30;
	uint64_t t0;
	int r, round;

	memset(&s, 0, sizeof(s));
	sp_buf_init(&tok);
	sp_buf_init(&ck);
	sp_buf_init(&snap);
	sp_buf_init(&delta);
	sp_buf_init(&s.events);
	memset(seed, 7, sizeof(seed));
	if ((r = sp_key_from_seed(&s.key, SP_ALG_EDDSA, seed)) != SP_OK ||
	    (r = sp_key_public_cose(s.key, cose, &cl)) != SP_OK ||
	    (r = sp_trust_new(&trust)) != SP_OK ||
	    (r = sp_trust_add_cose_key(trust, cose, cl)) != SP_OK ||
	    (r = reg_list_init(&s.list, LIST_ID, 2, COUNT)) != SP_OK)
		die("setup", r);
	sp_key_kid(s.key, s.kid);
	reg_head_genesis(s.head, LIST_ID);
	/* 1% revoked: 100,000 events before the till's snapshot. */
	for (i = 0; i < COUNT / 100; i++)
		append(&s, next_idx(), REG_REVOKED, NULL);
	checkpoint(&s, &ck, T0);
	if ((r = reg_token_sign(&tok, &s.list, &s.key->priv, s.kid,
	    SP_KID_LEN, "https://gm0014.example/status/1", T0, T0 + 86400,
	    300)) != SP_OK ||
	    (r = reg_snapshot_encode(&snap, LIST_ID, tok.ptr, tok.len, ck.ptr,
	    ck.len)) != SP_OK)
		die("snapshot", r);
	printf("BENCH snapshot_10m_2bit_1pct_bytes %zu bytes\n", snap.len);
	/* The next 1,000 events, as one delta. */
	for (i = 0; i < DELTA; i++)
		append(&s, next_idx(), i % 10 ? REG_REVOKED : REG_SUSPENDED,
		    &s.events);
	checkpoint(&s, &ck, T0 + 300);
	if ((r = reg_delta_encode(&delta, LIST_ID, s.size - DELTA,
	    s.events.ptr, s.events.len, DELTA, ck.ptr, ck.len)) != SP_OK)
		die("delta", r);
	printf("BENCH delta_1000_bytes %zu bytes\n", delta.len);

	for (round = 0; round < ROUNDS; round++) {
		double t;

		sp_reg_mirror_free(&m);
		if ((r = sp_reg_mirror_new(&m, LIST_ID, trust)) != SP_OK ||
		    (r = sp_reg_mirror_bootstrap(m, snap.ptr, snap.len)) !=
		    SP_OK)
			die("bootstrap", r);
		t0 = bench_now_ns();
		if ((r = sp_reg_mirror_apply(m, delta.ptr, delta.len)) != SP_OK)
			die("apply", r);
		t = (double)(bench_now_ns() - t0);
		best = t < best ? t : best;
		/* Baselines: digest of the list, and the chain hashes. */
		t0 = bench_now_ns();
		(void)sp_sha256(h, s.list.bytes, s.list.len);
		t = (double)(bench_now_ns() - t0);
		base_list = t < base_list ? t : base_list;
		t0 = bench_now_ns();
		for (i = 0; i < DELTA; i++)
			(void)sp_sha256(h, s.events.ptr + (i % 64),
			    s.events.len / DELTA + 48);
		t = (double)(bench_now_ns() - t0);
		base_chain = t < base_chain ? t : base_chain;
	}
	if (memcmp(sp_reg_mirror_list(m, &i), s.list.bytes, s.list.len) != 0)
		die("mirror differs from issuer", SP_ERR_INTERNAL);
	printf("BENCH delta_1000_apply_ms %.3f ms\n", best / 1e6);
	printf("BENCH bare_sha256_list_2_5MB_ms %.3f ms\n", base_list / 1e6);
	printf("BENCH bare_sha256_1000_events_ms %.3f ms\n", base_chain / 1e6);
	printf("BENCH bare_ed25519_verify_ms %.3f ms\n",
	    bench_ed25519_verify_ns(200) / 1e6);
	sp_reg_mirror_free(&m);
	sp_trust_free(&trust);
	reg_list_clear(&s.list);
	sp_key_free(&s.key);
	sp_buf_clear(&tok);
	sp_buf_clear(&ck);
	sp_buf_clear(&snap);
	sp_buf_clear(&delta);
	sp_buf_clear(&s.events);
	return 0;
}
