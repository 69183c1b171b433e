//! Shipments: only what the customer ordered leaves.
//!
//! Owns NOT_ON_SHIPMENT (UNKNOWN_SHIPMENT is reported while the case is
//! gathered; status and expiry of shipped lots are judged in `status.rs`
//! and `expiry.rs`). Every shipped line's item must be on one of the
//! shipment's ordered lines.

use super::case::Case;
use super::reason::{Fact, Findings};
use crate::model::MoveKind;

/// Check a ship move's lines against its shipment.
pub(crate) fn check(case: &Case<'_>, f: &mut Findings) {
    if case.kind != MoveKind::Ship {
        return;
    }
    let Some(shipment) = &case.shipment else {
        return;
    };
    for line in case.inputs() {
        let item = &line.line.lot.item;
        if !shipment.lines.iter().any(|l| &l.item == item) {
            f.reject(&Fact::NotOnShipment {
                item,
                shipment: &shipment.id,
            });
        }
    }
}
