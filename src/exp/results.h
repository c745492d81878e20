/* results.h: run directories read back for reports, a thin layer over the
 * rundir module's whole read (rs_run_read): run.conf as key/value text (so
 * runs written by an older key set still read), the status, and test.csv's
 * metrics by column name. */
#ifndef SELFMI_RESULTS_H
#define SELFMI_RESULTS_H

#include "base/base.h"
#include "rundir/rundir.h"

#define RESULTS_MAX_METRICS 16

typedef struct {
    char dir[RUNSTORE_PATH_MAX];
    char id[256];
    int nkv;
    char **keys, **vals;          /* (nkv) run.conf pairs in file order */
    run_state state;              /* rs_run_state: failed when the status cannot be read */
    char reason[256];             /* when failed */
    bool has_test;                /* test.csv read */
    bool sims;                    /* test.csv has SIMS columns */
    int nmetrics;
    char metric_names[RESULTS_MAX_METRICS][24];
    double metric_vals[RESULTS_MAX_METRICS];
} result_run;

typedef struct {
    int n;
    result_run *runs;             /* (n) */
} result_set;

/* Adds path: a run directory (it holds run.conf), or a results root whose
 * subdirectories holding run.conf are added in name order (names starting
 * with '.', such as .attic, are not runs). A path that is neither, a run
 * whose run.conf cannot be read, or the unreadable test.csv of a done run
 * is an error naming it. */
sm_status results_add(result_set *s, const char *path, sm_err *err);
/* Reads one run directory into r (results_run_free releases it). */
sm_status results_run_read(result_run *r, const char *dir, sm_err *err);
void results_run_free(result_run *r);
void results_free(result_set *s);

/* The run.conf value of key, or NULL. */
const char *results_conf(const result_run *r, const char *key);
/* The test metric of a column name; false when absent. */
bool results_metric(const result_run *r, const char *name, double *v);

#endif
