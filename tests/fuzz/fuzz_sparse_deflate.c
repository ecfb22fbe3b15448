/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sparse DEFLATE fuzz target: reg_sparse_deflate() of arbitrary bytes, and
 * of a sparse list grown from them, must inflate (zlib) to exactly the
 * input, as one stream with nothing after it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "sp_buf.h"
#include "sparse_deflate.h"
#include "stadspas/sp_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Cap of the grown list: three 512 KiB parser segments at most. */
#define GROWN_MAX ((size_t)3 << 19)

/* Compresses in[0..n) and aborts unless inflate gives it back exactly. */
static void
check(const uint8_t *in, size_t n)
{
	struct sp_buf z;
	z_stream zs;
	uint8_t *back;
	int zr;

	sp_buf_init(&z);
	if (reg_sparse_deflate(&z, in, n) != SP_OK)
		abort();
	if ((back = malloc(n + 1)) == NULL)
		abort();
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		abort();
	zs.next_in = z.ptr;
	zs.avail_in = (uInt)z.len;
	zs.next_out = back;
	zs.avail_out = (uInt)(n + 1);
	zr = inflate(&zs, Z_FINISH);
	if (zr != Z_STREAM_END || zs.avail_in != 0 || zs.total_out != n ||
	    (n > 0 && memcmp(back, in, n) != 0))
		abort();
	inflateEnd(&zs);
	free(back);
	sp_buf_clear(&z);
}

/*
 * A mostly-zero list from the input: a byte with the top bit set adds
 * (low 7 bits) * 3 zero bytes (up to 381: runs across the 258-byte match
 * limit), any other byte is copied. The first byte picks the
 * background value (0x00 or 0xff) and, with its top bit set, repeats the
 * rest 8 to 15 times, so inputs of a few KiB reach past the parser's
 * 512 KiB segments (most stay small, which keeps the fuzzer fast).
 */
static uint8_t *
grow_list(const uint8_t *d, size_t n, size_t *len)
{
	uint8_t bg = (d[0] & 1) ? 0xff : 0x00, *p;
	size_t reps = (d[0] & 0x80) ? 8 + ((d[0] >> 4) & 7) : 1;
	size_t cap = 0, o = 0, i, r;

	for (r = 0; r < reps; r++)
		for (i = 1; i < n; i++)
			cap += (d[i] & 0x80) ? (size_t)(d[i] & 0x7f) * 3 : 1;
	if (cap > GROWN_MAX)
		cap = GROWN_MAX;
	if ((p = malloc(cap + 1)) == NULL)
		abort();
	for (r = 0; r < reps; r++) {
		for (i = 1; i < n && o < cap; i++) {
			size_t k = (d[i] & 0x80) ? (size_t)(d[i] & 0x7f) * 3 :
			    1;

			if (k > cap - o)
				k = cap - o;
			if (d[i] & 0x80)
				memset(p + o, bg, k);
			else
				p[o] = d[i];
			o += k;
		}
	}
	*len = o;
	return p;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size);
	if (size > 1) {
		size_t len;
		uint8_t *list = grow_list(data, size, &len);

		check(list, len);
		free(list);
	}
	return 0;
}
