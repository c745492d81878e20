/* app.c: the dashboard's state machine: keys and clicks to requests,
 * requests to state changes, and the frame around the views (tabs, help
 * line, status line, prompts, the help overlay). */
#include "config.h"
#include "ui/app.h"
#include "exp/slurm.h"
#include "ui/fmt.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const int16_t ui_series_colors[8] = {UI_CYAN, UI_MAGENTA, UI_GREEN, UI_YELLOW, UI_BLUE, UI_RED, UI_BRIGHT_CYAN,
                                     UI_BRIGHT_MAGENTA};

int16_t ui_state_color(run_state s)
{
    switch (s) {
    case RUN_RUNNING: return UI_GREEN;
    case RUN_DONE: return UI_DEFAULT;
    case RUN_FAILED: return UI_RED;
    case RUN_CANCELLED:
    case RUN_INTERRUPTED: return UI_YELLOW;
    case RUN_QUEUED: return UI_BLUE;
    default: return UI_GREY;
    }
}

void ui_app_set_search(ui_app *a, const search_spec *spec, const config *base, const char *exp_path,
                       const char *out)
{
    a->srch_spec = spec;
    a->search_base = *base;
    snprintf(a->search_exp_path, sizeof a->search_exp_path, "%s", exp_path);
    snprintf(a->search_out, sizeof a->search_out, "%s", out);
}

void ui_app_init(ui_app *a, const char *root, const char *exp_path, const ui_backend *be)
{
    memset(a, 0, sizeof *a);
    rs_store_init(&a->store, root);
    ui_slurm_init(&a->slurm, root);
    snprintf(a->experiment, sizeof a->experiment, "%s", exp_path ? exp_path : "");
    if (be) {
        a->be = *be;
        a->has_backend = true;
    }
    a->color = true;
    a->smooth = false;
    a->smooth_w = 0.6;
    a->lab_epoch = -1;
    a->dirty = true;
    rs_labels_init(&a->labels);
    ui_app_resize(a, 80, 24);
}

static void free_strs(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void ui_app_free(ui_app *a)
{
    if (!a)
        return;
    rs_store_free(&a->store);
    ui_slurm_poller_stop(a->slurm_poller);
    ui_slurm_free(&a->slurm);
    free(a->jobs);
    free(a->rows);
    free_strs(a->selected, a->nselected);
    free(a->picker);
    rs_labels_free(&a->labels);
    dataset_free(&a->dsinfo);
    free(a->order);
    for (int i = 0; i < a->ngrid; i++)
        free(a->grid[i].runs);
    free(a->grid);
    free_strs(a->grid_metrics, a->ngrid_metrics);
    free(a->plan);
    memset(a, 0, sizeof *a);
}

void ui_app_set_plan(ui_app *a, const ui_plan_item *items, int n, const char *group_by, const char *reference)
{
    free(a->plan);
    a->plan = NULL;
    a->nplan = 0;
    if (n > 0 && (a->plan = malloc((size_t)n * sizeof *a->plan))) {
        memcpy(a->plan, items, (size_t)n * sizeof *a->plan);
        a->nplan = n;
    }
    snprintf(a->plan_group_by, sizeof a->plan_group_by, "%s", group_by ? group_by : "");
    snprintf(a->plan_reference, sizeof a->plan_reference, "%s", reference ? reference : "");
    ui_app_grid_rebuild(a);
}

void ui_app_resize(ui_app *a, int w, int h)
{
    a->w = w < 0 ? 0 : w;
    a->h = h < 0 ? 0 : h;
    ui_layout_compute(&a->lay, a->w, a->h);
    a->dirty = true;
}

void ui_app_slurm_async(ui_app *a)
{
    if (!a->slurm_poller)
        a->slurm_poller = ui_slurm_poller_start(a->store.root, 5.0);
}

void ui_app_message(ui_app *a, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    a->msg_error = error;
    a->dirty = true;
}

int ui_app_active_jobs(const ui_app *a)
{
    int n = 0;
    for (int i = 0; i < a->njobs; i++)
        if (job_active(&a->jobs[i]))
            n++;
    return n;
}

bool ui_app_update(ui_app *a, bool refresh_disk)
{
    bool changed = false;
    if (a->has_backend && a->be.version) {
        uint64_t v = a->be.version(a->be.ud);
        if (v != a->jobs_version || !a->jobs) {
            a->jobs_version = v;
            int failed_before = 0;
            for (int i = 0; i < a->njobs; i++)
                failed_before += a->jobs[i].state == RUN_FAILED;
            for (;;) {
                int n = a->be.snapshot(a->be.ud, a->jobs, a->cap_jobs);
                if (n <= a->cap_jobs) {
                    a->njobs = n;
                    break;
                }
                job_info *j = realloc(a->jobs, (size_t)(n + 16) * sizeof *j);
                if (!j)
                    break;
                a->jobs = j;
                a->cap_jobs = n + 16;
            }
            /* a run that just failed (diverged, disk full, unwritable
             * results) is named in the status line; the others go on */
            int failed_after = 0, last = -1;
            for (int i = 0; i < a->njobs; i++)
                if (a->jobs[i].state == RUN_FAILED) {
                    failed_after++;
                    last = i;
                }
            if (failed_after > failed_before && last >= 0) {
                /* the reason without the run directory's path, which the
                 * run id already names */
                const job_info *j = &a->jobs[last];
                const char *why = j->reason;
                size_t dl = strlen(j->dir);
                if (dl && strncmp(why, j->dir, dl) == 0 && why[dl] == '/')
                    why += dl + 1;
                ui_app_message(a, true, "%s failed: %s", j->run_id, why);
            }
            changed = true;
            refresh_disk = true;   /* a job moved: its files did too */
        }
    }
    if (refresh_disk && rs_store_refresh(&a->store))
        changed = true;
    if (a->slurm_poller ? ui_slurm_poller_take(a->slurm_poller, &a->slurm)
                        : refresh_disk && ui_slurm_refresh(&a->slurm, 5.0))
        changed = true; /* and the rows, which hold Slurm's pending runs */
    char note[1100];
    bool note_bad;
    if (a->slurm_poller && ui_slurm_poller_note(a->slurm_poller, &a->slurm_note_seen, note, sizeof note, &note_bad)) {
        ui_app_message(a, note_bad, "%s", note);   /* what the queued scancels gave */
        changed = true;
    }
    if (changed || a->store.version != a->store_version_seen) {
        a->store_version_seen = a->store.version;
        ui_app_rebuild_rows(a);
        ui_app_grid_rebuild(a);
        changed = true;
    }
    if (refresh_disk && a->view == VIEW_LABELS) {
        uint64_t lv = a->labels_version;
        ui_app_labels_sync(a);
        if (a->labels_version != lv)
            changed = true;
    }
    if (changed)
        a->dirty = true;
    return a->dirty;
}

ui_runrow *ui_app_current(ui_app *a)
{
    if (a->cur < 0 || a->cur >= a->nrows)
        return NULL;
    return &a->rows[a->cur];
}

rs_run *ui_app_current_run(ui_app *a)
{
    ui_runrow *r = ui_app_current(a);
    return r ? r->run : NULL;
}

bool ui_app_is_selected(const ui_app *a, const char *id)
{
    for (int i = 0; i < a->nselected; i++)
        if (strcmp(a->selected[i], id) == 0)
            return true;
    return false;
}

static void toggle_selected(ui_app *a, const char *id)
{
    a->ncmp_rows = a->ncmp_rows_asked = 0;   /* Compare shows runs again */
    for (int i = 0; i < a->nselected; i++)
        if (strcmp(a->selected[i], id) == 0) {
            free(a->selected[i]);
            a->selected[i] = a->selected[--a->nselected];
            return;
        }
    char **v = realloc(a->selected, (size_t)(a->nselected + 1) * sizeof *v);
    if (!v)
        return;
    a->selected = v;
    a->selected[a->nselected] = strdup(id);
    if (a->selected[a->nselected])
        a->nselected++;
}

static void set_cursor(ui_app *a, int cur)
{
    if (cur >= a->nrows)
        cur = a->nrows - 1;
    if (cur < 0)
        cur = 0;
    a->cur = cur;
    if (cur < a->nrows)
        snprintf(a->cur_id, sizeof a->cur_id, "%s", a->rows[cur].id);
}

static int page_rows(const ui_app *a)
{
    int n = a->lay.body.h - 2;
    return n > 1 ? n : 1;
}

/* ---- searching samples (Labels) ---------------------------------------------- */

const char *ui_app_sample_text(const ui_app *a, int i)
{
    if (!a->dsinfo.n || i < 0 || i >= a->labels.nsamp)
        return NULL;
    int row = a->labels.row[i];
    if (row >= 0 && row < a->dsinfo.n)
        return a->dsinfo.text[row];
    return NULL;
}

static bool sample_matches(const ui_app *a, int i, const char *q)
{
    if (!*q)
        return false;
    if (strcasestr(a->labels.ids[i], q))
        return true;
    const char *t = ui_app_sample_text(a, i);
    return t && strcasestr(t, q);
}

/* Moves the sample cursor to the next (dir 1) or previous (-1) match in
 * display order, starting after (from_next) or at the current one. */
static bool search_samples(ui_app *a, int dir, bool from_next)
{
    int n = a->norder;
    if (!n || !a->search[0])
        return false;
    int pos = 0;
    for (int k = 0; k < n; k++)
        if (a->order[k] == a->lab_sample)
            pos = k;
    for (int step = from_next ? 1 : 0; step <= n; step++) {
        int k = ((pos + dir * step) % n + n) % n;
        if (sample_matches(a, a->order[k], a->search)) {
            a->lab_sample = a->order[k];
            return true;
        }
    }
    return false;
}

static void start_runs(ui_app *a, ui_start_kind kind);

/* ---- quitting and deleting ---------------------------------------------------- */

/* c on runs of a Slurm array: scancel their tasks; how many were. */
static int cancel_slurm(ui_app *a)
{
    int n = 0;
    ui_runrow *cur = ui_app_current(a);
    char msg[512] = "";
    bool bad = false;
    for (int i = 0; i < a->slurm.n; i++) {
        const ui_slurm_run *r = &a->slurm.runs[i];
        if (!r->state[0] || (!ui_app_is_selected(a, r->run_id) && !(cur && strcmp(cur->id, r->run_id) == 0)))
            continue;
        if (a->slurm_poller) {
            /* scancel may wait on slurmctld: the poller's thread runs it */
            if (!ui_slurm_poller_cancel(a->slurm_poller, r)) {
                bad = true;
                snprintf(msg, sizeof msg, "scancel %s: out of memory", r->task);
            }
        } else {
            bad |= ui_slurm_cancel(r, msg, sizeof msg) != SM_OK;
        }
        n++;
    }
    if (a->slurm_poller && n && !bad)
        ui_app_message(a, false, "scancel: asking Slurm to cancel %d task%s", n, n == 1 ? "" : "s");
    else if (n == 1 || bad)
        ui_app_message(a, bad, "%s", msg);
    else if (n > 1)
        ui_app_message(a, false, "scancel: %d Slurm tasks cancelled", n);
    if (n && !a->slurm_poller)
        a->slurm.next_poll = 0; /* Slurm's new word at the next update */
    return n;
}

static void cancel_jobs(ui_app *a, bool only_selected)
{
    if (only_selected && cancel_slurm(a) > 0)
        return;
    if (!a->has_backend)
        return;
    int n = 0;
    for (int i = 0; i < a->njobs; i++) {
        const job_info *j = &a->jobs[i];
        if (!job_active(j))
            continue;
        if (only_selected) {
            ui_runrow *r = ui_app_current(a);
            bool hit = ui_app_is_selected(a, j->run_id) || (r && strcmp(r->id, j->run_id) == 0);
            if (!hit)
                continue;
        }
        a->be.cancel(a->be.ud, j->id);
        n++;
    }
    if (only_selected)
        ui_app_message(a, n == 0, n ? "cancelling %d run%s" : "no queued or running run selected", n,
                       n == 1 ? "" : "s");
}

static void delete_selected(ui_app *a)
{
    char trash[1100];
    snprintf(trash, sizeof trash, "%s/.trash", a->store.root);
    mkdir(trash, 0777);
    int n = 0, busy = 0;
    for (int i = 0; i < a->nrows; i++) {
        ui_runrow *r = &a->rows[i];
        bool hit = ui_app_is_selected(a, r->id) || (a->nselected == 0 && i == a->cur);
        if (!hit || !r->run)
            continue;
        if (rs_run_state(r->run) == RUN_RUNNING || (r->job && job_active(r->job))) {
            busy++;
            continue;
        }
        char to[1400];
        snprintf(to, sizeof to, "%s/%s", trash, r->run->id);
        /* an older run of the same name in the trash gets a suffix */
        for (int k = 2; access(to, F_OK) == 0 && k < 1000; k++)
            snprintf(to, sizeof to, "%s/%s.%d", trash, r->run->id, k);
        if (rename(r->run->dir, to) == 0)
            n++;
    }
    free_strs(a->selected, a->nselected);
    a->selected = NULL;
    a->nselected = 0;
    rs_store_refresh(&a->store);
    ui_app_rebuild_rows(a);
    ui_app_grid_rebuild(a);
    ui_app_message(a, false, "moved %d run%s to %s%s", n, n == 1 ? "" : "s", trash,
                   busy ? " (running ones were kept: cancel them first)" : "");
}

static void start_runs(ui_app *a, ui_start_kind kind);

static bool prompt_key(ui_app *a, uint32_t key)
{
    if (a->prompt == PROMPT_QUIT) {
        if (key == 'c' || key == 'y' || key == 'q') {
            a->cancelled_on_quit = ui_app_active_jobs(a);
            cancel_jobs(a, false);
            a->keep_running = false;
            a->quit = true;
        } else if (key == 'k') {
            a->keep_running = true;
            a->quit = true;
        } else if (key == UI_KEY_ESC || key == 'n') {
            ui_app_message(a, false, "still here");
        } else {
            return true;
        }
        a->prompt = PROMPT_NONE;
        return true;
    }
    if (a->prompt == PROMPT_RERUN) {
        a->prompt = PROMPT_NONE;
        rs_run *cr = ui_app_current_run(a);
        if (key == 'y' && cr && strcmp(cr->id, a->prompt_run) == 0)
            start_runs(a, START_RERUN);
        else
            ui_app_message(a, false, "not re-run");
        return true;
    }
    if (a->prompt == PROMPT_GRID_WHERE) {
        a->prompt = PROMPT_NONE;
        if (key == 'l' || key == UI_KEY_ENTER)
            start_runs(a, START_GRID);
        else if (key == 's')
            start_runs(a, START_GRID_SLURM);
        else
            ui_app_message(a, false, "no grid started");
        return true;
    }
    if (a->prompt == PROMPT_DELETE) {
        a->prompt = PROMPT_NONE;
        if (key == 'y')
            delete_selected(a);
        else
            ui_app_message(a, false, "nothing deleted");
        return true;
    }
    /* search / filter input */
    size_t len = strlen(a->input);
    if (key == UI_KEY_ESC) {
        a->prompt = PROMPT_NONE;
        if (a->view == VIEW_RUNS) {
            a->filter[0] = '\0';
            ui_app_rebuild_rows(a);
        }
        a->msg[0] = '\0';
        return true;
    }
    if (key == UI_KEY_ENTER) {
        a->prompt = PROMPT_NONE;
        if (a->view == VIEW_LABELS) {
            snprintf(a->search, sizeof a->search, "%s", a->input);
            if (!search_samples(a, 1, false))
                ui_app_message(a, true, "no sample matches '%s'", a->search);
            else
                ui_app_message(a, false, "/%s  (n next, N previous)", a->search);
        }
        return true;
    }
    if (key == UI_KEY_BACKSPACE) {
        while (len > 0 && (a->input[len - 1] & 0xC0) == 0x80)
            len--;
        if (len > 0)
            len--;
        a->input[len] = '\0';
    } else if (key == UI_KEY_CTRL_U) {
        a->input[0] = '\0';
    } else if (key >= 0x20 && key < 0x110000 && key != 0x7F) {
        char u[4];
        int k = ui_utf8_encode(key, u);
        if (len + (size_t)k < sizeof a->input) {
            memcpy(a->input + len, u, (size_t)k);
            a->input[len + (size_t)k] = '\0';
        }
    } else {
        return false;
    }
    /* live: the Runs filter narrows as one types; the sample search jumps */
    if (a->view == VIEW_RUNS) {
        snprintf(a->filter, sizeof a->filter, "%s", a->input);
        ui_app_rebuild_rows(a);
    } else if (a->view == VIEW_LABELS) {
        snprintf(a->search, sizeof a->search, "%s", a->input);
        search_samples(a, 1, false);
    }
    return true;
}

/* ---- the experiment picker -------------------------------------------------------- */

void ui_app_highlight(const ui_app *a, cellbuf *b, int x0, int x1, int y)
{
    for (int x = x0; x < x1; x++) {
        ui_cell *c = cellbuf_at(b, x, y);
        if (a->color) {
            c->bg = UI_BLUE;
            if (c->fg == UI_DEFAULT || c->fg == UI_GREY)
                c->fg = UI_BRIGHT_WHITE;
        } else
            c->attr |= UI_REVERSE;
    }
}

/* A box over the body (the help, the picker), at most 120 wide; its rect. */
static ui_rect overlay_box(ui_app *a, cellbuf *b, const char *title)
{
    ui_rect body = a->lay.body;
    int w = body.w - 2 < 120 ? body.w - 2 : 120;
    ui_rect r = {body.x + (body.w - w) / 2, body.y, w, body.h};
    cellbuf_fill(b, body, ' ', UI_PLAIN);
    cellbuf_box(b, r, ui_sty(UI_CYAN, UI_DEFAULT, 0), title);
    return r;
}

static void picker_close(ui_app *a)
{
    free(a->picker);
    a->picker = NULL;
    a->npicker = a->picker_cur = a->picker_top = 0;
    a->dirty = true;
}

static void picker_open(ui_app *a)
{
    if (!a->has_backend || !a->be.experiments || !a->be.switch_experiment) {
        ui_app_message(a, true, "no experiments to switch to in this mode");
        return;
    }
    picker_close(a);
    sm_err err;
    if (a->be.experiments(&a->picker, &a->npicker, &err)) {
        ui_app_message(a, true, "%s", err.msg);
        return;
    }
    if (a->npicker == 0) {
        picker_close(a);
        ui_app_message(a, true, "no experiment files in ./experiments or the data directory");
        return;
    }
    for (int i = 0; i < a->npicker; i++)
        if (!strcmp(a->picker[i].path, a->experiment))
            a->picker_cur = i;
}

/* Enter in the picker: the experiment under the cursor becomes the
 * dashboard's; the runs already queued or running go on. */
static void picker_choose(ui_app *a)
{
    const exp_listing *x = &a->picker[a->picker_cur];
    if (x->runs < 0) {
        ui_app_message(a, true, "%s", x->title);
        return;
    }
    ui_plan plan;
    char msg[512];
    if (!a->be.switch_experiment(a->be.ud, x->path, &plan, msg, sizeof msg)) {
        ui_app_message(a, true, "%s", msg);
        return;
    }
    snprintf(a->experiment, sizeof a->experiment, "%s", x->path);
    a->grid_ref_user[0] = '\0';
    a->grid_cur = a->grid_top = 0;
    a->ncmp_rows = a->ncmp_rows_asked = 0;
    ui_app_set_plan(a, plan.items, plan.n, plan.group_by, plan.reference);
    int active = ui_app_active_jobs(a);
    char going[96] = "";
    if (active)
        snprintf(going, sizeof going, "; the %d run%s started before go%s on", active, active == 1 ? "" : "s",
                 active == 1 ? "es" : "");
    ui_app_message(a, false, "experiment %s: %ld run%s in its grid (4: Grid, n: start)%s", x->name, x->runs,
                   x->runs == 1 ? "" : "s", going);
    picker_close(a);
}

static void picker_key(ui_app *a, uint32_t key)
{
    int page = page_rows(a) - 2 > 1 ? page_rows(a) - 2 : 1, c = a->picker_cur;
    switch (key) {
    case UI_KEY_UP: case 'k': c--; break;
    case UI_KEY_DOWN: case 'j': c++; break;
    case UI_KEY_PGUP: case UI_KEY_CTRL_B: c -= page; break;
    case UI_KEY_PGDN: case UI_KEY_CTRL_F: case ' ': c += page; break;
    case UI_KEY_HOME: case 'g': c = 0; break;
    case UI_KEY_END: case 'G': c = a->npicker - 1; break;
    case UI_KEY_ENTER: picker_choose(a); return;
    case UI_KEY_ESC: case 'q': case 'E':
        picker_close(a);
        ui_app_message(a, false, "still %s", a->experiment[0] ? a->experiment : "without an experiment");
        return;
    default: return;
    }
    a->picker_cur = c < 0 ? 0 : c >= a->npicker ? a->npicker - 1 : c;
}

/* The picker over the body: name, grid size and title per file; the
 * current experiment marked; the cursor's path at the bottom. */
static void draw_picker(ui_app *a, cellbuf *b)
{
    ui_rect r = overlay_box(a, b, "experiments (Enter switches to it, Esc closes)");
    int rows = r.h - 3;
    if (rows < 1)
        return;
    if (a->picker_cur < a->picker_top)
        a->picker_top = a->picker_cur;
    if (a->picker_cur >= a->picker_top + rows)
        a->picker_top = a->picker_cur - rows + 1;
    for (int i = 0; i < rows && a->picker_top + i < a->npicker; i++) {
        int k = a->picker_top + i, y = r.y + 1 + i;
        const exp_listing *x = &a->picker[k];
        bool cur = !strcmp(x->path, a->experiment);
        char runs[32];
        if (x->runs < 0)
            snprintf(runs, sizeof runs, "error");
        else
            snprintf(runs, sizeof runs, "%ld run%s", x->runs, x->runs == 1 ? "" : "s");
        ui_style st = x->runs < 0 ? ui_sty(UI_RED, UI_DEFAULT, 0) : UI_PLAIN;
        cellbuf_text(b, r.x + 1, y, 2, ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD),
                     cur ? (a->ascii ? "*" : "\xe2\x97\x86") : "");
        cellbuf_printf(b, r.x + 3, y, r.w - 4, st, "%-24s %-10s %s%s", x->name, runs,
                       x->title[0] ? x->title : "(no title)", x->search ? "  [search]" : "");
        if (k == a->picker_cur)
            ui_app_highlight(a, b, r.x + 1, r.x + r.w - 1, y);
    }
    cellbuf_printf(b, r.x + 2, r.y + r.h - 2, r.w - 4, ui_sty(UI_GREY, UI_DEFAULT, 0), "%d of %d  %s",
                   a->picker_cur + 1, a->npicker, a->picker[a->picker_cur].path);
}

/* ---- requests -------------------------------------------------------------------- */

static void move_cursor(ui_app *a, int delta, bool absolute)
{
    switch (a->view) {
    case VIEW_RUNS:
    case VIEW_LIVE:
    case VIEW_COMPARE:
        set_cursor(a, absolute ? delta : a->cur + delta);
        break;
    case VIEW_LABELS: {
        int n = a->norder;
        if (!n)
            break;
        int pos = 0;
        for (int k = 0; k < n; k++)
            if (a->order[k] == a->lab_sample)
                pos = k;
        pos = absolute ? delta : pos + delta;
        pos = pos < 0 ? 0 : pos >= n ? n - 1 : pos;
        a->lab_sample = a->order[pos];
        break;
    }
    case VIEW_GRID: {
        int c = absolute ? delta : a->grid_cur + delta;
        a->grid_cur = c < 0 ? 0 : c >= a->ngrid ? (a->ngrid ? a->ngrid - 1 : 0) : c;
        break;
    }
    default:
        break;
    }
}

static void start_runs(ui_app *a, ui_start_kind kind)
{
    if (a->srch_spec && kind != START_RERUN) {
        /* a search's trials are sealed runs of drawn values: only selfmi
         * search makes them */
        ui_app_message(a, true, "a search: run selfmi search %s; this view follows its trials",
                       a->search_exp_path);
        return;
    }
    if (!a->has_backend || !a->be.start) {
        ui_app_message(a, true, "no worker queue in this mode");
        return;
    }
    char msg[512] = "";
    const char *dir = NULL;
    if (kind == START_RERUN) {
        rs_run *r = ui_app_current_run(a);
        if (!r) {
            ui_app_message(a, true, "no run under the cursor");
            return;
        }
        dir = r->dir;
    }
    int n = a->be.start(a->be.ud, kind, dir, msg, sizeof msg);
    ui_app_message(a, n < 0, "%s", msg);
    ui_app_update(a, true);
}

static void set_view(ui_app *a, ui_view v)
{
    a->view = v;
    a->help = false;
    if (v == VIEW_LABELS)
        ui_app_labels_sync(a);
    if (v == VIEW_GRID)
        ui_app_grid_rebuild(a);
}

static bool request(ui_app *a, ui_request req)
{
    int page = page_rows(a);
    char open_id[256];
    if (a->view == VIEW_GRID && a->srch_spec && ui_search_request(a, req, open_id, sizeof open_id)) {
        if (open_id[0]) {
            /* the trial's run in Live */
            for (int i = 0; i < a->nrows; i++)
                if (strcmp(a->rows[i].id, open_id) == 0)
                    set_cursor(a, i);
            set_view(a, VIEW_LIVE);
        }
        return true;
    }
    if (a->view == VIEW_LABELS && ui_labels_request(a, req))
        return true;
    switch (req) {
    case REQ_VIEW_RUNS: set_view(a, VIEW_RUNS); break;
    case REQ_VIEW_LIVE: set_view(a, VIEW_LIVE); break;
    case REQ_VIEW_LABELS: set_view(a, VIEW_LABELS); break;
    case REQ_VIEW_GRID: set_view(a, VIEW_GRID); break;
    case REQ_VIEW_COMPARE: set_view(a, VIEW_COMPARE); break;
    case REQ_VIEW_NEXT: set_view(a, (ui_view)((a->view + 1) % VIEW_COUNT)); break;
    case REQ_VIEW_PREV: set_view(a, (ui_view)((a->view + VIEW_COUNT - 1) % VIEW_COUNT)); break;
    case REQ_UP: move_cursor(a, -1, false); break;
    case REQ_DOWN: move_cursor(a, 1, false); break;
    case REQ_PGUP: move_cursor(a, -page, false); break;
    case REQ_PGDN: move_cursor(a, page, false); break;
    case REQ_TOP: move_cursor(a, 0, true); break;
    case REQ_BOTTOM: move_cursor(a, 1 << 30, true); break;
    case REQ_LEFT:
    case REQ_RIGHT: {
        int d = req == REQ_LEFT ? -1 : 1;
        if (a->view == VIEW_LIVE) {
            int np = ui_live_npanels(ui_app_current_run(a));
            a->live_focus = (a->live_focus + d + np) % np;
        } else if (a->view == VIEW_LABELS && a->labels.nep > 0) {
            int e = a->lab_epoch < 0 ? a->labels.nep - 1 : a->lab_epoch;
            e += d;
            e = e < 0 ? 0 : e >= a->labels.nep ? a->labels.nep - 1 : e;
            a->lab_epoch = e == a->labels.nep - 1 ? -1 : e;
        } else if (a->view == VIEW_GRID && a->ngrid_metrics > 0)
            a->grid_metric = (a->grid_metric + d + a->ngrid_metrics) % a->ngrid_metrics;
        break;
    }
    case REQ_SEARCH:
        /* a new search replaces the old one (the Runs filter is shown while it holds) */
        a->prompt = PROMPT_SEARCH;
        a->input[0] = '\0';
        if (a->view == VIEW_RUNS && a->filter[0]) {
            a->filter[0] = '\0';
            ui_app_rebuild_rows(a);
        }
        break;
    case REQ_SEARCH_NEXT:
    case REQ_SEARCH_PREV:
        if (!a->search[0])
            ui_app_message(a, true, "no search yet: press / first");
        else if (!search_samples(a, req == REQ_SEARCH_NEXT ? 1 : -1, true))
            ui_app_message(a, true, "no sample matches '%s'", a->search);
        break;
    case REQ_SORT:
        if (a->view == VIEW_GRID) {
            a->grid_sort = (a->grid_sort + 1) % (a->ngrid_metrics + 1);
            ui_app_grid_rebuild(a);
        } else {
            a->sort_col++;
            ui_app_rebuild_rows(a);
        }
        break;
    case REQ_SORT_REVERSE:
        if (a->view == VIEW_GRID) {
            a->grid_sort_rev = !a->grid_sort_rev;
            ui_app_grid_rebuild(a);
        } else {
            a->sort_rev = !a->sort_rev;
            ui_app_rebuild_rows(a);
        }
        break;
    case REQ_SELECT:
        if (a->view == VIEW_RUNS) {
            ui_runrow *r = ui_app_current(a);
            if (r)
                toggle_selected(a, r->id);
            move_cursor(a, 1, false);
        } else if (a->view == VIEW_GRID && a->grid_cur < a->ngrid) {
            ui_gridrow *g = &a->grid[a->grid_cur];
            bool all = g->nruns > 0;
            for (int i = 0; i < g->nruns; i++)
                all = all && ui_app_is_selected(a, g->runs[i]->id);
            for (int i = 0; i < g->nruns; i++)
                if (ui_app_is_selected(a, g->runs[i]->id) == all)
                    toggle_selected(a, g->runs[i]->id);
            move_cursor(a, 1, false);
        }
        break;
    case REQ_OPEN:
        if (a->view == VIEW_RUNS)
            set_view(a, VIEW_LIVE);
        else if (a->view == VIEW_GRID && a->grid_cur < a->ngrid) {
            /* the row's runs against the reference row's in Compare */
            ui_gridrow *g = &a->grid[a->grid_cur];
            free_strs(a->selected, a->nselected);
            a->selected = NULL;
            a->nselected = 0;
            for (int i = 0; i < g->nruns; i++)
                toggle_selected(a, g->runs[i]->id);
            set_view(a, VIEW_COMPARE);
        }
        break;
    case REQ_COMPARE_ROWS:
        if (a->grid_cur < a->ngrid) {
            /* the rows whose runs are all selected (Space), else the cursor's */
            int n = 0;
            for (int i = 0; i < a->ngrid; i++) {
                const ui_gridrow *g = &a->grid[i];
                bool all = g->nruns > 0;
                for (int j = 0; j < g->nruns && all; j++)
                    all = ui_app_is_selected(a, g->runs[j]->id);
                if (all && n++ < UI_CMP_MAX_ROWS)
                    snprintf(a->cmp_rows[n - 1], sizeof a->cmp_rows[0], "%s", g->key);
            }
            if (n == 0)
                snprintf(a->cmp_rows[n++], sizeof a->cmp_rows[0], "%s", a->grid[a->grid_cur].key);
            a->ncmp_rows_asked = n;
            a->ncmp_rows = n < UI_CMP_MAX_ROWS ? n : UI_CMP_MAX_ROWS;
            set_view(a, VIEW_COMPARE);
        } else
            ui_app_message(a, true, "no Grid row to compare yet");
        break;
    case REQ_NEW: start_runs(a, START_RUN); break;
    case REQ_NEW_GRID:
        /* where Slurm is at hand, the grid may go to it instead */
        if (a->has_backend && slurm_on_path("sbatch"))
            a->prompt = PROMPT_GRID_WHERE;
        else
            start_runs(a, START_GRID);
        break;
    case REQ_RERUN: {
        /* a done run is replaced (moved to .attic): ask first */
        rs_run *cr = ui_app_current_run(a);
        if (cr && rs_run_state(cr) == RUN_DONE && a->has_backend) {
            snprintf(a->prompt_run, sizeof a->prompt_run, "%s", cr->id);
            a->prompt = PROMPT_RERUN;
        } else {
            start_runs(a, START_RERUN);
        }
        break;
    }
    case REQ_CANCEL: cancel_jobs(a, true); break;
    case REQ_DELETE:
        a->prompt = PROMPT_DELETE;
        break;
    case REQ_SMOOTH:
    case REQ_SMOOTH_WEIGHT:
        if (req == REQ_SMOOTH_WEIGHT) {
            static const double weights[] = {0.3, 0.6, 0.8, 0.9, 0.95, 0.99};
            int k = 0, nw = (int)(sizeof weights / sizeof weights[0]);
            while (k < nw && weights[k] <= a->smooth_w + 1e-9)
                k++;
            a->smooth_w = weights[k % nw];
            a->smooth = true;
        } else
            a->smooth = !a->smooth;
        if (a->smooth)
            ui_app_message(a, false, "smoothing on: EMA weight %g, raw line faint (M: next weight)", a->smooth_w);
        else
            ui_app_message(a, false, "smoothing off");
        break;
    case REQ_LOGY:
        a->logy = !a->logy;
        ui_app_message(a, false, "%s y axis", a->logy ? "log" : "linear");
        break;
    case REQ_ZOOM:
        if (a->view == VIEW_LIVE)
            a->live_zoom = !a->live_zoom;
        else
            a->lab_zoom = !a->lab_zoom;
        break;
    case REQ_CYCLE:
        if (a->view == VIEW_GRID && a->ngrid_metrics > 0)
            a->grid_metric = (a->grid_metric + 1) % a->ngrid_metrics;
        else
            a->cmp_metric++;
        break;
    case REQ_REFERENCE:
        if (a->grid_cur < a->ngrid) {
            snprintf(a->grid_ref_user, sizeof a->grid_ref_user, "%s", a->grid[a->grid_cur].key);
            ui_app_grid_rebuild(a);
            ui_app_message(a, false, "reference row: %s", a->grid[a->grid_cur].label);
        }
        break;
    case REQ_EXPORT: ui_export(a); break;
    case REQ_EXPERIMENTS: picker_open(a); break;
    case REQ_HELP:
        a->help = !a->help;
        a->help_top = 0;
        break;
    case REQ_REDRAW: break;
    case REQ_QUIT:
        if (ui_app_active_jobs(a) > 0) {
            a->prompt = PROMPT_QUIT;
        } else {
            a->quit = true;
        }
        break;
    default:
        return false;
    }
    return true;
}

void ui_app_interrupt(ui_app *a)
{
    a->cancelled_on_quit = ui_app_active_jobs(a);
    cancel_jobs(a, false);
    a->keep_running = false;
    a->interrupted = true;
    a->quit = true;
}

bool ui_app_key(ui_app *a, uint32_t key)
{
    if (key == UI_KEY_RESIZE) {
        a->dirty = true;
        return true;
    }
    if (key == UI_KEY_CTRL_C) {
        /* runs in progress: ask, as q does; a second Ctrl-C cancels them */
        if (a->prompt == PROMPT_QUIT || ui_app_active_jobs(a) == 0)
            ui_app_interrupt(a);
        else {
            a->prompt = PROMPT_QUIT;
            a->dirty = true;
        }
        return true;
    }
    if (a->prompt != PROMPT_NONE) {
        if (prompt_key(a, key))
            a->dirty = true;
        return a->dirty;
    }
    if (a->picker) {
        picker_key(a, key);
        a->dirty = true;
        return true;
    }
    if (a->help) {
        if (key == UI_KEY_DOWN || key == 'j')
            a->help_top++;
        else if (key == UI_KEY_UP || key == 'k')
            a->help_top = a->help_top > 0 ? a->help_top - 1 : 0;
        else if (key == UI_KEY_PGDN || key == ' ')
            a->help_top += page_rows(a);
        else if (key == UI_KEY_PGUP)
            a->help_top = a->help_top > page_rows(a) ? a->help_top - page_rows(a) : 0;
        else if (key == 'g' || key == UI_KEY_HOME)
            a->help_top = 0;
        else if (key == 'G' || key == UI_KEY_END)
            a->help_top = 1 << 20;   /* the frame clamps it to the last page */
        else if (key == 'q' || key == UI_KEY_ESC || key == '?' || key == UI_KEY_F1)
            a->help = false;
        else {
            a->help = false;
            ui_request r = ui_key_request(key, a->view);
            if (r != REQ_NONE && r != REQ_HELP)
                request(a, r);
        }
        a->dirty = true;
        return true;
    }
    if (key == UI_KEY_ESC) {
        a->msg[0] = '\0';
        if (a->view == VIEW_RUNS && a->filter[0]) {
            a->filter[0] = '\0';
            ui_app_rebuild_rows(a);
        }
        a->dirty = true;
        return true;
    }
    ui_request r = ui_key_request(key, a->view);
    if (r == REQ_NONE) {
        char kn[16];
        ui_key_name(key, kn, sizeof kn);
        ui_app_message(a, true, "%s: no binding in the %s view (? lists the keys)", kn, ui_view_name(a->view));
        return true;
    }
    if (r != REQ_EXPORT && r != REQ_CANCEL && r != REQ_NEW && r != REQ_NEW_GRID && r != REQ_RERUN &&
        r != REQ_SMOOTH && r != REQ_SMOOTH_WEIGHT && r != REQ_LOGY && r != REQ_SEARCH_NEXT && r != REQ_SEARCH_PREV && r != REQ_REFERENCE)
        a->msg[0] = '\0';
    request(a, r);
    a->dirty = true;
    return true;
}

bool ui_app_click(ui_app *a, int x, int y)
{
    for (int v = 0; v < VIEW_COUNT; v++)
        if (ui_rect_contains(a->tab_hit[v], x, y)) {
            set_view(a, (ui_view)v);
            a->dirty = true;
            return true;
        }
    if (ui_rect_contains(a->list_hit, x, y)) {
        int idx = a->list_first + (y - a->list_hit.y);
        if (a->view == VIEW_RUNS || a->view == VIEW_COMPARE)
            set_cursor(a, idx);
        else if (a->view == VIEW_GRID)
            move_cursor(a, idx, true);
        else if (a->view == VIEW_LABELS)
            move_cursor(a, idx, true);
        a->dirty = true;
        return true;
    }
    return false;
}

/* ---- the frame ------------------------------------------------------------------- */

static void draw_tabs(ui_app *a, cellbuf *b)
{
    ui_rect r = a->lay.tabs;
    cellbuf_fill(b, r, ' ', ui_sty(UI_DEFAULT, UI_DEFAULT, UI_REVERSE));
    int x = r.x;
    x += cellbuf_text(b, x, r.y, -1, ui_sty(UI_DEFAULT, UI_DEFAULT, UI_REVERSE | UI_BOLD), " selfmi ");
    for (int v = 0; v < VIEW_COUNT; v++) {
        char t[32];
        snprintf(t, sizeof t, " %d %s ", v + 1, ui_view_name((ui_view)v));
        bool on = (int)a->view == v;
        ui_style s = on ? ui_sty(UI_BLACK, UI_CYAN, UI_BOLD) : ui_sty(UI_DEFAULT, UI_DEFAULT, UI_REVERSE);
        if (!a->color && on)
            s = ui_sty(UI_DEFAULT, UI_DEFAULT, UI_BOLD | UI_UNDERLINE);
        int n = cellbuf_text(b, x, r.y, -1, s, t);
        a->tab_hit[v] = (ui_rect){x, r.y, n, 1};
        x += n;
    }
    /* queue summary on the right */
    int running = 0, queued = 0, done = 0, failed = 0;
    for (int i = 0; i < a->store.n; i++) {
        run_state s = rs_run_state(a->store.runs[i]);
        running += s == RUN_RUNNING;
        done += s == RUN_DONE;
        failed += s == RUN_FAILED;
    }
    for (int i = 0; i < a->njobs; i++)
        queued += job_active(&a->jobs[i]) && a->jobs[i].state == RUN_QUEUED;
    char sum[128];
    snprintf(sum, sizeof sum, " %d running  %d queued  %d done%s%.0d%s ", running, queued, done,
             failed ? "  " : "", failed, failed ? " failed" : "");
    int sw = ui_text_width(sum);
    if (x + sw >= r.x + r.w) {
        /* narrow: the state glyphs of the Runs view stand for the words */
        if (a->ascii)
            snprintf(sum, sizeof sum, " %d> %d. %d+%s%.0d%s ", running, queued, done, failed ? " " : "", failed,
                     failed ? "x" : "");
        else
            snprintf(sum, sizeof sum, " %d\xe2\x97\x8f %d\xe2\x80\xa6 %d\xe2\x9c\x93%s%.0d%s ", running, queued, done,
                     failed ? " " : "", failed, failed ? "\xe2\x9c\x97" : "");
        sw = ui_text_width(sum);
    }
    if (x + sw < r.x + r.w)
        cellbuf_text(b, r.x + r.w - sw, r.y, sw, ui_sty(UI_DEFAULT, UI_DEFAULT, UI_REVERSE), sum);
}

static void draw_help_line(ui_app *a, cellbuf *b)
{
    ui_rect r = a->lay.help;
    cellbuf_fill(b, r, ' ', UI_PLAIN);
    int x = r.x;
    for (int i = 0; i < ui_nbindings && x < r.x + r.w; i++) {
        const ui_binding *k = &ui_bindings[i];
        if (!k->hint || !(k->views & VIEW_BIT(a->view)))
            continue;
        char kn[16];
        ui_key_name(k->key, kn, sizeof kn);
        int need = ui_text_width(kn) + 1 + ui_text_width(k->hint) + 2;
        if (x + need > r.x + r.w)
            break;
        x += cellbuf_text(b, x, r.y, -1, ui_sty(UI_CYAN, UI_DEFAULT, UI_BOLD), kn);
        x += cellbuf_text(b, x + 1, r.y, -1, ui_sty(UI_GREY, UI_DEFAULT, 0), k->hint) + 3;
    }
}

static void draw_status(ui_app *a, cellbuf *b)
{
    ui_rect r = a->lay.status;
    cellbuf_fill(b, r, ' ', UI_PLAIN);
    switch (a->prompt) {
    case PROMPT_SEARCH: {
        const char *what = a->view == VIEW_RUNS ? "filter: " : "search id or text: ";
        int x = r.x + cellbuf_text(b, r.x, r.y, -1, ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD), what);
        x += cellbuf_text(b, x, r.y, r.w - (x - r.x) - 1, UI_PLAIN, a->input);
        cellbuf_put(b, x, r.y, ' ', ui_sty(UI_DEFAULT, UI_DEFAULT, UI_REVERSE));
        return;
    }
    case PROMPT_QUIT: {
        int running = 0, queued = 0;
        for (int i = 0; i < a->njobs; i++) {
            running += job_active(&a->jobs[i]) && a->jobs[i].state == RUN_RUNNING;
            queued += job_active(&a->jobs[i]) && a->jobs[i].state == RUN_QUEUED;
        }
        cellbuf_printf(b, r.x, r.y, r.w, ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD),
                       "%d running, %d queued: c cancel them and quit, k keep them running and quit, Esc stay",
                       running, queued);
        return;
    }
    case PROMPT_RERUN:
        cellbuf_printf(b, r.x, r.y, r.w, ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD),
                       "re-run %s? its results move to %s/.attic; y yes, any other key no", a->prompt_run,
                       a->store.root);
        return;
    case PROMPT_GRID_WHERE:
        cellbuf_printf(b, r.x, r.y, r.w, ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD),
                       "start the grid: l here (the worker queue), s on Slurm (sbatch, one array task per run), "
                       "Esc none");
        return;
    case PROMPT_DELETE: {
        int n = a->nselected ? a->nselected : 1;
        cellbuf_printf(b, r.x, r.y, r.w, ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD),
                       "move %d run%s to %s/.trash? y yes, any other key no", n, n == 1 ? "" : "s",
                       a->store.root);
        return;
    }
    default: break;
    }
    if (a->msg[0] && a->msg_error && ui_text_width(a->msg) > r.w) {
        /* an error too long for the line (a command to type) is shown
         * whole, wrapped upwards over the help line, until the next key */
        int n = cellbuf_text_wrap(NULL, r.x, r.y, r.w, 6, UI_PLAIN, a->msg);
        cellbuf_fill(b, (ui_rect){r.x, r.y - n + 1, r.w, n}, ' ', UI_PLAIN);
        cellbuf_text_wrap(b, r.x, r.y - n + 1, r.w, n, ui_sty(UI_RED, UI_DEFAULT, 0), a->msg);
    } else if (a->msg[0]) {
        /* a long message (an exported file's path) loses its middle, not its end */
        char m[sizeof a->msg + 8];
        fmt_elide(m, sizeof m, a->msg, r.w, a->ascii);
        cellbuf_text(b, r.x, r.y, r.w, ui_sty(a->msg_error ? UI_RED : UI_DEFAULT, UI_DEFAULT, 0), m);
    }
    else {
        char t[2400];
        snprintf(t, sizeof t, "%s  results: %s", a->experiment[0] ? a->experiment : "(no experiment)",
                 a->store.root);
        cellbuf_text(b, r.x, r.y, r.w, ui_sty(UI_GREY, UI_DEFAULT, 0), t);
    }
}

/* Symbols the views draw, for the help's legend: glyph (UTF-8, ASCII), meaning. */
static const struct {
    const char *glyph, *ascii, *meaning;
} help_symbols[] = {
    {"\xe2\x97\x86", "*", "Runs: the run is selected (Space) for Compare; experiments (E): the current one"},
    {"\xe2\x80\xa6 \xe2\x97\x8f \xe2\x9c\x93", ". > +", "Runs: queued, running, done"},
    {"\xe2\x9c\x97 \xe2\x8a\x98 \xe2\x80\x96", "x - |", "Runs: failed (its reason on the line below), cancelled, interrupted"},
    {"val", "val", "Runs: the numbers are the last epoch's validation metrics (the run has no test.csv yet)"},
    {"*", "*", "Grid: the best mean of the column"},
    {"\xe2\x80\xa0", "!", "Grid: differs from the reference row, paired t-test over seeds, p < 0.05"},
    {"\xe2\x96\xb2", "^", "Live, Labels: the best epoch (Live) or the epoch shown (Labels) on the x axis"},
    {"\xe2\x94\x86", "|", "Live: the best-epoch marker line"},
    {"\xe2\x96\xb6", ">", "Labels: the sample the inspector shows (heat map) and the epoch it shows (diagnostics table)"},
    {"y_t*", "y_t*", "Labels: a human unimodal label (label_T, label_A, label_V of the data; synthetic data's known sentiments), dashed in the sample's plot"},
    {"u_t y_m dev", "u_t y_m dev", "Labels, Live: Pearson r with the human label y_s* of the generated u-label, of y_m (the floor a generator must beat) and of the deviation y_s - y_m; u green where it beats the floor, yellow where it does not"},
    {"\xe2\xa0\xa8", ".", "plots: braille dots, 2 x 4 points per cell; a faint line is the raw series under a smoothed one"},
    {"\xe2\xa2\x95\xe2\xa1\xaa", ":", "Compare of Grid rows (C): the shaded band around a row's mean, its seeds' min to max"},
    {"\xe2\x97\x8f \xe2\x96\xa0 \xe2\x96\xbc", "* + o", "plots without colour: each series' shape, in the legend and on its line"},
    {"L17", "L17", "the prediction loss of Eq. 17: the multimodal task L_M plus the weighted unimodal tasks L_task"},
    {"L_N mt", "L_N mt", "Live: a CPC (NCE) term, the fused vector against text (ma audio, mv video)"},
    {"has0", "has0", "Acc_2/F1 with zero labels counted as negative"},
    {"non0", "non0", "Acc_2/F1 over the non-zero labels only"},
};

/* One help entry: keys, request name and text wrapped in the box; returns
 * the lines it took (drawn only from a->help_top on). */
static int help_entry(ui_app *a, cellbuf *b, ui_rect r, int *line, int *y, const char *keys, const char *name,
                      const char *prefix, const char *text, ui_style kstyle)
{
    int x = r.x + 2, kw = 14, nw = r.w >= 70 ? 14 : 0;
    int tx = x + kw + nw, tw = r.x + r.w - 1 - tx;
    char full[512];
    snprintf(full, sizeof full, "%s%s", prefix, text);
    const char *p = full;
    int n = 0;
    do {
        const char *next;
        size_t len = fmt_wrap(p, tw > 8 ? tw : 8, &next);
        if ((*line)++ >= a->help_top && *y < r.y + r.h - 1) {
            if (n == 0) {
                cellbuf_text(b, x, *y, kw - 1, kstyle, keys);
                if (nw)
                    cellbuf_text(b, x + kw, *y, nw - 1, ui_sty(UI_GREY, UI_DEFAULT, 0), name);
            }
            char seg[512];
            snprintf(seg, sizeof seg, "%.*s", (int)len, p);
            cellbuf_text(b, tx, *y, tw, UI_PLAIN, seg);
            (*y)++;
        }
        p = next;
        n++;
    } while (*p);
    return n;
}

static void help_heading(ui_app *a, cellbuf *b, ui_rect r, int *line, int *y, const char *title)
{
    if ((*line)++ >= a->help_top && *y < r.y + r.h - 1)
        cellbuf_text(b, r.x + 2, (*y)++, r.w - 4, ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD), title);
}

/* Whether symbol i belongs to the current view: its meaning starts with
 * the views it is drawn in ("Live, Labels: ..."). */
static bool help_symbol_here(const ui_app *a, size_t i)
{
    const char *m = help_symbols[i].meaning, *colon = strchr(m, ':');
    const char *v = ui_view_name(a->view);
    size_t n = strlen(v);
    for (const char *p = m; colon && p + n <= colon; p++)
        if (strncmp(p, v, n) == 0 && (p == m || p[-1] == ' ') && (p[n] == ':' || p[n] == ','))
            return true;
    return false;
}

/* The help: the current view's keys and symbols first, then the keys of
 * every view, then the other views' keys, then the other symbols;
 * descriptions wrapped. */
static int draw_help_lines(ui_app *a, cellbuf *b)
{
    ui_rect r = overlay_box(a, b, "keys (? or Esc closes, j/k scroll)");
    int line = 0, y = r.y + 1;
    unsigned cur = VIEW_BIT(a->view);
    for (int section = 0; section < 3; section++) {
        if (section == 1) {
            /* the symbols of the current view follow its keys */
            char t[64];
            snprintf(t, sizeof t, "%s view symbols", ui_view_name(a->view));
            bool head = false;
            for (size_t i = 0; i < sizeof help_symbols / sizeof help_symbols[0]; i++)
                if (help_symbol_here(a, i)) {
                    if (!head)
                        help_heading(a, b, r, &line, &y, t);
                    head = true;
                    help_entry(a, b, r, &line, &y, a->ascii ? help_symbols[i].ascii : help_symbols[i].glyph, "",
                               "", help_symbols[i].meaning, ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD));
                }
        }
        bool any = false;
        for (int q = 1; q < REQ_COUNT; q++) {
            char keys[64] = "";
            unsigned views = 0;
            for (int i = 0; i < ui_nbindings; i++)
                if ((int)ui_bindings[i].req == q) {
                    char kn[16];
                    ui_key_name(ui_bindings[i].key, kn, sizeof kn);
                    size_t l = strlen(keys);
                    snprintf(keys + l, sizeof keys - l, "%s%s", l ? " " : "", kn);
                    views |= ui_bindings[i].views;
                }
            if (!keys[0])
                continue;
            int sec = views == VIEWS_ALL ? 1 : (views & cur) ? 0 : 2;
            if (sec != section)
                continue;
            if (!any) {
                char t[64];
                if (section == 0)
                    snprintf(t, sizeof t, "%s view", ui_view_name(a->view));
                else
                    snprintf(t, sizeof t, "%s", section == 1 ? "Every view" : "Other views");
                help_heading(a, b, r, &line, &y, t);
                any = true;
            }
            char where[80] = "";
            if (section == 2) {
                for (int v = 0; v < VIEW_COUNT; v++)
                    if (views & VIEW_BIT(v)) {
                        size_t l = strlen(where);
                        snprintf(where + l, sizeof where - l, "%s%s", l ? ", " : "(", ui_view_name((ui_view)v));
                    }
                size_t l = strlen(where);
                snprintf(where + l, sizeof where - l, ") ");
            }
            char name[32];
            ui_request_name((ui_request)q, name, sizeof name);
            help_entry(a, b, r, &line, &y, keys, name, where, ui_request_help((ui_request)q),
                       ui_sty(UI_CYAN, UI_DEFAULT, UI_BOLD));
        }
    }
    help_heading(a, b, r, &line, &y, "Symbols");
    for (size_t i = 0; i < sizeof help_symbols / sizeof help_symbols[0]; i++)
        if (!help_symbol_here(a, i))
            help_entry(a, b, r, &line, &y, a->ascii ? help_symbols[i].ascii : help_symbols[i].glyph, "", "",
                       help_symbols[i].meaning, ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD));
    return line;
}

static void draw_help(ui_app *a, cellbuf *b)
{
    int n = draw_help_lines(a, b), rows = a->lay.body.h - 2;
    int last = n - rows > 0 ? n - rows : 0;
    if (a->help_top > last) {
        a->help_top = last;
        draw_help_lines(a, b);
    }
}

void ui_app_render(ui_app *a, cellbuf *b)
{
    if (b->w != a->w || b->h != a->h)
        cellbuf_resize(b, a->w, a->h);
    b->ascii = a->ascii;
    b->mono = !a->color;
    cellbuf_clear(b);
    a->list_hit = (ui_rect){0, 0, 0, 0};
    for (int v = 0; v < VIEW_COUNT; v++)
        a->tab_hit[v] = (ui_rect){0, 0, 0, 0};
    if (a->lay.too_small) {
        char t[128];
        snprintf(t, sizeof t, "selfmi: terminal too small (%dx%d; needs %dx%d)", a->w, a->h, UI_MIN_W, UI_MIN_H);
        cellbuf_text(b, 0, 0, a->w, ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD), t);
        a->dirty = false;
        return;
    }
    draw_tabs(a, b);
    ui_rect body = a->lay.body;
    ui_rect old = cellbuf_clip(b, body);
    switch (a->view) {
    case VIEW_RUNS: ui_view_runs(a, b, body); break;
    case VIEW_LIVE: ui_view_live(a, b, body); break;
    case VIEW_LABELS: ui_view_labels(a, b, body); break;
    case VIEW_GRID:
        if (a->srch_spec)
            ui_view_search(a, b, body);
        else
            ui_view_grid(a, b, body);
        break;
    case VIEW_COMPARE: ui_view_compare(a, b, body); break;
    default: break;
    }
    if (a->help)
        draw_help(a, b);
    if (a->picker)
        draw_picker(a, b);
    cellbuf_clip(b, old);
    draw_help_line(a, b);
    draw_status(a, b);
    a->dirty = false;
}
