/* mmsa.c: the MMSA feature pickle (SPEC section 9) to the dataset of
 * dataset.h: a first pass checks every split's keys and shapes, a second
 * fills the arrays. */
#include "config.h"
#include "data/mmsa.h"
#include "data/pickle.h"
#include "base/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const feat_keys[MOD_COUNT] = {"text", "audio", "vision"};
static const char *const len_keys[MOD_COUNT] = {"text_lengths", "audio_lengths", "vision_lengths"};
static const char *const ulabel_keys[MOD_COUNT] = {
    "regression_labels_T", "regression_labels_A", "regression_labels_V"};
/* Keys read elsewhere or deliberately unused (no note). */
static const char *const quiet_keys[] = {
    "id", "raw_text", "text_bert", "annotations", "regression_labels",
    "classification_labels", "classification_labels_T", "classification_labels_A",
    "classification_labels_V",
};

enum { MAX_KEY_NOTES = 8 };   /* unknown keys named per dict; the rest are counted */

typedef struct {
    const pk_value *dict;
    int64_t n;
    const pk_value *id, *raw_text, *labels, *annotations, *text_bert;
    const pk_value *ulabel[MOD_COUNT];
    const pk_value *len[MOD_COUNT];
    const pk_ndarray *feat[MOD_COUNT];
    int L[MOD_COUNT], D[MOD_COUNT];
    bool bert_mask;   /* text lengths from text_bert's mask row */
} split_view;

typedef struct {
    const char *name;
    const sm_log *log;
    sm_err *err;
    split_view sp[SPLIT_COUNT];
} loader;

/* A key as printable text (at most 60 bytes, control bytes as '?'). */
static void key_text(const pk_value *k, char *buf, size_t n)
{
    if (!k || k->type != PK_STR) {
        snprintf(buf, n, "<a %s>", k ? pk_type_name(k->type) : "value");
        return;
    }
    size_t m = k->u.s.n < 60 ? k->u.s.n : 60;
    if (m >= n)
        m = n - 1;
    for (size_t i = 0; i < m; i++) {
        unsigned char c = (unsigned char)k->u.s.p[i];
        buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    buf[m] = '\0';
}

static bool known_key(const pk_value *k)
{
    for (size_t i = 0; i < sizeof quiet_keys / sizeof quiet_keys[0]; i++)
        if (pk_str_eq(k, quiet_keys[i]))
            return true;
    for (int m = 0; m < MOD_COUNT; m++)
        if (pk_str_eq(k, feat_keys[m]) || pk_str_eq(k, len_keys[m]) || pk_str_eq(k, ulabel_keys[m]))
            return true;
    return false;
}

static sm_status bad(loader *ld, int s, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static sm_status bad(loader *ld, int s, const char *key, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sm_err_set(ld->err, SM_EFORMAT, "%s: %s: %s: %s", ld->name, split_names[s], key, msg);
}

/* Re-labels an error from the pickle helpers with the file, split and key. */
static sm_status wrap(loader *ld, int s, const char *key, sm_status st)
{
    if (st)
        sm_err_prefix(ld->err, "%s: %s: %s", ld->name, split_names[s], key);
    return st;
}

static sm_status need_seq(loader *ld, int s, const char *key, const pk_value *v, int64_t n)
{
    int64_t k = pk_seq_len(v);
    if (k < 0)
        return bad(ld, s, key, "expected a list or array, got a %s", pk_type_name(v->type));
    if (k != n)
        return bad(ld, s, key, "%lld elements, expected %lld (one per id)", (long long)k, (long long)n);
    return SM_OK;
}

static sm_status check_feature(loader *ld, int s, int m, const pk_value *v)
{
    split_view *sv = &ld->sp[s];
    const char *key = feat_keys[m];
    if (v->type != PK_NDARRAY || !v->u.arr->built)
        return bad(ld, s, key, "expected a numpy array, got a %s", pk_type_name(v->type));
    const pk_ndarray *a = v->u.arr;
    char shape[128];
    pk_shape_str(a, shape, sizeof shape);
    if (a->dtype.kind == PK_DT_UNICODE || a->dtype.kind == PK_DT_OBJECT)
        return bad(ld, s, key, "expected a numeric array, got strings or objects");
    if (a->ndim != 2 && a->ndim != 3)
        return bad(ld, s, key, "expected shape (N, L, D) or (N, D), got %s", shape);
    if (a->shape[0] != sv->n)
        return bad(ld, s, key, "shape %s has %lld rows, expected %lld (one per id)", shape,
                   (long long)a->shape[0], (long long)sv->n);
    int64_t L = a->ndim == 3 ? a->shape[1] : 1, D = a->shape[a->ndim - 1];
    if (L < 1 || D < 1 || L > INT_MAX || D > INT_MAX)
        return bad(ld, s, key, "shape %s: sequence length and width must be 1 to %d", shape, INT_MAX);
    sv->feat[m] = a;
    sv->L[m] = (int)L;
    sv->D[m] = (int)D;
    return SM_OK;
}

static sm_status check_split(loader *ld, int s)
{
    split_view *sv = &ld->sp[s];
    sm_status st;
    const pk_value *d = sv->dict;
    size_t unknown = 0;
    for (size_t i = 0; i < pk_dict_size(d); i++) {
        const pk_value *k = pk_dict_key(d, i);
        if (!known_key(k) && ++unknown <= MAX_KEY_NOTES) {
            char kt[64];
            key_text(k, kt, sizeof kt);
            sm_logf(ld->log, SM_LOG_INFO, "%s: %s: ignoring unknown key '%s'", ld->name,
                    split_names[s], kt);
        }
    }
    if (unknown > MAX_KEY_NOTES)
        sm_logf(ld->log, SM_LOG_INFO, "%s: %s: ignoring %zu more unknown keys", ld->name,
                split_names[s], unknown - MAX_KEY_NOTES);
    static const char *const required[] = {"id", "raw_text", "text", "audio", "vision",
                                           "regression_labels"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!pk_dict_get(d, required[i]))
            return bad(ld, s, required[i], "missing (required keys: id, raw_text, text, audio, "
                       "vision, regression_labels)");
    sv->id = pk_dict_get(d, "id");
    sv->n = pk_seq_len(sv->id);
    if (sv->n < 0)
        return bad(ld, s, "id", "expected a list of strings, got a %s", pk_type_name(sv->id->type));
    if (sv->n > INT_MAX / 4)
        return bad(ld, s, "id", "%lld samples is too many", (long long)sv->n);
    sv->raw_text = pk_dict_get(d, "raw_text");
    sv->labels = pk_dict_get(d, "regression_labels");
    sv->annotations = pk_dict_get(d, "annotations");
    if ((st = need_seq(ld, s, "raw_text", sv->raw_text, sv->n)) ||
        (st = need_seq(ld, s, "regression_labels", sv->labels, sv->n)))
        return st;
    if (sv->annotations && (st = need_seq(ld, s, "annotations", sv->annotations, sv->n)))
        return st;
    for (int m = 0; m < MOD_COUNT; m++) {
        if ((st = check_feature(ld, s, m, pk_dict_get(d, feat_keys[m]))))
            return st;
        sv->len[m] = pk_dict_get(d, len_keys[m]);
        if (sv->len[m] && (st = need_seq(ld, s, len_keys[m], sv->len[m], sv->n)))
            return st;
        sv->ulabel[m] = pk_dict_get(d, ulabel_keys[m]);
        if (sv->ulabel[m] && (st = need_seq(ld, s, ulabel_keys[m], sv->ulabel[m], sv->n)))
            return st;
    }
    /* text_bert (N, 3, L_t): token ids, attention mask, segment ids */
    sv->text_bert = pk_dict_get(d, "text_bert");
    if (sv->text_bert && !sv->len[MOD_T]) {
        const pk_value *tb = sv->text_bert;
        if (tb->type == PK_NDARRAY && tb->u.arr->built && tb->u.arr->ndim == 3 &&
            tb->u.arr->shape[0] == sv->n && tb->u.arr->shape[1] == 3 &&
            tb->u.arr->shape[2] == sv->L[MOD_T] && sv->feat[MOD_T]->ndim == 3 &&
            tb->u.arr->dtype.kind != PK_DT_UNICODE && tb->u.arr->dtype.kind != PK_DT_OBJECT)
            sv->bert_mask = true;
        else
            sm_logf(ld->log, SM_LOG_INFO, "%s: %s: text_bert does not match text (N, 3, L_t); "
                    "text lengths are full", ld->name, split_names[s]);
    }
    return SM_OK;
}

static sm_status check_dims(loader *ld)
{
    for (int s = 1; s < SPLIT_COUNT; s++)
        for (int m = 0; m < MOD_COUNT; m++) {
            const split_view *a = &ld->sp[0], *b = &ld->sp[s];
            if (a->L[m] != b->L[m] || a->D[m] != b->D[m])
                return bad(ld, s, feat_keys[m], "L = %d, D = %d, but %s has L = %d, D = %d",
                           b->L[m], b->D[m], split_names[0], a->L[m], a->D[m]);
        }
    return SM_OK;
}

static sm_status fill_strings(loader *ld, int s, dataset *ds, int off)
{
    const split_view *sv = &ld->sp[s];
    sm_status st;
    for (int i = 0; i < sv->n; i++) {
        int r = off + i;
        char *id = NULL;
        if ((st = wrap(ld, s, "id", pk_seq_string(sv->id, i, &id, ld->err))))
            return st;
        char *sep = strstr(id, "$_$");
        if (!sep) {
            char shown[80];
            snprintf(shown, sizeof shown, "%s", id);
            free(id);
            return bad(ld, s, "id", "element %d is \"%s\", expected \"video$_$clip\"", i, shown);
        }
        *sep = '\0';
        ds->video_id[r] = id;
        ds->clip_id[r] = sm_strdup(sep + 3, ld->err);
        if (!ds->clip_id[r])
            return SM_ENOMEM;
        if ((st = wrap(ld, s, "raw_text", pk_seq_string(sv->raw_text, i, &ds->text[r], ld->err))))
            return st;
        if (sv->annotations) {
            if ((st = wrap(ld, s, "annotations",
                           pk_seq_string(sv->annotations, i, &ds->annotation[r], ld->err))))
                return st;
        } else if (!(ds->annotation[r] = sm_strdup("", ld->err))) {
            return SM_ENOMEM;
        }
    }
    return SM_OK;
}

static sm_status fill_numbers(loader *ld, int s, dataset *ds, int off)
{
    const split_view *sv = &ld->sp[s];
    sm_status st;
    for (int i = 0; i < sv->n; i++) {
        double y;
        if ((st = wrap(ld, s, "regression_labels", pk_seq_number(sv->labels, i, &y, ld->err))))
            return st;
        if (!isfinite((float)y))
            return bad(ld, s, "regression_labels", "element %d is not a finite float32 number", i);
        ds->label[off + i] = (float)y;
        ds->split[off + i] = s;
        for (int m = 0; m < MOD_COUNT; m++) {
            if (!ds->ulabel[m])
                continue;
            double u = NAN;
            if (sv->ulabel[m] &&
                (st = wrap(ld, s, ulabel_keys[m], pk_seq_number(sv->ulabel[m], i, &u, ld->err))))
                return st;
            if (isinf((float)u))
                return bad(ld, s, ulabel_keys[m], "element %d is infinite", i);
            ds->ulabel[m][off + i] = (float)u;   /* NaN = empty */
        }
    }
    return SM_OK;
}

static sm_status fill_modality(loader *ld, int s, int m, dataset *ds, int off)
{
    const split_view *sv = &ld->sp[s];
    modality *md = &ds->mod[m];
    size_t row = (size_t)md->L * (size_t)md->D;
    float *x = md->x + (size_t)off * row;   /* (n, L, D) */
    sm_status st = wrap(ld, s, feat_keys[m], pk_ndarray_to_f32(sv->feat[m], x, ld->err));
    if (st)
        return st;
    size_t count = (size_t)sv->n * row, ninf = 0, nonfinite = 0;
    for (size_t k = 0; k < count; k++) {
        if (m == MOD_A && isinf(x[k]) && x[k] < 0) {
            x[k] = 0.0f;   /* SPEC section 1: audio -inf reads as 0 */
            ninf++;
        } else if (!isfinite(x[k])) {
            nonfinite++;
        }
    }
    if (ninf)
        sm_logf(ld->log, SM_LOG_INFO, "%s: %s: audio: %zu -inf values read as 0", ld->name,
                split_names[s], ninf);
    if (nonfinite)
        sm_logf(ld->log, SM_LOG_WARN, "%s: %s: %s: %zu values are NaN or infinite", ld->name,
                split_names[s], feat_keys[m], nonfinite);

    /* lengths: given, from text_bert's mask row, or full */
    int clamped = 0;
    for (int i = 0; i < sv->n; i++) {
        double v = md->L;
        if (sv->len[m]) {
            if ((st = wrap(ld, s, len_keys[m], pk_seq_number(sv->len[m], i, &v, ld->err))))
                return st;
            if (isnan(v))
                return bad(ld, s, len_keys[m], "element %d is NaN", i);
        } else if (m == MOD_T && sv->bert_mask) {
            const pk_value *tb = sv->text_bert;
            v = 0;
            for (int j = 0; j < md->L; j++) {
                double mk;
                int64_t at = ((int64_t)i * 3 + 1) * md->L + j;   /* text_bert[i, 1, j] */
                if ((st = wrap(ld, s, "text_bert", pk_seq_number(tb, at, &mk, ld->err))))
                    return st;
                v += mk != 0;
            }
        }
        if (v < 1 || v > md->L) {
            clamped++;
            v = v < 1 ? 1 : md->L;
        }
        md->len[off + i] = (int)v;
    }
    if (clamped)
        sm_logf(ld->log, SM_LOG_WARN, "%s: %s: %s: %d lengths outside 1..%d were clamped",
                ld->name, split_names[s], sv->len[m] ? len_keys[m] : "text_bert mask", clamped, md->L);
    return SM_OK;
}

static sm_status convert(loader *ld, const pk_value *root, dataset *ds)
{
    sm_status st;
    if (!root || root->type != PK_DICT)
        return sm_err_set(ld->err, SM_EFORMAT, "%s: expected a dict of train/valid/test, got a %s",
                          ld->name, root ? pk_type_name(root->type) : "nothing");
    size_t unknown = 0;
    for (size_t i = 0; i < pk_dict_size(root); i++) {
        const pk_value *k = pk_dict_key(root, i);
        if (!pk_str_eq(k, "train") && !pk_str_eq(k, "valid") && !pk_str_eq(k, "test") &&
            ++unknown <= MAX_KEY_NOTES) {
            char kt[64];
            key_text(k, kt, sizeof kt);
            sm_logf(ld->log, SM_LOG_INFO, "%s: ignoring unknown top-level key '%s'", ld->name, kt);
        }
    }
    if (unknown > MAX_KEY_NOTES)
        sm_logf(ld->log, SM_LOG_INFO, "%s: ignoring %zu more unknown top-level keys", ld->name,
                unknown - MAX_KEY_NOTES);
    int64_t total = 0;
    for (int s = 0; s < SPLIT_COUNT; s++) {
        const pk_value *d = pk_dict_get(root, split_names[s]);
        if (!d)
            return sm_err_set(ld->err, SM_EFORMAT, "%s: missing split '%s' (expected train, valid, test)",
                              ld->name, split_names[s]);
        if (d->type != PK_DICT)
            return sm_err_set(ld->err, SM_EFORMAT, "%s: %s: expected a dict, got a %s", ld->name,
                              split_names[s], pk_type_name(d->type));
        ld->sp[s].dict = d;
        if ((st = check_split(ld, s)))
            return st;
        total += ld->sp[s].n;
    }
    if ((st = check_dims(ld)))
        return st;
    if (total > INT_MAX / 4)
        return sm_err_set(ld->err, SM_EFORMAT, "%s: %lld samples is too many", ld->name, (long long)total);

    int n = (int)total;
    ds->n = n;
    if (!(ds->video_id = sm_alloc((size_t)n, sizeof(char *), ld->err)) ||
        !(ds->clip_id = sm_alloc((size_t)n, sizeof(char *), ld->err)) ||
        !(ds->text = sm_alloc((size_t)n, sizeof(char *), ld->err)) ||
        !(ds->annotation = sm_alloc((size_t)n, sizeof(char *), ld->err)) ||
        !(ds->label = sm_alloc((size_t)n, sizeof(float), ld->err)) ||
        !(ds->split = sm_alloc((size_t)n, sizeof(int), ld->err)))
        return SM_ENOMEM;
    for (int m = 0; m < MOD_COUNT; m++) {
        modality *md = &ds->mod[m];
        md->L = ld->sp[0].L[m];
        md->D = ld->sp[0].D[m];
        size_t row = (size_t)md->L * (size_t)md->D;
        if (row > SIZE_MAX / sizeof(float) / (size_t)(n ? n : 1))
            return sm_err_set(ld->err, SM_ENOMEM, "%s: %s features too large", ld->name, feat_keys[m]);
        if (!(md->x = sm_alloc((size_t)n * row, sizeof(float), ld->err)) ||
            !(md->len = sm_alloc((size_t)n, sizeof(int), ld->err)))
            return SM_ENOMEM;
        bool any = false;
        for (int s = 0; s < SPLIT_COUNT; s++)
            any |= ld->sp[s].ulabel[m] != NULL;
        if (any && !(ds->ulabel[m] = sm_alloc((size_t)n, sizeof(float), ld->err)))
            return SM_ENOMEM;
    }
    int off = 0;
    for (int s = 0; s < SPLIT_COUNT; s++) {
        if ((st = fill_strings(ld, s, ds, off)) || (st = fill_numbers(ld, s, ds, off)))
            return st;
        for (int m = 0; m < MOD_COUNT; m++)
            if ((st = fill_modality(ld, s, m, ds, off)))
                return st;
        off += (int)ld->sp[s].n;
    }
    /* a unimodal label column that is empty everywhere counts as absent */
    for (int m = 0; m < MOD_COUNT; m++) {
        if (!ds->ulabel[m])
            continue;
        bool any = false;
        for (int i = 0; i < n && !any; i++)
            any = !isnan(ds->ulabel[m][i]);
        if (!any) {
            free(ds->ulabel[m]);
            ds->ulabel[m] = NULL;
        }
    }
    return SM_OK;
}

sm_status mmsa_load_buffer(const uint8_t *buf, size_t n, const char *name, dataset *out,
                           const sm_log *log, sm_err *err)
{
    memset(out, 0, sizeof *out);
    loader ld = {.name = name ? name : "pickle", .log = log, .err = err};
    pickle_doc *doc = NULL;
    sm_status st = pickle_parse(buf, n, ld.name, NULL, &doc, err);
    if (st)
        return st;
    st = convert(&ld, pickle_doc_root(doc), out);
    if (!st)
        st = dataset_check_label_bound(out, NULL, ld.name, err);
    pickle_doc_free(doc);
    if (st) {
        dataset_free(out);
        memset(out, 0, sizeof *out);
    }
    return st;
}

sm_status mmsa_load(const char *path, dataset *out, const sm_log *log, sm_err *err)
{
    memset(out, 0, sizeof *out);
    struct stat stt;
    int fd = sm_open_input(path, &stt, err);
    if (fd < 0)
        return SM_EIO;
    size_t n = (size_t)stt.st_size;
    if (n == 0) {
        close(fd);
        return sm_err_set(err, SM_EFORMAT, "%s: empty file, not a pickle", path);
    }
    void *map = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return sm_err_set(err, SM_EIO, "%s: cannot map: %s", path, strerror(errno));
    sm_status st = mmsa_load_buffer(map, n, path, out, log, err);
    munmap(map, n);
    return st;
}
