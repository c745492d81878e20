## src/cli: the command line (the only place that prints and exits)
bin_PROGRAMS += selfmi
selfmi_SOURCES = src/cli/main.c src/cli/cli.h src/cli/cmd_train.c src/cli/cmd_data.h src/cli/cmd_data.c \
	src/cli/cmd_mmsa.h src/cli/cmd_mmsa.c \
	src/cli/cmd_grid.c src/cli/cmd_report.c src/cli/cmd_exps.c src/cli/cmd_search.c src/cli/slurm_array.c src/cli/machine.h \
	src/cli/machine.c
selfmi_LDADD = $(ENGINE_LIBS) $(CURSES_LIBS)
