# lib.sh: helpers of the tmux end-to-end tests: a private tmux server, keys
# in, the screen out, and waiting (with a deadline, never a fixed sleep)
# until a text shows.
command -v tmux >/dev/null 2>&1 || { echo "tmux is not installed: skipping"; exit 77; }
[ -x "$SELFMI" ] || { echo "SELFMI ($SELFMI) is not built"; exit 1; }
SOCK=selfmi-test-$$
T() { tmux -u -L "$SOCK" "$@"; }
mkdir -p "$top_builddir/tests/tui"
WORK=$(mktemp -d "$top_builddir/tests/tui/tmp.XXXXXX")
cleanup() { T kill-server >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
cd "$WORK" || exit 1
export TERM=xterm-256color

screen() { T capture-pane -p -t dash; }
fail() { echo "FAIL: $*"; echo "---- screen:"; screen; exit 1; }
# wait_for TEXT [SECONDS]: polls the pane until TEXT appears
wait_for() {
    local deadline=$(( $(date +%s) + ${2:-15} ))
    while [ "$(date +%s)" -le "$deadline" ]; do
        screen | grep -qF -- "$1" && return 0
        sleep 0.05
    done
    fail "'$1' did not appear within ${2:-15}s"
}
# wait_gone TEXT [SECONDS]
wait_gone() {
    local deadline=$(( $(date +%s) + ${2:-15} ))
    while [ "$(date +%s)" -le "$deadline" ]; do
        screen | grep -qF -- "$1" || return 0
        sleep 0.05
    done
    fail "'$1' still shown after ${2:-15}s"
}
keys() { T send-keys -t dash "$@"; }
# start_dash W H ARGS...: the dashboard in a fresh pane; BEFORE/AFTER lines
# around it show whether the terminal came back
start_dash() {
    local w=$1 h=$2
    shift 2
    cat > run.sh <<EOS
#!/bin/sh
export LC_ALL=C.UTF-8 LANG=C.UTF-8
# Ctrl-C is for selfmi (which sets its own handler), not for this shell
trap '' INT
echo BEFORE-DASH
"$SELFMI" "\$@"
echo "AFTER-DASH rc=\$?"
stty -a | tr ' ' '\n' | grep -x -- '-\\?icanon' | sed 's/^/STTY:/'
sleep 120
EOS
    chmod +x run.sh
    T new-session -d -s dash -x "$w" -y "$h" "./run.sh $*"
}
# the epoch the Live view's side panel shows (0 when none)
epoch_shown() { screen | sed -n 's/.*│ epoch  *\([0-9][0-9]*\) of .*/\1/p' | head -1 | grep . || echo 0; }
# wait_epoch_above N [SECONDS]: the Live view's epoch goes past N
wait_epoch_above() {
    local deadline=$(( $(date +%s) + ${2:-20} ))
    while [ "$(date +%s)" -le "$deadline" ]; do
        [ "$(epoch_shown)" -gt "$1" ] && return 0
        sleep 0.05
    done
    fail "the epoch did not go past $1 within ${2:-20}s"
}
# synth_conf FILE EPOCHS [TITLE]: an experiment of one synth:small run that
# trains EPOCHS epochs (early stopping never ends it first)
synth_conf() {
    mkdir -p "$(dirname "$1")"
    {
        echo "[experiment]"
        [ -n "${3:-}" ] && echo "title = $3"
        printf 'dataset = synth:small\npreset = synth\n[config]\n'
        printf 'max_epochs = %s\nearly_stop = %s\n' "$2" "$2"
    } > "$1"
}
# start_training EPOCHS: the dashboard (100x30) on exp.conf, a run of EPOCHS
# epochs started with n and shown training in the Live view
start_training() {
    synth_conf exp.conf "$1"
    start_dash 100 30 exp.conf --results res --jobs 1
    wait_for "No runs yet" 30
    keys n
    keys 2
    wait_for "of $1" 60
}
# stop_server: ends the tmux server and waits until it has gone, or the
# next new-session may reach the dying server
stop_server() {
    T kill-server
    local deadline=$(( $(date +%s) + 10 ))
    while T ls >/dev/null 2>&1 && [ "$(date +%s)" -le "$deadline" ]; do sleep 0.05; done
}
# terminal_restored: after the dashboard has exited, the terminal is back
# in canonical (cooked) mode
terminal_restored() {
    wait_for "STTY:"
    screen | grep -qx "STTY:icanon" || fail "the terminal was left in raw mode"
}
