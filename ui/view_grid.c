/* view_grid.c: the Grid view: an ablation as the paper's tables. The
 * table is report_build's (exp/report.h), the same as `selfmi report` on
 * the results root (or `selfmi grid` on the experiment's runs): its groups,
 * row order, means, sample SDs, best marks, reference row and paired
 * tests, over the runs the dashboard reads, so it fills in live as runs
 * finish. With the experiment's grid (its plan) the table holds the
 * experiment's runs, grouped and compared as its [report] section says,
 * and a row knows how many seeds it expects. */
#include "config.h"
#include "ui/app.h"
#include "ui/fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    a->grid_mdef = NULL;
}

/* A run the dashboard reads, as results_run_read reads it from disk:
 * run.conf, the state and, when done, test.csv's metrics. */
static bool set_add(result_set *s, const rs_run *r)
{
    result_run *v = realloc(s->runs, (size_t)(s->n + 1) * sizeof *v);
    if (!v)
        return false;
    s->runs = v;
    result_run *x = &s->runs[s->n];
    memset(x, 0, sizeof *x);
    snprintf(x->dir, sizeof x->dir, "%s", r->dir);
    snprintf(x->id, sizeof x->id, "%s", r->id);
    snprintf(x->reason, sizeof x->reason, "%s", r->reason);
    x->state = rs_run_state(r);
    x->keys = calloc((size_t)r->nconf + 1, sizeof *x->keys);
    x->vals = calloc((size_t)r->nconf + 1, sizeof *x->vals);
    if (!x->keys || !x->vals) {
        results_run_free(x);
        return false;
    }
    for (int i = 0; i < r->nconf; i++) {
        x->keys[i] = strdup(r->keys[i]);
        x->vals[i] = strdup(r->vals[i]);
        x->nkv = i + 1;
        if (!x->keys[i] || !x->vals[i]) {
            results_run_free(x);
            return false;
        }
    }
    if (rs_run_state(r) == RUN_DONE && r->test.nrows >= 1) {
        x->has_test = true;
        for (int c = 0; c < r->test.ncols && x->nmetrics < RESULTS_MAX_METRICS; c++) {
            snprintf(x->metric_names[x->nmetrics], sizeof x->metric_names[0], "%s", r->test.names[c]);
            x->metric_vals[x->nmetrics++] = rs_table_get(&r->test, 0, c);
            x->sims |= strcmp(r->test.names[c], "acc3") == 0;
        }
    }
    s->n++;
    return true;
}

/* the experiment's grid when it has several rows */
static bool plan_used(const ui_app *a)
{
    for (int i = 1; i < a->nplan; i++)
        if (strcmp(a->plan[0].group, a->plan[i].group) != 0)
            return true;
    return false;
}

/* a before b when sorting by the mean of column m: ascending (descending
 * when rev), rows without a value last */
static bool sorts_before(const ui_gridrow *a, const ui_gridrow *b, int m, bool rev)
{
    double x = a->mean[m], y = b->mean[m];
    if (isnan(x) || isnan(y))
        return !isnan(x) && isnan(y);
    return rev ? x > y : x < y;
}

/* the table's order (reversed with rev), or by a column's mean (s, S);
 * stable, so equal means keep the table's order */
static void sort_grid(ui_app *a)
{
    int col = a->grid_sort;
    if (col <= 0 || col > a->ngrid_metrics) {
        for (int i = 0, j = a->ngrid - 1; a->grid_sort_rev && i < j; i++, j--) {
            ui_gridrow t = a->grid[i];
            a->grid[i] = a->grid[j];
            a->grid[j] = t;
        }
        return;
    }
    for (int i = 1; i < a->ngrid; i++) {
        ui_gridrow x = a->grid[i];
        int j = i - 1;
        while (j >= 0 && sorts_before(&x, &a->grid[j], col - 1, a->grid_sort_rev)) {
            a->grid[j + 1] = a->grid[j];
            j--;
        }
        a->grid[j + 1] = x;
    }
}

static bool add_run(ui_gridrow *g, rs_run *run)
{
    rs_run **v = realloc(g->runs, (size_t)(g->nruns + 1) * sizeof *v);
    if (!v)
        return false;
    g->runs = v;
    g->runs[g->nruns++] = run;
    return true;
}

/* the rows of r, with the dashboard's runs (src[i]: the run of set entry i) */
static void take_rows(ui_app *a, const report *r, const result_set *set, rs_run *const *src)
{
    a->grid = calloc((size_t)(r->nrows > 0 ? r->nrows : 1), sizeof *a->grid);
    if (!a->grid)
        return;
    a->ngrid = r->nrows;
    for (int g = 0; g < r->nrows; g++) {
        const report_row *row = &r->rows[g];
        ui_gridrow *u = &a->grid[g];
        snprintf(u->label, sizeof u->label, "%s", row->label);
        snprintf(u->key, sizeof u->key, "%s", row->label);
        u->ndone = row->n;
        u->nrunning = row->nother;
        u->ndup = row->ndup;
        u->has_cmp = row->has_cmp;
        u->cmp = row->cmp;
        u->npairs = row->has_cmp ? row->cmp.npairs : 0;
        for (int m = 0; m < r->nmetrics; m++) {
            u->mean[m] = row->mean[m];
            u->std[m] = row->sd[m];
            u->best[m] = row->best[m];
            u->sig[m] = row->sig[m];
            u->p[m] = row->has_cmp ? row->cmp.p_t[m] : NAN;
        }
        for (int i = 0; i < row->n; i++)
            add_run(u, src[row->runs[i]]);
    }
    /* the unfinished runs each row holds (for selection and Compare) */
    for (int i = 0; i < set->n; i++) {
        int g = set->runs[i].has_test ? -1 : report_row_of(r, &set->runs[i]);
        if (g >= 0)
            add_run(&a->grid[g], src[i]);
    }
}

/* runs each row expects from the experiment's grid: a plan point's row is
 * its run's row, or the row of another run of its point */
static void count_expected(ui_app *a, const report *r, const result_set *set, rs_run *const *src)
{
    int *row_of = malloc((size_t)a->nplan * sizeof *row_of);
    if (!row_of)
        return;
    for (int i = 0; i < a->nplan; i++) {
        row_of[i] = -1;
        for (int k = 0; k < set->n && row_of[i] < 0; k++)
            if (strcmp(src[k]->id, a->plan[i].run_id) == 0)
                row_of[i] = report_row_of(r, &set->runs[k]);
    }
    for (int i = 0; i < a->nplan; i++) {
        int g = row_of[i];
        for (int j = 0; j < a->nplan && g < 0; j++)
            if (row_of[j] >= 0 && strcmp(a->plan[j].group, a->plan[i].group) == 0)
                g = row_of[j];
        if (g >= 0)
            a->grid[g].nexpected++;
    }
    free(row_of);
}

static void keep_note(ui_app *a, const report *r)
{
    size_t w = 0;
    a->grid_note[0] = '\0';
    for (int i = 0; i < r->nnotes && w < sizeof a->grid_note; i++)
        if (r->notes[i].warning)
            w += (size_t)snprintf(a->grid_note + w, sizeof a->grid_note - w, "%s%s", w ? " " : "",
                                  r->notes[i].text);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 1099511628211ull;
    return h;
}

static uint64_t stamp_hash(uint64_t h, const rs_stamp *st)
{
    h = fnv(h, &st->size, sizeof st->size);
    h = fnv(h, &st->mtime_ns, sizeof st->mtime_ns);
    return fnv(h, &st->ino, sizeof st->ino);
}

/* what the table depends on: every run's id, state, run.conf and test.csv
 * (not the epochs a running run appends), the plan and the view's choices */
static uint64_t grid_signature(const ui_app *a)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < a->store.n; i++) {
        const rs_run *r = a->store.runs[i];
        h = fnv(h, r->id, strlen(r->id) + 1);
        h = fnv(h, &r->state, sizeof r->state);
        h = fnv(h, &r->nconf, sizeof r->nconf);
        h = fnv(h, &r->test.nrows, sizeof r->test.nrows);
        h = stamp_hash(stamp_hash(h, &r->st_conf), &r->test.st);
    }
    for (int i = 0; i < a->nplan; i++)
        h = fnv(h, a->plan[i].run_id, strlen(a->plan[i].run_id) + 1);
    h = fnv(h, a->plan_group_by, strlen(a->plan_group_by) + 1);
    h = fnv(h, a->plan_reference, strlen(a->plan_reference) + 1);
    h = fnv(h, a->grid_ref_user, strlen(a->grid_ref_user) + 1);
    h = fnv(h, &a->grid_sort, sizeof a->grid_sort);
    h = fnv(h, &a->grid_sort_rev, sizeof a->grid_sort_rev);
    return fnv(h, &a->store.n, sizeof a->store.n);
}

void ui_app_grid_rebuild(ui_app *a)
{
    uint64_t sig = grid_signature(a);
    if (a->grid_version && sig == a->grid_sig)
        return;
    a->grid_sig = sig;
    char cur_key[256] = "";
    if (a->grid_cur < a->ngrid)
        snprintf(cur_key, sizeof cur_key, "%s", a->grid[a->grid_cur].key);
    free_grid(a);
    a->grid_note[0] = a->grid_error[0] = a->grid_title[0] = a->grid_ref[0] = '\0';
    /* the experiment's runs when it has several rows, else every run */
    bool use_plan = plan_used(a);
    result_set set = {0};
    rs_run **src = malloc((size_t)(a->store.n + 1) * sizeof *src);
    for (int i = 0; src && i < a->store.n; i++) {
        rs_run *run = a->store.runs[i];
        bool mine = !use_plan;
        for (int k = 0; k < a->nplan && !mine; k++)
            mine = strcmp(a->plan[k].run_id, run->id) == 0;
        if (mine && run->nconf && set_add(&set, run))
            src[set.n - 1] = run;
    }
    report r = {.ref = -1};
    sm_err err;
    const char *ref = a->grid_ref_user[0] ? a->grid_ref_user : use_plan ? a->plan_reference : NULL;
    report_opts o = {use_plan ? a->plan_group_by : NULL, ref, false};
    sm_status st = src && set.n ? report_build(&r, &set, &o, &err) : SM_EINVAL;
    if (st && src && set.n && o.reference && *o.reference) {
        /* the chosen reference row has no runs (yet): the default */
        report_free(&r);
        o.reference = NULL;
        st = report_build(&r, &set, &o, &err);
    }
    if (st == SM_OK) {
        a->grid_mdef = r.metrics;
        a->grid_metrics = calloc((size_t)r.nmetrics, sizeof *a->grid_metrics);
        for (int m = 0; a->grid_metrics && m < r.nmetrics; m++)
            if ((a->grid_metrics[m] = strdup(r.metrics[m].name)))
                a->ngrid_metrics = m + 1;
        for (int k = 0; k < r.nkeys; k++) {
            size_t l = strlen(a->grid_title);
            snprintf(a->grid_title + l, sizeof a->grid_title - l, "%s%s", k ? " / " : "", r.keys[k]);
        }
        take_rows(a, &r, &set, src);
        if (use_plan && a->grid)
            count_expected(a, &r, &set, src);
        keep_note(a, &r);
        if (r.ref >= 0)
            snprintf(a->grid_ref, sizeof a->grid_ref, "%s", r.rows[r.ref].label);
    } else if (set.n) {
        snprintf(a->grid_error, sizeof a->grid_error, "%s", err.msg);
    }
    report_free(&r);
    results_free(&set);
    free(src);
    sort_grid(a);
    a->grid_cur = a->grid_cur < a->ngrid ? a->grid_cur : (a->ngrid ? a->ngrid - 1 : 0);
    for (int k = 0; k < a->ngrid; k++)
        if (!strcmp(a->grid[k].key, cur_key))
            a->grid_cur = k;
    if (a->grid_metric >= a->ngrid_metrics)
        a->grid_metric = 0;
    a->grid_version++;
}

/* a metric's column title: "MAE", "Acc2 Has0 %" */
static void column_title(const report_metric *me, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", me->title, me->scale == 100 ? " %" : "");
}

/* The selected metric of the cursor row against the reference: the mean
 * difference, its bootstrap 95% interval, pairs, and the p-values of the
 * paired t-test and the Wilcoxon signed-rank test. */
static void grid_footer(const ui_app *a, char *out, size_t n)
{
    out[0] = '\0';
    if (a->grid_cur >= a->ngrid || a->ngrid_metrics == 0)
        return;
    const ui_gridrow *g = &a->grid[a->grid_cur], *R = NULL;
    for (int k = 0; k < a->ngrid; k++)
        if (!strcmp(a->grid[k].key, a->grid_ref))
            R = &a->grid[k];
    int m = a->grid_metric;
    const report_metric *me = &a->grid_mdef[m];
    char t1[48], t2[48], pt[256] = "";
    report_fmt_pm(t1, sizeof t1, g->mean[m], g->std[m], me->decimals, "", 0, a->ascii);
    report_fmt_pm(t2, sizeof t2, R ? R->mean[m] : NAN, R ? R->std[m] : NAN, me->decimals, "", 0, a->ascii);
    if (g->has_cmp && g->npairs > 0) {
        char d[32], lo[32], hi[32], ptt[24], pw[24];
        snprintf(d, sizeof d, "%+.*f", me->decimals + 1, g->cmp.diff[m]);
        snprintf(lo, sizeof lo, "%+.*f", me->decimals + 1, g->cmp.lo[m]);
        snprintf(hi, sizeof hi, "%+.*f", me->decimals + 1, g->cmp.hi[m]);
        snprintf(ptt, sizeof ptt, isnan(g->cmp.p_t[m]) ? "-" : "%.3g", g->cmp.p_t[m]);
        snprintf(pw, sizeof pw, isnan(g->cmp.p_w[m]) ? "-" : "%.3g", g->cmp.p_w[m]);
        snprintf(pt, sizeof pt, ": %s [%s, %s], %d pair%s, p(t) %s, p(W) %s", d, lo, hi, g->npairs,
                 g->npairs == 1 ? "" : "s", ptt, pw);
    } else if (g->has_cmp)
        snprintf(pt, sizeof pt, ": no pairs");
    char title[40];
    column_title(me, title, sizeof title);
    if (R)
        snprintf(out, n, "%s %s vs [ref] %s%s", title, t1, t2, pt);
    else
        snprintf(out, n, "%s %s  (no reference row: * sets one)", title, t1);
}

void ui_view_grid(ui_app *a, cellbuf *b, ui_rect r)
{
    ui_style grey = ui_sty(UI_GREY, UI_DEFAULT, 0);
    if (!a->ngrid) {
        if (a->grid_error[0]) {
            cellbuf_printf(b, r.x + 2, r.y + 1, r.w - 4, ui_sty(UI_RED, UI_DEFAULT, 0), "No table: %s", a->grid_error);
            return;
        }
        cellbuf_text(b, r.x + 2, r.y + 1, r.w - 4, grey,
                     "No finished or running runs yet. Press n to start the experiment's grid;");
        cellbuf_text(b, r.x + 2, r.y + 2, r.w - 4, grey,
                     "rows fill in as runs finish (also runs of a `selfmi grid` elsewhere).");
        return;
    }
    int nm = a->ngrid_metrics;
    ui_col cols[2 + GRID_MAX_METRICS];
    int w[2 + GRID_MAX_METRICS];
    cols[0] = (ui_col){20, 48, 100, true};
    cols[1] = (ui_col){5, 7, 99, false};
    /* the paper's columns first; the chosen one is kept longest */
    for (int m = 0; m < nm; m++)
        cols[2 + m] = (ui_col){12, 14, m == a->grid_metric ? 98 : (a->grid_mdef[m].paper ? 90 : 60) - m, false};
    ui_table_fit(cols, 2 + nm, r.w, 1, w);
    ui_style head = ui_sty(UI_DEFAULT, UI_DEFAULT, UI_BOLD | UI_UNDERLINE);
    int x = r.x;
    cellbuf_text(b, x, r.y, w[0], head, a->grid_title[0] ? a->grid_title : "runs");
    x += w[0] + 1;
    cellbuf_text(b, x, r.y, w[1], head, "n");
    x += w[1] + 1;
    for (int m = 0; m < nm; m++) {
        if (!w[2 + m])
            continue;
        char t[48], title[40];
        column_title(&a->grid_mdef[m], title, sizeof title);
        snprintf(t, sizeof t, "%s%s", title, a->grid_sort == m + 1 ? (a->grid_sort_rev ? " v" : " ^") : "");
        ui_style hs = head;
        if (m == a->grid_metric)
            hs.fg = UI_CYAN;
        int tw = ui_text_width(t);
        cellbuf_text(b, x + (tw < w[2 + m] ? w[2 + m] - tw : 0), r.y, w[2 + m], hs, t);
        x += w[2 + m] + 1;
    }
    /* the footer, wrapped: the cursor row against the reference, the legend, a note */
    char cmp_line[768], legend[256], note[1100];
    grid_footer(a, cmp_line, sizeof cmp_line);
    snprintf(legend, sizeof legend, "%d rows  * best in column  %s paired t-test p < 0.05 vs [ref]  x: metric  "
             "*: reference  Enter: compare  C: seeds as bands", a->ngrid, a->ascii ? "!" : "\xe2\x80\xa0");
    snprintf(note, sizeof note, "%s%s", a->grid_note[0] ? "note: " : "", a->grid_note);
    int foot = 1 + cellbuf_text_wrap(NULL, 0, 0, r.w, 3, UI_PLAIN, cmp_line) +
               cellbuf_text_wrap(NULL, 0, 0, r.w, 2, UI_PLAIN, legend) +
               cellbuf_text_wrap(NULL, 0, 0, r.w, 3, UI_PLAIN, note);
    ui_rect list = {r.x, r.y + 1, r.w, r.h - 1 - foot};
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
        char t[96];
        /* n as report writes it (finished, + unfinished); with the
         * experiment's grid, finished of expected */
        if (g->nexpected)
            snprintf(t, sizeof t, "%d/%d", g->ndone, g->nexpected);
        else if (g->nrunning)
            snprintf(t, sizeof t, "%d+%d", g->ndone, g->nrunning);
        else
            snprintf(t, sizeof t, "%d", g->ndone);
        bool active = false;
        for (int j = 0; j < g->nruns; j++)
            active |= rs_run_state(g->runs[j]) == RUN_RUNNING || rs_run_state(g->runs[j]) == RUN_QUEUED;
        cellbuf_text(b, x, y, w[1], ui_sty(active ? UI_GREEN : UI_DEFAULT, UI_DEFAULT, 0), t);
        x += w[1] + 1;
        for (int m = 0; m < nm; m++) {
            if (!w[2 + m])
                continue;
            const report_metric *me = &a->grid_mdef[m];
            char marks[16];
            snprintf(marks, sizeof marks, "%s%s", g->best[m] ? "*" : "",
                     g->sig[m] ? (a->ascii ? "!" : "\xe2\x80\xa0") : "");
            if (isnan(g->mean[m]))
                snprintf(t, sizeof t, "%s", active ? (a->ascii ? "..." : "\xe2\x80\xa6") : "-");
            else
                report_fmt_pm(t, sizeof t, g->mean[m], g->std[m], me->decimals, marks, w[2 + m], a->ascii);
            ui_style s = g->best[m] ? ui_sty(UI_GREEN, UI_DEFAULT, UI_BOLD) : UI_PLAIN;
            int tw = ui_text_width(t);
            cellbuf_text(b, x + (tw < w[2 + m] ? w[2 + m] - tw : 0), y, w[2 + m], s, t);
            x += w[2 + m] + 1;
        }
        if (k == a->grid_cur)
            ui_app_highlight(a, b, r.x, r.x + r.w, y);
    }
    int fy = r.y + r.h - foot;
    if (fy <= list.y || a->grid_cur >= a->ngrid || nm == 0)
        return;
    cellbuf_hline(b, r.x, fy, r.w, grey);
    int y = fy + 1;
    y += cellbuf_text_wrap(b, r.x, y, r.w, 3, UI_PLAIN, cmp_line);
    y += cellbuf_text_wrap(b, r.x, y, r.w, 2, grey, legend);
    cellbuf_text_wrap(b, r.x, y, r.w, 3, ui_sty(UI_YELLOW, UI_DEFAULT, 0), note);
}
