/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Settlement test fixture: a municipality (issuer key, trust list,
 * offers catalogue with two providers and their till keys, a verifier
 * holding them), passes issued and presented with the real code, real
 * ledgers (sp_ledger_open in a scratch directory) that redeem them, and
 * their signed export batches. Setup failures abort.
 */
#ifndef STADSPAS_TESTS_SETTLEMENT_SFIX_H
#define STADSPAS_TESTS_SETTLEMENT_SFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settle.h"
#include "sp_buf.h"
#include "stadspas/sp_ledger.h"

#define SF_T0 1767225600	/* 2026-01-01T00:00:00Z */
#define SF_T 1767780000		/* 2026-01-07T10:00:00Z, W02 */
#define SF_DAY 86400
#define SF_TILLS 4		/* p1: 0, 1; p2: 2; 3: registered nowhere */

/* Offers of the catalogue. */
#define SF_SWIM 1		/* p1, 350, 1 a week, age_under_18 */
#define SF_MUSEUM 2		/* p1 and p2, 500, unlimited */
#define SF_SPORT 3		/* p1, 2500, 2 a year */

struct sfix {
	struct sp_key *issuer;
	struct sp_key *till[SF_TILLS];
	struct sp_verifier *v;
	struct stl_history *hist;
	char dir[64];
	unsigned n_dirs;
};

struct spass {
	uint8_t *issued;
	size_t len;
	struct sp_key *holder;
	uint32_t idx;
};

void sfix_init(struct sfix *f);
void sfix_clear(struct sfix *f);
/* The context of an import at SF_T + 1 day, skew 90 s. */
struct stl_context sfix_ctx(const struct sfix *f);
/* A fresh scratch directory under f->dir (static storage per call). */
const char *sfix_subdir(struct sfix *f, char out[128]);

/* A pass numbered pass_no with status index idx and a holder key from
 * holder_seed (two copies of one pass: same pass_no, other idx/seed). */
void sfix_pass(const struct sfix *f, struct spass *p, const char *pass_no,
    uint32_t idx, uint8_t holder_seed);
void sfix_pass_clear(struct spass *p);

/* A ledger for provider with till key f->till[till]. */
struct sp_ledger *sfix_ledger(struct sfix *f, const char *provider,
    int till);

/*
 * The holder of p presents offer at time t with counter (audience aud),
 * and the till redeems it in l, as a till would after sp_verifier_check
 * (the verdict is made from sp_presentation_verify). With forge, the
 * last byte of the presentation (the holder's key-binding signature) is
 * flipped first: a dishonest till's record. *pres (if not NULL) gets a
 * copy of what was recorded (free with sp_bytes_free).
 */
void sfix_redeem(const struct sfix *f, struct sp_ledger *l,
    const struct spass *p, const char *aud, uint64_t offer, int64_t t,
    uint64_t counter, bool forge, uint8_t **pres, size_t *pres_len);

/* The batch of the records after `after` (0: all). */
void sfix_export(struct sp_ledger *l, uint64_t after, struct sp_buf *out);

#endif /* STADSPAS_TESTS_SETTLEMENT_SFIX_H */
