/* On-call arithmetic, signed links and the iCalendar writer (see oncall.h). */
#include "oncall.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

#define DAY_S 86400

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

bool oncall_shift_hours_valid(int h)
{
	if (h <= 0 || h > ONCALL_SHIFT_HOURS_MAX)
		return false;
	return h < 24 ? 24 % h == 0 : h % 24 == 0;
}

int oncall_parse_handover(const char *s)
{
	const char *p = s;
	uint64_t hh, mm;

	if (s == NULL || strlen(s) != 5 || parse_u64(&p, &hh, 23) != 0 || p != s + 2 || *p++ != ':' ||
	    parse_u64(&p, &mm, 59) != 0 || *p != '\0')
		return -1;
	return (int)(hh * 60 + mm);
}

int oncall_parse_date(const char *s, int64_t *days)
{
	const char *p = s;
	uint64_t y, m, d;
	int64_t back_y;
	int back_m, back_d;

	if (s == NULL || strlen(s) != 10 || parse_u64(&p, &y, 9999) != 0 || p != s + 4 ||
	    *p++ != '-' || parse_u64(&p, &m, 12) != 0 || p != s + 7 || *p++ != '-' ||
	    parse_u64(&p, &d, 31) != 0 || *p != '\0' || y < 1970 || m < 1 || d < 1)
		return -1;
	*days = tz_days_from_civil((int64_t)y, (int)m, (int)d);
	/* 2026-02-30 is not a date: the round trip says so. */
	tz_civil_from_days(*days, &back_y, &back_m, &back_d);
	return back_y == (int64_t)y && back_m == (int)m && back_d == (int)d ? 0 : -1;
}

/* Shift k's start on the local wall clock, in local seconds. */
static int64_t shift_local(const struct oncall_rotation *r, int64_t k)
{
	return r->start_day * DAY_S + (int64_t)r->handover_minutes * 60 +
	       k * (int64_t)r->shift_hours * 3600;
}

int64_t oncall_shift_start(const struct oncall_rotation *r, int64_t k)
{
	return tz_to_utc(r->zone, shift_local(r, k)) * 1000;
}

int64_t oncall_shift_at(const struct oncall_rotation *r, int64_t at)
{
	int64_t utc = floor_div(at, 1000);
	int64_t local = utc + tz_offset(r->zone, utc);
	int64_t len = (int64_t)r->shift_hours * 3600;
	int64_t k = floor_div(local - shift_local(r, 0), len);

	/* The estimate is off by at most one around a change of offset (and a shift that a
	 * spring change swallows whole has no length): settle on start(k) <= at < start(k+1). */
	for (int i = 0; i < 4 && oncall_shift_start(r, k) > at; i++)
		k--;
	for (int i = 0; i < 4 && oncall_shift_start(r, k + 1) <= at; i++)
		k++;
	return k < 0 ? -1 : k;
}

int oncall_next_member(const struct oncall_rotation *r, int member)
{
	if (r->nmembers == 0)
		return -1;
	return (int)(((size_t)(member < 0 ? 0 : member) + 1) % r->nmembers);
}

void oncall_at(const struct oncall_rotation *r, const struct oncall_override *ov, size_t nov,
	       int64_t at, struct oncall_slot *out)
{
	int64_t k = oncall_shift_at(r, at);
	int win = -1;

	memset(out, 0, sizeof(*out));
	out->shift = k;
	out->member = -1;
	out->override = -1;
	/* The last-created override whose window holds `at` wins. */
	for (size_t i = 0; i < nov; i++)
		if (ov[i].from <= at && at < ov[i].to)
			win = (int)i;
	if (win >= 0) {
		out->override = win;
		out->since = ov[win].from;
		out->until = ov[win].to;
		/* A later override starting inside this one takes over from it. */
		for (size_t i = (size_t)win + 1; i < nov; i++)
			if (ov[i].from > at && ov[i].from < out->until)
				out->until = ov[i].from;
		return;
	}
	if (k >= 0) {
		out->since = oncall_shift_start(r, k);
		out->member = r->nmembers ? (int)(k % (int64_t)r->nmembers) : -1;
	} else {
		out->since = TIME_NONE;
	}
	out->until = oncall_shift_start(r, k + 1);
	/* Cut by overrides: one that ended inside this shift handed back to it, one that
	 * starts before the shift's end takes over. */
	for (size_t i = 0; i < nov; i++) {
		if (ov[i].to <= at && ov[i].to > out->since)
			out->since = ov[i].to;
		if (ov[i].from > at && ov[i].from < out->until && ov[i].to > ov[i].from)
			out->until = ov[i].from;
	}
}

/* ---- signed links ---- */

static void mac_of(const unsigned char key[ONCALL_KEY_BYTES], const char *msg,
		   unsigned char mac[crypto_auth_BYTES])
{
	crypto_auth(mac, (const unsigned char *)msg, strlen(msg), key);
}

int oncall_ack_token(const unsigned char key[ONCALL_KEY_BYTES], int64_t page, int step,
		     int64_t expires_s, char out[ONCALL_TOKEN_MAX])
{
	char msg[96], b64[sodium_base64_ENCODED_LEN(crypto_auth_BYTES,
						    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	unsigned char mac[crypto_auth_BYTES];
	int n;

	if (page <= 0 || step < 0 || expires_s <= 0)
		return -1;
	snprintf(msg, sizeof(msg), "ack:%lld.%d.%lld", (long long)page, step, (long long)expires_s);
	mac_of(key, msg, mac);
	sodium_bin2base64(b64, sizeof(b64), mac, sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	n = snprintf(out, ONCALL_TOKEN_MAX, "%s.%s", msg + 4, b64);
	return n > 0 && n < ONCALL_TOKEN_MAX ? 0 : -1;
}

/* Reads "<digits>." into `out`; -1 when it is not that. */
static int token_part(const char **cursor, uint64_t max, uint64_t *out)
{
	const char *p = *cursor;

	if (parse_u64(&p, out, max) != 0 || *p != '.')
		return -1;
	*cursor = p + 1;
	return 0;
}

enum oncall_token_check oncall_ack_verify(const unsigned char key[ONCALL_KEY_BYTES],
					  const char *token, int64_t now_s, int64_t *page,
					  int *step, int64_t *expires_s)
{
	unsigned char mac[crypto_auth_BYTES], got[crypto_auth_BYTES];
	char msg[96];
	const char *p = token;
	uint64_t pg, st, exp;
	size_t got_len = 0;
	int n;

	if (token == NULL || strlen(token) >= ONCALL_TOKEN_MAX ||
	    token_part(&p, (uint64_t)INT64_MAX, &pg) != 0 || token_part(&p, 1000, &st) != 0 ||
	    token_part(&p, (uint64_t)INT64_MAX / 2, &exp) != 0 || pg == 0)
		return ONCALL_TOKEN_BAD;
	/* The signed text is exactly what precedes the MAC. */
	n = snprintf(msg, sizeof(msg), "ack:%.*s", (int)(p - 1 - token), token);
	if (n <= 0 || (size_t)n >= sizeof(msg))
		return ONCALL_TOKEN_BAD;
	if (sodium_base642bin(got, sizeof(got), p, strlen(p), NULL, &got_len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    got_len != sizeof(got))
		return ONCALL_TOKEN_BAD;
	mac_of(key, msg, mac);
	if (sodium_memcmp(mac, got, sizeof(mac)) != 0)
		return ONCALL_TOKEN_BAD;
	*page = (int64_t)pg;
	*step = (int)st;
	*expires_s = (int64_t)exp;
	return now_s >= (int64_t)exp ? ONCALL_TOKEN_EXPIRED : ONCALL_TOKEN_OK;
}

void oncall_calendar_token(const unsigned char key[ONCALL_KEY_BYTES], int64_t rotation,
			   char out[ONCALL_CAL_TOKEN_LEN + 1])
{
	unsigned char mac[crypto_auth_BYTES];
	char msg[48];

	snprintf(msg, sizeof(msg), "calendar:%lld", (long long)rotation);
	mac_of(key, msg, mac);
	sodium_bin2hex(out, ONCALL_CAL_TOKEN_LEN + 1, mac, sizeof(mac));
}

bool oncall_calendar_verify(const unsigned char key[ONCALL_KEY_BYTES], int64_t rotation,
			    const char *token)
{
	char want[ONCALL_CAL_TOKEN_LEN + 1];

	if (token == NULL || strlen(token) != ONCALL_CAL_TOKEN_LEN)
		return false;
	oncall_calendar_token(key, rotation, want);
	return sodium_memcmp(want, token, ONCALL_CAL_TOKEN_LEN) == 0;
}

/* ---- iCalendar ---- */

void oncall_ics_time(int64_t ms, char out[17])
{
	char iso[TIME_ISO_MAX];

	time_to_iso(ms - ms % 1000, iso); /* "2026-03-29T07:00:00Z" */
	snprintf(out, 17, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", iso, iso + 5, iso + 8, iso + 11, iso + 14,
		 iso + 17);
}

int oncall_ics_line(struct buf *b, const char *name, const char *value, bool escape)
{
	struct buf line;
	size_t col = 0, i = 0;
	int rc = -1;

	buf_init(&line, 64 * 1024);
	if (buf_append_str(&line, name) != 0 || buf_append_char(&line, ':') != 0)
		return -1;
	for (const char *p = value ? value : ""; *p; p++) {
		const char *esc = NULL;

		if (escape) {
			if (*p == '\\')
				esc = "\\\\";
			else if (*p == ';')
				esc = "\\;";
			else if (*p == ',')
				esc = "\\,";
			else if (*p == '\n')
				esc = "\\n";
			else if (*p == '\r')
				continue;
		}
		if (esc ? buf_append_str(&line, esc) != 0 : buf_append_char(&line, *p) != 0)
			return -1;
	}
	/* Fold: at most 75 octets per physical line, the continuation's leading space
	 * counting; never split a UTF-8 sequence (continuation bytes are 10xxxxxx) nor an
	 * escape pair. */
	while (i < line.len) {
		size_t room = col == 0 ? 75 : 74, n = line.len - i;

		if (n > room) {
			n = room;
			while (n > 0 && ((unsigned char)line.ptr[i + n] & 0xC0) == 0x80)
				n--;
			if (n > 1 && line.ptr[i + n - 1] == '\\' && escape) {
				/* Keep "\x" together unless the backslash is itself escaped. */
				size_t run = 0;

				while (run < n && line.ptr[i + n - 1 - run] == '\\')
					run++;
				if (run % 2 == 1)
					n--;
			}
		}
		if ((col > 0 && buf_append_str(b, "\r\n ") != 0) ||
		    buf_append(b, line.ptr + i, n) != 0)
			goto done;
		i += n;
		col++;
	}
	rc = buf_append_str(b, "\r\n");
done:
	buf_free(&line);
	return rc;
}
