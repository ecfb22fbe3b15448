/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base45 (RFC 9285) encoder and strict, table-driven decoder. Two bytes
 * become three characters c d e with c + 45 d + 2025 e = 256 a + b (RFC 9285
 * Section 4); a last odd byte becomes two characters.
 */
#include "base45.h"

#include <sodium.h>

#include "stadspas/sp_err.h"

#define XX 0xff	/* not in the alphabet */

static const char b45_alphabet[45] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/* Character value by byte, XX for the 211 bytes outside Table 1. */
static const uint8_t b45_value[256] = {
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 0x */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 1x */
	36, XX, XX, XX, 37, 38, XX, XX, XX, XX, 39, 40, XX, 41, 42, 43, /* 2x */
	 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 44, XX, XX, XX, XX, XX, /* 3x */
	XX, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, /* 4x */
	25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, XX, XX, XX, XX, XX, /* 5x */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 6x */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 7x */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 8x */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* 9x */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* ax */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* bx */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* cx */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* dx */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* ex */
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* fx */
};

size_t
b45_encoded_len(size_t n)
{
	/* n / 2 * 3 overflows only for n > 2 / 3 SIZE_MAX. */
	if (n / 2 > (SIZE_MAX - 2) / 3)
		return SIZE_MAX;
	return n / 2 * 3 + (n % 2) * 2;
}

int
b45_encode(struct sp_buf *out, const uint8_t *in, size_t n)
{
	size_t need, i;
	uint8_t *p;
	unsigned v;
	int r = SP_ERR_INVALID_ARG;

	if (out == NULL || (in == NULL && n != 0))
		goto fail;
	r = SP_OK;
	if (n == 0)
		goto fail;
	r = SP_ERR_TOO_LARGE;
	if ((need = b45_encoded_len(n)) == SIZE_MAX)
		goto fail;
	if ((r = sp_buf_reserve(out, need)) != SP_OK)
		goto fail;
	p = out->ptr + out->len;
	for (i = 0; i + 1 < n; i += 2) {
		v = (unsigned)in[i] << 8 | in[i + 1];
		*p++ = (uint8_t)b45_alphabet[v % 45];
		v /= 45;
		*p++ = (uint8_t)b45_alphabet[v % 45];
		*p++ = (uint8_t)b45_alphabet[v / 45];
	}
	if (i < n) {
		v = in[i];
		*p++ = (uint8_t)b45_alphabet[v % 45];
		*p++ = (uint8_t)b45_alphabet[v / 45];
	}
	out->len += need;
fail:
	return r;
}

/* Index of the first character of in[0..k) outside the alphabet. */
static size_t
first_bad_char(const uint8_t *in, size_t k)
{
	size_t i;

	for (i = 0; i < k && b45_value[in[i]] != XX; i++)
		;
	return i;
}

int
b45_decode(struct sp_buf *out, const char *in, size_t n, size_t *err_off)
{
	const uint8_t *s = (const uint8_t *)in;
	size_t start = 0, full, i, bad = 0;
	uint8_t *p = NULL;
	unsigned c, d, e, v;
	int r = SP_ERR_INVALID_ARG;

	if (out == NULL || (in == NULL && n != 0))
		goto fail;
	start = out->len;
	r = SP_OK;
	if (n == 0)
		goto fail;
	/* n / 3 * 2 + 1 <= n: no overflow; a lone trailing char fails below. */
	if ((r = sp_buf_reserve(out, n / 3 * 2 + 1)) != SP_OK)
		goto fail;
	r = SP_ERR_BASE45;
	p = out->ptr + start;
	full = n - n % 3;
	for (i = 0; i < full; i += 3) {
		c = b45_value[s[i]];
		d = b45_value[s[i + 1]];
		e = b45_value[s[i + 2]];
		/* One test for all three: XX is the only value with bit 7. */
		if (((c | d | e) & 0x80) != 0) {
			bad = i + first_bad_char(s + i, 3);
			goto fail;
		}
		if ((v = c + d * 45 + e * 2025) > 0xffff) {
			bad = i;
			goto fail;
		}
		*p++ = (uint8_t)(v >> 8);
		*p++ = (uint8_t)v;
	}
	switch (n - full) {
	case 2:
		c = b45_value[s[i]];
		d = b45_value[s[i + 1]];
		if (((c | d) & 0x80) != 0) {
			bad = i + first_bad_char(s + i, 2);
			goto fail;
		}
		if ((v = c + d * 45) > 0xff) {
			bad = i;
			goto fail;
		}
		*p++ = (uint8_t)v;
		break;
	case 1:
		/* A lone character is never produced by the encoder, but
		 * one outside the alphabet comes first. */
		bad = b45_value[s[i]] == XX ? i : n;
		goto fail;
	default:
		break;
	}
	out->len = (size_t)(p - out->ptr);
	r = SP_OK;
fail:
	if (r == SP_ERR_BASE45) {
		/* Out-params are written only on success: drop the partial
		 * output, which may be part of a secret. */
		if (p != NULL)
			sodium_memzero(out->ptr + start,
			    (size_t)(p - out->ptr) - start);
		if (err_off != NULL)
			*err_off = bad;
	}
	return r;
}
