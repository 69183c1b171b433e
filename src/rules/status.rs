//! Lot status: which statuses may take part in which move.
//!
//! Owns LOT_QUARANTINED, LOT_ON_HOLD, LOT_REJECTED, LOT_RECALLED,
//! LOT_CONSUMED and SUPERVISOR_REQUIRED. Only released lots may be issued,
//! shipped or used as production input; a merge or split may carry a lot's
//! status into the new lot but never launder it into a released one.
//! Relocating a lot of any status is a location question (see
//! `location.rs`: a quarantine cage accepts held lots). A hold may be put
//! on anything with stock; a release lifts quarantine or hold only, and may
//! need a supervisor.

use super::Context;
use super::case::Case;
use super::reason::{Fact, Findings};
use crate::model::{LotStatus, MoveKind};

/// Check the status of every known input lot against the move.
pub(crate) fn check(case: &Case<'_>, ctx: &Context, f: &mut Findings) {
    for line in case.inputs() {
        let Some(stored) = &line.stored else { continue };
        let status = stored.status;
        let blocked = match case.kind {
            MoveKind::Issue | MoveKind::Ship | MoveKind::Produce => status != LotStatus::Released,
            // The new lot may keep the input's status (e.g. a quarantined
            // sample split off), not turn it into another one.
            MoveKind::Merge | MoveKind::Split => {
                status == LotStatus::Consumed
                    || (status != LotStatus::Released
                        && case.new_lot.is_none_or(|n| n.status != status))
            }
            MoveKind::Hold => status == LotStatus::Consumed,
            MoveKind::Release => matches!(
                status,
                LotStatus::Rejected | LotStatus::Recalled | LotStatus::Consumed
            ),
            MoveKind::Move | MoveKind::Adjust | MoveKind::Receive => false,
        };
        if blocked && let Some(fact) = Fact::for_status(line.lot_no(), status) {
            f.reject(&fact);
        }
    }
    if case.kind == MoveKind::Release && ctx.release_requires_supervisor && !ctx.supervisor_present
    {
        f.reject(&Fact::SupervisorRequired);
    }
}
