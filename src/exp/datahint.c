/* datahint.c: the command that makes a missing ds (datahint.h). */
#include "config.h"
#include "exp/datahint.h"
#include "exp/expfile.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The datasets of the shipped experiments made from a feature file of
 * ../shared/data, with the import options their experiment files give
 * (experiments/mosi-bclstm.conf). */
static const struct {
    const char *name, *file, *options;
} known[] = {
    {"mosi-bclstm", "mosi-bclstm/mosi_utterance_features.csv", "--split poria2017_split --valid-from test:0.33"},
};

/* The synthetic presets (selfmi synth --preset). */
static const char *const presets[] = {"small", "mosi", "sims", "mosei"};

bool exp_dataset_missing(const char *ds)
{
    if (strncmp(ds, "synth:", 6) == 0)
        return false;
    char p[4200];
    snprintf(p, sizeof p, "%s/label.csv", ds);
    return access(p, F_OK) != 0;
}

/* The feature file under one of the places ../shared/data may be: beside
 * the current directory (the repository root), beside the experiment
 * file's repository, beside the source tree selfmi was built from. */
static bool find_file(const char *file, const char *exp_dir, char *out, size_t n)
{
    char roots[3][1100];
    int nr = 0;
    snprintf(roots[nr++], sizeof roots[0], "../shared/data");
    if (exp_dir && *exp_dir)
        snprintf(roots[nr++], sizeof roots[0], "%s/../../shared/data", exp_dir);
    snprintf(roots[nr++], sizeof roots[0], "%s/../shared/data", SELFMI_SRCDIR);
    for (int i = 0; i < nr; i++) {
        exp_path_resolve(roots[i], file, out, n);
        if (access(out, R_OK) == 0)
            return true;
    }
    return false;
}

bool exp_dataset_command(const char *ds, const char *exp_dir, char *buf, size_t n)
{
    const char *base = strrchr(ds, '/') ? strrchr(ds, '/') + 1 : ds;
    if (strncmp(base, "synth", 5) == 0) {
        /* "synth-sims": that preset */
        const char *preset = NULL;
        for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
            if (strstr(base + 5, presets[i]))
                preset = presets[i];
        snprintf(buf, n, "selfmi synth %s%s%s%s", preset ? "--preset " : "", preset ? preset : "", preset ? " " : "",
                 ds);
        return true;
    }
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(base, known[i].name) != 0)
            continue;
        char file[4096];
        bool found = find_file(known[i].file, exp_dir, file, sizeof file);
        snprintf(buf, n, "selfmi import csv %s %s %s", found ? file : "FEATURES.csv", ds, known[i].options);
        return found;
    }
    snprintf(buf, n, "selfmi import csv FEATURES.csv %s", ds);
    return false;
}

void exp_dataset_hint(const char *ds, const char *exp_dir, char *buf, size_t n)
{
    char cmd[8200];
    if (exp_dataset_command(ds, exp_dir, cmd, sizeof cmd))
        snprintf(buf, n, "make it with `%s`", cmd);
    else
        snprintf(buf, n, "make it with `%s` (FEATURES.csv: your feature file; or `selfmi import mmsa FILE.pkl %s`)",
                 cmd, ds);
}
