/* cmd_search.c: `selfmi search`: a hyper-parameter search over an
 * experiment's [search] section on the worker queue, on validation only
 * (every trial run is sealed_test), then OUT/search.csv and OUT/best.conf,
 * whose 5-seed grid is the first to touch the test set. */
#include "config.h"
#include "cli/cli.h"
#include "base/fsutil.h"
#include "data/csvio.h"
#include "exp/expfile.h"
#include "exp/queue.h"
#include "exp/search.h"
#include "exp/slurm.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void search_usage(FILE *f)
{
    fprintf(f,
            "Usage: selfmi search EXPERIMENT [OPTIONS]\n"
            "\n"
            "Runs the hyper-parameter search of the experiment's [search] section (man 5\n"
            "selfmi-experiment): its trials, sampled from the section's seed, on N worker\n"
            "threads, ranked by a validation metric. Trial runs are sealed: they never\n"
            "evaluate the test set and write no test.csv or predictions.csv. Method\n"
            "random trains every trial to max_epochs; method halving trains them rung by\n"
            "rung (min_epochs * eta^k epochs) and only the best 1/eta go on, each from\n"
            "its checkpoint. A time_budget stops queued and running trials when spent.\n"
            "Runs land in OUT/trials; runs already done are kept, so an interrupted\n"
            "search started again continues where it stopped. Then it writes\n"
            "OUT/search.csv (one row per trial) and OUT/best.conf (the best trial as an\n"
            "experiment with seed = 1111..1115): confirm it with selfmi grid OUT/best.conf.\n"
            "\n"
            "Options:\n"
            "  --jobs N          worker threads (default: the number of cores)\n"
            "  --out DIR         where the search goes (default results/search-NAME, NAME\n"
            "                    the file's name without .conf and a leading search-)\n"
            "  --method M        random or halving, in place of the file's method\n"
            "  --slurm           train the trials on Slurm, one job array as selfmi grid\n"
            "                    --slurm submits (the file's [slurm] section); random\n"
            "                    search alone prints the job id: once it has run,\n"
            "                    --collect writes search.csv and best.conf\n"
            "  --wait            with --slurm: follow the array to its end, then write\n"
            "                    search.csv and best.conf; halving submits one array per\n"
            "                    rung and chooses each rung's trials as a local search\n"
            "  --collect         train nothing: search.csv and best.conf from the runs\n"
            "                    in OUT/trials as they are (unfinished trials: not run)\n"
            "  --emit slurm      write a script instead of running: random search\n"
            "                    OUT/trials/grid.sbatch, the array of every trial's runs;\n"
            "                    halving OUT/search.sbatch, a driver job running\n"
            "                    selfmi search --slurm --wait\n"
            "  --quiet           no progress lines\n"
            "  --help            show this help and exit\n"
            "  --version         show the version and exit\n"
            "\n"
            "Exit status: 0 the search ran (a failed trial is a row of search.csv), 1 no\n"
            "trial finished or a file could not be written, 2 usage or bad input,\n"
            "130 interrupted.\n");
}

typedef struct {
    config cfg;              /* max_epochs = the last rung's */
    char (*vals)[64];        /* (ndists) */
    bool valid;              /* the sampled values make a valid configuration */
    char reason[1024];
    int rung;                /* the last rung it was trained to */
    bool alive;              /* still in the race */
    bool complete;           /* every seed stopped by itself before its rung: nothing more to train */
    bool stopped_early;      /* halving stopped it before the last rung */
    bool failed, not_run;
    bool budget;             /* the time budget stopped it while it trained */
    double score;
    int epochs;
    char run_id[256];        /* the first seed's last run */
    /* the rung being scored: over its seeds */
    double sum;
    int nok, maxlen;
    bool all_short, any;
} trial;

/* Writes text through a temporary file and a rename. */
static int write_file(const char *path, const char *text, size_t n)
{
    sm_err err;
    if (sm_atomic_replace(path, text, n, &err)) {
        fprintf(stderr, "selfmi search: %s\n", err.msg);
        return 1;
    }
    return 0;
}

static int write_search_csv(const char *out, const search_spec *s, const trial *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return 1;
    csv_writer w;
    csvw_init(&w, f);
    csvw_str(&w, "trial");
    for (int d = 0; d < s->ndists; d++)
        csvw_str(&w, s->dists[d].key);
    csvw_str(&w, s->metric);
    csvw_str(&w, "epochs");
    csvw_str(&w, "stopped_early");
    csvw_str(&w, "status");
    csvw_str(&w, "run");
    csvw_end(&w);
    for (int i = 0; i < s->trials; i++) {
        csvw_int(&w, i);
        for (int d = 0; d < s->ndists; d++)
            csvw_str(&w, t[i].vals[d]);
        if (isnan(t[i].score))
            csvw_empty(&w);
        else
            csvw_num(&w, t[i].score);
        csvw_int(&w, t[i].epochs);
        csvw_str(&w, t[i].stopped_early ? "yes" : "no");
        csvw_str(&w, !t[i].valid    ? "invalid"
                     : t[i].failed  ? "failed"
                     : t[i].not_run ? "not run"
                     : t[i].budget  ? "stopped by the budget"
                                    : "done");
        csvw_str(&w, t[i].run_id);
        csvw_end(&w);
    }
    bool ok = csvw_ok(&w);
    fclose(f);
    char path[1200];
    snprintf(path, sizeof path, "%s/search.csv", out);
    int rc = ok ? write_file(path, buf, len) : 1;
    free(buf);
    return rc;
}

static int write_best_conf(const char *out, const char *exp_path, const search_spec *s, const trial *t, int best)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return 1;
    search_best_conf_write(f, s, &t[best].cfg, best, t[best].score, exp_path, out);
    fclose(f);
    char path[1200];
    snprintf(path, sizeof path, "%s/best.conf", out);
    int rc = write_file(path, buf, len);
    free(buf);
    return rc;
}

/* One run of a rung: seed j of trial i, trained to the rung's epochs. */
typedef struct {
    int trial;
    config cfg;
    char id[64];
    int job;                 /* its queue job (local), -1 = none */
} rung_run;

/* How a search trains a rung's runs. */
typedef enum {
    MODE_LOCAL,              /* the worker queue of this process */
    MODE_SLURM,              /* a job array, waited for */
    MODE_COLLECT             /* nothing: the runs on disk as they are */
} search_mode;

/* The runs of rung k: every seed of every trial still in the race, into a
 * fresh *out (free() it); their number, -1 when out of memory. */
static int rung_runs(const search_spec *s, const trial *t, int n, unsigned long seed0, int epochs, rung_run **out)
{
    rung_run *r = calloc((size_t)n * (size_t)s->seeds + 1, sizeof *r);
    if (!r)
        return -1;
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (!t[i].alive || t[i].complete)
            continue;
        for (int j = 0; j < s->seeds; j++) {
            r[m].trial = i;
            r[m].cfg = t[i].cfg;
            r[m].cfg.seed = seed0 + (unsigned long)j;
            r[m].cfg.max_epochs = epochs;
            r[m].job = -1;
            search_run_id(s, i, r[m].cfg.seed, epochs, r[m].id, sizeof r[m].id);
            m++;
        }
    }
    *out = r;
    return m;
}

/* The array of runs r (ids and cfgs allocated here: runs_array_free them). */
static bool runs_array(const experiment *e, const char *title, const char *root, const rung_run *r, int m,
                       bool quiet, cli_array *a)
{
    const char **ids = calloc((size_t)m + 1, sizeof *ids);
    config *cfgs = calloc((size_t)m + 1, sizeof *cfgs);
    if (!ids || !cfgs) {
        free(ids), free(cfgs);
        fprintf(stderr, "selfmi search: out of memory\n");
        return false;
    }
    for (int i = 0; i < m; i++) {
        ids[i] = r[i].id;
        cfgs[i] = r[i].cfg;
    }
    *a = (cli_array){.cmd = "search", .opts = &e->slurm, .title = title, .out = root, .cfgs = cfgs, .ids = ids,
                     .n = m, .quiet = quiet};
    return true;
}

static void runs_array_free(cli_array *a)
{
    free((void *)a->ids);
    free((void *)a->cfgs);
}

/* Whether root/id holds a finished run. */
static bool run_done(const char *root, const char *id)
{
    runstore rs;
    sm_err err;
    run_state st;
    return runstore_open(&rs, root, id, &err) == SM_OK && runstore_state(&rs, &st, NULL, 0, &err) == SM_OK &&
           st == RUN_DONE;
}

/* The runs of r not finished yet, moved to its front; their number. */
static int runs_to_train(const char *root, rung_run *r, int m)
{
    int k = 0;
    for (int i = 0; i < m; i++)
        if (!run_done(root, r[i].id)) {
            rung_run tmp = r[k];
            r[k++] = r[i];
            r[i] = tmp;
        }
    return k;
}

/* --emit slurm of a halving search: OUT/search.sbatch, one job running
 * selfmi search --slurm --wait, which submits each rung's array from
 * inside its allocation. */
static int emit_driver(const experiment *e, const char *target, const char *out)
{
    char script[1200];
    sm_err err;
    sm_err_clear(&err);
    if (slurm_driver_write(&e->slurm, target, out, script, sizeof script, &err)) {
        fprintf(stderr, "selfmi search: %s\n", err.msg);
        return 1;
    }
    printf("%s\n", script);
    return 0;
}

/* --emit slurm (random search) and --slurm without --wait: every valid
 * trial's runs as one array into root, written, or submitted. */
static int array_all(const experiment *e, const char *target, const char *root, const char *out,
                     const char *out_arg, trial *t, int n, unsigned long seed0, int epochs, bool submit, bool quiet)
{
    const search_spec *s = &e->search;
    for (int i = 0; i < n; i++)
        if (!t[i].valid)
            fprintf(stderr, "selfmi search: trial %d left out: %s\n", i, t[i].reason);
    rung_run *r;
    int m = rung_runs(s, t, n, seed0, epochs, &r);
    if (m < 0) {
        fprintf(stderr, "selfmi search: out of memory\n");
        return 1;
    }
    if (submit)
        m = runs_to_train(root, r, m);
    cli_array a;
    int rc = 1;
    if (m == 0) {
        fprintf(stderr, "selfmi search: every trial is finished: selfmi search %s --collect writes search.csv\n",
                target);
        rc = 0;
    } else if (runs_array(e, target, root, r, m, quiet, &a)) {
        char script[1300], jobid[64];
        rc = submit ? cli_array_submit(&a, jobid, sizeof jobid) : cli_array_emit(&a, script, sizeof script);
        if (rc != 2 && !(rc && !submit))
            printf("%s\n", submit ? jobid : script);
        if (submit && rc != 2 && !quiet)
            fprintf(stderr, "selfmi search: once job %s has finished, selfmi search %s%s%s --collect writes "
                    "%s/search.csv and %s/best.conf\n", jobid, target, out_arg ? " --out " : "", out_arg ? out_arg : "",
                    out, out);
        runs_array_free(&a);
    }
    free(r);
    return rc;
}

/* What became of a run of a rung. */
typedef enum { RO_DONE, RO_FAILED, RO_NOT_RUN, RO_BUDGET } run_outcome;

/* From its queue job (ji, local) or its directory (Slurm, --collect). The
 * reason of a failure into why. */
static run_outcome outcome(search_mode mode, const char *root, const rung_run *r, const job_info *ji,
                           bool over_budget, char *why, size_t wn)
{
    runstore rs;
    sm_err err;
    run_state st = RUN_QUEUED;
    why[0] = '\0';
    bool there = runstore_open(&rs, root, r->id, &err) == SM_OK && runstore_state(&rs, &st, why, wn, &err) == SM_OK;
    if (ji) {
        if (ji->state == RUN_DONE)
            return RO_DONE;
        if (ji->state == RUN_CANCELLED && over_budget)
            return there ? RO_BUDGET : RO_NOT_RUN;
        snprintf(why, wn, "%s", ji->reason[0] ? ji->reason : run_state_name(ji->state));
        return RO_FAILED;
    }
    if (there && st == RUN_DONE)
        return RO_DONE;
    if (there && st == RUN_FAILED)
        return RO_FAILED;
    if (over_budget)
        return there ? RO_BUDGET : RO_NOT_RUN;
    if (mode == MODE_COLLECT || !there)
        return RO_NOT_RUN; /* not finished (yet) */
    if (!why[0])
        snprintf(why, wn, "%s", run_state_name(st));
    return RO_FAILED;
}

/* Trains the runs r of one rung on the local queue; false when
 * interrupted. Past the time budget (t0 + budget) what is queued or
 * running is cancelled and *over_budget set. */
static bool rung_local(queue *q, rung_run *r, int m, const search_spec *s, double t0, bool *over_budget,
                       job_info **snap, int *njobs, int k, int nr, int epochs, bool quiet, trial *t)
{
    sm_err err;
    int submitted = 0;
    for (int i = 0; i < m; i++) {
        r[i].job = queue_submit(q, &r[i].cfg, r[i].id, &err);
        if (r[i].job < 0) {
            t[r[i].trial].failed = true;
            snprintf(t[r[i].trial].reason, sizeof t[r[i].trial].reason, "%s", err.msg);
        } else {
            submitted++;
            (*njobs)++;
        }
    }
    job_info *ns = realloc(*snap, (size_t)(*njobs + 1) * sizeof *ns);
    if (!ns)
        return false;
    *snap = ns;
    int reported = 0;
    for (;;) {
        bool finished = queue_wait_for(q, 1.0);
        if (cli_interrupted)
            return false;
        int mm = queue_snapshot(q, *snap, *njobs);
        int done = 0;
        for (int i = 0; i < mm; i++)
            done += !job_active(&(*snap)[i]);
        if (!quiet && done > reported) {
            fprintf(stderr, "selfmi search: rung %d/%d (%d epochs): %d of %d runs finished, %.0fs\n", k + 1, nr,
                    epochs, done - (*njobs - submitted), submitted, sm_now() - t0);
            reported = done;
        }
        if (!*over_budget && s->time_budget > 0 && sm_now() - t0 > s->time_budget) {
            /* the time budget: queued runs do not start, running ones stop */
            *over_budget = true;
            for (int i = 0; i < mm; i++)
                if (job_active(&(*snap)[i]))
                    queue_cancel(q, (*snap)[i].id);
            if (!quiet)
                fprintf(stderr, "selfmi search: the time budget is spent: running trials stop, no further trials "
                        "start\n");
        }
        if (finished)
            break;
    }
    queue_snapshot(q, *snap, *njobs);
    return true;
}

/* Trains the runs r of one rung as a Slurm job array and waits for it;
 * false when interrupted or the array could not be submitted (*rc says
 * the exit status). */
static bool rung_slurm(const experiment *e, const char *title, const char *root, rung_run *r, int m, double t0,
                       bool *over_budget, bool quiet, int *rc)
{
    int ntrain = runs_to_train(root, r, m);
    if (ntrain == 0)
        return true;
    cli_array a;
    if (!runs_array(e, title, root, r, ntrain, quiet, &a)) {
        *rc = 1;
        return false;
    }
    char jobid[64];
    int src = cli_array_submit(&a, jobid, sizeof jobid);
    if (src == 2) {
        runs_array_free(&a);
        *rc = 2;
        return false;
    }
    double deadline = e->search.time_budget > 0 ? t0 + e->search.time_budget : 0;
    bool expired = false;
    int done = cli_array_wait(&a, jobid, deadline, &expired);
    runs_array_free(&a);
    if (expired) {
        *over_budget = true;
        if (!quiet)
            fprintf(stderr, "selfmi search: the time budget is spent: job %s cancelled, no further trials start\n",
                    jobid);
    }
    if (done < 0) {
        *rc = 130;
        return false;
    }
    return true;
}

int cmd_search(int argc, char **argv)
{
    const char *target = NULL, *out_arg = NULL, *method = NULL, *emit = NULL;
    int jobs = 0;
    bool quiet = false, slurm = false, wait = false, collect = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "--help") == 0) {
            search_usage(stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else if (strcmp(a, "--slurm") == 0) {
            slurm = true;
        } else if (strcmp(a, "--wait") == 0) {
            wait = true;
        } else if (strcmp(a, "--collect") == 0) {
            collect = true;
        } else if (strcmp(a, "--jobs") == 0 && more) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1024) {
                fprintf(stderr, "selfmi search: --jobs %s: expected a number of workers from 1 to 1024\n", argv[i]);
                return 2;
            }
            jobs = (int)v;
        } else if (strcmp(a, "--out") == 0 && more) {
            out_arg = argv[++i];
        } else if (strcmp(a, "--emit") == 0 && more) {
            emit = argv[++i];
            if (strcmp(emit, "slurm") != 0) {
                fprintf(stderr, "selfmi search: --emit %s: expected slurm\n", emit);
                return 2;
            }
        } else if (strcmp(a, "--method") == 0 && more) {
            method = argv[++i];
            if (strcmp(method, "random") != 0 && strcmp(method, "halving") != 0) {
                fprintf(stderr, "selfmi search: --method %s: expected random or halving\n", method);
                return 2;
            }
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "selfmi search: unknown or incomplete option '%s'\nTry 'selfmi search --help'.\n", a);
            return 2;
        } else if (!target) {
            target = a;
        } else {
            fprintf(stderr, "selfmi search: one EXPERIMENT only ('%s' is extra)\n", a);
            return 2;
        }
    }
    if (!target) {
        fprintf(stderr, "selfmi search: missing EXPERIMENT\nTry 'selfmi search --help'.\n");
        return 2;
    }
    if ((wait && !slurm) || (slurm && (emit || collect)) || (emit && collect)) {
        fprintf(stderr, "selfmi search: %s\n", wait && !slurm ? "--wait goes with --slurm"
                                               : slurm     ? "--slurm submits: not with --emit or --collect"
                                                           : "--emit writes a script: not with --collect");
        return 2;
    }
    char found[CLI_PATH_MAX + 300];
    experiment e;
    if (cli_experiment_load("search", target, &e, found, sizeof found))
        return 2;
    target = found;
    sm_err err;
    sm_err_clear(&err);
    if (method && e.search.present)
        e.search.method = strcmp(method, "halving") == 0 ? SEARCH_HALVING : SEARCH_RANDOM;
    const search_spec *s = &e.search;
    if (!s->present || s->ndists == 0) {
        fprintf(stderr, "selfmi search: %s: no [search] section with a key to search\n", target);
        exp_free(&e);
        return 2;
    }
    if (e.naxes > 0) {
        fprintf(stderr, "selfmi search: %s:%d: key '%s': a search file has no [grid] (the search draws its "
                "trials; seeds come from [search]'s seeds)\n", target, e.axes[0].line, e.axes[0].key);
        exp_free(&e);
        return 2;
    }
    if (slurm && !wait && s->method == SEARCH_HALVING) {
        fprintf(stderr, "selfmi search: --slurm: halving submits each rung's trials after the rung before: use "
                "--slurm --wait (or --emit slurm, a job that does)\n");
        exp_free(&e);
        return 2;
    }
    config base;
    if (exp_grid_point(&e, 0, &base, &err)) {
        fprintf(stderr, "selfmi search: %s\n", err.msg);
        exp_free(&e);
        return 2;
    }
    char out[1024];
    if (out_arg) {
        snprintf(out, sizeof out, "%s", out_arg);
    } else {
        search_default_out(target, out, sizeof out);
    }
    char root[1200];
    snprintf(root, sizeof root, "%s/trials", out);
    if (sm_mkdirs(root, &err)) {
        fprintf(stderr, "selfmi search: %s\n", err.msg);
        exp_free(&e);
        return 1;
    }

    /* the trials, all known before any runs */
    int n = s->trials;
    trial *t = calloc((size_t)n, sizeof *t);
    char (*vals)[64] = calloc((size_t)n * (size_t)s->ndists, sizeof *vals);
    if (!t || !vals) {
        fprintf(stderr, "selfmi search: out of memory\n");
        free(t), free(vals);
        exp_free(&e);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        trial *x = &t[i];
        x->vals = vals + (size_t)i * (size_t)s->ndists;
        x->score = NAN;
        x->valid = search_trial_config(s, &base, i, &x->cfg, x->vals, &err) == SM_OK;
        if (!x->valid)
            snprintf(x->reason, sizeof x->reason, "%s", err.msg);
        x->alive = x->valid;
        x->not_run = true;
    }

    if (emit || (slurm && !wait)) {
        int rc = emit && s->method == SEARCH_HALVING
                     ? emit_driver(&e, target, out)
                     : array_all(&e, target, root, out, out_arg, t, n, base.seed, base.max_epochs, slurm, quiet);
        free(t), free(vals);
        exp_free(&e);
        return rc;
    }

    int rungs[SEARCH_RUNGS_MAX];
    int nr = s->method == SEARCH_HALVING ? search_rungs(s->min_epochs, s->eta, base.max_epochs, rungs, SEARCH_RUNGS_MAX)
                                         : (rungs[0] = base.max_epochs, 1);
    search_mode mode = slurm ? MODE_SLURM : collect ? MODE_COLLECT : MODE_LOCAL;
    if (!quiet)
        fprintf(stderr, "selfmi search: %s: %d trials (%s, %d seed(s) each) on %s into %s%s\n", target, n,
                s->method == SEARCH_HALVING ? "halving" : "random", s->seeds, s->metric, out,
                mode == MODE_SLURM ? " on Slurm" : mode == MODE_COLLECT ? " (collecting: nothing trains)" : "");

    queue *q = NULL;
    if (mode == MODE_LOCAL && (queue_create(&q, jobs, root, &err) || queue_preload(q, &base, &err))) {
        fprintf(stderr, "selfmi search: %s\n", err.msg);
        if (q) {
            cli_dataset_hint("search", base.dataset, e.dir);
            queue_destroy(q, true);
        }
        free(t), free(vals);
        exp_free(&e);
        return 2;
    }
    struct sigaction old_int, old_term;
    cli_signals_catch(&old_int, &old_term);

    double t0 = sm_now();
    bool over_budget = false, stop = false;
    int njobs = 0;
    job_info *snap = NULL;
    int rc = 0;
    for (int k = 0; k < nr && !stop && !over_budget; k++) {
        rung_run *r;
        int m = rung_runs(s, t, n, base.seed, rungs[k], &r);
        if (m < 0) {
            rc = 1;
            break;
        }
        for (int i = 0; i < m; i++) {
            trial *x = &t[r[i].trial];
            if (r[i].cfg.seed == base.seed)
                snprintf(x->run_id, sizeof x->run_id, "%s", r[i].id);
            x->rung = k;
            /* a survivor goes on from its checkpoint at the rung before */
            if (k > 0 && mode != MODE_COLLECT) {
                char prev[64];
                bool existed;
                search_run_id(s, r[i].trial, r[i].cfg.seed, rungs[k - 1], prev, sizeof prev);
                if (run_extend(root, prev, &r[i].cfg, root, r[i].id, &existed, &err) && !quiet)
                    fprintf(stderr, "selfmi search: %s trains from epoch 1: %s\n", r[i].id, err.msg);
            }
        }
        if (mode == MODE_LOCAL)
            stop = !rung_local(q, r, m, s, t0, &over_budget, &snap, &njobs, k, nr, rungs[k], quiet, t);
        else if (mode == MODE_SLURM)
            stop = !rung_slurm(&e, target, root, r, m, t0, &over_budget, quiet, &rc);
        if (stop) {
            free(r);
            if (!rc)
                rc = cli_interrupted ? 130 : 1;
            break;
        }
        /* the rung's scores, from the runs' epochs.csv: a trial's is the
         * mean over its seeds of each one's best */
        for (int i = 0; i < n; i++)
            if (t[i].alive && !t[i].complete) {
                t[i].sum = 0;
                t[i].nok = 0;
                t[i].maxlen = 0;
                t[i].all_short = true;
                t[i].any = false;
            }
        for (int i = 0; i < m; i++) {
            trial *x = &t[r[i].trial];
            char why[512];
            const job_info *ji = mode == MODE_LOCAL && r[i].job >= 0 ? &snap[r[i].job] : NULL;
            if (mode == MODE_LOCAL && r[i].job < 0)
                continue; /* not submitted: failed above */
            run_outcome o = outcome(mode, root, &r[i], ji, over_budget, why, sizeof why);
            if (o == RO_FAILED) {
                x->failed = true;
                snprintf(x->reason, sizeof x->reason, "%s: %s", r[i].id, why);
                continue;
            }
            if (o == RO_NOT_RUN)
                continue;
            char dir[1500];
            snprintf(dir, sizeof dir, "%s/%s", root, r[i].id);
            double *curve;
            int len;
            if (search_curve_read(dir, s->metric, &curve, &len, &err)) {
                if (o == RO_BUDGET)
                    continue; /* stopped before its first epoch */
                x->failed = true;
                snprintf(x->reason, sizeof x->reason, "%s", err.msg);
                continue;
            }
            if (o == RO_BUDGET && len == 0) {
                free(curve);
                continue;
            }
            x->budget |= o == RO_BUDGET;
            x->any = true;
            double v = search_curve_score(curve, len, rungs[k], s->maximise);
            free(curve);
            if (!isnan(v)) {
                x->sum += v;
                x->nok++;
            }
            x->maxlen = len > x->maxlen ? len : x->maxlen;
            x->all_short &= len < rungs[k];
        }
        free(r);
        for (int i = 0; i < n; i++) {
            trial *x = &t[i];
            if (!x->alive || x->complete)
                continue;
            if (x->failed) {
                x->alive = false;
                x->not_run = false;
                continue;
            }
            if (!x->any) {
                /* not run at this rung: the budget, or not finished yet
                 * (--collect); a score of a rung before does not compete */
                x->alive = false;
                x->not_run = true;
                continue;
            }
            x->not_run = false;
            x->score = x->nok ? x->sum / x->nok : NAN;
            x->epochs = x->maxlen;
            x->complete = x->all_short && !x->budget;
            if (x->budget)
                x->alive = false;
        }
        if (k + 1 < nr && !over_budget) {
            double *score = calloc((size_t)n, sizeof *score);
            bool *alive = calloc((size_t)n, sizeof *alive), *keep = calloc((size_t)n, sizeof *keep);
            if (!score || !alive || !keep) {
                free(score), free(alive), free(keep);
                rc = 1;
                break;
            }
            for (int i = 0; i < n; i++) {
                score[i] = t[i].score;
                alive[i] = t[i].alive;
            }
            int kept = search_halving_select(score, alive, n, s->eta, s->maximise, keep);
            for (int i = 0; i < n; i++)
                if (t[i].alive && !keep[i]) {
                    t[i].alive = false;
                    t[i].stopped_early = true;
                }
            if (!quiet)
                fprintf(stderr, "selfmi search: rung %d/%d: %d trials go on to %d epochs\n", k + 1, nr, kept,
                        rungs[k + 1]);
            free(score), free(alive), free(keep);
        }
    }
    bool interrupted = cli_interrupted || rc == 130;
    cli_signals_restore(&old_int, &old_term);
    if (q)
        queue_destroy(q, interrupted);
    free(snap);
    double wall = sm_now() - t0;

    /* the best among the trials that finished training: not stopped by
     * halving nor by the budget */
    int best = -1, unfinished = 0;
    for (int i = 0; i < n; i++) {
        unfinished += t[i].valid && t[i].not_run;
        if (!t[i].valid || t[i].failed || t[i].not_run || t[i].stopped_early || t[i].budget || isnan(t[i].score))
            continue;
        if (best < 0 || (s->maximise ? t[i].score > t[best].score : t[i].score < t[best].score))
            best = i;
    }
    if (!interrupted && !rc) {
        rc = write_search_csv(out, s, t);
        if (!rc && best >= 0)
            rc = write_best_conf(out, target, s, t, best);
    }
    if (!interrupted && !quiet && !rc) {
        fprintf(stderr, "selfmi search: %.0fs; %s/search.csv", wall, out);
        if (best >= 0)
            fprintf(stderr, ", %s/best.conf", out);
        fprintf(stderr, "\n");
        if (mode == MODE_COLLECT && unfinished)
            fprintf(stderr, "selfmi search: %d trials not finished yet (\"not run\" in search.csv)\n", unfinished);
    }
    if (!interrupted && best >= 0 && !rc) {
        printf("best: trial %d, %s %.4f (%d epochs)", best, s->metric, t[best].score, t[best].epochs);
        for (int d = 0; d < s->ndists; d++)
            printf(" %s=%s", s->dists[d].key, t[best].vals[d]);
        printf("\nconfirm on the test set: selfmi grid %s/best.conf\n", out);
    } else if (!interrupted && !rc) {
        fprintf(stderr, "selfmi search: no trial finished\n");
        rc = 1;
    }
    for (int i = 0; i < n && !quiet; i++)
        if (!t[i].valid || t[i].failed)
            fprintf(stderr, "selfmi search: trial %d: %s\n", i, t[i].reason);
    free(t), free(vals);
    exp_free(&e);
    if (interrupted) {
        fprintf(stderr, "selfmi search: interrupted; run it again to continue\n");
        return 130;
    }
    return rc;
}
