/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CBOR -> JSON (jansson) for `stadspas inspect --json`. The mapping:
 * unsigned/negative integers -> JSON integers (outside int64: decimal
 * strings); text -> strings; byte strings -> lowercase hex strings;
 * arrays -> arrays; maps -> objects whose keys are the text key itself,
 * the decimal form of an integer key, or else the key's CBOR diagnostic
 * notation (also used when two keys would map to the same name);
 * tag n -> {"tag": n, "value": ...}; floats -> numbers ("NaN",
 * "Infinity", "-Infinity" as strings); false/true/null -> themselves,
 * undefined -> null, other simple values -> {"simple": n}.
 */
#ifndef STADSPAS_CLI_JSON_OUT_H
#define STADSPAS_CLI_JSON_OUT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Converts the one well-formed, definite-length CBOR item buf[0..len) to
 * a new JSON value (*out, the caller's reference). SP_OK, SP_ERR_CBOR_*,
 * SP_ERR_NOMEM. */
int cli_json_from_cbor(json_t **out, const uint8_t *buf, size_t len);

/* Lowercase hex of p[0..n) as a new JSON string, or NULL (no memory). */
json_t *cli_json_hex(const uint8_t *p, size_t n);

#endif /* STADSPAS_CLI_JSON_OUT_H */
