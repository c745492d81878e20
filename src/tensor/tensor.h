/* tensor.h: the numeric scalar and the one BLAS wrapper.
 *
 * Engine numerics use `real`, float32 by default. Building a translation
 * unit with -DSM_REAL_DOUBLE makes `real` double and routes the wrapper to
 * dgemm: the gradient-check tests compile the nn and model sources that way
 * so finite differences are computed in double.
 *
 * Every matrix is row-major. Dimension letters used across the engine:
 *   B batch, T time steps, F input features, H hidden units, O outputs,
 *   N samples (in losses), D vector width. */
#ifndef SELFMI_TENSOR_H
#define SELFMI_TENSOR_H

#include <stdbool.h>
#include <stddef.h>

#ifdef SM_REAL_DOUBLE
typedef double real;
#define REAL_NAME "double"
#else
typedef float real;
#define REAL_NAME "float"
#endif

/* C (M,N) = alpha * op(A) (M,K) * op(B) (K,N) + beta * C, row-major.
 * op(A) = A (M,K) with leading dimension lda, or A^T when ta (A stored (K,M)).
 * op(B) = B (K,N), or B^T when tb (B stored (N,K)). */
void blas_gemm(bool ta, bool tb, int M, int N, int K, real alpha,
               const real *A, int lda, const real *B, int ldb,
               real beta, real *C, int ldc);

/* y (M) = alpha * op(A) x + beta * y; A (M,N) row-major, op = A or A^T. */
void blas_gemv(bool ta, int M, int N, real alpha, const real *A, int lda,
               const real *x, real beta, real *y);

/* y += alpha * x */
void blas_axpy(int n, real alpha, const real *x, real *y);

/* One BLAS thread for the process's BLAS calls, so every run stays
 * bit-reproducible whatever else executes. selfmi is built against
 * OpenBLAS's pthread variant (Debian libopenblas-pthread-dev), which with
 * one thread computes each call on its caller, and two worker threads run
 * their calls concurrently. Debian's serial variant shares an unlocked
 * buffer pool between concurrent calls; blas.c detects it and serialises
 * the calls there. An OpenMP variant needs OMP_NUM_THREADS=1 in the
 * environment before the program starts. */
void blas_single_thread(void);

/* The BLAS library's own description (OpenBLAS config string), or "cblas". */
const char *blas_describe(void);

/* The compute kernel ("core") OpenBLAS chose at load time, e.g. "Haswell",
 * "Zen", "Prescott"; "" for another BLAS. */
const char *blas_core_name(void);

/* A better OpenBLAS core for this processor than `core`, or NULL. OpenBLAS
 * 0.3.21 does not know recent processors (an Intel Xeon family 6 model 207
 * with AVX-512 gets its generic SSE3 "Prescott" kernel, about a quarter of
 * the speed); later versions choose by features. When `core` is not one of
 * the AVX2 or AVX-512 kernels and the processor has AVX2 + FMA, this names
 * "SkylakeX" (AVX-512 F, BW, DQ, VL, CD present) or "Haswell". Pure, except
 * for reading the processor's features. */
const char *blas_core_better(const char *core);

/* Whether this processor has the instructions OpenBLAS's kernel `core`
 * needs (AVX-512 for SkylakeX, Cooperlake, SapphireRapids; AVX2 + FMA for
 * Haswell and Zen; AVX for Sandybridge; any other name is taken as
 * runnable). OpenBLAS itself accepts any OPENBLAS_CORETYPE it knows, and a
 * kernel the processor lacks stops the program with SIGILL. */
bool blas_core_runs(const char *core);

/* Checks the BLAS against a reference: several float gemm shapes and
 * transposes (edge tiles included) against the same products summed in
 * double. Returns the largest error as a fraction of the bound a correct
 * float product stays within (K * 2^-23 * sum |a||b|, times 4): a correct
 * kernel gives well under 1, a broken one far over. */
double blas_verify(void);

#endif
