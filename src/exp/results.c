/* results.c: run directories read back for reports (rs_run_read). */
#include "config.h"
#include "exp/results.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

sm_status results_run_read(result_run *r, const char *dir, sm_err *err)
{
    memset(r, 0, sizeof *r);
    rs_run run;
    sm_status st = rs_run_read(&run, dir, err);
    if (st != SM_OK)
        return st;
    snprintf(r->dir, sizeof r->dir, "%s", run.dir);
    snprintf(r->id, sizeof r->id, "%s", run.id);
    r->state = rs_run_state(&run);
    snprintf(r->reason, sizeof r->reason, "%s", rs_run_reason(&run));
    if (r->state == RUN_FAILED && !r->reason[0])
        snprintf(r->reason, sizeof r->reason, "unknown");
    /* run.conf's pairs change hands */
    r->nkv = run.nconf;
    r->keys = run.keys;
    r->vals = run.vals;
    run.nconf = 0;
    run.keys = run.vals = NULL;
    r->has_test = r->state == RUN_DONE && run.test.nrows >= 1;
    for (int c = 0; r->has_test && c < run.test.ncols && r->nmetrics < RESULTS_MAX_METRICS; c++) {
        snprintf(r->metric_names[r->nmetrics], sizeof r->metric_names[0], "%s", run.test.names[c]);
        r->metric_vals[r->nmetrics++] = rs_table_get(&run.test, 0, c);
    }
    r->sims = r->has_test && rs_run_sims(&run);
    rs_run_free(&run);
    return SM_OK;
}

void results_run_free(result_run *r)
{
    if (!r)
        return;
    sm_kv kv = {.n = r->nkv, .keys = r->keys, .vals = r->vals};
    sm_kv_free(&kv);
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

/* A run directory holds run.conf; a symlinked directory is not followed. */
static bool is_run_dir(const char *dir, bool top)
{
    char p[RUNSTORE_PATH_MAX + 32];
    struct stat sb;
    if (!top && (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)))
        return false;
    snprintf(p, sizeof p, "%s/%s", dir, RUNSTORE_CONF);
    return lstat(p, &sb) == 0;
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
    if (is_run_dir(path, true))
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
        if (!is_run_dir(sub, false))
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
    for (int i = 0; i < r->nkv; i++)
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
