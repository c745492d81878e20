/* cmd_report.c: `selfmi report`: tables like the paper's from results
 * directories. */
#include "config.h"
#include "cli/cli.h"
#include "exp/report.h"
#include "exp/results.h"
#include "exp/slurm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report_usage(FILE *f)
{
    fprintf(f,
            "Usage: selfmi report RESULTS... [OPTIONS]\n"
            "\n"
            "Groups finished runs by their configuration minus the seed and prints, per\n"
            "group, n and the mean and sample standard deviation (n-1) of every test\n"
            "metric, the best value of each column marked '*' (lowest MAE, highest\n"
            "others; ties, equal when rounded to the shown decimals, all marked) and\n"
            "'\xe2\x80\xa0' where the paired t-test against the reference row gives p < 0.05.\n"
            "RESULTS are results roots (every run directory inside) or run directories.\n"
            "A configuration and seed counts once (the newest finished run); groups that\n"
            "pool runs differing in other keys are named. Both warnings go to stderr and\n"
            "into the notes under the table.\n"
            "\n"
            "Options:\n"
            "  --group-by KEYS   comma-separated configuration keys (default: every key\n"
            "                    that varies across the runs, except seed and name)\n"
            "  --reference ROW   compare every row with this one over the runs both\n"
            "                    share (same seed, same value of every key outside the\n"
            "                    grouping): mean difference, bootstrap 95%% interval,\n"
            "                    paired t-test and exact Wilcoxon signed-rank p-values\n"
            "                    (ROW as the table shows it, e.g. M,T,A,V, all, w/o mt,\n"
            "                    mi; several keys: values separated by ' / '); default:\n"
            "                    the first row whose runs use every task and CPC term\n"
            "  --no-reference    no reference row and no paired comparison\n"
            "  --format F        table (default), md, latex, csv or json\n"
            "  --help            show this help and exit\n"
            "  --version         show the version and exit\n"
            "\n"
            "Exit status: 0 a report was written, 2 usage or bad input.\n");
}

/* A run that did not finish and was trained by a Slurm array task: its
 * task and log, where the reason it failed is written at length. */
static void report_slurm_logs(const result_set *s)
{
    for (int i = 0; i < s->n; i++) {
        const result_run *x = &s->runs[i];
        if (x->state != RUN_FAILED && x->state != RUN_CANCELLED && x->state != RUN_INTERRUPTED)
            continue;
        char root[RUNSTORE_PATH_MAX], task[64], log[RUNSTORE_PATH_MAX + 80];
        snprintf(root, sizeof root, "%s", x->dir);
        char *slash = strrchr(root, '/');
        if (slash == root)
            root[1] = '\0';
        else if (slash)
            *slash = '\0';
        else
            snprintf(root, sizeof root, ".");
        sm_err err;
        if (slurm_run_task(root, x->id, task, sizeof task, log, sizeof log, &err) == SM_OK)
            fprintf(stderr, "selfmi report: %s: %s%s%s; Slurm task %s, log %s\n", x->id, run_state_name(x->state),
                    x->reason[0] ? ": " : "", x->reason, task, log);
    }
}

static int report_print(FILE *f, const result_set *s, const report_opts *o, const char *format)
{
    report_format fmt = REPORT_TABLE;
    sm_err err;
    sm_err_clear(&err);
    if (format && report_format_parse(format, &fmt, &err)) {
        fprintf(stderr, "selfmi report: %s\n", err.msg);
        return 2;
    }
    report r;
    if (report_build(&r, s, o, &err)) {
        fprintf(stderr, "selfmi report: %s\n", err.msg);
        report_free(&r);
        return 2;
    }
    for (int i = 0; i < r.nnotes; i++)
        if (r.notes[i].warning)
            fprintf(stderr, "selfmi report: warning: %s\n", r.notes[i].text);
    sm_status st = report_write(&r, f, fmt, &err);
    report_free(&r);
    if (st) {
        fprintf(stderr, "selfmi report: %s\n", err.msg);
        return 1;
    }
    report_slurm_logs(s);
    return 0;
}

int cli_report_print(FILE *f, const result_set *s, const char *group_by, const char *reference, const char *format)
{
    report_opts o = {group_by, reference, false};
    return report_print(f, s, &o, format);
}

int cmd_report(int argc, char **argv)
{
    const char *format = NULL;
    report_opts o = {NULL, NULL, false};
    result_set s = {0};
    sm_err err;
    int npaths = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            report_usage(stdout);
            results_free(&s);
            return 0;
        } else if (strcmp(a, "--group-by") == 0 && i + 1 < argc) {
            o.group_by = argv[++i];
        } else if (strcmp(a, "--reference") == 0 && i + 1 < argc) {
            o.reference = argv[++i];
        } else if (strcmp(a, "--no-reference") == 0) {
            o.no_reference = true;
        } else if (strcmp(a, "--format") == 0 && i + 1 < argc) {
            format = argv[++i];
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "selfmi report: unknown or incomplete option '%s'\nTry 'selfmi report --help'.\n", a);
            results_free(&s);
            return 2;
        } else {
            npaths++;
            if (results_add(&s, a, &err)) {
                fprintf(stderr, "selfmi report: %s\n", err.msg);
                results_free(&s);
                return 2;
            }
        }
    }
    if (npaths == 0) {
        fprintf(stderr, "selfmi report: missing RESULTS\nTry 'selfmi report --help'.\n");
        return 2;
    }
    if (s.n == 0) {
        fprintf(stderr, "selfmi report: no run directories (holding run.conf) in the given paths\n");
        results_free(&s);
        return 2;
    }
    if (o.no_reference && o.reference) {
        fprintf(stderr, "selfmi report: --reference and --no-reference exclude each other\n");
        results_free(&s);
        return 2;
    }
    int rc = report_print(stdout, &s, &o, format);
    results_free(&s);
    return rc;
}
