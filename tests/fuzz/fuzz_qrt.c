/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QR transport fuzz target: qrt_decode() and qrt_inflate() on arbitrary
 * input with a small ceiling must never return more than the ceiling, must
 * leave the output alone on failure, and what decodes must survive a
 * re-encode.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qrt.h"
#include "sp_buf.h"
#include "stadspas/sp_err.h"

#define CEILING 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_buf out, text, again;
	enum qrt_kind kind = 0;
	int r;

	sp_buf_init(&out);
	sp_buf_init(&text);
	sp_buf_init(&again);
	r = qrt_decode(&out, &kind, (const char *)data, size, CEILING);
	if (r == SP_OK) {
		if (out.len > CEILING || (kind != QRT_SP1 && kind != QRT_HC1))
			abort();
		/* <= 4096 bytes always fit a text (raw: 6148 chars). */
		if (qrt_encode(&text, kind, out.ptr, out.len,
		    QRT_ZLIB_AUTO) != SP_OK ||
		    qrt_decode(&again, NULL, (const char *)text.ptr, text.len,
		    CEILING) != SP_OK || again.len != out.len ||
		    (out.len > 0 && memcmp(again.ptr, out.ptr, out.len) != 0))
			abort();
	} else if (out.len != 0 || kind != 0) {
		abort();
	}

	sp_buf_reset(&out);
	r = qrt_inflate(&out, data, size, CEILING);
	if ((r == SP_OK && out.len > CEILING) || (r != SP_OK && out.len != 0))
		abort();
	/* Memory, too, stays within the ceiling's size class. */
	if (out.cap > 2 * CEILING)
		abort();
	sp_buf_clear(&out);
	sp_buf_clear(&text);
	sp_buf_clear(&again);
	return 0;
}
