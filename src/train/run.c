/* run.c: one run end to end, written into its results directory. */
#include <config.h>
#include "train/run.h"
#include "data/synth.h"
#include "rundir/rundir.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static sm_status dataset_by_name(dataset *ds, const char *name, const dataset_load_opts *o, sm_err *err)
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
    return dataset_load_with(ds, name, o, err);
}

sm_status run_dataset_load(dataset *ds, const char *name, sm_err *err)
{
    return dataset_by_name(ds, name, NULL, err);
}

unsigned run_dataset_first_step(const config *c)
{
    /* the cls and frozen text encoders read the [CLS] row only (Eq. 2) */
    return c->text_encoder == TEXT_CLS || c->text_encoder == TEXT_FROZEN ? 1u << MOD_T : 0;
}

sm_status run_dataset_load_for(dataset *ds, const config *c, sm_err *err)
{
    dataset_load_opts o = {.first_step = run_dataset_first_step(c)};
    return dataset_by_name(ds, c->dataset, &o, err);
}

uint32_t run_config_hash(const config *c)
{
    return rundir_config_hash(c);
}

sm_status run_identity(config *c, sm_err *err)
{
    char path[sizeof c->dataset], id[sizeof c->dataset_id];
    sm_status st = dataset_identity(c->dataset, path, sizeof path, id, sizeof id, err);
    if (st != SM_OK)
        return st;
    memcpy(c->dataset, path, sizeof path);
    memcpy(c->dataset_id, id, sizeof id);
    return SM_OK;
}

void run_identity_cached(config *c, run_identity_cache *g)
{
    if (c->dataset_id[0])
        return;
    if (!g->ok || strcmp(g->name, c->dataset) != 0) {
        config k = *c;
        sm_err e2;
        memcpy(g->name, c->dataset, sizeof g->name);
        g->ok = run_identity(&k, &e2) == SM_OK;
        memcpy(g->path, k.dataset, sizeof g->path);
        memcpy(g->id, k.dataset_id, sizeof g->id);
        if (!g->ok)
            return;
    }
    memcpy(c->dataset, g->path, sizeof c->dataset);
    memcpy(c->dataset_id, g->id, sizeof c->dataset_id);
}

void run_default_id(const config *cin, char *buf, size_t n)
{
    /* the identity of a configuration not yet resolved (a dataset that
     * cannot be read keeps its name: the run fails with that error) */
    config own;
    const config *c = cin;
    if (!cin->dataset_id[0]) {
        sm_err e2;
        own = *cin;
        if (run_identity(&own, &e2) == SM_OK)
            c = &own;
    }
    char ds[64], tasks[32], cpc[32];
    const char *base = c->dataset;
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
        snprintf(ds, sizeof ds, "%.*s", (int)(len - (size_t)(s - base)), s);
    }
    for (char *p = ds; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'))
            *p = '-';
    snprintf(tasks, sizeof tasks, "M%s%s%s", c->tasks[0] ? "T" : "", c->tasks[1] ? "A" : "", c->tasks[2] ? "V" : "");
    config_cpc_id(c->cpc_terms, cpc, sizeof cpc);
    static const char *const gen[] = {"mi", "mm", "none"};
    snprintf(buf, n, "%s-%s-%s-%s-s%lu-%08x", ds, gen[c->labels], tasks, cpc, c->seed, run_config_hash(c));
}

/* ------------------------------------------------------------- the files */

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

/* The value of a metric by its id in rundir/columns.h. */
static double metric_value(const metrics *m, rd_metric_id id)
{
    switch (id) {
#define X(nm, title, scale, dec, lower, sets, paper, rank, field) \
    case RD_M_##nm: return m->field;
        RD_METRICS(X)
#undef X
    default: return NAN;
    }
}

/* The metrics of the run's set in column order; with_pad: the other set's
 * padding columns after them (empty). */
static void put_metrics_row(runstore_rows *r, const metrics *m, bool sims, bool with_pad)
{
    rd_metric_id ids[RD_NMETRICS];
    int set = sims ? RD_SIMS : RD_MOSI, k = rd_metric_set(set, with_pad, ids);
    for (int i = 0; i < k; i++)
        runstore_rows_num(r, rd_metrics[ids[i]].sets & set ? metric_value(m, ids[i]) : NAN);
}

#define PUT_INT(r, v) runstore_rows_int(r, v)
#define PUT_NUM(r, v) runstore_rows_num(r, v)

static void on_epoch(void *ud, const epoch_record *e)
{
    run_ctx *x = ud;
    runstore_rows *r = &x->erows;
#define X(nm, kind, value) PUT_##kind(r, value);
    RD_EPOCH_HEAD(X)
    put_metrics_row(r, &e->val, x->t->sims, true);
    RD_EPOCH_TAIL(X)
#undef X
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

/* The checkpoint: every piece of the trainer's state that outlives an
 * epoch, so a resumed run continues bit for bit (DESIGN.md "Results
 * directory"). The same table writes and restores it. */
enum {
    CK_EPOCH, CK_BEST_EPOCH, CK_PATIENCE, CK_P_STEP, CK_R_STEP, CK_FINISHED, CK_NTRAIN, CK_CONF_HASH,
    CK_HAS_POS, CK_HAS_NEG = CK_HAS_POS + 4, CK_NCOUNTERS = CK_HAS_NEG + 4
};
#define CK_MAX_BLOBS 32

static int state_blobs(trainer *t, long *counters, runstore_blob *b)
{
    int ntr = t->n_split[SPLIT_TRAIN], n = 0;
    size_t P = t->m.P.n * sizeof(real), R = t->m.R.n * sizeof(real), L = (size_t)ntr * sizeof(float);
#define BLOB(nm, p, sz) (b[n].name = (nm), b[n].data = (p), b[n].size = (sz), n++)
    BLOB("params_best", t->best, P);
    BLOB("params", t->m.P.data, P);
    BLOB("adam_m", t->m.P.m, P);
    BLOB("adam_v", t->m.P.v, P);
    BLOB("ulg_params", t->m.R.data, R);
    BLOB("ulg_adam_m", t->m.R.m, R);
    BLOB("ulg_adam_v", t->m.R.v, R);
    BLOB("labels_t", t->ys[0], L);
    BLOB("labels_a", t->ys[1], L);
    BLOB("labels_v", t->ys[2], L);
    BLOB("ulg_out_t", t->rs[0], L);
    BLOB("ulg_out_a", t->rs[1], L);
    BLOB("ulg_out_v", t->rs[2], L);
    BLOB("perm", t->perm, (size_t)ntr * sizeof(int));
    BLOB("rng", &t->r, sizeof t->r);
    BLOB("counters", counters, CK_NCOUNTERS * sizeof(long));
    BLOB("best_val", &t->best_val, sizeof t->best_val);
    if (t->cfg.labels == LABELS_MM) {
        static const char *const fn[] = {"mm_feat_f", "mm_feat_t", "mm_feat_a", "mm_feat_v"};
        static const char *const pn[] = {"mm_cpos_f", "mm_cpos_t", "mm_cpos_a", "mm_cpos_v"};
        static const char *const nn[] = {"mm_cneg_f", "mm_cneg_t", "mm_cneg_a", "mm_cneg_v"};
        for (int h = 0; h < HEAD_COUNT; h++) {
            size_t d = (size_t)t->m.head[h].dim;
            BLOB(fn[h], t->feat[h], (size_t)ntr * d * sizeof(float));
            BLOB(pn[h], t->cpos[h], d * sizeof(float));
            BLOB(nn[h], t->cneg[h], d * sizeof(float));
        }
    }
#undef BLOB
    return n;
}

static void counters_pack(const trainer *t, long *c)
{
    memset(c, 0, CK_NCOUNTERS * sizeof *c);
    c[CK_EPOCH] = t->epoch;
    c[CK_BEST_EPOCH] = t->best_epoch;
    c[CK_PATIENCE] = t->patience;
    c[CK_P_STEP] = t->m.P.step;
    c[CK_R_STEP] = t->m.R.step;
    c[CK_FINISHED] = t->finished;
    c[CK_NTRAIN] = t->n_split[SPLIT_TRAIN];
    c[CK_CONF_HASH] = (long)run_config_hash(&t->cfg);
    for (int h = 0; h < 4; h++) {
        c[CK_HAS_POS + h] = t->has_pos[h];
        c[CK_HAS_NEG + h] = t->has_neg[h];
    }
}

static sm_status write_checkpoint(run_ctx *x, sm_err *err)
{
    long counters[CK_NCOUNTERS];
    runstore_blob b[CK_MAX_BLOBS];
    counters_pack(x->t, counters);
    int n = state_blobs(x->t, counters, b);
    return runstore_checkpoint_write(&x->rs, RUNSTORE_CHECKPOINT, b, n, err);
}

/* Restores a freshly initialised trainer from the checkpoint. */
static sm_status read_checkpoint(run_ctx *x, const runstore_ckpt *ck, sm_err *err)
{
    trainer *t = x->t;
    long counters[CK_NCOUNTERS];
    runstore_blob b[CK_MAX_BLOBS];
    int n = state_blobs(t, counters, b);
    for (int i = 0; i < n; i++) {
        sm_status st = runstore_ckpt_get(ck, b[i].name, (void *)b[i].data, b[i].size, err);
        if (st)
            return sm_err_prefix(err, "%s: this checkpoint does not fit the run's configuration and dataset",
                                 ck->path);
    }
    const long *c = counters;
    if (c[CK_NTRAIN] != t->n_split[SPLIT_TRAIN] || c[CK_CONF_HASH] != (long)run_config_hash(&t->cfg))
        return sm_err_set(err, SM_EFORMAT, "%s: the checkpoint belongs to another configuration or dataset",
                          ck->path);
    if (c[CK_EPOCH] < 0 || c[CK_EPOCH] > t->cfg.max_epochs || c[CK_BEST_EPOCH] < 0 ||
        c[CK_BEST_EPOCH] > c[CK_EPOCH] || c[CK_PATIENCE] < 0 || c[CK_P_STEP] < 0 || c[CK_R_STEP] < 0)
        return sm_err_set(err, SM_EFORMAT, "%s: counters out of range (epoch %ld, best epoch %ld)", ck->path,
                          c[CK_EPOCH], c[CK_BEST_EPOCH]);
    t->epoch = (int)c[CK_EPOCH];
    t->best_epoch = (int)c[CK_BEST_EPOCH];
    t->patience = (int)c[CK_PATIENCE];
    t->m.P.step = c[CK_P_STEP];
    t->m.R.step = c[CK_R_STEP];
    t->finished = c[CK_FINISHED] != 0;
    for (int h = 0; h < 4; h++) {
        t->has_pos[h] = c[CK_HAS_POS + h] != 0;
        t->has_neg[h] = c[CK_HAS_NEG + h] != 0;
    }
    return SM_OK;
}

static sm_status write_results(run_ctx *x, const metrics *m, sm_err *err)
{
    trainer *t = x->t;
    bool sims = t->sims;
    runstore_rows r;
    const char *cols[RD_NMETRICS + RD_TEST_NTAIL];
    int ncols = rd_test_cols(sims ? RD_SIMS : RD_MOSI, cols);
    sm_status st = runstore_rows_init(&r, cols, ncols, err);
    if (st)
        return st;
    put_metrics_row(&r, m, sims, false);
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
    st = runstore_rows_init(&r, rd_pred_cols, RD_PRED_NCOLS, err);
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

/* run.h. A resume goes back to the last checkpoint and runs the epochs
 * since again, to the same bytes; a short run (the real MOSI features: 20
 * epochs in a second) so writes one checkpoint instead of one per epoch,
 * which cost 6 % of it. */
sm_status run_checkpoint_secs(double *secs, sm_err *err)
{
    const char *v = getenv("SELFMI_CHECKPOINT_SECS");
    *secs = RUN_CHECKPOINT_SECS;
    if (!v)
        return SM_OK;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || errno || !(d >= 0) || !isfinite(d))
        return sm_err_set(err, SM_EINVAL, "SELFMI_CHECKPOINT_SECS: expected a number of seconds >= 0, got '%s'", v);
    *secs = d;
    return SM_OK;
}

/* The run itself, in x->rs with its lock held: a new run, or (resume) the
 * continuation of the one there. */
static sm_status run_body(run_ctx *x, const config *cfg, const dataset *ds_in, bool resume, const run_hooks *hooks,
                          run_summary *out, sm_err *err)
{
    sm_status st;
    double ckpt_secs;
    if ((st = run_checkpoint_secs(&ckpt_secs, err)))
        return st;
    snprintf(out->dir, sizeof out->dir, "%s", x->rs.dir);
    /* an fsync per epoch would cost more than a small model's epoch */
    x->rs.lazy_checkpoint = true;
    if (resume)
        st = runstore_temps_remove(&x->rs, err);
    else
        st = runstore_config_write(&x->rs, cfg, err);
    if (!st)
        st = runstore_status_write(&x->rs, RUN_RUNNING, NULL, err);
    if (st)
        return st;
    if (hooks && hooks->on_start)
        hooks->on_start(hooks->ud, x->rs.dir);

    double t0 = sm_now();
    dataset own;
    memset(&own, 0, sizeof own);
    const dataset *ds = ds_in;
    trainer t;
    memset(&t, 0, sizeof t);
    bool logs = false;
    if (!ds) {
        st = run_dataset_load_for(&own, cfg, err);
        if (st)
            goto done;
        ds = &own;
    }
    x->ds = ds;
    st = trainer_init(&t, cfg, ds, err);
    if (st)
        goto done;
    x->t = &t;
    if (resume) {
        /* the last checkpoint, or none: a run killed in its first epoch
         * starts over */
        char path[RUNSTORE_PATH_MAX];
        runstore_ckpt ck;
        struct stat sb;
        if ((st = runstore_path(&x->rs, RUNSTORE_CHECKPOINT, path, sizeof path, err)))
            goto done;
        if (stat(path, &sb) == 0) {
            if ((st = runstore_checkpoint_read(&x->rs, RUNSTORE_CHECKPOINT, &ck, err)))
                goto done;
            st = read_checkpoint(x, &ck, err);
            runstore_ckpt_free(&ck);
            if (st)
                goto done;
        }
        out->resumed = true;
        out->resumed_epoch = t.epoch;
        if ((st = runstore_log_cut(&x->rs, RUNSTORE_EPOCHS, t.epoch, err)) ||
            (st = runstore_log_cut(&x->rs, RUNSTORE_LABELS, t.epoch, err)))
            goto done;
    }
    const char *ecols[RD_EPOCH_NCOLS];
    rd_epoch_cols(t.sims ? RD_SIMS : RD_MOSI, ecols);
    if ((st = runstore_rows_init(&x->erows, ecols, RD_EPOCH_NCOLS, err)) ||
        (st = runstore_rows_init(&x->lrows, rd_label_cols, RD_LABEL_NCOLS, err)))
        goto done;
    logs = true;
    if ((st = runstore_log_open(&x->epochs, &x->rs, RUNSTORE_EPOCHS, ecols, RD_EPOCH_NCOLS, false, err)) ||
        (st = runstore_log_open(&x->labels, &x->rs, RUNSTORE_LABELS, rd_label_cols, RD_LABEL_NCOLS, false, err)))
        goto done;
    train_hooks th = {.ud = x, .on_epoch = on_epoch, .on_labels = on_labels, .on_batch = on_batch,
                      .should_cancel = should_cancel};
    /* a checkpoint after an epoch that ends ckpt_secs or more after the
     * last one (or the start); the last epoch's is written after the test */
    double last_ckpt = sm_now();
    while (!t.finished) {
        epoch_record rec;
        st = trainer_epoch(&t, &th, &rec, err);
        if (x->io) {
            st = x->io;
            *err = x->ioerr;
        }
        if (!st && !t.finished && sm_now() - last_ckpt >= ckpt_secs) {
            st = write_checkpoint(x, err);
            last_ckpt = sm_now();
        }
        if (st)
            goto done;
    }
    /* a search trial (sealed_test) never evaluates the test split: no
     * test metrics, no test.csv, no predictions.csv */
    if (cfg->sealed_test)
        out->test = (metrics){.sims = t.sims, .mae = NAN, .corr = NAN, .has0_acc2 = NAN, .has0_f1 = NAN,
                              .non0_acc2 = NAN, .non0_f1 = NAN, .acc5 = NAN, .acc7 = NAN, .acc2 = NAN,
                              .acc3 = NAN, .f1 = NAN};
    else if ((st = trainer_test(&t, &out->test, err)))
        goto done;
    x->rs.lazy_checkpoint = false;
    st = write_checkpoint(x, err);
    if (!st && !cfg->sealed_test)
        st = write_results(x, &out->test, err);
    out->sims = t.sims;
    out->mae_baseline = cfg->sealed_test ? NAN : t.baseline_mae[SPLIT_TEST];
    out->best_epoch = t.best_epoch;
    out->epochs = t.epoch;
done:
    out->seconds = sm_now() - t0;
    if (logs) {
        runstore_log_close(&x->epochs);
        runstore_log_close(&x->labels);
        runstore_rows_free(&x->erows);
        runstore_rows_free(&x->lrows);
    }
    trainer_free(&t);
    x->t = NULL;
    if (ds == &own)
        dataset_free(&own);
    sm_err e2;
    sm_status ws;
    if (st == SM_OK)
        ws = runstore_status_write(&x->rs, RUN_DONE, NULL, &e2);
    else if (st == SM_ECANCELLED)
        ws = runstore_status_write(&x->rs, RUN_CANCELLED, NULL, &e2);
    else
        ws = runstore_status_write(&x->rs, RUN_FAILED, err->msg, &e2);
    if (st == SM_OK && ws != SM_OK) {
        /* a done run whose status cannot say so is not done */
        *err = e2;
        st = ws;
    }
    return st;
}

sm_status run_start(const config *cfg_in, const dataset *ds, const char *root, const char *run_id, run_mode mode,
                    const run_hooks *hooks, run_summary *out, sm_err *err)
{
    run_ctx x;
    memset(&x, 0, sizeof x);
    x.epochs.fd = x.labels.fd = -1;
    x.user = hooks;
    memset(out, 0, sizeof *out);
    /* the run's identity: the canonical dataset path and its fingerprint */
    config cfg = *cfg_in;
    sm_status st = run_identity(&cfg, err);
    if (st)
        return st;
    x.cfg = &cfg;
    char id[256];
    if (!run_id || !*run_id) {
        run_default_id(&cfg, id, sizeof id);
        run_id = id;
    }
    char msg[512];
    const char *bad = config_check(&cfg, msg, sizeof msg);
    if (bad)
        return sm_err_set(err, SM_EINVAL, "%s", bad);
    /* a few rounds: another process may create, finish or move the
     * directory between our steps; the lock decides who runs it */
    for (int round = 0; round < 8; round++) {
        runstore_lock lk = {.fd = -1};
        rd_verdict v;
        if ((st = rundir_claim(&x.rs, root, run_id, &cfg, &lk, &v, out->holder, sizeof out->holder, err)))
            return st;
        if (v == RD_NEW) {
            if ((st = runstore_create(&x.rs, root, run_id, err))) {
                struct stat sb;
                if (x.rs.dir[0] && lstat(x.rs.dir, &sb) == 0)
                    continue;   /* created meanwhile by another process: decide again */
                return st;
            }
            bool busy;
            if ((st = runstore_lock_take(&lk, &x.rs, &busy, out->holder, sizeof out->holder, err)))
                return st;
            if (busy)
                v = RD_ELSEWHERE;   /* another process took the new directory first */
            else
                v = RD_FRESH;
        }
        snprintf(out->dir, sizeof out->dir, "%s", x.rs.dir);
        if (v == RD_ELSEWHERE) {
            out->elsewhere = true;
            if (mode == RUN_NEW)
                return sm_err_set(err, SM_EINVAL, "%s: a run with this id already exists and is running (%s)",
                                  x.rs.dir, out->holder[0] ? out->holder : "lock held");
            return SM_OK;
        }
        if (mode == RUN_NEW && v != RD_FRESH) {
            runstore_lock_release(&lk);
            if (v == RD_RESUME)
                return sm_err_set(err, SM_EINVAL,
                                  "%s: a run with this id already exists; it was interrupted: "
                                  "selfmi train --resume %.200s continues it",
                                  x.rs.dir, x.rs.dir);
            return sm_err_set(err, SM_EINVAL, "%s: a run with this id already exists", x.rs.dir);
        }
        if (v == RD_DONE) {
            runstore_lock_release(&lk);
            out->already_done = true;
            return SM_OK;
        }
        if (v == RD_REPLACE) {
            st = rundir_move_to_attic(root, run_id, err);
            runstore_lock_release(&lk);
            if (st)
                return st;
            continue;
        }
        st = run_body(&x, &cfg, ds, v == RD_RESUME, hooks, out, err);
        runstore_lock_release(&lk);
        return st;
    }
    return sm_err_set(err, SM_EIO, "%s/%s: the run directory keeps changing under us", root, run_id);
}

sm_status run_execute(const config *cfg, const dataset *ds, const char *root, const char *run_id,
                      const run_hooks *hooks, run_summary *out, sm_err *err)
{
    return run_start(cfg, ds, root, run_id, RUN_NEW, hooks, out, err);
}

sm_status run_resume(const char *dir, const dataset *ds, const run_hooks *hooks, run_summary *out, sm_err *err)
{
    memset(out, 0, sizeof *out);
    char root[RUNSTORE_PATH_MAX], id[256];
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (len >= sizeof root)
        return sm_err_set(err, SM_EINVAL, "%.60s...: path too long", dir);
    memcpy(root, dir, len);
    root[len] = '\0';
    char *slash = strrchr(root, '/');
    const char *base = slash ? slash + 1 : root;
    if (strlen(base) >= sizeof id)
        return sm_err_set(err, SM_EINVAL, "%.60s...: run directory name too long", base);
    memcpy(id, base, strlen(base) + 1);
    if (!slash)
        snprintf(root, sizeof root, ".");
    else if (slash == root)
        slash[1] = '\0';
    else
        *slash = '\0';
    run_ctx x;
    memset(&x, 0, sizeof x);
    x.epochs.fd = x.labels.fd = -1;
    x.user = hooks;
    sm_status st = runstore_open(&x.rs, root, id, err);
    if (st)
        return st;
    snprintf(out->dir, sizeof out->dir, "%s", x.rs.dir);
    runstore_lock lk;
    bool busy;
    if ((st = runstore_lock_take(&lk, &x.rs, &busy, out->holder, sizeof out->holder, err)))
        return st;
    if (busy) {
        out->elsewhere = true;
        return sm_err_set(err, SM_EINVAL, "%s: the run is running elsewhere (%s)", x.rs.dir,
                          out->holder[0] ? out->holder : "lock held");
    }
    config cfg;
    config_defaults(&cfg, PRESET_MOSI);
    run_state s;
    if ((st = runstore_config_read(&x.rs, &cfg, err)) || (st = runstore_status_read(&x.rs, &s, NULL, 0, err)))
        goto out;
    if (s == RUN_DONE) {
        st = sm_err_set(err, SM_EINVAL, "%s: the run is done; nothing to resume", x.rs.dir);
        goto out;
    }
    char msg[512];
    const char *bad = config_check(&cfg, msg, sizeof msg);
    if (bad) {
        st = sm_err_set(err, SM_EFORMAT, "%s/%s: %s", x.rs.dir, RUNSTORE_CONF, bad);
        goto out;
    }
    /* the dataset must be the one the run started on (runs from before
     * dataset_id was recorded are checked by the training-set size only) */
    if (cfg.dataset_id[0]) {
        char now[sizeof cfg.dataset_id];
        if ((st = dataset_identity(cfg.dataset, NULL, 0, now, sizeof now, err))) {
            sm_err_prefix(err, "%s: cannot resume", x.rs.dir);
            goto out;
        }
        if (strcmp(now, cfg.dataset_id) != 0) {
            st = sm_err_set(err, SM_EINVAL,
                            "%s: cannot resume: the dataset %s has changed since the run started (fingerprint %s, "
                            "the run has %s); train it as a new run",
                            x.rs.dir, cfg.dataset, now, cfg.dataset_id);
            goto out;
        }
    }
    if ((st = rundir_entries_regular(&x.rs, err)))
        goto out;
    x.cfg = &cfg;
    st = run_body(&x, &cfg, ds, true, hooks, out, err);
out:
    runstore_lock_release(&lk);
    return st;
}

/* Removes a directory run_extend built aside (its files are known). */
static void extend_discard(const char *dir)
{
    static const char *const files[] = {RUNSTORE_CONF,   RUNSTORE_STATUS,     RUNSTORE_EPOCHS,
                                        RUNSTORE_LABELS, RUNSTORE_CHECKPOINT, RUNSTORE_CONTINUED};
    char p[RUNSTORE_PATH_MAX + 32];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

/* Copies the log src/<file> whole into dst. */
static sm_status extend_copy(const runstore *src, const runstore *dst, const char *file, sm_err *err)
{
    char path[RUNSTORE_PATH_MAX];
    sm_status st = runstore_path(src, file, path, sizeof path, err);
    if (st)
        return st;
    size_t n;
    char *buf = sm_read_file(path, &n, err);
    if (!buf)
        return SM_EIO;
    st = runstore_file_replace(dst, file, buf, n, err);
    free(buf);
    return st;
}

sm_status run_extend(const char *src_root, const char *src_id, const config *cfg_in, const char *root,
                     const char *run_id, bool *existed, sm_err *err)
{
    *existed = false;
    config cfg = *cfg_in;
    sm_status st = run_identity(&cfg, err);
    if (st)
        return st;
    char dir[RUNSTORE_PATH_MAX];
    struct stat sb;
    if ((size_t)snprintf(dir, sizeof dir, "%s/%s", root, run_id) >= sizeof dir)
        return sm_err_set(err, SM_EINVAL, "%s/%s: path too long", root, run_id);
    if (lstat(dir, &sb) == 0) {
        *existed = true;
        return SM_OK;
    }
    /* the source: a finished run of this configuration but for max_epochs */
    runstore src;
    if ((st = runstore_open(&src, src_root, src_id, err)))
        return st;
    config prev;
    config_defaults(&prev, cfg.preset);
    run_state s;
    if ((st = runstore_config_read(&src, &prev, err)) || (st = runstore_status_read(&src, &s, NULL, 0, err)))
        return st;
    if (s != RUN_DONE)
        return sm_err_set(err, SM_EINVAL, "%s: cannot continue a run that is not done (%s)", src.dir,
                          run_state_name(s));
    uint32_t prev_hash = run_config_hash(&prev);
    int prev_epochs = prev.max_epochs;
    prev.max_epochs = cfg.max_epochs;
    if (prev_epochs >= cfg.max_epochs || run_config_hash(&prev) != run_config_hash(&cfg))
        return sm_err_set(err, SM_EINVAL, "%s: not the configuration of %s with fewer epochs", src.dir, run_id);
    runstore_ckpt ck;
    if ((st = runstore_checkpoint_read(&src, RUNSTORE_CHECKPOINT, &ck, err)))
        return st;
    runstore_blob *b = calloc((size_t)ck.n + 1, sizeof *b);
    long c[CK_NCOUNTERS];
    if (!b) {
        runstore_ckpt_free(&ck);
        return sm_err_set(err, SM_ENOMEM, "out of memory");
    }
    if ((st = runstore_ckpt_get(&ck, "counters", c, sizeof c, err)))
        goto out;
    if (c[CK_CONF_HASH] != (long)prev_hash || c[CK_EPOCH] < 1 || c[CK_EPOCH] > prev_epochs || c[CK_PATIENCE] < 0) {
        st = sm_err_set(err, SM_EFORMAT, "%s: the checkpoint is not the run's last (epoch %ld)", ck.path,
                        c[CK_EPOCH]);
        goto out;
    }
    /* the counters of a run of cfg after the same epoch: its own identity,
     * and finished only when early stopping says so (trainer_epoch) */
    c[CK_CONF_HASH] = (long)run_config_hash(&cfg);
    c[CK_FINISHED] = c[CK_PATIENCE] >= cfg.early_stop || c[CK_EPOCH] >= cfg.max_epochs;
    for (int i = 0; i < ck.n; i++) {
        b[i].name = ck.names[i];
        b[i].data = strcmp(ck.names[i], "counters") == 0 ? (const void *)c : ck.buf + ck.offsets[i];
        b[i].size = ck.sizes[i];
    }
    /* built aside in a dot folder (not listed as runs), then renamed */
    char aside[RUNSTORE_PATH_MAX], tmp_id[256];
    if ((size_t)snprintf(aside, sizeof aside, "%s/.extend", root) >= sizeof aside ||
        (size_t)snprintf(tmp_id, sizeof tmp_id, "%.200s.%ld", run_id, (long)getpid()) >= sizeof tmp_id) {
        st = sm_err_set(err, SM_EINVAL, "%s/%s: path too long", root, run_id);
        goto out;
    }
    runstore dst;
    char tmp_dir[RUNSTORE_PATH_MAX + 256];
    snprintf(tmp_dir, sizeof tmp_dir, "%s/%s", aside, tmp_id);
    extend_discard(tmp_dir); /* a leftover of a process of our pid that died building it */
    if ((st = runstore_create(&dst, aside, tmp_id, err)))
        goto out;
    char note[400];
    int nn = snprintf(note, sizeof note, "from = %s\nepoch = %ld\n", src_id, c[CK_EPOCH]);
    if (!(st = runstore_config_write(&dst, &cfg, err)) && !(st = extend_copy(&src, &dst, RUNSTORE_EPOCHS, err)) &&
        !(st = extend_copy(&src, &dst, RUNSTORE_LABELS, err)) &&
        !(st = runstore_log_cut(&dst, RUNSTORE_EPOCHS, (int)c[CK_EPOCH], err)) &&
        !(st = runstore_log_cut(&dst, RUNSTORE_LABELS, (int)c[CK_EPOCH], err)) &&
        !(st = runstore_checkpoint_write(&dst, RUNSTORE_CHECKPOINT, b, ck.n, err)) &&
        !(st = runstore_file_replace(&dst, RUNSTORE_CONTINUED, note, (size_t)nn, err)))
        st = runstore_status_write(&dst, RUN_RUNNING, NULL, err);
    if (!st && rename(dst.dir, dir) != 0) {
        if (errno == EEXIST || errno == ENOTEMPTY)
            *existed = true; /* made meanwhile by another process */
        else
            st = sm_err_set(err, SM_EIO, "%s: cannot rename to %s: %s", dst.dir, dir, strerror(errno));
    }
    if (st || *existed)
        extend_discard(dst.dir);
    else
        sm_dir_sync(root);
    rmdir(aside); /* unless another process builds there too */
out:
    free(b);
    runstore_ckpt_free(&ck);
    return st;
}
