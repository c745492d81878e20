/* synth.h: a synthetic multimodal sentiment dataset with known
 * per-modality sentiments (`selfmi synth`, dataset name `synth:PRESET`).
 *
 * Every sample carries latent text, audio and vision sentiments; the
 * human-style labels y_t*, y_a*, y_v* (label_T/A/V) are simulated annotator
 * averages of them, and y_m is the same kind of average of a noisy weighted
 * combination. Modalities sometimes disagree (sarcasm-like text, flat
 * delivery), the [CLS] row of the text carries the text sentiment in a few
 * directions, audio and vision carry theirs in some time steps only, and
 * speaker offsets and noise dimensions are nuisance. man/synth-model.txt
 * describes the model in full. The same preset and seed give the same
 * dataset bit for bit. */
#ifndef SELFMI_SYNTH_H
#define SELFMI_SYNTH_H

#include "data/dataset.h"

typedef struct {
    const char *name;
    int n[SPLIT_COUNT];        /* samples per split */
    int L[MOD_COUNT];          /* padded lengths */
    int Lmin[MOD_COUNT];       /* shortest true length */
    int D[MOD_COUNT];          /* feature widths */
    int H;                     /* label bound: annotator scores are integers in -H..H */
    int clips_min, clips_max;  /* clips per video (speaker) */
} synth_preset;

/* The preset of that name ("small", "mosi", "sims", "mosei"), or NULL. */
const synth_preset *synth_preset_find(const char *name);
/* Names of the presets, "small, mosi, sims, mosei". */
const char *synth_preset_list(void);

/* Builds the dataset in memory; ds->dir is NULL. */
sm_status synth_make(dataset *out, const char *preset, unsigned long seed, sm_err *err);
/* The same from a preset given in full (e.g. a shrunken copy of one). */
sm_status synth_make_preset(dataset *out, const synth_preset *p, unsigned long seed, sm_err *err);

#endif
