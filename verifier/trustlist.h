/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The signed trust list chain (docs/FORMATS.md "Trust list"): parsing one
 * chain strictly and checking each version against the one before it.
 * Pure: bytes in, views out; views borrow from the chain buffer.
 */
#ifndef STADSPAS_VERIFIER_TRUSTLIST_H
#define STADSPAS_VERIFIER_TRUSTLIST_H

#include <stddef.h>
#include <stdint.h>

#include "stadspas/sp_pass.h"

#define TL_TYPE 4		/* payload key 1: trust list */
#define TL_MAX_CHAIN (1u << 20)
#define TL_MAX_VERSIONS 256
#define TL_MAX_KEYS 64
#define TL_MAX_DEPTH 6

struct tl_bytes {
	const uint8_t *ptr;
	size_t len;
};

/* One verified version: its keys (COSE_Key bytes as listed) and their
 * SHA-256 fingerprints. */
struct tl_version {
	uint64_t version;
	int64_t issued;
	size_t n_keys;
	struct tl_bytes keys[TL_MAX_KEYS];
	uint8_t fp[TL_MAX_KEYS][32];
};

/* The signed versions of a chain, in order (not yet verified). */
struct tl_chain {
	size_t n;
	struct tl_bytes v[TL_MAX_VERSIONS];
};

/* Splits a chain (CBOR array of bstr, deterministic, limits above). */
int tl_chain_split(struct tl_chain *c, const uint8_t *buf, size_t len);

/*
 * Opens signed version number want (1, 2, ...): decodes it strictly and
 * verifies it with a key of prev (NULL for version 1: one of its own
 * keys). On SP_OK *out holds it. SP_ERR_SIGNATURE, SP_ERR_UNKNOWN_KID,
 * SP_ERR_CBOR_*, SP_ERR_COSE*, SP_ERR_KEY, SP_ERR_REG_FORK (wrong
 * version number).
 */
int tl_version_open(struct tl_version *out, const struct tl_version *prev,
    uint64_t want, const uint8_t *signed_v, size_t len);

/* A fresh struct sp_trust holding v's keys. */
int tl_trust_build(struct sp_trust **out, const struct tl_version *v);

#endif /* STADSPAS_VERIFIER_TRUSTLIST_H */
