/* SPDX-License-Identifier: Apache-2.0 */
/* Merkle commitment and multiproofs: every tree size, many subsets. */
#include <string.h>

#include "check.h"
#include "sd.h"
#include "stadspas/sp_err.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t
rng(void)
{
	/* xorshift64*: deterministic test data, not for secrets. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1du;
}

static void
make_leaves(uint8_t (*lv)[SD_HASH_LEN], size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < SD_HASH_LEN; j++)
			lv[i][j] = (uint8_t)rng();
}

/* Proves and verifies one subset; returns the proof's node count. */
static size_t
roundtrip(const uint8_t (*lv)[SD_HASH_LEN], size_t n, const bool *dis)
{
	uint8_t root[SD_HASH_LEN], got[SD_HASH_LEN];
	uint8_t lh[SD_MAX_LEAVES][SD_HASH_LEN];
	size_t idx[SD_MAX_LEAVES], k = 0, i, nodes;
	struct sp_buf proof;

	sp_buf_init(&proof);
	CHECK(sd_root(root, lv, n) == SP_OK);
	CHECK(sd_proof_make(&proof, lv, n, dis) == SP_OK);
	for (i = 0; i < n; i++)
		if (dis[i]) {
			idx[k] = i;
			memcpy(lh[k++], lv[i], SD_HASH_LEN);
		}
	CHECK(sd_proof_root(got, n, idx, (const uint8_t (*)[SD_HASH_LEN])lh,
	    k, proof.ptr, proof.len) == SP_OK);
	CHECK(memcmp(got, root, SD_HASH_LEN) == 0);
	nodes = proof.len / SD_HASH_LEN;
	if (k > 0 && nodes > 0) {
		/* A flipped proof bit changes the root. */
		proof.ptr[rng() % proof.len] ^= (uint8_t)(1u << (rng() % 8));
		CHECK(sd_proof_root(got, n, idx,
		    (const uint8_t (*)[SD_HASH_LEN])lh, k, proof.ptr,
		    proof.len) != SP_OK || memcmp(got, root, SD_HASH_LEN));
		/* One node too few or too many is refused outright. */
		CHECK(sd_proof_root(got, n, idx,
		    (const uint8_t (*)[SD_HASH_LEN])lh, k, proof.ptr,
		    proof.len - SD_HASH_LEN) == SP_ERR_DISCLOSURE);
		CHECK(sp_buf_append(&proof, root, SD_HASH_LEN) == SP_OK);
		CHECK(sd_proof_root(got, n, idx,
		    (const uint8_t (*)[SD_HASH_LEN])lh, k, proof.ptr,
		    proof.len) == SP_ERR_DISCLOSURE);
	}
	if (k >= 2) {
		size_t t = idx[0];

		/* Indices must be strictly ascending. */
		idx[0] = idx[1];
		idx[1] = t;
		CHECK(sd_proof_root(got, n, idx,
		    (const uint8_t (*)[SD_HASH_LEN])lh, k, proof.ptr,
		    proof.len) == SP_ERR_DISCLOSURE);
	}
	sp_buf_clear(&proof);
	return nodes;
}

static void
test_all_sizes(void)
{
	uint8_t lv[SD_MAX_LEAVES][SD_HASH_LEN];
	bool dis[SD_MAX_LEAVES];
	size_t n, trial, i;

	for (n = 1; n <= SD_MAX_LEAVES; n++) {
		make_leaves(lv, n);
		for (trial = 0; trial < 20; trial++) {
			for (i = 0; i < n; i++)
				dis[i] = (rng() % 3) == 0;
			roundtrip((const uint8_t (*)[SD_HASH_LEN])lv, n, dis);
		}
		/* None disclosed: the proof is the root itself. */
		memset(dis, 0, sizeof(dis));
		CHECK(roundtrip((const uint8_t (*)[SD_HASH_LEN])lv, n, dis) ==
		    1);
		/* All disclosed: no proof nodes. */
		memset(dis, 1, sizeof(dis));
		CHECK(roundtrip((const uint8_t (*)[SD_HASH_LEN])lv, n, dis) ==
		    0);
	}
}

static void
test_sibling_pair_is_cheap(void)
{
	uint8_t lv[8][SD_HASH_LEN];
	bool dis[8] = { true, true, false, false, false, false, false, false };

	make_leaves(lv, 8);
	/* Leaves 0 and 1 share a parent: proof = siblings at levels 2, 3. */
	CHECK(roundtrip((const uint8_t (*)[SD_HASH_LEN])lv, 8, dis) == 2);
	dis[1] = false;
	dis[7] = true;
	/* Opposite corners: 3 nodes each side. */
	CHECK(roundtrip((const uint8_t (*)[SD_HASH_LEN])lv, 8, dis) == 4);
}

static void
test_bad_args(void)
{
	uint8_t root[SD_HASH_LEN], lh[1][SD_HASH_LEN] = { { 0 } };
	size_t idx[1] = { 5 };

	CHECK(sd_root(root, (const uint8_t (*)[SD_HASH_LEN])lh, 0) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sd_root(root, (const uint8_t (*)[SD_HASH_LEN])lh,
	    SD_MAX_LEAVES + 1) == SP_ERR_INVALID_ARG);
	CHECK(sd_proof_root(root, 4, idx, (const uint8_t (*)[SD_HASH_LEN])lh,
	    1, NULL, 0) == SP_ERR_DISCLOSURE);
	idx[0] = 0;
	CHECK(sd_proof_root(root, 4, idx, (const uint8_t (*)[SD_HASH_LEN])lh,
	    1, root, 7) == SP_ERR_DISCLOSURE);
}

static void
test_domain_separation(void)
{
	uint8_t a[SD_HASH_LEN], b[SD_HASH_LEN], l[SD_HASH_LEN] = { 1 };
	uint8_t r[SD_HASH_LEN] = { 2 }, cat[2 * SD_HASH_LEN];

	/* A node is not the leaf hash of its children's concatenation. */
	memcpy(cat, l, SD_HASH_LEN);
	memcpy(cat + SD_HASH_LEN, r, SD_HASH_LEN);
	sd_node_hash(a, l, r);
	sd_leaf_hash(b, cat, sizeof(cat));
	CHECK(memcmp(a, b, SD_HASH_LEN) != 0);
}

int
main(void)
{
	test_all_sizes();
	test_sibling_pair_is_cheap();
	test_bad_args();
	test_domain_separation();
	return check_report("test_sd");
}
