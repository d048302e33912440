// A consumer project's entry: imports the installed package by name, bundled by Vite.
import * as sockwave from "sockwave";
import ReconnectingWebSocket from "reconnecting-websocket"; // a third-party client (scenarios.js)
import * as rpc from "sockwave/rpc"; // the calls entry (scenarios.js)
import { run } from "./scenarios.js";

window.__errors ??= [];
addEventListener("unhandledrejection", (e) => window.__errors.push(`${e.reason}`));

const ws = new URLSearchParams(location.search).get("ws");
run(sockwave, ws, "", { ReconnectingWebSocket, rpc }).then(
  (results) => { window.__results = results; },
  (e) => { window.__results = [{ name: "run", ok: false, detail: String(e) }]; },
);
