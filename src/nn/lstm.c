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

/* One sample's step, pointwise: a (4H) holds the pre-activations without
 * biases on entry and the gates i, f, g, o on exit:
 *   i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of a + b_ih + b_hh
 *   c_t = f c_{t-1} + i g;   h_t = o tanh(c_t)        (c_{t-1} = 0 at t = 0) */
#ifndef SM_REAL_DOUBLE
static inline nn_v4f v4_load(const float *p)
{
    nn_v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void v4_store(float *p, nn_v4f v)
{
    memcpy(p, &v, sizeof v);
}

/* four cells; a points at i, the other gates follow at strides of gs */
static inline void lstm_cell4(float *a, size_t gs, const float *bs, size_t bss, const float *cp,
                              float *c, float *tc, float *h)
{
    nn_v4f i = nn_v4f_sigmoid(v4_load(a) + v4_load(bs));
    nn_v4f f = nn_v4f_sigmoid(v4_load(a + gs) + v4_load(bs + bss));
    nn_v4f g = nn_v4f_tanh(v4_load(a + 2 * gs) + v4_load(bs + 2 * bss));
    nn_v4f o = nn_v4f_sigmoid(v4_load(a + 3 * gs) + v4_load(bs + 3 * bss));
    nn_v4f cv = i * g;
    if (cp)
        cv += f * v4_load(cp);
    nn_v4f tcv = nn_v4f_tanh(cv);
    v4_store(a, i);
    v4_store(a + gs, f);
    v4_store(a + 2 * gs, g);
    v4_store(a + 3 * gs, o);
    v4_store(c, cv);
    v4_store(tc, tcv);
    v4_store(h, o * tcv);
}
#endif

static void lstm_cell_forward(real *a, const real *bs, const real *cp, real *c, real *tc, real *h, int H)
{
    int j = 0;
#ifndef SM_REAL_DOUBLE
    for (; j + 4 <= H; j += 4)
        lstm_cell4(a + j, (size_t)H, bs + j, (size_t)H, cp ? cp + j : NULL, c + j, tc + j, h + j);
    if (j < H) { /* the last H mod 4 cells through zero-padded copies */
        int m = H - j;
        float ta[16] = { 0 }, tb[16] = { 0 }, tcp[4] = { 0 }, tcc[4], ttc[4], th[4];
        for (int k = 0; k < 4; k++) {
            memcpy(ta + 4 * k, a + k * H + j, (size_t)m * sizeof *ta);
            memcpy(tb + 4 * k, bs + k * H + j, (size_t)m * sizeof *tb);
        }
        if (cp)
            memcpy(tcp, cp + j, (size_t)m * sizeof *tcp);
        lstm_cell4(ta, 4, tb, 4, cp ? tcp : NULL, tcc, ttc, th);
        for (int k = 0; k < 4; k++)
            memcpy(a + k * H + j, ta + 4 * k, (size_t)m * sizeof *ta);
        memcpy(c + j, tcc, (size_t)m * sizeof *c);
        memcpy(tc + j, ttc, (size_t)m * sizeof *tc);
        memcpy(h + j, th, (size_t)m * sizeof *h);
    }
#else
    for (; j < H; j++) {
        real i = nn_sigmoid(a[j] + bs[j]);
        real f = nn_sigmoid(a[H + j] + bs[H + j]);
        real g = R_TANH(a[2 * H + j] + bs[2 * H + j]);
        real o = nn_sigmoid(a[3 * H + j] + bs[3 * H + j]);
        real cv = i * g + (cp ? f * cp[j] : 0);
        real tcv = R_TANH(cv);
        a[j] = i;
        a[H + j] = f;
        a[2 * H + j] = g;
        a[3 * H + j] = o;
        c[j] = cv;
        tc[j] = tcv;
        h[j] = o * tcv;
    }
#endif
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
        for (int p = 0; p < n; p++)
            lstm_cell_forward(gt + (size_t)p * G, bs, cp ? cp + (size_t)p * H : NULL, ct + (size_t)p * H,
                              tct + (size_t)p * H, ht + (size_t)p * H, H);
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

/* One sample's step backward, pointwise. In: dh, dc = dL/dh_t, dL/dc_t
 * (from later steps), a = the gates i, f, g, o, tanh(c_t), c_{t-1}.
 * Out: d (4H) = dL/da_t (pre-activation), dc = dL/dc_{t-1}, dbias += d.
 *   h = o tanh(c):  dc += dh o (1 - tanh(c)^2),  do = dh tanh(c)
 *   c = f c_{t-1} + i g:  di = dc g,  df = dc c_{t-1},  dg = dc i,  dc_{t-1} = dc f
 *   da = di i (1-i), df f (1-f), dg (1-g^2), do o (1-o) */
static void lstm_cell_backward(real *d, const real *dh, real *dc, real *dbias, const real *a,
                               const real *tc, const real *cp, int H)
{
    int j = 0;
#ifndef SM_REAL_DOUBLE
    const nn_v4f one = nn_v4f_splat(1), zero = nn_v4f_splat(0);
    for (; j + 4 <= H; j += 4) {
        nn_v4f i = v4_load(a + j), f = v4_load(a + H + j), g = v4_load(a + 2 * H + j);
        nn_v4f o = v4_load(a + 3 * H + j), tcv = v4_load(tc + j), dhv = v4_load(dh + j);
        nn_v4f cpv = cp ? v4_load(cp + j) : zero;
        nn_v4f dcv = v4_load(dc + j) + dhv * o * (one - tcv * tcv);
        nn_v4f dov = dhv * tcv;
        nn_v4f di = dcv * g, dg = dcv * i, df = dcv * cpv;
        v4_store(dc + j, dcv * f);
        nn_v4f d0 = di * i * (one - i), d1 = df * f * (one - f);
        nn_v4f d2 = dg * (one - g * g), d3 = dov * o * (one - o);
        v4_store(d + j, d0);
        v4_store(d + H + j, d1);
        v4_store(d + 2 * H + j, d2);
        v4_store(d + 3 * H + j, d3);
        v4_store(dbias + j, v4_load(dbias + j) + d0);
        v4_store(dbias + H + j, v4_load(dbias + H + j) + d1);
        v4_store(dbias + 2 * H + j, v4_load(dbias + 2 * H + j) + d2);
        v4_store(dbias + 3 * H + j, v4_load(dbias + 3 * H + j) + d3);
    }
#endif
    for (; j < H; j++) {   /* the same arithmetic, one cell at a time */
        real i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j];
        real tcv = tc[j], cpv = cp ? cp[j] : 0;
        real dcv = dc[j] + dh[j] * o * ((real)1 - tcv * tcv);
        real dov = dh[j] * tcv;
        real di = dcv * g, dg = dcv * i, df = dcv * cpv;
        dc[j] = dcv * f;
        real d0 = di * i * ((real)1 - i), d1 = df * f * ((real)1 - f);
        real d2 = dg * ((real)1 - g * g), d3 = dov * o * ((real)1 - o);
        d[j] = d0;
        d[H + j] = d1;
        d[2 * H + j] = d2;
        d[3 * H + j] = d3;
        dbias[j] += d0;
        dbias[H + j] += d1;
        dbias[2 * H + j] += d2;
        dbias[3 * H + j] += d3;
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
        for (int p = 0; p < n; p++)
            lstm_cell_backward(dat + (size_t)p * G, dh + (size_t)p * H, dc + (size_t)p * H, dbias,
                               gt + (size_t)p * G, tct + (size_t)p * H, cp ? cp + (size_t)p * H : NULL, H);
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
