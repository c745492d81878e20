/* test_queue.c: the worker queue on the built-in synthetic data: runs on
 * two workers give the same bytes as a run on the main thread, finished runs
 * are skipped, failed ones run again, cancel works for queued and running
 * jobs, failures carry their reason, and the version and wake-up pipe move. */
#include "config.h"
#include "base/cpu.h"
#include "exp/queue.h"
#include "exp/results.h"
#include "../tap.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[512];

static config small_config(unsigned long seed, const char *tasks, int epochs)
{
    config c;
    sm_err err;
    config_defaults(&c, PRESET_SYNTH);
    config_set(&c, "dataset", "synth:small", &err);
    c.seed = seed;
    config_set(&c, "tasks", tasks, &err);
    c.max_epochs = epochs;
    return c;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0;
    *n = 0;
    for (;;) {
        if (*n + 4096 > cap) {
            cap = cap ? 2 * cap : 65536;
            buf = realloc(buf, cap);
        }
        size_t r = fread(buf + *n, 1, cap - *n, f);
        if (!r)
            break;
        *n += r;
    }
    fclose(f);
    return buf;
}

static bool same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    bool same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

static job_info info_of(queue *q, int id)
{
    job_info all[64];
    int n = queue_snapshot(q, all, 64);
    job_info none;
    memset(&none, 0, sizeof none);
    none.state = RUN_FAILED;
    return id >= 0 && id < n && id < 64 ? all[id] : none;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

int main(void)
{
    const char *bd = getenv("top_builddir");
    snprintf(base, sizeof base, "%s/test_queue.XXXXXX", bd && *bd ? bd : ".");
    if (!mkdtemp(base))
        tap_skip_all("cannot create a temporary directory");
    char root[1100], ref[1100];
    snprintf(root, sizeof root, "%s/grid", base);
    snprintf(ref, sizeof ref, "%s/ref", base);
    sm_err err;

    /* ---- four runs on two workers ---- */
    queue *q;
    tap_ok(queue_create(&q, 2, root, &err) == SM_OK, "queue with 2 workers");
    tap_ok(queue_workers(q) == 2, "2 workers");
    config cs[4] = {small_config(1111, "M,T,A,V", 3), small_config(1112, "M,T,A,V", 3), small_config(1111, "M", 3),
                    small_config(1112, "M", 3)};
    config nodata = cs[0];
    snprintf(nodata.dataset, sizeof nodata.dataset, "/nonexistent/data");
    tap_ok(queue_preload(q, &cs[0], &err) == SM_OK, "dataset preloaded once");
    tap_ok(queue_preload(q, &nodata, &err) != SM_OK && strstr(err.msg, "/nonexistent/data"),
           "a bad dataset is reported by preload, naming it");
    uint64_t v0 = queue_version(q);
    int ids[4];
    for (int i = 0; i < 4; i++)
        ids[i] = queue_submit(q, &cs[i], NULL, &err);
    tap_ok(ids[0] == 0 && ids[3] == 3, "job ids in submission order");
    tap_ok(queue_submit(q, &cs[1], NULL, &err) == 1, "a run already queued is not queued twice");
    struct pollfd pfd = {.fd = queue_wake_fd(q), .events = POLLIN};
    tap_ok(poll(&pfd, 1, 10000) == 1, "the wake-up pipe becomes readable");
    char drain[64];
    tap_ok(read(pfd.fd, drain, sizeof drain) > 0, "and drains without blocking");
    queue_wait(q);
    tap_ok(queue_version(q) > v0 + 8, "the version moved with progress (%llu)", (unsigned long long)queue_version(q));
    int counts[QUEUE_NCOUNTS];
    queue_counts(q, counts);
    tap_ok(counts[RUN_DONE] == 4, "4 runs done (%d failed)", counts[RUN_FAILED]);
    job_info j0 = info_of(q, 0);
    tap_ok(j0.state == RUN_DONE && !job_skipped(&j0) && j0.epoch == 3 && j0.test.mae > 0 && j0.dir[0], "job 0: 3 epochs, MAE %.4f in %s",
           j0.test.mae, j0.dir);
    if (j0.state == RUN_FAILED)
        tap_diag("reason: %s", j0.reason);
    /* the main thread here never set FTZ/DAZ: only the worker did */
    tap_ok(!cpu_denormals_flushed(), "the test's own thread keeps IEEE denormals");
    bool all_flushed = true;
    for (int i = 0; i < 4; i++)
        all_flushed = all_flushed && info_of(q, i).denormals_flushed;
    tap_ok(all_flushed, "every run ran on a worker thread with FTZ/DAZ set");
    tap_ok(queue_wait_for(q, 0.01), "wait_for: all finished");
    queue_destroy(q, false);

    /* ---- the same run on the main thread gives the same bytes ---- */
    run_summary sum;
    char id[256];
    run_default_id(&cs[1], id, sizeof id);
    tap_ok(run_execute(&cs[1], NULL, ref, id, NULL, &sum, &err) == SM_OK, "run 1 again on the main thread");
    const char *files[] = {"test.csv", "predictions.csv", "run.conf", "labels.csv"};
    for (int f = 0; f < 4; f++) {
        char a[1500], b[1500];
        snprintf(a, sizeof a, "%s/%s/%s", root, id, files[f]);
        snprintf(b, sizeof b, "%s/%s/%s", ref, id, files[f]);
        tap_ok(same_file(a, b), "%s: the same bytes from a worker thread and the main thread", files[f]);
    }

    /* ---- re-running: done runs are skipped, a failed one runs again ---- */
    char st[1500];
    run_default_id(&cs[2], id, sizeof id);
    snprintf(st, sizeof st, "%s/%s/status", root, id);
    write_text(st, "failed: killed\n");
    tap_ok(queue_create(&q, 2, root, &err) == SM_OK, "a second queue on the same root");
    for (int i = 0; i < 4; i++)
        ids[i] = queue_submit(q, &cs[i], NULL, &err);
    job_info j1 = info_of(q, 1);
    tap_ok(j1.verdict == RD_DONE && j1.state == RUN_DONE && j1.test.mae > 0,
           "a done run is skipped (done already) with its metrics read back");
    job_info j2 = info_of(q, 2);
    tap_ok(!job_skipped(&j2), "the failed run is queued again");
    queue_wait(q);
    queue_counts(q, counts);
    tap_ok(counts[QUEUE_SKIPPED] == 3 && counts[RUN_DONE] == 1, "3 skipped, 1 run again");
    char attic[1500];
    snprintf(attic, sizeof attic, "%s/.attic/%s.1/status", root, id);
    struct stat sb;
    tap_ok(stat(attic, &sb) == 0, "the failed run was moved to .attic");
    result_set rs = {0};
    tap_ok(results_add(&rs, root, &err) == SM_OK && rs.n == 4, "reports see 4 runs, not the attic (%d)", rs.n);
    results_free(&rs);
    /* a changed configuration under the same run id is not taken as done */
    config other = cs[0];
    other.lambda_cpc = 0.5f;
    run_default_id(&cs[0], id, sizeof id);
    int jo = queue_submit(q, &other, id, &err);
    tap_ok(jo >= 0 && info_of(q, jo).verdict == RD_NEW, "another configuration under an old id runs again");
    queue_wait(q);
    queue_destroy(q, false);

    /* ---- failure, cancel of a queued and of a running job ---- */
    snprintf(root, sizeof root, "%s/cancel", base);
    tap_ok(queue_create(&q, 1, root, &err) == SM_OK, "a queue with 1 worker");
    config bad = small_config(7, "M,T,A,V", 3);
    bad.inject_nan_epoch = 1;
    int jb = queue_submit(q, &bad, NULL, &err);
    config longrun = small_config(8, "M,T,A,V", 1000);
    longrun.early_stop = 1000;
    int jl = queue_submit(q, &longrun, NULL, &err);
    config waiting = small_config(9, "M", 3);
    int jw = queue_submit(q, &waiting, NULL, &err);
    queue_cancel(q, jw);
    tap_ok(info_of(q, jw).state == RUN_CANCELLED, "a queued job is cancelled at once");
    double t0 = sm_now();
    while (sm_now() - t0 < 60) {
        job_info x = info_of(q, jl);
        if (x.state == RUN_RUNNING && (x.batch > 0 || x.epoch > 0))
            break;
        usleep(2000);
    }
    job_info x = info_of(q, jl);
    tap_ok(x.state == RUN_RUNNING && x.nbatches > 0, "the long job runs and reports batches (%d/%d)", x.batch,
           x.nbatches);
    queue_cancel(q, jl);
    tap_ok(queue_wait_for(q, 60), "cancel stops it between batches");
    x = info_of(q, jl);
    tap_ok(x.state == RUN_CANCELLED, "the running job ends cancelled");
    snprintf(st, sizeof st, "%s/status", x.dir);
    size_t n;
    char *text = slurp(st, &n);
    tap_ok(text && n >= 9 && strncmp(text, "cancelled", 9) == 0, "its status file says cancelled");
    free(text);
    job_info fb = info_of(q, jb);
    tap_ok(fb.state == RUN_FAILED && fb.reason[0], "the diverging run failed: %s", fb.reason);
    config missing = small_config(10, "M", 3);
    snprintf(missing.dataset, sizeof missing.dataset, "%s/no-such-dataset", base);
    int jm = queue_submit(q, &missing, NULL, &err);
    queue_wait(q);
    tap_ok(info_of(q, jm).state == RUN_FAILED && strstr(info_of(q, jm).reason, "no-such-dataset"),
           "a missing dataset fails the run with its name: %s", info_of(q, jm).reason);
    config invalid = small_config(11, "M", 3);
    invalid.batch_size = 0;
    tap_ok(queue_submit(q, &invalid, NULL, &err) < 0 && strstr(err.msg, "batch_size"), "an invalid config is refused");
    queue_destroy(q, true);

    /* destroy with cancel while a run is going */
    tap_ok(queue_create(&q, 2, root, &err) == SM_OK, "another queue");
    longrun.seed = 12;
    queue_submit(q, &longrun, NULL, &err);
    usleep(20000);
    queue_destroy(q, true);
    tap_ok(1, "destroy(cancel) returns with a run in progress");

    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", base);
    return tap_done();
}
