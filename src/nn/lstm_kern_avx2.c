/* lstm_kern_avx2.c: the LSTM step kernels for AVX2 + FMA (32-byte vectors),
 * selected at run time (base/cpu.h). */
#include "config.h"
#include "nn/lstm_kern.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define LK_NAME lstm_kern_avx2
#define LK_LEVEL "avx2"
#define LK_TARGET __attribute__((target("avx2,fma")))
#define LK_VBYTES 32
#ifdef SM_REAL_DOUBLE
#define LK_FMA(a, b, c) ((lk_vec)_mm256_fmadd_pd((a), (b), (c)))
#define LK_SPLAT(x) _mm256_set1_pd(x)
#else
#define LK_FMA(a, b, c) ((lk_vec)_mm256_fmadd_ps((a), (b), (c)))
#define LK_SPLAT(x) _mm256_set1_ps(x)
#endif
#define LK_R 3
#define LK_RB 3
#define LK_NV 4
#define LK_RM 6
#include "nn/lstm_kern_impl.h"
#endif
