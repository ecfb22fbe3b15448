/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for core/cbor.c. Runs cbor_check under every flag
 * combination and three sets of limits, and cbor_diag, and checks that the
 * answers agree with each other. When the deterministic check passes, the
 * reader walks the item and the encoder must reproduce the input exactly
 * (and every item's raw span must be what was re-encoded for it).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "stadspas/sp_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ORACLE(x) do { if (!(x)) abort(); } while (0)

static const struct cbor_limits lim_tight = {
	.max_len = 4096,
	.max_depth = 3,
	.max_items = 40,
	.max_count = 5,
	.max_str = 16,
};

static const struct cbor_limits lim_loose = {
	.max_len = SIZE_MAX,
	.max_depth = 1000,
	.max_items = SIZE_MAX,
	.max_count = SIZE_MAX,
	.max_str = SIZE_MAX,
};

/* Re-encodes the next item of r into e; checks the item's raw span. The
 * recursion depth is bounded by the deterministic check's max_depth. */
static void
reencode(struct cbor_reader *r, struct cbor_enc *e, unsigned depth)
{
	struct cbor_item it;
	size_t start = e->out->len;
	uint64_t i, n;

	ORACLE(depth <= 64);
	ORACLE(cbor_read(r, &it) == SP_OK);
	ORACLE(!it.indefinite);
	switch (it.major) {
	case CBOR_UINT:
		cbor_put_uint(e, it.val);
		break;
	case CBOR_NINT:
		cbor_put_nint_raw(e, it.val);
		break;
	case CBOR_BSTR:
		cbor_put_bstr(e, it.ptr, it.len);
		break;
	case CBOR_TSTR:
		cbor_put_tstr(e, (const char *)it.ptr, it.len);
		break;
	case CBOR_ARRAY:
	case CBOR_MAP:
		n = it.major == CBOR_MAP ? 2 * it.val : it.val;
		if (it.major == CBOR_MAP)
			cbor_put_map(e, (size_t)it.val);
		else
			cbor_put_array(e, (size_t)it.val);
		for (i = 0; i < n; i++)
			reencode(r, e, depth + 1);
		break;
	case CBOR_TAG:
		cbor_put_tag(e, it.val);
		reencode(r, e, depth + 1);
		break;
	case CBOR_SIMPLE:
		if (it.ai >= 25 && it.ai <= 27)
			cbor_put_float(e, it.f);
		else if (it.val == CBOR_FALSE || it.val == CBOR_TRUE)
			cbor_put_bool(e, it.val == CBOR_TRUE);
		else if (it.val == CBOR_NULL)
			cbor_put_null(e);
		else
			cbor_put_simple(e, (uint8_t)it.val);
		break;
	default:
		abort();
	}
	ORACLE(cbor_enc_finish(e) == SP_OK);
	ORACLE(e->out->len - start == it.raw_len);
	ORACLE(memcmp(e->out->ptr + start, it.raw, it.raw_len) == 0);
}

static void
check_all(const uint8_t *data, size_t size, const struct cbor_limits *lim,
    int res[8])
{
	unsigned flags;

	for (flags = 0; flags < 8; flags++) {
		size_t off = SIZE_MAX;

		res[flags] = cbor_check(data, size, lim, flags, &off);
		if (res[flags] == SP_OK) {
			ORACLE(off == SIZE_MAX);	/* untouched */
		} else if (res[flags] == SP_ERR_TOO_LARGE) {
			ORACLE(size > lim->max_len);
		} else {
			ORACLE(off <= size);
			ORACLE(res[flags] <= SP_ERR_CBOR_TRUNCATED &&
			    res[flags] >= SP_ERR_CBOR_VALUE);
		}
	}
	/* ALLOW_INDEF is ignored with DETERMINISTIC. */
	ORACLE(res[CBOR_F_DETERMINISTIC] ==
	    res[CBOR_F_DETERMINISTIC | CBOR_F_ALLOW_INDEF]);
	ORACLE(res[7] == res[5]);
	/* Stricter modes accept less. */
	if (res[CBOR_F_DETERMINISTIC] == SP_OK)
		ORACLE(res[0] == SP_OK);
	if (res[0] == SP_OK)
		ORACLE(res[CBOR_F_ALLOW_INDEF] == SP_OK);
	for (flags = 0; flags < 4; flags++)
		if (res[flags] == SP_OK)
			ORACLE(res[flags | CBOR_F_ALLOW_TRAILING] == SP_OK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int def[8], tight[8], loose[8];
	struct sp_buf out;
	struct cbor_reader r;
	struct cbor_enc e;
	unsigned f;
	int rd;

	check_all(data, size, &cbor_limits_default, def);
	check_all(data, size, &lim_tight, tight);
	check_all(data, size, &lim_loose, loose);
	/* Limits only ever add failures, never change well-formedness. */
	for (f = 0; f < 8; f++) {
		if (def[f] == SP_OK || tight[f] == SP_OK)
			ORACLE(loose[f] == SP_OK);
		if (tight[f] == SP_OK)
			ORACLE(def[f] == SP_OK);
	}

	sp_buf_init(&out);
	/* cbor_diag validates exactly as check(ALLOW_INDEF) does. */
	rd = cbor_diag(&out, data, size, &cbor_limits_default, false);
	ORACLE(rd == def[CBOR_F_ALLOW_INDEF] || rd == SP_ERR_NOMEM);
	ORACLE(rd != SP_OK || out.len > 0);
	ORACLE(rd == SP_OK || out.len == 0);
	sp_buf_reset(&out);
	rd = cbor_diag(&out, data, size, &lim_tight, true);
	ORACLE(rd == tight[CBOR_F_ALLOW_INDEF] || rd == SP_ERR_NOMEM);
	sp_buf_reset(&out);

	/* Definite, well-formed input: the reader skips exactly all of it. */
	if (loose[0] == SP_OK) {
		cbor_reader_init(&r, data, size);
		ORACLE(cbor_skip(&r) == SP_OK && cbor_reader_done(&r));
	}

	/* The real oracle: deterministic input re-encodes to itself. */
	if (def[CBOR_F_DETERMINISTIC] == SP_OK) {
		cbor_reader_init(&r, data, size);
		cbor_enc_init(&e, &out);
		reencode(&r, &e, 0);
		ORACLE(cbor_reader_done(&r));
		ORACLE(out.len == size && memcmp(out.ptr, data, size) == 0);
	}
	sp_buf_clear(&out);
	return 0;
}
