//! Reconnection delays: exponential backoff with jitter. Pure, tested natively.

use std::time::Duration;

/// How long to wait before each reconnection attempt.
///
/// The delay before attempt `n` (1-based) is `min * factor^(n-1)`, capped at `max`, then
/// jittered so that many clients dropped at once do not come back in lockstep:
/// full jitter draws uniformly from `0..=delay`, equal jitter from `delay/2..=delay`.
///
/// ```
/// use std::time::Duration;
/// use sockwave::reconnect::Backoff;
/// let b = Backoff::exponential(Duration::from_millis(100), Duration::from_secs(2)).factor(2.0);
/// assert_eq!(b.delay(1, 0.5), Duration::from_millis(100));
/// assert_eq!(b.delay(3, 0.5), Duration::from_millis(400));
/// assert_eq!(b.delay(30, 0.5), Duration::from_secs(2));
/// let jittered = b.full_jitter();
/// assert_eq!(jittered.delay(3, 0.25), Duration::from_millis(100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    factor: f64,
    jitter: Jitter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Jitter {
    None,
    Full,
    Equal,
}

impl Backoff {
    /// Delays growing from `min` to `max` by a factor of 2 per attempt, without jitter (add
    /// [`full_jitter`](Self::full_jitter) for fleets of clients).
    pub fn exponential(min: Duration, max: Duration) -> Self {
        Backoff {
            min,
            max: max.max(min),
            factor: 2.0,
            jitter: Jitter::None,
        }
    }

    /// The same delay before every attempt.
    pub fn constant(delay: Duration) -> Self {
        Backoff::exponential(delay, delay).factor(1.0)
    }

    /// The growth factor per attempt (at least 1; NaN counts as 1).
    pub fn factor(mut self, factor: f64) -> Self {
        self.factor = if factor >= 1.0 { factor } else { 1.0 };
        self
    }

    /// Draws each delay uniformly from zero to the computed delay ("full jitter").
    pub fn full_jitter(mut self) -> Self {
        self.jitter = Jitter::Full;
        self
    }

    /// Draws each delay uniformly from half to all of the computed delay ("equal jitter").
    pub fn equal_jitter(mut self) -> Self {
        self.jitter = Jitter::Equal;
        self
    }

    /// The shortest and the longest delay before jitter.
    pub fn bounds(&self) -> (Duration, Duration) {
        (self.min, self.max)
    }

    /// The growth factor per attempt.
    pub fn growth(&self) -> f64 {
        self.factor
    }

    /// The same jitter over other bounds and factor (how the npm package applies its options
    /// to the default backoff).
    pub fn reshaped(self, min: Duration, max: Duration, factor: f64) -> Backoff {
        Backoff {
            jitter: self.jitter,
            ..Backoff::exponential(min, max).factor(factor)
        }
    }

    /// The delay before attempt `attempt` in whole milliseconds, as the machine schedules it
    /// (the same number as [`delay`](Self::delay), without a `Duration`'s conversions, which
    /// would cost the npm package's .wasm a kilobyte).
    pub(crate) fn delay_millis(&self, attempt: u32, random: f64) -> u64 {
        (self.delay_secs(attempt, random) * 1000.0) as u64
    }

    /// The delay before attempt `attempt` (1-based), given a uniform random number in `0..1`.
    pub fn delay(&self, attempt: u32, random: f64) -> Duration {
        Duration::try_from_secs_f64(self.delay_secs(attempt, random)).unwrap_or(self.max)
    }

    fn delay_secs(&self, attempt: u32, random: f64) -> f64 {
        let exponent = attempt.saturating_sub(1).min(1024) as i32;
        let grown = self.min.as_secs_f64() * self.factor.powi(exponent);
        let capped = if grown.is_finite() {
            grown.min(self.max.as_secs_f64())
        } else {
            self.max.as_secs_f64()
        };
        let random = if (0.0..=1.0).contains(&random) {
            random
        } else {
            0.5
        };
        let secs = match self.jitter {
            Jitter::None => capped,
            Jitter::Full => capped * random,
            Jitter::Equal => capped / 2.0 + capped / 2.0 * random,
        };
        secs.max(0.0)
    }
}

impl Default for Backoff {
    /// 500 ms doubling up to 30 s, full jitter.
    fn default() -> Self {
        Backoff::exponential(Duration::from_millis(500), Duration::from_secs(30)).full_jitter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn reshaped_keeps_the_jitter_and_takes_the_new_shape() {
        let b = Backoff::exponential(MS(100), MS(2_000)).factor(3.0);
        assert_eq!(b.bounds(), (MS(100), MS(2_000)));
        assert_eq!(b.growth(), 3.0);
        let r = b.equal_jitter().reshaped(MS(10), MS(50), 2.0);
        assert_eq!((r.bounds(), r.growth()), ((MS(10), MS(50)), 2.0));
        // Equal jitter kept: never below half the delay.
        assert_eq!(r.delay(2, 0.0), MS(10));
        assert_eq!(
            r,
            Backoff::exponential(MS(10), MS(50))
                .factor(2.0)
                .equal_jitter()
        );
    }

    #[test]
    fn grows_and_caps() {
        let b = Backoff::exponential(MS(10), MS(1000)).factor(3.0);
        let delays: Vec<_> = (1..=7).map(|n| b.delay(n, 0.0)).collect();
        assert_eq!(
            delays,
            [MS(10), MS(30), MS(90), MS(270), MS(810), MS(1000), MS(1000)]
        );
        assert_eq!(b.delay(u32::MAX, 0.0), MS(1000), "no overflow");
        assert_eq!(b.delay(0, 0.0), MS(10), "attempt 0 counts as 1");
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let full = Backoff::exponential(MS(100), MS(800)).full_jitter();
        let equal = Backoff::exponential(MS(100), MS(800)).equal_jitter();
        for attempt in 1..10 {
            let cap = Backoff::exponential(MS(100), MS(800)).delay(attempt, 0.0);
            for r in [0.0, 0.1, 0.5, 0.99, 1.0] {
                assert!(full.delay(attempt, r) <= cap);
                assert!(equal.delay(attempt, r) >= cap / 2 && equal.delay(attempt, r) <= cap);
            }
        }
        assert_eq!(full.delay(4, 0.0), MS(0));
        assert_eq!(
            full.delay(4, f64::NAN),
            MS(400),
            "a bad random number is treated as 0.5"
        );
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let b = Backoff::exponential(MS(500), MS(100)).factor(f64::NAN);
        assert_eq!(
            b.delay(5, 0.3),
            MS(500),
            "max below min is raised to min; NaN factor is 1"
        );
        assert_eq!(Backoff::constant(MS(250)).delay(9, 0.9), MS(250));
        let huge = Backoff::exponential(Duration::MAX / 2, Duration::MAX).factor(1e300);
        let _ = huge.delay(100, 0.5);
    }
}
