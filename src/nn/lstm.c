/* lstm.c: single-layer LSTM over a padded batch with per-sample lengths,
 * forward and back-propagation through time (nn.h).
 *
 * Samples are sorted by decreasing length and the step buffers are
 * time-major, so at step t the running samples are the first nb[t] rows:
 *   forward   one gemm per sample for the input projections of all its
 *             steps, then per step one gemm h_{t-1} W_hh^T over the running
 *             rows and a fused pointwise pass;
 *   backward  per step one gemm da_{t+1} W_hh for dh_t and a fused
 *             pointwise pass storing da_t; then per sample one gemm each
 *             for dW_ih, dx and dW_hh over all its steps. */
#include "config.h"
#include "nn/nn.h"
#include "nn/nn_math.h"

#include <stdlib.h>
#include <string.h>

sm_status nn_lstm_cache_init(nn_lstm_cache *c, int maxB, int T, int F, int H, sm_err *err)
{
    memset(c, 0, sizeof *c);
    if (maxB < 1 || T < 1 || F < 1 || H < 1)
        return sm_err_set(err, SM_EINVAL, "lstm cache: expected positive sizes, got B=%d T=%d F=%d H=%d",
                          maxB, T, F, H);
    c->maxB = maxB;
    c->T = T;
    c->F = F;
    c->H = H;
    size_t bt = (size_t)maxB * (size_t)T, G = 4 * (size_t)H;
    c->work_n = 2 * (size_t)maxB * H + G + bt * G;
    if (!(c->gates = sm_alloc(bt * G, sizeof(real), err)) ||
        !(c->c = sm_alloc(bt * H, sizeof(real), err)) ||
        !(c->tc = sm_alloc(bt * H, sizeof(real), err)) ||
        !(c->h = sm_alloc(bt * H, sizeof(real), err)) ||
        !(c->work = sm_alloc(c->work_n, sizeof(real), err)) ||
        !(c->perm = sm_alloc((size_t)maxB, sizeof(int), err)) ||
        !(c->slen = sm_alloc((size_t)maxB, sizeof(int), err)) ||
        !(c->nb = sm_alloc((size_t)T, sizeof(int), err)) ||
        !(c->bsum = sm_alloc(G, sizeof(real), err))) {
        nn_lstm_cache_free(c);
        return sm_err_prefix(err, "lstm cache (B=%d T=%d F=%d H=%d)", maxB, T, F, H);
    }
    return SM_OK;
}

void nn_lstm_cache_free(nn_lstm_cache *c)
{
    if (!c)
        return;
    free(c->gates);
    free(c->c);
    free(c->tc);
    free(c->h);
    free(c->work);
    free(c->perm);
    free(c->slen);
    free(c->nb);
    free(c->bsum);
    memset(c, 0, sizeof *c);
}

/* Stable sort of the samples by decreasing length (insertion sort: B is a
 * batch), and the number of running samples per step. */
static void lstm_order(nn_lstm_cache *c, const int *len, int B, int T)
{
    for (int b = 0; b < B; b++) {
        SM_ASSERT(len[b] >= 0 && len[b] <= T);
        int p = b;
        while (p > 0 && c->slen[p - 1] < len[b]) {
            c->slen[p] = c->slen[p - 1];
            c->perm[p] = c->perm[p - 1];
            p--;
        }
        c->slen[p] = len[b];
        c->perm[p] = b;
    }
    c->B = B;
    c->Tmax = B > 0 ? c->slen[0] : 0;
    int n = B;
    for (int t = 0; t < c->Tmax; t++) {
        while (n > 0 && c->slen[n - 1] <= t)
            n--;
        c->nb[t] = n;
    }
}

void nn_lstm_forward(real *hout, nn_lstm_cache *cache, const real *x, const int *len,
                     const real *w_ih, const real *w_hh, const real *b_ih, const real *b_hh,
                     int B, int T, int F, int H)
{
    SM_ASSERT(B >= 0 && B <= cache->maxB && T <= cache->T && F == cache->F && H == cache->H);
    const int G = 4 * H;
    const size_t sG = (size_t)B * G, sH = (size_t)B * H;   /* one step's stride */
    lstm_order(cache, len, B, T);
    real *bs = cache->bsum;
    for (int k = 0; k < G; k++)
        bs[k] = (b_ih ? b_ih[k] : 0) + (b_hh ? b_hh[k] : 0);

    /* input projections: gates[t,p] = x[perm[p],t] W_ih^T for t < len */
    for (int p = 0; p < B; p++)
        if (cache->slen[p] > 0)
            blas_gemm(false, true, cache->slen[p], G, F, 1, x + (size_t)cache->perm[p] * T * F, F,
                      w_ih, F, 0, cache->gates + (size_t)p * G, (int)sG);

    for (int t = 0; t < cache->Tmax; t++) {
        const int n = cache->nb[t];
        real *gt = cache->gates + t * sG;            /* (n,4H) */
        real *ct = cache->c + t * sH, *tct = cache->tc + t * sH, *ht = cache->h + t * sH;
        const real *cp = t > 0 ? cache->c + (t - 1) * sH : NULL;
        /* a_t += h_{t-1} W_hh^T over the running rows */
        if (t > 0)
            blas_gemm(false, true, n, G, H, 1, cache->h + (t - 1) * sH, H, w_hh, H, 1, gt, G);
        for (int p = 0; p < n; p++) {
            real *a = gt + (size_t)p * G;
            real *cr = ct + (size_t)p * H, *tcr = tct + (size_t)p * H, *hr = ht + (size_t)p * H;
            const real *cpr = cp ? cp + (size_t)p * H : NULL;
            for (int j = 0; j < H; j++) {
                /* i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of a + b_ih + b_hh */
                real i = nn_sigmoid(a[j] + bs[j]);
                real f = nn_sigmoid(a[H + j] + bs[H + j]);
                real g = R_TANH(a[2 * H + j] + bs[2 * H + j]);
                real o = nn_sigmoid(a[3 * H + j] + bs[3 * H + j]);
                /* c_t = f c_{t-1} + i g;  h_t = o tanh(c_t) */
                real cv = i * g + (cpr ? f * cpr[j] : 0);
                real tcv = R_TANH(cv);
                a[j] = i;
                a[H + j] = f;
                a[2 * H + j] = g;
                a[3 * H + j] = o;
                cr[j] = cv;
                tcr[j] = tcv;
                hr[j] = o * tcv;
            }
        }
    }
    for (int p = 0; p < B; p++) {
        real *out = hout + (size_t)cache->perm[p] * H;
        int L = cache->slen[p];
        if (L > 0)
            memcpy(out, cache->h + (size_t)(L - 1) * sH + (size_t)p * H, (size_t)H * sizeof *out);
        else
            memset(out, 0, (size_t)H * sizeof *out);
    }
}

void nn_lstm_backward(real *dx, real *dw_ih, real *dw_hh, real *db_ih, real *db_hh,
                      const real *dhout, const nn_lstm_cache *cache, const real *x,
                      const int *len, const real *w_ih, const real *w_hh,
                      int B, int T, int F, int H)
{
    SM_ASSERT(B == cache->B && T <= cache->T && F == cache->F && H == cache->H);
    for (int p = 0; p < B; p++)
        SM_ASSERT(len[cache->perm[p]] == cache->slen[p]);
    const int G = 4 * H, Tmax = cache->Tmax;
    const size_t sG = (size_t)B * G, sH = (size_t)B * H;
    real *dh = cache->work;                 /* (B,H) dL/dh_t, sorted rows */
    real *dc = dh + (size_t)cache->maxB * H; /* (B,H) dL/dc_t */
    real *dbias = dc + (size_t)cache->maxB * H; /* (4H) */
    real *da = dbias + G;                   /* (T,B,4H) dL/da_t, pre-activation */
    memset(dbias, 0, (size_t)G * sizeof *dbias);

    for (int t = Tmax - 1; t >= 0; t--) {
        const int n = cache->nb[t];
        const int n1 = t + 1 < Tmax ? cache->nb[t + 1] : 0;
        /* dh_t = da_{t+1} W_hh for the rows that ran at t+1 ... */
        if (n1 > 0)
            blas_gemm(false, false, n1, H, G, 1, da + (t + 1) * sG, G, w_hh, H, 0, dh, H);
        /* ... and dhout for the rows whose last step is t */
        for (int p = n1; p < n; p++) {
            memcpy(dh + (size_t)p * H, dhout + (size_t)cache->perm[p] * H, (size_t)H * sizeof *dh);
            memset(dc + (size_t)p * H, 0, (size_t)H * sizeof *dc);
        }
        const real *gt = cache->gates + t * sG, *tct = cache->tc + t * sH;
        const real *cp = t > 0 ? cache->c + (t - 1) * sH : NULL;
        real *dat = da + t * sG;
        for (int p = 0; p < n; p++) {
            const real *a = gt + (size_t)p * G, *tcr = tct + (size_t)p * H;
            const real *cpr = cp ? cp + (size_t)p * H : NULL;
            real *dhr = dh + (size_t)p * H, *dcr = dc + (size_t)p * H, *d = dat + (size_t)p * G;
            for (int j = 0; j < H; j++) {
                real i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j];
                real tcv = tcr[j], cpv = cpr ? cpr[j] : 0;
                /* h = o tanh(c):  dc += dh o (1 - tanh(c)^2),  do = dh tanh(c) */
                real dcv = dcr[j] + dhr[j] * o * ((real)1 - tcv * tcv);
                real dov = dhr[j] * tcv;
                /* c = f c_{t-1} + i g */
                real di = dcv * g, dg = dcv * i, df = dcv * cpv;
                dcr[j] = dcv * f;
                /* through the gate nonlinearities */
                d[j] = di * i * ((real)1 - i);
                d[H + j] = df * f * ((real)1 - f);
                d[2 * H + j] = dg * ((real)1 - g * g);
                d[3 * H + j] = dov * o * ((real)1 - o);
            }
            for (int k = 0; k < G; k++)
                dbias[k] += d[k];
        }
    }
    if (db_ih)
        for (int k = 0; k < G; k++)
            db_ih[k] += dbias[k];
    if (db_hh)
        for (int k = 0; k < G; k++)
            db_hh[k] += dbias[k];

    for (int p = 0; p < B; p++) {
        const int L = cache->slen[p];
        if (L == 0)
            continue;
        const real *dap = da + (size_t)p * G;   /* (L,4H), row stride B*4H */
        const size_t b = (size_t)cache->perm[p];
        if (dw_ih) /* dW_ih (4H,F) += da^T x */
            blas_gemm(true, false, G, F, L, 1, dap, (int)sG, x + b * T * F, F, 1, dw_ih, F);
        if (dx)    /* dx (L,F) += da W_ih */
            blas_gemm(false, false, L, F, G, 1, dap, (int)sG, w_ih, F, 1, dx + b * T * F, F);
        if (dw_hh && L > 1) /* dW_hh (4H,H) += da_{1..L-1}^T h_{0..L-2} */
            blas_gemm(true, false, G, H, L - 1, 1, dap + sG, (int)sG, cache->h + (size_t)p * H,
                      (int)sH, 1, dw_hh, H);
    }
}
