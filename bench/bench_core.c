/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Credential-core benchmark: presentation verification (decode, issuer
 * signature, disclosures, holder key binding) beside the same-run cost of
 * two bare signature verifies, and the size of a typical presentation as
 * CBOR, Base45 characters and QR version at error correction M.
 * Prints "BENCH <name> <value> <unit>" lines.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "bench_prims.h"
#include "stadspas/stadspas.h"

#define T0 1767225600	/* 2026-01-01 */
#define ROUNDS 7

struct setup {
	struct sp_key *issuer, *holder;
	struct sp_trust *trust;
	uint8_t *issued, *pres;
	size_t issued_len, pres_len;
};

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_core: %s: %s\n", what, sp_strerror(r));
	exit(1);
}

/*
 * A realistic pass: 9 disclosable claims, as DESIGN.md lists them, no iss
 * (the kid names the issuer). The typical presentation is for a limited
 * sport offer at a till without its own QR (no audience, no nonce): it
 * discloses the limit-tag claim, which names its category and period
 * (scope "sport/2026"). With two_claims the separate category claim
 * "sport" is disclosed as well.
 */
static const char *const scopes_typ[] = { "sport/2026", "sport" };

static struct sp_present_opts
typical_opts(bool two_claims)
{
	struct sp_present_opts po = {
		.time = T0 + 100, .offer = 7, .counter = 3,
		.scopes = scopes_typ, .scope_count = two_claims ? 2 : 1,
	};
	return po;
}

static void
make_pass(struct setup *s, int ialg, int halg, bool two_claims)
{
	static const uint8_t tag[SP_TAG_LEN] = { 1 }, tkey[SP_TAG_LEN] = { 2 };
	struct sp_present_opts po = typical_opts(two_claims);
	struct sp_pass_builder *b = NULL;
	uint8_t cose[128];
	size_t cl = sizeof(cose);
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = sp_key_generate(&s->issuer, ialg)) != SP_OK ||
	    (r = sp_key_generate(&s->holder, halg)) != SP_OK ||
	    (r = sp_trust_new(&s->trust)) != SP_OK ||
	    (r = sp_key_public_cose(s->issuer, cose, &cl)) != SP_OK ||
	    (r = sp_trust_add_cose_key(s->trust, cose, cl)) != SP_OK)
		die("keys", r);
	cl = sizeof(cose);
	if ((r = sp_key_public_cose(s->holder, cose, &cl)) != SP_OK ||
	    (r = sp_pass_builder_new(&b)) != SP_OK)
		die("builder", r);
	if ((r = sp_pass_builder_set_times(b, T0, 0, T0 + 365 * 86400)) !=
	    SP_OK ||
	    (r = sp_pass_builder_set_status(b, 1, 8765432)) != SP_OK ||
	    (r = sp_pass_builder_set_holder(b, cose, cl)) != SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_PASS_NO,
	    "0014-0123456")) != SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_NAME,
	    "Johanna van der Berg")) != SP_OK ||
	    (r = sp_pass_builder_add_uint(b, SP_CLAIM_BIRTH_YEAR, 2011)) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18, true)) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_uint(b, SP_CLAIM_HOUSEHOLD_SIZE, 4)) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY, "sport")) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY, "culture")) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_limit_tag(b, "sport/2026", tag)) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_limit_key(b, "swim", tkey)) != SP_OK)
		die("claims", r);
	if ((r = sp_pass_issue(&s->issued, &s->issued_len, b, s->issuer,
	    NULL)) != SP_OK)
		die("issue", r);
	sp_pass_builder_free(&b);
	if ((r = sp_present(&s->pres, &s->pres_len, s->issued, s->issued_len,
	    s->holder, &po)) != SP_OK)
		die("present", r);
}

static void
free_setup(struct setup *s)
{
	sp_key_free(&s->issuer);
	sp_key_free(&s->holder);
	sp_trust_free(&s->trust);
	sp_bytes_free(s->issued, s->issued_len);
	sp_bytes_free(s->pres, s->pres_len);
}

static double
verify_ns(const struct setup *s, unsigned iters)
{
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	struct sp_presentation *p = NULL;
	uint64_t t0;
	unsigned i;
	int r;

	vo.now = T0 + 110;
	t0 = bench_now_ns();
	for (i = 0; i < iters; i++) {
		if ((r = sp_presentation_verify(&p, s->trust, &vo, s->pres,
		    s->pres_len)) != SP_OK)
			die("verify", r);
		sp_presentation_free(&p);
	}
	return (double)(bench_now_ns() - t0) / iters;
}

static double
present_ns(const struct setup *s, unsigned iters)
{
	struct sp_present_opts po = typical_opts(false);
	uint8_t *out;
	size_t len;
	uint64_t t0 = bench_now_ns();
	unsigned i;

	for (i = 0; i < iters; i++) {
		if (sp_present(&out, &len, s->issued, s->issued_len, s->holder,
		    &po) != SP_OK)
			die("present", SP_ERR_INTERNAL);
		sp_bytes_free(out, len);
	}
	return (double)(bench_now_ns() - t0) / iters;
}

static double
min2(double a, double b)
{
	return a < b ? a : b;
}

/* Interleaves the operation and its baseline over ROUNDS rounds and keeps
 * the fastest round of each, so both see the same machine state. */
static void
bench_verify(const char *tag, int alg, unsigned iters)
{
	struct setup s;
	double op = 1e30, base = 1e30, pres = 1e30;
	char name[96];
	int i;

	make_pass(&s, alg, alg, false);
	for (i = 0; i < ROUNDS; i++) {
		op = min2(op, verify_ns(&s, iters));
		base = min2(base, alg == SP_ALG_EDDSA ?
		    bench_ed25519_verify_ns(iters) :
		    bench_es256_verify_ns(iters));
		pres = min2(pres, present_ns(&s, iters / 2 + 1));
	}
	snprintf(name, sizeof(name), "presentation_verify_%s_us", tag);
	printf("BENCH %s %.2f us\n", name, op / 1e3);
	printf("BENCH bare_%s_verify_us %.2f us\n", tag, base / 1e3);
	printf("BENCH verify_vs_2%s %.3f ratio\n", tag, op / (2 * base));
	printf("BENCH presentations_verified_per_s_%s %.0f 1/s\n", tag,
	    1e9 / op);
	printf("BENCH present_%s_us %.2f us\n", tag, pres / 1e3);
	free_setup(&s);
}

static void
bench_size(const char *suffix, bool two_claims)
{
	struct setup s;
	char *qr = NULL;
	QRcode *code;
	int r;

	make_pass(&s, SP_ALG_EDDSA, SP_ALG_EDDSA, two_claims);
	if ((r = sp_qr_encode(&qr, s.pres, s.pres_len)) != SP_OK)
		die("qr", r);
	code = QRcode_encodeString(qr, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!two_claims)
		printf("BENCH issued_pass_bytes %zu bytes\n", s.issued_len);
	printf("BENCH presentation%s_cbor_bytes %zu bytes\n", suffix,
	    s.pres_len);
	/* Base45 characters proper, and the whole QR text with "SP1:". */
	printf("BENCH presentation%s_b45_chars %zu chars\n", suffix,
	    strlen(qr) - 4);
	printf("BENCH presentation%s_qr_text_chars %zu chars\n", suffix,
	    strlen(qr));
	printf("BENCH presentation%s_qr_version_M %d version\n", suffix,
	    code != NULL ? code->version : -1);
	QRcode_free(code);
	free(qr);
	free_setup(&s);
}

int
main(int argc, char **argv)
{
	unsigned iters = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) :
	    2000;

	if (iters == 0)
		iters = 1;
	bench_size("", false);
	bench_size("_2claims", true);
	bench_verify("ed25519", SP_ALG_EDDSA, iters);
	bench_verify("es256", SP_ALG_ES256, iters / 4 + 1);
	printf("BENCH sha256_64B_ns %.1f ns\n", bench_sha256_ns(64, 100000));
	return 0;
}
