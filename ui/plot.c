/* plot.c: ticks, the braille canvas, line plots, heat maps, sparklines
 * and SVG export. */
#include "config.h"
#include "ui/plot.h"
#include "ui/fmt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- ticks ------------------------------------------------------------- */

void ui_ticks_linear(ui_ticks *t, double lo, double hi, int max_ticks, bool integer)
{
    memset(t, 0, sizeof *t);
    /* a range across zero needs three ticks at least (-s, 0, s) */
    if (max_ticks < 3)
        max_ticks = 3;
    if (max_ticks > UI_MAX_TICKS)
        max_ticks = UI_MAX_TICKS;
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    if (hi < lo) {
        double s = lo;
        lo = hi;
        hi = s;
    }
    if (hi - lo <= 1e-12 * (fabs(lo) + fabs(hi)) || hi == lo) {
        double pad = integer ? 1 : (lo != 0 ? fabs(lo) * 0.1 : 0.5);
        lo -= pad;
        hi += pad;
    }
    static const double mult[] = {1, 2, 2.5, 5};
    double raw = (hi - lo) / (max_ticks - 1);
    double mag = pow(10, floor(log10(raw)));
    double step = mag;
    double lo_t = lo, hi_t = hi;
    int n = 0;
    for (int k = 0; k < 40; k++) {
        double m = mult[k % 4] * mag * pow(10, k / 4);
        if (integer && (m < 1 || m != floor(m)))
            continue;
        if (m < raw * (1 - 1e-9))
            continue;
        lo_t = floor(lo / m + 1e-9) * m;
        hi_t = ceil(hi / m - 1e-9) * m;
        n = (int)llround((hi_t - lo_t) / m) + 1;
        step = m;
        if (n <= max_ticks || m >= hi - lo)
            break;
    }
    if (n > max_ticks)
        n = max_ticks;
    t->lo = lo_t;
    t->hi = hi_t;
    t->step = step;
    t->n = n;
    for (int i = 0; i < n; i++) {
        double v = lo_t + i * step;
        t->v[i] = fabs(v) < step * 1e-9 ? 0 : v;
    }
}

void ui_ticks_log(ui_ticks *t, double lo, double hi, int max_ticks)
{
    memset(t, 0, sizeof *t);
    t->log = true;
    if (max_ticks < 2)
        max_ticks = 2;
    if (max_ticks > UI_MAX_TICKS)
        max_ticks = UI_MAX_TICKS;
    if (!(lo > 0) || !isfinite(lo))
        lo = hi > 0 && isfinite(hi) ? hi / 10 : 0.1;
    if (!(hi > 0) || !isfinite(hi))
        hi = lo * 10;
    if (hi < lo) {
        double s = lo;
        lo = hi;
        hi = s;
    }
    if (hi / lo < 1.0001) {
        lo /= 1.5;
        hi *= 1.5;
    }
    int L0 = (int)floor(log10(lo) + 1e-9), L1 = (int)ceil(log10(hi) - 1e-9);
    if (L1 <= L0)
        L1 = L0 + 1;
    if (L1 - L0 < 2) {
        /* 1-2-5 multiples within the decade(s) */
        static const double m[] = {1, 2, 5};
        double cand[16];
        int nc = 0;
        for (int d = L0; d <= L1 && nc < 14; d++)
            for (int k = 0; k < 3 && nc < 14; k++)
                cand[nc++] = m[k] * pow(10, d);
        int a = 0, b = nc - 1;
        while (a + 1 < nc && cand[a + 1] <= lo * (1 + 1e-9))
            a++;
        while (b - 1 >= 0 && cand[b - 1] >= hi * (1 - 1e-9))
            b--;
        if (b - a + 1 <= max_ticks && b > a) {
            t->lo = cand[a];
            t->hi = cand[b];
            t->n = b - a + 1;
            for (int i = 0; i < t->n; i++)
                t->v[i] = cand[a + i];
            t->step = 0;
            return;
        }
    }
    int step = 1;
    while ((L1 - L0) / step + 1 > max_ticks)
        step++;
    L0 = (int)(floor((double)L0 / step) * step);
    L1 = (int)(ceil((double)L1 / step) * step);
    t->lo = pow(10, L0);
    t->hi = pow(10, L1);
    t->step = step;
    t->n = (L1 - L0) / step + 1;
    if (t->n > UI_MAX_TICKS)
        t->n = UI_MAX_TICKS;
    for (int i = 0; i < t->n; i++)
        t->v[i] = pow(10, L0 + i * step);
}

/* ---- canvas ------------------------------------------------------------ */

uint8_t ui_braille_bit(int dx, int dy)
{
    static const uint8_t bits[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
    return bits[dy & 3][dx & 1];
}

uint32_t ui_braille(uint8_t bits)
{
    return 0x2800u + bits;
}

bool ui_canvas_init(ui_canvas *c, int w, int h, bool ascii)
{
    memset(c, 0, sizeof *c);
    if (w < 0)
        w = 0;
    if (h < 0)
        h = 0;
    size_t n = (size_t)w * (size_t)h + 1;
    c->dots = calloc(n, 1);
    c->ch = calloc(n, sizeof *c->ch);
    c->style = calloc(n, sizeof *c->style);
    if (!c->dots || !c->ch || !c->style) {
        ui_canvas_free(c);
        return false;
    }
    c->w = w;
    c->h = h;
    c->ascii = ascii;
    c->dw = ascii ? w : 2 * w;
    c->dh = ascii ? h : 4 * h;
    return true;
}

void ui_canvas_free(ui_canvas *c)
{
    if (!c)
        return;
    free(c->dots);
    free(c->ch);
    free(c->style);
    memset(c, 0, sizeof *c);
}

void ui_canvas_set(ui_canvas *c, int x, int y, ui_style s, uint32_t glyph)
{
    if (x < 0 || y < 0 || x >= c->dw || y >= c->dh)
        return;
    if (c->ascii) {
        size_t i = (size_t)y * (size_t)c->w + (size_t)x;
        c->dots[i] = 1;
        c->ch[i] = glyph;
        c->style[i] = s;
        return;
    }
    size_t i = (size_t)(y / 4) * (size_t)c->w + (size_t)(x / 2);
    c->dots[i] |= ui_braille_bit(x & 1, y & 3);
    c->style[i] = s;
}

void ui_canvas_line(ui_canvas *c, int x0, int y0, int x1, int y1, ui_style s, uint32_t glyph)
{
    /* Bresenham */
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int e = dx + dy;
    for (int guard = 0; guard < 1 << 16; guard++) {
        ui_canvas_set(c, x0, y0, s, glyph);
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * e;
        if (e2 >= dy) {
            e += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            e += dx;
            y0 += sy;
        }
    }
}

void ui_canvas_blit(const ui_canvas *c, cellbuf *b, int x, int y)
{
    for (int j = 0; j < c->h; j++)
        for (int i = 0; i < c->w; i++) {
            size_t k = (size_t)j * (size_t)c->w + (size_t)i;
            if (!c->dots[k])
                continue;
            cellbuf_put(b, x + i, y + j, c->ascii ? c->ch[k] : ui_braille(c->dots[k]), c->style[k]);
        }
}

/* ---- line plot ----------------------------------------------------------- */

static const uint32_t ascii_marks[] = {'*', '+', 'o', 'x', '#', '@', '%', '&'};
/* Without colours (NO_COLOR) braille lines look alike: each series gets a
 * shape, shown in the legend and stamped on its line. */
static const uint32_t mono_marks[] = {0x25CF, 0x25A0, 0x25BC, 0x25C6, 0x25CB, 0x25A1, 0x25BD, 0x25C7};

static uint32_t series_mark(const cellbuf *b, int s)
{
    return b->ascii ? ascii_marks[s % 8] : b->mono ? mono_marks[s % 8] : 0x2501;
}

typedef struct {
    double x0, x1, y0, y1;    /* data ranges (y in log10 when log) */
    ui_ticks xt, yt;
} plot_frame;

static double ytrans(const ui_plot *p, double y)
{
    if (!p->logy)
        return y;
    return y > 0 ? log10(y) : NAN;
}

/* Widens [*xlo, *xhi] x [*ylo, *yhi] to n points (x NULL: 1, 2, ...). */
static void range_add(const ui_plot *p, const double *x, const double *y, int n, double *xlo, double *xhi,
                      double *ylo, double *yhi)
{
    for (int i = 0; i < n; i++) {
        double xv = x ? x[i] : i + 1, yv = y[i];
        if (!isfinite(xv) || !isfinite(yv) || (p->logy && yv <= 0))
            continue;
        *xlo = fmin(*xlo, xv);
        *xhi = fmax(*xhi, xv);
        *ylo = fmin(*ylo, yv);
        *yhi = fmax(*yhi, yv);
    }
}

/* Data ranges and ticks for a canvas of cw x ch cells. */
static bool plot_ranges(const ui_plot *p, int cw, int ch, plot_frame *f)
{
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int s = 0; s < p->nseries; s++)
        range_add(p, p->series[s].x, p->series[s].y, p->series[s].n, &xlo, &xhi, &ylo, &yhi);
    for (int s = 0; s < p->nbands; s++) {
        const ui_band *B = &p->bands[s];
        range_add(p, B->x, B->lo, B->n, &xlo, &xhi, &ylo, &yhi);
        range_add(p, B->x, B->hi, B->n, &xlo, &xhi, &ylo, &yhi);
    }
    for (int i = 0; i < p->nhlines; i++) {
        double y = p->hlines[i].y;
        if (isfinite(y) && (!p->logy || y > 0)) {
            ylo = fmin(ylo, y);
            yhi = fmax(yhi, y);
        }
    }
    if (!(xlo <= xhi))
        return false;
    if (!(ylo <= yhi))
        return false;
    int max_yt = ch / 2 + 1 < 2 ? 2 : ch / 2 + 1;
    int max_xt = cw / 8 + 1 < 2 ? 2 : cw / 8 + 1;
    ui_ticks_linear(&f->xt, xlo, xhi, max_xt, p->integer_x);
    if (p->logy) {
        ui_ticks_log(&f->yt, ylo, yhi, max_yt);
        f->y0 = log10(f->yt.lo);
        f->y1 = log10(f->yt.hi);
    } else {
        ui_ticks_linear(&f->yt, ylo, yhi, max_yt, false);
        f->y0 = f->yt.lo;
        f->y1 = f->yt.hi;
    }
    /* epochs start at the first one, not at a rounded-down zero */
    f->x0 = p->integer_x ? xlo : f->xt.lo;
    f->x1 = p->integer_x ? (xhi > xlo ? xhi : xlo + 1) : f->xt.hi;
    if (p->integer_x) {
        /* ticks inside [x0, x1] only */
        int k = 0;
        for (int i = 0; i < f->xt.n; i++)
            if (f->xt.v[i] >= f->x0 - 1e-9 && f->xt.v[i] <= f->x1 + 1e-9)
                f->xt.v[k++] = f->xt.v[i];
        f->xt.n = k;
    }
    return true;
}

static int map_x(const plot_frame *f, double x, int dw)
{
    return (int)lround((x - f->x0) / (f->x1 - f->x0) * (dw - 1));
}

static int map_y(const plot_frame *f, double ty, int dh)
{
    return (int)lround((f->y1 - ty) / (f->y1 - f->y0) * (dh - 1));
}

/* Monochrome braille: each series' shape at its last point and at about
 * every 12 columns along it, so a legend entry can be found on the plot. */
static void stamp_marks(cellbuf *b, const ui_plot *p, const plot_frame *f, int cx, int top, int cw, int ch)
{
    for (int s = 0; s < p->nseries; s++) {
        const ui_series *S = &p->series[s];
        if (S->faint || !S->name)
            continue;
        int last_col = -100, lx = -1, ly = -1;
        for (int i = 0; i < S->n; i++) {
            double x = S->x ? S->x[i] : i + 1, ty = ytrans(p, S->y[i]);
            if (!isfinite(x) || !isfinite(ty))
                continue;
            int col = map_x(f, x, cw * 2) / 2, row = map_y(f, ty, ch * 4) / 4;
            if (col < 0 || col >= cw || row < 0 || row >= ch)
                continue;
            if (col - last_col >= 12) {
                cellbuf_put(b, cx + col, top + row, series_mark(b, s), ui_sty(S->color, UI_DEFAULT, UI_BOLD));
                last_col = col;
            }
            lx = col;
            ly = row;
        }
        if (lx >= 0)
            cellbuf_put(b, cx + lx, top + ly, series_mark(b, s), ui_sty(S->color, UI_DEFAULT, UI_BOLD));
    }
}

/* A band: between consecutive points, each dot column shaded from lo to
 * hi (interpolated) in a checker of dots, dim. */
static void draw_band(ui_canvas *cv, const ui_plot *p, const plot_frame *f, const ui_band *B)
{
    ui_style st = ui_sty(B->color, UI_DEFAULT, UI_DIM);
    for (int i = 0; i + 1 < B->n; i++) {
        double xa = B->x[i], xb = B->x[i + 1];
        double a0 = ytrans(p, B->lo[i]), a1 = ytrans(p, B->hi[i]);
        double b0 = ytrans(p, B->lo[i + 1]), b1 = ytrans(p, B->hi[i + 1]);
        if (!isfinite(xa) || !isfinite(xb) || !isfinite(a0) || !isfinite(a1) || !isfinite(b0) || !isfinite(b1))
            continue;
        int X0 = map_x(f, xa, cv->dw), X1 = map_x(f, xb, cv->dw);
        for (int X = X0; X <= X1; X++) {
            double t = X1 > X0 ? (double)(X - X0) / (X1 - X0) : 0;
            int Ya = map_y(f, a0 + t * (b0 - a0), cv->dh), Yb = map_y(f, a1 + t * (b1 - a1), cv->dh);
            if (Ya > Yb) {
                int k = Ya;
                Ya = Yb;
                Yb = k;
            }
            for (int Y = Ya; Y <= Yb; Y++)
                if ((X + Y) % 2 == 0 || Ya == Yb)
                    ui_canvas_set(cv, X, Y, st, ':');
        }
    }
}

void ui_plot_draw(cellbuf *b, ui_rect r, const ui_plot *p)
{
    ui_style frame = ui_sty(p->focused ? UI_CYAN : UI_GREY, UI_DEFAULT, p->focused ? UI_BOLD : 0);
    ui_style axis = ui_sty(UI_GREY, UI_DEFAULT, 0);
    ui_style label = UI_PLAIN;
    ui_rect in = r;
    if (!p->no_frame) {
        cellbuf_box(b, r, frame, p->title);
        in = (ui_rect){r.x + 1, r.y + 1, r.w - 2, r.h - 2};
    } else if (p->title) {
        cellbuf_text(b, r.x, r.y, r.w, ui_sty(UI_DEFAULT, UI_DEFAULT, UI_BOLD), p->title);
        in = (ui_rect){r.x, r.y + 1, r.w, r.h - 1};
    }
    if (in.w < 12 || in.h < 4) {
        if (in.w > 0 && in.h > 0)
            cellbuf_text(b, in.x, in.y, in.w, axis, "(too small)");
        return;
    }
    ui_rect old = cellbuf_clip(b, in);

    /* legend: one row (more when it does not fit in one) */
    int lx = in.x, ly = in.y;
    for (int s = 0; s < p->nseries; s++) {
        const ui_series *S = &p->series[s];
        if (S->faint || !S->name)
            continue;
        int need = 3 + ui_text_width(S->name) + 2;
        if (lx > in.x && lx + need > in.x + in.w) {
            lx = in.x;
            ly++;
        }
        ui_style ss = ui_sty(S->color, UI_DEFAULT, UI_BOLD);
        if (b->mono && !b->ascii) {
            cellbuf_put(b, lx, ly, 0x2500, ss);
            cellbuf_put(b, lx + 1, ly, series_mark(b, s), ss);
        } else {
            cellbuf_put(b, lx, ly, series_mark(b, s), ss);
            cellbuf_put(b, lx + 1, ly, series_mark(b, s), ss);
        }
        lx += 3;
        lx += cellbuf_text(b, lx, ly, -1, label, S->name) + 2;
    }
    for (int i = 0; i < p->nhlines; i++) {
        const ui_hline *H = &p->hlines[i];
        if (!H->name || !isfinite(H->y))
            continue;
        int need = 3 + ui_text_width(H->name) + 2;
        if (lx > in.x && lx + need > in.x + in.w) {
            lx = in.x;
            ly++;
        }
        ui_style ss = ui_sty(H->color, UI_DEFAULT, 0);
        cellbuf_put(b, lx, ly, b->ascii ? '-' : 0x254C, ss);
        cellbuf_put(b, lx + 1, ly, b->ascii ? '-' : 0x254C, ss);
        lx += 3;
        lx += cellbuf_text(b, lx, ly, -1, label, H->name) + 2;
    }
    if (isfinite(p->vmark)) {
        char t[48];
        snprintf(t, sizeof t, "%s %g", p->vmark_name ? p->vmark_name : "best", p->vmark);
        int need = 2 + ui_text_width(t);
        if (lx > in.x && lx + need > in.x + in.w) {
            lx = in.x;
            ly++;
        }
        ui_style ms = ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD);
        cellbuf_put(b, lx, ly, b->ascii ? '|' : 0x2506, ms);
        cellbuf_text(b, lx + 2, ly, -1, label, t);
    }
    int top = ly + 1;
    int ch = in.y + in.h - 2 - top;    /* canvas rows: minus x axis and its labels */
    if (ch < 2) {
        cellbuf_clip(b, old);
        return;
    }

    plot_frame f;
    /* tick label width depends on the ticks: lay out with a guess first */
    if (!plot_ranges(p, in.w - 8, ch, &f)) {
        cellbuf_text(b, in.x, top, in.w, axis, "no data yet");
        cellbuf_clip(b, old);
        return;
    }
    char lab[UI_MAX_TICKS][24];
    int ylw = 1;
    for (int i = 0; i < f.yt.n; i++) {
        if (p->logy)
            fmt_num(lab[i], sizeof lab[i], f.yt.v[i], 8, f.yt.v[i] < 1 ? 4 : 0);
        else
            fmt_tick(lab[i], sizeof lab[i], f.yt.v[i], f.yt.step);
        int lw = (int)strlen(lab[i]);
        if (lw > ylw)
            ylw = lw;
    }
    if (ylw > in.w / 3)
        ylw = in.w / 3;
    int cx = in.x + ylw + 1, cw = in.x + in.w - cx;
    if (cw < 4) {
        cellbuf_clip(b, old);
        return;
    }
    ui_canvas cv;
    if (!ui_canvas_init(&cv, cw, ch, b->ascii)) {
        cellbuf_clip(b, old);
        return;
    }
    int dw = cv.dw, dh = cv.dh;

    /* y axis and tick labels */
    for (int j = 0; j < ch; j++)
        cellbuf_put(b, cx - 1, top + j, b->ascii ? '|' : 0x2502, axis);
    int last_row = -2;
    for (int i = 0; i < f.yt.n; i++) {
        double ty = p->logy ? log10(f.yt.v[i]) : f.yt.v[i];
        int row = map_y(&f, ty, dh) / (b->ascii ? 1 : 4);
        if (row < 0 || row >= ch || row == last_row)
            continue;
        last_row = row;
        int lw = (int)strlen(lab[i]);
        cellbuf_text(b, cx - 1 - (lw < ylw ? lw : ylw), top + row, ylw, label, lab[i]);
        cellbuf_put(b, cx - 1, top + row, b->ascii ? '+' : 0x2524, axis);
    }
    /* x axis and tick labels */
    int ay = top + ch;
    cellbuf_put(b, cx - 1, ay, b->ascii ? '+' : 0x2514, axis);
    for (int i = 0; i < cw; i++)
        cellbuf_put(b, cx + i, ay, b->ascii ? '-' : 0x2500, axis);
    int next_free = cx - 1;
    for (int i = 0; i < f.xt.n; i++) {
        int col = map_x(&f, f.xt.v[i], dw) / (b->ascii ? 1 : 2);
        if (col < 0 || col >= cw)
            continue;
        cellbuf_put(b, cx + col, ay, b->ascii ? '+' : 0x252C, axis);
        char t[24];
        fmt_tick(t, sizeof t, f.xt.v[i], f.xt.step);
        int tw = (int)strlen(t);
        int tx = cx + col - tw / 2;
        if (tx + tw > in.x + in.w)
            tx = in.x + in.w - tw;
        if (tx <= next_free)
            continue;
        cellbuf_text(b, tx, ay + 1, tw, label, t);
        next_free = tx + tw;
    }

    /* horizontal reference lines, the marker and the cursor under the data */
    for (int i = 0; i < p->nhlines; i++) {
        double ty = ytrans(p, p->hlines[i].y);
        if (!isfinite(ty))
            continue;
        int y = map_y(&f, ty, dh);
        ui_style hs = ui_sty(p->hlines[i].color, UI_DEFAULT, 0);
        for (int x = 0; x < dw; x += 2)
            ui_canvas_set(&cv, x, y, hs, '-');
    }
    if (isfinite(p->xcursor) && p->xcursor >= f.x0 && p->xcursor <= f.x1) {
        int x = map_x(&f, p->xcursor, dw);
        for (int y = 0; y < dh; y += 2)
            ui_canvas_set(&cv, x, y, ui_sty(UI_GREY, UI_DEFAULT, 0), ':');
    }
    if (isfinite(p->vmark) && p->vmark >= f.x0 && p->vmark <= f.x1) {
        int x = map_x(&f, p->vmark, dw);
        for (int y = 0; y < dh; y += 2)
            ui_canvas_set(&cv, x, y, ui_sty(UI_YELLOW, UI_DEFAULT, 0), '|');
        cellbuf_put(b, cx + x / (b->ascii ? 1 : 2), ay, b->ascii ? '^' : 0x25B2,
                    ui_sty(UI_YELLOW, UI_DEFAULT, UI_BOLD));
    }
    /* bands first, every other dot, then faint lines, so the others take
     * the cells they share */
    for (int s = 0; s < p->nbands; s++)
        draw_band(&cv, p, &f, &p->bands[s]);
    for (int pass = 0; pass < 2; pass++)
        for (int s = 0; s < p->nseries; s++) {
            const ui_series *S = &p->series[s];
            if (S->faint != (pass == 0))
                continue;
            ui_style ss = ui_sty(S->color, UI_DEFAULT, S->faint ? UI_DIM : 0);
            uint32_t g = S->faint ? '.' : ascii_marks[s % 8];
            int px = 0, py = 0;
            bool have = false;
            for (int i = 0; i < S->n; i++) {
                double x = S->x ? S->x[i] : i + 1, ty = ytrans(p, S->y[i]);
                if (!isfinite(x) || !isfinite(ty)) {
                    have = false;
                    continue;
                }
                int X = map_x(&f, x, dw), Y = map_y(&f, ty, dh);
                if (have && !S->points)
                    ui_canvas_line(&cv, px, py, X, Y, ss, g);
                else
                    ui_canvas_set(&cv, X, Y, ss, g);
                px = X;
                py = Y;
                have = true;
            }
        }
    ui_canvas_blit(&cv, b, cx, top);
    if (b->mono && !b->ascii)
        stamp_marks(b, p, &f, cx, top, cw, ch);
    ui_canvas_free(&cv);
    cellbuf_clip(b, old);
}

/* ---- colours ----------------------------------------------------------- */

void ui_color_hex(int c, char out[8])
{
    static const unsigned basic[16] = {0x000000, 0xcd3131, 0x0dbc79, 0xc8a800, 0x2472c8, 0xbc3fbc, 0x11a8cd,
                                       0xb0b0b0, 0x767676, 0xf14c4c, 0x23d18b, 0xe5c100, 0x3b8eea, 0xd670d6,
                                       0x29b8db, 0xe5e5e5};
    unsigned rgb = 0;
    if (c >= 0 && c < 16) {
        rgb = basic[c];
    } else if (c >= 16 && c < 232) {
        int k = c - 16, r = k / 36, g = (k / 6) % 6, bl = k % 6;
        static const unsigned lv[6] = {0, 95, 135, 175, 215, 255};
        rgb = lv[r] << 16 | lv[g] << 8 | lv[bl];
    } else if (c >= 232 && c < 256) {
        unsigned v = 8 + 10 * (unsigned)(c - 232);
        rgb = v << 16 | v << 8 | v;
    }
    snprintf(out, 8, "#%06x", rgb);
}

int16_t ui_ramp(double t, bool diverging)
{
    if (!isfinite(t))
        t = 0.5;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    if (diverging) {
        /* blue (negative) .. grey .. red (positive) in the 6x6x6 cube */
        static const int16_t ramp[11] = {21, 27, 33, 75, 117, 250, 217, 210, 203, 197, 160};
        return ramp[(int)lround(t * 10)];
    }
    /* dark blue .. teal .. green .. yellow, roughly viridis */
    static const int16_t seq[10] = {17, 18, 24, 30, 36, 72, 108, 148, 184, 226};
    return seq[(int)lround(t * 9)];
}

int ui_heatmap_rows(const cellbuf *b, int h)
{
    return b->ascii ? h : 2 * h;
}

void ui_heatmap_draw(cellbuf *b, ui_rect r, const float *v, int rows, int cols, int row0, double lo, double hi,
                     bool diverging, int cursor_row)
{
    if (r.w <= 0 || r.h <= 0 || cols <= 0)
        return;
    double span = hi > lo ? hi - lo : 1;
    int per = b->ascii ? 1 : 2;
    static const char dens[] = " .:-=+*#%@";
    for (int cy = 0; cy < r.h; cy++)
        for (int cx = 0; cx < r.w; cx++) {
            /* columns: stretched when few, sampled when many */
            int col = (int)((long)cx * cols / r.w);
            int16_t colr[2] = {UI_DEFAULT, UI_DEFAULT};
            double tv[2] = {NAN, NAN};
            for (int k = 0; k < per; k++) {
                int row = row0 + cy * per + k;
                if (row < 0 || row >= rows)
                    continue;
                float x = v[(size_t)row * (size_t)cols + (size_t)col];
                if (isnan(x))
                    continue;
                tv[k] = (x - lo) / span;
                colr[k] = ui_ramp(tv[k], diverging);
            }
            if (b->ascii) {
                double t = tv[0];
                uint32_t g = ' ';
                if (isfinite(t)) {
                    double m = diverging ? fabs(t - 0.5) * 2 : t;
                    g = (uint32_t)dens[(int)lround(fmin(fmax(m, 0), 1) * 9)];
                }
                int attr = (cursor_row == row0 + cy) ? UI_REVERSE : 0;
                cellbuf_put(b, r.x + cx, r.y + cy, g, ui_sty(colr[0], UI_DEFAULT, attr));
                continue;
            }
            bool on_cursor = cursor_row >= 0 && (cursor_row == row0 + cy * 2 || cursor_row == row0 + cy * 2 + 1);
            uint32_t g = 0x2580;   /* upper half block: fg = upper row, bg = lower row */
            if (colr[0] == UI_DEFAULT && colr[1] == UI_DEFAULT)
                g = ' ';
            else if (colr[0] == UI_DEFAULT)
                g = 0x2584, colr[0] = colr[1], colr[1] = UI_DEFAULT;
            if (on_cursor && r.w > 1 && cx == 0)
                g = 0x25B6, colr[0] = UI_BRIGHT_WHITE;
            cellbuf_put(b, r.x + cx, r.y + cy, g, ui_sty(colr[0], colr[1], 0));
        }
}

void ui_sparkline(cellbuf *b, int x, int y, int w, const double *v, int n, ui_style s)
{
    if (w <= 0 || n <= 0)
        return;
    int start = n > w ? n - w : 0;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = start; i < n; i++)
        if (isfinite(v[i])) {
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
    if (!(lo <= hi))
        return;
    static const char asc[] = "_.-=^";
    for (int i = start; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        double t = hi > lo ? (v[i] - lo) / (hi - lo) : 0.5;
        uint32_t g = b->ascii ? (uint32_t)asc[(int)lround(t * 4)] : 0x2581u + (uint32_t)lround(t * 7);
        cellbuf_put(b, x + i - start, y, g, s);
    }
}

void ui_ema(const double *in, double *out, int n, double a)
{
    double acc = 0, wsum = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(in[i])) {
            out[i] = in[i];
            continue;
        }
        /* debiased like TensorBoard: the first values are not pulled to 0 */
        acc = a * acc + (1 - a) * in[i];
        wsum = a * wsum + (1 - a);
        out[i] = acc / wsum;
    }
}

/* ---- SVG --------------------------------------------------------------- */

static void svg_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

bool ui_plot_svg(FILE *f, const ui_plot *p, int W, int H)
{
    plot_frame fr;
    int ml = 70, mr = 20, mt = 50, mb = 45;
    int pw = W - ml - mr, ph = H - mt - mb;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H, W, H);
    if (p->title) {
        fprintf(f, "<text x=\"%d\" y=\"20\" font-size=\"15\" font-weight=\"bold\">", ml);
        svg_text(f, p->title);
        fputs("</text>\n", f);
    }
    if (!plot_ranges(p, pw / 8, ph / 16, &fr)) {
        fputs("<text x=\"50%\" y=\"50%\">no data</text>\n</svg>\n", f);
        return !ferror(f);
    }
#define SX(x) (ml + ((x) - fr.x0) / (fr.x1 - fr.x0) * pw)
#define SY(ty) (mt + (fr.y1 - (ty)) / (fr.y1 - fr.y0) * ph)
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n", ml, mt, pw,
            ph);
    for (int i = 0; i < fr.yt.n; i++) {
        double ty = p->logy ? log10(fr.yt.v[i]) : fr.yt.v[i];
        char t[24];
        if (p->logy)
            fmt_num(t, sizeof t, fr.yt.v[i], 8, fr.yt.v[i] < 1 ? 4 : 0);
        else
            fmt_tick(t, sizeof t, fr.yt.v[i], fr.yt.step);
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", ml, ml + pw, SY(ty),
                SY(ty));
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", ml - 6, SY(ty) + 4, t);
    }
    for (int i = 0; i < fr.xt.n; i++) {
        char t[24];
        fmt_tick(t, sizeof t, fr.xt.v[i], fr.xt.step);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n", SX(fr.xt.v[i]),
                SX(fr.xt.v[i]), mt + ph, mt + ph + 5);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", SX(fr.xt.v[i]), mt + ph + 20, t);
    }
    if (p->integer_x)
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">epoch</text>\n", ml + pw / 2, H - 8);
    char hex[8];
    for (int i = 0; i < p->nhlines; i++) {
        double ty = ytrans(p, p->hlines[i].y);
        if (!isfinite(ty))
            continue;
        ui_color_hex(p->hlines[i].color, hex);
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"4 3\"/>\n",
                ml, ml + pw, SY(ty), SY(ty), hex);
    }
    if (isfinite(p->vmark) && p->vmark >= fr.x0 && p->vmark <= fr.x1) {
        ui_color_hex(UI_YELLOW, hex);
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-dasharray=\"3 3\"/>\n",
                SX(p->vmark), SX(p->vmark), mt, mt + ph, hex);
    }
    for (int s = 0; s < p->nbands; s++) {
        /* a band: lo forwards, hi backwards, filled */
        const ui_band *B = &p->bands[s];
        ui_color_hex(B->color, hex);
        fprintf(f, "<polygon fill=\"%s\" fill-opacity=\"0.2\" stroke=\"none\" points=\"", hex);
        int k = 0;
        for (int pass = 0; pass < 2; pass++)
            for (int j = 0; j < B->n; j++) {
                int i = pass ? B->n - 1 - j : j;
                double ty = ytrans(p, pass ? B->hi[i] : B->lo[i]);
                if (isfinite(B->x[i]) && isfinite(ty))
                    fprintf(f, "%s%.2f,%.2f", k++ ? " " : "", SX(B->x[i]), SY(ty));
            }
        fputs("\"/>\n", f);
    }
    int lx = ml;
    for (int s = 0; s < p->nseries; s++) {
        const ui_series *S = &p->series[s];
        ui_color_hex(S->color, hex);

        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s points=\"", hex,
                S->faint ? "1" : "1.8", S->faint ? " stroke-opacity=\"0.35\"" : "");
        int k = 0;
        for (int i = 0; i < S->n; i++) {
            double x = S->x ? S->x[i] : i + 1, ty = ytrans(p, S->y[i]);
            if (!isfinite(x) || !isfinite(ty))
                continue;
            fprintf(f, "%s%.2f,%.2f", k++ ? " " : "", SX(x), SY(ty));
        }
        fputs("\"/>\n", f);
        if (!S->faint && S->name) {
            fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"36\" y2=\"36\" stroke=\"%s\" stroke-width=\"3\"/>", lx,
                    lx + 18, hex);
            fprintf(f, "<text x=\"%d\" y=\"40\">", lx + 22);
            svg_text(f, S->name);
            fputs("</text>\n", f);
            lx += 32 + 7 * (int)strlen(S->name);
        }
    }
#undef SX
#undef SY
    fputs("</svg>\n", f);
    return !ferror(f);
}
