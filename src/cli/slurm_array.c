/* slurm_array.c: a job array of runs on Slurm for grid --slurm and search
 * --slurm: write it (slurm_array_write), submit it, record its runs, and
 * follow it until Slurm lists none of its tasks. */
#include "config.h"
#include "cli/cli.h"
#include "exp/slurm.h"
#include "rundir/runstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_array_emit(const cli_array *a, char *script, size_t sn)
{
    sm_err err;
    sm_err_clear(&err);
    sm_status st = slurm_array_write(a->opts, a->title, a->cfgs, a->ids, a->n, a->out, script, sn, &err);
    if (st)
        fprintf(stderr, "selfmi %s: %s\n", a->cmd, st == SM_ENOMEM && !err.msg[0] ? "out of memory" : err.msg);
    return st ? 1 : 0;
}

int cli_array_submit(const cli_array *a, char *jobid, size_t jn)
{
    char script[1300];
    if (cli_array_emit(a, script, sizeof script))
        return 2;
    sm_err err;
    sm_err_clear(&err);
    if (slurm_submit(script, jobid, jn, &err)) {
        fprintf(stderr, "selfmi %s: %s\n", a->cmd, err.msg);
        return 2;
    }
    /* which run each task trains, for the dashboard and report */
    int rc = 0;
    if (slurm_array_record(a->out, jobid, a->ids, a->n, &err)) {
        fprintf(stderr, "selfmi %s: %s\n", a->cmd, err.msg);
        rc = 1;
    }
    if (!a->quiet)
        fprintf(stderr, "selfmi %s: submitted job %s: %d runs into %s, logs in %s/logs\n", a->cmd, jobid, a->n,
                a->out, a->out);
    return rc;
}

/* What waiting counts, per run of the array. */
typedef enum { W_PENDING, W_RUNNING, W_DONE, W_FAILED, W_LOST, W_NKINDS } wait_kind;

/* The run's state in the results directory and Slurm's word on its task:
 * one of wait_kind; Slurm's reason for a pending task into why. */
static wait_kind wait_classify(const char *out, const char *id, const slurm_task *t, char *why, size_t wn)
{
    runstore rs;
    sm_err err;
    run_state s;
    bool known = runstore_open(&rs, out, id, &err) == SM_OK && runstore_state(&rs, &s, why, wn, &err) == SM_OK;
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

int cli_array_wait(const cli_array *a, const char *jobid, double deadline, bool *expired)
{
    int n = a->n;
    if (expired)
        *expired = false;
    slurm_task *tasks = calloc((size_t)n + 1, sizeof *tasks);
    const slurm_task **of = calloc((size_t)n + 1, sizeof *of);
    if (!tasks || !of) {
        free(tasks);
        free(of);
        return 0;
    }
    double t0 = sm_now(), last_line = 0;
    int last[W_NKINDS] = {-1, -1, -1, -1, -1}, errors = 0;
    bool finished = false, cancelled = false;
    while (!finished && !cli_interrupted) {
        sm_err err;
        sm_err_clear(&err);
        if (deadline > 0 && !cancelled && sm_now() >= deadline) {
            /* the time budget: what still runs or waits stops now */
            if (slurm_cancel(jobid, &err))
                fprintf(stderr, "selfmi %s: %s\n", a->cmd, err.msg);
            cancelled = true;
            if (expired)
                *expired = true;
        }
        int nt = 0;
        if (slurm_job_tasks(jobid, tasks, n + 1, &nt, &err)) {
            /* the controller may be busy: a few failures in a row end it */
            fprintf(stderr, "selfmi %s: %s\n", a->cmd, err.msg);
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
            wait_kind w = wait_classify(a->out, a->ids[i], finished ? NULL : of[i], why, sizeof why);
            if (w == W_LOST && !finished)
                w = W_FAILED; /* no longer listed: as good as failed for the count */
            c[w]++;
            if (w == W_PENDING && !reason[0] && why[0])
                snprintf(reason, sizeof reason, " (%s)", why);
        }
        bool changed = memcmp(c, last, sizeof c) != 0;
        if (!a->quiet && (changed || sm_now() - last_line >= 30 || finished)) {
            fprintf(stderr, "selfmi %s: job %s: %d done, %d running, %d pending%s, %d failed, %.0fs\n", a->cmd,
                    jobid, c[W_DONE], c[W_RUNNING], c[W_PENDING], c[W_PENDING] ? reason : "",
                    c[W_FAILED] + c[W_LOST], sm_now() - t0);
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
        fprintf(stderr, "selfmi %s: interrupted: job %s goes on (scancel %s stops it)\n", a->cmd, jobid, jobid);
        return -1;
    }
    int done = 0;
    for (int i = 0; i < n; i++) {
        char why[256] = "";
        wait_kind w = wait_classify(a->out, a->ids[i], NULL, why, sizeof why);
        if (w == W_DONE) {
            done++;
            continue;
        }
        if (!cancelled)
            fprintf(stderr, "selfmi %s: %s: %s; Slurm log %s/logs/%s_%d.out\n", a->cmd,
                    a->labels && a->labels[i][0] ? a->labels[i] : a->ids[i], why[0] ? why : "not done", a->out,
                    jobid, i);
    }
    if (!a->quiet)
        fprintf(stderr, "selfmi %s: job %s: %d of %d runs done in %.1fs\n", a->cmd, jobid, done, n, sm_now() - t0);
    return done;
}
