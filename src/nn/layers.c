/* layers.c: Linear, the pointwise activations and inverted dropout. */
#include "config.h"
#include "nn/nn.h"
#include "nn/nn_math.h"

#include <string.h>

/* y (B,O) = x (B,I) W^T + b */
void nn_linear_forward(real *y, const real *x, const real *w, const real *b,
                       int B, int I, int O)
{
    real beta = 0;
    if (b) {
        for (int r = 0; r < B; r++)
            memcpy(y + (size_t)r * O, b, (size_t)O * sizeof *y);
        beta = 1;
    }
    blas_gemm(false, true, B, O, I, 1, x, I, w, I, beta, y, O);
}

void nn_linear_backward(real *dx, real *dw, real *db, const real *dy,
                        const real *x, const real *w, int B, int I, int O)
{
    if (dx) /* dx (B,I) += dy (B,O) W (O,I) */
        blas_gemm(false, false, B, I, O, 1, dy, O, w, I, 1, dx, I);
    if (dw) /* dw (O,I) += dy^T (O,B) x (B,I) */
        blas_gemm(true, false, O, I, B, 1, dy, O, x, I, 1, dw, I);
    if (db) /* db (O) += sum_b dy[b] */
        for (int r = 0; r < B; r++) {
            const real *d = dy + (size_t)r * O;
            for (int o = 0; o < O; o++)
                db[o] += d[o];
        }
}

void nn_relu_forward(real *y, const real *x, int n)
{
    for (int i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : 0;
}

void nn_relu_backward(real *dx, const real *dy, const real *y, int n)
{
    for (int i = 0; i < n; i++)
        if (y[i] > 0)
            dx[i] += dy[i];
}

void nn_tanh_forward(real *y, const real *x, int n)
{
    for (int i = 0; i < n; i++)
        y[i] = R_TANH(x[i]);
}

void nn_tanh_backward(real *dx, const real *dy, const real *y, int n)
{
    for (int i = 0; i < n; i++)
        dx[i] += dy[i] * ((real)1 - y[i] * y[i]);
}

void nn_sigmoid_forward(real *y, const real *x, int n)
{
    for (int i = 0; i < n; i++)
        y[i] = nn_sigmoid(x[i]);
}

void nn_sigmoid_backward(real *dx, const real *dy, const real *y, int n)
{
    for (int i = 0; i < n; i++)
        dx[i] += dy[i] * y[i] * ((real)1 - y[i]);
}

/* Inverted dropout: keep with probability 1-p and scale by 1/(1-p), so the
 * expectation of y is x and evaluation needs no rescaling. */
void nn_dropout_forward(real *y, real *mask, const real *x, int n, real p,
                        bool training, rng *r)
{
    if (!training || p <= 0) {
        if (y != x)
            memmove(y, x, (size_t)n * sizeof *y);
        if (mask)
            for (int i = 0; i < n; i++)
                mask[i] = 1;
        return;
    }
    real keep = p >= 1 ? 0 : (real)1 / ((real)1 - p);
    for (int i = 0; i < n; i++) {
        real m = rng_uniform(r) < (double)p ? 0 : keep;
        if (mask)
            mask[i] = m;
        y[i] = x[i] * m;
    }
}

void nn_dropout_backward(real *dx, const real *dy, const real *mask, int n)
{
    for (int i = 0; i < n; i++)
        dx[i] += dy[i] * mask[i];
}
