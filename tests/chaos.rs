//! A chaos soak, in Chrome, Firefox and WebKit: 5,000 numbered messages through a reconnecting
//! socket while every connection meets a fault drawn from a seeded schedule.
//!
//! What's tested, whatever the schedule:
//! - every message arrives at most once and in order, or is inside a reported in-flight range
//!   (`Disconnected { in_flight }`): nothing is lost silently, not even what was queued while
//!   disconnected and then handed to a connection that died too (a schedule can do that: the
//!   strict "everything queued while down arrives" holds when the next connection lives, as in
//!   `reconnect.rs`);
//! - the faults really happened (many reconnections), no panic, every listener removed after,
//!   and the wasm heap back to its baseline: the bytes allocated and not freed (counted by a
//!   test allocator around the real one) are within 2 KiB of what they were before the socket
//!   was built (grown capacities stay; a leaked connection would not fit);
//! - the schedule per connection: a TCP drop after K echoes, a server close with a 41xx code,
//!   a refused handshake (403, 500, 503), or a server that stops answering (the heartbeat
//!   replaces it). The seed is in every failure message; `SOCKWAVE_CHAOS_SEED=N npm test`
//!   replays a schedule (the timing is the browser's).
#![cfg(target_family = "wasm")]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{url, ErrorTrap};
use futures::SinkExt;
use sockwave::reconnect::{Backoff, ReconnectingWebSocket};
use sockwave::Message;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const TOTAL: u64 = 5_000;

/// The system allocator, counting the bytes allocated and not yet freed.
struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes the heap may keep after the soak (see the assertion).
const HEAP_SLACK: usize = 2_048;

/// xorshift64*: small, seeded, reproducible.
fn next(state: &Cell<u64>) -> u64 {
    let mut x = state.get();
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    state.set(x);
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// The route of the next connection.
fn fault(rng: &Cell<u64>) -> String {
    let k = 20 + next(rng) % 180;
    match next(rng) % 20 {
        0..=6 => format!("/drop?after={k}"),
        7..=11 => format!(
            "/close?code={}&reason=chaos&after={k}",
            4100 + next(rng) % 100
        ),
        12..=14 => format!(
            "/reject?status={}",
            [403, 500, 503][(next(rng) % 3) as usize]
        ),
        15..=16 => "/stall".to_string(),
        // A calmer connection: many messages before the drop.
        _ => format!("/drop?after={}", 300 + next(rng) % 300),
    }
}

#[wasm_bindgen_test]
async fn five_thousand_messages_through_seeded_faults() {
    let seed: u64 = option_env!("SOCKWAVE_CHAOS_SEED")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_0ca0_5000);
    let context = format!("chaos seed {seed} (replay: SOCKWAVE_CHAOS_SEED={seed})");
    let trap = ErrorTrap::install();
    let listeners_before = sockwave::live_listeners();
    let heap_before = LIVE_BYTES.load(Ordering::Relaxed);
    let rng = Rc::new(Cell::new(seed.max(1)));
    let connections = Rc::new(Cell::new(0u32));
    let (rng_p, count) = (Rc::clone(&rng), Rc::clone(&connections));
    let mut ws = ReconnectingWebSocket::builder("unused")
        .url_provider(move || {
            count.set(count.get() + 1);
            std::future::ready(url(&fault(&rng_p)))
        })
        .backoff(
            Backoff::exponential(Duration::from_millis(10), Duration::from_millis(100))
                .full_jitter(),
        )
        .queue_limit(TOTAL as usize)
        .heartbeat(
            Duration::from_millis(250),
            Duration::from_millis(250),
            Message::text("ping"),
            |m| m.as_text() == Some("ping"),
        )
        .build();
    let soak = common::soak::soak(&mut ws, TOTAL, Duration::from_secs(60)).await;
    web_sys::console::log_1(
        &format!(
            "{context}: {} connections, {} losses reported, {} of {TOTAL} received, {} queued while down",
            connections.get(),
            soak.reports.len(),
            soak.received.len(),
            soak.queued_while_down.len()
        )
        .into(),
    );
    soak.check(TOTAL, false, &context);
    let queued_arrived = soak
        .queued_while_down
        .iter()
        .filter(|n| soak.received.binary_search(n).is_ok())
        .count();
    web_sys::console::log_1(
        &format!(
            "{context}: {queued_arrived} of {} queued while down arrived, the rest reported in flight",
            soak.queued_while_down.len()
        )
        .into(),
    );
    assert!(
        soak.reports.len() >= 10,
        "{context}: faults happened ({})",
        soak.reports.len()
    );
    assert!(
        !soak.queued_while_down.is_empty(),
        "{context}: some messages were queued while down"
    );
    assert!(
        soak.received.len() as u64 >= TOTAL / 2,
        "{context}: {} received",
        soak.received.len()
    );
    ws.close().await.expect("closes");
    drop(ws);
    common::sleep(50).await;
    assert_eq!(
        sockwave::live_listeners(),
        listeners_before,
        "{context}: listeners removed"
    );
    assert_eq!(
        trap.errors(),
        Vec::<String>::new(),
        "{context}: no uncaught error"
    );
    drop((soak, rng, connections));
    let heap_after = LIVE_BYTES.load(Ordering::Relaxed);
    web_sys::console::log_1(
        &format!("{context}: wasm heap in use {heap_before} B before, {heap_after} B after").into(),
    );
    // What may stay: capacities that grew to the soak's peak and are kept for reuse (the task
    // queue, wasm-bindgen's table of JS references): measured 450 B. One socket's state that is
    // never freed is several hundred bytes, times the ~40 connections of a soak.
    assert!(
        heap_after <= heap_before + HEAP_SLACK,
        "{context}: the wasm heap grew from {heap_before} to {heap_after} B"
    );
}
