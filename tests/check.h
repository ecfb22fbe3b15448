/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Minimal test harness: CHECK() never compiles out, reports file:line and
 * counts. A test program ends with `return check_report("name");`.
 */
#ifndef STADSPAS_TESTS_CHECK_H
#define STADSPAS_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static unsigned check_passed, check_failed;

#define CHECK(expr) do { \
	if (expr) { \
		check_passed++; \
	} else { \
		check_failed++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
		    __LINE__, #expr); \
	} \
} while (0)

/* CHECK with a printf-style note shown on failure. */
#define CHECKF(expr, ...) do { \
	if (expr) { \
		check_passed++; \
	} else { \
		check_failed++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, \
		    __LINE__, #expr); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

static inline int
check_report(const char *name)
{
	printf("%s: %u checks passed, %u failed\n", name, check_passed,
	    check_failed);
	return check_failed == 0 && check_passed > 0 ? 0 : 1;
}

#endif /* STADSPAS_TESTS_CHECK_H */
