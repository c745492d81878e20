/* slurm.h: grids on a Slurm cluster: the [slurm] section of experiment
 * files, the job-array script (one task per run, each a requeueable
 * `selfmi train --continue` into the grid's results root), and the
 * sbatch / squeue / scancel commands, run as child processes.
 *
 * Beside the runs, OUT/logs/ holds what ties them to Slurm:
 *   OUT/logs/<job>_<task>.out   each array task's output (appended on requeue)
 *   OUT/logs/<job>.runs         written on submission: "<task>\t<run-id>" lines
 *   OUT/logs/<run-id>.task      written by the task when it starts: "<job>_<task>"
 * so a reader finds a run's Slurm task (and its log) from either side. */
#ifndef SELFMI_SLURM_H
#define SELFMI_SLURM_H

#include "base/base.h"
#include "conf/runconf.h"
#include <stdio.h>

#define SLURM_EXTRA_MAX 16

/* The [slurm] section; empty strings and zeros: Slurm's defaults. */
typedef struct {
    char partition[64];
    char account[64];
    char qos[64];
    char time[32];              /* minutes, or [D-]HH:MM[:SS] */
    char mem[32];               /* per node: a number with an optional K, M, G or T */
    int cpus_per_task;          /* 0: 1 */
    int throttle;               /* the array's %N: at most N tasks at once (0: no limit) */
    int nextra;
    char extra[SLURM_EXTRA_MAX][256]; /* further "#SBATCH <line>"s, in file order */
} slurm_options;

/* The keys of [slurm], for messages and the manual. */
extern const char slurm_option_keys[];

/* Sets one [slurm] key after checking its value; the message names the key
 * (the caller prefixes file and line). */
sm_status slurm_option_set(slurm_options *o, const char *key, const char *value, sm_err *err);

/* The job-array script for n runs: task i trains out/configs/<i>.conf into
 * out as run ids[i]. out and workdir are absolute (the tasks run in
 * workdir, where the configurations' relative dataset paths resolve);
 * title names the experiment in a comment. */
sm_status slurm_script_write(FILE *f, const slurm_options *o, const char *title, const char *out,
                             const char *workdir, const char *const *ids, int n, sm_err *err);

/* Writes a grid's array into out: out/configs/<i>.conf (cfgs[i], as
 * run.conf), out/logs (Slurm opens each task's output file there before
 * the task runs, so it must exist first) and out/grid.sbatch, whose path
 * goes into script. The tasks run in the current directory. */
sm_status slurm_array_write(const slurm_options *o, const char *title, const config *cfgs,
                            const char *const *ids, int n, const char *out, char *script, size_t sn, sm_err *err);

/* A halving search's driver job, out/search.sbatch (its path into script):
 * one task that runs `selfmi search EXP --out OUT --slurm --wait` in the
 * current directory, which submits each rung's array from inside the
 * allocation. [slurm]'s partition, account and qos apply; its time, mem
 * and sbatch lines (a trial's) do not. */
sm_status slurm_driver_write(const slurm_options *o, const char *exp, const char *out, char *script, size_t sn,
                             sm_err *err);

/* After a submission: out/logs/<jobid>.runs, "<task>\t<run-id>" lines. */
sm_status slurm_array_record(const char *out, const char *jobid, const char *const *ids, int n, sm_err *err);

/* sbatch --parsable SCRIPT: the job id into jobid. sbatch (and so each
 * task) gets this process's environment, with SELFMI set to this program
 * when it is not set. The message of a failed submission carries sbatch's
 * own words. */
sm_status slurm_submit(const char *script, char *jobid, size_t n, sm_err *err);

/* One array task as squeue lists it. */
typedef struct {
    int task;                   /* the array index */
    char state[24];             /* PENDING, RUNNING, COMPLETING, ... */
    char reason[64];            /* why pending ("Resources", "Priority", ...) */
} slurm_task;

/* squeue's tasks of job jobid (every task listed on its own), at most max
 * into tasks, their count into *ntasks; a job Slurm no longer knows lists
 * none. */
sm_status slurm_job_tasks(const char *jobid, slurm_task *tasks, int max, int *ntasks, sm_err *err);

/* scancel ID (a job, or "<job>_<task>" for one task). */
sm_status slurm_cancel(const char *id, sm_err *err);

/* Whether a program is an executable file on PATH. */
bool slurm_on_path(const char *prog);

/* The Slurm task that last ran run_id under root ("<job>_<task>", from
 * root/logs/<run_id>.task) and its log path; SM_EIO when there is none. */
sm_status slurm_run_task(const char *root, const char *run_id, char *task, size_t tn, char *log, size_t ln,
                         sm_err *err);

#endif
