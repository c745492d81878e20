/* results.h: the dashboard's reader of results directories (DESIGN.md,
 * "Results directory"). It lists every run under a results root and keeps
 * each run's files in memory, re-reading a file only when its size, mtime
 * or inode changed; rows appended to epochs.csv and labels.csv by another
 * process (a worker thread or a `selfmi grid` elsewhere) are read from where
 * the last read stopped, so a growing run costs only its new rows. */
#ifndef SELFMI_UI_RESULTS_H
#define SELFMI_UI_RESULTS_H

#include "base/base.h"
#include <stdint.h>
#include <sys/types.h>

typedef struct {
    off_t size;
    int64_t mtime_ns;
    ino_t ino;
    bool exists;
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
void rs_table_free(rs_table *t);
int rs_table_col(const rs_table *t, const char *name);
/* Value at (row, col); NaN outside the table or for col < 0. */
double rs_table_get(const rs_table *t, int row, int col);
/* The value of the named column at row. */
double rs_table_getn(const rs_table *t, int row, const char *name);

/* RS_INTERRUPTED: the status file says running but no live process holds
 * the run's lock (runstore_state's reading) */
typedef enum { RS_QUEUED, RS_RUNNING, RS_DONE, RS_FAILED, RS_CANCELLED, RS_INTERRUPTED, RS_UNKNOWN } rs_state;

typedef struct {
    char id[256];
    char dir[1024];
    rs_state state;
    char reason[256];      /* failed: the reason from the status file */
    int nconf;
    char **keys, **vals;   /* run.conf */
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
rs_run *rs_store_find(rs_store *s, const char *id);

/* A run.conf value, or def. */
const char *rs_run_conf(const rs_run *r, const char *key, const char *def);
const char *rs_state_name(rs_state s);
rs_state rs_state_parse(const char *text, char *reason, size_t n);

/* Reads "key = value" lines ('#' comments); false when the file cannot be
 * read. */
bool rs_conf_read(const char *path, int *n, char ***keys, char ***vals);
void rs_conf_free(int n, char **keys, char **vals);

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
    int col[10];           /* epoch,row,id,y_m,y_t,y_a,y_v: column indices */
    bool have_header;
    off_t offset;
    rs_stamp st;
} rs_labels;

void rs_labels_init(rs_labels *l);
bool rs_labels_update(rs_labels *l, const char *path);
void rs_labels_free(rs_labels *l);
/* y_s of sample i after the epoch at index e (NaN when absent). */
static inline float rs_labels_get(const rs_labels *l, int m, int e, int i)
{
    return l->ys[m][(size_t)e * (size_t)l->nsamp + (size_t)i];
}

/* Transcripts and human unimodal labels of a dataset directory's label.csv
 * (empty for datasets without one, such as synth:). */
typedef struct {
    int n;
    char **id;             /* (n) "video_id$_$clip_id" as labels.csv writes it */
    char **text;           /* (n) */
    float *ulabel[3];      /* (n) NaN where absent */
    bool has_ulabels;
} rs_dataset_info;

bool rs_dataset_info_read(rs_dataset_info *d, const char *label_csv);
void rs_dataset_info_free(rs_dataset_info *d);

#endif
