//! Merge (several lots into one composite lot) and split (part of a lot
//! into a new lot).
//!
//! Merge steps:
//! 1. Lot labels, one after the other. Each must be known to the store
//!    (UNKNOWN_LOT), have stock (INSUFFICIENT_QUANTITY) and be of the same
//!    item as the first (MIXED_LOTS); a lot scanned twice is counted once.
//! 2. DONE → a Merge move: every input lot with all it has on hand, from
//!    their common location into a new composite lot at the same place,
//!    with the inputs as parents. DONE with no lots or one lot is refused
//!    (the lots scanned stay). Lots at different locations (or a lot spread
//!    over several) are refused with WRONG_LOCATION: the store takes a
//!    merge from one location, so they must be brought together first.
//!    When the inputs have stock nowhere the move goes to the receive
//!    location (the rules will refuse the quantities).
//!
//! The composite lot: item of the inputs, empty lot number (the daemon
//! assigns it), the inputs' common status (else the first non-released one,
//! which the rules refuse), the earliest expiry and production date, the
//! common supplier if any.
//!
//! Split: one step. A lot label with a quantity ((30)/(37)/(310n)) → a Split
//! move taking that quantity from the lot's only stocked location into a
//! new lot of the same item at the same place, with the source as parent,
//! the source's status, dates, supplier and certificate, and an empty lot
//! number for the daemon. A label without a quantity is refused (WRONG_STEP).

use super::label::Label;
use super::{Action, Cx, Settings, Workflow, reject, reject_fact, source_location, stocked};
use crate::model::{
    ItemCode, LocationCode, Lot, LotKey, LotLine, LotNo, LotStatus, MoveKind, ReasonCode,
    ScanRecord,
};
use crate::rules::Fact;

#[derive(Debug, Default)]
pub(crate) struct Merge {
    inputs: Vec<(Lot, ScanRecord)>,
}

impl Workflow for Merge {
    fn expected(&self, _: &Settings) -> String {
        match self.inputs.len() {
            0 => "lots to merge".to_owned(),
            1 => "another lot to merge".to_owned(),
            _ => "another lot, or DONE".to_owned(),
        }
    }

    fn on_label(&mut self, cx: &Cx<'_>, label: Label, record: ScanRecord) -> Vec<Action> {
        let lot = match cx.scanned_lot(&label, &self.expected(cx.settings)) {
            Ok(l) => l,
            Err(v) => return vec![Action::Reject(v)],
        };
        let Some(stored) = lot.stored else {
            return vec![reject_fact(&Fact::UnknownLot {
                lot: &lot.key.lot,
                provisional: false,
            })];
        };
        if stored.total_on_hand().0 <= 0 {
            return vec![reject(
                ReasonCode::InsufficientQuantity,
                format!("Lot {} has no stock to merge", lot.key.lot.0),
            )];
        }
        if self.inputs.iter().any(|(l, _)| l.key == stored.key) {
            return vec![Action::Prompt(format!(
                "Lot {} is already in; scan {}",
                lot.key.lot.0,
                self.expected(cx.settings)
            ))];
        }
        if let Some((first, _)) = self.inputs.first()
            && first.key.item != stored.key.item
        {
            return vec![reject(
                ReasonCode::MixedLots,
                format!(
                    "Lot {} is item {}; merge only lots of {}",
                    lot.key.lot.0, stored.key.item.0, first.key.item.0
                ),
            )];
        }
        self.inputs.push((stored, record));
        vec![Action::Prompt(format!(
            "{} lots to merge; scan {}",
            self.inputs.len(),
            self.expected(cx.settings)
        ))]
    }

    fn on_done(&mut self, cx: &Cx<'_>, record: ScanRecord) -> Vec<Action> {
        match self.inputs.len() {
            0 => {
                return vec![reject(
                    ReasonCode::WrongStep,
                    "Nothing to merge; scan lots, then DONE".to_owned(),
                )];
            }
            1 => {
                return vec![reject(
                    ReasonCode::WrongStep,
                    "Only one lot; scan another lot to merge, then DONE".to_owned(),
                )];
            }
            _ => {}
        }
        let inputs = std::mem::take(&mut self.inputs);
        let mut places: Vec<&LocationCode> = inputs.iter().flat_map(|(l, _)| stocked(l)).collect();
        places.sort();
        places.dedup();
        let from = match places.as_slice() {
            [] => None,
            [one] => Some((*one).clone()),
            _ => {
                return vec![reject(
                    ReasonCode::WrongLocation,
                    "Lots are at different locations; bring them together first".to_owned(),
                )];
            }
        };
        let lots: Vec<&Lot> = inputs.iter().map(|(l, _)| l).collect();
        let item = lots
            .first()
            .map_or_else(|| ItemCode(String::new()), |l| l.key.item.clone());
        let status = common(lots.iter().map(|l| l.status)).unwrap_or_else(|| {
            lots.iter()
                .map(|l| l.status)
                .find(|s| *s != LotStatus::Released)
                .unwrap_or(LotStatus::Released)
        });
        let new_lot = Lot {
            key: LotKey {
                item,
                lot: LotNo(String::new()),
            },
            status,
            supplier: common(lots.iter().map(|l| l.supplier.clone())).flatten(),
            supplier_lot: None,
            internal_lot: None,
            production_date: lots.iter().filter_map(|l| l.production_date).min(),
            expiry_date: lots.iter().filter_map(|l| l.expiry_date).min(),
            on_hand: Default::default(),
            parents: lots.iter().map(|l| l.key.clone()).collect(),
            certificate: None,
            received_at: Some(cx.now),
        };
        let lines = lots
            .iter()
            .map(|l| LotLine {
                lot: l.key.clone(),
                qty: l.total_on_hand(),
                serial: None,
            })
            .collect();
        let mut scans: Vec<ScanRecord> = inputs.into_iter().map(|(_, r)| r).collect();
        scans.push(record);
        let mut mv = cx.new_move(MoveKind::Merge, scans);
        mv.to = Some(
            from.clone()
                .unwrap_or_else(|| cx.settings.receive_location.clone()),
        );
        mv.from = from;
        mv.lines = lines;
        mv.new_lot = Some(new_lot);
        vec![Action::Propose(mv)]
    }
}

/// The value every element has, if they all agree (`None` when empty).
fn common<T: PartialEq>(mut it: impl Iterator<Item = T>) -> Option<T> {
    let first = it.next()?;
    it.all(|x| x == first).then_some(first)
}

#[derive(Debug, Default)]
pub(crate) struct Split;

impl Workflow for Split {
    fn expected(&self, _: &Settings) -> String {
        "a lot label with a quantity".to_owned()
    }

    fn on_label(&mut self, cx: &Cx<'_>, label: Label, record: ScanRecord) -> Vec<Action> {
        let lot = match cx.scanned_lot(&label, &self.expected(cx.settings)) {
            Ok(l) => l,
            Err(v) => return vec![Action::Reject(v)],
        };
        let Some(qty) = lot.qty else {
            return vec![reject(
                ReasonCode::WrongStep,
                "No quantity on the label; scan one with (30), (37) or (310n)".to_owned(),
            )];
        };
        let stored = lot.stored.as_ref();
        let from = source_location(stored, None);
        let new_lot = Lot {
            key: LotKey {
                item: lot.key.item.clone(),
                lot: LotNo(String::new()),
            },
            status: stored.map_or(LotStatus::Released, |l| l.status),
            supplier: stored.and_then(|l| l.supplier.clone()),
            supplier_lot: stored.and_then(|l| l.supplier_lot.clone()),
            internal_lot: None,
            production_date: stored.and_then(|l| l.production_date),
            expiry_date: stored.and_then(|l| l.expiry_date),
            on_hand: Default::default(),
            parents: vec![lot.key.clone()],
            certificate: stored.and_then(|l| l.certificate.clone()),
            received_at: stored.and_then(|l| l.received_at).or(Some(cx.now)),
        };
        let mut mv = cx.new_move(MoveKind::Split, vec![record]);
        mv.to.clone_from(&from);
        mv.from = from;
        mv.lines = vec![LotLine {
            lot: lot.key,
            qty,
            serial: None,
        }];
        mv.new_lot = Some(new_lot);
        vec![Action::Propose(mv)]
    }
}
