/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Admin endpoints for residents, enrolment codes, status changes, the
 * audit log and key rotation (admin.h).
 */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api_int.h"
#include "catalogue.h"
#include "json.h"
#include "stadspas/sp_err.h"

#define AUDIT_PAGE_DEFAULT 100
#define AUDIT_PAGE_MAX 1000
#define BIRTH_YEAR_MIN 1900
#define HOUSEHOLD_MAX 99
#define PASSNO_SPACE 10000000u	/* 7 digits */

static void
resident_target(char out[ISS_TARGET_MAX + 1], uint64_t id)
{
	snprintf(out, ISS_TARGET_MAX + 1, "r%llu", (unsigned long long)id);
}

/* The {id} segment names an existing resident: SP_OK with *res. */
static int
resident_load(struct iss_app *a, const struct iss_call *c,
    struct iss_resident *res, struct iss_copies *copies,
    struct iss_resp *resp)
{
	struct reg_txn t;
	uint64_t id;
	bool found = false;

	if (!iss_id_parse(c->param, 'r', &id))
		return iss_error(resp, 404, "not_found", "no such resident");
	reg_txn_begin(&a->db, &t, false);
	found = iss_store_get_resident(&t, id, res);
	if (found && copies != NULL)
		(void)iss_store_get_copies(&t, id, copies);
	reg_txn_abort(&t);
	if (t.ret != SP_OK)
		return t.ret;
	return found ? SP_OK : iss_error(resp, 404, "not_found",
	    "no such resident");
}

/* Printable text without control characters (names end up in passes). */
static bool
text_clean(const char *s)
{
	for (; *s != 0; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* ---- POST /admin/residents --------------------------------------------- */

static const struct iss_js_field resident_fields[] = {
	{ .name = "name", .type = ISS_JS_STR, .required = true,
	    .max = ISS_NAME_MAX },
	{ .name = "birth_year", .type = ISS_JS_INT, .required = true },
	{ .name = "household_size", .type = ISS_JS_INT },
	{ .name = "categories", .type = ISS_JS_ARRAY, .required = true,
	    .max = ISS_MAX_CATEGORIES, .elem = ISS_JS_STR,
	    .elem_max = ISS_CATEGORY_MAX },
};
static const struct iss_js_schema resident_schema =
    ISS_JS_SCHEMA(resident_fields);

struct create_ctx {
	struct iss_resident res;
	const char *issuer;
	int64_t now;
	const char *who;
	bool no_number;		/* out: no free pass number found */
};

static void
create_txn(struct reg_txn *t, void *vctx)
{
	struct create_ctx *c = vctx;
	char target[ISS_TARGET_MAX + 1];
	uint64_t other;
	int tries;

	c->no_number = false;
	if ((c->res.id = iss_store_next_id(t, "seq/resident")) == 0)
		return;
	/* Random, not sequential: a pass number says nothing about when
	 * its holder enrolled. */
	for (tries = 0; tries < 64; tries++) {
		snprintf(c->res.pass_no, sizeof(c->res.pass_no), "%s-%07u",
		    c->issuer, randombytes_uniform(PASSNO_SPACE));
		if (!iss_store_get_passno(t, c->res.pass_no, &other))
			break;
	}
	if (t->ret != SP_OK)
		return;
	if (tries == 64) {
		c->no_number = true;
		reg_txn_fail(t, SP_ERR_REG_FULL);
		return;
	}
	iss_store_put_resident(t, &c->res);
	iss_store_put_passno(t, c->res.pass_no, c->res.id);
	resident_target(target, c->res.id);
	iss_store_audit(t, c->now, c->who, "resident.create", target);
}

static int
resident_fill(struct iss_resident *res, const json_t *o, int64_t now,
    struct iss_resp *resp)
{
	const json_t *cats = json_object_get(o, "categories");
	int64_t by = 0, hh = 0;
	size_t i, j;

	snprintf(res->name, sizeof(res->name), "%s",
	    iss_json_str(o, "name"));
	if (res->name[0] == 0 || !text_clean(res->name))
		return iss_error(resp, 400, "bad_request",
		    "name: 1 to 128 bytes, no control characters");
	(void)iss_json_int(o, "birth_year", &by);
	if (by < BIRTH_YEAR_MIN || by > iss_year_of(now))
		return iss_error(resp, 400, "bad_request",
		    "birth_year: from 1900 to this year");
	res->birth_year = (uint32_t)by;
	if (iss_json_int(o, "household_size", &hh) &&
	    (hh < 1 || hh > HOUSEHOLD_MAX))
		return iss_error(resp, 400, "bad_request",
		    "household_size: 1 to 99");
	res->household = (uint32_t)hh;
	res->n_cat = json_array_size(cats);
	for (i = 0; i < res->n_cat; i++) {
		const char *s = json_string_value(json_array_get(cats, i));

		if (!iss_category_valid(s))
			return iss_error(resp, 400, "bad_request",
			    "categories: [a-z0-9_-], 1 to 32 characters");
		snprintf(res->cat[i], sizeof(res->cat[i]), "%s", s);
		for (j = 0; j < i; j++)
			if (strcmp(res->cat[j], res->cat[i]) == 0)
				return iss_error(resp, 400, "bad_request",
				    "categories: each only once");
	}
	res->status = ISS_RES_ACTIVE;
	res->created = now;
	return SP_OK;
}

int
iss_admin_residents_create(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	struct create_ctx *cc = NULL;
	json_t *o = NULL;
	char id[ISS_TARGET_MAX + 1];
	int r;

	if ((r = iss_json_parse(&o, c->req, &resident_schema, resp)) != SP_OK)
		goto out;
	r = SP_ERR_NOMEM;
	if ((cc = calloc(1, sizeof(*cc))) == NULL)
		goto out;
	cc->issuer = a->cfg.issuer_name;
	cc->now = c->req->now;
	cc->who = c->who;
	if ((r = resident_fill(&cc->res, o, c->req->now, resp)) != SP_OK ||
	    (r = reg_db_write(&a->db, create_txn, cc)) != SP_OK)
		goto out;
	resident_target(id, cc->res.id);
	r = iss_json_reply(resp, 201, json_pack("{s:s, s:s}", "resident", id,
	    "pass_no", cc->res.pass_no));
out:
	if (cc != NULL)
		sodium_memzero(cc, sizeof(*cc));
	free(cc);
	json_decref(o);
	return r;
}

/* ---- GET /admin/residents/{id} ----------------------------------------- */

static const char *
status_name(unsigned s)
{
	return s == REG_REVOKED ? "revoked" : s == REG_SUSPENDED ?
	    "suspended" : "valid";
}

static json_t *
copies_json(struct iss_app *a, const struct iss_copies *cp)
{
	const struct reg_list *l = reg_log_list(a->log);
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < cp->n; i++) {
		const struct iss_copy *x = &cp->v[i];
		unsigned s = x->list == ISS_LIST_ID && x->idx < l->count ?
		    reg_list_get(l, x->idx) : REG_VALID;

		if (json_array_append_new(arr, json_pack("{s:I, s:I, s:s, "
		    "s:I, s:I}", "list", (json_int_t)x->list, "idx",
		    (json_int_t)x->idx, "status", status_name(s), "issued",
		    (json_int_t)x->iat, "valid_until", (json_int_t)x->exp)) !=
		    0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

static json_t *
resident_json(struct iss_app *a, const struct iss_resident *res,
    const struct iss_copies *cp)
{
	static const char *const st[] = { "active", "revoked", "suspended" };
	json_t *o, *cats = json_array();
	char id[ISS_TARGET_MAX + 1];
	size_t i;

	for (i = 0; cats != NULL && i < res->n_cat; i++)
		if (json_array_append_new(cats, json_string(res->cat[i])) != 0)
			break;
	resident_target(id, res->id);
	o = json_pack("{s:s, s:s, s:s, s:I, s:o, s:s, s:o}", "resident", id,
	    "pass_no", res->pass_no, "name", res->name, "birth_year",
	    (json_int_t)res->birth_year, "categories", cats, "status",
	    st[res->status], "passes", copies_json(a, cp));
	if (o != NULL && res->household != 0 &&
	    json_object_set_new(o, "household_size",
	    json_integer(res->household)) != 0) {
		json_decref(o);
		return NULL;
	}
	if (o != NULL && res->win_until != 0 &&
	    json_object_set_new(o, "renewal", json_pack("{s:I, s:I}",
	    "valid_from", (json_int_t)res->win_from, "valid_until",
	    (json_int_t)res->win_until)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

struct read_ctx {
	uint64_t resident;
	int64_t now;
	const char *who;
};

/* Reading a resident shows personal data: audited like a change. */
static void
read_txn(struct reg_txn *t, void *vctx)
{
	const struct read_ctx *rc = vctx;
	char target[ISS_TARGET_MAX + 1];

	resident_target(target, rc->resident);
	iss_store_audit(t, rc->now, rc->who, "resident.read", target);
}

int
iss_admin_resident_get(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	struct iss_resident res;
	struct iss_copies *cp;
	struct read_ctx rc = { .now = c->req->now, .who = c->who };
	int r;

	if ((cp = calloc(1, sizeof(*cp))) == NULL)
		return SP_ERR_NOMEM;
	if ((r = resident_load(a, c, &res, cp, resp)) == SP_OK) {
		rc.resident = res.id;
		r = reg_db_write(&a->db, read_txn, &rc);
	}
	if (r == SP_OK)
		r = iss_json_reply(resp, 200, resident_json(a, &res, cp));
	sodium_memzero(&res, sizeof(res));
	free(cp);
	return r;
}

/* ---- POST /admin/residents/{id}/code ----------------------------------- */

static const struct iss_js_schema empty_schema = { .n = 0 };

struct code_ctx {
	uint64_t resident;
	int64_t now, expires;
	const char *who;
	char code[ISS_CODE_CHARS + 3];	/* secret until shown */
};

static void
code_txn(struct reg_txn *t, void *vctx)
{
	struct code_ctx *c = vctx;
	struct iss_code code = { .resident = c->resident,
	    .expires = c->expires, .created = c->now };
	struct iss_code old;
	char norm[ISS_CODE_CHARS + 1], target[ISS_TARGET_MAX + 1];
	uint8_t h[32];
	int tries;

	for (tries = 0; tries < 4; tries++) {
		iss_code_generate(c->code);
		if (!iss_code_normalise(norm, c->code) ||
		    iss_code_hash(h, norm) != SP_OK) {
			reg_txn_fail(t, SP_ERR_INTERNAL);
			return;
		}
		if (!iss_store_get_code(t, h, &old))
			break;
	}
	if (tries == 4)
		reg_txn_fail(t, SP_ERR_INTERNAL);	/* 60-bit collisions */
	iss_store_put_code(t, h, &code);
	resident_target(target, c->resident);
	iss_store_audit(t, c->now, c->who, "code.create", target);
	sodium_memzero(norm, sizeof(norm));
}

int
iss_admin_resident_code(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	struct iss_resident res;
	struct code_ctx cc = { .now = c->req->now, .who = c->who };
	json_t *o = NULL;
	int r;

	if ((r = iss_json_parse(&o, c->req, &empty_schema, resp)) != SP_OK ||
	    (r = resident_load(a, c, &res, NULL, resp)) != SP_OK)
		goto out;
	if (res.status == ISS_RES_REVOKED) {
		r = iss_error(resp, 409, "conflict",
		    "the resident's pass has been revoked");
		goto out;
	}
	cc.resident = res.id;
	cc.expires = c->req->now + a->cfg.code_ttl;
	if ((r = reg_db_write(&a->db, code_txn, &cc)) == SP_OK)
		r = iss_json_reply(resp, 201, json_pack("{s:s, s:I}", "code",
		    cc.code, "expires", (json_int_t)cc.expires));
out:
	sodium_memzero(&cc, sizeof(cc));
	sodium_memzero(&res, sizeof(res));
	json_decref(o);
	return r;
}

/* ---- Revoke, suspend, reinstate ---------------------------------------- */

enum change {
	CH_REVOKE,
	CH_SUSPEND,
	CH_REINSTATE,
};

static const struct iss_js_field reason_fields[] = {
	{ .name = "reason", .type = ISS_JS_INT, .required = true },
};
static const struct iss_js_schema reason_schema =
    ISS_JS_SCHEMA(reason_fields);

struct status_ctx {
	uint64_t resident;
	unsigned status;		/* enum iss_res_status */
	const char *action;
	int64_t now;
	const char *who;
};

static void
status_txn(struct reg_txn *t, void *vctx)
{
	struct status_ctx *c = vctx;
	struct iss_resident res;
	char target[ISS_TARGET_MAX + 1];

	if (!iss_store_get_resident(t, c->resident, &res)) {
		reg_txn_fail(t, SP_ERR_STORAGE);
		return;
	}
	res.status = c->status;
	iss_store_put_resident(t, &res);
	resident_target(target, c->resident);
	iss_store_audit(t, c->now, c->who, c->action, target);
	sodium_memzero(&res, sizeof(res));
}

/* The log's new status for a copy now at s, or s itself for none. */
static unsigned
copy_target(enum change ch, unsigned s)
{
	switch (ch) {
	case CH_REVOKE:
		return REG_REVOKED;
	case CH_SUSPEND:
		return s == REG_VALID ? REG_SUSPENDED : s;
	case CH_REINSTATE:
		return s == REG_SUSPENDED ? REG_VALID : s;
	}
	return s;
}

/* Appends the copies' changes in one durable batch; *changed counts them. */
static int
copies_change(struct iss_app *a, const struct iss_copies *cp, enum change ch,
    uint16_t reason, int64_t now, size_t *changed)
{
	const struct reg_list *l = reg_log_list(a->log);
	uint32_t *idx = NULL;
	unsigned *st = NULL;
	uint16_t *rs = NULL;
	uint64_t seq;
	size_t i, n = 0;
	int r = SP_ERR_NOMEM;

	*changed = 0;
	if (cp->n == 0)
		return SP_OK;
	if ((idx = calloc(cp->n, sizeof(*idx))) == NULL ||
	    (st = calloc(cp->n, sizeof(*st))) == NULL ||
	    (rs = calloc(cp->n, sizeof(*rs))) == NULL)
		goto out;
	for (i = 0; i < cp->n; i++) {
		const struct iss_copy *x = &cp->v[i];
		unsigned s, to;

		/* Long-expired copies need no status. */
		if (x->list != ISS_LIST_ID || x->idx >= l->count ||
		    x->exp + ISS_DAY <= now)
			continue;
		s = reg_list_get(l, x->idx);
		if ((to = copy_target(ch, s)) == s)
			continue;
		idx[n] = x->idx;
		st[n] = to;
		rs[n] = reason;
		n++;
	}
	r = n > 0 ? reg_log_append_batch(a->log, idx, st, rs, n, now, &seq) :
	    SP_OK;
	if (r == SP_OK) {
		a->m.status_changes += n;
		*changed = n;
	}
out:
	free(idx);
	free(st);
	free(rs);
	return r;
}

static int
status_change(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp, enum change ch)
{
	static const unsigned res_status[] = { ISS_RES_REVOKED,
	    ISS_RES_SUSPENDED, ISS_RES_ACTIVE };
	static const char *const actions[] = { "resident.revoke",
	    "resident.suspend", "resident.reinstate" };
	struct status_ctx sc = { .now = c->req->now, .who = c->who,
	    .status = res_status[ch], .action = actions[ch] };
	struct iss_resident res;
	struct iss_copies *cp = NULL;
	json_t *o = NULL;
	int64_t reason = 0;
	size_t changed = 0;
	int r;

	if ((r = iss_json_parse(&o, c->req, &reason_schema, resp)) != SP_OK)
		goto out;
	(void)iss_json_int(o, "reason", &reason);
	if (reason < 0 || reason > UINT16_MAX) {
		r = iss_error(resp, 400, "bad_request", "reason: 0 to 65535");
		goto out;
	}
	if ((cp = calloc(1, sizeof(*cp))) == NULL) {
		r = SP_ERR_NOMEM;
		goto out;
	}
	if ((r = resident_load(a, c, &res, cp, resp)) != SP_OK)
		goto out;
	if (res.status == ISS_RES_REVOKED && ch != CH_REVOKE) {
		r = iss_error(resp, 409, "conflict",
		    "revocation is final");
		goto out;
	}
	/* Resident state and audit entry first, then the log; a repeat
	 * after a failed log write finishes the job. */
	sc.resident = res.id;
	if ((r = reg_db_write(&a->db, status_txn, &sc)) != SP_OK ||
	    (r = copies_change(a, cp, ch, (uint16_t)reason, c->req->now,
	    &changed)) != SP_OK)
		goto out;
	r = iss_json_reply(resp, 200, json_pack("{s:I}", "changed",
	    (json_int_t)changed));
out:
	sodium_memzero(&res, sizeof(res));
	free(cp);
	json_decref(o);
	return r;
}

int
iss_admin_resident_revoke(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	return status_change(a, c, resp, CH_REVOKE);
}

int
iss_admin_resident_suspend(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	return status_change(a, c, resp, CH_SUSPEND);
}

int
iss_admin_resident_reinstate(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	return status_change(a, c, resp, CH_REINSTATE);
}

/* ---- GET /admin/audit -------------------------------------------------- */

struct audit_ctx {
	json_t *entries;
	uint64_t limit, n, last;
};

static int
audit_visit(void *vctx, const uint8_t *key, size_t klen, const uint8_t *val,
    size_t vlen)
{
	struct audit_ctx *c = vctx;
	struct iss_audit e;

	if (klen != 8 || iss_audit_decode(&e, val, vlen) != SP_OK)
		return SP_ERR_STORAGE;
	e.seq = reg_key_get_be64(key);
	if (json_array_append_new(c->entries, json_pack("{s:I, s:I, s:s, "
	    "s:s, s:s}", "seq", (json_int_t)e.seq, "time", (json_int_t)e.time,
	    "who", e.who, "action", e.action, "target", e.target)) != 0)
		return SP_ERR_NOMEM;
	c->last = e.seq;
	return ++c->n >= c->limit ? 1 : 0;
}

int
iss_admin_audit(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	static const char *const keys[] = { "after", "limit" };
	struct audit_ctx ac = { .n = 0 };
	uint64_t v[2] = { 0, AUDIT_PAGE_DEFAULT };
	bool have[2];
	struct reg_txn t;
	uint8_t k[8];

	if (!iss_query_u64(c->req->query, keys, v, have, 2) ||
	    (have[1] && (v[1] == 0 || v[1] > AUDIT_PAGE_MAX)) ||
	    v[0] >= UINT64_MAX / 2)
		return iss_error(resp, 400, "bad_request", "the query takes "
		    "after=N (a seq) and limit=M (1 to 1000)");
	if (!have[1])
		v[1] = AUDIT_PAGE_DEFAULT;
	ac.limit = v[1];
	ac.last = v[0];
	if ((ac.entries = json_array()) == NULL)
		return SP_ERR_NOMEM;
	reg_key_be64(k, v[0] + 1);
	reg_txn_begin(&a->db, &t, false);
	reg_txn_foreach(&t, ISS_DB_AUDIT, k, sizeof(k), audit_visit, &ac);
	reg_txn_abort(&t);
	if (t.ret != SP_OK) {
		json_decref(ac.entries);
		return t.ret;
	}
	return iss_json_reply(resp, 200, json_pack("{s:o, s:I}", "entries",
	    ac.entries, "next", (json_int_t)ac.last));
}

/* ---- POST /admin/keys/rotate ------------------------------------------- */

int
iss_admin_keys_rotate(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	char kid[2 * SP_KID_LEN + 1];
	json_t *o = NULL;
	int r;

	if ((r = iss_json_parse(&o, c->req, &empty_schema, resp)) != SP_OK)
		return r;
	json_decref(o);
	r = iss_keys_rotate(&a->keys, a->data_dir, &a->db, c->req->now,
	    c->who);
	if (r == SP_ERR_TOO_LARGE)
		return iss_error(resp, 409, "conflict",
		    "the key list or the trust list is full");
	if (r != SP_OK)
		return r;
	/* The next snapshot is signed with the new key. */
	a->cache.valid = false;
	iss_hex_encode(kid, a->keys.kid, SP_KID_LEN);
	return iss_json_reply(resp, 200, json_pack("{s:s, s:I, s:I}", "kid",
	    kid, "keys", (json_int_t)a->keys.n, "trust_version",
	    (json_int_t)a->keys.trust_version));
}

/* ---- GET /admin/keys, POST /admin/keys/{kid}/remove -------------------- */

int
iss_admin_keys_list(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	uint8_t kid[SP_KID_LEN], fp[32];
	json_t *keys;
	size_t i;
	int r = SP_OK;

	(void)c;
	if ((keys = json_array()) == NULL)
		return SP_ERR_NOMEM;
	for (i = 0; r == SP_OK && i < a->keys.n; i++) {
		if ((r = iss_keys_info(&a->keys, i, kid, fp)) != SP_OK)
			break;
		if (json_array_append_new(keys, json_pack("{s:o, s:o, s:b}",
		    "kid", iss_json_hex(kid, sizeof(kid)), "fingerprint",
		    iss_json_hex(fp, sizeof(fp)), "current", i == 0)) != 0)
			r = SP_ERR_NOMEM;
	}
	if (r != SP_OK) {
		json_decref(keys);
		return r;
	}
	return iss_json_reply(resp, 200, json_pack("{s:o, s:I}", "keys", keys,
	    "trust_version", (json_int_t)a->keys.trust_version));
}

static bool
kid_parse(const char *s, uint8_t kid[SP_KID_LEN])
{
	struct sp_buf b;
	bool ok;

	if (s == NULL || strlen(s) != 2 * SP_KID_LEN)
		return false;
	sp_buf_init(&b);
	ok = iss_hex_decode(&b, s, SP_KID_LEN) == SP_OK &&
	    b.len == SP_KID_LEN;
	if (ok)
		memcpy(kid, b.ptr, SP_KID_LEN);
	sp_buf_clear(&b);
	return ok;
}

int
iss_admin_keys_remove(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	uint8_t kid[SP_KID_LEN];
	json_t *o = NULL;
	int r;

	if ((r = iss_json_parse(&o, c->req, &empty_schema, resp)) != SP_OK)
		return r;
	json_decref(o);
	if (!kid_parse(c->param, kid))
		return iss_error(resp, 404, "not_found", "no such key (a kid "
		    "is 8 hex characters)");
	r = iss_keys_remove(&a->keys, &a->db, kid, c->req->now, c->who);
	if (r == SP_ERR_NOT_FOUND)
		return iss_error(resp, 404, "not_found", "no such key");
	if (r == SP_ERR_REG_DUPLICATE)
		return iss_error(resp, 409, "conflict", "that is the current "
		    "signing key; rotate first");
	if (r == SP_ERR_TOO_LARGE)
		return iss_error(resp, 409, "conflict",
		    "the trust list is full");
	if (r != SP_OK)
		return r;
	return iss_json_reply(resp, 200, json_pack("{s:s, s:I, s:I}", "removed",
	    c->param, "keys", (json_int_t)a->keys.n, "trust_version",
	    (json_int_t)a->keys.trust_version));
}
