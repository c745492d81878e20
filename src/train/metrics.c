/* metrics.c: MMSA's MetricsTop for MOSI/MOSEI and SIMS regression outputs
 * (SPEC section 6). Sums are in double; class thresholds are compared in
 * float, as numpy compares a float32 array with a Python scalar. */
#include <config.h>
#include "train/metrics.h"

#include <math.h>
#include <stddef.h>

double metrics_mae(const float *x, const float *y, int n)
{
    if (n <= 0)
        return NAN;
    double s = 0;
    for (int i = 0; i < n; i++)
        s += fabs((double)x[i] - (double)y[i]);
    return s / n;
}

static float clipf(float x, float lo, float hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* Pearson of x and y each clipped to [-b, b] (b = INFINITY: unclipped):
 *   r = sum (x - mx)(y - my) / sqrt(sum (x - mx)^2 * sum (y - my)^2),
 * NaN when a side is constant (tested exactly, not through a rounded
 * variance) or n < 2. */
static double pearson_clipped(const float *x, const float *y, int n, float b)
{
    if (n < 2)
        return NAN;
    bool xconst = true, yconst = true;
    double mx = 0, my = 0;
    float x0 = clipf(x[0], -b, b), y0 = clipf(y[0], -b, b);
    for (int i = 0; i < n; i++) {
        float xi = clipf(x[i], -b, b), yi = clipf(y[i], -b, b);
        xconst = xconst && xi == x0;
        yconst = yconst && yi == y0;
        mx += xi;
        my += yi;
    }
    if (xconst || yconst)
        return NAN;
    mx /= n;
    my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        double dx = clipf(x[i], -b, b) - mx, dy = clipf(y[i], -b, b) - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    double r = sxy / sqrt(sxx * syy);
    return r > 1 ? 1 : r < -1 ? -1 : r;
}

double metrics_pearson(const float *x, const float *y, int n)
{
    return pearson_clipped(x, y, n, INFINITY);
}

/* Binary confusion counts of the samples in use. */
typedef struct {
    int tp, fp, fn, tn;   /* class 1 = positive */
} confusion;

static void confusion_add(confusion *c, bool truth, bool pred)
{
    if (truth && pred)
        c->tp++;
    else if (!truth && pred)
        c->fp++;
    else if (truth && !pred)
        c->fn++;
    else
        c->tn++;
}

static double confusion_acc(const confusion *c)
{
    int n = c->tp + c->fp + c->fn + c->tn;
    return n ? (double)(c->tp + c->tn) / n : NAN;
}

/* F1 of one class: 2 tp / (2 tp + fp + fn), 0 when undefined (sklearn's
 * zero_division = 0). */
static double f1_of(int tp, int fp, int fn)
{
    int d = 2 * tp + fp + fn;
    return d ? 2.0 * tp / d : 0.0;
}

/* sklearn f1_score(average='weighted'): per-class F1 weighted by the class's
 * support in the truth; a class absent from the truth weighs 0. */
static double confusion_f1_weighted(const confusion *c)
{
    int pos = c->tp + c->fn, neg = c->tn + c->fp;
    if (pos + neg == 0)
        return NAN;
    double f_pos = f1_of(c->tp, c->fp, c->fn);
    double f_neg = f1_of(c->tn, c->fn, c->fp);
    return (pos * f_pos + neg * f_neg) / (pos + neg);
}

/* Mult_acc_k: clip to [-b, b], round half to even, equal (SPEC section 6). */
static double mult_acc(const float *p, const float *t, int n, float b)
{
    if (n <= 0)
        return NAN;
    int hit = 0;
    for (int i = 0; i < n; i++)
        hit += rintf(clipf(p[i], -b, b)) == rintf(clipf(t[i], -b, b));
    return (double)hit / n;
}

static void metrics_clear(metrics *m)
{
    m->mae = m->corr = NAN;
    m->has0_acc2 = m->has0_f1 = m->non0_acc2 = m->non0_f1 = NAN;
    m->acc5 = m->acc7 = NAN;
    m->acc2 = m->acc3 = m->f1 = NAN;
}

void metrics_mosi(metrics *m, const float *p, const float *t, int n)
{
    metrics_clear(m);
    m->sims = false;
    m->mae = metrics_mae(p, t, n);
    m->corr = metrics_pearson(p, t, n);
    confusion has0 = {0, 0, 0, 0}, non0 = {0, 0, 0, 0};
    for (int i = 0; i < n; i++) {
        confusion_add(&has0, t[i] >= 0, p[i] >= 0);       /* Has0: t >= 0 vs p >= 0 */
        if (t[i] != 0)
            confusion_add(&non0, t[i] > 0, p[i] > 0);     /* Non0: t != 0, t > 0 vs p > 0 */
    }
    m->has0_acc2 = confusion_acc(&has0);
    m->has0_f1 = confusion_f1_weighted(&has0);
    m->non0_acc2 = confusion_acc(&non0);
    m->non0_f1 = confusion_f1_weighted(&non0);
    m->acc7 = mult_acc(p, t, n, 3.0f);
    m->acc5 = mult_acc(p, t, n, 2.0f);
}

/* SIMS bins are left-open, right-closed; x is already clipped to [-1, 1], so
 * the outer edges (-1.01, 1.01) never matter. */
static int sims_bin(float x, const float *cuts, int ncuts)
{
    int b = 0;
    while (b < ncuts && x > cuts[b])
        b++;
    return b;
}

void metrics_sims(metrics *m, const float *p, const float *t, int n)
{
    static const float cut2[] = {0.0f};
    static const float cut3[] = {-0.1f, 0.1f};
    static const float cut5[] = {-0.7f, -0.1f, 0.1f, 0.7f};
    metrics_clear(m);
    m->sims = true;
    if (n <= 0)
        return;
    double ae = 0;
    int hit2 = 0, hit3 = 0, hit5 = 0;
    confusion c2 = {0, 0, 0, 0};
    for (int i = 0; i < n; i++) {
        float pc = clipf(p[i], -1.0f, 1.0f), tc = clipf(t[i], -1.0f, 1.0f);
        ae += fabs((double)pc - (double)tc);
        int tb2 = sims_bin(tc, cut2, 1), pb2 = sims_bin(pc, cut2, 1);
        hit2 += tb2 == pb2;
        hit3 += sims_bin(tc, cut3, 2) == sims_bin(pc, cut3, 2);
        hit5 += sims_bin(tc, cut5, 4) == sims_bin(pc, cut5, 4);
        confusion_add(&c2, tb2 == 1, pb2 == 1);
    }
    m->mae = ae / n;
    m->acc2 = (double)hit2 / n;
    m->acc3 = (double)hit3 / n;
    m->acc5 = (double)hit5 / n;
    m->f1 = confusion_f1_weighted(&c2);
    m->corr = pearson_clipped(p, t, n, 1.0f);   /* on the clipped values */
}
