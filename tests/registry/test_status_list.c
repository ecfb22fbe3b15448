/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Status lists: get/set at every width, digest, the {"bits", "lst"} codec
 * (round trips, zlib bombs, malformed maps) and the Status List Token
 * (sign, decode, verify; refused typ, claims and keys).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cbor.h"
#include "check.h"
#include "cose.h"
#include "qrt.h"
#include "status_list.h"
#include "testutil.h"

static const unsigned widths[] = { 1, 2, 4, 8 };
#define NWIDTHS (sizeof(widths) / sizeof(widths[0]))
#define MIB ((size_t)1 << 20)

static uint64_t rng_state = 0x5eed5eed12345678u;

/* splitmix64: a fixed-seed PRNG, so every run tests the same lists. */
static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static void
test_init(void)
{
	struct reg_list l;
	size_t i;

	CHECK(reg_list_init(&l, 1, 0, 8) == SP_ERR_INVALID_ARG);
	CHECK(reg_list_init(&l, 1, 3, 8) == SP_ERR_INVALID_ARG);
	CHECK(reg_list_init(&l, 1, 16, 8) == SP_ERR_INVALID_ARG);
	CHECK(reg_list_init(&l, 1, 1, REG_LIST_MAX_ENTRIES + 1) ==
	    SP_ERR_INVALID_ARG);
	CHECK(reg_list_init(NULL, 1, 1, 8) == SP_ERR_INVALID_ARG);
	for (i = 0; i < NWIDTHS; i++) {
		CHECK(reg_list_init(&l, 7, widths[i], 13) == SP_OK);
		CHECK(l.id == 7 && l.bits == widths[i] && l.count == 13);
		CHECK(l.len == (13 * widths[i] + 7) / 8);
		reg_list_clear(&l);
		CHECK(l.bytes == NULL && l.len == 0);
	}
	CHECK(reg_list_init(&l, 7, 2, 0) == SP_OK);
	CHECK(l.len == 0 && l.bytes != NULL);
	CHECK(reg_list_set(&l, 0, 1) == SP_ERR_INVALID_ARG);
	reg_list_clear(&l);
	reg_list_clear(&l);
	reg_list_clear(NULL);
}

/* Every width: each entry independent of its neighbours, boundaries,
 * padding bits, and the layout against a reference model. */
static void
test_get_set(void)
{
	static const uint32_t counts[] = { 1, 7, 8, 9, 63, 64, 65, 1001 };
	size_t w, c;

	for (w = 0; w < NWIDTHS; w++) {
		unsigned bits = widths[w], max = (1u << bits) - 1u;

		for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
			uint32_t n = counts[c], i, j;
			uint8_t model[1001];
			struct reg_list l;
			bool ok = true;

			CHECK(reg_list_init(&l, 1, bits, n) == SP_OK);
			/* One entry at max, all others stay 0. */
			for (i = 0; i < n; i++) {
				CHECK(reg_list_set(&l, i, max) == SP_OK);
				for (j = 0; j < n && ok; j++)
					ok = reg_list_get(&l, j) ==
					    (i == j ? max : 0);
				CHECK(reg_list_set(&l, i, 0) == SP_OK);
			}
			CHECKF(ok, "bits %u count %u", bits, n);
			/* Random statuses against a model; overwrite twice
			 * so clearing bits is exercised too. */
			for (j = 0; j < 2; j++)
				for (i = 0; i < n; i++) {
					model[i] = (uint8_t)(rnd() & max);
					CHECK(reg_list_set(&l, i, model[i]) ==
					    SP_OK);
				}
			for (i = 0, ok = true; i < n; i++) {
				unsigned want = model[i];
				size_t bit = (size_t)i * bits;

				ok = ok && reg_list_get(&l, i) == want &&
				    ((l.bytes[bit / 8] >> (bit % 8)) & max) ==
				    want;
			}
			CHECKF(ok, "model bits %u count %u", bits, n);
			/* Boundaries and range checks. */
			CHECK(reg_list_set(&l, n - 1, max) == SP_OK);
			CHECK(reg_list_get(&l, n - 1) == max);
			CHECK(reg_list_set(&l, n, 0) == SP_ERR_INVALID_ARG);
			CHECK(reg_list_set(&l, UINT32_MAX, 0) ==
			    SP_ERR_INVALID_ARG);
			CHECK(reg_list_set(&l, 0, max + 1) ==
			    SP_ERR_INVALID_ARG);
			CHECK(reg_list_set(&l, 0, UINT32_MAX) ==
			    SP_ERR_INVALID_ARG);
			/* Padding bits of the last byte stay 0. */
			for (i = 0; i < n; i++)
				CHECK(reg_list_set(&l, i, max) == SP_OK);
			if ((n * bits) % 8 != 0)
				CHECK((l.bytes[l.len - 1] >>
				    ((n * bits) % 8)) == 0);
			reg_list_clear(&l);
		}
	}
}

/* The draft's 2-bit example: statuses -> c9 44 f9. */
static void
test_layout_example(void)
{
	static const uint8_t st[12] = { 1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3 };
	static const uint8_t want[3] = { 0xc9, 0x44, 0xf9 };
	struct reg_list l;
	uint32_t i;

	CHECK(reg_list_init(&l, 1, 2, 12) == SP_OK);
	for (i = 0; i < 12; i++)
		CHECK(reg_list_set(&l, i, st[i]) == SP_OK);
	CHECK(l.len == 3 && memcmp(l.bytes, want, 3) == 0);
	reg_list_clear(&l);
}

/* SHA-256 of the documented preimage, with libsodium. */
static void
ref_digest(const struct reg_list *l, uint8_t out[32])
{
	static const char dom[] = "stadspas status list v1";
	crypto_hash_sha256_state st;
	uint8_t hdr[9];

	hdr[0] = (uint8_t)(l->id >> 24);
	hdr[1] = (uint8_t)(l->id >> 16);
	hdr[2] = (uint8_t)(l->id >> 8);
	hdr[3] = (uint8_t)l->id;
	hdr[4] = (uint8_t)l->bits;
	hdr[5] = (uint8_t)(l->count >> 24);
	hdr[6] = (uint8_t)(l->count >> 16);
	hdr[7] = (uint8_t)(l->count >> 8);
	hdr[8] = (uint8_t)l->count;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)dom, sizeof(dom));
	crypto_hash_sha256_update(&st, hdr, sizeof(hdr));
	crypto_hash_sha256_update(&st, l->bytes, l->len);
	crypto_hash_sha256_final(&st, out);
}

static void
test_digest(void)
{
	uint8_t base[32], d[32], ref[32];
	uint8_t seen[40][32];
	struct reg_list l, m;
	uint32_t i, j;
	bool distinct = true;

	CHECK(reg_list_init(&l, 0x01020304, 2, 40) == SP_OK);
	reg_list_digest(&l, base);
	ref_digest(&l, ref);
	CHECK(memcmp(base, ref, 32) == 0);
	/* Any one entry changed gives a new digest, each different. */
	for (i = 0; i < 40; i++) {
		CHECK(reg_list_set(&l, i, 1 + (i % 3)) == SP_OK);
		reg_list_digest(&l, seen[i]);
		CHECK(memcmp(seen[i], base, 32) != 0);
		CHECK(reg_list_set(&l, i, 0) == SP_OK);
		for (j = 0; j < i; j++)
			distinct = distinct && memcmp(seen[i], seen[j], 32);
	}
	CHECK(distinct);
	reg_list_digest(&l, d);
	CHECK(memcmp(d, base, 32) == 0);
	/* id, bits and count are covered, even with identical bytes. */
	CHECK(reg_list_copy(&m, &l) == SP_OK);
	CHECK(reg_list_equal(&l, &m));
	m.id++;
	reg_list_digest(&m, d);
	CHECK(memcmp(d, base, 32) != 0 && !reg_list_equal(&l, &m));
	m.id--;
	m.count = 39;		/* still 10 bytes */
	reg_list_digest(&m, d);
	CHECK(memcmp(d, base, 32) != 0 && !reg_list_equal(&l, &m));
	m.count = 80;
	m.bits = 1;		/* 80 one-bit entries: the same 10 bytes */
	reg_list_digest(&m, d);
	CHECK(memcmp(d, base, 32) != 0 && !reg_list_equal(&l, &m));
	reg_list_clear(&m);
	reg_list_clear(&l);
	/* A multi-megabyte list (OpenSSL's block loop) against libsodium. */
	CHECK(reg_list_init(&l, 9, 2, 10000000) == SP_OK);
	for (i = 0; i < 1000; i++)
		CHECK(reg_list_set(&l, rnd_below(l.count), 1) == SP_OK);
	reg_list_digest(&l, d);
	ref_digest(&l, ref);
	CHECK(memcmp(d, ref, 32) == 0);
	reg_list_clear(&l);
	/* Empty list. */
	CHECK(reg_list_init(&l, 9, 1, 0) == SP_OK);
	reg_list_digest(&l, d);
	ref_digest(&l, ref);
	CHECK(memcmp(d, ref, 32) == 0);
	reg_list_clear(&l);
}

static void
test_roundtrip(void)
{
	struct sp_buf enc, enc2;
	size_t w, k;

	sp_buf_init(&enc);
	sp_buf_init(&enc2);
	for (w = 0; w < NWIDTHS; w++) {
		for (k = 0; k < 6; k++) {
			unsigned bits = widths[w];
			uint32_t per = 8 / bits;
			uint32_t n = per * (1 + rnd_below(k < 3 ? 50 : 40000));
			uint32_t density = 1 + rnd_below(100), i;
			struct reg_list l, d;

			CHECK(reg_list_init(&l, 42, bits, n) == SP_OK);
			for (i = 0; i < n; i++)
				if (rnd_below(100) < density)
					CHECK(reg_list_set(&l, i, (unsigned)
					    (rnd() & ((1u << bits) - 1))) ==
					    SP_OK);
			sp_buf_reset(&enc);
			CHECK(sp_buf_append(&enc, "x", 1) == SP_OK);
			CHECK(reg_list_encode(&enc, &l) == SP_OK);
			CHECK(enc.ptr[0] == 'x');	/* appends */
			CHECK(reg_list_decode(&d, 42, enc.ptr + 1,
			    enc.len - 1, MIB) == SP_OK);
			CHECKF(reg_list_equal(&l, &d), "bits %u n %u", bits,
			    n);
			/* Encoding is a function of the list. */
			sp_buf_reset(&enc2);
			CHECK(reg_list_encode(&enc2, &d) == SP_OK);
			CHECK(enc2.len == enc.len - 1 &&
			    memcmp(enc2.ptr, enc.ptr + 1, enc2.len) == 0);
			/* "bits" first, then "lst". */
			CHECK(enc2.ptr[0] == 0xa2 && enc2.ptr[1] == 0x64 &&
			    memcmp(enc2.ptr + 2, "bits", 4) == 0 &&
			    enc2.ptr[6] == bits && enc2.ptr[7] == 0x63);
			reg_list_clear(&d);
			/* Another id comes back as asked. */
			CHECK(reg_list_decode(&d, 43, enc2.ptr, enc2.len,
			    MIB) == SP_OK);
			CHECK(d.id == 43 && !reg_list_equal(&l, &d));
			reg_list_clear(&d);
			reg_list_clear(&l);
		}
	}
	/* A count that is not a whole number of bytes comes back with its
	 * padding entries, which are 0. */
	{
		struct reg_list l, d;

		CHECK(reg_list_init(&l, 1, 2, 5) == SP_OK);
		CHECK(reg_list_set(&l, 4, 3) == SP_OK);
		sp_buf_reset(&enc);
		CHECK(reg_list_encode(&enc, &l) == SP_OK);
		CHECK(reg_list_decode(&d, 1, enc.ptr, enc.len, MIB) == SP_OK);
		CHECK(d.count == 8 && d.len == 2 && reg_list_get(&d, 4) == 3);
		CHECK(reg_list_get(&d, 5) == 0 && reg_list_get(&d, 7) == 0);
		reg_list_clear(&d);
		reg_list_clear(&l);
	}
	/* The draft's 1-bit example: statuses b9 a3, byte for byte. */
	{
		static const char want[] =
		    "a2646269747301636c73744a78dadbb918000217015d";
		static const uint8_t st[16] = { 1, 0, 0, 1, 1, 1, 0, 1, 1, 1,
		    0, 0, 0, 1, 0, 1 };
		struct sp_buf wb;
		struct reg_list l;
		uint32_t i;

		sp_buf_init(&wb);
		CHECK(tu_hex(&wb, want) == 0);
		CHECK(reg_list_init(&l, 1, 1, 16) == SP_OK);
		for (i = 0; i < 16; i++)
			CHECK(reg_list_set(&l, i, st[i]) == SP_OK);
		sp_buf_reset(&enc);
		CHECK(reg_list_encode(&enc, &l) == SP_OK);
		CHECK(enc.len == wb.len &&
		    memcmp(enc.ptr, wb.ptr, wb.len) == 0);
		reg_list_clear(&l);
		sp_buf_clear(&wb);
	}
	/* Bad lists are refused and out is left alone. */
	{
		struct reg_list l = { .bits = 3 };

		sp_buf_reset(&enc);
		CHECK(reg_list_encode(&enc, &l) == SP_ERR_INVALID_ARG);
		CHECK(reg_list_encode(&enc, NULL) == SP_ERR_INVALID_ARG);
		CHECK(enc.len == 0);
	}
	sp_buf_clear(&enc);
	sp_buf_clear(&enc2);
}

/* {"bits": bits, "lst": zlib(n zero bytes)}. */
static void
zero_list_cbor(struct sp_buf *out, unsigned bits, size_t n)
{
	struct sp_buf raw, z;
	struct cbor_enc e;

	sp_buf_init(&raw);
	sp_buf_init(&z);
	CHECK(sp_buf_reserve(&raw, n) == SP_OK);
	memset(raw.ptr, 0, n);
	raw.len = n;
	CHECK(qrt_deflate(&z, raw.ptr, raw.len, 9) == SP_OK);
	sp_buf_reset(out);
	cbor_enc_init(&e, out);
	cbor_put_map(&e, 2);
	cbor_put_tstrz(&e, "bits");
	cbor_put_uint(&e, bits);
	cbor_put_tstrz(&e, "lst");
	cbor_put_bstr(&e, z.ptr, z.len);
	CHECK(cbor_enc_finish(&e) == SP_OK);
	sp_buf_clear(&raw);
	sp_buf_clear(&z);
}

static void
test_bombs(void)
{
	struct sp_buf c;
	struct reg_list l;

	sp_buf_init(&c);
	/* 16 MiB of zeros deflate to ~16 KB. */
	zero_list_cbor(&c, 8, 16 * MIB);
	CHECK(c.len < 20000);
	CHECK(reg_list_decode(&l, 1, c.ptr, c.len, MIB) == SP_ERR_ZLIB_BOMB);
	CHECK(reg_list_decode(&l, 1, c.ptr, c.len, 16 * MIB - 1) ==
	    SP_ERR_ZLIB_BOMB);
	CHECK(reg_list_decode(&l, 1, c.ptr, c.len, 16 * MIB) == SP_OK);
	CHECK(l.count == 16 * MIB && l.len == 16 * MIB);
	reg_list_clear(&l);
	/* More entries than REG_LIST_MAX_ENTRIES: too large, whatever the
	 * caller allows. At 1 bit that is 8 MiB + 1 byte. */
	zero_list_cbor(&c, 1, REG_LIST_MAX_ENTRIES / 8 + 1);
	CHECK(reg_list_decode(&l, 1, c.ptr, c.len, 64 * MIB) ==
	    SP_ERR_TOO_LARGE);
	zero_list_cbor(&c, 1, REG_LIST_MAX_ENTRIES / 8);
	CHECK(reg_list_decode(&l, 1, c.ptr, c.len, 64 * MIB) == SP_OK);
	CHECK(l.count == REG_LIST_MAX_ENTRIES);
	reg_list_clear(&l);
	CHECK(reg_list_decode(&l, 1, c.ptr, c.len, 0) == SP_ERR_INVALID_ARG);
	sp_buf_clear(&c);
}

/* Decodes hex CBOR as a list; returns the error. */
static int
dec_hex(const char *hex)
{
	struct sp_buf b;
	struct reg_list l;
	int r;

	sp_buf_init(&b);
	if (tu_hex(&b, hex) != 0) {
		sp_buf_clear(&b);
		return 1;
	}
	r = reg_list_decode(&l, 5, b.ptr, b.len, MIB);
	if (r == SP_OK)
		reg_list_clear(&l);
	sp_buf_clear(&b);
	return r;
}

/* zlib of b9 a3 (the draft's example) is 78dadbb918000217015d. */
#define LST "4a78dadbb918000217015d"
#define K_BITS "6462697473"
#define K_LST "636c7374"

static void
test_malformed(void)
{
	CHECK(dec_hex("a2" K_BITS "01" K_LST LST) == SP_OK);
	/* RFC 8949 order ("lst" first) and unknown keys are fine. */
	CHECK(dec_hex("a2" K_LST LST K_BITS "01") == SP_OK);
	CHECK(dec_hex("a3" K_BITS "01" K_LST LST
	    "6f6167677265676174696f6e5f757269" "6161") == SP_OK);
	CHECK(dec_hex("a3" K_BITS "01" "01a10203" K_LST LST) == SP_OK);
	/* bits */
	CHECK(dec_hex("a2" K_BITS "03" K_LST LST) == SP_ERR_CBOR_VALUE);
	CHECK(dec_hex("a2" K_BITS "00" K_LST LST) == SP_ERR_CBOR_VALUE);
	CHECK(dec_hex("a2" K_BITS "10" K_LST LST) == SP_ERR_CBOR_VALUE);
	CHECK(dec_hex("a2" K_BITS "1820" K_LST LST) == SP_ERR_CBOR_VALUE);
	CHECK(dec_hex("a2" K_BITS "20" K_LST LST) == SP_ERR_CBOR_TYPE);
	CHECK(dec_hex("a2" K_BITS "6131" K_LST LST) == SP_ERR_CBOR_TYPE);
	CHECK(dec_hex("a2" K_BITS "f93c00" K_LST LST) == SP_ERR_CBOR_TYPE);
	/* missing keys */
	CHECK(dec_hex("a1" K_BITS "01") == SP_ERR_CBOR_MISSING_KEY);
	CHECK(dec_hex("a1" K_LST LST) == SP_ERR_CBOR_MISSING_KEY);
	CHECK(dec_hex("a0") == SP_ERR_CBOR_MISSING_KEY);
	CHECK(dec_hex("a2" "6442495453" "01" K_LST LST) ==
	    SP_ERR_CBOR_MISSING_KEY);
	/* wrong types */
	CHECK(dec_hex("a2" K_BITS "01" K_LST "6a30313233343536373839") ==
	    SP_ERR_CBOR_TYPE);
	CHECK(dec_hex("82" "01" LST) == SP_ERR_CBOR_TYPE);
	CHECK(dec_hex(LST) == SP_ERR_CBOR_TYPE);
	/* structure */
	CHECK(dec_hex("a2" K_BITS "01" K_LST LST "00") ==
	    SP_ERR_CBOR_TRAILING);
	CHECK(dec_hex("a2" K_BITS "01" K_LST "4a78dadbb918000217") ==
	    SP_ERR_CBOR_TRUNCATED);
	CHECK(dec_hex("a3" K_BITS "01" K_LST LST K_BITS "01") ==
	    SP_ERR_CBOR_DUP_KEY);
	CHECK(dec_hex("bf" K_BITS "01" K_LST LST "ff") != SP_OK);
	CHECK(dec_hex("a2" K_BITS "01" K_LST "5f4a78dadbb918000217015dff") !=
	    SP_OK);
	/* zlib: corrupt Adler-32, raw deflate, a byte after the stream */
	CHECK(dec_hex("a2" K_BITS "01" K_LST "4a78dadbb918000217015e") ==
	    SP_ERR_ZLIB);
	CHECK(dec_hex("a2" K_BITS "01" K_LST "45dbb9180002") == SP_ERR_ZLIB);
	CHECK(dec_hex("a2" K_BITS "01" K_LST "4b78dadbb918000217015d00") ==
	    SP_ERR_ZLIB);
	CHECK(dec_hex("a2" K_BITS "01" K_LST "40") == SP_ERR_ZLIB);
	/* arguments */
	{
		struct reg_list l;
		static const uint8_t one = 0xa0;

		CHECK(reg_list_decode(NULL, 1, &one, 1, 1) ==
		    SP_ERR_INVALID_ARG);
		CHECK(reg_list_decode(&l, 1, NULL, 1, 1) == SP_ERR_INVALID_ARG);
		CHECK(reg_list_decode(&l, 1, &one, 0, 1) == SP_ERR_INVALID_ARG);
	}
}

/* ---- Tokens ------------------------------------------------------------ */

#define SUB "https://example.com/statuslists/1"
#define IAT ((int64_t)1767225600)
#define EXP (IAT + 86400)
#define TTL ((uint64_t)43200)

static const uint8_t kid[] = { 'k', '1' };

static void
key_from(struct sig_priv *k, int alg, uint8_t fill)
{
	uint8_t seed[SIG_SEED_LEN];

	memset(seed, fill, sizeof(seed));
	CHECK(sig_priv_from_seed(k, alg, seed) == SP_OK);
}

static void
random_list(struct reg_list *l, unsigned bits, uint32_t n, unsigned pct)
{
	uint32_t i;

	CHECK(reg_list_init(l, 3, bits, n) == SP_OK);
	for (i = 0; i < n; i++)
		if (rnd_below(100) < pct)
			CHECK(reg_list_set(l, i, 1) == SP_OK);
}

/* Sign, decode, verify, check every field and the list. */
static void
token_roundtrip(const struct sig_priv *k, const struct sig_pub *other,
    const struct reg_list *l, int64_t exp, uint64_t ttl)
{
	struct sp_buf tok;
	struct reg_token t;
	struct reg_list d;

	sp_buf_init(&tok);
	CHECK(reg_token_sign(&tok, l, k, kid, sizeof(kid), SUB, IAT, exp,
	    ttl) == SP_OK);
	CHECK(tok.len > 0 && tok.ptr[0] == 0xd2);	/* tag 18 */
	CHECK(reg_token_decode(&t, tok.ptr, tok.len) == SP_OK);
	CHECK(reg_token_verify(&t, &k->pub) == SP_OK);
	CHECK(reg_token_verify(&t, other) != SP_OK);
	CHECK(t.sub_len == strlen(SUB) && memcmp(t.sub, SUB, t.sub_len) == 0);
	CHECK(t.iat == IAT && t.exp == exp && t.ttl == ttl);
	CHECK(t.cose.tagged && t.cose.alg == k->alg && t.cose.alg_protected);
	CHECK(t.cose.kid_len == sizeof(kid) &&
	    memcmp(t.cose.kid, kid, sizeof(kid)) == 0);
	CHECK(t.cose.kid >= t.cose.prot &&
	    t.cose.kid < t.cose.prot + t.cose.prot_len);
	CHECK(t.cose.raw == tok.ptr && t.cose.raw_len == tok.len);
	CHECK(t.list > tok.ptr && t.list + t.list_len <= tok.ptr + tok.len);
	CHECK(t.cose.payload + t.cose.payload_len + 2 == t.cose.sig);
	CHECK(reg_list_decode(&d, l->id, t.list, t.list_len, 64 * MIB) ==
	    SP_OK);
	CHECK(reg_list_equal(&d, l));
	reg_list_clear(&d);
	/* One flipped bit anywhere in the signature: still parses, never
	 * verifies. */
	tok.ptr[tok.len - 1] ^= 1;
	CHECK(reg_token_decode(&t, tok.ptr, tok.len) == SP_OK);
	CHECK(reg_token_verify(&t, &k->pub) == SP_ERR_SIGNATURE);
	tok.ptr[tok.len - 1] ^= 1;
	/* One flipped bit in the list bytes. */
	tok.ptr[tok.len - 70] ^= 1;
	if (reg_token_decode(&t, tok.ptr, tok.len) == SP_OK)
		CHECK(reg_token_verify(&t, &k->pub) == SP_ERR_SIGNATURE);
	tok.ptr[tok.len - 70] ^= 1;
	/* Trailing byte. */
	CHECK(sp_buf_push(&tok, 0) == SP_OK);
	CHECK(reg_token_decode(&t, tok.ptr, tok.len) == SP_ERR_CBOR_TRAILING);
	sp_buf_clear(&tok);
}

/* Signs an arbitrary payload as a COSE_Sign1 with the given typ. */
static void
sign_raw(struct sp_buf *out, const struct sig_priv *k, const char *typ,
    const uint8_t *payload, size_t len)
{
	struct cose_hdr_spec h = { .cty = -1, .typ = typ };

	sp_buf_reset(out);
	CHECK(cose_sign1_sign_hdr(out, k, &h, payload, len, NULL, 0,
	    COSE_F_TAGGED) == SP_OK);
}

/* A claims map built by hand: which claims, and a bad one if asked. */
enum { C_SUB = 1, C_IAT = 2, C_LIST = 4, C_ISS = 8, C_BAD_SUB = 16,
	C_BAD_IAT = 32, C_BAD_LIST = 64, C_BAD_BITS = 128 };

static int
decode_claims(const struct sig_priv *k, unsigned which)
{
	struct sp_buf p, tok, lst;
	struct cbor_enc e;
	struct reg_token t;
	size_t n = 0;
	int r;

	sp_buf_init(&p);
	sp_buf_init(&tok);
	sp_buf_init(&lst);
	CHECK(tu_hex(&lst, "a2" K_BITS "01" K_LST LST) == 0);
	n += (which & (C_SUB | C_BAD_SUB)) ? 1 : 0;
	n += (which & (C_IAT | C_BAD_IAT)) ? 1 : 0;
	n += (which & (C_LIST | C_BAD_LIST | C_BAD_BITS)) ? 1 : 0;
	n += (which & C_ISS) ? 1 : 0;
	cbor_enc_init(&e, &p);
	cbor_put_map(&e, n);
	if (which & C_ISS) {
		cbor_put_uint(&e, 1);
		cbor_put_tstrz(&e, "https://example.com");
	}
	if (which & (C_SUB | C_BAD_SUB)) {
		cbor_put_uint(&e, 2);
		if (which & C_BAD_SUB)
			cbor_put_bstr(&e, (const uint8_t *)"x", 1);
		else
			cbor_put_tstrz(&e, SUB);
	}
	if (which & (C_IAT | C_BAD_IAT)) {
		cbor_put_uint(&e, 6);
		if (which & C_BAD_IAT)
			cbor_put_float(&e, 1.5);
		else
			cbor_put_int(&e, IAT);
	}
	if (which & (C_LIST | C_BAD_LIST | C_BAD_BITS)) {
		cbor_put_uint(&e, 65533);
		if (which & C_BAD_LIST)
			cbor_put_bstr(&e, lst.ptr, lst.len);
		else if (which & C_BAD_BITS)
			cbor_put_raw(&e, (const uint8_t *)"\xa1\x64" "bits\x03",
			    7);
		else
			cbor_put_raw(&e, lst.ptr, lst.len);
	}
	CHECK(cbor_enc_finish(&e) == SP_OK);
	sign_raw(&tok, k, REG_TOKEN_TYP, p.ptr, p.len);
	r = reg_token_decode(&t, tok.ptr, tok.len);
	if (r == SP_OK)
		CHECK(reg_token_verify(&t, &k->pub) == SP_OK);
	sp_buf_clear(&p);
	sp_buf_clear(&tok);
	sp_buf_clear(&lst);
	return r;
}

static void
test_token_refusals(const struct sig_priv *k)
{
	struct sp_buf tok, payload, prot, tbs;
	struct reg_token t;
	struct reg_list l;
	struct cbor_enc e;
	uint8_t sig[SIG_MAX_LEN];
	size_t sig_len = 0, off;

	sp_buf_init(&tok);
	sp_buf_init(&payload);
	sp_buf_init(&prot);
	sp_buf_init(&tbs);
	CHECK(reg_list_init(&l, 1, 1, 16) == SP_OK);
	CHECK(reg_token_sign(&tok, &l, k, NULL, 0, SUB, IAT, 0, 0) == SP_OK);
	CHECK(reg_token_decode(&t, tok.ptr, tok.len) == SP_OK);
	CHECK(t.cose.kid == NULL && t.exp == 0 && t.ttl == 0);
	CHECK(reg_token_verify(&t, &k->pub) == SP_OK);
	/* The same payload under another typ, or none. */
	CHECK(sp_buf_set(&payload, t.cose.payload, t.cose.payload_len) ==
	    SP_OK);
	sign_raw(&tok, k, "application/statuslist+jwt", payload.ptr,
	    payload.len);
	CHECK(reg_token_decode(&t, tok.ptr, tok.len) == SP_ERR_COSE_HEADER);
	sign_raw(&tok, k, "application/statuslist+cw", payload.ptr,
	    payload.len);
	CHECK(reg_token_decode(&t, tok.ptr, tok.len) == SP_ERR_COSE_HEADER);
	sign_raw(&tok, k, NULL, payload.ptr, payload.len);
	CHECK(reg_token_decode(&t, tok.ptr, tok.len) == SP_ERR_COSE_HEADER);
	sign_raw(&tok, k, REG_TOKEN_TYP, payload.ptr, payload.len);
	CHECK(reg_token_decode(&t, tok.ptr, tok.len) == SP_OK);
	/* typ only in the unprotected header: not signed, so refused. */
	cbor_enc_init(&e, &prot);
	cbor_put_map(&e, 1);
	cbor_put_uint(&e, COSE_HDR_ALG);
	cbor_put_int(&e, k->alg);
	CHECK(cbor_enc_finish(&e) == SP_OK);
	CHECK(cose_sig_structure(&tbs, prot.ptr, prot.len, NULL, 0,
	    payload.ptr, payload.len) == SP_OK);
	CHECK(sig_sign(k, sig, &sig_len, tbs.ptr, tbs.len) == SP_OK);
	sp_buf_reset(&tok);
	cbor_enc_init(&e, &tok);
	cbor_put_tag(&e, COSE_TAG_SIGN1);
	cbor_put_array(&e, 4);
	cbor_put_bstr(&e, prot.ptr, prot.len);
	cbor_put_map(&e, 1);
	cbor_put_uint(&e, COSE_HDR_TYP);
	cbor_put_tstrz(&e, REG_TOKEN_TYP);
	cbor_put_bstr(&e, payload.ptr, payload.len);
	cbor_put_bstr(&e, sig, sig_len);
	CHECK(cbor_enc_finish(&e) == SP_OK);
	CHECK(reg_token_decode(&t, tok.ptr, tok.len) == SP_ERR_COSE_HEADER);
	/* Claims: required ones missing, ours of the wrong type, unknown
	 * ones ignored. */
	CHECK(decode_claims(k, C_SUB | C_IAT | C_LIST) == SP_OK);
	CHECK(decode_claims(k, C_SUB | C_IAT | C_LIST | C_ISS) == SP_OK);
	CHECK(decode_claims(k, C_IAT | C_LIST) == SP_ERR_CLAIMS);
	CHECK(decode_claims(k, C_SUB | C_LIST) == SP_ERR_CLAIMS);
	CHECK(decode_claims(k, C_SUB | C_IAT) == SP_ERR_CLAIMS);
	CHECK(decode_claims(k, C_BAD_SUB | C_IAT | C_LIST) == SP_ERR_CLAIMS);
	CHECK(decode_claims(k, C_SUB | C_BAD_IAT | C_LIST) == SP_ERR_CLAIMS);
	CHECK(decode_claims(k, C_SUB | C_IAT | C_BAD_LIST) == SP_ERR_CLAIMS);
	CHECK(decode_claims(k, C_SUB | C_IAT | C_BAD_BITS) == SP_ERR_CLAIMS);
	/* Not a COSE_Sign1 at all; detached payload; truncated. */
	CHECK(reg_token_decode(&t, payload.ptr, payload.len) == SP_ERR_COSE);
	sp_buf_reset(&tok);
	CHECK(cose_sign1_sign(&tok, k, NULL, 0, -1, payload.ptr, payload.len,
	    NULL, 0, COSE_F_TAGGED | COSE_F_DETACHED) == SP_OK);
	CHECK(reg_token_decode(&t, tok.ptr, tok.len) == SP_ERR_COSE);
	sign_raw(&tok, k, REG_TOKEN_TYP, payload.ptr, payload.len);
	for (off = 0; off < tok.len; off++)
		CHECK(reg_token_decode(&t, tok.ptr, off) != SP_OK);
	CHECK(reg_token_decode(NULL, tok.ptr, tok.len) == SP_ERR_INVALID_ARG);
	CHECK(reg_token_verify(NULL, &k->pub) == SP_ERR_INVALID_ARG);
	/* Signing arguments. */
	sp_buf_reset(&tok);
	CHECK(reg_token_sign(&tok, &l, k, NULL, 0, NULL, IAT, 0, 0) ==
	    SP_ERR_INVALID_ARG);
	CHECK(reg_token_sign(&tok, &l, NULL, NULL, 0, SUB, IAT, 0, 0) ==
	    SP_ERR_INVALID_ARG);
	CHECK(reg_token_sign(&tok, &l, k, NULL, 3, SUB, IAT, 0, 0) ==
	    SP_ERR_INVALID_ARG);
	CHECK(reg_token_sign(&tok, &l, k, kid, COSE_MAX_KID + 1, SUB, IAT, 0,
	    0) != SP_OK);
	CHECK(reg_token_sign(&tok, &l, k, NULL, 0, "\xff", IAT, 0, 0) ==
	    SP_ERR_CBOR_UTF8);
	CHECK(tok.len == 0);
	reg_list_clear(&l);
	sp_buf_clear(&tok);
	sp_buf_clear(&payload);
	sp_buf_clear(&prot);
	sp_buf_clear(&tbs);
}

static void
test_tokens(void)
{
	struct sig_priv ed, p256, ed2;
	struct reg_list small, big;

	key_from(&ed, SIG_ALG_EDDSA, 0x31);
	key_from(&p256, SIG_ALG_ES256, 0x32);
	key_from(&ed2, SIG_ALG_EDDSA, 0x33);
	random_list(&small, 2, 1000, 10);
	/* 2^20 one-bit entries, half set: a ~128 KiB token, past COSE's
	 * default 64 KiB message limit. */
	random_list(&big, 1, 1u << 20, 50);
	token_roundtrip(&ed, &ed2.pub, &small, EXP, TTL);
	token_roundtrip(&ed, &p256.pub, &small, 0, 0);
	token_roundtrip(&p256, &ed.pub, &small, EXP, 0);
	token_roundtrip(&p256, &ed2.pub, &small, -5, TTL);
	token_roundtrip(&ed, &ed2.pub, &big, EXP, TTL);
	token_roundtrip(&p256, &ed.pub, &big, EXP, TTL);
	test_token_refusals(&ed);
	test_token_refusals(&p256);
	reg_list_clear(&small);
	reg_list_clear(&big);
	sig_priv_clear(&ed);
	sig_priv_clear(&p256);
	sig_priv_clear(&ed2);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_init();
	test_get_set();
	test_layout_example();
	test_digest();
	test_roundtrip();
	test_bombs();
	test_malformed();
	test_tokens();
	return check_report("test_status_list");
}
