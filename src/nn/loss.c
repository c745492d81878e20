/* loss.c: the weighted L1 loss and InfoNCE (SPEC sections 3 and 5). */
#include "config.h"
#include "nn/nn.h"
#include "nn/nn_math.h"

#include <stdlib.h>
#include <string.h>

/* L = (1/N) sum_i w_i |p_i - t_i|   (SPEC 5, Eq. 17) */
real nn_l1_forward(const real *p, const real *t, const real *w, int N)
{
    if (N <= 0)
        return 0;
    double s = 0;
    for (int i = 0; i < N; i++)
        s += (double)(w ? w[i] : 1) * fabs((double)p[i] - (double)t[i]);
    return (real)(s / N);
}

/* dp_i += scale w_i sign(p_i - t_i) / N, sign(0) = 0 */
void nn_l1_backward(real *dp, const real *p, const real *t, const real *w, int N, real scale)
{
    if (N <= 0)
        return;
    real k = scale / (real)N;
    for (int i = 0; i < N; i++) {
        real d = p[i] - t[i];
        real s = d > 0 ? 1 : d < 0 ? -1 : 0;
        dp[i] += k * (w ? w[i] : 1) * s;
    }
}

static const double infonce_eps = 1e-12;   /* SPEC 3: max(|v|, 1e-12) */

sm_status nn_infonce_cache_init(nn_infonce_cache *c, int maxN, int D, sm_err *err)
{
    memset(c, 0, sizeof *c);
    if (maxN < 1 || D < 1)
        return sm_err_set(err, SM_EINVAL, "infonce cache: expected positive sizes, got N=%d D=%d", maxN, D);
    c->maxN = maxN;
    c->D = D;
    size_t nd = (size_t)maxN * D, nn = (size_t)maxN * maxN;
    if (!(c->zn = sm_alloc(nd, sizeof(real), err)) || !(c->gn = sm_alloc(nd, sizeof(real), err)) ||
        !(c->znorm = sm_alloc((size_t)maxN, sizeof(real), err)) ||
        !(c->gnorm = sm_alloc((size_t)maxN, sizeof(real), err)) ||
        !(c->P = sm_alloc(nn, sizeof(real), err)) || !(c->S = sm_alloc(nn, sizeof(real), err)) ||
        !(c->dzn = sm_alloc(nd, sizeof(real), err)) || !(c->dgn = sm_alloc(nd, sizeof(real), err)) ||
        !(c->dS = sm_alloc(nn, sizeof(real), err))) {
        nn_infonce_cache_free(c);
        return sm_err_prefix(err, "infonce cache (N=%d D=%d)", maxN, D);
    }
    return SM_OK;
}

void nn_infonce_cache_free(nn_infonce_cache *c)
{
    if (!c)
        return;
    free(c->zn);
    free(c->gn);
    free(c->znorm);
    free(c->gnorm);
    free(c->P);
    free(c->S);
    free(c->dzn);
    free(c->dgn);
    free(c->dS);
    memset(c, 0, sizeof *c);
}

/* v~ = v / max(|v|, eps) row by row; norm[i] = max(|v_i|, eps) */
static void l2_normalise(real *vn, real *norm, const real *v, int N, int D)
{
    for (int i = 0; i < N; i++) {
        const real *r = v + (size_t)i * D;
        double s = 0;
        for (int k = 0; k < D; k++)
            s += (double)r[k] * r[k];
        double nv = sqrt(s);
        if (!(nv > infonce_eps))
            nv = infonce_eps;
        norm[i] = (real)nv;
        real inv = (real)(1.0 / nv);
        for (int k = 0; k < D; k++)
            vn[(size_t)i * D + k] = r[k] * inv;
    }
}

/* SPEC 3: L = (1/N) sum_i [ logsumexp_{j in J_i} S_ij - S_ii ],  S = z~ g~^T */
real nn_infonce_forward(nn_infonce_cache *c, const real *z, const real *g, int N, int D,
                        bool exclude_self)
{
    SM_ASSERT(N <= c->maxN && D == c->D);
    c->N = N;
    c->exclude_self = exclude_self;
    if (N < 2)
        return 0;
    l2_normalise(c->zn, c->znorm, z, N, D);
    l2_normalise(c->gn, c->gnorm, g, N, D);
    blas_gemm(false, true, N, N, D, 1, c->zn, D, c->gn, D, 0, c->S, N);
    double L = 0;
    for (int i = 0; i < N; i++) {
        const real *s = c->S + (size_t)i * N;
        real *pr = c->P + (size_t)i * N;
        double m = -HUGE_VAL;
        for (int j = 0; j < N; j++)
            if (!(exclude_self && j == i) && s[j] > m)
                m = s[j];
        double sum = 0;
        for (int j = 0; j < N; j++) {
            double e = exclude_self && j == i ? 0 : exp((double)s[j] - m);
            pr[j] = (real)e;
            sum += e;
        }
        for (int j = 0; j < N; j++)
            pr[j] = (real)(pr[j] / sum);
        L += m + log(sum) - s[i];
    }
    return (real)(L / N);
}

/* dL/dS_ij = (P_ij - [i = j]) / N;  dz~ = dS g~,  dg~ = dS^T z~;
 * for v~ = v / |v|: dv = (dv~ - v~ (v~ . dv~)) / |v|, and dv = dv~ / eps
 * where the norm is clamped to eps (SPEC 3). */
static void l2_normalise_backward(real *dv, const real *dvn, const real *vn, const real *norm,
                                  int N, int D, real scale)
{
    for (int i = 0; i < N; i++) {
        const real *a = dvn + (size_t)i * D, *u = vn + (size_t)i * D;
        real *o = dv + (size_t)i * D;
        real k = scale / norm[i];
        if (norm[i] <= (real)infonce_eps) {
            for (int d = 0; d < D; d++)
                o[d] += k * a[d];
            continue;
        }
        real dot = 0;
        for (int d = 0; d < D; d++)
            dot += u[d] * a[d];
        for (int d = 0; d < D; d++)
            o[d] += k * (a[d] - u[d] * dot);
    }
}

void nn_infonce_backward(real *dz, real *dg, const nn_infonce_cache *c, real scale)
{
    const int N = c->N, D = c->D;
    if (N < 2 || (!dz && !dg))
        return;
    real invN = (real)1 / (real)N;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            c->dS[(size_t)i * N + j] = (c->P[(size_t)i * N + j] - (i == j ? 1 : 0)) * invN;
    if (dz) {
        blas_gemm(false, false, N, D, N, 1, c->dS, N, c->gn, D, 0, c->dzn, D);
        l2_normalise_backward(dz, c->dzn, c->zn, c->znorm, N, D, scale);
    }
    if (dg) {
        blas_gemm(true, false, N, D, N, 1, c->dS, N, c->zn, D, 0, c->dgn, D);
        l2_normalise_backward(dg, c->dgn, c->gn, c->gnorm, N, D, scale);
    }
}
