/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The municipality's signed offers catalogue (docs/FORMATS.md §6), read
 * strictly: the signature with a trusted issuer key, then the payload as
 * deterministic CBOR with the §6 limits, unknown keys refused. Internal;
 * the verifier uses it, the wallet may. Pointers into the decoded struct
 * borrow from the buffer given to offers_open, which must outlive it.
 */
#ifndef STADSPAS_CORE_OFFERS_H
#define STADSPAS_CORE_OFFERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stadspas/sp_pass.h"

#define OFFERS_TYPE 3		/* payload key 1: offers catalogue */
#define OFFERS_MAX_LEN (1u << 20)
#define OFFERS_MAX_OFFERS 4096
#define OFFERS_MAX_PROVIDERS 1024
#define OFFERS_MAX_REQ 8
#define OFFERS_MAX_KEYS 16
#define OFFERS_CATEGORY_MAX 32
#define OFFERS_TEXT_MAX 128
#define OFFERS_COUNT_MAX 1000
#define OFFERS_AMOUNT_MAX 100000000u

/* Limit periods; the numbers are enum sp_period's. */
enum offers_period {
	OFFERS_PERIOD_NONE = 0,
	OFFERS_PERIOD_YEAR = 1,
	OFFERS_PERIOD_MONTH = 2,
	OFFERS_PERIOD_WEEK = 3,
	OFFERS_PERIOD_DAY = 4,
};

struct offers_offer {
	uint64_t id;
	char title[OFFERS_TEXT_MAX + 1];
	char category[OFFERS_CATEGORY_MAX + 1];
	uint8_t req[OFFERS_MAX_REQ];	/* claim keys, ascending */
	size_t n_req;
	uint32_t count;			/* per period; 0 = no limit */
	int period;			/* enum offers_period */
	uint64_t amount;		/* cents */
	uint64_t *prov;			/* provider numbers, ascending */
	size_t n_prov;
};

struct offers_key {
	const uint8_t *ptr;		/* a COSE_Key map, borrowed */
	size_t len;
};

struct offers_provider {
	uint64_t num;			/* "p<num>" */
	char id[24];
	char name[OFFERS_TEXT_MAX + 1];
	struct offers_key keys[OFFERS_MAX_KEYS];
	size_t n_keys;
};

struct offers_cat {
	uint64_t version;
	int64_t issued;
	size_t n_offers, n_providers;
	struct offers_offer *offers;	/* ascending id */
	struct offers_provider *providers;	/* ascending number */
};

/*
 * Verifies a signed catalogue with t and decodes it into c (zeroed
 * first; release with offers_clear even on failure). Errors: SP_ERR_TOO_LARGE,
 * SP_ERR_CBOR_*, SP_ERR_COSE*, SP_ERR_UNSUPPORTED_ALG, SP_ERR_UNKNOWN_KID,
 * SP_ERR_SIGNATURE, SP_ERR_KEY (a till key), SP_ERR_NOMEM.
 */
int offers_open(struct offers_cat *c, const struct sp_trust *t,
    const uint8_t *buf, size_t len);
/* Decodes an (already verified) payload. */
int offers_decode(struct offers_cat *c, const uint8_t *payload, size_t len);
void offers_clear(struct offers_cat *c);

const struct offers_offer *offers_find(const struct offers_cat *c,
    uint64_t id);
const struct offers_provider *offers_provider(const struct offers_cat *c,
    const char *id);
/* True if the offer is honoured by provider id ("p3"). */
bool offers_honoured(const struct offers_offer *o, const char *id);
/* Parses "p<n>" (n >= 1, no leading zero); false if it is not one. */
bool offers_provider_num(const char *s, size_t len, uint64_t *num);

#endif /* STADSPAS_CORE_OFFERS_H */
