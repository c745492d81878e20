/* layout.c: rectangles from the terminal size. */
#include "config.h"
#include "ui/layout.h"

#include <string.h>

void ui_layout_compute(ui_layout *l, int w, int h)
{
    memset(l, 0, sizeof *l);
    if (w < 0)
        w = 0;
    if (h < 0)
        h = 0;
    if (w < UI_MIN_W || h < UI_MIN_H) {
        l->too_small = true;
        l->status = (ui_rect){0, 0, w, h > 0 ? 1 : 0};
        return;
    }
    l->tabs = (ui_rect){0, 0, w, 1};
    l->body = (ui_rect){0, 1, w, h - 3};
    l->help = (ui_rect){0, h - 2, w, 1};
    l->status = (ui_rect){0, h - 1, w, 1};
}

void ui_split_h(ui_rect r, int left, int gap, int min_each, ui_rect *a, ui_rect *b)
{
    if (r.w < 2 * min_each + gap) {
        *a = r;
        *b = (ui_rect){r.x + r.w, r.y, 0, 0};
        return;
    }
    if (left < min_each)
        left = min_each;
    if (left > r.w - gap - min_each)
        left = r.w - gap - min_each;
    *a = (ui_rect){r.x, r.y, left, r.h};
    *b = (ui_rect){r.x + left + gap, r.y, r.w - left - gap, r.h};
}

void ui_split_v(ui_rect r, int top, int gap, int min_each, ui_rect *a, ui_rect *b)
{
    if (r.h < 2 * min_each + gap) {
        *a = r;
        *b = (ui_rect){r.x, r.y + r.h, 0, 0};
        return;
    }
    if (top < min_each)
        top = min_each;
    if (top > r.h - gap - min_each)
        top = r.h - gap - min_each;
    *a = (ui_rect){r.x, r.y, r.w, top};
    *b = (ui_rect){r.x, r.y + top + gap, r.w, r.h - top - gap};
}

int ui_layout_panels(ui_rect r, int n, int min_w, int min_h, ui_rect *out)
{
    for (int i = 0; i < n; i++)
        out[i] = (ui_rect){r.x, r.y, 0, 0};
    if (n <= 0 || min_w < 1 || min_h < 1)
        return 0;
    int best_rows = 0, best_cols = 0, best_shown = 0;
    double best_score = -1;
    for (int rows = 1; rows <= n; rows++)
        for (int cols = 1; cols <= n; cols++) {
            if ((rows - 1) * cols >= n || rows * (cols - 1) >= n)
                continue;   /* an empty row or column */
            int pw = r.w / cols, ph = r.h / rows;
            if (pw < min_w || ph < min_h)
                continue;
            int shown = rows * cols < n ? rows * cols : n;
            /* squarest panels: a cell is about twice as tall as wide */
            double aspect = (double)pw / (2.0 * ph);
            double sq = aspect > 1 ? 1 / aspect : aspect;
            double score = shown * 10.0 + sq;
            if (score > best_score) {
                best_score = score;
                best_rows = rows;
                best_cols = cols;
                best_shown = shown;
            }
        }
    if (!best_shown)
        return 0;
    int pw = r.w / best_cols, ph = r.h / best_rows;
    for (int i = 0; i < best_shown; i++) {
        int row = i / best_cols, col = i % best_cols;
        int x = r.x + col * pw, y = r.y + row * ph;
        /* the last column and row take the remainder */
        int w = col == best_cols - 1 ? r.x + r.w - x : pw;
        int h = row == best_rows - 1 ? r.y + r.h - y : ph;
        out[i] = (ui_rect){x, y, w, h};
    }
    return best_shown;
}
