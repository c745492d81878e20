/* fsutil.h: the file-system helpers every module shares, written once:
 * trimming a line, mkdir -p, reading a file from an offset, opening a file
 * inside a directory without following symlinks, and replacing a file
 * atomically (one temporary-name pattern for the whole program:
 * DIR/.NAME.tmp.XXXXXX beside DIR/NAME), and reading mapped files that may
 * shrink under the reader. */
#ifndef SELFMI_FSUTIL_H
#define SELFMI_FSUTIL_H

#include "base/base.h"

#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Leading and trailing white space (isspace) removed in place; returns the
 * first kept character. */
char *sm_trim(char *s);

/* mkdir -p: creates dir and its missing parents (mode 0755); an existing
 * non-directory on the way is an error naming it. */
sm_status sm_mkdirs(const char *dir, sm_err *err);

/* fsync of a directory, so a rename or a new entry survives a power loss;
 * file systems that cannot sync a directory are not an error. */
void sm_dir_sync(const char *dir);

/* Opens name inside the directory dirfd (AT_FDCWD: the working directory)
 * with O_NOFOLLOW | O_CLOEXEC added to flags, and refuses anything but a
 * regular file: a symlink, a FIFO, a device or a directory is SM_EIO
 * "NAME: is a FIFO; expected a regular file" (and so on). A FIFO never blocks
 * (the open is non-blocking; the flag is cleared once the file is known to
 * be regular). shown names the file in messages (NULL: name). Returns the
 * descriptor, or -1 with err set; *missing (may be NULL) is set when the
 * file does not exist (ENOENT, err still set). */
int sm_open_regular(int dirfd, const char *name, int flags, mode_t mode, const char *shown, bool *missing,
                    sm_err *err);
/* A user's input file (dataset arrays, label.csv, feature CSVs, pickles,
 * experiment files) for reading, as above but following symlinks (a
 * dataset may link to shared data); *sb (may be NULL) gets its fstat. */
int sm_open_input(const char *path, struct stat *sb, sm_err *err);
/* The same as a stdio stream ("rb"); NULL with err set on failure. */
FILE *sm_fopen_input(const char *path, struct stat *sb, sm_err *err);
/* "a FIFO", "a directory", ...: what a file of this mode is. */
const char *sm_file_kind(mode_t mode);
/* The same for a path: its directory part is opened (following symlinks:
 * the caller chose it), then the last component as above. */
int sm_open_regular_path(const char *path, int flags, mode_t mode, bool *missing, sm_err *err);

/* Reads the regular file fd from byte off to its end into a malloc'd,
 * NUL-terminated buffer (*n bytes, 0 when nothing is there); when
 * whole_lines, up to and including its last newline only (a line being
 * appended is read next time). NULL with err set on a read error. */
char *sm_read_from(int fd, off_t off, bool whole_lines, size_t *n, const char *shown, sm_err *err);
/* A whole regular file by path (sm_open_regular_path, then sm_read_from). */
char *sm_read_file(const char *path, size_t *n, sm_err *err);

/* A file that appears whole or not at all: written to DIR/.NAME.tmp.XXXXXX
 * and renamed over DIR/NAME on commit, after an fsync of the file and
 * before one of the directory (lazy: neither, atomic against a crash of
 * the process only). */
typedef struct {
    int fd;
    FILE *f;          /* sm_atomic_stream's stream, or NULL */
    bool lazy;
    char *path, *tmp, *dir;
} sm_atomic;

sm_status sm_atomic_open(sm_atomic *a, const char *path, sm_err *err);
/* A stdio stream on the temporary (owned by a: commit or abort closes it). */
FILE *sm_atomic_stream(sm_atomic *a, sm_err *err);
/* Writes all n bytes (short writes retried); aborts on failure. */
sm_status sm_atomic_write(sm_atomic *a, const void *buf, size_t n, sm_err *err);
/* Flushes, syncs, closes and renames into place; removes the temporary on
 * failure. */
sm_status sm_atomic_commit(sm_atomic *a, sm_err *err);
/* Closes and removes the temporary (safe after a failed commit and on a
 * zeroed struct). */
void sm_atomic_abort(sm_atomic *a);
/* Replaces path with the n bytes of buf atomically (synced). */
sm_status sm_atomic_replace(const char *path, const void *buf, size_t n, sm_err *err);
/* True for a name sm_atomic uses for its temporaries (".NAME.tmp.XXXXXX"). */
bool sm_atomic_is_temp(const char *name);

/* Writes all n bytes to fd (short writes and EINTR retried). */
sm_status sm_write_all(int fd, const void *buf, size_t n, const char *shown, sm_err *err);



/* "key = value" lines (run.conf, configuration files): '#' starts a comment
 * line, blank lines are skipped, key and value are trimmed, the value is
 * the rest of the line. A line without '=', an empty key, a NUL byte, or a
 * key given twice is SM_EFORMAT naming the file and line (the one rule for
 * a duplicated key: refused). */
typedef struct {
    int n;
    char **keys, **vals;  /* (n) in file order */
    int *lines;           /* (n) line numbers */
} sm_kv;

sm_status sm_kv_read(sm_kv *kv, const char *path, sm_err *err);
/* The same over a buffer of n bytes; name prefixes messages. */
sm_status sm_kv_parse(sm_kv *kv, const char *buf, size_t n, const char *name, sm_err *err);
void sm_kv_free(sm_kv *kv);
/* The value of key, or NULL. */
const char *sm_kv_get(const sm_kv *kv, const char *key);

/* Runs fn(arg) so that a read of a mapped file's page that no longer
 * exists (the file was truncated after mmap: SIGBUS) ends fn instead of the
 * process: returns false when that happened, true otherwise. fn must only
 * read and compute (no locks, no allocation), since it may be left
 * mid-way. A SIGBUS outside sm_guarded keeps its default action (the
 * handler, installed on first use for the whole process, restores the
 * previous action and lets the fault repeat). Guards nest; each thread has
 * its own. */
bool sm_guarded(void (*fn)(void *arg), void *arg);

#endif
