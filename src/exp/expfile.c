/* expfile.c: reading experiment files and expanding their grids. */
#include "config.h"
#include "exp/expfile.h"
#include "base/fsutil.h"
#include "exp/search.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef enum { SEC_NONE, SEC_EXPERIMENT, SEC_CONFIG, SEC_GRID, SEC_REPORT, SEC_SLURM, SEC_SEARCH } section;

static const char *const section_names[] = {"", "experiment", "config", "grid", "report", "slurm", "search"};

static int key_index(const char *key)
{
    for (int i = 0; i < config_nkeys; i++)
        if (strcmp(config_keys[i].key, key) == 0)
            return i;
    return -1;
}

/* ---- paths ---------------------------------------------------------------- */

/* Lexical normalisation of a '/'-separated path in place: drops "." and
 * empty components, folds "x/.." (keeping leading ".." of a relative path). */
static void path_normalise(char *p)
{
    bool abs = p[0] == '/';
    char *comp[512];
    int nc = 0;
    char *save = NULL;
    for (char *t = strtok_r(p, "/", &save); t && nc < 512; t = strtok_r(NULL, "/", &save)) {
        if (strcmp(t, ".") == 0)
            continue;
        if (strcmp(t, "..") == 0 && nc > 0 && strcmp(comp[nc - 1], "..") != 0) {
            nc--;
            continue;
        }
        if (strcmp(t, "..") == 0 && abs)
            continue;
        comp[nc++] = t;
    }
    char out[4096];
    size_t k = 0;
    out[0] = '\0';
    if (abs)
        out[k++] = '/';
    for (int i = 0; i < nc && k < sizeof out - 1; i++)
        k += (size_t)snprintf(out + k, sizeof out - k, "%s%s", i ? "/" : "", comp[i]);
    if (k >= sizeof out)
        k = sizeof out - 1;
    out[k] = '\0';
    if (k == 0)
        snprintf(out, sizeof out, ".");
    strcpy(p, out); /* out is never longer than p */
}

void exp_path_resolve(const char *dir, const char *path, char *out, size_t n)
{
    char buf[4096];
    if (path[0] == '/' || strncmp(path, "synth:", 6) == 0 || !dir || !*dir)
        snprintf(buf, sizeof buf, "%s", path);
    else
        snprintf(buf, sizeof buf, "%s/%s", dir, path);
    if (strncmp(buf, "synth:", 6) == 0) {
        snprintf(out, n, "%s", buf);
        return;
    }
    path_normalise(buf);
    char cwd[PATH_MAX];
    if (buf[0] == '/' && getcwd(cwd, sizeof cwd)) {
        size_t cl = strlen(cwd);
        if (strcmp(buf, cwd) == 0) {
            snprintf(out, n, ".");
            return;
        }
        if (cl > 1 && strncmp(buf, cwd, cl) == 0 && buf[cl] == '/') {
            snprintf(out, n, "%s", buf + cl + 1);
            return;
        }
    }
    snprintf(out, n, "%s", buf);
}

/* ---- text helpers ---------------------------------------------------------- */

#define trim sm_trim   /* base/fsutil.h */

static sm_status add_entry(experiment *e, const char *key, const char *value, int line, sm_err *err)
{
    exp_entry *ne = sm_realloc(e->entries, (size_t)e->nentries + 1, sizeof *ne, err);
    if (!ne)
        return SM_ENOMEM;
    e->entries = ne;
    exp_entry *x = &e->entries[e->nentries];
    memset(x, 0, sizeof *x);
    snprintf(x->key, sizeof x->key, "%s", key);
    x->line = line;
    x->value = sm_strdup(value, err);
    if (!x->value)
        return SM_ENOMEM;
    e->nentries++;
    return SM_OK;
}

/* Checks that value is valid for key (through config_set on a scratch
 * configuration, or the preset names). */
static sm_status check_value(const char *key, const char *value, sm_err *err)
{
    if (strcmp(key, "preset") == 0) {
        preset_kind p;
        return config_preset_parse(value, &p, err);
    }
    config scratch;
    config_defaults(&scratch, PRESET_MOSI);
    return config_set(&scratch, key, value, err);
}

static void free_axis(exp_axis *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->values[i]);
    free(a->values);
    a->values = NULL;
    a->n = 0;
}

static sm_status axis_push(exp_axis *a, const char *v, sm_err *err)
{
    /* capacity: the next power of two, so a long range grows in
     * logarithmically many steps */
    if ((a->n & (a->n - 1)) == 0) {
        char **nv = sm_realloc(a->values, a->n ? (size_t)a->n * 2 : 1, sizeof *nv, err);
        if (!nv)
            return SM_ENOMEM;
        a->values = nv;
    }
    a->values[a->n] = sm_strdup(v, err);
    if (!a->values[a->n])
        return SM_ENOMEM;
    a->n++;
    return SM_OK;
}

/* "A..B" of non-negative integers, A <= B */
static bool parse_range(const char *s, unsigned long *a, unsigned long *b)
{
    const char *dots = strstr(s, "..");
    if (!dots || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)dots[2]))
        return false;
    char *end;
    errno = 0;
    *a = strtoul(s, &end, 10);
    if (end != dots)
        return false;
    *b = strtoul(dots + 2, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    return *end == '\0' && errno == 0;
}

/* Splits "v1 | v2 | A..B" into the axis values, expanding integer ranges
 * and checking each value. */
static sm_status parse_axis(experiment *e, exp_axis *a, const char *key, char *list, const char *where, int line,
                            sm_err *err)
{
    int ki = key_index(key);
    bool integer = ki >= 0 && config_keys[ki].type == CK_INT;
    char *copy = list;
    int nfields = 1;
    for (const char *p = list; *p; p++)
        nfields += *p == '|';
    for (int f = 0; f < nfields; f++) {
        char *bar = strchr(copy, '|');
        if (bar)
            *bar = '\0';
        char *v = trim(copy);
        copy = bar ? bar + 1 : copy + strlen(copy);
        if (!*v)
            return sm_err_set(err, SM_EFORMAT, "%s:%d: key '%s': empty value in the list (values are separated by '|')",
                              where, line, key);
        unsigned long lo, hi;
        if (integer && parse_range(v, &lo, &hi)) {
            if (lo > hi || hi - lo >= 100000)
                return sm_err_set(err, SM_EINVAL, "%s:%d: key '%s': range '%s' must be A..B with A <= B and at most "
                                  "100000 values", where, line, key, v);
            for (unsigned long s = lo; s <= hi; s++) {
                char num[32];
                snprintf(num, sizeof num, "%lu", s);
                sm_status st = check_value(key, num, err);
                if (!st)
                    st = axis_push(a, num, err);
                if (st)
                    return st == SM_ENOMEM ? st : sm_err_prefix(err, "%s:%d", where, line);
            }
            continue;
        }
        char val[1024];
        if (strcmp(key, "dataset") == 0)
            exp_path_resolve(e->dir, v, val, sizeof val);
        else
            snprintf(val, sizeof val, "%s", v);
        sm_status st = check_value(key, val, err);
        if (!st)
            st = axis_push(a, val, err);
        if (st)
            return st == SM_ENOMEM ? st : sm_err_prefix(err, "%s:%d", where, line);
    }
    return SM_OK;
}

static int find_axis(const experiment *e, const char *key)
{
    for (int i = 0; i < e->naxes; i++)
        if (strcmp(e->axes[i].key, key) == 0)
            return i;
    return -1;
}

/* ---- the [search] section (exp/search.c) ----------------------------------- */

static bool search_key_integer(const char *key)
{
    int ki = key_index(key);
    return ki >= 0 && config_keys[ki].type == CK_INT;
}

static bool search_key_known(const char *key)
{
    return key_index(key) >= 0;
}

static sm_status search_line(experiment *e, const char *key, const char *value, const char *where, int line,
                             sm_err *err)
{
    static const search_keys keys = {check_value, search_key_integer, search_key_known};
    if (!e->search.present) {
        search_spec_init(&e->search);
        e->search.present = true;
    }
    return search_spec_line(&e->search, &keys, key, value, where, line, err);
}

/* ---- parsing ---------------------------------------------------------------- */

sm_status exp_parse(experiment *e, const char *text, size_t len, const char *path, sm_err *err)
{
    memset(e, 0, sizeof *e);
    const char *where = path && *path ? path : "(experiment)";
    snprintf(e->path, sizeof e->path, "%s", path ? path : "");
    if (path && *path) {
        const char *slash = strrchr(path, '/');
        if (!slash)
            snprintf(e->dir, sizeof e->dir, ".");
        else if (slash == path)
            snprintf(e->dir, sizeof e->dir, "/");
        else
            snprintf(e->dir, sizeof e->dir, "%.*s", (int)(slash - path), path);
    } else {
        snprintf(e->dir, sizeof e->dir, ".");
    }
    if (memchr(text, '\0', len))
        return sm_err_set(err, SM_EFORMAT, "%s: a NUL byte: not a text file", where);
    /* a file without any section header is a run configuration (run.conf,
     * grid --emit's configs): its paths are as written, from the current
     * directory */
    bool sections = false;
    for (const char *q = text; q < text + len && !sections;) {
        while (q < text + len && (*q == ' ' || *q == '\t'))
            q++;
        sections = q < text + len && *q == '[';
        const char *nl = memchr(q, '\n', (size_t)(text + len - q));
        q = nl ? nl + 1 : text + len;
    }
    if (!sections)
        e->dir[0] = '\0';
    section sec = SEC_NONE;
    int lineno = 0;
    const char *p = text, *end = text + len;
    sm_status st = SM_OK;
    char *line = NULL;
    while (p < end && st == SM_OK) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t k = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lineno++;
        free(line);
        line = sm_alloc(k + 1, 1, err);
        if (!line) {
            st = SM_ENOMEM;
            break;
        }
        memcpy(line, p, k);
        p = nl ? nl + 1 : end;
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || *trim(close + 1)) {
                st = sm_err_set(err, SM_EFORMAT, "%s:%d: expected a section header '[name]', got '%.60s'", where,
                                lineno, s);
                break;
            }
            *close = '\0';
            char *name = trim(s + 1);
            sec = SEC_NONE;
            for (int i = 1; i <= SEC_SEARCH; i++)
                if (strcasecmp(name, section_names[i]) == 0)
                    sec = (section)i;
            if (sec == SEC_NONE)
                st = sm_err_set(err, SM_EFORMAT,
                                "%s:%d: unknown section '[%.40s]': expected [experiment], [config], [grid], [report], "
                                "[slurm] or [search]",
                                where, lineno, name);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            st = sm_err_set(err, SM_EFORMAT, "%s:%d: expected 'key = value', got '%.60s'", where, lineno, s);
            break;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        if (!*key) {
            st = sm_err_set(err, SM_EFORMAT, "%s:%d: expected a key before '='", where, lineno);
            break;
        }
        if (strlen(key) >= sizeof e->axes[0].key) {
            st = sm_err_set(err, SM_EINVAL, "%s:%d: unknown key '%.40s...'", where, lineno, key);
            break;
        }
        switch (sec) {
        case SEC_EXPERIMENT:
            if (strcmp(key, "title") == 0) {
                snprintf(e->title, sizeof e->title, "%s", value);
            } else if (strcmp(key, "description") == 0) {
                snprintf(e->description, sizeof e->description, "%s", value);
            } else if (strcmp(key, "dataset") == 0 || strcmp(key, "preset") == 0) {
                goto config_key;
            } else {
                st = sm_err_set(err, SM_EINVAL,
                                "%s:%d: unknown key '%s' in [experiment]: expected title, description, dataset or "
                                "preset (configuration keys go in [config])", where, lineno, key);
            }
            break;
        case SEC_REPORT:
            if (strcmp(key, "group_by") == 0) {
                snprintf(e->group_by, sizeof e->group_by, "%s", value);
            } else if (strcmp(key, "reference") == 0) {
                snprintf(e->reference, sizeof e->reference, "%s", value);
            } else {
                st = sm_err_set(err, SM_EINVAL, "%s:%d: unknown key '%s' in [report]: expected group_by or reference",
                                where, lineno, key);
            }
            break;
        case SEC_SLURM:
            if ((st = slurm_option_set(&e->slurm, key, value, err)))
                sm_err_prefix(err, "%s:%d", where, lineno);
            break;
        case SEC_GRID: {
            if (key_index(key) < 0) {
                check_value(key, "", err); /* the unknown-key message lists the keys */
                st = sm_err_prefix(err, "%s:%d", where, lineno);
                break;
            }
            if (find_axis(e, key) >= 0) {
                st = sm_err_set(err, SM_EINVAL, "%s:%d: key '%s': a second axis over the same key (list every value "
                                "on one line, separated by '|')", where, lineno, key);
                break;
            }
            exp_axis *na = sm_realloc(e->axes, (size_t)e->naxes + 1, sizeof *na, err);
            if (!na) {
                st = SM_ENOMEM;
                break;
            }
            e->axes = na;
            exp_axis *a = &e->axes[e->naxes++];
            memset(a, 0, sizeof *a);
            snprintf(a->key, sizeof a->key, "%s", key);
            a->line = lineno;
            st = parse_axis(e, a, key, value, where, lineno, err);
            if (st == SM_OK && exp_grid_size(e) > EXP_GRID_MAX)
                st = sm_err_set(err, SM_EINVAL, "%s:%d: key '%s': the grid would have more than %d runs", where,
                                lineno, key, EXP_GRID_MAX);
            break;
        }
        case SEC_SEARCH:
            st = search_line(e, key, value, where, lineno, err);
            break;
        case SEC_NONE:
        case SEC_CONFIG:
        config_key: {
            char val[1024];
            if (strcmp(key, "dataset") == 0)
                exp_path_resolve(e->dir, value, val, sizeof val);
            else
                snprintf(val, sizeof val, "%s", value);
            st = check_value(key, val, err);
            if (st) {
                sm_err_prefix(err, "%s:%d", where, lineno);
                break;
            }
            st = add_entry(e, key, val, lineno, err);
            break;
        }
        }
    }
    free(line);
    if (st == SM_OK) {
        /* every point must resolve: a bad combination is found now, not
         * halfway through a grid */
        long n = exp_grid_size(e);
        config c;
        for (long i = 0; i < n && st == SM_OK; i++)
            st = exp_grid_point(e, i, &c, err);
    }
    if (st)
        exp_free(e);
    return st;
}

sm_status exp_load(experiment *e, const char *path, sm_err *err)
{
    memset(e, 0, sizeof *e);
    FILE *f = sm_fopen_input(path, NULL, err);
    if (!f)
        return SM_EIO;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    sm_status st = SM_OK;
    for (;;) {
        if (n + 4096 > cap) {
            size_t nc = cap ? cap * 2 : 8192;
            if (nc > (16u << 20)) {
                st = sm_err_set(err, SM_EFORMAT, "%s: larger than 16 MiB: not an experiment file", path);
                break;
            }
            char *nb = sm_realloc(buf, nc, 1, err);
            if (!nb) {
                st = SM_ENOMEM;
                break;
            }
            buf = nb;
            cap = nc;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (st == SM_OK && ferror(f))
        st = sm_err_set(err, SM_EIO, "%s: read error: %s", path, strerror(errno));
    fclose(f);
    if (st == SM_OK)
        st = exp_parse(e, buf ? buf : "", n, path, err);
    free(buf);
    return st;
}

void exp_free(experiment *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->nentries; i++)
        free(e->entries[i].value);
    free(e->entries);
    for (int i = 0; i < e->naxes; i++)
        free_axis(&e->axes[i]);
    free(e->axes);
    search_spec_free(&e->search);
    e->entries = NULL;
    e->axes = NULL;
    e->nentries = e->naxes = 0;
}

sm_status exp_override(experiment *e, const char *key, const char *value, sm_err *err)
{
    if (key_index(key) < 0)
        return check_value(key, value, err);
    sm_status st = check_value(key, value, err);
    if (st)
        return st;
    int a = find_axis(e, key);
    if (a >= 0) {
        free_axis(&e->axes[a]);
        e->axes[a].line = 0;
        return axis_push(&e->axes[a], value, err);
    }
    return add_entry(e, key, value, 0, err);
}

/* ---- grid --------------------------------------------------------------- */

long exp_grid_size(const experiment *e)
{
    long n = 1;
    for (int i = 0; i < e->naxes; i++) {
        /* saturates instead of overflowing: a parsed grid is at most
         * EXP_GRID_MAX points, so only a grid being refused gets here */
        if (e->axes[i].n > 0 && n > (long)EXP_GRID_MAX * 2 / e->axes[i].n)
            return (long)EXP_GRID_MAX * 2;
        n *= e->axes[i].n;
    }
    return n;
}

/* The value index of every axis at point i; the last axis varies fastest. */
static void point_indices(const experiment *e, long i, int *idx)
{
    for (int k = e->naxes - 1; k >= 0; k--) {
        idx[k] = (int)(i % e->axes[k].n);
        i /= e->axes[k].n;
    }
}

static sm_status located(const experiment *e, int line, sm_err *err)
{
    const char *where = e->path[0] ? e->path : "(experiment)";
    if (line > 0)
        return sm_err_prefix(err, "%s:%d", where, line);
    return sm_err_prefix(err, "--set");
}

sm_status exp_grid_point(const experiment *e, long i, config *out, sm_err *err)
{
    int *idx = sm_alloc((size_t)(e->naxes > 0 ? e->naxes : 1), sizeof *idx, err);
    if (!idx)
        return SM_ENOMEM;
    point_indices(e, i, idx);
    /* the preset first: its defaults are the base of everything else */
    const char *preset = NULL, *ds = NULL;
    for (int k = 0; k < e->nentries; k++) {
        if (strcmp(e->entries[k].key, "preset") == 0)
            preset = e->entries[k].value;
        if (strcmp(e->entries[k].key, "dataset") == 0)
            ds = e->entries[k].value;
    }
    for (int a = 0; a < e->naxes; a++) {
        if (strcmp(e->axes[a].key, "preset") == 0)
            preset = e->axes[a].values[idx[a]];
        if (strcmp(e->axes[a].key, "dataset") == 0)
            ds = e->axes[a].values[idx[a]];
    }
    preset_kind pk = ds && strncmp(ds, "synth:", 6) == 0 ? PRESET_SYNTH : PRESET_MOSI;
    sm_status st = SM_OK;
    if (preset)
        st = config_preset_parse(preset, &pk, err);
    if (st) {
        free(idx);
        return st;
    }
    config_defaults(out, pk);
    for (int k = 0; k < e->nentries && !st; k++)
        if ((st = config_set(out, e->entries[k].key, e->entries[k].value, err)))
            located(e, e->entries[k].line, err);
    for (int a = 0; a < e->naxes && !st; a++)
        if ((st = config_set(out, e->axes[a].key, e->axes[a].values[idx[a]], err)))
            located(e, e->axes[a].line, err);
    free(idx);
    if (st)
        return st;
    char msg[512];
    const char *bad = config_check(out, msg, sizeof msg);
    if (bad) {
        char label[512];
        exp_grid_label(e, i, label, sizeof label);
        return sm_err_set(err, SM_EINVAL, "%s: grid point %ld (%s): %s", e->path[0] ? e->path : "(experiment)", i,
                          label, bad);
    }
    return SM_OK;
}

void exp_grid_label(const experiment *e, long i, char *buf, size_t n)
{
    int idx[64];
    size_t w = 0;
    if (n)
        buf[0] = '\0';
    if (e->naxes > 64)
        return;
    point_indices(e, i, idx);
    for (int a = 0; a < e->naxes && w < n; a++) {
        const char *v = e->axes[a].values[idx[a]];
        char name[64];   /* a CPC set by its one name, however the file spells it */
        if (strcmp(e->axes[a].key, "cpc_terms") == 0) {
            config_cpc_label(v, name, sizeof name);
            v = name;
        }
        w += (size_t)snprintf(buf + w, n - w, "%s%s=%s", a ? " " : "", e->axes[a].key, v);
    }
}

/* ---- run id sets ----------------------------------------------------------- */

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

sm_status exp_idset_init(exp_idset *s, size_t expected, sm_err *err)
{
    memset(s, 0, sizeof *s);
    size_t cap = 16;
    while (cap < 2 * expected && cap < SIZE_MAX / 4)
        cap *= 2;
    s->slot = sm_alloc(cap, sizeof *s->slot, err);
    s->hash = sm_alloc(cap, sizeof *s->hash, err);
    if (!s->slot || !s->hash) {
        exp_idset_free(s);
        return SM_ENOMEM;
    }
    s->cap = cap;
    return SM_OK;
}

/* The slot of id (hash h): where it is, or the empty slot where it goes. */
static size_t idset_find(const exp_idset *s, const char *id, uint64_t h)
{
    size_t mask = s->cap - 1, i = (size_t)h & mask;
    while (s->slot[i] && (s->hash[i] != h || strcmp(s->slot[i], id) != 0))
        i = (i + 1) & mask;
    return i;
}

int exp_idset_add(exp_idset *s, const char *id, sm_err *err)
{
    uint64_t h = fnv1a64(id);
    size_t i = idset_find(s, id, h);
    if (s->slot[i])
        return 0;
    if (2 * (s->n + 1) > s->cap) {
        /* at most half full: rehash into twice the room */
        exp_idset big;
        if (exp_idset_init(&big, s->cap, err) != SM_OK)
            return -1;
        for (size_t k = 0; k < s->cap; k++)
            if (s->slot[k]) {
                size_t j = idset_find(&big, s->slot[k], s->hash[k]);
                big.slot[j] = s->slot[k];
                big.hash[j] = s->hash[k];
            }
        big.n = s->n;
        exp_idset_free(s);
        *s = big;
        i = idset_find(s, id, h);
    }
    s->slot[i] = id;
    s->hash[i] = h;
    s->n++;
    return 1;
}

void exp_idset_free(exp_idset *s)
{
    if (!s)
        return;
    free(s->slot);
    free(s->hash);
    memset(s, 0, sizeof *s);
}

/* ---- listing a folder's experiments ----------------------------------------- */

/* By file name, NAME.conf: "a-b.conf" before "a.conf". */
static int listing_cmp(const void *a, const void *b)
{
    char x[300], y[300];
    snprintf(x, sizeof x, "%s.conf", ((const exp_listing *)a)->name);
    snprintf(y, sizeof y, "%s.conf", ((const exp_listing *)b)->name);
    return strcmp(x, y);
}

sm_status exp_list(const char *const *dirs, int ndirs, exp_listing **out, int *n, sm_err *err)
{
    *out = NULL;
    *n = 0;
    exp_listing *v = NULL;
    int cap = 0;
    for (int i = 0; i < ndirs; i++) {
        DIR *d = opendir(dirs[i]);
        if (!d)
            continue;
        int first = *n;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            size_t len = strlen(de->d_name);
            if (len <= 5 || len - 5 >= sizeof v->name || de->d_name[0] == '.' ||
                strcmp(de->d_name + len - 5, ".conf") != 0)
                continue;
            bool dup = false;
            for (int k = 0; k < first && !dup; k++)
                dup = strlen(v[k].name) == len - 5 && strncmp(v[k].name, de->d_name, len - 5) == 0;
            if (dup)
                continue;
            if (*n == cap) {
                int nc = cap ? 2 * cap : 32;
                exp_listing *t = realloc(v, (size_t)nc * sizeof *t);
                if (!t) {
                    closedir(d);
                    free(v);
                    return sm_err_set(err, SM_ENOMEM, "out of memory listing %s", dirs[i]);
                }
                v = t;
                cap = nc;
            }
            exp_listing *x = &v[(*n)++];
            memset(x, 0, sizeof *x);
            snprintf(x->name, sizeof x->name, "%.*s", (int)(len - 5), de->d_name);
            snprintf(x->dir, sizeof x->dir, "%s", dirs[i]);
            snprintf(x->path, sizeof x->path, "%.1023s/%.255s", dirs[i], de->d_name);
        }
        closedir(d);
        if (*n > first)
            qsort(v + first, (size_t)(*n - first), sizeof *v, listing_cmp);
    }
    for (int k = 0; k < *n; k++) {
        experiment e;
        sm_err lerr;
        sm_err_clear(&lerr);
        if (exp_load(&e, v[k].path, &lerr) == SM_OK) {
            v[k].runs = exp_grid_size(&e);
            v[k].search = e.search.present;
            snprintf(v[k].title, sizeof v[k].title, "%s", e.title);
            exp_free(&e);
        } else {
            v[k].runs = -1;
            snprintf(v[k].title, sizeof v[k].title, "%s", lerr.msg);
        }
    }
    *out = v;
    return SM_OK;
}
