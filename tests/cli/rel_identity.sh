#!/bin/sh
# rel_identity.sh: a run's identity is its configuration plus the dataset's
# canonical path and fingerprint. One experiment run from two working
# directories trains once; a resume onto a changed dataset (other labels,
# another synth seed) is refused naming the dataset; symlinks in a run
# directory pointing out of the results root are refused by train --resume
# and grid, the outside file untouched; a FIFO in a run directory is an
# error, never a hang, for report and grid.
set -u
work=$(mktemp -d "$top_builddir/tmp-rel-identity-XXXXXX") || exit 1
work=$(cd "$work" && pwd -P)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.err; do [ -f "$f" ] && { echo "== $f"; tail -5 "$f"; }; done; exit 1; }
runs() { find "$1" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l; }
T="timeout 60"

# ---- one experiment, two working directories, one training --------------
"$SELFMI" synth --preset small --seed 3 "$work/exp/data" > /dev/null 2> "$work/synth.err" || fail "synth"
printf '[experiment]\ndataset = data\n[config]\nmax_epochs = 2\n[grid]\nseed = 1..2\n' > "$work/exp/grid.conf"
mkdir -p "$work/a" "$work/b/deeper"
(cd "$work/a" && $T "$SELFMI" grid ../exp/grid.conf --out "$work/root" --jobs 1 --quiet > /dev/null 2> "$work/g1.err") \
    || fail "first grid"
[ "$(runs "$work/root")" -eq 2 ] || fail "first grid: $(runs "$work/root") run directories, expected 2"
(cd "$work/b/deeper" && $T "$SELFMI" grid "$work/exp/grid.conf" --out "$work/root" --jobs 1 > /dev/null 2> "$work/g2.err") \
    || fail "second grid"
[ "$(runs "$work/root")" -eq 2 ] || fail "the same grid from another directory trained again: $(runs "$work/root") run directories"
grep -q "0 done, 2 skipped" "$work/g2.err" || fail "second grid did not skip both runs: $(tail -1 "$work/g2.err")"
grep -q "^dataset = $work/exp/data\$" "$work"/root/*/run.conf || fail "run.conf does not hold the canonical dataset path"
grep -q "^dataset_id = [0-9a-f]\{16\}\$" "$work"/root/*/run.conf || fail "run.conf does not hold the dataset's fingerprint"
[ -d "$work/root/.attic" ] && fail "nothing should have been moved to .attic"

# ---- a changed dataset: a new run, and --resume refused -----------------
for change in labels seed; do
    ds="$work/ds-$change"
    "$SELFMI" synth --preset small --seed 5 "$ds" > /dev/null 2>&1 || fail "$change: synth"
    SELFMI_TEST_KILL_EPOCH=2 $T "$SELFMI" train "$ds" --set max_epochs=4 --out "$work/kill" --run-id "$change" --quiet \
        > /dev/null 2>&1
    d="$work/kill/$change"
    [ "$(cat "$d/status")" = running ] || fail "$change: the run was not killed mid-way"
    if [ $change = labels ]; then
        # the same rows, other sentiment labels (column 4)
        awk -F, 'BEGIN { OFS = "," } NR > 1 && $4 ~ /^-?[0-9.]+$/ { $4 = -$4 } { print }' "$ds/label.csv" > "$work/l.csv" &&
            mv "$work/l.csv" "$ds/label.csv" || fail "labels: rewrite label.csv"
    else
        "$SELFMI" synth --preset small --seed 6 --force "$ds" > /dev/null 2>&1 || fail "seed: synth again"
    fi
    $T "$SELFMI" train --resume "$d" > /dev/null 2> "$work/resume.err"
    rc=$?
    [ $rc -eq 2 ] || fail "$change: resume onto a changed dataset: exit $rc, expected 2"
    grep -q "$ds" "$work/resume.err" && grep -q "changed" "$work/resume.err" ||
        fail "$change: the refusal does not name the dataset: $(cat "$work/resume.err")"
    [ "$(cat "$d/status")" = running ] || fail "$change: the refused resume changed the status"
done

# ---- symlinks out of the root: refused, the outside file untouched -------
printf 'precious\n1\n2\n3\n' > "$work/outside.txt"
cp "$work/outside.txt" "$work/outside.ref"
for f in lock epochs.csv labels.csv checkpoint; do
    SELFMI_TEST_KILL_EPOCH=1 $T "$SELFMI" train synth:small --set max_epochs=3 --out "$work/sym" --run-id "r-$f" --quiet \
        > /dev/null 2>&1
    d="$work/sym/r-$f"
    rm -f "$d/$f"
    ln -s "$work/outside.txt" "$d/$f"
    $T "$SELFMI" train --resume "$d" > /dev/null 2> "$work/sym.err"
    rc=$?
    [ $rc -eq 2 ] || fail "train --resume through a symlinked $f: exit $rc, expected 2 (bad input)"
    grep -q "symlink" "$work/sym.err" || fail "$f: the refusal does not say symlink: $(cat "$work/sym.err")"
    cmp -s "$work/outside.txt" "$work/outside.ref" || fail "train --resume changed the file behind $f"
done
# grid: the same run ids under its root, interrupted, with symlinked files
printf '[experiment]\ndataset = synth:small\n[config]\nmax_epochs = 3\n' > "$work/one.conf"
id=$("$SELFMI" grid "$work/one.conf" --list | cut -f1)
for f in lock epochs.csv labels.csv; do
    rm -rf "$work/gsym"
    SELFMI_TEST_KILL_EPOCH=1 $T "$SELFMI" train synth:small --set max_epochs=3 --out "$work/gsym" --run-id "$id" \
        --quiet > /dev/null 2>&1
    [ "$(cat "$work/gsym/$id/status")" = running ] || fail "grid $f: no interrupted run"
    rm -f "$work/gsym/$id/$f"
    ln -s "$work/outside.txt" "$work/gsym/$id/$f"
    $T "$SELFMI" grid "$work/one.conf" --out "$work/gsym" --jobs 1 > /dev/null 2> "$work/gsym.err" &&
        fail "grid resumed through a symlinked $f"
    grep -q "symlink" "$work/gsym.err" || fail "grid $f: the failure does not say symlink: $(cat "$work/gsym.err")"
    cmp -s "$work/outside.txt" "$work/outside.ref" || fail "grid changed the file behind $f"
done

# ---- a FIFO in a run directory: an error, not a hang ----------------------
"$SELFMI" train synth:small --set max_epochs=1 --out "$work/fifo" --run-id done --quiet > /dev/null 2>&1 ||
    fail "fifo: train"
rm "$work/fifo/done/test.csv"
mkfifo "$work/fifo/done/test.csv"
timeout 20 "$SELFMI" report "$work/fifo" > /dev/null 2> "$work/fifo.err"
rc=$?
[ $rc -ne 124 ] || fail "report hung on a FIFO"
[ $rc -ne 0 ] && grep -q "expected a regular file" "$work/fifo.err" || fail "report on a FIFO: exit $rc: $(cat "$work/fifo.err")"
SELFMI_TEST_KILL_EPOCH=1 $T "$SELFMI" train synth:small --set max_epochs=3 --out "$work/gfifo" --run-id "$id" --quiet \
    > /dev/null 2>&1
rm "$work/gfifo/$id/epochs.csv"
mkfifo "$work/gfifo/$id/epochs.csv"
timeout 30 "$SELFMI" grid "$work/one.conf" --out "$work/gfifo" --jobs 1 > /dev/null 2> "$work/gfifo.err"
rc=$?
[ $rc -ne 124 ] || fail "grid hung on a FIFO"
[ $rc -ne 0 ] && grep -q "expected a regular file" "$work/gfifo.err" || fail "grid on a FIFO: exit $rc: $(cat "$work/gfifo.err")"
exit 0
