/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base45 (RFC 9285), strict: only the 45 alphabet characters, length mod 3
 * != 1, 3-character groups <= 65535 and trailing 2-character groups <= 255.
 */
#ifndef STADSPAS_CORE_BASE45_H
#define STADSPAS_CORE_BASE45_H

#include <stddef.h>
#include <stdint.h>

#include "sp_buf.h"

/* Characters needed for n bytes (3 per 2 bytes, 2 for a last odd byte);
 * SIZE_MAX if that does not fit a size_t. */
size_t b45_encoded_len(size_t n);
/* Appends the encoding of in[0..n) to out (no NUL). in may be NULL when
 * n == 0. SP_OK, SP_ERR_INVALID_ARG, SP_ERR_NOMEM, SP_ERR_TOO_LARGE. */
int b45_encode(struct sp_buf *out, const uint8_t *in, size_t n);
/* Appends the decoded bytes to out. SP_ERR_BASE45 for any invalid input,
 * with *err_off (if not NULL) the offending character's index. Input is
 * checked left to right and the first problem is reported: a character
 * outside the alphabet at its own index, a group over its limit at the
 * group's first character, a length with n % 3 == 1 as n. NUL is an
 * invalid character, not a terminator. On any error out is unchanged and
 * *err_off is written only for SP_ERR_BASE45. Thread-safe (no state). */
int b45_decode(struct sp_buf *out, const char *in, size_t n,
    size_t *err_off);

#endif /* STADSPAS_CORE_BASE45_H */
