#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, from a fresh Debian 12 machine: installs what it
# needs (scripts/setup.sh), builds, then runs
#   1. unit tests                       (tests/unit, no network)
#   2. integration tests                (collectd + plugin + vcsim)
#   3. unit + integration under AddressSanitizer and UBSan
#   4. unit + integration under valgrind memcheck
#   5. short fuzzing runs of every parser of vCenter bytes (if present)
# and ends with one line "N passed, N failed"; exits non-zero on a failure.
# Options: --quick (skip 3-5), or set VSPHERE_SKIP="asan valgrind fuzz".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
skip=" ${VSPHERE_SKIP:-} "
[ "${1:-}" = "--quick" ] && skip=" asan valgrind fuzz "

passed=0 failed=0 skipped=0
logdir=$(mktemp -d /tmp/vsphere-tests.XXXXXX)

# Runs a command, shows its output, counts the test lines it prints:
# "ok N - x"/"not ok N - x" (unit) and "PASS x"/"FAIL x" (integration);
# "ok N - x # SKIP why" and "SKIP x: why" (a test that cannot run here,
# e.g. without ../shared/realxml) are counted apart, as neither.
# A command that fails without printing a failure counts as one failure.
phase() {
  local name=$1; shift
  local log="$logdir/$name.log"
  local t0=$SECONDS
  echo "=== $name: $*"
  "$@" >"$log" 2>&1
  local rc=$?
  echo "    ($name took $((SECONDS - t0)) s)"
  grep -E '^(ok|not ok) [0-9]+|^(PASS|FAIL|SKIP) |ERROR SUMMARY|runtime error|AddressSanitizer|LeakSanitizer' "$log"
  # where the time goes: tests of 20 s or more
  grep -E '^  [A-Za-z0-9_]+ took ([2-9][0-9]|[0-9]{3,})\.[0-9]s$' "$log" | sed 's/^/   /' || true
  local p f s
  p=$(grep -E '^ok [0-9]+|^PASS ' "$log" | grep -cv '# SKIP')
  s=$(grep -cE '^ok [0-9]+ .*# SKIP|^SKIP ' "$log")
  f=$(grep -cE '^not ok [0-9]+|^FAIL ' "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "--- $name failed (exit $rc) without a failing test line; last output:"
    tail -30 "$log"
    f=1
  fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

unit_tests() { # dir [wrapper...]
  local dir=$1; shift
  local rc=0
  for t in "$dir"/tests/unit/test_*; do
    [ -x "$t" ] && [ -f "$t" ] || continue
    case "$t" in *.o|*.c|*.log|*.trs) continue ;; esac
    (cd "$root" && srcdir="$root" "$@" "$t") || rc=1
  done
  return $rc
}

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
make -j"$(nproc)" check TESTS= >"$logdir/build.log" 2>&1 || {
  tail -40 "$logdir/build.log"; echo "0 passed, 1 failed"; exit 1; }
if grep -E 'warning:' "$logdir/build.log"; then
  echo "build has warnings"; failed=$((failed + 1))
fi

# Integration suites: collectd + plugin + vcsim (each prints PASS/FAIL lines).
suites=()
for f in tests/test_harness_selfcheck.py tests/test_backends.py tests/test_docs.py \
         tests/test_build.py tests/test_package.py tests/test_writers.py tests/test_dashboard.py \
         tests/test_integration.py tests/test_strict_vcsim.py tests/test_coverage.py tests/test_scale.py \
         tests/test_semantics.py tests/test_updates.py tests/test_extras.py tests/test_tags.py tests/test_events.py tests/test_alarms.py tests/test_replay.py \
         tests/test_security.py tests/test_faults.py tests/test_soak.py; do
  [ -f "$f" ] && suites+=("$f")
done
# A phase in the background, with its own counts (a subshell cannot add
# to ours): bg_join shows its output and adds them.
bg_phases=()
bg_phase() { # name command...
  local name=$1
  ( passed=0 failed=0 skipped=0
    phase "$@"
    echo "$passed $failed $skipped" >"$logdir/$name.counts" ) >"$logdir/$name.out" 2>&1 &
  bg_phases+=("$!:$name")
}
bg_join() {
  local entry name p f s
  for entry in "${bg_phases[@]}"; do
    wait "${entry%%:*}"
    name=${entry#*:}
    cat "$logdir/$name.out"
    if ! read -r p f s <"$logdir/$name.counts"; then
      echo "--- $name left no counts"; p=0 f=1 s=0
    fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  done
  bg_phases=()
}

run_suites() { # phase-prefix [extra args...]: every suite as its own phase
  local prefix=$1; shift
  for f in "${suites[@]}"; do
    # checked once, in the plain run: the harness, the backends, the docs,
    # the package, the writers' examples and the dashboard
    case "$f" in tests/test_harness_selfcheck.py|tests/test_backends.py|tests/test_docs.py|\
                 tests/test_build.py|tests/test_package.py|tests/test_writers.py|tests/test_dashboard.py)
      [ "$prefix" != integration ] && continue ;; esac
    # The package suite (two niced builds of the tree: CPU) runs beside the
    # security suite (mostly a 180 s lockout window: the clock), not beside
    # suites that time the plugin: about 3 minutes less, nothing shared
    # (its builds are in copies of the tree; the deb's plugin is not the
    # one the tests load).
    if [ "$prefix" = integration ]; then
      case "$f" in
        tests/test_package.py) continue ;;
        tests/test_security.py) [ -f tests/test_package.py ] &&
          bg_phase integration-test_package python3 tests/test_package.py ${QUICK:-} ;;
      esac
    fi
    phase "$prefix-$(basename "$f" .py)" "$@" python3 "$f" ${QUICK:-}
    bg_join
  done
}

phase unit unit_tests "$root"
run_suites integration env

if [[ $skip != *" valgrind "* ]]; then
  vg="valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect"
  # unit tests are libtool wrappers: run the real binaries
  phase unit-valgrind unit_tests "$root" env LD_LIBRARY_PATH="$root/tests/unit/.libs" $vg
  QUICK=--quick run_suites valgrind env \
    VSPHERE_WRAPPER="valgrind --leak-check=full --show-leak-kinds=definite --num-callers=30"
fi

if [[ $skip != *" asan "* ]]; then
  # The same tree rebuilt with sanitizers (and rebuilt plain afterwards, so
  # the tree is left as setup.sh made it).
  asan_cflags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
  if (make clean && make -j"$(nproc)" check TESTS= CFLAGS="$asan_cflags" LDFLAGS="-fsanitize=address,undefined") \
      >"$logdir/build-asan.log" 2>&1; then
    phase unit-asan env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 bash -c "$(declare -f unit_tests); unit_tests '$root'"
    # collectd is not built with ASan: preload the runtime into it. Leak
    # checking of the daemon is valgrind's job (above), not LSan's.
    QUICK=--quick run_suites asan env \
      LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
      ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  else
    tail -30 "$logdir/build-asan.log"; failed=$((failed + 1))
  fi
  # (CI's clone is thrown away afterwards: no need to leave it plain)
  if [ "${CI:-}" != "true" ]; then
    (make clean && make -j"$(nproc)" check TESTS=) >"$logdir/rebuild.log" 2>&1 || {
      tail -30 "$logdir/rebuild.log"; failed=$((failed + 1)); }
  fi
fi

if [[ $skip != *" fuzz "* ]] && [ -x tests/fuzz/run.sh ]; then
  phase fuzz bash tests/fuzz/run.sh 10
fi

rm -rf "$logdir"
if [ "$skipped" -gt 0 ]; then
  echo "$skipped skipped (they cannot run here; see their SKIP lines)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
