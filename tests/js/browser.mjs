// Shared by the JS end-to-end tests: the dev server and headless Chromium, both real, both
// started here and always stopped.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";

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
