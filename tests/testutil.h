/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the test programs: hex, files, vector paths. */
#ifndef STADSPAS_TESTS_TESTUTIL_H
#define STADSPAS_TESTS_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sp_buf.h"

/* Decodes hex (either case; whitespace not allowed) into out (reset
 * first). Returns 0 on success, -1 on bad hex. */
int tu_hex(struct sp_buf *out, const char *hex);
/* Lowercase hex of p[0..n) into a malloc'd string (caller frees). */
char *tu_tohex(const uint8_t *p, size_t n);
/* Reads a whole file into out (reset first). 0 or -1. */
int tu_read_file(struct sp_buf *out, const char *path);
/* Path of a vector file: $SP_VECTORS (or the compiled-in source dir's
 * tests/vectors) + "/" + rel. Returns a static buffer. */
const char *tu_vec_path(const char *rel);
/* Loads a JSON vector file; aborts the test with a message if missing. */
json_t *tu_load_json(const char *rel);
/* Base64url (no padding) or standard base64 decode, for JWK and DCC. */
int tu_b64(struct sp_buf *out, const char *s, int url);

#endif /* STADSPAS_TESTS_TESTUTIL_H */
