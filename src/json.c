#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "parse.h"

int api_error_set(struct api_error *err, int status, const char *code, const char *field,
		  const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->code = code;
	str_copy(err->field, field ? field : "", sizeof(err->field));
	err->rule[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* Depth of the deepest array/object nesting, counted outside strings, stopping early
 * once past the limit.  The bytes are checked before jansson sees them so that a hostile
 * body cannot make the parser recurse thousands of levels deep. */
static int json_depth_exceeds(const char *data, size_t len, int limit)
{
	int depth = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char ch = data[i];

		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_string = false;
			continue;
		}
		if (ch == '"') {
			in_string = true;
		} else if (ch == '{' || ch == '[') {
			if (++depth > limit)
				return 1;
		} else if (ch == '}' || ch == ']') {
			depth--;
		}
	}
	return 0;
}

int json_parse_body(const char *data, size_t len, json_t **out, struct api_error *err)
{
	json_error_t jerr;
	json_t *v;

	*out = NULL;
	if (len == 0)
		return api_error_set(err, 400, "malformed_json", NULL, "the body is empty; send a JSON object");
	if (memchr(data, '\0', len) != NULL)
		return api_error_set(err, 400, "malformed_json", NULL, "the body contains a NUL byte");
	if (json_depth_exceeds(data, len, JSON_DEPTH_MAX))
		return api_error_set(err, 400, "malformed_json", NULL,
				     "JSON nested deeper than %d levels", JSON_DEPTH_MAX);
	v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL)
		return api_error_set(err, 400, "malformed_json", NULL, "malformed JSON at line %d column %d: %s",
				     jerr.line, jerr.column, jerr.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return api_error_set(err, 400, "malformed_json", NULL, "the body must be a JSON object");
	}
	*out = v;
	return 0;
}

bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned cp;
		int extra;

		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xE0) == 0xC0) {
			cp = *p & 0x1F;
			extra = 1;
		} else if ((*p & 0xF0) == 0xE0) {
			cp = *p & 0x0F;
			extra = 2;
		} else if ((*p & 0xF8) == 0xF0) {
			cp = *p & 0x07;
			extra = 3;
		} else {
			return false;
		}
		p++;
		for (int i = 0; i < extra; i++, p++) {
			if ((*p & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (*p & 0x3F);
		}
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
	}
	return true;
}

bool str_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

size_t utf8_length(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static const char *field_type_word(enum field_type t)
{
	switch (t) {
	case FIELD_STRING: return "a string";
	case FIELD_BOOL: return "true or false";
	case FIELD_INT: return "an integer";
	case FIELD_TIME: return "an ISO 8601 UTC time such as 2026-11-23T14:32:05Z";
	case FIELD_STRING_ARRAY: return "an array of strings";
	case FIELD_OBJECT: return "an object";
	}
	return "?";
}

static int check_one_of(const struct field_spec *f, const char *s, struct api_error *err)
{
	struct buf list;

	if (f->one_of == NULL)
		return 0;
	for (const char *const *o = f->one_of; *o; o++)
		if (strcmp(*o, s) == 0)
			return 0;
	buf_init(&list, 512);
	for (const char *const *o = f->one_of; *o; o++)
		if (buf_printf(&list, "%s%s", o == f->one_of ? "" : ", ", *o) != 0)
			break;
	api_error_set(err, 400, "invalid_field", f->name, "%s must be one of %s", f->name, list.ptr);
	buf_free(&list);
	return -1;
}

static int check_string(const struct field_spec *f, const char *s, const char *what,
			struct api_error *err)
{
	size_t n = utf8_length(s);

	if ((n == 0 || str_blank(s)) && !f->empty_ok)
		return api_error_set(err, 400, "invalid_field", f->name, "%s must not be blank", what);
	if (f->max && (int64_t)n > f->max)
		return api_error_set(err, 400, "invalid_field", f->name,
				     "%s is %zu characters; at most %lld are allowed", what, n,
				     (long long)f->max);
	return 0;
}

static int validate_one(const struct field_spec *f, json_t *v, struct field_value *out,
			struct api_error *err)
{
	out->present = true;
	out->json = v;
	if (json_is_null(v)) {
		if (!f->nullable)
			return api_error_set(err, 400, "invalid_field", f->name, "%s must be %s, not null",
					     f->name, field_type_word(f->type));
		out->is_null = true;
		return 0;
	}
	switch (f->type) {
	case FIELD_STRING:
		if (!json_is_string(v))
			break;
		out->str = json_string_value(v);
		if (check_string(f, out->str, f->name, err) != 0)
			return -1;
		return check_one_of(f, out->str, err);
	case FIELD_BOOL:
		if (!json_is_boolean(v))
			break;
		out->flag = json_is_true(v);
		return 0;
	case FIELD_INT:
		if (!json_is_integer(v))
			break;
		out->num = json_integer_value(v);
		if (out->num < f->min || out->num > f->max)
			return api_error_set(err, 400, "invalid_field", f->name,
					     "%s must be between %lld and %lld", f->name,
					     (long long)f->min, (long long)f->max);
		return 0;
	case FIELD_TIME:
		if (!json_is_string(v))
			break;
		if (time_from_iso(json_string_value(v), &out->num) != 0)
			return api_error_set(err, 400, "invalid_field", f->name, "%s must be %s",
					     f->name, field_type_word(f->type));
		return 0;
	case FIELD_STRING_ARRAY: {
		size_t i;
		json_t *item;

		if (!json_is_array(v))
			break;
		if (f->max_items && (int64_t)json_array_size(v) > f->max_items)
			return api_error_set(err, 400, "invalid_field", f->name,
					     "%s holds %zu items; at most %lld are allowed", f->name,
					     json_array_size(v), (long long)f->max_items);
		json_array_foreach(v, i, item) {
			char what[96];

			if (!json_is_string(item))
				return api_error_set(err, 400, "invalid_field", f->name,
						     "%s[%zu] must be a string", f->name, i);
			snprintf(what, sizeof(what), "%s[%zu]", f->name, i);
			if (check_string(f, json_string_value(item), what, err) != 0)
				return -1;
		}
		return 0;
	}
	case FIELD_OBJECT:
		if (!json_is_object(v))
			break;
		return 0;
	}
	return api_error_set(err, 400, "invalid_field", f->name, "%s must be %s", f->name,
			     field_type_word(f->type));
}

int json_validate(json_t *obj, const struct field_spec *specs, size_t nspecs,
		  struct field_value *values, struct api_error *err)
{
	const char *key;
	json_t *v;

	memset(values, 0, nspecs * sizeof(*values));
	json_object_foreach(obj, key, v) {
		size_t i;

		for (i = 0; i < nspecs; i++)
			if (strcmp(specs[i].name, key) == 0)
				break;
		if (i == nspecs) {
			char shown[48];

			str_copy(shown, key, sizeof(shown));
			return api_error_set(err, 400, "unknown_field", shown, "%s is not a field of this request",
					     shown);
		}
		if (validate_one(&specs[i], v, &values[i], err) != 0)
			return -1;
	}
	for (size_t i = 0; i < nspecs; i++)
		if (specs[i].required && !values[i].present)
			return api_error_set(err, 400, "missing_field", specs[i].name, "%s is required",
					     specs[i].name);
	return 0;
}

char *json_to_text(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT);
}

json_t *json_string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *json_time_or_null(int64_t ms)
{
	char iso[TIME_ISO_MAX];

	if (ms == TIME_NONE)
		return json_null();
	time_to_iso(ms, iso);
	return json_string(iso);
}
