// Runs the package's scenarios inside a module Web Worker and posts the results to the page.
import * as sockwave from "./node_modules/sockwave/dist/index.js";
import ReconnectingWebSocket from "./node_modules/reconnecting-websocket/dist/reconnecting-websocket-mjs.js";
import * as rpc from "./node_modules/sockwave/dist/rpc.js";
import { run } from "./scenarios.js";

const ws = new URL(self.location.href).searchParams.get("ws");
run(sockwave, ws, "", { ReconnectingWebSocket, rpc }).then(
  (results) => postMessage(results.map((r) => ({ ...r, context: typeof document === "undefined" ? "worker" : "page" }))),
  (e) => postMessage([{ name: "run", ok: false, detail: String(e) }]),
);
