//! First-expired-first-out (first-in-first-out when lots carry no expiry).
//!
//! Owns FEFO_VIOLATION. For an issue or a shipment of a lot whose item has a
//! FEFO policy (`Warn` or `Block`), another lot of the same item should be
//! used first when it has stock, is usable (released, not expired today)
//! and expires earlier; a lot with an expiry goes before one without; among
//! lots without expiry, the one received earlier goes first. Equal dates are
//! not a violation. The reason names the lot to use, its expiry and where it
//! has stock (the scanned location when it is there).
//!
//! Lookup cost is bounded: candidates come from [`View::lots_of_item`] in
//! the view's FEFO order, two at first and doubling up to
//! `Context::fefo_lookahead`; the scan stops at the scanned lot itself
//! (nothing after it can be earlier). Lots in the same move are not
//! candidates (issuing both is fine).

use jiff::Timestamp;
use jiff::civil::Date;

use super::case::{Case, CaseLine, effective_expiry, total_on_hand};
use super::expiry::{Freshness, freshness};
use super::reason::{Fact, Findings, Severity};
use super::{Context, View};
use crate::model::{FefoPolicy, LocationCode, Lot, MoveKind};

/// Why a candidate goes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum First {
    /// It expires earlier (the date).
    Expires(Date),
    /// Neither has an expiry and it was received earlier.
    Received,
}

/// Whether a lot with `(expiry, received)` goes before the scanned one.
fn goes_first(
    cand: (Option<Date>, Option<Timestamp>),
    scanned: (Option<Date>, Option<Timestamp>),
) -> Option<First> {
    match (cand, scanned) {
        ((Some(c), _), (Some(s), _)) => (c < s).then_some(First::Expires(c)),
        ((Some(c), _), (None, _)) => Some(First::Expires(c)),
        ((None, _), (Some(_), _)) => None,
        ((None, Some(c)), (None, Some(s))) => (c < s).then_some(First::Received),
        ((None, _), (None, _)) => None,
    }
}

/// Where to send the operator for a candidate: the scanned location when it
/// has stock there, else its first location with stock.
fn where_is<'l>(lot: &'l Lot, scanned_at: Option<&LocationCode>) -> Option<&'l LocationCode> {
    if let Some(at) = scanned_at
        && let Some((code, q)) = lot.on_hand.get_key_value(at)
        && q.0 > 0
    {
        return Some(code);
    }
    lot.on_hand.iter().find(|(_, q)| q.0 > 0).map(|(c, _)| c)
}

/// Check every input line of an issue or shipment.
pub(crate) fn check(view: &impl View, case: &Case<'_>, ctx: &Context, f: &mut Findings) {
    if !matches!(case.kind, MoveKind::Issue | MoveKind::Ship) {
        return;
    }
    for line in case.inputs() {
        check_line(view, case, line, ctx, f);
    }
}

fn check_line(
    view: &impl View,
    case: &Case<'_>,
    line: &CaseLine<'_>,
    ctx: &Context,
    f: &mut Findings,
) {
    let (Some(item), Some(stored)) = (&line.item, &line.stored) else {
        return;
    };
    let severity = match item.fefo {
        FefoPolicy::Off => return,
        FefoPolicy::Warn => Severity::Warning,
        FefoPolicy::Block => Severity::Reject,
    };
    let scanned = (line.expiry(), stored.received_at);
    let scanned_at = case.from.as_ref().map(|l| &l.code);
    let in_move = |c: &Lot| case.inputs().any(|l| l.line.lot == c.key);

    let mut limit = ctx.fefo_lookahead.min(2);
    loop {
        let lots = view.lots_of_item(&item.code, limit);
        for cand in &lots {
            if cand.key == line.line.lot {
                return;
            }
            if cand.key.item != item.code
                || cand.status != crate::model::LotStatus::Released
                || total_on_hand(cand) <= 0
                || in_move(cand)
            {
                continue;
            }
            let cand_expiry = effective_expiry(cand, item.shelf_life_days);
            if let Some(d) = cand_expiry
                && freshness(d, ctx.today, 0) == Freshness::Expired
            {
                continue;
            }
            if let Some(first) = goes_first((cand_expiry, cand.received_at), scanned) {
                let expires = match first {
                    First::Expires(d) => Some(d),
                    First::Received => None,
                };
                f.add(
                    severity,
                    &Fact::UseFirst {
                        lot: &cand.key.lot,
                        expires,
                        at: where_is(cand, scanned_at),
                    },
                );
                return;
            }
        }
        if lots.len() < limit || limit >= ctx.fefo_lookahead {
            return;
        }
        limit = limit.saturating_mul(2).min(ctx.fefo_lookahead);
    }
}
