#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

int parse_u64(const char **cursor, uint64_t *out, uint64_t max)
{
	const char *p = *cursor;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');
		/* d > max first: `max - d` would wrap and let a single digit past the cap. */
		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	*cursor = p;
	return 0;
}

/* Exactly `width` digits with a value in [lo, hi]. */
static int parse_fixed(const char **cursor, int width, int lo, int hi, int *out)
{
	const char *p = *cursor;
	int v = 0;

	for (int i = 0; i < width; i++, p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	*cursor = p;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void time_civil(int64_t ms, int *year, int *month, int *day)
{
	int64_t z = (ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000) + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);

	*year = (int)(yoe + era * 400) + (m <= 2);
	*month = m;
	*day = d;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

int parse_time_iso(const char **cursor, int64_t *out_ms)
{
	const char *p = *cursor;
	int y, mo, d, h, mi, s, frac = 0;

	if (parse_fixed(&p, 4, 1970, 9999, &y) || *p++ != '-' ||
	    parse_fixed(&p, 2, 1, 12, &mo) || *p++ != '-' ||
	    parse_fixed(&p, 2, 1, 31, &d) || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if (d > days_in_month(y, mo))
		return -1;
	if (parse_fixed(&p, 2, 0, 23, &h) || *p++ != ':' ||
	    parse_fixed(&p, 2, 0, 59, &mi) || *p++ != ':' ||
	    parse_fixed(&p, 2, 0, 60, &s))
		return -1;
	if (s == 60)
		s = 59;
	if (*p == '.') {
		int digits = 0;
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++, digits++) {
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
			if (digits >= 9) /* a tenth digit is finer than nanoseconds */
				return -1;
		}
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (p[0] == '+' && p[1] == '0' && p[2] == '0' && p[3] == ':' && p[4] == '0' &&
		   p[5] == '0') {
		p += 6;
	} else {
		return -1;
	}
	*out_ms = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000) + frac;
	*cursor = p;
	return 0;
}

int time_from_iso(const char *s, int64_t *out_ms)
{
	const char *p = s;
	int64_t v;

	if (parse_time_iso(&p, &v) != 0 || *p != '\0')
		return -1;
	*out_ms = v;
	return 0;
}

void time_to_iso(int64_t ms, char out[TIME_ISO_MAX])
{
	int y, mo, d;
	int64_t sec_of_day = ((ms % 86400000) + 86400000) % 86400000;
	int msec = (int)(sec_of_day % 1000);

	time_civil(ms, &y, &mo, &d);
	sec_of_day /= 1000;
	if (msec)
		snprintf(out, TIME_ISO_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, d,
			 (int)(sec_of_day / 3600), (int)(sec_of_day / 60 % 60),
			 (int)(sec_of_day % 60), msec);
	else
		snprintf(out, TIME_ISO_MAX, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d,
			 (int)(sec_of_day / 3600), (int)(sec_of_day / 60 % 60),
			 (int)(sec_of_day % 60));
}

int parse_incident_id(const char *s, int64_t *out_number)
{
	const char *p = s;
	uint64_t n;

	if (strncasecmp(p, "INC-", 4) == 0)
		p += 4;
	if (parse_u64(&p, &n, (uint64_t)INT64_MAX) != 0 || *p != '\0' || n == 0)
		return -1;
	*out_number = (int64_t)n;
	return 0;
}

int parse_env_ms(const char *name, int min, int max, int dflt)
{
	const char *p = getenv(name);
	uint64_t n;

	if (p && parse_u64(&p, &n, (uint64_t)max) == 0 && *p == '\0' && n >= (uint64_t)min)
		return (int)n;
	return dflt;
}
