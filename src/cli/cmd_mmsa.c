/* cmd_mmsa.c: `selfmi import mmsa FILE.pkl OUTDIR` reads an MMSA feature
 * pickle and writes the native dataset directory (SPEC section 9). The
 * directory is written beside OUTDIR under a temporary name and renamed into
 * place, so a failure leaves no partial output. */
#include "config.h"
#include "cli/cmd_mmsa.h"
#include "data/dataset.h"
#include "data/mmsa.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HINT "Try 'selfmi import mmsa --help'.\n"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: selfmi import mmsa [OPTIONS] FILE.pkl OUTDIR\n"
            "\n"
            "Reads an MMSA feature pickle (unaligned_50.pkl, aligned_50.pkl, ...: a dict of\n"
            "train/valid/test dicts of numpy arrays and lists) and writes the native dataset\n"
            "directory OUTDIR: label.csv, text.npy, audio.npy, vision.npy and the lengths.\n"
            "OUTDIR must not exist (or be an empty directory).\n"
            "\n"
            "Options:\n"
            "  -q, --quiet  do not print notes (ignored keys, replaced values)\n"
            "  --help       show this help and exit\n"
            "  --version    show the version and exit\n"
            "\n"
            "Exit status: 0 done, 1 the output could not be written, 2 usage or bad input.\n");
}

static void log_stderr(void *ud, sm_log_level level, const char *msg)
{
    (void)ud;
    fprintf(stderr, "selfmi: %s: %s\n", level >= SM_LOG_WARN ? "warning" : "note", msg);
}

/* Removes a flat directory written by dataset_save (no subdirectories). */
static void remove_flat_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[4096 + 16 + 256 + 2];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* 0 when path is absent or an empty directory. */
static int check_outdir(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return -1;
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n ? -1 : 0;
}

int cmd_import_mmsa(int argc, char **argv)
{
    const char *ops[2];
    int nops = 0;
    bool quiet = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++) {
                if (nops == 2)
                    goto too_many;
                ops[nops++] = argv[i];
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "selfmi import mmsa: unknown option '%s'\n%s", a, HINT);
            return 2;
        } else {
            if (nops == 2)
                goto too_many;
            ops[nops++] = a;
        }
    }
    if (nops != 2) {
        fprintf(stderr, "selfmi import mmsa: expected FILE.pkl and OUTDIR\n%s", HINT);
        return 2;
    }
    const char *file = ops[0];
    char outdir[4096];
    size_t k = strlen(ops[1]);
    while (k > 1 && ops[1][k - 1] == '/')
        k--;
    if (k == 0 || k >= sizeof outdir - 16) {
        fprintf(stderr, "selfmi: import mmsa: bad OUTDIR '%s'\n", ops[1]);
        return 2;
    }
    memcpy(outdir, ops[1], k);
    outdir[k] = '\0';
    if (check_outdir(outdir) != 0) {
        fprintf(stderr, "selfmi: import mmsa: %s: exists and is not an empty directory\n", outdir);
        return 2;
    }

    sm_log log = {quiet ? NULL : log_stderr, NULL};
    sm_err err;
    sm_err_clear(&err);
    dataset ds;
    sm_status st = mmsa_load(file, &ds, &log, &err);
    if (st) {
        fprintf(stderr, "selfmi: import mmsa: %s\n", err.msg);
        return st == SM_ENOMEM ? 1 : 2;
    }

    char tmp[4096 + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", outdir);
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "selfmi: import mmsa: %s: cannot create: %s\n", tmp, strerror(errno));
        dataset_free(&ds);
        return 1;
    }
    mode_t mask = umask(0);   /* mkdtemp makes 0700; give OUTDIR the usual mode */
    umask(mask);
    chmod(tmp, 0777 & ~mask);
    st = dataset_save(&ds, tmp, &err);
    if (!st && rename(tmp, outdir) != 0) {
        st = sm_err_set(&err, SM_EIO, "%s: cannot rename to %s: %s", tmp, outdir, strerror(errno));
    }
    if (st) {
        fprintf(stderr, "selfmi: import mmsa: %s\n", err.msg);
        remove_flat_dir(tmp);
        dataset_free(&ds);
        return 1;
    }

    int counts[SPLIT_COUNT];
    dataset_split_counts(&ds, counts);
    printf("imported %s -> %s\n", file, outdir);
    printf("  samples: %d (train %d, valid %d, test %d)\n", ds.n, counts[SPLIT_TRAIN],
           counts[SPLIT_VALID], counts[SPLIT_TEST]);
    for (int m = 0; m < MOD_COUNT; m++)
        printf("  %-7s L = %d, D = %d\n", mod_names[m], ds.mod[m].L, ds.mod[m].D);
    printf("  unimodal labels:%s%s%s%s\n", ds.ulabel[MOD_T] ? " T" : "", ds.ulabel[MOD_A] ? " A" : "",
           ds.ulabel[MOD_V] ? " V" : "", dataset_has_ulabels(&ds) ? "" : " none");
    dataset_free(&ds);
    return 0;

too_many:
    fprintf(stderr, "selfmi import mmsa: too many operands\n%s", HINT);
    return 2;
}
