/* test_search.c: the [search] section: every distribution's samples in
 * bounds and with the right mean over many draws, the same trials from the
 * same file, errors naming file:line and key, and successive halving's
 * rungs and decisions on synthetic curves. */
#include "config.h"
#include "exp/expfile.h"
#include "exp/search.h"
#include "../tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static sm_status parse(experiment *e, const char *text, sm_err *err)
{
    return exp_parse(e, text, strlen(text), "dir/search.conf", err);
}

static const char *const good =
    "[experiment]\ndataset = synth:small\n"
    "[config]\nmax_epochs = 27\n"
    "[search]\n"
    "method = halving\ntrials = 9\nseeds = 2\nmetric = val_corr\nmin_epochs = 3\neta = 3\n"
    "time_budget = 30m\nsample_seed = 7\n"
    "batch_size = 16 | 32 | 64\n"
    "lr_text = loguniform(1e-4, 1e-2)\n"
    "post_fusion_dropout = uniform(0, 0.3)\n"
    "ulg_start = 1..6\n";

static void test_parse(void)
{
    experiment e;
    sm_err err;
    sm_status st = parse(&e, good, &err);
    if (!tap_ok(st == SM_OK, "a [search] section parses"))
        tap_diag("%s", err.msg);
    if (st)
        return;
    const search_spec *s = &e.search;
    tap_ok(s->present && s->method == SEARCH_HALVING && s->trials == 9 && s->seeds == 2, "method, trials, seeds");
    tap_ok(strcmp(s->metric, "val_corr") == 0 && s->maximise, "val_corr is maximised");
    tap_ok(s->min_epochs == 3 && s->eta == 3 && fabs(s->time_budget - 1800) < 1e-9 && s->sample_seed == 7,
           "min_epochs, eta, time_budget in seconds, sample_seed");
    tap_ok(s->ndists == 4, "four distributions");
    if (s->ndists == 4) {
        tap_ok(s->dists[0].kind == SEARCH_CHOICE && s->dists[0].n == 3 && strcmp(s->dists[0].choices[2], "64") == 0,
               "batch_size: a choice of three");
        tap_ok(s->dists[1].kind == SEARCH_LOGUNIFORM && s->dists[1].a == 1e-4 && s->dists[1].b == 1e-2,
               "lr_text: loguniform");
        tap_ok(s->dists[2].kind == SEARCH_UNIFORM && s->dists[2].b == 0.3, "post_fusion_dropout: uniform");
        tap_ok(s->dists[3].kind == SEARCH_INT && s->dists[3].a == 1 && s->dists[3].b == 6 && s->dists[3].line == 17,
               "ulg_start: an integer range, its line kept");
    }
    exp_free(&e);

    experiment m;
    tap_ok(parse(&m, "[config]\nseed = 1\n", &err) == SM_OK && !m.search.present, "no [search]: none present");
    exp_free(&m);
}

static void test_errors(void)
{
    static const struct {
        const char *line, *want;
    } cases[] = {
        {"lr_text = loguniform(0, 1)", "dir/search.conf:2: key 'lr_text': loguniform needs 0 < a < b"},
        {"lr_text = uniform(1, 0.5)", "dir/search.conf:2: key 'lr_text': expected a < b"},
        {"lr_text = uniform(1, x)", "dir/search.conf:2: key 'lr_text': expected uniform(a, b)"},
        {"batch_size = uniform(8, 64)", "dir/search.conf:2: key 'batch_size': an integer key"},
        {"batch_size = 8..2", "dir/search.conf:2: key 'batch_size': expected an integer range"},
        {"batch_size = 16 | | 32", "dir/search.conf:2: key 'batch_size': empty value"},
        {"batch_size = 16 | x", "dir/search.conf:2"},
        {"post_fusion_dropout = uniform(0, 1.5)", "dir/search.conf:2: key 'post_fusion_dropout'"},
        {"method = grid", "dir/search.conf:2: key 'method': expected random or halving"},
        {"trials = 0", "dir/search.conf:2: key 'trials': expected an integer from 1"},
        {"eta = 1", "dir/search.conf:2: key 'eta'"},
        {"metric = test_mae", "dir/search.conf:2: key 'metric': expected a validation column"},
        {"time_budget = soon", "dir/search.conf:2: key 'time_budget'"},
        {"seed = 1..5", "dir/search.conf:2: key 'seed' cannot be searched"},
        {"no_such_key = 1 | 2", "dir/search.conf:2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "[search]\n%s\n", cases[i].line);
        experiment e;
        sm_err err;
        memset(&err, 0, sizeof err);
        sm_status st = parse(&e, text, &err);
        if (!tap_ok(st != SM_OK && strstr(err.msg, cases[i].want), "refused: %s", cases[i].line))
            tap_diag("message: %s", err.msg);
        if (st == SM_OK)
            exp_free(&e);
    }
    experiment e;
    sm_err err;
    sm_status st = parse(&e, "[search]\nbatch_size = 16 | 32\nbatch_size = 64 | 8\n", &err);
    tap_ok(st != SM_OK && strstr(err.msg, ":3: key 'batch_size': searched twice (first on line 2)"),
           "a key searched twice names both lines");
    if (st == SM_OK)
        exp_free(&e);
}

/* Each distribution over many draws: in bounds, the right mean (4 standard
 * errors), every choice drawn. */
static void test_draws(void)
{
    enum { N = 40000 };
    rng r;
    rng_seed(&r, 42);
    search_dist u = {.kind = SEARCH_UNIFORM, .a = 0.1, .b = 0.5};
    search_dist l = {.kind = SEARCH_LOGUNIFORM, .a = 1e-4, .b = 1e-2};
    search_dist k = {.kind = SEARCH_INT, .a = 2, .b = 7};
    char *ch[] = {"a", "b", "c"};
    search_dist c = {.kind = SEARCH_CHOICE, .n = 3, .choices = ch};
    double su = 0, sl = 0, sk = 0;
    int inu = 0, inl = 0, ink = 0, cnt[3] = {0, 0, 0}, kcnt[8] = {0};
    char buf[64];
    for (int i = 0; i < N; i++) {
        search_dist_draw(&u, &r, buf, sizeof buf);
        double x = atof(buf);
        su += x;
        inu += x >= 0.1 && x <= 0.5;
        search_dist_draw(&l, &r, buf, sizeof buf);
        x = atof(buf);
        sl += log(x);
        inl += x >= 1e-4 && x <= 1e-2;
        search_dist_draw(&k, &r, buf, sizeof buf);
        long v = atol(buf);
        sk += (double)v;
        ink += v >= 2 && v <= 7;
        if (v >= 0 && v < 8)
            kcnt[v]++;
        search_dist_draw(&c, &r, buf, sizeof buf);
        cnt[buf[0] - 'a']++;
    }
    tap_ok(inu == N && inl == N && ink == N, "every draw within its bounds");
    /* uniform(a, b): mean (a+b)/2, sd (b-a)/sqrt(12) */
    tap_near(su / N, 0.3, 4 * 0.4 / sqrt(12.0) / sqrt((double)N), "uniform(0.1, 0.5): mean 0.3");
    /* loguniform: log uniform on [log a, log b] */
    double la = log(1e-4), lb = log(1e-2);
    tap_near(sl / N, (la + lb) / 2, 4 * (lb - la) / sqrt(12.0) / sqrt((double)N) + 1e-3,
             "loguniform(1e-4, 1e-2): mean of the log is the log of the geometric mean");
    /* integers 2..7: mean 4.5, sd sqrt((6^2 - 1) / 12) */
    tap_near(sk / N, 4.5, 4 * sqrt(35.0 / 12) / sqrt((double)N), "2..7: mean 4.5");
    tap_ok(kcnt[2] > 0 && kcnt[7] > 0, "2..7: both ends drawn");
    double sd3 = sqrt(N * (1.0 / 3) * (2.0 / 3));
    tap_ok(fabs(cnt[0] - N / 3.0) < 4 * sd3 && fabs(cnt[1] - N / 3.0) < 4 * sd3 && fabs(cnt[2] - N / 3.0) < 4 * sd3,
           "a choice of three: each about a third (%d %d %d)", cnt[0], cnt[1], cnt[2]);
}

/* The same file gives the same trials; trial i does not depend on the
 * number of trials; another sample_seed gives other trials. */
static void test_deterministic(void)
{
    experiment a, b;
    sm_err err;
    if (!tap_ok(parse(&a, good, &err) == SM_OK && parse(&b, good, &err) == SM_OK, "parsed twice"))
        return;
    char va[4][64], vb[4][64];
    int same = 0, distinct = 0;
    char first[4][64];
    for (int i = 0; i < 50; i++) {
        search_trial_values(&a.search, i, va);
        search_trial_values(&b.search, i, vb);
        same += memcmp(va, vb, sizeof va) == 0;
        if (i == 0)
            memcpy(first, va, sizeof va);
        else
            distinct += memcmp(first, va, sizeof va) != 0;
    }
    tap_ok(same == 50, "the same file gives the same 50 trials");
    tap_ok(distinct >= 45, "trials differ from one another (%d of 49 differ from the first)", distinct);
    b.search.trials = 3;
    search_trial_values(&b.search, 2, vb);
    search_trial_values(&a.search, 2, va);
    tap_ok(memcmp(va, vb, sizeof va) == 0, "trial 2 is the same whatever the number of trials");
    b.search.sample_seed = 8;
    search_trial_values(&b.search, 2, vb);
    tap_ok(memcmp(va, vb, sizeof va) != 0, "another sample_seed, another trial");
    exp_free(&a);
    exp_free(&b);
}

static void test_rungs(void)
{
    int r[SEARCH_RUNGS_MAX];
    int n = search_rungs(3, 3, 40, r, SEARCH_RUNGS_MAX);
    tap_ok(n == 4 && r[0] == 3 && r[1] == 9 && r[2] == 27 && r[3] == 40, "rungs 3 9 27 40 under max_epochs 40");
    n = search_rungs(3, 3, 27, r, SEARCH_RUNGS_MAX);
    tap_ok(n == 3 && r[0] == 3 && r[1] == 9 && r[2] == 27, "rungs 3 9 27 when max_epochs is a rung");
    n = search_rungs(50, 2, 10, r, SEARCH_RUNGS_MAX);
    tap_ok(n == 1 && r[0] == 10, "min_epochs above max_epochs: one rung, max_epochs");
}

/* Nine synthetic curves of val_mae: trial i falls to a floor, some fast
 * and then flat, some slow but lower in the end. At rung 3 the three best
 * so far go on; at rung 9 the best of those. */
static void test_halving(void)
{
    enum { N = 9, E = 27 };
    static double c[N][E];
    const double floor_[N] = {0.90, 0.70, 0.80, 0.60, 0.95, 0.75, 0.85, 0.65, 0.99};
    const double speed[N] = {0.9, 0.1, 0.9, 0.1, 0.9, 0.9, 0.9, 0.5, 0.2};
    for (int i = 0; i < N; i++)
        for (int e = 0; e < E; e++)
            c[i][e] = floor_[i] + 1.0 * pow(1 - speed[i], e + 1);
    const double *curve[N];
    int len[N], stop[N];
    for (int i = 0; i < N; i++) {
        curve[i] = c[i];
        len[i] = E;
    }
    /* a NaN epoch is skipped; trial 8 stops by itself after 2 epochs */
    c[5][1] = NAN;
    len[8] = 2;
    int r[SEARCH_RUNGS_MAX];
    int nr = search_rungs(3, 3, E, r, SEARCH_RUNGS_MAX);
    double score[N];
    for (int i = 0; i < N; i++)
        score[i] = search_curve_score(curve[i], len[i], 3, false);
    tap_near(score[0], 0.90 + pow(0.1, 3), 1e-12, "score at rung 3: the best of 3 epochs");
    search_halving_plan(curve, len, N, r, nr, 3, false, stop);
    /* at epoch 3: 0:0.901 1:1.429 2:0.801 3:1.329 4:0.951 5:0.751 6:0.851 7:0.775 8:(2 ep) 0.99+0.64=1.63 */
    int want[N] = {0, 0, 1, 0, 0, 1, 0, 1, 0};
    /* at epoch 9 among 2, 5, 7: 2:0.800 5:0.750 7:0.652 -> 7 */
    want[7] = 2;
    int agree = 0;
    for (int i = 0; i < N; i++)
        agree += stop[i] == want[i];
    tap_ok(agree == N, "halving stops the six worst at rung 3 and two more at rung 9 (%d of %d as expected)",
           agree, N);
    bool alive[N], keep[N];
    for (int i = 0; i < N; i++) {
        alive[i] = true;
        score[i] = (double)(i % 3);
    }
    score[4] = NAN;
    int k = search_halving_select(score, alive, N, 2, true, keep);
    /* maximise, eta 2: 5 of 9 advance: the 2s (2, 5, 8), then 1s by index (1, 7); 4 (NaN) last */
    tap_ok(k == 5 && keep[2] && keep[5] && keep[8] && keep[1] && keep[7] && !keep[4] && !keep[0],
           "select: the best ceil(n / eta) advance, ties to the lower index, NaN last");
    alive[2] = alive[5] = false;
    k = search_halving_select(score, alive, N, 2, true, keep);
    tap_ok(k == 4 && !keep[2] && !keep[5] && keep[8] && keep[1] && keep[7] && keep[4] == false,
           "select: a stopped trial never advances");
}

/* Two configurations as run.conf writes them (padding aside). */
static bool conf_text_equal(const config *a, const config *b)
{
    char *ta = NULL, *tb = NULL;
    size_t na = 0, nb = 0;
    FILE *f = open_memstream(&ta, &na);
    config_write(a, f);
    fclose(f);
    f = open_memstream(&tb, &nb);
    config_write(b, f);
    fclose(f);
    bool same = na == nb && memcmp(ta, tb, na) == 0;
    if (!same)
        tap_diag("%s\n---\n%s", ta, tb);
    free(ta);
    free(tb);
    return same;
}

/* Run ids of trials and their reverse; a trial's configuration; best.conf
 * as an experiment file that reads back as the trial's configuration. */
static void test_ids_and_best(void)
{
    experiment e;
    sm_err err;
    if (!tap_ok(parse(&e, good, &err) == SM_OK, "parsed"))
        return;
    char id[64];
    search_run_id(&e.search, 7, 1111, 9, id, sizeof id);
    int t, ep;
    unsigned long sd;
    tap_ok(strcmp(id, "t007-s1111-e9") == 0 && search_run_id_parse(id, &t, &sd, &ep) && t == 7 && sd == 1111 &&
               ep == 9, "halving run id t007-s1111-e9 and back");
    tap_ok(search_run_id_parse("t012-s5", &t, &sd, &ep) && t == 12 && sd == 5 && ep == 0, "random run id t012-s5");
    tap_ok(!search_run_id_parse("mosi-mi-MTAV-all-s1111-0a1b2c3d", &t, &sd, &ep) &&
               !search_run_id_parse("t1-s", &t, &sd, &ep) && !search_run_id_parse("t1-s2-e0", &t, &sd, &ep) &&
               !search_run_id_parse("t1-s2x", &t, &sd, &ep),
           "other ids are not trial runs");

    config base, c;
    char vals[4][64];
    tap_ok(exp_grid_point(&e, 0, &base, &err) == SM_OK, "the base configuration");
    tap_ok(search_trial_config(&e.search, &base, 3, &c, vals, &err) == SM_OK && c.sealed_test &&
               c.batch_size == atoi(vals[0]) && c.ulg_start == atoi(vals[3]) && c.max_epochs == 27,
           "trial 3's configuration: its values, sealed, [config] kept");
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    search_best_conf_write(f, &e.search, &c, 3, 0.5, "dir/search.conf", "out");
    fclose(f);
    experiment b;
    sm_status st = exp_parse(&b, text, n, "out/best.conf", &err);
    if (!tap_ok(st == SM_OK, "best.conf parses as an experiment"))
        tap_diag("%s\n%s", err.msg, text);
    if (st == SM_OK) {
        tap_ok(exp_grid_size(&b) == 5 && !b.search.present, "best.conf: five seeds, no search");
        config p;
        bool same = true;
        for (long i = 0; i < 5; i++) {
            same &= exp_grid_point(&b, i, &p, &err) == SM_OK && p.seed == 1111 + (unsigned long)i;
            p.seed = c.seed;
            p.sealed_test = true;
            snprintf(p.name, sizeof p.name, "%s", c.name);
            same &= conf_text_equal(&p, &c);
        }
        tap_ok(same, "best.conf's points are trial 3's configuration, unsealed, seeds 1111..1115");
        tap_ok(strstr(text, "name = search out: trial 3 on val_corr") != NULL, "the run name names the search");
        exp_free(&b);
    }
    free(text);
    exp_free(&e);
}

int main(void)
{
    test_parse();
    test_errors();
    test_draws();
    test_deterministic();
    test_rungs();
    test_halving();
    test_ids_and_best();
    return tap_done();
}
