/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Growable byte buffer used by every codec. The buffer owns ptr; every
 * operation that drops bytes (reset, clear, growth) wipes them first, so a
 * buffer may hold secrets.
 */
#ifndef STADSPAS_CORE_SP_BUF_H
#define STADSPAS_CORE_SP_BUF_H

#include <stddef.h>
#include <stdint.h>

struct sp_buf {
	uint8_t *ptr;	/* owned; NULL when cap == 0 */
	size_t len;	/* bytes in use */
	size_t cap;	/* bytes allocated */
};

/* Sets an empty buffer; never fails. */
void sp_buf_init(struct sp_buf *b);
/* Makes room for extra more bytes. SP_OK, SP_ERR_NOMEM, SP_ERR_TOO_LARGE. */
int sp_buf_reserve(struct sp_buf *b, size_t extra);
/* Appends n bytes copied from p (p may be NULL when n == 0). */
int sp_buf_append(struct sp_buf *b, const void *p, size_t n);
/* Appends one byte. */
int sp_buf_push(struct sp_buf *b, uint8_t c);
/* Replaces the contents with a copy of p[0..n). */
int sp_buf_set(struct sp_buf *b, const void *p, size_t n);
/* Wipes the contents and sets len to 0; keeps the allocation. */
void sp_buf_reset(struct sp_buf *b);
/* Wipes and frees; the buffer is empty and reusable afterwards. */
void sp_buf_clear(struct sp_buf *b);
/* Appends a NUL without counting it, so ptr can be used as a C string. */
int sp_buf_cstr(struct sp_buf *b);

#endif /* STADSPAS_CORE_SP_BUF_H */
