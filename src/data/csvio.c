/* csvio.c: CSV tables through libcsv. */
#include "config.h"
#include "data/csvio.h"
#include "base/fsutil.h"
#include "base/numfmt.h"

#include <csv.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    csv_table *t;
    sm_err *err;
    sm_status st;
    /* growing arrays */
    size_t store_n, store_cap;
    size_t *off;              /* field offsets into store */
    int off_cap;
    int rows_cap;
    int row_fields;           /* fields in the row being read */
    int row_first;
    int row_line;             /* line where the current row started */
    int cur_line;             /* physical line being fed */
} reader;

static bool grow(void **p, int *cap, int need, size_t size, reader *r)
{
    if (need <= *cap)
        return true;
    int nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > (1 << 29)) {
            r->st = sm_err_set(r->err, SM_ENOMEM, "CSV table too large");
            return false;
        }
        nc *= 2;
    }
    void *q = sm_realloc(*p, (size_t)nc, size, r->err);
    if (!q) {
        r->st = SM_ENOMEM;
        return false;
    }
    *p = q;
    *cap = nc;
    return true;
}

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    csv_table *t = r->t;
    if (r->st != SM_OK)
        return;
    if (r->row_fields == 0)
        r->row_first = t->nfield_total;
    if (!grow((void **)&r->off, &r->off_cap, t->nfield_total + 1, sizeof *r->off, r))
        return;
    if (r->store_n + len + 1 > r->store_cap) {
        size_t nc = r->store_cap ? r->store_cap : 4096;
        while (nc < r->store_n + len + 1)
            nc *= 2;
        char *q = sm_realloc(t->store, nc, 1, r->err);
        if (!q) {
            r->st = SM_ENOMEM;
            return;
        }
        t->store = q;
        r->store_cap = nc;
    }
    if (len)
        memcpy(t->store + r->store_n, s, len);
    t->store[r->store_n + len] = '\0';
    r->off[t->nfield_total++] = r->store_n;
    r->store_n += len + 1;
    r->row_fields++;
}

static void on_row(int c, void *data)
{
    (void)c;
    reader *r = data;
    csv_table *t = r->t;
    if (r->st != SM_OK)
        return;
    if (r->row_fields == 0)
        return;
    int cap = r->rows_cap;
    if (!grow((void **)&t->nfields, &cap, t->nrows + 1, sizeof *t->nfields, r))
        return;
    cap = r->rows_cap;
    if (!grow((void **)&t->first, &cap, t->nrows + 1, sizeof *t->first, r))
        return;
    cap = r->rows_cap;
    if (!grow((void **)&t->line, &cap, t->nrows + 1, sizeof *t->line, r))
        return;
    r->rows_cap = cap;
    t->nfields[t->nrows] = r->row_fields;
    t->first[t->nrows] = r->row_first;
    t->line[t->nrows] = r->row_line;
    t->nrows++;
    r->row_fields = 0;
}

sm_status csvio_parse(csv_table *t, const char *buf, size_t n, const char *path, sm_err *err)
{
    memset(t, 0, sizeof *t);
    reader r = {.t = t, .err = err, .st = SM_OK, .row_line = 1, .cur_line = 1};
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return sm_err_set(err, SM_ENOMEM, "%s: cannot initialise the CSV parser", path);
    size_t i = 0;
    if (n >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
        i = 3;
    /* feed one physical line at a time so rows know their line numbers */
    while (i < n && r.st == SM_OK) {
        const char *nl = memchr(buf + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - (buf + i)) + 1 : n - i;
        if (csv_parse(&p, buf + i, len, on_field, on_row, &r) != len) {
            r.st = sm_err_set(err, SM_EFORMAT, "%s: line %d: %s (a quote inside a field must be doubled and the field quoted)",
                              path, r.cur_line, csv_strerror(csv_error(&p)));
            break;
        }
        i += len;
        /* outside a row (libcsv's state 0, ROW_NOT_BEGUN) the next row
         * starts on a later line */
        if (p.pstate == 0)
            r.row_line = r.cur_line + 1;
        r.cur_line++;
    }
    if (r.st == SM_OK) {
        r.cur_line--;
        if (csv_fini(&p, on_field, on_row, &r) != 0 && r.st == SM_OK)
            r.st = sm_err_set(err, SM_EFORMAT, "%s: line %d: unterminated quoted field at end of file",
                              path, r.row_line);
    }
    csv_free(&p);
    if (r.st == SM_OK) {
        t->field = sm_alloc((size_t)t->nfield_total + 1, sizeof *t->field, err);
        if (!t->field)
            r.st = SM_ENOMEM;
        else
            for (int k = 0; k < t->nfield_total; k++)
                t->field[k] = t->store + r.off[k];
    }
    free(r.off);
    if (r.st != SM_OK)
        csvio_free(t);
    return r.st;
}

sm_status csvio_slurp(const char *path, char **out, size_t *outn, sm_err *err)
{
    *out = NULL;
    *outn = 0;
    FILE *f = sm_fopen_input(path, NULL, err);
    if (!f)
        return SM_EIO;
    size_t cap = 1 << 16, n = 0;
    char *buf = sm_alloc(cap, 1, err);
    if (!buf) {
        fclose(f);
        return SM_ENOMEM;
    }
    for (;;) {
        if (n == cap) {
            char *q = sm_realloc(buf, cap * 2, 1, err);
            if (!q) {
                free(buf);
                fclose(f);
                return SM_ENOMEM;
            }
            buf = q;
            cap *= 2;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return sm_err_set(err, SM_EIO, "%s: read error", path);
    }
    *out = buf;
    *outn = n;
    return SM_OK;
}

sm_status csvio_read(csv_table *t, const char *path, sm_err *err)
{
    memset(t, 0, sizeof *t);
    char *buf;
    size_t n;
    sm_status st = csvio_slurp(path, &buf, &n, err);
    if (st != SM_OK)
        return st;
    st = csvio_parse(t, buf, n, path, err);
    free(buf);
    return st;
}

void csvio_free(csv_table *t)
{
    if (!t)
        return;
    free(t->nfields);
    free(t->first);
    free(t->line);
    free(t->field);
    free(t->store);
    memset(t, 0, sizeof *t);
}

static bool same_trimmed(const char *a, const char *b)
{
    while (*a == ' ')
        a++;
    size_t n = strlen(a);
    while (n && a[n - 1] == ' ')
        n--;
    return strlen(b) == n && strncmp(a, b, n) == 0;
}

int csvio_column(const csv_table *t, const char *name)
{
    if (t->nrows == 0)
        return -1;
    for (int c = 0; c < t->nfields[0]; c++)
        if (same_trimmed(csvio_get(t, 0, c), name))
            return c;
    return -1;
}

bool csvio_parse_double(const char *s, double *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return false;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s)
        return false;
    while (*end == ' ' || *end == '\t' || *end == '\r')
        end++;
    if (*end)
        return false;
    *out = v;
    return true;
}

bool csvio_parse_long(const char *s, long *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return false;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || errno == ERANGE)
        return false;
    while (*end == ' ' || *end == '\t' || *end == '\r')
        end++;
    if (*end)
        return false;
    *out = v;
    return true;
}

void csvw_init(csv_writer *w, FILE *f)
{
    w->f = f;
    w->col = 0;
    w->failed = 0;
}

static void sep(csv_writer *w)
{
    if (w->col++ > 0 && fputc(',', w->f) == EOF)
        w->failed = 1;
}

void csvw_str(csv_writer *w, const char *s)
{
    sep(w);
    if (csv_fwrite(w->f, s, strlen(s)) != 0)
        w->failed = 1;
}

/* v as float32 (a double beyond the float range as a double), or as a
 * double: the shortest text that reads back (numfmt.h) */
static void num(csv_writer *w, double v, bool dbl)
{
    sep(w);
    char b[NUMFMT_MAX];
    int k;
    if (dbl || (isfinite(v) && fabs(v) > FLT_MAX))
        k = numfmt_double(b, v);
    else
        k = numfmt_float(b, (float)v);
    if (fwrite(b, 1, (size_t)k, w->f) != (size_t)k)
        w->failed = 1;
}

void csvw_num(csv_writer *w, double v)
{
    num(w, v, false);
}

void csvw_num17(csv_writer *w, double v)
{
    num(w, v, true);
}

void csvw_int(csv_writer *w, long v)
{
    sep(w);
    char b[NUMFMT_MAX];
    int k = numfmt_long(b, v);
    if (fwrite(b, 1, (size_t)k, w->f) != (size_t)k)
        w->failed = 1;
}

void csvw_empty(csv_writer *w)
{
    sep(w);
}

void csvw_end(csv_writer *w)
{
    if (fputc('\n', w->f) == EOF)
        w->failed = 1;
    w->col = 0;
}

bool csvw_ok(const csv_writer *w)
{
    return !w->failed && !ferror(w->f);
}
