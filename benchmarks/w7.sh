#!/usr/bin/env bash
# W7 TCP echo (WORKLOADS.md), side by side as "Measuring on small VMs" asks: per round and per
# connection count C, each server in a fresh JVM with the same JVM flags, in the order kabuki,
# netty-nio, netty-epoll, each driven by the same load client (W7LoadClient, its own JVM). One
# ratio per round; results.md gives per C the median of each side's figures and the median
# per-round ratio kabuki/netty-nio and kabuki/netty-epoll with its range.
#
# One run of one side:
#   1. start the server on 127.0.0.1 with --port 0; wait (START_TIMEOUT s) for its one stdout line
#      "listening on <host>:<port>";
#   2. run W7LoadClient against it (C connections, one 64-byte message outstanding on each, every
#      reply byte checked; WARMUP s, then DURATION s measured); the client reads its own CPU time
#      and the server's (/proc/<pid>/stat utime+stime, via --server-pid) at the start and end of
#      the measured period;
#   3. read the server's whole-life CPU time, send SIGTERM, wait STOP_TIMEOUT s for it to exit
#      (else kill -9, and the run is marked stop=killed).
#
# Sides: kabuki = dev.kabuki.examples.net.EchoServer (module examples; skipped with a message
# while examples/target/classes/dev/kabuki/examples/net/EchoServer.class does not exist);
# kabuki-b = the same server with -Dkabuki.net.driver=worker-polled (the prototype of the
# worker-polled I/O driver, docs/net-driver-research.md), run only when named in SIDES;
# netty-nio / netty-epoll = dev.kabuki.benchmarks.w7.NettyEchoServer --transport nio|epoll.
#
# Usage:  benchmarks/w7.sh
# Environment (all optional):
#   CONNS="1 64 512"  connection counts         ROUNDS=5     rounds (one run per side per C each)
#   WARMUP=3          warm-up seconds per run   DURATION=10  measured seconds per run
#   SMOKE=1           quick check: defaults CONNS="1 8" ROUNDS=1 WARMUP=1 DURATION=2
#   SIDES="kabuki netty-nio netty-epoll"        which servers, in this order within a round
#                     (also kabuki-b, e.g. SIDES="kabuki kabuki-b netty-nio")
#   SERVER_JVM_FLAGS="-Xms512m -Xmx512m --enable-native-access=ALL-UNNAMED"   every server JVM
#   CLIENT_JVM_FLAGS="-Xms256m -Xmx256m"       the load client's JVM
#   CLIENT_THREADS=   selector threads of the client (default: its own, min(C, 2))
#   NETTY_THREADS=0   Netty event-loop threads (0 = cores); kabuki uses its own default (cores)
#   START_TIMEOUT=30  STOP_TIMEOUT=10   seconds
#   SKIP_BUILD=1      reuse benchmarks/target/benchmarks.jar and examples/target (no mvn)
#   MVN_FLAGS=        extra Maven flags for the build, e.g. MVN_FLAGS=-o
#   SUMMARY_ONLY=1    run nothing; re-write results.md of an existing OUT=dir
#   OUT=dir           where the CSV, logs and results.md go (default benchmarks/target/w7-<time>)
#   JAVA=path         a JDK 21+ java (else $JAVA_HOME, else /usr/lib/jvm/*)
# Smoke run:   SMOKE=1 benchmarks/w7.sh
set -Eeuo pipefail
trap 'echo "w7.sh: line $LINENO: command failed (exit $?): $BASH_COMMAND" >&2' ERR

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
if [ "${SMOKE:-0}" = 1 ]; then  # smoke defaults; a variable set explicitly still wins
  CONNS=${CONNS:-1 8}; ROUNDS=${ROUNDS:-1}; WARMUP=${WARMUP:-1}; DURATION=${DURATION:-2}
fi
CONNS=${CONNS:-1 64 512}
ROUNDS=${ROUNDS:-5}
WARMUP=${WARMUP:-3}
DURATION=${DURATION:-10}
SIDES=${SIDES:-kabuki netty-nio netty-epoll}
SERVER_JVM_FLAGS=${SERVER_JVM_FLAGS:--Xms512m -Xmx512m --enable-native-access=ALL-UNNAMED}
CLIENT_JVM_FLAGS=${CLIENT_JVM_FLAGS:--Xms256m -Xmx256m}
CLIENT_THREADS=${CLIENT_THREADS:-}
NETTY_THREADS=${NETTY_THREADS:-0}
START_TIMEOUT=${START_TIMEOUT:-30}
STOP_TIMEOUT=${STOP_TIMEOUT:-10}
SKIP_BUILD=${SKIP_BUILD:-0}
MVN_FLAGS=${MVN_FLAGS:-}
SUMMARY_ONLY=${SUMMARY_ONLY:-0}
OUT=${OUT:-$HERE/target/w7-$(date +%Y%m%d-%H%M%S)}
JAR=$HERE/target/benchmarks.jar
KABUKI_CLASS=dev.kabuki.examples.net.EchoServer
KABUKI_CLASS_FILE=$ROOT/examples/target/classes/dev/kabuki/examples/net/EchoServer.class
KABUKI_CP_FILE=$ROOT/examples/target/runtime.classpath
NPROC=$(nproc)
[ "$NETTY_THREADS" = 0 ] && NETTY_THREADS=$NPROC
CSV=$OUT/w7.csv

command -v python3 >/dev/null || { echo "python3 is needed to summarise the results" >&2; exit 1; }
for s in $SIDES; do
  case "$s" in kabuki|kabuki-b|netty-nio|netty-epoll) ;; *) echo "unknown side '$s' in SIDES" >&2; exit 2 ;; esac
done

summarise() {
python3 - "$CSV" "$OUT" <<'PY' | tee "$OUT/results.md"
import csv, os, statistics, sys
path, out = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(path))) if os.path.exists(path) else []
SIDES = ("kabuki", "kabuki-b", "netty-nio", "netty-epoll")
med = statistics.median
def rng(xs): return f"{min(xs):.2f}–{max(xs):.2f}"

print("# W7 TCP echo, side by side\n")
if os.path.exists(os.path.join(out, "machine.txt")):
    print("```")
    print(open(os.path.join(out, "machine.txt")).read().rstrip())
    print("```\n")
conns = sorted({int(r["conns"]) for r in rows})
ok = [r for r in rows if r["status"] == "ok"]
for c in conns:
    rc = [r for r in ok if int(r["conns"]) == c]
    print(f"## C = {c} connection{'s' if c != 1 else ''}, one 64-byte message outstanding on each\n")
    print("| side | runs ok | round trips/s, median (range) | p50 µs | p99 µs | p99.9 µs "
          "| server CPU in measured period | client CPU in measured period | load avg at start |")
    print("|---|---|---|---|---|---|---|---|---|")
    for s in SIDES:
        rs = [r for r in rc if r["side"] == s]
        n_all = len([r for r in rows if int(r["conns"]) == c and r["side"] == s])
        if not rs:
            if n_all:
                print(f"| {s} | 0 of {n_all} | FAILED | | | | | | |")
            continue
        f = lambda k: [float(r[k]) for r in rs]
        cores = lambda k: [float(r[k]) / (float(r["seconds"]) * 1e3) for r in rs]
        cpu = lambda k: (f"{med(f(k)):.0f} ms ({med(cores(k)):.2f} cores)"
                         if all(v >= 0 for v in f(k)) else "-")
        print(f"| {s} | {len(rs)} of {n_all} | {med(f('rps')):,.0f} ({min(f('rps')):,.0f}–{max(f('rps')):,.0f}) "
              f"| {med(f('p50_us')):.0f} | {med(f('p99_us')):.0f} | {med(f('p999_us')):.0f} "
              f"| {cpu('server_cpu_ms')} | {cpu('client_cpu_ms')} | {med(f('load1')):.2f} |")
    by_round = {}
    for r in rc:
        by_round.setdefault(int(r["round"]), {})[r["side"]] = r
    print()
    for a, b in (("kabuki", "netty-nio"), ("kabuki", "netty-epoll"), ("netty-epoll", "netty-nio"),
                 ("kabuki-b", "kabuki"), ("kabuki-b", "netty-nio")):
        rr = [float(g[a]["rps"]) / float(g[b]["rps"]) for g in by_round.values() if a in g and b in g]
        pr = [float(g[a]["p99_us"]) / float(g[b]["p99_us"]) for g in by_round.values() if a in g and b in g]
        p5 = [float(g[a]["p50_us"]) / float(g[b]["p50_us"]) for g in by_round.values() if a in g and b in g]
        if rr:
            per = ", ".join(f"r{k}: {float(g[a]['rps']) / float(g[b]['rps']):.2f}"
                            for k, g in sorted(by_round.items()) if a in g and b in g)
            print(f"- {a}/{b}: round trips/s ratio **{med(rr):.2f}** (range {rng(rr)}, {len(rr)} rounds: {per}); "
                  f"p50 ratio {med(p5):.2f} (range {rng(p5)}); "
                  f"p99 ratio {med(pr):.2f} (range {rng(pr)}; lower = {a} better)")
        elif a == "kabuki":
            print(f"- {a}/{b}: no round with both sides")
    print()

bad = [r for r in rows if r["status"] != "ok" or r["stop"] != "clean"]
if bad:
    print("## Failed runs and unclean stops\n")
    for r in bad:
        print(f"- round {r['round']}, C = {r['conns']}, {r['side']}: status {r['status']}, stop {r['stop']}"
              f" (server exit {r['server_rc']}): {r['note']}")
    print()
if rows:
    print("## Per run\n")
    print("| round | C | side | status | round trips/s | p50 µs | p99 µs | p99.9 µs | max µs | server CPU ms "
          "| server CPU ms, whole life | client CPU ms | client threads | load | stop |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['round']} | {r['conns']} | {r['side']} | {r['status']} | {r['rps']} | {r['p50_us']} "
              f"| {r['p99_us']} | {r['p999_us']} | {r['max_us']} | {r['server_cpu_ms']} | {r['server_cpu_total_ms']} "
              f"| {r['client_cpu_ms']} | {r['client_threads']} | {r['load1']} | {r['stop']} |")
print("\nNotes: each run is a fresh server JVM and a fresh client JVM; figures per side are medians over "
      "rounds; a ratio is taken per round (kabuki rate / peer rate, higher = kabuki better) and its median "
      "and range are given. CPU in the measured period is read at its start and end (client: "
      "getProcessCpuTime of the client JVM; server: /proc/<pid>/stat utime+stime, 10 ms ticks); cores = "
      "CPU ms / measured ms. The server, the client and anything else on the machine share its CPUs. "
      "Every reply byte of every round trip (warm-up included) was compared with what was sent.")
PY
echo "(written to $OUT/results.md)"
}

if [ "$SUMMARY_ONLY" = 1 ]; then
  [ -f "$CSV" ] || { echo "SUMMARY_ONLY=1 needs OUT=<dir of an earlier run> holding w7.csv" >&2; exit 1; }
  summarise
  exit 0
fi

# ------------------------------------------------------------------ find a JDK 21+ java
. "$HERE/find-java.sh"

# ------------------------------------------------------------------ build once
want_kabuki=0
[[ " $SIDES " == *" kabuki "* || " $SIDES " == *" kabuki-b "* ]] && want_kabuki=1
if [ "$SKIP_BUILD" != 1 ]; then
  echo "== building benchmarks.jar (mvn -q -B -pl benchmarks -am package -DskipTests -Dmaven.javadoc.skip)"
  # shellcheck disable=SC2086
  (cd "$ROOT" && mvn -q -B $MVN_FLAGS -pl benchmarks -am package -DskipTests -Dmaven.javadoc.skip)
  if [ "$want_kabuki" = 1 ]; then
    echo "== building examples and writing its run-time class path (dependency:build-classpath)"
    # The package phase makes the reactor hand out the kabuki modules' jars; the relative output
    # file lands in each module's target/, so examples/target/runtime.classpath is examples' own.
    # shellcheck disable=SC2086
    if ! (cd "$ROOT" && mvn -q -B $MVN_FLAGS -pl examples -am package dependency:build-classpath \
          -DincludeScope=runtime -Dmdep.outputFile=target/runtime.classpath \
          -DskipTests -Dmaven.javadoc.skip); then
      echo "!! building examples failed: the kabuki side will be skipped" >&2
      rm -f "$KABUKI_CP_FILE"
    fi
  fi
fi
[ -f "$JAR" ] || { echo "missing $JAR (build failed?)" >&2; exit 1; }
KABUKI_CP=
SKIPPED=
if [ "$want_kabuki" = 1 ]; then
  if [ ! -f "$KABUKI_CLASS_FILE" ]; then
    SKIPPED="kabuki EchoServer not built; skipping ($KABUKI_CLASS_FILE does not exist)"
  elif [ ! -f "$KABUKI_CP_FILE" ]; then
    SKIPPED="kabuki EchoServer: no $KABUKI_CP_FILE (run once without SKIP_BUILD=1); skipping"
  else
    KABUKI_CP=$ROOT/examples/target/classes:$(cat "$KABUKI_CP_FILE")
  fi
  if [ -n "$SKIPPED" ]; then
    echo "$SKIPPED"
    SIDES=$(for s in $SIDES; do case "$s" in kabuki|kabuki-b) ;; *) echo "$s" ;; esac; done)
  fi
fi
SIDES=$(echo $SIDES)
[ -n "$SIDES" ] || { echo "no side left to run" >&2; exit 1; }
mkdir -p "$OUT"

{
  echo "date: $(date -Is)"
  echo "host: $(uname -srm), $NPROC CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
  echo "java: $JAVA ($("$JAVA" -version 2>&1 | head -1))"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "settings: CONNS='$CONNS' ROUNDS=$ROUNDS WARMUP=$WARMUP DURATION=$DURATION SIDES='$SIDES'"
  [ -z "$SKIPPED" ] || echo "$SKIPPED"
  echo "server JVM flags: $SERVER_JVM_FLAGS"
  echo "client JVM flags: $CLIENT_JVM_FLAGS; client selector threads: ${CLIENT_THREADS:-min(C, 2)}"
  echo "server threads: netty $NETTY_THREADS event loops (one group accepts and serves); kabuki its default"
  echo "git: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)$(cd "$ROOT" && git diff --quiet 2>/dev/null || echo ' (dirty)')"
} | tee "$OUT/machine.txt"

echo "round,conns,side,status,rps,roundtrips,seconds,p50_us,p99_us,p999_us,max_us,mean_us,client_cpu_ms,server_cpu_ms,server_cpu_total_ms,client_threads,roundtrips_all,load1,stop,server_rc,note" >"$CSV"

# ------------------------------------------------------------------ one run of one side
SERVER_PID=
STARTED_PIDS=()
CLK_TCK=$(getconf CLK_TCK)

cleanup() {
  if [ -n "$SERVER_PID" ] && alive "$SERVER_PID"; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    sleep 2
    alive "$SERVER_PID" && kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

# alive <pid>: the process exists and has not exited (kill -0 also succeeds on a zombie)
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# proc_cpu_ms <pid>: utime + stime of a live process in ms, or -1
proc_cpu_ms() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo -1; return; }
  stat=${stat##*) }  # fields after "(comm)": state is field 3, utime 14, stime 15
  awk -v t="$CLK_TCK" '{ printf "%d", ($12 + $13) * 1000 / t }' <<<"$stat"
}

# listening_address <file>: host:port of the first complete "listening on host:port" line, or nothing
# (read skips a last line the server has not finished writing: it has no newline yet)
listening_address() {
  local l
  while IFS= read -r l; do
    case "$l" in "listening on "*) echo "${l#listening on }"; return 0 ;; esac
  done <"$1"
  return 0
}

server_cmd() { # fills CMD for side $1
  # shellcheck disable=SC2206
  local flags=($SERVER_JVM_FLAGS)
  case "$1" in
    kabuki) CMD=("$JAVA" "${flags[@]}" -cp "$KABUKI_CP" "$KABUKI_CLASS" --port 0) ;;
    kabuki-b) CMD=("$JAVA" "${flags[@]}" -Dkabuki.net.driver=worker-polled -cp "$KABUKI_CP" "$KABUKI_CLASS" --port 0) ;;
    netty-nio) CMD=("$JAVA" "${flags[@]}" -cp "$JAR" dev.kabuki.benchmarks.w7.NettyEchoServer --port 0
                    --transport nio --threads "$NETTY_THREADS") ;;
    netty-epoll) CMD=("$JAVA" "${flags[@]}" -cp "$JAR" dev.kabuki.benchmarks.w7.NettyEchoServer --port 0
                      --transport epoll --threads "$NETTY_THREADS") ;;
  esac
}

# row <round> <conns> <side> <status> <client kv line or ""> <total cpu> <load> <stop> <rc> <note>
row() {
  local r=$1 c=$2 side=$3 status=$4 line=$5 total=$6 load=$7 stop=$8 rc=$9 note=${10}
  python3 - "$r" "$c" "$side" "$status" "$line" "$total" "$load" "$stop" "$rc" "$note" >>"$CSV" <<'PY'
import csv, sys
r, c, side, status, line, total, load, stop, rc, note = sys.argv[1:]
kv = dict(x.split("=", 1) for x in line.split()[1:] if "=" in x)
keys = ["rps", "roundtrips", "seconds", "p50_us", "p99_us", "p999_us", "max_us", "mean_us",
        "client_cpu_ms", "server_cpu_ms"]
csv.writer(sys.stdout, lineterminator="\n").writerow(
    [r, c, side, status] + [kv.get(k, "") for k in keys]
    + [total, kv.get("threads", ""), kv.get("roundtrips_all", ""), load, stop, rc, note])
PY
}

run_one() {
  local round=$1 c=$2 side=$3
  local tag="C$c-$side-r$round"
  local sout="$OUT/$tag.server.out" serr="$OUT/$tag.server.err"
  local cout="$OUT/$tag.client.out" cerr="$OUT/$tag.client.err"
  local load status=ok note="" line="" total=-1 stop=clean src="" crc=0 hostport waited
  load=$(cut -d' ' -f1 /proc/loadavg)
  server_cmd "$side"
  # Created here, not only by the background job's redirection, which may run after the first read.
  : >"$sout"; : >"$serr"
  "${CMD[@]}" >"$sout" 2>"$serr" &
  SERVER_PID=$!
  STARTED_PIDS+=("$SERVER_PID")
  hostport=
  waited=0
  while [ "$waited" -lt $((START_TIMEOUT * 10)) ]; do
    hostport=$(listening_address "$sout")
    [ -n "$hostport" ] && break
    alive "$SERVER_PID" || break
    sleep 0.1; waited=$((waited + 1))
  done
  if [ -z "$hostport" ]; then
    status=failed
    if alive "$SERVER_PID"; then
      note="no 'listening on' line within ${START_TIMEOUT}s"
    else
      note="server exited before listening; see $tag.server.err"
    fi
  else
    local host=${hostport%:*} port=${hostport##*:}
    local threads=()
    [ -n "$CLIENT_THREADS" ] && threads=(--threads "$CLIENT_THREADS")
    local limit
    limit=$(awk -v w="$WARMUP" -v d="$DURATION" 'BEGIN { printf "%d", w + d + 30 }')
    # shellcheck disable=SC2086
    timeout -k 5 "$limit" "$JAVA" $CLIENT_JVM_FLAGS -cp "$JAR" dev.kabuki.benchmarks.w7.W7LoadClient \
        --host "$host" --port "$port" --connections "$c" --warmup "$WARMUP" --duration "$DURATION" \
        --server-pid "$SERVER_PID" "${threads[@]}" >"$cout" 2>"$cerr" || crc=$?
    line=$(grep -m1 '^W7 ' "$cout" || true)
    if [ "$crc" != 0 ] || [ -z "$line" ]; then
      status=failed
      note="client exit $crc: $(grep -m1 'W7 FAILED' "$cerr" || tail -1 "$cerr")"
    fi
  fi
  total=$(proc_cpu_ms "$SERVER_PID")
  # stop the server: SIGTERM, STOP_TIMEOUT s to exit, then SIGKILL
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  waited=0
  while alive "$SERVER_PID" && [ "$waited" -lt $((STOP_TIMEOUT * 10)) ]; do
    sleep 0.1; waited=$((waited + 1))
  done
  if alive "$SERVER_PID"; then
    stop=killed
    "$(dirname "$JAVA")/jstack" "$SERVER_PID" >"$OUT/$tag.server.jstack" 2>&1 || true
    kill -9 "$SERVER_PID" 2>/dev/null || true
    note="${note:+$note; }did not exit within ${STOP_TIMEOUT}s of SIGTERM: killed (jstack in $tag.server.jstack)"
  fi
  wait "$SERVER_PID" 2>/dev/null && src=0 || src=$?
  SERVER_PID=
  local lines
  lines=$(wc -l <"$sout")
  if [ -n "$hostport" ] && [ "$lines" != 1 ]; then
    note="${note:+$note; }server printed $lines lines on stdout, not 1"
  fi
  row "$round" "$c" "$side" "$status" "$line" "$total" "$load" "$stop" "$src" "${note//,/;}"
  if [ "$status" = ok ]; then
    echo "   $(date +%T) $tag (load $load): ${line#W7 } server_cpu_total_ms=$total stop=$stop"
  else
    echo "   $(date +%T) $tag (load $load): FAILED: $note" >&2
  fi
}

# ------------------------------------------------------------------ the rounds
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round of $ROUNDS"
  for c in $CONNS; do
    for side in $SIDES; do
      run_one "$round" "$c" "$side"
    done
  done
done
left=()
for p in "${STARTED_PIDS[@]}"; do
  alive "$p" && left+=("$p")
done
[ ${#left[@]} -eq 0 ] || echo "!! server processes still alive: ${left[*]}" >&2
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
summarise
