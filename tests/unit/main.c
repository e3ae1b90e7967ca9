/* The unit test runner: every suite, every case, "N passed, N failed" last. */
#include <stdarg.h>
#include <stdio.h>

#include "unit.h"

extern const struct unit_case buf_suite[];
extern const struct unit_case parse_suite[];
extern const struct unit_case doctrine_suite[];
extern const struct unit_case json_suite[];
extern const struct unit_case fuzz_suite[];
extern const struct unit_case can_suite[];
extern const struct unit_case tracks_suite[];
extern const struct unit_case guardrails_suite[];
extern const struct unit_case firstten_suite[];
extern const struct unit_case assist_suite[];
extern const struct unit_case posture_suite[];
extern const struct unit_case statuspage_suite[];
extern const struct unit_case signals_suite[];
extern const struct unit_case afteraction_suite[];
extern const struct unit_case afteraction_extras_suite[];
extern const struct unit_case oidc_suite[];
extern const struct unit_case oncall_suite[];
extern const struct unit_case auth_suite[];
extern const struct unit_case notify_suite[];
extern const struct unit_case gzip_suite[];

int unit_case_failed;
const char *unit_case_name;

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (!unit_case_failed)
		printf("FAIL - %s: ", unit_case_name);
	else
		printf("       and: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (%s:%d)\n", file, line);
	unit_case_failed = 1;
}

int main(void)
{
	const struct unit_case *suites[] = {
		buf_suite, parse_suite, doctrine_suite, json_suite, fuzz_suite, can_suite, tracks_suite,
		guardrails_suite, firstten_suite, assist_suite, posture_suite,
		statuspage_suite, signals_suite, afteraction_suite, afteraction_extras_suite, oidc_suite,
		oncall_suite,
		auth_suite,
		notify_suite,
		gzip_suite,
	};
	int passed = 0, failed = 0;

	for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		for (const struct unit_case *c = suites[s]; c->name; c++) {
			unit_case_name = c->name;
			unit_case_failed = 0;
			c->fn();
			if (unit_case_failed) {
				failed++;
			} else {
				passed++;
				printf("ok - %s\n", c->name);
			}
			fflush(stdout);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
