/* nn_math.h: scalar functions of `real` (float or double) shared by the nn
 * sources. Private to src/nn. */
#ifndef SELFMI_NN_MATH_H
#define SELFMI_NN_MATH_H

#include <math.h>

#include "tensor/tensor.h"

#ifdef SM_REAL_DOUBLE
#define R_EXP exp
#define R_LOG log
#define R_TANH tanh
#define R_SQRT sqrt
#define R_FABS fabs
#else
#define R_EXP expf
#define R_LOG logf
#define R_TANH tanhf
#define R_SQRT sqrtf
#define R_FABS fabsf
#endif

/* sigmoid(x) = 1 / (1 + e^-x); e^-x overflowing to inf gives 0, not NaN */
static inline real nn_sigmoid(real x)
{
    return (real)1 / ((real)1 + R_EXP(-x));
}

#ifndef SM_REAL_DOUBLE
/* Four floats at once with GCC/Clang vector extensions (SSE on the
 * x86-64 baseline), for the LSTM's
 * pointwise passes, which libm's scalar calls would dominate. */
typedef float nn_v4f __attribute__((vector_size(16)));
typedef int nn_v4i __attribute__((vector_size(16)));

static inline nn_v4f nn_v4f_splat(float x)
{
    return (nn_v4f){ x, x, x, x };
}

/* clamp to [-c, c] with comparison masks */
static inline nn_v4f nn_v4f_clamp(nn_v4f x, float c)
{
    nn_v4f hi = nn_v4f_splat(c), lo = -hi;
    nn_v4i up = x > hi, dn = x < lo;
    nn_v4i r = ((nn_v4i)x & ~(up | dn)) | ((nn_v4i)hi & up) | ((nn_v4i)lo & dn);
    return (nn_v4f)r;
}

/* tanh as the odd/even rational function of Eigen's fast float tanh: x
 * clamped to +-7.9053 (where float tanh is +-1), |error| < 1e-6 */
static inline nn_v4f nn_v4f_tanh(nn_v4f x)
{
    x = nn_v4f_clamp(x, 7.90531110763549805f);
    nn_v4f x2 = x * x;
    nn_v4f p = nn_v4f_splat(-2.76076847742355e-16f);
    p = p * x2 + 2.00018790482477e-13f;
    p = p * x2 + -8.60467152213735e-11f;
    p = p * x2 + 5.12229709037114e-08f;
    p = p * x2 + 1.48572235717979e-05f;
    p = p * x2 + 6.37261928875436e-04f;
    p = p * x2 + 4.89352455891786e-03f;
    p = p * x;
    nn_v4f q = nn_v4f_splat(1.19825839466702e-06f);
    q = q * x2 + 1.18534705686654e-04f;
    q = q * x2 + 2.26843463243900e-03f;
    q = q * x2 + 4.89352518554385e-03f;
    return p / q;
}

/* sigmoid(x) = (1 + tanh(x/2)) / 2 */
static inline nn_v4f nn_v4f_sigmoid(nn_v4f x)
{
    return 0.5f + 0.5f * nn_v4f_tanh(0.5f * x);
}
#endif

#endif
