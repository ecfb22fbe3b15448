/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal state of struct sp_verifier, shared by verifier.c (trust list,
 * registry, catalogue), check.c (presentations) and state.c (save/load).
 */
#ifndef STADSPAS_VERIFIER_INT_H
#define STADSPAS_VERIFIER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "offers.h"
#include "sp_buf.h"
#include "stadspas/sp_registry.h"
#include "stadspas/sp_verifier.h"
#include "trustlist.h"

#define VF_LIST_ID 1		/* the daemon's status list */
#define VF_PROVIDER_MAX 64
#define VF_STATE_VERSION 1

struct vf_override {
	uint64_t offer;
	uint32_t max_age;
};

struct sp_verifier {
	char provider[VF_PROVIDER_MAX + 1];
	struct sp_policy pol;
	struct vf_override *over;
	size_t n_over;

	/* Trust list: the chain as accepted, its newest version (whose
	 * key views borrow from chain) and the keys as a struct sp_trust. */
	struct sp_buf chain;
	uint64_t n_versions;
	struct tl_version cur;
	struct sp_trust *trust;		/* never NULL */
	struct sp_reg_mirror *mirror;	/* never NULL; borrows trust */

	/* Catalogue: the signed bytes and their decoding (borrows). */
	bool has_cat;
	struct sp_buf cat_raw;
	struct offers_cat cat;
};

/* Applies a chain (pin: fingerprint required in version 1, or NULL). */
int vf_trust_apply(struct sp_verifier *v, const uint8_t *pin,
    const uint8_t *chain, size_t len);
/* The catalogue's offer id, NULL without a catalogue or such offer
 * (settlement reads offers for any provider through this). */
const struct offers_offer *vf_offer_find(const struct sp_verifier *v,
    uint64_t id);
/* Every required claim disclosed (booleans true) and, for an offer
 * without a limit, the category claim: what sp_verifier_check and
 * settlement ask of a presentation; a limited offer's limit claim is
 * checked by the caller against its scope. */
bool vf_claims_eligible(const struct sp_presentation *p,
    const struct offers_offer *o);
/* Exchanges the state (trust, registry, catalogue) of a and b. */
void vf_state_swap(struct sp_verifier *a, struct sp_verifier *b);

#endif /* STADSPAS_VERIFIER_INT_H */
