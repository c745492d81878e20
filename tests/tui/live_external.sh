#!/bin/sh
# live_external.sh: runs written by another process (selfmi train here,
# as selfmi grid would) show up and grow live in an open dashboard, and
# Ctrl-C restores the terminal.
. "$top_srcdir/tests/tui/lib.sh"

start_dash 120 30 --results res --jobs 1
wait_for "No runs yet"
"$SELFMI" train synth:small --out res --quiet --set max_epochs=60 --set early_stop=100 >/dev/null 2>&1 &
TRAIN=$!
wait_for "synth-small-mi" 20
keys 2
wait_for "of 60" 20
wait "$TRAIN" || fail "selfmi train failed"
keys 1
wait_for "✓ done" 20
keys C-c
wait_for "AFTER-DASH rc=0"
terminal_restored
exit 0
