/* search.c: the [search] section, its seeded sampler and successive
 * halving's decisions (search.h). */
#include "config.h"
#include "exp/search.h"
#include "base/fsutil.h"
#include "data/csvio.h"

#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void search_spec_init(search_spec *s)
{
    memset(s, 0, sizeof *s);
    s->method = SEARCH_RANDOM;
    s->trials = 20;
    s->seeds = 1;
    snprintf(s->metric, sizeof s->metric, "val_mae");
    s->maximise = false;
    s->min_epochs = 3;
    s->eta = 3;
    s->sample_seed = 1;
}

void search_spec_free(search_spec *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->ndists; i++) {
        for (int j = 0; j < s->dists[i].n; j++)
            free(s->dists[i].choices[j]);
        free(s->dists[i].choices);
    }
    free(s->dists);
    s->dists = NULL;
    s->ndists = 0;
}

/* validation columns of epochs.csv search can rank by (MOSI and SIMS) */
static const struct {
    const char *name;
    bool maximise;
} metric_table[] = {
    {"val_mae", false},       {"val_corr", true},      {"val_acc2_has0", true}, {"val_f1_has0", true},
    {"val_acc2_non0", true},  {"val_f1_non0", true},   {"val_acc5", true},      {"val_acc7", true},
    {"val_acc2", true},       {"val_f1", true},        {"val_acc3", true},
};

bool search_metric_known(const char *metric, bool *maximise)
{
    for (size_t i = 0; i < sizeof metric_table / sizeof metric_table[0]; i++)
        if (strcmp(metric_table[i].name, metric) == 0) {
            if (maximise)
                *maximise = metric_table[i].maximise;
            return true;
        }
    return false;
}

static bool parse_double(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    return end != s && *end == '\0' && errno == 0 && isfinite(*v);
}

static bool parse_long(const char *s, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (end == s || *end || errno || x < lo || x > hi)
        return false;
    *v = x;
    return true;
}

/* "12", "90s", "30m", "2h" -> seconds */
static bool parse_duration(const char *s, double *sec)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v <= 0)
        return false;
    double mul = 1;
    if (*end == 's')
        end++;
    else if (*end == 'm')
        mul = 60, end++;
    else if (*end == 'h')
        mul = 3600, end++;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return false;
    *sec = v * mul;
    return true;
}

/* "name(a, b)": the two numbers of a call of name, or false */
static bool parse_call(const char *v, const char *name, double *a, double *b, bool *is_call)
{
    size_t k = strlen(name);
    *is_call = strncmp(v, name, k) == 0 && v[k] == '(';
    if (!*is_call)
        return false;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", v + k + 1);
    char *close = strrchr(buf, ')');
    if (!close || *sm_trim(close + 1))
        return false;
    *close = '\0';
    char *comma = strchr(buf, ',');
    if (!comma)
        return false;
    *comma = '\0';
    return parse_double(sm_trim(buf), a) && parse_double(sm_trim(comma + 1), b);
}

static sm_status add_choice(search_dist *d, const char *v, sm_err *err)
{
    char **nc = sm_realloc(d->choices, (size_t)d->n + 1, sizeof *nc, err);
    if (!nc)
        return SM_ENOMEM;
    d->choices = nc;
    d->choices[d->n] = sm_strdup(v, err);
    if (!d->choices[d->n])
        return SM_ENOMEM;
    d->n++;
    return SM_OK;
}

static sm_status parse_dist(search_dist *d, const search_keys *k, const char *key, const char *value,
                            const char *where, int line, sm_err *err)
{
    bool integer = k && k->integer && k->integer(key);
    double a = 0, b = 0;
    bool is_uni = strncmp(value, "uniform(", 8) == 0, is_log = strncmp(value, "loguniform(", 11) == 0;
    if (is_uni || is_log) {
        bool dummy;
        if (!parse_call(value, is_log ? "loguniform" : "uniform", &a, &b, &dummy))
            return sm_err_set(err, SM_EINVAL, "%s:%d: key '%s': expected %s(a, b) with two numbers, got '%.60s'",
                              where, line, key, is_log ? "loguniform" : "uniform", value);
        if (integer)
            return sm_err_set(err, SM_EINVAL, "%s:%d: key '%s': an integer key: expected a range A..B or a choice "
                              "list, got '%.60s'", where, line, key, value);
        if (!(a < b))
            return sm_err_set(err, SM_EINVAL, "%s:%d: key '%s': expected a < b in '%.60s'", where, line, key, value);
        if (is_log && !(a > 0))
            return sm_err_set(err, SM_EINVAL, "%s:%d: key '%s': loguniform needs 0 < a < b, got '%.60s'", where,
                              line, key, value);
        d->kind = is_log ? SEARCH_LOGUNIFORM : SEARCH_UNIFORM;
        d->a = a;
        d->b = b;
        /* both ends must be valid values of the key */
        char buf[64];
        for (int e = 0; e < 2; e++) {
            snprintf(buf, sizeof buf, "%.6g", e ? nextafter(b, a) : a);
            if (k && k->check && k->check(key, buf, err))
                return sm_err_prefix(err, "%s:%d: key '%s': %s", where, line, key, value);
        }
        return SM_OK;
    }
    const char *dots = strstr(value, "..");
    if (integer && dots && !strchr(value, '|')) {
        char lo_s[64], hi_s[64];
        snprintf(lo_s, sizeof lo_s, "%.*s", (int)(dots - value), value);
        snprintf(hi_s, sizeof hi_s, "%s", dots + 2);
        long lo, hi;
        if (!parse_long(sm_trim(lo_s), -1000000000L, 1000000000L, &lo) ||
            !parse_long(sm_trim(hi_s), -1000000000L, 1000000000L, &hi) || lo > hi)
            return sm_err_set(err, SM_EINVAL, "%s:%d: key '%s': expected an integer range A..B with A <= B, got "
                              "'%.60s'", where, line, key, value);
        d->kind = SEARCH_INT;
        d->a = (double)lo;
        d->b = (double)hi;
        char buf[32];
        for (int e = 0; e < 2; e++) {
            snprintf(buf, sizeof buf, "%ld", e ? hi : lo);
            if (k && k->check && k->check(key, buf, err))
                return sm_err_prefix(err, "%s:%d", where, line);
        }
        return SM_OK;
    }
    /* a choice list: v1 | v2 | ... */
    d->kind = SEARCH_CHOICE;
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", value);
    char *p = copy;
    for (;;) {
        char *bar = strchr(p, '|');
        if (bar)
            *bar = '\0';
        char *v = sm_trim(p);
        if (!*v)
            return sm_err_set(err, SM_EFORMAT, "%s:%d: key '%s': empty value in the list (expected v1 | v2 | ..., "
                              "uniform(a, b), loguniform(a, b) or an integer range A..B)", where, line, key);
        if (k && k->check && k->check(key, v, err))
            return sm_err_prefix(err, "%s:%d", where, line);
        sm_status st = add_choice(d, v, err);
        if (st)
            return st;
        if (!bar)
            break;
        p = bar + 1;
    }
    return SM_OK;
}

sm_status search_spec_line(search_spec *s, const search_keys *k, const char *key, const char *value,
                           const char *where, int line, sm_err *err)
{
    s->present = true;
    long v;
    if (strcmp(key, "method") == 0) {
        if (strcmp(value, "random") == 0)
            s->method = SEARCH_RANDOM;
        else if (strcmp(value, "halving") == 0)
            s->method = SEARCH_HALVING;
        else
            return sm_err_set(err, SM_EINVAL, "%s:%d: key 'method': expected random or halving, got '%.60s'", where,
                              line, value);
        return SM_OK;
    }
    if (strcmp(key, "trials") == 0) {
        if (!parse_long(value, 1, SEARCH_TRIALS_MAX, &v))
            return sm_err_set(err, SM_EINVAL, "%s:%d: key 'trials': expected an integer from 1 to %d, got '%.60s'",
                              where, line, SEARCH_TRIALS_MAX, value);
        s->trials = (int)v;
        return SM_OK;
    }
    if (strcmp(key, "seeds") == 0) {
        if (!parse_long(value, 1, 100, &v))
            return sm_err_set(err, SM_EINVAL, "%s:%d: key 'seeds': expected an integer from 1 to 100, got '%.60s'",
                              where, line, value);
        s->seeds = (int)v;
        return SM_OK;
    }
    if (strcmp(key, "min_epochs") == 0) {
        if (!parse_long(value, 1, 100000, &v))
            return sm_err_set(err, SM_EINVAL, "%s:%d: key 'min_epochs': expected an integer >= 1, got '%.60s'",
                              where, line, value);
        s->min_epochs = (int)v;
        return SM_OK;
    }
    if (strcmp(key, "eta") == 0) {
        if (!parse_long(value, 2, 100, &v))
            return sm_err_set(err, SM_EINVAL, "%s:%d: key 'eta': expected an integer from 2 to 100, got '%.60s'",
                              where, line, value);
        s->eta = (int)v;
        return SM_OK;
    }
    if (strcmp(key, "sample_seed") == 0) {
        if (!parse_long(value, 0, 2147483647L, &v))
            return sm_err_set(err, SM_EINVAL, "%s:%d: key 'sample_seed': expected an integer >= 0, got '%.60s'",
                              where, line, value);
        s->sample_seed = (unsigned long)v;
        return SM_OK;
    }
    if (strcmp(key, "time_budget") == 0) {
        if (!parse_duration(value, &s->time_budget))
            return sm_err_set(err, SM_EINVAL, "%s:%d: key 'time_budget': expected a duration such as 90s, 30m or "
                              "2h, got '%.60s'", where, line, value);
        return SM_OK;
    }
    if (strcmp(key, "metric") == 0) {
        if (!search_metric_known(value, &s->maximise))
            return sm_err_set(err, SM_EINVAL, "%s:%d: key 'metric': expected a validation column of epochs.csv "
                              "(val_mae, val_corr, val_acc2_has0, val_f1_has0, val_acc2_non0, val_f1_non0, "
                              "val_acc5, val_acc7; SIMS: val_acc2, val_f1, val_acc3), got '%.60s'", where, line,
                              value);
        snprintf(s->metric, sizeof s->metric, "%s", value);
        return SM_OK;
    }
    if (k && k->known && !k->known(key)) {
        if (k->check) {
            k->check(key, "", err); /* its message lists the configuration keys */
            return sm_err_prefix(err, "%s:%d: in [search] (method, trials, seeds, metric, min_epochs, eta, "
                                 "time_budget, sample_seed, or a configuration key)", where, line);
        }
        return sm_err_set(err, SM_EINVAL, "%s:%d: unknown key '%s' in [search]", where, line, key);
    }
    if (strcmp(key, "seed") == 0 || strcmp(key, "dataset") == 0 || strcmp(key, "preset") == 0 ||
        strcmp(key, "max_epochs") == 0)
        return sm_err_set(err, SM_EINVAL, "%s:%d: key '%s' cannot be searched (seeds come from 'seeds', epochs from "
                          "[config]'s max_epochs)", where, line, key);
    for (int i = 0; i < s->ndists; i++)
        if (strcmp(s->dists[i].key, key) == 0)
            return sm_err_set(err, SM_EINVAL, "%s:%d: key '%s': searched twice (first on line %d)", where, line, key,
                              s->dists[i].line);
    if (strlen(key) >= sizeof s->dists[0].key)
        return sm_err_set(err, SM_EINVAL, "%s:%d: unknown key '%.40s...'", where, line, key);
    search_dist *nd = sm_realloc(s->dists, (size_t)s->ndists + 1, sizeof *nd, err);
    if (!nd)
        return SM_ENOMEM;
    s->dists = nd;
    search_dist *d = &s->dists[s->ndists++];
    memset(d, 0, sizeof *d);
    snprintf(d->key, sizeof d->key, "%s", key);
    d->line = line;
    return parse_dist(d, k, key, value, where, line, err);
}

void search_dist_draw(const search_dist *d, rng *r, char *buf, size_t n)
{
    switch (d->kind) {
    case SEARCH_CHOICE:
        snprintf(buf, n, "%s", d->choices[rng_below(r, (uint64_t)d->n)]);
        break;
    case SEARCH_UNIFORM:
        snprintf(buf, n, "%.4g", rng_range(r, d->a, d->b));
        break;
    case SEARCH_LOGUNIFORM:
        snprintf(buf, n, "%.3g", exp(rng_range(r, log(d->a), log(d->b))));
        break;
    case SEARCH_INT:
        snprintf(buf, n, "%ld", (long)d->a + (long)rng_below(r, (uint64_t)((long)d->b - (long)d->a + 1)));
        break;
    }
}

/* one generator per trial, derived from the sampler's seed and the trial's
 * number, so trial i is the same whatever trials says */
static void trial_rng(const search_spec *s, int i, rng *r)
{
    rng_seed(r, (uint64_t)s->sample_seed * 0x9E3779B97F4A7C15ull + (uint64_t)i + 1);
}

void search_dist_draw_trial(const search_spec *s, int i, int d, char *buf, size_t n)
{
    rng r;
    trial_rng(s, i, &r);
    for (int k = 0; k <= d && k < s->ndists; k++)
        search_dist_draw(&s->dists[k], &r, buf, n);
}

void search_trial_values(const search_spec *s, int i, char (*vals)[64])
{
    rng r;
    trial_rng(s, i, &r);
    for (int d = 0; d < s->ndists; d++) {
        memset(vals[d], 0, 64);
        search_dist_draw(&s->dists[d], &r, vals[d], 64);
    }
}

int search_rungs(int min_epochs, int eta, int max_epochs, int *rungs, int max)
{
    int n = 0;
    long r = min_epochs;
    while (r < max_epochs && n < max - 1) {
        rungs[n++] = (int)r;
        r *= eta;
    }
    rungs[n++] = max_epochs;
    return n;
}

double search_curve_score(const double *curve, int len, int upto, bool maximise)
{
    double best = NAN;
    for (int e = 0; e < len && e < upto; e++) {
        double v = curve[e];
        if (isnan(v))
            continue;
        if (isnan(best) || (maximise ? v > best : v < best))
            best = v;
    }
    return best;
}

/* whether a ranks before b */
static bool better(double a, double b, bool maximise)
{
    if (isnan(a))
        return false;
    if (isnan(b))
        return true;
    return maximise ? a > b : a < b;
}

int search_halving_select(const double *score, const bool *alive, int n, int eta, bool maximise, bool *keep)
{
    int nalive = 0;
    for (int i = 0; i < n; i++) {
        keep[i] = false;
        nalive += alive[i];
    }
    int want = (nalive + eta - 1) / eta;
    /* a trial advances when fewer than want alive trials rank before it
     * (ties to the lower index): O(n^2), n is a number of trials */
    int kept = 0;
    for (int i = 0; i < n; i++) {
        if (!alive[i])
            continue;
        int before = 0;
        for (int j = 0; j < n; j++)
            if (alive[j] && j != i &&
                (better(score[j], score[i], maximise) ||
                 (j < i && !better(score[i], score[j], maximise) && !better(score[j], score[i], maximise))))
                before++;
        if (before < want) {
            keep[i] = true;
            kept++;
        }
    }
    return kept;
}

void search_halving_plan(const double *const *curve, const int *len, int n, const int *rungs, int nrungs, int eta,
                         bool maximise, int *stop)
{
    bool *alive = calloc((size_t)n + 1, sizeof *alive), *keep = calloc((size_t)n + 1, sizeof *keep);
    double *score = calloc((size_t)n + 1, sizeof *score);
    if (!alive || !keep || !score) {
        free(alive), free(keep), free(score);
        for (int i = 0; i < n; i++)
            stop[i] = -1;
        return;
    }
    for (int i = 0; i < n; i++) {
        alive[i] = true;
        stop[i] = 0;
    }
    for (int k = 0; k + 1 < nrungs; k++) {
        for (int i = 0; i < n; i++)
            score[i] = alive[i] ? search_curve_score(curve[i], len[i], rungs[k], maximise) : NAN;
        search_halving_select(score, alive, n, eta, maximise, keep);
        for (int i = 0; i < n; i++) {
            alive[i] = keep[i];
            if (keep[i])
                stop[i] = k + 1;
        }
    }
    free(alive);
    free(keep);
    free(score);
}

sm_status search_curve_read(const char *dir, const char *metric, double **curve, int *len, sm_err *err)
{
    *curve = NULL;
    *len = 0;
    char path[1200];
    snprintf(path, sizeof path, "%s/epochs.csv", dir);
    csv_table t;
    sm_status st = csvio_read(&t, path, err);
    if (st)
        return st;
    int c = csvio_column(&t, metric);
    if (c < 0) {
        csvio_free(&t);
        return sm_err_set(err, SM_EFORMAT, "%s: no column '%s'", path, metric);
    }
    double *v = sm_alloc((size_t)(t.nrows > 1 ? t.nrows : 1), sizeof *v, err);
    if (!v) {
        csvio_free(&t);
        return SM_ENOMEM;
    }
    int n = 0;
    for (int r = 1; r < t.nrows; r++) {
        const char *f = csvio_get(&t, r, c);
        /* a row torn by a kill is the epoch in progress: absent */
        if (!f || t.nfields[r] != t.nfields[0])
            continue;
        if (!csvio_parse_double(f, &v[n]))
            v[n] = NAN;
        n++;
    }
    csvio_free(&t);
    *curve = v;
    *len = n;
    return SM_OK;
}

void search_default_out(const char *exp_path, char *buf, size_t n)
{
    const char *b = strrchr(exp_path, '/');
    b = b ? b + 1 : exp_path;
    if (strncmp(b, "search-", 7) == 0)
        b += 7;
    int k = (int)strcspn(b, ".");
    snprintf(buf, n, "results/search-%.*s", k, b);
}

sm_status search_trial_config(const search_spec *s, const config *base, int i, config *out, char (*vals)[64],
                              sm_err *err)
{
    search_trial_values(s, i, vals);
    *out = *base;
    out->sealed_test = true;
    for (int d = 0; d < s->ndists; d++)
        if (config_set(out, s->dists[d].key, vals[d], err))
            return SM_EINVAL;
    char msg[256];
    if (config_check(out, msg, sizeof msg))
        return sm_err_set(err, SM_EINVAL, "%s", msg);
    return SM_OK;
}

void search_run_id(const search_spec *s, int i, unsigned long seed, int rung_epochs, char *buf, size_t n)
{
    if (s->method == SEARCH_HALVING)
        snprintf(buf, n, "t%03d-s%lu-e%d", i, seed, rung_epochs);
    else
        snprintf(buf, n, "t%03d-s%lu", i, seed);
}

bool search_run_id_parse(const char *id, int *trial, unsigned long *seed, int *epochs)
{
    if (id[0] != 't' || !isdigit((unsigned char)id[1]))
        return false;
    char *end;
    errno = 0;
    long t = strtol(id + 1, &end, 10);
    if (errno || t < 0 || t >= SEARCH_TRIALS_MAX || strncmp(end, "-s", 2) != 0 || !isdigit((unsigned char)end[2]))
        return false;
    unsigned long sd = strtoul(end + 2, &end, 10);
    long e = 0;
    if (strncmp(end, "-e", 2) == 0 && isdigit((unsigned char)end[2])) {
        e = strtol(end + 2, &end, 10);
        if (e < 1 || e > INT_MAX)
            return false;
    }
    if (*end || errno)
        return false;
    *trial = (int)t;
    *seed = sd;
    *epochs = (int)e;
    return true;
}

void search_best_conf_write(FILE *f, const search_spec *s, const config *c, int trial, double score,
                            const char *exp_path, const char *out)
{
    config def;
    config_defaults(&def, c->preset);
    char ds[PATH_MAX];
    if (strncmp(c->dataset, "synth:", 6) == 0 || !realpath(c->dataset, ds))
        snprintf(ds, sizeof ds, "%s", c->dataset);
    fprintf(f, "# The best trial of selfmi search %s on %s (validation only; the test set\n"
               "# was sealed). Confirm it on the test set: selfmi grid %s/best.conf\n",
            exp_path, s->metric, out);
    fprintf(f, "[experiment]\ntitle = best of the search %s on %s\n", out, s->metric);
    fprintf(f, "description = trial %d of %d, %s %.6g over %d seed(s), chosen by selfmi search %s\n", trial,
            s->trials, s->metric, score, s->seeds, exp_path);
    fprintf(f, "dataset = %s\npreset = %s\n[config]\n", ds, config_preset_name(c->preset));
    /* the run name carries the search into every confirming run, where
     * selfmi report names it */
    fprintf(f, "name = search %.60s: trial %d on %s\n", out, trial, s->metric);
    for (int k = 0; k < config_nkeys; k++) {
        const char *key = config_keys[k].key;
        if (!strcmp(key, "dataset") || !strcmp(key, "dataset_id") || !strcmp(key, "preset") ||
            !strcmp(key, "seed") || !strcmp(key, "name") || !strcmp(key, "sealed_test"))
            continue;
        char a[1100], b[1100];
        sm_err err;
        if (config_get(c, key, a, sizeof a, &err) || config_get(&def, key, b, sizeof b, &err))
            continue;
        if (strcmp(a, b) != 0)
            fprintf(f, "%s = %s\n", key, a);
    }
    fprintf(f, "[grid]\nseed = 1111..1115\n");
}
