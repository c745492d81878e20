/* featcsv.c: one CSV of utterance-level features -> a dataset whose
 * modalities are sequences of length 1. */
#include "config.h"
#include "data/featcsv.h"
#include "data/csvio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void featcsv_opts_default(featcsv_opts *o)
{
    o->id = "id";
    o->label = "label_reg";
    o->split = "std_split";
    o->transcript = "text";
    o->prefix[MOD_T] = "t";
    o->prefix[MOD_A] = "a";
    o->prefix[MOD_V] = "v";
    o->video_id = "video_id";
    o->clip_id = "clip_id";
}

void featcsv_report_free(featcsv_report *rep)
{
    if (!rep)
        return;
    free(rep->skipped_ids);
    memset(rep, 0, sizeof *rep);
}

typedef struct {
    int col;
    long num;
} featcol;

static int cmp_featcol(const void *a, const void *b)
{
    const featcol *x = a, *y = b;
    return x->num < y->num ? -1 : x->num > y->num;
}

/* Columns named prefix + digits, ordered by the number: *out (free it). */
static sm_status find_features(const csv_table *t, const char *prefix, const char *name, featcol **out, int *count,
                               sm_err *err)
{
    *out = NULL;
    *count = 0;
    size_t pn = strlen(prefix);
    int width = t->nfields[0];
    featcol *fc = sm_alloc((size_t)width, sizeof *fc, err);
    if (!fc)
        return SM_ENOMEM;
    int k = 0;
    for (int c = 0; c < width; c++) {
        const char *h = csvio_get(t, 0, c);
        while (*h == ' ')
            h++;
        if (strncmp(h, prefix, pn) != 0)
            continue;
        const char *d = h + pn;
        size_t nd = strspn(d, "0123456789");
        while (d[nd] == ' ')
            nd++;
        if (nd == 0 || d[nd] != '\0' || !(d[0] >= '0' && d[0] <= '9'))
            continue;
        if (strspn(d, "0123456789") > 9) {
            free(fc);
            return sm_err_set(err, SM_EFORMAT, "%s: line %d: feature column '%.40s': number too large", name,
                              t->line[0], h);
        }
        fc[k].col = c;
        fc[k].num = strtol(d, NULL, 10);
        k++;
    }
    if (k == 0) {
        free(fc);
        return sm_err_set(err, SM_EFORMAT, "%s: line %d: no feature columns named '%s' followed by digits", name,
                          t->line[0], prefix);
    }
    qsort(fc, (size_t)k, sizeof *fc, cmp_featcol);
    for (int i = 1; i < k; i++) {
        if (fc[i].num == fc[i - 1].num) {
            sm_status st = sm_err_set(err, SM_EFORMAT, "%s: line %d: columns '%.40s' and '%.40s' have the same number",
                                      name, t->line[0], csvio_get(t, 0, fc[i - 1].col), csvio_get(t, 0, fc[i].col));
            free(fc);
            return st;
        }
    }
    *out = fc;
    *count = k;
    return SM_OK;
}

static bool blank_or_nan(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return true;
    double v;
    return csvio_parse_double(s, &v) && isnan(v);
}

/* Appends ", id" to a growing string. */
static bool append_id(char **s, size_t *len, size_t *cap, const char *id, sm_err *err)
{
    size_t k = strlen(id);
    size_t need = *len + k + 3;
    if (need > *cap) {
        size_t nc = *cap ? *cap : 256;
        while (nc < need)
            nc *= 2;
        char *q = sm_realloc(*s, nc, 1, err);
        if (!q)
            return false;
        *s = q;
        *cap = nc;
    }
    if (*len) {
        memcpy(*s + *len, ", ", 2);
        *len += 2;
    }
    memcpy(*s + *len, id, k + 1);
    *len += k;
    return true;
}

sm_status featcsv_parse(dataset *ds, const char *buf, size_t n, const char *name, const featcsv_opts *o,
                        featcsv_report *rep, sm_err *err)
{
    memset(ds, 0, sizeof *ds);
    memset(rep, 0, sizeof *rep);
    csv_table t;
    sm_status st = csvio_parse(&t, buf, n, name, err);
    if (st != SM_OK)
        return st;
    featcol *fc[MOD_COUNT] = {NULL, NULL, NULL};
    int D[MOD_COUNT] = {0, 0, 0};
    bool *keep = NULL;
    int *lines = NULL;    /* (kept rows) physical line of each sample */
    char *skipped = NULL;
    size_t sk_len = 0, sk_cap = 0;
    if (t.nrows == 0) {
        st = sm_err_set(err, SM_EFORMAT, "%s: empty; expected a header row", name);
        goto out;
    }
    int c_id = csvio_column(&t, o->id), c_label = csvio_column(&t, o->label), c_split = csvio_column(&t, o->split);
    int c_text = o->transcript[0] ? csvio_column(&t, o->transcript) : -1;
    int c_vid = csvio_column(&t, o->video_id), c_clip = csvio_column(&t, o->clip_id);
    bool own_ids = c_vid >= 0 && c_clip >= 0;
    const char *missing = c_label < 0 ? o->label : c_split < 0 ? o->split
                        : (c_id < 0 && !own_ids) ? o->id : (o->transcript[0] && c_text < 0) ? o->transcript : NULL;
    if (missing) {
        st = sm_err_set(err, SM_EFORMAT, "%s: line %d: no column '%s' in the header", name, t.line[0], missing);
        goto out;
    }
    for (int m = 0; m < MOD_COUNT; m++)
        if ((st = find_features(&t, o->prefix[m], name, &fc[m], &D[m], err)) != SM_OK)
            goto out;
    int nrow = t.nrows - 1, width = t.nfields[0];
    keep = sm_alloc((size_t)nrow + 1, sizeof *keep, err);
    if (!keep) {
        st = SM_ENOMEM;
        goto out;
    }
    /* first pass: which rows have a label */
    int nkeep = 0;
    for (int r = 1; r <= nrow; r++) {
        if (t.nfields[r] != width) {
            st = sm_err_set(err, SM_EFORMAT, "%s: line %d: %d fields; the header has %d", name, t.line[r],
                            t.nfields[r], width);
            goto out;
        }
        keep[r] = !blank_or_nan(csvio_get(&t, r, c_label));
        if (keep[r]) {
            nkeep++;
        } else {
            const char *id = c_id >= 0 ? csvio_get(&t, r, c_id) : csvio_get(&t, r, c_vid);
            char lid[64];
            if (!*id) {
                snprintf(lid, sizeof lid, "line %d", t.line[r]);
                id = lid;
            }
            if (!append_id(&skipped, &sk_len, &sk_cap, id, err)) {
                st = SM_ENOMEM;
                goto out;
            }
        }
    }
    rep->rows = nrow;
    rep->skipped = nrow - nkeep;
    if (nkeep == 0) {
        st = sm_err_set(err, SM_EFORMAT, "%s: no rows with a label in column '%s'", name, o->label);
        goto out;
    }
    int L[MOD_COUNT] = {1, 1, 1};
    if ((st = dataset_alloc(ds, nkeep, L, D, false, err)) != SM_OK)
        goto out;
    if (!(lines = sm_alloc((size_t)nkeep, sizeof *lines, err))) {
        st = SM_ENOMEM;
        goto out;
    }
    int i = 0;
    for (int r = 1; r <= nrow; r++) {
        if (!keep[r])
            continue;
        int line = lines[i] = t.line[r];
        const char *s = csvio_get(&t, r, c_label);
        double v;
        if (!csvio_parse_double(s, &v) || !isfinite((float)v)) {
            st = sm_err_set(err, SM_EFORMAT, "%s: line %d: column '%s': expected a finite float32 number, found "
                            "'%.40s'", name, line, o->label, s);
            goto out;
        }
        ds->label[i] = (float)v;
        s = csvio_get(&t, r, c_split);
        ds->split[i] = dataset_split_parse(s);
        if (ds->split[i] < 0) {
            st = sm_err_set(err, SM_EFORMAT, "%s: line %d: column '%s': expected train, valid (or dev) or test, "
                            "found '%.40s'", name, line, o->split, s);
            goto out;
        }
        if (own_ids) {
            ds->video_id[i] = sm_strdup(csvio_get(&t, r, c_vid), err);
            ds->clip_id[i] = sm_strdup(csvio_get(&t, r, c_clip), err);
        } else {
            /* "<video>_<clip>": split at the last '_' */
            const char *id = csvio_get(&t, r, c_id);
            const char *us = strrchr(id, '_');
            if (!*id) {
                st = sm_err_set(err, SM_EFORMAT, "%s: line %d: column '%s': empty id", name, line, o->id);
                goto out;
            }
            if (us && us != id && us[1]) {
                ds->video_id[i] = sm_strdup(id, err);
                if (ds->video_id[i])
                    ds->video_id[i][us - id] = '\0';
                ds->clip_id[i] = sm_strdup(us + 1, err);
            } else {
                ds->video_id[i] = sm_strdup(id, err);
                ds->clip_id[i] = sm_strdup("1", err);
            }
        }
        ds->text[i] = sm_strdup(c_text >= 0 ? csvio_get(&t, r, c_text) : "", err);
        ds->annotation[i] = sm_strdup("", err);
        if (!ds->video_id[i] || !ds->clip_id[i] || !ds->text[i] || !ds->annotation[i]) {
            st = SM_ENOMEM;
            goto out;
        }
        for (int m = 0; m < MOD_COUNT; m++) {
            float *x = ds->mod[m].x + (size_t)i * D[m];   /* (1, D) */
            for (int k = 0; k < D[m]; k++) {
                s = csvio_get(&t, r, fc[m][k].col);
                if (!csvio_parse_double(s, &v) || !isfinite((float)v)) {
                    st = sm_err_set(err, SM_EFORMAT,
                                    "%s: line %d: column '%s': expected a finite float32 number, found '%.40s'", name,
                                    line, csvio_get(&t, 0, fc[m][k].col), s);
                    goto out;
                }
                x[k] = (float)v;
            }
        }
        i++;
    }
    if ((st = dataset_check_label_bound(ds, lines, name, err)) != SM_OK)
        goto out;
    rep->skipped_ids = skipped ? skipped : sm_strdup("", err);
    skipped = NULL;
    if (!rep->skipped_ids)
        st = SM_ENOMEM;
out:
    csvio_free(&t);
    for (int m = 0; m < MOD_COUNT; m++)
        free(fc[m]);
    free(keep);
    free(lines);
    free(skipped);
    if (st != SM_OK) {
        dataset_free(ds);
        featcsv_report_free(rep);
    }
    return st;
}

sm_status featcsv_read(dataset *ds, const char *path, const featcsv_opts *o, featcsv_report *rep, sm_err *err)
{
    memset(ds, 0, sizeof *ds);
    memset(rep, 0, sizeof *rep);
    char *buf;
    size_t n;
    sm_status st = csvio_slurp(path, &buf, &n, err);
    if (st != SM_OK)
        return st;
    st = featcsv_parse(ds, buf, n, path, o, rep, err);
    free(buf);
    return st;
}
