/* fmt.h: numbers and tables fitted to a number of terminal columns.
 * Everything here is pure (no curses, no locale: a decimal point always). */
#ifndef SELFMI_UI_FMT_H
#define SELFMI_UI_FMT_H

#include <stdbool.h>
#include <stddef.h>

/* v with prec decimals, or fewer, or in exponent form, so that it takes at
 * most width columns (width >= 1); NaN shows as "-" and infinities as
 * "inf"/"-inf" (or "#" when even that does not fit). Returns the length. */
int fmt_num(char *buf, size_t n, double v, int width, int prec);
/* Durations: "0.4s", "12s", "4m05s", "1h02m", "3d04h". */
int fmt_duration(char *buf, size_t n, double seconds);
/* A tick label: the fewest decimals that tell ticks step apart. */
int fmt_tick(char *buf, size_t n, double v, double step);

/* The first line of UTF-8 text wrapped at width columns (width >= 1): the
 * bytes it takes, broken after the last space that fits (or, in a word
 * longer than the width, at the width). *next is where the following line
 * starts (the spaces at the break skipped). */
size_t fmt_wrap(const char *s, int width, const char **next);

/* s fitted to width columns by replacing its middle with an ellipsis
 * (ASCII: "~"), so both ends stay: a run's seed, an exported file's name.
 * Text that fits is copied whole. */
void fmt_elide(char *buf, size_t n, const char *s, int width, bool ascii);

/* A table column to fit: it takes at least min columns and at most want
 * (or every spare column when flex); when the table is too narrow the
 * columns of lowest priority are hidden first (ties: the rightmost). */
typedef struct {
    int min, want;
    int priority;
    bool flex;
} ui_col;

/* Widths of n columns separated by gap spaces in width columns; a hidden
 * column gets 0. Returns the number of visible columns. */
int ui_table_fit(const ui_col *cols, int n, int width, int gap, int *out_w);

#endif
