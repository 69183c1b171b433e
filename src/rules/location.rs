//! Locations: the lot is where the scan says, and the destination takes it.
//!
//! Owns WRONG_LOCATION and LOCATION_REFUSES_STATUS (UNKNOWN_LOCATION is
//! reported while the case is gathered). A lot taken from a scanned `from`
//! must have stock there; the reason says where it does have stock. A
//! destination must accept the status the lot will have there: the new
//! status for a hold or release, the incoming status for a received lot,
//! the current one otherwise — so a quarantined lot may move into a
//! quarantine cage but not onto a released-stock shelf. A shipment's `to`
//! is the customer, not a location of this site: the case leaves it out.

use super::case::{Case, CaseLine, on_hand_at, stocked_location};
use super::reason::{Fact, Findings};
use crate::model::{LotStatus, MoveKind};

/// Whether this line takes stock out of its `from` location.
fn takes_from_location(kind: MoveKind, line: &CaseLine<'_>) -> bool {
    match kind {
        MoveKind::Adjust => line.line.qty.0 < 0,
        MoveKind::Receive => false,
        _ => true,
    }
}

/// The status the line's lot will have at the destination.
fn status_after(kind: MoveKind, line: &CaseLine<'_>) -> Option<LotStatus> {
    match kind {
        MoveKind::Hold => Some(LotStatus::Hold),
        MoveKind::Release => Some(LotStatus::Released),
        _ => line.status(),
    }
}

/// Check `from` and `to` for every line.
pub(crate) fn check(case: &Case<'_>, f: &mut Findings) {
    if let Some(from) = &case.from {
        for line in case.inputs() {
            let Some(stored) = &line.stored else { continue };
            if takes_from_location(case.kind, line) && on_hand_at(stored, &from.code).0 <= 0 {
                f.reject(&Fact::NotHere {
                    lot: line.lot_no(),
                    at: &from.code,
                    elsewhere: stocked_location(stored),
                });
            }
        }
    }

    if let Some(to) = &case.to {
        for line in &case.lines {
            // A produce or merge puts only its output at the destination.
            let lands = match case.kind {
                MoveKind::Produce | MoveKind::Merge | MoveKind::Split => {
                    line.role == super::case::Role::Output
                }
                _ => true,
            };
            if !lands {
                continue;
            }
            if let Some(status) = status_after(case.kind, line)
                && !to.accepts.contains(&status)
            {
                f.reject(&Fact::RefusesStatus {
                    location: &to.code,
                    lot: line.lot_no(),
                    status,
                });
            }
        }
    }
}
