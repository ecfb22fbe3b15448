/* SPDX-License-Identifier: Apache-2.0 */
/* Stable tokens and English texts of enum sp_reason (sp_verifier.h). */
#include "stadspas/sp_verifier.h"

#include <stddef.h>

static const struct {
	const char *token;
	const char *text;
} reasons[SP_R_COUNT] = {
	[SP_R_OK] = { "ok", "approved" },
	[SP_R_MALFORMED] = { "malformed",
	    "not a readable stadspas presentation" },
	[SP_R_BAD_SIGNATURE] = { "bad_signature",
	    "the pass's signature or a disclosure does not verify" },
	[SP_R_UNKNOWN_ISSUER_KEY] = { "unknown_issuer_key",
	    "the pass is signed by a key the till does not trust" },
	[SP_R_EXPIRED] = { "expired", "the pass has expired" },
	[SP_R_NOT_YET_VALID] = { "not_yet_valid",
	    "the pass is not valid yet" },
	[SP_R_REVOKED] = { "revoked", "the pass has been revoked" },
	[SP_R_SUSPENDED] = { "suspended", "the pass is suspended" },
	[SP_R_REGISTRY_TOO_OLD] = { "registry_too_old",
	    "the till's registry is missing or too old: sync it" },
	[SP_R_HOLDER_BINDING] = { "holder_binding_failed",
	    "the wallet's signature does not verify" },
	[SP_R_STALE] = { "stale_timestamp",
	    "the QR code is too old: show a fresh one" },
	[SP_R_FUTURE] = { "future_timestamp",
	    "the QR code is dated in the future: check the clocks" },
	[SP_R_WRONG_AUDIENCE] = { "wrong_audience",
	    "the QR code was not made for this provider" },
	[SP_R_WRONG_NONCE] = { "wrong_nonce",
	    "the QR code does not answer this till's challenge" },
	[SP_R_REPLAYED] = { "replayed",
	    "this QR code has already been redeemed" },
	[SP_R_UNKNOWN_OFFER] = { "unknown_offer",
	    "the offer is not in the catalogue" },
	[SP_R_OFFER_NOT_HERE] = { "offer_not_here",
	    "the offer is not honoured by this provider" },
	[SP_R_NOT_ELIGIBLE] = { "not_eligible",
	    "the pass does not show what the offer requires" },
	[SP_R_LIMIT_REACHED] = { "limit_reached",
	    "the pass has used this offer's limit for the period" },
	[SP_R_OFFER_MISMATCH] = { "offer_mismatch",
	    "the QR code was made for another offer" },
	[SP_R_LEDGER] = { "ledger_failed",
	    "the redemption could not be recorded: not approved" },
};

const char *
sp_reason_token(int reason)
{
	if (reason < 0 || reason >= SP_R_COUNT)
		return "unknown";
	return reasons[reason].token;
}

const char *
sp_reason_text(int reason)
{
	if (reason < 0 || reason >= SP_R_COUNT)
		return "unknown";
	return reasons[reason].text;
}
