/* report.h: tables like the paper's from result directories, the one
 * statistics path of `selfmi report`, `selfmi grid` and the dashboard's Grid
 * view. Runs are grouped by their configuration minus the seed (by default
 * every key that varies across the runs except seed and name); a
 * configuration and seed counts once (the newest finished run); each group
 * gets n, the mean and the sample standard deviation (n - 1) of every test
 * metric, the best value of each column marked; against a reference row,
 * over the runs both share (same seed and same value of every key outside
 * the grouping): mean difference, bootstrap 95% interval, paired t-test and
 * exact Wilcoxon signed-rank p-values. */
#ifndef SELFMI_REPORT_H
#define SELFMI_REPORT_H

#include "base/base.h"
#include "exp/results.h"
#include "exp/stats.h"

#include <stdio.h>

typedef enum { REPORT_TABLE, REPORT_MD, REPORT_LATEX, REPORT_CSV, REPORT_JSON } report_format;

#define REPORT_MAX_KEYS 16
#define REPORT_MAX_METRICS 8
#define REPORT_MAX_NOTES 8
/* p-value of the paired t-test below which a cell gets the dagger mark */
#define REPORT_SIG_LEVEL 0.05

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
    int n;                             /* finished runs used */
    int nother;                        /* runs not finished (queued, running, failed, cancelled) */
    int ndup;                          /* runs left out: their configuration and seed has a newer one */
    int *runs;                         /* (n) indices into the result set */
    double mean[REPORT_MAX_METRICS], sd[REPORT_MAX_METRICS];
    bool best[REPORT_MAX_METRICS];     /* the '*' mark (ties: see report_build) */
    bool sig[REPORT_MAX_METRICS];      /* the dagger mark: paired t-test p < REPORT_SIG_LEVEL */
    bool full;                         /* every run uses every task and every CPC term */
    char pooled[256];                  /* keys besides seed and the grouping in which the runs
                                          differ, comma-separated ("" = none) */
    bool has_cmp;
    report_cmp cmp;
    char unpaired[256];                /* no pairs with the reference: the keys outside the
                                          grouping in which the row's runs differ from its */
} report_row;

typedef struct {
    char text[640];
    bool warning;                      /* also for stderr: the numbers may mislead */
} report_note;

typedef struct {
    int nkeys;
    char keys[REPORT_MAX_KEYS][64];
    bool sims;
    int nmetrics;
    const report_metric *metrics;      /* (nmetrics) */
    int nrows;
    report_row *rows;
    int ref;                           /* reference row, or -1 */
    int nruns, ndone, ndup;
    int nnotes;
    report_note notes[REPORT_MAX_NOTES]; /* printed under the table */
    int nboot;
    uint64_t boot_seed;
} report;

typedef struct {
    const char *group_by;   /* comma-separated keys; NULL or "" = every key that varies */
    const char *reference;  /* a row's label (or its value in any accepted spelling, e.g.
                               "MTAV" for M,T,A,V); NULL or "" = the default rule */
    bool no_reference;      /* no reference row, no paired comparison */
} report_opts;

/* Groups the runs of s (o NULL: every default).
 *
 * Repeats: runs with the same configuration (every run.conf key but name)
 * and seed count once: the finished one whose test.csv was written last
 * (ties: the later directory name); without a finished one, one unfinished
 * run. The others are left out and named in a note.
 *
 * Best marks: per column the best mean (lowest MAE, highest others) is
 * found on the means rounded to the column's decimals (report_metric), and
 * every row whose rounded mean equals it is marked; no marks with a single
 * row.
 *
 * Reference: the named row; by default the first row (in the table's
 * order) whose runs all use every task (M,T,A,V) and every CPC term, when
 * there are two rows or more; else none.
 *
 * Pairs: a row's run pairs with the reference's run that has the same
 * seed and the same value of every key outside the grouping, so a group
 * pooling several configurations pairs each with its own counterpart. */
sm_status report_build(report *r, const result_set *s, const report_opts *o, sm_err *err);
void report_free(report *r);
/* The row a run of the set r was built from falls in (left out or not,
 * finished or not), or -1. */
int report_row_of(const report *r, const result_run *run);
sm_status report_format_parse(const char *s, report_format *f, sm_err *err);
/* Writes the report to f (the caller's stream: a terminal, a file, memory). */
sm_status report_write(const report *r, FILE *f, report_format fmt, sm_err *err);

/* A cell "mean±sd" (ascii: "mean+-sd") followed by marks (e.g. "*" for
 * the best, a dagger for p < 0.05; may be ""), fitted into width display
 * columns (width <= 0: no limit) by rounding to fewer decimals than dec,
 * down to none; when even that does not fit, the mean alone rounded to
 * fit, then "#". NaN mean: "-"; NaN sd: the mean alone. Numbers are
 * rounded, never cut. Returns the display width of buf. */
int report_fmt_pm(char *buf, size_t n, double mean, double sd, int dec, const char *marks, int width, bool ascii);
/* The marks of a row's cell: "*" when best, then the dagger ("!" in ascii)
 * when significant against the reference. */
void report_cell_marks(const report_row *row, int m, bool ascii, char *buf, size_t n);
/* Display width of UTF-8 text (continuation bytes do not count). */
int report_text_width(const char *s);

/* The display form of a configuration value for a report row: CPC term sets
 * by their paper names (config_cpc_label: all, w/o L_N^mt, ...), others
 * unchanged. */
void report_value_label(const char *key, const char *value, char *buf, size_t n);

#endif
