#!/bin/sh
# dashboard.sh: the dashboard in a real terminal (tmux, 120x36): start a run
# with n, watch its epochs advance in the Live view, open every view, list
# the keys, find a sample, survive resizes (and a too-small terminal), and
# quit with q: the terminal restored and the run's results on disk.
. "$top_srcdir/tests/tui/lib.sh"

cat > exp.conf <<'EOC'
[experiment]
title = TUI test
dataset = synth:small
preset = synth
[config]
seed = 1111
max_epochs = 300
early_stop = 300
EOC

start_dash 120 36 exp.conf --results res --jobs 1
wait_for "1 Runs"
wait_for "No runs yet"
keys n
wait_for "queued synth-small"
keys 2
# the Live view's epoch counter advances
wait_for "of 300" 20
wait_epoch_above 0
first=$(epoch_shown)
wait_epoch_above $((first + 5))
wait_for "training losses"
wait_for "validation MAE"
keys 3
wait_for "samples x"
wait_for "distribution of y_t - y_m"
keys / s y n t h 0 0 0 7 Enter
wait_for "synth0007"
keys 4
wait_for "best in column"
keys 5
wait_for "test metric"
keys '?'
wait_for "view-compare"
# the other views' keys follow a page down
keys NPage
wait_for "search-next"
keys Escape
wait_gone "search-next"
keys 1
# resizes re-lay out every view; too small shows a one-line message
T resize-window -t dash -x 80 -y 24
wait_for "1 Runs"
[ "$(screen | head -1 | LC_ALL=C.UTF-8 wc -m)" -le 81 ] || fail "first line wider than 80 columns after the resize"
T resize-window -t dash -x 50 -y 10
wait_for "terminal too small"
T resize-window -t dash -x 120 -y 36
wait_for "1 Runs"
wait_gone "terminal too small"
# the run finishes (300 epochs: minutes under a sanitizer on a busy machine,
# where the LSTM runs in instrumented kernels); q quits without asking
wait_for "✓ done" 180
keys q
wait_for "AFTER-DASH rc=0"
screen | grep -qF "BEFORE-DASH" || fail "the screen before the dashboard was not restored"
screen | grep -qF "1 Runs" && fail "the dashboard is still on the screen after q"
terminal_restored
ls res/*/test.csv >/dev/null 2>&1 || fail "no test.csv on disk"
grep -qx done res/*/status || fail "status is not done"
exit 0
