#!/bin/sh
# grid_readonly.sh: a grid over a results root it cannot write (a shared,
# read-only copy of someone's results) skips its done runs as done and
# prints their table, exit 0; it does not call them failed because their
# lock cannot be opened. Run as root, the second grid runs as nobody
# (setpriv), since permission bits do not bind root.
set -u
out=$(mktemp -d "$top_builddir/grid_readonly.XXXXXX") || exit 1
trap 'chmod -R u+w "$out"; rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; cat "$out/err.txt" "$out/out.txt" 2>/dev/null; exit 1; }
printf '[experiment]\ndataset = synth:small\n[config]\nmax_epochs = 1\n[grid]\nseed = 1..2\n' > "$out/g.conf"
"$SELFMI" grid "$out/g.conf" --out "$out/res" --quiet > /dev/null 2> "$out/err.txt" || fail "first grid"
chmod -R a-w "$out/res"
chmod -R a+rX "$out"
as=
if [ "$(id -u)" -eq 0 ]; then
    command -v setpriv > /dev/null || { echo "SKIP: root without setpriv"; exit 77; }
    # nobody must reach the build tree
    setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$SELFMI" ||
        { echo "SKIP: nobody cannot run $SELFMI"; exit 77; }
    as="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
$as "$SELFMI" grid "$out/g.conf" --out "$out/res" > "$out/out.txt" 2> "$out/err.txt"
rc=$?
[ $rc -eq 0 ] || fail "grid over a read-only root: exit $rc"
grep -q "0 done, 2 skipped (already done), 0 failed" "$out/err.txt" || fail "done runs not skipped as done"
grep -q "^all runs  2 " "$out/out.txt" || fail "the table of the two done runs"
exit 0
