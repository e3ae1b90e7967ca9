/* Unit tests for src/parse.c: cursor parsers, ISO 8601 times, incident ids. */
#include <stdint.h>
#include <stdlib.h>

#include "parse.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct u64_case {
	const char *in;
	uint64_t max;
	int rc;
	uint64_t want;   /* when rc == 0 */
	size_t consumed; /* when rc == 0 */
};

static const struct u64_case u64_cases[] = {
	{"0", UINT64_MAX, 0, 0, 1},
	{"42", UINT64_MAX, 0, 42, 2},
	{"42abc", UINT64_MAX, 0, 42, 2},          /* stops at the first non-digit */
	{"007", UINT64_MAX, 0, 7, 3},
	{"18446744073709551615", UINT64_MAX, 0, UINT64_MAX, 20},
	{"18446744073709551616", UINT64_MAX, -1, 0, 0}, /* UINT64_MAX + 1 */
	{"99999999999999999999", UINT64_MAX, -1, 0, 0},
	{"100000000000000000000000", UINT64_MAX, -1, 0, 0},
	{"100", 100, 0, 100, 3},
	{"101", 100, -1, 0, 0},
	{"1000", 100, -1, 0, 0},
	{"7", 5, -1, 0, 0},                       /* a single digit above max */
	{"9", 0, -1, 0, 0},
	{"0", 0, 0, 0, 1},
	{"", UINT64_MAX, -1, 0, 0},
	{"abc", UINT64_MAX, -1, 0, 0},
	{"-1", UINT64_MAX, -1, 0, 0},
	{"+5", UINT64_MAX, -1, 0, 0},
	{" 5", UINT64_MAX, -1, 0, 0},
};

static void test_parse_u64(void)
{
	for (size_t i = 0; i < NELEM(u64_cases); i++) {
		const struct u64_case *c = &u64_cases[i];
		const char *cursor = c->in;
		uint64_t out = 12345; /* a sentinel failure must leave alone */
		int rc = parse_u64(&cursor, &out, c->max);

		CHECK_MSG(rc == c->rc, "parse_u64(\"%s\", max %llu): rc %d, want %d", c->in,
			  (unsigned long long)c->max, rc, c->rc);
		if (c->rc == 0) {
			CHECK_MSG(out == c->want, "parse_u64(\"%s\"): %llu, want %llu", c->in,
				  (unsigned long long)out, (unsigned long long)c->want);
			CHECK_MSG(cursor == c->in + c->consumed, "parse_u64(\"%s\"): consumed %td",
				  c->in, cursor - c->in);
		} else {
			CHECK_MSG(cursor == c->in, "parse_u64(\"%s\") moved the cursor on failure",
				  c->in);
			CHECK_MSG(out == 12345, "parse_u64(\"%s\") wrote the output on failure",
				  c->in);
		}
	}
}

static void test_parse_u64_sequence(void)
{
	const char *cursor = "12:34";
	uint64_t h = 0, m = 0;

	/* The cursor lets parsers chain over a larger string. */
	CHECK_INT(parse_u64(&cursor, &h, 23), 0);
	CHECK(*cursor == ':');
	cursor++;
	CHECK_INT(parse_u64(&cursor, &m, 59), 0);
	CHECK(*cursor == '\0');
	CHECK_INT(h, 12);
	CHECK_INT(m, 34);
}

struct iso_case {
	const char *in;
	int rc;
	int64_t ms; /* when rc == 0 */
};

static const struct iso_case iso_cases[] = {
	{"1970-01-01T00:00:00Z", 0, 0},
	{"1970-01-01T00:00:00.001Z", 0, 1},
	{"2026-11-23T14:32:05.123Z", 0, 1795444325123},
	{"2026-11-23T14:32:05.123+00:00", 0, 1795444325123},
	{"2026-11-23t14:32:05.123z", 0, 1795444325123},   /* lower-case separators */
	{"2026-11-23 14:32:05.123Z", 0, 1795444325123},   /* RFC 3339's space */
	{"2026-11-23T14:32:05.1Z", 0, 1795444325100},     /* tenths */
	{"2026-11-23T14:32:05.12Z", 0, 1795444325120},    /* hundredths */
	{"2026-11-23T14:32:05.123456789Z", 0, 1795444325123}, /* nanoseconds truncate */
	{"2026-11-23T14:32:05.1234567890Z", -1, 0},       /* more than nanoseconds */
	{"2026-11-23T14:32:05.Z", -1, 0},
	{"2024-02-29T12:00:00Z", 0, 1709208000000},       /* leap day */
	{"2000-02-29T00:00:00Z", 0, 951782400000},        /* leap century */
	{"2023-02-29T00:00:00Z", -1, 0},
	{"2100-02-29T00:00:00Z", -1, 0},                  /* not a leap century */
	{"2026-04-31T00:00:00Z", -1, 0},
	{"2026-02-30T00:00:00Z", -1, 0},
	{"2026-13-01T00:00:00Z", -1, 0},
	{"2026-00-10T00:00:00Z", -1, 0},
	{"2026-01-00T00:00:00Z", -1, 0},
	{"2026-01-32T00:00:00Z", -1, 0},
	{"1969-12-31T23:59:59Z", -1, 0},                  /* before 1970 */
	{"1999-12-31T23:59:59Z", 0, 946684799000},
	{"9999-12-31T23:59:59.999Z", 0, 253402300799999},
	{"2026-11-23T24:00:00Z", -1, 0},
	{"2026-11-23T14:60:00Z", -1, 0},
	{"2026-11-23T23:59:60Z", 0, 1795478399000},       /* leap second folds into :59 */
	{"2026-11-23T14:32:61Z", -1, 0},
	{"2026-11-23T14:32:05", -1, 0},                   /* no zone */
	{"2026-11-23T14:32:05+01:00", -1, 0},             /* UTC only on the wire */
	{"2026-11-23T14:32:05-00:00", -1, 0},
	{"2026-11-23T14:32:05+00", -1, 0},
	{"2026-11-23", -1, 0},
	{"2026-1-05T00:00:00Z", -1, 0},
	{"26-11-23T14:32:05Z", -1, 0},
	{"2026/11/23T14:32:05Z", -1, 0},
	{"2026-11-23T14:32Z", -1, 0},
	{"", -1, 0},
	{"not a time", -1, 0},
};

static void test_time_iso_parse(void)
{
	for (size_t i = 0; i < NELEM(iso_cases); i++) {
		const struct iso_case *c = &iso_cases[i];
		int64_t out = 777;
		int rc = time_from_iso(c->in, &out);

		CHECK_MSG(rc == c->rc, "time_from_iso(\"%s\"): rc %d, want %d", c->in, rc, c->rc);
		if (c->rc == 0)
			CHECK_MSG(out == c->ms, "time_from_iso(\"%s\"): %lld, want %lld", c->in,
				  (long long)out, (long long)c->ms);
		else
			CHECK_MSG(out == 777, "time_from_iso(\"%s\") wrote the output on failure",
				  c->in);
	}
}

static void test_time_iso_cursor(void)
{
	const char *s = "2026-05-20T09:15:00Z,next";
	const char *cursor = s;
	int64_t ms = 0;

	/* The cursor form stops right after the zone; the whole-string form refuses the rest. */
	CHECK_INT(parse_time_iso(&cursor, &ms), 0);
	CHECK_INT(ms, 1779268500000);
	CHECK_STR(cursor, ",next");
	CHECK_INT(time_from_iso(s, &ms), -1);

	/* A failure deep inside the string leaves the cursor at its start. */
	s = "2026-05-20T09:15:00+01:00";
	cursor = s;
	ms = 5;
	CHECK_INT(parse_time_iso(&cursor, &ms), -1);
	CHECK(cursor == s);
	CHECK_INT(ms, 5);

	/* A truncated string must fail without reading past its end (ASan watches). */
	for (size_t len = 0; len < strlen("2026-05-20T09:15:00.5Z"); len++) {
		char part[32];

		memcpy(part, "2026-05-20T09:15:00.5Z", len);
		part[len] = '\0';
		CHECK_MSG(time_from_iso(part, &ms) == -1, "prefix \"%s\" parsed", part);
	}
}

struct iso_out_case {
	int64_t ms;
	const char *want;
};

static const struct iso_out_case iso_out_cases[] = {
	{0, "1970-01-01T00:00:00Z"},
	{1, "1970-01-01T00:00:00.001Z"},
	{999, "1970-01-01T00:00:00.999Z"},
	{1000, "1970-01-01T00:00:01Z"},
	{86399999, "1970-01-01T23:59:59.999Z"},
	{1795444325123, "2026-11-23T14:32:05.123Z"},
	{1795444325000, "2026-11-23T14:32:05Z"},   /* no millis when they are zero */
	{1795444325100, "2026-11-23T14:32:05.100Z"},
	{1709208000000, "2024-02-29T12:00:00Z"},
	{951782400000, "2000-02-29T00:00:00Z"},
	{1798761599999, "2026-12-31T23:59:59.999Z"},
	{1798761600000, "2027-01-01T00:00:00Z"},
	{253402300799999, "9999-12-31T23:59:59.999Z"},
};

static void test_time_to_iso(void)
{
	char out[TIME_ISO_MAX];

	for (size_t i = 0; i < NELEM(iso_out_cases); i++) {
		time_to_iso(iso_out_cases[i].ms, out);
		CHECK_STR(out, iso_out_cases[i].want);
	}
}

static void test_time_iso_round_trip(void)
{
	char out[TIME_ISO_MAX];
	int64_t back;

	for (size_t i = 0; i < NELEM(iso_out_cases); i++) {
		time_to_iso(iso_out_cases[i].ms, out);
		CHECK_MSG(time_from_iso(out, &back) == 0 && back == iso_out_cases[i].ms,
			  "%lld -> \"%s\" did not come back", (long long)iso_out_cases[i].ms, out);
	}
	/* A sweep over 60 years in uneven steps crosses every month, leap days included. */
	for (int64_t ms = 0; ms < (int64_t)60 * 366 * 86400000; ms += 86400000 + 3600007) {
		time_to_iso(ms, out);
		if (time_from_iso(out, &back) != 0 || back != ms) {
			unit_fail(__FILE__, __LINE__, "%lld -> \"%s\" did not come back",
				  (long long)ms, out);
			break;
		}
	}
}

struct civil_case {
	int64_t ms;
	int year, month, day;
};

static const struct civil_case civil_cases[] = {
	{0, 1970, 1, 1},
	{86399999, 1970, 1, 1},
	{86400000, 1970, 1, 2},
	{-1, 1969, 12, 31},
	{951782400000, 2000, 2, 29},
	{1709208000000, 2024, 2, 29},
	{1798761599999, 2026, 12, 31},
	{1798761600000, 2027, 1, 1},
	{253402300799999, 9999, 12, 31},
};

static void test_time_civil(void)
{
	for (size_t i = 0; i < NELEM(civil_cases); i++) {
		const struct civil_case *c = &civil_cases[i];
		int y = 0, m = 0, d = 0;

		time_civil(c->ms, &y, &m, &d);
		CHECK_MSG(y == c->year && m == c->month && d == c->day,
			  "time_civil(%lld): %04d-%02d-%02d, want %04d-%02d-%02d",
			  (long long)c->ms, y, m, d, c->year, c->month, c->day);
	}
}

struct id_case {
	const char *in;
	int rc;
	int64_t want;
};

static const struct id_case id_cases[] = {
	{"INC-42", 0, 42},
	{"inc-7", 0, 7},
	{"Inc-1", 0, 1},
	{"42", 0, 42},
	{"INC-007", 0, 7},
	{"INC-9223372036854775807", 0, INT64_MAX},
	{"INC-9223372036854775808", -1, 0},
	{"18446744073709551616", -1, 0},
	{"INC-0", -1, 0},   /* numbers start at 1 */
	{"0", -1, 0},
	{"INC-", -1, 0},
	{"INC", -1, 0},
	{"", -1, 0},
	{"INC-42x", -1, 0},
	{"INC-42 ", -1, 0},
	{" 42", -1, 0},
	{"INC--1", -1, 0},
	{"INC-+1", -1, 0},
	{"IN-42", -1, 0},
	{"INC42", -1, 0},
	{"INC-INC-4", -1, 0},
};

static void test_parse_incident_id(void)
{
	for (size_t i = 0; i < NELEM(id_cases); i++) {
		const struct id_case *c = &id_cases[i];
		int64_t out = -99;
		int rc = parse_incident_id(c->in, &out);

		CHECK_MSG(rc == c->rc, "parse_incident_id(\"%s\"): rc %d, want %d", c->in, rc,
			  c->rc);
		if (c->rc == 0)
			CHECK_MSG(out == c->want, "parse_incident_id(\"%s\"): %lld", c->in,
				  (long long)out);
		else
			CHECK_MSG(out == -99, "parse_incident_id(\"%s\") wrote on failure", c->in);
	}
}

static void test_parse_env_ms(void)
{
	static const struct {
		const char *value; /* NULL: unset */
		int want;
	} cases[] = {
		{NULL, 7}, {"", 7}, {"250", 250}, {"100", 100}, {"99", 7}, {"1000", 1000},
		{"1001", 7}, {"-5", 7}, {"12ms", 7}, {" 200", 7},
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		int got;

		if (cases[i].value)
			setenv("MAJOROPS_UNIT_MS", cases[i].value, 1);
		else
			unsetenv("MAJOROPS_UNIT_MS");
		got = parse_env_ms("MAJOROPS_UNIT_MS", 100, 1000, 7);
		CHECK_MSG(got == cases[i].want, "parse_env_ms(%s): %d, want %d",
			  cases[i].value ? cases[i].value : "unset", got, cases[i].want);
	}
	unsetenv("MAJOROPS_UNIT_MS");
}

UNIT_SUITE(parse_suite) = {
	{"parse_u64", test_parse_u64},
	{"parse_u64_sequence", test_parse_u64_sequence},
	{"time_iso_parse", test_time_iso_parse},
	{"time_iso_cursor", test_time_iso_cursor},
	{"time_to_iso", test_time_to_iso},
	{"time_iso_round_trip", test_time_iso_round_trip},
	{"time_civil", test_time_civil},
	{"parse_incident_id", test_parse_incident_id},
	{"parse_env_ms", test_parse_env_ms},
	UNIT_END
};
