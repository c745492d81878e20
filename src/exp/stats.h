/* stats.h: the statistics behind a report: mean and sample standard
 * deviation over seeds, and for a row against a reference row over the
 * seeds both share, the paired t-test, the exact Wilcoxon signed-rank test
 * and a bootstrap confidence interval of the mean difference. Pure
 * functions over arrays; no state. */
#ifndef SELFMI_STATS_H
#define SELFMI_STATS_H

#include "base/base.h"
#include <stdint.h>

/* Mean of x (n); NaN when n = 0. */
double stats_mean(const double *x, int n);
/* Sample standard deviation (divisor n - 1); NaN when n < 2. */
double stats_sd(const double *x, int n);

/* ln Gamma(x), x > 0 (Lanczos; no global state, unlike lgamma's signgam). */
double stats_lgamma(double x);
/* Regularized incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1
 * (continued fraction, Numerical Recipes' betacf). NaN outside the domain. */
double stats_betai(double a, double b, double x);
/* Student's t distribution with df > 0 degrees of freedom: P(T <= t). */
double stats_t_cdf(double t, double df);
/* Two-sided tail: P(|T| >= |t|). */
double stats_t_sf2(double t, double df);

typedef struct {
    int n;          /* pairs */
    double mean;    /* mean difference */
    double sd;      /* sample sd of the differences */
    double t;       /* t statistic (NaN when n < 2; +-inf when sd = 0 and mean != 0) */
    double df;
    double p;       /* two-sided p-value (NaN when n < 2 or every difference is 0) */
} stats_ttest;

/* Paired t-test on the differences d (n), as scipy.stats.ttest_rel. */
void stats_ttest_paired(const double *d, int n, stats_ttest *out);

typedef struct {
    int n;          /* non-zero differences used (zeros dropped: zero_method 'wilcox') */
    int nzero;      /* zero differences dropped */
    bool ties;      /* some |d| tied: average ranks */
    double w_plus, w_minus;   /* rank sums of the positive and negative differences */
    double stat;    /* min(w_plus, w_minus), as scipy reports */
    double p;       /* exact two-sided p-value, 2 min(P(W+ <= w), P(W+ >= w)) capped at 1;
                       NaN when n = 0 */
    double p_min;   /* the smallest two-sided p-value n pairs can give: 2 / 2^n */
} stats_wilcoxon;

/* Exact Wilcoxon signed-rank test of the differences d (n). The null
 * distribution of W+ is computed exactly over the 2^n sign patterns of the
 * (average) ranks, by dynamic programming over doubled ranks (integers,
 * since average ranks are multiples of 1/2), so ties are exact too.
 * SM_ENOMEM with err set when the table cannot be allocated. */
sm_status stats_wilcoxon_exact(const double *d, int n, stats_wilcoxon *out, sm_err *err);

/* Bootstrap percentile interval of the mean of d (n): nboot resamples with
 * replacement drawn from a generator seeded with seed; lo and hi are the
 * (1 - level)/2 and (1 + level)/2 quantiles of the resampled means (linear
 * interpolation between order statistics, as numpy.percentile). NaN when
 * n = 0. */
sm_status stats_bootstrap_ci(const double *d, int n, int nboot, double level, uint64_t seed, double *lo,
                             double *hi, sm_err *err);

/* stats_bootstrap_ci of k columns at once: d (k, n), one column after the
 * other; every column sees the same resamples, so lo[c] and hi[c] equal
 * what stats_bootstrap_ci gives for column c with the same seed, for the
 * cost of one draw of the indices. lo, hi (k). */
sm_status stats_bootstrap_ci_cols(const double *d, int k, int n, int nboot, double level, uint64_t seed,
                                  double *lo, double *hi, sm_err *err);

/* Quantile q in [0, 1] of sorted x (n), linear interpolation. */
double stats_quantile_sorted(const double *x, int n, double q);

#endif
