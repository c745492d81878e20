#!/bin/sh
# import_mmsa.sh: `selfmi import mmsa` on pickles made fresh with numpy at
# protocols 2 to 5, checked against the pickles themselves with numpy; then
# the error paths leave no output directory behind.
set -u
PY=${PYTHON3:-}
if [ -z "$PY" ] || ! "$PY" -c 'import numpy' 2>/dev/null; then
    echo "SKIP: no python3 with numpy (PYTHON3='$PY')"
    exit 77
fi
work=$(mktemp -d "$top_builddir/import_mmsa.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$PY" "$top_srcdir/tests/fuzz/make_pickles.py" --fresh "$work" || fail "make_pickles.py"

for p in 2 3 4 5; do
    pkl=$work/fresh_p$p.pkl
    out=$work/out_p$p
    "$SELFMI" import mmsa "$pkl" "$out" >"$work/log" 2>&1 || { cat "$work/log"; fail "import of protocol $p"; }
    grep -q "samples: 7 (train 3, valid 2, test 2)" "$work/log" || { cat "$work/log"; fail "summary p$p"; }
    "$PY" - "$pkl" "$out" <<'PYEOF' || fail "content of protocol $p"
import csv, math, pickle, sys
import numpy as np
pkl, out = sys.argv[1], sys.argv[2]
with open(pkl, "rb") as f:
    data = pickle.load(f)
rows = list(csv.DictReader(open(out + "/label.csv", newline="", encoding="utf-8")))
want_cols = ["video_id", "clip_id", "text", "label", "label_T", "label_A", "label_V", "annotation", "mode"]
assert list(rows[0].keys()) == want_cols, rows[0].keys()
k = 0
feats = {m: [] for m in ("text", "audio", "vision")}
lens = {m: [] for m in ("audio", "vision")}
sims = "regression_labels_T" in data["train"]
for split in ("train", "valid", "test"):
    d = data[split]
    for i in range(len(d["id"])):
        r = rows[k]; k += 1
        vid, clip = str(d["id"][i]).split("$_$", 1)
        assert (r["video_id"], r["clip_id"], r["mode"]) == (vid, clip, split), (r, vid, clip, split)
        assert r["text"] == str(d["raw_text"][i]), (r["text"], d["raw_text"][i])
        assert r["annotation"] == d["annotations"][i]
        assert abs(float(r["label"]) - float(d["regression_labels"][i])) < 1e-6
        for m in "TAV":
            if sims:
                assert abs(float(r["label_" + m]) - float(d["regression_labels_" + m][i])) < 1e-6
            else:
                assert r["label_" + m] == "", r
    for m in feats:
        feats[m].append(np.asarray(d[m], dtype=np.float32))
    for m in lens:
        lens[m].append(np.asarray(d[m + "_lengths"]))
assert k == len(rows) == 7
for m in feats:
    want = np.concatenate(feats[m])
    if m == "audio":
        want[want == -np.inf] = 0
    got = np.load(out + "/" + m + ".npy")
    assert got.shape == want.shape and np.array_equal(got.astype(np.float32), want), m
for m in lens:
    got = np.load(out + "/" + m + "_lengths.npy")
    assert np.array_equal(got, np.concatenate(lens[m])), m
if "text_bert" in data["train"]:
    tl = np.load(out + "/text_lengths.npy")
    want = np.concatenate([data[s]["text_bert"][:, 1, :].sum(axis=1) for s in ("train", "valid", "test")])
    assert np.array_equal(tl, want), (tl, want)
PYEOF
done

# errors: exit 2, a message naming the problem, no output and no temporary left
check_err() {  # name, pickle, expected message
    out=$work/err_$1
    "$SELFMI" import mmsa "$2" "$out" >"$work/log" 2>&1
    rc=$?
    [ "$rc" -eq 2 ] || { cat "$work/log"; fail "$1: exit $rc, expected 2"; }
    grep -qF -- "$3" "$work/log" || { cat "$work/log"; fail "$1: message lacks '$3'"; }
    [ ! -e "$out" ] || fail "$1: $out was left behind"
    ls "$work" | grep -q "^err_$1.tmp" && fail "$1: a temporary directory was left behind"
    return 0
}
"$PY" - "$work" <<'PYEOF' || fail "making the bad pickles"
import collections, os, pickle, sys
sys.path.insert(0, os.environ["top_srcdir"] + "/tests/fuzz")
from make_pickles import make
w = sys.argv[1]
d = make(); del d["test"]["regression_labels"]
pickle.dump(d, open(w + "/no_labels.pkl", "wb"), protocol=4)
d = make(); d["valid"]["audio"] = d["valid"]["audio"][:, :, :1].copy()
pickle.dump(d, open(w + "/audio_width.pkl", "wb"), protocol=4)
d = make(); d["train"]["vision"] = d["train"]["vision"][:2]
pickle.dump(d, open(w + "/vision_rows.pkl", "wb"), protocol=2)
d = make(); d["train"]["when"] = collections.Counter("ab")
pickle.dump(d, open(w + "/counter.pkl", "wb"), protocol=4)
good = pickle.dumps(make(), protocol=5)
open(w + "/cut.pkl", "wb").write(good[:-40])
d = make(); d["train"]["id"][1] = "no-separator"
pickle.dump(d, open(w + "/bad_id.pkl", "wb"), protocol=3)
PYEOF
check_err no_labels "$work/no_labels.pkl" "test: regression_labels: missing"
check_err audio_width "$work/audio_width.pkl" "valid: audio: L = 3, D = 1, but train has L = 3, D = 2"
check_err vision_rows "$work/vision_rows.pkl" "train: vision: shape (2, 2, 3) has 2 rows, expected 3"
check_err counter "$work/counter.pkl" "collections.Counter is not allowed"
check_err cut "$work/cut.pkl" "truncated"
check_err bad_id "$work/bad_id.pkl" 'train: id: element 1 is "no-separator"'
check_err nofile "$work/absent.pkl" "cannot open"

# usage
"$SELFMI" import mmsa --help | grep -q "Usage: selfmi import mmsa" || fail "--help"
"$SELFMI" import mmsa "$work/fresh_p2.pkl" >/dev/null 2>&1; [ $? -eq 2 ] || fail "one operand: exit 2"
"$SELFMI" import mmsa --bogus a b >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option: exit 2"
"$SELFMI" import mmsa "$work/fresh_p2.pkl" "$work/out_p2" >"$work/log" 2>&1
[ $? -eq 2 ] && grep -q "not an empty directory" "$work/log" || fail "existing OUTDIR is refused"
mkdir "$work/empty"
"$SELFMI" import mmsa -q "$work/fresh_p4.pkl" "$work/empty/" >"$work/log" 2>&1 || { cat "$work/log"; fail "into an empty OUTDIR"; }
[ -f "$work/empty/label.csv" ] || fail "empty OUTDIR filled"
grep -q "note" "$work/log" && fail "-q still printed notes"
exit 0
