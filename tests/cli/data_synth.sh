#!/bin/sh
# data_synth.sh: `selfmi synth` is deterministic by seed (byte-identical
# files), writes a dataset `selfmi info` accepts, and refuses bad options.
work=$(mktemp -d "$top_builddir/tmp-synth-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$SELFMI" synth --preset small --seed 7 "$work/a" || fail "synth a"
"$SELFMI" synth --seed=7 "$work/b" >/dev/null || fail "synth b"
"$SELFMI" synth --preset small --seed 8 "$work/c" >/dev/null || fail "synth c"
for f in label.csv text.npy audio.npy vision.npy text_lengths.npy audio_lengths.npy vision_lengths.npy; do
    [ -s "$work/a/$f" ] || fail "$f missing"
    cmp -s "$work/a/$f" "$work/b/$f" || fail "$f differs for the same seed"
done
cmp -s "$work/a/text.npy" "$work/c/text.npy" && fail "another seed gives the same text"
cmp -s "$work/a/label.csv" "$work/c/label.csv" && fail "another seed gives the same labels"

"$SELFMI" info "$work/a" >"$work/info" || fail "info"
cat "$work/info"
grep -q "samples  400 (train 240, valid 60, test 100)" "$work/info" || fail "counts"
grep -Eq "^text +8 +768 " "$work/info" || fail "text 8 x 768"
grep -Eq "^audio +20 +5 " "$work/info" || fail "audio 20 x 5"
grep -Eq "^vision +15 +20 " "$work/info" || fail "vision 15 x 20"
grep -q "unimodal labels  yes" "$work/info" || fail "unimodal labels"
grep -Eq "^label_T +train +240 " "$work/info" || fail "label_T rows"

"$SELFMI" synth --seed 7 "$work/a" 2>"$work/err" >/dev/null; [ $? -eq 1 ] || fail "existing dir: exit 1"
grep -q "already exists" "$work/err" || fail "existing dir message"
"$SELFMI" synth --seed 9 --force "$work/a" >/dev/null || fail "--force"
cmp -s "$work/a/text.npy" "$work/b/text.npy" && fail "--force did not replace"
"$SELFMI" synth --preset huge "$work/x" 2>"$work/err"; [ $? -eq 2 ] && grep -q "small, mosi, sims, mosei" "$work/err" || fail "unknown preset"
"$SELFMI" synth --seed x "$work/x" 2>/dev/null; [ $? -eq 2 ] || fail "bad seed"
"$SELFMI" synth 2>/dev/null; [ $? -eq 2 ] || fail "no OUTDIR"
[ -e "$work/x" ] && fail "output after a refusal"
exit 0
