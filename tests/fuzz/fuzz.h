/* fuzz.h: the libFuzzer entry point every fuzz target defines. The same
 * function runs under libFuzzer (--enable-fuzzing) and under fuzz_driver.c,
 * which feeds it the seed corpus once in `make check`. */
#ifndef SELFMI_FUZZ_H
#define SELFMI_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
