/* dataset.c: the native dataset directory (SPEC section 9): label.csv
 * through csvio, features through npy, the checks made on load, atomic
 * saving and split helpers. */
#include "config.h"
#include "data/dataset.h"
#include "base/fsutil.h"
#include "data/csvio.h"
#include "data/npy.h"
#include "base/rng.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *const mod_names[MOD_COUNT] = {"text", "audio", "vision"};
const char *const mod_letters[MOD_COUNT] = {"t", "a", "v"};
const char *const split_names[SPLIT_COUNT] = {"train", "valid", "test"};
static const char *const ulabel_cols[MOD_COUNT] = {"label_T", "label_A", "label_V"};

/* ---- basics ---------------------------------------------------------------- */

static void free_strs(char **v, int n)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void dataset_free(dataset *ds)
{
    if (!ds)
        return;
    free_strs(ds->video_id, ds->n);
    free_strs(ds->clip_id, ds->n);
    free_strs(ds->text, ds->n);
    free_strs(ds->annotation, ds->n);
    free(ds->label);
    for (int m = 0; m < MOD_COUNT; m++) {
        free(ds->ulabel[m]);
        npy_release(ds->mod[m].x, &ds->mod[m].map);
        free(ds->mod[m].len);
    }
    free(ds->split);
    free(ds->dir);
    memset(ds, 0, sizeof *ds);
}

/* The label part: n, strings, labels, split. */
static sm_status alloc_labels(dataset *ds, int n, bool with_ulabels, sm_err *err)
{
    ds->n = n;
    ds->video_id = sm_alloc((size_t)n, sizeof(char *), err);
    ds->clip_id = sm_alloc((size_t)n, sizeof(char *), err);
    ds->text = sm_alloc((size_t)n, sizeof(char *), err);
    ds->annotation = sm_alloc((size_t)n, sizeof(char *), err);
    ds->label = sm_alloc((size_t)n, sizeof(float), err);
    ds->split = sm_alloc((size_t)n, sizeof(int), err);
    bool ok = ds->video_id && ds->clip_id && ds->text && ds->annotation && ds->label && ds->split;
    for (int m = 0; ok && with_ulabels && m < MOD_COUNT; m++) {
        ds->ulabel[m] = sm_alloc((size_t)n, sizeof(float), err);
        if (!ds->ulabel[m])
            ok = false;
        else
            for (int i = 0; i < n; i++)
                ds->ulabel[m][i] = NAN;
    }
    if (!ok) {
        dataset_free(ds);
        return SM_ENOMEM;
    }
    return SM_OK;
}

sm_status dataset_alloc(dataset *ds, int n, const int L[MOD_COUNT], const int D[MOD_COUNT], bool with_ulabels,
                        sm_err *err)
{
    memset(ds, 0, sizeof *ds);
    if (n < 1)
        return sm_err_set(err, SM_EINVAL, "a dataset needs at least one sample");
    sm_status st = alloc_labels(ds, n, with_ulabels, err);
    if (st != SM_OK)
        return st;
    for (int m = 0; m < MOD_COUNT; m++) {
        if (L[m] < 1 || D[m] < 1) {
            dataset_free(ds);
            return sm_err_set(err, SM_EINVAL, "%s: length %d and width %d must be at least 1", mod_names[m], L[m],
                              D[m]);
        }
        modality *md = &ds->mod[m];
        md->L = L[m];
        md->D = D[m];
        if ((size_t)L[m] * (size_t)D[m] > SIZE_MAX / sizeof(float) / (size_t)n) {
            dataset_free(ds);
            return sm_err_set(err, SM_ENOMEM, "%s: (%d, %d, %d) is too large", mod_names[m], n, L[m], D[m]);
        }
        md->x = sm_alloc((size_t)n * (size_t)L[m] * (size_t)D[m], sizeof(float), err);
        md->len = sm_alloc((size_t)n, sizeof(int), err);
        if (!md->x || !md->len) {
            dataset_free(ds);
            return SM_ENOMEM;
        }
        for (int i = 0; i < n; i++)
            md->len[i] = L[m];
    }
    return SM_OK;
}

void dataset_split_counts(const dataset *ds, int counts[SPLIT_COUNT])
{
    for (int s = 0; s < SPLIT_COUNT; s++)
        counts[s] = 0;
    for (int i = 0; i < ds->n; i++)
        if (ds->split[i] >= 0 && ds->split[i] < SPLIT_COUNT)
            counts[ds->split[i]]++;
}

int dataset_split_indices(const dataset *ds, int split, int *idx)
{
    int k = 0;
    for (int i = 0; i < ds->n; i++)
        if (ds->split[i] == split)
            idx[k++] = i;
    return k;
}

void dataset_sample_id(const dataset *ds, int i, char *buf, size_t n)
{
    /* "video$_$clip", cut to n - 1 bytes as snprintf would (written once
     * per sample and epoch into labels.csv: no format parsing) */
    const char *parts[3] = { ds->video_id && ds->video_id[i] ? ds->video_id[i] : "?", "$_$",
                             ds->clip_id && ds->clip_id[i] ? ds->clip_id[i] : "?" };
    size_t k = 0;
    if (n == 0)
        return;
    for (int p = 0; p < 3; p++) {
        size_t m = strlen(parts[p]);
        if (m > n - 1 - k)
            m = n - 1 - k;
        memcpy(buf + k, parts[p], m);
        k += m;
    }
    buf[k] = 0;
}

bool dataset_has_ulabels(const dataset *ds)
{
    for (int m = 0; m < MOD_COUNT; m++)
        if (ds->ulabel[m])
            for (int i = 0; i < ds->n; i++)
                if (!isnan(ds->ulabel[m][i]))
                    return true;
    return false;
}

float dataset_label_bound(const dataset *ds)
{
    for (int i = 0; i < ds->n; i++)
        if (fabsf(ds->label[i]) > 1.0f)
            return 3.0f;
    return 1.0f;
}

int dataset_split_parse(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    static const struct { const char *name; int split; } names[] = {
        {"train", SPLIT_TRAIN}, {"valid", SPLIT_VALID}, {"dev", SPLIT_VALID}, {"val", SPLIT_VALID},
        {"validation", SPLIT_VALID}, {"test", SPLIT_TEST}};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strlen(names[k].name) == n && strncasecmp(s, names[k].name, n) == 0)
            return names[k].split;
    return -1;
}

/* ---- checks ---------------------------------------------------------------- */

/* Features of modality m: lengths in 1..L and every value a run reads
 * (the steps below the sample's length) finite. */
static sm_status check_modality(const dataset *ds, int m, sm_err *err)
{
    const modality *md = &ds->mod[m];
    char id[256];
    if (md->L < 1 || md->D < 1 || !md->x || !md->len)
        return sm_err_set(err, SM_EFORMAT, "%s: no features (L %d, D %d)", mod_names[m], md->L, md->D);
    for (int i = 0; i < ds->n; i++) {
        if (md->len[i] < 1 || md->len[i] > md->L) {
            dataset_sample_id(ds, i, id, sizeof id);
            return sm_err_set(err, SM_EFORMAT, "sample %d (%s): %s length %d outside 1..%d", i, id, mod_names[m],
                              md->len[i], md->L);
        }
        const float *x = md->x + (size_t)i * md->L * md->D;   /* (L, D) */
        size_t k = (size_t)md->len[i] * md->D;
        if (sm_all_finite_f32(x, k))   /* the search below only to name the value */
            continue;
        for (size_t j = 0; j < k; j++) {
            if (!isfinite(x[j])) {
                dataset_sample_id(ds, i, id, sizeof id);
                return sm_err_set(err, SM_EFORMAT, "sample %d (%s): %s feature is %s at step %d, dimension %d", i, id,
                                  mod_names[m], isnan(x[j]) ? "NaN" : x[j] > 0 ? "+inf" : "-inf",
                                  (int)(j / (size_t)md->D), (int)(j % (size_t)md->D));
            }
        }
    }
    return SM_OK;
}

static sm_status check_labels(const dataset *ds, sm_err *err)
{
    char id[256];
    if (ds->n < 1)
        return sm_err_set(err, SM_EFORMAT, "no samples");
    if (!ds->video_id || !ds->clip_id || !ds->text || !ds->annotation || !ds->label || !ds->split)
        return sm_err_set(err, SM_EINTERNAL, "dataset without labels");
    for (int i = 0; i < ds->n; i++) {
        if (!ds->video_id[i] || !ds->clip_id[i] || !ds->text[i] || !ds->annotation[i])
            return sm_err_set(err, SM_EINTERNAL, "sample %d: a string is missing", i);
        dataset_sample_id(ds, i, id, sizeof id);
        if (!isfinite(ds->label[i]))
            return sm_err_set(err, SM_EFORMAT, "sample %d (%s): label is not finite", i, id);
        for (int m = 0; m < MOD_COUNT; m++)
            if (ds->ulabel[m] && isinf(ds->ulabel[m][i]))
                return sm_err_set(err, SM_EFORMAT, "sample %d (%s): %s is infinite", i, id, ulabel_cols[m]);
        if (ds->split[i] < 0 || ds->split[i] >= SPLIT_COUNT)
            return sm_err_set(err, SM_EFORMAT, "sample %d (%s): split %d is not train, valid or test", i, id,
                              ds->split[i]);
    }
    return SM_OK;
}

sm_status dataset_check_label_bound(const dataset *ds, const int *line, const char *name, sm_err *err)
{
    float H = dataset_label_bound(ds);
    for (int i = 0; i < ds->n; i++) {
        for (int k = -1; k < MOD_COUNT; k++) {
            const float *y = k < 0 ? ds->label : ds->ulabel[k];
            if (!y || isnan(y[i]) || fabsf(y[i]) <= H)
                continue;
            char id[256], where[64] = "";
            dataset_sample_id(ds, i, id, sizeof id);
            if (line)
                snprintf(where, sizeof where, "line %d: ", line[i]);
            return sm_err_set(err, SM_EFORMAT, "%s%s%ssample %s: %s %g is outside the bound [-%g, %g]%s",
                              name ? name : "", name ? ": " : "", where, id, k < 0 ? "label" : ulabel_cols[k],
                              (double)y[i], (double)H, (double)H,
                              H > 1 ? " (MOSI and MOSEI labels lie in [-3, 3], SIMS labels in [-1, 1])"
                                    : " (every label is within [-1, 1], as SIMS's)");
        }
    }
    return SM_OK;
}

sm_status dataset_check(const dataset *ds, sm_err *err)
{
    sm_status st = check_labels(ds, err);
    if (st == SM_OK)
        st = dataset_check_label_bound(ds, NULL, NULL, err);
    for (int m = 0; st == SM_OK && m < MOD_COUNT; m++)
        st = check_modality(ds, m, err);
    return st;
}

/* ---- label.csv ------------------------------------------------------------- */

static char *dup_field(const char *s, sm_err *err)
{
    return sm_strdup(s ? s : "", err);
}

sm_status labelcsv_parse(dataset *ds, const char *buf, size_t n, const char *name, sm_err *err)
{
    memset(ds, 0, sizeof *ds);
    csv_table t;
    sm_status st = csvio_parse(&t, buf, n, name, err);
    if (st != SM_OK)
        return st;
    if (t.nrows == 0) {
        csvio_free(&t);
        return sm_err_set(err, SM_EFORMAT, "%s: empty; expected a header with video_id, clip_id, text, label, mode",
                          name);
    }
    static const char *const required[] = {"video_id", "clip_id", "label", "mode"};
    int col_req[4];
    for (int k = 0; k < 4; k++) {
        col_req[k] = csvio_column(&t, required[k]);
        if (col_req[k] < 0) {
            st = sm_err_set(err, SM_EFORMAT, "%s: line %d: no column '%s' in the header (MMSA's columns: video_id, "
                            "clip_id, text, label, label_T, label_A, label_V, annotation, mode)", name, t.line[0],
                            required[k]);
            csvio_free(&t);
            return st;
        }
    }
    int c_text = csvio_column(&t, "text"), c_ann = csvio_column(&t, "annotation");
    int c_u[MOD_COUNT];
    bool any_u = false;
    for (int m = 0; m < MOD_COUNT; m++) {
        c_u[m] = csvio_column(&t, ulabel_cols[m]);
        any_u = any_u || c_u[m] >= 0;
    }
    int nrow = t.nrows - 1;
    if (nrow < 1) {
        csvio_free(&t);
        return sm_err_set(err, SM_EFORMAT, "%s: no samples after the header", name);
    }
    st = alloc_labels(ds, nrow, any_u, err);
    if (st != SM_OK) {
        csvio_free(&t);
        return st;
    }
    int width = t.nfields[0];
    for (int i = 0; i < nrow && st == SM_OK; i++) {
        int r = i + 1, line = t.line[r];
        if (t.nfields[r] != width) {
            st = sm_err_set(err, SM_EFORMAT, "%s: line %d: %d fields; the header has %d", name, line, t.nfields[r],
                            width);
            break;
        }
        if (!(ds->video_id[i] = dup_field(csvio_get(&t, r, col_req[0]), err)) ||
            !(ds->clip_id[i] = dup_field(csvio_get(&t, r, col_req[1]), err)) ||
            !(ds->text[i] = dup_field(c_text >= 0 ? csvio_get(&t, r, c_text) : "", err)) ||
            !(ds->annotation[i] = dup_field(c_ann >= 0 ? csvio_get(&t, r, c_ann) : "", err))) {
            st = SM_ENOMEM;
            break;
        }
        char id[256];
        dataset_sample_id(ds, i, id, sizeof id);
        const char *s = csvio_get(&t, r, col_req[2]);
        double v;
        if (!csvio_parse_double(s, &v)) {
            st = sm_err_set(err, SM_EFORMAT, "%s: line %d: column 'label': expected a number, found '%.40s'", name,
                            line, s);
            break;
        }
        if (!isfinite((float)v)) {
            st = sm_err_set(err, SM_EFORMAT, "%s: line %d: label of sample %s is %s; expected a finite number", name,
                            line, id, isnan(v) ? "NaN" : isinf(v) ? "infinite" : "beyond float range");
            break;
        }
        ds->label[i] = (float)v;
        for (int m = 0; m < MOD_COUNT; m++) {
            if (c_u[m] < 0)
                continue;
            s = csvio_get(&t, r, c_u[m]);
            const char *q = s;
            while (*q == ' ')
                q++;
            if (!*q)
                continue;   /* empty: NaN */
            if (!csvio_parse_double(s, &v) || isinf((float)v)) {
                st = sm_err_set(err, SM_EFORMAT, "%s: line %d: column '%s': expected a number or nothing, found '%.40s'",
                                name, line, ulabel_cols[m], s);
                break;
            }
            ds->ulabel[m][i] = (float)v;
        }
        if (st != SM_OK)
            break;
        s = csvio_get(&t, r, col_req[3]);
        ds->split[i] = dataset_split_parse(s);
        if (ds->split[i] < 0)
            st = sm_err_set(err, SM_EFORMAT, "%s: line %d: column 'mode': expected train, valid (or dev) or test, "
                            "found '%.40s'", name, line, s);
    }
    if (st == SM_OK)
        st = dataset_check_label_bound(ds, t.line + 1, name, err);
    csvio_free(&t);
    if (st != SM_OK) {
        dataset_free(ds);
        return st;
    }
    /* unimodal label columns that are all empty count as absent */
    for (int m = 0; m < MOD_COUNT; m++) {
        if (!ds->ulabel[m])
            continue;
        bool any = false;
        for (int i = 0; i < ds->n && !any; i++)
            any = !isnan(ds->ulabel[m][i]);
        if (!any) {
            free(ds->ulabel[m]);
            ds->ulabel[m] = NULL;
        }
    }
    return SM_OK;
}

sm_status labelcsv_read(dataset *ds, const char *path, sm_err *err)
{
    memset(ds, 0, sizeof *ds);
    char *buf;
    size_t n;
    sm_status st = csvio_slurp(path, &buf, &n, err);
    if (st != SM_OK)
        return st;
    st = labelcsv_parse(ds, buf, n, path, err);
    free(buf);
    return st;
}

static void write_ulabel(csv_writer *w, const float *u, int i)
{
    if (u && !isnan(u[i]))
        csvw_num(w, u[i]);
    else
        csvw_empty(w);
}

sm_status labelcsv_write(const dataset *ds, const char *path, sm_err *err)
{
    sm_atomic af;
    sm_status st = sm_atomic_open(&af, path, err);
    if (st != SM_OK)
        return st;
    FILE *out = sm_atomic_stream(&af, err);
    if (!out) {
        sm_atomic_abort(&af);
        return SM_EIO;
    }
    csv_writer w;
    csvw_init(&w, out);
    static const char *const header[] = {"video_id", "clip_id", "text", "label", "label_T",
                                         "label_A", "label_V", "annotation", "mode"};
    for (int k = 0; k < 9; k++)
        csvw_str(&w, header[k]);
    csvw_end(&w);
    for (int i = 0; i < ds->n; i++) {
        csvw_str(&w, ds->video_id[i]);
        csvw_str(&w, ds->clip_id[i]);
        csvw_str(&w, ds->text[i]);
        csvw_num(&w, ds->label[i]);
        for (int m = 0; m < MOD_COUNT; m++)
            write_ulabel(&w, ds->ulabel[m], i);
        csvw_str(&w, ds->annotation[i]);
        csvw_str(&w, split_names[ds->split[i]]);
        csvw_end(&w);
    }
    if (!csvw_ok(&w)) {
        sm_atomic_abort(&af);
        return sm_err_set(err, SM_EIO, "%s: write failed", path);
    }
    return sm_atomic_commit(&af, err);
}

/* ---- loading --------------------------------------------------------------- */

static char *join(const char *dir, const char *name, sm_err *err)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = sm_alloc(n, 1, err);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static bool file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* DIR/<modality><suffix> */
static char *mod_file(const char *dir, int m, const char *suffix, sm_err *err)
{
    char name[64];
    snprintf(name, sizeof name, "%s%s", mod_names[m], suffix);
    return join(dir, name, err);
}

/* DIR/<modality>_lengths.npy (when present) into md->len, each in 1..L
 * (L of the file). */
static sm_status load_lengths(dataset *ds, const char *dir, int m, int L, sm_err *err)
{
    modality *md = &ds->mod[m];
    char *path = mod_file(dir, m, "_lengths.npy", err);
    if (!path)
        return SM_ENOMEM;
    sm_status st = SM_OK;
    if (file_exists(path)) {
        npy_header h;
        int64_t *len;
        st = npy_read_i64(path, &h, &len, err);
        if (st == SM_OK) {
            char s[96];
            npy_shape_str(&h, s, sizeof s);
            if (h.ndim != 1 || h.shape[0] != ds->n)
                st = sm_err_set(err, SM_EFORMAT, "%s: shape %s; expected (%d,), one length per row of label.csv", path,
                                s, ds->n);
            for (int i = 0; st == SM_OK && i < ds->n; i++) {
                if (len[i] < 1 || len[i] > L) {
                    char id[256];
                    dataset_sample_id(ds, i, id, sizeof id);
                    st = sm_err_set(err, SM_EFORMAT, "%s: sample %d (%s): length %lld outside 1..%d", path, i, id,
                                    (long long)len[i], L);
                } else {
                    md->len[i] = (int)len[i];
                }
            }
            free(len);
        }
    }
    free(path);
    return st;
}

/* the first j in [0, n) with x[j] == -inf, or n (a block at a time, each
 * block in 8 lanes so that it vectorises) */
static size_t floats_find_neginf(const float *x, size_t n)
{
    enum { BLOCK = 256 };
    for (size_t b = 0; b < n; b += BLOCK) {
        size_t e = n - b < BLOCK ? n : b + BLOCK;
        int hit[8] = { 0 };
        size_t i = b;
        for (; i + 8 <= e; i += 8)
            for (int j = 0; j < 8; j++)
                hit[j] |= x[i + j] == -INFINITY;
        for (; i < e; i++)
            hit[0] |= x[i] == -INFINITY;
        if (hit[0] | hit[1] | hit[2] | hit[3] | hit[4] | hit[5] | hit[6] | hit[7])
            for (i = b; i < e; i++)
                if (x[i] == -INFINITY)
                    return i;
    }
    return n;
}

/* Audio -inf reads as 0 (SPEC section 1, as MMSA does), in the steps a run
 * reads; in a mapping only the pages changed become this process's own. */
static sm_status audio_inf_to_zero(dataset *ds, sm_err *err)
{
    modality *md = &ds->mod[MOD_A];
    for (int i = 0; i < ds->n; i++) {
        float *x = md->x + (size_t)i * md->L * md->D;   /* (L, D) */
        size_t k = (size_t)md->len[i] * md->D, j = floats_find_neginf(x, k);
        if (j == k)
            continue;
        sm_status st = npy_map_writable(&md->map, x + j, (k - j) * sizeof *x, err);
        if (st != SM_OK)
            return st;
        for (; j < k; j++)
            if (isinf(x[j]) && x[j] < 0)
                x[j] = 0.0f;
    }
    return SM_OK;
}

/* DIR/<modality>.npy and DIR/<modality>_lengths.npy into ds->mod[m]. */
static sm_status load_modality(dataset *ds, const char *dir, int m, const dataset_load_opts *o, sm_err *err)
{
    modality *md = &ds->mod[m];
    char *path = mod_file(dir, m, ".npy", err);
    if (!path)
        return SM_ENOMEM;
    npy_header h;
    float *x;
    bool first = o->first_step >> m & 1;
    sm_status st = first ? npy_read_f32_first(path, &h, &x, err)
                 : o->no_map ? npy_read_f32(path, &h, &x, err) : npy_map_f32(path, &h, &x, &md->map, err);
    if (st != SM_OK) {
        free(path);
        return st;
    }
    md->x = x;
    char s[96];
    npy_shape_str(&h, s, sizeof s);
    if (h.ndim < 2)
        st = sm_err_set(err, SM_EFORMAT, "%s: shape %s; expected (N, L, D) or (N, D)", path, s);
    else if (h.shape[0] != ds->n)
        st = sm_err_set(err, SM_EFORMAT, "%s: shape %s has %lld rows but label.csv has %d", path, s,
                        (long long)h.shape[0], ds->n);
    else if (h.shape[1] < 1 || h.shape[1] > INT32_MAX || (h.ndim == 3 && (h.shape[2] < 1 || h.shape[2] > INT32_MAX)))
        st = sm_err_set(err, SM_EFORMAT, "%s: shape %s; expected lengths and widths of at least 1", path, s);
    free(path);
    if (st != SM_OK)
        return st;
    int L = h.ndim == 3 ? (int)h.shape[1] : 1;
    md->L = first ? 1 : L;
    md->D = h.ndim == 3 ? (int)h.shape[2] : (int)h.shape[1];
    md->first_step = first && L > 1;
    md->len = sm_alloc((size_t)ds->n, sizeof(int), err);
    if (!md->len)
        return SM_ENOMEM;
    for (int i = 0; i < ds->n; i++)
        md->len[i] = L;
    st = load_lengths(ds, dir, m, L, err);
    if (st == SM_OK && first)
        for (int i = 0; i < ds->n; i++)
            md->len[i] = 1;
    return st;
}

/* What dataset_load does with the features, once they are mapped: audio
 * -inf to 0, then the checks (reads of the mapping, under dataset_read). */
typedef struct {
    dataset *ds;
    int m;
    sm_status st;
    sm_err *err;
} scan_arg;

static void scan_modality(void *p)
{
    scan_arg *a = p;
    a->st = SM_OK;
    if (a->m == MOD_A)
        a->st = audio_inf_to_zero(a->ds, a->err);
    if (a->st == SM_OK)
        a->st = check_modality(a->ds, a->m, a->err);
}

sm_status dataset_read(const dataset *ds, void (*fn)(void *arg), void *arg, sm_err *err)
{
    if (sm_guarded(fn, arg))
        return SM_OK;
    return sm_err_set(err, SM_EIO, "%s: a feature file got shorter while in use (truncated or rewritten in place); "
                      "replace dataset files by writing new ones and renaming them into place",
                      ds->dir ? ds->dir : "dataset");
}

sm_status dataset_load_with(dataset *ds, const char *dir, const dataset_load_opts *o, sm_err *err)
{
    static const dataset_load_opts all;
    if (!o)
        o = &all;
    memset(ds, 0, sizeof *ds);
    char *path = join(dir, "label.csv", err);
    if (!path)
        return SM_ENOMEM;
    sm_status st = labelcsv_read(ds, path, err);
    free(path);
    if (st != SM_OK)
        return st;
    if (!(ds->dir = sm_strdup(dir, err)))
        st = SM_ENOMEM;
    for (int m = 0; st == SM_OK && m < MOD_COUNT; m++) {
        st = load_modality(ds, dir, m, o, err);
        if (st != SM_OK)
            break;
        scan_arg a = {ds, m, SM_OK, err};
        st = dataset_read(ds, scan_modality, &a, err);
        if (st == SM_OK && a.st != SM_OK)
            st = a.st == SM_EFORMAT ? sm_err_prefix(err, "%s/%s.npy", dir, mod_names[m]) : a.st;
    }
    if (st != SM_OK)
        dataset_free(ds);
    return st;
}

sm_status dataset_load(dataset *ds, const char *dir, sm_err *err)
{
    return dataset_load_with(ds, dir, NULL, err);
}

/* ---- saving ---------------------------------------------------------------- */

static sm_status save_checked(const dataset *ds, const char *dir, sm_err *err)
{
    sm_status st = sm_mkdirs(dir, err);
    if (st != SM_OK)
        return st;
    char *path = join(dir, "label.csv", err);
    if (!path)
        return SM_ENOMEM;
    st = labelcsv_write(ds, path, err);
    free(path);
    int32_t *len = NULL;
    if (st == SM_OK && !(len = sm_alloc((size_t)ds->n, sizeof *len, err)))
        st = SM_ENOMEM;
    for (int m = 0; st == SM_OK && m < MOD_COUNT; m++) {
        const modality *md = &ds->mod[m];
        char name[64];
        snprintf(name, sizeof name, "%s.npy", mod_names[m]);
        if (!(path = join(dir, name, err))) {
            st = SM_ENOMEM;
            break;
        }
        int64_t shape[3] = {ds->n, md->L, md->D};
        st = npy_write(path, NPY_F4, md->x, 3, shape, err);
        free(path);
        if (st != SM_OK)
            break;
        snprintf(name, sizeof name, "%s_lengths.npy", mod_names[m]);
        if (!(path = join(dir, name, err))) {
            st = SM_ENOMEM;
            break;
        }
        for (int i = 0; i < ds->n; i++)
            len[i] = md->len[i];
        st = npy_write(path, NPY_I4, len, 1, shape, err);
        free(path);
    }
    free(len);
    return st;
}

sm_status dataset_save(const dataset *ds, const char *dir, sm_err *err)
{
    if (dataset_check(ds, err) != SM_OK)
        return sm_err_prefix(err, "%s: not saved", dir);
    return save_checked(ds, dir, err);
}

/* Removes the regular files of a directory this program made, then the
 * directory itself. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *p = join(dir, e->d_name, NULL);
            if (p) {
                unlink(p);
                free(p);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

/* True when dir holds only the files a dataset directory has: regular
 * files (not links, FIFOs or directories) named label.csv and *.npy. */
static bool only_dataset_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool ok = true, has_label = false;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        const char *s = e->d_name;
        size_t n = strlen(s);
        if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
            continue;
        struct stat sb;
        if (fstatat(dirfd(d), s, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            ok = false;
        else if (strcmp(s, "label.csv") == 0)
            has_label = true;
        else if (!(n > 4 && strcmp(s + n - 4, ".npy") == 0))
            ok = false;
    }
    closedir(d);
    return ok && has_label;
}

sm_status dataset_save_new(const dataset *ds, const char *dir, bool replace, sm_err *err)
{
    sm_status st = dataset_check(ds, err);
    if (st != SM_OK)
        return sm_err_prefix(err, "%s: not saved", dir);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    char *target = sm_alloc(n + 1, 1, err);
    char *tmp = sm_alloc(n + 16, 1, err);
    char *old = sm_alloc(n + 16, 1, err);
    char *parent = sm_alloc(n + 2, 1, err);
    if (!target || !tmp || !old || !parent) {
        st = SM_ENOMEM;
        goto out;
    }
    memcpy(target, dir, n);
    memcpy(parent, dir, n);
    char *slash = strrchr(parent, '/');
    if (slash == parent)
        parent[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(parent, ".");
    st = sm_mkdirs(parent, err);
    if (st != SM_OK)
        goto out;
    bool exists = file_exists(target);
    if (exists && !replace) {
        st = sm_err_set(err, SM_EIO, "%s: already exists; not replacing it", target);
        goto out;
    }
    if (exists && !only_dataset_files(target)) {
        st = sm_err_set(err, SM_EIO, "%s: exists and is not a dataset directory (only regular files label.csv and "
                        "*.npy); not replacing it", target);
        goto out;
    }
    snprintf(tmp, n + 16, "%s.tmp-XXXXXX", target);
    if (!mkdtemp(tmp)) {
        st = sm_err_set(err, SM_EIO, "%s: cannot create a temporary directory: %s", target, strerror(errno));
        goto out;
    }
    (void)chmod(tmp, 0755);
    st = save_checked(ds, tmp, err);
    if (st != SM_OK) {
        remove_tree(tmp);
        goto out;
    }
    if (exists) {
        /* the old directory steps aside (renamed over an empty temporary),
         * the new one takes its name, then the old one goes */
        snprintf(old, n + 16, "%s.old-XXXXXX", target);
        if (!mkdtemp(old) || rename(target, old) != 0) {
            st = sm_err_set(err, SM_EIO, "%s: cannot move the old directory aside: %s", target, strerror(errno));
            rmdir(old);
            remove_tree(tmp);
            goto out;
        }
    }
    if (rename(tmp, target) != 0) {
        st = sm_err_set(err, SM_EIO, "%s: cannot rename %s into place: %s", target, tmp, strerror(errno));
        remove_tree(tmp);
        if (exists)
            (void)rename(old, target);
        goto out;
    }
    if (exists)
        remove_tree(old);
out:
    free(target);
    free(tmp);
    free(old);
    free(parent);
    return st;
}

/* ---- splits ---------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

sm_status dataset_carve_valid(dataset *ds, int from, double fraction, unsigned long seed, int *moved, sm_err *err)
{
    if (moved)
        *moved = 0;
    if (from < 0 || from >= SPLIT_COUNT || from == SPLIT_VALID)
        return sm_err_set(err, SM_EINVAL, "a validation part is carved from train or test, not split %d", from);
    if (!(fraction > 0.0 && fraction < 1.0))
        return sm_err_set(err, SM_EINVAL, "validation fraction %g: expected a number in (0, 1)", fraction);
    /* distinct videos of the split, sorted so the choice depends on the
     * seed and the set of videos only, not on the row order */
    char **vids = sm_alloc((size_t)ds->n, sizeof *vids, err);
    if (!vids)
        return SM_ENOMEM;
    int nv = 0;
    for (int i = 0; i < ds->n; i++)
        if (ds->split[i] == from)
            vids[nv++] = ds->video_id[i];
    qsort(vids, (size_t)nv, sizeof *vids, cmp_str);
    int u = 0;
    for (int k = 0; k < nv; k++)
        if (u == 0 || strcmp(vids[u - 1], vids[k]) != 0)
            vids[u++] = vids[k];
    if (u < 2) {
        free(vids);
        return sm_err_set(err, SM_EINVAL, "split %s has %d video%s; cannot carve a validation part by video",
                          split_names[from], u, u == 1 ? "" : "s");
    }
    int *order = sm_alloc((size_t)u, sizeof *order, err);
    if (!order) {
        free(vids);
        return SM_ENOMEM;
    }
    for (int k = 0; k < u; k++)
        order[k] = k;
    rng r;
    rng_seed(&r, (uint64_t)seed);
    rng_shuffle(&r, order, u);
    int take = (int)lround(fraction * u);
    take = SM_MAX(1, SM_MIN(u - 1, take));
    /* mark the chosen videos: sort their names to look them up */
    char **chosen = sm_alloc((size_t)take, sizeof *chosen, err);
    if (!chosen) {
        free(order);
        free(vids);
        return SM_ENOMEM;
    }
    for (int k = 0; k < take; k++)
        chosen[k] = vids[order[k]];
    qsort(chosen, (size_t)take, sizeof *chosen, cmp_str);
    int count = 0;
    for (int i = 0; i < ds->n; i++) {
        if (ds->split[i] != from)
            continue;
        const char *key = ds->video_id[i];
        if (bsearch(&key, chosen, (size_t)take, sizeof *chosen, cmp_str)) {
            ds->split[i] = SPLIT_VALID;
            count++;
        }
    }
    free(chosen);
    free(order);
    free(vids);
    if (moved)
        *moved = count;
    return SM_OK;
}

/* ---- identity ---------------------------------------------------------------- */

/* What the memo of fingerprints knows of a file: its device, inode, size,
 * and modification and status-change times (any write, replacement or
 * metadata change alters one of them); present false for a missing file. */
typedef struct {
    bool present;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim, ctim;
} file_sig;

enum { IDENT_FILES = 1 + 2 * MOD_COUNT, IDENT_MEMO = 8 };

static void file_sig_of(file_sig *g, const struct stat *st)
{
    memset(g, 0, sizeof *g);
    g->present = true;
    g->dev = st->st_dev;
    g->ino = st->st_ino;
    g->size = st->st_size;
    g->mtim = st->st_mtim;
    g->ctim = st->st_ctim;
}

static bool file_sig_same(const file_sig *a, const file_sig *b)
{
    if (a->present != b->present)
        return false;
    return !a->present ||
           (a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtim.tv_sec == b->mtim.tv_sec &&
            a->mtim.tv_nsec == b->mtim.tv_nsec && a->ctim.tv_sec == b->ctim.tv_sec &&
            a->ctim.tv_nsec == b->ctim.tv_nsec);
}

/* Feeds one file of the directory dfd into *h: its name, whether it is
 * there, its size and its bytes. *sig gets the file as it was before the
 * read; *stable is cleared when it changed while being read. */
static sm_status fingerprint_file(int dfd, const char *dir, const char *name, bool required, uint64_t *h,
                                  file_sig *sig, bool *stable, sm_err *err)
{
    char shown[1400];
    snprintf(shown, sizeof shown, "%s/%s", dir, name);
    *h = sm_hash64(*h, name, strlen(name) + 1);
    memset(sig, 0, sizeof *sig);
    bool missing;
    int fd = sm_open_regular(dfd, name, O_RDONLY, 0, shown, &missing, err);
    if (fd < 0) {
        if (missing && !required) {
            *h = sm_hash64(*h, "-", 1);
            return SM_OK;
        }
        return err ? err->status : SM_EIO;
    }
    struct stat before;
    if (fstat(fd, &before) == 0)
        file_sig_of(sig, &before);
    else
        *stable = false;
    static const size_t chunk = 1 << 20;
    unsigned char *buf = sm_alloc(chunk, 1, err);
    if (!buf) {
        close(fd);
        return SM_ENOMEM;
    }
    sm_status st = SM_OK;
    uint64_t size = 0;
    for (;;) {
        ssize_t k = read(fd, buf, chunk);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            st = sm_err_set(err, SM_EIO, "%s: read failed: %s", shown, strerror(errno));
            break;
        }
        if (k == 0)
            break;
        *h = sm_hash64(*h, buf, (size_t)k);
        size += (uint64_t)k;
    }
    *h = sm_hash64(*h, &size, sizeof size);
    struct stat after;
    file_sig now;
    if (fstat(fd, &after) == 0) {
        file_sig_of(&now, &after);
        if (!file_sig_same(sig, &now) || (uint64_t)after.st_size != size)
            *stable = false;
    } else {
        *stable = false;
    }
    free(buf);
    close(fd);
    return st;
}

/* The files of a dataset directory, in the order they are fingerprinted. */
static void ident_file(int i, char *f, size_t n, bool *required)
{
    *required = true;
    if (i == 0)
        snprintf(f, n, "label.csv");
    else if ((i - 1) % 2 == 0)
        snprintf(f, n, "%s.npy", mod_names[(i - 1) / 2]);
    else {
        snprintf(f, n, "%s_lengths.npy", mod_names[(i - 1) / 2]);
        *required = false;
    }
}

/* The fingerprints this process has computed, by canonical path and the
 * files' signatures: a grid, a search or the dashboard starts many runs on
 * one dataset, and each start checks its identity; the files are read
 * again only when one of them has changed. A file changed within the last
 * two seconds before its read is not remembered: on a file system with
 * coarse timestamps a rewrite in the same second could keep every field. */
static struct {
    pthread_mutex_t mu;
    int n, next;
    unsigned long hashed;
    struct {
        char *path;
        file_sig sig[IDENT_FILES];
        uint64_t h;
    } e[IDENT_MEMO];
} ident_memo = { .mu = PTHREAD_MUTEX_INITIALIZER };

unsigned long dataset_identity_reads(void)
{
    pthread_mutex_lock(&ident_memo.mu);
    unsigned long n = ident_memo.hashed;
    pthread_mutex_unlock(&ident_memo.mu);
    return n;
}

/* the files' signatures now, without reading them; false when one cannot
 * be taken (then the files are read, and any error reported from there) */
static bool ident_sigs(int dfd, file_sig *sig)
{
    for (int i = 0; i < IDENT_FILES; i++) {
        char f[64];
        bool required;
        ident_file(i, f, sizeof f, &required);
        struct stat st;
        if (fstatat(dfd, f, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
            file_sig_of(&sig[i], &st);
        } else if (errno == ENOENT && !required) {
            memset(&sig[i], 0, sizeof sig[i]);
        } else {
            return false;
        }
    }
    return true;
}

static bool ident_lookup(const char *path, const file_sig *sig, uint64_t *h)
{
    bool hit = false;
    pthread_mutex_lock(&ident_memo.mu);
    for (int k = 0; k < ident_memo.n && !hit; k++) {
        if (strcmp(ident_memo.e[k].path, path) != 0)
            continue;
        hit = true;
        for (int i = 0; i < IDENT_FILES && hit; i++)
            hit = file_sig_same(&ident_memo.e[k].sig[i], &sig[i]);
        if (hit)
            *h = ident_memo.e[k].h;
    }
    pthread_mutex_unlock(&ident_memo.mu);
    return hit;
}

static void ident_store(const char *path, const file_sig *sig, uint64_t h, time_t t0)
{
    for (int i = 0; i < IDENT_FILES; i++)
        if (sig[i].present && (sig[i].mtim.tv_sec >= t0 - 2 || sig[i].ctim.tv_sec >= t0 - 2))
            return;
    char *p = strdup(path);
    if (!p)
        return;
    pthread_mutex_lock(&ident_memo.mu);
    int k = 0;
    while (k < ident_memo.n && strcmp(ident_memo.e[k].path, path) != 0)
        k++;
    if (k == ident_memo.n) {
        if (ident_memo.n < IDENT_MEMO)
            k = ident_memo.n++;
        else
            k = ident_memo.next++ % IDENT_MEMO;
    }
    free(ident_memo.e[k].path);
    ident_memo.e[k].path = p;
    memcpy(ident_memo.e[k].sig, sig, sizeof ident_memo.e[k].sig);
    ident_memo.e[k].h = h;
    pthread_mutex_unlock(&ident_memo.mu);
}

sm_status dataset_identity(const char *name, char *path, size_t pn, char *id, size_t idn, sm_err *err)
{
    uint64_t h = SM_HASH64_SEED;
    if (strncmp(name, "synth:", 6) == 0) {
        if (path)
            snprintf(path, pn, "%s", name);
        h = sm_hash64(h, name, strlen(name));
    } else {
        if (!*name)
            return sm_err_set(err, SM_EINVAL, "no dataset: set dataset = DIR or synth:PRESET");
        char *real = realpath(name, NULL);
        if (!real)
            return sm_err_set(err, SM_EIO, "dataset %s: %s", name, strerror(errno));
        if (path && (size_t)snprintf(path, pn, "%s", real) >= pn) {
            sm_status st = sm_err_set(err, SM_EINVAL, "dataset %s: path too long (at most %zu bytes)", real, pn - 1);
            free(real);
            return st;
        }
        int dfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) {
            sm_status st = sm_err_set(err, SM_EIO, "dataset %s: not a directory: %s", real, strerror(errno));
            free(real);
            return st;
        }
        file_sig now[IDENT_FILES];
        sm_status st = SM_OK;
        if (!ident_sigs(dfd, now) || !ident_lookup(real, now, &h)) {
            time_t t0 = time(NULL);
            bool stable = true;
            for (int i = 0; i < IDENT_FILES && st == SM_OK; i++) {
                char f[64];
                bool required;
                ident_file(i, f, sizeof f, &required);
                st = fingerprint_file(dfd, real, f, required, &h, &now[i], &stable, err);
            }
            pthread_mutex_lock(&ident_memo.mu);
            ident_memo.hashed++;
            pthread_mutex_unlock(&ident_memo.mu);
            if (st == SM_OK && stable)
                ident_store(real, now, h, t0);
        }
        close(dfd);
        free(real);
        if (st != SM_OK)
            return st;
    }
    if (id)
        snprintf(id, idn, "%016llx", (unsigned long long)h);
    return SM_OK;
}
