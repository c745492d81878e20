/* featcsv.h: utterance-level features in one CSV (a row per sample) made
 * into a dataset (`selfmi import csv`).
 *
 * Columns are found by header name. The feature columns of a modality are
 * those named PREFIX followed by digits only, ordered by the number; each
 * modality becomes a sequence of length 1. Video and clip ids come from
 * their own columns when both are present, else from the id split at its
 * last '_'. Rows whose label is empty (or "nan") are skipped and reported.
 * Every other bad value is an error naming the file, line and column. */
#ifndef SELFMI_FEATCSV_H
#define SELFMI_FEATCSV_H

#include "data/dataset.h"

typedef struct {
    const char *id, *label, *split;
    const char *transcript;           /* "" = no transcript column */
    const char *prefix[MOD_COUNT];    /* feature column prefixes: t, a, v */
    const char *video_id, *clip_id;   /* used when both columns exist */
} featcsv_opts;

/* The defaults fit mosi-bclstm: --id id --label label_reg --split std_split
 * --text-prefix t --audio-prefix a --video-prefix v --transcript text
 * --video-id video_id --clip-id clip_id. */
void featcsv_opts_default(featcsv_opts *o);

typedef struct {
    int rows;              /* data rows in the file */
    int skipped;           /* rows skipped for an empty label */
    char *skipped_ids;     /* their ids, ", "-separated ("" when none) */
} featcsv_report;

void featcsv_report_free(featcsv_report *rep);

/* Parses buf[0..n) (name prefixes messages) into ds. On failure ds and rep
 * are left empty. */
sm_status featcsv_parse(dataset *ds, const char *buf, size_t n, const char *name, const featcsv_opts *o,
                        featcsv_report *rep, sm_err *err);
sm_status featcsv_read(dataset *ds, const char *path, const featcsv_opts *o, featcsv_report *rep, sm_err *err);

#endif
