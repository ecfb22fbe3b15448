/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Settlement (settlement/settle.h) against real passes, real ledgers and
 * their signed batches, and a real settlement store: every fraud of issue
 * 7 is detected with its own reason, re-imports change nothing, reports
 * carry the documented columns and no claims.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "hash.h"
#include "batch.h"		/* ledger/: to sign a tampered batch */
#include "ledger_int.h"
#include "pass_int.h"
#include "record.h"
#include "sfix.h"
#include "stadspas/sp_registry.h"

static struct sfix F;

static struct stl *
store_new(void)
{
	struct stl *s = NULL;
	char dir[128];

	CHECK(stl_open(&s, sfix_subdir(&F, dir)) == SP_OK);
	return s;
}

static int
import(struct stl *s, const struct sp_buf *b, struct stl_import_result *res)
{
	struct stl_context ctx = sfix_ctx(&F);

	return stl_import(s, &ctx, b->ptr, b->len, res);
}

static char *
report(struct stl *s, const char *provider, bool csv)
{
	struct sp_buf out;
	char *text;

	sp_buf_init(&out);
	CHECK(stl_report(s, provider, 0, INT64_MAX, csv, &out) == SP_OK);
	CHECK(sp_buf_cstr(&out) == SP_OK);
	text = strdup((const char *)out.ptr);
	sp_buf_clear(&out);
	return text;
}

/* The reason of seq in the CSV report of provider. */
static const char *
reason_in(struct stl *s, const char *provider, const char *till8,
    unsigned seq, char *ev, size_t ev_len)
{
	static char reason[32];
	char *text = report(s, provider, true), *line, *save = NULL;
	char want[64];

	reason[0] = '\0';
	snprintf(want, sizeof(want), "%s,%s,%u,", provider, till8, seq);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *f[9], *p = line;
		int i;

		if (strncmp(line, want, strlen(want)) != 0)
			continue;
		for (i = 0; i < 9; i++)
			f[i] = strsep(&p, ",");
		snprintf(reason, sizeof(reason), "%s", f[7]);
		if (ev != NULL)
			snprintf(ev, ev_len, "%s", f[8] != NULL ? f[8] : "");
	}
	free(text);
	return reason;
}

static void
till8_of(int till, char out[9])
{
	uint8_t cose[64], fp[32];
	size_t n = sizeof(cose);

	CHECK(sp_key_public_cose(F.till[till], cose, &n) == SP_OK);
	CHECK(sp_sha256(fp, cose, n) == SP_OK);
	snprintf(out, 9, "%02x%02x%02x%02x", fp[0], fp[1], fp[2], fp[3]);
}

/* Honest records are paid; a re-import changes nothing. */
static void
test_paid_and_idempotent(void)
{
	struct stl *s = store_new();
	struct sp_ledger *l = sfix_ledger(&F, "p1", 0);
	struct stl_import_result res;
	struct spass a;
	struct sp_buf b;
	char *csv1, *csv2, *json1, *json2, t8[9];

	sp_buf_init(&b);
	sfix_pass(&F, &a, "0014-1", 10, 0x21);
	sfix_redeem(&F, l, &a, "p1", SF_MUSEUM, SF_T, 1, false, NULL, NULL);
	sfix_redeem(&F, l, &a, "p1", SF_SWIM, SF_T + 60, 1, false, NULL,
	    NULL);
	sfix_redeem(&F, l, &a, "p1", SF_SPORT, SF_T + 120, 1, false, NULL,
	    NULL);
	sfix_export(l, 0, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_OK);
	CHECK(res.records == 3 && res.new_records == 3);
	CHECK(res.paid == 3 && res.rejected == 0);
	CHECK(res.paid_cents == 500 + 350 + 2500);
	csv1 = report(s, NULL, true);
	json1 = report(s, NULL, false);
	/* Again: nothing new, the same report to the byte. */
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_OK && res.records == 3);
	CHECK(res.new_records == 0 && res.paid == 0 && res.paid_cents == 0);
	csv2 = report(s, NULL, true);
	json2 = report(s, NULL, false);
	CHECK(strcmp(csv1, csv2) == 0);
	CHECK(strcmp(json1, json2) == 0);
	/* Columns, one row per record, no claim of the pass. */
	till8_of(0, t8);
	CHECK(strncmp(csv1, "provider,till,seq,time,offer,amount_cents,"
	    "paid_cents,reason,evidence\n", 66) == 0);
	{
		char row[128];

		snprintf(row, sizeof(row),
		    "p1,%s,1,2026-01-07T10:00:00Z,2,500,500,ok,\n", t8);
		CHECK(strstr(csv1, row) != NULL);
		snprintf(row, sizeof(row),
		    "p1,%s,3,2026-01-07T10:02:00Z,3,2500,2500,ok,\n", t8);
		CHECK(strstr(csv1, row) != NULL);
	}
	CHECK(strstr(csv1, "Vries") == NULL && strstr(json1, "Vries") ==
	    NULL && strstr(csv1, "0014-1") == NULL);
	/* Paid records keep no presentation. */
	{
		struct sp_buf ev;

		sp_buf_init(&ev);
		CHECK(stl_evidence(s, t8, 1, &ev) == SP_ERR_NOT_FOUND);
		sp_buf_clear(&ev);
	}
	/* JSON totals. */
	{
		json_error_t err;
		json_t *root = json_loads(json1, 0, &err), *p;

		CHECK(root != NULL);
		p = json_array_get(json_object_get(root, "providers"), 0);
		CHECK(strcmp(json_string_value(json_object_get(p,
		    "provider")), "p1") == 0);
		CHECK(json_integer_value(json_object_get(p, "paid")) == 3);
		CHECK(json_integer_value(json_object_get(p, "paid_cents")) ==
		    3350);
		CHECK(json_integer_value(json_object_get(p, "rejected")) == 0);
		CHECK(json_array_size(json_object_get(p, "records")) == 3);
		json_decref(root);
	}
	/* Filters: provider and [from, to) of record time. */
	{
		struct sp_buf out;

		sp_buf_init(&out);
		CHECK(stl_report(s, "p1", SF_T + 60, SF_T + 120, true, &out) ==
		    SP_OK);
		CHECK(sp_buf_cstr(&out) == SP_OK);
		CHECK(strstr((char *)out.ptr, ",2,2026-01-07T10:01:00Z,1,350,"
		    "350,ok,\n") != NULL);
		CHECK(strstr((char *)out.ptr, ",1,2026") == NULL &&
		    strstr((char *)out.ptr, ",3,2026") == NULL);
		sp_buf_reset(&out);
		CHECK(stl_report(s, "p2", 0, INT64_MAX, false, &out) == SP_OK);
		CHECK(sp_buf_cstr(&out) == SP_OK);
		CHECK(strstr((char *)out.ptr, "\"providers\": []") != NULL);
		CHECK(stl_report(s, NULL, 10, 9, true, &out) ==
		    SP_ERR_INVALID_ARG);
		sp_buf_clear(&out);
	}
	/* A later batch continues the chain. */
	sfix_redeem(&F, l, &a, "p1", SF_MUSEUM, SF_T + 180, 2, false, NULL,
	    NULL);
	sfix_export(l, 3, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_OK && res.new_records == 1 &&
	    res.paid == 1);
	/* An overlapping batch (all four) adds nothing. */
	sfix_export(l, 0, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_OK && res.records == 4 &&
	    res.new_records == 0);
	free(csv1);
	free(csv2);
	free(json1);
	free(json2);
	sfix_pass_clear(&a);
	sp_buf_clear(&b);
	sp_ledger_close(&l);
	stl_close(&s);
}

/* A record whose holder signature was tampered with. */
static void
test_forged(void)
{
	struct stl *s = store_new();
	struct sp_ledger *l = sfix_ledger(&F, "p1", 0);
	struct stl_import_result res;
	struct spass a;
	struct sp_buf b;
	char t8[9];

	sp_buf_init(&b);
	sfix_pass(&F, &a, "0014-2", 11, 0x22);
	sfix_redeem(&F, l, &a, "p1", SF_MUSEUM, SF_T, 1, false, NULL, NULL);
	sfix_redeem(&F, l, &a, "p1", SF_MUSEUM, SF_T + 60, 2, true, NULL,
	    NULL);
	sfix_export(l, 0, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_OK && res.paid == 1 &&
	    res.rejected == 1 && res.paid_cents == 500);
	till8_of(0, t8);
	CHECK(strcmp(reason_in(s, "p1", t8, 1, NULL, 0), "ok") == 0);
	CHECK(strcmp(reason_in(s, "p1", t8, 2, NULL, 0),
	    "holder_binding_failed") == 0);
	sfix_pass_clear(&a);
	sp_buf_clear(&b);
	sp_ledger_close(&l);
	stl_close(&s);
}

/* A batch signed by a till key the catalogue does not list for p1. */
static void
test_foreign_till(void)
{
	struct stl *s = store_new();
	struct sp_ledger *l = sfix_ledger(&F, "p1", 3);
	struct sp_ledger *l2 = sfix_ledger(&F, "p1", 2);	/* p2's key */
	struct stl_import_result res;
	struct spass a;
	struct sp_buf b;

	sp_buf_init(&b);
	sfix_pass(&F, &a, "0014-3", 12, 0x23);
	sfix_redeem(&F, l, &a, "p1", SF_MUSEUM, SF_T, 1, false, NULL, NULL);
	sfix_export(l, 0, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_UNKNOWN_TILL);
	CHECK(strcmp(stl_batch_error_token(res.batch_error),
	    "unknown_till") == 0);
	CHECK(res.new_records == 0 && res.paid == 0);
	sfix_redeem(&F, l2, &a, "p1", SF_MUSEUM, SF_T + 60, 2, false, NULL,
	    NULL);
	sfix_export(l2, 0, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_UNKNOWN_TILL);
	/* Nothing was stored. */
	{
		char *csv = report(s, NULL, true);

		CHECK(strchr(csv, '\n') == csv + strlen(csv) - 1);
		free(csv);
	}
	sfix_pass_clear(&a);
	sp_buf_clear(&b);
	sp_ledger_close(&l);
	sp_ledger_close(&l2);
	stl_close(&s);
}

/* Revoked before the redemption: refused; revoked after: paid;
 * suspended then reinstated before: paid. */
static void
test_revoked(void)
{
	struct stl *s = store_new();
	struct sp_ledger *l = sfix_ledger(&F, "p1", 0);
	struct stl_import_result res;
	struct spass a, c, d;
	struct sp_buf b;
	char t8[9];

	sp_buf_init(&b);
	sfix_pass(&F, &a, "0014-4", 20, 0x24);
	sfix_pass(&F, &c, "0014-5", 21, 0x25);
	sfix_pass(&F, &d, "0014-6", 22, 0x26);
	CHECK(stl_history_add(F.hist, 20, SP_STATUS_REVOKED, SF_T - 100) ==
	    SP_OK);
	CHECK(stl_history_add(F.hist, 22, SP_STATUS_SUSPENDED, SF_T - 300) ==
	    SP_OK);
	CHECK(stl_history_add(F.hist, 22, SP_STATUS_VALID, SF_T - 200) ==
	    SP_OK);
	CHECK(stl_history_add(F.hist, 21, SP_STATUS_REVOKED, SF_T + 100) ==
	    SP_OK);
	CHECK(stl_history_status(F.hist, 22, SF_T - 250) ==
	    SP_STATUS_SUSPENDED);
	sfix_redeem(&F, l, &a, "p1", SF_MUSEUM, SF_T, 1, false, NULL, NULL);
	sfix_redeem(&F, l, &c, "p1", SF_MUSEUM, SF_T + 10, 1, false, NULL,
	    NULL);
	sfix_redeem(&F, l, &d, "p1", SF_MUSEUM, SF_T + 20, 1, false, NULL,
	    NULL);
	sfix_export(l, 0, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_OK && res.paid == 2 &&
	    res.rejected == 1);
	till8_of(0, t8);
	CHECK(strcmp(reason_in(s, "p1", t8, 1, NULL, 0), "revoked") == 0);
	CHECK(strcmp(reason_in(s, "p1", t8, 2, NULL, 0), "ok") == 0);
	CHECK(strcmp(reason_in(s, "p1", t8, 3, NULL, 0), "ok") == 0);
	sfix_pass_clear(&a);
	sfix_pass_clear(&c);
	sfix_pass_clear(&d);
	sp_buf_clear(&b);
	sp_ledger_close(&l);
	stl_close(&s);
}

/* One presentation recorded by p1 and replayed by p2. */
static void
test_replay_across_providers(void)
{
	struct stl *s = store_new();
	struct sp_ledger *l1 = sfix_ledger(&F, "p1", 0);
	struct sp_ledger *l2 = sfix_ledger(&F, "p2", 2);
	struct stl_import_result res;
	struct sp_verdict vd;
	struct sp_receipt rc;
	struct sp_presentation *pr = NULL;
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	struct spass a;
	struct sp_buf b;
	uint8_t *pres = NULL;
	size_t plen = 0;
	char t8[9], t8b[9], ev[64], want[64];

	sp_buf_init(&b);
	sfix_pass(&F, &a, "0014-7", 30, 0x27);
	sfix_redeem(&F, l1, &a, "p1", SF_MUSEUM, SF_T, 1, false, &pres,
	    &plen);
	/* p2's till records the same bytes as its own redemption. */
	vo.now = SF_T + 30;
	CHECK(sp_presentation_verify(&pr, sp_verifier_trust(F.v), &vo, pres,
	    plen) == SP_OK);
	memset(&vd, 0, sizeof(vd));
	vd.approved = true;
	vd.offer = SF_MUSEUM;
	vd.amount_cents = 500;
	(void)sp_presentation_offer(pr, &vd.counter);
	sp_presentation_replay_id(pr, vd.replay_id);
	vd.raw = pres;
	vd.raw_len = plen;
	sp_presentation_free(&pr);
	CHECK(sp_ledger_redeem(l2, &vd, SF_T + 30, &rc) == SP_OK &&
	    vd.approved);
	sfix_export(l1, 0, &b);
	CHECK(import(s, &b, &res) == SP_OK && res.paid == 1);
	sfix_export(l2, 0, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_OK && res.paid == 0 &&
	    res.rejected == 1);
	till8_of(0, t8);
	till8_of(2, t8b);
	CHECK(strcmp(reason_in(s, "p2", t8b, 1, ev, sizeof(ev)),
	    "replayed") == 0);
	snprintf(want, sizeof(want), "%s:1", t8);
	CHECK(strcmp(ev, want) == 0);
	CHECK(strcmp(reason_in(s, "p1", t8, 1, NULL, 0), "ok") == 0);
	sp_bytes_free(pres, plen);
	sfix_pass_clear(&a);
	sp_buf_clear(&b);
	sp_ledger_close(&l1);
	sp_ledger_close(&l2);
	stl_close(&s);
}

/* Signs a batch of the stored entries seqs[0..n) of l with f's till. */
static void
batch_of(struct sp_ledger *l, int till, const uint64_t *seqs, size_t n,
    const uint8_t head[32], struct sp_buf *out)
{
	uint8_t cose[64], prev[32], *e;
	size_t cl = sizeof(cose), el, i;
	struct sp_buf entries;

	sp_buf_init(&entries);
	for (i = 0; i < n; i++) {
		CHECK(ledger_raw_entry(l, seqs[i], &e, &el) == SP_OK);
		CHECK(sp_buf_append(&entries, e, el) == SP_OK);
		free(e);
	}
	CHECK(sp_key_public_cose(F.till[till], cose, &cl) == SP_OK);
	CHECK(lrec_genesis(prev, "p1") == SP_OK);
	struct lbatch_spec spec = {
		.provider = "p1", .till_cose = cose, .till_cose_len = cl,
		.prev = prev, .entries = entries.ptr,
		.entries_len = entries.len, .n = n, .head = head,
	};
	sp_buf_reset(out);
	CHECK(lbatch_encode(out, &spec, &F.till[till]->priv) == SP_OK);
	sp_buf_clear(&entries);
}

/* A record deleted from the middle of a batch, and a batch that skips
 * records after the last one ingested. */
static void
test_gap(void)
{
	static const uint64_t without2[] = { 1, 3 };
	struct stl *s = store_new();
	struct sp_ledger *l = sfix_ledger(&F, "p1", 0);
	struct sp_ledger_stats st;
	struct stl_import_result res;
	struct spass a;
	struct sp_buf b;
	int i;

	sp_buf_init(&b);
	sfix_pass(&F, &a, "0014-8", 40, 0x28);
	for (i = 0; i < 5; i++)
		sfix_redeem(&F, l, &a, "p1", SF_MUSEUM, SF_T + i * 60,
		    (uint64_t)i + 1, false, NULL, NULL);
	CHECK(sp_ledger_stats(l, &st) == SP_OK && st.records == 5);
	/* Honestly signed by the till, but record 2 left out. */
	batch_of(l, 0, without2, 2, st.head, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_GAP);
	CHECK(strcmp(stl_batch_error_token(res.batch_error), "gap") == 0);
	CHECK(res.new_records == 0 && res.paid == 0);
	/* Records 1-2, then 4-5: 3 is missing. */
	{
		uint8_t *e;
		size_t el;
		uint64_t first, last;

		CHECK(sp_ledger_export(l, 0, 2, &e, &el, &first, &last) ==
		    SP_OK && last == 2);
		CHECK(stl_import(s, &(struct stl_context){ .v = F.v,
		    .history = F.hist, .list_id = 1, .skew = 90,
		    .now = SF_T + SF_DAY }, e, el, &res) == SP_OK);
		CHECK(res.batch_error == STL_BATCH_OK && res.paid == 2);
		sp_bytes_free(e, el);
	}
	sfix_export(l, 3, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_GAP);
	CHECK(strcmp(res.detail, "expected seq 3, got 4") == 0);
	/* The missing one arrives: everything goes in. */
	sfix_export(l, 2, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_OK && res.new_records == 3 &&
	    res.paid == 3);
	sfix_pass_clear(&a);
	sp_buf_clear(&b);
	sp_ledger_close(&l);
	stl_close(&s);
}

/* A till rewrites history: the same seqs with other records. */
static void
test_fork(void)
{
	struct stl *s = store_new();
	struct sp_ledger *l = sfix_ledger(&F, "p1", 1);
	struct sp_ledger *l2 = sfix_ledger(&F, "p1", 1);
	struct stl_import_result res;
	struct spass a;
	struct sp_buf b;
	int i;

	sp_buf_init(&b);
	sfix_pass(&F, &a, "0014-9", 50, 0x29);
	for (i = 0; i < 3; i++)
		sfix_redeem(&F, l, &a, "p1", SF_MUSEUM, SF_T + i * 60,
		    (uint64_t)i + 1, false, NULL, NULL);
	sfix_export(l, 0, &b);
	CHECK(import(s, &b, &res) == SP_OK && res.paid == 3);
	/* The rewritten ledger: record 2 dropped, the rest re-chained. */
	sfix_redeem(&F, l2, &a, "p1", SF_MUSEUM, SF_T, 1, false, NULL, NULL);
	for (i = 2; i < 5; i++)
		sfix_redeem(&F, l2, &a, "p1", SF_MUSEUM, SF_T + i * 60,
		    (uint64_t)i + 1, false, NULL, NULL);
	sfix_export(l2, 0, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_FORK);
	CHECK(strcmp(stl_batch_error_token(res.batch_error), "fork") == 0);
	/* Record 1 is the same (same presentation): seq 2 differs. */
	CHECK(strncmp(res.detail, "seq 2: stored head ", 19) == 0);
	CHECK(strstr(res.detail, ", batch head ") != NULL);
	CHECK(res.new_records == 0);
	/* Only the tail past what was ingested: its prev is not ours. */
	sfix_export(l2, 3, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_GAP);
	sfix_pass_clear(&a);
	sp_buf_clear(&b);
	sp_ledger_close(&l);
	sp_ledger_close(&l2);
	stl_close(&s);
}

/* One pass, swim once a week, at both tills of p1 in the same week. */
static void
test_cross_till(void)
{
	struct stl *s = store_new();
	struct sp_ledger *l1 = sfix_ledger(&F, "p1", 0);
	struct sp_ledger *l2 = sfix_ledger(&F, "p1", 1);
	struct stl_import_result res;
	struct spass a;
	struct sp_buf b, evb;
	uint8_t *pres = NULL;
	size_t plen = 0;
	char t1[9], t2[9], ev[64], want[64];

	sp_buf_init(&b);
	sp_buf_init(&evb);
	sfix_pass(&F, &a, "0014-10", 60, 0x2a);
	sfix_redeem(&F, l1, &a, "p1", SF_SWIM, SF_T, 1, false, NULL, NULL);
	sfix_redeem(&F, l2, &a, "p1", SF_SWIM, SF_T + 3600, 2, false, &pres,
	    &plen);
	/* Next week is a new period. */
	sfix_redeem(&F, l2, &a, "p1", SF_SWIM, SF_T + 7 * SF_DAY - 3 * 3600,
	    3, false, NULL, NULL);
	sfix_export(l1, 0, &b);
	CHECK(import(s, &b, &res) == SP_OK && res.paid == 1);
	sfix_export(l2, 0, &b);
	{
		struct stl_context ctx = sfix_ctx(&F);

		ctx.now = SF_T + 8 * SF_DAY;
		CHECK(stl_import(s, &ctx, b.ptr, b.len, &res) == SP_OK);
	}
	CHECK(res.batch_error == STL_BATCH_OK && res.paid == 1 &&
	    res.rejected == 1 && res.paid_cents == 350);
	till8_of(0, t1);
	till8_of(1, t2);
	CHECK(strcmp(reason_in(s, "p1", t2, 1, ev, sizeof(ev)),
	    "over_limit") == 0);
	snprintf(want, sizeof(want), "%s:1", t1);
	CHECK(strcmp(ev, want) == 0);
	CHECK(strcmp(reason_in(s, "p1", t2, 2, NULL, 0), "ok") == 0);
	/* The flagged record's presentation is kept as evidence. */
	CHECK(stl_evidence(s, t2, 1, &evb) == SP_OK);
	CHECK(evb.len == plen && memcmp(evb.ptr, pres, plen) == 0);
	CHECK(stl_evidence(s, t1, 1, &evb) == SP_ERR_NOT_FOUND);
	sp_bytes_free(pres, plen);
	sfix_pass_clear(&a);
	sp_buf_clear(&b);
	sp_buf_clear(&evb);
	sp_ledger_close(&l1);
	sp_ledger_close(&l2);
	stl_close(&s);
}

/* A cloned wallet uses counter 1 twice; a second copy of the pass on
 * another phone has its own counter 1 and is paid. */
static void
test_counter_reuse(void)
{
	struct stl *s = store_new();
	struct sp_ledger *l1 = sfix_ledger(&F, "p1", 0);
	struct sp_ledger *l2 = sfix_ledger(&F, "p1", 1);
	struct stl_import_result res;
	struct spass a, copy;
	struct sp_buf b, evb;
	char t1[9], t2[9], ev[64], want[64];

	sp_buf_init(&b);
	sp_buf_init(&evb);
	sfix_pass(&F, &a, "0014-11", 70, 0x2b);
	sfix_pass(&F, &copy, "0014-11", 71, 0x2c);
	sfix_redeem(&F, l1, &a, "p1", SF_SPORT, SF_T, 1, false, NULL, NULL);
	sfix_redeem(&F, l2, &a, "p1", SF_SPORT, SF_T + 600, 1, false, NULL,
	    NULL);
	sfix_export(l1, 0, &b);
	CHECK(import(s, &b, &res) == SP_OK && res.paid == 1);
	sfix_export(l2, 0, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_OK && res.rejected == 1);
	till8_of(0, t1);
	till8_of(1, t2);
	CHECK(strcmp(reason_in(s, "p1", t2, 1, ev, sizeof(ev)),
	    "counter_reuse") == 0);
	snprintf(want, sizeof(want), "%s:1", t1);
	CHECK(strcmp(ev, want) == 0);
	CHECK(stl_evidence(s, t2, 1, &evb) == SP_OK && evb.len > 0);
	/* The other copy: same tag, own counter; the limit (2) holds. */
	sfix_redeem(&F, l2, &copy, "p1", SF_SPORT, SF_T + 1200, 1, false,
	    NULL, NULL);
	sfix_export(l2, 1, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_OK && res.paid == 1);
	/* A third paid use of the pass this year (the reused counter did
	 * not count) is over the limit of 2. */
	sfix_redeem(&F, l1, &copy, "p1", SF_SPORT, SF_T + 1800, 2, false,
	    NULL, NULL);
	sfix_export(l1, 1, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_OK && res.rejected == 1);
	CHECK(strcmp(reason_in(s, "p1", t1, 2, ev, sizeof(ev)),
	    "over_limit") == 0);
	snprintf(want, sizeof(want), "%s:1 %s:2", t1, t2);
	CHECK(strcmp(ev, want) == 0);
	sfix_pass_clear(&a);
	sfix_pass_clear(&copy);
	sp_buf_clear(&b);
	sp_buf_clear(&evb);
	sp_ledger_close(&l1);
	sp_ledger_close(&l2);
	stl_close(&s);
}

/* Offer, provider, amount and time checks. */
static void
test_offer_checks(void)
{
	struct stl *s = store_new();
	struct sp_ledger *l = sfix_ledger(&F, "p2", 2);
	struct stl_import_result res;
	struct spass a;
	struct sp_buf b;
	char t8[9];

	sp_buf_init(&b);
	sfix_pass(&F, &a, "0014-12", 80, 0x2d);
	/* Swim is not honoured by p2. */
	sfix_redeem(&F, l, &a, "p2", SF_SWIM, SF_T, 1, false, NULL, NULL);
	/* Signed for p1, recorded by p2. */
	sfix_redeem(&F, l, &a, "p1", SF_MUSEUM, SF_T + 60, 1, false, NULL,
	    NULL);
	sfix_redeem(&F, l, &a, "p2", SF_MUSEUM, SF_T + 120, 2, false, NULL,
	    NULL);
	sfix_export(l, 0, &b);
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.paid == 1 && res.rejected == 2);
	till8_of(2, t8);
	CHECK(strcmp(reason_in(s, "p2", t8, 1, NULL, 0), "wrong_provider") ==
	    0);
	CHECK(strcmp(reason_in(s, "p2", t8, 2, NULL, 0), "wrong_provider") ==
	    0);
	CHECK(strcmp(reason_in(s, "p2", t8, 3, NULL, 0), "ok") == 0);
	sfix_pass_clear(&a);
	sp_buf_clear(&b);
	sp_ledger_close(&l);
	stl_close(&s);
}

static void
test_tokens_and_history(void)
{
	struct stl_history *h = NULL;
	int i;

	for (i = 0; i < STL_REASON_COUNT; i++)
		CHECK(strcmp(stl_reason_token(i), "unknown") != 0);
	CHECK(strcmp(stl_reason_token(STL_REASON_COUNT), "unknown") == 0);
	CHECK(strcmp(stl_reason_token(-1), "unknown") == 0);
	CHECK(strcmp(stl_reason_token(STL_COUNTER_REUSE), "counter_reuse") ==
	    0);
	CHECK(stl_history_new(&h) == SP_OK);
	CHECK(stl_history_status(h, 5, 100) == SP_STATUS_VALID);
	for (i = 0; i < 5000; i++)
		CHECK(stl_history_add(h, (uint32_t)i, SP_STATUS_SUSPENDED,
		    1000 + i) == SP_OK);
	CHECK(stl_history_add(h, 7, SP_STATUS_VALID, 9000) == SP_OK);
	CHECK(stl_history_add(h, 7, SP_STATUS_REVOKED, 9500) == SP_OK);
	CHECK(stl_history_add(h, 7, 3, 9600) == SP_ERR_INVALID_ARG);
	CHECK(stl_history_status(h, 7, 1006) == SP_STATUS_VALID);
	CHECK(stl_history_status(h, 7, 1007) == SP_STATUS_SUSPENDED);
	CHECK(stl_history_status(h, 7, 9000) == SP_STATUS_VALID);
	CHECK(stl_history_status(h, 7, 9499) == SP_STATUS_VALID);
	CHECK(stl_history_status(h, 7, 9500) == SP_STATUS_REVOKED);
	CHECK(stl_history_status(h, 4999, 5999) == SP_STATUS_SUSPENDED);
	CHECK(stl_history_status(h, 5000, 99999) == SP_STATUS_VALID);
	stl_history_free(&h);
	stl_history_free(&h);
	CHECK(h == NULL);
}

/* Garbage and a truncated batch are malformed, nothing stored. */
static void
test_malformed(void)
{
	struct stl *s = store_new();
	struct sp_ledger *l = sfix_ledger(&F, "p1", 0);
	struct stl_import_result res;
	struct spass a;
	struct sp_buf b;
	static const uint8_t junk[] = { 0x84, 0x40, 0xa0, 0xf6 };

	sp_buf_init(&b);
	sfix_pass(&F, &a, "0014-13", 90, 0x2e);
	sfix_redeem(&F, l, &a, "p1", SF_MUSEUM, SF_T, 1, false, NULL, NULL);
	sfix_export(l, 0, &b);
	b.ptr[b.len / 2] ^= 0x10;
	CHECK(import(s, &b, &res) == SP_OK);
	CHECK(res.batch_error == STL_BATCH_MALFORMED);
	CHECK(res.detail[0] != '\0');
	{
		struct stl_context ctx = sfix_ctx(&F);

		CHECK(stl_import(s, &ctx, junk, sizeof(junk), &res) == SP_OK);
		CHECK(res.batch_error == STL_BATCH_MALFORMED);
		CHECK(stl_import(NULL, &ctx, junk, sizeof(junk), &res) ==
		    SP_ERR_INVALID_ARG);
	}
	sfix_pass_clear(&a);
	sp_buf_clear(&b);
	sp_ledger_close(&l);
	stl_close(&s);
	stl_close(&s);
}

int
main(void)
{
	sfix_init(&F);
	test_tokens_and_history();
	test_paid_and_idempotent();
	test_forged();
	test_foreign_till();
	test_revoked();
	test_replay_across_providers();
	test_gap();
	test_fork();
	test_cross_till();
	test_counter_reuse();
	test_offer_checks();
	test_malformed();
	sfix_clear(&F);
	return check_report("test_settle");
}
