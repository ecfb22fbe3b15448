/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Admin API tokens and per-client rate limits.
 *
 * A token is 32 random bytes shown once as 64 hex characters. The store
 * keeps, under the token's first 4 bytes (its public id, 8 hex
 * characters), the role, a label, an Argon2id hash of the 32 bytes
 * (crypto_pwhash_str) and the time it was revoked (0: live). Checking a
 * token is one lookup, then one Argon2id verification unless the token
 * is in the verified-token cache: a token whose prefix matches no stored
 * token, or a revoked one, is refused without any.
 *
 * The cache (ISS_TOKCACHE entries, least recently used replaced) maps
 * SHA-256(token) to the token's id, role, an expiry (ISS_TOKCACHE_TTL
 * seconds after the Argon2id verification that filled it) and the
 * SHA-256 of the stored hash string (its generation). A hit needs the
 * stored token to be live and to have the same role and generation, so
 * a revoked or replaced token never passes on the strength of the cache.
 * The tokens themselves are stored only as Argon2id hashes, never in the
 * cache; the cache is wiped on close.
 *
 * Rate limits are a GCRA token bucket per client (burst 5, one more
 * every 12 s: "5 per minute") in a bounded table (ISS_RL_PEERS entries;
 * when full, the least recently seen client is forgotten). A client is
 * its address as given; an IPv6 address counts by its /64, an
 * IPv4-mapped one by its IPv4 address.
 */
#ifndef STADSPAS_ISSUER_AUTH_H
#define STADSPAS_ISSUER_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store_lmdb.h"

#define ISS_TOKEN_LEN 32		/* random bytes of a token */
#define ISS_TOKEN_HEX (2 * ISS_TOKEN_LEN)
#define ISS_TOKEN_ID_HEX 8		/* hex characters of the id */
#define ISS_RL_PEERS 1024
#define ISS_RL_PEER_MAX 63		/* bytes of an address kept */
#define ISS_RL_BURST 5			/* failures allowed at once */
#define ISS_RL_WINDOW 60		/* seconds to regain the burst */

struct iss_rl_entry {
	char peer[ISS_RL_PEER_MAX + 1];
	int64_t tat;			/* GCRA theoretical arrival time */
	uint64_t seen;			/* LRU clock of the last use */
};

#define ISS_TOKCACHE 64		/* verified tokens remembered */
#define ISS_TOKCACHE_TTL 300		/* seconds a verification counts */

struct iss_tok_entry {
	uint8_t digest[32];		/* SHA-256(token) */
	uint8_t gen[32];		/* SHA-256(stored hash string) */
	uint8_t prefix[4];		/* the token id */
	unsigned role;
	int64_t expires;		/* 0: free slot */
	uint64_t seen;			/* LRU clock of the last use */
};

struct iss_tokcache {
	struct iss_tok_entry v[ISS_TOKCACHE];
	uint64_t clock;
	uint64_t pwhash;		/* Argon2id verifications run */
	uint64_t hits;
};

/* Forgets every entry (wiping them) but keeps the counters. */
void iss_tokcache_clear(struct iss_tokcache *tc);
/* Forgets the entries of the token with this id. */
void iss_tokcache_drop(struct iss_tokcache *tc, const uint8_t prefix[4]);

struct iss_ratelimit {
	struct iss_rl_entry *v;		/* ISS_RL_PEERS entries */
	size_t n;
	uint64_t clock;
};

int iss_rl_init(struct iss_ratelimit *rl);
void iss_rl_clear(struct iss_ratelimit *rl);
/* True if peer (NULL: "") has used up its failures for now. */
bool iss_rl_limited(struct iss_ratelimit *rl, const char *peer, int64_t now);
/* Records one failure of peer. */
void iss_rl_fail(struct iss_ratelimit *rl, const char *peer, int64_t now);

struct iss_app;
struct iss_call;
struct iss_req;
struct iss_resp;

/*
 * Creates a token with role and label in t (with an audit entry by who):
 * hex receives the token (a secret: wipe it), id its public id. The
 * Argon2id hash is computed before (pwhash_*: 0 = INTERACTIVE). Does not
 * start a transaction itself, so it composes with others.
 */
struct iss_new_token {
	uint8_t raw[ISS_TOKEN_LEN];	/* secret */
	char hex[ISS_TOKEN_HEX + 1];	/* secret */
	char id[ISS_TOKEN_ID_HEX + 1];
	char hash[128];
	bool collision;			/* out: the prefix was taken */
};
int iss_token_prepare(struct iss_new_token *nt, uint64_t opslimit,
    size_t memlimit);
void iss_token_store(struct reg_txn *t, struct iss_new_token *nt,
    unsigned role, const char *label, int64_t now, const char *who);
void iss_token_wipe(struct iss_new_token *nt);

/*
 * Checks the request's "Authorization: Bearer <token>" for at least role
 * min_role (enum iss_role) and fills c->who and c->role. SP_OK,
 * ISS_ANSWERED (401 unauthorized, 403 forbidden, 429 rate_limited), or a
 * storage error.
 */
int iss_auth_check(struct iss_app *a, struct iss_call *c, int min_role,
    struct iss_resp *resp);

/* POST /admin/tokens */
int iss_admin_tokens_create(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
/* POST /admin/tokens/{id}/revoke */
int iss_admin_token_revoke(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);

#endif /* STADSPAS_ISSUER_AUTH_H */
