#!/usr/bin/env bash
# `npm run build`: the release npm package (js/*.js minified, and the machine's .wasm built with
# cargo, shrunk by wasm-opt from npm binaryen).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ "${SOCKWAVE_SKIP_SETUP:-}" = 1 ] || bash scripts/setup.sh
step "cargo build js/rules (wasm32, release) + wasm-opt -Oz: the npm package's .wasm"
command -v wasm-opt | grep -q node_modules || { echo "wasm-opt must come from npm binaryen" >&2; exit 1; }
# The package is js/*.js (a JavaScript shell over the browser's socket) plus this .wasm: the
# machine that decides for both faces (src/machine/) and the subprotocol rule (src/rules.rs).
# Only numbers cross, so no wasm-bindgen glue: plain exports (js/rules/lib.rs).
cargo build --quiet --release --target wasm32-unknown-unknown -p sockwave-js-rules
rm -rf pkg/web
mkdir -p pkg/web
wasm-opt target/wasm32-unknown-unknown/release/sockwave_js_rules.wasm -Oz \
  --enable-bulk-memory --enable-nontrapping-float-to-int \
  --strip-debug --strip-producers --strip-target-features -o pkg/web/machine.wasm
# The package ships the .wasm's bytes inside a module (js/machine.js instantiates it on first
# use, synchronously): no file to serve, fetch or copy, in any bundler, worker or Node. In hex:
# a byte is always the same two characters, so gzip finds the .wasm's repeats as in the binary
# (base64 spreads a byte over two characters by its offset: 6,877 B gzip against hex's 5,857 B,
# measured on the same .wasm).
node -e 'const fs = require("fs"); const b = fs.readFileSync("pkg/web/machine.wasm").toString("hex");
  fs.writeFileSync("pkg/web/wasm.js", `// The machine'"'"'s .wasm (js/rules/), in hex: built by scripts/build.sh.\nexport default "${b}";\n`);'
for f in pkg/web/machine.wasm pkg/web/wasm.js; do
  printf '%-28s %7d bytes, %6d gzip -9\n' "$(basename "$f")" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
done
# What the package ships: each module of js/ minified on its own (esbuild: the same modules and
# imports, without the comments), into dist/. Only js/abi.js, the generated numbers of the
# .wasm's calls, is bundled into the modules that use it, so its constants are inlined.
rm -rf dist
modules=() externals=(--external:../pkg/web/wasm.js)
for f in js/*.js; do
  [ "$f" = js/abi.js ] && continue
  modules+=("$f") externals+=("--external:./$(basename "$f")")
done
node_modules/.bin/esbuild "${modules[@]}" --bundle "${externals[@]}" --minify --format=esm \
  --outdir=dist --log-level=warning
printf '%-28s %7d bytes, %6d gzip -9\n' "dist/*.js" "$(cat dist/*.js | wc -c)" "$(for f in dist/*.js; do gzip -9c "$f" | wc -c; done | awk '{ s += $1 } END { print s }')"
