/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Export batches: writing (lbatch_encode) and strict, bounded reading and
 * verification (sp_batch_open and its getters, sp_ledger.h).
 */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "cose.h"
#include "hash.h"
#include "record.h"
#include "stadspas/sp_ledger.h"

struct batch_rec {
	struct lrec rec;
	uint8_t head[LREC_HASH_LEN];
	const uint8_t *sig;
	size_t sig_len;
};

struct sp_batch {
	uint8_t *buf;			/* owned copy of the input */
	size_t len;
	char provider[LREC_PROVIDER_MAX + 1];
	const uint8_t *till;		/* COSE_Key, borrowed from buf */
	size_t till_len;
	uint8_t prev[LREC_HASH_LEN];
	uint8_t head[LREC_HASH_LEN];
	struct batch_rec *recs;
	size_t n;
};

/* The outer COSE_Sign1: [prot, {}, payload, sig]. */
static const struct cbor_limits outer_limits = {
	.max_len = LBATCH_MAX_LEN, .max_depth = 2, .max_items = 8,
	.max_count = 4, .max_str = LBATCH_MAX_LEN,
};

/* The payload: 3 items per entry, a few dozen for the rest. */
static const struct cbor_limits payload_limits = {
	.max_len = LBATCH_MAX_LEN, .max_depth = LBATCH_MAX_DEPTH,
	.max_items = 3 * LBATCH_MAX_RECORDS + 64,
	.max_count = LBATCH_MAX_RECORDS, .max_str = LREC_MAX_LEN,
};

static int
kid_of(uint8_t kid[4], const uint8_t *cose_key, size_t len)
{
	uint8_t h[SP_SHA256_LEN];
	int r;

	if ((r = sp_sha256(h, cose_key, len)) == SP_OK)
		memcpy(kid, h, 4);
	return r;
}

static int
payload_encode(struct sp_buf *out, const struct lbatch_spec *b)
{
	struct cbor_enc e;

	cbor_enc_init(&e, out);
	cbor_put_map(&e, 6);
	cbor_put_uint(&e, LBATCH_K_TYPE);
	cbor_put_uint(&e, LBATCH_TYPE);
	cbor_put_uint(&e, LBATCH_K_PROVIDER);
	cbor_put_tstrz(&e, b->provider);
	cbor_put_uint(&e, LBATCH_K_TILL);
	cbor_put_raw(&e, b->till_cose, b->till_cose_len);
	cbor_put_uint(&e, LBATCH_K_PREV);
	cbor_put_bstr(&e, b->prev, LREC_HASH_LEN);
	cbor_put_uint(&e, LBATCH_K_ENTRIES);
	cbor_put_array(&e, b->n);
	cbor_put_raw(&e, b->entries, b->entries_len);
	cbor_put_uint(&e, LBATCH_K_HEAD);
	cbor_put_bstr(&e, b->head, LREC_HASH_LEN);
	return cbor_enc_finish(&e);
}

int
lbatch_encode(struct sp_buf *out, const struct lbatch_spec *b,
    const struct sig_priv *till)
{
	struct sp_buf pl;
	uint8_t kid[4];
	int r;

	if (b->n == 0 || b->n > LBATCH_MAX_RECORDS)
		return SP_ERR_INVALID_ARG;
	sp_buf_init(&pl);
	if ((r = kid_of(kid, b->till_cose, b->till_cose_len)) != SP_OK ||
	    (r = payload_encode(&pl, b)) != SP_OK)
		goto fail;
	if (pl.len > LBATCH_MAX_LEN - 256) {
		r = SP_ERR_TOO_LARGE;
		goto fail;
	}
	r = cose_sign1_sign(out, till, kid, sizeof(kid), -1, pl.ptr, pl.len,
	    NULL, 0, 0);
fail:
	sp_buf_clear(&pl);
	return r;
}

/* ---- Reading ---------------------------------------------------------- */

struct outer {
	const uint8_t *prot, *payload, *sig;
	size_t prot_len, payload_len, sig_len;
	int64_t alg;
	uint8_t kid[4];
};

/* Protected header: exactly {1: alg, 4: kid(4)}. */
static int
prot_decode(struct outer *o)
{
	struct cbor_reader r;
	uint64_t n = 0, k1 = 0, k4 = 0;
	const uint8_t *kid = NULL;
	size_t kid_len = 0;
	int e;

	if ((e = cbor_check(o->prot, o->prot_len, NULL, CBOR_F_DETERMINISTIC,
	    NULL)) != SP_OK)
		return e;
	cbor_reader_init(&r, o->prot, o->prot_len);
	if (cbor_read_map(&r, &n) != SP_OK || n != 2)
		return SP_ERR_COSE_HEADER;
	(void)cbor_read_uint(&r, &k1);
	(void)cbor_read_int(&r, &o->alg);
	(void)cbor_read_uint(&r, &k4);
	(void)cbor_read_bstr(&r, &kid, &kid_len);
	if (r.err != SP_OK || k1 != COSE_HDR_ALG || k4 != COSE_HDR_KID ||
	    kid_len != sizeof(o->kid))
		return SP_ERR_COSE_HEADER;
	if (o->alg < INT32_MIN || o->alg > INT32_MAX ||
	    !sig_alg_supported((int)o->alg))
		return SP_ERR_UNSUPPORTED_ALG;
	memcpy(o->kid, kid, sizeof(o->kid));
	return SP_OK;
}

static int
outer_decode(struct outer *o, const uint8_t *buf, size_t len)
{
	struct cbor_reader r;
	uint64_t n = 0;
	int e;

	if ((e = cbor_check(buf, len, &outer_limits, CBOR_F_DETERMINISTIC,
	    NULL)) != SP_OK)
		return e;
	cbor_reader_init(&r, buf, len);
	if (cbor_peek(&r) == CBOR_TAG)
		return SP_ERR_COSE_TAG;
	if (cbor_read_array(&r, &n) != SP_OK || n != 4 ||
	    cbor_read_bstr(&r, &o->prot, &o->prot_len) != SP_OK ||
	    cbor_read_map(&r, &n) != SP_OK || n != 0 ||
	    cbor_read_bstr(&r, &o->payload, &o->payload_len) != SP_OK ||
	    cbor_read_bstr(&r, &o->sig, &o->sig_len) != SP_OK)
		return SP_ERR_COSE;
	return prot_decode(o);
}

static int
outer_verify(const struct outer *o, const struct sig_pub *k)
{
	struct sp_buf tbs;
	int r;

	if (k->alg != o->alg)
		return SP_ERR_KEY_MISMATCH;
	sp_buf_init(&tbs);
	r = cose_sig_structure(&tbs, o->prot, o->prot_len, NULL, 0,
	    o->payload, o->payload_len);
	if (r == SP_OK && sig_verify(k, (int)o->alg, tbs.ptr, tbs.len,
	    o->sig, o->sig_len) != SP_OK)
		r = SP_ERR_SIGNATURE;
	sp_buf_clear(&tbs);
	return r;
}

static void
expect_key(struct cbor_reader *r, uint64_t want)
{
	uint64_t k = 0;

	if (cbor_read_uint(r, &k) == SP_OK && k != want)
		r->err = k < want ? SP_ERR_CBOR_UNKNOWN_KEY :
		    SP_ERR_CBOR_MISSING_KEY;
}

static void
read_hash(struct cbor_reader *r, uint8_t out[LREC_HASH_LEN])
{
	const uint8_t *p = NULL;
	size_t n = 0;

	if (cbor_read_bstr(r, &p, &n) != SP_OK)
		return;
	if (n != LREC_HASH_LEN)
		r->err = SP_ERR_CBOR_VALUE;
	else
		memcpy(out, p, n);
}

/* Keys 1..4 of the payload; leaves r at key 5. */
static int
head_decode(struct sp_batch *b, struct cbor_reader *r, struct sig_pub *till)
{
	uint64_t n = 0, type = 0;
	const char *prov = NULL;
	size_t plen = 0;
	int e;

	if (cbor_read_map(r, &n) == SP_OK && n != 6)
		return n < 6 ? SP_ERR_CBOR_MISSING_KEY :
		    SP_ERR_CBOR_UNKNOWN_KEY;
	expect_key(r, LBATCH_K_TYPE);
	if (cbor_read_uint(r, &type) == SP_OK && type != LBATCH_TYPE)
		return SP_ERR_VERSION;
	expect_key(r, LBATCH_K_PROVIDER);
	if (cbor_read_tstr(r, &prov, &plen) == SP_OK && (plen == 0 ||
	    plen > LREC_PROVIDER_MAX || memchr(prov, '\0', plen) != NULL))
		r->err = SP_ERR_CBOR_VALUE;
	expect_key(r, LBATCH_K_TILL);
	if (r->err != SP_OK)
		return r->err;
	memcpy(b->provider, prov, plen);
	b->provider[plen] = '\0';
	b->till = r->p;
	if ((e = cose_key_decode(till, r)) != SP_OK)
		return r->err != SP_OK ? r->err : e;
	b->till_len = (size_t)(r->p - b->till);
	expect_key(r, LBATCH_K_PREV);
	read_hash(r, b->prev);
	expect_key(r, LBATCH_K_ENTRIES);
	return r->err;
}

/* Walks the entries: consecutive seqs, chain, countersignatures. */
static int
entries_check(struct sp_batch *b, struct cbor_reader *r,
    const struct sig_pub *till)
{
	uint8_t head[LREC_HASH_LEN], gen[LREC_HASH_LEN];
	const uint8_t *rec, *sig;
	size_t rlen = 0, slen = 0, i;
	uint64_t n = 0;
	int e;

	if (cbor_read_array(r, &n) != SP_OK)
		return r->err;
	if (n == 0 || n > LBATCH_MAX_RECORDS)
		return SP_ERR_CBOR_VALUE;
	if ((b->recs = calloc((size_t)n, sizeof(*b->recs))) == NULL)
		return SP_ERR_NOMEM;
	memcpy(head, b->prev, sizeof(head));
	for (i = 0; i < n; i++) {
		struct batch_rec *br = &b->recs[i];

		if ((e = lrec_entry_read(r, &rec, &rlen, &sig, &slen)) !=
		    SP_OK)
			return e;
		if ((e = lrec_decode(&br->rec, rec, rlen)) != SP_OK)
			return e;
		if (i > 0 && br->rec.seq != b->recs[i - 1].rec.seq + 1)
			return SP_ERR_REG_GAP;
		if (strcmp(br->rec.provider, b->provider) != 0)
			return SP_ERR_CBOR_VALUE;
		if (br->rec.seq == 1 && ((e = lrec_genesis(gen,
		    b->provider)) != SP_OK || memcmp(gen, head,
		    sizeof(gen)) != 0))
			return e != SP_OK ? e : SP_ERR_REG_FORK;
		if ((e = lrec_entry_verify(&br->rec, br->head, head, till, rec,
		    rlen, sig, slen)) != SP_OK)
			return e;
		br->sig = sig;
		br->sig_len = slen;
		memcpy(head, br->head, sizeof(head));
		b->n = i + 1;
	}
	expect_key(r, LBATCH_K_HEAD);
	read_hash(r, b->head);
	if (r->err != SP_OK)
		return r->err;
	if (memcmp(head, b->head, sizeof(head)) != 0)
		return SP_ERR_REG_FORK;
	return cbor_reader_done(r) ? SP_OK : SP_ERR_CBOR_TRAILING;
}

static int
batch_parse(struct sp_batch *b)
{
	struct outer o;
	struct cbor_reader r;
	struct sig_pub till;
	uint8_t kid[4];
	int e;

	memset(&till, 0, sizeof(till));
	memset(&o, 0, sizeof(o));
	if ((e = outer_decode(&o, b->buf, b->len)) != SP_OK)
		goto fail;
	if ((e = cbor_check(o.payload, o.payload_len, &payload_limits,
	    CBOR_F_DETERMINISTIC, NULL)) != SP_OK)
		goto fail;
	cbor_reader_init(&r, o.payload, o.payload_len);
	if ((e = head_decode(b, &r, &till)) != SP_OK)
		goto fail;
	/* The kid names the key the payload carries; the signature proves
	 * the holder of that key made the batch. */
	if ((e = kid_of(kid, b->till, b->till_len)) != SP_OK)
		goto fail;
	if (memcmp(kid, o.kid, sizeof(kid)) != 0) {
		e = SP_ERR_UNKNOWN_KID;
		goto fail;
	}
	if ((e = outer_verify(&o, &till)) != SP_OK)
		goto fail;
	e = entries_check(b, &r, &till);
fail:
	sig_pub_clear(&till);
	return e;
}

int
sp_batch_open(struct sp_batch **out, const uint8_t *batch, size_t len)
{
	struct sp_batch *b = NULL;
	int r = SP_ERR_INVALID_ARG;

	if (out == NULL || batch == NULL || len == 0)
		return r;
	*out = NULL;
	if (len > LBATCH_MAX_LEN)
		return SP_ERR_TOO_LARGE;
	r = SP_ERR_NOMEM;
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->buf = malloc(len)) == NULL)
		goto fail;
	memcpy(b->buf, batch, len);
	b->len = len;
	if ((r = batch_parse(b)) != SP_OK)
		goto fail;
	*out = b;
	b = NULL;
fail:
	sp_batch_free(&b);
	return r;
}

void
sp_batch_free(struct sp_batch **bp)
{
	struct sp_batch *b;

	if (bp == NULL || (b = *bp) == NULL)
		return;
	free(b->recs);
	free(b->buf);
	free(b);
	*bp = NULL;
}

const char *
sp_batch_provider(const struct sp_batch *b)
{
	return b != NULL ? b->provider : NULL;
}

const uint8_t *
sp_batch_till_key(const struct sp_batch *b, size_t *len)
{
	if (b == NULL) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = b->till_len;
	return b->till;
}

size_t
sp_batch_count(const struct sp_batch *b)
{
	return b != NULL ? b->n : 0;
}

const uint8_t *
sp_batch_prev(const struct sp_batch *b)
{
	return b != NULL ? b->prev : NULL;
}

const uint8_t *
sp_batch_head(const struct sp_batch *b)
{
	return b != NULL ? b->head : NULL;
}

int
sp_batch_record(const struct sp_batch *b, size_t i,
    struct sp_ledger_record *out)
{
	const struct batch_rec *br;

	if (b == NULL || out == NULL)
		return SP_ERR_INVALID_ARG;
	if (i >= b->n)
		return SP_ERR_NOT_FOUND;
	br = &b->recs[i];
	*out = (struct sp_ledger_record){
		.seq = br->rec.seq,
		.time = br->rec.time,
		.provider = b->provider,
		.offer = br->rec.offer,
		.amount_cents = br->rec.amount_cents,
		.limit = br->rec.limit,
		.scope = br->rec.scope,
		.tag = br->rec.has_tag ? br->rec.tag : NULL,
		.counter = br->rec.counter,
		.presentation = br->rec.pres,
		.presentation_len = br->rec.pres_len,
		.prev = br->rec.prev,
		.head = br->head,
		.receipt_sig = br->sig,
		.receipt_sig_len = br->sig_len,
	};
	return SP_OK;
}
