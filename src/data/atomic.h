/* atomic.h: files and directories that appear whole or not at all.
 *
 * A file is written to a temporary beside its final path (PATH.tmp-XXXXXX)
 * and renamed into place on commit; on abort the temporary is removed. A
 * dataset directory is built the same way (see dataset_save_new). */
#ifndef SELFMI_ATOMIC_H
#define SELFMI_ATOMIC_H

#include "base/base.h"
#include <stdio.h>

typedef struct {
    FILE *f;
    char *tmp;      /* temporary path */
    char *path;     /* final path */
} atomic_file;

sm_status atomic_file_open(atomic_file *af, const char *path, sm_err *err);
/* Flushes, syncs, closes and renames; on failure removes the temporary. */
sm_status atomic_file_commit(atomic_file *af, sm_err *err);
/* Closes and removes the temporary (safe after a failed commit, and on a
 * zeroed struct). */
void atomic_file_abort(atomic_file *af);

/* mkdir -p: creates dir and its missing parents (mode 0755). */
sm_status atomic_mkdirs(const char *dir, sm_err *err);

#endif
