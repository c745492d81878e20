/* export.c: `e` in any view: the data behind the focused plot or table as
 * CSV (through csvio's writer) and the plot as SVG, written to a temporary
 * file and renamed, into the run's directory (Live, Labels) or the results
 * root (Runs, Grid, Compare). */
#include "config.h"
#include "ui/app.h"
#include "data/csvio.h"
#include "base/fsutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef bool (*write_fn)(FILE *f, const void *ud);

/* Writes path atomically (sm_atomic). */
static bool write_atomic(const char *path, write_fn fn, const void *ud)
{
    sm_err err;
    sm_atomic a;
    if (sm_atomic_open(&a, path, &err) != SM_OK)
        return false;
    FILE *f = sm_atomic_stream(&a, &err);
    bool ok = f && fn(f, ud);
    if (ok)
        return sm_atomic_commit(&a, &err) == SM_OK;
    sm_atomic_abort(&a);
    return false;
}

static bool plot_csv(FILE *f, const void *ud)
{
    const ui_plotdata *d = ud;
    csv_writer w;
    csvw_init(&w, f);
    if (d->csv_id_name)
        csvw_str(&w, d->csv_id_name);
    csvw_str(&w, "epoch");
    for (int s = 0; s < d->ncsv; s++)
        csvw_str(&w, d->csv_name[s]);
    csvw_end(&w);
    for (int i = 0; i < d->n; i++) {
        if (d->csv_id_name)
            csvw_str(&w, d->csv_id);
        csvw_num(&w, d->csv_x[i]);
        for (int s = 0; s < d->ncsv; s++)
            csvw_num(&w, d->csv_y[s][i]);
        csvw_end(&w);
    }
    return csvw_ok(&w);
}

static bool plot_svg(FILE *f, const void *ud)
{
    const ui_plotdata *d = ud;
    return ui_plot_svg(f, &d->plot, 900, 500);
}

bool ui_plot_export(const ui_plotdata *d, const char *dir, char *msg, size_t n)
{
    char csv[1200], svg[1200];
    snprintf(csv, sizeof csv, "%s/export-%s.csv", dir, d->slug);
    snprintf(svg, sizeof svg, "%s/export-%s.svg", dir, d->slug);
    bool ok = write_atomic(csv, plot_csv, d) && write_atomic(svg, plot_svg, d);
    if (ok)
        snprintf(msg, n, "exported %s and %s", csv, svg);
    else
        snprintf(msg, n, "export failed: cannot write %s", csv);
    return ok;
}

static bool runs_csv(FILE *f, const void *ud)
{
    const ui_app *a = ud;
    static const char *const keys[] = {"dataset", "labels", "tasks", "cpc_terms", "seed"};
    csv_writer w;
    csvw_init(&w, f);
    csvw_str(&w, "run");
    csvw_str(&w, "status");
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        csvw_str(&w, keys[k]);
    csvw_str(&w, "epochs");
    csvw_str(&w, "best_epoch");
    for (int k = 0; k < RD_NMETRICS; k++)   /* every metric of either set (rundir/columns.h) */
        csvw_str(&w, rd_metrics[k].name);
    csvw_end(&w);
    for (int i = 0; i < a->nrows; i++) {
        const rs_run *r = a->rows[i].run;
        if (!r)
            continue;
        csvw_str(&w, r->id);
        csvw_str(&w, run_state_name(rs_run_state(r)));
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            csvw_str(&w, rs_run_conf(r, keys[k], ""));
        csvw_int(&w, r->epochs.nrows);
        double be = rs_table_getn(&r->epochs, r->epochs.nrows - 1, "best_epoch");
        if (isnan(be))
            csvw_empty(&w);
        else
            csvw_int(&w, (long)be);
        for (int k = 0; k < RD_NMETRICS; k++) {
            double v = r->test.nrows ? rs_table_getn(&r->test, 0, rd_metrics[k].name) : NAN;
            if (isnan(v))
                csvw_empty(&w);
            else
                csvw_num(&w, v);
        }
        csvw_end(&w);
    }
    return csvw_ok(&w);
}

static bool grid_csv(FILE *f, const void *ud)
{
    const ui_app *a = ud;
    csv_writer w;
    csvw_init(&w, f);
    csvw_str(&w, "configuration");
    csvw_str(&w, "reference");
    csvw_str(&w, "runs");
    csvw_str(&w, "done");
    for (int m = 0; m < a->ngrid_metrics; m++) {
        char t[80];
        snprintf(t, sizeof t, "%s_mean", a->grid_metrics[m]);
        csvw_str(&w, t);
        snprintf(t, sizeof t, "%s_std", a->grid_metrics[m]);
        csvw_str(&w, t);
        snprintf(t, sizeof t, "%s_p", a->grid_metrics[m]);
        csvw_str(&w, t);
    }
    csvw_end(&w);
    for (int k = 0; k < a->ngrid; k++) {
        const ui_gridrow *g = &a->grid[k];
        csvw_str(&w, g->label);
        csvw_int(&w, strcmp(g->key, a->grid_ref) == 0);
        csvw_int(&w, g->nruns);
        csvw_int(&w, g->ndone);
        for (int m = 0; m < a->ngrid_metrics; m++) {
            const double v[3] = {g->mean[m], g->std[m], g->p[m]};
            for (int j = 0; j < 3; j++) {
                if (isnan(v[j]))
                    csvw_empty(&w);
                else
                    csvw_num(&w, v[j]);
            }
        }
        csvw_end(&w);
    }
    return csvw_ok(&w);
}

void ui_export(ui_app *a)
{
    char msg[1024] = "";
    bool ok = false;
    rs_run *run = ui_app_current_run(a);
    switch (a->view) {
    case VIEW_RUNS: {
        char p[1200];
        snprintf(p, sizeof p, "%s/export-runs.csv", a->store.root);
        ok = write_atomic(p, runs_csv, a);
        snprintf(msg, sizeof msg, ok ? "exported %s" : "export failed: cannot write %s", p);
        break;
    }
    case VIEW_LIVE: {
        if (!run) {
            snprintf(msg, sizeof msg, "no run to export");
            break;
        }
        ui_plotdata d;
        ok = ui_live_plot(a, run, a->live_focus, &d) && ui_plot_export(&d, run->dir, msg, sizeof msg);
        ui_plotdata_free(&d);
        break;
    }
    case VIEW_LABELS:
        if (!run || a->labels.nep == 0) {
            snprintf(msg, sizeof msg, "no u-labels to export");
            break;
        }
        ok = ui_labels_export(a, run->dir, msg, sizeof msg);
        break;
    case VIEW_GRID: {
        char p[1200];
        snprintf(p, sizeof p, "%s/export-grid.csv", a->store.root);
        ok = a->ngrid > 0 && write_atomic(p, grid_csv, a);
        snprintf(msg, sizeof msg, ok ? "exported %s" : "export failed: nothing to write to %s", p);
        break;
    }
    case VIEW_COMPARE:
        ok = ui_compare_export(a, a->store.root, msg, sizeof msg);
        if (!ok && !msg[0])
            snprintf(msg, sizeof msg, "nothing to export");
        break;
    default: break;
    }
    ui_app_message(a, !ok, "%s", msg);
}
