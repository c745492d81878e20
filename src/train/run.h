/* run.h: one run end to end: resolve the dataset, train, and keep the
 * results directory (DESIGN.md) up to date as the run goes:
 * run.conf and status first, a row of epochs.csv and the epoch's u-labels
 * in labels.csv after every epoch, the checkpoint after every epoch, and
 * test.csv and predictions.csv at the end. `selfmi train`, the grid queue
 * and the dashboard all run through here. */
#ifndef SELFMI_RUN_H
#define SELFMI_RUN_H

#include "base/base.h"
#include "data/dataset.h"
#include "conf/runconf.h"
#include "rundir/rundir.h"
#include "train/metrics.h"
#include "train/trainer.h"

typedef struct {
    void *ud;
    void (*on_start)(void *ud, const char *run_dir);
    void (*on_epoch)(void *ud, const epoch_record *r);
    void (*on_batch)(void *ud, int epoch, int batch, int nbatches);
    bool (*should_cancel)(void *ud);
} run_hooks;

typedef struct {
    metrics test;
    bool resumed;                /* continued an interrupted run */
    int resumed_epoch;           /* ... from its checkpoint of this epoch (0: from the start) */
    bool already_done;           /* RUN_CONTINUE: the directory held this run finished; nothing ran */
    bool elsewhere;              /* RUN_CONTINUE: another process or thread holds the run; nothing ran */
    char holder[256];            /* ... who: the lock file's text */
    double mae_baseline;         /* test MAE of predicting the mean training label */
    bool sims;
    int best_epoch, epochs;
    double seconds;
    char dir[RUNSTORE_PATH_MAX];
} run_summary;

/* A dataset by name: a dataset directory, or "synth:PRESET[:SEED]" built in
 * memory (seed 1 by default, so every run of a grid sees the same data). */
sm_status run_dataset_load(dataset *ds, const char *name, sm_err *err);
/* The modalities a run of c reads as their first step only
 * (dataset_load_opts.first_step): text with the cls and frozen encoders. */
unsigned run_dataset_first_step(const config *c);
/* c->dataset loaded with only what a run of c reads: every modality is
 * used by the model, but the cls and frozen text encoders read step 0 of
 * the text only, so the rest of text.npy is never read. */
sm_status run_dataset_load_for(dataset *ds, const config *c, sm_err *err);

/* A run's identity is its resolved configuration plus the dataset's
 * identity (dataset_identity): sets c->dataset to the dataset's canonical
 * path and c->dataset_id to its fingerprint, so neither the spelling of
 * the path nor the working directory changes it. */
sm_status run_identity(config *c, sm_err *err);
/* run_identity through a one-entry cache by dataset name, for the points of
 * a grid, which mostly share one dataset; a dataset that cannot be read is
 * left unresolved (its runs fail with the reason). One cache per thread, or
 * used under a lock. */
typedef struct {
    char name[sizeof ((config *)0)->dataset], path[sizeof ((config *)0)->dataset];
    char id[sizeof ((config *)0)->dataset_id];
    bool ok;
} run_identity_cache;
void run_identity_cached(config *c, run_identity_cache *cache);
/* The default run id: dataset, generator, tasks, CPC terms, seed and a hash
 * of the whole resolved configuration with the dataset's identity (on a
 * copy resolved by run_identity when c->dataset_id is empty), e.g.
 * synth-small-mi-MTAV-all-s1111-3f2a9c1e. The same configuration on the
 * same data always gives the same id, from any working directory. */
void run_default_id(const config *c, char *buf, size_t n);
/* FNV-1a hash of the configuration as run.conf writes it (rundir_config_hash). */
uint32_t run_config_hash(const config *c);

/* What run_start does when <root>/<run_id> already exists (rundir_claim
 * decides what it holds). */
typedef enum {
    RUN_NEW,        /* an error (selfmi train), unless it holds nothing yet */
    RUN_CONTINUE    /* the grid: when another process or thread holds the
                       run's lock, nothing (out->elsewhere); a finished run
                       of the same identity is kept (out->already_done);
                       an interrupted one of the same identity resumes
                       from its checkpoint; anything else is moved to
                       .attic (rundir_move_to_attic) and run again */
} run_mode;

/* The least time between two checkpoints of a run: SELFMI_CHECKPOINT_SECS
 * (seconds >= 0; 0: after every epoch), RUN_CHECKPOINT_SECS when unset;
 * SM_EINVAL naming the variable for anything else. */
enum { RUN_CHECKPOINT_SECS = 1 };
sm_status run_checkpoint_secs(double *secs, sm_err *err);

/* Trains cfg (its identity resolved first: run_identity) on ds (NULL:
 * loaded from cfg->dataset) into <root>/<run_id>,
 * holding the run's lock (runstore_lock_take) from before the status says
 * running until the status says how it ended. The checkpoint is replaced
 * after an epoch when run_checkpoint_secs have passed since the last one,
 * and at the end; the logs get every epoch's rows. On a
 * failed or cancelled run the status file says so and the status is
 * returned with err set. */
sm_status run_start(const config *cfg, const dataset *ds, const char *root, const char *run_id, run_mode mode,
                    const run_hooks *hooks, run_summary *out, sm_err *err);
/* run_start(..., RUN_NEW, ...). */
sm_status run_execute(const config *cfg, const dataset *ds, const char *root, const char *run_id,
                      const run_hooks *hooks, run_summary *out, sm_err *err);
/* Continues the run in dir (interrupted, cancelled or failed; not done)
 * with its run.conf from its last checkpoint: epochs.csv and labels.csv
 * are cut back to the checkpoint's epoch and training goes on, ending with
 * the same files, bytes and all, as a run never interrupted (the seconds
 * column of epochs.csv apart). ds NULL: loaded from run.conf's dataset.
 * A dataset whose fingerprint is no longer run.conf's dataset_id is
 * refused (SM_EINVAL naming it). */
sm_status run_resume(const char *dir, const dataset *ds, const run_hooks *hooks, run_summary *out, sm_err *err);

/* Makes <root>/<run_id> the run of cfg continued from the finished run
 * <src_root>/<src_id>, whose configuration is cfg's but for a smaller
 * max_epochs (a survivor of successive halving going on to the next
 * rung): cfg's run.conf, the source's epochs.csv and labels.csv, its last
 * checkpoint with the trainer's counters made cfg's, a `continued` file
 * naming the source and its epoch, and the status running with nobody
 * holding the lock. That is an interrupted run of cfg at the source's last
 * epoch, bit for bit what a run of cfg from epoch 1 held then, so
 * run_start(RUN_CONTINUE), selfmi train --continue and --resume finish it
 * into the files, bytes and all, of a run of cfg from scratch (the seconds
 * column of epochs.csv apart). The directory appears whole (built aside,
 * then renamed into place); when <root>/<run_id> exists already nothing
 * is done and *existed is set. */
sm_status run_extend(const char *src_root, const char *src_id, const config *cfg, const char *root,
                     const char *run_id, bool *existed, sm_err *err);

#endif
