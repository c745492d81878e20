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

#endif
