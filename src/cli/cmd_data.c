/* cmd_data.c: `selfmi info`, `selfmi import csv`, `selfmi synth`. */
#include "config.h"
#include "cli/cmd_data.h"
#include "cli/machine.h"
#include "data/dataset.h"
#include "data/featcsv.h"
#include "data/synth.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Matches --name VALUE or --name=VALUE at argv[*i]; advances *i past the
 * value. *missing is set when the value is absent. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

static bool parse_ulong(const char *s, unsigned long *out)
{
    if (!*s || *s == '-')
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || errno)
        return false;
    *out = v;
    return true;
}

/* The exit status of a failure to read an input: 2 (bad input), but 1 when
 * memory ran out (the input may be fine). */
static int st_exit(sm_status st)
{
    return st == SM_ENOMEM ? 1 : 2;
}

/* ---- info ------------------------------------------------------------------ */

static void info_usage(FILE *f)
{
    fprintf(f, "Usage: selfmi info DIR\n"
               "       selfmi info synth:PRESET[:SEED]\n"
               "       selfmi info --machine\n"
               "Checks and describes a dataset directory (or a synthetic dataset): samples\n"
               "per split, per modality the padded length L, the width D and the true\n"
               "lengths, labels per split.\n"
               "\n"
               "Options:\n"
               "  --machine  describe the machine instead: processor, SIMD level, BLAS build\n"
               "             and kernel (with its reference check), single-core sgemm rate,\n"
               "             whether denormals are flushed\n"
               "  --help     show this help and exit\n"
               "  --version  show the version and exit\n"
               "\n"
               "Exit status: 0 the dataset is valid, 2 it is not (or bad usage).\n");
}

int cmd_info(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        info_usage(stdout);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--machine") == 0)
        return machine_print(stdout);
    if (argc != 2 || argv[1][0] == '-') {
        if (argc >= 2 && argv[1][0] == '-')
            fprintf(stderr, "selfmi info: unknown option '%s'\n", argv[1]);
        else
            fprintf(stderr, "selfmi info: expected one DIR or synth:PRESET\n");
        fprintf(stderr, "Try 'selfmi info --help'.\n");
        return 2;
    }
    dataset ds;
    sm_err err;
    sm_err_clear(&err);
    if (dataset_open(&ds, argv[1], &err) != SM_OK) {
        fprintf(stderr, "selfmi info: %s\n", err.msg);
        return st_exit(err.status);
    }
    int counts[SPLIT_COUNT];
    dataset_split_counts(&ds, counts);
    printf("dataset  %s\n", argv[1]);
    printf("samples  %d (train %d, valid %d, test %d)\n", ds.n, counts[SPLIT_TRAIN], counts[SPLIT_VALID],
           counts[SPLIT_TEST]);
    printf("\n%-8s %6s %6s %22s\n", "modality", "L", "D", "length min/mean/max");
    for (int m = 0; m < MOD_COUNT; m++) {
        const modality *md = &ds.mod[m];
        int lo = md->L, hi = 0;
        double sum = 0;
        for (int i = 0; i < ds.n; i++) {
            lo = SM_MIN(lo, md->len[i]);
            hi = SM_MAX(hi, md->len[i]);
            sum += md->len[i];
        }
        char lens[64];
        snprintf(lens, sizeof lens, "%d/%.1f/%d", lo, sum / ds.n, hi);
        printf("%-8s %6d %6d %22s\n", mod_names[m], md->L, md->D, lens);
    }
    static const char *const lab[] = {"label", "label_T", "label_A", "label_V"};
    printf("\n%-8s %-6s %6s %8s %8s %8s\n", "labels", "split", "n", "min", "max", "mean");
    for (int k = 0; k < 4; k++) {
        const float *y = k == 0 ? ds.label : ds.ulabel[k - 1];
        if (!y)
            continue;
        for (int s = 0; s < SPLIT_COUNT; s++) {
            int c = 0;
            double lo = INFINITY, hi = -INFINITY, sum = 0;
            for (int i = 0; i < ds.n; i++) {
                if (ds.split[i] != s || isnan(y[i]))
                    continue;
                c++;
                lo = fmin(lo, y[i]);
                hi = fmax(hi, y[i]);
                sum += y[i];
            }
            if (c)
                printf("%-8s %-6s %6d %8.3f %8.3f %8.3f\n", lab[k], split_names[s], c, lo, hi, sum / c);
            else
                printf("%-8s %-6s %6d %8s %8s %8s\n", lab[k], split_names[s], 0, "-", "-", "-");
        }
    }
    printf("\nunimodal labels  %s\n", dataset_has_ulabels(&ds) ? "yes" : "no");
    printf("label bound H    %g\n", (double)dataset_label_bound(&ds));
    dataset_free(&ds);
    return 0;
}

/* ---- import csv ------------------------------------------------------------ */

static void import_usage(FILE *f)
{
    fprintf(f,
            "Usage: selfmi import csv FILE OUTDIR [options]\n"
            "Makes a dataset directory from utterance-level features in one CSV (a row\n"
            "per sample). Each modality becomes a sequence of length 1.\n"
            "\n"
            "  --id COL            sample id column (default id)\n"
            "  --label COL         label column (default label_reg); empty labels are skipped\n"
            "  --split COL         split column: train/valid/test (default std_split)\n"
            "  --transcript COL    transcript column (default text; empty = none)\n"
            "  --text-prefix P     text feature columns P0, P1, ... (default t)\n"
            "  --audio-prefix P    audio feature columns (default a)\n"
            "  --video-prefix P    video feature columns (default v)\n"
            "  --video-id COL      video id column, with --clip-id (defaults video_id, clip_id;\n"
            "  --clip-id COL       when absent the id is split at its last '_')\n"
            "  --valid-from SPLIT:FRACTION\n"
            "                      move that fraction of SPLIT's videos to valid (e.g. test:0.33)\n"
            "  --seed N            seed of that choice (default 1)\n"
            "  --force             replace OUTDIR if it is a dataset directory\n"
            "  --help              show this help and exit\n"
            "  --version           show the version and exit\n"
            "\n"
            "Exit status: 0 written, 1 the output could not be written, 2 usage or bad input.\n");
}

int cmd_import_csv(int argc, char **argv)
{
    featcsv_opts o;
    featcsv_opts_default(&o);
    const char *pos[2] = {NULL, NULL};
    int npos = 0;
    const char *valid_from = NULL;
    unsigned long seed = 1;
    bool force = false;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if (strcmp(argv[i], "--help") == 0) {
            import_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--force") == 0) {
            force = true;
        } else if ((v = opt_value(argc, argv, &i, "--id", &missing))) {
            o.id = v;
        } else if ((v = opt_value(argc, argv, &i, "--label", &missing))) {
            o.label = v;
        } else if ((v = opt_value(argc, argv, &i, "--split", &missing))) {
            o.split = v;
        } else if ((v = opt_value(argc, argv, &i, "--transcript", &missing))) {
            o.transcript = v;
        } else if ((v = opt_value(argc, argv, &i, "--text-prefix", &missing))) {
            o.prefix[MOD_T] = v;
        } else if ((v = opt_value(argc, argv, &i, "--audio-prefix", &missing))) {
            o.prefix[MOD_A] = v;
        } else if ((v = opt_value(argc, argv, &i, "--video-prefix", &missing))) {
            o.prefix[MOD_V] = v;
        } else if ((v = opt_value(argc, argv, &i, "--video-id", &missing))) {
            o.video_id = v;
        } else if ((v = opt_value(argc, argv, &i, "--clip-id", &missing))) {
            o.clip_id = v;
        } else if ((v = opt_value(argc, argv, &i, "--valid-from", &missing))) {
            valid_from = v;
        } else if ((v = opt_value(argc, argv, &i, "--seed", &missing))) {
            if (!parse_ulong(v, &seed)) {
                fprintf(stderr, "selfmi: --seed '%s': expected a non-negative integer\n", v);
                return 2;
            }
        } else if (missing) {
            fprintf(stderr, "selfmi: %s needs a value\n", argv[i]);
            return 2;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "selfmi import csv: unknown option '%s'\nTry 'selfmi import csv --help'.\n", argv[i]);
            return 2;
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            fprintf(stderr, "selfmi import csv: '%s' is extra: expected FILE OUTDIR\n"
                            "Try 'selfmi import csv --help'.\n", argv[i]);
            return 2;
        }
    }
    if (npos != 2) {
        fprintf(stderr, "selfmi import csv: expected FILE OUTDIR\nTry 'selfmi import csv --help'.\n");
        return 2;
    }
    int from = -1;
    double frac = 0;
    if (valid_from) {
        const char *colon = strrchr(valid_from, ':');
        char name[32];
        char *end = NULL;
        if (colon && (size_t)(colon - valid_from) < sizeof name) {
            memcpy(name, valid_from, (size_t)(colon - valid_from));
            name[colon - valid_from] = '\0';
            from = dataset_split_parse(name);
            errno = 0;
            frac = strtod(colon + 1, &end);
        }
        if (from < 0 || from == SPLIT_VALID || !end || *end || end == colon + 1 || !(frac > 0 && frac < 1)) {
            fprintf(stderr, "selfmi: --valid-from '%s': expected SPLIT:FRACTION with SPLIT train or test and "
                            "0 < FRACTION < 1 (e.g. test:0.33)\n", valid_from);
            return 2;
        }
    }
    dataset ds;
    featcsv_report rep;
    sm_err err;
    sm_err_clear(&err);
    if (featcsv_read(&ds, pos[0], &o, &rep, &err) != SM_OK) {
        fprintf(stderr, "selfmi import csv: %s\n", err.msg);
        return st_exit(err.status);
    }
    if (rep.skipped)
        fprintf(stderr, "selfmi: warning: %s: skipped %d row%s with an empty label in column '%s': %s\n", pos[0],
                rep.skipped, rep.skipped == 1 ? "" : "s", o.label, rep.skipped_ids);
    int moved = 0;
    if (valid_from && dataset_carve_valid(&ds, from, frac, seed, &moved, &err) != SM_OK) {
        fprintf(stderr, "selfmi import csv: --valid-from %s: %s\n", valid_from, err.msg);
        dataset_free(&ds);
        featcsv_report_free(&rep);
        return st_exit(err.status);
    }
    int counts[SPLIT_COUNT];
    dataset_split_counts(&ds, counts);
    if (counts[SPLIT_VALID] == 0)
        fprintf(stderr, "selfmi: warning: no validation samples (split column '%s'); --valid-from SPLIT:FRACTION "
                        "carves some out by video\n", o.split);
    int rc = 0;
    if (dataset_save_new(&ds, pos[1], force, &err) != SM_OK) {
        fprintf(stderr, "selfmi: %s%s\n", err.msg, strstr(err.msg, "already exists") ? " (--force replaces it)" : "");
        rc = 1;
    } else {
        printf("imported %d samples (train %d, valid %d, test %d) from %s into %s\n", ds.n, counts[SPLIT_TRAIN],
               counts[SPLIT_VALID], counts[SPLIT_TEST], pos[0], pos[1]);
        printf("features: text %d, audio %d, video %d per sample (sequences of length 1)\n", ds.mod[MOD_T].D,
               ds.mod[MOD_A].D, ds.mod[MOD_V].D);
        if (valid_from)
            printf("validation: %d samples carved from %s by video (seed %lu)\n", moved, split_names[from], seed);
    }
    dataset_free(&ds);
    featcsv_report_free(&rep);
    return rc;
}

/* ---- synth ----------------------------------------------------------------- */

static void synth_usage(FILE *f)
{
    fprintf(f,
            "Usage: selfmi synth [--preset small|mosi|sims|mosei] [--seed N] [--force] OUTDIR\n"
            "Writes a synthetic multimodal sentiment dataset whose samples carry known\n"
            "per-modality sentiments (label_T, label_A, label_V).\n"
            "\n"
            "  --preset NAME   small (tests), mosi (MOSI's sizes), sims (SIMS-like), mosei\n"
            "                  (MOSEI's sizes, about 8.5 GB); default small\n"
            "  --seed N        generator seed (default 1); the same seed gives the same files\n"
            "  --force         replace OUTDIR if it is a dataset directory\n"
            "  --help          show this help and exit\n"
            "  --version       show the version and exit\n"
            "\n"
            "Exit status: 0 written, 1 the output failed, 2 usage.\n");
}

int cmd_synth(int argc, char **argv)
{
    const char *preset = "small", *outdir = NULL;
    unsigned long seed = 1;
    bool force = false;
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if (strcmp(argv[i], "--help") == 0) {
            synth_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--force") == 0) {
            force = true;
        } else if ((v = opt_value(argc, argv, &i, "--preset", &missing))) {
            preset = v;
        } else if ((v = opt_value(argc, argv, &i, "--seed", &missing))) {
            if (!parse_ulong(v, &seed)) {
                fprintf(stderr, "selfmi: --seed '%s': expected a non-negative integer\n", v);
                return 2;
            }
        } else if (missing) {
            fprintf(stderr, "selfmi: %s needs a value\n", argv[i]);
            return 2;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "selfmi synth: unknown option '%s'\nTry 'selfmi synth --help'.\n", argv[i]);
            return 2;
        } else if (!outdir) {
            outdir = argv[i];
        } else {
            fprintf(stderr, "selfmi synth: one OUTDIR only ('%s' is extra)\nTry 'selfmi synth --help'.\n",
                    argv[i]);
            return 2;
        }
    }
    if (!outdir) {
        fprintf(stderr, "selfmi synth: missing OUTDIR\nTry 'selfmi synth --help'.\n");
        return 2;
    }
    if (!synth_preset_find(preset)) {
        fprintf(stderr, "selfmi: --preset '%s': expected one of %s\n", preset, synth_preset_list());
        return 2;
    }
    dataset ds;
    sm_err err;
    sm_err_clear(&err);
    if (synth_make(&ds, preset, seed, &err) != SM_OK || dataset_save_new(&ds, outdir, force, &err) != SM_OK) {
        fprintf(stderr, "selfmi: %s%s\n", err.msg, strstr(err.msg, "already exists") ? " (--force replaces it)" : "");
        dataset_free(&ds);
        return 1;
    }
    int counts[SPLIT_COUNT];
    dataset_split_counts(&ds, counts);
    printf("wrote synthetic preset %s (seed %lu): %d samples (train %d, valid %d, test %d) to %s\n", preset, seed,
           ds.n, counts[SPLIT_TRAIN], counts[SPLIT_VALID], counts[SPLIT_TEST], outdir);
    dataset_free(&ds);
    return 0;
}
