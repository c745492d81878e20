## src/base: status, errors, log hook, assert, allocation, RNG
libselfmi_a_SOURCES += src/base/base.h src/base/base.c src/base/rng.h src/base/rng.c \
	src/base/cpu.h src/base/cpu.c src/base/crc32.h src/base/crc32.c
