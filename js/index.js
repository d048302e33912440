// The package's entry, in browsers, workers, bundlers and Node alike: no top-level await, so
// `import { connect } from "sockwave"` and `require("sockwave")` both work as they are.
export { Socket, connect, install, liveListeners, init as default } from "./api.js";
