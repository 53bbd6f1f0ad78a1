#!/usr/bin/env bash
# Builds the Tokio peer (kabuki-tokio-bench) offline against Debian's packaged crates.
#
#   benchmarks/tokio/build.sh
#
# Source replacement (crates-io -> /usr/share/cargo/registry) is in .cargo/config.toml, which
# cargo picks up because the build runs from this directory. Prints the binary path on success.
# Exit status 3, with one line "tokio peer unavailable: <reason>", when cargo/rustc or the
# crates are missing; any other failure (a compile error) exits 1.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REGISTRY=/usr/share/cargo/registry
cd "$HERE"

unavailable() {
  echo "tokio peer unavailable: $*"
  exit 3
}

# cargo: PATH first, then rustup's default location.
CARGO=$(command -v cargo 2>/dev/null || true)
if [ -z "$CARGO" ]; then
  for c in "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" /root/.cargo/bin/cargo; do
    [ -x "$c" ] && { CARGO=$c; break; }
  done
fi
[ -n "$CARGO" ] || unavailable "cargo not found (install cargo/rustc, e.g. apt-get install cargo)"
"$CARGO" --version >/dev/null 2>&1 || unavailable "$CARGO does not run (no default Rust toolchain?)"
# cargo needs rustc next to it or on PATH
export PATH="$(dirname "$CARGO"):$PATH"
command -v rustc >/dev/null 2>&1 && rustc --version >/dev/null 2>&1 \
  || unavailable "rustc not found or not working (install rustc)"

[ -d "$REGISTRY" ] || unavailable "no $REGISTRY (install librust-tokio-dev and librust-libc-dev)"
ls -d "$REGISTRY"/tokio-1.* >/dev/null 2>&1 || unavailable "no tokio crate in $REGISTRY (install librust-tokio-dev)"
ls -d "$REGISTRY"/libc-0.2.* >/dev/null 2>&1 || unavailable "no libc crate in $REGISTRY (install librust-libc-dev)"

# Resolve the dependency graph offline first: a failure here means crates are missing.
if ! out=$("$CARGO" generate-lockfile --offline 2>&1); then
  reason=$(printf '%s\n' "$out" | grep -m1 -E '^error' | sed 's/^error: //')
  name=$(printf '%s\n' "$out" | sed -n 's/^searched package name: `\(.*\)`.*/\1/p' | head -1)
  [ -n "$name" ] && reason="$reason: $name"
  unavailable "crates missing from $REGISTRY (${reason:-cargo could not resolve the dependencies}); install librust-tokio-dev"
fi

if ! "$CARGO" build --release --offline; then
  echo "tokio peer build failed (compile error, see above)" >&2
  exit 1
fi
BIN="$HERE/target/release/kabuki-tokio-bench"
[ -x "$BIN" ] || { echo "tokio peer build failed: no $BIN" >&2; exit 1; }
echo "$BIN"
