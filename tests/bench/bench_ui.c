/* bench_ui.c: the dashboard's responsiveness.
 *
 *   1. frame times: the Grid view with 40 runs (10 configurations x 4
 *      seeds), and the other views, rendered into the off-screen grid;
 *   2. keypress latency with two workers training: selfmi runs in a
 *      pseudo-terminal, two runs are started with n, then view keys are
 *      sent and the time until the new view's text arrives is measured;
 *   3. idle CPU: the same dashboard with nothing running, CPU time over 5 s.
 *
 * Run: make bench (or tests/bench/bench_ui from the build directory; it
 * needs $SELFMI or ./selfmi for parts 2 and 3). */
#include "config.h"
#include "ui/app.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void write_runs(const char *root)
{
    mkdir(root, 0777);
    static const char *const tasks[10] = {"M", "M,T", "M,A", "M,V", "M,T,A", "M,T,V", "M,A,V", "M,T,A,V", "M,T", "M,A"};
    static const char *const cpc[10] = {"mt,ma,mv", "mt,ma,mv", "mt,ma,mv", "mt,ma,mv", "mt,ma,mv", "mt,ma,mv",
                                        "mt,ma,mv", "mt,ma,mv", "ma,mv", "mt,mv"};
    for (int c = 0; c < 10; c++)
        for (int s = 0; s < 4; s++) {
            char dir[1024], p[1200];
            snprintf(dir, sizeof dir, "%s/run-%02d-s%d", root, c, s);
            mkdir(dir, 0777);
            snprintf(p, sizeof p, "%s/run.conf", dir);
            FILE *f = fopen(p, "w");
            fprintf(f, "dataset = synth:small\nseed = %d\nlabels = mi\ntasks = %s\ncpc_terms = %s\nmax_epochs = 40\n"
                       "early_stop = 8\n", 1111 + s, tasks[c], cpc[c]);
            fclose(f);
            snprintf(p, sizeof p, "%s/status", dir);
            f = fopen(p, "w");
            fputs("done\n", f);
            fclose(f);
            snprintf(p, sizeof p, "%s/epochs.csv", dir);
            f = fopen(p, "w");
            fprintf(f, "epoch,seconds,loss,l17,l_m,l_t,l_a,l_v,cpc_mt,cpc_ma,cpc_mv,task_t,task_a,task_v,val_mae,"
                       "val_corr,val_acc2_has0,val_f1_has0,best_epoch,best_val_mae,patience\n");
            for (int e = 1; e <= 40; e++)
                fprintf(f, "%d,0.3,%g,%g,%g,0.1,0.1,0.1,3.2,3.3,3.1,0.1,0.1,0.1,%g,%g,%g,%g,%d,%g,%d\n", e, 3.0 / e,
                        2.0 / e, 1.0 / e, 0.7 + 0.5 / e + 0.001 * c, 0.6 - 0.3 / e, 0.7, 0.69, e, 0.7, 0);
            fclose(f);
            snprintf(p, sizeof p, "%s/test.csv", dir);
            f = fopen(p, "w");
            fprintf(f, "mae,corr,acc2_has0,f1_has0,acc2_non0,f1_non0,acc5,acc7,best_epoch,epochs\n"
                       "%g,%g,%g,%g,%g,%g,0.4,0.35,30,40\n", 0.72 + 0.01 * c + 0.003 * s, 0.7 - 0.01 * c,
                    0.8 - 0.002 * s, 0.79, 0.81, 0.8);
            fclose(f);
        }
}

static void frame_times(void)
{
    char tmp[] = "bench_ui.XXXXXX";
    if (!mkdtemp(tmp))
        return;
    char root[600];
    snprintf(root, sizeof root, "%s/results", tmp);
    write_runs(root);
    ui_app a;
    ui_app_init(&a, root, NULL, NULL);
    ui_app_resize(&a, 200, 50);
    ui_app_update(&a, true);
    cellbuf b;
    cellbuf_init(&b, 200, 50);
    static const char *const names[] = {"Runs", "Live", "Labels", "Grid", "Compare"};
    printf("frame times, 200x50, %d runs (%d grid rows):\n", a.store.n, a.ngrid);
    for (int v = 0; v < VIEW_COUNT; v++) {
        ui_app_key(&a, (uint32_t)('1' + v));
        enum { N = 200 };
        double t[N];
        for (int i = 0; i < N; i++) {
            double t0 = now();
            ui_app_render(&a, &b);
            t[i] = now() - t0;
        }
        qsort(t, N, sizeof t[0], cmp_d);
        printf("  %-8s median %.3f ms  p95 %.3f ms  max %.3f ms\n", names[v], 1e3 * t[N / 2], 1e3 * t[N * 95 / 100],
               1e3 * t[N - 1]);
    }
    /* what a change on disk costs: rescanning 40 runs and rebuilding the grid */
    enum { M = 50 };
    double t[M];
    for (int i = 0; i < M; i++) {
        double t0 = now();
        rs_store_refresh(&a.store);
        ui_app_rebuild_rows(&a);
        ui_app_grid_rebuild(&a);
        t[i] = now() - t0;
    }
    qsort(t, M, sizeof t[0], cmp_d);
    printf("  rescan of 40 runs + grid rebuild: median %.3f ms\n", 1e3 * t[M / 2]);
    /* a rebuild that recomputes the table (as when a run finishes): the
     * sort direction flips, so what the table depends on changed */
    for (int i = 0; i < M; i++) {
        double t0 = now();
        a.grid_sort_rev = !a.grid_sort_rev;
        ui_app_grid_rebuild(&a);
        t[i] = now() - t0;
    }
    qsort(t, M, sizeof t[0], cmp_d);
    printf("  grid table recomputed (report_build over 40 runs): median %.3f ms\n", 1e3 * t[M / 2]);
    cellbuf_free(&b);
    ui_app_free(&a);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
}

/* ---- selfmi in a pseudo-terminal ---------------------------------------------------- */

typedef struct {
    pid_t pid;
    int fd;
    char buf[1 << 16];
    size_t n;
} child;

static bool spawn(child *c, const char *selfmi, const char *exp, const char *root)
{
    struct winsize ws = {40, 140, 0, 0};
    c->n = 0;
    c->pid = forkpty(&c->fd, NULL, NULL, &ws);
    if (c->pid < 0)
        return false;
    if (c->pid == 0) {
        setenv("TERM", "xterm-256color", 1);
        setenv("LC_ALL", "C.UTF-8", 1);
        execl(selfmi, selfmi, exp, "--results", root, "--jobs", "2", (char *)NULL);
        _exit(127);
    }
    return true;
}

/* Reads output until text shows (in the bytes since the mark) or the
 * deadline; returns the seconds waited or NaN. */
static double wait_text(child *c, const char *text, double timeout)
{
    double t0 = now();
    c->n = 0;
    while (now() - t0 < timeout) {
        struct pollfd p = {c->fd, POLLIN, 0};
        if (poll(&p, 1, 20) > 0) {
            ssize_t k = read(c->fd, c->buf + c->n, sizeof c->buf - 1 - c->n);
            if (k <= 0)
                return NAN;
            c->n += (size_t)k;
            c->buf[c->n] = '\0';
            if (strstr(c->buf, text))
                return now() - t0;
            if (c->n > sizeof c->buf / 2) {
                /* keep the tail, where the text may be starting */
                memmove(c->buf, c->buf + c->n - 256, 256);
                c->n = 256;
            }
        }
    }
    return NAN;
}

static void drain(child *c, double secs)
{
    double t0 = now();
    while (now() - t0 < secs) {
        struct pollfd p = {c->fd, POLLIN, 0};
        if (poll(&p, 1, 20) > 0 && read(c->fd, c->buf, sizeof c->buf) <= 0)
            return;
    }
}

static double cpu_seconds(pid_t pid)
{
    char p[64], line[2048];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return NAN;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return NAN;
    }
    fclose(f);
    /* fields 14 and 15 (utime, stime) after the ")" of the name */
    char *s = strrchr(line, ')');
    unsigned long ut = 0, st = 0;
    if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return NAN;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU of the UI thread alone: /proc/PID/task/PID is the main thread */
static double ui_thread_cpu(pid_t pid)
{
    char p[96], line[2048];
    snprintf(p, sizeof p, "/proc/%d/task/%d/stat", (int)pid, (int)pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return NAN;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return NAN;
    }
    fclose(f);
    char *s = strrchr(line, ')');
    unsigned long ut = 0, st = 0;
    if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return NAN;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Runs whose status file says running under root. */
static int running_on_disk(const char *root)
{
    char cmd[800];
    snprintf(cmd, sizeof cmd, "grep -lx running %s/*/status 2>/dev/null | wc -l", root);
    FILE *p = popen(cmd, "r");
    int n = 0;
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = 0;
        pclose(p);
    }
    return n;
}

static void stop(child *c)
{
    kill(c->pid, SIGTERM);
    drain(c, 0.5);
    int status;
    waitpid(c->pid, &status, 0);
    close(c->fd);
}

static void terminal_parts(const char *selfmi)
{
    char tmp[] = "bench_ui_pty.XXXXXX";
    if (!mkdtemp(tmp))
        return;
    char exp[600], root[600];
    snprintf(exp, sizeof exp, "%s/exp.conf", tmp);
    snprintf(root, sizeof root, "%s/results", tmp);
    FILE *f = fopen(exp, "w");
    fprintf(f, "[experiment]\ndataset = synth:small\npreset = synth\n[config]\nmax_epochs = 100000\n"
               "early_stop = 100000\n");
    fclose(f);

    /* idle: nothing runs */
    child c;
    if (!spawn(&c, selfmi, exp, root)) {
        printf("cannot start %s in a pseudo-terminal\n", selfmi);
        return;
    }
    if (isnan(wait_text(&c, "No runs yet", 10))) {
        printf("the dashboard did not come up\n");
        stop(&c);
        return;
    }
    drain(&c, 1.0);
    double c0 = cpu_seconds(c.pid), t0 = now();
    drain(&c, 5.0);
    double idle = (cpu_seconds(c.pid) - c0) / (now() - t0);
    printf("idle CPU (nothing running, 5 s): %.2f%% of a core\n", 100 * idle);

    /* two workers training */
    bool two = write(c.fd, "n", 1) == 1;
    drain(&c, 0.3);
    two = two && write(c.fd, "n", 1) == 1;
    for (int k = 0; k < 200 && two && running_on_disk(root) < 2; k++)
        drain(&c, 0.1);
    if (!two || running_on_disk(root) < 2) {
        printf("could not start two runs\n");
        stop(&c);
        return;
    }
    drain(&c, 1.0);
    double u0 = ui_thread_cpu(c.pid), w0 = now();
    enum { K = 40 };
    double lat[K];
    int got = 0;
    static const struct {
        const char *key, *text;
    } steps[] = {{"4", "configuration"}, {"1", "status"}, {"2", "training losses"}, {"1", "status"}};
    for (int i = 0; i < K; i++) {
        const char *k = steps[i % 4].key;
        drain(&c, 0.05);
        double s0 = now();
        if (write(c.fd, k, 1) != 1)
            break;
        double w = wait_text(&c, steps[i % 4].text, 2);
        if (!isnan(w))
            lat[got++] = now() - s0;
    }
    double ui_cpu = (ui_thread_cpu(c.pid) - u0) / (now() - w0);
    qsort(lat, (size_t)got, sizeof lat[0], cmp_d);
    if (got)
        printf("keypress to screen with 2 workers training (%d keys): median %.1f ms  p95 %.1f ms  max %.1f ms\n", got,
               1e3 * lat[got / 2], 1e3 * lat[got * 95 / 100], 1e3 * lat[got - 1]);
    printf("UI thread CPU while 2 runs train and keys arrive: %.2f%% of a core\n", 100 * ui_cpu);
    drain(&c, 1.0);
    u0 = ui_thread_cpu(c.pid);
    w0 = now();
    drain(&c, 5.0);
    printf("UI thread CPU while 2 runs train, no keys (5 s, Runs view): %.2f%% of a core\n",
           100 * (ui_thread_cpu(c.pid) - u0) / (now() - w0));
    stop(&c);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
}

int main(void)
{
    frame_times();
    const char *selfmi = getenv("SELFMI");
    if (!selfmi)
        selfmi = "./selfmi";
    if (access(selfmi, X_OK) == 0)
        terminal_parts(selfmi);
    else
        printf("(%s not found: keypress latency and idle CPU skipped)\n", selfmi);
    return 0;
}
