#!/usr/bin/env bash
# gen-man.sh: the generated parts of the manual pages, from the program
# itself, so the pages cannot drift from it:
#   man/selfmi.1             KEYS OF THE DASHBOARD  from `selfmi --help-keys`
#                            SYNTHETIC DATA         from man/synth-model.txt
#   man/selfmi-experiment.5  KEYS                   from `selfmi train --keys` and
#                            each preset's defaults (the configurations
#                            `selfmi grid --emit slurm` resolves)
# Each part sits between the lines `.\" BEGIN generated NAME` and
# `.\" END generated`.
#
#   scripts/gen-man.sh [--check] [MANDIR]
#
# Without --check the pages in MANDIR (default: man/ of this tree) are
# rewritten; with it, they are compared with what would be written (exit 1
# and a diff when they differ). Environment: SELFMI (default build/selfmi),
# TMPDIR (scratch files).
set -eu
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
src=$(cd "$(dirname "$0")/.." && pwd)
mandir=${1:-$src/man}
SELFMI=${SELFMI:-$src/build/selfmi}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gen-man.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# roff-safe text: backslashes, leading dots and quotes, hyphens as \-
roff() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\([.']\)/\\\\\&\1/"; }

# ---- the dashboard's keys ----------------------------------------------------
"$SELFMI" --help-keys | tail -n +2 | awk '{
        keys = substr($0, 1, 16); views = substr($0, 18, 30); help = substr($0, 49)
        sub(/ +$/, "", keys); sub(/ +$/, "", views)
        print keys "\t" views "\t" help }' | while IFS="$(printf '\t')" read -r keys views help; do
    printf '.TP\n.B %s\n' "$(printf '%s' "$keys" | roff)"
    if [ "$views" = all ]; then w="every view"; else w=$(printf '%s' "$views" | sed 's/,/, /g'); fi
    printf '%s (%s).\n' "$(printf '%s' "$help" | roff)" "$w"
done > "$tmp/part.keys"

# ---- the synthetic data's model ----------------------------------------------
# headings (lines at column 0) become .SS, the indented text stays as laid
# out, two spaces less
tail -n +2 "$src/man/synth-model.txt" | awk '
    /^[^ ].*/ { if (nf) { print ".fi"; nf = 0 } print ".SS \"" $0 "\""; next }
    /^$/ { if (nf) { print ".fi"; nf = 0 } next }
    { if (!nf) { print ".nf"; nf = 1 } sub(/^  /, ""); print }
    END { if (nf) print ".fi" }' | sed -e 's/\\/\\e/g' -e 's/-/\\-/g' \
    -e 's/^\\-/-/' -e 's/^\.SS \(.*\)/.SS \1/' -e "s/^\([']\)/\\\\\&\1/" > "$tmp/part.synth"
# the awk above only emits .SS/.nf/.fi lines starting with a dot; text lines
# never start with one (checked)
if grep -v '^\.\(SS\|nf\|fi\)' "$tmp/part.synth" | grep -q '^\.'; then
    echo "gen-man.sh: a line of synth-model.txt starts with a dot" >&2; exit 1
fi

# ---- configuration keys with each preset's defaults --------------------------
for p in mosi mosei sims synth; do
    printf '[experiment]\ndataset = synth:small\npreset = %s\n' "$p" > "$tmp/$p.conf"
    "$SELFMI" grid "$tmp/$p.conf" --emit slurm --out "$tmp/$p" > /dev/null
    grep -v '^#' "$tmp/$p/configs/0.conf" | sed 's/ = /\t/; s/ =$/\t/' > "$tmp/$p.kv"
done
# `train --keys` prints the key (22 columns), its values (28) and its help;
# values longer than their column are taken from src/conf/runconf.c's table
"$SELFMI" train --keys | awk -v cfg="$src/src/conf/runconf.c" '{
        key = substr($0, 1, 22); sub(/ +$/, "", key)
        if (substr($0, 52, 1) == " ") {
            vals = substr($0, 24, 28); help = substr($0, 53); sub(/ +$/, "", vals)
        } else {
            vals = ""
            while ((getline line < cfg) > 0)
                if (index(line, "X(\"" key "\",") && match(line, /R_[A-Z0-9]+, "[^"]*"/)) {
                    vals = substr(line, RSTART, RLENGTH); sub(/^R_[A-Z0-9]+, "/, "", vals); sub(/"$/, "", vals)
                    break
                }
            close(cfg)
            if (vals == "") { print "gen-man.sh: no values of " key " in " cfg > "/dev/stderr"; exit 1 }
            help = substr($0, 24 + length(vals) + 1)
        }
        print key "\t" vals "\t" help }' > "$tmp/keys.tsv"
awk -F'\t' -v dir="$tmp" '
    function num(v) { return v ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ ? sprintf("%.6g", v) : v }
    BEGIN {
        np = split("mosi mosei sims synth", P, " ")
        for (i = 1; i <= np; i++) {
            f = dir "/" P[i] ".kv"
            while ((getline line < f) > 0) { split(line, kv, "\t"); D[P[i], kv[1]] = num(kv[2]) }
        }
    }
    {
        key = $1; vals = $2; help = $3
        print ".TP"; print ".B " key
        print help "."
        print "Values: " vals "."
        if (key == "dataset" || key == "dataset_id" || key == "preset") next
        same = 1
        for (i = 2; i <= np; i++) if (D[P[i], key] != D[P[1], key]) same = 0
        if (same) { d = D[P[1], key]; print "Default: " (d == "" ? "empty" : d) "." }
        else {
            s = ""
            for (i = 1; i <= np; i++) s = s (i > 1 ? ", " : "") P[i] " " (D[P[i], key] == "" ? "empty" : D[P[i], key])
            print "Defaults: " s "."
        }
    }' "$tmp/keys.tsv" | sed -e 's/\\/\\e/g' -e 's/\([^\\]\)-/\1\\-/g' -e 's/^\.B \(.*\)/.B \1/' > "$tmp/part.confkeys"
# keys keep their underscores; `.B a_lstm_dropout` needs no escapes
sed -i 's/^\(\.B [a-z_]*\)\\-/\1-/' "$tmp/part.confkeys"

# ---- splice ----------------------------------------------------------------------
splice() {   # splice FILE NAME PART: the lines between the markers replaced
    awk -v name="$2" -v part="$3" '
        $0 == ".\\\" BEGIN generated " name { print; while ((getline l < part) > 0) print l; skip = 1; found = 1; next }
        skip && $0 == ".\\\" END generated" { skip = 0 }
        !skip { print }
        END { if (!found) exit 3 }' "$1"
}
status=0
for spec in "selfmi.1 keys" "selfmi.1 synth" "selfmi-experiment.5 confkeys"; do
    set -- $spec
    page=$1 name=$2
    cur=$tmp/$page.cur
    [ -f "$cur" ] || cp "$mandir/$page" "$cur"
    splice "$cur" "$name" "$tmp/part.$name" > "$cur.new" || { echo "gen-man.sh: $page has no '.\\\" BEGIN generated $name'" >&2; exit 1; }
    mv "$cur.new" "$cur"
done
for page in selfmi.1 selfmi-experiment.5; do
    if [ $check = 1 ]; then
        if ! diff -u "$mandir/$page" "$tmp/$page.cur"; then
            echo "gen-man.sh: $mandir/$page is out of date: run scripts/gen-man.sh" >&2
            status=1
        fi
    elif ! cmp -s "$mandir/$page" "$tmp/$page.cur"; then
        cp "$tmp/$page.cur" "$mandir/$page"
        echo "gen-man.sh: updated $mandir/$page" >&2
    fi
done
exit $status
