/* fsutil.c: trim, mkdir -p, reading from an offset, opening regular files
 * without following symlinks, atomic replacement, SIGBUS-guarded reads. */
#include <config.h>
#include "base/fsutil.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *sm_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t k = strlen(s);
    while (k > 0 && isspace((unsigned char)s[k - 1]))
        s[--k] = '\0';
    return s;
}

sm_status sm_mkdirs(const char *dir, sm_err *err)
{
    char *p = sm_strdup(dir, err);
    if (!p)
        return SM_ENOMEM;
    sm_status st = SM_OK;
    size_t n = strlen(p);
    for (size_t i = 1; i <= n && st == SM_OK; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        struct stat sb;
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            st = sm_err_set(err, SM_EIO, "%s: cannot create directory: %s", p, strerror(errno));
        else if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))
            st = sm_err_set(err, SM_EIO, "%s: exists and is not a directory", p);
        p[i] = c;
    }
    free(p);
    return st;
}

void sm_dir_sync(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

const char *sm_file_kind(mode_t mode)
{
    static const struct {
        mode_t type;
        const char *name;
    } kinds[] = {{S_IFREG, "a regular file"}, {S_IFDIR, "a directory"},       {S_IFIFO, "a FIFO"},
                 {S_IFCHR, "a character device"}, {S_IFBLK, "a block device"}, {S_IFSOCK, "a socket"},
                 {S_IFLNK, "a symbolic link"}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if ((mode & S_IFMT) == kinds[i].type)
            return kinds[i].name;
    return "not a regular file";
}

/* The one open of a regular file: non-blocking (a FIFO without a peer
 * cannot hang it), fstat, anything but a regular file refused naming what
 * it is, then blocking again. follow: whether the last component may be a
 * symlink. */
static int open_checked(int dirfd, const char *name, int flags, mode_t mode, bool follow, const char *shown,
                        bool *missing, struct stat *out, sm_err *err)
{
    if (missing)
        *missing = false;
    if (!shown)
        shown = name;
    int fd = openat(dirfd, name, flags | (follow ? 0 : O_NOFOLLOW) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, mode);
    if (fd < 0) {
        int e = errno;
        struct stat sb;
        if (!follow && (e == ELOOP || (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode))))
            sm_err_set(err, SM_EIO, "%s: is a symlink (not followed); expected a regular file", shown);
        else if (e == ENXIO)   /* a FIFO opened for writing without a reader */
            sm_err_set(err, SM_EIO, "%s: is a FIFO; expected a regular file", shown);
        else
            sm_err_set(err, SM_EIO, "%s: cannot open: %s", shown, strerror(e));
        if (missing && e == ENOENT)
            *missing = true;
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        sm_err_set(err, SM_EIO, "%s: cannot stat: %s", shown, strerror(e));
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        sm_err_set(err, SM_EIO, "%s: is %s; expected a regular file", shown, sm_file_kind(sb.st_mode));
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(fd);
        sm_err_set(err, SM_EIO, "%s: cannot set blocking reads: %s", shown, strerror(e));
        return -1;
    }
    if (out)
        *out = sb;
    return fd;
}

int sm_open_regular(int dirfd, const char *name, int flags, mode_t mode, const char *shown, bool *missing,
                    sm_err *err)
{
    return open_checked(dirfd, name, flags, mode, false, shown, missing, NULL, err);
}

int sm_open_input(const char *path, struct stat *sb, sm_err *err)
{
    return open_checked(AT_FDCWD, path, O_RDONLY, 0, true, path, NULL, sb, err);
}

FILE *sm_fopen_input(const char *path, struct stat *sb, sm_err *err)
{
    int fd = sm_open_input(path, sb, err);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        sm_err_set(err, SM_EIO, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

int sm_open_regular_path(const char *path, int flags, mode_t mode, bool *missing, sm_err *err)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return sm_open_regular(AT_FDCWD, path, flags, mode, path, missing, err);
    size_t k = slash == path ? 1 : (size_t)(slash - path);
    char *dir = sm_alloc(k + 1, 1, err);
    if (!dir)
        return -1;
    memcpy(dir, path, k);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (dfd < 0) {
        if (missing)
            *missing = errno == ENOENT;
        sm_err_set(err, SM_EIO, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    int fd = sm_open_regular(dfd, slash + 1, flags, mode, path, missing, err);
    close(dfd);
    return fd;
}

char *sm_read_from(int fd, off_t off, bool whole_lines, size_t *n, const char *shown, sm_err *err)
{
    *n = 0;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        sm_err_set(err, SM_EIO, "%s: cannot stat: %s", shown, strerror(errno));
        return NULL;
    }
    size_t want = sb.st_size > off ? (size_t)(sb.st_size - off) : 0;
    char *buf = sm_alloc(want + 1, 1, err);
    if (!buf)
        return NULL;
    size_t got = 0;
    while (got < want) {
        ssize_t k = pread(fd, buf + got, want - got, off + (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            sm_err_set(err, SM_EIO, "%s: read failed: %s", shown, strerror(errno));
            free(buf);
            return NULL;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    if (whole_lines)
        while (got > 0 && buf[got - 1] != '\n')
            got--;
    buf[got] = '\0';
    *n = got;
    return buf;
}

char *sm_read_file(const char *path, size_t *n, sm_err *err)
{
    *n = 0;
    int fd = sm_open_regular_path(path, O_RDONLY, 0, NULL, err);
    if (fd < 0)
        return NULL;
    char *buf = sm_read_from(fd, 0, false, n, path, err);
    close(fd);
    return buf;
}

sm_status sm_write_all(int fd, const void *buf, size_t n, const char *shown, sm_err *err)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return sm_err_set(err, SM_EIO, "%s: write failed: %s", shown, strerror(errno));
        }
        p += k;
        n -= (size_t)k;
    }
    return SM_OK;
}

/* ---- atomic replacement ------------------------------------------------- */

void sm_atomic_abort(sm_atomic *a)
{
    if (!a)
        return;
    if (a->tmp) {   /* a zeroed struct has nothing open */
        bool open = a->f || a->fd >= 0;
        if (a->f)
            fclose(a->f);
        else if (a->fd >= 0)
            close(a->fd);
        if (open)
            unlink(a->tmp);
    }
    free(a->path);
    free(a->tmp);
    free(a->dir);
    memset(a, 0, sizeof *a);
    a->fd = -1;
}

sm_status sm_atomic_open(sm_atomic *a, const char *path, sm_err *err)
{
    memset(a, 0, sizeof *a);
    a->fd = -1;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dlen = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
    size_t tn = strlen(path) + 16;
    a->path = sm_strdup(path, err);
    a->dir = sm_alloc(dlen + 1, 1, err);
    a->tmp = sm_alloc(tn, 1, err);
    if (!a->path || !a->dir || !a->tmp) {
        sm_atomic_abort(a);
        return SM_ENOMEM;
    }
    if (!*base) {
        sm_atomic_abort(a);
        return sm_err_set(err, SM_EINVAL, "%s: not a file name", path);
    }
    memcpy(a->dir, slash ? path : ".", dlen);
    snprintf(a->tmp, tn, "%.*s.%s.tmp.XXXXXX", (int)(base - path), path, base);
    a->fd = mkostemp(a->tmp, O_CLOEXEC);
    if (a->fd < 0) {
        sm_status st = sm_err_set(err, SM_EIO, "%s: cannot create a temporary file in %s: %s", path, a->dir,
                                  strerror(errno));
        sm_atomic_abort(a);
        return st;
    }
    (void)fchmod(a->fd, 0644);
    return SM_OK;
}

FILE *sm_atomic_stream(sm_atomic *a, sm_err *err)
{
    if (!a->f) {
        a->f = fdopen(a->fd, "wb");
        if (!a->f)
            sm_err_set(err, SM_EIO, "%s: cannot open a stream: %s", a->tmp, strerror(errno));
    }
    return a->f;
}

sm_status sm_atomic_write(sm_atomic *a, const void *buf, size_t n, sm_err *err)
{
    sm_status st = SM_OK;
    if (a->f) {
        if (n && fwrite(buf, 1, n, a->f) != n)
            st = sm_err_set(err, SM_EIO, "%s: write failed: %s", a->path, strerror(errno));
    } else {
        st = sm_write_all(a->fd, buf, n, a->path, err);
    }
    if (st != SM_OK)
        sm_atomic_abort(a);
    return st;
}

sm_status sm_atomic_commit(sm_atomic *a, sm_err *err)
{
    int e = 0;
    if (a->f && (fflush(a->f) != 0 || ferror(a->f)))
        e = errno ? errno : EIO;
    if (!e && !a->lazy && fsync(a->fd) != 0 && errno != EINVAL)
        e = errno;
    int c = a->f ? fclose(a->f) : close(a->fd);
    if (c != 0 && !e)
        e = errno;
    a->f = NULL;
    a->fd = -1;
    if (e) {
        unlink(a->tmp);
        sm_status st = sm_err_set(err, SM_EIO, "%s: write failed: %s", a->path, strerror(e));
        sm_atomic_abort(a);
        return st;
    }
    if (rename(a->tmp, a->path) != 0) {
        e = errno;
        unlink(a->tmp);
        sm_status st = sm_err_set(err, SM_EIO, "%s: cannot replace: %s", a->path, strerror(e));
        sm_atomic_abort(a);
        return st;
    }
    if (!a->lazy)
        sm_dir_sync(a->dir);
    sm_atomic_abort(a);   /* frees the names; nothing is open any more */
    return SM_OK;
}

sm_status sm_atomic_replace(const char *path, const void *buf, size_t n, sm_err *err)
{
    sm_atomic a;
    sm_status st = sm_atomic_open(&a, path, err);
    if (st == SM_OK)
        st = sm_atomic_write(&a, buf, n, err);
    if (st == SM_OK)
        st = sm_atomic_commit(&a, err);
    return st;
}

bool sm_atomic_is_temp(const char *name)
{
    size_t n = strlen(name);
    return name[0] == '.' && n > 12 && memcmp(name + n - 11, ".tmp.", 5) == 0;
}

/* ---- key = value files ------------------------------------------------------ */

void sm_kv_free(sm_kv *kv)
{
    if (!kv)
        return;
    for (int i = 0; i < kv->n; i++) {
        free(kv->keys[i]);
        free(kv->vals[i]);
    }
    free(kv->keys);
    free(kv->vals);
    free(kv->lines);
    memset(kv, 0, sizeof *kv);
}

const char *sm_kv_get(const sm_kv *kv, const char *key)
{
    for (int i = 0; i < kv->n; i++)
        if (strcmp(kv->keys[i], key) == 0)
            return kv->vals[i];
    return NULL;
}

static sm_status kv_add(sm_kv *kv, const char *k, const char *v, int line, sm_err *err)
{
    char **nk = sm_realloc(kv->keys, (size_t)kv->n + 1, sizeof *nk, err);
    if (!nk)
        return SM_ENOMEM;
    kv->keys = nk;
    char **nv = sm_realloc(kv->vals, (size_t)kv->n + 1, sizeof *nv, err);
    if (!nv)
        return SM_ENOMEM;
    kv->vals = nv;
    int *nl = sm_realloc(kv->lines, (size_t)kv->n + 1, sizeof *nl, err);
    if (!nl)
        return SM_ENOMEM;
    kv->lines = nl;
    kv->keys[kv->n] = sm_strdup(k, err);
    kv->vals[kv->n] = sm_strdup(v, err);
    if (!kv->keys[kv->n] || !kv->vals[kv->n]) {
        free(kv->keys[kv->n]);
        free(kv->vals[kv->n]);
        return SM_ENOMEM;
    }
    kv->lines[kv->n++] = line;
    return SM_OK;
}

sm_status sm_kv_parse(sm_kv *kv, const char *buf, size_t n, const char *name, sm_err *err)
{
    memset(kv, 0, sizeof *kv);
    sm_status st = SM_OK;
    int lineno = 0;
    size_t pos = 0;
    while (st == SM_OK && pos < n) {
        const char *start = buf + pos;
        const char *nl = memchr(start, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - start) : n - pos;
        pos += len + (nl ? 1 : 0);
        lineno++;
        if (memchr(start, '\0', len)) {
            st = sm_err_set(err, SM_EFORMAT, "%s:%d: a NUL byte in the line", name, lineno);
            break;
        }
        char *line = sm_alloc(len + 1, 1, err);
        if (!line) {
            st = SM_ENOMEM;
            break;
        }
        memcpy(line, start, len);
        char *s = sm_trim(line);
        if (*s && *s != '#') {
            char *eq = strchr(s, '=');
            if (!eq) {
                st = sm_err_set(err, SM_EFORMAT, "%s:%d: expected 'key = value', got '%.60s'", name, lineno, s);
            } else {
                *eq = '\0';
                char *k = sm_trim(s), *v = sm_trim(eq + 1);
                if (!*k)
                    st = sm_err_set(err, SM_EFORMAT, "%s:%d: expected a key before '='", name, lineno);
                for (int i = 0; i < kv->n && st == SM_OK; i++)
                    if (strcmp(kv->keys[i], k) == 0)
                        st = sm_err_set(err, SM_EFORMAT, "%s:%d: key '%.60s' given twice (first on line %d)", name,
                                        lineno, k, kv->lines[i]);
                if (st == SM_OK)
                    st = kv_add(kv, k, v, lineno, err);
            }
        }
        free(line);
    }
    if (st != SM_OK)
        sm_kv_free(kv);
    return st;
}

sm_status sm_kv_read(sm_kv *kv, const char *path, sm_err *err)
{
    memset(kv, 0, sizeof *kv);
    size_t n;
    char *buf = sm_read_file(path, &n, err);
    if (!buf)
        return err ? err->status : SM_EIO;
    sm_status st = sm_kv_parse(kv, buf, n, path, err);
    free(buf);
    return st;
}

/* ---- guarded reads of mapped files ------------------------------------------ */

static _Thread_local sigjmp_buf *volatile guard_jb;   /* the innermost sm_guarded of this thread */
static struct sigaction guard_prev;                    /* the action before ours */
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;

static void guard_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)si;
    (void)ctx;
    sigjmp_buf *jb = guard_jb;
    if (jb)
        siglongjmp(*jb, 1);
    /* not ours: the fault repeats under the previous action */
    sigaction(sig, &guard_prev, NULL);
}

static void guard_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = guard_handler;
    /* SA_NODEFER: leaving the handler by siglongjmp must not leave SIGBUS
     * blocked (a blocked SIGBUS from a fault kills the process) */
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &guard_prev);
}

bool sm_guarded(void (*fn)(void *arg), void *arg)
{
    pthread_once(&guard_once, guard_install);
    sigjmp_buf jb;
    sigjmp_buf *volatile outer = guard_jb;
    if (sigsetjmp(jb, 0)) {
        guard_jb = outer;
        return false;
    }
    guard_jb = &jb;
    fn(arg);
    guard_jb = outer;
    return true;
}
