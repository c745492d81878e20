/* trainer.c: the training loop of SPEC sections 4-5. */
#include <config.h>
#include "train/trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static float label_bound(const config *c, const dataset *ds)
{
    if (c->label_bound > 0)
        return c->label_bound;
    return dataset_label_bound(ds);
}

sm_status trainer_init(trainer *t, const config *cfg, const dataset *ds, sm_err *err)
{
    memset(t, 0, sizeof *t);
    t->cfg = *cfg;
    t->ds = ds;
    t->H = label_bound(cfg, ds);
    t->sims = cfg->metrics == METRICS_SIMS || (cfg->metrics == METRICS_AUTO && t->H <= 1.0f);
    rng_seed(&t->r, cfg->seed);
    sm_status st = SM_OK;
    if (ds->mod[MOD_T].first_step && cfg->text_encoder != TEXT_CLS && cfg->text_encoder != TEXT_FROZEN)
        return sm_err_set(err, SM_EINTERNAL, "the text of %s was loaded as its first step only; the %s encoder "
                          "reads every step", ds->dir ? ds->dir : cfg->dataset,
                          cfg->text_encoder == TEXT_MEAN ? "mean" : "lstm");
    for (int sp = 0; sp < SPLIT_COUNT; sp++) {
        t->idx[sp] = sm_alloc((size_t)ds->n, sizeof(int), err);
        if (!t->idx[sp]) {
            st = SM_ENOMEM;
            goto fail;
        }
        t->n_split[sp] = dataset_split_indices(ds, sp, t->idx[sp]);
        if (t->n_split[sp] == 0) {
            st = sm_err_set(err, SM_EINVAL, "%s: the dataset has no %s samples",
                            ds->dir ? ds->dir : cfg->dataset, split_names[sp]);
            goto fail;
        }
    }
    /* a batch_size above the training-set size is one batch of the whole
     * set per epoch (as a PyTorch DataLoader gives): buffers are sized by
     * what a batch can hold, never by the number asked for */
    int ntr = t->n_split[SPLIT_TRAIN];
    int B = t->batch = SM_MIN(cfg->batch_size, ntr);
    int nmax = SM_MAX(ntr, SM_MAX(t->n_split[SPLIT_VALID], t->n_split[SPLIT_TEST]));
    st = model_init(&t->m, cfg, ds, B, &t->r, err);
    if (st)
        goto fail;
#define ALLOC(p, n, sz) do { if (!((p) = sm_alloc((n), (sz), err))) { st = SM_ENOMEM; goto fail; } } while (0)
    ALLOC(t->perm, (size_t)ntr, sizeof(int));
    ALLOC(t->bidx, (size_t)B, sizeof(int));
    ALLOC(t->bym, (size_t)B, sizeof(real));
    ALLOC(t->best, t->m.P.n, sizeof(real));
    ALLOC(t->truth, (size_t)nmax, sizeof(float));
    for (int h = 0; h < HEAD_COUNT; h++)
        ALLOC(t->pred[h], (size_t)nmax, sizeof(float));
    for (int s = 0; s < MOD_COUNT; s++) {
        ALLOC(t->bys[s], (size_t)B, sizeof(real));
        ALLOC(t->ys[s], (size_t)ntr, sizeof(float));
        ALLOC(t->rs[s], (size_t)ntr, sizeof(float));
        /* label state starts at y_m (section 4) */
        for (int i = 0; i < ntr; i++)
            t->ys[s][i] = t->rs[s][i] = ds->label[t->idx[SPLIT_TRAIN][i]];
    }
    if (cfg->labels == LABELS_MM) {
        int dmax = 0;
        for (int h = 0; h < HEAD_COUNT; h++)
            dmax = SM_MAX(dmax, t->m.head[h].dim);
        ALLOC(t->csum, (size_t)dmax * 2, sizeof(double));
    }
    if (cfg->labels == LABELS_MM)
        for (int h = 0; h < HEAD_COUNT; h++) {
            int d = t->m.head[h].dim;
            ALLOC(t->feat[h], (size_t)ntr * d, sizeof(float));
            ALLOC(t->cpos[h], (size_t)d, sizeof(float));
            ALLOC(t->cneg[h], (size_t)d, sizeof(float));
        }
#undef ALLOC
    for (int i = 0; i < ntr; i++) {
        t->perm[i] = i;
        t->train_mean += ds->label[t->idx[SPLIT_TRAIN][i]];
    }
    t->train_mean /= ntr;
    for (int sp = 0; sp < SPLIT_COUNT; sp++) {
        double e = 0;
        for (int i = 0; i < t->n_split[sp]; i++)
            e += fabs(ds->label[t->idx[sp][i]] - t->train_mean);
        t->baseline_mae[sp] = e / t->n_split[sp];
    }
    memcpy(t->best, t->m.P.data, t->m.P.n * sizeof(real));
    t->best_val = INFINITY;
    return SM_OK;
fail:
    trainer_free(t);
    return st;
}

void trainer_free(trainer *t)
{
    if (!t)
        return;
    model_free(&t->m);
    for (int sp = 0; sp < SPLIT_COUNT; sp++)
        free(t->idx[sp]);
    free(t->perm);
    free(t->bidx);
    free(t->bym);
    free(t->best);
    free(t->truth);
    free(t->csum);
    for (int h = 0; h < HEAD_COUNT; h++) {
        free(t->pred[h]);
        free(t->feat[h]);
        free(t->cpos[h]);
        free(t->cneg[h]);
    }
    for (int s = 0; s < MOD_COUNT; s++) {
        free(t->bys[s]);
        free(t->ys[s]);
        free(t->rs[s]);
    }
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------ label generators */

/* Self-MM's momentum (section 4): y <- (n-1)/(n+1) y + 2/(n+1) y_new */
static float momentum(float y, float ynew, int n)
{
    return (float)(n - 1) / (float)(n + 1) * y + 2.0f / (float)(n + 1) * ynew;
}

static float clampf(float x, float H)
{
    return x < -H ? -H : x > H ? H : x;
}

/* ULG_MI: y_s <- momentum(y_s, clamp(r^s, -H, H)) for this batch */
static void labels_mi(trainer *t, const int *pos, int B, int n)
{
    for (int s = 0; s < MOD_COUNT; s++)
        for (int b = 0; b < B; b++) {
            float r = (float)t->m.r[s][b];
            if (isfinite(r))
                t->ys[s][pos[b]] = momentum(t->ys[s][pos[b]], clampf(r, t->H), n);
        }
}

static double dist(const real *x, const float *c, int d)
{
    double s = 0;
    for (int k = 0; k < d; k++) {
        double e = (double)x[k] - (double)c[k];
        s += e * e;
    }
    return sqrt(s);
}

/* Self-MM's ULGM (section 4): delta = (d- - d+) / (d+ + 1e-8) from the
 * positive and negative centres of the stored features; alpha =
 * delta_s / (delta_f + 1e-8); y_new = 0.5 alpha y_m + 0.5 (y_m + delta_s -
 * delta_f), clamped, then the momentum rule. */
static void labels_mm(trainer *t, const int *pos, int B, int n)
{
    const double MIN = 1e-8;
    const model_head *hm = &t->m.head[HEAD_M];
    if (!t->has_pos[HEAD_M] || !t->has_neg[HEAD_M])
        return;
    for (int b = 0; b < B; b++) {
        double dfp = dist(hm->z + (size_t)b * hm->dim, t->cpos[HEAD_M], hm->dim);
        double dfn = dist(hm->z + (size_t)b * hm->dim, t->cneg[HEAD_M], hm->dim);
        double delta_f = (dfn - dfp) / (dfp + MIN);
        double ym = t->bym[b];
        for (int s = 0; s < MOD_COUNT; s++) {
            int h = s + 1;
            const model_head *hs = &t->m.head[h];
            if (!t->has_pos[h] || !t->has_neg[h])
                continue;
            double dsp = dist(hs->z + (size_t)b * hs->dim, t->cpos[h], hs->dim);
            double dsn = dist(hs->z + (size_t)b * hs->dim, t->cneg[h], hs->dim);
            double delta_s = (dsn - dsp) / (dsp + MIN);
            double alpha = delta_s / (delta_f + MIN);
            double ynew = 0.5 * alpha * ym + 0.5 * (ym + delta_s - delta_f);
            if (!isfinite(ynew))
                continue;
            t->ys[s][pos[b]] = momentum(t->ys[s][pos[b]], clampf((float)ynew, t->H), n);
        }
    }
}

/* Stores this batch's Z^m, Z^s (F^g) and recomputes every centre, split by
 * the current labels of its representation (y_m for the fusion). Label 0
 * belongs to neither set unless mm_zero_positive. */
static void mm_store_and_center(trainer *t, const int *pos, int B)
{
    int ntr = t->n_split[SPLIT_TRAIN];
    for (int h = 0; h < HEAD_COUNT; h++) {
        const model_head *hd = &t->m.head[h];
        int d = hd->dim;
        for (int b = 0; b < B; b++)
            for (int k = 0; k < d; k++)
                t->feat[h][(size_t)pos[b] * d + k] = (float)hd->z[(size_t)b * d + k];
        double *sp = t->csum, *sn = t->csum + d;
        memset(sp, 0, (size_t)d * 2 * sizeof(double));
        int np = 0, nn = 0;
        for (int i = 0; i < ntr; i++) {
            float y = h == HEAD_M ? t->ds->label[t->idx[SPLIT_TRAIN][i]] : t->ys[h - 1][i];
            const float *f = t->feat[h] + (size_t)i * d;
            if (y > 0 || (y == 0 && t->cfg.mm_zero_positive)) {
                for (int k = 0; k < d; k++)
                    sp[k] += f[k];
                np++;
            } else if (y < 0) {
                for (int k = 0; k < d; k++)
                    sn[k] += f[k];
                nn++;
            }
        }
        for (int k = 0; k < d; k++) {
            t->cpos[h][k] = np ? (float)(sp[k] / np) : 0;
            t->cneg[h][k] = nn ? (float)(sn[k] / nn) : 0;
        }
        t->has_pos[h] = np > 0;
        t->has_neg[h] = nn > 0;
    }
}

/* ------------------------------------------------------------ evaluation */

/* A batch's inputs: model_gather under dataset_read, since the features
 * may be a mapped file. */
typedef struct {
    model *m;
    const dataset *ds;
    const int *idx;
    int B;
} gather_arg;

static void gather_fn(void *p)
{
    gather_arg *a = p;
    model_gather(a->m, a->ds, a->idx, a->B);
}

static sm_status gather(trainer *t, const int *idx, int B, sm_err *err)
{
    gather_arg a = {&t->m, t->ds, idx, B};
    return dataset_read(t->ds, gather_fn, &a, err);
}

sm_status trainer_eval(trainer *t, int split, sm_err *err)
{
    /* validation reads y^_m alone (early stopping, epochs.csv); the test
     * split's predictions.csv holds every head */
    const bool unimodal = split != SPLIT_VALID;
    int n = t->n_split[split], B = t->batch;
    const int *idx = t->idx[split];
    for (int i0 = 0; i0 < n; i0 += B) {
        int nb = SM_MIN(B, n - i0);
        sm_status st = gather(t, idx + i0, nb, err);
        if (st)
            return st;
        model_predict(&t->m, unimodal, &t->r);
        for (int b = 0; b < nb; b++) {
            for (int h = 0; h < (unimodal ? HEAD_COUNT : 1); h++)
                t->pred[h][i0 + b] = (float)model_pred(&t->m, h, b);
            t->truth[i0 + b] = t->ds->label[idx[i0 + b]];
        }
    }
    return SM_OK;
}

static void compute_metrics(const trainer *t, metrics *m, int n)
{
    if (t->sims)
        metrics_sims(m, t->pred[HEAD_M], t->truth, n);
    else
        metrics_mosi(m, t->pred[HEAD_M], t->truth, n);
}

sm_status trainer_test(trainer *t, metrics *out, sm_err *err)
{
    memcpy(t->m.P.data, t->best, t->m.P.n * sizeof(real));
    sm_status st = trainer_eval(t, SPLIT_TEST, err);
    if (st == SM_OK)
        compute_metrics(t, out, t->n_split[SPLIT_TEST]);
    return st;
}

/* Label statistics over the training samples (epoch_record). */
static void label_stats(const trainer *t, epoch_record *rec)
{
    int n = t->n_split[SPLIT_TRAIN];
    const dataset *ds = t->ds;
    float *ym = malloc((size_t)n * 3 * sizeof(float));
    for (int s = 0; s < MOD_COUNT; s++) {
        rec->drift[s] = rec->ul_corr[s] = rec->ul_mae[s] = NAN;
        rec->floor_corr[s] = rec->floor_mae[s] = rec->dev_corr[s] = NAN;
    }
    if (!ym)
        return;
    float *d1 = ym + n, *d2 = ym + 2 * (size_t)n;
    for (int i = 0; i < n; i++)
        ym[i] = ds->label[t->idx[SPLIT_TRAIN][i]];
    for (int s = 0; s < MOD_COUNT; s++) {
        rec->drift[s] = metrics_mae(t->ys[s], ym, n);
        const float *hu = ds->ulabel[s];
        if (!hu)
            continue;
        /* only samples whose human label exists */
        int k = 0;
        float *a = malloc((size_t)n * 3 * sizeof(float));
        if (!a)
            continue;
        float *bb = a + n, *c = a + 2 * (size_t)n;
        for (int i = 0; i < n; i++) {
            float h = hu[t->idx[SPLIT_TRAIN][i]];
            if (isnan(h))
                continue;
            a[k] = t->ys[s][i];
            bb[k] = h;
            c[k] = ym[i];
            d1[k] = t->ys[s][i] - ym[i];
            d2[k] = h - ym[i];
            k++;
        }
        if (k > 0) {
            rec->ul_corr[s] = metrics_pearson(a, bb, k);
            rec->ul_mae[s] = metrics_mae(a, bb, k);
            rec->floor_corr[s] = metrics_pearson(c, bb, k);
            rec->floor_mae[s] = metrics_mae(c, bb, k);
            rec->dev_corr[s] = metrics_pearson(d1, d2, k);
        }
        free(a);
    }
    free(ym);
}

/* ---------------------------------------------------------------- epochs */

sm_status trainer_epoch(trainer *t, const train_hooks *hooks, epoch_record *rec, sm_err *err)
{
    const config *c = &t->cfg;
    const dataset *ds = t->ds;
    model *m = &t->m;
    int n = ++t->epoch;
    int ntr = t->n_split[SPLIT_TRAIN], B = t->batch;
    int nb = (ntr + B - 1) / B;
    double t0 = sm_now();
    memset(rec, 0, sizeof *rec);
    rec->epoch = n;

    rng_shuffle(&t->r, t->perm, ntr);
    int in_group = 0;
    bool move = c->labels != LABELS_NONE && n >= c->ulg_start;
    const real *ysp[MOD_COUNT] = {t->bys[0], t->bys[1], t->bys[2]};
    nn_params_zero_grad(&m->P);
    for (int bi = 0; bi < nb; bi++) {
        if (hooks && hooks->should_cancel && hooks->should_cancel(hooks->ud)) {
            t->epoch--;
            return sm_err_set(err, SM_ECANCELLED, "cancelled at epoch %d batch %d", n, bi + 1);
        }
        int i0 = bi * B, cnt = SM_MIN(B, ntr - i0);
        const int *pos = t->perm + i0;
        for (int b = 0; b < cnt; b++) {
            int row = t->idx[SPLIT_TRAIN][pos[b]];
            t->bidx[b] = row;
            t->bym[b] = ds->label[row];
            for (int s = 0; s < MOD_COUNT; s++)
                t->bys[s][b] = t->ys[s][pos[b]];
        }
        sm_status st = gather(t, t->bidx, cnt, err);
        if (st)
            return st;
        real loss = model_forward(m, t->bym, ysp, true, &t->r);
        if (c->inject_nan_epoch == n && bi == 0)
            loss = (real)NAN;
        if (!isfinite((double)loss))
            return sm_err_set(err, SM_EDIVERGED, "non-finite loss at epoch %d batch %d", n, bi + 1);
        nn_params_zero_grad(&m->R);
        model_backward(m);
        /* statistics, weighted by the batch size */
        double wgt = (double)cnt / ntr;
        double ltask = 0;
        for (int s = 0; s < MOD_COUNT; s++) {
            rec->l_s[s] += wgt * m->l_s[s];
            /* a term switched off is not in the loss: logged as 0 */
            rec->l_cpc[s] += c->cpc_terms[s] ? wgt * m->l_cpc[s] : 0;
            if (c->labels == LABELS_MI) {
                rec->l_task[s] += wgt * m->l_task[s];
                ltask += m->l_task[s];
            }
        }
        rec->l17 += wgt * m->l17;
        rec->l_m += wgt * m->l_m;
        rec->loss += wgt * ((double)loss + ltask);
        for (int s = 0; s < MOD_COUNT; s++)
            for (int b = 0; b < cnt; b++)
                t->rs[s][pos[b]] = (float)m->r[s][b];
        /* label update from this forward's values (section 5 order) */
        if (move && c->labels == LABELS_MI)
            labels_mi(t, pos, cnt, n);
        else if (move && c->labels == LABELS_MM)
            labels_mm(t, pos, cnt, n);
        if (c->labels == LABELS_MM)
            mm_store_and_center(t, pos, cnt);
        /* R_s: its own Adam, every batch (section 4) */
        if (c->labels == LABELS_MI)
            nn_adam_step(&m->R);
        /* the model: a step every update_every batches; the tail group too
         * unless drop_tail_group */
        in_group++;
        bool last = bi == nb - 1;
        if (in_group == c->update_every || (last && !c->drop_tail_group)) {
            if (!nn_all_finite(m->P.grad, m->P.n))
                return sm_err_set(err, SM_EDIVERGED, "non-finite gradient at epoch %d batch %d", n, bi + 1);
            nn_adam_step(&m->P);
            nn_params_zero_grad(&m->P);
            in_group = 0;
            rec->steps++;
        }
        rec->batches++;
        if (hooks && hooks->on_batch)
            hooks->on_batch(hooks->ud, n, bi + 1, nb);
    }
    for (int s = 0; s < MOD_COUNT; s++)
        for (int i = 0; i < ntr; i++)
            if (!isfinite(t->ys[s][i]))
                return sm_err_set(err, SM_EDIVERGED, "non-finite %s label at epoch %d", mod_names[s], n);

    /* validation on y^_m (section 5) */
    sm_status st = trainer_eval(t, SPLIT_VALID, err);
    if (st)
        return st;
    int nv = t->n_split[SPLIT_VALID];
    compute_metrics(t, &rec->val, nv);
    rec->val_mae_baseline = t->baseline_mae[SPLIT_VALID];
    double vmae = metrics_mae(t->pred[HEAD_M], t->truth, nv);
    if (!isfinite(vmae))
        return sm_err_set(err, SM_EDIVERGED, "non-finite validation loss at epoch %d", n);
    if (vmae < t->best_val - 1e-6) {
        t->best_val = vmae;
        t->best_epoch = n;
        t->patience = 0;
        memcpy(t->best, m->P.data, m->P.n * sizeof(real));
        rec->improved = true;
    } else {
        t->patience++;
    }
    if (t->patience >= c->early_stop || n >= c->max_epochs)
        t->finished = true;
    rec->best_epoch = t->best_epoch;
    rec->best_val_mae = t->best_val;
    rec->patience = t->patience;
    label_stats(t, rec);
    rec->seconds = sm_now() - t0;
    if (hooks && hooks->on_labels) {
        const float *ys[MOD_COUNT] = {t->ys[0], t->ys[1], t->ys[2]};
        const float *rs[MOD_COUNT] = {t->rs[0], t->rs[1], t->rs[2]};
        hooks->on_labels(hooks->ud, n, t->idx[SPLIT_TRAIN], ntr, ys, rs);
    }
    if (hooks && hooks->on_epoch)
        hooks->on_epoch(hooks->ud, rec);
    return SM_OK;
}

sm_status trainer_run(trainer *t, const train_hooks *hooks, metrics *test, sm_err *err)
{
    while (!t->finished) {
        epoch_record rec;
        sm_status st = trainer_epoch(t, hooks, &rec, err);
        if (st)
            return st;
    }
    return trainer_test(t, test, err);
}
