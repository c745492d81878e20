#!/bin/sh
# keep_running.sh: q, then k, while a run is in progress: the terminal
# comes back at once, the run goes on to its end, and the program says how
# its runs ended before it exits.
. "$top_srcdir/tests/tui/lib.sh"

start_training 300
keys q
wait_for "1 running, 0 queued: c cancel them and quit" 30
keys k
wait_for "the dashboard is closed; 1 run continues" 30
wait_for "selfmi: the runs have ended: 1 done, 0 failed, 0 cancelled" 300
wait_for "AFTER-DASH rc=0" 30
grep -qx done res/*/status || fail "status is not done: $(cat res/*/status)"
exit 0
