#!/bin/sh
# rel_old_runconf.sh: run ids and identities outlive the change of number
# text. Ids computed by earlier versions (whose run.conf wrote %.9g,
# "0.00100000005", and CPC sets as lists, "ma,mv") come out unchanged; a
# results root written that way is found done (not trained again, nothing
# in .attic) and an interrupted run of it resumes in place.
set -u
work=$(mktemp -d "$top_builddir/tmp-rel-oldconf-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.err; do [ -f "$f" ] && { echo "== $f"; tail -5 "$f"; }; done; exit 1; }
T="timeout 120"

# ---- ids pinned from an earlier version ------------------------------------
"$SELFMI" grid "$top_srcdir/experiments/ablation-cpc.conf" --list > "$work/ids" 2> "$work/list.err" || fail "grid --list"
cat > "$work/want" <<'IDS'
synth-small-mi-MTAV-all-s1111-591617a9	seed=1111 cpc_terms=all
synth-small-mi-MTAV-cpcav-s1111-8b7470f4	seed=1111 cpc_terms=w/o L_N^mt
synth-small-mi-MTAV-cpctv-s1111-7456772d	seed=1111 cpc_terms=w/o L_N^ma
synth-small-mi-MTAV-cpcta-s1111-99956910	seed=1111 cpc_terms=w/o L_N^mv
IDS
head -4 "$work/ids" | cmp -s - "$work/want" || fail "ablation-cpc ids changed: $(head -4 "$work/ids")"
# floats whose %.9g text is not their shortest (9.99999975e-05, 0.300000012, 0.150000006)
"$SELFMI" grid "$top_srcdir/experiments/ablation-cpc.conf" --list --set lr_other=0.0001 --set lambda_cpc=0.3 \
    --set post_fusion_dropout=0.15 2> "$work/list.err" | cut -f1 | head -3 > "$work/ids2" || fail "grid --list --set"
printf '%s\n' synth-small-mi-MTAV-all-s1111-96a34985 synth-small-mi-MTAV-cpcav-s1111-470c2e5e \
    synth-small-mi-MTAV-cpctv-s1111-ae2d2309 | cmp -s - "$work/ids2" || fail "ids with float keys changed: $(cat "$work/ids2")"

# ---- a results root as an earlier version wrote it ------------------------
printf 'dataset = synth:small\n[config]\nmax_epochs = 2\nlr_other = 0.0001\n[grid]\nseed = 1\ncpc_terms = all | w/o mt\n' \
    > "$work/e.conf"
$T "$SELFMI" grid "$work/e.conf" --out "$work/root" --jobs 1 --quiet > /dev/null 2> "$work/g1.err" || fail "first grid"
n=0
for d in "$work"/root/synth-*; do
    grep -q '^lr_other = 0.0001$' "$d/run.conf" && grep -q '^lambda_cpc = 0.1$' "$d/run.conf" ||
        fail "run.conf numbers are not the shortest text: $(grep -E '^(lr_other|lambda_cpc) ' "$d/run.conf")"
    sed -e 's/= 0\.1$/= 0.100000001/' -e 's/= 0\.001$/= 0.00100000005/' -e 's/= 0\.01$/= 0.00999999978/' \
        -e 's/= 0\.0001$/= 9.99999975e-05/' -e 's/^cpc_terms = all$/cpc_terms = mt,ma,mv/' \
        -e 's|^cpc_terms = w/o L_N^mt$|cpc_terms = ma,mv|' "$d/run.conf" > "$work/old.conf" && cp "$work/old.conf" "$d/run.conf"
    grep -q '^lr_other = 9.99999975e-05$' "$d/run.conf" && grep -q '^cpc_terms = m' "$d/run.conf" || fail "old run.conf"
    n=$((n + 1))
done
[ "$n" -eq 2 ] || fail "$n run directories, expected 2"
cp "$work"/root/*-cpcav-*/test.csv "$work/test.before"
$T "$SELFMI" grid "$work/e.conf" --out "$work/root" --jobs 1 > /dev/null 2> "$work/g2.err" || fail "second grid"
grep -q "0 done, 2 skipped" "$work/g2.err" || fail "old-format runs were not found done: $(tail -1 "$work/g2.err")"
[ -d "$work/root/.attic" ] && fail "an old-format run went to .attic"
# the report reads the old text by the one name
"$SELFMI" report "$work/root" --format csv > "$work/rep.csv" 2> "$work/rep.err" || fail "report"
grep -q '^"\{0,1\}w/o L_N^mt' "$work/rep.csv" || fail "report does not name the old ma,mv run w/o L_N^mt: $(cat "$work/rep.csv")"

# ---- interrupted with an old-format run.conf: resumed in place ------------
d=$(ls -d "$work"/root/*-cpcav-*)
printf 'running\n' > "$d/status"
$T "$SELFMI" grid "$work/e.conf" --out "$work/root" --jobs 1 > /dev/null 2> "$work/g3.err" || fail "third grid"
[ -d "$work/root/.attic" ] && fail "the interrupted old-format run went to .attic, not resumed"
[ "$(cat "$d/status")" = done ] || fail "status after the resume: $(cat "$d/status")"
cmp -s "$d/test.csv" "$work/test.before" || fail "the resumed run's test.csv differs"
exit 0
