/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Limit scopes (sp_limit_scope): the UTC calendar period containing a
 * time, with ISO 8601 week numbering (weeks start on Monday; week 1 holds
 * the year's first Thursday), as docs/FORMATS.md §6.2 labels them.
 */
#include "stadspas/sp_verifier.h"

#include <stdio.h>
#include <string.h>

struct civil {
	int64_t y;
	unsigned m, d;
};

/* Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil inverse, in plain arithmetic). */
static struct civil
civil_of(int64_t days)
{
	int64_t z = days + 719468, era, yoe, doy, mp, y;
	struct civil c;

	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	y = yoe + era * 400;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c.d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	c.m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	c.y = y + (c.m <= 2);
	return c;
}

static int64_t
days_of(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* ISO weekday, Monday 1 .. Sunday 7; 1970-01-01 was a Thursday. */
static int64_t
iso_wday(int64_t days)
{
	int64_t w = (days + 3) % 7;

	return (w < 0 ? w + 7 : w) + 1;
}

/* ISO week-numbering year and week of a day. */
static void
iso_week(int64_t days, int64_t *year, unsigned *week)
{
	int64_t thu = days - iso_wday(days) + 4;	/* this week's Thursday */
	struct civil c = civil_of(thu);

	*year = c.y;
	*week = (unsigned)((thu - days_of(c.y, 1, 1)) / 7 + 1);
}

int
sp_limit_scope(char out[SP_SCOPE_MAX], const char *category,
    enum sp_period period, int64_t t)
{
	int64_t days, y;
	struct civil c;
	unsigned w;
	int n;

	if (out == NULL || category == NULL || *category == 0 ||
	    strchr(category, '/') != NULL || t < 0)
		return SP_ERR_INVALID_ARG;
	days = t / 86400;
	c = civil_of(days);
	switch (period) {
	case SP_PERIOD_YEAR:
		n = snprintf(out, SP_SCOPE_MAX, "%s/%04lld", category,
		    (long long)c.y);
		break;
	case SP_PERIOD_MONTH:
		n = snprintf(out, SP_SCOPE_MAX, "%s/%04lld-%02u", category,
		    (long long)c.y, c.m);
		break;
	case SP_PERIOD_WEEK:
		iso_week(days, &y, &w);
		n = snprintf(out, SP_SCOPE_MAX, "%s/%04lld-W%02u", category,
		    (long long)y, w);
		break;
	case SP_PERIOD_DAY:
		n = snprintf(out, SP_SCOPE_MAX, "%s/%04lld-%02u-%02u",
		    category, (long long)c.y, c.m, c.d);
		break;
	default:
		return SP_ERR_INVALID_ARG;
	}
	if (n < 0 || n >= SP_SCOPE_MAX) {
		out[0] = 0;
		return SP_ERR_INVALID_ARG;
	}
	return SP_OK;
}
