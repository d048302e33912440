//! What a reconnecting socket's shell does with each received message: the time of the last
//! message, pongs taken out, the receive limit kept; from the driver's loop, or in the browser
//! from the connection's `message` event itself.

#[cfg(target_family = "wasm")]
use super::shared::now;
use super::shared::{Ping, Shared};
use crate::machine::{Input, Millis};
#[cfg(target_family = "wasm")]
use crate::platform::{Lock, WeakPtr};
use crate::wake::Wake;
use crate::{Error, Message};

/// What the shell does with each received message (or a browser error in its place), from
/// the driver's loop or, in the browser, from the `message` event itself (`tap`): the time of
/// the last message, pongs taken out, the receive limit kept. The driver's wake, and whether
/// the limit was passed.
pub(super) fn receive(
    s: &mut Shared,
    item: Result<Message, Error>,
    at: Millis,
    ping: Option<&Ping>,
) -> (Wake, bool) {
    let message = match item {
        Ok(message) => message,
        Err(e) => return (s.deliver(Err(e)), false),
    };
    s.received_at(at);
    if ping.is_some_and(|p| (p.is_pong)(&message)) {
        return (s.feed(Input::Pong), false);
    }
    match s.admit(message) {
        Ok(wake) => (wake, false),
        Err(_) => (s.feed(Input::Overflow), true),
    }
}

/// In the browser, [`receive`] run by the connection's `message` event: a message reaches the
/// stream's task without first waking the driver's (one task hop less per message). Holds the
/// shared state weakly: the connection it is installed in is held by that state.
#[cfg(target_family = "wasm")]
pub(super) fn tap(shared: WeakPtr<Lock<Shared>>, ping: Option<Ping>) -> crate::inbox::Tap {
    Box::new(move |item| {
        let Some(shared) = shared.upgrade() else {
            return Some(Wake::none());
        };
        // Past the limit, the machine decides (`Input::Overflow`): never refused here.
        let (wake, _) = receive(&mut shared.borrow_mut(), item, now(), ping.as_ref());
        Some(wake)
    })
}
