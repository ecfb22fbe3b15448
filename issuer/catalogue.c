/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Providers, offers and the signed offers catalogue (catalogue.h,
 * docs/FORMATS.md "Offers catalogue"). Publishing reads every provider and
 * offer, signs the catalogue and stores it with its audit entry in one
 * transaction; GET /registry/offers serves the stored bytes.
 */
#include "catalogue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api_int.h"
#include "cbor.h"
#include "cose.h"
#include "json.h"
#include "pass_int.h"
#include "stadspas/sp_err.h"
#include "stadspas/sp_pass.h"

bool
iss_category_valid(const char *s)
{
	size_t i, n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > ISS_CATEGORY_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* ---- Encoding ---------------------------------------------------------- */

static void
provider_id_put(struct cbor_enc *e, uint64_t id)
{
	char s[24];
	int n = snprintf(s, sizeof(s), "p%llu", (unsigned long long)id);

	cbor_put_tstr(e, s, (size_t)n);
}

static void
offer_put(struct cbor_enc *e, const struct iss_offer *o)
{
	bool limited = o->limit_count != 0;
	size_t i;

	cbor_put_map(e, limited ? 7 : 6);
	cbor_put_uint(e, 1);
	cbor_put_uint(e, o->id);
	cbor_put_uint(e, 2);
	cbor_put_array(e, 1);
	provider_id_put(e, o->provider);
	cbor_put_uint(e, 3);
	cbor_put_tstrz(e, o->title);
	cbor_put_uint(e, 4);
	cbor_put_tstrz(e, o->category);
	cbor_put_uint(e, 5);
	cbor_put_array(e, o->n_req);
	for (i = 0; i < o->n_req; i++)
		cbor_put_uint(e, (uint64_t)o->req[i]);
	if (limited) {
		cbor_put_uint(e, 6);
		cbor_put_map(e, 2);
		cbor_put_uint(e, 1);
		cbor_put_uint(e, o->limit_count);
		cbor_put_uint(e, 2);
		cbor_put_tstrz(e, o->period);
	}
	cbor_put_uint(e, 7);
	cbor_put_uint(e, o->amount_cents);
}

static void
provider_put(struct cbor_enc *e, const struct iss_provider *p)
{
	size_t i;

	cbor_put_map(e, 3);
	cbor_put_uint(e, 1);
	provider_id_put(e, p->id);
	cbor_put_uint(e, 2);
	cbor_put_tstrz(e, p->name);
	cbor_put_uint(e, 3);
	cbor_put_array(e, p->n_keys);
	for (i = 0; i < p->n_keys; i++)
		cbor_put_raw(e, p->key[i], p->key_len[i]);
}

int
iss_cat_payload_encode(struct sp_buf *out, uint64_t version, int64_t issued,
    const struct iss_offer *offers, size_t n_offers,
    const struct iss_provider *providers, size_t n_providers)
{
	struct cbor_enc e;
	size_t i;

	if (issued < 0)
		return SP_ERR_INVALID_ARG;
	cbor_enc_init(&e, out);
	cbor_put_map(&e, 5);
	cbor_put_uint(&e, ISS_CAT_K_TYPE);
	cbor_put_uint(&e, ISS_CAT_TYPE);
	cbor_put_uint(&e, ISS_CAT_K_VERSION);
	cbor_put_uint(&e, version);
	cbor_put_uint(&e, ISS_CAT_K_ISSUED);
	cbor_put_uint(&e, (uint64_t)issued);
	cbor_put_uint(&e, ISS_CAT_K_OFFERS);
	cbor_put_array(&e, n_offers);
	for (i = 0; i < n_offers; i++)
		offer_put(&e, &offers[i]);
	cbor_put_uint(&e, ISS_CAT_K_PROVIDERS);
	cbor_put_array(&e, n_providers);
	for (i = 0; i < n_providers; i++)
		provider_put(&e, &providers[i]);
	return cbor_enc_finish(&e);
}

int
iss_cat_sign(struct sp_buf *out, const struct sig_priv *k,
    const uint8_t *kid, size_t kid_len, const uint8_t *payload, size_t n)
{
	return cose_sign1_sign(out, k, kid, kid_len, -1, payload, n, NULL, 0,
	    0);
}

/* ---- Reading the stored offers ----------------------------------------- */

struct yearly_ctx {
	const char *category;
	bool found;
};

static int
yearly_visit(void *vctx, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	struct yearly_ctx *c = vctx;
	struct iss_offer o;

	if (klen != 9 || key[0] != 'o')
		return 1;	/* past the offers */
	if (iss_offer_decode(&o, val, vlen) != SP_OK)
		return SP_ERR_STORAGE;
	if (strcmp(o.category, c->category) == 0 &&
	    strcmp(o.period, "year") == 0) {
		c->found = true;
		return 1;
	}
	return 0;
}

bool
iss_cat_has_yearly(struct reg_txn *t, const char *category)
{
	struct yearly_ctx c = { .category = category };

	reg_txn_foreach(t, ISS_DB_CATALOGUE, "o", 1, yearly_visit, &c);
	return c.found;
}

/* ---- POST /admin/providers --------------------------------------------- */

static const struct iss_js_field provider_fields[] = {
	{ .name = "name", .type = ISS_JS_STR, .required = true,
	    .max = ISS_NAME_MAX },
	{ .name = "till_keys", .type = ISS_JS_ARRAY, .required = true,
	    .max = ISS_MAX_TILL_KEYS, .elem = ISS_JS_STR, .elem_max = 256 },
};
static const struct iss_js_schema provider_schema =
    ISS_JS_SCHEMA(provider_fields);

/* A till key: hex of one deterministic COSE_Key (Ed25519 or P-256),
 * stored in its canonical (compressed) form. */
static int
till_key_parse(struct iss_provider *p, size_t i, const char *hex)
{
	struct sp_buf b, canon;
	struct cbor_reader rd;
	struct cbor_enc e;
	struct sig_pub k;
	int r = SP_ERR_INVALID_ARG;

	sp_buf_init(&b);
	sp_buf_init(&canon);
	memset(&k, 0, sizeof(k));
	if (iss_hex_decode(&b, hex, 128) != SP_OK || cbor_check(b.ptr, b.len,
	    &pass_cbor_limits, CBOR_F_DETERMINISTIC, NULL) != SP_OK)
		goto out;
	cbor_reader_init(&rd, b.ptr, b.len);
	if (cose_key_decode(&k, &rd) != SP_OK || !cbor_reader_done(&rd))
		goto out;
	cbor_enc_init(&e, &canon);
	cose_key_encode(&e, &k);
	if (cbor_enc_finish(&e) != SP_OK || canon.len > ISS_COSE_KEY_MAX)
		goto out;
	memcpy(p->key[i], canon.ptr, canon.len);
	p->key_len[i] = canon.len;
	r = SP_OK;
out:
	sig_pub_clear(&k);
	sp_buf_clear(&b);
	sp_buf_clear(&canon);
	return r;
}

struct provider_ctx {
	struct iss_provider p;
	int64_t now;
	const char *who;
};

static void
provider_txn(struct reg_txn *t, void *vctx)
{
	struct provider_ctx *c = vctx;
	char target[ISS_TARGET_MAX + 1];

	if ((c->p.id = iss_store_next_id(t, "seq/provider")) == 0)
		return;
	iss_store_put_provider(t, &c->p);
	snprintf(target, sizeof(target), "p%llu", (unsigned long long)c->p.id);
	iss_store_audit(t, c->now, c->who, "provider.create", target);
}

int
iss_cat_providers_create(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	struct provider_ctx *pc = NULL;
	const json_t *keys;
	json_t *o = NULL;
	char id[24];
	size_t i, j;
	int r;

	if ((r = iss_json_parse(&o, c->req, &provider_schema, resp)) != SP_OK)
		goto out;
	r = SP_ERR_NOMEM;
	if ((pc = calloc(1, sizeof(*pc))) == NULL)
		goto out;
	pc->now = c->req->now;
	pc->who = c->who;
	snprintf(pc->p.name, sizeof(pc->p.name), "%s",
	    iss_json_str(o, "name"));
	pc->p.created = c->req->now;
	keys = json_object_get(o, "till_keys");
	pc->p.n_keys = json_array_size(keys);
	r = SP_OK;
	for (i = 0; i < pc->p.n_keys && r == SP_OK; i++) {
		if (till_key_parse(&pc->p, i, json_string_value(
		    json_array_get(keys, i))) != SP_OK)
			r = iss_error(resp, 400, "bad_request", "till_keys: "
			    "hex COSE_Keys (Ed25519 or P-256)");
		for (j = 0; r == SP_OK && j < i; j++)
			if (pc->p.key_len[j] == pc->p.key_len[i] &&
			    memcmp(pc->p.key[j], pc->p.key[i],
			    pc->p.key_len[i]) == 0)
				r = iss_error(resp, 400, "bad_request",
				    "till_keys: each key only once");
	}
	if (r != SP_OK)
		goto out;
	if (pc->p.name[0] == 0) {
		r = iss_error(resp, 400, "bad_request", "name: 1 to 128 bytes");
		goto out;
	}
	if ((r = reg_db_write(&a->db, provider_txn, pc)) != SP_OK)
		goto out;
	snprintf(id, sizeof(id), "p%llu", (unsigned long long)pc->p.id);
	r = iss_json_reply(resp, 201, json_pack("{s:s}", "provider", id));
out:
	free(pc);
	json_decref(o);
	return r;
}

/* ---- POST /admin/offers ------------------------------------------------ */

static const struct iss_js_field limit_fields[] = {
	{ .name = "count", .type = ISS_JS_INT, .required = true },
	{ .name = "period", .type = ISS_JS_STR, .required = true, .max = 8 },
};
static const struct iss_js_schema limit_schema =
    ISS_JS_SCHEMA(limit_fields);

static const struct iss_js_field offer_fields[] = {
	{ .name = "provider", .type = ISS_JS_STR, .required = true,
	    .max = 24 },
	{ .name = "title", .type = ISS_JS_STR, .required = true,
	    .max = ISS_TITLE_MAX },
	{ .name = "category", .type = ISS_JS_STR, .required = true,
	    .max = ISS_CATEGORY_MAX },
	{ .name = "requires", .type = ISS_JS_ARRAY, .required = true,
	    .max = ISS_MAX_REQUIRES, .elem = ISS_JS_STR, .elem_max = 32 },
	{ .name = "limit", .type = ISS_JS_OBJECT, .sub = &limit_schema },
	{ .name = "amount_cents", .type = ISS_JS_INT, .required = true },
};
static const struct iss_js_schema offer_schema =
    ISS_JS_SCHEMA(offer_fields);

/* A claim an offer may require: pass_no .. household_size. */
static int
claim_key(const char *name)
{
	int k;

	for (k = SP_CLAIM_PASS_NO; k <= SP_CLAIM_HOUSEHOLD_SIZE; k++)
		if (strcmp(sp_claim_name(k), name) == 0)
			return k;
	return 0;
}

static int
int_cmp(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	return (a > b) - (a < b);
}

static int
offer_fill(struct iss_offer *of, const json_t *o, struct iss_resp *resp)
{
	static const char *const periods[] = { "year", "month", "week",
	    "day" };
	const json_t *req = json_object_get(o, "requires");
	const json_t *lim = json_object_get(o, "limit");
	int64_t amount = -1, count = 0;
	size_t i;

	if (!iss_id_parse(iss_json_str(o, "provider"), 'p', &of->provider))
		return iss_error(resp, 400, "bad_request",
		    "provider: a provider id (\"p1\")");
	snprintf(of->title, sizeof(of->title), "%s",
	    iss_json_str(o, "title"));
	if (of->title[0] == 0)
		return iss_error(resp, 400, "bad_request",
		    "title: 1 to 128 bytes");
	if (!iss_category_valid(iss_json_str(o, "category")))
		return iss_error(resp, 400, "bad_request",
		    "category: [a-z0-9_-], 1 to 32 characters");
	snprintf(of->category, sizeof(of->category), "%s",
	    iss_json_str(o, "category"));
	of->n_req = json_array_size(req);
	for (i = 0; i < of->n_req; i++) {
		of->req[i] = claim_key(json_string_value(json_array_get(req,
		    i)));
		if (of->req[i] == 0)
			return iss_error(resp, 400, "bad_request",
			    "requires: claim names such as \"age_under_18\"");
	}
	qsort(of->req, of->n_req, sizeof(of->req[0]), int_cmp);
	for (i = 1; i < of->n_req; i++)
		if (of->req[i] == of->req[i - 1])
			return iss_error(resp, 400, "bad_request",
			    "requires: each claim only once");
	if (lim != NULL) {
		(void)iss_json_int(lim, "count", &count);
		if (count < 1 || count > ISS_LIMIT_COUNT_MAX)
			return iss_error(resp, 400, "bad_request",
			    "limit.count: 1 to 1000");
		of->limit_count = (uint32_t)count;
		for (i = 0; i < 4; i++)
			if (strcmp(iss_json_str(lim, "period"), periods[i]) ==
			    0)
				break;
		if (i == 4)
			return iss_error(resp, 400, "bad_request",
			    "limit.period: \"year\", \"month\", \"week\" "
			    "or \"day\"");
		snprintf(of->period, sizeof(of->period), "%s", periods[i]);
	}
	(void)iss_json_int(o, "amount_cents", &amount);
	if (amount < 0 || amount > (int64_t)ISS_AMOUNT_MAX)
		return iss_error(resp, 400, "bad_request",
		    "amount_cents: 0 to 100000000");
	of->amount_cents = (uint64_t)amount;
	return SP_OK;
}

struct offer_ctx {
	struct iss_offer o;
	int64_t now;
	const char *who;
	bool no_provider;	/* out */
};

static void
offer_txn(struct reg_txn *t, void *vctx)
{
	struct offer_ctx *c = vctx;
	struct iss_provider *p;
	char target[ISS_TARGET_MAX + 1];

	c->no_provider = false;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		reg_txn_fail(t, SP_ERR_NOMEM);
		return;
	}
	if (!iss_store_get_provider(t, c->o.provider, p)) {
		c->no_provider = t->ret == SP_OK;
		reg_txn_fail(t, SP_ERR_NOT_FOUND);
	} else if ((c->o.id = iss_store_next_id(t, "seq/offer")) != 0) {
		iss_store_put_offer(t, &c->o);
		snprintf(target, sizeof(target), "o%llu",
		    (unsigned long long)c->o.id);
		iss_store_audit(t, c->now, c->who, "offer.create", target);
	}
	free(p);
}

int
iss_cat_offers_create(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	struct offer_ctx oc = { .now = c->req->now, .who = c->who };
	json_t *o = NULL;
	int r;

	oc.o.created = c->req->now;
	if ((r = iss_json_parse(&o, c->req, &offer_schema, resp)) != SP_OK ||
	    (r = offer_fill(&oc.o, o, resp)) != SP_OK)
		goto out;
	r = reg_db_write(&a->db, offer_txn, &oc);
	if (r != SP_OK && oc.no_provider)
		r = iss_error(resp, 400, "bad_request", "no such provider");
	else if (r == SP_OK)
		r = iss_json_reply(resp, 201, json_pack("{s:I}", "offer",
		    (json_int_t)oc.o.id));
out:
	json_decref(o);
	return r;
}

/* ---- POST /admin/catalogue/publish ------------------------------------- */

struct publish_ctx {
	struct iss_app *a;
	int64_t now;
	const char *who;
	struct iss_offer *offers;
	size_t n_offers;
	struct iss_provider *providers;
	size_t n_providers;
	uint64_t version;	/* out */
	size_t size;		/* out */
	bool too_many;		/* out */
};

static int
collect_visit(void *vctx, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen)
{
	struct publish_ctx *c = vctx;

	if (klen != 9)
		return SP_ERR_STORAGE;
	if (key[0] == 'o') {
		if (c->n_offers == ISS_CAT_MAX_OFFERS)
			goto full;
		c->offers[c->n_offers].id = reg_key_get_be64(key + 1);
		if (iss_offer_decode(&c->offers[c->n_offers], val, vlen) !=
		    SP_OK)
			return SP_ERR_STORAGE;
		c->n_offers++;
	} else if (key[0] == 'p') {
		if (c->n_providers == ISS_CAT_MAX_PROVIDERS)
			goto full;
		c->providers[c->n_providers].id = reg_key_get_be64(key + 1);
		if (iss_provider_decode(&c->providers[c->n_providers], val,
		    vlen) != SP_OK)
			return SP_ERR_STORAGE;
		c->n_providers++;
	} else {
		return SP_ERR_STORAGE;
	}
	return 0;
full:
	c->too_many = true;
	return SP_ERR_TOO_LARGE;
}

static void
publish_txn(struct reg_txn *t, void *vctx)
{
	struct publish_ctx *c = vctx;
	struct sp_buf payload, signed_bytes, old;
	char target[ISS_TARGET_MAX + 1];
	uint64_t version;
	int r;

	sp_buf_init(&payload);
	sp_buf_init(&signed_bytes);
	sp_buf_init(&old);
	c->n_offers = c->n_providers = 0;
	c->too_many = false;
	(void)iss_store_get_catalogue(t, &version, &old);
	reg_txn_foreach(t, ISS_DB_CATALOGUE, NULL, 0, collect_visit, c);
	if (t->ret != SP_OK)
		goto out;
	c->version = version + 1;
	if ((r = iss_cat_payload_encode(&payload, c->version, c->now,
	    c->offers, c->n_offers, c->providers, c->n_providers)) != SP_OK ||
	    (r = iss_cat_sign(&signed_bytes, iss_keys_priv(&c->a->keys),
	    c->a->keys.kid, SP_KID_LEN, payload.ptr, payload.len)) != SP_OK) {
		reg_txn_fail(t, r);
		goto out;
	}
	if (signed_bytes.len > ISS_CAT_MAX_LEN) {
		c->too_many = true;
		reg_txn_fail(t, SP_ERR_TOO_LARGE);
		goto out;
	}
	c->size = signed_bytes.len;
	iss_store_put_catalogue(t, c->version, signed_bytes.ptr,
	    signed_bytes.len);
	snprintf(target, sizeof(target), "v%llu",
	    (unsigned long long)c->version);
	iss_store_audit(t, c->now, c->who, "catalogue.publish", target);
out:
	sp_buf_clear(&payload);
	sp_buf_clear(&signed_bytes);
	sp_buf_clear(&old);
}

int
iss_cat_publish(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	static const struct iss_js_schema empty = { .n = 0 };
	struct publish_ctx pc = { .a = a, .now = c->req->now, .who = c->who };
	json_t *o = NULL;
	int r;

	if ((r = iss_json_parse(&o, c->req, &empty, resp)) != SP_OK)
		goto out;
	r = SP_ERR_NOMEM;
	if ((pc.offers = calloc(ISS_CAT_MAX_OFFERS, sizeof(*pc.offers))) ==
	    NULL || (pc.providers = calloc(ISS_CAT_MAX_PROVIDERS,
	    sizeof(*pc.providers))) == NULL)
		goto out;
	r = reg_db_write(&a->db, publish_txn, &pc);
	if (r != SP_OK && pc.too_many)
		r = iss_error(resp, 409, "conflict", "the catalogue exceeds "
		    "its limits (4096 offers, 1024 providers, 1 MiB)");
	else if (r == SP_OK)
		r = iss_json_reply(resp, 200, json_pack("{s:I, s:I}",
		    "version", (json_int_t)pc.version, "size",
		    (json_int_t)pc.size));
out:
	free(pc.offers);
	free(pc.providers);
	json_decref(o);
	return r;
}
