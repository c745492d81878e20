/* test_ui.c: the dashboard's pure functions at many sizes: number
 * formatting, table fitting, layout, axis ticks, braille rasterisation,
 * the cell grid, the key table, and the incremental results reader. */
#include "config.h"
#include "../tap.h"
#include "ui/cellbuf.h"
#include "ui/fmt.h"
#include "ui/keys.h"
#include "ui/layout.h"
#include "ui/plot.h"
#include "rundir/rundir.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_fmt(void)
{
    char b[64];
    fmt_num(b, sizeof b, 0.84213, 6, 3);
    tap_ok(!strcmp(b, "0.842"), "fmt_num 0.84213 w6 p3 -> %s", b);
    fmt_num(b, sizeof b, 0.84213, 4, 3);
    tap_ok(!strcmp(b, "0.84"), "fmt_num drops decimals to fit: %s", b);
    fmt_num(b, sizeof b, NAN, 6, 3);
    tap_ok(!strcmp(b, "-"), "NaN shows as '-'");
    fmt_num(b, sizeof b, INFINITY, 6, 3);
    tap_ok(!strcmp(b, "inf"), "inf");
    fmt_num(b, sizeof b, -INFINITY, 3, 3);
    tap_ok(!strcmp(b, "#"), "-inf in 3 columns does not fit: %s", b);
    fmt_num(b, sizeof b, -0.0001, 6, 2);
    tap_ok(strlen(b) <= 6 && b[0] == '-' && strchr(b, 'e'), "tiny negative keeps its sign in exponent form: %s", b);
    fmt_num(b, sizeof b, -0.0004, 8, 3);
    tap_ok(!strcmp(b, "-0.0004") || strchr(b, 'e'), "no '-0.000': %s", b);
    fmt_num(b, sizeof b, -0.00001, 8, 3);
    tap_ok(strcmp(b, "-0.000") != 0 && strcmp(b, "0.000") != 0, "a value never reads as zero: %s", b);
    fmt_num(b, sizeof b, 123456789.0, 6, 2);
    tap_ok(strlen(b) <= 6 && strchr(b, 'e'), "large value in exponent form: %s", b);
    fmt_num(b, sizeof b, 0.5, 8, 3);
    tap_ok(strchr(b, '.') && !strchr(b, ','), "decimal point whatever the locale: %s", b);
    /* width is a hard limit over many magnitudes and widths */
    int bad = 0;
    for (int w = 1; w <= 12; w++)
        for (int e = -12; e <= 12; e++)
            for (int s = -1; s <= 1; s += 2) {
                double v = s * 1.2345 * pow(10, e);
                fmt_num(b, sizeof b, v, w, 4);
                if ((int)strlen(b) > w)
                    bad++;
            }
    tap_ok(bad == 0, "fmt_num never exceeds the width (%d failures over 600 cases)", bad);
    fmt_duration(b, sizeof b, 3.25);
    tap_ok(!strcmp(b, "3.2s") || !strcmp(b, "3.3s"), "duration 3.25 -> %s", b);
    fmt_duration(b, sizeof b, 245);
    tap_ok(!strcmp(b, "4m05s"), "duration 245 -> %s", b);
    fmt_duration(b, sizeof b, 3720);
    tap_ok(!strcmp(b, "1h02m"), "duration 3720 -> %s", b);
    fmt_tick(b, sizeof b, 0.25, 0.25);
    tap_ok(!strcmp(b, "0.25"), "tick 0.25 step 0.25 -> %s", b);
    fmt_tick(b, sizeof b, 10, 5);
    tap_ok(!strcmp(b, "10"), "tick 10 step 5 -> %s", b);
    fmt_tick(b, sizeof b, 1e-17, 0.1);
    tap_ok(!strcmp(b, "0.0"), "tick near zero prints 0: %s", b);
}

static void test_table_fit(void)
{
    ui_col c[4] = {{4, 8, 10, false}, {10, 30, 100, true}, {6, 6, 50, false}, {6, 6, 5, false}};
    int w[4];
    int n = ui_table_fit(c, 4, 200, 1, w);
    tap_ok(n == 4 && w[0] == 8 && w[2] == 6 && w[3] == 6 && w[1] == 200 - 3 - 8 - 12,
           "wide: all shown, flex takes the rest (%d %d %d %d)", w[0], w[1], w[2], w[3]);
    n = ui_table_fit(c, 4, 25, 1, w);
    tap_ok(n == 3 && w[3] == 0, "narrow: lowest priority hidden first (n=%d, w3=%d)", n, w[3]);
    int bad = 0;
    for (int width = 0; width <= 120; width++) {
        n = ui_table_fit(c, 4, width, 1, w);
        int used = 0, k = 0;
        for (int i = 0; i < 4; i++)
            if (w[i]) {
                used += w[i] + (k ? 1 : 0);
                k++;
                if (w[i] < c[i].min)
                    bad++;
            }
        if (k != n || (n > 0 && used > width))
            bad++;
    }
    tap_ok(bad == 0, "table fit within 0..120 columns, minimums kept (%d failures)", bad);
}

static bool inside(ui_rect in, ui_rect out)
{
    return in.w == 0 || in.h == 0 ||
           (in.x >= out.x && in.y >= out.y && in.x + in.w <= out.x + out.w && in.y + in.h <= out.y + out.h);
}

static bool overlap(ui_rect a, ui_rect b)
{
    if (!a.w || !a.h || !b.w || !b.h)
        return false;
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static void test_layout(void)
{
    int bad = 0, small = 0, checked = 0;
    for (int w = 0; w <= 400; w += 7)
        for (int h = 0; h <= 150; h += 3) {
            ui_layout l;
            ui_layout_compute(&l, w, h);
            ui_rect scr = {0, 0, w, h};
            checked++;
            if (l.too_small != (w < UI_MIN_W || h < UI_MIN_H))
                bad++;
            if (l.too_small) {
                small++;
                if (l.status.h > 1 || !inside(l.status, scr))
                    bad++;
                continue;
            }
            ui_rect r[4] = {l.tabs, l.body, l.help, l.status};
            int rows = 0;
            for (int i = 0; i < 4; i++) {
                if (!inside(r[i], scr) || r[i].w != w)
                    bad++;
                rows += r[i].h;
                for (int j = i + 1; j < 4; j++)
                    if (overlap(r[i], r[j]))
                        bad++;
            }
            if (rows != h)
                bad++;
            /* panels of the Live view inside the body, never overlapping */
            ui_rect p[4];
            int n = ui_layout_panels(l.body, 4, 36, 9, p);
            if (n < 1 && l.body.w >= 36 && l.body.h >= 9)
                bad++;
            for (int i = 0; i < 4; i++) {
                if (!inside(p[i], l.body))
                    bad++;
                if (i < n && (p[i].w < 36 || p[i].h < 9))
                    bad++;
                for (int j = i + 1; j < 4; j++)
                    if (overlap(p[i], p[j]))
                        bad++;
            }
        }
    tap_ok(bad == 0, "layout at %d sizes (%d too small): rects inside, disjoint, covering (%d failures)", checked,
           small, bad);
    ui_rect p[4];
    tap_ok(ui_layout_panels((ui_rect){0, 1, 200, 60}, 4, 36, 9, p) == 4 && p[0].w == 100 && p[1].x == 100,
           "a large body shows four panels as 2x2");
    tap_ok(ui_layout_panels((ui_rect){0, 1, 40, 12}, 4, 36, 9, p) == 1, "a small body shows one panel");
    tap_ok(ui_layout_panels((ui_rect){0, 1, 30, 60}, 4, 36, 9, p) == 0, "too narrow for any panel");
    ui_rect a, b;
    ui_split_h((ui_rect){0, 0, 100, 10}, 70, 1, 20, &a, &b);
    tap_ok(a.w == 70 && b.x == 71 && b.w == 29, "split_h 70 + 1 + 29");
    ui_split_h((ui_rect){0, 0, 30, 10}, 70, 1, 20, &a, &b);
    tap_ok(a.w == 30 && b.w == 0, "split_h too narrow: the left side takes all");
}

static void test_ticks(void)
{
    ui_ticks t;
    ui_ticks_linear(&t, 0.13, 0.87, 6, false);
    tap_ok(t.lo <= 0.13 && t.hi >= 0.87 && t.n <= 6 && t.n >= 2, "linear ticks cover [0.13, 0.87] (%g..%g, %d)",
           t.lo, t.hi, t.n);
    tap_near(t.step, 0.2, 1e-12, "step 0.2");
    int bad = 0;
    for (int k = 0; k < 2000; k++) {
        double lo = (k % 37 - 18) * pow(10, k % 9 - 4), hi = lo + (k % 13 + 1) * pow(10, k % 7 - 3);
        int mx = 3 + k % 10;
        ui_ticks_linear(&t, lo, hi, mx, false);
        double m = t.step / pow(10, floor(log10(t.step)));
        bool nice = fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 2.5) < 1e-9 || fabs(m - 5) < 1e-9;
        if (t.lo > lo + 1e-9 * fabs(lo) || t.hi < hi - 1e-9 * fabs(hi) || t.n > mx || t.n < 2 || !nice)
            bad++;
        for (int i = 1; i < t.n; i++)
            if (!(t.v[i] > t.v[i - 1]))
                bad++;
    }
    tap_ok(bad == 0, "2000 random ranges: ticks cover, nice steps, at most max, increasing (%d failures)", bad);
    ui_ticks_linear(&t, 5, 5, 5, false);
    tap_ok(t.n >= 2 && t.lo < 5 && t.hi > 5, "degenerate range widened (%g..%g)", t.lo, t.hi);
    ui_ticks_linear(&t, NAN, 3, 5, false);
    tap_ok(t.n >= 2 && isfinite(t.lo), "NaN input gives a sane range");
    ui_ticks_linear(&t, 1, 37, 8, true);
    bool ints = true;
    for (int i = 0; i < t.n; i++)
        ints = ints && t.v[i] == floor(t.v[i]);
    tap_ok(ints && t.step >= 1, "epoch ticks are integers (step %g)", t.step);
    ui_ticks_log(&t, 0.003, 40, 8);
    tap_ok(t.log && t.lo <= 0.003 && t.hi >= 40 && t.n <= 8, "log ticks cover 0.003..40 (%g..%g, %d)", t.lo, t.hi,
           t.n);
    tap_near(t.v[1] / t.v[0], pow(10, t.step), 1e-9, "log ticks are powers of ten apart");
    ui_ticks_log(&t, 0.3, 0.9, 8);
    tap_ok(t.n >= 2 && t.lo <= 0.3 && t.hi >= 0.9 && t.hi <= 1.0 + 1e-12, "log ticks within a decade use 1-2-5 (%g..%g)",
           t.lo, t.hi);
}

static void test_braille(void)
{
    tap_ok(ui_braille(0x01) == 0x2801 && ui_braille(0xFF) == 0x28FF, "braille code points");
    tap_ok(ui_braille_bit(0, 0) == 0x01 && ui_braille_bit(0, 3) == 0x40 && ui_braille_bit(1, 0) == 0x08 &&
               ui_braille_bit(1, 3) == 0x80 && ui_braille_bit(1, 2) == 0x20,
           "dot numbering 1-2-3-7 / 4-5-6-8");
    ui_canvas c;
    ui_canvas_init(&c, 3, 2, false);
    tap_ok(c.dw == 6 && c.dh == 8, "canvas 3x2 cells = 6x8 dots");
    ui_canvas_line(&c, 0, 0, 5, 7, UI_PLAIN, '*');
    int dots = 0;
    for (int i = 0; i < 6; i++)
        for (int b = 0; b < 8; b++)
            dots += (c.dots[i] >> b) & 1;
    tap_ok(dots == 8, "a line over 8 rows sets 8 dots (%d)", dots);
    tap_ok((c.dots[0] & 0x01) && (c.dots[5] & 0x80), "its ends are set");
    ui_canvas_set(&c, -1, 0, UI_PLAIN, '*');
    ui_canvas_set(&c, 6, 8, UI_PLAIN, '*');
    tap_ok(1, "dots outside are dropped without harm");
    cellbuf b;
    cellbuf_init(&b, 5, 3);
    ui_canvas_blit(&c, &b, 1, 1);
    tap_ok(cellbuf_at(&b, 1, 1)->ch >= 0x2800 && cellbuf_at(&b, 1, 1)->ch <= 0x28FF && cellbuf_at(&b, 0, 0)->ch == ' ',
           "blit puts braille where dots are");
    ui_canvas_free(&c);
    ui_canvas_init(&c, 4, 2, true);
    tap_ok(c.dw == 4 && c.dh == 2, "ASCII canvas: one dot per cell");
    ui_canvas_set(&c, 2, 1, UI_PLAIN, '+');
    cellbuf_clear(&b);
    ui_canvas_blit(&c, &b, 0, 0);
    tap_ok(cellbuf_at(&b, 2, 1)->ch == '+', "ASCII canvas draws its glyph");
    ui_canvas_free(&c);
    cellbuf_free(&b);
    double in[5] = {1, 1, 1, 1, 1}, out[5];
    ui_ema(in, out, 5, 0.6);
    tap_near(out[0], 1, 1e-12, "EMA is debiased: first value kept");
    double in2[4] = {0, NAN, 10, 10}, out2[4];
    ui_ema(in2, out2, 4, 0.5);
    tap_ok(isnan(out2[1]) && out2[2] > 0 && out2[2] < 10, "EMA skips NaN");
}

static void test_cellbuf(void)
{
    cellbuf b;
    cellbuf_init(&b, 10, 2);
    int n = cellbuf_text(&b, 0, 0, -1, UI_PLAIN, "hello world, long");
    tap_ok(n == 10, "text clipped at the edge (%d)", n);
    n = cellbuf_text(&b, 0, 1, 5, UI_PLAIN, "\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97");
    tap_ok(n == 4 && cellbuf_at(&b, 1, 1)->ch == UI_WIDE_CONT, "wide characters take two columns; a half does not fit (%d)", n);
    char *t = cellbuf_to_text(&b);
    tap_ok(t && !strcmp(t, "hello worl\n\xe4\xb8\xad\xe6\x96\x87\n"), "to_text: UTF-8 lines, trailing spaces trimmed");
    free(t);
    cellbuf_put(&b, 1, 1, 'x', UI_PLAIN);
    tap_ok(cellbuf_at(&b, 0, 1)->ch == ' ', "overwriting half of a wide char blanks it");
    tap_ok(ui_text_width("a\xe4\xb8\xad" "b") == 4, "text width counts wide chars twice");
    tap_ok(ui_text_width("e\xcc\x81") == 1, "combining marks take no column");
    cellbuf_resize(&b, 0, 0);
    cellbuf_text(&b, 0, 0, -1, UI_PLAIN, "x");
    cellbuf_box(&b, (ui_rect){0, 0, 5, 5}, UI_PLAIN, "t");
    tap_ok(1, "drawing on a 0x0 grid is harmless");
    cellbuf_resize(&b, 6, 3);
    b.ascii = true;
    cellbuf_box(&b, (ui_rect){0, 0, 6, 3}, UI_PLAIN, NULL);
    t = cellbuf_to_text(&b);
    tap_ok(t && !strcmp(t, "+----+\n|    |\n+----+\n"), "ASCII box");
    free(t);
    uint32_t cp;
    tap_ok(ui_utf8_decode("\xff", &cp) == 1 && cp == 0xFFFD, "invalid UTF-8 decodes to U+FFFD");
    tap_ok(ui_utf8_decode("\xc0\xaf", &cp) == 2 && cp == 0xFFFD, "overlong UTF-8 rejected");
    cellbuf_free(&b);
}

static void test_keys(void)
{
    /* every request has a key and a help text */
    int missing = 0;
    for (int r = 1; r < REQ_COUNT; r++) {
        bool bound = false;
        for (int i = 0; i < ui_nbindings; i++)
            bound = bound || (int)ui_bindings[i].req == r;
        if (!bound || !*ui_request_help((ui_request)r))
            missing++;
    }
    tap_ok(missing == 0, "every request is bound and documented (%d missing)", missing);
    /* no key means two things in one view */
    int clash = 0;
    for (int i = 0; i < ui_nbindings; i++)
        for (int j = i + 1; j < ui_nbindings; j++)
            if (ui_bindings[i].key == ui_bindings[j].key && (ui_bindings[i].views & ui_bindings[j].views))
                clash++;
    tap_ok(clash == 0, "no key bound twice in one view (%d clashes)", clash);
    tap_ok(ui_key_request('q', VIEW_GRID) == REQ_QUIT && ui_key_request(UI_KEY_F10, VIEW_RUNS) == REQ_QUIT,
           "q and F10 quit");
    tap_ok(ui_key_request('n', VIEW_RUNS) == REQ_NEW && ui_key_request('n', VIEW_LABELS) == REQ_SEARCH_NEXT &&
               ui_key_request('n', VIEW_GRID) == REQ_NEW_GRID,
           "n: new run (Runs), next match (Labels), start grid (Grid)");
    tap_ok(ui_key_request('j', VIEW_RUNS) == REQ_DOWN && ui_key_request('k', VIEW_LIVE) == REQ_UP, "hjkl");
    char name[32];
    ui_request_name(REQ_SEARCH_NEXT, name, sizeof name);
    tap_ok(!strcmp(name, "search-next"), "request names: %s", name);
    uint32_t k;
    tap_ok(ui_key_parse("<Enter>x", &k) == 7 && k == UI_KEY_ENTER, "parse <Enter>");
    tap_ok(ui_key_parse("<c-l>", &k) == 5 && k == UI_KEY_CTRL_L, "parse <C-l> case-insensitively");
    tap_ok(ui_key_parse("<", &k) == 1 && k == '<', "a lone < is the key <");
    ui_key_name(' ', name, sizeof name);
    tap_ok(!strcmp(name, "Space"), "key name Space");
}

static void write_file(const char *path, const char *text, const char *mode)
{
    FILE *f = fopen(path, mode);
    fputs(text, f);
    fclose(f);
}

static void test_results(const char *tmp)
{
    char dir[2048], p[4096];
    snprintf(dir, sizeof dir, "%s/root/run-a", tmp);
    char root[1024];
    snprintf(root, sizeof root, "%s/root", tmp);
    mkdir(root, 0777);
    mkdir(dir, 0777);
    snprintf(p, sizeof p, "%s/epochs.csv", dir);
    write_file(p, "epoch,seconds,val_mae\n1,0.5,1.25\n2,0.5,1.10\n", "w");
    rs_table t;
    memset(&t, 0, sizeof t);
    tap_ok(rs_table_update(&t, p) && t.nrows == 2 && t.ncols == 3, "table read: 2 rows, 3 columns");
    tap_near(rs_table_getn(&t, 1, "val_mae"), 1.10, 1e-12, "value by column name");
    tap_ok(!rs_table_update(&t, p), "unchanged file: no re-read");
    off_t off = t.offset;
    write_file(p, "3,0.5,1.0", "a");   /* a row being written: no newline yet */
    usleep(10000);
    rs_table_update(&t, p);
    tap_ok(t.nrows == 2 && t.offset == off, "a partial row is not read");
    write_file(p, "5\n4,0.5,nan\n", "a");
    rs_table_update(&t, p);
    tap_ok(t.nrows == 4, "appended rows read incrementally (%d rows)", t.nrows);
    tap_near(rs_table_getn(&t, 2, "val_mae"), 1.05, 1e-12, "the completed row is whole");
    tap_ok(isnan(rs_table_getn(&t, 3, "val_mae")), "nan reads as NaN");
    char tmpf[4200];
    snprintf(tmpf, sizeof tmpf, "%s.tmp", p);
    write_file(tmpf, "epoch,val_mae\n7,0.5\n", "w");
    rename(tmpf, p);
    rs_table_update(&t, p);
    tap_ok(t.nrows == 1 && t.ncols == 2 && rs_table_getn(&t, 0, "epoch") == 7, "a replaced file is read afresh");
    unlink(p);
    tap_ok(rs_table_update(&t, p) && t.nrows == 0, "a removed file empties the table");
    rs_table_free(&t);

    /* a run directory and the store */
    snprintf(p, sizeof p, "%s/run.conf", dir);
    write_file(p, "# resolved\ndataset = synth:small\nseed = 7\ntasks = M,T,A,V\n", "w");
    snprintf(p, sizeof p, "%s/status", dir);
    write_file(p, "failed: non-finite loss at epoch 3 batch 1\n", "w");
    rs_store s;
    rs_store_init(&s, root);
    tap_ok(rs_store_refresh(&s) && s.n == 1, "store finds the run");
    rs_run *r = s.runs[0];
    tap_ok(r->state == RUN_FAILED && !strcmp(r->reason, "non-finite loss at epoch 3 batch 1"), "failed status and reason");
    tap_ok(!strcmp(rs_run_conf(r, "seed", ""), "7") && !strcmp(rs_run_conf(r, "tasks", ""), "M,T,A,V"),
           "run.conf values");
    tap_ok(!rs_store_refresh(&s), "nothing changed: refresh reports no change");
    char dir2[2048];
    snprintf(dir2, sizeof dir2, "%s/run-b", root);
    mkdir(dir2, 0777);
    snprintf(p, sizeof p, "%s/status", dir2);
    write_file(p, "running\n", "w");
    tap_ok(rs_store_refresh(&s) && s.n == 2, "a new run directory shows up");
    unlink(p);
    rmdir(dir2);
    tap_ok(rs_store_refresh(&s) && s.n == 1, "a removed run disappears");
    char reason[64];
    run_state ps;
    tap_ok(run_status_parse("done\n", &ps, reason, sizeof reason) && ps == RUN_DONE &&
               run_status_parse("cancelled", &ps, NULL, 0) && ps == RUN_CANCELLED &&
               !run_status_parse("donut", &ps, NULL, 0) && !run_status_parse("done x", &ps, NULL, 0),
           "status words: one parser (done x is refused)");
    rs_store_free(&s);

    /* labels.csv: epochs x samples, appended per epoch */
    snprintf(p, sizeof p, "%s/labels.csv", dir);
    write_file(p, "epoch,row,id,y_m,y_t,y_a,y_v,r_t,r_a,r_v\n"
                  "1,4,\"v$_$1\",1.5,1.4,1.3,1.2,0,0,0\n"
                  "1,9,\"v$_$2\",-0.5,-0.4,-0.3,-0.2,0,0,0\n", "w");
    rs_labels l;
    rs_labels_init(&l);
    tap_ok(rs_labels_update(&l, p) && l.nep == 1 && l.nsamp == 2, "labels: 1 epoch, 2 samples");
    write_file(p, "2,9,\"v$_$2\",-0.5,-0.1,-0.3,-0.2,0,0,0\n2,4,\"v$_$1\",1.5,1.0,1.3,1.2,0,0,0\n", "a");
    tap_ok(rs_labels_update(&l, p) && l.nep == 2 && l.nsamp == 2, "labels: a second epoch appended");
    tap_near(rs_labels_get(&l, 0, 1, 0), 1.0, 1e-6, "sample matched by row, not by order");
    tap_near(rs_labels_get(&l, 0, 1, 1), -0.1, 1e-6, "second sample's y_t at epoch 2");
    tap_ok(!strcmp(l.ids[1], "v$_$2") && l.row[1] == 9, "ids and rows kept");
    rs_labels_free(&l);
}

int main(void)
{
    const char *bd = getenv("top_builddir");
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s/tests/unit/test_ui.XXXXXX", bd ? bd : ".");
    if (!mkdtemp(tmp)) {
        snprintf(tmp, sizeof tmp, "test_ui.XXXXXX");
        if (!mkdtemp(tmp))
            tap_skip_all("cannot create a temporary directory");
    }
    test_fmt();
    test_table_fit();
    test_layout();
    test_ticks();
    test_braille();
    test_cellbuf();
    test_keys();
    test_results(tmp);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", tmp);
    return tap_done();
}
