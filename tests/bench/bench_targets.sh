#!/bin/sh
# bench_targets.sh: the speed targets, each measured in this one run, one
# thread per run, in the default environment (the OpenBLAS kernel and SIMD
# level selfmi chooses itself), printed as one table with the machine and
# the load average and the sgemm rate at the start and the end. A user's
# OPENBLAS_CORETYPE is part of the default environment and is kept (selfmi
# respects it); the best sgemm rate is also measured without it:
#   synth --preset mosi epoch <= 1.0 s, and >= 40x PyTorch on that data;
#   LSTM forward + backward at B=32 T=375 F=20 H=64 >= 50 % of the best
#     single-core sgemm rate measured here, at every SIMD level;
#   the 5-seed set on the real MOSI features (seeds 1111-1115, one run
#     after another) < 3 s, and >= 8x PyTorch on that data;
#   the Table 5 grid (experiments/ablation-tasks-bclstm.conf, 40 runs)
#     < 12 s with --jobs 2.
# PyTorch rows are skipped (and say so) without python3-torch, the MOSI rows
# when data/mosi-bclstm has not been imported. Times are the best of
# BENCH_REPEATS runs (default 3; the grid: 2); an epoch is the median of a
# run's epochs after the first; a PyTorch ratio compares the best epochs
# after the first of each (3 epochs on synth mosi, 8 on real MOSI), both
# on one core (torch_ref.py). Run by `make bench-targets` and `make
# bench`; not a test.
set -e
: "${SELFMI:=./selfmi}"
: "${BENCH_LSTM:=./tests/bench/bench_lstm}"
: "${top_srcdir:=..}"
: "${PYTHON3:=/usr/bin/python3}"
: "${BENCH_REPEATS:=3}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 LC_ALL=C
unset SELFMI_ISA SELFMI_BLAS_CORE
user_core=${OPENBLAS_CORETYPE:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/selfmi-bench-targets-XXXXXX")
trap 'rm -rf "$work"' EXIT
load0=$(cut -d' ' -f1-3 /proc/loadavg)
data=$top_srcdir/data/mosi-bclstm
grid=$top_srcdir/experiments/ablation-tasks-bclstm.conf
: > "$work/rows"
: > "$work/cmds"

# row NAME MEASURED GOAL VERDICT: one line of the table
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$work/rows"; }
cmd() { echo "  $*" >> "$work/cmds"; }
# verdict VALUE OP LIMIT: pass or short
verdict() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {
    ok = (op == "<=") ? v <= l : (op == "<") ? v < l : v >= l; print ok ? "pass" : "short" }'; }
best() { sort -g | head -n 1; }
median_epoch() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { gsub(/"/, "", $i); c[$i] = i } next }
             NR > 2 { print $c["seconds"] }' "$1" | sort -g | awk '{ v[NR] = $1 } END {
             if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

"$SELFMI" info --machine > "$work/machine" || true
# the kernel OpenBLAS or selfmi would choose without the user's setting
if [ -n "$user_core" ]; then
    env -u OPENBLAS_CORETYPE "$SELFMI" info --machine > "$work/machine-auto" || true
else
    : > "$work/machine-auto"
fi
det=$(sed -n 's/^simd *\([a-z0-9]*\) detected.*/\1/p' "$work/machine")
# bench_lstm runs on the OpenBLAS kernel selfmi itself chooses (it does not choose one)
own=$(sed -n 's/^blas core *\([A-Za-z0-9]*\):.*/\1/p' "$work/machine")
case $det in avx512) levels="sse2 avx2 avx512" ;; avx2) levels="sse2 avx2" ;; *) levels="$det" ;; esac

# synth --preset mosi: epoch time
"$SELFMI" synth --preset mosi --seed 1 "$work/synth-mosi" > /dev/null
c="$SELFMI train SYNTH --preset mosi --quiet --set max_epochs=5 --out OUT --run-id e"
cmd "$SELFMI synth --preset mosi --seed 1 SYNTH"
cmd "$c   (x$BENCH_REPEATS; median of epochs 2-5, best run)"
for i in $(seq "$BENCH_REPEATS"); do
    rm -rf "$work/r"
    "$SELFMI" train "$work/synth-mosi" --preset mosi --quiet --set max_epochs=5 --out "$work/r" --run-id e > /dev/null
    median_epoch "$work/r/e/epochs.csv"
done | best > "$work/ep"
ep=$(cat "$work/ep")
row "synth --preset mosi epoch" "$(printf '%.3f s' "$ep")" "<= 1.0 s" "$(verdict "$ep" '<=' 1.0)"

# torch_row NAME DATASET SHOWN EPOCHS RATIO: torch_ref.py's ratio (PyTorch's
# epoch over selfmi's, both shown) against RATIO, or a skipped row
torch_row() {
    if ! "$PYTHON3" -c 'import torch' 2> /dev/null; then
        row "$1" "skipped" ">= $5x" "no python3-torch"
        return
    fi
    cmd "$PYTHON3 tests/bench/torch_ref.py $3 $SELFMI $4"
    "$PYTHON3" "$top_srcdir/tests/bench/torch_ref.py" "$2" "$SELFMI" "$4" > "$work/torch"
    r=$(sed -n 's/^ *ratio *\([0-9.]*\)x.*/\1/p' "$work/torch")
    row "$1" "${r}x ($(sed -n 's/^ *\(selfmi\|pytorch\) *\([0-9.]*\) s.*/\2/p' "$work/torch" | paste -sd/) s)" \
        ">= $5x" "$(verdict "$r" '>=' "$5")"
}
torch_row "PyTorch / selfmi, synth mosi" "$work/synth-mosi" SYNTH 3 40

# LSTM at each SIMD level against the best sgemm rate measured here
for l in $levels; do
    cmd "SELFMI_ISA=$l ${own:+OPENBLAS_CORETYPE=$own }$BENCH_LSTM 0.5 32 375 20 64   (x$BENCH_REPEATS, best)"
    for i in $(seq "$BENCH_REPEATS"); do
        env SELFMI_ISA=$l ${own:+OPENBLAS_CORETYPE=$own} "$BENCH_LSTM" 0.5 32 375 20 64 > "$work/lstm"
        sg=$(sed -n 's/^sgemm 512x512x512: \([0-9.]*\).*/\1/p' "$work/lstm")
        set -- $(tail -n 1 "$work/lstm")
        echo "$l $sg $9"
    done >> "$work/lstm-all"
done
# the best of every sgemm rate measured here: bench_lstm's and selfmi info's
# (with and without the user's OPENBLAS_CORETYPE)
sgbest=$( (sed -n 's/^sgemm *\([0-9.]*\) GFLOP.*/x \1/p' "$work/machine" "$work/machine-auto"; cat "$work/lstm-all") |
    awk '$2 > b { b = $2 } END { print b }')
core=$(sed -n 's/^blas: .*, core \([A-Za-z0-9]*\).*/\1/p' "$work/lstm")
for l in $levels; do
    gf=$(awk -v l="$l" '$1 == l && $3 > b { b = $3 } END { print b }' "$work/lstm-all")
    pct=$(echo "scale=1; 100 * $gf / $sgbest" | bc)
    v=$(verdict "$pct" '>=' 50)
    [ "$l" = sse2 ] && [ "$v" = short ] && v="short (4 lanes, no FMA)"
    row "LSTM 32x375x20x64, $l" "$gf GFLOP/s = $pct %" ">= 50 % of $sgbest" "$v"
done

if [ -f "$data/label.csv" ]; then
    cmd "for s in 1111 1112 1113 1114 1115; do $SELFMI train data/mosi-bclstm --seed \$s --quiet --out OUT; done   (x$BENCH_REPEATS, best)"
    for i in $(seq "$BENCH_REPEATS"); do
        rm -rf "$work/set"
        t0=$(date +%s.%N)
        for s in 1111 1112 1113 1114 1115; do
            "$SELFMI" train "$data" --seed $s --quiet --out "$work/set" > /dev/null
        done
        t1=$(date +%s.%N)
        echo "$t1 - $t0" | bc
    done | best > "$work/set-t"
    t=$(cat "$work/set-t")
    row "5-seed set, real MOSI" "$(printf '%.2f s' "$t")" "< 3 s" "$(verdict "$t" '<' 3)"
    torch_row "PyTorch / selfmi, real MOSI" "$data" data/mosi-bclstm 8 8
    n=$BENCH_REPEATS
    [ "$n" -gt 2 ] && n=2
    cmd "$SELFMI grid experiments/ablation-tasks-bclstm.conf --jobs 2 --quiet --out OUT   (x$n, best)"
    for i in $(seq "$n"); do
        rm -rf "$work/grid"
        /usr/bin/time -f '%e %U %S' -o "$work/time" "$SELFMI" grid "$grid" --jobs 2 --quiet --out "$work/grid" > /dev/null
        cat "$work/time"
    done | sort -g | head -n 1 > "$work/grid-t"
    set -- $(cat "$work/grid-t")
    t=$1 cpu=$(echo "$2 + $3" | bc)
    row "Table 5 grid, 40 runs, --jobs 2" "$(printf '%.2f s (CPU %.1f s)' "$t" "$cpu")" "< 12 s" "$(verdict "$t" '<' 12)"
else
    for r in "5-seed set, real MOSI|< 3 s" "PyTorch / selfmi, real MOSI|>= 8x" "Table 5 grid, 40 runs, --jobs 2|< 12 s"; do
        row "${r%|*}" "skipped" "${r#*|}" "no data/mosi-bclstm"
    done
    echo "real MOSI rows skipped: import the features first, from the repository root:" > "$work/note"
    echo "  selfmi import csv ../shared/data/mosi-bclstm/mosi_utterance_features.csv data/mosi-bclstm \\" >> "$work/note"
    echo "      --split poria2017_split --valid-from test:0.33" >> "$work/note"
fi

echo "command: make bench-targets (tests/bench/bench_targets.sh), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(getconf _NPROCESSORS_ONLN) cores, $(uname -sr)"
echo "simd: $(sed -n 's/^simd *//p' "$work/machine"); blas core: $core (bench_lstm) / $(sed -n 's/^blas core *//p' "$work/machine")"
[ -s "$work/machine-auto" ] && echo "without OPENBLAS_CORETYPE=$user_core: $(sed -n 's/^blas core *//p' "$work/machine-auto"), sgemm" \
    "$(sed -n 's/^sgemm *\([0-9.]*\) GFLOP.*/\1/p' "$work/machine-auto") GFLOP/s"
sed -n 's/^\(blas\|sgemm\|denormals\) /\1 /p' "$work/machine" | sed 's/^/  /'
echo "load average (1, 5, 15 min): $load0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
# a shared or virtual machine changes speed under a benchmark: the sgemm
# rate again at the end, and every sgemm rate bench_lstm measured meanwhile
"$SELFMI" info --machine > "$work/machine-end" 2> /dev/null || true
echo "sgemm at the start $(sed -n 's/^sgemm *\([0-9.]*\) GFLOP.*/\1/p' "$work/machine"), at the end" \
    "$(sed -n 's/^sgemm *\([0-9.]*\) GFLOP.*/\1/p' "$work/machine-end"), in between" \
    "$(awk '{ print $2 }' "$work/lstm-all" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }') GFLOP/s"
echo
printf '%-34s %-28s %-16s %s\n' target measured goal result
awk -F'\t' '{ printf "%-34s %-28s %-16s %s\n", $1, $2, $3, $4 }' "$work/rows"
echo
echo "commands (SYNTH, OUT: temporary folders):"
cat "$work/cmds"
[ -f "$work/note" ] && cat "$work/note"
exit 0
