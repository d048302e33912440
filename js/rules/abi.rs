//! The numbers that cross between the JS shell and the .wasm, named once. `js/abi.js` is
//! generated from this list (`cargo test -p sockwave --test abi` writes it and fails when the
//! committed copy differs), so both sides read the same names: `Input::Opened` here is
//! `INPUT_OPENED` there (single constants: a bundler inlines them, an object it would not).

/// Declares the numbers of each group as constants here, and lists them for `js/abi.js`.
macro_rules! abi {
    ($($(#[doc = $doc:literal])* $group:ident { $($name:ident = $n:literal),* $(,)? })*) => {
        $(
            $(#[doc = $doc])*
            #[allow(non_upper_case_globals, non_snake_case, dead_code)]
            pub mod $group {
                $(#[doc = concat!("`", stringify!($name), "`")] pub const $name: u32 = $n;)*
            }
        )*
        /// Every group with its names and numbers, in order (what `js/abi.js` is made from).
        #[allow(dead_code)]
        pub const GROUPS: &[(&str, &[(&str, u32)])] =
            &[$((stringify!($group), &[$((stringify!($name), $n)),*])),*];
    };
}

abi! {
    /// `machineHandle`'s `input`: the machine's inputs (1-14), then the calls that take the
    /// same arguments (15-18).
    Input {
        Opened = 1, Ended = 2, Rejected = 3, UrlFailed = 4, Pong = 5, Overflow = 6,
        Verdict = 7, Offline = 8, Online = 9, Hidden = 10, Visible = 11, Resumed = 12,
        PageHide = 13, PageShow = 14, Timeout = 15, Reconnect = 16, Close = 17, Due = 18,
    }
    /// `machinePollAction`'s answer: the actions (1-7) and the reports (8-12); 0 for none.
    Act {
        Connect = 1, FlushAll = 2, Close = 3, Discard = 4, Ping = 5, Consult = 6, Route = 7,
        Connecting = 8, Open = 9, Disconnected = 10, Reconnecting = 11, Closed = 12,
    }
    /// A `Route` action's first field.
    Route { Closed = 0, Hold = 1, Flow = 2 }
    /// A `Closed` report's failure field.
    Failure {
        None = 0, Rejected = 1, ReconnectRefused = 2, RetriesExhausted = 3,
        ReceiveOverflow = 4, ConnectFailed = 5, ConnectTimeout = 6, ConnectionLost = 7,
    }
    /// A reason the machine chose (`reasonText`), as `machine::Reason` numbers it.
    Reason {
        Given = 0, HeartbeatTimeout = 1, IdleTimeout = 2, PageHidden = 3, Reconnect = 4,
        ReceiveOverflow = 5, ConnectTimeout = 6, UrlFailed = 7, CloseTimeout = 8,
        ClosedBeforeOpen = 9,
    }
    /// `policyDefault`'s and `machinePolicy`'s `what`.
    Policy {
        HighWaterMark = 0, MaxBufferedBytes = 1, QueueLimit = 2, HeartbeatInterval = 3,
        OverflowCode = 4, HeartbeatTimeout = 5, ConnectTimeout = 6, MaxDelay = 7,
        CallTimeout = 8, NotificationLimit = 9,
    }
}
