#!/bin/sh
# report_man_keys.sh: every configuration key of `selfmi train --keys` is
# documented in man 5 selfmi-experiment, and the shipped experiment files
# all parse.
set -u
man="$top_srcdir/man/selfmi-experiment.5"
[ -f "$man" ] || { echo "FAIL: $man missing"; exit 1; }
keys=$("$SELFMI" train --keys | awk '{print $1}')
[ -n "$keys" ] || { echo "FAIL: no keys listed"; exit 1; }
missing=0
for k in $keys; do
  esc=$(printf '%s' "$k" | sed 's/-/\\\\-/g')
  grep -q "^\.B $esc\$" "$man" || { echo "FAIL: key '$k' not in $man"; missing=1; }
done
[ $missing -eq 0 ] || exit 1
for f in "$top_srcdir"/experiments/*.conf; do
  "$SELFMI" grid "$f" --list > /dev/null 2> "$top_builddir/report_man_keys.err" || {
    echo "FAIL: $f does not parse:"; cat "$top_builddir/report_man_keys.err"; exit 1; }
done
rm -f "$top_builddir/report_man_keys.err"
exit 0
