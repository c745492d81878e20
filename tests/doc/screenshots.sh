#!/bin/sh
# screenshots.sh: scripts/screenshots.sh takes the five views of the
# dashboard headless, on a small synthetic grid.
set -u
mkdir -p "$top_builddir/tests/doc"
work=$(mktemp -d "$top_builddir/tests/doc/work.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat > "$work/exp.conf" <<'EOC'
[experiment]
title = screenshots
dataset = synth:small
preset = synth
[config]
max_epochs = 3
[grid]
seed = 1111..1112
tasks = M | M,T,A,V
EOC
$SELFMI grid "$work/exp.conf" --out "$work/res" --jobs 2 --quiet > /dev/null || fail "the grid"
cp "$top_srcdir/README.md" "$work/README.md"
chmod u+w "$work/README.md"
SELFMI=$SELFMI bash "$top_srcdir/scripts/screenshots.sh" --update "$work/README.md" "$work/exp.conf" "$work/res" "$work/screens" ||
    fail "scripts/screenshots.sh"
for v in runs live labels grid compare; do
    [ -s "$work/screens/$v.txt" ] || fail "no $v.txt"
    [ "$(wc -l < "$work/screens/$v.txt")" -eq 30 ] || fail "$v.txt is not 30 lines"
    grep -q "^<!-- screen $v -->" "$work/README.md" || fail "README has no screen $v"
done
grep -q 'status *run' "$work/screens/runs.txt" || fail "runs.txt is not the Runs view"
grep -q 'training losses' "$work/screens/live.txt" || fail "live.txt is not the Live view"
grep -q 'y_t - y_m' "$work/screens/labels.txt" || fail "labels.txt is not the Labels view"
grep -q '\[ref\] M,T,A,V .*2/2' "$work/screens/grid.txt" || fail "grid.txt lacks the done row"
grep -q 'test metric' "$work/screens/compare.txt" || fail "compare.txt is not the Compare view"
# the README got this run's screens
grep -q "$(basename "$work")/exp.conf" "$work/README.md" || fail "--update did not replace the README's screens"
exit 0
