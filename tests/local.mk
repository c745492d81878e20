## tests: shared test helpers
EXTRA_DIST += tests/tap.h
