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
	tests/cli/rel_disk.sh tests/cli/rel_two_grids.sh tests/cli/rel_dash_errors.sh tests/cli/rel_identity.sh \
	tests/cli/rel_old_runconf.sh
check_PROGRAMS += tests/unit/test_resume
tests_unit_test_resume_SOURCES = tests/unit/test_resume.c
tests_unit_test_resume_LDADD = $(ENGINE_LIBS)
EXTRA_DIST += tests/cli/rel_resume.sh tests/cli/rel_crash.sh tests/cli/rel_diverge_grid.sh tests/cli/rel_disk.sh \
	tests/cli/rel_two_grids.sh tests/cli/rel_dash_errors.sh tests/cli/rel_identity.sh tests/cli/rel_check_dir.py \
	tests/cli/rel_old_runconf.sh

## make check-tsan: the threaded tests (the worker queue, the dashboard's
## engine and snapshot hand-off through the headless driver, the Slurm
## poller thread, the run lock across threads, grids on two workers and
## two grids at once) in a
## ThreadSanitizer build configured in tsan-build/ of this build tree; any
## report fails the test (halt_on_error). On kernels whose mmap
## randomisation is too wide for the runtime, run it as
## `setarch -R make check-tsan`.
TSAN_TESTS = tests/unit/test_queue tests/unit/test_ui_screens tests/unit/test_ui_slurm tests/unit/test_resume \
	tests/cli/grid_run.sh tests/cli/rel_two_grids.sh tests/cli/rel_diverge_grid.sh
check-tsan:
	@mkdir -p tsan-build && cd tsan-build && \
	  { test -f Makefile || '$(abs_top_srcdir)/configure' --enable-tsan --enable-werror CC='$(CC)' \
	      CFLAGS='-g -O2' > configure.log; } && \
	  TSAN_OPTIONS='halt_on_error=1 second_deadlock_stack=1' \
	  $(MAKE) $(AM_MAKEFLAGS) check TESTS='$(TSAN_TESTS)'

## make check-valgrind: valgrind memcheck over a short `selfmi train` (every
## label generator) and a two-worker grid: no invalid access, no
## uninitialised use and no leak (definite, indirect or possible) allowed.
VALGRIND = valgrind
VALGRIND_FLAGS = --quiet --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible
check-valgrind: selfmi
	@rm -rf valgrind-work && mkdir -p valgrind-work && \
	printf '[experiment]\ndataset = synth:small\n[config]\nmax_epochs = 2\n[grid]\nseed = 1..2\n' \
	  > valgrind-work/grid.conf && \
	for l in mi mm none; do \
	  echo "== valgrind: selfmi train synth:small --set labels=$$l --set max_epochs=2"; \
	  $(VALGRIND) $(VALGRIND_FLAGS) ./selfmi train synth:small --set labels=$$l --set max_epochs=2 \
	    --out valgrind-work/res --quiet > /dev/null || exit 1; \
	done && \
	echo "== valgrind: selfmi grid (2 workers)" && \
	$(VALGRIND) $(VALGRIND_FLAGS) ./selfmi grid valgrind-work/grid.conf --jobs 2 --out valgrind-work/grid \
	  --quiet > /dev/null && \
	echo "== valgrind: selfmi train --resume" && \
	d=valgrind-work/kill/r && \
	{ SELFMI_TEST_KILL_EPOCH=2 ./selfmi train synth:small --set max_epochs=3 --out valgrind-work/kill --run-id r \
	    --quiet > /dev/null 2>&1; true; } && \
	$(VALGRIND) $(VALGRIND_FLAGS) ./selfmi train --resume $$d --quiet > /dev/null && \
	rm -rf valgrind-work && echo "check-valgrind: no errors, no leaks"

clean-local: clean-rel
clean-rel:
	rm -rf tsan-build valgrind-work
.PHONY: check-tsan check-valgrind clean-rel
