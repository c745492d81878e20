/* results.c: run directories read back for reports. */
#include "config.h"
#include "exp/results.h"
#include "data/csvio.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t k = strlen(s);
    while (k > 0 && isspace((unsigned char)s[k - 1]))
        s[--k] = '\0';
    return s;
}

static sm_status read_conf(result_run *r, const char *path, sm_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return sm_err_set(err, SM_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    sm_status st = SM_OK;
    while (st == SM_OK && getline(&line, &cap, f) >= 0) {
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        char **nk = sm_realloc(r->keys, (size_t)r->nkv + 1, sizeof *nk, err);
        if (!nk) {
            st = SM_ENOMEM;
            break;
        }
        r->keys = nk;
        char **nv = sm_realloc(r->vals, (size_t)r->nkv + 1, sizeof *nv, err);
        if (!nv) {
            st = SM_ENOMEM;
            break;
        }
        r->vals = nv;
        r->keys[r->nkv] = sm_strdup(k, err);
        r->vals[r->nkv] = sm_strdup(v, err);
        if (!r->keys[r->nkv] || !r->vals[r->nkv]) {
            free(r->keys[r->nkv]);
            free(r->vals[r->nkv]);
            st = SM_ENOMEM;
            break;
        }
        r->nkv++;
    }
    free(line);
    fclose(f);
    return st;
}

sm_status results_run_read(result_run *r, const char *dir, sm_err *err)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    size_t len = strlen(r->dir);
    while (len > 1 && r->dir[len - 1] == '/')
        r->dir[--len] = '\0';
    const char *slash = strrchr(r->dir, '/');
    snprintf(r->id, sizeof r->id, "%s", slash ? slash + 1 : r->dir);
    runstore rs;
    snprintf(rs.dir, sizeof rs.dir, "%s", r->dir);
    snprintf(rs.id, sizeof rs.id, "%s", r->id);
    char path[RUNSTORE_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", r->dir, RUNSTORE_CONF);
    sm_status st = read_conf(r, path, err);
    if (st) {
        results_run_free(r);
        return st;
    }
    sm_err e2;
    if (runstore_state(&rs, &r->state, r->reason, sizeof r->reason, &e2) != SM_OK) {
        /* no status file: a run that never got going */
        r->state = RUN_FAILED;
        snprintf(r->reason, sizeof r->reason, "no readable status");
    }
    if (r->state != RUN_DONE)
        return SM_OK;
    csv_table t;
    if (runstore_csv_read(&rs, RUNSTORE_TEST, &t, &e2) != SM_OK)
        return SM_OK;
    if (t.nrows >= 2) {
        r->has_test = true;
        for (int c = 0; c < t.nfields[0] && r->nmetrics < RESULTS_MAX_METRICS; c++) {
            double v;
            const char *name = csvio_get(&t, 0, c), *cell = csvio_get(&t, 1, c);
            if (!cell || !csvio_parse_double(cell, &v)) /* "nan" parses: Corr of constant predictions */
                continue;
            snprintf(r->metric_names[r->nmetrics], sizeof r->metric_names[0], "%s", name);
            r->metric_vals[r->nmetrics++] = v;
            if (strcmp(name, "acc3") == 0)
                r->sims = true;
        }
    }
    csvio_free(&t);
    return SM_OK;
}

void results_run_free(result_run *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nkv; i++) {
        free(r->keys[i]);
        free(r->vals[i]);
    }
    free(r->keys);
    free(r->vals);
    r->keys = r->vals = NULL;
    r->nkv = 0;
}

void results_free(result_set *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        results_run_free(&s->runs[i]);
    free(s->runs);
    s->runs = NULL;
    s->n = 0;
}

static bool is_run_dir(const char *dir)
{
    char p[RUNSTORE_PATH_MAX + 32];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", dir, RUNSTORE_CONF);
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static sm_status push_run(result_set *s, const char *dir, sm_err *err)
{
    result_run *nr = sm_realloc(s->runs, (size_t)s->n + 1, sizeof *nr, err);
    if (!nr)
        return SM_ENOMEM;
    s->runs = nr;
    sm_status st = results_run_read(&s->runs[s->n], dir, err);
    if (st == SM_OK)
        s->n++;
    return st;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

sm_status results_add(result_set *s, const char *path, sm_err *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return sm_err_set(err, SM_EIO, "%s: %s", path, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return sm_err_set(err, SM_EINVAL, "%s: not a directory: expected a results root or a run directory", path);
    if (is_run_dir(path))
        return push_run(s, path, err);
    DIR *d = opendir(path);
    if (!d)
        return sm_err_set(err, SM_EIO, "%s: cannot list: %s", path, strerror(errno));
    char **names = NULL;
    int n = 0;
    sm_status st = SM_OK;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char sub[RUNSTORE_PATH_MAX];
        if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) >= sizeof sub)
            continue;
        if (!is_run_dir(sub))
            continue;
        char **nn = sm_realloc(names, (size_t)n + 1, sizeof *nn, err);
        if (!nn) {
            st = SM_ENOMEM;
            break;
        }
        names = nn;
        if (!(names[n] = sm_strdup(sub, err))) {
            st = SM_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (names)
        qsort(names, (size_t)n, sizeof *names, name_cmp);
    for (int i = 0; i < n && st == SM_OK; i++)
        st = push_run(s, names[i], err);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}

const char *results_conf(const result_run *r, const char *key)
{
    for (int i = r->nkv - 1; i >= 0; i--)
        if (strcmp(r->keys[i], key) == 0)
            return r->vals[i];
    return NULL;
}

bool results_metric(const result_run *r, const char *name, double *v)
{
    for (int i = 0; i < r->nmetrics; i++)
        if (strcmp(r->metric_names[i], name) == 0) {
            *v = r->metric_vals[i];
            return true;
        }
    return false;
}
