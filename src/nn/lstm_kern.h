/* lstm_kern.h: the LSTM step kernels, one set per SIMD level (base/cpu.h),
 * and the arguments they share with lstm.c. Private to src/nn.
 *
 * Rows are the samples running at a step (sorted, so the first n). The
 * weights are packed once per batch by lstm.c:
 *   wp (C, F+H, 4, V): for each chunk of V hidden units, the rows of
 *      [W_ih W_hh]^T (input feature k, then hidden unit k-F) with the four
 *      gates' V columns side by side, so one tile of 4 vectors holds
 *      i, f, g, o of the same V units; bp (C, 4, V) the summed biases;
 *   whp (4H, Hp): W_hh with its rows padded to Hp = C V units (zeros).
 * Hp = C V >= H; lanes past H compute on zeros and are never stored. */
#ifndef SELFMI_LSTM_KERN_H
#define SELFMI_LSTM_KERN_H

#include "tensor/tensor.h"

typedef struct {
    int n;              /* running rows */
    int F, H, Hp;       /* Hp = hidden units padded to the vector width */
    int K;              /* inputs used: F at t = 0 (h_{-1} = 0), else F + H */
    const real *xh;     /* (n, F+H) rows [x_t, h_{t-1}] */
    const real *wp, *bp;
    const real *cprev;  /* (n, H) c_{t-1}, NULL at t = 0 */
    real *gates;        /* (n, 4H) out: i, f, g, o */
    real *c, *tc, *h;   /* (n, H) out: c_t, tanh(c_t), h_t */
} lstm_fwd_step;

typedef struct {
    int n;              /* running rows at t */
    int n1;             /* rows that also ran at t+1: dh_t = da_{t+1} W_hh */
    int H, Hp;
    const real *da1;    /* (n1, 4H) dL/da_{t+1} */
    const real *whp;    /* (4H, Hp) */
    const real *dhout;  /* (B, H) dL/dh at the last step; rows n1..n-1 end at t */
    const int *perm;    /* sorted row -> sample, for dhout */
    const real *gates, *tc, *cprev;   /* step t's forward values; cprev NULL at t = 0 */
    real *dc;           /* (n, H) in dL/dc_t (rows n1..n-1 zeroed), out dL/dc_{t-1} */
    real *da;           /* (n, 4H) out dL/da_t */
} lstm_bwd_step;

typedef struct lstm_kern {
    const char *name;
    int V;              /* lanes of a vector of `real` */
    /* a_t = [x_t, h_{t-1}] [W_ih W_hh]^T + b, then the gate math (nn.h) */
    void (*fwd)(const lstm_fwd_step *s);
    /* dh_t = da_{t+1} W_hh (or dhout), fused with the pointwise backward */
    void (*bwd)(const lstm_bwd_step *s);
    /* dw (G, K) = da^T xh over S rows (the [dW_ih dW_hh] of a batch), each
     * sum over the rows in order; xh is read up to V - 1 values past its
     * end (whole vectors) */
    void (*dw)(const real *da, const real *xh, size_t S, int G, int K, real *dw);
    /* out (S, N) = a (S, G) w; w (G, Np): N columns, then zeros up to the
     * next multiple of V (dx = da W_ih) */
    void (*rowmul)(const real *a, size_t S, int G, const real *w, int N, real *out);
} lstm_kern;

extern const lstm_kern lstm_kern_generic;
#if defined(__x86_64__)
extern const lstm_kern lstm_kern_avx2;
extern const lstm_kern lstm_kern_avx512;
#endif

#endif
