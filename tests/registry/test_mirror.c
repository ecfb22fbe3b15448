/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The till-side mirror: bootstrap, deltas, and one test per refusal (gap,
 * reorder, duplicate, fork, rollback, digest mismatch, bad signature,
 * unknown key, oversize, wrong list), each checking that a refused delta
 * changed nothing. The issuer side here is a small in-memory log built on
 * chain.h, so every delta can be tampered with precisely.
 */
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "check.h"
#include "pass_int.h"
#include "stadspas/sp_registry.h"
#include "status_list.h"
#include "testutil.h"

#define LIST_ID 7
#define COUNT 1000
#define T0 1767225600
#define MAX_EV 4096

/* A minimal issuer: list, chain and every event's bytes. */
struct iss {
	struct sig_priv key;
	uint8_t kid[SP_KID_LEN];
	struct reg_list list;
	uint8_t head[REG_HEAD_LEN];
	uint64_t size;
	struct sp_buf ev[MAX_EV];	/* ev[i] = event seq i+1 */
};

static struct sp_key *issuer_pub;	/* same seed, for the trust list */

static void
iss_init(struct iss *s, uint8_t seed_byte)
{
	uint8_t seed[SIG_SEED_LEN];
	size_t i;

	memset(s, 0, sizeof(*s));
	memset(seed, seed_byte, sizeof(seed));
	CHECK(sig_priv_from_seed(&s->key, SIG_ALG_EDDSA, seed) == SP_OK);
	CHECK(pass_kid_of(&s->key.pub, s->kid) == SP_OK);
	CHECK(reg_list_init(&s->list, LIST_ID, 2, COUNT) == SP_OK);
	reg_head_genesis(s->head, LIST_ID);
	for (i = 0; i < MAX_EV; i++)
		sp_buf_init(&s->ev[i]);
}

static void
iss_clear(struct iss *s)
{
	size_t i;

	sig_priv_clear(&s->key);
	reg_list_clear(&s->list);
	for (i = 0; i < MAX_EV; i++)
		sp_buf_clear(&s->ev[i]);
}

static void
iss_event(struct iss *s, uint32_t idx, unsigned status, int64_t t)
{
	struct reg_event e = {
		.seq = s->size + 1, .idx = idx, .status = (uint8_t)status,
		.reason = 3, .time = t,
	};
	struct sp_buf *b = &s->ev[s->size];

	CHECK(s->size < MAX_EV);
	CHECK(reg_event_encode(b, &e) == SP_OK);
	reg_head_next(s->head, s->head, b->ptr, b->len);
	CHECK(reg_list_set(&s->list, idx, status) == SP_OK);
	s->size++;
}

static void
iss_ckpt_custom(struct iss *s, struct sp_buf *out, int64_t t, uint64_t size,
    const uint8_t head[REG_HEAD_LEN], const struct reg_list *l)
{
	struct reg_checkpoint c = {
		.list = LIST_ID, .size = size, .time = t,
		.bits = (uint8_t)l->bits, .count = l->count,
	};

	memcpy(c.head, head, REG_HEAD_LEN);
	reg_list_digest(l, c.digest);
	sp_buf_reset(out);
	CHECK(reg_checkpoint_sign(out, &c, &s->key, s->kid, SP_KID_LEN) ==
	    SP_OK);
}

static void
iss_ckpt(struct iss *s, struct sp_buf *out, int64_t t)
{
	iss_ckpt_custom(s, out, t, s->size, s->head, &s->list);
}

static void
iss_snapshot(struct iss *s, struct sp_buf *out, int64_t t)
{
	struct sp_buf tok, ck;

	sp_buf_init(&tok);
	sp_buf_init(&ck);
	CHECK(reg_token_sign(&tok, &s->list, &s->key, s->kid, SP_KID_LEN,
	    "https://gm0014.example/status/7", t, t + 86400, 300) == SP_OK);
	iss_ckpt(s, &ck, t);
	sp_buf_reset(out);
	CHECK(reg_snapshot_encode(out, LIST_ID, tok.ptr, tok.len, ck.ptr,
	    ck.len) == SP_OK);
	sp_buf_clear(&tok);
	sp_buf_clear(&ck);
}

/* A delta of the events with the given seqs (1-based), in that order. */
static void
iss_delta_seqs(struct iss *s, struct sp_buf *out, uint64_t from,
    const uint64_t *seqs, size_t n, const struct sp_buf *ck)
{
	struct sp_buf evs;
	size_t i;

	sp_buf_init(&evs);
	for (i = 0; i < n; i++)
		CHECK(sp_buf_append(&evs, s->ev[seqs[i] - 1].ptr,
		    s->ev[seqs[i] - 1].len) == SP_OK);
	sp_buf_reset(out);
	CHECK(reg_delta_encode(out, LIST_ID, from, evs.ptr, evs.len, n,
	    ck->ptr, ck->len) == SP_OK);
	sp_buf_clear(&evs);
}

static void
iss_delta(struct iss *s, struct sp_buf *out, uint64_t from,
    const struct sp_buf *ck)
{
	uint64_t seqs[MAX_EV];
	size_t n = 0;
	uint64_t q;

	for (q = from + 1; q <= s->size; q++)
		seqs[n++] = q;
	iss_delta_seqs(s, out, from, seqs, n, ck);
}

struct fix {
	struct iss iss;
	struct sp_trust *trust;
	struct sp_reg_mirror *m;
	struct sp_buf buf, ck;
};

static void
fix_init(struct fix *f)
{
	uint8_t cose[128];
	size_t cl = sizeof(cose);

	iss_init(&f->iss, 0x42);
	sp_buf_init(&f->buf);
	sp_buf_init(&f->ck);
	CHECK(sp_key_public_cose(issuer_pub, cose, &cl) == SP_OK);
	CHECK(sp_trust_new(&f->trust) == SP_OK);
	CHECK(sp_trust_add_cose_key(f->trust, cose, cl) == SP_OK);
	CHECK(sp_reg_mirror_new(&f->m, LIST_ID, f->trust) == SP_OK);
	/* Day 0: two revocations, then the till bootstraps. */
	iss_event(&f->iss, 10, REG_REVOKED, T0);
	iss_event(&f->iss, 20, REG_SUSPENDED, T0);
	iss_snapshot(&f->iss, &f->buf, T0 + 60);
	CHECK(sp_reg_mirror_bootstrap(f->m, f->buf.ptr, f->buf.len) == SP_OK);
}

static void
fix_clear(struct fix *f)
{
	sp_reg_mirror_free(&f->m);
	sp_trust_free(&f->trust);
	sp_buf_clear(&f->buf);
	sp_buf_clear(&f->ck);
	iss_clear(&f->iss);
}

/* The mirror equals the issuer's list at size. */
static bool
same_as(const struct fix *f, const struct reg_list *l, uint64_t size)
{
	size_t len;
	const uint8_t *p = sp_reg_mirror_list(f->m, &len);

	return p != NULL && len == l->len && memcmp(p, l->bytes, len) == 0 &&
	    sp_reg_mirror_size(f->m) == size;
}

/* A refused delta must leave the mirror exactly as it was. */
static void
expect_refused(struct fix *f, int want, const char *what)
{
	struct reg_list before;
	uint64_t size = sp_reg_mirror_size(f->m);
	int64_t t = sp_reg_mirror_checkpoint_time(f->m);
	size_t len;
	const uint8_t *p = sp_reg_mirror_list(f->m, &len);
	int r;

	memset(&before, 0, sizeof(before));
	before.bytes = malloc(len);
	memcpy(before.bytes, p, len);
	before.len = len;
	r = sp_reg_mirror_apply(f->m, f->buf.ptr, f->buf.len);
	CHECKF(r == want, "%s: want %s, got %s", what, sp_strerror(want),
	    sp_strerror(r));
	CHECKF(same_as(f, &before, size) &&
	    sp_reg_mirror_checkpoint_time(f->m) == t,
	    "%s: a refused delta changed the mirror", what);
	free(before.bytes);
}

static void
test_bootstrap_and_apply(void)
{
	struct fix f;
	unsigned st;

	fix_init(&f);
	CHECK(same_as(&f, &f.iss.list, 2));
	CHECK(sp_reg_mirror_status(f.m, 10, &st) == SP_OK &&
	    st == SP_STATUS_REVOKED);
	CHECK(sp_reg_mirror_status(f.m, 20, &st) == SP_OK &&
	    st == SP_STATUS_SUSPENDED);
	CHECK(sp_reg_mirror_status(f.m, 11, &st) == SP_OK &&
	    st == SP_STATUS_VALID);
	CHECK(sp_reg_mirror_status(f.m, COUNT, &st) == SP_ERR_NOT_FOUND);
	CHECK(sp_reg_mirror_age(f.m, T0 + 3660) == 3600);

	iss_event(&f.iss, 20, REG_VALID, T0 + 100);	/* reinstate */
	iss_event(&f.iss, 30, REG_REVOKED, T0 + 100);
	iss_ckpt(&f.iss, &f.ck, T0 + 400);
	iss_delta(&f.iss, &f.buf, 2, &f.ck);
	CHECK(sp_reg_mirror_apply(f.m, f.buf.ptr, f.buf.len) == SP_OK);
	CHECK(same_as(&f, &f.iss.list, 4));
	CHECK(sp_reg_mirror_checkpoint_time(f.m) == T0 + 400);
	CHECK(sp_reg_mirror_status(f.m, 20, &st) == SP_OK &&
	    st == SP_STATUS_VALID);
	/* Applying the same delta again: it overlaps what I have. */
	CHECK(sp_reg_mirror_apply(f.m, f.buf.ptr, f.buf.len) ==
	    SP_ERR_REG_DUPLICATE);
	/* Nothing changed, newer checkpoint: only the age moves. */
	iss_ckpt(&f.iss, &f.ck, T0 + 700);
	iss_delta(&f.iss, &f.buf, 4, &f.ck);
	CHECK(sp_reg_mirror_apply(f.m, f.buf.ptr, f.buf.len) == SP_OK);
	CHECK(sp_reg_mirror_checkpoint_time(f.m) == T0 + 700);
	CHECK(same_as(&f, &f.iss.list, 4));
	fix_clear(&f);
}

static void
test_sequence_errors(void)
{
	struct fix f;
	static const uint64_t gap[] = { 3, 5 }, swap[] = { 4, 3, 5 };
	static const uint64_t dup[] = { 3, 4, 4, 5 }, extra[] = { 3, 4, 5, 6 };

	fix_init(&f);
	iss_event(&f.iss, 31, REG_REVOKED, T0 + 100);
	iss_event(&f.iss, 32, REG_REVOKED, T0 + 100);
	iss_event(&f.iss, 33, REG_SUSPENDED, T0 + 100);
	iss_ckpt(&f.iss, &f.ck, T0 + 400);

	iss_delta(&f.iss, &f.buf, 3, &f.ck);	/* starts past my size 2 */
	expect_refused(&f, SP_ERR_REG_GAP, "delta from beyond my size");
	iss_delta_seqs(&f.iss, &f.buf, 2, gap, 2, &f.ck);
	expect_refused(&f, SP_ERR_REG_GAP, "event 4 missing");
	iss_delta_seqs(&f.iss, &f.buf, 2, swap, 3, &f.ck);
	expect_refused(&f, SP_ERR_REG_REORDER, "events 3 and 4 swapped");
	iss_delta_seqs(&f.iss, &f.buf, 2, dup, 4, &f.ck);
	expect_refused(&f, SP_ERR_REG_DUPLICATE, "event 4 twice");
	iss_delta(&f.iss, &f.buf, 1, &f.ck);
	expect_refused(&f, SP_ERR_REG_DUPLICATE, "delta from below my size");
	/* More events than the checkpoint covers. */
	iss_event(&f.iss, 34, REG_REVOKED, T0 + 500);
	iss_delta_seqs(&f.iss, &f.buf, 2, extra, 4, &f.ck);
	expect_refused(&f, SP_ERR_REG_FORK, "events past the checkpoint");
	fix_clear(&f);
}

static void
test_fork_digest_rollback(void)
{
	struct fix f;
	uint8_t bad_head[REG_HEAD_LEN];
	struct reg_list other;
	struct iss alt;

	fix_init(&f);
	/* Same size as mine, different head. */
	memset(bad_head, 0x11, sizeof(bad_head));
	iss_ckpt_custom(&f.iss, &f.ck, T0 + 400, 2, bad_head, &f.iss.list);
	iss_delta(&f.iss, &f.buf, 2, &f.ck);
	expect_refused(&f, SP_ERR_REG_FORK, "same size, different head");

	/* An altered event: the chain no longer reaches the signed head. */
	iss_event(&f.iss, 40, REG_REVOKED, T0 + 100);
	iss_ckpt(&f.iss, &f.ck, T0 + 400);
	iss_delta(&f.iss, &f.buf, 2, &f.ck);
	f.buf.ptr[f.buf.len - f.ck.len - 3] ^= 1;	/* in the event */
	expect_refused(&f, SP_ERR_REG_FORK, "altered event");

	/* Another history of the same length (a forked issuer). */
	iss_init(&alt, 0x42);
	iss_event(&alt, 10, REG_REVOKED, T0);
	iss_event(&alt, 20, REG_SUSPENDED, T0);
	iss_event(&alt, 41, REG_REVOKED, T0 + 100);
	iss_ckpt(&alt, &f.ck, T0 + 400);
	iss_delta(&alt, &f.buf, 2, &f.ck);
	CHECK(sp_reg_mirror_apply(f.m, f.buf.ptr, f.buf.len) == SP_OK);
	iss_ckpt(&f.iss, &f.ck, T0 + 500);
	iss_delta(&f.iss, &f.buf, 3, &f.ck);
	expect_refused(&f, SP_ERR_REG_FORK, "honest checkpoint after fork");
	iss_clear(&alt);
	fix_clear(&f);

	/* Right head, wrong digest. */
	fix_init(&f);
	iss_event(&f.iss, 50, REG_REVOKED, T0 + 100);
	CHECK(reg_list_copy(&other, &f.iss.list) == SP_OK);
	CHECK(reg_list_set(&other, 51, REG_REVOKED) == SP_OK);
	iss_ckpt_custom(&f.iss, &f.ck, T0 + 400, 3, f.iss.head, &other);
	iss_delta(&f.iss, &f.buf, 2, &f.ck);
	expect_refused(&f, SP_ERR_REG_DIGEST, "list digest mismatch");
	reg_list_clear(&other);

	/* Rollback: an older checkpoint, in a delta and in a snapshot. */
	iss_ckpt(&f.iss, &f.ck, T0 + 30);	/* mine is T0 + 60 */
	iss_delta(&f.iss, &f.buf, 2, &f.ck);
	expect_refused(&f, SP_ERR_REG_ROLLBACK, "older checkpoint");
	iss_ckpt(&f.iss, &f.ck, T0 + 400);
	iss_delta(&f.iss, &f.buf, 2, &f.ck);
	CHECK(sp_reg_mirror_apply(f.m, f.buf.ptr, f.buf.len) == SP_OK);
	{
		struct iss old;

		iss_init(&old, 0x42);
		iss_event(&old, 10, REG_REVOKED, T0);
		iss_event(&old, 20, REG_SUSPENDED, T0);
		iss_snapshot(&old, &f.buf, T0 + 60);
		CHECK(sp_reg_mirror_bootstrap(f.m, f.buf.ptr, f.buf.len) ==
		    SP_ERR_REG_ROLLBACK);
		CHECK(same_as(&f, &f.iss.list, 3));
		iss_clear(&old);
	}
	fix_clear(&f);
}

static void
test_signature_errors(void)
{
	struct fix f;
	struct iss stranger;

	fix_init(&f);
	iss_event(&f.iss, 60, REG_REVOKED, T0 + 100);
	iss_ckpt(&f.iss, &f.ck, T0 + 400);
	f.ck.ptr[f.ck.len - 1] ^= 0x80;	/* last signature byte */
	iss_delta(&f.iss, &f.buf, 2, &f.ck);
	expect_refused(&f, SP_ERR_SIGNATURE, "bad checkpoint signature");

	iss_init(&stranger, 0x99);
	stranger.size = f.iss.size;
	memcpy(stranger.head, f.iss.head, REG_HEAD_LEN);
	reg_list_clear(&stranger.list);
	CHECK(reg_list_copy(&stranger.list, &f.iss.list) == SP_OK);
	iss_ckpt(&stranger, &f.ck, T0 + 400);
	iss_delta(&f.iss, &f.buf, 2, &f.ck);
	expect_refused(&f, SP_ERR_UNKNOWN_KID, "checkpoint by an unknown key");
	iss_clear(&stranger);
	fix_clear(&f);
}

static void
test_malformed(void)
{
	struct fix f;
	struct sp_reg_mirror *m2 = NULL;
	uint8_t *big;
	size_t i;

	fix_init(&f);
	iss_event(&f.iss, 70, REG_REVOKED, T0 + 100);
	iss_ckpt(&f.iss, &f.ck, T0 + 400);
	iss_delta(&f.iss, &f.buf, 2, &f.ck);
	/* Every truncation is refused and changes nothing. */
	for (i = 0; i + 1 < f.buf.len; i += 7) {
		size_t keep = f.buf.len;

		f.buf.len = i;
		CHECK(sp_reg_mirror_apply(f.m, f.buf.ptr, f.buf.len) != SP_OK);
		f.buf.len = keep;
	}
	{
		unsigned st;

		CHECK(sp_reg_mirror_size(f.m) == 2);
		CHECK(sp_reg_mirror_status(f.m, 70, &st) == SP_OK &&
		    st == SP_STATUS_VALID);
	}
	/* Oversize. */
	big = calloc(REG_MAX_WIRE + 1, 1);
	CHECK(big != NULL);
	if (big != NULL)
		CHECK(sp_reg_mirror_apply(f.m, big, REG_MAX_WIRE + 1) ==
		    SP_ERR_TOO_LARGE);
	free(big);
	/* A snapshot is not a delta; a delta for list 8 is not for me. */
	iss_snapshot(&f.iss, &f.buf, T0 + 400);
	expect_refused(&f, SP_ERR_REG_LIST, "snapshot given as delta");
	CHECK(sp_reg_mirror_new(&m2, 8, f.trust) == SP_OK);
	CHECK(sp_reg_mirror_bootstrap(m2, f.buf.ptr, f.buf.len) ==
	    SP_ERR_REG_LIST);
	/* Not bootstrapped yet. */
	iss_delta(&f.iss, &f.buf, 2, &f.ck);
	CHECK(sp_reg_mirror_apply(m2, f.buf.ptr, f.buf.len) ==
	    SP_ERR_REG_NOT_READY);
	sp_reg_mirror_free(&m2);
	fix_clear(&f);
}

/* Offline for a week while the issuer kept revoking and checkpointing
 * every 5 minutes: one delta catches up, byte for byte. */
static void
test_week_offline(void)
{
	struct fix f;
	uint64_t x = 12345;
	int64_t t;
	unsigned n = 0;

	fix_init(&f);
	for (t = T0 + 300; t <= T0 + 7 * 86400; t += 300) {
		if (t % 3600 == 0) {	/* a change every hour */
			uint32_t idx;

			x = x * 6364136223846793005u + 1442695040888963407u;
			idx = (uint32_t)(x >> 33) % COUNT;
			if (reg_list_get(&f.iss.list, idx) == REG_VALID) {
				iss_event(&f.iss, idx, (x >> 20) & 1 ?
				    REG_REVOKED : REG_SUSPENDED, t);
				n++;
			}
		}
		iss_ckpt(&f.iss, &f.ck, t);	/* the latest one counts */
	}
	iss_delta(&f.iss, &f.buf, 2, &f.ck);
	CHECK(sp_reg_mirror_apply(f.m, f.buf.ptr, f.buf.len) == SP_OK);
	CHECK(same_as(&f, &f.iss.list, f.iss.size));
	CHECK(sp_reg_mirror_checkpoint_time(f.m) == T0 + 7 * 86400);
	printf("week offline: %u events in one delta of %zu bytes, list "
	    "identical\n", n, f.buf.len);
	fix_clear(&f);
}

static void
test_save_load(void)
{
	struct fix f;
	struct sp_reg_mirror *m2 = NULL;
	uint8_t *blob = NULL;
	size_t len = 0;

	fix_init(&f);
	CHECK(sp_reg_mirror_save(f.m, &blob, &len) == SP_OK);
	CHECK(sp_reg_mirror_new(&m2, LIST_ID, f.trust) == SP_OK);
	CHECK(sp_reg_mirror_load(m2, blob, len) == SP_OK);
	CHECK(sp_reg_mirror_size(m2) == 2 &&
	    sp_reg_mirror_checkpoint_time(m2) == T0 + 60);
	sp_reg_mirror_free(&m2);
	/* A tampered state is refused. */
	CHECK(sp_reg_mirror_new(&m2, LIST_ID, f.trust) == SP_OK);
	blob[len - 1] ^= 1;
	CHECK(sp_reg_mirror_load(m2, blob, len) == SP_ERR_SIGNATURE);
	CHECK(sp_reg_mirror_size(m2) == 0);
	sp_reg_mirror_free(&m2);
	sp_bytes_free(blob, len);
	fix_clear(&f);
}

int
main(void)
{
	uint8_t seed[SP_SEED_LEN];

	memset(seed, 0x42, sizeof(seed));
	if (sp_key_from_seed(&issuer_pub, SP_ALG_EDDSA, seed) != SP_OK)
		return 1;
	test_bootstrap_and_apply();
	test_sequence_errors();
	test_fork_digest_rollback();
	test_signature_errors();
	test_malformed();
	test_week_offline();
	test_save_load();
	sp_key_free(&issuer_pub);
	return check_report("test_mirror");
}
