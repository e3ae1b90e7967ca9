/* Replays the fuzz corpus (tests/fuzz/corpus/<target>/) through each target, so every
 * input that ever mattered keeps being checked under the sanitizers. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/targets.h"
#include "unit.h"

#define CORPUS_FILE_MAX (1024 * 1024)

/* Runs `target` over every file in `dir`; returns the count replayed, -1 if unreadable. */
static int replay_dir(const char *dir, void (*target)(const uint8_t *, size_t))
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[512];
		unsigned char *data;
		FILE *f;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (f == NULL)
			continue;
		data = malloc(CORPUS_FILE_MAX);
		if (data == NULL) {
			fclose(f);
			break;
		}
		len = fread(data, 1, CORPUS_FILE_MAX, f);
		fclose(f);
		target(data, len);
		free(data);
		n++;
	}
	closedir(d);
	return n;
}

static void test_fuzz_corpus_json(void)
{
	int n = replay_dir("tests/fuzz/corpus/json", fuzz_json_body);

	CHECK_MSG(n > 0, "no corpus replayed from tests/fuzz/corpus/json (%d)", n);
}

static void test_fuzz_corpus_parse(void)
{
	int n = replay_dir("tests/fuzz/corpus/parse", fuzz_parsers);

	CHECK_MSG(n > 0, "no corpus replayed from tests/fuzz/corpus/parse (%d)", n);
}

UNIT_SUITE(fuzz_suite) = {
	{"fuzz_corpus_json", test_fuzz_corpus_json},
	{"fuzz_corpus_parse", test_fuzz_corpus_parse},
	UNIT_END,
};
