#!/usr/bin/env bash
# chan-loop.sh - the loop that found the async-preemption hang (issue 10):
# many short channel runs, four at a time, GORT_MAXPROCS cycling 1..4,
# each bounded by a time-out. Prints one line per run that failed or hung
# and a summary "runs N, hung H, failed F"; exits 1 if any did.
#
#   tests/stress/chan-loop.sh [GORT_BINARY] [RUNS] [WORKLOAD] [N]
#   e.g. tests/stress/chan-loop.sh build/gort 100000
#
# A run that exceeds 10 s (GORT_LOOP_TIMEOUT) is a hang (a run takes ~20
# ms here; the sanitizer builds ~10x that).
set -u
bin=${1:-build/gort}
runs=${2:-800}
workload=${3:-chan_buffered_4x4}
n=${4:-400000}
par=4
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
# A run still alive after the time-out has its threads' stacks taken with
# gdb (when gdb is there) into DIR/late-N.gdb and gets three more
# time-outs: a loaded machine (nice 19 beside builds gets ~1% of a CPU)
# can make a run that slow. If it is still alive then, it is given further
# time-outs one at a time for as long as its CPU time grows (a hang stops
# using CPU: its Ms block), up to GORT_LOOP_CAP seconds in all (600). If it
# ends meanwhile, it is counted as slow, not hung; else its stacks are
# taken again (DIR/hang-N.gdb), then a SIGQUIT (gort's goroutine dump,
# DIR/hang-N.err) and a SIGKILL. DIR is GORT_LOOP_KEEP (default
# /tmp/gort-chan-loop), kept after the loop.
keep=${GORT_LOOP_KEEP:-/tmp/gort-chan-loop}
mkdir -p "$keep"
limit=${GORT_LOOP_TIMEOUT:-10}
# CPU time (user + system, clock ticks) of a live process, or nothing.
cpu_ticks() {
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null
}
stacks() {
  if command -v gdb >/dev/null; then
    gdb -p "$1" -batch -ex "thread apply all bt" >"$2" 2>&1
  fi
}
one() {
  local i=$1 procs=$(( ($1 % 4) + 1 )) rc done_pid
  GORT_MAXPROCS=$procs "$bin" run "$workload" --n "$n" >/dev/null 2>"$log/$i.err" &
  local pid=$!
  sleep "$limit" &
  local timer=$!
  wait -n -p done_pid "$pid" "$timer"
  rc=$?
  if [ "$done_pid" = "$pid" ]; then
    kill "$timer" 2>/dev/null
    wait "$timer" 2>/dev/null
  else
    stacks "$pid" "$keep/late-$i.gdb"
    sleep $((limit * 3)) &
    timer=$!
    wait -n -p done_pid "$pid" "$timer"
    rc=$?
    local waited=$((limit * 4)) cap=${GORT_LOOP_CAP:-600} before now
    if [ "$done_pid" != "$pid" ]; then
      # Still alive after four time-outs. A hang makes no progress: its
      # Ms block (the issue-10 hang: every one in a futex wait), so it
      # stops using CPU, while a run the OS starves (nice 19 beside a
      # loaded machine) still gets some. So wait on, a time-out at a time,
      # while the run's CPU time grows, up to GORT_LOOP_CAP seconds in all
      # (default 600: a livelock that spins for ever is a hang too).
      before=$(cpu_ticks "$pid")
      while [ "$waited" -lt "$cap" ]; do
        sleep "$limit" &
        timer=$!
        wait -n -p done_pid "$pid" "$timer"
        rc=$?
        waited=$((waited + limit))
        [ "$done_pid" = "$pid" ] && break
        now=$(cpu_ticks "$pid")
        if [ -z "$now" ] || [ "$now" = "$before" ]; then break; fi
        before=$now
      done
    fi
    if [ "$done_pid" = "$pid" ]; then
      kill "$timer" 2>/dev/null
      wait "$timer" 2>/dev/null
      echo "slow" >"$log/$i.slow"
      echo "run $i (procs $procs): slow (ended within $waited s, rc=$rc)"
    else
      rc=124
      stacks "$pid" "$keep/hang-$i.gdb"
      kill -QUIT "$pid" 2>/dev/null
      sleep 2
      kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      cp "$log/$i.err" "$keep/hang-$i.err"
    fi
  fi
  if [ $rc -ne 0 ]; then
    if [ $rc -eq 124 ]; then echo "hang" >"$log/$i.res"; else echo "rc=$rc" >"$log/$i.res"; fi
    echo "run $i (procs $procs): $(cat "$log/$i.res") $(head -c 300 "$log/$i.err" | tr '\n' ' ')"
  fi
  rm -f "$log/$i.err"
}
for i in $(seq 1 "$runs"); do
  one "$i" &
  if [ $((i % par)) -eq 0 ]; then wait; fi
  if [ $((i % 5000)) -eq 0 ]; then echo "progress: $i runs $(date -u +%H:%M:%S)"; fi
done
wait
hung=$(cat "$log"/*.res 2>/dev/null | grep -c '^hang' || true)
failed=$(cat "$log"/*.res 2>/dev/null | grep -vc '^hang' || true)
slow=$(ls "$log" | grep -c '\.slow$' || true)
echo "runs $runs, hung $hung, failed $failed, slow $slow ($bin $workload --n $n)"
[ "$hung" -eq 0 ] && [ "$failed" -eq 0 ]
