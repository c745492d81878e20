/* params.c: the flat parameter store, PyTorch default initialisation and
 * Adam with parameter groups (SPEC sections 2 and 5). */
#include "config.h"
#include "nn/nn.h"
#include "nn/nn_math.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nn_params_add(nn_params *p, const char *name, size_t n, int group,
                  nn_init_kind init, real bound)
{
    SM_ASSERT(p->data == NULL);   /* declarations come before nn_params_alloc */
    SM_ASSERT(p->ntensors < NN_MAX_TENSORS);
    SM_ASSERT(group >= 0 && group < NN_MAX_GROUPS);
    int k = p->ntensors++;
    nn_tensor *t = &p->t[k];
    size_t len = strnlen(name, sizeof t->name - 1);   /* names are cut to fit */
    memcpy(t->name, name, len);
    t->name[len] = '\0';
    t->off = p->n;
    t->n = n;
    t->group = group;
    t->init = init;
    t->bound = bound;
    p->n += n;
    if (group + 1 > p->ngroups)
        p->ngroups = group + 1;
    return k;
}

/* PyTorch nn.Linear: weight (O,I), bias (O), both U(-1/sqrt(I), 1/sqrt(I)) */
int nn_params_add_linear(nn_params *p, const char *name, int I, int O, int group)
{
    char buf[64];
    real bound = (real)(1.0 / sqrt((double)I));
    snprintf(buf, sizeof buf, "%s.weight", name);
    int k = nn_params_add(p, buf, (size_t)O * I, group, NN_INIT_UNIFORM, bound);
    snprintf(buf, sizeof buf, "%s.bias", name);
    nn_params_add(p, buf, (size_t)O, group, NN_INIT_UNIFORM, bound);
    return k;
}

/* PyTorch nn.LSTM: w_ih (4H,F), w_hh (4H,H), b_ih (4H), b_hh (4H), all
 * U(-1/sqrt(H), 1/sqrt(H)) */
int nn_params_add_lstm(nn_params *p, const char *name, int F, int H, int group)
{
    static const char *const suffix[4] = { "weight_ih", "weight_hh", "bias_ih", "bias_hh" };
    const size_t n[4] = { (size_t)4 * H * F, (size_t)4 * H * H, (size_t)4 * H, (size_t)4 * H };
    real bound = (real)(1.0 / sqrt((double)H));
    char buf[64];
    int first = -1;
    for (int k = 0; k < 4; k++) {
        snprintf(buf, sizeof buf, "%s.%s", name, suffix[k]);
        int idx = nn_params_add(p, buf, n[k], group, NN_INIT_UNIFORM, bound);
        if (k == 0)
            first = idx;
    }
    return first;
}

sm_status nn_params_alloc(nn_params *p, sm_err *err)
{
    SM_ASSERT(p->data == NULL);
    if (!(p->data = sm_alloc(p->n, sizeof(real), err)) || !(p->grad = sm_alloc(p->n, sizeof(real), err)) ||
        !(p->m = sm_alloc(p->n, sizeof(real), err)) || !(p->v = sm_alloc(p->n, sizeof(real), err))) {
        free(p->data);
        free(p->grad);
        free(p->m);
        free(p->v);
        p->data = p->grad = p->m = p->v = NULL;
        return sm_err_prefix(err, "parameters (%zu values)", p->n);
    }
    p->step = 0;
    /* torch.optim.Adam defaults for whatever the caller left at 0 */
    if (p->beta1 == 0 && p->beta2 == 0 && p->eps == 0) {
        p->beta1 = (real)0.9;
        p->beta2 = (real)0.999;
        p->eps = (real)1e-8;
    }
    return SM_OK;
}

void nn_params_free(nn_params *p)
{
    if (!p)
        return;
    free(p->data);
    free(p->grad);
    free(p->m);
    free(p->v);
    p->data = p->grad = p->m = p->v = NULL;
}

void nn_params_init(nn_params *p, rng *r)
{
    for (int k = 0; k < p->ntensors; k++) {
        const nn_tensor *t = &p->t[k];
        real *d = p->data + t->off;
        if (t->init == NN_INIT_ZERO)
            memset(d, 0, t->n * sizeof *d);
        else
            for (size_t i = 0; i < t->n; i++)
                d[i] = (real)rng_range(r, -(double)t->bound, (double)t->bound);
    }
    memset(p->m, 0, p->n * sizeof *p->m);
    memset(p->v, 0, p->n * sizeof *p->v);
    p->step = 0;
}

bool nn_all_finite(const real *x, size_t n)
{
#ifdef SM_REAL_DOUBLE
    return sm_all_finite_f64(x, n);
#else
    return sm_all_finite_f32(x, n);
#endif
}

void nn_params_zero_grad(nn_params *p)
{
    memset(p->grad, 0, p->n * sizeof *p->grad);
}

/* torch.optim.Adam (SPEC 5):
 *   g = grad + wd theta;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   theta -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps) */
/* Cloned for AVX2 and AVX-512 where the processor has them (same IEEE
 * operations per element, so the same bits, only more lanes at a time). */
#if defined(__SANITIZE_THREAD__)
/* not under ThreadSanitizer: the clones' resolver runs before its runtime
 * is set up and crashes the program at load time */
#define ADAM_CLONES
#else
#define ADAM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
ADAM_CLONES
void nn_adam_update(real *restrict theta, const real *restrict grad, real *restrict m, real *restrict v,
                    size_t n, real lr, real wd, real b1, real b2, real eps, long t)
{
    SM_ASSERT(t >= 1);
    double bc1 = 1.0 - pow((double)b1, (double)t);
    double bc2 = 1.0 - pow((double)b2, (double)t);
    real step = (real)((double)lr / bc1);
    real bc2s = (real)sqrt(bc2);
    for (size_t i = 0; i < n; i++) {
        real g = grad[i] + wd * theta[i];
        m[i] = b1 * m[i] + ((real)1 - b1) * g;
        v[i] = b2 * v[i] + ((real)1 - b2) * g * g;
        theta[i] -= step * m[i] / (R_SQRT(v[i]) / bc2s + eps);
    }
}

void nn_adam_step(nn_params *p)
{
    p->step++;
    for (int k = 0; k < p->ntensors; k++) {
        const nn_tensor *t = &p->t[k];
        const nn_group *g = &p->g[t->group];
        nn_adam_update(p->data + t->off, p->grad + t->off, p->m + t->off, p->v + t->off, t->n,
                       g->lr, g->wd, p->beta1, p->beta2, p->eps, p->step);
    }
}
