/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9285 Base45 vectors: the RFC's published examples in both
 * directions, plus the derived valid and must-fail strings of
 * tests/vectors/external/rfc9285-base45/.
 */
#include <string.h>

#include <jansson.h>

#include "base45.h"
#include "check.h"
#include "sp_buf.h"
#include "stadspas/sp_err.h"
#include "testutil.h"

static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/* Encodes hex and decodes b45, both must match. 1 on success. */
static int
check_pair(const char *name, const char *hex, const char *b45)
{
	struct sp_buf bytes, enc, dec;
	size_t n = strlen(b45);
	int ok = 0;

	sp_buf_init(&bytes);
	sp_buf_init(&enc);
	sp_buf_init(&dec);
	if (tu_hex(&bytes, hex) != 0) {
		fprintf(stderr, "%s: bad hex in vector\n", name);
		goto out;
	}
	if (b45_encode(&enc, bytes.ptr, bytes.len) != SP_OK ||
	    enc.len != n || (n > 0 && memcmp(enc.ptr, b45, n) != 0)) {
		fprintf(stderr, "%s: encode %s != \"%s\"\n", name, hex, b45);
		goto out;
	}
	if (b45_decode(&dec, b45, n, NULL) != SP_OK ||
	    dec.len != bytes.len ||
	    (dec.len > 0 && memcmp(dec.ptr, bytes.ptr, dec.len) != 0)) {
		fprintf(stderr, "%s: decode \"%s\" != %s\n", name, b45, hex);
		goto out;
	}
	ok = 1;
out:
	sp_buf_clear(&bytes);
	sp_buf_clear(&enc);
	sp_buf_clear(&dec);
	return ok;
}

/* The offset RFC 9285's rules blame: first bad character, first
 * overflowing group (its start), else the length (n). */
static size_t
expected_off(const char *s, size_t n)
{
	unsigned v = 0, m = 1;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *p = s[i] != 0 ? strchr(alphabet, s[i]) : NULL;
		size_t k = i % 3;

		if (p == NULL)
			return i;
		v += (unsigned)(p - alphabet) * m;
		m *= 45;
		/* A group ends at every third character and at the end. */
		if (k == 2 || i + 1 == n) {
			if ((k == 2 && v > 65535) || (k == 1 && v > 255))
				return i - k;
			if (k == 0)
				return n;
			v = 0;
			m = 1;
		}
	}
	return SIZE_MAX;	/* valid */
}

/* The RFC's own examples; both directions hold for each. */
static unsigned
rfc_examples(const json_t *root)
{
	const json_t *arr = json_object_get(root, "rfc_examples");
	unsigned count = 0;
	json_t *e;
	size_t i;

	CHECK(json_is_array(arr) && json_array_size(arr) > 0);
	json_array_foreach(arr, i, e) {
		const char *dir, *hex, *b45;

		dir = json_string_value(json_object_get(e, "direction"));
		hex = json_string_value(json_object_get(e, "bytes_hex"));
		b45 = json_string_value(json_object_get(e, "base45"));
		CHECKF(dir != NULL && hex != NULL && b45 != NULL,
		    "rfc_examples[%zu] incomplete", i);
		if (dir == NULL || hex == NULL || b45 == NULL)
			continue;
		CHECK(strcmp(dir, "encode") == 0 || strcmp(dir, "decode") == 0);
		CHECKF(check_pair("rfc", hex, b45), "rfc_examples[%zu] (%s)",
		    i, dir);
		count++;
	}
	return count;
}

static unsigned
derived_valid(const json_t *root)
{
	const json_t *arr = json_object_get(root, "derived_valid");
	unsigned count = 0;
	json_t *e;
	size_t i;

	CHECK(json_is_array(arr) && json_array_size(arr) > 0);
	json_array_foreach(arr, i, e) {
		const char *hex, *b45;

		hex = json_string_value(json_object_get(e, "bytes_hex"));
		b45 = json_string_value(json_object_get(e, "base45"));
		CHECKF(hex != NULL && b45 != NULL, "derived_valid[%zu]", i);
		if (hex == NULL || b45 == NULL)
			continue;
		CHECKF(check_pair("derived", hex, b45), "derived_valid[%zu]",
		    i);
		count++;
	}
	return count;
}

/* Each must fail with SP_ERR_BASE45 at the offset the rules blame. */
static unsigned
derived_invalid(const json_t *root)
{
	const json_t *arr = json_object_get(root, "derived_invalid");
	struct sp_buf out;
	unsigned count = 0;
	json_t *e;
	size_t i;

	sp_buf_init(&out);
	CHECK(json_is_array(arr) && json_array_size(arr) > 0);
	json_array_foreach(arr, i, e) {
		const char *b45, *reason;
		size_t n, want, off = SIZE_MAX;

		b45 = json_string_value(json_object_get(e, "base45"));
		reason = json_string_value(json_object_get(e, "reason"));
		CHECKF(b45 != NULL && reason != NULL, "derived_invalid[%zu]",
		    i);
		if (b45 == NULL || reason == NULL)
			continue;
		n = strlen(b45);
		want = expected_off(b45, n);
		CHECKF(want != SIZE_MAX, "derived_invalid[%zu] \"%s\" looks "
		    "valid", i, b45);
		sp_buf_reset(&out);
		CHECKF(b45_decode(&out, b45, n, &off) == SP_ERR_BASE45 &&
		    out.len == 0, "\"%s\" (%s) accepted", b45, reason);
		CHECKF(off == want, "\"%s\" (%s): err_off %zu, want %zu", b45,
		    reason, off, want);
		if (strcmp(reason, "length") == 0)
			CHECK(off == n);
		else if (strcmp(reason, "overflow") == 0)
			CHECK(off % 3 == 0 && off < n);
		else
			CHECKF(strcmp(reason, "char") == 0 && off < n &&
			    strchr(alphabet, b45[off]) == NULL,
			    "reason %s", reason);
		count++;
	}
	sp_buf_clear(&out);
	return count;
}

int
main(void)
{
	json_t *root = tu_load_json(
	    "external/rfc9285-base45/rfc9285_base45_examples.json");
	unsigned n_rfc, n_valid, n_invalid;

	n_rfc = rfc_examples(root);
	n_valid = derived_valid(root);
	n_invalid = derived_invalid(root);
	printf("rfc9285: %u rfc examples, %u derived valid, %u derived "
	    "invalid rejected\n", n_rfc, n_valid, n_invalid);
	CHECK(n_rfc == 4 && n_valid == 5 && n_invalid == 7);
	json_decref(root);
	return check_report("vec_base45_rfc9285");
}
