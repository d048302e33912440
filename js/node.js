// The package's entry in Node (22+, whose global WebSocket it wraps): reads the .wasm from disk,
// since Node's fetch does not load file: URLs.
import { readFile } from "node:fs/promises";
import { init } from "./api.js";

await init({ module_or_path: await readFile(new URL("../pkg/web/sockwave_bg.wasm", import.meta.url)) });

export { Socket, connect, liveListeners } from "./api.js";
export default init;
