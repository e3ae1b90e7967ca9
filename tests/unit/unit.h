/*
 * unit — the smallest test harness that prints what the suite runner reads.
 *
 * Each case prints "ok - NAME" or "FAIL - NAME: why (file:line)".  A test file defines
 * functions `void test_x(void)` and lists them in its UNIT_SUITE table; tests/unit/main.c
 * runs every suite and prints "N passed, N failed" last.  CHECK records a failure and
 * lets the case continue; REQUIRE returns from the case.
 */
#ifndef MAJOROPS_UNIT_H
#define MAJOROPS_UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_case {
	const char *name;
	void (*fn)(void);
};

/* Set by the runner around each case. */
extern int unit_case_failed;
extern const char *unit_case_name;

void unit_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond))                                                     \
			unit_fail(__FILE__, __LINE__, "check failed: %s", #cond); \
	} while (0)

#define CHECK_MSG(cond, ...)                                  \
	do {                                                  \
		if (!(cond))                                  \
			unit_fail(__FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

#define REQUIRE(cond)                                                              \
	do {                                                                       \
		if (!(cond)) {                                                     \
			unit_fail(__FILE__, __LINE__, "required: %s", #cond);      \
			return;                                                    \
		}                                                                  \
	} while (0)

#define CHECK_STR(got, want)                                                          \
	do {                                                                          \
		const char *g_ = (got), *w_ = (want);                                 \
		if (g_ == NULL || w_ == NULL ? g_ != w_ : strcmp(g_, w_) != 0)        \
			unit_fail(__FILE__, __LINE__, "%s: got \"%s\", want \"%s\"", #got, \
				  g_ ? g_ : "(null)", w_ ? w_ : "(null)");            \
	} while (0)

#define CHECK_INT(got, want)                                                             \
	do {                                                                             \
		long long g_ = (long long)(got), w_ = (long long)(want);                 \
		if (g_ != w_)                                                            \
			unit_fail(__FILE__, __LINE__, "%s: got %lld, want %lld", #got, g_, w_); \
	} while (0)

#define UNIT_SUITE(suite) const struct unit_case suite[]
#define UNIT_END {NULL, NULL}

#endif
