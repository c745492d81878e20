#!/bin/sh
# report_formats.sh: selfmi report over a small Table 6 grid in every
# format: the CSV and JSON parse (with $PYTHON3), the LaTeX is a tabular,
# the Markdown a table; grouping, references and errors.
set -u
out=$(mktemp -d "$top_builddir/report_formats.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; cat "$out"/*.txt 2>/dev/null; exit 1; }
printf 'dataset = synth:small\nmax_epochs = 2\n[grid]\nseed = 1111..1113\ncpc_terms = all | w/o mt | w/o mv\n' > "$out/e.conf"
"$SELFMI" grid "$out/e.conf" --jobs 2 --out "$out/r" --quiet > /dev/null 2>&1 || fail "grid exit $?"
"$SELFMI" report "$out/r" --reference all > "$out/table.txt" || fail "table exit $?"
[ "$(grep -c '^all (ref) \|^w/o L_N^mt \|^w/o L_N^mv ' "$out/table.txt")" -ge 3 ] || fail "rows all, w/o L_N^mt, w/o L_N^mv"
grep -q "cannot go below 0.25" "$out/table.txt" || fail "3 pairs: Wilcoxon floor 0.25 not stated"
"$SELFMI" report "$out/r" --format md --reference "w/o mv" > "$out/md.txt" || fail "md"
grep -q "^| cpc_terms" "$out/md.txt" || fail "md header"
grep -q "^| w/o L\\_N\^mv (ref)" "$out/md.txt" || fail "md reference row"
"$SELFMI" report "$out/r" --format latex > "$out/tex.txt" || fail "latex"
grep -q '\\begin{tabular}' "$out/tex.txt" && grep -qF 'w/o $\mathcal{L}_N^{mt}$ &' "$out/tex.txt" || fail "latex tabular"
"$SELFMI" report "$out/r" --format csv --reference all > "$out/csv.txt" || fail "csv"
"$SELFMI" report "$out/r" --format json --reference all > "$out/json.txt" || fail "json"
if [ -n "${PYTHON3:-}" ] && "$PYTHON3" -c 'import json, csv' 2>/dev/null; then
  "$PYTHON3" - "$out/csv.txt" "$out/json.txt" <<'PY' || fail "csv/json do not parse or disagree"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
doc = json.load(open(sys.argv[2]))
assert [r["cpc_terms"] for r in rows] == ["all", "w/o L_N^mt", "w/o L_N^mv"], rows
assert len(doc["rows"]) == 3 and doc["reference"] == "all" and doc["sd"] == "sample (n-1)"
for r, j in zip(rows, doc["rows"]):
    assert int(r["n"]) == j["n"] == 3
    assert abs(float(r["mae_mean"]) - j["metrics"]["mae"]["mean"]) < 1e-9
assert "vs_reference" in doc["rows"][1] and doc["rows"][1]["vs_reference"]["pairs"] == 3
PY
fi
"$SELFMI" report "$out/r" --group-by seed > "$out/seed.txt" || fail "group by seed"
grep -q "^1112 " "$out/seed.txt" || fail "rows by seed"
one=$(ls "$out/r" | head -n 1)
"$SELFMI" report "$out/r/$one" > "$out/one.txt" || fail "a single run directory"
grep -q "1 runs (1 finished)" "$out/one.txt" || fail "single run table"
"$SELFMI" report "$out/r" --reference nope > /dev/null 2> "$out/err.txt"; [ $? -eq 2 ] || fail "bad reference: exit 2"
grep -q "no such row" "$out/err.txt" || fail "bad reference message"
"$SELFMI" report "$out/r" --format xml > /dev/null 2>&1; [ $? -eq 2 ] || fail "bad format: exit 2"
"$SELFMI" report "$out/none" > /dev/null 2>&1; [ $? -eq 2 ] || fail "missing path: exit 2"
mkdir "$out/empty"
"$SELFMI" report "$out/empty" > /dev/null 2>&1; [ $? -eq 2 ] || fail "no runs: exit 2"
exit 0
