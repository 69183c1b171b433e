//! Capped exponential backoff with equal jitter, shared by every device
//! source's reconnects and by sync's retries: the n-th wait after a failure
//! is uniformly in `[d/2, d]` with `d = min(cap, base × 2^n)`, so a dock
//! full of readers that lost power together, or stations that lost the
//! central server together, do not retry in step. It never spins (`base`
//! is at least 1 ms) and is reset by a success.
//!
//! Pure: the caller supplies the randomness (a number, or its own
//! `fastrand::Rng`), so tests replay exact sequences.

use std::time::Duration;

/// Backoff state for one device or one sync loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    failures: u32,
}

/// The shortest first wait.
const MIN_BASE: Duration = Duration::from_millis(1);

impl Backoff {
    /// Waits start at about `base` (at least 1 ms) and never exceed `cap`
    /// (raised to `base` if lower).
    pub fn new(base: Duration, cap: Duration) -> Backoff {
        let base = base.max(MIN_BASE);
        Backoff {
            base,
            cap: cap.max(base),
            failures: 0,
        }
    }

    /// After a success: the next failure waits about `base` again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The ceiling of the next wait (before jitter).
    pub fn ceiling(&self) -> Duration {
        let factor = 1u32.checked_shl(self.failures.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The wait after one more failure; `random` is any random number.
    pub fn next_wait(&mut self, random: u64) -> Duration {
        let d = self.ceiling();
        self.failures = self.failures.saturating_add(1);
        jitter(d, random)
    }

    /// [`Backoff::next_wait`] with a number drawn from `rng`.
    pub fn next_delay(&mut self, rng: &mut fastrand::Rng) -> Duration {
        self.next_wait(rng.u64(..))
    }

    /// After a failure that must wait the longest (the other side said
    /// stop): a wait at the cap, counted as a failure.
    pub fn wait_at_cap(&mut self, random: u64) -> Duration {
        self.failures = self.failures.saturating_add(1);
        jitter(self.cap, random)
    }
}

/// Uniform in `[d/2, d]`.
fn jitter(d: Duration, random: u64) -> Duration {
    let half = d / 2;
    let span = u64::try_from((d - half).as_nanos()).unwrap_or(u64::MAX);
    let extra = if span == 0 {
        0
    } else {
        random % span.saturating_add(1)
    };
    half.saturating_add(Duration::from_nanos(extra))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_and_stays_within_jitter_bounds() {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        let mut ceiling = Duration::from_millis(100);
        for _ in 0..20 {
            let d = b.next_delay(&mut rng);
            assert!(d <= ceiling, "{d:?} above {ceiling:?}");
            assert!(d >= ceiling / 2, "{d:?} below half of {ceiling:?}");
            ceiling = (ceiling * 2).min(Duration::from_secs(2));
        }
        assert_eq!(b.failures(), 20);
        assert!(b.next_delay(&mut rng) <= Duration::from_secs(2));
    }

    #[test]
    fn reset_returns_to_the_first_delay() {
        let mut rng = fastrand::Rng::with_seed(1);
        let mut b = Backoff::new(Duration::from_millis(50), Duration::from_secs(5));
        for _ in 0..10 {
            b.next_delay(&mut rng);
        }
        b.reset();
        assert_eq!(b.failures(), 0);
        assert!(b.next_delay(&mut rng) <= Duration::from_millis(50));
    }

    #[test]
    fn never_zero_even_with_zero_base() {
        let mut b = Backoff::new(Duration::ZERO, Duration::ZERO);
        assert!(b.next_wait(0) >= Duration::from_micros(500));
        assert!(b.wait_at_cap(u64::MAX) >= Duration::from_micros(500));
    }
}
