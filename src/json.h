/*
 * json — the edge: request bodies parsed with limits, validated against a field table
 * (kcgi's kvalid idea), and the one error type every layer returns.
 *
 * A handler declares its fields once as `struct field_spec[]`; json_validate() walks the
 * jansson object against it and either fills a parallel `struct field_value[]` or writes
 * a 400 naming the field.  Handlers never touch raw JSON input beyond that.
 * Values borrow from the json_t they came from: keep the object alive while using them.
 */
#ifndef MAJOROPS_JSON_H
#define MAJOROPS_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define BODY_MAX (256 * 1024) /* request bodies; over it → 413 too_large */
#define JSON_DEPTH_MAX 32     /* nesting of arrays and objects; deeper → 400 */

struct api_error {
	int status;       /* HTTP status */
	const char *code; /* "invalid_field", "doctrine", … (static) */
	char message[320];
	char field[64];   /* "" when the error names no field */
	char rule[48];    /* doctrine rule, "" otherwise */
};

/* Fills `err`; `field` may be NULL.  Returns -1 so callers can `return api_error_set(…)`. */
int api_error_set(struct api_error *err, int status, const char *code, const char *field,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Parses a request body that must be one JSON object: rejects raw NUL bytes, invalid
 * UTF-8, nesting deeper than JSON_DEPTH_MAX, duplicate keys and non-objects with
 * 400 malformed_json.  The caller json_decref()s `*out`. */
int json_parse_body(const char *data, size_t len, json_t **out, struct api_error *err);

enum field_type {
	FIELD_STRING,       /* a string of 1..max characters (0.. when `empty_ok`) */
	FIELD_BOOL,
	FIELD_INT,          /* an integer in [min, max] */
	FIELD_TIME,         /* an ISO 8601 UTC string → ms */
	FIELD_STRING_ARRAY, /* array of strings, each 1..max characters, at most `max_items` */
	FIELD_OBJECT,       /* any JSON object (already depth-checked) */
};

struct field_spec {
	const char *name;
	enum field_type type;
	bool required;
	bool nullable;             /* JSON null accepted (value.is_null) */
	bool empty_ok;             /* FIELD_STRING: "" accepted */
	int64_t min, max;          /* FIELD_STRING/ARRAY: max characters; FIELD_INT: range */
	int64_t max_items;         /* FIELD_STRING_ARRAY */
	const char *const *one_of; /* FIELD_STRING: NULL-terminated list of allowed values */
};

struct field_value {
	bool present;
	bool is_null;
	const char *str;  /* FIELD_STRING */
	int64_t num;      /* FIELD_INT, FIELD_TIME (ms) */
	bool flag;        /* FIELD_BOOL */
	json_t *json;     /* the raw value (arrays, objects) */
};

/* Validates `obj` against `nspecs` specs; unknown keys are 400 unknown_field. */
int json_validate(json_t *obj, const struct field_spec *specs, size_t nspecs,
		  struct field_value *values, struct api_error *err);

/* Whether `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
bool utf8_valid(const char *s);

/* Whether `s` holds nothing but spaces, tabs and line breaks. */
bool str_blank(const char *s);

/* Counts code points of a valid UTF-8 string. */
size_t utf8_length(const char *s);

/* Serializes compactly; the caller frees the result.  NULL when out of memory. */
char *json_to_text(const json_t *v);

/* Small builders that tolerate NULL for optional values (→ JSON null). */
json_t *json_string_or_null(const char *s);
json_t *json_time_or_null(int64_t ms);

#endif
