/* queue.h: the worker queue. N worker threads take runs off a FIFO and
 * execute each with run_execute (single-threaded BLAS per worker, so a seed
 * gives the same bits whatever else runs). The grid command and the
 * dashboard are its two users. Workers publish progress into the job table
 * under a mutex and bump a version number; one byte on a non-blocking pipe
 * wakes a waiting UI. Cancel is a flag the trainer checks between batches. */
#ifndef SELFMI_QUEUE_H
#define SELFMI_QUEUE_H

#include "base/base.h"
#include "conf/runconf.h"
#include "rundir/rundir.h"
#include "train/run.h"

#include <stdint.h>

typedef struct {
    int id;                      /* submission order, from 0 */
    run_state state;             /* RUN_QUEUED ... RUN_CANCELLED */
    rd_verdict verdict;          /* why it was not run (rundir_claim): RD_DONE, done already (its metrics read
                                    back, state RUN_DONE); RD_ELSEWHERE, another process or thread runs it
                                    (state RUN_RUNNING); RD_NEW otherwise */
    char run_id[256];
    char dir[1024];              /* results directory (once started) */
    int epoch, batch, nbatches;  /* progress of the running epoch */
    int best_epoch, patience;
    double last_val_mae, best_val_mae;
    double seconds;
    metrics test;                /* when done */
    bool sims;
    char reason[512];            /* when failed */
    bool denormals_flushed;      /* the worker ran it with FTZ/DAZ (base/cpu.h) */
} job_info;

typedef struct queue queue;

/* Starts nworkers threads (<= 0: the number of cores) writing runs under
 * results_root. */
sm_status queue_create(queue **q, int nworkers, const char *results_root, sm_err *err);
/* Whether a job was not run because of what its directory held. */
bool job_skipped(const job_info *j);
/* Whether a job is waiting or running in this queue. */
bool job_active(const job_info *j);

/* Adds a run; run_id NULL = run_default_id. What an existing directory
 * means is rundir_claim's decision: a finished run of the same identity is
 * not run again (verdict RD_DONE, its test metrics read back), nor one
 * another process is running (RD_ELSEWHERE, reason "running elsewhere
 * (pid ...)"); an interrupted one of the same identity is resumed from its
 * last checkpoint; a failed or cancelled one, or one of another identity,
 * is moved to .attic and run again. The worker decides again under the
 * run's lock when it starts the run. Returns the job id, or -1 with err
 * set. */
int queue_submit(queue *q, const config *cfg, const char *run_id, sm_err *err);
void queue_cancel(queue *q, int job);
void queue_cancel_all(queue *q);
/* Copies up to max job records into out; returns the number of jobs. */
int queue_snapshot(queue *q, job_info *out, int max);
/* Increases whenever any job changes. */
uint64_t queue_version(queue *q);
/* Read end of the wake-up pipe (non-blocking): readable after a change. */
int queue_wake_fd(queue *q);
/* Blocks until every submitted job has finished. */
void queue_wait(queue *q);
/* Counts of jobs: by run_state, and skipped ones (job_skipped, not
 * counted by state) at QUEUE_SKIPPED. */
enum { QUEUE_SKIPPED = RUN_INTERRUPTED + 1, QUEUE_NCOUNTS };
void queue_counts(queue *q, int counts[QUEUE_NCOUNTS]);
/* Waits at most seconds; true when every submitted job has finished. */
bool queue_wait_for(queue *q, double seconds);
/* Loads the dataset of c's runs into the queue's cache now, in the caller's
 * thread, so a bad dataset is reported before any run starts. Runs share
 * each distinct dataset (by name and by what they read of it,
 * run_dataset_load_for) read-only; it is loaded once per queue. */
sm_status queue_preload(queue *q, const config *c, sm_err *err);
/* Number of worker threads. */
int queue_workers(const queue *q);
/* Cancels what is running (when cancel is true) or waits for it, stops the
 * workers and frees everything. */
void queue_destroy(queue *q, bool cancel);

#endif
