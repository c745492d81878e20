/* test_exp.c: experiment files: sections, comments, overrides, grids with
 * '|' lists and seed ranges, the paper's task and CPC subsets, relative
 * dataset paths, and errors naming the file, line and key. */
#include "config.h"
#include "exp/datahint.h"
#include "exp/expfile.h"
#include "../tap.h"

#include <string.h>
#include <unistd.h>

/* The hash set that de-duplicates grid points agrees with a pairwise
 * comparison on ids with repeats, across its growth. */
static void test_idset(void)
{
    enum { N = 8000 };
    static char ids[N][48];
    static bool first[N];
    unsigned x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        /* about one id in three repeats an earlier one */
        int v = (int)((x >> 8) % (N * 2 / 3));
        snprintf(ids[i], sizeof ids[i], "synth-small-mi-MTAV-all-s%d-%08x", v, (unsigned)v * 2654435761u);
    }
    /* the reference: first occurrences by comparing with every earlier id */
    int ref_unique = 0;
    for (int i = 0; i < N; i++) {
        first[i] = true;
        for (int j = 0; j < i && first[i]; j++)
            first[i] = strcmp(ids[i], ids[j]) != 0;
        ref_unique += first[i];
    }
    exp_idset s;
    sm_err err;
    tap_ok(exp_idset_init(&s, 4, &err) == SM_OK, "idset starts small (it grows)");
    int agree = 0, unique = 0;
    for (int i = 0; i < N; i++) {
        int added = exp_idset_add(&s, ids[i], &err);
        agree += (added == 1) == first[i];
        unique += added == 1;
    }
    tap_ok(agree == N && unique == ref_unique, "idset: %d of %d answers agree; %d unique (reference %d)", agree, N,
           unique, ref_unique);
    tap_ok(exp_idset_add(&s, "not-seen-before", &err) == 1 && exp_idset_add(&s, "not-seen-before", &err) == 0 &&
           exp_idset_add(&s, "", &err) == 1 && exp_idset_add(&s, "", &err) == 0, "a new id, then a repeat; the empty id");
    exp_idset_free(&s);
    exp_idset_free(NULL);
}

/* The command a missing dataset's message gives (exp/datahint.h). */
static void test_datahint(void)
{
    char cmd[8400];
    tap_ok(!exp_dataset_missing("synth:small") && exp_dataset_missing("no/such/dir"), "missing: a directory, never synth:");
    tap_ok(exp_dataset_command("data/synth-sims", NULL, cmd, sizeof cmd) &&
               !strcmp(cmd, "selfmi synth --preset sims data/synth-sims"),
           "a synthetic directory: selfmi synth with its preset (%s)", cmd);
    tap_ok(exp_dataset_command("out/synth", NULL, cmd, sizeof cmd) && !strcmp(cmd, "selfmi synth out/synth"),
           "a synthetic directory without a preset in its name (%s)", cmd);
    tap_ok(!exp_dataset_command("data/mine", NULL, cmd, sizeof cmd) &&
               !strcmp(cmd, "selfmi import csv FEATURES.csv data/mine"),
           "an unknown dataset: a placeholder for the feature file (%s)", cmd);
    exp_dataset_hint("data/mine", NULL, cmd, sizeof cmd);
    tap_ok(strstr(cmd, "FEATURES.csv: your feature file") && strstr(cmd, "selfmi import mmsa FILE.pkl data/mine"),
           "the placeholder is explained (%s)", cmd);
    /* the shipped MOSI features: the real file where the source tree's
     * ../shared/data holds it, with the experiment's import options */
    char feat[2048];
    snprintf(feat, sizeof feat, "%s/../shared/data/mosi-bclstm/mosi_utterance_features.csv", SELFMI_SRCDIR);
    bool have = access(feat, R_OK) == 0;
    bool exact = exp_dataset_command("data/mosi-bclstm", "experiments", cmd, sizeof cmd);
    tap_ok(exact == have && strstr(cmd, "selfmi import csv ") == cmd &&
               strstr(cmd, have ? "shared/data/mosi-bclstm/mosi_utterance_features.csv data/mosi-bclstm "
                                : "FEATURES.csv data/mosi-bclstm ") &&
               strstr(cmd, " --split poria2017_split --valid-from test:0.33"),
           "mosi-bclstm: %s", cmd);
    /* the path works from the current directory */
    char path[4096];
    snprintf(path, sizeof path, "%.*s", (int)strcspn(cmd + 18, " "), cmd + 18);
    tap_ok(!have || access(path, R_OK) == 0, "the feature file's path reads from here (%s)", path);
}

static sm_status parse(experiment *e, const char *text, sm_err *err)
{
    return exp_parse(e, text, strlen(text), "dir/exp.conf", err);
}

static void expect_error(const char *text, const char *want1, const char *want2, const char *what)
{
    experiment e;
    sm_err err;
    sm_err_clear(&err);
    sm_status st = parse(&e, text, &err);
    bool ok = st != SM_OK && strstr(err.msg, want1) && (!want2 || strstr(err.msg, want2));
    if (!tap_ok(ok, "error: %s", what))
        tap_diag("message: %s", err.msg);
    if (st == SM_OK)
        exp_free(&e);
}

int main(void)
{
    experiment e;
    sm_err err;
    config c;
    char buf[256];
    const char *t5 = "# Table 5\n"
                     "[experiment]\n"
                     "title = task subsets\n"
                     "dataset = synth:small\n"
                     "\n"
                     "[config]\n"
                     "; another comment\n"
                     "max_epochs = 7\n"
                     "labels = mm\n"
                     "[grid]\n"
                     "seed = 1111..1115\n"
                     "tasks = M | M,T | M,A | M,V | M,T,A | M,T,V | M,A,V | M,T,A,V\n"
                     "[report]\n"
                     "group_by = tasks\n"
                     "reference = M,T,A,V\n";
    tap_ok(parse(&e, t5, &err) == SM_OK, "Table 5 experiment parses");
    tap_ok(exp_grid_size(&e) == 40, "8 subsets x 5 seeds = 40 points: %ld", exp_grid_size(&e));
    tap_ok(strcmp(e.title, "task subsets") == 0 && strcmp(e.group_by, "tasks") == 0 &&
           strcmp(e.reference, "M,T,A,V") == 0, "title and [report] defaults");
    tap_ok(exp_grid_point(&e, 0, &c, &err) == SM_OK, "point 0 resolves");
    tap_ok(c.preset == PRESET_SYNTH && strcmp(c.dataset, "synth:small") == 0, "synth: dataset implies the synth preset");
    tap_ok(c.max_epochs == 7 && c.labels == LABELS_MM, "[config] keys applied");
    tap_ok(c.seed == 1111 && !c.tasks[0] && !c.tasks[1] && !c.tasks[2], "point 0: seed 1111, tasks M");
    exp_grid_point(&e, 1, &c, &err);
    tap_ok(c.seed == 1111 && c.tasks[0] && !c.tasks[1], "the last axis varies fastest: point 1 is M,T");
    exp_grid_point(&e, 39, &c, &err);
    tap_ok(c.seed == 1115 && c.tasks[0] && c.tasks[1] && c.tasks[2], "point 39: seed 1115, M,T,A,V");
    exp_grid_label(&e, 13, buf, sizeof buf);
    tap_ok(strcmp(buf, "seed=1112 tasks=M,T,V") == 0, "label of point 13: %s", buf);
    /* overrides */
    tap_ok(exp_override(&e, "max_epochs", "3", &err) == SM_OK, "override a [config] key");
    tap_ok(exp_override(&e, "seed", "42", &err) == SM_OK && exp_grid_size(&e) == 8,
           "override an axis: it collapses to one value (8 points)");
    exp_grid_point(&e, 2, &c, &err);
    tap_ok(c.max_epochs == 3 && c.seed == 42 && c.tasks[1] && !c.tasks[0], "overrides applied after the file");
    tap_ok(exp_override(&e, "dataset", "data/x", &err) == SM_OK, "override the dataset");
    exp_grid_point(&e, 0, &c, &err);
    tap_ok(strcmp(c.dataset, "data/x") == 0 && c.preset == PRESET_MOSI,
           "--set dataset stays relative to the current directory; a directory means the mosi preset");
    tap_ok(exp_override(&e, "nope", "1", &err) != SM_OK && strstr(err.msg, "nope"), "unknown override key refused");
    tap_ok(exp_override(&e, "tasks", "M,X", &err) != SM_OK, "bad override value refused");
    exp_free(&e);

    /* Table 6 and generators */
    const char *t6 = "dataset = synth:small\n"
                     "[grid]\n"
                     "cpc_terms = all | w/o mt | w/o ma | w/o mv\n"
                     "labels = mi|mm|none\n";
    tap_ok(parse(&e, t6, &err) == SM_OK && exp_grid_size(&e) == 12, "keys before any section, CPC x labels = 12");
    exp_grid_point(&e, 3 * 1 + 2, &c, &err);
    tap_ok(!c.cpc_terms[0] && c.cpc_terms[1] && c.cpc_terms[2] && c.labels == LABELS_NONE, "w/o mt with none");
    exp_grid_point(&e, 9, &c, &err);
    tap_ok(c.cpc_terms[0] && c.cpc_terms[1] && !c.cpc_terms[2] && c.labels == LABELS_MI, "w/o mv with mi");
    exp_free(&e);

    /* presets and paths */
    tap_ok(parse(&e, "[experiment]\ndataset = ../data/mosi-bclstm\npreset = sims\n", &err) == SM_OK,
           "relative dataset with a preset");
    exp_grid_point(&e, 0, &c, &err);
    tap_ok(strcmp(c.dataset, "data/mosi-bclstm") == 0, "dir/../data/mosi-bclstm resolves to %s", c.dataset);
    tap_ok(c.preset == PRESET_SIMS && exp_grid_size(&e) == 1, "preset sims, one run");
    exp_free(&e);
    tap_ok(parse(&e, "dataset = ../data/x\nseed = 3\n", &err) == SM_OK, "a file without sections (run.conf)");
    exp_grid_point(&e, 0, &c, &err);
    tap_ok(strcmp(c.dataset, "../data/x") == 0 && c.seed == 3, "its dataset path is as written: %s", c.dataset);
    exp_free(&e);
    exp_path_resolve("experiments", "./a/./b/../c", buf, sizeof buf);
    tap_ok(strcmp(buf, "experiments/a/c") == 0, "normalised: %s", buf);
    exp_path_resolve("experiments", "/abs/x", buf, sizeof buf);
    tap_ok(strcmp(buf, "/abs/x") == 0, "absolute kept");
    exp_path_resolve("experiments", "../../x", buf, sizeof buf);
    tap_ok(strcmp(buf, "../x") == 0, "leading .. kept: %s", buf);
    exp_path_resolve("exp", "synth:mosi:3", buf, sizeof buf);
    tap_ok(strcmp(buf, "synth:mosi:3") == 0, "synth names kept");
    tap_ok(parse(&e, "[grid]\npreset = mosi | synth\n[config]\ndataset = synth:small\n", &err) == SM_OK, "preset axis");
    exp_grid_point(&e, 0, &c, &err);
    tap_ok(c.preset == PRESET_MOSI && c.batch_size == 32, "preset axis sets the defaults: mosi batch 32 (%d)",
           c.batch_size);
    exp_free(&e);
    tap_ok(parse(&e, "", &err) == SM_OK && exp_grid_size(&e) == 1, "an empty file is one default run");
    exp_free(&e);
    tap_ok(exp_parse(&e, "seed=5\r\nmax_epochs = 2\r\n", 24, "x.conf", &err) == SM_OK, "CRLF lines");
    exp_grid_point(&e, 0, &c, &err);
    tap_ok(c.seed == 5 && c.max_epochs == 2, "CRLF values");
    exp_free(&e);

    /* errors name the file, the line and the key */
    expect_error("[config]\nmax_epochs = 3\nlearning = 2\n", "dir/exp.conf:3", "learning", "unknown key");
    expect_error("[config]\nmax_epochs = zero\n", "dir/exp.conf:2", "max_epochs", "bad value");
    expect_error("[grid]\nseed = 1 | | 3\n", "dir/exp.conf:2", "empty value", "empty list value");
    expect_error("[grid]\ntasks = M | M,Q\n", "dir/exp.conf:2", "tasks", "bad task subset");
    expect_error("[grid]\ncpc_terms = w/o mx\n", "dir/exp.conf:2", "cpc_terms", "bad CPC set");
    expect_error("[grid]\nseed = 5..3\n", "dir/exp.conf:2", "5..3", "reversed range");
    expect_error("[grid]\nseed = 1\nseed = 2\n", "dir/exp.conf:3", "second axis", "duplicate axis");
    expect_error("[grids]\n", "dir/exp.conf:1", "unknown section", "unknown section");
    expect_error("[grid\n", "dir/exp.conf:1", "section header", "broken header");
    expect_error("x\n", "dir/exp.conf:1", "key = value", "line without '='");
    expect_error("[experiment]\nmax_epochs = 3\n", "dir/exp.conf:2", "[config]", "config key in [experiment]");
    expect_error("[report]\nsort = 1\n", "dir/exp.conf:2", "group_by", "unknown report key");
    expect_error("[experiment]\npreset = cifar\n", "dir/exp.conf:2", "cifar", "unknown preset");
    expect_error("[grid]\nmax_epochs = 1..3 | x\n", "dir/exp.conf:2", "max_epochs", "bad value after a range");
    expect_error("[config]\n = 3\n", "dir/exp.conf:2", "key", "missing key");
    tap_ok(exp_parse(&e, "a\0b", 3, "bin.conf", &err) != SM_OK && strstr(err.msg, "bin.conf"), "NUL byte refused");
    tap_ok(exp_load(&e, "/nonexistent/x.conf", &err) == SM_EIO && strstr(err.msg, "/nonexistent/x.conf"),
           "missing file named");
    test_idset();
    test_datahint();
    return tap_done();
}
