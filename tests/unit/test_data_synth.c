/* test_data_synth.c: the synthetic dataset: sizes, label grid and shape,
 * determinism, and that each modality carries its own sentiment. */
#include "config.h"
#include "data/synth.h"
#include "../tap.h"

#include <math.h>
#include <string.h>

static double corr(const double *x, const double *y, int n)
{
    double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    for (int i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
}

/* Pooled feature vector of sample i: the [CLS] row for text, the mean of
 * the true-length steps otherwise. */
static void pooled(const dataset *ds, int m, int i, double *out)
{
    const modality *md = &ds->mod[m];
    const float *x = md->x + (size_t)i * md->L * md->D;
    int steps = m == MOD_T ? 1 : md->len[i];
    for (int d = 0; d < md->D; d++) {
        double s = 0;
        for (int t = 0; t < steps; t++)
            s += x[(size_t)t * md->D + d];
        out[d] = s / steps;
    }
}

/* Nearest-centroid probe: direction = mean(positive) - mean(negative) of
 * the pooled features on train (by the unimodal label of m), then the
 * correlation of the projection with that label on test. */
static double probe(const dataset *ds, int m)
{
    int D = ds->mod[m].D;
    double *w = calloc((size_t)D, sizeof *w), *f = calloc((size_t)D, sizeof *f);
    double *score = calloc((size_t)ds->n, sizeof *score), *lab = calloc((size_t)ds->n, sizeof *lab);
    int np = 0, nn = 0, nt = 0;
    double *mp = calloc((size_t)D, sizeof *mp), *mn = calloc((size_t)D, sizeof *mn);
    for (int i = 0; i < ds->n; i++) {
        float y = ds->ulabel[m][i];
        if (ds->split[i] != SPLIT_TRAIN || y == 0)
            continue;
        pooled(ds, m, i, f);
        for (int d = 0; d < D; d++)
            (y > 0 ? mp : mn)[d] += f[d];
        if (y > 0)
            np++;
        else
            nn++;
    }
    for (int d = 0; d < D; d++)
        w[d] = mp[d] / SM_MAX(np, 1) - mn[d] / SM_MAX(nn, 1);
    for (int i = 0; i < ds->n; i++) {
        if (ds->split[i] != SPLIT_TEST)
            continue;
        pooled(ds, m, i, f);
        double s = 0;
        for (int d = 0; d < D; d++)
            s += w[d] * f[d];
        score[nt] = s;
        lab[nt++] = ds->ulabel[m][i];
    }
    double c = corr(score, lab, nt);
    free(w);
    free(f);
    free(score);
    free(lab);
    free(mp);
    free(mn);
    return c;
}

static bool on_grid(float y)
{
    return fabs(y * 5.0 - round(y * 5.0)) < 1e-4;
}

static bool same_dataset(const dataset *a, const dataset *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->video_id[i], b->video_id[i]) || strcmp(a->clip_id[i], b->clip_id[i]) ||
            strcmp(a->text[i], b->text[i]) || a->label[i] != b->label[i] || a->split[i] != b->split[i])
            return false;
    for (int m = 0; m < MOD_COUNT; m++) {
        size_t k = (size_t)a->n * a->mod[m].L * a->mod[m].D;
        if (memcmp(a->mod[m].x, b->mod[m].x, k * sizeof(float)) ||
            memcmp(a->mod[m].len, b->mod[m].len, (size_t)a->n * sizeof(int)) ||
            memcmp(a->ulabel[m], b->ulabel[m], (size_t)a->n * sizeof(float)))
            return false;
    }
    return true;
}

int main(void)
{
    sm_err err;
    dataset ds, ds2;
    tap_ok(synth_make(&ds, "small", 1, &err) == SM_OK, "small preset builds: %s", err.msg);
    int c[SPLIT_COUNT];
    dataset_split_counts(&ds, c);
    tap_ok(ds.n == 400 && c[0] == 240 && c[1] == 60 && c[2] == 100, "240/60/100 samples");
    tap_ok(ds.mod[MOD_T].L == 8 && ds.mod[MOD_T].D == 768 && ds.mod[MOD_A].L == 20 && ds.mod[MOD_A].D == 5 &&
               ds.mod[MOD_V].L == 15 && ds.mod[MOD_V].D == 20, "text 8 x 768, audio 20 x 5, video 15 x 20");
    tap_ok(dataset_check(&ds, &err) == SM_OK, "passes the dataset checks: %s", err.msg);
    tap_ok(dataset_has_ulabels(&ds) && dataset_label_bound(&ds) == 3.0f, "unimodal labels, bound 3");

    /* labels: grid, range, shape */
    bool grid = true, range = true;
    int zeros = 0, strong = 0, pos = 0, disagree = 0;
    for (int i = 0; i < ds.n; i++) {
        float ys[4] = {ds.label[i], ds.ulabel[0][i], ds.ulabel[1][i], ds.ulabel[2][i]};
        for (int k = 0; k < 4; k++) {
            grid = grid && on_grid(ys[k]);
            range = range && fabsf(ys[k]) <= 3.0f;
        }
        zeros += ds.label[i] == 0;
        strong += fabsf(ds.label[i]) >= 0.6f;
        pos += ds.label[i] > 0;
        if (ds.ulabel[MOD_T][i] * ds.ulabel[MOD_A][i] < 0 || ds.ulabel[MOD_T][i] * ds.ulabel[MOD_V][i] < 0)
            disagree++;
    }
    tap_ok(grid && range, "every label a multiple of 0.2 in [-3, 3]");
    tap_ok(zeros < ds.n / 10, "few exact zeros: %d of %d", zeros, ds.n);
    tap_ok(strong > ds.n / 2, "bimodal: %d of %d with |y| >= 0.6", strong, ds.n);
    tap_ok(pos > ds.n * 35 / 100 && pos < ds.n * 75 / 100, "both signs present: %d positive", pos);
    tap_ok(disagree > ds.n / 40 && disagree < ds.n / 3, "modalities sometimes disagree in sign: %d", disagree);
    double ym[400], yt[400], ya[400];
    for (int i = 0; i < ds.n; i++) {
        ym[i] = ds.label[i];
        yt[i] = ds.ulabel[MOD_T][i];
        ya[i] = ds.ulabel[MOD_A][i];
    }
    double ctm = corr(yt, ym, ds.n), cam = corr(ya, ym, ds.n);
    tap_ok(ctm > 0.6 && ctm < 0.99 && cam > 0.3 && cam < 0.99, "y_m a noisy combination: corr(y_t, y_m) %.2f, "
           "corr(y_a, y_m) %.2f", ctm, cam);

    /* features: padding zero, lengths varied, signal per modality */
    bool pad = true;
    int lmin = 99, lmax = 0;
    for (int i = 0; i < ds.n; i++) {
        const modality *a = &ds.mod[MOD_A];
        lmin = SM_MIN(lmin, a->len[i]);
        lmax = SM_MAX(lmax, a->len[i]);
        for (size_t k = (size_t)a->len[i] * a->D; k < (size_t)a->L * a->D; k++)
            pad = pad && a->x[(size_t)i * a->L * a->D + k] == 0.0f;
    }
    tap_ok(pad && lmin < lmax && lmax <= 20 && lmin >= 1, "audio lengths %d..%d, zero padding", lmin, lmax);
    double pa = probe(&ds, MOD_A), pv = probe(&ds, MOD_V);
    tap_ok(pa > 0.2, "audio carries y_a (probe corr %.2f)", pa);
    tap_ok(pv > 0.2, "video carries y_v (probe corr %.2f)", pv);
    tap_ok(pa < 0.95 && pv < 0.95, "but not trivially: noise and nuisance remain");
    {
        /* text tokens carry partial signal through their words */
        int agree = 0, polar = 0;
        for (int i = 0; i < ds.n; i++) {
            int p = 0;
            const char *s = ds.text[i];
            static const char *const pw[] = {"good", "great", "loved", "amazing", "enjoyed"};
            static const char *const nw[] = {"bad", "boring", "hated", "awful", "terrible"};
            for (int k = 0; k < 5; k++) {
                p += strstr(s, pw[k]) != NULL;
                p -= strstr(s, nw[k]) != NULL;
            }
            if (p != 0 && ds.ulabel[MOD_T][i] != 0) {
                polar++;
                agree += (p > 0) == (ds.ulabel[MOD_T][i] > 0);
            }
        }
        tap_ok(polar > 50 && agree > polar * 7 / 10, "transcript words agree with y_t: %d of %d", agree, polar);
    }

    /* determinism */
    tap_ok(synth_make(&ds2, "small", 1, &err) == SM_OK && same_dataset(&ds, &ds2), "same seed, same dataset");
    dataset_free(&ds2);
    tap_ok(synth_make(&ds2, "small", 2, &err) == SM_OK && !same_dataset(&ds, &ds2), "another seed, another dataset");
    dataset_free(&ds2);
    dataset_free(&ds);

    /* the text probe needs more samples than the small preset has to
     * estimate 768 directions: a copy with many short samples */
    synth_preset wide = *synth_preset_find("small");
    wide.n[0] = 2000;
    wide.n[1] = 0;
    wide.n[2] = 1000;
    wide.L[MOD_T] = 3;
    wide.Lmin[MOD_T] = 2;
    tap_ok(synth_make_preset(&ds, &wide, 5, &err) == SM_OK, "3000 short samples build");
    double pt = probe(&ds, MOD_T);
    tap_ok(pt > 0.5 && pt < 0.95, "text [CLS] carries y_t, with noise (held-out probe corr %.2f)", pt);
    dataset_free(&ds);

    /* SIMS-like labels on a shrunken copy of the sims preset */
    synth_preset sp = *synth_preset_find("sims");
    sp.n[0] = 150;
    sp.n[1] = 50;
    sp.n[2] = 100;
    sp.L[MOD_A] = 12;
    sp.Lmin[MOD_A] = 4;
    sp.D[MOD_V] = 30;
    tap_ok(synth_make_preset(&ds, &sp, 3, &err) == SM_OK, "sims-like preset builds");
    grid = range = true;
    zeros = 0;
    for (int i = 0; i < ds.n; i++) {
        grid = grid && on_grid(ds.label[i]) && on_grid(ds.ulabel[MOD_V][i]);
        range = range && fabsf(ds.label[i]) <= 1.0f && fabsf(ds.ulabel[MOD_A][i]) <= 1.0f;
    }
    tap_ok(grid && range && dataset_label_bound(&ds) == 1.0f && ds.mod[MOD_A].D == 33,
           "SIMS-like labels: multiples of 0.2 in [-1, 1], audio width 33");
    tap_ok(probe(&ds, MOD_V) > 0.2, "vision signal survives its noise dimensions (probe %.2f)", probe(&ds, MOD_V));
    dataset_free(&ds);

    const synth_preset *m = synth_preset_find("mosi"), *s = synth_preset_find("sims");
    tap_ok(m && m->n[0] == 1284 && m->n[1] == 229 && m->n[2] == 686 && m->D[0] == 768 && m->D[1] == 5 &&
               m->D[2] == 20 && m->L[0] == 50 && m->L[1] == 500 && m->L[2] == 375 && m->H == 3,
           "mosi preset: MOSI's sizes and dims");
    tap_ok(s && s->D[1] == 33 && s->D[2] == 709 && s->L[0] == 39 && s->L[1] == 400 && s->L[2] == 55 && s->H == 1,
           "sims preset: SIMS-like dims");
    tap_ok(dataset_open(&ds, "synth:small:2", &err) == SM_OK && dataset_open(&ds2, "synth:small", &err) == SM_OK &&
               ds.n == 400 && !same_dataset(&ds, &ds2), "dataset_open synth:small:2 and synth:small (seed 1)");
    dataset_free(&ds);
    dataset_free(&ds2);
    tap_ok(dataset_open(&ds, "synth:small:x", &err) == SM_EINVAL && dataset_open(&ds, "synth:tiny", &err) == SM_EINVAL,
           "dataset_open refuses a bad seed or preset: %s", err.msg);
    tap_ok(synth_make(&ds, "huge", 1, &err) == SM_EINVAL && strstr(err.msg, "huge") && ds.n == 0,
           "unknown preset refused: %s", err.msg);
    sp.Lmin[MOD_T] = 1;
    tap_ok(synth_make_preset(&ds, &sp, 1, &err) == SM_EINVAL, "a preset without room for [CLS] and a word refused");
    return tap_done();
}
