//! Produce: a work order, then the label of what it made.
//!
//! Steps:
//! 1. A work order code (unknown: UNKNOWN_WORK_ORDER, the step stays) →
//!    "Scan the output label for WO-…".
//! 2. The output label ((01), optional (10), quantity, (11), (17)/(15),
//!    (21)) → a Produce move to the production location whose new lot has
//!    the work order's issued lots as parents. The item must be the work
//!    order's output item, else the label is rejected (WRONG_STEP naming
//!    both items). The work order stays for the next pallet.
//!
//! Without (10) the lot number is left empty (`LotNo("")`, `internal_lot:
//! None`): the daemon assigns it from the configured internal pattern. The
//! new lot's status is the item's incoming status (so items inspected on
//! arrival are inspected after production too); its production date is the
//! label's (11) when printed, else left for the daemon.

use super::label::{Label, gs1_date};
use super::{
    Action, Cx, Settings, Workflow, reject, reject_fact, take_work_order, work_order_expected,
    wrong_step,
};
use crate::ident::InternalCode;
use crate::model::{Lot, LotKey, LotLine, LotNo, LotStatus, MoveKind, ReasonCode, ScanRecord};
use crate::rules::Fact;

/// What to scan once the work order is known.
const THEN: &str = "the output label for";

#[derive(Debug, Default)]
pub(crate) struct Produce {
    /// The work order id (re-read from the view at each output label, so
    /// lots issued meanwhile become parents) and its scan.
    work_order: Option<(String, ScanRecord)>,
}

impl Workflow for Produce {
    fn expected(&self, _: &Settings) -> String {
        work_order_expected(&self.work_order, THEN)
    }

    fn on_code(&mut self, cx: &Cx<'_>, code: &InternalCode, record: ScanRecord) -> Vec<Action> {
        take_work_order(&mut self.work_order, cx, code, record, THEN)
    }

    fn on_label(&mut self, cx: &Cx<'_>, label: Label, record: ScanRecord) -> Vec<Action> {
        let expected = self.expected(cx.settings);
        let Some((id, wo_record)) = &self.work_order else {
            return vec![wrong_step(&expected)];
        };
        let Some(wo) = cx.view.work_order(id) else {
            return vec![reject_fact(&Fact::UnknownWorkOrder { id })];
        };
        let Some(item) = label.gtin() else {
            return vec![wrong_step(&expected)];
        };
        if item != wo.output_item {
            return vec![reject(
                ReasonCode::WrongStep,
                format!(
                    "{} makes {}, not {}; scan its output label",
                    wo.id, wo.output_item.0, item.0
                ),
            )];
        }
        let date = |ai: &str| label.get(ai).and_then(|v| gs1_date(v, cx.now));
        let item_md = cx.view.item(&item);
        let lot = label
            .lot_key(&cx.settings.lot_rules)
            .unwrap_or_else(|| LotKey {
                item: item.clone(),
                lot: LotNo(String::new()),
            });
        let new_lot = Lot {
            key: lot.clone(),
            status: item_md
                .as_ref()
                .map_or(LotStatus::Released, |i| i.incoming_status),
            supplier: None,
            supplier_lot: None,
            internal_lot: None,
            production_date: date("11"),
            expiry_date: date("17").or_else(|| date("15")),
            on_hand: Default::default(),
            parents: wo.issued_lots.clone(),
            certificate: None,
            received_at: Some(cx.now),
        };
        let mut mv = cx.new_move(MoveKind::Produce, vec![wo_record.clone(), record]);
        mv.work_order = Some(wo.id.clone());
        mv.to = Some(cx.settings.production_location.clone());
        mv.lines = vec![LotLine {
            lot,
            qty: label
                .qty(item_md.as_ref().map(|i| i.unit.as_str()))
                .unwrap_or(cx.settings.default_qty),
            serial: label.get("21").map(str::to_owned),
        }];
        mv.new_lot = Some(new_lot);
        vec![Action::Propose(mv)]
    }
}
