/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public registry endpoints (checkpoint, snapshot, delta, status list
 * token, issuer keys, offers catalogue), cacheable by any HTTP cache:
 * every answer carries an ETag (the first 16 bytes of SHA-256 of the body,
 * quoted hex) and Cache-Control, and If-None-Match gets 304. Also the
 * periodic checkpoint and its push message. docs/HTTP_API.md, "Registry".
 */
#ifndef STADSPAS_ISSUER_REGISTRY_API_H
#define STADSPAS_ISSUER_REGISTRY_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_buf.h"

/* The snapshot of the latest checkpoint, built once per checkpoint. */
struct iss_regcache {
	struct sp_buf snap;
	uint64_t size;
	int64_t time;
	bool valid;
};

struct iss_app;
struct iss_call;
struct iss_resp;

void iss_regcache_init(struct iss_regcache *c);
void iss_regcache_clear(struct iss_regcache *c);

/* Size and time of the latest checkpoint. */
int iss_reg_latest(struct iss_app *a, uint64_t *size, int64_t *time);

/* Signs a checkpoint if there is none or the log grew since the latest
 * (at now, or the latest checkpoint's time if the clock went back). */
int iss_reg_checkpoint_current(struct iss_app *a, int64_t now);

/*
 * Periodic part: signs a checkpoint when one is due (interval from the
 * config) and, whenever the latest checkpoint is one subscribers have not
 * heard of, appends {"type": "checkpoint", "list", "size", "time"} to
 * push and sets *pushed.
 */
int iss_reg_tick(struct iss_app *a, int64_t now, struct sp_buf *push,
    bool *pushed);

/* Sets resp's ETag from its body and answers 304 (empty body) if the
 * request's If-None-Match names it. cache_control: a static string. */
void iss_reg_cacheable(struct iss_resp *resp, const char *if_none_match,
    const char *cache_control);

int iss_reg_get_checkpoint(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
int iss_reg_get_snapshot(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
int iss_reg_get_delta(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
int iss_reg_get_status(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
int iss_reg_get_keys(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
/* GET /registry/trust: the trust list chain (trust.h) */
int iss_reg_get_trust(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
int iss_reg_get_offers(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);

#endif /* STADSPAS_ISSUER_REGISTRY_API_H */
