/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict CBOR (RFC 8949): a deterministic encoder, a bounded zero-copy
 * checker, a cursor reader and a diagnostic-notation printer. The contract
 * is in cbor.h; this file explains only the how.
 */
#include "cbor.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "stadspas/sp_err.h"

/*
 * Defaults for small signed objects. A pass or presentation is a few hundred
 * bytes; 64 KiB leaves room for foreign COSE objects (DCC) while keeping the
 * worst-case check time well under a millisecond. max_count bounds the
 * per-map duplicate-key work of lenient mode (see chk_dups()).
 */
const struct cbor_limits cbor_limits_default = {
	.max_len = 65536,
	.max_depth = 16,
	.max_items = 4096,
	.max_count = 256,
	.max_str = 16384,
};

/* Bytes of a head by additional information 24..27. */
#define HEAD_ARG_LEN(ai) ((size_t)1 << ((ai) - 24))

#define DBL_EXP_MASK UINT64_C(0x7ff0000000000000)
#define DBL_FRAC_MASK UINT64_C(0x000fffffffffffff)

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Reads the argument of a head whose ai is 24..27 (bytes at p). */
static inline uint64_t
head_arg(unsigned ai, const uint8_t *p)
{
	switch (ai) {
	case 24:
		return p[0];
	case 25:
		return be16(p);
	case 26:
		return be32(p);
	default:
		return be64(p);
	}
}

/* ---- Floats -------------------------------------------------------------
 * All conversions work on bit patterns, never through FP arithmetic on
 * out-of-range values, so NaN payloads survive and nothing depends on the
 * FP environment. Every half and single is exactly a double.
 */

static uint64_t
half_to_dbits(uint16_t h)
{
	uint64_t s = (uint64_t)(h >> 15) << 63;
	unsigned e = (h >> 10) & 0x1f;
	uint64_t m = h & 0x3ffu;
	int shift = 0;

	if (e == 31)
		return s | DBL_EXP_MASK | m << 42;
	if (e != 0)
		return s | (uint64_t)(e - 15 + 1023) << 52 | m << 42;
	if (m == 0)
		return s;
	/* Subnormal m * 2^-24: normalise so bit 10 is the implicit one. */
	while ((m & 0x400) == 0) {
		m <<= 1;
		shift++;
	}
	return s | (uint64_t)(1023 - 14 - shift) << 52 | (m & 0x3ff) << 42;
}

static uint64_t
single_to_dbits(uint32_t f)
{
	uint64_t s = (uint64_t)(f >> 31) << 63;
	unsigned e = (f >> 23) & 0xff;
	uint64_t m = f & 0x7fffffu;
	int shift = 0;

	if (e == 255)
		return s | DBL_EXP_MASK | m << 29;
	if (e != 0)
		return s | (uint64_t)(e - 127 + 1023) << 52 | m << 29;
	if (m == 0)
		return s;
	while ((m & 0x800000) == 0) {
		m <<= 1;
		shift++;
	}
	return s | (uint64_t)(1023 - 126 - shift) << 52 | (m & 0x7fffff) << 29;
}

static inline bool
dbits_isnan(uint64_t b)
{
	return (b & DBL_EXP_MASK) == DBL_EXP_MASK && (b & DBL_FRAC_MASK) != 0;
}

static inline double
dbits_to_double(uint64_t b)
{
	double d;

	memcpy(&d, &b, sizeof(d));
	return d;
}

/*
 * Whether the non-NaN double with bits b is exactly representable in a
 * binary format with p fraction bits and normal exponents emin..emax
 * (half: 10, -14, 15; single: 23, -126, 127), subnormals included.
 */
static bool
dbits_fit(uint64_t b, int p, int emin, int emax)
{
	int e = (int)((b >> 52) & 0x7ff);
	uint64_t m = b & DBL_FRAC_MASK;
	int tz;

	if (e == 0x7ff || e == 0)
		return m == 0;	/* infinity, zero; double subnormals never */
	e -= 1023;
	if (e > emax)
		return false;
	if (e >= emin)
		return (m & ((UINT64_C(1) << (52 - p)) - 1)) == 0;
	/* Target subnormal: value (2^52 + m) * 2^(e-52) must be a multiple
	 * of the smallest subnormal 2^(emin-p). */
	tz = emin - p - (e - 52);
	if (tz > 52)
		return false;
	return ((m | UINT64_C(1) << 52) & ((UINT64_C(1) << tz) - 1)) == 0;
}

static inline bool
dbits_fit_half(uint64_t b)
{
	return dbits_fit(b, 10, -14, 15);
}

static inline bool
dbits_fit_single(uint64_t b)
{
	return dbits_fit(b, 23, -126, 127);
}

/* Narrowing of a non-NaN double that dbits_fit_half() accepted. */
static uint16_t
dbits_to_half(uint64_t b)
{
	uint16_t s = (uint16_t)((b >> 63) << 15);
	int e = (int)((b >> 52) & 0x7ff);
	uint64_t m = b & DBL_FRAC_MASK;

	if (e == 0x7ff)
		return (uint16_t)(s | 0x7c00);
	if (e == 0)
		return s;
	e -= 1023;
	if (e >= -14)
		return (uint16_t)(s | (unsigned)(e + 15) << 10 | m >> 42);
	return (uint16_t)(s | (m | UINT64_C(1) << 52) >> (28 - e));
}

/* Narrowing of a non-NaN double that dbits_fit_single() accepted. */
static uint32_t
dbits_to_single(uint64_t b)
{
	uint32_t s = (uint32_t)((b >> 63) << 31);
	int e = (int)((b >> 52) & 0x7ff);
	uint64_t m = b & DBL_FRAC_MASK;

	if (e == 0x7ff)
		return s | UINT32_C(0x7f800000);
	if (e == 0)
		return s;
	e -= 1023;
	if (e >= -126)
		return s | (uint32_t)(e + 127) << 23 | (uint32_t)(m >> 29);
	return s | (uint32_t)((m | UINT64_C(1) << 52) >> (-97 - e));
}

/* Double bits of the float of a major-7 head with ai 25..27. */
static inline uint64_t
float_dbits(unsigned ai, uint64_t arg)
{
	if (ai == 25)
		return half_to_dbits((uint16_t)arg);
	if (ai == 26)
		return single_to_dbits((uint32_t)arg);
	return arg;
}

/* ---- UTF-8 --------------------------------------------------------------
 * Returns the offset of the first byte of the first ill-formed sequence of
 * s[0..n), or n if all of it is well-formed UTF-8 (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF). ASCII runs go 8 bytes a step.
 */
static size_t
utf8_check(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i], lo = 0x80, hi = 0xbf;
		uint64_t w;

		if (c < 0x80) {
			i++;
			while (n - i >= 8) {
				memcpy(&w, s + i, sizeof(w));
				if ((w & UINT64_C(0x8080808080808080)) != 0)
					break;
				i += 8;
			}
			continue;
		}
		if (c < 0xc2)
			return i;	/* continuation byte or overlong */
		if (c < 0xe0) {
			if (n - i < 2 || (s[i + 1] & 0xc0) != 0x80)
				return i;
			i += 2;
			continue;
		}
		if (c < 0xf0) {
			if (c == 0xe0)
				lo = 0xa0;	/* overlong */
			else if (c == 0xed)
				hi = 0x9f;	/* surrogates */
			if (n - i < 3 || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xc0) != 0x80)
				return i;
			i += 3;
			continue;
		}
		if (c < 0xf5) {
			if (c == 0xf0)
				lo = 0x90;	/* overlong */
			else if (c == 0xf4)
				hi = 0x8f;	/* > U+10FFFF */
			if (n - i < 4 || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xc0) != 0x80 ||
			    (s[i + 3] & 0xc0) != 0x80)
				return i;
			i += 4;
			continue;
		}
		return i;
	}
	return n;
}

/* ---- Encoder ------------------------------------------------------------ */

void
cbor_enc_init(struct cbor_enc *e, struct sp_buf *out)
{
	e->out = out;
	e->err = out == NULL ? SP_ERR_INVALID_ARG : SP_OK;
}

int
cbor_enc_finish(const struct cbor_enc *e)
{
	return e->err;
}

static void
enc_raw(struct cbor_enc *e, const void *p, size_t len)
{
	int r;

	if (e->err != SP_OK)
		return;
	if ((r = sp_buf_append(e->out, p, len)) != SP_OK)
		e->err = r;
}

static void
enc_head(struct cbor_enc *e, unsigned major, uint64_t v)
{
	uint8_t h[9];
	uint8_t mt = (uint8_t)(major << 5);
	size_t n, i;

	if (v < 24) {
		h[0] = (uint8_t)(mt | v);
		n = 1;
	} else if (v <= UINT8_MAX) {
		h[0] = mt | 24;
		n = 2;
	} else if (v <= UINT16_MAX) {
		h[0] = mt | 25;
		n = 3;
	} else if (v <= UINT32_MAX) {
		h[0] = mt | 26;
		n = 5;
	} else {
		h[0] = mt | 27;
		n = 9;
	}
	for (i = n - 1; i > 0; i--) {
		h[i] = (uint8_t)v;
		v >>= 8;
	}
	enc_raw(e, h, n);
}

static void
enc_fail(struct cbor_enc *e, int err)
{
	if (e->err == SP_OK)
		e->err = err;
}

void
cbor_put_uint(struct cbor_enc *e, uint64_t v)
{
	enc_head(e, CBOR_UINT, v);
}

void
cbor_put_int(struct cbor_enc *e, int64_t v)
{
	if (v >= 0)
		enc_head(e, CBOR_UINT, (uint64_t)v);
	else
		enc_head(e, CBOR_NINT, (uint64_t)(-1 - v));
}

void
cbor_put_nint_raw(struct cbor_enc *e, uint64_t n)
{
	enc_head(e, CBOR_NINT, n);
}

void
cbor_put_bstr(struct cbor_enc *e, const uint8_t *p, size_t len)
{
	if (p == NULL && len != 0) {
		enc_fail(e, SP_ERR_INVALID_ARG);
		return;
	}
	enc_head(e, CBOR_BSTR, len);
	enc_raw(e, p, len);
}

void
cbor_put_bstr_head(struct cbor_enc *e, size_t len)
{
	enc_head(e, CBOR_BSTR, len);
}

void
cbor_put_tstr(struct cbor_enc *e, const char *s, size_t len)
{
	if (s == NULL && len != 0) {
		enc_fail(e, SP_ERR_INVALID_ARG);
		return;
	}
	if (len != 0 && utf8_check((const uint8_t *)s, len) != len) {
		enc_fail(e, SP_ERR_CBOR_UTF8);
		return;
	}
	enc_head(e, CBOR_TSTR, len);
	enc_raw(e, s, len);
}

void
cbor_put_tstrz(struct cbor_enc *e, const char *s)
{
	if (s == NULL) {
		enc_fail(e, SP_ERR_INVALID_ARG);
		return;
	}
	cbor_put_tstr(e, s, strlen(s));
}

void
cbor_put_array(struct cbor_enc *e, size_t n)
{
	enc_head(e, CBOR_ARRAY, n);
}

void
cbor_put_map(struct cbor_enc *e, size_t n)
{
	enc_head(e, CBOR_MAP, n);
}

void
cbor_put_tag(struct cbor_enc *e, uint64_t tag)
{
	enc_head(e, CBOR_TAG, tag);
}

void
cbor_put_bool(struct cbor_enc *e, bool v)
{
	enc_head(e, CBOR_SIMPLE, v ? CBOR_TRUE : CBOR_FALSE);
}

void
cbor_put_null(struct cbor_enc *e)
{
	enc_head(e, CBOR_SIMPLE, CBOR_NULL);
}

void
cbor_put_simple(struct cbor_enc *e, uint8_t v)
{
	/* 24..31 have no well-formed encoding (RFC 8949 section 3.3). */
	if (v >= 24 && v < 32) {
		enc_fail(e, SP_ERR_INVALID_ARG);
		return;
	}
	enc_head(e, CBOR_SIMPLE, v);
}

void
cbor_put_float(struct cbor_enc *e, double v)
{
	uint8_t h[9];
	uint64_t b;
	size_t n, i;

	memcpy(&b, &v, sizeof(b));
	if (dbits_isnan(b)) {
		h[0] = 0xf9;
		h[1] = 0x7e;
		h[2] = 0x00;
		enc_raw(e, h, 3);
		return;
	}
	if (dbits_fit_half(b)) {
		h[0] = 0xf9;
		b = dbits_to_half(b);
		n = 3;
	} else if (dbits_fit_single(b)) {
		h[0] = 0xfa;
		b = dbits_to_single(b);
		n = 5;
	} else {
		h[0] = 0xfb;
		n = 9;
	}
	for (i = n - 1; i > 0; i--) {
		h[i] = (uint8_t)b;
		b >>= 8;
	}
	enc_raw(e, h, n);
}

void
cbor_put_raw(struct cbor_enc *e, const uint8_t *p, size_t len)
{
	if (p == NULL && len != 0) {
		enc_fail(e, SP_ERR_INVALID_ARG);
		return;
	}
	enc_raw(e, p, len);
}

/* ---- Validated-input helpers --------------------------------------------
 * These parse bytes that cbor_check() has already accepted, so they do no
 * bounds checks of their own.
 */

/* Length of the head at p; *arg gets its argument (0 for ai 31). */
static inline size_t
vhead(const uint8_t *p, uint64_t *arg)
{
	unsigned ai = p[0] & 31u;

	if (ai < 24) {
		*arg = ai;
		return 1;
	}
	if (ai < 28) {
		*arg = head_arg(ai, p + 1);
		return 1 + HEAD_ARG_LEN(ai);
	}
	*arg = 0;
	return 1;
}

/* Iterates over the contents of a (possibly indefinite) string. */
struct vstr {
	const uint8_t *next;	/* next chunk head (indefinite) */
	const uint8_t *cur;	/* current span */
	size_t left;
	bool indef;
};

static void
vstr_init(struct vstr *s, const uint8_t *p)
{
	uint64_t arg;
	size_t hl = vhead(p, &arg);

	s->indef = (p[0] & 31u) == 31;
	s->cur = p + hl;
	s->left = s->indef ? 0 : (size_t)arg;
	s->next = s->cur;
}

/* Makes s->left > 0, or returns false at the end of the string. */
static bool
vstr_fill(struct vstr *s)
{
	while (s->left == 0) {
		uint64_t arg;
		size_t hl;

		if (!s->indef || *s->next == 0xff)
			return false;
		hl = vhead(s->next, &arg);
		s->cur = s->next + hl;
		s->left = (size_t)arg;
		s->next = s->cur + s->left;
	}
	return true;
}

/* Total content length of the string at p. */
static size_t
vstr_len(const uint8_t *p)
{
	struct vstr s;
	size_t n = 0;

	vstr_init(&s, p);
	while (vstr_fill(&s)) {
		n += s.left;
		s.left = 0;
	}
	return n;
}

/* ---- Checker ------------------------------------------------------------ */

/* The frame stack is fixed, so max_depth is capped here (no allocation). */
#define CBOR_DEPTH_CAP 64
/* Lenient duplicate detection records every key of every open map; with
 * the default limits at most max_items / 2 = 2048 can be pending. */
#define CBOR_KEYS_CAP 2048
/* Maps with at most this many keys are checked pairwise, larger ones by
 * sorting. */
#define CBOR_DUPS_PAIRWISE 16

enum chk_kind {
	FR_ARRAY,
	FR_MAP,
	FR_TAG,
};

struct chk_frame {
	uint64_t left;		/* definite: items still expected */
	uint64_t n;		/* items done; a map counts keys and values */
	size_t key;		/* map: offset of the current key */
	size_t pkey;		/* deterministic map: the previous key */
	size_t pkey_len;
	uint32_t kbase;		/* lenient map: its first record in keys[] */
	uint8_t kind;		/* enum chk_kind */
	bool indef;
};

struct chk_key {
	uint32_t off;		/* the key's first byte */
	uint32_t end;		/* one past its last byte */
};

struct chk {
	const uint8_t *buf;
	const struct cbor_limits *lim;
	size_t err_off;
	uint32_t nkeys;
	struct chk_frame fr[CBOR_DEPTH_CAP];
	struct chk_key keys[CBOR_KEYS_CAP];
};

/* Orders keys by value: integers by value, strings by length then content
 * (chunked or not), floats by their double bits, simple values by number;
 * arrays, maps and tagged items by their encoded bytes. 0 means equal. */
static int
key_cmp(const uint8_t *buf, const struct chk_key *a, const struct chk_key *b)
{
	const uint8_t *pa = buf + a->off, *pb = buf + b->off;
	unsigned ma = pa[0] >> 5, mb = pb[0] >> 5;
	uint64_t va, vb;
	size_t la, lb;
	struct vstr sa, sb;
	bool fa, fb;

	if (ma != mb)
		return ma < mb ? -1 : 1;
	switch (ma) {
	case CBOR_UINT:
	case CBOR_NINT:
		vhead(pa, &va);
		vhead(pb, &vb);
		break;
	case CBOR_BSTR:
	case CBOR_TSTR:
		la = vstr_len(pa);
		lb = vstr_len(pb);
		if (la != lb)
			return la < lb ? -1 : 1;
		vstr_init(&sa, pa);
		vstr_init(&sb, pb);
		while (vstr_fill(&sa) && vstr_fill(&sb)) {
			size_t n = sa.left < sb.left ? sa.left : sb.left;
			int c;

			if ((c = memcmp(sa.cur, sb.cur, n)) != 0)
				return c;
			sa.cur += n;
			sa.left -= n;
			sb.cur += n;
			sb.left -= n;
		}
		return 0;
	case CBOR_SIMPLE:
		fa = (pa[0] & 31u) >= 25;	/* floats after simple values */
		fb = (pb[0] & 31u) >= 25;
		if (fa != fb)
			return fa ? 1 : -1;
		vhead(pa, &va);
		vhead(pb, &vb);
		if (fa) {
			va = float_dbits(pa[0] & 31u, va);
			vb = float_dbits(pb[0] & 31u, vb);
		}
		break;
	default:
		la = a->end - a->off;
		lb = b->end - b->off;
		if (la != lb)
			return la < lb ? -1 : 1;
		return memcmp(pa, pb, la);
	}
	return va < vb ? -1 : va > vb;
}

/* Sort order for the duplicate search: value, then position. */
static int
key_cmp_pos(const uint8_t *buf, const struct chk_key *a,
    const struct chk_key *b)
{
	int c = key_cmp(buf, a, b);

	if (c != 0)
		return c;
	return a->off < b->off ? -1 : a->off > b->off;
}

static void
key_sift(const uint8_t *buf, struct chk_key *k, size_t root, size_t n)
{
	size_t child;

	while ((child = 2 * root + 1) < n) {
		struct chk_key t;

		if (child + 1 < n &&
		    key_cmp_pos(buf, &k[child], &k[child + 1]) < 0)
			child++;
		if (key_cmp_pos(buf, &k[root], &k[child]) >= 0)
			return;
		t = k[root];
		k[root] = k[child];
		k[child] = t;
		root = child;
	}
}

/*
 * Lenient duplicate-key check of one finished map, keys[base..nkeys) in
 * input order. Up to CBOR_DUPS_PAIRWISE keys: pairwise. Above: an in-place
 * heapsort, O(n log n) comparisons, then a scan of neighbours; n is bounded
 * by max_count. Each comparison costs O(1) for integers, simple values,
 * floats and strings of different lengths, and otherwise at most the size
 * of the smaller key. Reports the first key that repeats an earlier one.
 */
static int
chk_dups(struct chk *c, uint32_t base)
{
	struct chk_key *k = c->keys + base;
	size_t n = c->nkeys - base, i, dup = SIZE_MAX;

	if (n <= CBOR_DUPS_PAIRWISE) {
		size_t j;

		for (j = 1; j < n; j++)
			for (i = 0; i < j; i++)
				if (key_cmp(c->buf, &k[i], &k[j]) == 0) {
					c->err_off = k[j].off;
					return SP_ERR_CBOR_DUP_KEY;
				}
		return SP_OK;
	}
	for (i = n / 2; i-- > 0;)
		key_sift(c->buf, k, i, n);
	for (i = n - 1; i > 0; i--) {
		struct chk_key t = k[0];

		k[0] = k[i];
		k[i] = t;
		key_sift(c->buf, k, 0, i);
	}
	/* Equal values are now adjacent and ordered by position. */
	for (i = 1; i < n; i++)
		if (k[i].off < dup && key_cmp(c->buf, &k[i - 1], &k[i]) == 0)
			dup = k[i].off;
	if (dup == SIZE_MAX)
		return SP_OK;
	c->err_off = dup;
	return SP_ERR_CBOR_DUP_KEY;
}

/* Compares two deterministic encodings bytewise (RFC 8949 4.2.1). */
static int
raw_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
	int c = memcmp(a, b, la < lb ? la : lb);

	if (c != 0)
		return c;
	return la < lb ? -1 : la > lb;
}

/*
 * Checks the chunks of an indefinite-length string whose head ends at *pp.
 * Every chunk must be a definite string of the same major type; text
 * chunks must each be valid UTF-8 (RFC 8949 section 3.2.3).
 */
static int
chk_chunks(struct chk *c, const uint8_t **pp, const uint8_t *end,
    unsigned major)
{
	const uint8_t *p = *pp;
	uint64_t arg, total = 0;

	for (;;) {
		const uint8_t *h = p;
		unsigned ai;
		size_t bad;

		if (p == end) {
			c->err_off = (size_t)(p - c->buf);
			return SP_ERR_CBOR_TRUNCATED;
		}
		if (*p == 0xff)
			break;
		ai = *p & 31u;
		c->err_off = (size_t)(h - c->buf);
		if ((unsigned)(*p >> 5) != major || ai > 27)
			return SP_ERR_CBOR_MALFORMED;
		p++;
		if (ai < 24) {
			arg = ai;
		} else {
			if ((size_t)(end - p) < HEAD_ARG_LEN(ai))
				return SP_ERR_CBOR_TRUNCATED;
			arg = head_arg(ai, p);
			p += HEAD_ARG_LEN(ai);
		}
		if (arg > c->lim->max_str - total)
			return SP_ERR_CBOR_LIMIT;
		total += arg;
		if (arg > (uint64_t)(end - p))
			return SP_ERR_CBOR_TRUNCATED;
		if (major == CBOR_TSTR &&
		    (bad = utf8_check(p, (size_t)arg)) != arg) {
			c->err_off = (size_t)(p - c->buf) + bad;
			return SP_ERR_CBOR_UTF8;
		}
		p += arg;
	}
	*pp = p + 1;
	return SP_OK;
}

/* The minimum argument for heads with ai 24..27 in shortest form. */
static const uint64_t head_min[4] = {
	24, 256, 65536, UINT64_C(0x100000000),
};

#define CHK_FAIL(code, at) do { \
	r = (code); \
	c->err_off = (size_t)((at) - buf); \
	goto fail; \
} while (0)

/*
 * The checker proper: one pass, no recursion, no allocation. An explicit
 * stack holds the open arrays, maps and tags. Indefinite strings are
 * consumed in place (their chunks are not items and cannot nest).
 */
static int
chk_run(struct chk *c, size_t len, unsigned flags)
{
	const uint8_t *const buf = c->buf;
	const uint8_t *const end = buf + len;
	const struct cbor_limits *lim = c->lim;
	const bool det = (flags & CBOR_F_DETERMINISTIC) != 0;
	const bool indef_ok = !det && (flags & CBOR_F_ALLOW_INDEF) != 0;
	const unsigned depth_max = lim->max_depth < CBOR_DEPTH_CAP ?
	    lim->max_depth : CBOR_DEPTH_CAP;
	const uint8_t *p = buf, *h;
	struct chk_frame *f = NULL;
	unsigned sp = 0, major, ai;
	size_t items = 0, bad, klen;
	uint64_t arg, b;
	int r;

next:
	h = p;
	if (p == end)
		CHK_FAIL(SP_ERR_CBOR_TRUNCATED, p);
	if (*p == 0xff) {
		/* A break closes the innermost indefinite array or map, and
		 * only between a map's pairs. */
		if (sp == 0 || !f->indef ||
		    (f->kind == FR_MAP && (f->n & 1) != 0))
			CHK_FAIL(SP_ERR_CBOR_MALFORMED, p);
		p++;
		goto close;
	}
	/* cppcheck-suppress knownConditionTrueFalse ; sp changes via goto */
	if (sp > 0 && f->kind == FR_MAP) {
		if ((f->n & 1) == 0) {
			if (f->indef && f->n / 2 >= lim->max_count)
				CHK_FAIL(SP_ERR_CBOR_LIMIT, p);
			f->key = (size_t)(p - buf);
			if (!det) {
				if (c->nkeys == CBOR_KEYS_CAP)
					CHK_FAIL(SP_ERR_CBOR_LIMIT, p);
				c->keys[c->nkeys++].off = (uint32_t)f->key;
			}
		} else {
			/* The key has just ended: p starts its value. */
			klen = (size_t)(p - buf) - f->key;
			if (det) {
				if (f->n > 1 && (r = raw_cmp(buf + f->pkey,
				    f->pkey_len, buf + f->key, klen)) >= 0)
					CHK_FAIL(r == 0 ? SP_ERR_CBOR_DUP_KEY :
					    SP_ERR_CBOR_KEY_ORDER, buf + f->key);
				f->pkey = f->key;
				f->pkey_len = klen;
			} else {
				c->keys[c->nkeys - 1].end = (uint32_t)(p - buf);
			}
		}
	} else if (sp > 0 && f->indef && f->n >= lim->max_count) {
		CHK_FAIL(SP_ERR_CBOR_LIMIT, p);
	}
	if (++items > lim->max_items)
		CHK_FAIL(SP_ERR_CBOR_LIMIT, p);

	major = *p >> 5;
	ai = *p & 31u;
	p++;
	if (ai < 24) {
		arg = ai;
	} else if (ai < 28) {
		if ((size_t)(end - p) < HEAD_ARG_LEN(ai))
			CHK_FAIL(SP_ERR_CBOR_TRUNCATED, h);
		arg = head_arg(ai, p);
		p += HEAD_ARG_LEN(ai);
		if (det && major != CBOR_SIMPLE && arg < head_min[ai - 24])
			CHK_FAIL(SP_ERR_CBOR_NONCANONICAL, h);
	} else if (ai < 31) {
		CHK_FAIL(SP_ERR_CBOR_MALFORMED, h);
	} else {
		arg = 0;	/* indefinite; a break was handled above */
	}

	switch (major) {
	case CBOR_UINT:
	case CBOR_NINT:
		if (ai == 31)
			CHK_FAIL(SP_ERR_CBOR_MALFORMED, h);
		break;
	case CBOR_BSTR:
	case CBOR_TSTR:
		if (ai == 31) {
			if (!indef_ok)
				CHK_FAIL(SP_ERR_CBOR_INDEFINITE, h);
			if ((r = chk_chunks(c, &p, end, major)) != SP_OK)
				goto fail;
			break;
		}
		if (arg > lim->max_str)
			CHK_FAIL(SP_ERR_CBOR_LIMIT, h);
		if (arg > (uint64_t)(end - p))
			CHK_FAIL(SP_ERR_CBOR_TRUNCATED, h);
		if (major == CBOR_TSTR &&
		    (bad = utf8_check(p, (size_t)arg)) != arg)
			CHK_FAIL(SP_ERR_CBOR_UTF8, p + bad);
		p += arg;
		break;
	case CBOR_ARRAY:
	case CBOR_MAP:
		if (sp >= depth_max)
			CHK_FAIL(SP_ERR_CBOR_DEPTH, h);
		if (ai == 31) {
			if (!indef_ok)
				CHK_FAIL(SP_ERR_CBOR_INDEFINITE, h);
		} else {
			if (arg > lim->max_count)
				CHK_FAIL(SP_ERR_CBOR_LIMIT, h);
			/* Every element takes a byte: fail huge counts now. */
			if (major == CBOR_MAP ? arg > (uint64_t)(end - p) / 2 :
			    arg > (uint64_t)(end - p))
				CHK_FAIL(SP_ERR_CBOR_TRUNCATED, h);
			if (arg == 0)
				break;
		}
		f = &c->fr[sp++];
		f->kind = major == CBOR_MAP ? FR_MAP : FR_ARRAY;
		f->indef = ai == 31;
		f->left = major == CBOR_MAP ? 2 * arg : arg;
		f->n = 0;
		f->kbase = c->nkeys;
		goto next;
	case CBOR_TAG:
		if (ai == 31)
			CHK_FAIL(SP_ERR_CBOR_MALFORMED, h);
		if (sp >= depth_max)
			CHK_FAIL(SP_ERR_CBOR_DEPTH, h);
		/* Preferred serialization of bignums (RFC 8949 3.4.3): no
		 * leading zero byte, and not one that fits major 0/1. */
		if (det && (arg == 2 || arg == 3) && p < end &&
		    *p >> 5 == CBOR_BSTR && (*p & 31u) < 28) {
			size_t hl = (*p & 31u) < 24 ? 1 :
			    1 + HEAD_ARG_LEN(*p & 31u);

			if ((*p & 31u) <= 8 ||
			    ((size_t)(end - p) > hl && p[hl] == 0))
				CHK_FAIL(SP_ERR_CBOR_NONCANONICAL, h);
		}
		f = &c->fr[sp++];
		f->kind = FR_TAG;
		f->indef = false;
		f->left = 1;
		f->n = 0;
		goto next;
	default:	/* CBOR_SIMPLE */
		if (ai == 24 && arg < 32)
			CHK_FAIL(SP_ERR_CBOR_MALFORMED, h);
		if (!det || ai < 25)
			break;
		/* Shortest exact float; the one NaN is f97e00. */
		b = float_dbits(ai, arg);
		if (dbits_isnan(b) ? ai != 25 || arg != 0x7e00 :
		    (ai == 26 && dbits_fit_half(b)) ||
		    (ai == 27 && dbits_fit_single(b)))
			CHK_FAIL(SP_ERR_CBOR_NONCANONICAL, h);
		break;
	}

done:
	/* The item that started at h is complete: account it to its
	 * parent, closing every container it completes. */
	if (sp == 0)
		goto end;
	f = &c->fr[sp - 1];
	f->n++;
	if (f->indef || --f->left != 0)
		goto next;
close:
	if (f->kind == FR_MAP && !det) {
		if ((r = chk_dups(c, f->kbase)) != SP_OK)
			goto fail;
		c->nkeys = f->kbase;
	}
	sp--;
	goto done;

end:
	if (p != end && (flags & CBOR_F_ALLOW_TRAILING) == 0)
		CHK_FAIL(SP_ERR_CBOR_TRAILING, p);
	r = SP_OK;
fail:
	return r;
}

#undef CHK_FAIL

int
cbor_check(const uint8_t *buf, size_t len, const struct cbor_limits *lim,
    unsigned flags, size_t *err_off)
{
	struct chk c;
	int r;

	c.err_off = 0;
	if (lim == NULL)
		lim = &cbor_limits_default;
	if (buf == NULL && len != 0) {
		r = SP_ERR_INVALID_ARG;
		goto fail;
	}
	if (len > lim->max_len || len > UINT32_MAX) {
		c.err_off = lim->max_len < UINT32_MAX ? lim->max_len :
		    UINT32_MAX;
		r = SP_ERR_TOO_LARGE;
		goto fail;
	}
	if (len == 0) {
		r = SP_ERR_CBOR_TRUNCATED;
		goto fail;
	}
	c.buf = buf;
	c.lim = lim;
	c.nkeys = 0;
	r = chk_run(&c, len, flags);
fail:
	if (r != SP_OK && err_off != NULL)
		*err_off = c.err_off;
	return r;
}

/* ---- Reader ------------------------------------------------------------- */

struct rhead {
	unsigned major;
	unsigned ai;
	uint64_t arg;
	const uint8_t *next;	/* first byte after the head */
};

static int
rd_fail(struct cbor_reader *r, int err)
{
	if (r->err == SP_OK)
		r->err = err;
	return r->err;
}

/* Parses the head at p, bounds-checked. Indefinite heads of majors 2..5
 * are returned with ai 31; every other malformation is an error. */
static int
rd_head(const uint8_t *p, const uint8_t *end, struct rhead *h)
{
	if (p == end)
		return SP_ERR_CBOR_TRUNCATED;
	h->major = *p >> 5;
	h->ai = *p & 31u;
	p++;
	if (h->ai < 24) {
		h->arg = h->ai;
	} else if (h->ai < 28) {
		if ((size_t)(end - p) < HEAD_ARG_LEN(h->ai))
			return SP_ERR_CBOR_TRUNCATED;
		h->arg = head_arg(h->ai, p);
		p += HEAD_ARG_LEN(h->ai);
		if (h->major == CBOR_SIMPLE && h->ai == 24 && h->arg < 32)
			return SP_ERR_CBOR_MALFORMED;
	} else if (h->ai < 31 || h->major < CBOR_BSTR ||
	    h->major > CBOR_MAP) {
		return SP_ERR_CBOR_MALFORMED;
	} else {
		h->arg = 0;
	}
	h->next = p;
	return SP_OK;
}

/* Finds the end of pending definite-length items starting at p. Each
 * pending item needs at least one byte, so pending never exceeds the bytes
 * left; that bounds the loop and keeps the counter from overflowing. */
static int
rd_extent(const uint8_t *p, const uint8_t *end, uint64_t pending,
    const uint8_t **out)
{
	struct rhead h;

	while (pending > 0) {
		int r;

		if ((r = rd_head(p, end, &h)) != SP_OK)
			return r;
		if (h.ai == 31)
			return SP_ERR_CBOR_INDEFINITE;
		pending--;
		p = h.next;
		switch (h.major) {
		case CBOR_BSTR:
		case CBOR_TSTR:
			if (h.arg > (uint64_t)(end - p))
				return SP_ERR_CBOR_TRUNCATED;
			p += h.arg;
			break;
		case CBOR_ARRAY:
			if (h.arg > (uint64_t)(end - p))
				return SP_ERR_CBOR_TRUNCATED;
			pending += h.arg;
			break;
		case CBOR_MAP:
			if (h.arg > (uint64_t)(end - p) / 2)
				return SP_ERR_CBOR_TRUNCATED;
			pending += 2 * h.arg;
			break;
		case CBOR_TAG:
			pending++;
			break;
		default:
			break;
		}
		if (pending > (uint64_t)(end - p))
			return SP_ERR_CBOR_TRUNCATED;
	}
	*out = p;
	return SP_OK;
}

void
cbor_reader_init(struct cbor_reader *r, const uint8_t *buf, size_t len)
{
	r->p = buf;
	r->end = buf == NULL ? buf : buf + len;
	r->depth_left = CBOR_DEPTH_CAP;
	r->err = buf == NULL && len != 0 ? SP_ERR_INVALID_ARG : SP_OK;
}

bool
cbor_reader_done(const struct cbor_reader *r)
{
	return r->err == SP_OK && r->p == r->end;
}

int
cbor_peek(const struct cbor_reader *r)
{
	if (r->err != SP_OK || r->p == r->end)
		return -1;
	return *r->p >> 5;
}

int
cbor_read(struct cbor_reader *r, struct cbor_item *it)
{
	struct rhead h;
	const uint8_t *start = r->p, *end, *next;
	int ret;

	if (r->err != SP_OK)
		return r->err;
	if ((ret = rd_head(r->p, r->end, &h)) != SP_OK)
		return rd_fail(r, ret);
	if (h.ai == 31)
		return rd_fail(r, SP_ERR_CBOR_INDEFINITE);
	/* Find the item's end (and the reader's next position) first, so
	 * that *it is written only on success. */
	switch (h.major) {
	case CBOR_BSTR:
	case CBOR_TSTR:
		if (h.arg > (uint64_t)(r->end - h.next))
			return rd_fail(r, SP_ERR_CBOR_TRUNCATED);
		end = next = h.next + h.arg;
		break;
	case CBOR_ARRAY:
	case CBOR_MAP:
	case CBOR_TAG:
		if ((ret = rd_extent(r->p, r->end, 1, &end)) != SP_OK)
			return rd_fail(r, ret);
		next = h.next;
		break;
	default:
		end = next = h.next;
		break;
	}
	it->major = (enum cbor_major)h.major;
	it->ai = (uint8_t)h.ai;
	it->indefinite = false;
	it->val = h.arg;
	it->f = h.major == CBOR_SIMPLE && h.ai >= 25 ?
	    dbits_to_double(float_dbits(h.ai, h.arg)) : 0;
	it->ptr = h.major == CBOR_BSTR || h.major == CBOR_TSTR ? h.next :
	    NULL;
	it->len = it->ptr != NULL ? (size_t)h.arg : 0;
	it->raw = start;
	it->raw_len = (size_t)(end - start);
	r->p = next;
	return SP_OK;
}

int
cbor_skip(struct cbor_reader *r)
{
	const uint8_t *end;
	int ret;

	if (r->err != SP_OK)
		return r->err;
	if ((ret = rd_extent(r->p, r->end, 1, &end)) != SP_OK)
		return rd_fail(r, ret);
	r->p = end;
	return SP_OK;
}

/* Reads a head of the given major type, consuming only the head. */
static int
rd_typed(struct cbor_reader *r, unsigned major, struct rhead *h)
{
	int ret;

	if (r->err != SP_OK)
		return r->err;
	if ((ret = rd_head(r->p, r->end, h)) != SP_OK)
		return rd_fail(r, ret);
	if (h->major != major)
		return rd_fail(r, SP_ERR_CBOR_TYPE);
	if (h->ai == 31)
		return rd_fail(r, SP_ERR_CBOR_INDEFINITE);
	return SP_OK;
}

int
cbor_read_uint(struct cbor_reader *r, uint64_t *v)
{
	struct rhead h;
	int ret;

	if ((ret = rd_typed(r, CBOR_UINT, &h)) != SP_OK)
		return ret;
	r->p = h.next;
	*v = h.arg;
	return SP_OK;
}

int
cbor_read_int(struct cbor_reader *r, int64_t *v)
{
	struct rhead h;
	int ret;

	if (r->err != SP_OK)
		return r->err;
	if ((ret = rd_head(r->p, r->end, &h)) != SP_OK)
		return rd_fail(r, ret);
	if (h.major != CBOR_UINT && h.major != CBOR_NINT)
		return rd_fail(r, SP_ERR_CBOR_TYPE);
	if (h.arg > INT64_MAX)
		return rd_fail(r, SP_ERR_CBOR_VALUE);
	r->p = h.next;
	*v = h.major == CBOR_UINT ? (int64_t)h.arg : -1 - (int64_t)h.arg;
	return SP_OK;
}

static int
rd_string(struct cbor_reader *r, unsigned major, const uint8_t **p,
    size_t *len)
{
	struct rhead h;
	int ret;

	if ((ret = rd_typed(r, major, &h)) != SP_OK)
		return ret;
	if (h.arg > (uint64_t)(r->end - h.next))
		return rd_fail(r, SP_ERR_CBOR_TRUNCATED);
	*p = h.next;
	*len = (size_t)h.arg;
	r->p = h.next + *len;
	return SP_OK;
}

int
cbor_read_bstr(struct cbor_reader *r, const uint8_t **p, size_t *len)
{
	return rd_string(r, CBOR_BSTR, p, len);
}

int
cbor_read_tstr(struct cbor_reader *r, const char **s, size_t *len)
{
	const uint8_t *p;
	int ret;

	if ((ret = rd_string(r, CBOR_TSTR, &p, len)) != SP_OK)
		return ret;
	*s = (const char *)p;
	return SP_OK;
}

int
cbor_read_array(struct cbor_reader *r, uint64_t *n)
{
	struct rhead h;
	int ret;

	if ((ret = rd_typed(r, CBOR_ARRAY, &h)) != SP_OK)
		return ret;
	if (h.arg > (uint64_t)(r->end - h.next))
		return rd_fail(r, SP_ERR_CBOR_TRUNCATED);
	r->p = h.next;
	*n = h.arg;
	return SP_OK;
}

int
cbor_read_map(struct cbor_reader *r, uint64_t *n)
{
	struct rhead h;
	int ret;

	if ((ret = rd_typed(r, CBOR_MAP, &h)) != SP_OK)
		return ret;
	if (h.arg > (uint64_t)(r->end - h.next) / 2)
		return rd_fail(r, SP_ERR_CBOR_TRUNCATED);
	r->p = h.next;
	*n = h.arg;
	return SP_OK;
}

int
cbor_read_tag(struct cbor_reader *r, uint64_t *tag)
{
	struct rhead h;
	int ret;

	if ((ret = rd_typed(r, CBOR_TAG, &h)) != SP_OK)
		return ret;
	r->p = h.next;
	*tag = h.arg;
	return SP_OK;
}

int
cbor_read_bool(struct cbor_reader *r, bool *v)
{
	struct rhead h;
	int ret;

	if ((ret = rd_typed(r, CBOR_SIMPLE, &h)) != SP_OK)
		return ret;
	if (h.ai != CBOR_FALSE && h.ai != CBOR_TRUE)
		return rd_fail(r, SP_ERR_CBOR_TYPE);
	r->p = h.next;
	*v = h.ai == CBOR_TRUE;
	return SP_OK;
}

bool
cbor_read_null(struct cbor_reader *r)
{
	if (r->err != SP_OK || r->p == r->end || *r->p != 0xf6)
		return false;
	r->p++;
	return true;
}

/* ---- Diagnostic notation ------------------------------------------------ */

struct dg {
	struct sp_buf *out;
	int err;
	bool pretty;
};

static void
dg_put(struct dg *d, const char *s, size_t n)
{
	int r;

	if (d->err == SP_OK && (r = sp_buf_append(d->out, s, n)) != SP_OK)
		d->err = r;
}

static void
dg_puts(struct dg *d, const char *s)
{
	dg_put(d, s, strlen(s));
}

static void
dg_u64(struct dg *d, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);

	dg_put(d, tmp, (size_t)n);
}

static void
dg_indent(struct dg *d, unsigned level)
{
	static const char spaces[] = "                                ";
	size_t n = 2 * (size_t)level;

	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		dg_put(d, spaces, k);
		n -= k;
	}
}

/* Whether the decimal dig[0..nd) * 10^(pt - nd) reads back as v (> 0).
 * The text has no decimal point, so LC_NUMERIC cannot interfere. */
static bool
dec_roundtrips(const char *dig, int nd, int pt, double v)
{
	char tmp[48];

	snprintf(tmp, sizeof(tmp), "%.*se%d", nd, dig, pt - nd);
	return strtod(tmp, NULL) == v;
}

/* Adds delta (+1 or -1) to the last digit of dig[0..*nd), keeping the
 * first digit non-zero; false if the result would be zero. */
static bool
dec_step(char *dig, int *nd, int *pt, int delta)
{
	int i;

	for (i = *nd - 1; i >= 0; i--) {
		if (delta > 0 && dig[i] != '9') {
			dig[i]++;
			return true;
		}
		if (delta < 0 && dig[i] != '0') {
			dig[i]--;
			break;
		}
		dig[i] = delta > 0 ? '0' : '9';
	}
	if (delta > 0) {	/* 99..9 + 1 = 100..0 */
		dig[0] = '1';
		for (i = 1; i < *nd; i++)
			dig[i] = '0';
		(*pt)++;
		return true;
	}
	if (dig[0] != '0')
		return true;
	if (*nd == 1)
		return false;
	memmove(dig, dig + 1, (size_t)(*nd - 1));	/* 10..0 - 1 = 9..9 */
	(*nd)--;
	(*pt)--;
	return true;
}

/*
 * Formats a finite double the way RFC 8949 appendix A spells floats: the
 * shortest digit string that reads back to v, laid out like ECMAScript
 * Number#toString (plain decimals for 1e-7 <= |v| < 1e21, else d.ddde+N),
 * with ".0" added to a mantissa without a point: "1.0", "100000.0",
 * "1.0e+300", "5.960464477539063e-8", "0.00006103515625".
 * For each length n the candidates are the correctly rounded n digits
 * (%.Ne) and its two neighbours: at a power of two the round-trip interval
 * is lopsided, so the nearest n-digit decimal may fail while a neighbour
 * works (2^-24 = 5.9604644775390625e-8 rounds to ...062, which reads back
 * wrong; ...063 reads back right). Among those the nearest that round-trips
 * wins; at most one neighbour can, as the interval is convex.
 */
static void
fmt_double(char *out, size_t cap, double v)
{
	char tmp[48], dig[24] = { 0 }, alt[24];
	const char *s;
	int prec, nd, pt, i, na, apt, delta;
	size_t o = 0;

	if (signbit(v)) {
		out[o++] = '-';
		v = -v;
	}
	for (prec = 0;; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, v);
		for (s = tmp, nd = 0; *s != 'e' && *s != '\0'; s++)
			if (*s >= '0' && *s <= '9' && nd < 18)
				dig[nd++] = *s;
		pt = (*s != '\0' ? atoi(s + 1) : 0) + 1;
		if (v == 0 || prec >= 16 || dec_roundtrips(dig, nd, pt, v))
			break;
		for (delta = -1; delta <= 1; delta += 2) {
			memcpy(alt, dig, (size_t)nd);
			na = nd;
			apt = pt;
			if (dec_step(alt, &na, &apt, delta) &&
			    dec_roundtrips(alt, na, apt, v))
				break;
		}
		if (delta <= 1) {
			memcpy(dig, alt, (size_t)na);
			nd = na;
			pt = apt;
			break;
		}
	}
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	/* At most 1 + 21 + 2 or 1 + 18 + 6 bytes; cap is 48. */
	if (pt >= nd && pt <= 21) {
		for (i = 0; i < pt; i++)
			out[o++] = i < nd ? dig[i] : '0';
		out[o++] = '.';
		out[o++] = '0';
	} else if (pt > 0 && pt <= 21) {
		for (i = 0; i < nd; i++) {
			if (i == pt)
				out[o++] = '.';
			out[o++] = dig[i];
		}
	} else if (pt > -6 && pt <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (i = pt; i < 0; i++)
			out[o++] = '0';
		for (i = 0; i < nd; i++)
			out[o++] = dig[i];
	} else {
		out[o++] = dig[0];
		out[o++] = '.';
		if (nd == 1)
			out[o++] = '0';
		for (i = 1; i < nd; i++)
			out[o++] = dig[i];
		snprintf(out + o, cap - o, "e%c%d", pt - 1 < 0 ? '-' : '+',
		    pt - 1 < 0 ? 1 - pt : pt - 1);
		return;
	}
	out[o] = '\0';
}

static void
dg_float(struct dg *d, uint64_t b)
{
	char tmp[48];

	if (dbits_isnan(b)) {
		dg_puts(d, "NaN");
		return;
	}
	if ((b & ~(UINT64_C(1) << 63)) == DBL_EXP_MASK) {
		dg_puts(d, b >> 63 ? "-Infinity" : "Infinity");
		return;
	}
	fmt_double(tmp, sizeof(tmp), dbits_to_double(b));
	dg_puts(d, tmp);
}

/* Decimal of a big-endian magnitude of up to 17 bytes; tag 3 prints
 * -1 - n. */
static void
dg_bignum(struct dg *d, const uint8_t *p, size_t n, bool neg)
{
	uint8_t mag[17];
	char dec[48];
	size_t m, i, o = sizeof(dec);

	/* mag = n (+ 1 if negative), most significant byte first. */
	mag[0] = 0;
	memcpy(mag + 1, p, n);
	m = n + 1;
	if (neg) {
		unsigned carry;

		for (i = m, carry = 1; i-- > 0 && carry;) {
			carry = mag[i] == 0xff;
			mag[i] = (uint8_t)(mag[i] + 1);
		}
		dg_puts(d, "-");
	}
	do {
		unsigned rem = 0;
		bool zero = true;

		for (i = 0; i < m; i++) {
			unsigned cur = rem << 8 | mag[i];

			mag[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
			if (mag[i] != 0)
				zero = false;
		}
		dec[--o] = (char)('0' + rem);
		if (zero)
			break;
	} while (o > 0);
	dg_put(d, dec + o, sizeof(dec) - o);
}

static void
dg_text(struct dg *d, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\')
			continue;
		dg_put(d, (const char *)p + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			dg_put(d, esc, 2);
			esc[1] = 'u';
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			dg_put(d, esc, 6);
		}
	}
	dg_put(d, (const char *)p + run, n - run);
}

static void
dg_hex(struct dg *d, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[64];
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		tmp[o++] = hex[p[i] >> 4];
		tmp[o++] = hex[p[i] & 15];
		if (o == sizeof(tmp)) {
			dg_put(d, tmp, o);
			o = 0;
		}
	}
	dg_put(d, tmp, o);
}

/* One string chunk (definite) at p; returns the byte after it. */
static const uint8_t *
dg_chunk(struct dg *d, const uint8_t *p)
{
	uint64_t arg;
	size_t hl = vhead(p, &arg);

	if (p[0] >> 5 == CBOR_BSTR) {
		dg_puts(d, "h'");
		dg_hex(d, p + hl, (size_t)arg);
		dg_puts(d, "'");
	} else {
		dg_puts(d, "\"");
		dg_text(d, p + hl, (size_t)arg);
		dg_puts(d, "\"");
	}
	return p + hl + arg;
}

/* Prints the validated item at p, returns the byte after it. Recursion is
 * bounded by the checked depth (at most CBOR_DEPTH_CAP). */
static const uint8_t *
dg_item(struct dg *d, const uint8_t *p, unsigned level)
{
	unsigned major = p[0] >> 5, ai = p[0] & 31u;
	uint64_t arg, i;
	size_t hl = vhead(p, &arg);
	bool indef = ai == 31, map;
	const uint8_t *q;

	switch (major) {
	case CBOR_UINT:
		dg_u64(d, arg);
		return p + hl;
	case CBOR_NINT:
		if (arg == UINT64_MAX)
			dg_puts(d, "-18446744073709551616");
		else {
			dg_puts(d, "-");
			dg_u64(d, arg + 1);
		}
		return p + hl;
	case CBOR_BSTR:
	case CBOR_TSTR:
		if (!indef)
			return dg_chunk(d, p);
		p += hl;
		if (*p == 0xff) {
			/* RFC 8949 8.1: "(_ )" would not say which type. */
			dg_puts(d, major == CBOR_BSTR ? "''_" : "\"\"_");
			return p + 1;
		}
		dg_puts(d, "(_ ");
		for (i = 0; *p != 0xff; i++) {
			if (i > 0)
				dg_puts(d, ", ");
			p = dg_chunk(d, p);
		}
		dg_puts(d, ")");
		return p + 1;
	case CBOR_ARRAY:
	case CBOR_MAP:
		map = major == CBOR_MAP;
		dg_puts(d, map ? "{" : "[");
		if (indef)
			dg_puts(d, "_");
		p += hl;
		if (indef ? *p == 0xff : arg == 0) {
			dg_puts(d, indef ? (map ? " }" : " ]") :
			    (map ? "}" : "]"));
			return p + (indef ? 1 : 0);
		}
		if (!d->pretty && indef)
			dg_puts(d, " ");
		for (i = 0; indef ? *p != 0xff : i < arg; i++) {
			if (i > 0)
				dg_puts(d, d->pretty ? "," : ", ");
			if (d->pretty) {
				dg_puts(d, "\n");
				dg_indent(d, level + 1);
			}
			p = dg_item(d, p, level + 1);
			if (map) {
				dg_puts(d, ": ");
				p = dg_item(d, p, level + 1);
			}
		}
		if (d->pretty) {
			dg_puts(d, "\n");
			dg_indent(d, level);
		}
		dg_puts(d, map ? "}" : "]");
		return p + (indef ? 1 : 0);
	case CBOR_TAG:
		q = p + hl;
		if ((arg == 2 || arg == 3) && *q >> 5 == CBOR_BSTR &&
		    (*q & 31u) != 31) {
			uint64_t n;
			size_t ql = vhead(q, &n);

			if (n <= 16) {
				dg_bignum(d, q + ql, (size_t)n, arg == 3);
				return q + ql + n;
			}
		}
		dg_u64(d, arg);
		dg_puts(d, "(");
		q = dg_item(d, q, level);
		dg_puts(d, ")");
		return q;
	default:
		if (ai >= 25) {
			dg_float(d, float_dbits(ai, arg));
		} else if (arg == CBOR_FALSE) {
			dg_puts(d, "false");
		} else if (arg == CBOR_TRUE) {
			dg_puts(d, "true");
		} else if (arg == CBOR_NULL) {
			dg_puts(d, "null");
		} else if (arg == CBOR_UNDEFINED) {
			dg_puts(d, "undefined");
		} else {
			dg_puts(d, "simple(");
			dg_u64(d, arg);
			dg_puts(d, ")");
		}
		return p + hl;
	}
}

int
cbor_diag(struct sp_buf *out, const uint8_t *buf, size_t len,
    const struct cbor_limits *lim, bool pretty)
{
	struct dg d;
	size_t start;
	int r = SP_ERR_INVALID_ARG;

	if (out == NULL)
		goto fail;
	start = out->len;
	if ((r = cbor_check(buf, len, lim, CBOR_F_ALLOW_INDEF, NULL)) !=
	    SP_OK)
		goto fail;
	d.out = out;
	d.err = SP_OK;
	d.pretty = pretty;
	dg_item(&d, buf, 0);
	if ((r = d.err) != SP_OK && out->ptr != NULL) {
		/* Leave out as it was; the partial text may quote secrets. */
		sodium_memzero(out->ptr + start, out->len - start);
		out->len = start;
	}
fail:
	return r;
}
