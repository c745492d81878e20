/* main.c: the selfmi command line: dispatches subcommands. */
#include "config.h"
#include "base/base.h"
#include "tensor/tensor.h"
#include "cli/cmd_mmsa.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: selfmi [EXPERIMENT]\n"
            "       selfmi COMMAND [ARGS...]\n"
            "\n"
            "Multimodal sentiment analysis: trains Self-MI and its baselines.\n"
            "\n"
            "Options:\n"
            "Commands:\n"
            "  import mmsa FILE.pkl OUTDIR   convert an MMSA feature pickle\n"
            "\n"
            "  --help       show this help and exit\n"
            "  --version    show the version and exit\n");
}

int main(int argc, char **argv)
{
    setlocale(LC_CTYPE, "");
    blas_single_thread();
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("selfmi (selfmi) %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "import") == 0 && strcmp(argv[2], "mmsa") == 0)
        return cmd_import_mmsa(argc - 2, argv + 2);
    usage(stderr);
    return 2;
}
