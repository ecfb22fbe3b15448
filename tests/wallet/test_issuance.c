/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issuance, sans-IO: the request body (code, nonce, one verifying proof of
 * possession per fresh key), acceptance of an honest batch, rejection of
 * a batch with any one defect (with its precise error and no change to
 * the wallet), renewal, households, crash between request and response.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "wallet_int.h"
#include "wtest.h"

static const uint8_t store_key[32] = { 0x42 };

struct fx {
	struct wt_env e;
	struct sp_wallet_ops ops;
	struct sp_wallet *w;
	struct sim_issuer s;
};

static void
fx_init(struct fx *f, uint8_t seed, bool hw)
{
	memset(f, 0, sizeof(*f));
	wt_env_init(&f->e, seed);
	wt_ops(&f->e, &f->ops, hw);
	CHECK(sp_wallet_create_key(&f->w, &f->ops, "w", store_key) == SP_OK);
	CHECK(sim_init(&f->s, 0x10, SP_ALG_EDDSA) == SP_OK);
}

static void
fx_free(struct fx *f)
{
	sp_wallet_free(&f->w);
	sim_free(&f->s);
	wt_env_free(&f->e);
}

static char *
request(struct fx *f, const struct sp_wallet_request *req)
{
	char nj[128], *body = NULL;

	sim_nonce_json(nj, 0xab);
	CHECK(sp_wallet_issuance_request(f->w, &body, "abcd-2345 efgh", nj,
	    strlen(nj), req) == SP_OK);
	return body;
}

/* Answers body with the issuer's current defect and accepts it. */
static int
answer(struct fx *f, const char *body, uint32_t *id)
{
	char *resp = NULL;
	int r;

	CHECK(sim_issue(&resp, &f->s, body, f->e.now) == SP_OK);
	if (resp == NULL)
		return -999;
	r = sp_wallet_issuance_accept(f->w, id, resp, strlen(resp),
	    f->s.keyset, f->s.keyset_len);
	free(resp);
	return r;
}

static json_t *
pass_json(struct fx *f, uint32_t id)
{
	char *s = NULL;
	json_t *o;

	if (sp_wallet_pass_json(f->w, &s, id) != SP_OK)
		return NULL;
	o = json_loads(s, 0, NULL);
	sp_wallet_str_free(s);
	return o;
}

static void
test_request_shape(void)
{
	struct fx f;
	struct sp_wallet_request req = { .batch = 4 };
	json_t *o, *p;
	char *body, nj[128];
	size_t i, j;

	fx_init(&f, 1, false);
	body = request(&f, &req);
	CHECK(body != NULL);
	CHECK(sp_wallet_generation(f.w) == 2);	/* pending keys saved */
	o = json_loads(body, 0, NULL);
	CHECK(o != NULL && json_object_size(o) == 3);
	CHECK(strcmp(json_string_value(json_object_get(o, "code")),
	    "ABCD2345EFGH") == 0);
	CHECK(strlen(json_string_value(json_object_get(o, "nonce"))) == 64);
	p = json_object_get(o, "proofs");
	CHECK(json_array_size(p) == 4);
	for (i = 0; i < json_array_size(p); i++) {
		const char *k = json_string_value(json_object_get(
		    json_array_get(p, i), "key"));

		CHECK(strlen(json_string_value(json_object_get(
		    json_array_get(p, i), "sig"))) == 128);
		for (j = 0; j < i; j++)	/* fresh keys */
			CHECK(strcmp(k, json_string_value(json_object_get(
			    json_array_get(p, j), "key"))) != 0);
	}
	json_decref(o);
	/* The simulated issuer checks every proof the way the daemon does. */
	{
		char *resp = NULL;

		CHECK(sim_issue(&resp, &f.s, body, f.e.now) == SP_OK);
		CHECK(f.s.proofs_checked == 4);
		free(resp);
	}
	sp_wallet_str_free(body);

	/* Bad input. */
	sim_nonce_json(nj, 1);
	body = NULL;
	CHECK(sp_wallet_issuance_request(f.w, &body, "", nj, strlen(nj),
	    NULL) == SP_ERR_INVALID_ARG);
	CHECK(sp_wallet_issuance_request(f.w, &body, "AB!C", nj, strlen(nj),
	    NULL) == SP_ERR_INVALID_ARG);
	CHECK(sp_wallet_issuance_request(f.w, &body, "ABCD", "{}", 2, NULL) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_wallet_issuance_request(f.w, &body, "ABCD",
	    "{\"nonce\":\"abcd\"}", 16, NULL) == SP_ERR_INVALID_ARG);
	req.batch = SP_WALLET_BATCH_MAX + 1;
	CHECK(sp_wallet_issuance_request(f.w, &body, "ABCD", nj, strlen(nj),
	    &req) == SP_ERR_INVALID_ARG);
	req.batch = 1;
	req.renew = 5;
	CHECK(sp_wallet_issuance_request(f.w, &body, "ABCD", nj, strlen(nj),
	    &req) == SP_ERR_WALLET_NO_PASS);
	req.renew = 0;
	req.claim_count = 1;
	req.claims = (const char *const[]){ "shoe_size" };
	CHECK(sp_wallet_issuance_request(f.w, &body, "ABCD", nj, strlen(nj),
	    &req) == SP_ERR_INVALID_ARG);
	CHECK(body == NULL);
	CHECK(sp_wallet_generation(f.w) == 2);
	fx_free(&f);
}

static void
test_accept_and_defects(void)
{
	static const struct {
		enum sim_defect d;
		int want;
	} cases[] = {
		{ SIM_FOREIGN_KEY, SP_ERR_WALLET_FOREIGN_KEY },
		{ SIM_ALTER_LEAF, SP_ERR_DISCLOSURE },
		{ SIM_DIFF_CLAIMS, SP_ERR_WALLET_CLAIMS },
		{ SIM_NO_PASS_NO, SP_ERR_WALLET_CLAIMS },
		{ SIM_DUP_KEY, SP_ERR_WALLET_BATCH },
		{ SIM_EXTRA_COPY, SP_ERR_WALLET_BATCH },
		{ SIM_OTHER_ISSUER, SP_ERR_UNKNOWN_KID },
		{ SIM_BAD_SIG, SP_ERR_SIGNATURE },
		{ SIM_OTHER_TIMES, SP_ERR_WALLET_CLAIMS },
		{ SIM_ERROR_BODY, SP_ERR_WALLET_REFUSED },
		{ SIM_WRONG_LIST, SP_ERR_WALLET_CLAIMS },
		{ SIM_NOT_HEX, SP_ERR_WALLET_BATCH },
		{ SIM_EXPIRED, SP_ERR_EXPIRED },
	};
	struct sp_wallet_request req = { .batch = 3, .label = "Noor",
	    .claims = (const char *const[]){ "age_under_12", "name" },
	    .claim_count = 2 };
	struct fx f;
	uint32_t id = 0;
	uint64_t gen;
	char *body;
	size_t i;
	json_t *o;

	fx_init(&f, 2, false);
	CHECK(sp_wallet_issuance_accept(f.w, &id, "{}", 2, f.s.keyset,
	    f.s.keyset_len) == SP_ERR_WALLET_NO_REQUEST);
	body = request(&f, &req);
	gen = sp_wallet_generation(f.w);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f.s.defect = cases[i].d;
		CHECKF(answer(&f, body, &id) == cases[i].want, "defect %d",
		    (int)cases[i].d);
		CHECK(sp_wallet_generation(f.w) == gen);
		CHECK(sp_wallet_pass_count(f.w) == 0);
	}
	f.s.defect = SIM_HONEST;
	/* Malformed bodies and trust lists. */
	CHECK(sp_wallet_issuance_accept(f.w, &id, "nope", 4, f.s.keyset,
	    f.s.keyset_len) == SP_ERR_WALLET_BATCH);
	CHECK(sp_wallet_issuance_accept(f.w, &id, "{\"passes\":[]}", 13,
	    f.s.keyset, f.s.keyset_len) == SP_ERR_WALLET_BATCH);
	CHECK(sp_wallet_issuance_accept(f.w, &id, "{\"passes\":[1]}", 14,
	    f.s.keyset, f.s.keyset_len) == SP_ERR_WALLET_BATCH);
	CHECK(sp_wallet_issuance_accept(f.w, &id, "{}", 2, NULL, 0) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_wallet_issuance_accept(f.w, &id, "{}", 2,
	    (const uint8_t *)"\x80", 1) == SP_ERR_KEY);	/* empty set */
	CHECK(sp_wallet_issuance_accept(f.w, &id, "{}", 2,
	    (const uint8_t *)"\x81\x01", 2) == SP_ERR_KEY);
	/* A failed save: nothing changes; then it works. */
	wt_fail_writes(&f.e, 1, NULL);
	CHECK(answer(&f, body, &id) == SP_ERR_STORAGE);
	CHECK(sp_wallet_pass_count(f.w) == 0 && sp_wallet_generation(f.w) ==
	    gen);
	/* A single COSE_Key works as the trust list too. */
	{
		char *resp = NULL;

		CHECK(sim_issue(&resp, &f.s, body, f.e.now) == SP_OK);
		CHECK(sp_wallet_issuance_accept(f.w, &id, resp, strlen(resp),
		    f.s.cose, f.s.cose_len) == SP_OK);
		free(resp);
	}
	CHECK(id == 1 && sp_wallet_pass_count(f.w) == 1 &&
	    sp_wallet_pass_id(f.w, 0) == 1 && sp_wallet_pass_id(f.w, 1) == 0);
	CHECK(sp_wallet_generation(f.w) == gen + 1);
	CHECK(f.w->st->pending.active == false);
	o = pass_json(&f, id);
	CHECK(o != NULL);
	CHECK(strcmp(json_string_value(json_object_get(o, "pass_no")),
	    "0014-000777") == 0);
	CHECK(strcmp(json_string_value(json_object_get(o, "label")),
	    "Noor") == 0);
	CHECK(strcmp(json_string_value(json_object_get(o, "issuer")),
	    "GM0014") == 0);
	CHECK(json_integer_value(json_object_get(o, "copies")) == 3);
	CHECK(json_integer_value(json_object_get(o, "unused")) == 3);
	CHECK(json_integer_value(json_object_get(o, "valid_until")) ==
	    WT_T0 + WT_YEAR);
	{
		json_t *c = json_object_get(o, "claims");

		CHECK(strcmp(json_string_value(json_object_get(c, "name")),
		    "Noor Yilmaz") == 0);
		CHECK(json_is_true(json_object_get(c, "age_under_12")));
		CHECK(json_integer_value(json_object_get(c, "birth_year")) ==
		    2016);
		CHECK(json_array_size(json_object_get(c, "categories")) == 2);
		CHECK(json_array_size(json_object_get(c, "limit_categories")) ==
		    2);
		CHECK(strcmp(json_string_value(json_array_get(json_object_get(c,
		    "limit_scopes"), 0)), "sport/2026") == 0);
	}
	json_decref(o);
	/* The answer was consumed. */
	CHECK(answer(&f, body, &id) == SP_ERR_WALLET_NO_REQUEST);
	sp_wallet_str_free(body);
	/* It all survives a reopen. */
	sp_wallet_free(&f.w);
	CHECK(sp_wallet_open_key(&f.w, &f.ops, "w", store_key) == SP_OK);
	CHECK(sp_wallet_pass_count(f.w) == 1);
	CHECK(sp_wallet_pass_json(f.w, &body, 9) == SP_ERR_WALLET_NO_PASS);
	fx_free(&f);
}

/* A claim the request asks for that the issuer does not put in. */
static void
test_missing_claim(void)
{
	struct sp_wallet_request req = { .batch = 2,
	    .claims = (const char *const[]){ "household_size" },
	    .claim_count = 1 };
	struct fx f;
	uint32_t id;
	char *body;

	fx_init(&f, 3, false);
	body = request(&f, &req);
	CHECK(answer(&f, body, &id) == SP_ERR_WALLET_CLAIMS);
	sp_wallet_str_free(body);
	CHECK(sp_wallet_issuance_cancel(f.w) == SP_OK);
	CHECK(sp_wallet_issuance_cancel(f.w) == SP_ERR_WALLET_NO_REQUEST);
	fx_free(&f);
}

static void
test_kinds_and_renewal(void)
{
	struct sp_wallet_request req = { .batch = 4,
	    .key_kind = SP_WALLET_KEY_HARDWARE };
	struct fx f;
	uint32_t id = 0, id2 = 0;
	char *body;
	json_t *o;

	fx_init(&f, 4, true);
	/* Hardware keys: one hw_sign per proof; a failing one is named. */
	f.e.hw_fail = 1;
	{
		char nj[128], *b = NULL;

		sim_nonce_json(nj, 3);
		CHECK(sp_wallet_issuance_request(f.w, &b, "ABCD", nj,
		    strlen(nj), &req) == SP_ERR_WALLET_SIGNER && b == NULL);
		CHECK(f.e.hw_deletes == 4);	/* none left behind */
	}
	f.e.hw_fail = 0;
	f.e.hw_signs = 0;
	body = request(&f, &req);
	CHECK(f.e.hw_signs == 4);
	/* Half as many copies as keys: fine; the unused keys go. */
	f.s.defect = SIM_FEWER;
	CHECK(answer(&f, body, &id) == SP_OK);
	CHECK(f.e.hw_deletes == 4 + 2);
	f.s.defect = SIM_HONEST;
	sp_wallet_str_free(body);
	o = pass_json(&f, id);
	CHECK(json_integer_value(json_object_get(o, "copies")) == 2);
	json_decref(o);

	/* Renewal with P-256 software keys: the copies are replaced. */
	req = (struct sp_wallet_request){ .batch = 5,
	    .key_kind = SP_WALLET_KEY_P256, .renew = id };
	f.s.exp = WT_T0 + 2 * WT_YEAR;
	body = request(&f, &req);
	CHECK(answer(&f, body, &id2) == SP_OK && id2 == id);
	sp_wallet_str_free(body);
	CHECK(f.e.hw_deletes == 6 + 2);	/* the old copies' keys */
	o = pass_json(&f, id);
	CHECK(json_integer_value(json_object_get(o, "copies")) == 5);
	CHECK(json_integer_value(json_object_get(o, "valid_until")) ==
	    WT_T0 + 2 * WT_YEAR);
	json_decref(o);

	/* Renewing with another pass number is refused. */
	f.s.pass_no = "0014-000999";
	body = request(&f, &req);
	CHECK(answer(&f, body, &id2) == SP_ERR_WALLET_CLAIMS);
	sp_wallet_str_free(body);

	/* Next year's batch, not valid yet: valid old copies stay too. */
	f.s.pass_no = "0014-000777";
	f.s.nbf = f.e.now + 30 * WT_DAY;
	f.s.exp = f.e.now + WT_YEAR;
	req.batch = 3;
	body = request(&f, &req);
	CHECK(answer(&f, body, &id2) == SP_OK && id2 == id);
	sp_wallet_str_free(body);
	o = pass_json(&f, id);
	CHECK(json_integer_value(json_object_get(o, "copies")) == 5 + 3);
	CHECK(json_integer_value(json_object_get(o, "valid_until")) ==
	    WT_T0 + 2 * WT_YEAR);
	json_decref(o);
	/* Once it is valid, the next renewal drops both older batches. */
	f.e.now += 31 * WT_DAY;
	f.s.nbf = 0;
	body = request(&f, &req);
	CHECK(answer(&f, body, &id2) == SP_OK && id2 == id);
	sp_wallet_str_free(body);
	o = pass_json(&f, id);
	CHECK(json_integer_value(json_object_get(o, "copies")) == 3);
	json_decref(o);
	fx_free(&f);
}

/* A parent's wallet: own pass and a child's, both on the parent's keys;
 * a crash between request and response loses nothing. */
static void
test_household(void)
{
	struct sp_wallet_request req = { .batch = 2, .label = "Ouder" };
	struct fx f;
	uint32_t a = 0, b = 0, id;
	char *body;
	json_t *o;
	int i;

	fx_init(&f, 5, false);
	f.s.pass_no = "0014-000100";
	f.s.name = "Sanne Yilmaz";
	f.s.under12 = f.s.under18 = false;
	f.s.birth_year = 1985;
	body = request(&f, &req);
	CHECK(answer(&f, body, &a) == SP_OK);
	sp_wallet_str_free(body);

	req.label = "Noor";
	f.s.pass_no = "0014-000101";
	f.s.name = "Noor Yilmaz";
	f.s.under12 = f.s.under18 = true;
	f.s.birth_year = 2016;
	body = request(&f, &req);
	/* The app dies here; the pending keys are in the store. */
	sp_wallet_free(&f.w);
	CHECK(sp_wallet_open_key(&f.w, &f.ops, "w", store_key) == SP_OK);
	CHECK(answer(&f, body, &b) == SP_OK);
	sp_wallet_str_free(body);
	CHECK(a != b && sp_wallet_pass_count(f.w) == 2);
	o = pass_json(&f, b);
	CHECK(strcmp(json_string_value(json_object_get(o, "label")),
	    "Noor") == 0);
	json_decref(o);
	CHECK(sp_wallet_pass_set_label(f.w, b, "Noor (8)") == SP_OK);
	o = pass_json(&f, b);
	CHECK(strcmp(json_string_value(json_object_get(o, "label")),
	    "Noor (8)") == 0);
	json_decref(o);

	/* Up to SP_WALLET_MAX_PASSES passes. */
	for (i = 2; i < SP_WALLET_MAX_PASSES + 1; i++) {
		char no[32];

		snprintf(no, sizeof(no), "0014-0002%02d", i);
		f.s.pass_no = no;
		req.batch = 1;
		body = request(&f, &req);
		CHECK(answer(&f, body, &id) == (i < SP_WALLET_MAX_PASSES ?
		    SP_OK : SP_ERR_WALLET_FULL));
		sp_wallet_str_free(body);
	}
	CHECK(sp_wallet_pass_count(f.w) == SP_WALLET_MAX_PASSES);
	CHECK(sp_wallet_pass_remove(f.w, a) == SP_OK);
	CHECK(sp_wallet_pass_remove(f.w, a) == SP_ERR_WALLET_NO_PASS);
	CHECK(sp_wallet_pass_count(f.w) == SP_WALLET_MAX_PASSES - 1);
	sp_wallet_free(&f.w);
	CHECK(sp_wallet_open_key(&f.w, &f.ops, "w", store_key) == SP_OK);
	CHECK(sp_wallet_pass_count(f.w) == SP_WALLET_MAX_PASSES - 1);
	fx_free(&f);
}

int
main(void)
{
	test_request_shape();
	test_accept_and_defects();
	test_missing_claim();
	test_kinds_and_renewal();
	test_household();
	return check_report("test_issuance");
}
