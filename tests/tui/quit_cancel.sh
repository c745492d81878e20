#!/bin/sh
# quit_cancel.sh: q or Ctrl-C while a run is in progress asks first; c (or
# a second Ctrl-C) cancels it
# cleanly (status "cancelled" on disk) and restores the terminal; another
# dashboard then shows the cancelled run from disk.
. "$top_srcdir/tests/tui/lib.sh"

cat > exp.conf <<'EOC'
[experiment]
dataset = synth:small
preset = synth
[config]
max_epochs = 2000
early_stop = 2000
EOC

start_dash 100 30 exp.conf --results res --jobs 1
wait_for "No runs yet"
keys n
keys 2
wait_for "of 2000" 20
# Ctrl-C asks as q does, naming what runs; Esc stays
keys C-c
wait_for "1 running, 0 queued: c cancel them and quit" 30
keys Escape
wait_gone "c cancel them and quit" 30
keys q
wait_for "1 running, 0 queued: c cancel them and quit" 30
keys c
wait_for "AFTER-DASH rc=0" 20
wait_for "STTY:"
screen | grep -qx "STTY:icanon" || fail "the terminal was left in raw mode"
grep -qx cancelled res/*/status || fail "status is not cancelled: $(cat res/*/status)"
# the server exits with its last session: wait until it has gone, or the
# next new-session may reach the dying server
T kill-server
deadline=$(( $(date +%s) + 10 ))
while T ls >/dev/null 2>&1 && [ "$(date +%s)" -le "$deadline" ]; do sleep 0.05; done
# reopening shows the past run from disk; a run started there and Ctrl-C
# twice: cancelled, and the dashboard exits 130 as an interrupted command
start_dash 100 30 exp.conf --results res --jobs 1
wait_for "cancelled"
keys n
wait_for "1 running" 30
keys C-c
wait_for "1 running, 0 queued: c cancel them and quit" 30
keys C-c
wait_for "AFTER-DASH rc=130" 30
wait_for "STTY:"
screen | grep -qx "STTY:icanon" || fail "the terminal was left in raw mode"
exit 0
