#!/usr/bin/env bash
# `npm test`: every check and every test, native and in real browsers. Set-up runs first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
trap stop_devserver EXIT
trap 'exit 130' INT TERM

step "setup"
bash scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy -D warnings (native and wasm32)"
# This also checks the declared rust-version (Cargo.toml, 1.85): clippy's incompatible_msrv
# lint (on by default, denied here) refuses any std API newer than it. (Only one toolchain can
# be installed on these machines, so the MSRV cannot be compiled with directly.)
grep -q '^rust-version = "' Cargo.toml || { echo "Cargo.toml must declare rust-version" >&2; exit 1; }
# A library pins no exact version of a dependency (every app using it would be forced onto it).
if sed -n '/^\[dependencies\]/,/^\[/p' Cargo.toml | grep -n '"='; then
  echo "Cargo.toml [dependencies] must not pin exact versions" >&2; exit 1
fi
# Twice for the crate: without its features (what most apps build) and with every one
# (typed messages, codecs, calls: `FEATURES`, lib.sh).
cargo clippy --quiet --workspace --all-targets -- -D warnings
cargo clippy --quiet --workspace --all-targets --features "$FEATURES" -- -D warnings
cargo clippy --quiet -p sockwave --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy --quiet -p sockwave --target wasm32-unknown-unknown --all-targets --features "$FEATURES" -- -D warnings
cargo clippy --quiet -p sockwave-js-rules --target wasm32-unknown-unknown -- -D warnings
cargo clippy --quiet -p sockwave-echo-chat --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy --quiet -p sockwave-calls --target wasm32-unknown-unknown --all-targets -- -D warnings

step "rustdoc -D warnings"
# Without the features too: a link to a feature's item breaks the default build's docs.
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps -p sockwave
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps -p sockwave --features "$FEATURES"
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps -p sockwave --features "$FEATURES" --target wasm32-unknown-unknown

start_devserver 0 0
echo "dev server: ws=$WS_PORT http=$HTTP_PORT wss=$WSS_PORT https=$HTTPS_PORT"
# The native tests read the server's addresses at run time, the browser tests at compile time;
# with SOCKWAVE_REQUIRE_DEVSERVER a test that needs the server fails rather than skips.
export SOCKWAVE_WS_BASE="ws://127.0.0.1:$WS_PORT"
export SOCKWAVE_WSS_BASE="wss://127.0.0.1:$WSS_PORT"
export SOCKWAVE_WRONG_HOST_BASE="wss://127.0.0.1:$WRONG_HOST_PORT"
export SOCKWAVE_REQUIRE_DEVSERVER=1

step "native tests (pure types, doc examples, the dev server, the native face against it)"
# The dev server's CA is trusted by no store yet: native wss:// must refuse it, naming the
# certificate. Then once more with it as the only trusted root (rustls-native-certs reads
# SSL_CERT_FILE as the platform's store): wss:// echoes, and the context scenarios run over it.
env -u SSL_CERT_FILE -u SSL_CERT_DIR cargo test --quiet --workspace --features "$FEATURES"
SSL_CERT_FILE="$DEV_CA" SOCKWAVE_DEV_CA_TRUSTED=1 cargo test --quiet -p sockwave --test native --test contexts wss

step "browser tests: wasm-pack test in Chrome, Firefox and WebKit (pages, workers, wss)"
trap 'stop_devserver; untrust_dev_ca' EXIT
trust_dev_ca
export WASM_BINDGEN_TEST_TIMEOUT=300
# WebKitGTK needs an X display: a virtual one (xvfb-run). Never export SAFARIDRIVER: the runner
# would then use it for the Chrome run too (../shared/TOOLCHAIN.md).
xvfb-run -a wasm-pack test --headless --chrome --firefox --safari --safaridriver /usr/bin/WebKitWebDriver --mode no-install -- --features "$FEATURES"
stop_devserver
untrust_dev_ca

step "release npm package (wasm-pack --target web + wasm-opt)"
SOCKWAVE_SKIP_SETUP=1 bash scripts/build.sh
bash scripts/build-demo.sh

step "ready to publish: cargo publish --dry-run, npm publish --dry-run"
cargo publish --quiet --dry-run --allow-dirty -p sockwave
# The crate ships every source file, the one the npm package's .wasm is built from too (an
# exclude pattern once dropped the JS bindings).
cargo package --quiet --list --allow-dirty -p sockwave | grep -qx 'src/rules.rs'
npm publish --dry-run --loglevel=error >/dev/null

step "benchmark smoke run (tiny counts, no thresholds: keeps npm run bench from rotting)"
SOCKWAVE_SKIP_SETUP=1 SOCKWAVE_SKIP_BUILD=1 bash scripts/bench.sh --smoke

step "JavaScript end-to-end: the packed package (Vite, plain page, module worker; Chromium, WebKit, Firefox; Node 22) and the demo"
node --test tests/js/*.test.mjs

echo
echo "npm test: all passed"
