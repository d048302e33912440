#!/usr/bin/env bash
# `npm start`: set up, build the release package and the demo, start the dev server (echo on
# ws://127.0.0.1:9998/echo, the page on http://127.0.0.1:8080/; the same over wss:// on 9443 and
# https:// on 8443 with a certificate made at start), until Ctrl-C.
# Ports: SOCKWAVE_WS_PORT, SOCKWAVE_HTTP_PORT, SOCKWAVE_WSS_PORT, SOCKWAVE_HTTPS_PORT. SOCKWAVE_SKIP_BUILD=1 reuses the last build.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
trap stop_devserver EXIT
trap 'exit 0' INT TERM

if [ "${SOCKWAVE_SKIP_BUILD:-}" != 1 ]; then
  [ "${SOCKWAVE_SKIP_SETUP:-}" = 1 ] || bash scripts/setup.sh
  SOCKWAVE_SKIP_SETUP=1 bash scripts/build.sh
  bash scripts/build-demo.sh
fi
step "starting the dev server"
DEV_WSS_PORT="${SOCKWAVE_WSS_PORT:-9443}" DEV_HTTPS_PORT="${SOCKWAVE_HTTPS_PORT:-8443}" \
  start_devserver "${SOCKWAVE_WS_PORT:-9998}" "${SOCKWAVE_HTTP_PORT:-8080}"
echo "echo server: ws://127.0.0.1:$WS_PORT/echo and wss://127.0.0.1:$WSS_PORT/echo"
echo "secure demo: https://127.0.0.1:$HTTPS_PORT/ (a throwaway certificate: the browser will warn)"
echo "demo page:   http://127.0.0.1:$HTTP_PORT/"
echo "Ctrl-C stops everything."
wait "$DEVSERVER_PID"
