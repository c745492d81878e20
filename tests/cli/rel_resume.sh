#!/bin/sh
# rel_resume.sh: a run killed (SIGKILL) right after an epoch's log rows
# and before that epoch's checkpoint, then `selfmi train --resume`, ends
# with the same test.csv, predictions.csv, labels.csv and epochs.csv
# (seconds apart) as the run never interrupted, for each label generator
# (checkpoints after every epoch, SELFMI_CHECKPOINT_SECS=0; and with an
# interval longer than the run, as the default of 1 s is on short runs,
# which leaves none before the end: the resume starts over); the killed
# run reads as interrupted; misuse of --resume is refused.
set -u
SELFMI_CHECKPOINT_SECS=0
export SELFMI_CHECKPOINT_SECS
work=$(mktemp -d "$top_builddir/tmp-rel-resume-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.err; do [ -f "$f" ] && { echo "== $f"; tail -5 "$f"; }; done; exit 1; }

same_run() { # DIR_A DIR_B WHAT
    for f in test.csv predictions.csv labels.csv; do
        cmp -s "$1/$f" "$2/$f" || fail "$3: $f differs from the uninterrupted run"
    done
    cut -d, -f1,3- "$1/epochs.csv" > "$work/ea"
    cut -d, -f1,3- "$2/epochs.csv" > "$work/eb"
    cmp -s "$work/ea" "$work/eb" || fail "$3: epochs.csv differs beyond its seconds column"
}

for labels in mi mm none; do
    set -- --set labels=$labels --set max_epochs=5 --set early_stop=3 --seed 7
    "$SELFMI" train synth:small "$@" --out "$work/ref" --run-id $labels --quiet > /dev/null 2> "$work/ref.err" \
        || fail "$labels: reference run"
    for k in 1 3; do
        d="$work/k$k/$labels"
        SELFMI_TEST_KILL_EPOCH=$k "$SELFMI" train synth:small "$@" --out "$work/k$k" --run-id $labels --quiet \
            > /dev/null 2> "$work/kill.err"
        rc=$?
        [ $rc -eq 137 ] || [ $rc -gt 128 ] || fail "$labels: the kill at epoch $k did not kill (exit $rc)"
        [ "$(cat "$d/status")" = running ] || fail "$labels: status after the kill: $(cat "$d/status")"
        [ -s "$d/lock" ] || fail "$labels: no lock file"
        rows=$(($(wc -l < "$d/epochs.csv") - 1))
        [ "$rows" -eq "$k" ] || fail "$labels: $rows epoch rows after the kill at epoch $k"
        # a new run into the same directory is refused with a pointer to --resume
        "$SELFMI" train synth:small "$@" --out "$work/k$k" --run-id $labels --quiet > /dev/null 2> "$work/again.err" \
            && fail "$labels: a second run into an interrupted directory"
        grep -q -- "--resume" "$work/again.err" || fail "$labels: no hint to --resume: $(cat "$work/again.err")"
        "$SELFMI" train --resume "$d" > "$work/resume.out" 2> "$work/resume.err" || fail "$labels: resume exit $?"
        want=$((k - 1))
        grep -q "resumed from the checkpoint of epoch $want" "$work/resume.err" \
            || fail "$labels: resume did not start from epoch $want: $(tail -2 "$work/resume.err")"
        [ "$(cat "$d/status")" = done ] || fail "$labels: status after resume: $(cat "$d/status")"
        same_run "$d" "$work/ref/$labels" "$labels, killed at epoch $k"
    done
done

# an interval longer than the run: no checkpoint before the kill at
# epoch 3, the resume starts over and ends the same
set -- --set labels=mi --set max_epochs=5 --set early_stop=3 --seed 7
SELFMI_CHECKPOINT_SECS=3600 SELFMI_TEST_KILL_EPOCH=3 "$SELFMI" train synth:small "$@" --out "$work/kd" --run-id mi \
    --quiet > /dev/null 2> "$work/kill.err"
[ $? -gt 128 ] || fail "long interval: the kill at epoch 3 did not kill"
[ ! -e "$work/kd/mi/checkpoint" ] || fail "long interval: a checkpoint before the end of the run"
[ "$(($(wc -l < "$work/kd/mi/epochs.csv") - 1))" -eq 3 ] || fail "long interval: epochs.csv lacks the 3 epochs run"
SELFMI_CHECKPOINT_SECS=3600 "$SELFMI" train --resume "$work/kd/mi" > /dev/null 2> "$work/resume.err" \
    || fail "long interval: resume exit $?"
grep -q "resumed from the checkpoint of epoch 0" "$work/resume.err" \
    || fail "long interval: the resume did not start over: $(tail -2 "$work/resume.err")"
[ -s "$work/kd/mi/checkpoint" ] || fail "long interval: no checkpoint at the end of the run"
same_run "$work/kd/mi" "$work/ref/mi" "long interval, killed at epoch 3"
# a bad interval stops the command before anything is written
SELFMI_CHECKPOINT_SECS=soon "$SELFMI" train synth:small --out "$work/bad-secs" --quiet > /dev/null 2> "$work/secs.err" \
    && fail "SELFMI_CHECKPOINT_SECS=soon accepted"
grep -q "SELFMI_CHECKPOINT_SECS: expected a number of seconds >= 0, got 'soon'" "$work/secs.err" \
    || fail "bad interval message: $(cat "$work/secs.err")"
[ ! -e "$work/bad-secs" ] || fail "a results folder written despite a bad SELFMI_CHECKPOINT_SECS"

# a done run is not resumed; --resume takes no other configuration
"$SELFMI" train --resume "$work/ref/mi" > /dev/null 2> "$work/done.err" && fail "resume of a done run"
grep -q "done; nothing to resume" "$work/done.err" || fail "message: $(cat "$work/done.err")"
"$SELFMI" train --resume "$work/ref/mi" --seed 3 > /dev/null 2>&1 && fail "--resume with --seed"
"$SELFMI" train --resume "$work/nothing" > /dev/null 2> "$work/none.err" && fail "resume of a missing directory"
grep -q "nothing" "$work/none.err" || fail "missing directory not named"

# a damaged checkpoint is refused with its name, and nothing is overwritten
d="$work/k3/mi"
SELFMI_TEST_KILL_EPOCH=3 "$SELFMI" train synth:small --set max_epochs=5 --seed 9 --out "$work/bad" --run-id r \
    --quiet > /dev/null 2>&1
printf 'garbage' | dd of="$work/bad/r/checkpoint" bs=1 seek=100 conv=notrunc 2> /dev/null
cp "$work/bad/r/epochs.csv" "$work/epochs.before"
"$SELFMI" train --resume "$work/bad/r" > /dev/null 2> "$work/bad.err" && fail "resume from a damaged checkpoint"
grep -q "checkpoint" "$work/bad.err" || fail "damaged checkpoint not named: $(cat "$work/bad.err")"
case "$(cat "$work/bad/r/status")" in failed:*checkpoint*) ;; *) fail "status: $(cat "$work/bad/r/status")";; esac
cmp -s "$work/bad/r/epochs.csv" "$work/epochs.before" || fail "a refused resume changed epochs.csv"
exit 0
