// The package's entry in browsers and workers: loads the .wasm next to the glue before the
// module resolves (top-level await), so `import { connect } from "sockwave"` is all an app does.
// Apps that host the .wasm elsewhere import "sockwave/manual" and call init(input) themselves.
import { init } from "./api.js";

await init();

export { Socket, connect, liveListeners } from "./api.js";
/** Already done at import; kept so `await init()` in existing code stays harmless. */
export default init;
