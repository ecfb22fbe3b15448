/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Selective disclosure commitment: a Merkle tree (RFC 6962 shape) over
 * salted claim leaves, with SHA-256 truncated to 128 bits and domain
 * separation (0x00 leaf, 0x01 node). A presentation carries the disclosed
 * leaves plus a multiproof: the hashes of the maximal subtrees holding no
 * disclosed leaf, in left-to-right depth-first order.
 */
#ifndef STADSPAS_CORE_SD_H
#define STADSPAS_CORE_SD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_buf.h"

#define SD_HASH_LEN 16
#define SD_SALT_LEN 16
#define SD_MAX_LEAVES 64

/* Leaf hash of the deterministic CBOR encoding of [salt, key, value]. */
void sd_leaf_hash(uint8_t out[SD_HASH_LEN], const uint8_t *enc, size_t len);
/* Leaf hash from the raw encodings of the three parts (zero-copy). */
void sd_leaf_hash_parts(uint8_t out[SD_HASH_LEN], const uint8_t *salt,
    size_t salt_len, const uint8_t *key, size_t key_len,
    const uint8_t *value, size_t value_len);
void sd_node_hash(uint8_t out[SD_HASH_LEN], const uint8_t l[SD_HASH_LEN],
    const uint8_t r[SD_HASH_LEN]);

/* Root over n (1..SD_MAX_LEAVES) leaf hashes. */
int sd_root(uint8_t root[SD_HASH_LEN], const uint8_t (*leaves)[SD_HASH_LEN],
    size_t n);
/* Appends the multiproof for the leaves flagged in disclosed[0..n). */
int sd_proof_make(struct sp_buf *proof, const uint8_t (*leaves)[SD_HASH_LEN],
    size_t n, const bool *disclosed);
/*
 * Recomputes the root from k disclosed leaves (idx strictly ascending,
 * each < n, their hashes in lh) and the proof. SP_ERR_DISCLOSURE if the
 * indices are invalid or the proof has the wrong number of nodes.
 */
int sd_proof_root(uint8_t root[SD_HASH_LEN], size_t n, const size_t *idx,
    const uint8_t (*lh)[SD_HASH_LEN], size_t k, const uint8_t *proof,
    size_t proof_len);

#endif /* STADSPAS_CORE_SD_H */
