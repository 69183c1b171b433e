//! Time as an input: the one place lotstation reads the system clock, and
//! the day offsets (`+25d`) that demo data and fixtures carry instead of
//! calendar dates.
//!
//! The sans-IO core (ident, rules, station, portal, sync retry) never asks
//! for the time: it is given "now" (a [`Timestamp`]) or "today" (a civil
//! [`Date`]) as a value. The async shell (daemon, sources, sync task, API,
//! central, CLI) holds a [`Clock`] and reads it where something happens.
//! A daemon gets [`Clock::system`]; tests give [`Clock::fixed`] (frozen
//! until set or advanced) or [`Clock::starting_at`] (a chosen instant that
//! then ticks with the machine), so what they assert does not depend on
//! the day they run. Clippy's `disallowed-methods` (clippy.toml) keeps
//! `Timestamp::now` out of every other module.
//!
//! Offsets: master data and replay captures may give a date as `today`,
//! `+25d` or `-3d` (days from the day they are imported or replayed),
//! resolved by [`DayOffset::date`] and [`DayOffset::instant`]. A demo story
//! written that way plays out the same on any day (docs/import.md).

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use jiff::civil::Date;

/// Where "now" comes from. Cheap to clone; clones share one source, so a
/// test that advances its clock advances it for every task holding it.
#[derive(Clone)]
pub struct Clock(Source);

#[derive(Clone)]
enum Source {
    /// The machine's real-time clock.
    System,
    /// A frozen instant, changed only by [`Clock::set`] and [`Clock::advance`].
    Fixed(Arc<Mutex<Timestamp>>),
    /// A chosen instant at `base`, then ticking with the monotonic clock.
    Running { start: Timestamp, base: Instant },
}

impl Clock {
    /// The machine's clock (what a daemon and the CLI use).
    pub fn system() -> Self {
        Clock(Source::System)
    }

    /// A clock that stays at `at` until [`Clock::set`] or [`Clock::advance`].
    pub fn fixed(at: Timestamp) -> Self {
        Clock(Source::Fixed(Arc::new(Mutex::new(at))))
    }

    /// A clock that reads `at` now and then runs at the machine's pace
    /// (for tests that need real timeouts and a chosen date).
    pub fn starting_at(at: Timestamp) -> Self {
        Clock(Source::Running {
            start: at,
            base: Instant::now(),
        })
    }

    /// The current instant.
    pub fn now(&self) -> Timestamp {
        match &self.0 {
            #[expect(
                clippy::disallowed_methods,
                reason = "the one place lotstation reads the system clock"
            )]
            Source::System => Timestamp::now(),
            Source::Fixed(t) => *t.lock().unwrap_or_else(PoisonError::into_inner),
            Source::Running { start, base } => {
                let run = jiff::SignedDuration::try_from(base.elapsed())
                    .unwrap_or(jiff::SignedDuration::MAX);
                start.saturating_add(run).unwrap_or(*start)
            }
        }
    }

    /// Move a fixed clock to `at`; a system or running clock is not changed
    /// (returns false).
    pub fn set(&self, at: Timestamp) -> bool {
        match &self.0 {
            Source::Fixed(t) => {
                *t.lock().unwrap_or_else(PoisonError::into_inner) = at;
                true
            }
            _ => false,
        }
    }

    /// Move a fixed clock forward by `by`; false for other clocks.
    pub fn advance(&self, by: Duration) -> bool {
        match &self.0 {
            Source::Fixed(t) => {
                let mut t = t.lock().unwrap_or_else(PoisonError::into_inner);
                let by = jiff::SignedDuration::try_from(by).unwrap_or(jiff::SignedDuration::MAX);
                *t = t.saturating_add(by).unwrap_or(*t);
                true
            }
            _ => false,
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::System => f.write_str("Clock::system"),
            Source::Fixed(_) => write!(f, "Clock::fixed({})", self.now()),
            Source::Running { start, .. } => write!(f, "Clock::starting_at({start})"),
        }
    }
}

/// A whole number of days from an anchor day: `today`, `+25d`, `-3d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayOffset(pub i32);

/// Most days an offset may span either way (about 270 years; far beyond
/// any shelf life, and well inside jiff's calendar).
const MAX_OFFSET_DAYS: u32 = 100_000;

impl DayOffset {
    /// Parse `today`, `+Nd` or `-Nd` (N up to 100000). `None` for anything
    /// else (a plain date is not an offset).
    pub fn parse(s: &str) -> Option<DayOffset> {
        let s = s.trim();
        if s == "today" {
            return Some(DayOffset(0));
        }
        let (sign, rest) = match s.as_bytes().first() {
            Some(b'+') => (1, s.get(1..)?),
            Some(b'-') => (-1, s.get(1..)?),
            _ => return None,
        };
        let digits = rest.strip_suffix('d')?;
        if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = digits.parse().ok()?;
        if n > MAX_OFFSET_DAYS {
            return None;
        }
        i32::try_from(n).ok().map(|n| DayOffset(sign * n))
    }

    /// The day `self` days after `today`; `None` outside the calendar.
    pub fn date(self, today: Date) -> Option<Date> {
        today.checked_add(jiff::Span::new().days(self.0)).ok()
    }

    /// The instant `self` whole days (of 24 h) after `now`.
    pub fn instant(self, now: Timestamp) -> Option<Timestamp> {
        now.checked_add(jiff::SignedDuration::from_hours(i64::from(self.0) * 24))
            .ok()
    }
}

impl fmt::Display for DayOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("today"),
            n if n > 0 => write!(f, "+{n}d"),
            n => write!(f, "{n}d"),
        }
    }
}

/// The day and instant that relative dates in imported or replayed data
/// are resolved against: when the import or replay happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    /// The plant's date (in the station's time zone).
    pub today: Date,
    /// The instant.
    pub now: Timestamp,
}

impl Anchor {
    /// The anchor at `now` in time zone `tz`.
    pub fn at(now: Timestamp, tz: &jiff::tz::TimeZone) -> Anchor {
        Anchor {
            today: now.to_zoned(tz.clone()).date(),
            now,
        }
    }

    /// The anchor at `now` in UTC (the central server has no plant zone).
    pub fn utc(now: Timestamp) -> Anchor {
        Anchor::at(now, &jiff::tz::TimeZone::UTC)
    }
}

/// The anchor tests import their fixtures at: 2026-03-14 09:00 UTC.
#[cfg(test)]
pub(crate) fn anchor_for_tests() -> Anchor {
    Anchor::utc(Timestamp::constant(1_773_478_800, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_fixed_clock_stays_until_moved_and_clones_share_it() {
        let c = Clock::fixed(ts("2026-03-14T09:00:00Z"));
        let d = c.clone();
        assert_eq!(c.now(), ts("2026-03-14T09:00:00Z"));
        assert!(d.advance(Duration::from_secs(90)));
        assert_eq!(c.now(), ts("2026-03-14T09:01:30Z"));
        assert!(c.set(ts("2027-01-01T00:00:00Z")));
        assert_eq!(d.now(), ts("2027-01-01T00:00:00Z"));
        assert!(!Clock::system().set(ts("2027-01-01T00:00:00Z")));
    }

    #[test]
    fn a_running_clock_starts_where_it_is_told_and_does_not_go_back() {
        let start = ts("2030-06-01T12:00:00Z");
        let c = Clock::starting_at(start);
        let a = c.now();
        let b = c.now();
        assert!(a >= start && b >= a, "{a} {b}");
        assert!(a.duration_since(start) < jiff::SignedDuration::from_secs(60));
    }

    #[test]
    fn offsets_parse_and_resolve_against_their_anchor() {
        assert_eq!(DayOffset::parse("today"), Some(DayOffset(0)));
        assert_eq!(DayOffset::parse("+25d"), Some(DayOffset(25)));
        assert_eq!(DayOffset::parse(" -3d "), Some(DayOffset(-3)));
        assert_eq!(DayOffset::parse("+0d"), Some(DayOffset(0)));
        for bad in [
            "",
            "+",
            "+d",
            "25d",
            "+25",
            "+2 5d",
            "+25D",
            "+1000000d",
            "+100001d",
            "2026-12-31",
            "-+3d",
            "+3dd",
        ] {
            assert_eq!(DayOffset::parse(bad), None, "{bad:?}");
        }
        let today = jiff::civil::date(2026, 12, 7);
        assert_eq!(
            DayOffset(25).date(today),
            Some(jiff::civil::date(2027, 1, 1))
        );
        assert_eq!(
            DayOffset(-7).date(today),
            Some(jiff::civil::date(2026, 11, 30))
        );
        assert_eq!(
            DayOffset(-2).instant(ts("2026-03-01T08:00:00Z")),
            Some(ts("2026-02-27T08:00:00Z"))
        );
        assert_eq!(DayOffset(1_000).date(jiff::civil::date(9999, 1, 1)), None);
        for s in ["today", "+25d", "-3d"] {
            assert_eq!(DayOffset::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn the_anchor_day_is_the_plants_day() {
        // 23:30 UTC on 31 Dec is already 1 Jan in Berlin.
        let now = ts("2026-12-31T23:30:00Z");
        let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(
            Anchor::at(now, &berlin).today,
            jiff::civil::date(2027, 1, 1)
        );
        assert_eq!(Anchor::utc(now).today, jiff::civil::date(2026, 12, 31));
    }
}
