/* view_search.c: the Grid view of a search (an experiment with a [search]
 * section): its trials as their runs land under the results root (the
 * search's trials/ folder), ranked by the validation metric, each with its
 * drawn values, the rung it reached and its state; below, a braille
 * scatter of the metric against one searched key (x: the next key), trials
 * halving stopped drawn apart from those still in the race, the rungs
 * named in the title. Enter opens the trial's last run in Live; B writes
 * best.conf from the best trial that reached the last rung. */
#include "config.h"
#include "base/fsutil.h"
#include "ui/app.h"
#include "data/csvio.h"
#include "ui/fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int trial;
    int rung_epochs;       /* the highest rung with a run (0: random search) */
    int nruns, ndone, nrunning, nfailed;
    int epochs;
    double score;          /* mean over its seeds at that rung of each one's best */
    bool stopped;          /* halving went on without it */
    bool budget;           /* the time budget stopped it (search.csv) */
    const rs_run *last;    /* its first seed's run at that rung */
} srch_row;

typedef struct {
    srch_row *rows;        /* (n) by trial */
    int n;
    int *order;            /* (n) ranked */
    int top_rung;          /* the highest rung any trial reached */
    bool halving;          /* the file's method, or runs of rungs on disk (selfmi search --method halving) */
    int ndone, nrunning;
} srch_table;

static void table_free(srch_table *t)
{
    free(t->rows);
    free(t->order);
    memset(t, 0, sizeof *t);
}

static double run_score(const rs_run *r, const char *metric, bool maximise, int *epochs)
{
    int c = rs_table_col(&r->epochs, metric);
    *epochs = r->epochs.nrows;
    double best = NAN;
    for (int i = 0; i < r->epochs.nrows && c >= 0; i++) {
        double v = rs_table_get(&r->epochs, i, c);
        if (!isnan(v) && (isnan(best) || (maximise ? v > best : v < best)))
            best = v;
    }
    return best;
}

/* Whether an interrupted run is a halving survivor's run made ready to go
 * on from the rung before (selfmi-results(5) continued) that has not
 * trained a new epoch yet: waiting, not failed. */
static bool continuation_waiting(const rs_run *r)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/" RUNSTORE_CONTINUED, r->dir);
    sm_kv kv;
    sm_err err;
    if (sm_kv_read(&kv, path, &err))
        return false;
    const char *e = sm_kv_get(&kv, "epoch");
    bool waiting = e && r->epochs.nrows <= atoi(e);
    sm_kv_free(&kv);
    return waiting;
}

/* The trials search.csv (beside the trials/ folder) records as stopped by
 * the time budget: their runs read as cancelled, which is not a failure.
 * flags (n) gets true for each; no file, no marks. */
static void budget_marks(const char *root, bool *flags, int n)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/../search.csv", root);
    csv_table t;
    sm_err err;
    if (csvio_read(&t, path, &err) != SM_OK)
        return;
    int ct = csvio_column(&t, "trial"), cs = csvio_column(&t, "status");
    for (int r = 1; r < t.nrows && ct >= 0 && cs >= 0; r++) {
        long i;
        const char *st = csvio_get(&t, r, cs);
        if (csvio_parse_long(csvio_get(&t, r, ct), &i) && i >= 0 && i < n && st &&
            strcmp(st, "stopped by the budget") == 0)
            flags[i] = true;
    }
    csvio_free(&t);
}

static const search_spec *spec_of(const ui_app *a)
{
    return a->srch_spec;
}

static bool ranks_before(const srch_row *x, const srch_row *y, bool maximise)
{
    bool fx = !isnan(x->score), fy = !isnan(y->score);
    if (fx != fy)
        return fx;
    if (fx && x->score != y->score)
        return maximise ? x->score > y->score : x->score < y->score;
    return x->trial < y->trial;
}

/* The trials from the runs the dashboard reads. */
static bool table_build(const ui_app *a, srch_table *t)
{
    const search_spec *s = spec_of(a);
    memset(t, 0, sizeof *t);
    t->n = s->trials;
    t->rows = calloc((size_t)t->n, sizeof *t->rows);
    t->order = calloc((size_t)t->n, sizeof *t->order);
    if (!t->rows || !t->order) {
        table_free(t);
        return false;
    }
    for (int i = 0; i < t->n; i++) {
        t->rows[i].trial = i;
        t->rows[i].score = NAN;
    }
    /* the highest rung of each trial first */
    for (int k = 0; k < a->store.n; k++) {
        const rs_run *r = a->store.runs[k];
        int tr, ep;
        unsigned long seed;
        if (search_run_id_parse(r->id, &tr, &seed, &ep) && tr < t->n && ep > t->rows[tr].rung_epochs)
            t->rows[tr].rung_epochs = ep;
    }
    double *sum = calloc((size_t)t->n, sizeof *sum);
    int *nsum = calloc((size_t)t->n, sizeof *nsum);
    if (!sum || !nsum) {
        free(sum), free(nsum);
        table_free(t);
        return false;
    }
    for (int k = 0; k < a->store.n; k++) {
        const rs_run *r = a->store.runs[k];
        int tr, ep;
        unsigned long seed;
        if (!search_run_id_parse(r->id, &tr, &seed, &ep) || tr >= t->n || ep != t->rows[tr].rung_epochs)
            continue;
        srch_row *x = &t->rows[tr];
        run_state st = rs_run_state(r);
        if (st == RUN_INTERRUPTED && continuation_waiting(r))
            st = RUN_QUEUED;
        x->nruns++;
        x->ndone += st == RUN_DONE;
        x->nrunning += st == RUN_RUNNING || st == RUN_QUEUED;
        x->nfailed += st == RUN_FAILED || st == RUN_CANCELLED || st == RUN_INTERRUPTED;
        if (!x->last || strcmp(r->id, x->last->id) < 0)
            x->last = r;
        int epochs;
        double v = run_score(r, s->metric, s->maximise, &epochs);
        if (epochs > x->epochs)
            x->epochs = epochs;
        if (!isnan(v)) {
            sum[tr] += v;
            nsum[tr]++;
        }
        if (ep > t->top_rung)
            t->top_rung = ep;
    }
    t->halving = s->method == SEARCH_HALVING || t->top_rung > 0;
    bool *budget = calloc((size_t)t->n, sizeof *budget);
    if (budget)
        budget_marks(a->store.root, budget, t->n);
    for (int i = 0; i < t->n; i++) {
        srch_row *x = &t->rows[i];
        /* cancelled by the budget, and not started again since */
        if (budget && budget[i] && x->nfailed && !x->nrunning) {
            x->budget = true;
            x->nfailed = 0;
        }
        if (nsum[i])
            x->score = sum[i] / nsum[i];
        /* halving went on to a higher rung without this finished trial
         * (one that stopped by itself before its rung is complete) */
        x->stopped = t->halving && x->nruns && x->ndone == x->nruns &&
                     x->rung_epochs < t->top_rung && x->epochs >= x->rung_epochs;
        t->ndone += x->nruns && x->ndone == x->nruns;
        t->nrunning += x->nrunning > 0;
    }
    free(sum);
    free(nsum);
    free(budget);
    /* ranked: insertion sort (a search has tens to hundreds of trials) */
    for (int i = 0; i < t->n; i++) {
        int j = i;
        while (j > 0 && ranks_before(&t->rows[i], &t->rows[t->order[j - 1]], s->maximise)) {
            t->order[j] = t->order[j - 1];
            j--;
        }
        t->order[j] = i;
    }
    return true;
}

/* The best trial that reached the highest rung, or -1. */
static int best_trial(const srch_table *t)
{
    for (int k = 0; k < t->n; k++) {
        const srch_row *x = &t->rows[t->order[k]];
        if (!isnan(x->score) && x->ndone == x->nruns && x->nruns && x->rung_epochs == t->top_rung)
            return x->trial;
    }
    return -1;
}

static void draw_scatter(ui_app *a, const srch_table *t, cellbuf *b, ui_rect r)
{
    const search_spec *s = spec_of(a);
    const search_dist *d = &s->dists[a->srch_key % s->ndists];
    char vals[1][64];
    double *x = calloc((size_t)t->n * 2 + 2, sizeof *x);
    double *y = calloc((size_t)t->n * 2 + 2, sizeof *y);
    if (!x || !y) {
        free(x), free(y);
        return;
    }
    /* two series: the trials in the race (or done) and those halving stopped */
    int n0 = 0, n1 = 0;
    double *x1 = x + t->n + 1, *y1 = y + t->n + 1;
    for (int i = 0; i < t->n; i++) {
        const srch_row *row = &t->rows[i];
        if (isnan(row->score))
            continue;
        search_dist_draw_trial(s, i, (int)(d - s->dists), vals[0], sizeof vals[0]);
        double v = strtod(vals[0], NULL);
        if (d->kind == SEARCH_CHOICE) {
            /* a choice: its index, so text values plot too */
            v = 0;
            for (int c = 0; c < d->n; c++)
                if (strcmp(d->choices[c], vals[0]) == 0)
                    v = c;
        } else if (d->kind == SEARCH_LOGUNIFORM && v > 0) {
            v = log10(v);
        }
        if (row->stopped) {
            x1[n1] = v;
            y1[n1++] = row->score;
        } else {
            x[n0] = v;
            y[n0++] = row->score;
        }
    }
    char title[160];
    snprintf(title, sizeof title, "%s against %s%s%s", s->metric, d->kind == SEARCH_LOGUNIFORM ? "log10 " : "",
             d->key, d->kind == SEARCH_CHOICE ? " (choice index)" : "");
    ui_series ser[2] = {
        {.name = t->halving ? "in the race or done" : "trials", .x = x, .y = y, .n = n0,
         .color = UI_CYAN, .points = true},
        {.name = "stopped by halving", .x = x1, .y = y1, .n = n1, .color = UI_GREY, .points = true},
    };
    ui_plot p = {.title = title, .series = ser, .nseries = n1 ? 2 : 1, .vmark = NAN, .xcursor = NAN};
    ui_plot_draw(b, r, &p);
    free(x);
    free(y);
}

void ui_view_search(ui_app *a, cellbuf *b, ui_rect r)
{
    const search_spec *s = spec_of(a);
    srch_table t;
    if (!s || s->ndists == 0 || !table_build(a, &t)) {
        cellbuf_printf(b, r.x + 2, r.y + 1, r.w - 4, ui_sty(UI_RED, UI_DEFAULT, 0), "No search to show");
        return;
    }
    ui_style grey = ui_sty(UI_GREY, UI_DEFAULT, 0);
    char rungs[160] = "";
    if (t.halving) {
        int rg[SEARCH_RUNGS_MAX];
        int nr = search_rungs(s->min_epochs, s->eta, a->search_base.max_epochs, rg, SEARCH_RUNGS_MAX);
        size_t k = (size_t)snprintf(rungs, sizeof rungs, "; rungs");
        for (int i = 0; i < nr && k < sizeof rungs; i++)
            k += (size_t)snprintf(rungs + k, sizeof rungs - k, " %d%s", rg[i], rg[i] == t.top_rung ? "*" : "");
    }
    /* the title, shorter when the full one does not fit */
    char title[512];
    int tn = snprintf(title, sizeof title, "Search: %s, %d trials on %s (%s is better): %d done, %d running%s",
                      t.halving ? "halving" : "random", s->trials, s->metric, s->maximise ? "higher" : "lower",
                      t.ndone, t.nrunning, rungs);
    if (tn > r.w)
        snprintf(title, sizeof title, "%s, %d trials, %s %s: %d done, %d running%s",
                 t.halving ? "Halving" : "Random", s->trials, s->metric, s->maximise ? "up" : "down", t.ndone,
                 t.nrunning, rungs);
    cellbuf_printf(b, r.x, r.y, r.w, ui_sty(UI_DEFAULT, UI_DEFAULT, UI_BOLD), "%s", title);
    /* the ranked list above, the scatter below */
    ui_rect list = r, plot = r;
    list.y += 1;
    list.h -= 1;
    if (r.h >= 16) {
        ui_split_v((ui_rect){r.x, r.y + 1, r.w, r.h - 2}, (r.h - 2) / 2, 0, 4, &list, &plot);
    } else {
        plot.h = 0;
        list.h -= 1;
    }
    char hdr[512];
    int k = snprintf(hdr, sizeof hdr, "%4s %5s %-8s %6s %9s", "rank", "trial", "state", "epochs", s->metric);
    for (int d = 0; d < s->ndists && k < (int)sizeof hdr; d++)
        k += snprintf(hdr + k, sizeof hdr - (size_t)k, " %10.10s", s->dists[d].key);
    cellbuf_printf(b, list.x, list.y, list.w, grey, "%s", hdr);
    int rows = list.h - 1;
    if (a->srch_cur >= t.n)
        a->srch_cur = t.n - 1;
    if (a->srch_cur < 0)
        a->srch_cur = 0;
    if (a->srch_cur < a->srch_top)
        a->srch_top = a->srch_cur;
    if (rows > 0 && a->srch_cur >= a->srch_top + rows)
        a->srch_top = a->srch_cur - rows + 1;
    a->list_hit = (ui_rect){list.x, list.y + 1, list.w, rows > 0 ? rows : 0};
    a->list_first = a->srch_top;
    int best = best_trial(&t);
    for (int i = 0; i < rows && a->srch_top + i < t.n; i++) {
        int pos = a->srch_top + i;
        const srch_row *x = &t.rows[t.order[pos]];
        char vals[1][64], num[16], line[512];
        const char *state = !x->nruns             ? "-"
                            : x->nfailed          ? "failed"
                            : x->budget           ? "budget"
                            : x->nrunning         ? "running"
                            : x->stopped          ? "stopped"
                            : x->trial == best    ? "best"
                                                  : "done";
        fmt_num(num, sizeof num, x->score, 9, 4);
        int n = snprintf(line, sizeof line, "%4d %5d %-8s %6d %9s", pos + 1, x->trial, state, x->epochs, num);
        for (int d = 0; d < s->ndists && n < (int)sizeof line; d++) {
            search_dist_draw_trial(s, x->trial, d, vals[0], sizeof vals[0]);
            n += snprintf(line + n, sizeof line - (size_t)n, " %10.10s", vals[0]);
        }
        int16_t fg = x->nfailed ? UI_RED : x->nrunning ? UI_GREEN : x->stopped || x->budget ? UI_GREY : UI_DEFAULT;
        ui_style st = ui_sty(fg, UI_DEFAULT, pos == a->srch_cur ? UI_REVERSE : x->trial == best ? UI_BOLD : 0);
        cellbuf_printf(b, list.x, list.y + 1 + i, list.w, st, "%s", line);
    }
    if (plot.h > 0)
        draw_scatter(a, &t, b, plot);
    const char *key = s->dists[a->srch_key % s->ndists].key;
    int fn = snprintf(title, sizeof title,
                      "Enter: the trial's run in Live   x: scatter against the next key (%s)   B: write best.conf", key);
    if (fn > r.w)
        snprintf(title, sizeof title, "Enter: run in Live  x: next key (%s)  B: write best.conf", key);
    cellbuf_printf(b, r.x, r.y + r.h - 1, r.w, grey, "%s", title);
    table_free(&t);
}

/* Keys of the Grid view of a search; true when handled. open_id gets the
 * run to show in Live (Enter), "" otherwise. */
bool ui_search_request(ui_app *a, ui_request req, char *open_id, size_t n)
{
    const search_spec *s = spec_of(a);
    open_id[0] = '\0';
    if (!s || s->ndists == 0)
        return false;
    int page = a->lay.body.h > 6 ? a->lay.body.h / 2 - 2 : 1;
    switch (req) {
    case REQ_UP: a->srch_cur--; break;
    case REQ_DOWN: a->srch_cur++; break;
    case REQ_PGUP: a->srch_cur -= page; break;
    case REQ_PGDN: a->srch_cur += page; break;
    case REQ_TOP: a->srch_cur = 0; break;
    case REQ_BOTTOM: a->srch_cur = s->trials - 1; break;
    case REQ_CYCLE: a->srch_key = (a->srch_key + 1) % s->ndists; break;
    case REQ_OPEN:
    case REQ_WRITE_BEST: {
        srch_table t;
        if (!table_build(a, &t)) {
            ui_app_message(a, true, "out of memory");
            return true;
        }
        if (req == REQ_OPEN) {
            int c = a->srch_cur < 0 ? 0 : a->srch_cur >= t.n ? t.n - 1 : a->srch_cur;
            const srch_row *x = t.n ? &t.rows[t.order[c]] : NULL;
            if (x && x->last)
                snprintf(open_id, n, "%s", x->last->id);
            else
                ui_app_message(a, true, "this trial has no run yet");
        } else {
            int best = best_trial(&t);
            config c;
            char (*vals)[64] = calloc((size_t)s->ndists, sizeof *vals);
            sm_err err;
            char *text = NULL;
            size_t len = 0;
            FILE *f = NULL;
            if (best < 0) {
                ui_app_message(a, true, "no trial has finished the last rung yet");
            } else if (!vals || search_trial_config(s, &a->search_base, best, &c, vals, &err) ||
                       !(f = open_memstream(&text, &len))) {
                ui_app_message(a, true, "best.conf: %s", vals ? err.msg : "out of memory");
            } else {
                search_best_conf_write(f, s, &c, best, t.rows[best].score, a->search_exp_path, a->search_out);
                fclose(f);
                char path[1100];
                snprintf(path, sizeof path, "%s/best.conf", a->search_out);
                if (sm_atomic_replace(path, text, len, &err))
                    ui_app_message(a, true, "%s", err.msg);
                else
                    ui_app_message(a, false, "wrote %s: trial %d; confirm it with selfmi grid %s", path, best, path);
            }
            free(text);
            free(vals);
        }
        table_free(&t);
        break;
    }
    default:
        return false;
    }
    if (a->srch_cur >= s->trials)
        a->srch_cur = s->trials - 1;
    if (a->srch_cur < 0)
        a->srch_cur = 0;
    return true;
}
