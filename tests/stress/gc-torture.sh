#!/usr/bin/env bash
# gc-torture.sh - the concurrent collector's torture test
# (tests/native/test-gctorture.c) as a soak: for each build directory
# given, GOMAXPROCS 1..4 with GORT_GC=concurrent and checkmark, SECONDS
# each (GORT_TORTURE_SECONDS), then the two mutation cases (either half of
# the write barrier removed), which must die with a fatal error (the
# test's node check or the collector's checks). Runs one at a time (a
# run keeps every P busy). Prints one line per run and a summary "runs N,
# failed F, hung H"; exits 1 if any run failed or hung.
#
#   tests/stress/gc-torture.sh [SECONDS] [ROUNDS] [BUILD_DIR...]
#   e.g. tests/stress/gc-torture.sh 300 1 build build-asan build-tsan
#
# Defaults: 60 s, 1 round, every one of build build-asan build-tsan that
# is built. A run still alive SECONDS * 4 + 120 s after it began
# (sanitizer builds are slow; the case stops on time, not on work done)
# is a hang: its threads' stacks go to DIR/hang-N.gdb (with gdb), then a
# SIGQUIT (gort's goroutine dump, DIR/hang-N.err) and a SIGKILL. A failed
# run's output goes to DIR/fail-N.err. DIR is GORT_LOOP_KEEP (default
# /tmp/gort-gc-torture), kept after the loop.
set -u
cd "$(dirname "$0")/../.." || exit 2
seconds=${1:-60}
rounds=${2:-1}
shift $(($# > 2 ? 2 : $#))
builds=("$@")
if [ ${#builds[@]} -eq 0 ]; then
  for b in build build-asan build-tsan; do
    [ -x "$b/gort_tests" ] && builds+=("$b")
  done
fi
keep=${GORT_LOOP_KEEP:-/tmp/gort-gc-torture}
mkdir -p "$keep"
limit=$((${seconds%.*} * 4 + 120))
runs=0 failed=0 hung=0

# one BUILD CASE WANT_RC ENV...: run a case, check its exit code and,
# for the crash cases, the text.
one() {
  local build=$1 name=$2 want=$3
  local bin=$build/gort_tests
  shift 3
  runs=$((runs + 1))
  local n=$runs out="$keep/run-$runs.err" t0=$SECONDS
  env "$@" GORT_TORTURE_SECONDS="$seconds" "$bin" "$name" >"$out" 2>&1 &
  local pid=$!
  local waited=0
  while kill -0 "$pid" 2>/dev/null && [ $waited -lt $limit ]; do
    sleep 1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    if command -v gdb >/dev/null; then
      gdb -p "$pid" -batch -ex "thread apply all bt" >"$keep/hang-$n.gdb" 2>&1
    fi
    kill -QUIT "$pid" 2>/dev/null
    sleep 2
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    cp "$out" "$keep/hang-$n.err"
    hung=$((hung + 1))
    echo "run $n ($build $name $*): hang after ${limit}s, see $keep/hang-$n.*"
    return
  fi
  wait "$pid"
  local rc=$? ok=1
  [ "$rc" -eq "$want" ] || ok=0
  if [ "$want" -eq 0 ]; then
    grep -q "^ok $name" "$out" || ok=0
  else
    grep -q "fatal error: " "$out" || ok=0
  fi
  local line
  line=$(grep -m1 "^gctorture: GOMAXPROCS" "$out")
  [ "$want" -ne 0 ] && line=$(grep -m1 -E "^gctorture: node|^runtime: (checkmark|gcverify)" "$out" | cut -c1-160)
  if [ $ok -eq 1 ]; then
    echo "run $n ($build $name $*): ok in $((SECONDS - t0))s: $line"
    rm -f "$out"
  else
    failed=$((failed + 1))
    cp "$out" "$keep/fail-$n.err"
    echo "run $n ($build $name $*): FAILED rc=$rc (want $want), see $keep/fail-$n.err:"
    tail -n 5 "$out" | sed 's/^/    /'
  fi
  rm -f "$out"
}

for _ in $(seq 1 "$rounds"); do
  for b in "${builds[@]}"; do
    for procs in 1 2 3 4; do
      one "$b" gctorture_p2 0 GORT_GC=concurrent GORT_DEBUG=gccheckmark=1 \
        GORT_TORTURE_PROCS=$procs
    done
    one "$b" gctorture_stw 0 GORT_GC=stw
    one "$b" crash_gctorture_no_deletion_barrier 2 GORT_GC=concurrent \
      GORT_DEBUG=gccheckmark=1,wbbroken=1
    one "$b" crash_gctorture_no_insertion_barrier 2 GORT_GC=concurrent \
      GORT_DEBUG=gccheckmark=1,wbbroken=2
  done
done
echo "runs $runs, failed $failed, hung $hung (${seconds}s each; ${builds[*]})"
[ "$failed" -eq 0 ] && [ "$hung" -eq 0 ]
