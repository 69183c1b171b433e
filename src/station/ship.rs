//! Ship: a shipment, then the lots that leave on it.
//!
//! Steps:
//! 1. A shipment code (unknown: UNKNOWN_SHIPMENT, the step stays) →
//!    "Scan lots for SH-…".
//! 2. Each lot label ((01) + (10); quantity from the label or the default)
//!    → a Ship move on the shipment, from the lot's only stocked location
//!    (several: the station asks which one, see `Station`). The shipment
//!    stays; another shipment code switches the target.
//!
//! Limitation: a pallet label that carries only an SSCC (00) cannot be
//! shipped as a whole, because what is on a pallet is not recorded locally
//! (no packing hierarchy in the store yet). The station says so and asks for
//! the lots on the pallet.

use super::label::Label;
use super::{Action, Cx, Settings, Workflow, reject_fact, source_location, wrong_step};
use crate::ident::{InternalCode, InternalKind};
use crate::model::{LotLine, MoveKind, ScanRecord};
use crate::rules::Fact;

#[derive(Debug, Default)]
pub(crate) struct Ship {
    shipment: Option<(String, ScanRecord)>,
}

impl Workflow for Ship {
    fn expected(&self, _: &Settings) -> String {
        match &self.shipment {
            None => "a shipment".to_owned(),
            Some((id, _)) => format!("lots for {id}"),
        }
    }

    fn on_code(&mut self, cx: &Cx<'_>, code: &InternalCode, record: ScanRecord) -> Vec<Action> {
        if code.kind != InternalKind::Shipment {
            return vec![wrong_step(&self.expected(cx.settings))];
        }
        if cx.view.shipment(&code.id).is_none() {
            return vec![reject_fact(&Fact::UnknownShipment { id: &code.id })];
        }
        self.shipment = Some((code.id.clone(), record));
        vec![Action::Prompt(format!("Scan lots for {}", code.id))]
    }

    fn on_label(&mut self, cx: &Cx<'_>, label: Label, record: ScanRecord) -> Vec<Action> {
        let expected = self.expected(cx.settings);
        let Some((shipment, sh_record)) = &self.shipment else {
            return vec![wrong_step(&expected)];
        };
        if label.gtin().is_none()
            && let Some(sscc) = label.get("00")
        {
            return vec![
                Action::Info(format!("Pallet {sscc}: its contents are not known here")),
                Action::Prompt(format!("Scan the lots on the pallet for {shipment}")),
            ];
        }
        let lot = match cx.scanned_lot(&label, &expected) {
            Ok(l) => l,
            Err(v) => return vec![Action::Reject(v)],
        };
        let mut mv = cx.new_move(MoveKind::Ship, vec![sh_record.clone(), record]);
        mv.shipment = Some(shipment.clone());
        mv.from = source_location(lot.stored.as_ref(), None);
        mv.lines = vec![LotLine {
            lot: lot.key,
            qty: lot.qty.unwrap_or(cx.settings.default_qty),
            serial: lot.serial,
        }];
        vec![Action::Propose(mv)]
    }
}
