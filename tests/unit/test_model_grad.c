/* test_model_grad.c: finite-difference check of the whole model's gradient
 * (SPEC sections 2-5), compiled with -DSM_REAL_DOUBLE so the differences are
 * taken in double. Every option that changes the graph is covered.
 *
 * The analytic gradient of a parameter is compared with the central
 * difference of the objective that parameter is trained on:
 *   G_s:        lambda_cpc * L_N^{ms}     (always, detached or switched off)
 *   R_s:        L_task^s                  (Eq. 16)
 *   the rest:   L17 + lambda_cpc * sum of the enabled, undetached L_N terms */
#include "config.h"
#include "base/cpu.h"
#include "model/model.h"
#include "../tap.h"

#include <string.h>

enum { NS = 7 };

static void make_dataset(dataset *ds, float *store, int *lens)
{
    static const int L[3] = {3, 4, 3}, D[3] = {5, 3, 2};
    memset(ds, 0, sizeof *ds);
    ds->n = NS;
    rng r;
    rng_seed(&r, 42);
    float *p = store;
    for (int s = 0; s < 3; s++) {
        ds->mod[s].L = L[s];
        ds->mod[s].D = D[s];
        ds->mod[s].x = p;
        for (int i = 0; i < NS * L[s] * D[s]; i++)
            *p++ = (float)rng_normal(&r);
        ds->mod[s].len = lens + s * NS;
        for (int i = 0; i < NS; i++)
            ds->mod[s].len[i] = 1 + (i * 7 + s) % L[s];   /* includes 1 and L */
        ds->mod[s].len[0] = L[s];
        ds->mod[s].len[1] = 1;
    }
}

typedef struct {
    const char *name;
    text_encoder_kind te;
    int depth;
    bool detach, exclude_self;
    bool terms[3], tasks[3];
    uweight_kind uw;
    labels_kind labels;
    ulg_input_kind ulg;
    int stride;     /* check every stride-th parameter */
} variant;

static double objective(model *m, int which, int s, const double *ym, const double *const ys[3], uint64_t seed)
{
    rng r;
    rng_seed(&r, seed);
    model_forward(m, ym, ys, true, &r);
    const config *c = &m->cfg;
    if (which == 1)
        return c->lambda_cpc * m->l_cpc[s];
    if (which == 2)
        return m->l_task[s];
    double L = m->l17;
    for (int k = 0; k < 3; k++)
        if (c->cpc_terms[k] && !c->cpc_detach)
            L += c->lambda_cpc * m->l_cpc[k];
    return L;
}

/* which objective trains tensor t of P (0 = main, 1 = CPC term s) */
static int owner(const model *m, int t, int *s)
{
    for (int k = 0; k < 3; k++)
        if (t == m->G[k] || t == m->G[k] + 1) {
            *s = k;
            return 1;
        }
    return 0;
}

static void check(const variant *v, dataset *ds)
{
    config c;
    config_defaults(&c, PRESET_SYNTH);
    c.text_encoder = v->te;
    c.text_hidden = 4;
    c.text_out = 4;
    c.audio_hidden = 3;
    c.audio_out = 3;
    c.video_hidden = 4;
    c.video_out = 2;
    c.post_fusion_dim = 5;
    c.post_text_dim = 4;
    c.post_audio_dim = 3;
    c.post_video_dim = 3;
    c.post_fusion_dropout = 0.2f;
    c.post_text_dropout = 0.1f;
    c.post_audio_dropout = 0.1f;
    c.post_video_dropout = 0.1f;
    c.a_lstm_dropout = 0.2f;
    c.v_lstm_dropout = 0.1f;
    c.head_depth = v->depth;
    c.cpc_detach = v->detach;
    c.cpc_exclude_self = v->exclude_self;
    memcpy(c.cpc_terms, v->terms, sizeof c.cpc_terms);
    memcpy(c.tasks, v->tasks, sizeof c.tasks);
    c.uweight = v->uw;
    c.labels = v->labels;
    c.ulg_input = v->ulg;
    c.lambda_cpc = 0.3f;

    sm_err err;
    model m;
    rng r;
    rng_seed(&r, 7);
    if (!tap_ok(model_init(&m, &c, ds, NS, &r, &err) == SM_OK, "%s: model builds", v->name)) {
        tap_diag("%s", err.msg);
        return;
    }
    int idx[NS];
    for (int i = 0; i < NS; i++)
        idx[i] = NS - 1 - i;
    model_gather(&m, ds, idx, NS);
    double ym[NS], y0[NS], y1[NS], y2[NS];
    for (int i = 0; i < NS; i++) {
        ym[i] = -2.0 + 0.6 * i;
        y0[i] = ym[i] + 0.5 - 0.15 * i;
        y1[i] = -ym[i] * 0.5;
        y2[i] = ym[i] + ((i % 2) ? 0.7 : -0.4);
    }
    const double *ys[3] = {y0, y1, y2};
    uint64_t seed = 99;

    rng_seed(&r, seed);
    model_forward(&m, ym, ys, true, &r);
    nn_params_zero_grad(&m.P);
    nn_params_zero_grad(&m.R);
    model_backward(&m);

    const double h = 1e-6, tol = 1e-6;
    double worst = 0;
    int checked = 0, bad = 0;
    for (int pass = 0; pass < 2; pass++) {
        nn_params *P = pass == 0 ? &m.P : &m.R;
        for (int t = 0; t < P->ntensors; t++) {
            int s = 0, which;
            if (pass == 0) {
                which = owner(&m, t, &s);
            } else {
                which = 2;
                for (int k = 0; k < 3; k++)
                    if (t == m.R1[k] || t == m.R1[k] + 1 || t == m.R2[k] || t == m.R2[k] + 1)
                        s = k;
            }
            for (size_t i = 0; i < P->t[t].n; i += (size_t)v->stride) {
                double *p = P->data + P->t[t].off + i;
                double keep = *p;
                *p = keep + h;
                double lp = objective(&m, which, s, ym, ys, seed);
                *p = keep - h;
                double lm = objective(&m, which, s, ym, ys, seed);
                *p = keep;
                double num = (lp - lm) / (2 * h);
                double ana = P->grad[P->t[t].off + i];
                double e = fabs(num - ana) / fmax(1.0, fmax(fabs(num), fabs(ana)));
                if (e > worst)
                    worst = e;
                if (e > tol) {
                    if (bad < 5)
                        tap_diag("%s: %s[%zu]: analytic %.10g numeric %.10g", v->name, P->t[t].name, i, ana, num);
                    bad++;
                }
                checked++;
            }
        }
    }
    tap_ok(bad == 0, "%s: %d gradients match finite differences (worst error %.2e, tol %.0e)", v->name, checked,
           worst, tol);
    model_free(&m);
}

int main(void)
{
    static float store[NS * (3 * 5 + 4 * 3 + 3 * 2)];
    static int lens[3 * NS];
    dataset ds;
    make_dataset(&ds, store, lens);
    const variant vs[] = {
        {"default (cls, depth 3)", TEXT_CLS, 3, false, false, {1, 1, 1}, {1, 1, 1}, UWEIGHT_AUTO, LABELS_MI, ULG_PRODUCT, 1},
        {"text mean, depth 2", TEXT_MEAN, 2, false, false, {1, 1, 1}, {1, 1, 1}, UWEIGHT_AUTO, LABELS_MI, ULG_PRODUCT, 2},
        {"text lstm", TEXT_LSTM, 3, false, false, {1, 1, 1}, {1, 1, 1}, UWEIGHT_AUTO, LABELS_MI, ULG_CONCAT, 2},
        {"text frozen", TEXT_FROZEN, 3, false, false, {1, 1, 1}, {1, 1, 1}, UWEIGHT_AUTO, LABELS_MI, ULG_SCORES, 2},
        {"cpc_detach", TEXT_CLS, 3, true, false, {1, 1, 1}, {1, 1, 1}, UWEIGHT_AUTO, LABELS_MI, ULG_PRODUCT, 2},
        {"cpc_exclude_self", TEXT_CLS, 3, false, true, {1, 1, 1}, {1, 1, 1}, UWEIGHT_AUTO, LABELS_MI, ULG_PRODUCT, 2},
        {"w/o ma (term off)", TEXT_CLS, 3, false, false, {1, 0, 1}, {1, 1, 1}, UWEIGHT_AUTO, LABELS_MI, ULG_PRODUCT, 2},
        {"tasks M,T", TEXT_CLS, 3, false, false, {1, 1, 1}, {1, 0, 0}, UWEIGHT_AUTO, LABELS_MI, ULG_PRODUCT, 2},
        {"tasks M only, labels none", TEXT_CLS, 2, false, false, {1, 1, 1}, {0, 0, 0}, UWEIGHT_AUTO, LABELS_NONE, ULG_PRODUCT, 2},
        {"labels none (unit weights)", TEXT_LSTM, 3, false, false, {0, 1, 0}, {1, 1, 1}, UWEIGHT_AUTO, LABELS_NONE, ULG_PRODUCT, 2},
        {"uweight one", TEXT_MEAN, 3, false, true, {1, 1, 0}, {0, 1, 1}, UWEIGHT_ONE, LABELS_MM, ULG_CONCAT, 2},
    };
    /* every SIMD level this processor runs (the LSTM kernels, base/cpu.h) */
    for (int l = 0; l <= (int)cpu_isa_detected(); l++) {
        cpu_isa_force((cpu_isa)l);
        tap_diag("SIMD level %s, LSTM kernels %s", cpu_isa_name((cpu_isa)l), nn_lstm_kernel_name());
        tap_ok(strcmp(nn_lstm_kernel_name(), cpu_isa_name((cpu_isa)l)) == 0, "LSTM kernels of level %s in use",
               cpu_isa_name((cpu_isa)l));
        for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
            check(&vs[i], &ds);
    }
    return tap_done();
}
