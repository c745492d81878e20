/* slurmwatch.h: Slurm's word on the runs of a results root, for the
 * dashboard. The arrays `selfmi grid --slurm` submitted into the root are
 * read from ROOT/logs/<job>.runs (slurm.h); squeue is asked about the jobs
 * Slurm still lists, every few seconds, so each run of such an array gets
 * its task's state (pending with Slurm's reason, running, ...) beside
 * its results-directory state, and `c` can scancel its task.
 *
 * squeue may take up to a minute on a busy or hung slurmctld, so the
 * dashboard does not ask it from its own thread: a poller thread keeps a
 * private ui_slurm up to date and publishes a copy under its lock; the UI
 * takes the last published copy (ui_slurm_poller_take), which never waits
 * on Slurm (cmus's worker model). */
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
    uint64_t version;       /* the poller's publication this copy holds (0: none) */
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

typedef struct ui_slurm_poller ui_slurm_poller;
/* Starts the thread that runs ui_slurm_refresh over root every period
 * seconds and publishes each look; NULL when no thread could start. */
ui_slurm_poller *ui_slurm_poller_start(const char *root, double period);
/* Copies the last published look into s when it is newer than what s
 * holds; true when it copied. Holds the lock only for the copy. */
bool ui_slurm_poller_take(ui_slurm_poller *p, ui_slurm *s);
/* Asks for a look now (after a scancel) instead of at the period's end. */
void ui_slurm_poller_poke(ui_slurm_poller *p);
/* Queues a scancel of r's task for the thread, which runs it before its
 * next look and leaves what it gave for ui_slurm_poller_note; false when
 * no memory was left to queue it. Never waits on Slurm. */
bool ui_slurm_poller_cancel(ui_slurm_poller *p, const ui_slurm_run *r);
/* The message of the last scancels (one task's line, a count, or the
 * first error, *bad set), when newer than *seen; true when it copied. */
bool ui_slurm_poller_note(ui_slurm_poller *p, uint64_t *seen, char *buf, size_t n, bool *bad);
/* Ends the thread. An squeue still running is not waited for: the thread
 * is left to finish it and free itself. Accepts NULL. */
void ui_slurm_poller_stop(ui_slurm_poller *p);

#endif
