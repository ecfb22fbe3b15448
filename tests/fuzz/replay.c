/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Corpus replay driver: runs LLVMFuzzerTestOneInput over every file of the
 * directories or files given, so fuzz targets are regression tests in a
 * normal build. Fails if no input was found.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "cannot read %s\n", path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* +1: never malloc(0); the target sees only n bytes. */
	if ((buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int
run_path(const char *path, unsigned *count)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char sub[4096];
	int r = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "missing %s\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (run_path(sub, count) != 0)
			r = -1;
	}
	closedir(d);
	return r;
}

int
main(int argc, char **argv)
{
	unsigned count = 0;
	int i, r = 0;

	for (i = 1; i < argc; i++)
		if (run_path(argv[i], &count) != 0)
			r = 1;
	printf("replayed %u inputs\n", count);
	return r != 0 || count == 0 ? 1 : 0;
}
