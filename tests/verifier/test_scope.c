/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sp_limit_scope: UTC calendar periods and ISO 8601 week-numbering years
 * at their edges, against an independent count (day by day from
 * 1970-01-01 for weeks, which must advance by exactly one every Monday).
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "stadspas/sp_verifier.h"

static int64_t
at(int y, int m, int d, int hh)
{
	/* Days from 1970 by counting months: independent of scope.c. */
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int64_t days = 0;
	int i;

	for (i = 1970; i < y; i++)
		days += (i % 4 == 0 && (i % 100 != 0 || i % 400 == 0)) ?
		    366 : 365;
	for (i = 1; i < m; i++)
		days += mdays[i - 1] + (i == 2 && y % 4 == 0 &&
		    (y % 100 != 0 || y % 400 == 0));
	return (days + d - 1) * 86400 + hh * 3600;
}

static bool
scope_is(enum sp_period per, int64_t t, const char *want)
{
	char out[SP_SCOPE_MAX];

	if (sp_limit_scope(out, "swim", per, t) != SP_OK)
		return false;
	if (strcmp(out, want) != 0) {
		fprintf(stderr, "got %s, want %s\n", out, want);
		return false;
	}
	return true;
}

static void
test_edges(void)
{
	CHECK(scope_is(SP_PERIOD_WEEK, at(2026, 12, 31, 12), "swim/2026-W53"));
	CHECK(scope_is(SP_PERIOD_WEEK, at(2027, 1, 1, 0), "swim/2026-W53"));
	CHECK(scope_is(SP_PERIOD_WEEK, at(2027, 1, 3, 23), "swim/2026-W53"));
	CHECK(scope_is(SP_PERIOD_WEEK, at(2027, 1, 4, 0), "swim/2027-W01"));
	CHECK(scope_is(SP_PERIOD_WEEK, at(2024, 12, 30, 0), "swim/2025-W01"));
	CHECK(scope_is(SP_PERIOD_WEEK, at(2024, 12, 29, 23),
	    "swim/2024-W52"));
	CHECK(scope_is(SP_PERIOD_WEEK, at(2026, 3, 3, 12), "swim/2026-W10"));
	CHECK(scope_is(SP_PERIOD_WEEK, at(2020, 12, 31, 0), "swim/2020-W53"));
	CHECK(scope_is(SP_PERIOD_WEEK, at(2021, 1, 1, 0), "swim/2020-W53"));
	CHECK(scope_is(SP_PERIOD_WEEK, at(2008, 12, 29, 0), "swim/2009-W01"));
	CHECK(scope_is(SP_PERIOD_WEEK, at(1970, 1, 1, 0), "swim/1970-W01"));
	CHECK(scope_is(SP_PERIOD_YEAR, at(2026, 12, 31, 23) + 3599,
	    "swim/2026"));
	CHECK(scope_is(SP_PERIOD_YEAR, at(2027, 1, 1, 0), "swim/2027"));
	CHECK(scope_is(SP_PERIOD_MONTH, at(2024, 2, 29, 23), "swim/2024-02"));
	CHECK(scope_is(SP_PERIOD_MONTH, at(2024, 3, 1, 0), "swim/2024-03"));
	CHECK(scope_is(SP_PERIOD_DAY, at(2024, 2, 29, 23), "swim/2024-02-29"));
	CHECK(scope_is(SP_PERIOD_DAY, at(2100, 3, 1, 0), "swim/2100-03-01"));
	CHECK(scope_is(SP_PERIOD_DAY, at(2000, 2, 29, 5), "swim/2000-02-29"));
}

/* Every day 1970..2200: days and months agree with a plain calendar
 * walk, and the ISO week advances exactly on Mondays. */
static void
test_walk(void)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	char out[SP_SCOPE_MAX], want[SP_SCOPE_MAX], prev[SP_SCOPE_MAX] = "";
	int y = 1970, m = 1, d = 1, wd = 4;	/* Thursday */
	int64_t day;
	unsigned bad = 0;

	for (day = 0; y < 2200; day++) {
		snprintf(want, sizeof(want), "c/%04d-%02d-%02d", y, m, d);
		if (sp_limit_scope(out, "c", SP_PERIOD_DAY, day * 86400 +
		    43200) != SP_OK || strcmp(out, want) != 0)
			bad++;
		if (sp_limit_scope(out, "c", SP_PERIOD_WEEK, day * 86400) !=
		    SP_OK)
			bad++;
		if ((strcmp(out, prev) != 0) != (wd == 1 || day == 0))
			bad++;
		/* Week 1 contains 4 January. */
		if (m == 1 && d == 4 && strstr(out, "-W01") == NULL)
			bad++;
		memcpy(prev, out, sizeof(prev));
		wd = wd % 7 + 1;
		if (++d > mdays[m - 1] + (m == 2 && y % 4 == 0 &&
		    (y % 100 != 0 || y % 400 == 0))) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	CHECK(bad == 0);
}

static void
test_args(void)
{
	char out[SP_SCOPE_MAX];
	char longcat[64];

	CHECK(sp_limit_scope(out, "swim", SP_PERIOD_NONE, 0) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_limit_scope(out, "swim", (enum sp_period)9, 0) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_limit_scope(out, "", SP_PERIOD_YEAR, 0) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_limit_scope(out, "a/b", SP_PERIOD_YEAR, 0) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_limit_scope(out, "swim", SP_PERIOD_YEAR, -1) ==
	    SP_ERR_INVALID_ARG);
	CHECK(sp_limit_scope(NULL, "swim", SP_PERIOD_YEAR, 0) ==
	    SP_ERR_INVALID_ARG);
	/* A 32-byte category (the catalogue's longest) with a day fits. */
	memset(longcat, 'x', 32);
	longcat[32] = 0;
	CHECK(sp_limit_scope(out, longcat, SP_PERIOD_DAY, at(2026, 3, 3, 0)) ==
	    SP_OK && strlen(out) == 32 + 11);
	memset(longcat, 'x', 40);
	longcat[40] = 0;
	CHECK(sp_limit_scope(out, longcat, SP_PERIOD_DAY, 0) ==
	    SP_ERR_INVALID_ARG);
}

int
main(void)
{
	test_edges();
	test_walk();
	test_args();
	return check_report("test_scope");
}
