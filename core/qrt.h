/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QR transport: "<PREFIX>:" + Base45(zlib(CBOR)), the pipeline of the EU
 * Digital COVID Certificate ("HC1:") that stadspas uses as "SP1:".
 * Decompression has a hard output ceiling, so a zlib bomb costs at most
 * that much memory and time.
 */
#ifndef STADSPAS_CORE_QRT_H
#define STADSPAS_CORE_QRT_H

#include <stddef.h>
#include <stdint.h>

#include "sp_buf.h"

#define QRT_MAX_TEXT 8192		/* a QR code holds at most 4296 chars */
#define QRT_MAX_PAYLOAD (64 * 1024)	/* decompressed ceiling */

enum qrt_kind {
	QRT_SP1 = 1,	/* stadspas presentation / pass */
	QRT_HC1 = 2,	/* EU DCC health certificate */
};

enum qrt_zlib {
	QRT_ZLIB_AUTO = 0,	/* compress only if the result is smaller */
	QRT_ZLIB_ALWAYS = 1,
	QRT_ZLIB_NEVER = 2,
};

/*
 * Appends "<prefix>" + Base45 of (optionally zlib-compressed) cbor. AUTO
 * compresses at level 9 and keeps the result only if strictly shorter.
 * Since the decoder inflates every payload that starts with 0x78, AUTO
 * always compresses such a cbor and NEVER refuses it (SP_ERR_INVALID_ARG).
 * SP_ERR_TOO_LARGE if the text would exceed QRT_MAX_TEXT, which
 * qrt_decode() refuses. On error out is unchanged.
 */
int qrt_encode(struct sp_buf *out, enum qrt_kind kind, const uint8_t *cbor,
    size_t len, enum qrt_zlib mode);

/*
 * Decodes text (no NUL needed; leading/trailing ASCII whitespace ignored)
 * into the CBOR bytes appended to out. The payload after Base45 is
 * inflated if it starts with a zlib header (0x78), else taken as is.
 * Errors: SP_ERR_PREFIX, SP_ERR_BASE45, SP_ERR_ZLIB, SP_ERR_ZLIB_BOMB (more
 * than max_out bytes, 0 = QRT_MAX_PAYLOAD), SP_ERR_TOO_LARGE (text longer
 * than QRT_MAX_TEXT, checked before trimming; or an uncompressed payload
 * longer than max_out). *kind (if not NULL) receives the prefix found.
 * The prefix is exact and case-sensitive. On error out and *kind are
 * unchanged. Thread-safe (no state).
 */
int qrt_decode(struct sp_buf *out, enum qrt_kind *kind, const char *text,
    size_t len, size_t max_out);

/* The prefix kind of a QR text (surrounding whitespace ignored) without
 * decoding it: SP_ERR_PREFIX if unknown, SP_ERR_TOO_LARGE past
 * QRT_MAX_TEXT. */
int qrt_kind(const char *text, size_t len, enum qrt_kind *kind);

/*
 * zlib helpers (RFC 1950 wrapper), also used for status lists. Both
 * append to out and leave it unchanged on error.
 * qrt_deflate: level -1 (zlib default) .. 9, else SP_ERR_INVALID_ARG.
 * qrt_inflate: exactly one zlib stream. SP_ERR_ZLIB for a bad header, a
 * preset dictionary (FDICT), corrupt data, a bad Adler-32, a truncated
 * stream or any byte after its end; SP_ERR_ZLIB_BOMB as soon as the output
 * would exceed max_out (0 = QRT_MAX_PAYLOAD), after O(max_out) work and
 * with out never holding more than max_out new bytes.
 */
int qrt_deflate(struct sp_buf *out, const uint8_t *in, size_t len, int level);
int qrt_inflate(struct sp_buf *out, const uint8_t *in, size_t len,
    size_t max_out);

#endif /* STADSPAS_CORE_QRT_H */
