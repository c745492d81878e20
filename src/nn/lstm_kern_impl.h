/* lstm_kern_impl.h: the body of the LSTM step kernels (lstm_kern.h),
 * included once per SIMD level by lstm_kern_<level>.c, which defines:
 *   LK_NAME     the kernel table's name
 *   LK_LEVEL    its printed name
 *   LK_TARGET   the function attribute of the level (or nothing)
 *   LK_VBYTES   bytes per vector
 *   LK_FMA(a, b, c)  a * b + c on vectors (fused where the level has FMA)
 *   LK_SPLAT(x) a vector of x (one broadcast instruction)
 *   LK_R        forward: rows per tile (4 gate vectors each)
 *   LK_RB, LK_NV  backward: rows and vectors of hidden units per tile
 *   LK_RM       dW and dx: rows per tile of two vectors (<= 12)
 * The arithmetic per row does not depend on the tile a row falls in, so a
 * sample's values do not depend on the batch around it. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#define LK_V ((int)(LK_VBYTES / sizeof(real)))
typedef real lk_vec __attribute__((vector_size(LK_VBYTES)));
#ifdef SM_REAL_DOUBLE
typedef int64_t lk_ivec __attribute__((vector_size(LK_VBYTES)));
#else
typedef int32_t lk_ivec __attribute__((vector_size(LK_VBYTES)));
#endif
#define LK_INLINE LK_TARGET static inline __attribute__((always_inline))

LK_INLINE lk_vec lk_load(const real *p)
{
    lk_vec v;
    memcpy(&v, p, sizeof v);
    return v;
}

LK_INLINE void lk_store(real *p, lk_vec v)
{
    memcpy(p, &v, sizeof v);
}

/* the first m lanes (the rest 0) */
LK_INLINE lk_vec lk_load_m(const real *p, int m)
{
    if (m == LK_V)
        return lk_load(p);
    lk_vec v = { 0 };
    memcpy(&v, p, (size_t)m * sizeof(real));
    return v;
}

LK_INLINE void lk_store_m(real *p, lk_vec v, int m)
{
    if (m == LK_V)
        lk_store(p, v);
    else
        memcpy(p, &v, (size_t)m * sizeof(real));
}

LK_INLINE lk_vec lk_splat(real x)
{
    return (lk_vec)LK_SPLAT(x);
}

#ifdef SM_REAL_DOUBLE
/* double (the gradient checks): libm per lane, as exact as the scalar code */
LK_INLINE lk_vec lk_tanh(lk_vec x)
{
    for (int l = 0; l < LK_V; l++)
        x[l] = tanh(x[l]);
    return x;
}

LK_INLINE lk_vec lk_sigmoid(lk_vec x)
{
    for (int l = 0; l < LK_V; l++)
        x[l] = 1 / (1 + exp(-x[l]));
    return x;
}
#else
/* tanh as Eigen's fast float tanh (nn_math.h): x clamped to +-7.9053, odd
 * over even polynomial, |error| < 1e-6 */
LK_INLINE lk_vec lk_tanh(lk_vec x)
{
    const lk_vec hi = lk_splat(7.90531110763549805f), lo = -hi;
    lk_ivec up = x > hi, dn = x < lo;
    x = (lk_vec)(((lk_ivec)x & ~(up | dn)) | ((lk_ivec)hi & up) | ((lk_ivec)lo & dn));
    lk_vec x2 = x * x;
    lk_vec p = lk_splat(-2.76076847742355e-16f);
    p = LK_FMA(p, x2, lk_splat(2.00018790482477e-13f));
    p = LK_FMA(p, x2, lk_splat(-8.60467152213735e-11f));
    p = LK_FMA(p, x2, lk_splat(5.12229709037114e-08f));
    p = LK_FMA(p, x2, lk_splat(1.48572235717979e-05f));
    p = LK_FMA(p, x2, lk_splat(6.37261928875436e-04f));
    p = LK_FMA(p, x2, lk_splat(4.89352455891786e-03f));
    p = p * x;
    lk_vec q = lk_splat(1.19825839466702e-06f);
    q = LK_FMA(q, x2, lk_splat(1.18534705686654e-04f));
    q = LK_FMA(q, x2, lk_splat(2.26843463243900e-03f));
    q = LK_FMA(q, x2, lk_splat(4.89352518554385e-03f));
    return p / q;
}

/* sigmoid(x) = (1 + tanh(x/2)) / 2 */
LK_INLINE lk_vec lk_sigmoid(lk_vec x)
{
    const lk_vec half = lk_splat(0.5f);
    return LK_FMA(half, lk_tanh(half * x), half);
}
#endif

/* Forward, R rows from p0, hidden units of chunk c:
 *   a = b + sum_k xh[k] wp[c][k]          (i, f, g, o for V units)
 *   i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of a
 *   c_t = f c_{t-1} + i g;   h_t = o tanh(c_t)        (SPEC 2, nn.h) */
LK_INLINE void lk_fwd_tile(const lstm_fwd_step *s, const int R, int p0, int c)
{
    const int V = LK_V, H = s->H, KX = s->F + s->H, K = s->K;
    const real *w = s->wp + (size_t)c * KX * 4 * V, *b = s->bp + (size_t)c * 4 * V;
    lk_vec acc[LK_R][4];
    const real *x[LK_R];
    for (int r = 0; r < R; r++) {
        x[r] = s->xh + (size_t)(p0 + r) * KX;
        for (int g = 0; g < 4; g++)
            acc[r][g] = lk_load(b + g * V);
    }
    for (int k = 0; k < K; k++) {
        const real *wk = w + (size_t)k * 4 * V;
        lk_vec w0 = lk_load(wk), w1 = lk_load(wk + V), w2 = lk_load(wk + 2 * V), w3 = lk_load(wk + 3 * V);
        for (int r = 0; r < R; r++) {
            lk_vec xv = lk_splat(x[r][k]);
            acc[r][0] = LK_FMA(xv, w0, acc[r][0]);
            acc[r][1] = LK_FMA(xv, w1, acc[r][1]);
            acc[r][2] = LK_FMA(xv, w2, acc[r][2]);
            acc[r][3] = LK_FMA(xv, w3, acc[r][3]);
        }
    }
    const int j = c * V, m = H - j < V ? H - j : V;
    for (int r = 0; r < R; r++) {
        const size_t row = (size_t)(p0 + r);
        lk_vec i = lk_sigmoid(acc[r][0]), f = lk_sigmoid(acc[r][1]);
        lk_vec g = lk_tanh(acc[r][2]), o = lk_sigmoid(acc[r][3]);
        lk_vec cv = i * g;
        if (s->cprev)
            cv = LK_FMA(f, lk_load_m(s->cprev + row * H + j, m), cv);
        lk_vec tcv = lk_tanh(cv);
        real *gr = s->gates + row * 4 * H + j;
        lk_store_m(gr, i, m);
        lk_store_m(gr + H, f, m);
        lk_store_m(gr + 2 * H, g, m);
        lk_store_m(gr + 3 * H, o, m);
        lk_store_m(s->c + row * H + j, cv, m);
        lk_store_m(s->tc + row * H + j, tcv, m);
        lk_store_m(s->h + row * H + j, o * tcv, m);
    }
}

LK_TARGET static void lk_fwd(const lstm_fwd_step *arg)
{
    /* a local copy: stores through the outputs cannot change it, so the
     * fields stay in registers */
    const lstm_fwd_step copy = *arg, *s = &copy;
    const int C = s->Hp / LK_V;
    for (int c = 0; c < C; c++) {   /* a chunk's packed weights stay in cache over the rows */
        int p = 0;
        for (; p + LK_R <= s->n; p += LK_R)
            lk_fwd_tile(s, LK_R, p, c);
        /* the rest two rows at a time: one row alone waits on its sums */
        for (; p + 2 <= s->n; p += 2)
            lk_fwd_tile(s, 2, p, c);
        for (; p < s->n; p++)
            lk_fwd_tile(s, 1, p, c);
    }
}

/* Backward pointwise for one row and V units from j, given dh = dL/dh_t:
 *   h = o tanh(c):  dc += dh o (1 - tanh(c)^2),  do = dh tanh(c)
 *   c = f c_{t-1} + i g:  di = dc g,  df = dc c_{t-1},  dg = dc i,  dc_{t-1} = dc f
 *   da = di i (1-i), df f (1-f), dg (1-g^2), do o (1-o) */
LK_INLINE void lk_bwd_point(const lstm_bwd_step *s, size_t row, int j, lk_vec dh)
{
    const int H = s->H, m = H - j < LK_V ? H - j : LK_V;
    const lk_vec one = lk_splat(1);
    const real *gr = s->gates + row * 4 * H + j;
    lk_vec i = lk_load_m(gr, m), f = lk_load_m(gr + H, m), g = lk_load_m(gr + 2 * H, m);
    lk_vec o = lk_load_m(gr + 3 * H, m), tcv = lk_load_m(s->tc + row * H + j, m);
    lk_vec cpv = s->cprev ? lk_load_m(s->cprev + row * H + j, m) : lk_splat(0);
    real *dcp = s->dc + row * H + j;
    lk_vec dcv = LK_FMA(dh * o, one - tcv * tcv, lk_load_m(dcp, m));
    lk_vec dov = dh * tcv;
    lk_store_m(dcp, dcv * f, m);
    real *d = s->da + row * 4 * H + j;
    lk_store_m(d, dcv * g * i * (one - i), m);
    lk_store_m(d + H, dcv * cpv * f * (one - f), m);
    lk_store_m(d + 2 * H, dcv * i * (one - g * g), m);
    lk_store_m(d + 3 * H, dov * o * (one - o), m);
}

/* dh for R rows from p0 and NV vectors of units from j: da_{t+1} W_hh */
LK_INLINE void lk_bwd_tile(const lstm_bwd_step *s, const int R, const int NV, int p0, int j)
{
    const int G = 4 * s->H, Hp = s->Hp;
    lk_vec acc[LK_RB][LK_NV];
    const real *da[LK_RB];
    for (int r = 0; r < R; r++) {
        da[r] = s->da1 + (size_t)(p0 + r) * G;
        for (int v = 0; v < NV; v++)
            acc[r][v] = lk_splat(0);
    }
    for (int k = 0; k < G; k++) {
        const real *wk = s->whp + (size_t)k * Hp + j;
        lk_vec w[LK_NV];
        for (int v = 0; v < NV; v++)
            w[v] = lk_load(wk + v * LK_V);
        for (int r = 0; r < R; r++) {
            lk_vec dv = lk_splat(da[r][k]);
            for (int v = 0; v < NV; v++)
                acc[r][v] = LK_FMA(dv, w[v], acc[r][v]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++)
            lk_bwd_point(s, (size_t)(p0 + r), j + v * LK_V, acc[r][v]);
}

LK_TARGET static void lk_bwd(const lstm_bwd_step *arg)
{
    const lstm_bwd_step copy = *arg, *s = &copy;   /* as in lk_fwd */
    const int H = s->H, C = s->Hp / LK_V;
    int c = 0;
    for (; c + LK_NV <= C; c += LK_NV) {
        int p = 0;
        for (; p + LK_RB <= s->n1; p += LK_RB)
            lk_bwd_tile(s, LK_RB, LK_NV, p, c * LK_V);
        for (; p + 2 <= s->n1; p += 2)   /* as in lk_fwd */
            lk_bwd_tile(s, 2, LK_NV, p, c * LK_V);
        for (; p < s->n1; p++)
            lk_bwd_tile(s, 1, LK_NV, p, c * LK_V);
    }
    for (; c < C; c++) {
        int p = 0;
        for (; p + LK_RB <= s->n1; p += LK_RB)
            lk_bwd_tile(s, LK_RB, 1, p, c * LK_V);
        for (; p < s->n1; p++)
            lk_bwd_tile(s, 1, 1, p, c * LK_V);
    }
    /* rows whose last step is t: dh from the output's gradient */
    for (int p = s->n1; p < s->n; p++) {
        const real *dh = s->dhout + (size_t)s->perm[p] * H;
        for (int j = 0; j < H; j += LK_V)
            lk_bwd_point(s, (size_t)p, j, lk_load_m(dh + j, H - j < LK_V ? H - j : LK_V));
    }
}

/* The backward's two products over all the rows of a batch share one tile:
 *   out[r][j] (+)= sum over k in [k0, k1) of A(r, k) w[k][j]
 * for R rows from the tile's origin and NV (1 or 2) vectors of columns, the
 * last with m lanes; A(r, k) = a[r ars + k aks], so that dW can read da
 * transposed. Loads of w are whole vectors (lanes past the last column are
 * computed and dropped: w must be readable there); stores keep m lanes.
 * first: the sums start at 0, else at what out holds. Each sum runs over k
 * in order, so its value depends on neither the tiling nor the vector
 * width: only on FMA or not. */
LK_INLINE void lk_mm_tile(const real *a, size_t ars, size_t aks, const real *w, size_t ldw, real *out, size_t ldo,
                          size_t k0, size_t k1, const int R, const int NV, int m, bool first)
{
    lk_vec acc[LK_RM][2];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++)
            acc[r][v] = first ? lk_splat(0) : lk_load_m(out + r * ldo + v * LK_V, v == NV - 1 ? m : LK_V);
    for (size_t k = k0; k < k1; k++) {
        const real *wk = w + k * ldw, *ak = a + k * aks;
        lk_vec wv[2];
        for (int v = 0; v < NV; v++)
            wv[v] = lk_load(wk + v * LK_V);
        for (int r = 0; r < R; r++) {
            lk_vec av = lk_splat(ak[r * ars]);
            for (int v = 0; v < NV; v++)
                acc[r][v] = LK_FMA(av, wv[v], acc[r][v]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++)
            lk_store_m(out + r * ldo + v * LK_V, acc[r][v], v == NV - 1 ? m : LK_V);
}

/* the M rows for NV vectors of columns: LK_RM at a time, then the rest (a
 * switch, so that each count is a constant and the sums stay in registers) */
LK_INLINE void lk_mm_rows(const real *a, size_t ars, size_t aks, const real *w, size_t ldw, real *out, size_t ldo,
                          size_t M, size_t k0, size_t k1, const int NV, int m, bool first)
{
    size_t r = 0;
    for (; r + LK_RM <= M; r += LK_RM)
        lk_mm_tile(a + r * ars, ars, aks, w, ldw, out + r * ldo, ldo, k0, k1, LK_RM, NV, m, first);
    const real *ar = a + r * ars;
    real *o = out + r * ldo;
    switch (M - r) {
#define LK_MM_REST(q) case q: lk_mm_tile(ar, ars, aks, w, ldw, o, ldo, k0, k1, q < LK_RM ? q : 1, NV, m, first); break;
        LK_MM_REST(1) LK_MM_REST(2) LK_MM_REST(3) LK_MM_REST(4) LK_MM_REST(5) LK_MM_REST(6)
        LK_MM_REST(7) LK_MM_REST(8) LK_MM_REST(9) LK_MM_REST(10) LK_MM_REST(11)
#undef LK_MM_REST
    default:
        break;
    }
}

/* out (M, N) (+)= A w over k in [k0, k1): columns two vectors at a time */
LK_INLINE void lk_mm(const real *a, size_t ars, size_t aks, const real *w, size_t ldw, real *out, size_t ldo,
                     size_t M, int N, size_t k0, size_t k1, bool first)
{
    int j = 0;
    for (; j + 2 * LK_V <= N; j += 2 * LK_V)
        lk_mm_rows(a, ars, aks, w + j, ldw, out + j, ldo, M, k0, k1, 2, LK_V, first);
    if (N - j > LK_V)
        lk_mm_rows(a, ars, aks, w + j, ldw, out + j, ldo, M, k0, k1, 2, N - j - LK_V, first);
    else if (N > j)
        lk_mm_rows(a, ars, aks, w + j, ldw, out + j, ldo, M, k0, k1, 1, N - j, first);
}

/* dw (G, K) = da^T xh over S rows: da (S, G), xh (S, K) row-major, xh
 * readable V - 1 values past its end. The rows go in blocks that stay in
 * cache while every tile reads them. */
LK_TARGET static void lk_dw(const real *da, const real *xh, size_t S, int G, int K, real *dw)
{
    enum { BLOCK = 128 };
    for (size_t s0 = 0; s0 < S; s0 += BLOCK) {
        const size_t s1 = S - s0 < BLOCK ? S : s0 + BLOCK;
        lk_mm(da, 1, (size_t)G, xh, (size_t)K, dw, (size_t)K, (size_t)G, K, s0, s1, s0 == 0);
    }
}

/* out (S, N) = a (S, G) w, w (G, Np) with zero columns from N to Np, the
 * next multiple of the vector width */
LK_TARGET static void lk_rowmul(const real *a, size_t S, int G, const real *w, int N, real *out)
{
    const int Np = (N + LK_V - 1) / LK_V * LK_V;
    lk_mm(a, (size_t)G, 1, w, (size_t)Np, out, (size_t)N, S, N, 0, (size_t)G, true);
}

const lstm_kern LK_NAME = { LK_LEVEL, LK_V, lk_fwd, lk_bwd, lk_dw, lk_rowmul };
