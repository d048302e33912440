#!/usr/bin/env bash
# `npm run build`: the release npm package (wasm-pack --target web, wasm-opt from npm binaryen).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ "${SOCKWAVE_SKIP_SETUP:-}" = 1 ] || bash scripts/setup.sh
step "wasm-pack build --release --target web (features: js)"
command -v wasm-opt | grep -q node_modules || { echo "wasm-opt must come from npm binaryen" >&2; exit 1; }
# --weak-refs: a Socket the page no longer references is freed by the garbage collector
# (FinalizationRegistry), listeners and all; `free()` does it at once.
wasm-pack build --release --target web --weak-refs --out-dir pkg/web --out-name sockwave --no-pack --mode no-install -- --features js
rm -f pkg/web/.gitignore pkg/web/package.json pkg/web/README.md
for f in pkg/web/sockwave_bg.wasm pkg/web/sockwave.js; do
  printf '%-28s %7d bytes, %6d gzip -9\n' "$(basename "$f")" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
done
