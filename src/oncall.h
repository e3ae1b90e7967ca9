/*
 * oncall — the arithmetic of on-call rotations, the signed links of paging, and the
 * iCalendar writer (issue 9, SPEC §13).  Pure: no store, no I/O, the clock and the keys
 * passed in; tested in tests/unit/test_oncall.c.  teams.h and pages.h put it to work.
 *
 * A rotation hands over at local wall-clock times of its zone (tz.h): with a shift of
 * `shift_hours` (a divisor of 24 — 1, 2, 3, 4, 6, 8, 12 — or a multiple of 24 up to
 * ONCALL_SHIFT_HOURS_MAX), shift k starts at
 *
 *     start date + handover time + k × shift_hours     (counted on the local wall clock)
 *
 * converted to UTC with the zone's rules.  So a daily 09:00 hand-over stays at 09:00 local
 * across daylight-saving changes (the shift across the spring change lasts 23 h, the one
 * across the autumn change 25 h), and a weekly one hands over on the same weekday at the
 * same hour.  Shift k belongs to member k mod n of the rotation's order; before shift 0
 * nobody is on call from the rotation.  "Who is on call at T" is always computed from
 * this, never stored.
 *
 * Overrides ("I take Friday night") are windows [from, to) naming a person; inside its
 * window an override wins over the shift, and when overrides overlap the one created last
 * (highest index in the array) wins.  Outside their windows they change nothing.
 *
 * Times are milliseconds since the epoch, UTC, as everywhere in MajorOps.
 */
#ifndef MAJOROPS_ONCALL_H
#define MAJOROPS_ONCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tz.h"

#define ONCALL_SHIFT_HOURS_MAX (24 * 28) /* four weeks */
#define ONCALL_MEMBERS_MAX 100           /* people in a team or a rotation's order */

struct oncall_rotation {
	int shift_hours;           /* see above; oncall_shift_hours_valid() */
	int handover_minutes;      /* local minutes after midnight, 0..1439 */
	int64_t start_day;         /* the local date of shift 0, days since 1970-01-01 */
	const struct tz_zone *zone; /* borrowed */
	size_t nmembers;           /* people in the order; 0: nobody is ever on call */
};

struct oncall_override {
	int64_t from, to; /* [from, to), ms */
};

/* Who is on call at an instant, and for how long. */
struct oncall_slot {
	int64_t shift;    /* the shift number, -1 before shift 0 */
	int member;       /* index in the order, or -1 (an override holds it, or nobody) */
	int override;     /* index in the overrides, or -1 */
	int64_t since;    /* when this holder took over (ms) */
	int64_t until;    /* when the next one takes over (ms) */
};

bool oncall_shift_hours_valid(int shift_hours);
/* "09:00" (HH:MM, 00:00..23:59) → minutes; -1 when it is not that. */
int oncall_parse_handover(const char *s);
/* "2026-03-02" → days since the epoch; -1 when it is not a date of 1970..9999. */
int oncall_parse_date(const char *s, int64_t *days);

/* When shift `k` starts (ms UTC). */
int64_t oncall_shift_start(const struct oncall_rotation *r, int64_t k);
/* The shift running at `at` (ms), -1 before shift 0. */
int64_t oncall_shift_at(const struct oncall_rotation *r, int64_t at);
/* Who holds the rotation at `at`, overrides included (`ov` may be NULL when `nov` is 0). */
void oncall_at(const struct oncall_rotation *r, const struct oncall_override *ov, size_t nov,
	       int64_t at, struct oncall_slot *out);
/* The member after `member` in the order (wrapping round). */
int oncall_next_member(const struct oncall_rotation *r, int member);

/* ---- signed links ---- */

#define ONCALL_KEY_BYTES 32
#define ONCALL_TOKEN_MAX 128 /* a token and its NUL */

/* An acknowledgement link's token: "<page>.<step>.<expires s>.<MAC>", the MAC being
 * crypto_auth (HMAC-SHA-512-256) with `key` over "ack:<page>.<step>.<expires>", base64url
 * without padding.  Only characters safe in a path segment.  0 or -1. */
int oncall_ack_token(const unsigned char key[ONCALL_KEY_BYTES], int64_t page, int step,
		     int64_t expires_s, char out[ONCALL_TOKEN_MAX]);

enum oncall_token_check {
	ONCALL_TOKEN_OK = 0,
	ONCALL_TOKEN_BAD,     /* malformed or not signed by `key`: 403 */
	ONCALL_TOKEN_EXPIRED, /* signed, but `now_s` is at or past its expiry: 410 */
};
/* Checks a token in constant time against its MAC; on OK and EXPIRED fills the parts. */
enum oncall_token_check oncall_ack_verify(const unsigned char key[ONCALL_KEY_BYTES],
					  const char *token, int64_t now_s, int64_t *page,
					  int *step, int64_t *expires_s);

/* A rotation's calendar feed token: the MAC over "calendar:<rotation>", hex. */
#define ONCALL_CAL_TOKEN_LEN 64
void oncall_calendar_token(const unsigned char key[ONCALL_KEY_BYTES], int64_t rotation,
			   char out[ONCALL_CAL_TOKEN_LEN + 1]);
bool oncall_calendar_verify(const unsigned char key[ONCALL_KEY_BYTES], int64_t rotation,
			    const char *token);

/* ---- iCalendar (RFC 5545) ---- */

/* Appends one content line "NAME:value\r\n" (or "NAME;params:value" when `name` carries
 * them), folded so no line exceeds 75 octets (a CRLF and a space before each
 * continuation, never inside a UTF-8 sequence); with `escape`, the value's backslashes,
 * semicolons, commas and line breaks are escaped as TEXT values need.  0 or -1. */
int oncall_ics_line(struct buf *b, const char *name, const char *value, bool escape)
	BUF_WARN_UNUSED;
/* "20260329T070000Z" (DATE-TIME in UTC) into `out` (17 bytes). */
void oncall_ics_time(int64_t ms, char out[17]);

#endif
