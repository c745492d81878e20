#!/bin/bash
# slurm_cluster.sh: grids on a real one-node Slurm cluster (Debian's
# slurm-wlm and munge), booted by slurm_lib.sh:
#   1. grid --emit slurm, submitted with plain sbatch: every task runs and
#      every run equals the local grid's, bytes and all;
#   2. grid --slurm --wait: the same, with progress, exit 0 and the table;
#   3. scontrol requeue of a task in the middle of its run: the run resumes
#      from its checkpoint and ends as an uninterrupted run;
#   4. scancel of a task in the middle of its run: --wait exits 1 naming
#      its log, selfmi report names it too, and the next submission
#      resumes the run to the same bytes;
#   5. a task that fails: its Slurm log is named by --wait and report.
# Skips (77) only when Slurm or munge is not installed.
set -u
SLURM_TEST=slurm_cluster
. "$top_srcdir/tests/cli/slurm_lib.sh"

# the uninterrupted run the requeued and cancelled ones must equal, meanwhile
# about 12 epochs of 0.2 s: time for the requeue to land in the middle
printf '[experiment]\ndataset = synth:small\n[config]\nmax_epochs = 12\nearly_stop = 100\nseed = 7\nbatch_size = 2\ntext_hidden = 128\naudio_hidden = 128\nvideo_hidden = 128\n' > "$d/long-e.conf"
"$SELFMI" grid "$d/long-e.conf" --out "$d/ref" --quiet > /dev/null 2>&1 &
refpid=$!

# ---- 1. the emitted array, submitted by hand -------------------------------
step "1. the emitted array"
printf '[experiment]\ndataset = synth:small\n[config]\nmax_epochs = 2\n[grid]\nseed = 1111..1112\ncpc_terms = all | w/o mt\n[slurm]\ntime = 10\nmem = 200M\n' > "$d/e.conf"
"$SELFMI" grid "$d/e.conf" --jobs 2 --out "$d/local" --quiet > "$d/local.txt" 2>&1 || fail "local grid exit $?"
"$SELFMI" grid "$d/e.conf" --list | cut -f1 > "$d/ids.txt"
[ "$(wc -l < "$d/ids.txt")" -eq 4 ] || fail "4 runs expected"
"$SELFMI" grid "$d/e.conf" --emit slurm --out "$d/emit" > "$d/emit.txt" 2>&1 || fail "emit exit $?"
job=$(cd / && sbatch --parsable "$d/emit/grid.sbatch" 2> "$d/sbatch.txt") || fail "sbatch: $(cat "$d/sbatch.txt")"
job=${job%%;*}
wait_job "$job"
for id in $(cat "$d/ids.txt"); do
    [ "$(cat "$d/emit/$id/status" 2> /dev/null)" = done ] ||
        fail "run $id not done by the array: $(cat "$d"/emit/logs/"${job}"_*.out 2> /dev/null | head -n 5)"
    same "$id" "$d/local" "$d/emit"
done
[ "$(ls "$d/emit/logs/" | grep -c "^${job}_[0-3]\.out$")" -eq 4 ] || fail "4 task logs expected"
grep -q '^#SBATCH --time=10$' "$d/emit/grid.sbatch" || fail "[slurm] time not in the script"

# ---- 2. --slurm --wait -----------------------------------------------------
step "2. --slurm --wait"
"$SELFMI" grid "$d/e.conf" --slurm --wait --out "$d/sub" > "$d/wait.txt" 2> "$d/wait-err.txt" || fail "--slurm --wait exit $?"
grep -q "^selfmi grid: submitted job [0-9]*: 4 runs" "$d/wait-err.txt" || fail "no job id"
grep -q "4 done, 0 running, 0 pending, 0 failed" "$d/wait-err.txt" || fail "progress: $(cat "$d/wait-err.txt")"
for id in $(cat "$d/ids.txt"); do same "$id" "$d/local" "$d/sub"; done
"$SELFMI" report "$d/local" > "$d/report-local.txt" 2>&1 || fail "report local"
"$SELFMI" report "$d/sub" > "$d/report-sub.txt" 2>&1 || fail "report sub"
cmp -s "$d/report-local.txt" "$d/report-sub.txt" || fail "reports differ"
cmp -s "$d/report-local.txt" "$d/wait.txt" || fail "--wait's table is not the report"
# a second submission keeps the finished runs
"$SELFMI" grid "$d/e.conf" --slurm --wait --out "$d/sub" > /dev/null 2> "$d/wait2-err.txt" || fail "second --wait"
[ "$(cat "$d"/sub/logs/*.out | grep -c "already done")" -eq 4 ] || fail "a finished run was trained again"

# ---- 3. requeue in the middle of a run -------------------------------------
step "3. requeue in the middle of a run"
lid=$("$SELFMI" grid "$d/long-e.conf" --list | cut -f1)
wait "$refpid" || fail "local long run"
rq=$("$SELFMI" grid "$d/long-e.conf" --slurm --out "$d/rq" 2> "$d/rq-err.txt") || fail "--slurm exit $?"
[ -n "$rq" ] || fail "--slurm printed no job id"
epochs "$d/rq/$lid" 2
[ "$(cat "$d/rq/$lid/status")" = running ] || fail "the run ended before the requeue"
scontrol requeue "${rq}_0" > "$d/requeue.txt" 2>&1 || fail "scontrol requeue: $(cat "$d/requeue.txt")"
wait_job "$rq"
[ "$(cat "$d/rq/$lid/status")" = done ] || fail "the requeued run is not done: $(cat "$d"/rq/logs/*.out)"
grep -q "resumed from the checkpoint of epoch" "$d/rq/logs/${rq}_0.out" || fail "the requeued task did not resume"
same "$lid" "$d/ref" "$d/rq"

# ---- 4. scancel in the middle of a run, then the next submission -----------
step "4. scancel in the middle of a run"
"$SELFMI" grid "$d/long-e.conf" --slurm --wait --out "$d/cx" > /dev/null 2> "$d/cx-err.txt" &
waiter=$!
epochs "$d/cx/$lid" 2
cj=$(cut -d_ -f1 "$d/cx/logs/$lid.task")
scancel "${cj}_0" || fail "scancel"
wait "$waiter"
rc=$?
[ "$rc" -eq 1 ] || fail "--wait after scancel exit $rc, expected 1"
grep -q "Slurm log $d/cx/logs/${cj}_0.out" "$d/cx-err.txt" || fail "--wait does not name the log: $(cat "$d/cx-err.txt")"
"$SELFMI" report "$d/cx" > /dev/null 2> "$d/cx-report.txt"
grep -q "$lid: interrupted.*log $d/cx/logs/${cj}_0.out" "$d/cx-report.txt" ||
    fail "report does not name the log: $(cat "$d/cx-report.txt")"
"$SELFMI" grid "$d/long-e.conf" --slurm --wait --out "$d/cx" > /dev/null 2> "$d/cx2-err.txt" || fail "resubmission exit $?"
cj2=$(cut -d_ -f1 "$d/cx/logs/$lid.task")
grep -q "resumed from the checkpoint of epoch" "$d/cx/logs/${cj2}_0.out" || fail "the next submission did not resume"
same "$lid" "$d/ref" "$d/cx"

# ---- 5. a task whose run fails ---------------------------------------------
step "5. a task whose run fails"
printf '[experiment]\ndataset = synth:small\n[config]\nmax_epochs = 3\ninject_nan_epoch = 2\n' > "$d/nan.conf"
"$SELFMI" grid "$d/nan.conf" --slurm --wait --out "$d/nan" > /dev/null 2> "$d/nan-err.txt"
rc=$?
[ "$rc" -eq 1 ] || fail "--wait over a failing run exit $rc, expected 1"
nj=$(sed -n 's/^selfmi grid: submitted job \([0-9]*\).*/\1/p' "$d/nan-err.txt")
grep -q "non-finite loss.*Slurm log $d/nan/logs/${nj}_0.out" "$d/nan-err.txt" || fail "--wait: $(cat "$d/nan-err.txt")"
"$SELFMI" report "$d/nan" > /dev/null 2> "$d/nan-report.txt"
grep -q "failed: non-finite loss.*log $d/nan/logs/${nj}_0.out" "$d/nan-report.txt" ||
    fail "report: $(cat "$d/nan-report.txt")"
grep -q "non-finite loss" "$d/nan/logs/${nj}_0.out" || fail "the log does not hold the failure"
echo "slurm_cluster: $(($(date +%s) - t0)) s"
exit 0
