/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: ledger export batches (sp_batch_open), and the record and
 * entry decoders beneath it. An accepted batch must hold a consistent
 * chain: consecutive seqs, each record's prev the head before it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "stadspas/sp_ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(const struct sp_batch *b)
{
	struct sp_ledger_record r, prev;
	size_t n = sp_batch_count(b);

	if (n == 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (sp_batch_record(b, i, &r) != SP_OK)
			abort();
		if (i == 0 && memcmp(r.prev, sp_batch_prev(b), 32) != 0)
			abort();
		if (i > 0 && (r.seq != prev.seq + 1 ||
		    memcmp(r.prev, prev.head, 32) != 0))
			abort();
		prev = r;
	}
	if (memcmp(prev.head, sp_batch_head(b), 32) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_batch *b = NULL;
	struct lrec rec;
	const uint8_t *rp, *sp;
	size_t rl = 0, sl = 0;

	if (sp_batch_open(&b, data, size) == SP_OK) {
		walk(b);
		sp_batch_free(&b);
	}
	if (lrec_decode(&rec, data, size) == SP_OK && rec.seq == 0)
		abort();
	if (lrec_entry_decode(data, size, &rp, &rl, &sp, &sl) == SP_OK &&
	    (rl == 0 || sl != 64))
		abort();
	return 0;
}
