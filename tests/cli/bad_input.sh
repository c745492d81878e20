#!/bin/sh
# bad_input.sh: every command refuses the same bad input the same way: exit
# status 2, a message naming the file and what is wrong, no hang (a FIFO,
# a directory or a device where a dataset file belongs is an error, never a
# blocking open), and no output left behind.
set -u
work=$(mktemp -d "$top_builddir/tmp-badinput-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; cat "$work/err" 2>/dev/null; exit 1; }

"$SELFMI" synth "$work/good" >/dev/null || fail "synth"
# a copy of the good dataset with one entry replaced: mk NAME FILE KIND
mk() {
    cp -r "$work/good" "$work/$1" || fail "copy"
    rm -f "$work/$1/$2"
    case $3 in
    fifo) mkfifo "$work/$1/$2" ;;
    dir) mkdir "$work/$1/$2" ;;
    dev) ln -s /dev/zero "$work/$1/$2" ;;
    esac
}
mk fifo_audio audio.npy fifo
mk fifo_label label.csv fifo
mk fifo_len vision_lengths.npy fifo
mk dir_text text.npy dir
mk dev_audio audio.npy dev
# labels outside the bound of a [-3, 3] dataset (sample synth0001$_$1, line 2)
mk label100 x none
sed -E '2s/^("[^"]*","[^"]*","[^"]*"),[^,]*,/\1,100,/' "$work/good/label.csv" > "$work/label100/label.csv"
mk label1e30 x none
sed -E '2s/^("[^"]*","[^"]*","[^"]*"),[^,]*,/\1,1e30,/' "$work/good/label.csv" > "$work/label1e30/label.csv"
mk ulabel9 x none
sed -E '3s/^("[^"]*","[^"]*","[^"]*",[^,]*),[^,]*,/\1,-9,/' "$work/good/label.csv" > "$work/ulabel9/label.csv"

# run CMD... under a time limit: its exit status in $rc, stderr in $work/err
run() {
    timeout 60 "$@" >"$work/out" 2>"$work/err"
    rc=$?
    [ $rc -ne 124 ] || fail "$*: hangs"
}
# expect_bad DATASET MESSAGE: info, train, grid and the dashboard without a
# terminal all exit 2 naming it
expect_bad() {
    ds=$work/$1
    printf '[experiment]\ndataset = %s\n[config]\nmax_epochs = 1\n' "$ds" > "$work/$1.conf"
    for cmd in "info $ds" "train $ds --set max_epochs=1 --quiet --out $work/res" \
               "grid $work/$1.conf --quiet --out $work/res" "$work/$1.conf --batch --out $work/res"; do
        # shellcheck disable=SC2086
        run "$SELFMI" $cmd
        [ $rc -eq 2 ] || fail "selfmi $cmd: exit $rc, expected 2"
        grep -qF -- "$2" "$work/err" || fail "selfmi $cmd: expected '$2' in the message"
    done
    [ ! -e "$work/res" ] || fail "$1: a refused dataset left a results root"
}
expect_bad fifo_audio "fifo_audio/audio.npy: is a FIFO; expected a regular file"
expect_bad fifo_label "fifo_label/label.csv: is a FIFO; expected a regular file"
expect_bad fifo_len "fifo_len/vision_lengths.npy: is a FIFO; expected a regular file"
expect_bad dir_text "dir_text/text.npy: is a directory; expected a regular file"
expect_bad dev_audio "dev_audio/audio.npy: is a character device; expected a regular file"
expect_bad label100 'line 2: sample synth0001$_$1: label 100 is outside the bound [-3, 3]'
expect_bad label1e30 'line 2: sample synth0001$_$1: label 1e+30 is outside the bound [-3, 3]'
expect_bad ulabel9 'line 3: sample synth0001$_$2: label_T -9 is outside the bound [-3, 3]'
expect_bad missing "missing/label.csv: cannot open: No such file or directory"
run "$SELFMI" info "$work/good"
[ $rc -eq 0 ] || fail "info on the good dataset: exit $rc"
# a path longer than the message buffer loses its middle, not the reason
long=$work
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
    long=$long/$(printf '%0200d' "$i")
done
run "$SELFMI" info "$long"
[ $rc -eq 2 ] && grep -q '\.\.\..*/label.csv: cannot open: No such file or directory$' "$work/err" ||
    fail "a 3000-character path: the reason is lost"

# the dashboard: the Labels view of a run whose dataset's label.csv became a
# FIFO opens (without transcripts); a run started on such a dataset fails
# with the reason in the status line
mk dash x none
run "$SELFMI" train "$work/dash" --set max_epochs=1 --quiet --out "$work/dres" --run-id r1
[ $rc -eq 0 ] || fail "train for the dashboard: exit $rc"
rm "$work/dash/label.csv" && mkfifo "$work/dash/label.csv"
printf '3\n:update\n:dump %s\n' "$work/labels.txt" > "$work/s1"
run "$SELFMI" --results "$work/dres" --script "$work/s1" --screen "$work/screen.txt"
[ $rc -eq 0 ] && grep -q "r1  240 samples" "$work/labels.txt" || fail "dashboard Labels view: exit $rc"
# (l: run here, where sbatch is on PATH and the dashboard asks; else a harmless move)
printf '[experiment]\ndataset = %s\n[config]\nmax_epochs = 1\n' "$work/dash" > "$work/dash.conf"
printf '4\nn\nl\n:wait-jobs\n:update\n:dump %s\n' "$work/grid.txt" > "$work/s2"
run "$SELFMI" "$work/dash.conf" --results "$work/dres2" --script "$work/s2" --screen "$work/screen.txt" \
    --size 400x40
[ $rc -eq 0 ] && grep -qF "dash/label.csv: is a FIFO; expected a regular file" "$work/grid.txt" ||
    fail "dashboard run on a FIFO dataset: exit $rc"

# importers: a FIFO input, a bad input, a protocol 0 pickle
mkfifo "$work/feat.csv" "$work/feat.pkl"
run "$SELFMI" import csv "$work/feat.csv" "$work/o1"
[ $rc -eq 2 ] && grep -qF "feat.csv: is a FIFO" "$work/err" || fail "import csv FIFO: exit $rc"
printf 'id,label_reg,std_split,text,t0,a0,v0\nv_1,100,train,a,1,2,3\nv_2,1,test,b,1,2,3\n' > "$work/big.csv"
run "$SELFMI" import csv "$work/big.csv" "$work/o1"
[ $rc -eq 2 ] && grep -qF 'big.csv: line 2: sample v$_$1: label 100 is outside the bound [-3, 3]' "$work/err" ||
    fail "import csv label 100: exit $rc"
printf 'id,label_reg,std_split,text,t0,a0,v0\nv_1,1,train,a,x,2,3\n' > "$work/bad.csv"
run "$SELFMI" import csv "$work/bad.csv" "$work/o1"
[ $rc -eq 2 ] && grep -qF "bad.csv: line 2" "$work/err" || fail "import csv bad value: exit $rc"
run "$SELFMI" import mmsa "$work/feat.pkl" "$work/o1"
[ $rc -eq 2 ] && grep -qF "feat.pkl: is a FIFO" "$work/err" || fail "import mmsa FIFO: exit $rc"
# pickle.dumps({'a': 1}, protocol=0)
printf '(dp0\nVa\np1\nI1\ns.' > "$work/p0.pkl"
run "$SELFMI" import mmsa "$work/p0.pkl" "$work/o1"
[ $rc -eq 2 ] || fail "import mmsa protocol 0: exit $rc"
grep -qF "p0.pkl: protocol 0/1 pickles are not supported; MMSA writes protocol 4" "$work/err" ||
    fail "protocol 0 named"
[ ! -e "$work/o1" ] || fail "an importer left output behind"

# synth --force replaces a dataset directory only: not one holding a FIFO
mk synthout label.csv fifo
run "$SELFMI" synth --force "$work/synthout"
[ $rc -eq 1 ] && grep -qF "synthout: exists and is not a dataset directory" "$work/err" ||
    fail "synth --force onto a FIFO: exit $rc"
[ -p "$work/synthout/label.csv" ] || fail "synth replaced a directory holding a FIFO"

# run ids starting with '.' would be hidden from report, grid and the
# dashboard (and .attic is where grid moves old runs): refused
for id in .hidden .attic .; do
    run "$SELFMI" train synth:small --set max_epochs=1 --quiet --out "$work/ids" --run-id "$id"
    [ $rc -eq 2 ] && grep -qF "run id '$id'" "$work/err" && grep -qF "not starting with '.'" "$work/err" ||
        fail "--run-id $id: exit $rc"
done
[ -z "$(ls -A "$work/ids" 2>/dev/null)" ] || fail "a refused run id left a directory: $(ls -A "$work/ids")"
run "$SELFMI" train synth:small --set max_epochs=1 --quiet --out "$work/ids" --run-id shown
[ $rc -eq 0 ] || fail "train --run-id shown: exit $rc"
mv "$work/ids/shown" "$work/ids/.hidden"
run "$SELFMI" train --resume "$work/ids/.hidden"
[ $rc -eq 2 ] && grep -qF "run id '.hidden'" "$work/err" || fail "--resume .hidden: exit $rc"

# --list-experiments lists the good files and names a broken one
mkdir -p "$work/cwd/experiments"
printf '[config]\nmax_epochs = -1\n' > "$work/cwd/experiments/broken.conf"
printf '[experiment]\ntitle = Fine\ndataset = synth:small\n' > "$work/cwd/experiments/fine.conf"
(cd "$work/cwd" && timeout 60 "$SELFMI" --list-experiments >"$work/out" 2>"$work/err"); rc=$?
[ $rc -eq 2 ] && grep -qF "broken.conf:2" "$work/err" && grep -q "fine .*Fine" "$work/out" ||
    fail "--list-experiments with a broken file: exit $rc"

# experiment files and results: a FIFO, a missing file
mkfifo "$work/exp.conf"
run "$SELFMI" grid "$work/exp.conf" --out "$work/res"
[ $rc -eq 2 ] && grep -qF "exp.conf: is a FIFO" "$work/err" || fail "grid on a FIFO: exit $rc"
run "$SELFMI" train "$work/none.conf" --out "$work/res"
[ $rc -eq 2 ] || fail "train on a missing file: exit $rc"
run "$SELFMI" report "$work/none"
[ $rc -eq 2 ] || fail "report on a missing directory: exit $rc"
run "$SELFMI" import csv "$work/none.csv" "$work/o1"
[ $rc -eq 2 ] || fail "import csv of a missing file: exit $rc"
run "$SELFMI" import mmsa "$work/none.pkl" "$work/o1"
[ $rc -eq 2 ] || fail "import mmsa of a missing file: exit $rc"
exit 0
