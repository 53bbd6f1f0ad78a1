#!/usr/bin/env bash
# A/B of two builds of kabuki on one JMH benchmark, interleaved: A B A B ... in fresh forks.
#
# Usage:
#   benchmarks/ab-jars.sh A.jar B.jar [ROUNDS] [BENCH_REGEX] [JMH args ...]
#   e.g. cp benchmarks/target/benchmarks.jar /tmp/before.jar   # build 1
#        (change the code, rebuild: mvn -q -DskipTests -pl benchmarks -am package)
#        benchmarks/ab-jars.sh /tmp/before.jar benchmarks/target/benchmarks.jar 5 'W4bAskConcurrent.kabuki$'
#
# Each fork runs -wi 3 -i 7 (override with JMH args after the regex); a line per fork, then the
# score of every round per side (JMH's mean of the measured iterations, in the benchmark's unit).
# Take the medians and say how far apart the rounds are: on a small VM a single pair proves
# nothing. JAVA: a JDK 21+ java (else $JAVA_HOME, else the first one in /usr/lib/jvm/*).
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
A=$1; B=$2; ROUNDS=${3:-5}; BENCH=${4:-'W4bAskConcurrent.kabuki$'}
shift $(( $# < 4 ? $# : 4 ))
for f in "$A" "$B"; do [ -f "$f" ] || { echo "no such jar: $f" >&2; exit 2; }; done
. "$(cd "$(dirname "$0")" && pwd)/find-java.sh"
EXTRA=("$@"); [ ${#EXTRA[@]} -gt 0 ] || EXTRA=(-wi 3 -i 7)
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
declare -A SCORES=([A]="" [B]="")
for r in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    jar=$A; [ "$side" = B ] && jar=$B
    "$JAVA" -jar "$jar" "$BENCH" "${EXTRA[@]}" -rf csv -rff "$TMP/$side.csv" > "$TMP/$side.log" 2>&1 \
      || { echo "round $r side $side failed; see the JMH output:" >&2; tail -20 "$TMP/$side.log" >&2; exit 1; }
    score=$(tail -1 "$TMP/$side.csv" | awk -F, '{print $5}')
    echo "round $r $side $score"
    SCORES[$side]+=" $score"
  done
done
echo "A ($A):${SCORES[A]}"
echo "B ($B):${SCORES[B]}"
