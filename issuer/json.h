/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict JSON for the issuer's HTTP API (jansson underneath): a request
 * body must be one JSON object that matches a schema exactly (no unknown
 * or duplicate keys, exact types, bounded strings and arrays, nesting at
 * most ISS_JS_MAX_DEPTH), and every response is built here, errors
 * included ({"error": token, "message": text}).
 */
#ifndef STADSPAS_ISSUER_JSON_H
#define STADSPAS_ISSUER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api.h"
#include "sp_buf.h"

#define ISS_JS_STR_MAX 256	/* bytes of a string unless a field says */
#define ISS_JS_MAX_DEPTH 8	/* {"a": [ {..} ]} is depth 3 */

#define ISS_CT_JSON "application/json"
#define ISS_CT_CBOR "application/cbor"

enum iss_js_type {
	ISS_JS_STR,
	ISS_JS_INT,		/* a JSON integer (no fraction, no exponent) */
	ISS_JS_BOOL,
	ISS_JS_ARRAY,		/* of elem */
	ISS_JS_OBJECT,		/* matching sub */
};

struct iss_js_schema;

struct iss_js_field {
	const char *name;
	enum iss_js_type type;
	bool required;
	size_t max;		/* STR: bytes (0: ISS_JS_STR_MAX); ARRAY:
				 * elements */
	enum iss_js_type elem;	/* ARRAY: element type (STR or OBJECT) */
	size_t elem_max;	/* ARRAY of STR: bytes per element (0:
				 * ISS_JS_STR_MAX) */
	const struct iss_js_schema *sub;	/* OBJECT, ARRAY of OBJECT */
};

struct iss_js_schema {
	const struct iss_js_field *f;
	size_t n;
};

/* A schema over a static array of fields. */
#define ISS_JS_SCHEMA(fields) { .f = (fields), \
	.n = sizeof(fields) / sizeof((fields)[0]) }

/*
 * Parses the request body as one JSON object matching s. SP_OK with *out
 * (release with json_decref); ISS_ANSWERED with a 400 "bad_json" (or 413
 * "too_large") in resp; SP_ERR_NOMEM.
 */
int iss_json_parse(json_t **out, const struct iss_req *req,
    const struct iss_js_schema *s, struct iss_resp *resp);

/* Checks a parsed object against s (what iss_json_parse does after
 * parsing). SP_OK or ISS_ANSWERED (400 bad_json naming the field). */
int iss_json_check(const json_t *o, const struct iss_js_schema *s,
    struct iss_resp *resp);

/* Depth of the deepest array/object nesting in text (strings skipped),
 * counting stops past limit + 1. Exposed for tests. */
unsigned iss_json_depth(const uint8_t *p, size_t n, unsigned limit);

/* Field getters for checked objects: NULL / false if absent. */
const char *iss_json_str(const json_t *o, const char *key);
bool iss_json_int(const json_t *o, const char *key, int64_t *v);

/* Replaces resp with status and body (compact JSON). Takes body (it is
 * released even on failure); a NULL body means json_pack failed:
 * SP_ERR_NOMEM. Returns SP_OK. */
int iss_json_reply(struct iss_resp *resp, int status, json_t *body);
/* Replaces resp with an error answer. Returns ISS_ANSWERED, or
 * SP_ERR_NOMEM. */
int iss_error(struct iss_resp *resp, int status, const char *token,
    const char *message);
/* Replaces resp with raw bytes of type ctype (a static string). */
int iss_bytes_reply(struct iss_resp *resp, int status, const char *ctype,
    const uint8_t *p, size_t n);

/* Strict hex (either case, even length, at most max bytes decoded) into
 * out (reset first). SP_OK or SP_ERR_INVALID_ARG. */
int iss_hex_decode(struct sp_buf *out, const char *hex, size_t max);
/* Lowercase hex of p[0..n) as a json string (NULL on allocation failure). */
json_t *iss_json_hex(const uint8_t *p, size_t n);
/* Lowercase hex into out (2n + 1 bytes). */
void iss_hex_encode(char *out, const uint8_t *p, size_t n);

#endif /* STADSPAS_ISSUER_JSON_H */
