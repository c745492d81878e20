/* engine.c: start, re-run and cancel runs on the worker queue for the
 * dashboard; the experiment's grid as a plan of run ids and row labels. */
#include "config.h"
#include "ui/engine.h"
#include "exp/datahint.h"
#include "exp/slurm.h"
#include "train/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "seed=1111 tasks=M,T" -> "tasks=M,T" (a row is every seed of a point) */
static void label_without_seed(const char *in, char *out, size_t n)
{
    out[0] = '\0';
    const char *p = in;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len && strncmp(p, "seed=", 5) != 0) {
            size_t l = strlen(out);
            if (l + len + 2 < n) {
                if (l)
                    out[l++] = ' ';
                memcpy(out + l, p, len);
                out[l + len] = '\0';
            }
        }
        p += len;
    }
}

static sm_status build_plan(ui_engine *e, sm_err *err)
{
    long n = exp_grid_size(&e->exp);
    e->plan = calloc((size_t)(n > 0 ? n : 1), sizeof *e->plan);
    if (!e->plan)
        return sm_err_set(err, SM_ENOMEM, "out of memory for a grid of %ld runs", n);
    run_identity_cache ident = {0};
    for (long i = 0; i < n; i++) {
        config c;
        sm_status st = exp_grid_point(&e->exp, i, &c, err);
        if (st)
            return st;
        run_identity_cached(&c, &ident);
        run_default_id(&c, e->plan[i].run_id, sizeof e->plan[i].run_id);
        char lab[512];
        exp_grid_label(&e->exp, i, lab, sizeof lab);
        label_without_seed(lab, e->plan[i].group, sizeof e->plan[i].group);
        e->nplan = (int)i + 1;
    }
    return SM_OK;
}

sm_status ui_engine_open(ui_engine *e, const char *exp_path, const char *root, int jobs, sm_err *err)
{
    memset(e, 0, sizeof *e);
    snprintf(e->root, sizeof e->root, "%s", root);
    if (exp_path && *exp_path) {
        sm_status st = exp_load(&e->exp, exp_path, err);
        if (st)
            return st;
        e->have_exp = true;
        if ((st = build_plan(e, err))) {
            ui_engine_close(e, true);
            return st;
        }
    }
    sm_status st = queue_create(&e->q, jobs, root, err);
    if (st) {
        ui_engine_close(e, true);
        return st;
    }
    return SM_OK;
}

void ui_engine_close(ui_engine *e, bool cancel)
{
    if (!e)
        return;
    if (e->q)
        queue_destroy(e->q, cancel);
    if (e->have_exp)
        exp_free(&e->exp);
    free(e->plan);
    memset(e, 0, sizeof *e);
}

static int be_snapshot(void *ud, job_info *out, int max)
{
    ui_engine *e = ud;
    return queue_snapshot(e->q, out, max);
}

static uint64_t be_version(void *ud)
{
    ui_engine *e = ud;
    return queue_version(e->q);
}

static void be_cancel(void *ud, int job)
{
    ui_engine *e = ud;
    queue_cancel(e->q, job);
}

/* Is run_id taken: on disk or by a job of this queue? */
static bool id_taken(ui_engine *e, const char *run_id)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", e->root, run_id);
    if (access(p, F_OK) == 0)
        return true;
    int n = queue_snapshot(e->q, NULL, 0);
    job_info *jobs = n > 0 ? calloc((size_t)n, sizeof *jobs) : NULL;
    bool hit = false;
    if (jobs) {
        n = queue_snapshot(e->q, jobs, n);
        for (int i = 0; i < n && !hit; i++)
            hit = strcmp(jobs[i].run_id, run_id) == 0;
        free(jobs);
    }
    return hit;
}

static int start_grid(ui_engine *e, char *msg, size_t n)
{
    int queued = 0;
    sm_err err;
    for (int i = 0; i < e->nplan; i++) {
        config c;
        if (exp_grid_point(&e->exp, i, &c, &err)) {
            snprintf(msg, n, "grid point %d: %s", i, err.msg);
            return -1;
        }
        if (queue_submit(e->q, &c, e->plan[i].run_id, &err) < 0) {
            snprintf(msg, n, "%s: %s", e->plan[i].run_id, err.msg);
            return -1;
        }
        queued++;
    }
    snprintf(msg, n, "queued the grid of %s: %d run%s (finished ones are skipped)", e->exp.path, queued,
             queued == 1 ? "" : "s");
    return queued;
}

/* The grid as a Slurm job array into the results root (grid --slurm);
 * the Runs view follows its tasks through ui_slurm. */
static int start_grid_slurm(ui_engine *e, char *msg, size_t n)
{
    sm_err err;
    sm_err_clear(&err);
    config *cfgs = calloc((size_t)e->nplan + 1, sizeof *cfgs);
    const char **ids = calloc((size_t)e->nplan + 1, sizeof *ids);
    char script[1300], jobid[64];
    sm_status st = cfgs && ids ? SM_OK : sm_err_set(&err, SM_ENOMEM, "out of memory");
    for (int i = 0; i < e->nplan && !st; i++) {
        st = exp_grid_point(&e->exp, i, &cfgs[i], &err);
        ids[i] = e->plan[i].run_id;
    }
    if (!st)
        st = slurm_array_write(&e->exp.slurm, e->exp.path, cfgs, ids, e->nplan, e->root, script, sizeof script, &err);
    if (!st)
        st = slurm_submit(script, jobid, sizeof jobid, &err);
    if (!st)
        st = slurm_array_record(e->root, jobid, ids, e->nplan, &err);
    free(cfgs);
    free(ids);
    if (st) {
        snprintf(msg, n, "%s", err.msg);
        return -1;
    }
    snprintf(msg, n, "submitted the grid of %s to Slurm: job %s, %d tasks (logs in %s/logs)", e->exp.path, jobid,
             e->nplan, e->root);
    return e->nplan;
}

static int start_run(ui_engine *e, char *msg, size_t n)
{
    sm_err err;
    config c;
    if (exp_grid_point(&e->exp, 0, &c, &err)) {
        snprintf(msg, n, "%s", err.msg);
        return -1;
    }
    /* a new run: the first seed from the experiment's whose run is not on
     * disk or in the queue yet (the dataset's identity resolved once) */
    sm_err e2;
    if (run_identity(&c, &e2) != SM_OK)
        c.dataset_id[0] = '\0';   /* unreadable: the run fails saying why */
    char id[256];
    unsigned long s0 = c.seed;
    for (unsigned long k = 0; k < 100000; k++) {
        c.seed = s0 + k;
        run_default_id(&c, id, sizeof id);
        if (!id_taken(e, id))
            break;
    }
    if (queue_submit(e->q, &c, id, &err) < 0) {
        snprintf(msg, n, "%s: %s", id, err.msg);
        return -1;
    }
    snprintf(msg, n, "queued %s (seed %lu)", id, c.seed);
    return 1;
}

/* The run in dir again, under its id, by rundir_claim's decision: a run
 * really running is left alone; an interrupted one of the same identity
 * resumes in place from its checkpoint; a done, failed or cancelled one,
 * or one whose dataset changed, is moved to .attic (the dashboard asked
 * first for a done one) and runs again, so one configuration and seed
 * never count twice. */
static int start_rerun(ui_engine *e, const char *dir, char *msg, size_t n)
{
    sm_err err;
    config c;
    config_defaults(&c, PRESET_MOSI);
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, RUNSTORE_CONF);
    if (config_read_file(&c, p, &err)) {
        snprintf(msg, n, "%s", err.msg);
        return -1;
    }
    c.dataset_id[0] = '\0';   /* the dataset as it is now */
    if (run_identity(&c, &err) != SM_OK)
        c.dataset_id[0] = '\0';   /* unreadable: the run fails saying why */
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    char root[2048];
    snprintf(root, sizeof root, "%.*s", base > dir ? (int)(base - dir - 1) : 1, base > dir ? dir : ".");
    runstore rs;
    runstore_lock lk;
    rd_verdict v;
    char who[256];
    if (rundir_claim(&rs, root, base, &c, &lk, &v, who, sizeof who, &err) != SM_OK) {
        snprintf(msg, n, "%s", err.msg);
        return -1;
    }
    if (v == RD_ELSEWHERE) {
        snprintf(msg, n, "%s is running (%s): not re-run", base, who[0] ? who : "lock held");
        return -1;
    }
    sm_status st = SM_OK;
    if (v == RD_DONE || v == RD_REPLACE)
        st = rundir_move_to_attic(root, base, &err);
    runstore_lock_release(&lk);
    if (st != SM_OK) {
        snprintf(msg, n, "%s", err.msg);
        return -1;
    }
    if (queue_submit(e->q, &c, base, &err) < 0) {
        snprintf(msg, n, "%s: %s", base, err.msg);
        return -1;
    }
    snprintf(msg, n, v == RD_RESUME ? "queued %s to resume" : "queued %s again (the old run is in .attic)", base);
    return 1;
}

/* A dataset directory that is not there fails every run of a grid at once:
 * found before anything is queued, with the exact command that makes it
 * (exp/datahint.h). */
static bool dataset_missing(const ui_engine *e, char *msg, size_t n)
{
    config c;
    sm_err err;
    if (exp_grid_point(&e->exp, 0, &c, &err) || !exp_dataset_missing(c.dataset))
        return false;
    char hint[8400];
    exp_dataset_hint(c.dataset, e->exp.dir, hint, sizeof hint);
    snprintf(msg, n, "no dataset %s: nothing queued; %s", c.dataset, hint);
    return true;
}

static int be_start(void *ud, ui_start_kind kind, const char *dir, char *msg, size_t n)
{
    ui_engine *e = ud;
    if (kind == START_RERUN)
        return start_rerun(e, dir, msg, n);
    if (!e->have_exp) {
        snprintf(msg, n, "no experiment: start the dashboard as `selfmi EXPERIMENT`");
        return -1;
    }
    if (dataset_missing(e, msg, n))
        return -1;
    if (kind == START_GRID_SLURM)
        return start_grid_slurm(e, msg, n);
    return kind == START_GRID ? start_grid(e, msg, n) : start_run(e, msg, n);
}

sm_status ui_engine_switch(ui_engine *e, const char *path, sm_err *err)
{
    experiment x;
    sm_status st = exp_load(&x, path, err);
    if (st)
        return st;
    if (x.search.present || (e->have_exp && e->exp.search.present)) {
        exp_free(&x);
        return sm_err_set(err, SM_EINVAL, "%s: a search's trials have a results folder of their own: "
                          "open it with `selfmi %s`", e->have_exp && e->exp.search.present ? e->exp.path : path,
                          e->have_exp && e->exp.search.present ? e->exp.path : path);
    }
    experiment old = e->exp;
    ui_plan_item *old_plan = e->plan;
    int old_n = e->nplan;
    bool had = e->have_exp;
    e->exp = x;
    e->have_exp = true;
    e->plan = NULL;
    e->nplan = 0;
    if ((st = build_plan(e, err))) {
        free(e->plan);
        exp_free(&e->exp);
        e->exp = old;
        e->plan = old_plan;
        e->nplan = old_n;
        e->have_exp = had;
        return st;
    }
    free(old_plan);
    if (had)
        exp_free(&old);
    return SM_OK;
}

static bool be_switch(void *ud, const char *path, ui_plan *plan, char *msg, size_t n)
{
    ui_engine *e = ud;
    sm_err err;
    if (ui_engine_switch(e, path, &err)) {
        snprintf(msg, n, "%s", err.msg);
        return false;
    }
    *plan = (ui_plan){e->plan, e->nplan, e->exp.group_by, e->exp.reference};
    return true;
}

void ui_engine_backend(ui_engine *e, ui_backend *be)
{
    memset(be, 0, sizeof *be);
    be->ud = e;
    be->snapshot = be_snapshot;
    be->version = be_version;
    be->start = be_start;
    be->cancel = be_cancel;
    be->switch_experiment = be_switch;
}
