/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Public registry endpoints and the periodic checkpoint (registry_api.h).
 * Snapshots and deltas need a checkpoint at the log's current size, so a
 * request that finds the log grown signs one first: a status change is
 * visible to the next till that asks, not only after the next tick.
 */
#include "registry_api.h"

#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "chain.h"
#include "hash.h"
#include "json.h"
#include "stadspas/sp_err.h"

#define CC_SHORT "public, max-age=60"
#define CC_KEYS "public, max-age=3600"
#define CT_STATUS "application/statuslist+cwt"
#define CT_KEYSET "application/cose-key-set"

void
iss_regcache_init(struct iss_regcache *c)
{
	memset(c, 0, sizeof(*c));
	sp_buf_init(&c->snap);
}

void
iss_regcache_clear(struct iss_regcache *c)
{
	sp_buf_clear(&c->snap);
	c->valid = false;
}

int
iss_reg_latest(struct iss_app *a, uint64_t *size, int64_t *time)
{
	struct reg_checkpoint ck;
	struct cose_sign1 m;
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = reg_log_checkpoint_latest(a->log, &p, &n)) != SP_OK ||
	    (r = reg_checkpoint_decode(&ck, &m, p, n)) != SP_OK)
		return r;
	*size = ck.size;
	*time = ck.time;
	return SP_OK;
}

static int
sign_checkpoint(struct iss_app *a, int64_t now)
{
	int64_t last = reg_log_checkpoint_time(a->log);
	int r;

	/* Never older than the last one: mirrors would see a rollback. */
	r = reg_log_checkpoint(a->log, iss_keys_priv(&a->keys), a->keys.kid,
	    SP_KID_LEN, now > last ? now : last, NULL);
	if (r == SP_OK)
		a->m.checkpoints++;
	return r;
}

int
iss_reg_checkpoint_current(struct iss_app *a, int64_t now)
{
	/* Due with an endless interval: none yet, or the log grew. */
	if (!reg_log_checkpoint_due(a->log, now, INT64_MAX))
		return SP_OK;
	return sign_checkpoint(a, now);
}

int
iss_reg_tick(struct iss_app *a, int64_t now, struct sp_buf *push,
    bool *pushed)
{
	uint64_t size;
	int64_t time;
	char msg[128];
	int r, n;

	if (reg_log_checkpoint_due(a->log, now, a->cfg.checkpoint_interval) &&
	    (r = sign_checkpoint(a, now)) != SP_OK)
		return r;
	if ((r = iss_reg_latest(a, &size, &time)) != SP_OK)
		return r;
	if (size == a->pushed_size && time == a->pushed_time)
		return SP_OK;
	n = snprintf(msg, sizeof(msg), "{\"type\":\"checkpoint\",\"list\":%d,"
	    "\"size\":%llu,\"time\":%lld}", ISS_LIST_ID,
	    (unsigned long long)size, (long long)time);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return SP_ERR_INTERNAL;
	if ((r = sp_buf_append(push, msg, (size_t)n)) != SP_OK)
		return r;
	a->pushed_size = size;
	a->pushed_time = time;
	*pushed = true;
	return SP_OK;
}

/* ---- HTTP caching ------------------------------------------------------ */

/* True if the If-None-Match list (RFC 9110 13.1.2) names etag or is "*";
 * weak comparison, as the RFC asks for If-None-Match. */
static bool
etag_listed(const char *list, const char *etag)
{
	size_t el = strlen(etag);
	const char *p = list;

	while (*p != 0) {
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == el && memcmp(p, etag, el) == 0)
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

void
iss_reg_cacheable(struct iss_resp *resp, const char *if_none_match,
    const char *cache_control)
{
	uint8_t h[SP_SHA256_LEN];

	if (sp_sha256(h, resp->body.ptr, resp->body.len) != SP_OK)
		return;		/* no ETag: still a correct answer */
	resp->etag[0] = '"';
	iss_hex_encode(resp->etag + 1, h, 16);
	memcpy(resp->etag + 33, "\"", 2);
	resp->cache_control = cache_control;
	if (if_none_match != NULL && etag_listed(if_none_match, resp->etag)) {
		resp->status = 304;
		sp_buf_reset(&resp->body);
	}
}

static int
cbor_reply(const struct iss_call *c, struct iss_resp *resp, const char *ctype,
    const uint8_t *p, size_t n, const char *cache_control)
{
	int r;

	if ((r = iss_bytes_reply(resp, 200, ctype, p, n)) != SP_OK)
		return r;
	iss_reg_cacheable(resp, c->req->if_none_match, cache_control);
	return SP_OK;
}

/* The {list} segment: only this issuer's list exists. */
static int
list_param(const struct iss_call *c, struct iss_resp *resp)
{
	if (c->param == NULL || strcmp(c->param, "1") != 0)
		return iss_error(resp, 404, "not_found", "no such status list");
	return SP_OK;
}

/* ---- Endpoints --------------------------------------------------------- */

int
iss_reg_get_checkpoint(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = list_param(c, resp)) != SP_OK ||
	    (r = iss_reg_checkpoint_current(a, c->req->now)) != SP_OK ||
	    (r = reg_log_checkpoint_latest(a->log, &p, &n)) != SP_OK)
		return r;
	return cbor_reply(c, resp, ISS_CT_CBOR, p, n, CC_SHORT);
}

/* The snapshot at the latest checkpoint, from the cache when it is for
 * that checkpoint. The token's iat is the checkpoint's time, so the
 * snapshot (and its ETag) changes only with the checkpoint. */
static int
snapshot_current(struct iss_app *a, int64_t now)
{
	struct iss_regcache *cache = &a->cache;
	char sub[256];
	uint64_t size;
	int64_t time;
	int r, n;

	if ((r = iss_reg_checkpoint_current(a, now)) != SP_OK ||
	    (r = iss_reg_latest(a, &size, &time)) != SP_OK)
		return r;
	if (cache->valid && cache->size == size && cache->time == time)
		return SP_OK;
	cache->valid = false;
	n = snprintf(sub, sizeof(sub), "%s/status/%d", a->cfg.base_url,
	    ISS_LIST_ID);
	if (n < 0 || (size_t)n >= sizeof(sub))
		return SP_ERR_INTERNAL;
	if ((r = reg_log_snapshot(a->log, iss_keys_priv(&a->keys),
	    a->keys.kid, SP_KID_LEN, sub, time,
	    (uint64_t)a->cfg.checkpoint_interval, &cache->snap)) != SP_OK)
		return r;
	cache->size = size;
	cache->time = time;
	cache->valid = true;
	return SP_OK;
}

int
iss_reg_get_snapshot(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	int r;

	if ((r = list_param(c, resp)) != SP_OK ||
	    (r = snapshot_current(a, c->req->now)) != SP_OK)
		return r;
	return cbor_reply(c, resp, ISS_CT_CBOR, a->cache.snap.ptr,
	    a->cache.snap.len, CC_SHORT);
}

int
iss_reg_get_status(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	struct reg_wire w;
	int r;

	if ((r = list_param(c, resp)) != SP_OK ||
	    (r = snapshot_current(a, c->req->now)) != SP_OK)
		return r;
	if (reg_wire_decode(&w, a->cache.snap.ptr, a->cache.snap.len) != SP_OK)
		return SP_ERR_INTERNAL;
	return cbor_reply(c, resp, CT_STATUS, w.body, w.body_len, CC_SHORT);
}

int
iss_reg_get_delta(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	static const char *const keys[] = { "from" };
	uint64_t from = 0;
	bool have = false;
	struct sp_buf out;
	int r;

	if ((r = list_param(c, resp)) != SP_OK)
		return r;
	if (!iss_query_u64(c->req->query, keys, &from, &have, 1) || !have)
		return iss_error(resp, 400, "bad_request",
		    "the query must be from=N (a log size)");
	if ((r = iss_reg_checkpoint_current(a, c->req->now)) != SP_OK)
		return r;
	if (from > reg_log_size(a->log))
		return iss_error(resp, 400, "bad_request",
		    "from is beyond the log's size");
	sp_buf_init(&out);
	r = reg_log_delta(a->log, from, &out);
	if (r == SP_ERR_TOO_LARGE)
		r = iss_error(resp, 400, "bad_request", "too many events for "
		    "one delta: bootstrap from the snapshot");
	else if (r == SP_OK)
		r = cbor_reply(c, resp, ISS_CT_CBOR, out.ptr, out.len,
		    CC_SHORT);
	sp_buf_clear(&out);
	return r;
}

int
iss_reg_get_keys(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	return cbor_reply(c, resp, CT_KEYSET, a->keys.set.ptr,
	    a->keys.set.len, CC_KEYS);
}

int
iss_reg_get_trust(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	/* Short: a removal distrusts a key, tills should hear soon. */
	return cbor_reply(c, resp, ISS_CT_CBOR, a->keys.trust.ptr,
	    a->keys.trust.len, CC_SHORT);
}

int
iss_reg_get_offers(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp)
{
	struct reg_txn t;
	struct sp_buf cat;
	uint64_t version;
	bool found;
	int r;

	sp_buf_init(&cat);
	reg_txn_begin(&a->db, &t, false);
	found = iss_store_get_catalogue(&t, &version, &cat);
	reg_txn_abort(&t);
	if ((r = t.ret) == SP_OK)
		r = found ? cbor_reply(c, resp, ISS_CT_CBOR, cat.ptr, cat.len,
		    CC_SHORT) : iss_error(resp, 404, "not_found",
		    "no catalogue has been published");
	sp_buf_clear(&cat);
	return r;
}
