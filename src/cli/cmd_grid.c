/* cmd_grid.c: `selfmi grid`: expands an experiment's grid and runs it on
 * the worker queue without curses (progress lines, then the report table),
 * or writes a Slurm job-array script for it. */
#include "config.h"
#include "cli/cli.h"
#include "exp/expfile.h"
#include "exp/queue.h"
#include "exp/report.h"
#include "exp/results.h"
#include "exp/slurm.h"
#include "rundir/runstore.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void grid_usage(FILE *f)
{
    fprintf(f,
            "Usage: selfmi grid EXPERIMENT [OPTIONS]\n"
            "\n"
            "Expands the experiment's grid (man 5 selfmi-experiment; a NAME without '/'\n"
            "is also looked up in ./experiments and the data directory) and trains every\n"
            "point on N worker threads in this process, one single-threaded run per\n"
            "worker; each run gives exactly what 'selfmi train' gives for its\n"
            "configuration. Runs already done with the same configuration are skipped;\n"
            "failed, cancelled or interrupted ones are moved to OUT/.attic and run again.\n"
            "Progress lines go to stderr, the final table (as selfmi report) to stdout.\n"
            "\n"
            "Options:\n"
            "  --jobs N          worker threads (default: the number of cores)\n"
            "  --out DIR         results root (default results)\n"
            "  --set KEY=VALUE   override a key of the file (repeatable); on a grid axis\n"
            "                    it replaces the axis by this one value\n"
            "  --emit slurm      write OUT/grid.sbatch, a Slurm job array (one task per\n"
            "                    run, each calling selfmi train on OUT/configs/I.conf),\n"
            "                    instead of running (the experiment's [slurm] section sets\n"
            "                    partition, time, memory...; man 5 selfmi-experiment)\n"
            "  --slurm           write OUT/grid.sbatch and submit it with sbatch; prints\n"
            "                    the job id. The tasks run this program unless SELFMI\n"
            "                    names another; a task whose run is done keeps it, one\n"
            "                    whose run was interrupted (requeued, preempted,\n"
            "                    cancelled) resumes it from its checkpoint\n"
            "  --wait            with --slurm: show the array's progress (runs done,\n"
            "                    running, pending, failed, from OUT and squeue) until\n"
            "                    it ends, then the final table\n"
            "  --list            print the grid's runs (id and axis values) and exit\n"
            "  --group-by KEYS, --reference ROW, --format F\n"
            "                    the final table, as selfmi report (defaults: the file's\n"
            "                    [report] section)\n"
            "  --quiet           no progress lines\n"
            "  --help            show this help and exit\n"
            "  --version         show the version and exit\n"
            "\n"
            "Exit status: 0 every run is done, 1 some run failed or was cancelled,\n"
            "2 usage or bad input (or sbatch refused the array), 130 interrupted\n"
            "(--slurm --wait: the array goes on).\n");
}

typedef struct {
    long point;
    config cfg;
    char id[256];
    char label[512];
} grid_run;

/* OUT/configs/<i>.conf for every run, OUT/logs and OUT/grid.sbatch
 * (slurm_array_write); the script's path into script. */
static int emit_slurm(const experiment *e, const grid_run *runs, int n, const char *out, char *script, size_t sn)
{
    const char **ids = calloc((size_t)n + 1, sizeof *ids);
    config *cfgs = calloc((size_t)n + 1, sizeof *cfgs);
    sm_err err;
    sm_err_clear(&err);
    sm_status st = SM_ENOMEM;
    if (ids && cfgs) {
        for (int i = 0; i < n; i++) {
            ids[i] = runs[i].id;
            cfgs[i] = runs[i].cfg;
        }
        st = slurm_array_write(&e->slurm, e->path, cfgs, ids, n, out, script, sn, &err);
    }
    free(ids);
    free(cfgs);
    if (st)
        fprintf(stderr, "selfmi grid: %s\n", st == SM_ENOMEM && !err.msg[0] ? "out of memory" : err.msg);
    return st ? 1 : 0;
}

/* What --wait counts, per run of the array. */
typedef enum { W_PENDING, W_RUNNING, W_DONE, W_FAILED, W_LOST, W_NKINDS } wait_kind;

/* The run's state in the results directory and Slurm's word on its task:
 * one of wait_kind; Slurm's reason for a pending task into reason. */
static wait_kind wait_classify(const char *out, const grid_run *r, const slurm_task *t, char *why, size_t wn)
{
    runstore rs;
    sm_err err;
    run_state s;
    bool known = runstore_open(&rs, out, r->id, &err) == SM_OK &&
                 runstore_state(&rs, &s, why, wn, &err) == SM_OK;
    if (known && s == RUN_DONE)
        return W_DONE;
    if (t && (strcmp(t->state, "PENDING") == 0 || strcmp(t->state, "REQUEUED") == 0 ||
              strcmp(t->state, "REQUEUE_HOLD") == 0 || strcmp(t->state, "SUSPENDED") == 0)) {
        snprintf(why, wn, "%s", t->reason);
        return W_PENDING;
    }
    if (t)
        return W_RUNNING;
    if (known && s == RUN_FAILED)
        return W_FAILED;
    if (!known)
        snprintf(why, wn, "the task ended before its run started");
    else if (s != RUN_FAILED && s != RUN_CANCELLED)
        snprintf(why, wn, "%s: the task ended before its run did", run_state_name(s));
    else if (!why[0])
        snprintf(why, wn, "%s", run_state_name(s));
    return W_LOST;
}

/* --wait: progress of job jobid (array task i = runs[i]) until Slurm lists
 * none of its tasks; then a line for each run that is not done. Returns
 * the number of runs done, or -1 when interrupted. */
static int wait_array(const char *jobid, const grid_run *runs, int n, const char *out, bool quiet)
{
    slurm_task *tasks = calloc((size_t)n + 1, sizeof *tasks);
    const slurm_task **of = calloc((size_t)n + 1, sizeof *of);
    if (!tasks || !of) {
        free(tasks);
        free(of);
        return 0;
    }
    double t0 = sm_now(), last_line = 0;
    int last[W_NKINDS] = {-1, -1, -1, -1, -1}, errors = 0;
    bool finished = false;
    while (!finished && !cli_interrupted) {
        int nt = 0;
        sm_err err;
        sm_err_clear(&err);
        if (slurm_job_tasks(jobid, tasks, n + 1, &nt, &err)) {
            /* the controller may be busy: a few failures in a row end it */
            fprintf(stderr, "selfmi grid: %s\n", err.msg);
            if (++errors >= 5)
                break;
            sleep(2);
            continue;
        }
        errors = 0;
        finished = nt == 0;
        memset(of, 0, ((size_t)n + 1) * sizeof *of);
        for (int k = 0; k < nt; k++)
            if (tasks[k].task >= 0 && tasks[k].task < n)
                of[tasks[k].task] = &tasks[k];
        int c[W_NKINDS] = {0};
        char reason[256] = "";
        for (int i = 0; i < n; i++) {
            char why[256] = "";
            wait_kind w = wait_classify(out, &runs[i], finished ? NULL : of[i], why, sizeof why);
            if (w == W_LOST && !finished)
                w = W_FAILED; /* no longer listed: as good as failed for the count */
            c[w]++;
            if (w == W_PENDING && !reason[0] && why[0])
                snprintf(reason, sizeof reason, " (%s)", why);
        }
        bool changed = memcmp(c, last, sizeof c) != 0;
        if (!quiet && (changed || sm_now() - last_line >= 30 || finished)) {
            fprintf(stderr, "selfmi grid: job %s: %d done, %d running, %d pending%s, %d failed, %.0fs\n", jobid,
                    c[W_DONE], c[W_RUNNING], c[W_PENDING], c[W_PENDING] ? reason : "", c[W_FAILED] + c[W_LOST],
                    sm_now() - t0);
            last_line = sm_now();
        }
        memcpy(last, c, sizeof c);
        /* squeue once a second for the first minute, then every 5 s */
        int ticks = sm_now() - t0 < 60 ? 10 : 50;
        if (!finished)
            for (int s = 0; s < ticks && !cli_interrupted; s++)
                usleep(100000);
    }
    free(of);
    free(tasks);
    if (cli_interrupted) {
        fprintf(stderr, "selfmi grid: interrupted: job %s goes on (scancel %s stops it)\n", jobid, jobid);
        return -1;
    }
    int done = 0;
    for (int i = 0; i < n; i++) {
        char why[256] = "";
        wait_kind w = wait_classify(out, &runs[i], NULL, why, sizeof why);
        if (w == W_DONE) {
            done++;
            continue;
        }
        fprintf(stderr, "selfmi grid: %s: %s; Slurm log %s/logs/%s_%d.out\n", runs[i].label[0] ? runs[i].label : runs[i].id,
                why[0] ? why : "not done", out, jobid, i);
    }
    if (!quiet)
        fprintf(stderr, "selfmi grid: job %s: %d of %d runs done in %.1fs\n", jobid, done, n, sm_now() - t0);
    return done;
}

/* The final table over this grid's runs, as selfmi report. */
static int print_table(const char *out, const grid_run *runs, int n, const experiment *e, const char *group_by,
                       const char *reference, const char *format)
{
    result_set rs = {0};
    sm_err err;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char dir[1400];
        snprintf(dir, sizeof dir, "%s/%s", out, runs[i].id);
        struct stat sb;
        if (stat(dir, &sb) == 0 && results_add(&rs, dir, &err) != SM_OK)
            fprintf(stderr, "selfmi grid: %s\n", err.msg);
    }
    if (rs.n > 0)
        rc = cli_report_print(stdout, &rs, group_by ? group_by : e->group_by, reference ? reference : e->reference,
                              format);
    results_free(&rs);
    return rc;
}

/* --slurm: writes and submits the array; with --wait, follows it. */
static int grid_slurm(const experiment *e, const grid_run *runs, int n, const char *out, bool wait, bool quiet,
                      const char *group_by, const char *reference, const char *format)
{
    char script[1300];
    if (emit_slurm(e, runs, n, out, script, sizeof script))
        return 2;
    char jobid[64];
    sm_err err;
    sm_err_clear(&err);
    if (slurm_submit(script, jobid, sizeof jobid, &err)) {
        fprintf(stderr, "selfmi grid: %s\n", err.msg);
        return 2;
    }
    /* which run each task trains, for the dashboard and report */
    const char **ids = calloc((size_t)n + 1, sizeof *ids);
    int wrc = 1;
    if (ids) {
        for (int i = 0; i < n; i++)
            ids[i] = runs[i].id;
        wrc = slurm_array_record(out, jobid, ids, n, &err) != SM_OK;
        if (wrc)
            fprintf(stderr, "selfmi grid: %s\n", err.msg);
        free(ids);
    }
    if (!quiet)
        fprintf(stderr, "selfmi grid: submitted job %s: %d runs into %s, logs in %s/logs\n", jobid, n, out, out);
    if (!wait) {
        printf("%s\n", jobid);
        return wrc ? 1 : 0;
    }
    struct sigaction old_int, old_term;
    cli_signals_catch(&old_int, &old_term);
    int done = wait_array(jobid, runs, n, out, quiet);
    cli_signals_restore(&old_int, &old_term);
    if (done < 0)
        return 130;
    int rc = done == n && !wrc ? 0 : 1;
    int rrc = print_table(out, runs, n, e, group_by, reference, format);
    return rrc && !rc ? rrc : rc;
}

static void print_finished(const job_info *j, const grid_run *r, int k, int n)
{
    fprintf(stderr, "[%d/%d] %-9s %s", k, n, job_skipped(j) ? "skipped" : run_state_name(j->state),
            r->label[0] ? r->label : r->id);
    if (j->verdict == RD_ELSEWHERE) {
        fprintf(stderr, ": %s", j->reason);
    } else if (j->state == RUN_DONE) {
        const metrics *m = &j->test;
        if (j->sims)
            fprintf(stderr, "  MAE %.4f Corr %.4f Acc2 %.2f F1 %.2f", m->mae, m->corr, 100 * m->acc2, 100 * m->f1);
        else
            fprintf(stderr, "  MAE %.4f Corr %.4f Acc2 %.2f/%.2f F1 %.2f/%.2f", m->mae, m->corr, 100 * m->has0_acc2,
                    100 * m->non0_acc2, 100 * m->has0_f1, 100 * m->non0_f1);
        if (!job_skipped(j))
            fprintf(stderr, "  (%d epochs, %.1fs)", j->epoch, j->seconds);
    } else if (j->state == RUN_FAILED) {
        fprintf(stderr, ": %s", j->reason);
    }
    fprintf(stderr, "\n");
}

int cmd_grid(int argc, char **argv)
{
    const char *target = NULL, *out = "results", *emit = NULL, *group_by = NULL, *reference = NULL,
               *format = NULL;
    int jobs = 0;
    bool quiet = false, list = false, slurm = false, wait = false;
    char **sets = calloc((size_t)argc + 1, sizeof *sets);
    int nsets = 0;
    if (!sets)
        return 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "--help") == 0) {
            grid_usage(stdout);
            free(sets);
            return 0;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else if (strcmp(a, "--list") == 0) {
            list = true;
        } else if (strcmp(a, "--slurm") == 0) {
            slurm = true;
        } else if (strcmp(a, "--wait") == 0) {
            wait = true;
        } else if (strcmp(a, "--jobs") == 0 && more) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1024) {
                fprintf(stderr, "selfmi grid: --jobs %s: expected a number of workers from 1 to 1024\n", argv[i]);
                free(sets);
                return 2;
            }
            jobs = (int)v;
        } else if (strcmp(a, "--out") == 0 && more) {
            out = argv[++i];
        } else if (strcmp(a, "--set") == 0 && more) {
            sets[nsets++] = argv[++i];
        } else if (strcmp(a, "--emit") == 0 && more) {
            emit = argv[++i];
        } else if (strcmp(a, "--group-by") == 0 && more) {
            group_by = argv[++i];
        } else if (strcmp(a, "--reference") == 0 && more) {
            reference = argv[++i];
        } else if (strcmp(a, "--format") == 0 && more) {
            format = argv[++i];
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "selfmi grid: unknown or incomplete option '%s'\nTry 'selfmi grid --help'.\n", a);
            free(sets);
            return 2;
        } else if (!target) {
            target = a;
        } else {
            fprintf(stderr, "selfmi grid: one EXPERIMENT only ('%s' is extra)\n", a);
            free(sets);
            return 2;
        }
    }
    if (!target) {
        fprintf(stderr, "selfmi grid: missing EXPERIMENT\nTry 'selfmi grid --help'.\n");
        free(sets);
        return 2;
    }
    if (emit && strcmp(emit, "slurm") != 0) {
        fprintf(stderr, "selfmi grid: --emit %s: expected slurm\n", emit);
        free(sets);
        return 2;
    }
    if ((slurm && (emit || list)) || (wait && !slurm)) {
        fprintf(stderr, "selfmi grid: %s\n", wait && !slurm ? "--wait goes with --slurm"
                                                             : "--slurm submits: not with --emit or --list");
        free(sets);
        return 2;
    }
    char found[CLI_PATH_MAX + 300];
    experiment e;
    if (cli_experiment_load("grid", target, &e, found, sizeof found)) {
        free(sets);
        return 2;
    }
    target = found;
    sm_err err;
    sm_err_clear(&err);
    for (int i = 0; i < nsets; i++) {
        char kv[1200];
        snprintf(kv, sizeof kv, "%s", sets[i]);
        char *eq = strchr(kv, '=');
        if (!eq) {
            fprintf(stderr, "selfmi grid: --set %s: expected KEY=VALUE\n", sets[i]);
            exp_free(&e);
            free(sets);
            return 2;
        }
        *eq = '\0';
        char *k = kv, *v = eq + 1;
        while (*k == ' ')
            k++;
        for (size_t n = strlen(k); n && k[n - 1] == ' ';)
            k[--n] = '\0';
        if (exp_override(&e, k, v, &err)) {
            fprintf(stderr, "selfmi grid: --set %s: %s\n", sets[i], err.msg);
            exp_free(&e);
            free(sets);
            return 2;
        }
    }
    free(sets);
    long npoints = exp_grid_size(&e);
    if (npoints > 100000) {
        fprintf(stderr, "selfmi grid: %s: a grid of %ld runs (at most 100000)\n", target, npoints);
        exp_free(&e);
        return 2;
    }
    grid_run *runs = calloc((size_t)npoints, sizeof *runs);
    if (!runs) {
        exp_free(&e);
        return 2;
    }
    /* points that resolve to the same configuration (the same run id) run
     * once: a hash set of the ids kept so far */
    exp_idset seen;
    if (exp_idset_init(&seen, (size_t)npoints, &err)) {
        fprintf(stderr, "selfmi grid: %s\n", err.msg);
        free(runs);
        exp_free(&e);
        return 1;
    }
    int n = 0, dups = 0;
    run_identity_cache ident = {0};
    for (long p = 0; p < npoints; p++) {
        grid_run *r = &runs[n];
        if (exp_grid_point(&e, p, &r->cfg, &err)) {
            fprintf(stderr, "selfmi grid: %s\n", err.msg);
            exp_idset_free(&seen);
            free(runs);
            exp_free(&e);
            return 2;
        }
        r->point = p;
        run_identity_cached(&r->cfg, &ident);
        run_default_id(&r->cfg, r->id, sizeof r->id);
        int added = exp_idset_add(&seen, r->id, &err);
        if (added < 0) {
            fprintf(stderr, "selfmi grid: %s\n", err.msg);
            exp_idset_free(&seen);
            free(runs);
            exp_free(&e);
            return 1;
        }
        if (added) {
            exp_grid_label(&e, p, r->label, sizeof r->label);
            n++;
        } else {
            dups++;
        }
    }
    exp_idset_free(&seen);
    if (dups && !quiet)
        fprintf(stderr, "selfmi grid: %d grid points repeat another point's configuration and run once\n", dups);
    if (list) {
        for (int i = 0; i < n; i++)
            printf("%s\t%s\n", runs[i].id, runs[i].label);
        free(runs);
        exp_free(&e);
        return 0;
    }
    if (emit) {
        char script[1300];
        int rc = emit_slurm(&e, runs, n, out, script, sizeof script);
        if (!rc)
            printf("%s\n", script);
        free(runs);
        exp_free(&e);
        return rc ? 1 : 0;
    }
    if (slurm) {
        int rc = grid_slurm(&e, runs, n, out, wait, quiet, group_by, reference, format);
        free(runs);
        exp_free(&e);
        return rc;
    }

    queue *q;
    if (queue_create(&q, jobs, out, &err)) {
        fprintf(stderr, "selfmi grid: %s\n", err.msg);
        free(runs);
        exp_free(&e);
        return 2;
    }
    /* bad data is bad input: every distinct dataset loads before any run */
    for (int i = 0; i < n; i++) {
        if (queue_preload(q, &runs[i].cfg, &err)) {
            fprintf(stderr, "selfmi grid: %s\n", err.msg);
            cli_dataset_hint("grid", runs[i].cfg.dataset, e.dir);
            queue_destroy(q, true);
            free(runs);
            exp_free(&e);
            return 2;
        }
    }
    struct sigaction old_int, old_term;
    cli_signals_catch(&old_int, &old_term);
    double t0 = sm_now();
    size_t cap = (size_t)(n > 0 ? n : 0) + 1;
    int *job_of = calloc(cap, sizeof *job_of);
    job_info *snap = calloc(cap, sizeof *snap);
    bool *reported = calloc(cap, sizeof *reported);
    int rc = 0;
    if (!job_of || !snap || !reported) {
        rc = 2;
        goto end;
    }
    for (int i = 0; i < n; i++) {
        job_of[i] = queue_submit(q, &runs[i].cfg, runs[i].id, &err);
        if (job_of[i] < 0) {
            fprintf(stderr, "selfmi grid: %s: %s\n", runs[i].id, err.msg);
            queue_destroy(q, true);
            q = NULL;
            rc = 2;
            goto end;
        }
    }
    if (!quiet)
        fprintf(stderr, "selfmi grid: %d runs on %d workers into %s\n", n, queue_workers(q), out);
    int finished = 0;
    double last_status = sm_now();
    bool cancelled = false;
    for (;;) {
        if (cli_interrupted && !cancelled) {
            fprintf(stderr, "selfmi grid: interrupted: cancelling the running jobs\n");
            queue_cancel_all(q);
            cancelled = true;
        }
        int m = queue_snapshot(q, snap, n + 1);
        for (int i = 0; i < m && i <= n; i++) {
            if (reported[i] || job_active(&snap[i]))
                continue;
            reported[i] = true;
            finished++;
            int r = 0;
            while (r < n && job_of[r] != i)
                r++;
            if (!quiet && r < n)
                print_finished(&snap[i], &runs[r], finished, n);
        }
        if (finished >= m)
            break;
        if (!quiet && sm_now() - last_status > 30) {
            int c[QUEUE_NCOUNTS];
            queue_counts(q, c);
            fprintf(stderr, "selfmi grid: %d running, %d queued, %d finished, %.0fs\n", c[RUN_RUNNING],
                    c[RUN_QUEUED], finished, sm_now() - t0);
            last_status = sm_now();
        }
        struct pollfd pfd = {.fd = queue_wake_fd(q), .events = POLLIN};
        if (poll(&pfd, 1, 1000) > 0) {
            char drain[256];
            while (read(pfd.fd, drain, sizeof drain) > 0)
                ;
        }
    }
    int c[QUEUE_NCOUNTS];
    queue_counts(q, c);
    if (!quiet)
        fprintf(stderr, "selfmi grid: %d done, %d skipped (already done), %d failed, %d cancelled in %.1fs\n",
                c[RUN_DONE], c[QUEUE_SKIPPED], c[RUN_FAILED], c[RUN_CANCELLED], sm_now() - t0);
    rc = c[RUN_FAILED] || c[RUN_CANCELLED] ? 1 : 0;
    int rrc = print_table(out, runs, n, &e, group_by, reference, format);
    if (rrc && !rc)
        rc = rrc;
    if (cli_interrupted)
        rc = 130;
end:
    queue_destroy(q, true);
    cli_signals_restore(&old_int, &old_term);
    free(job_of);
    free(snap);
    free(reported);
    free(runs);
    exp_free(&e);
    return rc;
}
