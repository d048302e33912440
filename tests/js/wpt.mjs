// The web platform's own WebSocket tests (tests/wpt/, a pinned copy of WPT's websockets/) served
// as WPT serves them: pywebsocket3 runs WPT's handlers (ws:// and wss://), and an HTTP server
// here gives the test pages: `.sub.` files with their substitutions, and the `.any.js` /
// `.window.js` tests wrapped in their window and dedicated-worker pages, one per variant.
//
// Every page exists twice: `/engine/...` runs it on the engine's own WebSocket, `/sockwave/...`
// with sockwave's `Socket` installed as `WebSocket` first (the package's release build, dist/).
// A runner page (`/runner.html`) loads many tests at once in iframes and collects what each
// test's testharness reports, so one navigation per engine runs the whole suite.
import { spawn, execFileSync } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { ROOT, freePort } from "./browser.mjs";

export const WPT = path.join(ROOT, "tests/wpt");
const SKIP_DIRS = /^(cookies|stream|multi-globals|h2)\//;
/** Tests this copy cannot run, and why (each in every engine and mode alike). */
const SKIP = [
  [/^idlharness\./, "WPT's IDL parser (resources/webidl2/) is not in the pinned copy"],
  [/^back-forward-cache-/, "its helpers (html/browsers/.../remote-context-helper.js) are outside websockets/"],
  [/\.https\./, "needs the page itself over https"],
];

/** The tests to run: `{ page, file }` for each page (with its variant) of the suite. */
export function testPages() {
  const pages = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(WPT, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!["handlers", "resources", "support"].includes(entry.name)) walk(rel);
        continue;
      }
      const inSuite = rel.slice("websockets/".length);
      if (SKIP_DIRS.test(inSuite) || SKIP.some(([re]) => re.test(inSuite))) continue;
      const meta = metaOf(path.join(WPT, rel));
      const variants = meta.variant.length ? meta.variant : [""];
      const keep = (v) => !/h2/.test(v);
      if (/\.any\.js$/.test(rel)) {
        const globals = (meta.global[0] ?? "window,dedicatedworker").split(",").map((g) => g.trim());
        const base = rel.replace(/\.js$/, "");
        for (const v of variants.filter(keep)) {
          if (globals.some((g) => g === "window" || g === "default")) pages.push(`${base}.html${v}`);
          if (globals.some((g) => g === "dedicatedworker" || g === "worker" || g === "default")) pages.push(`${base}.worker.html${v}`);
        }
      } else if (/\.worker\.js$/.test(rel)) {
        pages.push(rel.replace(/\.js$/, ".html"));
      } else if (/\.window\.js$/.test(rel)) {
        for (const v of variants.filter(keep)) pages.push(`${rel.replace(/\.js$/, "")}.html${v}`);
      } else if (/\.html?$/.test(rel) && !/\.any\.|\.window\./.test(rel) && /testharness\.js/.test(fs.readFileSync(path.join(WPT, rel), "utf8"))) {
        pages.push(rel);
      }
    }
  };
  walk("websockets");
  return pages.sort();
}

/** The `// META:` lines of a test file: `{ script: [...], variant: [...], global: [...], timeout: [...] }`. */
function metaOf(file) {
  const meta = { script: [], variant: [], global: [], timeout: [], title: [] };
  if (!/\.js$/.test(file)) return meta;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const m = /^\/\/ META: *(\w+)=(.*)$/.exec(line);
    if (!m) {
      if (line.trim() && !line.startsWith("//")) break;
      continue;
    }
    meta[m[1]]?.push(m[2].trim());
  }
  return meta;
}

const TYPES = { ".html": "text/html", ".htm": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json" };

/** The harness's report: each test page posts its results to the runner (its parent). */
const REPORT = `add_completion_callback(function (tests, status) {
  var results = tests.map(function (t) { return { name: t.name, status: t.status, message: t.message || "" }; });
  var msg = { wpt: true, path: location.pathname + location.search, status: status.status, message: status.message || "", tests: results };
  if (self.parent && self.parent !== self) self.parent.postMessage(msg, "*");
  self.__wpt = msg;
});
`;

/** The runner: loads `tests` (page paths, under `/<mode>/`) `concurrency` at a time in iframes;
 * publishes `window.__results` when every page reported or timed out. */
const RUNNER = `<!doctype html><meta charset=utf-8><title>WPT runner</title><body><script>
const params = new URLSearchParams(location.search);
const only = params.get("only");
const concurrency = Number(params.get("concurrency") || 6);
const results = {};
let next = 0, running = 0;
const waiting = new Map();
addEventListener("message", (e) => {
  if (!e.data || !e.data.wpt) return;
  const done = waiting.get(e.data.path);
  if (done) done(e.data);
});
function runOne(page) {
  return new Promise((resolve) => {
    const frame = document.createElement("iframe");
    const finish = (r) => { clearTimeout(timer); waiting.delete(page); frame.remove(); results[page] = r; resolve(); };
    const timer = setTimeout(() => finish({ status: 2, message: "no report within the runner's time", tests: [] }), 90000);
    waiting.set(page, finish);
    frame.src = page;
    document.body.append(frame);
  });
}
async function worker() {
  while (next < pages.length) await runOne(pages[next++]);
}
let pages;
fetch("/pages.json?mode=" + params.get("mode")).then((r) => r.json()).then((list) => {
  const picked = params.get("pages") ? JSON.parse(params.get("pages")) : null;
  pages = picked ? list.filter((p) => picked.includes(p.slice(p.indexOf("/", 1) + 1)))
    : only ? list.filter((p) => p.includes(only)) : list;
  return Promise.all(Array.from({ length: concurrency }, worker));
}).then(() => { window.__results = results; });
</script>`;

/**
 * Starts pywebsocket3 (ws:// and wss://, WPT's handlers) and the page server. `install` is the
 * classic script that installs sockwave's Socket as `WebSocket`. Returns the ports and `stop()`.
 */
export async function startWpt({ install }) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sockwave-wpt-"));
  // A throwaway certificate for wss:// (the browsers are told to accept it).
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", path.join(tmp, "key.pem"), "-out", path.join(tmp, "cert.pem")],
  { stdio: "ignore" });
  const [ws, wss] = [await freePort(), await freePort()];
  const handlers = path.join(WPT, "websockets/handlers");
  const pyws = (port, tls) => spawn("python3", ["-m", "pywebsocket3.standalone", "-H", "127.0.0.1", "-p", String(port), "-w", handlers,
    "--log-level", "critical", ...(tls ? ["-t", "-k", path.join(tmp, "key.pem"), "-c", path.join(tmp, "cert.pem")] : [])],
  { stdio: ["ignore", "ignore", "inherit"], detached: true });
  const servers = [pyws(ws, false), pyws(wss, true)];

  const subs = (text, port) => text
    .replace(/\{\{host\}\}/g, "127.0.0.1")
    .replace(/\{\{domains\[\]\}\}/g, "127.0.0.1")
    .replace(/\{\{domains\[www\]\}\}/g, "localhost")
    .replace(/\{\{hosts\[\]\[\]\}\}/g, "127.0.0.1")
    .replace(/\{\{hosts\[\]\[www\]\}\}/g, "localhost")
    .replace(/\{\{ports\[ws\]\[0\]\}\}/g, String(ws))
    .replace(/\{\{ports\[wss\]\[0\]\}\}/g, String(wss))
    .replace(/\{\{ports\[http\]\[0\]\}\}/g, String(port))
    .replace(/\{\{ports\[https\]\[0\]\}\}/g, String(port))
    .replace(/\{\{ports\[h2\]\[0\]\}\}/g, "0") // HTTP/2 variants are not run
    .replace(/\{\{location\[scheme\]\}\}/g, "http");

  const installed = new Set(); // the pages (or their workers) that installed sockwave's Socket
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const send = (status, body, type = "text/html") => {
      res.writeHead(status, { "content-type": `${type}; charset=utf-8`, "cache-control": "no-store" });
      res.end(body);
    };
    if (url.pathname === "/runner.html") return send(200, RUNNER);
    if (url.pathname === "/pages.json") {
      return send(200, JSON.stringify(testPages().map((p) => `/${url.searchParams.get("mode")}/${p}`)), "application/json");
    }
    if (url.pathname === "/resources/testharnessreport.js") return send(200, REPORT, "text/javascript");
    if (url.pathname === "/sockwave-install.js") {
      installed.add(url.searchParams.get("for").replace(/\.worker\.js$/, ".worker.html"));
      return send(200, install, "text/javascript");
    }
    if (url.pathname === "/common/blank.html") return send(200, "<!doctype html><meta charset=utf-8>");
    const m = /^\/(engine|sockwave)(\/.*)$/.exec(url.pathname);
    const mode = m ? m[1] : "engine";
    const rel = decodeURIComponent(m ? m[2] : url.pathname).replace(/^\/+/, "");
    if (rel.split("/").includes("..")) return send(403, "no");
    const port = server.address().port;
    // One URL per page and worker, so that no engine serves it from a cache (each load counts).
    const installUrl = `/sockwave-install.js?for=${encodeURIComponent(rel)}`;
    const installTag = mode === "sockwave" ? `<script src="${installUrl}"></script>\n` : "";
    const installWorker = mode === "sockwave" ? `importScripts(${JSON.stringify(`${installUrl}&worker`)});\n` : "";
    // Generated wrappers for .any.js / .window.js tests.
    // A dedicated-worker test (`X.worker.js`): its page starts it; in sockwave's mode the
    // worker installs Socket first.
    const w = /^(.*)\.worker\.(html|js)$/.exec(rel);
    if (w && !/\.any$/.test(w[1]) && fs.existsSync(path.join(WPT, `${w[1]}.worker.js`))) {
      if (w[2] === "html") {
        return send(200, `<!doctype html>\n<meta charset=utf-8>\n<title>${rel}</title>\n`
          + '<script src="/resources/testharness.js"></script>\n<script src="/resources/testharnessreport.js"></script>\n'
          + `<div id=log></div>\n<script>fetch_tests_from_worker(new Worker(${JSON.stringify(path.posix.basename(rel).replace(/\.html$/, ".js"))} + location.search));</script>\n`);
      }
      return send(200, installWorker + fs.readFileSync(path.join(WPT, rel), "utf8"), "text/javascript");
    }
    let g = /^(.*)\.(any|window)\.(html|worker\.html|worker\.js)$/.exec(rel);
    if (g) {
      const source = `${g[1]}.${g[2]}.js`;
      const file = path.join(WPT, source);
      if (!fs.existsSync(file)) return send(404, "no such test");
      const meta = metaOf(file);
      const scripts = meta.script.map((s) => (s.startsWith("/") ? s : `/${path.posix.join(path.posix.dirname(rel), s)}`));
      const timeout = meta.timeout.includes("long") ? '<meta name="timeout" content="long">\n' : "";
      const testUrl = `/${source}`;
      if (g[3] === "html") {
        return send(200, `<!doctype html>\n<meta charset=utf-8>\n${timeout}<title>${source}</title>\n`
          + "<script>self.GLOBAL = { isWindow: () => true, isWorker: () => false, isShadowRealm: () => false };</script>\n"
          + '<script src="/resources/testharness.js"></script>\n<script src="/resources/testharnessreport.js"></script>\n'
          + installTag + scripts.map((s) => `<script src="${s}"></script>\n`).join("")
          + `<div id=log></div>\n<script src="${testUrl}"></script>\n`);
      }
      if (g[3] === "worker.html") {
        const workerUrl = `${path.posix.basename(rel).replace(/\.html$/, ".js")}`;
        return send(200, `<!doctype html>\n<meta charset=utf-8>\n${timeout}<title>${source} (worker)</title>\n`
          + '<script src="/resources/testharness.js"></script>\n<script src="/resources/testharnessreport.js"></script>\n'
          + `<div id=log></div>\n<script>fetch_tests_from_worker(new Worker(${JSON.stringify(workerUrl)} + location.search));</script>\n`);
      }
      return send(200, 'importScripts("/resources/testharness.js");\n'
        + "self.GLOBAL = { isWindow: () => false, isWorker: () => true, isShadowRealm: () => false };\n"
        + installWorker + scripts.map((s) => `importScripts(${JSON.stringify(s)});\n`).join("")
        + `importScripts(${JSON.stringify(testUrl)});\ndone();\n`, "text/javascript");
    }
    const file = path.join(WPT, rel);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return send(404, "not found");
    const ext = path.extname(file);
    let body = fs.readFileSync(file, ext === ".html" || ext === ".htm" || ext === ".js" ? "utf8" : undefined);
    if (/\.sub\./.test(rel)) body = subs(body, port);
    if ((ext === ".html" || ext === ".htm") && installTag) {
      // Installed before the test's own scripts: right after the harness's report script.
      body = body.replace(/(<script[^>]*testharnessreport\.js[^>]*><\/script>)/i, `$1\n${installTag}`);
    }
    return send(200, body, TYPES[ext] ?? "application/octet-stream");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  // pywebsocket is ready when its ports take connections.
  const net = await import("node:net");
  for (const port of [ws, wss]) {
    for (let i = 0; ; i++) {
      const ok = await new Promise((resolve) => {
        const c = net.connect(port, "127.0.0.1", () => { c.destroy(); resolve(true); });
        c.on("error", () => resolve(false));
      });
      if (ok) break;
      if (i === 100) throw new Error(`pywebsocket did not listen on ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    /** The throwaway certificate of wss:// (Node is told to trust it: NODE_EXTRA_CA_CERTS). */
    cert: path.join(tmp, "cert.pem"),
    http: server.address().port,
    base: `http://127.0.0.1:${server.address().port}`,
    /** The pages whose page or worker loaded the script that installs sockwave's Socket (and
     * forgets them: each run starts afresh). */
    takeInstalled() {
      const pages = [...installed];
      installed.clear();
      return new Set(pages);
    },
    async stop() {
      server.close();
      for (const child of servers) {
        try { process.kill(-child.pid, "SIGTERM"); } catch { /* gone */ }
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** The runner's URL for the suite in `mode` ("engine" or "sockwave"); `only`: the pages whose
 * path contains it (SOCKWAVE_WPT_ONLY, to run a few by hand). */
export const runnerUrl = (base, mode, concurrency = 6, only = process.env.SOCKWAVE_WPT_ONLY ?? "") =>
  `${base}/runner.html?mode=${mode}&concurrency=${concurrency}&only=${encodeURIComponent(only)}`;

/** The runner's URL for a few `pages` (paths with their variant, as `testPages` gives them). */
export const runnerUrlFor = (base, mode, pages) =>
  `${base}/runner.html?mode=${mode}&pages=${encodeURIComponent(JSON.stringify(pages))}`;

/** Subtests by page and name: `{ "page|name": status }` (0 pass), plus the harness's status
 * of each page as `"page|(harness)"`. */
export function flatten(results, mode) {
  const out = {};
  for (const [page, r] of Object.entries(results)) {
    const key = page.slice(mode.length + 2);
    out[`${key}|(harness)`] = r.status;
    for (const t of r.tests) out[`${key}|${t.name}`] = t.status;
  }
  return out;
}
