//! Hold and release: each lot label puts the lot on hold (or releases it).
//!
//! One step: a lot label ((01) + (10)) → a Hold (or Release) move of the
//! whole lot (`to: None`; the quantity is the lot's total on hand, which the
//! rules and the store do not use for a status change). Whether a release
//! needs a supervisor is the rules' call.

use super::label::Label;
use super::{Action, Cx, Settings, Workflow};
use crate::model::{LotLine, MoveKind, Qty, ScanRecord};

#[derive(Debug)]
pub(crate) struct StatusChange {
    kind: MoveKind,
}

impl StatusChange {
    pub fn new(kind: MoveKind) -> StatusChange {
        StatusChange { kind }
    }
}

impl Workflow for StatusChange {
    fn expected(&self, _: &Settings) -> String {
        match self.kind {
            MoveKind::Release => "a lot to release".to_owned(),
            _ => "a lot to hold".to_owned(),
        }
    }

    fn on_label(&mut self, cx: &Cx<'_>, label: Label, record: ScanRecord) -> Vec<Action> {
        let lot = match cx.scanned_lot(&label, &self.expected(cx.settings)) {
            Ok(l) => l,
            Err(v) => return vec![Action::Reject(v)],
        };
        let mut mv = cx.new_move(self.kind, vec![record]);
        mv.lines = vec![LotLine {
            qty: lot.stored.as_ref().map_or(Qty::ZERO, |l| l.total_on_hand()),
            lot: lot.key,
            serial: None,
        }];
        vec![Action::Propose(mv)]
    }
}
