/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ledger test fixture: a real issuer, holder and pass, a till key, and
 * verdicts made from real presentations (sp_present, then
 * sp_presentation_verify), so ledger tests do not depend on the
 * verifier library. Also scratch directories and their removal.
 */
#ifndef STADSPAS_TESTS_LEDGER_LFIX_H
#define STADSPAS_TESTS_LEDGER_LFIX_H

#include <stddef.h>
#include <stdint.h>

#include "stadspas/sp_ledger.h"
#include "stadspas/sp_pass.h"

#define LFIX_T0 1767225600		/* 2026-01-01T00:00:00Z */
#define LFIX_PROVIDER "p1"

struct lfix {
	struct sp_key *issuer, *holder, *till;
	struct sp_trust *trust;
	uint8_t *issued;
	size_t issued_len;
};

/* pass_no picks the pass (and so its limit tag); till seed 0x40..0x5f. */
int lfix_init(struct lfix *f, unsigned pass_no);
void lfix_clear(struct lfix *f);

/* A verdict as sp_verifier_check would make it for offer (limited to
 * limit per "sport/2026" if limit > 0, else no scope), with a fresh
 * presentation at time t and counter. raw points into *pres (free with
 * sp_bytes_free). */
int lfix_verdict(struct lfix *f, struct sp_verdict *vd, uint8_t **pres,
    size_t *len, uint64_t offer, uint32_t limit, int64_t t,
    uint64_t counter);

/* mkdtemp of "<base>/ledger-XXXXXX" (base: $SP_TEST_DIR, else "."). */
char *lfix_tmpdir(void);
/* rm -r of dir (files only one level deep), then free(dir). */
void lfix_rmdir(char *dir);

#endif /* STADSPAS_TESTS_LEDGER_LFIX_H */
