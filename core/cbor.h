/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict CBOR (RFC 8949) codec. The encoder emits core deterministic
 * encoding (section 4.2.1): shortest heads, definite lengths, shortest exact
 * floats; map key order is the caller's job (emit keys in bytewise order of
 * their encodings; cbor_check(CBOR_F_DETERMINISTIC) verifies it).
 * The decoder is zero-copy and bounded: cbor_check() validates a whole
 * buffer once; the reader then walks it without allocating.
 */
#ifndef STADSPAS_CORE_CBOR_H
#define STADSPAS_CORE_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_buf.h"

enum cbor_major {
	CBOR_UINT = 0,
	CBOR_NINT = 1,
	CBOR_BSTR = 2,
	CBOR_TSTR = 3,
	CBOR_ARRAY = 4,
	CBOR_MAP = 5,
	CBOR_TAG = 6,
	CBOR_SIMPLE = 7,	/* simple values and floats */
};

enum cbor_simple {
	CBOR_FALSE = 20,
	CBOR_TRUE = 21,
	CBOR_NULL = 22,
	CBOR_UNDEFINED = 23,
};

/* ---- Encoder ---------------------------------------------------------- */

/* Appends to a caller-owned buffer. Errors are sticky: after the first
 * failure every put is a no-op and cbor_enc_finish() returns the error
 * (SP_ERR_NOMEM/SP_ERR_TOO_LARGE from the buffer, SP_ERR_INVALID_ARG for a
 * NULL out or pointer with a non-zero length, SP_ERR_CBOR_UTF8 for a text
 * string that is not valid UTF-8). Not thread-safe per encoder. */
struct cbor_enc {
	struct sp_buf *out;	/* borrowed */
	int err;
};

void cbor_enc_init(struct cbor_enc *e, struct sp_buf *out);
int cbor_enc_finish(const struct cbor_enc *e);

void cbor_put_uint(struct cbor_enc *e, uint64_t v);
void cbor_put_int(struct cbor_enc *e, int64_t v);
/* A negative integer -1 - n, for the full range of major type 1. */
void cbor_put_nint_raw(struct cbor_enc *e, uint64_t n);
void cbor_put_bstr(struct cbor_enc *e, const uint8_t *p, size_t len);
/* Only the head of a byte string of len bytes: the caller appends the
 * contents (e.g. a nested encoding) with cbor_put_raw(). */
void cbor_put_bstr_head(struct cbor_enc *e, size_t len);
void cbor_put_tstr(struct cbor_enc *e, const char *s, size_t len);
void cbor_put_tstrz(struct cbor_enc *e, const char *s);
void cbor_put_array(struct cbor_enc *e, size_t n);
void cbor_put_map(struct cbor_enc *e, size_t n);
void cbor_put_tag(struct cbor_enc *e, uint64_t tag);
void cbor_put_bool(struct cbor_enc *e, bool v);
void cbor_put_null(struct cbor_enc *e);
/* Simple value 0..19 or 32..255 (20..22 have their own puts; 20..23 are
 * accepted too, so undefined is cbor_put_simple(e, CBOR_UNDEFINED));
 * 24..31 set SP_ERR_INVALID_ARG. */
void cbor_put_simple(struct cbor_enc *e, uint8_t v);
/* Shortest of half/single/double that represents v exactly; NaN as f97e00. */
void cbor_put_float(struct cbor_enc *e, double v);
/* Appends already-encoded CBOR bytes verbatim. */
void cbor_put_raw(struct cbor_enc *e, const uint8_t *p, size_t len);

/* ---- Validation ------------------------------------------------------- */

struct cbor_limits {
	size_t max_len;		/* whole input, bytes */
	unsigned max_depth;	/* nesting of arrays/maps/tags; top = 1 */
	size_t max_items;	/* data items in total */
	size_t max_count;	/* elements of one array / pairs of one map */
	size_t max_str;		/* bytes of one string */
};
/*
 * Precisely: an array, map or tag opened inside d open arrays/maps/tags
 * needs d + 1 <= max_depth (so 0 allows scalars only; [[1]] needs 2);
 * max_depth is capped at 64 whatever the caller asks. max_items counts
 * every head except string chunks and breaks (a tag is a head too).
 * max_str applies to the total length of an indefinite string. Inputs over
 * 4 GiB are SP_ERR_TOO_LARGE whatever max_len says.
 */

/* Sensible caps for small signed objects (passes, presentations):
 * { max_len 65536, max_depth 16, max_items 4096, max_count 256,
 *   max_str 16384 }. */
extern const struct cbor_limits cbor_limits_default;

enum cbor_flags {
	/* Core deterministic encoding: shortest heads and floats, no
	 * indefinite lengths, map keys strictly ascending (bytewise on their
	 * encodings, which also rules out duplicates). */
	CBOR_F_DETERMINISTIC = 1u << 0,
	/* Allow indefinite-length strings/arrays/maps (lenient readers only;
	 * ignored with CBOR_F_DETERMINISTIC). */
	CBOR_F_ALLOW_INDEF = 1u << 1,
	/* Allow a prefix: bytes after the first item are not an error. */
	CBOR_F_ALLOW_TRAILING = 1u << 2,
};

/*
 * Checks that buf[0..len) is exactly one well-formed CBOR item (RFC 8949
 * section 3, including "simple values < 32 must use the one-byte form")
 * within the limits. Always rejects: reserved additional info 28..30,
 * break outside an indefinite item, duplicate map keys (by value for
 * integer and string keys), invalid UTF-8 in text strings.
 * On failure returns a SP_ERR_CBOR_* code (or SP_ERR_TOO_LARGE) and, if
 * err_off is not NULL, the byte offset where the problem was found.
 *
 * Details. lim NULL means cbor_limits_default. Duplicate keys: integers,
 * strings (definite or chunked), simple values and floats (after widening
 * to double, so f93c00 == fa3f800000; 0.0 != -0.0) compare by value;
 * arrays, maps and tagged keys by their encoded bytes. With
 * CBOR_F_DETERMINISTIC additionally: NaN only as f97e00, and tags 2/3 on a
 * byte string use preferred bignum serialization (RFC 8949 3.4.3: no
 * leading zero byte, more than 8 bytes), else SP_ERR_CBOR_NONCANONICAL.
 * err_off: the head of the offending item (limit, depth, non-canonical,
 * malformed, a truncated head or string, an array/map whose count exceeds
 * the bytes left), the later key of a duplicate or misordered pair, the
 * first byte of a bad UTF-8 sequence, len when input ends where an item
 * was expected, the first trailing byte, max_len for SP_ERR_TOO_LARGE.
 * SP_ERR_INVALID_ARG for buf NULL with len > 0. Lenient duplicate
 * detection sorts each map's keys (n <= max_count) in place: O(n log n)
 * comparisons; deterministic mode compares each key with the previous
 * one only. Lenient mode also fails with SP_ERR_CBOR_LIMIT if more than
 * 2048 keys of still-open maps are pending at once (the defaults, with
 * max_items 4096, cannot get there).
 * Linear time; no allocation; about 20 KiB of stack. Thread-safe.
 */
int cbor_check(const uint8_t *buf, size_t len, const struct cbor_limits *lim,
    unsigned flags, size_t *err_off);

/* ---- Reader ----------------------------------------------------------- */

/* One item head as read. For strings ptr/len are the contents (zero-copy,
 * borrowed from the input). For arrays and maps val is the element/pair
 * count and the children follow. raw/raw_len span the whole encoded item,
 * children included. */
struct cbor_item {
	enum cbor_major major;
	uint8_t ai;		/* additional information (low 5 bits) */
	bool indefinite;
	uint64_t val;		/* uint, nint n (value -1-n), count, tag,
				 * simple value */
	double f;		/* float value when major == CBOR_SIMPLE and
				 * ai is 25, 26 or 27 */
	const uint8_t *ptr;	/* string contents */
	size_t len;		/* string length */
	const uint8_t *raw;
	size_t raw_len;
};

/* A bounds-checked cursor. Errors are sticky in err. Definite lengths
 * only: an indefinite item makes the read fail with SP_ERR_CBOR_INDEFINITE
 * (validate with cbor_check first; use cbor_diag for lenient output). */
struct cbor_reader {
	const uint8_t *p;
	const uint8_t *end;
	unsigned depth_left;	/* unused: cbor_skip is iterative */
	int err;
};
/* The reader checks bounds and well-formedness of what it reads (reserved
 * ai, breaks, two-byte simple < 32) but not UTF-8, duplicate keys, key
 * order or limits: that is cbor_check's job. A type mismatch is sticky
 * (SP_ERR_CBOR_TYPE), as is an int that does not fit (SP_ERR_CBOR_VALUE).
 * For floats, cbor_item.val holds the raw half/single/double bits. */

void cbor_reader_init(struct cbor_reader *r, const uint8_t *buf, size_t len);
bool cbor_reader_done(const struct cbor_reader *r);	/* at end, no error */
/* Reads the next item; strings are consumed whole, containers only their
 * head; raw_len still covers the whole item (so reading a container walks
 * its children once to find its end). */
int cbor_read(struct cbor_reader *r, struct cbor_item *it);
/* Major type of the next item without consuming it; -1 at end/error. */
int cbor_peek(const struct cbor_reader *r);
int cbor_skip(struct cbor_reader *r);
int cbor_read_uint(struct cbor_reader *r, uint64_t *v);
/* An integer of major 0 or 1 that fits int64_t. */
int cbor_read_int(struct cbor_reader *r, int64_t *v);
int cbor_read_bstr(struct cbor_reader *r, const uint8_t **p, size_t *len);
int cbor_read_tstr(struct cbor_reader *r, const char **s, size_t *len);
int cbor_read_array(struct cbor_reader *r, uint64_t *n);
int cbor_read_map(struct cbor_reader *r, uint64_t *n);
int cbor_read_tag(struct cbor_reader *r, uint64_t *tag);
int cbor_read_bool(struct cbor_reader *r, bool *v);
/* Consumes a null if the next item is null; returns true if it did.
 * Never sets err. */
bool cbor_read_null(struct cbor_reader *r);

/* ---- Diagnostic notation ---------------------------------------------- */

/*
 * Appends RFC 8949 section 8 diagnostic notation of one item (indefinite
 * lengths shown with '_'), e.g. {1: h'01', "a": [_ 1, 2]}. Floats use the
 * shortest round-trip form ("1.5", "1.0e+300", "Infinity", "NaN"); tags 2/3
 * with up to 16 bytes print as decimal bignums. With pretty, nests with
 * newlines and two-space indents. Validates as cbor_check(flags
 * CBOR_F_ALLOW_INDEF) does, with the given limits (NULL: defaults).
 * Floats are laid out as ECMAScript prints numbers (plain for
 * 1e-7 <= |v| < 1e21) with ".0" added to integral mantissas, as the
 * RFC's appendix A does; text strings escape only '"', '\\' and control
 * characters (as \u00XX) and print other characters as UTF-8. Empty
 * indefinite strings print as ''_ and ""_ (RFC 8949 section 8.1). On
 * failure out is left as it was.
 */
int cbor_diag(struct sp_buf *out, const uint8_t *buf, size_t len,
    const struct cbor_limits *lim, bool pretty);

#endif /* STADSPAS_CORE_CBOR_H */
