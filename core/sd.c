/* SPDX-License-Identifier: Apache-2.0 */
/* Merkle commitment and multiproofs for selectively disclosable claims. */
#include "sd.h"

#include <string.h>

#include "hash.h"

#include "stadspas/sp_err.h"

/* SHA-256 of the pieces, truncated to SD_HASH_LEN. */
static void
hash_trunc(uint8_t out[SD_HASH_LEN], const struct sp_iov *v, size_t n)
{
	uint8_t full[SP_SHA256_LEN];

	/* On an OpenSSL failure full is zero: roots then never match. */
	(void)sp_sha256_v(full, v, n);
	memcpy(out, full, SD_HASH_LEN);
}

void
sd_leaf_hash(uint8_t out[SD_HASH_LEN], const uint8_t *enc, size_t len)
{
	static const uint8_t dom = 0x00;
	struct sp_iov v[2] = { { &dom, 1 }, { enc, len } };

	hash_trunc(out, v, 2);
}

void
sd_leaf_hash_parts(uint8_t out[SD_HASH_LEN], const uint8_t *salt,
    size_t salt_len, const uint8_t *key, size_t key_len,
    const uint8_t *value, size_t value_len)
{
	static const uint8_t head[2] = { 0x00, 0x83 };	/* domain, [_, _, _] */
	struct sp_iov v[4] = {
		{ head, sizeof(head) }, { salt, salt_len }, { key, key_len },
		{ value, value_len },
	};

	hash_trunc(out, v, 4);
}

void
sd_node_hash(uint8_t out[SD_HASH_LEN], const uint8_t l[SD_HASH_LEN],
    const uint8_t r[SD_HASH_LEN])
{
	static const uint8_t dom = 0x01;
	struct sp_iov v[3] = {
		{ &dom, 1 }, { l, SD_HASH_LEN }, { r, SD_HASH_LEN },
	};

	hash_trunc(out, v, 3);
}

/* Largest power of two strictly below n (n >= 2). */
static size_t
split_point(size_t n)
{
	size_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

/* Hash of leaves[lo..hi). Recursion depth <= log2(SD_MAX_LEAVES) + 1. */
static void
subtree(uint8_t out[SD_HASH_LEN], const uint8_t (*leaves)[SD_HASH_LEN],
    size_t lo, size_t hi)
{
	uint8_t l[SD_HASH_LEN], r[SD_HASH_LEN];
	size_t k;

	if (hi - lo == 1) {
		memcpy(out, leaves[lo], SD_HASH_LEN);
		return;
	}
	k = split_point(hi - lo);
	subtree(l, leaves, lo, lo + k);
	subtree(r, leaves, lo + k, hi);
	sd_node_hash(out, l, r);
}

int
sd_root(uint8_t root[SD_HASH_LEN], const uint8_t (*leaves)[SD_HASH_LEN],
    size_t n)
{
	if (n == 0 || n > SD_MAX_LEAVES)
		return SP_ERR_INVALID_ARG;
	subtree(root, leaves, 0, n);
	return SP_OK;
}

static bool
any_disclosed(const bool *disclosed, size_t lo, size_t hi)
{
	for (; lo < hi; lo++)
		if (disclosed[lo])
			return true;
	return false;
}

static int
proof_walk(struct sp_buf *proof, const uint8_t (*leaves)[SD_HASH_LEN],
    const bool *disclosed, size_t lo, size_t hi)
{
	uint8_t h[SD_HASH_LEN];
	size_t k;
	int r;

	if (!any_disclosed(disclosed, lo, hi)) {
		subtree(h, leaves, lo, hi);
		return sp_buf_append(proof, h, SD_HASH_LEN);
	}
	if (hi - lo == 1)
		return SP_OK;
	k = split_point(hi - lo);
	if ((r = proof_walk(proof, leaves, disclosed, lo, lo + k)) != SP_OK)
		return r;
	return proof_walk(proof, leaves, disclosed, lo + k, hi);
}

int
sd_proof_make(struct sp_buf *proof, const uint8_t (*leaves)[SD_HASH_LEN],
    size_t n, const bool *disclosed)
{
	if (n == 0 || n > SD_MAX_LEAVES)
		return SP_ERR_INVALID_ARG;
	return proof_walk(proof, leaves, disclosed, 0, n);
}

/* Verifier state: disclosed leaves (sorted) and the proof being consumed. */
struct sd_ver {
	const size_t *idx;
	const uint8_t (*lh)[SD_HASH_LEN];
	size_t k;
	size_t next;		/* next disclosed leaf to place */
	const uint8_t *proof;
	size_t nodes;		/* proof nodes available */
	size_t used;		/* proof nodes consumed */
};

static bool
ver_has_leaf_in(const struct sd_ver *v, size_t lo, size_t hi)
{
	return v->next < v->k && v->idx[v->next] >= lo && v->idx[v->next] < hi;
}

static int
ver_walk(struct sd_ver *v, uint8_t out[SD_HASH_LEN], size_t lo, size_t hi)
{
	uint8_t l[SD_HASH_LEN], r[SD_HASH_LEN];
	size_t k;
	int ret;

	if (!ver_has_leaf_in(v, lo, hi)) {
		if (v->used >= v->nodes)
			return SP_ERR_DISCLOSURE;
		memcpy(out, v->proof + v->used * SD_HASH_LEN, SD_HASH_LEN);
		v->used++;
		return SP_OK;
	}
	if (hi - lo == 1) {
		memcpy(out, v->lh[v->next], SD_HASH_LEN);
		v->next++;
		return SP_OK;
	}
	k = split_point(hi - lo);
	if ((ret = ver_walk(v, l, lo, lo + k)) != SP_OK ||
	    (ret = ver_walk(v, r, lo + k, hi)) != SP_OK)
		return ret;
	sd_node_hash(out, l, r);
	return SP_OK;
}

int
sd_proof_root(uint8_t root[SD_HASH_LEN], size_t n, const size_t *idx,
    const uint8_t (*lh)[SD_HASH_LEN], size_t k, const uint8_t *proof,
    size_t proof_len)
{
	struct sd_ver v = {
		.idx = idx, .lh = lh, .k = k, .proof = proof,
		.nodes = proof_len / SD_HASH_LEN,
	};
	size_t i;
	int ret;

	if (n == 0 || n > SD_MAX_LEAVES || k > n || proof_len % SD_HASH_LEN)
		return SP_ERR_DISCLOSURE;
	for (i = 0; i < k; i++)
		if (idx[i] >= n || (i > 0 && idx[i] <= idx[i - 1]))
			return SP_ERR_DISCLOSURE;
	if ((ret = ver_walk(&v, root, 0, n)) != SP_OK)
		return ret;
	/* Every disclosed leaf placed, every proof node used: no slack a
	 * forger could hide extra material in. */
	return v.next == k && v.used == v.nodes ? SP_OK : SP_ERR_DISCLOSURE;
}
