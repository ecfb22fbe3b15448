/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Providers, offers and the signed offers catalogue (docs/FORMATS.md,
 * "Offers catalogue"): a COSE_Sign1 by the current issuer key over
 * {1: 3, 2: version, 3: issued, 4: [offer, ...], 5: [provider, ...]}.
 */
#ifndef STADSPAS_ISSUER_CATALOGUE_H
#define STADSPAS_ISSUER_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sig.h"
#include "sp_buf.h"
#include "store.h"

#define ISS_CAT_TYPE 3			/* payload key 1 (checkpoints: 2) */
#define ISS_CAT_MAX_OFFERS 4096
#define ISS_CAT_MAX_PROVIDERS 1024
#define ISS_CAT_MAX_LEN (1u << 20)	/* signed catalogue, bytes */
#define ISS_AMOUNT_MAX 100000000u	/* cents */
#define ISS_LIMIT_COUNT_MAX 1000

/* Payload map keys. */
enum iss_cat_key {
	ISS_CAT_K_TYPE = 1,
	ISS_CAT_K_VERSION = 2,
	ISS_CAT_K_ISSUED = 3,
	ISS_CAT_K_OFFERS = 4,
	ISS_CAT_K_PROVIDERS = 5,
};

/* True for [a-z0-9_-]{1,32}: categories become limit scopes
 * ("sport/2026"), so no '/'. */
bool iss_category_valid(const char *s);

/* Appends the deterministic payload (offers and providers in the order
 * given, which the publisher makes ascending by id). */
int iss_cat_payload_encode(struct sp_buf *out, uint64_t version,
    int64_t issued, const struct iss_offer *offers, size_t n_offers,
    const struct iss_provider *providers, size_t n_providers);
/* Appends the untagged COSE_Sign1, protected {1: alg, 4: kid}. */
int iss_cat_sign(struct sp_buf *out, const struct sig_priv *k,
    const uint8_t *kid, size_t kid_len, const uint8_t *payload, size_t n);

/* True if some stored offer of category has a yearly limit. */
bool iss_cat_has_yearly(struct reg_txn *t, const char *category);

struct iss_app;
struct iss_call;
struct iss_resp;

/* POST /admin/providers */
int iss_cat_providers_create(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
/* POST /admin/offers */
int iss_cat_offers_create(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
/* POST /admin/catalogue/publish */
int iss_cat_publish(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);

#endif /* STADSPAS_ISSUER_CATALOGUE_H */
