/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verifier a provider's till embeds (sans-IO: the caller fetches the
 * trust list, registry files and offers catalogue however it likes, from
 * the issuer daemon, a CDN or a USB stick, and stores the state blob
 * wherever it likes; signatures make every source untrusted).
 *
 *   sp_verifier_new()            one per till (provider id, policy)
 *   sp_verifier_trust_*()        the signed trust list of issuer keys
 *   sp_verifier_registry_*()     the status-list mirror (sp_registry.h)
 *   sp_verifier_catalogue()      the signed offers catalogue
 *   sp_verifier_check()          a presentation -> struct sp_verdict
 *   sp_verifier_save()/_load()   the whole state as one blob
 *
 * The redemption ledger (durable, limits, replay, receipts, export) is
 * sp_ledger.h; it takes the verdicts made here.
 *
 * Ownership: objects are opaque, created by _new, freed by _free(&p)
 * (NULL-safe, wipes, sets p = NULL). Inputs are borrowed for the call.
 * Not thread-safe: guard a verifier with a lock if threads share it.
 */
#ifndef STADSPAS_SP_VERIFIER_H
#define STADSPAS_SP_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_err.h"
#include "sp_pass.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Why a presentation was refused (or SP_R_OK). Stable numbers and tokens
 * (sp_reason_token: "revoked", "registry_too_old", ...): tills log them
 * and integrators switch on them; docs/API.md lists them with the exit
 * codes of `stadspas till`.
 */
enum sp_reason {
	SP_R_OK = 0,			/* "ok" */
	SP_R_MALFORMED = 1,		/* "malformed": not an SP1 presentation,
					 * bad CBOR/Base45/zlib, over a limit */
	SP_R_BAD_SIGNATURE = 2,		/* "bad_signature": the issuer's
					 * signature or a disclosure does not
					 * verify against the commitment */
	SP_R_UNKNOWN_ISSUER_KEY = 3,	/* "unknown_issuer_key": kid not in the
					 * trust list (never or no longer) */
	SP_R_EXPIRED = 4,		/* "expired" */
	SP_R_NOT_YET_VALID = 5,		/* "not_yet_valid" */
	SP_R_REVOKED = 6,		/* "revoked" */
	SP_R_SUSPENDED = 7,		/* "suspended" */
	SP_R_REGISTRY_TOO_OLD = 8,	/* "registry_too_old": no registry, or
					 * older than the policy allows for
					 * this offer, or an unknown list */
	SP_R_HOLDER_BINDING = 9,	/* "holder_binding_failed" */
	SP_R_STALE = 10,		/* "stale_timestamp" */
	SP_R_FUTURE = 11,		/* "future_timestamp" */
	SP_R_WRONG_AUDIENCE = 12,	/* "wrong_audience": not for this
					 * provider (or no audience with an
					 * offer) */
	SP_R_WRONG_NONCE = 13,		/* "wrong_nonce" */
	SP_R_REPLAYED = 14,		/* "replayed": this key-binding
					 * signature was already redeemed */
	SP_R_UNKNOWN_OFFER = 15,	/* "unknown_offer": not in the
					 * catalogue, or no catalogue */
	SP_R_OFFER_NOT_HERE = 16,	/* "offer_not_here": the offer is not
					 * honoured by this provider */
	SP_R_NOT_ELIGIBLE = 17,		/* "not_eligible": a required claim is
					 * missing or not true, no category or
					 * limit claim for the offer */
	SP_R_LIMIT_REACHED = 18,	/* "limit_reached" */
	SP_R_OFFER_MISMATCH = 19,	/* "offer_mismatch": the key binding
					 * names another offer than the one
					 * being redeemed */
	SP_R_LEDGER = 20,		/* "ledger_failed": the redemption
					 * could not be recorded durably;
					 * not approved */
};
#define SP_R_COUNT 21

/* Stable token ("revoked") and one-line English text of a reason; never
 * NULL ("unknown" for numbers outside the enum). */
SP_EXPORT const char *sp_reason_token(int reason);
SP_EXPORT const char *sp_reason_text(int reason);

/* ---- Policy ----------------------------------------------------------- */

/*
 * Freshness and clock policy. Defaults (SP_POLICY_DEFAULT, DESIGN.md):
 * limited offers are refused when the registry's newest checkpoint is
 * older than 24 h, every verdict warns past 1 h; presentations follow
 * SP_VERIFY_OPTS_DEFAULT (skew 90 s, max_age 30 s). registry_max_age
 * applies to limited offers only; registry_max_age_any (0 = never) to
 * every check. Per-offer overrides: sp_verifier_offer_policy().
 */
struct sp_policy {
	uint32_t registry_max_age;	/* s, limited offers; default 86400 */
	uint32_t registry_max_age_any;	/* s, everything; 0 = no limit */
	uint32_t registry_warn_age;	/* s; default 3600 */
	uint32_t skew;			/* s; default 90 */
	uint32_t max_age;		/* s; default 30 */
};
#define SP_POLICY_DEFAULT { .registry_max_age = 86400, \
	.registry_max_age_any = 0, .registry_warn_age = 3600, .skew = 90, \
	.max_age = 30 }

/* ---- The verifier ----------------------------------------------------- */

struct sp_verifier;

/*
 * A verifier for provider provider_id ("p1", the audience wallets sign
 * for; at most 64 bytes) with policy pol (NULL: SP_POLICY_DEFAULT). It
 * trusts nothing until a trust list is pinned or loaded.
 */
SP_EXPORT int sp_verifier_new(struct sp_verifier **out,
    const char *provider_id, const struct sp_policy *pol);
SP_EXPORT void sp_verifier_free(struct sp_verifier **vp);
SP_EXPORT const char *sp_verifier_provider(const struct sp_verifier *v);
/* Per-offer override of registry_max_age (0 removes the override). */
SP_EXPORT int sp_verifier_offer_policy(struct sp_verifier *v,
    uint64_t offer, uint32_t registry_max_age);

/*
 * Trust list (docs/FORMATS.md "Trust list"): a chain of signed versions,
 * each a COSE_Sign1 listing the issuer keys to trust; version 1 is
 * self-signed, every later version is signed by a key of the version
 * before it (rotation: the old key signs the list that adds the new one;
 * removal: a version without the key). The daemon serves the whole chain
 * at GET /registry/trust (a CBOR array of the signed versions).
 *
 * sp_verifier_trust_pin: the first chain, accepted only if its version 1
 * contains a key whose SHA-256 over its COSE_Key equals fingerprint (32
 * bytes; the daemon prints it, the municipality publishes it), then every
 * later version is applied. Refuses to re-pin a verifier that trusts
 * anything (SP_ERR_INVALID_ARG).
 * sp_verifier_trust_update: applies the versions of a chain newer than
 * the one held, each checked against the version before it; versions not
 * newer must equal the ones already applied (else SP_ERR_REG_FORK).
 * A chain never goes back (an older chain changes nothing and returns
 * SP_OK). All or nothing. Errors: SP_ERR_SIGNATURE, SP_ERR_UNKNOWN_KID,
 * SP_ERR_KEY_MISMATCH (fingerprint not in version 1), SP_ERR_REG_FORK,
 * SP_ERR_CBOR_*, SP_ERR_TOO_LARGE.
 */
SP_EXPORT SP_NODISCARD int sp_verifier_trust_pin(struct sp_verifier *v,
    const uint8_t fingerprint[32], const uint8_t *chain, size_t len);
SP_EXPORT SP_NODISCARD int sp_verifier_trust_update(struct sp_verifier *v,
    const uint8_t *chain, size_t len);
/* Version of the trust list held (0 = none) and its key count. */
SP_EXPORT uint64_t sp_verifier_trust_version(const struct sp_verifier *v);
SP_EXPORT size_t sp_verifier_trust_count(const struct sp_verifier *v);

/*
 * Registry (list 1, the daemon's status list): as sp_reg_mirror_bootstrap
 * and sp_reg_mirror_apply (sp_registry.h), checked with the trusted keys.
 * sp_verifier_registry_size: log size (the `from` of the next delta);
 * sp_verifier_registry_time: time of the newest verified checkpoint, 0 if
 * none.
 */
SP_EXPORT SP_NODISCARD int sp_verifier_registry_bootstrap(
    struct sp_verifier *v, const uint8_t *snapshot, size_t len);
SP_EXPORT SP_NODISCARD int sp_verifier_registry_apply(struct sp_verifier *v,
    const uint8_t *delta, size_t len);
SP_EXPORT uint64_t sp_verifier_registry_size(const struct sp_verifier *v);
SP_EXPORT int64_t sp_verifier_registry_time(const struct sp_verifier *v);

/*
 * Offers catalogue (docs/FORMATS.md §6): verified with a trusted key;
 * a lower version than the one held is SP_ERR_REG_ROLLBACK, the same
 * version must be the same bytes (else SP_ERR_REG_FORK).
 */
SP_EXPORT SP_NODISCARD int sp_verifier_catalogue(struct sp_verifier *v,
    const uint8_t *catalogue, size_t len);
SP_EXPORT uint64_t sp_verifier_catalogue_version(
    const struct sp_verifier *v);
SP_EXPORT int64_t sp_verifier_catalogue_issued(const struct sp_verifier *v);

/* An offer as the catalogue states it. */
enum sp_period {
	SP_PERIOD_NONE = 0,		/* no limit */
	SP_PERIOD_YEAR = 1,
	SP_PERIOD_MONTH = 2,
	SP_PERIOD_WEEK = 3,		/* ISO 8601 week */
	SP_PERIOD_DAY = 4,
};
#define SP_SCOPE_MAX 48			/* "category/2026-W48" + NUL fits */
struct sp_offer_info {
	uint64_t id;
	const char *title;		/* borrowed from the verifier */
	const char *category;		/* borrowed */
	uint64_t amount_cents;
	enum sp_period period;
	uint32_t limit;			/* count per period; 0 = no limit */
	bool here;			/* honoured by this provider */
};
/* Offer by id (SP_ERR_NOT_FOUND), or the i-th (sp_verifier_offer_at, in
 * catalogue order; SP_ERR_NOT_FOUND past the end). Pointers in *out are
 * valid until the next catalogue or load call. */
SP_EXPORT int sp_verifier_offer(const struct sp_verifier *v, uint64_t id,
    struct sp_offer_info *out);
SP_EXPORT int sp_verifier_offer_at(const struct sp_verifier *v, size_t i,
    struct sp_offer_info *out);

/*
 * The limit scope of a period containing time t (UTC): "swim/2026",
 * "swim/2026-03", "swim/2026-W09" (ISO 8601 week-numbering year),
 * "swim/2026-03-14". SP_ERR_INVALID_ARG for SP_PERIOD_NONE.
 */
SP_EXPORT int sp_limit_scope(char out[SP_SCOPE_MAX], const char *category,
    enum sp_period period, int64_t t);

/* ---- Checking a presentation ----------------------------------------- */

struct sp_check_opts {
	int64_t now;			/* Unix seconds, the till's clock */
	uint64_t offer;			/* offer being redeemed; 0 = verify
					 * the pass only */
	const uint8_t *nonce;		/* the till's nonce, if it showed one */
	size_t nonce_len;
};

/*
 * The outcome of a check. Filled by sp_verifier_check; release with
 * sp_verdict_clear (frees pres). On refusal pres may be NULL (the
 * presentation did not verify) or set (it verified, a later check
 * refused it: revoked, not eligible, ...), so tills can show why.
 */
struct sp_verdict {
	bool approved;			/* reason == SP_R_OK */
	int reason;			/* enum sp_reason */
	int err;			/* the underlying SP_ERR_*, or SP_OK */
	bool registry_warning;		/* registry older than the warn age */
	int64_t registry_age;		/* s since the newest checkpoint;
					 * -1 if none */
	int64_t catalogue_age;		/* s since the catalogue was issued;
					 * -1 if none */
	struct sp_presentation *pres;	/* owned; see above */
	/* For an offer (opts.offer != 0) that passed the offer checks: */
	uint64_t offer;
	uint64_t amount_cents;
	uint32_t limit;			/* 0 = unlimited */
	char scope[SP_SCOPE_MAX];	/* limit scope of now, "" if none */
	uint8_t tag[SP_TAG_LEN];	/* the pass's limit tag for scope */
	uint64_t counter;		/* the key binding's offer counter */
	uint8_t replay_id[32];		/* SHA-256 of the key-binding sig */
	const uint8_t *raw;		/* the presentation's CBOR (borrowed
					 * from the caller's buffer) */
	size_t raw_len;
};

/*
 * Checks a CBOR presentation (sp_qr_decode an SP1 string first), in this
 * order: structure and signatures (sp_presentation_verify with the
 * policy's skew and max_age and, when the key binding names an audience,
 * this provider as audience), status in the mirror (revoked, suspended;
 * no registry or an unknown list: registry_too_old), registry freshness
 * (registry_max_age_any; for a limited offer registry_max_age or its
 * override), then for an offer: in the catalogue, honoured here, the key
 * binding names this offer (offer_mismatch) and this provider as audience
 * (wrong_audience), every required claim disclosed and true (booleans) or
 * present, the category or limit claim, and for a limited offer the
 * scope of now and the pass's tag for it. Limits and replay are the
 * ledger's (sp_ledger_redeem). Returns SP_OK with the verdict filled
 * (approved or not); an error only for a misuse or no memory.
 */
SP_EXPORT int sp_verifier_check(const struct sp_verifier *v,
    struct sp_verdict *out, const uint8_t *pres, size_t len,
    const struct sp_check_opts *opts);
SP_EXPORT void sp_verdict_clear(struct sp_verdict *vd);

/*
 * The whole state (trust list chain, registry mirror, catalogue; not the
 * policy or provider id) as one blob (malloc'd, free with sp_bytes_free),
 * and back: _load re-verifies everything and replaces the state only if
 * the blob is whole (all or nothing).
 */
SP_EXPORT int sp_verifier_save(const struct sp_verifier *v, uint8_t **out,
    size_t *len);
SP_EXPORT SP_NODISCARD int sp_verifier_load(struct sp_verifier *v,
    const uint8_t *blob, size_t len);

/* The trusted keys (for sp_reg_mirror or sp_presentation_verify users);
 * borrowed, changes with the trust list. */
SP_EXPORT const struct sp_trust *sp_verifier_trust(
    const struct sp_verifier *v);

/* A provider's till keys from the catalogue: the i-th COSE_Key of
 * provider_id (borrowed), SP_ERR_NOT_FOUND past the last. */
SP_EXPORT int sp_verifier_till_key(const struct sp_verifier *v,
    const char *provider_id, size_t i, const uint8_t **cose_key,
    size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* STADSPAS_SP_VERIFIER_H */
