// Generated from js/rules/abi.rs (`cargo test -p sockwave --test abi`): the numbers that
// cross between this shell and the .wasm. Do not edit.

export const INPUT_OPENED = 1; // Input::Opened
export const INPUT_ENDED = 2; // Input::Ended
export const INPUT_REJECTED = 3; // Input::Rejected
export const INPUT_URL_FAILED = 4; // Input::UrlFailed
export const INPUT_PONG = 5; // Input::Pong
export const INPUT_OVERFLOW = 6; // Input::Overflow
export const INPUT_VERDICT = 7; // Input::Verdict
export const INPUT_OFFLINE = 8; // Input::Offline
export const INPUT_ONLINE = 9; // Input::Online
export const INPUT_HIDDEN = 10; // Input::Hidden
export const INPUT_VISIBLE = 11; // Input::Visible
export const INPUT_RESUMED = 12; // Input::Resumed
export const INPUT_PAGE_HIDE = 13; // Input::PageHide
export const INPUT_PAGE_SHOW = 14; // Input::PageShow
export const INPUT_TIMEOUT = 15; // Input::Timeout
export const INPUT_RECONNECT = 16; // Input::Reconnect
export const INPUT_CLOSE = 17; // Input::Close
export const INPUT_DUE = 18; // Input::Due

export const ACT_CONNECT = 1; // Act::Connect
export const ACT_FLUSH_ALL = 2; // Act::FlushAll
export const ACT_CLOSE = 3; // Act::Close
export const ACT_DISCARD = 4; // Act::Discard
export const ACT_PING = 5; // Act::Ping
export const ACT_CONSULT = 6; // Act::Consult
export const ACT_ROUTE = 7; // Act::Route
export const ACT_CONNECTING = 8; // Act::Connecting
export const ACT_OPEN = 9; // Act::Open
export const ACT_DISCONNECTED = 10; // Act::Disconnected
export const ACT_RECONNECTING = 11; // Act::Reconnecting
export const ACT_CLOSED = 12; // Act::Closed

export const ROUTE_CLOSED = 0; // Route::Closed
export const ROUTE_HOLD = 1; // Route::Hold
export const ROUTE_FLOW = 2; // Route::Flow

export const FAILURE_NONE = 0; // Failure::None
export const FAILURE_REJECTED = 1; // Failure::Rejected
export const FAILURE_RECONNECT_REFUSED = 2; // Failure::ReconnectRefused
export const FAILURE_RETRIES_EXHAUSTED = 3; // Failure::RetriesExhausted
export const FAILURE_RECEIVE_OVERFLOW = 4; // Failure::ReceiveOverflow
export const FAILURE_CONNECT_FAILED = 5; // Failure::ConnectFailed
export const FAILURE_CONNECT_TIMEOUT = 6; // Failure::ConnectTimeout
export const FAILURE_CONNECTION_LOST = 7; // Failure::ConnectionLost

export const REASON_GIVEN = 0; // Reason::Given
export const REASON_HEARTBEAT_TIMEOUT = 1; // Reason::HeartbeatTimeout
export const REASON_IDLE_TIMEOUT = 2; // Reason::IdleTimeout
export const REASON_PAGE_HIDDEN = 3; // Reason::PageHidden
export const REASON_RECONNECT = 4; // Reason::Reconnect
export const REASON_RECEIVE_OVERFLOW = 5; // Reason::ReceiveOverflow
export const REASON_CONNECT_TIMEOUT = 6; // Reason::ConnectTimeout
export const REASON_URL_FAILED = 7; // Reason::UrlFailed
export const REASON_CLOSE_TIMEOUT = 8; // Reason::CloseTimeout
export const REASON_CLOSED_BEFORE_OPEN = 9; // Reason::ClosedBeforeOpen

export const POLICY_HIGH_WATER_MARK = 0; // Policy::HighWaterMark
export const POLICY_MAX_BUFFERED_BYTES = 1; // Policy::MaxBufferedBytes
export const POLICY_QUEUE_LIMIT = 2; // Policy::QueueLimit
export const POLICY_HEARTBEAT_INTERVAL = 3; // Policy::HeartbeatInterval
export const POLICY_OVERFLOW_CODE = 4; // Policy::OverflowCode
export const POLICY_HEARTBEAT_TIMEOUT = 5; // Policy::HeartbeatTimeout
export const POLICY_CONNECT_TIMEOUT = 6; // Policy::ConnectTimeout
export const POLICY_MAX_DELAY = 7; // Policy::MaxDelay
export const POLICY_CALL_TIMEOUT = 8; // Policy::CallTimeout
export const POLICY_NOTIFICATION_LIMIT = 9; // Policy::NotificationLimit
