//! Unit tests of the machine's public face (its decisions are held by the simulation,
//! `sim/`).

use super::*;

#[test]
fn a_plain_end_is_a_failed_attempt_a_loss_or_nothing() {
    assert_eq!(
        Failure::of_plain_end(false, false),
        Some(Failure::ConnectFailed)
    );
    assert_eq!(
        Failure::of_plain_end(false, true),
        Some(Failure::ConnectFailed)
    );
    assert_eq!(
        Failure::of_plain_end(true, false),
        Some(Failure::ConnectionLost)
    );
    assert_eq!(Failure::of_plain_end(true, true), None);
}

#[test]
fn a_second_close_changes_nothing() {
    let mut m = Machine::new(Policy::default(), 0, 1);
    // A new machine waits to be told where messages go, and to connect.
    assert_eq!(m.pending_actions(), 3);
    while m.poll_action().is_some() {}
    assert_eq!(m.pending_actions(), 0);
    m.handle(1, &Tally::default(), Input::Opened);
    while m.poll_action().is_some() {}
    assert!(!m.close_requested());
    assert_eq!(m.close(2, 1000, 0), Ok(()));
    assert!(m.close_requested());
    let after_first = m.pending_actions();
    assert!(after_first > 0);
    while m.poll_action().is_some() {}
    assert_eq!(m.close(3, 4000, 6), Ok(()));
    assert_eq!(m.pending_actions(), 0, "a second close decides nothing");
}

#[test]
fn jitter_draws_are_splitmix64_uniform_in_0_1() {
    let mut m = Machine::new(Policy::default(), 0, 0);
    // splitmix64's published first outputs for seed 0, as 53-bit fractions.
    let unit = |z: u64| (z >> 11) as f64 / (1u64 << 53) as f64;
    assert_eq!(m.next_random(), unit(0xe220_a839_7b1d_cdaf));
    assert_eq!(m.next_random(), unit(0x6e78_9e6a_a1b9_65f4));
    let mut deciles = [0u32; 10];
    let mut sum = 0.0;
    for _ in 0..10_000 {
        let r = m.next_random();
        assert!((0.0..1.0).contains(&r), "{r}");
        deciles[(r * 10.0) as usize] += 1;
        sum += r;
    }
    assert!(
        deciles.iter().all(|&n| (850..1150).contains(&n)),
        "{deciles:?}"
    );
    assert!((sum / 10_000.0 - 0.5).abs() < 0.02);
}

#[test]
fn the_reasons_texts_are_the_reported_ones() {
    let texts: Vec<&str> = (0..9)
        .filter_map(Reason::from_u8)
        .map(Reason::text)
        .collect();
    assert_eq!(
        texts,
        [
            "",
            "heartbeat timeout",
            "idle timeout",
            "page hidden",
            "reconnect",
            "receive buffer full",
            "connect timeout",
            "url provider failed",
            "close timeout"
        ]
    );
}

#[test]
fn the_defaults_are_the_documented_ones() {
    assert_eq!(DEFAULT_HIGH_WATER_MARK, 8 * 1024 * 1024);
    assert_eq!(DEFAULT_MAX_BUFFERED_BYTES, 64 * 1024 * 1024);
    assert_eq!(DEFAULT_QUEUE_LIMIT, 1024);
    assert_eq!(
        (DEFAULT_CONNECT_TIMEOUT, DEFAULT_MIN_UPTIME),
        (30_000, 5_000)
    );
    assert_eq!(DEFAULT_CLOSE_TIMEOUT, 10_000);
    assert_eq!(MAX_DELAY, (1 << 31) - 1);
}

#[test]
fn the_action_ring_never_overwrites() {
    let mut ring = Actions::new();
    for attempt in 0..17 {
        ring.push(Action::Connect { attempt });
    }
    let taken: Vec<Action> = std::iter::from_fn(|| ring.pop()).collect();
    let first_16: Vec<Action> = (0..16).map(|attempt| Action::Connect { attempt }).collect();
    assert_eq!(taken, first_16, "the 17th is dropped, none overwritten");
}
