#!/bin/sh
# search.sh: selfmi search on the synthetic data: halving's trials and
# search.csv the same on one worker and two; a survivor continued from its
# checkpoint equals, bytes and all, a run from epoch 1; no trial directory
# holds test.csv or predictions.csv; report refuses the trials; an
# interrupted search started again ends with the same search.csv;
# best.conf's 5-seed grid is named by report; an emitted array collected
# with --collect gives the local search.csv; halving's --emit slurm is a
# driver job; the time budget stops a trial while it trains; a bad
# [search] line exits 2 naming file:line.
set -u
out=$(mktemp -d "$top_builddir/search.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; for f in "$out"/*.txt; do echo "== $f"; cat "$f"; done; exit 1; }

cp "$top_srcdir/tests/cli/search-halving.conf" "$out/s.conf"

"$SELFMI" search "$out/s.conf" --jobs 1 --out "$out/one" > "$out/one.txt" 2> "$out/one_log.txt" || fail "search --jobs 1: exit $?"
"$SELFMI" search "$out/s.conf" --jobs 2 --out "$out/two" > "$out/two.txt" 2> "$out/two_log.txt" || fail "search --jobs 2: exit $?"
[ "$(wc -l < "$out/one/search.csv")" -eq 10 ] || fail "search.csv: a header and 9 trials"
cmp -s "$out/one/search.csv" "$out/two/search.csv" || fail "1 and 2 workers: different search.csv"
[ "$(head -n1 "$out/one.txt")" = "$(head -n1 "$out/two.txt")" ] || fail "1 and 2 workers: different best trial"
# halving with eta 3 over rungs 1, 3, 9: 9 trials, then 3, then 1
[ "$(grep -c '"yes"' "$out/one/search.csv")" -eq 8 ] || fail "halving stops 8 of 9 trials"
[ "$(ls "$out/one/trials" | grep -c -- '-e1$')" -eq 9 ] || fail "9 runs at rung 1"
[ "$(ls "$out/one/trials" | grep -c -- '-e3$')" -eq 3 ] || fail "3 runs at rung 3"
[ "$(ls "$out/one/trials" | grep -c -- '-e9$')" -eq 1 ] || fail "1 run at rung 9"
# a survivor goes on from its checkpoint at the rung before, into a run
# directory that holds, bytes and all, what a run from epoch 1 holds
e9=$(ls "$out/one/trials" | grep -- '-e9$')
e3=${e9%-e9}-e3
grep -qx "from = $e3" "$out/one/trials/$e9/continued" && grep -qx "epoch = 3" "$out/one/trials/$e9/continued" ||
  fail "$e9 does not say it continued $e3 at epoch 3"
[ "$(ls "$out/one/trials" | grep -c -- '-e3$')" -eq "$(cat "$out"/one/trials/*-e3/continued | grep -c '^from = ')" ] ||
  fail "not every run of rung 3 continued its run of rung 1"
"$SELFMI" train "$out/one/trials/$e9/run.conf" --out "$out/scratch" --run-id "$e9" --quiet > /dev/null 2>&1 ||
  fail "$e9 from scratch: exit $?"
for f in labels.csv checkpoint run.conf status; do
  cmp -s "$out/scratch/$e9/$f" "$out/one/trials/$e9/$f" || fail "$e9/$f: the continued run differs from a run from epoch 1"
done
cut -d, -f1,3- "$out/scratch/$e9/epochs.csv" > "$out/ea.csv"
cut -d, -f1,3- "$out/one/trials/$e9/epochs.csv" > "$out/eb.csv"
[ "$(wc -l < "$out/ea.csv")" -eq 10 ] && cmp -s "$out/ea.csv" "$out/eb.csv" ||
  fail "$e9/epochs.csv: the continued run differs from a run from epoch 1"
# continued: 9 + 3 x 2 + 1 x 6 epochs trained, not 9 + 3 x 3 + 1 x 9
trained=$(($(cat "$out"/one/trials/*/epochs.csv | grep -c '^[0-9]') - $(cat "$out"/one/trials/*/continued |
  awk '/^epoch = / { s += $3 } END { print s + 0 }')))
[ "$trained" -eq 21 ] || fail "$trained epochs trained, 21 expected"
[ -z "$(ls -A "$out/one/trials" | grep '^\.')" ] || fail "a run built aside was left: $(ls -A "$out/one/trials")"
# --collect of a halving search whose last rung has not run: that trial is
# not run (its rung-3 score does not make it the best), no best.conf
mkdir "$out/col" && cp -r "$out/one/trials" "$out/col/trials" && rm -r "$out/col/trials/$e9"
"$SELFMI" search "$out/s.conf" --collect --out "$out/col" > /dev/null 2> "$out/col_log.txt"
[ $? -eq 1 ] || fail "--collect without the last rung: exit 1 expected"
awk -F, -v t="$(echo "${e9#t}" | sed 's/-.*//; s/^0*//')" '$1 == (t == "" ? 0 : t) && $(NF - 1) == "\"not run\""' "$out/col/search.csv" |
  grep -q . || fail "--collect: the trial waiting for rung 9 is not 'not run'"
[ ! -e "$out/col/best.conf" ] || fail "--collect: a best.conf without a trial at the last rung"
[ ! -e "$out/col/trials/$e9" ] || fail "--collect trained a run"

best=$(sed -n 's/^best: trial \([0-9]*\),.*/\1/p' "$out/one.txt")
[ -n "$best" ] || fail "no best trial printed"
# the dashboard's Grid view of the search: trials ranked by val_mae, the
# best first, halving's stopped ones marked; B writes the same best.conf;
# Enter opens the best trial's run in Live
printf '4' > "$out/keys"
"$SELFMI" "$out/s.conf" --results "$out/one" --script "$out/keys" --screen "$out/grid_screen.txt" --size 120x40 \
  --no-color > /dev/null 2>&1 || fail "dashboard on the search: exit $?"
grep -q "^Search: halving, 9 trials on val_mae (lower is better): 9 done, 0 running; rungs 1 3 9\*" \
  "$out/grid_screen.txt" || fail "the search view's title"
first=$(grep -A1 '^rank trial' "$out/grid_screen.txt" | tail -n 1)
case "$first" in "   1 "*" $best best "*) ;; *) fail "rank 1 is not the best trial $best: $first";; esac
[ "$(grep -c '^ *[0-9]* *[0-9]* stopped ' "$out/grid_screen.txt")" -eq 8 ] || fail "8 trials shown stopped by halving"
grep -q "val_mae against log10 lr_other" "$out/grid_screen.txt" || fail "no scatter against the first key"
cp "$out/one/best.conf" "$out/best_cli.conf"
rm "$out/one/best.conf"
printf '4B' > "$out/keys"
"$SELFMI" "$out/s.conf" --results "$out/one" --script "$out/keys" --screen "$out/b_screen.txt" --size 120x40 \
  --no-color > /dev/null 2>&1 || fail "dashboard B: exit $?"
cmp -s "$out/best_cli.conf" "$out/one/best.conf" || fail "the dashboard's best.conf differs from selfmi search's"
printf '4<Enter>' > "$out/keys"
"$SELFMI" "$out/s.conf" --results "$out/one" --script "$out/keys" --screen "$out/live_screen.txt" --size 120x40 \
  --no-color > /dev/null 2>&1 || fail "dashboard Enter: exit $?"
grep -q "t$(printf %03d "$best")-s1111-e9" "$out/live_screen.txt" || fail "Enter does not show the best trial's run"

# the test set is sealed
n=$(find "$out/one/trials" "$out/two/trials" -name test.csv -o -name predictions.csv | wc -l)
[ "$n" -eq 0 ] || fail "$n test.csv or predictions.csv in trial directories"
for d in "$out"/one/trials/*; do
  grep -qx "sealed_test = true" "$d/run.conf" || fail "$d: run.conf is not sealed"
  [ "$(cat "$d/status")" = done ] || fail "$d not done"
done
"$SELFMI" report "$out/one/trials" > "$out/report.txt" 2>&1 && fail "report over trials succeeded"
[ "$(wc -l < "$out/report.txt")" -eq 1 ] || fail "report's refusal: one line"
grep -q "search trial (sealed_test = true): no test columns" "$out/report.txt" || fail "report's refusal names why"

# an interrupted search, started again, ends where an uninterrupted one does
"$SELFMI" search "$out/s.conf" --jobs 1 --out "$out/int" > /dev/null 2>&1 &
pid=$!
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  [ -d "$out/int/trials/t000-s1111-e1" ] && break
  sleep 0.1
done
kill -INT $pid 2> /dev/null
wait $pid
rc=$?
[ $rc -eq 130 ] || [ $rc -eq 0 ] || fail "interrupted search: exit $rc"
[ $rc -eq 130 ] && [ -e "$out/int/search.csv" ] && fail "an interrupted search wrote search.csv"
"$SELFMI" search "$out/s.conf" --jobs 2 --out "$out/int" > "$out/int.txt" 2> "$out/int_log.txt" || fail "resumed search: exit $?"
cmp -s "$out/one/search.csv" "$out/int/search.csv" || fail "the resumed search.csv differs"
# and again: every run is kept, nothing trains
"$SELFMI" search "$out/s.conf" --jobs 2 --out "$out/int" > /dev/null 2>&1 || fail "third search: exit $?"
cmp -s "$out/one/search.csv" "$out/int/search.csv" || fail "a search run again changes search.csv"

# best.conf: the best trial's values, seeds 1111..1115, and report names the search
grep -qx "seed = 1111..1115" "$out/one/best.conf" || fail "best.conf: no seed grid"
row=$(awk -F, -v t="$best" '$1 == t' "$out/one/search.csv")
bs=$(echo "$row" | cut -d, -f3 | tr -d '"')
grep -qx "batch_size = $bs" "$out/one/best.conf" || [ "$bs" = 32 ] || fail "best.conf: batch_size $bs missing"
"$SELFMI" grid "$out/one/best.conf" --jobs 2 --out "$out/confirm" > "$out/grid.txt" 2> "$out/grid_log.txt" || fail "grid best.conf: exit $?"
[ "$(find "$out/confirm" -name test.csv | wc -l)" -eq 5 ] || fail "5 confirming runs with test.csv"
"$SELFMI" report "$out/confirm" > "$out/confirm.txt" 2> "$out/confirm_log.txt" || fail "report of the confirmation"
grep -q "chosen by a search on validation: search .*: trial $best on val_mae" "$out/confirm_log.txt" || fail "report does not name the search"

# random search, two seeds a trial: a trial's metric is the mean of its
# seeds' best val_mae; a time budget spent leaves trials not run
cat > "$out/r.conf" <<'CONF'
[experiment]
dataset = synth:small
[config]
max_epochs = 2
seed = 7
[search]
trials = 3
seeds = 2
batch_size = 16 | 32
CONF
"$SELFMI" search "$out/r.conf" --jobs 2 --out "$out/r" > /dev/null 2> "$out/r_log.txt" || fail "random, 2 seeds: exit $?"
[ "$(ls "$out/r/trials" | wc -l)" -eq 6 ] || fail "3 trials x 2 seeds: 6 runs"
[ -d "$out/r/trials/t001-s8" ] || fail "the second seed of a trial is [config]'s seed + 1"
best_val() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "\"val_mae\"" || $i == "val_mae") c = i; next }
                      c && (b == "" || $c + 0 < b) { b = $c + 0 } END { print b }' "$1"; }
want=$( (best_val "$out/r/trials/t002-s7/epochs.csv"; best_val "$out/r/trials/t002-s8/epochs.csv") |
       awk '{ s += $1 } END { printf "%.6f", s / 2 }')
got=$(awk -F, '$1 == 2 { printf "%.6f", $3 }' "$out/r/search.csv")
# epochs.csv holds 6 significant digits
awk -v a="$want" -v b="$got" 'BEGIN { d = a - b; exit !(b != "" && d < 2e-5 && d > -2e-5) }' ||
  fail "trial 2: val_mae $got, the mean of its seeds' best is $want"
sed -e 's/^trials = 3/trials = 40/' -e 's/^seeds = 2/seeds = 1\ntime_budget = 1s/' -e 's/^max_epochs = 2/max_epochs = 5/' \
    "$out/r.conf" > "$out/b.conf"
"$SELFMI" search "$out/b.conf" --jobs 1 --out "$out/b" > /dev/null 2> "$out/b_log.txt" || fail "time budget: exit $?"
grep -q "the time budget is spent" "$out/b_log.txt" || fail "time budget: not said"
grep -q '"not run"' "$out/b/search.csv" || fail "time budget: no trial left not run"
[ "$(wc -l < "$out/b/search.csv")" -eq 41 ] || fail "time budget: every trial has a row"

# --emit slurm (random search): one array task per trial run; tasks run by
# hand as Slurm would, then selfmi search keeps their runs and writes the
# search.csv a local search writes
if command -v bash > /dev/null; then
  "$SELFMI" search "$out/r.conf" --emit slurm --out "$out/sl" > "$out/emit.txt" 2>&1 || fail "--emit slurm: exit $?"
  [ -x "$out/sl/trials/grid.sbatch" ] || fail "no executable grid.sbatch"
  grep -q "^#SBATCH --array=0-5$" "$out/sl/trials/grid.sbatch" || fail "array of 6 runs (3 trials x 2 seeds)"
  grep -qx "sealed_test = true" "$out/sl/trials/configs/0.conf" || fail "array configs are not sealed"
  for i in 0 1 2 3 4 5; do
    SLURM_ARRAY_TASK_ID=$i SELFMI="$SELFMI" bash "$out/sl/trials/grid.sbatch" > "$out/task$i.txt" 2>&1 ||
      fail "array task $i: exit $?"
  done
  [ "$(find "$out/sl/trials" -name status -exec cat {} + | grep -c '^done$')" -eq 6 ] || fail "6 array runs done"
  "$SELFMI" search "$out/r.conf" --collect --out "$out/sl" > /dev/null 2> "$out/sl_log.txt" || fail "--collect after the array"
  grep -q "collecting: nothing trains" "$out/sl_log.txt" || fail "--collect does not say it trains nothing"
  cmp -s "$out/r/search.csv" "$out/sl/search.csv" || fail "the array's search.csv differs from the local one"
  # best.conf names its search's folder
  sed "s|$out/sl|$out/r|g" "$out/sl/best.conf" | cmp -s "$out/r/best.conf" - || fail "the array's best.conf differs from the local one"
  [ "$(find "$out/sl/trials" -name test.csv | wc -l)" -eq 0 ] || fail "array trials hold test.csv"
  # --collect before the runs: every trial not run, nothing trained
  "$SELFMI" search "$out/r.conf" --emit slurm --out "$out/sl0" > /dev/null 2>&1 || fail "--emit slurm again: exit $?"
  "$SELFMI" search "$out/r.conf" --collect --out "$out/sl0" > /dev/null 2> "$out/sl0_log.txt"
  [ $? -eq 1 ] || fail "--collect of nothing: exit 1 expected"
  [ "$(grep -c '"not run"' "$out/sl0/search.csv")" -eq 3 ] || fail "--collect of nothing: 3 trials not run"
  [ -z "$(ls "$out/sl0/trials" | grep '^t')" ] || fail "--collect trained a run"
  # halving: a driver job that runs the search rung by rung on Slurm
  "$SELFMI" search "$out/s.conf" --emit slurm --out "$out/sh" > "$out/emit2.txt" 2>&1 || fail "--emit slurm halving: exit $?"
  [ "$(cat "$out/emit2.txt")" = "$out/sh/search.sbatch" ] || fail "--emit slurm halving prints $(cat "$out/emit2.txt")"
  grep -q "search '.*/s.conf' --out '$out/sh' --slurm --wait$" "$out/sh/search.sbatch" ||
    fail "the driver does not run selfmi search --slurm --wait"
  "$SELFMI" search "$out/s.conf" --slurm --out "$out/sh" > "$out/emit3.txt" 2>&1
  [ $? -eq 2 ] && grep -q "use --slurm --wait" "$out/emit3.txt" || fail "--slurm without --wait of a halving search"
fi

# the time budget stops the trial that trains when it is spent: trial 0
# (early_stop 1) finishes, trial 1 (early_stop 100000 of 100000 epochs,
# far more than any processor trains in the budget) is stopped while it
# trains, trial 2 never starts; best.conf is trial 0
cat > "$out/tb.conf" <<'CONF'
[experiment]
dataset = synth:small
[config]
max_epochs = 100000
[search]
trials = 3
sample_seed = 4
early_stop = 1 | 100000
time_budget = 4s
CONF
"$SELFMI" search "$out/tb.conf" --jobs 1 --out "$out/tb" > /dev/null 2> "$out/tb_log.txt" || fail "budget: exit $?"
grep -q "running trials stop" "$out/tb_log.txt" || fail "budget: not said"
awk -F, '$1 == 0 && $6 == "\"done\""' "$out/tb/search.csv" | grep -q . || fail "budget: trial 0 not done"
row=$(awk -F, '$1 == 1 && $6 == "\"stopped by the budget\""' "$out/tb/search.csv")
ep=$(echo "$row" | cut -d, -f4)
[ -n "$row" ] && [ "$ep" -gt 0 ] && [ "$ep" -lt 100000 ] || fail "budget: trial 1 not stopped while training: $row"
[ "$(cat "$out/tb/trials/t001-s1111/status")" = cancelled ] || fail "budget: trial 1's run not stopped"
awk -F, '$1 == 2 && $6 == "\"not run\""' "$out/tb/search.csv" | grep -q . || fail "budget: trial 2 started"
grep -qx "early_stop = 1" "$out/tb/best.conf" || fail "budget: best.conf is not trial 0"
# the dashboard shows trial 1 as stopped by the budget (search.csv), not failed
printf '4' > "$out/keys"
"$SELFMI" "$out/tb.conf" --results "$out/tb" --script "$out/keys" --screen "$out/tb_screen.txt" --size 120x40 \
  --no-color > /dev/null 2>&1 || fail "dashboard on the budgeted search: exit $?"
grep -q '^ *[0-9]* *1 budget ' "$out/tb_screen.txt" || fail "budget: the dashboard does not show trial 1 stopped by it"
grep -q ' failed ' "$out/tb_screen.txt" && fail "budget: the dashboard calls a trial failed"

# bad input: file:line: key, exit 2
printf '[search]\nlr_text = loguniform(0, 1)\n' > "$out/bad.conf"
"$SELFMI" search "$out/bad.conf" > "$out/bad.txt" 2>&1
[ $? -eq 2 ] || fail "bad [search]: exit 2 expected"
grep -q "bad.conf:2: key 'lr_text': loguniform needs 0 < a < b" "$out/bad.txt" || fail "bad [search]: message"
printf '[config]\nseed = 1\n' > "$out/none.conf"
"$SELFMI" search "$out/none.conf" > "$out/none.txt" 2>&1
[ $? -eq 2 ] || fail "no [search]: exit 2 expected"
exit 0
