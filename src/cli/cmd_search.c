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
            "rung (min_epochs * eta^k epochs) and only the best 1/eta go on.\n"
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
            "  --emit slurm      random search: write OUT/trials/grid.sbatch, a Slurm job\n"
            "                    array of every trial's runs (the file's [slurm] section),\n"
            "                    instead of running; once it has run, selfmi search again\n"
            "                    keeps the runs and writes search.csv and best.conf\n"
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
    double score;
    int epochs;
    char run_id[256];        /* the first seed's last run */
    int *jobs;               /* (seeds) queue job ids of this rung, -1 = none */
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
        csvw_str(&w, !t[i].valid ? "invalid" : t[i].failed ? "failed" : t[i].not_run ? "not run" : "done");
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

/* --emit slurm: every valid trial's runs (trials known in advance: random
 * search only) as a job array into root. */
static int emit_slurm(const experiment *e, const char *target, const char *root, const trial *t, int n)
{
    const search_spec *s = &e->search;
    if (s->method != SEARCH_RANDOM) {
        fprintf(stderr, "selfmi search: --emit slurm: random search only (halving chooses each rung's trials "
                "from the rung before; run it with selfmi search)\n");
        return 2;
    }
    size_t cap = (size_t)n * (size_t)s->seeds + 1;
    config *cfgs = calloc(cap, sizeof *cfgs);
    char (*idbuf)[64] = calloc(cap, sizeof *idbuf);
    const char **ids = calloc(cap, sizeof *ids);
    int m = 0;
    sm_err err;
    sm_err_clear(&err);
    sm_status st = cfgs && idbuf && ids ? SM_OK : SM_ENOMEM;
    for (int i = 0; i < n && !st; i++) {
        if (!t[i].valid) {
            fprintf(stderr, "selfmi search: trial %d left out: %s\n", i, t[i].reason);
            continue;
        }
        for (int j = 0; j < s->seeds; j++) {
            cfgs[m] = t[i].cfg;
            cfgs[m].seed = t[i].cfg.seed + (unsigned long)j;
            search_run_id(s, i, cfgs[m].seed, cfgs[m].max_epochs, idbuf[m], sizeof idbuf[m]);
            ids[m] = idbuf[m];
            m++;
        }
    }
    char script[1200];
    if (!st)
        st = slurm_array_write(&e->slurm, target, cfgs, ids, m, root, script, sizeof script, &err);
    free(cfgs);
    free(idbuf);
    free(ids);
    if (st) {
        fprintf(stderr, "selfmi search: %s\n", st == SM_ENOMEM && !err.msg[0] ? "out of memory" : err.msg);
        return 1;
    }
    printf("%s\n", script);
    return 0;
}

int cmd_search(int argc, char **argv)
{
    const char *target = NULL, *out_arg = NULL, *method = NULL, *emit = NULL;
    int jobs = 0;
    bool quiet = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "--help") == 0) {
            search_usage(stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = true;
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
    int *jobids = calloc((size_t)n * (size_t)s->seeds, sizeof *jobids);
    if (!t || !vals || !jobids) {
        fprintf(stderr, "selfmi search: out of memory\n");
        free(t), free(vals), free(jobids);
        exp_free(&e);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        trial *x = &t[i];
        x->vals = vals + (size_t)i * (size_t)s->ndists;
        x->jobs = jobids + (size_t)i * (size_t)s->seeds;
        x->score = NAN;
        x->valid = search_trial_config(s, &base, i, &x->cfg, x->vals, &err) == SM_OK;
        if (!x->valid)
            snprintf(x->reason, sizeof x->reason, "%s", err.msg);
        x->alive = x->valid;
        x->not_run = true;
    }

    if (emit) {
        int rc = emit_slurm(&e, target, root, t, n);
        free(t), free(vals), free(jobids);
        exp_free(&e);
        return rc;
    }

    int rungs[SEARCH_RUNGS_MAX];
    int nr = s->method == SEARCH_HALVING ? search_rungs(s->min_epochs, s->eta, base.max_epochs, rungs, SEARCH_RUNGS_MAX)
                                         : (rungs[0] = base.max_epochs, 1);
    if (!quiet)
        fprintf(stderr, "selfmi search: %s: %d trials (%s, %d seed(s) each) on %s into %s\n", target, n,
                s->method == SEARCH_HALVING ? "halving" : "random", s->seeds, s->metric, out);

    queue *q = NULL;
    if (queue_create(&q, jobs, root, &err) || queue_preload(q, &base, &err)) {
        fprintf(stderr, "selfmi search: %s\n", err.msg);
        if (q) {
            cli_dataset_hint("search", base.dataset, e.dir);
            queue_destroy(q, true);
        }
        free(t), free(vals), free(jobids);
        exp_free(&e);
        return 2;
    }
    struct sigaction old_int, old_term;
    cli_signals_catch(&old_int, &old_term);

    double t0 = sm_now();
    bool over_budget = false;
    int njobs = 0;
    job_info *snap = NULL;
    int rc = 0;
    for (int k = 0; k < nr && !cli_interrupted && !over_budget; k++) {
        int submitted = 0;
        for (int i = 0; i < n; i++) {
            trial *x = &t[i];
            for (int j = 0; j < s->seeds; j++)
                x->jobs[j] = -1;
            if (!x->alive || x->complete)
                continue;
            for (int j = 0; j < s->seeds; j++) {
                config c = x->cfg;
                c.seed = base.seed + (unsigned long)j;
                c.max_epochs = rungs[k];
                char id[256];
                search_run_id(s, i, c.seed, rungs[k], id, sizeof id);
                if (j == 0)
                    snprintf(x->run_id, sizeof x->run_id, "%s", id);
                x->jobs[j] = queue_submit(q, &c, id, &err);
                if (x->jobs[j] < 0) {
                    x->failed = true;
                    snprintf(x->reason, sizeof x->reason, "%s", err.msg);
                } else {
                    submitted++;
                    njobs++;
                }
            }
            x->rung = k;
        }
        job_info *ns = realloc(snap, (size_t)(njobs + 1) * sizeof *ns);
        if (!ns) {
            rc = 1;
            break;
        }
        snap = ns;
        int reported = 0;
        for (;;) {
            bool finished = queue_wait_for(q, 1.0);
            if (cli_interrupted)
                break;
            int m = queue_snapshot(q, snap, njobs);
            int done = 0;
            for (int i = 0; i < m; i++)
                done += !job_active(&snap[i]);
            if (!quiet && done > reported) {
                fprintf(stderr, "selfmi search: rung %d/%d (%d epochs): %d of %d runs finished, %.0fs\n", k + 1, nr,
                        rungs[k], done - (njobs - submitted), submitted, sm_now() - t0);
                reported = done;
            }
            if (!over_budget && s->time_budget > 0 && sm_now() - t0 > s->time_budget) {
                /* no trial starts after the budget: the queued ones are cancelled */
                over_budget = true;
                for (int i = 0; i < m; i++)
                    if (snap[i].state == RUN_QUEUED && !job_skipped(&snap[i]))
                        queue_cancel(q, snap[i].id);
                if (!quiet)
                    fprintf(stderr, "selfmi search: the time budget is spent: no further trials start\n");
            }
            if (finished)
                break;
        }
        if (cli_interrupted)
            break;
        queue_snapshot(q, snap, njobs);
        /* the rung's scores, from the runs' epochs.csv */
        for (int i = 0; i < n; i++) {
            trial *x = &t[i];
            if (!x->alive)
                continue;
            if (x->complete)
                continue;
            double sum = 0;
            int nok = 0, maxlen = 0;
            bool all_short = true, any = false;
            for (int j = 0; j < s->seeds; j++) {
                if (x->jobs[j] < 0)
                    continue;
                const job_info *ji = &snap[x->jobs[j]];
                bool ok = ji->state == RUN_DONE;
                if (!ok) {
                    if (ji->state == RUN_CANCELLED && over_budget)
                        continue;
                    x->failed = true;
                    snprintf(x->reason, sizeof x->reason, "%s", ji->reason);
                    continue;
                }
                char id[256], dir[1500];
                search_run_id(s, i, base.seed + (unsigned long)j, rungs[k], id, sizeof id);
                snprintf(dir, sizeof dir, "%s/%s", root, id);
                double *curve;
                int len;
                if (search_curve_read(dir, s->metric, &curve, &len, &err)) {
                    x->failed = true;
                    snprintf(x->reason, sizeof x->reason, "%s", err.msg);
                    continue;
                }
                any = true;
                double v = search_curve_score(curve, len, rungs[k], s->maximise);
                free(curve);
                if (!isnan(v)) {
                    sum += v;
                    nok++;
                }
                maxlen = len > maxlen ? len : maxlen;
                all_short &= len < rungs[k];
            }
            if (x->failed) {
                x->alive = false;
                x->not_run = false;
                continue;
            }
            if (!any) {
                x->alive = false; /* cancelled by the budget */
                continue;
            }
            x->not_run = false;
            x->score = nok ? sum / nok : NAN;
            x->epochs = maxlen;
            x->complete = all_short;
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
    bool interrupted = cli_interrupted;
    cli_signals_restore(&old_int, &old_term);
    queue_destroy(q, interrupted);
    free(snap);
    double wall = sm_now() - t0;

    int best = -1;
    for (int i = 0; i < n; i++) {
        if (!t[i].valid || t[i].failed || t[i].not_run || t[i].stopped_early || isnan(t[i].score))
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
    free(t), free(vals), free(jobids);
    exp_free(&e);
    if (interrupted) {
        fprintf(stderr, "selfmi search: interrupted; run it again to continue\n");
        return 130;
    }
    return rc;
}
