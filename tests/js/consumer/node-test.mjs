// The installed package in Node 22+: `import ... from "sockwave"` resolves to the package's
// "node" entry (the .wasm read from disk), no init(); the same scenarios as in the browsers, on
// Node's global WebSocket. Prints the results as JSON on stdout.
import * as sockwave from "sockwave";
import ReconnectingWebSocket from "reconnecting-websocket";
import * as rpc from "sockwave/rpc";
import { run } from "./scenarios.js";

const results = await run(sockwave, process.argv[2], "", { ReconnectingWebSocket, rpc });
console.log(JSON.stringify(results.map((r) => ({ ...r, context: "node" }))));
process.exit(0);
