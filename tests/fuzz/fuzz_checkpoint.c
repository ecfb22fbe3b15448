/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: checkpoint and registry event parsing. */
#include <stdint.h>
#include <stdlib.h>

#include "chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reg_checkpoint c;
	struct cose_sign1 m;
	struct reg_event e;
	struct cbor_reader r;

	if (reg_checkpoint_decode(&c, &m, data, size) == SP_OK &&
	    (c.bits != 1 && c.bits != 2))
		abort();
	cbor_reader_init(&r, data, size);
	while (reg_event_decode(&e, &r) == SP_OK)
		if (e.seq == 0)
			abort();
	return 0;
}
