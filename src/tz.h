/*
 * tz — IANA time zones read from the system's TZif files, without the C library's local
 * time.
 *
 * Why not setenv("TZ") + localtime_r(): TZ is one process-wide setting, and changing it
 * while other threads call localtime_r()/mktime() is a data race (glibc reads the
 * environment and caches the parsed zone in a global); on-call rotations each hand over
 * in their own zone, computed on many HTTP threads at once.  So this module reads
 * /usr/share/zoneinfo/<Name> (Debian's `tzdata`) itself: a small TZif reader (RFC 8536,
 * versions 1 to 4) for the transitions and their types, plus the POSIX TZ rule of the
 * file's footer for instants after the last transition (slim files, or past 2037).
 * A loaded zone is immutable, so any number of threads may use one at once.
 *
 * Times here are whole seconds: `utc` since the epoch, `local` the same count on the zone's
 * wall clock (local = utc + offset).  Leap-second data ("right/" zones) is skipped.
 *
 * Ownership: tz_load()/tz_parse() return a zone the caller frees with tz_free().
 */
#ifndef MAJOROPS_TZ_H
#define MAJOROPS_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TZ_DIR "/usr/share/zoneinfo"
#define TZ_NAME_MAX 64             /* characters of a zone name, "America/Argentina/…" */
#define TZ_FILE_MAX (256 * 1024)   /* a TZif file larger than this is refused */
#define TZ_TRANSITIONS_MAX 4096    /* transitions kept; real zones have under 400 */

/* One POSIX TZ transition date: Mm.w.d (month 1..12, week 1..5 where 5 is "last",
 * weekday 0 Sunday), or Jn (1..365, no Feb 29), or n (0..365), at `secs` local time. */
struct tz_posix_date {
	char kind; /* 'M', 'J' or 'n' */
	int month, week, wday, day;
	int32_t secs;
};

struct tz_posix {
	int32_t std_off, dst_off; /* seconds east of UTC (the sign POSIX writes is inverted) */
	bool has_dst;
	struct tz_posix_date start, end;
};

struct tz_type {
	int32_t utoff; /* seconds east of UTC */
	bool isdst;
};

struct tz_zone {
	char name[TZ_NAME_MAX + 1];
	size_t ntrans;
	int64_t *trans;        /* UTC seconds, ascending */
	unsigned char *idx;    /* the type each transition switches to */
	size_t ntypes;
	struct tz_type types[256];
	bool has_rule;         /* the footer's rule applies after the last transition */
	struct tz_posix rule;
};

/* Whether `name` may name a zone: 1..TZ_NAME_MAX characters of [A-Za-z0-9_+-/], no
 * leading '/', no "." or ".." segment (it is joined to TZ_DIR). */
bool tz_name_valid(const char *name);

/* Loads TZ_DIR/name.  "UTC" and "Etc/UTC" work without the files.  0, or -1 when the name
 * is not valid, there is no such zone or its file is not TZif. */
int tz_load(const char *name, struct tz_zone **out);
/* Parses TZif data (any version); 0 or -1.  `name` is copied (may be NULL). */
int tz_parse(const unsigned char *data, size_t len, const char *name, struct tz_zone **out);
/* Parses a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3"; 0 or -1. */
int tz_posix_parse(const char *s, struct tz_posix *out);
void tz_free(struct tz_zone *z);

/* The zone's offset from UTC at the instant `utc`, seconds east. */
int32_t tz_offset(const struct tz_zone *z, int64_t utc);
/* The instant when the zone's wall clock shows `local`.  A wall time skipped by a spring
 * change (02:30 on that night in Berlin) is read with the offset before the change, so it
 * lands the same distance after the change (03:30); one repeated by an autumn change is
 * its first occurrence. */
int64_t tz_to_utc(const struct tz_zone *z, int64_t local);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (Hinnant's algorithms). */
int64_t tz_days_from_civil(int64_t year, int month, int day);
void tz_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

#endif
