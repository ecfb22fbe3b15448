/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A deterministic municipality for the till fuzz targets (fuzz_trustlist,
 * fuzz_catalogue, fuzz_till_check) and their seed generator
 * (gen_till_corpus.c): fixed Ed25519 keys, a two-version trust list, an
 * offers catalogue and an in-memory status list 1 with its snapshot, so
 * that the committed seeds verify inside the harnesses. Test-only keys.
 */
#ifndef STADSPAS_TESTS_FUZZ_TILL_FIXTURE_H
#define STADSPAS_TESTS_FUZZ_TILL_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "cose.h"
#include "hash.h"
#include "pass_int.h"
#include "stadspas/sp_registry.h"
#include "stadspas/sp_verifier.h"
#include "status_list.h"

#define TF_T0 1767225600	/* 2026-01-01 */
#define TF_NOW 1772539200	/* 2026-03-03T12:00Z, ISO week 2026-W10 */
#define TF_COUNT 64
#define TF_REVOKED 3		/* status indices in the snapshot */
#define TF_SUSPENDED 4

struct tf {
	struct sp_key *iss[2];		/* A, B */
	uint8_t cose[2][64];
	size_t cose_len[2];
	uint8_t kid[2][SP_KID_LEN];
	uint8_t fp[2][32];		/* fingerprints: pin A */
	struct sp_key *holder;
};

static inline void
tf_init(struct tf *t)
{
	uint8_t seed[SP_SEED_LEN];
	int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < 2; i++) {
		memset(seed, 0x61 + i, sizeof(seed));
		t->cose_len[i] = sizeof(t->cose[i]);
		if (sp_key_from_seed(&t->iss[i], SP_ALG_EDDSA, seed) != SP_OK ||
		    sp_key_public_cose(t->iss[i], t->cose[i],
		    &t->cose_len[i]) != SP_OK ||
		    sp_sha256(t->fp[i], t->cose[i], t->cose_len[i]) != SP_OK)
			abort();
		sp_key_kid(t->iss[i], t->kid[i]);
	}
	memset(seed, 0x71, sizeof(seed));
	if (sp_key_from_seed(&t->holder, SP_ALG_EDDSA, seed) != SP_OK)
		abort();
}

static inline void
tf_clear(struct tf *t)
{
	sp_key_free(&t->iss[0]);
	sp_key_free(&t->iss[1]);
	sp_key_free(&t->holder);
}

static inline void
tf_sign(const struct tf *t, struct sp_buf *out, int signer,
    const struct sp_buf *payload)
{
	sp_buf_reset(out);
	if (cose_sign1_sign(out, &t->iss[signer]->priv, t->kid[signer],
	    SP_KID_LEN, -1, payload->ptr, payload->len, NULL, 0, 0) != SP_OK)
		abort();
}

/* Trust list version n: v1 {A} by A, v2 {B, A} by A. */
static inline void
tf_version(const struct tf *t, struct sp_buf *out, uint64_t n)
{
	struct sp_buf p;
	struct cbor_enc e;

	sp_buf_init(&p);
	cbor_enc_init(&e, &p);
	cbor_put_map(&e, 4);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 4);
	cbor_put_uint(&e, 2);
	cbor_put_uint(&e, n);
	cbor_put_uint(&e, 3);
	cbor_put_uint(&e, TF_T0 + n);
	cbor_put_uint(&e, 4);
	cbor_put_array(&e, n);
	if (n == 2)
		cbor_put_raw(&e, t->cose[1], t->cose_len[1]);
	cbor_put_raw(&e, t->cose[0], t->cose_len[0]);
	if (cbor_enc_finish(&e) != SP_OK)
		abort();
	tf_sign(t, out, 0, &p);
	sp_buf_clear(&p);
}

static inline void
tf_chain(const struct tf *t, struct sp_buf *out, size_t n)
{
	struct sp_buf v;
	struct cbor_enc e;
	size_t i;

	sp_buf_init(&v);
	sp_buf_reset(out);
	cbor_enc_init(&e, out);
	cbor_put_array(&e, n);
	for (i = 0; i < n; i++) {
		tf_version(t, &v, i + 1);
		cbor_put_bstr(&e, v.ptr, v.len);
	}
	if (cbor_enc_finish(&e) != SP_OK)
		abort();
	sp_buf_clear(&v);
}

/* Catalogue payload: 1 swim weekly (age_under_18), 2 culture, at p1. */
static inline void
tf_catalogue_payload(const struct tf *t, struct sp_buf *p)
{
	struct cbor_enc e;

	sp_buf_reset(p);
	cbor_enc_init(&e, p);
	cbor_put_map(&e, 5);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 3);
	cbor_put_uint(&e, 2);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 3);
	cbor_put_uint(&e, TF_T0);
	cbor_put_uint(&e, 4);
	cbor_put_array(&e, 2);
	cbor_put_map(&e, 7);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 2);
	cbor_put_array(&e, 1);
	cbor_put_tstrz(&e, "p1");
	cbor_put_uint(&e, 3);
	cbor_put_tstrz(&e, "Zwemmen");
	cbor_put_uint(&e, 4);
	cbor_put_tstrz(&e, "swim");
	cbor_put_uint(&e, 5);
	cbor_put_array(&e, 1);
	cbor_put_uint(&e, SP_CLAIM_AGE_UNDER_18);
	cbor_put_uint(&e, 6);
	cbor_put_map(&e, 2);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 2);
	cbor_put_tstrz(&e, "week");
	cbor_put_uint(&e, 7);
	cbor_put_uint(&e, 350);
	cbor_put_map(&e, 6);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 2);
	cbor_put_uint(&e, 2);
	cbor_put_array(&e, 2);
	cbor_put_tstrz(&e, "p1");
	cbor_put_tstrz(&e, "p2");
	cbor_put_uint(&e, 3);
	cbor_put_tstrz(&e, "Museum");
	cbor_put_uint(&e, 4);
	cbor_put_tstrz(&e, "culture");
	cbor_put_uint(&e, 5);
	cbor_put_array(&e, 0);
	cbor_put_uint(&e, 7);
	cbor_put_uint(&e, 500);
	cbor_put_uint(&e, 5);
	cbor_put_array(&e, 1);
	cbor_put_map(&e, 3);
	cbor_put_uint(&e, 1);
	cbor_put_tstrz(&e, "p1");
	cbor_put_uint(&e, 2);
	cbor_put_tstrz(&e, "De Parrel");
	cbor_put_uint(&e, 3);
	cbor_put_array(&e, 1);
	cbor_put_raw(&e, t->cose[1], t->cose_len[1]);
	if (cbor_enc_finish(&e) != SP_OK)
		abort();
}

static inline void
tf_catalogue(const struct tf *t, struct sp_buf *out)
{
	struct sp_buf p;

	sp_buf_init(&p);
	tf_catalogue_payload(t, &p);
	tf_sign(t, out, 0, &p);
	sp_buf_clear(&p);
}

/* Snapshot of list 1: TF_REVOKED revoked, TF_SUSPENDED suspended. */
static inline void
tf_snapshot(const struct tf *t, struct sp_buf *out)
{
	struct reg_list l;
	struct reg_event ev[2] = {
		{ .seq = 1, .idx = TF_REVOKED, .status = 1, .time = TF_T0 },
		{ .seq = 2, .idx = TF_SUSPENDED, .status = 2, .time = TF_T0 },
	};
	struct reg_checkpoint c = {
		.list = 1, .size = 2, .time = TF_NOW - 60, .bits = 2,
		.count = TF_COUNT,
	};
	struct sp_buf tok, ck, evb;
	int i;

	sp_buf_init(&tok);
	sp_buf_init(&ck);
	sp_buf_init(&evb);
	if (reg_list_init(&l, 1, 2, TF_COUNT) != SP_OK)
		abort();
	reg_head_genesis(c.head, 1);
	for (i = 0; i < 2; i++) {
		sp_buf_reset(&evb);
		if (reg_event_encode(&evb, &ev[i]) != SP_OK ||
		    reg_list_set(&l, ev[i].idx, ev[i].status) != SP_OK)
			abort();
		reg_head_next(c.head, c.head, evb.ptr, evb.len);
	}
	reg_list_digest(&l, c.digest);
	sp_buf_reset(out);
	if (reg_checkpoint_sign(&ck, &c, &t->iss[0]->priv, t->kid[0],
	    SP_KID_LEN) != SP_OK ||
	    reg_token_sign(&tok, &l, &t->iss[0]->priv, t->kid[0], SP_KID_LEN,
	    "https://fuzz.example/status/1", TF_NOW - 60, TF_NOW + 86400,
	    300) != SP_OK ||
	    reg_snapshot_encode(out, 1, tok.ptr, tok.len, ck.ptr, ck.len) !=
	    SP_OK)
		abort();
	reg_list_clear(&l);
	sp_buf_clear(&tok);
	sp_buf_clear(&ck);
	sp_buf_clear(&evb);
}

/* A pass by A on status index idx: age_under_18, category culture, the
 * swim limit key. */
static inline void
tf_issue(const struct tf *t, uint32_t idx, uint8_t **out, size_t *len)
{
	static const uint8_t salts[32] = { 0x5a, 0x17 };
	struct sp_pass_builder *b = NULL;
	uint8_t cose[64], key[SP_TAG_LEN];
	size_t cl = sizeof(cose);

	memset(key, 0x3c, sizeof(key));
	if (sp_key_public_cose(t->holder, cose, &cl) != SP_OK ||
	    sp_pass_builder_new(&b) != SP_OK ||
	    sp_pass_builder_set_times(b, TF_T0, 0, TF_T0 + 365 * 86400) !=
	    SP_OK ||
	    sp_pass_builder_set_status(b, 1, idx) != SP_OK ||
	    sp_pass_builder_set_holder(b, cose, cl) != SP_OK ||
	    sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18, true) !=
	    SP_OK ||
	    sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY, "culture") !=
	    SP_OK ||
	    sp_pass_builder_add_limit_key(b, "swim", key) != SP_OK ||
	    sp_pass_issue(out, len, b, t->iss[0], salts) != SP_OK)
		abort();
	sp_pass_builder_free(&b);
}

/* A verifier for p1: trust list v2 pinned, snapshot, catalogue. */
static inline struct sp_verifier *
tf_verifier(const struct tf *t, bool registry, bool catalogue)
{
	struct sp_verifier *v = NULL;
	struct sp_buf b;

	sp_buf_init(&b);
	tf_chain(t, &b, 2);
	if (sp_verifier_new(&v, "p1", NULL) != SP_OK ||
	    sp_verifier_trust_pin(v, t->fp[0], b.ptr, b.len) != SP_OK)
		abort();
	if (registry) {
		tf_snapshot(t, &b);
		if (sp_verifier_registry_bootstrap(v, b.ptr, b.len) != SP_OK)
			abort();
	}
	if (catalogue) {
		tf_catalogue(t, &b);
		if (sp_verifier_catalogue(v, b.ptr, b.len) != SP_OK)
			abort();
	}
	sp_buf_clear(&b);
	return v;
}

#endif /* STADSPAS_TESTS_FUZZ_TILL_FIXTURE_H */
