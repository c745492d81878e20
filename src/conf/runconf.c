/* runconf.c: the configuration keys, preset defaults (SPEC section 7), and the
 * text form used by --set, experiment files and run.conf.
 *
 * One list (CONFIG_KEYS) generates both the public key table and the field
 * layout the parser uses, so a key can never be documented but not settable
 * or the other way round. */
#include <config.h>
#include "conf/runconf.h"
#include "base/clocale.h"
#include "base/fsutil.h"
#include "base/numfmt.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Value ranges a key may have. */
typedef enum {
    R_NONE,      /* strings, enums, bools, subsets */
    R_SEED,      /* integer >= 0 (unsigned long) */
    R_INT_GE0,   /* integer >= 0 */
    R_INT_GE1,   /* integer >= 1 */
    R_DEPTH,     /* 2 or 3 */
    R_UNIT,      /* 0 <= x < 1 */
    R_POS,       /* x > 0 */
    R_GE0        /* x >= 0 */
} range_kind;

#define V_INT_GE0 ">= 0 (integer)"
#define V_INT_GE1 ">= 1 (integer)"
#define V_UNIT "0 <= x < 1"
#define V_POS "> 0"
#define V_GE0 ">= 0"
#define V_BOOL "true|false"

/* X(key, type, field, range, values, help) */
#define CONFIG_KEYS(X)                                                                              \
    X("dataset", CK_STRING, dataset, R_NONE, "directory or synth:NAME",                      \
      "dataset directory, or synth:NAME for the built-in synthetic data")                          \
    X("dataset_id", CK_STRING, dataset_id, R_NONE, "16 hex digits",                             \
      "the dataset's content fingerprint, set when a run starts (any value given is replaced)")    \
    X("preset", CK_ENUM, preset, R_NONE, "mosi|mosei|sims|synth",                           \
      "preset whose defaults (SPEC section 7) the run started from")                               \
    X("seed", CK_INT, seed, R_SEED, V_INT_GE0,                                              \
      "seed of the run's generator (init, dropout, shuffling, synthetic data)")                    \
    X("name", CK_STRING, name, R_NONE, "text", "run name shown in the dashboard; empty = derived") \
    X("text_encoder", CK_ENUM, text_encoder, R_NONE, "cls|mean|lstm|frozen",                \
      "text subnet over the frozen BERT features (SPEC section 1)")                                 \
    X("text_hidden", CK_INT, text_hidden, R_INT_GE1, V_INT_GE1, "hidden size of the lstm text encoder") \
    X("text_out", CK_INT, text_out, R_INT_GE1, V_INT_GE1, "size of the text representation X^t") \
    X("audio_hidden", CK_INT, audio_hidden, R_INT_GE1, V_INT_GE1, "hidden size of the audio LSTM") \
    X("audio_out", CK_INT, audio_out, R_INT_GE1, V_INT_GE1, "size of the audio representation X^a") \
    X("video_hidden", CK_INT, video_hidden, R_INT_GE1, V_INT_GE1, "hidden size of the video LSTM") \
    X("video_out", CK_INT, video_out, R_INT_GE1, V_INT_GE1, "size of the video representation X^v") \
    X("post_fusion_dim", CK_INT, post_fusion_dim, R_INT_GE1, V_INT_GE1,                     \
      "d_m: first-layer width of the fusion head")                                                  \
    X("post_text_dim", CK_INT, post_text_dim, R_INT_GE1, V_INT_GE1, "d_t: first-layer width of the text head") \
    X("post_audio_dim", CK_INT, post_audio_dim, R_INT_GE1, V_INT_GE1,                       \
      "d_a: first-layer width of the audio head")                                                   \
    X("post_video_dim", CK_INT, post_video_dim, R_INT_GE1, V_INT_GE1,                       \
      "d_v: first-layer width of the video head")                                                   \
    X("post_fusion_dropout", CK_FLOAT, post_fusion_dropout, R_UNIT, V_UNIT, "dropout on the fusion head's input") \
    X("post_text_dropout", CK_FLOAT, post_text_dropout, R_UNIT, V_UNIT, "dropout on the text head's input") \
    X("post_audio_dropout", CK_FLOAT, post_audio_dropout, R_UNIT, V_UNIT, "dropout on the audio head's input") \
    X("post_video_dropout", CK_FLOAT, post_video_dropout, R_UNIT, V_UNIT, "dropout on the video head's input") \
    X("a_lstm_dropout", CK_FLOAT, a_lstm_dropout, R_UNIT, V_UNIT, "dropout after the audio LSTM") \
    X("v_lstm_dropout", CK_FLOAT, v_lstm_dropout, R_UNIT, V_UNIT, "dropout after the video LSTM") \
    X("head_depth", CK_INT, head_depth, R_DEPTH, "2|3",                                     \
      "layers per head: 3 as the Self-MM code, 2 as Eq. 7/9")                                       \
    X("tasks", CK_TASKS, tasks, R_NONE, "M plus any of T,A,V (M,T,A,V)",                    \
      "unimodal tasks trained beside M (Table 5 ablation)")                                         \
    X("cpc_terms", CK_CPC, cpc_terms, R_NONE, "all|none|w/o L_N^mt|w/o L_N^ma|w/o L_N^mv|list of mt,ma,mv", \
      "CPC terms L_N^{ms} in the loss (Table 6 ablation)")                                         \
    X("lambda_cpc", CK_FLOAT, lambda_cpc, R_GE0, V_GE0, "weight of L_CPC in the loss (SPEC section 5)") \
    X("cpc_detach", CK_BOOL, cpc_detach, R_NONE, V_BOOL, "L_CPC trains the projections G_s only") \
    X("cpc_exclude_self", CK_BOOL, cpc_exclude_self, R_NONE, V_BOOL,                        \
      "CPC denominator excludes j = i (the literal reading)")                                      \
    X("labels", CK_ENUM, labels, R_NONE, "mi|mm|none",                                      \
      "unimodal label generator: ULG_MI, Self-MM's ULGM, or y_m")                                  \
    X("ulg_start", CK_INT, ulg_start, R_INT_GE1, V_INT_GE1, "first epoch (from 1) in which labels move") \
    X("ulg_input", CK_ENUM, ulg_input, R_NONE, "product|concat|scores", "input of the ULG_MI regressors R_s") \
    X("mm_zero_positive", CK_BOOL, mm_zero_positive, R_NONE, V_BOOL,                        \
      "ULGM: label 0 counts as positive")                                                           \
    X("uweight", CK_ENUM, uweight, R_NONE, "auto|tanh|one",                                 \
      "unimodal loss weights: tanh(|y_s - y_m|), 1, or the generator's rule")                      \
    X("label_bound", CK_FLOAT, label_bound, R_GE0, V_GE0, "H, the label bound; 0 = the preset's") \
    X("lr_text", CK_FLOAT, lr[GROUP_TEXT], R_POS, V_POS, "learning rate of the text subnet") \
    X("wd_text", CK_FLOAT, wd[GROUP_TEXT], R_GE0, V_GE0, "weight decay of the text subnet") \
    X("lr_audio", CK_FLOAT, lr[GROUP_AUDIO], R_POS, V_POS, "learning rate of the audio subnet") \
    X("wd_audio", CK_FLOAT, wd[GROUP_AUDIO], R_GE0, V_GE0, "weight decay of the audio subnet") \
    X("lr_video", CK_FLOAT, lr[GROUP_VIDEO], R_POS, V_POS, "learning rate of the video subnet") \
    X("wd_video", CK_FLOAT, wd[GROUP_VIDEO], R_GE0, V_GE0, "weight decay of the video subnet") \
    X("lr_other", CK_FLOAT, lr[GROUP_OTHER], R_POS, V_POS, "learning rate of the heads and G_s") \
    X("wd_other", CK_FLOAT, wd[GROUP_OTHER], R_GE0, V_GE0, "weight decay of the heads and G_s") \
    X("lr_ulg", CK_FLOAT, lr_ulg, R_POS, V_POS, "learning rate of the ULG_MI regressors R_s") \
    X("wd_ulg", CK_FLOAT, wd_ulg, R_GE0, V_GE0, "weight decay of the ULG_MI regressors R_s") \
    X("batch_size", CK_INT, batch_size, R_INT_GE1, V_INT_GE1,                                \
      "samples per batch; more than the training samples: one batch of them all") \
    X("update_every", CK_INT, update_every, R_INT_GE1, V_INT_GE1, "batches whose gradients are summed per step") \
    X("drop_tail_group", CK_BOOL, drop_tail_group, R_NONE, V_BOOL,                          \
      "skip the step of an epoch's last, shorter group (as the Self-MM code)")                     \
    X("early_stop", CK_INT, early_stop, R_INT_GE1, V_INT_GE1, "epochs without improvement before stopping") \
    X("max_epochs", CK_INT, max_epochs, R_INT_GE1, V_INT_GE1, "most epochs to train")       \
    X("metrics", CK_ENUM, metrics, R_NONE, "auto|mosi|sims",                                \
      "metric set (SPEC section 6); auto = from the preset")                                       \
    X("inject_nan_epoch", CK_INT, inject_nan_epoch, R_INT_GE0, V_INT_GE0,                   \
      "testing: a NaN enters the loss at this epoch; 0 = off")                                     \
    X("sealed_test", CK_BOOL, sealed_test, R_NONE, V_BOOL,                                  \
      "a search trial: no test metrics, no test.csv or predictions.csv")

#define KEY_PUBLIC(k, type, field, range, values, help) {k, type, values, help},
#define KEY_LAYOUT(k, type, field, range, values, help) {offsetof(config, field), sizeof(((config *)0)->field), range},

typedef struct {
    size_t off, size;
    range_kind range;
} key_layout;

const config_key config_keys[] = {CONFIG_KEYS(KEY_PUBLIC)};
const int config_nkeys = (int)(sizeof config_keys / sizeof config_keys[0]);
static const key_layout layout[] = {CONFIG_KEYS(KEY_LAYOUT)};

_Static_assert(sizeof layout / sizeof layout[0] == sizeof config_keys / sizeof config_keys[0],
               "one layout per key");

static const char *const task_letters = "TAV";             /* tasks[0..2] */
static const char *const cpc_names[3] = {"mt", "ma", "mv"}; /* cpc_terms[0..2] */

/* ---- presets (SPEC section 7) ------------------------------------------ */

static const char *const preset_names[] = {"mosi", "mosei", "sims", "synth"};

const char *config_preset_name(preset_kind p)
{
    return (unsigned)p < 4 ? preset_names[p] : "?";
}

sm_status config_preset_parse(const char *s, preset_kind *p, sm_err *err)
{
    for (int k = 0; k < 4; k++)
        if (strcasecmp(s, preset_names[k]) == 0) {
            *p = (preset_kind)k;
            return SM_OK;
        }
    return sm_err_set(err, SM_EINVAL, "unknown preset '%s': expected mosi|mosei|sims|synth", s);
}

void config_defaults(config *c, preset_kind p)
{
    memset(c, 0, sizeof *c);
    c->preset = p;
    c->seed = 1111;
    if (p == PRESET_SYNTH)
        snprintf(c->dataset, sizeof c->dataset, "synth:small");

    c->text_encoder = TEXT_CLS;
    c->text_hidden = 128;
    c->text_out = 128;
    c->head_depth = 3;
    for (int s = 0; s < 3; s++)
        c->tasks[s] = c->cpc_terms[s] = true;
    c->lambda_cpc = 0.1f;
    c->labels = LABELS_MI;
    c->ulg_start = 2;
    c->ulg_input = ULG_PRODUCT;
    c->uweight = UWEIGHT_AUTO;
    c->update_every = 4;
    c->early_stop = 8;
    c->max_epochs = 100;
    c->metrics = METRICS_AUTO;
    c->a_lstm_dropout = 0;
    c->v_lstm_dropout = 0;
    c->lr[GROUP_TEXT] = 1e-3f;
    c->wd[GROUP_TEXT] = 1e-3f;

    switch (p) {
    case PRESET_MOSEI:
        c->batch_size = 64;
        c->lr[GROUP_AUDIO] = 5e-3f, c->wd[GROUP_AUDIO] = 0;
        c->lr[GROUP_VIDEO] = 1e-4f, c->wd[GROUP_VIDEO] = 0;
        c->lr[GROUP_OTHER] = 1e-3f, c->wd[GROUP_OTHER] = 1e-2f;
        c->audio_hidden = 32, c->audio_out = 16;
        c->video_hidden = 32, c->video_out = 32;
        c->post_fusion_dim = 128, c->post_text_dim = 32, c->post_audio_dim = 16, c->post_video_dim = 16;
        c->post_fusion_dropout = 0.1f, c->post_text_dropout = 0.1f;
        c->post_audio_dropout = 0.1f, c->post_video_dropout = 0.1f;
        c->label_bound = 3;
        break;
    case PRESET_SIMS:
        c->batch_size = 32;
        c->lr[GROUP_AUDIO] = 5e-3f, c->wd[GROUP_AUDIO] = 1e-2f;
        c->lr[GROUP_VIDEO] = 5e-3f, c->wd[GROUP_VIDEO] = 1e-2f;
        c->lr[GROUP_OTHER] = 1e-3f, c->wd[GROUP_OTHER] = 1e-3f;
        c->audio_hidden = 16, c->audio_out = 16;
        c->video_hidden = 64, c->video_out = 32;
        c->post_fusion_dim = 128, c->post_text_dim = 64, c->post_audio_dim = 16, c->post_video_dim = 32;
        c->post_fusion_dropout = 0, c->post_text_dropout = 0.1f;
        c->post_audio_dropout = 0, c->post_video_dropout = 0;
        c->label_bound = 1;
        break;
    case PRESET_MOSI:
    case PRESET_SYNTH:
    default:
        c->batch_size = 32;
        c->lr[GROUP_AUDIO] = 1e-3f, c->wd[GROUP_AUDIO] = 1e-2f;
        c->lr[GROUP_VIDEO] = 1e-4f, c->wd[GROUP_VIDEO] = 1e-3f;
        c->lr[GROUP_OTHER] = 1e-3f, c->wd[GROUP_OTHER] = 1e-3f;
        c->audio_hidden = 32, c->audio_out = 16;
        c->video_hidden = 64, c->video_out = 32;
        c->post_fusion_dim = 128, c->post_text_dim = 64, c->post_audio_dim = 16, c->post_video_dim = 32;
        c->post_fusion_dropout = 0.1f, c->post_text_dropout = 0;
        c->post_audio_dropout = 0.1f, c->post_video_dropout = 0.1f;
        c->label_bound = 3;
        break;
    }
    /* R_s's Adam defaults to the `other` group's settings (SPEC section 4) */
    c->lr_ulg = c->lr[GROUP_OTHER];
    c->wd_ulg = c->wd[GROUP_OTHER];
}

/* ---- key lookup --------------------------------------------------------- */

int config_key_find(const char *key)
{
    for (int k = 0; k < config_nkeys; k++)
        if (strcmp(config_keys[k].key, key) == 0)
            return k;
    return -1;
}

static sm_status unknown_key(const char *key, sm_err *err)
{
    char list[900];
    size_t n = 0;
    list[0] = '\0';
    for (int k = 0; k < config_nkeys && n < sizeof list; k++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", k ? ", " : "", config_keys[k].key);
    return sm_err_set(err, SM_EINVAL, "unknown key '%.60s'; valid keys: %s", key, list);
}

/* ---- parsing helpers ---------------------------------------------------- */

/* Copies s without surrounding white space into out (size n); false if it
 * does not fit. */
static bool trim_copy(const char *s, char *out, size_t n)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len + 1 > n)
        return false;
    memcpy(out, s, len);
    out[len] = '\0';
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on"};
    static const char *const no[] = {"false", "0", "no", "off"};
    for (int k = 0; k < 4; k++) {
        if (strcasecmp(s, yes[k]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(s, no[k]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Index of s in the "a|b|c" list, case-insensitive, or -1. */
static int enum_index(const char *choices, const char *s)
{
    size_t len = strlen(s);
    int idx = 0;
    const char *p = choices;
    for (;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == len && len > 0 && strncasecmp(p, s, n) == 0)
            return idx;
        if (!bar)
            return -1;
        p = bar + 1;
        idx++;
    }
}

/* The idx-th choice of an "a|b|c" list, into buf. */
static bool enum_name(const char *choices, int idx, char *buf, size_t n)
{
    const char *p = choices;
    for (int k = 0; k < idx; k++) {
        p = strchr(p, '|');
        if (!p)
            return false;
        p++;
    }
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len + 1 > n)
        return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return true;
}

/* A task subset (Table 5): tokens of M, T, A, V (any case, any order,
 * separated by commas, '+' or spaces, or run together as "MTA"); M is
 * always on and may be omitted. "all" = M,T,A,V. */
static bool parse_tasks(const char *s, bool out[3])
{
    bool on[3] = {false, false, false};
    if (strcasecmp(s, "all") == 0) {
        out[0] = out[1] = out[2] = true;
        return true;
    }
    int letters = 0;
    for (const char *p = s; *p; p++) {
        int ch = toupper((unsigned char)*p);
        if (ch == ',' || ch == '+' || ch == ' ' || ch == '\t')
            continue;
        const char *hit = strchr(task_letters, ch);
        if (hit)
            on[hit - task_letters] = true;
        else if (ch != 'M')
            return false;
        letters++;
    }
    if (letters == 0)
        return false;
    memcpy(out, on, sizeof on);
    return true;
}

static void format_tasks(const bool t[3], char *buf, size_t n)
{
    SM_ASSERT(n >= 8);
    size_t k = 0;
    buf[k++] = 'M';
    for (int s = 0; s < 3; s++)
        if (t[s]) {
            buf[k++] = ',';
            buf[k++] = task_letters[s];
        }
    buf[k] = '\0';
}

/* mt, ma or mv, also written L_N^mt or L_N^{mt}: its index, or -1 */
static int cpc_index(const char *tok, size_t len)
{
    if (len > 4 && strncasecmp(tok, "L_N^", 4) == 0) {
        tok += 4;
        len -= 4;
        if (len == 4 && tok[0] == '{' && tok[3] == '}') {
            tok++;
            len -= 2;
        }
    }
    for (int s = 0; s < 3; s++)
        if (len == 2 && strncasecmp(tok, cpc_names[s], 2) == 0)
            return s;
    return -1;
}

/* CPC term subset (Table 6): "all", "none", "w/o T" or "only T" (T one of
 * mt, ma, mv, or the paper's L_N^mt ...), or a list of terms separated by
 * commas, '+' or spaces. */
static bool parse_cpc(const char *s, bool out[3])
{
    if (strcasecmp(s, "all") == 0) {
        out[0] = out[1] = out[2] = true;
        return true;
    }
    if (strcasecmp(s, "none") == 0) {
        out[0] = out[1] = out[2] = false;
        return true;
    }
    if (strncasecmp(s, "w/o", 3) == 0) {
        const char *p = s + 3;
        while (isspace((unsigned char)*p))
            p++;
        int k = cpc_index(p, strlen(p));
        if (k < 0)
            return false;
        out[0] = out[1] = out[2] = true;
        out[k] = false;
        return true;
    }
    if (strncasecmp(s, "only ", 5) == 0) {
        int k = cpc_index(s + 5, strlen(s + 5));
        if (k < 0)
            return false;
        out[0] = out[1] = out[2] = false;
        out[k] = true;
        return true;
    }
    bool on[3] = {false, false, false};
    int terms = 0;
    const char *p = s;
    while (*p) {
        if (*p == ',' || *p == '+' || isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        size_t len = strcspn(p, ",+ \t");
        int k = cpc_index(p, len);
        if (k < 0)
            return false;
        on[k] = true;
        terms++;
        p += len;
    }
    if (terms == 0)
        return false;
    memcpy(out, on, sizeof on);
    return true;
}

/* "mt,ma,mv", "ma", "none": the form run identities are hashed on */
static void format_cpc_list(const bool t[3], char *buf, size_t n)
{
    SM_ASSERT(n >= 9);
    size_t k = 0;
    for (int s = 0; s < 3; s++)
        if (t[s]) {
            if (k)
                buf[k++] = ',';
            memcpy(buf + k, cpc_names[s], 2);
            k += 2;
        }
    if (k == 0) {
        memcpy(buf, "none", 4);
        k = 4;
    }
    buf[k] = '\0';
}

void config_cpc_name(const bool t[3], char *buf, size_t n)
{
    int on = t[0] + t[1] + t[2], s = !t[0] ? 0 : !t[1] ? 1 : 2;
    if (on == 3)
        snprintf(buf, n, "all");
    else if (on == 0)
        snprintf(buf, n, "none");
    else if (on == 2)
        snprintf(buf, n, "w/o L_N^%s", cpc_names[s]);
    else if (on == 1)
        snprintf(buf, n, "only L_N^%s", cpc_names[t[0] ? 0 : t[1] ? 1 : 2]);
}

void config_cpc_id(const bool t[3], char *buf, size_t n)
{
    if (t[0] && t[1] && t[2])
        snprintf(buf, n, "all");
    else
        snprintf(buf, n, "cpc%s%s%s", t[0] ? "t" : "", t[1] ? "a" : "", t[2] ? "v" : "");
}

void config_cpc_label(const char *value, char *buf, size_t n)
{
    bool t[3];
    if (parse_cpc(value, t))
        config_cpc_name(t, buf, n);
    else
        snprintf(buf, n, "%s", value);
}

bool config_cpc_parse(const char *value, bool t[3])
{
    return parse_cpc(value, t);
}

static bool int_in_range(long v, range_kind r)
{
    switch (r) {
    case R_INT_GE0:
        return v >= 0 && v <= INT_MAX;
    case R_INT_GE1:
        return v >= 1 && v <= INT_MAX;
    case R_DEPTH:
        return v == 2 || v == 3;
    default:
        return false;
    }
}

static bool float_in_range(float v, range_kind r)
{
    if (!isfinite(v))
        return false;
    switch (r) {
    case R_UNIT:
        return v >= 0 && v < 1;
    case R_POS:
        return v > 0;
    case R_GE0:
        return v >= 0;
    default:
        return false;
    }
}

/* strtol/strtoul/strtod need the whole (trimmed) text to be the number. */
static bool parse_long_full(const char *s, long *out)
{
    if (!*s)
        return false;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

static bool parse_seed(const char *s, unsigned long *out)
{
    if (!isdigit((unsigned char)s[0]))
        return false;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

static bool parse_float_full(const char *s, float *out)
{
    if (!*s)
        return false;
    clocale_scope cl;
    clocale_enter(&cl);
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    bool ok = !*end && isfinite(v) && fabs(v) <= FLT_MAX;
    clocale_leave(&cl);
    if (!ok)
        return false;
    *out = (float)v;
    return true;
}

/* ---- set / get ---------------------------------------------------------- */

static sm_status bad_value(const config_key *k, const char *v, sm_err *err)
{
    const char *what = "";
    switch (k->type) {
    case CK_INT:
    case CK_FLOAT:
        what = "expected a number ";
        break;
    case CK_BOOL:
        return sm_err_set(err, SM_EINVAL, "key '%s': bad value '%.60s': expected true|false|1|0|yes|no|on|off",
                          k->key, v);
    case CK_ENUM:
        what = "expected one of ";
        break;
    case CK_TASKS:
        return sm_err_set(err, SM_EINVAL,
                          "key '%s': bad value '%.60s': expected a task subset: M, M,T, M,A, M,V, M,T,A, M,T,V, "
                          "M,A,V or M,T,A,V",
                          k->key, v);
    case CK_CPC:
        return sm_err_set(err, SM_EINVAL,
                          "key '%s': bad value '%.60s': expected all, none, w/o L_N^mt (or w/o mt), w/o L_N^ma, "
                          "w/o L_N^mv, only L_N^mt, ..., or a list of mt,ma,mv",
                          k->key, v);
    case CK_STRING:
        what = "expected ";
        break;
    }
    return sm_err_set(err, SM_EINVAL, "key '%s': bad value '%.60s': %s%s", k->key, v, what, k->values);
}

sm_status config_set(config *c, const char *key, const char *value, sm_err *err)
{
    int idx = config_key_find(key);
    if (idx < 0)
        return unknown_key(key, err);
    const config_key *k = &config_keys[idx];
    const key_layout *l = &layout[idx];
    char *field = (char *)c + l->off;

    char v[sizeof c->dataset];
    if (!trim_copy(value, v, sizeof v))
        return sm_err_set(err, SM_EINVAL, "key '%s': value too long (at most %zu characters)", key,
                          sizeof v - 1);

    switch (k->type) {
    case CK_INT: {
        if (l->range == R_SEED) {
            unsigned long u;
            if (!parse_seed(v, &u))
                return bad_value(k, v, err);
            memcpy(field, &u, sizeof u);
            return SM_OK;
        }
        long x;
        if (!parse_long_full(v, &x) || !int_in_range(x, l->range))
            return bad_value(k, v, err);
        int i = (int)x;
        memcpy(field, &i, sizeof i);
        return SM_OK;
    }
    case CK_FLOAT: {
        float f;
        if (!parse_float_full(v, &f) || !float_in_range(f, l->range))
            return bad_value(k, v, err);
        memcpy(field, &f, sizeof f);
        return SM_OK;
    }
    case CK_BOOL: {
        bool b;
        if (!parse_bool(v, &b))
            return bad_value(k, v, err);
        memcpy(field, &b, sizeof b);
        return SM_OK;
    }
    case CK_ENUM: {
        int e = enum_index(k->values, v);
        if (e < 0)
            return bad_value(k, v, err);
        SM_ASSERT(l->size == sizeof(int));
        memcpy(field, &e, sizeof e);
        return SM_OK;
    }
    case CK_STRING: {
        for (const char *p = v; *p; p++)
            if (iscntrl((unsigned char)*p))
                return sm_err_set(err, SM_EINVAL, "key '%s': control characters (such as a newline) are not allowed",
                                  key);
        if (strlen(v) + 1 > l->size)
            return sm_err_set(err, SM_EINVAL, "key '%s': value too long (at most %zu characters)", key,
                              l->size - 1);
        memcpy(field, v, strlen(v) + 1);
        return SM_OK;
    }
    case CK_TASKS:
    case CK_CPC: {
        bool t[3];
        if (!(k->type == CK_TASKS ? parse_tasks(v, t) : parse_cpc(v, t)))
            return bad_value(k, v, err);
        memcpy(field, t, sizeof t);
        return SM_OK;
    }
    }
    return sm_err_set(err, SM_EINTERNAL, "key '%s': unknown type", key);
}

/* t (w bytes) into buf when it fits in n */
static bool copy_fit(char *buf, size_t n, const char *t, int w)
{
    if ((size_t)w + 1 > n)
        return false;
    memcpy(buf, t, (size_t)w + 1);
    return true;
}

/* The text of key idx into buf (n >= 1): as shown (numbers the shortest
 * that reads back, the CPC set by its paper name), or, when identity, as
 * run identities are hashed on (numbers as %.9g, the CPC set as a list),
 * the run.conf text of earlier versions. Locale-independent either way. */
static bool format_key_in(const config *c, int idx, char *buf, size_t n, bool identity)
{
    const config_key *k = &config_keys[idx];
    const key_layout *l = &layout[idx];
    const char *field = (const char *)c + l->off;
    int w = 0;
    switch (k->type) {
    case CK_INT: {
        char t[NUMFMT_MAX];
        if (l->range == R_SEED) {
            unsigned long u;
            memcpy(&u, field, sizeof u);
            w = numfmt_ulong(t, u);
        } else {
            int i;
            memcpy(&i, field, sizeof i);
            w = numfmt_long(t, i);
        }
        return copy_fit(buf, n, t, w);
    }
    case CK_FLOAT: {
        float f;
        char t[NUMFMT_MAX];
        memcpy(&f, field, sizeof f);
        return copy_fit(buf, n, t, identity ? numfmt_float_g9(t, f) : numfmt_float(t, f));
    }
    case CK_BOOL: {
        bool b;
        memcpy(&b, field, sizeof b);
        w = snprintf(buf, n, "%s", b ? "true" : "false");
        break;
    }
    case CK_ENUM: {
        int e;
        memcpy(&e, field, sizeof e);
        return enum_name(k->values, e, buf, n);
    }
    case CK_STRING: {
        size_t len = strnlen(field, l->size);
        if (len + 1 > n || len == l->size)
            return false;
        memcpy(buf, field, len);
        buf[len] = '\0';
        w = (int)len;
        break;
    }
    case CK_TASKS:
    case CK_CPC: {
        bool t[3];
        memcpy(t, field, sizeof t);
        char tmp[32];
        if (k->type == CK_TASKS)
            format_tasks(t, tmp, sizeof tmp);
        else if (identity)
            format_cpc_list(t, tmp, sizeof tmp);
        else
            config_cpc_name(t, tmp, sizeof tmp);
        size_t len = strlen(tmp);
        if (len + 1 > n)
            return false;
        memcpy(buf, tmp, len + 1);
        w = (int)len;
        break;
    }
    }
    return w >= 0 && (size_t)w < n;
}

static bool format_key(const config *c, int idx, char *buf, size_t n)
{
    return format_key_in(c, idx, buf, n, false);
}

sm_status config_get(const config *c, const char *key, char *buf, size_t n, sm_err *err)
{
    int idx = config_key_find(key);
    if (idx < 0)
        return unknown_key(key, err);
    if (n == 0 || !format_key(c, idx, buf, n))
        return sm_err_set(err, SM_EINVAL, "key '%s': value does not fit in %zu bytes (or is out of its range)",
                          key, n);
    return SM_OK;
}

const char *config_check(const config *c, char *buf, size_t n)
{
    for (int idx = 0; idx < config_nkeys; idx++) {
        const config_key *k = &config_keys[idx];
        const key_layout *l = &layout[idx];
        const char *field = (const char *)c + l->off;
        bool ok = true;
        if (k->type == CK_INT && l->range != R_SEED) {
            int i;
            memcpy(&i, field, sizeof i);
            ok = int_in_range(i, l->range);
        } else if (k->type == CK_FLOAT) {
            float f;
            memcpy(&f, field, sizeof f);
            ok = float_in_range(f, l->range);
        } else if (k->type == CK_ENUM) {
            int e;
            char tmp[32];
            memcpy(&e, field, sizeof e);
            ok = enum_name(k->values, e, tmp, sizeof tmp);
        } else if (k->type == CK_STRING) {
            ok = memchr(field, '\0', l->size) != NULL;
        }
        if (!ok) {
            char v[64] = "?";
            if (k->type != CK_STRING)
                format_key(c, idx, v, sizeof v);
            snprintf(buf, n, "key '%s': value %s out of range: expected %s", k->key, v, k->values);
            return buf;
        }
    }
    return NULL;
}

/* ---- run.conf ----------------------------------------------------------- */

static sm_status write_keys(const config *c, FILE *f, bool identity)
{
    char v[sizeof c->dataset + 8];
    fputs("# selfmi run configuration: one `key = value` per line; the value is the rest\n"
          "# of the line, surrounding spaces trimmed; lines starting with '#' are comments.\n", f);
    bool ok = true;
    char out[8192];   /* lines gathered for one fwrite: stdio's per-call cost shows in a grid */
    size_t k = 0;
    for (int idx = 0; ok && idx < config_nkeys; idx++) {
        ok = format_key_in(c, idx, v, sizeof v, identity);
        if (!ok)
            break;
        /* a configuration not yet tied to a dataset has no dataset_id line,
         * so its text (and hash) is that of earlier versions; sealed_test
         * is written only when on, for the same reason */
        if ((!*v && (char *)c + layout[idx].off == c->dataset_id) ||
            ((char *)c + layout[idx].off == (char *)&c->sealed_test && !c->sealed_test))
            continue;
        size_t kl = strlen(config_keys[idx].key), vl = strlen(v);
        if (k + kl + vl + 4 > sizeof out) {
            fwrite(out, 1, k, f);
            k = 0;
        }
        memcpy(out + k, config_keys[idx].key, kl);
        memcpy(out + k + kl, " = ", 3);
        memcpy(out + k + kl + 3, v, vl);
        out[k + kl + 3 + vl] = '\n';
        k += kl + vl + 4;
    }
    if (!ok)
        return SM_EINVAL;
    fwrite(out, 1, k, f);
    return ferror(f) ? SM_EIO : SM_OK;
}

sm_status config_write(const config *c, FILE *f)
{
    return write_keys(c, f, false);
}

sm_status config_write_identity(const config *c, FILE *f)
{
    return write_keys(c, f, true);
}

sm_status config_read_file(config *c, const char *path, sm_err *err)
{
    sm_kv kv;
    sm_status st = sm_kv_read(&kv, path, err);
    for (int i = 0; i < kv.n && st == SM_OK; i++) {
        char key[128];
        if (!trim_copy(kv.keys[i], key, sizeof key)) {
            st = sm_err_set(err, SM_EINVAL, "%s:%d: unknown key '%.40s...'", path, kv.lines[i], kv.keys[i]);
            break;
        }
        st = config_set(c, key, kv.vals[i], err);
        if (st != SM_OK)
            sm_err_prefix(err, "%s:%d", path, kv.lines[i]);
    }
    sm_kv_free(&kv);
    return st;
}
