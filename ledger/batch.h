/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Export batches (docs/FORMATS.md section 10.4): an untagged COSE_Sign1
 * by the till key over {1: 5, 2: provider, 3: till COSE_Key, 4: prev,
 * 5: [entry, ...], 6: head}. Writing here; reading is sp_batch_open.
 */
#ifndef STADSPAS_LEDGER_BATCH_H
#define STADSPAS_LEDGER_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "sig.h"
#include "sp_buf.h"

#define LBATCH_TYPE 5
#define LBATCH_MAX_LEN ((size_t)64 << 20)
#define LBATCH_MAX_RECORDS 10000
#define LBATCH_MAX_DEPTH 6

enum lbatch_key {
	LBATCH_K_TYPE = 1,
	LBATCH_K_PROVIDER = 2,
	LBATCH_K_TILL = 3,
	LBATCH_K_PREV = 4,
	LBATCH_K_ENTRIES = 5,
	LBATCH_K_HEAD = 6,
};

struct lbatch_spec {
	const char *provider;
	const uint8_t *till_cose;	/* the till's public COSE_Key */
	size_t till_cose_len;
	const uint8_t *prev;		/* 32 bytes */
	const uint8_t *entries;		/* n encoded entries, concatenated */
	size_t entries_len;
	size_t n;
	const uint8_t *head;		/* 32 bytes */
};

/* Appends the signed batch to out (Ed25519: deterministic bytes). */
int lbatch_encode(struct sp_buf *out, const struct lbatch_spec *b,
    const struct sig_priv *till);

#endif /* STADSPAS_LEDGER_BATCH_H */
