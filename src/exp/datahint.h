/* datahint.h: the command that makes a dataset directory that is not
 * there, for the messages of `selfmi grid`, `selfmi search` and the
 * dashboard: `selfmi synth` for a synthetic one; `selfmi import csv` with
 * the real feature file for one of the shipped experiments' datasets,
 * found where the README says it lies (../shared/data beside the
 * repository); a placeholder for the file only when it cannot be found. */
#ifndef SELFMI_DATAHINT_H
#define SELFMI_DATAHINT_H

#include <stdbool.h>
#include <stddef.h>

/* Whether ds (a directory; "synth:..." never) lacks its label.csv. */
bool exp_dataset_missing(const char *ds);
/* The command that makes ds, e.g. "selfmi import csv
 * ../shared/data/mosi-bclstm/mosi_utterance_features.csv data/mosi-bclstm
 * --split poria2017_split --valid-from test:0.33"; false when it holds a
 * placeholder (FEATURES.csv) for a file selfmi cannot find. exp_dir is the
 * experiment file's folder (NULL: none): the repository root is its
 * parent, one more place to look. */
bool exp_dataset_command(const char *ds, const char *exp_dir, char *buf, size_t n);
/* "make it with `COMMAND`", and what a placeholder stands for. */
void exp_dataset_hint(const char *ds, const char *exp_dir, char *buf, size_t n);

#endif
