/* lstm_kern_avx512.c: the LSTM step kernels for AVX-512F (64-byte vectors),
 * selected at run time only on a processor that has it (base/cpu.h). */
#include "config.h"
#include "nn/lstm_kern.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define LK_NAME lstm_kern_avx512
#define LK_LEVEL "avx512"
#define LK_TARGET __attribute__((target("avx512f")))
#define LK_VBYTES 64
#ifdef SM_REAL_DOUBLE
#define LK_FMA(a, b, c) ((lk_vec)_mm512_fmadd_pd((a), (b), (c)))
#define LK_SPLAT(x) _mm512_set1_pd(x)
#else
#define LK_FMA(a, b, c) ((lk_vec)_mm512_fmadd_ps((a), (b), (c)))
#define LK_SPLAT(x) _mm512_set1_ps(x)
#endif
#define LK_R 4
#define LK_RB 4
#define LK_NV 4
#define LK_RM 12
#include "nn/lstm_kern_impl.h"
#endif
