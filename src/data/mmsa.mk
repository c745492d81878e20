## src/data: the MMSA feature pickle importer (pickle VM + conversion)
libselfmi_a_SOURCES += src/data/pickle.h src/data/pickle.c src/data/mmsa.h src/data/mmsa.c

TESTS += tests/unit/test_pickle tests/unit/test_pickle_mmsa tests/cli/import_mmsa.sh
check_PROGRAMS += tests/unit/test_pickle tests/unit/test_pickle_mmsa
tests_unit_test_pickle_SOURCES = tests/unit/test_pickle.c
tests_unit_test_pickle_LDADD = $(ENGINE_LIBS)
tests_unit_test_pickle_mmsa_SOURCES = tests/unit/test_pickle_mmsa.c
tests_unit_test_pickle_mmsa_LDADD = $(ENGINE_LIBS)
EXTRA_DIST += tests/cli/import_mmsa.sh
