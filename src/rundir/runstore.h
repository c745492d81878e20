/* runstore.h: the writer of a run directory (part of the rundir module,
 * rundir.h; DESIGN.md "Results directory"):
 *
 *   <root>/<run-id>/run.conf         the resolved configuration
 *   <root>/<run-id>/status           queued | running | done | failed: reason | cancelled
 *   <root>/<run-id>/epochs.csv       appended one whole row per epoch
 *   <root>/<run-id>/labels.csv       appended whole rows (u-labels per epoch per sample)
 *   <root>/<run-id>/test.csv         whole file
 *   <root>/<run-id>/predictions.csv  whole file
 *   <root>/<run-id>/checkpoint       named binary blobs with a checksum
 *
 * Whole files are replaced atomically (temp file in the same directory,
 * fsync, rename, fsync of the directory): a reader sees the old file or the
 * new one, never a part. Logs are appended one buffer of complete rows per
 * write() on an O_APPEND descriptor; a failed write is cut back to the last
 * complete row. A kill during the kernel's copy can still leave a torn last
 * line: readers take whole lines only, and runstore_log_open and
 * runstore_log_cut (resume) cut it off. Files are opened from the run
 * directory without following symlinks and must be regular files
 * (sm_open_regular). Every CSV goes through
 * csvio (libcsv), numbers in the C locale. */
#ifndef SELFMI_RUNSTORE_H
#define SELFMI_RUNSTORE_H

#include "base/base.h"
#include "conf/runconf.h"
#include "data/csvio.h"

#include <stdio.h>

#define RUNSTORE_PATH_MAX 1024

typedef struct {
    char dir[RUNSTORE_PATH_MAX];   /* <root>/<run-id> */
    char id[256];                  /* <run-id> */
    /* checkpoints replaced without fsync: the rename keeps them whole
     * when the process dies, not when the machine loses power (a run's
     * per-epoch checkpoints; the final files are always synced) */
    bool lazy_checkpoint;
} runstore;

/* Creates <root>/<run-id> (and root itself when missing); fails if the run
 * directory already exists. run_id is one path component: not empty, no
 * '/', no control characters, not "." or "..". */
sm_status runstore_create(runstore *rs, const char *root, const char *run_id, sm_err *err);
/* Opens an existing run directory (resume, dashboard). */
sm_status runstore_open(runstore *rs, const char *root, const char *run_id, sm_err *err);
/* Removes temporary files left by an interrupted replacement (a crash
 * between creating and renaming one); call before resuming a run. */
sm_status runstore_temps_remove(const runstore *rs, sm_err *err);
/* <dir>/<file> into buf; SM_EINVAL if it does not fit. */
sm_status runstore_path(const runstore *rs, const char *file, char *buf, size_t n, sm_err *err);

/* Replaces <dir>/<file> with the n bytes of buf atomically. */
sm_status runstore_file_replace(const runstore *rs, const char *file, const void *buf, size_t n, sm_err *err);

/* run.conf: config_write, replaced atomically; read back on top of c. */
sm_status runstore_config_write(const runstore *rs, const config *c, sm_err *err);
sm_status runstore_config_read(const runstore *rs, config *c, sm_err *err);

/* ---- status ---- */
/* RUN_INTERRUPTED is never written: runstore_state reports it for a run
 * whose status says running while nobody holds its lock (the process died). */
typedef enum { RUN_QUEUED, RUN_RUNNING, RUN_DONE, RUN_FAILED, RUN_CANCELLED, RUN_INTERRUPTED } run_state;

const char *run_state_name(run_state s);
/* Writes "queued" ... or "failed: reason" (reason on one line: control
 * characters become spaces; NULL or "" reads "failed: unknown"). */
sm_status runstore_status_write(const runstore *rs, run_state s, const char *reason, sm_err *err);
/* Reads the status back; reason (may be NULL) gets the failure reason or "". */
sm_status runstore_status_read(const runstore *rs, run_state *s, char *reason, size_t n, sm_err *err);
/* The one status parser: "queued", "running", "done", "cancelled" alone
 * on the line, or "failed: REASON" (trailing white space ignored); false
 * for anything else ("done x" too). */
bool run_status_parse(const char *text, run_state *s, char *reason, size_t n);
/* A status file by path (a regular file, not followed if a symlink). */
sm_status run_status_read(const char *path, run_state *s, char *reason, size_t n, sm_err *err);
/* The status as it stands: runstore_status_read, with "running" turned
 * into RUN_INTERRUPTED when no process holds the run's lock (reason then
 * says who held it last). */
sm_status runstore_state(const runstore *rs, run_state *s, char *reason, size_t n, sm_err *err);

/* ---- the run lock: <dir>/lock, an open-file-description write lock
 * (fcntl F_OFD_SETLK) held by the process running the run for as long as
 * it runs. The kernel drops it when that process dies however it dies, so
 * a stale lock cannot outlive its owner and a reused pid cannot fake one;
 * the file's text (pid, process start time, boot id, host) only says who
 * holds or held it. Threads of one process exclude each other too. ---- */
typedef struct {
    int fd;                        /* -1 when not held */
    char path[RUNSTORE_PATH_MAX];
} runstore_lock;

/* Takes the lock of rs without waiting. *busy (and SM_OK) when another
 * process or thread holds it, with who (may be NULL) describing it. */
sm_status runstore_lock_take(runstore_lock *lk, const runstore *rs, bool *busy, char *who, size_t n, sm_err *err);
/* Releases the lock (a lock not held is fine). */
void runstore_lock_release(runstore_lock *lk);
/* True when some process or thread holds rs's lock; who (may be NULL) gets
 * the lock file's text, or "" without one. */
bool runstore_lock_held(const runstore *rs, char *who, size_t n);

/* Cuts the log <dir>/<file> (epochs.csv, labels.csv: the epoch in the
 * first column) back to its header and the rows of epochs <= epoch, plus
 * any torn last line: a resumed run continues from its checkpoint's epoch
 * even when the rows of a later epoch were appended before a kill.
 * A missing file is fine. */
sm_status runstore_log_cut(const runstore *rs, const char *file, int epoch, sm_err *err);

/* ---- rows: CSV rows built in memory, then appended to a log or saved as
 * a whole file. Fields are added left to right; runstore_rows_end closes a
 * row and checks it has exactly one field per column. String fields have
 * control characters replaced by spaces, so every row is one line. One
 * thread at a time uses a rows object (its stream takes no locks). ---- */
typedef struct {
    int ncols;
    char **cols;          /* (ncols) column names */
    FILE *mem;            /* open_memstream of the buffered rows */
    char *buf;
    size_t len;
    csv_writer w;
    int col;              /* fields in the row being built */
    int nrows;            /* complete rows buffered */
    bool bad;             /* a field count was wrong or a write failed */
} runstore_rows;

sm_status runstore_rows_init(runstore_rows *r, const char *const *cols, int ncols, sm_err *err);
void runstore_rows_free(runstore_rows *r);
void runstore_rows_num(runstore_rows *r, double v);    /* a float: csvw_num, shortest that reads back */
void runstore_rows_num17(runstore_rows *r, double v);  /* a double: csvw_num17, shortest that reads back */
void runstore_rows_int(runstore_rows *r, long v);
void runstore_rows_str(runstore_rows *r, const char *s);
void runstore_rows_empty(runstore_rows *r);
/* Ends the row; SM_EINVAL if it does not have ncols fields. */
sm_status runstore_rows_end(runstore_rows *r, sm_err *err);
/* Drops every buffered row. */
sm_status runstore_rows_clear(runstore_rows *r, sm_err *err);

/* Writes the header and the buffered rows as <dir>/<file>, atomically, then
 * clears the rows. */
sm_status runstore_csv_save(const runstore *rs, const char *file, runstore_rows *r, sm_err *err);
/* Reads <dir>/<file> (csvio_read) and checks every row has the header's
 * number of fields. */
sm_status runstore_csv_read(const runstore *rs, const char *file, csv_table *t, sm_err *err);

/* ---- logs: append-only CSV files (epochs.csv, labels.csv) ---- */
typedef struct {
    int fd;
    int ncols;
    bool sync;                         /* fsync after every append */
    int appends;                       /* appends so far (SELFMI_TEST_TEAR_APPEND) */
    char path[RUNSTORE_PATH_MAX];
} runstore_log;

/* Opens <dir>/<file> for appending. A new or empty file gets the header
 * row; an existing one must have exactly these columns (resume), and a
 * torn last line (a power loss mid-write) is cut off. */
sm_status runstore_log_open(runstore_log *lg, const runstore *rs, const char *file, const char *const *cols,
                            int ncols, bool sync, sm_err *err);
/* Appends every complete row buffered in r with one write(), then clears
 * r. r must have the log's columns. On failure the file is cut back to its
 * previous length. */
sm_status runstore_log_append(runstore_log *lg, runstore_rows *r, sm_err *err);
void runstore_log_close(runstore_log *lg);

/* ---- checkpoint: named binary blobs ----
 * Layout: "SELFMICK", u32 version (1), u32 byte-order mark 0x01020304,
 * u64 file size, u32 blob count; per blob u32 name length, name bytes, u64
 * data size, data; last a u32 CRC-32 (IEEE) of every byte before it.
 * Integers and blob data are in the writing machine's byte order; a
 * checkpoint from the other byte order is refused. */
typedef struct {
    const char *name;
    const void *data;
    size_t size;
} runstore_blob;

sm_status runstore_checkpoint_write(const runstore *rs, const char *file, const runstore_blob *blobs, int n,
                                    sm_err *err);

typedef struct {
    int n;
    char **names;         /* (n) */
    size_t *sizes;        /* (n) */
    size_t *offsets;      /* (n) offsets of the data in buf */
    unsigned char *buf;   /* the whole file */
    char path[RUNSTORE_PATH_MAX];
} runstore_ckpt;

/* Reads and verifies <dir>/<file> whole (size, magic, version, byte order,
 * checksum, record bounds); a truncated or corrupted file is refused with
 * SM_EFORMAT naming the file and what is wrong. */
sm_status runstore_checkpoint_read(const runstore *rs, const char *file, runstore_ckpt *ck, sm_err *err);
/* Path-based variants of the two above. */
sm_status runstore_checkpoint_save(const char *path, const runstore_blob *blobs, int n, sm_err *err);
sm_status runstore_checkpoint_load(const char *path, runstore_ckpt *ck, sm_err *err);
/* Size of a blob, or -1 when absent. */
long long runstore_ckpt_size(const runstore_ckpt *ck, const char *name);
/* Copies blob `name` into dst, which must be exactly size bytes: a missing
 * blob or another size is SM_EFORMAT naming both. */
sm_status runstore_ckpt_get(const runstore_ckpt *ck, const char *name, void *dst, size_t size, sm_err *err);
void runstore_ckpt_free(runstore_ckpt *ck);

/* CRC-32 (IEEE 802.3, as zlib's crc32) of n bytes, continuing from crc
 * (start with 0). */
uint32_t runstore_crc32(uint32_t crc, const void *data, size_t n);

/* File names inside a run directory. */
#define RUNSTORE_CONF "run.conf"
#define RUNSTORE_STATUS "status"
#define RUNSTORE_EPOCHS "epochs.csv"
#define RUNSTORE_LABELS "labels.csv"
#define RUNSTORE_TEST "test.csv"
#define RUNSTORE_PREDICTIONS "predictions.csv"
#define RUNSTORE_CHECKPOINT "checkpoint"
#define RUNSTORE_LOCK "lock"
#define RUNSTORE_CONTINUED "continued"   /* a run continued from a shorter one (run_extend) */

#endif
