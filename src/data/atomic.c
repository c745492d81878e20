/* atomic.c: temporary files renamed into place; mkdir -p. */
#include "config.h"
#include "data/atomic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

sm_status atomic_file_open(atomic_file *af, const char *path, sm_err *err)
{
    memset(af, 0, sizeof *af);
    size_t n = strlen(path);
    af->path = sm_strdup(path, err);
    af->tmp = sm_alloc(n + 16, 1, err);
    if (!af->path || !af->tmp) {
        atomic_file_abort(af);
        return SM_ENOMEM;
    }
    snprintf(af->tmp, n + 16, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(af->tmp);
    if (fd < 0) {
        sm_status st = sm_err_set(err, SM_EIO, "%s: cannot create a temporary file: %s", path, strerror(errno));
        free(af->tmp);
        af->tmp = NULL;
        atomic_file_abort(af);
        return st;
    }
    (void)fchmod(fd, 0644);
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        sm_status st = sm_err_set(err, SM_EIO, "%s: cannot open: %s", af->tmp, strerror(errno));
        close(fd);
        atomic_file_abort(af);
        return st;
    }
    return SM_OK;
}

sm_status atomic_file_commit(atomic_file *af, sm_err *err)
{
    int bad = fflush(af->f) != 0 || ferror(af->f);
    if (!bad && fsync(fileno(af->f)) != 0 && errno != EINVAL)
        bad = 1;
    int saved = errno;
    if (fclose(af->f) != 0)
        bad = 1;
    af->f = NULL;
    if (bad) {
        sm_err_set(err, SM_EIO, "%s: write failed: %s", af->path, strerror(saved ? saved : errno));
        atomic_file_abort(af);
        return SM_EIO;
    }
    if (rename(af->tmp, af->path) != 0) {
        sm_err_set(err, SM_EIO, "%s: cannot rename %s into place: %s", af->path, af->tmp, strerror(errno));
        atomic_file_abort(af);
        return SM_EIO;
    }
    free(af->tmp);
    free(af->path);
    memset(af, 0, sizeof *af);
    return SM_OK;
}

void atomic_file_abort(atomic_file *af)
{
    if (!af)
        return;
    if (af->f)
        fclose(af->f);
    if (af->tmp)
        unlink(af->tmp);
    free(af->tmp);
    free(af->path);
    memset(af, 0, sizeof *af);
}

sm_status atomic_mkdirs(const char *dir, sm_err *err)
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
