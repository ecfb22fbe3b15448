/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of core/cbor.c: shortest-form encoding at every boundary,
 * floats, every checker error with its offset, the reader helpers, the
 * diagnostic printer and an encode -> check -> read round trip.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cbor.h"
#include "check.h"
#include "stadspas/sp_err.h"
#include "testutil.h"

#define DET CBOR_F_DETERMINISTIC
#define INDEF CBOR_F_ALLOW_INDEF
#define TRAIL CBOR_F_ALLOW_TRAILING

static struct sp_buf tb;	/* decoded test input */

/* Hex with optional spaces into tb. */
static void
hx(const char *hex)
{
	char tmp[4096];
	size_t o = 0;

	for (; *hex != '\0'; hex++)
		if (*hex != ' ' && o < sizeof(tmp) - 1)
			tmp[o++] = *hex;
	tmp[o] = '\0';
	if (tu_hex(&tb, tmp) != 0) {
		fprintf(stderr, "bad test hex %s\n", hex);
		abort();
	}
}

/* cbor_check of hex must give code and, on failure, err_off off. */
static void
expect_at(int line, const char *hex, unsigned flags,
    const struct cbor_limits *lim, int code, size_t off)
{
	size_t got_off = SIZE_MAX;
	int r;

	hx(hex);
	r = cbor_check(tb.ptr, tb.len, lim, flags, &got_off);
	CHECKF(r == code && (code == SP_OK || got_off == off),
	    "line %d: %s flags %u: got %d at %zu, want %d at %zu", line, hex,
	    flags, r, got_off, code, off);
}

#define EXPECT(hex, flags, code, off) \
	expect_at(__LINE__, hex, flags, NULL, code, off)
#define EXPECT_LIM(hex, flags, lim, code, off) \
	expect_at(__LINE__, hex, flags, lim, code, off)
#define OK(hex, flags) expect_at(__LINE__, hex, flags, NULL, SP_OK, 0)

/* The encoder output in b must be hex (no spaces). */
static void
enc_is_at(int line, struct cbor_enc *e, const char *want)
{
	char *got = tu_tohex(e->out->ptr, e->out->len);

	CHECKF(cbor_enc_finish(e) == SP_OK && strcmp(got, want) == 0,
	    "line %d: got %s (err %d), want %s", line, got, e->err, want);
	free(got);
	sp_buf_reset(e->out);
}

#define ENC_IS(e, want) enc_is_at(__LINE__, e, want)

static void
test_enc_ints(void)
{
	struct sp_buf b;
	struct cbor_enc e;
	static const struct {
		uint64_t v;
		const char *hex;
	} u[] = {
		{ 0, "00" }, { 1, "01" }, { 23, "17" }, { 24, "1818" },
		{ 255, "18ff" }, { 256, "190100" }, { 65535, "19ffff" },
		{ 65536, "1a00010000" }, { UINT32_MAX, "1affffffff" },
		{ UINT64_C(0x100000000), "1b0000000100000000" },
		{ UINT64_MAX, "1bffffffffffffffff" },
	};
	static const struct {
		int64_t v;
		const char *hex;
	} s[] = {
		{ -1, "20" }, { -24, "37" }, { -25, "3818" },
		{ -256, "38ff" }, { -257, "390100" }, { -65536, "39ffff" },
		{ -65537, "3a00010000" },
		{ -INT64_C(0x100000000), "3affffffff" },
		{ -INT64_C(0x100000001), "3b0000000100000000" },
		{ INT64_MIN, "3b7fffffffffffffff" },
		{ INT64_MAX, "1b7fffffffffffffff" }, { 0, "00" },
		{ 24, "1818" },
	};
	size_t i;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		cbor_put_uint(&e, u[i].v);
		ENC_IS(&e, u[i].hex);
		/* The same head under the other majors with an argument. */
		hx(u[i].hex);
		cbor_put_nint_raw(&e, u[i].v);
		cbor_put_bstr_head(&e, (size_t)u[i].v);
		cbor_put_tstr(&e, "", 0);
		cbor_put_array(&e, (size_t)u[i].v);
		cbor_put_map(&e, (size_t)u[i].v);
		cbor_put_tag(&e, u[i].v);
		CHECK(cbor_enc_finish(&e) == SP_OK);
		CHECK(b.len == 5 * tb.len + 1);
		CHECK(b.ptr[0] == (0x20 | (tb.ptr[0] & 31)) &&
		    b.ptr[tb.len] == (0x40 | (tb.ptr[0] & 31)) &&
		    b.ptr[3 * tb.len + 1] == (0xa0 | (tb.ptr[0] & 31)) &&
		    b.ptr[4 * tb.len + 1] == (0xc0 | (tb.ptr[0] & 31)));
		CHECK(memcmp(b.ptr + 1, tb.ptr + 1, tb.len - 1) == 0 &&
		    memcmp(b.ptr + 4 * tb.len + 2, tb.ptr + 1, tb.len - 1) ==
		    0);
		sp_buf_reset(&b);
	}
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		cbor_put_int(&e, s[i].v);
		ENC_IS(&e, s[i].hex);
	}
	cbor_put_nint_raw(&e, UINT64_MAX);
	ENC_IS(&e, "3bffffffffffffffff");
	cbor_put_nint_raw(&e, 0);
	ENC_IS(&e, "20");
	cbor_put_array(&e, 23);
	cbor_put_array(&e, 24);
	cbor_put_map(&e, 65536);
	cbor_put_tag(&e, 55799);
	ENC_IS(&e, "979818ba00010000d9d9f7");
	sp_buf_clear(&b);
}

static void
test_enc_strings(void)
{
	struct sp_buf b;
	struct cbor_enc e;
	uint8_t big[300];

	memset(big, 0xab, sizeof(big));
	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_bstr(&e, NULL, 0);
	cbor_put_tstr(&e, NULL, 0);
	cbor_put_tstrz(&e, "IETF");
	cbor_put_bstr(&e, (const uint8_t *)"\x01\x02", 2);
	ENC_IS(&e, "40606449455446420102");
	cbor_put_bstr(&e, big, 23);
	CHECK(b.len == 24 && b.ptr[0] == 0x57);
	sp_buf_reset(&b);
	cbor_put_bstr(&e, big, 24);
	CHECK(b.len == 26 && b.ptr[0] == 0x58 && b.ptr[1] == 24);
	sp_buf_reset(&b);
	cbor_put_bstr(&e, big, 256);
	CHECK(b.len == 259 && b.ptr[0] == 0x59 && b.ptr[1] == 1 &&
	    b.ptr[2] == 0);
	sp_buf_reset(&b);
	cbor_put_bstr_head(&e, 300);
	cbor_put_raw(&e, big, 2);
	ENC_IS(&e, "59012cabab");
	cbor_put_tstr(&e, "\xc3\xbc\xf0\x90\x85\x91", 6);
	ENC_IS(&e, "66c3bcf0908591");
	cbor_put_bool(&e, false);
	cbor_put_bool(&e, true);
	cbor_put_null(&e);
	cbor_put_simple(&e, CBOR_UNDEFINED);
	cbor_put_simple(&e, 0);
	cbor_put_simple(&e, 19);
	cbor_put_simple(&e, 32);
	cbor_put_simple(&e, 255);
	ENC_IS(&e, "f4f5f6f7e0f3f820f8ff");

	/* Errors are sticky: nothing more is written. */
	cbor_put_uint(&e, 1);
	cbor_put_tstr(&e, "\xc0\xaf", 2);	/* overlong '/' */
	cbor_put_uint(&e, 2);
	CHECK(cbor_enc_finish(&e) == SP_ERR_CBOR_UTF8 && b.len == 1);
	sp_buf_reset(&b);
	cbor_enc_init(&e, &b);
	cbor_put_tstr(&e, "\xed\xa0\x80", 3);	/* surrogate */
	CHECK(cbor_enc_finish(&e) == SP_ERR_CBOR_UTF8 && b.len == 0);
	cbor_enc_init(&e, &b);
	cbor_put_simple(&e, 24);
	CHECK(cbor_enc_finish(&e) == SP_ERR_INVALID_ARG && b.len == 0);
	cbor_enc_init(&e, &b);
	cbor_put_simple(&e, 31);
	CHECK(cbor_enc_finish(&e) == SP_ERR_INVALID_ARG);
	cbor_enc_init(&e, &b);
	cbor_put_bstr(&e, NULL, 1);
	CHECK(cbor_enc_finish(&e) == SP_ERR_INVALID_ARG);
	cbor_enc_init(&e, &b);
	cbor_put_tstrz(&e, NULL);
	CHECK(cbor_enc_finish(&e) == SP_ERR_INVALID_ARG);
	cbor_enc_init(&e, NULL);
	cbor_put_uint(&e, 1);
	CHECK(cbor_enc_finish(&e) == SP_ERR_INVALID_ARG);
	sp_buf_clear(&b);
}

static double
bits_double(uint64_t b)
{
	double d;

	memcpy(&d, &b, sizeof(d));
	return d;
}

static void
test_enc_floats(void)
{
	struct sp_buf b;
	struct cbor_enc e;
	static const struct {
		double v;
		const char *hex;
	} f[] = {
		{ 0.0, "f90000" }, { -0.0, "f98000" }, { 1.0, "f93c00" },
		{ 1.5, "f93e00" }, { -4.0, "f9c400" },
		{ 65504.0, "f97bff" },		/* largest half */
		{ 65520.0, "fa477ff000" },	/* needs 12 bits */
		{ 100000.0, "fa47c35000" },
		{ 0x1p-14, "f90400" },		/* smallest normal half */
		{ 0x1p-24, "f90001" },		/* smallest subnormal half */
		{ 0x3p-24, "f90003" },
		{ 0x3ffp-24, "f903ff" },	/* largest subnormal half */
		{ 0x1p-25, "fa33000000" },	/* below half range */
		{ 0x3p-25, "fa33c00000" },	/* half-way between halves */
		{ 0x1p-126, "fa00800000" },
		{ 0x1p-149, "fa00000001" },	/* smallest subnormal single */
		{ 0x1p-150, "fb3690000000000000" },
		{ 1.0 + 0x1p-10, "f93c01" },
		{ 1.0 + 0x1p-11, "fa3f801000" },
		{ 1.0 + 0x1p-23, "fa3f800001" },
		{ 1.0 + 0x1p-24, "fb3ff0000010000000" },
		{ (double)FLT_MAX, "fa7f7fffff" },
		{ 0x1p128, "fb47f0000000000000" },
		{ 1.1, "fb3ff199999999999a" },
		{ 1e300, "fb7e37e43c8800759c" },
		{ DBL_MAX, "fb7fefffffffffffff" },
		{ 0x1p-1074, "fb0000000000000001" },
		{ HUGE_VAL, "f97c00" }, { -HUGE_VAL, "f9fc00" },
		{ NAN, "f97e00" }, { -NAN, "f97e00" },
	};
	size_t i;

	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		cbor_put_float(&e, f[i].v);
		ENC_IS(&e, f[i].hex);
	}
	/* A signalling NaN with a payload still becomes f97e00. */
	cbor_put_float(&e, bits_double(UINT64_C(0x7ff0000000000001)));
	ENC_IS(&e, "f97e00");
	sp_buf_clear(&b);
}

/* Every half, and a sample of singles and doubles: decode, re-encode with
 * cbor_put_float, and demand the shortest form that check(DET) accepts. */
static void
test_float_exhaustive(void)
{
	struct sp_buf b;
	struct cbor_enc e;
	struct cbor_reader r;
	struct cbor_item it;
	uint8_t in[9];
	uint32_t h, i, bad = 0;
	uint64_t x = UINT64_C(0x9e3779b97f4a7c15);

	sp_buf_init(&b);
	for (h = 0; h < 65536; h++) {
		bool nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
		int rc;

		in[0] = 0xf9;
		in[1] = (uint8_t)(h >> 8);
		in[2] = (uint8_t)h;
		rc = cbor_check(in, 3, NULL, DET, NULL);
		if ((rc == SP_OK) != (!nan || h == 0x7e00))
			bad++;
		cbor_reader_init(&r, in, 3);
		if (cbor_read(&r, &it) != SP_OK || it.val != h)
			bad++;
		cbor_enc_init(&e, &b);
		cbor_put_float(&e, it.f);
		if (nan ? b.len != 3 || b.ptr[1] != 0x7e || b.ptr[2] != 0 :
		    b.len != 3 || memcmp(b.ptr, in, 3) != 0)
			bad++;
		sp_buf_reset(&b);
	}
	CHECKF(bad == 0, "%u halves wrong", bad);
	bad = 0;
	for (i = 0; i < 200000; i++) {
		uint32_t s;
		int rc;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Bias towards the interesting exponents near half range. */
		s = (uint32_t)x;
		if (i % 2 == 0)
			s = (s & 0x80000000u) | (s & 0x00ffffffu) >> 1 |
			    (uint32_t)(97 + (x >> 40) % 60) << 23;
		if (i % 8 == 1)
			s &= 0xffffe000u;	/* low bits zero: often a half */
		in[0] = 0xfa;
		in[1] = (uint8_t)(s >> 24);
		in[2] = (uint8_t)(s >> 16);
		in[3] = (uint8_t)(s >> 8);
		in[4] = (uint8_t)s;
		cbor_reader_init(&r, in, 5);
		if (cbor_read(&r, &it) != SP_OK) {
			bad++;
			continue;
		}
		cbor_enc_init(&e, &b);
		cbor_put_float(&e, it.f);
		rc = cbor_check(in, 5, NULL, DET, NULL);
		if (isnan(it.f)) {
			if (rc != SP_ERR_CBOR_NONCANONICAL || b.len != 3)
				bad++;
		} else if (rc == SP_OK) {
			/* Shortest already: must come back identical. */
			if (b.len != 5 || memcmp(b.ptr, in, 5) != 0)
				bad++;
		} else {
			struct cbor_item it2;

			/* Fits a half: the encoder must pick it. */
			cbor_reader_init(&r, b.ptr, b.len);
			if (rc != SP_ERR_CBOR_NONCANONICAL || b.len != 3 ||
			    cbor_read(&r, &it2) != SP_OK ||
			    memcmp(&it2.f, &it.f, sizeof(double)) != 0)
				bad++;
		}
		if (cbor_check(b.ptr, b.len, NULL, DET, NULL) != SP_OK)
			bad++;
		sp_buf_reset(&b);

		/* A random double: encoding must decode to the same bits. */
		{
			uint64_t db = x * UINT64_C(0x2545f4914f6cdd1d);
			double d = bits_double(db);
			struct cbor_item it2;

			if (i % 4 == 0)	/* often exactly a single */
				d = (double)(float)bits_double((db &
				    UINT64_C(0xbfffffffe0000000)) |
				    UINT64_C(0x3800000000000000));
			cbor_enc_init(&e, &b);
			cbor_put_float(&e, d);
			cbor_reader_init(&r, b.ptr, b.len);
			if (cbor_check(b.ptr, b.len, NULL, DET, NULL) !=
			    SP_OK || cbor_read(&r, &it2) != SP_OK ||
			    (!isnan(d) && memcmp(&it2.f, &d, sizeof(d)) != 0))
				bad++;
			sp_buf_reset(&b);
		}
	}
	CHECKF(bad == 0, "%u singles/doubles wrong", bad);
	sp_buf_clear(&b);
}

static void
test_truncated(void)
{
	/* A map touching every major type and head size. */
	static const char *valid = "a5 01 1903e8 20 3a00010000"
	    " 6161 82 f93c00 fb3ff199999999999a 6362c3bc c1 1a514b67b0"
	    " 78 18 616161616161616161616161616161616161616161616161"
	    " 59 0100";
	struct sp_buf full;
	char hex[1200];
	size_t i, n;
	int bad = 0;

	sp_buf_init(&full);
	/* Make the last string 256 bytes long. */
	snprintf(hex, sizeof(hex), "%s", valid);
	n = strlen(hex);
	for (i = 0; i < 256 && n + 2 < sizeof(hex); i++, n += 2)
		memcpy(hex + n, "5a", 3);
	hx(hex);
	CHECK(sp_buf_set(&full, tb.ptr, tb.len) == SP_OK);
	CHECK(cbor_check(full.ptr, full.len, NULL, DET, NULL) == SP_OK);
	for (i = 0; i < full.len; i++) {
		size_t off = SIZE_MAX;
		int r = cbor_check(full.ptr, i, NULL, 0, &off);

		if (r != SP_ERR_CBOR_TRUNCATED || off > i)
			bad++;
	}
	CHECKF(bad == 0, "%d prefixes not reported as truncated", bad);
	/* Offsets: a truncated head or string is reported at its head, a
	 * missing item at the end of the input. */
	EXPECT("", 0, SP_ERR_CBOR_TRUNCATED, 0);
	EXPECT("19 03", 0, SP_ERR_CBOR_TRUNCATED, 0);
	EXPECT("82 01 1b 00", 0, SP_ERR_CBOR_TRUNCATED, 2);
	EXPECT("82 01 63 6161", 0, SP_ERR_CBOR_TRUNCATED, 2);
	EXPECT("83 01 82 02 03", 0, SP_ERR_CBOR_TRUNCATED, 5);
	EXPECT("a1 82 01 02", 0, SP_ERR_CBOR_TRUNCATED, 4);
	EXPECT("c1", 0, SP_ERR_CBOR_TRUNCATED, 1);
	EXPECT("5f 41 01", INDEF, SP_ERR_CBOR_TRUNCATED, 3);
	EXPECT("5f 42 01", INDEF, SP_ERR_CBOR_TRUNCATED, 1);
	EXPECT("9f 01", INDEF, SP_ERR_CBOR_TRUNCATED, 2);
	/* A count that cannot fit in what is left fails at once. */
	EXPECT("82 01", 0, SP_ERR_CBOR_TRUNCATED, 0);
	EXPECT("a1 01", 0, SP_ERR_CBOR_TRUNCATED, 0);
	EXPECT("83 01 02", 0, SP_ERR_CBOR_TRUNCATED, 0);
	EXPECT("a2 01 02 03", 0, SP_ERR_CBOR_TRUNCATED, 0);
	CHECK(cbor_check(NULL, 0, NULL, 0, NULL) == SP_ERR_CBOR_TRUNCATED);
	CHECK(cbor_check(NULL, 1, NULL, 0, NULL) == SP_ERR_INVALID_ARG);
	sp_buf_clear(&full);
}

static void
test_wellformed_errors(void)
{
	static const char *reserved[] = {
		"1c", "1d", "1e", "3c", "3d", "3e", "5c", "5d", "5e", "7c",
		"7d", "7e", "9c", "9d", "9e", "bc", "bd", "be", "dc", "dd",
		"de", "fc", "fd", "fe",
		"1f", "3f", "df",	/* ai 31 where no indefinite exists */
	};
	static const unsigned modes[] = { 0, INDEF, DET, TRAIL, INDEF | TRAIL };
	size_t i, m;
	char hex[16];

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			EXPECT(reserved[i], modes[m], SP_ERR_CBOR_MALFORMED,
			    0);
			snprintf(hex, sizeof(hex), "82 00 %s", reserved[i]);
			EXPECT(hex, modes[m], SP_ERR_CBOR_MALFORMED, 2);
		}
	/* Trailing bytes. */
	EXPECT("00 00", 0, SP_ERR_CBOR_TRAILING, 1);
	EXPECT("82 01 02 03", DET, SP_ERR_CBOR_TRAILING, 3);
	EXPECT("00 ff", 0, SP_ERR_CBOR_TRAILING, 1);
	OK("00 00", TRAIL);
	OK("00 ff 1c", TRAIL);		/* what follows is not looked at */

	/* Break outside an indefinite item. */
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		if (modes[m] & TRAIL)
			continue;
		EXPECT("ff", modes[m], SP_ERR_CBOR_MALFORMED, 0);
		EXPECT("81 ff", modes[m], SP_ERR_CBOR_MALFORMED, 1);
		EXPECT("a1 01 ff", modes[m], SP_ERR_CBOR_MALFORMED, 2);
		EXPECT("c1 ff", modes[m], SP_ERR_CBOR_MALFORMED, 1);
	}
	EXPECT("9f 81 ff ff", INDEF, SP_ERR_CBOR_MALFORMED, 2);
	EXPECT("bf 01 ff", INDEF, SP_ERR_CBOR_MALFORMED, 2);	/* no value */
	OK("bf 01 02 ff", INDEF);
	OK("9f 9f ff 80 ff", INDEF);

	/* Simple values below 32 only in the one-byte form. */
	for (i = 0; i < 32; i++) {
		snprintf(hex, sizeof(hex), "f8 %02zx", i);
		for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
			EXPECT(hex, modes[m], SP_ERR_CBOR_MALFORMED, 0);
	}
	OK("f8 20", DET);
	OK("f8 ff", DET);
	OK("f3", DET);
	OK("f7", DET);

	/* Indefinite strings: chunks are definite strings of the same
	 * type; nesting and other items are malformed. */
	OK("5f 41 01 40 42 0203 ff", INDEF);
	OK("5f ff", INDEF);
	OK("7f 61 61 60 ff", INDEF);
	EXPECT("5f 5f ff ff", INDEF, SP_ERR_CBOR_MALFORMED, 1);
	EXPECT("7f 7f 6161 ff ff", INDEF, SP_ERR_CBOR_MALFORMED, 1);
	EXPECT("5f 61 61 ff", INDEF, SP_ERR_CBOR_MALFORMED, 1);
	EXPECT("7f 41 61 ff", INDEF, SP_ERR_CBOR_MALFORMED, 1);
	EXPECT("7f 61 61 01 ff", INDEF, SP_ERR_CBOR_MALFORMED, 3);
	EXPECT("5f 5c ff", INDEF, SP_ERR_CBOR_MALFORMED, 1);
	EXPECT("5f 80 ff", INDEF, SP_ERR_CBOR_MALFORMED, 1);
}

static void
test_indefinite(void)
{
	static const char *items[] = { "5f ff", "7f ff", "9f ff", "bf ff" };
	size_t i;

	for (i = 0; i < 4; i++) {
		EXPECT(items[i], 0, SP_ERR_CBOR_INDEFINITE, 0);
		EXPECT(items[i], TRAIL, SP_ERR_CBOR_INDEFINITE, 0);
		EXPECT(items[i], DET, SP_ERR_CBOR_INDEFINITE, 0);
		/* ALLOW_INDEF is ignored in deterministic mode. */
		EXPECT(items[i], DET | INDEF, SP_ERR_CBOR_INDEFINITE, 0);
		OK(items[i], INDEF);
	}
	EXPECT("82 01 9f ff", 0, SP_ERR_CBOR_INDEFINITE, 2);
}

static void
test_noncanonical(void)
{
	static const struct {
		const char *bad;	/* one below the boundary */
		const char *good;	/* the boundary itself */
	} heads[] = {
		{ "17", "17" },
		{ "18 17", "18 18" },
		{ "19 00ff", "19 0100" },
		{ "1a 0000ffff", "1a 00010000" },
		{ "1b 00000000ffffffff", "1b 0000000100000000" },
		{ "38 17", "38 18" },
		{ "3b 00000000ffffffff", "3b 0000000100000000" },
		{ "58 00", "40" },
		{ "78 00", "60" },
		{ "98 00", "80" },
		{ "b8 00", "a0" },
		{ "d8 17 00", "d8 18 00" },
		{ "d9 00ff 00", "d9 0100 00" },
	};
	size_t i;

	for (i = 1; i < sizeof(heads) / sizeof(heads[0]); i++) {
		EXPECT(heads[i].bad, DET, SP_ERR_CBOR_NONCANONICAL, 0);
		OK(heads[i].bad, 0);
		OK(heads[i].good, DET);
	}
	EXPECT("82 01 19 0001", DET, SP_ERR_CBOR_NONCANONICAL, 2);

	/* Floats: shortest exact form, NaN only as f97e00. */
	EXPECT("fa 3f800000", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	EXPECT("fb 3ff0000000000000", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	EXPECT("fb 3ff0000020000000", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	EXPECT("fa 33800000", DET, SP_ERR_CBOR_NONCANONICAL, 0); /* 2^-24 */
	EXPECT("fa 00000000", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	EXPECT("fa 80000000", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	EXPECT("fa 7f800000", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	EXPECT("fb fff0000000000000", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	EXPECT("f9 7e01", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	EXPECT("f9 fe00", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	EXPECT("f9 7c01", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	EXPECT("fa 7fc00000", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	EXPECT("fb 7ff8000000000000", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	OK("f9 7e01", 0);
	OK("fa 33000000", DET);		/* 2^-25: no half */
	OK("fa 33400000", DET);
	OK("fb 3690000000000000", DET);	/* 2^-150: no single */
	EXPECT("fb 36a0000000000000", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	OK("fb 3ff0000010000000", DET);
	OK("f9 0001", DET);
	OK("f9 7e00", DET);

	/* Bignums in preferred serialization (RFC 8949 3.4.3). */
	EXPECT("c2 40", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	EXPECT("c2 41 01", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	EXPECT("c3 48 0102030405060708", DET, SP_ERR_CBOR_NONCANONICAL, 0);
	EXPECT("c2 49 000102030405060708", DET, SP_ERR_CBOR_NONCANONICAL,
	    0);
	EXPECT("82 00 c2 49 000102030405060708", DET,
	    SP_ERR_CBOR_NONCANONICAL, 2);
	OK("c2 49 010203040506070809", DET);
	OK("c2 49 000102030405060708", 0);
	OK("c2 40", 0);
	OK("c2 61 61", DET);		/* not a bignum encoding: left alone */
	EXPECT("c2 58 09 010203040506070809", DET, SP_ERR_CBOR_NONCANONICAL,
	    1);
	EXPECT("c2 49 01", DET, SP_ERR_CBOR_TRUNCATED, 1);
}

static void
test_limits(void)
{
	struct cbor_limits lim = cbor_limits_default;
	char hex[600];
	size_t i, o;

	/* Defaults as documented. */
	CHECK(lim.max_len == 65536 && lim.max_depth == 16 &&
	    lim.max_items == 4096 && lim.max_count == 256 &&
	    lim.max_str == 16384);

	/* Depth: 16 nested arrays pass, 17 fail at the 17th head. */
	for (o = 0, i = 0; i < 15; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o, "81");
	snprintf(hex + o, sizeof(hex) - o, "80");
	OK(hex, DET);
	snprintf(hex + o, sizeof(hex) - o, "8180");
	EXPECT(hex, DET, SP_ERR_CBOR_DEPTH, 16);
	for (o = 0, i = 0; i < 16; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o, "c1");
	snprintf(hex + o, sizeof(hex) - o, "00");
	OK(hex, DET);				/* tags nest too */
	snprintf(hex + o, sizeof(hex) - o, "c100");
	EXPECT(hex, DET, SP_ERR_CBOR_DEPTH, 16);
	lim.max_depth = 0;
	EXPECT_LIM("00", 0, &lim, SP_OK, 0);
	EXPECT_LIM("80", 0, &lim, SP_ERR_CBOR_DEPTH, 0);
	lim.max_depth = 1;
	EXPECT_LIM("82 01 02", 0, &lim, SP_OK, 0);
	EXPECT_LIM("82 01 80", 0, &lim, SP_ERR_CBOR_DEPTH, 2);
	EXPECT_LIM("9f 01 9f ff ff", INDEF, &lim, SP_ERR_CBOR_DEPTH, 2);
	/* A huge max_depth is capped at 64 (the fixed frame stack). */
	lim = cbor_limits_default;
	lim.max_depth = 100000;
	for (o = 0, i = 0; i < 64; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o, "81");
	snprintf(hex + o, sizeof(hex) - o, "00");
	EXPECT_LIM(hex, 0, &lim, SP_OK, 0);
	snprintf(hex + o, sizeof(hex) - o, "8100");
	EXPECT_LIM(hex, 0, &lim, SP_ERR_CBOR_DEPTH, 64);

	/* Items in total. */
	lim = cbor_limits_default;
	lim.max_items = 3;
	EXPECT_LIM("82 01 02", 0, &lim, SP_OK, 0);
	EXPECT_LIM("83 01 02 03", 0, &lim, SP_ERR_CBOR_LIMIT, 3);
	EXPECT_LIM("c1 c1 00", 0, &lim, SP_OK, 0);
	EXPECT_LIM("c1 c1 c1 00", 0, &lim, SP_ERR_CBOR_LIMIT, 3);
	EXPECT_LIM("82 5f 41 01 41 02 ff 00", INDEF, &lim, SP_OK, 0);

	/* Elements of one container. */
	lim = cbor_limits_default;
	lim.max_count = 2;
	EXPECT_LIM("82 01 02", 0, &lim, SP_OK, 0);
	EXPECT_LIM("83 01 02 03", 0, &lim, SP_ERR_CBOR_LIMIT, 0);
	EXPECT_LIM("a2 01 02 03 04", 0, &lim, SP_OK, 0);
	EXPECT_LIM("a3 01 02 03 04 05 06", 0, &lim, SP_ERR_CBOR_LIMIT, 0);
	EXPECT_LIM("82 82 01 02 83 01 02 03", 0, &lim, SP_ERR_CBOR_LIMIT, 4);
	EXPECT_LIM("9f 01 02 ff", INDEF, &lim, SP_OK, 0);
	EXPECT_LIM("9f 01 02 03 ff", INDEF, &lim, SP_ERR_CBOR_LIMIT, 3);
	EXPECT_LIM("bf 01 02 03 04 ff", INDEF, &lim, SP_OK, 0);
	EXPECT_LIM("bf 01 02 03 04 05 06 ff", INDEF, &lim, SP_ERR_CBOR_LIMIT,
	    5);

	/* Bytes of one string, chunks summed. */
	lim = cbor_limits_default;
	lim.max_str = 3;
	EXPECT_LIM("43 010203", 0, &lim, SP_OK, 0);
	EXPECT_LIM("44 01020304", 0, &lim, SP_ERR_CBOR_LIMIT, 0);
	EXPECT_LIM("64 61626364", 0, &lim, SP_ERR_CBOR_LIMIT, 0);
	EXPECT_LIM("5f 42 0102 41 03 ff", INDEF, &lim, SP_OK, 0);
	EXPECT_LIM("5f 42 0102 42 0304 ff", INDEF, &lim, SP_ERR_CBOR_LIMIT,
	    4);

	/* Whole input. */
	lim = cbor_limits_default;
	lim.max_len = 2;
	EXPECT_LIM("18 18", 0, &lim, SP_OK, 0);
	EXPECT_LIM("19 0100", 0, &lim, SP_ERR_TOO_LARGE, 2);
}

/* A declared length of 2^64-1 must fail from the head alone: no
 * allocation (cbor_check never allocates) and no scan of the input. */
static void
test_huge_lengths(void)
{
	static const char *heads[] = {
		"5b ffffffffffffffff", "7b ffffffffffffffff",
		"9b ffffffffffffffff", "bb ffffffffffffffff",
		"5a ffffffff 00", "9a ffffffff 00",
	};
	struct cbor_limits lim = cbor_limits_default;
	struct cbor_reader r;
	struct cbor_item it;
	uint64_t n;
	size_t i;
	clock_t t0 = clock();

	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		EXPECT(heads[i], 0, SP_ERR_CBOR_LIMIT, 0);
	lim.max_str = SIZE_MAX;
	lim.max_count = SIZE_MAX;
	lim.max_items = SIZE_MAX;
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		EXPECT_LIM(heads[i], 0, &lim, SP_ERR_CBOR_TRUNCATED, 0);
	EXPECT_LIM("5f 5b ffffffffffffffff ff", INDEF, &lim,
	    SP_ERR_CBOR_TRUNCATED, 1);
	/* The reader too. */
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		hx(heads[i]);
		cbor_reader_init(&r, tb.ptr, tb.len);
		CHECK(cbor_read(&r, &it) == SP_ERR_CBOR_TRUNCATED);
		cbor_reader_init(&r, tb.ptr, tb.len);
		CHECK(cbor_skip(&r) == SP_ERR_CBOR_TRUNCATED);
	}
	hx("9b ffffffffffffffff");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_array(&r, &n) == SP_ERR_CBOR_TRUNCATED);
	hx("bb 7fffffffffffffff 00");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_map(&r, &n) == SP_ERR_CBOR_TRUNCATED);
	CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
}

static void
test_dup_keys(void)
{
	char hex[1200];
	size_t i, o;
	static const unsigned lenient[] = { 0, INDEF };

	for (i = 0; i < 2; i++) {
		unsigned m = lenient[i];

		EXPECT("a2 01 00 01 00", m, SP_ERR_CBOR_DUP_KEY, 3);
		/* By value: 1 == 1 in a two-byte head. */
		EXPECT("a2 01 00 18 01 00", m, SP_ERR_CBOR_DUP_KEY, 3);
		EXPECT("a2 19 0001 00 1a 00000001 00", m,
		    SP_ERR_CBOR_DUP_KEY, 5);
		EXPECT("a2 20 00 38 00 00", m, SP_ERR_CBOR_DUP_KEY, 3);
		EXPECT("a2 61 61 00 78 01 61 00", m, SP_ERR_CBOR_DUP_KEY, 4);
		EXPECT("a2 41 00 00 58 01 00 00", m, SP_ERR_CBOR_DUP_KEY, 4);
		EXPECT("a2 f9 3c00 00 fa 3f800000 00", m,
		    SP_ERR_CBOR_DUP_KEY, 5);
		EXPECT("a2 f4 00 f4 00", m, SP_ERR_CBOR_DUP_KEY, 3);
		EXPECT("a2 81 01 00 81 01 00", m, SP_ERR_CBOR_DUP_KEY, 4);
		EXPECT("a2 c1 01 00 c1 01 00", m, SP_ERR_CBOR_DUP_KEY, 4);
		/* Different values. */
		OK("a2 00 00 20 00", m);		/* 0 and -1 */
		OK("a2 41 61 00 61 61 00", m);		/* h'61' and "a" */
		OK("a2 f9 0000 00 f9 8000 00", m);	/* 0.0 and -0.0 */
		OK("a2 00 00 f9 0000 00", m);		/* 0 and 0.0 */
		OK("a2 f4 00 f9 0000 00", m);
		OK("a2 62 6161 00 61 61 00", m);
		/* Arrays compare by their encoding (documented). */
		OK("a2 81 01 00 81 18 01 00", m);
		/* Nested maps have their own key sets. */
		OK("a2 01 a1 01 00 02 a1 01 00", m);
		EXPECT("a1 01 a2 01 00 18 01 00", m, SP_ERR_CBOR_DUP_KEY, 5);
	}
	/* Chunked and plain strings are the same value. */
	EXPECT("a2 62 6162 00 7f 61 61 61 62 ff 00", INDEF,
	    SP_ERR_CBOR_DUP_KEY, 5);
	EXPECT("a2 7f 60 62 6162 ff 00 7f 61 61 61 62 ff 00", INDEF,
	    SP_ERR_CBOR_DUP_KEY, 8);
	OK("a2 7f 61 61 61 62 ff 00 7f 61 61 61 63 ff 00", INDEF);
	EXPECT("bf 01 00 18 01 00 ff", INDEF, SP_ERR_CBOR_DUP_KEY, 3);
	/* Deterministic mode: equal keys have equal encodings. */
	EXPECT("a2 01 00 01 00", DET, SP_ERR_CBOR_DUP_KEY, 3);
	EXPECT("a2 01 00 18 01 00", DET, SP_ERR_CBOR_NONCANONICAL, 3);

	/* Large maps go through the sort: 40 keys, unsorted, the key 7
	 * repeated (non-shortest) as key 30 and again as key 35. */
	o = (size_t)snprintf(hex, sizeof(hex), "b8 28");
	for (i = 0; i < 40; i++) {
		unsigned k = (unsigned)((i * 17) % 40) + 100;

		if (i == 30 || i == 35)
			o += (size_t)snprintf(hex + o, sizeof(hex) - o,
			    " 19 0007 00");
		else if (i == 3)
			o += (size_t)snprintf(hex + o, sizeof(hex) - o,
			    " 07 00");
		else
			o += (size_t)snprintf(hex + o, sizeof(hex) - o,
			    " 18 %02x 00", k);
	}
	/* Offsets: 2 + 3 * 3 for i < 3, 2 bytes for i == 3, then 3 each
	 * up to i == 30: 2 + 9 + 2 + 26 * 3 = 91. */
	EXPECT(hex, 0, SP_ERR_CBOR_DUP_KEY, 91);
	hx(hex);
	/* Without the repeats the same map is fine. */
	o = (size_t)snprintf(hex, sizeof(hex), "b8 28");
	for (i = 0; i < 40; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o, " 18 %02x 00",
		    (unsigned)((i * 17) % 40) + 100);
	OK(hex, 0);
	EXPECT(hex, DET, SP_ERR_CBOR_KEY_ORDER, 11);	/* 134, then 111 */
	/* ... and with string keys that only differ at the end. */
	o = (size_t)snprintf(hex, sizeof(hex), "b8 20");
	for (i = 0; i < 32; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o,
		    " 64 414141%02x 00", (unsigned)(31 - i) | 0x40);
	OK(hex, 0);
	memcpy(hex + strlen(hex) - 5, "5f 00", 5);	/* last == first */
	EXPECT(hex, 0, SP_ERR_CBOR_DUP_KEY, 2 + 31 * 6);
}

/* Lenient duplicate detection keeps at most 2048 pending keys: past that
 * (only reachable with limits above the defaults) SP_ERR_CBOR_LIMIT. */
static void
test_key_cap(void)
{
	struct cbor_limits lim = cbor_limits_default;
	struct sp_buf b;
	struct cbor_enc e;
	size_t off = 0, at = 0, k;

	lim.max_count = SIZE_MAX;
	lim.max_items = SIZE_MAX;
	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_map(&e, 2048);
	for (k = 0; k < 2048; k++) {
		cbor_put_uint(&e, k);
		cbor_put_uint(&e, 0);
	}
	CHECK(cbor_enc_finish(&e) == SP_OK);
	CHECK(cbor_check(b.ptr, b.len, &lim, 0, NULL) == SP_OK);
	CHECK(cbor_check(b.ptr, b.len, &lim, DET, NULL) == SP_OK);
	CHECK(cbor_check(b.ptr, b.len, NULL, 0, NULL) == SP_ERR_CBOR_LIMIT);
	sp_buf_reset(&b);
	cbor_enc_init(&e, &b);
	cbor_put_map(&e, 2100);
	for (k = 0; k < 2100; k++) {
		if (k == 2048)
			at = b.len;
		cbor_put_uint(&e, k);
		cbor_put_uint(&e, 0);
	}
	CHECK(cbor_enc_finish(&e) == SP_OK);
	CHECK(cbor_check(b.ptr, b.len, &lim, 0, &off) == SP_ERR_CBOR_LIMIT &&
	    off == at);
	/* Deterministic mode needs no key records. */
	CHECK(cbor_check(b.ptr, b.len, &lim, DET, NULL) == SP_OK);
	sp_buf_clear(&b);
}

static void
test_key_order(void)
{
	OK("a2 01 00 03 00", DET);
	EXPECT("a2 03 00 01 00", DET, SP_ERR_CBOR_KEY_ORDER, 3);
	OK("a2 03 00 01 00", 0);
	/* Bytewise on encodings (RFC 8949 4.2.1), not length-first:
	 * "b" (6162) sorts before "aa" (626161). */
	OK("a2 61 62 00 62 6161 00", DET);
	EXPECT("a2 62 6161 00 61 62 00", DET, SP_ERR_CBOR_KEY_ORDER, 5);
	/* Integers, negative integers, then strings. */
	OK("a4 00 00 18 18 00 20 00 61 61 00", DET);
	EXPECT("a2 61 61 00 01 00", DET, SP_ERR_CBOR_KEY_ORDER, 4);
	EXPECT("a2 20 00 18 18 00", DET, SP_ERR_CBOR_KEY_ORDER, 3);
	/* A key that is a prefix-sharing container. */
	OK("a2 81 01 00 82 01 01 00", DET);
	EXPECT("a3 01 00 02 00 02 00", DET, SP_ERR_CBOR_DUP_KEY, 5);
	/* Order is per map. */
	OK("a2 01 a2 01 00 02 00 02 a1 01 00", DET);
	EXPECT("a2 01 a2 02 00 01 00 02 00", DET, SP_ERR_CBOR_KEY_ORDER, 5);
}

static void
test_utf8(void)
{
	OK("64 f0908591", DET);				/* U+10151 */
	OK("64 f48fbfbf", DET);				/* U+10FFFF */
	OK("63 ed9fbf", DET);				/* U+D7FF */
	OK("63 ee8080", DET);				/* U+E000 */
	OK("62 c280", DET);
	OK("63 e0a080", DET);
	OK("6b 68656c6c6f20776f726c64", DET);		/* ASCII run */
	EXPECT("62 c3 28", 0, SP_ERR_CBOR_UTF8, 1);	/* bad trail */
	EXPECT("62 c0 af", 0, SP_ERR_CBOR_UTF8, 1);	/* overlong 2 */
	EXPECT("62 c1 bf", 0, SP_ERR_CBOR_UTF8, 1);
	EXPECT("63 e0 80 af", 0, SP_ERR_CBOR_UTF8, 1);	/* overlong 3 */
	EXPECT("64 f0 80 80 af", 0, SP_ERR_CBOR_UTF8, 1);	/* overlong 4 */
	EXPECT("63 ed a0 80", 0, SP_ERR_CBOR_UTF8, 1);	/* U+D800 */
	EXPECT("63 ed bf bf", 0, SP_ERR_CBOR_UTF8, 1);	/* U+DFFF */
	EXPECT("66 eda081 edb080", 0, SP_ERR_CBOR_UTF8, 1);	/* CESU */
	EXPECT("64 f4 90 80 80", 0, SP_ERR_CBOR_UTF8, 1);	/* > 10FFFF */
	EXPECT("64 f5 80 80 80", 0, SP_ERR_CBOR_UTF8, 1);
	EXPECT("61 ff", 0, SP_ERR_CBOR_UTF8, 1);
	EXPECT("61 80", 0, SP_ERR_CBOR_UTF8, 1);	/* lone trail */
	EXPECT("62 41 e2", 0, SP_ERR_CBOR_UTF8, 2);	/* cut short */
	EXPECT("63 e2 82 41", 0, SP_ERR_CBOR_UTF8, 1);
	EXPECT("6a 41414141414141414141", INDEF, SP_OK, 0);
	EXPECT("6b 4141414141414141414180", 0, SP_ERR_CBOR_UTF8, 11);
	EXPECT("82 01 62 41 ff", 0, SP_ERR_CBOR_UTF8, 4);
	/* A code point may not straddle chunks (RFC 8949 3.2.3). */
	EXPECT("7f 61 c3 61 bc ff", INDEF, SP_ERR_CBOR_UTF8, 2);
	OK("7f 62 c3bc ff", INDEF);
	/* Byte strings are not text. */
	OK("42 c0af", DET);
}

static void
test_reader(void)
{
	struct cbor_reader r;
	struct cbor_item it;
	uint64_t u;
	int64_t i;
	const uint8_t *p;
	const char *s;
	size_t n;
	bool b;

	/* [1, -2, h'0102', "ab", {1: [true, null]}, 3(4), 1.5, 1.1] */
	hx("88 01 21 42 0102 62 6162 a1 01 82 f5 f6 c3 04 f9 3e00"
	    " fb 3ff199999999999a");
	CHECK(cbor_check(tb.ptr, tb.len, NULL, DET, NULL) == SP_OK);
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_peek(&r) == CBOR_ARRAY);
	CHECK(cbor_read(&r, &it) == SP_OK && it.major == CBOR_ARRAY &&
	    it.val == 8 && it.raw == tb.ptr && it.raw_len == tb.len &&
	    !it.indefinite);
	CHECK(cbor_read_uint(&r, &u) == SP_OK && u == 1);
	CHECK(cbor_read_int(&r, &i) == SP_OK && i == -2);
	CHECK(cbor_read_bstr(&r, &p, &n) == SP_OK && n == 2 && p[1] == 2);
	CHECK(cbor_read_tstr(&r, &s, &n) == SP_OK && n == 2 &&
	    memcmp(s, "ab", 2) == 0);
	CHECK(cbor_read(&r, &it) == SP_OK && it.major == CBOR_MAP &&
	    it.val == 1 && it.raw_len == 5 && it.raw == tb.ptr + 9);
	CHECK(cbor_read_int(&r, &i) == SP_OK && i == 1);
	CHECK(cbor_read_array(&r, &u) == SP_OK && u == 2);
	CHECK(cbor_read_bool(&r, &b) == SP_OK && b);
	CHECK(cbor_read_null(&r));
	CHECK(!cbor_read_null(&r));		/* a tag follows */
	CHECK(r.err == SP_OK);
	CHECK(cbor_read(&r, &it) == SP_OK && it.major == CBOR_TAG &&
	    it.val == 3 && it.raw_len == 2);
	CHECK(cbor_read_uint(&r, &u) == SP_OK && u == 4);
	CHECK(cbor_read(&r, &it) == SP_OK && it.major == CBOR_SIMPLE &&
	    it.ai == 25 && it.f == 1.5 && it.val == 0x3e00 &&
	    it.raw_len == 3);
	CHECK(!cbor_reader_done(&r));
	CHECK(cbor_read(&r, &it) == SP_OK && it.ai == 27 && it.f == 1.1);
	CHECK(cbor_reader_done(&r));
	CHECK(cbor_peek(&r) == -1);
	CHECK(cbor_read(&r, &it) == SP_ERR_CBOR_TRUNCATED);
	CHECK(!cbor_reader_done(&r));		/* the error sticks */

	/* Skip whole items, nested ones included. */
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_array(&r, &u) == SP_OK);
	for (n = 0; n < 8; n++)
		CHECK(cbor_skip(&r) == SP_OK);
	CHECK(cbor_reader_done(&r));
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_skip(&r) == SP_OK && cbor_reader_done(&r));

	/* Type mismatch: SP_ERR_CBOR_TYPE, sticky, nothing consumed. */
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_map(&r, &u) == SP_ERR_CBOR_TYPE);
	CHECK(r.p == tb.ptr);
	CHECK(cbor_read_array(&r, &u) == SP_ERR_CBOR_TYPE);
	CHECK(cbor_peek(&r) == -1 && !cbor_read_null(&r));
	hx("61 61");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_bstr(&r, &p, &n) == SP_ERR_CBOR_TYPE);
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_uint(&r, &u) == SP_ERR_CBOR_TYPE);
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_int(&r, &i) == SP_ERR_CBOR_TYPE);
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_bool(&r, &b) == SP_ERR_CBOR_TYPE);
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_tag(&r, &u) == SP_ERR_CBOR_TYPE);
	hx("20");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_uint(&r, &u) == SP_ERR_CBOR_TYPE);
	hx("f6");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_bool(&r, &b) == SP_ERR_CBOR_TYPE);

	/* int64 range. */
	hx("1b 7fffffffffffffff");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_int(&r, &i) == SP_OK && i == INT64_MAX);
	hx("3b 7fffffffffffffff");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_int(&r, &i) == SP_OK && i == INT64_MIN);
	hx("1b 8000000000000000");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_int(&r, &i) == SP_ERR_CBOR_VALUE);
	CHECK(cbor_read_uint(&r, &u) == SP_ERR_CBOR_VALUE);	/* sticky */
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_uint(&r, &u) == SP_OK && u == UINT64_C(1) << 63);
	hx("3b 8000000000000000");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_int(&r, &i) == SP_ERR_CBOR_VALUE);

	/* Indefinite items and malformations. */
	hx("9f ff");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read(&r, &it) == SP_ERR_CBOR_INDEFINITE);
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_array(&r, &u) == SP_ERR_CBOR_INDEFINITE);
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_skip(&r) == SP_ERR_CBOR_INDEFINITE);
	hx("82 01 5f ff");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read(&r, &it) == SP_ERR_CBOR_INDEFINITE);
	hx("ff");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read(&r, &it) == SP_ERR_CBOR_MALFORMED);
	hx("f8 18");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read(&r, &it) == SP_ERR_CBOR_MALFORMED);
	hx("1c");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_skip(&r) == SP_ERR_CBOR_MALFORMED);
	hx("82 01");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read(&r, &it) == SP_ERR_CBOR_TRUNCATED);
	hx("62 61");
	cbor_reader_init(&r, tb.ptr, tb.len);
	CHECK(cbor_read_tstr(&r, &s, &n) == SP_ERR_CBOR_TRUNCATED);
	{
		/* Outputs are written only on success. */
		struct cbor_item before;

		memset(&it, 0xa5, sizeof(it));
		memcpy(&before, &it, sizeof(it));
		cbor_reader_init(&r, tb.ptr, tb.len);
		CHECK(cbor_read(&r, &it) == SP_ERR_CBOR_TRUNCATED &&
		    memcmp(&before, &it, sizeof(it)) == 0 && r.p == tb.ptr);
		u = 7;
		cbor_reader_init(&r, tb.ptr, tb.len);
		CHECK(cbor_read_uint(&r, &u) == SP_ERR_CBOR_TYPE && u == 7);
	}
	cbor_reader_init(&r, NULL, 0);
	CHECK(cbor_peek(&r) == -1 && cbor_reader_done(&r));
	cbor_reader_init(&r, NULL, 3);
	CHECK(cbor_read(&r, &it) == SP_ERR_INVALID_ARG);
}

/* A pass-like object, encoded, checked deterministically, read back. */
static void
test_round_trip(void)
{
	struct sp_buf b;
	struct cbor_enc e;
	struct cbor_reader r;
	uint8_t pk[32];
	uint64_t u, n;
	int64_t i;
	const uint8_t *p;
	const char *s;
	size_t len;
	bool v;
	struct cbor_item it;

	memset(pk, 0x5a, sizeof(pk));
	sp_buf_init(&b);
	cbor_enc_init(&e, &b);
	cbor_put_tag(&e, 18);
	cbor_put_map(&e, 7);
	cbor_put_uint(&e, 1);			/* keys in bytewise order */
	cbor_put_tstrz(&e, "Gemeente Amsterdam");
	cbor_put_uint(&e, 4);
	cbor_put_uint(&e, UINT64_C(1767225600));
	cbor_put_uint(&e, 24);
	cbor_put_bstr(&e, pk, sizeof(pk));
	cbor_put_int(&e, -1);
	cbor_put_array(&e, 3);
	cbor_put_int(&e, INT64_MIN);
	cbor_put_float(&e, 0.5);
	cbor_put_null(&e);
	cbor_put_int(&e, -25);
	cbor_put_bool(&e, true);
	cbor_put_tstrz(&e, "a");
	cbor_put_tstr(&e, "\xc3\xa9t\xc3\xa9", 5);
	cbor_put_tstrz(&e, "b");
	cbor_put_map(&e, 0);
	CHECK(cbor_enc_finish(&e) == SP_OK);
	CHECK(cbor_check(b.ptr, b.len, NULL, DET, NULL) == SP_OK);

	cbor_reader_init(&r, b.ptr, b.len);
	CHECK(cbor_read_tag(&r, &u) == SP_OK && u == 18);
	CHECK(cbor_read_map(&r, &n) == SP_OK && n == 7);
	CHECK(cbor_read_uint(&r, &u) == SP_OK && u == 1);
	CHECK(cbor_read_tstr(&r, &s, &len) == SP_OK && len == 18 &&
	    memcmp(s, "Gemeente Amsterdam", 18) == 0);
	CHECK(cbor_read_uint(&r, &u) == SP_OK && u == 4);
	CHECK(cbor_read_uint(&r, &u) == SP_OK && u == 1767225600);
	CHECK(cbor_read_uint(&r, &u) == SP_OK && u == 24);
	CHECK(cbor_read_bstr(&r, &p, &len) == SP_OK && len == 32 &&
	    memcmp(p, pk, 32) == 0 && p > b.ptr && p < b.ptr + b.len);
	CHECK(cbor_read_int(&r, &i) == SP_OK && i == -1);
	CHECK(cbor_read_array(&r, &n) == SP_OK && n == 3);
	CHECK(cbor_read_int(&r, &i) == SP_OK && i == INT64_MIN);
	CHECK(cbor_read(&r, &it) == SP_OK && it.f == 0.5 && it.ai == 25);
	CHECK(cbor_read_null(&r));
	CHECK(cbor_read_int(&r, &i) == SP_OK && i == -25);
	CHECK(cbor_read_bool(&r, &v) == SP_OK && v);
	CHECK(cbor_read_tstr(&r, &s, &len) == SP_OK && len == 1);
	CHECK(cbor_read_tstr(&r, &s, &len) == SP_OK && len == 5);
	CHECK(cbor_read_tstr(&r, &s, &len) == SP_OK && len == 1);
	CHECK(cbor_read_map(&r, &n) == SP_OK && n == 0);
	CHECK(cbor_reader_done(&r));

	/* The same keys out of order are caught. */
	sp_buf_reset(&b);
	cbor_enc_init(&e, &b);
	cbor_put_map(&e, 2);
	cbor_put_int(&e, -1);
	cbor_put_null(&e);
	cbor_put_uint(&e, 24);
	cbor_put_null(&e);
	CHECK(cbor_enc_finish(&e) == SP_OK);
	CHECK(cbor_check(b.ptr, b.len, NULL, DET, NULL) ==
	    SP_ERR_CBOR_KEY_ORDER);
	CHECK(cbor_check(b.ptr, b.len, NULL, 0, NULL) == SP_OK);
	sp_buf_clear(&b);
}

static void
diag_is_at(int line, const char *hex, bool pretty, const char *want)
{
	struct sp_buf out;
	int r;

	hx(hex);
	sp_buf_init(&out);
	r = cbor_diag(&out, tb.ptr, tb.len, NULL, pretty);
	CHECKF(r == SP_OK && sp_buf_cstr(&out) == SP_OK &&
	    strcmp((const char *)out.ptr, want) == 0,
	    "line %d: %s: got %d \"%s\", want \"%s\"", line, hex, r,
	    out.ptr != NULL ? (const char *)out.ptr : "", want);
	sp_buf_clear(&out);
}

#define DIAG_IS(hex, want) diag_is_at(__LINE__, hex, false, want)
#define DIAG_PRETTY(hex, want) diag_is_at(__LINE__, hex, true, want)

static void
test_diag(void)
{
	struct sp_buf out;

	DIAG_IS("a2 01 41 01 61 61 9f 01 02 ff",
	    "{1: h'01', \"a\": [_ 1, 2]}");
	DIAG_IS("5f ff", "''_");
	DIAG_IS("7f ff", "\"\"_");
	DIAG_IS("5f 40 ff", "(_ h'')");
	DIAG_IS("bf ff", "{_ }");
	DIAG_IS("a0", "{}");
	DIAG_IS("65 22 5c 0a 01 7f", "\"\\\"\\\\\\u000a\\u0001\\u007f\"");
	DIAG_IS("62 c3bc", "\"\xc3\xbc\"");
	DIAG_IS("f8 20", "simple(32)");
	DIAG_IS("58 28 000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
	    "1c1d1e1f2021222324252627", "h'000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f2021222324252627'");
	DIAG_IS("f7", "undefined");
	DIAG_IS("e0", "simple(0)");
	DIAG_IS("c1 c1 00", "1(1(0))");
	DIAG_IS("d9 d9f7 80", "55799([])");
	/* Bignums up to 16 bytes as decimal. */
	DIAG_IS("c2 40", "0");
	DIAG_IS("c3 40", "-1");
	DIAG_IS("c2 41 ff", "255");
	DIAG_IS("c2 50 ffffffffffffffffffffffffffffffff",
	    "340282366920938463463374607431768211455");
	DIAG_IS("c3 50 ffffffffffffffffffffffffffffffff",
	    "-340282366920938463463374607431768211456");
	DIAG_IS("c2 51 0100000000000000000000000000000000",
	    "2(h'0100000000000000000000000000000000')");
	DIAG_IS("c2 5f 41 01 ff", "2((_ h'01'))");
	DIAG_IS("c2 61 61", "2(\"a\")");
	DIAG_IS("3b ffffffffffffffff", "-18446744073709551616");
	DIAG_IS("3b fffffffffffffffe", "-18446744073709551615");
	/* Floats as ECMAScript spells them, with ".0" on integers. */
	DIAG_IS("fb 44b52d02c7e14af6", "1.0e+23");
	DIAG_IS("fb 4415af1d78b58c40", "100000000000000000000.0");
	DIAG_IS("fb 444b1ae4d6e2ef50", "1.0e+21");
	DIAG_IS("fb 3e7ad7f29abcaf48", "1.0e-7");
	DIAG_IS("fb 3eb0c6f7a0b5ed8d", "0.000001");
	DIAG_IS("fb 405edd2f1a9fbe77", "123.456");
	DIAG_IS("fb c05edd2f1a9fbe77", "-123.456");
	DIAG_IS("fb 3fb999999999999a", "0.1");
	DIAG_IS("fb 7fefffffffffffff", "1.7976931348623157e+308");
	DIAG_IS("fb 0000000000000001", "5.0e-324");
	DIAG_IS("fa 3fc00000", "1.5");
	DIAG_IS("f9 0001", "5.960464477539063e-8");
	DIAG_IS("f9 8001", "-5.960464477539063e-8");
	DIAG_IS("fa 00000001", "1.401298464324817e-45");
	DIAG_IS("f9 7e01", "NaN");
	DIAG_IS("f9 fe00", "NaN");
	DIAG_IS("fb 3ff0000000000000", "1.0");
	DIAG_IS("fb 4340000000000000", "9007199254740992.0");
	DIAG_IS("fb 3fd5555555555555", "0.3333333333333333");

	DIAG_PRETTY("a2 01 82 02 03 61 61 bf 01 9f ff ff",
	    "{\n  1: [\n    2,\n    3\n  ],\n  \"a\": {_\n    1: [_ ]\n  }\n}");
	DIAG_PRETTY("80", "[]");
	DIAG_PRETTY("c1 81 00", "1([\n  0\n])");

	/* Failure leaves out as it was. */
	sp_buf_init(&out);
	CHECK(sp_buf_append(&out, "abc", 3) == SP_OK);
	hx("82 01");
	CHECK(cbor_diag(&out, tb.ptr, tb.len, NULL, false) ==
	    SP_ERR_CBOR_TRUNCATED && out.len == 3);
	hx("a2 01 00 01 00");
	CHECK(cbor_diag(&out, tb.ptr, tb.len, NULL, true) ==
	    SP_ERR_CBOR_DUP_KEY && out.len == 3);
	hx("01");
	CHECK(cbor_diag(&out, tb.ptr, tb.len, NULL, false) == SP_OK &&
	    out.len == 4 && out.ptr[3] == '1');
	CHECK(cbor_diag(NULL, tb.ptr, tb.len, NULL, false) ==
	    SP_ERR_INVALID_ARG);
	sp_buf_clear(&out);
}

int
main(void)
{
	sp_buf_init(&tb);
	test_enc_ints();
	test_enc_strings();
	test_enc_floats();
	test_float_exhaustive();
	test_truncated();
	test_wellformed_errors();
	test_indefinite();
	test_noncanonical();
	test_limits();
	test_huge_lengths();
	test_dup_keys();
	test_key_cap();
	test_key_order();
	test_utf8();
	test_reader();
	test_round_trip();
	test_diag();
	sp_buf_clear(&tb);
	return check_report("test_cbor");
}
