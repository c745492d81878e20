#!/bin/sh
# grid_run.sh: selfmi grid on the synthetic data: every run done on two
# workers, each exactly as selfmi train gives it (same test.csv and
# predictions.csv bytes), a second grid skips them all, a failed run is
# moved aside and run again, and the final table names the reference.
set -u
out=$(mktemp -d "$top_builddir/grid_run.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; for f in "$out"/*.txt; do echo "== $f"; cat "$f"; done; exit 1; }

mkdir -p "$out/exp"
cat > "$out/exp/grid.conf" <<'CONF'
# a small Table 5
[experiment]
dataset = synth:small
[config]
max_epochs = 3
[grid]
seed = 1111..1112
tasks = M | M,T,A,V
[report]
reference = M,T,A,V
CONF

"$SELFMI" grid "$out/exp/grid.conf" --jobs 2 --out "$out/res" > "$out/table.txt" 2> "$out/log.txt" || fail "grid exit $?"
[ "$(ls "$out/res" | wc -l)" -eq 4 ] || fail "4 run directories expected"
for d in "$out"/res/*; do
  [ "$(cat "$d/status")" = done ] || fail "$d not done"
done
grep -q "M,T,A,V (ref)" "$out/table.txt" || fail "reference row missing from the table"
grep -q "sample standard deviation (n-1)" "$out/table.txt" || fail "sd kind not named"
grep -q "\[4/4\]" "$out/log.txt" || fail "progress lines missing"

# the same run through selfmi train: same bytes
"$SELFMI" grid "$out/exp/grid.conf" --list > "$out/list.txt" || fail "--list"
[ "$(wc -l < "$out/list.txt")" -eq 4 ] || fail "--list: 4 runs"
id=$(sed -n 2p "$out/list.txt" | cut -f1)
case "$(sed -n 2p "$out/list.txt")" in *"seed=1111 tasks=M,T,A,V"*) ;; *) fail "point order";; esac
"$SELFMI" train synth:small --seed 1111 --set tasks=M,T,A,V --set max_epochs=3 --out "$out/train" --quiet \
  > "$out/train.txt" 2>&1 || fail "train exit $?"
[ -d "$out/train/$id" ] || fail "selfmi train chose another run id than the grid ($id)"
for f in test.csv predictions.csv run.conf; do
  cmp -s "$out/res/$id/$f" "$out/train/$id/$f" || fail "$f differs between grid and train"
done

# again: every run skipped
"$SELFMI" grid "$out/exp/grid.conf" --jobs 2 --out "$out/res" > "$out/table2.txt" 2> "$out/log2.txt" || fail "rerun exit $?"
grep -q "0 done, 4 skipped" "$out/log2.txt" || fail "rerun should skip all 4"
cmp -s "$out/table.txt" "$out/table2.txt" || fail "the table of skipped runs differs"

# a failed run is moved aside and run again
echo "failed: killed" > "$out/res/$id/status"
"$SELFMI" grid "$out/exp/grid.conf" --jobs 2 --out "$out/res" > /dev/null 2> "$out/log3.txt" || fail "third run exit $?"
grep -q "1 done, 3 skipped" "$out/log3.txt" || fail "the failed run should run again"
[ -d "$out/res/.attic/$id.1" ] || fail "the failed run was not moved to .attic"
cmp -s "$out/res/$id/test.csv" "$out/train/$id/test.csv" || fail "the re-run differs"

# --set on an axis collapses it; --jobs 1
"$SELFMI" grid "$out/exp/grid.conf" --set seed=1113 --jobs 1 --out "$out/res" --quiet > "$out/table4.txt" 2>&1 \
  || fail "--set seed exit $?"
[ "$(ls "$out/res" | wc -l)" -eq 6 ] || fail "--set seed=1113: 2 more runs expected"
exit 0
