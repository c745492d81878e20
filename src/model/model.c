/* model.c: the Self-MI network, forward and backward (SPEC sections 1-5). */
#include "config.h"
#include "model/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- buffers */

static real *mbuf(model *m, size_t n, sm_err *err)
{
    if (m->nbufs >= (int)(sizeof m->bufs / sizeof m->bufs[0])) {
        sm_err_set(err, SM_EINTERNAL, "model: too many buffers");
        return NULL;
    }
    real *p = sm_alloc(n, sizeof(real), err);
    if (p)
        m->bufs[m->nbufs++] = p;
    return p;
}

static int *mibuf(model *m, size_t n, sm_err *err)
{
    if (m->nbufs >= (int)(sizeof m->bufs / sizeof m->bufs[0])) {
        sm_err_set(err, SM_EINTERNAL, "model: too many buffers");
        return NULL;
    }
    int *p = sm_alloc(n, sizeof(int), err);
    if (p)
        m->bufs[m->nbufs++] = p;
    return p;
}

#define NEED(p) do { if (!(p)) return err->status ? err->status : SM_ENOMEM; } while (0)

/* dy[i] = 0 where y[i] <= 0: the ReLU backward, in place (a select on
 * every element, so the loop is one vector blend) */
static void relu_mask(real *d, const real *y, int n)
{
    for (int i = 0; i < n; i++)
        d[i] = y[i] > 0 ? d[i] : 0;
}

/* ------------------------------------------------------------------ build */

static sm_status head_init(model *m, model_head *h, const char *name, int in, int dim, float p,
                           int B, sm_err *err)
{
    char nm[48];
    h->in = in;
    h->dim = dim;
    h->p = p;
    snprintf(nm, sizeof nm, "%s.l1", name);
    h->l1 = nn_params_add_linear(&m->P, nm, in, dim, GROUP_OTHER);
    snprintf(nm, sizeof nm, "%s.l2", name);
    if (m->cfg.head_depth == 3) {
        h->l2 = nn_params_add_linear(&m->P, nm, dim, dim, GROUP_OTHER);
        snprintf(nm, sizeof nm, "%s.l3", name);
        h->l3 = nn_params_add_linear(&m->P, nm, dim, 1, GROUP_OTHER);
    } else {
        h->l2 = nn_params_add_linear(&m->P, nm, dim, 1, GROUP_OTHER);
        h->l3 = -1;
    }
    NEED(h->xd = mbuf(m, (size_t)B * in, err));
    NEED(h->mask = mbuf(m, (size_t)B * in, err));
    NEED(h->z = mbuf(m, (size_t)B * dim, err));
    NEED(h->h2 = mbuf(m, (size_t)B * dim, err));
    NEED(h->y = mbuf(m, (size_t)B, err));
    NEED(h->dy = mbuf(m, (size_t)B, err));
    NEED(h->dz = mbuf(m, (size_t)B * dim, err));
    NEED(h->dh2 = mbuf(m, (size_t)B * dim, err));
    NEED(h->dxd = mbuf(m, (size_t)B * in, err));
    return SM_OK;
}

static sm_status seq_init(model *m, model_seq *q, const char *name, int F, int L, int H, int out,
                          float p, int group, int B, sm_err *err)
{
    char nm[48];
    q->F = F;
    q->L = L;
    q->H = H;
    q->out = out;
    q->p = p;
    snprintf(nm, sizeof nm, "%s.lstm", name);
    q->lstm = nn_params_add_lstm(&m->P, nm, F, H, group);
    snprintf(nm, sizeof nm, "%s.lin", name);
    q->lin = nn_params_add_linear(&m->P, nm, H, out, group);
    sm_status st = nn_lstm_cache_init(&q->cache, B, L, F, H, err);
    if (st)
        return st;
    NEED(q->x = mbuf(m, (size_t)B * L * F, err));
    NEED(q->len = mibuf(m, (size_t)B, err));
    NEED(q->h = mbuf(m, (size_t)B * H, err));
    NEED(q->hd = mbuf(m, (size_t)B * H, err));
    NEED(q->mask = mbuf(m, (size_t)B * H, err));
    NEED(q->dh = mbuf(m, (size_t)B * H, err));
    return SM_OK;
}

static const char *const head_names[HEAD_COUNT] = {"head_m", "head_t", "head_a", "head_v"};
static const char *const letters[MOD_COUNT] = {"t", "a", "v"};

static sm_status model_build(model *m, const config *cfg, const dataset *ds, int B, sm_err *err)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->maxB = B;
    m->text_lin = -1;
    for (int s = 0; s < MOD_COUNT; s++) {
        m->D[s] = ds->mod[s].D;
        m->L[s] = ds->mod[s].L;
    }
    if (cfg->head_depth != 2 && cfg->head_depth != 3)
        return sm_err_set(err, SM_EINVAL, "head_depth must be 2 or 3, not %d", cfg->head_depth);
    for (int g = 0; g < GROUP_COUNT; g++)
        m->P.g[g] = (nn_group){cfg->lr[g], cfg->wd[g]};
    m->P.ngroups = GROUP_COUNT;
    m->R.g[0] = (nn_group){cfg->lr_ulg, cfg->wd_ulg};
    m->R.ngroups = 1;

    /* text subnet (section 1) */
    sm_status st;
    switch (cfg->text_encoder) {
    case TEXT_CLS:
    case TEXT_MEAN:
        m->text_lin = nn_params_add_linear(&m->P, "text.lin", m->D[MOD_T], cfg->text_out, GROUP_TEXT);
        m->out[MOD_T] = cfg->text_out;
        NEED(m->xt = mbuf(m, (size_t)B * m->D[MOD_T], err));
        break;
    case TEXT_FROZEN:
        m->out[MOD_T] = m->D[MOD_T];
        NEED(m->xt = mbuf(m, (size_t)B * m->D[MOD_T], err));
        break;
    case TEXT_LSTM:
        st = seq_init(m, &m->tseq, "text", m->D[MOD_T], m->L[MOD_T], cfg->text_hidden, cfg->text_out,
                      0.0f, GROUP_TEXT, B, err);
        if (st)
            return st;
        m->out[MOD_T] = cfg->text_out;
        break;
    }
    /* audio and vision subnets (Eq. 3-4) */
    st = seq_init(m, &m->aseq, "audio", m->D[MOD_A], m->L[MOD_A], cfg->audio_hidden, cfg->audio_out,
                  cfg->a_lstm_dropout, GROUP_AUDIO, B, err);
    if (st)
        return st;
    st = seq_init(m, &m->vseq, "video", m->D[MOD_V], m->L[MOD_V], cfg->video_hidden, cfg->video_out,
                  cfg->v_lstm_dropout, GROUP_VIDEO, B, err);
    if (st)
        return st;
    m->out[MOD_A] = cfg->audio_out;
    m->out[MOD_V] = cfg->video_out;
    m->dm_in = m->out[MOD_T] + m->out[MOD_A] + m->out[MOD_V];
    for (int s = 0; s < MOD_COUNT; s++) {
        if (cfg->text_encoder != TEXT_FROZEN || s != MOD_T)
            NEED(m->X[s] = mbuf(m, (size_t)B * m->out[s], err));
        NEED(m->dX[s] = mbuf(m, (size_t)B * m->out[s], err));
    }
    if (cfg->text_encoder == TEXT_FROZEN)
        m->X[MOD_T] = m->xt;
    NEED(m->Xm = mbuf(m, (size_t)B * m->dm_in, err));
    NEED(m->dXm = mbuf(m, (size_t)B * m->dm_in, err));

    /* heads (Eq. 5-9) */
    const int dims[HEAD_COUNT] = {cfg->post_fusion_dim, cfg->post_text_dim, cfg->post_audio_dim,
                                  cfg->post_video_dim};
    const float drops[HEAD_COUNT] = {cfg->post_fusion_dropout, cfg->post_text_dropout,
                                     cfg->post_audio_dropout, cfg->post_video_dropout};
    for (int h = 0; h < HEAD_COUNT; h++) {
        int in = h == HEAD_M ? m->dm_in : m->out[h - 1];
        st = head_init(m, &m->head[h], head_names[h], in, dims[h], drops[h], B, err);
        if (st)
            return st;
    }
    /* CPC projections G_s (section 3) */
    int dm = cfg->post_fusion_dim;
    for (int s = 0; s < MOD_COUNT; s++) {
        int d = dims[s + 1];
        char nm[48];
        snprintf(nm, sizeof nm, "cpc.G_%s", letters[s]);
        m->G[s] = nn_params_add_linear(&m->P, nm, dm, d, GROUP_OTHER);
        NEED(m->g[s] = mbuf(m, (size_t)B * d, err));
        NEED(m->dg[s] = mbuf(m, (size_t)B * d, err));
        st = nn_infonce_cache_init(&m->nce[s], B, d, err);
        if (st)
            return st;
    }
    /* ULG_MI regressors R_s (section 4) */
    for (int s = 0; s < MOD_COUNT; s++) {
        int d = dims[s + 1];
        m->uin[s] = cfg->ulg_input == ULG_PRODUCT ? d : cfg->ulg_input == ULG_CONCAT ? 2 * d : 2;
        char nm[48];
        snprintf(nm, sizeof nm, "ulg.R_%s.l1", letters[s]);
        m->R1[s] = nn_params_add_linear(&m->R, nm, m->uin[s], d, 0);
        snprintf(nm, sizeof nm, "ulg.R_%s.l2", letters[s]);
        m->R2[s] = nn_params_add_linear(&m->R, nm, d, 1, 0);
        NEED(m->u[s] = mbuf(m, (size_t)B * m->uin[s], err));
        NEED(m->r1[s] = mbuf(m, (size_t)B * d, err));
        NEED(m->r[s] = mbuf(m, (size_t)B, err));
        NEED(m->dr[s] = mbuf(m, (size_t)B, err));
        NEED(m->dr1[s] = mbuf(m, (size_t)B * d, err));
        NEED(m->ys[s] = mbuf(m, (size_t)B, err));
        NEED(m->w[s] = mbuf(m, (size_t)B, err));
    }
    NEED(m->ym = mbuf(m, (size_t)B, err));
    st = nn_params_alloc(&m->P, err);
    if (st)
        return st;
    return nn_params_alloc(&m->R, err);
}

sm_status model_init(model *m, const config *cfg, const dataset *ds, int maxB, rng *r, sm_err *err)
{
    if (maxB < 1)
        return sm_err_set(err, SM_EINVAL, "batch size must be at least 1");
    sm_status st = model_build(m, cfg, ds, maxB, err);
    if (st) {
        model_free(m);
        return st;
    }
    nn_params_init(&m->P, r);
    nn_params_init(&m->R, r);
    m->P.beta1 = m->R.beta1 = 0.9f;
    m->P.beta2 = m->R.beta2 = 0.999f;
    m->P.eps = m->R.eps = 1e-8f;
    return SM_OK;
}

void model_free(model *m)
{
    if (!m)
        return;
    nn_lstm_cache_free(&m->tseq.cache);
    nn_lstm_cache_free(&m->aseq.cache);
    nn_lstm_cache_free(&m->vseq.cache);
    for (int s = 0; s < MOD_COUNT; s++)
        nn_infonce_cache_free(&m->nce[s]);
    nn_params_free(&m->P);
    nn_params_free(&m->R);
    for (int i = 0; i < m->nbufs; i++)
        free(m->bufs[i]);
    memset(m, 0, sizeof *m);
}

/* ----------------------------------------------------------------- gather */

static void gather_seq(model_seq *q, const modality *md, const int *idx, int B)
{
    size_t row = (size_t)md->L * md->D;
    for (int b = 0; b < B; b++) {
        const float *src = md->x + (size_t)idx[b] * row;
        real *dst = q->x + (size_t)b * row;
        int len = md->len ? md->len[idx[b]] : md->L;
        size_t n = (size_t)len * md->D;
        for (size_t k = 0; k < n; k++)
            dst[k] = (real)src[k];
        /* padding past the true length is never read by the LSTM */
        q->len[b] = len;
    }
}

void model_gather(model *m, const dataset *ds, const int *idx, int B)
{
    SM_ASSERT(B >= 1 && B <= m->maxB);
    const modality *mt = &ds->mod[MOD_T];
    int D = mt->D;
    size_t row = (size_t)mt->L * D;
    switch (m->cfg.text_encoder) {
    case TEXT_CLS:
    case TEXT_FROZEN:
        /* X^t from the [CLS] row (Eq. 2) */
        for (int b = 0; b < B; b++) {
            const float *src = mt->x + (size_t)idx[b] * row;
            for (int k = 0; k < D; k++)
                m->xt[(size_t)b * D + k] = (real)src[k];
        }
        break;
    case TEXT_MEAN:
        for (int b = 0; b < B; b++) {
            const float *src = mt->x + (size_t)idx[b] * row;
            int len = mt->len ? mt->len[idx[b]] : mt->L;
            real *dst = m->xt + (size_t)b * D;
            for (int k = 0; k < D; k++)
                dst[k] = 0;
            for (int t = 0; t < len; t++)
                for (int k = 0; k < D; k++)
                    dst[k] += (real)src[(size_t)t * D + k];
            for (int k = 0; k < D; k++)
                dst[k] /= (real)len;
        }
        break;
    case TEXT_LSTM:
        gather_seq(&m->tseq, mt, idx, B);
        break;
    }
    gather_seq(&m->aseq, &ds->mod[MOD_A], idx, B);
    gather_seq(&m->vseq, &ds->mod[MOD_V], idx, B);
    m->B = B;
}

/* ---------------------------------------------------------------- forward */

static void seq_forward(model *m, model_seq *q, real *X, bool training, rng *r)
{
    int B = m->B;
    const nn_params *P = &m->P;
    nn_lstm_forward(q->h, &q->cache, q->x, q->len, nn_params_ptr(P, q->lstm), nn_params_ptr(P, q->lstm + 1),
                    nn_params_ptr(P, q->lstm + 2), nn_params_ptr(P, q->lstm + 3), B, q->L, q->F, q->H);
    nn_dropout_forward(q->hd, q->mask, q->h, B * q->H, q->p, training, r);
    nn_linear_forward(X, q->hd, nn_params_ptr(P, q->lin), nn_params_ptr(P, q->lin + 1), B, q->H, q->out);
}

/* Z = ReLU(W1 dropout(X) + b1); y = W3 ReLU(W2 Z + b2) + b3 (Eq. 6-9) */
static void head_forward(model *m, model_head *h, const real *x, bool training, rng *r)
{
    int B = m->B;
    const nn_params *P = &m->P;
    nn_dropout_forward(h->xd, h->mask, x, B * h->in, h->p, training, r);
    nn_linear_forward(h->z, h->xd, nn_params_ptr(P, h->l1), nn_params_ptr(P, h->l1 + 1), B, h->in, h->dim);
    nn_relu_forward(h->z, h->z, B * h->dim);
    if (h->l3 >= 0) {
        nn_linear_forward(h->h2, h->z, nn_params_ptr(P, h->l2), nn_params_ptr(P, h->l2 + 1), B, h->dim, h->dim);
        nn_relu_forward(h->h2, h->h2, B * h->dim);
        nn_linear_forward(h->y, h->h2, nn_params_ptr(P, h->l3), nn_params_ptr(P, h->l3 + 1), B, h->dim, 1);
    } else {
        nn_linear_forward(h->y, h->z, nn_params_ptr(P, h->l2), nn_params_ptr(P, h->l2 + 1), B, h->dim, 1);
    }
}

static real vnorm(const real *v, int d)
{
    real s = 0;
    for (int k = 0; k < d; k++)
        s += v[k] * v[k];
    s = (real)sqrt((double)s);
    return s > (real)1e-12 ? s : (real)1e-12;
}

/* The detached input of R_s (section 4, option ulg_input):
 *   product: u_i = z~_i * g~_i;  concat: [z~_i, g~_i];
 *   scores:  [S_ii, logsumexp_j S_ij]. */
static void ulg_inputs(model *m, int s)
{
    int B = m->B, d = m->head[s + 1].dim;
    const real *z = m->head[s + 1].z, *g = m->g[s];
    real *u = m->u[s];
    if (m->cfg.ulg_input != ULG_SCORES) {
        for (int b = 0; b < B; b++) {
            real nz = vnorm(z + (size_t)b * d, d), ng = vnorm(g + (size_t)b * d, d);
            for (int k = 0; k < d; k++) {
                real zk = z[(size_t)b * d + k] / nz, gk = g[(size_t)b * d + k] / ng;
                if (m->cfg.ulg_input == ULG_PRODUCT) {
                    u[(size_t)b * d + k] = zk * gk;
                } else {
                    u[(size_t)b * 2 * d + k] = zk;
                    u[(size_t)b * 2 * d + d + k] = gk;
                }
            }
        }
        return;
    }
    for (int i = 0; i < B; i++) {
        real nz = vnorm(z + (size_t)i * d, d);
        double mx = -INFINITY, sii = 0;
        /* two passes over the row: max, then the sum */
        for (int pass = 0; pass < 2; pass++) {
            double acc = 0;
            for (int j = 0; j < B; j++) {
                if (m->cfg.cpc_exclude_self && j == i && B > 1)
                    continue;
                real ng = vnorm(g + (size_t)j * d, d);
                double sij = 0;
                for (int k = 0; k < d; k++)
                    sij += (double)(z[(size_t)i * d + k] / nz) * (double)(g[(size_t)j * d + k] / ng);
                if (pass == 0 && sij > mx)
                    mx = sij;
                if (pass == 1)
                    acc += exp(sij - mx);
            }
            if (pass == 1)
                u[(size_t)i * 2 + 1] = (real)(mx + log(acc));
        }
        real ng = vnorm(g + (size_t)i * d, d);
        for (int k = 0; k < d; k++)
            sii += (double)(z[(size_t)i * d + k] / nz) * (double)(g[(size_t)i * d + k] / ng);
        u[(size_t)i * 2] = (real)sii;
    }
}

/* The subnets and the four heads (or the fusion head M alone): what a
 * prediction needs. */
static void forward_heads(model *m, bool training, bool unimodal, rng *r)
{
    int B = m->B;
    const config *c = &m->cfg;
    const nn_params *P = &m->P;
    m->training = training;

    /* subnets: X^t (Eq. 2), X^a, X^v (Eq. 3-4) */
    if (c->text_encoder == TEXT_LSTM)
        seq_forward(m, &m->tseq, m->X[MOD_T], training, r);
    else if (c->text_encoder != TEXT_FROZEN)
        nn_linear_forward(m->X[MOD_T], m->xt, nn_params_ptr(P, m->text_lin), nn_params_ptr(P, m->text_lin + 1),
                          B, m->D[MOD_T], m->out[MOD_T]);
    seq_forward(m, &m->aseq, m->X[MOD_A], training, r);
    seq_forward(m, &m->vseq, m->X[MOD_V], training, r);

    /* X^m = concat(X^t, X^a, X^v) (Eq. 5) */
    for (int b = 0; b < B; b++) {
        real *dst = m->Xm + (size_t)b * m->dm_in;
        for (int s = 0; s < MOD_COUNT; s++) {
            memcpy(dst, m->X[s] + (size_t)b * m->out[s], (size_t)m->out[s] * sizeof(real));
            dst += m->out[s];
        }
    }
    head_forward(m, &m->head[HEAD_M], m->Xm, training, r);
    if (unimodal)
        for (int s = 0; s < MOD_COUNT; s++)
            head_forward(m, &m->head[s + 1], m->X[s], training, r);
}

void model_predict(model *m, bool unimodal, rng *r)
{
    forward_heads(m, false, unimodal, r);
}

real model_forward(model *m, const real *ym, const real *const ys[MOD_COUNT], bool training, rng *r)
{
    int B = m->B;
    const config *c = &m->cfg;
    const nn_params *P = &m->P;
    memcpy(m->ym, ym, (size_t)B * sizeof(real));
    forward_heads(m, training, true, r);

    /* CPC (Eq. 11-15): g = G_s(Z^m), L_N^{ms} = InfoNCE(Z^s, g) */
    const model_head *hm = &m->head[HEAD_M];
    for (int s = 0; s < MOD_COUNT; s++) {
        int d = m->head[s + 1].dim;
        nn_linear_forward(m->g[s], hm->z, nn_params_ptr(P, m->G[s]), nn_params_ptr(P, m->G[s] + 1), B, hm->dim, d);
        m->l_cpc[s] = nn_infonce_forward(&m->nce[s], m->head[s + 1].z, m->g[s], B, d, c->cpc_exclude_self);
    }

    /* ULG_MI regressors (Eq. 16): r^s = R_s(u^s), L_task^s = mean |r^s - y_m| */
    for (int s = 0; s < MOD_COUNT; s++) {
        int d = m->head[s + 1].dim;
        ulg_inputs(m, s);
        nn_linear_forward(m->r1[s], m->u[s], nn_params_ptr(&m->R, m->R1[s]), nn_params_ptr(&m->R, m->R1[s] + 1),
                          B, m->uin[s], d);
        nn_relu_forward(m->r1[s], m->r1[s], B * d);
        nn_linear_forward(m->r[s], m->r1[s], nn_params_ptr(&m->R, m->R2[s]), nn_params_ptr(&m->R, m->R2[s] + 1),
                          B, d, 1);
        m->l_task[s] = nn_l1_forward(m->r[s], ym, NULL, B);
    }

    /* Eq. 17: L17 = mean( |y^_m - y_m| + sum_{s in tasks} w_s |y^_s - y_s| ),
     * w_s = tanh(|y_s - y_m|) (or 1: labels = none, uweight = one) */
    bool unit = c->uweight == UWEIGHT_ONE || (c->uweight == UWEIGHT_AUTO && c->labels == LABELS_NONE);
    m->l_m = nn_l1_forward(hm->y, ym, NULL, B);
    m->l17 = m->l_m;
    for (int s = 0; s < MOD_COUNT; s++) {
        for (int b = 0; b < B; b++) {
            m->ys[s][b] = ys && ys[s] ? ys[s][b] : ym[b];
            m->w[s][b] = unit ? 1 : (real)tanh(fabs((double)(m->ys[s][b] - ym[b])));
        }
        m->l_s[s] = c->tasks[s] ? nn_l1_forward(m->head[s + 1].y, m->ys[s], m->w[s], B) : 0;
        m->l17 += m->l_s[s];
    }
    real loss = m->l17;
    for (int s = 0; s < MOD_COUNT; s++)
        if (c->cpc_terms[s])
            loss += (real)c->lambda_cpc * m->l_cpc[s];
    return loss;
}

/* --------------------------------------------------------------- backward */

static void seq_backward(model *m, model_seq *q, const real *dX)
{
    int B = m->B;
    nn_params *P = &m->P;
    memset(q->dh, 0, (size_t)B * q->H * sizeof(real));
    nn_linear_backward(q->dh, nn_params_gptr(P, q->lin),
                       nn_params_gptr(P, q->lin + 1), dX, q->hd, nn_params_ptr(P, q->lin), B, q->H, q->out);
    /* dropout: dh <- dh * mask, in place */
    for (int i = 0; i < B * q->H; i++)
        q->dh[i] *= q->mask[i];
    nn_lstm_backward(NULL, nn_params_gptr(P, q->lstm), nn_params_gptr(P, q->lstm + 1),
                     nn_params_gptr(P, q->lstm + 2), nn_params_gptr(P, q->lstm + 3), q->dh, &q->cache, q->x,
                     q->len, nn_params_ptr(P, q->lstm), nn_params_ptr(P, q->lstm + 1), B, q->L, q->F, q->H);
}

/* From h->dy (B) and h->dz (B,dim: gradient into Z from elsewhere) to
 * dx (B,in) += dL/dX. with_y: whether the prediction carries a loss. */
static void head_backward(model *m, model_head *h, real *dx, bool with_y)
{
    int B = m->B;
    nn_params *P = &m->P;
    if (with_y) {
        if (h->l3 >= 0) {
            memset(h->dh2, 0, (size_t)B * h->dim * sizeof(real));
            nn_linear_backward(h->dh2, nn_params_gptr(P, h->l3), nn_params_gptr(P, h->l3 + 1), h->dy, h->h2,
                               nn_params_ptr(P, h->l3), B, h->dim, 1);
            relu_mask(h->dh2, h->h2, B * h->dim);
            nn_linear_backward(h->dz, nn_params_gptr(P, h->l2), nn_params_gptr(P, h->l2 + 1), h->dh2, h->z,
                               nn_params_ptr(P, h->l2), B, h->dim, h->dim);
        } else {
            nn_linear_backward(h->dz, nn_params_gptr(P, h->l2), nn_params_gptr(P, h->l2 + 1), h->dy, h->z,
                               nn_params_ptr(P, h->l2), B, h->dim, 1);
        }
    }
    relu_mask(h->dz, h->z, B * h->dim);
    memset(h->dxd, 0, (size_t)B * h->in * sizeof(real));
    nn_linear_backward(dx ? h->dxd : NULL, nn_params_gptr(P, h->l1), nn_params_gptr(P, h->l1 + 1), h->dz, h->xd,
                       nn_params_ptr(P, h->l1), B, h->in, h->dim);
    if (dx)
        nn_dropout_backward(dx, h->dxd, h->mask, B * h->in);
}

void model_backward(model *m)
{
    int B = m->B;
    const config *c = &m->cfg;
    nn_params *P = &m->P;
    model_head *hm = &m->head[HEAD_M];

    for (int h = 0; h < HEAD_COUNT; h++) {
        memset(m->head[h].dz, 0, (size_t)B * m->head[h].dim * sizeof(real));
        memset(m->head[h].dy, 0, (size_t)B * sizeof(real));
    }
    /* CPC (section 5): an enabled term trains G_s, Z^m and Z^s with weight
     * lambda_cpc (only G_s with cpc_detach); a switched-off term still
     * trains G_s, with the gradient stopped at Z^m and Z^s. */
    for (int s = 0; s < MOD_COUNT; s++) {
        int d = m->head[s + 1].dim;
        bool through = c->cpc_terms[s] && !c->cpc_detach;
        memset(m->dg[s], 0, (size_t)B * d * sizeof(real));
        nn_infonce_backward(through ? m->head[s + 1].dz : NULL, m->dg[s], &m->nce[s], (real)c->lambda_cpc);
        nn_linear_backward(through ? hm->dz : NULL, nn_params_gptr(P, m->G[s]), nn_params_gptr(P, m->G[s] + 1),
                           m->dg[s], hm->z, nn_params_ptr(P, m->G[s]), B, hm->dim, d);
    }
    /* Eq. 17 */
    nn_l1_backward(hm->dy, hm->y, m->ym, NULL, B, 1);
    for (int s = 0; s < MOD_COUNT; s++)
        if (c->tasks[s])
            nn_l1_backward(m->head[s + 1].dy, m->head[s + 1].y, m->ys[s], m->w[s], B, 1);

    memset(m->dXm, 0, (size_t)B * m->dm_in * sizeof(real));
    head_backward(m, hm, m->dXm, true);
    for (int s = 0; s < MOD_COUNT; s++) {
        memset(m->dX[s], 0, (size_t)B * m->out[s] * sizeof(real));
        bool need_dx = !(s == MOD_T && c->text_encoder == TEXT_FROZEN);
        head_backward(m, &m->head[s + 1], need_dx ? m->dX[s] : NULL, c->tasks[s]);
    }
    /* split dX^m back to the subnets */
    for (int b = 0; b < B; b++) {
        const real *src = m->dXm + (size_t)b * m->dm_in;
        for (int s = 0; s < MOD_COUNT; s++) {
            real *dst = m->dX[s] + (size_t)b * m->out[s];
            for (int k = 0; k < m->out[s]; k++)
                dst[k] += src[k];
            src += m->out[s];
        }
    }
    if (c->text_encoder == TEXT_LSTM)
        seq_backward(m, &m->tseq, m->dX[MOD_T]);
    else if (c->text_encoder != TEXT_FROZEN)
        nn_linear_backward(NULL, nn_params_gptr(P, m->text_lin), nn_params_gptr(P, m->text_lin + 1), m->dX[MOD_T],
                           m->xt, nn_params_ptr(P, m->text_lin), B, m->D[MOD_T], m->out[MOD_T]);
    seq_backward(m, &m->aseq, m->dX[MOD_A]);
    seq_backward(m, &m->vseq, m->dX[MOD_V]);

    /* L_task trains R_s only (Eq. 16) */
    for (int s = 0; s < MOD_COUNT; s++) {
        int d = m->head[s + 1].dim;
        memset(m->dr[s], 0, (size_t)B * sizeof(real));
        memset(m->dr1[s], 0, (size_t)B * d * sizeof(real));
        nn_l1_backward(m->dr[s], m->r[s], m->ym, NULL, B, 1);
        nn_linear_backward(m->dr1[s], nn_params_gptr(&m->R, m->R2[s]), nn_params_gptr(&m->R, m->R2[s] + 1), m->dr[s],
                           m->r1[s], nn_params_ptr(&m->R, m->R2[s]), B, d, 1);
        relu_mask(m->dr1[s], m->r1[s], B * d);
        nn_linear_backward(NULL, nn_params_gptr(&m->R, m->R1[s]), nn_params_gptr(&m->R, m->R1[s] + 1), m->dr1[s],
                           m->u[s], nn_params_ptr(&m->R, m->R1[s]), B, m->uin[s], d);
    }
}
