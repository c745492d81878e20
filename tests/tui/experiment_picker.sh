#!/bin/sh
# experiment_picker.sh: E lists the experiment files (as selfmi
# --list-experiments does, titles included); Enter on another switches the
# dashboard to it without quitting: its grid in the Grid view, n starts its
# runs, and a run started for the first experiment goes on training.
. "$top_srcdir/tests/tui/lib.sh"

synth_conf experiments/alpha.conf 2000 "Alpha picker test"
synth_conf experiments/beta.conf 3 "Beta picker test"
printf '[grid]\nlabels = mi | none\n' >> experiments/beta.conf

start_dash 100 30 alpha --results res --jobs 1
wait_for "No runs yet" 30
keys n
wait_for "1 running" 60
keys E
wait_for "Alpha picker test"
wait_for "Beta picker test"
wait_for "1 run      Alpha picker test"
wait_for "2 runs     Beta picker test"
# Esc keeps the experiment
keys Escape
wait_for "still experiments/alpha.conf"
keys E
wait_for "Beta picker test"
keys j Enter
wait_for "experiment beta: 2 runs in its grid (4: Grid, n: start); the 1 run started before goes on"
screen | grep -q "Beta picker test" && fail "the picker is still open"
# the alpha run trains on
keys 2
first=$(epoch_shown)
wait_epoch_above $((first + 2)) 60
# the Grid view is beta's (alpha's run is not in its grid); n queues its
# two runs behind alpha's
keys 4
wait_for "No finished or running runs yet"
keys n
if command -v sbatch >/dev/null 2>&1; then
    wait_for "start the grid: l here" 30
    keys l
fi
wait_for "queued the grid of experiments/beta.conf: 2 runs" 30
wait_for "1 running  2 queued" 30
keys 1
wait_for "synth-small" 30
keys q
wait_for "c cancel them and quit" 30
keys c
wait_for "AFTER-DASH rc=0" 30
terminal_restored
exit 0
