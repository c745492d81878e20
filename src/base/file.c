/* file.c: input files opened as regular files only (see file.h). */
#include "config.h"
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

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

int sm_open_regular(const char *path, struct stat *sb, sm_err *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        sm_err_set(err, SM_EIO, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        sm_err_set(err, SM_EIO, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        sm_err_set(err, SM_EIO, "%s: is %s; expected a regular file", path, sm_file_kind(st.st_mode));
        close(fd);
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        sm_err_set(err, SM_EIO, "%s: cannot set blocking reads: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (sb)
        *sb = st;
    return fd;
}

FILE *sm_fopen_regular(const char *path, struct stat *sb, sm_err *err)
{
    int fd = sm_open_regular(path, sb, err);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        sm_err_set(err, SM_EIO, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}
