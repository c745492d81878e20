/* cli.h: the subcommands of the selfmi program. Each takes its own argv
 * (argv[0] = the subcommand's name) and returns the exit status. */
#ifndef SELFMI_CLI_H
#define SELFMI_CLI_H

#include <signal.h>
#include <stdio.h>
#include "conf/runconf.h"
#include "train/run.h"
#include "exp/results.h"
#include "exp/expfile.h"
#include "exp/slurm.h"

int cmd_train(int argc, char **argv);
int cmd_grid(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_search(int argc, char **argv);
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

/* ---- experiment files (cmd_exps.c) ---- */
#define CLI_PATH_MAX 1024
/* The folders searched for experiment files, in order: ./experiments, then
 * $SELFMI_DATADIR/experiments (else the installed data directory's), or,
 * when that is absent (an uninstalled build), the source tree's. Returns
 * how many were written to dirs. */
int cli_experiment_dirs(char dirs[][CLI_PATH_MAX], int max);
/* name as a readable file, else NAME or NAME.conf in those folders (a name
 * without '/'); the path into out. */
bool cli_experiment_find(const char *name, char *out, size_t n);
/* Every experiment file of cli_experiment_dirs (exp_list); *out malloc'd. */
sm_status cli_experiment_list(exp_listing **out, int *n, sm_err *err);
/* The experiment file target names (cli_experiment_find, else target as
 * given) loaded into e, its path into path (n bytes); on failure prints
 * "selfmi CMD: reason" and returns 2, else 0. */
int cli_experiment_load(const char *cmd, const char *target, experiment *e, char *path, size_t n);

/* After a dataset failed to load: when its directory is not there,
 * "selfmi CMD: make it with `COMMAND`" on stderr, the exact command where
 * selfmi finds the data (exp/datahint.h). */
void cli_dataset_hint(const char *cmd, const char *ds, const char *exp_dir);

/* Set by SIGINT and SIGTERM between cli_signals_catch and
 * cli_signals_restore (grid and search stop their queues cleanly). */
extern volatile sig_atomic_t cli_interrupted;
void cli_signals_catch(struct sigaction *old_int, struct sigaction *old_term);
void cli_signals_restore(const struct sigaction *old_int, const struct sigaction *old_term);

/* `selfmi --list-experiments`: every experiment file found, with its grid
 * size and title, on stdout. */
int cmd_list_experiments(void);
/* `selfmi --help-keys`: the dashboard's key table on stdout. */
int cmd_dash_keys(void);


/* ---- a job array of runs on Slurm (slurm_array.c): grid --slurm and search --slurm ---- */
typedef struct {
    const char *cmd;                /* "grid", "search": messages start "selfmi CMD: " */
    const slurm_options *opts;      /* the experiment's [slurm] */
    const char *title;              /* the experiment, named in the script */
    const char *out;                /* the runs' root: the script, configs/ and logs/ go there too */
    const config *cfgs;             /* (n) task i trains cfgs[i] ... */
    const char *const *ids;         /* (n) ... as run ids[i] */
    const char *const *labels;      /* (n) the runs' names in messages, or NULL: their ids */
    int n;
    bool quiet;                     /* no progress lines */
} cli_array;
/* Writes the array into out (slurm_array_write), the script's path into
 * script; prints why not and returns 1, else 0. */
int cli_array_emit(const cli_array *a, char *script, size_t sn);
/* Writes, submits (slurm_submit) and records (slurm_array_record) the
 * array, its job id into jobid: 0; 2 when it could not be written or
 * sbatch refused it, 1 when only the record failed (printed). */
int cli_array_submit(const cli_array *a, char *jobid, size_t jn);
/* Follows job jobid with progress lines (runs done, running, pending,
 * failed, from out and squeue) until Slurm lists none of its tasks, then a
 * line naming the Slurm log of each run not done. When deadline (an
 * sm_now() time; 0: none) passes, the job is cancelled and *expired (may
 * be NULL) set. Returns the number of runs done, -1 when interrupted (the
 * job goes on). */
int cli_array_wait(const cli_array *a, const char *jobid, double deadline, bool *expired);

#endif
