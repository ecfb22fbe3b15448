/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The decrypted wallet state: its deterministic CBOR encoding and strict
 * decoding (docs/FORMATS.md "Wallet store", plaintext), and the parser of
 * issued passes that decoding and issuance share.
 */
#include "wallet_int.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* Limits the state plaintext is checked against before it is walked. */
static const struct cbor_limits state_limits = {
	.max_len = WAL_FILE_MAX,
	.max_depth = 6,
	.max_items = 65536,
	.max_count = WAL_MAX_EVENTS,
	.max_str = PASS_MAX_LEN,
};

int
wal_state_new(struct wal_state **out)
{
	struct wal_state *st;

	if ((st = sodium_malloc(sizeof(*st))) == NULL)
		return SP_ERR_NOMEM;
	sodium_memzero(st, sizeof(*st));
	st->next_id = 1;
	*out = st;
	return SP_OK;
}

void
wal_copy_clear(struct wal_copy *c)
{
	if (c->issued != NULL)
		sp_bytes_free(c->issued, c->issued_len);
	sodium_memzero(c, sizeof(*c));
}

void
wal_state_free(struct wal_state **sp)
{
	struct wal_state *st;
	size_t i, j;

	if (sp == NULL || (st = *sp) == NULL)
		return;
	for (i = 0; i < st->n_passes && i < SP_WALLET_MAX_PASSES; i++)
		for (j = 0; j < st->passes[i].n_copies &&
		    j < WAL_MAX_COPIES; j++)
			wal_copy_clear(&st->passes[i].copies[j]);
	sodium_free(st);	/* wipes */
	*sp = NULL;
}

struct wal_pass *
wal_pass_find(struct wal_state *st, uint32_t id)
{
	size_t i;

	for (i = 0; i < st->n_passes; i++)
		if (st->passes[i].id == id)
			return &st->passes[i];
	return NULL;
}

/* ---- Issued passes ---------------------------------------------------- */

bool
wal_leaf_text(const struct wal_leaf *l, const char **s, size_t *n)
{
	struct cbor_reader r;

	cbor_reader_init(&r, l->value, l->value_len);
	return cbor_read_tstr(&r, s, n) == SP_OK;
}

bool
wal_leaf_scope(const struct wal_leaf *l, const char **s, size_t *n)
{
	struct cbor_reader r;
	const uint8_t *b;
	uint64_t cnt;
	size_t blen;

	if (l->key != SP_CLAIM_LIMIT_TAG && l->key != SP_CLAIM_LIMIT_KEY)
		return false;
	cbor_reader_init(&r, l->value, l->value_len);
	return cbor_read_array(&r, &cnt) == SP_OK && cnt == 2 &&
	    cbor_read_tstr(&r, s, n) == SP_OK &&
	    cbor_read_bstr(&r, &b, &blen) == SP_OK && blen == SP_TAG_LEN &&
	    cbor_reader_done(&r);
}

/* Known claims must have their types (docs/FORMATS.md 2.1); unknown ones
 * (a newer issuer) are kept as they are. */
static bool
leaf_type_ok(const struct wal_leaf *l)
{
	struct cbor_reader r;
	const char *s;
	uint64_t u;
	size_t n;
	bool b;

	cbor_reader_init(&r, l->value, l->value_len);
	switch (l->key) {
	case 0:
		return cbor_read_null(&r) && cbor_reader_done(&r);
	case SP_CLAIM_PASS_NO:
	case SP_CLAIM_NAME:
	case SP_CLAIM_CATEGORY:
		return cbor_read_tstr(&r, &s, &n) == SP_OK &&
		    cbor_reader_done(&r) && (l->key != SP_CLAIM_PASS_NO ||
		    (n > 0 && n <= WAL_PASSNO_MAX &&
		    memchr(s, 0, n) == NULL));
	case SP_CLAIM_BIRTH_YEAR:
	case SP_CLAIM_HOUSEHOLD_SIZE:
		return cbor_read_uint(&r, &u) == SP_OK && cbor_reader_done(&r);
	case SP_CLAIM_AGE_UNDER_12:
	case SP_CLAIM_AGE_UNDER_18:
	case SP_CLAIM_AGE_OVER_65:
		return cbor_read_bool(&r, &b) == SP_OK && cbor_reader_done(&r);
	case SP_CLAIM_LIMIT_TAG:
	case SP_CLAIM_LIMIT_KEY:
		return wal_leaf_scope(l, &s, &n) && n > 0 &&
		    n <= PASS_MAX_SCOPE;
	default:
		return true;
	}
}

static int
leaves_parse(struct wal_issued *v, struct cbor_reader *r,
    uint8_t (*hashes)[SD_HASH_LEN])
{
	const uint8_t *salt;
	uint64_t n, i, three;
	size_t salt_len;

	if (cbor_read_array(r, &n) != SP_OK || n != v->claims.sd_count ||
	    n == 0 || n > SD_MAX_LEAVES)
		return SP_ERR_CLAIMS;
	v->n = (size_t)n;
	for (i = 0; i < n; i++) {
		struct wal_leaf *l = &v->leaves[i];
		const uint8_t *start = r->p;
		int ret;

		if (cbor_read_array(r, &three) != SP_OK || three != 3 ||
		    cbor_read_bstr(r, &salt, &salt_len) != SP_OK ||
		    salt_len != SD_SALT_LEN ||
		    cbor_read_uint(r, &l->key) != SP_OK || l->key > 255)
			return SP_ERR_CLAIMS;
		l->value = r->p;
		if ((ret = cbor_skip(r)) != SP_OK)
			return ret;
		l->value_len = (size_t)(r->p - l->value);
		if (!leaf_type_ok(l))
			return SP_ERR_CLAIMS;
		sd_leaf_hash(hashes[i], start, (size_t)(r->p - start));
	}
	return SP_OK;
}

int
wal_issued_parse(struct wal_issued *v, const uint8_t *buf, size_t len)
{
	uint8_t hashes[SD_MAX_LEAVES][SD_HASH_LEN], root[SD_HASH_LEN];
	struct cbor_reader r;
	const uint8_t *p;
	uint64_t n, ver;
	int ret;

	memset(v, 0, sizeof(*v));
	if (buf == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	if (len > PASS_MAX_LEN)
		return SP_ERR_TOO_LARGE;
	if ((ret = cbor_check(buf, len, &pass_cbor_limits,
	    CBOR_F_DETERMINISTIC, NULL)) != SP_OK)
		return ret;
	cbor_reader_init(&r, buf, len);
	if (cbor_read_array(&r, &n) != SP_OK || n != 3)
		return SP_ERR_CLAIMS;
	if (cbor_read_uint(&r, &ver) != SP_OK || ver != PASS_FORMAT_VERSION)
		return SP_ERR_VERSION;
	p = r.p;
	if ((ret = cbor_skip(&r)) != SP_OK)
		return ret;
	v->cred = p;
	v->cred_len = (size_t)(r.p - p);
	if ((ret = cose_sign1_decode(&v->cose, v->cred, v->cred_len,
	    COSE_F_STRICT)) != SP_OK)
		return ret;
	if (v->cose.payload == NULL)
		return SP_ERR_COSE;
	if ((ret = pass_claims_decode(&v->claims, v->cose.payload,
	    v->cose.payload_len)) != SP_OK)
		return ret;
	if ((ret = leaves_parse(v, &r, hashes)) != SP_OK)
		return ret;
	if (!cbor_reader_done(&r))
		return SP_ERR_CBOR_TRAILING;
	if ((ret = sd_root(root, (const uint8_t (*)[SD_HASH_LEN])hashes,
	    v->n)) != SP_OK)
		return ret;
	return sodium_memcmp(root, v->claims.sd_root, SD_HASH_LEN) == 0 ?
	    SP_OK : SP_ERR_DISCLOSURE;
}

int
wal_issued_verify(const struct wal_issued *v, const struct sp_trust *t)
{
	/* As the verifier: alg and kid in the protected header only
	 * (COSE_F_STRICT made sure of that), a key we trust by kid. */
	if (!v->cose.has_alg || !v->cose.alg_protected)
		return SP_ERR_UNSUPPORTED_ALG;
	return trust_verify(t, &v->cose);
}

const struct wal_leaf *
wal_issued_leaf(const struct wal_issued *v, int key)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (key > 0 && v->leaves[i].key == (uint64_t)key)
			return &v->leaves[i];
	return NULL;
}

int
wal_issued_text(const struct wal_issued *v, int key, char *out, size_t cap)
{
	const struct wal_leaf *l = wal_issued_leaf(v, key);
	const char *s;
	size_t n;

	if (l == NULL || !wal_leaf_text(l, &s, &n))
		return SP_ERR_NOT_FOUND;
	if (n >= cap || memchr(s, 0, n) != NULL)
		return SP_ERR_CLAIMS;
	memcpy(out, s, n);
	out[n] = 0;
	return SP_OK;
}

/* ---- Encoding --------------------------------------------------------- */

static void
key_encode(struct cbor_enc *e, const struct wal_key *k)
{
	cbor_put_array(e, 3);
	cbor_put_uint(e, (uint64_t)k->kind);
	if (k->kind == SP_WALLET_KEY_HARDWARE)
		cbor_put_bstr(e, k->handle, k->handle_len);
	else
		cbor_put_bstr(e, k->secret, sizeof(k->secret));
	cbor_put_bstr(e, k->cose, k->cose_len);
}

static void
bytes_encode(struct cbor_enc *e, const uint8_t *p, size_t n)
{
	size_t i;

	cbor_put_array(e, n);
	for (i = 0; i < n; i++)
		cbor_put_uint(e, p[i]);
}

static void
pass_encode(struct cbor_enc *e, const struct wal_pass *p)
{
	size_t i;

	cbor_put_array(e, 5);
	cbor_put_uint(e, p->id);
	cbor_put_tstrz(e, p->label);
	cbor_put_tstrz(e, p->pass_no);
	cbor_put_array(e, p->n_copies);
	for (i = 0; i < p->n_copies; i++) {
		const struct wal_copy *c = &p->copies[i];

		cbor_put_array(e, 3);
		cbor_put_bstr(e, c->issued, c->issued_len);
		key_encode(e, &c->key);
		cbor_put_uint(e, (uint64_t)c->used);
	}
	cbor_put_array(e, p->n_counters);
	for (i = 0; i < p->n_counters; i++) {
		cbor_put_array(e, 2);
		cbor_put_uint(e, p->counters[i].offer);
		cbor_put_uint(e, p->counters[i].last);
	}
}

int
wal_state_encode(struct sp_buf *out, const struct wal_state *st)
{
	const struct wal_pending *pd = &st->pending;
	struct cbor_enc e;
	size_t i;

	cbor_enc_init(&e, out);
	cbor_put_array(&e, 5);
	cbor_put_uint(&e, WAL_STATE_VERSION);
	cbor_put_uint(&e, st->next_id);
	cbor_put_array(&e, st->n_passes);
	for (i = 0; i < st->n_passes; i++)
		pass_encode(&e, &st->passes[i]);
	cbor_put_array(&e, st->n_events);
	for (i = 0; i < st->n_events; i++) {
		const struct wal_event *ev = &st->events[i];

		cbor_put_array(&e, 6);
		cbor_put_uint(&e, (uint64_t)ev->time);
		cbor_put_uint(&e, ev->pass_id);
		cbor_put_uint(&e, ev->offer);
		cbor_put_uint(&e, ev->counter);
		cbor_put_tstrz(&e, ev->aud);
		bytes_encode(&e, ev->claims, ev->n_claims);
	}
	if (!pd->active) {
		cbor_put_null(&e);
		return cbor_enc_finish(&e);
	}
	cbor_put_array(&e, 6);
	cbor_put_bstr(&e, pd->nonce, sizeof(pd->nonce));
	cbor_put_uint(&e, (uint64_t)pd->created);
	cbor_put_uint(&e, pd->renew);
	cbor_put_tstrz(&e, pd->label);
	bytes_encode(&e, pd->claims, pd->n_claims);
	cbor_put_array(&e, pd->n_keys);
	for (i = 0; i < pd->n_keys; i++)
		key_encode(&e, &pd->keys[i]);
	return cbor_enc_finish(&e);
}

/* ---- Decoding --------------------------------------------------------- */

/* Every failure below is "the plaintext is not a state we wrote". */
#define BAD SP_ERR_WALLET_CORRUPT

static int
read_u32(struct cbor_reader *r, uint32_t *v)
{
	uint64_t u;

	if (cbor_read_uint(r, &u) != SP_OK || u > UINT32_MAX)
		return BAD;
	*v = (uint32_t)u;
	return SP_OK;
}

static int
read_time(struct cbor_reader *r, int64_t *v)
{
	uint64_t u;

	if (cbor_read_uint(r, &u) != SP_OK || u > (uint64_t)UINT32_MAX * 4)
		return BAD;
	*v = (int64_t)u;
	return SP_OK;
}

static int
read_text(struct cbor_reader *r, char *out, size_t cap)
{
	const char *s;
	size_t n;

	if (cbor_read_tstr(r, &s, &n) != SP_OK || n >= cap ||
	    memchr(s, 0, n) != NULL)
		return BAD;
	memcpy(out, s, n);
	out[n] = 0;
	return SP_OK;
}

static int
read_small(struct cbor_reader *r, uint8_t *out, size_t *n, size_t cap)
{
	uint64_t cnt, i, v;

	if (cbor_read_array(r, &cnt) != SP_OK || cnt > cap)
		return BAD;
	for (i = 0; i < cnt; i++) {
		if (cbor_read_uint(r, &v) != SP_OK || v == 0 || v > 255)
			return BAD;
		out[i] = (uint8_t)v;
	}
	*n = (size_t)cnt;
	return SP_OK;
}

static int
key_decode(struct cbor_reader *r, struct wal_key *k)
{
	const uint8_t *p;
	uint64_t n, kind;
	size_t len;

	if (cbor_read_array(r, &n) != SP_OK || n != 3 ||
	    cbor_read_uint(r, &kind) != SP_OK ||
	    (kind != SP_WALLET_KEY_ED25519 && kind != SP_WALLET_KEY_P256 &&
	    kind != SP_WALLET_KEY_HARDWARE) ||
	    cbor_read_bstr(r, &p, &len) != SP_OK)
		return BAD;
	k->kind = (int)kind;
	if (kind == SP_WALLET_KEY_HARDWARE) {
		if (len == 0 || len > sizeof(k->handle))
			return BAD;
		memcpy(k->handle, p, len);
		k->handle_len = len;
	} else {
		if (len != sizeof(k->secret))
			return BAD;
		memcpy(k->secret, p, len);
	}
	if (cbor_read_bstr(r, &p, &len) != SP_OK || len == 0 ||
	    len > sizeof(k->cose))
		return BAD;
	memcpy(k->cose, p, len);
	k->cose_len = len;
	return SP_OK;
}

/* A stored copy must still parse, and be bound to its stored key. */
static int
copy_decode(struct cbor_reader *r, struct wal_copy *c)
{
	struct wal_issued *v = NULL;
	const uint8_t *p;
	uint64_t n;
	size_t len;
	int ret = BAD;

	if (cbor_read_array(r, &n) != SP_OK || n != 3 ||
	    cbor_read_bstr(r, &p, &len) != SP_OK || len == 0 ||
	    len > PASS_MAX_LEN)
		return BAD;
	if ((c->issued = malloc(len)) == NULL)
		return SP_ERR_NOMEM;
	memcpy(c->issued, p, len);
	c->issued_len = len;
	if (key_decode(r, &c->key) != SP_OK || read_time(r, &c->used) != SP_OK)
		return BAD;
	if ((v = malloc(sizeof(*v))) == NULL)
		return SP_ERR_NOMEM;
	if (wal_issued_parse(v, c->issued, c->issued_len) == SP_OK &&
	    v->claims.cnf_key_len == c->key.cose_len &&
	    memcmp(v->claims.cnf_key, c->key.cose, c->key.cose_len) == 0) {
		c->nbf = v->claims.nbf;
		c->exp = v->claims.exp;
		ret = SP_OK;
	}
	free(v);
	return ret;
}

static int
pass_decode(struct cbor_reader *r, struct wal_pass *p)
{
	uint64_t n, i;

	if (cbor_read_array(r, &n) != SP_OK || n != 5 ||
	    read_u32(r, &p->id) != SP_OK || p->id == 0 ||
	    read_text(r, p->label, sizeof(p->label)) != SP_OK ||
	    read_text(r, p->pass_no, sizeof(p->pass_no)) != SP_OK ||
	    p->pass_no[0] == 0)
		return BAD;
	if (cbor_read_array(r, &n) != SP_OK || n > WAL_MAX_COPIES)
		return BAD;
	for (i = 0; i < n; i++) {
		int ret;

		p->n_copies = (size_t)i + 1;	/* so that a failure frees */
		if ((ret = copy_decode(r, &p->copies[i])) != SP_OK)
			return ret;
	}
	if (cbor_read_array(r, &n) != SP_OK || n > WAL_MAX_COUNTERS)
		return BAD;
	p->n_counters = (size_t)n;
	for (i = 0; i < n; i++) {
		uint64_t two;

		if (cbor_read_array(r, &two) != SP_OK || two != 2 ||
		    cbor_read_uint(r, &p->counters[i].offer) != SP_OK ||
		    p->counters[i].offer == 0 ||
		    cbor_read_uint(r, &p->counters[i].last) != SP_OK)
			return BAD;
	}
	return SP_OK;
}

static int
event_decode(struct cbor_reader *r, struct wal_event *ev)
{
	uint64_t n;

	if (cbor_read_array(r, &n) != SP_OK || n != 6 ||
	    read_time(r, &ev->time) != SP_OK ||
	    read_u32(r, &ev->pass_id) != SP_OK ||
	    cbor_read_uint(r, &ev->offer) != SP_OK ||
	    cbor_read_uint(r, &ev->counter) != SP_OK ||
	    read_text(r, ev->aud, sizeof(ev->aud)) != SP_OK ||
	    read_small(r, ev->claims, &ev->n_claims, WAL_EVENT_CLAIMS) != SP_OK)
		return BAD;
	return SP_OK;
}

static int
pending_decode(struct cbor_reader *r, struct wal_pending *pd)
{
	const uint8_t *p;
	uint64_t n, i;
	size_t len;

	if (cbor_read_null(r))
		return SP_OK;
	if (cbor_read_array(r, &n) != SP_OK || n != 6 ||
	    cbor_read_bstr(r, &p, &len) != SP_OK || len != WAL_NONCE_LEN ||
	    read_time(r, &pd->created) != SP_OK ||
	    read_u32(r, &pd->renew) != SP_OK ||
	    read_text(r, pd->label, sizeof(pd->label)) != SP_OK ||
	    read_small(r, pd->claims, &pd->n_claims, WAL_REQ_CLAIMS) != SP_OK)
		return BAD;
	memcpy(pd->nonce, p, len);
	if (cbor_read_array(r, &n) != SP_OK || n == 0 ||
	    n > SP_WALLET_BATCH_MAX)
		return BAD;
	pd->n_keys = (size_t)n;
	for (i = 0; i < n; i++)
		if (key_decode(r, &pd->keys[i]) != SP_OK)
			return BAD;
	pd->active = true;
	return SP_OK;
}

/* Ids unique and below next_id, counters' offers unique. */
static int
state_consistent(const struct wal_state *st)
{
	size_t i, j, k;

	for (i = 0; i < st->n_passes; i++) {
		const struct wal_pass *p = &st->passes[i];

		if (p->id >= st->next_id)
			return BAD;
		for (j = 0; j < i; j++)
			if (st->passes[j].id == p->id ||
			    strcmp(st->passes[j].pass_no, p->pass_no) == 0)
				return BAD;
		for (j = 0; j < p->n_counters; j++)
			for (k = 0; k < j; k++)
				if (p->counters[k].offer ==
				    p->counters[j].offer)
					return BAD;
	}
	return SP_OK;
}

static int
state_decode_into(struct wal_state *st, const uint8_t *buf, size_t len)
{
	struct cbor_reader r;
	uint64_t n, i, ver;

	if (cbor_check(buf, len, &state_limits, CBOR_F_DETERMINISTIC,
	    NULL) != SP_OK)
		return BAD;
	cbor_reader_init(&r, buf, len);
	if (cbor_read_array(&r, &n) != SP_OK || n != 5 ||
	    cbor_read_uint(&r, &ver) != SP_OK)
		return BAD;
	if (ver != WAL_STATE_VERSION)
		return SP_ERR_VERSION;
	if (read_u32(&r, &st->next_id) != SP_OK || st->next_id == 0 ||
	    cbor_read_array(&r, &n) != SP_OK || n > SP_WALLET_MAX_PASSES)
		return BAD;
	for (i = 0; i < n; i++) {
		int ret;

		st->n_passes = (size_t)i + 1;
		if ((ret = pass_decode(&r, &st->passes[i])) != SP_OK)
			return ret;
	}
	if (cbor_read_array(&r, &n) != SP_OK || n > WAL_MAX_EVENTS)
		return BAD;
	st->n_events = (size_t)n;
	for (i = 0; i < n; i++)
		if (event_decode(&r, &st->events[i]) != SP_OK)
			return BAD;
	if (pending_decode(&r, &st->pending) != SP_OK ||
	    !cbor_reader_done(&r))
		return BAD;
	return state_consistent(st);
}

int
wal_state_decode(struct wal_state **out, const uint8_t *buf, size_t len)
{
	struct wal_state *st = NULL;
	int r;

	if (buf == NULL || len == 0)
		return BAD;
	if ((r = wal_state_new(&st)) != SP_OK)
		return r;
	if ((r = state_decode_into(st, buf, len)) != SP_OK) {
		wal_state_free(&st);
		return r;
	}
	*out = st;
	return SP_OK;
}
