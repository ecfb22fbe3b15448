/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The signed trust list (docs/FORMATS.md §9): a chain of versions, each
 * an untagged COSE_Sign1 over {1: 4, 2: version, 3: issued, 4: [COSE_Key,
 * ...]} listing the issuer keys a till should trust, current key first.
 * Version 1 is self-signed; every later version is signed by a key of the
 * version before it (keys.c signs a rotation with the old key, a removal
 * with the current one). The chain lives in the store's meta record
 * "trust" -> [1, [signed bstr, ...]] (version order) and is served as a
 * CBOR array of those byte strings at GET /registry/trust.
 */
#ifndef STADSPAS_ISSUER_TRUST_H
#define STADSPAS_ISSUER_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "sp_buf.h"
#include "stadspas/sp_pass.h"
#include "store_lmdb.h"

#define ISS_TRUST_TYPE 4		/* checkpoints 2, catalogues 3 */
#define ISS_TRUST_MAX_VERSIONS 256	/* rotations and removals, in all */

/* The payload of one version: keys holds n COSE_Key maps back to back,
 * len[i] the length of each. */
int iss_trust_payload(struct sp_buf *out, uint64_t version, int64_t issued,
    const uint8_t *keys, const size_t *len, size_t n);

/*
 * In t: appends the next version (stored versions + 1) listing keys,
 * signed by signer, and sets *version to it. Fails t with SP_ERR_TOO_LARGE
 * when the chain is full.
 */
void iss_trust_append(struct reg_txn *t, const struct sp_key *signer,
    int64_t now, const uint8_t *keys, const size_t *len, size_t n,
    uint64_t *version);

/* The number of stored versions (0: no chain yet). */
uint64_t iss_trust_count(struct reg_txn *t);

/* The chain as served: a CBOR array of the signed versions (bstr). */
int iss_trust_chain(struct reg_txn *t, struct sp_buf *out,
    uint64_t *version);

/* SHA-256 over a COSE_Key's bytes: what tills pin. */
int iss_trust_fingerprint(uint8_t out[32], const uint8_t *cose, size_t n);

#endif /* STADSPAS_ISSUER_TRUST_H */
