#!/usr/bin/env bash
# `npm run build`: the release npm package (wasm-pack --target web, wasm-opt from npm binaryen).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ "${SOCKWAVE_SKIP_SETUP:-}" = 1 ] || bash scripts/setup.sh
step "wasm-pack build js/rules --release --target web (the npm package's .wasm)"
command -v wasm-opt | grep -q node_modules || { echo "wasm-opt must come from npm binaryen" >&2; exit 1; }
# The package is js/*.js (plain JavaScript over the browser's socket) plus this .wasm: the rules
# it shares with the Rust crate (src/rules.rs, src/machine/backoff.rs), from js/rules/.
wasm-pack build js/rules --release --target web --out-dir ../../pkg/web --out-name sockwave --no-pack --mode no-install
rm -f pkg/web/.gitignore pkg/web/package.json pkg/web/README.md
for f in pkg/web/sockwave_bg.wasm pkg/web/sockwave.js; do
  printf '%-28s %7d bytes, %6d gzip -9\n' "$(basename "$f")" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
done
