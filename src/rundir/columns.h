/* columns.h: the columns of every results file of a run directory, one
 * X-macro list each, so that the writer (train/run.c) and every reader
 * (the queue, report, the dashboard) take names, order and counts from
 * the same place and cannot drift (selfmi-results(5) documents them).
 *
 * The metric list carries what a table of results needs: the test.csv
 * column, its title, the scale it is shown at, its decimals, whether lower
 * is better, the metric sets it belongs to and those in which it is one of
 * the paper's columns, its rank among the paper's columns, and the field
 * of the trainer's `metrics` struct (train/metrics.h) holding it. */
#ifndef SELFMI_COLUMNS_H
#define SELFMI_COLUMNS_H

#include <stdbool.h>

/* Metric sets: MOSI / MOSEI, SIMS; RD_PAD marks a column epochs.csv keeps,
 * empty (nan), in SIMS runs so both sets have as many columns. */
enum { RD_MOSI = 1, RD_SIMS = 2, RD_PAD = 4 };

/* X(name, title, scale, decimals, lower_better, sets, paper_sets, rank, field)
 * in test.csv order: the columns of a set, in this order, are its test.csv
 * columns and (prefixed "val_") its validation columns in epochs.csv. */
#define RD_METRICS(X)                                                                \
    X(mae, "MAE", 1, 3, true, RD_MOSI | RD_SIMS, RD_MOSI | RD_SIMS, 0, mae)          \
    X(corr, "Corr", 1, 3, false, RD_MOSI | RD_SIMS, RD_MOSI | RD_SIMS, 1, corr)      \
    X(acc2_has0, "Acc2 Has0", 100, 2, false, RD_MOSI, RD_MOSI, 2, has0_acc2)         \
    X(f1_has0, "F1 Has0", 100, 2, false, RD_MOSI, RD_MOSI, 4, has0_f1)               \
    X(acc2_non0, "Acc2 Non0", 100, 2, false, RD_MOSI | RD_PAD, RD_MOSI, 3, non0_acc2) \
    X(f1_non0, "F1 Non0", 100, 2, false, RD_MOSI, RD_MOSI, 5, non0_f1)               \
    X(acc2, "Acc2", 100, 2, false, RD_SIMS, RD_SIMS, 2, acc2)                        \
    X(f1, "F1", 100, 2, false, RD_SIMS, RD_SIMS, 3, f1)                              \
    X(acc3, "Acc3", 100, 2, false, RD_SIMS, RD_SIMS, 4, acc3)                        \
    X(acc5, "Acc5", 100, 2, false, RD_MOSI | RD_SIMS, RD_SIMS, 6, acc5)              \
    X(acc7, "Acc7", 100, 2, false, RD_MOSI | RD_PAD, 0, 7, acc7)

typedef enum {
#define X(name, ...) RD_M_##name,
    RD_METRICS(X)
#undef X
    RD_NMETRICS
} rd_metric_id;

/* A metric's test.csv and epochs.csv column names as string constants
 * (usable in static tables), checked against the list at compile time: a
 * name not in RD_METRICS does not compile. */
#define RD_NAME(m) ("" #m + 0 * RD_M_##m)
#define RD_VAL(m) ("val_" #m + 0 * RD_M_##m)

typedef struct {
    const char *name;        /* test.csv column */
    const char *val_name;    /* epochs.csv column: "val_" name */
    const char *title;
    double scale;            /* 100: accuracies and F1, shown in percent */
    int decimals;
    bool lower_better;       /* MAE */
    int sets;                /* RD_MOSI | RD_SIMS | RD_PAD */
    int paper_sets;          /* sets in which it is one of the paper's columns */
    int rank;                /* its place in a table of results */
} rd_metric;

extern const rd_metric rd_metrics[RD_NMETRICS];

/* Metrics of one set (RD_MOSI or RD_SIMS) in file order: writes their ids
 * into ids (room for RD_NMETRICS) and returns the count. with_pad adds the
 * RD_PAD columns of the other set after them (epochs.csv of SIMS runs). */
int rd_metric_set(int set, bool with_pad, rd_metric_id *ids);
/* The metric of a test.csv column name, or -1. */
int rd_metric_find(const char *name);

/* Number of validation columns in epochs.csv (either set, padded). */
#define RD_NVAL 8

/* epochs.csv: X(name, kind, value) before and after the validation block;
 * kind INT or NUM; value an expression over `const epoch_record *e`
 * expanded where the writer knows that type. */
#define RD_EPOCH_HEAD(X)                        \
    X(epoch, INT, e->epoch)                     \
    X(seconds, NUM, e->seconds)                 \
    X(loss, NUM, e->loss)                       \
    X(l17, NUM, e->l17)                         \
    X(l_m, NUM, e->l_m)                         \
    X(l_t, NUM, e->l_s[0])                      \
    X(l_a, NUM, e->l_s[1])                      \
    X(l_v, NUM, e->l_s[2])                      \
    X(cpc_mt, NUM, e->l_cpc[0])                 \
    X(cpc_ma, NUM, e->l_cpc[1])                 \
    X(cpc_mv, NUM, e->l_cpc[2])                 \
    X(task_t, NUM, e->l_task[0])                \
    X(task_a, NUM, e->l_task[1])                \
    X(task_v, NUM, e->l_task[2])
#define RD_EPOCH_TAIL(X)                        \
    X(val_mae_baseline, NUM, e->val_mae_baseline) \
    X(best_epoch, INT, e->best_epoch)           \
    X(best_val_mae, NUM, e->best_val_mae)       \
    X(patience, INT, e->patience)               \
    X(steps, INT, e->steps)                     \
    X(drift_t, NUM, e->drift[0])                \
    X(drift_a, NUM, e->drift[1])                \
    X(drift_v, NUM, e->drift[2])                \
    X(ul_corr_t, NUM, e->ul_corr[0])            \
    X(ul_corr_a, NUM, e->ul_corr[1])            \
    X(ul_corr_v, NUM, e->ul_corr[2])            \
    X(ul_mae_t, NUM, e->ul_mae[0])              \
    X(ul_mae_a, NUM, e->ul_mae[1])              \
    X(ul_mae_v, NUM, e->ul_mae[2])              \
    X(floor_corr_t, NUM, e->floor_corr[0])      \
    X(floor_corr_a, NUM, e->floor_corr[1])      \
    X(floor_corr_v, NUM, e->floor_corr[2])      \
    X(floor_mae_t, NUM, e->floor_mae[0])        \
    X(floor_mae_a, NUM, e->floor_mae[1])        \
    X(floor_mae_v, NUM, e->floor_mae[2])        \
    X(dev_corr_t, NUM, e->dev_corr[0])          \
    X(dev_corr_a, NUM, e->dev_corr[1])          \
    X(dev_corr_v, NUM, e->dev_corr[2])

#define RD_COUNT_ONE(...) +1
enum {
    RD_EPOCH_NHEAD = 0 RD_EPOCH_HEAD(RD_COUNT_ONE),
    RD_EPOCH_NTAIL = 0 RD_EPOCH_TAIL(RD_COUNT_ONE),
    RD_EPOCH_NCOLS = RD_EPOCH_NHEAD + RD_NVAL + RD_EPOCH_NTAIL
};

/* The epochs.csv header of a set (RD_MOSI or RD_SIMS) into cols (room for
 * RD_EPOCH_NCOLS). */
void rd_epoch_cols(int set, const char **cols);

/* test.csv after the set's metrics */
#define RD_TEST_TAIL(X) X(mae_baseline) X(best_epoch) X(epochs)
enum { RD_TEST_NTAIL = 0 RD_TEST_TAIL(RD_COUNT_ONE) };
/* The test.csv header of a set into cols (room for RD_NMETRICS +
 * RD_TEST_NTAIL); returns the count. */
int rd_test_cols(int set, const char **cols);

/* labels.csv: X(name) */
#define RD_LABEL_COLS(X) X(epoch) X(row) X(id) X(y_m) X(y_t) X(y_a) X(y_v) X(r_t) X(r_a) X(r_v)
typedef enum {
#define X(name) RD_L_##name,
    RD_LABEL_COLS(X)
#undef X
    RD_LABEL_NCOLS
} rd_label_col;
extern const char *const rd_label_cols[RD_LABEL_NCOLS];

/* predictions.csv: X(name) */
#define RD_PRED_COLS(X) X(row) X(id) X(y_m) X(pred_m) X(pred_t) X(pred_a) X(pred_v)
typedef enum {
#define X(name) RD_P_##name,
    RD_PRED_COLS(X)
#undef X
    RD_PRED_NCOLS
} rd_pred_col;
extern const char *const rd_pred_cols[RD_PRED_NCOLS];

#endif
