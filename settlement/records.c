/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Settlement's records and indexes (store.h) as versioned CBOR values in
 * the settlement environment. Every value is checked (deterministic CBOR,
 * limits) before it is read: a corrupt value is SP_ERR_STORAGE.
 */
#include "records.h"

#include <string.h>

#include "cbor.h"
#include "settle.h"
#include "stadspas/sp_err.h"

#define STORE_VERSION 1
#define REC_FIELDS 13
#define TILL_FIELDS 4
#define GROUP_FIELDS 3
#define GROUP_KEY_MAX (8 + SP_TAG_LEN + SP_SCOPE_MAX)

static const struct cbor_limits store_limits = {
	.max_len = STL_PRES_MAX + 4096,
	.max_depth = 3,
	.max_items = 64,
	.max_count = STL_EVIDENCE_MAX + REC_FIELDS,
	.max_str = STL_PRES_MAX,
};

static const char *const db_names[STL_DB_COUNT] = {
	[STL_DB_TILLS] = "tills",
	[STL_DB_RECS] = "records",
	[STL_DB_REPLAY] = "replay",
	[STL_DB_COUNTERS] = "counters",
	[STL_DB_GROUPS] = "groups",
};

int
stl_store_open(struct reg_db *db, const char *dir)
{
	return reg_db_open(db, dir, 0, db_names, STL_DB_COUNT, REG_DB_WRITER);
}

void
stl_ref_encode(uint8_t out[STL_REF_LEN], const struct stl_ref *ref)
{
	memcpy(out, ref->fp, STL_FP_LEN);
	reg_key_be64(out + STL_FP_LEN, ref->seq);
}

void
stl_ref_decode(struct stl_ref *ref, const uint8_t in[STL_REF_LEN])
{
	memcpy(ref->fp, in, STL_FP_LEN);
	ref->seq = reg_key_get_be64(in + STL_FP_LEN);
}

/* Puts an encoded value, or records the encoder's error. */
static void
put_value(struct reg_txn *t, unsigned db, const void *key, size_t klen,
    struct cbor_enc *e, struct sp_buf *b)
{
	int r;

	if ((r = cbor_enc_finish(e)) != SP_OK)
		reg_txn_fail(t, r);
	else
		reg_txn_put(t, db, key, klen, b->ptr, b->len);
	sp_buf_clear(b);
}

/* Opens a stored value: [version, ...] with n fields. */
static int
value_open(struct cbor_reader *rd, const uint8_t *val, size_t vlen,
    uint64_t n)
{
	uint64_t count, version;

	if (cbor_check(val, vlen, &store_limits, CBOR_F_DETERMINISTIC,
	    NULL) != SP_OK)
		return SP_ERR_STORAGE;
	cbor_reader_init(rd, val, vlen);
	if (cbor_read_array(rd, &count) != SP_OK || count != n ||
	    cbor_read_uint(rd, &version) != SP_OK || version != STORE_VERSION)
		return SP_ERR_STORAGE;
	return SP_OK;
}

static int
read_text(struct cbor_reader *rd, char *out, size_t cap)
{
	const char *s;
	size_t n;

	if (cbor_read_tstr(rd, &s, &n) != SP_OK || n >= cap ||
	    memchr(s, '\0', n) != NULL)
		return SP_ERR_STORAGE;
	memcpy(out, s, n);
	out[n] = '\0';
	return SP_OK;
}

static int
read_fixed(struct cbor_reader *rd, uint8_t *out, size_t want)
{
	const uint8_t *p;
	size_t n;

	if (cbor_read_bstr(rd, &p, &n) != SP_OK || n != want)
		return SP_ERR_STORAGE;
	memcpy(out, p, n);
	return SP_OK;
}

/* An optional fixed-size byte string (null when absent). */
static int
read_opt(struct cbor_reader *rd, uint8_t *out, size_t want, bool *has)
{
	*has = !cbor_read_null(rd);
	return *has ? read_fixed(rd, out, want) : SP_OK;
}

static int
read_refs(struct cbor_reader *rd, struct stl_ref *refs, size_t *n)
{
	uint8_t raw[STL_REF_LEN];
	uint64_t count, i;

	if (cbor_read_array(rd, &count) != SP_OK || count > STL_EVIDENCE_MAX)
		return SP_ERR_STORAGE;
	for (i = 0; i < count; i++) {
		if (read_fixed(rd, raw, sizeof(raw)) != SP_OK)
			return SP_ERR_STORAGE;
		stl_ref_decode(&refs[i], raw);
	}
	*n = (size_t)count;
	return SP_OK;
}

static void
put_refs(struct cbor_enc *e, const struct stl_ref *refs, size_t n)
{
	uint8_t raw[STL_REF_LEN];
	size_t i;

	cbor_put_array(e, n);
	for (i = 0; i < n; i++) {
		stl_ref_encode(raw, &refs[i]);
		cbor_put_bstr(e, raw, sizeof(raw));
	}
}

/* ---- Tills ------------------------------------------------------------ */

bool
stl_till_get(struct reg_txn *t, const uint8_t fp[STL_FP_LEN],
    struct stl_till *out)
{
	struct cbor_reader rd;
	struct sp_buf v;
	bool found;

	sp_buf_init(&v);
	memset(out, 0, sizeof(*out));
	if ((found = reg_txn_get(t, STL_DB_TILLS, fp, STL_FP_LEN, &v)) &&
	    (value_open(&rd, v.ptr, v.len, TILL_FIELDS) != SP_OK ||
	    read_text(&rd, out->provider, sizeof(out->provider)) != SP_OK ||
	    cbor_read_uint(&rd, &out->last) != SP_OK ||
	    read_fixed(&rd, out->head, sizeof(out->head)) != SP_OK)) {
		reg_txn_fail(t, SP_ERR_STORAGE);
		found = false;
	}
	sp_buf_clear(&v);
	return found;
}

void
stl_till_put(struct reg_txn *t, const uint8_t fp[STL_FP_LEN],
    const struct stl_till *tl)
{
	struct cbor_enc e;
	struct sp_buf b;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, TILL_FIELDS);
	cbor_put_uint(&e, STORE_VERSION);
	cbor_put_tstrz(&e, tl->provider);
	cbor_put_uint(&e, tl->last);
	cbor_put_bstr(&e, tl->head, sizeof(tl->head));
	put_value(t, STL_DB_TILLS, fp, STL_FP_LEN, &e, &b);
}

/* ---- Records ---------------------------------------------------------- */

void
stl_rec_put(struct reg_txn *t, const struct stl_rec *r)
{
	uint8_t key[STL_REF_LEN];
	struct cbor_enc e;
	struct sp_buf b;

	stl_ref_encode(key, &r->id);
	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, REC_FIELDS);
	cbor_put_uint(&e, STORE_VERSION);
	cbor_put_tstrz(&e, r->provider);
	cbor_put_int(&e, r->time);
	cbor_put_uint(&e, r->offer);
	cbor_put_uint(&e, r->amount);
	cbor_put_tstrz(&e, r->scope);
	if (r->has_tag)
		cbor_put_bstr(&e, r->tag, sizeof(r->tag));
	else
		cbor_put_null(&e);
	cbor_put_uint(&e, r->counter);
	if (r->has_replay)
		cbor_put_bstr(&e, r->replay_id, sizeof(r->replay_id));
	else
		cbor_put_null(&e);
	cbor_put_uint(&e, (uint64_t)r->reason);
	cbor_put_bstr(&e, r->head, sizeof(r->head));
	put_refs(&e, r->ev, r->n_ev);
	if (r->pres != NULL && r->pres_len <= STL_PRES_MAX)
		cbor_put_bstr(&e, r->pres, r->pres_len);
	else
		cbor_put_null(&e);
	put_value(t, STL_DB_RECS, key, sizeof(key), &e, &b);
}

int
stl_rec_decode(struct stl_rec *r, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen)
{
	struct cbor_reader rd;
	uint64_t reason;

	memset(r, 0, sizeof(*r));
	if (klen != STL_REF_LEN ||
	    value_open(&rd, val, vlen, REC_FIELDS) != SP_OK)
		return SP_ERR_STORAGE;
	stl_ref_decode(&r->id, key);
	if (read_text(&rd, r->provider, sizeof(r->provider)) != SP_OK ||
	    cbor_read_int(&rd, &r->time) != SP_OK ||
	    cbor_read_uint(&rd, &r->offer) != SP_OK ||
	    cbor_read_uint(&rd, &r->amount) != SP_OK ||
	    read_text(&rd, r->scope, sizeof(r->scope)) != SP_OK ||
	    read_opt(&rd, r->tag, sizeof(r->tag), &r->has_tag) != SP_OK ||
	    cbor_read_uint(&rd, &r->counter) != SP_OK ||
	    read_opt(&rd, r->replay_id, sizeof(r->replay_id),
	    &r->has_replay) != SP_OK ||
	    cbor_read_uint(&rd, &reason) != SP_OK ||
	    reason >= STL_REASON_COUNT ||
	    read_fixed(&rd, r->head, sizeof(r->head)) != SP_OK ||
	    read_refs(&rd, r->ev, &r->n_ev) != SP_OK)
		return SP_ERR_STORAGE;
	r->reason = (int)reason;
	if (!cbor_read_null(&rd) &&
	    cbor_read_bstr(&rd, &r->pres, &r->pres_len) != SP_OK)
		return SP_ERR_STORAGE;
	return cbor_reader_done(&rd) ? SP_OK : SP_ERR_STORAGE;
}

bool
stl_rec_get(struct reg_txn *t, const struct stl_ref *id, struct stl_rec *r,
    struct sp_buf *raw)
{
	uint8_t key[STL_REF_LEN];

	stl_ref_encode(key, id);
	if (!reg_txn_get(t, STL_DB_RECS, key, sizeof(key), raw))
		return false;
	if (stl_rec_decode(r, key, sizeof(key), raw->ptr, raw->len) !=
	    SP_OK) {
		reg_txn_fail(t, SP_ERR_STORAGE);
		return false;
	}
	return true;
}

/* ---- Replay and counter indexes ----------------------------------------- */

static bool
ref_get(struct reg_txn *t, unsigned db, const void *key, size_t klen,
    struct stl_ref *out)
{
	struct sp_buf v;
	bool found;

	sp_buf_init(&v);
	if ((found = reg_txn_get(t, db, key, klen, &v))) {
		if (v.len == STL_REF_LEN) {
			stl_ref_decode(out, v.ptr);
		} else {
			reg_txn_fail(t, SP_ERR_STORAGE);
			found = false;
		}
	}
	sp_buf_clear(&v);
	return found;
}

static void
ref_put(struct reg_txn *t, unsigned db, const void *key, size_t klen,
    const struct stl_ref *ref)
{
	uint8_t raw[STL_REF_LEN];

	stl_ref_encode(raw, ref);
	reg_txn_put(t, db, key, klen, raw, sizeof(raw));
}

bool
stl_replay_get(struct reg_txn *t, const uint8_t id[32], struct stl_ref *out)
{
	return ref_get(t, STL_DB_REPLAY, id, 32, out);
}

void
stl_replay_put(struct reg_txn *t, const uint8_t id[32],
    const struct stl_ref *ref)
{
	ref_put(t, STL_DB_REPLAY, id, 32, ref);
}

#define COUNTER_KEY_LEN (8 + SP_TAG_LEN + STL_COPY_LEN + 8)

static void
counter_key(uint8_t k[COUNTER_KEY_LEN], const struct stl_rec *r)
{
	reg_key_be64(k, r->offer);
	memcpy(k + 8, r->tag, SP_TAG_LEN);
	memcpy(k + 8 + SP_TAG_LEN, r->copy, STL_COPY_LEN);
	reg_key_be64(k + 8 + SP_TAG_LEN + STL_COPY_LEN, r->counter);
}

bool
stl_counter_get(struct reg_txn *t, const struct stl_rec *r,
    struct stl_ref *out)
{
	uint8_t k[COUNTER_KEY_LEN];

	counter_key(k, r);
	return ref_get(t, STL_DB_COUNTERS, k, sizeof(k), out);
}

void
stl_counter_put(struct reg_txn *t, const struct stl_rec *r)
{
	uint8_t k[COUNTER_KEY_LEN];

	counter_key(k, r);
	ref_put(t, STL_DB_COUNTERS, k, sizeof(k), &r->id);
}

/* ---- Limit groups ----------------------------------------------------- */

static size_t
group_key(uint8_t k[GROUP_KEY_MAX], uint64_t offer, const char *scope,
    const uint8_t tag[SP_TAG_LEN])
{
	size_t n = strnlen(scope, SP_SCOPE_MAX - 1);

	reg_key_be64(k, offer);
	memcpy(k + 8, tag, SP_TAG_LEN);
	memcpy(k + 8 + SP_TAG_LEN, scope, n);
	return 8 + SP_TAG_LEN + n;
}

void
stl_group_get(struct reg_txn *t, uint64_t offer, const char *scope,
    const uint8_t tag[SP_TAG_LEN], struct stl_group *out)
{
	uint8_t k[GROUP_KEY_MAX];
	struct cbor_reader rd;
	struct sp_buf v;
	uint64_t count = 0;
	size_t klen = group_key(k, offer, scope, tag);

	memset(out, 0, sizeof(*out));
	sp_buf_init(&v);
	if (reg_txn_get(t, STL_DB_GROUPS, k, klen, &v) &&
	    (value_open(&rd, v.ptr, v.len, GROUP_FIELDS) != SP_OK ||
	    cbor_read_uint(&rd, &count) != SP_OK || count > UINT32_MAX ||
	    read_refs(&rd, out->refs, &out->n) != SP_OK)) {
		reg_txn_fail(t, SP_ERR_STORAGE);
		memset(out, 0, sizeof(*out));
	} else if (v.len > 0) {
		out->count = (uint32_t)count;
	}
	sp_buf_clear(&v);
}

void
stl_group_put(struct reg_txn *t, uint64_t offer, const char *scope,
    const uint8_t tag[SP_TAG_LEN], const struct stl_group *g)
{
	uint8_t k[GROUP_KEY_MAX];
	struct cbor_enc e;
	struct sp_buf b;
	size_t klen = group_key(k, offer, scope, tag);

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, GROUP_FIELDS);
	cbor_put_uint(&e, STORE_VERSION);
	cbor_put_uint(&e, g->count);
	put_refs(&e, g->refs, g->n);
	put_value(t, STL_DB_GROUPS, k, klen, &e, &b);
}
