/* view_labels.c: the Labels view: how the generated unimodal labels move.
 * Mean |y_s - y_m| per modality over epochs, the distribution of
 * y_s - y_m per epoch (bins x epochs), a samples x epochs heat map in half
 * blocks, and the per-sample inspector (transcript, y_m, the trajectory of
 * y_t, y_a, y_v, and the human unimodal labels where the data has them). */
#include "config.h"
#include "ui/app.h"
#include "ui/fmt.h"
#include "ui/plot.h"
#include "train/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const mod_letter[3] = {"t", "a", "v"};

/* Transcripts and human labels: the dataset's label.csv (labelcsv_read,
 * the dataset module's one reader), or the synthetic dataset rebuilt in
 * memory (its known per-modality sentiments play the human labels). */
static void dsinfo_load(ui_app *a, const char *name)
{
    if (strcmp(a->dsinfo_for, name) == 0)
        return;
    dataset_free(&a->dsinfo);
    snprintf(a->dsinfo_for, sizeof a->dsinfo_for, "%s", name);
    sm_err err;
    if (strncmp(name, "synth:", 6) == 0) {
        if (run_dataset_load(&a->dsinfo, name, &err) != SM_OK)
            memset(&a->dsinfo, 0, sizeof a->dsinfo);
        return;
    }
    char p[1200];
    snprintf(p, sizeof p, "%s/label.csv", name);
    if (labelcsv_read(&a->dsinfo, p, &err) != SM_OK)
        memset(&a->dsinfo, 0, sizeof a->dsinfo);
}

static const char *const order_name[LAB_ORDER_COUNT] = {"farthest from y_m", "most moved", "data order"};

static int cmp_key_desc(const void *x, const void *y, void *ud)
{
    const float *key = ud;
    float a = key[*(const int *)x], b = key[*(const int *)y];
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b);
    int c = (a < b) - (a > b);
    return c ? c : *(const int *)x - *(const int *)y;   /* ties keep the data order */
}

/* The heat map's rows for the current modality s: farthest from y_m
 * (|y_s - y_m| at the last epoch), most moved (sum over epochs of
 * |y_s(e) - y_s(e-1)|), or the data order. */
static void labels_order(ui_app *a)
{
    const rs_labels *L = &a->labels;
    if (a->norder != L->nsamp) {
        free(a->order);
        a->order = malloc(((size_t)L->nsamp + 1) * sizeof *a->order);
        a->norder = a->order ? L->nsamp : 0;
    }
    if (!a->norder)
        return;
    for (int i = 0; i < a->norder; i++)
        a->order[i] = i;
    if (L->nep == 0 || a->lab_order == LAB_ORDER_DATA)
        return;
    float *key = malloc((size_t)L->nsamp * sizeof *key);
    if (!key)
        return;
    int m = a->lab_mod;
    for (int i = 0; i < L->nsamp; i++) {
        if (a->lab_order == LAB_ORDER_DEVIATION) {
            key[i] = fabsf(rs_labels_get(L, m, L->nep - 1, i) - L->ym[i]);
            continue;
        }
        double moved = 0;
        float prev = NAN;
        for (int e = 0; e < L->nep; e++) {
            float v = rs_labels_get(L, m, e, i);
            if (!isnan(v) && !isnan(prev))
                moved += fabsf(v - prev);
            if (!isnan(v))
                prev = v;
        }
        key[i] = (float)moved;
    }
    qsort_r(a->order, (size_t)a->norder, sizeof *a->order, cmp_key_desc, key);
    free(key);
}

bool ui_labels_request(ui_app *a, ui_request req)
{
    if (req == REQ_SORT)
        a->lab_order = (a->lab_order + 1) % LAB_ORDER_COUNT;
    else if (req == REQ_CYCLE)
        a->lab_mod = (a->lab_mod + 1) % 3;
    else
        return false;
    labels_order(a);   /* the cursor stays on its sample */
    a->labels_version++;
    const char *ml = mod_letter[a->lab_mod];
    if (req == REQ_SORT && a->lab_order == LAB_ORDER_DEVIATION)
        ui_app_message(a, false, "heat map rows: farthest from y_m first (|y_%s - y_m| at the last epoch)", ml);
    else if (req == REQ_SORT && a->lab_order == LAB_ORDER_MOVED)
        ui_app_message(a, false, "heat map rows: most moved first (total |change| of y_%s over the epochs)", ml);
    else if (req == REQ_SORT)
        ui_app_message(a, false, "heat map rows: in data order");
    return true;
}

void ui_app_labels_sync(ui_app *a)
{
    rs_run *run = ui_app_current_run(a);
    if (!run) {
        if (a->labels_run[0]) {
            rs_labels_free(&a->labels);
            a->labels_run[0] = '\0';
            a->labels_version++;
        }
        return;
    }
    bool changed = false;
    if (strcmp(a->labels_run, run->id) != 0) {
        rs_labels_free(&a->labels);
        snprintf(a->labels_run, sizeof a->labels_run, "%s", run->id);
        a->lab_sample = 0;
        a->lab_epoch = -1;
        changed = true;
    }
    const char *ds = rs_run_conf(run, "dataset", "");
    if (*ds)
        dsinfo_load(a, ds);
    /* bounds from what is known: sample rows below the dataset's size,
     * epochs up to max_epochs (a hostile labels.csv costs no more) */
    rs_labels_bound(&a->labels, a->dsinfo.n, atoi(rs_run_conf(run, "max_epochs", "0")));
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", run->dir, RUNSTORE_LABELS);
    int refused = a->labels.nrefused;
    if (rs_labels_update(&a->labels, p))
        changed = true;
    if (a->labels.nrefused > refused)   /* a hostile file costs nothing: say so */
        ui_app_message(a, true, "%s: %d rows ignored (%s)", run->id, a->labels.nrefused, a->labels.refused);
    if (changed || a->norder != a->labels.nsamp) {
        int keep = a->lab_sample;
        labels_order(a);
        a->lab_sample = keep < a->labels.nsamp ? keep : 0;
        a->labels_version++;
    }
}

static float human_label(const ui_app *a, int m, int i)
{
    if (!a->dsinfo.ulabel[m] || i < 0 || i >= a->labels.nsamp)
        return NAN;
    int row = a->labels.row[i];
    return row >= 0 && row < a->dsinfo.n ? a->dsinfo.ulabel[m][row] : NAN;
}

/* ---- plots as data (also exported) ---------------------------------------------- */

static bool drift_plot(const ui_app *a, ui_plotdata *d)
{
    const rs_labels *L = &a->labels;
    memset(d, 0, sizeof *d);
    int n = L->nep;
    d->buf = malloc((size_t)(n ? n : 1) * 5 * sizeof *d->buf);
    if (!d->buf)
        return false;
    double *x = d->buf;
    for (int e = 0; e < n; e++)
        x[e] = L->epoch[e];
    d->csv_x = x;
    for (int m = 0; m < 3; m++) {
        double *y = d->buf + (size_t)n * (size_t)(1 + m);
        for (int e = 0; e < n; e++) {
            double s = 0;
            int k = 0;
            for (int i = 0; i < L->nsamp; i++) {
                float v = rs_labels_get(L, m, e, i);
                if (!isnan(v)) {
                    s += fabs(v - L->ym[i]);
                    k++;
                }
            }
            y[e] = k ? s / k : NAN;
        }
        snprintf(d->names[m], sizeof d->names[m], "|y_%s - y_m|", mod_letter[m]);
        d->series[d->nseries++] = (ui_series){d->names[m], x, y, n, ui_series_colors[m], false, false};
        d->csv_y[m] = y;
        d->csv_name[m] = d->names[m];
    }
    d->ncsv = 3;
    d->n = n;
    snprintf(d->title, sizeof d->title, "mean |y_s - y_m| per modality");
    snprintf(d->slug, sizeof d->slug, "label_drift");
    int ce = a->lab_epoch < 0 ? n - 1 : a->lab_epoch;
    d->plot = (ui_plot){.title = d->title, .series = d->series, .nseries = 3, .logy = a->logy, .integer_x = true,
                        .vmark = NAN, .xcursor = ce >= 0 && ce < n ? L->epoch[ce] : NAN, .focused = false};
    return true;
}

static bool trajectory_plot(const ui_app *a, int i, ui_plotdata *d)
{
    const rs_labels *L = &a->labels;
    memset(d, 0, sizeof *d);
    int n = L->nep;
    d->buf = malloc((size_t)(n ? n : 1) * 5 * sizeof *d->buf);
    if (!d->buf || i < 0 || i >= L->nsamp)
        return false;
    double *x = d->buf;
    for (int e = 0; e < n; e++)
        x[e] = L->epoch[e];
    d->csv_x = x;
    for (int m = 0; m < 3; m++) {
        double *y = d->buf + (size_t)n * (size_t)(1 + m);
        for (int e = 0; e < n; e++)
            y[e] = rs_labels_get(L, m, e, i);
        snprintf(d->names[m], sizeof d->names[m], "y_%s", mod_letter[m]);
        d->series[d->nseries++] = (ui_series){d->names[m], x, y, n, ui_series_colors[m], false, false};
        d->csv_y[m] = y;
        d->csv_name[m] = d->names[m];
    }
    /* the CSV: the sample's id on every row, y_m beside the u-labels */
    double *ym = d->buf + (size_t)n * 4;
    for (int e = 0; e < n; e++)
        ym[e] = L->ym[i];
    d->csv_y[3] = ym;
    d->csv_name[3] = "y_m";
    d->ncsv = 4;
    d->csv_id_name = "id";
    snprintf(d->csv_id, sizeof d->csv_id, "%s", L->ids[i]);
    d->n = n;
    d->hlines[d->nhlines++] = (ui_hline){L->ym[i], UI_WHITE, "y_m"};
    for (int m = 0; m < 3; m++) {
        float h = human_label(a, m, i);
        if (!isnan(h)) {
            snprintf(d->names[4 + m], sizeof d->names[4 + m], "y_%s*", mod_letter[m]);
            d->hlines[d->nhlines++] = (ui_hline){h, ui_series_colors[m], d->names[4 + m]};
        }
    }
    snprintf(d->title, sizeof d->title, "u-labels of %s", L->ids[i]);
    /* one file per sample: the next sample's export does not overwrite it */
    snprintf(d->slug, sizeof d->slug, "sample_trajectory-%.40s", L->ids[i]);
    for (char *c = d->slug; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
              *c == '_' || *c == '.'))
            *c = '_';
    int ce = a->lab_epoch < 0 ? n - 1 : a->lab_epoch;
    d->plot = (ui_plot){.title = d->title, .series = d->series, .nseries = 3, .hlines = d->hlines,
                        .nhlines = d->nhlines, .integer_x = true, .vmark = NAN,
                        .xcursor = ce >= 0 && ce < n ? L->epoch[ce] : NAN};
    return true;
}

/* ---- drawing ----------------------------------------------------------------------- */

static double max_dev(const rs_labels *L, int m)
{
    double D = 0;
    for (int e = 0; e < L->nep; e++)
        for (int i = 0; i < L->nsamp; i++) {
            double v = fabs(rs_labels_get(L, m, e, i) - L->ym[i]);
            if (isfinite(v) && v > D)
                D = v;
        }
    return D > 0.05 ? D : 0.05;
}

static void colour_bar(cellbuf *b, int x, int y, int w, double lo, double hi, bool diverging)
{
    char t[32];
    fmt_num(t, sizeof t, lo, 6, 2);
    x += cellbuf_text(b, x, y, -1, ui_sty(UI_GREY, UI_DEFAULT, 0), t) + 1;
    int bw = w - 16 > 4 ? (w - 16 < 20 ? w - 16 : 20) : 4;
    for (int i = 0; i < bw; i++)
        cellbuf_put(b, x + i, y, b->ascii ? (uint32_t)" .:-=+*#%@"[diverging ? (int)lround(fabs(i / (bw - 1.0) - 0.5) * 18) : i * 9 / (bw - 1)]
                                          : 0x2588,
                    ui_sty(ui_ramp(i / (bw - 1.0), diverging), UI_DEFAULT, 0));
    fmt_num(t, sizeof t, hi, 6, 2);
    cellbuf_text(b, x + bw + 1, y, -1, ui_sty(UI_GREY, UI_DEFAULT, 0), t);
}

static void draw_distribution(ui_app *a, cellbuf *b, ui_rect r)
{
    const rs_labels *L = &a->labels;
    char title[96];
    snprintf(title, sizeof title, "distribution of y_%s - y_m per epoch", mod_letter[a->lab_mod]);
    cellbuf_box(b, r, ui_sty(UI_GREY, UI_DEFAULT, 0), title);
    ui_rect in = {r.x + 7, r.y + 1, r.w - 8, r.h - 3};
    if (in.w < 4 || in.h < 2 || L->nep == 0)
        return;
    int nb = ui_heatmap_rows(b, in.h);
    double D = max_dev(L, a->lab_mod);
    float *mat = calloc((size_t)nb * (size_t)L->nep, sizeof *mat);
    if (!mat)
        return;
    double peak = 0;
    for (int e = 0; e < L->nep; e++) {
        int tot = 0;
        for (int i = 0; i < L->nsamp; i++) {
            float v = rs_labels_get(L, a->lab_mod, e, i);
            if (isnan(v))
                continue;
            double dv = v - L->ym[i];
            /* row 0 = +D at the top */
            int k = (int)floor((D - dv) / (2 * D) * nb);
            k = k < 0 ? 0 : k >= nb ? nb - 1 : k;
            mat[(size_t)k * (size_t)L->nep + (size_t)e] += 1;
            tot++;
        }
        for (int k = 0; k < nb && tot; k++) {
            float *c = &mat[(size_t)k * (size_t)L->nep + (size_t)e];
            *c /= (float)tot;
            if (*c > peak)
                peak = *c;
        }
    }
    for (size_t k = 0; k < (size_t)nb * (size_t)L->nep; k++)
        if (mat[k] == 0)
            mat[k] = NAN;   /* empty bins stay blank */
    ui_heatmap_draw(b, in, mat, nb, L->nep, 0, 0, peak > 0 ? peak : 1, false, -1);
    free(mat);
    char t[16];
    fmt_num(t, sizeof t, D, 6, 2);
    cellbuf_printf(b, r.x + 1, in.y, 6, ui_sty(UI_GREY, UI_DEFAULT, 0), "+%s", t);
    cellbuf_text(b, r.x + 1, in.y + in.h / 2, 6, ui_sty(UI_GREY, UI_DEFAULT, 0), "     0");
    cellbuf_printf(b, r.x + 1, in.y + in.h - 1, 6, ui_sty(UI_GREY, UI_DEFAULT, 0), "-%s", t);
    int ce = a->lab_epoch < 0 ? L->nep - 1 : a->lab_epoch;
    int cx = in.x + (int)((ce + 0.5) * in.w / L->nep);
    cellbuf_put(b, cx, in.y + in.h, b->ascii ? '^' : 0x25B2, ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD));
    cellbuf_printf(b, in.x, in.y + in.h, cx - in.x - 1, ui_sty(UI_GREY, UI_DEFAULT, 0), "epoch %d", L->epoch[0]);
    /* the shown epoch's label beside the marker: right of it, or left when
     * the marker is near the right edge */
    char el[24];
    int ew = snprintf(el, sizeof el, "epoch %d", L->epoch[ce]);
    int ex = cx + 2 + ew <= in.x + in.w ? cx + 2 : cx - 1 - ew;
    if (ex < in.x)
        ex = in.x;
    if (ex < cx)   /* the first epoch's label gives way */
        cellbuf_fill(b, (ui_rect){in.x, in.y + in.h, cx - in.x, 1}, ' ', UI_PLAIN);
    cellbuf_text(b, ex, in.y + in.h, ew, ui_sty(UI_YELLOW, UI_DEFAULT, 0), el);
}

static void draw_heatmap(ui_app *a, cellbuf *b, ui_rect r)
{
    const rs_labels *L = &a->labels;
    char title[96];
    snprintf(title, sizeof title, "y_%s - y_m, rows: %s", mod_letter[a->lab_mod], order_name[a->lab_order]);
    cellbuf_box(b, r, ui_sty(UI_GREY, UI_DEFAULT, 0), title);
    ui_rect in = {r.x + 1, r.y + 1, r.w - 2, r.h - 3};
    if (in.w < 4 || in.h < 1 || !L->nsamp || !L->nep)
        return;
    /* the samples' ids on the left, where there is room: one per cell row
     * (the upper of its two samples in half blocks) */
    int idw = in.w >= 40 ? 14 : in.w >= 30 ? 11 : 0;
    ui_rect ids = {in.x, in.y, idw, in.h};
    in.x += idw;
    in.w -= idw;
    int per = b->ascii ? 1 : 2;
    int visible = in.h * per;
    int pos = 0;
    for (int k = 0; k < a->norder; k++)
        if (a->order[k] == a->lab_sample)
            pos = k;
    if (pos < a->lab_top)
        a->lab_top = pos - pos % per;
    if (pos >= a->lab_top + visible)
        a->lab_top = pos - visible + per - (pos - visible + per) % per;
    if (a->lab_top < 0)
        a->lab_top = 0;
    float *mat = malloc((size_t)visible * (size_t)L->nep * sizeof *mat);
    if (!mat)
        return;
    for (int k = 0; k < visible; k++)
        for (int e = 0; e < L->nep; e++) {
            int o = a->lab_top + k;
            float v = NAN;
            if (o < a->norder) {
                int i = a->order[o];
                v = rs_labels_get(L, a->lab_mod, e, i) - L->ym[i];
            }
            mat[(size_t)k * (size_t)L->nep + (size_t)e] = v;
        }
    double D = max_dev(L, a->lab_mod);
    for (int row = 0; idw && row < in.h; row++) {
        int o = a->lab_top + row * per;
        if (o >= a->norder)
            break;
        bool cur = pos >= o && pos < o + per;
        int i = a->order[cur ? pos : o];
        char id[160];
        fmt_elide(id, sizeof id, L->ids[i], idw - 1, b->ascii);   /* both ends of a long id stay */
        cellbuf_text(b, ids.x, ids.y + row, idw - 1, cur ? ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD) : ui_sty(UI_GREY, UI_DEFAULT, 0),
                     id);
    }
    ui_heatmap_draw(b, in, mat, visible, L->nep, 0, -D, D, true, pos - a->lab_top);
    free(mat);
    a->list_hit = (ui_rect){in.x, in.y, in.w, in.h};
    a->list_first = a->lab_top;   /* per cell row: the click lands on the upper sample */
    /* the colour bar, and the cursor's position at the right end */
    char cnt[32];
    int cw = snprintf(cnt, sizeof cnt, "%d/%d", pos + 1, a->norder);
    colour_bar(b, in.x, in.y + in.h, in.w - cw - 1, -D, D, true);
    cellbuf_text(b, in.x + in.w - cw, in.y + in.h, cw, ui_sty(UI_GREY, UI_DEFAULT, 0), cnt);
}

/* One item of the inspector's label lines at *x, or at the start of the
 * next line when it does not fit. */
static void inspector_item(cellbuf *b, ui_rect in, int *x, int *y, ui_style s, const char *text)
{
    int w = ui_text_width(text);
    if (*x > in.x && *x + w > in.x + in.w) {
        (*y)++;
        *x = in.x + 6;
    }
    *x += cellbuf_text(b, *x, *y, in.x + in.w - *x, s, text) + 2;
}

static void draw_inspector(ui_app *a, cellbuf *b, ui_rect r)
{
    const rs_labels *L = &a->labels;
    int i = a->lab_sample;
    int ce = a->lab_epoch < 0 ? L->nep - 1 : a->lab_epoch;
    char title[64];
    if (ce >= 0 && ce < L->nep)
        snprintf(title, sizeof title, "sample at epoch %d of %d", L->epoch[ce], L->epoch[L->nep - 1]);
    else
        snprintf(title, sizeof title, "sample");
    cellbuf_box(b, r, ui_sty(UI_GREY, UI_DEFAULT, 0), title);
    ui_rect in = {r.x + 1, r.y + 1, r.w - 2, r.h - 2};
    if (i < 0 || i >= L->nsamp || in.w < 8 || in.h < 3)
        return;
    int y = in.y;
    ui_style lab = ui_sty(UI_GREY, UI_DEFAULT, 0);
    cellbuf_text(b, in.x, y, 5, lab, "id");
    cellbuf_text(b, in.x + 5, y++, in.w - 5, ui_sty(UI_DEFAULT, UI_DEFAULT, UI_BOLD), L->ids[i]);
    const char *text = ui_app_sample_text(a, i);
    if (text && *text) {
        /* the transcript, wrapped on up to three lines */
        const char *s = text;
        for (int line = 0; line < 3 && *s && y < in.y + in.h; line++) {
            int w = in.w - 5, used = 0;
            const char *p = s, *brk = NULL;
            uint32_t cp;
            int k;
            while ((k = ui_utf8_decode(p, &cp)) > 0) {
                int cw = ui_char_width(cp);
                if (used + cw > w)
                    break;
                used += cw;
                p += k;
                if (cp == ' ')
                    brk = p;
            }
            const char *end = *p && brk ? brk : p;
            char buf[1024];
            size_t len = (size_t)(end - s) < sizeof buf - 1 ? (size_t)(end - s) : sizeof buf - 1;
            memcpy(buf, s, len);
            buf[len] = '\0';
            if (line == 0)
                cellbuf_text(b, in.x, y, 5, lab, "text");
            cellbuf_text(b, in.x + 5, y++, in.w - 5, UI_PLAIN, buf);
            s = end;
        }
    }
    /* the labels at the shown epoch, then the human ones: items that do
     * not fit go to the next line */
    char t[64], item[96];
    int x = in.x;
    fmt_num(t, sizeof t, L->ym[i], 6, 3);
    snprintf(item, sizeof item, "y_m %s", t);
    inspector_item(b, in, &x, &y, UI_PLAIN, item);
    for (int m = 0; m < 3 && ce >= 0; m++) {
        fmt_num(t, sizeof t, rs_labels_get(L, m, ce, i), 6, 3);
        snprintf(item, sizeof item, "y_%s %s", mod_letter[m], t);
        inspector_item(b, in, &x, &y, ui_sty(ui_series_colors[m], UI_DEFAULT, 0), item);
    }
    y++;
    x = in.x + cellbuf_text(b, in.x, y, in.w, lab, "human ");
    if (dataset_has_ulabels(&a->dsinfo)) {
        for (int m = 0; m < 3; m++) {
            fmt_num(t, sizeof t, human_label(a, m, i), 6, 3);
            snprintf(item, sizeof item, "y_%s* %s", mod_letter[m], t);
            inspector_item(b, in, &x, &y, ui_sty(ui_series_colors[m], UI_DEFAULT, 0), item);
        }
        y++;
    } else {
        /* said plainly: nothing to score the u-labels against */
        char none[1200];
        const char *ds = a->dsinfo_for[0] ? a->dsinfo_for : "the dataset";
        if (a->dsinfo.n > 0)
            snprintf(none, sizeof none, "none: %s has no unimodal labels", ds);
        else
            snprintf(none, sizeof none, "unknown: %s cannot be read", ds);
        y += cellbuf_text_wrap(b, x, y, in.x + in.w - x, 2, lab, none);
    }
    ui_rect pr = {in.x, y, in.w, in.y + in.h - y};
    if (pr.h >= 6) {
        ui_plotdata d;
        if (trajectory_plot(a, i, &d)) {
            d.plot.no_frame = true;
            d.plot.title = NULL;
            ui_plot_draw(b, pr, &d.plot);
        }
        ui_plotdata_free(&d);
    }
}

/* ---- the Self-MI diagnostics of epochs.csv ------------------------------------------ */

/* Columns of one modality: the Pearson r with its human label y_s* of the
 * generated u-label (u), of y_m (the floor a generator must beat) and of
 * the deviation y_s - y_m (dev). */
static const char *const diag_col[3] = {"ul_corr_", "floor_corr_", "dev_corr_"};
static double diag_get(const rs_table *E, int row, int c, int m)
{
    char col[24];
    snprintf(col, sizeof col, "%s%s", diag_col[c], mod_letter[m]);
    return rs_table_getn(E, row, col);
}

/* Rows of epochs.csv that carry the u-labels' agreement with human
 * unimodal labels (ul_corr_*; nan when the data has none). */
static int diag_rows(const rs_run *run, int *rows, int max)
{
    const rs_table *E = &run->epochs;
    int n = 0;
    for (int i = 0; i < E->nrows; i++) {
        bool any = false;
        for (int m = 0; m < 3; m++)
            any = any || isfinite(diag_get(E, i, 0, m));
        if (any) {
            if (rows && n < max)
                rows[n] = i;
            n++;
        }
    }
    return n;
}

#define DIAG_EPOCH_W 6
#define DIAG_GROUP_W 20   /* three numbers of 6 and a gap of 2 */

/* The panel's width: every modality when the band leaves min_rest columns
 * to the other panels, else the current one's. */
static int diag_width(int band_w, int min_rest)
{
    int all = 2 + DIAG_EPOCH_W + 3 * DIAG_GROUP_W, one = 2 + DIAG_EPOCH_W + DIAG_GROUP_W;
    return band_w - all >= min_rest ? all : one;
}

static void draw_diagnostics(ui_app *a, cellbuf *b, ui_rect r, const rs_run *run)
{
    const rs_labels *L = &a->labels;
    const rs_table *E = &run->epochs;
    ui_rect in = {r.x + 1, r.y + 1, r.w - 2, r.h - 2};
    bool all = in.w >= DIAG_EPOCH_W + 3 * DIAG_GROUP_W;
    char title[96];
    if (all)
        snprintf(title, sizeof title, "u-labels vs human labels: r per epoch");
    else
        snprintf(title, sizeof title, "y_%s vs human y_%s*: r", mod_letter[a->lab_mod], mod_letter[a->lab_mod]);
    cellbuf_box(b, r, ui_sty(UI_GREY, UI_DEFAULT, 0), title);
    int n = diag_rows(run, NULL, 0);
    if (in.w < DIAG_EPOCH_W + DIAG_GROUP_W || in.h < 2 || n == 0)
        return;
    int *rows = malloc((size_t)n * sizeof *rows);
    if (!rows)
        return;
    diag_rows(run, rows, n);
    int ce = a->lab_epoch < 0 ? L->nep - 1 : a->lab_epoch;
    int shown = ce >= 0 && ce < L->nep ? L->epoch[ce] : -1;
    /* the header: per modality u (generated), y_m (the floor), dev */
    ui_style lab = ui_sty(UI_GREY, UI_DEFAULT, 0);
    cellbuf_text(b, in.x, in.y, DIAG_EPOCH_W, lab, "epoch");
    int m0 = all ? 0 : a->lab_mod, m1 = all ? 3 : a->lab_mod + 1;
    for (int m = m0; m < m1; m++) {
        int x = in.x + DIAG_EPOCH_W + (m - m0) * DIAG_GROUP_W;
        ui_style hs = m == a->lab_mod ? ui_sty(ui_series_colors[m], UI_DEFAULT, UI_BOLD) : lab;
        cellbuf_printf(b, x, in.y, 6, hs, "   u_%s", mod_letter[m]);
        cellbuf_printf(b, x + 6, in.y, 6, lab, "%6s", "y_m");
        cellbuf_printf(b, x + 12, in.y, 6, lab, "%6s", "dev");
    }
    /* the epochs, scrolled to keep the shown one (Left/Right) in view */
    int foot = in.h >= 6 ? 1 : 0;
    int vis = in.h - 1 - foot, k = -1;
    for (int j = 0; j < n; j++)
        if ((int)rs_table_getn(E, rows[j], "epoch") == shown)
            k = j;
    int focus = k >= 0 ? k : n - 1;   /* the shown epoch, else the last */
    int top = focus - vis / 2;
    top = top > n - vis ? n - vis : top;
    top = top < 0 ? 0 : top;
    for (int j = top; j < n && j - top < vis; j++) {
        int y = in.y + 1 + j - top, ep = (int)rs_table_getn(E, rows[j], "epoch");
        bool cur = j == k;
        ui_style es = cur ? ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD) : lab;
        cellbuf_printf(b, in.x, y, DIAG_EPOCH_W, es, "%s%4d", cur ? (b->ascii ? ">" : "\xe2\x96\xb6") : " ", ep);
        for (int m = m0; m < m1; m++) {
            int x = in.x + DIAG_EPOCH_W + (m - m0) * DIAG_GROUP_W;
            double v[3] = {diag_get(E, rows[j], 0, m), diag_get(E, rows[j], 1, m), diag_get(E, rows[j], 2, m)};
            for (int c = 0; c < 3; c++) {
                char t[16];
                fmt_num(t, sizeof t, v[c], 5, 3);
                /* u in green where it beats the floor, yellow where it does not */
                ui_style st = c == 0 && isfinite(v[0]) && isfinite(v[1])
                                  ? ui_sty(v[0] > v[1] ? UI_GREEN : UI_YELLOW, UI_DEFAULT, cur ? UI_BOLD : 0)
                                  : ui_sty(UI_DEFAULT, UI_DEFAULT, cur ? UI_BOLD : 0);
                cellbuf_printf(b, x + 6 * c, y, 6, st, "%6s", t);
            }
        }
    }
    if (foot) {
        /* the shown epoch's gain of u over the floor, per modality */
        int x = in.x, y = in.y + in.h - 1, j = rows[focus];
        x += cellbuf_printf(b, x, y, in.w, lab, "u - y_m at %d:", (int)rs_table_getn(E, j, "epoch"));
        for (int m = m0; m < m1 && x < in.x + in.w; m++) {
            char t[16];
            double g = diag_get(E, j, 0, m) - diag_get(E, j, 1, m);
            bool up = isfinite(g) && g > 0;
            fmt_num(t, sizeof t, g, 6, 3);
            x += cellbuf_printf(b, x, y, in.x + in.w - x, ui_sty(up ? UI_GREEN : UI_YELLOW, UI_DEFAULT, 0), " %s%s%s%s",
                                all ? mod_letter[m] : "", all ? " " : "", up ? "+" : "", t);
        }
    }
    free(rows);
}

void ui_view_labels(ui_app *a, cellbuf *b, ui_rect r)
{
    rs_run *run = ui_app_current_run(a);
    if (!run) {
        cellbuf_text(b, r.x + 2, r.y + 1, r.w - 4, ui_sty(UI_GREY, UI_DEFAULT, 0),
                     "No run selected: pick one in the Runs view (1).");
        return;
    }
    ui_app_labels_sync(a);
    const rs_labels *L = &a->labels;
    if (L->nep == 0) {
        const char *gen = rs_run_conf(run, "labels", "?");
        cellbuf_printf(b, r.x + 2, r.y + 1, r.w - 4, ui_sty(UI_GREY, UI_DEFAULT, 0),
                       "%s: no u-labels yet (labels = %s); they appear after the first epoch.", run->id, gen);
        return;
    }
    cellbuf_printf(b, r.x, r.y, r.w, ui_sty(UI_DEFAULT, UI_DEFAULT, UI_BOLD), "%s  %d samples x %d epochs  modality %s (x)",
                   run->id, L->nsamp, L->nep, mod_letter[a->lab_mod]);
    ui_rect body = {r.x, r.y + 1, r.w, r.h - 1};
    ui_rect top, bottom, left, right;
    if (a->lab_zoom) {
        ui_split_h(body, body.w * 3 / 5, 0, 30, &left, &right);
        draw_heatmap(a, b, left);
        if (right.w > 0)
            draw_inspector(a, b, right);
        return;
    }
    ui_split_v(body, body.h * 2 / 5, 0, 7, &top, &bottom);
    if (bottom.h == 0) {
        /* short screens: the heat map and the inspector only */
        ui_split_h(body, body.w / 2, 0, 30, &left, &right);
        draw_heatmap(a, b, left);
        if (right.w)
            draw_inspector(a, b, right);
        return;
    }
    /* the Self-MI diagnostics, when the data has human unimodal labels:
     * beside the drift and the distribution from 120 columns, in the
     * drift's place below that */
    ui_rect diag = {0, 0, 0, 0};
    if (diag_rows(run, NULL, 0) > 0) {
        bool three = top.w >= 120;
        int dw = diag_width(top.w, three ? 80 : 40);
        ui_split_h(top, top.w - dw, 0, 0, &top, &diag);
        if (!three) {
            draw_distribution(a, b, top);
            draw_diagnostics(a, b, diag, run);
            top.w = 0;
        }
    }
    if (top.w) {
        ui_split_h(top, top.w / 2, 0, 30, &left, &right);
        ui_plotdata d;
        if (drift_plot(a, &d))
            ui_plot_draw(b, left, &d.plot);
        ui_plotdata_free(&d);
        if (right.w)
            draw_distribution(a, b, right);
        if (diag.w)
            draw_diagnostics(a, b, diag, run);
    }
    ui_split_h(bottom, bottom.w / 2, 0, 30, &left, &right);
    draw_heatmap(a, b, left);
    if (right.w)
        draw_inspector(a, b, right);
}

/* export: the drift curves and the selected sample's trajectory */
bool ui_labels_export(ui_app *a, const char *dir, char *msg, size_t n)
{
    ui_plotdata d;
    char m1[512] = "", m2[512] = "";
    bool ok = drift_plot(a, &d) && ui_plot_export(&d, dir, m1, sizeof m1);
    ui_plotdata_free(&d);
    if (ok && trajectory_plot(a, a->lab_sample, &d))
        ok = ui_plot_export(&d, dir, m2, sizeof m2);
    ui_plotdata_free(&d);
    snprintf(msg, n, "%s%s%s", m1, m2[0] ? "; " : "", m2);
    return ok;
}
