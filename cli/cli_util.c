/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the stadspas subcommands (cli_util.h). */
#include "cli_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static void vmessage(const char *prog, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
vmessage(const char *prog, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
cli_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(prog, fmt, ap);
	va_end(ap);
	fprintf(stderr, "(try '%s --help')\n", prog);
	return CLI_USAGE;
}

int
cli_fail(const char *prog, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(prog, fmt, ap);
	va_end(ap);
	return code;
}

int
cli_slurp_fd(int fd, size_t max, uint8_t **out, size_t *len)
{
	uint8_t *buf = NULL, *nb;
	size_t n = 0, cap = 0;
	ssize_t r;

	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap = cap == 0 ? 4096 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				return -1;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

int
cli_slurp(const char *path, size_t max, uint8_t **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), rc, e;

	if (fd < 0)
		return -1;
	rc = cli_slurp_fd(fd, max, out, len);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* fsync of the directory holding path, so the rename survives a crash. */
static int
fsync_parent(const char *path)
{
	char dir[4200];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd, r;

	if (slash == NULL) {
		strcpy(dir, ".");
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(dir, path, n);
		dir[n] = 0;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

static int
write_all(int fd, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	ssize_t w;

	while (off < len) {
		w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

int
cli_write_atomic(const char *path, const uint8_t *buf, size_t len,
    mode_t mode)
{
	char tmp[4200];
	int fd, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >=
	    sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd < 0)
		return -1;
	if (write_all(fd, buf, len) != 0 || fchmod(fd, mode) != 0 ||
	    fsync(fd) != 0)
		goto bad;
	if (close(fd) != 0) {
		fd = -1;
		goto bad;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto bad;
	return fsync_parent(path);
bad:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
	return -1;
}

void
cli_hex(char *out, const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
cli_unhex(uint8_t *out, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s), i;
	int hi, lo;

	if (n == 0 || n % 2 != 0 || n / 2 > cap)
		return -1;
	for (i = 0; i < n; i += 2) {
		if ((hi = nibble(s[i])) < 0 || (lo = nibble(s[i + 1])) < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

int
cli_parse_int(const char *prog, const char *opt, const char *s,
    long long min, long long max, long long *out)
{
	char *e;
	long long v;

	errno = 0;
	v = strtoll(s, &e, 10);
	if (errno != 0 || e == s || *e != '\0' || v < min || v > max)
		return cli_usage_error(prog, "bad %s '%s' (want %lld..%lld)",
		    opt, s, min, max);
	*out = v;
	return CLI_OK;
}
