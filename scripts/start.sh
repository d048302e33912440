#!/usr/bin/env bash
# `npm start`: set up, build, start the dev server and serve www/, until Ctrl-C.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
trap stop_devserver EXIT
trap 'exit 0' INT TERM

bash scripts/setup.sh
step "starting the dev server"
start_devserver "${SOCKWAVE_WS_PORT:-9998}" "${SOCKWAVE_HTTP_PORT:-8080}"
echo "echo server: ws://127.0.0.1:$WS_PORT/echo"
echo "demo page:   http://127.0.0.1:$HTTP_PORT/"
echo "Ctrl-C stops everything."
wait "$DEVSERVER_PID"
