//! Expiry against the plant's date.
//!
//! Owns LOT_EXPIRED and LOT_EXPIRES_SOON. A lot is usable through its expiry
//! date and expired from the day after (GS1 AI 17: do not use after that
//! date). Issue, ship and production inputs of an expired lot are refused;
//! so is receiving, producing, merging or splitting into a lot that is
//! already expired (the new lot's label date). A
//! lot that expires within `expiry_warning_days` (0 = today) is accepted
//! with a warning. The expiry is the printed one, else the production date
//! plus the item's shelf life. Relocation, adjustment, hold and release do
//! not look at expiry: an expired lot must still be movable to scrap.

use jiff::civil::Date;

use super::Context;
use super::case::{Case, Role};
use super::reason::{Fact, Findings};
use crate::model::{LotNo, MoveKind};

/// Where a date stands against today and the warning window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// Past its expiry.
    Expired,
    /// Expires within the window, in this many days (0 = today).
    Soon(i32),
    /// Fine.
    Fresh,
}

/// Classify an expiry date against `today` and a window in days.
pub(crate) fn freshness(expiry: Date, today: Date, window_days: u32) -> Freshness {
    if expiry < today {
        return Freshness::Expired;
    }
    match today.until(expiry) {
        Ok(span) => {
            let days = span.get_days();
            if i64::from(days) <= i64::from(window_days) {
                Freshness::Soon(days)
            } else {
                Freshness::Fresh
            }
        }
        Err(_) => Freshness::Fresh,
    }
}

fn judge_one(lot: &LotNo, expiry: Date, ctx: &Context, f: &mut Findings) {
    match freshness(expiry, ctx.today, ctx.expiry_warning_days) {
        Freshness::Expired => f.reject(&Fact::Expired { lot, on: expiry }),
        Freshness::Soon(days) => f.warn(&Fact::ExpiresSoon {
            lot,
            on: expiry,
            days,
        }),
        Freshness::Fresh => {}
    }
}

/// Check expiry of the lines the move uses or creates.
pub(crate) fn check(case: &Case<'_>, ctx: &Context, f: &mut Findings) {
    let (inputs, outputs) = match case.kind {
        MoveKind::Issue | MoveKind::Ship => (true, false),
        MoveKind::Receive => (false, true),
        MoveKind::Produce => (true, true),
        MoveKind::Merge | MoveKind::Split => (false, true),
        MoveKind::Move | MoveKind::Adjust | MoveKind::Hold | MoveKind::Release => (false, false),
    };
    for line in &case.lines {
        let wanted = match line.role {
            Role::Input => inputs,
            Role::Output => outputs,
        };
        if let (true, Some(expiry)) = (wanted, line.expiry()) {
            judge_one(line.lot_no(), expiry, ctx, f);
        }
    }
}
