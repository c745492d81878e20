#!/usr/bin/env bash
# readme-run.sh: runs every command of the README, so the README cannot
# drift from the program.
#
#   scripts/readme-run.sh [--quick] [--update] README WORKDIR
#
# The commands are the ```sh blocks of README, in order, in one bash
# (set -eu) whose current directory is WORKDIR/repo, set up as a fresh
# checkout would be after ./quickstart.sh: experiments/ (a copy), build/
# (the folder of $SELFMI), ../shared/data ($SHARED_DATA), and an MMSA
# pickle at ../MMSA/MOSI/Processed/unaligned_50.pkl (a 7-sample fixture of
# the tests, standing in for MMSA's real file). Each block's stdout goes to
# WORKDIR/out/N.out, its stderr to N.err, its wall time to N.time.
#
#   --quick    every `selfmi grid` and `selfmi train` gets
#              --set max_epochs=2 --set seed=1111 (one seed, two epochs):
#              the commands and their flags are checked, in seconds
#   --outputs-only  do not run: --update from the outputs of an earlier
#              run in WORKDIR
#   --update   after the run, replace the text between "<!-- output -->" (or
#              "<!-- output text -->", fenced as text) and "<!-- end output -->"
#              that follows a block with the block's stdout, in README itself
#
# Environment: SELFMI (default build/selfmi), SHARED_DATA (default
# ../shared/data beside the source tree). Exit status: 0 every block ran,
# 1 a block failed (its number, text and stderr are printed), 2 usage,
# 77 the real data is missing.
set -u
quick=0 update=0 only=0
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1 ;;
        --update) update=1 ;;
        --outputs-only) only=1; update=1 ;;
        -*) echo "readme-run.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
[ $# -eq 2 ] || { echo "usage: readme-run.sh [--quick] [--update] README WORKDIR" >&2; exit 2; }
readme=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$2
src=$(cd "$(dirname "$0")/.." && pwd)
SELFMI=${SELFMI:-$src/build/selfmi}
SHARED_DATA=${SHARED_DATA:-$src/../shared/data}
[ -x "$SELFMI" ] || { echo "readme-run.sh: no selfmi at $SELFMI" >&2; exit 2; }
if [ ! -f "$SHARED_DATA/mosi-bclstm/mosi_utterance_features.csv" ]; then
    echo "readme-run.sh: SKIP: no $SHARED_DATA/mosi-bclstm/mosi_utterance_features.csv" >&2
    exit 77
fi

if [ $only = 0 ]; then
rm -rf "$work"
mkdir -p "$work/repo" "$work/out" "$work/shared" "$work/MMSA/MOSI/Processed" || exit 1
work=$(cd "$work" && pwd)
cp -RL "$src/experiments" "$work/repo/experiments"
chmod -R u+w "$work/repo/experiments"
ln -s "$(cd "$(dirname "$SELFMI")" && pwd)" "$work/repo/build"
ln -s "$src/scripts" "$work/repo/scripts"
ln -s "$(cd "$SHARED_DATA" && pwd)" "$work/shared/data"
cp "$src/tests/fuzz/corpus/fuzz_pickle/mosi_p4_f32.pkl" "$work/MMSA/MOSI/Processed/unaligned_50.pkl"
[ "$(basename "$SELFMI")" = selfmi ] || ln -sf "$SELFMI" "$work/repo/build/selfmi"

# the blocks, one file each
nblocks=$(awk -v dir="$work/out" '
    /^```sh[ \t]*$/ { n++; f = dir "/" n ".sh"; inb = 1; printf "" > f; next }
    inb && /^```[ \t]*$/ { inb = 0; close(f); next }
    inb { print >> f }
    END { print n + 0 }' "$readme")
[ "$nblocks" -gt 0 ] || { echo "readme-run.sh: no \`\`\`sh blocks in $readme" >&2; exit 1; }

driver=$work/out/driver.sh
{
    echo 'set -eu'
    echo "cd '$work/repo'"
    if [ $quick = 1 ]; then
        cat <<'EOQ'
selfmi() {
    case ${1:-} in
        grid|train) local c=$1; shift; command selfmi "$c" "$@" --set max_epochs=2 --set seed=1111 ;;
        *) command selfmi "$@" ;;
    esac
}
EOQ
    fi
    for i in $(seq 1 "$nblocks"); do
        echo "echo $i > '$work/out/current'"
        echo "t0=\$(date +%s.%N)"
        echo "{"
        cat "$work/out/$i.sh"
        echo "} > '$work/out/$i.out' 2> '$work/out/$i.err'"
        echo "awk -v a=\$(date +%s.%N) -v b=\$t0 'BEGIN { printf \"%.1f\\n\", a - b }' > '$work/out/$i.time'"
    done
    echo "echo done > '$work/out/current'"
} > "$driver"

start=$(date +%s)
bash "$driver"
rc=$?
cur=$(cat "$work/out/current" 2>/dev/null || echo 1)
if [ $rc -ne 0 ] || [ "$cur" != done ]; then
    echo "readme-run.sh: block $cur failed (exit $rc):" >&2
    sed 's/^/    /' "$work/out/$cur.sh" >&2
    echo "  its stderr:" >&2
    tail -n 30 "$work/out/$cur.err" >&2
    exit 1
fi
for i in $(seq 1 "$nblocks"); do
    printf 'block %2d  %8.1fs  %s\n' "$i" "$(cat "$work/out/$i.time")" "$(head -n1 "$work/out/$i.sh")" >&2
done
echo "readme-run.sh: $nblocks blocks in $(( $(date +%s) - start ))s" >&2
fi

if [ $update = 1 ]; then
    work=$(cd "$work" && pwd)
    tmp=$readme.tmp.$$
    awk -v dir="$work/out" '
        function emit(n, fenced,   line, f) {
            f = dir "/" n ".out"
            if (fenced) print "```text"
            while ((getline line < f) > 0) print line
            close(f)
            if (fenced) print "```"
        }
        /^```sh[ \t]*$/ { n++; print; last = n; next }
        /^<!-- output( text)? -->$/ && last {
            print; emit(last, $0 ~ /text/); skip = 1; next }
        skip && /^<!-- end output -->$/ { skip = 0; print; next }
        skip { next }
        { print }' "$readme" > "$tmp" && mv "$tmp" "$readme"
    echo "readme-run.sh: updated the outputs in $readme" >&2
fi
exit 0
