## tests/cli: command-line drivers (exit 0 pass, 1 fail, 77 skip)
TESTS += tests/cli/train.sh
EXTRA_DIST += tests/cli/train.sh
TESTS += tests/cli/blas_core.sh
EXTRA_DIST += tests/cli/blas_core.sh
