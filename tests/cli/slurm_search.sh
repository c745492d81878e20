#!/bin/bash
# slurm_search.sh: selfmi search on a real one-node Slurm cluster (booted
# by slurm_lib.sh), against the same search run locally:
#   1. random search, --slurm --wait: the local search.csv and best.conf;
#   2. halving, --slurm --wait: one array per rung, the survivors continued
#      from their checkpoints; the local search.csv and best.conf;
#   3. random search, --slurm alone, then --collect: the local search.csv;
#   4. halving's --emit slurm driver, submitted with plain sbatch: the
#      local search.csv;
#   5. the time budget: the array is cancelled, the trial it was training
#      is stopped by the budget, best.conf is the trial that finished.
# Skips (77) only when Slurm or munge is not installed.
set -u
SLURM_TEST=slurm_search
. "$top_srcdir/tests/cli/slurm_lib.sh"

# SAME A B: search.csv the same in A and B, best.conf too but for the
# search's folder it names
same_search() {
    cmp -s "$1/search.csv" "$2/search.csv" || fail "search.csv differs between $1 and $2"
    sed "s|$2|$1|g" "$2/best.conf" | cmp -s "$1/best.conf" - || fail "best.conf differs between $1 and $2"
}

printf '[experiment]\ndataset = synth:small\n[config]\nmax_epochs = 2\n[search]\ntrials = 4\nbatch_size = 16 | 32\nlr_other = loguniform(1e-4, 1e-2)\n[slurm]\ntime = 10\nmem = 200M\n' > "$d/r.conf"
cp "$top_srcdir/tests/cli/search-halving.conf" "$d/h.conf"
"$SELFMI" search "$d/r.conf" --jobs 2 --out "$d/rl" > /dev/null 2>&1 || fail "local random search: exit $?"
"$SELFMI" search "$d/h.conf" --jobs 2 --out "$d/hl" > /dev/null 2>&1 || fail "local halving search: exit $?"

# ---- 1. random search, --slurm --wait ---------------------------------------
step "1. random search, --slurm --wait"
"$SELFMI" search "$d/r.conf" --slurm --wait --out "$d/rs" > "$d/rs.txt" 2> "$d/rs-err.txt" || fail "--slurm --wait: exit $?"
grep -q "^selfmi search: submitted job [0-9]*: 4 runs" "$d/rs-err.txt" || fail "not one array of 4 runs"
grep -q "4 done, 0 running, 0 pending, 0 failed" "$d/rs-err.txt" || fail "progress: $(cat "$d/rs-err.txt")"
same_search "$d/rl" "$d/rs"
[ "$(find "$d/rs/trials" -name test.csv | wc -l)" -eq 0 ] || fail "Slurm trials hold test.csv"

# ---- 2. halving, --slurm --wait -------------------------------------------------
step "2. halving, --slurm --wait"
"$SELFMI" search "$d/h.conf" --slurm --wait --out "$d/hs" > "$d/hs.txt" 2> "$d/hs-err.txt" || fail "halving --slurm --wait: exit $?"
[ "$(grep -c "^selfmi search: submitted job" "$d/hs-err.txt")" -eq 3 ] || fail "not one array per rung"
grep -q "submitted job [0-9]*: 9 runs" "$d/hs-err.txt" && grep -q "submitted job [0-9]*: 3 runs" "$d/hs-err.txt" &&
  grep -q "submitted job [0-9]*: 1 runs" "$d/hs-err.txt" || fail "rungs of 9, 3 and 1 runs expected"
same_search "$d/hl" "$d/hs"
e9=$(ls "$d/hs/trials" | grep -- '-e9$')
grep -q "resumed from the checkpoint of epoch 3" "$d"/hs/trials/logs/*.out || fail "no survivor went on from its checkpoint"
grep -qx "from = ${e9%-e9}-e3" "$d/hs/trials/$e9/continued" || fail "$e9 did not continue its run of rung 3"
for f in labels.csv checkpoint; do
    cmp -s "$d/hl/trials/$e9/$f" "$d/hs/trials/$e9/$f" || fail "$e9/$f differs between the local and the Slurm search"
done

# ---- 3. random search, --slurm alone, then --collect --------------------------
step "3. --slurm, then --collect"
job=$("$SELFMI" search "$d/r.conf" --slurm --out "$d/rn" 2> "$d/rn-err.txt") || fail "--slurm: exit $?"
grep -q -- "--collect writes" "$d/rn-err.txt" || fail "--slurm does not say how to collect"
wait_job "$job"
"$SELFMI" search "$d/r.conf" --collect --out "$d/rn" > /dev/null 2>&1 || fail "--collect: exit $?"
same_search "$d/rl" "$d/rn"

# ---- 4. halving's driver job ------------------------------------------------------
step "4. the halving driver job"
drv=$("$SELFMI" search "$d/h.conf" --emit slurm --out "$d/hd" 2> "$d/hd-err.txt") || fail "--emit slurm: exit $?"
djob=$(cd / && sbatch --parsable "$drv" 2> "$d/sbatch.txt") || fail "sbatch: $(cat "$d/sbatch.txt")"
djob=${djob%%;*}
wait_job "$djob"
[ -f "$d/hd/search.csv" ] || fail "the driver wrote no search.csv: $(tail -n 5 "$d/hd/search-$djob.out")"
same_search "$d/hl" "$d/hd"
[ "$(grep -c "submitted job" "$d/hd/search-$djob.out")" -eq 3 ] || fail "the driver did not submit 3 rungs"

# ---- 5. the time budget --------------------------------------------------------
step "5. the time budget"
printf '[experiment]\ndataset = synth:small\n[config]\nmax_epochs = 100000\n[search]\ntrials = 3\nsample_seed = 4\nearly_stop = 1 | 100000\ntime_budget = 8s\n' > "$d/tb.conf"
"$SELFMI" search "$d/tb.conf" --slurm --wait --out "$d/tb" > /dev/null 2> "$d/tb-err.txt" || fail "budget: exit $?"
grep -q "the time budget is spent: job [0-9]* cancelled" "$d/tb-err.txt" || fail "budget: $(cat "$d/tb-err.txt")"
awk -F, '$1 == 0 && $6 == "\"done\""' "$d/tb/search.csv" | grep -q . || fail "budget: trial 0 not done"
row=$(awk -F, '$1 == 1 && $6 == "\"stopped by the budget\""' "$d/tb/search.csv")
ep=$(echo "$row" | cut -d, -f4)
[ -n "$row" ] && [ "$ep" -gt 0 ] && [ "$ep" -lt 100000 ] || fail "budget: trial 1 not stopped while training: $row"
grep -qx "early_stop = 1" "$d/tb/best.conf" || fail "budget: best.conf is not trial 0"
echo "slurm_search: $(($(date +%s) - t0)) s"
exit 0
