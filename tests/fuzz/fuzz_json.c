/* libFuzzer driver: `make fuzz` builds it with clang -fsanitize=fuzzer. */
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	fuzz_json_body(data, len);
	return 0;
}
