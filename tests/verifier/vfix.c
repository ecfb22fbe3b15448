/* SPDX-License-Identifier: Apache-2.0 */
/* The verifier tests' municipality (vfix.h). */
#include "vfix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cbor.h"
#include "cose.h"
#include "hash.h"
#include "pass_int.h"

/* Setup failures abort: CHECK counts live in the test's own file. */
#define CHECK(expr) do { \
	if (!(expr)) { \
		fprintf(stderr, "%s:%d: fixture failed: %s\n", __FILE__, \
		    __LINE__, #expr); \
		abort(); \
	} \
} while (0)

static const uint8_t limit_secret[32] = { 0x5e, 0xc2, 0xe7 };

void
vfix_init(struct vfix *f)
{
	struct reg_log_config cfg = {
		.list_id = 1, .bits = 2, .capacity = 4096,
	};
	uint8_t seed[SP_SEED_LEN];
	int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < VF_NKEYS; i++) {
		memset(seed, 0x10 + i, sizeof(seed));
		/* Key C is P-256: chains mix algorithms. */
		CHECK(sp_key_from_seed(&f->iss[i], i == 2 ? SP_ALG_ES256 :
		    SP_ALG_EDDSA, seed) == SP_OK);
		f->cose_len[i] = sizeof(f->cose[i]);
		CHECK(sp_key_public_cose(f->iss[i], f->cose[i],
		    &f->cose_len[i]) == SP_OK);
		CHECK(sp_sha256(f->fp[i], f->cose[i], f->cose_len[i]) ==
		    SP_OK);
		sp_key_kid(f->iss[i], f->kid[i]);
	}
	memset(seed, 0x22, sizeof(seed));
	CHECK(sp_key_from_seed(&f->holder, SP_ALG_EDDSA, seed) == SP_OK);
	snprintf(f->dir, sizeof(f->dir), "/tmp/sp-vfix-XXXXXX");
	CHECK(mkdtemp(f->dir) != NULL);
	CHECK(reg_log_open(&f->log, f->dir, &cfg) == SP_OK);
}

void
vfix_clear(struct vfix *f)
{
	char cmd[128];
	int i;

	reg_log_close(&f->log);
	for (i = 0; i < VF_NKEYS; i++)
		sp_key_free(&f->iss[i]);
	sp_key_free(&f->holder);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	CHECK(system(cmd) == 0);
}

static void
sign(const struct vfix *f, struct sp_buf *out, int signer,
    const struct sp_buf *payload)
{
	sp_buf_reset(out);
	CHECK(cose_sign1_sign(out, &f->iss[signer]->priv, f->kid[signer],
	    SP_KID_LEN, -1, payload->ptr, payload->len, NULL, 0, 0) == SP_OK);
}

void
vfix_tl_version(const struct vfix *f, struct sp_buf *out, int signer,
    uint64_t version, const int *keys, size_t n)
{
	struct sp_buf p;
	struct cbor_enc e;
	size_t i;

	sp_buf_init(&p);
	cbor_enc_init(&e, &p);
	cbor_put_map(&e, 4);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 4);
	cbor_put_uint(&e, 2);
	cbor_put_uint(&e, version);
	cbor_put_uint(&e, 3);
	cbor_put_uint(&e, VF_T0 + version * 86400);
	cbor_put_uint(&e, 4);
	cbor_put_array(&e, n);
	for (i = 0; i < n; i++)
		cbor_put_raw(&e, f->cose[keys[i]], f->cose_len[keys[i]]);
	CHECK(cbor_enc_finish(&e) == SP_OK);
	sign(f, out, signer, &p);
	sp_buf_clear(&p);
}

void
vfix_chain(struct sp_buf *out, const struct sp_buf *v, size_t n)
{
	struct cbor_enc e;
	size_t i;

	sp_buf_reset(out);
	cbor_enc_init(&e, out);
	cbor_put_array(&e, n);
	for (i = 0; i < n; i++)
		cbor_put_bstr(&e, v[i].ptr, v[i].len);
	CHECK(cbor_enc_finish(&e) == SP_OK);
}

void
vfix_chain_std(const struct vfix *f, struct sp_buf *out, size_t versions)
{
	static const int k1[] = { 0 }, k2[] = { 1, 0 }, k3[] = { 1 };
	struct sp_buf v[3];
	size_t i;

	for (i = 0; i < 3; i++)
		sp_buf_init(&v[i]);
	vfix_tl_version(f, &v[0], 0, 1, k1, 1);
	vfix_tl_version(f, &v[1], 0, 2, k2, 2);
	vfix_tl_version(f, &v[2], 1, 3, k3, 1);
	vfix_chain(out, v, versions);
	for (i = 0; i < 3; i++)
		sp_buf_clear(&v[i]);
}

struct voffer {
	uint64_t id;
	const char *prov, *title, *category;
	uint8_t req;		/* one required claim key or 0 */
	uint32_t count;
	const char *period;
	uint64_t amount;
};

static const struct voffer offers[] = {
	{ 1, "p1", "Zwemmen", "swim", SP_CLAIM_AGE_UNDER_18, 1, "week", 350 },
	{ 2, "p1", "Museum", "culture", 0, 0, NULL, 500 },
	{ 3, "p2", "Sportclub", "sport", 0, 1, "year", 5000 },
	{ 4, "p1", "Seniorenmiddag", "culture", SP_CLAIM_AGE_OVER_65, 0,
	    NULL, 100 },
	{ 5, "p1", "Gezinsdag", "culture", SP_CLAIM_HOUSEHOLD_SIZE, 0, NULL,
	    700 },
	{ 6, "p1", "Jaarkaart sport", "sport", 0, 2, "year", 2500 },
};

static void
offer_put(struct cbor_enc *e, const struct voffer *o)
{
	cbor_put_map(e, o->count > 0 ? 7 : 6);
	cbor_put_uint(e, 1);
	cbor_put_uint(e, o->id);
	cbor_put_uint(e, 2);
	cbor_put_array(e, 1);
	cbor_put_tstrz(e, o->prov);
	cbor_put_uint(e, 3);
	cbor_put_tstrz(e, o->title);
	cbor_put_uint(e, 4);
	cbor_put_tstrz(e, o->category);
	cbor_put_uint(e, 5);
	cbor_put_array(e, o->req != 0 ? 1 : 0);
	if (o->req != 0)
		cbor_put_uint(e, o->req);
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

void
vfix_catalogue(const struct vfix *f, struct sp_buf *out, int signer,
    uint64_t version, int64_t issued)
{
	struct sp_buf p;
	struct cbor_enc e;
	size_t i, n = sizeof(offers) / sizeof(offers[0]);

	sp_buf_init(&p);
	cbor_enc_init(&e, &p);
	cbor_put_map(&e, 5);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, 3);
	cbor_put_uint(&e, 2);
	cbor_put_uint(&e, version);
	cbor_put_uint(&e, 3);
	cbor_put_uint(&e, (uint64_t)issued);
	cbor_put_uint(&e, 4);
	cbor_put_array(&e, n);
	for (i = 0; i < n; i++)
		offer_put(&e, &offers[i]);
	cbor_put_uint(&e, 5);
	cbor_put_array(&e, 2);
	cbor_put_map(&e, 3);
	cbor_put_uint(&e, 1);
	cbor_put_tstrz(&e, "p1");
	cbor_put_uint(&e, 2);
	cbor_put_tstrz(&e, "De Parrel");
	cbor_put_uint(&e, 3);
	cbor_put_array(&e, 1);
	cbor_put_raw(&e, f->cose[3], f->cose_len[3]);	/* till key D */
	cbor_put_map(&e, 3);
	cbor_put_uint(&e, 1);
	cbor_put_tstrz(&e, "p2");
	cbor_put_uint(&e, 2);
	cbor_put_tstrz(&e, "Sportclub");
	cbor_put_uint(&e, 3);
	cbor_put_array(&e, 0);
	CHECK(cbor_enc_finish(&e) == SP_OK);
	sign(f, out, signer, &p);
	sp_buf_clear(&p);
}

void
vfix_snapshot(struct vfix *f, struct sp_buf *out, int signer, int64_t t)
{
	CHECK(reg_log_checkpoint(f->log, &f->iss[signer]->priv,
	    f->kid[signer], SP_KID_LEN, t, NULL) == SP_OK);
	CHECK(reg_log_snapshot(f->log, &f->iss[signer]->priv, f->kid[signer],
	    SP_KID_LEN, "https://gm0014.example/status/1", t, 300, out) ==
	    SP_OK);
}

void
vfix_delta(struct vfix *f, struct sp_buf *out, int signer, uint64_t from,
    int64_t t)
{
	CHECK(reg_log_checkpoint(f->log, &f->iss[signer]->priv,
	    f->kid[signer], SP_KID_LEN, t, NULL) == SP_OK);
	CHECK(reg_log_delta(f->log, from, out) == SP_OK);
}

void
vfix_pass(struct vfix *f, const struct vpass *p, uint8_t **issued,
    size_t *len, uint32_t *idx)
{
	struct sp_pass_builder *b = NULL;
	uint8_t cose[64], key[SP_TAG_LEN], tag[SP_TAG_LEN];
	size_t cl = sizeof(cose);
	uint32_t i = 7;

	if (p->list == 0)
		CHECK(reg_log_assign(f->log, &i) == SP_OK);
	if (idx != NULL)
		*idx = i;
	CHECK(sp_key_public_cose(f->holder, cose, &cl) == SP_OK);
	CHECK(sp_pass_builder_new(&b) == SP_OK);
	CHECK(sp_pass_builder_set_issuer(b, "GM0014") == SP_OK);
	CHECK(sp_pass_builder_set_times(b, p->iat, p->nbf, p->exp) == SP_OK);
	CHECK(sp_pass_builder_set_status(b, p->list != 0 ? p->list : 1, i) ==
	    SP_OK);
	CHECK(sp_pass_builder_set_holder(b, cose, cl) == SP_OK);
	CHECK(sp_pass_builder_add_text(b, SP_CLAIM_PASS_NO, "0014-77") ==
	    SP_OK);
	CHECK(sp_pass_builder_add_uint(b, SP_CLAIM_BIRTH_YEAR, 2015) ==
	    SP_OK);
	CHECK(sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18, true) ==
	    SP_OK);
	CHECK(sp_pass_builder_add_bool(b, SP_CLAIM_AGE_OVER_65, p->over65) ==
	    SP_OK);
	CHECK(sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY, "culture") ==
	    SP_OK);
	CHECK(sp_pass_builder_add_uint(b, SP_CLAIM_HOUSEHOLD_SIZE, 3) ==
	    SP_OK);
	sp_limit_key_derive(key, limit_secret, sizeof(limit_secret),
	    "0014-77", "sport");
	sp_limit_tag_derive(tag, key, sizeof(key), "sport/2026");
	CHECK(sp_pass_builder_add_limit_tag(b, "sport/2026", tag) == SP_OK);
	sp_limit_key_derive(key, limit_secret, sizeof(limit_secret),
	    "0014-77", "swim");
	CHECK(sp_pass_builder_add_limit_key(b, "swim", key) == SP_OK);
	CHECK(sp_pass_issue(issued, len, b, f->iss[p->signer], NULL) ==
	    SP_OK);
	sp_pass_builder_free(&b);
}

void
vfix_pass_std(struct vfix *f, uint8_t **issued, size_t *len, uint32_t *idx)
{
	struct vpass p = {
		.signer = 0, .iat = VF_T0, .exp = VF_T0 + VF_YEAR,
	};

	vfix_pass(f, &p, issued, len, idx);
}

void
vfix_present(const struct vfix *f, const uint8_t *issued, size_t len,
    const struct vpres *p, uint8_t **out, size_t *out_len)
{
	struct sp_present_opts o = {
		.time = p->time != 0 ? p->time : VF_NOW,
		.audience = p->aud,
		.nonce = p->nonce,
		.nonce_len = p->nonce_len,
		.offer = p->offer,
		.counter = p->counter,
		.disclose = p->disclose,
		.scopes = p->scopes,
	};

	while (o.disclose_count < 4 && p->disclose[o.disclose_count] != 0)
		o.disclose_count++;
	while (o.scope_count < 4 && p->scopes[o.scope_count] != NULL)
		o.scope_count++;
	if (o.disclose_count == 0)
		o.disclose = NULL;
	CHECK(sp_present(out, out_len, issued, len, f->holder, &o) == SP_OK);
}

struct sp_verifier *
vfix_verifier(struct vfix *f, int64_t reg_time)
{
	struct sp_verifier *v = NULL;
	struct sp_buf b;

	sp_buf_init(&b);
	CHECK(sp_verifier_new(&v, "p1", NULL) == SP_OK);
	vfix_chain_std(f, &b, 1);
	CHECK(sp_verifier_trust_pin(v, f->fp[0], b.ptr, b.len) == SP_OK);
	if (reg_time != 0) {
		vfix_snapshot(f, &b, 0, reg_time);
		CHECK(sp_verifier_registry_bootstrap(v, b.ptr, b.len) ==
		    SP_OK);
	}
	vfix_catalogue(f, &b, 0, 1, VF_T0);
	CHECK(sp_verifier_catalogue(v, b.ptr, b.len) == SP_OK);
	sp_buf_clear(&b);
	return v;
}
