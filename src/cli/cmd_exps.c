/* cmd_exps.c: where selfmi finds experiment files: ./experiments, the
 * data directory ($SELFMI_DATADIR, else the installed one), and the source
 * tree of an uninstalled build; `selfmi --list-experiments`. */
#include "config.h"
#include "cli/cli.h"
#include "exp/datahint.h"
#include "exp/expfile.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The data directory: $SELFMI_DATADIR when set, else the installed one. */
static const char *data_dir(void)
{
    const char *d = getenv("SELFMI_DATADIR");
    return d && *d ? d : SELFMI_DATADIR;
}

int cli_experiment_dirs(char dirs[][CLI_PATH_MAX], int max)
{
    int n = 0;
    if (n < max)
        snprintf(dirs[n++], CLI_PATH_MAX, "experiments");
    char inst[CLI_PATH_MAX];
    snprintf(inst, sizeof inst, "%s/experiments", data_dir());
    bool have_inst = access(inst, R_OK | X_OK) == 0;
    if (have_inst && n < max)
        snprintf(dirs[n++], CLI_PATH_MAX, "%s", inst);
    /* an uninstalled build: the source tree's copies */
    if (!have_inst && n < max)
        snprintf(dirs[n++], CLI_PATH_MAX, "%s/experiments", SELFMI_SRCDIR);
    return n;
}

bool cli_experiment_find(const char *name, char *out, size_t n)
{
    if (access(name, R_OK) == 0) {
        snprintf(out, n, "%s", name);
        return true;
    }
    if (!*name || strchr(name, '/'))
        return false;
    char dirs[3][CLI_PATH_MAX];
    int nd = cli_experiment_dirs(dirs, 3);
    size_t len = strlen(name);
    bool has_ext = len > 5 && strcmp(name + len - 5, ".conf") == 0;
    for (int i = 0; i < nd; i++) {
        char p[2 * CLI_PATH_MAX];
        int k = snprintf(p, sizeof p, "%s/%s%s", dirs[i], name, has_ext ? "" : ".conf");
        if (k > 0 && (size_t)k < sizeof p && (size_t)k < n && access(p, R_OK) == 0) {
            snprintf(out, n, "%s", p);
            return true;
        }
    }
    return false;
}

sm_status cli_experiment_list(exp_listing **out, int *n, sm_err *err)
{
    char dirs[3][CLI_PATH_MAX];
    int nd = cli_experiment_dirs(dirs, 3);
    const char *dp[3];
    for (int i = 0; i < nd; i++)
        dp[i] = dirs[i];
    return exp_list(dp, nd, out, n, err);
}

int cmd_list_experiments(void)
{
    exp_listing *v;
    int n, rc = 0;
    sm_err err;
    if (cli_experiment_list(&v, &n, &err)) {
        fprintf(stderr, "selfmi: %s\n", err.msg);
        return 1;
    }
    for (int k = 0; k < n; k++) {
        if (k == 0 || strcmp(v[k].dir, v[k - 1].dir) != 0)
            printf("%s%s:\n", k ? "\n" : "", v[k].dir);
        if (v[k].runs < 0) {
            fprintf(stderr, "selfmi: %s\n", v[k].title);
            rc = 2;   /* bad input, as every command says it */
            continue;
        }
        char runs[32];
        snprintf(runs, sizeof runs, "%ld run%s", v[k].runs, v[k].runs == 1 ? "" : "s");
        printf("  %-22s %-9s %s\n", v[k].name, runs, v[k].title[0] ? v[k].title : "(no title)");
    }
    free(v);
    if (!n) {
        fprintf(stderr, "selfmi: no experiment files in ./experiments or %s/experiments\n", data_dir());
        return 1;
    }
    return rc;
}

int cli_experiment_load(const char *cmd, const char *target, experiment *e, char *path, size_t n)
{
    if (!cli_experiment_find(target, path, n))
        snprintf(path, n, "%s", target);
    sm_err err;
    sm_err_clear(&err);
    if (exp_load(e, path, &err)) {
        fprintf(stderr, "selfmi %s: %s\n", cmd, err.msg);
        return 2;
    }
    return 0;
}

volatile sig_atomic_t cli_interrupted;

static void on_signal(int sig)
{
    (void)sig;
    cli_interrupted = 1;
}

void cli_dataset_hint(const char *cmd, const char *ds, const char *exp_dir)
{
    if (!exp_dataset_missing(ds))
        return;
    char hint[8400];
    exp_dataset_hint(ds, exp_dir, hint, sizeof hint);
    fprintf(stderr, "selfmi %s: no dataset %s: %s\n", cmd, ds, hint);
}

void cli_signals_catch(struct sigaction *old_int, struct sigaction *old_term)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, old_int);
    sigaction(SIGTERM, &sa, old_term);
}

void cli_signals_restore(const struct sigaction *old_int, const struct sigaction *old_term)
{
    sigaction(SIGINT, old_int, NULL);
    sigaction(SIGTERM, old_term, NULL);
}
