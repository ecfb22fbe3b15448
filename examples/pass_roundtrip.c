/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The credential core end to end, using only the public headers: a
 * municipality issues a pass to a resident's wallet key, the wallet
 * presents it for a swimming-pool offer as an SP1 QR code, and the till
 * verifies it offline. Then a tampered QR is refused.
 *
 *   pass_roundtrip [--quiet]     exit 0 only if every step behaved
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qrencode.h>

#include <stadspas/stadspas.h>

static int quiet;

#define SAY(...) do { if (!quiet) printf(__VA_ARGS__); } while (0)

static int
fail(const char *what, int err)
{
	fprintf(stderr, "pass_roundtrip: %s: %s\n", what, sp_strerror(err));
	return 1;
}

/* Prints a QR code with Unicode half blocks: two modules per character
 * row, a 4-module quiet zone, dark on light. */
static void
qr_print(const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int x, y, w;

	if (qr == NULL) {
		fprintf(stderr, "pass_roundtrip: QR encoding failed\n");
		return;
	}
	w = qr->width;
	SAY("QR version %d (%dx%d modules, error correction M)\n",
	    qr->version, w, w);
	for (y = -4; y < w + 4 && !quiet; y += 2) {
		for (x = -4; x < w + 4; x++) {
			int top = y >= 0 && y < w && x >= 0 && x < w &&
			    (qr->data[y * w + x] & 1);
			int bot = y + 1 >= 0 && y + 1 < w && x >= 0 && x < w &&
			    (qr->data[(y + 1) * w + x] & 1);

			fputs(top ? (bot ? " " : "\xe2\x96\x84") :
			    (bot ? "\xe2\x96\x80" : "\xe2\x96\x88"), stdout);
		}
		putchar('\n');
	}
	QRcode_free(qr);
}

struct parties {
	struct sp_key *municipality;	/* issuer signing key */
	struct sp_key *wallet;		/* holder key in the phone */
	struct sp_trust *till_trust;	/* the till's trust list */
	uint8_t *pass;			/* issued pass in the wallet */
	size_t pass_len;
};

static int
issue(struct parties *pt, int64_t now)
{
	uint8_t cose[128], tag_key[SP_TAG_LEN];
	size_t cose_len = sizeof(cose);
	struct sp_pass_builder *b = NULL;
	int r;

	if ((r = sp_key_generate(&pt->municipality, SP_ALG_EDDSA)) != SP_OK ||
	    (r = sp_key_generate(&pt->wallet, SP_ALG_EDDSA)) != SP_OK)
		return r;
	/* The till trusts the municipality's public key. */
	if ((r = sp_key_public_cose(pt->municipality, cose, &cose_len)) !=
	    SP_OK || (r = sp_trust_new(&pt->till_trust)) != SP_OK ||
	    (r = sp_trust_add_cose_key(pt->till_trust, cose, cose_len)) !=
	    SP_OK)
		return r;
	cose_len = sizeof(cose);
	if ((r = sp_key_public_cose(pt->wallet, cose, &cose_len)) != SP_OK ||
	    (r = sp_pass_builder_new(&b)) != SP_OK)
		return r;
	/* In production the issuer derives this from a secret per pass. */
	memset(tag_key, 0x5a, sizeof(tag_key));
	if ((r = sp_pass_builder_set_issuer(b, "GM0014")) == SP_OK &&
	    (r = sp_pass_builder_set_times(b, now - now % 86400, 0,
	    now - now % 86400 + 365 * 86400)) == SP_OK &&
	    (r = sp_pass_builder_set_status(b, 1, 4711)) == SP_OK &&
	    (r = sp_pass_builder_set_holder(b, cose, cose_len)) == SP_OK &&
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_PASS_NO,
	    "0014-000123")) == SP_OK &&
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_NAME,
	    "Sanne Bakker")) == SP_OK &&
	    (r = sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18, true)) ==
	    SP_OK &&
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY, "swim")) ==
	    SP_OK &&
	    (r = sp_pass_builder_add_limit_key(b, "swim", tag_key)) == SP_OK)
		r = sp_pass_issue(&pt->pass, &pt->pass_len, b,
		    pt->municipality, NULL);
	sp_pass_builder_free(&b);
	return r;
}

static int
till_check(const struct parties *pt, const char *qr, int64_t now,
    const char *scope)
{
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	struct sp_presentation *p = NULL;
	uint8_t *cbor = NULL, tag[SP_TAG_LEN];
	size_t len = 0, i;
	int r;

	vo.now = now;
	vo.audience = "zwembad-de-parrel";
	if ((r = sp_qr_decode(&cbor, &len, qr, strlen(qr))) == SP_OK)
		r = sp_presentation_verify(&p, pt->till_trust, &vo, cbor, len);
	sp_bytes_free(cbor, len);
	if (r != SP_OK)
		return r;
	SAY("till: APPROVED. Disclosed: ");
	for (i = 0; i < sp_presentation_claim_count(p); i++) {
		int key;
		const uint8_t *v;
		size_t vl;

		if (sp_presentation_claim(p, i, &key, &v, &vl) == SP_OK)
			SAY("%s%s", i ? ", " : "", sp_claim_name(key));
	}
	SAY(" (no name, no pass number)\n");
	if (sp_presentation_limit_tag(p, scope, tag) == SP_OK)
		SAY("till: limit tag for %s: %02x%02x%02x%02x... (same for "
		    "every copy of this pass, this week only)\n", scope,
		    tag[0], tag[1], tag[2], tag[3]);
	sp_presentation_free(&p);
	return SP_OK;
}

int
main(int argc, char **argv)
{
	static const int claims[] = { SP_CLAIM_AGE_UNDER_18 };
	static const char *const scopes[] = { "swim", "swim/2026-W48" };
	struct parties pt = { 0 };
	struct sp_present_opts po = {
		.audience = "zwembad-de-parrel", .offer = 12, .counter = 1,
		.disclose = claims, .disclose_count = 1,
		.scopes = scopes, .scope_count = 2,
	};
	int64_t now = (int64_t)time(NULL);
	uint8_t *pres = NULL;
	size_t pres_len = 0;
	char *qr = NULL;
	int r, rc = 1;

	quiet = argc > 1 && strcmp(argv[1], "--quiet") == 0;
	SAY("1. Municipality GM0014 issues a pass to Sanne's wallet key.\n");
	if ((r = issue(&pt, now)) != SP_OK) {
		rc = fail("issue", r);
		goto out;
	}
	SAY("   issued pass: %zu bytes (credential + salted claims)\n",
	    pt.pass_len);
	SAY("2. At the pool, the wallet presents it for offer 12 "
	    "(children swim, once a week): it discloses age_under_18 and "
	    "the swim category and limit key only.\n");
	po.time = now;
	if ((r = sp_present(&pres, &pres_len, pt.pass, pt.pass_len, pt.wallet,
	    &po)) != SP_OK || (r = sp_qr_encode(&qr, pres, pres_len)) !=
	    SP_OK) {
		rc = fail("present", r);
		goto out;
	}
	SAY("   presentation: %zu bytes CBOR -> %zu QR characters\n",
	    pres_len, strlen(qr));
	qr_print(qr);
	SAY("3. The till scans it and verifies offline.\n");
	if ((r = till_check(&pt, qr, now + 2, "swim/2026-W48")) != SP_OK) {
		rc = fail("till verify", r);
		goto out;
	}
	SAY("4. Someone edits one character of the QR text.\n");
	qr[strlen(qr) / 2] = qr[strlen(qr) / 2] == 'A' ? 'B' : 'A';
	r = till_check(&pt, qr, now + 2, "swim/2026-W48");
	if (r == SP_OK) {
		fprintf(stderr, "pass_roundtrip: tampered QR accepted\n");
		goto out;
	}
	SAY("till: REFUSED: %s\n", sp_strerror(r));
	SAY("All steps behaved as expected.\n");
	rc = 0;
out:
	free(qr);
	sp_bytes_free(pres, pres_len);
	sp_bytes_free(pt.pass, pt.pass_len);
	sp_trust_free(&pt.till_trust);
	sp_key_free(&pt.municipality);
	sp_key_free(&pt.wallet);
	return rc;
}
