# Sourced by the benchmark scripts: sets JAVA to a Java 21+ binary, from $JAVA if set (it must
# be 21+), else $JAVA_HOME, else the first one under /usr/lib/jvm; exits with a message if none.
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
