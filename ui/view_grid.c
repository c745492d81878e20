/* view_grid.c: the Grid view: an ablation as the paper's tables. Rows are
 * the configurations found under the results root, grouped over seeds
 * (labelled by the keys in which they differ: tasks, cpc_terms, labels...);
 * columns are the test metrics; cells are mean +- std over the finished
 * seeds, filling in as runs finish; the best cell of each column is marked,
 * and each row gets the paired t-test against the reference row over the
 * seeds both have. With the experiment's grid (its plan) the rows are its
 * points and a row knows how many seeds it expects. */
#include "config.h"
#include "ui/app.h"
#include "ui/fmt.h"
#include "exp/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const skip_keys[] = {"seed", "name"};

static bool skip_key(const char *k)
{
    for (size_t i = 0; i < sizeof skip_keys / sizeof skip_keys[0]; i++)
        if (strcmp(k, skip_keys[i]) == 0)
            return true;
    return false;
}

static uint32_t conf_hash(const rs_run *r)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < r->nconf; i++) {
        if (skip_key(r->keys[i]))
            continue;
        for (const char *s = r->keys[i]; *s; s++)
            h = (h ^ (uint8_t)*s) * 16777619u;
        h = (h ^ '=') * 16777619u;
        for (const char *s = r->vals[i]; *s; s++)
            h = (h ^ (uint8_t)*s) * 16777619u;
        h = (h ^ '\n') * 16777619u;
    }
    return h;
}

static bool pct_metric(const char *name)
{
    return strncmp(name, "acc", 3) == 0 || strncmp(name, "f1", 2) == 0;
}

static bool lower_better(const char *name)
{
    return strcmp(name, "mae") == 0;
}

static void free_grid(ui_app *a)
{
    for (int i = 0; i < a->ngrid; i++)
        free(a->grid[i].runs);
    free(a->grid);
    a->grid = NULL;
    a->ngrid = 0;
    for (int i = 0; i < a->ngrid_metrics; i++)
        free(a->grid_metrics[i]);
    free(a->grid_metrics);
    a->grid_metrics = NULL;
    a->ngrid_metrics = 0;
}

static void add_metric(ui_app *a, const char *name)
{
    if (!strcmp(name, "best_epoch") || !strcmp(name, "epochs") || a->ngrid_metrics >= GRID_MAX_METRICS)
        return;
    for (int i = 0; i < a->ngrid_metrics; i++)
        if (!strcmp(a->grid_metrics[i], name))
            return;
    char **v = realloc(a->grid_metrics, (size_t)(a->ngrid_metrics + 1) * sizeof *v);
    if (!v)
        return;
    a->grid_metrics = v;
    if ((v[a->ngrid_metrics] = strdup(name)))
        a->ngrid_metrics++;
}

/* The row label: the values of the keys in which the rows differ. */
static void label_rows(ui_app *a)
{
    if (a->ngrid == 1) {
        rs_run *r = a->grid[0].runs[0];
        snprintf(a->grid[0].label, sizeof a->grid[0].label, "tasks=%s cpc=%s labels=%s",
                 rs_run_conf(r, "tasks", "?"), rs_run_conf(r, "cpc_terms", "?"), rs_run_conf(r, "labels", "?"));
        return;
    }
    for (int g = 0; g < a->ngrid; g++)
        a->grid[g].label[0] = '\0';
    rs_run *r0 = a->grid[0].runs[0];
    /* keys of the first row, then any key another row has that it lacks */
    for (int pass = 0; pass < a->ngrid; pass++) {
        rs_run *rp = a->grid[pass].runs[0];
        for (int k = 0; k < rp->nconf; k++) {
            const char *key = rp->keys[k];
            if (skip_key(key))
                continue;
            if (pass > 0 && rs_run_conf(r0, key, NULL))
                continue;
            bool seen_before = false;
            for (int q = 1; q < pass && !seen_before; q++)
                seen_before = rs_run_conf(a->grid[q].runs[0], key, NULL) != NULL;
            if (seen_before)
                continue;
            const char *v0 = rs_run_conf(a->grid[0].runs[0], key, "");
            bool differs = false;
            for (int g = 1; g < a->ngrid && !differs; g++)
                differs = strcmp(rs_run_conf(a->grid[g].runs[0], key, ""), v0) != 0;
            if (!differs)
                continue;
            for (int g = 0; g < a->ngrid; g++) {
                size_t l = strlen(a->grid[g].label);
                snprintf(a->grid[g].label + l, sizeof a->grid[g].label - l, "%s%s=%s", l ? " " : "", key,
                         rs_run_conf(a->grid[g].runs[0], key, "-"));
            }
        }
    }
}

static double run_metric(const rs_run *r, const char *name)
{
    if (r->state != RUN_DONE || r->test.nrows < 1)
        return NAN;
    double v = rs_table_getn(&r->test, 0, name);
    return pct_metric(name) ? 100 * v : v;
}

typedef struct {
    int col;
    bool rev;
    const ui_app *a;
} grid_sort_ctx;

static int cmp_grid(const void *x, const void *y, void *ud)
{
    const grid_sort_ctx *c = ud;
    const ui_gridrow *p = x, *q = y;
    int r;
    if (c->col <= 0) {
        r = strcmp(p->label, q->label);
    } else {
        double a = p->mean[c->col - 1], b = q->mean[c->col - 1];
        if (isnan(a) || isnan(b))
            return isnan(a) - isnan(b);
        r = a < b ? -1 : a > b;
    }
    return c->rev ? -r : r;
}

void ui_app_grid_rebuild(ui_app *a)
{
    char cur_key[64] = "";
    if (a->grid_cur < a->ngrid)
        snprintf(cur_key, sizeof cur_key, "%s", a->grid[a->grid_cur].key);
    free_grid(a);
    /* the experiment's grid when it has several rows, else what is on disk */
    int ngroups = 0;
    for (int i = 0; i < a->nplan; i++) {
        bool first = true;
        for (int j = 0; j < i && first; j++)
            first = strcmp(a->plan[j].group, a->plan[i].group) != 0;
        ngroups += first;
    }
    bool use_plan = ngroups > 1;
    int nitems = use_plan ? a->nplan : a->store.n;
    for (int i = 0; i < nitems; i++) {
        rs_run *r;
        char key[64];
        if (use_plan) {
            r = rs_store_find(&a->store, a->plan[i].run_id);
            uint32_t h = 2166136261u;
            for (const char *c = a->plan[i].group; *c; c++)
                h = (h ^ (uint8_t)*c) * 16777619u;
            snprintf(key, sizeof key, "%08x", h);
        } else {
            r = a->store.runs[i];
            if (!r->nconf)
                continue;
            snprintf(key, sizeof key, "%08x", conf_hash(r));
        }
        ui_gridrow *g = NULL;
        for (int k = 0; k < a->ngrid; k++)
            if (!strcmp(a->grid[k].key, key))
                g = &a->grid[k];
        if (!g) {
            ui_gridrow *v = realloc(a->grid, (size_t)(a->ngrid + 1) * sizeof *v);
            if (!v)
                continue;
            a->grid = v;
            g = &a->grid[a->ngrid++];
            memset(g, 0, sizeof *g);
            snprintf(g->key, sizeof g->key, "%s", key);
            if (use_plan)
                snprintf(g->label, sizeof g->label, "%s", a->plan[i].group);
        }
        if (use_plan)
            g->nexpected++;
        if (!r)
            continue;
        rs_run **rv = realloc(g->runs, (size_t)(g->nruns + 1) * sizeof *rv);
        if (!rv)
            continue;
        g->runs = rv;
        g->runs[g->nruns++] = r;
        g->ndone += r->state == RUN_DONE;
        g->nrunning += r->state == RUN_RUNNING || r->state == RUN_QUEUED;
        for (int c = 0; c < r->test.ncols; c++)
            add_metric(a, r->test.names[c]);
    }
    if (!a->ngrid) {
        a->grid_version++;
        return;
    }
    if (!use_plan)
        label_rows(a);
    for (int k = 0; k < a->ngrid; k++) {
        ui_gridrow *g = &a->grid[k];
        for (int m = 0; m < a->ngrid_metrics; m++) {
            double s = 0, s2 = 0;
            int n = 0;
            for (int i = 0; i < g->nruns; i++) {
                double v = run_metric(g->runs[i], a->grid_metrics[m]);
                if (!isnan(v)) {
                    s += v;
                    n++;
                }
            }
            g->mean[m] = n ? s / n : NAN;
            for (int i = 0; i < g->nruns; i++) {
                double v = run_metric(g->runs[i], a->grid_metrics[m]);
                if (!isnan(v))
                    s2 += (v - g->mean[m]) * (v - g->mean[m]);
            }
            /* sample standard deviation over seeds */
            g->std[m] = n > 1 ? sqrt(s2 / (n - 1)) : NAN;
            g->p[m] = NAN;
        }
    }
    grid_sort_ctx c = {a->grid_sort, a->grid_sort_rev, a};
    qsort_r(a->grid, (size_t)a->ngrid, sizeof *a->grid, cmp_grid, &c);
    /* the reference: the chosen row, else the full model (every task and
     * CPC term), else the first row */
    int ref = -1;
    for (int k = 0; k < a->ngrid && ref < 0; k++)
        if (a->grid_ref[0] && !strcmp(a->grid[k].key, a->grid_ref))
            ref = k;
    if (use_plan && a->plan_group_by[0] && a->plan_reference[0]) {
        char want[600];
        snprintf(want, sizeof want, "%s=%s", a->plan_group_by, a->plan_reference);
        for (int k = 0; k < a->ngrid && ref < 0; k++) {
            const char *p = strstr(a->grid[k].label, want);
            size_t wl = strlen(want);
            if (p && (p == a->grid[k].label || p[-1] == ' ') && (p[wl] == '\0' || p[wl] == ' '))
                ref = k;
        }
    }
    for (int k = 0; k < a->ngrid && ref < 0; k++) {
        if (!a->grid[k].nruns)
            continue;
        rs_run *r = a->grid[k].runs[0];
        const char *t = rs_run_conf(r, "tasks", ""), *cpc = rs_run_conf(r, "cpc_terms", "");
        bool all_cpc = !strcmp(cpc, "all") || (strstr(cpc, "mt") && strstr(cpc, "ma") && strstr(cpc, "mv"));
        if (strchr(t, 'T') && strchr(t, 'A') && strchr(t, 'V') && all_cpc)
            ref = k;
    }
    if (ref < 0)
        ref = 0;
    snprintf(a->grid_ref, sizeof a->grid_ref, "%s", a->grid[ref].key);
    /* the paired t-test against the reference over the seeds both rows
     * finished: d = row - reference per seed */
    ui_gridrow *R = &a->grid[ref];
    for (int k = 0; k < a->ngrid; k++) {
        ui_gridrow *g = &a->grid[k];
        g->npairs = 0;
        if (g == R)
            continue;
        int cap = g->nruns;
        double *d = malloc((size_t)(cap ? cap : 1) * sizeof *d);
        if (!d)
            continue;
        for (int m = 0; m < a->ngrid_metrics; m++) {
            int np = 0;
            for (int i = 0; i < g->nruns; i++)
                for (int j = 0; j < R->nruns; j++)
                    if (!strcmp(rs_run_conf(g->runs[i], "seed", "a"), rs_run_conf(R->runs[j], "seed", "b"))) {
                        double x = run_metric(g->runs[i], a->grid_metrics[m]);
                        double y = run_metric(R->runs[j], a->grid_metrics[m]);
                        if (!isnan(x) && !isnan(y) && np < cap)
                            d[np++] = x - y;
                        break;
                    }
            stats_ttest t;
            stats_ttest_paired(d, np, &t);
            g->p[m] = t.p;
            g->npairs = np;
        }
        free(d);
    }
    a->grid_cur = a->grid_cur < a->ngrid ? a->grid_cur : a->ngrid - 1;
    for (int k = 0; k < a->ngrid; k++)
        if (!strcmp(a->grid[k].key, cur_key))
            a->grid_cur = k;
    if (a->grid_metric >= a->ngrid_metrics)
        a->grid_metric = 0;
    a->grid_version++;
}

static const char *metric_title(const char *n)
{
    static const char *const map[][2] = {{"mae", "MAE"}, {"corr", "Corr"}, {"acc2_has0", "Acc2 has0"},
                                         {"f1_has0", "F1 has0"}, {"acc2_non0", "Acc2 non0"}, {"f1_non0", "F1 non0"},
                                         {"acc5", "Acc5"}, {"acc7", "Acc7"}, {"acc2", "Acc2"}, {"acc3", "Acc3"},
                                         {"f1", "F1"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], n))
            return map[i][1];
    return n;
}

void ui_view_grid(ui_app *a, cellbuf *b, ui_rect r)
{
    if (!a->ngrid) {
        cellbuf_text(b, r.x + 2, r.y + 1, r.w - 4, ui_sty(UI_GREY, UI_DEFAULT, 0),
                     "No finished or running runs yet. Press n to start the experiment's grid;");
        cellbuf_text(b, r.x + 2, r.y + 2, r.w - 4, ui_sty(UI_GREY, UI_DEFAULT, 0),
                     "rows fill in as runs finish (also runs of a `selfmi grid` elsewhere).");
        return;
    }
    int nm = a->ngrid_metrics;
    ui_col cols[2 + GRID_MAX_METRICS];
    int w[2 + GRID_MAX_METRICS];
    cols[0] = (ui_col){20, 48, 100, true};
    cols[1] = (ui_col){5, 7, 99, false};
    for (int m = 0; m < nm; m++)
        cols[2 + m] = (ui_col){11, 13, m == a->grid_metric ? 98 : 90 - m, false};
    ui_table_fit(cols, 2 + nm, r.w, 1, w);
    ui_style head = ui_sty(UI_DEFAULT, UI_DEFAULT, UI_BOLD | UI_UNDERLINE);
    int x = r.x;
    cellbuf_text(b, x, r.y, w[0], head, "configuration");
    x += w[0] + 1;
    cellbuf_text(b, x, r.y, w[1], head, "seeds");
    x += w[1] + 1;
    for (int m = 0; m < nm; m++) {
        if (!w[2 + m])
            continue;
        char t[48];
        snprintf(t, sizeof t, "%s%s%s", metric_title(a->grid_metrics[m]),
                 pct_metric(a->grid_metrics[m]) ? " %" : "",
                 a->grid_sort == m + 1 ? (a->grid_sort_rev ? " v" : " ^") : "");
        ui_style hs = head;
        if (m == a->grid_metric)
            hs.fg = UI_CYAN;
        int tw = ui_text_width(t);
        cellbuf_text(b, x + (tw < w[2 + m] ? w[2 + m] - tw : 0), r.y, w[2 + m], hs, t);
        x += w[2 + m] + 1;
    }
    /* best mean per column */
    int best[GRID_MAX_METRICS];
    for (int m = 0; m < nm; m++) {
        best[m] = -1;
        for (int k = 0; k < a->ngrid; k++) {
            double v = a->grid[k].mean[m];
            if (isnan(v))
                continue;
            if (best[m] < 0 || (lower_better(a->grid_metrics[m]) ? v < a->grid[best[m]].mean[m]
                                                                  : v > a->grid[best[m]].mean[m]))
                best[m] = k;
        }
    }
    ui_rect list = {r.x, r.y + 1, r.w, r.h - 4};
    if (list.h < 1)
        list.h = r.h - 1;
    int rows = list.h;
    if (a->grid_cur < a->grid_top)
        a->grid_top = a->grid_cur;
    if (a->grid_cur >= a->grid_top + rows)
        a->grid_top = a->grid_cur - rows + 1;
    a->list_hit = (ui_rect){list.x, list.y, list.w, rows < a->ngrid - a->grid_top ? rows : a->ngrid - a->grid_top};
    a->list_first = a->grid_top;
    for (int i = 0; i < rows && a->grid_top + i < a->ngrid; i++) {
        int k = a->grid_top + i;
        ui_gridrow *g = &a->grid[k];
        int y = list.y + i;
        bool is_ref = !strcmp(g->key, a->grid_ref);
        x = r.x;
        int lw = 0;
        if (is_ref)
            lw = cellbuf_text(b, x, y, w[0], ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD), "[ref] ");
        bool all_sel = g->nruns > 0;
        for (int j = 0; j < g->nruns; j++)
            all_sel = all_sel && ui_app_is_selected(a, g->runs[j]->id);
        if (all_sel)
            lw += cellbuf_text(b, x + lw, y, w[0] - lw, ui_sty(UI_YELLOW, UI_DEFAULT, 0), a->ascii ? "* " : "\xe2\x97\x86 ");
        cellbuf_text(b, x + lw, y, w[0] - lw, UI_PLAIN, g->label);
        x += w[0] + 1;
        char t[64];
        if (g->nexpected)
            snprintf(t, sizeof t, "%d/%d", g->ndone, g->nexpected);
        else
            snprintf(t, sizeof t, "%d%s", g->ndone, g->nrunning ? "+" : "");
        cellbuf_text(b, x, y, w[1], ui_sty(g->nrunning ? UI_GREEN : UI_DEFAULT, UI_DEFAULT, 0), t);
        x += w[1] + 1;
        for (int m = 0; m < nm; m++) {
            if (!w[2 + m])
                continue;
            bool pct = pct_metric(a->grid_metrics[m]);
            fmt_pm(t, sizeof t, g->mean[m], g->std[m], pct ? 1 : 3, a->ascii);
            if (isnan(g->mean[m]))
                snprintf(t, sizeof t, "%s", g->nrunning ? (a->ascii ? "..." : "\xe2\x80\xa6") : "-");
            ui_style s = UI_PLAIN;
            if (k == best[m] && a->ngrid > 1) {
                s = ui_sty(UI_GREEN, UI_DEFAULT, UI_BOLD);
                size_t l = strlen(t);
                snprintf(t + l, sizeof t - l, "*");
            }
            if (!isnan(g->p[m]) && g->p[m] < 0.05 && !is_ref) {
                size_t l = strlen(t);
                snprintf(t + l, sizeof t - l, "%s", a->ascii ? "!" : "\xe2\x80\xa0");
            }
            int tw = ui_text_width(t);
            cellbuf_text(b, x + (tw < w[2 + m] ? w[2 + m] - tw : 0), y, w[2 + m], s, t);
            x += w[2 + m] + 1;
        }
        if (k == a->grid_cur)
            for (int cx = r.x; cx < r.x + r.w; cx++) {
                ui_cell *c = cellbuf_at(b, cx, y);
                if (a->color) {
                    c->bg = UI_BLUE;
                    if (c->fg == UI_DEFAULT || c->fg == UI_GREY)
                        c->fg = UI_BRIGHT_WHITE;
                } else
                    c->attr |= UI_REVERSE;
            }
    }
    /* the selected metric of the cursor row against the reference */
    int fy = r.y + r.h - 3;
    if (fy <= list.y || a->grid_cur >= a->ngrid || nm == 0)
        return;
    cellbuf_hline(b, r.x, fy, r.w, ui_sty(UI_GREY, UI_DEFAULT, 0));
    ui_gridrow *g = &a->grid[a->grid_cur], *R = NULL;
    for (int k = 0; k < a->ngrid; k++)
        if (!strcmp(a->grid[k].key, a->grid_ref))
            R = &a->grid[k];
    const char *mn = a->grid_metrics[a->grid_metric];
    char t1[48], t2[48], pt[48] = "";
    fmt_pm(t1, sizeof t1, g->mean[a->grid_metric], g->std[a->grid_metric], pct_metric(mn) ? 2 : 4, a->ascii);
    fmt_pm(t2, sizeof t2, R ? R->mean[a->grid_metric] : NAN, R ? R->std[a->grid_metric] : NAN, pct_metric(mn) ? 2 : 4,
           a->ascii);
    if (!isnan(g->p[a->grid_metric]))
        snprintf(pt, sizeof pt, "  paired t-test over %d seeds: p = %.3g", g->npairs, g->p[a->grid_metric]);
    else if (R && g != R)
        snprintf(pt, sizeof pt, "  %d seed pair%s with the reference", g->npairs, g->npairs == 1 ? "" : "s");
    cellbuf_printf(b, r.x, fy + 1, r.w, UI_PLAIN, "%s: %s  vs reference %s%s", metric_title(mn), t1, t2, pt);
    cellbuf_printf(b, r.x, fy + 2, r.w, ui_sty(UI_GREY, UI_DEFAULT, 0),
                   "%d rows  * best in column  %s p < 0.05 vs [ref]  h/l x: metric  *: set reference  Enter: compare",
                   a->ngrid, a->ascii ? "!" : "\xe2\x80\xa0");
}
