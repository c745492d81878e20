/* nn.h: the layers, losses, optimiser and parameter store of the engine.
 *
 * Conventions (as karpathy/llm.c): one forward and one backward function per
 * op; argument order outputs, then inputs, then parameters, then sizes;
 * inputs are const; backward ACCUMULATES (+=) into every gradient it is
 * given, so gradients of several uses of a tensor add up and a NULL gradient
 * pointer means "not needed". Shapes are written beside each buffer with the
 * letters of tensor.h. Nothing here allocates except the *_init functions of
 * caches and the parameter store. */
#ifndef SELFMI_NN_H
#define SELFMI_NN_H

#include "base/base.h"
#include "base/rng.h"
#include "tensor/tensor.h"

/* ---------------------------------------------------------------- linear */

/* y (B,O) = x (B,I) W^T + b;  W (O,I), b (O) or NULL */
void nn_linear_forward(real *y, const real *x, const real *w, const real *b,
                       int B, int I, int O);
/* dx (B,I) += dy W;  dw (O,I) += dy^T x;  db (O) += sum_b dy.  Each may be NULL. */
void nn_linear_backward(real *dx, real *dw, real *db, const real *dy,
                        const real *x, const real *w, int B, int I, int O);

/* ----------------------------------------------------------- activations */

void nn_relu_forward(real *y, const real *x, int n);
/* dx += dy * [y > 0] */
void nn_relu_backward(real *dx, const real *dy, const real *y, int n);
void nn_tanh_forward(real *y, const real *x, int n);
/* dx += dy * (1 - y^2) */
void nn_tanh_backward(real *dx, const real *dy, const real *y, int n);
void nn_sigmoid_forward(real *y, const real *x, int n);
/* dx += dy * y (1 - y) */
void nn_sigmoid_backward(real *dx, const real *dy, const real *y, int n);

/* Inverted dropout: mask[i] = 0 with probability p, else 1/(1-p);
 * y = x * mask. With p = 0 or !training, y = x and mask = 1.
 * y may alias x. */
void nn_dropout_forward(real *y, real *mask, const real *x, int n, real p,
                        bool training, rng *r);
/* dx += dy * mask */
void nn_dropout_backward(real *dx, const real *dy, const real *mask, int n);

/* ------------------------------------------------------------------ LSTM */

/* Single-layer, one-direction LSTM, PyTorch gate order (i, f, g, o) and two
 * bias vectors:
 *   a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh          (4H)
 *   i = sigmoid(a[0:H]), f = sigmoid(a[H:2H]), g = tanh(a[2H:3H]), o = sigmoid(a[3H:4H])
 *   c_t = f * c_{t-1} + i * g;   h_t = o * tanh(c_t);   h_0 = c_0 = 0
 * Parameters: w_ih (4H,F), w_hh (4H,H), b_ih (4H), b_hh (4H).
 * Input x (B,T,F), padded; len (B) true lengths, 1 <= len[b] <= T. The
 * output is each sample's hidden state at step len[b]-1: h (B,H). (A length
 * of 0 is accepted: h = 0 and no gradient.) Padding is never read.
 * Batched over samples with one fused kernel per step.
 *
 * The cache is the LSTM's private scratch. Internally the samples are sorted
 * by decreasing length (stable), position p holding sample perm[p], and the
 * step buffers hold the rows still running, step after step: step t's rows
 * are off[t] .. off[t] + nb[t] - 1, row off[t] + p being sample perm[p]. No
 * work is spent past a sample's length (as PyTorch's packed sequences), and
 * a batch of length-1 sequences is a single step. The weights are packed
 * once per forward for the step kernels of the processor's SIMD level
 * (base/cpu.h); the backward reuses them, so it must follow its forward
 * with the same weights. Row r's values do not depend on the other rows. */
struct lstm_kern;
typedef struct {
    int maxB, T, F, H;   /* capacity */
    int B, Tmax;         /* shape of the last forward (Tmax = max len) */
    real *gates;   /* (S,4H) post-activation i, f, g, o, step rows (S <= B T) */
    real *c;       /* (S,H) cell states */
    real *tc;      /* (S,H) tanh(c) */
    real *h;       /* (S,H) hidden states */
    real *xh;      /* (S,F+H) [x_t, h_{t-1}] (h_{-1} = 0) */
    real *wp;      /* packed [W_ih W_hh] and biases for the kernels */
    real *whp;     /* (4H,Hp) W_hh, rows padded to the vector width */
    real *wip;     /* (4H,Fp) W_ih, rows padded, for dx (backward) */
    real *dxc;     /* (S,F) backward scratch for dx */
    real *wsrc;    /* W_ih, W_hh, b_ih, b_hh as last packed */
    int packed_v, packed_nobias;   /* vector width of that packing (0: none), missing biases */
    real *work;    /* backward scratch: dc (B,H), spare (B,H), dW (4H,F+H),
                      then da (S,4H) for all steps */
    size_t work_n;
    int Hp;        /* H padded to the kernels' vector width */
    int *perm;     /* (B) sorted position -> sample index */
    int *slen;     /* (B) lengths in sorted order (decreasing) */
    int *nb;       /* (T) samples still running at step t */
    size_t *off;   /* (T+1) first row of step t; off[Tmax] = S */
    const struct lstm_kern *kern;   /* the kernels of the last forward */
    const real *w_hh;               /* the W_hh packed by it */
} nn_lstm_cache;

sm_status nn_lstm_cache_init(nn_lstm_cache *c, int maxB, int T, int F, int H, sm_err *err);
void nn_lstm_cache_free(nn_lstm_cache *c);

void nn_lstm_forward(real *hout, nn_lstm_cache *cache, const real *x, const int *len,
                     const real *w_ih, const real *w_hh, const real *b_ih, const real *b_hh,
                     int B, int T, int F, int H);
/* Back-propagation through time from dhout (B,H) at each sample's last true
 * step. dx (B,T,F) may be NULL; parameter gradients accumulate. */
void nn_lstm_backward(real *dx, real *dw_ih, real *dw_hh, real *db_ih, real *db_hh,
                      const real *dhout, const nn_lstm_cache *cache, const real *x,
                      const int *len, const real *w_ih, const real *w_hh,
                      int B, int T, int F, int H);
/* The SIMD level of the LSTM kernels in use: "sse2" (or "generic"),
 * "avx2", "avx512". */
const char *nn_lstm_kernel_name(void);

/* ---------------------------------------------------------------- losses */

/* Weighted L1: L = (1/N) sum_i w_i |p_i - t_i|   (w = NULL: all 1). */
real nn_l1_forward(const real *p, const real *t, const real *w, int N);
/* dp_i += scale * w_i * sign(p_i - t_i) / N, with sign(0) = 0. */
void nn_l1_backward(real *dp, const real *p, const real *t, const real *w, int N, real scale);

/* InfoNCE between z (N,D) and g (N,D) as SPEC section 3:
 *   z~_i = z_i / max(|z_i|, 1e-12),  g~_j = g_j / max(|g_j|, 1e-12)
 *   S_ij = z~_i . g~_j
 *   L = (1/N) sum_i [ logsumexp_{j in J_i} S_ij - S_ii ]
 * J_i = all j, or all j != i with exclude_self. N < 2 gives 0.
 * The cache keeps z~, g~, the norms and the row softmax for backward and
 * for ULG_MI (u_i = z~_i * g~_i). */
typedef struct {
    int maxN, D, N;
    real *zn;    /* (N,D) z~ */
    real *gn;    /* (N,D) g~ */
    real *znorm; /* (N) max(|z_i|, eps) */
    real *gnorm; /* (N) */
    real *P;     /* (N,N) softmax over J_i of S_i. (0 outside J_i) */
    real *S;     /* (N,N) cosine matrix */
    real *dzn;   /* (N,D) scratch */
    real *dgn;   /* (N,D) scratch */
    real *dS;    /* (N,N) scratch: dL/dS */
    bool exclude_self;
} nn_infonce_cache;

sm_status nn_infonce_cache_init(nn_infonce_cache *c, int maxN, int D, sm_err *err);
void nn_infonce_cache_free(nn_infonce_cache *c);
real nn_infonce_forward(nn_infonce_cache *c, const real *z, const real *g, int N, int D,
                        bool exclude_self);
/* dz (N,D) += scale * dL/dz, dg (N,D) += scale * dL/dg; either may be NULL. */
void nn_infonce_backward(real *dz, real *dg, const nn_infonce_cache *c, real scale);

/* ------------------------------------------------------ parameter store */

/* All parameters of a model live in one flat buffer; gradients and Adam's
 * moments in twins of the same layout, so zero-grad, the optimiser step and
 * a checkpoint are each one loop. A model declares its tensors once. */
enum { NN_MAX_TENSORS = 128, NN_MAX_GROUPS = 8 };

typedef enum {
    NN_INIT_ZERO,     /* zeros */
    NN_INIT_UNIFORM   /* U(-bound, bound) */
} nn_init_kind;

typedef struct {
    char name[48];
    size_t off, n;     /* offset and count in the flat buffer */
    int group;         /* optimiser group */
    nn_init_kind init;
    real bound;        /* for NN_INIT_UNIFORM: 1/sqrt(fan_in) (Linear) or 1/sqrt(H) (LSTM) */
} nn_tensor;

typedef struct {
    real lr, wd;       /* learning rate, coupled L2 weight decay */
} nn_group;

typedef struct {
    nn_tensor t[NN_MAX_TENSORS];
    int ntensors;
    nn_group g[NN_MAX_GROUPS];
    int ngroups;
    size_t n;          /* total parameters */
    real *data, *grad, *m, *v;  /* each (n) */
    long step;         /* Adam steps taken (bias correction) */
    real beta1, beta2, eps;
} nn_params;

/* Declare a tensor before nn_params_alloc; returns its index. */
int nn_params_add(nn_params *p, const char *name, size_t n, int group,
                  nn_init_kind init, real bound);
/* Helpers for PyTorch default initialisation:
 * Linear(I -> O): weight (O,I) and bias (O), both U(-1/sqrt(I), 1/sqrt(I)).
 * LSTM(F -> H): w_ih (4H,F), w_hh (4H,H), b_ih, b_hh all U(-1/sqrt(H), 1/sqrt(H)).
 * Return the index of the first tensor declared. */
int nn_params_add_linear(nn_params *p, const char *name, int I, int O, int group);
int nn_params_add_lstm(nn_params *p, const char *name, int F, int H, int group);
/* Allocates data, grad, m, v (zeroed) for the declared tensors. Start from
 * a zeroed struct; beta1, beta2 and eps all left at 0 become torch's
 * defaults 0.9, 0.999, 1e-8. Set the groups' lr and wd in p->g. */
sm_status nn_params_alloc(nn_params *p, sm_err *err);
void nn_params_free(nn_params *p);
/* Draw every tensor from its init rule, in declaration order. */
void nn_params_init(nn_params *p, rng *r);   /* also zeroes m, v and step */
static inline real *nn_params_ptr(const nn_params *p, int tensor) { return p->data + p->t[tensor].off; }
static inline real *nn_params_gptr(const nn_params *p, int tensor) { return p->grad + p->t[tensor].off; }
void nn_params_zero_grad(nn_params *p);
/* whether every x[i] is finite (one vector pass, no early exit) */
bool nn_all_finite(const real *x, size_t n);

/* Adam as torch.optim.Adam with coupled L2 weight decay:
 *   g += wd * theta;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   theta -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * over every tensor with its group's lr and wd. Increments p->step first.
 * Does not zero the gradients. */
void nn_adam_step(nn_params *p);
/* The same update over one flat array (t = step number, from 1). */
void nn_adam_update(real *restrict theta, const real *restrict grad, real *restrict m, real *restrict v, size_t n,
                    real lr, real wd, real b1, real b2, real eps, long t);

#endif
