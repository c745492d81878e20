/* dataset_min.c: the part of dataset.h that the MMSA importer needs (names,
 * dataset_save, dataset_free, split counts), as a small self-contained
 * writer of the native directory (SPEC section 9). dataset.c, the full
 * implementation with the reader, supersedes this file: when both exist,
 * this one and its line in src/data/mmsa.mk go. */
#include "config.h"
#include "data/dataset.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const mod_names[MOD_COUNT] = {"text", "audio", "vision"};
const char *const mod_letters[MOD_COUNT] = {"t", "a", "v"};
const char *const split_names[SPLIT_COUNT] = {"train", "valid", "test"};

void dataset_free(dataset *ds)
{
    if (!ds)
        return;
    for (int i = 0; i < ds->n; i++) {
        if (ds->video_id)
            free(ds->video_id[i]);
        if (ds->clip_id)
            free(ds->clip_id[i]);
        if (ds->text)
            free(ds->text[i]);
        if (ds->annotation)
            free(ds->annotation[i]);
    }
    free(ds->video_id);
    free(ds->clip_id);
    free(ds->text);
    free(ds->annotation);
    free(ds->label);
    for (int m = 0; m < MOD_COUNT; m++) {
        free(ds->ulabel[m]);
        free(ds->mod[m].x);
        free(ds->mod[m].len);
    }
    free(ds->split);
    free(ds->dir);
    memset(ds, 0, sizeof *ds);
}

void dataset_split_counts(const dataset *ds, int counts[SPLIT_COUNT])
{
    for (int s = 0; s < SPLIT_COUNT; s++)
        counts[s] = 0;
    for (int i = 0; i < ds->n; i++)
        if (ds->split[i] >= 0 && ds->split[i] < SPLIT_COUNT)
            counts[ds->split[i]]++;
}

bool dataset_has_ulabels(const dataset *ds)
{
    return ds->ulabel[MOD_T] || ds->ulabel[MOD_A] || ds->ulabel[MOD_V];
}

/* .npy version 1.0: magic, header length, a dict padded to 64 bytes, data. */
static int npy_write(FILE *f, const char *descr, const int *shape, int ndim, const void *data,
                     size_t elsize)
{
    char dict[256];
    int k = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    size_t count = 1;
    for (int d = 0; d < ndim; d++) {
        k += snprintf(dict + k, sizeof dict - (size_t)k, "%d%s", shape[d],
                      ndim == 1 ? "," : d + 1 < ndim ? ", " : "");
        count *= (size_t)shape[d];
    }
    k += snprintf(dict + k, sizeof dict - (size_t)k, "), }");
    size_t total = 10 + (size_t)k + 1;
    size_t pad = (64 - total % 64) % 64;
    unsigned hl = (unsigned)((size_t)k + pad + 1);
    unsigned char head[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hl & 0xff),
                              (unsigned char)(hl >> 8)};
    if (fwrite(head, 1, 10, f) != 10 || fwrite(dict, 1, (size_t)k, f) != (size_t)k)
        return -1;
    for (size_t i = 0; i < pad; i++)
        if (fputc(' ', f) == EOF)
            return -1;
    if (fputc('\n', f) == EOF)
        return -1;
    return count && fwrite(data, elsize, count, f) != count ? -1 : 0;
}

typedef struct {
    const char *dir;
    char tmp[4096], dst[4096];
    FILE *f;
} out_file;

static sm_status out_open(out_file *o, const char *dir, const char *name, sm_err *err)
{
    o->dir = dir;
    snprintf(o->dst, sizeof o->dst, "%s/%s", dir, name);
    snprintf(o->tmp, sizeof o->tmp, "%s/.%s.tmp", dir, name);
    o->f = fopen(o->tmp, "wb");
    if (!o->f)
        return sm_err_set(err, SM_EIO, "%s: cannot write: %s", o->tmp, strerror(errno));
    return SM_OK;
}

static sm_status out_close(out_file *o, bool ok, sm_err *err)
{
    bool failed = !ok || ferror(o->f);
    if (fclose(o->f) != 0)
        failed = true;
    o->f = NULL;
    if (failed || rename(o->tmp, o->dst) != 0) {
        remove(o->tmp);
        return sm_err_set(err, SM_EIO, "%s: write failed", o->dst);
    }
    return SM_OK;
}

static int csv_field(FILE *f, const char *s, bool last)
{
    if (csv_fwrite(f, s, strlen(s)) != 0)
        return -1;
    return fputc(last ? '\n' : ',', f) == EOF ? -1 : 0;
}

static int csv_number(FILE *f, float v, bool last)
{
    char buf[64] = "";
    if (!isnan(v))
        snprintf(buf, sizeof buf, "%.9g", (double)v);
    return fputs(buf, f) == EOF || fputc(last ? '\n' : ',', f) == EOF ? -1 : 0;
}

static sm_status write_labels(const dataset *ds, const char *dir, sm_err *err)
{
    out_file o;
    sm_status s = out_open(&o, dir, "label.csv", err);
    if (s)
        return s;
    bool ok = fputs("video_id,clip_id,text,label,label_T,label_A,label_V,annotation,mode\n", o.f) != EOF;
    for (int i = 0; i < ds->n && ok; i++) {
        ok = csv_field(o.f, ds->video_id[i], false) == 0 && csv_field(o.f, ds->clip_id[i], false) == 0 &&
             csv_field(o.f, ds->text[i], false) == 0 && csv_number(o.f, ds->label[i], false) == 0;
        for (int m = 0; m < MOD_COUNT && ok; m++)
            ok = csv_number(o.f, ds->ulabel[m] ? ds->ulabel[m][i] : NAN, false) == 0;
        ok = ok && csv_field(o.f, ds->annotation[i] ? ds->annotation[i] : "", false) == 0 &&
             csv_field(o.f, split_names[ds->split[i]], true) == 0;
    }
    return out_close(&o, ok, err);
}

sm_status dataset_save(const dataset *ds, const char *dir, sm_err *err)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return sm_err_set(err, SM_EIO, "%s: cannot create: %s", dir, strerror(errno));
    sm_status s = write_labels(ds, dir, err);
    if (s)
        return s;
    for (int m = 0; m < MOD_COUNT; m++) {
        const modality *md = &ds->mod[m];
        char name[64];
        out_file o;
        snprintf(name, sizeof name, "%s.npy", mod_names[m]);
        if ((s = out_open(&o, dir, name, err)))
            return s;
        int shape[3] = {ds->n, md->L, md->D};
        if ((s = out_close(&o, npy_write(o.f, "<f4", shape, 3, md->x, sizeof(float)) == 0, err)))
            return s;
        bool full = true;
        for (int i = 0; i < ds->n; i++)
            full &= md->len[i] == md->L;
        if (m == MOD_T && full)
            continue;
        snprintf(name, sizeof name, "%s_lengths.npy", mod_names[m]);
        if ((s = out_open(&o, dir, name, err)))
            return s;
        int nshape[1] = {ds->n};
        if ((s = out_close(&o, npy_write(o.f, "<i4", nshape, 1, md->len, sizeof(int)) == 0, err)))
            return s;
    }
    return SM_OK;
}
