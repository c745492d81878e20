## tests/unit: one TAP binary per module, linked to the in-tree library
TESTS += tests/unit/test_base
check_PROGRAMS += tests/unit/test_base
tests_unit_test_base_SOURCES = tests/unit/test_base.c
tests_unit_test_base_LDADD = $(ENGINE_LIBS)
