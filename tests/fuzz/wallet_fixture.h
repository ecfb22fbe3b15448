/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixed wallet the wallet fuzz targets and their seed generator
 * (gen_wallet_corpus.c) share: an in-memory platform with a fixed clock and
 * a deterministic RNG, a store key, an issuer key, and a wallet with a
 * pending issuance request for WF_BATCH Ed25519 keys (always the same
 * keys), so that the committed seeds are responses the wallet accepts.
 * Test-only secrets.
 */
#ifndef STADSPAS_TESTS_FUZZ_WALLET_FIXTURE_H
#define STADSPAS_TESTS_FUZZ_WALLET_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "wallet_int.h"

#define WF_NOW (1767225600 + 10 * 86400)	/* 2026-01-11 */
#define WF_BATCH 3
#define WF_NAME "fuzz"

static const uint8_t wf_store_key[32] = {
	0x66, 0x75, 0x7a, 0x7a, 0x20, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x20,
	0x6b, 0x65, 0x79, 0x2e, 0x2e, 0x66, 0x75, 0x7a, 0x7a, 0x20, 0x73,
	0x74, 0x6f, 0x72, 0x65, 0x20, 0x6b, 0x65, 0x79, 0x2e, 0x2e,
};
static const uint8_t wf_issuer_seed[32] = {
	0x69, 0x73, 0x73, 0x75, 0x65, 0x72, 0x20, 0x73, 0x65, 0x65, 0x64,
	0x21, 0x69, 0x73, 0x73, 0x75, 0x65, 0x72, 0x20, 0x73, 0x65, 0x65,
	0x64, 0x21, 0x69, 0x73, 0x73, 0x75, 0x65, 0x72, 0x20, 0x73,
};
#define WF_NONCE_JSON "{\"nonce\":\"" \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"," \
	"\"expires\":1768090000}"

/* Files: the store as set up (base) and as changed by one run (cur). */
struct wf_env {
	uint8_t *base, *cur;
	size_t base_len, cur_len;
	uint64_t ctr;
};

static int
wf_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
	struct wf_env *e = ctx;
	const uint8_t *p = e->cur != NULL ? e->cur : e->base;
	size_t n = e->cur != NULL ? e->cur_len : e->base_len;

	if (strcmp(name, WF_NAME) != 0 || p == NULL)
		return SP_ERR_NOT_FOUND;
	*len = n;
	if (n > cap)
		return SP_ERR_BUFFER_SMALL;
	memcpy(buf, p, n);
	return SP_OK;
}

static int
wf_write(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
	struct wf_env *e = ctx;
	uint8_t *d;

	if (strcmp(name, WF_NAME) != 0 || (d = malloc(len)) == NULL)
		return SP_ERR_STORAGE;
	memcpy(d, buf, len);
	free(e->cur);
	e->cur = d;
	e->cur_len = len;
	return SP_OK;
}

static int64_t
wf_now(void *ctx)
{
	(void)ctx;
	return WF_NOW;
}

static int
wf_random(void *ctx, uint8_t *buf, size_t len)
{
	struct wf_env *e = ctx;
	uint8_t seed[randombytes_SEEDBYTES];

	memset(seed, 0, sizeof(seed));
	memcpy(seed, &e->ctr, sizeof(e->ctr));
	e->ctr++;
	randombytes_buf_deterministic(buf, len, seed);
	return SP_OK;
}

static inline void
wf_ops(struct wf_env *e, struct sp_wallet_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
	ops->version = SP_WALLET_OPS_VERSION;
	ops->ctx = e;
	ops->read = wf_read;
	ops->write_atomic = wf_write;
	ops->now = wf_now;
	ops->random = wf_random;
}

/*
 * Creates the fixture store with its pending request; e->base holds the
 * store afterwards. *body (if not NULL) gets the request body. Aborts on
 * failure: the fixture must work.
 */
static inline void
wf_setup(struct wf_env *e, char **body)
{
	struct sp_wallet_request req = { .batch = WF_BATCH,
	    .label = "fuzz", .claims = (const char *const[]){ "name" },
	    .claim_count = 1 };
	struct sp_wallet_ops ops;
	struct sp_wallet *w = NULL;
	char *b = NULL;

	if (sodium_init() < 0)
		abort();
	memset(e, 0, sizeof(*e));
	wf_ops(e, &ops);
	if (sp_wallet_create_key(&w, &ops, WF_NAME, wf_store_key) != SP_OK ||
	    sp_wallet_issuance_request(w, &b, "FUZZ-FUZZ-FUZZ", WF_NONCE_JSON,
	    strlen(WF_NONCE_JSON), &req) != SP_OK)
		abort();
	sp_wallet_free(&w);
	e->base = e->cur;
	e->base_len = e->cur_len;
	e->cur = NULL;
	e->cur_len = 0;
	if (body != NULL)
		*body = b;
	else
		sp_wallet_str_free(b);
}

/* The store's two keys (for wal_file_open). */
static inline void
wf_keys(struct wal_keys *k)
{
	wal_keys_derive(k, wf_store_key);
}

#endif /* STADSPAS_TESTS_FUZZ_WALLET_FIXTURE_H */
