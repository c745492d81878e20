#!/bin/sh
# corpus_smoke.sh: runs every fuzz target's seed corpus (tests/fuzz/corpus/<target>/)
# once through its reader with the plain driver tests/fuzz/<target>_smoke.
set -u
n=0
for c in "$top_srcdir"/tests/fuzz/corpus/*/; do
    t=$(basename "$c")
    bin=$top_builddir/tests/fuzz/${t}_smoke
    if [ ! -x "$bin" ]; then
        echo "no driver $bin for the corpus $c"
        exit 1
    fi
    "$bin" "$c" || { echo "FAIL: $t over $c"; exit 1; }
    n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "no corpus under $top_srcdir/tests/fuzz/corpus"; exit 1; }
exit 0
