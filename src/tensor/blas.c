/* blas.c: the engine's only door to cblas. */
#include "config.h"
#include "tensor/tensor.h"

#include <stdlib.h>
#include <cblas.h>

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int);
#endif
#ifdef HAVE_OPENBLAS_GET_CONFIG
char *openblas_get_config(void);
#endif

void blas_gemm(bool ta, bool tb, int M, int N, int K, real alpha,
               const real *A, int lda, const real *B, int ldb,
               real beta, real *C, int ldc)
{
    if (M <= 0 || N <= 0)
        return;
#ifdef SM_REAL_DOUBLE
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

void blas_gemv(bool ta, int M, int N, real alpha, const real *A, int lda,
               const real *x, real beta, real *y)
{
    if (M <= 0 || N <= 0)
        return;
#ifdef SM_REAL_DOUBLE
    cblas_dgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, M, N, alpha, A, lda, x, 1, beta, y, 1);
#else
    cblas_sgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, M, N, alpha, A, lda, x, 1, beta, y, 1);
#endif
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
