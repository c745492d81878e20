/* test_stats.c: the report's statistics against textbook values, a brute
 * force enumeration of sign patterns, and (when Debian's python3-scipy is
 * installed) scipy.stats. */
#include "config.h"
#include "exp/stats.h"
#include "base/rng.h"
#include "../tap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exact two-sided p of the signed-rank test by listing every sign pattern
 * of the average ranks (an implementation independent of the DP). */
static double brute_wilcoxon(const double *d, int n)
{
    double a[32], r[32], obs = 0;
    int m = 0;
    for (int i = 0; i < n; i++)
        if (d[i] != 0)
            a[m++] = d[i];
    for (int i = 0; i < m; i++) {
        int less = 0, eq = 0;
        for (int j = 0; j < m; j++) {
            if (fabs(a[j]) < fabs(a[i]))
                less++;
            else if (fabs(a[j]) == fabs(a[i]))
                eq++;
        }
        r[i] = less + (eq + 1) / 2.0;
        if (a[i] > 0)
            obs += r[i];
    }
    double lo = 0, hi = 0, total = ldexp(1.0, m);
    for (uint32_t s = 0; s < (1u << m); s++) {
        double w = 0;
        for (int i = 0; i < m; i++)
            if (s & (1u << i))
                w += r[i];
        if (w <= obs + 1e-9)
            lo += 1;
        if (w >= obs - 1e-9)
            hi += 1;
    }
    double p = 2 * fmin(lo, hi) / total;
    return p > 1 ? 1 : p;
}

static bool have_scipy(const char **py)
{
    *py = getenv("PYTHON3");
    if (!*py || !**py)
        return false;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' -c 'import scipy.stats' >/dev/null 2>&1", *py);
    return system(cmd) == 0;
}

/* Runs a python snippet and reads the numbers it prints. */
static int python_numbers(const char *py, const char *code, double *out, int max)
{
    char path[] = "/tmp/selfmi-stats-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    fputs(code, f);
    fclose(f);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' '%s'", py, path);
    FILE *p = popen(cmd, "r");
    int n = 0;
    if (p) {
        while (n < max && fscanf(p, "%lf", &out[n]) == 1)
            n++;
        pclose(p);
    }
    remove(path);
    return n;
}

static void fmt_list(char *buf, size_t n, const double *x, int k)
{
    size_t w = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < k && w < n; i++)
        w += (size_t)snprintf(buf + w, n - w, "%s%.17g", i ? "," : "", x[i]);
    if (w < n)
        snprintf(buf + w, n - w, "]");
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

int main(void)
{
    sm_err err;
    /* ---- mean, sample sd ---- */
    double x[] = {2, 4, 4, 4, 5, 5, 7, 9};
    tap_near(stats_mean(x, 8), 5, 1e-15, "mean");
    tap_near(stats_sd(x, 8), sqrt(32.0 / 7), 1e-14, "sample sd divides by n - 1");
    tap_ok(isnan(stats_sd(x, 1)) && isnan(stats_mean(x, 0)), "sd of one value and mean of none are NaN");

    /* ---- lgamma, incomplete beta, t distribution ---- */
    tap_near(stats_lgamma(5), log(24.0), 1e-13, "lgamma(5) = ln 24");
    tap_near(stats_lgamma(0.5), 0.5 * log(M_PI), 1e-13, "lgamma(1/2) = ln sqrt(pi)");
    tap_near(stats_lgamma(0.1), 2.2527126517342059, 1e-12, "lgamma(0.1)");
    tap_near(stats_betai(2, 3, 0.5), 11.0 / 16, 1e-14, "I_0.5(2,3) = 11/16");
    tap_near(stats_betai(1, 1, 0.3), 0.3, 1e-14, "I_x(1,1) = x");
    tap_near(stats_betai(0.5, 0.5, 0.25), 2 / M_PI * asin(0.5), 1e-13, "I_x(1/2,1/2) = 2/pi asin(sqrt x)");
    tap_near(stats_betai(50, 40, 0.6) + stats_betai(40, 50, 0.4), 1, 1e-13, "I_x(a,b) + I_{1-x}(b,a) = 1");
    tap_ok(isnan(stats_betai(1, 1, 1.5)) && isnan(stats_betai(-1, 1, 0.5)), "outside the domain: NaN");
    tap_near(stats_t_cdf(2, 5), 0.9490302605850709, 1e-13, "t cdf(2; 5)");
    tap_near(stats_t_cdf(-1.3, 2.5), 0.15024339463535397, 1e-12, "t cdf(-1.3; 2.5)");
    tap_near(stats_t_cdf(1.0, 1), 0.75, 1e-14, "Cauchy: cdf(1; 1) = 3/4");
    tap_near(stats_t_cdf(0, 7), 0.5, 1e-15, "cdf(0) = 1/2");
    tap_near(stats_t_sf2(2.0, 2), 1 - 2 / sqrt(6.0), 1e-14, "df 2 closed form: 1 - t/sqrt(2 + t^2)");
    tap_near(stats_t_cdf(1.959963984540054, 1e7), 0.975, 1e-6, "large df tends to the normal");

    /* ---- paired t-test: Student's (Cushny and Peebles) sleep data ---- */
    double sleep[] = {1.2, 2.4, 1.3, 1.3, 0, 1.0, 1.8, 0.8, 4.6, 1.4};
    stats_ttest tt;
    stats_ttest_paired(sleep, 10, &tt);
    tap_near(tt.mean, 1.58, 1e-12, "sleep: mean difference 1.58");
    tap_near(tt.t, 4.062127683382037, 1e-10, "sleep: t = 4.0621");
    tap_near(tt.p, 0.00283289019738427, 1e-12, "sleep: p = 0.002833");
    tap_ok(tt.df == 9, "sleep: df 9");
    double same[] = {0.5, 0.5, 0.5};
    stats_ttest_paired(same, 3, &tt);
    tap_ok(isinf(tt.t) && tt.p == 0, "constant non-zero differences: t infinite, p 0");
    double zeros[] = {0, 0, 0};
    stats_ttest_paired(zeros, 3, &tt);
    tap_ok(isnan(tt.p), "all-zero differences: p NaN");
    stats_ttest_paired(sleep, 1, &tt);
    tap_ok(isnan(tt.p), "one pair: no p-value");

    /* ---- Wilcoxon signed-rank, exact ---- */
    stats_wilcoxon w;
    double five[] = {0.1, 0.2, 0.3, 0.4, 0.5};
    tap_ok(stats_wilcoxon_exact(five, 5, &w, &err) == SM_OK, "wilcoxon runs");
    tap_near(w.p, 0.0625, 1e-15, "5 pairs all one way: p = 2/32 = 0.0625, the floor");
    tap_near(w.p_min, 0.0625, 1e-15, "p floor of 5 pairs");
    tap_ok(w.stat == 0 && w.w_plus == 15, "W- = 0, W+ = 15");
    double d5[] = {-1, 2, 3, 4, 5};
    stats_wilcoxon_exact(d5, 5, &w, &err);
    tap_near(w.p, 0.125, 1e-15, "one smallest negative of 5: p = 4/32");
    double d7[] = {0.5, -1.2, 2.3, 3.1, -0.4, 1.7, 2.2};
    stats_wilcoxon_exact(d7, 7, &w, &err);
    tap_ok(w.stat == 4, "statistic min(W+, W-) = 4");
    tap_near(w.p, 0.109375, 1e-15, "7 pairs: p = 0.109375 (scipy exact)");
    double d12[] = {0.5, -1.2, 2.3, 3.1, -0.4, 1.7, 2.2, 0.9, 1.1, -0.2, 1.4, 2.6};
    stats_wilcoxon_exact(d12, 12, &w, &err);
    tap_near(w.p, 0.01611328125, 1e-15, "12 pairs: p = 0.0161 (scipy exact)");
    double dz[] = {0, 0.3, -0.1, 0, 0.7, 0.2};
    stats_wilcoxon_exact(dz, 6, &w, &err);
    tap_ok(w.n == 4 && w.nzero == 2, "zero differences dropped (4 of 6 kept)");
    tap_near(w.p, brute_wilcoxon(dz, 6), 1e-15, "zeros dropped: p matches enumeration");
    double dt[] = {0.2, -0.2, 0.2, 0.5, 0.5, -0.1, 0.3, 0.2};
    stats_wilcoxon_exact(dt, 8, &w, &err);
    tap_ok(w.ties, "ties detected");
    tap_near(w.w_plus + w.w_minus, 36, 1e-12, "average ranks sum to n(n+1)/2");
    tap_near(w.p, brute_wilcoxon(dt, 8), 1e-14, "ties: exact p on average ranks matches enumeration");
    /* random samples with and without ties against the enumeration */
    rng r;
    rng_seed(&r, 7);
    int bad = 0;
    for (int trial = 0; trial < 200; trial++) {
        int n = 1 + (int)rng_below(&r, 14);
        double d[16];
        for (int i = 0; i < n; i++)
            d[i] = (double)((int)rng_below(&r, 9) - 4) * (trial % 2 ? 0.25 : 1 + rng_uniform(&r));
        stats_wilcoxon_exact(d, n, &w, &err);
        double want = brute_wilcoxon(d, n);
        if (!((isnan(w.p) && w.n == 0) || fabs(w.p - want) < 1e-13))
            bad++;
    }
    tap_ok(bad == 0, "200 random samples (half with ties): DP equals enumeration (%d differ)", bad);
    double big[40];
    for (int i = 0; i < 40; i++)
        big[i] = (i % 3 ? 1.0 : -1.0) * (i + 1);
    tap_ok(stats_wilcoxon_exact(big, 40, &w, &err) == SM_OK && w.p > 0 && w.p <= 1, "n = 40 by DP: p = %.6g",
           w.p);
    stats_wilcoxon_exact(zeros, 3, &w, &err);
    tap_ok(isnan(w.p) && w.n == 0, "all zeros: no p-value");

    /* ---- bootstrap ---- */
    double lo, hi, lo2, hi2;
    tap_ok(stats_bootstrap_ci(sleep, 10, 10000, 0.95, 42, &lo, &hi, &err) == SM_OK, "bootstrap runs");
    tap_ok(lo < 1.58 && 1.58 < hi && lo > 0.7 && hi < 2.6, "bootstrap 95%% CI around the mean: [%.3f, %.3f]", lo,
           hi);
    stats_bootstrap_ci(sleep, 10, 10000, 0.95, 42, &lo2, &hi2, &err);
    tap_ok(lo == lo2 && hi == hi2, "same seed, same interval");
    stats_bootstrap_ci(same, 3, 1000, 0.95, 1, &lo, &hi, &err);
    tap_ok(lo == 0.5 && hi == 0.5, "constant differences: degenerate interval");
    /* the interval by selection is the one by sorting every resampled mean,
     * to the bit; several columns at once are each column alone */
    {
        enum { NB = 2001 };
        static double means[NB];
        rng g;
        rng_seed(&g, 42);
        for (int b = 0; b < NB; b++) {
            double sum = 0;
            for (int i = 0; i < 10; i++)
                sum += sleep[rng_below(&g, 10)];
            means[b] = sum / 10;
        }
        qsort(means, NB, sizeof means[0], cmp_double);
        double want_lo = stats_quantile_sorted(means, NB, 0.025), want_hi = stats_quantile_sorted(means, NB, 0.975);
        stats_bootstrap_ci(sleep, 10, NB, 0.95, 42, &lo, &hi, &err);
        tap_ok(lo == want_lo && hi == want_hi, "selection gives the sorted quantiles exactly: [%.17g, %.17g]", lo, hi);
        double cols[3 * 10], clo[3], chi[3];
        for (int i = 0; i < 10; i++) {
            cols[i] = sleep[i];
            cols[10 + i] = -2 * sleep[i] + 0.1 * i;
            cols[20 + i] = i % 3;
        }
        bool same_cols = stats_bootstrap_ci_cols(cols, 3, 10, NB, 0.95, 42, clo, chi, &err) == SM_OK;
        for (int c = 0; c < 3; c++) {
            stats_bootstrap_ci(cols + 10 * c, 10, NB, 0.95, 42, &lo, &hi, &err);
            same_cols &= lo == clo[c] && hi == chi[c];
        }
        tap_ok(same_cols, "three columns at once: each as alone");
    }
    double q[] = {1, 2, 3, 4};
    tap_near(stats_quantile_sorted(q, 4, 0.5), 2.5, 1e-15, "median by interpolation");
    tap_near(stats_quantile_sorted(q, 4, 0.025), 1.075, 1e-14, "quantile 0.025 as numpy");

    /* ---- against scipy ---- */
    const char *py;
    if (!have_scipy(&py)) {
        tap_diag("python3-scipy not found ($PYTHON3 = %s): scipy comparisons skipped", py ? py : "(unset)");
        return tap_done();
    }
    rng_seed(&r, 2024);
    for (int trial = 0; trial < 6; trial++) {
        int n = 3 + trial * 3;
        double a[32], b[32], d[32];
        for (int i = 0; i < n; i++) {
            a[i] = rng_normal(&r) + 0.3;
            b[i] = rng_normal(&r);
            d[i] = a[i] - b[i];
        }
        char la[1024], lb[1024], code[4096];
        fmt_list(la, sizeof la, a, n);
        fmt_list(lb, sizeof lb, b, n);
        snprintf(code, sizeof code,
                 "import scipy.stats as s\n"
                 "a=%s\nb=%s\n"
                 "t=s.ttest_rel(a,b)\n"
                 "try:\n  w=s.wilcoxon(a,b,method='exact')\n"
                 "except TypeError:\n  w=s.wilcoxon(a,b,mode='exact')\n"
                 "print(t.statistic, t.pvalue, w.statistic, w.pvalue, s.t.cdf(%d*0.37-1.5, %d))\n",
                 la, lb, trial, n - 1);
        double v[5];
        if (python_numbers(py, code, v, 5) != 5) {
            tap_ok(0, "scipy trial %d ran", trial);
            continue;
        }
        stats_ttest_paired(d, n, &tt);
        stats_wilcoxon_exact(d, n, &w, &err);
        tap_near(tt.t, v[0], 1e-10 * fabs(v[0]) + 1e-12, "n=%d: t statistic as scipy.stats.ttest_rel", n);
        tap_near(tt.p, v[1], 1e-10 * v[1] + 1e-14, "n=%d: t-test p as scipy (%.6g)", n, v[1]);
        tap_near(w.stat, v[2], 1e-9, "n=%d: Wilcoxon statistic as scipy", n);
        tap_near(w.p, v[3], 1e-12, "n=%d: Wilcoxon exact p as scipy (%.6g)", n, v[3]);
        tap_near(stats_t_cdf(trial * 0.37 - 1.5, n - 1), v[4], 1e-12, "t cdf(%.2f; %d) as scipy.stats.t",
                 trial * 0.37 - 1.5, n - 1);
    }
    return tap_done();
}
