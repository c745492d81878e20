/* view_live.c: the Live view: the selected run's curves per epoch (losses,
 * CPC terms, validation MAE, Corr / Acc_2 / F1) in braille, the best-epoch
 * marker, the early-stop counter, EMA smoothing and log y. */
#include "config.h"
#include "ui/app.h"
#include "ui/fmt.h"
#include "ui/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ui_plotdata_free(ui_plotdata *d)
{
    if (!d)
        return;
    free(d->buf);
    memset(d, 0, sizeof *d);
}

typedef struct {
    const char *title, *slug;
    int n;
    const char *cols[6][3];   /* per series: column names summed (NULL-terminated) */
    const char *names[6];
    const char *alt[6];       /* column of the SIMS metric set */
} live_panel;

/* The four training panels, then the Self-MI diagnostics (shown when the
 * data has human unimodal labels: SIMS, synthetic data): the generated
 * u-labels' correlation with the human ones beside the floor y_m reaches,
 * and the correlation of the deviations y_s - y_m. */
static const live_panel panels[UI_LIVE_PANELS] = {
    {"training losses", "losses", 4,
     {{"loss"}, {"l17"}, {"l_m"}, {"task_t", "task_a", "task_v"}},
     {"loss", "L17", "L_M", "L_task"}, {0}},
    {"CPC terms L_N", "cpc", 3, {{"cpc_mt"}, {"cpc_ma"}, {"cpc_mv"}}, {"L_N mt", "L_N ma", "L_N mv"}, {0}},
    {"validation MAE", "val_mae", 1, {{RD_VAL(mae)}}, {"MAE"}, {0}},
    {"validation Corr, Acc_2, F1", "val_corr_acc", 3, {{RD_VAL(corr)}, {RD_VAL(acc2_has0)}, {RD_VAL(f1_has0)}},
     {"Corr", "Acc_2", "F1"}, {NULL, RD_VAL(acc2), RD_VAL(f1)}},
    {"u-labels vs human labels: r", "ulabel_corr", 6,
     {{"ul_corr_t"}, {"ul_corr_a"}, {"ul_corr_v"}, {"floor_corr_t"}, {"floor_corr_a"}, {"floor_corr_v"}},
     {"u t", "u a", "u v", "y_m t", "y_m a", "y_m v"}, {0}},
    {"deviations y_s - y_m vs human: r", "dev_corr", 3, {{"dev_corr_t"}, {"dev_corr_a"}, {"dev_corr_v"}},
     {"dev t", "dev a", "dev v"}, {0}},
};

int ui_live_npanels(const rs_run *run)
{
    const rs_table *E = run ? &run->epochs : NULL;
    int col = E ? rs_table_col(E, "ul_corr_t") : -1;
    for (int i = 0; col >= 0 && i < E->nrows; i++)
        if (isfinite(rs_table_get(E, i, col)))
            return UI_LIVE_PANELS;
    return 4;
}

bool ui_live_plot(const ui_app *a, const rs_run *run, int k, ui_plotdata *d)
{
    memset(d, 0, sizeof *d);
    if (k < 0 || k >= UI_LIVE_PANELS)
        return false;
    const live_panel *P = &panels[k];
    const rs_table *E = &run->epochs;
    int n = E->nrows;
    d->n = n;
    /* x, then per series raw and smoothed */
    d->buf = malloc((size_t)(n ? n : 1) * (1 + 2 * (size_t)P->n) * sizeof *d->buf);
    if (!d->buf)
        return false;
    double *x = d->buf;
    int ec = rs_table_col(E, "epoch");
    for (int i = 0; i < n; i++)
        x[i] = ec >= 0 ? rs_table_get(E, i, ec) : i + 1;
    d->csv_x = x;
    for (int s = 0; s < P->n; s++) {
        double *raw = d->buf + (size_t)n * (1 + 2 * (size_t)s), *sm = raw + n;
        for (int i = 0; i < n; i++) {
            double v = 0;
            bool any = false;
            for (int c = 0; c < 3 && P->cols[s][c]; c++) {
                int col = rs_table_col(E, P->cols[s][c]);
                if (col < 0 && P->alt[s])
                    col = rs_table_col(E, P->alt[s]);
                double y = rs_table_get(E, i, col);
                if (!isnan(y)) {
                    v += y;
                    any = true;
                }
            }
            raw[i] = any ? v : NAN;
        }
        snprintf(d->names[s], sizeof d->names[s], "%s", P->names[s]);
        d->csv_y[s] = raw;
        d->csv_name[s] = d->names[s];
        int16_t color = ui_series_colors[s % 8];
        if (a->smooth) {
            ui_ema(raw, sm, n, a->smooth_w);
            d->series[d->nseries++] = (ui_series){NULL, x, raw, n, color, true, false};
            d->series[d->nseries++] = (ui_series){d->names[s], x, sm, n, color, false, false};
        } else {
            d->series[d->nseries++] = (ui_series){d->names[s], x, raw, n, color, false, false};
        }
    }
    d->ncsv = P->n;
    int last = n - 1;
    double best = last >= 0 ? rs_table_getn(E, last, "best_epoch") : NAN;
    if (k == 2 && last >= 0) {
        double bv = rs_table_getn(E, last, "best_val_mae");
        if (!isnan(bv))
            d->hlines[d->nhlines++] = (ui_hline){bv, UI_YELLOW, NULL};
    }
    snprintf(d->title, sizeof d->title, "%s", P->title);
    snprintf(d->slug, sizeof d->slug, "%s", P->slug);
    d->plot = (ui_plot){.title = d->title, .series = d->series, .nseries = d->nseries, .hlines = d->hlines,
                        .nhlines = d->nhlines, .logy = a->logy, .integer_x = true,
                        .vmark = best > 0 ? best : NAN, .vmark_name = "best", .xcursor = NAN};
    return true;
}

static void draw_side(ui_app *a, cellbuf *b, ui_rect r, const rs_run *run, const job_info *job, run_state st)
{
    ui_style lab = ui_sty(UI_GREY, UI_DEFAULT, 0), val = UI_PLAIN, head = ui_sty(UI_DEFAULT, UI_DEFAULT, UI_BOLD);
    int y = r.y;
    const rs_table *E = &run->epochs;
    int last = E->nrows - 1;
    cellbuf_text(b, r.x, y++, r.w, head, run->id);
    cellbuf_text(b, r.x, y, r.w, lab, "status");
    cellbuf_printf(b, r.x + 11, y++, r.w - 11, ui_sty(ui_state_color(st), UI_DEFAULT, UI_BOLD), "%s %s",
                   ui_state_glyph(st, a->ascii), run_state_name(st));
    if (st == RUN_FAILED)   /* the reason, wrapped on up to three lines */
        y += cellbuf_text_wrap(b, r.x, y, r.w, 3, ui_sty(UI_RED, UI_DEFAULT, 0), rs_run_reason(run));
    int ep = last >= 0 ? (int)rs_table_getn(E, last, "epoch") : 0;
    cellbuf_text(b, r.x, y, r.w, lab, "epoch");
    cellbuf_printf(b, r.x + 11, y++, r.w - 11, val, "%d of %s", ep, rs_run_conf(run, "max_epochs", "?"));
    if (job && job->state == RUN_RUNNING && job->nbatches > 0) {
        cellbuf_text(b, r.x, y, r.w, lab, "batch");
        int bw = r.w - 11 - 8;
        cellbuf_printf(b, r.x + 11, y, 8, val, "%d/%d", job->batch, job->nbatches);
        for (int i = 0; i < bw && bw > 0; i++)
            cellbuf_put(b, r.x + 19 + i, y, a->ascii ? (i < bw * job->batch / job->nbatches ? '#' : '.')
                                                     : (i < bw * job->batch / job->nbatches ? 0x2588 : 0x2591),
                        ui_sty(UI_GREEN, UI_DEFAULT, 0));
        y++;
    }
    if (last >= 0) {
        double best = rs_table_getn(E, last, "best_epoch"), bv = rs_table_getn(E, last, "best_val_mae");
        double pat = rs_table_getn(E, last, "patience");
        int es = atoi(rs_run_conf(run, "early_stop", "0"));
        char t[32];
        cellbuf_text(b, r.x, y, r.w, lab, "best");
        fmt_num(t, sizeof t, bv, 8, 4);
        cellbuf_printf(b, r.x + 11, y++, r.w - 11, ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD), "epoch %d  MAE %s",
                       (int)best, t);
        /* the early-stop counter: k of early_stop epochs without improvement */
        cellbuf_text(b, r.x, y, r.w, lab, "patience");
        int x = r.x + 11 + cellbuf_printf(b, r.x + 11, y, r.w - 11, val, "%d of %d ", (int)pat, es);
        for (int i = 0; i < es && x < r.x + r.w; i++, x++)
            cellbuf_put(b, x, y, a->ascii ? (i < pat ? '#' : '.') : (i < pat ? 0x25A0 : 0x25A1),
                        ui_sty(i < pat ? (pat >= es - 1 ? UI_RED : UI_YELLOW) : UI_GREY, UI_DEFAULT, 0));
        y++;
        double secs = rs_table_getn(E, last, "seconds");
        fmt_duration(t, sizeof t, secs);
        cellbuf_text(b, r.x, y, r.w, lab, "epoch time");
        cellbuf_text(b, r.x + 11, y++, r.w - 11, val, t);
        y++;
        cellbuf_text(b, r.x, y++, r.w, head, "last epoch");
        static const char *const show[][2] = {{"loss", "loss"}, {"L17", "l17"}, {"val MAE", RD_VAL(mae)},
                                              {"val Corr", RD_VAL(corr)}};
        for (size_t i = 0; i < sizeof show / sizeof show[0] && y < r.y + r.h; i++) {
            fmt_num(t, sizeof t, rs_table_getn(E, last, show[i][1]), 9, 4);
            cellbuf_text(b, r.x, y, r.w, lab, show[i][0]);
            cellbuf_text(b, r.x + 11, y++, r.w - 11, val, t);
        }
        double drift[3] = {rs_table_getn(E, last, "drift_t"), rs_table_getn(E, last, "drift_a"),
                           rs_table_getn(E, last, "drift_v")};
        if (!isnan(drift[0]) && y < r.y + r.h) {
            cellbuf_text(b, r.x, y, r.w, lab, "drift");
            cellbuf_printf(b, r.x + 11, y++, r.w - 11, val, "%.3f %.3f %.3f", drift[0], drift[1], drift[2]);
        }
    }
    if (run->test.nrows > 0 && y + 2 < r.y + r.h) {
        y++;
        cellbuf_text(b, r.x, y++, r.w, head, "test (best epoch)");
        for (int c = 0; c < run->test.ncols && y < r.y + r.h; c++) {
            const char *nm = run->test.names[c];
            if (!strcmp(nm, "best_epoch") || !strcmp(nm, "epochs"))
                continue;
            char t[32];
            double v = rs_table_get(&run->test, 0, c);
            int mi = rd_metric_find(nm);   /* scale from rundir/columns.h */
            bool pct = mi >= 0 && rd_metrics[mi].scale == 100;
            fmt_num(t, sizeof t, pct ? 100 * v : v, 9, pct ? 2 : 4);
            /* test.csv's own column names, whole (mae_baseline: the
             * training mean's MAE, for scale), as Compare and report name them */
            cellbuf_text(b, r.x, y, 12, lab, nm);
            cellbuf_text(b, r.x + 13, y++, r.w - 13, val, t);
        }
    }
    if (y < r.y + r.h - 1) {
        y = r.y + r.h - 1;
        if (a->smooth)
            cellbuf_printf(b, r.x, y, r.w, lab, "smooth EMA %g  y %s", a->smooth_w, a->logy ? "log" : "linear");
        else
            cellbuf_printf(b, r.x, y, r.w, lab, "smooth off  y %s", a->logy ? "log" : "linear");
    }
}

/* What a row without curves is: its state (the Runs view's glyph), and
 * the reason a run failed as its directory or the queue records it. */
static void state_text(const ui_app *a, const ui_runrow *row, run_state st, char *buf, size_t n)
{
    const char *g = ui_state_glyph(st, a->ascii);
    const char *why = row->run && rs_run_reason(row->run)[0] ? rs_run_reason(row->run)
                      : row->job                              ? row->job->reason
                                                              : "";
    switch (st) {
    case RUN_QUEUED: snprintf(buf, n, "%s queued: its curves appear when it starts.", g); break;
    case RUN_RUNNING: snprintf(buf, n, "%s running: its curves appear after its first epoch.", g); break;
    case RUN_FAILED: snprintf(buf, n, "%s failed: %s", g, *why ? why : "no reason recorded"); break;
    case RUN_CANCELLED: snprintf(buf, n, "%s cancelled%s", g, row->run ? "" : " before it started"); break;
    case RUN_INTERRUPTED: snprintf(buf, n, "%s interrupted: r resumes it from its last checkpoint", g); break;
    default: snprintf(buf, n, "%s %s", g, run_state_name(st)); break;
    }
}

void ui_view_live(ui_app *a, cellbuf *b, ui_rect r)
{
    ui_runrow *row = ui_app_current(a);
    if (!row) {
        cellbuf_text(b, r.x + 2, r.y + 1, r.w - 4, ui_sty(UI_GREY, UI_DEFAULT, 0),
                     "No run selected: pick one in the Runs view (1), or press n there to start one.");
        return;
    }
    run_state st = ui_runrow_state(row);
    char what[700];
    state_text(a, row, st, what, sizeof what);
    if (!row->run || (row->run->epochs.nrows == 0 && st != RUN_RUNNING && st != RUN_QUEUED)) {
        /* no curves yet, or never: the run's state says why (a running
         * run's first epoch shows its batches in the side panel) */
        ui_style s = ui_sty(ui_state_color(st), UI_DEFAULT, UI_BOLD);
        int y = r.y + 1;
        cellbuf_text(b, r.x + 2, y++, r.w - 4, ui_sty(UI_DEFAULT, UI_DEFAULT, UI_BOLD), row->id);
        y += cellbuf_text_wrap(b, r.x + 2, y, r.w - 4, 4, s, what);
        if (row->run && (st == RUN_FAILED || st == RUN_CANCELLED))
            cellbuf_text(b, r.x + 2, y + 1, r.w - 4, ui_sty(UI_GREY, UI_DEFAULT, 0),
                         "r runs it again; the Runs view (1) lists the others.");
        return;
    }
    rs_run *run = row->run;
    ui_rect plots = r, side = {0, 0, 0, 0};
    if (r.w >= 100)
        ui_split_h(r, r.w - 32, 1, 30, &plots, &side);
    if (side.w > 0)
        draw_side(a, b, side, run, row->job, st);
    int np = ui_live_npanels(run);
    if (a->live_focus >= np)
        a->live_focus = 0;
    ui_rect pr[UI_LIVE_PANELS];
    int shown;
    if (a->live_zoom) {
        for (int i = 0; i < np; i++)
            pr[i] = (ui_rect){0, 0, 0, 0};
        pr[a->live_focus] = plots;
        shown = np;
    } else {
        shown = ui_layout_panels(plots, np, 36, 9, pr);
        if (shown < np && a->live_focus >= shown) {
            /* a small screen shows the focused panel first */
            ui_rect t = pr[0];
            for (int i = 0; i < np; i++)
                pr[i] = (ui_rect){0, 0, 0, 0};
            pr[a->live_focus] = t;
        }
    }
    for (int k = 0; k < np; k++) {
        if (pr[k].w <= 0 || pr[k].h <= 0)
            continue;
        ui_plotdata d;
        if (!ui_live_plot(a, run, k, &d))
            continue;
        d.plot.focused = k == a->live_focus;
        ui_plot_draw(b, pr[k], &d.plot);
        ui_plotdata_free(&d);
    }
    if (!side.w) {
        /* the early-stop counter, at least, on narrow screens */
        const rs_table *E = &run->epochs;
        int last = E->nrows - 1;
        if (st == RUN_FAILED || st == RUN_CANCELLED || st == RUN_INTERRUPTED) {
            /* a run that ended badly says so, with its reason */
            char t[720];
            snprintf(t, sizeof t, " %s ", what);
            char e[720];
            fmt_elide(e, sizeof e, t, r.w - 2, a->ascii);
            int tw = ui_text_width(e);
            cellbuf_text(b, r.x + r.w - tw - 1, r.y + r.h - 1, tw, ui_sty(ui_state_color(st), UI_DEFAULT, UI_BOLD), e);
        } else if (last >= 0) {
            char t[96];
            snprintf(t, sizeof t, " epoch %d  best %d  patience %d of %s ", (int)rs_table_getn(E, last, "epoch"),
                     (int)rs_table_getn(E, last, "best_epoch"), (int)rs_table_getn(E, last, "patience"),
                     rs_run_conf(run, "early_stop", "?"));
            int tw = ui_text_width(t);
            cellbuf_text(b, r.x + r.w - tw - 1, r.y + r.h - 1, tw, ui_sty(UI_YELLOW, UI_DEFAULT, 0), t);
        }
    }
}
