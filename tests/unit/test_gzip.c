/* Unit tests for src/gzip.c: the Accept-Encoding reading and a compress/inflate round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#include "gzip.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *header; /* NULL: no Accept-Encoding field */
	bool want;
} accept_cases[] = {
	{NULL, false},
	{"", false},
	{"gzip", true},
	{"GZip", true},
	{"x-gzip", true},
	{"gzip, deflate, br", true},       /* browsers */
	{"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
	{"deflate, br", false},
	{"identity", false},
	{"gzip;q=0", false},
	{"gzip; q=0", false},
	{"gzip;q=0.0", false},
	{"gzip;q=0.000", false},
	{"gzip;Q=0", false},
	{"gzip;q=0.001", true},
	{"gzip;q=0.5", true},
	{"gzip;q=1", true},
	{"gzip;q=1.000", true},
	{"gzip;level=1;q=0", false},       /* q after another parameter */
	{"*", true},
	{"*;q=0", false},
	{"*;q=0, gzip", true},             /* a named coding outranks the wildcard */
	{"gzip;q=0, *", false},
	{"gzip;q=0, gzip", false},         /* a refusal anywhere wins */
	{"gzipx, xgzip", false},           /* whole tokens only */
	{" , ,gzip , ", true},
	{"gzip\t;q=0", false},
	{",,,", false},
};

static void test_gzip_accepted(void)
{
	for (size_t i = 0; i < NELEM(accept_cases); i++)
		CHECK_MSG(gzip_accepted(accept_cases[i].header) == accept_cases[i].want,
			  "gzip_accepted(%s%s%s) != %d", accept_cases[i].header ? "\"" : "",
			  accept_cases[i].header ? accept_cases[i].header : "NULL",
			  accept_cases[i].header ? "\"" : "", accept_cases[i].want);
}

/* Inflates a gzip member with zlib; the bytes from malloc, NULL on any error. */
static unsigned char *inflate_all(const char *z, size_t zlen, size_t cap, size_t *out_len)
{
	z_stream s = {0};
	unsigned char *out = malloc(cap ? cap : 1);

	if (out == NULL || inflateInit2(&s, 15 + 16) != Z_OK) {
		free(out);
		return NULL;
	}
	s.next_in = (Bytef *)(uintptr_t)z;
	s.avail_in = (uInt)zlen;
	s.next_out = out;
	s.avail_out = (uInt)cap;
	if (inflate(&s, Z_FINISH) != Z_STREAM_END || s.avail_in != 0) {
		inflateEnd(&s);
		free(out);
		return NULL;
	}
	*out_len = s.total_out;
	inflateEnd(&s);
	return out;
}

static void test_gzip_round_trip(void)
{
	static const size_t sizes[] = {0, 1, 511, 4096, 200000};

	for (size_t k = 0; k < NELEM(sizes); k++) {
		size_t len = sizes[k], zlen = 0, back_len = 0;
		char *data = malloc(len + 1);
		char *z;
		unsigned char *back;
		uint32_t x = 2463534242u;

		REQUIRE(data != NULL);
		/* Text-like: words from a small alphabet, so it compresses as a document does. */
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			data[i] = (char)(x % 7 == 0 ? ' ' : 'a' + (int)(x % 11));
		}
		z = gzip_compress(data, len, &zlen);
		CHECK_MSG(z != NULL, "gzip_compress(%zu bytes) failed", len);
		if (z) {
			CHECK_MSG(zlen >= 18 && (unsigned char)z[0] == 0x1f && (unsigned char)z[1] == 0x8b,
				  "%zu bytes: not a gzip member", len);
			if (len >= 4096)
				CHECK_MSG(zlen < len * 2 / 3, "%zu bytes of text gave %zu", len, zlen);
			back = inflate_all(z, zlen, len + 16, &back_len);
			CHECK_MSG(back != NULL && back_len == len && memcmp(back, data, len) == 0,
				  "%zu bytes do not come back", len);
			free(back);
		}
		free(z);
		free(data);
	}
}

UNIT_SUITE(gzip_suite) = {
	{"gzip_accepted", test_gzip_accepted},
	{"gzip_round_trip", test_gzip_round_trip},
	UNIT_END
};
