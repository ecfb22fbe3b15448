/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct sp_wallet: creating and opening stores (store key or PIN with
 * back-off), saving every change through the app's write_atomic with
 * rollback on failure, and the pass list.
 */
#include "wallet_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#define READ_FIRST 8192		/* first read buffer; grows as told */

void
wal_log(const struct sp_wallet *w, const char *fn, const char *msg)
{
	char line[160];

	if (w == NULL || w->ops.log == NULL)
		return;
	snprintf(line, sizeof(line), "%s: %s", fn, msg);
	w->ops.log(w->ops.ctx, line);
}

int
wal_random(const struct sp_wallet *w, uint8_t *buf, size_t len)
{
	if (w->ops.random == NULL) {
		randombytes_buf(buf, len);
		return SP_OK;
	}
	return w->ops.random(w->ops.ctx, buf, len) == SP_OK ? SP_OK :
	    SP_ERR_RANDOM;
}

int64_t
wal_now(const struct sp_wallet *w)
{
	int64_t t = w->ops.now(w->ops.ctx);

	return t > 0 ? t : 0;
}

/* ---- Names and ops ---------------------------------------------------- */

static bool
name_ok(const char *name)
{
	size_t i, n;

	if (name == NULL || (n = strlen(name)) == 0 || n > SP_WALLET_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	return true;
}

static bool
ops_ok(const struct sp_wallet_ops *ops)
{
	return ops != NULL && ops->version == SP_WALLET_OPS_VERSION &&
	    ops->read != NULL && ops->write_atomic != NULL && ops->now != NULL;
}

/* Reads a whole file through ops->read into out, growing the buffer as
 * the app says. SP_ERR_NOT_FOUND, SP_ERR_TOO_LARGE (over max),
 * SP_ERR_STORAGE. */
static int
ops_read(const struct sp_wallet_ops *ops, const char *name,
    struct sp_buf *out, size_t max)
{
	size_t cap = READ_FIRST < max ? READ_FIRST : max, len;
	unsigned tries;

	for (tries = 0; tries < 4; tries++) {
		int r;

		sp_buf_reset(out);
		if ((r = sp_buf_reserve(out, cap)) != SP_OK)
			return r;
		len = 0;
		r = ops->read(ops->ctx, name, out->ptr, cap, &len);
		if (r == SP_OK) {
			if (len > cap)
				return SP_ERR_STORAGE;
			out->len = len;
			return SP_OK;
		}
		if (r == SP_ERR_NOT_FOUND)
			return r;
		if (r != SP_ERR_BUFFER_SMALL || len <= cap)
			return SP_ERR_STORAGE;
		if (len > max)
			return SP_ERR_TOO_LARGE;
		cap = len;
	}
	return SP_ERR_STORAGE;	/* the file keeps growing under us */
}

static int
ops_write(const struct sp_wallet *w, const char *name, const uint8_t *buf,
    size_t len)
{
	int r = w->ops.write_atomic(w->ops.ctx, name, buf, len);

	if (r == SP_OK || r == SP_ERR_STORAGE_FULL)
		return r;
	wal_log(w, __func__, "write_atomic failed");
	return SP_ERR_STORAGE;
}

/* ---- Saving ----------------------------------------------------------- */

static int
set_committed(struct sp_wallet *w, const struct sp_buf *plain)
{
	uint8_t *c = sodium_malloc(plain->len > 0 ? plain->len : 1);

	if (c == NULL)
		return SP_ERR_NOMEM;
	memcpy(c, plain->ptr, plain->len);
	if (w->committed != NULL)
		sodium_free(w->committed);
	w->committed = c;
	w->committed_len = plain->len;
	return SP_OK;
}

int
wal_rollback(struct sp_wallet *w)
{
	struct wal_state *st = NULL;
	int r;

	if (w->committed == NULL)
		return SP_ERR_INTERNAL;
	if ((r = wal_state_decode(&st, w->committed, w->committed_len)) !=
	    SP_OK)
		return r;
	wal_state_free(&w->st);
	w->st = st;
	return SP_OK;
}

int
wal_commit(struct sp_wallet *w)
{
	struct wal_header h = w->hdr;
	struct sp_buf file, plain;
	uint8_t *next = NULL;
	int r;

	sp_buf_init(&file);
	sp_buf_init(&plain);
	h.generation++;
	if ((r = wal_random(w, h.nonce, sizeof(h.nonce))) != SP_OK)
		goto fail;
	if ((r = wal_file_seal(&file, &plain, &h, w->keys, w->st)) != SP_OK)
		goto fail;
	/* The rollback copy is made before the write, so that a saved state
	 * always becomes the one to roll back to. */
	r = SP_ERR_NOMEM;
	if ((next = sodium_malloc(plain.len)) == NULL)
		goto fail;
	memcpy(next, plain.ptr, plain.len);
	if ((r = ops_write(w, w->name, file.ptr, file.len)) != SP_OK)
		goto fail;
	w->hdr = h;
	if (w->committed != NULL)
		sodium_free(w->committed);
	w->committed = next;
	w->committed_len = plain.len;
	next = NULL;
	goto out;
fail:
	(void)wal_rollback(w);
out:
	if (next != NULL)
		sodium_free(next);
	sp_buf_clear(&file);
	sp_buf_clear(&plain);
	return r;
}

/* ---- Opening ---------------------------------------------------------- */

static int
wallet_alloc(struct sp_wallet **out, const struct sp_wallet_ops *ops,
    const char *name)
{
	struct sp_wallet *w;

	if (out == NULL || !ops_ok(ops) || !name_ok(name))
		return SP_ERR_INVALID_ARG;
	if (sodium_init() < 0)
		return SP_ERR_INTERNAL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return SP_ERR_NOMEM;
	w->ops = *ops;
	memcpy(w->name, name, strlen(name) + 1);
	snprintf(w->guard_name, sizeof(w->guard_name), "%s.guard", name);
	if ((w->keys = sodium_malloc(sizeof(*w->keys))) == NULL) {
		free(w);
		return SP_ERR_NOMEM;
	}
	sodium_memzero(w->keys, sizeof(*w->keys));
	*out = w;
	return SP_OK;
}

void
sp_wallet_free(struct sp_wallet **wp)
{
	struct sp_wallet *w;

	if (wp == NULL || (w = *wp) == NULL)
		return;
	sp_wallet_present_end(w);
	wal_state_free(&w->st);
	if (w->keys != NULL)
		sodium_free(w->keys);
	if (w->committed != NULL)
		sodium_free(w->committed);
	sodium_memzero(w, sizeof(*w));
	free(w);
	*wp = NULL;
}

static bool
pin_ok(const char *pin)
{
	size_t n;

	return pin != NULL && (n = strlen(pin)) >= SP_WALLET_PIN_MIN &&
	    n <= SP_WALLET_PIN_MAX;
}

static int
kdf_header(struct wal_header *h, const struct sp_wallet_kdf *kdf)
{
	uint64_t ops = kdf != NULL ? kdf->opslimit : SP_WALLET_KDF_OPSLIMIT;
	uint64_t mem = kdf != NULL ? kdf->memlimit : SP_WALLET_KDF_MEMLIMIT;

	if (ops < WAL_OPS_MIN || ops > WAL_OPS_MAX || mem % 1024 != 0 ||
	    mem / 1024 < WAL_MEM_MIN_KIB || mem / 1024 > WAL_MEM_MAX_KIB)
		return SP_ERR_INVALID_ARG;
	h->kdf = WAL_KDF_ARGON2ID;
	h->opslimit = (uint32_t)ops;
	h->mem_kib = (uint32_t)(mem / 1024);
	return SP_OK;
}

static int
guard_write(const struct sp_wallet *w, const struct wal_guard *g)
{
	struct sp_buf b;
	int r;

	sp_buf_init(&b);
	if ((r = wal_guard_encode(&b, g)) == SP_OK)
		r = ops_write(w, w->guard_name, b.ptr, b.len);
	sp_buf_clear(&b);
	return r;
}

/* The guard of the store with id; a missing, damaged or foreign record
 * counts as no failures (see docs/API.md: the back-off only slows down
 * guessing through the app). */
static int
guard_read(const struct sp_wallet_ops *ops, const char *guard_name,
    const uint8_t id[WAL_ID_LEN], struct wal_guard *g)
{
	struct sp_buf b;
	int r;

	sp_buf_init(&b);
	r = ops_read(ops, guard_name, &b, 256);
	if (r == SP_OK && (wal_guard_decode(g, b.ptr, b.len) != SP_OK ||
	    memcmp(g->id, id, WAL_ID_LEN) != 0))
		r = SP_ERR_NOT_FOUND;
	if (r == SP_ERR_NOT_FOUND || r == SP_ERR_TOO_LARGE) {
		memset(g, 0, sizeof(*g));
		memcpy(g->id, id, WAL_ID_LEN);
		r = SP_OK;
	}
	sp_buf_clear(&b);
	return r;
}

/* A new store must not overwrite anything. */
static int
check_absent(struct sp_wallet *w)
{
	struct sp_buf b;
	int r;

	sp_buf_init(&b);
	r = ops_read(&w->ops, w->name, &b, WAL_FILE_MAX);
	sp_buf_clear(&b);
	if (r == SP_ERR_NOT_FOUND)
		return wal_random(w, w->hdr.id, sizeof(w->hdr.id));
	return r == SP_OK || r == SP_ERR_TOO_LARGE ? SP_ERR_WALLET_EXISTS : r;
}

/* Writes the first, empty state of a new store (header fields set). */
static int
create_common(struct sp_wallet *w, const uint8_t master[32])
{
	struct sp_buf b;
	int r;

	wal_keys_derive(w->keys, master);
	memcpy(w->hdr.kcv, w->keys->kcv, WAL_KCV_LEN);
	if ((r = wal_state_new(&w->st)) != SP_OK)
		return r;
	sp_buf_init(&b);
	if ((r = wal_state_encode(&b, w->st)) == SP_OK)
		r = set_committed(w, &b);
	sp_buf_clear(&b);
	if (r != SP_OK)
		return r;
	return wal_commit(w);
}

int
sp_wallet_create_key(struct sp_wallet **out, const struct sp_wallet_ops *ops,
    const char *name, const uint8_t key[SP_WALLET_KEY_LEN])
{
	struct sp_wallet *w = NULL;
	int r;

	if (out == NULL || key == NULL)
		return SP_ERR_INVALID_ARG;
	if ((r = wallet_alloc(&w, ops, name)) != SP_OK)
		return r;
	w->hdr.kdf = WAL_KDF_RAW;
	if ((r = check_absent(w)) != SP_OK ||
	    (r = create_common(w, key)) != SP_OK) {
		sp_wallet_free(&w);
		return r;
	}
	*out = w;
	return SP_OK;
}

int
sp_wallet_create_pin(struct sp_wallet **out, const struct sp_wallet_ops *ops,
    const char *name, const char *pin, const struct sp_wallet_kdf *kdf)
{
	struct sp_wallet *w = NULL;
	struct wal_guard g;
	uint8_t *master = NULL;
	int r;

	if (out == NULL || !pin_ok(pin))
		return SP_ERR_INVALID_ARG;
	if ((r = wallet_alloc(&w, ops, name)) != SP_OK)
		return r;
	if ((r = kdf_header(&w->hdr, kdf)) != SP_OK)
		goto fail;
	r = SP_ERR_NOMEM;
	if ((master = sodium_malloc(32)) == NULL)
		goto fail;
	if ((r = check_absent(w)) != SP_OK ||
	    (r = wal_random(w, w->hdr.salt, sizeof(w->hdr.salt))) != SP_OK ||
	    (r = wal_pin_master(master, pin, &w->hdr)) != SP_OK)
		goto fail;
	/* The guard first: a store never exists without one. */
	memset(&g, 0, sizeof(g));
	memcpy(g.id, w->hdr.id, WAL_ID_LEN);
	g.last = wal_now(w);
	if ((r = guard_write(w, &g)) != SP_OK ||
	    (r = create_common(w, master)) != SP_OK)
		goto fail;
	*out = w;
	w = NULL;
fail:
	if (master != NULL)
		sodium_free(master);
	sp_wallet_free(&w);
	return r;
}

/* Reads and parses the store's header; the file stays in file. */
static int
read_store(struct sp_wallet *w, struct sp_buf *file, struct wal_header *h)
{
	int r = ops_read(&w->ops, w->name, file, WAL_FILE_MAX);

	if (r == SP_ERR_NOT_FOUND)
		return SP_ERR_WALLET_NO_STORE;
	if (r == SP_ERR_TOO_LARGE)
		return SP_ERR_WALLET_CORRUPT;
	if (r != SP_OK)
		return r;
	return wal_header_parse(h, file->ptr, file->len);
}

/* Decrypts with w->keys and takes the state. */
static int
open_with_keys(struct sp_wallet *w, const struct sp_buf *file)
{
	struct sp_buf plain;
	int r;

	if ((r = wal_file_open(&w->st, &w->hdr, file->ptr, file->len,
	    w->keys)) != SP_OK)
		return r;
	sp_buf_init(&plain);
	if ((r = wal_state_encode(&plain, w->st)) == SP_OK)
		r = set_committed(w, &plain);
	sp_buf_clear(&plain);
	return r;
}

int
sp_wallet_open_key(struct sp_wallet **out, const struct sp_wallet_ops *ops,
    const char *name, const uint8_t key[SP_WALLET_KEY_LEN])
{
	struct sp_wallet *w = NULL;
	struct sp_buf file;
	int r;

	if (out == NULL || key == NULL)
		return SP_ERR_INVALID_ARG;
	if ((r = wallet_alloc(&w, ops, name)) != SP_OK)
		return r;
	sp_buf_init(&file);
	if ((r = read_store(w, &file, &w->hdr)) != SP_OK)
		goto fail;
	r = SP_ERR_INVALID_ARG;
	if (w->hdr.kdf != WAL_KDF_RAW)
		goto fail;
	wal_keys_derive(w->keys, key);
	if ((r = open_with_keys(w, &file)) != SP_OK)
		goto fail;
	*out = w;
	w = NULL;
fail:
	sp_buf_clear(&file);
	sp_wallet_free(&w);
	return r;
}

int
sp_wallet_open_pin(struct sp_wallet **out, int64_t *wait,
    const struct sp_wallet_ops *ops, const char *name, const char *pin)
{
	struct sp_wallet *w = NULL;
	struct wal_guard g;
	struct sp_buf file;
	uint8_t *master = NULL;
	int64_t now;
	int r;

	if (out == NULL || !pin_ok(pin))
		return SP_ERR_INVALID_ARG;
	if ((r = wallet_alloc(&w, ops, name)) != SP_OK)
		return r;
	sp_buf_init(&file);
	if ((r = read_store(w, &file, &w->hdr)) != SP_OK)
		goto fail;
	r = SP_ERR_INVALID_ARG;
	if (w->hdr.kdf != WAL_KDF_ARGON2ID)
		goto fail;
	if ((r = guard_read(&w->ops, w->guard_name, w->hdr.id, &g)) != SP_OK)
		goto fail;
	now = wal_now(w);
	if (now < g.not_before) {
		if (wait != NULL)
			*wait = g.not_before - now;
		r = SP_ERR_WALLET_LOCKED;
		goto fail;
	}
	/* Count the attempt before making it: a process killed while the
	 * PIN is being checked has still used one. */
	if (g.failures < UINT32_MAX)
		g.failures++;
	g.last = now;
	g.not_before = now + wal_backoff(g.failures);
	if ((r = guard_write(w, &g)) != SP_OK)
		goto fail;
	r = SP_ERR_NOMEM;
	if ((master = sodium_malloc(32)) == NULL)
		goto fail;
	if ((r = wal_pin_master(master, pin, &w->hdr)) != SP_OK)
		goto fail;
	wal_keys_derive(w->keys, master);
	if (sodium_memcmp(w->keys->kcv, w->hdr.kcv, WAL_KCV_LEN) != 0) {
		wal_log(w, __func__, "wrong PIN");
		if (wait != NULL)
			*wait = g.not_before - now;
		r = SP_ERR_WALLET_PIN;
		goto fail;
	}
	/* The PIN is right: the count starts again, whatever the file. */
	g.failures = 0;
	g.not_before = 0;
	if ((r = guard_write(w, &g)) != SP_OK)
		goto fail;
	if ((r = open_with_keys(w, &file)) != SP_OK)
		goto fail;
	if (wait != NULL)
		*wait = 0;
	*out = w;
	w = NULL;
fail:
	if (master != NULL)
		sodium_free(master);
	sp_buf_clear(&file);
	sp_wallet_free(&w);
	return r;
}

int
sp_wallet_pin_state(uint32_t *failures, int64_t *wait,
    const struct sp_wallet_ops *ops, const char *name)
{
	struct sp_wallet *w = NULL;
	struct wal_guard g;
	struct sp_buf file;
	int64_t now;
	int r;

	if (failures == NULL || wait == NULL)
		return SP_ERR_INVALID_ARG;
	if ((r = wallet_alloc(&w, ops, name)) != SP_OK)
		return r;
	sp_buf_init(&file);
	if ((r = read_store(w, &file, &w->hdr)) != SP_OK)
		goto out;
	r = SP_ERR_INVALID_ARG;
	if (w->hdr.kdf != WAL_KDF_ARGON2ID)
		goto out;
	if ((r = guard_read(&w->ops, w->guard_name, w->hdr.id, &g)) != SP_OK)
		goto out;
	now = wal_now(w);
	*failures = g.failures;
	*wait = now < g.not_before ? g.not_before - now : 0;
out:
	sp_buf_clear(&file);
	sp_wallet_free(&w);
	return r;
}

/* Replaces the store key: new header and keys, then a save; the old ones
 * come back if the save fails. */
static int
rekey(struct sp_wallet *w, const struct wal_header *nh, const uint8_t *master)
{
	struct wal_header oh = w->hdr;
	struct wal_keys *ok;
	int r;

	if ((ok = sodium_malloc(sizeof(*ok))) == NULL)
		return SP_ERR_NOMEM;
	memcpy(ok, w->keys, sizeof(*ok));
	w->hdr = *nh;
	wal_keys_derive(w->keys, master);
	memcpy(w->hdr.kcv, w->keys->kcv, WAL_KCV_LEN);
	if ((r = wal_commit(w)) != SP_OK) {
		w->hdr = oh;
		memcpy(w->keys, ok, sizeof(*ok));
	}
	sodium_free(ok);
	return r;
}

int
sp_wallet_set_pin(struct sp_wallet *w, const char *pin,
    const struct sp_wallet_kdf *kdf)
{
	struct wal_header nh;
	struct wal_guard g;
	uint8_t *master = NULL;
	int r;

	if (w == NULL || !pin_ok(pin))
		return SP_ERR_INVALID_ARG;
	nh = w->hdr;
	memset(nh.salt, 0, sizeof(nh.salt));
	if ((r = kdf_header(&nh, kdf)) != SP_OK)
		return r;
	if ((master = sodium_malloc(32)) == NULL)
		return SP_ERR_NOMEM;
	if ((r = wal_random(w, nh.salt, sizeof(nh.salt))) == SP_OK &&
	    (r = wal_pin_master(master, pin, &nh)) == SP_OK &&
	    (r = rekey(w, &nh, master)) == SP_OK) {
		memset(&g, 0, sizeof(g));
		memcpy(g.id, w->hdr.id, WAL_ID_LEN);
		g.last = wal_now(w);
		r = guard_write(w, &g);
	}
	sodium_free(master);
	return r;
}

int
sp_wallet_set_key(struct sp_wallet *w, const uint8_t key[SP_WALLET_KEY_LEN])
{
	struct wal_header nh;

	if (w == NULL || key == NULL)
		return SP_ERR_INVALID_ARG;
	nh = w->hdr;
	nh.kdf = WAL_KDF_RAW;
	nh.opslimit = 0;
	nh.mem_kib = 0;
	memset(nh.salt, 0, sizeof(nh.salt));
	return rekey(w, &nh, key);
}

uint64_t
sp_wallet_generation(const struct sp_wallet *w)
{
	return w != NULL ? w->hdr.generation : 0;
}

/* ---- Passes ----------------------------------------------------------- */

size_t
sp_wallet_pass_count(const struct sp_wallet *w)
{
	return w != NULL && w->st != NULL ? w->st->n_passes : 0;
}

uint32_t
sp_wallet_pass_id(const struct sp_wallet *w, size_t i)
{
	if (w == NULL || w->st == NULL || i >= w->st->n_passes)
		return 0;
	return w->st->passes[i].id;
}

int
sp_wallet_pass_set_label(struct sp_wallet *w, uint32_t pass_id,
    const char *label)
{
	struct wal_pass *p;

	if (w == NULL || label == NULL || strlen(label) > SP_WALLET_LABEL_MAX)
		return SP_ERR_INVALID_ARG;
	if ((p = wal_pass_find(w->st, pass_id)) == NULL)
		return SP_ERR_WALLET_NO_PASS;
	(void)wal_strcpy(p->label, sizeof(p->label), label);
	return wal_commit(w);
}

int
sp_wallet_pass_remove(struct sp_wallet *w, uint32_t pass_id)
{
	struct wal_pass *p, *gone;
	struct wal_state *st;
	size_t i, idx;
	int r;

	if (w == NULL)
		return SP_ERR_INVALID_ARG;
	st = w->st;
	if ((p = wal_pass_find(st, pass_id)) == NULL)
		return SP_ERR_WALLET_NO_PASS;
	if ((gone = sodium_malloc(sizeof(*gone))) == NULL)
		return SP_ERR_NOMEM;
	if (w->shown.active && w->shown.pass_id == pass_id)
		sp_wallet_present_end(w);
	idx = (size_t)(p - st->passes);
	memcpy(gone, p, sizeof(*gone));	/* takes the issued buffers */
	memmove(p, p + 1, (st->n_passes - idx - 1) * sizeof(*p));
	st->n_passes--;
	sodium_memzero(&st->passes[st->n_passes], sizeof(*p));
	r = wal_commit(w);
	for (i = 0; i < gone->n_copies; i++) {
		if (r == SP_OK)
			wal_key_discard(w, &gone->copies[i].key);
		wal_copy_clear(&gone->copies[i]);
	}
	sodium_free(gone);
	return r;
}

/* ---- JSON views ------------------------------------------------------- */

static json_t *
leaf_json(const struct wal_leaf *l)
{
	struct cbor_reader r;
	const char *s;
	uint64_t u;
	size_t n;
	bool b;

	cbor_reader_init(&r, l->value, l->value_len);
	switch (cbor_peek(&r)) {
	case CBOR_TSTR:
		return cbor_read_tstr(&r, &s, &n) == SP_OK ?
		    json_stringn(s, n) : NULL;
	case CBOR_UINT:
		return cbor_read_uint(&r, &u) == SP_OK && u <= INT64_MAX ?
		    json_integer((json_int_t)u) : NULL;
	case CBOR_SIMPLE:
		return cbor_read_bool(&r, &b) == SP_OK ? json_boolean(b) : NULL;
	default:
		return NULL;
	}
}

/* Appends text s[0..n) to the array named key of o (made if absent). */
static void
json_push(json_t *o, const char *key, const char *s, size_t n)
{
	json_t *a = json_object_get(o, key);

	if (a == NULL) {
		a = json_array();
		if (json_object_set_new(o, key, a) != 0)
			return;
	}
	json_array_append_new(a, json_stringn(s, n));
}

static json_t *
claims_json(const struct wal_issued *v)
{
	json_t *o = json_object();
	const char *s;
	size_t i, n;

	for (i = 0; o != NULL && i < v->n; i++) {
		const struct wal_leaf *l = &v->leaves[i];
		const char *name = sp_claim_name((int)l->key);

		if (l->key == SP_CLAIM_PASS_NO || name == NULL)
			continue;
		if (l->key == SP_CLAIM_CATEGORY && wal_leaf_text(l, &s, &n))
			json_push(o, "categories", s, n);
		else if (l->key == SP_CLAIM_LIMIT_TAG &&
		    wal_leaf_scope(l, &s, &n))
			json_push(o, "limit_scopes", s, n);
		else if (l->key == SP_CLAIM_LIMIT_KEY &&
		    wal_leaf_scope(l, &s, &n))
			json_push(o, "limit_categories", s, n);
		else
			json_object_set_new(o, name, leaf_json(l));
	}
	return o;
}

static int
json_out(char **out, json_t *o)
{
	char *s;

	if (o == NULL)
		return SP_ERR_NOMEM;
	s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (s == NULL)
		return SP_ERR_NOMEM;
	*out = s;
	return SP_OK;
}

int
sp_wallet_pass_json(const struct sp_wallet *w, char **json, uint32_t pass_id)
{
	const struct wal_pass *p;
	const struct wal_copy *newest = NULL;
	struct wal_issued *v;
	int64_t now, from = INT64_MAX, until = 0;
	size_t i, unused = 0;
	json_t *o;
	int r;

	if (w == NULL || json == NULL)
		return SP_ERR_INVALID_ARG;
	if ((p = wal_pass_find(w->st, pass_id)) == NULL)
		return SP_ERR_WALLET_NO_PASS;
	now = wal_now(w);
	for (i = 0; i < p->n_copies; i++) {
		const struct wal_copy *c = &p->copies[i];

		if (c->nbf < from)
			from = c->nbf;
		if (c->exp > until)
			until = c->exp;
		if (newest == NULL || c->exp > newest->exp)
			newest = c;
		if (c->used == 0 && now < c->exp)
			unused++;
	}
	if ((v = malloc(sizeof(*v))) == NULL)
		return SP_ERR_NOMEM;
	o = json_object();
	json_object_set_new(o, "id", json_integer(p->id));
	json_object_set_new(o, "label", json_string(p->label));
	json_object_set_new(o, "pass_no", json_string(p->pass_no));
	json_object_set_new(o, "copies", json_integer((json_int_t)p->n_copies));
	json_object_set_new(o, "unused", json_integer((json_int_t)unused));
	if (newest != NULL && wal_issued_parse(v, newest->issued,
	    newest->issued_len) == SP_OK) {
		json_object_set_new(o, "issuer", v->claims.iss != NULL ?
		    json_stringn(v->claims.iss, v->claims.iss_len) :
		    json_null());
		json_object_set_new(o, "valid_from", json_integer(from));
		json_object_set_new(o, "valid_until", json_integer(until));
		json_object_set_new(o, "claims", claims_json(v));
	}
	r = json_out(json, o);
	sodium_memzero(v, sizeof(*v));
	free(v);
	return r;
}

int
sp_wallet_history_json(const struct sp_wallet *w, char **json)
{
	json_t *a;
	size_t i, j;

	if (w == NULL || json == NULL)
		return SP_ERR_INVALID_ARG;
	a = json_array();
	for (i = 0; a != NULL && i < w->st->n_events; i++) {
		const struct wal_event *ev = &w->st->events[i];
		json_t *o = json_object(), *c = json_array();

		for (j = 0; j < ev->n_claims; j++) {
			const char *n = sp_claim_name(ev->claims[j]);

			json_array_append_new(c, n != NULL ? json_string(n) :
			    json_integer(ev->claims[j]));
		}
		json_object_set_new(o, "time", json_integer(ev->time));
		json_object_set_new(o, "pass", json_integer(ev->pass_id));
		json_object_set_new(o, "offer",
		    json_integer((json_int_t)ev->offer));
		json_object_set_new(o, "counter",
		    json_integer((json_int_t)ev->counter));
		json_object_set_new(o, "audience", ev->aud[0] != 0 ?
		    json_string(ev->aud) : json_null());
		json_object_set_new(o, "claims", c);
		json_array_append_new(a, o);
	}
	return json_out(json, a);
}

void
sp_wallet_str_free(char *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

void
sp_wallet_bytes_free(void *p, size_t len)
{
	sp_bytes_free(p, len);
}
