/* synth.c: the synthetic multimodal sentiment dataset. The generative
 * model is described step by step in man/synth-model.txt; the comments
 * below name its steps. All draws come from generators split off one
 * seeded rng in a fixed order, so a seed fixes every byte. */
#include "config.h"
#include "data/synth.h"
#include "base/rng.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const synth_preset presets[] = {
    /* name     train valid test     L t/a/v        Lmin t/a/v   D t/a/v       H  clips/video */
    {"small", {240, 60, 100}, {8, 20, 15}, {3, 5, 4}, {768, 5, 20}, 3, 4, 12},
    {"mosi", {1284, 229, 686}, {50, 500, 375}, {5, 60, 40}, {768, 5, 20}, 3, 10, 40},
    {"sims", {1368, 456, 457}, {39, 400, 55}, {5, 40, 8}, {768, 33, 709}, 1, 20, 50},
    /* MOSEI's sizes and MMSA feature widths: about 8.5 GB of float32 */
    {"mosei", {16326, 1871, 4659}, {50, 500, 500}, {5, 60, 60}, {768, 74, 35}, 3, 10, 40},
};
enum { NPRESETS = sizeof presets / sizeof presets[0] };

const synth_preset *synth_preset_find(const char *name)
{
    for (int k = 0; k < NPRESETS; k++)
        if (strcmp(presets[k].name, name) == 0)
            return &presets[k];
    return NULL;
}

const char *synth_preset_list(void)
{
    return "small, mosi, sims, mosei";
}

/* ---- constants of the model (man/synth-model.txt, "Parameters") ----------- */

#define P_NEUTRAL    0.10   /* share of clips with a near-neutral sentiment */
#define P_POSITIVE   0.55   /* share of positive clips among the others */
#define MAG_MEAN     0.45   /* |z| ~ N(MAG_MEAN, MAG_SD) clipped to [0.08, 1] */
#define MAG_SD       0.22
#define SPEAKER_SD   0.12   /* per-video sentiment bias */
#define NOISE_T      0.12   /* u_t = z + NOISE_T e */
#define NOISE_AV     0.25   /* u_a, u_v = z + NOISE_AV e */
#define P_SARCASM    0.08   /* text literally opposite: u_t = -0.8 z + ... */
#define P_FLAT       0.15   /* per audio / vision: u_s scaled by FLAT_GAIN */
#define FLAT_GAIN    0.2
#define W_T          0.5    /* y_m from w_t u_t + w_a u_a + w_v u_v + FUSE_SD e */
#define W_A          0.25
#define W_V          0.25
#define FUSE_SD      0.08
#define ANNOTATORS   5

static const char *const pos_words[] = {"good", "great", "loved", "fun", "amazing",
                                        "best", "enjoyed", "funny", "nice", "beautiful"};
static const char *const neg_words[] = {"bad", "boring", "hated", "awful", "worst",
                                        "dull", "stupid", "annoying", "poor", "terrible"};
static const char *const neu_words[] = {"the", "movie", "was", "it", "really", "plot", "actor", "and", "i", "thought",
                                        "just", "this", "film", "story", "scene", "kind", "of", "a", "very", "so"};
enum { NPOS = 10, NNEG = 10, NNEU = 20, NWORDS = NPOS + NNEG + NNEU, NTOPICS = 8 };

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* Random unit vector with its mass in the first k of D coordinates. */
static void unit_vec(rng *r, float *v, int D, int k)
{
    double s = 0;
    for (int d = 0; d < D; d++) {
        v[d] = d < k ? (float)rng_normal(r) : 0.0f;
        s += (double)v[d] * v[d];
    }
    s = s > 0 ? 1.0 / sqrt(s) : 0;
    for (int d = 0; d < D; d++)
        v[d] = (float)(v[d] * s);
}

/* Makes v orthogonal to the unit vector e, then unit length again. */
static void orthogonalise(float *v, const float *e, int D)
{
    double dot = 0, s = 0;
    for (int d = 0; d < D; d++)
        dot += (double)v[d] * e[d];
    for (int d = 0; d < D; d++) {
        v[d] = (float)(v[d] - dot * e[d]);
        s += (double)v[d] * v[d];
    }
    s = s > 0 ? 1.0 / sqrt(s) : 0;
    for (int d = 0; d < D; d++)
        v[d] = (float)(v[d] * s);
}

/* Annotation: ANNOTATORS scores round(H u + sd e) clipped to -H..H,
 * averaged, so labels sit on a grid of 1/ANNOTATORS (0.2). */
static float annotate(rng *r, double u, int H)
{
    double sd = H == 1 ? 0.35 : 0.6;
    int sum = 0;
    for (int k = 0; k < ANNOTATORS; k++) {
        long s = lround(H * u + sd * rng_normal(r));
        sum += (int)clampd((double)s, -H, H);
    }
    return (float)sum / (float)ANNOTATORS;
}

/* Fixed vectors of one dataset. */
typedef struct {
    float *e;          /* (3, D_t): polarity, intensity, sarcasm cue directions of [CLS] */
    float *topic;      /* (NTOPICS, D_t) */
    float *word;       /* (NWORDS, D_t) word base vectors */
    float *adir;       /* (3, D_a): polarity, arousal, nuisance drift */
    float *vdir;       /* (3, D_v) */
} basis;

static void basis_free(basis *b)
{
    free(b->e);
    free(b->topic);
    free(b->word);
    free(b->adir);
    free(b->vdir);
}

static sm_status basis_make(basis *b, rng *r, const synth_preset *p, sm_err *err)
{
    int Dt = p->D[MOD_T], Da = p->D[MOD_A], Dv = p->D[MOD_V];
    memset(b, 0, sizeof *b);
    b->e = sm_alloc(3 * (size_t)Dt, sizeof(float), err);
    b->topic = sm_alloc(NTOPICS * (size_t)Dt, sizeof(float), err);
    b->word = sm_alloc(NWORDS * (size_t)Dt, sizeof(float), err);
    b->adir = sm_alloc(3 * (size_t)Da, sizeof(float), err);
    b->vdir = sm_alloc(3 * (size_t)Dv, sizeof(float), err);
    if (!b->e || !b->topic || !b->word || !b->adir || !b->vdir) {
        basis_free(b);
        return SM_ENOMEM;
    }
    for (int k = 0; k < 3; k++) {
        unit_vec(r, b->e + k * Dt, Dt, Dt);
        for (int j = 0; j < k; j++)
            orthogonalise(b->e + k * Dt, b->e + j * Dt, Dt);
    }
    for (int k = 0; k < NTOPICS; k++)
        unit_vec(r, b->topic + k * Dt, Dt, Dt);
    for (size_t j = 0; j < NWORDS * (size_t)Dt; j++)
        b->word[j] = (float)(0.5 * rng_normal(r));
    /* audio and vision: signal in the first few coordinates, the rest are
     * noise dimensions */
    int ka = SM_MIN(Da, 8), kv = SM_MIN(Dv, 10);
    for (int k = 0; k < 3; k++) {
        unit_vec(r, b->adir + k * Da, Da, k < 2 ? ka : Da);
        unit_vec(r, b->vdir + k * Dv, Dv, k < 2 ? kv : Dv);
    }
    return SM_OK;
}

/* Per-video (speaker) nuisance. */
typedef struct {
    double bias;       /* sentiment bias */
    double gain_a, gain_v;   /* expressiveness */
    float *off[MOD_COUNT];   /* (D_s) feature offsets */
} speaker;

static const double offset_sd[MOD_COUNT] = {0.1, 0.3, 0.3};

static void speaker_draw(speaker *s, rng *r, const synth_preset *p)
{
    s->bias = SPEAKER_SD * rng_normal(r);
    s->gain_a = rng_range(r, 0.5, 1.5);
    s->gain_v = rng_range(r, 0.5, 1.5);
    for (int m = 0; m < MOD_COUNT; m++)
        for (int d = 0; d < p->D[m]; d++)
            s->off[m][d] = (float)(offset_sd[m] * rng_normal(r));
}

/* Latent sentiments of one clip (model steps 2-4). */
typedef struct {
    double z, u[MOD_COUNT], c;
    bool sarcasm, flat[MOD_COUNT];
} latent;

static void latent_draw(latent *lt, rng *r, const speaker *sp)
{
    double z;
    if (rng_uniform(r) < P_NEUTRAL) {
        z = 0.1 * rng_normal(r);
    } else {
        double sgn = rng_uniform(r) < P_POSITIVE ? 1.0 : -1.0;
        z = sgn * clampd(MAG_MEAN + MAG_SD * rng_normal(r), 0.08, 1.0);
    }
    lt->z = clampd(z + sp->bias, -1, 1);
    lt->sarcasm = rng_uniform(r) < P_SARCASM;
    lt->u[MOD_T] = lt->sarcasm ? -0.8 * lt->z + NOISE_T * rng_normal(r) : lt->z + NOISE_T * rng_normal(r);
    lt->u[MOD_A] = lt->z + NOISE_AV * rng_normal(r);
    lt->u[MOD_V] = lt->z + NOISE_AV * rng_normal(r);
    lt->flat[MOD_T] = false;
    for (int m = MOD_A; m <= MOD_V; m++) {
        lt->flat[m] = rng_uniform(r) < P_FLAT;
        if (lt->flat[m])
            lt->u[m] *= FLAT_GAIN;
    }
    for (int m = 0; m < MOD_COUNT; m++)
        lt->u[m] = clampd(lt->u[m], -1, 1);
    lt->c = clampd(W_T * lt->u[MOD_T] + W_A * lt->u[MOD_A] + W_V * lt->u[MOD_V] + FUSE_SD * rng_normal(r), -1, 1);
}

/* Text of one clip (model step 6): tokens 1..len-1 are words, row 0 is
 * [CLS]; the transcript is the words joined by spaces. x is (L_t, D_t). */
static char *text_draw(rng *r, const basis *b, const synth_preset *p, const speaker *sp, const latent *lt, int len,
                       float *x, sm_err *err)
{
    int Dt = p->D[MOD_T];
    const float *e1 = b->e, *e2 = b->e + Dt, *e3 = b->e + 2 * Dt;
    double ut = lt->u[MOD_T];
    size_t cap = 16;
    for (int j = 1; j < len; j++)
        cap += 12;
    char *s = sm_alloc(cap, 1, err);
    if (!s)
        return NULL;
    size_t k = 0;
    /* q: chance a token is a sentiment word; it grows with |u_t| */
    double q = 0.15 + 0.45 * fabs(ut);
    for (int j = 1; j < len; j++) {
        int w, pol = 0;
        if (rng_uniform(r) < q) {
            pol = ut >= 0 ? 1 : -1;
            if (rng_uniform(r) < 0.15)   /* a word against the grain */
                pol = -pol;
            w = pol > 0 ? (int)rng_below(r, NPOS) : NPOS + (int)rng_below(r, NNEG);
        } else {
            w = NPOS + NNEG + (int)rng_below(r, NNEU);
        }
        const char *ws = w < NPOS ? pos_words[w] : w < NPOS + NNEG ? neg_words[w - NPOS] : neu_words[w - NPOS - NNEG];
        k += (size_t)snprintf(s + k, cap - k, "%s%s", k ? " " : "", ws);
        /* token = word base + 0.8 pol e1 + speaker offset + 0.3 noise */
        float *row = x + (size_t)j * Dt;
        const float *wb = b->word + (size_t)w * Dt;
        for (int d = 0; d < Dt; d++)
            row[d] = (float)(wb[d] + 0.8 * pol * e1[d] + sp->off[MOD_T][d] + 0.3 * rng_normal(r));
    }
    /* [CLS] = 1.2 u_t e1 + 0.6 (|u_t| - 0.5) e2 + 0.8 sarcasm e3 + 0.6 topic
     *         + 0.3 mean(tokens) + speaker offset + 0.5 noise */
    const float *topic = b->topic + (size_t)rng_below(r, NTOPICS) * Dt;
    double a1 = 1.2 * ut, a2 = 0.6 * (fabs(ut) - 0.5), a3 = lt->sarcasm ? 0.8 : 0.0;
    for (int d = 0; d < Dt; d++) {
        double mean = 0;
        for (int j = 1; j < len; j++)
            mean += x[(size_t)j * Dt + d];
        mean = len > 1 ? mean / (len - 1) : 0;
        x[d] = (float)(a1 * e1[d] + a2 * e2[d] + a3 * e3[d] + 0.6 * topic[d] + 0.3 * mean + sp->off[MOD_T][d] +
                       0.5 * rng_normal(r));
    }
    return s;
}

/* Audio or vision of one clip (model step 7): x is (L, D), len true steps.
 * Noise, a speaker offset and a slow nuisance drift everywhere; the
 * sentiment (polarity u and arousal |u|, scaled by the speaker's gain) only
 * in one segment of 15-35% (audio) or 20-40% (vision) of the steps. */
static void seq_draw(rng *r, const float *dir, int D, const float *off, double u, double gain, double amp,
                     double seg_lo, double seg_hi, int len, float *x)
{
    const float *pol = dir, *aro = dir + D, *drift = dir + 2 * D;
    int w = (int)lround(len * rng_range(r, seg_lo, seg_hi));
    w = SM_MAX(1, SM_MIN(len, w));
    int s0 = (int)rng_below(r, (uint64_t)(len - w + 1));
    double period = rng_range(r, 10, 40), phase = rng_range(r, 0, 6.283185307179586);
    for (int t = 0; t < len; t++) {
        float *row = x + (size_t)t * D;
        double dr = 0.8 * sin(6.283185307179586 * t / period + phase);
        bool in = t >= s0 && t < s0 + w;
        double sp = in ? gain * amp * u : 0, sa = in ? gain * fabs(u) : 0;
        for (int d = 0; d < D; d++)
            row[d] = (float)(off[d] + dr * drift[d] + sp * pol[d] + sa * aro[d] + rng_normal(r));
    }
}

static int draw_len(rng *r, const synth_preset *p, int m)
{
    return p->Lmin[m] + (int)rng_below(r, (uint64_t)(p->L[m] - p->Lmin[m] + 1));
}

sm_status synth_make(dataset *out, const char *preset, unsigned long seed, sm_err *err)
{
    memset(out, 0, sizeof *out);
    const synth_preset *p = synth_preset_find(preset);
    if (!p)
        return sm_err_set(err, SM_EINVAL, "unknown synthetic preset '%s'; expected one of %s", preset,
                          synth_preset_list());
    return synth_make_preset(out, p, seed, err);
}

sm_status synth_make_preset(dataset *out, const synth_preset *p, unsigned long seed, sm_err *err)
{
    memset(out, 0, sizeof *out);
    for (int m = 0; m < MOD_COUNT; m++)
        if (p->Lmin[m] < 1 || p->Lmin[m] > p->L[m] || p->D[m] < 1 || (m == MOD_T && p->Lmin[m] < 2))
            return sm_err_set(err, SM_EINVAL, "synthetic preset %s: %s lengths %d..%d, width %d", p->name,
                              mod_names[m], p->Lmin[m], p->L[m], p->D[m]);
    if (p->H < 1 || p->clips_min < 1 || p->clips_max < p->clips_min || p->n[0] < 0 || p->n[1] < 0 || p->n[2] < 0)
        return sm_err_set(err, SM_EINVAL, "synthetic preset %s: bad label bound, clips or sizes", p->name);
    int n = p->n[0] + p->n[1] + p->n[2];
    dataset ds;
    sm_status st = dataset_alloc(&ds, n, p->L, p->D, true, err);
    if (st != SM_OK)
        return st;
    rng root, r_basis, r_struct, r_mod[MOD_COUNT];
    rng_seed(&root, (uint64_t)seed);
    rng_split(&root, &r_basis);
    rng_split(&root, &r_struct);
    for (int m = 0; m < MOD_COUNT; m++)
        rng_split(&root, &r_mod[m]);
    basis b;
    speaker sp = {0};
    if ((st = basis_make(&b, &r_basis, p, err)) != SM_OK) {
        dataset_free(&ds);
        return st;
    }
    for (int m = 0; m < MOD_COUNT && st == SM_OK; m++)
        if (!(sp.off[m] = sm_alloc((size_t)p->D[m], sizeof(float), err)))
            st = SM_ENOMEM;
    /* step 1: videos (speakers) of clips_min..clips_max clips fill each
     * split in turn; a split's last video may be cut short */
    int i = 0, video = 0;
    for (int s = 0; s < SPLIT_COUNT && st == SM_OK; s++) {
        int left = p->n[s];
        while (left > 0 && st == SM_OK) {
            int clips = p->clips_min + (int)rng_below(&r_struct, (uint64_t)(p->clips_max - p->clips_min + 1));
            clips = SM_MIN(clips, left);
            left -= clips;
            video++;
            speaker_draw(&sp, &r_struct, p);
            for (int c = 1; c <= clips && st == SM_OK; c++, i++) {
                char buf[32];
                latent lt;
                latent_draw(&lt, &r_struct, &sp);
                /* step 5: labels */
                for (int m = 0; m < MOD_COUNT; m++)
                    ds.ulabel[m][i] = annotate(&r_struct, lt.u[m], p->H);
                ds.label[i] = annotate(&r_struct, lt.c, p->H);
                ds.split[i] = s;
                snprintf(buf, sizeof buf, "synth%04d", video);
                ds.video_id[i] = sm_strdup(buf, err);
                snprintf(buf, sizeof buf, "%d", c);
                ds.clip_id[i] = sm_strdup(buf, err);
                ds.annotation[i] = sm_strdup(ds.label[i] > 0 ? "Positive" : ds.label[i] < 0 ? "Negative" : "Neutral",
                                             err);
                /* steps 6-7: features */
                for (int m = 0; m < MOD_COUNT; m++)
                    ds.mod[m].len[i] = draw_len(&r_mod[m], p, m);
                float *x[MOD_COUNT];
                for (int m = 0; m < MOD_COUNT; m++)
                    x[m] = ds.mod[m].x + (size_t)i * p->L[m] * p->D[m];
                ds.text[i] = text_draw(&r_mod[MOD_T], &b, p, &sp, &lt, ds.mod[MOD_T].len[i], x[MOD_T], err);
                seq_draw(&r_mod[MOD_A], b.adir, p->D[MOD_A], sp.off[MOD_A], lt.u[MOD_A], sp.gain_a, 2.0, 0.15, 0.35,
                         ds.mod[MOD_A].len[i], x[MOD_A]);
                seq_draw(&r_mod[MOD_V], b.vdir, p->D[MOD_V], sp.off[MOD_V], lt.u[MOD_V], sp.gain_v, 2.0, 0.20, 0.40,
                         ds.mod[MOD_V].len[i], x[MOD_V]);
                if (!ds.video_id[i] || !ds.clip_id[i] || !ds.annotation[i] || !ds.text[i])
                    st = SM_ENOMEM;
            }
        }
    }
    basis_free(&b);
    for (int m = 0; m < MOD_COUNT; m++)
        free(sp.off[m]);
    if (st != SM_OK) {
        dataset_free(&ds);
        return st;
    }
    *out = ds;
    return SM_OK;
}

sm_status dataset_open(dataset *ds, const char *name, sm_err *err)
{
    memset(ds, 0, sizeof *ds);
    if (strncmp(name, "synth:", 6) != 0)
        return dataset_load(ds, name, err);
    char preset[32];
    const char *p = name + 6, *colon = strchr(p, ':');
    size_t n = colon ? (size_t)(colon - p) : strlen(p);
    unsigned long seed = 1;
    if (n >= sizeof preset)
        n = sizeof preset - 1;
    memcpy(preset, p, n);
    preset[n] = '\0';
    if (colon) {
        char *end;
        errno = 0;
        seed = strtoul(colon + 1, &end, 10);
        if (!colon[1] || *end || errno || colon[1] == '-')
            return sm_err_set(err, SM_EINVAL, "dataset '%s': expected synth:PRESET or synth:PRESET:SEED", name);
    }
    return synth_make(ds, preset, seed, err);
}
