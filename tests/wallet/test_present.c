/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Presentations for offers, checked with the verifier of the core: the
 * least disclosure each kind of offer needs, per-offer counters, one fresh
 * copy per presentation, durability before the QR is returned, the
 * refreshing QR, hardware keys, a parent presenting a child's pass, and
 * the QR renderings (PNG read back with zbar).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "qrimage.h"
#include "wallet_int.h"
#include "wtest.h"

static const uint8_t store_key[32] = { 0x24 };

struct fx {
	struct wt_env e;
	struct sp_wallet_ops ops;
	struct sp_wallet *w;
	struct sim_issuer s;
	struct sp_trust *t;
	uint32_t id;
};

static uint32_t
enrol(struct fx *f, size_t batch, int kind, const char *label)
{
	struct sp_wallet_request req = { .batch = batch, .key_kind = kind,
	    .label = label };
	char nj[128], *body = NULL, *resp = NULL;
	uint32_t id = 0;

	sim_nonce_json(nj, 0x11);
	CHECK(sp_wallet_issuance_request(f->w, &body, "CODE-CODE-CODE", nj,
	    strlen(nj), &req) == SP_OK);
	CHECK(sim_issue(&resp, &f->s, body, f->e.now) == SP_OK);
	CHECK(sp_wallet_issuance_accept(f->w, &id, resp, strlen(resp),
	    f->s.keyset, f->s.keyset_len) == SP_OK);
	sp_wallet_str_free(body);
	free(resp);
	return id;
}

static void
fx_init(struct fx *f, uint8_t seed, bool hw, size_t batch)
{
	memset(f, 0, sizeof(*f));
	wt_env_init(&f->e, seed);
	wt_ops(&f->e, &f->ops, hw);
	CHECK(sp_wallet_create_key(&f->w, &f->ops, "w", store_key) == SP_OK);
	CHECK(sim_init(&f->s, 0x20, SP_ALG_ES256) == SP_OK);
	CHECK(sp_trust_new(&f->t) == SP_OK);
	CHECK(sp_trust_add_cose_key(f->t, f->s.cose, f->s.cose_len) == SP_OK);
	f->id = enrol(f, batch, hw ? SP_WALLET_KEY_HARDWARE :
	    SP_WALLET_KEY_ED25519, "Noor");
}

static void
fx_free(struct fx *f)
{
	sp_trust_free(&f->t);
	sp_wallet_free(&f->w);
	sim_free(&f->s);
	wt_env_free(&f->e);
}

static struct sp_presentation *
verify_qr(const struct fx *f, const char *qr, const char *aud,
    const uint8_t *nonce, size_t nonce_len)
{
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	struct sp_presentation *p = NULL;
	uint8_t *cbor = NULL;
	size_t len = 0;
	int r;

	CHECK(strncmp(qr, "SP1:", 4) == 0);
	if (sp_qr_decode(&cbor, &len, qr, strlen(qr)) != SP_OK)
		return NULL;
	vo.now = f->e.now;
	vo.audience = aud;
	vo.nonce = nonce;
	vo.nonce_len = nonce_len;
	r = sp_presentation_verify(&p, f->t, &vo, cbor, len);
	CHECKF(r == SP_OK, "verify: %s", sp_strerror(r));
	sp_bytes_free(cbor, len);
	return p;
}

/* Disclosed claim keys, in order, as a small number string "9" / "7,10". */
static void
keys_of(const struct sp_presentation *p, char *out, size_t cap)
{
	size_t i, n = sp_presentation_claim_count(p), off = 0;

	out[0] = 0;
	for (i = 0; i < n && off + 5 < cap; i++) {
		const uint8_t *v;
		size_t vl;
		int k;

		if (sp_presentation_claim(p, i, &k, &v, &vl) == SP_OK)
			off += (size_t)snprintf(out + off, cap - off, "%s%d",
			    i > 0 ? "," : "", k);
	}
}

static int
present(struct fx *f, char **qr, uint32_t id, const struct sp_wallet_offer *o,
    const struct sp_wallet_present_opts *po)
{
	*qr = NULL;
	return sp_wallet_present(f->w, qr, id, o, po);
}

static size_t
used_copies(const struct fx *f, uint32_t id)
{
	const struct wal_pass *p = wal_pass_find(f->w->st, id);
	size_t i, n = 0;

	for (i = 0; p != NULL && i < p->n_copies; i++)
		n += p->copies[i].used != 0;
	return n;
}

static void
test_offers(void)
{
	struct fx f;
	struct sp_presentation *p;
	struct sp_wallet_offer sport_year = { .id = 3, .category = "sport",
	    .limit_period = SP_WALLET_PERIOD_YEAR };
	struct sp_wallet_offer swim_week = { .id = 5, .category = "swim",
	    .limit_period = SP_WALLET_PERIOD_WEEK };
	struct sp_wallet_offer kids = { .id = 7,
	    .claims = (const char *const[]){ "age_under_12" },
	    .claim_count = 1 };
	struct sp_wallet_offer sport_any = { .id = 9, .category = "sport" };
	uint8_t key[SP_TAG_LEN], want[SP_TAG_LEN], tag[SP_TAG_LEN];
	uint64_t ctr = 0;
	char *qr = NULL, ks[64];
	uint64_t gen;

	fx_init(&f, 1, false, 6);
	sp_limit_key_derive(key, f.s.secret, sizeof(f.s.secret), f.s.pass_no,
	    "sport");
	sp_limit_tag_derive(want, key, sizeof(key), "sport/2026");

	/* Yearly limit: the one limit tag, nothing else. */
	CHECK(present(&f, &qr, f.id, &sport_year, NULL) == SP_OK);
	p = verify_qr(&f, qr, NULL, NULL, 0);
	CHECK(p != NULL);
	if (p != NULL) {
		keys_of(p, ks, sizeof(ks));
		CHECKF(strcmp(ks, "9") == 0, "%s", ks);
		CHECK(sp_presentation_offer(p, &ctr) == 3 && ctr == 1);
		CHECK(sp_presentation_limit_tag(p, "sport/2026", tag) == SP_OK &&
		    memcmp(tag, want, SP_TAG_LEN) == 0);
		CHECK(sp_presentation_time(p) == f.e.now);
	}
	sp_presentation_free(&p);
	sp_wallet_str_free(qr);
	CHECK(used_copies(&f, f.id) == 1);
	/* Again: the next counter, another copy. */
	CHECK(present(&f, &qr, f.id, &sport_year, NULL) == SP_OK);
	p = verify_qr(&f, qr, NULL, NULL, 0);
	CHECK(p != NULL && sp_presentation_offer(p, &ctr) == 3 && ctr == 2);
	sp_presentation_free(&p);
	sp_wallet_str_free(qr);
	CHECK(used_copies(&f, f.id) == 2);

	/* Weekly limit: no tag for the week in the pass, so the limit key
	 * alone (it proves the category); the till derives the week's tag. */
	CHECK(present(&f, &qr, f.id, &swim_week, NULL) == SP_OK);
	p = verify_qr(&f, qr, NULL, NULL, 0);
	if (p != NULL) {
		keys_of(p, ks, sizeof(ks));
		CHECKF(strcmp(ks, "10") == 0, "%s", ks);
		CHECK(!sp_presentation_has_category(p, "swim"));
		CHECK(!sp_presentation_has_category(p, "sport"));
		CHECK(sp_presentation_limit_tag(p, "swim/2026-W02", tag) ==
		    SP_OK);
		CHECK(sp_presentation_offer(p, &ctr) == 5 && ctr == 1);
	}
	sp_presentation_free(&p);
	sp_wallet_str_free(qr);

	/* A claim only. */
	CHECK(present(&f, &qr, f.id, &kids, NULL) == SP_OK);
	p = verify_qr(&f, qr, NULL, NULL, 0);
	if (p != NULL) {
		keys_of(p, ks, sizeof(ks));
		CHECKF(strcmp(ks, "4") == 0, "%s", ks);
		CHECK(sp_presentation_has_true(p, SP_CLAIM_AGE_UNDER_12));
	}
	sp_presentation_free(&p);
	sp_wallet_str_free(qr);

	/* A category without a limit: that category claim only, never the
	 * limit key (which would link every limited use). */
	CHECK(present(&f, &qr, f.id, &sport_any, NULL) == SP_OK);
	p = verify_qr(&f, qr, NULL, NULL, 0);
	if (p != NULL) {
		keys_of(p, ks, sizeof(ks));
		CHECKF(strcmp(ks, "7") == 0, "%s", ks);
		CHECK(sp_presentation_has_category(p, "sport"));
		CHECK(!sp_presentation_has_category(p, "swim"));
		CHECK(sp_presentation_limit_tag(p, "sport/2026", tag) ==
		    SP_ERR_NOT_FOUND);
	}
	sp_presentation_free(&p);
	sp_wallet_str_free(qr);

	/* Not eligible, or not a valid offer: nothing is used or saved. */
	gen = sp_wallet_generation(f.w);
	{
		struct sp_wallet_offer o = { .id = 11,
		    .claims = (const char *const[]){ "age_over_65" },
		    .claim_count = 1 };

		CHECK(present(&f, &qr, f.id, &o, NULL) ==
		    SP_ERR_WALLET_NOT_ELIGIBLE && qr == NULL);
		o.claims = (const char *const[]){ "household_size" };
		CHECK(present(&f, &qr, f.id, &o, NULL) ==
		    SP_ERR_WALLET_NOT_ELIGIBLE);
		o.claims = (const char *const[]){ "category" };
		CHECK(present(&f, &qr, f.id, &o, NULL) == SP_ERR_INVALID_ARG);
		o.claims = (const char *const[]){ "shoe_size" };
		CHECK(present(&f, &qr, f.id, &o, NULL) == SP_ERR_INVALID_ARG);
		o.claim_count = 0;
		o.category = "culture";
		CHECK(present(&f, &qr, f.id, &o, NULL) ==
		    SP_ERR_WALLET_NOT_ELIGIBLE);
		o.category = "sp/ort";
		CHECK(present(&f, &qr, f.id, &o, NULL) == SP_ERR_INVALID_ARG);
		o.category = NULL;
		o.limit_period = SP_WALLET_PERIOD_YEAR;
		CHECK(present(&f, &qr, f.id, &o, NULL) == SP_ERR_INVALID_ARG);
		o.limit_period = 0;
		o.category = "sport";
		o.limit_scope = "swim/2026";
		CHECK(present(&f, &qr, f.id, &o, NULL) == SP_ERR_INVALID_ARG);
		o.category = NULL;
		o.limit_scope = "culture/2026";
		CHECK(present(&f, &qr, f.id, &o, NULL) ==
		    SP_ERR_WALLET_NOT_ELIGIBLE);
		o.id = 0;
		CHECK(present(&f, &qr, f.id, &o, NULL) == SP_ERR_INVALID_ARG);
		o.id = 11;
		CHECK(present(&f, &qr, 99, &o, NULL) == SP_ERR_WALLET_NO_PASS);
		CHECK(qr == NULL);
	}
	CHECK(sp_wallet_generation(f.w) == gen);
	CHECK(used_copies(&f, f.id) == 5);

	/* An explicit scope, audience and nonce from the till's QR. */
	{
		struct sp_wallet_offer o = { .id = 12,
		    .limit_scope = "sport/2026" };
		uint8_t nonce[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
		struct sp_wallet_present_opts po = { .audience = "prov-42",
		    .nonce = nonce, .nonce_len = sizeof(nonce) };

		CHECK(present(&f, &qr, f.id, &o, &po) == SP_OK);
		p = verify_qr(&f, qr, "prov-42", nonce, sizeof(nonce));
		if (p != NULL) {
			keys_of(p, ks, sizeof(ks));
			CHECK(strcmp(ks, "9") == 0);
		}
		sp_presentation_free(&p);
		sp_wallet_str_free(qr);
		po.nonce_len = 40;
		CHECK(present(&f, &qr, f.id, &o, &po) == SP_ERR_INVALID_ARG);
	}
	/* Six copies, six presentations: then refresh, or reuse. */
	CHECK(present(&f, &qr, f.id, &kids, NULL) == SP_ERR_WALLET_NO_COPY);
	{
		struct sp_wallet_present_opts po = { .allow_reuse = true };

		f.e.now += 5;
		CHECK(present(&f, &qr, f.id, &kids, &po) == SP_OK);
		sp_wallet_str_free(qr);
	}
	/* The history: what was shown to whom, oldest first. */
	{
		char *h = NULL;
		json_t *a;

		CHECK(sp_wallet_history_json(f.w, &h) == SP_OK);
		a = json_loads(h, 0, NULL);
		CHECK(json_array_size(a) == 7);
		CHECK(json_integer_value(json_object_get(json_array_get(a, 0),
		    "counter")) == 1);
		CHECK(strcmp(json_string_value(json_array_get(json_object_get(
		    json_array_get(a, 0), "claims"), 0)), "limit_tag") == 0);
		CHECK(strcmp(json_string_value(json_object_get(json_array_get(a,
		    5), "audience")), "prov-42") == 0);
		json_decref(a);
		sp_wallet_str_free(h);
	}
	/* Counters and used copies are durable. */
	sp_wallet_free(&f.w);
	CHECK(sp_wallet_open_key(&f.w, &f.ops, "w", store_key) == SP_OK);
	CHECK(used_copies(&f, f.id) == 6);
	f.id = enrol(&f, 2, SP_WALLET_KEY_P256, NULL);	/* a refresh */
	CHECK(present(&f, &qr, f.id, &sport_year, NULL) == SP_OK);
	p = verify_qr(&f, qr, NULL, NULL, 0);
	CHECK(p != NULL && sp_presentation_offer(p, &ctr) == 3 && ctr == 3);
	sp_presentation_free(&p);
	sp_wallet_str_free(qr);

	/* Expired: every copy. */
	f.e.now = f.s.exp + 1;
	CHECK(present(&f, &qr, f.id, &kids, NULL) == SP_ERR_EXPIRED);
	fx_free(&f);
}

/* The QR leaves only after the copy, counter and history are saved. */
static void
test_durable(void)
{
	struct fx f;
	struct sp_wallet_offer o = { .id = 3, .category = "sport",
	    .limit_period = SP_WALLET_PERIOD_YEAR };
	struct sp_presentation *p;
	uint64_t gen, ctr = 0;
	unsigned writes;
	char *qr = NULL, *q2 = NULL;
	bool re = true;

	fx_init(&f, 2, false, 3);
	gen = sp_wallet_generation(f.w);
	writes = f.e.writes;
	wt_fail_writes(&f.e, 1, NULL);
	CHECK(present(&f, &qr, f.id, &o, NULL) == SP_ERR_STORAGE && qr == NULL);
	CHECK(sp_wallet_generation(f.w) == gen && used_copies(&f, f.id) == 0);
	CHECK(sp_wallet_present_refresh(f.w, &q2, &re) ==
	    SP_ERR_WALLET_NOT_SHOWN);
	CHECK(present(&f, &qr, f.id, &o, NULL) == SP_OK);
	CHECK(f.e.writes == writes + 1);
	p = verify_qr(&f, qr, NULL, NULL, 0);
	CHECK(p != NULL && sp_presentation_offer(p, &ctr) == 3 && ctr == 1);
	sp_presentation_free(&p);

	/* Refreshing: the same text until 30 s have passed, then a new
	 * signature with the new time; same copy and counter; no writes. */
	writes = f.e.writes;
	CHECK(sp_wallet_present_refresh(f.w, &q2, &re) == SP_OK && !re);
	CHECK(q2 != NULL && strcmp(q2, qr) == 0);
	sp_wallet_str_free(q2);
	f.e.now += SP_WALLET_REFRESH - 1;
	CHECK(sp_wallet_present_refresh(f.w, &q2, &re) == SP_OK && !re &&
	    strcmp(q2, qr) == 0);
	sp_wallet_str_free(q2);
	f.e.now += 1;
	CHECK(sp_wallet_present_refresh(f.w, &q2, &re) == SP_OK && re &&
	    strcmp(q2, qr) != 0);
	p = verify_qr(&f, q2, NULL, NULL, 0);
	CHECK(p != NULL && sp_presentation_time(p) == f.e.now &&
	    sp_presentation_offer(p, &ctr) == 3 && ctr == 1);
	sp_presentation_free(&p);
	sp_wallet_str_free(q2);
	CHECK(sp_wallet_present_refresh(f.w, &q2, NULL) == SP_OK);
	sp_wallet_str_free(q2);
	/* The clock went back: re-signed. */
	f.e.now -= 100;
	CHECK(sp_wallet_present_refresh(f.w, &q2, &re) == SP_OK && re);
	sp_wallet_str_free(q2);
	CHECK(f.e.writes == writes && used_copies(&f, f.id) == 1);
	sp_wallet_present_end(f.w);
	CHECK(sp_wallet_present_refresh(f.w, &q2, &re) ==
	    SP_ERR_WALLET_NOT_SHOWN);
	sp_wallet_str_free(qr);
	/* Removing the shown pass stops the showing. */
	CHECK(present(&f, &qr, f.id, &o, NULL) == SP_OK);
	sp_wallet_str_free(qr);
	CHECK(sp_wallet_pass_remove(f.w, f.id) == SP_OK);
	CHECK(sp_wallet_present_refresh(f.w, &q2, &re) ==
	    SP_ERR_WALLET_NOT_SHOWN);
	fx_free(&f);
}

static void
test_hardware(void)
{
	struct fx f;
	struct sp_wallet_offer o = { .id = 4,
	    .claims = (const char *const[]){ "age_under_18" },
	    .claim_count = 1 };
	struct sp_presentation *p;
	uint64_t gen;
	unsigned signs;
	char *qr = NULL;

	fx_init(&f, 3, true, 2);
	signs = f.e.hw_signs;
	CHECK(present(&f, &qr, f.id, &o, NULL) == SP_OK);
	CHECK(f.e.hw_signs == signs + 1);
	p = verify_qr(&f, qr, NULL, NULL, 0);
	CHECK(p != NULL && sp_presentation_has_true(p, SP_CLAIM_AGE_UNDER_18));
	sp_presentation_free(&p);
	sp_wallet_str_free(qr);
	/* The user cancels the biometric prompt: nothing is used up. */
	gen = sp_wallet_generation(f.w);
	f.e.hw_fail = 1;
	CHECK(present(&f, &qr, f.id, &o, NULL) == SP_ERR_WALLET_SIGNER &&
	    qr == NULL);
	CHECK(sp_wallet_generation(f.w) == gen && used_copies(&f, f.id) == 1);
	f.e.hw_fail = 0;
	fx_free(&f);
}

/* A parent's wallet holds a child's pass bound to the parent's own keys,
 * and presents it; the child's claims, not the parent's. */
static void
test_household(void)
{
	struct fx f;
	struct sp_wallet_offer kids = { .id = 8,
	    .claims = (const char *const[]){ "age_under_12" },
	    .claim_count = 1 };
	struct sp_presentation *p;
	uint32_t parent, child;
	char *qr = NULL;

	memset(&f, 0, sizeof(f));
	wt_env_init(&f.e, 4);
	wt_ops(&f.e, &f.ops, false);
	CHECK(sp_wallet_create_pin(&f.w, &f.ops, "gezin", "8642",
	    &wt_kdf_fast) == SP_OK);
	CHECK(sim_init(&f.s, 0x30, SP_ALG_EDDSA) == SP_OK);
	CHECK(sp_trust_new(&f.t) == SP_OK);
	CHECK(sp_trust_add_cose_key(f.t, f.s.cose, f.s.cose_len) == SP_OK);
	f.s.pass_no = "0014-000200";
	f.s.name = "Sanne";
	f.s.birth_year = 1988;
	f.s.under12 = f.s.under18 = false;
	parent = enrol(&f, 2, SP_WALLET_KEY_ED25519, "Sanne");
	f.s.pass_no = "0014-000201";
	f.s.name = "Noor";
	f.s.birth_year = 2018;
	f.s.under12 = f.s.under18 = true;
	child = enrol(&f, 2, SP_WALLET_KEY_ED25519, "Noor");
	CHECK(parent != child);
	CHECK(present(&f, &qr, parent, &kids, NULL) ==
	    SP_ERR_WALLET_NOT_ELIGIBLE);
	sp_wallet_free(&f.w);
	CHECK(sp_wallet_open_pin(&f.w, NULL, &f.ops, "gezin", "8642") ==
	    SP_OK);
	CHECK(present(&f, &qr, child, &kids, NULL) == SP_OK);
	p = verify_qr(&f, qr, NULL, NULL, 0);
	CHECK(p != NULL && sp_presentation_has_true(p, SP_CLAIM_AGE_UNDER_12));
	sp_presentation_free(&p);
	sp_wallet_str_free(qr);
	fx_free(&f);
}

/* The example catalogue of docs/FORMATS.md "Offers catalogue" (issuer key
 * seed 10 11 .. 2f): offer 1, a weekly swim for children, at "p1". */
static const char cat_hex[] =
    "8449a20127044406c3b3e2a05871a501030201031a6955b9000481a701010281"
    "62703103675a77656d6d656e04647377696d05810506a2010102647765656b07"
    "19015e0581a301627031026944652050617272656c0381a30101200621582025"
    "43b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d58"
    "401178d2a29a2d4faf10d00effbf238452fad91ada56b13cb9cbfb382cecbd4f"
    "9a7e5b4e63d0ac82713d30dddc8263b5fe68c4f712f1abdfdd815d8cc5c2f726"
    "08";

static void
test_catalogue(void)
{
	struct sp_wallet_catalogue *c = NULL;
	struct sp_wallet_offer o;
	struct sp_presentation *p;
	struct sp_key *k = NULL;
	struct sp_buf cat;
	uint8_t seed[SP_SEED_LEN], cose[128];
	size_t cose_len = sizeof(cose), i;
	char *qr = NULL, *js = NULL;
	json_t *j;
	struct fx f;

	sp_buf_init(&cat);
	CHECK(wal_unhex(&cat, cat_hex, sizeof(cat_hex)) == SP_OK);
	for (i = 0; i < SP_SEED_LEN; i++)
		seed[i] = (uint8_t)(0x10 + i);
	CHECK(sp_key_from_seed(&k, SP_ALG_EDDSA, seed) == SP_OK);
	CHECK(sp_key_public_cose(k, cose, &cose_len) == SP_OK);

	fx_init(&f, 5, false, 2);
	/* Not signed by a key we trust (the pass issuer's), then ours. */
	CHECK(sp_wallet_catalogue_new(&c, cat.ptr, cat.len, f.s.cose,
	    f.s.cose_len) == SP_ERR_UNKNOWN_KID && c == NULL);
	cat.ptr[cat.len - 1] ^= 1;
	CHECK(sp_wallet_catalogue_new(&c, cat.ptr, cat.len, cose, cose_len) ==
	    SP_ERR_SIGNATURE);
	cat.ptr[cat.len - 1] ^= 1;
	CHECK(sp_wallet_catalogue_new(&c, cat.ptr, cat.len - 1, cose,
	    cose_len) != SP_OK);
	CHECK(sp_wallet_catalogue_new(&c, cat.ptr, cat.len, cose, cose_len) ==
	    SP_OK);
	CHECK(sp_wallet_catalogue_version(c) == 1);
	CHECK(sp_wallet_catalogue_offer(c, &o, 2) == SP_ERR_NOT_FOUND);
	CHECK(sp_wallet_catalogue_offer(c, &o, 1) == SP_OK);
	CHECK(o.id == 1 && strcmp(o.category, "swim") == 0 &&
	    o.claim_count == 1 && strcmp(o.claims[0], "age_under_18") == 0 &&
	    o.limit_period == SP_WALLET_PERIOD_WEEK && o.limit_scope == NULL);
	CHECK(sp_wallet_catalogue_json(c, &js) == SP_OK);
	j = json_loads(js, 0, NULL);
	CHECK(json_integer_value(json_object_get(j, "version")) == 1);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "offers"), 0), "title")), "Zwemmen") == 0);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "providers"), 0), "name")), "De Parrel") == 0);
	json_decref(j);
	sp_wallet_str_free(js);

	/* The offer as read: age_under_18, and the swim limit key for the
	 * week (no weekly tags in a pass). */
	CHECK(present(&f, &qr, f.id, &o, NULL) == SP_OK);
	p = verify_qr(&f, qr, NULL, NULL, 0);
	if (p != NULL) {
		char ks[64];

		keys_of(p, ks, sizeof(ks));
		CHECKF(strcmp(ks, "5,10") == 0, "%s", ks);
	}
	sp_presentation_free(&p);
	sp_wallet_str_free(qr);
	sp_wallet_catalogue_free(&c);
	sp_wallet_catalogue_free(&c);
	sp_key_free(&k);
	sp_buf_clear(&cat);
	fx_free(&f);
}

static void
test_render(void)
{
	const char *text = "SP1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXW"
	    "K3TN0$O1/-K8A14V5PSK4-2D:0K6GVEK*PF/:V5K";
	char *t = NULL, *t2 = NULL, *back = NULL, *line;
	uint8_t *png = NULL;
	size_t len = 0, lines = 0, back_len = 0, w;
	char why[128];

	CHECK(sp_wallet_qr_text(&t, text, 0) == SP_OK);
	CHECK(sp_wallet_qr_text(&t2, text, SP_WALLET_QR_INVERT) == SP_OK);
	CHECK(t != NULL && t2 != NULL && strcmp(t, t2) != 0);
	/* Every line is as wide as the symbol plus margins, in glyphs. */
	w = 0;
	for (line = t; line != NULL && *line != 0; lines++) {
		char *nl = strchr(line, '\n');
		size_t g = 0;
		const char *c;

		CHECK(nl != NULL);
		if (nl == NULL)
			break;
		for (c = line; c < nl; g++)
			c += (*c == ' ') ? 1 : 3;
		if (w == 0)
			w = g;
		CHECK(g == w);
		line = nl + 1;
	}
	CHECK(w >= 25 && lines == (w + 1) / 2);
	CHECK(strstr(t, "\xe2\x96\x88") != NULL);	/* a full block */
	sp_wallet_str_free(t);
	sp_wallet_str_free(t2);
	CHECK(sp_wallet_qr_text(&t, text, 8) == SP_ERR_INVALID_ARG);
	CHECK(sp_wallet_qr_text(&t, "", 0) == SP_ERR_INVALID_ARG);

	CHECK(sp_wallet_qr_png(&png, &len, text, 0) == SP_OK);
	CHECK(len > 8 && memcmp(png, "\x89PNG", 4) == 0);
	CHECK(cli_qr_from_image(&back, &back_len, png, len, why,
	    sizeof(why)) == SP_OK);
	CHECKF(back != NULL && strcmp(back, text) == 0, "%s", why);
	free(back);
	sp_wallet_bytes_free(png, len);
	png = NULL;
	CHECK(sp_wallet_qr_png(&png, &len, text, 33) == SP_ERR_INVALID_ARG);
	CHECK(sp_wallet_qr_png(&png, &len, NULL, 4) == SP_ERR_INVALID_ARG);
	CHECK(png == NULL);
}

int
main(void)
{
	test_offers();
	test_durable();
	test_hardware();
	test_household();
	test_catalogue();
	test_render();
	return check_report("test_present");
}
