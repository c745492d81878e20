/* cmd_dash.c: `selfmi [EXPERIMENT]`: the dashboard. Without a terminal
 * (stdout not a tty, or --batch) it runs the experiment's grid as
 * `selfmi grid` does; with --script it runs headless, keys from a file and
 * the screen into another (for tests and screenshots). */
#include "config.h"
#include "cli/cli.h"
#include "ui/app.h"
#include "ui/engine.h"
#include "ui/headless.h"
#include "ui/keys.h"
#include "ui/term.h"

#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void dash_usage(FILE *f)
{
    fprintf(f,
            "Usage: selfmi [EXPERIMENT] [OPTIONS]\n"
            "\n"
            "Opens the dashboard on an experiment file (default: default.conf; a NAME\n"
            "without '/' is also looked up in ./experiments and the data directory,\n"
            "see --list-experiments):\n"
            "every run under the results root, live curves, u-label drift, the\n"
            "experiment's grid as a table, and runs compared side by side. Runs start\n"
            "from the dashboard on worker threads (n: a new run, n in the Grid view: the\n"
            "whole grid). ? lists every key.\n"
            "Without a terminal (stdout not a tty) or with --batch, the experiment's grid\n"
            "runs without curses, as 'selfmi grid EXPERIMENT'.\n"
            "\n"
            "Options:\n"
            "  --results DIR   results root (default results)\n"
            "  --jobs N        worker threads (default: the number of cores)\n"
            "  --no-color      no colours (also when NO_COLOR is set)\n"
            "  --batch         run the grid without the dashboard\n"
            "  --script FILE   headless: keys and commands from FILE (see below)\n"
            "  --screen FILE   headless: write the final screen to FILE\n"
            "  --size WxH      headless: the screen size (default 120x40)\n"
            "  --help          show this help and exit\n"
            "  --version       show the version and exit\n"
            "\n"
            "'selfmi --help-keys' lists every key of the dashboard.\n"
            "A script has lines of keys (\"jj<Enter>\", \"<Tab>\", \"/text<Enter>\") and\n"
            "commands: :resize WxH, :sleep MS, :wait-text TEXT, :wait-jobs, :dump FILE.\n");
}

int cmd_dash_keys(void)
{
    /* one line per request, its keys in table order: the table the help
     * screen shows, for man selfmi and scripts */
    bool done[REQ_COUNT] = {false};
    printf("%-16s %-30s %s\n", "KEYS", "VIEWS", "ACTION");
    for (int i = 0; i < ui_nbindings; i++) {
        ui_request r = ui_bindings[i].req;
        unsigned views = ui_bindings[i].views;
        if ((unsigned)r >= REQ_COUNT || done[r])
            continue;
        done[r] = true;
        char keys[96] = "", name[32];
        for (int k = i; k < ui_nbindings; k++) {
            if (ui_bindings[k].req != r)
                continue;
            ui_key_name(ui_bindings[k].key, name, sizeof name);
            size_t len = strlen(keys);
            snprintf(keys + len, sizeof keys - len, "%s%s", len ? " " : "", name);
        }
        char vs[64] = "";
        if ((views & VIEWS_ALL) == VIEWS_ALL) {
            snprintf(vs, sizeof vs, "all");
        } else {
            for (int v = 0; v < VIEW_COUNT; v++)
                if (views & VIEW_BIT(v)) {
                    size_t len = strlen(vs);
                    snprintf(vs + len, sizeof vs - len, "%s%s", len ? "," : "", ui_view_name((ui_view)v));
                }
        }
        printf("%-16s %-30s %s\n", keys, vs, ui_request_help(r));
    }
    return 0;
}

int cmd_dash(int argc, char **argv)
{
    const char *exp_path = NULL, *root = "results", *script = NULL, *screen = NULL, *jobs_s = NULL;
    bool root_given = false;
    bool no_color = false, batch = false;
    int w = 120, h = 40;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(a, "--help")) {
            dash_usage(stdout);
            return 0;
        } else if (!strcmp(a, "--no-color")) {
            no_color = true;
        } else if (!strcmp(a, "--batch")) {
            batch = true;
        } else if ((!strcmp(a, "--results") || !strcmp(a, "--out")) && more) {
            root = argv[++i];
            root_given = true;
        } else if (!strcmp(a, "--jobs") && more) {
            jobs_s = argv[++i];
        } else if (!strcmp(a, "--script") && more) {
            script = argv[++i];
        } else if (!strcmp(a, "--screen") && more) {
            screen = argv[++i];
        } else if (!strcmp(a, "--size") && more) {
            if (sscanf(argv[++i], "%dx%d", &w, &h) != 2 || w < 1 || h < 1 || w > 1000 || h > 1000) {
                fprintf(stderr, "selfmi: --size %s: expected WxH, e.g. 120x40\n", argv[i]);
                return 2;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "selfmi: unknown or incomplete option '%s'\nTry 'selfmi --help'.\n", a);
            return 2;
        } else if (!exp_path) {
            exp_path = a;
        } else {
            fprintf(stderr, "selfmi: one EXPERIMENT only ('%s' is extra)\n", a);
            return 2;
        }
    }
    int jobs = 0;
    if (jobs_s) {
        char *end;
        long v = strtol(jobs_s, &end, 10);
        if (*end || v < 1 || v > 1024) {
            fprintf(stderr, "selfmi: --jobs %s: expected a number of workers from 1 to 1024\n", jobs_s);
            return 2;
        }
        jobs = (int)v;
    }
    char found[CLI_PATH_MAX + 300];
    if (exp_path && !cli_experiment_find(exp_path, found, sizeof found)) {
        fprintf(stderr, "selfmi: '%s' is neither a command nor a readable experiment file\n"
                        "Try 'selfmi --help' or 'selfmi --list-experiments'.\n", exp_path);
        return 2;
    }
    if (!exp_path)
        exp_path = cli_experiment_find("default.conf", found, sizeof found) ? found : NULL;
    else
        exp_path = found;
    /* a search file: its trials (selfmi search's OUT/trials) are the
     * results root, and the Grid view ranks them */
    experiment sx;
    bool is_search = false;
    char search_out[1024] = "", search_root[1100];
    sm_err serr;
    if (exp_path && exp_load(&sx, exp_path, &serr) == SM_OK) {
        is_search = sx.search.present;
        search_default_out(exp_path, search_out, sizeof search_out);
        exp_free(&sx);
    }
    if (is_search && root_given) {
        /* --results names the search's folder (selfmi search --out) */
        snprintf(search_out, sizeof search_out, "%s", root);
    }
    if (is_search) {
        snprintf(search_root, sizeof search_root, "%s/trials", search_out);
        root = search_root;
    }
    bool headless = script || screen;
    if (!headless && (batch || !isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))) {
        if (!exp_path) {
            fprintf(stderr, "selfmi: no experiment given and no experiments/default.conf found\n");
            return 2;
        }
        /* no terminal: the same grid, run as `selfmi grid` (a search as
         * `selfmi search`) */
        char *gv[8];
        int gc = 0;
        gv[gc++] = is_search ? "search" : "grid";
        gv[gc++] = (char *)exp_path;
        gv[gc++] = "--out";
        gv[gc++] = is_search ? search_out : (char *)root;
        if (jobs_s) {
            gv[gc++] = "--jobs";
            gv[gc++] = (char *)jobs_s;
        }
        gv[gc] = NULL;
        return is_search ? cmd_search(gc, gv) : cmd_grid(gc, gv);
    }

    sm_err err;
    ui_engine eng;
    if (ui_engine_open(&eng, exp_path, root, jobs, &err)) {
        fprintf(stderr, "selfmi: %s\n", err.msg);
        return 2;
    }
    ui_backend be;
    ui_engine_backend(&eng, &be);
    be.experiments = cli_experiment_list;   /* the picker (E): --list-experiments' list */
    ui_app app;
    ui_app_init(&app, root, exp_path, &be);
    ui_app_slurm_async(&app);   /* squeue from a thread: a hung slurmctld never freezes the screen */
    config search_base;
    if (eng.have_exp && eng.exp.search.present && exp_grid_point(&eng.exp, 0, &search_base, &err) == SM_OK)
        ui_app_set_search(&app, &eng.exp.search, &search_base, exp_path, search_out);
    else if (eng.have_exp)
        ui_app_set_plan(&app, eng.plan, eng.nplan, eng.exp.group_by, eng.exp.reference);
    int rc = 0;
    if (headless) {
        const char *nc = getenv("NO_COLOR");
        app.color = !no_color && !(nc && *nc);
        const char *cs = nl_langinfo(CODESET);
        app.ascii = !(cs && strcmp(cs, "UTF-8") == 0);
        ui_app_resize(&app, w, h);
        if (ui_headless_run(&app, script, screen, &err)) {
            fprintf(stderr, "selfmi: %s\n", err.msg);
            rc = 1;
        }
        ui_engine_close(&eng, !app.keep_running);
        ui_app_free(&app);
        return rc;
    }
    ui_term_opts o = {no_color, queue_wake_fd(eng.q)};
    if (ui_term_run(&app, &o, &err)) {
        fprintf(stderr, "selfmi: %s\n", err.msg);
        rc = 1;
    }
    int active = ui_app_active_jobs(&app);
    if (app.keep_running && active > 0) {
        /* the user chose to let the runs finish: the terminal is back, the
         * process stays until they are done (a hang-up does not stop it) */
        signal(SIGHUP, SIG_IGN);
        fprintf(stderr,
                "selfmi: the dashboard is closed; %d run%s continue%s into %s (pid %ld).\n"
                "selfmi: reopen 'selfmi' anywhere to watch them; Ctrl-C here cancels them.\n",
                active, active == 1 ? "" : "s", active == 1 ? "s" : "", root, (long)getpid());
        signal(SIGINT, SIG_DFL);
        queue_wait(eng.q);
        int c[QUEUE_NCOUNTS];
        queue_counts(eng.q, c);
        fprintf(stderr, "selfmi: the runs have ended: %d done, %d failed, %d cancelled, %d already there (in %s)\n",
                c[RUN_DONE], c[RUN_FAILED], c[RUN_CANCELLED], c[QUEUE_SKIPPED], root);
        ui_engine_close(&eng, false);
    } else {
        int n = active > app.cancelled_on_quit ? active : app.cancelled_on_quit;
        if (n > 0)
            fprintf(stderr, "selfmi: cancelled %d run%s (marked cancelled in %s)\n", n, n == 1 ? "" : "s", root);
        ui_engine_close(&eng, true);
        if (app.interrupted && n > 0 && rc == 0)
            rc = 130;
    }
    ui_app_free(&app);
    return rc;
}
