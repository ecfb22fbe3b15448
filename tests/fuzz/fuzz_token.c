/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Status list fuzz target: reg_token_decode() and reg_list_decode() (1 MiB
 * inflate ceiling) on arbitrary input. Whatever decodes must only borrow
 * from the input, verify or not without crashing (the draft's P-256
 * example key and the fuzz issuer's Ed25519 key), and a decoded list must
 * be consistent and survive encode -> decode unchanged.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_keys.h"
#include "sig.h"
#include "stadspas/sp_err.h"
#include "status_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LIST_CEILING ((size_t)1 << 20)
/* Re-encoding runs the sparse DEFLATE encoder: keep it to lists a fuzzer
 * can afford. */
#define REENCODE_MAX ((size_t)64 << 10)

/* The draft's example key (kid "12"), so the staged token verifies. */
static const uint8_t draft_x[32] = {
	0x23, 0x71, 0xd6, 0x9b, 0xfd, 0x03, 0xb3, 0x57, 0x4f, 0x30, 0x8f,
	0x88, 0x5a, 0x67, 0xf8, 0x98, 0x19, 0x87, 0xf9, 0x86, 0x9e, 0x01,
	0x56, 0xcf, 0x56, 0xee, 0xef, 0x07, 0x6e, 0xc2, 0xc5, 0x7a,
};
static const uint8_t draft_y[32] = {
	0xe8, 0xdf, 0xdd, 0xe4, 0x49, 0x63, 0xf5, 0xbb, 0x35, 0x86, 0xd8,
	0x15, 0xde, 0x89, 0x09, 0x28, 0x87, 0x5b, 0x1c, 0x4a, 0x64, 0x81,
	0x39, 0x80, 0x96, 0xe6, 0x0a, 0x25, 0xe9, 0xb3, 0x9f, 0x53,
};

#define NKEYS 2
static struct sig_pub keys[NKEYS];	/* built once, never freed */
static bool keys_ready;

static void
keys_init(void)
{
	static const uint8_t ed[SIG_SEED_LEN] = FUZZ_ISSUER_ED25519_SEED;
	struct sig_priv priv;

	if (keys_ready)
		return;
	if (sig_pub_from_p256_xy(&keys[0], draft_x, draft_y) != SP_OK ||
	    sig_priv_from_seed(&priv, SIG_ALG_EDDSA, ed) != SP_OK ||
	    sig_pub_copy(&keys[1], &priv.pub) != SP_OK)
		abort();
	sig_priv_clear(&priv);
	keys_ready = true;
}

/* p[0..n) lies inside data[0..size) (NULL allowed only if n == 0). */
static bool
inside(const void *pv, size_t n, const uint8_t *data, size_t size)
{
	const uint8_t *p = pv;

	if (p == NULL)
		return n == 0;
	return p >= data && n <= size && (size_t)(p - data) <= size - n;
}

static bool
list_consistent(const struct reg_list *l)
{
	return (l->bits == 1 || l->bits == 2 || l->bits == 4 ||
	    l->bits == 8) && l->bytes != NULL && l->len <= LIST_CEILING &&
	    (uint64_t)l->count * l->bits == (uint64_t)l->len * 8 &&
	    l->count <= REG_LIST_MAX_ENTRIES;
}

/* A decoded list: consistent, readable everywhere, and encode -> decode
 * gives it back. */
static void
list_check(const struct reg_list *l)
{
	struct sp_buf enc;
	struct reg_list d;
	uint8_t digest[REG_DIGEST_LEN];
	uint32_t i;

	if (!list_consistent(l))
		abort();
	for (i = 0; i < l->count; i += 1 + i / 64)
		if (reg_list_get(l, i) >= (1u << l->bits))
			abort();
	if (l->count > 0 && reg_list_get(l, l->count - 1) >= (1u << l->bits))
		abort();
	reg_list_digest(l, digest);
	if (l->len > REENCODE_MAX)
		return;
	sp_buf_init(&enc);
	if (reg_list_encode(&enc, l) != SP_OK ||
	    reg_list_decode(&d, l->id, enc.ptr, enc.len, LIST_CEILING) !=
	    SP_OK)
		abort();
	if (!reg_list_equal(l, &d))
		abort();
	reg_list_clear(&d);
	sp_buf_clear(&enc);
}

static void
token_check(const struct reg_token *t, const uint8_t *data, size_t size)
{
	const struct cose_sign1 *m = &t->cose;
	struct reg_list l;
	size_t k;

	if (m->raw != data || m->raw_len != size ||
	    !inside(m->prot, m->prot_len, data, size) ||
	    !inside(m->payload, m->payload_len, data, size) ||
	    !inside(m->sig, m->sig_len, data, size) ||
	    !inside(m->kid, m->kid_len, data, size) ||
	    !inside(m->typ, m->typ_len, m->prot, m->prot_len) ||
	    !inside(t->sub, t->sub_len, m->payload, m->payload_len) ||
	    !inside(t->list, t->list_len, m->payload, m->payload_len) ||
	    t->sub == NULL || t->list == NULL || m->payload == NULL)
		abort();
	for (k = 0; k < NKEYS; k++) {
		int r = reg_token_verify(t, &keys[k]);

		if (r == SP_OK && keys[k].alg != m->alg)
			abort();
	}
	/* The status list claim was checked for bits and lst. */
	switch (reg_list_decode(&l, 1, t->list, t->list_len, LIST_CEILING)) {
	case SP_OK:
		list_check(&l);
		reg_list_clear(&l);
		break;
	case SP_ERR_CBOR_VALUE:
	case SP_ERR_CBOR_TYPE:
	case SP_ERR_CBOR_MISSING_KEY:
		abort();
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reg_token t;
	struct reg_list l;

	keys_init();
	if (reg_token_decode(&t, data, size) == SP_OK)
		token_check(&t, data, size);
	if (reg_list_decode(&l, 1, data, size, LIST_CEILING) == SP_OK) {
		list_check(&l);
		reg_list_clear(&l);
	}
	return 0;
}
