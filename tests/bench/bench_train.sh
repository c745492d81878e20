#!/bin/sh
# bench_train.sh: training speed, one thread: seconds per epoch and peak
# memory on `synth --preset mosi` and on the real MOSI features, the time of
# a whole 5-seed mosi-bclstm run set, and, when python3-torch is installed,
# the same architecture in PyTorch on the same data (torch_ref.py).
# Run by `make bench`; not a test.
set -e
: "${SELFMI:=./selfmi}"
: "${top_srcdir:=..}"
: "${PYTHON3:=/usr/bin/python3}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 LC_ALL=C
work=$(mktemp -d "${TMPDIR:-/tmp}/selfmi-bench-train-XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "command: make bench (tests/bench/bench_train.sh)"
echo "machine: $(getconf _NPROCESSORS_ONLN) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"

# epochs.csv's seconds column: mean over epochs after the first
epoch_mean() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { gsub(/"/, "", $i); c[$i] = i } next }
             NR > 2 { s += $c["seconds"]; n++ } END { printf "%.3f", n ? s / n : 0 }' "$1"
}

"$SELFMI" synth --preset mosi --seed 1 "$work/synth-mosi" >/dev/null
/usr/bin/time -f "%M" -o "$work/mem" "$SELFMI" train "$work/synth-mosi" --preset mosi --quiet \
    --set max_epochs=4 --out "$work/r" --run-id synth >/dev/null
echo "synth --preset mosi (1284 train samples; lengths up to 50/500/375):"
echo "  $(epoch_mean "$work/r/synth/epochs.csv") s per epoch (target <= 1.0 s), peak RSS $(($(cat "$work/mem") / 1024)) MiB"

csv="$top_srcdir/../shared/data/mosi-bclstm/mosi_utterance_features.csv"
if [ -f "$csv" ]; then
    "$SELFMI" import csv "$csv" "$work/mosi-bclstm" --split poria2017_split --valid-from test:0.33 >/dev/null 2>&1
    /usr/bin/time -f "%M" -o "$work/mem" "$SELFMI" train "$work/mosi-bclstm" --quiet --out "$work/r" \
        --run-id bclstm >/dev/null
    echo "mosi-bclstm (1444 train samples, utterance vectors):"
    echo "  $(epoch_mean "$work/r/bclstm/epochs.csv") s per epoch, peak RSS $(($(cat "$work/mem") / 1024)) MiB"
    t0=$(date +%s.%N)
    for s in 1111 1112 1113 1114 1115; do
        "$SELFMI" train "$work/mosi-bclstm" --seed $s --quiet --out "$work/set" >/dev/null
    done
    t1=$(date +%s.%N)
    echo "  5-seed run set with early stopping, one after another: $(echo "$t1 - $t0" | bc) s (target < 3 s)"
    if "$PYTHON3" -c 'import torch' 2>/dev/null; then
        "$PYTHON3" "$top_srcdir/tests/bench/torch_ref.py" "$work/mosi-bclstm" "$SELFMI" 4
        "$PYTHON3" "$top_srcdir/tests/bench/torch_ref.py" "$work/synth-mosi" "$SELFMI" 3
    else
        echo "python3-torch not installed: no PyTorch comparison"
    fi
else
    echo "mosi-bclstm: $csv absent, skipped"
fi
