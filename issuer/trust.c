/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trust list versions and their stored chain (trust.h). The chain is
 * rewritten whole on every append: appends are rare (rotation, removal)
 * and bounded by ISS_TRUST_MAX_VERSIONS.
 */
#include "trust.h"

#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "cose.h"
#include "hash.h"
#include "pass_int.h"
#include "stadspas/sp_err.h"
#include "store.h"

#define TRUST_NAME "trust"

int
iss_trust_payload(struct sp_buf *out, uint64_t version, int64_t issued,
    const uint8_t *keys, const size_t *len, size_t n)
{
	struct cbor_enc e;
	size_t i, off = 0;

	if (n == 0 || n > ISS_MAX_KEYS || issued < 0 || version == 0)
		return SP_ERR_INVALID_ARG;
	cbor_enc_init(&e, out);
	cbor_put_map(&e, 4);
	cbor_put_uint(&e, 1);
	cbor_put_uint(&e, ISS_TRUST_TYPE);
	cbor_put_uint(&e, 2);
	cbor_put_uint(&e, version);
	cbor_put_uint(&e, 3);
	cbor_put_uint(&e, (uint64_t)issued);
	cbor_put_uint(&e, 4);
	cbor_put_array(&e, n);
	for (i = 0; i < n; off += len[i], i++)
		cbor_put_raw(&e, keys + off, len[i]);
	return cbor_enc_finish(&e);
}

struct chain {
	struct sp_buf items;
	size_t len[ISS_TRUST_MAX_VERSIONS];
	size_t n;
};

static bool
chain_get(struct reg_txn *t, struct chain *c)
{
	return iss_store_get_blobs(t, TRUST_NAME, &c->items, c->len,
	    ISS_TRUST_MAX_VERSIONS, &c->n);
}

uint64_t
iss_trust_count(struct reg_txn *t)
{
	struct chain *c;
	uint64_t n = 0;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		reg_txn_fail(t, SP_ERR_NOMEM);
		return 0;
	}
	sp_buf_init(&c->items);
	if (chain_get(t, c))
		n = c->n;
	sp_buf_clear(&c->items);
	free(c);
	return n;
}

static int
version_sign(struct sp_buf *out, const struct sp_key *signer,
    uint64_t version, int64_t now, const uint8_t *keys, const size_t *len,
    size_t n)
{
	uint8_t kid[SP_KID_LEN];
	struct sp_buf payload;
	int r;

	sp_buf_init(&payload);
	sp_key_kid(signer, kid);
	if ((r = iss_trust_payload(&payload, version, now, keys, len, n)) ==
	    SP_OK)
		r = cose_sign1_sign(out, &signer->priv, kid, sizeof(kid), -1,
		    payload.ptr, payload.len, NULL, 0, 0);
	sp_buf_clear(&payload);
	return r;
}

void
iss_trust_append(struct reg_txn *t, const struct sp_key *signer,
    int64_t now, const uint8_t *keys, const size_t *len, size_t n,
    uint64_t *version)
{
	struct chain *c;
	struct sp_buf one;
	int r;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		reg_txn_fail(t, SP_ERR_NOMEM);
		return;
	}
	sp_buf_init(&c->items);
	sp_buf_init(&one);
	if (!chain_get(t, c))
		goto out;
	if (c->n >= ISS_TRUST_MAX_VERSIONS) {
		reg_txn_fail(t, SP_ERR_TOO_LARGE);
		goto out;
	}
	if ((r = version_sign(&one, signer, c->n + 1, now, keys, len, n)) !=
	    SP_OK || (r = sp_buf_append(&c->items, one.ptr, one.len)) !=
	    SP_OK) {
		reg_txn_fail(t, r);
		goto out;
	}
	c->len[c->n++] = one.len;
	iss_store_put_blobs(t, TRUST_NAME, c->items.ptr, c->len, c->n);
	*version = c->n;
out:
	sp_buf_clear(&one);
	sp_buf_clear(&c->items);
	free(c);
}

int
iss_trust_chain(struct reg_txn *t, struct sp_buf *out, uint64_t *version)
{
	struct chain *c;
	struct cbor_enc e;
	size_t i, off = 0;
	int r = SP_ERR_NOMEM;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return r;
	sp_buf_init(&c->items);
	if (!chain_get(t, c)) {
		r = t->ret;
		goto out;
	}
	sp_buf_reset(out);
	cbor_enc_init(&e, out);
	cbor_put_array(&e, c->n);
	for (i = 0; i < c->n; off += c->len[i], i++)
		cbor_put_bstr(&e, c->items.ptr + off, c->len[i]);
	if ((r = cbor_enc_finish(&e)) == SP_OK)
		*version = c->n;
out:
	sp_buf_clear(&c->items);
	free(c);
	return r;
}

int
iss_trust_fingerprint(uint8_t out[32], const uint8_t *cose, size_t n)
{
	return sp_sha256(out, cose, n);
}
