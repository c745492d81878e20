## src/data: datasets, CSV, npy, importers, synthetic data
libselfmi_a_SOURCES += src/data/csvio.h src/data/csvio.c src/data/dataset.h
TESTS += tests/unit/test_csvio
check_PROGRAMS += tests/unit/test_csvio
tests_unit_test_csvio_SOURCES = tests/unit/test_csvio.c
tests_unit_test_csvio_LDADD = $(ENGINE_LIBS)
