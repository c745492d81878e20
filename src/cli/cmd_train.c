/* cmd_train.c: `selfmi train`: one run without curses. */
#include "config.h"
#include "cli/cli.h"
#include "train/run.h"
#include "exp/expfile.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void train_usage(FILE *f)
{
    fprintf(f,
            "Usage: selfmi train EXPERIMENT|DATASET [OPTIONS]\n"
            "       selfmi train --resume RUNDIR [--quiet]\n"
            "\n"
            "Trains one run without the dashboard and writes its results directory.\n"
            "EXPERIMENT is a configuration file (key = value lines, as run.conf);\n"
            "DATASET is a dataset directory or synth:PRESET[:SEED] (small, mosi, sims, mosei).\n"
            "\n"
            "Options:\n"
            "  --preset P        mosi, mosei, sims or synth: the defaults to start from\n"
            "                    (default: synth for synth: datasets, else mosi)\n"
            "  --seed N          the run's seed (default 1111)\n"
            "  --set KEY=VALUE   set any configuration key (repeatable; see\n"
            "                    selfmi train --keys)\n"
            "  --out DIR         results root (default results)\n"
            "  --run-id ID       the run directory's name (default: derived from the\n"
            "                    configuration)\n"
            "  --resume RUNDIR   continue an interrupted (or failed, or cancelled) run\n"
            "                    from its last checkpoint, with its own run.conf; it\n"
            "                    ends as the run would have ended uninterrupted\n"
            "  --continue        when the run directory exists (an array task of grid\n"
            "                    --slurm, run again): keep a finished run of this\n"
            "                    configuration, resume an interrupted one from its\n"
            "                    checkpoint, move anything else to OUT/.attic and run\n"
            "                    again; leave a run another process holds alone\n"
            "  --quiet           no progress lines\n"
            "  --keys            list every configuration key and exit\n"
            "  --help            show this help and exit\n"
            "  --version         show the version and exit\n"
            "\n"
            "Progress goes to stderr, one line per epoch; the test metrics of the best\n"
            "epoch go to stdout.\n"
            "Exit status: 0 the run is done, 1 the run failed, 2 usage or bad input.\n");
}

static void list_keys(void)
{
    for (int i = 0; i < config_nkeys; i++)
        printf("%-22s %-28s %s\n", config_keys[i].key, config_keys[i].values ? config_keys[i].values : "",
               config_keys[i].help ? config_keys[i].help : "");
}

typedef struct {
    bool quiet;
    bool sims;
    int early_stop;
    int kill_epoch;   /* SELFMI_TEST_KILL_EPOCH: die by SIGKILL once this epoch's rows are logged */
} progress;

static void fmt_num(char *buf, size_t n, double v, const char *fmt)
{
    if (isnan(v))
        snprintf(buf, n, "nan");
    else
        snprintf(buf, n, fmt, v);
}

static void print_epoch(void *ud, const epoch_record *e)
{
    progress *p = ud;
    /* the crash tests' kill: after the epoch's log rows, before its
     * checkpoint, the worst moment for a resume */
    if (p->kill_epoch > 0 && e->epoch == p->kill_epoch)
        raise(SIGKILL);
    if (p->quiet)
        return;
    char corr[16];
    fmt_num(corr, sizeof corr, e->val.corr, "%.3f");
    if (e->epoch == 1)
        fprintf(stderr, "val_mae_baseline %.4f (the validation MAE of predicting the training mean)\n", e->val_mae_baseline);
    fprintf(stderr,
            "epoch %3d  loss %.4f (L17 %.4f, cpc %.3f/%.3f/%.3f)  val MAE %.4f Corr %s Acc2 %.1f/%.1f  "
            "best %.4f@%d  patience %d/%d  %.2fs\n",
            e->epoch, e->loss, e->l17, e->l_cpc[0], e->l_cpc[1], e->l_cpc[2], e->val.mae, corr,
            100 * (p->sims ? e->val.acc2 : e->val.has0_acc2), 100 * (p->sims ? e->val.acc3 : e->val.non0_acc2),
            e->best_val_mae, e->best_epoch, e->patience, p->early_stop, e->seconds);
    if (!isnan(e->ul_corr[0]) || !isnan(e->ul_corr[1]) || !isnan(e->ul_corr[2]))
        fprintf(stderr, "           u-labels vs human: corr t/a/v %.3f/%.3f/%.3f (y_m floor %.3f/%.3f/%.3f)  "
                        "deviation corr %.3f/%.3f/%.3f  drift %.3f/%.3f/%.3f\n",
                e->ul_corr[0], e->ul_corr[1], e->ul_corr[2], e->floor_corr[0], e->floor_corr[1], e->floor_corr[2],
                e->dev_corr[0], e->dev_corr[1], e->dev_corr[2], e->drift[0], e->drift[1], e->drift[2]);
}

static void print_start(void *ud, const char *dir)
{
    progress *p = ud;
    if (!p->quiet)
        fprintf(stderr, "run %s\n", dir);
}

/* Resolves the configuration of `selfmi train` from its arguments. */
int cli_resolve_config(config *c, const char *target, const char *preset, const char *seed, char **sets, int nsets)
{
    sm_err err;
    struct stat sb;
    char found[CLI_PATH_MAX];
    /* a shipped experiment by name (ablation-tasks), when no such file or
     * dataset directory is here */
    if (target && stat(target, &sb) != 0 && strncmp(target, "synth:", 6) != 0 &&
        cli_experiment_find(target, found, sizeof found))
        target = found;
    bool is_file = target && stat(target, &sb) == 0 && S_ISREG(sb.st_mode);
    preset_kind pk = PRESET_MOSI;
    if (preset) {
        if (config_preset_parse(preset, &pk, &err)) {
            fprintf(stderr, "selfmi: %s\n", err.msg);
            return 2;
        }
    } else if (target && !is_file && strncmp(target, "synth:", 6) == 0) {
        pk = PRESET_SYNTH;
    }
    config_defaults(c, pk);
    if (is_file) {
        /* an experiment file (man 5 selfmi-experiment) or a run.conf: its
         * first grid point */
        experiment e;
        sm_status st = exp_load(&e, target, &err);
        if (!st && preset)
            st = exp_override(&e, "preset", preset, &err);
        if (!st)
            st = exp_grid_point(&e, 0, c, &err);
        if (!st && exp_grid_size(&e) > 1)
            fprintf(stderr, "selfmi: %s has a grid of %ld runs: training its first (selfmi grid runs them all)\n",
                    target, exp_grid_size(&e));
        exp_free(&e);
        if (st) {
            fprintf(stderr, "selfmi: %s\n", err.msg);
            return 2;
        }
    } else if (target) {
        snprintf(c->dataset, sizeof c->dataset, "%s", target);
    }
    for (int i = 0; i < nsets; i++) {
        char *eq = strchr(sets[i], '=');
        if (!eq) {
            fprintf(stderr, "selfmi: --set %s: expected KEY=VALUE\n", sets[i]);
            return 2;
        }
        *eq = '\0';
        char *k = sets[i], *v = eq + 1;
        while (*k == ' ')
            k++;
        size_t kl = strlen(k);
        while (kl && k[kl - 1] == ' ')
            k[--kl] = '\0';
        while (*v == ' ')
            v++;
        sm_status st = config_set(c, k, v, &err);
        *eq = '=';
        if (st) {
            fprintf(stderr, "selfmi: --set %s: %s\n", sets[i], err.msg);
            return 2;
        }
    }
    if (seed && config_set(c, "seed", seed, &err)) {
        fprintf(stderr, "selfmi: --seed: %s\n", err.msg);
        return 2;
    }
    char msg[512];
    const char *bad = config_check(c, msg, sizeof msg);
    if (bad) {
        fprintf(stderr, "selfmi: %s\n", bad);
        return 2;
    }
    return 0;
}

void cli_print_test(FILE *f, const run_summary *s)
{
    const metrics *m = &s->test;
    fprintf(f, "test metrics of the best epoch (%d of %d), %.1fs; mae_baseline %.4f (predicting the training mean)\n",
            s->best_epoch, s->epochs, s->seconds, s->mae_baseline);
    if (s->sims) {
        fprintf(f, "  %-8s %-8s %-8s %-8s %-8s %-8s\n", "MAE", "Corr", "Acc2", "F1", "Acc3", "Acc5");
        fprintf(f, "  %-8.4f %-8.4f %-8.2f %-8.2f %-8.2f %-8.2f\n", m->mae, m->corr, 100 * m->acc2, 100 * m->f1,
                100 * m->acc3, 100 * m->acc5);
    } else {
        fprintf(f, "  %-8s %-8s %-13s %-13s %-8s %-8s\n", "MAE", "Corr", "Acc2 has0/non0", "F1 has0/non0", "Acc5",
                "Acc7");
        fprintf(f, "  %-8.4f %-8.4f %5.2f/%-7.2f %5.2f/%-7.2f %-8.2f %-8.2f\n", m->mae, m->corr, 100 * m->has0_acc2,
                100 * m->non0_acc2, 100 * m->has0_f1, 100 * m->non0_f1, 100 * m->acc5, 100 * m->acc7);
    }
}

/* selfmi train --resume RUNDIR */
static int resume(const char *dir, progress *prog)
{
    config c;
    sm_err err;
    sm_err_clear(&err);
    char path[2048];
    snprintf(path, sizeof path, "%s/run.conf", dir);
    config_defaults(&c, PRESET_MOSI);
    if (config_read_file(&c, path, &err)) {
        fprintf(stderr, "selfmi train: --resume: %s\n", err.msg);
        return 2;
    }
    prog->early_stop = c.early_stop;
    prog->sims = c.metrics == METRICS_SIMS;
    dataset ds;
    if (run_dataset_load_for(&ds, &c, &err)) {
        fprintf(stderr, "selfmi train: --resume %s: %s\n", dir, err.msg);
        return 2;
    }
    float H = c.label_bound > 0 ? c.label_bound : dataset_label_bound(&ds);
    prog->sims = c.metrics == METRICS_SIMS || (c.metrics == METRICS_AUTO && H <= 1.0f);
    run_hooks hooks = {.ud = prog, .on_start = print_start, .on_epoch = print_epoch};
    run_summary sum;
    sm_status st = run_resume(dir, &ds, &hooks, &sum, &err);
    dataset_free(&ds);
    if (st) {
        fprintf(stderr, "selfmi train: %s\n", err.msg);
        return sum.resumed ? 1 : 2;
    }
    if (!prog->quiet)
        fprintf(stderr, "resumed from the checkpoint of epoch %d\n", sum.resumed_epoch);
    cli_print_test(stdout, &sum);
    if (!prog->quiet)
        fprintf(stderr, "results in %s\n", sum.dir);
    return 0;
}

int cmd_train(int argc, char **argv)
{
    const char *target = NULL, *preset = NULL, *seed = NULL, *out = "results", *run_id = NULL;
    const char *resume_dir = NULL;
    bool cont = false;
    char **sets = calloc((size_t)argc + 1, sizeof *sets);
    int nsets = 0;
    progress prog = {0};
    if (!sets)
        return 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
#define ARG(name) (strcmp(a, name) == 0 && i + 1 < argc ? argv[++i] : NULL)
        if (strcmp(a, "--help") == 0) {
            train_usage(stdout);
            free(sets);
            return 0;
        } else if (strcmp(a, "--keys") == 0) {
            list_keys();
            free(sets);
            return 0;
        } else if (strcmp(a, "--quiet") == 0) {
            prog.quiet = true;
        } else if (strcmp(a, "--continue") == 0) {
            cont = true;
        } else if (strcmp(a, "--preset") == 0 && i + 1 < argc) {
            preset = ARG("--preset");
        } else if (strcmp(a, "--seed") == 0 && i + 1 < argc) {
            seed = ARG("--seed");
        } else if (strcmp(a, "--set") == 0 && i + 1 < argc) {
            sets[nsets++] = argv[++i];
        } else if (strcmp(a, "--out") == 0 && i + 1 < argc) {
            out = ARG("--out");
        } else if (strcmp(a, "--run-id") == 0 && i + 1 < argc) {
            run_id = ARG("--run-id");
        } else if (strcmp(a, "--resume") == 0 && i + 1 < argc) {
            resume_dir = ARG("--resume");
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "selfmi train: unknown or incomplete option '%s'\nTry 'selfmi train --help'.\n", a);
            free(sets);
            return 2;
        } else if (!target) {
            target = a;
        } else {
            fprintf(stderr, "selfmi train: one EXPERIMENT or DATASET only ('%s' is extra)\n", a);
            free(sets);
            return 2;
        }
#undef ARG
    }
    const char *kill = getenv("SELFMI_TEST_KILL_EPOCH");
    prog.kill_epoch = kill ? atoi(kill) : 0;
    if (resume_dir) {
        free(sets);
        if (target || nsets || preset || seed || run_id || cont) {
            fprintf(stderr, "selfmi train: --resume takes the run's own configuration: no EXPERIMENT, DATASET, "
                            "--set, --preset, --seed, --run-id or --continue with it\n");
            return 2;
        }
        return resume(resume_dir, &prog);
    }
    if (!target) {
        fprintf(stderr, "selfmi train: missing EXPERIMENT or DATASET\nTry 'selfmi train --help'.\n");
        free(sets);
        return 2;
    }
    config c;
    int rc = cli_resolve_config(&c, target, preset, seed, sets, nsets);
    free(sets);
    if (rc)
        return rc;
    prog.early_stop = c.early_stop;
    run_hooks hooks = {.ud = &prog, .on_start = print_start, .on_epoch = print_epoch};
    run_summary sum;
    sm_err err;
    sm_err_clear(&err);
    /* bad data is bad input: found before a run directory exists */
    dataset ds;
    if (run_dataset_load_for(&ds, &c, &err)) {
        fprintf(stderr, "selfmi train: %s\n", err.msg);
        return 2;
    }
    float H = c.label_bound > 0 ? c.label_bound : dataset_label_bound(&ds);
    prog.sims = c.metrics == METRICS_SIMS || (c.metrics == METRICS_AUTO && H <= 1.0f);
    int counts[SPLIT_COUNT];
    dataset_split_counts(&ds, counts);
    if (!prog.quiet && c.batch_size > counts[SPLIT_TRAIN] && counts[SPLIT_TRAIN] > 0)
        fprintf(stderr, "selfmi train: batch_size %d is more than the %d training samples: one batch of %d per epoch\n",
                c.batch_size, counts[SPLIT_TRAIN], counts[SPLIT_TRAIN]);
    sm_status st = run_start(&c, &ds, out, run_id, cont ? RUN_CONTINUE : RUN_NEW, &hooks, &sum, &err);
    dataset_free(&ds);
    if (st) {
        fprintf(stderr, "selfmi train: %s\n", err.msg);
        return sum.dir[0] ? 1 : 2;
    }
    if (sum.already_done) {
        fprintf(stderr, "%s: already done\n", sum.dir);
        return 0;
    }
    if (sum.elsewhere) {
        fprintf(stderr, "%s: running elsewhere (%s): left alone\n", sum.dir, sum.holder);
        return 0;
    }
    if (sum.resumed && !prog.quiet)
        fprintf(stderr, "resumed from the checkpoint of epoch %d\n", sum.resumed_epoch);
    cli_print_test(stdout, &sum);
    if (!prog.quiet)
        fprintf(stderr, "results in %s\n", sum.dir);
    return 0;
}
