// The package without loading: call (and await) init() first, with where the .wasm is if it is
// not next to the glue: init({ module_or_path: url | Response | bytes | WebAssembly.Module }).
export { Socket, connect, liveListeners, init as default } from "./api.js";
