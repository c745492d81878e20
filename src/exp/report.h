/* report.h: tables like the paper's from result directories. Runs are
 * grouped by their configuration minus the seed (by default every key that
 * varies across the runs except seed and name); each group gets n, the mean
 * and the sample standard deviation (n - 1) of every test metric, the best
 * value of each column marked; against a reference row, over the seeds both
 * share: mean difference, bootstrap 95% interval, paired t-test and exact
 * Wilcoxon signed-rank p-values. */
#ifndef SELFMI_REPORT_H
#define SELFMI_REPORT_H

#include "base/base.h"
#include "exp/results.h"
#include "exp/stats.h"

#include <stdio.h>

typedef enum { REPORT_TABLE, REPORT_MD, REPORT_LATEX, REPORT_CSV, REPORT_JSON } report_format;

#define REPORT_MAX_KEYS 8
#define REPORT_MAX_METRICS 8

typedef struct {
    const char *name;        /* test.csv column */
    const char *title;       /* column title */
    double scale;            /* 100 for accuracies and F1, shown in percent */
    int decimals;
    bool lower_better;       /* MAE */
    bool paper;              /* one of the paper's columns (table, md, latex) */
} report_metric;

typedef struct {
    int npairs;                        /* shared seeds */
    double diff[REPORT_MAX_METRICS];   /* mean of row - reference, in shown units */
    double lo[REPORT_MAX_METRICS], hi[REPORT_MAX_METRICS];
    double p_t[REPORT_MAX_METRICS], p_w[REPORT_MAX_METRICS];
    double p_w_min;                    /* smallest Wilcoxon p these pairs can give */
} report_cmp;

typedef struct {
    char label[256];                   /* the group's values, e.g. "M,T" or "w/o mt" */
    char values[REPORT_MAX_KEYS][128]; /* per group key */
    int n;                             /* finished runs */
    int nother;                        /* runs not finished (queued, running, failed, cancelled) */
    int *runs;                         /* (n) indices into the result set */
    double mean[REPORT_MAX_METRICS], sd[REPORT_MAX_METRICS];
    bool best[REPORT_MAX_METRICS];
    bool has_cmp;
    bool dup_seeds;                    /* a seed occurs twice in the group: the first run pairs */
    report_cmp cmp;
} report_row;

typedef struct {
    int nkeys;
    char keys[REPORT_MAX_KEYS][64];
    bool sims;
    int nmetrics;
    const report_metric *metrics;      /* (nmetrics) */
    int nrows;
    report_row *rows;
    int ref;                           /* reference row, or -1 */
    int nruns, ndone;
    int nboot;
    uint64_t boot_seed;
} report;

/* Groups the runs of s. group_by: comma-separated keys, NULL or "" for the
 * default; reference: a row's label (or its value in any accepted spelling,
 * e.g. "MTAV" for M,T,A,V), NULL or "" for none. */
sm_status report_build(report *r, const result_set *s, const char *group_by, const char *reference, sm_err *err);
void report_free(report *r);
sm_status report_format_parse(const char *s, report_format *f, sm_err *err);
/* Writes the report to f (the caller's stream: a terminal, a file, memory). */
sm_status report_write(const report *r, FILE *f, report_format fmt, sm_err *err);

/* The display form of a configuration value for a report row: CPC term sets
 * as the paper writes them (all, w/o mt, ...), others unchanged. */
void report_value_label(const char *key, const char *value, char *buf, size_t n);

#endif
