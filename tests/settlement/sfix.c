/* SPDX-License-Identifier: Apache-2.0 */
/* The settlement tests' municipality and providers (sfix.h). */
#include "sfix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "cose.h"
#include "hash.h"
#include "pass_int.h"

#define FIX(expr) do { \
	if (!(expr)) { \
		fprintf(stderr, "%s:%d: fixture failed: %s\n", __FILE__, \
		    __LINE__, #expr); \
		abort(); \
	} \
} while (0)

static const uint8_t limit_secret[32] = { 0x51, 0x7e };

struct soffer {
	uint64_t id;
	const char *prov[2];
	const char *category;
	int req;
	uint32_t count;
	const char *period;
	enum sp_period per;
	uint64_t amount;
};

static const struct soffer offers[] = {
	{ SF_SWIM, { "p1", NULL }, "swim", SP_CLAIM_AGE_UNDER_18, 1, "week",
	    SP_PERIOD_WEEK, 350 },
	{ SF_MUSEUM, { "p1", "p2" }, "culture", 0, 0, NULL, SP_PERIOD_NONE,
	    500 },
	{ SF_SPORT, { "p1", NULL }, "sport", 0, 2, "year", SP_PERIOD_YEAR,
	    2500 },
};
#define N_OFFERS (sizeof(offers) / sizeof(offers[0]))

static void
sign(const struct sp_key *k, struct sp_buf *out, const struct sp_buf *pl)
{
	uint8_t kid[SP_KID_LEN];

	sp_key_kid(k, kid);
	sp_buf_reset(out);
	FIX(cose_sign1_sign(out, &k->priv, kid, sizeof(kid), -1, pl->ptr,
	    pl->len, NULL, 0, 0) == SP_OK);
}

static void
cose_of(const struct sp_key *k, uint8_t out[64], size_t *len)
{
	*len = 64;
	FIX(sp_key_public_cose(k, out, len) == SP_OK);
}

/* Trust list version 1, self-signed, and the chain holding it. */
static void
trust_chain(const struct sfix *f, struct sp_buf *chain, uint8_t fp[32])
{
	struct sp_buf pl, one;
	struct cbor_enc e;
	uint8_t cose[64];
	size_t n;

	sp_buf_init(&pl);
	sp_buf_init(&one);
	cose_of(f->issuer, cose, &n);
	FIX(sp_sha256(fp, cose, n) == SP_OK);
	cbor_enc_init(&e, &pl);
	cbor_put_map(&e, 4);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 4);
	cbor_put_uint(&e, 2);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 3);
	cbor_put_uint(&e, SF_T0);
	cbor_put_uint(&e, 4);
	cbor_put_array(&e, 1);
	cbor_put_raw(&e, cose, n);
	FIX(cbor_enc_finish(&e) == SP_OK);
	sign(f->issuer, &one, &pl);
	sp_buf_reset(chain);
	cbor_enc_init(&e, chain);
	cbor_put_array(&e, 1);
	cbor_put_bstr(&e, one.ptr, one.len);
	FIX(cbor_enc_finish(&e) == SP_OK);
	sp_buf_clear(&pl);
	sp_buf_clear(&one);
}

static void
offer_put(struct cbor_enc *e, const struct soffer *o)
{
	size_t np = o->prov[1] != NULL ? 2 : 1, i;

	cbor_put_map(e, o->count > 0 ? 7 : 6);
	cbor_put_uint(e, 1);
	cbor_put_uint(e, o->id);
	cbor_put_uint(e, 2);
	cbor_put_array(e, np);
	for (i = 0; i < np; i++)
		cbor_put_tstrz(e, o->prov[i]);
	cbor_put_uint(e, 3);
	cbor_put_tstrz(e, "Aanbod");
	cbor_put_uint(e, 4);
	cbor_put_tstrz(e, o->category);
	cbor_put_uint(e, 5);
	cbor_put_array(e, o->req != 0 ? 1 : 0);
	if (o->req != 0)
		cbor_put_uint(e, (uint64_t)o->req);
	if (o->count > 0) {
		cbor_put_uint(e, 6);
		cbor_put_map(e, 2);
		cbor_put_uint(e, 1);
		cbor_put_uint(e, o->count);
		cbor_put_uint(e, 2);
		cbor_put_tstrz(e, o->period);
	}
	cbor_put_uint(e, 7);
	cbor_put_uint(e, o->amount);
}

static void
provider_put(const struct sfix *f, struct cbor_enc *e, const char *id,
    const int *tills, size_t n)
{
	uint8_t cose[64];
	size_t len, i;

	cbor_put_map(e, 3);
	cbor_put_uint(e, 1);
	cbor_put_tstrz(e, id);
	cbor_put_uint(e, 2);
	cbor_put_tstrz(e, id);
	cbor_put_uint(e, 3);
	cbor_put_array(e, n);
	for (i = 0; i < n; i++) {
		cose_of(f->till[tills[i]], cose, &len);
		cbor_put_raw(e, cose, len);
	}
}

static void
catalogue(const struct sfix *f, struct sp_buf *out)
{
	static const int p1[] = { 0, 1 }, p2[] = { 2 };
	struct sp_buf pl;
	struct cbor_enc e;
	size_t i;

	sp_buf_init(&pl);
	cbor_enc_init(&e, &pl);
	cbor_put_map(&e, 5);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 3);
	cbor_put_uint(&e, 2);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 3);
	cbor_put_uint(&e, SF_T0);
	cbor_put_uint(&e, 4);
	cbor_put_array(&e, N_OFFERS);
	for (i = 0; i < N_OFFERS; i++)
		offer_put(&e, &offers[i]);
	cbor_put_uint(&e, 5);
	cbor_put_array(&e, 2);
	provider_put(f, &e, "p1", p1, 2);
	provider_put(f, &e, "p2", p2, 1);
	FIX(cbor_enc_finish(&e) == SP_OK);
	sign(f->issuer, out, &pl);
	sp_buf_clear(&pl);
}

void
sfix_init(struct sfix *f)
{
	uint8_t seed[SP_SEED_LEN], fp[32];
	struct sp_buf b;
	int i;

	memset(f, 0, sizeof(*f));
	memset(seed, 0x01, sizeof(seed));
	FIX(sp_key_from_seed(&f->issuer, SP_ALG_EDDSA, seed) == SP_OK);
	for (i = 0; i < SF_TILLS; i++) {
		memset(seed, 0x40 + i, sizeof(seed));
		FIX(sp_key_from_seed(&f->till[i], SP_ALG_EDDSA, seed) == SP_OK);
	}
	sp_buf_init(&b);
	FIX(sp_verifier_new(&f->v, "settlement", NULL) == SP_OK);
	trust_chain(f, &b, fp);
	FIX(sp_verifier_trust_pin(f->v, fp, b.ptr, b.len) == SP_OK);
	catalogue(f, &b);
	FIX(sp_verifier_catalogue(f->v, b.ptr, b.len) == SP_OK);
	sp_buf_clear(&b);
	FIX(stl_history_new(&f->hist) == SP_OK);
	snprintf(f->dir, sizeof(f->dir), "%s/sp-stl-XXXXXX",
	    getenv("SP_TEST_DIR") != NULL ? getenv("SP_TEST_DIR") : "/tmp");
	FIX(mkdtemp(f->dir) != NULL);
}

void
sfix_clear(struct sfix *f)
{
	char cmd[128];
	int i;

	sp_key_free(&f->issuer);
	for (i = 0; i < SF_TILLS; i++)
		sp_key_free(&f->till[i]);
	sp_verifier_free(&f->v);
	stl_history_free(&f->hist);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	FIX(system(cmd) == 0);
}

struct stl_context
sfix_ctx(const struct sfix *f)
{
	return (struct stl_context){ .v = f->v, .history = f->hist,
	    .list_id = 1, .skew = 90, .now = SF_T + SF_DAY };
}

const char *
sfix_subdir(struct sfix *f, char out[128])
{
	snprintf(out, 128, "%s/d%u", f->dir, f->n_dirs++);
	return out;
}

void
sfix_pass(const struct sfix *f, struct spass *p, const char *pass_no,
    uint32_t idx, uint8_t holder_seed)
{
	struct sp_pass_builder *b = NULL;
	uint8_t cose[64], seed[SP_SEED_LEN], key[SP_TAG_LEN], tag[SP_TAG_LEN];
	size_t cl;

	memset(p, 0, sizeof(*p));
	memset(seed, holder_seed, sizeof(seed));
	FIX(sp_key_from_seed(&p->holder, SP_ALG_EDDSA, seed) == SP_OK);
	cose_of(p->holder, cose, &cl);
	p->idx = idx;
	FIX(sp_pass_builder_new(&b) == SP_OK);
	FIX(sp_pass_builder_set_issuer(b, "GM0014") == SP_OK);
	FIX(sp_pass_builder_set_times(b, SF_T0, 0, SF_T0 + 365 * SF_DAY) ==
	    SP_OK);
	FIX(sp_pass_builder_set_status(b, 1, idx) == SP_OK);
	FIX(sp_pass_builder_set_holder(b, cose, cl) == SP_OK);
	FIX(sp_pass_builder_add_text(b, SP_CLAIM_PASS_NO, pass_no) == SP_OK);
	FIX(sp_pass_builder_add_text(b, SP_CLAIM_NAME, "J. de Vries") ==
	    SP_OK);
	FIX(sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18, true) ==
	    SP_OK);
	FIX(sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY, "culture") ==
	    SP_OK);
	sp_limit_key_derive(key, limit_secret, sizeof(limit_secret), pass_no,
	    "sport");
	sp_limit_tag_derive(tag, key, sizeof(key), "sport/2026");
	FIX(sp_pass_builder_add_limit_tag(b, "sport/2026", tag) == SP_OK);
	sp_limit_key_derive(key, limit_secret, sizeof(limit_secret), pass_no,
	    "swim");
	FIX(sp_pass_builder_add_limit_key(b, "swim", key) == SP_OK);
	FIX(sp_pass_issue(&p->issued, &p->len, b, f->issuer, NULL) == SP_OK);
	sp_pass_builder_free(&b);
}

void
sfix_pass_clear(struct spass *p)
{
	sp_bytes_free(p->issued, p->len);
	sp_key_free(&p->holder);
	memset(p, 0, sizeof(*p));
}

struct sp_ledger *
sfix_ledger(struct sfix *f, const char *provider, int till)
{
	struct sp_ledger *l = NULL;
	char dir[128];

	FIX(sp_ledger_open(&l, sfix_subdir(f, dir), provider, f->till[till])
	    == SP_OK);
	return l;
}

static const struct soffer *
offer_of(uint64_t id)
{
	size_t i;

	for (i = 0; i < N_OFFERS; i++)
		if (offers[i].id == id)
			return &offers[i];
	abort();
}

void
sfix_redeem(const struct sfix *f, struct sp_ledger *l,
    const struct spass *p, const char *aud, uint64_t offer, int64_t t,
    uint64_t counter, bool forge, uint8_t **pres, size_t *pres_len)
{
	const struct soffer *o = offer_of(offer);
	char scope[SP_SCOPE_MAX];
	const char *scopes[1] = { scope };
	int claims[1] = { o->req };
	struct sp_present_opts po = {
		.time = t, .audience = aud, .offer = offer, .counter = counter,
		.disclose = claims, .disclose_count = o->req != 0 ? 1 : 0,
		.scopes = scopes, .scope_count = 1,
	};
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	struct sp_presentation *pr = NULL;
	struct sp_verdict vd;
	struct sp_receipt rc;
	uint8_t *raw = NULL;
	size_t len = 0;

	if (o->count > 0)
		FIX(sp_limit_scope(scope, o->category, o->per, t) == SP_OK);
	else
		snprintf(scope, sizeof(scope), "%s", o->category);
	FIX(sp_present(&raw, &len, p->issued, p->len, p->holder, &po) ==
	    SP_OK);
	vo.now = t;
	FIX(sp_presentation_verify(&pr, sp_verifier_trust(f->v), &vo, raw,
	    len) == SP_OK);
	memset(&vd, 0, sizeof(vd));
	vd.approved = true;
	vd.offer = offer;
	vd.amount_cents = o->amount;
	vd.limit = o->count;
	(void)sp_presentation_offer(pr, &vd.counter);
	sp_presentation_replay_id(pr, vd.replay_id);
	if (o->count > 0) {
		memcpy(vd.scope, scope, sizeof(vd.scope));
		FIX(sp_presentation_limit_tag(pr, scope, vd.tag) == SP_OK);
	}
	sp_presentation_free(&pr);
	if (forge)
		raw[len - 1] ^= 0x01;
	vd.raw = raw;
	vd.raw_len = len;
	FIX(sp_ledger_redeem(l, &vd, t, &rc) == SP_OK && vd.approved);
	if (pres != NULL) {
		*pres = raw;
		*pres_len = len;
	} else {
		sp_bytes_free(raw, len);
	}
}

void
sfix_export(struct sp_ledger *l, uint64_t after, struct sp_buf *out)
{
	uint8_t *b = NULL;
	size_t len = 0;
	uint64_t first, last;

	FIX(sp_ledger_export(l, after, 0, &b, &len, &first, &last) == SP_OK);
	FIX(sp_buf_set(out, b, len) == SP_OK);
	sp_bytes_free(b, len);
}
