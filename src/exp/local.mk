## src/exp: experiment files, grids, the worker queue, reports and their statistics
libselfmi_a_SOURCES += \
	src/exp/stats.h src/exp/stats.c \
	src/exp/expfile.h src/exp/expfile.c \
	src/exp/datahint.h src/exp/datahint.c \
	src/exp/search.h src/exp/search.c \
	src/exp/results.h src/exp/results.c \
	src/exp/report.h src/exp/report.c \
	src/exp/queue.h src/exp/queue.c \
	src/exp/slurm.h src/exp/slurm.c

TESTS += tests/unit/test_stats tests/unit/test_exp tests/unit/test_exp_report tests/unit/test_queue tests/unit/test_slurm
check_PROGRAMS += tests/unit/test_stats tests/unit/test_exp tests/unit/test_exp_report tests/unit/test_queue tests/unit/test_slurm
TESTS += tests/unit/test_search
check_PROGRAMS += tests/unit/test_search
tests_unit_test_search_SOURCES = tests/unit/test_search.c
tests_unit_test_search_LDADD = $(ENGINE_LIBS)
tests_unit_test_stats_SOURCES = tests/unit/test_stats.c
tests_unit_test_stats_LDADD = $(ENGINE_LIBS)
tests_unit_test_exp_SOURCES = tests/unit/test_exp.c
tests_unit_test_exp_LDADD = $(ENGINE_LIBS)
tests_unit_test_exp_report_SOURCES = tests/unit/test_exp_report.c
tests_unit_test_exp_report_LDADD = $(ENGINE_LIBS)
tests_unit_test_queue_SOURCES = tests/unit/test_queue.c
tests_unit_test_queue_LDADD = $(ENGINE_LIBS)
tests_unit_test_slurm_SOURCES = tests/unit/test_slurm.c
tests_unit_test_slurm_LDADD = $(ENGINE_LIBS)

## command-line tests of grid and report
EXP_CLI_TESTS = \
	tests/cli/grid_run.sh \
	tests/cli/grid_errors.sh \
	tests/cli/grid_readonly.sh \
	tests/cli/grid_slurm.sh \
	tests/cli/slurm_cluster.sh \
	tests/cli/report_formats.sh \
	tests/cli/report_grid.sh \
	tests/cli/report_man_keys.sh \
	tests/cli/search.sh \
	tests/cli/slurm_search.sh
TESTS += $(EXP_CLI_TESTS)
EXTRA_DIST += $(EXP_CLI_TESTS) tests/cli/slurm_lib.sh tests/cli/search-halving.conf

## benchmark: Table 5's grid on mosi-bclstm, --jobs 1 vs 2
EXTRA_PROGRAMS += tests/bench/bench_grid
BENCHES += tests/bench/bench_grid
tests_bench_bench_grid_SOURCES = tests/bench/bench_grid.c
tests_bench_bench_grid_LDADD = $(ENGINE_LIBS)
CLEANFILES += tests/bench/bench_grid

## experiment files and their manual
dist_man_MANS += man/selfmi-experiment.5
experimentsdir = $(pkgdatadir)/experiments
dist_experiments_DATA = \
	experiments/default.conf \
	experiments/mosi-bclstm.conf \
	experiments/mosi.conf \
	experiments/mosei.conf \
	experiments/sims.conf \
	experiments/ablation-tasks.conf \
	experiments/ablation-cpc.conf \
	experiments/labels.conf \
	experiments/ablation-tasks-bclstm.conf \
	experiments/ablation-cpc-bclstm.conf \
	experiments/labels-bclstm.conf \
	experiments/search-mosi-bclstm.conf
