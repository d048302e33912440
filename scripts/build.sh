#!/usr/bin/env bash
# `npm run build`: the release npm package (wasm-pack --target web, wasm-opt from npm binaryen).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ "${SOCKWAVE_SKIP_SETUP:-}" = 1 ] || bash scripts/setup.sh
step "wasm-pack build js/rules --release --target web (the npm package's .wasm)"
command -v wasm-opt | grep -q node_modules || { echo "wasm-opt must come from npm binaryen" >&2; exit 1; }
# The package is js/*.js (a JavaScript shell over the browser's socket) plus this .wasm: the
# machine that decides for both faces (src/machine/) and the subprotocol rule (src/rules.rs).
wasm-pack build js/rules --release --target web --out-dir ../../pkg/web --out-name sockwave --no-pack --mode no-install
rm -f pkg/web/.gitignore pkg/web/package.json pkg/web/README.md
# The package ships the .wasm's bytes inside a module (js/machine.js instantiates it on first
# use, synchronously): no file to serve, fetch or copy, in any bundler, worker or Node.
node -e 'const fs = require("fs"); const b = fs.readFileSync("pkg/web/sockwave_bg.wasm").toString("base64");
  fs.writeFileSync("pkg/web/wasm.js", `// The machine'"'"'s .wasm (js/rules/), base64: built by scripts/build.sh.\nexport default "${b}";\n`);'
for f in pkg/web/sockwave_bg.wasm pkg/web/wasm.js; do
  printf '%-28s %7d bytes, %6d gzip -9\n' "$(basename "$f")" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)"
done
# What the package ships: each module of js/ minified on its own (esbuild, no bundling: the same
# modules and imports, without the comments), into dist/.
rm -rf dist
node_modules/.bin/esbuild js/*.js --minify --format=esm --outdir=dist --log-level=warning
printf '%-28s %7d bytes, %6d gzip -9\n' "dist/*.js" "$(cat dist/*.js | wc -c)" "$(for f in dist/*.js; do gzip -9c "$f" | wc -c; done | awk '{ s += $1 } END { print s }')"
