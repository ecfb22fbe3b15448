/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The project's own format vectors (tests/vectors/stadspas/pass_v1.json,
 * shown in docs/FORMATS.md). Ed25519 signing is deterministic, so with
 * fixed keys, salts and times every byte is reproducible: this test
 * rebuilds the Ed25519 vectors and fails if any byte changed, and verifies
 * every stored presentation (including the randomised ES256 one) with the
 * stored keys, so old vectors must keep verifying.
 *
 *   vec_stadspas            check
 *   vec_stadspas --write F  regenerate F (only after a deliberate format
 *                           change; say so in docs/FORMATS.md)
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "stadspas/sp_pass.h"
#include "testutil.h"

#define VEC_FILE "stadspas/pass_v1.json"
#define T_ISSUE 1767225600	/* 2026-01-01T00:00:00Z */
#define T_EXP 1798761600	/* 2027-01-01T00:00:00Z */
#define T_PRESENT 1772539200	/* 2026-03-03T12:00:00Z */

struct keys {
	struct sp_key *issuer, *holder;
};

static void
fill(uint8_t *p, size_t n, uint8_t start)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(start + i);
}

static int
keys_make(struct keys *k, int alg)
{
	uint8_t seed[SP_SEED_LEN];
	int r;

	fill(seed, sizeof(seed), 0x10);
	if ((r = sp_key_from_seed(&k->issuer, alg, seed)) != SP_OK)
		return r;
	fill(seed, sizeof(seed), 0x40);
	return sp_key_from_seed(&k->holder, alg, seed);
}

static void
keys_free(struct keys *k)
{
	sp_key_free(&k->issuer);
	sp_key_free(&k->holder);
}

static char *
cose_hex(const struct sp_key *k)
{
	uint8_t buf[128];
	size_t len = sizeof(buf);

	if (sp_key_public_cose(k, buf, &len) != SP_OK)
		abort();
	return tu_tohex(buf, len);
}

/* The example pass of docs/FORMATS.md: a child with a sport entitlement. */
static int
issue(const struct keys *k, uint8_t **out, size_t *len)
{
	uint8_t cose[128], tag[SP_TAG_LEN], tkey[SP_TAG_LEN], salts[32];
	size_t cl = sizeof(cose);
	struct sp_pass_builder *b = NULL;
	int r;

	fill(tag, sizeof(tag), 0xa0);
	fill(tkey, sizeof(tkey), 0xc0);
	fill(salts, sizeof(salts), 0x70);
	if ((r = sp_key_public_cose(k->holder, cose, &cl)) != SP_OK ||
	    (r = sp_pass_builder_new(&b)) != SP_OK)
		return r;
	if ((r = sp_pass_builder_set_issuer(b, "GM0014")) == SP_OK &&
	    (r = sp_pass_builder_set_times(b, T_ISSUE, 0, T_EXP)) == SP_OK &&
	    (r = sp_pass_builder_set_status(b, 1, 4711)) == SP_OK &&
	    (r = sp_pass_builder_set_holder(b, cose, cl)) == SP_OK &&
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_PASS_NO, "0014-4711")) ==
	    SP_OK &&
	    (r = sp_pass_builder_add_uint(b, SP_CLAIM_BIRTH_YEAR, 2015)) ==
	    SP_OK &&
	    (r = sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18, true)) ==
	    SP_OK &&
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY, "sport")) ==
	    SP_OK &&
	    (r = sp_pass_builder_add_limit_tag(b, "sport/2026", tag)) ==
	    SP_OK &&
	    (r = sp_pass_builder_add_limit_key(b, "swim", tkey)) == SP_OK)
		r = sp_pass_issue(out, len, b, k->issuer, salts);
	sp_pass_builder_free(&b);
	return r;
}

static int
present(const struct keys *k, const uint8_t *issued, size_t issued_len,
    uint8_t **out, size_t *len)
{
	static const char *const scopes[] = { "sport/2026" };
	struct sp_present_opts po = {
		.time = T_PRESENT, .offer = 3, .counter = 1,
		.scopes = scopes, .scope_count = 1,
	};

	return sp_present(out, len, issued, issued_len, k->holder, &po);
}

/* Builds the vector set for alg as a JSON object (NULL on failure). */
static json_t *
build(int alg)
{
	struct keys k = { 0 };
	uint8_t *issued = NULL, *pres = NULL;
	size_t il = 0, pl = 0;
	char *qr = NULL, *h1, *h2, *h3, *h4;
	json_t *j = NULL;

	if (keys_make(&k, alg) != SP_OK || issue(&k, &issued, &il) != SP_OK ||
	    present(&k, issued, il, &pres, &pl) != SP_OK ||
	    sp_qr_encode(&qr, pres, pl) != SP_OK)
		goto out;
	h1 = cose_hex(k.issuer);
	h2 = cose_hex(k.holder);
	h3 = tu_tohex(issued, il);
	h4 = tu_tohex(pres, pl);
	j = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:I}",
	    "alg", alg == SP_ALG_EDDSA ? "EdDSA" : "ES256",
	    "deterministic", alg == SP_ALG_EDDSA,
	    "issuer_cose_key", h1, "holder_cose_key", h2,
	    "issued_pass", h3, "presentation", h4, "qr", qr,
	    "verify_at", (json_int_t)T_PRESENT + 5);
	free(h1);
	free(h2);
	free(h3);
	free(h4);
out:
	free(qr);
	sp_bytes_free(issued, il);
	sp_bytes_free(pres, pl);
	keys_free(&k);
	return j;
}

/* Verifies a stored presentation with its stored issuer key. */
static void
verify_stored(json_t *v, const char *name)
{
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	struct sp_presentation *p = NULL;
	struct sp_trust *t = NULL;
	struct sp_buf key, pres;
	uint8_t *fromqr = NULL, tag[SP_TAG_LEN], want[SP_TAG_LEN];
	size_t ql = 0;
	const char *qr = json_string_value(json_object_get(v, "qr"));

	sp_buf_init(&key);
	sp_buf_init(&pres);
	CHECK(tu_hex(&key, json_string_value(json_object_get(v,
	    "issuer_cose_key"))) == 0);
	CHECK(tu_hex(&pres, json_string_value(json_object_get(v,
	    "presentation"))) == 0);
	vo.now = json_integer_value(json_object_get(v, "verify_at"));
	CHECK(sp_trust_new(&t) == SP_OK);
	CHECK(sp_trust_add_cose_key(t, key.ptr, key.len) == SP_OK);
	CHECKF(sp_presentation_verify(&p, t, &vo, pres.ptr, pres.len) == SP_OK,
	    "%s: stored presentation does not verify", name);
	fill(want, sizeof(want), 0xa0);
	if (p != NULL) {
		CHECK(sp_presentation_claim_count(p) == 1);
		CHECK(sp_presentation_limit_tag(p, "sport/2026", tag) == SP_OK &&
		    memcmp(tag, want, SP_TAG_LEN) == 0);
	}
	sp_presentation_free(&p);
	CHECK(qr != NULL && sp_qr_decode(&fromqr, &ql, qr, strlen(qr)) ==
	    SP_OK && ql == pres.len && memcmp(fromqr, pres.ptr, ql) == 0);
	sp_bytes_free(fromqr, ql);
	sp_trust_free(&t);
	sp_buf_clear(&key);
	sp_buf_clear(&pres);
}

static int
write_file(const char *path)
{
	json_t *all = json_pack("{s:s, s:o, s:o}",
	    "description", "stadspas pass v1 vectors; see docs/FORMATS.md",
	    "ed25519", build(SP_ALG_EDDSA), "es256", build(SP_ALG_ES256));

	if (all == NULL || json_dump_file(all, path, JSON_INDENT(2) |
	    JSON_SORT_KEYS) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		return 1;
	}
	json_decref(all);
	printf("wrote %s\n", path);
	return 0;
}

static void
compare_field(json_t *want, json_t *got, const char *field)
{
	const char *w = json_string_value(json_object_get(want, field));
	const char *g = json_string_value(json_object_get(got, field));

	CHECKF(w != NULL && g != NULL && strcmp(w, g) == 0,
	    "ed25519 %s differs from the checked-in vector: the encoding "
	    "changed", field);
}

int
main(int argc, char **argv)
{
	static const char *const fields[] = { "issuer_cose_key",
	    "holder_cose_key", "issued_pass", "presentation", "qr" };
	json_t *all, *now;
	size_t i;

	if (argc == 3 && strcmp(argv[1], "--write") == 0)
		return write_file(argv[2]);
	all = tu_load_json(VEC_FILE);
	now = build(SP_ALG_EDDSA);
	CHECK(now != NULL);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]) && now; i++)
		compare_field(json_object_get(all, "ed25519"), now, fields[i]);
	verify_stored(json_object_get(all, "ed25519"), "ed25519");
	verify_stored(json_object_get(all, "es256"), "es256");
	printf("stadspas vectors: ed25519 set reproduced byte for byte (%zu "
	    "fields), ed25519 and es256 presentations verify\n",
	    sizeof(fields) / sizeof(fields[0]));
	json_decref(now);
	json_decref(all);
	return check_report("vec_stadspas");
}
