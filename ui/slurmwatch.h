/* slurmwatch.h: Slurm's word on the runs of a results root, for the
 * dashboard. The arrays `selfmi grid --slurm` submitted into the root are
 * read from ROOT/logs/<job>.runs (slurm.h); squeue is asked about the jobs
 * Slurm still lists, every few seconds, so each run of such an array gets
 * its task's state (pending with Slurm's reason, running, ...) beside
 * its results-directory state, and `c` can scancel its task. */
#ifndef SELFMI_UI_SLURMWATCH_H
#define SELFMI_UI_SLURMWATCH_H

#include "base/base.h"

typedef struct {
    char run_id[256];
    char task[64];          /* "<job>_<index>" */
    char state[24];         /* squeue's state; "" when Slurm lists the task no more */
    char reason[64];        /* why it is pending */
    char log[1300];         /* ROOT/logs/<job>_<index>.out */
} ui_slurm_run;

typedef struct {
    char root[1024];
    ui_slurm_run *runs;     /* (n) one per run id: its latest submission */
    int n, cap;
    char (*jobs)[32];       /* (njobs) the jobs whose .runs file was read */
    bool *active;           /* (njobs) Slurm listed the job at the last look */
    int njobs;
    int npending, nrunning; /* tasks, over every active job */
    double next_poll;       /* sm_now() of the next squeue */
} ui_slurm;

void ui_slurm_init(ui_slurm *s, const char *root);
void ui_slurm_free(ui_slurm *s);
/* Rereads the .runs files and, at most every `period` seconds, asks squeue
 * about the active jobs; true when something changed. Never blocks longer
 * than squeue takes to answer. */
bool ui_slurm_refresh(ui_slurm *s, double period);
/* The run's Slurm task, or NULL when no array of this root holds it. */
const ui_slurm_run *ui_slurm_find(const ui_slurm *s, const char *run_id);
/* "PENDING (Resources)", "RUNNING", or "" into buf. */
void ui_slurm_describe(const ui_slurm_run *r, char *buf, size_t n);
/* scancel of the run's task; a message for the status line into msg. */
sm_status ui_slurm_cancel(const ui_slurm_run *r, char *msg, size_t n);

#endif
