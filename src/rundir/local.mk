## src/rundir: the run directory, one module: its states, file tables and
## columns, the writer (runstore), the readers (a whole read and an
## incremental one), and the decision what an existing directory means
libselfmi_a_SOURCES += \
	src/rundir/columns.h \
	src/rundir/rundir.h src/rundir/rundir.c src/rundir/reader.c \
	src/rundir/runstore.h src/rundir/runstore.c

TESTS += tests/unit/test_runstore tests/unit/test_rundir
check_PROGRAMS += tests/unit/test_runstore tests/unit/test_rundir
tests_unit_test_runstore_SOURCES = tests/unit/test_runstore.c
tests_unit_test_runstore_LDADD = $(ENGINE_LIBS)
tests_unit_test_rundir_SOURCES = tests/unit/test_rundir.c
tests_unit_test_rundir_LDADD = $(ENGINE_LIBS)
