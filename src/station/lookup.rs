//! Lookup: what the store knows about a scanned lot.
//!
//! One step: a lot label ((01) + (10)) → [`Action::Info`] lines: lot and
//! item with its description, status, expiry, on hand per location, number
//! of parent lots. An unknown lot gets one line saying so. A label with a
//! GTIN but no lot lists the item's lots with stock (first five, FEFO
//! order); a pallet label (00) says pallet contents are not known here.

use super::label::Label;
use super::{Action, Cx, Settings, Workflow, wrong_step};
use crate::model::{ItemCode, Lot, ScanRecord};

/// Most lots listed for a label with a GTIN but no lot number.
const ITEM_LOTS: usize = 5;

#[derive(Debug, Default)]
pub(crate) struct Lookup;

fn item_line(cx: &Cx<'_>, item: &ItemCode) -> (String, String) {
    match cx.view.item(item) {
        Some(i) if i.description.is_empty() => (format!("Item {}", item.0), i.unit),
        Some(i) => (format!("Item {} ({})", item.0, i.description), i.unit),
        None => (format!("Item {} (not known here)", item.0), String::new()),
    }
}

fn with_unit(q: crate::model::Qty, unit: &str) -> String {
    if unit.is_empty() {
        q.to_string()
    } else {
        format!("{q} {unit}")
    }
}

fn lot_lines(lot: &Lot, unit: &str, out: &mut Vec<Action>) {
    out.push(Action::Info(format!("Status: {}", lot.status.as_str())));
    out.push(Action::Info(match lot.expiry_date {
        Some(d) => format!("Expiry: {d}"),
        None => "Expiry: none".to_owned(),
    }));
    let mut any = false;
    for (at, q) in lot.on_hand.iter().filter(|(_, q)| q.0 != 0) {
        any = true;
        out.push(Action::Info(format!(
            "On hand: {} at {}",
            with_unit(*q, unit),
            at.0
        )));
    }
    if !any {
        out.push(Action::Info("On hand: none".to_owned()));
    }
    out.push(Action::Info(format!("Parents: {} lots", lot.parents.len())));
}

impl Workflow for Lookup {
    fn expected(&self, _: &Settings) -> String {
        "a lot label".to_owned()
    }

    fn on_label(&mut self, cx: &Cx<'_>, label: Label, _record: ScanRecord) -> Vec<Action> {
        let Some(item) = label.gtin() else {
            if let Some(sscc) = label.get("00") {
                return vec![Action::Info(format!(
                    "Pallet {sscc}: its contents are not known here; scan a lot label"
                ))];
            }
            return vec![wrong_step(&self.expected(cx.settings))];
        };
        let (item_text, unit) = item_line(cx, &item);
        let mut out = Vec::new();
        match label.lot_key(&cx.settings.lot_rules) {
            Some(key) => match cx.view.lot(&key) {
                Some(lot) => {
                    out.push(Action::Info(format!("Lot {} of {item_text}", key.lot.0)));
                    lot_lines(&lot, &unit, &mut out);
                }
                None => out.push(Action::Info(format!(
                    "Lot {} of {item_text} is not known here",
                    key.lot.0
                ))),
            },
            None => {
                out.push(Action::Info(item_text));
                let lots = cx.view.lots_of_item(&item, ITEM_LOTS);
                if lots.is_empty() {
                    out.push(Action::Info("No lots with stock".to_owned()));
                }
                for lot in lots {
                    let expiry = lot
                        .expiry_date
                        .map_or_else(|| "no expiry".to_owned(), |d| format!("expires {d}"));
                    out.push(Action::Info(format!(
                        "Lot {}: {}, {}, {}",
                        lot.key.lot.0,
                        lot.status.as_str(),
                        with_unit(lot.total_on_hand(), &unit),
                        expiry
                    )));
                }
            }
        }
        out
    }
}
