# Shared by the project's scripts: PATH, and a dev server that always goes away with the script.
# Source it; do not run it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# npm binaryen's wasm-opt FIRST (never Debian's: it breaks the release build), then cargo's tools.
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n== %s\n' "$*"; }

DEVSERVER_PID=""
stop_devserver() {
  if [ -n "$DEVSERVER_PID" ] && kill -0 "$DEVSERVER_PID" 2>/dev/null; then
    kill "$DEVSERVER_PID" 2>/dev/null || true
    wait "$DEVSERVER_PID" 2>/dev/null || true
  fi
  DEVSERVER_PID=""
}

# start_devserver WS_PORT HTTP_PORT [ROOT_DIR]
# Builds and starts the dev server on 127.0.0.1 (port 0: any free port), waits until it is
# ready, and sets WS_PORT / HTTP_PORT to the ports it got. Stopped by stop_devserver, which
# callers put in an EXIT trap so no process outlives the script, even on failure.
start_devserver() {
  local ws="$1" http="$2" root="${3:-$ROOT/www}" log
  cargo build --quiet --release -p sockwave-devserver
  log="$(mktemp)"
  "$ROOT/target/release/sockwave-devserver" --ws-port "$ws" --http-port "$http" --root "$root" >"$log" 2>&1 &
  DEVSERVER_PID=$!
  for _ in $(seq 1 100); do
    if grep -q '^sockwave-devserver ready' "$log"; then
      WS_PORT=$(sed -n 's/.* ws=\([0-9]*\).*/\1/p' "$log" | head -1)
      HTTP_PORT=$(sed -n 's/.* http=\([0-9]*\).*/\1/p' "$log" | head -1)
      export WS_PORT HTTP_PORT
      return 0
    fi
    kill -0 "$DEVSERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$log" >&2
  echo "dev server did not start" >&2
  return 1
}
