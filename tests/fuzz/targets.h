/*
 * Fuzz targets: one function per parser, shared by the libFuzzer drivers (`make fuzz`) and
 * the corpus replay that `make test` runs (tests/unit/test_fuzz.c).  Each must accept any
 * bytes without crashing, leaking or tripping a sanitizer.
 */
#ifndef MAJOROPS_FUZZ_TARGETS_H
#define MAJOROPS_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* A request body through json_parse_body() and a representative field table. */
void fuzz_json_body(const uint8_t *data, size_t len);
/* ISO times, integers, incident ids and Last-Event-ID style values. */
void fuzz_parsers(const uint8_t *data, size_t len);

#endif
