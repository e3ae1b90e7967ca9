/* IANA time zones from TZif files, thread-safe by construction (see tz.h). */
#include "tz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

#define DAY_S 86400

/* ---- calendar ---- */

int64_t tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void tz_civil_from_days(int64_t z, int64_t *year, int *month, int *day)
{
	int64_t era, doe, yoe, y, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = y + (*month <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static bool leap_year(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap_year(y) ? 29 : n[m - 1];
}

/* ---- names ---- */

bool tz_name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;
	const char *seg;

	if (len == 0 || len > TZ_NAME_MAX || name[0] == '/')
		return false;
	for (const char *p = name; *p; p++) {
		char ch = *p;

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '+' || ch == '-' || ch == '/' || ch == '.'))
			return false;
	}
	/* No empty, "." or ".." segment: the name is joined to TZ_DIR. */
	seg = name;
	for (;;) {
		const char *slash = strchr(seg, '/');
		size_t n = slash ? (size_t)(slash - seg) : strlen(seg);

		if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (slash == NULL)
			break;
		seg = slash + 1;
	}
	return true;
}

/* ---- the POSIX TZ rule (the TZif footer) ---- */

/* A zone abbreviation: alphabetic, or <quoted> with digits and signs. */
static int posix_name(const char **cursor)
{
	const char *p = *cursor;
	size_t n = 0;

	if (*p == '<') {
		p++;
		while (*p && *p != '>') {
			p++;
			n++;
		}
		if (*p != '>' || n < 1)
			return -1;
		p++;
	} else {
		while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
			p++;
			n++;
		}
		if (n < 3)
			return -1;
	}
	*cursor = p;
	return 0;
}

/* [+-]hh[:mm[:ss]] with hours up to `max_hours`, as seconds (sign as written). */
static int posix_time(const char **cursor, int max_hours, int32_t *out)
{
	const char *p = *cursor;
	int sign = 1;
	int32_t parts[3] = {0, 0, 0};

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (int i = 0; i < 3; i++) {
		int digits = 0;

		if (i > 0) {
			if (*p != ':')
				break;
			p++;
		}
		while (*p >= '0' && *p <= '9' && digits < 3) {
			parts[i] = parts[i] * 10 + (*p++ - '0');
			digits++;
		}
		if (digits == 0 || (i > 0 && parts[i] > 59))
			return -1;
	}
	if (parts[0] > max_hours)
		return -1;
	*out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
	*cursor = p;
	return 0;
}

static int posix_number(const char **cursor, int min, int max, int *out)
{
	const char *p = *cursor;
	int v = 0, digits = 0;

	while (*p >= '0' && *p <= '9' && digits < 4) {
		v = v * 10 + (*p++ - '0');
		digits++;
	}
	if (digits == 0 || v < min || v > max)
		return -1;
	*out = v;
	*cursor = p;
	return 0;
}

static int posix_date(const char **cursor, struct tz_posix_date *d)
{
	const char *p = *cursor;

	memset(d, 0, sizeof(*d));
	if (*p == 'M') {
		p++;
		d->kind = 'M';
		if (posix_number(&p, 1, 12, &d->month) != 0 || *p++ != '.' ||
		    posix_number(&p, 1, 5, &d->week) != 0 || *p++ != '.' ||
		    posix_number(&p, 0, 6, &d->wday) != 0)
			return -1;
	} else if (*p == 'J') {
		p++;
		d->kind = 'J';
		if (posix_number(&p, 1, 365, &d->day) != 0)
			return -1;
	} else {
		d->kind = 'n';
		if (posix_number(&p, 0, 365, &d->day) != 0)
			return -1;
	}
	d->secs = 2 * 3600;
	/* RFC 8536 (version 3): the time may be negative and up to 167 hours. */
	if (*p == '/') {
		p++;
		if (posix_time(&p, 167, &d->secs) != 0)
			return -1;
	}
	*cursor = p;
	return 0;
}

int tz_posix_parse(const char *s, struct tz_posix *out)
{
	const char *p = s;
	int32_t off;

	memset(out, 0, sizeof(*out));
	if (s == NULL || posix_name(&p) != 0 || posix_time(&p, 24, &off) != 0)
		return -1;
	out->std_off = -off;
	if (*p == '\0')
		return 0;
	if (posix_name(&p) != 0)
		return -1;
	out->has_dst = true;
	out->dst_off = out->std_off + 3600;
	if (*p != ',' && *p != '\0') {
		if (posix_time(&p, 24, &off) != 0)
			return -1;
		out->dst_off = -off;
	}
	/* Without dates POSIX leaves the rule to the implementation; the US rule is the
	 * traditional default. */
	if (*p == '\0') {
		out->start = (struct tz_posix_date){'M', 3, 2, 0, 0, 7200};
		out->end = (struct tz_posix_date){'M', 11, 1, 0, 0, 7200};
		return 0;
	}
	if (*p++ != ',' || posix_date(&p, &out->start) != 0 || *p++ != ',' ||
	    posix_date(&p, &out->end) != 0 || *p != '\0')
		return -1;
	return 0;
}

/* Days since the epoch of the rule date `d` in `year`. */
static int64_t posix_date_days(const struct tz_posix_date *d, int64_t year)
{
	int64_t jan1 = tz_days_from_civil(year, 1, 1);

	if (d->kind == 'J') {
		/* 1..365, February 29th never counted. */
		return jan1 + d->day - 1 + (leap_year(year) && d->day > 59);
	}
	if (d->kind == 'n')
		return jan1 + d->day;
	{
		int64_t first = tz_days_from_civil(year, d->month, 1);
		int wday_first = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
		int day = 1 + (d->wday - wday_first + 7) % 7 + (d->week - 1) * 7;

		while (day > month_days(year, d->month))
			day -= 7;
		return first + day - 1;
	}
}

static bool posix_is_dst(const struct tz_posix *r, int64_t utc)
{
	int64_t year, start, end;
	int month, day;

	if (!r->has_dst)
		return false;
	tz_civil_from_days(floor_div(utc + r->std_off, DAY_S), &year, &month, &day);
	/* The start is written in standard time, the end in daylight time. */
	start = posix_date_days(&r->start, year) * DAY_S + r->start.secs - r->std_off;
	end = posix_date_days(&r->end, year) * DAY_S + r->end.secs - r->dst_off;
	if (start < end)
		return utc >= start && utc < end;
	return !(utc >= end && utc < start); /* southern hemisphere: DST spans the new year */
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_header {
	char version;
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int header_read(const unsigned char *p, size_t len, struct tzif_header *h)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->version = (char)p[4];
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (h->typecnt == 0 || h->typecnt > 256 || h->timecnt > TZ_TRANSITIONS_MAX ||
	    h->charcnt > 65536 || h->leapcnt > 65536 || (h->isutcnt && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt && h->isstdcnt != h->typecnt))
		return -1;
	return 0;
}

static size_t block_size(const struct tzif_header *h, size_t timesize)
{
	return h->timecnt * timesize + h->timecnt + h->typecnt * 6 + h->charcnt +
	       h->leapcnt * (timesize + 4) + h->isstdcnt + h->isutcnt;
}

int tz_parse(const unsigned char *data, size_t len, const char *name, struct tz_zone **out)
{
	struct tzif_header h;
	struct tz_zone *z = NULL;
	const unsigned char *p;
	size_t timesize = 4, size;

	*out = NULL;
	if (header_read(data, len, &h) != 0)
		return -1;
	size = block_size(&h, 4);
	if (len < 44 + size)
		return -1;
	p = data + 44;
	/* Version 2 and later repeat the data with 64-bit times: use that block. */
	if (h.version >= '2') {
		const unsigned char *second = data + 44 + size;

		if (header_read(second, len - 44 - size, &h) != 0)
			return -1;
		timesize = 8;
		p = second + 44;
		if ((size_t)(data + len - p) < block_size(&h, 8))
			return -1;
	}
	z = calloc(1, sizeof(*z));
	if (z == NULL)
		return -1;
	str_copy(z->name, name ? name : "", sizeof(z->name));
	z->ntrans = h.timecnt;
	z->ntypes = h.typecnt;
	if (h.timecnt) {
		z->trans = calloc(h.timecnt, sizeof(*z->trans));
		z->idx = calloc(h.timecnt, 1);
		if (z->trans == NULL || z->idx == NULL)
			goto fail;
	}
	for (uint32_t i = 0; i < h.timecnt; i++) {
		z->trans[i] = timesize == 8 ? be64(p) : (int64_t)(int32_t)be32(p);
		if (i > 0 && z->trans[i] <= z->trans[i - 1])
			goto fail;
		p += timesize;
	}
	for (uint32_t i = 0; i < h.timecnt; i++) {
		z->idx[i] = p[i];
		if (p[i] >= h.typecnt)
			goto fail;
	}
	p += h.timecnt;
	for (uint32_t i = 0; i < h.typecnt; i++) {
		int32_t off = (int32_t)be32(p);

		/* RFC 8536: -2^31 is not allowed, and offsets stay within a day or so. */
		if (off < -25 * 3600 || off > 26 * 3600)
			goto fail;
		z->types[i].utoff = off;
		z->types[i].isdst = p[4] != 0;
		p += 6;
	}
	p += h.charcnt + h.leapcnt * (timesize + 4) + h.isstdcnt + h.isutcnt;
	/* The footer: "\n<POSIX TZ>\n" (version 2+); a rule we cannot read is left unused and
	 * the last transition's type then holds for ever. */
	if (timesize == 8 && p < data + len && *p == '\n') {
		const unsigned char *end = memchr(p + 1, '\n', (size_t)(data + len - p - 1));
		char rule[128];
		size_t n;

		if (end && (n = (size_t)(end - p - 1)) > 0 && n < sizeof(rule)) {
			memcpy(rule, p + 1, n);
			rule[n] = '\0';
			z->has_rule = tz_posix_parse(rule, &z->rule) == 0;
		}
	}
	*out = z;
	return 0;
fail:
	tz_free(z);
	return -1;
}

static struct tz_zone *utc_zone(const char *name)
{
	struct tz_zone *z = calloc(1, sizeof(*z));

	if (z == NULL)
		return NULL;
	str_copy(z->name, name, sizeof(z->name));
	z->ntypes = 1;
	return z;
}

int tz_load(const char *name, struct tz_zone **out)
{
	char path[sizeof(TZ_DIR) + TZ_NAME_MAX + 2];
	unsigned char *data = NULL;
	size_t len = 0;
	int fd, rc = -1;

	*out = NULL;
	if (!tz_name_valid(name))
		return -1;
	snprintf(path, sizeof(path), "%s/%s", TZ_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* UTC needs no file, so a machine without tzdata still has it. */
		if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
			*out = utc_zone(name);
			return *out ? 0 : -1;
		}
		return -1;
	}
	data = malloc(TZ_FILE_MAX);
	if (data == NULL)
		goto done;
	for (;;) {
		ssize_t n = read(fd, data + len, TZ_FILE_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto done;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == TZ_FILE_MAX)
			goto done; /* too large to be a zone */
	}
	rc = tz_parse(data, len, name, out);
done:
	free(data);
	close(fd);
	return rc;
}

void tz_free(struct tz_zone *z)
{
	if (z == NULL)
		return;
	free(z->trans);
	free(z->idx);
	free(z);
}

/* ---- conversions ---- */

/* The type in force before the first transition: RFC 8536 says type 0. */
int32_t tz_offset(const struct tz_zone *z, int64_t utc)
{
	size_t lo = 0, hi = z->ntrans;

	if (z->ntrans == 0 || utc < z->trans[0]) {
		if (z->ntrans == 0 && z->has_rule)
			return posix_is_dst(&z->rule, utc) ? z->rule.dst_off : z->rule.std_off;
		return z->types[0].utoff;
	}
	if (utc >= z->trans[z->ntrans - 1] && z->has_rule)
		return posix_is_dst(&z->rule, utc) ? z->rule.dst_off : z->rule.std_off;
	/* The last transition at or before `utc`. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->trans[mid] <= utc)
			lo = mid;
		else
			hi = mid;
	}
	return z->types[z->idx[lo]].utoff;
}

int64_t tz_to_utc(const struct tz_zone *z, int64_t local)
{
	/* Real zones change their offset at most once within a couple of days: the offsets a
	 * day before and a day after are the only candidates. */
	int32_t before = tz_offset(z, local - DAY_S), after = tz_offset(z, local + DAY_S);
	int64_t a = local - before, b = local - after;
	bool a_ok = a + tz_offset(z, a) == local, b_ok = b + tz_offset(z, b) == local;

	if (a_ok && b_ok)
		return a < b ? a : b; /* repeated: the first occurrence */
	if (a_ok)
		return a;
	if (b_ok)
		return b;
	return a; /* skipped: read with the offset before the change */
}
