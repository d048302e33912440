# Shared by the project's scripts: PATH, and a dev server that always goes away with the script.
# Source it; do not run it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# npm binaryen's wasm-opt FIRST (never Debian's: it breaks the release build), then cargo's tools.
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# The crate's optional features, all of them, for the checks and tests that cover them (typed
# messages and their codecs, calls). Each is off by default.
FEATURES="sockwave/jsonrpc,sockwave/msgpack"

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
# Builds and starts the dev server on 127.0.0.1 (port 0: any free port; its wss:// and https://
# ports are DEV_WSS_PORT / DEV_HTTPS_PORT, free ones by default), waits until it is ready, and sets WS_PORT / HTTP_PORT / WSS_PORT /
# HTTPS_PORT to the ports it got and DEV_CA to its CA certificate (PEM file). Stopped by
# stop_devserver, which callers put in an EXIT trap so no process outlives the script.
start_devserver() {
  local ws="$1" http="$2" root="${3:-$ROOT/www}" log
  cargo build --quiet --release -p sockwave-devserver
  log="$(mktemp)"
  DEV_CA="$(mktemp --suffix=.pem)"
  "$ROOT/target/release/sockwave-devserver" --ws-port "$ws" --http-port "$http" --wss-port "${DEV_WSS_PORT:-0}" --https-port "${DEV_HTTPS_PORT:-0}" \
    --ca-out "$DEV_CA" --root "$root" >"$log" 2>&1 &
  DEVSERVER_PID=$!
  for _ in $(seq 1 100); do
    if grep -q '^sockwave-devserver ready' "$log"; then
      port_of() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" "$log" | head -1; }
      WS_PORT=$(port_of ws) HTTP_PORT=$(port_of http) WSS_PORT=$(port_of wss) HTTPS_PORT=$(port_of https)
      WRONG_HOST_PORT=$(port_of wrong_host)
      export WS_PORT HTTP_PORT WSS_PORT HTTPS_PORT WRONG_HOST_PORT DEV_CA
      return 0
    fi
    kill -0 "$DEVSERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$log" >&2
  echo "dev server did not start" >&2
  return 1
}

# WebKitGTK takes no capability through wasm-bindgen-test-runner (it sends none to WebKit), so
# it is told to accept the dev server's certificate the way a machine trusts a CA: the
# throwaway CA (its key lives only in the dev server's memory) goes into the system store under
# one fixed name, replaced at each run and removed by untrust_dev_ca. Chromium and Firefox
# accept it through `acceptInsecureCerts` (webdriver.json, tests/js/browser.mjs) instead.
DEV_CA_TRUSTED=/usr/local/share/ca-certificates/sockwave-devserver-throwaway-ca.crt
trust_dev_ca() {
  local SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO install -m 644 "$DEV_CA" "$DEV_CA_TRUSTED"
  $SUDO update-ca-certificates >/dev/null 2>&1
}
untrust_dev_ca() {
  [ -f "$DEV_CA_TRUSTED" ] || return 0
  local SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO rm -f "$DEV_CA_TRUSTED"
  $SUDO update-ca-certificates --fresh >/dev/null 2>&1 || true
}
