## src/base: status, errors, log hook, assert, allocation, file helpers (regular-file opens, atomic writes, mkdirs, trim, kv files), CPU state (FTZ/DAZ, SIMD level), CRC-32, RNG
libselfmi_a_SOURCES += src/base/base.h src/base/base.c src/base/rng.h src/base/rng.c src/base/clocale.h \
	src/base/fsutil.h src/base/fsutil.c src/base/cpu.h src/base/cpu.c src/base/crc32.h src/base/crc32.c
libselfmi_a_SOURCES += src/base/numfmt.h src/base/numfmt.c src/base/numfmt_pow10.h
EXTRA_DIST += scripts/gen-pow10.py
TESTS += tests/unit/test_numfmt
check_PROGRAMS += tests/unit/test_numfmt
tests_unit_test_numfmt_SOURCES = tests/unit/test_numfmt.c
tests_unit_test_numfmt_LDADD = $(ENGINE_LIBS)
## every float32 bit pattern against printf and strtof (hours; not in make check)
check-numfmt-full: tests/unit/test_numfmt
	./tests/unit/test_numfmt --all 0 0x100000000
.PHONY: check-numfmt-full
EXTRA_PROGRAMS += tests/bench/bench_numfmt
BENCHES += tests/bench/bench_numfmt
tests_bench_bench_numfmt_SOURCES = tests/bench/bench_numfmt.c
tests_bench_bench_numfmt_LDADD = $(ENGINE_LIBS)
CLEANFILES += tests/bench/bench_numfmt
