/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small municipality for the verifier tests: issuer keys, trust list
 * versions and chains, an offers catalogue, a real status log (LMDB in a
 * temporary directory) with snapshots and deltas, and passes issued and
 * presented with the real code.
 */
#ifndef STADSPAS_TESTS_VFIX_H
#define STADSPAS_TESTS_VFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "sp_buf.h"
#include "stadspas/sp_pass.h"
#include "stadspas/sp_verifier.h"

#define VF_T0 1767225600	/* 2026-01-01T00:00:00Z */
#define VF_NOW 1772539200	/* 2026-03-03T12:00:00Z, a Tuesday, W10 */
#define VF_YEAR (365 * 86400)
#define VF_NKEYS 4

struct vfix {
	struct sp_key *iss[VF_NKEYS];	/* issuer keys A, B, C, D */
	uint8_t cose[VF_NKEYS][64];
	size_t cose_len[VF_NKEYS];
	uint8_t fp[VF_NKEYS][32];
	uint8_t kid[VF_NKEYS][SP_KID_LEN];
	struct sp_key *holder;
	char dir[64];
	struct reg_log *log;
};

struct vpass {			/* what a pass carries */
	int signer;		/* issuer key index */
	uint32_t list;		/* 0: the log's list 1 and a fresh index */
	int64_t iat, nbf, exp;
	bool over65;
};

struct vpres {			/* what the holder shows */
	int64_t time;
	const char *aud;
	uint64_t offer, counter;
	const uint8_t *nonce;
	size_t nonce_len;
	const char *scopes[4];
	int disclose[4];
};

void vfix_init(struct vfix *f);
void vfix_clear(struct vfix *f);

/* One trust list version signed by key signer listing keys[0..n). */
void vfix_tl_version(const struct vfix *f, struct sp_buf *out, int signer,
    uint64_t version, const int *keys, size_t n);
/* A chain of n signed versions. */
void vfix_chain(struct sp_buf *out, const struct sp_buf *v, size_t n);
/* The chain {A} (v1); with rotate, v2 by A {B, A}, v3 by B {B}. */
void vfix_chain_std(const struct vfix *f, struct sp_buf *out,
    size_t versions);

/* The test catalogue, version ver, signed by signer. */
void vfix_catalogue(const struct vfix *f, struct sp_buf *out, int signer,
    uint64_t version, int64_t issued);

/* A checkpoint and snapshot at time t signed by signer. */
void vfix_snapshot(struct vfix *f, struct sp_buf *out, int signer,
    int64_t t);
/* A delta from size from, after a checkpoint at t by signer. */
void vfix_delta(struct vfix *f, struct sp_buf *out, int signer,
    uint64_t from, int64_t t);

/* Issues a pass (malloc'd, sp_bytes_free) and its status index. */
void vfix_pass(struct vfix *f, const struct vpass *p, uint8_t **issued,
    size_t *len, uint32_t *idx);
/* The default pass: signer A, valid a year from VF_T0. */
void vfix_pass_std(struct vfix *f, uint8_t **issued, size_t *len,
    uint32_t *idx);
/* Presents an issued pass. */
void vfix_present(const struct vfix *f, const uint8_t *issued, size_t len,
    const struct vpres *p, uint8_t **out, size_t *out_len);

/* A verifier for p1 pinned to the chain, with snapshot and catalogue. */
struct sp_verifier *vfix_verifier(struct vfix *f, int64_t reg_time);

#endif /* STADSPAS_TESTS_VFIX_H */
