/* report.c: grouping runs, statistics per group and against a reference
 * row, and the table / Markdown / LaTeX / CSV / JSON writers. */
#include "config.h"
#include "exp/report.h"
#include "data/csvio.h"
#include "conf/runconf.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The paper's columns (Tables 3, 5, 6): MAE, Corr, Acc_2 and F1 as Has0/Non0. */
static const report_metric metrics_mosi[] = {
    {"mae", "MAE", 1, 3, true, true},
    {"corr", "Corr", 1, 3, false, true},
    {"acc2_has0", "Acc2 Has0", 100, 2, false, true},
    {"acc2_non0", "Acc2 Non0", 100, 2, false, true},
    {"f1_has0", "F1 Has0", 100, 2, false, true},
    {"f1_non0", "F1 Non0", 100, 2, false, true},
    {"acc5", "Acc5", 100, 2, false, false},
    {"acc7", "Acc7", 100, 2, false, false},
};
static const report_metric metrics_sims[] = {
    {"mae", "MAE", 1, 3, true, true},
    {"corr", "Corr", 1, 3, false, true},
    {"acc2", "Acc2", 100, 2, false, true},
    {"f1", "F1", 100, 2, false, true},
    {"acc3", "Acc3", 100, 2, false, true},
    {"acc5", "Acc5", 100, 2, false, true},
};

sm_status report_format_parse(const char *s, report_format *f, sm_err *err)
{
    static const char *const names[] = {"table", "md", "latex", "csv", "json"};
    for (int i = 0; i < 5; i++)
        if (strcasecmp(s, names[i]) == 0) {
            *f = (report_format)i;
            return SM_OK;
        }
    if (strcasecmp(s, "markdown") == 0) {
        *f = REPORT_MD;
        return SM_OK;
    }
    return sm_err_set(err, SM_EINVAL, "unknown format '%s': expected table, md, latex, csv or json", s);
}

/* ---- value spellings and order ----------------------------------------- */

static int key_index(const char *key)
{
    for (int i = 0; i < config_nkeys; i++)
        if (strcmp(config_keys[i].key, key) == 0)
            return i;
    return -1;
}

/* bits of a CPC set as run.conf writes it ("mt,ma,mv", "none") or as a row
 * shows it ("all", "w/o ma"): mt 4, ma 2, mv 1 */
static int cpc_bits(const char *v)
{
    if (strcmp(v, "all") == 0)
        return 7;
    if (strncmp(v, "w/o ", 4) == 0)
        return 7 & ~cpc_bits(v + 4);
    int b = 0;
    if (strstr(v, "mt"))
        b |= 4;
    if (strstr(v, "ma"))
        b |= 2;
    if (strstr(v, "mv"))
        b |= 1;
    return b;
}

/* bits of a task subset ("M,T,A"): T 4, A 2, V 1 */
static int task_bits(const char *v)
{
    int b = 0;
    for (const char *p = v; *p; p++) {
        int c = toupper((unsigned char)*p);
        b |= c == 'T' ? 4 : c == 'A' ? 2 : c == 'V' ? 1 : 0;
    }
    return b;
}

/* copies s into buf (n bytes), cut to fit */
static void copy_cut(char *buf, size_t n, const char *s)
{
    if (n == 0)
        return;
    size_t k = strnlen(s, n - 1);
    memcpy(buf, s, k);
    buf[k] = '\0';
}

static int popcount3(int b)
{
    return (b & 1) + ((b >> 1) & 1) + ((b >> 2) & 1);
}

void report_value_label(const char *key, const char *value, char *buf, size_t n)
{
    if (strcmp(key, "cpc_terms") == 0) {
        int b = cpc_bits(value);
        static const char *const wo[] = {"w/o mt", "w/o ma", "w/o mv"};
        if (b == 7)
            snprintf(buf, n, "all");
        else if (popcount3(b) == 2)
            snprintf(buf, n, "%s", wo[b == 3 ? 0 : b == 5 ? 1 : 2]);
        else
            copy_cut(buf, n, value);
        return;
    }
    copy_cut(buf, n, value);
}

/* The canonical display form of a user's spelling of a value ("MTAV",
 * "w/o mt", "MM"); unknown keys or values are kept as typed. */
static void canonical_value(const char *key, const char *value, char *buf, size_t n)
{
    config c;
    sm_err err;
    char tmp[1024];
    config_defaults(&c, PRESET_MOSI);
    if (key_index(key) >= 0 && config_set(&c, key, value, &err) == SM_OK &&
        config_get(&c, key, tmp, sizeof tmp, &err) == SM_OK)
        report_value_label(key, tmp, buf, n);
    else
        copy_cut(buf, n, value);
}

/* Order of rows: the paper's for tasks (M; M,T; M,A; M,V; M,T,A; ...) and
 * CPC sets (all; w/o mt; w/o ma; w/o mv), the listed order for enums
 * (mi, mm, none), numbers ascending, else by text. */
static int value_cmp(const char *key, const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return 0;
    if (strcmp(key, "tasks") == 0) {
        int x = task_bits(a), y = task_bits(b);
        if (popcount3(x) != popcount3(y))
            return popcount3(x) - popcount3(y);
        return y - x;
    }
    if (strcmp(key, "cpc_terms") == 0) {
        int x = cpc_bits(a), y = cpc_bits(b);
        if (popcount3(x) != popcount3(y))
            return popcount3(y) - popcount3(x);
        return x - y;
    }
    int k = key_index(key);
    if (k >= 0 && config_keys[k].type == CK_ENUM) {
        const char *vals = config_keys[k].values;
        int ia = -1, ib = -1, pos = 0;
        for (const char *p = vals; *p; pos++) {
            size_t len = strcspn(p, "|");
            if (strlen(a) == len && strncmp(p, a, len) == 0)
                ia = pos;
            if (strlen(b) == len && strncmp(p, b, len) == 0)
                ib = pos;
            p += len;
            if (*p == '|')
                p++;
        }
        if (ia >= 0 && ib >= 0)
            return ia - ib;
    }
    double x, y;
    if (csvio_parse_double(a, &x) && csvio_parse_double(b, &y) && x != y)
        return x < y ? -1 : 1;
    return strcmp(a, b);
}

static int row_cmp(const report *r, const report_row *a, const report_row *b)
{
    for (int k = 0; k < r->nkeys; k++) {
        int c = value_cmp(r->keys[k], a->values[k], b->values[k]);
        if (c)
            return c;
    }
    return 0;
}

/* insertion sort (stable; a report has tens of rows) */
static void sort_rows(report *r)
{
    for (int i = 1; i < r->nrows; i++) {
        report_row x = r->rows[i];
        int j = i - 1;
        while (j >= 0 && row_cmp(r, &r->rows[j], &x) > 0) {
            r->rows[j + 1] = r->rows[j];
            j--;
        }
        r->rows[j + 1] = x;
    }
}

/* ---- building ------------------------------------------------------------ */

static sm_status parse_keys(report *r, const char *group_by, sm_err *err)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", group_by);
    char *save = NULL;
    for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        if (r->nkeys == REPORT_MAX_KEYS)
            return sm_err_set(err, SM_EINVAL, "--group-by: at most %d keys", REPORT_MAX_KEYS);
        if (key_index(t) < 0)
            return sm_err_set(err, SM_EINVAL, "--group-by: unknown key '%s' (see selfmi train --keys)", t);
        snprintf(r->keys[r->nkeys++], sizeof r->keys[0], "%s", t);
    }
    return SM_OK;
}

static void default_keys(report *r, const result_set *s)
{
    for (int i = 0; i < config_nkeys; i++) {
        const char *k = config_keys[i].key;
        if (strcmp(k, "seed") == 0 || strcmp(k, "name") == 0)
            continue;
        bool varies = false;
        for (int j = 1; j < s->n && !varies; j++) {
            const char *a = results_conf(&s->runs[0], k), *b = results_conf(&s->runs[j], k);
            varies = (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
        }
        if (varies && r->nkeys < REPORT_MAX_KEYS)
            snprintf(r->keys[r->nkeys++], sizeof r->keys[0], "%s", k);
    }
}

static void row_values(const report *r, const result_run *run, char values[][128])
{
    for (int k = 0; k < r->nkeys; k++) {
        const char *v = results_conf(run, r->keys[k]);
        report_value_label(r->keys[k], v ? v : "-", values[k], 128);
    }
}

static void make_label(const report *r, report_row *row)
{
    char buf[sizeof row->label];
    size_t w = 0;
    buf[0] = '\0';
    if (r->nkeys == 0)
        snprintf(buf, sizeof buf, "all runs");
    for (int k = 0; k < r->nkeys && w < sizeof buf; k++)
        w += (size_t)snprintf(buf + w, sizeof buf - w, "%s%s", k ? " / " : "", row->values[k]);
    memcpy(row->label, buf, sizeof buf);
}

static bool match_reference(const report *r, const report_row *row, const char *ref)
{
    if (strcmp(row->label, ref) == 0 || strcasecmp(row->label, ref) == 0)
        return true;
    /* one value per key, separated by " / " when grouping by several */
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", ref);
    char *parts[REPORT_MAX_KEYS];
    int np = 0;
    char *p = buf;
    while (np < REPORT_MAX_KEYS) {
        parts[np++] = p;
        char *sep = strstr(p, " / ");
        if (!sep)
            break;
        *sep = '\0';
        p = sep + 3;
    }
    if (np != r->nkeys)
        return false;
    for (int k = 0; k < np; k++) {
        char canon[256];
        canonical_value(r->keys[k], parts[k], canon, sizeof canon);
        if (strcmp(canon, row->values[k]) != 0)
            return false;
    }
    return true;
}

static unsigned long run_seed(const result_run *run)
{
    const char *s = results_conf(run, "seed");
    return s ? strtoul(s, NULL, 10) : 0;
}

static sm_status compare(report *r, const result_set *s, report_row *row, sm_err *err)
{
    const report_row *ref = &r->rows[r->ref];
    int na = row->n;
    int *pa = sm_alloc((size_t)na + 1, sizeof *pa, err), *pb = sm_alloc((size_t)na + 1, sizeof *pb, err);
    double *d = sm_alloc((size_t)na + 1, sizeof *d, err);
    if (!pa || !pb || !d) {
        free(pa);
        free(pb);
        free(d);
        return SM_ENOMEM;
    }
    int np = 0;
    for (int i = 0; i < row->n; i++) {
        unsigned long seed = run_seed(&s->runs[row->runs[i]]);
        bool seen = false;
        for (int q = 0; q < np; q++)
            if (run_seed(&s->runs[pa[q]]) == seed)
                seen = true;
        if (seen) {
            row->dup_seeds = true;
            continue;
        }
        for (int j = 0; j < ref->n; j++)
            if (run_seed(&s->runs[ref->runs[j]]) == seed) {
                pa[np] = row->runs[i];
                pb[np] = ref->runs[j];
                np++;
                break;
            }
    }
    row->has_cmp = true;
    row->cmp.npairs = np;
    row->cmp.p_w_min = np > 0 ? fmin(1, ldexp(1.0, 1 - np)) : NAN;
    sm_status st = SM_OK;
    for (int m = 0; m < r->nmetrics && st == SM_OK; m++) {
        const report_metric *me = &r->metrics[m];
        int nd = 0;
        for (int q = 0; q < np; q++) {
            double a, b;
            if (results_metric(&s->runs[pa[q]], me->name, &a) && results_metric(&s->runs[pb[q]], me->name, &b) &&
                !isnan(a) && !isnan(b))
                d[nd++] = me->scale * a - me->scale * b;
        }
        stats_ttest tt;
        stats_wilcoxon w;
        stats_ttest_paired(d, nd, &tt);
        row->cmp.diff[m] = tt.mean;
        row->cmp.p_t[m] = tt.p;
        st = stats_wilcoxon_exact(d, nd, &w, err);
        row->cmp.p_w[m] = w.p;
        if (!st)
            st = stats_bootstrap_ci(d, nd, r->nboot, 0.95, r->boot_seed, &row->cmp.lo[m], &row->cmp.hi[m], err);
    }
    free(pa);
    free(pb);
    free(d);
    return st;
}

sm_status report_build(report *r, const result_set *s, const char *group_by, const char *reference, sm_err *err)
{
    memset(r, 0, sizeof *r);
    r->ref = -1;
    r->nboot = 10000;
    r->boot_seed = 20240601;
    r->nruns = s->n;
    sm_status st = SM_OK;
    if (group_by && *group_by)
        st = parse_keys(r, group_by, err);
    else
        default_keys(r, s);
    if (st)
        return st;
    /* the metric set: SIMS or MOSI, from the finished runs */
    int nsims = 0, nmosi = 0;
    for (int i = 0; i < s->n; i++)
        if (s->runs[i].has_test)
            *(s->runs[i].sims ? &nsims : &nmosi) += 1;
    if (nsims && nmosi)
        return sm_err_set(err, SM_EINVAL, "the runs mix SIMS metrics (%d runs) and MOSI metrics (%d runs): report "
                          "them separately", nsims, nmosi);
    r->sims = nsims > 0;
    r->metrics = r->sims ? metrics_sims : metrics_mosi;
    r->nmetrics = r->sims ? (int)(sizeof metrics_sims / sizeof metrics_sims[0])
                          : (int)(sizeof metrics_mosi / sizeof metrics_mosi[0]);
    r->rows = sm_alloc((size_t)(s->n > 0 ? s->n : 1), sizeof *r->rows, err);
    if (!r->rows)
        return SM_ENOMEM;
    for (int i = 0; i < s->n; i++) {
        char values[REPORT_MAX_KEYS][128];
        row_values(r, &s->runs[i], values);
        int g = -1;
        for (int q = 0; q < r->nrows && g < 0; q++) {
            bool same = true;
            for (int k = 0; k < r->nkeys && same; k++)
                same = strcmp(r->rows[q].values[k], values[k]) == 0;
            if (same)
                g = q;
        }
        if (g < 0) {
            g = r->nrows++;
            memcpy(r->rows[g].values, values, sizeof values);
            make_label(r, &r->rows[g]);
            if (!(r->rows[g].runs = sm_alloc((size_t)s->n, sizeof(int), err)))
                return SM_ENOMEM;
        }
        report_row *row = &r->rows[g];
        if (s->runs[i].has_test) {
            row->runs[row->n++] = i;
            r->ndone++;
        } else {
            row->nother++;
        }
    }
    sort_rows(r);
    /* mean and sample sd per metric, in shown units */
    double *x = sm_alloc((size_t)(s->n > 0 ? s->n : 1), sizeof *x, err);
    if (!x)
        return SM_ENOMEM;
    for (int g = 0; g < r->nrows; g++) {
        report_row *row = &r->rows[g];
        for (int m = 0; m < r->nmetrics; m++) {
            int n = 0;
            for (int i = 0; i < row->n; i++) {
                double v;
                if (results_metric(&s->runs[row->runs[i]], r->metrics[m].name, &v) && !isnan(v))
                    x[n++] = r->metrics[m].scale * v;
            }
            row->mean[m] = stats_mean(x, n);
            row->sd[m] = stats_sd(x, n);
        }
    }
    free(x);
    /* best per column: lowest MAE, highest others (ties all marked) */
    for (int m = 0; m < r->nmetrics; m++) {
        double best = NAN;
        for (int g = 0; g < r->nrows; g++) {
            double v = r->rows[g].mean[m];
            if (isnan(v))
                continue;
            if (isnan(best) || (r->metrics[m].lower_better ? v < best : v > best))
                best = v;
        }
        for (int g = 0; g < r->nrows; g++)
            r->rows[g].best[m] = !isnan(best) && r->nrows > 1 && r->rows[g].mean[m] == best;
    }
    if (reference && *reference) {
        for (int g = 0; g < r->nrows && r->ref < 0; g++)
            if (match_reference(r, &r->rows[g], reference))
                r->ref = g;
        if (r->ref < 0) {
            char rows[512];
            size_t w = 0;
            rows[0] = '\0';
            for (int g = 0; g < r->nrows && w < sizeof rows; g++)
                w += (size_t)snprintf(rows + w, sizeof rows - w, "%s'%s'", g ? ", " : "", r->rows[g].label);
            return sm_err_set(err, SM_EINVAL, "--reference '%s': no such row; the rows are %s", reference,
                              r->nrows ? rows : "(none)");
        }
        for (int g = 0; g < r->nrows && st == SM_OK; g++)
            if (g != r->ref)
                st = compare(r, s, &r->rows[g], err);
    }
    return st;
}

void report_free(report *r)
{
    if (!r)
        return;
    for (int g = 0; g < r->nrows; g++)
        free(r->rows[g].runs);
    free(r->rows);
    r->rows = NULL;
    r->nrows = 0;
}

/* ---- writing ----------------------------------------------------------------- */

static bool shown(const report *r, int m, report_format fmt)
{
    return r->metrics[m].paper || fmt == REPORT_CSV || fmt == REPORT_JSON;
}

/* display width of UTF-8 text (continuation bytes do not count) */
static int text_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void pad(FILE *f, const char *s, int width, bool left)
{
    int k = width - text_width(s);
    if (!left)
        for (; k > 0; k--)
            fputc(' ', f);
    fputs(s, f);
    if (left)
        for (; k > 0; k--)
            fputc(' ', f);
}

static void fmt_num(char *buf, size_t n, double v, int dec, bool sign)
{
    if (isnan(v))
        snprintf(buf, n, "nan");
    else if (isinf(v))
        snprintf(buf, n, "%sinf", v < 0 ? "-" : sign ? "+" : "");
    else
        snprintf(buf, n, sign ? "%+.*f" : "%.*f", dec, v);
}

static void fmt_p(char *buf, size_t n, double p)
{
    if (isnan(p))
        snprintf(buf, n, "-");
    else if (p < 1e-4)
        snprintf(buf, n, "<0.0001");
    else
        snprintf(buf, n, "%.4f", p);
}

/* "mean±sd", with the marker of the best */
static void fmt_cell(const report *r, const report_row *row, int m, report_format fmt, char *buf, size_t n)
{
    const report_metric *me = &r->metrics[m];
    char mean[32], sd[32];
    if (row->n == 0 || isnan(row->mean[m])) {
        snprintf(buf, n, "-");
        return;
    }
    fmt_num(mean, sizeof mean, row->mean[m], me->decimals, false);
    fmt_num(sd, sizeof sd, row->sd[m], me->decimals, false);
    bool has_sd = !isnan(row->sd[m]);
    switch (fmt) {
    case REPORT_MD:
        snprintf(buf, n, "%s%s%s%s%s", row->best[m] ? "**" : "", mean, has_sd ? " ± " : "", has_sd ? sd : "",
                 row->best[m] ? "**" : "");
        break;
    case REPORT_LATEX:
        if (row->best[m])
            snprintf(buf, n, "\\textbf{%s}%s%s", mean, has_sd ? "$\\pm$" : "", has_sd ? sd : "");
        else
            snprintf(buf, n, "%s%s%s", mean, has_sd ? "$\\pm$" : "", has_sd ? sd : "");
        break;
    default:
        snprintf(buf, n, "%s%s%s%s", mean, has_sd ? "±" : "", has_sd ? sd : "", row->best[m] ? " *" : "");
        break;
    }
}

static void latex_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strchr("&%$#_{}", *s))
            fprintf(f, "\\%c", *s);
        else if (*s == '\\')
            fputs("\\textbackslash{}", f);
        else if (*s == '~' || *s == '^')
            fprintf(f, "\\%c{}", *s);
        else
            fputc(*s, f);
    }
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("null", f);
}

static void group_title(const report *r, char *buf, size_t n)
{
    size_t w = 0;
    buf[0] = '\0';
    if (r->nkeys == 0)
        snprintf(buf, n, "runs");
    for (int k = 0; k < r->nkeys && w < n; k++)
        w += (size_t)snprintf(buf + w, n - w, "%s%s", k ? " / " : "", r->keys[k]);
}

static void write_notes(const report *r, FILE *f, const char *prefix)
{
    int others = r->nruns - r->ndone;
    if (others > 0)
        fprintf(f, "%s%d of %d runs are not finished (queued, running, failed or cancelled) and are left out.\n",
                prefix, others, r->nruns);
    if (r->ref < 0)
        return;
    int minpairs = -1;
    bool dup = false;
    for (int g = 0; g < r->nrows; g++)
        if (r->rows[g].has_cmp) {
            if (minpairs < 0 || r->rows[g].cmp.npairs < minpairs)
                minpairs = r->rows[g].cmp.npairs;
            dup |= r->rows[g].dup_seeds;
        }
    if (minpairs >= 0 && minpairs <= 5)
        fprintf(f,
                "%sWith %d pairs the exact two-sided Wilcoxon p-value cannot go below %.4g (2/2^n), so it cannot "
                "reach 0.05%s; the t-test assumes normal differences.\n",
                prefix, minpairs, minpairs > 0 ? fmin(1, ldexp(1.0, 1 - minpairs)) : 1.0,
                minpairs < 2 ? ", and fewer than 2 pairs give no t-test p-value" : "");
    if (dup)
        fprintf(f, "%sSome groups hold several runs of one seed (a key outside the grouping varies): the first of "
                   "each seed is paired.\n", prefix);
}

static void write_text(const report *r, FILE *f, report_format fmt)
{
    bool md = fmt == REPORT_MD;
    char title[512], cell[320];
    group_title(r, title, sizeof title);
    int ncols = 2;
    for (int m = 0; m < r->nmetrics; m++)
        ncols += shown(r, m, fmt);
    /* cells first, then widths */
    int nr = r->nrows + 1;
    char **cells = calloc((size_t)nr * (size_t)ncols, sizeof *cells);
    if (!cells)
        return;
    int c = 0;
    cells[c++] = strdup(title);
    cells[c++] = strdup("n");
    for (int m = 0; m < r->nmetrics; m++)
        if (shown(r, m, fmt))
            cells[c++] = strdup(r->metrics[m].title);
    for (int g = 0; g < r->nrows; g++) {
        const report_row *row = &r->rows[g];
        c = (g + 1) * ncols;
        snprintf(cell, sizeof cell, "%s%s", row->label, g == r->ref ? " (ref)" : "");
        cells[c++] = strdup(cell);
        if (row->nother)
            snprintf(cell, sizeof cell, "%d+%d", row->n, row->nother);
        else
            snprintf(cell, sizeof cell, "%d", row->n);
        cells[c++] = strdup(cell);
        for (int m = 0; m < r->nmetrics; m++)
            if (shown(r, m, fmt)) {
                fmt_cell(r, row, m, fmt, cell, sizeof cell);
                cells[c++] = strdup(cell);
            }
    }
    int width[32] = {0};
    for (int i = 0; i < nr; i++)
        for (int j = 0; j < ncols && j < 32; j++)
            if (cells[i * ncols + j] && text_width(cells[i * ncols + j]) > width[j])
                width[j] = text_width(cells[i * ncols + j]);
    if (md)
        fprintf(f, "Mean %s sample standard deviation (n-1) over seeds; **bold** = best in column "
                   "(lowest MAE, highest others); accuracies and F1 in %%.\n\n", "±");
    else
        fprintf(f, "%d runs (%d finished) in %d groups by %s: mean±sample standard deviation (n-1) over seeds; "
                   "* = best in column; accuracies and F1 in %%\n", r->nruns, r->ndone, r->nrows, title);
    for (int i = 0; i < nr; i++) {
        if (md)
            fputs("| ", f);
        for (int j = 0; j < ncols; j++) {
            const char *s = cells[i * ncols + j] ? cells[i * ncols + j] : "";
            pad(f, s, width[j], j == 0);
            if (md)
                fputs(j + 1 < ncols ? " | " : " |", f);
            else if (j + 1 < ncols)
                fputs("  ", f);
        }
        fputc('\n', f);
        if (md && i == 0) {
            fputs("|", f);
            for (int j = 0; j < ncols; j++) {
                fputc(j == 0 ? ':' : '-', f);
                for (int k = 0; k < width[j]; k++)
                    fputc('-', f);
                fputs(j == 0 ? "-|" : ":|", f);
            }
            fputc('\n', f);
        }
    }
    for (int i = 0; i < nr * ncols; i++)
        free(cells[i]);
    free(cells);
    if (r->ref >= 0) {
        fprintf(f, "\n%sPaired against %s (row - reference over the seeds both share): mean difference, bootstrap "
                   "95%% percentile interval (%d resamples), two-sided p-values of the paired t-test and the exact "
                   "Wilcoxon signed-rank test.\n\n",
                md ? "" : "", r->rows[r->ref].label, r->nboot);
        const char *hdr[] = {title, "pairs", "metric", "diff", "95% CI", "p (t-test)", "p (Wilcoxon)"};
        int w[7] = {0};
        for (int j = 0; j < 7; j++)
            w[j] = text_width(hdr[j]);
        for (int g = 0; g < r->nrows; g++)
            if (text_width(r->rows[g].label) > w[0])
                w[0] = text_width(r->rows[g].label);
        w[2] = 10;
        w[3] = 8;
        w[4] = 20;
        if (md) {
            fputs("| ", f);
            for (int j = 0; j < 7; j++)
                fprintf(f, "%s%s", hdr[j], j < 6 ? " | " : " |\n");
            fputs("|:--|--:|:--|--:|:--|--:|--:|\n", f);
        } else {
            for (int j = 0; j < 7; j++) {
                pad(f, hdr[j], w[j], j == 0 || j == 2 || j == 4);
                fputs(j < 6 ? "  " : "\n", f);
            }
        }
        for (int g = 0; g < r->nrows; g++) {
            const report_row *row = &r->rows[g];
            if (!row->has_cmp)
                continue;
            bool first = true;
            for (int m = 0; m < r->nmetrics; m++) {
                if (!shown(r, m, fmt))
                    continue;
                char pairs[16], diff[32], lo[32], hi[32], ci[80], pt[16], pw[16];
                int dec = r->metrics[m].decimals + 1;
                snprintf(pairs, sizeof pairs, "%d", row->cmp.npairs);
                fmt_num(diff, sizeof diff, row->cmp.diff[m], dec, true);
                fmt_num(lo, sizeof lo, row->cmp.lo[m], dec, true);
                fmt_num(hi, sizeof hi, row->cmp.hi[m], dec, true);
                snprintf(ci, sizeof ci, "[%s, %s]", lo, hi);
                fmt_p(pt, sizeof pt, row->cmp.p_t[m]);
                fmt_p(pw, sizeof pw, row->cmp.p_w[m]);
                const char *v[7] = {first ? row->label : "", first ? pairs : "", r->metrics[m].title, diff, ci, pt,
                                    pw};
                if (md) {
                    fputs("| ", f);
                    for (int j = 0; j < 7; j++)
                        fprintf(f, "%s%s", v[j], j < 6 ? " | " : " |\n");
                } else {
                    for (int j = 0; j < 7; j++) {
                        pad(f, v[j], w[j], j == 0 || j == 2 || j == 4);
                        fputs(j < 6 ? "  " : "\n", f);
                    }
                }
                first = false;
            }
        }
    }
    fputc('\n', f);
    write_notes(r, f, md ? "" : "note: ");
}

static void write_latex(const report *r, FILE *f)
{
    char title[512], cell[256];
    group_title(r, title, sizeof title);
    fprintf(f, "%% selfmi report: mean $\\pm$ sample standard deviation (n-1) over seeds; bold = best in column.\n"
               "%% Needs \\usepackage{booktabs}.\n");
    fprintf(f, "\\begin{tabular}{lr");
    for (int m = 0; m < r->nmetrics; m++)
        if (shown(r, m, REPORT_LATEX))
            fputc('c', f);
    fprintf(f, "}\n\\toprule\n");
    latex_escape(f, title);
    fprintf(f, " & $n$");
    for (int m = 0; m < r->nmetrics; m++)
        if (shown(r, m, REPORT_LATEX)) {
            fputs(" & ", f);
            latex_escape(f, r->metrics[m].title);
        }
    fprintf(f, " \\\\\n\\midrule\n");
    for (int g = 0; g < r->nrows; g++) {
        const report_row *row = &r->rows[g];
        latex_escape(f, row->label);
        fprintf(f, " & %d", row->n);
        for (int m = 0; m < r->nmetrics; m++)
            if (shown(r, m, REPORT_LATEX)) {
                fmt_cell(r, row, m, REPORT_LATEX, cell, sizeof cell);
                fprintf(f, " & %s", cell);
            }
        fprintf(f, " \\\\\n");
    }
    fprintf(f, "\\bottomrule\n\\end{tabular}\n");
    if (r->ref < 0)
        return;
    fprintf(f, "\n%% Paired against ");
    latex_escape(f, r->rows[r->ref].label);
    fprintf(f, ": mean difference [bootstrap 95%% CI], p (t-test) / p (Wilcoxon, exact).\n");
    fprintf(f, "\\begin{tabular}{lrlrlrr}\n\\toprule\n");
    latex_escape(f, title);
    fprintf(f, " & pairs & metric & diff & 95\\%% CI & $p_t$ & $p_W$ \\\\\n\\midrule\n");
    for (int g = 0; g < r->nrows; g++) {
        const report_row *row = &r->rows[g];
        if (!row->has_cmp)
            continue;
        bool first = true;
        for (int m = 0; m < r->nmetrics; m++) {
            if (!shown(r, m, REPORT_LATEX))
                continue;
            char diff[32], lo[32], hi[32], pt[16], pw[16];
            int dec = r->metrics[m].decimals + 1;
            fmt_num(diff, sizeof diff, row->cmp.diff[m], dec, true);
            fmt_num(lo, sizeof lo, row->cmp.lo[m], dec, true);
            fmt_num(hi, sizeof hi, row->cmp.hi[m], dec, true);
            fmt_p(pt, sizeof pt, row->cmp.p_t[m]);
            fmt_p(pw, sizeof pw, row->cmp.p_w[m]);
            if (first) {
                latex_escape(f, row->label);
                fprintf(f, " & %d", row->cmp.npairs);
            } else {
                fprintf(f, " & ");
            }
            fprintf(f, " & ");
            latex_escape(f, r->metrics[m].title);
            fprintf(f, " & %s & [%s, %s] & %s & %s \\\\\n", diff, lo, hi, pt[0] == '<' ? "$<$0.0001" : pt,
                    pw[0] == '<' ? "$<$0.0001" : pw);
            first = false;
        }
    }
    fprintf(f, "\\bottomrule\n\\end{tabular}\n");
    write_notes(r, f, "% ");
}

static void write_csv(const report *r, FILE *f)
{
    csv_writer w;
    csvw_init(&w, f);
    for (int k = 0; k < r->nkeys; k++)
        csvw_str(&w, r->keys[k]);
    csvw_str(&w, "n");
    csvw_str(&w, "unfinished");
    char name[64];
    for (int m = 0; m < r->nmetrics; m++) {
        snprintf(name, sizeof name, "%s_mean", r->metrics[m].name);
        csvw_str(&w, name);
        snprintf(name, sizeof name, "%s_sd", r->metrics[m].name);
        csvw_str(&w, name);
    }
    if (r->ref >= 0) {
        csvw_str(&w, "pairs");
        static const char *const parts[] = {"diff", "ci_lo", "ci_hi", "p_ttest", "p_wilcoxon"};
        for (int m = 0; m < r->nmetrics; m++)
            for (int p = 0; p < 5; p++) {
                snprintf(name, sizeof name, "%s_%s", r->metrics[m].name, parts[p]);
                csvw_str(&w, name);
            }
    }
    csvw_end(&w);
    for (int g = 0; g < r->nrows; g++) {
        const report_row *row = &r->rows[g];
        for (int k = 0; k < r->nkeys; k++)
            csvw_str(&w, row->values[k]);
        csvw_int(&w, row->n);
        csvw_int(&w, row->nother);
        for (int m = 0; m < r->nmetrics; m++) {
            csvw_num17(&w, row->mean[m]);
            csvw_num17(&w, row->sd[m]);
        }
        if (r->ref >= 0) {
            if (row->has_cmp) {
                csvw_int(&w, row->cmp.npairs);
                for (int m = 0; m < r->nmetrics; m++) {
                    csvw_num17(&w, row->cmp.diff[m]);
                    csvw_num17(&w, row->cmp.lo[m]);
                    csvw_num17(&w, row->cmp.hi[m]);
                    csvw_num17(&w, row->cmp.p_t[m]);
                    csvw_num17(&w, row->cmp.p_w[m]);
                }
            } else {
                for (int k = 0; k < 1 + 5 * r->nmetrics; k++)
                    csvw_empty(&w);
            }
        }
        csvw_end(&w);
    }
}

static void write_json(const report *r, FILE *f)
{
    fprintf(f, "{\n  \"group_by\": [");
    for (int k = 0; k < r->nkeys; k++) {
        fputs(k ? ", " : "", f);
        json_string(f, r->keys[k]);
    }
    fprintf(f, "],\n  \"runs\": %d,\n  \"finished\": %d,\n  \"sd\": \"sample (n-1)\",\n  \"metric_set\": \"%s\",\n",
            r->nruns, r->ndone, r->sims ? "sims" : "mosi");
    fprintf(f, "  \"units\": {");
    for (int m = 0; m < r->nmetrics; m++)
        fprintf(f, "%s\"%s\": \"%s\"", m ? ", " : "", r->metrics[m].name, r->metrics[m].scale == 100 ? "percent" : "value");
    fprintf(f, "},\n  \"reference\": ");
    if (r->ref >= 0)
        json_string(f, r->rows[r->ref].label);
    else
        fputs("null", f);
    fprintf(f, ",\n  \"bootstrap_resamples\": %d,\n  \"rows\": [\n", r->nboot);
    for (int g = 0; g < r->nrows; g++) {
        const report_row *row = &r->rows[g];
        fprintf(f, "    {\"label\": ");
        json_string(f, row->label);
        fprintf(f, ", \"values\": {");
        for (int k = 0; k < r->nkeys; k++) {
            fputs(k ? ", " : "", f);
            json_string(f, r->keys[k]);
            fputs(": ", f);
            json_string(f, row->values[k]);
        }
        fprintf(f, "}, \"n\": %d, \"unfinished\": %d, \"metrics\": {", row->n, row->nother);
        for (int m = 0; m < r->nmetrics; m++) {
            fprintf(f, "%s\"%s\": {\"mean\": ", m ? ", " : "", r->metrics[m].name);
            json_num(f, row->mean[m]);
            fputs(", \"sd\": ", f);
            json_num(f, row->sd[m]);
            fprintf(f, ", \"best\": %s}", row->best[m] ? "true" : "false");
        }
        fputs("}", f);
        if (row->has_cmp) {
            fprintf(f, ", \"vs_reference\": {\"pairs\": %d, \"wilcoxon_p_min\": ", row->cmp.npairs);
            json_num(f, row->cmp.p_w_min);
            for (int m = 0; m < r->nmetrics; m++) {
                fprintf(f, ", \"%s\": {\"diff\": ", r->metrics[m].name);
                json_num(f, row->cmp.diff[m]);
                fputs(", \"ci95\": [", f);
                json_num(f, row->cmp.lo[m]);
                fputs(", ", f);
                json_num(f, row->cmp.hi[m]);
                fputs("], \"p_ttest\": ", f);
                json_num(f, row->cmp.p_t[m]);
                fputs(", \"p_wilcoxon\": ", f);
                json_num(f, row->cmp.p_w[m]);
                fputs("}", f);
            }
            fputs("}", f);
        }
        fprintf(f, "}%s\n", g + 1 < r->nrows ? "," : "");
    }
    fprintf(f, "  ]\n}\n");
}

sm_status report_write(const report *r, FILE *f, report_format fmt, sm_err *err)
{
    switch (fmt) {
    case REPORT_TABLE:
    case REPORT_MD:
        write_text(r, f, fmt);
        break;
    case REPORT_LATEX:
        write_latex(r, f);
        break;
    case REPORT_CSV:
        write_csv(r, f);
        break;
    case REPORT_JSON:
        write_json(r, f);
        break;
    }
    if (ferror(f))
        return sm_err_set(err, SM_EIO, "writing the report failed");
    return SM_OK;
}
