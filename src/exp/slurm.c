/* slurm.c: the [slurm] section, the job-array script, and sbatch, squeue
 * and scancel as child processes (see slurm.h). */
#include "config.h"
#include "exp/slurm.h"
#include "base/fsutil.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

const char slurm_option_keys[] = "partition, account, qos, time, mem, cpus_per_task, throttle or sbatch";

/* ---- the [slurm] section ------------------------------------------------------ */

/* Slurm names (partitions, accounts, QoS): letters, digits and "_.-+,"
 * (a comma separates several partitions). */
static bool slurm_name_ok(const char *v)
{
    if (!*v)
        return false;
    for (; *v; v++)
        if (!isalnum((unsigned char)*v) && !strchr("_.-+,", *v))
            return false;
    return true;
}

/* minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS */
static bool slurm_time_ok(const char *v)
{
    int colons = 0, dashes = 0;
    if (!isdigit((unsigned char)*v))
        return false;
    for (const char *p = v; *p; p++) {
        if (*p == ':') {
            colons++;
            if (!isdigit((unsigned char)p[1]))
                return false;
        } else if (*p == '-') {
            dashes++;
            if (colons || !isdigit((unsigned char)p[1]))
                return false;
        } else if (!isdigit((unsigned char)*p)) {
            return false;
        }
    }
    return colons <= 2 && dashes <= 1;
}

static bool slurm_mem_ok(const char *v)
{
    const char *p = v;
    while (isdigit((unsigned char)*p))
        p++;
    if (p == v)
        return false;
    if (*p && strchr("KMGTkmgt", *p))
        p++;
    return *p == '\0';
}

static sm_status slurm_int(const char *key, const char *value, int lo, int hi, int *out, sm_err *err)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (!*value || *end || errno || v < lo || v > hi)
        return sm_err_set(err, SM_EINVAL, "key '%s': '%s' is not a whole number from %d to %d", key, value, lo, hi);
    *out = (int)v;
    return SM_OK;
}

sm_status slurm_option_set(slurm_options *o, const char *key, const char *value, sm_err *err)
{
    struct {
        const char *key;
        char *dst;
        size_t n;
    } names[] = {{"partition", o->partition, sizeof o->partition},
                 {"account", o->account, sizeof o->account},
                 {"qos", o->qos, sizeof o->qos}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(key, names[i].key) != 0)
            continue;
        if (!slurm_name_ok(value) || strlen(value) >= names[i].n)
            return sm_err_set(err, SM_EINVAL,
                              "key '%s': '%.80s' is not a Slurm name (letters, digits and _.-+, up to %zu "
                              "characters)", key, value, names[i].n - 1);
        snprintf(names[i].dst, names[i].n, "%s", value);
        return SM_OK;
    }
    if (strcmp(key, "time") == 0) {
        if (!slurm_time_ok(value) || strlen(value) >= sizeof o->time)
            return sm_err_set(err, SM_EINVAL,
                              "key 'time': '%.80s' is not a time limit (minutes, HH:MM:SS or D-HH:MM:SS)", value);
        snprintf(o->time, sizeof o->time, "%s", value);
        return SM_OK;
    }
    if (strcmp(key, "mem") == 0) {
        if (!slurm_mem_ok(value) || strlen(value) >= sizeof o->mem)
            return sm_err_set(err, SM_EINVAL, "key 'mem': '%.80s' is not a memory size (a number with an optional "
                              "K, M, G or T, e.g. 4G)", value);
        snprintf(o->mem, sizeof o->mem, "%s", value);
        return SM_OK;
    }
    if (strcmp(key, "cpus_per_task") == 0)
        return slurm_int(key, value, 1, 1024, &o->cpus_per_task, err);
    if (strcmp(key, "throttle") == 0)
        return slurm_int(key, value, 1, 100000, &o->throttle, err);
    if (strcmp(key, "sbatch") == 0) {
        if (value[0] != '-' || strlen(value) >= sizeof o->extra[0])
            return sm_err_set(err, SM_EINVAL, "key 'sbatch': '%.80s' is not an sbatch option (e.g. "
                              "--constraint=avx2)", value);
        if (o->nextra >= SLURM_EXTRA_MAX)
            return sm_err_set(err, SM_EINVAL, "key 'sbatch': more than %d lines", SLURM_EXTRA_MAX);
        snprintf(o->extra[o->nextra++], sizeof o->extra[0], "%s", value);
        return SM_OK;
    }
    return sm_err_set(err, SM_EINVAL, "unknown key '%.60s' in [slurm]: expected %s", key, slurm_option_keys);
}

/* ---- the script ----------------------------------------------------------------- */

/* Single-quoted for bash. */
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

/* #SBATCH lines are split at blanks and do not take shell quoting. */
static bool sbatch_path_ok(const char *p)
{
    for (; *p; p++)
        if (isspace((unsigned char)*p) || *p == '"' || *p == '\'' || *p == '%')
            return false;
    return true;
}

/* Where a job goes: [slurm]'s partition, account and qos. */
static void sbatch_where(FILE *f, const slurm_options *o)
{
    if (o->partition[0])
        fprintf(f, "#SBATCH --partition=%s\n", o->partition);
    if (o->account[0])
        fprintf(f, "#SBATCH --account=%s\n", o->account);
    if (o->qos[0])
        fprintf(f, "#SBATCH --qos=%s\n", o->qos);
}

sm_status slurm_script_write(FILE *f, const slurm_options *o, const char *title, const char *out,
                             const char *workdir, const char *const *ids, int n, sm_err *err)
{
    if (n < 1)
        return sm_err_set(err, SM_EINVAL, "a job array of no runs");
    if (out[0] != '/' || !sbatch_path_ok(out))
        return sm_err_set(err, SM_EINVAL, "%s: a Slurm output folder must be an absolute path without blanks, "
                          "quotes or '%%'", out);
    if (workdir[0] != '/' || !sbatch_path_ok(workdir))
        return sm_err_set(err, SM_EINVAL, "%s: a Slurm working directory must be an absolute path without blanks, "
                          "quotes or '%%'", workdir);
    fprintf(f, "#!/bin/bash\n"
               "# Slurm job array for the experiment %s: %d runs, one per array task.\n"
               "# Submit from any directory: sbatch %s/grid.sbatch\n"
               "# Each task trains OUT/configs/<task>.conf with selfmi train into OUT, the\n"
               "# same results layout as selfmi grid; selfmi report OUT reads them. A task\n"
               "# that finds its run finished keeps it, and one that finds it interrupted\n"
               "# (preempted, requeued, cancelled) resumes it from its checkpoint.\n",
            title, n, out);
    fprintf(f, "#SBATCH --job-name=selfmi-grid\n");
    if (o->throttle > 0)
        fprintf(f, "#SBATCH --array=0-%d%%%d\n", n - 1, o->throttle);
    else
        fprintf(f, "#SBATCH --array=0-%d\n", n - 1);
    fprintf(f, "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=%d\n", o->cpus_per_task > 0 ? o->cpus_per_task : 1);
    fprintf(f, "#SBATCH --output=%s/logs/%%A_%%a.out\n#SBATCH --open-mode=append\n#SBATCH --requeue\n"
               "#SBATCH --chdir=%s\n",
            out, workdir);
    sbatch_where(f, o);
    if (o->time[0])
        fprintf(f, "#SBATCH --time=%s\n", o->time);
    if (o->mem[0])
        fprintf(f, "#SBATCH --mem=%s\n", o->mem);
    for (int i = 0; i < o->nextra; i++)
        fprintf(f, "#SBATCH %s\n", o->extra[i]);
    fprintf(f, "\nset -eu\nexport OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1\nSELFMI=${SELFMI:-selfmi}\nOUT=");
    sh_quote(f, out);
    fprintf(f, "\nIDS=(\n");
    for (int i = 0; i < n; i++) {
        fputs("  ", f);
        sh_quote(f, ids[i]);
        fputc('\n', f);
    }
    fprintf(f, ")\n"
               "I=${SLURM_ARRAY_TASK_ID:?run as a Slurm array task, or set SLURM_ARRAY_TASK_ID}\n"
               "ID=${IDS[$I]}\n"
               "mkdir -p \"$OUT/logs\"\n"
               "if [ -n \"${SLURM_ARRAY_JOB_ID:-}\" ]; then\n"
               "  # which task runs this run, and so which log is its\n"
               "  echo \"${SLURM_ARRAY_JOB_ID}_$I\" > \"$OUT/logs/.$ID.task.$$\"\n"
               "  mv -f \"$OUT/logs/.$ID.task.$$\" \"$OUT/logs/$ID.task\"\n"
               "fi\n"
               "exec \"$SELFMI\" train \"$OUT/configs/$I.conf\" --out \"$OUT\" --run-id \"$ID\" --continue\n");
    return ferror(f) ? sm_err_set(err, SM_EIO, "cannot write the job-array script") : SM_OK;
}

/* Writes text to path whole (sm_atomic: a temporary and a rename). */
static sm_status write_whole(const char *path, const char *text, size_t len, bool exec, sm_err *err)
{
    sm_atomic a;
    sm_status st = sm_atomic_open(&a, path, err);
    if (!st && exec && fchmod(a.fd, 0755) != 0)
        st = sm_err_set(err, SM_EIO, "%s: cannot make it executable: %s", path, strerror(errno));
    if (!st)
        st = sm_atomic_write(&a, text, len, err);
    if (!st)
        st = sm_atomic_commit(&a, err);
    sm_atomic_abort(&a);
    return st;
}

sm_status slurm_array_write(const slurm_options *o, const char *title, const config *cfgs,
                            const char *const *ids, int n, const char *out, char *script, size_t sn, sm_err *err)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/configs", out);
    sm_status st = sm_mkdirs(path, err);
    if (!st) {
        snprintf(path, sizeof path, "%s/logs", out);
        st = sm_mkdirs(path, err);
    }
    for (int i = 0; i < n && !st; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (!m)
            return sm_err_set(err, SM_ENOMEM, "out of memory");
        config_write(&cfgs[i], m);
        fclose(m);
        snprintf(path, sizeof path, "%s/configs/%d.conf", out, i);
        st = write_whole(path, buf, len, false, err);
        free(buf);
    }
    if (st)
        return st;
    char absout[PATH_MAX], cwd[PATH_MAX];
    if (!realpath(out, absout))
        return sm_err_set(err, SM_EIO, "%s: %s", out, strerror(errno));
    if (!getcwd(cwd, sizeof cwd))
        return sm_err_set(err, SM_EIO, "the current directory: %s", strerror(errno));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return sm_err_set(err, SM_ENOMEM, "out of memory");
    st = slurm_script_write(f, o, title, absout, cwd, ids, n, err);
    fclose(f);
    if (!st) {
        snprintf(script, sn, "%s/grid.sbatch", out);
        st = write_whole(script, buf, len, true, err);
    }
    free(buf);
    return st;
}

sm_status slurm_driver_write(const slurm_options *o, const char *exp, const char *out, char *script, size_t sn,
                             sm_err *err)
{
    char absexp[PATH_MAX], absout[PATH_MAX], cwd[PATH_MAX];
    if (!realpath(exp, absexp))
        return sm_err_set(err, SM_EIO, "%s: %s", exp, strerror(errno));
    if (!realpath(out, absout))
        return sm_err_set(err, SM_EIO, "%s: %s", out, strerror(errno));
    if (!getcwd(cwd, sizeof cwd))
        return sm_err_set(err, SM_EIO, "the current directory: %s", strerror(errno));
    if (!sbatch_path_ok(absout) || !sbatch_path_ok(cwd))
        return sm_err_set(err, SM_EINVAL, "%s (in %s): a Slurm output folder and working directory must be paths "
                          "without blanks, quotes or '%%'", absout, cwd);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return sm_err_set(err, SM_ENOMEM, "out of memory");
    fprintf(f, "#!/bin/bash\n"
               "# Slurm driver of the halving search %s: one task that submits each\n"
               "# rung's job array (selfmi search --slurm --wait) and decides the next\n"
               "# rung from it. It lasts as long as the whole search: give it the time\n"
               "# (sbatch --time=...) the search needs. Submit from any directory:\n"
               "#   sbatch %s/search.sbatch\n"
               "# Started again, it keeps every finished run and goes on.\n",
            absexp, absout);
    fprintf(f, "#SBATCH --job-name=selfmi-search\n#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n"
               "#SBATCH --output=%s/search-%%j.out\n#SBATCH --open-mode=append\n#SBATCH --chdir=%s\n",
            absout, cwd);
    sbatch_where(f, o);
    fprintf(f, "\nset -eu\nexec \"${SELFMI:-selfmi}\" search ");
    sh_quote(f, absexp);
    fprintf(f, " --out ");
    sh_quote(f, absout);
    fprintf(f, " --slurm --wait\n");
    fclose(f);
    snprintf(script, sn, "%s/search.sbatch", out);
    sm_status st = write_whole(script, buf, len, true, err);
    free(buf);
    return st;
}

sm_status slurm_array_record(const char *out, const char *jobid, const char *const *ids, int n, sm_err *err)
{
    char *buf = NULL, path[PATH_MAX + 64];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return sm_err_set(err, SM_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        fprintf(f, "%d\t%s\n", i, ids[i]);
    fclose(f);
    snprintf(path, sizeof path, "%s/logs/%s.runs", out, jobid);
    sm_status st = write_whole(path, buf, len, false, err);
    free(buf);
    return st;
}

/* ---- child processes ---------------------------------------------------------------- */

/* Runs argv (looked up on PATH) with stdin from /dev/null; its stdout and
 * stderr (each cut at n - 1 bytes) into out and errbuf; its environment
 * envp (NULL: this process's); its exit status
 * into *status (-1: killed by a signal, or stopped after 60 s). */
static sm_status run_child(char *const argv[], char *const envp[], char *out, size_t n, char *errbuf, size_t en,
                           int *status, sm_err *err)
{
    int po[2], pe[2];
    out[0] = errbuf[0] = '\0';
    if (pipe(po) != 0)
        return sm_err_set(err, SM_EIO, "%s: cannot make a pipe: %s", argv[0], strerror(errno));
    if (pipe(pe) != 0) {
        close(po[0]);
        close(po[1]);
        return sm_err_set(err, SM_EIO, "%s: cannot make a pipe: %s", argv[0], strerror(errno));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    posix_spawn_file_actions_addclose(&fa, po[0]);
    posix_spawn_file_actions_addclose(&fa, pe[0]);
    posix_spawn_file_actions_addclose(&fa, po[1]);
    posix_spawn_file_actions_addclose(&fa, pe[1]);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp ? envp : environ);
    posix_spawn_file_actions_destroy(&fa);
    close(po[1]);
    close(pe[1]);
    if (rc != 0) {
        close(po[0]);
        close(pe[0]);
        return sm_err_set(err, SM_EIO, "%s: cannot start: %s", argv[0], strerror(rc));
    }
    size_t got[2] = {0, 0};
    char *buf[2] = {out, errbuf};
    size_t cap[2] = {n, en};
    struct pollfd fds[2] = {{.fd = po[0], .events = POLLIN}, {.fd = pe[0], .events = POLLIN}};
    double deadline = sm_now() + 60;
    bool late = false;
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        double left = deadline - sm_now();
        if (left <= 0) {
            late = true;
            kill(pid, SIGKILL);
            break;
        }
        int r = poll(fds, 2, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        for (int k = 0; k < 2; k++) {
            if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char tmp[4096];
            ssize_t m = read(fds[k].fd, tmp, sizeof tmp);
            if (m < 0 && errno == EINTR)
                continue;
            if (m <= 0) {
                close(fds[k].fd);
                fds[k].fd = -1;
                continue;
            }
            size_t take = (size_t)m;
            if (got[k] + take > cap[k] - 1)
                take = cap[k] - 1 - got[k];
            memcpy(buf[k] + got[k], tmp, take);
            got[k] += take;
            buf[k][got[k]] = '\0';
        }
    }
    for (int k = 0; k < 2; k++)
        if (fds[k].fd >= 0)
            close(fds[k].fd);
    int ws;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return sm_err_set(err, SM_EIO, "%s: %s", argv[0], strerror(errno));
    *status = !late && WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    if (late)
        return sm_err_set(err, SM_EIO, "%s: no answer in 60 s", argv[0]);
    return SM_OK;
}

/* The first line of a child's stderr, for messages. */
static const char *first_line(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *nl = strchr(s, '\n');
    if (nl)
        *nl = '\0';
    return s;
}

sm_status slurm_submit(const char *script, char *jobid, size_t n, sm_err *err)
{
    char out[256], errbuf[1024];
    int status;
    char *argv[] = {"sbatch", "--parsable", (char *)script, NULL};
    /* sbatch hands its environment to the tasks: unless SELFMI names
     * another program, they run this one */
    char self[PATH_MAX + 8] = "SELFMI=";
    ssize_t k = getenv("SELFMI") ? -1 : readlink("/proc/self/exe", self + 7, sizeof self - 8);
    char **envp = NULL;
    if (k > 0) {
        self[7 + k] = '\0';
        size_t ne = 0;
        while (environ[ne])
            ne++;
        envp = calloc(ne + 2, sizeof *envp);
        if (!envp)
            return sm_err_set(err, SM_ENOMEM, "out of memory");
        memcpy(envp, environ, ne * sizeof *envp);
        envp[ne] = self;
    }
    sm_status st = run_child(argv, envp, out, sizeof out, errbuf, sizeof errbuf, &status, err);
    free(envp);
    if (st)
        return st;
    if (status != 0)
        return sm_err_set(err, SM_EIO, "sbatch %s failed (exit %d): %s", script, status, first_line(errbuf));
    /* --parsable: "<jobid>[;<cluster>]" */
    size_t digits = strspn(out, "0123456789");
    if (digits == 0 || digits >= n)
        return sm_err_set(err, SM_EFORMAT, "sbatch %s: expected a job id, got '%.60s'", script, first_line(out));
    memcpy(jobid, out, digits);
    jobid[digits] = '\0';
    return SM_OK;
}

sm_status slurm_job_tasks(const char *jobid, slurm_task *tasks, int max, int *ntasks, sm_err *err)
{
    *ntasks = 0;
    char *out = malloc(1 << 20), errbuf[1024];
    if (!out)
        return sm_err_set(err, SM_ENOMEM, "out of memory");
    int status;
    char *argv[] = {"squeue", "--noheader", "--array", "--jobs", (char *)jobid, "--format", "%K|%T|%r", NULL};
    sm_status st = run_child(argv, NULL, out, 1 << 20, errbuf, sizeof errbuf, &status, err);
    if (st == SM_OK && status != 0) {
        if (strstr(errbuf, "Invalid job id"))
            st = SM_OK; /* finished long enough ago that Slurm forgot it */
        else
            st = sm_err_set(err, SM_EIO, "squeue --jobs %s failed (exit %d): %s", jobid, status, first_line(errbuf));
        out[0] = '\0';
    }
    char *save = NULL;
    for (char *line = st ? NULL : strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *bar1 = strchr(line, '|'), *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
        /* --array lists every task on its own line: "<index>|<state>|<reason>" */
        if (!bar2 || strspn(line, "0123456789") != (size_t)(bar1 - line) || bar1 == line)
            continue;
        if (*ntasks >= max)
            break;
        slurm_task *t = &tasks[(*ntasks)++];
        t->task = atoi(line);
        snprintf(t->state, sizeof t->state, "%.*s", (int)(bar2 - bar1 - 1), bar1 + 1);
        snprintf(t->reason, sizeof t->reason, "%s", bar2 + 1);
    }
    free(out);
    return st;
}

sm_status slurm_cancel(const char *id, sm_err *err)
{
    char out[256], errbuf[1024];
    int status;
    char *argv[] = {"scancel", (char *)id, NULL};
    sm_status st = run_child(argv, NULL, out, sizeof out, errbuf, sizeof errbuf, &status, err);
    if (st)
        return st;
    if (status != 0)
        return sm_err_set(err, SM_EIO, "scancel %s failed (exit %d): %s", id, status, first_line(errbuf));
    return SM_OK;
}

bool slurm_on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t k = strcspn(path, ":");
        char buf[PATH_MAX];
        if (k > 0 && k + strlen(prog) + 2 < sizeof buf) {
            snprintf(buf, sizeof buf, "%.*s/%s", (int)k, path, prog);
            if (access(buf, X_OK) == 0)
                return true;
        }
        path += k;
        if (*path == ':')
            path++;
    }
    return false;
}

sm_status slurm_run_task(const char *root, const char *run_id, char *task, size_t tn, char *log, size_t ln,
                         sm_err *err)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/logs/%s.task", root, run_id) >= sizeof path)
        return sm_err_set(err, SM_EINVAL, "%s/logs/%s.task: path too long", root, run_id);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return sm_err_set(err, SM_EIO, "%s: %s", path, strerror(errno));
    char buf[128];
    ssize_t m = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (m <= 0)
        return sm_err_set(err, SM_EFORMAT, "%s: empty", path);
    buf[m] = '\0';
    size_t k = strspn(buf, "0123456789_");
    buf[k] = '\0';
    if (k == 0 || !strchr(buf, '_'))
        return sm_err_set(err, SM_EFORMAT, "%s: expected <job>_<task>", path);
    snprintf(task, tn, "%s", buf);
    snprintf(log, ln, "%s/logs/%s.out", root, buf);
    return SM_OK;
}
