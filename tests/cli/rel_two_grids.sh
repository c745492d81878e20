#!/bin/sh
# rel_two_grids.sh: two `selfmi grid` processes on the same experiment and
# results directory at once never run a run twice nor corrupt each other:
# each run's lock lets one process run it; the other skips it as running
# elsewhere or already done. Every run ends done exactly once, with the
# bytes of a grid run alone.
set -u
work=$(mktemp -d "$top_builddir/tmp-rel-two-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; cat "$work"/*.err; exit 1; }

cat > "$work/grid.conf" <<'CONF'
[experiment]
dataset = synth:small
[config]
max_epochs = 6
early_stop = 100
[grid]
seed = 1..6
CONF
"$SELFMI" grid "$work/grid.conf" --jobs 2 --out "$work/alone" --quiet > /dev/null 2>&1 || fail "grid alone"
for round in 1 2; do
    rm -rf "$work/res"
    "$SELFMI" grid "$work/grid.conf" --jobs 1 --out "$work/res" > /dev/null 2> "$work/a.err" &
    a=$!
    "$SELFMI" grid "$work/grid.conf" --jobs 1 --out "$work/res" > /dev/null 2> "$work/b.err" &
    b=$!
    wait $a || fail "grid a exit $?"
    wait $b || fail "grid b exit $?"
    ran=$(cat "$work/a.err" "$work/b.err" | grep -c '^\[[0-9]*/6\] done')
    [ "$ran" -eq 6 ] || fail "round $round: $ran runs done in all, expected each of 6 once"
    [ ! -d "$work/res/.attic" ] || fail "round $round: a run was moved aside"
    "$PYTHON3" "$top_srcdir/tests/cli/rel_check_dir.py" "$work/res" || fail "round $round: corrupted files"
    for d in "$work"/alone/*; do
        r="$work/res/$(basename "$d")"
        [ "$(cat "$r/status")" = done ] || fail "$r: $(cat "$r/status")"
        [ "$(($(wc -l < "$r/epochs.csv") - 1))" -eq 6 ] || fail "$r: epochs.csv has rows of two runs"
        cmp -s "$r/labels.csv" "$d/labels.csv" && cmp -s "$r/test.csv" "$d/test.csv" || fail "$r differs from the grid alone"
    done
    echo "round $round: a ran $(grep -c '\] done' "$work/a.err"), b ran $(grep -c '\] done' "$work/b.err"), "\
"running elsewhere seen $(cat "$work/a.err" "$work/b.err" | grep -c 'running elsewhere') times"
done
exit 0
