#!/bin/sh
# grid_slurm.sh: --emit slurm writes one config per run and a job-array
# script; running an array task by hand (as Slurm would) trains that run
# into the same layout with the same bytes as selfmi grid, a second time it
# is skipped, and selfmi report reads the results.
set -u
out=$(mktemp -d "$top_builddir/grid_slurm.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; cat "$out"/*.txt 2>/dev/null; exit 1; }
command -v bash > /dev/null || { echo "bash not found"; exit 77; }
printf 'dataset = synth:small\nmax_epochs = 2\n[grid]\nseed = 1111..1112\ncpc_terms = all | w/o mt\n' > "$out/e.conf"
"$SELFMI" grid "$out/e.conf" --emit slurm --out "$out/s" > "$out/emit.txt" 2>&1 || fail "emit exit $?"
[ -x "$out/s/grid.sbatch" ] || fail "no executable grid.sbatch"
grep -q "^#SBATCH --array=0-3$" "$out/s/grid.sbatch" || fail "array range"
for i in 0 1 2 3; do [ -f "$out/s/configs/$i.conf" ] || fail "configs/$i.conf missing"; done
grep -q "^cpc_terms = w/o L_N^mt$" "$out/s/configs/1.conf" || fail "configs/1.conf is not point 1 (w/o mt)"
id=$("$SELFMI" grid "$out/e.conf" --list | sed -n 2p | cut -f1)
SLURM_ARRAY_TASK_ID=1 SELFMI="$SELFMI" bash "$out/s/grid.sbatch" > "$out/task.txt" 2>&1 || fail "task 1 exit $?"
[ "$(cat "$out/s/$id/status")" = done ] || fail "task 1 did not finish run $id"
SLURM_ARRAY_TASK_ID=1 SELFMI="$SELFMI" bash "$out/s/grid.sbatch" > "$out/task2.txt" 2>&1 || fail "task 1 again"
grep -q "already done" "$out/task2.txt" || fail "a done task should be skipped"
"$SELFMI" grid "$out/e.conf" --jobs 2 --out "$out/g" --quiet > /dev/null 2>&1 || fail "grid exit $?"
cmp -s "$out/s/$id/test.csv" "$out/g/$id/test.csv" || fail "array task and grid differ"
cmp -s "$out/s/$id/predictions.csv" "$out/g/$id/predictions.csv" || fail "predictions differ"
"$SELFMI" report "$out/s" > "$out/report.txt" 2>&1 || fail "report exit $?"
grep -q "1 runs (1 finished)" "$out/report.txt" || fail "report of the array results"
# the emitted script runs as Slurm runs it: logs/ exists before any task
[ -d "$out/s/logs" ] || fail "OUT/logs is not made when the script is written"
# usage and bad [slurm] values
"$SELFMI" grid "$out/e.conf" --wait --out "$out/w" > "$out/u1.txt" 2>&1
[ $? -eq 2 ] && grep -q -- "--wait goes with --slurm" "$out/u1.txt" || fail "--wait without --slurm"
"$SELFMI" grid "$out/e.conf" --slurm --emit slurm --out "$out/w" > "$out/u2.txt" 2>&1
[ $? -eq 2 ] || fail "--slurm with --emit"
printf '[experiment]\ndataset = synth:small\n[slurm]\ntime = 10\nmem = lots\n' > "$out/bad.conf"
"$SELFMI" grid "$out/bad.conf" --emit slurm --out "$out/w" > "$out/u3.txt" 2>&1
[ $? -eq 2 ] && grep -q "bad.conf:5: key 'mem'" "$out/u3.txt" || fail "a bad [slurm] value: $(cat "$out/u3.txt")"
# no sbatch on PATH: a clear error, nothing submitted
PATH=/nonexistent "$SELFMI" grid "$out/e.conf" --slurm --out "$out/w" > "$out/u4.txt" 2>&1
[ $? -eq 2 ] && grep -q "sbatch: cannot start" "$out/u4.txt" || fail "no sbatch: $(cat "$out/u4.txt")"
exit 0
