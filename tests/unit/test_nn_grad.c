/* test_nn_grad.c: central finite-difference gradient checks of every nn op,
 * built with real = double (-DSM_REAL_DOUBLE).
 *
 * For a scalar loss L(theta), each analytic gradient element a is compared
 * with n = (L(theta + h) - L(theta - h)) / 2h, h = 1e-6; the check passes when
 *   max over elements of |a - n| / max(|a|, |n|, 1e-2) < 1e-6.
 * Ops with a vector output use L = sum_k r_k y_k with a fixed random r. */
#include "config.h"
#include "base/cpu.h"
#include "nn/nn.h"
#include "../tap.h"

#include <string.h>

#ifndef SM_REAL_DOUBLE
#error "test_nn_grad must be built with -DSM_REAL_DOUBLE"
#endif

static const double STEP = 1e-6, TOL = 1e-6;

typedef double (*loss_fn)(void *ctx);

static void fill(real *a, size_t n, rng *r, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        a[i] = rng_range(r, lo, hi);
}

static double dot(const real *a, const real *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* compare grad (n) with central differences of f over the values at theta */
static void check(const char *what, loss_fn f, void *ctx, real *theta, const real *grad, size_t n)
{
    double maxabs = 0, maxrel = 0;
    for (size_t i = 0; i < n; i++) {
        real keep = theta[i];
        theta[i] = keep + STEP;
        double fp = f(ctx);
        theta[i] = keep - STEP;
        double fm = f(ctx);
        theta[i] = keep;
        double num = (fp - fm) / (2 * STEP);
        double e = fabs(num - grad[i]);
        double rel = e / fmax(fmax(fabs(num), fabs(grad[i])), 1e-2);
        maxabs = fmax(maxabs, e);
        if (!(rel <= maxrel))
            maxrel = rel;   /* NaN propagates */
    }
    tap_diag("%s: %zu values, max abs err %.3g, max rel err %.3g", what, n, maxabs, maxrel);
    tap_ok(maxrel < TOL, "gradient %s (rel err %.2g < %.0e)", what, maxrel, TOL);
}

/* ---------------------------------------------------------------- linear */
enum { LB = 3, LI = 4, LO = 5 };
typedef struct { real x[LB * LI], w[LO * LI], b[LO], r[LB * LO], y[LB * LO]; } lin_ctx;

static double lin_loss(void *p)
{
    lin_ctx *c = p;
    nn_linear_forward(c->y, c->x, c->w, c->b, LB, LI, LO);
    return dot(c->r, c->y, LB * LO);
}

static void test_linear(rng *r)
{
    lin_ctx c;
    fill(c.x, LB * LI, r, -1, 1);
    fill(c.w, LO * LI, r, -1, 1);
    fill(c.b, LO, r, -1, 1);
    fill(c.r, LB * LO, r, -1, 1);
    real dx[LB * LI], dw[LO * LI], db[LO];
    for (int i = 0; i < LB * LI; i++)
        dx[i] = 0;
    for (int i = 0; i < LO * LI; i++)
        dw[i] = 0;
    for (int i = 0; i < LO; i++)
        db[i] = 0;
    nn_linear_backward(dx, dw, db, c.r, c.x, c.w, LB, LI, LO);
    check("linear dx", lin_loss, &c, c.x, dx, LB * LI);
    check("linear dw", lin_loss, &c, c.w, dw, LO * LI);
    check("linear db", lin_loss, &c, c.b, db, LO);
}

/* ----------------------------------------------------- pointwise ops */
enum { AN = 16 };
typedef struct { int kind; real x[AN], y[AN], mask[AN], r[AN]; } act_ctx;

static double act_loss(void *p)
{
    act_ctx *c = p;
    rng d;
    switch (c->kind) {
    case 0: nn_relu_forward(c->y, c->x, AN); break;
    case 1: nn_tanh_forward(c->y, c->x, AN); break;
    case 2: nn_sigmoid_forward(c->y, c->x, AN); break;
    default: /* dropout: the same mask at every evaluation */
        rng_seed(&d, 99);
        nn_dropout_forward(c->y, c->mask, c->x, AN, 0.4, true, &d);
    }
    return dot(c->r, c->y, AN);
}

static void test_pointwise(rng *r)
{
    static const char *const name[4] = { "relu", "tanh", "sigmoid", "dropout (fixed mask)" };
    for (int k = 0; k < 4; k++) {
        act_ctx c;
        c.kind = k;
        for (int i = 0; i < AN; i++) {
            double v = rng_range(r, 0.05, 2);   /* away from the relu kink */
            c.x[i] = rng_uniform(r) < 0.5 ? -v : v;
        }
        fill(c.r, AN, r, -1, 1);
        act_loss(&c);
        real dx[AN] = { 0 };
        switch (k) {
        case 0: nn_relu_backward(dx, c.r, c.y, AN); break;
        case 1: nn_tanh_backward(dx, c.r, c.y, AN); break;
        case 2: nn_sigmoid_backward(dx, c.r, c.y, AN); break;
        default: nn_dropout_backward(dx, c.r, c.mask, AN);
        }
        check(name[k], act_loss, &c, c.x, dx, AN);
    }
}

/* ------------------------------------------------------------------ LSTM */
enum { SB = 4, ST = 6, SF = 3, SH = 5, SG = 4 * SH };
typedef struct {
    real x[SB * ST * SF], wih[SG * SF], whh[SG * SH], bih[SG], bhh[SG];
    real r[SB * SH], h[SB * SH];
    int len[SB];
    nn_lstm_cache cache;
} lstm_ctx;

static double lstm_loss(void *p)
{
    lstm_ctx *c = p;
    nn_lstm_forward(c->h, &c->cache, c->x, c->len, c->wih, c->whh, c->bih, c->bhh, SB, ST, SF, SH);
    return dot(c->r, c->h, SB * SH);
}

/* len: the batch's lengths (all 1: one step, h_{-1} = 0, so dW_hh gets
 * nothing) */
static void test_lstm(rng *r, const int len[SB])
{
    static lstm_ctx c;
    char nm[96], ls[32];
    snprintf(ls, sizeof ls, "lengths %d %d %d %d", len[0], len[1], len[2], len[3]);
    sm_err err;
    SM_ASSERT(nn_lstm_cache_init(&c.cache, SB, ST, SF, SH, &err) == SM_OK);
    fill(c.x, SB * ST * SF, r, -1.5, 1.5);
    fill(c.wih, SG * SF, r, -0.7, 0.7);
    fill(c.whh, SG * SH, r, -0.7, 0.7);
    fill(c.bih, SG, r, -0.5, 0.5);
    fill(c.bhh, SG, r, -0.5, 0.5);
    fill(c.r, SB * SH, r, -1, 1);
    memcpy(c.len, len, sizeof c.len);
    static real dx[SB * ST * SF], dwih[SG * SF], dwhh[SG * SH], dbih[SG], dbhh[SG];
    memset(dx, 0, sizeof dx);
    memset(dwih, 0, sizeof dwih);
    memset(dwhh, 0, sizeof dwhh);
    memset(dbhh, 0, sizeof dbhh);
    /* accumulate onto a non-zero start to check "+=" */
    for (int i = 0; i < SG; i++)
        dbih[i] = 1;
    lstm_loss(&c);
    nn_lstm_backward(dx, dwih, dwhh, dbih, dbhh, c.r, &c.cache, c.x, c.len, c.wih, c.whh, SB, ST, SF, SH);
    for (int i = 0; i < SG; i++)
        dbih[i] -= 1;
    snprintf(nm, sizeof nm, "lstm dx (%s)", ls);
    check(nm, lstm_loss, &c, c.x, dx, SB * ST * SF);
    snprintf(nm, sizeof nm, "lstm dW_ih (%s)", ls);
    check(nm, lstm_loss, &c, c.wih, dwih, SG * SF);
    snprintf(nm, sizeof nm, "lstm dW_hh (%s)", ls);
    check(nm, lstm_loss, &c, c.whh, dwhh, SG * SH);
    snprintf(nm, sizeof nm, "lstm db_ih (%s)", ls);
    check(nm, lstm_loss, &c, c.bih, dbih, SG);
    snprintf(nm, sizeof nm, "lstm db_hh (%s)", ls);
    check(nm, lstm_loss, &c, c.bhh, dbhh, SG);
    int padzero = 1;
    for (int b = 0; b < SB; b++)
        for (int i = len[b] * SF; i < ST * SF; i++)
            padzero &= dx[b * ST * SF + i] == 0;
    tap_ok(padzero, "lstm dx is exactly 0 on padding (%s)", ls);
    if (len[0] == 1 && len[1] == 1 && len[2] == 1 && len[3] == 1) {
        int hhzero = 1;
        for (int i = 0; i < SG * SH; i++)
            hhzero &= dwhh[i] == 0;
        tap_ok(hhzero, "lstm dW_hh is exactly 0 when every length is 1 (h_{-1} = 0)");
    }
    nn_lstm_cache_free(&c.cache);
}

/* ---------------------------------------------------------------- losses */
enum { NL = 7 };
typedef struct { real p[NL], t[NL], w[NL]; } l1_ctx;

static double l1_loss(void *p)
{
    l1_ctx *c = p;
    return 0.7 * nn_l1_forward(c->p, c->t, c->w, NL);
}

static void test_l1(rng *r)
{
    l1_ctx c;
    for (int i = 0; i < NL; i++) {
        c.t[i] = rng_range(r, -3, 3);
        double d = rng_range(r, 0.01, 1);   /* |p - t| >> step: no kink */
        c.p[i] = c.t[i] + (i & 1 ? d : -d);
        c.w[i] = rng_range(r, 0, 2);
    }
    real dp[NL] = { 0 };
    nn_l1_backward(dp, c.p, c.t, c.w, NL, 0.7);
    check("L1 dp (weighted, scale 0.7)", l1_loss, &c, c.p, dp, NL);
}

enum { NN_ = 6, ND = 4 };
typedef struct { real z[NN_ * ND], g[NN_ * ND]; bool excl; nn_infonce_cache c; } nce_ctx;

static double nce_loss(void *p)
{
    nce_ctx *c = p;
    return 1.3 * nn_infonce_forward(&c->c, c->z, c->g, NN_, ND, c->excl);
}

static void test_infonce(rng *r)
{
    static nce_ctx c;
    sm_err err;
    SM_ASSERT(nn_infonce_cache_init(&c.c, NN_, ND, &err) == SM_OK);
    for (int excl = 0; excl < 2; excl++) {
        c.excl = excl;
        fill(c.z, NN_ * ND, r, -1, 1);
        fill(c.g, NN_ * ND, r, -1, 1);
        real dz[NN_ * ND] = { 0 }, dg[NN_ * ND] = { 0 };
        nce_loss(&c);
        nn_infonce_backward(dz, dg, &c.c, 1.3);
        char what[64];
        snprintf(what, sizeof what, "InfoNCE dz (exclude_self=%d)", excl);
        check(what, nce_loss, &c, c.z, dz, NN_ * ND);
        snprintf(what, sizeof what, "InfoNCE dg (exclude_self=%d)", excl);
        check(what, nce_loss, &c, c.g, dg, NN_ * ND);
    }
    /* row 2 of z all zero: the eps guard keeps z~ = 0; its gradient must be
     * finite, and every other gradient still matches */
    c.excl = false;
    fill(c.z, NN_ * ND, r, -1, 1);
    fill(c.g, NN_ * ND, r, -1, 1);
    memset(c.z + 2 * ND, 0, ND * sizeof *c.z);
    real dz[NN_ * ND] = { 0 }, dg[NN_ * ND] = { 0 };
    double L = nce_loss(&c);
    nn_infonce_backward(dz, dg, &c.c, 1.3);
    int fin = isfinite(L);
    for (int i = 0; i < NN_ * ND; i++)
        fin &= isfinite(dz[i]) && isfinite(dg[i]);
    tap_ok(fin, "InfoNCE with an all-zero z row: loss and gradients finite");
    check("InfoNCE dg with an all-zero z row", nce_loss, &c, c.g, dg, NN_ * ND);
    check("InfoNCE dz of rows 0-1 with an all-zero z row", nce_loss, &c, c.z, dz, 2 * ND);
    check("InfoNCE dz of rows 3-5 with an all-zero z row", nce_loss, &c, c.z + 3 * ND, dz + 3 * ND,
          (NN_ - 3) * ND);
    tap_near(nn_infonce_forward(&c.c, c.z, c.g, 1, ND, false), 0, 0, "InfoNCE N=1 is 0");
    real d1[ND] = { 0 };
    nn_infonce_backward(d1, NULL, &c.c, 1);
    tap_ok(d1[0] == 0 && d1[ND - 1] == 0, "InfoNCE N=1 has no gradient");
    nn_infonce_cache_free(&c.c);
}

/* -------------------------------------------------- a composed network
 * x -> LSTM -> h;  a = Linear1(h);  z = ReLU(a);  y^ = Linear2(z);
 * gp = LinearG(h);  L = L1(y^, y, w) + 0.1 InfoNCE(z, gp)
 * with every parameter in one nn_params store. */
enum { CB = 6, CT = 5, CF = 3, CH = 4, CD = 4 };
typedef struct {
    nn_params p;
    int lstm, fc1, fc2, fg;
    real x[CB * CT * CF], y[CB], w[CB];
    int len[CB];
    nn_lstm_cache lc;
    nn_infonce_cache nc;
    real h[CB * CH], a[CB * CD], z[CB * CD], yhat[CB], gp[CB * CD];
} net_ctx;

static double net_forward(void *pp)
{
    net_ctx *c = pp;
    const nn_params *p = &c->p;
    nn_lstm_forward(c->h, &c->lc, c->x, c->len, nn_params_ptr(p, c->lstm), nn_params_ptr(p, c->lstm + 1),
                    nn_params_ptr(p, c->lstm + 2), nn_params_ptr(p, c->lstm + 3), CB, CT, CF, CH);
    nn_linear_forward(c->a, c->h, nn_params_ptr(p, c->fc1), nn_params_ptr(p, c->fc1 + 1), CB, CH, CD);
    nn_relu_forward(c->z, c->a, CB * CD);
    nn_linear_forward(c->yhat, c->z, nn_params_ptr(p, c->fc2), nn_params_ptr(p, c->fc2 + 1), CB, CD, 1);
    nn_linear_forward(c->gp, c->h, nn_params_ptr(p, c->fg), nn_params_ptr(p, c->fg + 1), CB, CH, CD);
    return nn_l1_forward(c->yhat, c->y, c->w, CB) + 0.1 * nn_infonce_forward(&c->nc, c->z, c->gp, CB, CD, false);
}

static void net_backward(net_ctx *c)
{
    nn_params *p = &c->p;
    real dyhat[CB] = { 0 }, dz[CB * CD] = { 0 }, da[CB * CD] = { 0 }, dgp[CB * CD] = { 0 }, dh[CB * CH] = { 0 };
    nn_l1_backward(dyhat, c->yhat, c->y, c->w, CB, 1);
    nn_infonce_backward(dz, dgp, &c->nc, 0.1);
    nn_linear_backward(dz, nn_params_gptr(p, c->fc2), nn_params_gptr(p, c->fc2 + 1), dyhat, c->z,
                       nn_params_ptr(p, c->fc2), CB, CD, 1);
    nn_relu_backward(da, dz, c->z, CB * CD);
    nn_linear_backward(dh, nn_params_gptr(p, c->fc1), nn_params_gptr(p, c->fc1 + 1), da, c->h,
                       nn_params_ptr(p, c->fc1), CB, CH, CD);
    nn_linear_backward(dh, nn_params_gptr(p, c->fg), nn_params_gptr(p, c->fg + 1), dgp, c->h,
                       nn_params_ptr(p, c->fg), CB, CH, CD);
    nn_lstm_backward(NULL, nn_params_gptr(p, c->lstm), nn_params_gptr(p, c->lstm + 1),
                     nn_params_gptr(p, c->lstm + 2), nn_params_gptr(p, c->lstm + 3), dh, &c->lc, c->x,
                     c->len, nn_params_ptr(p, c->lstm), nn_params_ptr(p, c->lstm + 1), CB, CT, CF, CH);
}

static void test_network(rng *r)
{
    static net_ctx c;
    sm_err err;
    memset(&c.p, 0, sizeof c.p);
    c.lstm = nn_params_add_lstm(&c.p, "lstm", CF, CH, 0);
    c.fc1 = nn_params_add_linear(&c.p, "fc1", CH, CD, 1);
    c.fc2 = nn_params_add_linear(&c.p, "fc2", CD, 1, 1);
    c.fg = nn_params_add_linear(&c.p, "g", CH, CD, 2);
    SM_ASSERT(nn_params_alloc(&c.p, &err) == SM_OK);
    SM_ASSERT(nn_lstm_cache_init(&c.lc, CB, CT, CF, CH, &err) == SM_OK);
    SM_ASSERT(nn_infonce_cache_init(&c.nc, CB, CD, &err) == SM_OK);
    nn_params_init(&c.p, r);
    /* larger weights than the default init so that the ReLU and the
     * gradients are far from trivial */
    for (size_t i = 0; i < c.p.n; i++)
        c.p.data[i] *= 2;
    fill(c.x, CB * CT * CF, r, -1, 1);
    fill(c.w, CB, r, 0.2, 1.5);
    const int len[CB] = { 5, 1, 3, 5, 2, 4 };
    memcpy(c.len, len, sizeof len);
    net_forward(&c);
    for (int i = 0; i < CB; i++)   /* targets away from the predictions */
        c.y[i] = c.yhat[i] + (i & 1 ? 0.5 : -0.5);
    double amin = 1e9;
    for (int i = 0; i < CB * CD; i++)
        amin = fmin(amin, fabs(c.a[i]));
    tap_diag("composed network: %zu parameters, min |relu input| %.3g", c.p.n, amin);
    nn_params_zero_grad(&c.p);
    net_forward(&c);
    net_backward(&c);
    for (int k = 0; k < c.p.ntensors; k++)
        check(c.p.t[k].name, net_forward, &c, nn_params_ptr(&c.p, k), nn_params_gptr(&c.p, k), c.p.t[k].n);
    check("network: the whole flat buffer", net_forward, &c, c.p.data, c.p.grad, c.p.n);
    nn_lstm_cache_free(&c.lc);
    nn_infonce_cache_free(&c.nc);
    nn_params_free(&c.p);
}

int main(void)
{
    rng r;
    rng_seed(&r, 2024);
    tap_diag("central differences, step %g, tolerance %g on |a-n|/max(|a|,|n|,1e-2)", STEP, TOL);
    test_linear(&r);
    test_pointwise(&r);
    test_l1(&r);
    test_infonce(&r);
    /* the LSTM and the network that holds it at every SIMD level this
     * processor runs (its kernels are chosen per level, base/cpu.h) */
    for (int l = 0; l <= (int)cpu_isa_detected(); l++) {
        cpu_isa_force((cpu_isa)l);
        tap_diag("SIMD level %s, LSTM kernels %s", cpu_isa_name((cpu_isa)l), nn_lstm_kernel_name());
        tap_ok(strcmp(nn_lstm_kernel_name(), cpu_isa_name((cpu_isa)l)) == 0, "LSTM kernels of level %s in use",
               cpu_isa_name((cpu_isa)l));
        test_lstm(&r, (const int[SB]){ 4, 6, 1, 6 });   /* a length 1, two full lengths */
        test_lstm(&r, (const int[SB]){ 1, 1, 1, 1 });   /* one step for every sample */
        test_network(&r);
    }
    return tap_done();
}
