/* SPDX-License-Identifier: Apache-2.0 */
/* PNG/JPEG -> grey pixels -> zbar -> QR text (see qrimage.h). */
#include "qrimage.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>
#include <zbar.h>

#include "sp_buf.h"
#include "stadspas/sp_err.h"

struct grey {
	uint8_t *pix;		/* w * h bytes, row-major, malloc'd */
	unsigned w, h;
};

static void say(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || why_len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
}

static bool
dims_ok(unsigned long w, unsigned long h)
{
	return w > 0 && h > 0 && w <= QRI_MAX_DIM && h <= QRI_MAX_DIM;
}

/* ---- PNG (libpng's simplified API: no setjmp needed) ------------------- */

static int
load_png(struct grey *g, const uint8_t *buf, size_t len, char *why,
    size_t why_len)
{
	png_image img;
	png_color white = { .red = 255, .green = 255, .blue = 255 };
	int r = SP_ERR_INVALID_ARG;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&img, buf, len)) {
		say(why, why_len, "corrupt PNG: %s", img.message);
		goto fail;
	}
	if (!dims_ok(img.width, img.height)) {
		say(why, why_len,
		    "PNG is %lux%lu pixels; at most %u on a side",
		    (unsigned long)img.width, (unsigned long)img.height,
		    QRI_MAX_DIM);
		r = SP_ERR_TOO_LARGE;
		goto fail;
	}
	/* Grey without alpha; transparency is composited onto white, as a
	 * QR code on a screen or paper would show. */
	img.format = PNG_FORMAT_GRAY;
	r = SP_ERR_NOMEM;
	if ((g->pix = malloc((size_t)img.width * img.height)) == NULL)
		goto fail;
	g->w = img.width;
	g->h = img.height;
	r = SP_ERR_INVALID_ARG;
	if (!png_image_finish_read(&img, &white, g->pix, 0, NULL)) {
		say(why, why_len, "corrupt PNG: %s", img.message);
		goto fail;
	}
	r = SP_OK;
fail:
	png_image_free(&img);
	if (r != SP_OK) {
		free(g->pix);
		g->pix = NULL;
	}
	return r;
}

/* ---- JPEG (libjpeg reports errors by longjmp) ------------------------- */

struct jpg_err {
	struct jpeg_error_mgr mgr;	/* first: libjpeg casts to it */
	jmp_buf jb;
	char msg[JMSG_LENGTH_MAX];
};

static void
jpg_error_exit(j_common_ptr cinfo)
{
	struct jpg_err *e = (struct jpg_err *)(void *)cinfo->err;

	e->mgr.format_message(cinfo, e->msg);
	longjmp(e->jb, 1);
}

static void
jpg_output_message(j_common_ptr cinfo)
{
	/* Warnings (e.g. "premature end of data") stay quiet: a library
	 * must not print; a damaged image fails at scan time anyway. */
	(void)cinfo;
}

static int
load_jpeg(struct grey *g, const uint8_t *buf, size_t len, char *why,
    size_t why_len)
{
	struct jpeg_decompress_struct cinfo;
	struct jpg_err jerr;
	uint8_t *volatile pix = NULL;
	volatile int r = SP_ERR_INVALID_ARG;

	memset(&cinfo, 0, sizeof(cinfo));
	memset(&jerr, 0, sizeof(jerr));
	cinfo.err = jpeg_std_error(&jerr.mgr);
	jerr.mgr.error_exit = jpg_error_exit;
	jerr.mgr.output_message = jpg_output_message;
	if (setjmp(jerr.jb) != 0) {
		say(why, why_len, "corrupt JPEG: %s", jerr.msg);
		goto fail;
	}
	jpeg_create_decompress(&cinfo);
	if (len > (unsigned long)-1)
		goto fail;
	jpeg_mem_src(&cinfo, buf, (unsigned long)len);
	jpeg_read_header(&cinfo, TRUE);
	if (!dims_ok(cinfo.image_width, cinfo.image_height)) {
		say(why, why_len,
		    "JPEG is %lux%lu pixels; at most %u on a side",
		    (unsigned long)cinfo.image_width,
		    (unsigned long)cinfo.image_height, QRI_MAX_DIM);
		r = SP_ERR_TOO_LARGE;
		goto fail;
	}
	cinfo.out_color_space = JCS_GRAYSCALE;
	jpeg_start_decompress(&cinfo);
	if (cinfo.output_components != 1 ||
	    !dims_ok(cinfo.output_width, cinfo.output_height)) {
		say(why, why_len, "JPEG did not decode to grey");
		goto fail;
	}
	r = SP_ERR_NOMEM;
	if ((pix = malloc((size_t)cinfo.output_width *
	    cinfo.output_height)) == NULL)
		goto fail;
	r = SP_ERR_INVALID_ARG;
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW row = pix + (size_t)cinfo.output_scanline *
		    cinfo.output_width;

		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_decompress(&cinfo);
	g->pix = pix;
	g->w = cinfo.output_width;
	g->h = cinfo.output_height;
	pix = NULL;
	r = SP_OK;
fail:
	jpeg_destroy_decompress(&cinfo);
	free(pix);
	return r;
}

/* ---- zbar ---------------------------------------------------------------- */

static int
scan(char **text, size_t *text_len, const struct grey *g, char *why,
    size_t why_len)
{
	zbar_image_scanner_t *sc = NULL;
	zbar_image_t *img = NULL;
	const zbar_symbol_t *sym;
	int r = SP_ERR_NOMEM, n;

	if ((sc = zbar_image_scanner_create()) == NULL ||
	    (img = zbar_image_create()) == NULL)
		goto fail;
	r = SP_ERR_INTERNAL;
	if (zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_ENABLE,
	    0) != 0 ||
	    zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE,
	    1) != 0)
		goto fail;
	/* The code's bytes as they are, without zbar's charset guessing
	 * (zbar >= 0.23). */
	(void)zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_BINARY,
	    1);
	zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(img, g->w, g->h);
	zbar_image_set_data(img, g->pix, (unsigned long)g->w * g->h, NULL);
	if ((n = zbar_scan_image(sc, img)) < 0) {
		say(why, why_len, "the QR scanner failed");
		goto fail;
	}
	r = SP_ERR_NOT_FOUND;
	for (sym = zbar_image_first_symbol(img); sym != NULL;
	    sym = zbar_symbol_next(sym)) {
		const char *d;
		unsigned dlen;

		if (zbar_symbol_get_type(sym) != ZBAR_QRCODE)
			continue;
		d = zbar_symbol_get_data(sym);
		dlen = zbar_symbol_get_data_length(sym);
		r = SP_ERR_NOMEM;
		if (d == NULL || (*text = malloc((size_t)dlen + 1)) == NULL)
			goto fail;
		memcpy(*text, d, dlen);
		(*text)[dlen] = 0;
		*text_len = dlen;
		r = SP_OK;
		goto fail;
	}
	say(why, why_len, "no QR code found in the image");
fail:
	if (img != NULL)
		zbar_image_destroy(img);	/* pixels are ours to free */
	if (sc != NULL)
		zbar_image_scanner_destroy(sc);
	return r;
}

int
cli_qr_from_image(char **text, size_t *text_len, const uint8_t *buf,
    size_t len, char *why, size_t why_len)
{
	static const uint8_t png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n' };
	struct grey g = { .pix = NULL };
	int r = SP_ERR_INVALID_ARG;

	if (why != NULL && why_len > 0)
		why[0] = 0;
	if (text == NULL || text_len == NULL || buf == NULL)
		return r;
	*text = NULL;
	*text_len = 0;
	if (len > QRI_MAX_FILE) {
		say(why, why_len, "image file is %zu bytes; at most %u", len,
		    QRI_MAX_FILE);
		return SP_ERR_TOO_LARGE;
	}
	if (len >= sizeof(png_sig) &&
	    memcmp(buf, png_sig, sizeof(png_sig)) == 0) {
		r = load_png(&g, buf, len, why, why_len);
	} else if (len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 &&
	    buf[2] == 0xff) {
		r = load_jpeg(&g, buf, len, why, why_len);
	} else {
		say(why, why_len, "not a PNG or JPEG image");
		r = SP_ERR_UNSUPPORTED;
	}
	if (r == SP_OK)
		r = scan(text, text_len, &g, why, why_len);
	free(g.pix);
	return r;
}

int
cli_qr_from_file(char **text, size_t *text_len, const char *path,
    char *why, size_t why_len)
{
	struct sp_buf b;
	FILE *f = NULL;
	uint8_t chunk[65536];
	size_t n;
	int r = SP_ERR_INVALID_ARG;

	sp_buf_init(&b);
	if (path == NULL)
		goto fail;
	if ((f = fopen(path, "rb")) == NULL) {
		say(why, why_len, "cannot open '%s': %s", path,
		    strerror(errno));
		r = SP_ERR_NOT_FOUND;
		goto fail;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > QRI_MAX_FILE) {
			say(why, why_len, "image file '%s' is larger than %u "
			    "bytes", path, QRI_MAX_FILE);
			r = SP_ERR_TOO_LARGE;
			goto fail;
		}
		if ((r = sp_buf_append(&b, chunk, n)) != SP_OK)
			goto fail;
	}
	if (ferror(f)) {
		say(why, why_len, "cannot read '%s': %s", path,
		    strerror(errno));
		r = SP_ERR_NOT_FOUND;
		goto fail;
	}
	r = cli_qr_from_image(text, text_len, b.ptr != NULL ? b.ptr :
	    (const uint8_t *)"", b.len, why, why_len);
fail:
	if (f != NULL)
		fclose(f);
	sp_buf_clear(&b);
	return r;
}
