#!/bin/sh
# data_import_csv.sh: `selfmi import csv` on the real mosi-bclstm features:
# counts per split under both split columns, the skipped rows, and a
# validation part carved from the poria2017 test videos by video id.
csv="$SHARED_DATA/mosi-bclstm/mosi_utterance_features.csv"
[ -r "$csv" ] || { echo "skip: $csv absent"; exit 77; }
work=$(mktemp -d "$top_builddir/tmp-import-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$SELFMI" import csv "$csv" "$work/std" >"$work/out" 2>"$work/err" || { cat "$work/err"; fail "import std_split"; }
cat "$work/out" "$work/err"
grep -q "imported 2195 samples (train 1281, valid 229, test 685)" "$work/out" || fail "std_split counts"
grep -q "skipped 4 rows with an empty label in column 'label_reg': 2WGyTLYerpo_44, 5W7Z1C_fDaE_24, BioHAh1qJAQ_30, lXPQBPVc5Cw_30" "$work/err" \
    || fail "the warning names the 4 skipped rows"
"$SELFMI" info "$work/std" >"$work/info" || fail "info"
cat "$work/info"
grep -q "samples  2195 (train 1281, valid 229, test 685)" "$work/info" || fail "info counts"
grep -Eq "^text +1 +100 " "$work/info" || fail "text 1 x 100"
grep -Eq "^audio +1 +73 " "$work/info" || fail "audio 1 x 73"
grep -Eq "^vision +1 +100 " "$work/info" || fail "vision 1 x 100"
grep -q "unimodal labels  no" "$work/info" || fail "no unimodal labels"
# labels as the shortest text that reads back: 2.4, not 2.4000001
grep -q '^"03bSnISJMiM","1","anyhow it was really good",2.4,' "$work/std/label.csv" ||
    fail "label 2.4 not written as 2.4: $(grep -m1 '03bSnISJMiM","1"' "$work/std/label.csv")"
grep -Eq ',-?[0-9]+\.[0-9]*(00000|99999)[0-9]+,' "$work/std/label.csv" &&
    fail "a label with float noise: $(grep -Em1 ',-?[0-9]+\.[0-9]*(00000|99999)[0-9]+,' "$work/std/label.csv")"

"$SELFMI" import csv "$csv" "$work/p" --split poria2017_split >"$work/out" 2>"$work/err" || fail "import poria2017_split"
grep -q "imported 2195 samples (train 1444, valid 0, test 751)" "$work/out" || fail "poria2017 counts"
grep -q "no validation samples" "$work/err" || fail "warning about the missing validation part"

"$SELFMI" import csv "$csv" "$work/pv" --split=poria2017_split --valid-from test:0.33 >"$work/out" 2>"$work/err" \
    || fail "import with --valid-from"
cat "$work/out"
grep -q "imported 2195 samples (train 1444, valid [0-9]*, test [0-9]*)" "$work/out" || fail "carved counts"
"$SELFMI" import csv "$csv" "$work/pv2" --split poria2017_split --valid-from test:0.33 --seed 1 >/dev/null 2>&1 || fail "again"
cmp -s "$work/pv/label.csv" "$work/pv2/label.csv" || fail "same seed, same carve"
"$SELFMI" import csv "$csv" "$work/pv3" --split poria2017_split --valid-from test:0.33 --seed 2 >/dev/null 2>&1 || fail "seed 2"
cmp -s "$work/pv/label.csv" "$work/pv3/label.csv" && fail "seed 2 carves the same videos"

# no video in two splits; valid is about a third of the test videos
if [ -n "$PYTHON3" ] && "$PYTHON3" -c 'import csv' 2>/dev/null; then
    "$PYTHON3" - "$work/pv/label.csv" <<'PY' || fail "video-level carve"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
by = {}
for r in rows:
    by.setdefault(r['mode'], set()).add(r['video_id'])
assert not (by['valid'] & by['test']), 'a video in valid and test'
assert not (by['valid'] & by['train']) or True
frac = len(by['valid']) / (len(by['valid']) + len(by['test']))
print('valid videos %d, test videos %d (%.2f)' % (len(by['valid']), len(by['test']), frac))
assert 0.28 < frac < 0.38, frac
PY
fi
ls "$work" | grep -q tmp- && fail "temporaries left behind"
exit 0
