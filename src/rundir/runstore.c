/* runstore.c: the results directory of one run: atomic whole-file
 * replacement, whole-row appends, the status file and the checkpoint.
 * Every file is opened from its directory without following symlinks
 * (sm_open_regular). */
#include <config.h>
#include "rundir/runstore.h"
#include "base/fsutil.h"
#include "base/crc32.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- paths -------------------------------------------------------------- */

/* One path component, visible: a leading '.' would hide the run from
 * listings (and .attic holds runs moved aside). */
static bool valid_id(const char *id)
{
    if (!id[0] || id[0] == '.')
        return false;
    for (const char *p = id; *p; p++)
        if (*p == '/' || iscntrl((unsigned char)*p))
            return false;
    return true;
}

static sm_status join(char *buf, size_t n, const char *a, const char *b, sm_err *err)
{
    int w = snprintf(buf, n, "%s/%s", a, b);
    if (w < 0 || (size_t)w >= n)
        return sm_err_set(err, SM_EINVAL, "%s/%s: path too long (at most %zu bytes)", a, b, n - 1);
    return SM_OK;
}

sm_status runstore_path(const runstore *rs, const char *file, char *buf, size_t n, sm_err *err)
{
    return join(buf, n, rs->dir, file, err);
}

static sm_status runstore_init(runstore *rs, const char *root, const char *run_id, sm_err *err)
{
    memset(rs, 0, sizeof *rs);
    if (!valid_id(run_id)) {
        char shown[64];
        size_t i = 0;
        for (; run_id[i] && i < 60; i++)
            shown[i] = iscntrl((unsigned char)run_id[i]) ? '?' : run_id[i];
        shown[i] = '\0';
        return sm_err_set(err, SM_EINVAL,
                          "run id '%s': expected one path component not starting with '.' (not empty, no '/' "
                          "or control characters)",
                          shown);
    }
    if (strlen(run_id) >= sizeof rs->id)
        return sm_err_set(err, SM_EINVAL, "run id '%.40s...': too long (at most %zu bytes)", run_id,
                          sizeof rs->id - 1);
    strcpy(rs->id, run_id);
    /* leave room for "/.<file>.tmp.XXXXXX" under the run directory */
    sm_status st = join(rs->dir, sizeof rs->dir - 64, root, run_id, err);
    return st;
}

sm_status runstore_create(runstore *rs, const char *root, const char *run_id, sm_err *err)
{
    sm_status st = runstore_init(rs, root, run_id, err);
    if (st != SM_OK)
        return st;
    if ((st = sm_mkdirs(root, err)) != SM_OK)
        return st;
    if (mkdir(rs->dir, 0755) != 0) {
        if (errno == EEXIST)
            return sm_err_set(err, SM_EINVAL, "%s: a run with this id already exists", rs->dir);
        return sm_err_set(err, SM_EIO, "%s: cannot create the run directory: %s", rs->dir, strerror(errno));
    }
    sm_dir_sync(root);
    return SM_OK;
}

sm_status runstore_open(runstore *rs, const char *root, const char *run_id, sm_err *err)
{
    sm_status st = runstore_init(rs, root, run_id, err);
    if (st != SM_OK)
        return st;
    struct stat sb;
    if (lstat(rs->dir, &sb) != 0)
        return sm_err_set(err, SM_EIO, "%s: no such run directory: %s", rs->dir, strerror(errno));
    if (S_ISLNK(sb.st_mode))
        return sm_err_set(err, SM_EIO, "%s: is a symlink (not followed)", rs->dir);
    if (!S_ISDIR(sb.st_mode))
        return sm_err_set(err, SM_EIO, "%s: not a directory", rs->dir);
    return SM_OK;
}

sm_status runstore_temps_remove(const runstore *rs, sm_err *err)
{
    DIR *d = opendir(rs->dir);
    if (!d)
        return sm_err_set(err, SM_EIO, "%s: cannot list: %s", rs->dir, strerror(errno));
    struct dirent *e;
    sm_status st = SM_OK;
    while ((e = readdir(d)) != NULL) {
        if (!sm_atomic_is_temp(e->d_name))
            continue;
        char p[RUNSTORE_PATH_MAX + 256];
        snprintf(p, sizeof p, "%s/%s", rs->dir, e->d_name);
        if (unlink(p) != 0 && errno != ENOENT)
            st = sm_err_set(err, SM_EIO, "%s: cannot remove: %s", p, strerror(errno));
    }
    closedir(d);
    return st;
}

sm_status runstore_file_replace(const runstore *rs, const char *file, const void *buf, size_t n, sm_err *err)
{
    char path[RUNSTORE_PATH_MAX];
    sm_status st = runstore_path(rs, file, path, sizeof path, err);
    return st != SM_OK ? st : sm_atomic_replace(path, buf, n, err);
}

/* ---- run.conf ----------------------------------------------------------- */

sm_status runstore_config_write(const runstore *rs, const config *c, sm_err *err)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return sm_err_set(err, SM_ENOMEM, "%s/%s: cannot allocate a buffer", rs->dir, RUNSTORE_CONF);
    sm_status st = config_write(c, f);
    if (fclose(f) != 0 && st == SM_OK)
        st = SM_ENOMEM;
    if (st != SM_OK) {
        free(buf);
        return sm_err_set(err, st, "%s/%s: cannot format the configuration (%s)", rs->dir, RUNSTORE_CONF,
                          sm_status_str(st));
    }
    st = runstore_file_replace(rs, RUNSTORE_CONF, buf, n, err);
    free(buf);
    return st;
}

sm_status runstore_config_read(const runstore *rs, config *c, sm_err *err)
{
    char path[RUNSTORE_PATH_MAX];
    sm_status st = runstore_path(rs, RUNSTORE_CONF, path, sizeof path, err);
    return st != SM_OK ? st : config_read_file(c, path, err);
}

/* ---- status ------------------------------------------------------------- */

static const char *const state_names[] = {"queued", "running", "done", "failed", "cancelled", "interrupted"};

const char *run_state_name(run_state s)
{
    return (unsigned)s < 6 ? state_names[s] : "?";
}

sm_status runstore_status_write(const runstore *rs, run_state s, const char *reason, sm_err *err)
{
    if ((unsigned)s >= 5)
        return sm_err_set(err, SM_EINVAL, "%s: bad run state %d", rs->dir, (int)s);
    char line[600];
    if (s == RUN_FAILED) {
        int k = snprintf(line, sizeof line - 1, "failed: %s", reason && *reason ? reason : "unknown");
        if (k < 0)
            return sm_err_set(err, SM_EINTERNAL, "status: cannot format");
        for (char *p = line; *p; p++)
            if (iscntrl((unsigned char)*p))
                *p = ' ';
    } else {
        snprintf(line, sizeof line - 1, "%s", state_names[s]);
    }
    strcat(line, "\n");
    return runstore_file_replace(rs, RUNSTORE_STATUS, line, strlen(line), err);
}

bool run_status_parse(const char *text, run_state *s, char *reason, size_t n)
{
    char line[700];
    snprintf(line, sizeof line, "%s", text);
    size_t k = strlen(line);
    while (k > 0 && isspace((unsigned char)line[k - 1]))
        line[--k] = '\0';
    if (reason && n)
        reason[0] = '\0';
    if (strncmp(line, "failed:", 7) == 0) {
        const char *r = line + 7;
        while (*r == ' ')
            r++;
        if (reason && n)
            snprintf(reason, n, "%s", r);
        *s = RUN_FAILED;
        return true;
    }
    for (int i = 0; i < RUN_INTERRUPTED; i++)   /* interrupted is never written */
        if (i != RUN_FAILED && strcmp(line, state_names[i]) == 0) {
            *s = (run_state)i;
            return true;
        }
    return false;
}

sm_status run_status_read(const char *path, run_state *s, char *reason, size_t n, sm_err *err)
{
    int fd = sm_open_regular_path(path, O_RDONLY, 0, NULL, err);
    if (fd < 0)
        return err ? err->status : SM_EIO;
    char line[700];
    ssize_t k;
    do
        k = read(fd, line, sizeof line - 1);
    while (k < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (k < 0)
        return sm_err_set(err, SM_EIO, "%s: read failed: %s", path, strerror(e));
    line[k] = '\0';
    if (strlen(line) != (size_t)k)
        return sm_err_set(err, SM_EFORMAT, "%s: a NUL byte in the status", path);
    if (run_status_parse(line, s, reason, n))
        return SM_OK;
    line[strcspn(line, "\n")] = '\0';
    return sm_err_set(err, SM_EFORMAT,
                      "%s: unknown status '%.60s': expected queued, running, done, failed: REASON or cancelled",
                      path, line);
}

sm_status runstore_status_read(const runstore *rs, run_state *s, char *reason, size_t n, sm_err *err)
{
    char path[RUNSTORE_PATH_MAX];
    sm_status st = runstore_path(rs, RUNSTORE_STATUS, path, sizeof path, err);
    return st != SM_OK ? st : run_status_read(path, s, reason, n, err);
}

sm_status runstore_state(const runstore *rs, run_state *s, char *reason, size_t n, sm_err *err)
{
    sm_status st = runstore_status_read(rs, s, reason, n, err);
    if (st != SM_OK || *s != RUN_RUNNING)
        return st;
    char who[256];
    if (!runstore_lock_held(rs, who, sizeof who)) {
        *s = RUN_INTERRUPTED;
        if (reason && n)
            snprintf(reason, n, "%s", who[0] ? who : "no lock");
    }
    return SM_OK;
}

/* ---- the run lock ------------------------------------------------------- */

/* A one-line description of this process: pid, start time (clock ticks
 * after boot, /proc/self/stat field 22), boot id and host. */
static void lock_text(char *buf, size_t n)
{
    char boot[64] = "?", host[128] = "?";
    unsigned long long start = 0;
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (f) {
        if (!fgets(boot, sizeof boot, f))
            snprintf(boot, sizeof boot, "?");
        boot[strcspn(boot, "\n")] = '\0';
        fclose(f);
    }
    f = fopen("/proc/self/stat", "r");
    if (f) {
        char line[1024];
        if (fgets(line, sizeof line, f)) {
            /* fields after the command name, which ends at the last ')' */
            const char *p = strrchr(line, ')');
            for (int field = 2; p && field < 22; field++)
                p = strchr(p + 1, ' ');
            if (p)
                start = strtoull(p + 1, NULL, 10);
        }
        fclose(f);
    }
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    snprintf(buf, n, "pid %ld start %llu boot %s host %s\n", (long)getpid(), start, boot, host);
}

static void lock_who(int fd, char *who, size_t n)
{
    if (!who || !n)
        return;
    who[0] = '\0';
    char buf[256];
    ssize_t k = pread(fd, buf, sizeof buf - 1, 0);
    if (k <= 0)
        return;
    buf[k] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    snprintf(who, n, "%s", buf);
}

sm_status runstore_lock_take(runstore_lock *lk, const runstore *rs, bool *busy, char *who, size_t n, sm_err *err)
{
    lk->fd = -1;
    *busy = false;
    if (who && n)
        who[0] = '\0';
    sm_status st = runstore_path(rs, RUNSTORE_LOCK, lk->path, sizeof lk->path, err);
    if (st != SM_OK)
        return st;
    int fd = sm_open_regular_path(lk->path, O_RDWR | O_CREAT, 0644, NULL, err);
    if (fd < 0)
        return sm_err_prefix(err, "the run lock");
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
        int e = errno;
        if (e == EAGAIN || e == EACCES) {
            *busy = true;
            lock_who(fd, who, n);
            close(fd);
            return SM_OK;
        }
        close(fd);
        return sm_err_set(err, SM_EIO, "%s: cannot lock: %s", lk->path, strerror(e));
    }
    /* the directory may have been moved aside between open and lock: the
     * lock must be the one at the path */
    struct stat a, b;
    if (fstat(fd, &a) != 0 || lstat(lk->path, &b) != 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
        close(fd);
        *busy = true;
        if (who && n)
            snprintf(who, n, "the run directory moved while being locked");
        return SM_OK;
    }
    char text[512];
    lock_text(text, sizeof text);
    size_t len = strlen(text);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, len, 0) != (ssize_t)len) {
        int e = errno;
        close(fd);
        return sm_err_set(err, SM_EIO, "%s: cannot write the run lock: %s", lk->path, strerror(e));
    }
    lk->fd = fd;
    return SM_OK;
}

void runstore_lock_release(runstore_lock *lk)
{
    if (lk && lk->fd >= 0) {
        close(lk->fd);
        lk->fd = -1;
    }
}

bool runstore_lock_held(const runstore *rs, char *who, size_t n)
{
    if (who && n)
        who[0] = '\0';
    char path[RUNSTORE_PATH_MAX];
    sm_err e;
    if (runstore_path(rs, RUNSTORE_LOCK, path, sizeof path, &e) != SM_OK)
        return false;
    int fd = sm_open_regular_path(path, O_RDONLY, 0, NULL, &e);
    if (fd < 0)
        return false;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    bool held = fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    lock_who(fd, who, n);
    close(fd);
    return held;
}

/* ---- rows --------------------------------------------------------------- */

/* The position of the buffered rows' end, after a flush (open_memstream
 * reports its size as the current position). */
static void rows_sync(runstore_rows *r)
{
    if (fflush(r->mem) != 0)
        r->bad = true;
}

sm_status runstore_rows_init(runstore_rows *r, const char *const *cols, int ncols, sm_err *err)
{
    memset(r, 0, sizeof *r);
    if (ncols < 1)
        return sm_err_set(err, SM_EINVAL, "a table needs at least one column");
    r->cols = sm_alloc((size_t)ncols, sizeof *r->cols, err);
    if (!r->cols)
        return SM_ENOMEM;
    r->ncols = ncols;
    for (int c = 0; c < ncols; c++) {
        for (const char *p = cols[c]; *p; p++)
            if (iscntrl((unsigned char)*p)) {
                runstore_rows_free(r);
                return sm_err_set(err, SM_EINVAL, "column %d: control characters in a column name", c + 1);
            }
        if (!(r->cols[c] = sm_strdup(cols[c], err))) {
            runstore_rows_free(r);
            return SM_ENOMEM;
        }
    }
    r->mem = open_memstream(&r->buf, &r->len);
    if (!r->mem) {
        runstore_rows_free(r);
        return sm_err_set(err, SM_ENOMEM, "cannot allocate a row buffer");
    }
    /* the buffer belongs to one writer (runstore.h): no stdio lock per
     * character (a labels.csv row is some sixty fputc calls) */
    __fsetlocking(r->mem, FSETLOCKING_BYCALLER);
    csvw_init(&r->w, r->mem);
    return SM_OK;
}

void runstore_rows_free(runstore_rows *r)
{
    if (!r)
        return;
    if (r->cols)
        for (int c = 0; c < r->ncols; c++)
            free(r->cols[c]);
    free(r->cols);
    if (r->mem)
        fclose(r->mem);
    free(r->buf);
    memset(r, 0, sizeof *r);
}

/* numfmt and %ld write the same digits whatever the thread's LC_NUMERIC */
static void rows_number(runstore_rows *r, double v, bool wide, bool integer, long iv)
{
    if (integer)
        csvw_int(&r->w, iv);
    else if (wide)
        csvw_num17(&r->w, v);
    else
        csvw_num(&r->w, v);
    r->col++;
}

void runstore_rows_num(runstore_rows *r, double v)
{
    rows_number(r, v, false, false, 0);
}

void runstore_rows_num17(runstore_rows *r, double v)
{
    rows_number(r, v, true, false, 0);
}

void runstore_rows_int(runstore_rows *r, long v)
{
    rows_number(r, 0, false, true, v);
}

void runstore_rows_str(runstore_rows *r, const char *s)
{
    size_t n = strlen(s);
    char small[256];
    char *tmp = n < sizeof small ? small : malloc(n + 1);
    if (!tmp) {
        r->bad = true;
        r->col++;
        return;
    }
    for (size_t i = 0; i <= n; i++)
        tmp[i] = (i < n && iscntrl((unsigned char)s[i])) ? ' ' : s[i];
    csvw_str(&r->w, tmp);
    if (tmp != small)
        free(tmp);
    r->col++;
}

void runstore_rows_empty(runstore_rows *r)
{
    csvw_empty(&r->w);
    r->col++;
}

sm_status runstore_rows_end(runstore_rows *r, sm_err *err)
{
    if (r->col != r->ncols) {
        /* drop the partial row: back to the end of the last complete one */
        int got = r->col;
        r->col = 0;
        r->w.col = 0;
        if (fseeko(r->mem, (off_t)r->len, SEEK_SET) != 0)
            r->bad = true;
        rows_sync(r);
        return sm_err_set(err, SM_EINVAL, "a row has %d fields, the table has %d columns (%s, ...)", got,
                          r->ncols, r->cols[0]);
    }
    csvw_end(&r->w);
    r->col = 0;
    rows_sync(r);
    if (!csvw_ok(&r->w))
        r->bad = true;
    if (r->bad)
        return sm_err_set(err, SM_ENOMEM, "cannot buffer a row (out of memory)");
    r->nrows++;
    return SM_OK;
}

sm_status runstore_rows_clear(runstore_rows *r, sm_err *err)
{
    r->col = 0;
    r->w.col = 0;
    r->nrows = 0;
    if (fseeko(r->mem, 0, SEEK_SET) != 0 || fflush(r->mem) != 0)
        return sm_err_set(err, SM_ENOMEM, "cannot reset the row buffer");
    return SM_OK;
}

/* The header row of r's columns, formatted into a malloc'd buffer. */
static sm_status header_format(const runstore_rows *r, char **buf, size_t *n, sm_err *err)
{
    *buf = NULL;
    *n = 0;
    FILE *f = open_memstream(buf, n);
    if (!f)
        return sm_err_set(err, SM_ENOMEM, "cannot allocate a header buffer");
    csv_writer w;
    csvw_init(&w, f);
    for (int c = 0; c < r->ncols; c++)
        csvw_str(&w, r->cols[c]);
    csvw_end(&w);
    bool ok = csvw_ok(&w);
    if (fclose(f) != 0 || !ok) {
        free(*buf);
        *buf = NULL;
        return sm_err_set(err, SM_ENOMEM, "cannot format a header");
    }
    return SM_OK;
}

static sm_status rows_ready(runstore_rows *r, const char *path, sm_err *err)
{
    if (r->col != 0)
        return sm_err_set(err, SM_EINVAL, "%s: a row is unfinished (%d of %d fields)", path, r->col, r->ncols);
    if (r->bad)
        return sm_err_set(err, SM_ENOMEM, "%s: the row buffer failed (out of memory)", path);
    rows_sync(r);
    return SM_OK;
}

sm_status runstore_csv_save(const runstore *rs, const char *file, runstore_rows *r, sm_err *err)
{
    char path[RUNSTORE_PATH_MAX];
    sm_status st = runstore_path(rs, file, path, sizeof path, err);
    if (st != SM_OK || (st = rows_ready(r, path, err)) != SM_OK)
        return st;
    char *head;
    size_t hn;
    if ((st = header_format(r, &head, &hn, err)) != SM_OK)
        return st;
    sm_atomic a;
    st = sm_atomic_open(&a, path, err);
    if (st == SM_OK)
        st = sm_atomic_write(&a, head, hn, err);
    if (st == SM_OK)
        st = sm_atomic_write(&a, r->buf, r->len, err);
    if (st == SM_OK)
        st = sm_atomic_commit(&a, err);
    free(head);
    if (st == SM_OK)
        st = runstore_rows_clear(r, err);
    return st;
}

sm_status runstore_csv_read(const runstore *rs, const char *file, csv_table *t, sm_err *err)
{
    char path[RUNSTORE_PATH_MAX];
    sm_status st = runstore_path(rs, file, path, sizeof path, err);
    if (st != SM_OK)
        return st;
    size_t n;
    char *buf = sm_read_file(path, &n, err);   /* no symlink, no FIFO */
    if (!buf)
        return err ? err->status : SM_EIO;
    st = csvio_parse(t, buf, n, path, err);
    free(buf);
    if (st != SM_OK)
        return st;
    if (t->nrows == 0) {
        csvio_free(t);
        return sm_err_set(err, SM_EFORMAT, "%s: empty file: expected a header row", path);
    }
    for (int r = 1; r < t->nrows; r++)
        if (t->nfields[r] != t->nfields[0]) {
            int line = t->line[r], got = t->nfields[r], want = t->nfields[0];
            csvio_free(t);
            return sm_err_set(err, SM_EFORMAT, "%s: line %d: %d fields, the header has %d", path, line, got, want);
        }
    return SM_OK;
}

/* ---- logs --------------------------------------------------------------- */

/* Cuts a torn last line (no final newline) back to the last complete row.
 * Rows never hold a raw newline (runstore_rows_str), so the last newline
 * ends the last complete row. */
static sm_status log_repair(runstore_log *lg, off_t size, sm_err *err)
{
    char c;
    if (pread(lg->fd, &c, 1, size - 1) != 1)
        return sm_err_set(err, SM_EIO, "%s: cannot read: %s", lg->path, strerror(errno));
    if (c == '\n')
        return SM_OK;
    char buf[4096];
    off_t end = size;
    while (end > 0) {
        off_t start = end > (off_t)sizeof buf ? end - (off_t)sizeof buf : 0;
        ssize_t k = pread(lg->fd, buf, (size_t)(end - start), start);
        if (k != end - start)
            return sm_err_set(err, SM_EIO, "%s: cannot read: %s", lg->path, strerror(errno));
        for (ssize_t i = k - 1; i >= 0; i--)
            if (buf[i] == '\n') {
                if (ftruncate(lg->fd, start + i + 1) != 0)
                    return sm_err_set(err, SM_EIO, "%s: cannot cut a torn last row: %s", lg->path,
                                      strerror(errno));
                return SM_OK;
            }
        end = start;
    }
    /* not even the header is complete: start over */
    if (ftruncate(lg->fd, 0) != 0)
        return sm_err_set(err, SM_EIO, "%s: cannot cut a torn header: %s", lg->path, strerror(errno));
    return SM_OK;
}

/* Checks the first row of an existing log against the expected columns. */
static sm_status log_check_header(runstore_log *lg, const runstore_rows *want, sm_err *err)
{
    char buf[8192];
    ssize_t k = pread(lg->fd, buf, sizeof buf, 0);
    if (k < 0)
        return sm_err_set(err, SM_EIO, "%s: cannot read: %s", lg->path, strerror(errno));
    char *nl = memchr(buf, '\n', (size_t)k);
    if (!nl)
        return sm_err_set(err, SM_EFORMAT, "%s: line 1: no complete header row", lg->path);
    csv_table t;
    sm_status st = csvio_parse(&t, buf, (size_t)(nl - buf + 1), lg->path, err);
    if (st != SM_OK)
        return st;
    if (t.nrows != 1 || t.nfields[0] != want->ncols) {
        int got = t.nrows ? t.nfields[0] : 0;
        csvio_free(&t);
        return sm_err_set(err, SM_EFORMAT, "%s: line 1: the header has %d columns, expected %d (%s, ...)", lg->path,
                          got, want->ncols, want->cols[0]);
    }
    for (int c = 0; c < want->ncols; c++)
        if (strcmp(csvio_get(&t, 0, c), want->cols[c]) != 0) {
            st = sm_err_set(err, SM_EFORMAT, "%s: line 1: column %d is '%s', expected '%s'", lg->path, c + 1,
                            csvio_get(&t, 0, c), want->cols[c]);
            break;
        }
    csvio_free(&t);
    return st;
}

sm_status runstore_log_open(runstore_log *lg, const runstore *rs, const char *file, const char *const *cols,
                            int ncols, bool sync, sm_err *err)
{
    memset(lg, 0, sizeof *lg);
    lg->fd = -1;
    lg->ncols = ncols;
    lg->sync = sync;
    sm_status st = runstore_path(rs, file, lg->path, sizeof lg->path, err);
    if (st != SM_OK)
        return st;
    runstore_rows head;
    if ((st = runstore_rows_init(&head, cols, ncols, err)) != SM_OK)
        return st;
    lg->fd = sm_open_regular_path(lg->path, O_RDWR | O_APPEND | O_CREAT, 0644, NULL, err);
    if (lg->fd < 0) {
        runstore_rows_free(&head);
        return err ? err->status : SM_EIO;
    }
    struct stat sb;
    if (fstat(lg->fd, &sb) != 0)
        st = sm_err_set(err, SM_EIO, "%s: cannot stat: %s", lg->path, strerror(errno));
    else if (sb.st_size > 0)
        st = log_repair(lg, sb.st_size, err);
    if (st == SM_OK && fstat(lg->fd, &sb) != 0)
        st = sm_err_set(err, SM_EIO, "%s: cannot stat: %s", lg->path, strerror(errno));
    if (st == SM_OK && sb.st_size > 0)
        st = log_check_header(lg, &head, err);
    else if (st == SM_OK) {
        char *buf;
        size_t n;
        st = header_format(&head, &buf, &n, err);
        if (st == SM_OK) {
            st = sm_write_all(lg->fd, buf, n, lg->path, err);
            free(buf);
        }
        if (st == SM_OK && sync && fsync(lg->fd) != 0)
            st = sm_err_set(err, SM_EIO, "%s: fsync failed: %s", lg->path, strerror(errno));
        if (st == SM_OK)
            sm_dir_sync(rs->dir);
    }
    runstore_rows_free(&head);
    if (st != SM_OK) {
        close(lg->fd);
        lg->fd = -1;
    }
    return st;
}

/* Test hook (tests/cli/rel_crash.sh): SELFMI_TEST_TEAR_APPEND=FILE:N makes
 * the N-th append to the log FILE write the first half of its bytes (never
 * ending on a row boundary) and then die by SIGKILL, as a kill during the
 * kernel's copy does: the torn last line every reader must take as absent. */
static void test_tear(const runstore_log *lg, const runstore_rows *r)
{
    const char *v = getenv("SELFMI_TEST_TEAR_APPEND");
    const char *colon = v ? strrchr(v, ':') : NULL;
    const char *base = strrchr(lg->path, '/');
    base = base ? base + 1 : lg->path;
    if (!colon || strlen(base) != (size_t)(colon - v) || strncmp(v, base, (size_t)(colon - v)) != 0 ||
        atoi(colon + 1) != lg->appends || r->len < 2)
        return;
    size_t half = r->len / 2;
    if (r->buf[half - 1] == '\n')
        half--;
    ssize_t k = write(lg->fd, r->buf, half);
    (void)k;
    raise(SIGKILL);
}

sm_status runstore_log_append(runstore_log *lg, runstore_rows *r, sm_err *err)
{
    if (lg->fd < 0)
        return sm_err_set(err, SM_EINVAL, "%s: the log is not open", lg->path);
    if (r->ncols != lg->ncols)
        return sm_err_set(err, SM_EINVAL, "%s: rows have %d columns, the log has %d", lg->path, r->ncols,
                          lg->ncols);
    sm_status st = rows_ready(r, lg->path, err);
    if (st != SM_OK)
        return st;
    if (r->len == 0)
        return SM_OK;
    lg->appends++;
    test_tear(lg, r);
    struct stat sb;
    if (fstat(lg->fd, &sb) != 0)
        return sm_err_set(err, SM_EIO, "%s: cannot stat: %s", lg->path, strerror(errno));
    /* one write() of whole rows: it lands entirely or, if cut short (disk
     * full, file size limit), is cut back so no half row remains */
    ssize_t k;
    do
        k = write(lg->fd, r->buf, r->len);
    while (k < 0 && errno == EINTR);
    if (k < 0 || (size_t)k != r->len) {
        char why[128];
        if (k < 0)
            snprintf(why, sizeof why, "%s", strerror(errno));
        else
            snprintf(why, sizeof why, "cut short after %zd of %zu bytes (disk full or file size limit)", k, r->len);
        if (ftruncate(lg->fd, sb.st_size) != 0)
            return sm_err_set(err, SM_EIO, "%s: append failed (%s) and the partial row could not be removed: %s",
                              lg->path, why, strerror(errno));
        return sm_err_set(err, SM_EIO, "%s: append failed: %s", lg->path, why);
    }
    if (lg->sync && fdatasync(lg->fd) != 0)
        return sm_err_set(err, SM_EIO, "%s: fsync failed: %s", lg->path, strerror(errno));
    return runstore_rows_clear(r, err);
}

sm_status runstore_log_cut(const runstore *rs, const char *file, int epoch, sm_err *err)
{
    char path[RUNSTORE_PATH_MAX];
    sm_status st = runstore_path(rs, file, path, sizeof path, err);
    if (st != SM_OK)
        return st;
    bool missing;
    int fd = sm_open_regular_path(path, O_RDWR, 0, &missing, err);
    if (fd < 0)
        return missing ? SM_OK : err->status;
    FILE *f = fdopen(fd, "r+");
    if (!f) {
        close(fd);
        return sm_err_set(err, SM_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    /* rows are appended in epoch order: keep everything before the first
     * complete row of a later epoch, and no torn last line */
    char *line = NULL;
    size_t cap = 0;
    ssize_t k;
    off_t keep = 0, at = 0;
    bool header = true;
    while ((k = getline(&line, &cap, f)) > 0) {
        if (line[k - 1] != '\n')
            break;
        if (!header) {
            char *end;
            long e = strtol(line, &end, 10);
            if (end == line || *end != ',' || e > epoch)
                break;
        }
        header = false;
        at += k;
        keep = at;
    }
    free(line);
    if (ftruncate(fileno(f), keep) != 0)
        st = sm_err_set(err, SM_EIO, "%s: cannot cut back to epoch %d: %s", path, epoch, strerror(errno));
    fclose(f);
    return st;
}

void runstore_log_close(runstore_log *lg)
{
    if (lg && lg->fd >= 0) {
        close(lg->fd);
        lg->fd = -1;
    }
}

/* ---- checkpoint ---------------------------------------------------------- */

uint32_t runstore_crc32(uint32_t crc, const void *data, size_t n)
{
    return sm_crc32(crc, data, n);
}

#define CKPT_MAGIC "SELFMICK"
#define CKPT_VERSION 1u
#define CKPT_BOM 0x01020304u
#define CKPT_HEAD (8 + 4 + 4 + 8 + 4)   /* magic, version, bom, file size, count */
#define CKPT_NAME_MAX 255

/* Streams pieces into the temp file while accumulating the CRC. */
typedef struct {
    sm_atomic a;
    uint32_t crc;
    sm_status st;
    sm_err *err;
} ckpt_writer;

static void ckpt_put(ckpt_writer *w, const void *p, size_t n)
{
    if (w->st != SM_OK)
        return;
    w->crc = runstore_crc32(w->crc, p, n);
    w->st = sm_atomic_write(&w->a, p, n, w->err);
}

static sm_status checkpoint_save(const char *path, const runstore_blob *blobs, int n, bool lazy, sm_err *err)
{
    if (n < 0)
        return sm_err_set(err, SM_EINVAL, "%s: negative blob count", path);
    uint64_t total = CKPT_HEAD + 4;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(blobs[i].name);
        if (len == 0 || len > CKPT_NAME_MAX)
            return sm_err_set(err, SM_EINVAL, "%s: blob %d: a name of 1 to %d bytes is required", path, i,
                              CKPT_NAME_MAX);
        if (blobs[i].size && !blobs[i].data)
            return sm_err_set(err, SM_EINVAL, "%s: blob '%s': no data", path, blobs[i].name);
        for (int j = 0; j < i; j++)
            if (strcmp(blobs[i].name, blobs[j].name) == 0)
                return sm_err_set(err, SM_EINVAL, "%s: blob '%s' given twice", path, blobs[i].name);
        total += 4 + len + 8 + blobs[i].size;
    }
    ckpt_writer w = {.crc = 0, .st = SM_OK, .err = err};
    w.st = sm_atomic_open(&w.a, path, err);
    if (w.st != SM_OK)
        return w.st;
    w.a.lazy = lazy;
    uint32_t version = CKPT_VERSION, bom = CKPT_BOM, count = (uint32_t)n;
    ckpt_put(&w, CKPT_MAGIC, 8);
    ckpt_put(&w, &version, 4);
    ckpt_put(&w, &bom, 4);
    ckpt_put(&w, &total, 8);
    ckpt_put(&w, &count, 4);
    for (int i = 0; i < n; i++) {
        uint32_t len = (uint32_t)strlen(blobs[i].name);
        uint64_t size = blobs[i].size;
        ckpt_put(&w, &len, 4);
        ckpt_put(&w, blobs[i].name, len);
        ckpt_put(&w, &size, 8);
        if (size)
            ckpt_put(&w, blobs[i].data, blobs[i].size);
    }
    if (w.st != SM_OK)
        return w.st;
    uint32_t crc = w.crc;
    if ((w.st = sm_atomic_write(&w.a, &crc, 4, err)) != SM_OK)
        return w.st;
    return sm_atomic_commit(&w.a, err);
}

sm_status runstore_checkpoint_save(const char *path, const runstore_blob *blobs, int n, sm_err *err)
{
    return checkpoint_save(path, blobs, n, false, err);
}

sm_status runstore_checkpoint_write(const runstore *rs, const char *file, const runstore_blob *blobs, int n,
                                    sm_err *err)
{
    char path[RUNSTORE_PATH_MAX];
    sm_status st = runstore_path(rs, file, path, sizeof path, err);
    return st != SM_OK ? st : checkpoint_save(path, blobs, n, rs->lazy_checkpoint, err);
}

static sm_status ckpt_bad(runstore_ckpt *ck, sm_err *err, const char *what)
{
    sm_status st = sm_err_set(err, SM_EFORMAT, "%s: checkpoint refused: %s", ck->path, what);
    char path[RUNSTORE_PATH_MAX];
    memcpy(path, ck->path, sizeof path);
    runstore_ckpt_free(ck);
    memcpy(ck->path, path, sizeof path);
    return st;
}

sm_status runstore_checkpoint_load(const char *path, runstore_ckpt *ck, sm_err *err)
{
    memset(ck, 0, sizeof *ck);
    snprintf(ck->path, sizeof ck->path, "%s", path);
    int fd = sm_open_regular_path(path, O_RDONLY, 0, NULL, err);
    if (fd < 0)
        return err ? err->status : SM_EIO;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return sm_err_set(err, SM_EIO, "%s: cannot stat: %s", path, strerror(errno));
    }
    size_t size = (size_t)sb.st_size;
    ck->buf = sm_alloc(size ? size : 1, 1, err);
    if (!ck->buf) {
        close(fd);
        return SM_ENOMEM;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t k = read(fd, ck->buf + got, size - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    if (got != size) {
        runstore_ckpt_free(ck);
        return sm_err_set(err, SM_EIO, "%s: read error", path);
    }

    char msg[160];
    const unsigned char *b = ck->buf;
    if (size < 8 || memcmp(b, CKPT_MAGIC, 8) != 0)
        return ckpt_bad(ck, err, "not a selfmi checkpoint (no SELFMICK magic)");
    if (size < CKPT_HEAD + 4) {
        snprintf(msg, sizeof msg, "truncated (%zu bytes, shorter than the header)", size);
        return ckpt_bad(ck, err, msg);
    }
    uint32_t version, bom, count, crc;
    uint64_t total;
    memcpy(&version, b + 8, 4);
    memcpy(&bom, b + 12, 4);
    memcpy(&total, b + 16, 8);
    memcpy(&count, b + 24, 4);
    if (bom != CKPT_BOM)
        return ckpt_bad(ck, err, "written on a machine of another byte order");
    if (version != CKPT_VERSION) {
        snprintf(msg, sizeof msg, "format version %u, this program reads version %u", version, CKPT_VERSION);
        return ckpt_bad(ck, err, msg);
    }
    if (total != size) {
        snprintf(msg, sizeof msg, "%s (%zu bytes, the header says %llu)",
                 size < total ? "truncated" : "trailing bytes after the end", size, (unsigned long long)total);
        return ckpt_bad(ck, err, msg);
    }
    memcpy(&crc, b + size - 4, 4);
    uint32_t want = runstore_crc32(0, b, size - 4);
    if (crc != want) {
        snprintf(msg, sizeof msg, "checksum mismatch (stored %08x, computed %08x): the file is corrupted", crc, want);
        return ckpt_bad(ck, err, msg);
    }
    size_t end = size - 4;
    if (count > (end - CKPT_HEAD) / 12)
        return ckpt_bad(ck, err, "blob count larger than the file");
    ck->names = sm_alloc(count ? count : 1, sizeof *ck->names, err);
    ck->sizes = sm_alloc(count ? count : 1, sizeof *ck->sizes, err);
    ck->offsets = sm_alloc(count ? count : 1, sizeof *ck->offsets, err);
    if (!ck->names || !ck->sizes || !ck->offsets) {
        runstore_ckpt_free(ck);
        return SM_ENOMEM;
    }
    size_t pos = CKPT_HEAD;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t len;
        uint64_t bsize;
        if (end - pos < 4)
            return ckpt_bad(ck, err, "a blob record runs past the end");
        memcpy(&len, b + pos, 4);
        pos += 4;
        if (len == 0 || len > CKPT_NAME_MAX || end - pos < (size_t)len + 8)
            return ckpt_bad(ck, err, "a blob name runs past the end or has a bad length");
        if (!(ck->names[i] = sm_alloc(len + 1, 1, err))) {
            runstore_ckpt_free(ck);
            return SM_ENOMEM;
        }
        memcpy(ck->names[i], b + pos, len);
        ck->n = (int)i + 1;
        pos += len;
        memcpy(&bsize, b + pos, 8);
        pos += 8;
        if (bsize > end - pos) {
            snprintf(msg, sizeof msg, "blob '%.64s' runs past the end", ck->names[i]);
            return ckpt_bad(ck, err, msg);
        }
        ck->sizes[i] = (size_t)bsize;
        ck->offsets[i] = pos;
        pos += (size_t)bsize;
    }
    if (pos != end)
        return ckpt_bad(ck, err, "bytes left over after the last blob");
    return SM_OK;
}

sm_status runstore_checkpoint_read(const runstore *rs, const char *file, runstore_ckpt *ck, sm_err *err)
{
    char path[RUNSTORE_PATH_MAX];
    memset(ck, 0, sizeof *ck);
    sm_status st = runstore_path(rs, file, path, sizeof path, err);
    return st != SM_OK ? st : runstore_checkpoint_load(path, ck, err);
}

static int ckpt_find(const runstore_ckpt *ck, const char *name)
{
    for (int i = 0; i < ck->n; i++)
        if (strcmp(ck->names[i], name) == 0)
            return i;
    return -1;
}

long long runstore_ckpt_size(const runstore_ckpt *ck, const char *name)
{
    int i = ckpt_find(ck, name);
    return i < 0 ? -1 : (long long)ck->sizes[i];
}

sm_status runstore_ckpt_get(const runstore_ckpt *ck, const char *name, void *dst, size_t size, sm_err *err)
{
    int i = ckpt_find(ck, name);
    if (i < 0)
        return sm_err_set(err, SM_EFORMAT, "%s: checkpoint has no blob '%s'", ck->path, name);
    if (ck->sizes[i] != size)
        return sm_err_set(err, SM_EFORMAT, "%s: blob '%s' has %zu bytes, expected %zu (another model shape?)",
                          ck->path, name, ck->sizes[i], size);
    if (size)
        memcpy(dst, ck->buf + ck->offsets[i], size);
    return SM_OK;
}

void runstore_ckpt_free(runstore_ckpt *ck)
{
    if (!ck)
        return;
    if (ck->names)
        for (int i = 0; i < ck->n; i++)
            free(ck->names[i]);
    free(ck->names);
    free(ck->sizes);
    free(ck->offsets);
    free(ck->buf);
    memset(ck, 0, sizeof *ck);
}
