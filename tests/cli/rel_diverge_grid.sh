#!/bin/sh
# rel_diverge_grid.sh: a NaN injected into one run of a grid stops that run
# as "failed: non-finite loss at epoch E batch B"; the other runs finish
# as if alone, the grid exits 1 and names the failure, and a report over
# the results still reads.
set -u
work=$(mktemp -d "$top_builddir/tmp-rel-diverge-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; cat "$work/grid.err" 2> /dev/null; exit 1; }

cat > "$work/grid.conf" <<'CONF'
[experiment]
dataset = synth:small
[config]
max_epochs = 4
[grid]
seed = 1..3
inject_nan_epoch = 0 | 2
CONF
"$SELFMI" grid "$work/grid.conf" --jobs 2 --out "$work/res" > "$work/table.txt" 2> "$work/grid.err"
rc=$?
[ $rc -eq 1 ] || fail "grid exit $rc, expected 1 (a run failed)"
grep -q "3 done, 0 skipped (already done), 3 failed" "$work/grid.err" || fail "counts"
grep -q "failed .*non-finite loss at epoch 2 batch 1" "$work/grid.err" || fail "the failure is not named"
nfail=0
ndone=0
for d in "$work"/res/*; do
    s=$(cat "$d/status")
    case "$s" in
    "failed: non-finite loss at epoch 2 batch 1")
        nfail=$((nfail + 1))
        grep -q "^inject_nan_epoch = 2" "$d/run.conf" || fail "$d failed without the injected NaN"
        [ "$(($(wc -l < "$d/epochs.csv") - 1))" -eq 1 ] || fail "$d: epochs after the divergence"
        [ ! -e "$d/test.csv" ] || fail "$d: a failed run has test.csv";;
    done)
        ndone=$((ndone + 1))
        seed=$(sed -n 's/^seed = //p' "$d/run.conf")
        "$SELFMI" train synth:small --seed "$seed" --set max_epochs=4 --out "$work/alone" --quiet > /dev/null 2>&1 \
            || fail "train seed $seed alone"
        cmp -s "$d/test.csv" "$work/alone/$(basename "$d")/test.csv" \
            || fail "seed $seed: the grid's run differs from the run alone";;
    *) fail "$d: status '$s'";;
    esac
done
[ $nfail -eq 3 ] && [ $ndone -eq 3 ] || fail "$nfail failed, $ndone done; expected 3 and 3"
grep -q "note: 3 of 6 runs are not finished" "$work/table.txt" || fail "the table does not note the failures"
exit 0
