/* cmd_grid.c: `selfmi grid`: expands an experiment's grid and runs it on
 * the worker queue without curses (progress lines, then the report table),
 * or writes a Slurm job-array script for it. */
#include "config.h"
#include "cli/cli.h"
#include "exp/expfile.h"
#include "exp/queue.h"
#include "exp/report.h"
#include "exp/results.h"
#include "base/fsutil.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t grid_interrupted;

static void on_signal(int sig)
{
    (void)sig;
    grid_interrupted = 1;
}

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
            "                    instead of running\n"
            "  --list            print the grid's runs (id and axis values) and exit\n"
            "  --group-by KEYS, --reference ROW, --format F\n"
            "                    the final table, as selfmi report (defaults: the file's\n"
            "                    [report] section)\n"
            "  --quiet           no progress lines\n"
            "  --help            show this help and exit\n"
            "  --version         show the version and exit\n"
            "\n"
            "Exit status: 0 every run is done, 1 some run failed or was cancelled,\n"
            "2 usage or bad input, 130 interrupted.\n");
}

typedef struct {
    long point;
    config cfg;
    char id[256];
    char label[512];
} grid_run;

/* Writes text to path atomically (sm_atomic), executable when exec. */
static int write_atomic(const char *path, const char *text, size_t n, bool exec)
{
    sm_err err;
    sm_atomic a;
    sm_status st = sm_atomic_open(&a, path, &err);
    if (!st && exec && fchmod(a.fd, 0755) != 0)
        st = sm_err_set(&err, SM_EIO, "%s: cannot make it executable: %s", path, strerror(errno));
    if (!st)
        st = sm_atomic_write(&a, text, n, &err);
    if (!st)
        st = sm_atomic_commit(&a, &err);
    sm_atomic_abort(&a);
    if (st) {
        fprintf(stderr, "selfmi grid: %s\n", err.msg);
        return 1;
    }
    return 0;
}

static int mkdir_p(const char *dir)
{
    sm_err err;
    if (sm_mkdirs(dir, &err) != SM_OK) {
        fprintf(stderr, "selfmi grid: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* Single-quoted for sh. */
static void sh_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

static int emit_slurm(const experiment *e, const grid_run *runs, int n, const char *out)
{
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/configs", out);
    if (mkdir_p(dir) != 0)
        return 1;
    for (int i = 0; i < n; i++) {
        char path[1300], *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (!m)
            return 1;
        config_write(&runs[i].cfg, m);
        fclose(m);
        snprintf(path, sizeof path, "%s/%d.conf", dir, i);
        int rc = write_atomic(path, buf, len, false);
        free(buf);
        if (rc)
            return rc;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return 1;
    fprintf(f, "#!/bin/bash\n"
               "# Slurm job array for the experiment %s: %d runs, one per array task.\n"
               "# Submit from any directory: sbatch %s/grid.sbatch\n"
               "# Each task trains OUT/configs/<task>.conf with selfmi train into OUT, the\n"
               "# same results layout as selfmi grid; selfmi report OUT reads them.\n",
            e->path, n, out);
    fprintf(f, "#SBATCH --job-name=selfmi-grid\n#SBATCH --array=0-%d\n#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n"
               "#SBATCH --output=%s/logs/%%A_%%a.out\n\n",
            n - 1, out);
    fprintf(f, "set -eu\nexport OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1\n");
    fprintf(f, "SELFMI=${SELFMI:-selfmi}\nOUT=");
    char absout[1200];
    if (out[0] != '/' && getcwd(absout, sizeof absout)) {
        size_t k = strlen(absout);
        snprintf(absout + k, sizeof absout - k, "/%s", out);
    } else {
        snprintf(absout, sizeof absout, "%s", out);
    }
    sh_quote(f, absout);
    fprintf(f, "\nIDS=(\n");
    for (int i = 0; i < n; i++) {
        fputs("  ", f);
        sh_quote(f, runs[i].id);
        fputc('\n', f);
    }
    fprintf(f, ")\n"
               "I=${SLURM_ARRAY_TASK_ID:?run as a Slurm array task, or set SLURM_ARRAY_TASK_ID}\n"
               "ID=${IDS[$I]}\n"
               "mkdir -p \"$OUT/logs\"\n"
               "# a finished run is kept; a failed or interrupted one is moved aside\n"
               "if [ -d \"$OUT/$ID\" ]; then\n"
               "  if [ \"$(head -n1 \"$OUT/$ID/status\" 2>/dev/null)\" = done ]; then\n"
               "    echo \"$ID: already done\"; exit 0\n"
               "  fi\n"
               "  mkdir -p \"$OUT/.attic\"\n"
               "  mv \"$OUT/$ID\" \"$OUT/.attic/$ID.$(date +%%s).$$\"\n"
               "fi\n"
               "exec \"$SELFMI\" train \"$OUT/configs/$I.conf\" --out \"$OUT\" --run-id \"$ID\"\n");
    fclose(f);
    char path[1300];
    snprintf(path, sizeof path, "%s/grid.sbatch", out);
    if (mkdir_p(out) != 0) {
        free(buf);
        return 1;
    }
    int rc = write_atomic(path, buf, len, true);
    free(buf);
    if (!rc)
        printf("%s\n", path);
    return rc;
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
    bool quiet = false, list = false;
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
    char found[CLI_PATH_MAX + 300];
    if (cli_experiment_find(target, found, sizeof found))
        target = found;
    experiment e;
    sm_err err;
    sm_err_clear(&err);
    if (exp_load(&e, target, &err)) {
        fprintf(stderr, "selfmi grid: %s\n", err.msg);
        free(sets);
        return 2;
    }
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
        int rc = emit_slurm(&e, runs, n, out);
        free(runs);
        exp_free(&e);
        return rc ? 1 : 0;
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
        if (queue_preload(q, runs[i].cfg.dataset, &err)) {
            fprintf(stderr, "selfmi grid: %s\n", err.msg);
            queue_destroy(q, true);
            free(runs);
            exp_free(&e);
            return 2;
        }
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
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
        if (grid_interrupted && !cancelled) {
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
    /* the final table over this grid's runs */
    result_set rs = {0};
    for (int i = 0; i < n; i++) {
        char dir[1400];
        snprintf(dir, sizeof dir, "%s/%s", out, runs[i].id);
        struct stat sb;
        if (stat(dir, &sb) == 0 && results_add(&rs, dir, &err) != SM_OK)
            fprintf(stderr, "selfmi grid: %s\n", err.msg);
    }
    if (rs.n > 0) {
        int rrc = cli_report_print(stdout, &rs, group_by ? group_by : e.group_by,
                                   reference ? reference : e.reference, format);
        if (rrc && !rc)
            rc = rrc;
    }
    results_free(&rs);
    if (grid_interrupted)
        rc = 130;
end:
    queue_destroy(q, true);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(job_of);
    free(snap);
    free(reported);
    free(runs);
    exp_free(&e);
    return rc;
}
