#!/bin/sh
# rel_crash.sh: kill -9 of `selfmi train` and of `selfmi grid` at random
# moments (a bounded number of times, from a fixed seed): after every kill
# each results directory is readable (tests/cli/rel_check_dir.py: known
# status, whole rows, a checkpoint whose CRC holds), the killed run reads as
# interrupted, and resuming (selfmi train --resume, or the same grid again)
# ends with the bytes of a run never interrupted.
set -u
work=$(mktemp -d "$top_builddir/tmp-rel-crash-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
check() { "$PYTHON3" "$top_srcdir/tests/cli/rel_check_dir.py" "$@" || fail "unreadable after a kill: $*"; }
same_run() { # DIR_A DIR_B WHAT
    for f in test.csv predictions.csv labels.csv; do
        cmp -s "$1/$f" "$2/$f" || fail "$3: $f differs from the uninterrupted run"
    done
    cut -d, -f1,3- "$1/epochs.csv" > "$work/ea"
    cut -d, -f1,3- "$2/epochs.csv" > "$work/eb"
    cmp -s "$work/ea" "$work/eb" || fail "$3: epochs.csv differs beyond its seconds column"
}
# random delays in seconds, reproducible: delay K -> 0.02 .. 0.02 + SPAN
delay() { awk -v k="$1" -v span="$2" 'BEGIN { srand(20261127 + k); printf "%.3f", 0.02 + span * rand() }'; }

set -- synth:small --set max_epochs=40 --set early_stop=100 --seed 5
t0=$(date +%s.%N)
"$SELFMI" train "$@" --out "$work/ref" --run-id r --quiet > /dev/null 2>&1 || fail "reference run"
span=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", (b - a) * 0.3 }')

# selfmi train, killed again and again while it resumes
kills=0
"$SELFMI" train "$@" --out "$work/k" --run-id r --quiet > /dev/null 2>&1 &
pid=$!
for k in 1 2 3 4 5 6 7 8; do
    sleep "$(delay $k "$span")"
    kill -9 $pid 2> /dev/null && kills=$((kills + 1))
    wait $pid 2> /dev/null
    check "$work/k"
    s=$(cat "$work/k/r/status" 2> /dev/null || echo none)
    [ "$s" = done ] && break
    "$SELFMI" train --resume "$work/k/r" --quiet > /dev/null 2> "$work/resume.err" &
    pid=$!
done
wait $pid 2> /dev/null
[ "$(cat "$work/k/r/status")" = done ] || "$SELFMI" train --resume "$work/k/r" --quiet > /dev/null 2>&1 \
    || fail "the last resume: $(cat "$work/resume.err")"
echo "selfmi train: $kills kills (delays up to $span s)"
[ "$kills" -ge 2 ] || fail "fewer than 2 kills landed during the run"
same_run "$work/k/r" "$work/ref/r" "train after $kills kills"

# a kill exactly inside an append, every time (SELFMI_TEST_TEAR_APPEND: the
# append writes half its bytes, then the process dies by SIGKILL): the log
# ends in a torn line; every reader takes it as absent and the resumed run
# ends byte-identical
for f in epochs.csv labels.csv; do
    for n in 1 4; do
        rm -rf "$work/t"
        SELFMI_TEST_TEAR_APPEND=$f:$n "$SELFMI" train "$@" --out "$work/t" --run-id r --quiet > /dev/null 2>&1
        rc=$?
        [ $rc -eq 137 ] || fail "$f:$n: the tear did not kill (exit $rc)"
        [ -n "$(tail -c 1 "$work/t/r/$f")" ] || fail "$f:$n: $f does not end in a torn line"
        TORN=1 "$PYTHON3" "$top_srcdir/tests/cli/rel_check_dir.py" "$work/t" || fail "$f:$n: unreadable after the tear"
        "$SELFMI" report "$work/t" > /dev/null 2> "$work/report.err"
        [ $? -le 1 ] || fail "$f:$n: report: $(cat "$work/report.err")"
        # the dashboard's reader: the Labels view counts the epochs of whole rows only
        printf '3\n:dump %s\n' "$work/dash.txt" > "$work/dash.script"
        "$SELFMI" --results "$work/t" --script "$work/dash.script" > /dev/null 2> "$work/dash.err" ||
            fail "$f:$n: the dashboard's reader: $(cat "$work/dash.err")"
        want=$(sed '$d' "$work/t/r/labels.csv" | tail -n +2 | cut -d, -f1 | sort -u | wc -l)
        [ "$f" = epochs.csv ] && want=$(tail -n +2 "$work/t/r/labels.csv" | cut -d, -f1 | sort -u | wc -l)
        grep -q "samples x $want epoch" "$work/dash.txt" ||
            fail "$f:$n: the dashboard read $(grep -o 'samples x [0-9]* epoch' "$work/dash.txt"), expected $want"
        "$SELFMI" train --resume "$work/t/r" --quiet > /dev/null 2> "$work/resume.err" ||
            fail "$f:$n: resume: $(cat "$work/resume.err")"
        check "$work/t"
        same_run "$work/t/r" "$work/ref/r" "train after a torn $f (append $n)"
    done
done
echo "selfmi train: torn epochs.csv and labels.csv appends, all resumed byte-identical"

# selfmi grid, killed mid-way, then the same grid again
cat > "$work/grid.conf" <<'CONF'
[experiment]
dataset = synth:small
[config]
max_epochs = 12
early_stop = 100
[grid]
seed = 5..8
CONF
"$SELFMI" grid "$work/grid.conf" --jobs 2 --out "$work/gref" --quiet > /dev/null 2>&1 || fail "reference grid"
total_int=0
for k in 11 12 13; do
    rm -rf "$work/g"
    "$SELFMI" grid "$work/grid.conf" --jobs 2 --out "$work/g" --quiet > /dev/null 2>&1 &
    pid=$!
    sleep "$(delay $k "$span")"
    kill -9 $pid 2> /dev/null
    wait $pid 2> /dev/null
    # a kill before the first run started leaves no root yet
    [ -d "$work/g" ] && check "$work/g"
    # every process is dead: a status still saying running is an interrupted run
    n_int=$(cat "$work"/g/*/status 2> /dev/null | grep -c '^running$')
    total_int=$((total_int + n_int))
    "$SELFMI" grid "$work/grid.conf" --jobs 2 --out "$work/g" > /dev/null 2> "$work/grid2.err" || fail "grid again: $(cat "$work/grid2.err")"
    check "$work/g"
    [ ! -d "$work/g/.attic" ] || fail "an interrupted run was moved aside instead of resumed"
    for d in "$work"/gref/*; do
        same_run "$work/g/$(basename "$d")" "$d" "grid run $(basename "$d") after a kill"
    done
    echo "selfmi grid: killed after $(delay $k "$span") s, $n_int runs interrupted, all resumed"
done
[ "$total_int" -ge 1 ] || fail "no grid kill landed while a run was running"
exit 0
