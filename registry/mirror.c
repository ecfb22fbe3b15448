/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A till's mirror of one status list (include/stadspas/sp_registry.h):
 * bootstrap from a signed snapshot, apply deltas only when they chain onto
 * the mirror's head and reach a signed checkpoint whose digest matches the
 * resulting list. All or nothing: a refused delta changes nothing.
 */
#include "stadspas/sp_registry.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "chain.h"
#include "pass_int.h"
#include "status_list.h"

struct sp_reg_mirror {
	uint32_t list_id;
	const struct sp_trust *trust;	/* borrowed */
	bool ready;
	struct reg_list list;
	uint64_t size;
	uint8_t head[REG_HEAD_LEN];
	int64_t time;
	struct sp_buf ckpt;	/* latest verified checkpoint, as received */
};

/* Largest packed list we accept: REG_LIST_MAX_ENTRIES at 2 bits. */
#define LIST_MAX_BYTES ((size_t)REG_LIST_MAX_ENTRIES / 4)

int
sp_reg_mirror_new(struct sp_reg_mirror **out, uint32_t list_id,
    const struct sp_trust *t)
{
	struct sp_reg_mirror *m;

	if (out == NULL || t == NULL)
		return SP_ERR_INVALID_ARG;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return SP_ERR_NOMEM;
	m->list_id = list_id;
	m->trust = t;
	sp_buf_init(&m->ckpt);
	*out = m;
	return SP_OK;
}

void
sp_reg_mirror_free(struct sp_reg_mirror **mp)
{
	if (mp == NULL || *mp == NULL)
		return;
	reg_list_clear(&(*mp)->list);
	sp_buf_clear(&(*mp)->ckpt);
	free(*mp);
	*mp = NULL;
}

/* Decodes and verifies a checkpoint for this mirror's list. */
static int
checkpoint_open(const struct sp_reg_mirror *m, struct reg_checkpoint *c,
    const uint8_t *buf, size_t len)
{
	struct cose_sign1 cose;
	int r;

	if ((r = reg_checkpoint_decode(c, &cose, buf, len)) != SP_OK)
		return r;
	if ((r = trust_verify(m->trust, &cose)) != SP_OK)
		return r;
	return c->list == m->list_id ? SP_OK : SP_ERR_REG_LIST;
}

/* A newer state may not go back in size or time, nor differ at a size. */
static int
not_older(const struct sp_reg_mirror *m, const struct reg_checkpoint *c)
{
	if (!m->ready)
		return SP_OK;
	if (c->size < m->size || c->time < m->time)
		return SP_ERR_REG_ROLLBACK;
	if (c->size == m->size &&
	    sodium_memcmp(c->head, m->head, REG_HEAD_LEN) != 0)
		return SP_ERR_REG_FORK;
	return SP_OK;
}

/* Decodes a packed list and checks it against the checkpoint's shape and
 * digest. On success *l holds it. */
static int
list_open(struct reg_list *l, uint32_t id, const struct reg_checkpoint *c,
    const uint8_t *cbor, size_t len)
{
	uint8_t digest[REG_DIGEST_LEN];
	size_t want;
	int r;

	memset(l, 0, sizeof(*l));
	if ((r = reg_list_decode(l, id, cbor, len, LIST_MAX_BYTES)) != SP_OK)
		return r;
	want = ((size_t)c->count * c->bits + 7) / 8;
	if (l->bits != c->bits || l->len != want) {
		reg_list_clear(l);
		return SP_ERR_REG_LIST;
	}
	l->count = c->count;
	reg_list_digest(l, digest);
	if (sodium_memcmp(digest, c->digest, REG_DIGEST_LEN) != 0) {
		reg_list_clear(l);
		return SP_ERR_REG_DIGEST;
	}
	return SP_OK;
}

/* Takes ownership of *l and records the checkpoint as the new state. */
static int
state_commit(struct sp_reg_mirror *m, struct reg_list *l,
    const struct reg_checkpoint *c, const uint8_t *ckpt, size_t ckpt_len)
{
	int r;

	if ((r = sp_buf_set(&m->ckpt, ckpt, ckpt_len)) != SP_OK) {
		reg_list_clear(l);
		return r;
	}
	if (l != &m->list) {
		reg_list_clear(&m->list);
		m->list = *l;
		memset(l, 0, sizeof(*l));
	}
	m->size = c->size;
	memcpy(m->head, c->head, REG_HEAD_LEN);
	m->time = c->time;
	m->ready = true;
	return SP_OK;
}

int
sp_reg_mirror_bootstrap(struct sp_reg_mirror *m, const uint8_t *snapshot,
    size_t len)
{
	struct reg_wire w;
	struct reg_checkpoint c;
	struct reg_token tok;
	struct reg_list l;
	int r;

	if (m == NULL || snapshot == NULL)
		return SP_ERR_INVALID_ARG;
	if ((r = reg_wire_decode(&w, snapshot, len)) != SP_OK)
		return r;
	if (w.kind != REG_KIND_SNAPSHOT || w.list_id != m->list_id)
		return SP_ERR_REG_LIST;
	if ((r = checkpoint_open(m, &c, w.ckpt, w.ckpt_len)) != SP_OK ||
	    (r = not_older(m, &c)) != SP_OK)
		return r;
	if ((r = reg_token_decode(&tok, w.body, w.body_len)) != SP_OK)
		return r;
	if ((r = trust_verify(m->trust, &tok.cose)) != SP_OK)
		return r;
	if ((r = list_open(&l, m->list_id, &c, tok.list, tok.list_len)) !=
	    SP_OK)
		return r;
	return state_commit(m, &l, &c, w.ckpt, w.ckpt_len);
}

/*
 * Checks the events' sequence numbers against the expected run
 * from+1 .. from+n, distinguishing duplicates, reordering and gaps.
 */
static int
sequence_check(const struct reg_event *ev, size_t n, uint64_t from,
    uint64_t size, uint64_t ck_size)
{
	uint8_t *seen = NULL;
	bool descent = false, outside = false;
	size_t i;
	int r = SP_OK;

	if (n > 0 && (seen = calloc(n, 1)) == NULL)
		return SP_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		uint64_t s = ev[i].seq;

		if (s <= size) {
			r = SP_ERR_REG_DUPLICATE;	/* already applied */
			goto out;
		}
		if (i > 0 && s < ev[i - 1].seq)
			descent = true;
		if (s <= from || s - from > n) {
			outside = true;
			continue;
		}
		if (seen[s - from - 1]++) {
			r = SP_ERR_REG_DUPLICATE;
			goto out;
		}
	}
	if (outside || from + n < ck_size)
		r = SP_ERR_REG_GAP;
	else if (descent)
		r = SP_ERR_REG_REORDER;
	else if (from + n > ck_size)
		r = SP_ERR_REG_FORK;	/* events beyond the signed head */
out:
	free(seen);
	return r;
}

/* Decodes n events; raw[i] / raw_len[i] are their exact bytes. */
static int
events_decode(struct reg_event *ev, const uint8_t **raw, size_t *raw_len,
    const uint8_t *p, size_t len, size_t n)
{
	struct cbor_reader r;
	size_t i;
	int ret;

	cbor_reader_init(&r, p, len);
	for (i = 0; i < n; i++) {
		raw[i] = r.p;
		if ((ret = reg_event_decode(&ev[i], &r)) != SP_OK)
			return ret;
		raw_len[i] = (size_t)(r.p - raw[i]);
	}
	return cbor_reader_done(&r) ? SP_OK : SP_ERR_CBOR_TRAILING;
}

static int
chain_check(const struct sp_reg_mirror *m, const struct reg_checkpoint *c,
    const uint8_t *const *raw, const size_t *raw_len, size_t n)
{
	uint8_t h[REG_HEAD_LEN];
	size_t i;

	memcpy(h, m->head, REG_HEAD_LEN);
	for (i = 0; i < n; i++)
		reg_head_next(h, h, raw[i], raw_len[i]);
	return sodium_memcmp(h, c->head, REG_HEAD_LEN) == 0 ? SP_OK :
	    SP_ERR_REG_FORK;
}

/* Applies the events to a copy of the list and checks its digest. */
static int
list_apply(struct reg_list *out, const struct reg_list *cur,
    const struct reg_event *ev, size_t n, const struct reg_checkpoint *c)
{
	uint8_t digest[REG_DIGEST_LEN];
	size_t i;
	int r;

	if ((r = reg_list_copy(out, cur)) != SP_OK)
		return r;
	for (i = 0; i < n; i++) {
		if (ev[i].idx >= out->count ||
		    reg_list_set(out, ev[i].idx, ev[i].status) != SP_OK) {
			r = SP_ERR_REG_LIST;
			goto fail;
		}
	}
	reg_list_digest(out, digest);
	if (sodium_memcmp(digest, c->digest, REG_DIGEST_LEN) != 0)
		r = SP_ERR_REG_DIGEST;
fail:
	if (r != SP_OK)
		reg_list_clear(out);
	return r;
}

static int
delta_events(struct sp_reg_mirror *m, const struct reg_wire *w,
    const struct reg_checkpoint *c)
{
	struct reg_event *ev = NULL;
	const uint8_t **raw = NULL;
	size_t *raw_len = NULL, n = w->n_events;
	struct reg_list next;
	int r = SP_ERR_NOMEM;

	memset(&next, 0, sizeof(next));
	if (n == 0)
		return c->size == m->size ? SP_OK : SP_ERR_REG_GAP;
	if ((ev = calloc(n, sizeof(*ev))) == NULL ||
	    (raw = calloc(n, sizeof(*raw))) == NULL ||
	    (raw_len = calloc(n, sizeof(*raw_len))) == NULL)
		goto out;
	if ((r = events_decode(ev, raw, raw_len, w->events, w->events_len,
	    n)) != SP_OK ||
	    (r = sequence_check(ev, n, w->from, m->size, c->size)) != SP_OK ||
	    (r = chain_check(m, c, raw, raw_len, n)) != SP_OK ||
	    (r = list_apply(&next, &m->list, ev, n, c)) != SP_OK)
		goto out;
	reg_list_clear(&m->list);
	m->list = next;
out:
	free(ev);
	free(raw);
	free(raw_len);
	return r;
}

int
sp_reg_mirror_apply(struct sp_reg_mirror *m, const uint8_t *delta, size_t len)
{
	struct reg_wire w;
	struct reg_checkpoint c;
	int r;

	if (m == NULL || delta == NULL)
		return SP_ERR_INVALID_ARG;
	if (!m->ready)
		return SP_ERR_REG_NOT_READY;
	if ((r = reg_wire_decode(&w, delta, len)) != SP_OK)
		return r;
	if (w.kind != REG_KIND_DELTA || w.list_id != m->list_id)
		return SP_ERR_REG_LIST;
	if ((r = checkpoint_open(m, &c, w.ckpt, w.ckpt_len)) != SP_OK)
		return r;
	if (c.bits != m->list.bits || c.count != m->list.count)
		return SP_ERR_REG_LIST;
	if ((r = not_older(m, &c)) != SP_OK)
		return r;
	if (w.from > m->size)
		return SP_ERR_REG_GAP;
	if (w.from < m->size)
		return SP_ERR_REG_DUPLICATE;	/* overlaps what I have */
	if ((r = delta_events(m, &w, &c)) != SP_OK)
		return r;
	return state_commit(m, &m->list, &c, w.ckpt, w.ckpt_len);
}

int
sp_reg_mirror_status(const struct sp_reg_mirror *m, uint32_t idx,
    unsigned *status)
{
	if (m == NULL || status == NULL)
		return SP_ERR_INVALID_ARG;
	if (!m->ready)
		return SP_ERR_REG_NOT_READY;
	if (idx >= m->list.count)
		return SP_ERR_NOT_FOUND;
	*status = reg_list_get(&m->list, idx);
	return SP_OK;
}

uint64_t
sp_reg_mirror_size(const struct sp_reg_mirror *m)
{
	return m != NULL ? m->size : 0;
}

int64_t
sp_reg_mirror_checkpoint_time(const struct sp_reg_mirror *m)
{
	return m != NULL && m->ready ? m->time : 0;
}

int64_t
sp_reg_mirror_age(const struct sp_reg_mirror *m, int64_t now)
{
	if (m == NULL || !m->ready)
		return INT64_MAX;
	return now - m->time;
}

const uint8_t *
sp_reg_mirror_list(const struct sp_reg_mirror *m, size_t *len)
{
	if (m == NULL || !m->ready) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = m->list.len;
	return m->list.bytes;
}

int
sp_reg_mirror_save(const struct sp_reg_mirror *m, uint8_t **out, size_t *len)
{
	struct sp_buf list, blob;
	struct cbor_enc e;
	int r;

	if (m == NULL || out == NULL || len == NULL)
		return SP_ERR_INVALID_ARG;
	if (!m->ready)
		return SP_ERR_REG_NOT_READY;
	sp_buf_init(&list);
	sp_buf_init(&blob);
	if ((r = reg_list_encode(&list, &m->list)) != SP_OK)
		goto fail;
	/* state = [1, 2, list id, list CBOR bstr, checkpoint bstr] */
	cbor_enc_init(&e, &blob);
	cbor_put_array(&e, 5);
	cbor_put_uint(&e, REG_FORMAT_VERSION);
	cbor_put_uint(&e, REG_KIND_STATE);
	cbor_put_uint(&e, m->list_id);
	cbor_put_bstr(&e, list.ptr, list.len);
	cbor_put_bstr(&e, m->ckpt.ptr, m->ckpt.len);
	if ((r = cbor_enc_finish(&e)) != SP_OK)
		goto fail;
	if ((*out = malloc(blob.len)) == NULL) {
		r = SP_ERR_NOMEM;
		goto fail;
	}
	memcpy(*out, blob.ptr, blob.len);
	*len = blob.len;
fail:
	sp_buf_clear(&list);
	sp_buf_clear(&blob);
	return r;
}

int
sp_reg_mirror_load(struct sp_reg_mirror *m, const uint8_t *state, size_t len)
{
	struct reg_wire w;
	struct reg_checkpoint c;
	struct reg_list l;
	int r;

	if (m == NULL || state == NULL)
		return SP_ERR_INVALID_ARG;
	if ((r = reg_wire_decode(&w, state, len)) != SP_OK)
		return r;
	if (w.kind != REG_KIND_STATE || w.list_id != m->list_id)
		return SP_ERR_REG_LIST;
	if ((r = checkpoint_open(m, &c, w.ckpt, w.ckpt_len)) != SP_OK ||
	    (r = not_older(m, &c)) != SP_OK)
		return r;
	if ((r = list_open(&l, m->list_id, &c, w.body, w.body_len)) != SP_OK)
		return r;
	return state_commit(m, &l, &c, w.ckpt, w.ckpt_len);
}
