//! Receive: one to three supplier labels of one item, scanned within the
//! receive window, become one received lot.
//!
//! Steps:
//! 1. A label (element string, Digital Link, or an EPC carrying AIs) starts
//!    a label set; further labels are merged into it until every required
//!    AI pattern is present. Then the move is proposed and the set is
//!    cleared.
//! 2. Unhappy paths: a label that disagrees with the set on an AI drops the
//!    set (which value is right is not for the station to guess); a label of
//!    another GTIN rejects the pending set as incomplete and starts a new
//!    one; a third label that still leaves AIs missing, or the window
//!    running out ([`super::Station::on_tick`]), rejects the set naming the
//!    missing AIs; a label with none of the required or optional AIs (a
//!    location, an SSCC alone) is a wrong step, as is any non-GS1 code.
//!
//! The received lot: key from (01) and the canonical (10) (lot rules per item
//! and, when the label prints a supplier GLN in (412), per supplier); status
//! the item's incoming status (released for an unknown item, which the rules
//! reject as UNKNOWN_ITEM); expiry from (17), else best before (15);
//! production date (11); serial (21); quantity from (30)/(37)/(310n), else
//! the default. A label set without (10) (only when (10) is not required)
//! gets an empty lot number for the daemon to assign.

use jiff::{SignedDuration, Timestamp};

use super::label::{Label, ai_list, gs1_date};
use super::{Action, Cx, Settings, Workflow, conflict, reject, wrong_step};
use crate::model::{ItemCode, LotKey, LotLine, LotNo, LotStatus, MoveKind, ReasonCode, ScanRecord};

/// Most symbols one item's label set may span.
const MAX_SYMBOLS: usize = 3;

#[derive(Debug, Default)]
pub(crate) struct Receive {
    pending: Option<Pending>,
}

#[derive(Debug)]
struct Pending {
    label: Label,
    records: Vec<ScanRecord>,
    started: Timestamp,
}

fn incomplete(p: &Pending, settings: &Settings, why: &str) -> Action {
    let missing = p.label.missing(&settings.receive_required);
    reject(
        ReasonCode::WrongStep,
        format!(
            "Labels incomplete ({why}), missing {}; scan all labels again",
            ai_list(&missing)
        ),
    )
}

fn window_over(p: &Pending, settings: &Settings, now: Timestamp) -> bool {
    let window = SignedDuration::try_from(settings.receive_window).unwrap_or(SignedDuration::MAX);
    now.duration_since(p.started) > window
}

impl Workflow for Receive {
    fn expected(&self, settings: &Settings) -> String {
        match &self.pending {
            None => "a supplier label".to_owned(),
            Some(p) => format!(
                "the other labels: {}",
                ai_list(&p.label.missing(&settings.receive_required))
            ),
        }
    }

    fn on_label(&mut self, cx: &Cx<'_>, label: Label, record: ScanRecord) -> Vec<Action> {
        let s = cx.settings;
        if !label.has_any(&s.receive_required) && !label.has_any(&s.receive_optional) {
            return vec![wrong_step(&self.expected(s))];
        }
        let mut out = Vec::new();
        if let Some(p) = &self.pending {
            let other_item = match (p.label.get("01"), label.get("01")) {
                (Some(a), Some(b)) => a != b,
                _ => false,
            };
            if other_item {
                out.push(incomplete(p, s, "another item was scanned"));
                self.pending = None;
            }
        }
        let p = self.pending.get_or_insert_with(|| Pending {
            label: Label::default(),
            records: Vec::new(),
            started: cx.now,
        });
        if let Err(c) = p.label.merge(&label) {
            self.pending = None;
            out.push(conflict(&c));
            return out;
        }
        p.records.push(record);
        if p.label.missing(&s.receive_required).is_empty() {
            if let Some(p) = self.pending.take() {
                out.push(complete(cx, p));
            }
        } else if p.records.len() >= MAX_SYMBOLS {
            out.push(incomplete(p, s, "too many labels"));
            self.pending = None;
        } else {
            out.push(Action::Prompt(format!(
                "Scan the other labels: {} missing",
                ai_list(&p.label.missing(&s.receive_required))
            )));
        }
        out
    }

    fn on_tick(&mut self, settings: &Settings, now: Timestamp) -> Vec<Action> {
        match &self.pending {
            Some(p) if window_over(p, settings, now) => {
                let a = incomplete(p, settings, "time ran out");
                self.pending = None;
                vec![a]
            }
            _ => Vec::new(),
        }
    }
}

/// The move for a complete label set.
fn complete(cx: &Cx<'_>, p: Pending) -> Action {
    let l = &p.label;
    let Some(item) = l.gtin() else {
        return reject(
            ReasonCode::WrongStep,
            "Labels carry no GTIN (01); scan the item's label".to_owned(),
        );
    };
    let date = |ai: &str| match l.get(ai) {
        None => Ok(None),
        Some(v) => gs1_date(v, cx.now).map(Some).ok_or_else(|| {
            super::refuse(
                ReasonCode::Unreadable,
                format!("Date ({ai}) {v} on the label is not a date; check the label"),
            )
        }),
    };
    let (expiry, produced) = match (date("17"), date("15"), date("11")) {
        (Ok(e), Ok(b), Ok(p)) => (e.or(b), p),
        (Err(v), _, _) | (_, Err(v), _) | (_, _, Err(v)) => return Action::Reject(v),
    };
    let item_md = cx.view.item(&item);
    let supplier = l.supplier().map(str::to_owned);
    let raw_lot = l.get("10").map(str::to_owned);
    let lot_no = raw_lot.as_deref().map_or_else(
        || LotNo(String::new()),
        |raw| {
            cx.settings
                .lot_rules
                .canonical(&item, supplier.as_deref(), raw)
        },
    );
    let key = LotKey {
        item: ItemCode(item.0.clone()),
        lot: lot_no,
    };
    let qty = l
        .qty(item_md.as_ref().map(|i| i.unit.as_str()))
        .unwrap_or(cx.settings.default_qty);
    let new_lot = crate::model::Lot {
        key: key.clone(),
        status: item_md
            .as_ref()
            .map_or(LotStatus::Released, |i| i.incoming_status),
        supplier,
        supplier_lot: raw_lot,
        internal_lot: None,
        production_date: produced,
        expiry_date: expiry,
        on_hand: Default::default(),
        parents: Vec::new(),
        certificate: None,
        received_at: Some(cx.now),
    };
    let mut mv = cx.new_move(MoveKind::Receive, p.records);
    mv.to = Some(cx.settings.receive_location.clone());
    mv.lines = vec![LotLine {
        lot: key,
        qty,
        serial: l.get("21").map(str::to_owned),
    }];
    mv.new_lot = Some(new_lot);
    Action::Propose(mv)
}
