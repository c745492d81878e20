/* blas.c: the engine's only door to cblas. */
#include "config.h"
#include "tensor/tensor.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cblas.h>

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int);
#endif
#ifdef HAVE_OPENBLAS_GET_CONFIG
char *openblas_get_config(void);
#endif
#ifdef HAVE_OPENBLAS_GET_CORENAME
char *openblas_get_corename(void);
#endif

/* Debian's serial OpenBLAS 0.3.21 (SINGLE_THREADED, built without
 * USE_LOCKING) shares one unlocked buffer pool between calls: two threads
 * in sgemm at once can compute wrong results (measured: a few products in
 * a thousand differ, so grid runs on two workers stopped matching the same
 * runs on one). For such a build the level-3 and level-2 calls are
 * serialised by this lock; every other build runs them concurrently. The
 * lock and the once-flag are the process's only shared BLAS state. */
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t blas_lock = PTHREAD_MUTEX_INITIALIZER;
static bool blas_needs_lock;

static void blas_probe(void)
{
#ifdef HAVE_OPENBLAS_GET_CONFIG
    const char *c = openblas_get_config();
    blas_needs_lock = c && strstr(c, "SINGLE_THREADED") && !strstr(c, "USE_LOCKING");
#else
    blas_needs_lock = false;
#endif
}

static bool blas_enter(void)
{
    pthread_once(&blas_once, blas_probe);
    if (blas_needs_lock)
        pthread_mutex_lock(&blas_lock);
    return blas_needs_lock;
}

static void blas_leave(bool locked)
{
    if (locked)
        pthread_mutex_unlock(&blas_lock);
}

void blas_gemm(bool ta, bool tb, int M, int N, int K, real alpha,
               const real *A, int lda, const real *B, int ldb,
               real beta, real *C, int ldc)
{
    if (M <= 0 || N <= 0)
        return;
    if (beta == 0) {
        /* C = 0 by memset, then C += alpha AB: the sums OpenBLAS makes for
         * beta = 0 (its own zeroing pass, sgemm_beta, took 3 % of a run on
         * the real MOSI features) */
        for (int i = 0; i < M; i++)
            memset(C + (size_t)i * (size_t)ldc, 0, (size_t)N * sizeof *C);
        beta = 1;
    }
    bool locked = blas_enter();
#ifdef SM_REAL_DOUBLE
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
    blas_leave(locked);
}

void blas_gemv(bool ta, int M, int N, real alpha, const real *A, int lda,
               const real *x, real beta, real *y)
{
    if (M <= 0 || N <= 0)
        return;
    bool locked = blas_enter();
#ifdef SM_REAL_DOUBLE
    cblas_dgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, M, N, alpha, A, lda, x, 1, beta, y, 1);
#else
    cblas_sgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, M, N, alpha, A, lda, x, 1, beta, y, 1);
#endif
    blas_leave(locked);
}

void blas_axpy(int n, real alpha, const real *x, real *y)
{
    if (n <= 0)
        return;
#ifdef SM_REAL_DOUBLE
    cblas_daxpy(n, alpha, x, 1, y, 1);
#else
    cblas_saxpy(n, alpha, x, 1, y, 1);
#endif
}

void blas_single_thread(void)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
    openblas_set_num_threads(1);
#endif
}

const char *blas_describe(void)
{
#ifdef HAVE_OPENBLAS_GET_CONFIG
    return openblas_get_config();
#else
    return "cblas";
#endif
}

const char *blas_core_name(void)
{
#ifdef HAVE_OPENBLAS_GET_CORENAME
    const char *c = openblas_get_corename();
    return c ? c : "";
#else
    return "";
#endif
}

const char *blas_core_better(const char *core)
{
#if defined(__x86_64__)
    /* the kernels that use AVX2 + FMA or AVX-512 in OpenBLAS 0.3.x */
    static const char *const fit[] = { "Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids" };
    if (!core || !*core)
        return NULL;
    for (size_t i = 0; i < sizeof fit / sizeof fit[0]; i++)
        if (strcasecmp(core, fit[i]) == 0)
            return NULL;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
        return NULL;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512cd"))
        return "SkylakeX";
    return "Haswell";
#else
    (void)core;
    return NULL;
#endif
}

bool blas_core_runs(const char *core)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (strcasecmp(core, "SkylakeX") == 0 || strcasecmp(core, "Cooperlake") == 0 ||
        strcasecmp(core, "SapphireRapids") == 0)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512cd");
    if (strcasecmp(core, "Haswell") == 0 || strcasecmp(core, "Zen") == 0)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (strcasecmp(core, "Sandybridge") == 0)
        return __builtin_cpu_supports("avx");
#endif
    (void)core;
    return true;
}

/* one product checked against double sums: the worst |c - ref| / bound */
static double verify_one(bool ta, bool tb, int M, int N, int K, unsigned seed)
{
    float *a = malloc(sizeof(float) * (size_t)M * K), *b = malloc(sizeof(float) * (size_t)K * N);
    float *c = malloc(sizeof(float) * (size_t)M * N);
    double worst = INFINITY;
    if (a && b && c) {
        unsigned s = seed;
        for (int i = 0; i < M * K; i++)
            a[i] = (float)((s = s * 1103515245u + 12345u) >> 8) / 16777216.0f - 0.5f;
        for (int i = 0; i < K * N; i++)
            b[i] = (float)((s = s * 1103515245u + 12345u) >> 8) / 16777216.0f - 0.5f;
        for (int i = 0; i < M * N; i++)
            c[i] = 1.0f;
        /* op(A) (M,K): A stored (M,K) or, transposed, (K,M); likewise B */
        int lda = ta ? M : K, ldb = tb ? K : N;
        bool locked = blas_enter();
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K,
                    1.0f, a, lda, b, ldb, 0.5f, c, N);
        blas_leave(locked);
        worst = 0;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double ref = 0.5, mag = 0.5;
                for (int k = 0; k < K; k++) {
                    double x = ta ? a[(size_t)k * M + i] : a[(size_t)i * K + k];
                    double y = tb ? b[(size_t)j * K + k] : b[(size_t)k * N + j];
                    ref += x * y;
                    mag += fabs(x * y);
                }
                double bound = 4.0 * (K + 2) * FLT_EPSILON * mag;
                double e = fabs((double)c[(size_t)i * N + j] - ref) / bound;
                if (!(e <= worst))   /* NaN counts as the worst */
                    worst = isnan(e) ? INFINITY : e;
            }
    }
    free(a);
    free(b);
    free(c);
    return worst;
}

double blas_verify(void)
{
    static const struct { bool ta, tb; int M, N, K; } shapes[] = {
        { false, false, 1, 1, 1 },     { false, true, 37, 256, 84 },  { true, false, 256, 84, 61 },
        { false, false, 67, 53, 71 },  { true, true, 19, 33, 150 },   { false, false, 128, 128, 128 },
    };
    double worst = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        double e = verify_one(shapes[i].ta, shapes[i].tb, shapes[i].M, shapes[i].N, shapes[i].K, 7u + (unsigned)i);
        if (!(e <= worst))
            worst = e;
    }
    return worst;
}
