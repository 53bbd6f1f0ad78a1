#!/usr/bin/env bash
# Side-by-side runs of kabuki against its peers, as WORKLOADS.md ("Measuring on small VMs")
# asks: build once, then run kabuki and the peer(s) interleaved (A B A B ..., or for the actor
# workloads kabuki / Pekko / JDK per round), each side in its own JVM fork, collect one ratio per
# pair (round), and print the median ratio with its range, plus the CPU time each side used.
#
# Usage:  benchmarks/run-pairs.sh [W3a|W6|W1|W2|W3b|W4a|W4b|W5|actors|all ...]   (default: all)
#   W3a, W6: kabuki vs its JDK peer (pairs).  W1 W2 W3b W4a W4b W5 ("actors"): kabuki vs Pekko
#   typed actors vs the JDK baseline (virtual thread + LinkedTransferQueue per actor), three
#   sides per round. W3b runs the main program W3bIdleActors in a fresh JVM (-Xms8g -Xmx8g).
#
# Environment (all optional):
#   PAIRS=5          pairs per workload (A B = one pair); at least 5 for a reported figure
#   W3A_WI=3 W3A_I=5 W3a warm-up / measurement iterations per fork (single-shot, 1M tasks each)
#   W6_WI=5  W6_I=15 W6  warm-up / measurement iterations per fork (single-shot, one burst each)
#   WORKERS=0        worker threads for kabuki and ForkJoinPool parallelism (0 = cores)
#   PROF=            extra JMH profiler args for both sides, e.g. PROF="-prof gc"
#   FORK_JVM_ARGS=   extra JVM args for the forked benchmark JVMs (-jvmArgsAppend)
#   ROUNDS=$PAIRS    rounds (kabuki, pekko, jdk) per actor workload
#   ACT_WI=3 ACT_I=5 warm-up / measurement iterations per fork for W1 W2 W4a W4b W5 (single-shot)
#   W1_N=2000000 W2_N=10000000 W4A_N=200000 W4B_N=1000000 W5_N=10000000   ops per invocation
#   W3B_N=1000000 W3B_PASSES=6   W3b actors and wake-up passes (the first 3 are warm-up)
#   SIDE_TIMEOUT=900 seconds before an actor-workload side counts as hung: a jstack of its JVM is
#                    saved to <tag>.jstack, the JVM is killed and the run goes on
#   SKIP_BUILD=1     reuse benchmarks/target/benchmarks.jar
#   SUMMARY_ONLY=1   run nothing; re-summarise an existing OUT=dir (pass the same ROUNDS/ACT_I)
#   OUT=dir          where logs, JSON and results.md go (default benchmarks/target/pairs-<time>)
#   JAVA=path        a JDK 21+ java (else $JAVA_HOME, else /usr/lib/jvm/*)
# Quick smoke run:  PAIRS=1 W3A_WI=1 W3A_I=1 W6_WI=1 W6_I=3 benchmarks/run-pairs.sh W3a W6
# Actor smoke run:  ROUNDS=1 ACT_WI=1 ACT_I=1 W1_N=100000 W2_N=1000000 W4A_N=20000 W4B_N=100000 \
#                   W5_N=1000000 W3B_N=100000 W3B_PASSES=2 benchmarks/run-pairs.sh actors
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
[ $# -eq 0 ] && set -- all
SEL=" "
for a in "$@"; do
  case "$a" in
    W3a|w3a) SEL+="W3a " ;;
    W6|w6) SEL+="W6 " ;;
    W1|w1|W2|w2|W3b|w3b|W4a|w4a|W4b|w4b|W5|w5) a=${a^^}; a=${a/W3B/W3b}; a=${a/W4A/W4a}; a=${a/W4B/W4b}; SEL+="$a " ;;
    actors) SEL+="W1 W2 W3b W4a W4b W5 " ;;
    all) SEL+="W3a W6 W1 W2 W3b W4a W4b W5 " ;;
    *) echo "usage: $0 [W3a|W6|W1|W2|W3b|W4a|W4b|W5|actors|all ...]" >&2; exit 2 ;;
  esac
done
[ "${SUMMARY_ONLY:-0}" = 1 ] && { SEL=" "; SKIP_BUILD=1; }
want() { [[ "$SEL" == *" $1 "* ]]; }
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

ROUNDS=${ROUNDS:-$PAIRS}
ACT_WI=${ACT_WI:-3}
ACT_I=${ACT_I:-5}
W1_N=${W1_N:-2000000}
W2_N=${W2_N:-10000000}
W4A_N=${W4A_N:-200000}
W4B_N=${W4B_N:-1000000}
W5_N=${W5_N:-10000000}
W3B_N=${W3B_N:-1000000}
W3B_PASSES=${W3B_PASSES:-6}
SIDE_TIMEOUT=${SIDE_TIMEOUT:-900}

# ------------------------------------------------------------------ find a JDK 21+ java
. "$HERE/find-java.sh"
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
[ "${SUMMARY_ONLY:-0}" = 1 ] || {
  echo "date: $(date -Is)"
  echo "host: $(uname -srm), $NPROC CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
  echo "java: $JAVA ($("$JAVA" -version 2>&1 | head -1))"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "settings: PAIRS=$PAIRS W3A_WI=$W3A_WI W3A_I=$W3A_I W6_WI=$W6_WI W6_I=$W6_I WORKERS=$WORKERS" \
       "(0 = $NPROC) PROF='$PROF' FORK_JVM_ARGS='$FORK_JVM_ARGS'"
  echo "actor workloads:$SEL| ROUNDS=$ROUNDS ACT_WI=$ACT_WI ACT_I=$ACT_I W1_N=$W1_N W2_N=$W2_N" \
       "W4A_N=$W4A_N W4B_N=$W4B_N W5_N=$W5_N W3B_N=$W3B_N W3B_PASSES=$W3B_PASSES"
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

# watch_hang <pid> <tag>: wait for the side's process; past SIDE_TIMEOUT, jstack every JVM under
# it into <tag>.jstack, kill it, and mark the side failed. Returns the process's exit status.
watch_hang() {
  local pid=$1 tag=$2 waited=0 jstack
  jstack=$(dirname "$JAVA")/jstack
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge "$SIDE_TIMEOUT" ]; then
      echo "   !! $tag: still running after ${SIDE_TIMEOUT}s: HANG; jstack -> $OUT/$tag.jstack" >&2
      for j in $(pgrep -P "$pid") $(pgrep -f "ForkedMain.*$(basename "$OUT")/$tag" || true); do
        for jj in "$j" $(pgrep -P "$j" || true); do
          echo "=== pid $jj: $(tr '\0' ' ' </proc/"$jj"/cmdline 2>/dev/null | cut -c1-200)" >>"$OUT/$tag.jstack"
          "$jstack" -l "$jj" >>"$OUT/$tag.jstack" 2>&1 || true
        done
      done
      for j in $(pgrep -P "$pid"); do pkill -P "$j" 2>/dev/null || true; kill "$j" 2>/dev/null || true; done
      kill "$pid" 2>/dev/null || true
      echo "HANG" >"$OUT/$tag.failed"
      wait "$pid" 2>/dev/null || true
      return 1
    fi
    sleep 1; waited=$((waited + 1))
  done
  wait "$pid"
}

# run_side3 <tag> <benchmark regex> <param>=<n>: one JMH fork of one side of an actor workload.
# A failure or hang is recorded (<tag>.failed) and the run goes on with the next side.
run_side3() {
  local tag=$1 regex=$2 param=$3
  local extra=()
  [ -n "$FORK_JVM_ARGS" ] && extra+=(-jvmArgsAppend "$FORK_JVM_ARGS")
  # shellcheck disable=SC2206
  [ -n "$PROF" ] && extra+=($PROF)
  echo "   $(date +%T) $tag (load $(cut -d' ' -f1 /proc/loadavg))"
  echo "$tag $(cut -d' ' -f1 /proc/loadavg)" >>"$OUT/load.txt"
  /usr/bin/time -f '%U %S %e' -o "$OUT/$tag.time" \
      "$JAVA" -jar "$JAR" "$regex" -f 1 -wi "$ACT_WI" -i "$ACT_I" -p "workers=$WORKERS" -p "$param" \
      -prof dev.kabuki.benchmarks.CpuProfiler "${extra[@]}" \
      -rf json -rff "$OUT/$tag.json" >"$OUT/$tag.log" 2>&1 &
  local pid=$!
  if ! watch_hang "$pid" "$tag" || grep -q '<failure>' "$OUT/$tag.log"; then
    [ -f "$OUT/$tag.failed" ] || echo "FAILED" >"$OUT/$tag.failed"
    echo "   !! $tag FAILED ($(cat "$OUT/$tag.failed")), see $OUT/$tag.log" >&2
    grep -m3 -E 'Error|Exception' "$OUT/$tag.log" | sed 's/^/      /' >&2 || true
    rm -f "$OUT/$tag.json"
  fi
  if grep -q -E 'SUSPICIOUS|Exception|ERROR' "$OUT/$tag.log"; then
    echo "   !! $tag: suspicious lines in $OUT/$tag.log:" >&2
    grep -E 'SUSPICIOUS|Exception|ERROR' "$OUT/$tag.log" | head -5 >&2
  fi
}

# run_w3b <tag> <side>: the W3b main program in a fresh JVM.
run_w3b() {
  local tag=$1 side=$2
  echo "   $(date +%T) $tag (load $(cut -d' ' -f1 /proc/loadavg))"
  echo "$tag $(cut -d' ' -f1 /proc/loadavg)" >>"$OUT/load.txt"
  /usr/bin/time -f '%U %S %e' -o "$OUT/$tag.time" \
      "$JAVA" -Xms8g -Xmx8g $FORK_JVM_ARGS -cp "$JAR" dev.kabuki.benchmarks.W3bIdleActors \
      "$side" "$W3B_N" "$WORKERS" "$W3B_PASSES" >"$OUT/$tag.log" 2>&1 &
  local pid=$!
  if ! watch_hang "$pid" "$tag"; then
    [ -f "$OUT/$tag.failed" ] || echo "FAILED" >"$OUT/$tag.failed"
    echo "   !! $tag FAILED ($(cat "$OUT/$tag.failed")), see $OUT/$tag.log" >&2
    tail -5 "$OUT/$tag.log" >&2
  fi
  grep -E '^W3bIdleActors|SUSPICIOUS' "$OUT/$tag.log" | sed 's/^/   /' || true
}

START=$(date +%s)
if want W3a; then
  echo "== W3a spawn-join: $PAIRS pairs, kabuki then ForkJoinPool"
  for p in $(seq 1 "$PAIRS"); do
    run_side "W3a-kabuki-$p" 'W3aSpawnJoin\.kabuki$' "$W3A_WI" "$W3A_I"
    run_side "W3a-peer-$p" 'W3aSpawnJoin\.forkJoinPool$' "$W3A_WI" "$W3A_I"
  done
fi
if want W6; then
  echo "== W6 blocking burst: $PAIRS pairs, kabuki then ThreadPoolExecutor"
  for p in $(seq 1 "$PAIRS"); do
    run_side "W6-kabuki-$p" 'W6BlockingBurst\.kabuki$' "$W6_WI" "$W6_I"
    run_side "W6-peer-$p" 'W6BlockingBurst\.threadPoolExecutor$' "$W6_WI" "$W6_I"
    run_alive "W6alive-kabuki-$p" kabuki
    run_alive "W6alive-peer-$p" tpe
  done
fi
# The actor workloads: kabuki / Pekko / JDK per round, each in its own JVM.
act() { # act <wid> <class> <param>=<n>
  local wid=$1 cls=$2 param=$3
  echo "== $wid ($cls, $param): $ROUNDS rounds, kabuki / pekko / jdk"
  for p in $(seq 1 "$ROUNDS"); do
    for side in kabuki pekko jdk; do
      run_side3 "$wid-$side-$p" "$cls\\.$side\$" "$param"
    done
  done
}
want W1 && act W1 W1PingPong "roundTrips=$W1_N"
want W2 && act W2 W2FanIn "messages=$W2_N"
want W4a && act W4a W4aAskSequential "asks=$W4A_N"
want W4b && act W4b W4bAskConcurrent "asks=$W4B_N"
want W5 && act W5 W5Ring "hops=$W5_N"
if want W3b; then
  echo "== W3b idle actors (W3bIdleActors, N=$W3B_N, $W3B_PASSES passes): $ROUNDS rounds, kabuki / pekko / jdk"
  for p in $(seq 1 "$ROUNDS"); do
    for side in kabuki pekko jdk; do
      run_w3b "W3b-$side-$p" "$side"
    done
  done
fi
[ "${SUMMARY_ONLY:-0}" = 1 ] || echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); took $(( $(date +%s) - START )) s" | tee -a "$OUT/machine.txt"

# ------------------------------------------------------------------ summarise
python3 - "$OUT" "$PAIRS" "$NPROC" "$WORKERS" "$ROUNDS" "$ACT_I" <<'PY' | tee "$OUT/results.md"
import json, os, re, statistics, sys

out, pairs, nproc, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rounds, act_i = int(sys.argv[5]), int(sys.argv[6])
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

if summary:
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
if summary:
  print("\nNotes: ratio per pair = peer time / kabuki time (for W3a that is kabuki tasks/s / peer tasks/s); "
      "figures are medians over pairs of per-fork medians. CPU per iteration = process CPU (all threads) "
      "during a measured JMH iteration (CpuProfiler), with CPU/wall in cores; W6 iterations include building "
      "and shutting down the fresh pool. JVM CPU s = GNU time user+sys of the whole run incl. JVM start, "
      "warm-up and the JMH host.")
# ------------------------------------------------------------------ actor workloads (3 sides)
ACT = [  # wid, label, JMH param holding N, unit
    ("W1", "W1 ping-pong", "roundTrips", "round trips/s"),
    ("W2", "W2 fan-in (4 platform-thread producers)", "messages", "msgs/s"),
    ("W4a", "W4a ask sequential", "asks", "asks/s"),
    ("W4b", "W4b ask concurrent (<= 1,000 outstanding)", "asks", "asks/s"),
    ("W5", "W5 ring (503 actors)", "hops", "hops/s"),
]
SIDES = ("kabuki", "pekko", "jdk")

def load3(tag, param):
    path = os.path.join(out, tag + ".json")
    if os.path.exists(os.path.join(out, tag + ".failed")) or not os.path.exists(path):
        return None
    d = json.load(open(path))
    if not d:
        return None
    res = d[0]
    pm = res["primaryMetric"]
    iters = [x for fork in pm["rawData"] for x in fork]
    sec = res.get("secondaryMetrics", {})
    def sec_med(name):
        m = sec.get(name)
        return med([x for fork in m["rawData"] for x in fork]) if m else None
    n = int(res["params"][param])
    r = {"ms": med(iters), "iters": iters, "n": n, "rate": n / (med(iters) / 1e3),
         "cpu_ms": sec_med("cpu.ms"), "util": sec_med("cpu.util")}
    # JMH prints "Iteration   n: " before the benchmark's own output, so find the marker anywhere.
    lat = [l[l.index("[W4b] "):] for l in open(os.path.join(out, tag + ".log")) if "[W4b] " in l]
    if lat:
        lat = lat[-act_i:]  # the measured iterations' lines
        kv = [dict(x.split("=", 1) for x in l.split()[1:]) for l in lat]
        r["p50"] = med([float(x["p50_us"]) for x in kv])
        r["p99"] = med([float(x["p99_us"]) for x in kv])
    return r

def fmt_rate(v):
    return f"{v / 1e6:.2f} M" if v >= 1e6 else f"{v / 1e3:.0f} k"

act_rows, act_raw, failures = [], [], []
for wid, label, param, unit in ACT:
    rows = []
    for p in range(1, rounds + 1):
        got = {}
        for side in SIDES:
            tag = f"{wid}-{side}-{p}"
            if os.path.exists(os.path.join(out, tag + ".failed")):
                failures.append(f"{tag}: {open(os.path.join(out, tag + '.failed')).read().strip()} (see {tag}.log"
                                + (f", {tag}.jstack" if os.path.exists(os.path.join(out, tag + '.jstack')) else "") + ")")
            got[side] = load3(tag, param)
        if any(got.values()):
            rows.append((p, got))
    if not rows:
        continue
    def figs(side, key):
        return [g[side][key] for _, g in rows if g[side] and g[side].get(key) is not None]
    def ratios(other):  # kabuki rate / other rate, per round where both ran
        return [g["kabuki"]["rate"] / g[other]["rate"] for _, g in rows if g["kabuki"] and g[other]]
    cells = []
    for side in SIDES:
        rates = figs(side, "rate")
        if not rates:
            cells.append("FAILED")
            continue
        c = f"{fmt_rate(med(rates))} {unit}"
        cpu = figs(side, "cpu_ms")
        util = figs(side, "util")
        n = rows[0][1][side]["n"] if rows[0][1][side] else None
        cells.append(c)
        cells.append(f"{med(cpu):.0f} ms ({med(util):.2f} cores)" if cpu else "-")
        if figs(side, "p50"):
            cells[-2] += f"; p50 {med(figs(side, 'p50')):.0f} µs, p99 {med(figs(side, 'p99')):.0f} µs"
    while len(cells) < 6:
        cells.append("-")
    rp, rj = ratios("pekko"), ratios("jdk")
    rfmt = lambda xs: f"**{med(xs):.2f}** ({fmt_range(xs)})" if xs else "-"
    tgt_p = ("met" if rp and med(rp) >= 2 else "NOT met") if rp else "-"
    tgt_j = ("met" if rj and med(rj) >= 1 else "NOT met") if rj else "-"
    n0 = next(g[s]["n"] for _, g in rows for s in SIDES if g[s])
    act_rows.append(f"| {label}, N = {n0:,} | " + " | ".join(cells) + f" | {rfmt(rp)} | {rfmt(rj)} | {tgt_p} / {tgt_j} |")
    act_raw.append(f"\n### {label}: per round (median of each fork's measured iterations, ms per invocation; "
                   f"CPU ms per iteration; load at start)\n")
    act_raw.append("| round | kabuki ms | pekko ms | jdk ms | kabuki/pekko | kabuki/jdk | CPU ms k / p / j | load k / p / j |")
    act_raw.append("|---|---|---|---|---|---|---|---|")
    for p, g in rows:
        ms = lambda s: f"{g[s]['ms']:.1f}" if g[s] else "FAILED"
        rr = lambda o: f"{g['kabuki']['rate'] / g[o]['rate']:.2f}" if g["kabuki"] and g[o] else "-"
        cpu = " / ".join(f"{g[s]['cpu_ms']:.0f}" if g[s] else "-" for s in SIDES)
        ld = " / ".join(loads.get(f"{wid}-{s}-{p}", "?") for s in SIDES)
        act_raw.append(f"| {p} | {ms('kabuki')} | {ms('pekko')} | {ms('jdk')} | {rr('pekko')} | {rr('jdk')} | {cpu} | {ld} |")
    act_raw.append("\nmeasured iterations (ms): " + "; ".join(
        f"round {p}: " + ", ".join(f"{s} {[round(x, 1) for x in g[s]['iters']]}" for s in SIDES if g[s])
        for p, g in rows))

# W3b: the main program's lines
w3b = {}
for p in range(1, rounds + 1):
    for side in SIDES:
        tag = f"W3b-{side}-{p}"
        path = os.path.join(out, tag + ".log")
        if os.path.exists(os.path.join(out, tag + ".failed")):
            failures.append(f"{tag}: {open(os.path.join(out, tag + '.failed')).read().strip()} (see {tag}.log)")
        if not os.path.exists(path):
            continue
        for line in open(path):
            if line.startswith("W3bIdleActors "):
                kv = dict(x.split("=", 1) for x in line.split()[1:] if "=" in x and not x.startswith("rates"))
                w3b.setdefault(p, {})[side] = {k: float(v) for k, v in kv.items() if k != "side"}

if act_rows or w3b:
    print(f"\n## Actor workloads: kabuki vs Pekko typed vs JDK (virtual thread + LinkedTransferQueue per actor), "
          f"{rounds} interleaved rounds, worker threads = {workers} on {nproc} CPUs\n")
if act_rows:
    print("| workload | kabuki | kabuki CPU/iter | Pekko | Pekko CPU/iter | JDK | JDK CPU/iter "
          "| kabuki/Pekko median (range) | kabuki/JDK median (range) | target ≥2x Pekko / ≥1x JDK |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in act_rows:
        print(r)
if w3b:
    def col(side, key):
        return [w3b[p][side][key] for p in w3b if side in w3b[p]]
    def r3(key, other, invert=False):
        xs = [(w3b[p]["kabuki"][key] / w3b[p][other][key]) for p in w3b if "kabuki" in w3b[p] and other in w3b[p]]
        return f"**{med(xs):.2f}** ({fmt_range(xs)})" if xs else "-"
    print("\n### W3b idle actors (W3bIdleActors, fresh JVM per side, -Xms8g -Xmx8g)\n")
    print("| side | bytes per idle actor | after the wake-up passes | wake-up msgs/s (median of measured passes) "
          "| CPU per pass | spawn time for N | first (cold) pass msgs/s |")
    print("|---|---|---|---|---|---|---|")
    for side in SIDES:
        if not col(side, "bytes_per_actor"):
            print(f"| {side} | FAILED | | | | | |")
            continue
        print(f"| {side} | {med(col(side, 'bytes_per_actor')):.0f} ({fmt_range(col(side, 'bytes_per_actor'))}) "
              f"| {med(col(side, 'bytes_per_actor_after')):.0f} | {fmt_rate(med(col(side, 'wake_rate')))} "
              f"| {med(col(side, 'wake_cpu_ms')):.0f} ms CPU / {med(col(side, 'wake_wall_ms')):.0f} ms wall "
              f"| {med(col(side, 'spawn_ms')):.0f} ms | {fmt_rate(med(col(side, 'first_pass_rate')))} |")
    print(f"\nbytes ratio kabuki/Pekko {r3('bytes_per_actor', 'pekko')} (target ≤ 0.5), kabuki/JDK "
          f"{r3('bytes_per_actor', 'jdk')}; wake-up rate ratio kabuki/Pekko {r3('wake_rate', 'pekko')} "
          f"(target ≥ 2), kabuki/JDK {r3('wake_rate', 'jdk')} (target ≥ 1)")
if failures:
    print("\n### Failed or hung sides\n")
    for f in failures:
        print("- " + f)
for r in act_raw:
    print(r)
if act_rows:
    print("\nNotes (actor workloads): rate = N / (median single-shot invocation time); ratio per round = kabuki "
          "rate / peer rate (higher = kabuki better); figures are medians over rounds of per-fork medians. "
          "CPU/iter = process CPU of the fork's JVM during a measured iteration (CpuProfiler), cores = CPU/wall. "
          "Pekko: fork-join-executor parallelism-min = max = workers, throughput 10. JDK: one virtual thread "
          "per actor, scheduler parallelism = workers (default: cores).")
PY
echo "(written to $OUT/results.md)"
