/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The issuer's LMDB tables and their versioned CBOR records (store.h).
 * Encoders write deterministic CBOR arrays [1, ...]; decoders check the
 * whole value (cbor_check, deterministic) before reading it and refuse a
 * wrong version, count, type or size as SP_ERR_STORAGE.
 */
#include "store.h"

#include <string.h>

#include "cbor.h"
#include "stadspas/sp_err.h"

static const char *const db_names[ISS_DB_COUNT] = {
	[ISS_DB_META] = "meta",
	[ISS_DB_RESIDENTS] = "residents",
	[ISS_DB_PASSNO] = "passno",
	[ISS_DB_CODES] = "codes",
	[ISS_DB_COPIES] = "copies",
	[ISS_DB_CATALOGUE] = "catalogue",
	[ISS_DB_TOKENS] = "tokens",
	[ISS_DB_AUDIT] = "audit",
	[ISS_DB_HOLDERS] = "holders",
	[ISS_DB_RENEWED] = "renewed",
};

/* Big enough for the catalogue record (a signed catalogue of up to
 * 1 MiB) and a full copies list. */
static const struct cbor_limits rec_limits = {
	.max_len = 2u << 20,
	.max_depth = 4,
	.max_items = 1u << 16,
	.max_count = 8192,
	.max_str = 1u << 20,
};

int
iss_store_open(struct reg_db *db, const char *dir)
{
	return reg_db_open(db, dir, 0, db_names, ISS_DB_COUNT, REG_DB_WRITER);
}

void
iss_store_close(struct reg_db *db)
{
	reg_db_close(db);
}

/* ---- Record reading helpers -------------------------------------------- */

/* Checks a value and positions r after "[1," of an array of *n items
 * (out); false if it is no such array. */
static bool
rec_open_count(struct cbor_reader *r, const uint8_t *p, size_t len,
    uint64_t *n)
{
	uint64_t ver = 0;

	*n = 0;
	if (p == NULL || cbor_check(p, len, &rec_limits, CBOR_F_DETERMINISTIC,
	    NULL) != SP_OK)
		return false;
	cbor_reader_init(r, p, len);
	return cbor_read_array(r, n) == SP_OK &&
	    cbor_read_uint(r, &ver) == SP_OK && ver == ISS_REC_VERSION;
}

/* Checks a value and positions r after "[1," of an array of n items. */
static bool
rec_open(struct cbor_reader *r, const uint8_t *p, size_t len, uint64_t n)
{
	uint64_t count;

	return rec_open_count(r, p, len, &count) && count == n;
}

static int
rec_close(const struct cbor_reader *r)
{
	return r->err == SP_OK && cbor_reader_done(r) ? SP_OK :
	    SP_ERR_STORAGE;
}

/* Copies a text string into dst[cap] (cap includes the NUL). */
static void
rd_text(struct cbor_reader *r, char *dst, size_t cap)
{
	const char *s;
	size_t n;

	dst[0] = 0;
	if (cbor_read_tstr(r, &s, &n) != SP_OK)
		return;
	if (n >= cap || memchr(s, 0, n) != NULL) {
		r->err = SP_ERR_CBOR_VALUE;
		return;
	}
	memcpy(dst, s, n);
	dst[n] = 0;
}

static uint64_t
rd_u64(struct cbor_reader *r)
{
	uint64_t v = 0;

	(void)cbor_read_uint(r, &v);
	return v;
}

static uint32_t
rd_u32(struct cbor_reader *r)
{
	uint64_t v = rd_u64(r);

	if (v > UINT32_MAX) {
		r->err = SP_ERR_CBOR_VALUE;
		return 0;
	}
	return (uint32_t)v;
}

static int64_t
rd_i64(struct cbor_reader *r)
{
	int64_t v = 0;

	(void)cbor_read_int(r, &v);
	return v;
}

static bool
rd_bool(struct cbor_reader *r)
{
	bool v = false;

	(void)cbor_read_bool(r, &v);
	return v;
}

/* An array head with at most max elements. */
static size_t
rd_count(struct cbor_reader *r, size_t max)
{
	uint64_t n = 0;

	if (cbor_read_array(r, &n) != SP_OK)
		return 0;
	if (n > max) {
		r->err = SP_ERR_CBOR_VALUE;
		return 0;
	}
	return (size_t)n;
}

static void
rd_bytes(struct cbor_reader *r, uint8_t *dst, size_t cap, size_t *len)
{
	const uint8_t *p;
	size_t n;

	*len = 0;
	if (cbor_read_bstr(r, &p, &n) != SP_OK)
		return;
	if (n > cap) {
		r->err = SP_ERR_CBOR_VALUE;
		return;
	}
	memcpy(dst, p, n);
	*len = n;
}

/* Encodes with enc_fn into a scratch buffer and stores it. */
static void
put_value(struct reg_txn *t, unsigned db, const void *k, size_t klen,
    struct sp_buf *v, const struct cbor_enc *e)
{
	int r = cbor_enc_finish(e);

	if (r != SP_OK)
		reg_txn_fail(t, r);
	else
		reg_txn_put(t, db, k, klen, v->ptr, v->len);
	sp_buf_clear(v);
}

/* Looks key up and decodes it with dec; a value that does not decode
 * fails t. */
typedef int (*dec_fn)(void *out, const uint8_t *p, size_t n);

static bool
get_value(struct reg_txn *t, unsigned db, const void *k, size_t klen,
    dec_fn dec, void *out)
{
	struct sp_buf v;
	bool found;

	sp_buf_init(&v);
	found = reg_txn_get(t, db, k, klen, &v);
	if (found && dec(out, v.ptr, v.len) != SP_OK) {
		reg_txn_fail(t, SP_ERR_STORAGE);
		found = false;
	}
	sp_buf_clear(&v);
	return found;
}

/* ---- Counters and the audit log ---------------------------------------- */

static int
dec_u64(void *out, const uint8_t *p, size_t n)
{
	struct cbor_reader r;
	uint64_t *v = out;

	if (!rec_open(&r, p, n, 2))
		return SP_ERR_STORAGE;
	*v = rd_u64(&r);
	return rec_close(&r);
}

static void
put_u64(struct reg_txn *t, unsigned db, const void *k, size_t klen,
    uint64_t v)
{
	struct sp_buf b;
	struct cbor_enc e;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 2);
	cbor_put_uint(&e, ISS_REC_VERSION);
	cbor_put_uint(&e, v);
	put_value(t, db, k, klen, &b, &e);
}

uint64_t
iss_store_last_id(struct reg_txn *t, const char *name)
{
	uint64_t v = 0;

	if (!get_value(t, ISS_DB_META, name, strlen(name), dec_u64, &v))
		v = 0;
	return v;
}

uint64_t
iss_store_next_id(struct reg_txn *t, const char *name)
{
	uint64_t v = iss_store_last_id(t, name) + 1;

	put_u64(t, ISS_DB_META, name, strlen(name), v);
	return t->ret == SP_OK ? v : 0;
}

static void
put_text_trunc(struct cbor_enc *e, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	/* Cut at a character boundary so the text stays UTF-8. */
	while (n > 0 && n < strlen(s) && ((uint8_t)s[n] & 0xc0) == 0x80)
		n--;
	cbor_put_tstr(e, s, n);
}

void
iss_store_audit(struct reg_txn *t, int64_t time, const char *who,
    const char *action, const char *target)
{
	struct sp_buf b;
	struct cbor_enc e;
	uint8_t k[8];
	uint64_t seq = reg_txn_count(t, ISS_DB_AUDIT) + 1;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 5);
	cbor_put_uint(&e, ISS_REC_VERSION);
	cbor_put_int(&e, time);
	put_text_trunc(&e, who, 16);
	put_text_trunc(&e, action, ISS_ACTION_MAX);
	put_text_trunc(&e, target, ISS_TARGET_MAX);
	reg_key_be64(k, seq);
	if (cbor_enc_finish(&e) != SP_OK)
		reg_txn_fail(t, SP_ERR_NOMEM);
	else
		reg_txn_append(t, ISS_DB_AUDIT, k, sizeof(k), b.ptr, b.len);
	sp_buf_clear(&b);
}

int
iss_audit_decode(struct iss_audit *a, const uint8_t *p, size_t n)
{
	struct cbor_reader r;

	if (!rec_open(&r, p, n, 5))
		return SP_ERR_STORAGE;
	a->time = rd_i64(&r);
	rd_text(&r, a->who, sizeof(a->who));
	rd_text(&r, a->action, sizeof(a->action));
	rd_text(&r, a->target, sizeof(a->target));
	return rec_close(&r);
}

/* ---- Residents and pass numbers ---------------------------------------- */

int
iss_resident_decode(struct iss_resident *res, const uint8_t *p, size_t n)
{
	struct cbor_reader r;
	size_t i;

	if (!rec_open(&r, p, n, 10))
		return SP_ERR_STORAGE;
	rd_text(&r, res->pass_no, sizeof(res->pass_no));
	rd_text(&r, res->name, sizeof(res->name));
	res->birth_year = rd_u32(&r);
	res->household = rd_u32(&r);
	res->n_cat = rd_count(&r, ISS_MAX_CATEGORIES);
	for (i = 0; i < res->n_cat; i++)
		rd_text(&r, res->cat[i], sizeof(res->cat[i]));
	res->status = rd_u32(&r);
	res->created = rd_i64(&r);
	res->win_from = rd_i64(&r);
	res->win_until = rd_i64(&r);
	if (res->status > ISS_RES_SUSPENDED)
		return SP_ERR_STORAGE;
	return rec_close(&r);
}

static int
dec_resident(void *out, const uint8_t *p, size_t n)
{
	return iss_resident_decode(out, p, n);
}

bool
iss_store_get_resident(struct reg_txn *t, uint64_t id,
    struct iss_resident *out)
{
	uint8_t k[8];

	reg_key_be64(k, id);
	out->id = id;
	return get_value(t, ISS_DB_RESIDENTS, k, sizeof(k), dec_resident, out);
}

void
iss_store_put_resident(struct reg_txn *t, const struct iss_resident *res)
{
	struct sp_buf b;
	struct cbor_enc e;
	uint8_t k[8];
	size_t i;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 10);
	cbor_put_uint(&e, ISS_REC_VERSION);
	cbor_put_tstrz(&e, res->pass_no);
	cbor_put_tstrz(&e, res->name);
	cbor_put_uint(&e, res->birth_year);
	cbor_put_uint(&e, res->household);
	cbor_put_array(&e, res->n_cat);
	for (i = 0; i < res->n_cat; i++)
		cbor_put_tstrz(&e, res->cat[i]);
	cbor_put_uint(&e, res->status);
	cbor_put_int(&e, res->created);
	cbor_put_int(&e, res->win_from);
	cbor_put_int(&e, res->win_until);
	reg_key_be64(k, res->id);
	put_value(t, ISS_DB_RESIDENTS, k, sizeof(k), &b, &e);
}

bool
iss_store_get_passno(struct reg_txn *t, const char *pass_no,
    uint64_t *resident)
{
	return get_value(t, ISS_DB_PASSNO, pass_no, strlen(pass_no), dec_u64,
	    resident);
}

void
iss_store_put_passno(struct reg_txn *t, const char *pass_no,
    uint64_t resident)
{
	put_u64(t, ISS_DB_PASSNO, pass_no, strlen(pass_no), resident);
}

/* ---- Copies ------------------------------------------------------------ */

static int
dec_copies(void *out, const uint8_t *p, size_t n)
{
	struct iss_copies *c = out;
	struct cbor_reader r;
	size_t i, hl;

	if (!rec_open(&r, p, n, 2))
		return SP_ERR_STORAGE;
	c->n = rd_count(&r, ISS_MAX_COPIES);
	for (i = 0; i < c->n && r.err == SP_OK; i++) {
		struct iss_copy *x = &c->v[i];

		if (rd_count(&r, 5) != 5)
			return SP_ERR_STORAGE;
		x->list = rd_u32(&r);
		x->idx = rd_u32(&r);
		rd_bytes(&r, x->holder, sizeof(x->holder), &hl);
		x->iat = rd_i64(&r);
		x->exp = rd_i64(&r);
		if (hl != sizeof(x->holder))
			return SP_ERR_STORAGE;
	}
	return rec_close(&r);
}

bool
iss_store_get_copies(struct reg_txn *t, uint64_t resident,
    struct iss_copies *out)
{
	uint8_t k[8];

	reg_key_be64(k, resident);
	out->n = 0;
	if (get_value(t, ISS_DB_COPIES, k, sizeof(k), dec_copies, out))
		return true;
	return t->ret == SP_OK;
}

void
iss_store_put_copies(struct reg_txn *t, uint64_t resident,
    const struct iss_copies *c)
{
	struct sp_buf b;
	struct cbor_enc e;
	uint8_t k[8];
	size_t i;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 2);
	cbor_put_uint(&e, ISS_REC_VERSION);
	cbor_put_array(&e, c->n);
	for (i = 0; i < c->n; i++) {
		cbor_put_array(&e, 5);
		cbor_put_uint(&e, c->v[i].list);
		cbor_put_uint(&e, c->v[i].idx);
		cbor_put_bstr(&e, c->v[i].holder, sizeof(c->v[i].holder));
		cbor_put_int(&e, c->v[i].iat);
		cbor_put_int(&e, c->v[i].exp);
	}
	reg_key_be64(k, resident);
	put_value(t, ISS_DB_COPIES, k, sizeof(k), &b, &e);
}

/* ---- Enrolment codes --------------------------------------------------- */

static int
dec_code(void *out, const uint8_t *p, size_t n)
{
	struct iss_code *c = out;
	struct cbor_reader r;

	if (!rec_open(&r, p, n, 5))
		return SP_ERR_STORAGE;
	c->resident = rd_u64(&r);
	c->expires = rd_i64(&r);
	c->used = rd_bool(&r);
	c->created = rd_i64(&r);
	return rec_close(&r);
}

bool
iss_store_get_code(struct reg_txn *t, const uint8_t hash[32],
    struct iss_code *out)
{
	return get_value(t, ISS_DB_CODES, hash, 32, dec_code, out);
}

void
iss_store_put_code(struct reg_txn *t, const uint8_t hash[32],
    const struct iss_code *c)
{
	struct sp_buf b;
	struct cbor_enc e;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 5);
	cbor_put_uint(&e, ISS_REC_VERSION);
	cbor_put_uint(&e, c->resident);
	cbor_put_int(&e, c->expires);
	cbor_put_bool(&e, c->used);
	cbor_put_int(&e, c->created);
	put_value(t, ISS_DB_CODES, hash, 32, &b, &e);
}

/* ---- Providers and offers ---------------------------------------------- */

void
iss_store_cat_key(uint8_t k[9], char kind, uint64_t id)
{
	k[0] = (uint8_t)kind;
	reg_key_be64(k + 1, id);
}

int
iss_provider_decode(struct iss_provider *pr, const uint8_t *p, size_t n)
{
	struct cbor_reader r;
	size_t i;

	if (!rec_open(&r, p, n, 4))
		return SP_ERR_STORAGE;
	rd_text(&r, pr->name, sizeof(pr->name));
	pr->n_keys = rd_count(&r, ISS_MAX_TILL_KEYS);
	for (i = 0; i < pr->n_keys; i++)
		rd_bytes(&r, pr->key[i], ISS_COSE_KEY_MAX, &pr->key_len[i]);
	pr->created = rd_i64(&r);
	return rec_close(&r);
}

static int
dec_provider(void *out, const uint8_t *p, size_t n)
{
	return iss_provider_decode(out, p, n);
}

bool
iss_store_get_provider(struct reg_txn *t, uint64_t id,
    struct iss_provider *out)
{
	uint8_t k[9];

	iss_store_cat_key(k, 'p', id);
	out->id = id;
	return get_value(t, ISS_DB_CATALOGUE, k, sizeof(k), dec_provider, out);
}

void
iss_store_put_provider(struct reg_txn *t, const struct iss_provider *pr)
{
	struct sp_buf b;
	struct cbor_enc e;
	uint8_t k[9];
	size_t i;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 4);
	cbor_put_uint(&e, ISS_REC_VERSION);
	cbor_put_tstrz(&e, pr->name);
	cbor_put_array(&e, pr->n_keys);
	for (i = 0; i < pr->n_keys; i++)
		cbor_put_bstr(&e, pr->key[i], pr->key_len[i]);
	cbor_put_int(&e, pr->created);
	iss_store_cat_key(k, 'p', pr->id);
	put_value(t, ISS_DB_CATALOGUE, k, sizeof(k), &b, &e);
}

int
iss_offer_decode(struct iss_offer *o, const uint8_t *p, size_t n)
{
	struct cbor_reader r;
	size_t i;

	if (!rec_open(&r, p, n, 9))
		return SP_ERR_STORAGE;
	o->provider = rd_u64(&r);
	rd_text(&r, o->title, sizeof(o->title));
	rd_text(&r, o->category, sizeof(o->category));
	o->n_req = rd_count(&r, ISS_MAX_REQUIRES);
	for (i = 0; i < o->n_req; i++)
		o->req[i] = (int)rd_u32(&r);
	o->limit_count = rd_u32(&r);
	rd_text(&r, o->period, sizeof(o->period));
	o->amount_cents = rd_u64(&r);
	o->created = rd_i64(&r);
	return rec_close(&r);
}

void
iss_store_put_offer(struct reg_txn *t, const struct iss_offer *o)
{
	struct sp_buf b;
	struct cbor_enc e;
	uint8_t k[9];
	size_t i;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 9);
	cbor_put_uint(&e, ISS_REC_VERSION);
	cbor_put_uint(&e, o->provider);
	cbor_put_tstrz(&e, o->title);
	cbor_put_tstrz(&e, o->category);
	cbor_put_array(&e, o->n_req);
	for (i = 0; i < o->n_req; i++)
		cbor_put_uint(&e, (uint64_t)o->req[i]);
	cbor_put_uint(&e, o->limit_count);
	cbor_put_tstrz(&e, o->period);
	cbor_put_uint(&e, o->amount_cents);
	cbor_put_int(&e, o->created);
	iss_store_cat_key(k, 'o', o->id);
	put_value(t, ISS_DB_CATALOGUE, k, sizeof(k), &b, &e);
}

/* ---- API tokens -------------------------------------------------------- */

/* Records written before revocation existed have 5 items (live). */
static int
dec_token(void *out, const uint8_t *p, size_t n)
{
	struct iss_token *k = out;
	struct cbor_reader r;
	uint64_t count;

	if (!rec_open_count(&r, p, n, &count) || (count != 5 && count != 6))
		return SP_ERR_STORAGE;
	k->role = rd_u32(&r);
	rd_text(&r, k->label, sizeof(k->label));
	rd_text(&r, k->hash, sizeof(k->hash));
	k->created = rd_i64(&r);
	k->revoked = count == 6 ? rd_i64(&r) : 0;
	return rec_close(&r);
}

int
iss_token_decode(struct iss_token *k, const uint8_t *p, size_t n)
{
	return dec_token(k, p, n);
}

bool
iss_store_get_token(struct reg_txn *t, const uint8_t prefix[4],
    struct iss_token *out)
{
	memcpy(out->prefix, prefix, 4);
	return get_value(t, ISS_DB_TOKENS, prefix, 4, dec_token, out);
}

void
iss_store_put_token(struct reg_txn *t, const struct iss_token *k)
{
	struct sp_buf b;
	struct cbor_enc e;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 6);
	cbor_put_uint(&e, ISS_REC_VERSION);
	cbor_put_uint(&e, k->role);
	cbor_put_tstrz(&e, k->label);
	cbor_put_tstrz(&e, k->hash);
	cbor_put_int(&e, k->created);
	cbor_put_int(&e, k->revoked);
	put_value(t, ISS_DB_TOKENS, k->prefix, 4, &b, &e);
}

/* ---- Renewal jobs ------------------------------------------------------ */

static void
job_key(uint8_t k[12], uint64_t id)
{
	memcpy(k, "job/", 4);
	reg_key_be64(k + 4, id);
}

static int
dec_job(void *out, const uint8_t *p, size_t n)
{
	struct iss_job *j = out;
	struct cbor_reader r;

	if (!rec_open(&r, p, n, 9))
		return SP_ERR_STORAGE;
	j->valid_from = rd_i64(&r);
	j->valid_until = rd_i64(&r);
	j->created = rd_i64(&r);
	j->last_id = rd_u64(&r);
	j->cursor = rd_u64(&r);
	j->done = rd_u64(&r);
	j->total = rd_u64(&r);
	j->finished = rd_bool(&r);
	return rec_close(&r);
}

bool
iss_store_get_job(struct reg_txn *t, uint64_t id, struct iss_job *out)
{
	uint8_t k[12];

	job_key(k, id);
	out->id = id;
	return get_value(t, ISS_DB_META, k, sizeof(k), dec_job, out);
}

void
iss_store_put_job(struct reg_txn *t, const struct iss_job *j)
{
	struct sp_buf b;
	struct cbor_enc e;
	uint8_t k[12];

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 9);
	cbor_put_uint(&e, ISS_REC_VERSION);
	cbor_put_int(&e, j->valid_from);
	cbor_put_int(&e, j->valid_until);
	cbor_put_int(&e, j->created);
	cbor_put_uint(&e, j->last_id);
	cbor_put_uint(&e, j->cursor);
	cbor_put_uint(&e, j->done);
	cbor_put_uint(&e, j->total);
	cbor_put_bool(&e, j->finished);
	job_key(k, j->id);
	put_value(t, ISS_DB_META, k, sizeof(k), &b, &e);
}

uint64_t
iss_store_active_job(struct reg_txn *t)
{
	return iss_store_last_id(t, "job/active");
}

void
iss_store_set_active_job(struct reg_txn *t, uint64_t id)
{
	if (id == 0)
		reg_txn_del(t, ISS_DB_META, "job/active", 10);
	else
		put_u64(t, ISS_DB_META, "job/active", 10, id);
}

/* ---- Blob lists and the catalogue -------------------------------------- */

struct blobs {
	struct sp_buf *items;
	size_t *len;
	size_t max;
	size_t n;
};

static int
dec_blobs(void *out, const uint8_t *p, size_t n)
{
	struct blobs *b = out;
	struct cbor_reader r;
	const uint8_t *s;
	size_t i, sl;

	if (!rec_open(&r, p, n, 2))
		return SP_ERR_STORAGE;
	b->n = rd_count(&r, b->max);
	sp_buf_reset(b->items);
	for (i = 0; i < b->n && r.err == SP_OK; i++) {
		if (cbor_read_bstr(&r, &s, &sl) != SP_OK)
			break;
		b->len[i] = sl;
		if (sp_buf_append(b->items, s, sl) != SP_OK)
			return SP_ERR_STORAGE;
	}
	return rec_close(&r);
}

bool
iss_store_get_blobs(struct reg_txn *t, const char *name,
    struct sp_buf *items, size_t *len, size_t max, size_t *n)
{
	struct blobs b = { .items = items, .len = len, .max = max };

	*n = 0;
	if (!get_value(t, ISS_DB_META, name, strlen(name), dec_blobs, &b))
		return t->ret == SP_OK;
	*n = b.n;
	return true;
}

void
iss_store_put_blobs(struct reg_txn *t, const char *name,
    const uint8_t *items, const size_t *len, size_t n)
{
	struct sp_buf b;
	struct cbor_enc e;
	size_t i, off = 0;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 2);
	cbor_put_uint(&e, ISS_REC_VERSION);
	cbor_put_array(&e, n);
	for (i = 0; i < n; i++) {
		cbor_put_bstr(&e, items + off, len[i]);
		off += len[i];
	}
	put_value(t, ISS_DB_META, name, strlen(name), &b, &e);
}

struct cat_rec {
	uint64_t version;
	struct sp_buf *bytes;
};

static int
dec_catalogue(void *out, const uint8_t *p, size_t n)
{
	struct cat_rec *c = out;
	struct cbor_reader r;
	const uint8_t *s = NULL;
	size_t sl = 0;

	if (!rec_open(&r, p, n, 3))
		return SP_ERR_STORAGE;
	c->version = rd_u64(&r);
	if (cbor_read_bstr(&r, &s, &sl) == SP_OK &&
	    sp_buf_set(c->bytes, s, sl) != SP_OK)
		return SP_ERR_STORAGE;
	return rec_close(&r);
}

bool
iss_store_get_catalogue(struct reg_txn *t, uint64_t *version,
    struct sp_buf *signed_bytes)
{
	struct cat_rec c = { .bytes = signed_bytes };

	*version = 0;
	if (!get_value(t, ISS_DB_META, "catalogue", 9, dec_catalogue, &c))
		return false;
	*version = c.version;
	return true;
}

void
iss_store_put_catalogue(struct reg_txn *t, uint64_t version,
    const uint8_t *p, size_t n)
{
	struct sp_buf b;
	struct cbor_enc e;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 3);
	cbor_put_uint(&e, ISS_REC_VERSION);
	cbor_put_uint(&e, version);
	cbor_put_bstr(&e, p, n);
	put_value(t, ISS_DB_META, "catalogue", 9, &b, &e);
}

/* ---- Holder keys and renewed copies ------------------------------------ */

struct holder_rec {
	uint8_t *key;
	size_t len;
};

static int
dec_holder(void *out, const uint8_t *p, size_t n)
{
	struct holder_rec *h = out;
	struct cbor_reader r;

	if (!rec_open(&r, p, n, 2))
		return SP_ERR_STORAGE;
	rd_bytes(&r, h->key, ISS_COSE_KEY_MAX, &h->len);
	return rec_close(&r);
}

bool
iss_store_get_holder(struct reg_txn *t, const uint8_t hash[32],
    uint8_t key[ISS_COSE_KEY_MAX], size_t *len)
{
	struct holder_rec h = { .key = key };

	if (!get_value(t, ISS_DB_HOLDERS, hash, 32, dec_holder, &h))
		return false;
	*len = h.len;
	return true;
}

void
iss_store_put_holder(struct reg_txn *t, const uint8_t hash[32],
    const uint8_t *key, size_t len)
{
	struct sp_buf b;
	struct cbor_enc e;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 2);
	cbor_put_uint(&e, ISS_REC_VERSION);
	cbor_put_bstr(&e, key, len);
	put_value(t, ISS_DB_HOLDERS, hash, 32, &b, &e);
}

struct renewed_rec {
	uint64_t job, resident;
	struct sp_buf *pass;
};

static int
dec_renewed(void *out, const uint8_t *p, size_t n)
{
	struct renewed_rec *x = out;
	struct cbor_reader r;
	const uint8_t *s = NULL;
	size_t sl = 0;

	if (!rec_open(&r, p, n, 4))
		return SP_ERR_STORAGE;
	x->job = rd_u64(&r);
	x->resident = rd_u64(&r);
	if (cbor_read_bstr(&r, &s, &sl) == SP_OK &&
	    sp_buf_set(x->pass, s, sl) != SP_OK)
		return SP_ERR_STORAGE;
	return rec_close(&r);
}

bool
iss_store_get_renewed(struct reg_txn *t, const uint8_t hash[32],
    uint64_t *job, uint64_t *resident, struct sp_buf *pass)
{
	struct renewed_rec x = { .pass = pass };

	if (!get_value(t, ISS_DB_RENEWED, hash, 32, dec_renewed, &x))
		return false;
	*job = x.job;
	*resident = x.resident;
	return true;
}

void
iss_store_put_renewed(struct reg_txn *t, const uint8_t hash[32],
    uint64_t job, uint64_t resident, const uint8_t *pass, size_t len)
{
	struct sp_buf b;
	struct cbor_enc e;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_array(&e, 4);
	cbor_put_uint(&e, ISS_REC_VERSION);
	cbor_put_uint(&e, job);
	cbor_put_uint(&e, resident);
	cbor_put_bstr(&e, pass, len);
	put_value(t, ISS_DB_RENEWED, hash, 32, &b, &e);
}
