#!/bin/sh
# data_import_errors.sh: `selfmi import csv` refuses bad input with the
# file, line and column, and leaves nothing behind.
work=$(mktemp -d "$top_builddir/tmp-importerr-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

printf 'id,label_reg,std_split,text,t0,t1,a0,v0\nv_1,1.5,train,"a, b",1,2,3,4\nv_2,-1,test,c,1,2,3,4\nw_1,0.2,valid,d,1,2,3,4\n' >"$work/ok.csv"
printf 'id,label_reg,std_split,text,t0,t1,a0,v0\nv_1,1.5,train,a,1,2,3,4\nv_2,-1,test,c,1,x2,3,4\n' >"$work/badval.csv"
printf 'id,label_reg,text,t0,a0,v0\nv_1,1.5,a,1,3,4\n' >"$work/nosplit.csv"

"$SELFMI" import csv "$work/badval.csv" "$work/out" 2>"$work/err"
[ $? -eq 2 ] || fail "bad value: exit 2"
cat "$work/err"
grep -q "badval.csv: line 3: column 't1'" "$work/err" || fail "message names file, line, column"
[ -e "$work/out" ] && fail "no output on error"
"$SELFMI" import csv "$work/nosplit.csv" "$work/out" 2>"$work/err"
[ $? -eq 2 ] || fail "missing column: exit 2"
grep -q "nosplit.csv: line 1: no column 'std_split'" "$work/err" || fail "missing column named"
"$SELFMI" import csv "$work/none.csv" "$work/out" 2>"$work/err"
[ $? -eq 2 ] && grep -q "none.csv" "$work/err" || fail "missing file named"
ls "$work" | grep -q "tmp-" && fail "temporaries left behind"

"$SELFMI" import csv "$work/ok.csv" "$work/out" --bogus 2>/dev/null; [ $? -eq 2 ] || fail "unknown option: exit 2"
"$SELFMI" import csv "$work/ok.csv" 2>/dev/null; [ $? -eq 2 ] || fail "missing OUTDIR: exit 2"
"$SELFMI" import csv "$work/ok.csv" "$work/out" --valid-from test 2>/dev/null; [ $? -eq 2 ] || fail "bad --valid-from"
"$SELFMI" import csv "$work/ok.csv" "$work/out" --valid-from valid:0.5 2>/dev/null; [ $? -eq 2 ] || fail "--valid-from valid"
"$SELFMI" import csv "$work/ok.csv" "$work/out" --seed -3 2>/dev/null; [ $? -eq 2 ] || fail "negative seed"

"$SELFMI" import csv "$work/ok.csv" "$work/sub/out" >/dev/null || fail "import ok.csv"
"$SELFMI" info "$work/sub/out" | grep -q "samples  3 (train 1, valid 1, test 1)" || fail "info on the import"
"$SELFMI" import csv "$work/ok.csv" "$work/sub/out" 2>"$work/err" >/dev/null
[ $? -eq 1 ] && grep -q "already exists" "$work/err" || fail "an existing OUTDIR is not replaced silently"
"$SELFMI" import csv "$work/ok.csv" "$work/sub/out" --force >/dev/null || fail "--force replaces it"
[ "$(ls "$work/sub")" = out ] || fail "nothing but OUTDIR beside it: $(ls "$work/sub")"
"$SELFMI" import csv "$work/ok.csv" --id id "$work/sub/o2" --transcript= >/dev/null || fail "options between positionals"
grep -q '"v","1","",1.5' "$work/sub/o2/label.csv" || fail "empty transcript, id split at the last _"

"$SELFMI" info "$work/missing" 2>"$work/err"; [ $? -eq 2 ] && grep -q "missing/label.csv" "$work/err" || fail "info on a missing dir"
"$SELFMI" info 2>/dev/null; [ $? -eq 2 ] || fail "info without DIR: exit 2"
exit 0
