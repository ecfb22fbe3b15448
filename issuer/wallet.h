/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wallet issuance (pre-authorized code flow, after OpenID4VCI): nonces
 * for proofs of possession, and the credential endpoint that turns an
 * enrolment code plus one signed proof per holder key into a batch of
 * pass copies. docs/HTTP_API.md, "Wallet issuance".
 */
#ifndef STADSPAS_ISSUER_WALLET_H
#define STADSPAS_ISSUER_WALLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISS_NONCE_LEN 32
#define ISS_NONCE_TTL 300		/* seconds */
#define ISS_NONCE_MAX 4096		/* outstanding nonces kept */
#define ISS_CODE_CHARS 12		/* enrolment code, without dashes */
#define ISS_POP_LABEL "stadspas pop v1"	/* signed with its NUL */
#define ISS_REFRESH_LABEL "stadspas refresh v1"	/* the same */

struct iss_nonce {
	uint8_t v[ISS_NONCE_LEN];
	int64_t expires;
};

#define ISS_IDX_POOL 64	/* status indices reserved ahead */

/*
 * The wallet's in-memory state. Outstanding nonces (a restart
 * invalidates them, which costs a wallet one more request). Bounded:
 * when full, expired entries go first, then the oldest. And status
 * indices already assigned durably in the status log but not yet handed
 * out: /wallet/credential reserves ISS_IDX_POOL at a time, so that most
 * issuances make one durable commit (the issuer store's), not two. A
 * restart or crash drops the pool: those indices stay assigned and are
 * never used nor handed out again, like those of a failed issuance.
 */
struct iss_nonces {
	struct iss_nonce *v;
	size_t n;
	uint32_t idx[ISS_IDX_POOL];
	size_t n_idx;
};

int iss_nonces_init(struct iss_nonces *ns);
void iss_nonces_clear(struct iss_nonces *ns);
/* Drops expired nonces. */
void iss_nonces_expire(struct iss_nonces *ns, int64_t now);

/* Normalises an enrolment code (case, dashes and spaces ignored) into
 * out[ISS_CODE_CHARS + 1]; false if it is not 12 characters of the code
 * alphabet. */
bool iss_code_normalise(char out[ISS_CODE_CHARS + 1], const char *code);
/* SHA-256 of a normalised code: its key in the store. */
int iss_code_hash(uint8_t out[32], const char *normalised);
/* A fresh random code, formatted "XXXX-XXXX-XXXX". */
void iss_code_generate(char out[ISS_CODE_CHARS + 3]);

struct iss_app;
struct iss_call;
struct iss_resp;

/* POST /wallet/nonce */
int iss_wallet_nonce(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
/* POST /wallet/credential */
int iss_wallet_credential(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
/* POST /wallet/refresh: the renewed copies of bulk renewals, one per
 * proven holder key */
int iss_wallet_refresh(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);

#endif /* STADSPAS_ISSUER_WALLET_H */
