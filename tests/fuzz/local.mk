## tests/fuzz: libFuzzer targets for the readers of untrusted files.
##
## The pattern, one target per reader (fuzz_pickle is the model; fuzz_npy
## and fuzz_labelcsv follow it):
##  1. tests/fuzz/fuzz_X.c defines LLVMFuzzerTestOneInput (tests/fuzz/fuzz.h):
##     it calls the reader's in-memory entry point on the bytes, checks the
##     invariants of a success with SM_ASSERT, checks that a failure carries
##     a status other than SM_EINTERNAL and a message, and frees everything.
##  2. Its seed corpus is tests/fuzz/corpus/fuzz_X/: small valid files, a few
##     broken ones, and every input the fuzzer ever crashed on (renamed
##     crash-<what>). An optional dictionary is tests/fuzz/fuzz_X.dict.
##  3. Add fuzz_X to FUZZ_TARGETS, and copy both blocks marked "per target"
##     below with pickle replaced by X.
## `make check` runs tests/fuzz/fuzz_X_smoke (the target plus fuzz_driver.c)
## over each corpus once (corpus_smoke.sh). With `configure --enable-fuzzing
## CC=clang`, `make fuzz` runs each libFuzzer target for FUZZ_SECONDS seconds
## (`make fuzz FUZZ_SECONDS=600`) on a copy of its corpus in
## fuzz-work/fuzz_X/corpus/ of the build tree; crashes land in fuzz-work/fuzz_X/.

FUZZ_TARGETS = fuzz_pickle fuzz_npy fuzz_labelcsv fuzz_featcsv
FUZZ_SECONDS = 60

TESTS += tests/fuzz/corpus_smoke.sh
EXTRA_DIST += tests/fuzz/corpus_smoke.sh tests/fuzz/fuzz.h tests/fuzz/make_pickles.py \
	tests/fuzz/corpus tests/fuzz/fuzz_pickle.dict

## per target: pickle (smoke driver, always built by make check)
check_PROGRAMS += tests/fuzz/fuzz_pickle_smoke
tests_fuzz_fuzz_pickle_smoke_SOURCES = tests/fuzz/fuzz_pickle.c tests/fuzz/fuzz_driver.c
tests_fuzz_fuzz_pickle_smoke_LDADD = $(ENGINE_LIBS)

if FUZZING
## per target: pickle (libFuzzer binary)
noinst_PROGRAMS += tests/fuzz/fuzz_pickle
tests_fuzz_fuzz_pickle_SOURCES = tests/fuzz/fuzz_pickle.c
tests_fuzz_fuzz_pickle_LDADD = $(ENGINE_LIBS)
tests_fuzz_fuzz_pickle_LDFLAGS = -pthread $(FUZZ_LDFLAGS)

fuzz: $(FUZZ_TARGETS:%=tests/fuzz/%)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  w=fuzz-work/$$t; mkdir -p $$w/corpus; \
	  cp $(srcdir)/tests/fuzz/corpus/$$t/* $$w/corpus/; \
	  d=; if test -f $(srcdir)/tests/fuzz/$$t.dict; then d=-dict=$(srcdir)/tests/fuzz/$$t.dict; fi; \
	  echo "== $$t for $(FUZZ_SECONDS) s"; \
	  ./tests/fuzz/$$t $$d -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=$$w/ -print_final_stats=1 $$w/corpus; \
	done
else
fuzz:
	@echo "make fuzz: configure with --enable-fuzzing CC=clang first" >&2; exit 1
endif
.PHONY: fuzz
