#!/bin/sh
# grid_errors.sh: bad experiments and options are refused with exit status 2
# and a message naming the file, line and key; nothing is run.
set -u
out=$(mktemp -d "$top_builddir/grid_errors.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; cat "$out/err.txt" 2>/dev/null; exit 1; }
expect() { # expect MESSAGE ARGS...: exit 2 and MESSAGE on stderr
  msg=$1; shift
  "$SELFMI" grid "$@" > "$out/out.txt" 2> "$out/err.txt"
  rc=$?
  [ $rc -eq 2 ] || fail "grid $*: exit $rc, expected 2"
  grep -qF -- "$msg" "$out/err.txt" || fail "grid $*: expected '$msg'"
}
printf '[config]\nmax_epochs = 3\nlearn_rate = 2\n' > "$out/a.conf"
expect "a.conf:3" "$out/a.conf" --out "$out/res"
expect "learn_rate" "$out/a.conf" --out "$out/res"
printf '[grid]\ntasks = M | M,Q\n' > "$out/b.conf"
expect "b.conf:2" "$out/b.conf" --out "$out/res"
printf '[grid]\nseed = 1 | | 2\n' > "$out/c.conf"
expect "empty value" "$out/c.conf" --out "$out/res"
printf 'dataset = no/such/dir\n' > "$out/d.conf"
expect "no/such/dir" "$out/d.conf" --out "$out/res"
expect "no dataset no/such/dir: make it with \`selfmi import csv FEATURES.csv no/such/dir\`" "$out/d.conf" --out "$out/res"
printf 'dataset = data/synth-sims\n' > "$out/e.conf"
expect "make it with \`selfmi synth --preset sims data/synth-sims\`" "$out/e.conf" --out "$out/res"
printf 'dataset = synth:small\n' > "$out/ok.conf"
expect "--jobs" "$out/ok.conf" --jobs 0
expect "expected KEY=VALUE" "$out/ok.conf" --set max_epochs
expect "max_epochs" "$out/ok.conf" --set max_epochs=-1
expect "--emit" "$out/ok.conf" --emit pbs
expect "cannot open" "$out/missing.conf"
expect "missing EXPERIMENT"
[ ! -e "$out/res" ] || fail "a refused grid created its results root"
"$SELFMI" grid --help | grep -q "Usage: selfmi grid" || fail "--help"
# points that resolve to the same configuration are listed (and run) once,
# in grid order
printf 'dataset = synth:small\n[grid]\nseed = 1..3\nlabels = mi | mm | mi\n' > "$out/dup.conf"
"$SELFMI" grid "$out/dup.conf" --list > "$out/out.txt" 2> "$out/err.txt" || fail "grid --list with repeats"
[ "$(wc -l < "$out/out.txt")" -eq 6 ] || fail "6 distinct points of 9: $(cat "$out/out.txt")"
grep -qF "3 grid points repeat another point's configuration and run once" "$out/err.txt" || fail "repeats counted"
[ "$(cut -f1 "$out/out.txt" | sort -u | wc -l)" -eq 6 ] || fail "ids distinct"
[ "$(cut -f2 "$out/out.txt" | tr '\n' ' ')" = "seed=1 labels=mi seed=1 labels=mm seed=2 labels=mi seed=2 labels=mm seed=3 labels=mi seed=3 labels=mm " ] ||
  fail "grid order kept: $(cut -f2 "$out/out.txt" | tr '\n' ' ')"
exit 0
