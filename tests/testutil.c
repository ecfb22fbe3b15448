/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the test programs: hex, files, vector paths. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
tu_hex(struct sp_buf *out, const char *hex)
{
	size_t i, n = strlen(hex);

	sp_buf_reset(out);
	if (n % 2 != 0)
		return -1;
	for (i = 0; i < n; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		if (sp_buf_push(out, (uint8_t)(hi << 4 | lo)) != 0)
			return -1;
	}
	return 0;
}

char *
tu_tohex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(2 * n + 1);
	size_t i;

	if (s == NULL)
		abort();
	for (i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[2 * n] = 0;
	return s;
}

int
tu_read_file(struct sp_buf *out, const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t chunk[4096];
	size_t n;
	int r = 0;

	sp_buf_reset(out);
	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (sp_buf_append(out, chunk, n) != 0) {
			r = -1;
			break;
		}
	if (ferror(f))
		r = -1;
	fclose(f);
	return r;
}

const char *
tu_vec_path(const char *rel)
{
	static char path[4096];
	const char *base = getenv("SP_VECTORS");

	if (base == NULL)
		base = SP_SOURCE_ROOT "/tests/vectors";
	snprintf(path, sizeof(path), "%s/%s", base, rel);
	return path;
}

json_t *
tu_load_json(const char *rel)
{
	json_error_t jerr;
	const char *path = tu_vec_path(rel);
	json_t *j = json_load_file(path, 0, &jerr);

	if (j == NULL) {
		fprintf(stderr, "cannot load %s: %s (line %d)\n", path,
		    jerr.text, jerr.line);
		exit(1);
	}
	return j;
}

static int
b64val(int c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

int
tu_b64(struct sp_buf *out, const char *s, int url)
{
	unsigned acc = 0, bits = 0;

	sp_buf_reset(out);
	for (; *s != 0 && *s != '='; s++) {
		int v;

		if (*s == '\n' || *s == '\r')
			continue;
		if ((v = b64val(*s, url)) < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (sp_buf_push(out, (uint8_t)(acc >> bits)) != 0)
				return -1;
		}
	}
	return 0;
}
