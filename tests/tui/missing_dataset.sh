#!/bin/sh
# missing_dataset.sh: starting the grid of an experiment whose dataset has
# not been imported queues nothing and gives the exact command that makes
# it (the real feature file where selfmi finds it); the
# failed state never hides behind "queued".
. "$top_srcdir/tests/tui/lib.sh"

cat > exp.conf <<'EOC'
[experiment]
dataset = data/mosi-bclstm
preset = mosi
[config]
max_epochs = 2
[grid]
seed = 1..3
EOC

start_dash 160 30 exp.conf --results res --jobs 1
wait_for "No runs yet" 30
keys 4
keys n
# where sbatch is on the path the dashboard asks where to run the grid
if command -v sbatch >/dev/null 2>&1; then
    wait_for "start the grid: l here" 30
    keys l
fi
wait_for "nothing queued; make it with" 30
# the exact command, whole (wrapped over the last lines), with the real
# feature file where ../shared/data lies beside the source tree
msg=$(screen | tail -n 5 | tr '\n' ' ' | tr -s ' ')
feat="$top_srcdir/../shared/data/mosi-bclstm/mosi_utterance_features.csv"
opts="data/mosi-bclstm --split poria2017_split --valid-from test:0.33\`"
if [ -r "$feat" ]; then
    cmd=$(printf '%s\n' "$msg" | sed -n 's/.*`selfmi import csv \([^ ]*mosi_utterance_features\.csv\) .*/\1/p')
    [ -n "$cmd" ] && [ -r "$cmd" ] || fail "no readable feature file in the command: $msg"
    printf '%s\n' "$msg" | grep -qF "mosi_utterance_features.csv $opts" || fail "not the import command: $msg"
else
    printf '%s\n' "$msg" | grep -qF "\`selfmi import csv FEATURES.csv $opts" || fail "no placeholder command: $msg"
fi
screen | grep -q "0 queued" || fail "the header does not say 0 queued"
[ -z "$(ls res 2>/dev/null | grep -v '^\.')" ] || fail "run directories were made: $(ls res)"
keys q
wait_for "AFTER-DASH rc=0" 30
exit 0
