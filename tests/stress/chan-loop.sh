#!/usr/bin/env bash
# chan-loop.sh - the loop that found the async-preemption hang (issue 10):
# many short channel runs, four at a time, GORT_MAXPROCS cycling 1..4,
# each bounded by a time-out. Prints one line per run that failed or hung
# and a summary "runs N, hung H, failed F"; exits 1 if any did.
#
#   tests/stress/chan-loop.sh [GORT_BINARY] [RUNS] [WORKLOAD] [N]
#   e.g. tests/stress/chan-loop.sh build/gort 100000
#
# A run that exceeds 10 s is a hang (a run takes ~20 ms here; the
# sanitizer builds ~10x that).
set -u
bin=${1:-build/gort}
runs=${2:-800}
workload=${3:-chan_buffered_4x4}
n=${4:-400000}
par=4
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
one() {
  local i=$1 procs=$(( ($1 % 4) + 1 ))
  GORT_MAXPROCS=$procs timeout 10 "$bin" run "$workload" --n "$n" >/dev/null 2>"$log/$i.err"
  local rc=$?
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
echo "runs $runs, hung $hung, failed $failed ($bin $workload --n $n)"
[ "$hung" -eq 0 ] && [ "$failed" -eq 0 ]
