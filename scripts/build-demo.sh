#!/usr/bin/env bash
# Stages the demo: the release npm package into www/sockwave/, and the Rust front end
# (examples/echo-chat: the echo chat and the classic example's Rust face) built by wasm-pack
# into www/rust/pkg/. Run after scripts/build.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
step "staging the npm package into www/sockwave/"
rm -rf www/sockwave
mkdir -p www/sockwave/js www/sockwave/pkg/web
cp js/*.js js/index.d.ts www/sockwave/js/
cp pkg/web/wasm.js www/sockwave/pkg/web/
step "building the Rust front end (examples/echo-chat) into www/rust/pkg/"
wasm-pack --quiet build examples/echo-chat --release --target web --out-dir ../../www/rust/pkg --no-pack --mode no-install
rm -f www/rust/pkg/.gitignore
step "building the calls example (examples/calls) into www/calls/pkg/"
wasm-pack --quiet build examples/calls --release --target web --out-dir ../../www/calls/pkg --no-pack --mode no-install
rm -f www/calls/pkg/.gitignore
# The classic example's Rust code, which the page shows beside the JavaScript it runs.
cp examples/echo-chat/src/classic.rs www/rust/pkg/classic.rs
