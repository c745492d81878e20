/* csvio.h: every CSV the program reads or writes goes through libcsv here.
 *
 * Reading loads a whole file into a table of NUL-terminated string fields
 * (RFC 4180 quoting: commas, quotes and newlines inside quoted fields; CRLF;
 * a UTF-8 byte-order mark; blank lines skipped), remembering for each row
 * the physical line where it starts, so errors can name it.
 * Writing quotes every string field (csv_fwrite) and writes numbers bare, in
 * the C locale, so a reader never mistakes one for the other. */
#ifndef SELFMI_CSVIO_H
#define SELFMI_CSVIO_H

#include "base/base.h"
#include <stdio.h>

typedef struct {
    int nrows;            /* rows, the header included */
    int *nfields;         /* (nrows) */
    int *first;           /* (nrows) index of the row's first field in field[] */
    int *line;            /* (nrows) 1-based physical line where the row starts */
    char **field;         /* all fields, row after row */
    int nfield_total;
    char *store;          /* the bytes of every field */
} csv_table;

/* Reads a whole file into a fresh buffer (free() it); *n gets its size. */
sm_status csvio_slurp(const char *path, char **buf, size_t *n, sm_err *err);

/* path is used in messages only for csvio_parse. */
sm_status csvio_read(csv_table *t, const char *path, sm_err *err);
sm_status csvio_parse(csv_table *t, const char *buf, size_t n, const char *path, sm_err *err);
void csvio_free(csv_table *t);

/* Field c of row r, or NULL past the row's end. */
static inline const char *csvio_get(const csv_table *t, int r, int c)
{
    return (r >= 0 && r < t->nrows && c >= 0 && c < t->nfields[r]) ? t->field[t->first[r] + c] : NULL;
}
/* Column index of a header name in row 0 (exact match after trimming
 * spaces), or -1. */
int csvio_column(const csv_table *t, const char *name);

/* Parses a number field: a finite or infinite double, the whole field
 * (surrounding spaces allowed). Returns false for empty or malformed text. */
bool csvio_parse_double(const char *s, double *out);
bool csvio_parse_long(const char *s, long *out);

typedef struct {
    FILE *f;
    int col;              /* fields written on the current row */
    int failed;           /* a write failed */
} csv_writer;

void csvw_init(csv_writer *w, FILE *f);
void csvw_str(csv_writer *w, const char *s);
/* v as a float32, the shortest text that reads back to it (numfmt_float;
 * a finite v beyond the float range as a double), "nan", "inf", "-inf" */
void csvw_num(csv_writer *w, double v);
/* the shortest text that reads back to the double v (numfmt_double) */
void csvw_num17(csv_writer *w, double v);
void csvw_int(csv_writer *w, long v);
void csvw_empty(csv_writer *w);
void csvw_end(csv_writer *w);
/* true when every write so far succeeded */
bool csvw_ok(const csv_writer *w);

#endif
