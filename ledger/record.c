/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Redemption records and the ledger's hash chain (docs/FORMATS.md
 * section 10): encoding, strict decoding, chain links, countersignatures.
 */
#include "record.h"

#include <string.h>

#include "hash.h"
#include "stadspas/sp_err.h"

static const char chain_tag[] = "stadspas ledger v1";	/* + 0x00 */
static const char receipt_tag[] = "stadspas receipt v1";	/* + 0x00 */

static const struct cbor_limits rec_limits = {
	.max_len = LREC_MAX_LEN,
	.max_depth = 1,
	.max_items = 16,
	.max_count = LREC_FIELDS,
	.max_str = LREC_PRES_MAX,
};

int
lrec_encode(struct sp_buf *out, const struct lrec *r)
{
	struct cbor_enc e;
	size_t plen = strnlen(r->provider, sizeof(r->provider));
	size_t slen = strnlen(r->scope, sizeof(r->scope));

	/* What lrec_decode would refuse, refused here too. */
	if (plen == 0 || plen > LREC_PROVIDER_MAX || slen >= SP_SCOPE_MAX ||
	    r->pres == NULL || r->pres_len == 0 ||
	    r->pres_len > LREC_PRES_MAX || r->seq == 0 || r->offer == 0 ||
	    r->has_tag != (slen > 0) || (r->limit > 0 && !r->has_tag))
		return SP_ERR_INVALID_ARG;
	cbor_enc_init(&e, out);
	cbor_put_array(&e, LREC_FIELDS);
	cbor_put_uint(&e, LREC_VERSION);
	cbor_put_uint(&e, r->seq);
	cbor_put_int(&e, r->time);
	cbor_put_tstr(&e, r->provider, plen);
	cbor_put_uint(&e, r->offer);
	cbor_put_uint(&e, r->amount_cents);
	cbor_put_uint(&e, r->limit);
	cbor_put_tstr(&e, r->scope, slen);
	if (r->has_tag)
		cbor_put_bstr(&e, r->tag, SP_TAG_LEN);
	else
		cbor_put_null(&e);
	cbor_put_uint(&e, r->counter);
	cbor_put_bstr(&e, r->pres, r->pres_len);
	cbor_put_bstr(&e, r->prev, LREC_HASH_LEN);
	return cbor_enc_finish(&e);
}

/* Reads a text string of at most max bytes into out (NUL-terminated). */
static void
read_text(struct cbor_reader *cr, char *out, size_t max, bool nonempty)
{
	const char *s = NULL;
	size_t n = 0;

	if (cbor_read_tstr(cr, &s, &n) != SP_OK)
		return;
	if (n > max || (nonempty && n == 0) || memchr(s, '\0', n) != NULL) {
		cr->err = SP_ERR_CBOR_VALUE;
		return;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

/* Reads a byte string of exactly n bytes. */
static const uint8_t *
read_fixed(struct cbor_reader *cr, size_t n)
{
	const uint8_t *p = NULL;
	size_t len = 0;

	if (cbor_read_bstr(cr, &p, &len) != SP_OK)
		return NULL;
	if (len != n) {
		cr->err = SP_ERR_CBOR_VALUE;
		return NULL;
	}
	return p;
}

static void
read_tag(struct cbor_reader *cr, struct lrec *r)
{
	const uint8_t *p;

	r->has_tag = false;
	if (cbor_read_null(cr))
		return;
	if ((p = read_fixed(cr, SP_TAG_LEN)) == NULL)
		return;
	memcpy(r->tag, p, SP_TAG_LEN);
	r->has_tag = true;
}

int
lrec_decode(struct lrec *r, const uint8_t *buf, size_t len)
{
	struct cbor_reader cr;
	uint64_t n = 0, ver = 0, lim = 0;
	const uint8_t *prev;
	int e;

	memset(r, 0, sizeof(*r));
	if (buf == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	if (len > LREC_MAX_LEN)
		return SP_ERR_TOO_LARGE;
	if ((e = cbor_check(buf, len, &rec_limits, CBOR_F_DETERMINISTIC,
	    NULL)) != SP_OK)
		return e;
	cbor_reader_init(&cr, buf, len);
	if (cbor_read_array(&cr, &n) != SP_OK || n != LREC_FIELDS)
		return cr.err != SP_OK ? cr.err : SP_ERR_CBOR_VALUE;
	if (cbor_read_uint(&cr, &ver) == SP_OK && ver != LREC_VERSION)
		return SP_ERR_VERSION;
	(void)cbor_read_uint(&cr, &r->seq);
	(void)cbor_read_int(&cr, &r->time);
	read_text(&cr, r->provider, LREC_PROVIDER_MAX, true);
	(void)cbor_read_uint(&cr, &r->offer);
	(void)cbor_read_uint(&cr, &r->amount_cents);
	if (cbor_read_uint(&cr, &lim) == SP_OK && lim > UINT32_MAX)
		cr.err = SP_ERR_CBOR_VALUE;
	r->limit = (uint32_t)lim;
	read_text(&cr, r->scope, SP_SCOPE_MAX - 1, false);
	read_tag(&cr, r);
	(void)cbor_read_uint(&cr, &r->counter);
	(void)cbor_read_bstr(&cr, &r->pres, &r->pres_len);
	prev = read_fixed(&cr, LREC_HASH_LEN);
	if (cr.err != SP_OK)
		return cr.err;
	if (prev != NULL)
		memcpy(r->prev, prev, LREC_HASH_LEN);
	/* A record names its offer, its presentation, and a tag iff a
	 * scope. */
	if (r->seq == 0 || r->offer == 0 || r->pres_len == 0 ||
	    r->has_tag != (r->scope[0] != '\0') ||
	    (r->limit > 0 && !r->has_tag))
		return SP_ERR_CBOR_VALUE;
	return SP_OK;
}

int
lrec_chain(uint8_t head[LREC_HASH_LEN], uint8_t hash[LREC_HASH_LEN],
    const uint8_t prev[LREC_HASH_LEN], const uint8_t *rec, size_t len)
{
	struct sp_iov v[3];
	int r;

	if ((r = sp_sha256(hash, rec, len)) != SP_OK)
		return r;
	v[0] = (struct sp_iov){ .p = chain_tag, .len = sizeof(chain_tag) };
	v[1] = (struct sp_iov){ .p = prev, .len = LREC_HASH_LEN };
	v[2] = (struct sp_iov){ .p = hash, .len = LREC_HASH_LEN };
	return sp_sha256_v(head, v, 3);
}

int
lrec_genesis(uint8_t head[LREC_HASH_LEN], const char *provider)
{
	struct sp_iov v[2];

	v[0] = (struct sp_iov){ .p = chain_tag, .len = sizeof(chain_tag) };
	v[1] = (struct sp_iov){ .p = provider, .len = strlen(provider) };
	return sp_sha256_v(head, v, 2);
}

void
lrec_receipt_msg(uint8_t *msg, size_t *len, const uint8_t hash[LREC_HASH_LEN],
    const uint8_t head[LREC_HASH_LEN])
{
	memcpy(msg, receipt_tag, sizeof(receipt_tag));
	memcpy(msg + sizeof(receipt_tag), hash, LREC_HASH_LEN);
	memcpy(msg + sizeof(receipt_tag) + LREC_HASH_LEN, head, LREC_HASH_LEN);
	*len = sizeof(receipt_tag) + 2 * LREC_HASH_LEN;
}

int
lrec_entry_encode(struct sp_buf *out, const uint8_t *rec, size_t len,
    const uint8_t *sig, size_t sig_len)
{
	struct cbor_enc e;

	cbor_enc_init(&e, out);
	cbor_put_array(&e, 2);
	cbor_put_bstr(&e, rec, len);
	cbor_put_bstr(&e, sig, sig_len);
	return cbor_enc_finish(&e);
}

int
lrec_entry_read(struct cbor_reader *r, const uint8_t **rec, size_t *len,
    const uint8_t **sig, size_t *sig_len)
{
	uint64_t n = 0;

	if (cbor_read_array(r, &n) == SP_OK && n != 2)
		r->err = SP_ERR_CBOR_VALUE;
	(void)cbor_read_bstr(r, rec, len);
	(void)cbor_read_bstr(r, sig, sig_len);
	if (r->err == SP_OK && (*len == 0 || *len > LREC_MAX_LEN ||
	    *sig_len != SIG_MAX_LEN))
		r->err = SP_ERR_CBOR_VALUE;
	return r->err;
}

int
lrec_entry_decode(const uint8_t *buf, size_t len, const uint8_t **rec,
    size_t *rec_len, const uint8_t **sig, size_t *sig_len)
{
	static const struct cbor_limits lim = {
		.max_len = LREC_ENTRY_MAX, .max_depth = 1, .max_items = 3,
		.max_count = 2, .max_str = LREC_MAX_LEN,
	};
	struct cbor_reader cr;
	int e;

	if ((e = cbor_check(buf, len, &lim, CBOR_F_DETERMINISTIC, NULL)) !=
	    SP_OK)
		return e;
	cbor_reader_init(&cr, buf, len);
	return lrec_entry_read(&cr, rec, rec_len, sig, sig_len);
}

int
lrec_entry_verify(const struct lrec *dec, uint8_t head[LREC_HASH_LEN],
    const uint8_t prev[LREC_HASH_LEN], const struct sig_pub *till,
    const uint8_t *rec, size_t rec_len, const uint8_t *sig, size_t sig_len)
{
	uint8_t hash[LREC_HASH_LEN], msg[LREC_RECEIPT_MSG_LEN];
	size_t mlen;
	int r;

	if (memcmp(dec->prev, prev, LREC_HASH_LEN) != 0)
		return SP_ERR_REG_FORK;
	if ((r = lrec_chain(head, hash, prev, rec, rec_len)) != SP_OK)
		return r;
	lrec_receipt_msg(msg, &mlen, hash, head);
	if (sig_verify(till, till->alg, msg, mlen, sig, sig_len) != SP_OK)
		return SP_ERR_SIGNATURE;
	return SP_OK;
}

int
lrec_entry_check(struct lrec *out, uint8_t head[LREC_HASH_LEN],
    const uint8_t prev[LREC_HASH_LEN], const struct sig_pub *till,
    const uint8_t *rec, size_t rec_len, const uint8_t *sig, size_t sig_len)
{
	int r;

	if ((r = lrec_decode(out, rec, rec_len)) != SP_OK)
		return r;
	return lrec_entry_verify(out, head, prev, till, rec, rec_len, sig,
	    sig_len);
}

int
lrec_entry_make(struct sp_buf *out, uint8_t hash[LREC_HASH_LEN],
    uint8_t head[LREC_HASH_LEN], const struct lrec *r,
    const struct sig_priv *till)
{
	struct sp_buf rec;
	uint8_t msg[LREC_RECEIPT_MSG_LEN], sig[SIG_MAX_LEN];
	size_t mlen, slen = 0;
	int e;

	sp_buf_init(&rec);
	if ((e = lrec_encode(&rec, r)) != SP_OK ||
	    (e = lrec_chain(head, hash, r->prev, rec.ptr, rec.len)) != SP_OK)
		goto fail;
	lrec_receipt_msg(msg, &mlen, hash, head);
	if ((e = sig_sign(till, sig, &slen, msg, mlen)) != SP_OK)
		goto fail;
	e = lrec_entry_encode(out, rec.ptr, rec.len, sig, slen);
fail:
	sp_buf_clear(&rec);
	return e;
}
