// Shared by the JS end-to-end tests: the dev server and headless Chromium, both real, both
// started here and always stopped.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";
// selenium-webdriver is imported lazily by launchWebDriver.

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Starts target/release/sockwave-devserver on free ports serving `root`. */
export async function startDevServer(root, { wsPort = 0, httpPort = 0, results } = {}) {
  const bin = path.join(ROOT, "target/release/sockwave-devserver");
  const extra = results ? ["--results", results] : [];
  const child = spawn(bin, ["--ws-port", String(wsPort), "--http-port", String(httpPort), "--root", root, ...extra], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const ready = new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/ready ws=(\d+) http=(\d+)/);
      if (m) resolve({ ws: Number(m[1]), http: Number(m[2]) });
    });
    child.on("exit", (code) => reject(new Error(`dev server exited (${code}): ${out}`)));
  });
  const ports = await ready;
  return {
    ...ports,
    wsBase: `ws://127.0.0.1:${ports.ws}`,
    httpBase: `http://127.0.0.1:${ports.http}`,
    async stop() {
      if (child.exitCode === null) {
        child.kill();
        await once(child, "exit");
      }
    },
  };
}

/** Headless Debian Chromium, with the flags this machine needs (Playwright gives it a fresh
 * temporary profile). */
export async function launchChromium() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run",
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/** Opens `url` and waits for the page to publish `window.__results`; returns them and errors. */
export async function runPage(browser, url, timeoutMs = 120_000) {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") pageErrors.push(m.text()); });
  await page.goto(url);
  await page.waitForFunction(() => window.__results !== undefined, null, { timeout: timeoutMs });
  const results = await page.evaluate(() => window.__results);
  await page.close();
  return { results, pageErrors };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  const net = await import("node:net");
  const srv = net.createServer().listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

export const MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

/** WebKit (WebKitGTK's MiniBrowser, Safari's engine) under a virtual X display, driven over
 * WebDriver by selenium-webdriver (Playwright's WebKit is a build of its own that cannot be
 * installed here). `acceptInsecureCerts` lets it take the dev server's wss:// certificate. */
export function launchWebKit() {
  return launchWebDriver((port) => ["xvfb-run", ["-a", "WebKitWebDriver", `--port=${port}`]], {
    browserName: "MiniBrowser",
    acceptInsecureCerts: true,
    "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation"] },
  });
}

/** Firefox (ESR, headless) over WebDriver: geckodriver, which scripts/setup.sh installs. */
export function launchFirefox() {
  return launchWebDriver((port) => ["geckodriver", [`--port=${port}`, "--host=127.0.0.1"]], {
    browserName: "firefox",
    acceptInsecureCerts: true,
    // Firefox adds its own growing delay before each reconnect to a host whose handshakes
    // failed; the scenarios measure sockwave's delays (as webdriver.json does for the Rust tests).
    "moz:firefoxOptions": {
      binary: "/usr/bin/firefox-esr", args: ["-headless"],
      prefs: { "network.websocket.delay-failed-reconnects": false },
    },
  });
}

/** Starts a WebDriver server (`command(port)` gives [program, args]) in its own process group
 * and a session with `capabilities`; `close()` ends both. */
async function launchWebDriver(command, capabilities) {
  const { Builder } = await import("selenium-webdriver");
  const port = await freePort();
  const [program, args] = command(port);
  const child = spawn(program, args, {
    detached: true, // its own process group: the driver and the browser stop together
    stdio: "ignore",
  });
  const stopChild = () => { try { process.kill(-child.pid, "SIGTERM"); } catch { /* gone */ } };
  try {
    const server = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try { await fetch(`${server}/status`); break; } catch (e) {
        if (i === 100) throw new Error(`${program} did not start: ${e}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const driver = await new Builder().usingServer(server).withCapabilities(capabilities).build();
    return {
      driver,
      async close() {
        try { await driver.quit(); } finally { stopChild(); }
      },
    };
  } catch (e) {
    stopChild();
    throw e;
  }
}

/** `runPage` for a WebDriver browser: opens `url`, waits for `window.__results`. WebDriver has
 * no console or page-error feed: errors the page throws are caught by an `error` listener the
 * test pages install (`window.__errors`), when they do. */
export async function runPageWebDriver(driver, url, timeoutMs = 120_000) {
  await driver.get(url);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const results = await driver.executeScript("return window.__results === undefined ? null : window.__results");
    if (results) {
      const pageErrors = (await driver.executeScript("return window.__errors || []")) ?? [];
      return { results, pageErrors };
    }
    if (Date.now() > deadline) {
      const errors = await driver.executeScript("return window.__errors || []").catch(() => []);
      const progress = await driver.executeScript("return window.__progress || null").catch(() => null);
      throw new Error(`timeout waiting for results of ${url}; page errors: ${JSON.stringify(errors)}; progress: ${JSON.stringify(progress)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
