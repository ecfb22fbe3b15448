/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issuance, sans-IO (docs/HTTP_API.md "Wallet issuance"): the request
 * body for POST /wallet/credential with one proof of possession per fresh
 * holder key, and the all-or-nothing check of the batch the issuer sends
 * back. The app does the HTTP; renewal is the same exchange.
 */
#include "wallet_int.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#define POP_LABEL "stadspas pop v1"	/* signed with its NUL */
#define CODE_MAX 32
#define JSON_MAX (256u * 1024u)		/* response body, bytes */

/* Case, spaces and dashes do not count (as the issuer normalises); the
 * normalised code is what is sent and signed. */
static bool
code_normalise(char out[CODE_MAX + 1], const char *code)
{
	size_t n = 0;
	const char *p;

	for (p = code; *p != 0; p++) {
		char c = *p;

		if (c == '-' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ||
		    n == CODE_MAX)
			return false;
		out[n++] = c;
	}
	out[n] = 0;
	return n > 0;
}

static int
nonce_parse(uint8_t nonce[WAL_NONCE_LEN], const char *json, size_t len)
{
	struct sp_buf b;
	json_error_t err;
	json_t *o, *n;
	int r = SP_ERR_INVALID_ARG;

	if (json == NULL || len == 0 || len > 4096)
		return SP_ERR_INVALID_ARG;
	if ((o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err)) == NULL)
		return SP_ERR_INVALID_ARG;
	sp_buf_init(&b);
	n = json_object_get(o, "nonce");
	if (json_is_object(o) && json_is_string(n) &&
	    wal_unhex(&b, json_string_value(n), WAL_NONCE_LEN) == SP_OK &&
	    b.len == WAL_NONCE_LEN) {
		memcpy(nonce, b.ptr, WAL_NONCE_LEN);
		r = SP_OK;
	}
	sp_buf_clear(&b);
	json_decref(o);
	return r;
}

static int
req_claims(struct wal_pending *pd, const struct sp_wallet_request *req)
{
	size_t i;

	if (req->claim_count > WAL_REQ_CLAIMS ||
	    (req->claims == NULL && req->claim_count != 0))
		return SP_ERR_INVALID_ARG;
	for (i = 0; i < req->claim_count; i++) {
		int k = wal_claim_key(req->claims[i]);

		if (k <= 0 || k > 255)
			return SP_ERR_INVALID_ARG;
		pd->claims[i] = (uint8_t)k;
	}
	pd->n_claims = req->claim_count;
	return SP_OK;
}

/* The proof of possession: key's signature over "stadspas pop v1" 0x00 ||
 * nonce || code. */
static int
proof_json(const struct sp_wallet *w, json_t *proofs, const struct wal_key *k,
    const uint8_t nonce[WAL_NONCE_LEN], const char *code)
{
	uint8_t msg[sizeof(POP_LABEL) + WAL_NONCE_LEN + CODE_MAX], sig[64];
	size_t n = 0, cl = strlen(code);
	char *kh = NULL, *sh = NULL;
	int r;

	memcpy(msg, POP_LABEL, sizeof(POP_LABEL));
	n += sizeof(POP_LABEL);
	memcpy(msg + n, nonce, WAL_NONCE_LEN);
	n += WAL_NONCE_LEN;
	memcpy(msg + n, code, cl);
	n += cl;
	if ((r = wal_key_sign(w, k, sig, msg, n)) != SP_OK)
		goto out;
	r = SP_ERR_NOMEM;
	if ((kh = wal_hex(k->cose, k->cose_len)) == NULL ||
	    (sh = wal_hex(sig, sizeof(sig))) == NULL)
		goto out;
	if (json_array_append_new(proofs, json_pack("{s:s, s:s}", "key", kh,
	    "sig", sh)) == 0)
		r = SP_OK;
out:
	free(kh);
	free(sh);
	sodium_memzero(msg, sizeof(msg));
	return r;
}

static int
request_body(char **body, const struct sp_wallet *w,
    const struct wal_pending *pd, const char *code)
{
	json_t *o = NULL, *proofs;
	char *nh = NULL, *s;
	size_t i;
	int r = SP_ERR_NOMEM;

	if ((proofs = json_array()) == NULL ||
	    (nh = wal_hex(pd->nonce, sizeof(pd->nonce))) == NULL)
		goto out;
	for (i = 0; i < pd->n_keys; i++)
		if ((r = proof_json(w, proofs, &pd->keys[i], pd->nonce, code)) !=
		    SP_OK)
			goto out;
	r = SP_ERR_NOMEM;
	o = json_pack("{s:s, s:s, s:O}", "code", code, "nonce", nh, "proofs",
	    proofs);
	if (o == NULL || (s = json_dumps(o, JSON_COMPACT)) == NULL)
		goto out;
	*body = s;
	r = SP_OK;
out:
	free(nh);
	json_decref(proofs);
	json_decref(o);
	return r;
}

static void
keys_discard(const struct sp_wallet *w, struct wal_key *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		wal_key_discard(w, &k[i]);
}

int
sp_wallet_issuance_request(struct sp_wallet *w, char **body,
    const char *code, const char *nonce_json, size_t nonce_json_len,
    const struct sp_wallet_request *req)
{
	static const struct sp_wallet_request defaults = { 0 };
	struct wal_pending *pd = NULL, *old = NULL;
	char norm[CODE_MAX + 1];
	char *s = NULL;
	size_t i;
	int r = SP_ERR_INVALID_ARG;

	if (w == NULL || body == NULL || code == NULL ||
	    strlen(code) > 3 * CODE_MAX || !code_normalise(norm, code))
		return SP_ERR_INVALID_ARG;
	if (req == NULL)
		req = &defaults;
	if (req->batch > SP_WALLET_BATCH_MAX ||
	    (req->label != NULL && strlen(req->label) > SP_WALLET_LABEL_MAX) ||
	    (req->key_kind != 0 && req->key_kind != SP_WALLET_KEY_ED25519 &&
	    req->key_kind != SP_WALLET_KEY_P256 &&
	    req->key_kind != SP_WALLET_KEY_HARDWARE))
		return SP_ERR_INVALID_ARG;
	if (req->renew != 0 && wal_pass_find(w->st, req->renew) == NULL)
		return SP_ERR_WALLET_NO_PASS;
	if ((pd = sodium_malloc(sizeof(*pd))) == NULL ||
	    (old = sodium_malloc(sizeof(*old))) == NULL) {
		r = SP_ERR_NOMEM;
		goto out;
	}
	sodium_memzero(pd, sizeof(*pd));
	if ((r = nonce_parse(pd->nonce, nonce_json, nonce_json_len)) != SP_OK ||
	    (r = req_claims(pd, req)) != SP_OK)
		goto out;
	pd->active = true;
	pd->created = wal_now(w);
	pd->renew = req->renew;
	if (req->label != NULL)
		(void)wal_strcpy(pd->label, sizeof(pd->label), req->label);
	for (i = 0; i < (req->batch != 0 ? req->batch :
	    SP_WALLET_BATCH_DEFAULT); i++) {
		if ((r = wal_key_generate(w, &pd->keys[i], req->key_kind != 0 ?
		    req->key_kind : SP_WALLET_KEY_ED25519)) != SP_OK)
			goto out;
		pd->n_keys = i + 1;
	}
	if ((r = request_body(&s, w, pd, norm)) != SP_OK)
		goto out;
	/* Durable before the body leaves: the issuer will bind passes to
	 * these keys, and the code works only once. */
	memcpy(old, &w->st->pending, sizeof(*old));
	memcpy(&w->st->pending, pd, sizeof(*pd));
	if ((r = wal_commit(w)) != SP_OK)
		goto out;
	keys_discard(w, old->keys, old->active ? old->n_keys : 0);
	pd->n_keys = 0;		/* now the state's */
	*body = s;
	s = NULL;
out:
	if (pd != NULL) {
		keys_discard(w, pd->keys, pd->n_keys);
		sodium_free(pd);
	}
	if (old != NULL)
		sodium_free(old);
	sp_wallet_str_free(s);
	sodium_memzero(norm, sizeof(norm));
	return r;
}

int
sp_wallet_issuance_cancel(struct sp_wallet *w)
{
	struct wal_pending *old;
	int r;

	if (w == NULL)
		return SP_ERR_INVALID_ARG;
	if (!w->st->pending.active)
		return SP_ERR_WALLET_NO_REQUEST;
	if ((old = sodium_malloc(sizeof(*old))) == NULL)
		return SP_ERR_NOMEM;
	memcpy(old, &w->st->pending, sizeof(*old));
	sodium_memzero(&w->st->pending, sizeof(w->st->pending));
	if ((r = wal_commit(w)) == SP_OK)
		keys_discard(w, old->keys, old->n_keys);
	sodium_free(old);
	return r;
}

/* ---- Accepting a batch ------------------------------------------------ */

int
wal_trust_build(struct sp_trust **out, const uint8_t *buf, size_t len)
{
	struct sp_trust *t = NULL;
	struct cbor_reader r;
	const uint8_t *p;
	uint64_t n = 1, i;
	size_t added = 0;
	bool set;
	int ret;

	if (buf == NULL || len == 0 || len > 64 * 1024)
		return SP_ERR_INVALID_ARG;
	if (cbor_check(buf, len, NULL, 0, NULL) != SP_OK)
		return SP_ERR_KEY;
	if ((ret = sp_trust_new(&t)) != SP_OK)
		return ret;
	cbor_reader_init(&r, buf, len);
	set = cbor_peek(&r) == CBOR_ARRAY;
	if (set && cbor_read_array(&r, &n) != SP_OK) {
		ret = SP_ERR_KEY;
		goto fail;
	}
	for (i = 0; i < n; i++) {
		p = r.p;
		if (cbor_skip(&r) != SP_OK) {
			ret = SP_ERR_KEY;
			goto fail;
		}
		ret = sp_trust_add_cose_key(t, p, (size_t)(r.p - p));
		if (ret == SP_OK)
			added++;
		else if (ret != SP_ERR_UNSUPPORTED_ALG)
			goto fail;
	}
	ret = SP_ERR_KEY;
	if (added == 0)
		goto fail;
	*out = t;
	return SP_OK;
fail:
	sp_trust_free(&t);
	return ret == SP_ERR_TOO_LARGE ? ret : SP_ERR_KEY;
}

struct claim_ref {
	uint64_t key;
	const uint8_t *value;
	size_t len;
};

static int
claim_cmp(const void *a, const void *b)
{
	const struct claim_ref *x = a, *y = b;
	int c;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	c = memcmp(x->value, y->value, x->len);
	return c;
}

/* The claims of a copy as a sorted multiset (padding left out). */
static size_t
claims_sorted(struct claim_ref *out, const struct wal_issued *v)
{
	size_t i, n = 0;

	for (i = 0; i < v->n; i++) {
		if (v->leaves[i].key == 0)
			continue;
		out[n].key = v->leaves[i].key;
		out[n].value = v->leaves[i].value;
		out[n].len = v->leaves[i].value_len;
		n++;
	}
	qsort(out, n, sizeof(*out), claim_cmp);
	return n;
}

/* Everything a verifier sees of a copy except its key, status index and
 * salts must be the same in every copy of a batch: otherwise the copies
 * could be told apart (or one carries other claims). */
static bool
same_pass(const struct wal_issued *a, const struct wal_issued *b)
{
	struct claim_ref ca[SD_MAX_LEAVES], cb[SD_MAX_LEAVES];
	size_t na, nb, i;

	if (a->claims.iat != b->claims.iat || a->claims.nbf != b->claims.nbf ||
	    a->claims.exp != b->claims.exp ||
	    a->claims.iss_len != b->claims.iss_len ||
	    (a->claims.iss_len > 0 && memcmp(a->claims.iss, b->claims.iss,
	    a->claims.iss_len) != 0) ||
	    a->claims.status_list != b->claims.status_list ||
	    a->n != b->n || a->cose.kid_len != b->cose.kid_len ||
	    memcmp(a->cose.kid, b->cose.kid, a->cose.kid_len) != 0 ||
	    a->cose.alg != b->cose.alg)
		return false;
	na = claims_sorted(ca, a);
	nb = claims_sorted(cb, b);
	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (claim_cmp(&ca[i], &cb[i]) != 0)
			return false;
	return true;
}

/* The batch being checked. */
struct batch {
	size_t n;
	struct wal_copy copies[SP_WALLET_BATCH_MAX];
	bool key_taken[SP_WALLET_BATCH_MAX];
	struct wal_issued first;	/* parse of copies[0] */
	struct wal_issued cur;
	char pass_no[WAL_PASSNO_MAX + 1];
};

static void
batch_free(struct batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		wal_copy_clear(&b->copies[i]);
	sodium_free(b);
}

/* Checks one copy (hex from the response) and adds it to the batch. */
static int
batch_add(struct batch *b, const struct wal_pending *pd,
    const struct sp_trust *t, const char *hex, int64_t now, json_int_t list)
{
	struct wal_issued *v = b->n == 0 ? &b->first : &b->cur;
	struct wal_copy *c = &b->copies[b->n];
	char pass_no[WAL_PASSNO_MAX + 1];
	struct sp_buf raw;
	size_t i, k;
	int r;

	sp_buf_init(&raw);
	if (wal_unhex(&raw, hex, PASS_MAX_LEN) != SP_OK || raw.len == 0) {
		sp_buf_clear(&raw);
		return SP_ERR_WALLET_BATCH;
	}
	c->issued = malloc(raw.len);
	if (c->issued == NULL) {
		sp_buf_clear(&raw);
		return SP_ERR_NOMEM;
	}
	memcpy(c->issued, raw.ptr, raw.len);
	c->issued_len = raw.len;
	sp_buf_clear(&raw);
	b->n++;		/* the batch owns c->issued from here */
	if ((r = wal_issued_parse(v, c->issued, c->issued_len)) != SP_OK ||
	    (r = wal_issued_verify(v, t)) != SP_OK)
		return r;
	for (k = 0; k < pd->n_keys; k++)
		if (pd->keys[k].cose_len == v->claims.cnf_key_len &&
		    memcmp(pd->keys[k].cose, v->claims.cnf_key,
		    v->claims.cnf_key_len) == 0)
			break;
	if (k == pd->n_keys)
		return SP_ERR_WALLET_FOREIGN_KEY;
	if (b->key_taken[k])
		return SP_ERR_WALLET_BATCH;
	b->key_taken[k] = true;
	c->key = pd->keys[k];
	c->nbf = v->claims.nbf;
	c->exp = v->claims.exp;
	if (wal_issued_text(v, SP_CLAIM_PASS_NO, pass_no, sizeof(pass_no)) !=
	    SP_OK)
		return SP_ERR_WALLET_CLAIMS;
	for (i = 0; i < pd->n_claims; i++)
		if (wal_issued_leaf(v, pd->claims[i]) == NULL)
			return SP_ERR_WALLET_CLAIMS;
	if (list >= 0 && (json_int_t)v->claims.status_list != list)
		return SP_ERR_WALLET_CLAIMS;
	if (v->claims.exp <= now)
		return SP_ERR_EXPIRED;
	if (b->n == 1)
		memcpy(b->pass_no, pass_no, sizeof(pass_no));
	else if (!same_pass(&b->first, v))
		return SP_ERR_WALLET_CLAIMS;
	return SP_OK;
}

static int
response_parse(json_t **passes, json_int_t *list, json_t **root,
    const char *json, size_t len)
{
	json_error_t err;
	json_t *o, *l;

	if (len > JSON_MAX)
		return SP_ERR_TOO_LARGE;
	if ((o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err)) == NULL)
		return SP_ERR_WALLET_BATCH;
	*root = o;
	if (!json_is_object(o))
		return SP_ERR_WALLET_BATCH;
	if (json_object_get(o, "error") != NULL)
		return SP_ERR_WALLET_REFUSED;
	*passes = json_object_get(o, "passes");
	if (!json_is_array(*passes) || json_array_size(*passes) == 0)
		return SP_ERR_WALLET_BATCH;
	*list = -1;
	if ((l = json_object_get(o, "list")) != NULL) {
		if (!json_is_integer(l) || json_integer_value(l) < 0)
			return SP_ERR_WALLET_BATCH;
		*list = json_integer_value(l);
	}
	return SP_OK;
}

/*
 * Puts the batch into its pass: the pass being renewed, the pass with the
 * same number, or a new one. Old copies go to *gone, except copies valid
 * now while the new batch is not yet valid (a renewal for next year), as
 * long as there is room.
 */
static int
batch_place(struct sp_wallet *w, uint32_t *pass_id, struct batch *b,
    struct wal_copy *gone, size_t *n_gone, int64_t now)
{
	struct wal_state *st = w->st;
	const struct wal_pending *pd = &st->pending;
	struct wal_pass *p = NULL;
	size_t i, keep = 0;
	bool fresh = b->copies[0].nbf <= now;

	if (pd->renew != 0) {
		if ((p = wal_pass_find(st, pd->renew)) == NULL)
			return SP_ERR_WALLET_NO_PASS;
		if (strcmp(p->pass_no, b->pass_no) != 0)
			return SP_ERR_WALLET_CLAIMS;
	}
	for (i = 0; p == NULL && i < st->n_passes; i++)
		if (strcmp(st->passes[i].pass_no, b->pass_no) == 0)
			p = &st->passes[i];
	if (p == NULL) {
		if (st->n_passes >= SP_WALLET_MAX_PASSES)
			return SP_ERR_WALLET_FULL;
		p = &st->passes[st->n_passes++];
		sodium_memzero(p, sizeof(*p));
		p->id = st->next_id++;
		memcpy(p->pass_no, b->pass_no, sizeof(p->pass_no));
	}
	if (pd->label[0] != 0)
		memcpy(p->label, pd->label, sizeof(p->label));
	*n_gone = 0;
	for (i = 0; i < p->n_copies; i++) {
		struct wal_copy *c = &p->copies[i];

		if (!fresh && c->nbf <= now && now < c->exp &&
		    keep + b->n < WAL_MAX_COPIES)
			p->copies[keep++] = *c;
		else
			gone[(*n_gone)++] = *c;
	}
	for (i = 0; i < b->n; i++)
		p->copies[keep + i] = b->copies[i];
	p->n_copies = keep + b->n;
	for (i = p->n_copies; i < WAL_MAX_COPIES; i++)
		sodium_memzero(&p->copies[i], sizeof(p->copies[i]));
	b->n = 0;	/* the pass owns the new copies now */
	*pass_id = p->id;
	return SP_OK;
}

int
sp_wallet_issuance_accept(struct sp_wallet *w, uint32_t *pass_id,
    const char *response, size_t response_len, const uint8_t *trust,
    size_t trust_len)
{
	struct sp_trust *t = NULL;
	struct batch *b = NULL;
	struct wal_copy *gone = NULL;
	struct wal_pending *pd = NULL;
	json_t *root = NULL, *passes = NULL;
	json_int_t list = -1;
	size_t i, n_gone = 0;
	uint32_t id = 0;
	int64_t now;
	int r;

	if (w == NULL || pass_id == NULL || response == NULL)
		return SP_ERR_INVALID_ARG;
	if (!w->st->pending.active)
		return SP_ERR_WALLET_NO_REQUEST;
	if ((r = wal_trust_build(&t, trust, trust_len)) != SP_OK)
		return r;
	r = SP_ERR_NOMEM;
	if ((b = sodium_malloc(sizeof(*b))) == NULL ||
	    (gone = sodium_malloc(WAL_MAX_COPIES * sizeof(*gone))) == NULL ||
	    (pd = sodium_malloc(sizeof(*pd))) == NULL)
		goto out;
	sodium_memzero(b, sizeof(*b));
	if ((r = response_parse(&passes, &list, &root, response,
	    response_len)) != SP_OK)
		goto out;
	r = SP_ERR_WALLET_BATCH;
	if (json_array_size(passes) > w->st->pending.n_keys)
		goto out;
	now = wal_now(w);
	for (i = 0; i < json_array_size(passes); i++) {
		const char *hex = json_string_value(json_array_get(passes, i));

		if (hex == NULL) {
			r = SP_ERR_WALLET_BATCH;
			goto out;
		}
		if ((r = batch_add(b, &w->st->pending, t, hex, now, list)) !=
		    SP_OK)
			goto out;
	}
	memcpy(pd, &w->st->pending, sizeof(*pd));
	if ((r = batch_place(w, &id, b, gone, &n_gone, now)) != SP_OK)
		goto out;
	sodium_memzero(&w->st->pending, sizeof(w->st->pending));
	/* On failure the rolled-back state has the old copies again (as
	 * decoded copies); the ones in gone are freed below either way. */
	if ((r = wal_commit(w)) != SP_OK)
		goto out;
	/* Saved: the app may now forget keys nothing uses any more. */
	for (i = 0; i < n_gone; i++)
		wal_key_discard(w, &gone[i].key);
	for (i = 0; i < pd->n_keys; i++)
		if (!b->key_taken[i])
			wal_key_discard(w, &pd->keys[i]);
	*pass_id = id;
out:
	if (gone != NULL) {
		for (i = 0; i < n_gone; i++)
			wal_copy_clear(&gone[i]);
		sodium_free(gone);
	}
	if (pd != NULL)
		sodium_free(pd);
	batch_free(b);
	json_decref(root);
	sp_trust_free(&t);
	return r;
}
