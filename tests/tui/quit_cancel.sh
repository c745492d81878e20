#!/bin/sh
# quit_cancel.sh: q or Ctrl-C while a run is in progress asks first; c (or
# a second Ctrl-C) cancels it
# cleanly (status "cancelled" on disk) and restores the terminal; another
# dashboard then shows the cancelled run from disk.
. "$top_srcdir/tests/tui/lib.sh"

start_training 2000
# Ctrl-C asks as q does, naming what runs; Esc stays
keys C-c
wait_for "1 running, 0 queued: c cancel them and quit" 30
keys Escape
wait_gone "c cancel them and quit" 30
keys q
wait_for "1 running, 0 queued: c cancel them and quit" 30
keys c
wait_for "AFTER-DASH rc=0" 20
terminal_restored
grep -qx cancelled res/*/status || fail "status is not cancelled: $(cat res/*/status)"
stop_server
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
terminal_restored
exit 0
