/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base45 unit tests: random round trips for every length up to 300, every
 * invalid character at every position, exhaustive group overflow checks and
 * the reported error offsets.
 */
#include <stdint.h>
#include <string.h>

#include "base45.h"
#include "check.h"
#include "sp_buf.h"
#include "stadspas/sp_err.h"

static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/* splitmix64: deterministic test data, no real RNG. */
static uint64_t
prng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static int
in_alphabet(uint8_t c)
{
	return c != 0 && memchr(alphabet, c, sizeof(alphabet) - 1) != NULL;
}

static int
value_of(char c)
{
	const char *p = strchr(alphabet, c);

	return c != 0 && p != NULL ? (int)(p - alphabet) : -1;
}

static void
test_encoded_len(void)
{
	CHECK(b45_encoded_len(0) == 0);
	CHECK(b45_encoded_len(1) == 2);
	CHECK(b45_encoded_len(2) == 3);
	CHECK(b45_encoded_len(3) == 5);
	CHECK(b45_encoded_len(300) == 450);
	CHECK(b45_encoded_len(SIZE_MAX) == SIZE_MAX);
}

static void
test_roundtrip(void)
{
	uint64_t seed = 0x5eed5eedu;
	uint8_t in[300];
	struct sp_buf enc, dec;
	size_t n, i, off;
	int rep, ok;

	sp_buf_init(&enc);
	sp_buf_init(&dec);
	for (n = 0; n <= sizeof(in); n++) {
		for (rep = 0; rep < 4; rep++) {
			for (i = 0; i < n; i++)
				in[i] = (uint8_t)prng_next(&seed);
			/* Edge bytes: all-zero and all-0xff inputs. */
			if (rep == 2)
				memset(in, 0, n);
			if (rep == 3)
				memset(in, 0xff, n);
			sp_buf_reset(&enc);
			sp_buf_reset(&dec);
			CHECK(b45_encode(&enc, in, n) == SP_OK);
			CHECKF(enc.len == b45_encoded_len(n), "n=%zu", n);
			ok = 1;
			for (i = 0; i < enc.len; i++)
				ok &= in_alphabet(enc.ptr[i]);
			CHECKF(ok, "n=%zu: character outside alphabet", n);
			off = 12345;
			CHECK(b45_decode(&dec, (const char *)enc.ptr, enc.len,
			    &off) == SP_OK);
			CHECK(off == 12345);
			CHECKF(dec.len == n && (n == 0 ||
			    memcmp(dec.ptr, in, n) == 0), "n=%zu rep=%d", n,
			    rep);
		}
	}
	sp_buf_clear(&enc);
	sp_buf_clear(&dec);
}

/* Both directions append to what the buffer already holds. */
static void
test_append(void)
{
	static const uint8_t ab[] = { 'A', 'B' };
	struct sp_buf b;

	sp_buf_init(&b);
	CHECK(sp_buf_append(&b, "xy", 2) == SP_OK);
	CHECK(b45_encode(&b, ab, sizeof(ab)) == SP_OK);
	CHECK(b.len == 5 && memcmp(b.ptr, "xyBB8", 5) == 0);
	CHECK(b45_decode(&b, "BB8", 3, NULL) == SP_OK);
	CHECK(b.len == 7 && memcmp(b.ptr, "xyBB8AB", 7) == 0);
	CHECK(b45_encode(&b, NULL, 0) == SP_OK);
	CHECK(b45_decode(&b, NULL, 0, NULL) == SP_OK);
	CHECK(b45_decode(&b, "", 0, NULL) == SP_OK);
	CHECK(b.len == 7);
	CHECK(b45_encode(NULL, ab, 2) == SP_ERR_INVALID_ARG);
	CHECK(b45_encode(&b, NULL, 2) == SP_ERR_INVALID_ARG);
	CHECK(b45_decode(NULL, "BB8", 3, NULL) == SP_ERR_INVALID_ARG);
	CHECK(b45_decode(&b, NULL, 3, NULL) == SP_ERR_INVALID_ARG);
	CHECK(b.len == 7);
	sp_buf_clear(&b);
}

/* Decoding must fail with SP_ERR_BASE45 at want and leave out unchanged. */
static int
rejects_at(const char *s, size_t n, size_t want)
{
	struct sp_buf b;
	size_t off = SIZE_MAX;
	int r, ok;

	sp_buf_init(&b);
	if (sp_buf_append(&b, "keep", 4) != SP_OK)
		abort();
	r = b45_decode(&b, s, n, &off);
	ok = r == SP_ERR_BASE45 && off == want && b.len == 4 &&
	    memcmp(b.ptr, "keep", 4) == 0;
	if (!ok)
		fprintf(stderr, "\"%.*s\": r=%d off=%zu (want %zu)\n",
		    (int)n, s, r, off, want);
	sp_buf_clear(&b);
	return ok;
}

/* Every byte outside the alphabet at every position of valid strings. */
static void
test_invalid_chars(void)
{
	uint64_t seed = 45;
	uint8_t in[24];
	char s[36];
	struct sp_buf enc;
	size_t n, i, pos;
	unsigned c, tried = 0, failed = 0;

	sp_buf_init(&enc);
	for (n = 1; n <= sizeof(in); n++) {
		for (i = 0; i < n; i++)
			in[i] = (uint8_t)prng_next(&seed);
		sp_buf_reset(&enc);
		CHECK(b45_encode(&enc, in, n) == SP_OK);
		for (pos = 0; pos < enc.len; pos++) {
			for (c = 0; c < 256; c++) {
				if (in_alphabet((uint8_t)c))
					continue;
				memcpy(s, enc.ptr, enc.len);
				s[pos] = (char)c;
				tried++;
				if (!rejects_at(s, enc.len, pos))
					failed++;
			}
		}
	}
	CHECKF(failed == 0, "%u of %u substitutions", failed, tried);
	/* 256 - 45 bytes at each of sum(3n/2 rounded up) positions. */
	CHECK(tried > 50000);
	/* Lowercase letters in particular. */
	CHECK(rejects_at("bb8", 3, 0));
	CHECK(rejects_at("BB8a8", 5, 3));
	CHECK(rejects_at("BBz", 3, 2));
	/* An invalid character is reported before a later overflow. */
	CHECK(rejects_at("_GGW", 4, 0));
	sp_buf_clear(&enc);
}

/* All 45^3 triplets and 45^2 pairs, each after a valid first group:
 * value limits, unique encodings and the group-start error offset. */
static void
test_groups(void)
{
	struct sp_buf b, e;
	char s[6] = "000";
	unsigned c, d, x, v, bad = 0, good = 0;

	sp_buf_init(&b);
	sp_buf_init(&e);
	for (x = 0; x < 45; x++)
		for (d = 0; d < 45; d++)
			for (c = 0; c < 45; c++) {
				s[3] = alphabet[c];
				s[4] = alphabet[d];
				s[5] = alphabet[x];
				v = c + 45 * d + 2025 * x;
				if (v > 65535) {
					if (rejects_at(s, 6, 3))
						good++;
					else
						bad++;
					continue;
				}
				sp_buf_reset(&b);
				sp_buf_reset(&e);
				if (b45_decode(&b, s, 6, NULL) == SP_OK &&
				    b.len == 4 && b.ptr[0] == 0 &&
				    b.ptr[1] == 0 && b.ptr[2] == v >> 8 &&
				    b.ptr[3] == (v & 0xff) &&
				    b45_encode(&e, b.ptr, 4) == SP_OK &&
				    e.len == 6 && memcmp(e.ptr, s, 6) == 0)
					good++;
				else
					bad++;
			}
	CHECKF(bad == 0 && good == 45 * 45 * 45, "%u triplets wrong", bad);
	bad = good = 0;
	memcpy(s, "FGW", 3);
	for (d = 0; d < 45; d++)
		for (c = 0; c < 45; c++) {
			s[3] = alphabet[c];
			s[4] = alphabet[d];
			v = c + 45 * d;
			if (v > 255) {
				if (rejects_at(s, 5, 3))
					good++;
				else
					bad++;
				continue;
			}
			sp_buf_reset(&b);
			sp_buf_reset(&e);
			if (b45_decode(&b, s, 5, NULL) == SP_OK &&
			    b.len == 3 && b.ptr[0] == 0xff &&
			    b.ptr[1] == 0xff && b.ptr[2] == v &&
			    b45_encode(&e, b.ptr, 3) == SP_OK &&
			    e.len == 5 && memcmp(e.ptr, s, 5) == 0)
				good++;
			else
				bad++;
		}
	CHECKF(bad == 0 && good == 45 * 45, "%u pairs wrong", bad);

	/* The boundaries named by RFC 9285 section 6. */
	sp_buf_reset(&b);
	CHECK(b45_decode(&b, "FGW", 3, NULL) == SP_OK && b.len == 2 &&
	    b.ptr[0] == 0xff && b.ptr[1] == 0xff);
	CHECK(rejects_at("GGW", 3, 0));
	CHECK(rejects_at("000GGW", 6, 3));
	CHECK(rejects_at("000GGW00", 8, 3));
	sp_buf_reset(&b);
	CHECK(b45_decode(&b, "U5", 2, NULL) == SP_OK && b.len == 1 &&
	    b.ptr[0] == 0xff);
	CHECK(value_of('V') + 45 * value_of('5') == 256);
	CHECK(rejects_at("V5", 2, 0));
	CHECK(rejects_at("FGWV5", 5, 3));
	CHECK(rejects_at("::", 2, 0));
	CHECK(rejects_at(":::", 3, 0));
	sp_buf_clear(&b);
	sp_buf_clear(&e);
}

static void
test_bad_length(void)
{
	char s[301];
	size_t n;
	unsigned bad = 0;

	memset(s, '0', sizeof(s));
	for (n = 1; n <= 300; n += 3)
		if (!rejects_at(s, n, n))
			bad++;
	CHECKF(bad == 0, "%u lengths accepted", bad);
	CHECK(rejects_at("A", 1, 1));
	CHECK(rejects_at("BB8A", 4, 4));
	/* An earlier bad group or character wins over the length. */
	CHECK(rejects_at("GGWA", 4, 0));
	CHECK(rejects_at("BB8a", 4, 3));
	CHECK(rejects_at("b", 1, 0));
	/* NUL is data, not a terminator. */
	CHECK(rejects_at("BB8\0", 4, 3));
}

int
main(void)
{
	test_encoded_len();
	test_roundtrip();
	test_append();
	test_invalid_chars();
	test_groups();
	test_bad_length();
	return check_report("test_base45");
}
