/* view_runs.c: the Runs view: every run under the results root and every
 * job of this process, sortable, filterable, selectable. */
#include "config.h"
#include "ui/app.h"
#include "ui/fmt.h"
#include "ui/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SORT_STARTED, SORT_STATUS, SORT_ID, SORT_BEST, SORT_MAE, SORT_CORR, SORT_ACC2, SORT_F1, SORT_COUNT };
static const char *const sort_names[SORT_COUNT] = {"start time", "status", "run", "best epoch",
                                                   "MAE", "Corr", "Acc2", "F1"};

run_state ui_runrow_state(const ui_runrow *r)
{
    if (r->job && job_active(r->job))
        return r->job->state;
    if (r->run)
        return rs_run_state(r->run);
    /* a job that ended before its directory was made (a dataset that
     * cannot be read) is failed (or cancelled), not queued */
    return r->job ? r->job->state : RUN_QUEUED;
}

/* test metric of a done run, by the names of either metric set */
static double test_metric(const rs_run *r, const char *a, const char *b)
{
    if (!r || r->test.nrows < 1)
        return NAN;
    double v = rs_table_getn(&r->test, 0, a);
    if (isnan(v) && b)
        v = rs_table_getn(&r->test, 0, b);
    return v;
}

static double sort_value(const ui_runrow *r, int col)
{
    switch (col) {
    case SORT_STARTED: return r->run ? (double)r->run->started_ns : 1e30;
    case SORT_STATUS: return ui_runrow_state(r);
    case SORT_BEST: return r->run ? rs_table_getn(&r->run->epochs, r->run->epochs.nrows - 1, "best_epoch") : NAN;
    case SORT_MAE: return test_metric(r->run, RD_NAME(mae), NULL);
    case SORT_CORR: return test_metric(r->run, RD_NAME(corr), NULL);
    case SORT_ACC2: return test_metric(r->run, RD_NAME(acc2_has0), RD_NAME(acc2));
    case SORT_F1: return test_metric(r->run, RD_NAME(f1_has0), RD_NAME(f1));
    default: return 0;
    }
}

typedef struct {
    int col;
    bool rev;
} sort_ctx;

static int cmp_rows(const ui_runrow *x, const ui_runrow *y, const sort_ctx *c)
{
    int r = 0;
    if (c->col == SORT_ID) {
        r = strcmp(x->id, y->id);
    } else {
        double a = sort_value(x, c->col), b = sort_value(y, c->col);
        /* missing values last whatever the order */
        if (isnan(a) || isnan(b))
            return isnan(a) - isnan(b);
        r = a < b ? -1 : a > b;
        if (!r)
            r = strcmp(x->id, y->id);
    }
    return c->rev ? -r : r;
}

/* insertion sort: stable, and the list is nearly sorted between frames */
static void sort_rows(ui_runrow *v, int n, const sort_ctx *c)
{
    for (int i = 1; i < n; i++) {
        ui_runrow t = v[i];
        int j = i - 1;
        while (j >= 0 && cmp_rows(&v[j], &t, c) > 0) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = t;
    }
}

static bool row_matches(const ui_runrow *r, const char *f)
{
    if (!*f)
        return true;
    if (strcasestr(r->id, f))
        return true;
    if (r->run) {
        if (strcasestr(run_state_name(rs_run_state(r->run)), f))
            return true;
        const char *keys[] = {"name", "dataset", "labels", "tasks", "cpc_terms"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            const char *v = rs_run_conf(r->run, keys[k], NULL);
            if (v && strcasestr(v, f))
                return true;
        }
    }
    return false;
}

void ui_app_rebuild_rows(ui_app *a)
{
    int need = a->store.n + a->njobs + a->slurm.n;
    if (need > a->cap_rows) {
        ui_runrow *v = realloc(a->rows, (size_t)(need + 16) * sizeof *v);
        if (!v)
            return;
        a->rows = v;
        a->cap_rows = need + 16;
    }
    int n = 0;
    for (int i = 0; i < a->store.n; i++) {
        rs_run *run = a->store.runs[i];
        const job_info *job = NULL;
        for (int j = 0; j < a->njobs; j++)   /* the latest job of that id */
            if (strcmp(a->jobs[j].run_id, run->id) == 0)
                job = &a->jobs[j];
        ui_runrow r = {run, job, run->id};
        if (row_matches(&r, a->filter))
            a->rows[n++] = r;
    }
    for (int j = 0; j < a->njobs; j++) {
        const job_info *job = &a->jobs[j];
        if (job_skipped(job) || rs_store_find(&a->store, job->run_id))
            continue;
        bool later = false;   /* only the latest job of an id */
        for (int k = j + 1; k < a->njobs; k++)
            later = later || strcmp(a->jobs[k].run_id, job->run_id) == 0;
        if (later)
            continue;
        ui_runrow r = {NULL, job, job->run_id};
        if (row_matches(&r, a->filter))
            a->rows[n++] = r;
    }
    /* runs of a Slurm array whose task has not made their directory yet:
     * queued, with Slurm's word in the detail line */
    for (int i = 0; i < a->slurm.n; i++) {
        const ui_slurm_run *sr = &a->slurm.runs[i];
        bool listed = sr->state[0] && !rs_store_find(&a->store, sr->run_id);
        for (int k = 0; k < n && listed; k++)
            listed = strcmp(a->rows[k].id, sr->run_id) != 0;
        ui_runrow r = {NULL, NULL, sr->run_id};
        if (listed && row_matches(&r, a->filter))
            a->rows[n++] = r;
    }
    a->nrows = n;
    a->sort_col = ((a->sort_col % SORT_COUNT) + SORT_COUNT) % SORT_COUNT;
    sort_ctx c = {a->sort_col, a->sort_rev};
    sort_rows(a->rows, n, &c);
    /* keep the cursor on the same run */
    a->cur = n ? (a->cur < n ? a->cur : n - 1) : 0;
    for (int i = 0; i < n; i++)
        if (strcmp(a->rows[i].id, a->cur_id) == 0) {
            a->cur = i;
            break;
        }
    if (n)
        snprintf(a->cur_id, sizeof a->cur_id, "%s", a->rows[a->cur].id);
    a->dirty = true;
}

const char *ui_state_glyph(run_state s, bool ascii)
{
    static const char *const u[] = {"\xe2\x80\xa6", "\xe2\x97\x8f", "\xe2\x9c\x93", "\xe2\x9c\x97", "\xe2\x8a\x98",
                                    "\xe2\x80\x96"};
    static const char *const asc[] = {".", ">", "+", "x", "-", "|"};
    if ((unsigned)s > RUN_INTERRUPTED)
        return "?";
    return ascii ? asc[s] : u[s];
}

enum { C_SEL, C_STATUS, C_RUN, C_DATA, C_GEN, C_TASKS, C_CPC, C_SEED, C_EPOCH, C_BEST, C_SRC, C_MAE, C_CORR,
       C_ACC2, C_F1, C_ACC7, C_TREND, C_TIME, C_COUNT };
static const char *const col_title[C_COUNT] = {"", "status", "run", "data", "gen", "tasks", "cpc", "seed", "epoch",
                                               "best", "of", "MAE", "Corr", "Acc2", "F1", "Acc7", "val MAE", "time"};
/* At 80 columns: status, run (its middle elided, the seed kept), tasks,
 * seed, epoch, where the numbers come from (test or val) and the four
 * paper metrics; wider terminals add the rest. */
static const ui_col cols[C_COUNT] = {
    {1, 1, 100, false},  {11, 11, 99, false}, {16, 48, 98, true},  {8, 12, 40, false},
    {4, 4, 50, false},   {5, 5, 88, false},   {5, 10, 55, false},   {4, 6, 89, false},
    {7, 12, 90, false},  {4, 4, 80, false},   {4, 4, 94, false},   {6, 6, 97, false},   {6, 6, 96, false},
    {5, 5, 95, false},   {5, 5, 85, false},   {5, 5, 45, false},   {10, 12, 30, false},
    {6, 6, 65, false}};

static void format_cell(const ui_app *a, const ui_runrow *r, int c, char *buf, size_t n, ui_style *s)
{
    rs_run *run = r->run;
    run_state st = ui_runrow_state(r);
    buf[0] = '\0';
    const rs_table *E = run ? &run->epochs : NULL;
    int last = E ? E->nrows - 1 : -1;
    bool done = run && run->test.nrows > 0;
    switch (c) {
    case C_SEL:
        snprintf(buf, n, "%s", ui_app_is_selected(a, r->id) ? (a->ascii ? "*" : "\xe2\x97\x86") : " ");
        s->fg = UI_YELLOW;
        break;
    case C_STATUS:
        snprintf(buf, n, "%s %s", ui_state_glyph(st, a->ascii), run_state_name(st));
        s->fg = ui_state_color(st);
        break;
    case C_RUN: {
        const char *name = run ? rs_run_conf(run, "name", "") : "";
        snprintf(buf, n, "%s", name && *name ? name : r->id);
        break;
    }
    case C_DATA: {
        const char *d = run ? rs_run_conf(run, "dataset", "") : "";
        const char *slash = strrchr(d, '/');
        snprintf(buf, n, "%s", slash && slash[1] ? slash + 1 : d);
        break;
    }
    case C_GEN: snprintf(buf, n, "%s", run ? rs_run_conf(run, "labels", "") : ""); break;
    case C_TASKS: {
        /* "M,T,A,V" -> "MTAV" */
        const char *t = run ? rs_run_conf(run, "tasks", "") : "";
        size_t k = 0;
        for (; *t && k + 1 < n; t++)
            if (*t != ',' && *t != ' ')
                buf[k++] = *t;
        buf[k] = '\0';
        break;
    }
    case C_CPC: {
        /* the set's one name (the reader renders an earlier run.conf's
         * "ma,mv" as "w/o L_N^mt") */
        const char *c2 = run ? rs_run_conf(run, "cpc_terms", "") : "";
        snprintf(buf, n, "%s", *c2 ? c2 : "none");
        break;
    }
    case C_SEED: snprintf(buf, n, "%s", run ? rs_run_conf(run, "seed", "") : ""); break;
    case C_EPOCH: {
        const char *mx = run ? rs_run_conf(run, "max_epochs", "?") : "?";
        int ep = last >= 0 ? (int)rs_table_getn(E, last, "epoch") : 0;
        if (r->job && r->job->state == RUN_RUNNING && r->job->nbatches > 0)
            snprintf(buf, n, "%d/%s %d%%", r->job->epoch, mx, 100 * r->job->batch / r->job->nbatches);
        else if (run)
            snprintf(buf, n, "%d/%s", ep, mx);
        break;
    }
    case C_BEST: {
        double b = last >= 0 ? rs_table_getn(E, last, "best_epoch") : NAN;
        if (!isnan(b))
            snprintf(buf, n, "%d", (int)b);
        break;
    }
    case C_SRC:
        /* the numbers beside: the best epoch's test metrics (test.csv), or,
         * before there are any, the last epoch's validation metrics */
        if (done)
            snprintf(buf, n, "test");
        else if (E && last >= 0) {
            snprintf(buf, n, "val");
            s->fg = UI_GREY;
        }
        break;
    case C_MAE:
    case C_CORR:
    case C_ACC2:
    case C_F1:
    case C_ACC7: {
        static const char *const tn[][2] = {{RD_NAME(mae), NULL}, {RD_NAME(corr), NULL},
                                            {RD_NAME(acc2_has0), RD_NAME(acc2)}, {RD_NAME(f1_has0), RD_NAME(f1)},
                                            {RD_NAME(acc7), RD_NAME(acc5)}};
        static const char *const vn[][2] = {{RD_VAL(mae), NULL}, {RD_VAL(corr), NULL},
                                            {RD_VAL(acc2_has0), RD_VAL(acc2)}, {RD_VAL(f1_has0), RD_VAL(f1)},
                                            {RD_VAL(acc7), RD_VAL(acc5)}};
        int k = c - C_MAE;
        double v = done ? test_metric(run, tn[k][0], tn[k][1]) : NAN;
        if (!done && E && last >= 0) {
            /* validation of the running run, in grey */
            v = rs_table_getn(E, last, vn[k][0]);
            if (isnan(v) && vn[k][1])
                v = rs_table_getn(E, last, vn[k][1]);
            s->fg = UI_GREY;
        }
        if (k >= 2)
            v *= 100;
        fmt_num(buf, n, v, cols[c].min, k >= 2 ? 1 : 3);
        break;
    }
    case C_TIME: {
        double t = 0;
        int sc = E ? rs_table_col(E, "seconds") : -1;
        for (int i = 0; i <= last; i++)
            t += isnan(rs_table_get(E, i, sc)) ? 0 : rs_table_get(E, i, sc);
        if (last >= 0)
            fmt_duration(buf, n, t);
        break;
    }
    default: break;
    }
}

void ui_view_runs(ui_app *a, cellbuf *b, ui_rect r)
{
    int widths[C_COUNT];
    ui_table_fit(cols, C_COUNT, r.w, 1, widths);
    ui_rect list = r, detail = {r.x, r.y + r.h, r.w, 0};
    if (r.h >= 12)
        ui_split_v(r, r.h - 4, 0, 3, &list, &detail);
    /* header */
    int x = list.x;
    for (int c = 0; c < C_COUNT; c++) {
        if (!widths[c])
            continue;
        char t[48];
        snprintf(t, sizeof t, "%s", col_title[c]);
        static const int sort_of_col[C_COUNT] = {-1, SORT_STATUS, SORT_ID, -1, -1, -1, -1, -1, -1,
                                                 SORT_BEST, -1, SORT_MAE, SORT_CORR, SORT_ACC2, SORT_F1, -1, -1, -1};
        if (sort_of_col[c] == a->sort_col)
            snprintf(t, sizeof t, "%s%s", col_title[c], a->sort_rev ? (a->ascii ? "v" : "\xe2\x96\xbc") : (a->ascii ? "^" : "\xe2\x96\xb2"));
        bool right = c >= C_BEST && c <= C_ACC7;
        int tw = ui_text_width(t);
        cellbuf_text(b, right && tw < widths[c] ? x + widths[c] - tw : x, list.y, widths[c],
                     ui_sty(UI_DEFAULT, UI_DEFAULT, UI_BOLD | UI_UNDERLINE), t);
        x += widths[c] + 1;
    }
    int rows = list.h - 1;
    if (a->nrows == 0) {
        const char *why = a->filter[0] ? "No run matches the filter (Esc clears it)."
                                       : "No runs yet. Press n to start a run of the experiment (4 then n: its grid).";
        cellbuf_text(b, list.x + 2, list.y + 2, list.w - 4, ui_sty(UI_GREY, UI_DEFAULT, 0), why);
        if (!a->filter[0])
            cellbuf_printf(b, list.x + 2, list.y + 3, list.w - 4, ui_sty(UI_GREY, UI_DEFAULT, 0),
                           "Runs written under %s by `selfmi train` or `selfmi grid` appear here live.",
                           a->store.root);
        return;
    }
    if (rows < 1)
        return;
    if (a->cur < a->top)
        a->top = a->cur;
    if (a->cur >= a->top + rows)
        a->top = a->cur - rows + 1;
    if (a->top > a->nrows - rows)
        a->top = a->nrows - rows > 0 ? a->nrows - rows : 0;
    a->list_hit = (ui_rect){list.x, list.y + 1, list.w, rows};
    a->list_first = a->top;
    for (int i = 0; i < rows && a->top + i < a->nrows; i++) {
        const ui_runrow *rw = &a->rows[a->top + i];
        int y = list.y + 1 + i;
        bool cur = a->top + i == a->cur;
        x = list.x;
        for (int c = 0; c < C_COUNT; c++) {
            if (!widths[c])
                continue;
            char t[256];
            ui_style s = UI_PLAIN;
            if (c == C_TREND) {
                if (rw->run) {
                    const rs_table *E = &rw->run->epochs;
                    int col = rs_table_col(E, RD_VAL(mae));
                    double v[256];
                    int n = 0;
                    for (int k = E->nrows > 256 ? E->nrows - 256 : 0; k < E->nrows; k++)
                        v[n++] = rs_table_get(E, k, col);
                    ui_sparkline(b, x, y, widths[c], v, n, ui_sty(UI_CYAN, UI_DEFAULT, 0));
                }
                x += widths[c] + 1;
                continue;
            }
            if (c == C_SRC && ui_runrow_state(rw) == RUN_FAILED) {
                /* a failed run has no numbers to show: its reason takes their place */
                const char *why = rw->run && rw->run->reason[0] ? rw->run->reason
                                  : rw->job ? rw->job->reason : "";
                cellbuf_text(b, x, y, list.x + list.w - x, ui_sty(UI_RED, UI_DEFAULT, 0), why);
                break;
            }
            format_cell(a, rw, c, t, sizeof t, &s);
            if (c == C_RUN) {
                /* too long: the id's hash suffix ("-2f7e109e") goes first
                 * (the line below the list shows it whole), then the middle */
                size_t tl = strlen(t);
                if (ui_text_width(t) > widths[c] && tl > 9 && t[tl - 9] == '-' &&
                    strspn(t + tl - 8, "0123456789abcdef") == 8)
                    t[tl - 9] = '\0';
                char e[256];
                fmt_elide(e, sizeof e, t, widths[c], a->ascii);
                memcpy(t, e, sizeof t);
            }
            bool right = c >= C_BEST && c <= C_ACC7;
            int tw = ui_text_width(t);
            cellbuf_text(b, right && tw < widths[c] ? x + widths[c] - tw : x, y, widths[c], s, t);
            x += widths[c] + 1;
        }
        if (cur) {
            ui_rect line = {list.x, y, list.w, 1};
            for (int cx = line.x; cx < line.x + line.w; cx++) {
                ui_cell *cell = cellbuf_at(b, cx, y);
                if (a->color) {
                    cell->bg = UI_BLUE;
                    if (cell->fg == UI_DEFAULT || cell->fg == UI_BLUE || cell->fg == UI_GREY)
                        cell->fg = UI_BRIGHT_WHITE;
                } else {
                    cell->attr |= UI_REVERSE;
                }
            }
        }
    }
    /* detail of the run under the cursor; the separator carries the
     * position and the sort order, never over a cell of the list */
    if (detail.h > 0) {
        cellbuf_hline(b, detail.x, detail.y, detail.w, ui_sty(UI_GREY, UI_DEFAULT, 0));
        char pos[128];
        int pw = snprintf(pos, sizeof pos, " %s%.40s%s%d/%d  sort: %s%s ", a->filter[0] ? "filter: " : "", a->filter,
                          a->filter[0] ? " (Esc clears)  " : "", a->cur + 1, a->nrows, sort_names[a->sort_col],
                          a->sort_rev ? " (reversed)" : "");
        pw = ui_text_width(pos);
        if (pw + 4 < detail.w)
            cellbuf_text(b, detail.x + detail.w - pw - 2, detail.y, pw, ui_sty(UI_GREY, UI_DEFAULT, 0), pos);
        const ui_runrow *rw = ui_app_current(a);
        if (!rw)
            return;
        cellbuf_printf(b, detail.x, detail.y + 1, detail.w, UI_PLAIN, "%s", rw->run ? rw->run->dir : rw->id);
        run_state st = ui_runrow_state(rw);
        char line[600];
        if (st == RUN_FAILED && rw->run)
            snprintf(line, sizeof line, "failed: %s", rs_run_reason(rw->run));
        else if (rw->job && rw->job->state == RUN_FAILED)
            snprintf(line, sizeof line, "failed: %s", rw->job->reason);
        else if (rw->run) {
            const rs_table *E = &rw->run->epochs;
            int last = E->nrows - 1;
            snprintf(line, sizeof line, "%s  lr_other %s  batch %s  lambda_cpc %s  patience %g of %s",
                     run_state_name(st), rs_run_conf(rw->run, "lr_other", "?"), rs_run_conf(rw->run, "batch_size", "?"),
                     rs_run_conf(rw->run, "lambda_cpc", "?"), last >= 0 ? rs_table_getn(E, last, "patience") : 0.0,
                     rs_run_conf(rw->run, "early_stop", "?"));
        } else
            snprintf(line, sizeof line, "queued%s", rw->job ? "" : " on Slurm");
        /* Slurm's word on a run of an array: its task's state, and the
         * task's log once it is over without the run done */
        const ui_slurm_run *sr = ui_slurm_find(&a->slurm, rw->id);
        if (sr) {
            char sl[128];
            ui_slurm_describe(sr, sl, sizeof sl);
            size_t k = strlen(line);
            if (sl[0])
                snprintf(line + k, sizeof line - k, "  Slurm %.40s: %.100s", sr->task, sl);
            else if (st != RUN_DONE)
                snprintf(line + k, sizeof line - k, "  Slurm log %.300s", sr->log);
        }
        cellbuf_text(b, detail.x, detail.y + 2, detail.w,
                     ui_sty(st == RUN_FAILED ? UI_RED : UI_GREY, UI_DEFAULT, 0), line);
        if (a->nselected)
            cellbuf_printf(b, detail.x, detail.y + 3, detail.w, ui_sty(UI_YELLOW, UI_DEFAULT, 0),
                           "%d selected: 5 compares them", a->nselected);
        else if (a->slurm.npending || a->slurm.nrunning)
            cellbuf_printf(b, detail.x, detail.y + 3, detail.w, ui_sty(UI_GREY, UI_DEFAULT, 0),
                           "Slurm: %d tasks pending, %d running (c on a run cancels its task)", a->slurm.npending,
                           a->slurm.nrunning);
    }
}
