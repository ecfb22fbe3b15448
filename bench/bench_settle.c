/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Settlement ingest: records verified per second when a provider's
 * signed batch of 2000 redemptions is imported (batch signature and
 * chain, every presentation with its issuer and holder signatures, the
 * status history, the catalogue, replay, counter and limit indexes, one
 * durable LMDB commit), beside the bare Ed25519 verify rate of the same
 * run. Each record needs two Ed25519 verifications (issuer, holder) plus
 * the till's countersignature in sp_batch_open, so three verifies per
 * record bound the ratio at about 1/3.
 *
 * The municipality, passes and ledger come from the settlement tests'
 * fixture (tests/settlement/sfix.c), compiled in; scratch files go to
 * $SP_TEST_DIR (default /tmp).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_prims.h"
#include "settle.h"
#include "sfix.h"

#define RECORDS 2000
#define ROUNDS 3
#define VERIFIES 20000

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_settle: %s: %s\n", what, sp_strerror(r));
	exit(1);
}

/* One ledger with RECORDS museum visits by 20 passes. */
static void
make_batch(struct sfix *f, struct sp_buf *out)
{
	struct sp_ledger *l = sfix_ledger(f, "p1", 0);
	struct spass p[20];
	char no[16];
	size_t i;

	for (i = 0; i < 20; i++) {
		snprintf(no, sizeof(no), "0014-%zu", i);
		sfix_pass(f, &p[i], no, (uint32_t)(100 + i), (uint8_t)(i + 1));
	}
	for (i = 0; i < RECORDS; i++)
		sfix_redeem(f, l, &p[i % 20], "p1", SF_MUSEUM,
		    SF_T + (int64_t)i * 5, i / 20 + 1, false, NULL, NULL);
	sfix_export(l, 0, out);
	for (i = 0; i < 20; i++)
		sfix_pass_clear(&p[i]);
	sp_ledger_close(&l);
}

int
main(void)
{
	struct sfix f;
	struct sp_buf batch;
	struct stl_import_result res;
	struct stl_context ctx;
	struct stl *s;
	char dir[128];
	double best = 0, ns, rate, bare;
	uint64_t t0, t1;
	int r, i;

	sfix_init(&f);
	sp_buf_init(&batch);
	make_batch(&f, &batch);
	ctx = sfix_ctx(&f);
	for (i = 0; i < ROUNDS; i++) {
		s = NULL;
		if ((r = stl_open(&s, sfix_subdir(&f, dir))) != SP_OK)
			die("stl_open", r);
		t0 = bench_now_ns();
		r = stl_import(s, &ctx, batch.ptr, batch.len, &res);
		t1 = bench_now_ns();
		if (r != SP_OK)
			die("stl_import", r);
		if (res.batch_error != STL_BATCH_OK || res.paid != RECORDS) {
			fprintf(stderr, "bench_settle: import: %s, %zu paid\n",
			    stl_batch_error_token(res.batch_error), res.paid);
			return 1;
		}
		rate = (double)RECORDS * 1e9 / (double)(t1 - t0);
		if (rate > best)
			best = rate;
		stl_close(&s);
	}
	if ((ns = bench_ed25519_verify_ns(VERIFIES)) <= 0) {
		fprintf(stderr, "bench_settle: bare verify failed\n");
		return 1;
	}
	bare = 1e9 / ns;
	printf("BENCH settle_ingest %.0f records/s\n", best);
	printf("BENCH settle_verify_bare %.0f verifies/s\n", bare);
	printf("BENCH settle_ingest_vs_verify %.3f\n", best / bare);
	sp_buf_clear(&batch);
	sfix_clear(&f);
	return 0;
}
