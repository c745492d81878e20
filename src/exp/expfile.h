/* expfile.h: experiment files (man 5 selfmi-experiment) and their grids.
 *
 *   # comment (a line whose first non-blank character is '#' or ';')
 *   [experiment]
 *   title = Table 5: task subsets
 *   dataset = synth:small           (relative paths: from this file's folder)
 *   preset = synth
 *   [config]                        (any configuration key; also before any section)
 *   max_epochs = 40
 *   [grid]                          (axes: values separated by '|')
 *   seed = 1111..1115
 *   tasks = M | M,T | M,A | M,V | M,T,A | M,T,V | M,A,V | M,T,A,V
 *   [report]
 *   group_by = tasks
 *   reference = M,T,A,V
 *   [slurm]                         (the job array of grid --slurm, slurm.h)
 *   partition = cpu
 *   time = 2:00:00
 *   [search]                        (a hyper-parameter search: exp/search.h)
 *   lr_text = loguniform(1e-4, 1e-2)
 *
 * A file without any section header (a run.conf) is one run whose dataset
 * path is taken as written (from the current directory).
 *
 * A grid point's configuration: the preset's defaults, the dataset, the
 * [config] keys in file order, the command line's overrides, then the
 * point's axis values. The first axis varies slowest. */
#ifndef SELFMI_EXPFILE_H
#define SELFMI_EXPFILE_H

#include "base/base.h"
#include "conf/runconf.h"
#include "exp/search.h"
#include "exp/slurm.h"

typedef struct {
    char key[64];
    int line;
    int n;
    char **values;           /* (n) one per grid value, integer ranges expanded */
} exp_axis;

typedef struct {
    char key[64];
    char *value;
    int line;                /* 0 = a command-line override */
} exp_entry;

typedef struct {
    char path[1024];         /* the file, as given ("" for text parsed from memory) */
    char dir[1024];          /* its folder, against which relative dataset paths resolve
                                ("" for a file without sections: as written) */
    char title[256];
    char description[1024];
    char group_by[256];      /* [report] defaults for the final table */
    char reference[256];
    int nentries;
    exp_entry *entries;      /* [experiment] dataset/preset and [config] keys, then overrides */
    int naxes;
    exp_axis *axes;
    slurm_options slurm;     /* [slurm]: the job array of grid --emit slurm / --slurm */
    search_spec search;      /* the [search] section (search.present: the file has one) */
} experiment;

/* One experiment file of a folder listing (selfmi --list-experiments, the
 * dashboard's experiment picker). */
typedef struct {
    char name[256];          /* the file name without .conf */
    char dir[1024];          /* the folder it was found in */
    char path[1300];
    long runs;               /* the grid's runs; -1: the file does not load */
    bool search;             /* it has a [search] section */
    char title[1024];        /* its title ("" none), or why it does not load */
} exp_listing;

/* The experiment files (NAME.conf) of the folders dirs, folder by folder,
 * sorted by name within one; a name found in an earlier folder hides the
 * same name in later ones (./experiments shadows the data directory).
 * Each file is loaded for its title and grid size. *out is malloc'd
 * (free() it), NULL when none. */
sm_status exp_list(const char *const *dirs, int ndirs, exp_listing **out, int *n, sm_err *err);

/* Reads and checks an experiment file: every key and value is validated
 * here, and errors name the file, the line and the key. */
sm_status exp_load(experiment *e, const char *path, sm_err *err);
/* The same from text; path names it in messages and sets the folder of
 * relative dataset paths (NULL: the current directory). */
sm_status exp_parse(experiment *e, const char *text, size_t n, const char *path, sm_err *err);
void exp_free(experiment *e);

/* A command-line override (grid --set KEY=VALUE): wins over the file's
 * [config]; when KEY is a grid axis the axis is replaced by this one value.
 * Relative dataset paths here stay relative to the current directory. */
sm_status exp_override(experiment *e, const char *key, const char *value, sm_err *err);

/* The largest grid a file may describe. */
#define EXP_GRID_MAX 100000

/* Number of grid points (1 without a grid). */
long exp_grid_size(const experiment *e);
/* The resolved configuration of grid point i (0 <= i < exp_grid_size),
 * checked with config_check. */
sm_status exp_grid_point(const experiment *e, long i, config *out, sm_err *err);
/* The axis values of point i, e.g. "seed=1111 tasks=M,T", into buf. */
void exp_grid_label(const experiment *e, long i, char *buf, size_t n);

/* A set of run ids, to de-duplicate grid points: an open-addressing hash
 * table, so n points cost O(n) instead of the O(n^2) of comparing each with
 * every earlier one. Ids are not copied: they must outlive the set. */
typedef struct {
    const char **slot;       /* (cap) NULL = empty */
    uint64_t *hash;          /* (cap) */
    size_t cap, n;
} exp_idset;

/* Room for about `expected` ids before the table grows. */
sm_status exp_idset_init(exp_idset *s, size_t expected, sm_err *err);
/* 1 when id was new (now added), 0 when it was already in, -1 when memory
 * ran out (err set). */
int exp_idset_add(exp_idset *s, const char *id, sm_err *err);
void exp_idset_free(exp_idset *s);

/* Joins a relative path to dir and normalises it lexically ("a/./b",
 * "a/x/../b" -> "a/b"); an absolute result under the current directory is
 * made relative to it. "synth:..." and absolute paths are kept. */
void exp_path_resolve(const char *dir, const char *path, char *out, size_t n);

#endif
