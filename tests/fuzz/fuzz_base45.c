/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base45 fuzz target. Strict Base45 is a bijection, so any input that
 * decodes must re-encode to exactly itself; a rejected input must leave
 * the output alone and blame an offset within (or just past) the input.
 * The input is also encoded and decoded back as bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base45.h"
#include "sp_buf.h"
#include "stadspas/sp_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_buf dec, enc;
	size_t off = SIZE_MAX;
	int r;

	sp_buf_init(&dec);
	sp_buf_init(&enc);
	r = b45_decode(&dec, (const char *)data, size, &off);
	if (r == SP_OK) {
		if (off != SIZE_MAX || b45_encode(&enc, dec.ptr, dec.len) !=
		    SP_OK || enc.len != size ||
		    (size > 0 && memcmp(enc.ptr, data, size) != 0))
			abort();
	} else if (r != SP_ERR_BASE45 || off > size || dec.len != 0) {
		abort();
	}

	sp_buf_reset(&enc);
	sp_buf_reset(&dec);
	if (b45_encode(&enc, data, size) != SP_OK ||
	    enc.len != b45_encoded_len(size) ||
	    b45_decode(&dec, (const char *)enc.ptr, enc.len, NULL) != SP_OK ||
	    dec.len != size || (size > 0 && memcmp(dec.ptr, data, size) != 0))
		abort();
	sp_buf_clear(&dec);
	sp_buf_clear(&enc);
	return 0;
}
