/* file.h: opening input files as regular files only.
 *
 * Every reader of a user's file (dataset arrays and label.csv, feature
 * CSVs, pickles, experiment files) opens it here. The open itself does not
 * block (O_NONBLOCK), so a FIFO without a writer cannot hang it; fstat then
 * refuses anything but a regular file (a FIFO, a directory, a device, a
 * socket) with a message naming the path and what it is. Descriptors are
 * close-on-exec and never become a controlling terminal. Symlinks are
 * followed: a dataset may link to shared data. */
#ifndef SELFMI_FILE_H
#define SELFMI_FILE_H

#include "base/base.h"
#include <stdio.h>
#include <sys/stat.h>

/* Opens path for reading. Returns the (blocking) descriptor and fills *sb
 * when sb is not NULL; on failure -1 with err set (SM_EIO). */
int sm_open_regular(const char *path, struct stat *sb, sm_err *err);
/* The same as a stdio stream ("rb"); NULL with err set on failure. */
FILE *sm_fopen_regular(const char *path, struct stat *sb, sm_err *err);
/* "a FIFO", "a directory", ...: what a non-regular file is. */
const char *sm_file_kind(mode_t mode);

#endif
