/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 8949 appendix A: every row must be accepted leniently, print as the
 * RFC's diagnostic notation, pass the deterministic check exactly when it
 * is preferred serialization without indefinite lengths, and re-encode
 * byte for byte. Plus f818, which RFC 8949 made not well-formed.
 */
#include <stdio.h>
#include <string.h>

#include "cbor.h"
#include "check.h"
#include "stadspas/sp_err.h"
#include "testutil.h"

/* Re-encodes the next item of r with the encoder; false on any failure.
 * Depth is bounded by the checked input (max_depth 16). */
static bool
reencode(struct cbor_reader *r, struct cbor_enc *e)
{
	struct cbor_item it;
	uint64_t i, n;

	if (cbor_read(r, &it) != SP_OK)
		return false;
	switch (it.major) {
	case CBOR_UINT:
		cbor_put_uint(e, it.val);
		return true;
	case CBOR_NINT:
		cbor_put_nint_raw(e, it.val);
		return true;
	case CBOR_BSTR:
		cbor_put_bstr(e, it.ptr, it.len);
		return true;
	case CBOR_TSTR:
		cbor_put_tstr(e, (const char *)it.ptr, it.len);
		return true;
	case CBOR_ARRAY:
	case CBOR_MAP:
		n = it.major == CBOR_MAP ? 2 * it.val : it.val;
		if (it.major == CBOR_MAP)
			cbor_put_map(e, (size_t)it.val);
		else
			cbor_put_array(e, (size_t)it.val);
		for (i = 0; i < n; i++)
			if (!reencode(r, e))
				return false;
		return true;
	case CBOR_TAG:
		cbor_put_tag(e, it.val);
		return reencode(r, e);
	case CBOR_SIMPLE:
		if (it.ai >= 25 && it.ai <= 27)
			cbor_put_float(e, it.f);
		else if (it.val == CBOR_FALSE || it.val == CBOR_TRUE)
			cbor_put_bool(e, it.val == CBOR_TRUE);
		else if (it.val == CBOR_NULL)
			cbor_put_null(e);
		else
			cbor_put_simple(e, (uint8_t)it.val);
		return true;
	}
	return false;
}

/*
 * Text-string rows whose RFC diagnostic uses JSON \u escapes ("\u00fc",
 * "\ud800\udd51"): cbor_diag prints non-ASCII characters as UTF-8 (the
 * contract), so the exact spelling cannot match. Both spellings are JSON
 * string literals, so both are decoded with jansson and must give the
 * same string. Every other row, floats included, compares exactly.
 */
static bool
same_json_string(const char *want, const char *got)
{
	json_t *a = json_loads(want, JSON_DECODE_ANY, NULL);
	json_t *b = json_loads(got, JSON_DECODE_ANY, NULL);
	bool eq = a != NULL && b != NULL && json_is_string(a) &&
	    json_is_string(b) && json_equal(a, b);

	json_decref(a);
	json_decref(b);
	return eq;
}

int
main(void)
{
	json_t *root = tu_load_json("external/cbor-rfc8949/"
	    "rfc8949_appendix_a.json");
	json_t *tests = json_object_get(root, "tests"), *row;
	struct sp_buf bin, diag, enc;
	size_t idx, rows = 0, decoded = 0, det = 0, reenc = 0, escaped = 0;
	const unsigned all_flags[] = {
		0, CBOR_F_ALLOW_INDEF, CBOR_F_DETERMINISTIC,
		CBOR_F_DETERMINISTIC | CBOR_F_ALLOW_INDEF,
		CBOR_F_ALLOW_TRAILING,
		CBOR_F_ALLOW_INDEF | CBOR_F_ALLOW_TRAILING,
	};
	bool f818 = true;

	sp_buf_init(&bin);
	sp_buf_init(&diag);
	sp_buf_init(&enc);
	CHECK(json_is_array(tests));
	json_array_foreach(tests, idx, row) {
		const char *hex = json_string_value(json_object_get(row,
		    "hex"));
		const char *want = json_string_value(json_object_get(row,
		    "diagnostic"));
		bool indef = json_is_true(json_object_get(row,
		    "indefinite_length"));
		bool pref = json_is_true(json_object_get(row,
		    "preferred_serialization"));
		bool want_det = pref && !indef;
		int r, rd;

		rows++;
		if (hex == NULL || want == NULL || tu_hex(&bin, hex) != 0) {
			CHECKF(0, "row %zu unreadable", idx);
			continue;
		}
		r = cbor_check(bin.ptr, bin.len, &cbor_limits_default,
		    CBOR_F_ALLOW_INDEF, NULL);
		CHECKF(r == SP_OK, "%s: lenient check %d", hex, r);
		/* Without ALLOW_INDEF only the indefinite rows fail. */
		r = cbor_check(bin.ptr, bin.len, NULL, 0, NULL);
		CHECKF(indef ? r == SP_ERR_CBOR_INDEFINITE : r == SP_OK,
		    "%s: plain check %d", hex, r);

		sp_buf_reset(&diag);
		r = cbor_diag(&diag, bin.ptr, bin.len, &cbor_limits_default,
		    false);
		if (r == SP_OK && sp_buf_cstr(&diag) == SP_OK) {
			const char *got = (const char *)diag.ptr;

			decoded++;
			if (strstr(want, "\\u") != NULL) {
				escaped++;
				CHECKF(same_json_string(want, got),
				    "%s: diag %s, want %s", hex, got, want);
			} else {
				CHECKF(strcmp(got, want) == 0,
				    "%s: diag %s, want %s", hex, got, want);
			}
		} else {
			CHECKF(0, "%s: diag failed %d", hex, r);
		}

		/* No row is preferred yet non-deterministic for another
		 * reason: the three maps already have their keys in bytewise
		 * order, and both bignums are preferred (9 bytes, no leading
		 * zero). So the deterministic check must follow exactly. */
		rd = cbor_check(bin.ptr, bin.len, &cbor_limits_default,
		    CBOR_F_DETERMINISTIC, NULL);
		CHECKF((rd == SP_OK) == want_det, "%s: deterministic %d", hex,
		    rd);
		if (!want_det) {
			CHECKF(rd == (indef ? SP_ERR_CBOR_INDEFINITE :
			    SP_ERR_CBOR_NONCANONICAL), "%s: code %d", hex, rd);
			continue;
		}
		det++;
		{
			struct cbor_reader rr;
			struct cbor_enc e;
			bool ok;

			sp_buf_reset(&enc);
			cbor_reader_init(&rr, bin.ptr, bin.len);
			cbor_enc_init(&e, &enc);
			ok = reencode(&rr, &e) && cbor_reader_done(&rr) &&
			    cbor_enc_finish(&e) == SP_OK &&
			    enc.len == bin.len &&
			    memcmp(enc.ptr, bin.ptr, bin.len) == 0;
			CHECKF(ok, "%s: re-encoding differs", hex);
			if (ok)
				reenc++;
		}
	}
	CHECK(rows == 81);
	CHECK(decoded == rows);
	CHECK(det == 64);
	CHECK(reenc == det);
	CHECK(escaped == 3);

	/* f818: simple(24) in RFC 7049, not well-formed in RFC 8949. */
	CHECK(tu_hex(&bin, "f818") == 0);
	for (idx = 0; idx < sizeof(all_flags) / sizeof(all_flags[0]); idx++)
		if (cbor_check(bin.ptr, bin.len, NULL, all_flags[idx], NULL) !=
		    SP_ERR_CBOR_MALFORMED)
			f818 = false;
	sp_buf_reset(&diag);
	if (cbor_diag(&diag, bin.ptr, bin.len, NULL, false) !=
	    SP_ERR_CBOR_MALFORMED || diag.len != 0)
		f818 = false;
	CHECK(f818);

	printf("rfc8949 appendix A: %zu rows, %zu decoded (%zu via JSON "
	    "string decoding), %zu deterministic, %zu re-encoded "
	    "identically; f818 %s\n", rows, decoded, escaped, det, reenc,
	    f818 ? "rejected" : "NOT rejected");
	sp_buf_clear(&bin);
	sp_buf_clear(&diag);
	sp_buf_clear(&enc);
	json_decref(root);
	return check_report("vec_cbor_rfc8949");
}
