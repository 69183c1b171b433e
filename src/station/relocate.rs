//! Move (relocate): a lot, then where it goes. (`move` is a keyword, hence
//! the file name.)
//!
//! Steps:
//! 1. A lot label ((01) + (10)) → "Scan the destination for lot …". A
//!    second lot label before the destination replaces the first (the
//!    operator picked up another pallet).
//! 2. A destination: a GS1 label with (414) (the location's GLN) or a
//!    location code → a Move from the lot's only stocked location (`None`
//!    when it has several or none: the rules and store decide) to the
//!    destination. Quantity: the label's when printed, else all the lot has
//!    at the source, else the default.
//!
//! A destination before a lot is a wrong step ("scan a lot label").

use super::label::Label;
use super::{Action, Cx, ScannedLot, Settings, Workflow, source_location, wrong_step};
use crate::ident::{InternalCode, InternalKind};
use crate::model::{LocationCode, LotLine, MoveKind, ScanRecord};

#[derive(Debug, Default)]
pub(crate) struct Relocate {
    lot: Option<(ScannedLot, ScanRecord)>,
}

impl Relocate {
    fn to(&mut self, cx: &Cx<'_>, to: LocationCode, record: ScanRecord) -> Vec<Action> {
        let Some((lot, lot_record)) = self.lot.take() else {
            return vec![wrong_step(&self.expected(cx.settings))];
        };
        let from = source_location(lot.stored.as_ref(), None);
        let at_source = match (&lot.stored, &from) {
            (Some(s), Some(f)) => s.on_hand.get(f).copied().filter(|q| q.0 > 0),
            _ => None,
        };
        let mut mv = cx.new_move(MoveKind::Move, vec![lot_record, record]);
        mv.lines = vec![LotLine {
            lot: lot.key,
            qty: lot.qty.or(at_source).unwrap_or(cx.settings.default_qty),
            serial: lot.serial,
        }];
        mv.from = from;
        mv.to = Some(to);
        vec![Action::Propose(mv)]
    }
}

impl Workflow for Relocate {
    fn expected(&self, _: &Settings) -> String {
        match &self.lot {
            None => "a lot label".to_owned(),
            Some((l, _)) => format!("the destination for lot {}", l.key.lot.0),
        }
    }

    fn on_code(&mut self, cx: &Cx<'_>, code: &InternalCode, record: ScanRecord) -> Vec<Action> {
        if code.kind == InternalKind::Location {
            self.to(cx, LocationCode(code.id.clone()), record)
        } else {
            vec![wrong_step(&self.expected(cx.settings))]
        }
    }

    fn on_label(&mut self, cx: &Cx<'_>, label: Label, record: ScanRecord) -> Vec<Action> {
        if label.gtin().is_none()
            && let Some(gln) = label.get("414")
        {
            return self.to(cx, LocationCode(gln.to_owned()), record);
        }
        match cx.scanned_lot(&label, &self.expected(cx.settings)) {
            Ok(lot) => {
                let prompt = format!("Scan the destination for lot {}", lot.key.lot.0);
                self.lot = Some((lot, record));
                vec![Action::Prompt(prompt)]
            }
            Err(v) => vec![Action::Reject(v)],
        }
    }
}
