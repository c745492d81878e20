## tests/rel.mk: reliability: crash safety, resume, divergence in a grid,
## disk errors, two grids on one results root, the experiment-file fuzz
## target, and the ThreadSanitizer and valgrind passes.

## the experiment-file reader's fuzz target (tests/fuzz/local.mk pattern)
FUZZ_TARGETS += fuzz_expfile
check_PROGRAMS += tests/fuzz/fuzz_expfile_smoke
tests_fuzz_fuzz_expfile_smoke_SOURCES = tests/fuzz/fuzz_expfile.c tests/fuzz/fuzz_driver.c
tests_fuzz_fuzz_expfile_smoke_LDADD = $(ENGINE_LIBS)
EXTRA_DIST += tests/fuzz/fuzz_expfile.dict tests/fuzz/corpus/fuzz_expfile
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_expfile
tests_fuzz_fuzz_expfile_SOURCES = tests/fuzz/fuzz_expfile.c
tests_fuzz_fuzz_expfile_LDADD = $(ENGINE_LIBS)
tests_fuzz_fuzz_expfile_LDFLAGS = -pthread $(FUZZ_LDFLAGS)
endif

## tests
TESTS += tests/unit/test_resume tests/cli/rel_resume.sh tests/cli/rel_crash.sh tests/cli/rel_diverge_grid.sh \
	tests/cli/rel_disk.sh tests/cli/rel_two_grids.sh
check_PROGRAMS += tests/unit/test_resume
tests_unit_test_resume_SOURCES = tests/unit/test_resume.c
tests_unit_test_resume_LDADD = $(ENGINE_LIBS)
EXTRA_DIST += tests/cli/rel_resume.sh tests/cli/rel_crash.sh tests/cli/rel_diverge_grid.sh tests/cli/rel_disk.sh \
	tests/cli/rel_two_grids.sh tests/cli/rel_check_dir.py
