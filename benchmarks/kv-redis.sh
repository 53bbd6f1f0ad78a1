#!/usr/bin/env bash
# KvServer against a real redis-server, both driven by redis-benchmark in the same sitting, as
# issue "net" asks: `redis-benchmark -q -t set,get -n N -c 50 -P 1` and `-P 16`, with the journal
# on for both (kabuki: fsync every second, the default; Redis: appendonly yes, appendfsync
# everysec). Rounds are interleaved (per round: kabuki, redis; each server a fresh process on a
# fresh data directory) so machine drift hits both; one ratio per round and pipeline depth.
#
# Usage:  benchmarks/kv-redis.sh
# Environment (all optional):
#   ROUNDS=5       rounds            N=1000000   requests per redis-benchmark test
#   CLIENTS=50     connections       PIPELINES="1 16"
#   SMOKE=1        quick check: ROUNDS=1 N=20000
#   SERVER_JVM_FLAGS="-Xms1g -Xmx1g"   the kabuki server's JVM
#   KV_ARGS=       extra KvServer flags (e.g. "--shards 2")
#   SKIP_BUILD=1   reuse examples/target (no mvn)      MVN_FLAGS= extra Maven flags (e.g. -o)
#   OUT=dir        where the CSV, logs and results.md go (default benchmarks/target/kv-<time>)
#   JAVA=path      a JDK 21+ java (else $JAVA_HOME, else /usr/lib/jvm/*)
# redis-server and redis-benchmark come from Debian's redis-server and redis-tools packages; when
# missing they are installed with apt-get (as root, or through sudo).
set -Eeuo pipefail
trap 'echo "kv-redis.sh: line $LINENO: command failed (exit $?): $BASH_COMMAND" >&2' ERR

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
if [ "${SMOKE:-0}" = 1 ]; then
  ROUNDS=${ROUNDS:-1}; N=${N:-20000}
fi
ROUNDS=${ROUNDS:-5}
N=${N:-1000000}
CLIENTS=${CLIENTS:-50}
PIPELINES=${PIPELINES:-1 16}
SERVER_JVM_FLAGS=${SERVER_JVM_FLAGS:--Xms1g -Xmx1g}
KV_ARGS=${KV_ARGS:-}
SKIP_BUILD=${SKIP_BUILD:-0}
MVN_FLAGS=${MVN_FLAGS:-}
OUT=${OUT:-$HERE/target/kv-$(date +%Y%m%d-%H%M%S)}
CP_FILE=$ROOT/examples/target/runtime.classpath
CSV=$OUT/kv.csv

# ------------------------------------------------------------------ tools
if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  echo "== installing redis-server and redis-tools (apt-get)"
  SUDO=
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server redis-tools
fi
command -v python3 >/dev/null || { echo "python3 is needed to summarise the results" >&2; exit 1; }
. "$HERE/find-java.sh"

# ------------------------------------------------------------------ build once
if [ "$SKIP_BUILD" != 1 ]; then
  echo "== building examples and writing its run-time class path"
  # shellcheck disable=SC2086
  (cd "$ROOT" && mvn -q -B $MVN_FLAGS -pl examples -am package dependency:build-classpath \
      -DincludeScope=runtime -Dmdep.outputFile=target/runtime.classpath \
      -DskipTests -Dmaven.javadoc.skip)
fi
[ -f "$CP_FILE" ] || { echo "missing $CP_FILE: run once without SKIP_BUILD=1" >&2; exit 1; }
KABUKI_CP=$ROOT/examples/target/classes:$(cat "$CP_FILE")
mkdir -p "$OUT"
{
  echo "date: $(date -u +%FT%TZ)"; echo "commit: $(cd "$ROOT" && git rev-parse --short HEAD)"
  echo "cpus: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  echo "kernel: $(uname -r)"; echo "java: $("$JAVA" -version 2>&1 | head -1)"
  echo "redis: $(redis-server --version)"; echo "N=$N clients=$CLIENTS pipelines=$PIPELINES rounds=$ROUNDS"
} > "$OUT/machine.txt"
echo "round,side,pipeline,test,rps,p50_ms,server_cpu_ms,load1" > "$CSV"

PID=
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null || true; }
trap cleanup EXIT

cpu_ms() { # utime+stime of pid $1 in ms
  awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat" 2>/dev/null || echo 0
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start_kabuki() { # sets PID PORT
  local dir=$1 log=$2
  : > "$log.out"   # exists before the server starts: the wait below reads it
  # shellcheck disable=SC2086
  "$JAVA" $SERVER_JVM_FLAGS -cp "$KABUKI_CP" dev.kabuki.examples.net.KvServer --port 0 --data "$dir" $KV_ARGS \
      > "$log.out" 2> "$log.err" &
  PID=$!
  local deadline=$((SECONDS + 60))
  PORT=
  while [ -z "$PORT" ]; do
    if ! kill -0 "$PID" 2>/dev/null; then echo "kabuki KvServer died; see $log.err" >&2; return 1; fi
    [ $SECONDS -gt $deadline ] && { echo "kabuki KvServer printed no 'listening on' line" >&2; return 1; }
    PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$log.out" 2>/dev/null | head -1 || true)
    [ -n "$PORT" ] || sleep 0.1
  done
}

start_redis() { # sets PID PORT
  local dir=$1 log=$2
  PORT=$(free_port)
  redis-server --port "$PORT" --bind 127.0.0.1 --dir "$dir" --appendonly yes --appendfsync everysec \
      --save '' --daemonize no --protected-mode yes > "$log.out" 2> "$log.err" &
  PID=$!
  local deadline=$((SECONDS + 30))
  until redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG; do
    kill -0 "$PID" 2>/dev/null || { echo "redis-server died; see $log.out" >&2; return 1; }
    [ $SECONDS -gt $deadline ] && { echo "redis-server did not answer PING" >&2; return 1; }
    sleep 0.1
  done
}

stop_server() {
  kill -TERM "$PID" 2>/dev/null || true
  local deadline=$((SECONDS + 15))
  while kill -0 "$PID" 2>/dev/null; do
    if [ $SECONDS -gt $deadline ]; then echo "server $PID ignored SIGTERM; killed" >&2; kill -9 "$PID"; break; fi
    sleep 0.1
  done
  wait "$PID" 2>/dev/null || true
  PID=
}

for round in $(seq 1 "$ROUNDS"); do
  for side in kabuki redis; do
    for p in $PIPELINES; do
      dir=$(mktemp -d "$OUT/data-$side-XXXX")
      log=$OUT/r$round-$side-P$p
      "start_$side" "$dir" "$log"
      before=$(cpu_ms "$PID")
      echo "== round $round, $side, -P $p (port $PORT)"
      redis-benchmark -h 127.0.0.1 -p "$PORT" -q -t set,get -n "$N" -c "$CLIENTS" -P "$p" \
          > "$log.bench" 2>&1 || { echo "redis-benchmark failed; see $log.bench" >&2; exit 1; }
      cpu=$(( $(cpu_ms "$PID") - before ))
      load=$(cut -d' ' -f1 /proc/loadavg)
      stop_server
      rm -rf "$dir"
      # lines like "SET: 123456.79 requests per second, p50=0.215 msec" (progress lines end in \r)
      tr '\r' '\n' < "$log.bench" | grep -E '^(SET|GET): [0-9.]+ requests per second' | while read -r line; do
        test=${line%%:*}
        rps=$(echo "$line" | sed -E 's/^[A-Z]+: ([0-9.]+) requests.*/\1/')
        p50=$(echo "$line" | sed -nE 's/.*p50=([0-9.]+) msec.*/\1/p')
        echo "$round,$side,$p,$test,$rps,${p50:-},$cpu,$load" >> "$CSV"
      done
      tail -2 "$log.bench" | tr '\r' '\n' | grep -E '^(SET|GET):' || true
    done
  done
done

python3 - "$CSV" "$OUT" <<'PY' | tee "$OUT/results.md"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print("# KvServer vs redis-server (redis-benchmark)\n")
print(open(sys.argv[2] + "/machine.txt").read())
def med(xs): return statistics.median(xs) if xs else float("nan")
print("| -P | test | kabuki req/s (median) | redis req/s (median) | kabuki/redis (median, range) | kabuki server CPU ms | redis server CPU ms |")
print("|---|---|---|---|---|---|---|")
for p in sorted({r["pipeline"] for r in rows}, key=int):
    for t in ("SET", "GET"):
        k = {r["round"]: r for r in rows if r["pipeline"] == p and r["test"] == t and r["side"] == "kabuki"}
        d = {r["round"]: r for r in rows if r["pipeline"] == p and r["test"] == t and r["side"] == "redis"}
        ratios = [float(k[x]["rps"]) / float(d[x]["rps"]) for x in k if x in d]
        print(f"| {p} | {t} | {med([float(r['rps']) for r in k.values()]):,.0f} | {med([float(r['rps']) for r in d.values()]):,.0f} "
              f"| **{med(ratios):.2f}** ({min(ratios):.2f}–{max(ratios):.2f}, {len(ratios)} rounds) "
              f"| {med([int(r['server_cpu_ms']) for r in k.values()]):,.0f} | {med([int(r['server_cpu_ms']) for r in d.values()]):,.0f} |")
print("\nServer CPU is the whole benchmark run's (SET and GET together). redis-server runs one thread "
      "for commands; kabuki uses every core. Both journal every write (fsync every second).")
PY
echo "(written to $OUT/results.md)"
