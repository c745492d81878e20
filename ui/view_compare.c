/* view_compare.c: the Compare view: the selected runs side by side: the
 * configuration keys in which they differ, the test metrics with deltas
 * against the first run, and one curve overlaid per run. */
#include "config.h"
#include "ui/app.h"
#include "ui/fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMP_MAX UI_PLOT_MAX_SERIES

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

static int compare_items(ui_app *a, rs_run **out)
{
    int n = 0;
    for (int i = 0; i < a->nselected && n < CMP_MAX; i++) {
        rs_run *r = rs_store_find(&a->store, a->selected[i]);
        if (r)
            out[n++] = r;
    }
    if (n == 0) {
        rs_run *r = ui_app_current_run(a);
        if (r)
            out[n++] = r;
    }
    return n;
}

static bool compare_plot(ui_app *a, rs_run **runs, int n, ui_plotdata *d)
{
    memset(d, 0, sizeof *d);
    const char *metric = compare_quantity(a, runs[0]);
    int len = 0;
    for (int i = 0; i < n; i++)
        len = runs[i]->epochs.nrows > len ? runs[i]->epochs.nrows : len;
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
        const rs_table *E = &runs[i]->epochs;
        int col = rs_table_col(E, metric);
        for (int e = 0; e < len; e++)
            y[e] = rs_table_get(E, e, col);
        snprintf(d->names[i], sizeof d->names[i], "%d %.40s", i + 1, runs[i]->id);
        d->csv_y[i] = y;
        d->csv_name[i] = runs[i]->id;
        int16_t c = ui_series_colors[i % 8];
        if (a->smooth) {
            ui_ema(y, sm, len, 0.6);
            if (d->nseries + (n - i) < UI_PLOT_MAX_SERIES)   /* the raw line while there is room */
                d->series[d->nseries++] = (ui_series){NULL, x, y, len, c, true, false};
            d->series[d->nseries++] = (ui_series){d->names[i], x, sm, len, c, false, false};
        } else
            d->series[d->nseries++] = (ui_series){d->names[i], x, y, len, c, false, false};
    }
    d->ncsv = n;
    snprintf(d->title, sizeof d->title, "%s per epoch", metric);
    snprintf(d->slug, sizeof d->slug, "compare-%s", metric);
    d->plot = (ui_plot){.title = d->title, .series = d->series, .nseries = d->nseries, .logy = a->logy,
                        .integer_x = true, .vmark = NAN, .xcursor = NAN};
    return true;
}

void ui_view_compare(ui_app *a, cellbuf *b, ui_rect r)
{
    rs_run *runs[CMP_MAX];
    int n = compare_items(a, runs);
    if (n == 0) {
        cellbuf_text(b, r.x + 2, r.y + 1, r.w - 4, ui_sty(UI_GREY, UI_DEFAULT, 0),
                     "Nothing to compare: select runs with Space in the Runs view, or a grid row with Enter.");
        return;
    }
    ui_style head = ui_sty(UI_DEFAULT, UI_DEFAULT, UI_BOLD | UI_UNDERLINE), grey = ui_sty(UI_GREY, UI_DEFAULT, 0);
    int kw = 18, cw = (r.w - kw) / n;
    if (cw > 24)
        cw = 24;
    if (cw < 8)
        cw = 8;
    int y = r.y;
    cellbuf_text(b, r.x, y, kw, head, "run");
    for (int i = 0; i < n; i++)
        cellbuf_printf(b, r.x + kw + i * cw, y, cw - 1, ui_sty(ui_series_colors[i % 8], UI_DEFAULT, UI_BOLD),
                       "%d %s", i + 1, runs[i]->id);
    y++;
    /* configuration diff */
    int budget = (r.h - 4) / 3 > 3 ? (r.h - 4) / 3 : 3;
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
    ui_rect pr = {r.x, y, r.w, r.y + r.h - y};
    if (pr.h >= 8) {
        ui_plotdata d;
        if (compare_plot(a, runs, n, &d)) {
            /* on screen the title says how to change the quantity; the SVG does not */
            char t[160];
            snprintf(t, sizeof t, "%s (x: next quantity)", d.title);
            d.plot.title = t;
            ui_plot_draw(b, pr, &d.plot);
        }
        ui_plotdata_free(&d);
    }
}

bool ui_compare_export(ui_app *a, const char *dir, char *msg, size_t n)
{
    rs_run *runs[CMP_MAX];
    int k = compare_items(a, runs);
    ui_plotdata d;
    bool ok = k > 0 && compare_plot(a, runs, k, &d) && ui_plot_export(&d, dir, msg, n);
    ui_plotdata_free(&d);
    return ok;
}
