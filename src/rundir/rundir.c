/* rundir.c: the column tables of the results files, the configuration
 * hash that is a run's identity, the .attic, and the one decision about
 * what an existing run directory means. */
#include <config.h>
#include "rundir/rundir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- column tables -------------------------------------------------------- */

const rd_metric rd_metrics[RD_NMETRICS] = {
#define X(nm, title, scale, dec, lower, sets, paper, rank, field) \
    {#nm, "val_" #nm, title, scale, dec, lower, sets, paper, rank},
    RD_METRICS(X)
#undef X
};

int rd_metric_set(int set, bool with_pad, rd_metric_id *ids)
{
    int n = 0;
    for (int i = 0; i < RD_NMETRICS; i++)
        if (rd_metrics[i].sets & set)
            ids[n++] = (rd_metric_id)i;
    if (with_pad)
        for (int i = 0; i < RD_NMETRICS; i++)
            if ((rd_metrics[i].sets & RD_PAD) && !(rd_metrics[i].sets & set))
                ids[n++] = (rd_metric_id)i;
    return n;
}

int rd_metric_find(const char *name)
{
    for (int i = 0; i < RD_NMETRICS; i++)
        if (strcmp(rd_metrics[i].name, name) == 0)
            return i;
    return -1;
}

void rd_epoch_cols(int set, const char **cols)
{
    static const char *const head[] = {
#define X(nm, kind, value) #nm,
        RD_EPOCH_HEAD(X)
#undef X
    };
    static const char *const tail[] = {
#define X(nm, kind, value) #nm,
        RD_EPOCH_TAIL(X)
#undef X
    };
    int n = 0;
    for (int i = 0; i < RD_EPOCH_NHEAD; i++)
        cols[n++] = head[i];
    rd_metric_id ids[RD_NMETRICS];
    int k = rd_metric_set(set, true, ids);
    SM_ASSERT(k == RD_NVAL);
    for (int i = 0; i < k; i++)
        cols[n++] = rd_metrics[ids[i]].val_name;
    for (int i = 0; i < RD_EPOCH_NTAIL; i++)
        cols[n++] = tail[i];
}

int rd_test_cols(int set, const char **cols)
{
    static const char *const tail[] = {
#define X(nm) #nm,
        RD_TEST_TAIL(X)
#undef X
    };
    rd_metric_id ids[RD_NMETRICS];
    int n = rd_metric_set(set, false, ids);
    for (int i = 0; i < n; i++)
        cols[i] = rd_metrics[ids[i]].name;
    for (int i = 0; i < RD_TEST_NTAIL; i++)
        cols[n++] = tail[i];
    return n;
}

const char *const rd_label_cols[RD_LABEL_NCOLS] = {
#define X(nm) #nm,
    RD_LABEL_COLS(X)
#undef X
};

const char *const rd_pred_cols[RD_PRED_NCOLS] = {
#define X(nm) #nm,
    RD_PRED_COLS(X)
#undef X
};

/* ---- identity ---------------------------------------------------------------- */

uint32_t rundir_config_hash(const config *c)
{
    config k = *c;
    k.name[0] = '\0';
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    uint32_t h = 2166136261u;
    if (!f)
        return h;
    config_write_identity(&k, f);
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)buf[i];
        h *= 16777619u;
    }
    free(buf);
    return h;
}

/* ---- the attic --------------------------------------------------------------- */

sm_status rundir_move_to_attic(const char *root, const char *run_id, sm_err *err)
{
    char attic[RUNSTORE_PATH_MAX], dir[RUNSTORE_PATH_MAX], dst[RUNSTORE_PATH_MAX + 32];
    if ((size_t)snprintf(attic, sizeof attic, "%s/.attic", root) >= sizeof attic ||
        (size_t)snprintf(dir, sizeof dir, "%s/%s", root, run_id) >= sizeof dir)
        return sm_err_set(err, SM_EINVAL, "%s/%s: path too long", root, run_id);
    if (mkdir(attic, 0755) != 0 && errno != EEXIST)
        return sm_err_set(err, SM_EIO, "%s: cannot create: %s", attic, strerror(errno));
    struct stat sb;
    if (lstat(attic, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return sm_err_set(err, SM_EIO, "%s: not a directory", attic);
    for (int k = 1; k < 100000; k++) {
        snprintf(dst, sizeof dst, "%s/%s.%d", attic, run_id, k);
        if (lstat(dst, &sb) != 0)
            break;
    }
    if (rename(dir, dst) != 0)
        return sm_err_set(err, SM_EIO, "%s: cannot move to %s: %s", dir, dst, strerror(errno));
    return SM_OK;
}

/* ---- what an existing directory means -------------------------------------------- */

const char *rd_verdict_name(rd_verdict v)
{
    static const char *const names[] = {"new", "fresh", "resume", "done", "elsewhere", "replace"};
    return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "?";
}

/* Whether the run in rs has exactly cfg's identity (run.conf hash). */
static bool same_identity(const runstore *rs, const config *cfg)
{
    config prev;
    sm_err e2;
    config_defaults(&prev, cfg->preset);
    return runstore_config_read(rs, &prev, &e2) == SM_OK && rundir_config_hash(&prev) == rundir_config_hash(cfg);
}

sm_status rundir_entries_regular(const runstore *rs, sm_err *err)
{
    static const char *const names[] = {RUNSTORE_CONF,        RUNSTORE_STATUS,     RUNSTORE_EPOCHS,
                                        RUNSTORE_LABELS,      RUNSTORE_TEST,       RUNSTORE_PREDICTIONS,
                                        RUNSTORE_CHECKPOINT};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[RUNSTORE_PATH_MAX];
        struct stat sb;
        sm_status st = runstore_path(rs, names[i], path, sizeof path, err);
        if (st != SM_OK)
            return st;
        if (lstat(path, &sb) != 0)
            continue;
        if (S_ISLNK(sb.st_mode))
            return sm_err_set(err, SM_EFORMAT, "%s: is a symlink (not followed); expected a regular file", path);
        if (!S_ISREG(sb.st_mode))
            return sm_err_set(err, SM_EFORMAT, "%s: is %s; expected a regular file", path, sm_file_kind(sb.st_mode));
    }
    return SM_OK;
}

sm_status rundir_claim(runstore *rs, const char *root, const char *run_id, const config *cfg, runstore_lock *lk,
                       rd_verdict *v, char *who, size_t n, sm_err *err)
{
    lk->fd = -1;
    if (who && n)
        who[0] = '\0';
    char dir[RUNSTORE_PATH_MAX];
    struct stat sb;
    if ((size_t)snprintf(dir, sizeof dir, "%s/%s", root, run_id) >= sizeof dir)
        return sm_err_set(err, SM_EINVAL, "%s/%s: path too long", root, run_id);
    if (lstat(dir, &sb) != 0 && errno == ENOENT) {
        *v = RD_NEW;
        return SM_OK;
    }
    sm_status st = runstore_open(rs, root, run_id, err);
    if (st != SM_OK)
        return st;
    bool busy;
    if ((st = runstore_lock_take(lk, rs, &busy, who, n, err)) != SM_OK) {
        /* no lock to be had (a read-only root): a finished run is final, so
         * one of this identity reads as done without it */
        run_state s;
        sm_err e2;
        if (runstore_status_read(rs, &s, NULL, 0, &e2) == SM_OK && s == RUN_DONE && same_identity(rs, cfg)) {
            *v = RD_DONE;
            return SM_OK;
        }
        return st;
    }
    if (busy) {
        *v = RD_ELSEWHERE;
        return SM_OK;
    }
    /* ours now: what is there? */
    run_state s;
    sm_err e2;
    bool has_status = runstore_status_read(rs, &s, NULL, 0, &e2) == SM_OK;
    char path[RUNSTORE_PATH_MAX];
    bool status_file = runstore_path(rs, RUNSTORE_STATUS, path, sizeof path, &e2) == SM_OK && lstat(path, &sb) == 0;
    if (!status_file) {
        /* created by a process that died (or lost the lock to us) before
         * writing its status: nothing was trained (run.conf comes first,
         * then the status, then the first epoch), so the run starts there
         * afresh */
        *v = RD_FRESH;
        return SM_OK;
    }
    bool same = has_status && same_identity(rs, cfg);
    if (same && s == RUN_DONE)
        *v = RD_DONE;
    else if (same && s == RUN_RUNNING) { /* running, yet its lock was free: interrupted */
        if ((st = rundir_entries_regular(rs, err)) != SM_OK) {
            runstore_lock_release(lk);
            return st;
        }
        *v = RD_RESUME;
    } else
        *v = RD_REPLACE;
    return SM_OK;
}
