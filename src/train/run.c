/* run.c: one run end to end, written into its results directory. */
#include <config.h>  /* the build configuration, not train/config.h */
#include "train/run.h"
#include "data/synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sm_status run_dataset_load(dataset *ds, const char *name, sm_err *err)
{
    if (strncmp(name, "synth:", 6) == 0) {
        char preset[64];
        unsigned long seed = 1;
        const char *p = name + 6, *colon = strchr(p, ':');
        size_t k = colon ? (size_t)(colon - p) : strlen(p);
        if (k == 0 || k >= sizeof preset)
            return sm_err_set(err, SM_EINVAL, "dataset '%s': expected synth:PRESET[:SEED] with PRESET one of %s",
                              name, synth_preset_list());
        memcpy(preset, p, k);
        preset[k] = '\0';
        if (colon) {
            char *end;
            seed = strtoul(colon + 1, &end, 10);
            if (end == colon + 1 || *end)
                return sm_err_set(err, SM_EINVAL, "dataset '%s': the seed after the preset must be a number", name);
        }
        return synth_make(ds, preset, seed, err);
    }
    if (!*name)
        return sm_err_set(err, SM_EINVAL, "no dataset: set dataset = DIR or synth:PRESET");
    return dataset_load(ds, name, err);
}

/* FNV-1a over run.conf's text, the run name excluded (it labels, it does
 * not change the run) */
uint32_t run_config_hash(const config *c)
{
    config k = *c;
    k.name[0] = '\0';
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    uint32_t h = 2166136261u;
    if (!f)
        return h;
    config_write(&k, f);
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)buf[i];
        h *= 16777619u;
    }
    free(buf);
    return h;
}

void run_default_id(const config *c, char *buf, size_t n)
{
    char ds[64], tasks[32], cpc[32];
    const char *base = c->dataset;
    const char *slash = strrchr(base, '/');
    /* the last non-empty path component, or synth-PRESET */
    if (strncmp(base, "synth:", 6) == 0) {
        snprintf(ds, sizeof ds, "synth-%s", base + 6);
    } else {
        size_t len = strlen(base);
        while (len > 1 && base[len - 1] == '/')
            len--;
        const char *s = base;
        for (size_t i = 0; i + 1 < len; i++)
            if (base[i] == '/')
                s = base + i + 1;
        (void)slash;
        snprintf(ds, sizeof ds, "%.*s", (int)(len - (size_t)(s - base)), s);
    }
    for (char *p = ds; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'))
            *p = '-';
    snprintf(tasks, sizeof tasks, "M%s%s%s", c->tasks[0] ? "T" : "", c->tasks[1] ? "A" : "", c->tasks[2] ? "V" : "");
    if (c->cpc_terms[0] && c->cpc_terms[1] && c->cpc_terms[2])
        snprintf(cpc, sizeof cpc, "all");
    else
        snprintf(cpc, sizeof cpc, "cpc%s%s%s", c->cpc_terms[0] ? "t" : "", c->cpc_terms[1] ? "a" : "",
                 c->cpc_terms[2] ? "v" : "");
    static const char *const gen[] = {"mi", "mm", "none"};
    snprintf(buf, n, "%s-%s-%s-%s-s%lu-%08x", ds, gen[c->labels], tasks, cpc, c->seed, run_config_hash(c));
}

/* ------------------------------------------------------------- the files */

static const char *const epoch_cols_mosi[] = {
    "epoch", "seconds", "loss", "l17", "l_m", "l_t", "l_a", "l_v", "cpc_mt", "cpc_ma", "cpc_mv",
    "task_t", "task_a", "task_v",
    "val_mae", "val_corr", "val_acc2_has0", "val_f1_has0", "val_acc2_non0", "val_f1_non0", "val_acc5", "val_acc7",
    "val_mae_baseline", "best_epoch", "best_val_mae", "patience", "steps",
    "drift_t", "drift_a", "drift_v", "ul_corr_t", "ul_corr_a", "ul_corr_v", "ul_mae_t", "ul_mae_a", "ul_mae_v",
    "floor_corr_t", "floor_corr_a", "floor_corr_v", "floor_mae_t", "floor_mae_a", "floor_mae_v",
    "dev_corr_t", "dev_corr_a", "dev_corr_v"};
/* SIMS runs name the six validation metric columns after the SIMS set */
static const char *const sims_val_cols[] = {"val_acc2", "val_f1", "val_acc3", "val_acc5", "val_acc2_non0",
                                            "val_acc7"};
enum { VAL_FIRST = 16 };   /* index of val_acc2_has0 in epoch_cols_mosi */
#define NEPOCH_COLS ((int)(sizeof epoch_cols_mosi / sizeof epoch_cols_mosi[0]))

static const char *const label_cols[] = {"epoch", "row", "id", "y_m", "y_t", "y_a", "y_v", "r_t", "r_a", "r_v"};
static const char *const test_cols_mosi[] = {"mae", "corr", "acc2_has0", "f1_has0", "acc2_non0", "f1_non0",
                                             "acc5", "acc7", "mae_baseline", "best_epoch", "epochs"};
static const char *const test_cols_sims[] = {"mae", "corr", "acc2", "f1", "acc3", "acc5", "mae_baseline",
                                             "best_epoch", "epochs"};
static const char *const pred_cols[] = {"row", "id", "y_m", "pred_m", "pred_t", "pred_a", "pred_v"};

typedef struct {
    const config *cfg;
    const dataset *ds;
    trainer *t;
    runstore rs;
    runstore_log epochs, labels;
    runstore_rows erows, lrows;
    const run_hooks *user;
    sm_status io;             /* first write failure */
    sm_err ioerr;
} run_ctx;

static void put_metrics_row(runstore_rows *r, const metrics *m, bool sims)
{
    runstore_rows_num(r, m->mae);
    runstore_rows_num(r, m->corr);
    if (sims) {
        runstore_rows_num(r, m->acc2);
        runstore_rows_num(r, m->f1);
        runstore_rows_num(r, m->acc3);
        runstore_rows_num(r, m->acc5);
    } else {
        runstore_rows_num(r, m->has0_acc2);
        runstore_rows_num(r, m->has0_f1);
        runstore_rows_num(r, m->non0_acc2);
        runstore_rows_num(r, m->non0_f1);
        runstore_rows_num(r, m->acc5);
        runstore_rows_num(r, m->acc7);
    }
}

static void on_epoch(void *ud, const epoch_record *e)
{
    run_ctx *x = ud;
    runstore_rows *r = &x->erows;
    runstore_rows_int(r, e->epoch);
    runstore_rows_num(r, e->seconds);
    runstore_rows_num(r, e->loss);
    runstore_rows_num(r, e->l17);
    runstore_rows_num(r, e->l_m);
    for (int s = 0; s < MOD_COUNT; s++)
        runstore_rows_num(r, e->l_s[s]);
    for (int s = 0; s < MOD_COUNT; s++)
        runstore_rows_num(r, e->l_cpc[s]);
    for (int s = 0; s < MOD_COUNT; s++)
        runstore_rows_num(r, e->l_task[s]);
    put_metrics_row(r, &e->val, x->t->sims);
    if (x->t->sims) {   /* pad to the common column count */
        runstore_rows_num(r, NAN);
        runstore_rows_num(r, NAN);
    }
    runstore_rows_num(r, e->val_mae_baseline);
    runstore_rows_int(r, e->best_epoch);
    runstore_rows_num(r, e->best_val_mae);
    runstore_rows_int(r, e->patience);
    runstore_rows_int(r, e->steps);
    const double *groups[] = {e->drift, e->ul_corr, e->ul_mae, e->floor_corr, e->floor_mae, e->dev_corr};
    for (int g = 0; g < 6; g++)
        for (int s = 0; s < MOD_COUNT; s++)
            runstore_rows_num(r, groups[g][s]);
    if (x->io == SM_OK) {
        x->io = runstore_rows_end(r, &x->ioerr);
        if (x->io == SM_OK)
            x->io = runstore_log_append(&x->epochs, r, &x->ioerr);
    }
    if (x->user && x->user->on_epoch)
        x->user->on_epoch(x->user->ud, e);
}

static void on_labels(void *ud, int epoch, const int *rows, int n, const float *const ys[MOD_COUNT],
                      const float *const rs[MOD_COUNT])
{
    run_ctx *x = ud;
    runstore_rows *r = &x->lrows;
    char id[512];
    for (int i = 0; i < n && x->io == SM_OK; i++) {
        runstore_rows_int(r, epoch);
        runstore_rows_int(r, rows[i]);
        dataset_sample_id(x->ds, rows[i], id, sizeof id);
        runstore_rows_str(r, id);
        runstore_rows_num(r, x->ds->label[rows[i]]);
        for (int s = 0; s < MOD_COUNT; s++)
            runstore_rows_num(r, ys[s][i]);
        for (int s = 0; s < MOD_COUNT; s++)
            runstore_rows_num(r, rs[s][i]);
        x->io = runstore_rows_end(r, &x->ioerr);
    }
    if (x->io == SM_OK)
        x->io = runstore_log_append(&x->labels, r, &x->ioerr);
}

static void on_batch(void *ud, int epoch, int batch, int nbatches)
{
    run_ctx *x = ud;
    if (x->user && x->user->on_batch)
        x->user->on_batch(x->user->ud, epoch, batch, nbatches);
}

static bool should_cancel(void *ud)
{
    run_ctx *x = ud;
    /* a results directory that cannot be written stops the run */
    if (x->io != SM_OK)
        return true;
    return x->user && x->user->should_cancel && x->user->should_cancel(x->user->ud);
}

/* The best weights and the trainer's state, so a run can be inspected or
 * resumed. */
static sm_status write_checkpoint(run_ctx *x, sm_err *err)
{
    trainer *t = x->t;
    int ntr = t->n_split[SPLIT_TRAIN];
    long counters[4] = {t->epoch, t->best_epoch, t->patience, (long)t->m.P.step};
    runstore_blob b[] = {
        {"params_best", t->best, t->m.P.n * sizeof(real)},
        {"params", t->m.P.data, t->m.P.n * sizeof(real)},
        {"adam_m", t->m.P.m, t->m.P.n * sizeof(real)},
        {"adam_v", t->m.P.v, t->m.P.n * sizeof(real)},
        {"ulg_params", t->m.R.data, t->m.R.n * sizeof(real)},
        {"ulg_adam_m", t->m.R.m, t->m.R.n * sizeof(real)},
        {"ulg_adam_v", t->m.R.v, t->m.R.n * sizeof(real)},
        {"labels_t", t->ys[0], (size_t)ntr * sizeof(float)},
        {"labels_a", t->ys[1], (size_t)ntr * sizeof(float)},
        {"labels_v", t->ys[2], (size_t)ntr * sizeof(float)},
        {"rng", &t->r, sizeof t->r},
        {"counters", counters, sizeof counters},
        {"best_val", &t->best_val, sizeof t->best_val},
    };
    return runstore_checkpoint_write(&x->rs, RUNSTORE_CHECKPOINT, b, (int)(sizeof b / sizeof b[0]), err);
}

static sm_status write_results(run_ctx *x, const metrics *m, sm_err *err)
{
    trainer *t = x->t;
    bool sims = t->sims;
    runstore_rows r;
    sm_status st = sims ? runstore_rows_init(&r, test_cols_sims, 9, err) : runstore_rows_init(&r, test_cols_mosi, 11, err);
    if (st)
        return st;
    put_metrics_row(&r, m, sims);
    runstore_rows_num(&r, t->baseline_mae[SPLIT_TEST]);
    runstore_rows_int(&r, t->best_epoch);
    runstore_rows_int(&r, t->epoch);
    st = runstore_rows_end(&r, err);
    if (!st)
        st = runstore_csv_save(&x->rs, RUNSTORE_TEST, &r, err);
    runstore_rows_free(&r);
    if (st)
        return st;
    /* predictions of the best weights (trainer_test left them in t->pred) */
    st = runstore_rows_init(&r, pred_cols, 7, err);
    if (st)
        return st;
    char id[512];
    for (int i = 0; i < t->n_split[SPLIT_TEST] && !st; i++) {
        int row = t->idx[SPLIT_TEST][i];
        runstore_rows_int(&r, row);
        dataset_sample_id(x->ds, row, id, sizeof id);
        runstore_rows_str(&r, id);
        runstore_rows_num(&r, t->truth[i]);
        for (int h = 0; h < HEAD_COUNT; h++)
            runstore_rows_num(&r, t->pred[h][i]);
        st = runstore_rows_end(&r, err);
    }
    if (!st)
        st = runstore_csv_save(&x->rs, RUNSTORE_PREDICTIONS, &r, err);
    runstore_rows_free(&r);
    return st;
}

sm_status run_execute(const config *cfg, const dataset *ds_in, const char *root, const char *run_id,
                      const run_hooks *hooks, run_summary *out, sm_err *err)
{
    run_ctx x;
    memset(&x, 0, sizeof x);
    x.epochs.fd = x.labels.fd = -1;
    x.cfg = cfg;
    x.user = hooks;
    memset(out, 0, sizeof *out);
    char id[256];
    if (!run_id || !*run_id) {
        run_default_id(cfg, id, sizeof id);
        run_id = id;
    }
    char msg[512];
    const char *bad = config_check(cfg, msg, sizeof msg);
    if (bad)
        return sm_err_set(err, SM_EINVAL, "%s", bad);
    sm_status st = runstore_create(&x.rs, root, run_id, err);
    if (st)
        return st;
    snprintf(out->dir, sizeof out->dir, "%s", x.rs.dir);
    /* an fsync per epoch would cost more than a small model's epoch */
    x.rs.lazy_checkpoint = true;
    st = runstore_config_write(&x.rs, cfg, err);
    if (!st)
        st = runstore_status_write(&x.rs, RUN_RUNNING, NULL, err);
    if (st)
        return st;
    if (hooks && hooks->on_start)
        hooks->on_start(hooks->ud, x.rs.dir);

    double t0 = sm_now();
    dataset own;
    memset(&own, 0, sizeof own);
    const dataset *ds = ds_in;
    trainer t;
    memset(&t, 0, sizeof t);
    bool logs = false;
    if (!ds) {
        st = run_dataset_load(&own, cfg->dataset, err);
        if (st)
            goto done;
        ds = &own;
    }
    x.ds = ds;
    st = trainer_init(&t, cfg, ds, err);
    if (st)
        goto done;
    x.t = &t;
    const char *ecols[NEPOCH_COLS];
    for (int i = 0; i < NEPOCH_COLS; i++)
        ecols[i] = t.sims && i >= VAL_FIRST && i < VAL_FIRST + 6 ? sims_val_cols[i - VAL_FIRST] : epoch_cols_mosi[i];
    if ((st = runstore_rows_init(&x.erows, ecols, NEPOCH_COLS, err)) ||
        (st = runstore_rows_init(&x.lrows, label_cols, 10, err)))
        goto done;
    logs = true;
    if ((st = runstore_log_open(&x.epochs, &x.rs, RUNSTORE_EPOCHS, ecols, NEPOCH_COLS, false, err)) ||
        (st = runstore_log_open(&x.labels, &x.rs, RUNSTORE_LABELS, label_cols, 10, false, err)))
        goto done;
    train_hooks th = {.ud = &x, .on_epoch = on_epoch, .on_labels = on_labels, .on_batch = on_batch,
                      .should_cancel = should_cancel};
    while (!t.finished) {
        epoch_record rec;
        st = trainer_epoch(&t, &th, &rec, err);
        if (x.io) {
            st = x.io;
            *err = x.ioerr;
        }
        if (!st)
            st = write_checkpoint(&x, err);
        if (st)
            goto done;
    }
    trainer_test(&t, &out->test);
    x.rs.lazy_checkpoint = false;
    st = write_checkpoint(&x, err);
    if (!st)
        st = write_results(&x, &out->test, err);
    out->sims = t.sims;
    out->mae_baseline = t.baseline_mae[SPLIT_TEST];
    out->best_epoch = t.best_epoch;
    out->epochs = t.epoch;
done:
    out->seconds = sm_now() - t0;
    if (logs) {
        runstore_log_close(&x.epochs);
        runstore_log_close(&x.labels);
        runstore_rows_free(&x.erows);
        runstore_rows_free(&x.lrows);
    }
    trainer_free(&t);
    if (ds == &own)
        dataset_free(&own);
    sm_err e2;
    if (st == SM_OK)
        runstore_status_write(&x.rs, RUN_DONE, NULL, &e2);
    else if (st == SM_ECANCELLED)
        runstore_status_write(&x.rs, RUN_CANCELLED, NULL, &e2);
    else
        runstore_status_write(&x.rs, RUN_FAILED, err->msg, &e2);
    return st;
}
