## src/data: datasets, CSV, npy, importers, synthetic data
libselfmi_a_SOURCES += src/data/csvio.h src/data/csvio.c src/data/dataset.h src/data/dataset.c \
	src/data/npy.h src/data/npy.c \
	src/data/featcsv.h src/data/featcsv.c src/data/synth.h src/data/synth.c
EXTRA_DIST += man/synth-model.txt

TESTS += tests/unit/test_csvio tests/unit/test_npy tests/unit/test_data tests/unit/test_data_featcsv \
	tests/unit/test_data_synth
check_PROGRAMS += tests/unit/test_csvio tests/unit/test_npy tests/unit/test_data tests/unit/test_data_featcsv \
	tests/unit/test_data_synth
tests_unit_test_csvio_SOURCES = tests/unit/test_csvio.c
tests_unit_test_csvio_LDADD = $(ENGINE_LIBS)
tests_unit_test_npy_SOURCES = tests/unit/test_npy.c
tests_unit_test_npy_LDADD = $(ENGINE_LIBS)
tests_unit_test_data_SOURCES = tests/unit/test_data.c
tests_unit_test_data_LDADD = $(ENGINE_LIBS)
tests_unit_test_data_featcsv_SOURCES = tests/unit/test_data_featcsv.c
tests_unit_test_data_featcsv_LDADD = $(ENGINE_LIBS)
tests_unit_test_data_synth_SOURCES = tests/unit/test_data_synth.c
tests_unit_test_data_synth_LDADD = $(ENGINE_LIBS)

TESTS += tests/cli/data_synth.sh tests/cli/data_import_csv.sh tests/cli/bad_input.sh \
	tests/cli/data_import_errors.sh tests/cli/data_npy_numpy.sh
EXTRA_DIST += tests/cli/data_synth.sh tests/cli/data_import_csv.sh tests/cli/bad_input.sh \
	tests/cli/data_import_errors.sh tests/cli/data_npy_numpy.sh

EXTRA_PROGRAMS += tests/bench/bench_load
BENCHES += tests/bench/bench_load
tests_bench_bench_load_SOURCES = tests/bench/bench_load.c
tests_bench_bench_load_LDADD = $(ENGINE_LIBS)
CLEANFILES += tests/bench/bench_load

## fuzz targets of the data readers, following tests/fuzz/local.mk: the
## smoke drivers run each seed corpus once in `make check`; the libFuzzer
## binaries are built with --enable-fuzzing (list fuzz_npy fuzz_labelcsv
## fuzz_featcsv in FUZZ_TARGETS there for `make fuzz`).
check_PROGRAMS += tests/fuzz/fuzz_npy_smoke tests/fuzz/fuzz_labelcsv_smoke tests/fuzz/fuzz_featcsv_smoke
tests_fuzz_fuzz_npy_smoke_SOURCES = tests/fuzz/fuzz_npy.c tests/fuzz/fuzz_driver.c
tests_fuzz_fuzz_npy_smoke_LDADD = $(ENGINE_LIBS)
tests_fuzz_fuzz_labelcsv_smoke_SOURCES = tests/fuzz/fuzz_labelcsv.c tests/fuzz/fuzz_driver.c
tests_fuzz_fuzz_labelcsv_smoke_LDADD = $(ENGINE_LIBS)
tests_fuzz_fuzz_featcsv_smoke_SOURCES = tests/fuzz/fuzz_featcsv.c tests/fuzz/fuzz_driver.c
tests_fuzz_fuzz_featcsv_smoke_LDADD = $(ENGINE_LIBS)
EXTRA_DIST += tests/fuzz/fuzz.h tests/fuzz/fuzz_npy.dict \
	tests/fuzz/corpus/fuzz_npy tests/fuzz/corpus/fuzz_labelcsv tests/fuzz/corpus/fuzz_featcsv

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_npy tests/fuzz/fuzz_labelcsv tests/fuzz/fuzz_featcsv
tests_fuzz_fuzz_npy_SOURCES = tests/fuzz/fuzz_npy.c
tests_fuzz_fuzz_npy_LDADD = $(ENGINE_LIBS)
tests_fuzz_fuzz_npy_LDFLAGS = -pthread $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_labelcsv_SOURCES = tests/fuzz/fuzz_labelcsv.c
tests_fuzz_fuzz_labelcsv_LDADD = $(ENGINE_LIBS)
tests_fuzz_fuzz_labelcsv_LDFLAGS = -pthread $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_featcsv_SOURCES = tests/fuzz/fuzz_featcsv.c
tests_fuzz_fuzz_featcsv_LDADD = $(ENGINE_LIBS)
tests_fuzz_fuzz_featcsv_LDFLAGS = -pthread $(FUZZ_LDFLAGS)
endif
