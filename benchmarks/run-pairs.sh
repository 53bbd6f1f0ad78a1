#!/usr/bin/env bash
# Side-by-side runs of kabuki against its JDK peers, as WORKLOADS.md ("Measuring on small VMs")
# asks: build once, then run kabuki and the peer interleaved (A B A B ...), each side in its own
# JVM fork, collect one ratio per pair, and print the median ratio with its range, plus the CPU
# time each side used.
#
# Usage:  benchmarks/run-pairs.sh [W3a|W6|all]          (default: all)
#
# Environment (all optional):
#   PAIRS=5          pairs per workload (A B = one pair); at least 5 for a reported figure
#   W3A_WI=3 W3A_I=5 W3a warm-up / measurement iterations per fork (single-shot, 1M tasks each)
#   W6_WI=5  W6_I=15 W6  warm-up / measurement iterations per fork (single-shot, one burst each)
#   WORKERS=0        worker threads for kabuki and ForkJoinPool parallelism (0 = cores)
#   PROF=            extra JMH profiler args for both sides, e.g. PROF="-prof gc"
#   FORK_JVM_ARGS=   extra JVM args for the forked benchmark JVMs (-jvmArgsAppend)
#   SKIP_BUILD=1     reuse benchmarks/target/benchmarks.jar
#   OUT=dir          where logs, JSON and results.md go (default benchmarks/target/pairs-<time>)
#   JAVA=path        a JDK 21+ java (else $JAVA_HOME, else /usr/lib/jvm/*)
# Quick smoke run:  PAIRS=1 W3A_WI=1 W3A_I=1 W6_WI=1 W6_I=3 benchmarks/run-pairs.sh
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
WHAT=${1:-all}
PAIRS=${PAIRS:-5}
W3A_WI=${W3A_WI:-3}
W3A_I=${W3A_I:-5}
W6_WI=${W6_WI:-5}
W6_I=${W6_I:-15}
WORKERS=${WORKERS:-0}
PROF=${PROF:-}
FORK_JVM_ARGS=${FORK_JVM_ARGS:-}
SKIP_BUILD=${SKIP_BUILD:-0}
OUT=${OUT:-$HERE/target/pairs-$(date +%Y%m%d-%H%M%S)}
JAR=$HERE/target/benchmarks.jar

case "$WHAT" in
  W3a|w3a) WHAT=W3a ;;
  W6|w6) WHAT=W6 ;;
  all) ;;
  *) echo "usage: $0 [W3a|W6|all]" >&2; exit 2 ;;
esac

# ------------------------------------------------------------------ find a JDK 21+ java
java_major() { # prints the major version of the java binary $1, or nothing
  local v
  v=$("$1" -version 2>&1 | awk -F'"' '/version/ { print $2; exit }') || return 0
  case "$v" in
    1.*) v=${v#1.}; echo "${v%%.*}" ;;
    *) v=${v%%[!0-9]*}; echo "$v" ;;
  esac
}
is_21_plus() { [ -x "$1" ] && local m && m=$(java_major "$1") && [ -n "$m" ] && [ "$m" -ge 21 ]; }

if [ -n "${JAVA:-}" ]; then
  is_21_plus "$JAVA" || { echo "JAVA=$JAVA is not a Java 21+ binary" >&2; exit 1; }
elif [ -n "${JAVA_HOME:-}" ] && is_21_plus "$JAVA_HOME/bin/java"; then
  JAVA=$JAVA_HOME/bin/java
else
  JAVA=
  for j in /usr/lib/jvm/*/bin/java; do
    if is_21_plus "$j"; then JAVA=$j; break; fi
  done
  if [ -z "$JAVA" ]; then
    echo "No JDK 21+ found (checked \$JAVA, \$JAVA_HOME, /usr/lib/jvm/*). Install JDK 21 or newer" \
         "(e.g. apt-get install openjdk-21-jdk) or set JAVA_HOME to one." >&2
    exit 1
  fi
fi
command -v python3 >/dev/null || { echo "python3 is needed to summarise the results" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time (GNU time) is needed for CPU accounting" >&2; exit 1; }

# ------------------------------------------------------------------ build once
if [ "$SKIP_BUILD" != 1 ]; then
  echo "== building benchmarks.jar (mvn -q -B -DskipTests -pl benchmarks -am package)"
  (cd "$ROOT" && mvn -q -B -DskipTests -pl benchmarks -am package)
fi
[ -f "$JAR" ] || { echo "missing $JAR (build failed?)" >&2; exit 1; }
mkdir -p "$OUT"

NPROC=$(nproc)
{
  echo "date: $(date -Is)"
  echo "host: $(uname -srm), $NPROC CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
  echo "java: $JAVA ($("$JAVA" -version 2>&1 | head -1))"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "settings: PAIRS=$PAIRS W3A_WI=$W3A_WI W3A_I=$W3A_I W6_WI=$W6_WI W6_I=$W6_I WORKERS=$WORKERS" \
       "(0 = $NPROC) PROF='$PROF' FORK_JVM_ARGS='$FORK_JVM_ARGS'"
} | tee "$OUT/machine.txt"

# run_side <tag> <benchmark regex> <wi> <i>: one JMH fork of one side, timed by GNU time.
run_side() {
  local tag=$1 regex=$2 wi=$3 i=$4
  local extra=()
  [ -n "$FORK_JVM_ARGS" ] && extra+=(-jvmArgsAppend "$FORK_JVM_ARGS")
  # shellcheck disable=SC2206
  [ -n "$PROF" ] && extra+=($PROF)
  echo "   $(date +%T) $tag (load $(cut -d' ' -f1 /proc/loadavg))"
  echo "$tag $(cut -d' ' -f1 /proc/loadavg)" >>"$OUT/load.txt"
  # GNU time counts the host JVM and the waited-for forked JVM (user+sys, wall).
  if ! /usr/bin/time -f '%U %S %e' -o "$OUT/$tag.time" \
      "$JAVA" -jar "$JAR" "$regex" -f 1 -wi "$wi" -i "$i" -p "workers=$WORKERS" \
      -prof dev.kabuki.benchmarks.CpuProfiler "${extra[@]}" \
      -rf json -rff "$OUT/$tag.json" >"$OUT/$tag.log" 2>&1; then
    echo "   $tag FAILED, see $OUT/$tag.log" >&2
    tail -20 "$OUT/$tag.log" >&2
    exit 1
  fi
  if grep -q -E 'SUSPICIOUS|Exception|ERROR' "$OUT/$tag.log"; then
    echo "   !! $tag: suspicious lines in $OUT/$tag.log:" >&2
    grep -E 'SUSPICIOUS|Exception|ERROR' "$OUT/$tag.log" | head -5 >&2
  fi
}

# run_alive <tag> <side>: the threads-alive half of W6, in its own JVM.
run_alive() {
  local tag=$1 side=$2
  "$JAVA" -Xms1g -Xmx1g -cp "$JAR" dev.kabuki.benchmarks.W6ThreadsAlive "$side" 1 >"$OUT/$tag.log" 2>&1 \
    || { echo "   $tag FAILED, see $OUT/$tag.log" >&2; tail -20 "$OUT/$tag.log" >&2; exit 1; }
  grep -E '^W6ThreadsAlive|SUSPICIOUS' "$OUT/$tag.log" | sed 's/^/   /'
}

START=$(date +%s)
if [ "$WHAT" = W3a ] || [ "$WHAT" = all ]; then
  echo "== W3a spawn-join: $PAIRS pairs, kabuki then ForkJoinPool"
  for p in $(seq 1 "$PAIRS"); do
    run_side "W3a-kabuki-$p" 'W3aSpawnJoin\.kabuki$' "$W3A_WI" "$W3A_I"
    run_side "W3a-peer-$p" 'W3aSpawnJoin\.forkJoinPool$' "$W3A_WI" "$W3A_I"
  done
fi
if [ "$WHAT" = W6 ] || [ "$WHAT" = all ]; then
  echo "== W6 blocking burst: $PAIRS pairs, kabuki then ThreadPoolExecutor"
  for p in $(seq 1 "$PAIRS"); do
    run_side "W6-kabuki-$p" 'W6BlockingBurst\.kabuki$' "$W6_WI" "$W6_I"
    run_side "W6-peer-$p" 'W6BlockingBurst\.threadPoolExecutor$' "$W6_WI" "$W6_I"
    run_alive "W6alive-kabuki-$p" kabuki
    run_alive "W6alive-peer-$p" tpe
  done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); took $(( $(date +%s) - START )) s" | tee -a "$OUT/machine.txt"

# ------------------------------------------------------------------ summarise
python3 - "$OUT" "$PAIRS" "$NPROC" "$WORKERS" <<'PY' | tee "$OUT/results.md"
import json, os, re, statistics, sys

out, pairs, nproc, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
workers = workers or nproc
med = statistics.median

def load(tag):
    """Per-fork median of the measured iterations (ms), CPU ms/iteration, GNU-time CPU s, extras."""
    path = os.path.join(out, tag + ".json")
    if not os.path.exists(path):
        return None
    res = json.load(open(path))[0]
    pm = res["primaryMetric"]
    iters = [x for fork in pm["rawData"] for x in fork]
    sec = res.get("secondaryMetrics", {})
    def sec_med(name):
        m = sec.get(name)
        if not m:
            return None
        return med([x for fork in m["rawData"] for x in fork])
    u, s, e = (float(x) for x in open(os.path.join(out, tag + ".time")).read().split()[-3:])
    return {
        "ms": med(iters), "iters": iters, "unit": pm["scoreUnit"],
        "cpu_ms": sec_med("cpu.ms"), "util": sec_med("cpu.util"),
        "alloc": sec_med("gc.alloc.rate.norm"), "gc_count": sec_med("gc.count"),
        "jvm_cpu_s": u + s, "jvm_wall_s": e,
        "tasks": int(res.get("params", {}).get("tasks", 0) or 0),
    }

loads = {}
if os.path.exists(os.path.join(out, "load.txt")):
    for line in open(os.path.join(out, "load.txt")):
        t, l = line.split()
        loads[t] = l

def fmt_range(xs):
    return f"{min(xs):.2f}–{max(xs):.2f}"

summary, raw = [], []

def workload(wid, label, peer_name, rate):
    rows = []
    for p in range(1, pairs + 1):
        k, q = load(f"{wid}-kabuki-{p}"), load(f"{wid}-peer-{p}")
        if k and q:
            rows.append((p, k, q))
    if not rows:
        return
    # Ratio > 1 means kabuki is better: for a rate kabuki/peer = peer_ms/kabuki_ms; for wall time peer/kabuki too.
    ratios = [q["ms"] / k["ms"] for _, k, q in rows]
    if rate:
        kfig = med([k["tasks"] / (k["ms"] / 1e3) for _, k, _ in rows])
        qfig = med([q["tasks"] / (q["ms"] / 1e3) for _, _, q in rows])
        f = lambda v: f"{v / 1e6:.2f} M tasks/s"
    else:
        kfig = med([k["ms"] for _, k, _ in rows])
        qfig = med([q["ms"] for _, _, q in rows])
        f = lambda v: f"{v:.1f} ms"
    kcpu = med([k["cpu_ms"] for _, k, _ in rows]) / 1e3
    qcpu = med([q["cpu_ms"] for _, _, q in rows]) / 1e3
    kutil = med([k["util"] for _, k, _ in rows])
    qutil = med([q["util"] for _, _, q in rows])
    summary.append(f"| {label} | {f(kfig)} | {f(qfig)} ({peer_name}) | **{med(ratios):.2f}** | {fmt_range(ratios)} "
                   f"| {kcpu:.3f} s ({kutil:.2f} cores) | {qcpu:.3f} s ({qutil:.2f} cores) |")
    raw.append(f"\n### {label}: per pair (median of each fork's measured iterations)\n")
    raw.append("| pair | kabuki ms | peer ms | ratio (higher = kabuki better) | kabuki CPU ms/iter | peer CPU ms/iter "
               "| kabuki JVM CPU s (whole fork) | peer JVM CPU s | kabuki alloc (-prof gc) | peer alloc (-prof gc) | load avg at start (k / p) |")
    raw.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for (p, k, q), r in zip(rows, ratios):
        # gc.alloc.rate.norm is per invocation; per task for W3a (N tasks), per burst for W6.
        a = lambda x: "-" if x["alloc"] is None else (
            f"{x['alloc'] / x['tasks']:.0f} B/task" if x["tasks"] else f"{x['alloc'] / 1e3:.0f} kB/burst")
        raw.append(f"| {p} | {k['ms']:.2f} | {q['ms']:.2f} | {r:.2f} | {k['cpu_ms']:.0f} | {q['cpu_ms']:.0f} "
                   f"| {k['jvm_cpu_s']:.1f} | {q['jvm_cpu_s']:.1f} | {a(k)} | {a(q)} "
                   f"| {loads.get(f'{wid}-kabuki-{p}', '?')} / {loads.get(f'{wid}-peer-{p}', '?')} |")
    raw.append("\nmeasured iterations (ms): " + "; ".join(
        f"pair {p}: kabuki {[round(x, 1) for x in k['iters']]} peer {[round(x, 1) for x in q['iters']]}"
        for p, k, q in rows))

workload("W3a", "W3a spawn-join (N = 1,000,000)", "ForkJoinPool", True)
workload("W6", "W6 blocking burst (1,000 x 10 ms, cap 512)", "ThreadPoolExecutor", False)

alive = []
for p in range(1, pairs + 1):
    for side in ("kabuki", "peer"):
        path = os.path.join(out, f"W6alive-{side}-{p}.log")
        if os.path.exists(path):
            for line in open(path):
                if line.startswith("W6ThreadsAlive "):
                    kv = dict(x.split("=", 1) for x in line.split()[1:] if "=" in x)
                    alive.append((p, kv))

print(f"\n## Side-by-side results ({pairs} interleaved pairs, worker threads = {workers} on {nproc} CPUs)\n")
print("| workload | kabuki | peer | median ratio (kabuki vs peer, higher = kabuki better) | range | CPU per iteration, kabuki | CPU per iteration, peer |")
print("|---|---|---|---|---|---|---|")
for s in summary:
    print(s)
if alive:
    print("\n### W6 threads alive (W6ThreadsAlive, one burst per side per pair, separate JVMs)\n")
    print("| pair | side | burst ms | threads created | pool live right after | JVM threads right after "
          "| pool live 2 s later | JVM threads 2 s later | last seen at (ms) | after close |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for p, kv in alive:
        print(f"| {p} | {kv['side']} | {kv['wall_ms']} | {kv['created']} | {kv['pool_after']} | {kv['jvm_after']} "
              f"| {kv['pool_2s']} | {kv['jvm_2s']} | {kv['last_seen_ms']} | {kv.get('threads_left_after_close')} left |")
for r in raw:
    print(r)
print("\nNotes: ratio per pair = peer time / kabuki time (for W3a that is kabuki tasks/s / peer tasks/s); "
      "figures are medians over pairs of per-fork medians. CPU per iteration = process CPU (all threads) "
      "during a measured JMH iteration (CpuProfiler), with CPU/wall in cores; W6 iterations include building "
      "and shutting down the fresh pool. JVM CPU s = GNU time user+sys of the whole run incl. JVM start, "
      "warm-up and the JMH host.")
PY
echo "(written to $OUT/results.md)"
