/* test_resume.c: the run lock (one holder across threads and processes,
 * released when the holder dies), the interrupted state derived from it,
 * cutting the logs back to a checkpoint's epoch, and run_resume of a run
 * stopped between its log rows and its checkpoint. */
#include "config.h"
#include "train/run.h"
#include "../tap.h"

#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[1024];

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static void put(const runstore *rs, const char *file, const char *text)
{
    sm_err err;
    runstore_file_replace(rs, file, text, strlen(text), &err);
}

static char *get(const runstore *rs, const char *file)
{
    static char buf[4096];
    char path[RUNSTORE_PATH_MAX];
    sm_err err;
    buf[0] = '\0';
    if (runstore_path(rs, file, path, sizeof path, &err) != SM_OK)
        return buf;
    FILE *f = fopen(path, "r");
    if (f) {
        size_t k = fread(buf, 1, sizeof buf - 1, f);
        buf[k] = '\0';
        fclose(f);
    }
    return buf;
}

typedef struct {
    const runstore *rs;
    bool busy;
    sm_status st;
} thread_try;

static void *try_lock(void *arg)
{
    thread_try *t = arg;
    runstore_lock lk;
    sm_err err;
    t->st = runstore_lock_take(&lk, t->rs, &t->busy, NULL, 0, &err);
    runstore_lock_release(&lk);
    return NULL;
}

static void test_lock(const runstore *rs)
{
    sm_err err;
    runstore_lock a, b;
    bool busy = true;
    char who[256];
    tap_ok(!runstore_lock_held(rs, who, sizeof who) && !who[0], "no lock file: not held");
    tap_ok(runstore_lock_take(&a, rs, &busy, NULL, 0, &err) == SM_OK && !busy && a.fd >= 0, "lock taken");
    tap_ok(runstore_lock_held(rs, who, sizeof who), "held while taken");
    char want[64];
    snprintf(want, sizeof want, "pid %ld start ", (long)getpid());
    tap_ok(strncmp(who, want, strlen(want)) == 0 && strstr(who, " boot ") && strstr(who, " host "),
           "the lock names pid, start time, boot id and host: %s", who);
    tap_ok(runstore_lock_take(&b, rs, &busy, who, sizeof who, &err) == SM_OK && busy && b.fd < 0 &&
               strncmp(who, want, strlen(want)) == 0,
           "a second take in the same process is refused, naming the holder");
    thread_try tt = {.rs = rs};
    pthread_t th;
    pthread_create(&th, NULL, try_lock, &tt);
    pthread_join(th, NULL);
    tap_ok(tt.st == SM_OK && tt.busy, "another thread is refused");
    /* another process is refused while we hold it */
    pid_t pid = fork();
    if (pid == 0) {
        runstore_lock c;
        bool bz = false;
        sm_err e;
        _exit(runstore_lock_take(&c, rs, &bz, NULL, 0, &e) == SM_OK && bz ? 0 : 1);
    }
    int ws = 0;
    waitpid(pid, &ws, 0);
    tap_ok(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "another process is refused");

    run_state s;
    put(rs, RUNSTORE_STATUS, "running\n");
    tap_ok(runstore_state(rs, &s, NULL, 0, &err) == SM_OK && s == RUN_RUNNING, "running while the lock is held");
    runstore_lock_release(&a);
    runstore_lock_release(&a);
    tap_ok(!runstore_lock_held(rs, NULL, 0), "released");
    char reason[256];
    tap_ok(runstore_state(rs, &s, reason, sizeof reason, &err) == SM_OK && s == RUN_INTERRUPTED &&
               strncmp(reason, want, strlen(want)) == 0,
           "running without the lock: interrupted, naming the last holder (%s)", reason);
    tap_ok(runstore_status_read(rs, &s, NULL, 0, &err) == SM_OK && s == RUN_RUNNING,
           "the status file itself still says running");
    tap_ok(strcmp(run_state_name(RUN_INTERRUPTED), "interrupted") == 0, "run_state_name(RUN_INTERRUPTED)");

    /* a process that dies holding the lock leaves it free */
    pid = fork();
    if (pid == 0) {
        runstore_lock c;
        bool bz = false;
        sm_err e;
        if (runstore_lock_take(&c, rs, &bz, NULL, 0, &e) != SM_OK || bz)
            _exit(1);
        raise(SIGKILL);
        _exit(1);
    }
    waitpid(pid, &ws, 0);
    tap_ok(WIFSIGNALED(ws) && !runstore_lock_held(rs, NULL, 0), "a killed holder's lock is free");
    tap_ok(runstore_state(rs, &s, NULL, 0, &err) == SM_OK && s == RUN_INTERRUPTED, "and its run interrupted");
    put(rs, RUNSTORE_STATUS, "done\n");
    tap_ok(runstore_state(rs, &s, NULL, 0, &err) == SM_OK && s == RUN_DONE, "done stays done without the lock");
}

static void test_cut(const runstore *rs)
{
    sm_err err;
    put(rs, "e.csv", "epoch,x\n1,a\n2,b\n2,c\n3,d\n4,e\n");
    tap_ok(runstore_log_cut(rs, "e.csv", 2, &err) == SM_OK && strcmp(get(rs, "e.csv"), "epoch,x\n1,a\n2,b\n2,c\n") == 0,
           "cut back to epoch 2");
    tap_ok(runstore_log_cut(rs, "e.csv", 5, &err) == SM_OK && strcmp(get(rs, "e.csv"), "epoch,x\n1,a\n2,b\n2,c\n") == 0,
           "a later epoch keeps everything");
    put(rs, "e.csv", "epoch,x\n1,a\n2,b\n3,tor");
    tap_ok(runstore_log_cut(rs, "e.csv", 3, &err) == SM_OK && strcmp(get(rs, "e.csv"), "epoch,x\n1,a\n2,b\n") == 0,
           "a torn last line goes");
    tap_ok(runstore_log_cut(rs, "e.csv", 0, &err) == SM_OK && strcmp(get(rs, "e.csv"), "epoch,x\n") == 0,
           "epoch 0: the header alone");
    put(rs, "e.csv", "epo");
    tap_ok(runstore_log_cut(rs, "e.csv", 0, &err) == SM_OK && strcmp(get(rs, "e.csv"), "") == 0,
           "a torn header: empty");
    tap_ok(runstore_log_cut(rs, "missing.csv", 1, &err) == SM_OK, "a missing log is fine");
}

typedef struct {
    int stop_epoch;
} stopper;

static void stop_epoch(void *ud, const epoch_record *r)
{
    stopper *s = ud;
    s->stop_epoch = r->epoch;
}

static bool stop_cancel(void *ud)
{
    stopper *s = ud;
    return s->stop_epoch >= 2;
}

static bool same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    bool same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb)
            same = false;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* A run cancelled in epoch 3 (its status rewritten to running, as a kill
 * would leave it), resumed: the same files as a run straight through. */
static void test_resume_run(const char *secs, int want_epoch)
{
    setenv("SELFMI_CHECKPOINT_SECS", secs, 1);
    tap_diag("SELFMI_CHECKPOINT_SECS=%s", secs);
    config c;
    config_defaults(&c, PRESET_SYNTH);
    snprintf(c.dataset, sizeof c.dataset, "synth:small");
    c.max_epochs = 4;
    c.labels = LABELS_MM;
    sm_err err;
    run_summary a, b;
    char ra[1200], rb[1200];
    snprintf(ra, sizeof ra, "%s/a%s", root, secs);
    snprintf(rb, sizeof rb, "%s/b%s", root, secs);
    tap_ok(run_execute(&c, NULL, ra, "r", NULL, &a, &err) == SM_OK, "straight run: %s", err.msg);
    stopper s = {0};
    run_hooks h = {.ud = &s, .on_epoch = stop_epoch, .should_cancel = stop_cancel};
    tap_ok(run_execute(&c, NULL, rb, "r", &h, &b, &err) == SM_ECANCELLED, "stopped in epoch 3");
    runstore rs;
    runstore_open(&rs, rb, "r", &err);
    put(&rs, RUNSTORE_STATUS, "running\n");
    tap_ok(run_start(&c, NULL, rb, "r", RUN_NEW, NULL, &b, &err) == SM_EINVAL && strstr(err.msg, "--resume"),
           "a new run over it is refused with a pointer to --resume: %s", err.msg);
    tap_ok(run_resume(rs.dir, NULL, NULL, &b, &err) == SM_OK && b.resumed && b.resumed_epoch == want_epoch,
           "resumed from epoch %d (%d wanted)", b.resumed_epoch, want_epoch);
    const char *files[] = {"test.csv", "predictions.csv", "labels.csv"};
    for (int i = 0; i < 3; i++) {
        char pa[1400], pb[1400];
        snprintf(pa, sizeof pa, "%s/r/%s", ra, files[i]);
        snprintf(pb, sizeof pb, "%s/r/%s", rb, files[i]);
        tap_ok(same_file(pa, pb), "%s: the same bytes", files[i]);
    }
    tap_ok(b.epochs == a.epochs && b.best_epoch == a.best_epoch && b.test.mae == a.test.mae, "the same summary");
    tap_ok(run_start(&c, NULL, rb, "r", RUN_CONTINUE, NULL, &b, &err) == SM_OK && b.already_done,
           "RUN_CONTINUE over a done run: already done");
    unsetenv("SELFMI_CHECKPOINT_SECS");
}

/* SELFMI_CHECKPOINT_SECS: unset, a number of seconds >= 0, or an error
 * naming it */
static void test_checkpoint_secs(void)
{
    double d = -1;
    sm_err err;
    unsetenv("SELFMI_CHECKPOINT_SECS");
    tap_ok(run_checkpoint_secs(&d, &err) == SM_OK && d == RUN_CHECKPOINT_SECS, "unset: %g s", d);
    setenv("SELFMI_CHECKPOINT_SECS", "0.25", 1);
    tap_ok(run_checkpoint_secs(&d, &err) == SM_OK && d == 0.25, "0.25: %g s", d);
    setenv("SELFMI_CHECKPOINT_SECS", "0", 1);
    tap_ok(run_checkpoint_secs(&d, &err) == SM_OK && d == 0, "0: after every epoch");
    const char *bad[] = { "", "x", "-1", "1s", "nan", "inf", "2 " };
    int refused = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("SELFMI_CHECKPOINT_SECS", bad[i], 1);
        refused += run_checkpoint_secs(&d, &err) == SM_EINVAL && strstr(err.msg, "SELFMI_CHECKPOINT_SECS") &&
                   strstr(err.msg, ">= 0");
    }
    tap_ok(refused == (int)(sizeof bad / sizeof bad[0]), "'', x, -1, 1s, nan, inf, '2 ' refused naming the variable");
    unsetenv("SELFMI_CHECKPOINT_SECS");
}

/* A 2-epoch run continued to 4 (run_extend, then RUN_CONTINUE): the same
 * files as a 4-epoch run from epoch 1; a source of another configuration
 * or not done is refused; an existing target is left alone. */
static void test_extend(void)
{
    config c;
    config_defaults(&c, PRESET_SYNTH);
    snprintf(c.dataset, sizeof c.dataset, "synth:small");
    c.labels = LABELS_MM;
    c.max_epochs = 4;
    config c2 = c;
    c2.max_epochs = 2;
    sm_err err;
    sm_err_clear(&err);
    run_summary a, b;
    char ra[1200], rx[1200];
    snprintf(ra, sizeof ra, "%s/ea", root);
    snprintf(rx, sizeof rx, "%s/ex", root);
    tap_ok(run_execute(&c, NULL, ra, "r4", NULL, &a, &err) == SM_OK, "a 4-epoch run: %s", err.msg);
    tap_ok(run_execute(&c2, NULL, rx, "r2", NULL, &b, &err) == SM_OK, "a 2-epoch run: %s", err.msg);
    bool existed = true;
    tap_ok(run_extend(rx, "r2", &c, rx, "r4", &existed, &err) == SM_OK && !existed, "continued to 4 epochs: %s",
           err.msg);
    runstore rs;
    run_state st = RUN_DONE;
    char why[256];
    tap_ok(runstore_open(&rs, rx, "r4", &err) == SM_OK && runstore_state(&rs, &st, why, sizeof why, &err) == SM_OK &&
               st == RUN_INTERRUPTED,
           "the continued run reads as interrupted");
    tap_ok(run_start(&c, NULL, rx, "r4", RUN_CONTINUE, NULL, &b, &err) == SM_OK && b.resumed && b.resumed_epoch == 2,
           "RUN_CONTINUE resumes it from epoch 2: %s", err.msg);
    const char *files[] = {"test.csv", "predictions.csv", "labels.csv", "checkpoint", "run.conf"};
    for (int i = 0; i < 5; i++) {
        char pa[1400], pb[1400];
        snprintf(pa, sizeof pa, "%s/r4/%s", ra, files[i]);
        snprintf(pb, sizeof pb, "%s/r4/%s", rx, files[i]);
        tap_ok(same_file(pa, pb), "continued %s: the bytes of a run from epoch 1", files[i]);
    }
    tap_ok(b.epochs == 4 && b.best_epoch == a.best_epoch && b.test.mae == a.test.mae, "the same summary");
    tap_ok(run_extend(rx, "r2", &c, rx, "r4", &existed, &err) == SM_OK && existed, "an existing target: left alone");
    config other = c;
    other.lr[GROUP_COUNT - 1] *= 2;
    tap_ok(run_extend(rx, "r2", &other, rx, "r4b", &existed, &err) == SM_EINVAL &&
               strstr(err.msg, "not the configuration"),
           "another configuration is refused: %s", err.msg);
    tap_ok(run_extend(rx, "r2", &c2, rx, "r2b", &existed, &err) == SM_EINVAL, "no more epochs: refused");
    put(&rs, RUNSTORE_STATUS, "running\n");
    config c8 = c;
    c8.max_epochs = 8;
    tap_ok(run_extend(rx, "r4", &c8, rx, "r8", &existed, &err) == SM_EINVAL && strstr(err.msg, "not done"),
           "a source not done is refused: %s", err.msg);
    struct stat sb;
    char aside[1300];
    snprintf(aside, sizeof aside, "%s/.extend", rx);
    tap_ok(stat(aside, &sb) != 0, "nothing left aside");
}

int main(void)
{
    const char *bd = getenv("top_builddir");
    snprintf(root, sizeof root, "%s/tests/unit/test_resume.XXXXXX", bd && *bd ? bd : ".");
    if (!mkdtemp(root)) {
        snprintf(root, sizeof root, "test_resume.XXXXXX");
        if (!mkdtemp(root))
            tap_skip_all("cannot create a temporary directory");
    }
    runstore rs;
    char results[1200];
    sm_err err;
    snprintf(results, sizeof results, "%s/results", root);
    if (runstore_create(&rs, results, "r1", &err) != SM_OK)
        tap_skip_all(err.msg);
    test_lock(&rs);
    test_cut(&rs);
    test_checkpoint_secs();
    /* a checkpoint after every epoch: the resume starts from the last
     * whole epoch's; one an hour (the default's effect on a run this
     * short): there is none, the run starts over, and ends the same */
    test_resume_run("0", 2);
    test_resume_run("3600", 0);
    test_extend();
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return tap_done();
}
