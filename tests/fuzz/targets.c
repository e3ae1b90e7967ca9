#include "targets.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "parse.h"

static const char *const severities[] = {"critical", "high", "medium", "low", NULL};

static const struct field_spec fuzz_fields[] = {
	{.name = "title", .type = FIELD_STRING, .required = true, .max = 200},
	{.name = "severity", .type = FIELD_STRING, .one_of = severities},
	{.name = "affectedSystems", .type = FIELD_STRING_ARRAY, .max = 200, .max_items = 64},
	{.name = "customerCount", .type = FIELD_INT, .nullable = true, .min = 0, .max = INT64_MAX / 2},
	{.name = "startedAt", .type = FIELD_TIME, .nullable = true},
	{.name = "drill", .type = FIELD_BOOL},
	{.name = "payload", .type = FIELD_OBJECT, .nullable = true},
};

void fuzz_json_body(const uint8_t *data, size_t len)
{
	struct field_value values[sizeof(fuzz_fields) / sizeof(fuzz_fields[0])];
	struct api_error err;
	json_t *body = NULL;

	if (json_parse_body((const char *)data, len, &body, &err) == 0) {
		json_validate(body, fuzz_fields, sizeof(fuzz_fields) / sizeof(fuzz_fields[0]), values,
			      &err);
		json_decref(body);
	}
}

void fuzz_parsers(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1);
	const char *cursor;
	uint64_t n;
	int64_t ms, number;

	if (s == NULL)
		return;
	memcpy(s, data, len);
	s[len] = '\0';
	cursor = s;
	if (parse_time_iso(&cursor, &ms) == 0) {
		char iso[TIME_ISO_MAX];
		int64_t back;

		/* Whatever parses must print and parse back to the same instant. */
		time_to_iso(ms, iso);
		if (time_from_iso(iso, &back) != 0 || back != ms)
			abort();
	}
	cursor = s;
	if (parse_u64(&cursor, &n, 1000000) == 0 && n > 1000000)
		abort();
	parse_incident_id(s, &number);
	free(s);
}
