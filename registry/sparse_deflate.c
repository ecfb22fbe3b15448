/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DEFLATE for status lists, written from RFC 1951 (format) and RFC 1950
 * (zlib wrapper): the input is cut into runs of equal bytes, matches are
 * found between run sequences, and a shortest-path parse under a bit-cost
 * model (re-estimated from its own result a few times) picks the tokens,
 * which go out in dynamic-Huffman, fixed or stored blocks, whichever is
 * smallest.
 */
#include "sparse_deflate.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "qrt.h"
#include "stadspas/sp_err.h"

#define WINDOW 32768u		/* largest DEFLATE distance */
#define MIN_MATCH 3u
#define MAX_MATCH 258u
#define N_LITLEN 286		/* 0..255 literals, 256 end, 257..285 */
#define N_DIST 30
#define N_CL 19			/* code length alphabet */
#define END_BLOCK 256u
#define MAX_BITS 15u		/* lit/len and distance codes */
#define MAX_CL_BITS 7u		/* code length code */

/*
 * Tuning, measured on 10M-entry lists (1-bit 1%, 2-bit 1% + 0.1%). Each
 * segment is parsed with the previous 32 KiB as history; consecutive
 * segments share a block while that is smaller than two. Per run the parser keeps the MAX_CAND best matches among the
 * nearest MAX_CHAIN earlier runs with the same short key and MAX_CHAIN2
 * with the same long key, and tries at most MAX_ENDS + 1 end points per
 * match. The first segment is parsed PASSES_FIRST times (the first pass
 * with a guessed cost model), later ones PASSES_NEXT times, starting from
 * their predecessor's statistics. More passes or longer chains gain under
 * 0.2% at up to twice the time.
 */
#define SEG_BYTES ((size_t)512 * 1024)
#define MAX_CAND 4
#define MAX_CHAIN 24
#define MAX_CHAIN2 48
#define MAX_ENDS 16
#define HASH_BITS 15
#define PASSES_FIRST 3
#define PASSES_NEXT 1
#define PEND_MAX ((size_t)1 << 22)	/* tokens in one block */

/* Costs are in 1/16 bits. */
#define COST_BIT 16u
#define COST_INF UINT32_MAX

/* Dense input (on average fewer than this many bytes per run) over
 * ZLIB_SMALL goes to zlib directly; weak results (ratio under ZLIB_RATIO)
 * and small inputs are checked against zlib level 6. */
#define DENSE_BYTES_PER_RUN 4u
#define ZLIB_RATIO 8u
#define ZLIB_SMALL ((size_t)64 * 1024)
#define ZLIB_LEVEL 6

/* RFC 1951 section 3.2.5. */
static const uint16_t len_base[29] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51,
	59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
};
static const uint8_t len_extra[29] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4,
	4, 5, 5, 5, 5, 0,
};
static const uint16_t dist_base[N_DIST] = {
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385,
	513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385,
	24577,
};
static const uint8_t dist_extra[N_DIST] = {
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10,
	10, 11, 11, 12, 12, 13, 13,
};
/* RFC 1951 section 3.2.7: order of the code length code lengths. */
static const uint8_t cl_order[N_CL] = {
	16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
};
/* 16 * log2(1 + i/32), rounded. */
static const uint8_t log2_frac[32] = {
	0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11,
	12, 12, 13, 13, 13, 14, 14, 15, 15, 15, 16,
};

/* A token: a literal byte, or a match (MATCH_FLAG | len << 15 | dist-1). */
#define MATCH_FLAG 0x80000000u

/* A run of rn equal bytes rv starting at rs. Runs split at segment
 * boundaries, so neighbours may hold the same value; nothing below needs
 * runs to be maximal. */
struct runs {
	uint8_t *rv;
	uint32_t *rn, *rs;
	int32_t *prev;		/* previous run with the same short key */
	int32_t *prev2;		/* previous run with the same long key */
	size_t n, cap;
};

/* A match for a run m: the source run j lies dist back (end to end),
 * kj = min(length of j, MAX_MATCH) bytes of it can start the match, and
 * ext bytes after run m agree with those after run j. */
struct cand {
	uint16_t dist1;		/* dist - 1 */
	uint16_t kj;
	uint16_t ext;
};

/* Shortest-path state: a position where tokens may start. Each run has
 * one for its first byte and one for each offset where a match ends; one
 * more stands for the segment end. */
struct slot {
	uint32_t cost;
	uint32_t from;		/* previous slot */
	uint16_t len;		/* 0: the rest of the run, plainly */
	uint16_t dist1;
};

/* Bit costs of symbols, extra bits included. */
struct model {
	uint32_t lit[256];
	uint32_t len[MAX_MATCH + 1];
	uint32_t dist[N_DIST];
};

struct stats {
	uint32_t lit[N_LITLEN];
	uint32_t dist[N_DIST];
};

struct pm_item {
	uint64_t w;
	int32_t sym;		/* < 0: a package */
};

/* Package-merge scratch for up to 288 symbols and 15 levels. */
struct pm {
	struct pm_item leaf[288];
	struct pm_item lv[MAX_BITS][2 * 288];
	unsigned cnt[MAX_BITS];
};

/* An end point of a match: a run end inside it, or its own end. */
struct mend {
	uint32_t pos;
	uint32_t slot;
};

struct bitw {
	struct sp_buf *out;
	uint64_t acc;
	unsigned n;
	int err;
};

struct enc {
	const uint8_t *in;
	size_t len;
	struct runs r;
	int32_t head[1u << HASH_BITS], head2[1u << HASH_BITS];
	struct cand *cand;	/* MAX_CAND per segment run */
	uint8_t *ncand;
	uint32_t *cu;		/* per match: run (in the segment) and */
	uint16_t *co;		/* offset where it ends */
	uint32_t *cfirst;	/* per match: its end points in mend[] */
	uint8_t *cnend;
	uint32_t *cnt;		/* per run: match ends inside it */
	uint16_t *mid;		/* those offsets, grouped by run */
	uint32_t *sbase;	/* first slot of each segment run */
	uint16_t *soff;		/* offset of each slot in its run */
	struct slot *slot;
	uint32_t *path;
	struct mend *mend;
	uint32_t *tok, *best;
	size_t ntok, nbest, tok_cap, seg_cap, slot_cap, nmend, mend_cap;
	struct stats st, best_st;
	/* The block not written yet: tokens for in[pend_a..) */
	uint32_t *pend;
	size_t npend, pend_cap, pend_a;
	struct stats pend_st;
	struct model m;
	struct pm pm;
	struct bitw bw;
};

/* ---- small helpers ---------------------------------------------------- */

static unsigned
ilog2(uint32_t x)
{
	return 31u - (unsigned)__builtin_clz(x);	/* x > 0 */
}

static unsigned
len_code(unsigned l)
{
	unsigned x = l - MIN_MATCH, lg;

	if (l == MAX_MATCH)
		return 28;
	if (x < 8)
		return x;
	lg = ilog2(x);
	return 4 * (lg - 1) + ((x >> (lg - 2)) & 3);
}

static unsigned
dist_code(unsigned d)
{
	unsigned x = d - 1, lg;

	if (x < 4)
		return x;
	lg = ilog2(x);
	return 2 * lg + ((x >> (lg - 1)) & 1);
}

/* 16 * log2(x), x >= 1, to within about 1/16 bit. */
static uint32_t
log2_fx(uint64_t x)
{
	unsigned lg = 0;

	while ((x >> lg) > 1)
		lg++;
	if (lg >= 5)
		return lg * COST_BIT + log2_frac[(x >> (lg - 5)) & 31];
	return lg * COST_BIT + log2_frac[(x << (5 - lg)) & 31];
}

static uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint32_t
reverse_bits(uint32_t code, unsigned n)
{
	uint32_t r = 0;

	while (n-- > 0) {
		r = (r << 1) | (code & 1);
		code >>= 1;
	}
	return r;
}

/* realloc for n elements of elem bytes (n > 0); NULL on failure, p
 * untouched. */
static void *
grow(void *p, size_t n, size_t elem)
{
	if (n == 0 || n > SIZE_MAX / elem)
		return NULL;
	return realloc(p, n * elem);
}

/* ---- bit output ------------------------------------------------------- */

static void
bw_flush32(struct bitw *w)
{
	uint8_t b[4];
	unsigned i;

	for (i = 0; i < 4; i++)
		b[i] = (uint8_t)(w->acc >> (8 * i));
	if (w->err == SP_OK)
		w->err = sp_buf_append(w->out, b, 4);
	w->acc >>= 32;
	w->n -= 32;
}

/* Appends the low n (<= 32) bits of v, least significant first. */
static void
bw_put(struct bitw *w, uint32_t v, unsigned n)
{
	w->acc |= (uint64_t)v << w->n;
	w->n += n;
	if (w->n >= 32)
		bw_flush32(w);
}

/* Pads with zero bits to a byte boundary and writes out whole bytes. */
static void
bw_align(struct bitw *w)
{
	w->n = (w->n + 7) & ~7u;
	while (w->n > 0) {
		if (w->err == SP_OK)
			w->err = sp_buf_push(w->out, (uint8_t)w->acc);
		w->acc >>= 8;
		w->n -= 8;
	}
}

/* ---- Huffman codes ---------------------------------------------------- */

static int
pm_cmp(const void *a, const void *b)
{
	const struct pm_item *x = a, *y = b;

	if (x->w != y->w)
		return x->w < y->w ? -1 : 1;
	return x->sym < y->sym ? -1 : x->sym > y->sym;
}

/*
 * Optimal code lengths of at most maxbits for freq[0..n) by
 * package-merge. At least two symbols get a code (zero-frequency ones are
 * added when needed, as zlib's deflate does), so every code is complete:
 * inflaters reject incomplete codes other than a single one-bit code.
 */
static void
huff_lengths(struct pm *pm, const uint32_t *freq, unsigned n,
    unsigned maxbits, uint8_t *len)
{
	unsigned k = 0, i, l, np, need;

	memset(len, 0, n);
	for (i = 0; i < n; i++)
		if (freq[i] > 0)
			pm->leaf[k++] = (struct pm_item){
				.w = freq[i], .sym = (int32_t)i };
	for (i = 0; k < 2 && i < n; i++)
		if (freq[i] == 0)
			pm->leaf[k++] = (struct pm_item){
				.w = 1, .sym = (int32_t)i };
	qsort(pm->leaf, k, sizeof(pm->leaf[0]), pm_cmp);
	memcpy(pm->lv[0], pm->leaf, k * sizeof(pm->leaf[0]));
	pm->cnt[0] = k;
	for (l = 1; l < maxbits; l++) {
		/* Merge the leaves with the pairs of the level below. */
		unsigned li = 0, pi = 0;

		np = pm->cnt[l - 1] / 2;
		pm->cnt[l] = 0;
		while (li < k || pi < np) {
			struct pm_item it = { .w = 0, .sym = -1 };

			if (pi < np) {
				it.w = pm->lv[l - 1][2 * pi].w +
				    pm->lv[l - 1][2 * pi + 1].w;
				it.sym = -1;
			}
			if (li < k && (pi >= np || pm->leaf[li].w <= it.w))
				it = pm->leaf[li++];
			else
				pi++;
			pm->lv[l][pm->cnt[l]++] = it;
		}
	}
	/* The first 2k-2 items of the top level; each package selected at a
	 * level selects the next two items of the level below. */
	need = 2 * k - 2;
	for (l = maxbits; l-- > 0;) {
		np = 0;
		for (i = 0; i < need; i++) {
			if (pm->lv[l][i].sym < 0)
				np++;
			else
				len[pm->lv[l][i].sym]++;
		}
		need = 2 * np;
	}
}

/* Canonical codes (RFC 1951 section 3.2.2), bit-reversed for output. */
static void
huff_codes(const uint8_t *len, unsigned n, uint16_t *code)
{
	unsigned count[MAX_BITS + 1] = { 0 }, next[MAX_BITS + 1];
	unsigned i, b, c = 0;

	for (i = 0; i < n; i++)
		count[len[i]]++;
	count[0] = 0;
	for (b = 1; b <= MAX_BITS; b++) {
		c = (c + count[b - 1]) << 1;
		next[b] = c;
	}
	for (i = 0; i < n; i++)
		if (len[i] != 0)
			code[i] = (uint16_t)reverse_bits(next[len[i]]++,
			    len[i]);
}

/* ---- block writing ---------------------------------------------------- */

/* The Huffman side of a dynamic block. */
struct dyn {
	uint8_t lens[N_LITLEN + N_DIST];	/* lit/len, then distance */
	unsigned hlit, hdist, hclen;
	uint8_t cl_len[N_CL];
	uint16_t cl_code[N_CL];
	uint8_t rle[N_LITLEN + N_DIST];		/* code length symbols */
	uint8_t rle_extra[N_LITLEN + N_DIST];
	unsigned nrle;
};

/* Run-length codes the concatenated code lengths (symbols 16, 17, 18). */
static void
dyn_rle(struct dyn *d)
{
	unsigned n = d->hlit + d->hdist, i = 0, run, r;

	d->nrle = 0;
	while (i < n) {
		uint8_t v = d->lens[i];

		for (run = 1; i + run < n && d->lens[i + run] == v; run++)
			;
		i += run;
		if (v == 0) {
			while (run >= 11) {
				r = run < 138 ? run : 138;
				d->rle[d->nrle] = 18;
				d->rle_extra[d->nrle++] = (uint8_t)(r - 11);
				run -= r;
			}
			if (run >= 3) {
				d->rle[d->nrle] = 17;
				d->rle_extra[d->nrle++] = (uint8_t)(run - 3);
				run = 0;
			}
		} else {
			d->rle[d->nrle] = v;
			d->rle_extra[d->nrle++] = 0;
			run--;
			while (run >= 3) {
				r = run < 6 ? run : 6;
				d->rle[d->nrle] = 16;
				d->rle_extra[d->nrle++] = (uint8_t)(r - 3);
				run -= r;
			}
		}
		while (run-- > 0) {
			d->rle[d->nrle] = v;
			d->rle_extra[d->nrle++] = 0;
		}
	}
}

static unsigned
cl_extra_bits(unsigned sym)
{
	return sym == 16 ? 2 : sym == 17 ? 3 : sym == 18 ? 7 : 0;
}

/* Builds the codes of a dynamic block; returns its size in bits. */
static uint64_t
dyn_build(struct pm *pm, struct dyn *d, const struct stats *st)
{
	uint32_t clf[N_CL] = { 0 };
	uint64_t bits;
	unsigned i;

	huff_lengths(pm, st->lit, N_LITLEN, MAX_BITS, d->lens);
	huff_lengths(pm, st->dist, N_DIST, MAX_BITS, d->lens + N_LITLEN);
	for (d->hlit = N_LITLEN; d->hlit > 257 && d->lens[d->hlit - 1] == 0;
	    d->hlit--)
		;
	for (d->hdist = N_DIST; d->hdist > 1 &&
	    d->lens[N_LITLEN + d->hdist - 1] == 0; d->hdist--)
		;
	/* Distance lengths follow the lit/len ones directly. */
	memmove(d->lens + d->hlit, d->lens + N_LITLEN, d->hdist);
	dyn_rle(d);
	for (i = 0; i < d->nrle; i++)
		clf[d->rle[i]]++;
	huff_lengths(pm, clf, N_CL, MAX_CL_BITS, d->cl_len);
	huff_codes(d->cl_len, N_CL, d->cl_code);
	for (d->hclen = N_CL; d->hclen > 4 &&
	    d->cl_len[cl_order[d->hclen - 1]] == 0; d->hclen--)
		;
	bits = 3 + 5 + 5 + 4 + 3 * (uint64_t)d->hclen;
	for (i = 0; i < d->nrle; i++)
		bits += d->cl_len[d->rle[i]] + cl_extra_bits(d->rle[i]);
	for (i = 0; i < N_LITLEN; i++)
		if (i < d->hlit)
			bits += (uint64_t)st->lit[i] * (d->lens[i] +
			    (i > END_BLOCK ? len_extra[i - 257] : 0u));
	for (i = 0; i < N_DIST; i++)
		if (i < d->hdist)
			bits += (uint64_t)st->dist[i] * (d->lens[d->hlit + i] +
			    dist_extra[i]);
	return bits;
}

static unsigned
fixed_lit_len(unsigned sym)
{
	return sym < 144 ? 8 : sym < 256 ? 9 : sym < 280 ? 7 : 8;
}

static uint64_t
fixed_bits(const struct stats *st)
{
	uint64_t bits = 3;
	unsigned i;

	for (i = 0; i < N_LITLEN; i++)
		bits += (uint64_t)st->lit[i] * (fixed_lit_len(i) +
		    (i > END_BLOCK ? len_extra[i - 257] : 0u));
	for (i = 0; i < N_DIST; i++)
		bits += (uint64_t)st->dist[i] * (5u + dist_extra[i]);
	return bits;
}

/* Stored blocks for n > 0 bytes, starting bitpos bits into a byte. */
static uint64_t
stored_bits(size_t n, unsigned bitpos)
{
	uint64_t chunks = (n + 65534) / 65535;

	/* The first header may need up to 7 bits of padding, later ones
	 * start on a byte boundary (3 bits + 5 of padding). */
	return 8 * (uint64_t)n + chunks * (8 + 32) +
	    ((8 - ((bitpos + 3) & 7)) & 7) + 3 - 8;
}

static void
put_tokens(struct bitw *w, const uint32_t *tok, size_t n,
    const uint8_t *ll, const uint16_t *lc, const uint8_t *dl,
    const uint16_t *dc)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t t = tok[i];
		unsigned l, d, c;

		if ((t & MATCH_FLAG) == 0) {
			bw_put(w, lc[t], ll[t]);
			continue;
		}
		l = (t >> 15) & 0x1ff;
		d = (t & 0x7fff) + 1;
		c = len_code(l);
		bw_put(w, lc[257 + c], ll[257 + c]);
		bw_put(w, l - len_base[c], len_extra[c]);
		c = dist_code(d);
		bw_put(w, dc[c], dl[c]);
		bw_put(w, d - dist_base[c], dist_extra[c]);
	}
	bw_put(w, lc[END_BLOCK], ll[END_BLOCK]);
}

static void
write_stored(struct bitw *w, const uint8_t *p, size_t n, bool final)
{
	while (n > 0) {
		const bool last = n <= 65535;
		const size_t k = last ? n : 65535;
		uint8_t hdr[4];

		bw_put(w, (final && last) ? 1u : 0u, 3);	/* BTYPE 00 */
		bw_align(w);
		hdr[0] = (uint8_t)k;
		hdr[1] = (uint8_t)(k >> 8);
		hdr[2] = (uint8_t)~k;
		hdr[3] = (uint8_t)(~k >> 8);
		if (w->err == SP_OK)
			w->err = sp_buf_append(w->out, hdr, 4);
		if (w->err == SP_OK)
			w->err = sp_buf_append(w->out, p, k);
		p += k;
		n -= k;
	}
}

static void
write_fixed(struct bitw *w, const uint32_t *tok, size_t n, bool final)
{
	uint8_t ll[288], dl[N_DIST];
	uint16_t lc[288], dc[N_DIST];
	unsigned i;

	for (i = 0; i < 288; i++)
		ll[i] = (uint8_t)fixed_lit_len(i);
	memset(dl, 5, sizeof(dl));
	huff_codes(ll, 288, lc);
	huff_codes(dl, N_DIST, dc);
	bw_put(w, final ? 1u : 0u, 1);
	bw_put(w, 1, 2);
	put_tokens(w, tok, n, ll, lc, dl, dc);
}

static void
write_dynamic(struct bitw *w, struct dyn *d, const uint32_t *tok, size_t n,
    bool final)
{
	uint16_t lc[N_LITLEN], dc[N_DIST];
	unsigned i;

	huff_codes(d->lens, d->hlit, lc);
	huff_codes(d->lens + d->hlit, d->hdist, dc);
	bw_put(w, final ? 1u : 0u, 1);
	bw_put(w, 2, 2);
	bw_put(w, d->hlit - 257, 5);
	bw_put(w, d->hdist - 1, 5);
	bw_put(w, d->hclen - 4, 4);
	for (i = 0; i < d->hclen; i++)
		bw_put(w, d->cl_len[cl_order[i]], 3);
	for (i = 0; i < d->nrle; i++) {
		bw_put(w, d->cl_code[d->rle[i]], d->cl_len[d->rle[i]]);
		bw_put(w, d->rle_extra[i], cl_extra_bits(d->rle[i]));
	}
	put_tokens(w, tok, n, d->lens, lc, d->lens + d->hlit, dc);
}

/* The pending block, for in[pend_a..b): the smallest of the three
 * kinds. */
static void
write_block(struct enc *e, size_t b, bool final)
{
	struct dyn d;
	uint64_t db, fb, sb;

	db = dyn_build(&e->pm, &d, &e->pend_st);
	fb = fixed_bits(&e->pend_st);
	sb = stored_bits(b - e->pend_a, e->bw.n & 7);
	if (sb < db && sb < fb)
		write_stored(&e->bw, e->in + e->pend_a, b - e->pend_a, final);
	else if (fb <= db)
		write_fixed(&e->bw, e->pend, e->npend, final);
	else
		write_dynamic(&e->bw, &d, e->pend, e->npend, final);
	e->npend = 0;
}

/*
 * Adds the best parse of in[a..b) to the pending block, or writes that
 * block first if one block for both would be larger than two. The last
 * segment is written at once.
 */
static int
add_block(struct enc *e, size_t a, size_t b)
{
	struct stats both;
	struct dyn d;
	void *np;

	if (e->npend > 0) {
		unsigned i;

		for (i = 0; i < N_LITLEN; i++)
			both.lit[i] = e->pend_st.lit[i] + e->best_st.lit[i];
		for (i = 0; i < N_DIST; i++)
			both.dist[i] = e->pend_st.dist[i] + e->best_st.dist[i];
		both.lit[END_BLOCK] = 1;
		if (e->npend + e->nbest > PEND_MAX ||
		    dyn_build(&e->pm, &d, &both) > dyn_build(&e->pm, &d,
		    &e->pend_st) + dyn_build(&e->pm, &d, &e->best_st))
			write_block(e, a, false);
		else
			e->pend_st = both;
	}
	if (e->npend == 0) {
		e->pend_a = a;
		e->pend_st = e->best_st;
	}
	if (e->npend + e->nbest > e->pend_cap) {
		size_t cap = 2 * (e->npend + e->nbest);

		if ((np = grow(e->pend, cap, 4)) == NULL)
			return SP_ERR_NOMEM;
		e->pend = np;
		e->pend_cap = cap;
	}
	memcpy(e->pend + e->npend, e->best, e->nbest * 4);
	e->npend += e->nbest;
	if (b == e->len)
		write_block(e, b, true);
	return e->bw.err;
}

/* ---- cost model ------------------------------------------------------- */

/* -log2(f / total) in cost units, no more than 15 bits; f == 0 counts as
 * half an occurrence. */
static uint32_t
sym_cost(uint32_t f, uint64_t total)
{
	uint32_t c = log2_fx(2 * total) - log2_fx(f > 0 ? 2 * (uint64_t)f :
	    1);

	return min_u32(c, MAX_BITS * COST_BIT);
}

static void
model_from_stats(struct model *m, const struct stats *st, bool flat_dist)
{
	uint64_t tl = 0, td = 0;
	uint32_t lc[29];
	unsigned i;

	for (i = 0; i < N_LITLEN; i++)
		tl += st->lit[i];
	for (i = 0; i < N_DIST; i++)
		td += st->dist[i];
	for (i = 0; i < 256; i++)
		m->lit[i] = sym_cost(st->lit[i], tl);
	for (i = 0; i < 29; i++)
		lc[i] = sym_cost(st->lit[257 + i], tl) +
		    len_extra[i] * COST_BIT;
	for (i = MIN_MATCH; i <= MAX_MATCH; i++)
		m->len[i] = lc[len_code(i)];
	for (i = 0; i < N_DIST; i++)
		m->dist[i] = (flat_dist || td == 0 ? 5 * COST_BIT :
		    sym_cost(st->dist[i], td)) + dist_extra[i] * COST_BIT;
}

/* Length of the next chunk when r > MAX_MATCH bytes of a run remain: 258,
 * or less so that at least MIN_MATCH are left. */
static uint32_t
chunk_len(uint32_t r)
{
	return r - MAX_MATCH >= MIN_MATCH ? MAX_MATCH : r - MIN_MATCH;
}

/* r (<= MAX_MATCH) bytes equal to the previous one: as literals? */
static bool
run_as_literals(const struct model *m, uint8_t v, uint32_t r)
{
	return r < MIN_MATCH ||
	    (uint64_t)r * m->lit[v] <= (uint64_t)m->len[r] + m->dist[0];
}

/* Cost of r bytes v that follow a byte v: literals or distance-1
 * matches. */
static uint32_t
run_cost(const struct model *m, uint8_t v, uint32_t r)
{
	uint32_t c = 0;

	while (r > MAX_MATCH) {
		const uint32_t k = chunk_len(r);

		c += m->len[k] + m->dist[0];
		r -= k;
	}
	if (run_as_literals(m, v, r))
		return c + r * m->lit[v];
	return c + m->len[r] + m->dist[0];
}

/* Cost of r bytes v; prevsame: the byte before them is v as well. */
static uint32_t
plain_cost(const struct model *m, uint8_t v, uint32_t r, bool prevsame)
{
	if (r == 0)
		return 0;
	if (prevsame)
		return run_cost(m, v, r);
	return m->lit[v] + run_cost(m, v, r - 1);
}

/* ---- tokens and statistics -------------------------------------------- */

static void
tok_lit(struct enc *e, uint8_t v)
{
	e->tok[e->ntok++] = v;
	e->st.lit[v]++;
}

static void
tok_match(struct enc *e, uint32_t l, uint32_t d)
{
	e->tok[e->ntok++] = MATCH_FLAG | l << 15 | (d - 1);
	e->st.lit[257 + len_code(l)]++;
	e->st.dist[dist_code(d)]++;
}

/* The tokens plain_cost prices. */
static void
emit_plain(struct enc *e, uint8_t v, uint32_t r, bool prevsame)
{
	if (r == 0)
		return;
	if (!prevsame) {
		tok_lit(e, v);
		r--;
	}
	while (r > MAX_MATCH) {
		const uint32_t k = chunk_len(r);

		tok_match(e, k, 1);
		r -= k;
	}
	if (run_as_literals(&e->m, v, r)) {
		while (r-- > 0)
			tok_lit(e, v);
	} else {
		tok_match(e, r, 1);
	}
}

/* ---- runs and matches ------------------------------------------------- */

/* Runs of in[w..b), split at a (the segment start). */
static int
build_runs(struct enc *e, size_t w, size_t a, size_t b, size_t *nwin)
{
	struct runs *r = &e->r;
	size_t p = w, need = b - w;
	void *np;

	/* At most one run per byte. */
	if (need > r->cap) {
		if ((np = grow(r->rv, need, 1)) == NULL)
			return SP_ERR_NOMEM;
		r->rv = np;
		if ((np = grow(r->rn, need, 4)) == NULL)
			return SP_ERR_NOMEM;
		r->rn = np;
		if ((np = grow(r->rs, need, 4)) == NULL)
			return SP_ERR_NOMEM;
		r->rs = np;
		if ((np = grow(r->prev, need, 4)) == NULL)
			return SP_ERR_NOMEM;
		r->prev = np;
		if ((np = grow(r->prev2, need, 4)) == NULL)
			return SP_ERR_NOMEM;
		r->prev2 = np;
		r->cap = need;
	}
	r->n = 0;
	*nwin = 0;
	while (p < b) {
		const uint8_t v = e->in[p];
		const size_t end = p < a ? a : b;
		size_t q = p + 1;

		while (q < end && e->in[q] == v)
			q++;
		r->rv[r->n] = v;
		r->rs[r->n] = (uint32_t)p;
		r->rn[r->n] = (uint32_t)(q - p);
		r->n++;
		p = q;
		if (p == a)
			*nwin = r->n;
	}
	return SP_OK;
}

/* Short chain key of run j: its value and the value and length of the
 * next run (j + 1 < n). */
static uint32_t
run_hash(const struct runs *r, size_t j)
{
	uint32_t h = (uint32_t)r->rv[j] | (uint32_t)r->rv[j + 1] << 8;

	h = (h ^ r->rn[j + 1] * 0x9e3779b1u) * 0x85ebca6bu;
	return h >> (32 - HASH_BITS);
}

/* Long chain key: the short one and the run after next (j + 2 < n). */
static uint32_t
run_hash2(const struct runs *r, size_t j)
{
	uint32_t h = run_hash(r, j) ^ (uint32_t)r->rv[j + 2] << 16;

	h = (h ^ r->rn[j + 2] * 0xc2b2ae35u) * 0x27d4eb2fu;
	return h >> (32 - HASH_BITS);
}

/* Bytes after run m that equal those after run j (j < m), at most
 * MAX_MATCH. */
static uint32_t
match_ext(const struct runs *r, size_t j, size_t m)
{
	uint32_t ext = 0;

	while (++m < r->n) {
		j++;
		if (r->rv[j] != r->rv[m])
			break;
		if (r->rn[j] != r->rn[m]) {
			ext += min_u32(r->rn[j], r->rn[m]);
			break;
		}
		ext += r->rn[m];
		if (ext >= MAX_MATCH)
			break;
	}
	return min_u32(ext, MAX_MATCH);
}

/*
 * Considers source run j for target run m (j < m): kept among the
 * MAX_CAND in c[0..*nc) if no kept one (nearer, as chains are walked
 * nearest first) covers as much both before and after the end of m; when
 * all places are taken, in place of the one that covers least. Returns
 * false once j is out of the window.
 */
static bool
consider(const struct runs *r, size_t j, size_t m, struct cand *c,
    unsigned *nc)
{
	uint32_t endj = r->rs[j] + r->rn[j], endm = r->rs[m] + r->rn[m];
	uint32_t km = min_u32(r->rn[m], MAX_MATCH), k, ext;
	unsigned i, worst = 0;

	if (endm - endj > WINDOW)
		return false;
	if (r->rv[j] != r->rv[m])
		return true;
	k = min_u32(r->rn[j], km);
	ext = match_ext(r, j, m);
	if (k + ext < MIN_MATCH)
		return true;
	for (i = 0; i < *nc; i++) {
		uint32_t ki = min_u32(c[i].kj, km);

		if (ki >= k && c[i].ext >= ext)
			return true;
		if (ki + c[i].ext < min_u32(c[worst].kj, km) + c[worst].ext)
			worst = i;
	}
	if (*nc == MAX_CAND) {
		if (min_u32(c[worst].kj, km) + c[worst].ext >= k + ext)
			return true;
		i = worst;
	} else {
		i = (*nc)++;
	}
	c[i] = (struct cand){
		.dist1 = (uint16_t)(endm - endj - 1),
		.kj = (uint16_t)min_u32(r->rn[j], MAX_MATCH),
		.ext = (uint16_t)ext,
	};
	return true;
}

/* Matches for each run of the segment (runs nwin..n-1): the nearest few
 * runs with the same short key, then more with the same long key (which
 * agree on two runs after m, so reach further). */
static void
find_matches(struct enc *e, size_t nwin)
{
	struct runs *r = &e->r;
	size_t m;

	memset(e->head, 0xff, sizeof(e->head));
	memset(e->head2, 0xff, sizeof(e->head2));
	for (m = 0; m + 1 < r->n; m++) {
		uint32_t h = run_hash(r, m), h2 = 0;
		bool two = m + 2 < r->n;

		if (two)
			h2 = run_hash2(r, m);
		if (m >= nwin) {
			struct cand *c = &e->cand[(m - nwin) * MAX_CAND];
			unsigned steps, nc = 0;
			int32_t j;

			for (j = e->head[h], steps = 0; j >= 0 &&
			    steps < MAX_CHAIN; j = r->prev[j], steps++)
				if (!consider(r, (size_t)j, m, c, &nc))
					break;
			for (j = two ? e->head2[h2] : -1, steps = 0; j >= 0 &&
			    steps < MAX_CHAIN2; j = r->prev2[j], steps++)
				if (!consider(r, (size_t)j, m, c, &nc))
					break;
			e->ncand[m - nwin] = (uint8_t)nc;
		}
		r->prev[m] = e->head[h];
		e->head[h] = (int32_t)m;
		if (two) {
			r->prev2[m] = e->head2[h2];
			e->head2[h2] = (int32_t)m;
		}
	}
	if (r->n > nwin)
		e->ncand[r->n - 1 - nwin] = 0;
}

/* ---- shortest path ---------------------------------------------------- */

static int
u16_cmp(const void *a, const void *b)
{
	const uint16_t *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/* Index of offset o among the slots of segment run i. */
static uint32_t
slot_at(const struct enc *e, size_t i, uint16_t o)
{
	uint32_t lo = e->sbase[i], hi = e->sbase[i + 1];

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (e->soff[mid] <= o)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The slots of the segment: the start of each run, each offset inside a
 * run where some match ends, and the end; then the end points of each
 * match as slots. Fixed for all passes.
 */
static int
plan_slots(struct enc *e, size_t nwin)
{
	const struct runs *r = &e->r;
	const size_t nseg = r->n - nwin;
	size_t m, i, u, nmid = 0, ns = 0;
	void *np;

	/* Where each match ends: run u (nseg: the segment end), offset. */
	memset(e->cnt, 0, (nseg + 1) * sizeof(*e->cnt));
	for (m = nwin; m < r->n; m++) {
		const size_t ci = (m - nwin) * MAX_CAND;
		const uint32_t endm = r->rs[m] + r->rn[m];

		for (i = 0; i < e->ncand[m - nwin]; i++) {
			uint32_t efull = endm + e->cand[ci + i].ext;

			for (u = m + 1; u < r->n && r->rs[u] + r->rn[u] <= efull;
			    u++)
				;
			e->cu[ci + i] = (uint32_t)(u - nwin);
			e->co[ci + i] = (uint16_t)(u < r->n ? efull - r->rs[u] :
			    0);
			if (e->co[ci + i] > 0) {
				e->cnt[u - nwin]++;
				nmid++;
			}
		}
	}
	/* Group the inner offsets by run (counting sort), sort each group
	 * and number the slots. */
	if (nmid > 0) {
		if ((np = grow(e->mid, nmid, sizeof(*e->mid))) == NULL)
			return SP_ERR_NOMEM;
		e->mid = np;
	}
	for (i = 0, u = 0; i < nseg; i++) {
		size_t c = e->cnt[i];

		e->cnt[i] = (uint32_t)u;
		u += c;
	}
	e->cnt[nseg] = (uint32_t)u;
	for (m = 0; m < nseg * MAX_CAND; m++)
		if (m % MAX_CAND < e->ncand[m / MAX_CAND] && e->co[m] > 0)
			e->mid[e->cnt[e->cu[m]]++] = e->co[m];
	/* cnt[i] is now the end of group i, which starts at cnt[i - 1]. */
	if (nseg + nmid + 1 > e->slot_cap) {
		if ((np = grow(e->slot, nseg + nmid + 1, sizeof(*e->slot))) ==
		    NULL)
			return SP_ERR_NOMEM;
		e->slot = np;
		if ((np = grow(e->soff, nseg + nmid + 1, 2)) == NULL)
			return SP_ERR_NOMEM;
		e->soff = np;
		if ((np = grow(e->path, nseg + nmid + 1, 4)) == NULL)
			return SP_ERR_NOMEM;
		e->path = np;
		e->slot_cap = nseg + nmid + 1;
	}
	for (i = 0, u = 0; i < nseg; i++) {
		size_t g0 = u, g1 = e->cnt[i], k;

		u = g1;
		if (g1 - g0 > 16) {
			qsort(e->mid + g0, g1 - g0, sizeof(*e->mid), u16_cmp);
		} else {
			for (k = g0 + 1; k < g1; k++) {
				uint16_t x = e->mid[k];
				size_t y = k;

				for (; y > g0 && e->mid[y - 1] > x; y--)
					e->mid[y] = e->mid[y - 1];
				e->mid[y] = x;
			}
		}
		e->sbase[i] = (uint32_t)ns;
		e->soff[ns++] = 0;
		for (k = g0; k < g1; k++)
			if (e->mid[k] != e->soff[ns - 1])
				e->soff[ns++] = e->mid[k];
	}
	e->sbase[nseg] = (uint32_t)ns;
	e->soff[ns++] = 0;
	e->sbase[nseg + 1] = (uint32_t)ns;
	/* End points of each match: run ends inside it (the first
	 * MAX_ENDS), then its own end. */
	e->nmend = 0;
	for (m = nwin; m < r->n; m++) {
		const size_t ci = (m - nwin) * MAX_CAND;
		const uint32_t endm = r->rs[m] + r->rn[m];

		for (i = 0; i < e->ncand[m - nwin]; i++) {
			uint32_t efull = endm + e->cand[ci + i].ext, ne = 0;

			if (e->nmend + MAX_ENDS + 1 > e->mend_cap) {
				size_t cap = 2 * e->mend_cap + 4 * MAX_ENDS;

				if ((np = grow(e->mend, cap, sizeof(*e->mend)))
				    == NULL)
					return SP_ERR_NOMEM;
				e->mend = np;
				e->mend_cap = cap;
			}
			e->cfirst[ci + i] = (uint32_t)e->nmend;
			for (u = m + 1; u < r->n && ne < MAX_ENDS &&
			    r->rs[u] + r->rn[u] < efull; u++, ne++)
				e->mend[e->nmend++] = (struct mend){
					.pos = r->rs[u] + r->rn[u],
					.slot = e->sbase[u + 1 - nwin] };
			e->mend[e->nmend++] = (struct mend){ .pos = efull,
			    .slot = slot_at(e, e->cu[ci + i], e->co[ci + i]) };
			e->cnend[ci + i] = (uint8_t)(ne + 1);
		}
	}
	return SP_OK;
}

static void
relax(struct slot *s, uint32_t to, uint32_t cost, uint32_t from,
    uint32_t len, uint32_t dist1)
{
	if (cost < s[to].cost)
		s[to] = (struct slot){ .cost = cost, .from = from,
		    .len = (uint16_t)len, .dist1 = (uint16_t)dist1 };
}

/* Edges from slot si, in segment run m. */
static void
relax_from(struct enc *e, size_t nwin, size_t m, uint32_t si)
{
	const struct runs *r = &e->r;
	const struct model *md = &e->m;
	const uint8_t v = r->rv[m];
	const uint32_t o = e->soff[si], cost = e->slot[si].cost;
	const uint32_t p = r->rs[m] + o, endm = r->rs[m] + r->rn[m];
	const uint32_t c = r->rn[m] - o;
	const bool same = o > 0;
	const size_t ci = (m - nwin) * MAX_CAND;
	unsigned i, nc = e->ncand[m - nwin];

	relax(e->slot, e->sbase[m + 1 - nwin],
	    cost + plain_cost(md, v, c, same), si, 0, 0);
	for (i = 0; i < nc; i++) {
		const struct cand *cd = &e->cand[ci + i];
		const struct mend *me = &e->mend[e->cfirst[ci + i]];
		uint32_t k = min_u32(c, cd->kj), s0 = endm - k, dc;
		unsigned x, ne = e->cnend[ci + i];

		dc = md->dist[dist_code((unsigned)cd->dist1 + 1)];
		for (x = 0; x < ne; x++) {
			uint32_t st = s0, l;

			if (me[x].pos > MAX_MATCH && me[x].pos - MAX_MATCH > st)
				st = me[x].pos - MAX_MATCH;
			if (st >= endm || me[x].pos - st < MIN_MATCH)
				continue;
			l = me[x].pos - st;
			relax(e->slot, me[x].slot, cost +
			    plain_cost(md, v, st - p, same) + md->len[l] + dc,
			    si, l, cd->dist1);
		}
	}
}

/* One parse of the segment under e->m: the tokens and their statistics
 * land in e->tok and e->st. */
static void
parse(struct enc *e, size_t nwin, uint32_t end)
{
	const struct runs *r = &e->r;
	const size_t nseg = r->n - nwin;
	const uint32_t last = e->sbase[nseg];
	uint32_t s, np = 0;
	size_t m, u;

	for (s = 0; s <= last; s++)
		e->slot[s].cost = COST_INF;
	e->slot[0].cost = 0;
	for (m = nwin; m < r->n; m++)
		for (s = e->sbase[m - nwin]; s < e->sbase[m + 1 - nwin]; s++)
			if (e->slot[s].cost != COST_INF)
				relax_from(e, nwin, m, s);
	/* Walk back from the end, then emit forwards; the runs of the
	 * slots on the path only grow. */
	for (s = last; s != 0; s = e->slot[s].from)
		e->path[np++] = s;
	memset(&e->st, 0, sizeof(e->st));
	e->ntok = 0;
	m = u = 0;
	while (np-- > 0) {
		const uint32_t to = e->path[np];
		const struct slot *t = &e->slot[to];
		uint32_t p, q;

		while (e->sbase[m + 1] <= t->from)
			m++;
		while (e->sbase[u + 1] <= to)
			u++;
		p = r->rs[nwin + m] + e->soff[t->from];
		q = to == last ? end : r->rs[nwin + u] + e->soff[to];
		if (t->len == 0) {
			emit_plain(e, r->rv[nwin + m], q - p,
			    e->soff[t->from] > 0);
		} else {
			emit_plain(e, r->rv[nwin + m], q - t->len - p,
			    e->soff[t->from] > 0);
			tok_match(e, t->len, (uint32_t)t->dist1 + 1);
		}
	}
	e->st.lit[END_BLOCK] = 1;
}

/* ---- segments --------------------------------------------------------- */

/* Statistics of the parse without matches between runs, as a start. */
static void
plain_stats(struct enc *e, size_t nwin)
{
	size_t m;

	memset(&e->st, 0, sizeof(e->st));
	for (m = nwin; m < e->r.n; m++) {
		uint32_t r = e->r.rn[m] - 1;

		e->st.lit[e->r.rv[m]]++;
		while (r > MAX_MATCH) {
			e->st.lit[257 + len_code(chunk_len(r))]++;
			e->st.dist[0]++;
			r -= chunk_len(r);
		}
		if (r < MIN_MATCH) {
			e->st.lit[e->r.rv[m]] += r;
		} else {
			e->st.lit[257 + len_code(r)]++;
			e->st.dist[0]++;
		}
	}
	e->st.lit[END_BLOCK] = 1;
}

static int
segment(struct enc *e, size_t a, size_t b, bool first)
{
	size_t w = a > WINDOW ? a - WINDOW : 0, nwin, nseg;
	unsigned pass, passes = first ? PASSES_FIRST : PASSES_NEXT;
	uint64_t best = UINT64_MAX;
	void *np;
	int r;

	if ((r = build_runs(e, w, a, b, &nwin)) != SP_OK)
		return r;
	nseg = e->r.n - nwin;
	if (nseg > e->seg_cap) {
		size_t nc = nseg * MAX_CAND;

		if ((np = grow(e->cand, nc, sizeof(*e->cand))) == NULL)
			return SP_ERR_NOMEM;
		e->cand = np;
		if ((np = grow(e->cu, nc, 4)) == NULL)
			return SP_ERR_NOMEM;
		e->cu = np;
		if ((np = grow(e->co, nc, 2)) == NULL)
			return SP_ERR_NOMEM;
		e->co = np;
		if ((np = grow(e->cfirst, nc, 4)) == NULL)
			return SP_ERR_NOMEM;
		e->cfirst = np;
		if ((np = grow(e->cnend, nc, 1)) == NULL)
			return SP_ERR_NOMEM;
		e->cnend = np;
		if ((np = grow(e->ncand, nseg, 1)) == NULL)
			return SP_ERR_NOMEM;
		e->ncand = np;
		if ((np = grow(e->cnt, nseg + 1, 4)) == NULL)
			return SP_ERR_NOMEM;
		e->cnt = np;
		if ((np = grow(e->sbase, nseg + 2, 4)) == NULL)
			return SP_ERR_NOMEM;
		e->sbase = np;
		e->seg_cap = nseg;
	}
	/* Every token covers at least one byte. */
	if (b - a > e->tok_cap) {
		if ((np = grow(e->tok, b - a, 4)) == NULL)
			return SP_ERR_NOMEM;
		e->tok = np;
		if ((np = grow(e->best, b - a, 4)) == NULL)
			return SP_ERR_NOMEM;
		e->best = np;
		e->tok_cap = b - a;
	}
	find_matches(e, nwin);
	if ((r = plan_slots(e, nwin)) != SP_OK)
		return r;
	if (first) {
		plain_stats(e, nwin);
		model_from_stats(&e->m, &e->st, true);
	} else {
		model_from_stats(&e->m, &e->best_st, false);
	}
	for (pass = 0; pass < passes; pass++) {
		struct dyn d;
		uint64_t bits;

		parse(e, nwin, (uint32_t)b);
		bits = dyn_build(&e->pm, &d, &e->st);
		if (bits < best) {
			uint32_t *t = e->best;

			best = bits;
			e->best = e->tok;
			e->tok = t;
			e->nbest = e->ntok;
			e->best_st = e->st;
		}
		model_from_stats(&e->m, &e->st, false);
	}
	return add_block(e, a, b);
}

static void
enc_free(struct enc *e)
{
	free(e->r.rv);
	free(e->r.rn);
	free(e->r.rs);
	free(e->r.prev);
	free(e->r.prev2);
	free(e->cand);
	free(e->ncand);
	free(e->cu);
	free(e->co);
	free(e->cfirst);
	free(e->cnend);
	free(e->cnt);
	free(e->mid);
	free(e->sbase);
	free(e->soff);
	free(e->mend);
	free(e->slot);
	free(e->path);
	free(e->tok);
	free(e->best);
	free(e->pend);
	free(e);
}

/* Our zlib stream of in[0..len) appended to out. */
static int
encode(struct sp_buf *out, const uint8_t *in, size_t len)
{
	struct enc *e;
	size_t a, nseg, seg;
	uLong adler;
	uint8_t tail[4];
	int r;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return SP_ERR_NOMEM;
	e->in = in;
	e->len = len;
	e->bw = (struct bitw){ .out = out, .err = SP_OK };
	/* CMF 0x78: deflate, 32K window; FLG 0xda: level 3 (best), no
	 * dictionary, check bits make 0x78da a multiple of 31. */
	bw_put(&e->bw, 0x78, 8);
	bw_put(&e->bw, 0xda, 8);
	if (len == 0) {
		/* A final fixed block holding only end-of-block. */
		bw_put(&e->bw, 1, 1);
		bw_put(&e->bw, 1, 2);
		bw_put(&e->bw, 0, 7);
	}
	nseg = (len + SEG_BYTES - 1) / SEG_BYTES;
	seg = nseg > 0 ? (len + nseg - 1) / nseg : 0;
	for (a = 0; a < len && e->bw.err == SP_OK; a += seg) {
		size_t b = len - a > seg ? a + seg : len;

		if ((r = segment(e, a, b, a == 0)) != SP_OK) {
			enc_free(e);
			return r;
		}
	}
	bw_align(&e->bw);
	adler = adler32(1L, in, (uInt)len);
	tail[0] = (uint8_t)(adler >> 24);
	tail[1] = (uint8_t)(adler >> 16);
	tail[2] = (uint8_t)(adler >> 8);
	tail[3] = (uint8_t)adler;
	if (e->bw.err == SP_OK)
		e->bw.err = sp_buf_append(out, tail, 4);
	r = e->bw.err;
	enc_free(e);
	return r;
}

int
reg_sparse_deflate(struct sp_buf *out, const uint8_t *in, size_t len)
{
	struct sp_buf ours, z;
	size_t i, runs = len > 0 ? 1 : 0;
	bool dense, check;
	int r = SP_ERR_INVALID_ARG;

	sp_buf_init(&ours);
	sp_buf_init(&z);
	if (out == NULL || (in == NULL && len != 0))
		goto fail;
	r = SP_ERR_TOO_LARGE;
	if (len > REG_SPARSE_DEFLATE_MAX)
		goto fail;
	for (i = 1; i < len; i++)
		runs += in[i] != in[i - 1];
	/* Small inputs are cheap enough to compress both ways, dense or
	 * not. */
	dense = len > ZLIB_SMALL && runs > len / DENSE_BYTES_PER_RUN;
	if (!dense && (r = encode(&ours, in, len)) != SP_OK)
		goto fail;
	check = dense || len <= ZLIB_SMALL || ours.len > len / ZLIB_RATIO;
	if (check && (r = qrt_deflate(&z, in, len, ZLIB_LEVEL)) != SP_OK)
		goto fail;
	if (check && (dense || z.len < ours.len))
		r = sp_buf_append(out, z.ptr, z.len);
	else
		r = sp_buf_append(out, ours.ptr, ours.len);
fail:
	sp_buf_clear(&ours);
	sp_buf_clear(&z);
	return r;
}
