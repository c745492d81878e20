/* cellbuf.c: the off-screen cell grid. */
#include "config.h"
#include "ui/cellbuf.h"
#include "ui/fmt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

bool cellbuf_init(cellbuf *b, int w, int h)
{
    memset(b, 0, sizeof *b);
    return cellbuf_resize(b, w, h);
}

void cellbuf_free(cellbuf *b)
{
    if (!b)
        return;
    free(b->cells);
    b->cells = NULL;
    b->w = b->h = 0;
}

bool cellbuf_resize(cellbuf *b, int w, int h)
{
    if (w < 0)
        w = 0;
    if (h < 0)
        h = 0;
    size_t n = (size_t)w * (size_t)h;
    ui_cell *c = malloc((n ? n : 1) * sizeof *c);
    if (!c)
        return false;
    free(b->cells);
    b->cells = c;
    b->w = w;
    b->h = h;
    b->clip = (ui_rect){0, 0, w, h};
    cellbuf_clear(b);
    return true;
}

void cellbuf_clear(cellbuf *b)
{
    size_t n = (size_t)b->w * (size_t)b->h;
    for (size_t i = 0; i < n; i++)
        b->cells[i] = (ui_cell){' ', UI_DEFAULT, UI_DEFAULT, 0};
    b->clip = (ui_rect){0, 0, b->w, b->h};
}

ui_rect cellbuf_clip(cellbuf *b, ui_rect r)
{
    ui_rect old = b->clip;
    int x0 = r.x > 0 ? r.x : 0, y0 = r.y > 0 ? r.y : 0;
    int x1 = r.x + r.w < b->w ? r.x + r.w : b->w;
    int y1 = r.y + r.h < b->h ? r.y + r.h : b->h;
    b->clip = (ui_rect){x0, y0, x1 > x0 ? x1 - x0 : 0, y1 > y0 ? y1 - y0 : 0};
    return old;
}

static inline bool inside(const cellbuf *b, int x, int y)
{
    return x >= b->clip.x && y >= b->clip.y && x < b->clip.x + b->clip.w && y < b->clip.y + b->clip.h;
}

void cellbuf_put(cellbuf *b, int x, int y, uint32_t ch, ui_style s)
{
    if (!inside(b, x, y))
        return;
    ui_cell *c = cellbuf_at(b, x, y);
    /* overwriting half of a wide character blanks the other half */
    if (c->ch == UI_WIDE_CONT && x > 0)
        cellbuf_at(b, x - 1, y)->ch = ' ';
    else if (x + 1 < b->w && cellbuf_at(b, x + 1, y)->ch == UI_WIDE_CONT)
        cellbuf_at(b, x + 1, y)->ch = ' ';
    c->ch = ch;
    c->fg = s.fg;
    c->bg = s.bg;
    c->attr = s.attr;
}

int ui_char_width(uint32_t c)
{
    if (c == 0)
        return 0;
    if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) || (c >= 0xFE00 && c <= 0xFE0F))
        return 0;
    if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
        (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
        (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
        (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
        (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD))
        return 2;
    return 1;
}

int ui_utf8_decode(const char *str, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (!s[0]) {
        *cp = 0;
        return 0;
    }
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    int n;
    uint32_t c, min;
    if ((s[0] & 0xE0) == 0xC0) {
        n = 2;
        c = s[0] & 0x1F;
        min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3;
        c = s[0] & 0x0F;
        min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4;
        c = s[0] & 0x07;
        min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return i;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        c = 0xFFFD;
    *cp = c;
    return n;
}

int ui_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int ui_text_width(const char *s)
{
    int w = 0;
    uint32_t cp;
    int k;
    while ((k = ui_utf8_decode(s, &cp)) > 0) {
        s += k;
        w += cp < 0x20 || cp == 0x7F ? 1 : ui_char_width(cp);
    }
    return w;
}

int cellbuf_text(cellbuf *b, int x, int y, int maxw, ui_style s, const char *str)
{
    if (!str)
        return 0;
    int limit = b->clip.x + b->clip.w;
    if (maxw >= 0 && x + maxw < limit)
        limit = x + maxw;
    int x0 = x;
    uint32_t cp;
    int k;
    while ((k = ui_utf8_decode(str, &cp)) > 0) {
        str += k;
        if (cp < 0x20 || cp == 0x7F)
            cp = '?';
        int cw = ui_char_width(cp);
        if (cw == 0)
            continue;
        if (b->ascii && cp >= 0x80) {
            cp = '?';
            cw = 1;
        }
        if (x + cw > limit)
            break;
        cellbuf_put(b, x, y, cp, s);
        if (cw == 2)
            cellbuf_put(b, x + 1, y, UI_WIDE_CONT, s);
        x += cw;
    }
    return x - x0;
}

int cellbuf_printf(cellbuf *b, int x, int y, int maxw, ui_style s, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return cellbuf_text(b, x, y, maxw, s, buf);
}

void cellbuf_fill(cellbuf *b, ui_rect r, uint32_t ch, ui_style s)
{
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++)
            cellbuf_put(b, x, y, ch, s);
}

void cellbuf_restyle(cellbuf *b, ui_rect r, ui_style s)
{
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++)
            if (inside(b, x, y)) {
                ui_cell *c = cellbuf_at(b, x, y);
                c->fg = s.fg;
                c->bg = s.bg;
                c->attr = s.attr;
            }
}

void cellbuf_hline(cellbuf *b, int x, int y, int w, ui_style s)
{
    for (int i = 0; i < w; i++)
        cellbuf_put(b, x + i, y, b->ascii ? '-' : 0x2500, s);
}

void cellbuf_box(cellbuf *b, ui_rect r, ui_style s, const char *title)
{
    if (r.w < 2 || r.h < 2)
        return;
    bool a = b->ascii;
    uint32_t h = a ? '-' : 0x2500, v = a ? '|' : 0x2502;
    uint32_t tl = a ? '+' : 0x250C, tr = a ? '+' : 0x2510, bl = a ? '+' : 0x2514, br = a ? '+' : 0x2518;
    for (int x = r.x + 1; x < r.x + r.w - 1; x++) {
        cellbuf_put(b, x, r.y, h, s);
        cellbuf_put(b, x, r.y + r.h - 1, h, s);
    }
    for (int y = r.y + 1; y < r.y + r.h - 1; y++) {
        cellbuf_put(b, r.x, y, v, s);
        cellbuf_put(b, r.x + r.w - 1, y, v, s);
    }
    cellbuf_put(b, r.x, r.y, tl, s);
    cellbuf_put(b, r.x + r.w - 1, r.y, tr, s);
    cellbuf_put(b, r.x, r.y + r.h - 1, bl, s);
    cellbuf_put(b, r.x + r.w - 1, r.y + r.h - 1, br, s);
    if (title && *title && r.w > 4) {
        ui_style ts = s;
        ts.attr |= UI_BOLD;
        cellbuf_put(b, r.x + 1, r.y, ' ', s);
        int n = cellbuf_text(b, r.x + 2, r.y, r.w - 5, ts, title);
        cellbuf_put(b, r.x + 2 + n, r.y, ' ', s);
    }
}

char *cellbuf_to_text(const cellbuf *b)
{
    size_t cap = (size_t)b->h * ((size_t)b->w * 4 + 1) + 1;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t n = 0;
    for (int y = 0; y < b->h; y++) {
        size_t line_start = n, last = n;
        for (int x = 0; x < b->w; x++) {
            uint32_t cp = b->cells[(size_t)y * (size_t)b->w + (size_t)x].ch;
            if (cp == UI_WIDE_CONT)
                continue;
            char u[4];
            int k = ui_utf8_encode(cp, u);
            memcpy(out + n, u, (size_t)k);
            n += (size_t)k;
            if (cp != ' ')
                last = n;
        }
        (void)line_start;
        n = last;
        out[n++] = '\n';
    }
    out[n] = '\0';
    return out;
}

bool cellbuf_write_text(const cellbuf *b, FILE *f)
{
    char *t = cellbuf_to_text(b);
    if (!t)
        return false;
    bool ok = fputs(t, f) >= 0;
    free(t);
    return ok;
}

int cellbuf_text_wrap(cellbuf *b, int x, int y, int w, int maxlines, ui_style s, const char *utf8)
{
    int n = 0;
    const char *p = utf8;
    while (*p && n < maxlines && w > 0) {
        const char *next;
        size_t len = fmt_wrap(p, w, &next);
        if (b) {
            char seg[1024];
            snprintf(seg, sizeof seg, "%.*s", (int)(len < sizeof seg ? len : sizeof seg - 1), p);
            cellbuf_text(b, x, y + n, w, s, seg);
        }
        n++;
        p = next;
    }
    return n;
}
