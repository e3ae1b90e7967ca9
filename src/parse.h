/*
 * parse — cursor parsers with a maximum (curl's strparse idea) and UTC time on the wire.
 *
 * Every parser takes `const char **cursor`, and advances it only on success; on failure
 * the cursor and the output are left untouched and -1 is returned.
 *
 * Times inside MajorOps are `int64_t` milliseconds since the Unix epoch, UTC.  The value
 * TIME_NONE (0) means "not set" and is written as JSON null.  On the wire they are
 * ISO 8601 with a `Z` (milliseconds written only when non-zero).
 */
#ifndef MAJOROPS_PARSE_H
#define MAJOROPS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define TIME_NONE ((int64_t)0)
/* "2026-11-23T14:32:05.123Z" plus NUL, with room to spare. */
#define TIME_ISO_MAX 32

/* Reads decimal digits (at least one) whose value is at most `max`. */
int parse_u64(const char **cursor, uint64_t *out, uint64_t max);

/* Reads `YYYY-MM-DDTHH:MM:SS[.fff…]Z` (or `+00:00`) into milliseconds.  Years 1970..9999. */
int parse_time_iso(const char **cursor, int64_t *out_ms);

/* Whole-string variant: the string must hold exactly one timestamp. */
int time_from_iso(const char *s, int64_t *out_ms);

/* Writes `ms` as ISO 8601 UTC into `out` (TIME_ISO_MAX bytes). */
void time_to_iso(int64_t ms, char out[TIME_ISO_MAX]);

/* The broken-down UTC calendar date of `ms` (no libc time zone involved). */
void time_civil(int64_t ms, int *year, int *month, int *day);

/* A whole number of milliseconds in [min, max] from the environment variable `name`, or
 * `dflt` when it is unset or not such a number (the sweep intervals tests shorten). */
int parse_env_ms(const char *name, int min, int max, int dflt);

/* Reads an incident id, "INC-42" (case-insensitive prefix) or a bare "42", into its number. */
int parse_incident_id(const char *s, int64_t *out_number);

#endif
