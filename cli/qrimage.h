/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reads the text of a QR code from a PNG or JPEG image: libpng/libjpeg
 * decode to 8-bit grey, zbar's image scanner finds the code. Bounded:
 * files over QRI_MAX_FILE bytes and images over QRI_MAX_DIM pixels on a
 * side are refused before decoding.
 */
#ifndef STADSPAS_CLI_QRIMAGE_H
#define STADSPAS_CLI_QRIMAGE_H

#include <stddef.h>
#include <stdint.h>

#define QRI_MAX_FILE (20u * 1024 * 1024)
#define QRI_MAX_DIM 10000u

/*
 * Decodes the first QR code in the image buf[0..len) (format detected
 * from its signature). On SP_OK *text is a malloc'd NUL-terminated copy
 * of the code's bytes (caller frees) and *text_len its length. Errors:
 * SP_ERR_TOO_LARGE (file or dimensions over the caps), SP_ERR_UNSUPPORTED
 * (neither PNG nor JPEG), SP_ERR_INVALID_ARG (corrupt image),
 * SP_ERR_NOT_FOUND (no QR code found), SP_ERR_NOMEM, SP_ERR_INTERNAL.
 * why (if not NULL) receives a one-line explanation.
 */
int cli_qr_from_image(char **text, size_t *text_len, const uint8_t *buf,
    size_t len, char *why, size_t why_len);

/* The same for a file; SP_ERR_NOT_FOUND is also used for a missing file
 * (why says which). */
int cli_qr_from_file(char **text, size_t *text_len, const char *path,
    char *why, size_t why_len);

#endif /* STADSPAS_CLI_QRIMAGE_H */
