/* stats.c: means, sample deviations, the t distribution through the
 * regularized incomplete beta function, the paired t-test, the exact
 * Wilcoxon signed-rank test and the bootstrap interval of a mean. */
#include "config.h"
#include "exp/stats.h"
#include "base/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double stats_mean(const double *x, int n)
{
    if (n <= 0)
        return NAN;
    double s = 0;
    for (int i = 0; i < n; i++)
        s += x[i];
    return s / n;
}

/* s = sqrt( sum (x_i - mean)^2 / (n - 1) ), two passes */
double stats_sd(const double *x, int n)
{
    if (n < 2)
        return NAN;
    double m = stats_mean(x, n), s = 0;
    for (int i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return sqrt(s / (n - 1));
}

/* Lanczos approximation, g = 7, 9 terms (relative error about 1e-15);
 * the reflection formula is not needed for x > 0. */
double stats_lgamma(double x)
{
    static const double c[9] = {0.99999999999980993, 676.5203681218851, -1259.1392167224028,
                                771.32342877765313, -176.61502916214059, 12.507343278686905,
                                -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
    if (!(x > 0))
        return NAN;
    if (x < 0.5) /* Gamma(x) = Gamma(x + 1) / x keeps the series in its best range */
        return stats_lgamma(x + 1) - log(x);
    x -= 1;
    double a = c[0], t = x + 7.5;
    for (int i = 1; i < 9; i++)
        a += c[i] / (x + i);
    return 0.5 * log(2 * M_PI) + (x + 0.5) * log(t) - t + log(a);
}

/* Continued fraction of I_x(a, b) by the modified Lentz method
 * (Numerical Recipes 6.4, betacf). */
static double betacf(double a, double b, double x)
{
    const int maxit = 10000;
    const double eps = 1e-16, fpmin = 1e-300;
    double qab = a + b, qap = a + 1, qam = a - 1;
    double c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < fpmin)
        d = fpmin;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= maxit; m++) {
        int m2 = 2 * m;
        /* even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)) */
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        if (fabs(d) < fpmin)
            d = fpmin;
        c = 1 + aa / c;
        if (fabs(c) < fpmin)
            c = fpmin;
        d = 1 / d;
        h *= d * c;
        /* odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) */
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        if (fabs(d) < fpmin)
            d = fpmin;
        c = 1 + aa / c;
        if (fabs(c) < fpmin)
            c = fpmin;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < eps)
            break;
    }
    return h;
}

/* I_x(a, b) = x^a (1 - x)^b / (a B(a, b)) * cf(a, b, x), using the symmetry
 * I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges faster. */
double stats_betai(double a, double b, double x)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
        return NAN;
    if (x == 0 || x == 1)
        return x;
    double lbt = stats_lgamma(a + b) - stats_lgamma(a) - stats_lgamma(b) + a * log(x) + b * log1p(-x);
    double bt = exp(lbt);
    if (x < (a + 1) / (a + b + 2))
        return bt * betacf(a, b, x) / a;
    return 1 - bt * betacf(b, a, 1 - x) / b;
}

/* P(|T| >= |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2) */
double stats_t_sf2(double t, double df)
{
    if (isnan(t) || !(df > 0))
        return NAN;
    if (isinf(t))
        return 0;
    return stats_betai(df / 2, 0.5, df / (df + t * t));
}

double stats_t_cdf(double t, double df)
{
    double tail = stats_t_sf2(t, df);
    if (isnan(tail))
        return NAN;
    return t >= 0 ? 1 - tail / 2 : tail / 2;
}

/* t = mean(d) / (sd(d) / sqrt(n)), df = n - 1 */
void stats_ttest_paired(const double *d, int n, stats_ttest *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    out->mean = stats_mean(d, n);
    out->sd = stats_sd(d, n);
    out->df = n - 1;
    out->t = NAN;
    out->p = NAN;
    if (n < 2)
        return;
    if (out->sd == 0) {
        if (out->mean != 0) {
            out->t = out->mean > 0 ? INFINITY : -INFINITY;
            out->p = 0;
        }
        return;
    }
    out->t = out->mean / (out->sd / sqrt((double)n));
    out->p = stats_t_sf2(out->t, out->df);
}

typedef struct {
    double a;
    int i;
} absval;

static int absval_cmp(const void *x, const void *y)
{
    const absval *p = x, *q = y;
    return p->a < q->a ? -1 : p->a > q->a ? 1 : p->i - q->i;
}

sm_status stats_wilcoxon_exact(const double *d, int n, stats_wilcoxon *out, sm_err *err)
{
    memset(out, 0, sizeof *out);
    out->p = NAN;
    out->stat = NAN;
    absval *v = sm_alloc((size_t)(n > 0 ? n : 1), sizeof *v, err);
    int *r2 = sm_alloc((size_t)(n > 0 ? n : 1), sizeof *r2, err);   /* doubled ranks */
    if (!v || !r2) {
        free(v);
        free(r2);
        return SM_ENOMEM;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (d[i] == 0) {
            out->nzero++;
            continue;
        }
        v[m].a = fabs(d[i]);
        v[m].i = i;
        m++;
    }
    out->n = m;
    out->p_min = m > 0 ? ldexp(1.0, 1 - m) : NAN;
    if (out->p_min > 1)
        out->p_min = 1;
    if (m == 0) {
        free(v);
        free(r2);
        return SM_OK;
    }
    qsort(v, (size_t)m, sizeof *v, absval_cmp);
    /* average ranks of tied |d|: positions k..j-1 (ranks k+1..j) share
     * (k + 1 + j) / 2, so the doubled rank k + 1 + j is an integer */
    long wp2 = 0, total2 = 0;
    for (int k = 0; k < m;) {
        int j = k + 1;
        while (j < m && v[j].a == v[k].a)
            j++;
        if (j - k > 1)
            out->ties = true;
        for (int q = k; q < j; q++) {
            r2[q] = k + 1 + j;
            total2 += r2[q];
            if (d[v[q].i] > 0)
                wp2 += r2[q];
        }
        k = j;
    }
    out->w_plus = wp2 / 2.0;
    out->w_minus = (total2 - wp2) / 2.0;
    out->stat = SM_MIN(out->w_plus, out->w_minus);
    /* null distribution of 2 W+: each rank enters with probability 1/2,
     * P_k(s) = (P_{k-1}(s) + P_{k-1}(s - r2_k)) / 2 */
    double *p = sm_alloc((size_t)total2 + 1, sizeof *p, err);
    if (!p) {
        free(v);
        free(r2);
        return SM_ENOMEM;
    }
    p[0] = 1;
    long reach = 0;
    for (int k = 0; k < m; k++) {
        reach += r2[k];
        for (long s = reach; s >= 0; s--) {
            double with = s >= r2[k] ? p[s - r2[k]] : 0;
            p[s] = 0.5 * (p[s] + with);
        }
    }
    double lo = 0, hi = 0;
    for (long s = 0; s <= total2; s++) {
        if (s <= wp2)
            lo += p[s];
        if (s >= wp2)
            hi += p[s];
    }
    double two = 2 * SM_MIN(lo, hi);
    out->p = two > 1 ? 1 : two;
    free(p);
    free(v);
    free(r2);
    return SM_OK;
}

/* position h = q (n - 1); x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]) */
double stats_quantile_sorted(const double *x, int n, double q)
{
    if (n <= 0)
        return NAN;
    double h = q * (n - 1);
    int k = (int)floor(h);
    if (k >= n - 1)
        return x[n - 1];
    if (k < 0)
        return x[0];
    return x[k] + (h - k) * (x[k + 1] - x[k]);
}

/* the k-th smallest of x (n), by quickselect (Hoare partitions around a
 * median of three); x is reordered */
static double select_kth(double *x, int n, int k)
{
    int lo = 0, hi = n - 1;
    while (hi > lo) {
        int mid = lo + (hi - lo) / 2;
        double a = x[lo], b = x[mid], c = x[hi];
        double p = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        int i = lo, j = hi;
        while (i <= j) {
            while (x[i] < p)
                i++;
            while (x[j] > p)
                j--;
            if (i <= j) {
                double t = x[i];
                x[i++] = x[j];
                x[j--] = t;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return x[k]; /* between the parts: equal to the pivot */
    }
    return x[k];
}

/* stats_quantile_sorted's value without sorting: the order statistics at
 * floor h and floor h + 1 by selection (x is reordered) */
static double quantile_select(double *x, int n, double q)
{
    double h = q * (n - 1);
    int k = (int)floor(h);
    if (k >= n - 1)
        return select_kth(x, n, n - 1);
    if (k < 0)
        return select_kth(x, n, 0);
    double a = select_kth(x, n, k), b = x[k + 1];
    for (int i = k + 2; i < n; i++)
        b = x[i] < b ? x[i] : b;
    return a + (h - k) * (b - a);
}

sm_status stats_bootstrap_ci_cols(const double *d, int k, int n, int nboot, double level, uint64_t seed,
                                  double *lo, double *hi, sm_err *err)
{
    for (int c = 0; c < k; c++)
        lo[c] = hi[c] = NAN;
    if (n <= 0 || nboot <= 0 || k <= 0)
        return SM_OK;
    double *means = sm_alloc((size_t)k * (size_t)nboot, sizeof *means, err); /* (k, nboot) */
    int *idx = sm_alloc((size_t)n, sizeof *idx, err);                        /* (n) one resample */
    if (!means || !idx) {
        free(means);
        free(idx);
        return SM_ENOMEM;
    }
    rng r;
    rng_seed(&r, seed);
    for (int b = 0; b < nboot; b++) {
        for (int i = 0; i < n; i++)
            idx[i] = (int)rng_below(&r, (uint64_t)n);
        for (int c = 0; c < k; c++) {
            const double *dc = d + (size_t)c * (size_t)n;
            double s = 0;
            for (int i = 0; i < n; i++)
                s += dc[idx[i]];
            means[(size_t)c * (size_t)nboot + (size_t)b] = s / n;
        }
    }
    for (int c = 0; c < k; c++) {
        double *mc = means + (size_t)c * (size_t)nboot;
        lo[c] = quantile_select(mc, nboot, (1 - level) / 2);
        hi[c] = quantile_select(mc, nboot, (1 + level) / 2);
    }
    free(means);
    free(idx);
    return SM_OK;
}

sm_status stats_bootstrap_ci(const double *d, int n, int nboot, double level, uint64_t seed, double *lo,
                             double *hi, sm_err *err)
{
    return stats_bootstrap_ci_cols(d, 1, n, nboot, level, seed, lo, hi, err);
}
