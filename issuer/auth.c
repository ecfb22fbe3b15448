/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Admin tokens (Argon2id-hashed, looked up by a 4-byte prefix, with a
 * cache of recent verifications), their revocation, and the per-client
 * failure rate limits (auth.h).
 */
#include "auth.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "api_int.h"
#include "json.h"
#include "stadspas/sp_err.h"

/* ---- Rate limits ------------------------------------------------------- */

#define RL_T (ISS_RL_WINDOW / ISS_RL_BURST)	/* seconds per failure */

int
iss_rl_init(struct iss_ratelimit *rl)
{
	memset(rl, 0, sizeof(*rl));
	rl->v = calloc(ISS_RL_PEERS, sizeof(*rl->v));
	return rl->v != NULL ? SP_OK : SP_ERR_NOMEM;
}

void
iss_rl_clear(struct iss_ratelimit *rl)
{
	free(rl->v);
	memset(rl, 0, sizeof(*rl));
}

/*
 * The key a client is limited by: an IPv6 address by its /64 (one
 * subscriber usually holds a whole /64, so per address would be no limit
 * at all), an IPv4-mapped address by its IPv4 address, anything else as
 * given.
 */
static void
rl_key(char out[ISS_RL_PEER_MAX + 1], const char *peer)
{
	struct in6_addr a6;

	if (peer == NULL)
		peer = "";
	if (strchr(peer, ':') == NULL || inet_pton(AF_INET6, peer, &a6) != 1) {
		snprintf(out, ISS_RL_PEER_MAX + 1, "%s", peer);
		return;
	}
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		snprintf(out, ISS_RL_PEER_MAX + 1, "%u.%u.%u.%u",
		    a6.s6_addr[12], a6.s6_addr[13], a6.s6_addr[14],
		    a6.s6_addr[15]);
		return;
	}
	memcpy(out, "v6/64:", 6);
	iss_hex_encode(out + 6, a6.s6_addr, 8);
}

static struct iss_rl_entry *
rl_find(struct iss_ratelimit *rl, const char *peer)
{
	size_t i;

	for (i = 0; i < rl->n; i++)
		if (strncmp(rl->v[i].peer, peer, ISS_RL_PEER_MAX) == 0)
			return &rl->v[i];
	return NULL;
}

/* A slot for a new peer: a free one, else one whose penalty is over,
 * else the least recently seen. */
static struct iss_rl_entry *
rl_slot(struct iss_ratelimit *rl, int64_t now)
{
	struct iss_rl_entry *lru;
	size_t i;

	if (rl->n < ISS_RL_PEERS)
		return &rl->v[rl->n++];
	lru = &rl->v[0];
	for (i = 0; i < rl->n; i++) {
		if (rl->v[i].tat <= now)
			return &rl->v[i];
		if (rl->v[i].seen < lru->seen)
			lru = &rl->v[i];
	}
	return lru;
}

bool
iss_rl_limited(struct iss_ratelimit *rl, const char *peer, int64_t now)
{
	struct iss_rl_entry *e;
	char key[ISS_RL_PEER_MAX + 1];

	rl_key(key, peer);
	if ((e = rl_find(rl, key)) == NULL)
		return false;
	e->seen = ++rl->clock;
	return (e->tat > now ? e->tat : now) + RL_T - now > ISS_RL_WINDOW;
}

void
iss_rl_fail(struct iss_ratelimit *rl, const char *peer, int64_t now)
{
	struct iss_rl_entry *e;
	char key[ISS_RL_PEER_MAX + 1];

	rl_key(key, peer);
	if ((e = rl_find(rl, key)) == NULL) {
		e = rl_slot(rl, now);
		memset(e, 0, sizeof(*e));
		snprintf(e->peer, sizeof(e->peer), "%s", key);
		e->tat = now;
	}
	e->seen = ++rl->clock;
	e->tat = (e->tat > now ? e->tat : now) + RL_T;
}

/* ---- Verified-token cache ---------------------------------------------- */

void
iss_tokcache_clear(struct iss_tokcache *tc)
{
	sodium_memzero(tc->v, sizeof(tc->v));
	tc->clock = 0;
}

void
iss_tokcache_drop(struct iss_tokcache *tc, const uint8_t prefix[4])
{
	size_t i;

	for (i = 0; i < ISS_TOKCACHE; i++)
		if (memcmp(tc->v[i].prefix, prefix, 4) == 0)
			sodium_memzero(&tc->v[i], sizeof(tc->v[i]));
}

/* The live entry for digest, or NULL; forgets expired entries on the
 * way. Compares every live entry, in constant time each. */
static struct iss_tok_entry *
tokcache_find(struct iss_tokcache *tc, const uint8_t digest[32],
    int64_t now)
{
	struct iss_tok_entry *hit = NULL;
	size_t i;

	for (i = 0; i < ISS_TOKCACHE; i++) {
		struct iss_tok_entry *e = &tc->v[i];

		if (e->expires == 0)
			continue;
		if (e->expires <= now) {
			sodium_memzero(e, sizeof(*e));
			continue;
		}
		if (sodium_memcmp(e->digest, digest, sizeof(e->digest)) == 0)
			hit = e;
	}
	return hit;
}

/* Remembers a verification: a free slot, else the least recently used. */
static void
tokcache_put(struct iss_tokcache *tc, const uint8_t digest[32],
    const uint8_t gen[32], const struct iss_token *tok, int64_t now)
{
	struct iss_tok_entry *e = &tc->v[0];
	size_t i;

	for (i = 0; i < ISS_TOKCACHE; i++) {
		if (tc->v[i].expires == 0) {
			e = &tc->v[i];
			break;
		}
		if (tc->v[i].seen < e->seen)
			e = &tc->v[i];
	}
	memcpy(e->digest, digest, sizeof(e->digest));
	memcpy(e->gen, gen, sizeof(e->gen));
	memcpy(e->prefix, tok->prefix, sizeof(e->prefix));
	e->role = tok->role;
	e->expires = now + ISS_TOKCACHE_TTL;
	e->seen = ++tc->clock;
}

/* ---- Tokens ------------------------------------------------------------ */

int
iss_token_prepare(struct iss_new_token *nt, uint64_t opslimit,
    size_t memlimit)
{
	memset(nt, 0, sizeof(*nt));
	randombytes_buf(nt->raw, sizeof(nt->raw));
	iss_hex_encode(nt->hex, nt->raw, sizeof(nt->raw));
	memcpy(nt->id, nt->hex, ISS_TOKEN_ID_HEX);
	nt->id[ISS_TOKEN_ID_HEX] = 0;
	if (crypto_pwhash_str(nt->hash, (const char *)nt->raw,
	    sizeof(nt->raw), opslimit != 0 ? opslimit :
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, memlimit != 0 ? memlimit :
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return SP_ERR_NOMEM;
	return SP_OK;
}

void
iss_token_store(struct reg_txn *t, struct iss_new_token *nt, unsigned role,
    const char *label, int64_t now, const char *who)
{
	struct iss_token tok, old;
	char target[ISS_TARGET_MAX + 1];

	nt->collision = iss_store_get_token(t, nt->raw, &old);
	if (nt->collision || t->ret != SP_OK)
		return;
	memset(&tok, 0, sizeof(tok));
	memcpy(tok.prefix, nt->raw, sizeof(tok.prefix));
	tok.role = role;
	snprintf(tok.label, sizeof(tok.label), "%s", label);
	snprintf(tok.hash, sizeof(tok.hash), "%s", nt->hash);
	tok.created = now;
	iss_store_put_token(t, &tok);
	snprintf(target, sizeof(target), "token:%s", nt->id);
	iss_store_audit(t, now, who, "token.create", target);
}

void
iss_token_wipe(struct iss_new_token *nt)
{
	sodium_memzero(nt, sizeof(*nt));
}

/* "Bearer" SP 64 hex, the scheme case-insensitive (RFC 9110 11.1). */
static bool
parse_bearer(const char *h, uint8_t raw[ISS_TOKEN_LEN])
{
	struct sp_buf b;
	bool ok;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	h += 7;
	while (*h == ' ')
		h++;
	if (strnlen(h, ISS_TOKEN_HEX + 1) != ISS_TOKEN_HEX)
		return false;
	sp_buf_init(&b);
	ok = iss_hex_decode(&b, h, ISS_TOKEN_LEN) == SP_OK &&
	    b.len == ISS_TOKEN_LEN;
	if (ok)
		memcpy(raw, b.ptr, ISS_TOKEN_LEN);
	sp_buf_clear(&b);
	return ok;
}

static int
auth_fail(struct iss_app *a, const struct iss_req *req,
    struct iss_resp *resp, const char *msg)
{
	a->m.auth_failures++;
	iss_rl_fail(&a->rl_auth, req->peer, req->now);
	return iss_error(resp, 401, "unauthorized", msg);
}

/*
 * True if raw is the stored token tok: by the cache, or else by one
 * Argon2id verification, which then fills the cache.
 */
static bool
token_verify(struct iss_app *a, const uint8_t raw[ISS_TOKEN_LEN],
    const struct iss_token *tok, int64_t now)
{
	struct iss_tokcache *tc = &a->tokcache;
	struct iss_tok_entry *e;
	uint8_t digest[32], gen[32];
	bool ok = false;

	crypto_hash_sha256(digest, raw, ISS_TOKEN_LEN);
	crypto_hash_sha256(gen, (const uint8_t *)tok->hash,
	    strnlen(tok->hash, sizeof(tok->hash)));
	e = tokcache_find(tc, digest, now);
	if (e != NULL && e->role == tok->role &&
	    sodium_memcmp(e->gen, gen, sizeof(gen)) == 0) {
		e->seen = ++tc->clock;
		tc->hits++;
		ok = true;
		goto out;
	}
	if (e != NULL)
		sodium_memzero(e, sizeof(*e));	/* the stored token changed */
	tc->pwhash++;
	if (crypto_pwhash_str_verify(tok->hash, (const char *)raw,
	    ISS_TOKEN_LEN) != 0)
		goto out;
	tokcache_put(tc, digest, gen, tok, now);
	ok = true;
out:
	sodium_memzero(digest, sizeof(digest));
	return ok;
}

int
iss_auth_check(struct iss_app *a, struct iss_call *c, int min_role,
    struct iss_resp *resp)
{
	const struct iss_req *req = c->req;
	uint8_t raw[ISS_TOKEN_LEN];
	struct iss_token tok;
	struct reg_txn t;
	bool found;
	int r;

	if (iss_rl_limited(&a->rl_auth, req->peer, req->now)) {
		a->m.rate_limited++;
		return iss_error(resp, 429, "rate_limited",
		    "too many failed attempts; try again in a minute");
	}
	if (!parse_bearer(req->authorization, raw))
		return auth_fail(a, req, resp, "an Authorization: Bearer "
		    "token of 64 hex characters is required");
	reg_txn_begin(&a->db, &t, false);
	found = iss_store_get_token(&t, raw, &tok);
	reg_txn_abort(&t);
	if ((r = t.ret) != SP_OK)
		goto out;
	/* No stored token under this prefix, or a revoked one: refused
	 * without Argon2id work. */
	if (!found || tok.revoked != 0 ||
	    !token_verify(a, raw, &tok, req->now)) {
		if (found && tok.revoked != 0)
			iss_tokcache_drop(&a->tokcache, tok.prefix);
		r = auth_fail(a, req, resp, "invalid token");
		goto out;
	}
	if ((int)tok.role > min_role) {
		r = iss_error(resp, 403, "forbidden",
		    "this token's role may not do that");
		goto out;
	}
	iss_hex_encode(c->who, raw, 4);
	c->role = (int)tok.role;
	r = SP_OK;
out:
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(&tok, sizeof(tok));
	return r;
}

/* ---- POST /admin/tokens ------------------------------------------------ */

static const struct iss_js_field token_fields[] = {
	{ .name = "role", .type = ISS_JS_STR, .required = true, .max = 16 },
	{ .name = "label", .type = ISS_JS_STR, .required = true,
	    .max = ISS_LABEL_MAX },
};
static const struct iss_js_schema token_schema =
    ISS_JS_SCHEMA(token_fields);

struct token_ctx {
	struct iss_new_token *nt;
	unsigned role;
	const char *label;
	int64_t now;
	const char *who;
};

static void
token_txn(struct reg_txn *t, void *vctx)
{
	struct token_ctx *c = vctx;

	iss_token_store(t, c->nt, c->role, c->label, c->now, c->who);
}

int
iss_admin_tokens_create(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	struct iss_new_token nt;
	struct token_ctx tc = { .nt = &nt, .now = c->req->now, .who = c->who };
	const char *role;
	json_t *o = NULL;
	int r, attempt;

	memset(&nt, 0, sizeof(nt));
	if ((r = iss_json_parse(&o, c->req, &token_schema, resp)) != SP_OK)
		goto out;
	role = iss_json_str(o, "role");
	tc.label = iss_json_str(o, "label");
	if (strcmp(role, "admin") == 0) {
		tc.role = ISS_ROLE_ADMIN;
	} else if (strcmp(role, "auditor") == 0) {
		tc.role = ISS_ROLE_AUDITOR;
	} else {
		r = iss_error(resp, 400, "bad_request",
		    "role must be \"admin\" or \"auditor\"");
		goto out;
	}
	for (attempt = 0; attempt < 4; attempt++) {
		if ((r = iss_token_prepare(&nt, a->cfg.pwhash_opslimit,
		    a->cfg.pwhash_memlimit)) != SP_OK ||
		    (r = reg_db_write(&a->db, token_txn, &tc)) != SP_OK ||
		    !nt.collision)
			break;
	}
	if (r == SP_OK && nt.collision)
		r = SP_ERR_INTERNAL;	/* four 32-bit collisions: no RNG */
	if (r == SP_OK)
		r = iss_json_reply(resp, 201, json_pack("{s:s, s:s, s:s}",
		    "token", nt.hex, "id", nt.id, "role", role));
out:
	iss_token_wipe(&nt);
	json_decref(o);
	return r;
}

/* ---- POST /admin/tokens/{id}/revoke ------------------------------------ */

static const struct iss_js_schema revoke_schema = { .n = 0 };

struct revoke_ctx {
	uint8_t prefix[4];
	int64_t now;
	const char *who;
	bool found;			/* out */
	bool last_admin;		/* out: refused, the last live admin */
	int64_t revoked;		/* out: when it was revoked */
};

struct admins_ctx {
	const uint8_t *skip;		/* the token being revoked */
	uint64_t n;			/* other live admin tokens */
};

static int
admins_visit(void *vctx, const uint8_t *key, size_t klen,
    const uint8_t *val, size_t vlen)
{
	struct admins_ctx *c = vctx;
	struct iss_token k;
	int r = 0;

	if (klen != 4 || iss_token_decode(&k, val, vlen) != SP_OK)
		r = SP_ERR_STORAGE;
	else if (k.role == ISS_ROLE_ADMIN && k.revoked == 0 &&
	    memcmp(key, c->skip, 4) != 0)
		c->n++;
	sodium_memzero(&k, sizeof(k));
	return r;
}

static void
revoke_txn(struct reg_txn *t, void *vctx)
{
	struct revoke_ctx *c = vctx;
	struct admins_ctx ac = { .skip = c->prefix };
	struct iss_token tok;
	char target[ISS_TARGET_MAX + 1], id[ISS_TOKEN_ID_HEX + 1];

	c->found = iss_store_get_token(t, c->prefix, &tok);
	if (!c->found || t->ret != SP_OK)
		goto out;
	if (tok.revoked != 0) {
		c->revoked = tok.revoked;	/* again: nothing to do */
		goto out;
	}
	if (tok.role == ISS_ROLE_ADMIN) {
		reg_txn_foreach(t, ISS_DB_TOKENS, NULL, 0, admins_visit, &ac);
		if (t->ret != SP_OK)
			goto out;
		if (ac.n == 0) {
			c->last_admin = true;
			goto out;
		}
	}
	tok.revoked = c->revoked = c->now > 0 ? c->now : 1;
	iss_store_put_token(t, &tok);
	iss_hex_encode(id, c->prefix, sizeof(c->prefix));
	snprintf(target, sizeof(target), "token:%s", id);
	iss_store_audit(t, c->now, c->who, "token.revoke", target);
out:
	sodium_memzero(&tok, sizeof(tok));
}

/* A token id: exactly 8 lowercase hex characters. */
static bool
token_id_parse(const char *s, uint8_t prefix[4])
{
	size_t i;
	unsigned v;

	if (s == NULL || strlen(s) != ISS_TOKEN_ID_HEX)
		return false;
	for (i = 0; i < 4; i++) {
		if (strspn(s + 2 * i, "0123456789abcdef") < 2 ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return false;
		prefix[i] = (uint8_t)v;
	}
	return true;
}

int
iss_admin_token_revoke(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	struct revoke_ctx rc = { .now = c->req->now, .who = c->who };
	json_t *o = NULL;
	int r;

	if ((r = iss_json_parse(&o, c->req, &revoke_schema, resp)) != SP_OK)
		return r;
	json_decref(o);
	if (!token_id_parse(c->param, rc.prefix))
		return iss_error(resp, 404, "not_found", "no such token");
	if ((r = reg_db_write(&a->db, revoke_txn, &rc)) != SP_OK)
		return r;
	if (!rc.found)
		return iss_error(resp, 404, "not_found", "no such token");
	if (rc.last_admin)
		return iss_error(resp, 409, "conflict",
		    "the last live admin token cannot be revoked");
	iss_tokcache_drop(&a->tokcache, rc.prefix);
	return iss_json_reply(resp, 200, json_pack("{s:s, s:I}", "id",
	    c->param, "revoked", (json_int_t)rc.revoked));
}
