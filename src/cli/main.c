/* main.c: the selfmi command line: dispatches subcommands. */
#include "config.h"
#include "base/base.h"
#include "cli/cli.h"
#include "cli/cmd_data.h"
#include "cli/cmd_mmsa.h"
#include "cli/machine.h"
#include "tensor/tensor.h"
#include "train/run.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: selfmi [EXPERIMENT] [--results DIR] [--jobs N] [--no-color]\n"
            "       selfmi COMMAND [ARGS...]\n"
            "\n"
            "Multimodal sentiment analysis: trains Self-MI and its baselines.\n"
            "\n"
            "Without a command: the dashboard on EXPERIMENT (default: default.conf from\n"
            "./experiments or the data directory); 'selfmi --help-dashboard' lists its\n"
            "options, 'selfmi --help-keys' its keys.\n"
            "\n"
            "Commands:\n"
            "  train EXPERIMENT|DATASET       one training run, no dashboard\n"
            "  grid EXPERIMENT                an experiment's grid on worker threads, no dashboard\n"
            "  report RESULTS...              tables like the paper's from results directories\n"
            "  search EXPERIMENT              a hyper-parameter search on validation, no dashboard\n"
            "  info DIR|synth:PRESET          check and describe a dataset\n"
            "  info --machine                 the processor, BLAS kernel and speed selfmi uses\n"
            "  import csv FILE OUTDIR [opts]  utterance-level feature CSV -> dataset directory\n"
            "  import mmsa FILE.pkl OUTDIR    MMSA feature pickle -> dataset directory\n"
            "  synth [opts] OUTDIR            write a synthetic dataset\n"
            "\n"
            "Options:\n"
            "  --list-experiments  list the experiment files found (./experiments, the\n"
            "                      data directory) with their titles and exit\n"
            "  --help-dashboard    the dashboard's options\n"
            "  --help-keys         the dashboard's keys\n"
            "  --help              show this help and exit\n"
            "  --version           show the version and exit\n"
            "\n"
            "'selfmi COMMAND --help' describes each command; 'man selfmi' all of them.\n");
}

static void version(void)
{
    printf("selfmi (selfmi) %s\n"
           "Self-MI multimodal sentiment analysis on a CPU: training, grids, reports\n"
           "and a terminal dashboard.\n",
           PACKAGE_VERSION);
}

static int cmd_import(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "csv") == 0)
        return cmd_import_csv(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "mmsa") == 0)
        return cmd_import_mmsa(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
        printf("Usage: selfmi import csv FILE OUTDIR [OPTIONS]\n"
               "       selfmi import mmsa [OPTIONS] FILE.pkl OUTDIR\n"
               "\n"
               "Makes a dataset directory from utterance-level features in a CSV file or\n"
               "from an MMSA feature pickle.\n"
               "\n"
               "Options:\n"
               "  --help     show this help and exit\n"
               "  --version  show the version and exit\n"
               "\n"
               "'selfmi import csv --help' and 'selfmi import mmsa --help' describe each.\n");
        return 0;
    }
    if (argc < 2)
        fprintf(stderr, "selfmi import: missing 'csv' or 'mmsa'\nTry 'selfmi import --help'.\n");
    else
        fprintf(stderr, "selfmi import: '%s': expected 'csv' or 'mmsa'\nTry 'selfmi import --help'.\n", argv[1]);
    return 2;
}

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} command;

static const command commands[] = {
    {"train", cmd_train},
    {"grid", cmd_grid},
    {"report", cmd_report},
    {"search", cmd_search},
    {"info", cmd_info},
    {"import", cmd_import},
    {"synth", cmd_synth},
};

int main(int argc, char **argv)
{
    /* only the character type comes from the environment: numbers keep a
     * decimal point whatever the locale */
    machine_startup(argv);   /* may execute the program again (a better BLAS kernel) */
    setlocale(LC_CTYPE, "");
    blas_single_thread();
    /* a file size limit makes write() fail with EFBIG, reported like a
     * full disk, instead of killing the process mid-run */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2)
        return cmd_dash(argc, argv);
    if (strcmp(argv[1], "--help-dashboard") == 0) {
        char *hv[] = {argv[0], "--help", NULL};
        return cmd_dash(2, hv);
    }
    if (strcmp(argv[1], "--help-keys") == 0)
        return cmd_dash_keys();
    if (strcmp(argv[1], "--list-experiments") == 0)
        return cmd_list_experiments();
    if (strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    /* --version anywhere before "--" (GNU): for selfmi and every command;
     * --help is each command's own */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--version") == 0) {
            version();
            return 0;
        }
    /* a bad checkpoint interval stops every command before a run starts */
    double secs;
    sm_err err;
    if (run_checkpoint_secs(&secs, &err)) {
        fprintf(stderr, "selfmi: %s\n", err.msg);
        return 2;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    /* not a command: an experiment file or dashboard options */
    return cmd_dash(argc, argv);
}
