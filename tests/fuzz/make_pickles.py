#!/usr/bin/env python3
"""make_pickles.py: small MMSA-style feature pickles, made as MMSA makes
them (a dict of train/valid/test dicts of numpy arrays and lists).

    make_pickles.py OUTDIR              the committed fixtures (fuzz seeds)
    make_pickles.py --fresh OUTDIR      one file per pickle protocol 2..5

Values follow formulas that tests/unit/test_pickle_mmsa.c checks; with g the
row over all splits (train, then valid, then test) and (l, d) the position:
    text[g, l, d]   = (100 g + 10 l + d) / 8
    audio[g, l, d]  = -(100 g + 10 l + d) / 4, and audio[g, 0, 0] = -inf
                      for the first row of each split
    vision[g, l, d] = (100 g + 10 l + d) / 16 + 0.5
    id              = "vid<g // 2>$_$<g>"
    raw_text        = 'say "<g>", then, stop' (row 1 adds a newline and e-acute)
    regression_labels = min((g % 7) - 3 + 0.25, 3)     (SIMS: ((g % 5) - 2) / 2)
    regression_labels_T/A/V (SIMS) = min(label + 0.125 / 0.25 / 0.375, 1), times -1
(labels stay within the bounds selfmi checks: [-3, 3], SIMS [-1, 1])
    audio_lengths   = 1 + g % L_a,  vision_lengths = 1 + (g + 1) % L_v
    text_bert mask  = 1 + g % L_t ones
"""
import pickle
import sys

import numpy as np

SPLITS = (("train", 3), ("valid", 2), ("test", 2))
LT, DT, LA, DA, LV, DV = 4, 5, 3, 2, 2, 3


def grid(g, L, D):
    l = np.arange(L).reshape(L, 1)
    d = np.arange(D).reshape(1, D)
    return 100.0 * g + 10.0 * l + d


def make(dtype=np.float32, sims=False, text_bert=False, raw_text_array=False,
         id_object_array=False, fortran_vision=False, scalar_labels=False,
         extra_key=False, two_d_text=False):
    data = {}
    g0 = 0
    for name, n in SPLITS:
        rows = list(range(g0, g0 + n))
        g0 += n
        text = np.stack([grid(g, LT, DT) / 8 for g in rows]).astype(dtype)
        if two_d_text:
            text = text[:, 0, :].copy()
        audio = np.stack([-grid(g, LA, DA) / 4 for g in rows]).astype(dtype)
        audio[0, 0, 0] = -np.inf
        vision = np.stack([grid(g, LV, DV) / 16 + 0.5 for g in rows]).astype(dtype)
        if fortran_vision:
            vision = np.asfortranarray(vision)
        ids = ["vid%d$_$%d" % (g // 2, g) for g in rows]
        raw = ['say "%d", then, stop%s' % (g, "\nnext line \u00e9" if g == 1 else "") for g in rows]
        if sims:
            labels = [((g % 5) - 2) / 2 for g in rows]
        else:
            labels = [min((g % 7) - 3 + 0.25, 3) for g in rows]
        split = {
            "id": np.array(ids, dtype=object) if id_object_array else ids,
            "raw_text": np.array(raw) if raw_text_array else raw,
            "text": text,
            "audio": audio,
            "vision": vision,
            "audio_lengths": [1 + g % LA for g in rows],
            "vision_lengths": np.array([1 + (g + 1) % LV for g in rows], dtype=np.int64),
            "annotations": ["Positive" if y >= 0 else "Negative" for y in labels],
            "regression_labels": ([np.float64(y) for y in labels] if scalar_labels
                                  else np.array(labels, dtype=dtype)),
            "classification_labels": np.array([1 if y >= 0 else 0 for y in labels]),
        }
        if sims:
            for k, off in (("T", 0.125), ("A", 0.25), ("V", 0.375)):
                split["regression_labels_" + k] = np.array([-min(y + off, 1) for y in labels],
                                                           dtype=np.float64)
        if text_bert:
            tb = np.zeros((n, 3, LT), dtype=np.int64)
            for i, g in enumerate(rows):
                tb[i, 0, :] = 101 + np.arange(LT)
                tb[i, 1, : 1 + g % LT] = 1
            split["text_bert"] = tb
        if extra_key:
            split["extra_key"] = [1, 2, 3]
        data[name] = split
    return data


FIXTURES = {
    "mosi_p2_f64.pkl": (2, dict(dtype=np.float64)),
    "mosi_p4_f32.pkl": (4, dict(text_bert=True, raw_text_array=True, extra_key=True)),
    "mosi_p5_f32.pkl": (5, dict(id_object_array=True, fortran_vision=True)),
    "sims_p4.pkl": (4, dict(sims=True, scalar_labels=True)),
    "mosi_p3_text2d.pkl": (3, dict(two_d_text=True)),
}


def write(path, proto, kw):
    with open(path, "wb") as f:
        pickle.dump(make(**kw), f, protocol=proto)


def main(argv):
    if len(argv) == 3 and argv[1] == "--fresh":
        for proto in (2, 3, 4, 5):
            write("%s/fresh_p%d.pkl" % (argv[2], proto), proto,
                  dict(dtype=np.float64 if proto % 2 else np.float32, sims=proto == 5,
                       text_bert=proto == 4, fortran_vision=proto == 3))
        return 0
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    for name, (proto, kw) in FIXTURES.items():
        write("%s/%s" % (argv[1], name), proto, kw)
    # error seeds: a truncated file and a split without its features
    good = pickle.dumps(make(), protocol=4)
    with open("%s/bad_truncated.pkl" % argv[1], "wb") as f:
        f.write(good[: len(good) // 2])
    bad = make()
    del bad["valid"]["audio"]
    with open("%s/bad_missing_audio.pkl" % argv[1], "wb") as f:
        pickle.dump(bad, f, protocol=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
