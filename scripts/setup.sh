#!/usr/bin/env bash
# Installs everything sockwave's build, tests and demo need, on a bare machine.
# Idempotent: each step checks what is already there (at the right version) and skips it.
# Recipe and traps: ../shared/TOOLCHAIN.md. Nothing here downloads a prebuilt binary of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_PACK_VERSION=0.15.1
GECKODRIVER_VERSION=0.37.1
# The wasm-bindgen CLI must match the library exactly: read the version from the committed lock.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)

say() { printf '[setup] %s\n' "$*"; }
have_version() { command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$2"; }

export PATH="$HOME/.cargo/bin:$PATH"

# 1. Rust: the wasm32 target and the lint tools.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for c in rustfmt clippy; do
  rustup component list --installed | grep -q "^$c" || rustup component add "$c"
done

# 2. Browsers and their drivers from Debian (never a browser download of a test tool's own):
#    Chromium, Firefox, and WebKitGTK (Safari's engine) with its WebDriver, MiniBrowser and the
#    virtual X display it needs (xvfb-run).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v firefox-esr >/dev/null \
  || ! command -v WebKitWebDriver >/dev/null || ! command -v xvfb-run >/dev/null || ! command -v xauth >/dev/null; then
  say "installing chromium, chromium-driver, firefox-esr, webkit2gtk-driver, xvfb, xauth (apt)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver firefox-esr >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends webkit2gtk-driver xvfb xauth >/dev/null
fi

# 3. Cargo-built tools, pinned (not --locked: some of their locked dependencies were yanked).
cargo_tool() { # binary version crate
  if have_version "$1" "$2"; then return; fi
  say "cargo install $3 --version =$2"
  cargo install --quiet "$3" --version "=$2"
}
cargo_tool wasm-pack "$WASM_PACK_VERSION" wasm-pack
cargo_tool wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen-cli
cargo_tool geckodriver "$GECKODRIVER_VERSION" geckodriver

# 4. npm dev tools (binaryen's wasm-opt, playwright-core, typescript, vite), from the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# 5. The classic example's own echo server, pywebsocket, for the demo's compatibility test.
#    Its example handlers (echo_wsh.py) ship only in the source archive.
PYWS=pywebsocket3-4.0.2
if ! python3 -c "import pywebsocket3, six" 2>/dev/null; then
  say "pip install pywebsocket3 six"
  python3 -m pip install --quiet --root-user-action=ignore "pywebsocket3==4.0.2" six
fi
if [ ! -f ".cache/$PYWS/example/echo_wsh.py" ]; then
  say "fetching pywebsocket3's example handlers (source archive from PyPI)"
  mkdir -p .cache
  python3 -m pip download --quiet --no-deps --no-binary :all: "pywebsocket3==4.0.2" -d .cache
  tar xzf ".cache/$PYWS.tar.gz" -C .cache
fi

say "ready: wasm-bindgen $WASM_BINDGEN_VERSION, wasm-pack $WASM_PACK_VERSION, geckodriver $GECKODRIVER_VERSION"
