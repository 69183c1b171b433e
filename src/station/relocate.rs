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
//! A lot stocked at several locations adds a step between the two: "Lot …
//! is at A-01: 20, B-02: 5; scan the location you take it from". The
//! location scanned there (one of those) is the source, and the quantity
//! when the label prints none is all the lot has there.
//!
//! A destination before a lot is a wrong step ("scan a lot label").

use super::label::Label;
use super::{
    Action, Cx, ScannedLot, Settings, Workflow, ambiguous_source, reject, source_location,
    stock_list, wrong_step,
};
use crate::ident::{InternalCode, InternalKind};
use crate::model::{LocationCode, LotLine, MoveKind, Qty, ReasonCode, ScanRecord};

#[derive(Debug, Default)]
pub(crate) struct Relocate {
    lot: Option<(ScannedLot, ScanRecord)>,
    /// Set while the lot's source must be chosen: where it has stock.
    choose: Option<Vec<(LocationCode, Qty)>>,
    /// The source chosen, with its scan.
    from: Option<(LocationCode, ScanRecord)>,
}

impl Relocate {
    fn to(&mut self, cx: &Cx<'_>, to: LocationCode, record: ScanRecord) -> Vec<Action> {
        if let Some(stocked) = &self.choose {
            // A GLN (414) names the location by its code from here on.
            let to = cx.view.location(&to).map_or(to, |l| l.code);
            if !stocked.iter().any(|(c, _)| *c == to) {
                let lot = self.lot.as_ref().map_or("", |(l, _)| l.key.lot.0.as_str());
                return vec![reject(
                    ReasonCode::WrongLocation,
                    format!(
                        "Lot {lot} has no stock at {}; scan {}",
                        to.0,
                        self.expected(cx.settings)
                    ),
                )];
            }
            self.choose = None;
            let prompt = format!("Scan the destination for lot {}", self.lot_no());
            self.from = Some((to, record));
            return vec![Action::Prompt(prompt)];
        }
        let Some((lot, lot_record)) = self.lot.take() else {
            return vec![wrong_step(&self.expected(cx.settings))];
        };
        let (from, from_record) = match self.from.take() {
            Some((at, r)) => (Some(at), Some(r)),
            None => (source_location(lot.stored.as_ref(), None), None),
        };
        let at_source = match (&lot.stored, &from) {
            (Some(s), Some(f)) => s.on_hand.get(f).copied().filter(|q| q.0 > 0),
            _ => None,
        };
        let mut scans = vec![lot_record];
        scans.extend(from_record);
        scans.push(record);
        let mut mv = cx.new_move(MoveKind::Move, scans);
        mv.lines = vec![LotLine {
            lot: lot.key,
            qty: lot.qty.or(at_source).unwrap_or(cx.settings.default_qty),
            serial: lot.serial,
        }];
        mv.from = from;
        mv.to = Some(to);
        vec![Action::Propose(mv)]
    }

    fn lot_no(&self) -> &str {
        self.lot.as_ref().map_or("", |(l, _)| l.key.lot.0.as_str())
    }
}

impl Workflow for Relocate {
    fn expected(&self, _: &Settings) -> String {
        match (&self.lot, &self.choose) {
            (None, _) => "a lot label".to_owned(),
            (Some((l, _)), Some(stocked)) => format!(
                "the location lot {} is taken from ({})",
                l.key.lot.0,
                stock_list(stocked)
            ),
            (Some((l, _)), None) => format!("the destination for lot {}", l.key.lot.0),
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
                self.from = None;
                self.choose = lot.stored.as_ref().and_then(ambiguous_source);
                let prompt = match &self.choose {
                    Some(stocked) => format!(
                        "Lot {} is at {}; scan the location you take it from",
                        lot.key.lot.0,
                        stock_list(stocked)
                    ),
                    None => format!("Scan the destination for lot {}", lot.key.lot.0),
                };
                self.lot = Some((lot, record));
                vec![Action::Prompt(prompt)]
            }
            Err(v) => vec![Action::Reject(v)],
        }
    }
}
