/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small helpers every `stadspas` subcommand needs: error messages with
 * the right exit code, whole-file reads with a ceiling, atomic durable
 * file writes, hex and integer parsing. No state; errno is preserved
 * for the caller's message where a function says so.
 */
#ifndef STADSPAS_CLI_UTIL_H
#define STADSPAS_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* "<prog>: <message>\n(try '<prog> --help')" on stderr; CLI_USAGE. */
int cli_usage_error(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "<prog>: <message>" on stderr; returns code. */
int cli_fail(const char *prog, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads all of fd / path (at most max bytes) into a malloc'd buffer with
 * a NUL added after the data (the caller frees it). 0, or -1 with errno
 * set (EFBIG past max). */
int cli_slurp_fd(int fd, size_t max, uint8_t **out, size_t *len);
int cli_slurp(const char *path, size_t max, uint8_t **out, size_t *len);

/* Writes path atomically and durably: "<path>.tmp" with mode (no
 * symlink followed), fsync, rename over path, fsync of its directory.
 * 0, or -1 with errno set (the temporary file removed). */
int cli_write_atomic(const char *path, const uint8_t *buf, size_t len,
    mode_t mode);

/* Lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void cli_hex(char *out, const uint8_t *p, size_t n);
/* Hex (either case, even length, at least one byte, at most cap bytes)
 * to bytes; 0 or -1. */
int cli_unhex(uint8_t *out, size_t cap, size_t *len, const char *s);

/* A decimal integer in [min, max]; a usage error quoting opt and s
 * otherwise (CLI_USAGE, after cli_usage_error(prog, ...)); CLI_OK. */
int cli_parse_int(const char *prog, const char *opt, const char *s,
    long long min, long long max, long long *out);

#endif /* STADSPAS_CLI_UTIL_H */
