/* mmsa.h: reads an MMSA feature pickle (unaligned_50.pkl, aligned_50.pkl,
 * unaligned_39.pkl; SPEC section 9) into the in-memory dataset.
 *
 * The pickle is a dict of "train", "valid" and "test" dicts, each holding
 *   id                 (N) "video$_$clip" strings
 *   raw_text           (N) transcripts
 *   text               (N, L_t, D_t) or (N, D_t) features (BERT: D_t = 768)
 *   audio, vision      (N, L, D) or (N, D) features
 *   regression_labels  (N) y_m
 * and optionally audio_lengths, vision_lengths, text_lengths (N),
 * annotations (N), regression_labels_T/_A/_V (N, SIMS) and text_bert
 * (N, 3, L_t: token ids, mask, segments; its mask gives the text lengths).
 * Numbers may be numpy arrays of any numeric dtype or lists; strings may be
 * lists or numpy string/object arrays. Rows come out as train, valid, test.
 * Features become float32; audio -inf becomes 0 (SPEC section 1); absent
 * lengths mean full length; lengths outside 1..L are clamped with a note.
 * Other keys are ignored with a note through the log hook. */
#ifndef SELFMI_MMSA_H
#define SELFMI_MMSA_H

#include "base/base.h"
#include "data/dataset.h"

/* Reads the pickle at path into *out (which the caller frees with
 * dataset_free). On failure *out is left empty and err names the file, the
 * split and key, and what was expected. */
sm_status mmsa_load(const char *path, dataset *out, const sm_log *log, sm_err *err);

/* The same over a pickle in memory; name prefixes messages. */
sm_status mmsa_load_buffer(const uint8_t *buf, size_t n, const char *name, dataset *out,
                           const sm_log *log, sm_err *err);

#endif
