//! Quantities: enough stock for what the move takes.
//!
//! Owns INVALID_QUANTITY and INSUFFICIENT_QUANTITY. Every line takes a
//! positive quantity, except an adjustment (non-zero, either sign) and a
//! hold or release (a status change of the whole lot, quantity not used).
//! What the move takes from a lot, summed over its lines, may not exceed the
//! lot's stock at the scanned `from` location, or its total stock when the
//! move names no location. A lot with no stock at all at the scanned
//! location is a location question (WRONG_LOCATION), not this one.

use std::collections::BTreeMap;

use super::case::{Case, CaseLine, on_hand_at, total_on_hand};
use super::reason::{Fact, Findings};
use crate::model::{LotKey, MoveKind, Qty};

/// How much of its lot a line takes (0 when it adds stock).
fn taken(kind: MoveKind, line: &CaseLine<'_>) -> i128 {
    let q = i128::from(line.line.qty.0);
    match kind {
        MoveKind::Adjust => (-q).max(0),
        _ => q.max(0),
    }
}

/// Check quantities of every line.
pub(crate) fn check(case: &Case<'_>, f: &mut Findings) {
    if matches!(case.kind, MoveKind::Hold | MoveKind::Release) {
        return;
    }
    for line in &case.lines {
        let q = line.line.qty.0;
        let invalid = match case.kind {
            MoveKind::Adjust => q == 0,
            _ => q <= 0,
        };
        if invalid {
            f.reject(&Fact::InvalidQuantity { lot: line.lot_no() });
        }
    }

    if case.from.is_none() && case.from_unknown {
        return;
    }
    let mut need: BTreeMap<&LotKey, i128> = BTreeMap::new();
    let mut order: Vec<&CaseLine<'_>> = Vec::new();
    for line in case.inputs().filter(|l| l.stored.is_some()) {
        let sum = need.entry(&line.line.lot).or_insert_with(|| {
            order.push(line);
            0
        });
        *sum += taken(case.kind, line);
    }
    for line in order {
        let Some(stored) = &line.stored else { continue };
        let want = need.get(&line.line.lot).copied().unwrap_or(0);
        if want <= 0 {
            continue;
        }
        let at = case.from.as_ref().map(|l| &l.code);
        let have = match at {
            Some(at) => {
                let h = on_hand_at(stored, at);
                if h.0 <= 0 {
                    // Not there at all: WRONG_LOCATION says so.
                    continue;
                }
                i128::from(h.0)
            }
            None => total_on_hand(stored),
        };
        if want > have {
            f.reject(&Fact::Insufficient {
                lot: line.lot_no(),
                have: Qty(i64::try_from(have.max(0)).unwrap_or(i64::MAX)),
                unit: line.unit(),
                at,
            });
        }
    }
}
