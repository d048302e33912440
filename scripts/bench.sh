#!/usr/bin/env bash
# `npm run bench` (full, by hand) or `bash scripts/bench.sh --smoke` (tiny counts, in npm test):
# builds the release package and the bench clients, then runs bench/run.mjs (the browsers) and
# bench/native (sockwave's native face against raw tokio-tungstenite; `--native-only` runs it
# alone).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ "${SOCKWAVE_SKIP_SETUP:-}" = 1 ] || bash scripts/setup.sh
if [[ " $* " != *" --native-only "* ]]; then
  [ "${SOCKWAVE_SKIP_BUILD:-}" = 1 ] || SOCKWAVE_SKIP_SETUP=1 bash scripts/build.sh
  step "building the bench clients (sockwave, gloo-net, ws_stream_wasm) and staging the page"
  wasm-pack --quiet build bench/clients --release --target web --out-dir ../page/pkg --no-pack --mode no-install
  rm -f bench/page/pkg/.gitignore
  rm -rf bench/page/sockwave
  mkdir -p bench/page/sockwave/js bench/page/sockwave/pkg/web
  cp js/*.js bench/page/sockwave/js/
  cp pkg/web/wasm.js bench/page/sockwave/pkg/web/
  cargo build --quiet --release -p sockwave-devserver
  step "bench${1:+ $1}"
  node bench/run.mjs "$@"
fi
# The native section: sockwave's native face against raw tokio-tungstenite, on the same dev
# server (a full run writes its table into docs/benchmarks.md; the smoke run only prints it).
step "native bench${1:+ $1}"
cargo build --quiet --release -p sockwave-bench-native
trap stop_devserver EXIT
start_devserver 0 0
native_args=()
for a in "$@"; do
  case "$a" in --smoke|--rounds=*) native_args+=("$a") ;; esac
done
[[ " $* " == *" --smoke "* ]] || native_args+=("--doc=docs/benchmarks.md")
target/release/sockwave-bench-native "ws://127.0.0.1:$WS_PORT" "${native_args[@]}"
stop_devserver
