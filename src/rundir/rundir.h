/* rundir.h: the run directory (DESIGN.md "Results directory",
 * selfmi-results(5)), one module for every caller: the trainer writes
 * through runstore.h; the queue, `selfmi report` (exp/results.h) and the
 * dashboard read through the run type below, whole (rs_run_read) or
 * incrementally (rs_run_refresh, rs_labels_update: a growing run costs
 * only its new rows); rundir_claim decides what an existing directory
 * means for run start, the queue and the grid. Every file inside a run
 * directory is opened without following symlinks and must be a regular
 * file (sm_open_regular). */
#ifndef SELFMI_RUNDIR_H
#define SELFMI_RUNDIR_H

#include "base/base.h"
#include "base/fsutil.h"
#include "conf/runconf.h"
#include "rundir/columns.h"
#include "rundir/runstore.h"
#include <stdint.h>
#include <sys/types.h>

typedef struct {
    off_t size;
    int64_t mtime_ns;
    ino_t ino;
    bool exists;
    /* the last bytes read (up to the offset), checked before reading on:
     * a file cut and rewritten in place to another length between two
     * reads (a resume) is read again whole, never from a stale offset */
    unsigned char tail[64];
    int ntail;
} rs_stamp;

/* A numeric CSV with a header, rows appended. Non-numeric or empty fields
 * read as NaN. */
typedef struct {
    int ncols;
    char **names;          /* (ncols) */
    int nrows, cap;
    double *v;             /* (nrows, ncols) */
    off_t offset;          /* bytes consumed: whole lines only */
    rs_stamp st;
} rs_table;

/* Re-reads path when it changed: appended rows only when it grew in place,
 * everything when it was replaced or shrank. Returns true when the table
 * changed. A missing file empties the table. */
bool rs_table_update(rs_table *t, const char *path);
/* The same, also when nothing changed; err (may be NULL) gets why the file
 * cannot be read (a symlink, a FIFO, a read error), which empties it. */
bool rs_table_update_err(rs_table *t, const char *path, sm_err *err);
void rs_table_free(rs_table *t);
int rs_table_col(const rs_table *t, const char *name);
/* Value at (row, col); NaN outside the table or for col < 0. */
double rs_table_get(const rs_table *t, int row, int col);
/* The value of the named column at row. */
double rs_table_getn(const rs_table *t, int row, const char *name);

typedef struct {
    char id[256];
    char dir[1024];
    run_state state;       /* RUN_QUEUED while the directory has no status yet */
    char reason[256];      /* failed: the reason from the status file; or why a file cannot be read */
    bool bad;              /* run.conf or status cannot be read: shown as failed (rs_run_state) */
    bool status_bad;       /* the status cannot be read (reason says why) */
    char conf_err[256];    /* why run.conf cannot be read, or "" */
    int nconf;
    char **keys, **vals;   /* run.conf (sm_kv_read) */
    rs_table epochs;
    rs_table test;         /* one row when the run is done */
    rs_stamp st_status, st_conf;
    int64_t started_ns;    /* mtime of run.conf */
    bool seen;
    int job;               /* the queue's job id when this process runs it, else -1 */
    uint64_t version;      /* bumped on every change */
} rs_run;

typedef struct {
    char root[1024];
    rs_run **runs;
    int n, cap;
    uint64_t version;      /* bumped when any run or the list changed */
} rs_store;

void rs_store_init(rs_store *s, const char *root);
void rs_store_free(rs_store *s);
/* Scans the root and updates every run; returns true when anything changed.
 * A root that does not exist yet is an empty list. */
bool rs_store_refresh(rs_store *s);
/* Updates one run's files; true when it changed. */
bool rs_run_refresh(rs_run *r);
/* A whole read of one run directory (its run.conf, status and test.csv)
 * into a new run; the status as runstore_state reads it (a status that
 * cannot be read reads as failed: rs_run_state, rs_run_reason). A run.conf
 * that is missing or cannot be read, or the test.csv of a done run that
 * cannot be read (a symlink, a FIFO), is an error naming the file
 * (rs_run_free releases r also then). */
sm_status rs_run_read(rs_run *r, const char *dir, sm_err *err);
void rs_run_free(rs_run *r);
/* The test metric of a column name from test.csv; false when absent. */
bool rs_run_metric(const rs_run *r, const char *name, double *v);
/* Whether test.csv holds the SIMS set (its acc3 column). */
bool rs_run_sims(const rs_run *r);
rs_run *rs_store_find(rs_store *s, const char *id);

/* The state to show: RUN_FAILED when run.conf or the status cannot be
 * read, and then rs_run_reason says why. */
run_state rs_run_state(const rs_run *r);
const char *rs_run_reason(const rs_run *r);
/* A run.conf value, or def. */
const char *rs_run_conf(const rs_run *r, const char *key, const char *def);

/* Whether dir holds a run (its run.conf or status is there). */
bool rs_is_run_dir(const char *dir);

/* labels.csv of one run: y_s per epoch per training sample. */
typedef struct {
    int nep, nsamp;
    int *epoch;            /* (nep) epoch numbers */
    char **ids;            /* (nsamp) */
    int *row;              /* (nsamp) dataset rows */
    float *ym;             /* (nsamp) */
    float *ys[3];          /* (nep, nsamp) t, a, v */
    int cap_ep;
    int *row_to_samp;      /* (nrow_map) */
    int nrow_map;
    int col[RD_LABEL_NCOLS];  /* column indices by rd_label_col */
    int max_row, max_epoch;   /* bounds of a sane file (rs_labels_bound); 0: none */
    int nrefused;             /* rows refused by the bounds */
    char refused[160];        /* the first of them, named ("" when none) */
    bool have_header;
    off_t offset;
    rs_stamp st;
} rs_labels;

void rs_labels_init(rs_labels *l);
/* Rows with a sample index >= max_row or an epoch outside 1..max_epoch
 * are refused (rs_labels_update returns no rows from them): a hostile file
 * costs no memory beyond its bounds. */
void rs_labels_bound(rs_labels *l, int max_row, int max_epoch);
bool rs_labels_update(rs_labels *l, const char *path);
void rs_labels_free(rs_labels *l);
/* y_s of sample i after the epoch at index e (NaN when absent). */
static inline float rs_labels_get(const rs_labels *l, int m, int e, int i)
{
    return l->ys[m][(size_t)e * (size_t)l->nsamp + (size_t)i];
}

/* ---- what an existing run directory means ---------------------------------- */

typedef enum {
    RD_NEW,        /* no directory: create it */
    RD_FRESH,      /* a directory without a status yet (its creator died or lost the race before training): run there */
    RD_RESUME,     /* this run, interrupted (status running, no lock holder): resume from the checkpoint */
    RD_DONE,       /* this run, done: keep it, nothing to run */
    RD_ELSEWHERE,  /* another process or thread holds its lock: leave it */
    RD_REPLACE     /* failed, cancelled, another identity or unreadable: move it to .attic, run again */
} rd_verdict;

const char *rd_verdict_name(rd_verdict v);

/* Decides what <root>/<run_id> means for a run of cfg (resolved by
 * run_identity: its identity is its run.conf hash). For every verdict but
 * RD_NEW and RD_ELSEWHERE the run's lock is taken into lk and held on
 * return (the caller acts, then runstore_lock_release); who (may be NULL)
 * gets the holder for RD_ELSEWHERE. rs gets the opened directory. */
/* Before a resume writes anything: every entry the run keeps is a regular
 * file or absent. A symlink or any other kind planted in the directory is
 * bad input (SM_EFORMAT), refused naming it, the same for every entry (the
 * lock's own open refuses it as well). */
sm_status rundir_entries_regular(const runstore *rs, sm_err *err);

sm_status rundir_claim(runstore *rs, const char *root, const char *run_id, const config *cfg, runstore_lock *lk,
                       rd_verdict *v, char *who, size_t n, sm_err *err);

/* Moves <root>/<run_id> into <root>/.attic/<run_id>.N (the first free N),
 * where report, grid and the dashboard do not look. */
sm_status rundir_move_to_attic(const char *root, const char *run_id, sm_err *err);

/* FNV-1a hash of the configuration as run.conf writes it, the run name
 * excluded (it labels, it does not change the run). */
uint32_t rundir_config_hash(const config *c);

#endif
