/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the wallet tests: an in-memory platform (files with
 * write-failure injection, a settable clock, a deterministic RNG, a mock
 * hardware key store) and a simulated issuer that answers
 * POST /wallet/credential bodies, honestly or with one chosen defect.
 */
#ifndef STADSPAS_TESTS_WALLET_WTEST_H
#define STADSPAS_TESTS_WALLET_WTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stadspas/sp_pass.h"
#include "stadspas/sp_wallet.h"

#define WT_T0 1767225600	/* 2026-01-01T00:00:00Z */
#define WT_DAY 86400
#define WT_YEAR (365 * WT_DAY)
#define WT_MAX_FILES 8
#define WT_MAX_HW 64

struct wt_file {
	char name[64];
	uint8_t *data;
	size_t len;
};

struct wt_env {
	struct wt_file files[WT_MAX_FILES];
	size_t n_files;
	int64_t now;
	uint8_t rng_key[32];
	uint64_t rng_ctr;
	unsigned writes;	/* successful write_atomic calls */
	int fail_writes;	/* fail the next N writes ... */
	const char *fail_name;	/* ... only to this name, if set */
	/* mock secure hardware: P-256 keys by handle "hw<i>" */
	uint8_t hw_seed[WT_MAX_HW][32];
	bool hw_live[WT_MAX_HW];
	size_t n_hw;
	unsigned hw_signs, hw_deletes;
	int hw_fail;		/* hw_sign fails while set */
	unsigned logs;
};

void wt_env_init(struct wt_env *e, uint8_t seed);
void wt_env_free(struct wt_env *e);
/* All callbacks; hw_* only if hw is true. */
void wt_ops(struct wt_env *e, struct sp_wallet_ops *ops, bool hw);
struct wt_file *wt_file(struct wt_env *e, const char *name);
/* The next n writes (to name only, if not NULL) fail with SP_ERR_STORAGE. */
void wt_fail_writes(struct wt_env *e, int n, const char *name);

/* The production Argon2id cost is far too slow for unit tests. */
extern const struct sp_wallet_kdf wt_kdf_fast;

/* ---- Simulated issuer ------------------------------------------------- */

enum sim_defect {
	SIM_HONEST = 0,
	SIM_FOREIGN_KEY,	/* copy 1 bound to a key not in the request */
	SIM_ALTER_LEAF,		/* copy 1's name leaf changed after signing */
	SIM_DIFF_CLAIMS,	/* copy 1 validly signed with another name */
	SIM_NO_PASS_NO,		/* no pass number at all */
	SIM_DUP_KEY,		/* copy 1 bound to copy 0's key */
	SIM_EXTRA_COPY,		/* one copy more than keys */
	SIM_OTHER_ISSUER,	/* copy 1 signed by an untrusted key */
	SIM_BAD_SIG,		/* copy 1's issuer signature broken */
	SIM_OTHER_TIMES,	/* copy 1 expires a day later */
	SIM_ERROR_BODY,		/* {"error": ...} */
	SIM_WRONG_LIST,		/* "list" differs from the copies' */
	SIM_NOT_HEX,		/* a copy that is not hex */
	SIM_EXPIRED,		/* exp before now */
	SIM_FEWER,		/* half as many copies as keys (allowed) */
};

struct sim_issuer {
	struct sp_key *key, *rogue;
	uint8_t cose[128];		/* the trusted key's COSE_Key */
	size_t cose_len;
	uint8_t keyset[256];		/* [rogue-alg dummy?, key]: a
					 * COSE_KeySet with the key */
	size_t keyset_len;
	int64_t iat, nbf, exp;
	const char *pass_no, *name;
	unsigned birth_year;
	bool under12, under18;
	const char *cats[4];
	size_t n_cats;
	bool yearly;			/* a "cat/<year>" tag per category */
	uint8_t secret[32];		/* limit tag secret */
	uint32_t next_idx;
	enum sim_defect defect;
	unsigned proofs_checked;
};

/* A Noor-like child's pass: 0014-000777, categories sport and swim. */
int sim_init(struct sim_issuer *s, uint8_t seed, int alg);
void sim_free(struct sim_issuer *s);
/*
 * Answers a request body as the issuer would: every proof must verify
 * (SP_ERR_SIGNATURE otherwise, with the request's code and nonce), then
 * one pass copy per key (with s->defect applied). *resp is malloc'd JSON.
 */
int sim_issue(char **resp, struct sim_issuer *s, const char *request,
    int64_t now);

/* nonce JSON as POST /wallet/nonce returns it, nonce bytes all b. */
void sim_nonce_json(char out[128], uint8_t b);

#endif /* STADSPAS_TESTS_WALLET_WTEST_H */
