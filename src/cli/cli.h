/* cli.h: the subcommands of the selfmi program. Each takes its own argv
 * (argv[0] = the subcommand's name) and returns the exit status. */
#ifndef SELFMI_CLI_H
#define SELFMI_CLI_H

#include <stdio.h>
#include "train/config.h"
#include "train/run.h"
#include "exp/results.h"

int cmd_train(int argc, char **argv);
int cmd_grid(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* `selfmi [EXPERIMENT]`: the dashboard (argv[0] is the program's name). */
int cmd_dash(int argc, char **argv);

/* Defaults of the preset, then the experiment file or dataset, the --set
 * pairs and the seed; prints the error and returns 2 on bad input. */
int cli_resolve_config(config *c, const char *target, const char *preset, const char *seed, char **sets, int nsets);
/* The test table of a finished run. */
void cli_print_test(FILE *f, const run_summary *s);

/* The report of a result set (selfmi report's table) on f; the arguments
 * as its options (NULL = default). Prints errors; returns the exit status. */
int cli_report_print(FILE *f, const result_set *s, const char *group_by, const char *reference, const char *format);

#endif
