#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libFuzzer harnesses of tests/fuzz/ and runs each one for
# SECONDS (default 20) on a copy of its seed corpus (tests/fuzz/corpus/
# <target>/ plus the shared corpus/hostile/), with tests/fuzz/soap.dict.
# Prints one line per target:
#   PASS fuzz_<name>: <execs> execs, 0 crashes
#   FAIL fuzz_<name>: <why>
# and exits non-zero if any target failed. Everything it writes (binaries,
# the grown corpora, logs, crash inputs) is under tests/fuzz/build/.
# Usage: tests/fuzz/run.sh [SECONDS_PER_TARGET]
# Environment: CC (default clang), FUZZ_TARGETS (a subset, space separated),
#              FUZZ_PARALLEL=1 (run the targets at the same time).
set -u

secs=${1:-20}
case $secs in
'' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET]" >&2; exit 2 ;;
esac
[ "$secs" -gt 0 ] || { echo "usage: $0 [SECONDS_PER_TARGET]" >&2; exit 2; }

root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2
fz=tests/fuzz
build=$fz/build
cc=${CC:-clang}
targets=${FUZZ_TARGETS:-"fuzz_soap_fault fuzz_service_content fuzz_prop_page fuzz_catalog fuzz_queryperf fuzz_events fuzz_json"}
mkdir -p "$build" || exit 2

if ! xml_cflags=$(pkg-config --cflags libxml-2.0 2>/dev/null) ||
    ! xml_libs=$(pkg-config --libs libxml-2.0 2>/dev/null); then
    echo "run.sh: pkg-config libxml-2.0 failed (install libxml2-dev)" >&2
    exit 2
fi
command -v "$cc" >/dev/null 2>&1 || { echo "run.sh: $cc not found" >&2; exit 2; }

# The parsers and their helpers only: nothing of collectd is linked.
srcs="src/vs_xml.c src/vs_parse.c src/vs_util.c src/vs_state.c src/vs_kind.c src/vs_json.c"

# run_target NAME: builds, runs and writes the result line to
# $build/NAME.result; returns 0 on PASS.
run_target() {
    t=$1
    log=$build/$t.log
    res=$build/$t.result
    work=$build/work/$t
    # shellcheck disable=SC2086 # word splitting of the flag lists is wanted
    if ! $cc -g -O1 -fsanitize=fuzzer,address,undefined \
        -fno-sanitize-recover=undefined -Wall -Wextra $xml_cflags -Isrc \
        "$fz/$t.c" $srcs -o "$build/$t" $xml_libs >"$build/$t.build.log" 2>&1; then
        echo "FAIL $t: build failed, see $build/$t.build.log" >"$res"
        return 1
    fi
    if [ ! -d "$fz/corpus/$t" ]; then
        echo "FAIL $t: no seed corpus $fz/corpus/$t" >"$res"
        return 1
    fi
    # A fresh copy: libFuzzer adds to its first corpus directory.
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts" || return 1
    cp "$fz/corpus/$t"/* "$work/corpus/" || return 1
    [ -d "$fz/corpus/hostile" ] && cp "$fz/corpus/hostile"/* "$work/corpus/"
    dict=$fz/soap.dict
    [ "$t" = fuzz_json ] && dict=$fz/json.dict
    # libFuzzer stops itself after max_total_time; timeout(1) is the
    # backstop should it hang (e.g. in a crash handler).
    timeout -k 10 $((secs + 120)) "$build/$t" \
        -max_total_time="$secs" -max_len=65536 -timeout=10 \
        -rss_limit_mb=2048 -dict="$dict" -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" "$work/corpus" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^Done \([0-9][0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
    [ -n "$execs" ] ||
        execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    crashes=$(find "$work/artifacts" -type f | wc -l)
    if [ $rc -eq 0 ] && [ "$crashes" -eq 0 ] && [ -n "$execs" ]; then
        echo "PASS $t: $execs execs, 0 crashes" >"$res"
        return 0
    fi
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        why="killed after $((secs + 120)) s"
    else
        why=$(grep -m 1 -E '^==[0-9]+==ERROR|runtime error:|check failed:|^==[0-9]+== ERROR|ALARM|out-of-memory|LeakSanitizer' "$log" |
            sed 's/^==[0-9]*== *//' | cut -c 1-160)
        [ -n "$why" ] || why="exit status $rc"
    fi
    input=$(find "$work/artifacts" -type f | head -n 1)
    echo "FAIL $t: $why; ${execs:-?} execs, $crashes crashes; log $log${input:+, input $input}" >"$res"
    return 1
}

failed=0
if [ "${FUZZ_PARALLEL:-0}" = 1 ]; then
    pids=
    for t in $targets; do
        run_target "$t" &
        pids="$pids $!"
    done
    for p in $pids; do wait "$p" || failed=1; done
    for t in $targets; do cat "$build/$t.result"; done
else
    for t in $targets; do
        run_target "$t" || failed=1
        cat "$build/$t.result"
    done
fi
exit $failed
