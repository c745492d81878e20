#!/bin/sh
# man.sh: the manual pages: no groff warnings; the generated parts current
# (scripts/gen-man.sh --check: the dashboard's keys, the synthetic data's
# model, every configuration key with its defaults); every option of every
# --help in selfmi(1); every column of a real run's CSV files in
# selfmi-results(5).
set -u
mkdir -p "$top_builddir/tests/doc"
work=$(mktemp -d "$top_builddir/tests/doc/work.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
man1=$top_srcdir/man/selfmi.1
exp5=$top_srcdir/man/selfmi-experiment.5
res5=$top_srcdir/man/selfmi-results.5

# groff: no warnings (all of them: -ww), and man --warnings at 80 columns
if command -v groff > /dev/null; then
    for p in "$man1" "$exp5" "$res5"; do
        LC_ALL=C groff -ww -man -z "$p" > "$work/groff" 2>&1
        [ -s "$work/groff" ] && { bad "groff warnings in $p:"; cat "$work/groff"; }
        if command -v man > /dev/null; then
            LC_ALL=C MANWIDTH=80 man --warnings -l "$p" > "$work/man.txt" 2> "$work/man.err"
            [ -s "$work/man.err" ] && { bad "man --warnings on $p:"; cat "$work/man.err"; }
        fi
    done
else
    echo "note: groff not installed: the pages are not rendered (quickstart.sh test installs groff-base)"
fi

# the generated parts
SELFMI=$SELFMI TMPDIR=$work bash "$top_srcdir/scripts/gen-man.sh" --check "$top_srcdir/man" || fail=1

# every option of every --help is in selfmi(1)
for cmd in "" train grid report info import "import csv" "import mmsa" synth; do
    for o in $($SELFMI $cmd --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
        grep -q -- "$esc" "$man1" || bad "selfmi${cmd:+ $cmd} $o is not in $man1"
    done
done
for o in $($SELFMI --help-dashboard | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
    grep -q -- "$esc" "$man1" || bad "dashboard option $o is not in $man1"
done
for sec in "NAME" "SYNOPSIS" "DESCRIPTION" "KEYS OF THE DASHBOARD" "SYNTHETIC DATA" "ENVIRONMENT" "FILES" "EXIT STATUS" "EXAMPLES"; do
    grep -q "^\.SH $sec\$" "$man1" || bad "$man1 has no $sec section"
done
for c in train grid report info "import csv" "import mmsa" synth; do
    grep -q "^\.SS \"selfmi $c " "$man1" || bad "$man1 does not describe selfmi $c"
done
grep -q '^\.SH PRESETS$' "$exp5" || bad "$exp5 has no PRESETS section"

# every column of a real run's files (the MOSI and the SIMS metric sets) is
# documented in selfmi-results(5)
for spec in "synth:small synth" "synth:sims sims"; do
    set -- $spec
    $SELFMI train "$1" --preset "$2" --set max_epochs=2 --out "$work/res" --run-id "$2" --quiet > /dev/null ||
        { bad "train $1"; continue; }
    for f in epochs.csv labels.csv test.csv predictions.csv; do
        [ -f "$work/res/$2/$f" ] || { bad "$2 wrote no $f"; continue; }
        grep -q "^\.SS $f\$" "$res5" || bad "$res5 has no section $f"
        for col in $(head -n 1 "$work/res/$2/$f" | tr -d '"' | tr ',' ' '); do
            grep -q "^\.BR* \(.* \)*\"*$col\"*\( \|\$\)" "$res5" || grep -q "\\\\fB$col\\\\fR" "$res5" ||
                bad "column $col of $f is not in $res5"
        done
    done
    for f in run.conf status checkpoint; do
        [ -f "$work/res/$2/$f" ] || bad "$2 wrote no $f"
        grep -q "^\.SS $f\$" "$res5" || bad "$res5 has no section $f"
    done
done
# the checkpoint's blobs
for b in params_best params adam_m adam_v ulg_params ulg_adam_m ulg_adam_v labels_t labels_a labels_v rng counters best_val; do
    grep -q "\\\\fB$b\\\\fR" "$res5" || bad "checkpoint blob $b is not in $res5"
    grep -a -q "$b" "$work/res/synth/checkpoint" 2>/dev/null || bad "checkpoint blob $b is not in a real checkpoint"
done
exit $fail
