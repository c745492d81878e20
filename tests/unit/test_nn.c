/* test_nn.c: values of the nn ops (float build) against hand-computed
 * cases and naive reference loops written independently here: L1, InfoNCE,
 * Adam, Linear, dropout, the LSTM and its backward products;
 * reproducibility from the seed. */
#include "config.h"
#include "base/cpu.h"
#include "nn/lstm_kern.h"
#include "nn/nn.h"
#include "nn/nn_math.h"
#include "../tap.h"

#include <float.h>
#include <math.h>
#include <string.h>

static double sigm(double x) { return 1.0 / (1.0 + exp(-x)); }

static void fill(real *a, size_t n, rng *r, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        a[i] = (real)rng_range(r, lo, hi);
}

/* naive InfoNCE in double, straight from SPEC 3 */
static double ref_infonce(const real *z, const real *g, int N, int D, int excl)
{
    if (N < 2)
        return 0;
    double zn[16][8], gn[16][8];
    for (int i = 0; i < N; i++) {
        double a = 0, b = 0;
        for (int d = 0; d < D; d++) {
            a += (double)z[i * D + d] * z[i * D + d];
            b += (double)g[i * D + d] * g[i * D + d];
        }
        a = fmax(sqrt(a), 1e-12);
        b = fmax(sqrt(b), 1e-12);
        for (int d = 0; d < D; d++) {
            zn[i][d] = z[i * D + d] / a;
            gn[i][d] = g[i * D + d] / b;
        }
    }
    double L = 0;
    for (int i = 0; i < N; i++) {
        double sum = 0, sii = 0;
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int d = 0; d < D; d++)
                s += zn[i][d] * gn[j][d];
            if (i == j)
                sii = s;
            if (!(excl && i == j))
                sum += exp(s);
        }
        L += log(sum) - sii;
    }
    return L / N;
}

/* naive LSTM for one sample of length L, double */
static void ref_lstm(double *hout, const real *x, int L, int F, int H, const real *wih,
                     const real *whh, const real *bih, const real *bhh)
{
    double h[64] = { 0 }, c[64] = { 0 }, a[256];
    for (int t = 0; t < L; t++) {
        for (int k = 0; k < 4 * H; k++) {
            double s = (double)bih[k] + bhh[k];
            for (int f = 0; f < F; f++)
                s += (double)wih[k * F + f] * x[t * F + f];
            for (int j = 0; j < H; j++)
                s += (double)whh[k * H + j] * h[j];
            a[k] = s;
        }
        for (int j = 0; j < H; j++) {
            double ig = sigm(a[j]), fg = sigm(a[H + j]), gg = tanh(a[2 * H + j]), og = sigm(a[3 * H + j]);
            c[j] = fg * c[j] + ig * gg;
            h[j] = og * tanh(c[j]);
        }
    }
    for (int j = 0; j < H; j++)
        hout[j] = h[j];
}

static void test_l1(void)
{
    real p[3] = { 1, 2, -1 }, t[3] = { 0.5f, 2, 1 }, w[3] = { 2, 1, 0.5f };
    /* (2*0.5 + 1*0 + 0.5*2) / 3 */
    tap_near(nn_l1_forward(p, t, w, 3), 2.0 / 3.0, 1e-6, "L1 weighted value");
    /* (0.5 + 0 + 2) / 3 */
    tap_near(nn_l1_forward(p, t, NULL, 3), 2.5 / 3.0, 1e-6, "L1 unweighted value");
    real dp[3] = { 1, 1, 1 };
    nn_l1_backward(dp, p, t, w, 3, 3.0f);
    tap_near(dp[0], 1 + 3.0 * 2 / 3, 1e-6, "L1 grad, positive residual");
    tap_near(dp[1], 1, 0, "L1 subgradient is 0 at exactly 0");
    tap_near(dp[2], 1 - 3.0 * 0.5 / 3, 1e-6, "L1 grad, negative residual");
}

static void test_infonce(void)
{
    sm_err err;
    nn_infonce_cache c;
    tap_ok(nn_infonce_cache_init(&c, 8, 3, &err) == SM_OK, "infonce cache init");
    /* z = g = unit basis vectors: S = I */
    real e[6] = { 1, 0, 0, 0, 1, 0 };
    double want = log(exp(1.0) + 1.0) - 1.0;
    tap_near(nn_infonce_forward(&c, e, e, 2, 3, false), want, 1e-6, "InfoNCE S = I, N=2: log(e+1)-1");
    tap_near(nn_infonce_forward(&c, e, e, 2, 3, true), -1.0, 1e-6, "InfoNCE S = I excluding self: 0 - 1");
    tap_near(nn_infonce_forward(&c, e, e, 1, 3, false), 0.0, 0, "InfoNCE N=1 gives 0");
    /* scale invariance of the cosine */
    real e5[6];
    for (int i = 0; i < 6; i++)
        e5[i] = 5 * e[i];
    tap_near(nn_infonce_forward(&c, e5, e, 2, 3, false), want, 1e-6, "InfoNCE ignores norms");

    rng r;
    rng_seed(&r, 7);
    real z[24], g[24];
    fill(z, 24, &r, -1, 1);
    fill(g, 24, &r, -1, 1);
    for (int excl = 0; excl < 2; excl++)
        tap_near(nn_infonce_forward(&c, z, g, 8, 3, excl), ref_infonce(z, g, 8, 3, excl), 2e-6,
                 "InfoNCE N=8 D=3 against a naive loop (exclude_self=%d)", excl);
    /* an all-zero z row: z~ = 0, S row = 0, finite */
    memset(z + 3, 0, 3 * sizeof *z);
    double L = nn_infonce_forward(&c, z, g, 8, 3, false);
    tap_near(L, ref_infonce(z, g, 8, 3, 0), 2e-6, "InfoNCE with an all-zero row (eps guard)");
    real dz[24] = { 0 }, dg[24] = { 0 };
    nn_infonce_backward(dz, dg, &c, 1);
    int fin = 1;
    for (int i = 0; i < 24; i++)
        fin &= isfinite(dz[i]) && isfinite(dg[i]);
    tap_ok(fin, "InfoNCE gradients finite with an all-zero row");
    /* u = z~ * g~ sums to the diagonal of S */
    double u = 0;
    for (int d = 0; d < 3; d++)
        u += (double)c.zn[d] * c.gn[d];
    tap_near(u, c.S[0], 1e-6, "cache: sum(z~_0 * g~_0) = S_00");
    nn_infonce_cache_free(&c);
    nn_infonce_cache_free(&c);
}

static void test_adam(void)
{
    /* one scalar, torch.optim.Adam by hand */
    real th = 1, m = 0, v = 0;
    real g1 = 0.5f;
    nn_adam_update(&th, &g1, &m, &v, 1, 0.1f, 0, 0.9f, 0.999f, 1e-8f, 1);
    tap_near(th, 0.9, 1e-6, "Adam step 1 moves by lr * sign(g)");
    real g2 = -0.2f;
    nn_adam_update(&th, &g2, &m, &v, 1, 0.1f, 0, 0.9f, 0.999f, 1e-8f, 2);
    double m2 = 0.9 * 0.05 + 0.1 * -0.2, v2 = 0.999 * 0.00025 + 0.001 * 0.04;
    double want = 0.9 - 0.1 * (m2 / (1 - 0.81)) / (sqrt(v2 / (1 - 0.998001)) + 1e-8);
    tap_near(th, want, 1e-6, "Adam step 2 (bias-corrected moments)");
    /* coupled L2: g = 0 + wd theta */
    real t2 = 2, m0 = 0, v0 = 0, z = 0;
    nn_adam_update(&t2, &z, &m0, &v0, 1, 0.01f, 0.5f, 0.9f, 0.999f, 1e-8f, 1);
    tap_near(t2, 1.99, 1e-6, "Adam coupled weight decay acts as a gradient");

    /* groups through nn_params: own lr per group, grads accumulate */
    nn_params p;
    memset(&p, 0, sizeof p);
    int a = nn_params_add(&p, "a", 3, 0, NN_INIT_ZERO, 0);
    int b = nn_params_add(&p, "b", 2, 1, NN_INIT_ZERO, 0);
    sm_err err;
    tap_ok(nn_params_alloc(&p, &err) == SM_OK && p.n == 5 && p.ngroups == 2, "params alloc, 5 values, 2 groups");
    tap_ok(p.beta1 == 0.9f && p.beta2 == 0.999f && p.eps == 1e-8f, "Adam defaults");
    p.g[0].lr = 0.1f;
    p.g[1].lr = 0.01f;
    for (size_t i = 0; i < p.n; i++)
        p.grad[i] = 1;
    for (size_t i = 0; i < p.n; i++)
        p.grad[i] -= 3; /* accumulation: the step sees the sum -2 */
    nn_adam_step(&p);
    tap_near(nn_params_ptr(&p, a)[2], 0.1, 1e-6, "group 0 moves by its lr");
    tap_near(nn_params_ptr(&p, b)[0], 0.01, 1e-7, "group 1 moves by its lr");
    tap_ok(p.step == 1 && nn_params_gptr(&p, b)[1] == -2, "step counted, gradients not zeroed");
    nn_params_zero_grad(&p);
    tap_ok(p.grad[0] == 0 && p.grad[4] == 0, "zero_grad");
    nn_params_free(&p);
    nn_params_free(&p);
}

static void test_linear(void)
{
    rng r;
    rng_seed(&r, 3);
    real x[12], w[20], b[5], y[15];
    fill(x, 12, &r, -1, 1);
    fill(w, 20, &r, -1, 1);
    fill(b, 5, &r, -1, 1);
    nn_linear_forward(y, x, w, b, 3, 4, 5);
    double worst = 0;
    for (int i = 0; i < 3; i++)
        for (int o = 0; o < 5; o++) {
            double s = b[o];
            for (int k = 0; k < 4; k++)
                s += (double)x[i * 4 + k] * w[o * 4 + k];
            worst = fmax(worst, fabs(s - y[i * 5 + o]));
        }
    tap_ok(worst < 1e-6, "linear forward against a naive loop (max err %.2g)", worst);
    real yr[4], xr[4] = { -1, 0, 2, -3 };
    nn_relu_forward(yr, xr, 4);
    tap_ok(yr[0] == 0 && yr[1] == 0 && yr[2] == 2 && yr[3] == 0, "relu");
    nn_sigmoid_forward(yr, xr, 4);
    tap_near(yr[2], sigm(2), 1e-6, "sigmoid");
    nn_tanh_forward(yr, xr, 4);
    tap_near(yr[3], tanh(-3), 1e-6, "tanh");
}

static void test_dropout(void)
{
    enum { N = 100000 };
    static real x[N], y[N], mask[N];
    for (int i = 0; i < N; i++)
        x[i] = 1;
    rng r;
    rng_seed(&r, 11);
    nn_dropout_forward(y, mask, x, N, 0.3f, true, &r);
    int zeros = 0, bad = 0;
    double mean = 0;
    for (int i = 0; i < N; i++) {
        zeros += mask[i] == 0;
        bad += mask[i] != 0 && fabs(mask[i] - 1 / 0.7) > 1e-6;
        mean += y[i];
    }
    mean /= N;
    tap_near((double)zeros / N, 0.3, 0.01, "dropout drops a fraction p");
    tap_ok(bad == 0, "dropout keeps with scale 1/(1-p)");
    tap_near(mean, 1.0, 0.015, "dropout preserves the mean");
    rng_seed(&r, 11);
    uint64_t before = r.s[0];
    nn_dropout_forward(y, mask, x, N, 0.3f, false, &r);
    int id = 1;
    for (int i = 0; i < N; i++)
        id &= y[i] == x[i] && mask[i] == 1;
    tap_ok(id && r.s[0] == before, "dropout off in evaluation: identity, no draws");
    nn_dropout_forward(x, mask, x, N, 0, true, &r);
    tap_ok(x[0] == 1 && mask[N - 1] == 1, "dropout p = 0 is the identity, in place");
}

/* init + LSTM forward + dropout from one seed */
static void seeded_run(real *out, uint64_t seed)
{
    enum { B = 3, T = 5, F = 4, H = 6 };
    sm_err err;
    rng r;
    rng_seed(&r, seed);
    nn_params p;
    memset(&p, 0, sizeof p);
    int l = nn_params_add_lstm(&p, "lstm", F, H, 0);
    nn_params_add_linear(&p, "fc", H, 2, 1);
    SM_ASSERT(nn_params_alloc(&p, &err) == SM_OK);
    nn_params_init(&p, &r);
    nn_lstm_cache c;
    SM_ASSERT(nn_lstm_cache_init(&c, B, T, F, H, &err) == SM_OK);
    real x[B * T * F], mask[B * H];
    int len[B] = { 5, 2, 4 };
    fill(x, B * T * F, &r, -1, 1);
    nn_lstm_forward(out, &c, x, len, nn_params_ptr(&p, l), nn_params_ptr(&p, l + 1),
                    nn_params_ptr(&p, l + 2), nn_params_ptr(&p, l + 3), B, T, F, H);
    nn_dropout_forward(out, mask, out, B * H, 0.5f, true, &r);
    memcpy(out + B * H, p.data, p.n * sizeof *out);
    nn_lstm_cache_free(&c);
    nn_params_free(&p);
}

static void test_seed(void)
{
    /* 3*6 outputs + (4*6*4 + 4*6*6 + 2*24) lstm + (2*6 + 2) fc */
    enum { NOUT = 18 + 96 + 144 + 48 + 14 };
    real a[NOUT], b[NOUT], c[NOUT];
    seeded_run(a, 42);
    seeded_run(b, 42);
    seeded_run(c, 43);
    tap_ok(memcmp(a, b, sizeof a) == 0, "same seed: bit-identical init, LSTM output, dropout");
    tap_ok(memcmp(a, c, sizeof a) != 0, "different seed: different run");
    double bound = 1 / sqrt(6.0);
    int inb = 1;
    for (int i = 18; i < 18 + 288; i++)
        inb &= fabs(a[i]) <= bound;
    tap_ok(inb, "LSTM init within U(-1/sqrt(H), 1/sqrt(H))");
}

static void test_lstm(void)
{
    enum { B = 5, T = 7, F = 3, H = 6 };
    sm_err err;
    rng r;
    rng_seed(&r, 5);
    real wih[4 * H * F], whh[4 * H * H], bih[4 * H], bhh[4 * H];
    fill(wih, sizeof wih / sizeof *wih, &r, -0.8, 0.8);
    fill(whh, sizeof whh / sizeof *whh, &r, -0.8, 0.8);
    fill(bih, 4 * H, &r, -0.5, 0.5);
    fill(bhh, 4 * H, &r, -0.5, 0.5);
    real x[B * T * F], x2[B * T * F], h[B * H], h2[B * H];
    fill(x, B * T * F, &r, -2, 2);
    int len[B] = { 3, 7, 1, 7, 5 };
    nn_lstm_cache c;
    tap_ok(nn_lstm_cache_init(&c, B, T, F, H, &err) == SM_OK, "lstm cache init");
    nn_lstm_forward(h, &c, x, len, wih, whh, bih, bhh, B, T, F, H);
    double worst = 0;
    for (int b = 0; b < B; b++) {
        double ref[H];
        ref_lstm(ref, x + b * T * F, len[b], F, H, wih, whh, bih, bhh);
        for (int j = 0; j < H; j++)
            worst = fmax(worst, fabs(ref[j] - h[b * H + j]));
    }
    tap_ok(worst < 2e-6, "LSTM forward (H=6), lengths 3 7 1 7 5, against a scalar loop (max err %.2g)", worst);
    tap_ok(c.Tmax == 7 && c.perm[0] == 1 && c.perm[1] == 3 && c.perm[4] == 2 && c.nb[1] == 4,
           "samples sorted by length, stable");

    /* padding content does not matter, even NaN */
    memcpy(x2, x, sizeof x);
    for (int b = 0; b < B; b++)
        for (int t = len[b]; t < T; t++)
            for (int f = 0; f < F; f++)
                x2[(b * T + t) * F + f] = (t & 1) ? NAN : 1e3f;
    nn_lstm_forward(h2, &c, x2, len, wih, whh, bih, bhh, B, T, F, H);
    tap_ok(memcmp(h, h2, sizeof h) == 0, "LSTM output independent of padding content");

    /* one sample alone, unpadded */
    nn_lstm_forward(h2, &c, x, len, wih, whh, bih, bhh, 1, T, F, H);
    tap_ok(fabs(h2[0] - h[0]) < 1e-6 && fabs(h2[H - 1] - h[H - 1]) < 1e-6, "LSTM sample alone = in batch");
    int l1 = 1;
    nn_lstm_forward(h2, &c, x + 2 * T * F, &l1, wih, whh, bih, bhh, 1, 1, F, H);
    tap_ok(fabs(h2[1] - h[2 * H + 1]) < 1e-6, "LSTM length-1 sample with T = 1");
    int zero[2] = { 0, 2 };
    nn_lstm_forward(h2, &c, x, zero, wih, whh, bih, bhh, 2, T, F, H);
    tap_ok(h2[0] == 0 && h2[H - 1] == 0, "LSTM length 0 gives h = 0");

    /* weights changed in place (an optimiser step) are packed again */
    nn_lstm_forward(h, &c, x, len, wih, whh, bih, bhh, B, T, F, H);
    whh[5] += 0.25f;
    bhh[2] -= 0.125f;
    nn_lstm_forward(h2, &c, x, len, wih, whh, bih, bhh, B, T, F, H);
    nn_lstm_cache fresh;
    real h3[B * H];
    SM_ASSERT(nn_lstm_cache_init(&fresh, B, T, F, H, &err) == SM_OK);
    nn_lstm_forward(h3, &fresh, x, len, wih, whh, bih, bhh, B, T, F, H);
    tap_ok(memcmp(h2, h3, sizeof h2) == 0 && memcmp(h, h2, sizeof h) != 0,
           "LSTM weights changed in place give what a fresh cache gives");
    nn_lstm_cache_free(&fresh);
    whh[5] -= 0.25f;
    bhh[2] += 0.125f;
    nn_lstm_cache_free(&c);
    nn_lstm_cache_free(NULL);
    tap_ok(nn_lstm_cache_init(&c, 0, T, F, H, &err) == SM_EINVAL && strstr(err.msg, "B=0"),
           "lstm cache rejects B = 0: %s", err.msg);
}

/* Wider shapes than test_lstm: hidden sizes that are not a multiple of any
 * vector width and more rows than a tile, against the scalar loop. */
static void test_lstm_wide(void)
{
    enum { B = 11, T = 9, F = 7 };
    static const int Hs[] = { 1, 13, 37 };
    for (size_t q = 0; q < sizeof Hs / sizeof Hs[0]; q++) {
        const int H = Hs[q], G = 4 * H;
        sm_err err;
        rng r;
        rng_seed(&r, 40 + (uint64_t)H);
        static real wih[4 * 37 * F], whh[4 * 37 * 37], bih[4 * 37], bhh[4 * 37], x[B * T * F], h[B * 37];
        fill(wih, (size_t)G * F, &r, -0.6, 0.6);
        fill(whh, (size_t)G * H, &r, -0.6, 0.6);
        fill(bih, (size_t)G, &r, -0.5, 0.5);
        fill(bhh, (size_t)G, &r, -0.5, 0.5);
        fill(x, B * T * F, &r, -2, 2);
        int len[B] = { 9, 1, 4, 9, 7, 2, 9, 3, 1, 8, 5 };
        nn_lstm_cache c;
        SM_ASSERT(nn_lstm_cache_init(&c, B, T, F, H, &err) == SM_OK);
        nn_lstm_forward(h, &c, x, len, wih, whh, bih, bhh, B, T, F, H);
        double worst = 0;
        for (int b = 0; b < B; b++) {
            double ref[37];
            ref_lstm(ref, x + b * T * F, len[b], F, H, wih, whh, bih, bhh);
            for (int j = 0; j < H; j++)
                worst = fmax(worst, fabs(ref[j] - h[b * H + j]));
        }
        tap_ok(worst < 3e-6, "LSTM forward B=%d H=%d against the scalar loop (max err %.2g)", B, H, worst);
        nn_lstm_cache_free(&c);
    }
}

/* The backward's two products in the kernels of one SIMD level, on shapes
 * that cover whole tiles, partial vectors, every remainder of a tile's
 * columns and rows, and more rows than a block: each sum must equal, to
 * the bit, the sum over the rows (dW) or the gates (dx) in order, with
 * fmaf where the level has FMA and a product then a sum where not. */
static float lk_step(float a, float b, float acc, bool fma)
{
    if (fma)
        return fmaf(a, b, acc);
    volatile float p = a * b;   /* rounded alone, as without FMA */
    return acc + p;
}

static void test_lstm_products(const lstm_kern *k, bool fma)
{
    static const int shapes[][3] = {   /* S, G, K */
        { 1, 4, 1 },    { 5, 20, 13 },  { 127, 64, 12 }, { 128, 52, 25 },
        { 129, 256, 84 }, { 300, 36, 11 }, { 1, 256, 20 }, { 261, 100, 7 },
    };
    rng r;
    rng_seed(&r, 91);
    size_t bad_dw = 0, bad_dx = 0, n_dw = 0, n_dx = 0;
    for (size_t q = 0; q < sizeof shapes / sizeof shapes[0]; q++) {
        const int S = shapes[q][0], G = shapes[q][1], K = shapes[q][2];
        const int Np = (K + k->V - 1) / k->V * k->V;   /* K plays N for dx: w (G, Np) */
        /* xh is read up to a vector past its end (lstm_kern.h) */
        real *da = malloc(sizeof(real) * (size_t)S * G), *xh = malloc(sizeof(real) * ((size_t)S * K + 16));
        real *dw = malloc(sizeof(real) * (size_t)G * K), *w = calloc((size_t)G * Np, sizeof(real));
        real *out = malloc(sizeof(real) * (size_t)S * K);
        SM_ASSERT(da && xh && dw && w && out);
        fill(da, (size_t)S * G, &r, -1, 1);
        fill(xh, (size_t)S * K + 16, &r, -1, 1);
        for (int g = 0; g < G; g++)
            fill(w + (size_t)g * Np, (size_t)K, &r, -1, 1);
        for (size_t i = 0; i < (size_t)K * G; i++)
            dw[i] = 1e30f;   /* overwritten, not added to */
        k->dw(da, xh, (size_t)S, G, K, dw);
        for (int kk = 0; kk < K; kk++)
            for (int g = 0; g < G; g++) {
                float acc = 0;
                for (int s = 0; s < S; s++)
                    acc = lk_step(xh[(size_t)s * K + kk], da[(size_t)s * G + g], acc, fma);
                bad_dw += memcmp(&acc, &dw[(size_t)g * K + kk], sizeof acc) != 0;
                n_dw++;
            }
        k->rowmul(da, (size_t)S, G, w, K, out);
        for (int s = 0; s < S; s++)
            for (int j = 0; j < K; j++) {
                float acc = 0;
                for (int g = 0; g < G; g++)
                    acc = lk_step(da[(size_t)s * G + g], w[(size_t)g * Np + j], acc, fma);
                bad_dx += memcmp(&acc, &out[(size_t)s * K + j], sizeof acc) != 0;
                n_dx++;
            }
        free(da);
        free(xh);
        free(dw);
        free(w);
        free(out);
    }
    tap_ok(bad_dw == 0, "LSTM dW product (%s): %zu of %zu sums differ from the sum over rows in order", k->name,
           bad_dw, n_dw);
    tap_ok(bad_dx == 0, "LSTM dx product (%s): %zu of %zu sums differ from the sum over gates in order", k->name,
           bad_dx, n_dx);
}

/* The float backward (vectorised path and its tail) along one random
 * direction v: sum(grad . v) against (L(th + e v) - L(th - e v)) / 2e. */
static double lstm_dir_loss(nn_lstm_cache *c, const real *th, const real *v, double e, const int *len,
                            const real *r, int B, int T, int F, int H, size_t n)
{
    static real t[32768], h[1024];
    SM_ASSERT(n <= 32768 && B * H <= 1024);
    for (size_t i = 0; i < n; i++)
        t[i] = (real)(th[i] + e * v[i]);
    const real *x = t, *wih = x + B * T * F, *whh = wih + 4 * H * F, *bih = whh + 4 * H * H, *bhh = bih + 4 * H;
    nn_lstm_forward(h, c, x, len, wih, whh, bih, bhh, B, T, F, H);
    double s = 0;
    for (int i = 0; i < B * H; i++)
        s += (double)r[i] * h[i];
    return s;
}

static void test_lstm_backward_float(int H, int B)
{
    enum { T = 5, F = 3 };
    sm_err err;
    rng r;
    rng_seed(&r, 17 + (uint64_t)H);
    size_t n = (size_t)B * T * F + 4 * H * F + 4 * H * H + 8 * H;
    static real th[32768], v[32768], g[32768], rr[1024], h[1024];
    SM_ASSERT(n <= 32768 && B * H <= 1024 && B <= 9);
    memset(g, 0, sizeof g);
    fill(th, n, &r, -0.8, 0.8);
    fill(v, n, &r, -1, 1);
    fill(rr, (size_t)B * H, &r, -1, 1);
    const int len[9] = { 5, 1, 4, 5, 2, 3, 1, 5, 4 };
    nn_lstm_cache c;
    SM_ASSERT(nn_lstm_cache_init(&c, B, T, F, H, &err) == SM_OK);
    const real *x = th, *wih = x + B * T * F, *whh = wih + 4 * H * F, *bih = whh + 4 * H * H, *bhh = bih + 4 * H;
    real *dx = g, *dwih = dx + B * T * F, *dwhh = dwih + 4 * H * F, *dbih = dwhh + 4 * H * H, *dbhh = dbih + 4 * H;
    nn_lstm_forward(h, &c, x, len, wih, whh, bih, bhh, B, T, F, H);
    nn_lstm_backward(dx, dwih, dwhh, dbih, dbhh, rr, &c, x, len, wih, whh, B, T, F, H);
    double an = 0;
    for (size_t i = 0; i < n; i++)
        an += (double)g[i] * v[i];
    double e = 1e-2;
    double num = (lstm_dir_loss(&c, th, v, e, len, rr, B, T, F, H, n) -
                  lstm_dir_loss(&c, th, v, -e, len, rr, B, T, F, H, n)) / (2 * e);
    tap_near(an, num, 2e-3 * fmax(1, fabs(num)),
             "float LSTM backward along a random direction, H=%d (analytic %.6g)", H, an);
    nn_lstm_cache_free(&c);
}

/* the vectorised tanh and sigmoid of the LSTM's pointwise pass */
static void test_fast_act(void)
{
#ifndef SM_REAL_DOUBLE
    double et = 0, es = 0;
    for (int k = -24000; k < 24000; k += 4) {
        float xs[4];
        for (int q = 0; q < 4; q++)
            xs[q] = (float)(k + q) * 5e-4f;
        nn_v4f x, t, s;
        memcpy(&x, xs, sizeof x);
        t = nn_v4f_tanh(x);
        s = nn_v4f_sigmoid(x);
        for (int q = 0; q < 4; q++) {
            et = fmax(et, fabs(t[q] - tanh(xs[q])));
            es = fmax(es, fabs(s[q] - sigm(xs[q])));
        }
    }
    tap_ok(et < 1e-6, "vector tanh on [-12, 12]: max abs err %.2g", et);
    tap_ok(es < 1e-6, "vector sigmoid on [-12, 12]: max abs err %.2g", es);
#endif
}

/* nn_all_finite: every length around the vector width, a NaN or an
 * infinity at every place, and finite extremes */
static void test_all_finite(void)
{
    real x[41];
    int bad = 0;
    for (int n = 0; n <= 41; n++) {
        for (int i = 0; i < n; i++)
            x[i] = (i % 3 == 0) ? (real)FLT_MAX : (i % 3 == 1) ? -(real)FLT_MAX : (real)1e-30;
        if (!nn_all_finite(x, (size_t)n))
            bad++;
        for (int i = 0; i < n; i++) {
            const real special[3] = { (real)NAN, (real)INFINITY, -(real)INFINITY };
            for (int k = 0; k < 3; k++) {
                real keep = x[i];
                x[i] = special[k];
                if (nn_all_finite(x, (size_t)n))
                    bad++;
                x[i] = keep;
            }
        }
    }
    tap_ok(bad == 0, "nn_all_finite: finite extremes pass, one NaN or infinity anywhere fails (%d wrong)", bad);
}

/* AVX2 and AVX-512 sum every product in the same order with FMA (the
 * step kernels over the inputs, dW over the rows, dx over the gates), so
 * the two levels give the same bits: forward and backward compared. */
static void lstm_fwd_bwd(cpu_isa l, real *out, size_t n_out, const real *x, const int *len, const real *w,
                         const real *dh, int B, int T, int F, int H)
{
    cpu_isa_force(l);
    const int G = 4 * H;
    const real *wih = w, *whh = wih + (size_t)G * F, *bih = whh + (size_t)G * H, *bhh = bih + G;
    real *h = out, *dx = h + (size_t)B * H, *dwih = dx + (size_t)B * T * F, *dwhh = dwih + (size_t)G * F;
    real *dbih = dwhh + (size_t)G * H, *dbhh = dbih + G;
    SM_ASSERT((size_t)(dbhh + G - out) == n_out);
    memset(out, 0, n_out * sizeof *out);
    sm_err err;
    nn_lstm_cache c;
    SM_ASSERT(nn_lstm_cache_init(&c, B, T, F, H, &err) == SM_OK);
    nn_lstm_forward(h, &c, x, len, wih, whh, bih, bhh, B, T, F, H);
    nn_lstm_backward(dx, dwih, dwhh, dbih, dbhh, dh, &c, x, len, wih, whh, B, T, F, H);
    nn_lstm_cache_free(&c);
}

static void test_lstm_fma_levels_agree(void)
{
    if (cpu_isa_detected() < CPU_ISA_AVX512) {
        tap_diag("AVX2 against AVX-512: not run, this processor has no AVX-512");
        return;
    }
    enum { B = 9, T = 150, F = 20, H = 37, G = 4 * H };
    const int len[B] = { 150, 1, 77, 150, 3, 129, 150, 2, 64 };
    const size_t nw = (size_t)G * (F + H) + 2 * G, n_out = (size_t)B * H + (size_t)B * T * F + nw;
    real *x = malloc(sizeof(real) * B * T * F), *w = malloc(sizeof(real) * nw), *dh = malloc(sizeof(real) * B * H);
    real *a = malloc(sizeof(real) * n_out), *b = malloc(sizeof(real) * n_out);
    SM_ASSERT(x && w && dh && a && b);
    rng r;
    rng_seed(&r, 123);
    fill(x, (size_t)B * T * F, &r, -1, 1);
    fill(w, nw, &r, -0.3, 0.3);
    fill(dh, (size_t)B * H, &r, -1, 1);
    const cpu_isa was = cpu_isa_active();
    lstm_fwd_bwd(CPU_ISA_AVX2, a, n_out, x, len, w, dh, B, T, F, H);
    lstm_fwd_bwd(CPU_ISA_AVX512, b, n_out, x, len, w, dh, B, T, F, H);
    cpu_isa_force(was);
    size_t differ = 0;
    for (size_t i = 0; i < n_out; i++)
        differ += memcmp(&a[i], &b[i], sizeof a[i]) != 0;
    tap_ok(differ == 0, "LSTM forward and backward: AVX2 and AVX-512 give the same bits (%zu of %zu values differ)",
           differ, n_out);
    free(x);
    free(w);
    free(dh);
    free(a);
    free(b);
}

int main(void)
{
    test_all_finite();
    test_l1();
    test_infonce();
    test_adam();
    test_linear();
    test_dropout();
    test_seed();
    test_fast_act();
    /* the LSTM at every SIMD level this processor runs (base/cpu.h) */
    for (int l = 0; l <= (int)cpu_isa_detected(); l++) {
        cpu_isa_force((cpu_isa)l);
        tap_diag("SIMD level %s", cpu_isa_name((cpu_isa)l));
        tap_ok(strcmp(nn_lstm_kernel_name(), cpu_isa_name((cpu_isa)l)) == 0, "LSTM kernels %s in use",
               nn_lstm_kernel_name());
        test_lstm();
        test_lstm_wide();
        test_lstm_backward_float(6, 3);
        test_lstm_backward_float(8, 3);
        test_lstm_backward_float(21, 9);   /* partial vectors, several row tiles */
        test_lstm_backward_float(64, 5);   /* the video LSTM's width */
#if defined(__x86_64__)
        test_lstm_products(l == CPU_ISA_AVX512 ? &lstm_kern_avx512 : l == CPU_ISA_AVX2 ? &lstm_kern_avx2
                                                                                     : &lstm_kern_generic,
                           l != CPU_ISA_GENERIC);
#else
        test_lstm_products(&lstm_kern_generic, false);
#endif
    }
    test_lstm_fma_levels_agree();
    return tap_done();
}
