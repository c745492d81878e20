/* lstm_kern_generic.c: the LSTM step kernels at the baseline vector width
 * (SSE2 on x86-64: 16 bytes, no FMA). */
#include "config.h"
#include "nn/lstm_kern.h"

#define LK_NAME lstm_kern_generic
#if defined(__x86_64__)
#define LK_LEVEL "sse2"
#else
#define LK_LEVEL "generic"
#endif
#define LK_TARGET
#define LK_VBYTES 16
#define LK_FMA(a, b, c) ((a) * (b) + (c))
#ifdef SM_REAL_DOUBLE
#define LK_SPLAT(x) ((lk_vec){ (x), (x) })
#else
#define LK_SPLAT(x) ((lk_vec){ (x), (x), (x), (x) })
#endif
#define LK_R 2
#define LK_RB 2
#define LK_NV 2
#define LK_RM 6
#include "nn/lstm_kern_impl.h"
