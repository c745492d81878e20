/* plot.h: line plots in braille dots with axes, ticks, legend and colours;
 * an ASCII fallback when the locale is not UTF-8; half-block heat maps;
 * sparklines; and the same plots as SVG for export. All of it draws into a
 * cellbuf, so it is tested without a terminal. */
#ifndef SELFMI_UI_PLOT_H
#define SELFMI_UI_PLOT_H

#include "ui/cellbuf.h"
#include <stdio.h>

#define UI_MAX_TICKS 16

typedef struct {
    double lo, hi;     /* the axis range (covers the data) */
    double step;       /* linear: tick spacing; log: in decades */
    int n;
    double v[UI_MAX_TICKS];   /* tick values (log axes: the values, not their logs) */
    bool log;
} ui_ticks;

/* Nice ticks (1, 2, 2.5, 5 x 10^k) over [lo, hi], at most max_ticks of
 * them (3 at least); the range is widened to whole steps. lo == hi or non-finite input
 * gives a sane unit range. integer: steps of at least 1 (epochs). */
void ui_ticks_linear(ui_ticks *t, double lo, double hi, int max_ticks, bool integer);
/* Log axis over [lo, hi] (both > 0): powers of ten, or 1-2-5 multiples when
 * the range spans less than two decades. */
void ui_ticks_log(ui_ticks *t, double lo, double hi, int max_ticks);

/* A dot canvas: 2 x 4 braille dots per cell (ASCII: 1 x 1). The cell takes
 * the colour of the last dot set in it. */
typedef struct {
    int w, h;              /* cells */
    int dw, dh;            /* dots */
    bool ascii;
    uint8_t *dots;         /* (h, w) braille bits */
    uint32_t *ch;          /* (h, w) ASCII glyph (ascii mode) */
    ui_style *style;       /* (h, w) */
} ui_canvas;

bool ui_canvas_init(ui_canvas *c, int w, int h, bool ascii);
void ui_canvas_free(ui_canvas *c);
/* Dot (x, y), y = 0 at the top; out-of-range dots are dropped. glyph is the
 * ASCII mode's character. */
void ui_canvas_set(ui_canvas *c, int x, int y, ui_style s, uint32_t glyph);
void ui_canvas_line(ui_canvas *c, int x0, int y0, int x1, int y1, ui_style s, uint32_t glyph);
/* Copies the cells that hold dots to (x, y) of b. */
void ui_canvas_blit(const ui_canvas *c, cellbuf *b, int x, int y);
/* The braille character of a bit pattern (bit k = dot k of the standard
 * numbering: 1-2-3-7 left column top to bottom, 4-5-6-8 right). */
uint32_t ui_braille(uint8_t bits);
uint8_t ui_braille_bit(int dx, int dy);

typedef struct {
    const char *name;
    const double *x, *y;   /* (n); NaN y breaks the line */
    int n;
    int16_t color;
    bool faint;            /* the raw line under a smoothed one */
    bool points;           /* dots only, no connecting lines */
} ui_series;

/* A band shaded between lo and hi under the lines (the spread of seeds
 * around their mean); NaN breaks it. */
typedef struct {
    const double *x, *lo, *hi;   /* (n) */
    int n;
    int16_t color;
} ui_band;

typedef struct {
    double y;
    int16_t color;
    const char *name;
} ui_hline;

typedef struct {
    const char *title;
    const ui_series *series;
    int nseries;
    const ui_hline *hlines;
    int nhlines;
    const ui_band *bands;
    int nbands;
    bool logy;
    bool integer_x;        /* x are epochs */
    double vmark;          /* x of the best-epoch marker; NaN = none */
    const char *vmark_name;
    double xcursor;        /* x of a cursor line; NaN = none */
    bool focused;
    bool no_frame;
} ui_plot;

/* Draws the plot (frame, legend, axes, ticks, lines) into r. */
void ui_plot_draw(cellbuf *b, ui_rect r, const ui_plot *p);
/* The same plot as an SVG picture of w x h pixels. */
bool ui_plot_svg(FILE *f, const ui_plot *p, int w, int h);
/* #rrggbb of a palette colour (default: black). */
void ui_color_hex(int color, char out[8]);

/* Exponential moving average (TensorBoard's smoothing): out[i] =
 * a out[i-1] + (1 - a) in[i], debiased, NaN skipped. */
void ui_ema(const double *in, double *out, int n, double a);

/* A colour for t in [0, 1]: a sequential ramp, or (diverging) blue through
 * grey to red with 0.5 in the middle; 256-colour indices. */
int16_t ui_ramp(double t, bool diverging);
/* Heat map of a (rows, cols) matrix: two rows per cell in half blocks
 * (ASCII: one row per cell, density glyphs), from row0; columns stretched
 * or sampled to the width. NaN cells are blank. cursor_row (-1: none) is
 * marked at the left edge. */
void ui_heatmap_draw(cellbuf *b, ui_rect r, const float *v, int rows, int cols, int row0, double lo, double hi,
                     bool diverging, int cursor_row);
/* Rows of data a heat map of h cell rows shows. */
int ui_heatmap_rows(const cellbuf *b, int h);
/* Sparkline of n values in w cells (the last w values). */
void ui_sparkline(cellbuf *b, int x, int y, int w, const double *v, int n, ui_style s);

#endif
