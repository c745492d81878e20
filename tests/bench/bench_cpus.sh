#!/bin/sh
# bench_cpus.sh: the LSTM benchmark shape (B=32 T=375 F=20 H=64) and a
# `synth --preset mosi` epoch once per SIMD level of selfmi's kernels
# (SELFMI_ISA, forced) and once per OpenBLAS kernel (OPENBLAS_CORETYPE:
# Prescott, Haswell, and SkylakeX where the processor has AVX-512), in one
# table, so a run on one machine shows what other processors would get.
# The SIMD-level rows run with the OpenBLAS kernel selfmi itself chooses
# (`selfmi info --machine`). Each row's LSTM rate is compared with three
# sgemm rates: its own row's, the best here, and that of the OpenBLAS
# kernel of the same instruction set (Prescott: SSE2, Haswell: AVX2+FMA,
# SkylakeX: AVX-512), the fair reference for a level without wider vectors
# or FMA. Run by `make bench`; not a test. Timings are the best of repeats
# (LSTM) and the mean of epochs 2 and 3 (epoch).
set -e
: "${SELFMI:=./selfmi}"
: "${BENCH_LSTM:=./tests/bench/bench_lstm}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 LC_ALL=C
unset SELFMI_ISA SELFMI_BLAS_CORE OPENBLAS_CORETYPE
work=$(mktemp -d "${TMPDIR:-/tmp}/selfmi-bench-cpus-XXXXXX")
trap 'rm -rf "$work"' EXIT

"$SELFMI" info --machine > "$work/machine" || true
echo "command: make bench (tests/bench/bench_cpus.sh)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
sed 's/^/  /' "$work/machine"
det=$(sed -n 's/^simd *\([a-z0-9]*\) detected.*/\1/p' "$work/machine")
own=$(sed -n 's/^blas core *\([A-Za-z0-9]*\):.*/\1/p' "$work/machine")
case $det in avx512) levels="sse2 avx2 avx512" ;; avx2) levels="sse2 avx2" ;; *) levels="$det" ;; esac
cores="Prescott Haswell"
grep -qw avx512f /proc/cpuinfo 2>/dev/null && cores="$cores SkylakeX"
grep -qw avx2 /proc/cpuinfo 2>/dev/null || cores="Prescott"

"$SELFMI" synth --preset mosi --seed 1 "$work/synth-mosi" > /dev/null

# one row: $1 = SELFMI_ISA ("" = detected), $2 = OPENBLAS_CORETYPE ("" = own choice)
row() {
    isa=$1 core=$2
    env ${isa:+SELFMI_ISA=$isa} ${core:+OPENBLAS_CORETYPE=$core} "$BENCH_LSTM" 0.3 32 375 20 64 > "$work/lstm"
    sgemm=$(sed -n 's/^sgemm 512x512x512: \([0-9.]*\).*/\1/p' "$work/lstm")
    kern=$(sed -n 's/^lstm kernels: \([a-z0-9]*\).*/\1/p' "$work/lstm")
    bcore=$(sed -n 's/^blas: .*, core \([A-Za-z0-9]*\).*/\1/p' "$work/lstm")
    set -- $(tail -n 1 "$work/lstm")
    fwd=$6 bwd=$7 gf=$9
    rm -rf "$work/r"
    env ${isa:+SELFMI_ISA=$isa} ${core:+OPENBLAS_CORETYPE=$core} "$SELFMI" train "$work/synth-mosi" --preset mosi \
        --quiet --set max_epochs=3 --out "$work/r" --run-id e > /dev/null
    ep=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { gsub(/"/, "", $i); c[$i] = i } next }
                  NR > 2 { s += $c["seconds"]; n++ } END { printf "%.3f", n ? s / n : 0 }' "$work/r/e/epochs.csv")
    echo "$kern $bcore $sgemm $fwd $bwd $gf $ep" >> "$work/rows"
}
for l in $levels; do row "$l" "$own"; done
for c in $cores; do [ "$c" = "$own" ] || row "" "$c"; done

best=$(awk '$3 > b { b = $3 } END { print b }' "$work/rows")
echo
echo "LSTM B=32 T=375 F=20 H=64 (forward + backward) and a synth --preset mosi epoch, one thread;"
echo "% sgemm: of that row's own sgemm rate; % best: of the best sgemm rate here ($best GFLOP/s);"
echo "% level: of the sgemm rate of the OpenBLAS kernel of the row's SIMD level (Prescott for sse2,"
echo "Haswell for avx2, SkylakeX for avx512; - when not measured here)"
printf "%-8s %-10s %8s %8s %8s %8s %7s %7s %7s %9s\n" simd "blas core" "sgemm" "fwd ms" "bwd ms" "GFLOP/s" "% sgemm" \
    "% best" "% level" "epoch s"
awk -v b="$best" '
    { row[NR] = $0; if ($3 > rate[$2]) rate[$2] = $3 }
    END {
        core["sse2"] = "Prescott"; core["avx2"] = "Haswell"; core["avx512"] = "SkylakeX"
        for (i = 1; i <= NR; i++) {
            split(row[i], f, " ")
            lv = rate[core[f[1]]]
            printf "%-8s %-10s %8.1f %8.2f %8.2f %8.1f %6.1f%% %6.1f%% %7s %9.3f\n", f[1], f[2], f[3], f[4], f[5],
                   f[6], 100 * f[6] / f[3], 100 * f[6] / b, lv ? sprintf("%6.1f%%", 100 * f[6] / lv) : "-", f[7]
        }
    }' "$work/rows"
