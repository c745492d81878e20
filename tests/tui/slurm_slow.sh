#!/bin/sh
# slurm_slow.sh: with a Slurm array in the results root and an squeue that
# hangs (a stand-in that sleeps), the dashboard still answers every key at
# once: Slurm is asked from a thread of its own.
. "$top_srcdir/tests/tui/lib.sh"

mkdir -p bin res/logs
cat > bin/squeue <<'EOS'
#!/bin/sh
touch "$0.asked"
sleep 30
EOS
chmod +x bin/squeue
printf '0\tslow-run-a\n1\tslow-run-b\n' > res/logs/41.runs
PATH="$PWD/bin:$PATH"
export PATH
start_dash 100 30 --results res --jobs 1
wait_for "No runs yet" 30
deadline=$(( $(date +%s) + 20 ))
while [ ! -e bin/squeue.asked ] && [ "$(date +%s)" -le "$deadline" ]; do sleep 0.05; done
[ -e bin/squeue.asked ] || fail "squeue was not asked about job 41"
# squeue is asleep now: every key is answered within two seconds
for v in 4 5 1 2 1; do
    keys "$v"
    case $v in
    1) text="No runs yet" ;; 2) text="No run selected" ;; 4) text="No finished or running runs yet" ;;
    5) text="Nothing to compare" ;;
    esac
    wait_for "$text" 2
    wait_gone "no binding" 1
done
# quitting does not wait for squeue either
keys q
wait_for "AFTER-DASH rc=0" 5
terminal_restored
exit 0
