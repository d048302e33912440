// One page of the WPT suite in Node (a child process of tests/js/wpt.test.mjs): a `.any.js`
// test as its dedicated-worker wrapper loads it, from the same page server (wpt.mjs), with its
// `importScripts` answered from what was fetched first, so that testharness.js, the test's
// META scripts, the installer of sockwave's `Socket` (in sockwave's mode) and the test run in
// one turn, as in a worker. testharness.js runs its shell environment (no window, no worker
// scope). Prints the harness's report as JSON; the parent bounds the time.
//
// Usage: node wpt-node.mjs <base> <mode> <page>, with <page> such as
// websockets/Close-1000.any.worker.html?wss.
import vm from "node:vm";

const [base, mode, page] = process.argv.slice(2);
const worker = new URL(`/${mode}/${page.replace(/\.worker\.html/, ".worker.js")}`, base);
globalThis.self = globalThis;
globalThis.location = new URL(worker); // the tests read location.search (variants), .protocol
const text = async (url) => {
  const r = await fetch(new URL(url, worker));
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.text();
};
const wrapper = await text(worker);
const sources = new Map();
for (const [, quoted] of wrapper.matchAll(/importScripts\(("(?:[^"\\]|\\.)*")\)/g)) {
  const url = JSON.parse(quoted);
  sources.set(url, await text(url));
}
globalThis.importScripts = (url) => {
  vm.runInThisContext(sources.get(url), { filename: url });
  if (/testharness\.js$/.test(url)) {
    globalThis.add_completion_callback((tests, status) => {
      const report = { status: status.status, message: status.message || "", tests: tests.map((t) => ({ name: t.name, status: t.status, message: t.message || "" })) };
      process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
    });
  }
};
vm.runInThisContext(wrapper, { filename: worker.pathname });
