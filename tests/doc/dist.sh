#!/bin/sh
# dist.sh: every file under version control is in the release tarball's
# file list (EXTRA_DIST, _SOURCES, dist_*), so `make distcheck` builds and
# tests exactly what the repository holds. Skips outside a git checkout.
set -u
command -v git > /dev/null && git -C "$top_srcdir" rev-parse --is-inside-work-tree > /dev/null 2>&1 ||
    { echo "SKIP: not a git checkout"; exit 77; }
top=$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)
[ "$(cd "$top_srcdir" && pwd -P)" = "$(cd "$top" && pwd -P)" ] || { echo "SKIP: $top_srcdir is not the top of a git checkout"; exit 77; }
[ -f "$top_builddir/Makefile" ] || { echo "SKIP: no Makefile"; exit 77; }
mkdir -p "$top_builddir/tests/doc"
work=$(mktemp -d "$top_builddir/tests/doc/work.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
make -s -C "$top_builddir" distdir distdir="$work/d" > "$work/log" 2>&1 || { cat "$work/log"; echo "FAIL: make distdir"; exit 1; }
(cd "$work/d" && find . -type f | sed 's|^\./||' | sort) > "$work/dist"
git -C "$top_srcdir" ls-files | grep -v '^\.gitignore$' | sort > "$work/git"
missing=$(comm -23 "$work/git" "$work/dist")
[ -z "$missing" ] || { echo "FAIL: not in the tarball (add them to EXTRA_DIST):"; echo "$missing"; exit 1; }
exit 0
