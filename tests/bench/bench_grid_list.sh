#!/bin/sh
# bench_grid_list.sh: `selfmi grid EXP --list` of a 100000-point grid (the
# largest a file may describe), once with every point distinct and once with
# every point repeated (an axis listing one value twice): the time to
# expand, resolve, name and de-duplicate the points before anything runs.
# Target: under 1 s each (CPU time of one core). Run by `make bench`; not a
# test: it fails only when the listing itself is wrong.
set -e
: "${SELFMI:=./selfmi}"
export LC_ALL=C
work=$(mktemp -d "${TMPDIR:-/tmp}/selfmi-bench-grid-list-XXXXXX")
trap 'rm -rf "$work"' EXIT
printf '[experiment]\ndataset = synth:small\n[grid]\nseed = 1..100000\n' > "$work/distinct.conf"
printf '[experiment]\ndataset = synth:small\n[grid]\nseed = 1..50000\nlabels = mi | mi\n' > "$work/repeated.conf"

# list NAME WANT: the listing's lines must be WANT distinct run ids
list() {
    /usr/bin/time -f "%e %U" -o "$work/time" "$SELFMI" grid "$work/$1.conf" --list --quiet > "$work/list"
    n=$(wc -l < "$work/list")
    u=$(cut -f1 "$work/list" | sort -u | wc -l)
    set -- "$1" "$2" $(cat "$work/time")
    ok=$(awk -v u="$4" 'BEGIN { print (u < 1.0) ? "met" : "MISSED" }')
    echo "grid --list $1: $n runs ($u distinct ids) in $3 s wall, $4 s CPU; target < 1 s CPU: $ok"
    [ "$n" -eq "$2" ] && [ "$u" -eq "$2" ] || { echo "bench_grid_list: expected $2 distinct runs"; exit 1; }
}
list distinct 100000
list repeated 50000
