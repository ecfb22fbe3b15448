/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure logic of the revocation log: event codec, hash chain, checkpoints,
 * and the snapshot/delta/state wire formats (docs/FORMATS.md, "Registry").
 */
#include "chain.h"

#include <string.h>

#include "hash.h"
#include "stadspas/sp_err.h"

#define CKPT_TYPE 2	/* payload key 1: marks a checkpoint, not a pass */
#define TIME_MAX ((int64_t)UINT32_MAX * 4)	/* what the decoders accept */

enum ckpt_key {
	CK_TYPE = 1,
	CK_LIST = 2,
	CK_SIZE = 3,
	CK_HEAD = 4,
	CK_TIME = 5,
	CK_DIGEST = 6,
	CK_BITS = 7,
	CK_COUNT = 8,
};

static const struct cbor_limits wire_limits = {
	.max_len = REG_MAX_WIRE,
	.max_depth = 4,
	.max_items = 6 * REG_MAX_DELTA_EVENTS + 64,
	.max_count = REG_MAX_DELTA_EVENTS,
	.max_str = REG_MAX_WIRE,
};

static const struct cbor_limits small_limits = {
	.max_len = 1024,
	.max_depth = 4,
	.max_items = 64,
	.max_count = 16,
	.max_str = 256,
};

/* ---- Events and heads ------------------------------------------------- */

int
reg_event_encode(struct sp_buf *out, const struct reg_event *e)
{
	struct cbor_enc enc;

	/* Refuse what reg_event_decode would refuse: a log must reopen. */
	if (e->time < 0 || e->time > TIME_MAX || e->seq == 0 ||
	    e->seq > INT64_MAX)
		return SP_ERR_INVALID_ARG;
	cbor_enc_init(&enc, out);
	cbor_put_array(&enc, 5);
	cbor_put_uint(&enc, e->seq);
	cbor_put_uint(&enc, e->idx);
	cbor_put_uint(&enc, e->status);
	cbor_put_uint(&enc, e->reason);
	cbor_put_uint(&enc, (uint64_t)e->time);
	return cbor_enc_finish(&enc);
}

static int
read_bounded(struct cbor_reader *r, uint64_t max, uint64_t *v)
{
	int ret;

	if ((ret = cbor_read_uint(r, v)) != SP_OK)
		return ret;
	return *v <= max ? SP_OK : SP_ERR_CBOR_VALUE;
}

int
reg_event_decode(struct reg_event *e, struct cbor_reader *r)
{
	uint64_t n, seq, idx, st, reason, t;
	int ret;

	if ((ret = cbor_read_array(r, &n)) != SP_OK)
		return ret;
	if (n != 5)
		return SP_ERR_CBOR_VALUE;
	if ((ret = read_bounded(r, INT64_MAX, &seq)) != SP_OK ||
	    (ret = read_bounded(r, UINT32_MAX, &idx)) != SP_OK ||
	    (ret = read_bounded(r, 255, &st)) != SP_OK ||
	    (ret = read_bounded(r, UINT16_MAX, &reason)) != SP_OK ||
	    (ret = read_bounded(r, (uint64_t)UINT32_MAX * 4, &t)) != SP_OK)
		return ret;
	if (seq == 0)
		return SP_ERR_CBOR_VALUE;
	e->seq = seq;
	e->idx = (uint32_t)idx;
	e->status = (uint8_t)st;
	e->reason = (uint16_t)reason;
	e->time = (int64_t)t;
	return SP_OK;
}

/* A hash failure (OpenSSL out of memory) leaves a zero head, which no
 * honest chain produces: every later comparison fails closed. */
void
reg_head_genesis(uint8_t head[REG_HEAD_LEN], uint32_t list_id)
{
	static const char dom[] = "stadspas log v1 genesis";
	uint8_t id[4] = { (uint8_t)(list_id >> 24), (uint8_t)(list_id >> 16),
	    (uint8_t)(list_id >> 8), (uint8_t)list_id };
	struct sp_iov v[2] = {
		{ .p = dom, .len = sizeof(dom) },	/* with its NUL */
		{ .p = id, .len = sizeof(id) },
	};

	(void)sp_sha256_v(head, v, 2);
}

void
reg_head_next(uint8_t head[REG_HEAD_LEN], const uint8_t prev[REG_HEAD_LEN],
    const uint8_t *ev, size_t ev_len)
{
	static const char dom[] = "stadspas log v1\001";
	uint8_t p[REG_HEAD_LEN];
	struct sp_iov v[3] = {
		{ .p = dom, .len = sizeof(dom) - 1 },
		{ .p = p, .len = REG_HEAD_LEN },
		{ .p = ev, .len = ev_len },
	};

	memcpy(p, prev, REG_HEAD_LEN);	/* head may alias prev */
	(void)sp_sha256_v(head, v, 3);
}

/* ---- Checkpoints ------------------------------------------------------ */

static int
ckpt_payload(struct sp_buf *out, const struct reg_checkpoint *c)
{
	struct cbor_enc e;

	cbor_enc_init(&e, out);
	cbor_put_map(&e, 8);
	cbor_put_uint(&e, CK_TYPE);
	cbor_put_uint(&e, CKPT_TYPE);
	cbor_put_uint(&e, CK_LIST);
	cbor_put_uint(&e, c->list);
	cbor_put_uint(&e, CK_SIZE);
	cbor_put_uint(&e, c->size);
	cbor_put_uint(&e, CK_HEAD);
	cbor_put_bstr(&e, c->head, REG_HEAD_LEN);
	cbor_put_uint(&e, CK_TIME);
	cbor_put_uint(&e, (uint64_t)c->time);
	cbor_put_uint(&e, CK_DIGEST);
	cbor_put_bstr(&e, c->digest, REG_DIGEST_LEN);
	cbor_put_uint(&e, CK_BITS);
	cbor_put_uint(&e, c->bits);
	cbor_put_uint(&e, CK_COUNT);
	cbor_put_uint(&e, c->count);
	return cbor_enc_finish(&e);
}

int
reg_checkpoint_sign(struct sp_buf *out, const struct reg_checkpoint *c,
    const struct sig_priv *k, const uint8_t *kid, size_t kid_len)
{
	struct sp_buf payload;
	int r;

	if (c == NULL || k == NULL || c->time < 0 || c->time > TIME_MAX ||
	    c->size > INT64_MAX || (c->bits != 1 && c->bits != 2) ||
	    c->count == 0 || c->count > REG_LIST_MAX_ENTRIES)
		return SP_ERR_INVALID_ARG;
	sp_buf_init(&payload);
	if ((r = ckpt_payload(&payload, c)) == SP_OK)
		r = cose_sign1_sign(out, k, kid, kid_len, -1, payload.ptr,
		    payload.len, NULL, 0, 0);
	sp_buf_clear(&payload);
	return r;
}

static int
read_hash(struct cbor_reader *r, uint8_t out[32])
{
	const uint8_t *p;
	size_t n;
	int ret;

	if ((ret = cbor_read_bstr(r, &p, &n)) != SP_OK)
		return ret;
	if (n != 32)
		return SP_ERR_CBOR_VALUE;
	memcpy(out, p, 32);
	return SP_OK;
}

static int
ckpt_field(struct reg_checkpoint *c, struct cbor_reader *r, uint64_t key)
{
	uint64_t v;
	int ret;

	switch (key) {
	case CK_TYPE:
		if ((ret = cbor_read_uint(r, &v)) != SP_OK)
			return ret;
		return v == CKPT_TYPE ? SP_OK : SP_ERR_CBOR_VALUE;
	case CK_LIST:
		ret = read_bounded(r, UINT32_MAX, &v);
		c->list = (uint32_t)v;
		return ret;
	case CK_SIZE:
		return read_bounded(r, INT64_MAX, &c->size);
	case CK_HEAD:
		return read_hash(r, c->head);
	case CK_TIME:
		ret = read_bounded(r, (uint64_t)UINT32_MAX * 4, &v);
		c->time = (int64_t)v;
		return ret;
	case CK_DIGEST:
		return read_hash(r, c->digest);
	case CK_BITS:
		ret = read_bounded(r, 8, &v);
		c->bits = (uint8_t)v;
		return ret;
	case CK_COUNT:
		ret = read_bounded(r, REG_LIST_MAX_ENTRIES, &v);
		c->count = (uint32_t)v;
		return ret;
	default:
		return SP_ERR_CBOR_UNKNOWN_KEY;
	}
}

int
reg_checkpoint_decode(struct reg_checkpoint *c, struct cose_sign1 *m,
    const uint8_t *buf, size_t len)
{
	struct cbor_reader r;
	uint64_t n, i, key;
	int ret;

	memset(c, 0, sizeof(*c));
	if (len > small_limits.max_len)
		return SP_ERR_TOO_LARGE;
	if ((ret = cose_sign1_decode(m, buf, len, COSE_F_STRICT)) != SP_OK)
		return ret;
	if (m->payload == NULL || (ret = cbor_check(m->payload,
	    m->payload_len, &small_limits, CBOR_F_DETERMINISTIC, NULL)) !=
	    SP_OK)
		return m->payload == NULL ? SP_ERR_COSE : ret;
	cbor_reader_init(&r, m->payload, m->payload_len);
	if ((ret = cbor_read_map(&r, &n)) != SP_OK)
		return ret;
	if (n != 8)
		return SP_ERR_CBOR_MISSING_KEY;
	/* Deterministic order and 8 distinct known keys: all present. */
	for (i = 0; i < n; i++)
		if ((ret = cbor_read_uint(&r, &key)) != SP_OK ||
		    (ret = ckpt_field(c, &r, key)) != SP_OK)
			return ret;
	if ((c->bits != 1 && c->bits != 2) || c->count == 0)
		return SP_ERR_CBOR_VALUE;
	return SP_OK;
}

/* ---- Wire formats ----------------------------------------------------- */

static void
wire_head(struct cbor_enc *e, size_t n, unsigned kind, uint32_t list_id)
{
	cbor_put_array(e, n);
	cbor_put_uint(e, REG_FORMAT_VERSION);
	cbor_put_uint(e, kind);
	cbor_put_uint(e, list_id);
}

int
reg_snapshot_encode(struct sp_buf *out, uint32_t list_id, const uint8_t *token,
    size_t token_len, const uint8_t *ckpt, size_t ckpt_len)
{
	struct cbor_enc e;

	cbor_enc_init(&e, out);
	wire_head(&e, 5, REG_KIND_SNAPSHOT, list_id);
	cbor_put_bstr(&e, token, token_len);
	cbor_put_bstr(&e, ckpt, ckpt_len);
	return cbor_enc_finish(&e);
}

int
reg_delta_encode(struct sp_buf *out, uint32_t list_id, uint64_t from,
    const uint8_t *events, size_t events_len, size_t n, const uint8_t *ckpt,
    size_t ckpt_len)
{
	struct cbor_enc e;

	if (n > REG_MAX_DELTA_EVENTS)
		return SP_ERR_TOO_LARGE;
	cbor_enc_init(&e, out);
	wire_head(&e, 6, REG_KIND_DELTA, list_id);
	cbor_put_uint(&e, from);
	cbor_put_array(&e, n);
	cbor_put_raw(&e, events, events_len);
	cbor_put_bstr(&e, ckpt, ckpt_len);
	return cbor_enc_finish(&e);
}

static int
wire_delta_rest(struct reg_wire *w, struct cbor_reader *r)
{
	const uint8_t *start;
	uint64_t n, i;
	int ret;

	if ((ret = read_bounded(r, INT64_MAX, &w->from)) != SP_OK)
		return ret;
	if ((ret = cbor_read_array(r, &n)) != SP_OK)
		return ret;
	if (n > REG_MAX_DELTA_EVENTS)
		return SP_ERR_TOO_LARGE;
	start = r->p;
	for (i = 0; i < n; i++)
		if ((ret = cbor_skip(r)) != SP_OK)
			return ret;
	w->n_events = (size_t)n;
	w->events = start;
	w->events_len = (size_t)(r->p - start);
	return SP_OK;
}

int
reg_wire_decode(struct reg_wire *w, const uint8_t *buf, size_t len)
{
	struct cbor_reader r;
	uint64_t n, ver, kind, id;
	int ret;

	memset(w, 0, sizeof(*w));
	if (buf == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	if (len > REG_MAX_WIRE)
		return SP_ERR_TOO_LARGE;
	if ((ret = cbor_check(buf, len, &wire_limits, CBOR_F_DETERMINISTIC,
	    NULL)) != SP_OK)
		return ret;
	cbor_reader_init(&r, buf, len);
	if ((ret = cbor_read_array(&r, &n)) != SP_OK ||
	    (ret = cbor_read_uint(&r, &ver)) != SP_OK)
		return ret == SP_ERR_CBOR_TYPE ? SP_ERR_CBOR_VALUE : ret;
	if (ver != REG_FORMAT_VERSION)
		return SP_ERR_VERSION;
	if ((ret = read_bounded(&r, REG_KIND_STATE, &kind)) != SP_OK ||
	    (ret = read_bounded(&r, UINT32_MAX, &id)) != SP_OK)
		return ret;
	w->kind = (unsigned)kind;
	w->list_id = (uint32_t)id;
	if (n != (kind == REG_KIND_DELTA ? 6u : 5u))
		return SP_ERR_CBOR_VALUE;
	if (kind == REG_KIND_DELTA)
		ret = wire_delta_rest(w, &r);
	else
		ret = cbor_read_bstr(&r, &w->body, &w->body_len);
	if (ret != SP_OK)
		return ret;
	if ((ret = cbor_read_bstr(&r, &w->ckpt, &w->ckpt_len)) != SP_OK)
		return ret;
	return cbor_reader_done(&r) ? SP_OK : SP_ERR_CBOR_TRAILING;
}
