/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for test_inspect.py: issues a stadspas pass with fixed keys,
 * salts and times, presents it (age_under_18 and category disclosed) and
 * prints the SP1 string; writes the issuer's public COSE_Key to KEYFILE.
 *
 *   mkpass eddsa|es256 KEYFILE
 *
 * Output lines: the SP1 string, "time <presentation time>", "iat <t>",
 * "exp <t>". With an Ed25519 holder the presentation is deterministic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stadspas/sp_err.h"
#include "stadspas/sp_pass.h"

#define IAT 1767225600		/* 2026-01-01T00:00:00Z */
#define EXP (IAT + 365 * 86400)
#define PTIME (IAT + 30 * 86400)

static int
die(const char *what, int r)
{
	fprintf(stderr, "mkpass: %s: %s\n", what, sp_strerror(r));
	return 1;
}

int
main(int argc, char **argv)
{
	static const int claims[] = { SP_CLAIM_AGE_UNDER_18,
	    SP_CLAIM_CATEGORY };
	static const char *const scopes[] = { "swim", "swim/2026-W48" };
	uint8_t seed[SP_SEED_LEN], salts[32], cose[128], tag_key[SP_TAG_LEN];
	size_t cose_len = sizeof(cose), pass_len = 0, pres_len = 0;
	struct sp_key *issuer = NULL, *holder = NULL;
	struct sp_pass_builder *b = NULL;
	struct sp_present_opts po = {
		.time = PTIME, .offer = 12, .counter = 1,
		.disclose = claims, .disclose_count = 2,
		.scopes = scopes, .scope_count = 2,
	};
	uint8_t *pass = NULL, *pres = NULL;
	char *qr = NULL;
	FILE *f;
	int alg, r, rc = 1;

	if (argc != 3 || (strcmp(argv[1], "eddsa") != 0 &&
	    strcmp(argv[1], "es256") != 0)) {
		fprintf(stderr, "usage: mkpass eddsa|es256 KEYFILE\n");
		return 2;
	}
	alg = strcmp(argv[1], "eddsa") == 0 ? SP_ALG_EDDSA : SP_ALG_ES256;
	memset(seed, 0x11, sizeof(seed));
	memset(salts, 0x22, sizeof(salts));
	memset(tag_key, 0x5a, sizeof(tag_key));
	if ((r = sp_key_from_seed(&issuer, alg, seed)) != SP_OK) {
		rc = die("issuer key", r);
		goto out;
	}
	seed[0] = 0x33;
	if ((r = sp_key_from_seed(&holder, SP_ALG_EDDSA, seed)) != SP_OK) {
		rc = die("holder key", r);
		goto out;
	}
	if ((r = sp_key_public_cose(holder, cose, &cose_len)) != SP_OK ||
	    (r = sp_pass_builder_new(&b)) != SP_OK ||
	    (r = sp_pass_builder_set_issuer(b, "GM0014")) != SP_OK ||
	    (r = sp_pass_builder_set_times(b, IAT, 0, EXP)) != SP_OK ||
	    (r = sp_pass_builder_set_status(b, 1, 4711)) != SP_OK ||
	    (r = sp_pass_builder_set_holder(b, cose, cose_len)) != SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_PASS_NO,
	    "0014-000123")) != SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_NAME,
	    "Sanne Bakker")) != SP_OK ||
	    (r = sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18,
	    true)) != SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY, "swim")) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_limit_key(b, "swim", tag_key)) != SP_OK ||
	    (r = sp_pass_issue(&pass, &pass_len, b, issuer, salts)) !=
	    SP_OK) {
		rc = die("issue", r);
		goto out;
	}
	if ((r = sp_present(&pres, &pres_len, pass, pass_len, holder,
	    &po)) != SP_OK || (r = sp_qr_encode(&qr, pres, pres_len)) !=
	    SP_OK) {
		rc = die("present", r);
		goto out;
	}
	cose_len = sizeof(cose);
	if ((r = sp_key_public_cose(issuer, cose, &cose_len)) != SP_OK) {
		rc = die("issuer COSE_Key", r);
		goto out;
	}
	if ((f = fopen(argv[2], "wb")) == NULL ||
	    fwrite(cose, 1, cose_len, f) != cose_len || fclose(f) != 0) {
		fprintf(stderr, "mkpass: cannot write '%s'\n", argv[2]);
		goto out;
	}
	printf("%s\ntime %d\niat %d\nexp %d\n", qr, PTIME, IAT, EXP);
	rc = 0;
out:
	free(qr);
	sp_bytes_free(pres, pres_len);
	sp_bytes_free(pass, pass_len);
	sp_pass_builder_free(&b);
	sp_key_free(&issuer);
	sp_key_free(&holder);
	return rc;
}
