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

/* Characters needed for n bytes (3 per 2 bytes, 2 for a last odd byte). */
size_t b45_encoded_len(size_t n);
/* Appends the encoding of in[0..n) to out (no NUL). */
int b45_encode(struct sp_buf *out, const uint8_t *in, size_t n);
/* Appends the decoded bytes to out. SP_ERR_BASE45 for any invalid input,
 * with *err_off (if not NULL) the offending character's index. */
int b45_decode(struct sp_buf *out, const char *in, size_t n,
    size_t *err_off);

#endif /* STADSPAS_CORE_BASE45_H */
