/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seed generator for the corpora of fuzz_wallet_store and
 * fuzz_wallet_issuance: credential responses for the fixture wallet's
 * pending request (wallet_fixture.h), honest and with one defect each, and
 * store files and decrypted states of that wallet before and after it
 * accepts a batch and presents. Built by hand, on demand, not by meson:
 *
 *   meson setup build-h-fuzz && ninja -C build-h-fuzz \
 *       wallet-core/libspwallet.a core/libspcore.a
 *   gcc -std=c17 -D_GNU_SOURCE -Iinclude -Icore -Iwallet-core -Itests/fuzz \
 *       tests/fuzz/gen_wallet_corpus.c build-h-fuzz/wallet-core/libspwallet.a \
 *       build-h-fuzz/core/libspcore.a $(pkg-config --cflags --libs jansson \
 *       libsodium openssl zlib libqrencode libpng) -lm -o /tmp/gen_wallet_corpus
 *   /tmp/gen_wallet_corpus .     (from the source root; overwrites seeds)
 *
 * Everything is deterministic except the salts of issued passes (random),
 * so seeds change bytes (not meaning) on every run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "wallet_fixture.h"

static const char *root;

static void
die(const char *what, int r)
{
	fprintf(stderr, "gen_wallet_corpus: %s failed (%d)\n", what, r);
	exit(1);
}

static void
put(const char *target, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/%s", root, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die(path, errno);
	if (n > 16384)
		die(name, (int)n);	/* seeds stay small */
	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/%s/%s", root,
	    target, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, n, f) != n ||
	    fclose(f) != 0)
		die(path, errno);
}

enum defect {
	HONEST, FEWER, FOREIGN, ALTERED, DIFF_NAME, NO_PASS_NO, DUP_KEY,
	EXTRA, BAD_SIG, UNKNOWN_ISSUER, WRONG_LIST, EXPIRED,
};

static uint8_t *
issue(size_t *len, const struct sp_key *issuer, const uint8_t *holder,
    size_t holder_len, enum defect d, size_t i)
{
	struct sp_pass_builder *b = NULL;
	uint8_t key[SP_TAG_LEN], tag[SP_TAG_LEN], *out = NULL;
	int64_t iat = 1767225600, exp = iat + 365 * 86400;
	int r;

	if (d == EXPIRED)
		exp = WF_NOW - 1;
	sp_limit_key_derive(key, wf_store_key, 32, "0014-000042", "sport");
	sp_limit_tag_derive(tag, key, sizeof(key), "sport/2026");
	if ((r = sp_pass_builder_new(&b)) != SP_OK ||
	    (r = sp_pass_builder_set_issuer(b, "GM0014")) != SP_OK ||
	    (r = sp_pass_builder_set_times(b, iat, 0, exp)) != SP_OK ||
	    (r = sp_pass_builder_set_status(b, 1, 500 + (uint32_t)i)) !=
	    SP_OK ||
	    (r = sp_pass_builder_set_holder(b, holder, holder_len)) != SP_OK)
		die("builder", r);
	if (d != NO_PASS_NO && (r = sp_pass_builder_add_text(b,
	    SP_CLAIM_PASS_NO, "0014-000042")) != SP_OK)
		die("pass_no", r);
	if ((r = sp_pass_builder_add_text(b, SP_CLAIM_NAME,
	    d == DIFF_NAME && i == 1 ? "Other Name" : "Fuzz Tester")) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_bool(b, SP_CLAIM_AGE_UNDER_18, true)) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_text(b, SP_CLAIM_CATEGORY, "sport")) !=
	    SP_OK ||
	    (r = sp_pass_builder_add_limit_key(b, "sport", key)) != SP_OK ||
	    (r = sp_pass_builder_add_limit_tag(b, "sport/2026", tag)) != SP_OK)
		die("claims", r);
	if ((r = sp_pass_issue(&out, len, b, issuer, NULL)) != SP_OK)
		die("issue", r);
	sp_pass_builder_free(&b);
	return out;
}

static void
damage(uint8_t *p, size_t len, enum defect d)
{
	struct wal_issued v;
	uint8_t *hit;

	if (d == ALTERED && (hit = memmem(p, len, "Fuzz", 4)) != NULL)
		hit[0] = 'B';
	if (d == BAD_SIG && wal_issued_parse(&v, p, len) == SP_OK)
		p[v.cose.sig - p] ^= 0x01;
}

/* A response to body with defect d. */
static char *
respond(const char *body, enum defect d)
{
	struct sp_key *issuer = NULL, *rogue = NULL, *foreign = NULL;
	uint8_t seed[32], fcose[64];
	size_t flen = sizeof(fcose), i, n, copies;
	json_t *req, *proofs, *passes, *o;
	struct sp_buf key;
	char *s;
	int r;

	sp_buf_init(&key);
	memset(seed, 0x55, sizeof(seed));
	if ((r = sp_key_from_seed(&issuer, SP_ALG_EDDSA, wf_issuer_seed)) !=
	    SP_OK || (r = sp_key_from_seed(&rogue, SP_ALG_EDDSA, seed)) !=
	    SP_OK || (r = sp_key_from_seed(&foreign, SP_ALG_ES256, seed)) !=
	    SP_OK || (r = sp_key_public_cose(foreign, fcose, &flen)) != SP_OK)
		die("keys", r);
	if ((req = json_loads(body, 0, NULL)) == NULL)
		die("request", 0);
	proofs = json_object_get(req, "proofs");
	n = json_array_size(proofs);
	copies = d == FEWER ? 2 : d == EXTRA ? n + 1 : n;
	passes = json_array();
	for (i = 0; i < copies; i++) {
		size_t j = d == DUP_KEY && i == 1 ? 0 : i % n, len = 0;
		const uint8_t *h;
		size_t hl;
		uint8_t *p;
		char *hex;

		if (wal_unhex(&key, json_string_value(json_object_get(
		    json_array_get(proofs, j), "key")), 128) != SP_OK)
			die("key", 0);
		h = d == FOREIGN && i == 1 ? fcose : key.ptr;
		hl = d == FOREIGN && i == 1 ? flen : key.len;
		p = issue(&len, d == UNKNOWN_ISSUER && i == 1 ? rogue : issuer,
		    h, hl, d, i);
		if (i == 1)
			damage(p, len, d);
		hex = wal_hex(p, len);
		json_array_append_new(passes, json_string(hex));
		free(hex);
		sp_bytes_free(p, len);
	}
	o = json_pack("{s:o, s:i}", "passes", passes, "list",
	    d == WRONG_LIST ? 9 : 1);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	json_decref(req);
	sp_buf_clear(&key);
	sp_key_free(&issuer);
	sp_key_free(&rogue);
	sp_key_free(&foreign);
	return s;
}

static void
put_state(const char *name, const uint8_t *file, size_t len)
{
	struct wal_state *st = NULL;
	struct wal_header h;
	struct wal_keys k;
	struct sp_buf b;
	char sname[128];
	int r;

	put("wallet_store", name, file, len);
	wf_keys(&k);
	if ((r = wal_file_open(&st, &h, file, len, &k)) != SP_OK)
		die(name, r);
	sp_buf_init(&b);
	if ((r = wal_state_encode(&b, st)) != SP_OK)
		die("encode", r);
	snprintf(sname, sizeof(sname), "%s.state", name);
	put("wallet_store", sname, b.ptr, b.len);
	sp_buf_clear(&b);
	wal_state_free(&st);
}

int
main(int argc, char **argv)
{
	static const struct {
		enum defect d;
		const char *name;
	} seeds[] = {
		{ HONEST, "ok-honest.json" },
		{ FEWER, "ok-fewer-copies.json" },
		{ FOREIGN, "bad-foreign-key.json" },
		{ ALTERED, "bad-altered-leaf.json" },
		{ DIFF_NAME, "bad-copies-differ.json" },
		{ NO_PASS_NO, "bad-no-pass-no.json" },
		{ DUP_KEY, "bad-key-twice.json" },
		{ EXTRA, "bad-extra-copy.json" },
		{ BAD_SIG, "bad-issuer-signature.json" },
		{ UNKNOWN_ISSUER, "bad-unknown-issuer.json" },
		{ WRONG_LIST, "bad-wrong-list.json" },
		{ EXPIRED, "bad-expired.json" },
	};
	static const char *const literal[] = {
		"{\"error\":\"gone\",\"message\":\"code used\"}",
		"{\"passes\":[],\"list\":1}",
		"{\"passes\":[\"zz\"]}",
		"{\"passes\":[1,2]}",
		"[]",
		"{}",
	};
	struct sp_wallet_offer offer = { .id = 3, .category = "sport",
	    .limit_period = SP_WALLET_PERIOD_YEAR };
	struct sp_wallet_ops ops;
	struct sp_wallet *w = NULL;
	struct sp_key *issuer = NULL;
	struct wf_env env;
	struct wal_guard g;
	struct sp_buf b;
	uint8_t trust[64], hdr_pin[4096];
	size_t tl = sizeof(trust) - 1, i;
	char *body = NULL, *honest = NULL, *qr = NULL, name[64];
	uint32_t id;
	int r;

	if (argc != 2)
		return 2;
	root = argv[1];
	wf_setup(&env, &body);
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		char *s = respond(body, seeds[i].d);

		put("wallet_issuance", seeds[i].name, s, strlen(s));
		if (seeds[i].d == HONEST)
			honest = s;
		else
			free(s);
	}
	for (i = 0; i < sizeof(literal) / sizeof(literal[0]); i++) {
		snprintf(name, sizeof(name), "bad-literal-%zu.json", i);
		put("wallet_issuance", name, literal[i], strlen(literal[i]));
	}

	/* Stores: pending request, then a pass, then a presentation. */
	put_state("pending.store", env.base, env.base_len);
	if (env.base_len <= sizeof(hdr_pin)) {
		memcpy(hdr_pin, env.base, env.base_len);
		hdr_pin[9] = WAL_KDF_ARGON2ID;	/* opslimit 1, 8 KiB */
		hdr_pin[15] = 1;
		hdr_pin[19] = 8;
		put("wallet_store", "bad-argon2id-header.store", hdr_pin,
		    env.base_len);
		put("wallet_store", "bad-truncated.store", env.base,
		    env.base_len / 2);
	}
	if ((r = sp_key_from_seed(&issuer, SP_ALG_EDDSA, wf_issuer_seed)) !=
	    SP_OK || (r = sp_key_public_cose(issuer, trust + 1, &tl)) != SP_OK)
		die("issuer", r);
	trust[0] = 0x81;
	wf_ops(&env, &ops);
	if ((r = sp_wallet_open_key(&w, &ops, WF_NAME, wf_store_key)) != SP_OK ||
	    (r = sp_wallet_issuance_accept(w, &id, honest, strlen(honest),
	    trust, tl + 1)) != SP_OK)
		die("accept", r);
	put_state("pass.store", env.cur, env.cur_len);
	if ((r = sp_wallet_present(w, &qr, id, &offer, NULL)) != SP_OK)
		die("present", r);
	put_state("presented.store", env.cur, env.cur_len);

	/* A back-off record. */
	memset(&g, 0, sizeof(g));
	memcpy(g.id, w->hdr.id, sizeof(g.id));
	g.failures = 5;
	g.not_before = WF_NOW + 60;
	g.last = WF_NOW;
	sp_buf_init(&b);
	if (wal_guard_encode(&b, &g) != SP_OK)
		die("guard", 0);
	put("wallet_store", "guard.cbor", b.ptr, b.len);
	sp_buf_clear(&b);

	sp_wallet_str_free(qr);
	sp_wallet_free(&w);
	sp_key_free(&issuer);
	free(honest);
	sp_wallet_str_free(body);
	free(env.base);
	free(env.cur);
	printf("gen_wallet_corpus: seeds written\n");
	return 0;
}
