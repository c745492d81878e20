/* test_ui_screens.c: widgets and views rendered into the off-screen cell
 * grid and compared with golden screens (tests/golden, one .txt per screen). The views
 * read a results root this test writes (deterministic values, fixed
 * mtimes), through the same app and headless driver as `selfmi --script`.
 *
 * To regenerate the golden files after a deliberate change:
 *     SELFMI_UPDATE_GOLDEN=1 make check TESTS=tests/unit/test_ui_screens
 * (writes into the source tree's tests/golden; review with git diff). */
#include "config.h"
#include "../tap.h"
#include "ui/app.h"
#include "ui/headless.h"
#include "ui/plot.h"
#include "rundir/runstore.h"
#include "train/run.h"
#include "ui/engine.h"
#include "exp/expfile.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *srcdir;
static bool update;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

/* Compares the grid with tests/golden/<name>.txt (or rewrites it). */
static void golden(const cellbuf *b, const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/tests/golden/%s.txt", srcdir, name);
    char *got = cellbuf_to_text(b);
    if (update) {
        FILE *f = fopen(path, "w");
        bool ok = f && fputs(got, f) >= 0;
        if (f)
            ok = fclose(f) == 0 && ok;
        tap_ok(ok, "golden %s rewritten", name);
        free(got);
        return;
    }
    char *want = slurp(path);
    bool same = want && got && strcmp(want, got) == 0;
    tap_ok(same, "screen %s matches tests/golden/%s.txt", name, name);
    if (!same && got) {
        /* the first differing line, to read in the log */
        const char *g = got, *w = want ? want : "";
        int line = 1;
        while (*g && *g == *w) {
            if (*g == '\n')
                line++;
            g++;
            w++;
        }
        tap_diag("first difference at line %d; got screen:", line);
        printf("%s", got);
    }
    free(want);
    free(got);
}

/* ---- fixture: a results root with five runs ---------------------------------------- */

static void put(const char *dir, const char *file, const char *text)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
}

static void set_mtime(const char *dir, const char *file, long sec)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    struct timespec ts[2] = {{sec, 0}, {sec, 0}};
    utimensat(AT_FDCWD, p, ts, 0);
}

static void write_run(const char *root, const char *id, const char *tasks, int seed, int epochs, const char *status,
                      double quality, long t0)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", root, id);
    mkdir(dir, 0777);
    char conf[1024];
    snprintf(conf, sizeof conf,
             "dataset = data\npreset = synth\nseed = %d\nname = \nlabels = mi\ntasks = %s\ncpc_terms = mt,ma,mv\n"
             "lr_other = 0.001\nbatch_size = 32\nlambda_cpc = 0.1\nearly_stop = 8\nmax_epochs = 30\n",
             seed, tasks);
    put(dir, "run.conf", conf);
    put(dir, "status", status);
    char path[2048];
    snprintf(path, sizeof path, "%s/epochs.csv", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "epoch,seconds,loss,l17,l_m,l_t,l_a,l_v,cpc_mt,cpc_ma,cpc_mv,task_t,task_a,task_v,val_mae,val_corr,"
               "val_acc2_has0,val_f1_has0,val_acc2_non0,val_f1_non0,val_acc5,val_acc7,best_epoch,best_val_mae,"
               "patience,steps,drift_t,drift_a,drift_v,ul_corr_t,ul_corr_a,ul_corr_v,floor_corr_t,floor_corr_a,"
               "floor_corr_v,dev_corr_t,dev_corr_a,dev_corr_v\n");
    double best = 1e9;
    int best_ep = 0;
    for (int e = 1; e <= epochs; e++) {
        double mae = quality + 0.6 / e + 0.004 * (e > 10 ? e - 10 : 0);
        if (mae < best) {
            best = mae;
            best_ep = e;
        }
        double l = 3.0 / (1 + 0.3 * e);
        fprintf(f, "%d,0.25,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,"
                   "%.4f,%.4f,%d,%.4f,%d,%d,%.4f,%.4f,%.4f",
                e, l + 1, l, l * 0.5, l * 0.2, l * 0.15, l * 0.15, 3.2 - 0.02 * e, 3.3 - 0.03 * e, 3.25 - 0.01 * e,
                0.1, 0.1, 0.1, mae, 0.2 + 0.4 * (1 - 1.0 / e), 0.5 + 0.02 * e, 0.5 + 0.019 * e, 0.5 + 0.021 * e,
                0.5 + 0.02 * e, 0.3, 0.25, best_ep, best, e - best_ep, 8, 0.05 * e, 0.03 * e, 0.04 * e);
        /* the Self-MI diagnostics: the seed-2 runs' data has human unimodal labels */
        if (seed == 2)
            fprintf(f, ",%.4f,%.4f,%.4f,0.5500,0.4000,0.3000,%.4f,%.4f,%.4f\n", 0.55 + 0.02 * e, 0.4 + 0.015 * e,
                    0.3 + 0.01 * e, 0.1 + 0.03 * e, 0.05 + 0.02 * e, 0.02 * e);
        else
            fprintf(f, ",nan,nan,nan,nan,nan,nan,nan,nan,nan\n");
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/labels.csv", dir);
    f = fopen(path, "w");
    fprintf(f, "epoch,row,id,y_m,y_t,y_a,y_v,r_t,r_a,r_v\n");
    for (int e = 1; e <= epochs; e++)
        for (int i = 0; i < 12; i++) {
            double ym = -1.5 + 0.25 * i, k = 1 - exp(-0.3 * e);
            fprintf(f, "%d,%d,\"clip%02d$_$%d\",%.3f,%.4f,%.4f,%.4f,0,0,0\n", e, 2 * i, i, i % 3, ym,
                    ym + k * 0.6 * sin(i), ym - k * 0.4 * cos(i), ym + k * 0.2 * (i % 2 ? 1 : -1));
        }
    fclose(f);
    if (!strcmp(status, "done\n")) {
        char t[512];
        snprintf(t, sizeof t, "mae,corr,acc2_has0,f1_has0,acc2_non0,f1_non0,acc5,acc7,best_epoch,epochs\n"
                              "%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%d,%d\n",
                 quality + 0.05, 0.7 - quality / 3, 0.8 - quality / 10, 0.79 - quality / 10, 0.81 - quality / 10,
                 0.8 - quality / 10, 0.4, 0.35, best_ep, epochs);
        put(dir, "test.csv", t);
        set_mtime(dir, "test.csv", t0 + 60);
    }
    set_mtime(dir, "run.conf", t0);
}

static runstore_lock *running_lock;

static void write_fixture(const char *root)
{
    mkdir(root, 0777);
    mkdir("data", 0777);
    FILE *f = fopen("data/label.csv", "w");
    fprintf(f, "video_id,clip_id,text,label,label_T,label_A,label_V,annotation,mode\n");
    for (int i = 0; i < 24; i++)
        fprintf(f, "clip%02d,%d,\"%s number %d\",%.2f,%.1f,%.1f,%.1f,,train\n", i / 2, (i / 2) % 3,
                i % 4 ? "a fine film" : "the plot was dull", i, -1.5 + 0.125 * i, 0.5, -0.5, 1.0);
    fclose(f);
    write_run(root, "selfmi-MTAV-s1", "M,T,A,V", 1, 14, "done\n", 0.70, 1700000000);
    write_run(root, "selfmi-MTAV-s2", "M,T,A,V", 2, 12, "done\n", 0.72, 1700000100);
    write_run(root, "selfmi-M-s1", "M", 1, 13, "done\n", 0.80, 1700000200);
    write_run(root, "selfmi-M-s2", "M", 2, 11, "done\n", 0.83, 1700000300);
    write_run(root, "selfmi-MT-s1", "M,T", 1, 6, "running\n", 0.75, 1700000400);
    /* a live process holds a running run's lock, as a training process
     * would: this test, for the rest of its life */
    static runstore_lock lk = {.fd = -1};
    runstore rs;
    bool busy;
    sm_err err;
    if (runstore_open(&rs, root, "selfmi-MT-s1", &err) || runstore_lock_take(&lk, &rs, &busy, NULL, 0, &err) || busy)
        tap_ok(0, "fixture: lock of the running run: %s", err.msg);
    running_lock = &lk;
    write_run(root, "selfmi-MA-s1", "M,A", 1, 3, "failed: non-finite loss at epoch 3 batch 1\n", 0.9, 1700000500);
}

/* The search the next screens show (search_screens), or none. */
static const experiment *screen_search;
static config screen_search_base;

/* Runs a key script on a fresh app at w x h and compares the screen. */
static void screen_mode(const char *name, int w, int h, const char *keys, bool color, bool ascii)
{
    ui_app a;
    if (screen_search) {
        ui_app_init(&a, "search/trials", screen_search->path, NULL);
        ui_app_set_search(&a, &screen_search->search, &screen_search_base, screen_search->path, "search");
    } else {
        ui_app_init(&a, "results", "experiments/fixture.conf", NULL);
    }
    a.color = color;
    a.ascii = ascii;
    ui_app_resize(&a, w, h);
    char script[64];
    snprintf(script, sizeof script, "script-%s.txt", name);
    FILE *f = fopen(script, "w");
    fprintf(f, "%s\n", keys);
    fclose(f);
    sm_err err;
    sm_status st = ui_headless_run(&a, script, NULL, &err);
    if (st)
        tap_diag("%s: %s", name, err.msg);
    cellbuf b;
    cellbuf_init(&b, w, h);
    ui_app_render(&a, &b);
    golden(&b, name);
    cellbuf_free(&b);
    ui_app_free(&a);
}

static void screen(const char *name, int w, int h, const char *keys, bool color)
{
    screen_mode(name, w, h, keys, color, false);
}

/* The Grid view of a halving search (9 trials, rungs 1, 3 and 9 epochs)
 * at the three sizes: every trial at rung 1, one of them failed, three at
 * rung 3, the best of those at rung 9. */
static void search_screens(void)
{
    FILE *f = fopen("search.conf", "w");
    fprintf(f, "[experiment]\ndataset = data\npreset = synth\n[config]\nmax_epochs = 9\n[search]\nmethod = halving\n"
               "trials = 9\nmin_epochs = 1\neta = 3\nlr_other = loguniform(1e-4, 1e-2)\nbatch_size = 16 | 32\n"
               "post_fusion_dropout = uniform(0, 0.3)\nulg_start = 1..4\n");
    fclose(f);
    static experiment e;
    sm_err err;
    if (exp_load(&e, "search.conf", &err) || exp_grid_point(&e, 0, &screen_search_base, &err)) {
        tap_ok(0, "the search fixture: %s", err.msg);
        return;
    }
    mkdir("search", 0777);
    mkdir("search/trials", 0777);
    static const double quality[9] = {0.78, 0.71, 0.74, 0.83, 0.69, 0.90, 0.76, 0.72, 0.81};
    char id[64];
    for (int i = 0; i < 9; i++) {
        snprintf(id, sizeof id, "t%03d-s1111-e1", i);
        write_run("search/trials", id, "M,T,A,V", 1111, 1, i == 5 ? "failed: non-finite loss at epoch 1 batch 3\n" : "done\n",
                  quality[i], 1700001000 + 10 * i);
    }
    static const int rung3[3] = {1, 4, 7};
    for (int i = 0; i < 3; i++) {
        snprintf(id, sizeof id, "t%03d-s1111-e3", rung3[i]);
        write_run("search/trials", id, "M,T,A,V", 1111, 3, "done\n", quality[rung3[i]], 1700002000 + 10 * i);
    }
    write_run("search/trials", "t004-s1111-e9", "M,T,A,V", 1111, 9, "done\n", quality[4], 1700003000);
    screen_search = &e;
    static const int sizes[][2] = {{80, 24}, {100, 30}, {160, 48}};
    for (int k = 0; k < 3; k++) {
        char name[64];
        snprintf(name, sizeof name, "size_search_%dx%d", sizes[k][0], sizes[k][1]);
        screen(name, sizes[k][0], sizes[k][1], "4", true);
    }
    /* trial 4's run of rung 9 made ready to go on from its run of rung 3
     * (run_extend), nothing trained yet: waiting in the race, not failed */
    unlink("search/trials/t004-s1111-e9/test.csv");
    write_run("search/trials", "t004-s1111-e9", "M,T,A,V", 1111, 3, "running\n", quality[4], 1700003000);
    put("search/trials/t004-s1111-e9", "continued", "from = t004-s1111-e3\nepoch = 3\n");
    screen("search_continuing", 100, 30, "4", true);
    screen_search = NULL;
    exp_free(&e);
}

static void widgets(void)
{
    double x[20], y1[20], y2[20];
    for (int i = 0; i < 20; i++) {
        x[i] = i + 1;
        y1[i] = 1.0 + 0.9 * exp(-0.25 * i);
        y2[i] = 0.2 + 0.03 * i + (i % 3 == 0 ? 0.05 : 0);
    }
    ui_series s[2] = {{"val MAE", x, y1, 20, UI_CYAN, false, false}, {"Corr", x, y2, 20, UI_MAGENTA, false, false}};
    ui_plot p = {.title = "two series", .series = s, .nseries = 2, .integer_x = true, .vmark = 12, .vmark_name = "best",
                 .xcursor = NAN};
    cellbuf b;
    cellbuf_init(&b, 60, 16);
    ui_plot_draw(&b, (ui_rect){0, 0, 60, 16}, &p);
    golden(&b, "plot_braille");
    b.ascii = true;
    cellbuf_clear(&b);
    ui_plot_draw(&b, (ui_rect){0, 0, 60, 16}, &p);
    golden(&b, "plot_ascii");
    b.ascii = false;
    cellbuf_clear(&b);
    p.logy = true;
    p.title = "log y";
    ui_plot_draw(&b, (ui_rect){0, 0, 60, 16}, &p);
    golden(&b, "plot_logy");
    /* a plot squeezed small never writes outside its rectangle */
    int leaks = 0;
    for (int w = 0; w <= 30; w += 3)
        for (int h = 0; h <= 12; h += 2) {
            cellbuf_resize(&b, 40, 16);
            ui_plot_draw(&b, (ui_rect){2, 2, w, h}, &p);
            for (int yy = 0; yy < 16; yy++)
                for (int xx = 0; xx < 40; xx++)
                    if (cellbuf_at(&b, xx, yy)->ch != ' ' && !(xx >= 2 && yy >= 2 && xx < 2 + w && yy < 2 + h))
                        leaks++;
        }
    tap_ok(leaks == 0, "plots at 0..30 x 0..12 stay inside their rectangle (%d cells leaked)", leaks);
    /* heat map in ASCII: density glyphs */
    float m[4 * 6];
    for (int i = 0; i < 24; i++)
        m[i] = (float)(i % 6) / 5.0f;
    cellbuf_resize(&b, 12, 4);
    b.ascii = true;
    ui_heatmap_draw(&b, (ui_rect){0, 0, 12, 4}, m, 4, 6, 0, 0, 1, false, -1);
    golden(&b, "heatmap_ascii");
    cellbuf_free(&b);
}

/* An app on root at w x h with its runs read. */
static void app_open(ui_app *a, const char *root, const char *exp_path, int w, int h)
{
    ui_app_init(a, root, exp_path, NULL);
    ui_app_resize(a, w, h);
    ui_app_update(a, true);
}

/* The app's screen into b (made at its size) and as text (to free). */
static char *app_screen(ui_app *a, cellbuf *b)
{
    cellbuf_init(b, a->w, a->h);
    ui_app_render(a, b);
    return cellbuf_to_text(b);
}

/* The heat map's row orders (s): farthest from y_m, most moved, data order;
 * the cursor stays on its sample. */
static void test_labels_order(void)
{
    ui_app a;
    app_open(&a, "results", NULL, 100, 30);
    ui_app_key(&a, 'j');
    ui_app_key(&a, '3');
    ui_app_key(&a, 'j');
    const rs_labels *L = &a.labels;
    int sample = a.lab_sample, n = a.norder, last = L->nep - 1;
    bool ok = n == 12 && a.lab_order == LAB_ORDER_DEVIATION;
    for (int k = 1; ok && k < n; k++)
        ok = fabsf(rs_labels_get(L, 0, last, a.order[k - 1]) - L->ym[a.order[k - 1]]) >=
             fabsf(rs_labels_get(L, 0, last, a.order[k]) - L->ym[a.order[k]]);
    tap_ok(ok, "heat map rows: farthest from y_m first by default");
    ui_app_key(&a, 's');
    double prev = INFINITY;
    ok = a.lab_order == LAB_ORDER_MOVED && a.lab_sample == sample && strstr(a.msg, "most moved first");
    for (int k = 0; ok && k < n; k++) {
        int i = a.order[k];
        double moved = 0;
        for (int e = 1; e < L->nep; e++)
            moved += fabs(rs_labels_get(L, 0, e, i) - rs_labels_get(L, 0, e - 1, i));
        ok = moved <= prev + 1e-6;
        prev = moved;
    }
    tap_ok(ok, "s: most moved first (total |change| of y_t), the cursor on its sample (%s)", a.msg);
    bool differs = false;
    for (int k = 0; k < n; k++)
        differs = differs || a.order[k] != k;
    ui_app_key(&a, 's');
    ok = a.lab_order == LAB_ORDER_DATA && a.lab_sample == sample;
    for (int k = 0; ok && k < n; k++)
        ok = a.order[k] == k;
    tap_ok(ok && differs, "s again: the data order");
    ui_app_key(&a, 's');
    tap_ok(a.lab_order == LAB_ORDER_DEVIATION, "s cycles back");
    /* x sorts by the next modality's labels */
    ui_app_key(&a, 'x');
    ok = a.lab_mod == 1;
    for (int k = 1; ok && k < n; k++)
        ok = fabsf(rs_labels_get(L, 1, last, a.order[k - 1]) - L->ym[a.order[k - 1]]) >=
             fabsf(rs_labels_get(L, 1, last, a.order[k]) - L->ym[a.order[k]]);
    tap_ok(ok, "x: rows ordered by y_a");
    ui_app_free(&a);
}

/* A dataset without unimodal labels: the inspector says so, and the
 * diagnostics panel stays away. */
static void test_labels_no_human(void)
{
    mkdir("plain", 0777);
    FILE *f = fopen("plain/label.csv", "w");
    fprintf(f, "video_id,clip_id,text,label,annotation,mode\n");
    for (int i = 0; i < 24; i++)
        fprintf(f, "clip%02d,%d,\"a clip number %d\",%.2f,,train\n", i / 2, (i / 2) % 3, i, -1.5 + 0.125 * i);
    fclose(f);
    mkdir("results_plain", 0777);
    write_run("results_plain", "plain-M-s1", "M", 1, 6, "done\n", 0.8, 1700000000);
    char *conf = slurp("results_plain/plain-M-s1/run.conf");
    char *d = conf ? strstr(conf, "dataset = data\n") : NULL;
    if (d) {
        f = fopen("results_plain/plain-M-s1/run.conf", "w");
        fprintf(f, "%.*sdataset = plain\n%s", (int)(d - conf), conf, d + strlen("dataset = data\n"));
        fclose(f);
    }
    free(conf);
    ui_app a;
    app_open(&a, "results_plain", "experiments/fixture.conf", 100, 30);
    ui_app_key(&a, '3');
    cellbuf b;
    char *txt = app_screen(&a, &b);
    tap_ok(txt && strstr(txt, "human none: plain has no unimodal labels") && !strstr(txt, "u_t") &&
               strstr(txt, "mean |y_s - y_m|"),
           "no unimodal labels: said plainly, no diagnostics panel");
    free(txt);
    golden(&b, "labels_no_human");
    cellbuf_free(&b);
    ui_app_free(&a);
}

static int count_runs(const char *root)
{
    rs_store st;
    rs_store_init(&st, root);
    rs_store_refresh(&st);
    int n = st.n;
    rs_store_free(&st);
    return n;
}

/* `r` on a done run asks first; y moves the old run to .attic and runs it
 * again under its id, so one configuration and seed count once. */
static void test_rerun_prompt(void)
{
    const char *root = "rerun";
    config c;
    config_defaults(&c, PRESET_SYNTH);
    c.max_epochs = 1;
    run_summary sum;
    sm_err err;
    tap_ok(run_execute(&c, NULL, root, "one", NULL, &sum, &err) == SM_OK, "a done run to re-run: %s", err.msg);
    ui_engine e;
    tap_ok(ui_engine_open(&e, NULL, root, 1, &err) == SM_OK, "an engine on its root: %s", err.msg);
    ui_backend be;
    ui_engine_backend(&e, &be);
    ui_app a;
    ui_app_init(&a, root, NULL, &be);
    ui_app_resize(&a, 120, 30);
    ui_app_update(&a, true);
    ui_app_key(&a, 'r');
    cellbuf b;
    char *text = app_screen(&a, &b);
    tap_ok(a.prompt == PROMPT_RERUN && text && strstr(text, "re-run one?") && strstr(text, ".attic"),
           "r on a done run asks first");
    free(text);
    ui_app_key(&a, 'n');
    ui_app_update(&a, true);
    struct stat sb;
    tap_ok(a.prompt == PROMPT_NONE && strstr(a.msg, "not re-run") && stat("rerun/.attic", &sb) != 0,
           "n: nothing happens (%s)", a.msg);
    ui_app_key(&a, 'r');
    ui_app_key(&a, 'y');
    tap_ok(strstr(a.msg, "again") && stat("rerun/.attic/one.1/status", &sb) == 0,
           "y: the old run is in .attic and the run is queued again (%s)", a.msg);
    for (double t0 = sm_now(); ui_app_active_jobs(&a) > 0 && sm_now() - t0 < 60;) {
        usleep(20000);
        ui_app_update(&a, true);
    }
    run_state s = RUN_FAILED;
    runstore rs;
    tap_ok(runstore_open(&rs, root, "one", &err) == SM_OK && runstore_status_read(&rs, &s, NULL, 0, &err) == SM_OK &&
               s == RUN_DONE,
           "the re-run is done under the same id");
    tap_ok(count_runs(root) == 1, "one run on the root, the old one not counted");
    cellbuf_free(&b);
    ui_app_free(&a);
    ui_engine_close(&e, false);
}

/* The experiment picker's backend: three files, one of which does not
 * load; switching hands over a plan of two rows. */
static sm_status fake_experiments(exp_listing **out, int *n, sm_err *err)
{
    (void)err;
    static const char *const names[3] = {"alpha", "beta", "broken"};
    *out = calloc(3, sizeof **out);
    *n = *out ? 3 : 0;
    for (int i = 0; i < *n; i++) {
        exp_listing *x = &(*out)[i];
        snprintf(x->name, sizeof x->name, "%s", names[i]);
        snprintf(x->dir, sizeof x->dir, "experiments");
        snprintf(x->path, sizeof x->path, "experiments/%s.conf", names[i]);
        x->runs = i == 2 ? -1 : 5 * (i + 1);
        snprintf(x->title, sizeof x->title, "%s",
                 i == 2 ? "experiments/broken.conf: line 3: unknown key 'colour'" : i ? "Beta runs" : "Alpha runs");
    }
    return SM_OK;
}

static int switched;

static bool fake_switch(void *ud, const char *path, ui_plan *plan, char *msg, size_t n)
{
    (void)ud;
    (void)msg;
    (void)n;
    static ui_plan_item items[2] = {{"beta-s1", "labels=mi"}, {"beta-s2", "labels=none"}};
    switched++;
    *plan = (ui_plan){items, 2, "", ""};
    return strstr(path, "beta") != NULL;
}

/* E opens the picker over the current view; Enter on a file that does not
 * load says why and stays; Enter on another switches to it. */
static void test_picker(void)
{
    ui_backend be = {.experiments = fake_experiments, .switch_experiment = fake_switch};
    ui_app a;
    ui_app_init(&a, "results", "experiments/alpha.conf", &be);
    ui_app_resize(&a, 100, 30);
    ui_app_update(&a, true);
    ui_app_key(&a, 'E');
    tap_ok(a.picker && a.npicker == 3 && a.picker_cur == 0, "E opens the picker on the current experiment");
    cellbuf b;
    cellbuf_init(&b, 100, 30);
    ui_app_render(&a, &b);
    golden(&b, "picker");
    ui_app_key(&a, 'G');
    ui_app_key(&a, UI_KEY_ENTER);
    tap_ok(a.picker && switched == 0 && a.msg_error && strstr(a.msg, "unknown key 'colour'"),
           "a file that does not load: its error, and the picker stays (%s)", a.msg);
    ui_app_key(&a, 'k');
    ui_app_key(&a, UI_KEY_ENTER);
    tap_ok(!a.picker && switched == 1 && !strcmp(a.experiment, "experiments/beta.conf") && a.nplan == 2,
           "Enter switches to beta: its plan of %d runs (%s)", a.nplan, a.msg);
    tap_ok(strstr(a.msg, "experiment beta: 10 runs in its grid") != NULL, "and says so: %s", a.msg);
    ui_app_key(&a, 'E');
    ui_app_key(&a, UI_KEY_ESC);
    tap_ok(!a.picker && !strcmp(a.experiment, "experiments/beta.conf"), "Esc closes it, the experiment stays");
    cellbuf_free(&b);
    ui_app_free(&a);
    ui_app_init(&a, "results", NULL, NULL);
    ui_app_key(&a, 'E');
    tap_ok(!a.picker && a.msg_error, "without a backend: no picker, a message (%s)", a.msg);
    ui_app_free(&a);
}

/* The engine's switch: to a plain experiment its plan; a search, or a file
 * that does not load, is refused and the old experiment stays. */
static void test_engine_switch(void)
{
    put(".", "sw-a.conf", "[experiment]\ndataset = synth:small\n[config]\nmax_epochs = 1\n");
    put(".", "sw-b.conf", "[experiment]\ndataset = synth:small\n[config]\nmax_epochs = 1\n"
                          "[grid]\nseed = 1..2\nlabels = mi | none\n");
    put(".", "sw-search.conf", "[experiment]\ndataset = synth:small\n[config]\nmax_epochs = 9\n"
                               "[search]\nmethod = random\ntrials = 3\nbatch_size = 16 | 32\n");
    put(".", "sw-bad.conf", "[experiment]\ndataset = synth:small\n[config]\ncolour = red\n");
    ui_engine e;
    sm_err err;
    tap_ok(ui_engine_open(&e, "sw-a.conf", "swres", 1, &err) == SM_OK && e.nplan == 1, "an engine on sw-a: %s",
           err.msg);
    ui_backend be;
    ui_engine_backend(&e, &be);
    ui_plan plan;
    char msg[512] = "";
    plan.n = 0;
    bool ok = be.switch_experiment(be.ud, "sw-b.conf", &plan, msg, sizeof msg);
    tap_ok(ok && plan.n == 4 && e.nplan == 4 && !strcmp(e.exp.path, "sw-b.conf"),
           "switched to sw-b: a plan of %d runs", plan.n);
    tap_ok(!be.switch_experiment(be.ud, "sw-search.conf", &plan, msg, sizeof msg) && strstr(msg, "a search") &&
               e.nplan == 4 && !strcmp(e.exp.path, "sw-b.conf"),
           "a search is refused, sw-b stays: %s", msg);
    tap_ok(!be.switch_experiment(be.ud, "sw-bad.conf", &plan, msg, sizeof msg) && strstr(msg, "colour") &&
               e.nplan == 4 && !strcmp(e.exp.path, "sw-b.conf"),
           "a file that does not load is refused, sw-b stays: %s", msg);
    ui_engine_close(&e, true);
}

int main(void)
{
    srcdir = getenv("top_srcdir");
    const char *bd = getenv("top_builddir");
    if (!srcdir || !bd)
        tap_skip_all("top_srcdir and top_builddir are not set (run through make check)");
    update = getenv("SELFMI_UPDATE_GOLDEN") != NULL;
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s/tests/unit/test_ui_screens.XXXXXX", bd);
    if (!mkdtemp(tmp) || chdir(tmp) != 0)
        tap_skip_all("cannot create a temporary directory");
    write_fixture("results");

    widgets();
    screen("runs", 120, 24, ":update", true);
    screen("runs_narrow", 64, 16, ":update", true);
    screen("runs_sorted_corr", 120, 24, "sssss", true);
    screen("runs_sorted_mae_reversed", 120, 24, "ssssS", true);
    screen("runs_filter", 100, 16, "/MTAV<Enter>", true);
    screen("runs_filter_again", 100, 16, "/MTAV<Enter>/M-<Enter>", true);
    screen("live", 120, 36, "2", true);
    screen("live_narrow", 70, 24, "2", true);
    screen("live_smooth_zoom", 100, 30, "2mz", true);
    screen("live_failed", 120, 30, "G2", true);
    screen("live_failed_narrow", 80, 24, "G2", true);
    screen("live_diagnostics", 160, 48, "j2", true);
    screen("live_diagnostics_focus", 100, 30, "j2hz", true);
    screen("labels", 120, 40, "3", true);
    screen("labels_search", 120, 40, "3/dull<Enter>n", true);
    screen("labels_sorted_moved", 100, 30, "j3s", true);
    screen("labels_diagnostics_epoch", 100, 30, "j3xhhhhhhhh", true);
    screen_mode("ascii_labels_diagnostics", 80, 24, "j3", true, true);
    test_labels_order();
    test_labels_no_human();
    screen("grid", 120, 20, "4", true);
    screen("compare", 120, 36, "j <Space>5", true);
    screen("compare_many_columns", 120, 36, "      5xxxx", true);
    /* two Grid rows (Space on each, then C): each its seeds' mean in a band,
     * smoothed with the EMA's next weight (M), on a log y axis */
    screen("compare_bands_smooth_logy", 120, 36, "4<Space><Space>CMy", true);
    screen("compare_bands_nocolor", 100, 30, "4<Space><Space>C", false);
    /* every view at the three sizes a user meets: 80x24, 100x30, 160x48 */
    {
        static const int sizes[][2] = {{80, 24}, {100, 30}, {160, 48}};
        static const char *const views[][2] = {{"runs", ":update"}, {"live", "2"}, {"labels", "j3"},
                                               {"grid", "4"}, {"compare", "j <Space>5"},
                                               {"compare_bands", "4<Space><Space>C"}};
        for (int s = 0; s < 3; s++)
            for (int v = 0; v < 6; v++) {
                char name[64];
                snprintf(name, sizeof name, "size_%s_%dx%d", views[v][0], sizes[s][0], sizes[s][1]);
                screen(name, sizes[s][0], sizes[s][1], views[v][1], true);
            }
    }
    test_picker();
    test_engine_switch();
    search_screens();
    screen("help", 100, 30, "?", true);
    screen("help_80", 80, 24, "?", true);
    screen("help_labels_160", 160, 48, "3?", true);
    screen("help_symbols", 100, 30, "?G", true);
    screen("nocolor_live", 100, 30, "2", false);
    screen("too_small", 50, 10, ":update", true);
    screen("resize", 80, 24, "2\n:resize 130x30\n", true);
    screen("nocolor_runs", 90, 16, ":update", false);
    screen_mode("ascii_live", 100, 30, "2", true, true);
    screen_mode("ascii_labels", 100, 30, "3", true, true);

    /* more runs selected than Compare overlays: said on screen */
    {
        mkdir("many", 0777);
        for (int i = 0; i < 18; i++) {
            char id[32];
            snprintf(id, sizeof id, "many-s%d", i + 1);
            write_run("many", id, "M", i + 1, 4, "done\n", 0.7 + 0.01 * i, 1700000000 + i);
        }
        ui_app m;
        ui_app_init(&m, "many", NULL, NULL);
        ui_app_resize(&m, 120, 30);
        ui_app_update(&m, true);
        for (int i = 0; i < 18; i++)
            ui_app_key(&m, ' ');
        ui_app_key(&m, '5');
        cellbuf mb;
        cellbuf_init(&mb, 120, 30);
        ui_app_render(&m, &mb);
        char *t = cellbuf_to_text(&mb);
        tap_ok(m.nselected == 18 && t && strstr(t, "showing 16 of the 18 runs selected: Compare overlays at most 16"),
               "Compare says it shows 16 of the 18 runs selected");
        free(t);
        cellbuf_free(&mb);
        ui_app_free(&m);
    }

    /* mouse: a click on a tab opens its view, a click on a row selects it */
    {
        ui_app m;
        ui_app_init(&m, "results", NULL, NULL);
        ui_app_resize(&m, 120, 30);
        ui_app_update(&m, true);
        cellbuf mb;
        cellbuf_init(&mb, 120, 30);
        ui_app_render(&m, &mb);
        ui_rect tab = m.tab_hit[VIEW_GRID];
        tap_ok(ui_app_click(&m, tab.x + 1, tab.y) && m.view == VIEW_GRID, "a click on the Grid tab opens it");
        ui_app_click(&m, m.tab_hit[VIEW_RUNS].x + 1, 0);
        ui_app_render(&m, &mb);
        tap_ok(ui_app_click(&m, 5, m.list_hit.y + 2) && m.cur == 2 && !strcmp(m.cur_id, m.rows[2].id),
               "a click on the third row selects it (%s)", m.cur_id);
        tap_ok(!ui_app_click(&m, 5, 29), "a click on the status line does nothing");
        cellbuf_free(&mb);
        ui_app_free(&m);
    }

    /* an export writes CSV and SVG beside the run and says where */
    ui_app a;
    app_open(&a, "results", NULL, 120, 30);
    ui_app_key(&a, '2');
    ui_app_key(&a, 'e');
    tap_ok(strstr(a.msg, "export-losses.csv") && strstr(a.msg, "export-losses.svg"), "export message: %s", a.msg);
    rs_run *r = ui_app_current_run(&a);
    char p[2048];
    snprintf(p, sizeof p, "%s/export-losses.svg", r ? r->dir : "?");
    char *svg = slurp(p);
    tap_ok(svg && strstr(svg, "<svg") && strstr(svg, "<polyline") && strstr(svg, "</svg>"), "SVG written");
    free(svg);
    snprintf(p, sizeof p, "%s/export-losses.csv", r ? r->dir : "?");
    char *csv = slurp(p);
    tap_ok(csv && !strncmp(csv, "\"epoch\",\"loss\",\"L17\",\"L_M\",\"L_task\"\n1,", 37), "CSV written with a header");
    free(csv);
    struct stat sb;
    tap_ok(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0644, "an export is mode 0644 (%o)",
           (unsigned)(sb.st_mode & 0777));
    /* the sample trajectory: one file per sample, with its id and y_m */
    ui_app_key(&a, '3');
    ui_app_key(&a, 'e');
    tap_ok(strstr(a.msg, "export-sample_trajectory-") != NULL, "Labels export names the sample: %s", a.msg);
    char tp[2100] = "";
    const char *tn = strstr(a.msg, "export-sample_trajectory-");
    if (tn && r) {
        snprintf(tp, sizeof tp, "%s/%.*s", r->dir, (int)strcspn(tn, " ;"), tn);
    }
    char *traj = tp[0] ? slurp(tp) : NULL;
    tap_ok(traj && strstr(traj, "\"id\",\"epoch\",\"y_t\",\"y_a\",\"y_v\",\"y_m\"\n") == traj,
           "trajectory CSV has the id and y_m columns (%s)", tp);
    free(traj);
    /* Compare's SVG title is the quantity, without the screen's key hint */
    ui_app_key(&a, '1');
    ui_app_key(&a, ' ');
    ui_app_key(&a, ' ');
    ui_app_key(&a, '5');
    ui_app_key(&a, 'e');
    char *csvg = slurp("results/export-compare-val_mae.svg");
    tap_ok(csvg && strstr(csvg, "val_mae per epoch") && !strstr(csvg, "x: next"), "Compare SVG title: no key hint");
    free(csvg);
    ui_app_key(&a, '4');
    ui_app_key(&a, 'e');
    tap_ok(access("results/export-grid.csv", R_OK) == 0, "Grid export: %s", a.msg);
    /* Grid rows in Compare: per row the seeds' mean, min and max per epoch
     * (row M: seeds 1 and 2 at 1.40 and 1.43 in epoch 1) */
    ui_app_free(&a);
    ui_app_init(&a, "results", NULL, NULL);
    ui_app_resize(&a, 120, 30);
    ui_app_update(&a, true);
    ui_app_key(&a, '4');
    ui_app_key(&a, ' ');
    ui_app_key(&a, 'C');
    tap_ok(a.view == VIEW_COMPARE && a.ncmp_rows == 1 && !strcmp(a.cmp_rows[0], "M"),
           "C in the Grid view opens Compare on the selected row (%d: %s)", a.ncmp_rows, a.cmp_rows[0]);
    ui_app_key(&a, 'e');
    char *bcsv = slurp("results/export-compare-val_mae.csv");
    double bm = 0, blo = 0, bhi = 0;
    const char *l1 = bcsv ? strchr(bcsv, '\n') : NULL;
    bool band_ok = bcsv && strstr(bcsv, "\"M mean\",\"M min\",\"M max\"") && l1 &&
                   sscanf(l1 + 1, "1,%lf,%lf,%lf", &bm, &blo, &bhi) == 3 && fabs(bm - 1.415) < 1e-9 &&
                   fabs(blo - 1.40) < 1e-9 && fabs(bhi - 1.43) < 1e-9;
    tap_ok(band_ok, "band export: epoch 1 of row M: mean %g, min %g, max %g", bm, blo, bhi);
    free(bcsv);
    char *bsvg = slurp("results/export-compare-val_mae.svg");
    tap_ok(bsvg && strstr(bsvg, "<polygon") && strstr(bsvg, "band min-max"), "band SVG: a filled band, titled");
    free(bsvg);
    ui_app_key(&a, '4');
    ui_app_key(&a, ' ');   /* selecting again: Compare shows runs */
    tap_ok(a.ncmp_rows == 0, "a new selection ends the bands");
    ui_app_key(&a, 'q');
    tap_ok(a.quit, "q quits when nothing runs");
    ui_app_free(&a);

    /* Ctrl-C with a run queued asks first; a second Ctrl-C cancels and quits */
    {
        ui_app c;
        ui_app_init(&c, "results", NULL, NULL);
        ui_app_resize(&c, 100, 30);
        c.jobs = calloc(2, sizeof *c.jobs);
        c.cap_jobs = 2;
        c.njobs = 2;
        c.jobs[0].state = RUN_QUEUED;
        c.jobs[1].state = RUN_RUNNING;
        ui_app_key(&c, UI_KEY_CTRL_C);
        tap_ok(!c.quit && c.prompt == PROMPT_QUIT, "Ctrl-C with runs in progress asks");
        cellbuf cb;
        cellbuf_init(&cb, 100, 30);
        ui_app_render(&c, &cb);
        char *txt = cellbuf_to_text(&cb);
        tap_ok(txt && strstr(txt, "1 running, 1 queued: c cancel them and quit"), "the question counts them");
        free(txt);
        ui_app_key(&c, UI_KEY_ESC);
        tap_ok(!c.quit && c.prompt == PROMPT_NONE, "Esc stays");
        ui_app_key(&c, UI_KEY_CTRL_C);
        ui_app_key(&c, UI_KEY_CTRL_C);
        tap_ok(c.quit && c.interrupted && c.cancelled_on_quit == 2, "a second Ctrl-C cancels both and quits");
        cellbuf_free(&cb);
        ui_app_free(&c);
    }
    /* a job that failed before it made its directory reads failed, with its reason in the row */
    {
        ui_app c;
        ui_app_init(&c, "results", NULL, NULL);
        ui_app_resize(&c, 100, 30);
        c.jobs = calloc(1, sizeof *c.jobs);
        c.cap_jobs = c.njobs = 1;
        c.jobs[0].state = RUN_FAILED;
        snprintf(c.jobs[0].run_id, sizeof c.jobs[0].run_id, "nodata-s1");
        snprintf(c.jobs[0].reason, sizeof c.jobs[0].reason, "data/nodata/label.csv: cannot open");
        ui_app_update(&c, true);
        ui_app_rebuild_rows(&c);
        cellbuf cb;
        cellbuf_init(&cb, 100, 30);
        ui_app_render(&c, &cb);
        char *txt = cellbuf_to_text(&cb);
        const char *line = txt ? strstr(txt, "nodata-s1") : NULL;
        const char *eol = line ? strchr(line, '\n') : NULL;
        bool ok = line && eol && (size_t)(eol - line) > 20 && memmem(line, (size_t)(eol - line), "cannot open", 11);
        tap_ok(ok && strstr(txt, "\xe2\x9c\x97 failed") != NULL, "a job failed without a directory: failed, reason in its row");
        free(txt);
        /* the Live view says failed with the reason, never "queued" */
        for (int k = 0; k < c.nrows && strcmp(ui_app_current(&c)->id, "nodata-s1"); k++)
            ui_app_key(&c, 'j');
        ui_app_key(&c, '2');
        ui_app_resize(&c, 80, 24);
        cellbuf_resize(&cb, 80, 24);
        ui_app_render(&c, &cb);
        txt = cellbuf_to_text(&cb);
        tap_ok(txt && strstr(txt, "\xe2\x9c\x97 failed: data/nodata/label.csv: cannot open") && !strstr(txt, "queued:"),
               "Live: a job failed without a directory says failed and why");
        free(txt);
        golden(&cb, "live_failed_unstarted");
        c.jobs[0].state = RUN_CANCELLED;
        ui_app_render(&c, &cb);
        txt = cellbuf_to_text(&cb);
        tap_ok(txt && strstr(txt, "cancelled before it started") && !strstr(txt, "queued:"),
               "Live: a job cancelled before its directory says so");
        free(txt);
        c.jobs[0].state = RUN_QUEUED;
        c.jobs[0].id = 0;
        ui_app_render(&c, &cb);
        txt = cellbuf_to_text(&cb);
        tap_ok(txt && strstr(txt, "queued: its curves appear when it starts"), "Live: a queued job says queued");
        free(txt);
        cellbuf_free(&cb);
        ui_app_free(&c);
    }

    /* once no process holds its lock, the running run reads as interrupted */
    runstore_lock_release(running_lock);
    rs_store st;
    rs_store_init(&st, "results");
    rs_store_refresh(&st);
    rs_run *mt = rs_store_find(&st, "selfmi-MT-s1");
    tap_ok(mt && mt->state == RUN_INTERRUPTED, "a running run whose lock nobody holds is interrupted (%s)",
           mt ? run_state_name(mt->state) : "missing");
    rs_store_free(&st);

    test_rerun_prompt();

    if (chdir(bd) == 0) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
        if (system(cmd) != 0)
            tap_diag("could not remove %s", tmp);
    }
    return tap_done();
}
