//! Dates on test labels, counted from the day the test runs: the daemon
//! under test imports the demo data's relative dates (`+292d`) against the
//! same day, so a label's expiry means the same thing on any date, under
//! `faketime` too.

use lotstation::clock::{Anchor, Clock, DayOffset};

/// The GS1 date (YYMMDD) `days` days from today (UTC).
pub(crate) fn yymmdd(days: i32) -> String {
    let today = Anchor::utc(Clock::system().now()).today;
    DayOffset(days)
        .date(today)
        .expect("a test date inside the calendar")
        .strftime("%y%m%d")
        .to_string()
}
