/* queue.c: the worker queue of queue.h.
 *
 * One mutex guards the job table, the dataset cache's index and the version
 * counter; workers copy a job's configuration out, run it unlocked, and
 * publish progress back under the mutex. Jobs live behind pointers so the
 * table can grow while workers hold one. A byte on a non-blocking pipe
 * wakes a waiting UI after every change (a full pipe already means "wake
 * up", so EAGAIN is ignored). Each distinct dataset is loaded once, by the
 * first worker that needs it, under that cache entry's own mutex, and then
 * shared read-only. */
#include "config.h"
#include "exp/queue.h"
#include "base/cpu.h"
#include "tensor/tensor.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    char name[1024];
    unsigned first_step;      /* run_dataset_first_step of the runs using it */
    pthread_mutex_t mu;       /* held while loading */
    bool tried;
    sm_status st;
    char msg[1024];
    dataset ds;
} ds_entry;

typedef struct {
    job_info info;
    config cfg;
    bool cancel;
    double t0;
    queue *q;
} job;

struct queue {
    pthread_mutex_t mu;
    pthread_cond_t work;      /* a job was queued, or stop */
    pthread_cond_t idle;      /* a job finished */
    job **jobs;
    int njobs, cap;
    int scan;                 /* jobs before this index are not queued */
    int running;
    bool stop;
    uint64_t version;
    int pipe_rd, pipe_wr;
    pthread_t *threads;
    int nthreads;
    ds_entry **dsc;
    int ndsc;
    char root[1024];
    pthread_mutex_t idmu;     /* guards ident */
    run_identity_cache ident;
};

/* ---- helpers (called with q->mu held) ---------------------------------- */

/* Copies src into dst[n], cut to fit. */
static void copy_text(char *dst, size_t n, const char *src)
{
    size_t k = strnlen(src, n - 1);
    memcpy(dst, src, k);
    dst[k] = '\0';
}

static void changed(queue *q)
{
    q->version++;
    char b = 1;
    ssize_t w = write(q->pipe_wr, &b, 1);
    (void)w; /* EAGAIN: the pipe is full, so the reader will wake anyway */
}

bool job_skipped(const job_info *j)
{
    return j->verdict == RD_DONE || j->verdict == RD_ELSEWHERE;
}

bool job_active(const job_info *j)
{
    return !job_skipped(j) && (j->state == RUN_QUEUED || j->state == RUN_RUNNING);
}

/* The test metrics of a run read back (rundir/columns.h: the set's
 * columns of test.csv into the fields of metrics). */
static void metrics_from_run(const rs_run *r, metrics *m)
{
    memset(m, 0, sizeof *m);
    m->sims = rs_run_sims(r);
    int set = m->sims ? RD_SIMS : RD_MOSI;
    double v;
#define X(nm, title, scale, dec, lower, sets, paper, rank, field) \
    if ((sets) & set)                                            \
        m->field = rs_run_metric(r, #nm, &v) ? v : NAN;
    RD_METRICS(X)
#undef X
}

/* ---- the dataset cache --------------------------------------------------- */

static ds_entry *dataset_entry(queue *q, const char *name, unsigned first_step, sm_err *err)
{
    pthread_mutex_lock(&q->mu);
    ds_entry *e = NULL;
    for (int i = 0; i < q->ndsc && !e; i++)
        if (strcmp(q->dsc[i]->name, name) == 0 && q->dsc[i]->first_step == first_step)
            e = q->dsc[i];
    if (!e) {
        ds_entry **n = sm_realloc(q->dsc, (size_t)q->ndsc + 1, sizeof *n, err);
        if (n) {
            q->dsc = n;
            e = sm_alloc(1, sizeof *e, err);
            if (e) {
                snprintf(e->name, sizeof e->name, "%s", name);
                e->first_step = first_step;
                pthread_mutex_init(&e->mu, NULL);
                q->dsc[q->ndsc++] = e;
            }
        }
    }
    pthread_mutex_unlock(&q->mu);
    return e;
}

/* The shared dataset of c's runs (by name and by what they read of it),
 * loaded on first use; NULL with err set when it cannot be loaded (the
 * error is remembered for later runs). */
static const dataset *dataset_get(queue *q, const config *c, sm_err *err)
{
    ds_entry *e = dataset_entry(q, c->dataset, run_dataset_first_step(c), err);
    if (!e)
        return NULL;
    pthread_mutex_lock(&e->mu);
    if (!e->tried) {
        sm_err le;
        sm_err_clear(&le);
        e->st = run_dataset_load_for(&e->ds, c, &le);
        snprintf(e->msg, sizeof e->msg, "%s", le.msg);
        e->tried = true;
    }
    sm_status st = e->st;
    if (st)
        sm_err_set(err, st, "%s", e->msg);
    pthread_mutex_unlock(&e->mu);
    return st ? NULL : &e->ds;
}

sm_status queue_preload(queue *q, const config *c, sm_err *err)
{
    return dataset_get(q, c, err) ? SM_OK : err->status;
}

/* ---- hooks (worker thread) ------------------------------------------------ */

static void hook_start(void *ud, const char *dir)
{
    job *j = ud;
    pthread_mutex_lock(&j->q->mu);
    snprintf(j->info.dir, sizeof j->info.dir, "%s", dir);
    changed(j->q);
    pthread_mutex_unlock(&j->q->mu);
}

static void hook_epoch(void *ud, const epoch_record *r)
{
    job *j = ud;
    pthread_mutex_lock(&j->q->mu);
    j->info.epoch = r->epoch;
    j->info.best_epoch = r->best_epoch;
    j->info.patience = r->patience;
    j->info.last_val_mae = r->val.mae;
    j->info.best_val_mae = r->best_val_mae;
    j->info.seconds = sm_now() - j->t0;
    changed(j->q);
    pthread_mutex_unlock(&j->q->mu);
}

static void hook_batch(void *ud, int epoch, int batch, int nbatches)
{
    job *j = ud;
    pthread_mutex_lock(&j->q->mu);
    j->info.epoch = epoch;
    j->info.batch = batch;
    j->info.nbatches = nbatches;
    changed(j->q);
    pthread_mutex_unlock(&j->q->mu);
}

static bool hook_cancel(void *ud)
{
    job *j = ud;
    pthread_mutex_lock(&j->q->mu);
    bool c = j->cancel || j->q->stop;
    pthread_mutex_unlock(&j->q->mu);
    return c;
}

/* ---- workers ---------------------------------------------------------------- */

static bool read_done(const char *dir, job_info *info);

static job *next_job(queue *q)
{
    for (int i = q->scan; i < q->njobs; i++)
        if (job_active(&q->jobs[i]->info) && q->jobs[i]->info.state == RUN_QUEUED) {
            if (i == q->scan)
                q->scan++;
            return q->jobs[i];
        }
    q->scan = q->njobs;
    return NULL;
}

static void *worker_main(void *arg)
{
    queue *q = arg;
    blas_single_thread();
    bool flushed = cpu_flush_denormals();   /* FTZ/DAZ for every run on this worker */
    pthread_mutex_lock(&q->mu);
    for (;;) {
        job *j = NULL;
        while (!q->stop && !(j = next_job(q)))
            pthread_cond_wait(&q->work, &q->mu);
        if (q->stop)
            break;
        j->info.state = RUN_RUNNING;
        j->info.denormals_flushed = flushed && cpu_denormals_flushed();
        j->t0 = sm_now();
        q->running++;
        changed(q);
        config cfg = j->cfg;
        char run_id[sizeof j->info.run_id];
        memcpy(run_id, j->info.run_id, sizeof run_id);
        pthread_mutex_unlock(&q->mu);

        sm_err err;
        sm_err_clear(&err);
        run_summary sum;
        memset(&sum, 0, sizeof sum);
        sm_status st;
        const dataset *ds = dataset_get(q, &cfg, &err);
        if (ds) {
            run_hooks h = {.ud = j, .on_start = hook_start, .on_epoch = hook_epoch, .on_batch = hook_batch,
                           .should_cancel = hook_cancel};
            st = run_start(&cfg, ds, q->root, run_id, RUN_CONTINUE, &h, &sum, &err);
        } else {
            st = err.status ? err.status : SM_EINTERNAL;
        }

        pthread_mutex_lock(&q->mu);
        j->info.seconds = sum.seconds > 0 ? sum.seconds : sm_now() - j->t0;
        if (sum.dir[0])
            snprintf(j->info.dir, sizeof j->info.dir, "%s", sum.dir);
        if (st == SM_OK && sum.elsewhere) {
            j->info.verdict = RD_ELSEWHERE;
            snprintf(j->info.reason, sizeof j->info.reason, "running elsewhere (%s)",
                     sum.holder[0] ? sum.holder : "lock held");
        } else if (st == SM_OK && sum.already_done) {
            /* finished by another process since it was submitted */
            j->info.verdict = RD_DONE;
            j->info.state = RUN_DONE;
            read_done(j->info.dir, &j->info);
        } else if (st == SM_OK) {
            j->info.state = RUN_DONE;
            j->info.test = sum.test;
            j->info.sims = sum.sims;
            j->info.best_epoch = sum.best_epoch;
            j->info.epoch = sum.epochs;
        } else if (st == SM_ECANCELLED) {
            j->info.state = RUN_CANCELLED;
        } else {
            j->info.state = RUN_FAILED;
            copy_text(j->info.reason, sizeof j->info.reason, err.msg);
        }
        q->running--;
        changed(q);
        pthread_cond_broadcast(&q->idle);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* ---- public ---------------------------------------------------------------- */

static int ncores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 1024 ? (int)n : 1;
}

sm_status queue_create(queue **out, int nworkers, const char *results_root, sm_err *err)
{
    *out = NULL;
    queue *q = sm_alloc(1, sizeof *q, err);
    if (!q)
        return SM_ENOMEM;
    if ((size_t)snprintf(q->root, sizeof q->root, "%s", results_root) >= sizeof q->root) {
        free(q);
        return sm_err_set(err, SM_EINVAL, "results root too long: %.60s...", results_root);
    }
    int fds[2];
    if (pipe(fds) != 0) {
        free(q);
        return sm_err_set(err, SM_EIO, "cannot create the wake-up pipe: %s", strerror(errno));
    }
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    q->pipe_rd = fds[0];
    q->pipe_wr = fds[1];
    pthread_mutex_init(&q->mu, NULL);
    pthread_mutex_init(&q->idmu, NULL);
    pthread_cond_init(&q->work, NULL);
    pthread_cond_init(&q->idle, NULL);
    q->nthreads = nworkers > 0 ? nworkers : ncores();
    q->threads = sm_alloc((size_t)q->nthreads, sizeof *q->threads, err);
    if (!q->threads) {
        q->nthreads = 0;
        queue_destroy(q, true);
        return SM_ENOMEM;
    }
    for (int i = 0; i < q->nthreads; i++)
        if (pthread_create(&q->threads[i], NULL, worker_main, q) != 0) {
            q->nthreads = i;
            queue_destroy(q, true);
            return sm_err_set(err, SM_EINTERNAL, "cannot start worker thread %d", i + 1);
        }
    *out = q;
    return SM_OK;
}

int queue_workers(const queue *q)
{
    return q->nthreads;
}

/* The test metrics of the finished run in dir into info; false when it has
 * none. */
static bool read_done(const char *dir, job_info *info)
{
    rs_run r;
    sm_err e2;
    if (rs_run_read(&r, dir, &e2) != SM_OK)
        return false;
    bool ok = r.test.nrows > 0;
    if (ok) {
        metrics_from_run(&r, &info->test);
        info->sims = rs_run_sims(&r);
        double v;
        info->best_epoch = rs_run_metric(&r, "best_epoch", &v) ? (int)v : 0;
        info->epoch = rs_run_metric(&r, "epochs", &v) ? (int)v : 0;
    }
    rs_run_free(&r);
    return ok;
}

/* What <root>/<run_id> holds (rundir_claim, under the run's lock so nobody
 * starts it meanwhile): a finished run of this identity is skipped (its
 * metrics into info), one running elsewhere too; an interrupted run of
 * this identity, or a directory holding nothing yet, stays for the worker;
 * anything else is moved to .attic and the job is queued. */
static sm_status check_existing(queue *q, const config *cfg, job_info *info, sm_err *err)
{
    runstore rs;
    runstore_lock lk;
    rd_verdict v;
    char who[256];
    sm_err e2;
    if (rundir_claim(&rs, q->root, info->run_id, cfg, &lk, &v, who, sizeof who, &e2) != SM_OK)
        return SM_OK; /* the worker's run_start reports it */
    sm_status st = SM_OK;
    if (v != RD_NEW)
        copy_text(info->dir, sizeof info->dir, rs.dir);
    if (v == RD_ELSEWHERE) {
        info->verdict = RD_ELSEWHERE;
        info->state = RUN_RUNNING;
        snprintf(info->reason, sizeof info->reason, "running elsewhere (%s)", who[0] ? who : "lock held");
    } else if (v == RD_DONE && read_done(rs.dir, info)) {
        info->verdict = RD_DONE;
        info->state = RUN_DONE;
    } else if (v == RD_DONE || v == RD_REPLACE) {
        st = rundir_move_to_attic(q->root, info->run_id, err);
    }
    runstore_lock_release(&lk);
    return st;
}

int queue_submit(queue *q, const config *cfg, const char *run_id, sm_err *err)
{
    char msg[512];
    const char *bad = config_check(cfg, msg, sizeof msg);
    if (bad) {
        sm_err_set(err, SM_EINVAL, "%s", bad);
        return -1;
    }
    job *j = sm_alloc(1, sizeof *j, err);
    if (!j)
        return -1;
    j->q = q;
    j->cfg = *cfg;
    pthread_mutex_lock(&q->idmu);   /* the grid's points fingerprint their dataset once */
    run_identity_cached(&j->cfg, &q->ident);
    pthread_mutex_unlock(&q->idmu);
    if (run_id && *run_id) {
        if (strlen(run_id) >= sizeof j->info.run_id || strchr(run_id, '/')) {
            free(j);
            sm_err_set(err, SM_EINVAL, "run id '%.60s': expected one path component of at most %zu characters",
                       run_id, sizeof j->info.run_id - 1);
            return -1;
        }
        snprintf(j->info.run_id, sizeof j->info.run_id, "%s", run_id);
    } else {
        run_default_id(&j->cfg, j->info.run_id, sizeof j->info.run_id);
    }
    pthread_mutex_lock(&q->mu);
    /* the same run already waiting or running: that job */
    for (int i = 0; i < q->njobs; i++)
        if (job_active(&q->jobs[i]->info) && strcmp(q->jobs[i]->info.run_id, j->info.run_id) == 0) {
            int id = i;
            pthread_mutex_unlock(&q->mu);
            free(j);
            return id;
        }
    j->info.state = RUN_QUEUED;
    j->info.verdict = RD_NEW;
    sm_status st = check_existing(q, &j->cfg, &j->info, err);
    if (st == SM_OK && q->njobs == q->cap) {
        int nc = q->cap ? 2 * q->cap : 64;
        job **nj = sm_realloc(q->jobs, (size_t)nc, sizeof *nj, err);
        if (nj) {
            q->jobs = nj;
            q->cap = nc;
        } else {
            st = SM_ENOMEM;
        }
    }
    if (st) {
        pthread_mutex_unlock(&q->mu);
        free(j);
        return -1;
    }
    j->info.id = q->njobs;
    q->jobs[q->njobs++] = j;
    if (job_active(&j->info)) {
        if (q->scan > j->info.id)
            q->scan = j->info.id;
        pthread_cond_signal(&q->work);
    }
    changed(q);
    int id = j->info.id;
    pthread_mutex_unlock(&q->mu);
    return id;
}

void queue_cancel(queue *q, int id)
{
    pthread_mutex_lock(&q->mu);
    if (id >= 0 && id < q->njobs) {
        job *j = q->jobs[id];
        if (job_active(&j->info) && j->info.state == RUN_QUEUED) {
            j->info.state = RUN_CANCELLED;
            pthread_cond_broadcast(&q->idle);
        } else if (job_active(&j->info)) {
            j->cancel = true;
        }
        changed(q);
    }
    pthread_mutex_unlock(&q->mu);
}

void queue_cancel_all(queue *q)
{
    pthread_mutex_lock(&q->mu);
    for (int i = 0; i < q->njobs; i++) {
        job *j = q->jobs[i];
        if (job_active(&j->info) && j->info.state == RUN_QUEUED)
            j->info.state = RUN_CANCELLED;
        else if (job_active(&j->info))
            j->cancel = true;
    }
    changed(q);
    pthread_cond_broadcast(&q->idle);
    pthread_mutex_unlock(&q->mu);
}

int queue_snapshot(queue *q, job_info *out, int max)
{
    pthread_mutex_lock(&q->mu);
    int n = q->njobs;
    for (int i = 0; i < n && i < max; i++)
        out[i] = q->jobs[i]->info;
    pthread_mutex_unlock(&q->mu);
    return n;
}

uint64_t queue_version(queue *q)
{
    pthread_mutex_lock(&q->mu);
    uint64_t v = q->version;
    pthread_mutex_unlock(&q->mu);
    return v;
}

int queue_wake_fd(queue *q)
{
    return q->pipe_rd;
}

static bool all_finished(const queue *q)
{
    for (int i = 0; i < q->njobs; i++)
        if (job_active(&q->jobs[i]->info))
            return false;
    return true;
}

void queue_wait(queue *q)
{
    pthread_mutex_lock(&q->mu);
    while (!all_finished(q))
        pthread_cond_wait(&q->idle, &q->mu);
    pthread_mutex_unlock(&q->mu);
}

bool queue_wait_for(queue *q, double seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ns = (long long)ts.tv_nsec + (long long)(seconds * 1e9);
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    pthread_mutex_lock(&q->mu);
    while (!all_finished(q))
        if (pthread_cond_timedwait(&q->idle, &q->mu, &ts) == ETIMEDOUT)
            break;
    bool done = all_finished(q);
    pthread_mutex_unlock(&q->mu);
    return done;
}

void queue_counts(queue *q, int counts[QUEUE_NCOUNTS])
{
    memset(counts, 0, QUEUE_NCOUNTS * sizeof counts[0]);
    pthread_mutex_lock(&q->mu);
    for (int i = 0; i < q->njobs; i++)
        counts[job_skipped(&q->jobs[i]->info) ? QUEUE_SKIPPED : (int)q->jobs[i]->info.state]++;
    pthread_mutex_unlock(&q->mu);
}

void queue_destroy(queue *q, bool cancel)
{
    if (!q)
        return;
    if (cancel)
        queue_cancel_all(q);
    else
        queue_wait(q);
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_broadcast(&q->work);
    pthread_mutex_unlock(&q->mu);
    for (int i = 0; i < q->nthreads; i++)
        pthread_join(q->threads[i], NULL);
    free(q->threads);
    for (int i = 0; i < q->njobs; i++)
        free(q->jobs[i]);
    free(q->jobs);
    for (int i = 0; i < q->ndsc; i++) {
        if (q->dsc[i]->tried && q->dsc[i]->st == SM_OK)
            dataset_free(&q->dsc[i]->ds);
        pthread_mutex_destroy(&q->dsc[i]->mu);
        free(q->dsc[i]);
    }
    free(q->dsc);
    close(q->pipe_rd);
    close(q->pipe_wr);
    pthread_cond_destroy(&q->work);
    pthread_cond_destroy(&q->idle);
    pthread_mutex_destroy(&q->mu);
    pthread_mutex_destroy(&q->idmu);
    free(q);
}
