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
 * failure every put is a no-op and cbor_enc_finish() returns the error. */
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
/* Simple value 0..19 or 32..255 (20..23 have their own puts). */
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

/* Sensible caps for small signed objects (passes, presentations). */
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
	unsigned depth_left;	/* for cbor_skip recursion */
	int err;
};

void cbor_reader_init(struct cbor_reader *r, const uint8_t *buf, size_t len);
bool cbor_reader_done(const struct cbor_reader *r);	/* at end, no error */
/* Reads the next item; strings are consumed whole, containers only their
 * head; raw_len still covers the whole item. */
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
/* Consumes a null if the next item is null; returns true if it did. */
bool cbor_read_null(struct cbor_reader *r);

/* ---- Diagnostic notation ---------------------------------------------- */

/*
 * Appends RFC 8949 section 8 diagnostic notation of one item (indefinite
 * lengths shown with '_'), e.g. {1: h'01', "a": [_ 1, 2]}. Floats use the
 * shortest round-trip form ("1.5", "1.0e+300", "Infinity", "NaN"); tags 2/3
 * with up to 16 bytes print as decimal bignums. With pretty, nests with
 * newlines and two-space indents. Validates as cbor_check(flags
 * CBOR_F_ALLOW_INDEF) does, with the given limits.
 */
int cbor_diag(struct sp_buf *out, const uint8_t *buf, size_t len,
    const struct cbor_limits *lim, bool pretty);

#endif /* STADSPAS_CORE_CBOR_H */
