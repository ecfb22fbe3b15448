/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict JSON requests and JSON responses for the issuer (json.h). The
 * nesting depth is measured on the raw bytes before jansson sees them, so
 * a hostile body never reaches a recursive parser deeper than 8 levels.
 */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "stadspas/sp_err.h"

unsigned
iss_json_depth(const uint8_t *p, size_t n, unsigned limit)
{
	unsigned d = 0, max = 0;
	bool in_str = false, esc = false;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++d > max && (max = d) > limit)
				break;
		} else if ((c == ']' || c == '}') && d > 0) {
			d--;
		}
	}
	return max;
}

static int
field_error(struct iss_resp *resp, const char *name, const char *what)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "field \"%s\": %s", name, what);
	return iss_error(resp, 400, "bad_json", msg);
}

static int
check_string(const json_t *v, size_t max)
{
	return json_is_string(v) &&
	    json_string_length(v) <= (max != 0 ? max : ISS_JS_STR_MAX);
}

static int check_value(const json_t *v, const struct iss_js_field *f,
    struct iss_resp *resp);

static int
check_array(const json_t *v, const struct iss_js_field *f,
    struct iss_resp *resp)
{
	size_t i;
	int r;

	if (!json_is_array(v))
		return field_error(resp, f->name, "expected an array");
	if (json_array_size(v) > f->max)
		return field_error(resp, f->name, "too many elements");
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);

		if (f->elem == ISS_JS_STR) {
			if (!check_string(e, f->elem_max))
				return field_error(resp, f->name,
				    "expected strings within the size limit");
		} else if (f->elem == ISS_JS_OBJECT) {
			if (!json_is_object(e))
				return field_error(resp, f->name,
				    "expected objects");
			if ((r = iss_json_check(e, f->sub, resp)) != SP_OK)
				return r;
		} else {
			return SP_ERR_INTERNAL;	/* schema bug */
		}
	}
	return SP_OK;
}

static int
check_value(const json_t *v, const struct iss_js_field *f,
    struct iss_resp *resp)
{
	switch (f->type) {
	case ISS_JS_STR:
		if (!check_string(v, f->max))
			return field_error(resp, f->name,
			    "expected a string within the size limit");
		return SP_OK;
	case ISS_JS_INT:
		if (!json_is_integer(v))
			return field_error(resp, f->name,
			    "expected an integer");
		return SP_OK;
	case ISS_JS_BOOL:
		if (!json_is_boolean(v))
			return field_error(resp, f->name,
			    "expected true or false");
		return SP_OK;
	case ISS_JS_ARRAY:
		return check_array(v, f, resp);
	case ISS_JS_OBJECT:
		if (!json_is_object(v))
			return field_error(resp, f->name,
			    "expected an object");
		return iss_json_check(v, f->sub, resp);
	}
	return SP_ERR_INTERNAL;
}

static const struct iss_js_field *
schema_find(const struct iss_js_schema *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->f[i].name, key) == 0)
			return &s->f[i];
	return NULL;
}

int
iss_json_check(const json_t *o, const struct iss_js_schema *s,
    struct iss_resp *resp)
{
	const char *key;
	const json_t *v;
	size_t i;
	int r;

	/* jansson's iteration macro takes a non-const object. */
	json_object_foreach((json_t *)(uintptr_t)o, key, v) {
		if (schema_find(s, key) == NULL)
			return field_error(resp, strlen(key) <= 64 ? key : "?",
			    "unknown field");
	}
	for (i = 0; i < s->n; i++) {
		v = json_object_get(o, s->f[i].name);
		if (v == NULL) {
			if (s->f[i].required)
				return field_error(resp, s->f[i].name,
				    "missing");
			continue;
		}
		if ((r = check_value(v, &s->f[i], resp)) != SP_OK)
			return r;
	}
	return SP_OK;
}

int
iss_json_parse(json_t **out, const struct iss_req *req,
    const struct iss_js_schema *s, struct iss_resp *resp)
{
	json_error_t err;
	json_t *o;
	int r;

	*out = NULL;
	if (req->body_len > ISS_MAX_BODY)
		return iss_error(resp, 413, "too_large",
		    "the body exceeds 256 KiB");
	if (req->body_len == 0 || req->body == NULL)
		return iss_error(resp, 400, "bad_json",
		    "a JSON object is required");
	if (iss_json_depth(req->body, req->body_len, ISS_JS_MAX_DEPTH) >
	    ISS_JS_MAX_DEPTH)
		return iss_error(resp, 400, "bad_json",
		    "nesting deeper than 8 levels");
	o = json_loadb((const char *)req->body, req->body_len,
	    JSON_REJECT_DUPLICATES, &err);
	if (o == NULL) {
		char msg[96];

		if (json_error_code(&err) == json_error_out_of_memory)
			return SP_ERR_NOMEM;
		/* err.text may quote the input, which need not be UTF-8:
		 * report the position only. */
		snprintf(msg, sizeof(msg), "invalid JSON near byte %d",
		    err.position);
		return iss_error(resp, 400, "bad_json", msg);
	}
	if (!json_is_object(o)) {
		json_decref(o);
		return iss_error(resp, 400, "bad_json",
		    "the body must be a JSON object");
	}
	if ((r = iss_json_check(o, s, resp)) != SP_OK) {
		json_decref(o);
		return r;
	}
	*out = o;
	return SP_OK;
}

const char *
iss_json_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

bool
iss_json_int(const json_t *o, const char *key, int64_t *v)
{
	const json_t *x = json_object_get(o, key);

	if (!json_is_integer(x))
		return false;
	*v = (int64_t)json_integer_value(x);
	return true;
}

static int
dump_cb(const char *p, size_t n, void *ctx)
{
	return sp_buf_append(ctx, p, n) == SP_OK ? 0 : -1;
}

static void
resp_reset(struct iss_resp *resp, int status, const char *ctype)
{
	sp_buf_reset(&resp->body);
	resp->status = status;
	resp->content_type = ctype;
	resp->etag[0] = 0;
	resp->cache_control = NULL;
}

int
iss_json_reply(struct iss_resp *resp, int status, json_t *body)
{
	int r = SP_ERR_NOMEM;

	if (body == NULL)
		return r;
	resp_reset(resp, status, ISS_CT_JSON);
	if (json_dump_callback(body, dump_cb, &resp->body,
	    JSON_COMPACT) == 0)
		r = SP_OK;
	json_decref(body);
	return r;
}

int
iss_error(struct iss_resp *resp, int status, const char *token,
    const char *message)
{
	int r = iss_json_reply(resp, status, json_pack("{s:s, s:s}",
	    "error", token, "message", message));

	return r == SP_OK ? ISS_ANSWERED : r;
}

int
iss_bytes_reply(struct iss_resp *resp, int status, const char *ctype,
    const uint8_t *p, size_t n)
{
	resp_reset(resp, status, ctype);
	return sp_buf_set(&resp->body, p, n);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
iss_hex_decode(struct sp_buf *out, const char *hex, size_t max)
{
	size_t n, i;

	sp_buf_reset(out);
	if (hex == NULL || (n = strlen(hex)) % 2 != 0 || n / 2 > max)
		return SP_ERR_INVALID_ARG;
	for (i = 0; i < n; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]), r;

		if (hi < 0 || lo < 0) {
			sp_buf_reset(out);
			return SP_ERR_INVALID_ARG;
		}
		if ((r = sp_buf_push(out, (uint8_t)(hi << 4 | lo))) != SP_OK)
			return r;
	}
	return SP_OK;
}

void
iss_hex_encode(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

json_t *
iss_json_hex(const uint8_t *p, size_t n)
{
	json_t *s;
	char *h;

	if (n > (SIZE_MAX - 1) / 2 || (h = malloc(2 * n + 1)) == NULL)
		return NULL;
	iss_hex_encode(h, p, n);
	s = json_stringn(h, 2 * n);
	free(h);
	return s;
}
