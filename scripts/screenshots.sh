#!/usr/bin/env bash
# screenshots.sh: text screenshots of the dashboard's five views, taken with
# its headless mode (selfmi EXPERIMENT --script F --size WxH: the same
# drawing code as the terminal, keys from a script), so they can be
# refreshed whenever the views change.
#
#   scripts/screenshots.sh [--update README] EXPERIMENT RESULTS OUTDIR
#
# Writes OUTDIR/runs.txt, live.txt, labels.txt, grid.txt and compare.txt
# (100x30, no colour). With --update, the text between "<!-- screen NAME -->"
# and "<!-- end screen -->" in README is replaced by OUTDIR/NAME.txt in a
# text fence. Environment: SELFMI (default build/selfmi).
set -eu
readme=""
if [ "${1:-}" = --update ]; then readme=$2; shift 2; fi
[ $# -eq 3 ] || { echo "usage: screenshots.sh [--update README] EXPERIMENT RESULTS OUTDIR" >&2; exit 2; }
exp=$1 results=$2 out=$3
src=$(cd "$(dirname "$0")/.." && pwd)
SELFMI=${SELFMI:-$src/build/selfmi}
mkdir -p "$out"
out=$(cd "$out" && pwd)
script=$out/screens.keys
# Runs; Enter opens the first run's curves (Live); Labels; Grid; back to
# Runs to select three runs with Space, then Compare
cat > "$script" <<EOK
:wait-text Runs
:dump $out/runs.txt
<Enter>
:dump $out/live.txt
3
:dump $out/labels.txt
4
:dump $out/grid.txt
1
 j j 
5
:dump $out/compare.txt
EOK
LC_ALL=C.UTF-8 NO_COLOR=1 "$SELFMI" "$exp" --results "$results" --jobs 1 --no-color \
    --script "$script" --size 100x30 --screen "$out/final.txt"
rm -f "$script" "$out/final.txt"
for v in runs live labels grid compare; do
    # trailing blanks off: the README keeps no trailing spaces
    sed -i 's/[[:space:]]*$//' "$out/$v.txt"
    [ -s "$out/$v.txt" ] || { echo "screenshots.sh: $out/$v.txt is empty" >&2; exit 1; }
done
if [ -n "$readme" ]; then
    tmp=$readme.tmp.$$
    awk -v dir="$out" '
        /^<!-- screen [a-z]+ -->$/ {
            print; name = $3; f = dir "/" name ".txt"
            print "```text"
            while ((getline line < f) > 0) print line
            close(f)
            print "```"
            skip = 1; next }
        skip && /^<!-- end screen -->$/ { skip = 0; print; next }
        skip { next }
        { print }' "$readme" > "$tmp" && mv "$tmp" "$readme"
    echo "screenshots.sh: updated the screens in $readme" >&2
fi
