#!/usr/bin/env bash
# quickstart.sh: set up a fresh Debian 12 machine, build, and run selfmi.
#
#   ./quickstart.sh          install what is missing, build, then run the main
#                            job: the dashboard on the built-in synthetic data
#                            when stdout is a terminal, else a batch run with a
#                            summary table
#   ./quickstart.sh test     the same set-up, then the test suite twice: a
#                            normal build and an AddressSanitizer +
#                            UndefinedBehaviorSanitizer build; ends with one
#                            line "N passed, N failed"
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)
mode=${1:-run}
jobs=$(nproc 2>/dev/null || echo 2)

say() { printf 'quickstart: %s\n' "$*" >&2; }

# ---- packages ---------------------------------------------------------------
pkgs="gcc make autoconf automake pkg-config libcsv-dev libopenblas-pthread-dev
      liblapacke-dev libncurses-dev tmux python3 python3-numpy"
test_pkgs="python3-scipy clang libclang-rt-14-dev groff-base man-db slurm-wlm munge"
[ "$mode" = test ] && pkgs="$pkgs $test_pkgs"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { say "need root or sudo to install:$missing"; exit 1; }
        sudo=sudo
    fi
    say "installing:$missing"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
fi

# ---- build ------------------------------------------------------------------
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
    say "bootstrapping (autogen.sh)"
    ./autogen.sh >&2
fi

# build DIR CONFIGURE-ARGS...: configure once per argument set, then make
build() {
    local dir=$1; shift
    local args="$*"
    mkdir -p "$dir"
    if [ ! -f "$dir/Makefile" ] || [ "$(cat "$dir/.configure-args" 2>/dev/null)" != "$args" ] \
       || [ configure -nt "$dir/Makefile" ]; then
        say "configuring $dir ($args)"
        (cd "$dir" && "$top/configure" $args >&2) || { say "configure failed; see $dir/config.log"; exit 1; }
        printf '%s' "$args" > "$dir/.configure-args"
    fi
    say "building $dir"
    make -C "$dir" -j"$jobs" >&2
}

if [ "$mode" = test ]; then
    export LC_ALL=C
    passed=0; failed=0; rc=0
    # check DIR TARGET CONFIGURE-ARGS...: build, run the target, add up
    check() {
        local dir=$1 target=$2; shift 2
        build "$dir" "$@"
        local log="$dir/$target-output.txt"
        say "make $target in $dir"
        make -C "$dir" -j"$jobs" "$target" 2>&1 | tee "$log" >&2 || rc=1
        local p f e x
        p=$(awk '/^# PASS:/ {s += $3} END {print s + 0}' "$log")
        f=$(awk '/^# FAIL:/ {s += $3} END {print s + 0}' "$log")
        e=$(awk '/^# ERROR:/ {s += $3} END {print s + 0}' "$log")
        x=$(awk '/^# XPASS:/ {s += $3} END {print s + 0}' "$log")
        [ "$p" -gt 0 ] || rc=1
        passed=$((passed + p)); failed=$((failed + f + e + x))
    }
    check build check --enable-werror
    check build-asan check --enable-werror --enable-asan
    # the threaded tests under ThreadSanitizer (a sub-build of build/)
    check build check-tsan --enable-werror
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
    exit
fi

build build
# the dashboard on a terminal, else the default experiment headless with
# its summary table
exec build/selfmi
