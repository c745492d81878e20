## src/base: status, errors, log hook, assert, allocation, file helpers (regular-file opens, atomic writes, mkdirs, trim, kv files), CPU state (FTZ/DAZ, SIMD level), CRC-32, RNG
libselfmi_a_SOURCES += src/base/base.h src/base/base.c src/base/rng.h src/base/rng.c src/base/clocale.h \
	src/base/fsutil.h src/base/fsutil.c src/base/cpu.h src/base/cpu.c src/base/crc32.h src/base/crc32.c
