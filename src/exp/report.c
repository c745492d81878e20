/* report.c: grouping runs, statistics per group and against a reference
 * row, and the table / Markdown / LaTeX / CSV / JSON writers. */
#include "config.h"
#include "exp/report.h"
#include "data/csvio.h"
#include "conf/runconf.h"
#include "rundir/columns.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* The columns of a report, per metric set, from the one metric list
 * (rundir/columns.h) in its rank order: for MOSI the paper's MAE, Corr,
 * Acc_2 and F1 as Has0/Non0 (Tables 3, 5, 6), then Acc5 and Acc7. */
static report_metric metrics_mosi[RD_NMETRICS], metrics_sims[RD_NMETRICS];
static int nmetrics_mosi, nmetrics_sims;
static pthread_once_t metrics_once = PTHREAD_ONCE_INIT;

static int metric_table(int set, report_metric *out)
{
    rd_metric_id ids[RD_NMETRICS];
    int n = rd_metric_set(set, false, ids);
    for (int i = 1; i < n; i++)   /* insertion sort by rank */
        for (int j = i; j > 0 && rd_metrics[ids[j]].rank < rd_metrics[ids[j - 1]].rank; j--) {
            rd_metric_id t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    for (int i = 0; i < n; i++) {
        const rd_metric *m = &rd_metrics[ids[i]];
        out[i] = (report_metric){m->name, m->title, m->scale, m->decimals, m->lower_better, (m->paper_sets & set) != 0};
    }
    return n;
}

static void metrics_init(void)
{
    nmetrics_mosi = metric_table(RD_MOSI, metrics_mosi);
    nmetrics_sims = metric_table(RD_SIMS, metrics_sims);
    SM_ASSERT(nmetrics_mosi <= REPORT_MAX_METRICS && nmetrics_sims <= REPORT_MAX_METRICS);
}

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

/* bits of a CPC set in any spelling config_set takes ("mt,ma", "w/o mt",
 * "w/o L_N^mt", "all"): mt 4, ma 2, mv 1 */
static int cpc_bits(const char *v)
{
    bool t[3];
    if (!config_cpc_parse(v, t))
        return 0;
    return t[0] * 4 + t[1] * 2 + t[2];
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
        config_cpc_label(value, buf, n);
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

/* the row holding values, or -1 */
static int find_row(const report *r, char values[][128])
{
    for (int g = 0; g < r->nrows; g++) {
        bool same = true;
        for (int k = 0; k < r->nkeys && same; k++)
            same = strcmp(r->rows[g].values[k], values[k]) == 0;
        if (same)
            return g;
    }
    return -1;
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

/* ---- identities: a configuration and seed, and a pairing key ------------- */

/* the run.conf keys of a run, each once (its last value, as results_conf
 * reads it), sorted */
static int conf_key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool in_keys(const char *k, const char (*keys)[64], int nkeys)
{
    for (int i = 0; i < nkeys; i++)
        if (strcmp(keys[i], k) == 0)
            return true;
    return false;
}

/* "key=value\n" for every run.conf key of run except name and the nskip keys
 * of skip, sorted by key: equal strings, equal configurations */
static char *conf_string(const result_run *run, const char (*skip)[64], int nskip, sm_err *err)
{
    const char **ks = sm_alloc((size_t)run->nkv + 1, sizeof *ks, err);
    if (!ks)
        return NULL;
    int nk = 0;
    size_t len = 1;
    for (int i = 0; i < run->nkv; i++) {
        const char *k = run->keys[i];
        if (strcmp(k, "name") == 0 || in_keys(k, skip, nskip) || results_conf(run, k) != run->vals[i])
            continue;
        ks[nk++] = k;
        len += strlen(k) + strlen(run->vals[i]) + 2;
    }
    qsort(ks, (size_t)nk, sizeof *ks, conf_key_cmp);
    char *out = sm_alloc(len, 1, err);
    if (out) {
        size_t w = 0;
        out[0] = '\0';
        for (int i = 0; i < nk; i++)
            w += (size_t)snprintf(out + w, len - w, "%s=%s\n", ks[i], results_conf(run, ks[i]));
    }
    free(ks);
    return out;
}

/* when test.csv was written (ns since the epoch; 0 when unknown), not
 * following a symlink */
static int64_t finish_time(const result_run *run)
{
    char p[RUNSTORE_PATH_MAX + 32];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", run->dir, RUNSTORE_TEST);
    if (lstat(p, &sb) != 0)
        return 0;
    return (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
}

/* is run a better keeper than the current one: finished over unfinished,
 * then the later test.csv, then the later directory name */
static bool keeper_better(const result_run *run, int64_t t, const result_run *cur, int64_t tcur)
{
    if (run->has_test != cur->has_test)
        return run->has_test;
    if (t != tcur)
        return t > tcur;
    return strcmp(run->id, cur->id) > 0;
}

/* keep[i]: false for the runs whose configuration and seed another run
 * repeats and that lose to it (keeper_better) */
static sm_status mark_repeats(const result_set *s, bool *keep, sm_err *err)
{
    char **ident = sm_alloc((size_t)s->n + 1, sizeof *ident, err);
    int64_t *t = sm_alloc((size_t)s->n + 1, sizeof *t, err);
    uint64_t *h = sm_alloc((size_t)s->n + 1, sizeof *h, err);
    sm_status st = ident && t && h ? SM_OK : SM_ENOMEM;
    for (int i = 0; i < s->n && st == SM_OK; i++) {
        keep[i] = true;
        if (!(ident[i] = conf_string(&s->runs[i], NULL, 0, err))) {
            st = SM_ENOMEM;
            break;
        }
        t[i] = s->runs[i].has_test ? finish_time(&s->runs[i]) : 0;
        h[i] = 1469598103934665603ull;
        for (const char *c = ident[i]; *c; c++)
            h[i] = (h[i] ^ (uint8_t)*c) * 1099511628211ull;
    }
    for (int i = 0; i < s->n && st == SM_OK; i++)
        for (int j = 0; j < i; j++) {
            if (!keep[j] || h[i] != h[j] || strcmp(ident[i], ident[j]) != 0)
                continue;
            if (keeper_better(&s->runs[i], t[i], &s->runs[j], t[j]))
                keep[j] = false;
            else
                keep[i] = false;
            break;
        }
    if (ident)
        for (int i = 0; i < s->n; i++)
            free(ident[i]);
    free(ident);
    free(t);
    free(h);
    return st;
}

/* adds to list (n bytes, comma-separated) the keys besides seed, name and
 * the grouping in which runs a and b differ, each once */
static void add_differing_keys(const report *r, const result_run *a, const result_run *b, char *list, size_t n)
{
    size_t w = strlen(list);
    for (int pass = 0; pass < 2; pass++) {
        const result_run *x = pass ? b : a;
        for (int k = 0; k < x->nkv; k++) {
            const char *key = x->keys[k];
            if (strcmp(key, "seed") == 0 || strcmp(key, "name") == 0 || in_keys(key, r->keys, r->nkeys))
                continue;
            const char *va = results_conf(a, key), *vb = results_conf(b, key);
            if (va && vb && strcmp(va, vb) == 0)
                continue;
            bool named = false;
            for (const char *p = list; *p && !named;) {
                size_t l = strcspn(p, ",");
                named = l == strlen(key) && strncmp(p, key, l) == 0;
                p += l + (p[l] == ',');
            }
            if (!named && w + strlen(key) + 2 < n)
                w += (size_t)snprintf(list + w, n - w, "%s%s", w ? "," : "", key);
        }
    }
}

/* the keys besides seed, name and the grouping in which the used runs of
 * row differ, into row->pooled */
static void find_pooled(const report *r, const result_set *s, report_row *row)
{
    row->pooled[0] = '\0';
    for (int i = 1; i < row->n; i++)
        add_differing_keys(r, &s->runs[row->runs[0]], &s->runs[row->runs[i]], row->pooled, sizeof row->pooled);
}

/* ---- the comparison against the reference --------------------------------- */

static sm_status compare(report *r, const result_set *s, char *const *pairkey, report_row *row, sm_err *err)
{
    const report_row *ref = &r->rows[r->ref];
    int na = row->n + 1, nm = r->nmetrics;
    int *pa = sm_alloc((size_t)na, sizeof *pa, err), *pb = sm_alloc((size_t)na, sizeof *pb, err);
    double *d = sm_alloc((size_t)na * (size_t)nm, sizeof *d, err); /* (nmetrics, pairs) differences */
    if (!pa || !pb || !d) {
        free(pa);
        free(pb);
        free(d);
        return SM_ENOMEM;
    }
    /* repeats are gone, so a pairing key occurs at most once per row */
    int np = 0;
    for (int i = 0; i < row->n; i++)
        for (int j = 0; j < ref->n; j++)
            if (strcmp(pairkey[row->runs[i]], pairkey[ref->runs[j]]) == 0) {
                pa[np] = row->runs[i];
                pb[np] = ref->runs[j];
                np++;
                break;
            }
    row->has_cmp = true;
    row->cmp.npairs = np;
    row->unpaired[0] = '\0';
    if (np == 0 && row->n > 0 && ref->n > 0)
        add_differing_keys(r, &s->runs[row->runs[0]], &s->runs[ref->runs[0]], row->unpaired, sizeof row->unpaired);
    row->cmp.p_w_min = np > 0 ? fmin(1, ldexp(1.0, 1 - np)) : NAN;
    sm_status st = SM_OK;
    bool whole = true; /* every metric has every pair: one bootstrap for all */
    int nd[REPORT_MAX_METRICS];
    for (int m = 0; m < nm && st == SM_OK; m++) {
        const report_metric *me = &r->metrics[m];
        double *dm = d + (size_t)m * (size_t)na;
        nd[m] = 0;
        for (int q = 0; q < np; q++) {
            double a, b;
            if (results_metric(&s->runs[pa[q]], me->name, &a) && results_metric(&s->runs[pb[q]], me->name, &b) &&
                !isnan(a) && !isnan(b))
                dm[nd[m]++] = me->scale * a - me->scale * b;
        }
        whole &= nd[m] == np;
        stats_ttest tt;
        stats_wilcoxon w;
        stats_ttest_paired(dm, nd[m], &tt);
        row->cmp.diff[m] = tt.mean;
        row->cmp.p_t[m] = tt.p;
        row->sig[m] = !isnan(tt.p) && tt.p < REPORT_SIG_LEVEL;
        st = stats_wilcoxon_exact(dm, nd[m], &w, err);
        row->cmp.p_w[m] = w.p;
    }
    if (st == SM_OK && whole && np > 0) {
        /* columns of na values: pack them to np */
        for (int m = 1; m < nm; m++)
            memmove(d + (size_t)m * (size_t)np, d + (size_t)m * (size_t)na, (size_t)np * sizeof *d);
        st = stats_bootstrap_ci_cols(d, nm, np, r->nboot, 0.95, r->boot_seed, row->cmp.lo, row->cmp.hi, err);
    } else {
        for (int m = 0; m < nm && st == SM_OK; m++)
            st = stats_bootstrap_ci(d + (size_t)m * (size_t)na, nd[m], r->nboot, 0.95, r->boot_seed, &row->cmp.lo[m],
                                    &row->cmp.hi[m], err);
    }
    free(pa);
    free(pb);
    free(d);
    return st;
}

/* ---- notes under the table --------------------------------------------------- */

static report_note *add_note(report *r, bool warning)
{
    if (r->nnotes == REPORT_MAX_NOTES)
        return NULL;
    report_note *n = &r->notes[r->nnotes++];
    n->warning = warning;
    n->text[0] = '\0';
    return n;
}

/* appends to buf (n bytes, w used) "'row' VERB keys" for the rows with
 * pooled (or, with unpaired, unpaired) keys, three at most; returns w */
static size_t list_rows(const report *r, bool unpaired, const char *verb, char *buf, size_t n, size_t w)
{
    int shown = 0, total = 0;
    for (int g = 0; g < r->nrows; g++)
        total += (unpaired ? r->rows[g].unpaired : r->rows[g].pooled)[0] != '\0';
    for (int g = 0; g < r->nrows && w < n; g++) {
        const char *keys = unpaired ? r->rows[g].unpaired : r->rows[g].pooled;
        if (!keys[0])
            continue;
        if (shown == 3)
            return w + (size_t)snprintf(buf + w, n - w, " and %d more", total - shown);
        w += (size_t)snprintf(buf + w, n - w, "%s '%s' %s %s", shown ? ";" : "", r->rows[g].label, verb, keys);
        shown++;
    }
    return w;
}

static void make_notes(report *r, const result_set *s, const bool *keep)
{
    int others = 0;
    for (int g = 0; g < r->nrows; g++)
        others += r->rows[g].nother;
    report_note *n;
    if (others > 0 && (n = add_note(r, false)))
        snprintf(n->text, sizeof n->text,
                 "%d of %d runs are not finished (queued, running, failed or cancelled) and are left out.", others,
                 r->nruns);
    if (r->ndup > 0 && (n = add_note(r, true))) {
        size_t w = (size_t)snprintf(n->text, sizeof n->text,
                                    "%d run%s repeat%s the configuration and seed of another run and %s left out "
                                    "(a configuration and seed counts once: the newest finished run):",
                                    r->ndup, r->ndup == 1 ? "" : "s", r->ndup == 1 ? "s" : "",
                                    r->ndup == 1 ? "is" : "are");
        int named = 0;
        for (int i = 0; i < s->n && w < sizeof n->text; i++)
            if (!keep[i]) {
                if (named == 3) {
                    w += (size_t)snprintf(n->text + w, sizeof n->text - w, " and %d more", r->ndup - named);
                    break;
                }
                w += (size_t)snprintf(n->text + w, sizeof n->text - w, "%s %s", named ? "," : "", s->runs[i].id);
                named++;
            }
        if (w < sizeof n->text)
            snprintf(n->text + w, sizeof n->text - w, ".");
    }
    int npooled = 0;
    for (int g = 0; g < r->nrows; g++)
        npooled += r->rows[g].pooled[0] != '\0';
    if (npooled && (n = add_note(r, true))) {
        char by[512];
        size_t w = 0;
        by[0] = '\0';
        for (int k = 0; k < r->nkeys && w < sizeof by; k++)
            w += (size_t)snprintf(by + w, sizeof by - w, "%s%s", k ? ", " : "", r->keys[k]);
        w = (size_t)snprintf(n->text, sizeof n->text, "%d group%s pool%s runs that differ in keys besides seed and "
                             "the grouping (%s):", npooled, npooled == 1 ? "" : "s", npooled == 1 ? "s" : "",
                             r->nkeys ? by : "none");
        w = list_rows(r, false, "in", n->text, sizeof n->text, w);
        if (w < sizeof n->text)
            snprintf(n->text + w, sizeof n->text - w, ". Their means and SDs mix those configurations%s.",
                     r->ref >= 0 ? "; pairs with the reference match every key but the grouping's" : "");
    }
    if (r->ref < 0)
        return;
    int nunpaired = 0;
    for (int g = 0; g < r->nrows; g++)
        nunpaired += r->rows[g].unpaired[0] != '\0';
    if (nunpaired && (n = add_note(r, true))) {
        size_t w = (size_t)snprintf(n->text, sizeof n->text, "No pairs with the reference (a pair agrees on the "
                                    "seed and every key outside the grouping):");
        w = list_rows(r, true, "differs in", n->text, sizeof n->text, w);
        if (w < sizeof n->text)
            snprintf(n->text + w, sizeof n->text - w, ".");
    }
    int minpairs = -1;
    for (int g = 0; g < r->nrows; g++)
        if (r->rows[g].has_cmp && (minpairs < 0 || r->rows[g].cmp.npairs < minpairs))
            minpairs = r->rows[g].cmp.npairs;
    if (minpairs >= 0 && minpairs <= 5 && (n = add_note(r, false)))
        snprintf(n->text, sizeof n->text,
                 "With %d pairs the exact two-sided Wilcoxon p-value cannot go below %.4g (2/2^n), so it cannot "
                 "reach 0.05%s; the t-test assumes normal differences.",
                 minpairs, minpairs > 0 ? fmin(1, ldexp(1.0, 1 - minpairs)) : 1.0,
                 minpairs < 2 ? ", and fewer than 2 pairs give no t-test p-value" : "");
}

/* ---- building ------------------------------------------------------------------- */

static bool run_full(const result_run *run)
{
    const char *t = results_conf(run, "tasks"), *c = results_conf(run, "cpc_terms");
    return t && c && task_bits(t) == 7 && cpc_bits(c) == 7;
}

/* the best mark: on means rounded to the column's decimals, ties all marked */
static void mark_best(report *r)
{
    for (int m = 0; m < r->nmetrics; m++) {
        double p10 = pow(10, r->metrics[m].decimals);
        bool have = false;
        long long best = 0;
        long long key[r->nrows > 0 ? r->nrows : 1];
        for (int g = 0; g < r->nrows; g++) {
            double v = r->rows[g].mean[m];
            if (isnan(v))
                continue;
            key[g] = llround(v * p10);
            if (!have || (r->metrics[m].lower_better ? key[g] < best : key[g] > best))
                best = key[g];
            have = true;
        }
        for (int g = 0; g < r->nrows; g++)
            r->rows[g].best[m] = have && r->nrows > 1 && !isnan(r->rows[g].mean[m]) && key[g] == best;
    }
}

static sm_status build(report *r, const result_set *s, const report_opts *o, bool *keep, char **pairkey,
                       sm_err *err)
{
    sm_status st = SM_OK;
    if (o->group_by && *o->group_by)
        st = parse_keys(r, o->group_by, err);
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
    pthread_once(&metrics_once, metrics_init);
    r->metrics = r->sims ? metrics_sims : metrics_mosi;
    r->nmetrics = r->sims ? nmetrics_sims : nmetrics_mosi;
    if ((st = mark_repeats(s, keep, err)))
        return st;
    for (int i = 0; i < s->n; i++)
        if (!(pairkey[i] = conf_string(&s->runs[i], r->keys, r->nkeys, err)))
            return SM_ENOMEM;
    r->rows = sm_alloc((size_t)(s->n > 0 ? s->n : 1), sizeof *r->rows, err);
    if (!r->rows)
        return SM_ENOMEM;
    for (int i = 0; i < s->n; i++) {
        char values[REPORT_MAX_KEYS][128];
        row_values(r, &s->runs[i], values);
        int g = find_row(r, values);
        if (g < 0) {
            g = r->nrows++;
            memcpy(r->rows[g].values, values, sizeof values);
            make_label(r, &r->rows[g]);
            r->rows[g].full = true;
            if (!(r->rows[g].runs = sm_alloc((size_t)s->n, sizeof(int), err)))
                return SM_ENOMEM;
        }
        report_row *row = &r->rows[g];
        if (!keep[i]) {
            row->ndup++;
            r->ndup++;
            continue;
        }
        row->full &= run_full(&s->runs[i]);
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
        find_pooled(r, s, row);
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
    mark_best(r);
    if (o->no_reference) {
        /* no reference row */
    } else if (o->reference && *o->reference) {
        for (int g = 0; g < r->nrows && r->ref < 0; g++)
            if (match_reference(r, &r->rows[g], o->reference))
                r->ref = g;
        if (r->ref < 0) {
            char rows[512];
            size_t w = 0;
            rows[0] = '\0';
            for (int g = 0; g < r->nrows && w < sizeof rows; g++)
                w += (size_t)snprintf(rows + w, sizeof rows - w, "%s'%s'", g ? ", " : "", r->rows[g].label);
            return sm_err_set(err, SM_EINVAL, "--reference '%s': no such row; the rows are %s", o->reference,
                              r->nrows ? rows : "(none)");
        }
    } else if (r->nrows > 1) {
        for (int g = 0; g < r->nrows && r->ref < 0; g++)
            if (r->rows[g].full)
                r->ref = g;
    }
    if (r->ref >= 0)
        for (int g = 0; g < r->nrows && st == SM_OK; g++)
            if (g != r->ref)
                st = compare(r, s, pairkey, &r->rows[g], err);
    if (st == SM_OK)
        make_notes(r, s, keep);
    return st;
}

sm_status report_build(report *r, const result_set *s, const report_opts *o, sm_err *err)
{
    static const report_opts defaults = {NULL, NULL, false};
    memset(r, 0, sizeof *r);
    r->ref = -1;
    r->nboot = 10000;
    r->boot_seed = 20240601;
    r->nruns = s->n;
    bool *keep = sm_alloc((size_t)s->n + 1, sizeof *keep, err);
    char **pairkey = sm_alloc((size_t)s->n + 1, sizeof *pairkey, err);
    sm_status st = keep && pairkey ? build(r, s, o ? o : &defaults, keep, pairkey, err) : SM_ENOMEM;
    if (pairkey)
        for (int i = 0; i < s->n; i++)
            free(pairkey[i]);
    free(pairkey);
    free(keep);
    return st;
}

int report_row_of(const report *r, const result_run *run)
{
    char values[REPORT_MAX_KEYS][128];
    row_values(r, run, values);
    return find_row(r, values);
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

int report_text_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

#define text_width report_text_width

/* v with dec decimals; "-0.00" reads as "0.00" */
static void fixed(char *buf, size_t n, double v, int dec)
{
    snprintf(buf, n, "%.*f", dec, v);
    if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
        memmove(buf, buf + 1, strlen(buf));
}

int report_fmt_pm(char *buf, size_t n, double mean, double sd, int dec, const char *marks, int width, bool ascii)
{
    const char *pm = ascii ? "+-" : "\xc2\xb1";
    char a[48], b[48], t[128];
    if (!marks)
        marks = "";
    if (isnan(mean)) {
        snprintf(buf, n, "-");
        return 1;
    }
    if (!isfinite(mean) || !isfinite(sd))
        sd = NAN;
    dec = dec < 0 ? 0 : dec > 12 ? 12 : dec;
    /* mean and sd, with fewer decimals until it fits */
    for (int d = dec; d >= 0; d--) {
        fixed(a, sizeof a, mean, d);
        if (isnan(sd))
            snprintf(t, sizeof t, "%s%s", a, marks);
        else {
            fixed(b, sizeof b, sd, d);
            snprintf(t, sizeof t, "%s%s%s%s", a, pm, b, marks);
        }
        if (width <= 0 || text_width(t) <= width) {
            snprintf(buf, n, "%s", t);
            return text_width(buf);
        }
    }
    /* the mean alone, rounded to fit */
    for (int d = dec; d >= 0 && !isnan(sd); d--) {
        fixed(a, sizeof a, mean, d);
        snprintf(t, sizeof t, "%s%s", a, marks);
        if (text_width(t) <= width) {
            snprintf(buf, n, "%s", t);
            return text_width(buf);
        }
    }
    snprintf(buf, n, "#");
    return 1;
}

void report_cell_marks(const report_row *row, int m, bool ascii, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", row->best[m] ? "*" : "", row->sig[m] ? (ascii ? "!" : "\xe2\x80\xa0") : "");
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

/* "mean±sd" with the marks of the best and of a significant difference */
static void fmt_cell(const report *r, const report_row *row, int m, report_format fmt, char *buf, size_t n)
{
    const report_metric *me = &r->metrics[m];
    char mean[32], sd[32];
    if (row->n == 0 || isnan(row->mean[m])) {
        snprintf(buf, n, "-");
        return;
    }
    fixed(mean, sizeof mean, row->mean[m], me->decimals);
    fixed(sd, sizeof sd, row->sd[m], me->decimals);
    bool has_sd = !isnan(row->sd[m]);
    switch (fmt) {
    case REPORT_MD:
        snprintf(buf, n, "%s%s%s%s%s%s", row->best[m] ? "**" : "", mean, has_sd ? " ± " : "", has_sd ? sd : "",
                 row->best[m] ? "**" : "", row->sig[m] ? "†" : "");
        break;
    case REPORT_LATEX:
        snprintf(buf, n, "%s%s%s%s%s%s", row->best[m] ? "\\textbf{" : "", mean, row->best[m] ? "}" : "",
                 has_sd ? "$\\pm$" : "", has_sd ? sd : "", row->sig[m] ? "$^\\dagger$" : "");
        break;
    default: {
        char marks[16];
        report_cell_marks(row, m, false, marks, sizeof marks);
        report_fmt_pm(buf, n, row->mean[m], row->sd[m], me->decimals, marks, 0, false);
        break;
    }
    }
}

/* s in LaTeX; a CPC term's name L_N^mt as the paper sets it,
 * $\mathcal{L}_N^{mt}$ */
static void latex_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strncmp(s, "L_N^", 4) == 0 && s[4] == 'm' && s[5] && strchr("tav", s[5])) {
            fprintf(f, "$\\mathcal{L}_N^{m%c}$", s[5]);
            s += 5;
        } else if (strchr("&%$#_{}", *s))
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
    for (int i = 0; i < r->nnotes; i++)
        fprintf(f, "%s%s\n", prefix, r->notes[i].text);
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
                   "(lowest MAE, highest others)%s; accuracies and F1 in %%.\n\n", "±",
                r->ref >= 0 ? "; † = paired t-test p < 0.05 against the reference" : "");
    else {
        char dup[64] = "";
        if (r->ndup)
            snprintf(dup, sizeof dup, ", %d repeat%s left out", r->ndup, r->ndup == 1 ? "" : "s");
        fprintf(f, "%d runs (%d finished%s) in %d groups by %s: mean±sample standard deviation (n-1) over seeds; "
                   "* = best in column%s; accuracies and F1 in %%\n", r->nruns, r->ndone, dup, r->nrows, title,
                r->ref >= 0 ? ", † = paired t-test p < 0.05 against the reference" : "");
    }
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
        fprintf(f, "\n%sPaired against %s (row - reference over the runs both share: the same seed and the same "
                   "value of every key outside the grouping): mean difference, bootstrap 95%% percentile interval (%d resamples), two-sided p-values of the paired t-test and the exact "
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
    fprintf(f, "%% selfmi report: mean $\\pm$ sample standard deviation (n-1) over seeds; bold = best in column%s.\n"
               "%% Needs \\usepackage{booktabs}.\n",
            r->ref >= 0 ? "; $^\\dagger$ = paired t-test p < 0.05 against the reference" : "");
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
    fprintf(f, " over the runs both share (same seed, same value of every key outside the grouping): mean "
               "difference [bootstrap 95%% CI], p (t-test) / p (Wilcoxon, exact).\n");
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
            fprintf(f, ", \"best\": %s, \"significant\": %s}", row->best[m] ? "true" : "false",
                    row->sig[m] ? "true" : "false");
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
