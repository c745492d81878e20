/* test_metrics.c: MetricsTop (SPEC section 6): the SPEC test vectors, edge
 * cases, and, when $PYTHON3 has numpy and scipy, random vectors against a
 * numpy transcription of MMSA's code and scipy.stats.pearsonr. */
#include "config.h"
#include "train/metrics.h"
#include "../tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_spec_vectors(void)
{
    const float t[] = {2.5f, -0.5f, 0, 1.4f, -2.6f, 0, 3, -1, 0.6f, -3};
    const float p[] = {1.7f, 0.2f, -0.3f, 1.5f, -3.4f, 0.1f, 2.5f, -0.4f, -0.2f, -2.5f};
    metrics m;
    metrics_mosi(&m, p, t, 10);
    tap_ok(!m.sims, "MOSI set");
    tap_near(m.has0_acc2, 0.7, 1e-12, "Has0_acc_2 .7");
    tap_near(m.has0_f1, 0.703, 5e-4, "Has0_F1 .703");
    tap_near(m.non0_acc2, 0.75, 1e-12, "Non0_acc_2 .75");
    tap_near(m.non0_f1, 0.75, 5e-4, "Non0_F1 .75");
    tap_near(m.acc5, 0.7, 1e-12, "Mult_acc_5 .7");
    tap_near(m.acc7, 0.5, 1e-12, "Mult_acc_7 .5");
    tap_near(m.mae, 0.52, 5e-7, "MAE .52");
    tap_near(m.corr, 0.9525, 5e-5, "Corr .9525");
    tap_ok(isnan(m.acc3) && isnan(m.f1) && isnan(m.acc2), "SIMS-only fields are NaN");
    tap_near(metrics_mae(p, t, 10), 0.52, 5e-7, "metrics_mae");
    tap_near(metrics_pearson(p, t, 10), m.corr, 0, "metrics_pearson = Corr");

    const float ts[] = {0.8f, -0.2f, 0, 0.4f, -1, 0.6f, -0.6f, 0.2f};
    const float ps[] = {1.3f, 0.05f, -0.05f, 0.09f, -0.75f, 0.72f, -0.1f, -0.3f};
    metrics_sims(&m, ps, ts, 8);
    tap_ok(m.sims, "SIMS set");
    tap_near(m.acc2, 0.75, 1e-12, "SIMS Mult_acc_2 .75");
    tap_near(m.acc3, 0.625, 1e-12, "SIMS Mult_acc_3 .625");
    tap_near(m.acc5, 0.5, 1e-12, "SIMS Mult_acc_5 .5");
    tap_near(m.f1, 0.75, 5e-5, "SIMS F1 .75");
    tap_near(m.mae, 0.2725, 5e-7, "SIMS MAE .2725 (clipped)");
    tap_near(m.corr, 0.8452, 5e-5, "SIMS Corr .8452 (clipped)");
    tap_ok(isnan(m.has0_acc2) && isnan(m.non0_f1) && isnan(m.acc7), "MOSI-only fields are NaN");
}

static void test_edges(void)
{
    metrics m;
    const float t[] = {1, -1, 2, 0.5f, -2, 0};
    const float c[] = {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f};
    metrics_mosi(&m, c, t, 6);
    tap_ok(isnan(m.corr), "constant predictions: Corr NaN (MOSI)");
    tap_ok(isnan(metrics_pearson(t, c, 6)) && isnan(metrics_pearson(t, t, 1)), "pearson NaN: constant side, n < 2");
    metrics_sims(&m, c, t, 6);
    tap_ok(isnan(m.corr), "constant predictions: Corr NaN (SIMS)");
    const float big[] = {1.5f, 2, 3, 1.01f, 9, 1.2f};
    metrics_sims(&m, big, t, 6);
    tap_ok(isnan(m.corr), "SIMS: predictions constant after clipping to 1: Corr NaN");
    float neg[6];
    for (int i = 0; i < 6; i++)
        neg[i] = -t[i];
    tap_near(metrics_pearson(neg, t, 6), -1, 1e-12, "perfect anti-correlation -1");

    /* weighted F1: a class absent from the truth weighs 0 */
    const float tp[] = {1, 2, 0.5f, 3};
    const float pp[] = {1, -1, 2, -0.5f};
    metrics_mosi(&m, pp, tp, 4);
    /* positive class: tp 2, fn 2, fp 0 -> F1 = 4/6; negative class support 0 */
    tap_near(m.has0_f1, 4.0 / 6.0, 1e-12, "weighted F1 ignores a class absent from the truth");
    tap_near(m.has0_acc2, 0.5, 1e-12, "its accuracy .5");
    /* zero division: nothing predicted positive, every truth positive */
    const float pz[] = {-1, -2, -0.5f, -3};
    metrics_mosi(&m, pz, tp, 4);
    tap_near(m.has0_f1, 0, 0, "F1 0 when the positive class is never predicted");
    /* Non0 drops t == 0 */
    const float t0[] = {0, 0, 1, -1};
    const float p0[] = {-5, -5, 1, -1};
    metrics_mosi(&m, p0, t0, 4);
    tap_near(m.non0_acc2, 1, 0, "Non0 ignores samples with t = 0");
    tap_near(m.has0_acc2, 0.5, 0, "Has0 counts t = 0 as positive, p = -5 as negative");
    const float zt[] = {0, 0};
    const float zp[] = {1, -1};
    metrics_mosi(&m, zp, zt, 2);
    tap_ok(isnan(m.non0_acc2) && isnan(m.non0_f1), "Non0 of no nonzero truth is NaN");
    /* p = 0 is positive for Has0, negative for Non0 */
    const float t1[] = {1, 1};
    const float p1[] = {0, 0};
    metrics_mosi(&m, p1, t1, 2);
    tap_ok(m.has0_acc2 == 1 && m.non0_acc2 == 0, "p = 0: positive for Has0 (>= 0), not for Non0 (> 0)");

    /* rounding half to even, clipping */
    const float rt[] = {0, 2, 2, -2, 3, -3, 0};
    const float rp[] = {0.5f, 1.5f, 2.5f, -2.5f, 7, -3.49f, -0.5f};
    metrics_mosi(&m, rp, rt, 7);
    tap_near(m.acc7, 1, 0, "Mult_acc_7: rint halves to even, clip to [-3, 3]");
    const float rt5[] = {2, -2, 1};
    const float rp5[] = {2.9f, -3, 1.5f};
    metrics_mosi(&m, rp5, rt5, 3);
    tap_near(m.acc5, 2.0 / 3.0, 1e-12, "Mult_acc_5 clips to [-2, 2]; 1.5 rounds to 2 != 1");

    /* SIMS bins are right-closed, compared in float */
    const float bt[] = {0.1f, -0.1f, 0.7f, 0, -0.7f};
    const float bp[] = {0.100001f, -0.099999f, 0.700001f, 0.000001f, -0.699999f};
    metrics_sims(&m, bp, bt, 5);
    tap_near(m.acc3, 3.0 / 5.0, 1e-12, "SIMS 3 bins: 0.1 -> (-0.1, 0.1], 0.100001 -> (0.1, 1]");
    tap_near(m.acc5, 1.0 / 5.0, 1e-12, "SIMS 5 bins: edge values stay in their right-closed bin");
    tap_near(m.acc2, 4.0 / 5.0, 1e-12, "SIMS 2 bins: 0 -> (-1.01, 0], 0.000001 -> (0, 1.01]");
    metrics_mosi(&m, bp, bt, 0);
    tap_ok(isnan(m.mae) && isnan(m.corr) && isnan(m.has0_acc2), "n = 0: NaN, no crash");
    metrics_sims(&m, bp, bt, 0);
    tap_ok(isnan(m.mae) && isnan(m.acc2), "SIMS n = 0: NaN, no crash");
}

/* numpy transcription of MMSA's MetricsTop (__eval_mosei_regression and
 * __eval_sims_regression) with sklearn's weighted F1 written out, plus
 * scipy.stats.pearsonr; exits 77 without numpy or scipy. */
static const char *reference_py =
    "import sys\n"
    "try:\n"
    "    import numpy as np\n"
    "    from scipy.stats import pearsonr\n"
    "except Exception:\n"
    "    sys.exit(77)\n"
    "d = np.loadtxt(sys.argv[1], dtype=np.float32)\n"
    "p, t = d[:, 0].copy(), d[:, 1].copy()\n"
    "def f1w(y, q):\n"
    "    s = 0.0\n"
    "    for c in (False, True):\n"
    "        tp = np.sum((y == c) & (q == c)); fp = np.sum((y != c) & (q == c)); fn = np.sum((y == c) & (q != c))\n"
    "        den = 2 * tp + fp + fn\n"
    "        s += np.sum(y == c) * (2 * tp / den if den else 0.0)\n"
    "    return s / len(y)\n"
    "def acc(a, b): return np.sum(np.round(a) == np.round(b)) / float(len(b))\n"
    "out = {}\n"
    "out['mae'] = np.mean(np.absolute(p.astype(np.float64) - t.astype(np.float64)))\n"
    "out['corr'] = np.corrcoef(p, t)[0][1]\n"
    "out['scipy'] = pearsonr(p.astype(np.float64), t.astype(np.float64))[0]\n"
    "out['acc7'] = acc(np.clip(p, -3., 3.), np.clip(t, -3., 3.))\n"
    "out['acc5'] = acc(np.clip(p, -2., 2.), np.clip(t, -2., 2.))\n"
    "nz = np.array([i for i, e in enumerate(t) if e != 0])\n"
    "out['non0_acc2'] = np.mean((p[nz] > 0) == (t[nz] > 0))\n"
    "out['non0_f1'] = f1w(t[nz] > 0, p[nz] > 0)\n"
    "out['has0_acc2'] = np.mean((p >= 0) == (t >= 0))\n"
    "out['has0_f1'] = f1w(t >= 0, p >= 0)\n"
    "ps, ts = np.clip(p, -1., 1.), np.clip(t, -1., 1.)\n"
    "def bins(x, ms):\n"
    "    y = x.copy()\n"
    "    for i in range(len(ms) - 1):\n"
    "        y[np.logical_and(x > ms[i], x <= ms[i + 1])] = i\n"
    "    return y\n"
    "m2, m3, m5 = [-1.01, 0.0, 1.01], [-1.01, -0.1, 0.1, 1.01], [-1.01, -0.7, -0.1, 0.1, 0.7, 1.01]\n"
    "out['s_acc2'] = np.mean(bins(ps, m2) == bins(ts, m2))\n"
    "out['s_acc3'] = np.mean(bins(ps, m3) == bins(ts, m3))\n"
    "out['s_acc5'] = np.mean(bins(ps, m5) == bins(ts, m5))\n"
    "out['s_f1'] = f1w(bins(ts, m2) == 1, bins(ps, m2) == 1)\n"
    "out['s_mae'] = np.mean(np.absolute(ps.astype(np.float64) - ts.astype(np.float64)))\n"
    "out['s_corr'] = np.corrcoef(ps, ts)[0][1]\n"
    "for k, v in out.items(): print(k, repr(float(v)))\n";

static double lookup(const char *names, const double *vals, int n, const char *key)
{
    const char *p = names;
    for (int i = 0; i < n; i++, p += strlen(p) + 1)
        if (strcmp(p, key) == 0)
            return vals[i];
    return NAN;
}

static void test_against_python(void)
{
    const char *py = getenv("PYTHON3");
    if (!py || !*py) {
        tap_ok(1, "# SKIP $PYTHON3 not set: no numpy/scipy comparison");
        return;
    }
    const char *b = getenv("top_builddir");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/unit/test_metrics.XXXXXX", b && *b ? b : ".");
    if (!mkdtemp(dir)) {
        tap_ok(1, "# SKIP cannot create a temporary directory");
        return;
    }
    char script[1100], data[1100], cmd[3400];
    snprintf(script, sizeof script, "%s/ref.py", dir);
    snprintf(data, sizeof data, "%s/pt.txt", dir);
    FILE *f = fopen(script, "w");
    fputs(reference_py, f);
    fclose(f);

    srand(12345);
    for (int round = 0; round < 4; round++) {
        enum { N = 301 };
        float p[N], t[N];
        float scale = round < 2 ? 3.6f : 1.3f;   /* MOSI range, then SIMS range */
        for (int i = 0; i < N; i++) {
            t[i] = scale * (2.0f * (float)rand() / (float)RAND_MAX - 1.0f);
            if (round % 2 == 0)
                t[i] = rintf(t[i] * 5) / 5;       /* labels on a 0.2 grid: exact 0s and ties */
            if (rand() % 10 == 0)
                t[i] = 0;
            p[i] = 0.6f * t[i] + 0.8f * scale * ((float)rand() / (float)RAND_MAX - 0.5f);
            if (rand() % 15 == 0)
                p[i] = rintf(p[i] * 2) / 2;       /* exact halves for rounding */
        }
        f = fopen(data, "w");
        for (int i = 0; i < N; i++)
            fprintf(f, "%.9g %.9g\n", p[i], t[i]);
        fclose(f);
        snprintf(cmd, sizeof cmd, "'%s' '%s' '%s'", py, script, data);
        FILE *pipe = popen(cmd, "r");
        char names[512];
        double vals[32];
        int n = 0;
        size_t used = 0;
        char name[64];
        double v;
        while (pipe && n < 32 && fscanf(pipe, "%63s %lf", name, &v) == 2) {
            snprintf(names + used, sizeof names - used, "%s", name);
            used += strlen(name) + 1;
            vals[n++] = v;
        }
        int rc = pipe ? pclose(pipe) : -1;
        if (rc != 0 || n < 15) {
            tap_ok(1, "# SKIP %s cannot run the numpy/scipy reference (status %d)", py, rc);
            break;
        }
        metrics m, s;
        metrics_mosi(&m, p, t, N);
        metrics_sims(&s, p, t, N);
        tap_near(metrics_pearson(p, t, N), lookup(names, vals, n, "scipy"), 1e-9,
                 "round %d: pearson = scipy.stats.pearsonr", round);
        tap_near(m.corr, lookup(names, vals, n, "corr"), 1e-6, "round %d: Corr = np.corrcoef", round);
        tap_near(m.mae, lookup(names, vals, n, "mae"), 1e-9, "round %d: MAE", round);
        tap_near(m.acc7, lookup(names, vals, n, "acc7"), 1e-12, "round %d: Mult_acc_7", round);
        tap_near(m.acc5, lookup(names, vals, n, "acc5"), 1e-12, "round %d: Mult_acc_5", round);
        tap_near(m.has0_acc2, lookup(names, vals, n, "has0_acc2"), 1e-12, "round %d: Has0_acc_2", round);
        tap_near(m.has0_f1, lookup(names, vals, n, "has0_f1"), 1e-12, "round %d: Has0_F1", round);
        tap_near(m.non0_acc2, lookup(names, vals, n, "non0_acc2"), 1e-12, "round %d: Non0_acc_2", round);
        tap_near(m.non0_f1, lookup(names, vals, n, "non0_f1"), 1e-12, "round %d: Non0_F1", round);
        tap_near(s.acc2, lookup(names, vals, n, "s_acc2"), 1e-12, "round %d: SIMS Mult_acc_2", round);
        tap_near(s.acc3, lookup(names, vals, n, "s_acc3"), 1e-12, "round %d: SIMS Mult_acc_3", round);
        tap_near(s.acc5, lookup(names, vals, n, "s_acc5"), 1e-12, "round %d: SIMS Mult_acc_5", round);
        tap_near(s.f1, lookup(names, vals, n, "s_f1"), 1e-12, "round %d: SIMS F1", round);
        tap_near(s.mae, lookup(names, vals, n, "s_mae"), 1e-9, "round %d: SIMS MAE", round);
        tap_near(s.corr, lookup(names, vals, n, "s_corr"), 1e-6, "round %d: SIMS Corr", round);
    }
    unlink(script);
    unlink(data);
    rmdir(dir);
}

int main(void)
{
    test_spec_vectors();
    test_edges();
    test_against_python();
    return tap_done();
}
