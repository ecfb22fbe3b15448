/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The redemption ledger on real LMDB files with real presentations:
 * redeem, replay, limits per (offer, scope, tag), stats and head, chain
 * verification against a record flipped on disk, export + mark + resume,
 * batch verification against forged batches, state blobs, reopening
 * with another provider or key, a full map.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "batch.h"
#include "check.h"
#include "ledger_int.h"
#include "lfix.h"
#include "pass_int.h"
#include "record.h"
#include "sp_buf.h"

static struct lfix fx;
static const char *corpus;	/* --corpus DIR: write batches there */

/* Writes b to corpus/name when asked to (seeding fuzz_batch). */
static void
seed(const char *name, const uint8_t *b, size_t n)
{
	char path[4096];
	FILE *f;

	if (corpus == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s", corpus, name);
	CHECK((f = fopen(path, "wb")) != NULL);
	if (f == NULL)
		return;
	CHECK(fwrite(b, 1, n, f) == n);
	CHECK(fclose(f) == 0);
}

/* Redeems a fresh presentation; returns sp_ledger_redeem's result. */
static int
redeem(struct sp_ledger *l, uint64_t offer, uint32_t limit, uint64_t ctr,
    struct sp_verdict *vd, struct sp_receipt *rc)
{
	uint8_t *pres = NULL;
	size_t len = 0;
	int r;

	if ((r = lfix_verdict(&fx, vd, &pres, &len, offer, limit,
	    LFIX_T0 + 1000 + (int64_t)ctr, ctr)) == SP_OK)
		r = sp_ledger_redeem(l, vd, LFIX_T0 + 1000 + (int64_t)ctr, rc);
	sp_bytes_free(pres, len);
	vd->raw = NULL;
	return r;
}

static void
test_redeem_replay_limit(const char *dir)
{
	struct sp_ledger *l = NULL;
	struct sp_verdict vd, vd2;
	struct sp_receipt rc, rc2;
	struct sp_ledger_stats st;
	uint8_t *pres = NULL, tag[SP_TAG_LEN];
	size_t len = 0;
	uint32_t used = 99;
	uint64_t bad = 0;

	CHECK(sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) == SP_OK);
	CHECK(sp_ledger_stats(l, &st) == SP_OK && st.records == 0 &&
	    st.last_time == 0);
	{
		/* Nobody but the till's user reads the ledger. */
		struct stat sb;
		char path[4096];

		CHECK(stat(dir, &sb) == 0 && (sb.st_mode & 077) == 0);
		snprintf(path, sizeof(path), "%s/data.mdb", dir);
		CHECK(stat(path, &sb) == 0 && (sb.st_mode & 077) == 0);
		snprintf(path, sizeof(path), "%s/lock.mdb", dir);
		CHECK(stat(path, &sb) == 0 && (sb.st_mode & 077) == 0);
	}
	/* First redemption of offer 1, limited to 2 per sport/2026. */
	CHECK(lfix_verdict(&fx, &vd, &pres, &len, 1, 2, LFIX_T0 + 100, 1) ==
	    SP_OK);
	memcpy(tag, vd.tag, sizeof(tag));
	CHECK(!sp_ledger_seen(l, vd.replay_id));
	CHECK(sp_ledger_redeem(l, &vd, LFIX_T0 + 101, &rc) == SP_OK);
	CHECK(vd.approved && vd.reason == SP_R_OK);
	CHECK(rc.seq == 1 && rc.used == 1 && rc.time == LFIX_T0 + 101);
	CHECK(sp_ledger_seen(l, vd.replay_id));
	CHECK(sp_ledger_stats(l, &st) == SP_OK && st.records == 1 &&
	    memcmp(st.head, rc.head, 32) == 0 && st.last_time == LFIX_T0 + 101);
	/* The same presentation again: replay, never counted twice. */
	vd2 = vd;
	CHECK(sp_ledger_redeem(l, &vd2, LFIX_T0 + 102, &rc2) == SP_OK);
	CHECK(!vd2.approved && vd2.reason == SP_R_REPLAYED);
	CHECK(sp_ledger_used(l, 1, "sport/2026", tag, &used) == SP_OK &&
	    used == 1);
	CHECK(sp_ledger_stats(l, &st) == SP_OK && st.records == 1);
	sp_bytes_free(pres, len);
	/* A second presentation: used 2; a third: limit reached. */
	CHECK(redeem(l, 1, 2, 2, &vd, &rc) == SP_OK && vd.approved &&
	    rc.used == 2 && rc.seq == 2);
	CHECK(redeem(l, 1, 2, 3, &vd, &rc) == SP_OK && !vd.approved &&
	    vd.reason == SP_R_LIMIT_REACHED);
	CHECK(!sp_ledger_seen(l, vd.replay_id));
	/* Another offer, same scope and tag: counted apart. */
	CHECK(redeem(l, 2, 2, 4, &vd, &rc) == SP_OK && vd.approved &&
	    rc.used == 1 && rc.seq == 3);
	/* Another tag (another pass) for offer 1: counted apart. */
	CHECK(redeem(l, 1, 2, 5, &vd, &rc) == SP_OK && !vd.approved);
	{
		uint8_t *p2 = NULL;
		size_t l2 = 0;

		CHECK(lfix_verdict(&fx, &vd, &p2, &l2, 1, 2, LFIX_T0 + 106, 6)
		    == SP_OK);
		vd.tag[0] ^= 1;
		CHECK(sp_ledger_redeem(l, &vd, LFIX_T0 + 106, &rc) == SP_OK &&
		    vd.approved && rc.used == 1);
		/* Another scope with the first tag: counted apart. */
		sp_bytes_free(p2, l2);
		CHECK(lfix_verdict(&fx, &vd, &p2, &l2, 1, 2, LFIX_T0 + 107, 7)
		    == SP_OK);
		strcpy(vd.scope, "sport/2027");
		CHECK(sp_ledger_redeem(l, &vd, LFIX_T0 + 107, &rc) == SP_OK &&
		    vd.approved && rc.used == 1 && rc.seq == 5);
		CHECK(sp_ledger_used(l, 1, "sport/2026", tag, &used) ==
		    SP_OK && used == 2);
		CHECK(sp_ledger_used(l, 1, "sport/2027", tag, &used) ==
		    SP_OK && used == 1);
		CHECK(sp_ledger_used(l, 9, "sport/2026", tag, &used) ==
		    SP_OK && used == 0);
		/* Misuse: not approved, no offer, limit without scope. */
		vd.approved = false;
		CHECK(sp_ledger_redeem(l, &vd, LFIX_T0, &rc) ==
		    SP_ERR_INVALID_ARG);
		vd.approved = true;
		vd.offer = 0;
		CHECK(sp_ledger_redeem(l, &vd, LFIX_T0, &rc) ==
		    SP_ERR_INVALID_ARG);
		vd.offer = 1;
		vd.scope[0] = '\0';
		CHECK(sp_ledger_redeem(l, &vd, LFIX_T0, &rc) ==
		    SP_ERR_INVALID_ARG);
		sp_bytes_free(p2, l2);
	}
	/* An unlimited offer without a scope: no tag recorded. */
	CHECK(redeem(l, 3, 0, 8, &vd, &rc) == SP_OK && vd.approved &&
	    rc.seq == 6);
	CHECK(sp_ledger_verify(l, &bad) == SP_OK);
	CHECK(ledger_count(l, LDB_REPLAY) == 6);
	sp_ledger_close(&l);
	/* Reopen: everything is still there. */
	CHECK(sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) == SP_OK);
	CHECK(sp_ledger_stats(l, &st) == SP_OK && st.records == 6 &&
	    memcmp(st.head, rc.head, 32) == 0);
	CHECK(sp_ledger_used(l, 1, "sport/2026", tag, &used) == SP_OK &&
	    used == 2);
	sp_ledger_close(&l);
	sp_ledger_close(&l);	/* NULL-safe */
}

static void
test_state(const char *dir)
{
	struct sp_ledger *l = NULL;
	uint8_t *v = NULL;
	size_t n = 0;

	CHECK(sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) == SP_OK);
	CHECK(sp_ledger_state_get(l, "verifier", &v, &n) == SP_ERR_NOT_FOUND);
	CHECK(sp_ledger_state_put(l, "verifier", (const uint8_t *)"abc", 3) ==
	    SP_OK);
	CHECK(sp_ledger_state_get(l, "verifier", &v, &n) == SP_OK && n == 3 &&
	    memcmp(v, "abc", 3) == 0);
	sp_bytes_free(v, n);
	CHECK(sp_ledger_state_put(l, "verifier", (const uint8_t *)"xy", 2) ==
	    SP_OK);
	CHECK(sp_ledger_state_get(l, "verifier", &v, &n) == SP_OK && n == 2 &&
	    memcmp(v, "xy", 2) == 0);
	sp_bytes_free(v, n);
	CHECK(sp_ledger_state_put(l, "", (const uint8_t *)"x", 1) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_ledger_state_put(l, "0123456789abcdef0123456789abcdefX",
	    (const uint8_t *)"x", 1) == SP_ERR_INVALID_ARG);
	sp_ledger_close(&l);
}

static void
test_reopen_refused(const char *dir)
{
	struct sp_ledger *l = NULL;
	struct sp_key *other = NULL;

	CHECK(sp_key_generate(&other, SP_ALG_EDDSA) == SP_OK);
	CHECK(sp_ledger_open(&l, dir, "p2", fx.till) == SP_ERR_KEY_MISMATCH);
	CHECK(l == NULL);
	CHECK(sp_ledger_open(&l, dir, LFIX_PROVIDER, other) ==
	    SP_ERR_KEY_MISMATCH);
	CHECK(sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) == SP_OK);
	sp_ledger_close(&l);
	sp_key_free(&other);
}

/* ---- Export and batches ----------------------------------------------- */

static void
check_batch(const uint8_t *b, size_t n, uint64_t first, uint64_t last,
    const uint8_t *head)
{
	struct sp_batch *bt = NULL;
	struct sp_ledger_record rec;
	uint8_t cose[128];
	size_t cl = sizeof(cose), kl = 0;
	const uint8_t *k;

	CHECK(sp_batch_open(&bt, b, n) == SP_OK);
	if (bt == NULL)
		return;
	CHECK(sp_batch_count(bt) == last - first + 1);
	CHECK(strcmp(sp_batch_provider(bt), LFIX_PROVIDER) == 0);
	CHECK(sp_key_public_cose(fx.till, cose, &cl) == SP_OK);
	k = sp_batch_till_key(bt, &kl);
	CHECK(kl == cl && memcmp(k, cose, cl) == 0);
	CHECK(head == NULL || memcmp(sp_batch_head(bt), head, 32) == 0);
	CHECK(sp_batch_record(bt, 0, &rec) == SP_OK && rec.seq == first);
	CHECK(memcmp(rec.prev, sp_batch_prev(bt), 32) == 0);
	CHECK(sp_batch_record(bt, (size_t)(last - first), &rec) == SP_OK &&
	    rec.seq == last && memcmp(rec.head, sp_batch_head(bt), 32) == 0);
	CHECK(rec.presentation_len > 100 && rec.receipt_sig_len == 64);
	CHECK(sp_batch_record(bt, (size_t)(last - first + 1), &rec) ==
	    SP_ERR_NOT_FOUND);
	sp_batch_free(&bt);
	CHECK(bt == NULL);
}

static void
test_export(const char *dir)
{
	struct sp_ledger *l = NULL;
	struct sp_ledger_stats st;
	struct sp_batch *bt = NULL;
	struct sp_ledger_record rec;
	struct sp_verdict vd;
	struct sp_receipt rc;
	uint8_t *a = NULL, *b = NULL, *c = NULL;
	size_t al = 0, bl = 0, cl = 0;
	uint64_t first = 0, last = 0;

	CHECK(sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) == SP_OK);
	CHECK(sp_ledger_stats(l, &st) == SP_OK && st.records == 6 &&
	    st.exported == 0);
	CHECK(sp_ledger_export(l, SP_LEDGER_SINCE_MARK, 0, &a, &al, &first,
	    &last) == SP_OK && first == 1 && last == 6);
	check_batch(a, al, 1, 6, st.head);
	seed("batch_6", a, al);
	/* Unmarked: the same bytes again. */
	CHECK(sp_ledger_export(l, 0, 0, &b, &bl, &first, &last) == SP_OK);
	CHECK(bl == al && memcmp(a, b, al) == 0);
	free(b);
	/* Record 1 of the batch: offer 1, scope, tag; record 6: no tag. */
	CHECK(sp_batch_open(&bt, a, al) == SP_OK);
	CHECK(sp_batch_record(bt, 0, &rec) == SP_OK && rec.offer == 1 &&
	    strcmp(rec.scope, "sport/2026") == 0 && rec.tag != NULL &&
	    rec.limit == 2 && rec.amount_cents == 350 && rec.counter == 1 &&
	    rec.time == LFIX_T0 + 101);
	CHECK(sp_batch_record(bt, 5, &rec) == SP_OK && rec.offer == 3 &&
	    rec.scope[0] == '\0' && rec.tag == NULL && rec.limit == 0);
	sp_batch_free(&bt);
	/* max: two at a time, chained. */
	CHECK(sp_ledger_export(l, 2, 2, &b, &bl, &first, &last) == SP_OK &&
	    first == 3 && last == 4);
	check_batch(b, bl, 3, 4, NULL);
	free(b);
	/* Mark, then nothing new; marks never go back. */
	CHECK(sp_ledger_export_mark(l, 7) == SP_ERR_INVALID_ARG);
	CHECK(sp_ledger_export_mark(l, 6) == SP_OK);
	CHECK(sp_ledger_export_mark(l, 3) == SP_OK);
	CHECK(sp_ledger_stats(l, &st) == SP_OK && st.exported == 6);
	CHECK(sp_ledger_export(l, SP_LEDGER_SINCE_MARK, 0, &b, &bl, &first,
	    &last) == SP_ERR_NOT_FOUND);
	/* A new record: the next batch holds only it, chained on. */
	CHECK(redeem(l, 3, 0, 20, &vd, &rc) == SP_OK && vd.approved);
	CHECK(sp_ledger_export(l, SP_LEDGER_SINCE_MARK, 0, &c, &cl, &first,
	    &last) == SP_OK && first == 7 && last == 7);
	check_batch(c, cl, 7, 7, rc.head);
	seed("batch_1", c, cl);
	{
		struct sp_batch *x = NULL, *y = NULL;

		CHECK(sp_batch_open(&x, a, al) == SP_OK);
		CHECK(sp_batch_open(&y, c, cl) == SP_OK);
		if (x != NULL && y != NULL)
			CHECK(memcmp(sp_batch_head(x), sp_batch_prev(y), 32) ==
			    0);
		sp_batch_free(&x);
		sp_batch_free(&y);
	}
	free(a);
	free(c);
	sp_ledger_close(&l);
}

/* A batch of the stored entries idx[0..n) signed by key, naming till. */
static int
forge(struct sp_ledger *l, struct sp_buf *out, const uint64_t *idx,
    size_t n, const uint8_t prev[32], const uint8_t head[32],
    const struct sp_key *key, const struct sp_key *till)
{
	struct sp_buf ents;
	uint8_t cose[128], *e = NULL;
	size_t cl = sizeof(cose), el = 0;
	int r = SP_OK;

	sp_buf_init(&ents);
	for (size_t i = 0; i < n && r == SP_OK; i++) {
		if ((r = ledger_raw_entry(l, idx[i], &e, &el)) == SP_OK)
			r = sp_buf_append(&ents, e, el);
		free(e);
		e = NULL;
	}
	if (r == SP_OK)
		r = sp_key_public_cose(till, cose, &cl);
	struct lbatch_spec s = {
		.provider = LFIX_PROVIDER, .till_cose = cose,
		.till_cose_len = cl, .prev = prev, .entries = ents.ptr,
		.entries_len = ents.len, .n = n, .head = head,
	};
	sp_buf_reset(out);
	if (r == SP_OK)
		r = lbatch_encode(out, &s, &key->priv);
	sp_buf_clear(&ents);
	return r;
}

/* Head after record seq, read from the stored entry. */
static void
head_after(struct sp_ledger *l, uint64_t seq, uint8_t head[32])
{
	uint8_t *e = NULL, hash[32];
	const uint8_t *rec, *sig;
	size_t el = 0, rl = 0, sl = 0;
	struct lrec r;

	CHECK(ledger_raw_entry(l, seq, &e, &el) == SP_OK);
	CHECK(lrec_entry_decode(e, el, &rec, &rl, &sig, &sl) == SP_OK);
	CHECK(lrec_decode(&r, rec, rl) == SP_OK);
	CHECK(lrec_chain(head, hash, r.prev, rec, rl) == SP_OK);
	free(e);
}

static void
test_forged_batches(const char *dir)
{
	struct sp_ledger *l = NULL;
	struct sp_key *other = NULL;
	struct sp_batch *bt = NULL;
	struct sp_buf b;
	uint8_t gen[32], h1[32], h2[32], h3[32], *e = NULL;
	const uint64_t all[] = { 1, 2, 3 }, gap[] = { 1, 3 };
	size_t el = 0;

	sp_buf_init(&b);
	CHECK(sp_key_generate(&other, SP_ALG_EDDSA) == SP_OK);
	CHECK(sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) == SP_OK);
	CHECK(lrec_genesis(gen, LFIX_PROVIDER) == SP_OK);
	head_after(l, 1, h1);
	head_after(l, 2, h2);
	head_after(l, 3, h3);
	/* The honest rebuild opens. */
	CHECK(forge(l, &b, all, 3, gen, h3, fx.till, fx.till) == SP_OK);
	CHECK(sp_batch_open(&bt, b.ptr, b.len) == SP_OK);
	sp_batch_free(&bt);
	/* Every single-byte flip is refused. */
	{
		size_t bad = 0;

		for (size_t i = 0; i < b.len; i++) {
			b.ptr[i] ^= 0x01;
			if (sp_batch_open(&bt, b.ptr, b.len) == SP_OK) {
				bad++;
				sp_batch_free(&bt);
			}
			b.ptr[i] ^= 0x01;
		}
		CHECKF(bad == 0, "%zu flips accepted", bad);
	}
	/* Wrong batch signature: signed by another key naming the till. */
	CHECK(forge(l, &b, all, 3, gen, h3, other, fx.till) == SP_OK);
	CHECK(sp_batch_open(&bt, b.ptr, b.len) == SP_ERR_SIGNATURE);
	/* Foreign till key: batch signed by and naming another key, the
	 * countersignatures are the real till's. */
	CHECK(forge(l, &b, all, 3, gen, h3, other, other) == SP_OK);
	CHECK(sp_batch_open(&bt, b.ptr, b.len) == SP_ERR_SIGNATURE);
	/* A dropped middle record, re-signed by the till: a gap. */
	CHECK(forge(l, &b, gap, 2, gen, h3, fx.till, fx.till) == SP_OK);
	CHECK(sp_batch_open(&bt, b.ptr, b.len) == SP_ERR_REG_GAP);
	seed("batch_gap", b.ptr, b.len);
	/* A wrong final head, or prev: a fork. */
	CHECK(forge(l, &b, all, 3, gen, h2, fx.till, fx.till) == SP_OK);
	CHECK(sp_batch_open(&bt, b.ptr, b.len) == SP_ERR_REG_FORK);
	CHECK(forge(l, &b, all + 1, 2, gen, h3, fx.till, fx.till) == SP_OK);
	CHECK(sp_batch_open(&bt, b.ptr, b.len) == SP_ERR_REG_FORK);
	CHECK(forge(l, &b, all + 1, 2, h1, h3, fx.till, fx.till) == SP_OK);
	CHECK(sp_batch_open(&bt, b.ptr, b.len) == SP_OK);
	sp_batch_free(&bt);
	/* An altered record, re-countersigned by the till (a provider
	 * inflating an amount): the next record's link breaks. */
	{
		struct sp_buf ents, ne, rb;
		const uint8_t *rec, *sig;
		size_t rl = 0, sl = 0;
		uint8_t hash[32], nh[32], cose[128];
		size_t cl = sizeof(cose);
		struct lrec r;
		uint8_t *e2 = NULL;

		sp_buf_init(&ents);
		sp_buf_init(&ne);
		sp_buf_init(&rb);
		/* e2 stays: r borrows its presentation. */
		CHECK(ledger_raw_entry(l, 2, &e2, &el) == SP_OK);
		CHECK(lrec_entry_decode(e2, el, &rec, &rl, &sig, &sl) ==
		    SP_OK);
		CHECK(lrec_decode(&r, rec, rl) == SP_OK);
		r.amount_cents = 99999;
		CHECK(lrec_entry_make(&ne, hash, nh, &r, &fx.till->priv) ==
		    SP_OK);
		CHECK(ledger_raw_entry(l, 1, &e, &el) == SP_OK);
		CHECK(sp_buf_append(&ents, e, el) == SP_OK);
		free(e);
		CHECK(sp_buf_append(&ents, ne.ptr, ne.len) == SP_OK);
		CHECK(ledger_raw_entry(l, 3, &e, &el) == SP_OK);
		CHECK(sp_buf_append(&ents, e, el) == SP_OK);
		free(e);
		CHECK(sp_key_public_cose(fx.till, cose, &cl) == SP_OK);
		struct lbatch_spec s = {
			.provider = LFIX_PROVIDER, .till_cose = cose,
			.till_cose_len = cl, .prev = gen, .entries = ents.ptr,
			.entries_len = ents.len, .n = 3, .head = h3,
		};
		CHECK(lbatch_encode(&rb, &s, &fx.till->priv) == SP_OK);
		CHECK(sp_batch_open(&bt, rb.ptr, rb.len) == SP_ERR_REG_FORK);
		seed("batch_fork", rb.ptr, rb.len);
		seed("entry", ne.ptr, ne.len);
		/* The same without re-countersigning: the receipt fails. */
		sp_buf_reset(&ents);
		sp_buf_reset(&rb);
		CHECK(ledger_raw_entry(l, 1, &e, &el) == SP_OK);
		CHECK(sp_buf_append(&ents, e, el) == SP_OK);
		free(e);
		sp_buf_reset(&ne);
		CHECK(lrec_encode(&rb, &r) == SP_OK);
		CHECK(ledger_raw_entry(l, 2, &e, &el) == SP_OK);
		CHECK(lrec_entry_decode(e, el, &rec, &rl, &sig, &sl) == SP_OK);
		CHECK(lrec_entry_encode(&ne, rb.ptr, rb.len, sig, sl) ==
		    SP_OK);
		free(e);
		CHECK(sp_buf_append(&ents, ne.ptr, ne.len) == SP_OK);
		sp_buf_reset(&rb);
		s.entries = ents.ptr;
		s.entries_len = ents.len;
		s.n = 2;
		s.head = h2;
		CHECK(lbatch_encode(&rb, &s, &fx.till->priv) == SP_OK);
		CHECK(sp_batch_open(&bt, rb.ptr, rb.len) == SP_ERR_SIGNATURE);
		sp_buf_clear(&ents);
		sp_buf_clear(&ne);
		sp_buf_clear(&rb);
		free(e2);
	}
	/* Garbage and limits. */
	CHECK(sp_batch_open(&bt, (const uint8_t *)"\x84", 1) != SP_OK);
	CHECK(sp_batch_open(&bt, NULL, 0) == SP_ERR_INVALID_ARG);
	CHECK(sp_batch_open(&bt, b.ptr, ((size_t)64 << 20) + 1) ==
	    SP_ERR_TOO_LARGE);
	CHECK(bt == NULL);
	sp_buf_clear(&b);
	sp_key_free(&other);
	sp_ledger_close(&l);
}

/* A record flipped on disk: verify names it; the newest one flipped
 * makes open refuse the ledger. */
static void
test_tamper(const char *dir)
{
	struct sp_ledger *l = NULL;
	uint8_t *e = NULL, k[8];
	size_t el = 0;
	uint64_t bad = 0;

	CHECK(sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) == SP_OK);
	CHECK(sp_ledger_verify(l, &bad) == SP_OK);
	CHECK(ledger_raw_entry(l, 3, &e, &el) == SP_OK);
	e[el / 2] ^= 0x20;
	lkey_be64(k, 3);
	CHECK(ledger_raw_put(l, LDB_RECORDS, k, 8, e, el) == SP_OK);
	CHECK(sp_ledger_verify(l, &bad) == SP_ERR_STORAGE && bad == 3);
	e[el / 2] ^= 0x20;
	CHECK(ledger_raw_put(l, LDB_RECORDS, k, 8, e, el) == SP_OK);
	CHECK(sp_ledger_verify(l, &bad) == SP_OK);
	free(e);
	/* The newest record. */
	CHECK(ledger_raw_entry(l, 7, &e, &el) == SP_OK);
	e[el - 40] ^= 0x01;
	lkey_be64(k, 7);
	CHECK(ledger_raw_put(l, LDB_RECORDS, k, 8, e, el) == SP_OK);
	sp_ledger_close(&l);
	CHECK(sp_ledger_open(&l, dir, LFIX_PROVIDER, fx.till) ==
	    SP_ERR_STORAGE);
	free(e);
}

static void
test_map_full(void)
{
	char *dir = lfix_tmpdir();
	struct sp_ledger *l = NULL;
	struct sp_verdict vd;
	struct sp_receipt rc;
	struct sp_ledger_stats st;
	uint64_t bad = 0, ok = 0;
	int r = SP_OK;

	CHECK(dir != NULL);
	CHECK(ledger_open_mapsize(&l, dir, LFIX_PROVIDER, fx.till,
	    (size_t)128 << 10) == SP_OK);
	for (uint64_t i = 1; i < 2000 && r == SP_OK; i++) {
		r = redeem(l, 3, 0, i, &vd, &rc);
		if (r == SP_OK)
			ok++;
	}
	CHECK(r == SP_ERR_STORAGE_FULL);
	CHECK(!vd.approved && vd.reason == SP_R_LEDGER &&
	    vd.err == SP_ERR_STORAGE_FULL);
	CHECK(ok > 10);
	CHECK(sp_ledger_stats(l, &st) == SP_OK && st.records == ok);
	CHECK(sp_ledger_verify(l, &bad) == SP_OK);
	sp_ledger_close(&l);
	lfix_rmdir(dir);
}

/* An ES256 till key (phones and some tills hold only P-256). */
static void
test_es256_till(void)
{
	char *dir = lfix_tmpdir();
	struct sp_ledger *l = NULL;
	struct sp_key *es = NULL;
	struct sp_verdict vd;
	struct sp_receipt rc;
	struct sp_batch *bt = NULL;
	uint8_t *b = NULL;
	size_t bl = 0;
	uint64_t first = 0, last = 0, bad = 0;

	CHECK(dir != NULL);
	CHECK(sp_key_generate(&es, SP_ALG_ES256) == SP_OK);
	CHECK(sp_ledger_open(&l, dir, LFIX_PROVIDER, es) == SP_OK);
	CHECK(redeem(l, 1, 1, 1, &vd, &rc) == SP_OK && vd.approved);
	CHECK(redeem(l, 1, 1, 2, &vd, &rc) == SP_OK && !vd.approved &&
	    vd.reason == SP_R_LIMIT_REACHED);
	CHECK(redeem(l, 3, 0, 3, &vd, &rc) == SP_OK && vd.approved);
	CHECK(sp_ledger_verify(l, &bad) == SP_OK);
	CHECK(sp_ledger_export(l, 0, 0, &b, &bl, &first, &last) == SP_OK &&
	    first == 1 && last == 2);
	CHECK(sp_batch_open(&bt, b, bl) == SP_OK && sp_batch_count(bt) == 2);
	sp_batch_free(&bt);
	free(b);
	sp_ledger_close(&l);
	CHECK(sp_ledger_open(&l, dir, LFIX_PROVIDER, es) == SP_OK);
	sp_ledger_close(&l);
	sp_key_free(&es);
	lfix_rmdir(dir);
}

int
main(int argc, char **argv)
{
	char *dir = lfix_tmpdir();

	if (argc == 3 && strcmp(argv[1], "--corpus") == 0)
		corpus = argv[2];

	CHECK(dir != NULL);
	CHECK(lfix_init(&fx, 1) == SP_OK);
	test_redeem_replay_limit(dir);
	test_state(dir);
	test_reopen_refused(dir);
	test_export(dir);
	test_forged_batches(dir);
	test_tamper(dir);
	test_map_full();
	test_es256_till();
	lfix_clear(&fx);
	lfix_rmdir(dir);
	return check_report("test_ledger");
}
