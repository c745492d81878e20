/* bench_grid.c: Table 5's grid (8 task subsets x 5 seeds) on the real MOSI
 * features (mosi-bclstm, poria2017 split, validation from its test videos)
 * on the worker queue with 1 and then 2 workers: wall time of each and the
 * parallel efficiency T1 / (2 T2). The dataset directory is made once under
 * the build tree with `selfmi import csv` from $SHARED_DATA (default
 * ../shared/data beside the source tree); without the
 * shared data the benchmark says so and is skipped. Target: under 15 s with
 * 2 workers on a 2-core machine. */
#include "config.h"
#include "exp/expfile.h"
#include "exp/queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static double run_grid(const experiment *e, int jobs, const char *root, int *done)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        return -1;
    sm_err err;
    queue *q;
    double t0 = sm_now();
    if (queue_create(&q, jobs, root, &err)) {
        fprintf(stderr, "bench_grid: %s\n", err.msg);
        return -1;
    }
    long n = exp_grid_size(e);
    for (long i = 0; i < n; i++) {
        config c;
        if (exp_grid_point(e, i, &c, &err) || queue_submit(q, &c, NULL, &err) < 0) {
            fprintf(stderr, "bench_grid: %s\n", err.msg);
            queue_destroy(q, true);
            return -1;
        }
    }
    queue_wait(q);
    double t = sm_now() - t0;
    int counts[QUEUE_NCOUNTS];
    queue_counts(q, counts);
    *done = counts[RUN_DONE];
    queue_destroy(q, false);
    return t;
}

int main(void)
{
    const char *shared = getenv("SHARED_DATA");
    char csv[1200];
    snprintf(csv, sizeof csv, "%s/mosi-bclstm/mosi_utterance_features.csv",
             shared && *shared ? shared : SELFMI_SRCDIR "/../shared/data");
    struct stat sb;
    if (stat(csv, &sb) != 0) {
        printf("bench_grid: skipped: %s not found\n", csv);
        return 0;
    }
    const char *data = "bench-data/mosi-bclstm";
    if (stat(data, &sb) != 0) {
        char cmd[2400];
        snprintf(cmd, sizeof cmd,
                 "./selfmi import csv '%s' %s --split poria2017_split --valid-from test:0.33 > /dev/null", csv, data);
        if (system(cmd) != 0) {
            fprintf(stderr, "bench_grid: import failed: %s\n", cmd);
            return 1;
        }
    }
    experiment e;
    sm_err err;
    if (exp_load(&e, SELFMI_SRCDIR "/experiments/ablation-tasks-bclstm.conf", &err) ||
        exp_override(&e, "dataset", data, &err)) {
        fprintf(stderr, "bench_grid: %s\n", err.msg);
        return 1;
    }
    int d1 = 0, d2 = 0;
    double t1 = run_grid(&e, 1, "bench-grid-results-1", &d1);
    double t2 = run_grid(&e, 2, "bench-grid-results-2", &d2);
    /* the two workers must give the same bytes as one */
    int same = system("for d in bench-grid-results-1/*/; do id=$(basename \"$d\"); "
                      "cmp -s \"$d/test.csv\" \"bench-grid-results-2/$id/test.csv\" && "
                      "cmp -s \"$d/predictions.csv\" \"bench-grid-results-2/$id/predictions.csv\" || exit 1; done");
    long n = exp_grid_size(&e);
    exp_free(&e);
    if (t1 < 0 || t2 < 0)
        return 1;
    printf("bench_grid: Table 5 grid (%ld runs) on mosi-bclstm: --jobs 1 %.2f s (%d done), --jobs 2 %.2f s (%d done)\n",
           n, t1, d1, t2, d2);
    printf("bench_grid: speed-up %.2fx, parallel efficiency %.0f%%, target --jobs 2 < 15 s: %s\n", t1 / t2,
           100 * t1 / (2 * t2), t2 < 15 ? "met" : "MISSED");
    printf("bench_grid: test.csv and predictions.csv of --jobs 2 %s those of --jobs 1\n",
           same == 0 ? "equal" : "DIFFER FROM");
    return d1 == n && d2 == n && same == 0 ? 0 : 1;
}
