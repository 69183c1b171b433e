//! Reconnect pacing shared by every device source (serial, USB HID, LLRP):
//! capped exponential backoff with full jitter, reset after a connection
//! that stayed up.
//!
//! A source never spins: the first retry waits `initial`, each failure
//! doubles the ceiling up to `max`, and the actual wait is drawn uniformly
//! from `[ceiling/2, ceiling]` so a dock full of readers that lost power
//! together does not reconnect in lockstep.

use std::time::Duration;

/// Backoff state for one device.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    ceiling: Duration,
    attempt: u32,
    rng: fastrand::Rng,
}

impl Backoff {
    /// Waits start at `initial` and never exceed `max`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        let initial = initial.max(Duration::from_millis(1));
        let max = max.max(initial);
        Backoff {
            initial,
            max,
            ceiling: initial,
            attempt: 0,
            rng: fastrand::Rng::new(),
        }
    }

    /// Same sequence of waits every time (tests).
    pub fn with_seed(initial: Duration, max: Duration, seed: u64) -> Self {
        let mut b = Self::new(initial, max);
        b.rng = fastrand::Rng::with_seed(seed);
        b
    }

    /// The defaults for a scanner or reader: 100 ms up to 5 s.
    pub fn device() -> Self {
        Self::new(Duration::from_millis(100), Duration::from_secs(5))
    }

    /// How long to wait before the next attempt; counts the attempt.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling;
        self.attempt = self.attempt.saturating_add(1);
        self.ceiling = ceiling.saturating_mul(2).min(self.max);
        let hi = u64::try_from(ceiling.as_micros()).unwrap_or(u64::MAX);
        let lo = hi / 2;
        Duration::from_micros(self.rng.u64(lo..=hi))
    }

    /// Failed attempts since the last reset.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// A connection worked: start again from `initial`.
    pub fn reset(&mut self) {
        self.ceiling = self.initial;
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_and_stays_within_jitter_bounds() {
        let mut b = Backoff::with_seed(Duration::from_millis(100), Duration::from_secs(2), 7);
        let mut ceiling = Duration::from_millis(100);
        for _ in 0..20 {
            let d = b.next_delay();
            assert!(d <= ceiling, "{d:?} above {ceiling:?}");
            assert!(d >= ceiling / 2, "{d:?} below half of {ceiling:?}");
            ceiling = (ceiling * 2).min(Duration::from_secs(2));
        }
        assert_eq!(b.attempt(), 20);
        assert!(b.next_delay() <= Duration::from_secs(2));
    }

    #[test]
    fn reset_returns_to_the_first_delay() {
        let mut b = Backoff::with_seed(Duration::from_millis(50), Duration::from_secs(5), 1);
        for _ in 0..10 {
            b.next_delay();
        }
        b.reset();
        assert_eq!(b.attempt(), 0);
        assert!(b.next_delay() <= Duration::from_millis(50));
    }

    #[test]
    fn never_zero_even_with_zero_initial() {
        let mut b = Backoff::new(Duration::ZERO, Duration::ZERO);
        assert!(b.next_delay() >= Duration::from_micros(500));
    }
}
