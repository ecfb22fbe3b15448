/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reg_sparse_deflate: every output is one zlib stream that zlib's inflate
 * reads back exactly (Z_STREAM_END, nothing after it, same bytes), for
 * edge cases, runs around the match limits, sizes around block and
 * segment boundaries and sparse 1- and 2-bit lists from 0.01% to 50%;
 * never more than a few bytes over zlib level 6, and on the sparse lists
 * it exists for, smaller than level 9.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "check.h"
#include "sparse_deflate.h"
#include "stadspas/sp_err.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
/* Allowed excess over zlib level 6: a different header cannot cost more
 * than this, and ties go to our encoder. */
#define SLACK 8

static uint64_t rng_state = 0x73706172736564u;

/* splitmix64 with a fixed seed: every run tests the same inputs. */
static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 bits. */
static double
rnd_unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static uint8_t *
alloc_or_die(size_t n)
{
	uint8_t *p = calloc(n > 0 ? n : 1, 1);

	if (p == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}

/* Strict inflate: exactly one stream holding exactly want[0..n). */
static int
inflate_exact(const uint8_t *z, size_t zlen, const uint8_t *want, size_t n)
{
	z_stream zs;
	uint8_t *buf = alloc_or_die(n + 1);
	int zr, ok;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK) {
		free(buf);
		return 0;
	}
	zs.next_in = (Bytef *)(uintptr_t)z;
	zs.avail_in = (uInt)zlen;
	zs.next_out = buf;
	zs.avail_out = (uInt)(n + 1);	/* room for one byte too many */
	zr = inflate(&zs, Z_FINISH);
	ok = zr == Z_STREAM_END && zs.avail_in == 0 && zs.total_out == n &&
	    (n == 0 || memcmp(buf, want, n) == 0);
	inflateEnd(&zs);
	free(buf);
	return ok;
}

/* zlib's own compress2() size at a level. */
static size_t
zlib_size(const uint8_t *in, size_t n, int level)
{
	uLongf zl = compressBound((uLong)n);
	uint8_t *z = alloc_or_die(zl);

	if (compress2(z, &zl, in, (uLong)n, level) != Z_OK)
		zl = 0;
	free(z);
	return (size_t)zl;
}

/*
 * Encodes in[0..n) after a few bytes already in the buffer (which must
 * survive), checks the stream both ways zlib offers and against level 6.
 * Returns the stream's size (0 on failure).
 */
static size_t
roundtrip(const uint8_t *in, size_t n, const char *what)
{
	static const uint8_t prefix[3] = { 0xaa, 0xbb, 0xcc };
	struct sp_buf out, again;
	const uint8_t *z;
	size_t zlen, z6;
	uLongf back_len = (uLongf)n + 1;
	uint8_t *back;
	int r;

	sp_buf_init(&out);
	sp_buf_init(&again);
	CHECK(sp_buf_append(&out, prefix, sizeof(prefix)) == SP_OK);
	r = reg_sparse_deflate(&out, in, n);
	CHECKF(r == SP_OK, "%s: %s", what, sp_strerror(r));
	if (r != SP_OK) {
		sp_buf_clear(&out);
		return 0;
	}
	CHECKF(out.len > sizeof(prefix) + 6 && memcmp(out.ptr, prefix,
	    sizeof(prefix)) == 0, "%s: prefix", what);
	z = out.ptr + sizeof(prefix);
	zlen = out.len - sizeof(prefix);
	/* RFC 1950: deflate with a 32K window, check bits, no dictionary. */
	CHECKF(z[0] == 0x78 && ((unsigned)z[0] << 8 | z[1]) % 31 == 0 &&
	    (z[1] & 0x20) == 0, "%s: header %02x %02x", what, z[0], z[1]);
	CHECKF(inflate_exact(z, zlen, in, n), "%s: inflate", what);
	back = alloc_or_die(n + 1);
	CHECKF(uncompress(back, &back_len, z, (uLong)zlen) == Z_OK &&
	    back_len == n && (n == 0 || memcmp(back, in, n) == 0),
	    "%s: uncompress", what);
	free(back);
	z6 = zlib_size(in, n, 6);
	CHECKF(zlen <= z6 + SLACK, "%s: %zu bytes, zlib 6 %zu", what, zlen,
	    z6);
	/* A function of the input alone. */
	CHECK(reg_sparse_deflate(&again, in, n) == SP_OK);
	CHECKF(again.len == zlen && memcmp(again.ptr, z, zlen) == 0,
	    "%s: not deterministic", what);
	sp_buf_clear(&out);
	sp_buf_clear(&again);
	return zlen;
}

/* A packed list of `entries` entries of `bits` bits, each nonzero with
 * probability p (status 1, or 2 with probability p2 among those). */
static uint8_t *
make_list(size_t entries, unsigned bits, double p, double p2, size_t *len)
{
	size_t n = (entries * bits + 7) / 8, i;
	uint8_t *b = alloc_or_die(n);

	for (i = 0; i < entries; i++) {
		double u = rnd_unit();
		unsigned st;

		if (u >= p)
			continue;
		st = (bits > 1 && rnd_unit() < p2) ? 2 : 1;
		b[i * bits / 8] |= (uint8_t)(st << (i * bits % 8));
	}
	*len = n;
	return b;
}

static void
test_args(void)
{
	struct sp_buf out;
	uint8_t one = 0;

	sp_buf_init(&out);
	CHECK(reg_sparse_deflate(NULL, &one, 1) == SP_ERR_INVALID_ARG);
	CHECK(reg_sparse_deflate(&out, NULL, 1) == SP_ERR_INVALID_ARG);
	CHECK(out.len == 0);
	CHECK(reg_sparse_deflate(&out, &one,
	    REG_SPARSE_DEFLATE_MAX + 1) == SP_ERR_TOO_LARGE);
	CHECK(out.len == 0);
	/* NULL with no bytes is the empty input. */
	CHECK(reg_sparse_deflate(&out, NULL, 0) == SP_OK);
	CHECK(inflate_exact(out.ptr, out.len, NULL, 0));
	sp_buf_clear(&out);
}

static void
test_edges(void)
{
	static const uint8_t draft[2] = { 0xb9, 0xa3 };	/* the draft's list */
	static const uint8_t draft_lst[10] = { 0x78, 0xda, 0xdb, 0xb9, 0x18,
	    0x00, 0x02, 0x17, 0x01, 0x5d };
	struct sp_buf out;
	uint8_t b[1], *p;
	size_t n = MIB;

	sp_buf_init(&out);
	roundtrip(NULL, 0, "empty");
	b[0] = 0;
	roundtrip(b, 1, "one zero");
	b[0] = 0xff;
	roundtrip(b, 1, "one 0xff");
	/* The draft's example lst, made by zlib level 9, byte for byte: one
	 * fixed-code block, and our header on a tie with level 6. */
	CHECK(roundtrip(draft, 2, "b9 a3") == sizeof(draft_lst));
	CHECK(reg_sparse_deflate(&out, draft, 2) == SP_OK &&
	    out.len == sizeof(draft_lst) &&
	    memcmp(out.ptr, draft_lst, sizeof(draft_lst)) == 0);
	sp_buf_clear(&out);
	p = alloc_or_die(n);
	CHECK(roundtrip(p, n, "1 MiB of zeros") < 1100);
	memset(p, 0xff, n);
	CHECK(roundtrip(p, n, "1 MiB of 0xff") < 1100);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
	roundtrip(p, n, "1 MiB random");
	roundtrip(p, 100, "100 random");
	roundtrip(p, 70 * KIB, "70 KiB random");
	/* Incompressible first segment, then zeros: not dense overall, so
	 * the parser runs and stores that segment. */
	memset(p + 300 * KIB, 0, n - 300 * KIB);
	roundtrip(p, n, "random then zeros");
	/* Periodic bytes (period 3 and 7): matches at distances > 1. */
	for (size_t i = 0; i < n; i++)
		p[i] = i % 3 == 0 ? 1 : 0;
	roundtrip(p, n, "period 3");
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i % 7 == 0 ? 0x40 : i % 7 == 3 ? 2 : 0);
	roundtrip(p, n, "period 7");
	/* Long runs of other values, as after bulk revocation. */
	memset(p, 0, n);
	memset(p + 1000, 0xff, 200 * KIB);
	memset(p + 400 * KIB, 0x55, 100 * KIB);
	roundtrip(p, n, "long runs of ff and 55");
	free(p);
}

/* Runs of each length in lens[] between nonzero bytes, then the same
 * with random run lengths near them. */
static void
test_runs(void)
{
	static const uint32_t lens[] = { 1, 2, 3, 4, 257, 258, 259, 260,
	    261, 515, 516, 517, 774 };
	char what[64];
	size_t i, k, n, o;
	uint8_t *p = alloc_or_die(64 * KIB);

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (unsigned v = 0; v < 2; v++) {
			/* x 0^L y 0^L x ... with x, y nonzero. */
			memset(p, v ? 0xff : 0, 64 * KIB);
			for (o = 0, k = 0; o < 64 * KIB; o += lens[i] + 1, k++)
				p[o] = (uint8_t)(k % 2 ? 0x10 : 0x01);
			snprintf(what, sizeof(what), "runs of %u %s",
			    (unsigned)lens[i], v ? "ff" : "00");
			roundtrip(p, 64 * KIB, what);
			/* One run only, at the start and at the end. */
			n = lens[i] + 1;
			memset(p, 0, n);
			p[lens[i]] = 7;
			snprintf(what, sizeof(what), "run %u then x",
			    (unsigned)lens[i]);
			roundtrip(p, n, what);
			memset(p, 0, n);
			p[0] = 7;
			snprintf(what, sizeof(what), "x then run %u",
			    (unsigned)lens[i]);
			roundtrip(p, n, what);
		}
	}
	/* Random run lengths around the match length limits. */
	memset(p, 0, 64 * KIB);
	for (o = 0; o < 64 * KIB;) {
		p[o] = (uint8_t)(1u << (rnd() % 8));
		o += 1 + lens[rnd() % (sizeof(lens) / sizeof(lens[0]))];
	}
	roundtrip(p, 64 * KIB, "mixed runs");
	free(p);
}

/* Sparse lists at several densities; sizes straddle block and segment
 * boundaries (64 KiB, 512 KiB). */
static void
test_lists(void)
{
	static const double dens[] = { 0.0001, 0.001, 0.01, 0.05, 0.2, 0.5 };
	static const size_t sizes[] = { 65535, 65536, 65537, 524287, 524288,
	    524289, 1048577 };
	char what[80];
	size_t i, n, k;
	uint8_t *b;

	for (i = 0; i < sizeof(dens) / sizeof(dens[0]); i++) {
		for (unsigned bits = 1; bits <= 2; bits++) {
			b = make_list(2000000, bits, dens[i], 0.1, &n);
			snprintf(what, sizeof(what), "%u-bit %g%%", bits,
			    dens[i] * 100);
			roundtrip(b, n, what);
			free(b);
		}
	}
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		b = make_list(sizes[k] * 8, 1, 0.01, 0, &n);
		snprintf(what, sizeof(what), "1-bit 1%% of %zu bytes", n);
		roundtrip(b, n, what);
		free(b);
	}
}

/* What the encoder is for: clearly below zlib's best on sparse lists. */
static void
test_gain(void)
{
	size_t n, ours, z9;
	uint8_t *b;

	b = make_list(4000000, 1, 0.01, 0, &n);
	ours = roundtrip(b, n, "1-bit 1% (gain)");
	z9 = zlib_size(b, n, 9);
	CHECKF(ours > 0 && ours * 100 < z9 * 96,
	    "1-bit 1%%: %zu vs zlib 9 %zu", ours, z9);
	printf("1-bit 1%% list, %zu bytes: %zu (zlib 9: %zu)\n", n, ours,
	    z9);
	free(b);
	b = make_list(4000000, 2, 0.011, 1.0 / 11, &n);
	ours = roundtrip(b, n, "2-bit 1.1% (gain)");
	z9 = zlib_size(b, n, 9);
	CHECKF(ours > 0 && ours * 100 < z9 * 95,
	    "2-bit: %zu vs zlib 9 %zu", ours, z9);
	printf("2-bit 1%%+0.1%% list, %zu bytes: %zu (zlib 9: %zu)\n", n,
	    ours, z9);
	free(b);
}

int
main(void)
{
	test_args();
	test_edges();
	test_runs();
	test_lists();
	test_gain();
	return check_report("test_sparse_deflate");
}
