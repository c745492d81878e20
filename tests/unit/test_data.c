/* test_data.c: label.csv, the dataset directory (load, checks, save),
 * atomic directories and the validation carve. */
#include "config.h"
#include "data/dataset.h"
#include "data/npy.h"
#include "../tap.h"
#include "test_data_util.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>

static sm_err err;

static sm_status lparse(dataset *ds, const char *csv)
{
    sm_err_clear(&err);
    return labelcsv_parse(ds, csv, strlen(csv), "label.csv", &err);
}

static void lrefused(const char *csv, const char *want, const char *what)
{
    dataset ds;
    sm_status st = lparse(&ds, csv);
    tap_ok(st == SM_EFORMAT && strstr(err.msg, "label.csv") && strstr(err.msg, want) && ds.n == 0 && !ds.label,
           "label.csv refuses %s: %s", what, err.msg);
}

static const char *label_csv_5 =
    "video_id,clip_id,text,label,label_T,label_A,label_V,annotation,mode\n"
    "v1,1,\"hello, world\",1.5,1,,,Positive,train\n"
    "v1,2,\"she said \"\"no\"\"\",-0.4,-1,0.2,,Negative,train\n"
    "v2,1,\"two\nlines\",0,0,0,,Neutral,valid\n"
    "v2,2,plain,3,,,,Positive,test\n"
    "v3,1,x,-3,,,,Negative,test\n";

/* A small dataset directory: label.csv above plus arrays given by the
 * caller; NULL arrays get defaults. */
static void write_dir(const char *dir, int n, const float *t, int t_nd, const int64_t *t_shape, const float *a,
                      const int64_t *a_shape, const float *v, const int64_t *v_shape)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/label.csv", dir);
    tdu_write(p, label_csv_5, strlen(label_csv_5));
    snprintf(p, sizeof p, "%s/text.npy", dir);
    npy_write(p, NPY_F4, t, t_nd, t_shape, &err);
    snprintf(p, sizeof p, "%s/audio.npy", dir);
    npy_write(p, NPY_F4, a, 3, a_shape, &err);
    snprintf(p, sizeof p, "%s/vision.npy", dir);
    npy_write(p, NPY_F4, v, 3, v_shape, &err);
    (void)n;
}

static void remove_file(const char *dir, const char *name)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    unlink(p);
}

int main(void)
{
    dataset ds;

    /* ---- label.csv parsing ---- */
    const char *messy = "\xEF\xBB\xBFmode,extra,label,text,clip_id,video_id,label_T,label_V\r\n"
                        "train,zz,1.2,\"good, \"\"very\"\" good\",3,vidA,0.8,\r\n"
                        "dev,zz,-0.6,\"line one\r\nline two\",4,vidA,,\r\n"
                        "test,zz,0,plain,1,vidB,-1,\r\n"
                        "\r\n";
    tap_ok(lparse(&ds, messy) == SM_OK, "parses BOM, CRLF, quotes, any column order, extra column: %s", err.msg);
    tap_ok(ds.n == 3, "3 samples (trailing empty line ignored)");
    tap_ok(strcmp(ds.video_id[0], "vidA") == 0 && strcmp(ds.clip_id[1], "4") == 0, "ids by header name");
    tap_ok(strcmp(ds.text[0], "good, \"very\" good") == 0 && strcmp(ds.text[1], "line one\r\nline two") == 0,
           "quoted text with comma, quotes, newline");
    tap_ok(ds.split[0] == SPLIT_TRAIN && ds.split[1] == SPLIT_VALID && ds.split[2] == SPLIT_TEST, "dev reads as valid");
    tap_ok(ds.label[0] == 1.2f && ds.label[1] == -0.6f, "labels");
    tap_ok(ds.ulabel[MOD_T] && ds.ulabel[MOD_T][0] == 0.8f && isnan(ds.ulabel[MOD_T][1]) &&
               ds.ulabel[MOD_T][2] == -1.0f, "label_T with an empty cell -> NaN");
    tap_ok(ds.ulabel[MOD_A] == NULL && ds.ulabel[MOD_V] == NULL, "absent and all-empty unimodal columns -> NULL");
    tap_ok(strcmp(ds.annotation[0], "") == 0, "absent annotation -> empty");
    tap_ok(dataset_has_ulabels(&ds), "has unimodal labels");
    tap_ok(dataset_label_bound(&ds) == 3.0f, "label bound 3 with |1.2| > 1");
    char id[64];
    dataset_sample_id(&ds, 1, id, sizeof id);
    tap_ok(strcmp(id, "vidA$_$4") == 0, "sample id vidA$_$4");
    /* a short buffer cuts the id as snprintf does */
    int cut_ok = 1;
    for (size_t n = 1; n <= 10; n++) {
        char small[16], ref[16];
        memset(small, 'x', sizeof small);
        dataset_sample_id(&ds, 1, small, n);
        snprintf(ref, n, "%s$_$%s", "vidA", "4");
        cut_ok &= strcmp(small, ref) == 0 && small[n] == 'x';
    }
    tap_ok(cut_ok, "sample id cut to buffers of 1-10 bytes as snprintf cuts it, nothing written past them");
    dataset_free(&ds);
    dataset_free(&ds);   /* twice is harmless */
    dataset_free(NULL);

    tap_ok(lparse(&ds, "video_id,clip_id,text,label,mode\na,1,t,0.5,train\na,2,t,-1,test\n") == SM_OK &&
               !dataset_has_ulabels(&ds) && dataset_label_bound(&ds) == 1.0f, "no unimodal labels, bound 1 (SIMS-like)");
    dataset_free(&ds);

    lrefused("", "empty", "an empty file");
    lrefused("video_id,clip_id,text,label,mode\n", "no samples", "a header without rows");
    lrefused("video_id,clip_id,text,label\na,1,t,0.5\n", "no column 'mode'", "a missing mode column");
    lrefused("video_id,text,label,mode\na,t,0.5,train\n", "no column 'clip_id'", "a missing clip_id column");
    lrefused("video_id,clip_id,text,label,mode\na,1,t,0.5,train\na,2,t,0.5,holdout\n", "line 3: column 'mode'",
             "an unknown split");
    lrefused("video_id,clip_id,text,label,mode\na,1,t,high,train\n", "line 2: column 'label'", "a non-numeric label");
    lrefused("video_id,clip_id,text,label,mode\na,1,t,,train\n", "line 2: column 'label'", "an empty label");
    lrefused("video_id,clip_id,text,label,mode\na,1,t,nan,train\n", "a$_$1 is NaN", "a NaN label, naming the sample");
    lrefused("video_id,clip_id,text,label,mode\na,1,t,0.5\n", "line 2: 4 fields", "a short row");
    lrefused("video_id,clip_id,text,label,mode\na,1,t,1e39,train\n", "beyond float range",
             "a label beyond float32 range");
    lrefused("video_id,clip_id,text,label,label_A,mode\na,1,t,1,-1e39,train\n", "column 'label_A'",
             "a label_A beyond float32 range");
    lrefused("video_id,clip_id,text,label,label_T,mode\na,1,t,0.5,pos,train\n", "column 'label_T'",
             "a non-numeric label_T");
    lrefused("video_id,clip_id,text,label,mode\na,1,\"open,0.5,train\n", "unterminated", "an unterminated quote");

    /* the MOSEI transcripts: real quoting, commas, apostrophes */
    const char *shared = getenv("SHARED_DATA");
    char path[8500];
    snprintf(path, sizeof path, "%s/mosei-transcripts/label.csv", shared ? shared : "../shared/data");
    struct stat sb;
    if (stat(path, &sb) == 0) {
        sm_status st = labelcsv_read(&ds, path, &err);
        int c[SPLIT_COUNT] = {0, 0, 0};
        if (st == SM_OK)
            dataset_split_counts(&ds, c);
        tap_ok(st == SM_OK && ds.n == 22788 && c[0] == 16274 && c[1] == 1861 && c[2] == 4653,
               "MOSEI transcripts: 22788 rows, 16274/1861/4653 (%d: %d/%d/%d) %s", ds.n, c[0], c[1], c[2], err.msg);
        dataset_free(&ds);
    } else {
        tap_diag("skipping the MOSEI label.csv test: %s absent", path);
    }

    /* ---- save, load ---- */
    char *dir = tdu_scratch("data");
    tap_ok(dir != NULL, "scratch directory");
    int L[3] = {4, 6, 3}, D[3] = {5, 2, 3};
    tap_ok(dataset_alloc(&ds, 5, L, D, true, &err) == SM_OK, "alloc");
    const char *texts[5] = {"a, b", "say \"x\"", "multi\nline", "", "caf\xc3\xa9"};
    for (int i = 0; i < 5; i++) {
        char b[32];
        snprintf(b, sizeof b, "v%d", i / 2);
        ds.video_id[i] = strdup(b);
        snprintf(b, sizeof b, "%d", i);
        ds.clip_id[i] = strdup(b);
        ds.text[i] = strdup(texts[i]);
        ds.annotation[i] = strdup(i % 2 ? "Positive" : "");
        ds.label[i] = (float)i * 0.7f - 1.3f;
        ds.split[i] = i % 3;
        ds.ulabel[MOD_A][i] = i == 2 ? NAN : 0.2f * (float)i;
        for (int m = 0; m < 3; m++) {
            ds.mod[m].len[i] = 1 + (i + m) % L[m];
            for (int k = 0; k < L[m] * D[m]; k++)
                ds.mod[m].x[(size_t)i * L[m] * D[m] + k] = (float)(i * 100 + m * 10 + k) / 7.0f;
        }
    }
    int cnt[SPLIT_COUNT], idx[5];
    dataset_split_counts(&ds, cnt);
    tap_ok(cnt[0] == 2 && cnt[1] == 2 && cnt[2] == 1, "split counts 2/2/1");
    tap_ok(dataset_split_indices(&ds, SPLIT_VALID, idx) == 2 && idx[0] == 1 && idx[1] == 4, "valid indices 1, 4");
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/rt/deeper", dir);
    tap_ok(dataset_save(&ds, sub, &err) == SM_OK, "save into a new nested directory: %s", err.msg);
    dataset back;
    tap_ok(dataset_load(&back, sub, &err) == SM_OK, "load it back: %s", err.msg);
    bool same = back.n == 5 && back.dir && strcmp(back.dir, sub) == 0;
    for (int i = 0; same && i < 5; i++) {
        same = strcmp(back.video_id[i], ds.video_id[i]) == 0 && strcmp(back.clip_id[i], ds.clip_id[i]) == 0 &&
               strcmp(back.text[i], ds.text[i]) == 0 && strcmp(back.annotation[i], ds.annotation[i]) == 0 &&
               back.label[i] == ds.label[i] && back.split[i] == ds.split[i];
        for (int m = 0; same && m < 3; m++)
            same = back.mod[m].L == L[m] && back.mod[m].D == D[m] && back.mod[m].len[i] == ds.mod[m].len[i] &&
                   memcmp(back.mod[m].x + (size_t)i * L[m] * D[m], ds.mod[m].x + (size_t)i * L[m] * D[m],
                          sizeof(float) * L[m] * D[m]) == 0;
    }
    tap_ok(same, "strings, labels, splits, lengths and features round-trip exactly");
    tap_ok(back.ulabel[MOD_A] && isnan(back.ulabel[MOD_A][2]) && back.ulabel[MOD_A][4] == 0.8f &&
               back.ulabel[MOD_T] == NULL, "unimodal labels round-trip (NaN stays empty, all-NaN columns vanish)");
    dataset_free(&back);

    /* save refuses what load would refuse */
    ds.label[3] = NAN;
    snprintf(sub, sizeof sub, "%s/bad", dir);
    tap_ok(dataset_save(&ds, sub, &err) == SM_EFORMAT && strstr(err.msg, "v1$_$3") && stat(sub, &sb) != 0,
           "save refuses a NaN label before writing: %s", err.msg);
    ds.label[3] = 0;

    /* atomic directories */
    snprintf(sub, sizeof sub, "%s/new/ds", dir);
    tap_ok(dataset_save_new(&ds, sub, false, &err) == SM_OK, "save_new into a fresh path");
    tap_ok(dataset_save_new(&ds, sub, false, &err) == SM_EIO && strstr(err.msg, "already exists"),
           "save_new refuses an existing directory: %s", err.msg);
    ds.label[0] = 2.5f;
    tap_ok(dataset_save_new(&ds, sub, true, &err) == SM_OK && dataset_load(&back, sub, &err) == SM_OK &&
               back.label[0] == 2.5f, "save_new replaces a dataset directory");
    dataset_free(&back);
    snprintf(path, sizeof path, "%s/new", dir);
    tap_ok(tdu_count_entries(path) == 1, "nothing left beside it (%d entries)", tdu_count_entries(path));
    snprintf(path, sizeof path, "%s/notes.txt", sub);
    tdu_write(path, "mine", 4);
    tap_ok(dataset_save_new(&ds, sub, true, &err) == SM_EIO && strstr(err.msg, "is not a dataset directory") && stat(path, &sb) == 0,
           "save_new does not replace a directory with other files: %s", err.msg);
    ds.mod[MOD_V].x[7] = NAN;
    snprintf(sub, sizeof sub, "%s/new/never", dir);
    snprintf(path, sizeof path, "%s/new", dir);
    tap_ok(dataset_save_new(&ds, sub, false, &err) == SM_EFORMAT && strstr(err.msg, "vision") &&
               tdu_count_entries(path) == 1, "a failed save_new leaves nothing behind: %s", err.msg);
    ds.mod[MOD_V].x[7] = 0;
    dataset_free(&ds);

    /* ---- load checks on hand-made directories ---- */
    float t[5 * 2 * 3], a[5 * 4 * 2], v[5 * 3 * 2], t2[5 * 3];
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
        t[k] = (float)k;
    for (size_t k = 0; k < sizeof a / sizeof a[0]; k++)
        a[k] = 0.5f;
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
        v[k] = -0.5f;
    for (size_t k = 0; k < sizeof t2 / sizeof t2[0]; k++)
        t2[k] = 1;
    int64_t ts[3] = {5, 2, 3}, as[3] = {5, 4, 2}, vs[3] = {5, 3, 2}, t2s[2] = {5, 3};
    snprintf(sub, sizeof sub, "%s/hand", dir);
    mkdir(sub, 0755);
    write_dir(sub, 5, t2, 2, t2s, a, as, v, vs);
    tap_ok(dataset_load(&ds, sub, &err) == SM_OK && ds.mod[MOD_T].L == 1 && ds.mod[MOD_T].D == 3 &&
               ds.mod[MOD_T].len[4] == 1 && ds.mod[MOD_A].len[0] == 4 && ds.mod[MOD_V].len[2] == 3,
           "text (N, D) reads as L = 1; absent lengths files mean full length: %s", err.msg);
    tap_ok(ds.ulabel[MOD_T] && ds.ulabel[MOD_A] && ds.ulabel[MOD_V] == NULL && isnan(ds.ulabel[MOD_T][3]),
           "label_T/label_A kept, empty label_V dropped");
    dataset_free(&ds);

    a[1 * 8 + 3] = -INFINITY;
    write_dir(sub, 5, t, 3, ts, a, as, v, vs);
    tap_ok(dataset_load(&ds, sub, &err) == SM_OK && ds.mod[MOD_A].x[11] == 0.0f && ds.mod[MOD_T].L == 2,
           "audio -inf reads as 0");
    dataset_free(&ds);
    a[11] = INFINITY;
    write_dir(sub, 5, t, 3, ts, a, as, v, vs);
    tap_ok(dataset_load(&ds, sub, &err) == SM_EFORMAT && strstr(err.msg, "audio.npy") && strstr(err.msg, "v1$_$2") &&
               strstr(err.msg, "+inf"), "audio +inf refused: %s", err.msg);
    a[11] = 0.5f;
    v[2 * 6 + 5] = NAN;
    write_dir(sub, 5, t, 3, ts, a, as, v, vs);
    tap_ok(dataset_load(&ds, sub, &err) == SM_EFORMAT && strstr(err.msg, "v2$_$1") && strstr(err.msg, "vision") &&
               strstr(err.msg, "NaN"), "a NaN names the sample id and the modality: %s", err.msg);
    v[17] = -0.5f;
    t[0] = -INFINITY;
    write_dir(sub, 5, t, 3, ts, a, as, v, vs);
    tap_ok(dataset_load(&ds, sub, &err) == SM_EFORMAT && strstr(err.msg, "text") && strstr(err.msg, "-inf"),
           "text -inf refused: %s", err.msg);
    t[0] = 0;
    int64_t as6[3] = {6, 4, 2};
    float a6[6 * 4 * 2] = {0};
    write_dir(sub, 5, t, 3, ts, a6, as6, v, vs);
    tap_ok(dataset_load(&ds, sub, &err) == SM_EFORMAT && strstr(err.msg, "audio.npy") &&
               strstr(err.msg, "6 rows but label.csv has 5"), "row counts must agree: %s", err.msg);
    int64_t as1[1] = {40};
    snprintf(path, sizeof path, "%s/audio.npy", sub);
    npy_write(path, NPY_F4, a, 1, as1, &err);
    tap_ok(dataset_load(&ds, sub, &err) == SM_EFORMAT && strstr(err.msg, "expected (N, L, D) or (N, D)"),
           "1-D features refused: %s", err.msg);

    write_dir(sub, 5, t, 3, ts, a, as, v, vs);
    int32_t len[5] = {1, 2, 3, 4, 4};
    int64_t ls[2] = {5, 1};
    snprintf(path, sizeof path, "%s/audio_lengths.npy", sub);
    npy_write(path, NPY_I4, len, 1, ls, &err);
    tap_ok(dataset_load(&ds, sub, &err) == SM_OK && ds.mod[MOD_A].len[2] == 3 && ds.mod[MOD_V].len[2] == 3,
           "audio lengths read, vision full length");
    dataset_free(&ds);
    len[3] = 5;
    npy_write(path, NPY_I4, len, 1, ls, &err);
    tap_ok(dataset_load(&ds, sub, &err) == SM_EFORMAT && strstr(err.msg, "v2$_$2") && strstr(err.msg, "outside 1..4"),
           "a length above L refused: %s", err.msg);
    len[3] = 0;
    npy_write(path, NPY_I4, len, 1, ls, &err);
    tap_ok(dataset_load(&ds, sub, &err) == SM_EFORMAT && strstr(err.msg, "length 0"), "a length 0 refused: %s",
           err.msg);
    npy_write(path, NPY_I4, len, 2, ls, &err);
    tap_ok(dataset_load(&ds, sub, &err) == SM_EFORMAT && strstr(err.msg, "expected (5,)"),
           "lengths of shape (5, 1) refused: %s", err.msg);
    int32_t len4[4] = {1, 1, 1, 1};
    int64_t ls4[1] = {4};
    npy_write(path, NPY_I4, len4, 1, ls4, &err);
    tap_ok(dataset_load(&ds, sub, &err) == SM_EFORMAT && strstr(err.msg, "audio_lengths.npy"),
           "lengths of the wrong count refused: %s", err.msg);
    remove_file(sub, "audio_lengths.npy");
    {
        /* <f8 features and big-endian refusal on disk */
        double d8[5 * 4 * 2];
        for (int k = 0; k < 40; k++)
            d8[k] = k * 0.5;
        size_t n;
        uint8_t *b = tdu_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (5, 4, 2), }", d8, sizeof d8, &n);
        snprintf(path, sizeof path, "%s/audio.npy", sub);
        tdu_write(path, b, n);
        free(b);
        remove_file(sub, "audio_lengths.npy");
        tap_ok(dataset_load(&ds, sub, &err) == SM_OK && ds.mod[MOD_A].x[39] == 19.5f, "float64 features read");
        dataset_free(&ds);
        b = tdu_npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (5, 4, 2), }", d8, 160, &n);
        tdu_write(path, b, n);
        free(b);
        tap_ok(dataset_load(&ds, sub, &err) == SM_EFORMAT && strstr(err.msg, "audio.npy") &&
                   strstr(err.msg, "big-endian"), "big-endian file refused: %s", err.msg);
    }
    remove_file(sub, "text.npy");
    tap_ok(dataset_load(&ds, sub, &err) == SM_EIO && strstr(err.msg, "text.npy") && ds.n == 0,
           "a missing text.npy is named: %s", err.msg);
    remove_file(sub, "label.csv");
    tap_ok(dataset_load(&ds, sub, &err) == SM_EIO && strstr(err.msg, "label.csv"), "a missing label.csv is named");

    /* ---- validation carve ---- */
    int Ls[3] = {1, 1, 1}, Ds[3] = {1, 1, 1};
    dataset_alloc(&ds, 40, Ls, Ds, false, &err);
    for (int i = 0; i < 40; i++) {
        char b[16];
        snprintf(b, sizeof b, "vid%d", i / 3);   /* 14 videos, 3 clips (the last 1) */
        ds.video_id[i] = strdup(b);
        ds.split[i] = i < 10 ? SPLIT_TRAIN : SPLIT_TEST;
    }
    int moved;
    tap_ok(dataset_carve_valid(&ds, SPLIT_TEST, 0.33, 7, &moved, &err) == SM_OK && moved > 0, "carve from test");
    int sp1[40];
    bool whole = true, train_kept = true;
    for (int i = 0; i < 40; i++) {
        sp1[i] = ds.split[i];
        if (i < 10 && ds.split[i] != SPLIT_TRAIN)
            train_kept = false;
        if (i >= 12 && i % 3 != 0 && ds.split[i] != ds.split[i - 1])
            whole = false;
    }
    tap_ok(whole && train_kept, "whole videos moved, train untouched");
    dataset_split_counts(&ds, cnt);
    /* test videos: vid3 (clips 10, 11 of it) .. vid13 = 11 videos; 0.33 * 11 = 3.63 -> 4 videos */
    tap_ok(cnt[SPLIT_VALID] == moved && moved >= 7 && moved <= 12, "4 videos moved: %d samples", moved);
    for (int i = 0; i < 40; i++)
        ds.split[i] = i < 10 ? SPLIT_TRAIN : SPLIT_TEST;
    dataset_carve_valid(&ds, SPLIT_TEST, 0.33, 7, NULL, &err);
    tap_ok(memcmp(sp1, ds.split, sizeof sp1) == 0, "same seed, same carve");
    bool differs = false;
    for (unsigned long s = 8; s < 12 && !differs; s++) {
        for (int i = 0; i < 40; i++)
            ds.split[i] = i < 10 ? SPLIT_TRAIN : SPLIT_TEST;
        dataset_carve_valid(&ds, SPLIT_TEST, 0.33, s, NULL, &err);
        differs = memcmp(sp1, ds.split, sizeof sp1) != 0;
    }
    tap_ok(differs, "other seeds carve other videos");
    tap_ok(dataset_carve_valid(&ds, SPLIT_TEST, 1.5, 1, NULL, &err) == SM_EINVAL, "fraction 1.5 refused");
    tap_ok(dataset_carve_valid(&ds, SPLIT_VALID, 0.5, 1, NULL, &err) == SM_EINVAL, "carving from valid refused");
    for (int i = 0; i < 40; i++)
        ds.split[i] = SPLIT_TEST;
    for (int i = 0; i < 40; i++) {
        free(ds.video_id[i]);
        ds.video_id[i] = strdup("same");
    }
    tap_ok(dataset_carve_valid(&ds, SPLIT_TEST, 0.3, 1, NULL, &err) == SM_EINVAL && strstr(err.msg, "1 video"),
           "one video cannot be carved: %s", err.msg);
    dataset_free(&ds);

    tap_ok(dataset_split_parse(" Dev ") == SPLIT_VALID && dataset_split_parse("TEST") == SPLIT_TEST &&
               dataset_split_parse("validation") == SPLIT_VALID && dataset_split_parse("tr") == -1,
           "split names");

    tdu_rmtree(dir);
    return tap_done();
}
