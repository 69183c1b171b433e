//! Issue: a work order, then the lots issued to it.
//!
//! Steps:
//! 1. A work order code (unknown to the store: UNKNOWN_WORK_ORDER, the step
//!    stays) → "Scan lots for WO-…".
//! 2. Each lot label ((01) + (10); quantity from (30)/(37)/(310n), else the
//!    default) → an Issue move to the work order, taken from the production
//!    location when the lot has stock there, else from the lot's only
//!    location. When it has several, the station holds the move and asks
//!    for the location it is taken from (see `Station`). The work order
//!    stays for the next lot; another work order code switches the target.
//!
//! A lot before any work order is a wrong step ("scan a work order").

use super::label::Label;
use super::{
    Action, Cx, Settings, Workflow, source_location, take_work_order, work_order_expected,
    wrong_step,
};
use crate::ident::InternalCode;
use crate::model::{LotLine, MoveKind, ScanRecord};

/// What to scan once the work order is known.
const THEN: &str = "lots for";

#[derive(Debug, Default)]
pub(crate) struct Issue {
    work_order: Option<(String, ScanRecord)>,
}

impl Workflow for Issue {
    fn expected(&self, _: &Settings) -> String {
        work_order_expected(&self.work_order, THEN)
    }

    fn on_code(&mut self, cx: &Cx<'_>, code: &InternalCode, record: ScanRecord) -> Vec<Action> {
        take_work_order(&mut self.work_order, cx, code, record, THEN)
    }

    fn on_label(&mut self, cx: &Cx<'_>, label: Label, record: ScanRecord) -> Vec<Action> {
        let expected = self.expected(cx.settings);
        let Some((wo, wo_record)) = &self.work_order else {
            return vec![wrong_step(&expected)];
        };
        let lot = match cx.scanned_lot(&label, &expected) {
            Ok(l) => l,
            Err(v) => return vec![Action::Reject(v)],
        };
        let mut mv = cx.new_move(MoveKind::Issue, vec![wo_record.clone(), record]);
        mv.work_order = Some(wo.clone());
        mv.from = source_location(lot.stored.as_ref(), Some(&cx.settings.production_location));
        mv.lines = vec![LotLine {
            lot: lot.key,
            qty: lot.qty.unwrap_or(cx.settings.default_qty),
            serial: lot.serial,
        }];
        vec![Action::Propose(mv)]
    }
}
