/* model.h: the Self-MI network (SPEC sections 1-4): text, audio and vision
 * subnets, the fusion and three unimodal heads, the CPC projections G_s and
 * the ULG_MI regressors R_s. One forward computes every output and loss term
 * for a batch; one backward fills the gradients of the model's parameters
 * (P) and, separately, of the regressors (R).
 *
 * Heads are indexed HEAD_M, HEAD_T, HEAD_A, HEAD_V; a modality s in
 * {MOD_T, MOD_A, MOD_V} has head s + 1. */
#ifndef SELFMI_MODEL_H
#define SELFMI_MODEL_H

#include "base/base.h"
#include "base/rng.h"
#include "data/dataset.h"
#include "nn/nn.h"
#include "conf/runconf.h"

enum { HEAD_M = 0, HEAD_T = 1, HEAD_A = 2, HEAD_V = 3, HEAD_COUNT = 4 };

/* One head (Eq. 6-9): Z = ReLU(W1 dropout(X) + b1); depth 3:
 * y = W3 ReLU(W2 Z + b2) + b3; depth 2: y = W2 Z + b2. */
typedef struct {
    int in, dim;          /* input width, hidden width (d_m or d_s) */
    float p;              /* input dropout */
    int l1, l2, l3;       /* tensor indices of the weights (bias = index + 1); l3 = -1 at depth 2 */
    real *xd, *mask;      /* (B,in) dropped-out input and its mask */
    real *z;              /* (B,dim) Z, post-ReLU */
    real *h2;             /* (B,dim) ReLU(W2 Z + b2), depth 3 */
    real *y;              /* (B) prediction */
    real *dy;             /* (B) */
    real *dz, *dh2, *dxd; /* gradients (B,dim), (B,dim), (B,in) */
} model_head;

/* An audio or vision subnet: LSTM -> hidden at the last true step ->
 * dropout -> Linear (Eq. 3-4). The text subnet reuses it for `lstm`. */
typedef struct {
    int F, L, H, out;
    float p;
    int lstm, lin;        /* tensor indices (lstm: w_ih, w_hh, b_ih, b_hh in order) */
    nn_lstm_cache cache;
    real *x;              /* (B,L,F) gathered input */
    int *len;             /* (B) */
    real *h, *hd, *mask;  /* (B,H) last hidden, after dropout, mask */
    real *dh;             /* (B,H) */
} model_seq;

typedef struct {
    config cfg;
    int maxB;
    int D[MOD_COUNT], L[MOD_COUNT];   /* dataset feature widths and lengths */
    int out[MOD_COUNT];               /* X^t, X^a, X^v widths */
    int dm_in;                        /* width of X^m */

    nn_params P;                      /* groups: text, audio, video, other */
    nn_params R;                      /* ULG_MI regressors, one group */

    /* text subnet */
    int text_lin;                     /* Linear(in -> text_out), -1 for frozen */
    model_seq tseq;                   /* used with text_encoder = lstm */
    real *xt;                         /* (B,Dt) [CLS] row or mean, for cls/mean/frozen */
    model_seq aseq, vseq;

    real *X[MOD_COUNT];               /* (B,out_s) subnet outputs */
    real *dX[MOD_COUNT];
    real *Xm, *dXm;                   /* (B,dm_in) */
    model_head head[HEAD_COUNT];

    /* CPC (section 3) */
    int G[MOD_COUNT];                 /* Linear(d_m -> d_s) */
    real *g[MOD_COUNT];               /* (B,d_s) */
    real *dg[MOD_COUNT];
    nn_infonce_cache nce[MOD_COUNT];

    /* ULG_MI (section 4) */
    int uin[MOD_COUNT];               /* R_s input width */
    int R1[MOD_COUNT], R2[MOD_COUNT]; /* tensor indices in R */
    real *u[MOD_COUNT];               /* (B,uin) detached input */
    real *r1[MOD_COUNT];              /* (B,d_s) hidden, post-ReLU */
    real *r[MOD_COUNT];               /* (B) r_i^s */
    real *dr[MOD_COUNT], *dr1[MOD_COUNT];

    /* last forward */
    int B;
    bool training;
    real l_m;                         /* (1/N) sum |y_m_hat - y_m| */
    real l_s[MOD_COUNT];              /* (1/N) sum w |y_s_hat - y_s|, 0 for s not in tasks */
    real l17;
    real l_cpc[MOD_COUNT];            /* L_N^{ms} (computed for every s) */
    real l_task[MOD_COUNT];           /* (1/N) sum |r^s - y_m| */
    real *ym;                         /* (B) targets */
    real *ys[MOD_COUNT];              /* (B) u-labels of this batch */
    real *w[MOD_COUNT];               /* (B) unimodal loss weights */

    void *bufs[160];                  /* every activation buffer, freed together */
    int nbufs;
} model;

/* Builds the network for a dataset's shapes and a configuration; parameters
 * are drawn from r (PyTorch default initialisation, declaration order). */
sm_status model_init(model *m, const config *cfg, const dataset *ds, int maxB, rng *r, sm_err *err);
void model_free(model *m);

/* Copies samples idx[0..B) of ds into the model's input buffers. */
void model_gather(model *m, const dataset *ds, const int *idx, int B);

/* Forward on the gathered batch. ym (B) the labels; ys[s] (B) the current
 * u-labels (NULL: y_m); training enables dropout (drawn from r). Fills every
 * output, loss term, and the regressors' outputs r[s]. Returns the model's
 * loss L17 + lambda_cpc * sum of the enabled L_N terms (without L_task,
 * which trains R only). */
real model_forward(model *m, const real *ym, const real *const ys[MOD_COUNT], bool training, rng *r);
/* Evaluation: the subnets and the four heads only (dropout off), no CPC,
 * ULG_MI or losses; with unimodal false the fusion head M alone.
 * model_pred reads the predictions. */
void model_predict(model *m, bool unimodal, rng *r);
/* Accumulates the gradients of the last forward's loss into m->P.grad, and of
 * L_task into m->R.grad (SPEC section 5: detached CPC terms train G_s only). */
void model_backward(model *m);
/* Predictions of the last forward: head h, sample b. */
static inline real model_pred(const model *m, int h, int b) { return m->head[h].y[b]; }

#endif
