#!/bin/sh
# rel_dash_errors.sh: the dashboard (headless, --script) names a run that
# diverges or cannot write its results in the status line, and keeps
# going: the other runs finish, and the script's later keys still work; a
# hostile labels.csv is named and bounded.
set -u
work=$(mktemp -d "$top_builddir/tmp-rel-dash-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.txt; do [ -f "$f" ] && { echo "== $f"; cat "$f"; }; done; exit 1; }

cat > "$work/g.conf" <<'CONF'
[experiment]
dataset = synth:small
[config]
max_epochs = 3
[grid]
seed = 1..2
inject_nan_epoch = 0 | 2
CONF
# 4: the Grid view; n: start the grid (l: here, where sbatch is on PATH and
# the dashboard asks; else a harmless move); then back to the Runs view
printf '4\nn\nl\n:wait-jobs\n:update\n:dump %s\n1\n:update\n' "$work/after.txt" > "$work/script"
"$SELFMI" "$work/g.conf" --results "$work/res" --jobs 2 --script "$work/script" --screen "$work/final.txt" \
    > "$work/out.txt" 2>&1 || fail "the dashboard exited $?"
grep -q "failed: non-finite loss at epoch 2 batch 1" "$work/after.txt" || fail "no divergence in the status line"
[ "$(grep -lx done "$work"/res/*/status | wc -l)" -eq 2 ] || fail "the two other runs did not finish"
grep -q "Runs" "$work/final.txt" || fail "no Runs view after the failure"

# results that cannot be written (the file size limit; a checkpoint after
# every epoch, so the first write that fails comes before the divergence)
printf '4\nn\nl\n:wait-jobs\n:update\n:dump %s\n' "$work/fsize.txt" > "$work/script2"
( ulimit -f 30 && SELFMI_CHECKPOINT_SECS=0 "$SELFMI" "$work/g.conf" --results "$work/res2" --jobs 1 --script "$work/script2" \
    > "$work/out2.txt" 2>&1 ) || fail "the dashboard exited under the file size limit"
grep -q "failed: .*\(write\|append\) failed" "$work/fsize.txt" || fail "no write failure in the status line"

# a hostile labels.csv (a 100-byte file naming row 2^26 and epoch 80000):
# bounded by the dataset's size and max_epochs, named, never a large allocation
"$SELFMI" train synth:small --set max_epochs=2 --out "$work/res3" --run-id h --quiet > /dev/null 2>&1 || fail "train h"
printf 'epoch,row,id,y_m,y_t,y_a,y_v,r_t,r_a,r_v\n1,67108864,x,0,0,0,0,0,0,0\n80000,0,x,0,0,0,0,0,0,0\n' \
    > "$work/res3/h/labels.csv"
printf '3\n:dump %s\n' "$work/hostile.txt" > "$work/script3"
"$SELFMI" --results "$work/res3" --script "$work/script3" > "$work/out3.txt" 2>&1 ||
    fail "the dashboard on a hostile labels.csv exited $?"
grep -q "rows ignored (labels.csv: row 67108864 outside the dataset's" "$work/hostile.txt" ||
    fail "the hostile rows are not named"
exit 0
