#!/bin/sh
# rel_disk.sh: a results directory that fills up (a small tmpfs), hits the
# file size limit (ulimit -f), is read-only (a read-only bind mount) or is
# a path under a file gives a clear error naming the file, a failed run
# status where one can be written, and no corrupted files
# (tests/cli/rel_check_dir.py). The mounts happen in a private mount
# namespace (unshare -m); without one those cases are skipped.
set -u
work=$(mktemp -d "$top_builddir/tmp-rel-disk-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
check() { "$PYTHON3" "$top_srcdir/tests/cli/rel_check_dir.py" "$@" || fail "corrupted files in $*"; }
set -- synth:small --set max_epochs=30 --set early_stop=100 --quiet

# a path under a file
: > "$work/file"
"$SELFMI" train "$@" --out "$work/file/res" > /dev/null 2> "$work/e1" && fail "results under a file"
[ $? -eq 2 ] || fail "results under a file: exit code"
grep -q "$work/file" "$work/e1" || fail "the path is not named: $(cat "$work/e1")"

# the file size limit: labels.csv outgrows it mid-run
( ulimit -f 40 && "$SELFMI" train "$@" --out "$work/fsize" --run-id r > /dev/null 2> "$work/e2" ); rc=$?
[ $rc -eq 1 ] || fail "file size limit: exit $rc: $(cat "$work/e2")"
grep -q "/fsize/r/[a-z.]*: \(append\|write\) failed" "$work/e2" || fail "file size limit message: $(cat "$work/e2")"
case "$(cat "$work/fsize/r/status")" in "failed: "*" failed"*) ;; *) fail "status: $(cat "$work/fsize/r/status")";; esac
ls -a "$work/fsize/r" | grep -q '\.tmp\.' && fail "a temporary file was left behind"
echo "file size limit: $(cat "$work/e2")"
check "$work/fsize"

if ! unshare -m true 2> /dev/null; then
    echo "no private mount namespace here: full-disk and read-only cases skipped"
    exit 0
fi
unshare -m sh -s "$work" "$SELFMI" "$PYTHON3" "$top_srcdir" <<'INNER' || exit 1
work=$1; SELFMI=$2; PYTHON3=$3; top_srcdir=$4
fail() { echo "FAIL: $*"; exit 1; }
set -- synth:small --set max_epochs=30 --set early_stop=100 --quiet
mount --make-rprivate / 2> /dev/null
# a full disk
mkdir -p "$work/full" && mount -t tmpfs -o size=48k tmpfs "$work/full" || { echo "no tmpfs: skipped"; exit 0; }
"$SELFMI" train "$@" --out "$work/full/res" --run-id r > /dev/null 2> "$work/e3"; rc=$?
[ $rc -eq 1 ] || fail "full disk: exit $rc: $(cat "$work/e3")"
grep -q "/full/res/r/[a-z.]*: .*\(No space left on device\|disk full\)" "$work/e3" || fail "full disk message: $(cat "$work/e3")"
case "$(cat "$work/full/res/r/status")" in "failed: "*) ;; *) fail "full disk status: $(cat "$work/full/res/r/status")";; esac
"$PYTHON3" "$top_srcdir/tests/cli/rel_check_dir.py" "$work/full/res" || fail "corrupted files on a full disk"
echo "full disk: $(cat "$work/e3")"
umount "$work/full"
# a read-only results root
mkdir -p "$work/ro" && mount --bind "$work/ro" "$work/ro" && mount -o remount,bind,ro "$work/ro" \
    || { echo "no read-only bind mount: skipped"; exit 0; }
"$SELFMI" train "$@" --out "$work/ro/res" > /dev/null 2> "$work/e4"; rc=$?
[ $rc -eq 2 ] || fail "read-only: exit $rc"
grep -q "$work/ro/res: cannot create directory: Read-only file system" "$work/e4" || fail "read-only message: $(cat "$work/e4")"
umount "$work/ro"
exit 0
INNER
exit 0
