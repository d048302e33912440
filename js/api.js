// sockwave for JavaScript: the package's API, loading nothing (the entry points do: index.js in
// browsers and workers, node.js in Node, manual.js for apps that call init() themselves).
// The Socket class and connect are plain JavaScript (socket.js); init loads the .wasm that
// holds the rules shared with the Rust face (src/js.rs).
import init, { initSync } from "../pkg/web/sockwave.js";

export { Socket, connect } from "./socket.js";
export { liveListeners } from "./link.js";
export { init, initSync };
