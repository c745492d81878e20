/* test_ui_slurm.c: the dashboard's Slurm watch over a results root, with
 * squeue and scancel stood in for by small scripts on PATH: the arrays of
 * ROOT/logs/<job>.runs, each run's task state (a later submission wins),
 * the pending reason, the counts, and scancel of one task; and the poller
 * thread: with an squeue that takes its time, keys and updates are still
 * answered at once, and its answer arrives when squeue gives it. */
#include "config.h"
#include "ui/app.h"
#include "ui/slurmwatch.h"
#include "../tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void write_file(const char *path, const char *text, int mode)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    chmod(path, (mode_t)mode);
}

static int started = -1;

static int fake_start(void *ud, ui_start_kind kind, const char *run_dir, char *msg, size_t n)
{
    (void)ud;
    (void)run_dir;
    started = (int)kind;
    snprintf(msg, n, "started");
    return 1;
}

static int fake_snapshot(void *ud, job_info *out, int max)
{
    (void)ud;
    (void)out;
    (void)max;
    return 0;
}

static uint64_t fake_version(void *ud)
{
    (void)ud;
    return 1;
}

/* n in the Grid view: with sbatch on PATH, the dashboard asks where the
 * grid goes; l keeps it here, s sends it to Slurm. */
/* The screen's text, one line per row, into buf. */
static void screen_text(ui_app *a, char *buf, size_t n)
{
    cellbuf b;
    cellbuf_init(&b, 0, 0);
    ui_app_render(a, &b);
    size_t k = 0;
    for (int y = 0; y < b.h; y++) {
        for (int x = 0; x < b.w && k + 2 < n; x++) {
            uint32_t ch = cellbuf_at(&b, x, y)->ch;
            buf[k++] = ch < 128 && ch >= 32 ? (char)ch : ' ';
        }
        if (k + 1 < n)
            buf[k++] = '\n';
    }
    buf[k] = '\0';
    cellbuf_free(&b);
}

/* The Runs view lists the runs Slurm holds that have no directory yet,
 * with the task's state under the list. */
static void runs_view(const char *root)
{
    ui_backend be = {.start = fake_start, .snapshot = fake_snapshot, .version = fake_version};
    ui_app a;
    ui_app_init(&a, root, "", &be);
    ui_app_resize(&a, 120, 30);
    ui_app_update(&a, true);
    tap_ok(a.nrows == 2, "Runs: the two runs Slurm holds are listed (%d)", a.nrows);
    static char text[120 * 31 + 64];
    bool found = false;
    for (int i = 0; i < a.nrows && !found; i++) {
        screen_text(&a, text, sizeof text);
        found = strstr(text, "run-c") && strstr(text, "queued on Slurm  Slurm 12_0: PENDING (Priority)");
        ui_app_key(&a, 'j');
    }
    if (!tap_ok(found, "Runs: run-c's task, pending with Slurm's reason"))
        tap_diag("%s", text);
    tap_ok(strstr(text, "Slurm: 2 tasks pending, 1 running") != NULL, "Runs: the array's counts");
    ui_app_free(&a);
}

static void grid_prompt(const char *root)
{
    ui_backend be = {.start = fake_start, .snapshot = fake_snapshot, .version = fake_version};
    ui_app a;
    ui_app_init(&a, root, "", &be);
    ui_app_key(&a, '4');
    ui_app_key(&a, 'n');
    tap_ok(a.prompt == PROMPT_GRID_WHERE && started < 0, "n in the Grid view asks where the grid goes");
    static char text[80 * 25 + 64];
    screen_text(&a, text, sizeof text);
    bool shown = strstr(text, "s on Slurm") != NULL;
    tap_ok(shown, "the prompt offers Slurm");
    ui_app_key(&a, 's');
    tap_ok(started == START_GRID_SLURM && a.prompt == PROMPT_NONE, "s submits the grid to Slurm");
    started = -1;
    ui_app_key(&a, 'n');
    ui_app_key(&a, 'l');
    tap_ok(started == START_GRID, "l runs it here");
    started = -1;
    ui_app_key(&a, 'n');
    ui_app_key(&a, UI_KEY_ESC);
    tap_ok(started < 0 && a.prompt == PROMPT_NONE, "Esc starts nothing");
    ui_app_free(&a);
}

static void nap(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Slurm asked from a thread: squeue (job 30) takes 1.5 s to answer; the
 * app's keys, updates and frames meanwhile return at once. */
static void poller(const char *dir, const char *bin)
{
    char root[400], path[600];
    snprintf(root, sizeof root, "%s/slow", dir);
    mkdir(root, 0755);
    snprintf(path, sizeof path, "%s/logs", root);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/logs/30.runs", root);
    write_file(path, "0\trun-slow\n", 0644);

    ui_backend be = {.start = fake_start, .snapshot = fake_snapshot, .version = fake_version};
    ui_app a;
    ui_app_init(&a, root, "", &be);
    ui_app_resize(&a, 100, 30);
    ui_app_slurm_async(&a);
    tap_ok(a.slurm_poller != NULL, "the poller thread started");
    double t0 = sm_now(), worst = 0;
    bool arrived = false;
    int frames = 0;
    static char text[100 * 31 + 64];
    while (sm_now() - t0 < 15 && !arrived) {
        double k0 = sm_now();
        ui_app_update(&a, true);
        ui_app_key(&a, frames % 2 ? '1' : '4');
        screen_text(&a, text, sizeof text);
        double dt = sm_now() - k0;
        worst = dt > worst ? dt : worst;
        arrived = a.slurm.nrunning == 1;
        if (!arrived && sm_now() - t0 < 1.0)
            frames++;
        nap(0.02);
    }
    tap_ok(frames > 10, "keys answered while squeue runs (%d frames in its first second)", frames);
    tap_ok(worst < 0.5, "no update, key or frame waited on squeue (slowest %.3f s)", worst);
    tap_ok(arrived && sm_now() - t0 >= 1.4, "squeue's answer arrives when it is given (%.2f s)", sm_now() - t0);
    const ui_slurm_run *r = ui_slurm_find(&a.slurm, "run-slow");
    tap_ok(r && strcmp(r->state, "RUNNING") == 0, "run-slow: RUNNING, as squeue said");
    ui_app_free(&a);

    /* stopped while squeue runs: it is not waited for */
    snprintf(path, sizeof path, "%s/squeue.done", bin);
    unlink(path);
    ui_slurm_poller *p = ui_slurm_poller_start(root, 5.0);
    nap(0.2);
    double s0 = sm_now();
    ui_slurm_poller_stop(p);
    tap_ok(p && sm_now() - s0 < 0.5, "stop returns at once while squeue runs (%.3f s)", sm_now() - s0);
    /* the thread finishes squeue and frees itself */
    for (int i = 0; i < 300 && access(path, F_OK) != 0; i++)
        nap(0.01);
    nap(0.2);

    /* scancel (task 30_0: 1.5 s) runs on the poller's thread: queuing it
     * returns at once, its message comes later */
    p = ui_slurm_poller_start(root, 5.0);
    ui_slurm_run slow = {.run_id = "run-slow", .task = "30_0"};
    s0 = sm_now();
    bool queued = p && ui_slurm_poller_cancel(p, &slow);
    double dq = sm_now() - s0;
    tap_ok(queued && dq < 0.1, "a scancel is queued at once (%.3f s)", dq);
    char note[1100] = "";
    bool bad = true, got = false;
    uint64_t seen = 0;
    while (p && !got && sm_now() - s0 < 15) {
        got = ui_slurm_poller_note(p, &seen, note, sizeof note, &bad);
        if (!got)
            nap(0.02);
    }
    tap_ok(got && !bad && strstr(note, "30_0") && sm_now() - s0 >= 1.4,
           "its message arrives when scancel has answered (%.2f s): %s", sm_now() - s0, note);
    tap_ok(p && !ui_slurm_poller_note(p, &seen, note, sizeof note, &bad), "a message is given once");
    ui_slurm_poller_stop(p);
}

int main(void)
{
    char dir[] = "ui_slurm.XXXXXX";
    if (!mkdtemp(dir)) {
        tap_ok(0, "mkdtemp");
        return tap_done();
    }
    char path[512], bin[300], root[300];
    snprintf(bin, sizeof bin, "%s/bin", dir);
    snprintf(root, sizeof root, "%s/res", dir);
    mkdir(bin, 0755);
    mkdir(root, 0755);
    snprintf(path, sizeof path, "%s/logs", root);
    mkdir(path, 0755);
    /* job 7 holds runs a, b, c; job 12 submits c again */
    snprintf(path, sizeof path, "%s/logs/7.runs", root);
    write_file(path, "0\trun-a\n1\trun-b\n2\trun-c\n", 0644);
    snprintf(path, sizeof path, "%s/logs/12.runs", root);
    write_file(path, "0\trun-c\n", 0644);
    snprintf(path, sizeof path, "%s/squeue", bin);
    write_file(path,
               "#!/bin/sh\n"
               "case \"$*\" in\n"
               "*' 7 '*) printf '1|RUNNING|None\\n2|PENDING|Resources\\n' ;;\n"
               "*' 12 '*) printf '0|PENDING|Priority\\n' ;;\n"
               "*' 30 '*) sleep 1.5; printf '0|RUNNING|None\\n'; touch \"$0.done\" ;;\n"
               "esac\n",
               0755);
    char log[400], sc[600];
    snprintf(log, sizeof log, "%s/scancel.txt", dir);
    snprintf(path, sizeof path, "%s/scancel", bin);
    snprintf(sc, sizeof sc, "#!/bin/sh\ncase \"$*\" in 30_*) sleep 1.5 ;; esac\necho \"$*\" >> '%s'\n", log);
    write_file(path, sc, 0755);
    const char *old = getenv("PATH");
    char newpath[4096], abs[300];
    if (!realpath(bin, abs))
        snprintf(abs, sizeof abs, "%s", bin);
    snprintf(newpath, sizeof newpath, "%s:%s", abs, old ? old : "/usr/bin:/bin");
    setenv("PATH", newpath, 1);

    ui_slurm s;
    ui_slurm_init(&s, root);
    tap_ok(ui_slurm_refresh(&s, 5.0), "the first look changes something");
    tap_ok(s.n == 3, "three runs known (%d)", s.n);
    const ui_slurm_run *a = ui_slurm_find(&s, "run-a"), *b = ui_slurm_find(&s, "run-b"),
                       *c = ui_slurm_find(&s, "run-c");
    tap_ok(a && b && c && !ui_slurm_find(&s, "run-d"), "each run found, an unknown one not");
    char buf[128];
    ui_slurm_describe(b, buf, sizeof buf);
    tap_ok(b && strcmp(b->task, "7_1") == 0 && strcmp(buf, "RUNNING") == 0, "run-b: 7_1 RUNNING (%s)", buf);
    ui_slurm_describe(c, buf, sizeof buf);
    tap_ok(c && strcmp(c->task, "12_0") == 0 && strcmp(buf, "PENDING (Priority)") == 0,
           "run-c: the later submission, pending with its reason (%s)", buf);
    ui_slurm_describe(a, buf, sizeof buf);
    tap_ok(a && buf[0] == '\0', "run-a: no longer listed, nothing to say");
    snprintf(path, sizeof path, "%s/logs/7_0.out", root);
    tap_ok(a && strcmp(a->log, path) == 0, "run-a's log is ROOT/logs/7_0.out");
    tap_ok(s.nrunning == 1 && s.npending == 2, "counts: 1 running, 2 pending (%d, %d)", s.nrunning, s.npending);
    tap_ok(!ui_slurm_refresh(&s, 5.0), "within the period squeue is not asked again");
    char msg[256];
    tap_ok(c && ui_slurm_cancel(c, msg, sizeof msg) == SM_OK && strstr(msg, "12_0"), "scancel: %s", msg);
    FILE *f = fopen(log, "r");
    char got[64] = "";
    if (f) {
        if (!fgets(got, sizeof got, f))
            got[0] = '\0';
        fclose(f);
    }
    tap_ok(strcmp(got, "12_0\n") == 0, "scancel was given the run's task");
    snprintf(path, sizeof path, "%s/sbatch", bin);
    write_file(path, "#!/bin/sh\necho 1\n", 0755);
    grid_prompt(root);
    runs_view(root);
    ui_slurm_free(&s);

    /* no logs folder, no squeue on PATH: nothing, and no error */
    setenv("PATH", "/nonexistent", 1);
    ui_slurm_init(&s, dir);
    tap_ok(!ui_slurm_refresh(&s, 5.0) && s.n == 0, "a root without arrays");
    ui_slurm_free(&s);
    {
        ui_backend be = {.start = fake_start, .snapshot = fake_snapshot, .version = fake_version};
        ui_app app;
        ui_app_init(&app, dir, "", &be);
        ui_app_key(&app, '4');
        ui_app_key(&app, 'n');
        tap_ok(started == START_GRID && app.prompt == PROMPT_NONE, "no sbatch: n starts the grid here at once");
        ui_app_free(&app);
    }
    setenv("PATH", newpath, 1);
    poller(dir, bin);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", dir);
    return tap_done();
}
