/* test_exp_report.c: reading result directories back and the report:
 * grouping, the paper's row order, mean and sample sd, best marks, paired
 * statistics against a reference, and the five output formats. */
#include "config.h"
#include "exp/report.h"
#include "exp/results.h"
#include "../tap.h"

#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[1024];

static void write_file(const char *dir, const char *name, const char *text)
{
    char p[1400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
}

/* one fake MOSI run: tasks, seed and its test MAE / acc2_has0 */
static void fake_run(const char *tasks, const char *cpc, int seed, double mae, double acc, const char *status)
{
    char dir[1200], conf[512], test[512];
    snprintf(dir, sizeof dir, "%s/run-%s-%s-%d", root, tasks, cpc, seed);
    for (char *p = dir + strlen(root) + 1; *p; p++)
        if (*p == ',' || *p == '/' || *p == ' ')
            *p = '_';
    mkdir(dir, 0777);
    snprintf(conf, sizeof conf,
             "# comment\ndataset = synth:small\npreset = synth\nseed = %d\nname = \ntasks = %s\ncpc_terms = %s\n"
             "labels = mi\n",
             seed, tasks, cpc);
    write_file(dir, "run.conf", conf);
    write_file(dir, "status", status);
    snprintf(test, sizeof test,
             "mae,corr,acc2_has0,f1_has0,acc2_non0,f1_non0,acc5,acc7,best_epoch,epochs\n"
             "%.17g,0.5,%.17g,0.7,0.71,0.72,0.3,0.2,3,11\n",
             mae, acc);
    write_file(dir, "test.csv", test);
}

static void set_mtime(const char *dir, const char *file, long sec)
{
    char p[1400];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    struct timespec ts[2] = {{sec, 0}, {sec, 0}};
    utimensat(AT_FDCWD, p, ts, 0);
}

/* one cell: text and display width */
static bool pm_is(double mean, double sd, int dec, const char *marks, int width, bool ascii, const char *want)
{
    char b[64];
    int w = report_fmt_pm(b, sizeof b, mean, sd, dec, marks, width, ascii);
    if (strcmp(b, want) != 0 || w != report_text_width(want) || (width > 0 && w > width)) {
        tap_diag("report_fmt_pm(%g, %g, %d, '%s', %d) = '%s' (%d), want '%s'", mean, sd, dec, marks, width, b, w, want);
        return false;
    }
    return true;
}

static void fmt_tests(void)
{
    tap_ok(pm_is(76.7, 2.308e-5, 2, "", 0, false, "76.70\u00b10.00"), "a tiny sd rounds to 0.00, no exponent");
    tap_ok(pm_is(76.7, 2.308e-5, 2, "*", 11, false, "76.70\u00b10.00*"), "fits at full decimals with the mark");
    tap_ok(pm_is(76.7, 2.308e-5, 2, "*\u2020", 10, false, "76.7\u00b10.0*\u2020"), "one decimal less to fit, marks kept");
    tap_ok(pm_is(76.66, 1.25, 2, "*", 5, false, "77\u00b11*"), "no decimals to fit: rounded, not cut");
    tap_ok(pm_is(76.66, 1.25, 2, "*", 3, false, "77*"), "the mean alone when mean and sd cannot fit");
    tap_ok(pm_is(76.66, 1.25, 2, "*", 2, false, "#"), "nothing fits: #");
    tap_ok(pm_is(0.8421, 0.0123, 3, "", 0, true, "0.842+-0.012"), "ascii");
    tap_ok(pm_is(0.8421, NAN, 3, "*", 0, false, "0.842*"), "no sd: the mean alone");
    tap_ok(pm_is(NAN, 0.1, 3, "*", 0, false, "-"), "no mean: -");
    tap_ok(pm_is(-0.0001, 0.0002, 3, "", 0, false, "0.000\u00b10.000"), "-0.000 reads 0.000");
    /* over widths and magnitudes: never wider than asked, never an exponent */
    int bad = 0;
    for (int w = 1; w <= 16; w++)
        for (int e = -8; e <= 4; e++) {
            char b[64];
            int got = report_fmt_pm(b, sizeof b, 76.7 * pow(10, e), 2.3 * pow(10, e - 2), 3, "*", w, false);
            if (got > w || got != report_text_width(b) || strchr(b, 'e'))
                bad++;
        }
    tap_ok(bad == 0, "fitted cells never exceed the width nor use exponents (%d failures over 208 cases)", bad);
}

/* a run of the rules root: tasks, cpc terms, seed, MAE; finished at t */
static void rule_run(const char *dir, const char *tasks, const char *cpc, int seed, double mae, long t)
{
    char d[1200], conf[512], test[512];
    snprintf(d, sizeof d, "%s/%s", root, dir);
    mkdir(d, 0777);
    snprintf(conf, sizeof conf, "dataset = synth:small\nseed = %d\nname = %s\ntasks = %s\ncpc_terms = %s\n", seed, dir,
             tasks, cpc);
    write_file(d, "run.conf", conf);
    write_file(d, "status", "done\n");
    snprintf(test, sizeof test,
             "mae,corr,acc2_has0,f1_has0,acc2_non0,f1_non0,acc5,acc7,best_epoch,epochs\n"
             "%.17g,0.5,0.8,0.7,0.71,0.72,0.3,0.2,3,11\n", mae);
    write_file(d, "test.csv", test);
    set_mtime(d, "test.csv", t);
}

static const report_row *row_named(const report *r, const char *label)
{
    for (int g = 0; g < r->nrows; g++)
        if (strcmp(r->rows[g].label, label) == 0)
            return &r->rows[g];
    return NULL;
}

/* repeats, ties, pooled groups and their pairing, the default reference */
static void rule_tests(const char *base)
{
    if (snprintf(root, sizeof root, "%s/rules", base) >= (int)sizeof root || mkdir(root, 0777) != 0) {
        tap_ok(0, "rules root");
        return;
    }
    /* cpc all and w/o mt for tasks M and M,T,A,V, seeds 1 and 2; w/o mt is
     * worse by 0.010 for M and by 0.030 for M,T,A,V */
    const char *tasks[] = {"M", "M,T,A,V"};
    for (int t = 0; t < 2; t++)
        for (int sd = 1; sd <= 2; sd++) {
            char id[64];
            snprintf(id, sizeof id, "t%d-all-s%d", t, sd);
            rule_run(id, tasks[t], "mt,ma,mv", sd, 0.70 + 0.1 * t + 0.001 * sd, 1000);
            snprintf(id, sizeof id, "t%d-womt-s%d", t, sd);
            rule_run(id, tasks[t], "ma,mv", sd, 0.70 + 0.1 * t + 0.001 * sd + (t ? 0.03 : 0.01), 1000);
        }
    /* the same configuration and seed again (name differs): finished later,
     * it replaces t1-all-s1; one finished earlier loses */
    rule_run("z-rerun", "M,T,A,V", "mt,ma,mv", 1, 0.801, 2000);
    rule_run("a-old", "M,T,A,V", "mt,ma,mv", 1, 0.999, 500);
    result_set s = {0};
    sm_err err;
    report r;
    tap_ok(results_add(&s, root, &err) == SM_OK && s.n == 10, "rules root: 10 runs");
    tap_ok(report_build(&r, &s, &(report_opts){"cpc_terms", NULL, false}, &err) == SM_OK, "report by cpc_terms");
    const report_row *all = row_named(&r, "all"), *wo = row_named(&r, "w/o L_N^mt");
    tap_ok(all && wo && r.ndup == 2 && all->ndup == 2 && all->n == 4 && wo->n == 4,
           "a configuration and seed counts once: n 4 and 4, 2 left out (%d)", r.ndup);
    bool newest = false, old_out = true;
    for (int i = 0; all && i < all->n; i++) {
        newest |= strcmp(s.runs[all->runs[i]].id, "z-rerun") == 0;
        old_out &= strcmp(s.runs[all->runs[i]].id, "a-old") != 0 && strcmp(s.runs[all->runs[i]].id, "t1-all-s1") != 0;
    }
    tap_ok(newest && old_out, "the newest finished run of a configuration and seed is used");
    tap_ok(all && strcmp(all->pooled, "tasks") == 0 && wo && strcmp(wo->pooled, "tasks") == 0,
           "pooled groups name the key they mix: '%s'", all ? all->pooled : "?");
    /* every row pools M and M,T,A,V: none uses every task throughout */
    tap_ok(r.ref < 0, "no default reference when no row's runs all use every task and CPC term (%d)", r.ref);
    report_free(&r);
    tap_ok(report_build(&r, &s, &(report_opts){"cpc_terms", "all", false}, &err) == SM_OK, "reference all");
    wo = row_named(&r, "w/o L_N^mt");
    /* pairs match tasks too: differences 0.010, 0.010, 0.030, 0.030 */
    tap_ok(wo && wo->has_cmp && wo->cmp.npairs == 4, "4 pairs, each with its own task subset");
    tap_near(wo ? wo->cmp.diff[0] : NAN, 0.020, 1e-12, "mean difference over matched pairs");
    bool warned_dup = false, warned_pool = false;
    for (int i = 0; i < r.nnotes; i++) {
        warned_dup |= r.notes[i].warning && strstr(r.notes[i].text, "2 runs repeat") && strstr(r.notes[i].text, "a-old");
        warned_pool |= r.notes[i].warning && strstr(r.notes[i].text, "'all' in tasks");
    }
    tap_ok(warned_dup, "a warning names the runs left out");
    tap_ok(warned_pool, "a warning names the pooled groups and keys");
    report_free(&r);
    tap_ok(report_build(&r, &s, NULL, &err) == SM_OK && r.nrows == 4 && r.ref >= 0 &&
               strcmp(r.rows[r.ref].label, "M,T,A,V / all") == 0,
           "default grouping (tasks, cpc_terms): 4 rows, the full model the default reference");
    report_free(&r);
    tap_ok(report_build(&r, &s, &(report_opts){NULL, NULL, true}, &err) == SM_OK && r.ref < 0 && r.nrows == 4,
           "no_reference: no reference row");
    report_free(&r);
    results_free(&s);

    /* a row whose runs share no configuration with the reference's: no
     * pairs, and a warning naming the key */
    rule_run("x-lr", "M", "ma,mt", 1, 0.75, 1000);
    char xdir[1300];
    snprintf(xdir, sizeof xdir, "%s/x-lr", root);
    write_file(xdir, "run.conf", "dataset = synth:small\nseed = 1\nname = x\ntasks = M\ncpc_terms = ma,mt\n"
                                 "lr_other = 0.01\n");
    tap_ok(results_add(&s, root, &err) == SM_OK &&
               report_build(&r, &s, &(report_opts){"cpc_terms", "all", false}, &err) == SM_OK,
           "report with an unpaired row");
    const report_row *womv = row_named(&r, "w/o L_N^mv");
    bool warned_unpaired = false;
    for (int i = 0; i < r.nnotes; i++)
        warned_unpaired |= r.notes[i].warning && strstr(r.notes[i].text, "'w/o L_N^mv' differs in lr_other");
    tap_ok(womv && womv->has_cmp && womv->cmp.npairs == 0 && warned_unpaired,
           "no pairs: a warning names the key outside the grouping (%s)", womv ? womv->unpaired : "?");
    report_free(&r);
    results_free(&s);

    /* ties: equal when rounded to the shown decimals, in a full column */
    if (snprintf(root, sizeof root, "%s/ties", base) >= (int)sizeof root || mkdir(root, 0777) != 0) {
        tap_ok(0, "ties root");
        return;
    }
    rule_run("a1", "M", "mt,ma,mv", 1, 0.7001, 1000);
    rule_run("a2", "M", "mt,ma,mv", 2, 0.7003, 1000);
    rule_run("b1", "M,T", "mt,ma,mv", 1, 0.7004, 1000);
    rule_run("b2", "M,T", "mt,ma,mv", 2, 0.6999, 1000);
    tap_ok(results_add(&s, root, &err) == SM_OK && report_build(&r, &s, NULL, &err) == SM_OK && r.nrows == 2,
           "ties root");
    tap_ok(r.nrows == 2 && r.rows[0].best[0] && r.rows[1].best[0], "MAE 0.7002 and 0.70015 tie at 0.700: both marked");
    bool full = true;
    for (int m = 1; m < r.nmetrics; m++)
        full &= r.nrows == 2 && r.rows[0].best[m] && r.rows[1].best[m];
    tap_ok(full, "equal columns: every row marked in every column");
    tap_ok(r.ref < 0, "no row uses every task: no default reference");
    report_free(&r);
    results_free(&s);
}

static char *render(const report *r, report_format fmt)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    sm_err err;
    report_write(r, f, fmt, &err);
    fclose(f);
    return buf;
}

int main(void)
{
    const char *bd = getenv("top_builddir");
    snprintf(root, sizeof root, "%s/test_exp_report.XXXXXX", bd && *bd ? bd : ".");
    if (!mkdtemp(root))
        tap_skip_all("cannot create a temporary directory");
    /* Table 5 style: reference M,T,A,V better than M by a fixed 0.02 MAE */
    const char *tasks[] = {"M,T,A,V", "M", "M,T", "M,A,V"};
    double base_mae[] = {0.70, 0.72, 0.715, 0.705};
    for (int t = 0; t < 4; t++)
        for (int s = 0; s < 5; s++) {
            double noise = 0.001 * ((s * 7 + t * 3) % 5);
            fake_run(tasks[t], "mt,ma,mv", 1111 + s, base_mae[t] + noise + (t == 1 ? 0.0005 * s : 0),
                     0.80 - 0.01 * t + 0.002 * s, "done\n");
        }
    fake_run("M,T", "mt,ma,mv", 1116, 0.9, 0.5, "failed: diverged\n");
    fake_run("M,T", "mt,ma,mv", 1117, 0.9, 0.5, "running\n");
    mkdir("not-a-run", 0777);

    result_set s = {0};
    sm_err err;
    tap_ok(results_add(&s, root, &err) == SM_OK, "results root reads");
    tap_ok(s.n == 22, "22 run directories: %d", s.n);
    int ndone = 0;
    for (int i = 0; i < s.n; i++)
        ndone += s.runs[i].has_test;
    tap_ok(ndone == 20, "20 finished runs with test metrics");
    double v;
    tap_ok(results_metric(&s.runs[0], "acc7", &v) && v == 0.2 && !s.runs[0].sims, "metric by column name");
    tap_ok(results_conf(&s.runs[0], "labels") && strcmp(results_conf(&s.runs[0], "labels"), "mi") == 0,
           "run.conf value");

    report r;
    tap_ok(report_build(&r, &s, &(report_opts){NULL, "MTAV", false}, &err) == SM_OK, "report builds with reference spelled MTAV");
    tap_ok(r.nkeys == 1 && strcmp(r.keys[0], "tasks") == 0, "default grouping: the one varying key (tasks)");
    tap_ok(r.nrows == 4, "4 rows");
    const char *order[] = {"M", "M,T", "M,A,V", "M,T,A,V"};
    bool ordered = true;
    for (int g = 0; g < 4; g++)
        ordered &= strcmp(r.rows[g].label, order[g]) == 0;
    tap_ok(ordered, "the paper's row order: M, M,T, M,A,V, M,T,A,V");
    tap_ok(r.ref == 3, "reference row found");
    tap_ok(r.rows[1].n == 5 && r.rows[1].nother == 2, "M,T: 5 finished, 2 not");
    /* M,T,A,V: mae 0.70 + 0.001 * ((7 s + 9) % 5) = 0.704 0.701 0.703 0.700 0.702 */
    double x[] = {0.704, 0.701, 0.703, 0.700, 0.702};
    tap_near(r.rows[3].mean[0], stats_mean(x, 5), 1e-12, "mean MAE of the reference");
    tap_near(r.rows[3].sd[0], stats_sd(x, 5), 1e-12, "sample sd of MAE");
    tap_near(r.rows[3].mean[2], 100 * (0.80 + 0.004), 1e-9, "accuracy in percent");
    tap_ok(r.rows[3].best[0] && !r.rows[0].best[0], "best MAE (lowest) marked on M,T,A,V");
    tap_ok(r.rows[3].best[2] && !r.rows[2].best[2], "best Acc2 (highest) marked");
    /* the comparison of M against the reference, recomputed */
    double d[5];
    for (int sd = 0; sd < 5; sd++) {
        double a = 0.72 + 0.001 * ((sd * 7 + 3) % 5) + 0.0005 * sd;
        double b = 0.70 + 0.001 * ((sd * 7 + 9) % 5);
        d[sd] = a - b;
    }
    stats_ttest tt;
    stats_ttest_paired(d, 5, &tt);
    stats_wilcoxon w;
    stats_wilcoxon_exact(d, 5, &w, &err);
    tap_ok(r.rows[0].has_cmp && r.rows[0].cmp.npairs == 5, "M pairs with the reference over 5 seeds");
    tap_near(r.rows[0].cmp.diff[0], tt.mean, 1e-12, "mean difference of MAE");
    tap_near(r.rows[0].cmp.p_t[0], tt.p, 1e-12, "paired t-test p");
    tap_near(r.rows[0].cmp.p_w[0], 0.0625, 1e-12, "Wilcoxon p = 0.0625 (all 5 one way)");
    tap_ok(r.rows[0].cmp.lo[0] <= tt.mean && tt.mean <= r.rows[0].cmp.hi[0] && r.rows[0].cmp.lo[0] > 0,
           "bootstrap CI holds the mean and excludes 0: [%g, %g]", r.rows[0].cmp.lo[0], r.rows[0].cmp.hi[0]);

    char *t = render(&r, REPORT_TABLE);
    tap_ok(strstr(t, "sample standard deviation (n-1)") && strstr(t, "M,T,A,V (ref)") && strstr(t, "0.702±0.002*"),
           "table: sd named, reference and best marked");
    tap_ok(strstr(t, "cannot go below 0.0625") != NULL, "table: says 5 pairs cannot reach p < 0.05 by Wilcoxon");
    tap_ok(strstr(t, "2 of 22 runs are not finished") != NULL, "table: unfinished runs noted");
    tap_ok(strstr(t, "Acc2 Has0") && strstr(t, "F1 Non0") && !strstr(t, "Acc7"), "table: the paper's columns");
    if (!tap_ok(strstr(t, "5+2") != NULL, "table: n with unfinished runs"))
        printf("%s", t);
    free(t);
    t = render(&r, REPORT_MD);
    tap_ok(strstr(t, "| tasks") && strstr(t, "**0.702 ± 0.002**") && strstr(t, "|:-"), "markdown table, bold best");
    free(t);
    t = render(&r, REPORT_LATEX);
    tap_ok(strstr(t, "\\begin{tabular}") && strstr(t, "\\textbf{0.702}$\\pm$0.002") && strstr(t, "\\toprule"),
           "latex table, bold best");
    free(t);
    t = render(&r, REPORT_CSV);
    tap_ok(strncmp(t, "\"tasks\",\"n\",\"unfinished\",\"mae_mean\"", 34) == 0 && strstr(t, "\"M,T,A,V\",5,0,"),
           "csv: header and quoted values with commas");
    tap_ok(strstr(t, "mae_p_wilcoxon") != NULL, "csv: comparison columns");
    free(t);
    t = render(&r, REPORT_JSON);
    tap_ok(strstr(t, "\"reference\": \"M,T,A,V\"") && strstr(t, "\"p_wilcoxon\": 0.0625"), "json: reference, p");
    const char *py = getenv("PYTHON3");
    if (py && *py) {
        char path[1100], cmd[2400];
        snprintf(path, sizeof path, "%s/report.json", root);
        FILE *f = fopen(path, "w");
        fputs(t, f);
        fclose(f);
        snprintf(cmd, sizeof cmd, "'%s' -c 'import json,sys; d=json.load(open(sys.argv[1])); "
                                  "assert len(d[\"rows\"])==4' '%s'", py, path);
        tap_ok(system(cmd) == 0, "json parses with python's json module");
        remove(path);
    }
    free(t);
    report_free(&r);

    /* explicit grouping, bad keys and references */
    tap_ok(report_build(&r, &s, &(report_opts){"labels", NULL, false}, &err) == SM_OK && r.nrows == 1 && r.rows[0].n == 20,
           "group by a constant key: one row of 20");
    report_free(&r);
    tap_ok(report_build(&r, &s, &(report_opts){"tasks,foo", NULL, false}, &err) != SM_OK && strstr(err.msg, "foo"), "unknown key refused");
    report_free(&r);
    tap_ok(report_build(&r, &s, &(report_opts){NULL, "M,Q", false}, &err) != SM_OK && strstr(err.msg, "M,T,A,V"),
           "unknown reference lists the rows");
    report_free(&r);
    results_free(&s);

    /* CPC sets as the paper writes them */
    char sub[1100];
    snprintf(sub, sizeof sub, "%s/cpc", root);
    mkdir(sub, 0777);
    char keep[1024];
    snprintf(keep, sizeof keep, "%s", root);
    memcpy(root, sub, sizeof root - 1);
    const char *sets[] = {"ma,mv", "mt,ma,mv", "mt,ma", "mt,mv"};
    for (int c = 0; c < 4; c++)
        for (int sd = 0; sd < 3; sd++)
            fake_run("M,T,A,V", sets[c], 1111 + sd, 0.7 + 0.01 * c, 0.8, "done\n");
    result_set s2 = {0};
    tap_ok(results_add(&s2, sub, &err) == SM_OK && s2.n == 12, "12 CPC runs");
    tap_ok(report_build(&r, &s2, &(report_opts){NULL, "all", false}, &err) == SM_OK, "report by cpc_terms");
    const char *corder[] = {"all", "w/o L_N^mt", "w/o L_N^ma", "w/o L_N^mv"};
    ordered = r.nrows == 4;
    for (int g = 0; g < r.nrows && ordered; g++)
        ordered &= strcmp(r.rows[g].label, corder[g]) == 0;
    if (!tap_ok(ordered, "rows all, w/o L_N^mt, w/o L_N^ma, w/o L_N^mv"))
        for (int g = 0; g < r.nrows; g++)
            tap_diag("row %d: %s", g, r.rows[g].label);
    t = render(&r, REPORT_TABLE);
    tap_ok(strstr(t, "cannot go below 0.25") != NULL, "3 pairs: the Wilcoxon floor is 0.25");
    free(t);
    report_free(&r);
    tap_ok(report_build(&r, &s2, &(report_opts){"cpc_terms", "w/o mv", false}, &err) == SM_OK && r.ref == 3, "reference by w/o mv");
    report_free(&r);
    results_free(&s2);
    tap_ok(results_add(&s2, "/nonexistent/results", &err) != SM_OK && strstr(err.msg, "/nonexistent/results"),
           "a missing path is named");
    results_free(&s2);
    rmdir("not-a-run");
    char cmd[1100];
    fmt_tests();
    rule_tests(keep);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", keep);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", keep);
    return tap_done();
}
