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

/* The array of the grid's runs (ids and cfgs allocated here: free them). */
static bool grid_array(const experiment *e, const grid_run *runs, int n, const char *out, bool quiet, cli_array *a)
{
    const char **ids = calloc((size_t)n + 1, sizeof *ids), **labels = calloc((size_t)n + 1, sizeof *labels);
    config *cfgs = calloc((size_t)n + 1, sizeof *cfgs);
    if (!ids || !labels || !cfgs) {
        free(ids), free(labels), free(cfgs);
        fprintf(stderr, "selfmi grid: out of memory\n");
        return false;
    }
    for (int i = 0; i < n; i++) {
        ids[i] = runs[i].id;
        labels[i] = runs[i].label;
        cfgs[i] = runs[i].cfg;
    }
    *a = (cli_array){.cmd = "grid", .opts = &e->slurm, .title = e->path, .out = out, .cfgs = cfgs, .ids = ids,
                     .labels = labels, .n = n, .quiet = quiet};
    return true;
}

static void grid_array_free(cli_array *a)
{
    free((void *)a->ids);
    free((void *)a->labels);
    free((void *)a->cfgs);
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
    cli_array a;
    if (!grid_array(e, runs, n, out, quiet, &a))
        return 2;
    char jobid[64];
    int wrc = cli_array_submit(&a, jobid, sizeof jobid);
    if (wrc == 2 || !wait) {
        if (wrc != 2)
            printf("%s\n", jobid);
        grid_array_free(&a);
        return wrc;
    }
    struct sigaction old_int, old_term;
    cli_signals_catch(&old_int, &old_term);
    int done = cli_array_wait(&a, jobid, 0, NULL);
    cli_signals_restore(&old_int, &old_term);
    grid_array_free(&a);
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
        cli_array a;
        int rc = 1;
        if (grid_array(&e, runs, n, out, quiet, &a)) {
            rc = cli_array_emit(&a, script, sizeof script);
            grid_array_free(&a);
        }
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
