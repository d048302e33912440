// The entry older versions offered for apps that called init() themselves: the same as
// index.js now (init() is harmless and optional).
export { Socket, connect, install, liveListeners, init as default } from "./api.js";
