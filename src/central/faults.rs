//! Fault switches of the reference central server, for tests of the
//! station's sync: each is a probability per request, all 0 by default.
//!
//! Invariant: with every switch at 0 the server behaves exactly as the
//! protocol says; a fault never changes what is recorded, only what the
//! station hears (or when).

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// The switches (probabilities 0 to 1 per request).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Answer 500 before doing anything.
    pub http_500: f64,
    /// Answer 429 with `Retry-After: retry_after_secs` before doing anything.
    pub http_429: f64,
    /// The `Retry-After` of a 429, in seconds.
    pub retry_after_secs: u64,
    /// Wait `slow_ms` before answering.
    pub slow: f64,
    /// How long a slow answer waits, in milliseconds.
    pub slow_ms: u64,
    /// Break the connection in the middle of the answer's body (after the
    /// request was served: a push is recorded).
    pub reset: f64,
    /// Answer 200 with the JSON cut short (a push is recorded).
    pub truncate: f64,
    /// Record the push batch, then lose the whole answer.
    pub lost_after_commit: f64,
    /// Seed of the dice, so a failing run can be repeated.
    pub seed: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            http_500: 0.0,
            http_429: 0.0,
            retry_after_secs: 1,
            slow: 0.0,
            slow_ms: 2_000,
            reset: 0.0,
            truncate: 0.0,
            lost_after_commit: 0.0,
            seed: 0x5eed_1075_7a71_0001,
        }
    }
}

impl Faults {
    /// The switch names `--fault NAME=P` accepts.
    pub const NAMES: &'static [&'static str] = &[
        "http_500",
        "http_429",
        "slow",
        "reset",
        "truncate",
        "lost_after_commit",
    ];

    /// Set one switch by name (`retry_after_secs`, `slow_ms` and `seed`
    /// take whole numbers, the others a probability).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        let prob = || -> Result<f64, String> {
            match value.parse::<f64>() {
                Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
                _ => Err(format!(
                    "fault {name}={value}: a probability from 0 to 1 is needed"
                )),
            }
        };
        let whole = || -> Result<u64, String> {
            value
                .parse::<u64>()
                .map_err(|_| format!("fault {name}={value}: a whole number is needed"))
        };
        match name {
            "http_500" => self.http_500 = prob()?,
            "http_429" => self.http_429 = prob()?,
            "slow" => self.slow = prob()?,
            "reset" => self.reset = prob()?,
            "truncate" => self.truncate = prob()?,
            "lost_after_commit" => self.lost_after_commit = prob()?,
            "retry_after_secs" => self.retry_after_secs = whole()?.min(3600),
            "slow_ms" => self.slow_ms = whole()?.min(600_000),
            "seed" => self.seed = whole()?,
            _ => {
                return Err(format!(
                    "unknown fault {name:?}; known: {}, retry_after_secs, slow_ms, seed",
                    Faults::NAMES.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// Check every probability is within 0 to 1.
    pub fn validate(&self) -> Result<(), String> {
        for (n, p) in [
            ("http_500", self.http_500),
            ("http_429", self.http_429),
            ("slow", self.slow),
            ("reset", self.reset),
            ("truncate", self.truncate),
            ("lost_after_commit", self.lost_after_commit),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!(
                    "fault {n}={p}: a probability from 0 to 1 is needed"
                ));
            }
        }
        Ok(())
    }
}

/// What to do to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Roll {
    /// Answer 500 first.
    pub http_500: bool,
    /// Answer 429 first.
    pub http_429: bool,
    /// Wait first.
    pub slow: bool,
    /// Break the body.
    pub reset: bool,
    /// Cut the JSON.
    pub truncate: bool,
    /// Lose the answer after recording.
    pub lost_after_commit: bool,
}

/// The switches in force and their dice.
#[derive(Debug)]
pub struct Dice {
    state: Mutex<(Faults, u64)>,
}

impl Dice {
    /// Dice for `faults`.
    pub fn new(faults: Faults) -> Dice {
        Dice {
            state: Mutex::new((faults, faults.seed | 1)),
        }
    }

    /// The switches in force.
    pub fn faults(&self) -> Faults {
        self.state.lock().map_or_else(|p| p.into_inner().0, |g| g.0)
    }

    /// Replace the switches (and reseed).
    pub fn set(&self, faults: Faults) {
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        *g = (faults, faults.seed | 1);
    }

    /// Roll every switch for one request.
    pub fn roll(&self) -> Roll {
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (f, mut s) = *g;
        let mut next = || {
            // xorshift64*: plenty for test dice.
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            let x = s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
            x as f64 / (1u64 << 53) as f64
        };
        let mut hit = |p: f64| p > 0.0 && next() < p;
        let r = Roll {
            http_500: hit(f.http_500),
            http_429: hit(f.http_429),
            slow: hit(f.slow),
            reset: hit(f.reset),
            truncate: hit(f.truncate),
            lost_after_commit: hit(f.lost_after_commit),
        };
        g.1 = s;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_are_off_by_default_and_set_by_name() {
        let d = Dice::new(Faults::default());
        for _ in 0..1000 {
            assert_eq!(d.roll(), Roll::default());
        }
        let mut f = Faults::default();
        f.set("http_500", "1").unwrap();
        f.set("slow_ms", "5").unwrap();
        assert!(f.set("reset", "1.5").is_err());
        assert!(f.set("nonsense", "1").is_err());
        d.set(f);
        assert!(d.roll().http_500);
        assert_eq!(d.faults().slow_ms, 5);
    }

    #[test]
    fn a_half_probability_fires_about_half_the_time() {
        let mut f = Faults::default();
        f.set("truncate", "0.5").unwrap();
        let d = Dice::new(f);
        let n = (0..10_000).filter(|_| d.roll().truncate).count();
        assert!((4_000..6_000).contains(&n), "{n}");
    }
}
