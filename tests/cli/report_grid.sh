#!/bin/sh
# report_grid.sh: `selfmi report` and the dashboard's Grid view (rendered
# headless) show one table on the same results roots: the same groups, row
# order, n, mean±sd cells, '*' and the dagger, and the same reference row.
# Roots: hand-written run directories (a tie, a repeated configuration and
# seed, tiny SDs, unfinished runs) and a short real grid whose [report]
# grouping pools the task subsets. A narrow screen rounds cells, never cuts.
set -u
out=$(mktemp -d "$top_builddir/report_grid.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; for f in "$out"/*.txt; do echo "== $f"; cat "$f"; done; exit 1; }
[ -n "${PYTHON3:-}" ] && "$PYTHON3" -c 'import re' 2>/dev/null || { echo "SKIP: no python3"; exit 77; }

# ---- a hand-written root -------------------------------------------------------
# run DIR TASKS SEED STATUS MAE ACC2
run() {
  mkdir -p "$out/h/$1"
  printf 'dataset = synth:small\npreset = synth\nseed = %s\nname = \ntasks = %s\ncpc_terms = mt,ma,mv\nlabels = mi\n' \
    "$3" "$2" > "$out/h/$1/run.conf"
  printf '%s\n' "$4" > "$out/h/$1/status"
  [ "$4" = done ] || return 0
  printf 'mae,corr,acc2_has0,f1_has0,acc2_non0,f1_non0,acc5,acc7,best_epoch,epochs\n%s,0.5,%s,0.7,0.71,0.72,0.3,0.2,3,11\n' \
    "$5" "$6" > "$out/h/$1/test.csv"
}
# M,T,A,V and M,T: one mean MAE (0.710), a tie
run full-s1 M,T,A,V 1 done 0.700 0.80
run full-s2 M,T,A,V 2 done 0.710 0.81
run full-s3 M,T,A,V 3 done 0.720 0.82
run mt-s1 M,T 1 done 0.710 0.79
run mt-s2 M,T 2 done 0.720 0.78
run mt-s3 M,T 3 done 0.700 0.77
# M: accuracies that differ by 1e-7 (an SD of 1e-5 in percent)
run m-s1 M 1 done 0.800 0.75
run m-s2 M 2 done 0.820 0.7500001
run m-s3 M 3 done 0.840 0.7500002
# M,A: one finished, one left running (no process: interrupted), one failed
run ma-s1 M,A 1 done 0.900 0.60
run ma-s2 M,A 2 running
run ma-s3 M,A 3 'failed: diverged'
# M,T,A,V seed 1 once more, finished earlier: the newer run counts
run afull-old-s1 M,T,A,V 1 done 0.990 0.10
touch -d '2020-01-01 00:00' "$out/h/afull-old-s1/test.csv"

"$SELFMI" report "$out/h" > "$out/h_report.txt" 2> "$out/h_report_err.txt" || fail "report exit $?"
grep -q "warning: 1 run repeats the configuration and seed of another run.*afull-old-s1" "$out/h_report_err.txt" \
  || fail "report: no warning about the repeated seed on stderr"
grep -q "^note: 1 run repeats .*afull-old-s1" "$out/h_report.txt" || fail "report: no note about the repeat"
grep -q "^13 runs (10 finished, 1 repeat left out) in 4 groups" "$out/h_report.txt" || fail "report: header counts"
printf '4\n' > "$out/keys"
"$SELFMI" --results "$out/h" --script "$out/keys" --screen "$out/h_grid.txt" --size 200x30 \
  || fail "dashboard exit $?"
"$SELFMI" --results "$out/h" --script "$out/keys" --screen "$out/h_narrow.txt" --size 100x30 \
  || fail "dashboard (narrow) exit $?"

# ---- a real grid whose [report] grouping pools the task subsets -----------------
cat > "$out/e.conf" <<'EOF'
[experiment]
dataset = synth:small
preset = synth
[config]
max_epochs = 2
[grid]
seed = 1111..1112
tasks = M | M,T,A,V
cpc_terms = all | w/o mt
[report]
group_by = cpc_terms
reference = all
EOF
"$SELFMI" grid "$out/e.conf" --jobs 2 --out "$out/g" --quiet > /dev/null 2> "$out/g_grid_err.txt" \
  || fail "grid exit $?"
"$SELFMI" report "$out/g" --group-by cpc_terms --reference all > "$out/g_report.txt" 2> "$out/g_report_err.txt" \
  || fail "report exit $?"
grep -q "warning: 2 groups pool runs that differ in keys besides seed and the grouping (cpc_terms): 'all' in tasks" \
  "$out/g_report_err.txt" || fail "report: no warning naming the pooled key"
grep -q "warning: 2 groups pool" "$out/g_grid_err.txt" || fail "grid's table: no pooled warning"
"$SELFMI" "$out/e.conf" --results "$out/g" --script "$out/keys" --screen "$out/g_grid.txt" --size 200x30 \
  || fail "dashboard exit $?"

"$PYTHON3" - "$out" <<'PY' || fail "report and Grid view disagree"
import re, sys
out = sys.argv[1]

def norm(s):
    # the dashboard writes ASCII marks in the C locale
    return s.replace("+-", "\u00b1").replace("!", "\u2020")

def report_table(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    head = re.split(r"  +", lines[1].strip())
    rows = []
    for l in lines[2:]:
        if not l.strip():
            break
        f = re.split(r"  +", l.strip())
        ref = f[0].endswith(" (ref)")
        rows.append({"label": f[0][:-6] if ref else f[0], "ref": ref, "n": f[1],
                     "cells": dict(zip(head[2:], f[2:]))})
    return head[2:], rows

def grid_table(path, titles):
    lines = [norm(l) for l in open(path, encoding="utf-8").read().split("\n")]
    head = lines[1]
    shown = [t for t in titles if re.search(re.escape(t) + r"( %)?( |$)", head)]
    extra = len(re.findall(r"Acc[57]", head))
    rows = []
    for l in lines[2:]:
        if not l.strip():
            break
        tok = l.split()
        k = len(shown) + extra
        cells, n, label = tok[-k:][:len(shown)], tok[-k - 1], " ".join(tok[:-k - 1])
        ref = label.startswith("[ref] ")
        rows.append({"label": label[6:] if ref else label, "ref": ref, "n": n.split("/")[0],
                     "cells": dict(zip(shown, cells))})
    return shown, rows, "\n".join(lines)

def num(cell):
    m = re.match(r"^(-?[0-9.]+)(?:\u00b1([0-9.]+))?([*\u2020]*)$", cell)
    assert m, "not a rounded mean\u00b1sd cell: %r" % cell
    return m.group(1), m.group(2), m.group(3)

def same(name, rep, grid, exact=True):
    rtitles, rrows = rep
    shown, grows = grid[0], grid[1]
    assert [r["label"] for r in rrows] == [g["label"] for g in grows], \
        "%s: rows %s vs %s" % (name, [r["label"] for r in rrows], [g["label"] for g in grows])
    for r, g in zip(rrows, grows):
        assert r["ref"] == g["ref"], "%s: reference row differs at %s" % (name, r["label"])
        # report: n or n+unfinished; with the experiment the grid shows finished/expected
        assert r["n"].split("+")[0] == g["n"].split("+")[0], "%s: n of %s: %s vs %s" % (name, r["label"], r["n"], g["n"])
        for t in shown:
            rc, gc = r["cells"][t], g["cells"][t]
            if exact or rc == "-":
                assert rc == gc or (rc == "-" and gc in ("-", "\u2026")), \
                    "%s: %s %s: report %r, grid %r" % (name, r["label"], t, rc, gc)
                continue
            # fewer decimals to fit: the same number rounded, the same marks
            rm, rs, rk = num(rc)
            gm, gs, gk = num(gc)
            d = len(gm.split(".")[1]) if "." in gm else 0
            assert rk == gk, "%s: marks of %s %s: %r vs %r" % (name, r["label"], t, rc, gc)
            assert abs(float(gm) - float(rm)) <= 0.5 * 10 ** -d + 1e-9, "%s: %r is not %r rounded" % (name, gc, rc)
            assert (rs is None) == (gs is None) and (rs is None or abs(float(gs) - float(rs)) <= 0.5 * 10 ** -d + 1e-9), \
                "%s: sd of %r is not that of %r rounded" % (name, gc, rc)
    return rrows, grows

h = report_table(out + "/h_report.txt")
hg = grid_table(out + "/h_grid.txt", h[0])
assert len(hg[0]) == 6, "wide screen shows the six paper columns: %s" % hg[0]
rrows, grows = same("hand", h, hg)
rows = {r["label"]: r for r in rrows}
assert [r["label"] for r in rrows] == ["M", "M,T", "M,A", "M,T,A,V"], "paper's order: %s" % list(rows)
assert rows["M,T,A,V"]["ref"], "the full model is the default reference"
assert rows["M,T,A,V"]["n"] == "3", "a repeated seed counts once: n = %s" % rows["M,T,A,V"]["n"]
assert rows["M,T,A,V"]["cells"]["MAE"] == "0.710\u00b10.010*" and rows["M,T"]["cells"]["MAE"] == "0.710\u00b10.010*", \
    "a tie: both rows starred: %s, %s" % (rows["M,T,A,V"]["cells"]["MAE"], rows["M,T"]["cells"]["MAE"])
assert rows["M"]["cells"]["Acc2 Has0"].startswith("75.00\u00b10.00"), "tiny SD rounded: %s" % rows["M"]["cells"]["Acc2 Has0"]
assert rows["M,A"]["n"] == "1+2", "unfinished runs: %s" % rows["M,A"]["n"]
assert "\u2020" in rows["M"]["cells"]["MAE"], "M differs from the reference: dagger expected"
assert "note: 1 run repeats" in hg[2], "the Grid view notes the repeat"
n = grid_table(out + "/h_narrow.txt", h[0])
assert 0 < len(n[0]) < 6, "narrow screen shows fewer columns: %s" % n[0]
same("hand, narrow", h, n, exact=False)
for l in n[2].split("\n")[2:6]:
    assert not re.search(r"[0-9]e|e[0-9-]", l), "exponent or cut number in %r" % l

g = report_table(out + "/g_report.txt")
gg = grid_table(out + "/g_grid.txt", g[0])
rrows, grows = same("pooled", g, gg)
assert [r["label"] for r in rrows] == ["all", "w/o L_N^mt"] and rrows[0]["ref"], [r["label"] for r in rrows]
assert all(r["n"] == "4" for r in rrows), "two tasks x two seeds pooled per row"
assert "note: 2 groups pool runs" in gg[2] and "in tasks" in gg[2], "the Grid view warns about the pooled groups"
PY
exit 0
