/* The edge: body parsing limits and the field-table walker. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "unit.h"

static const char *const colours[] = {"red", "green", NULL};

static const struct field_spec specs[] = {
	{.name = "title", .type = FIELD_STRING, .required = true, .max = 5},
	{.name = "colour", .type = FIELD_STRING, .one_of = colours},
	{.name = "count", .type = FIELD_INT, .min = 1, .max = 10},
	{.name = "flag", .type = FIELD_BOOL},
	{.name = "when", .type = FIELD_TIME, .nullable = true},
	{.name = "tags", .type = FIELD_STRING_ARRAY, .max = 3, .max_items = 2},
	{.name = "extra", .type = FIELD_OBJECT},
	{.name = "note", .type = FIELD_STRING, .empty_ok = true, .max = 10},
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

struct body_case {
	const char *body;
	int status;       /* 0: accepted */
	const char *code;
	const char *field;
};

static void test_json_validate_table(void)
{
	static const struct body_case cases[] = {
		{"{\"title\":\"ab\"}", 0, NULL, NULL},
		{"{\"title\":\"héllo\"}", 0, NULL, NULL},           /* 5 code points, 6 bytes */
		{"{\"title\":\"héllo!\"}", 400, "invalid_field", "title"},
		{"{\"title\":\"\"}", 400, "invalid_field", "title"},
		{"{\"title\":5}", 400, "invalid_field", "title"},
		{"{}", 400, "missing_field", "title"},
		{"{\"title\":\"a\",\"bogus\":1}", 400, "unknown_field", "bogus"},
		{"{\"title\":\"a\",\"colour\":\"blue\"}", 400, "invalid_field", "colour"},
		{"{\"title\":\"a\",\"colour\":\"red\"}", 0, NULL, NULL},
		{"{\"title\":\"a\",\"count\":0}", 400, "invalid_field", "count"},
		{"{\"title\":\"a\",\"count\":10}", 0, NULL, NULL},
		{"{\"title\":\"a\",\"count\":1.5}", 400, "invalid_field", "count"},
		{"{\"title\":\"a\",\"flag\":\"yes\"}", 400, "invalid_field", "flag"},
		{"{\"title\":\"a\",\"when\":\"2026-11-23T14:32:05Z\"}", 0, NULL, NULL},
		{"{\"title\":\"a\",\"when\":null}", 0, NULL, NULL},
		{"{\"title\":\"a\",\"when\":\"yesterday\"}", 400, "invalid_field", "when"},
		{"{\"title\":\"a\",\"title2\":null}", 400, "unknown_field", "title2"},
		{"{\"title\":null}", 400, "invalid_field", "title"},
		{"{\"title\":\"a\",\"tags\":[\"x\",\"y\"]}", 0, NULL, NULL},
		{"{\"title\":\"a\",\"tags\":[\"x\",\"y\",\"z\"]}", 400, "invalid_field", "tags"},
		{"{\"title\":\"a\",\"tags\":[\"x\",3]}", 400, "invalid_field", "tags"},
		{"{\"title\":\"a\",\"tags\":[\"long\"]}", 400, "invalid_field", "tags"},
		{"{\"title\":\"a\",\"extra\":[]}", 400, "invalid_field", "extra"},
		{"{\"title\":\"a\",\"extra\":{\"k\":[1,{\"x\":2}]}}", 0, NULL, NULL},
		{"{\"title\":\"a\",\"note\":\"\"}", 0, NULL, NULL},
		{"{\"title\":\"a\",\"title\":\"b\"}", 400, "malformed_json", NULL},
		{"[1,2]", 400, "malformed_json", NULL},
		{"{\"title\":", 400, "malformed_json", NULL},
		{"", 400, "malformed_json", NULL},
		{"{\"title\":\"a\\u0000b\"}", 400, "malformed_json", NULL},
		{"{\"title\":\"\xff\"}", 400, "malformed_json", NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct body_case *c = &cases[i];
		struct field_value values[NSPECS];
		struct api_error err;
		json_t *body = NULL;
		int rc;

		memset(&err, 0, sizeof(err));
		rc = json_parse_body(c->body, strlen(c->body), &body, &err);
		if (rc == 0)
			rc = json_validate(body, specs, NSPECS, values, &err);
		json_decref(body);
		if (c->status == 0) {
			CHECK_MSG(rc == 0, "case %zu (%s) refused: %s", i, c->body, err.message);
			continue;
		}
		CHECK_MSG(rc != 0, "case %zu (%s) accepted", i, c->body);
		if (rc == 0)
			continue;
		CHECK_INT(err.status, c->status);
		CHECK_STR(err.code, c->code);
		if (c->field)
			CHECK_STR(err.field, c->field);
		CHECK_MSG(err.message[0] != '\0', "case %zu has no message", i);
	}
}

static void test_json_raw_nul_refused(void)
{
	static const char body[] = "{\"title\":\"a\0b\"}";
	struct api_error err;
	json_t *v = NULL;

	CHECK(json_parse_body(body, sizeof(body) - 1, &v, &err) != 0);
	CHECK(v == NULL);
	CHECK_STR(err.code, "malformed_json");
}

/* Builds {"a":{"a":…{}…}} nested `depth` objects deep. */
static char *nested(int depth)
{
	struct buf b;

	buf_init(&b, 4096);
	for (int i = 0; i < depth; i++)
		if (buf_append_str(&b, i + 1 < depth ? "{\"a\":" : "{") != 0)
			return NULL;
	for (int i = 0; i < depth; i++)
		if (buf_append_char(&b, '}') != 0)
			return NULL;
	return buf_detach(&b);
}

static void test_json_depth_limit(void)
{
	char *ok = nested(JSON_DEPTH_MAX), *deep = nested(JSON_DEPTH_MAX + 1);
	struct api_error err;
	json_t *v = NULL;

	REQUIRE(ok && deep);
	CHECK(json_parse_body(ok, strlen(ok), &v, &err) == 0);
	json_decref(v);
	v = NULL;
	CHECK(json_parse_body(deep, strlen(deep), &v, &err) != 0);
	CHECK_STR(err.code, "malformed_json");
	/* Brackets inside strings are text, not nesting. */
	{
		static const char text[] = "{\"t\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"\"}";

		CHECK(json_parse_body(text, sizeof(text) - 1, &v, &err) == 0);
	}
	json_decref(v);
	free(ok);
	free(deep);
}

static void test_json_utf8_length(void)
{
	CHECK_INT(utf8_length(""), 0);
	CHECK_INT(utf8_length("abc"), 3);
	CHECK_INT(utf8_length("h\xc3\xa9llo"), 5);
	CHECK_INT(utf8_length("\xf0\x9f\x94\xa5"), 1);
}

UNIT_SUITE(json_suite) = {
	{"json_validate_table", test_json_validate_table},
	{"json_raw_nul_refused", test_json_raw_nul_refused},
	{"json_depth_limit", test_json_depth_limit},
	{"json_utf8_length", test_json_utf8_length},
	UNIT_END,
};
