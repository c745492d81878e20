## ui: the curses dashboard. The selfmi program compiles the UI sources in;
## libselfmi_ui.a holds the same sources for the tests and benchmarks.
AM_CPPFLAGS += -I$(top_srcdir)

UI_SOURCES = ui/cellbuf.h ui/cellbuf.c ui/fmt.h ui/fmt.c ui/layout.h ui/layout.c \
	ui/plot.h ui/plot.c ui/keys.h ui/keys.c \
	ui/app.h ui/app.c ui/view_runs.c ui/view_live.c ui/view_labels.c \
	ui/view_grid.c ui/view_search.c ui/view_compare.c ui/export.c ui/headless.h ui/headless.c \
	ui/term.h ui/term.c ui/engine.h ui/engine.c \
	ui/slurmwatch.h ui/slurmwatch.c

selfmi_SOURCES += src/cli/cmd_dash.c $(UI_SOURCES)

noinst_LIBRARIES += libselfmi_ui.a
libselfmi_ui_a_SOURCES = $(UI_SOURCES)
UI_LIBS = libselfmi_ui.a $(ENGINE_LIBS) $(CURSES_LIBS)

## tests/unit: pure functions, widgets and views on golden screens
TESTS += tests/unit/test_ui tests/unit/test_ui_screens tests/unit/test_ui_slurm
check_PROGRAMS += tests/unit/test_ui tests/unit/test_ui_screens tests/unit/test_ui_slurm
tests_unit_test_ui_slurm_SOURCES = tests/unit/test_ui_slurm.c
tests_unit_test_ui_slurm_LDADD = $(UI_LIBS)
tests_unit_test_ui_SOURCES = tests/unit/test_ui.c
tests_unit_test_ui_LDADD = $(UI_LIBS)
tests_unit_test_ui_screens_SOURCES = tests/unit/test_ui_screens.c
tests_unit_test_ui_screens_LDADD = $(UI_LIBS)
EXTRA_DIST += tests/golden

## tests/tui: the dashboard end to end in a real terminal (tmux)
TUI_TESTS = tests/tui/dashboard.sh tests/tui/quit_cancel.sh tests/tui/live_external.sh \
	tests/tui/missing_dataset.sh tests/tui/keep_running.sh tests/tui/experiment_picker.sh tests/tui/slurm_slow.sh
TESTS += $(TUI_TESTS)
EXTRA_DIST += $(TUI_TESTS) tests/tui/lib.sh

## tests/bench: frame times, keypress latency with two workers, idle CPU
EXTRA_PROGRAMS += tests/bench/bench_ui
BENCHES += tests/bench/bench_ui
tests_bench_bench_ui_SOURCES = tests/bench/bench_ui.c
tests_bench_bench_ui_LDADD = $(UI_LIBS)
CLEANFILES += tests/bench/bench_ui
