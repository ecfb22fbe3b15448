/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The till's check: sp_verifier_check of a presentation for an offer
 * with a weekly limit (the full path: issuer and holder signatures,
 * disclosures, status in the mirror, freshness, catalogue, eligibility,
 * the limit scope and the tag derived from the limit key) beside two bare
 * Ed25519 verifications in the same run. The municipality is the fuzz
 * fixture's (tests/fuzz/till_fixture.h). Prints "BENCH <name> <value>
 * <unit>" lines.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_prims.h"
#include "till_fixture.h"

#define ROUNDS 7
#define ITERS 4000

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_till: %s: %s\n", what, sp_strerror(r));
	exit(1);
}

static double
check_ns(const struct sp_verifier *v, const uint8_t *p, size_t n,
    unsigned iters)
{
	struct sp_check_opts o = { .now = TF_NOW, .offer = 1 };
	struct sp_verdict vd;
	uint64_t t0 = bench_now_ns();
	unsigned i;
	int r;

	for (i = 0; i < iters; i++) {
		if ((r = sp_verifier_check(v, &vd, p, n, &o)) != SP_OK)
			die("check", r);
		if (!vd.approved)
			die(sp_reason_token(vd.reason), vd.err);
		sp_verdict_clear(&vd);
	}
	return (double)(bench_now_ns() - t0) / iters;
}

int
main(void)
{
	static const int u18[] = { SP_CLAIM_AGE_UNDER_18 };
	const char *scopes[] = { "swim/2026-W10" };
	struct sp_present_opts po = {
		.time = TF_NOW, .audience = "p1", .offer = 1, .counter = 1,
		.disclose = u18, .disclose_count = 1,
		.scopes = scopes, .scope_count = 1,
	};
	struct sp_verifier *v;
	struct tf t;
	uint8_t *issued, *p;
	size_t ilen, n;
	double op = 1e30, base = 1e30, x;
	unsigned iters = ITERS;
	int i, r;

	if (getenv("BENCH_TILL_ITERS") != NULL)	/* profiling runs */
		iters = (unsigned)strtoul(getenv("BENCH_TILL_ITERS"), NULL,
		    10) + 1;
	tf_init(&t);
	v = tf_verifier(&t, true, true);
	tf_issue(&t, 5, &issued, &ilen);
	if ((r = sp_present(&p, &n, issued, ilen, t.holder, &po)) != SP_OK)
		die("present", r);
	for (i = 0; i < ROUNDS; i++) {	/* fastest round of each */
		if ((x = check_ns(v, p, n, iters)) < op)
			op = x;
		if ((x = bench_ed25519_verify_ns(iters)) > 0 && x < base)
			base = x;
	}
	printf("BENCH till_verify %.0f ops/s\n", 1e9 / op);
	printf("BENCH till_verify_2ed25519 %.0f ops/s\n", 1e9 / (2 * base));
	printf("BENCH till_verify_vs_2ed25519 %.3f x\n", op / (2 * base));
	sp_bytes_free(p, n);
	sp_bytes_free(issued, ilen);
	sp_verifier_free(&v);
	tf_clear(&t);
	return 0;
}
