/* metrics.h: regression and classification metrics as MMSA's MetricsTop
 * (SPEC section 6). */
#ifndef SELFMI_METRICS_H
#define SELFMI_METRICS_H

#include <stdbool.h>

typedef struct {
    bool sims;               /* which set is filled */
    /* MOSI / MOSEI */
    double mae, corr;
    double has0_acc2, has0_f1, non0_acc2, non0_f1;
    double acc5, acc7;
    /* SIMS (mae, corr above are on clipped values) */
    double acc2, acc3, f1;   /* acc5 shared */
} metrics;

/* p, t (n) predictions and truths. Corr is NaN for constant input. */
void metrics_mosi(metrics *m, const float *p, const float *t, int n);
void metrics_sims(metrics *m, const float *p, const float *t, int n);
/* Pearson correlation (NaN when either side is constant or n < 2). */
double metrics_pearson(const float *x, const float *y, int n);
double metrics_mae(const float *x, const float *y, int n);

#endif
