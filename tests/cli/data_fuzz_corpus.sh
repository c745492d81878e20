#!/bin/sh
# data_fuzz_corpus.sh: the data readers' fuzz targets over their seed
# corpora, once each (valid files, broken files, past crashes).
fail() { echo "FAIL: $*"; exit 1; }
for t in fuzz_npy fuzz_labelcsv fuzz_featcsv; do
    c=$top_srcdir/tests/fuzz/corpus/$t
    [ -d "$c" ] || fail "no corpus $c"
    "$top_builddir/tests/fuzz/${t}_smoke" "$c" || fail "$t over $c"
done
exit 0
