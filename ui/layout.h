/* layout.h: the screen's layout as pure functions from the terminal size to
 * rectangles, so every size (tiny to huge) is unit-tested. On a resize
 * every view is laid out again from these. */
#ifndef SELFMI_UI_LAYOUT_H
#define SELFMI_UI_LAYOUT_H

#include "ui/cellbuf.h"

/* Below this the dashboard shows a one-line message instead of views. */
#define UI_MIN_W 60
#define UI_MIN_H 14

typedef struct {
    bool too_small;
    ui_rect tabs;      /* row 0: the view tabs and the queue summary */
    ui_rect body;      /* the view */
    ui_rect help;      /* the view's keys */
    ui_rect status;    /* messages, prompts, search input */
} ui_layout;

void ui_layout_compute(ui_layout *l, int w, int h);

/* Splits r into a left part of `left` columns (clamped so both sides keep
 * min_each; when they cannot, the left part takes everything), a gap of
 * `gap` columns and the rest. */
void ui_split_h(ui_rect r, int left, int gap, int min_each, ui_rect *a, ui_rect *b);
/* The same for rows. */
void ui_split_v(ui_rect r, int top, int gap, int min_each, ui_rect *a, ui_rect *b);

/* Arranges up to n panels of at least min_w x min_h in r as rows x columns
 * (the arrangement that shows the most panels, then the squarest panels);
 * out[i] of a panel that does not fit has w = h = 0. Returns how many are
 * shown: panels 0..k-1. */
int ui_layout_panels(ui_rect r, int n, int min_w, int min_h, ui_rect *out);

static inline bool ui_rect_contains(ui_rect r, int x, int y)
{
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

#endif
