#!/bin/sh
# blas_core.sh: `selfmi info --machine` describes the machine; the BLAS
# kernel choice respects OPENBLAS_CORETYPE and SELFMI_BLAS_CORE=off, runs a
# named kernel through a fresh image and its reference check, refuses a
# kernel the processor cannot run.
fail() { echo "FAIL: $*"; exit 1; }
unset OPENBLAS_CORETYPE SELFMI_BLAS_CORE SELFMI_BLAS_FROM
"$SELFMI" info --machine >out.$$ || { cat out.$$; rm -f out.$$; fail "info --machine"; }
m=$(cat out.$$); rm -f out.$$
echo "$m"
for k in cpu simd blas "blas core" "blas check   passed" sgemm "denormals    flushed"; do
    echo "$m" | grep -q "^$k" || fail "no '$k' line"
done
core=$(echo "$m" | sed -n 's/^blas core    \([A-Za-z0-9]*\):.*/\1/p')
case $core in "" | unknown) echo "not OpenBLAS with core names: the kernel choice is not tested"; exit 0 ;; esac

m=$(OPENBLAS_CORETYPE=Prescott "$SELFMI" info --machine) || fail "info with OPENBLAS_CORETYPE"
echo "$m" | grep -q "^blas core    Prescott: set by OPENBLAS_CORETYPE=Prescott" || fail "the user's core: $m"

# OpenBLAS's own choice, which the default run may have replaced
m=$(SELFMI_BLAS_CORE=off "$SELFMI" info --machine) || fail "info with SELFMI_BLAS_CORE=off"
own=$(echo "$m" | sed -n "s/^blas core    \([A-Za-z0-9]*\): OpenBLAS's own choice (SELFMI_BLAS_CORE=off)\$/\1/p")
[ -n "$own" ] || fail "off: $m"

# a named kernel other than OpenBLAS's own runs through a fresh image
named=Prescott
[ "$own" = Prescott ] && named=Haswell
if [ $named = Prescott ] || grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    m=$(SELFMI_BLAS_CORE=$named "$SELFMI" info --machine) || fail "info with SELFMI_BLAS_CORE=$named"
    echo "$m" | grep -q "^blas core    $named: set by SELFMI_BLAS_CORE in place of OpenBLAS's $own (reference check passed)" ||
        fail "a named core: $m"
fi
# naming OpenBLAS's own kernel changes nothing, and says so
m=$(SELFMI_BLAS_CORE=$own "$SELFMI" info --machine) || fail "info with SELFMI_BLAS_CORE=$own"
echo "$m" | grep -q "^blas core    $own: set by SELFMI_BLAS_CORE (OpenBLAS's own choice too)" || fail "the own core named: $m"

if ! grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    m=$(SELFMI_BLAS_CORE=SkylakeX "$SELFMI" info --machine) || fail "info with SkylakeX"
    echo "$m" | grep -q "cannot run SkylakeX" || fail "an AVX-512 kernel on a processor without it: $m"
fi
exit 0
