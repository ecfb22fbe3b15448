/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QR rendering of a presentation string: UTF-8 half blocks for terminals
 * and 8-bit grayscale PNG (libqrencode, libpng; no file I/O: the PNG is
 * written to memory).
 */
#include "wallet_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>
#include <sodium.h>

#define TEXT_MARGIN 2
#define PNG_MARGIN 4
#define PNG_SCALE_DEFAULT 8
#define PNG_SCALE_MAX 32
#define TEXT_MAX 4296		/* QR version 40 alphanumeric capacity */

static int
qr_make(QRcode **out, const char *text)
{
	QRcode *q;

	if (text == NULL || text[0] == 0 || strlen(text) > TEXT_MAX)
		return SP_ERR_INVALID_ARG;
	/* Case-sensitive auto mode: Base45 text is mostly alphanumeric
	 * mode, the smallest symbol for it. */
	errno = 0;
	q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (q == NULL)
		return errno == ERANGE ? SP_ERR_TOO_LARGE : SP_ERR_NOMEM;
	*out = q;
	return SP_OK;
}

/* Dark module at (x, y) of the symbol with margin m around it. */
static bool
dark_at(const QRcode *q, int m, int x, int y)
{
	x -= m;
	y -= m;
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return false;
	return (q->data[(size_t)y * (size_t)q->width + (size_t)x] & 1) != 0;
}

int
sp_wallet_qr_text(char **out, const char *text, unsigned flags)
{
	static const char *const glyph[4] = {
		" ", "\xe2\x96\x80", "\xe2\x96\x84", "\xe2\x96\x88",
	};
	bool inv = (flags & SP_WALLET_QR_INVERT) != 0;
	QRcode *q = NULL;
	struct sp_buf b;
	int r, x, y, size;

	if (out == NULL || (flags & ~SP_WALLET_QR_INVERT) != 0)
		return SP_ERR_INVALID_ARG;
	if ((r = qr_make(&q, text)) != SP_OK)
		return r;
	sp_buf_init(&b);
	size = q->width + 2 * TEXT_MARGIN;
	for (y = 0; y < size && r == SP_OK; y += 2) {
		for (x = 0; x < size && r == SP_OK; x++) {
			bool top = dark_at(q, TEXT_MARGIN, x, y) != inv;
			bool bot = y + 1 < size &&
			    dark_at(q, TEXT_MARGIN, x, y + 1) != inv;
			const char *g = glyph[(top ? 1 : 0) | (bot ? 2 : 0)];

			r = sp_buf_append(&b, g, strlen(g));
		}
		if (r == SP_OK)
			r = sp_buf_push(&b, '\n');
	}
	if (r == SP_OK && (r = sp_buf_cstr(&b)) == SP_OK) {
		if ((*out = malloc(b.len + 1)) == NULL)
			r = SP_ERR_NOMEM;
		else
			memcpy(*out, b.ptr, b.len + 1);
	}
	sp_buf_clear(&b);
	QRcode_free(q);
	return r;
}

/* libpng reports errors by calling this, which must not return. */
static void
png_fail(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void
png_quiet(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void
png_sink(png_structp png, png_bytep data, png_size_t len)
{
	struct sp_buf *b = png_get_io_ptr(png);

	if (sp_buf_append(b, data, len) != SP_OK)
		png_error(png, "out of memory");
}

static void
png_noflush(png_structp png)
{
	(void)png;
}

/* Everything the setjmp frame touches lives here, on the heap, so that
 * nothing in it is an automatic variable clobbered by longjmp. */
struct png_job {
	png_structp png;
	png_infop info;
	uint8_t *row;
	struct sp_buf out;
	const QRcode *q;
	unsigned scale;
	png_uint_32 size;
};

static int
png_run(struct png_job *j)
{
	png_uint_32 y, x;

	if (setjmp(png_jmpbuf(j->png)))
		return SP_ERR_INTERNAL;
	png_set_write_fn(j->png, &j->out, png_sink, png_noflush);
	png_set_IHDR(j->png, j->info, j->size, j->size, 8, PNG_COLOR_TYPE_GRAY,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_write_info(j->png, j->info);
	for (y = 0; y < j->size; y++) {
		for (x = 0; x < j->size; x++)
			j->row[x] = dark_at(j->q, PNG_MARGIN, (int)(x / j->scale),
			    (int)(y / j->scale)) ? 0x00 : 0xff;
		png_write_row(j->png, j->row);
	}
	png_write_end(j->png, NULL);
	return SP_OK;
}

int
sp_wallet_qr_png(uint8_t **out, size_t *out_len, const char *text,
    unsigned scale)
{
	struct png_job *j = NULL;
	QRcode *q = NULL;
	int r;

	if (out == NULL || out_len == NULL || scale > PNG_SCALE_MAX)
		return SP_ERR_INVALID_ARG;
	if ((r = qr_make(&q, text)) != SP_OK)
		return r;
	r = SP_ERR_NOMEM;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		goto out;
	sp_buf_init(&j->out);
	j->q = q;
	j->scale = scale != 0 ? scale : PNG_SCALE_DEFAULT;
	j->size = (png_uint_32)(q->width + 2 * PNG_MARGIN) * j->scale;
	if ((j->row = malloc(j->size)) == NULL ||
	    (j->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
	    png_fail, png_quiet)) == NULL ||
	    (j->info = png_create_info_struct(j->png)) == NULL)
		goto out;
	if ((r = png_run(j)) != SP_OK)
		goto out;
	r = SP_ERR_NOMEM;
	if ((*out = malloc(j->out.len)) == NULL)
		goto out;
	memcpy(*out, j->out.ptr, j->out.len);
	*out_len = j->out.len;
	r = SP_OK;
out:
	if (j != NULL) {
		if (j->png != NULL)
			png_destroy_write_struct(&j->png, &j->info);
		free(j->row);
		sp_buf_clear(&j->out);
		free(j);
	}
	QRcode_free(q);
	return r;
}
