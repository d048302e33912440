// Node's entry: the same as every other (index.js); kept for the package's export map.
export { Socket, connect, install, liveListeners, init as default } from "./api.js";
