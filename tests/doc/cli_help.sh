#!/bin/sh
# cli_help.sh: GNU conventions for selfmi and every command: --help prints
# the usage on stdout and exits 0, --version's first line is
# "selfmi (selfmi) X.Y", bad usage prints a short hint on stderr (nothing on
# stdout) and exits 2.
set -u
mkdir -p "$top_builddir/tests/doc"
work=$(mktemp -d "$top_builddir/tests/doc/work.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

ver=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' "$top_builddir/config.h")
[ -n "$ver" ] || { echo "FAIL: no PACKAGE_VERSION in config.h"; exit 1; }

# every command, then selfmi itself ("" below)
for cmd in "" train grid report search info import "import csv" "import mmsa" synth; do
    name="selfmi${cmd:+ $cmd}"
    # --help
    $SELFMI $cmd --help > "$work/out" 2> "$work/err"; rc=$?
    [ $rc -eq 0 ] || bad "$name --help: exit $rc"
    [ -s "$work/err" ] && bad "$name --help wrote to stderr: $(head -n 2 "$work/err")"
    head -n 1 "$work/out" | grep -q '^Usage: selfmi' || bad "$name --help: first line is not 'Usage: selfmi ...'"
    grep -q -- '--help' "$work/out" || bad "$name --help does not list --help"
    # --version, alone and after other arguments
    for args in "--version" "x --version"; do
        [ -z "$cmd" ] && [ "$args" != --version ] && continue
        $SELFMI $cmd $args > "$work/out" 2> "$work/err"; rc=$?
        [ $rc -eq 0 ] || bad "$name $args: exit $rc"
        [ "$(head -n 1 "$work/out")" = "selfmi (selfmi) $ver" ] ||
            bad "$name $args: first line '$(head -n 1 "$work/out")', expected 'selfmi (selfmi) $ver'"
        [ -s "$work/err" ] && bad "$name $args wrote to stderr"
    done
    # an unknown option: a short hint on stderr, exit 2
    $SELFMI $cmd --no-such-option > "$work/out" 2> "$work/err" < /dev/null; rc=$?
    [ $rc -eq 2 ] || bad "$name --no-such-option: exit $rc, expected 2"
    [ -s "$work/out" ] && bad "$name --no-such-option wrote to stdout"
    grep -q "Try 'selfmi.*--help'" "$work/err" || bad "$name --no-such-option: no \"Try '... --help'\" hint: $(cat "$work/err")"
    [ "$(wc -l < "$work/err")" -le 3 ] || bad "$name --no-such-option: the hint is $(wc -l < "$work/err") lines, expected a short one"
done

# missing operands are bad usage too
for cmd in train grid report info import "import csv" "import mmsa" synth; do
    $SELFMI $cmd > "$work/out" 2> "$work/err" < /dev/null; rc=$?
    [ $rc -eq 2 ] || bad "selfmi $cmd without operands: exit $rc, expected 2"
    grep -q "Try 'selfmi.*--help'" "$work/err" || bad "selfmi $cmd without operands: no hint: $(cat "$work/err")"
done
# an unknown command or file
$SELFMI no-such-command > "$work/out" 2> "$work/err" < /dev/null; rc=$?
[ $rc -eq 2 ] || bad "selfmi no-such-command: exit $rc, expected 2"
grep -q "Try 'selfmi --help'" "$work/err" || bad "selfmi no-such-command: no hint"

# --help-dashboard, --help-keys, --list-experiments
$SELFMI --help-dashboard | head -n 1 | grep -q '^Usage: selfmi \[EXPERIMENT\]' || bad "--help-dashboard"
$SELFMI --help-keys > "$work/keys" || bad "--help-keys: exit $?"
for k in '^q ' '^? ' '^1 ' '^/ '; do grep -q "$k" "$work/keys" || bad "--help-keys lacks '$k'"; done
(cd "$work" && $SELFMI --list-experiments) > "$work/list" || bad "--list-experiments: exit $?"
for f in "$top_srcdir"/experiments/*.conf; do
    n=$(basename "$f" .conf)
    t=$(sed -n 's/^title *= *//p' "$f" | head -n 1)
    grep -q "^  $n  *[0-9]* runs\{0,1\}  *$t\$" "$work/list" || bad "--list-experiments lacks '$n' with its title '$t'"
done
# a name finds the file: ./experiments first, then the data directory
mkdir -p "$work/experiments"
printf '[experiment]\ntitle = Local\ndataset = synth:small\n[grid]\nseed = 1..3\n' > "$work/experiments/default.conf"
(cd "$work" && $SELFMI --list-experiments) | grep -q '^  default  *3 runs  *Local$' || bad "./experiments does not shadow the data directory"
(cd "$work" && $SELFMI grid default --list) | wc -l | grep -qx 3 || bad "grid NAME does not find ./experiments/NAME.conf"
(cd "$work" && $SELFMI grid labels.conf --list) | wc -l | grep -qx 15 || bad "grid NAME.conf does not find the shipped file"
(cd "$work" && SELFMI_DATADIR="$work/nowhere" $SELFMI --list-experiments) > /dev/null 2>&1 ||
    bad "--list-experiments with an empty data directory"
exit $fail
