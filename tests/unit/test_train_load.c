/* test_train_load.c: how a run's dataset is loaded: mapped files give
 * the same arrays and the same training as files read into memory, the
 * cls encoder's first-step load gives the same training as a full load,
 * padding is neither checked nor needed, and a feature file truncated
 * during training fails the run with a message instead of a SIGBUS. */
#include "config.h"
#include "train/run.h"
#include "../tap.h"
#include "test_data_util.h"

#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

static config small_config(const char *dir, const char *encoder)
{
    config c;
    sm_err err;
    config_defaults(&c, PRESET_SYNTH);
    config_set(&c, "dataset", dir, &err);
    config_set(&c, "text_encoder", encoder, &err);
    c.seed = 7;
    c.max_epochs = 2;
    return c;
}

/* Trains c on ds for its epochs: the final weights (malloc'd, *n of them)
 * and the test MAE. */
static real *train(const config *c, const dataset *ds, size_t *n, double *mae)
{
    trainer t;
    sm_err err;
    metrics m;
    real *w = NULL;
    if (trainer_init(&t, c, ds, &err) == SM_OK && trainer_run(&t, NULL, &m, &err) == SM_OK) {
        *n = t.m.P.n;
        w = malloc(*n * sizeof *w);
        memcpy(w, t.m.P.data, *n * sizeof *w);
        *mae = m.mae;
    } else {
        tap_diag("train: %s", err.msg);
    }
    trainer_free(&t);
    return w;
}

/* Every value a run reads (steps below the length) equal, bit for bit. */
static bool same_features(const dataset *a, const dataset *b, int m)
{
    const modality *x = &a->mod[m], *y = &b->mod[m];
    if (x->L != y->L || x->D != y->D)
        return false;
    for (int i = 0; i < a->n; i++) {
        if (x->len[i] != y->len[i])
            return false;
        size_t row = (size_t)x->L * x->D;
        if (memcmp(x->x + i * row, y->x + i * row, (size_t)x->len[i] * x->D * sizeof(float)) != 0)
            return false;
    }
    return true;
}

int main(void)
{
    sm_err err;
    char *dir = tdu_scratch("train-load");
    if (!dir)
        tap_skip_all("cannot create a scratch directory");
    char sub[4200], path[4300];
    snprintf(sub, sizeof sub, "%s/small", dir);
    dataset gen;
    tap_ok(run_dataset_load(&gen, "synth:small", &err) == SM_OK && dataset_save(&gen, sub, &err) == SM_OK,
           "synth:small saved as a directory");
    dataset_free(&gen);

    /* ---- the arrays ---- */
    dataset mapped, heap, first;
    dataset_load_opts no_map = {.no_map = true}, first_t = {.first_step = 1u << MOD_T};
    tap_ok(dataset_load(&mapped, sub, &err) == SM_OK && dataset_load_with(&heap, sub, &no_map, &err) == SM_OK &&
               dataset_load_with(&first, sub, &first_t, &err) == SM_OK, "loaded mapped, read, first step");
    bool all_mapped = true, none_mapped = true;
    for (int m = 0; m < MOD_COUNT; m++) {
        all_mapped = all_mapped && mapped.mod[m].map.addr != NULL;
        none_mapped = none_mapped && heap.mod[m].map.addr == NULL;
    }
    tap_ok(all_mapped && none_mapped, "<f4 files are mapped; no_map reads them");
    tap_ok(same_features(&mapped, &heap, MOD_T) && same_features(&mapped, &heap, MOD_A) &&
               same_features(&mapped, &heap, MOD_V), "a mapped load equals a read load, bit for bit");
    const modality *ft = &first.mod[MOD_T], *mt = &mapped.mod[MOD_T];
    bool step0 = ft->L == 1 && ft->D == mt->D && ft->first_step && ft->map.addr == NULL;
    for (int i = 0; step0 && i < first.n; i++)
        step0 = ft->len[i] == 1 &&
                memcmp(ft->x + (size_t)i * ft->D, mt->x + (size_t)i * mt->L * mt->D, (size_t)ft->D * sizeof(float)) == 0;
    tap_ok(step0, "first-step text: (N, 1, D) holding x[:, 0, :] (file L %d)", mt->L);
    tap_ok(same_features(&first, &mapped, MOD_A) && same_features(&first, &mapped, MOD_V),
           "audio and vision loaded whole beside it");

    /* ---- training on each gives the same weights ---- */
    config c = small_config(sub, "cls");
    size_t n1 = 0, n2 = 0, n3 = 0;
    double e1 = NAN, e2 = NAN, e3 = NAN;
    real *w1 = train(&c, &heap, &n1, &e1), *w2 = train(&c, &mapped, &n2, &e2), *w3 = train(&c, &first, &n3, &e3);
    tap_ok(w1 && w2 && n1 == n2 && memcmp(w1, w2, n1 * sizeof *w1) == 0 && e1 == e2,
           "cls: mapped trains to the same weights as read (test MAE %.6f)", e1);
    tap_ok(w3 && n1 == n3 && memcmp(w1, w3, n1 * sizeof *w1) == 0 && e1 == e3,
           "cls: the first-step load trains to the same weights");
    free(w1), free(w2), free(w3);
    c = small_config(sub, "lstm");
    trainer t;
    tap_ok(trainer_init(&t, &c, &first, &err) == SM_EINTERNAL && strstr(err.msg, "first step"),
           "an lstm text encoder refuses a first-step load: %s", err.msg);
    tap_ok(run_dataset_first_step(&c) == 0 && run_dataset_first_step(&(config){.text_encoder = TEXT_FROZEN}) != 0,
           "the lstm encoder reads all of the text, frozen only step 0");
    dataset_free(&first);
    dataset_free(&heap);

    /* ---- a file truncated under a run ---- */
    c = small_config(sub, "cls");
    tap_ok(trainer_init(&t, &c, &mapped, &err) == SM_OK, "trainer on the mapped dataset");
    snprintf(path, sizeof path, "%s/audio.npy", sub);
    tap_ok(truncate(path, 128) == 0, "audio.npy truncated in place to its header");
    epoch_record rec;
    sm_status st = trainer_epoch(&t, NULL, &rec, &err);
    tap_ok(st == SM_EIO && strstr(err.msg, sub) && strstr(err.msg, "got shorter while in use"),
           "the epoch fails with a message, not a SIGBUS: %s", err.msg);
    trainer_free(&t);
    dataset_free(&mapped);
    tap_ok(dataset_load(&mapped, sub, &err) == SM_EFORMAT && strstr(err.msg, "audio.npy") &&
               strstr(err.msg, "truncated data"), "loading it again names the file: %s", err.msg);

    /* ---- padding: never read, so not checked ---- */
    tap_ok(run_dataset_load(&gen, "synth:small", &err) == SM_OK, "synth:small again");
    modality *va = &gen.mod[MOD_V];
    int pad = -1;
    for (int i = 0; i < gen.n && pad < 0; i++)
        if (va->len[i] < va->L)
            pad = i;
    tap_ok(pad >= 0, "a sample with padding (sample %d)", pad);
    if (pad >= 0) {
        va->x[((size_t)pad * va->L + va->len[pad]) * va->D] = NAN;
        tap_ok(dataset_save(&gen, sub, &err) == SM_OK && dataset_load(&mapped, sub, &err) == SM_OK,
               "NaN in padding: saved and loaded: %s", err.msg);
        dataset_free(&mapped);
        va->x[((size_t)pad * va->L + va->len[pad] - 1) * va->D] = NAN;
        tap_ok(dataset_save(&gen, sub, &err) == SM_EFORMAT && strstr(err.msg, "vision"),
               "NaN in the last real step refused: %s", err.msg);
    }
    dataset_free(&gen);
    tdu_rmtree(dir);
    return tap_done();
}
