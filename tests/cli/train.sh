#!/bin/sh
# train.sh: `selfmi train` end to end on the built-in synthetic data: the
# results directory, determinism by seed, learning beyond the mean
# predictor, every label generator, exit codes and messages.
work=$(mktemp -d "$top_builddir/tmp-train-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# one run, twice with the same seed, once with another
for r in a b; do
    "$SELFMI" train synth:small --seed 1111 --out "$work/$r" --run-id run \
        >"$work/$r.out" 2>"$work/$r.err" || { cat "$work/$r.err"; fail "train $r"; }
done
"$SELFMI" train synth:small --seed 1112 --out "$work/c" --run-id run --quiet >"$work/c.out" || fail "train c"
cat "$work/a.out"
for f in run.conf status epochs.csv labels.csv test.csv predictions.csv checkpoint; do
    [ -s "$work/a/run/$f" ] || fail "$f missing"
done
[ "$(cat "$work/a/run/status")" = done ] || fail "status is not done"
for f in labels.csv test.csv predictions.csv checkpoint run.conf; do
    cmp -s "$work/a/run/$f" "$work/b/run/$f" || fail "$f differs for the same seed"
done
# epochs.csv: identical apart from the timing column (2: seconds)
cut -d, -f1,3- "$work/a/run/epochs.csv" >"$work/ea"
cut -d, -f1,3- "$work/b/run/epochs.csv" >"$work/eb"
cmp -s "$work/ea" "$work/eb" || fail "epochs.csv differs beyond its timing column"
cmp -s "$work/a/run/test.csv" "$work/c/run/test.csv" && fail "another seed gives the same test.csv"
cmp -s "$work/a/run/labels.csv" "$work/c/run/labels.csv" && fail "another seed gives the same labels.csv"

# one progress line per epoch, and the test table on stdout
n_ep=$(($(wc -l <"$work/a/run/epochs.csv") - 1))
n_lines=$(grep -c '^epoch ' "$work/a.err")
[ "$n_ep" -ge 2 ] && [ "$n_ep" = "$n_lines" ] || fail "epochs: $n_ep rows, $n_lines progress lines"
grep -q "Acc2 has0/non0" "$work/a.out" || fail "no test table"
grep -q "^epoch" "$work/a.out" && fail "progress on stdout"

# learning: the best validation MAE is well below the mean predictor's
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { gsub(/"/, "", $i); c[$i] = i } next }
         { best = $c["best_val_mae"]; base = $c["val_mae_baseline"] }
         END { printf "best validation MAE %.4f, mean predictor %.4f\n", best, base;
               exit !(best < 0.9 * base) }' "$work/a/run/epochs.csv" || fail "did not beat the mean predictor by 10%"
# u-label agreement with the true unimodal sentiments is reported
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { gsub(/"/, "", $i); c[$i] = i } next }
         { v = $c["ul_corr_t"] } END { exit !(v > 0 && v <= 1) }' "$work/a/run/epochs.csv" || fail "ul_corr_t"
# labels.csv: one row per training sample per epoch
[ $(($(wc -l <"$work/a/run/labels.csv") - 1)) -eq $((240 * n_ep)) ] || fail "labels.csv rows"

# every generator and graph option runs to the end
for s in "labels=mm" "labels=none" "tasks=M" "tasks=M,T" "cpc_terms=w/o ma" "text_encoder=lstm" \
         "text_encoder=frozen" "text_encoder=mean" "head_depth=2" "ulg_input=scores" "ulg_input=concat" \
         "cpc_detach=true" "cpc_exclude_self=true" "drop_tail_group=true" "uweight=one"; do
    "$SELFMI" train synth:small --set "$s" --set max_epochs=3 --out "$work/opts" --quiet >/dev/null 2>"$work/opt.err" \
        || { cat "$work/opt.err"; fail "--set $s"; }
done
[ "$(ls "$work/opts" | wc -l)" -eq 15 ] || fail "15 option runs expected in distinct directories"

# bad input: exit 2 with a message that names the problem
"$SELFMI" train synth:small --set no_such_key=1 --out "$work/bad" 2>"$work/err"; [ $? -eq 2 ] || fail "unknown key: exit 2"
grep -q "no_such_key" "$work/err" && grep -q "lambda_cpc" "$work/err" || fail "unknown key message lists the keys"
"$SELFMI" train synth:small --set labels=xx --out "$work/bad" 2>"$work/err"; [ $? -eq 2 ] || fail "bad value: exit 2"
grep -q "mi" "$work/err" && grep -q "none" "$work/err" || fail "bad value message lists the values"
"$SELFMI" train "$work/no-such-dir" --out "$work/bad" 2>"$work/err"; [ $? -eq 2 ] || fail "missing dataset: exit 2"
grep -q "no-such-dir" "$work/err" || fail "missing dataset named"
[ -e "$work/bad" ] && [ -n "$(ls "$work/bad")" ] && fail "bad input left a run directory"
"$SELFMI" train 2>/dev/null; [ $? -eq 2 ] || fail "no argument: exit 2"
"$SELFMI" train --help | grep -q "Usage: selfmi train" || fail "--help"

# batch_size above the training-set size (240 samples): one batch of them
# all, the same run as batch_size = 240, without memory for 100000 samples
limit=
(ulimit -v 3000000 && "$SELFMI" --version) >/dev/null 2>&1 && limit="ulimit -v 3000000;"   # not under ASan
sh -c "$limit \"\$0\" \"\$@\"" "$SELFMI" train synth:small --set max_epochs=1 --set batch_size=100000 \
    --out "$work/bs" --run-id big 2>"$work/err" >/dev/null || { cat "$work/err"; fail "batch_size 100000"; }
grep -q "batch_size 100000 is more than the 240 training samples: one batch of 240 per epoch" "$work/err" ||
    fail "batch_size clamping noted"
"$SELFMI" train synth:small --set max_epochs=1 --set batch_size=240 --out "$work/bs" --run-id whole --quiet \
    >/dev/null || fail "batch_size 240"
cmp -s "$work/bs/big/predictions.csv" "$work/bs/whole/predictions.csv" || fail "batch_size 100000 differs from 240"

# divergence: a NaN stops the run as failed, with where it happened
"$SELFMI" train synth:small --set inject_nan_epoch=2 --out "$work/nan" --run-id r 2>"$work/err" >/dev/null
[ $? -eq 1 ] || fail "NaN: exit 1"
grep -q "failed: non-finite loss at epoch 2 batch 1" "$work/nan/r/status" || fail "NaN status: $(cat "$work/nan/r/status")"
[ $(($(wc -l <"$work/nan/r/epochs.csv") - 1)) -eq 1 ] || fail "the epoch before the NaN is kept"

# a CPC term switched off is logged as 0 (selfmi-results(5)), the others not
"$SELFMI" train synth:small --set max_epochs=2 --set cpc_terms=ma,mv --out "$work/cpc" --run-id r --quiet \
    >/dev/null 2>"$work/err" || { cat "$work/err"; fail "cpc_terms = ma,mv"; }
awk -F, 'NR == 1 { gsub(/"/, ""); for (i = 1; i <= NF; i++) c[$i] = i; next }
         $c["cpc_mt"] != 0 || $c["cpc_ma"] == 0 || $c["cpc_mv"] == 0 { bad = 1 }
         END { exit bad }' "$work/cpc/r/epochs.csv" || fail "cpc_mt is not 0 with the term off: $(cat "$work/cpc/r/epochs.csv")"
exit 0
