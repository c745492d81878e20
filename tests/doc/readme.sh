#!/bin/sh
# readme.sh: every ```sh block of README.md runs (scripts/readme-run.sh
# --quick: each grid and run with one seed and two epochs; `make
# check-readme-full` runs them as written), the quick-start commands come
# first, and every output and screen section of the README is filled.
set -u
readme=$top_srcdir/README.md
fail() { echo "FAIL: $*"; exit 1; }
# the quick start: the first two commands, as documented
cmds=$(grep -n '^    \./quickstart\.sh' "$readme" | head -n 2)
echo "$cmds" | sed -n 1p | grep -q '^[0-9]*:    \./quickstart\.sh  ' || fail "the first command is not ./quickstart.sh"
echo "$cmds" | sed -n 2p | grep -q '^[0-9]*:    \./quickstart\.sh test ' || fail "the second command is not ./quickstart.sh test"
first_block=$(grep -n '^```' "$readme" | head -n 1 | cut -d: -f1)
[ "$(echo "$cmds" | sed -n 1p | cut -d: -f1)" -lt "$first_block" ] || fail "the quick start is not first"
# quickstart.sh keeps the modes the README describes
grep -q 'mode=${1:-run}' "$top_srcdir/quickstart.sh" || fail "quickstart.sh lost its modes"
grep -q 'echo "$passed passed, $failed failed"' "$top_srcdir/quickstart.sh" || fail "quickstart.sh lost its last line"
# no section left empty
awk '/^<!-- (output|output text|screen [a-z]+) -->$/ { open = NR; next }
     /^<!-- end (output|screen) -->$/ { if (NR - open < 2) { print "empty section at line " open; bad = 1 } }
     END { exit bad }' "$readme" || fail "an output or screen section of README.md is empty"
grep -q TIMES_PLACEHOLDER "$readme" && fail "a placeholder is left"
# the commands
bash "$top_srcdir/scripts/readme-run.sh" --quick "$readme" "$top_builddir/tests/doc/readme-work"
rc=$?
[ $rc -eq 0 ] && rm -rf "$top_builddir/tests/doc/readme-work"
exit $rc
