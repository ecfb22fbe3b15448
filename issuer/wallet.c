/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wallet issuance (wallet.h). /wallet/credential checks everything it can
 * before it changes anything (code, nonce, every proof), then makes the
 * batch durable in two steps: the status indices are taken from those
 * reserved in the status log (one durable transaction per ISS_IDX_POOL
 * indices, made when the pool runs short), then the code's use and the
 * new copies are committed together in the issuer store. If that second
 * step fails, the taken indices stay assigned but unused: harmless (they
 * are never revoked, never reused), and the code stays usable.
 */
#include "wallet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api_int.h"
#include "catalogue.h"
#include "cbor.h"
#include "cose.h"
#include "hash.h"
#include "json.h"
#include "pass_int.h"
#include "passplan.h"
#include "stadspas/sp_err.h"
#include "stadspas/sp_pass.h"

/* ---- Nonces ------------------------------------------------------------ */

int
iss_nonces_init(struct iss_nonces *ns)
{
	ns->n = 0;
	ns->v = calloc(ISS_NONCE_MAX, sizeof(*ns->v));
	return ns->v != NULL ? SP_OK : SP_ERR_NOMEM;
}

void
iss_nonces_clear(struct iss_nonces *ns)
{
	if (ns->v != NULL)
		sodium_memzero(ns->v, ISS_NONCE_MAX * sizeof(*ns->v));
	free(ns->v);
	ns->v = NULL;
	ns->n = 0;
	ns->n_idx = 0;
}

/* n fresh status indices: from the pool, refilled (durably assigned in
 * the status log) when short; a batch larger than the pool directly. */
static int
idx_take(struct iss_app *a, uint32_t *idx, size_t n)
{
	struct iss_nonces *ns = &a->nonces;
	uint32_t fresh[ISS_IDX_POOL];
	size_t want;
	int r;

	if (n > ISS_IDX_POOL)
		return reg_log_assign_batch(a->log, idx, n);
	if (ns->n_idx < n) {
		want = ISS_IDX_POOL - ns->n_idx;
		r = reg_log_assign_batch(a->log, fresh, want);
		if (r == SP_ERR_REG_FULL) {	/* the list's last few */
			want = n - ns->n_idx;
			r = reg_log_assign_batch(a->log, fresh, want);
		}
		if (r != SP_OK)
			return r;
		memcpy(ns->idx + ns->n_idx, fresh, want * sizeof(*fresh));
		ns->n_idx += want;
	}
	ns->n_idx -= n;
	memcpy(idx, ns->idx + ns->n_idx, n * sizeof(*idx));
	return SP_OK;
}

void
iss_nonces_expire(struct iss_nonces *ns, int64_t now)
{
	size_t i, k = 0;

	for (i = 0; i < ns->n; i++)
		if (ns->v[i].expires > now)
			ns->v[k++] = ns->v[i];
	ns->n = k;
}

static void
nonce_drop(struct iss_nonces *ns, size_t i)
{
	memmove(&ns->v[i], &ns->v[i + 1], (ns->n - i - 1) * sizeof(ns->v[0]));
	ns->n--;
}

/* Entries are appended in time order, so the oldest is first. */
static void
nonce_add(struct iss_nonces *ns, const uint8_t v[ISS_NONCE_LEN],
    int64_t now)
{
	if (ns->n == ISS_NONCE_MAX)
		iss_nonces_expire(ns, now);
	if (ns->n == ISS_NONCE_MAX)
		nonce_drop(ns, 0);
	memcpy(ns->v[ns->n].v, v, ISS_NONCE_LEN);
	ns->v[ns->n].expires = now + ISS_NONCE_TTL;
	ns->n++;
}

/* Consumes a nonce: true if it was outstanding and unexpired. */
static bool
nonce_take(struct iss_nonces *ns, const uint8_t v[ISS_NONCE_LEN],
    int64_t now)
{
	size_t i;
	bool ok;

	for (i = 0; i < ns->n; i++) {
		if (sodium_memcmp(ns->v[i].v, v, ISS_NONCE_LEN) != 0)
			continue;
		ok = ns->v[i].expires > now;
		nonce_drop(ns, i);
		return ok;
	}
	return false;
}

static const struct iss_js_schema empty_schema = { .n = 0 };

int
iss_wallet_nonce(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	uint8_t v[ISS_NONCE_LEN];
	json_t *o = NULL;
	int r;

	if ((r = iss_json_parse(&o, c->req, &empty_schema, resp)) != SP_OK)
		return r;
	json_decref(o);
	randombytes_buf(v, sizeof(v));
	nonce_add(&a->nonces, v, c->req->now);
	return iss_json_reply(resp, 200, json_pack("{s:o, s:I}", "nonce",
	    iss_json_hex(v, sizeof(v)), "expires",
	    (json_int_t)(c->req->now + ISS_NONCE_TTL)));
}

/* ---- Enrolment codes --------------------------------------------------- */

/* 32 characters without 0/O and 1/I: 5 bits each, 60 bits per code. */
static const char code_alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

bool
iss_code_normalise(char out[ISS_CODE_CHARS + 1], const char *code)
{
	size_t n = 0;
	const char *p;

	if (code == NULL || strlen(code) > 32)
		return false;
	for (p = code; *p != 0; p++) {
		char ch = *p;

		if (ch == '-' || ch == ' ')
			continue;
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (strchr(code_alphabet, ch) == NULL || n == ISS_CODE_CHARS)
			return false;
		out[n++] = ch;
	}
	out[n] = 0;
	return n == ISS_CODE_CHARS;
}

int
iss_code_hash(uint8_t out[32], const char *normalised)
{
	return sp_sha256(out, normalised, strlen(normalised));
}

void
iss_code_generate(char out[ISS_CODE_CHARS + 3])
{
	size_t i, k = 0;

	for (i = 0; i < ISS_CODE_CHARS; i++) {
		if (i > 0 && i % 4 == 0)
			out[k++] = '-';
		out[k++] = code_alphabet[randombytes_uniform(32)];
	}
	out[k] = 0;
}

/* ---- Proofs ------------------------------------------------------------ */

struct proof {
	struct sig_pub pub;
	uint8_t cose[ISS_COSE_KEY_MAX];	/* canonical COSE_Key */
	size_t cose_len;
	uint8_t hash[32];		/* SHA-256 of cose */
	uint8_t sig[SIG_MAX_LEN];
	size_t sig_len;
};

/* Decodes one proof's key (deterministic CBOR, one COSE_Key, nothing
 * after it) and signature. */
static int
proof_decode(struct proof *p, const json_t *o)
{
	struct sp_buf b;
	struct cbor_reader rd;
	struct cbor_enc e;
	struct sp_buf canon;
	int r = SP_ERR_INVALID_ARG;

	sp_buf_init(&b);
	sp_buf_init(&canon);
	if (iss_hex_decode(&b, iss_json_str(o, "sig"), SIG_MAX_LEN) != SP_OK ||
	    b.len != SIG_MAX_LEN)
		goto out;
	memcpy(p->sig, b.ptr, b.len);
	p->sig_len = b.len;
	if (iss_hex_decode(&b, iss_json_str(o, "key"), 128) != SP_OK ||
	    cbor_check(b.ptr, b.len, &pass_cbor_limits, CBOR_F_DETERMINISTIC,
	    NULL) != SP_OK)
		goto out;
	cbor_reader_init(&rd, b.ptr, b.len);
	if (cose_key_decode(&p->pub, &rd) != SP_OK)
		goto out;
	if (!cbor_reader_done(&rd))
		goto out;
	cbor_enc_init(&e, &canon);
	cose_key_encode(&e, &p->pub);
	if (cbor_enc_finish(&e) != SP_OK || canon.len > sizeof(p->cose))
		goto out;
	memcpy(p->cose, canon.ptr, canon.len);
	p->cose_len = canon.len;
	r = sp_sha256(p->hash, p->cose, p->cose_len);
out:
	sp_buf_clear(&b);
	sp_buf_clear(&canon);
	return r;
}

/* The proof of possession: a signature over "stadspas pop v1" 0x00 ||
 * nonce || code (as sent). */
static int
proof_verify(const struct proof *p, const uint8_t nonce[ISS_NONCE_LEN],
    const char *code)
{
	static const char label[] = ISS_POP_LABEL;
	uint8_t msg[sizeof(label) + ISS_NONCE_LEN + 32];
	size_t cl = strlen(code), n = 0;

	if (cl > 32)
		return SP_ERR_INVALID_ARG;
	memcpy(msg, label, sizeof(label));
	n += sizeof(label);
	memcpy(msg + n, nonce, ISS_NONCE_LEN);
	n += ISS_NONCE_LEN;
	memcpy(msg + n, code, cl);
	n += cl;
	return sig_verify(&p->pub, p->pub.alg, msg, n, p->sig, p->sig_len);
}

/* ---- POST /wallet/credential ------------------------------------------- */

static const struct iss_js_field proof_fields[] = {
	{ .name = "key", .type = ISS_JS_STR, .required = true, .max = 256 },
	{ .name = "sig", .type = ISS_JS_STR, .required = true, .max = 128 },
};
static const struct iss_js_schema proof_schema =
    ISS_JS_SCHEMA(proof_fields);

static const struct iss_js_field cred_fields[] = {
	{ .name = "code", .type = ISS_JS_STR, .required = true, .max = 32 },
	{ .name = "nonce", .type = ISS_JS_STR, .required = true, .max = 64 },
	{ .name = "proofs", .type = ISS_JS_ARRAY, .required = true,
	    .max = 64, .elem = ISS_JS_OBJECT, .sub = &proof_schema },
};
static const struct iss_js_schema cred_schema =
    ISS_JS_SCHEMA(cred_fields);

struct cred_req {
	json_t *o;
	const char *code;		/* as sent */
	uint8_t code_hash[32];
	uint8_t nonce[ISS_NONCE_LEN];
	struct proof *proofs;
	size_t n;
	uint32_t *idx;
	struct iss_plan plan;
	struct iss_copies *copies;	/* the resident's copies */
	bool code_gone;			/* out of the write */
	bool too_many;			/* out of the write */
};

/* Drops copies expired for more than a day (verifiers widen validity by
 * their clock skew only): they need no status changes any more. */
static void
copies_prune(struct iss_copies *c, int64_t now)
{
	size_t i, k = 0;

	for (i = 0; i < c->n; i++)
		if (c->v[i].exp + ISS_DAY > now)
			c->v[k++] = c->v[i];
	c->n = k;
}

/* Live copies are never dropped (they could not be revoked): a resident
 * with ISS_MAX_COPIES of them gets no more until some expire. */
static bool
copies_room(struct iss_copies *c, size_t n, int64_t now)
{
	copies_prune(c, now);
	return c->n + n <= ISS_MAX_COPIES;
}

static int
code_fail(struct iss_app *a, const struct iss_req *req,
    struct iss_resp *resp, int status, const char *token, const char *msg)
{
	a->m.code_failures++;
	iss_rl_fail(&a->rl_code, req->peer, req->now);
	return iss_error(resp, status, token, msg);
}

/* Reads and checks the code, its resident and the offers it needs. */
static int
load_code(struct iss_app *a, const struct iss_req *req, struct cred_req *q,
    struct iss_resp *resp)
{
	struct iss_code code;
	struct reg_txn t;
	bool found, have_res = false;
	size_t i;
	int r;

	reg_txn_begin(&a->db, &t, false);
	found = iss_store_get_code(&t, q->code_hash, &code);
	if (found)
		have_res = iss_store_get_resident(&t, code.resident,
		    &q->plan.res) && iss_store_get_copies(&t, code.resident,
		    q->copies);
	for (i = 0; have_res && i < q->plan.res.n_cat; i++)
		q->plan.yearly[i] = iss_cat_has_yearly(&t, q->plan.res.cat[i]);
	reg_txn_abort(&t);
	if ((r = t.ret) != SP_OK)
		return r;
	if (!found)
		return code_fail(a, req, resp, 400, "invalid_code",
		    "unknown enrolment code");
	if (code.used)
		return code_fail(a, req, resp, 410, "gone",
		    "this enrolment code has been used");
	if (req->now >= code.expires)
		return code_fail(a, req, resp, 410, "gone",
		    "this enrolment code has expired");
	if (!have_res)
		return SP_ERR_STORAGE;	/* a code without its resident */
	if (q->plan.res.status != ISS_RES_ACTIVE)
		return iss_error(resp, 409, "conflict",
		    q->plan.res.status == ISS_RES_REVOKED ?
		    "the pass has been revoked" : "the pass is suspended");
	if (!copies_room(q->copies, q->n, req->now))
		return iss_error(resp, 409, "conflict", "this resident has "
		    "512 unexpired pass copies already");
	return SP_OK;
}

static int
decode_request(struct iss_app *a, struct cred_req *q, struct iss_resp *resp)
{
	const json_t *proofs = json_object_get(q->o, "proofs");
	struct sp_buf b;
	size_t i, j;
	int r;

	q->code = iss_json_str(q->o, "code");
	q->n = json_array_size(proofs);
	if (q->n == 0 || q->n > a->cfg.batch_size)
		return iss_error(resp, 400, "bad_request",
		    "proofs: one per holder key, at most the batch size");
	sp_buf_init(&b);
	r = iss_hex_decode(&b, iss_json_str(q->o, "nonce"), ISS_NONCE_LEN);
	if (r == SP_OK && b.len == ISS_NONCE_LEN)
		memcpy(q->nonce, b.ptr, ISS_NONCE_LEN);
	else
		r = SP_ERR_INVALID_ARG;
	sp_buf_clear(&b);
	if (r != SP_OK)
		return iss_error(resp, 400, "bad_request",
		    "nonce: 64 hex characters");
	if ((q->proofs = calloc(q->n, sizeof(*q->proofs))) == NULL ||
	    (q->idx = calloc(q->n, sizeof(*q->idx))) == NULL)
		return SP_ERR_NOMEM;
	for (i = 0; i < q->n; i++) {
		if (proof_decode(&q->proofs[i], json_array_get(proofs, i)) !=
		    SP_OK)
			return iss_error(resp, 400, "bad_request",
			    "proofs: key must be a COSE_Key (Ed25519 or "
			    "P-256, deterministic CBOR) and sig 64 bytes, "
			    "in hex");
		for (j = 0; j < i; j++)
			if (memcmp(q->proofs[j].hash, q->proofs[i].hash,
			    32) == 0)
				return iss_error(resp, 400, "bad_request",
				    "proofs: each holder key only once");
	}
	return SP_OK;
}

static int
issue_all(struct iss_app *a, struct cred_req *q, json_t *passes)
{
	struct sp_pass_builder *b = NULL;
	uint8_t *out = NULL, seed[32];
	size_t out_len = 0, i;
	int r;

	if ((r = sp_pass_builder_new(&b)) != SP_OK ||
	    (r = iss_plan_fill(a, b, &q->plan)) != SP_OK)
		goto out;
	for (i = 0; i < q->n; i++) {
		/* The salts from one fresh secret seed per copy (as the
		 * renewal does): one getrandom() instead of one per
		 * disclosure. */
		randombytes_buf(seed, sizeof(seed));
		if ((r = sp_pass_builder_set_status(b, ISS_LIST_ID,
		    q->idx[i])) != SP_OK ||
		    (r = sp_pass_builder_set_holder(b, q->proofs[i].cose,
		    q->proofs[i].cose_len)) != SP_OK ||
		    (r = sp_pass_issue(&out, &out_len, b, a->keys.cur,
		    seed)) != SP_OK)
			goto out;
		r = json_array_append_new(passes, iss_json_hex(out,
		    out_len)) == 0 ? SP_OK : SP_ERR_NOMEM;
		sp_bytes_free(out, out_len);
		out = NULL;
		if (r != SP_OK)
			goto out;
	}
out:
	sodium_memzero(seed, sizeof(seed));
	sp_pass_builder_free(&b);
	return r;
}

struct issue_write {
	struct cred_req *q;
	int64_t now;
};

static void
issue_txn(struct reg_txn *t, void *vctx)
{
	struct issue_write *w = vctx;
	struct cred_req *q = w->q;
	struct iss_copies *cp = q->copies;
	struct iss_code code;
	char target[ISS_TARGET_MAX + 1];
	size_t i;

	q->code_gone = q->too_many = false;
	if (!iss_store_get_code(t, q->code_hash, &code) || code.used ||
	    w->now >= code.expires) {
		q->code_gone = t->ret == SP_OK;
		reg_txn_fail(t, SP_ERR_NOT_FOUND);
		return;
	}
	code.used = true;
	iss_store_put_code(t, q->code_hash, &code);
	if (!iss_store_get_copies(t, code.resident, cp))
		return;
	if (!copies_room(cp, q->n, w->now)) {
		q->too_many = true;
		reg_txn_fail(t, SP_ERR_TOO_LARGE);
		return;
	}
	for (i = 0; i < q->n; i++) {
		struct iss_copy *x = &cp->v[cp->n++];

		x->list = ISS_LIST_ID;
		x->idx = q->idx[i];
		memcpy(x->holder, q->proofs[i].hash, sizeof(x->holder));
		x->iat = q->plan.iat;
		x->exp = q->plan.exp;
		iss_store_put_holder(t, q->proofs[i].hash, q->proofs[i].cose,
		    q->proofs[i].cose_len);
	}
	iss_store_put_copies(t, code.resident, cp);
	snprintf(target, sizeof(target), "r%llu",
	    (unsigned long long)code.resident);
	iss_store_audit(t, w->now, "wallet", "pass.issue", target);
}

static void
cred_req_clear(struct cred_req *q)
{
	size_t i;

	for (i = 0; q->proofs != NULL && i < q->n; i++)
		sig_pub_clear(&q->proofs[i].pub);
	free(q->proofs);
	free(q->idx);
	free(q->copies);
	json_decref(q->o);
	sodium_memzero(q, sizeof(*q));
}

int
iss_wallet_credential(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	const struct iss_req *req = c->req;
	struct cred_req q;
	struct issue_write w = { .q = &q, .now = req->now };
	char norm[ISS_CODE_CHARS + 1];
	json_t *passes = NULL;
	size_t i;
	int r;

	memset(&q, 0, sizeof(q));
	if ((r = iss_json_parse(&q.o, req, &cred_schema, resp)) != SP_OK)
		goto out;
	if (iss_rl_limited(&a->rl_code, req->peer, req->now)) {
		a->m.rate_limited++;
		r = iss_error(resp, 429, "rate_limited",
		    "too many wrong codes; try again in a minute");
		goto out;
	}
	if ((r = decode_request(a, &q, resp)) != SP_OK)
		goto out;
	if (!iss_code_normalise(norm, q.code)) {
		r = code_fail(a, req, resp, 400, "invalid_code",
		    "an enrolment code is 12 characters (XXXX-XXXX-XXXX)");
		goto out;
	}
	r = SP_ERR_NOMEM;
	if ((q.copies = calloc(1, sizeof(*q.copies))) == NULL)
		goto out;
	if ((r = iss_code_hash(q.code_hash, norm)) != SP_OK ||
	    (r = load_code(a, req, &q, resp)) != SP_OK)
		goto out;
	if (!nonce_take(&a->nonces, q.nonce, req->now)) {
		r = iss_error(resp, 400, "invalid_proof",
		    "unknown, used or expired nonce");
		goto out;
	}
	for (i = 0; i < q.n; i++) {
		if (proof_verify(&q.proofs[i], q.nonce, q.code) != SP_OK) {
			r = iss_error(resp, 400, "invalid_proof",
			    "a proof of possession does not verify");
			goto out;
		}
	}
	/* Everything checked: reserve, sign, record. */
	iss_plan_times(&q.plan, req->now, a->cfg.pass_validity);
	r = SP_ERR_NOMEM;
	if ((passes = json_array()) == NULL)
		goto out;
	if ((r = idx_take(a, q.idx, q.n)) != SP_OK ||
	    (r = issue_all(a, &q, passes)) != SP_OK)
		goto out;
	r = reg_db_write(&a->db, issue_txn, &w);
	if (r != SP_OK && q.code_gone) {
		r = iss_error(resp, 410, "gone",
		    "this enrolment code has been used");
		goto out;
	}
	if (r != SP_OK && q.too_many) {
		r = iss_error(resp, 409, "conflict", "too many live pass "
		    "copies");
		goto out;
	}
	if (r != SP_OK)
		goto out;
	a->m.passes_issued += q.n;
	r = iss_json_reply(resp, 200, json_pack("{s:O, s:i}", "passes",
	    passes, "list", ISS_LIST_ID));
out:
	json_decref(passes);
	cred_req_clear(&q);
	sodium_memzero(norm, sizeof(norm));
	return r;
}

/* ---- POST /wallet/refresh ---------------------------------------------- */

static const struct iss_js_field refresh_fields[] = {
	{ .name = "nonce", .type = ISS_JS_STR, .required = true, .max = 64 },
	{ .name = "proofs", .type = ISS_JS_ARRAY, .required = true,
	    .max = 64, .elem = ISS_JS_OBJECT, .sub = &proof_schema },
};
static const struct iss_js_schema refresh_schema =
    ISS_JS_SCHEMA(refresh_fields);

/* The refresh proof: a signature over "stadspas refresh v1" 0x00 ||
 * nonce. */
static int
refresh_verify(const struct proof *p, const uint8_t nonce[ISS_NONCE_LEN])
{
	static const char label[] = ISS_REFRESH_LABEL;
	uint8_t msg[sizeof(label) + ISS_NONCE_LEN];

	memcpy(msg, label, sizeof(label));
	memcpy(msg + sizeof(label), nonce, ISS_NONCE_LEN);
	return sig_verify(&p->pub, p->pub.alg, msg, sizeof(msg), p->sig,
	    p->sig_len);
}

/* Each proven key's renewed copy (hex), or null: none waiting, or its
 * resident is no longer active. */
static int
refresh_collect(struct iss_app *a, const struct cred_req *q, json_t *passes)
{
	struct iss_resident res;
	struct sp_buf pass;
	struct reg_txn t;
	uint64_t job, rid;
	size_t i;
	int r = SP_OK;

	sp_buf_init(&pass);
	reg_txn_begin(&a->db, &t, false);
	for (i = 0; i < q->n && t.ret == SP_OK && r == SP_OK; i++) {
		json_t *v = NULL;

		if (iss_store_get_renewed(&t, q->proofs[i].hash, &job, &rid,
		    &pass) && iss_store_get_resident(&t, rid, &res) &&
		    res.status == ISS_RES_ACTIVE)
			v = iss_json_hex(pass.ptr, pass.len);
		else
			v = json_null();
		if (v == NULL || json_array_append_new(passes, v) != 0)
			r = SP_ERR_NOMEM;
	}
	reg_txn_abort(&t);
	sp_buf_clear(&pass);
	return t.ret != SP_OK ? t.ret : r;
}

int
iss_wallet_refresh(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	const struct iss_req *req = c->req;
	struct cred_req q;
	json_t *passes = NULL;
	size_t i, found = 0;
	int r;

	memset(&q, 0, sizeof(q));
	if ((r = iss_json_parse(&q.o, req, &refresh_schema, resp)) != SP_OK)
		goto out;
	if ((r = decode_request(a, &q, resp)) != SP_OK)
		goto out;
	if (!nonce_take(&a->nonces, q.nonce, req->now)) {
		r = iss_error(resp, 400, "invalid_proof",
		    "unknown, used or expired nonce");
		goto out;
	}
	for (i = 0; i < q.n; i++) {
		if (refresh_verify(&q.proofs[i], q.nonce) != SP_OK) {
			r = iss_error(resp, 400, "invalid_proof",
			    "a proof of possession does not verify");
			goto out;
		}
	}
	r = SP_ERR_NOMEM;
	if ((passes = json_array()) == NULL ||
	    (r = refresh_collect(a, &q, passes)) != SP_OK)
		goto out;
	for (i = 0; i < q.n; i++)
		found += !json_is_null(json_array_get(passes, i));
	r = iss_json_reply(resp, 200, json_pack("{s:O, s:i, s:I}", "passes",
	    passes, "list", ISS_LIST_ID, "found", (json_int_t)found));
out:
	json_decref(passes);
	cred_req_clear(&q);
	return r;
}
