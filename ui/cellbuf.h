/* cellbuf.h: an off-screen grid of terminal cells. Every widget and view
 * draws into one; the curses layer only copies the cells that changed to
 * the screen, and tests compare a grid's text with golden screens.
 *
 * A cell holds one Unicode code point, a foreground and background colour
 * (-1 = the terminal's default, 0-255 = the xterm palette) and attributes.
 * A double-width character occupies its cell and the next one, which holds
 * UI_WIDE_CONT. Widths come from ui_char_width, not from the locale, so a
 * screen is the same whatever LC_CTYPE says. */
#ifndef SELFMI_UI_CELLBUF_H
#define SELFMI_UI_CELLBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { UI_BOLD = 1, UI_DIM = 2, UI_REVERSE = 4, UI_UNDERLINE = 8 };
#define UI_WIDE_CONT 0xFFFFFFFFu

/* basic colours (the xterm palette's first 16) */
enum {
    UI_DEFAULT = -1, UI_BLACK = 0, UI_RED, UI_GREEN, UI_YELLOW, UI_BLUE, UI_MAGENTA, UI_CYAN, UI_WHITE,
    UI_GREY = 8, UI_BRIGHT_RED, UI_BRIGHT_GREEN, UI_BRIGHT_YELLOW, UI_BRIGHT_BLUE, UI_BRIGHT_MAGENTA,
    UI_BRIGHT_CYAN, UI_BRIGHT_WHITE
};

typedef struct {
    uint32_t ch;
    int16_t fg, bg;
    uint16_t attr;
} ui_cell;

typedef struct {
    int16_t fg, bg;
    uint16_t attr;
} ui_style;

typedef struct {
    int x, y, w, h;
} ui_rect;

typedef struct {
    int w, h;
    ui_cell *cells;     /* (h, w) */
    bool ascii;         /* draw with ASCII glyphs only (no UTF-8 locale) */
    bool mono;          /* no colours on screen (NO_COLOR): shapes must tell things apart */
    ui_rect clip;       /* drawing outside is dropped */
} cellbuf;

/* Returns false when out of memory. w, h >= 0. */
bool cellbuf_init(cellbuf *b, int w, int h);
void cellbuf_free(cellbuf *b);
bool cellbuf_resize(cellbuf *b, int w, int h);
void cellbuf_clear(cellbuf *b);
/* Restricts drawing to r (intersected with the grid); returns the old clip. */
ui_rect cellbuf_clip(cellbuf *b, ui_rect r);

static inline ui_style ui_sty(int fg, int bg, int attr)
{
    ui_style s = {(int16_t)fg, (int16_t)bg, (uint16_t)attr};
    return s;
}
#define UI_PLAIN ui_sty(UI_DEFAULT, UI_DEFAULT, 0)

void cellbuf_put(cellbuf *b, int x, int y, uint32_t ch, ui_style s);
/* Writes UTF-8 text from (x, y), at most maxw columns (< 0: to the clip's
 * edge); returns the columns used. Control characters show as '?'. */
int cellbuf_text(cellbuf *b, int x, int y, int maxw, ui_style s, const char *utf8);
int cellbuf_printf(cellbuf *b, int x, int y, int maxw, ui_style s, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Text wrapped at w columns from (x, y), at most maxlines lines; returns
 * the lines it takes (b = NULL: only counts them). */
int cellbuf_text_wrap(cellbuf *b, int x, int y, int w, int maxlines, ui_style s, const char *utf8);
void cellbuf_fill(cellbuf *b, ui_rect r, uint32_t ch, ui_style s);
/* Changes the style of the cells of r, keeping their characters. */
void cellbuf_restyle(cellbuf *b, ui_rect r, ui_style s);
void cellbuf_hline(cellbuf *b, int x, int y, int w, ui_style s);
void cellbuf_box(cellbuf *b, ui_rect r, ui_style s, const char *title);

static inline ui_cell *cellbuf_at(cellbuf *b, int x, int y)
{
    return &b->cells[(size_t)y * (size_t)b->w + (size_t)x];
}

/* Columns a code point takes: 0 (combining), 1 or 2 (East Asian wide). */
int ui_char_width(uint32_t c);
/* Decodes one UTF-8 sequence at s (invalid bytes give U+FFFD); returns the
 * bytes consumed (0 at the end). */
int ui_utf8_decode(const char *s, uint32_t *cp);
int ui_utf8_encode(uint32_t cp, char out[4]);
/* Display width of UTF-8 text. */
int ui_text_width(const char *utf8);

/* The grid as UTF-8 text, one line per row, trailing spaces removed;
 * returns a malloc'ed string or NULL. */
char *cellbuf_to_text(const cellbuf *b);
bool cellbuf_write_text(const cellbuf *b, FILE *f);

#endif
