/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QR transport: prefix + Base45 + optional zlib, as in the EU DCC "HC1:"
 * pipeline. Inflation is bounded by a hard output ceiling so that a zlib
 * bomb costs O(ceiling) time and memory.
 */
#include "qrt.h"

#include <limits.h>
#include <string.h>

#define ZLIB_CONST
#include <sodium.h>
#include <zlib.h>

#include "base45.h"
#include "stadspas/sp_err.h"

#define QRT_PREFIX_LEN 4
#define QRT_CHUNK 16384		/* inflate output step */
#define ZLIB_CMF_DEFLATE32K 0x78	/* CM = 8, CINFO = 7 (RFC 1950) */
#define ZLIB_FLG_FDICT 0x20

static const struct {
	enum qrt_kind kind;
	char prefix[QRT_PREFIX_LEN + 1];
} qrt_prefixes[] = {
	{ .kind = QRT_SP1, .prefix = "SP1:" },
	{ .kind = QRT_HC1, .prefix = "HC1:" },
};

static const char *
prefix_of(enum qrt_kind kind)
{
	size_t i;

	for (i = 0; i < sizeof(qrt_prefixes) / sizeof(qrt_prefixes[0]); i++)
		if (qrt_prefixes[i].kind == kind)
			return qrt_prefixes[i].prefix;
	return NULL;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
	    c == '\f' || c == '\r';
}

/* Trims ASCII whitespace from the text (pointer and length updated) and
 * identifies the prefix, leaving the text at it. SP_ERR_PREFIX if there is none we know. */
static int
prefix_scan(const char **text, size_t *len, enum qrt_kind *kind)
{
	size_t i;

	while (*len > 0 && is_space((*text)[0])) {
		(*text)++;
		(*len)--;
	}
	while (*len > 0 && is_space((*text)[*len - 1]))
		(*len)--;
	if (*len < QRT_PREFIX_LEN)
		return SP_ERR_PREFIX;
	for (i = 0; i < sizeof(qrt_prefixes) / sizeof(qrt_prefixes[0]); i++)
		if (memcmp(*text, qrt_prefixes[i].prefix, QRT_PREFIX_LEN) == 0) {
			*kind = qrt_prefixes[i].kind;
			return SP_OK;
		}
	return SP_ERR_PREFIX;
}

int
qrt_kind(const char *text, size_t len, enum qrt_kind *kind)
{
	if (text == NULL || kind == NULL || len > QRT_MAX_TEXT)
		return text == NULL || kind == NULL ? SP_ERR_INVALID_ARG :
		    SP_ERR_TOO_LARGE;
	return prefix_scan(&text, &len, kind);
}

/* Drops out[start..len), wiping it: out-params change only on success. */
static void
truncate_to(struct sp_buf *out, size_t start)
{
	if (out->len > start) {
		sodium_memzero(out->ptr + start, out->len - start);
		out->len = start;
	}
}

static int
zlib_err(int zr)
{
	switch (zr) {
	case Z_MEM_ERROR:
		return SP_ERR_NOMEM;
	case Z_STREAM_ERROR:
	case Z_VERSION_ERROR:
		return SP_ERR_INTERNAL;
	default:
		/* Z_DATA_ERROR, Z_NEED_DICT, Z_BUF_ERROR (truncated). */
		return SP_ERR_ZLIB;
	}
}

int
qrt_deflate(struct sp_buf *out, const uint8_t *in, size_t len, int level)
{
	z_stream zs;
	size_t start = 0;
	uLong bound;
	int zr, inited = 0, r = SP_ERR_INVALID_ARG;

	memset(&zs, 0, sizeof(zs));
	if (out == NULL || (in == NULL && len != 0) ||
	    level < Z_DEFAULT_COMPRESSION || level > Z_BEST_COMPRESSION)
		goto fail;
	start = out->len;
	r = SP_ERR_TOO_LARGE;
	if (len > UINT_MAX / 2)
		goto fail;
	if ((zr = deflateInit(&zs, level)) != Z_OK) {
		r = zlib_err(zr);
		goto fail;
	}
	inited = 1;
	/* One deflate() call: the bound is enough for Z_FINISH to end. */
	bound = deflateBound(&zs, (uLong)len);
	r = SP_ERR_TOO_LARGE;
	if (bound > UINT_MAX)
		goto fail;
	if ((r = sp_buf_reserve(out, (size_t)bound)) != SP_OK)
		goto fail;
	zs.next_in = in;
	zs.avail_in = (uInt)len;
	zs.next_out = out->ptr + start;
	zs.avail_out = (uInt)bound;
	if ((zr = deflate(&zs, Z_FINISH)) != Z_STREAM_END) {
		/* Z_OK/Z_BUF_ERROR: the bound was too small, a zlib bug. */
		r = (zr == Z_OK || zr == Z_BUF_ERROR) ? SP_ERR_INTERNAL :
		    zlib_err(zr);
		goto fail;
	}
	out->len = start + (size_t)zs.total_out;
	r = SP_OK;
fail:
	if (inited)
		deflateEnd(&zs);
	/* deflate() may have written past len; wipe what it wrote. */
	if (r != SP_OK && zs.total_out > 0)
		sodium_memzero(out->ptr + start, (size_t)zs.total_out);
	return r;
}

int
qrt_inflate(struct sp_buf *out, const uint8_t *in, size_t len,
    size_t max_out)
{
	uint8_t chunk[QRT_CHUNK];
	z_stream zs;
	size_t start = 0, total = 0, in_left, step;
	uInt avail;
	int zr, inited = 0, started = 0, r = SP_ERR_INVALID_ARG;

	memset(&zs, 0, sizeof(zs));
	if (out == NULL || (in == NULL && len != 0))
		goto fail;
	start = out->len;
	started = 1;
	if (max_out == 0)
		max_out = QRT_MAX_PAYLOAD;
	if (max_out > SIZE_MAX - 1)
		max_out = SIZE_MAX - 1;
	/* RFC 1950: a preset dictionary is never part of our formats. The
	 * header check (FCHECK, CM, CINFO) is left to zlib. */
	r = SP_ERR_ZLIB;
	if (len < 2 || (in[1] & ZLIB_FLG_FDICT) != 0)
		goto fail;
	if ((zr = inflateInit(&zs)) != Z_OK) {
		r = zlib_err(zr);
		goto fail;
	}
	inited = 1;
	zs.next_in = in;
	in_left = len;
	for (;;) {
		if (zs.avail_in == 0 && in_left > 0) {
			step = in_left > UINT_MAX ? UINT_MAX : in_left;
			zs.avail_in = (uInt)step;
			in_left -= step;
		}
		/* Never ask for more than one byte past the ceiling, so a
		 * bomb is caught after O(max_out) work. */
		step = max_out + 1 - total;
		avail = (uInt)(step < sizeof(chunk) ? step : sizeof(chunk));
		zs.next_out = chunk;
		zs.avail_out = avail;
		zr = inflate(&zs, Z_NO_FLUSH);
		step = avail - zs.avail_out;
		total += step;
		if (total > max_out) {
			r = SP_ERR_ZLIB_BOMB;
			goto fail;
		}
		if ((r = sp_buf_append(out, chunk, step)) != SP_OK)
			goto fail;
		if (zr == Z_STREAM_END)
			break;
		/* Z_BUF_ERROR: no progress with all input consumed and room
		 * left, i.e. a truncated stream. */
		if (zr != Z_OK) {
			r = zlib_err(zr);
			goto fail;
		}
	}
	/* Trailing bytes after the Adler-32 would be an unsigned appendix. */
	r = SP_ERR_ZLIB;
	if (zs.avail_in != 0 || in_left != 0)
		goto fail;
	r = SP_OK;
fail:
	if (inited)
		inflateEnd(&zs);
	sodium_memzero(chunk, sizeof(chunk));
	if (r != SP_OK && started)
		truncate_to(out, start);
	return r;
}

int
qrt_encode(struct sp_buf *out, enum qrt_kind kind, const uint8_t *cbor,
    size_t len, enum qrt_zlib mode)
{
	struct sp_buf z;
	const char *prefix;
	const uint8_t *payload = cbor;
	size_t plen = len, start = 0, b45len;
	int ambiguous, started = 0, r = SP_ERR_INVALID_ARG;

	sp_buf_init(&z);
	if (out == NULL || (cbor == NULL && len != 0) ||
	    (prefix = prefix_of(kind)) == NULL ||
	    (mode != QRT_ZLIB_AUTO && mode != QRT_ZLIB_ALWAYS &&
	    mode != QRT_ZLIB_NEVER))
		goto fail;
	start = out->len;
	started = 1;
	/* The decoder inflates anything starting with 0x78, so such a raw
	 * payload (a CBOR text string of 24..255 bytes) must be compressed. */
	ambiguous = len > 0 && cbor[0] == ZLIB_CMF_DEFLATE32K;
	if (mode == QRT_ZLIB_NEVER && ambiguous)
		goto fail;
	if (mode != QRT_ZLIB_NEVER) {
		if ((r = qrt_deflate(&z, cbor, len, Z_BEST_COMPRESSION)) !=
		    SP_OK)
			goto fail;
		if (mode == QRT_ZLIB_ALWAYS || ambiguous || z.len < len) {
			payload = z.ptr;
			plen = z.len;
		}
	}
	/* Refuse what qrt_decode() would refuse. */
	r = SP_ERR_TOO_LARGE;
	if ((b45len = b45_encoded_len(plen)) > QRT_MAX_TEXT - QRT_PREFIX_LEN)
		goto fail;
	if ((r = sp_buf_reserve(out, QRT_PREFIX_LEN + b45len)) != SP_OK ||
	    (r = sp_buf_append(out, prefix, QRT_PREFIX_LEN)) != SP_OK ||
	    (r = b45_encode(out, payload, plen)) != SP_OK)
		goto fail;
fail:
	if (r != SP_OK && started)
		truncate_to(out, start);
	sp_buf_clear(&z);
	return r;
}

int
qrt_decode(struct sp_buf *out, enum qrt_kind *kind, const char *text,
    size_t len, size_t max_out)
{
	struct sp_buf raw;
	enum qrt_kind found = QRT_SP1;
	size_t start = 0;
	int started = 0, r = SP_ERR_INVALID_ARG;

	sp_buf_init(&raw);
	if (out == NULL || (text == NULL && len != 0))
		goto fail;
	start = out->len;
	started = 1;
	r = SP_ERR_TOO_LARGE;
	if (len > QRT_MAX_TEXT)
		goto fail;
	if (max_out == 0)
		max_out = QRT_MAX_PAYLOAD;
	if ((r = prefix_scan(&text, &len, &found)) != SP_OK)
		goto fail;
	if ((r = b45_decode(&raw, text + QRT_PREFIX_LEN, len - QRT_PREFIX_LEN,
	    NULL)) != SP_OK)
		goto fail;
	if (raw.len > 0 && raw.ptr[0] == ZLIB_CMF_DEFLATE32K) {
		r = qrt_inflate(out, raw.ptr, raw.len, max_out);
	} else {
		/* Uncompressed: the same ceiling holds. */
		r = SP_ERR_TOO_LARGE;
		if (raw.len > max_out)
			goto fail;
		r = sp_buf_append(out, raw.ptr, raw.len);
	}
	if (r != SP_OK)
		goto fail;
	if (kind != NULL)
		*kind = found;
fail:
	if (r != SP_OK && started)
		truncate_to(out, start);
	sp_buf_clear(&raw);
	return r;
}
