/* trainer.h: one training run of SPEC section 5: epochs of shuffled
 * batches with gradient accumulation, the label generators' updates,
 * validation on the multimodal head, best-epoch weights, early stopping and
 * the test metrics of the best weights. Progress goes out through hooks, so
 * the command line and the dashboard are two users of the same trainer. */
#ifndef SELFMI_TRAINER_H
#define SELFMI_TRAINER_H

#include "base/base.h"
#include "base/rng.h"
#include "data/dataset.h"
#include "model/model.h"
#include "conf/runconf.h"
#include "train/metrics.h"

/* What one epoch did. Losses are means over the epoch's training samples. */
typedef struct {
    int epoch;                   /* from 1 */
    double seconds;              /* wall time of the epoch, validation included */
    double loss;                 /* L17 + L_task + lambda_cpc * L_CPC (enabled terms) */
    double l17, l_m, l_s[MOD_COUNT], l_cpc[MOD_COUNT], l_task[MOD_COUNT];
    metrics val;                 /* validation, multimodal head */
    double val_mae_baseline;     /* validation MAE of predicting the mean training label */
    bool improved;
    int best_epoch;
    double best_val_mae;
    int patience;                /* epochs without improvement since the best */
    /* u-labels over the training samples after this epoch */
    double drift[MOD_COUNT];     /* mean |y_s - y_m| */
    /* agreement with human unimodal labels (NaN without them): Pearson and
     * MAE of y_s and, as the floor, of y_m; and Pearson of the deviation
     * y_s - y_m with the true deviation y_s* - y_m */
    double ul_corr[MOD_COUNT], ul_mae[MOD_COUNT];
    double floor_corr[MOD_COUNT], floor_mae[MOD_COUNT];
    double dev_corr[MOD_COUNT];
    int batches, steps;          /* batches seen, optimiser steps taken this epoch */
} epoch_record;

typedef struct {
    void *ud;
    void (*on_epoch)(void *ud, const epoch_record *r);
    /* after each epoch: every training sample's u-labels and last R_s output,
     * in the order of train_idx (dataset rows) */
    void (*on_labels)(void *ud, int epoch, const int *train_idx, int n,
                      const float *const ys[MOD_COUNT], const float *const rs[MOD_COUNT]);
    void (*on_batch)(void *ud, int epoch, int batch, int nbatches);
    bool (*should_cancel)(void *ud);
} train_hooks;

typedef struct {
    config cfg;
    const dataset *ds;
    model m;
    rng r;
    float H;                     /* label bound */
    int batch;                   /* B: batch_size, at most the training-set size */
    bool sims;                   /* SIMS metrics */
    int n_split[SPLIT_COUNT];
    int *idx[SPLIT_COUNT];       /* dataset rows of each split */
    int *perm;                   /* (n_train) shuffled positions */
    int *bidx;                   /* (B) dataset rows of a batch */
    real *bym;                   /* (B) */
    real *bys[MOD_COUNT];        /* (B) */
    float *ys[MOD_COUNT];        /* (n_train) label state, by train position */
    float *rs[MOD_COUNT];        /* (n_train) last R_s output */
    /* Self-MM ULGM: stored features per representation and centres */
    float *feat[4];              /* (n_train, d) for fusion, t, a, v */
    float *cpos[4], *cneg[4];    /* (d) */
    bool has_pos[4], has_neg[4];
    double *csum;                /* (2 d_max) centre sums */
    real *best;                  /* (P.n) best-validation weights */
    int epoch;                   /* epochs completed */
    int best_epoch;
    double best_val;
    double train_mean;           /* mean training label */
    double baseline_mae[SPLIT_COUNT]; /* MAE of predicting train_mean on each split */
    int patience;
    bool finished;
    /* evaluation */
    float *pred[HEAD_COUNT];     /* (max split size) */
    float *truth;
} trainer;

sm_status trainer_init(trainer *t, const config *cfg, const dataset *ds, sm_err *err);
void trainer_free(trainer *t);
/* Runs the next epoch and its validation; sets t->finished at early stop or
 * max_epochs. SM_ECANCELLED when hooks->should_cancel said so between
 * batches; SM_EDIVERGED on a non-finite loss, gradient or label. */
sm_status trainer_epoch(trainer *t, const train_hooks *hooks, epoch_record *rec, sm_err *err);
/* Evaluates a split with the current weights: predictions of every head
 * into t->pred[h][0..n) (of head M alone for SPLIT_VALID, which is all
 * that validation reads) and the truths into t->truth, n = t->n_split[split].
 * Fails only when the features cannot be read (dataset_read). */
sm_status trainer_eval(trainer *t, int split, sm_err *err);
/* Loads the best weights and computes the test metrics. */
sm_status trainer_test(trainer *t, metrics *out, sm_err *err);
/* Whole run: epochs until finished, then the test metrics. */
sm_status trainer_run(trainer *t, const train_hooks *hooks, metrics *test, sm_err *err);

#endif
