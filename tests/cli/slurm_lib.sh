# slurm_lib.sh: sourced by the tests that talk to Slurm (slurm_cluster.sh,
# slurm_search.sh): boots a real one-node Slurm cluster (Debian's
# slurm-wlm and munge) with its own munge key and socket, a slurm.conf of
# its own, free ports and state directories under the build tree, in $d;
# the daemons are stopped by their pids at exit, whatever happens. Exits 77
# (skip) when Slurm or munge is not installed. Gives the tests fail, step,
# deadline (LIMIT seconds, 180 unless set), wait_job, epochs and same.
set -u
# never the caller's cluster: every Slurm command here talks to ours
unset SLURM_CONF
for p in munged slurmctld slurmd sbatch squeue scancel scontrol sinfo python3; do
    command -v "$p" > /dev/null 2>&1 || { echo "SKIP: $p not found (apt-get install slurm-wlm munge)"; exit 77; }
done
d=$(mktemp -d "$top_builddir/${SLURM_TEST:-slurm}.XXXXXX") || exit 1
d=$(cd "$d" && pwd -P)
pids=""
cleanup() {
    # the cluster is ours alone: whatever it still runs is this test's
    if [ -n "${SLURM_CONF:-}" ] && [ "$SLURM_CONF" = "$d/slurm.conf" ]; then
        squeue -h -o %A 2> /dev/null | sort -u | xargs -r scancel 2> /dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do [ -z "$(squeue -h -o %A 2> /dev/null)" ] && break; sleep 0.3; done
    fi
    for p in $pids; do kill "$p" 2> /dev/null; done
    for p in $pids; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2> /dev/null || break; sleep 0.2; done
        kill -9 "$p" 2> /dev/null
    done
    # tasks the cluster may still have running: ours, found by their script
    for p in $(pgrep -f "$d/" 2> /dev/null); do kill -9 "$p" 2> /dev/null; done
    rm -rf "$d"
    [ "${short:-$d}" != "$d" ] && rm -rf "$short"
    return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
    echo "FAIL: $*"
    [ "${SLURM_CONF:-}" = "$d/slurm.conf" ] && squeue -r -o '%i %T %r %S %M' 2>&1
    for f in "$d"/*.txt "$d"/slurmctld.log "$d"/slurmd.log; do
        [ -f "$f" ] && { echo "== $f"; tail -n 30 "$f"; }
    done
    exit 1
}
t0=$(date +%s)
step() { echo "$(($(date +%s) - t0)) s: $*"; }
deadline() { [ $(($(date +%s) - t0)) -lt "${LIMIT:-180}" ] || fail "over ${LIMIT:-180} s: $*"; }

# ---- the cluster -------------------------------------------------------------
mkdir -p "$d/munge" "$d/ctld"
chmod 700 "$d/munge"
# unix sockets (munge's, slurmstepd's in the spool folder) have room for
# about 100 bytes of path: a deep build tree gets them in a private folder
# of its own under /tmp
short=$d
if [ ${#d} -gt 50 ]; then
    short=$(mktemp -d "${TMPDIR:-/tmp}/selfmi-slurm.XXXXXX") || fail "mktemp"
fi
sockdir=$short/msock
spool=$short/spool
mkdir -p "$sockdir" "$spool"
chmod 700 "$sockdir"
head -c 1024 /dev/urandom > "$d/munge/key"
chmod 400 "$d/munge/key"
munged --force --key-file="$d/munge/key" --socket="$sockdir/sock" --pid-file="$d/munge/pid" \
    --log-file="$d/munge/log" --seed-file="$d/munge/seed" --foreground > "$d/munged.txt" 2>&1 &
pids="$!"
read -r cport dport <<< "$(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')"
host=$(hostname -s)
: > "$d/plugstack.conf"
cat > "$d/slurm.conf" <<EOF
ClusterName=selfmitest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$cport
SlurmdPort=$dport
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sockdir/sock,cred_expire=5
CredType=cred/munge
StateSaveLocation=$d/ctld
SlurmdSpoolDir=$spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
PlugStackConfig=$d/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=1
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
KillWait=1
MinJobAge=60
MessageTimeout=10
NodeName=n1 NodeHostname=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=2000 State=UNKNOWN
PartitionName=test Nodes=n1 Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$d/slurm.conf"
for _ in $(seq 50); do [ -S "$sockdir/sock" ] && break; sleep 0.1; done
[ -S "$sockdir/sock" ] || fail "munged did not start"
slurmctld -D -c -f "$d/slurm.conf" > "$d/slurmctld.txt" 2>&1 &
pids="$pids $!"
slurmd -D -N n1 -f "$d/slurm.conf" > "$d/slurmd.txt" 2>&1 &
pids="$pids $!"
up=""
for _ in $(seq 100); do
    case "$(sinfo -h -n n1 -o %T 2> /dev/null)" in idle*) up=1; break ;; esac
    sleep 0.2
done
step "the cluster is up"
[ -n "$up" ] || fail "the node did not come up: $(sinfo -h -o '%T %E' 2>&1)"
export SELFMI

# wait_job JOB: until squeue lists no task of JOB
wait_job() {
    while [ -n "$(squeue -h -r -j "$1" -o %i 2> /dev/null)" ]; do deadline "job $1"; [ -n "${DEBUG_SQ:-}" ] && echo "$(date +%T) $(squeue -h -r -j "$1" -o '%i %T %r %S')"; sleep 0.3; done
}
# epochs RUNDIR N: until the run has logged N epochs
epochs() {
    local n=0
    until [ "$n" -ge "$2" ]; do
        deadline "$1: $2 epochs"
        n=$(($(wc -l 2> /dev/null < "$1/epochs.csv" || echo 1) - 1))
        sleep 0.1
    done
}
# same RUN A B: every results file of the run (epochs.csv without its
# seconds column) is the same in roots A and B
same() {
    for f in test.csv predictions.csv labels.csv run.conf status; do
        cmp -s "$2/$1/$f" "$3/$1/$f" || fail "$1/$f differs between $2 and $3"
    done
    cut -d, -f1,3- "$2/$1/epochs.csv" > "$d/ea.txt"
    cut -d, -f1,3- "$3/$1/epochs.csv" > "$d/eb.txt"
    [ -s "$d/ea.txt" ] && cmp -s "$d/ea.txt" "$d/eb.txt" || fail "$1/epochs.csv differs between $2 and $3"
}

