/* test_pickle_mmsa.c: MMSA pickles to datasets, on the committed fixtures
 * made by tests/fuzz/make_pickles.py (whose docstring gives the formulas
 * checked here), plus the error fixtures. */
#include "config.h"
#include "data/mmsa.h"
#include "../tap.h"

#include <math.h>
#include <string.h>

#define FIXTURES SELFMI_SRCDIR "/tests/fuzz/corpus/fuzz_pickle/"

enum { LT = 4, DT = 5, LA = 3, DA = 2, LV = 2, DV = 3, N = 7 };
static const int split_start[SPLIT_COUNT] = {0, 3, 5};

typedef struct {
    int notes;
    bool saw_extra;
} note_count;

static void count_note(void *ud, sm_log_level level, const char *msg)
{
    note_count *c = ud;
    c->notes++;
    if (strstr(msg, "ignoring unknown key 'extra_key'"))
        c->saw_extra = true;
}

static double grid(int g, int l, int d) { return 100.0 * g + 10.0 * l + d; }

static void check_fixture(const char *file, bool sims, bool text2d, bool bert, bool f64)
{
    char path[1024];
    snprintf(path, sizeof path, FIXTURES "%s", file);
    dataset ds;
    sm_err err;
    sm_err_clear(&err);
    note_count nc = {0, false};
    sm_log log = {count_note, &nc};
    sm_status s = mmsa_load(path, &ds, &log, &err);
    if (!tap_ok(s == SM_OK, "%s loads", file)) {
        tap_diag("%s", err.msg);
        return;
    }
    tap_ok(ds.n == N, "%s: 7 samples", file);
    int counts[SPLIT_COUNT] = {0, 0, 0};
    for (int i = 0; i < ds.n; i++)
        counts[ds.split[i]]++;
    tap_ok(counts[0] == 3 && counts[1] == 2 && counts[2] == 2, "%s: splits 3/2/2 in order", file);
    tap_ok(ds.mod[MOD_T].L == (text2d ? 1 : LT) && ds.mod[MOD_T].D == DT && ds.mod[MOD_A].L == LA &&
           ds.mod[MOD_A].D == DA && ds.mod[MOD_V].L == LV && ds.mod[MOD_V].D == DV, "%s: dims", file);

    int bad_x = 0, bad_len = 0, bad_str = 0, bad_lab = 0;
    for (int g = 0; g < ds.n; g++) {
        bool first = g == split_start[ds.split[g]];
        for (int l = 0; l < ds.mod[MOD_T].L; l++)
            for (int d = 0; d < DT; d++)
                bad_x += ds.mod[MOD_T].x[(g * ds.mod[MOD_T].L + l) * DT + d] != (float)(grid(g, l, d) / 8);
        for (int l = 0; l < LA; l++)
            for (int d = 0; d < DA; d++) {
                float want = first && l == 0 && d == 0 ? 0.0f : (float)(-grid(g, l, d) / 4);
                bad_x += ds.mod[MOD_A].x[(g * LA + l) * DA + d] != want;
            }
        for (int l = 0; l < LV; l++)
            for (int d = 0; d < DV; d++)
                bad_x += ds.mod[MOD_V].x[(g * LV + l) * DV + d] != (float)(grid(g, l, d) / 16 + 0.5);
        bad_len += ds.mod[MOD_A].len[g] != 1 + g % LA;
        bad_len += ds.mod[MOD_V].len[g] != 1 + (g + 1) % LV;
        bad_len += ds.mod[MOD_T].len[g] != (bert ? 1 + g % LT : ds.mod[MOD_T].L);
        char vid[32], clip[32], text[96];
        snprintf(vid, sizeof vid, "vid%d", g / 2);
        snprintf(clip, sizeof clip, "%d", g);
        snprintf(text, sizeof text, "say \"%d\", then, stop%s", g, g == 1 ? "\nnext line \xc3\xa9" : "");
        bad_str += strcmp(ds.video_id[g], vid) != 0 || strcmp(ds.clip_id[g], clip) != 0 ||
                   strcmp(ds.text[g], text) != 0;
        double y = sims ? ((g % 5) - 2) / 2.0 : fmin((g % 7) - 3 + 0.25, 3.0);   /* within [-3, 3] */
        bad_str += strcmp(ds.annotation[g], y >= 0 ? "Positive" : "Negative") != 0;
        bad_lab += ds.label[g] != (float)y;
        if (sims) {
            /* within SIMS's [-1, 1] */
            bad_lab += ds.ulabel[MOD_T][g] != (float)-fmin(y + 0.125, 1.0);
            bad_lab += ds.ulabel[MOD_A][g] != (float)-fmin(y + 0.25, 1.0);
            bad_lab += ds.ulabel[MOD_V][g] != (float)-fmin(y + 0.375, 1.0);
        }
    }
    tap_ok(bad_x == 0, "%s: features follow the formulas (audio -inf read as 0)", file);
    tap_ok(bad_len == 0, "%s: lengths%s", file, bert ? " (text from text_bert's mask)" : "");
    tap_ok(bad_str == 0, "%s: ids split at $_$, transcripts, annotations", file);
    tap_ok(bad_lab == 0, "%s: labels%s", file, sims ? " and unimodal labels" : "");
    tap_ok(sims == (ds.ulabel[MOD_T] && ds.ulabel[MOD_A] && ds.ulabel[MOD_V]) &&
           (sims || (!ds.ulabel[MOD_T] && !ds.ulabel[MOD_A] && !ds.ulabel[MOD_V])),
           "%s: unimodal labels %s", file, sims ? "present" : "absent");
    if (strstr(file, "p4_f32"))
        tap_ok(nc.saw_extra, "%s: the unknown key is noted", file);
    (void)f64;
    dataset_free(&ds);
}

static void check_error(const char *file, const char *want)
{
    char path[1024];
    snprintf(path, sizeof path, FIXTURES "%s", file);
    dataset ds;
    sm_err err;
    sm_err_clear(&err);
    sm_status s = mmsa_load(path, &ds, NULL, &err);
    int ok = s == SM_EFORMAT && strstr(err.msg, want) && strstr(err.msg, file) && ds.n == 0 &&
             ds.label == NULL;
    tap_ok(ok, "%s: error mentions \"%s\"", file, want);
    if (!ok)
        tap_diag("%s", err.msg);
}

int main(void)
{
    check_fixture("mosi_p2_f64.pkl", false, false, false, true);
    check_fixture("mosi_p4_f32.pkl", false, false, true, false);
    check_fixture("mosi_p5_f32.pkl", false, false, false, false);
    check_fixture("sims_p4.pkl", true, false, false, false);
    check_fixture("mosi_p3_text2d.pkl", false, true, false, false);
    check_error("bad_truncated.pkl", "truncated");
    check_error("bad_missing_audio.pkl", "valid: audio: missing");

    dataset ds;
    sm_err err;
    tap_ok(mmsa_load("/nonexistent/x.pkl", &ds, NULL, &err) == SM_EIO && strstr(err.msg, "x.pkl"),
           "a missing file is an I/O error naming it");
    static const uint8_t not_dict[] = {0x80, 2, ']', '.'};
    tap_ok(mmsa_load_buffer(not_dict, sizeof not_dict, "l.pkl", &ds, NULL, &err) == SM_EFORMAT &&
           strstr(err.msg, "expected a dict of train/valid/test, got a list"), "a list is not a dataset");
    static const uint8_t empty_dict[] = {0x80, 2, '}', '.'};
    tap_ok(mmsa_load_buffer(empty_dict, sizeof empty_dict, "d.pkl", &ds, NULL, &err) == SM_EFORMAT &&
           strstr(err.msg, "missing split 'train'"), "an empty dict lacks the splits");
    return tap_done();
}
