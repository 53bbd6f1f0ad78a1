#!/usr/bin/env bash
# How steady this machine's single-thread speed is: runs the same fixed busy loop (bash
# arithmetic, no memory traffic, no system calls inside it) RUNS times in a row, each in a fresh
# process pinned to one CPU in turn (taskset, when it is installed), and prints each run's wall
# time, then one summary line. The work is identical in every run, so on a quiet machine the
# times agree to a few percent; on a shared VM whose host lends its cores to others they spread,
# and a benchmark side that runs on one thread takes whatever speed its CPU has at the time.
# benchmarks/run records its summary line before and after a sitting.
#
# Usage:  benchmarks/cpu-steadiness.sh [RUNS] [LOOP]      (defaults: 10 runs, 100000 iterations)
# Output: "cpu-steadiness run=I cpu=C ms=T" per run, then
#         "cpu-steadiness runs=N min_ms=A median_ms=B max_ms=C max/min=R"
set -euo pipefail
RUNS=${1:-10}
LOOP=${2:-100000}
case "$RUNS$LOOP" in *[!0-9]*) echo "usage: $0 [RUNS] [LOOP] (whole numbers)" >&2; exit 2 ;; esac
[ "$RUNS" -ge 1 ] && [ "$LOOP" -ge 1 ] || { echo "usage: $0 [RUNS] [LOOP] (at least 1 each)" >&2; exit 2; }
NPROC=$(nproc)
PIN=0; command -v taskset >/dev/null && PIN=1
times=()
for i in $(seq 1 "$RUNS"); do
  cpu=any pin=()
  [ "$PIN" = 1 ] && cpu=$(( (i - 1) % NPROC )) && pin=(taskset -c "$cpu")
  t0=$(date +%s%N)
  "${pin[@]}" bash -c 'for ((k = 0; k < $1; k++)); do :; done' loop "$LOOP"
  t1=$(date +%s%N)
  ms=$(( (t1 - t0) / 1000000 ))
  times+=("$ms")
  echo "cpu-steadiness run=$i cpu=$cpu ms=$ms"
done
printf '%s\n' "${times[@]}" | sort -n | awk -v n="$RUNS" '
  { t[NR] = $1 }
  END {
    med = (n % 2) ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
    printf "cpu-steadiness runs=%d min_ms=%d median_ms=%g max_ms=%d max/min=%.2f\n", n, t[1], med, t[n], (t[1] > 0 ? t[n] / t[1] : 0)
  }'
