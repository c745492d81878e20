/* dataset.h: the native dataset directory (SPEC section 9) in memory.
 *
 *   DIR/label.csv        video_id, clip_id, text, label, label_T, label_A,
 *                        label_V, annotation, mode
 *   DIR/text.npy         (N, L_t, D_t) or (N, D_t)
 *   DIR/audio.npy        (N, L_a, D_a)      (-inf reads as 0)
 *   DIR/vision.npy       (N, L_v, D_v)
 *   DIR/{text,audio,vision}_lengths.npy   (N) integer, optional
 * Row k of every array is row k of label.csv. Features are kept as float32
 * whatever the file's dtype: a '<f4' file is mapped and used in place
 * (npy_map_f32), anything else is read and converted. */
#ifndef SELFMI_DATASET_H
#define SELFMI_DATASET_H

#include "base/base.h"
#include "data/npy.h"

enum { MOD_T = 0, MOD_A = 1, MOD_V = 2, MOD_COUNT = 3 };
enum { SPLIT_TRAIN = 0, SPLIT_VALID = 1, SPLIT_TEST = 2, SPLIT_COUNT = 3 };

extern const char *const mod_names[MOD_COUNT];     /* "text", "audio", "vision" */
extern const char *const mod_letters[MOD_COUNT];   /* "t", "a", "v" */
extern const char *const split_names[SPLIT_COUNT]; /* "train", "valid", "test" */

typedef struct {
    int L, D;       /* padded length and feature width; L = 1 for one vector per sample */
    float *x;       /* (N, L, D); steps at and past len[i] (padding) are never read */
    int *len;       /* (N) true lengths, 1..L */
    npy_map map;    /* x lies in this mapping of the file when map.addr is set */
    bool first_step;   /* only step 0 of each sample was loaded: L = 1, len 1 */
} modality;

typedef struct {
    int n;                       /* samples */
    char **video_id, **clip_id;  /* (N) */
    char **text;                 /* (N) transcripts */
    char **annotation;           /* (N), may be "" */
    float *label;                /* (N) y_m */
    float *ulabel[MOD_COUNT];    /* (N) human unimodal labels y_t*, y_a*, y_v*; NaN where empty;
                                    NULL when the column is absent or all empty */
    int *split;                  /* (N) SPLIT_* */
    modality mod[MOD_COUNT];
    char *dir;                   /* where it was loaded from (or NULL) */
} dataset;

/* Loads DIR; on failure returns a status, err names the file, line or field
 * and what was expected, and ds is left empty (nothing to free). The
 * checks cover what a run reads: lengths within 1..L, and finite values in
 * the steps below each sample's length (padding is never read, so it is
 * neither checked nor paged in). */
sm_status dataset_load(dataset *ds, const char *dir, sm_err *err);

typedef struct {
    /* modalities (1 << MOD_*) loaded as their first step only: x (N, 1, D)
     * read from x[:, 0, :] of the file, the rest never read (the lengths
     * file is still checked) */
    unsigned first_step;
    bool no_map;    /* read every array into memory, never map */
} dataset_load_opts;

/* dataset_load with options (NULL: all of every modality, mapped where
 * the dtype allows). Mapped features are read through dataset_read: a
 * file truncated while mapped ends that read with an error. */
sm_status dataset_load_with(dataset *ds, const char *dir, const dataset_load_opts *o, sm_err *err);
/* Runs fn(arg), which reads ds's features, under sm_guarded: SM_EIO with
 * a message naming the directory when a mapped feature file was truncated
 * (or shrunk by being rewritten in place) meanwhile. */
sm_status dataset_read(const dataset *ds, void (*fn)(void *arg), void *arg, sm_err *err);
/* Writes DIR (created if needed; files written to temporaries and renamed). */
sm_status dataset_save(const dataset *ds, const char *dir, sm_err *err);
void dataset_free(dataset *ds);

/* Number of samples per split (counts[SPLIT_COUNT]). */
void dataset_split_counts(const dataset *ds, int counts[SPLIT_COUNT]);
/* Indices of one split, in file order; returns the count. idx has room for ds->n. */
int dataset_split_indices(const dataset *ds, int split, int *idx);
/* "video_id$_$clip_id" style id of sample i, as MMSA writes it. */
void dataset_sample_id(const dataset *ds, int i, char *buf, size_t n);
/* True when any human unimodal label exists (SIMS, synthetic data). */
bool dataset_has_ulabels(const dataset *ds);
/* Label bound H: 1 when every |y_m| <= 1 (SIMS-like), else 3. */
float dataset_label_bound(const dataset *ds);

/* ---- additions ---------------------------------------------------------- */

/* Allocates an empty dataset of n samples: string arrays of NULLs, labels
 * 0, split train, features (n, L[m], D[m]) zeroed with lengths L[m];
 * ulabel arrays (NaN) when with_ulabels. */
sm_status dataset_alloc(dataset *ds, int n, const int L[MOD_COUNT], const int D[MOD_COUNT], bool with_ulabels,
                        sm_err *err);
/* Checks the invariants dataset_load guarantees: n >= 1, every string set,
 * finite labels within the bound, a valid split, 1 <= L, 1 <= D, lengths
 * in 1..L, finite features. The message names the sample id and the modality. */
sm_status dataset_check(const dataset *ds, sm_err *err);
/* Every label within the dataset's bound H (dataset_label_bound; SPEC
 * section 1): y_m and the human unimodal labels in [-H, H], so a label of
 * 100 or 1e30 is refused rather than trained on. The message names the
 * sample id and the value; with line (may be NULL: (N) physical lines in
 * name) also the line. name (may be NULL) prefixes it. dataset_check and
 * every reader (label.csv, feature CSV, MMSA pickle) apply it. */
sm_status dataset_check_label_bound(const dataset *ds, const int *line, const char *name, sm_err *err);
/* Writes a new dataset directory whole or not at all: it is built in
 * DIR.tmp-XXXXXX beside DIR and renamed. An existing DIR is an error unless
 * replace is set and DIR holds only dataset files (label.csv, *.npy). */
sm_status dataset_save_new(const dataset *ds, const char *dir, bool replace, sm_err *err);
/* Moves about `fraction` of the videos of split `from` (whole videos, chosen
 * by a generator seeded with seed) to SPLIT_VALID; *moved gets the number of
 * samples moved (may be NULL). */
sm_status dataset_carve_valid(dataset *ds, int from, double fraction, unsigned long seed, int *moved, sm_err *err);
/* Split by name: "train", "valid" (also "dev", "val", "validation"), "test";
 * case-insensitive, spaces trimmed. -1 when unknown. */
int dataset_split_parse(const char *s);

/* A dataset by name: "synth:PRESET" or "synth:PRESET:SEED" builds the
 * synthetic dataset in memory (seed 1 when not given, so runs with
 * different training seeds see the same data); anything else is a
 * directory for dataset_load. */
sm_status dataset_open(dataset *ds, const char *name, sm_err *err);

/* label.csv alone: parses the label columns into ds (features left empty;
 * n, video_id, clip_id, text, annotation, label, ulabel, split set). On
 * failure ds is left empty. name prefixes messages. */
sm_status labelcsv_parse(dataset *ds, const char *buf, size_t n, const char *name, sm_err *err);
sm_status labelcsv_read(dataset *ds, const char *path, sm_err *err);
/* Writes label.csv (header video_id, clip_id, text, label, label_T,
 * label_A, label_V, annotation, mode) atomically. */
sm_status labelcsv_write(const dataset *ds, const char *path, sm_err *err);

/* ---- identity --------------------------------------------------------------- */

/* A dataset's identity as a run records it (selfmi-results(5)): path gets
 * the canonical name (an absolute path without symlinks, "." or "..", from
 * realpath; a synth: name unchanged) and id 16 hex digits of a 64-bit
 * fingerprint (sm_hash64) of its contents: for a directory, label.csv and
 * each of the arrays (text, audio, vision and their _lengths), header and
 * data, byte for byte, with each file's name and size; for synth: the name,
 * which fixes the generated data. Only regular files are read (a FIFO or a
 * symlinked file is an error, never a hang). path or id may be NULL.
 * Thread-safe. The process remembers the fingerprints it computed, with
 * each file's device, inode, size and modification and status-change
 * times; while none of these changes, the files are not read again. */
sm_status dataset_identity(const char *name, char *path, size_t pn, char *id, size_t idn, sm_err *err);

/* How many times this process has read a dataset's files for its identity
 * (the memo above missed). */
unsigned long dataset_identity_reads(void);

#endif
