/* blas.c: the engine's only door to cblas. */
#include "config.h"
#include "tensor/tensor.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int);
#endif
#ifdef HAVE_OPENBLAS_GET_CONFIG
char *openblas_get_config(void);
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
