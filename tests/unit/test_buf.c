/* Unit tests for src/buf.c: the growable string and str_copy. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "unit.h"

/*
 * The struct buf invariants (buf.h), checked after every operation: a pointer that is never
 * NULL and always terminated; an unallocated buffer is the shared empty string; an
 * allocated one keeps len < cap and never holds more than max bytes.
 */
#define CHECK_SANE(b) check_sane(&(b), __FILE__, __LINE__)

static void check_sane(const struct buf *b, const char *file, int line)
{
	if (b->ptr == NULL) {
		unit_fail(file, line, "buf: ptr is NULL");
		return;
	}
	if (b->ptr[b->cap ? b->len : 0] != '\0')
		unit_fail(file, line, "buf: not NUL-terminated at len %zu", b->len);
	if (b->cap == 0 && b->len != 0)
		unit_fail(file, line, "buf: len %zu without an allocation", b->len);
	if (b->cap != 0 && b->len >= b->cap)
		unit_fail(file, line, "buf: len %zu >= cap %zu", b->len, b->cap);
	if (b->len > b->max)
		unit_fail(file, line, "buf: len %zu > max %zu", b->len, b->max);
	if (b->cap != 0 && b->cap > b->max + 1)
		unit_fail(file, line, "buf: cap %zu allocates past max %zu", b->cap, b->max);
}

static void test_buf_init_empty(void)
{
	struct buf b;

	buf_init(&b, 100);
	CHECK_SANE(b);
	CHECK_STR(b.ptr, "");
	CHECK_INT(b.len, 0);
	CHECK_INT(b.max, 100);
	buf_free(&b);
	CHECK_SANE(b);
	buf_free(&b); /* twice is harmless */
	CHECK_SANE(b);
}

static void test_buf_append_kinds(void)
{
	struct buf b;

	buf_init(&b, 1024);
	CHECK_INT(buf_append_str(&b, "incident"), 0);
	CHECK_SANE(b);
	CHECK_INT(buf_append_char(&b, ' '), 0);
	CHECK_SANE(b);
	CHECK_INT(buf_append(&b, "INC-42xyz", 6), 0);
	CHECK_SANE(b);
	CHECK_INT(buf_printf(&b, " phase %d of %d: %s", 3, 8, "Assess"), 0);
	CHECK_SANE(b);
	CHECK_STR(b.ptr, "incident INC-42 phase 3 of 8: Assess");
	CHECK_INT(b.len, strlen("incident INC-42 phase 3 of 8: Assess"));
	CHECK_INT(buf_append_str(&b, ""), 0);
	CHECK_INT(buf_printf(&b, "%s", ""), 0);
	CHECK_SANE(b);
	CHECK_INT(b.len, strlen("incident INC-42 phase 3 of 8: Assess"));
	buf_free(&b);
}

static void test_buf_embedded_nul(void)
{
	struct buf b;

	buf_init(&b, 64);
	CHECK_INT(buf_append(&b, "a\0b", 3), 0);
	CHECK_SANE(b);
	CHECK_INT(b.len, 3);
	CHECK(memcmp(b.ptr, "a\0b\0", 4) == 0);
	buf_free(&b);
}

static void test_buf_growth(void)
{
	struct buf b;
	char want[5001];

	buf_init(&b, 5000);
	for (int i = 0; i < 5000; i++) {
		want[i] = (char)('a' + i % 26);
		if (buf_append_char(&b, want[i]) != 0) {
			unit_fail(__FILE__, __LINE__, "append %d failed", i);
			break;
		}
		CHECK_SANE(b);
	}
	want[5000] = '\0';
	CHECK_INT(b.len, 5000);
	CHECK_STR(b.ptr, want);
	/* Full to the byte: one more is over the cap. */
	CHECK_INT(buf_append_char(&b, 'x'), -1);
	CHECK_SANE(b);
	buf_free(&b);
}

static void test_buf_max_fails_append(void)
{
	struct buf b;

	buf_init(&b, 10);
	CHECK_INT(buf_append_str(&b, "0123456789"), 0); /* exactly max */
	CHECK_SANE(b);
	CHECK_INT(b.len, 10);
	CHECK_INT(buf_append_char(&b, 'x'), -1);
	/* A failed append empties the buffer: no half string, still valid, still capped. */
	CHECK_SANE(b);
	CHECK_STR(b.ptr, "");
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, 0);
	CHECK_INT(b.max, 10);
	/* and it can be used again */
	CHECK_INT(buf_append_str(&b, "again"), 0);
	CHECK_SANE(b);
	CHECK_STR(b.ptr, "again");
	buf_free(&b);
	buf_free(&b);
}

static void test_buf_max_fails_first_append(void)
{
	struct buf b;

	buf_init(&b, 4);
	CHECK_INT(buf_append_str(&b, "12345"), -1);
	CHECK_SANE(b);
	CHECK_STR(b.ptr, "");
	buf_free(&b);
}

static void test_buf_max_zero(void)
{
	struct buf b;

	buf_init(&b, 0);
	CHECK_INT(buf_append_str(&b, ""), 0);
	CHECK_SANE(b);
	CHECK_INT(buf_append_char(&b, 'a'), -1);
	CHECK_SANE(b);
	CHECK_STR(b.ptr, "");
	buf_free(&b);
}

static void test_buf_printf_over_max(void)
{
	struct buf b;

	buf_init(&b, 8);
	CHECK_INT(buf_append_str(&b, "abc"), 0);
	CHECK_INT(buf_printf(&b, "%d", 123456), -1); /* 3 + 6 > 8 */
	CHECK_SANE(b);
	CHECK_STR(b.ptr, "");
	CHECK_INT(b.len, 0);
	CHECK_INT(buf_printf(&b, "%05d", 42), 0);
	CHECK_SANE(b);
	CHECK_STR(b.ptr, "00042");
	buf_free(&b);
}

static void test_buf_huge_length(void)
{
	struct buf b;

	/* A length that would wrap size_t arithmetic must fail cleanly, before any copy. */
	buf_init(&b, 100);
	CHECK_INT(buf_append_str(&b, "x"), 0);
	CHECK_INT(buf_append(&b, "y", SIZE_MAX), -1);
	CHECK_SANE(b);
	CHECK_INT(buf_append(&b, "y", SIZE_MAX - 1), -1);
	CHECK_SANE(b);
	buf_free(&b);
}

static int vappend(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int vappend(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

static void test_buf_vprintf(void)
{
	struct buf b;

	buf_init(&b, 256);
	CHECK_INT(vappend(&b, "%s-%03d", "INC", 7), 0);
	CHECK_INT(vappend(&b, "/%c", 'z'), 0);
	CHECK_SANE(b);
	CHECK_STR(b.ptr, "INC-007/z");
	buf_free(&b);
}

static void test_buf_reset(void)
{
	struct buf b;
	size_t cap;

	buf_init(&b, 100);
	buf_reset(&b); /* on a fresh buffer: nothing to keep, nothing to write */
	CHECK_SANE(b);
	CHECK_INT(buf_append_str(&b, "timeline"), 0);
	cap = b.cap;
	buf_reset(&b);
	CHECK_SANE(b);
	CHECK_STR(b.ptr, "");
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, cap); /* the allocation is kept */
	CHECK_INT(buf_append_str(&b, "again"), 0);
	CHECK_STR(b.ptr, "again");
	buf_free(&b);
}

static void test_buf_detach(void)
{
	struct buf b;
	char *s;

	buf_init(&b, 100);
	CHECK_INT(buf_printf(&b, "INC-%d", 42), 0);
	s = buf_detach(&b);
	CHECK_SANE(b);
	CHECK_STR(b.ptr, "");
	CHECK_INT(b.len, 0);
	CHECK_INT(b.cap, 0);
	CHECK_STR(s, "INC-42");
	free(s);
	/* The buffer is reusable after a detach. */
	CHECK_INT(buf_append_str(&b, "more"), 0);
	CHECK_SANE(b);
	CHECK_STR(b.ptr, "more");
	buf_free(&b);
}

static void test_buf_detach_empty(void)
{
	struct buf b;
	char *s;

	/* Even an unallocated buffer hands over a heap string the caller may free. */
	buf_init(&b, 100);
	s = buf_detach(&b);
	CHECK(s != NULL);
	CHECK_STR(s, "");
	free(s);
	CHECK_SANE(b);
	buf_free(&b);
}

struct str_copy_case {
	const char *src;
	size_t size;
	const char *want;
	size_t ret;
};

static const struct str_copy_case str_copy_cases[] = {
	{"mim", 16, "mim", 3},
	{"customerOps", 6, "custo", 11},  /* truncated, return says how long it was */
	{"abc", 4, "abc", 3},             /* exactly fits */
	{"abcd", 4, "abc", 4},            /* one too many */
	{"", 4, "", 0},
	{"abc", 1, "", 3},                /* only the terminator fits */
};

static void test_str_copy(void)
{
	char dst[16];

	for (size_t i = 0; i < sizeof(str_copy_cases) / sizeof(str_copy_cases[0]); i++) {
		const struct str_copy_case *c = &str_copy_cases[i];

		memset(dst, '#', sizeof(dst));
		CHECK_INT(str_copy(dst, c->src, c->size), c->ret);
		CHECK_STR(dst, c->want);
		/* nothing past the terminator is touched */
		CHECK_MSG(strlen(c->want) + 1 >= sizeof(dst) || dst[strlen(c->want) + 1] == '#',
			  "str_copy(\"%s\", %zu) wrote past its terminator", c->src, c->size);
	}
	/* size 0 writes nothing at all */
	dst[0] = '#';
	CHECK_INT(str_copy(dst, "abc", 0), 3);
	CHECK(dst[0] == '#');
}

UNIT_SUITE(buf_suite) = {
	{"buf_init_empty", test_buf_init_empty},
	{"buf_append_kinds", test_buf_append_kinds},
	{"buf_embedded_nul", test_buf_embedded_nul},
	{"buf_growth", test_buf_growth},
	{"buf_max_fails_append", test_buf_max_fails_append},
	{"buf_max_fails_first_append", test_buf_max_fails_first_append},
	{"buf_max_zero", test_buf_max_zero},
	{"buf_printf_over_max", test_buf_printf_over_max},
	{"buf_huge_length", test_buf_huge_length},
	{"buf_vprintf", test_buf_vprintf},
	{"buf_reset", test_buf_reset},
	{"buf_detach", test_buf_detach},
	{"buf_detach_empty", test_buf_detach_empty},
	{"str_copy", test_str_copy},
	UNIT_END
};
