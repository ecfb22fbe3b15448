/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QR transport unit tests: the three zlib modes, prefixes and whitespace,
 * the inflate ceiling (bombs, exact limits), corrupt zlib streams, size
 * limits, and the EU DCC test data decoded from PREFIX to COSE.
 */
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>
#define ZLIB_CONST
#include <zlib.h>

#include "base45.h"
#include "check.h"
#include "qrt.h"
#include "sp_buf.h"
#include "stadspas/sp_err.h"
#include "testutil.h"

static uint64_t
prng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static void
fill_random(uint8_t *p, size_t n, uint64_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)prng_next(&seed);
}

/* out = prefix + Base45(payload), built without qrt_encode(). */
static void
make_text(struct sp_buf *out, const char *prefix, const uint8_t *p,
    size_t n)
{
	sp_buf_reset(out);
	if (sp_buf_append(out, prefix, strlen(prefix)) != SP_OK ||
	    b45_encode(out, p, n) != SP_OK)
		abort();
}

static int
same(const struct sp_buf *b, const uint8_t *p, size_t n)
{
	return b->len == n && (n == 0 || memcmp(b->ptr, p, n) == 0);
}

/* Decodes with "keep" already in out: on failure out must be unchanged,
 * on success the payload follows "keep". Returns the result code. */
static int
decode_keep(const struct sp_buf *text, size_t max_out, struct sp_buf *got)
{
	struct sp_buf out;
	int r;

	sp_buf_init(&out);
	if (sp_buf_append(&out, "keep", 4) != SP_OK)
		abort();
	r = qrt_decode(&out, NULL, (const char *)text->ptr, text->len,
	    max_out);
	if (out.len < 4 || memcmp(out.ptr, "keep", 4) != 0 ||
	    (r != SP_OK && out.len != 4)) {
		fprintf(stderr, "qrt_decode changed out on r=%d\n", r);
		r = 1;	/* not an sp_err: fails every comparison */
	}
	if (got != NULL && sp_buf_set(got, out.ptr + 4, out.len - 4) != SP_OK)
		abort();
	sp_buf_clear(&out);
	return r;
}

/* The Base45-decoded payload of an encoded text (after the prefix). */
static void
payload_of(struct sp_buf *out, const struct sp_buf *text)
{
	sp_buf_reset(out);
	if (text->len < 4 || b45_decode(out, (const char *)text->ptr + 4,
	    text->len - 4, NULL) != SP_OK)
		abort();
}

static void
test_modes(void)
{
	static const uint8_t small[] = { 0xa2, 0x01, 0x02, 0x03, 0x04 };
	static const enum qrt_zlib modes[] = {
		QRT_ZLIB_AUTO, QRT_ZLIB_ALWAYS, QRT_ZLIB_NEVER,
	};
	uint8_t rep[2000], rnd[1500];
	struct {
		const uint8_t *p;
		size_t n;
		int compressible;
	} cases[] = {
		{ .p = small, .n = sizeof(small), .compressible = 0 },
		{ .p = rep, .n = sizeof(rep), .compressible = 1 },
		{ .p = rnd, .n = sizeof(rnd), .compressible = 0 },
		{ .p = NULL, .n = 0, .compressible = 0 },
	};
	struct sp_buf text[3], got, pl;
	enum qrt_kind kind;
	size_t c, m, i;

	for (i = 0; i < sizeof(rep); i++)
		rep[i] = (uint8_t)(0x60 + i % 7);
	rep[0] = 0xa1;
	fill_random(rnd, sizeof(rnd), 7);
	rnd[0] = 0xd2;	/* not 0x78 */
	sp_buf_init(&got);
	sp_buf_init(&pl);
	for (m = 0; m < 3; m++)
		sp_buf_init(&text[m]);
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (m = 0; m < 3; m++) {
			sp_buf_reset(&text[m]);
			CHECKF(qrt_encode(&text[m], m == 1 ? QRT_HC1 : QRT_SP1,
			    cases[c].p, cases[c].n, modes[m]) == SP_OK,
			    "case %zu mode %zu", c, m);
			CHECK(text[m].len >= 4 && memcmp(text[m].ptr,
			    m == 1 ? "HC1:" : "SP1:", 4) == 0);
			kind = 0;
			sp_buf_reset(&got);
			CHECKF(qrt_decode(&got, &kind,
			    (const char *)text[m].ptr, text[m].len, 0) ==
			    SP_OK && same(&got, cases[c].p, cases[c].n),
			    "case %zu mode %zu round trip", c, m);
			CHECK(kind == (m == 1 ? QRT_HC1 : QRT_SP1));
			payload_of(&pl, &text[m]);
			if (m == 1)	/* ALWAYS: a zlib stream */
				CHECK(pl.len >= 2 && pl.ptr[0] == 0x78);
			if (m == 2)	/* NEVER: the bytes themselves */
				CHECK(same(&pl, cases[c].p, cases[c].n));
		}
		/* AUTO is whichever of the two is strictly shorter. */
		if (cases[c].compressible) {
			CHECK(text[1].len < text[2].len);
			CHECK(text[0].len == text[1].len &&
			    memcmp(text[0].ptr + 4, text[1].ptr + 4,
			    text[0].len - 4) == 0);
		} else {
			CHECK(text[1].len >= text[2].len);
			CHECK(text[0].len == text[2].len &&
			    memcmp(text[0].ptr, text[2].ptr, text[0].len) ==
			    0);
		}
	}
	for (m = 0; m < 3; m++)
		sp_buf_clear(&text[m]);
	sp_buf_clear(&got);
	sp_buf_clear(&pl);
}

/* A raw payload starting with 0x78 would be taken for zlib. */
static void
test_ambiguous_raw(void)
{
	static const uint8_t tstr[] = { 0x78, 0x18, 'a', 'b', 'c', 'd', 'e',
		'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r',
		's', 't', 'u', 'v', 'w', 'x' };
	struct sp_buf text, got, pl;

	sp_buf_init(&text);
	sp_buf_init(&got);
	sp_buf_init(&pl);
	CHECK(sp_buf_append(&text, "keep", 4) == SP_OK);
	CHECK(qrt_encode(&text, QRT_SP1, tstr, sizeof(tstr),
	    QRT_ZLIB_NEVER) == SP_ERR_INVALID_ARG);
	CHECK(text.len == 4);
	sp_buf_reset(&text);
	CHECK(qrt_encode(&text, QRT_SP1, tstr, sizeof(tstr),
	    QRT_ZLIB_AUTO) == SP_OK);
	payload_of(&pl, &text);
	CHECK(pl.ptr[0] == 0x78 && pl.len > sizeof(tstr));
	CHECK(decode_keep(&text, 0, &got) == SP_OK &&
	    same(&got, tstr, sizeof(tstr)));
	/* Hand-made raw text: it must fail as zlib, not pass as CBOR. */
	make_text(&text, "SP1:", tstr, sizeof(tstr));
	CHECK(decode_keep(&text, 0, NULL) == SP_ERR_ZLIB);
	sp_buf_clear(&text);
	sp_buf_clear(&got);
	sp_buf_clear(&pl);
}

static void
test_prefix_and_whitespace(void)
{
	static const uint8_t ab[] = { 'A', 'B' };
	static const char *const bad[] = {
		"", "SP1", "sp1:BB8", "hc1:BB8", "Sp1:BB8", "SP2:BB8",
		"HC2:BB8", "SP1;BB8", "BB8", "SP1BB8", ":BB8", " \t\r\n",
		"\xc2\xa0SP1:BB8", "HC1 :BB8",
	};
	static const char *const good[] = {
		"SP1:BB8", " SP1:BB8", "\t\n\v\f\r SP1:BB8 \r\n\t\v\f",
		"SP1:BB8\n",
	};
	struct sp_buf text, got;
	enum qrt_kind kind;
	size_t i;

	sp_buf_init(&text);
	sp_buf_init(&got);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(sp_buf_set(&text, bad[i], strlen(bad[i])) == SP_OK);
		CHECKF(decode_keep(&text, 0, NULL) == SP_ERR_PREFIX,
		    "\"%s\"", bad[i]);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(sp_buf_set(&text, good[i], strlen(good[i])) == SP_OK);
		CHECKF(decode_keep(&text, 0, &got) == SP_OK &&
		    same(&got, ab, 2), "\"%s\"", good[i]);
	}
	kind = 0;
	sp_buf_reset(&got);
	CHECK(qrt_decode(&got, &kind, " HC1:BB8 ", 9, 0) == SP_OK &&
	    kind == QRT_HC1 && same(&got, ab, 2));
	/* Only the ends are trimmed; inside, it is Base45's business. */
	CHECK(sp_buf_set(&text, "SP1:BB\n8", 8) == SP_OK);
	CHECK(decode_keep(&text, 0, NULL) == SP_ERR_BASE45);
	CHECK(sp_buf_set(&text, "SP1: BB8", 8) == SP_OK);
	CHECK(decode_keep(&text, 0, NULL) == SP_ERR_BASE45);
	CHECK(sp_buf_set(&text, "SP1:bb8", 7) == SP_OK);
	CHECK(decode_keep(&text, 0, NULL) == SP_ERR_BASE45);
	CHECK(sp_buf_set(&text, "SP1:GGW", 7) == SP_OK);
	CHECK(decode_keep(&text, 0, NULL) == SP_ERR_BASE45);
	CHECK(sp_buf_set(&text, "SP1:BB8A", 8) == SP_OK);
	CHECK(decode_keep(&text, 0, NULL) == SP_ERR_BASE45);
	/* An empty payload is empty CBOR for the layer above to reject. */
	CHECK(sp_buf_set(&text, "SP1:", 4) == SP_OK);
	CHECK(decode_keep(&text, 0, &got) == SP_OK && got.len == 0);
	/* kind is written only on success. */
	kind = QRT_HC1;
	CHECK(qrt_decode(&got, &kind, "SP1:A", 5, 0) == SP_ERR_BASE45 &&
	    kind == QRT_HC1);
	sp_buf_clear(&text);
	sp_buf_clear(&got);
}

static void
test_args(void)
{
	static const uint8_t one[] = { 1 };
	struct sp_buf b;

	sp_buf_init(&b);
	CHECK(sp_buf_append(&b, "keep", 4) == SP_OK);
	CHECK(qrt_encode(NULL, QRT_SP1, one, 1, QRT_ZLIB_AUTO) ==
	    SP_ERR_INVALID_ARG);
	CHECK(qrt_encode(&b, QRT_SP1, NULL, 1, QRT_ZLIB_AUTO) ==
	    SP_ERR_INVALID_ARG);
	CHECK(qrt_encode(&b, (enum qrt_kind)0, one, 1, QRT_ZLIB_AUTO) ==
	    SP_ERR_INVALID_ARG);
	CHECK(qrt_encode(&b, (enum qrt_kind)3, one, 1, QRT_ZLIB_AUTO) ==
	    SP_ERR_INVALID_ARG);
	CHECK(qrt_encode(&b, QRT_SP1, one, 1, (enum qrt_zlib)3) ==
	    SP_ERR_INVALID_ARG);
	CHECK(qrt_decode(NULL, NULL, "SP1:BB8", 7, 0) == SP_ERR_INVALID_ARG);
	CHECK(qrt_decode(&b, NULL, NULL, 7, 0) == SP_ERR_INVALID_ARG);
	CHECK(qrt_decode(&b, NULL, NULL, 0, 0) == SP_ERR_PREFIX);
	CHECK(qrt_deflate(NULL, one, 1, 9) == SP_ERR_INVALID_ARG);
	CHECK(qrt_deflate(&b, NULL, 1, 9) == SP_ERR_INVALID_ARG);
	CHECK(qrt_deflate(&b, one, 1, 10) == SP_ERR_INVALID_ARG);
	CHECK(qrt_deflate(&b, one, 1, -2) == SP_ERR_INVALID_ARG);
	CHECK(qrt_inflate(NULL, one, 1, 0) == SP_ERR_INVALID_ARG);
	CHECK(qrt_inflate(&b, NULL, 1, 0) == SP_ERR_INVALID_ARG);
	CHECK(qrt_inflate(&b, NULL, 0, 0) == SP_ERR_ZLIB);
	CHECK(qrt_inflate(&b, one, 1, 0) == SP_ERR_ZLIB);
	CHECK(b.len == 4 && memcmp(b.ptr, "keep", 4) == 0);
	sp_buf_clear(&b);
}

static void
test_deflate_inflate(void)
{
	uint8_t data[40000];
	struct sp_buf z, out;
	int level;

	sp_buf_init(&z);
	sp_buf_init(&out);
	fill_random(data, sizeof(data), 99);
	memset(data + 10000, 'a', 20000);
	for (level = -1; level <= 9; level++) {
		sp_buf_reset(&z);
		sp_buf_reset(&out);
		CHECK(qrt_deflate(&z, data, sizeof(data), level) == SP_OK);
		CHECK(z.len > 2 && z.ptr[0] == 0x78);
		CHECKF(qrt_inflate(&out, z.ptr, z.len, sizeof(data)) ==
		    SP_OK && same(&out, data, sizeof(data)), "level %d",
		    level);
	}
	/* Both append. */
	CHECK(sp_buf_set(&z, "ab", 2) == SP_OK);
	CHECK(qrt_deflate(&z, data, 100, 9) == SP_OK);
	CHECK(sp_buf_set(&out, "cd", 2) == SP_OK);
	CHECK(qrt_inflate(&out, z.ptr + 2, z.len - 2, 100) == SP_OK);
	CHECK(out.len == 102 && memcmp(out.ptr, "cd", 2) == 0 &&
	    memcmp(out.ptr + 2, data, 100) == 0);
	/* Empty input round trips. */
	sp_buf_reset(&z);
	sp_buf_reset(&out);
	CHECK(qrt_deflate(&z, NULL, 0, 9) == SP_OK && z.len > 0);
	CHECK(qrt_inflate(&out, z.ptr, z.len, 1) == SP_OK && out.len == 0);
	sp_buf_clear(&z);
	sp_buf_clear(&out);
}

/* Exactly max_out bytes pass, one more is a bomb, at chunk boundaries and
 * with the default ceiling, directly and through qrt_decode(). */
static void
test_ceiling(void)
{
	static const size_t sizes[] = { 1, 2, 100, 16383, 16384, 16385,
		32768, 50001, QRT_MAX_PAYLOAD - 1, QRT_MAX_PAYLOAD };
	static uint8_t data[QRT_MAX_PAYLOAD + 1];
	struct sp_buf z, out, text;
	size_t i;

	sp_buf_init(&z);
	sp_buf_init(&out);
	sp_buf_init(&text);
	fill_random(data, sizeof(data), 3);
	/* Compressible enough for a QR code, yet not constant. */
	for (i = 0; i < sizeof(data); i++)
		data[i] = i % 97 == 0 ? data[i] : (uint8_t)(i / 1000);
	data[0] = 0xa1;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];

		sp_buf_reset(&z);
		CHECK(qrt_deflate(&z, data, n, 9) == SP_OK);
		sp_buf_reset(&out);
		CHECKF(qrt_inflate(&out, z.ptr, z.len, n) == SP_OK &&
		    same(&out, data, n), "n=%zu at ceiling", n);
		sp_buf_reset(&out);
		if (n > 1)
			CHECKF(qrt_inflate(&out, z.ptr, z.len, n - 1) ==
			    SP_ERR_ZLIB_BOMB && out.len == 0,
			    "n=%zu one over", n);
		CHECK(qrt_inflate(&out, z.ptr, z.len, SIZE_MAX) == SP_OK);

		make_text(&text, "SP1:", z.ptr, z.len);
		CHECKF(text.len <= QRT_MAX_TEXT, "n=%zu", n);
		CHECKF(decode_keep(&text, n, &out) == SP_OK &&
		    same(&out, data, n), "n=%zu decode at ceiling", n);
		if (n > 1)
			CHECKF(decode_keep(&text, n - 1, NULL) ==
			    SP_ERR_ZLIB_BOMB, "n=%zu decode one over", n);
	}
	/* max_out 0 means QRT_MAX_PAYLOAD. */
	sp_buf_reset(&z);
	CHECK(qrt_deflate(&z, data, QRT_MAX_PAYLOAD, 9) == SP_OK);
	make_text(&text, "HC1:", z.ptr, z.len);
	CHECK(decode_keep(&text, 0, &out) == SP_OK &&
	    same(&out, data, QRT_MAX_PAYLOAD));
	sp_buf_reset(&out);
	CHECK(qrt_inflate(&out, z.ptr, z.len, 0) == SP_OK);
	sp_buf_reset(&z);
	CHECK(qrt_deflate(&z, data, QRT_MAX_PAYLOAD + 1, 9) == SP_OK);
	make_text(&text, "HC1:", z.ptr, z.len);
	CHECK(decode_keep(&text, 0, NULL) == SP_ERR_ZLIB_BOMB);
	sp_buf_reset(&out);
	CHECK(qrt_inflate(&out, z.ptr, z.len, 0) == SP_ERR_ZLIB_BOMB);
	/* An uncompressed payload obeys the same ceiling. */
	make_text(&text, "SP1:", data, 100);
	CHECK(decode_keep(&text, 100, &out) == SP_OK && same(&out, data, 100));
	CHECK(decode_keep(&text, 99, NULL) == SP_ERR_TOO_LARGE);
	sp_buf_clear(&z);
	sp_buf_clear(&out);
	sp_buf_clear(&text);
}

static void
test_bomb(void)
{
	const size_t big = (size_t)10 << 20, mid = (size_t)5 << 20;
	uint8_t *zeros = calloc(1, big);
	struct sp_buf z, out, text;

	sp_buf_init(&z);
	sp_buf_init(&out);
	sp_buf_init(&text);
	if (zeros == NULL)
		abort();
	/* 10 MiB of zeros: about 10 KB of zlib. */
	CHECK(qrt_deflate(&z, zeros, big, 9) == SP_OK);
	printf("bomb: %zu bytes of zeros deflate to %zu\n", big, z.len);
	CHECK(qrt_inflate(&out, z.ptr, z.len, 0) == SP_ERR_ZLIB_BOMB);
	CHECK(out.len == 0);
	/* The output buffer never grew past the ceiling's size class. */
	CHECKF(out.cap <= 2 * QRT_MAX_PAYLOAD, "cap %zu", out.cap);
	CHECK(qrt_inflate(&out, z.ptr, z.len, 1) == SP_ERR_ZLIB_BOMB);
	/* Its text is over QRT_MAX_TEXT: refused before any work. */
	make_text(&text, "SP1:", z.ptr, z.len);
	CHECK(text.len > QRT_MAX_TEXT);
	CHECK(decode_keep(&text, 0, NULL) == SP_ERR_TOO_LARGE);
	/* 5 MiB of zeros fits a QR code. */
	sp_buf_reset(&text);
	CHECK(qrt_encode(&text, QRT_SP1, zeros, mid, QRT_ZLIB_ALWAYS) ==
	    SP_OK);
	printf("bomb: %zu bytes of zeros as a %zu-character SP1 text\n", mid,
	    text.len);
	CHECK(text.len <= QRT_MAX_TEXT);
	CHECK(decode_keep(&text, 0, NULL) == SP_ERR_ZLIB_BOMB);
	CHECK(decode_keep(&text, 4096, NULL) == SP_ERR_ZLIB_BOMB);
	CHECK(decode_keep(&text, mid - 1, NULL) == SP_ERR_ZLIB_BOMB);
	/* Its own size is no bomb: the ceiling is the caller's choice. */
	sp_buf_reset(&out);
	CHECK(qrt_inflate(&out, z.ptr, z.len, big) == SP_OK &&
	    out.len == big);
	free(zeros);
	sp_buf_clear(&z);
	sp_buf_clear(&out);
	sp_buf_clear(&text);
}

/* Corrupt streams, each through qrt_inflate() and qrt_decode(). */
static int
zlib_rejected(const uint8_t *p, size_t n)
{
	struct sp_buf out, text;
	int ok;

	sp_buf_init(&out);
	sp_buf_init(&text);
	if (sp_buf_append(&out, "keep", 4) != SP_OK)
		abort();
	ok = qrt_inflate(&out, p, n, 0) == SP_ERR_ZLIB && out.len == 4;
	if (n > 0 && p[0] == 0x78) {
		make_text(&text, "SP1:", p, n);
		ok &= decode_keep(&text, 0, NULL) == SP_ERR_ZLIB;
	}
	sp_buf_clear(&out);
	sp_buf_clear(&text);
	return ok;
}

static void
test_corrupt(void)
{
	uint8_t data[3000], bad[4000];
	struct sp_buf z, out;
	z_stream zs;
	size_t k, i;
	unsigned fails = 0, bit;

	sp_buf_init(&z);
	sp_buf_init(&out);
	fill_random(data, sizeof(data), 5);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)('a' + data[i] % 4);
	CHECK(qrt_deflate(&z, data, sizeof(data), 9) == SP_OK);
	CHECK(z.len < sizeof(bad) - 8);

	/* Every truncation. */
	for (k = 0; k < z.len; k++)
		if (!zlib_rejected(z.ptr, k))
			fails++;
	CHECKF(fails == 0, "%u truncations accepted", fails);

	/* Every bit of the Adler-32 trailer. */
	fails = 0;
	for (k = z.len - 4; k < z.len; k++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(bad, z.ptr, z.len);
			bad[k] ^= (uint8_t)(1u << bit);
			if (!zlib_rejected(bad, z.len))
				fails++;
		}
	CHECKF(fails == 0, "%u Adler-32 flips accepted", fails);

	/* A flipped bit in the deflate data. */
	memcpy(bad, z.ptr, z.len);
	bad[z.len / 2] ^= 0x10;
	CHECK(zlib_rejected(bad, z.len));

	/* Bad header: FCHECK, method, window size. */
	memcpy(bad, z.ptr, z.len);
	bad[1] ^= 1;
	CHECK(zlib_rejected(bad, z.len));
	memcpy(bad, z.ptr, z.len);
	bad[0] = 0x79;
	CHECK(zlib_rejected(bad, z.len));
	memcpy(bad, z.ptr, z.len);
	bad[0] = 0x88;	/* CINFO 8: 64K window */
	bad[1] = 0x1d;	/* (0x88 * 256 + 0x1d) % 31 == 0 */
	CHECK(zlib_rejected(bad, z.len));

	/* Trailing bytes after the stream. */
	memcpy(bad, z.ptr, z.len);
	bad[z.len] = 0;
	CHECK(zlib_rejected(bad, z.len + 1));
	memcpy(bad, z.ptr, z.len);
	memcpy(bad + z.len, "\x78\x9c\x03\x00\x00\x00\x00\x01", 8);
	CHECK(zlib_rejected(bad, z.len + 8));

	/* FDICT set with a valid FCHECK: a real preset-dictionary stream. */
	memset(&zs, 0, sizeof(zs));
	CHECK(deflateInit(&zs, 9) == Z_OK);
	CHECK(deflateSetDictionary(&zs, (const Bytef *)"abcd", 4) == Z_OK);
	zs.next_in = data;
	zs.avail_in = (uInt)sizeof(data);
	zs.next_out = bad;
	zs.avail_out = (uInt)sizeof(bad);
	CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
	CHECK((bad[1] & 0x20) != 0 && (bad[0] * 256 + bad[1]) % 31 == 0);
	CHECK(zlib_rejected(bad, (size_t)zs.total_out));
	deflateEnd(&zs);
	/* FDICT flag forced onto the plain stream, FCHECK fixed up. */
	memcpy(bad, z.ptr, z.len);
	bad[1] = (uint8_t)((bad[1] & 0xc0) | 0x20);
	bad[1] = (uint8_t)(bad[1] + (31 - (bad[0] * 256 + bad[1]) % 31) % 31);
	CHECK((bad[0] * 256 + bad[1]) % 31 == 0 && (bad[1] & 0x20) != 0);
	CHECK(zlib_rejected(bad, z.len));

	/* The original is still fine. */
	CHECK(qrt_inflate(&out, z.ptr, z.len, 0) == SP_OK &&
	    same(&out, data, sizeof(data)));
	sp_buf_clear(&z);
	sp_buf_clear(&out);
}

static void
test_sizes(void)
{
	static uint8_t rnd[6000];
	static char text[QRT_MAX_TEXT + 2];
	struct sp_buf t, got;
	size_t raw;

	sp_buf_init(&t);
	sp_buf_init(&got);
	fill_random(rnd, sizeof(rnd), 11);
	rnd[0] = 0xa1;
	/* The longest raw payload that fits: 4 + 3 * 2729 + 2 = 8193 is
	 * one too many, 4 + 3 * 2729 = 8191 fits. */
	raw = 2 * ((QRT_MAX_TEXT - 4) / 3);
	CHECK(qrt_encode(&t, QRT_SP1, rnd, raw, QRT_ZLIB_NEVER) == SP_OK);
	CHECK(t.len <= QRT_MAX_TEXT && t.len + 3 > QRT_MAX_TEXT);
	CHECK(decode_keep(&t, 0, &got) == SP_OK && same(&got, rnd, raw));
	sp_buf_reset(&t);
	CHECK(sp_buf_append(&t, "keep", 4) == SP_OK);
	CHECK(qrt_encode(&t, QRT_SP1, rnd, raw + 1, QRT_ZLIB_NEVER) ==
	    SP_ERR_TOO_LARGE);
	CHECK(qrt_encode(&t, QRT_SP1, rnd, sizeof(rnd), QRT_ZLIB_AUTO) ==
	    SP_ERR_TOO_LARGE);
	CHECK(t.len == 4 && memcmp(t.ptr, "keep", 4) == 0);

	/* Exactly QRT_MAX_TEXT with trailing spaces is fine; one more
	 * character is refused even though trimming would shorten it. */
	memset(text, ' ', sizeof(text));
	memcpy(text, "SP1:BB8", 7);
	CHECK(qrt_decode(&got, NULL, text, QRT_MAX_TEXT, 0) == SP_OK);
	CHECK(qrt_decode(&got, NULL, text, QRT_MAX_TEXT + 1, 0) ==
	    SP_ERR_TOO_LARGE);
	/* Even with no valid prefix at all. */
	memset(text, '!', sizeof(text));
	CHECK(qrt_decode(&got, NULL, text, QRT_MAX_TEXT + 1, 0) ==
	    SP_ERR_TOO_LARGE);
	CHECK(qrt_decode(&got, NULL, text, SIZE_MAX, 0) == SP_ERR_TOO_LARGE);
	sp_buf_clear(&t);
	sp_buf_clear(&got);
}

struct dcc_counts {
	unsigned files, ok, reencoded, no_prefix, no_cose;
};

/* One DCC test file: PREFIX must decode to COSE, and our own encoding of
 * COSE must come back. */
static void
dcc_file(struct dcc_counts *c, const char *path, const char *name)
{
	struct sp_buf cose, got, text;
	enum qrt_kind kind = 0;
	json_error_t jerr;
	const char *prefix, *hex;
	json_t *j;

	sp_buf_init(&cose);
	sp_buf_init(&got);
	sp_buf_init(&text);
	c->files++;
	j = json_load_file(path, 0, &jerr);
	CHECKF(j != NULL, "%s: %s", path, jerr.text);
	if (j == NULL)
		goto out;
	prefix = json_string_value(json_object_get(j, "PREFIX"));
	hex = json_string_value(json_object_get(j, "COSE"));
	if (prefix == NULL || hex == NULL) {
		if (prefix == NULL)
			c->no_prefix++;
		else
			c->no_cose++;
		printf("dcc transport: skip %s: no %s\n", name,
		    prefix == NULL ? "PREFIX" : "COSE");
		goto out;
	}
	CHECKF(tu_hex(&cose, hex) == 0, "%s: COSE hex", path);
	if (qrt_decode(&got, &kind, prefix, strlen(prefix), 0) == SP_OK &&
	    kind == QRT_HC1 && same(&got, cose.ptr, cose.len))
		c->ok++;
	else
		CHECKF(0, "%s: PREFIX does not decode to COSE", path);
	sp_buf_reset(&got);
	if (qrt_encode(&text, QRT_HC1, cose.ptr, cose.len, QRT_ZLIB_AUTO) ==
	    SP_OK && qrt_decode(&got, NULL, (const char *)text.ptr, text.len,
	    0) == SP_OK && same(&got, cose.ptr, cose.len))
		c->reencoded++;
out:
	json_decref(j);
	sp_buf_clear(&cose);
	sp_buf_clear(&got);
	sp_buf_clear(&text);
}

/* Every dgc-testdata 2DCode/raw JSON file of the staged countries. */
static void
test_dcc(void)
{
	static const char *const dirs[] = {
		"DE/2DCode/raw", "ES/2DCode/raw", "PL/1.0.0/2DCode/raw",
		"PL/1.2.1/2DCode/raw", "PL/1.3.0/2DCode/raw",
	};
	char dpath[4096], fpath[4400], rel[128], name[400];
	struct dcc_counts c = { .files = 0 };
	struct dirent *de;
	size_t i, nl;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		DIR *d;

		snprintf(rel, sizeof(rel), "external/dgc-testdata/%s",
		    dirs[i]);
		snprintf(dpath, sizeof(dpath), "%s", tu_vec_path(rel));
		d = opendir(dpath);
		CHECKF(d != NULL, "cannot open %s", dpath);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			nl = strlen(de->d_name);
			if (nl < 6 || de->d_name[0] == '.' ||
			    strcmp(de->d_name + nl - 5, ".json") != 0)
				continue;
			snprintf(fpath, sizeof(fpath), "%s/%s", dpath,
			    de->d_name);
			snprintf(name, sizeof(name), "%s/%s", dirs[i],
			    de->d_name);
			dcc_file(&c, fpath, name);
		}
		closedir(d);
	}
	printf("dcc transport: %u files, %u decoded to their COSE bytes, "
	    "%u re-encoded; skipped %u without PREFIX, %u without COSE\n",
	    c.files, c.ok, c.reencoded, c.no_prefix, c.no_cose);
	CHECK(c.files > 0);
	CHECK(c.ok == c.files - c.no_prefix - c.no_cose);
	CHECK(c.reencoded == c.ok);
}

int
main(void)
{
	test_modes();
	test_ambiguous_raw();
	test_prefix_and_whitespace();
	test_args();
	test_deflate_inflate();
	test_ceiling();
	test_bomb();
	test_corrupt();
	test_sizes();
	test_dcc();
	return check_report("test_qrt");
}
