//! Lot identity: composite lots and lots received twice.
//!
//! Owns MIXED_LOTS and LOT_ALREADY_EXISTS.
//!
//! Mixing: a produce or merge that combines more than one lot must record a
//! composite lot (`Move::new_lot`) whose parents list every input lot;
//! otherwise traceability back through the new lot breaks.
//!
//! Receiving (or producing into) a lot that already exists: the same
//! supplier lot arrives on several pallets or in several deliveries, so
//! adding to an existing lot is normal and only warned about when the lot
//! still has stock (the operator sees it is being added to). What is
//! refused is a label that contradicts the stored lot — another expiry date
//! or another supplier under the same canonical lot number — because that
//! is a different lot that canonicalisation (or a label) made look the same,
//! and merging their stock would corrupt traceability. A split must create a
//! new lot, so a split into a lot with stock is refused. Serialised items do
//! not get the warning: every unit of a lot is received on its own.

use std::collections::BTreeSet;

use super::case::Case;
use super::reason::{Fact, Findings, Severity};
use crate::model::{LotKey, MoveKind};

/// Check mixing and existing lots.
pub(crate) fn check(case: &Case<'_>, f: &mut Findings) {
    mixing(case, f);
    existing(case, f);
}

fn mixing(case: &Case<'_>, f: &mut Findings) {
    if !matches!(case.kind, MoveKind::Produce | MoveKind::Merge) {
        return;
    }
    match case.new_lot {
        None => {
            let distinct: BTreeSet<&LotKey> = case.lines.iter().map(|l| &l.line.lot).collect();
            if distinct.len() > 1 {
                f.reject(&Fact::MixedLots);
            }
        }
        Some(new) => {
            for line in case.inputs() {
                if !new.parents.contains(&line.line.lot) {
                    f.reject(&Fact::MissingParent { lot: line.lot_no() });
                }
            }
        }
    }
}

fn existing(case: &Case<'_>, f: &mut Findings) {
    let severity = match case.kind {
        MoveKind::Receive | MoveKind::Produce | MoveKind::Merge => Severity::Warning,
        MoveKind::Split => Severity::Reject,
        _ => return,
    };
    for line in case.outputs() {
        let Some(stored) = &line.stored else { continue };
        if let Some(new) = line.new {
            if let (Some(s), Some(n)) = (stored.expiry_date, new.expiry_date)
                && s != n
            {
                f.reject(&Fact::LotExpiryConflict {
                    lot: line.lot_no(),
                    stored: Some(s),
                    label: Some(n),
                });
                continue;
            }
            if let (Some(s), Some(n)) = (&stored.supplier, &new.supplier)
                && s != n
            {
                f.reject(&Fact::LotSupplierConflict { lot: line.lot_no() });
                continue;
            }
        }
        let serialised = line.item.as_ref().is_some_and(|i| i.serialised);
        if line.stored_has_stock() && (!serialised || severity == Severity::Reject) {
            f.add(
                severity,
                &Fact::LotExists {
                    lot: line.lot_no(),
                    on_hand: super::case::total_qty(stored),
                    unit: line.unit(),
                },
            );
        }
    }
}
