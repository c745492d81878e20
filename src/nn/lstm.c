/* lstm.c: single-layer LSTM over a padded batch with per-sample lengths,
 * forward and back-propagation through time (nn.h).
 *
 * Samples are sorted by decreasing length and the step buffers hold, step
 * after step, only the rows still running (nb[t] rows from off[t]), so a
 * batch of length-1 sequences is one step over all its rows.
 *   forward   [W_ih W_hh] packed once per batch; per step one fused kernel
 *             ([x_t, h_{t-1}] times the packed weights, then the gate math
 *             in registers) at the processor's SIMD level (lstm_kern.h);
 *   backward  per step one fused kernel (dh_t = da_{t+1} W_hh and the
 *             pointwise pass); then dW_ih and dW_hh in one gemm over all
 *             steps' [x_t, h_{t-1}] rows, and dx in one gemm. */
#include "config.h"
#include "base/cpu.h"
#include "nn/nn.h"
#include "nn/lstm_kern.h"

#include <stdlib.h>
#include <string.h>

enum { LSTM_VMAX = 16 };   /* widest vector, in floats: pads H for any level */

static int round_up(int x, int v)
{
    return (x + v - 1) / v * v;
}

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
    size_t bt = (size_t)maxB * (size_t)T, G = 4 * (size_t)H, K = (size_t)F + H;
    size_t Hp = (size_t)round_up(H, LSTM_VMAX);
    c->work_n = 2 * (size_t)maxB * H + G * K + bt * G;
    if (!(c->gates = sm_alloc(bt * G, sizeof(real), err)) ||
        !(c->c = sm_alloc(bt * H, sizeof(real), err)) ||
        !(c->tc = sm_alloc(bt * H, sizeof(real), err)) ||
        !(c->h = sm_alloc(bt * H, sizeof(real), err)) ||
        !(c->xh = sm_alloc(bt * K + LSTM_VMAX, sizeof(real), err)) ||   /* the dW kernel reads whole vectors */
        !(c->wp = sm_alloc(K * 4 * Hp + 4 * Hp, sizeof(real), err)) ||
        !(c->whp = sm_alloc(G * Hp, sizeof(real), err)) ||
        !(c->wip = sm_alloc(G * (size_t)round_up(F, LSTM_VMAX), sizeof(real), err)) ||
        !(c->dxc = sm_alloc(bt * (size_t)F, sizeof(real), err)) ||
        !(c->wsrc = sm_alloc(G * K + 2 * G, sizeof(real), err)) ||
        !(c->work = sm_alloc(c->work_n, sizeof(real), err)) ||
        !(c->perm = sm_alloc((size_t)maxB, sizeof(int), err)) ||
        !(c->slen = sm_alloc((size_t)maxB, sizeof(int), err)) ||
        !(c->nb = sm_alloc((size_t)T, sizeof(int), err)) ||
        !(c->off = sm_alloc((size_t)T + 1, sizeof(size_t), err))) {
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
    free(c->xh);
    free(c->wp);
    free(c->whp);
    free(c->wip);
    free(c->dxc);
    free(c->wsrc);
    free(c->work);
    free(c->perm);
    free(c->slen);
    free(c->nb);
    free(c->off);
    memset(c, 0, sizeof *c);
}

/* The kernels of the active SIMD level (base/cpu.h). */
static const lstm_kern *lstm_kernels(void)
{
#if defined(__x86_64__)
    switch (cpu_isa_active()) {
    case CPU_ISA_AVX512:
        return &lstm_kern_avx512;
    case CPU_ISA_AVX2:
        return &lstm_kern_avx2;
    default:
        break;
    }
#endif
    return &lstm_kern_generic;
}

const char *nn_lstm_kernel_name(void)
{
    return lstm_kernels()->name;
}

/* Stable sort of the samples by decreasing length (insertion sort: B is a
 * batch), the number of running samples per step and each step's first row. */
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
    c->off[0] = 0;
    for (int t = 0; t < c->Tmax; t++) {
        while (n > 0 && c->slen[n - 1] <= t)
            n--;
        c->nb[t] = n;
        c->off[t + 1] = c->off[t] + (size_t)n;
    }
}

/* Whether the packed weights are those of w_ih, w_hh, b_ih, b_hh at width V
 * (the weights change only at an optimiser step: the batches between two
 * steps, and every evaluation batch, reuse one packing); if not, records
 * them in wsrc. */
static bool lstm_packed_current(nn_lstm_cache *c, const real *w_ih, const real *w_hh, const real *b_ih,
                                const real *b_hh, int V)
{
    const size_t G = 4 * (size_t)c->H, nih = G * (size_t)c->F, nhh = G * (size_t)c->H;
    const real *parts[4] = { w_ih, w_hh, b_ih, b_hh };
    const size_t n[4] = { nih, nhh, G, G };
    bool same = c->packed_v == V && c->packed_nobias == (!b_ih) + 2 * (!b_hh);
    real *dst = c->wsrc;
    for (int k = 0; k < 4; dst += n[k], k++)
        if (parts[k]) {
            if (same && memcmp(dst, parts[k], n[k] * sizeof(real)) == 0)
                continue;
            same = false;
            memcpy(dst, parts[k], n[k] * sizeof(real));
        }
    c->packed_v = V;
    c->packed_nobias = (!b_ih) + 2 * (!b_hh);
    return same;
}

/* wp (C, F+H, 4, V) and bp (C, 4, V) from W_ih, W_hh and b_ih + b_hh;
 * whp (4H, Hp) = W_hh padded with zero columns (lstm_kern.h). */
static void lstm_pack(nn_lstm_cache *c, const real *w_ih, const real *w_hh, const real *b_ih,
                      const real *b_hh, int V)
{
    const int F = c->F, H = c->H, K = F + H, Hp = round_up(H, V), C = Hp / V, G = 4 * H;
    c->Hp = Hp;
    if (lstm_packed_current(c, w_ih, w_hh, b_ih, b_hh, V))
        return;
    real *wp = c->wp, *bp = wp + (size_t)C * K * 4 * V;
    for (int ch = 0; ch < C; ch++)
        for (int g = 0; g < 4; g++)
            for (int l = 0; l < V; l++) {
                const int j = ch * V + l, row = g * H + j;   /* gate g of unit j: row of W */
                real *dst = wp + (size_t)ch * K * 4 * V + (size_t)g * V + l;
                if (j < H) {
                    for (int k = 0; k < F; k++)
                        dst[(size_t)k * 4 * V] = w_ih[(size_t)row * F + k];
                    for (int k = 0; k < H; k++)
                        dst[(size_t)(F + k) * 4 * V] = w_hh[(size_t)row * H + k];
                    bp[(size_t)ch * 4 * V + (size_t)g * V + l] = (b_ih ? b_ih[row] : 0) + (b_hh ? b_hh[row] : 0);
                } else {
                    for (int k = 0; k < K; k++)
                        dst[(size_t)k * 4 * V] = 0;
                    bp[(size_t)ch * 4 * V + (size_t)g * V + l] = 0;
                }
            }
    for (int k = 0; k < G; k++) {
        memcpy(c->whp + (size_t)k * Hp, w_hh + (size_t)k * H, (size_t)H * sizeof(real));
        memset(c->whp + (size_t)k * Hp + H, 0, (size_t)(Hp - H) * sizeof(real));
    }
}

void nn_lstm_forward(real *hout, nn_lstm_cache *cache, const real *x, const int *len,
                     const real *w_ih, const real *w_hh, const real *b_ih, const real *b_hh,
                     int B, int T, int F, int H)
{
    SM_ASSERT(B >= 0 && B <= cache->maxB && T <= cache->T && F == cache->F && H == cache->H);
    const int G = 4 * H, K = F + H;
    lstm_order(cache, len, B, T);
    const lstm_kern *kern = lstm_kernels();
    cache->kern = kern;
    cache->w_hh = w_hh;
    lstm_pack(cache, w_ih, w_hh, b_ih, b_hh, kern->V);

    for (int t = 0; t < cache->Tmax; t++) {
        const int n = cache->nb[t];
        const size_t r0 = cache->off[t];
        /* rows [x_t, h_{t-1}] (h_{-1} = 0), kept for dW in the backward */
        real *xh = cache->xh + r0 * K;
        for (int p = 0; p < n; p++) {
            memcpy(xh + (size_t)p * K, x + ((size_t)cache->perm[p] * T + t) * F, (size_t)F * sizeof *xh);
            if (t > 0)
                memcpy(xh + (size_t)p * K + F, cache->h + (cache->off[t - 1] + p) * H, (size_t)H * sizeof *xh);
            else
                memset(xh + (size_t)p * K + F, 0, (size_t)H * sizeof *xh);
        }
        lstm_fwd_step s = {
            .n = n, .F = F, .H = H, .Hp = cache->Hp, .K = t > 0 ? K : F, .xh = xh,
            .wp = cache->wp, .bp = cache->wp + (size_t)(cache->Hp / kern->V) * K * 4 * kern->V,
            .cprev = t > 0 ? cache->c + cache->off[t - 1] * H : NULL,
            .gates = cache->gates + r0 * G, .c = cache->c + r0 * H, .tc = cache->tc + r0 * H,
            .h = cache->h + r0 * H,
        };
        kern->fwd(&s);
    }
    for (int p = 0; p < B; p++) {
        real *out = hout + (size_t)cache->perm[p] * H;
        int L = cache->slen[p];
        if (L > 0)
            memcpy(out, cache->h + (cache->off[L - 1] + p) * H, (size_t)H * sizeof *out);
        else
            memset(out, 0, (size_t)H * sizeof *out);
    }
}

void nn_lstm_backward(real *dx, real *dw_ih, real *dw_hh, real *db_ih, real *db_hh,
                      const real *dhout, const nn_lstm_cache *cache, const real *x,
                      const int *len, const real *w_ih, const real *w_hh,
                      int B, int T, int F, int H)
{
    SM_ASSERT(B == cache->B && T <= cache->T && F == cache->F && H == cache->H && w_hh == cache->w_hh);
    for (int p = 0; p < B; p++)
        SM_ASSERT(len[cache->perm[p]] == cache->slen[p]);
    (void)x;
    const int G = 4 * H, K = F + H, Tmax = cache->Tmax;
    const size_t S = cache->off[Tmax];      /* sample-steps run */
    const lstm_kern *kern = cache->kern;
    real *dc = cache->work;                       /* (B,H) dL/dc_t, sorted rows */
    real *dw = dc + 2 * (size_t)cache->maxB * H;  /* (4H, F+H) [dW_ih dW_hh] of this call */
    real *da = dw + (size_t)G * K;                /* (S,4H) dL/da_t, pre-activation, step rows */

    for (int t = Tmax - 1; t >= 0; t--) {
        const int n = cache->nb[t];
        const int n1 = t + 1 < Tmax ? cache->nb[t + 1] : 0;
        const size_t r0 = cache->off[t];
        for (int p = n1; p < n; p++)   /* rows whose last step is t */
            memset(dc + (size_t)p * H, 0, (size_t)H * sizeof *dc);
        lstm_bwd_step s = {
            .n = n, .n1 = n1, .H = H, .Hp = cache->Hp,
            .da1 = n1 > 0 ? da + cache->off[t + 1] * G : NULL, .whp = cache->whp,
            .dhout = dhout, .perm = cache->perm,
            .gates = cache->gates + r0 * G, .tc = cache->tc + r0 * H,
            .cprev = t > 0 ? cache->c + cache->off[t - 1] * H : NULL,
            .dc = dc, .da = da + r0 * G,
        };
        kern->bwd(&s);
    }
    if (S == 0)
        return;
    /* db += the sum over every row of da (both bias vectors get it) */
    if (db_ih || db_hh) {
        real *db = dw;   /* (4H), before the product below overwrites it */
        memcpy(db, da, (size_t)G * sizeof *db);
        for (size_t r = 1; r < S; r++) {
            const real *d = da + r * G;
            for (int k = 0; k < G; k++)
                db[k] += d[k];
        }
        for (int k = 0; k < G; k++) {
            if (db_ih)
                db_ih[k] += db[k];
            if (db_hh)
                db_hh[k] += db[k];
        }
    }
    /* [dW_ih dW_hh] (4H, F+H) = da^T [x_t, h_{t-1}] over all S rows, one
     * product in the kernels of the SIMD level (not OpenBLAS: the same
     * sums whatever kernel OpenBLAS runs) */
    if (dw_ih || dw_hh) {
        kern->dw(da, cache->xh, S, G, K, dw);
        for (int g = 0; g < G; g++) {
            const real *src = dw + (size_t)g * K;
            if (dw_ih)
                for (int k = 0; k < F; k++)
                    dw_ih[(size_t)g * F + k] += src[k];
            if (dw_hh)
                for (int k = 0; k < H; k++)
                    dw_hh[(size_t)g * H + k] += src[F + k];
        }
    }
    /* dx (rows) = da W_ih, one product, then back to (B,T,F) */
    if (dx) {
        /* wip (4H, Fp) = W_ih padded with zero columns, packed here: only a
         * caller that wants dx pays for it (training never does: the inputs
         * are features) */
        const int Fp = round_up(F, kern->V);
        for (int k = 0; k < G; k++) {
            memcpy(cache->wip + (size_t)k * Fp, w_ih + (size_t)k * F, (size_t)F * sizeof(real));
            memset(cache->wip + (size_t)k * Fp + F, 0, (size_t)(Fp - F) * sizeof(real));
        }
        kern->rowmul(da, S, G, cache->wip, F, cache->dxc);
        for (int t = 0; t < Tmax; t++)
            for (int p = 0; p < cache->nb[t]; p++) {
                const real *src = cache->dxc + (cache->off[t] + p) * F;
                real *dst = dx + ((size_t)cache->perm[p] * T + t) * F;
                for (int k = 0; k < F; k++)
                    dst[k] += src[k];
            }
    }
}
