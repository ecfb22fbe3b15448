/* SPDX-License-Identifier: Apache-2.0 */
/* CBOR -> JSON conversion for the CLI (mapping documented in json_out.h). */
#include "json_out.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "sp_buf.h"
#include "stadspas/sp_err.h"

/* Bounds recursion independently of the caller's validation. */
#define JSON_MAX_DEPTH 64

static const struct cbor_limits json_limits = {
	.max_len = 1024 * 1024,
	.max_depth = JSON_MAX_DEPTH,
	.max_items = 65536,
	.max_count = 65536,
	.max_str = 1024 * 1024,
};

json_t *
cli_json_hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	json_t *j;
	char *s;
	size_t i;

	if (n > (SIZE_MAX - 1) / 2 || (s = malloc(2 * n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	j = json_stringn(s, 2 * n);
	free(s);
	return j;
}

/* Decimal string for -1 - n when it does not fit int64_t. */
static json_t *
nint_string(uint64_t n)
{
	char s[32];

	if (n == UINT64_MAX)
		return json_string("-18446744073709551616");
	snprintf(s, sizeof(s), "-%" PRIu64, n + 1);
	return json_string(s);
}

static json_t *
uint_json(uint64_t v)
{
	char s[32];

	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(s, sizeof(s), "%" PRIu64, v);
	return json_string(s);
}

static json_t *
float_json(double d)
{
	if (isnan(d))
		return json_string("NaN");
	if (isinf(d))
		return json_string(d > 0 ? "Infinity" : "-Infinity");
	return json_real(d);
}

static int conv(json_t **out, struct cbor_reader *r, unsigned depth);

/* Object key for a map key item (already read into it). */
static int
key_name(struct sp_buf *name, const struct cbor_item *it, bool diag)
{
	char s[32];

	sp_buf_reset(name);
	if (!diag && it->major == CBOR_TSTR)
		return sp_buf_append(name, it->ptr, it->len);
	if (!diag && it->major == CBOR_UINT) {
		snprintf(s, sizeof(s), "%" PRIu64, it->val);
		return sp_buf_append(name, s, strlen(s));
	}
	if (!diag && it->major == CBOR_NINT) {
		if (it->val == UINT64_MAX)
			snprintf(s, sizeof(s), "-18446744073709551616");
		else
			snprintf(s, sizeof(s), "-%" PRIu64, it->val + 1);
		return sp_buf_append(name, s, strlen(s));
	}
	return cbor_diag(name, it->raw, it->raw_len, &json_limits, false);
}

static int
conv_map(json_t *obj, struct cbor_reader *r, uint64_t n, unsigned depth)
{
	struct sp_buf name;
	struct cbor_reader peek;
	struct cbor_item key;
	json_t *v = NULL;
	uint64_t i;
	int ret = SP_OK;

	sp_buf_init(&name);
	for (i = 0; i < n && ret == SP_OK; i++) {
		/* The key's whole encoding (for diag) is its raw span. */
		peek = *r;
		if ((ret = cbor_read(&peek, &key)) != SP_OK ||
		    (ret = cbor_skip(r)) != SP_OK)
			break;
		if ((ret = key_name(&name, &key, false)) != SP_OK ||
		    (ret = sp_buf_cstr(&name)) != SP_OK)
			break;
		/* Diagnostic notation escapes NULs and tells "1" from 1. */
		if ((strlen((const char *)name.ptr) != name.len ||
		    json_object_get(obj, (const char *)name.ptr) != NULL) &&
		    ((ret = key_name(&name, &key, true)) != SP_OK ||
		    (ret = sp_buf_cstr(&name)) != SP_OK))
			break;
		if ((ret = conv(&v, r, depth + 1)) != SP_OK)
			break;
		if (json_object_set_new(obj, (const char *)name.ptr, v) != 0)
			ret = SP_ERR_NOMEM;
		v = NULL;
	}
	sp_buf_clear(&name);
	return ret;
}

static int
conv(json_t **out, struct cbor_reader *r, unsigned depth)
{
	struct cbor_item it;
	json_t *j = NULL, *v = NULL;
	uint64_t i;
	int ret;

	*out = NULL;
	if (depth > JSON_MAX_DEPTH)
		return SP_ERR_CBOR_DEPTH;
	if ((ret = cbor_read(r, &it)) != SP_OK)
		return ret;
	ret = SP_OK;
	switch (it.major) {
	case CBOR_UINT:
		j = uint_json(it.val);
		break;
	case CBOR_NINT:
		j = it.val <= INT64_MAX ?
		    json_integer(-1 - (json_int_t)it.val) :
		    nint_string(it.val);
		break;
	case CBOR_BSTR:
		j = cli_json_hex(it.ptr, it.len);
		break;
	case CBOR_TSTR:
		j = json_stringn((const char *)it.ptr, it.len);
		break;
	case CBOR_ARRAY:
		if ((j = json_array()) == NULL)
			break;
		for (i = 0; i < it.val && ret == SP_OK; i++)
			if ((ret = conv(&v, r, depth + 1)) == SP_OK &&
			    json_array_append_new(j, v) != 0)
				ret = SP_ERR_NOMEM;
		break;
	case CBOR_MAP:
		if ((j = json_object()) != NULL)
			ret = conv_map(j, r, it.val, depth);
		break;
	case CBOR_TAG:
		if ((ret = conv(&v, r, depth + 1)) != SP_OK)
			break;
		j = json_pack("{s:o, s:o}", "tag", uint_json(it.val),
		    "value", v);
		break;
	case CBOR_SIMPLE:
		if (it.ai >= 25 && it.ai <= 27)
			j = float_json(it.f);
		else if (it.val == CBOR_FALSE || it.val == CBOR_TRUE)
			j = json_boolean(it.val == CBOR_TRUE);
		else if (it.val == CBOR_NULL || it.val == CBOR_UNDEFINED)
			j = json_null();
		else
			j = json_pack("{s:I}", "simple", (json_int_t)it.val);
		break;
	default:
		ret = SP_ERR_CBOR_MALFORMED;
		break;
	}
	if (ret == SP_OK && j == NULL)
		ret = SP_ERR_NOMEM;
	if (ret != SP_OK) {
		json_decref(j);
		return ret;
	}
	*out = j;
	return SP_OK;
}

int
cli_json_from_cbor(json_t **out, const uint8_t *buf, size_t len)
{
	struct cbor_reader r;
	json_t *j = NULL;
	int ret;

	if (out == NULL || buf == NULL || len == 0)
		return SP_ERR_INVALID_ARG;
	*out = NULL;
	if ((ret = cbor_check(buf, len, &json_limits, 0, NULL)) != SP_OK)
		return ret;
	cbor_reader_init(&r, buf, len);
	if ((ret = conv(&j, &r, 1)) != SP_OK)
		return ret;
	if (!cbor_reader_done(&r)) {
		json_decref(j);
		return SP_ERR_CBOR_TRAILING;
	}
	*out = j;
	return SP_OK;
}
