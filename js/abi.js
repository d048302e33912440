// Generated from js/rules/abi.rs (`cargo test -p sockwave --test abi`): the numbers
// that cross between this shell and the .wasm. Do not edit.
export const Input = Object.freeze({ Opened: 1, Ended: 2, Rejected: 3, UrlFailed: 4, Pong: 5, Overflow: 6, Verdict: 7, Offline: 8, Online: 9, Hidden: 10, Visible: 11, Resumed: 12, PageHide: 13, PageShow: 14, Timeout: 15, Reconnect: 16, Close: 17, Due: 18, });
export const Act = Object.freeze({ Connect: 1, FlushAll: 2, Close: 3, Discard: 4, Ping: 5, Consult: 6, Route: 7, Connecting: 8, Open: 9, Disconnected: 10, Reconnecting: 11, Closed: 12, });
export const Route = Object.freeze({ Closed: 0, Hold: 1, Flow: 2, });
export const Failure = Object.freeze({ None: 0, Rejected: 1, ReconnectRefused: 2, RetriesExhausted: 3, ReceiveOverflow: 4, ConnectFailed: 5, ConnectTimeout: 6, });
export const Reason = Object.freeze({ Given: 0, HeartbeatTimeout: 1, IdleTimeout: 2, PageHidden: 3, Reconnect: 4, ReceiveOverflow: 5, ConnectTimeout: 6, UrlFailed: 7, CloseTimeout: 8, });
export const Policy = Object.freeze({ HighWaterMark: 0, MaxBufferedBytes: 1, QueueLimit: 2, HeartbeatInterval: 3, OverflowCode: 4, HeartbeatTimeout: 5, ConnectTimeout: 6, });
