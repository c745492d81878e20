/* search.h: hyper-parameter search over an experiment's [search] section
 * (man 5 selfmi-experiment): the distributions, the seeded sampler of the
 * trials, and successive halving's schedule as pure functions.
 *
 *   [search]
 *   method = random | halving
 *   trials = 60
 *   seeds = 1                     (training seeds per trial, from [config]'s seed up)
 *   metric = val_mae              (a validation column of epochs.csv; its direction is known)
 *   min_epochs = 3                (halving: the first rung)
 *   eta = 3                       (halving: 1/eta of the trials advance at each rung)
 *   time_budget = 2h              (optional: no trial starts after it; s, m or h)
 *   sample_seed = 1               (the sampler's seed)
 *   batch_size = 16 | 32 | 64     (a choice)
 *   lr_text = loguniform(1e-4, 1e-2)
 *   post_fusion_dropout = uniform(0, 0.3)
 *   ulg_start = 1..6              (integers, both ends included)
 *
 * The trials are a function of the section alone: the same file gives the
 * same trials on one worker or many, here or on a cluster. */
#ifndef SELFMI_SEARCH_H
#define SELFMI_SEARCH_H

#include "base/base.h"
#include "base/rng.h"
#include "conf/runconf.h"

#include <stdio.h>

typedef enum { SEARCH_CHOICE, SEARCH_UNIFORM, SEARCH_LOGUNIFORM, SEARCH_INT } search_dist_kind;

typedef struct {
    char key[64];            /* a configuration key */
    int line;
    search_dist_kind kind;
    double a, b;             /* uniform / loguniform: [a, b); int: a..b inclusive */
    int n;
    char **choices;          /* (n) SEARCH_CHOICE's values */
} search_dist;

typedef enum { SEARCH_RANDOM, SEARCH_HALVING } search_method;

typedef struct {
    bool present;            /* the file has a [search] section */
    int ndists;
    search_dist *dists;
    search_method method;
    int trials, seeds;
    char metric[64];         /* an epochs.csv validation column */
    bool maximise;           /* its direction: val_mae is minimised, the rest maximised */
    int min_epochs, eta;
    double time_budget;      /* seconds; 0 = none */
    unsigned long sample_seed;
} search_spec;

/* The largest number of trials a file may ask for. */
#define SEARCH_TRIALS_MAX 100000
/* The largest number of halving rungs. */
#define SEARCH_RUNGS_MAX 32

void search_spec_init(search_spec *s);
void search_spec_free(search_spec *s);

/* One line of the [search] section: where names the file in messages.
 * check(key, value, err) validates a configuration value (NULL: none);
 * integer(key) says whether a configuration key is an integer. */
typedef struct {
    sm_status (*check)(const char *key, const char *value, sm_err *err);
    bool (*integer)(const char *key);
    bool (*known)(const char *key);
} search_keys;
sm_status search_spec_line(search_spec *s, const search_keys *k, const char *key, const char *value,
                           const char *where, int line, sm_err *err);

/* Whether metric is a validation column search can rank by, and its
 * direction (true: larger is better). */
bool search_metric_known(const char *metric, bool *maximise);

/* Draws one value of d into buf (C locale). */
void search_dist_draw(const search_dist *d, rng *r, char *buf, size_t n);

/* The default folder of a search: results/search-NAME, NAME the file's
 * name without its extension and without a leading "search-". */
void search_default_out(const char *exp_path, char *buf, size_t n);

/* The value of distribution d (0 <= d < ndists) of trial i, into buf. */
void search_dist_draw_trial(const search_spec *s, int i, int d, char *buf, size_t n);

/* The values of trial i (0 <= i < s->trials), one string per
 * distribution in file order, into vals[ndists][n]. Trial i's values do
 * not depend on how many trials there are. */
void search_trial_values(const search_spec *s, int i, char (*vals)[64]);

/* The rungs of successive halving: min_epochs * eta^k below max_epochs,
 * then max_epochs. Returns their number (>= 1). */
int search_rungs(int min_epochs, int eta, int max_epochs, int *rungs, int max);

/* The score of a validation curve up to epoch `upto`: its best value
 * (the largest when maximise), skipping NaN; NaN when it has none. */
double search_curve_score(const double *curve, int len, int upto, bool maximise);

/* Which of the alive trials advance from a rung: the ceil(nalive / eta)
 * best by score (NaN last; ties to the lower index). keep[i] is set for
 * them and cleared for every other trial. Returns how many advance. */
int search_halving_select(const double *score, const bool *alive, int n, int eta, bool maximise, bool *keep);

/* The whole of successive halving over known curves (curve[i] of len[i]
 * epochs, a curve shorter than a rung being a trial that stopped by
 * itself): stop[i] gets the index of the last rung trial i reached.
 * The search command makes the same decisions rung by rung. */
void search_halving_plan(const double *const *curve, const int *len, int n, const int *rungs, int nrungs, int eta,
                         bool maximise, int *stop);

/* The configuration of trial i: base with the trial's values (into vals,
 * as search_trial_values) and sealed_test on, checked with config_check;
 * SM_EINVAL with the reason when the values make no valid configuration. */
sm_status search_trial_config(const search_spec *s, const config *base, int i, config *out, char (*vals)[64],
                              sm_err *err);

/* The run id of trial i's run of one seed (and, for halving, one rung):
 * t007-s1111 or t007-s1111-e9. */
void search_run_id(const search_spec *s, int i, unsigned long seed, int rung_epochs, char *buf, size_t n);
/* The reverse: false when id is not a trial's run id; epochs 0 without a
 * rung. */
bool search_run_id_parse(const char *id, int *trial, unsigned long *seed, int *epochs);

/* best.conf: an experiment file of cfg (trial `trial`, its metric score)
 * with seed = 1111..1115 as its grid and the search (exp_path, its
 * folder out, the metric) named in its title, description and run name. */
void search_best_conf_write(FILE *f, const search_spec *s, const config *cfg, int trial, double score,
                            const char *exp_path, const char *out);

/* The column metric of dir/epochs.csv, one value per epoch (NaN where
 * empty), into a fresh *curve (free() it). */
sm_status search_curve_read(const char *dir, const char *metric, double **curve, int *len, sm_err *err);

#endif
