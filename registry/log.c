/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The issuer's status log (log.h) on LMDB (store_lmdb.h). Every change is
 * committed durably before the in-memory list, head and size follow it, and
 * opening replays the whole log, so memory never gets ahead of the disk.
 *
 * Layout of the environment (one directory per status list):
 *   db "meta"      "config"     -> [1, list id, bits, capacity]
 *                  "state"      -> [1, size, head (bstr 32)]
 *                  "checkpoint" -> [1, latest checkpoint (bstr, the signed
 *                                   COSE_Sign1 exactly as served)]
 *   db "events"    be64 seq     -> the event's CBOR exactly as
 *                                  reg_event_encode wrote it: the bytes
 *                                  the chain hashes and deltas carry
 *   db "assigned"  be32 idx     -> empty (the index is handed out)
 * Meta values are versioned deterministic CBOR arrays (never raw structs).
 * Events are appended with MDB_APPEND, so a key out of order fails the
 * transaction instead of landing. "state" changes in the same transaction
 * as the events it describes; "config" is written once, at creation.
 *
 * Open checks, and fails with SP_ERR_STORAGE otherwise: the events are
 * exactly seq 1..size, each decodes to itself (canonical bytes), names an
 * assigned index and an allowed transition; the recomputed chain from
 * reg_head_genesis(list id) ends at the stored head; the stored checkpoint
 * is for this list and states the replayed head and list digest at its
 * size.
 */
#include "log.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cbor.h"
#include "stadspas/sp_err.h"
#include "store_lmdb.h"

#define META_VERSION 1
#define ASSIGN_TRIES 64			/* random probes before a scan */
#define LOG_TIME_MAX ((int64_t)UINT32_MAX * 4)	/* reg_event_decode's cap */
#define MAX_BATCH REG_MAX_DELTA_EVENTS

enum { DB_META, DB_EVENTS, DB_ASSIGNED, DB_COUNT };
static const char *const db_names[DB_COUNT] = { "meta", "events",
	"assigned" };

#define KEY_CONFIG "config"
#define KEY_STATE "state"
#define KEY_CKPT "checkpoint"
#define KEY(s) (s), (sizeof(s) - 1)

static const struct cbor_limits meta_limits = {
	.max_len = 4096,
	.max_depth = 2,
	.max_items = 16,
	.max_count = 8,
	.max_str = 2048,
};

struct reg_log {
	struct reg_db db;
	uint32_t list_id;
	unsigned bits;
	uint32_t capacity;
	struct reg_list list;
	uint64_t size;
	uint8_t head[REG_HEAD_LEN];
	uint32_t assigned;		/* entries in "assigned" */
	struct sp_buf ckpt;		/* latest checkpoint; len 0 if none */
	uint64_t ckpt_size;
	int64_t ckpt_time;
};

/* ---- Meta values ------------------------------------------------------ */

static int
enc_config(struct sp_buf *b, const struct reg_log *l)
{
	struct cbor_enc e;

	cbor_enc_init(&e, b);
	cbor_put_array(&e, 4);
	cbor_put_uint(&e, META_VERSION);
	cbor_put_uint(&e, l->list_id);
	cbor_put_uint(&e, l->bits);
	cbor_put_uint(&e, l->capacity);
	return cbor_enc_finish(&e);
}

static int
enc_state(struct sp_buf *b, uint64_t size, const uint8_t head[REG_HEAD_LEN])
{
	struct cbor_enc e;

	cbor_enc_init(&e, b);
	cbor_put_array(&e, 3);
	cbor_put_uint(&e, META_VERSION);
	cbor_put_uint(&e, size);
	cbor_put_bstr(&e, head, REG_HEAD_LEN);
	return cbor_enc_finish(&e);
}

static int
enc_ckpt(struct sp_buf *b, const uint8_t *c, size_t len)
{
	struct cbor_enc e;

	cbor_enc_init(&e, b);
	cbor_put_array(&e, 2);
	cbor_put_uint(&e, META_VERSION);
	cbor_put_bstr(&e, c, len);
	return cbor_enc_finish(&e);
}

/* Checks v and reads the array head [version, ... (n items in all)]. */
static int
meta_begin(struct cbor_reader *r, const struct sp_buf *v, uint64_t n)
{
	uint64_t got, ver;

	if (v->len == 0 || cbor_check(v->ptr, v->len, &meta_limits,
	    CBOR_F_DETERMINISTIC, NULL) != SP_OK)
		return SP_ERR_STORAGE;
	cbor_reader_init(r, v->ptr, v->len);
	if (cbor_read_array(r, &got) != SP_OK || got != n ||
	    cbor_read_uint(r, &ver) != SP_OK)
		return SP_ERR_STORAGE;
	return ver == META_VERSION ? SP_OK : SP_ERR_VERSION;
}

static int
dec_config(const struct sp_buf *v, uint32_t *id, unsigned *bits,
    uint32_t *cap)
{
	struct cbor_reader r;
	uint64_t a, b, c;
	int ret;

	if ((ret = meta_begin(&r, v, 4)) != SP_OK)
		return ret;
	if (cbor_read_uint(&r, &a) != SP_OK || cbor_read_uint(&r, &b) !=
	    SP_OK || cbor_read_uint(&r, &c) != SP_OK ||
	    !cbor_reader_done(&r) || a > UINT32_MAX || b > 8 ||
	    c > UINT32_MAX)
		return SP_ERR_STORAGE;
	*id = (uint32_t)a;
	*bits = (unsigned)b;
	*cap = (uint32_t)c;
	return SP_OK;
}

static int
dec_state(const struct sp_buf *v, uint64_t *size,
    uint8_t head[REG_HEAD_LEN])
{
	struct cbor_reader r;
	const uint8_t *p;
	size_t n;
	int ret;

	if ((ret = meta_begin(&r, v, 3)) != SP_OK)
		return ret;
	if (cbor_read_uint(&r, size) != SP_OK ||
	    cbor_read_bstr(&r, &p, &n) != SP_OK || n != REG_HEAD_LEN ||
	    !cbor_reader_done(&r) || *size > INT64_MAX)
		return SP_ERR_STORAGE;
	memcpy(head, p, REG_HEAD_LEN);
	return SP_OK;
}

/* The checkpoint bytes inside the meta value (borrowed from v). */
static int
dec_ckpt(const struct sp_buf *v, const uint8_t **c, size_t *len)
{
	struct cbor_reader r;
	int ret;

	if ((ret = meta_begin(&r, v, 2)) != SP_OK)
		return ret;
	if (cbor_read_bstr(&r, c, len) != SP_OK || !cbor_reader_done(&r))
		return SP_ERR_STORAGE;
	return SP_OK;
}

/* ---- Rules ------------------------------------------------------------ */

static bool
transition_ok(unsigned from, unsigned to)
{
	switch (from) {
	case REG_VALID:
		return to == REG_REVOKED || to == REG_SUSPENDED;
	case REG_SUSPENDED:
		return to == REG_VALID || to == REG_REVOKED;
	default:
		return false;	/* REVOKED is final */
	}
}

/* Argument check for one change of l: SP_ERR_INVALID_ARG for an index
 * past the list or an unknown status, SP_ERR_REG_TRANSITION for a
 * suspension on a 1-bit list, which cannot represent it. */
static int
change_ok(const struct reg_log *l, uint32_t idx, unsigned status)
{
	if (idx >= l->capacity || status > REG_SUSPENDED)
		return SP_ERR_INVALID_ARG;
	if (status >= (1u << l->bits))
		return SP_ERR_REG_TRANSITION;
	return SP_OK;
}

/* ---- Open: create or check the config --------------------------------- */

static void
init_txn(struct reg_txn *t, void *ctx)
{
	const struct reg_log *l = ctx;
	struct sp_buf v;
	uint8_t head[REG_HEAD_LEN];
	uint32_t id, cap;
	unsigned bits;
	int r;

	sp_buf_init(&v);
	if (reg_txn_get(t, DB_META, KEY(KEY_CONFIG), &v)) {
		r = dec_config(&v, &id, &bits, &cap);
		if (r == SP_OK && (id != l->list_id || bits != l->bits ||
		    cap != l->capacity))
			r = SP_ERR_REG_LIST;
		if (r != SP_OK)
			reg_txn_fail(t, r);
	} else if (t->ret == SP_OK) {
		/* A new log; anything already there without a config is
		 * not ours to adopt. */
		if (reg_txn_count(t, DB_EVENTS) != 0 ||
		    reg_txn_count(t, DB_ASSIGNED) != 0 ||
		    reg_txn_get(t, DB_META, KEY(KEY_STATE), NULL) ||
		    reg_txn_get(t, DB_META, KEY(KEY_CKPT), NULL))
			reg_txn_fail(t, SP_ERR_STORAGE);
		if ((r = enc_config(&v, l)) != SP_OK)
			reg_txn_fail(t, r);
		reg_txn_put(t, DB_META, KEY(KEY_CONFIG), v.ptr, v.len);
		sp_buf_reset(&v);
		reg_head_genesis(head, l->list_id);
		if ((r = enc_state(&v, 0, head)) != SP_OK)
			reg_txn_fail(t, r);
		reg_txn_put(t, DB_META, KEY(KEY_STATE), v.ptr, v.len);
	}
	sp_buf_clear(&v);
}

/* ---- Open: replay ----------------------------------------------------- */

struct replay {
	struct reg_log *l;
	struct reg_txn *t;
	struct sp_buf enc;		/* re-encoding, for the canonical check */
	uint64_t n;			/* events replayed */
	bool has_ckpt;
	struct reg_checkpoint ck;	/* the stored checkpoint */
	bool ckpt_ok;			/* its head and digest were seen */
};

static void
replay_mark(struct replay *rp)
{
	uint8_t digest[REG_DIGEST_LEN];

	if (!rp->has_ckpt || rp->n != rp->ck.size)
		return;
	reg_list_digest(&rp->l->list, digest);
	rp->ckpt_ok = memcmp(rp->ck.head, rp->l->head, REG_HEAD_LEN) == 0 &&
	    memcmp(rp->ck.digest, digest, REG_DIGEST_LEN) == 0;
}

static int
replay_visit(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	struct replay *rp = ctx;
	struct reg_log *l = rp->l;
	struct reg_event e;
	struct cbor_reader r;
	uint8_t ik[4];
	unsigned cur;

	if (klen != 8 || reg_key_get_be64(key) != rp->n + 1)
		return SP_ERR_STORAGE;
	cbor_reader_init(&r, val, vlen);
	if (reg_event_decode(&e, &r) != SP_OK || !cbor_reader_done(&r) ||
	    e.seq != rp->n + 1 || change_ok(l, e.idx, e.status) != SP_OK)
		return SP_ERR_STORAGE;
	cur = reg_list_get(&l->list, e.idx);
	if (!transition_ok(cur, e.status))
		return SP_ERR_STORAGE;
	reg_key_be32(ik, e.idx);
	if (!reg_txn_get(rp->t, DB_ASSIGNED, ik, sizeof(ik), NULL))
		return SP_ERR_STORAGE;
	sp_buf_reset(&rp->enc);
	if (reg_event_encode(&rp->enc, &e) != SP_OK ||
	    rp->enc.len != vlen || memcmp(rp->enc.ptr, val, vlen) != 0)
		return SP_ERR_STORAGE;
	if (reg_list_set(&l->list, e.idx, e.status) != SP_OK)
		return SP_ERR_STORAGE;
	reg_head_next(l->head, l->head, val, vlen);
	rp->n++;
	replay_mark(rp);
	return 0;
}

/* Loads the stored checkpoint, if any, into l and rp. */
static int
load_ckpt(struct reg_log *l, struct replay *rp, const struct sp_buf *v)
{
	struct cose_sign1 m;
	const uint8_t *c;
	size_t len;
	int r;

	if ((r = dec_ckpt(v, &c, &len)) != SP_OK)
		return r;
	if (reg_checkpoint_decode(&rp->ck, &m, c, len) != SP_OK ||
	    rp->ck.list != l->list_id || rp->ck.bits != l->bits ||
	    rp->ck.count != l->capacity)
		return SP_ERR_STORAGE;
	if ((r = sp_buf_set(&l->ckpt, c, len)) != SP_OK)
		return r;
	rp->has_ckpt = true;
	l->ckpt_size = rp->ck.size;
	l->ckpt_time = rp->ck.time;
	return SP_OK;
}

static int
load(struct reg_log *l)
{
	struct reg_txn t;
	struct replay rp = { .l = l, .t = &t };
	struct sp_buf v;
	uint8_t stored_head[REG_HEAD_LEN] = { 0 };
	uint64_t stored_size = 0, assigned;
	int r;

	sp_buf_init(&v);
	sp_buf_init(&rp.enc);
	reg_txn_begin(&l->db, &t, false);
	if (!reg_txn_get(&t, DB_META, KEY(KEY_STATE), &v))
		reg_txn_fail(&t, SP_ERR_STORAGE);
	else if ((r = dec_state(&v, &stored_size, stored_head)) != SP_OK)
		reg_txn_fail(&t, r);
	if (reg_txn_get(&t, DB_META, KEY(KEY_CKPT), &v) &&
	    (r = load_ckpt(l, &rp, &v)) != SP_OK)
		reg_txn_fail(&t, r);
	assigned = reg_txn_count(&t, DB_ASSIGNED);
	if (assigned > l->capacity ||
	    (rp.has_ckpt && rp.ck.size > stored_size))
		reg_txn_fail(&t, SP_ERR_STORAGE);
	reg_head_genesis(l->head, l->list_id);
	replay_mark(&rp);
	reg_txn_foreach(&t, DB_EVENTS, NULL, 0, replay_visit, &rp);
	reg_txn_abort(&t);
	r = t.ret;
	if (r == SP_OK && (rp.n != stored_size ||
	    memcmp(l->head, stored_head, REG_HEAD_LEN) != 0 ||
	    (rp.has_ckpt && !rp.ckpt_ok)))
		r = SP_ERR_STORAGE;
	if (r == SP_OK) {
		l->size = stored_size;
		l->assigned = (uint32_t)assigned;
	}
	sp_buf_clear(&rp.enc);
	sp_buf_clear(&v);
	return r;
}

int
reg_log_open(struct reg_log **out, const char *dir,
    const struct reg_log_config *cfg)
{
	struct reg_log *l = NULL;
	int r;

	if (out == NULL || dir == NULL || cfg == NULL ||
	    (cfg->bits != 1 && cfg->bits != 2) || cfg->capacity == 0 ||
	    cfg->capacity > REG_LIST_MAX_ENTRIES)
		return SP_ERR_INVALID_ARG;
	r = SP_ERR_INTERNAL;
	if (sodium_init() < 0)
		goto fail;
	r = SP_ERR_NOMEM;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		goto fail;
	l->db.lock_fd = -1;
	sp_buf_init(&l->ckpt);
	l->list_id = cfg->list_id;
	l->bits = cfg->bits;
	l->capacity = cfg->capacity;
	if ((r = reg_list_init(&l->list, l->list_id, l->bits,
	    l->capacity)) != SP_OK)
		goto fail;
	if ((r = reg_db_open(&l->db, dir, cfg->map_size, db_names, DB_COUNT,
	    REG_DB_WRITER)) != SP_OK ||
	    (r = reg_db_write(&l->db, init_txn, l)) != SP_OK ||
	    (r = load(l)) != SP_OK)
		goto fail;
	*out = l;
	l = NULL;
fail:
	reg_log_close(&l);
	return r;
}

void
reg_log_close(struct reg_log **lp)
{
	struct reg_log *l;

	if (lp == NULL || (l = *lp) == NULL)
		return;
	reg_db_close(&l->db);
	reg_list_clear(&l->list);
	sp_buf_clear(&l->ckpt);
	free(l);
	*lp = NULL;
}

/* ---- Assign ----------------------------------------------------------- */

struct scan {
	uint32_t next;		/* first index not known to be taken */
	uint32_t end;
};

/* Walks the taken indices from next on; stops at the first gap. */
static int
scan_visit(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	struct scan *s = ctx;

	(void)val;
	(void)vlen;
	if (klen != 4)
		return SP_ERR_STORAGE;
	if (reg_key_get_be32(key) != s->next)
		return 1;	/* next is free (or past end) */
	s->next++;
	return s->next >= s->end ? 1 : 0;
}

/* The first free index in [from, end), or end. */
static uint32_t
scan_free(struct reg_txn *t, uint32_t from, uint32_t end)
{
	struct scan s = { .next = from, .end = end };
	uint8_t k[4];

	if (from >= end)
		return end;
	reg_key_be32(k, from);
	reg_txn_foreach(t, DB_ASSIGNED, k, sizeof(k), scan_visit, &s);
	return s.next < end ? s.next : end;
}

struct assign_ctx {
	uint32_t capacity;
	uint32_t *idx;		/* out: n of them */
	size_t n;
};

/* Takes one free index; the transaction sees its own earlier puts. */
static void
assign_one(struct reg_txn *t, uint32_t capacity, uint32_t *out)
{
	static const uint8_t empty;
	uint8_t k[4];
	uint32_t cand = 0;
	bool found = false;
	int i;

	/* Random probes keep indices unlinkable to issuance order. */
	for (i = 0; i < ASSIGN_TRIES && !found && t->ret == SP_OK; i++) {
		cand = randombytes_uniform(capacity);
		reg_key_be32(k, cand);
		found = !reg_txn_get(t, DB_ASSIGNED, k, sizeof(k), NULL);
	}
	if (!found && t->ret == SP_OK) {
		/* A crowded list: the first gap after a random start. */
		uint32_t start = randombytes_uniform(capacity);

		cand = scan_free(t, start, capacity);
		found = cand < capacity;
		if (!found) {
			cand = scan_free(t, 0, start);
			found = cand < start;
		}
	}
	if (t->ret != SP_OK)
		return;
	if (!found) {
		reg_txn_fail(t, SP_ERR_REG_FULL);
		return;
	}
	reg_key_be32(k, cand);
	reg_txn_put(t, DB_ASSIGNED, k, sizeof(k), &empty, 0);
	*out = cand;
}

static void
assign_txn(struct reg_txn *t, void *ctx)
{
	const struct assign_ctx *a = ctx;
	size_t i;

	for (i = 0; i < a->n && t->ret == SP_OK; i++)
		assign_one(t, a->capacity, &a->idx[i]);
}

int
reg_log_assign_batch(struct reg_log *l, uint32_t *idx, size_t n)
{
	struct assign_ctx a;
	uint32_t *tmp = NULL;
	int r = SP_ERR_INVALID_ARG;

	if (l == NULL || idx == NULL || n == 0)
		goto fail;
	r = SP_ERR_REG_FULL;
	if (n > l->capacity - l->assigned)
		goto fail;
	/* idx is written only on success. */
	r = SP_ERR_NOMEM;
	if ((tmp = calloc(n, sizeof(*tmp))) == NULL)
		goto fail;
	a = (struct assign_ctx){ .capacity = l->capacity, .idx = tmp,
	    .n = n };
	if ((r = reg_db_write(&l->db, assign_txn, &a)) != SP_OK)
		goto fail;
	l->assigned += (uint32_t)n;
	memcpy(idx, tmp, n * sizeof(*tmp));
fail:
	free(tmp);
	return r;
}

int
reg_log_assign(struct reg_log *l, uint32_t *idx)
{
	return reg_log_assign_batch(l, idx, 1);
}

/* ---- Append ----------------------------------------------------------- */

struct append_ctx {
	const uint32_t *idx;
	size_t n;
	uint64_t first_seq;
	const struct sp_buf *events;	/* concatenated encodings */
	const size_t *off;		/* n + 1 offsets into events */
	const struct sp_buf *state;	/* the new "state" value */
};

static void
append_txn(struct reg_txn *t, void *ctx)
{
	const struct append_ctx *a = ctx;
	uint8_t k[8];
	size_t i;

	for (i = 0; i < a->n && t->ret == SP_OK; i++) {
		reg_key_be32(k, a->idx[i]);
		if (!reg_txn_get(t, DB_ASSIGNED, k, 4, NULL))
			reg_txn_fail(t, SP_ERR_NOT_FOUND);
	}
	for (i = 0; i < a->n; i++) {
		reg_key_be64(k, a->first_seq + i);
		reg_txn_append(t, DB_EVENTS, k, sizeof(k),
		    a->events->ptr + a->off[i], a->off[i + 1] - a->off[i]);
	}
	reg_txn_put(t, DB_META, KEY(KEY_STATE), a->state->ptr,
	    a->state->len);
}

/*
 * Checks the n changes in order against the list as the earlier ones of
 * the batch leave it (one index may change twice), encodes the events into
 * ev/off and chains them from l->head into head. The list is changed only
 * tentatively: it is back as it was when this returns.
 */
static int
prepare(struct reg_log *l, const uint32_t *idx, const unsigned *status,
    const uint16_t *reason, size_t n, int64_t time, struct sp_buf *ev,
    size_t *off, uint8_t *old, uint8_t head[REG_HEAD_LEN])
{
	struct reg_event e;
	size_t i, done = 0;
	int r = SP_OK;

	memcpy(head, l->head, REG_HEAD_LEN);
	off[0] = 0;
	for (i = 0; i < n && r == SP_OK; i++) {
		if ((r = change_ok(l, idx[i], status[i])) != SP_OK)
			break;
		unsigned cur = reg_list_get(&l->list, idx[i]);

		if (!transition_ok(cur, status[i])) {
			r = SP_ERR_REG_TRANSITION;
			break;
		}
		if ((r = reg_list_set(&l->list, idx[i], status[i])) != SP_OK)
			break;
		old[i] = (uint8_t)cur;
		done = i + 1;
		e = (struct reg_event){
			.seq = l->size + 1 + i, .idx = idx[i],
			.status = (uint8_t)status[i],
			.reason = reason != NULL ? reason[i] : 0, .time = time,
		};
		if ((r = reg_event_encode(ev, &e)) != SP_OK)
			break;
		off[i + 1] = ev->len;
		reg_head_next(head, head, ev->ptr + off[i], off[i + 1] - off[i]);
	}
	/* Undo newest first, so an index changed twice ends as it began. */
	while (done > 0) {
		done--;
		(void)reg_list_set(&l->list, idx[done], old[done]);
	}
	return r;
}

int
reg_log_append_batch(struct reg_log *l, const uint32_t *idx,
    const unsigned *status, const uint16_t *reason, size_t n, int64_t time,
    uint64_t *last_seq)
{
	struct sp_buf ev, state;
	struct append_ctx a;
	uint8_t head[REG_HEAD_LEN], *old = NULL;
	size_t *off = NULL, i;
	int r = SP_ERR_INVALID_ARG;

	sp_buf_init(&ev);
	sp_buf_init(&state);
	if (l == NULL || idx == NULL || status == NULL || n == 0 ||
	    time < 0 || time > LOG_TIME_MAX)
		goto fail;
	r = SP_ERR_TOO_LARGE;
	if (n > MAX_BATCH || l->size > (uint64_t)INT64_MAX - n)
		goto fail;
	r = SP_ERR_NOMEM;
	if ((off = calloc(n + 1, sizeof(*off))) == NULL ||
	    (old = calloc(n, 1)) == NULL)
		goto fail;
	if ((r = prepare(l, idx, status, reason, n, time, &ev, off, old,
	    head)) != SP_OK ||
	    (r = enc_state(&state, l->size + n, head)) != SP_OK)
		goto fail;
	a = (struct append_ctx){
		.idx = idx, .n = n, .first_seq = l->size + 1, .events = &ev,
		.off = off, .state = &state,
	};
	if ((r = reg_db_write(&l->db, append_txn, &a)) != SP_OK)
		goto fail;
	/* Durable: now memory follows (prepare validated every change). */
	for (i = 0; i < n; i++)
		(void)reg_list_set(&l->list, idx[i], status[i]);
	l->size += n;
	memcpy(l->head, head, REG_HEAD_LEN);
	if (last_seq != NULL)
		*last_seq = l->size;
fail:
	free(off);
	free(old);
	sp_buf_clear(&ev);
	sp_buf_clear(&state);
	return r;
}

int
reg_log_append(struct reg_log *l, uint32_t idx, unsigned status,
    uint16_t reason, int64_t time, uint64_t *seq)
{
	return reg_log_append_batch(l, &idx, &status, &reason, 1, time, seq);
}

/* ---- Getters ---------------------------------------------------------- */

uint64_t
reg_log_size(const struct reg_log *l)
{
	return l->size;
}

void
reg_log_head(const struct reg_log *l, uint8_t head[REG_HEAD_LEN])
{
	memcpy(head, l->head, REG_HEAD_LEN);
}

const struct reg_list *
reg_log_list(const struct reg_log *l)
{
	return &l->list;
}

uint32_t
reg_log_assigned(const struct reg_log *l)
{
	return l->assigned;
}

int
reg_log_checkpoint_latest(const struct reg_log *l, const uint8_t **p,
    size_t *len)
{
	if (l == NULL || p == NULL || len == NULL)
		return SP_ERR_INVALID_ARG;
	if (l->ckpt.len == 0)
		return SP_ERR_NOT_FOUND;
	*p = l->ckpt.ptr;
	*len = l->ckpt.len;
	return SP_OK;
}

/* ---- Checkpoints ------------------------------------------------------ */

struct put_ctx {
	const char *key;
	size_t klen;
	const struct sp_buf *val;
};

static void
put_txn(struct reg_txn *t, void *ctx)
{
	const struct put_ctx *p = ctx;

	reg_txn_put(t, DB_META, p->key, p->klen, p->val->ptr, p->val->len);
}

int
reg_log_checkpoint(struct reg_log *l, const struct sig_priv *k,
    const uint8_t *kid, size_t kid_len, int64_t now, struct sp_buf *out)
{
	struct reg_checkpoint c;
	struct sp_buf sig, val, tmp;
	struct put_ctx p = { .key = KEY_CKPT, .klen = sizeof(KEY_CKPT) - 1,
	    .val = &val };
	int r = SP_ERR_INVALID_ARG;

	sp_buf_init(&sig);
	sp_buf_init(&val);
	/* A checkpoint must not predate the latest: mirrors would see a
	 * rollback. */
	if (l == NULL || k == NULL || now < 0 || now > LOG_TIME_MAX ||
	    (l->ckpt.len != 0 && now < l->ckpt_time))
		goto fail;
	memset(&c, 0, sizeof(c));
	c.list = l->list_id;
	c.size = l->size;
	memcpy(c.head, l->head, REG_HEAD_LEN);
	c.time = now;
	reg_list_digest(&l->list, c.digest);
	c.bits = (uint8_t)l->bits;
	c.count = l->capacity;
	if ((r = reg_checkpoint_sign(&sig, &c, k, kid, kid_len)) != SP_OK ||
	    (r = enc_ckpt(&val, sig.ptr, sig.len)) != SP_OK)
		goto fail;
	/* Room in out first, so that nothing fails after the commit. */
	if (out != NULL && (r = sp_buf_reserve(out, sig.len)) != SP_OK)
		goto fail;
	if ((r = reg_db_write(&l->db, put_txn, &p)) != SP_OK)
		goto fail;
	tmp = l->ckpt;
	l->ckpt = sig;
	sig = tmp;
	l->ckpt_size = c.size;
	l->ckpt_time = now;
	if (out != NULL)
		r = sp_buf_append(out, l->ckpt.ptr, l->ckpt.len);
fail:
	sp_buf_clear(&sig);
	sp_buf_clear(&val);
	return r;
}

int64_t
reg_log_checkpoint_time(const struct reg_log *l)
{
	return l->ckpt.len != 0 ? l->ckpt_time : 0;
}

int
reg_log_checkpoint_due(const struct reg_log *l, int64_t now,
    int64_t interval)
{
	if (l->ckpt.len == 0 || l->ckpt_size != l->size || interval <= 0)
		return 1;
	/* A clock that went back makes no checkpoint due by age. */
	if (now < l->ckpt_time)
		return 0;
	return (uint64_t)now - (uint64_t)l->ckpt_time >= (uint64_t)interval;
}

/* ---- Snapshot and delta ----------------------------------------------- */

int
reg_log_snapshot(struct reg_log *l, const struct sig_priv *k,
    const uint8_t *kid, size_t kid_len, const char *sub, int64_t now,
    uint64_t ttl, struct sp_buf *out)
{
	struct sp_buf tok;
	int r = SP_ERR_INVALID_ARG;

	sp_buf_init(&tok);
	if (l == NULL || k == NULL || out == NULL || l->ckpt.len == 0 ||
	    l->ckpt_size != l->size)
		goto fail;
	sp_buf_reset(out);
	/* No exp: freshness is the checkpoint's time (tills apply their
	 * policy to it); ttl tells conforming readers when to refetch. */
	if ((r = reg_token_sign(&tok, &l->list, k, kid, kid_len, sub, now, 0,
	    ttl)) != SP_OK ||
	    (r = reg_snapshot_encode(out, l->list_id, tok.ptr, tok.len,
	    l->ckpt.ptr, l->ckpt.len)) != SP_OK)
		sp_buf_reset(out);
fail:
	sp_buf_clear(&tok);
	return r;
}

struct delta_ctx {
	uint64_t next;		/* seq expected next */
	uint64_t last;		/* last seq wanted */
	struct sp_buf *events;
};

static int
delta_visit(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	struct delta_ctx *d = ctx;
	int r;

	if (klen != 8 || reg_key_get_be64(key) != d->next)
		return SP_ERR_STORAGE;
	if ((r = sp_buf_append(d->events, val, vlen)) != SP_OK)
		return r;
	d->next++;
	return d->next > d->last ? 1 : 0;
}

int
reg_log_delta(struct reg_log *l, uint64_t from, struct sp_buf *out)
{
	struct reg_txn t;
	struct sp_buf ev;
	struct delta_ctx d = { .events = &ev };
	uint8_t k[8];
	uint64_t n;
	int r = SP_ERR_INVALID_ARG;

	sp_buf_init(&ev);
	if (l == NULL || out == NULL || l->ckpt.len == 0 ||
	    l->ckpt_size != l->size || from > l->size)
		goto fail;
	n = l->size - from;
	r = SP_ERR_TOO_LARGE;
	if (n > REG_MAX_DELTA_EVENTS)
		goto fail;
	if (n > 0) {
		d.next = from + 1;
		d.last = l->size;
		reg_key_be64(k, d.next);
		reg_txn_begin(&l->db, &t, false);
		reg_txn_foreach(&t, DB_EVENTS, k, sizeof(k), delta_visit, &d);
		reg_txn_abort(&t);
		if ((r = t.ret) != SP_OK)
			goto fail;
		r = SP_ERR_STORAGE;
		if (d.next != d.last + 1)
			goto fail;
	}
	sp_buf_reset(out);
	if ((r = reg_delta_encode(out, l->list_id, from, ev.ptr, ev.len,
	    (size_t)n, l->ckpt.ptr, l->ckpt.len)) != SP_OK)
		sp_buf_reset(out);
fail:
	sp_buf_clear(&ev);
	return r;
}

/* ---- Reading events --------------------------------------------------- */

struct events_ctx {
	uint64_t next;		/* seq expected next */
	uint64_t last;		/* last seq wanted */
	reg_log_event_fn fn;
	void *ctx;
};

static int
events_visit(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	struct events_ctx *d = ctx;
	struct reg_event e;
	struct cbor_reader r;
	int rc;

	if (klen != 8 || reg_key_get_be64(key) != d->next)
		return SP_ERR_STORAGE;
	cbor_reader_init(&r, val, vlen);
	if (reg_event_decode(&e, &r) != SP_OK || !cbor_reader_done(&r) ||
	    e.seq != d->next)
		return SP_ERR_STORAGE;
	if ((rc = d->fn(d->ctx, &e)) != 0)
		return rc;
	d->next++;
	return d->next > d->last ? 1 : 0;
}

int
reg_log_events(struct reg_log *l, uint64_t from, reg_log_event_fn fn,
    void *ctx)
{
	struct events_ctx d = { .fn = fn, .ctx = ctx };
	struct reg_txn t;
	uint8_t k[8];

	if (l == NULL || fn == NULL || from > l->size)
		return SP_ERR_INVALID_ARG;
	if (from == l->size)
		return SP_OK;
	d.next = from + 1;
	d.last = l->size;
	reg_key_be64(k, d.next);
	reg_txn_begin(&l->db, &t, false);
	reg_txn_foreach(&t, DB_EVENTS, k, sizeof(k), events_visit, &d);
	reg_txn_abort(&t);
	if (t.ret != SP_OK)
		return t.ret;
	/* Stopped early by fn, or every event seen. */
	return SP_OK;
}
