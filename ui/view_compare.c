/* view_compare.c: the Compare view: the selected runs side by side: the
 * configuration keys in which they differ, the test metrics with deltas
 * against the first run, and one curve overlaid per run. Opened on Grid
 * rows (C in the Grid view), each row is its seeds: the test metrics'
 * mean and sample SD, and one curve per row, the seeds' mean per epoch
 * with a band from their minimum to their maximum. Smoothing is the Live
 * view's EMA (ui_ema), applied to each run before the seeds are pooled. */
#include "config.h"
#include "ui/app.h"
#include "ui/fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMP_MAX 16                          /* runs overlaid */
#define CMP_MAX_ROWS UI_CMP_MAX_ROWS           /* Grid rows */

/* What Compare shows: runs, or Grid rows (band). */
typedef struct {
    bool band;
    rs_run *runs[CMP_MAX];
    ui_gridrow *rows[CMP_MAX_ROWS];
    int n;                 /* runs, or rows, shown */
    int wanted;            /* runs, or rows, asked for (more than shown: said on screen) */
} cmp_items;

/* The run whose epochs.csv names the quantities. */
static const rs_run *first_run(const cmp_items *it)
{
    if (!it->band)
        return it->n ? it->runs[0] : NULL;
    for (int i = 0; i < it->n; i++)
        if (it->rows[i]->nruns)
            return it->rows[i]->runs[0];
    return NULL;
}

/* The quantity overlaid: any column of the first run's epochs.csv (but the
 * epoch), from val_mae on; x steps through them. */
static const char *compare_quantity(const ui_app *a, const rs_run *r0)
{
    const rs_table *E = &r0->epochs;
    int start = -1, n = 0;
    for (int c = 0; c < E->ncols; c++)
        if (strcmp(E->names[c], "epoch") != 0) {
            if (!strcmp(E->names[c], "val_mae"))
                start = n;
            n++;
        }
    if (n == 0)
        return "val_mae";
    int k = (((start < 0 ? 0 : start) + a->cmp_metric) % n + n) % n;
    for (int c = 0; c < E->ncols; c++)
        if (strcmp(E->names[c], "epoch") != 0 && k-- == 0)
            return E->names[c];
    return "val_mae";
}

static void compare_items(ui_app *a, cmp_items *it)
{
    memset(it, 0, sizeof *it);
    if (a->ncmp_rows > 0) {
        it->band = true;
        it->wanted = a->ncmp_rows_asked > a->ncmp_rows ? a->ncmp_rows_asked : a->ncmp_rows;
        for (int k = 0; k < a->ncmp_rows; k++)
            for (int i = 0; i < a->ngrid && it->n < CMP_MAX_ROWS; i++)
                if (!strcmp(a->grid[i].key, a->cmp_rows[k]) && a->grid[i].nruns > 0)
                    it->rows[it->n++] = &a->grid[i];
        return;
    }
    for (int i = 0; i < a->nselected; i++) {
        rs_run *r = rs_store_find(&a->store, a->selected[i]);
        if (r && it->n < CMP_MAX)
            it->runs[it->n++] = r;
        it->wanted += r != NULL;
    }
    if (it->n == 0) {
        rs_run *r = ui_app_current_run(a);
        if (r)
            it->runs[it->n++] = r;
        it->wanted = it->n;
    }
}

/* Column metric of E (NaN where missing) into y (len). */
static void epoch_column(const rs_table *E, const char *metric, double *y, int len)
{
    int col = rs_table_col(E, metric);
    for (int e = 0; e < len; e++)
        y[e] = rs_table_get(E, e, col);
}

static void plot_titles(const ui_app *a, const char *metric, const char *what, ui_plotdata *d)
{
    char sm[32] = "";
    if (a->smooth)
        snprintf(sm, sizeof sm, ", EMA %g", a->smooth_w);
    snprintf(d->title, sizeof d->title, "%s per epoch%s%s", metric, what, sm);
    snprintf(d->slug, sizeof d->slug, "compare-%s", metric);
    d->plot = (ui_plot){.title = d->title, .series = d->series, .nseries = d->nseries, .bands = d->bands,
                        .nbands = d->nbands, .logy = a->logy, .integer_x = true, .vmark = NAN, .xcursor = NAN};
}

/* One line per run; smoothed, the raw line stays faint beneath. */
static bool plot_runs(ui_app *a, const cmp_items *it, const char *metric, ui_plotdata *d)
{
    int n = it->n, len = 0;
    for (int i = 0; i < n; i++)
        len = it->runs[i]->epochs.nrows > len ? it->runs[i]->epochs.nrows : len;
    d->n = len;
    d->buf = malloc((size_t)(len ? len : 1) * (1 + 2 * (size_t)n) * sizeof *d->buf);
    if (!d->buf)
        return false;
    double *x = d->buf;
    for (int e = 0; e < len; e++)
        x[e] = e + 1;
    d->csv_x = x;
    for (int i = 0; i < n; i++) {
        double *y = d->buf + (size_t)len * (1 + 2 * (size_t)i), *sm = y + len;
        epoch_column(&it->runs[i]->epochs, metric, y, len);
        snprintf(d->names[i], sizeof d->names[i], "%d %.40s", i + 1, it->runs[i]->id);
        d->csv_y[i] = y;
        d->csv_name[i] = it->runs[i]->id;
        int16_t c = ui_series_colors[i % 8];
        if (a->smooth) {
            ui_ema(y, sm, len, a->smooth_w);
            if (d->nseries + 2 * (n - i) <= UI_PLOT_MAX_SERIES)   /* the raw line while there is room */
                d->series[d->nseries++] = (ui_series){NULL, x, y, len, c, true, false};
            d->series[d->nseries++] = (ui_series){d->names[i], x, sm, len, c, false, false};
        } else
            d->series[d->nseries++] = (ui_series){d->names[i], x, y, len, c, false, false};
    }
    d->ncsv = n;
    plot_titles(a, metric, "", d);
    return true;
}

/* One line per Grid row: its seeds' mean per epoch (over the seeds that
 * reached the epoch), in a band from their minimum to their maximum. */
static bool plot_bands(ui_app *a, const cmp_items *it, const char *metric, ui_plotdata *d)
{
    int n = it->n, len = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < it->rows[i]->nruns; j++)
            len = it->rows[i]->runs[j]->epochs.nrows > len ? it->rows[i]->runs[j]->epochs.nrows : len;
    d->n = len;
    /* x, two scratch series and the seeds' count, then mean, min, max per row */
    d->buf = malloc((size_t)(len ? len : 1) * (4 + 3 * (size_t)n) * sizeof *d->buf);
    if (!d->buf)
        return false;
    double *x = d->buf, *tmp = x + len, *y = tmp + len, *cnt = y + len;
    for (int e = 0; e < len; e++)
        x[e] = e + 1;
    d->csv_x = x;
    for (int i = 0; i < n; i++) {
        const ui_gridrow *g = it->rows[i];
        double *mean = d->buf + (size_t)len * (4 + 3 * (size_t)i), *lo = mean + len, *hi = lo + len;
        for (int e = 0; e < len; e++) {
            mean[e] = cnt[e] = 0;
            lo[e] = INFINITY;
            hi[e] = -INFINITY;
        }
        for (int j = 0; j < g->nruns; j++) {
            epoch_column(&g->runs[j]->epochs, metric, tmp, len);
            if (a->smooth)
                ui_ema(tmp, y, len, a->smooth_w);
            else
                memcpy(y, tmp, (size_t)len * sizeof *y);
            for (int e = 0; e < len; e++)
                if (isfinite(y[e])) {
                    mean[e] += y[e];
                    cnt[e]++;
                    lo[e] = fmin(lo[e], y[e]);
                    hi[e] = fmax(hi[e], y[e]);
                }
        }
        for (int e = 0; e < len; e++)
            if (cnt[e] > 0)
                mean[e] /= cnt[e];
            else
                mean[e] = lo[e] = hi[e] = NAN;
        int16_t c = ui_series_colors[i % 8];
        snprintf(d->names[i], sizeof d->names[i], "%d %.40s (%d)", i + 1, g->label, g->nruns);
        d->bands[d->nbands++] = (ui_band){x, lo, hi, len, c};
        d->series[d->nseries++] = (ui_series){d->names[i], x, mean, len, c, false, false};
        static const char *const part[3] = {"mean", "min", "max"};
        for (int k = 0; k < 3; k++) {
            snprintf(d->colnames[3 * i + k], sizeof d->colnames[0], "%.80s %s", g->label, part[k]);
            d->csv_y[3 * i + k] = mean + (size_t)k * (size_t)len;
            d->csv_name[3 * i + k] = d->colnames[3 * i + k];
        }
    }
    d->ncsv = 3 * n;
    plot_titles(a, metric, ", seeds' mean, band min-max", d);
    return true;
}

static bool compare_plot(ui_app *a, const cmp_items *it, ui_plotdata *d)
{
    memset(d, 0, sizeof *d);
    const rs_run *r0 = first_run(it);
    if (!r0)
        return false;
    const char *metric = compare_quantity(a, r0);
    return it->band ? plot_bands(a, it, metric, d) : plot_runs(a, it, metric, d);
}

/* The Grid rows' header lines: seeds, then the test metrics' mean and SD
 * with the difference of means against row 1; returns the next y. */
static int band_tables(ui_app *a, cellbuf *b, ui_rect r, const cmp_items *it, int kw, int cw, int y, int budget)
{
    ui_style head = ui_sty(UI_DEFAULT, UI_DEFAULT, UI_BOLD | UI_UNDERLINE), grey = ui_sty(UI_GREY, UI_DEFAULT, 0);
    cellbuf_text(b, r.x, y, kw - 1, grey, "seeds");
    for (int i = 0; i < it->n; i++) {
        const ui_gridrow *g = it->rows[i];
        if (g->nexpected)
            cellbuf_printf(b, r.x + kw + i * cw, y, cw - 1, UI_PLAIN, "%d run%s, %d/%d done", g->nruns,
                           g->nruns == 1 ? "" : "s", g->ndone, g->nexpected);
        else
            cellbuf_printf(b, r.x + kw + i * cw, y, cw - 1, UI_PLAIN, "%d run%s, %d done", g->nruns,
                           g->nruns == 1 ? "" : "s", g->ndone);
    }
    y++;
    cellbuf_text(b, r.x, y, kw, head, "test metric");
    for (int i = 0; i < it->n; i++)
        cellbuf_text(b, r.x + kw + i * cw, y, cw - 1, head, i ? "mean, sd (delta)" : "mean, sd");
    y++;
    for (int m = 0; m < a->ngrid_metrics && m < budget; m++) {
        const report_metric *me = &a->grid_mdef[m];
        cellbuf_printf(b, r.x, y, kw - 1, grey, "%s%s", me->title, me->scale == 100 ? " %" : "");
        double v0 = it->rows[0]->mean[m];
        for (int i = 0; i < it->n; i++) {
            const ui_gridrow *g = it->rows[i];
            char t[48], dt[32] = "";
            report_fmt_pm(t, sizeof t, g->mean[m], g->std[m], me->decimals, "", 0, a->ascii);
            ui_style s = UI_PLAIN;
            if (i > 0 && !isnan(g->mean[m]) && !isnan(v0)) {
                double dlt = g->mean[m] - v0;
                snprintf(dt, sizeof dt, " (%+.*f)", me->decimals, dlt);
                bool better = me->lower_better ? dlt < 0 : dlt > 0;
                s = ui_sty(dlt == 0 ? UI_DEFAULT : better ? UI_GREEN : UI_RED, UI_DEFAULT, 0);
            }
            cellbuf_printf(b, r.x + kw + i * cw, y, cw - 1, s, "%s%s", isnan(g->mean[m]) ? "-" : t, dt);
        }
        y++;
    }
    return y;
}

/* The selected runs' configuration diff and test metrics; returns the next y. */
static int run_tables(cellbuf *b, ui_rect r, const cmp_items *it, int kw, int cw, int y, int budget)
{
    ui_style head = ui_sty(UI_DEFAULT, UI_DEFAULT, UI_BOLD | UI_UNDERLINE), grey = ui_sty(UI_GREY, UI_DEFAULT, 0);
    rs_run *const *runs = it->runs;
    int n = it->n;
    /* configuration diff */
    int shown = 0, differing = 0;
    for (int k = 0; k < runs[0]->nconf; k++) {
        const char *key = runs[0]->keys[k], *v0 = runs[0]->vals[k];
        bool diff = false;
        for (int i = 1; i < n; i++)
            diff = diff || strcmp(rs_run_conf(runs[i], key, ""), v0) != 0;
        if (!diff)
            continue;
        differing++;
        if (shown >= budget)
            continue;
        cellbuf_text(b, r.x, y, kw - 1, grey, key);
        for (int i = 0; i < n; i++)
            cellbuf_text(b, r.x + kw + i * cw, y, cw - 1, ui_sty(UI_YELLOW, UI_DEFAULT, 0),
                         rs_run_conf(runs[i], key, "-"));
        y++;
        shown++;
    }
    if (n > 1 && differing == 0)
        cellbuf_text(b, r.x, y++, r.w, grey, "same configuration (seeds aside)");
    else if (differing > shown)
        cellbuf_printf(b, r.x, y++, r.w, grey, "... %d more differing keys", differing - shown);
    /* test metrics with deltas against run 1 */
    cellbuf_text(b, r.x, y, kw, head, "test metric");
    for (int i = 0; i < n; i++)
        cellbuf_text(b, r.x + kw + i * cw, y, cw - 1, head, i ? "value (delta)" : "value");
    y++;
    const rs_table *T0 = &runs[0]->test;
    int mrows = 0;
    for (int c = 0; c < T0->ncols && mrows < budget; c++) {
        const char *nm = T0->names[c];
        if (!strcmp(nm, "epochs") || !strcmp(nm, "best_epoch"))
            continue;
        int mi = rd_metric_find(nm);   /* scale and direction from rundir/columns.h */
        bool pct = mi >= 0 && rd_metrics[mi].scale == 100;
        cellbuf_printf(b, r.x, y, kw - 1, grey, "%s%s", nm, pct ? " %" : "");
        double v0 = rs_table_get(T0, 0, c) * (pct ? 100 : 1);
        for (int i = 0; i < n; i++) {
            double v = rs_table_getn(&runs[i]->test, 0, nm) * (pct ? 100 : 1);
            char t[32], dt[32] = "";
            fmt_num(t, sizeof t, v, 8, pct ? 2 : 4);
            ui_style s = UI_PLAIN;
            if (i > 0 && !isnan(v) && !isnan(v0)) {
                double dlt = v - v0;
                fmt_num(dt, sizeof dt, dlt, 8, pct ? 2 : 4);
                bool better = mi >= 0 && rd_metrics[mi].lower_better ? dlt < 0 : dlt > 0;
                s = ui_sty(dlt == 0 ? UI_DEFAULT : better ? UI_GREEN : UI_RED, UI_DEFAULT, 0);
            }
            cellbuf_printf(b, r.x + kw + i * cw, y, cw - 1, s, dt[0] ? "%s (%s%s)" : "%s", t,
                           dt[0] && dt[0] != '-' ? "+" : "", dt);
        }
        y++;
        mrows++;
    }
    if (T0->ncols == 0)
        cellbuf_text(b, r.x, y++, r.w, grey, "(run 1 has no test metrics yet)");
    return y;
}

void ui_view_compare(ui_app *a, cellbuf *b, ui_rect r)
{
    cmp_items it;
    compare_items(a, &it);
    ui_style grey = ui_sty(UI_GREY, UI_DEFAULT, 0);
    if (it.n == 0) {
        cellbuf_text(b, r.x + 2, r.y + 1, r.w - 4, grey,
                     it.band ? "Nothing to compare: the Grid rows chosen with C hold no runs now."
                             : "Nothing to compare: select runs with Space in the Runs view, or a grid row with "
                               "Enter (C: its seeds as a mean and band).");
        return;
    }
    ui_style head = ui_sty(UI_DEFAULT, UI_DEFAULT, UI_BOLD | UI_UNDERLINE);
    int n = it.n, kw = 18, cw = (r.w - kw) / n;
    if (cw > 24)
        cw = 24;
    if (cw < 8)
        cw = 8;
    int y = r.y;
    cellbuf_text(b, r.x, y, kw, head, it.band ? "grid row" : "run");
    for (int i = 0; i < n; i++)
        cellbuf_printf(b, r.x + kw + i * cw, y, cw - 1, ui_sty(ui_series_colors[i % 8], UI_DEFAULT, UI_BOLD),
                       "%d %s", i + 1, it.band ? it.rows[i]->label : it.runs[i]->id);
    y++;
    if (it.wanted > n)
        cellbuf_printf(b, r.x, y++, r.w, ui_sty(UI_YELLOW, UI_DEFAULT, 0),
                       "showing %d of the %d %s selected: Compare overlays at most %d", n, it.wanted,
                       it.band ? "rows" : "runs", it.band ? CMP_MAX_ROWS : CMP_MAX);
    int budget = (r.h - 4) / 3 > 3 ? (r.h - 4) / 3 : 3;
    y = it.band ? band_tables(a, b, r, &it, kw, cw, y, budget) : run_tables(b, r, &it, kw, cw, y, budget);
    ui_rect pr = {r.x, y, r.w, r.y + r.h - y};
    if (pr.h >= 8) {
        ui_plotdata d;
        if (compare_plot(a, &it, &d)) {
            /* on screen the title says how to change the quantity; the SVG does not */
            char t[200];
            snprintf(t, sizeof t, "%s (x: next quantity)", d.title);
            d.plot.title = t;
            ui_plot_draw(b, pr, &d.plot);
        }
        ui_plotdata_free(&d);
    }
}

bool ui_compare_export(ui_app *a, const char *dir, char *msg, size_t n)
{
    cmp_items it;
    compare_items(a, &it);
    ui_plotdata d;
    bool ok = it.n > 0 && compare_plot(a, &it, &d) && ui_plot_export(&d, dir, msg, n);
    ui_plotdata_free(&d);
    return ok;
}
