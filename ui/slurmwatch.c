/* slurmwatch.c: the Slurm state of a results root's runs (slurmwatch.h). */
#include "config.h"
#include "ui/slurmwatch.h"
#include "exp/slurm.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ui_slurm_init(ui_slurm *s, const char *root)
{
    memset(s, 0, sizeof *s);
    snprintf(s->root, sizeof s->root, "%s", root);
}

void ui_slurm_free(ui_slurm *s)
{
    free(s->runs);
    free(s->jobs);
    free(s->active);
    memset(s, 0, sizeof *s);
}

static ui_slurm_run *find(ui_slurm *s, const char *run_id)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->runs[i].run_id, run_id) == 0)
            return &s->runs[i];
    return NULL;
}

const ui_slurm_run *ui_slurm_find(const ui_slurm *s, const char *run_id)
{
    return find((ui_slurm *)s, run_id);
}

/* Job ids compare as numbers: the later submission has the larger one. */
static bool job_later(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    return la != lb ? la > lb : strcmp(a, b) > 0;
}

/* Reads ROOT/logs/<job>.runs: "<index>\t<run-id>" lines. */
static void read_runs(ui_slurm *s, const char *job)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/logs/%s.runs", s->root, job);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        char *id = tab + 1;
        id[strcspn(id, "\r\n")] = '\0';
        if (!*id || strlen(line) > 9)
            continue;
        ui_slurm_run *r = find(s, id);
        if (r) {
            char old[32];
            snprintf(old, sizeof old, "%.*s", (int)strcspn(r->task, "_"), r->task);
            if (!job_later(job, old))
                continue;
        } else {
            if (s->n == s->cap) {
                int nc = s->cap ? s->cap * 2 : 64;
                ui_slurm_run *nr = realloc(s->runs, (size_t)nc * sizeof *nr);
                if (!nr)
                    break;
                s->runs = nr;
                s->cap = nc;
            }
            r = &s->runs[s->n++];
            memset(r, 0, sizeof *r);
            snprintf(r->run_id, sizeof r->run_id, "%s", id);
        }
        snprintf(r->task, sizeof r->task, "%s_%s", job, line);
        snprintf(r->log, sizeof r->log, "%s/logs/%s.out", s->root, r->task);
        r->state[0] = r->reason[0] = '\0';
    }
    fclose(f);
}

/* New .runs files since the last look; their jobs start out active. */
static bool scan(ui_slurm *s)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/logs", s->root);
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool added = false;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t k = strspn(de->d_name, "0123456789");
        if (k == 0 || k >= 32 || strcmp(de->d_name + k, ".runs") != 0)
            continue;
        char job[32];
        snprintf(job, sizeof job, "%.*s", (int)k, de->d_name);
        bool known = false;
        for (int j = 0; j < s->njobs && !known; j++)
            known = strcmp(s->jobs[j], job) == 0;
        if (known)
            continue;
        char(*nj)[32] = realloc(s->jobs, (size_t)(s->njobs + 1) * sizeof *nj);
        if (!nj)
            break;
        s->jobs = nj;
        bool *na = realloc(s->active, (size_t)(s->njobs + 1) * sizeof *na);
        if (!na)
            break;
        s->active = na;
        snprintf(s->jobs[s->njobs], sizeof s->jobs[0], "%s", job);
        s->active[s->njobs++] = true;
        read_runs(s, job);
        added = true;
    }
    closedir(d);
    return added;
}

bool ui_slurm_refresh(ui_slurm *s, double period)
{
    bool changed = scan(s);
    double now = sm_now();
    if (now < s->next_poll)
        return changed;
    s->next_poll = now + period;
    int pending = 0, running = 0;
    for (int j = 0; j < s->njobs; j++) {
        if (!s->active[j])
            continue;
        slurm_task t[512];
        int nt = 0;
        sm_err err;
        if (slurm_job_tasks(s->jobs[j], t, 512, &nt, &err) != SM_OK)
            continue; /* squeue is not there or not answering: keep what we had */
        size_t jl = strlen(s->jobs[j]);
        for (int i = 0; i < s->n; i++) {
            ui_slurm_run *r = &s->runs[i];
            if (strncmp(r->task, s->jobs[j], jl) != 0 || r->task[jl] != '_')
                continue;
            int index = atoi(r->task + jl + 1);
            char state[24] = "", reason[64] = "";
            for (int k = 0; k < nt; k++)
                if (t[k].task == index) {
                    snprintf(state, sizeof state, "%s", t[k].state);
                    if (strcmp(state, "PENDING") == 0)
                        snprintf(reason, sizeof reason, "%s", t[k].reason);
                }
            changed |= strcmp(state, r->state) != 0 || strcmp(reason, r->reason) != 0;
            snprintf(r->state, sizeof r->state, "%s", state);
            snprintf(r->reason, sizeof r->reason, "%s", reason);
        }
        for (int k = 0; k < nt; k++) {
            pending += strcmp(t[k].state, "PENDING") == 0;
            running += strcmp(t[k].state, "RUNNING") == 0;
        }
        s->active[j] = nt > 0;
    }
    changed |= pending != s->npending || running != s->nrunning;
    s->npending = pending;
    s->nrunning = running;
    return changed;
}

void ui_slurm_describe(const ui_slurm_run *r, char *buf, size_t n)
{
    if (!r || !r->state[0])
        snprintf(buf, n, "%s", "");
    else if (r->reason[0] && strcmp(r->reason, "None") != 0)
        snprintf(buf, n, "%s (%s)", r->state, r->reason);
    else
        snprintf(buf, n, "%s", r->state);
}

sm_status ui_slurm_cancel(const ui_slurm_run *r, char *msg, size_t n)
{
    sm_err err;
    sm_err_clear(&err);
    sm_status st = slurm_cancel(r->task, &err);
    if (st)
        snprintf(msg, n, "%s", err.msg);
    else
        snprintf(msg, n, "scancel %s: Slurm task of %s cancelled", r->task, r->run_id);
    return st;
}

/* ---- the poller thread ------------------------------------------------------ */

struct ui_slurm_poller {
    pthread_mutex_t mu;
    pthread_cond_t cv;     /* stop or poke */
    pthread_t th;
    double period;
    ui_slurm work;         /* the thread's own: squeue and the disk reach only this */
    ui_slurm pub;          /* the last look, under mu */
    uint64_t version;      /* of pub, under mu */
    bool stop, poke;       /* under mu */
    bool busy;             /* under mu: a look is under way */
    bool orphan;           /* under mu: stopped while busy, the thread frees all */
    ui_slurm_run *cancel;  /* under mu: tasks to scancel before the next look */
    int ncancel, capcancel;
    char note[1100];       /* under mu: what the last scancels gave */
    bool note_bad;
    uint64_t note_version;
};

/* Copies src's runs, jobs and counts into dst (whose arrays are reused). */
static bool slurm_copy(ui_slurm *dst, const ui_slurm *src)
{
    if (dst->cap < src->n) {
        ui_slurm_run *r = realloc(dst->runs, (size_t)src->n * sizeof *r);
        if (!r)
            return false;
        dst->runs = r;
        dst->cap = src->n;
    }
    char(*j)[32] = realloc(dst->jobs, (size_t)(src->njobs ? src->njobs : 1) * sizeof *j);
    if (!j)
        return false;
    dst->jobs = j;
    bool *act = realloc(dst->active, (size_t)(src->njobs ? src->njobs : 1) * sizeof *act);
    if (!act)
        return false;
    dst->active = act;
    if (src->n)
        memcpy(dst->runs, src->runs, (size_t)src->n * sizeof *src->runs);
    if (src->njobs) {
        memcpy(dst->jobs, src->jobs, (size_t)src->njobs * sizeof *src->jobs);
        memcpy(dst->active, src->active, (size_t)src->njobs * sizeof *src->active);
    }
    dst->n = src->n;
    dst->njobs = src->njobs;
    dst->npending = src->npending;
    dst->nrunning = src->nrunning;
    dst->next_poll = src->next_poll;
    snprintf(dst->root, sizeof dst->root, "%s", src->root);
    return true;
}

static void poller_free(ui_slurm_poller *p)
{
    free(p->cancel);
    ui_slurm_free(&p->work);
    ui_slurm_free(&p->pub);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static void *poller_main(void *arg)
{
    ui_slurm_poller *p = arg;
    bool first = true;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        if (!first) {
            /* the next look: a poke, or every second for new .runs files
             * (ui_slurm_refresh asks squeue only once a period) */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            while (!p->stop && !p->poke && !p->ncancel)
                if (pthread_cond_timedwait(&p->cv, &p->mu, &ts) == ETIMEDOUT)
                    break;
            if (p->stop)
                break;
        }
        bool poked = p->poke || p->ncancel;
        p->poke = false;
        p->busy = true;
        ui_slurm_run *cancel = p->cancel;
        int ncancel = p->ncancel;
        p->cancel = NULL;
        p->ncancel = p->capcancel = 0;
        pthread_mutex_unlock(&p->mu);
        if (ncancel) {
            /* scancel here, not on the UI's thread: it may wait on slurmctld */
            char msg[sizeof p->note] = "";
            bool bad = false;
            for (int i = 0; i < ncancel; i++) {
                char one[sizeof p->note];
                if (ui_slurm_cancel(&cancel[i], one, sizeof one) != SM_OK && !bad) {
                    bad = true;
                    snprintf(msg, sizeof msg, "%s", one);
                } else if (!bad && ncancel == 1) {
                    snprintf(msg, sizeof msg, "%s", one);
                }
            }
            if (!bad && ncancel > 1)
                snprintf(msg, sizeof msg, "scancel: %d Slurm tasks cancelled", ncancel);
            free(cancel);
            pthread_mutex_lock(&p->mu);
            snprintf(p->note, sizeof p->note, "%s", msg);
            p->note_bad = bad;
            p->note_version++;
            pthread_mutex_unlock(&p->mu);
        }
        if (poked)
            p->work.next_poll = 0;
        bool changed = ui_slurm_refresh(&p->work, p->period);
        pthread_mutex_lock(&p->mu);
        p->busy = false;
        if (p->orphan)
            break;
        if ((changed || first) && slurm_copy(&p->pub, &p->work))
            p->version++;
        first = false;
    }
    bool orphan = p->orphan;
    pthread_mutex_unlock(&p->mu);
    if (orphan)
        poller_free(p);
    return NULL;
}

ui_slurm_poller *ui_slurm_poller_start(const char *root, double period)
{
    ui_slurm_poller *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    ui_slurm_init(&p->work, root);
    ui_slurm_init(&p->pub, root);
    p->period = period;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->th, NULL, poller_main, p) != 0) {
        poller_free(p);
        return NULL;
    }
    return p;
}

bool ui_slurm_poller_take(ui_slurm_poller *p, ui_slurm *s)
{
    bool took = false;
    pthread_mutex_lock(&p->mu);
    if (p->version != s->version && slurm_copy(s, &p->pub)) {
        s->version = p->version;
        took = true;
    }
    pthread_mutex_unlock(&p->mu);
    return took;
}

void ui_slurm_poller_poke(ui_slurm_poller *p)
{
    pthread_mutex_lock(&p->mu);
    p->poke = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

bool ui_slurm_poller_cancel(ui_slurm_poller *p, const ui_slurm_run *r)
{
    bool ok = false;
    pthread_mutex_lock(&p->mu);
    if (p->ncancel == p->capcancel) {
        int cap = p->capcancel ? 2 * p->capcancel : 8;
        ui_slurm_run *c = realloc(p->cancel, (size_t)cap * sizeof *c);
        if (c) {
            p->cancel = c;
            p->capcancel = cap;
        }
    }
    if (p->ncancel < p->capcancel) {
        p->cancel[p->ncancel++] = *r;
        ok = true;
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return ok;
}

bool ui_slurm_poller_note(ui_slurm_poller *p, uint64_t *seen, char *buf, size_t n, bool *bad)
{
    bool fresh = false;
    pthread_mutex_lock(&p->mu);
    if (p->note_version != *seen) {
        *seen = p->note_version;
        snprintf(buf, n, "%s", p->note);
        *bad = p->note_bad;
        fresh = true;
    }
    pthread_mutex_unlock(&p->mu);
    return fresh;
}

void ui_slurm_poller_stop(ui_slurm_poller *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    bool busy = p->busy;
    pthread_t th = p->th;
    if (busy)
        p->orphan = true;   /* from here on the thread owns p */
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (busy) {
        pthread_detach(th);   /* it frees p when squeue has answered */
        return;
    }
    pthread_join(th, NULL);
    poller_free(p);
}
