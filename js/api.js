// sockwave for JavaScript: the package's API. Importing it loads nothing: the .wasm (the
// machine, js/machine.js) is instantiated when a socket first needs it (a `connect()` socket, a
// reconnecting `Socket`; a plain `Socket` never does). index.js, node.js and manual.js are
// the same entry under the names older versions used.
import { w } from "./machine.js";

export { connect } from "./socket.js";
export { Socket, install } from "./standard.js";
export { liveListeners } from "./link.js";

/** Nothing to wait for any more (kept so `await init()` in existing code stays harmless):
 * resolves with the .wasm's exports. */
export const init = async () => w();
