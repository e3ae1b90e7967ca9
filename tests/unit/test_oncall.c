/*
 * Unit tests for on-call arithmetic (src/oncall.c) and time zones (src/tz.c): shift
 * boundaries in UTC, Europe/Berlin and America/New_York across both daylight-saving
 * changes, weekly rotations, overrides inside and outside their windows, the order
 * wrapping round, TZif files against known offsets (and their POSIX footer past 2037),
 * the signed acknowledgement and calendar links, iCalendar lines.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oncall.h"
#include "parse.h"
#include "tz.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define HOUR_MS ((int64_t)3600 * 1000)

static int64_t iso(const char *s)
{
	int64_t ms = 0;

	if (time_from_iso(s, &ms) != 0)
		unit_fail(__FILE__, __LINE__, "bad test time %s", s);
	return ms;
}

static struct tz_zone *zone(const char *name)
{
	struct tz_zone *z = NULL;

	if (tz_load(name, &z) != 0)
		unit_fail(__FILE__, __LINE__, "cannot load zone %s (is tzdata installed?)", name);
	return z;
}

static void rotation(struct oncall_rotation *r, const struct tz_zone *z, int hours,
		     const char *handover, const char *start, size_t n)
{
	memset(r, 0, sizeof(*r));
	r->zone = z;
	r->shift_hours = hours;
	r->handover_minutes = oncall_parse_handover(handover);
	r->nmembers = n;
	if (oncall_parse_date(start, &r->start_day) != 0)
		unit_fail(__FILE__, __LINE__, "bad test date %s", start);
}

/* ---- time zones ---- */

static void test_tz_known_offsets(void)
{
	static const struct {
		const char *zone, *at;
		int32_t offset;
	} cases[] = {
		{"UTC", "2026-07-01T00:00:00Z", 0},
		{"Europe/Berlin", "2026-01-15T12:00:00Z", 3600},
		{"Europe/Berlin", "2026-07-15T12:00:00Z", 7200},
		{"Europe/Berlin", "2026-03-29T00:59:59Z", 3600},   /* the second before the change */
		{"Europe/Berlin", "2026-03-29T01:00:00Z", 7200},
		{"Europe/Berlin", "2026-10-25T00:59:59Z", 7200},
		{"Europe/Berlin", "2026-10-25T01:00:00Z", 3600},
		{"America/New_York", "2026-01-15T12:00:00Z", -18000},
		{"America/New_York", "2026-03-08T06:59:59Z", -18000},
		{"America/New_York", "2026-03-08T07:00:00Z", -14400},
		{"America/New_York", "2026-11-01T05:59:59Z", -14400},
		{"America/New_York", "2026-11-01T06:00:00Z", -18000},
		{"Asia/Kolkata", "2026-07-01T00:00:00Z", 19800},
		{"Australia/Sydney", "2026-01-15T00:00:00Z", 39600},
		{"Australia/Sydney", "2026-07-15T00:00:00Z", 36000},
		/* Past the transitions a file lists (2037): the footer's POSIX rule. */
		{"Europe/Berlin", "2040-07-01T00:00:00Z", 7200},
		{"Europe/Berlin", "2040-01-01T00:00:00Z", 3600},
		{"Europe/Berlin", "2041-03-31T01:00:00Z", 7200},  /* last Sunday of March 2041 */
		{"Europe/Berlin", "2041-03-31T00:59:59Z", 3600},
		{"America/New_York", "2045-07-04T12:00:00Z", -14400},
		{"Australia/Sydney", "2045-01-15T00:00:00Z", 39600},
		{"Australia/Sydney", "2045-07-15T00:00:00Z", 36000},
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct tz_zone *z = zone(cases[i].zone);
		int32_t got;

		if (z == NULL)
			continue;
		got = tz_offset(z, iso(cases[i].at) / 1000);
		CHECK_MSG(got == cases[i].offset, "%s at %s: offset %d, want %d", cases[i].zone,
			  cases[i].at, (int)got, (int)cases[i].offset);
		tz_free(z);
	}
	/* 1875, before standard time: Berlin's local mean time, +0:53:28 (type 0). */
	{
		struct tz_zone *z = zone("Europe/Berlin");

		REQUIRE(z);
		CHECK_INT(tz_offset(z, -3000000000LL), 3208);
		tz_free(z);
	}
}

static void test_tz_local_to_utc(void)
{
	struct tz_zone *z = zone("Europe/Berlin");
	/* local seconds of 2026-03-29 02:30 (skipped) and 2026-10-25 02:30 (repeated) */
	int64_t spring = tz_days_from_civil(2026, 3, 29) * 86400 + 2 * 3600 + 1800;
	int64_t autumn = tz_days_from_civil(2026, 10, 25) * 86400 + 2 * 3600 + 1800;
	int64_t noon = tz_days_from_civil(2026, 7, 1) * 86400 + 12 * 3600;

	REQUIRE(z);
	CHECK_INT(tz_to_utc(z, noon) * 1000, iso("2026-07-01T10:00:00Z"));
	/* Skipped: read with the offset before the change, 03:30 CEST. */
	CHECK_INT(tz_to_utc(z, spring) * 1000, iso("2026-03-29T01:30:00Z"));
	/* Repeated: the first 02:30, still CEST. */
	CHECK_INT(tz_to_utc(z, autumn) * 1000, iso("2026-10-25T00:30:00Z"));
	tz_free(z);
}

static void test_tz_names_and_bad_files(void)
{
	static const char *const bad[] = {"", "/etc/passwd", "../etc/passwd", "Europe/../../etc",
					  "Europe//Berlin", "Europe/Berlin ", "a;b", "./UTC"};
	struct tz_zone *z = NULL;
	unsigned char *data;
	size_t len;
	FILE *f;

	for (size_t i = 0; i < NELEM(bad); i++) {
		CHECK_MSG(!tz_name_valid(bad[i]), "'%s' accepted as a zone name", bad[i]);
		CHECK(tz_load(bad[i], &z) == -1 && z == NULL);
	}
	CHECK(tz_name_valid("America/Argentina/Buenos_Aires"));
	CHECK(tz_name_valid("Etc/GMT+5"));
	CHECK(tz_load("Mars/Olympus_Mons", &z) == -1);
	/* Truncated and corrupted files are refused, never read past their end. */
	f = fopen(TZ_DIR "/Europe/Berlin", "rb");
	REQUIRE(f);
	data = malloc(8192);
	len = fread(data, 1, 8192, f);
	fclose(f);
	REQUIRE(len > 100);
	for (size_t cut = 0; cut < 44 * 2 + 60; cut += 7) {
		CHECK(tz_parse(data, cut, "x", &z) == -1);
		tz_free(z);
	}
	CHECK(tz_parse(data, len, "Europe/Berlin", &z) == 0 && z && z->has_rule);
	tz_free(z);
	data[0] = 'X';
	CHECK(tz_parse(data, len, "x", &z) == -1);
	free(data);
}

static void test_tz_posix_rules(void)
{
	struct tz_posix r;

	CHECK(tz_posix_parse("CET-1CEST,M3.5.0,M10.5.0/3", &r) == 0);
	CHECK_INT(r.std_off, 3600);
	CHECK_INT(r.dst_off, 7200);
	CHECK(r.has_dst && r.start.month == 3 && r.start.week == 5 && r.end.secs == 3 * 3600);
	CHECK(tz_posix_parse("EST5EDT,M3.2.0,M11.1.0", &r) == 0 && r.std_off == -18000 &&
	      r.dst_off == -14400 && r.start.secs == 7200);
	CHECK(tz_posix_parse("<+0530>-5:30", &r) == 0 && r.std_off == 19800 && !r.has_dst);
	CHECK(tz_posix_parse("UTC0", &r) == 0 && r.std_off == 0);
	CHECK(tz_posix_parse("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", &r) == 0 && r.start.secs == -7200);
	CHECK(tz_posix_parse("CET-1CEST,M13.5.0,M10.5.0", &r) == -1);
	CHECK(tz_posix_parse("X1", &r) == -1);
	CHECK(tz_posix_parse("CET-1CEST,M3.5.0", &r) == -1);
}

/* ---- rotations ---- */

static void test_oncall_parsers(void)
{
	int64_t d;

	CHECK_INT(oncall_parse_handover("09:00"), 540);
	CHECK_INT(oncall_parse_handover("00:00"), 0);
	CHECK_INT(oncall_parse_handover("23:59"), 1439);
	CHECK_INT(oncall_parse_handover("24:00"), -1);
	CHECK_INT(oncall_parse_handover("9:00"), -1);
	CHECK_INT(oncall_parse_handover("09:60"), -1);
	CHECK_INT(oncall_parse_handover("09:00:00"), -1);
	CHECK(oncall_parse_date("2026-03-02", &d) == 0 && d == tz_days_from_civil(2026, 3, 2));
	CHECK(oncall_parse_date("2026-02-30", &d) == -1);
	CHECK(oncall_parse_date("2026-3-02", &d) == -1);
	CHECK(oncall_parse_date("1969-12-31", &d) == -1);
	CHECK(oncall_shift_hours_valid(12) && oncall_shift_hours_valid(24) &&
	      oncall_shift_hours_valid(168) && oncall_shift_hours_valid(8));
	CHECK(!oncall_shift_hours_valid(0) && !oncall_shift_hours_valid(5) &&
	      !oncall_shift_hours_valid(36) && !oncall_shift_hours_valid(24 * 29));
}

/* Daily 09:00 hand-overs: every shift's start and length around both changes. */
static void test_oncall_daily_across_dst(void)
{
	static const struct {
		const char *zone, *day_before, *start, *end;
		int hours;
	} cases[] = {
		{"UTC", "2026-03-28", "2026-03-28T09:00:00Z", "2026-03-29T09:00:00Z", 24},
		{"Europe/Berlin", "2026-03-27", "2026-03-27T08:00:00Z", "2026-03-28T08:00:00Z", 24},
		{"Europe/Berlin", "2026-03-28", "2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", 23},
		{"Europe/Berlin", "2026-03-29", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z", 24},
		{"Europe/Berlin", "2026-10-24", "2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z", 25},
		{"Europe/Berlin", "2026-10-25", "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z", 24},
		{"America/New_York", "2026-03-07", "2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z", 23},
		{"America/New_York", "2026-03-08", "2026-03-08T13:00:00Z", "2026-03-09T13:00:00Z", 24},
		{"America/New_York", "2026-10-31", "2026-10-31T13:00:00Z", "2026-11-01T14:00:00Z", 25},
		{"America/New_York", "2026-11-01", "2026-11-01T14:00:00Z", "2026-11-02T14:00:00Z", 24},
	};

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct tz_zone *z = zone(cases[i].zone);
		struct oncall_rotation r;
		int64_t start = iso(cases[i].start), end = iso(cases[i].end), k;
		int64_t first;

		if (z == NULL)
			continue;
		rotation(&r, z, 24, "09:00", "2026-01-01", 3);
		oncall_parse_date(cases[i].day_before, &first);
		k = first - r.start_day;
		CHECK_MSG(oncall_shift_start(&r, k) == start, "%s %s: shift starts %lld, want %s",
			  cases[i].zone, cases[i].day_before, (long long)oncall_shift_start(&r, k),
			  cases[i].start);
		CHECK_MSG(oncall_shift_start(&r, k + 1) - oncall_shift_start(&r, k) ==
				  cases[i].hours * HOUR_MS,
			  "%s %s: shift lasts %lld h, want %d", cases[i].zone, cases[i].day_before,
			  (long long)((oncall_shift_start(&r, k + 1) - oncall_shift_start(&r, k)) / HOUR_MS),
			  cases[i].hours);
		/* Inside, at the boundary and just before it. */
		CHECK_INT(oncall_shift_at(&r, start), k);
		CHECK_INT(oncall_shift_at(&r, start + HOUR_MS), k);
		CHECK_INT(oncall_shift_at(&r, end - 1), k);
		CHECK_INT(oncall_shift_at(&r, end), k + 1);
		CHECK_INT(oncall_shift_at(&r, start - 1), k - 1);
		tz_free(z);
	}
}

static void test_oncall_twelve_hours_and_weekly(void)
{
	struct tz_zone *z = zone("Europe/Berlin");
	struct oncall_rotation r;
	int64_t k;

	REQUIRE(z);
	/* 12 h: 09:00 and 21:00 local, the night of the spring change 11 h long. */
	rotation(&r, z, 12, "09:00", "2026-03-28", 2);
	CHECK_INT(oncall_shift_start(&r, 0), iso("2026-03-28T08:00:00Z"));
	CHECK_INT(oncall_shift_start(&r, 1), iso("2026-03-28T20:00:00Z"));
	CHECK_INT(oncall_shift_start(&r, 2), iso("2026-03-29T07:00:00Z"));
	CHECK_INT(oncall_shift_start(&r, 3), iso("2026-03-29T19:00:00Z"));
	CHECK_INT(oncall_shift_at(&r, iso("2026-03-29T06:59:59Z")), 1);
	/* Weekly, Mondays 09:00: the week of the spring change has 167 hours, autumn 169. */
	rotation(&r, z, 168, "09:00", "2026-03-23", 4);
	CHECK_INT(oncall_shift_start(&r, 1) - oncall_shift_start(&r, 0), 167 * HOUR_MS);
	CHECK_INT(oncall_shift_start(&r, 1), iso("2026-03-30T07:00:00Z"));
	k = oncall_shift_at(&r, iso("2026-10-20T12:00:00Z"));
	CHECK_INT(oncall_shift_start(&r, k), iso("2026-10-19T07:00:00Z"));
	CHECK_INT(oncall_shift_start(&r, k + 1) - oncall_shift_start(&r, k), 169 * HOUR_MS);
	CHECK_INT(k, 30);
	tz_free(z);
}

static void test_oncall_order_wraps(void)
{
	struct tz_zone *z = zone("UTC");
	struct oncall_rotation r;
	struct oncall_slot s;
	static const int want[] = {0, 1, 2, 0, 1, 2, 0};

	REQUIRE(z);
	rotation(&r, z, 24, "09:00", "2026-01-05", 3);
	for (size_t d = 0; d < NELEM(want); d++) {
		oncall_at(&r, NULL, 0, iso("2026-01-05T12:00:00Z") + (int64_t)d * 24 * HOUR_MS, &s);
		CHECK_MSG(s.member == want[d], "day %zu: member %d, want %d", d, s.member, want[d]);
		CHECK_INT(s.shift, (int64_t)d);
	}
	CHECK_INT(oncall_next_member(&r, 2), 0);
	CHECK_INT(oncall_next_member(&r, 0), 1);
	/* Before the first shift nobody is on call from the rotation. */
	oncall_at(&r, NULL, 0, iso("2026-01-05T08:59:59Z"), &s);
	CHECK(s.shift == -1 && s.member == -1 && s.override == -1);
	CHECK_INT(s.until, iso("2026-01-05T09:00:00Z"));
	/* An empty order: shifts, but nobody. */
	r.nmembers = 0;
	oncall_at(&r, NULL, 0, iso("2026-01-06T12:00:00Z"), &s);
	CHECK(s.shift == 1 && s.member == -1);
	tz_free(z);
}

static void test_oncall_overrides(void)
{
	struct tz_zone *z = zone("UTC");
	struct oncall_rotation r;
	struct oncall_slot s;
	/* 0: D takes Tuesday night; 1: E, created later, takes 20:00–22:00 inside it. */
	struct oncall_override ov[] = {
		{iso("2026-01-06T18:00:00Z"), iso("2026-01-07T06:00:00Z")},
		{iso("2026-01-06T20:00:00Z"), iso("2026-01-06T22:00:00Z")},
	};

	REQUIRE(z);
	rotation(&r, z, 24, "09:00", "2026-01-05", 3);
	/* Outside the window: the shift's member, until the override starts. */
	oncall_at(&r, ov, 2, iso("2026-01-06T17:59:59Z"), &s);
	CHECK(s.member == 1 && s.override == -1);
	CHECK_INT(s.since, iso("2026-01-06T09:00:00Z"));
	CHECK_INT(s.until, iso("2026-01-06T18:00:00Z"));
	/* Inside: the override, until the later one takes over. */
	oncall_at(&r, ov, 2, iso("2026-01-06T18:00:00Z"), &s);
	CHECK(s.override == 0 && s.member == -1);
	CHECK_INT(s.until, iso("2026-01-06T20:00:00Z"));
	oncall_at(&r, ov, 2, iso("2026-01-06T21:00:00Z"), &s);
	CHECK(s.override == 1);
	CHECK_INT(s.until, iso("2026-01-06T22:00:00Z"));
	oncall_at(&r, ov, 2, iso("2026-01-06T22:00:00Z"), &s);
	CHECK(s.override == 0);
	/* Across the hand-over the override still holds; after its end, the new shift's
	 * member, since the override's end. */
	oncall_at(&r, ov, 2, iso("2026-01-07T09:30:00Z"), &s);
	CHECK(s.override == -1 && s.member == 2);
	oncall_at(&r, ov, 2, iso("2026-01-07T05:59:59Z"), &s);
	CHECK(s.override == 0);
	oncall_at(&r, ov, 2, iso("2026-01-07T06:00:00Z"), &s);
	CHECK(s.override == -1 && s.member == 1);
	CHECK_INT(s.since, iso("2026-01-07T06:00:00Z"));
	CHECK_INT(s.until, iso("2026-01-07T09:00:00Z"));
	/* The day before and after: untouched. */
	oncall_at(&r, ov, 2, iso("2026-01-05T21:00:00Z"), &s);
	CHECK(s.override == -1 && s.member == 0);
	oncall_at(&r, ov, 2, iso("2026-01-08T21:00:00Z"), &s);
	CHECK(s.override == -1 && s.member == 0);
	tz_free(z);
}

/* ---- signed links ---- */

static void test_oncall_ack_tokens(void)
{
	unsigned char key[ONCALL_KEY_BYTES], other[ONCALL_KEY_BYTES];
	char tok[ONCALL_TOKEN_MAX], bad[ONCALL_TOKEN_MAX];
	int64_t page = 0, exp = 0;
	int step = -1;

	REQUIRE(sodium_init() >= 0);
	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	REQUIRE(oncall_ack_token(key, 42, 1, 1800000000, tok) == 0);
	CHECK(strncmp(tok, "42.1.1800000000.", 16) == 0);
	CHECK(strspn(tok, "0123456789.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_") ==
	      strlen(tok));
	CHECK(oncall_ack_verify(key, tok, 1700000000, &page, &step, &exp) == ONCALL_TOKEN_OK);
	CHECK(page == 42 && step == 1 && exp == 1800000000);
	/* Expired: still recognised as ours, so the answer can say which page. */
	CHECK(oncall_ack_verify(key, tok, 1800000000, &page, &step, &exp) == ONCALL_TOKEN_EXPIRED);
	/* Another key, another page, another step, a later expiry, a changed MAC: refused. */
	CHECK(oncall_ack_verify(other, tok, 1700000000, &page, &step, &exp) == ONCALL_TOKEN_BAD);
	snprintf(bad, sizeof(bad), "43%s", tok + 2);
	CHECK(oncall_ack_verify(key, bad, 1700000000, &page, &step, &exp) == ONCALL_TOKEN_BAD);
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[3] = '2';
	CHECK(oncall_ack_verify(key, bad, 1700000000, &page, &step, &exp) == ONCALL_TOKEN_BAD);
	snprintf(bad, sizeof(bad), "42.1.1900000000%s", tok + 15);
	CHECK(oncall_ack_verify(key, bad, 1700000000, &page, &step, &exp) == ONCALL_TOKEN_BAD);
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
	CHECK(oncall_ack_verify(key, bad, 1700000000, &page, &step, &exp) == ONCALL_TOKEN_BAD);
	static const char *const junk[] = {"", "42", "42.1", "42.1.5.", "a.b.c.d", "0.0.1.AAAA",
					   "42.1.1800000000.!!!!"};
	for (size_t i = 0; i < NELEM(junk); i++)
		CHECK_MSG(oncall_ack_verify(key, junk[i], 1, &page, &step, &exp) == ONCALL_TOKEN_BAD,
			  "'%s' accepted", junk[i]);
	CHECK(oncall_ack_verify(key, NULL, 1, &page, &step, &exp) == ONCALL_TOKEN_BAD);
	CHECK(oncall_ack_token(key, 0, 1, 5, tok) == -1);
}

static void test_oncall_calendar_tokens(void)
{
	unsigned char key[ONCALL_KEY_BYTES];
	char tok[ONCALL_CAL_TOKEN_LEN + 1], other[ONCALL_CAL_TOKEN_LEN + 1];

	memset(key, 3, sizeof(key));
	oncall_calendar_token(key, 5, tok);
	oncall_calendar_token(key, 6, other);
	CHECK_INT(strlen(tok), ONCALL_CAL_TOKEN_LEN);
	CHECK(strcmp(tok, other) != 0);
	CHECK(oncall_calendar_verify(key, 5, tok));
	CHECK(!oncall_calendar_verify(key, 6, tok));
	CHECK(!oncall_calendar_verify(key, 5, ""));
	CHECK(!oncall_calendar_verify(key, 5, NULL));
	tok[0] = tok[0] == 'a' ? 'b' : 'a';
	CHECK(!oncall_calendar_verify(key, 5, tok));
}

/* ---- iCalendar ---- */

static void test_oncall_ics_lines(void)
{
	struct buf b;
	char t[17];
	const char *p;
	struct buf unfolded;
	/* 40 × "Zoë, " : commas to escape and a two-byte letter to keep whole. */
	char value[400] = "";

	oncall_ics_time(iso("2026-03-29T07:00:00.250Z"), t);
	CHECK_STR(t, "20260329T070000Z");
	buf_init(&b, 1 << 16);
	REQUIRE(oncall_ics_line(&b, "SUMMARY", "a;b,c\\d\ne", true) == 0);
	CHECK_STR(b.ptr, "SUMMARY:a\\;b\\,c\\\\d\\ne\r\n");
	buf_reset(&b);
	for (size_t i = 0, at = 0; i < 40; i++)
		at += (size_t)snprintf(value + at, sizeof(value) - at, "Zo\xc3\xab, ");
	REQUIRE(oncall_ics_line(&b, "DESCRIPTION", value, true) == 0);
	/* Every physical line at most 75 octets, CRLF-terminated, and no line starts with a
	 * UTF-8 continuation byte; unfolding gives the escaped value back. */
	buf_init(&unfolded, 1 << 16);
	p = b.ptr;
	for (int line = 0; *p; line++) {
		const char *crlf = strstr(p, "\r\n");
		size_t n;

		REQUIRE(crlf);
		n = (size_t)(crlf - p);
		CHECK_MSG(n <= 75, "line %d is %zu octets", line, n);
		if (line > 0) {
			CHECK(p[0] == ' ');
			CHECK(((unsigned char)p[1] & 0xC0) != 0x80);
			REQUIRE(buf_append(&unfolded, p + 1, n - 1) == 0);
		} else {
			REQUIRE(buf_append(&unfolded, p, n) == 0);
		}
		p = crlf + 2;
	}
	CHECK(strncmp(unfolded.ptr, "DESCRIPTION:Zo\xc3\xab\\, Zo", 20) == 0);
	CHECK_INT(unfolded.len, strlen("DESCRIPTION:") + 40 * strlen("Zo\xc3\xab\\, "));
	buf_free(&unfolded);
	buf_free(&b);
}

UNIT_SUITE(oncall_suite) = {
	{"tz: TZif offsets of real zones (transitions, POSIX footer, LMT)", test_tz_known_offsets},
	{"tz: wall clock to UTC, skipped and repeated times", test_tz_local_to_utc},
	{"tz: zone names and truncated files refused", test_tz_names_and_bad_files},
	{"tz: POSIX TZ rules parsed", test_tz_posix_rules},
	{"oncall: hand-over times, dates and shift lengths parsed", test_oncall_parsers},
	{"oncall: daily 09:00 shifts across DST (23 h / 25 h) in Berlin and New York", test_oncall_daily_across_dst},
	{"oncall: 12-hour and weekly shifts across DST", test_oncall_twelve_hours_and_weekly},
	{"oncall: the order wraps round; nobody before the start", test_oncall_order_wraps},
	{"oncall: overrides win inside their window only, the latest first", test_oncall_overrides},
	{"oncall: ack tokens sign, verify, refuse tampering and expire", test_oncall_ack_tokens},
	{"oncall: calendar tokens", test_oncall_calendar_tokens},
	{"oncall: iCalendar lines escaped and folded at 75 octets", test_oncall_ics_lines},
	UNIT_END,
};
