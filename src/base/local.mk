## src/base: status, errors, log hook, assert, allocation, regular-file opens, RNG
libselfmi_a_SOURCES += src/base/base.h src/base/base.c src/base/file.h src/base/file.c src/base/rng.h src/base/rng.c
