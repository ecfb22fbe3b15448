/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/qrimage.c: every DCC QR picture (the png/ files and each case's
 * base64 2DCODE field) must read back as the case's PREFIX text; QR codes
 * rendered here with libqrencode and written as PNG (grey, with alpha)
 * and JPEG must read back; bad, blank and oversized images get the
 * documented errors.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jpeglib.h>
#include <png.h>
#include <qrencode.h>

#include "check.h"
#include "inspect.h"
#include "qrimage.h"
#include "sp_buf.h"
#include "stadspas/sp_err.h"
#include "testutil.h"

#define DCC_DIR "external/dgc-testdata"

static const char *const folders[] = {
	"DE", "ES", "PL/1.0.0", "PL/1.2.1", "PL/1.3.0",
};

static unsigned pictures, others;

/*
 * Upstream pictures that hold a different certificate than the case's
 * PREFIX: ES png/2101-2103.png (the JSONs' own 2DCODE fields do match)
 * and the 2DCODE fields of ES 501-503 (which carry no
 * EXPECTEDPICTUREDECODE flag). Each is a re-issue by the same DSC, so for
 * these the text must instead verify with the case's certificate at its
 * validation clock.
 */
static const char *const other_cert[] = {
	"ES/png/2101.png", "ES/png/2102.png", "ES/png/2103.png",
	"ES/501.json 2DCODE", "ES/502.json 2DCODE", "ES/503.json 2DCODE",
};

static bool
is_other(const char *folder, const char *what)
{
	char id[300];
	size_t i;

	snprintf(id, sizeof(id), "%s/%s", folder, what);
	for (i = 0; i < sizeof(other_cert) / sizeof(other_cert[0]); i++)
		if (strcmp(other_cert[i], id) == 0)
			return true;
	return false;
}

/* The picture's text verifies with the case's certificate and clock. */
static bool
verifies(const uint8_t *img, size_t len, json_t *tc, const char *id)
{
	json_t *ctx = json_object_get(tc, "TESTCTX");
	const char *cert = json_string_value(json_object_get(ctx,
	    "CERTIFICATE"));
	const char *clock = json_string_value(json_object_get(ctx,
	    "VALIDATIONCLOCK"));
	struct insp_opts o = { .at = INSP_NO_TIME };
	struct insp_result res;
	struct sig_pub key;
	struct sp_buf der;
	char why[256];
	char *text = NULL;
	size_t tlen = 0;
	bool ok = false;

	sp_buf_init(&der);
	memset(&key, 0, sizeof(key));
	insp_result_init(&res);
	if (cert == NULL || clock == NULL || tu_b64(&der, cert, 0) != 0 ||
	    insp_key_load(&key, der.ptr, der.len, true) != SP_OK ||
	    insp_parse_time(&o.at, clock) != SP_OK ||
	    cli_qr_from_image(&text, &tlen, img, len, why, sizeof(why)) !=
	    SP_OK)
		goto out;
	o.key = &key;
	ok = insp_run(&res, text, tlen, &o) == SP_OK && res.verified;
out:
	if (!ok)
		fprintf(stderr, "%s: does not verify with the case's "
		    "certificate\n", id);
	free(text);
	insp_result_clear(&res);
	sig_pub_clear(&key);
	sp_buf_clear(&der);
	return ok;
}

static bool
decodes_to(const uint8_t *img, size_t len, const char *want, const char *id)
{
	char why[256];
	char *text = NULL;
	size_t tlen = 0;
	int r = cli_qr_from_image(&text, &tlen, img, len, why, sizeof(why));
	bool ok = r == SP_OK && tlen == strlen(want) &&
	    memcmp(text, want, tlen) == 0;

	if (!ok)
		fprintf(stderr, "%s: %s\n", id, r != SP_OK ? why :
		    "text differs from PREFIX");
	free(text);
	return ok;
}

/* The 2DCODE field of every case, and png/N.png next to raw/N.json. */
static void
dcc_pictures(const char *folder)
{
	char rel[512], id[600];
	DIR *d;
	struct dirent *de;
	struct sp_buf png;
	unsigned n = 0, files = 0;

	sp_buf_init(&png);
	snprintf(rel, sizeof(rel), DCC_DIR "/%s/2DCode/raw", folder);
	CHECKF((d = opendir(tu_vec_path(rel))) != NULL, "%s", rel);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		const char *prefix, *b64;
		json_t *tc, *flag;
		char num[64];
		const char *pngdirs[] = { "png", "2DCode/png" };
		size_t i;

		if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0 ||
		    l - 5 >= sizeof(num))
			continue;
		snprintf(rel, sizeof(rel), DCC_DIR "/%s/2DCode/raw/%s",
		    folder, de->d_name);
		tc = tu_load_json(rel);
		files++;
		prefix = json_string_value(json_object_get(tc, "PREFIX"));
		b64 = json_string_value(json_object_get(tc, "2DCODE"));
		flag = json_object_get(json_object_get(tc, "EXPECTEDRESULTS"),
		    "EXPECTEDPICTUREDECODE");
		CHECKF(prefix != NULL, "%s", rel);
		/* No case says false; one that does must fail to read. */
		CHECKF(flag == NULL || json_is_true(flag), "%s", rel);
		if (prefix != NULL && b64 != NULL) {
			snprintf(id, sizeof(id), "%s 2DCODE", de->d_name);
			CHECKF(tu_b64(&png, b64, 0) == 0, "%s", id);
			if (is_other(folder, id)) {
				CHECKF(verifies(png.ptr, png.len, tc, id), "%s",
				    id);
				others++;
			} else {
				CHECKF(decodes_to(png.ptr, png.len, prefix, id),
				    "%s/%s", folder, id);
			}
			n++;
		}
		memcpy(num, de->d_name, l - 5);
		num[l - 5] = 0;
		for (i = 0; prefix != NULL && i < 2; i++) {
			snprintf(rel, sizeof(rel), DCC_DIR "/%s/%s/%s.png",
			    folder, pngdirs[i], num);
			FILE *f = fopen(tu_vec_path(rel), "rb");

			if (f == NULL)
				continue;
			fclose(f);
			CHECKF(tu_read_file(&png, tu_vec_path(rel)) == 0, "%s",
			    rel);
			snprintf(id, sizeof(id), "%s/%s.png", pngdirs[i], num);
			if (is_other(folder, id)) {
				CHECKF(verifies(png.ptr, png.len, tc, rel),
				    "%s", rel);
				others++;
			} else {
				CHECKF(decodes_to(png.ptr, png.len, prefix,
				    rel), "%s", rel);
			}
			n++;
		}
		json_decref(tc);
	}
	closedir(d);
	printf("qrimage %s: %u cases, %u pictures read\n", folder, files, n);
	pictures += n;
	sp_buf_clear(&png);
}

/* ---- Synthetic images ---------------------------------------------------- */

/* Renders text as a QR code: scale pixels per module, 4-module quiet
 * zone, dark = 0. With alpha, light modules are transparent black (so
 * only compositing onto white makes them light). */
static int
render(struct sp_buf *px, unsigned *w, const char *text, unsigned scale,
    bool alpha)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	unsigned x, y, n;

	if (qr == NULL)
		return -1;
	n = ((unsigned)qr->width + 8) * scale;
	*w = n;
	sp_buf_reset(px);
	for (y = 0; y < n; y++)
		for (x = 0; x < n; x++) {
			int mx = (int)(x / scale) - 4;
			int my = (int)(y / scale) - 4;
			bool dark = mx >= 0 && my >= 0 && mx < qr->width &&
			    my < qr->width &&
			    (qr->data[my * qr->width + mx] & 1);

			if (alpha) {
				sp_buf_push(px, 0);
				sp_buf_push(px, dark ? 255 : 0);
			} else {
				sp_buf_push(px, dark ? 0 : 255);
			}
		}
	QRcode_free(qr);
	return 0;
}

static int
write_png(struct sp_buf *out, const uint8_t *px, unsigned w, unsigned h,
    bool alpha)
{
	png_image img;
	png_alloc_size_t size = 0;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	img.width = w;
	img.height = h;
	img.format = alpha ? PNG_FORMAT_GA : PNG_FORMAT_GRAY;
	if (!png_image_write_to_memory(&img, NULL, &size, 0, px, 0, NULL))
		return -1;
	sp_buf_reset(out);
	if (sp_buf_reserve(out, size) != SP_OK)
		return -1;
	if (!png_image_write_to_memory(&img, out->ptr, &size, 0, px, 0, NULL))
		return -1;
	out->len = size;
	return 0;
}

static int
write_jpeg(struct sp_buf *out, const uint8_t *px, unsigned w, unsigned h)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr jerr;
	unsigned char *mem = NULL;
	unsigned long size = 0;
	unsigned y;

	c.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &size);
	c.image_width = w;
	c.image_height = h;
	c.input_components = 1;
	c.in_color_space = JCS_GRAYSCALE;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 85, TRUE);
	jpeg_start_compress(&c, TRUE);
	for (y = 0; y < h; y++) {
		JSAMPROW row = (JSAMPROW)(uintptr_t)(px + (size_t)y * w);

		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	sp_buf_set(out, mem, size);
	free(mem);
	return 0;
}

static void
synthetic(void)
{
	static const char text[] = "SP1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH"
	    "-R6IOOA+I.CH2%A$3K2ZNE.5VG8$ZN7NTXD8";
	struct sp_buf px, img;
	char why[256];
	char *out = NULL;
	size_t out_len = 0;
	unsigned w;
	uint8_t *big;

	sp_buf_init(&px);
	sp_buf_init(&img);

	CHECK(render(&px, &w, text, 4, false) == 0);
	CHECK(write_png(&img, px.ptr, w, w, false) == 0);
	CHECK(decodes_to(img.ptr, img.len, text, "synthetic grey PNG"));
	CHECK(write_jpeg(&img, px.ptr, w, w) == 0);
	CHECK(decodes_to(img.ptr, img.len, text, "synthetic JPEG"));
	CHECK(render(&px, &w, text, 3, true) == 0);
	CHECK(write_png(&img, px.ptr, w, w, true) == 0);
	CHECK(decodes_to(img.ptr, img.len, text, "transparent PNG"));

	/* A blank image: no QR code. */
	memset(px.ptr, 255, (size_t)w * w);
	CHECK(write_png(&img, px.ptr, w, w, false) == 0);
	CHECK(cli_qr_from_image(&out, &out_len, img.ptr, img.len, why,
	    sizeof(why)) == SP_ERR_NOT_FOUND);
	CHECK(out == NULL && strstr(why, "no QR") != NULL);
	CHECK(write_jpeg(&img, px.ptr, w, w) == 0);
	CHECK(cli_qr_from_image(&out, &out_len, img.ptr, img.len, why,
	    sizeof(why)) == SP_ERR_NOT_FOUND);

	/* Truncated PNG and JPEG. */
	CHECK(render(&px, &w, text, 4, false) == 0);
	CHECK(write_png(&img, px.ptr, w, w, false) == 0);
	CHECK(cli_qr_from_image(&out, &out_len, img.ptr, img.len / 2, why,
	    sizeof(why)) == SP_ERR_INVALID_ARG);
	CHECK(strstr(why, "PNG") != NULL);
	CHECK(cli_qr_from_image(&out, &out_len, img.ptr, 20, why,
	    sizeof(why)) == SP_ERR_INVALID_ARG);
	CHECK(write_jpeg(&img, px.ptr, w, w) == 0);
	CHECK(cli_qr_from_image(&out, &out_len, img.ptr, 100, why,
	    sizeof(why)) != SP_OK);
	CHECK(cli_qr_from_image(&out, &out_len, img.ptr, 3, why,
	    sizeof(why)) == SP_ERR_INVALID_ARG);

	/* Not an image at all. */
	CHECK(cli_qr_from_image(&out, &out_len, (const uint8_t *)text,
	    strlen(text), why, sizeof(why)) == SP_ERR_UNSUPPORTED);
	CHECK(cli_qr_from_image(&out, &out_len, (const uint8_t *)"", 0, why,
	    sizeof(why)) == SP_ERR_UNSUPPORTED);

	/* Over the caps: 10001 pixels wide, and a 20 MB + 1 byte file. */
	sp_buf_reset(&px);
	CHECK(sp_buf_reserve(&px, 10001u * 8) == SP_OK);
	memset(px.ptr, 255, 10001u * 8);
	CHECK(write_png(&img, px.ptr, 10001, 8, false) == 0);
	CHECK(cli_qr_from_image(&out, &out_len, img.ptr, img.len, why,
	    sizeof(why)) == SP_ERR_TOO_LARGE);
	CHECK(write_jpeg(&img, px.ptr, 8, 10001) == 0);
	CHECK(cli_qr_from_image(&out, &out_len, img.ptr, img.len, why,
	    sizeof(why)) == SP_ERR_TOO_LARGE);
	CHECK((big = calloc(1, QRI_MAX_FILE + 1)) != NULL);
	if (big != NULL) {
		memcpy(big, "\x89PNG\r\n\x1a\n", 8);
		CHECK(cli_qr_from_image(&out, &out_len, big, QRI_MAX_FILE + 1,
		    why, sizeof(why)) == SP_ERR_TOO_LARGE);
		free(big);
	}

	/* Files. */
	CHECK(cli_qr_from_file(&out, &out_len, "/nonexistent/qr.png", why,
	    sizeof(why)) == SP_ERR_NOT_FOUND);
	CHECK(strstr(why, "/nonexistent/qr.png") != NULL);
	CHECK(cli_qr_from_file(&out, &out_len, tu_vec_path(DCC_DIR
	    "/DE/2DCode/png/1.png"), why, sizeof(why)) == SP_OK);
	CHECK(out != NULL && strncmp(out, "HC1:", 4) == 0 &&
	    strlen(out) == out_len);
	free(out);

	sp_buf_clear(&px);
	sp_buf_clear(&img);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(folders) / sizeof(folders[0]); i++)
		dcc_pictures(folders[i]);
	/* 73 2DCODE fields + 4 DE + 3 ES + 42 PL png files. */
	printf("qrimage total: %u pictures\n", pictures);
	CHECK(pictures == 73 + 4 + 3 + 42);
	CHECK(others == sizeof(other_cert) / sizeof(other_cert[0]));
	synthetic();
	return check_report("test_qrimage");
}
