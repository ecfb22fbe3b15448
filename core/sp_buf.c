/* SPDX-License-Identifier: Apache-2.0 */
/* Growable byte buffer with wipe-on-release semantics. */
#include "sp_buf.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "stadspas/sp_err.h"

#define SP_BUF_MAX ((size_t)1 << 30)	/* no codec needs more than 1 GiB */

void
sp_buf_init(struct sp_buf *b)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
}

int
sp_buf_reserve(struct sp_buf *b, size_t extra)
{
	size_t need, ncap;
	uint8_t *np;

	if (SIZE_MAX - b->len < extra || b->len + extra > SP_BUF_MAX)
		return SP_ERR_TOO_LARGE;
	need = b->len + extra;
	if (need <= b->cap)
		return SP_OK;
	ncap = b->cap < 64 ? 64 : b->cap;
	while (ncap < need)
		ncap = ncap > SP_BUF_MAX / 2 ? SP_BUF_MAX : ncap * 2;
	/* Not realloc: the old block may hold secrets and must be wiped. */
	if ((np = malloc(ncap)) == NULL)
		return SP_ERR_NOMEM;
	if (b->ptr != NULL) {
		memcpy(np, b->ptr, b->len);
		sodium_memzero(b->ptr, b->cap);
		free(b->ptr);
	}
	b->ptr = np;
	b->cap = ncap;
	return SP_OK;
}

int
sp_buf_append(struct sp_buf *b, const void *p, size_t n)
{
	int r;

	if (n == 0)
		return SP_OK;
	if (p == NULL)
		return SP_ERR_INVALID_ARG;
	if ((r = sp_buf_reserve(b, n)) != SP_OK)
		return r;
	memcpy(b->ptr + b->len, p, n);
	b->len += n;
	return SP_OK;
}

int
sp_buf_push(struct sp_buf *b, uint8_t c)
{
	return sp_buf_append(b, &c, 1);
}

int
sp_buf_set(struct sp_buf *b, const void *p, size_t n)
{
	sp_buf_reset(b);
	return sp_buf_append(b, p, n);
}

void
sp_buf_reset(struct sp_buf *b)
{
	if (b->ptr != NULL)
		sodium_memzero(b->ptr, b->cap);
	b->len = 0;
}

void
sp_buf_clear(struct sp_buf *b)
{
	sp_buf_reset(b);
	free(b->ptr);
	sp_buf_init(b);
}

int
sp_buf_cstr(struct sp_buf *b)
{
	int r;

	if ((r = sp_buf_reserve(b, 1)) != SP_OK)
		return r;
	b->ptr[b->len] = 0;
	return SP_OK;
}
