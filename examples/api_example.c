/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The example of docs/API.md (keep the two identical): a municipality
 * issues a pass, the holder presents it for a limited offer, a till
 * verifies it. Public headers only. Exit status 0 if every step worked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stadspas/stadspas.h>

#define TRY(call)							\
	do {								\
		int err_ = (call);					\
		if (err_ != SP_OK) {					\
			fprintf(stderr, "%s: %s (%s)\n", #call,	\
			    sp_strerror(err_), sp_errtoken(err_));	\
			goto out;					\
		}							\
	} while (0)

int
main(void)
{
	/* The issuer's limit-tag secret (keep it like a signing key). */
	static const uint8_t tag_secret[32] = { 0x42, 0x17, 0x99 };
	static const uint8_t nonce[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const int disclose[] = { SP_CLAIM_AGE_UNDER_18 };
	static const char *const scopes[] = { "sport/2026" };
	struct sp_key *issuer = NULL, *holder = NULL;
	struct sp_pass_builder *b = NULL;
	struct sp_trust *trust = NULL;
	struct sp_presentation *p = NULL;
	uint8_t cose[64], lkey[SP_TAG_LEN], tag[SP_TAG_LEN], seen[SP_TAG_LEN];
	uint8_t rid[32];
	uint8_t *pass = NULL, *pres = NULL, *cbor = NULL;
	size_t cose_len, pass_len = 0, pres_len = 0, cbor_len = 0, i;
	char *qr = NULL;
	int64_t now = (int64_t)time(NULL), day = now - now % 86400;
	uint32_t list, idx;
	uint64_t offer, counter;
	int rc = 1;

	/* Issuer (municipality) and holder (wallet) keys. */
	TRY(sp_key_generate(&issuer, SP_ALG_EDDSA));
	TRY(sp_key_generate(&holder, SP_ALG_ES256));

	/* 1. Issue: the wallet sends its public key, the issuer signs. */
	cose_len = sizeof(cose);
	TRY(sp_key_public_cose(holder, cose, &cose_len));
	sp_limit_key_derive(lkey, tag_secret, sizeof(tag_secret),
	    "0014-000123", "sport");
	sp_limit_tag_derive(tag, lkey, sizeof(lkey), "sport/2026");
	TRY(sp_pass_builder_new(&b));
	TRY(sp_pass_builder_set_issuer(b, "GM0014"));
	TRY(sp_pass_builder_set_times(b, day, 0, day + 365 * 86400));
	TRY(sp_pass_builder_set_status(b, 1, 4711));
	TRY(sp_pass_builder_set_holder(b, cose, cose_len));
	TRY(sp_pass_builder_add_text(b, SP_CLAIM_PASS_NO, "0014-000123"));
	TRY(sp_pass_builder_add_text(b, SP_CLAIM_NAME, "Sanne Bakker"));
	TRY(sp_pass_builder_add_uint(b, SP_CLAIM_BIRTH_YEAR, 2015));
	TRY(sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18, true));
	TRY(sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY, "sport"));
	TRY(sp_pass_builder_add_limit_tag(b, "sport/2026", tag));
	TRY(sp_pass_issue(&pass, &pass_len, b, issuer, NULL));
	printf("issued pass: %zu bytes\n", pass_len);

	/* The till trusts the issuer's public key. */
	cose_len = sizeof(cose);
	TRY(sp_key_public_cose(issuer, cose, &cose_len));
	TRY(sp_trust_new(&trust));
	TRY(sp_trust_add_cose_key(trust, cose, cose_len));

	/* 2. Present: the till showed its id and a nonce; the wallet
	 * discloses age_under_18 and the sport/2026 limit tag only. */
	{
		struct sp_present_opts po = {
			.time = now,
			.audience = "sportschool-noord",
			.nonce = nonce, .nonce_len = sizeof(nonce),
			.offer = 7, .counter = 1,
			.disclose = disclose, .disclose_count = 1,
			.scopes = scopes, .scope_count = 1,
		};

		TRY(sp_present(&pres, &pres_len, pass, pass_len, holder,
		    &po));
	}
	TRY(sp_qr_encode(&qr, pres, pres_len));
	printf("presentation: %zu bytes, QR text %zu characters\n", pres_len,
	    strlen(qr));

	/* 3. Verify at the till, offline. */
	{
		struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;

		vo.now = now + 2;
		vo.audience = "sportschool-noord";
		vo.nonce = nonce;
		vo.nonce_len = sizeof(nonce);
		TRY(sp_qr_decode(&cbor, &cbor_len, qr, strlen(qr)));
		TRY(sp_presentation_verify(&p, trust, &vo, cbor, cbor_len));
	}
	sp_presentation_status(p, &list, &idx);
	offer = sp_presentation_offer(p, &counter);
	sp_presentation_replay_id(p, rid);
	printf("valid: issuer kid %02x%02x%02x%02x, status %u/%u, "
	    "offer %llu counter %llu, replay id %02x%02x...\n",
	    sp_presentation_kid(p)[0], sp_presentation_kid(p)[1],
	    sp_presentation_kid(p)[2], sp_presentation_kid(p)[3],
	    (unsigned)list, (unsigned)idx, (unsigned long long)offer,
	    (unsigned long long)counter, rid[0], rid[1]);
	for (i = 0; i < sp_presentation_claim_count(p); i++) {
		const uint8_t *v;
		size_t vlen;
		int key;

		TRY(sp_presentation_claim(p, i, &key, &v, &vlen));
		printf("disclosed: %s (%zu-byte CBOR value)\n",
		    sp_claim_name(key), vlen);
	}
	if (!sp_presentation_has_true(p, SP_CLAIM_AGE_UNDER_18)) {
		fprintf(stderr, "age_under_18 not disclosed\n");
		goto out;
	}
	TRY(sp_presentation_limit_tag(p, "sport/2026", seen));
	if (memcmp(seen, tag, SP_TAG_LEN) != 0) {
		fprintf(stderr, "limit tag differs\n");
		goto out;
	}
	printf("age_under_18 and the sport/2026 limit tag check out\n");
	rc = 0;
out:
	sp_presentation_free(&p);
	sp_bytes_free(cbor, cbor_len);
	free(qr);
	sp_bytes_free(pres, pres_len);
	sp_bytes_free(pass, pass_len);
	sp_trust_free(&trust);
	sp_pass_builder_free(&b);
	sp_key_free(&holder);
	sp_key_free(&issuer);
	return rc;
}
