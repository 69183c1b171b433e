//! Station workflows from both sides: every mode's happy path and its unhappy
//! paths (wrong step, window timeout, conflicting labels, another GTIN,
//! unknown codes, DONE with nothing, badges), driven by real GS1 strings
//! through `ident::decode`, plus a property test over random scan sequences.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use proptest::prelude::*;

use super::*;
use crate::ident::{DecodeOptions, Epc, EpcScheme, InternalRules, decode};
use crate::model::{
    BomLine, FefoPolicy, Item, ItemCode, Location, LocationCode, Lot, LotKey, LotNo, LotStatus,
    MoveKind, Outcome, Qty, ReasonCode, Shipment, ShipmentLine, WorkOrder, WorkOrderStatus,
};
use crate::rules::{LotRule, MemView};

// ---------------------------------------------------------------- fixture

const FLOUR: &str = "09506000134352";
const YEAST: &str = "09506000134369";
const BREAD: &str = "09506000134390";
const GLN_DOCK: &str = "9506000134000";
const SSCC: &str = "379506000134000002";

const GS: &str = "\x1d";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn t0() -> Timestamp {
    ts("2025-06-01T08:00:00Z")
}

fn loc(s: &str) -> LocationCode {
    LocationCode(s.to_owned())
}

fn key(item: &str, lot: &str) -> LotKey {
    LotKey {
        item: ItemCode(item.to_owned()),
        lot: LotNo(lot.to_owned()),
    }
}

fn item(code: &str, description: &str, unit: &str, incoming: LotStatus) -> Item {
    Item {
        code: ItemCode(code.to_owned()),
        description: description.to_owned(),
        unit: unit.to_owned(),
        lot_controlled: true,
        serialised: false,
        shelf_life_days: None,
        incoming_status: incoming,
        fefo: FefoPolicy::Warn,
    }
}

fn lot(
    item: &str,
    no: &str,
    status: LotStatus,
    expiry: Option<Date>,
    stock: &[(&str, i64)],
) -> Lot {
    Lot {
        key: key(item, no),
        status,
        supplier: None,
        supplier_lot: None,
        internal_lot: None,
        production_date: None,
        expiry_date: expiry,
        on_hand: stock
            .iter()
            .map(|(l, q)| (loc(l), Qty::units(*q)))
            .collect(),
        parents: Vec::new(),
        certificate: None,
        received_at: None,
    }
}

fn location(code: &str, gln: Option<&str>) -> Location {
    Location {
        code: loc(code),
        description: String::new(),
        gln: gln.map(str::to_owned),
        accepts: vec![LotStatus::Released, LotStatus::Quarantine],
    }
}

fn view() -> MemView {
    MemView::new()
        .with_item(item(FLOUR, "Wheat flour T55", "kg", LotStatus::Quarantine))
        .with_item(item(YEAST, "Dry yeast", "ea", LotStatus::Released))
        .with_item(item(BREAD, "Country loaf", "ea", LotStatus::Released))
        .with_location(location("LOC-DOCK", Some(GLN_DOCK)))
        .with_location(location("LOC-LINE", None))
        .with_location(location("LOC-A", None))
        .with_location(location("LOC-B", None))
        .with_lot(lot(
            FLOUR,
            "F1",
            LotStatus::Released,
            Some(Date::constant(2026, 3, 31)),
            &[("LOC-A", 25)],
        ))
        .with_lot(lot(
            FLOUR,
            "F2",
            LotStatus::Released,
            Some(Date::constant(2026, 5, 31)),
            &[("LOC-A", 10)],
        ))
        .with_lot(lot(
            FLOUR,
            "F3",
            LotStatus::Released,
            None,
            &[("LOC-A", 5), ("LOC-LINE", 7)],
        ))
        .with_lot(lot(FLOUR, "F4", LotStatus::Released, None, &[("LOC-B", 4)]))
        .with_lot(lot(
            YEAST,
            "Y1",
            LotStatus::Released,
            None,
            &[("LOC-A", 12)],
        ))
        .with_work_order(WorkOrder {
            id: "WO-7".to_owned(),
            output_item: ItemCode(BREAD.to_owned()),
            bom: vec![BomLine {
                item: ItemCode(FLOUR.to_owned()),
                qty: Qty::units(100),
                tolerance_pct: 5,
            }],
            status: WorkOrderStatus::Released,
            issued: BTreeMap::new(),
            issued_lots: vec![key(FLOUR, "F1"), key(YEAST, "Y1")],
        })
        .with_work_order(WorkOrder {
            id: "WO-8".to_owned(),
            output_item: ItemCode(BREAD.to_owned()),
            bom: Vec::new(),
            status: WorkOrderStatus::Released,
            issued: BTreeMap::new(),
            issued_lots: Vec::new(),
        })
        .with_shipment(Shipment {
            id: "SH-3".to_owned(),
            customer: "4000001000005".to_owned(),
            lines: vec![ShipmentLine {
                item: ItemCode(FLOUR.to_owned()),
                qty: Qty::units(10),
            }],
            shipped: Vec::new(),
        })
}

fn settings() -> Settings {
    let mut s = Settings::new("st-1", loc("LOC-DOCK"), loc("LOC-LINE"));
    s.receive_required = vec!["01".into(), "10".into(), "17".into()];
    s.default_operator = Some("OP-DEFAULT".to_owned());
    s
}

/// A station, a view and a clock, fed real scan strings.
struct Bench {
    station: Station,
    view: MemView,
    now: Timestamp,
    codes: InternalRules,
    seq: usize,
}

impl Bench {
    fn new(mode: Mode) -> Bench {
        Bench::with(settings(), mode)
    }

    fn with(settings: Settings, mode: Mode) -> Bench {
        Bench {
            station: Station::new(settings, mode),
            view: view(),
            now: t0(),
            codes: InternalRules::defaults(),
            seq: 0,
        }
    }

    fn record(&mut self, raw: &[u8]) -> ScanRecord {
        self.seq += 1;
        ScanRecord {
            source: format!("scanner-{}", self.seq),
            raw: raw.to_vec(),
            symbology: None,
            at: self.now,
        }
    }

    /// Decode, classify and feed a scan.
    fn scan(&mut self, s: &str) -> Vec<Action> {
        let scan = classify(decode(s.as_bytes(), &DecodeOptions::default()), &self.codes);
        let record = self.record(s.as_bytes());
        self.station.on_scan(scan, record, &self.view, self.now)
    }

    fn feed(&mut self, scan: Scan) -> Vec<Action> {
        let record = self.record(b"epc");
        self.station.on_scan(scan, record, &self.view, self.now)
    }

    fn wait(&mut self, secs: i64) {
        self.now += jiff::SignedDuration::from_secs(secs);
    }
}

fn proposed(actions: &[Action]) -> Vec<&Move> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Propose(m) => Some(m),
            _ => None,
        })
        .collect()
}

fn the_move(actions: &[Action]) -> &Move {
    let p = proposed(actions);
    assert_eq!(p.len(), 1, "expected one proposed move in {actions:#?}");
    p[0]
}

fn rejections(actions: &[Action]) -> Vec<&Reason> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Reject(v) => {
                assert_eq!(v.outcome, Outcome::Rejected);
                Some(v.reasons.iter())
            }
            _ => None,
        })
        .flatten()
        .collect()
}

fn the_rejection(actions: &[Action]) -> &Reason {
    let r = rejections(actions);
    assert_eq!(r.len(), 1, "expected one rejection in {actions:#?}");
    r[0]
}

fn prompts(actions: &[Action]) -> Vec<&str> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Prompt(p) => Some(p.as_str()),
            _ => None,
        })
        .collect()
}

fn infos(actions: &[Action]) -> Vec<&str> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Info(p) => Some(p.as_str()),
            _ => None,
        })
        .collect()
}

/// A lot label: (01) GTIN, (10) lot, then extra raw AI data.
fn lot_label(gtin: &str, lot: &str, extra: &str) -> String {
    format!("]C101{gtin}10{lot}{GS}{extra}")
}

// ---------------------------------------------------------------- receive

#[test]
fn a_full_supplier_label_is_received_at_once() {
    let mut b = Bench::new(Mode::Receive);
    let out = b.scan(&format!("]C101{FLOUR}172612311012345A{GS}21S0001"));
    let mv = the_move(&out);
    assert_eq!(mv.kind, MoveKind::Receive);
    assert_eq!(mv.to, Some(loc("LOC-DOCK")));
    assert_eq!(mv.operator.as_deref(), Some("OP-DEFAULT"));
    assert_eq!(mv.scans.len(), 1);
    assert_eq!(mv.lines.len(), 1);
    assert_eq!(mv.lines[0].lot, key(FLOUR, "12345A"));
    assert_eq!(mv.lines[0].qty, Qty::units(1), "default quantity");
    assert_eq!(mv.lines[0].serial.as_deref(), Some("S0001"));
    let new = mv.new_lot.as_ref().unwrap();
    assert_eq!(new.key, key(FLOUR, "12345A"));
    assert_eq!(new.status, LotStatus::Quarantine, "item's incoming status");
    assert_eq!(new.supplier_lot.as_deref(), Some("12345A"));
    assert_eq!(new.expiry_date, Some(Date::constant(2026, 12, 31)));
    assert_eq!(new.received_at, Some(t0()));
    assert_eq!(new.internal_lot, None);
    assert!(new.on_hand.is_empty() && new.parents.is_empty());
    assert_eq!(b.station.expecting(), "scan a supplier label");
}

#[test]
fn labels_of_one_item_are_merged_within_the_window() {
    let mut b = Bench::new(Mode::Receive);
    let out = b.scan(&format!("]C101{FLOUR}3102002500"));
    assert!(proposed(&out).is_empty());
    assert_eq!(prompts(&out), ["Scan the other labels: (10), (17) missing"]);
    assert_eq!(b.station.expecting(), "scan the other labels: (10), (17)");
    b.wait(4);
    let out = b.scan(&format!("]C101{FLOUR}112605011726050010LOT-77"));
    let mv = the_move(&out);
    assert_eq!(mv.scans.len(), 2, "both labels are kept");
    assert_eq!(mv.lines[0].qty, Qty(25_000), "25.00 kg from (3102)");
    let new = mv.new_lot.as_ref().unwrap();
    assert_eq!(
        new.expiry_date,
        Some(Date::constant(2026, 5, 31)),
        "day 00 is the month's last"
    );
    assert_eq!(new.production_date, Some(Date::constant(2026, 5, 1)));
}

#[test]
fn best_before_stands_in_for_a_missing_expiry_date() {
    let mut s = settings();
    s.receive_required = vec!["01".into(), "10".into()];
    let mut b = Bench::with(s, Mode::Receive);
    let out = b.scan(&lot_label(YEAST, "Y9", "15270115"));
    let new = the_move(&out).new_lot.clone().unwrap();
    assert_eq!(new.expiry_date, Some(Date::constant(2027, 1, 15)));
}

#[test]
fn a_digital_link_is_received_like_an_element_string() {
    let mut b = Bench::new(Mode::Receive);
    let out = b.scan(&format!(
        "https://id.example.com/01/{FLOUR}/10/ABC?17=270228&30=40"
    ));
    let mv = the_move(&out);
    assert_eq!(mv.lines[0].lot, key(FLOUR, "ABC"));
    assert_eq!(mv.lines[0].qty, Qty::units(40));
}

#[test]
fn an_epc_with_lot_and_expiry_is_received_like_a_label() {
    let mut b = Bench::new(Mode::Receive);
    let epc = Epc {
        scheme: EpcScheme::DsgtinPlus,
        filter: Some(1),
        pure_uri: format!("https://id.gs1.org/01/{FLOUR}/21/X1"),
        tag_uri: None,
        ais: vec![
            ("01", FLOUR.to_owned()),
            ("21", "X1".to_owned()),
            ("17", "261130".to_owned()),
            ("10", "E-1".to_owned()),
        ],
        data_toggle: Some(true),
    };
    let out = b.feed(Scan::Epc(epc));
    let mv = the_move(&out);
    assert_eq!(mv.lines[0].lot, key(FLOUR, "E-1"));
    assert_eq!(mv.lines[0].serial.as_deref(), Some("X1"));
}

#[test]
fn lot_numbers_are_canonicalised_and_the_printed_one_kept() {
    let mut s = settings();
    s.lot_rules.default = LotRule {
        strip_prefixes: vec!["LOT-".into()],
        remove_chars: "-".into(),
        uppercase: true,
    };
    let mut b = Bench::with(s, Mode::Receive);
    let out = b.scan(&format!("]C101{FLOUR}17261231{}", "10lot-2024-0847"));
    let mv = the_move(&out);
    assert_eq!(mv.lines[0].lot, key(FLOUR, "20240847"));
    assert_eq!(
        mv.new_lot.as_ref().unwrap().supplier_lot.as_deref(),
        Some("lot-2024-0847")
    );
}

#[test]
fn a_pallet_label_names_its_contents_by_02_and_37() {
    let mut b = Bench::new(Mode::Receive);
    let out = b.scan(&format!("]C100{SSCC}02{YEAST}3740{GS}10Y7{GS}17270101"));
    let mv = the_move(&out);
    assert_eq!(mv.lines[0].lot, key(YEAST, "Y7"));
    assert_eq!(mv.lines[0].qty, Qty::units(40));
}

#[test]
fn an_unknown_item_is_proposed_released_for_the_rules_to_judge() {
    let mut b = Bench::new(Mode::Receive);
    let out = b.scan(&lot_label("09506000134376", "Z", "17261231"));
    assert_eq!(
        the_move(&out).new_lot.as_ref().unwrap().status,
        LotStatus::Released
    );
}

#[test]
fn an_incomplete_label_set_is_rejected_when_the_window_runs_out() {
    let mut b = Bench::new(Mode::Receive);
    b.scan(&format!("]C101{FLOUR}3102002500"));
    b.wait(5);
    assert!(
        b.station.on_tick(b.now).is_empty(),
        "still inside the window"
    );
    b.wait(6);
    let out = b.station.on_tick(b.now);
    let r = the_rejection(&out);
    assert_eq!(r.code, ReasonCode::WrongStep);
    assert!(r.text.contains("(10), (17)"), "{}", r.text);
    assert!(r.text.contains("time ran out"), "{}", r.text);
    assert!(b.station.on_tick(b.now).is_empty(), "rejected once");
    assert_eq!(b.station.expecting(), "scan a supplier label");
}

#[test]
fn a_label_after_the_window_starts_a_new_set_after_rejecting_the_old() {
    let mut b = Bench::new(Mode::Receive);
    b.scan(&format!("]C101{FLOUR}3102002500"));
    b.wait(30);
    let out = b.scan(&format!("]C101{FLOUR}1726050010LOT-77"));
    assert!(the_rejection(&out).text.contains("missing (10), (17)"));
    let mv = the_move(&out);
    assert_eq!(mv.scans.len(), 1, "the late label alone makes the new set");
    assert_eq!(
        mv.lines[0].qty,
        Qty::units(1),
        "the old label's weight is not used"
    );
}

#[test]
fn labels_that_disagree_are_rejected_and_the_set_dropped() {
    let mut b = Bench::new(Mode::Receive);
    b.scan(&lot_label(FLOUR, "A1", "3102002500"));
    let out = b.scan(&format!("]C101{FLOUR}1726050010B2"));
    let r = the_rejection(&out);
    assert_eq!(r.code, ReasonCode::WrongStep);
    assert_eq!(r.text, "Labels disagree on (10): A1 / B2; scan again");
    assert_eq!(b.station.expecting(), "scan a supplier label");
}

#[test]
fn a_label_of_another_item_rejects_the_pending_set_and_starts_anew() {
    let mut b = Bench::new(Mode::Receive);
    b.scan(&lot_label(FLOUR, "A1", ""));
    let out = b.scan(&lot_label(YEAST, "Y5", "17270101"));
    let r = the_rejection(&out);
    assert!(r.text.contains("another item"), "{}", r.text);
    assert!(r.text.contains("(17)"), "{}", r.text);
    let mv = the_move(&out);
    assert_eq!(mv.lines[0].lot, key(YEAST, "Y5"));
    assert_eq!(mv.scans.len(), 1, "the rejected label is not part of it");
}

#[test]
fn a_third_label_that_leaves_ais_missing_ends_the_set() {
    let mut s = settings();
    s.receive_required.push("21".into());
    let mut b = Bench::with(s, Mode::Receive);
    b.scan(&format!("]C101{FLOUR}"));
    b.scan(&format!("]C101{FLOUR}1726050010A"));
    let out = b.scan(&format!("]C101{FLOUR}3001"));
    assert!(the_rejection(&out).text.contains("missing (21)"));
    assert_eq!(b.station.expecting(), "scan a supplier label");
}

#[test]
fn codes_and_unrelated_labels_are_wrong_steps_while_receiving() {
    let mut b = Bench::new(Mode::Receive);
    for s in ["]C0LOC-A", "]C0hello", &format!("]C1414{GLN_DOCK}")] {
        let out = b.scan(s);
        let r = the_rejection(&out);
        assert_eq!(r.code, ReasonCode::WrongStep, "{s}");
        assert_eq!(r.text, "Not expected now; scan a supplier label", "{s}");
    }
}

#[test]
fn an_unreadable_scan_is_rejected_with_the_decoders_message() {
    let mut b = Bench::new(Mode::Receive);
    let out = b.scan("]C10109506000134353");
    let r = the_rejection(&out);
    assert_eq!(r.code, ReasonCode::Unreadable);
    assert!(
        r.text.starts_with("Label could not be read; scan again ("),
        "{}",
        r.text
    );
    assert!(r.text.contains("check digit"), "{}", r.text);
}

// ---------------------------------------------------------------- issue

#[test]
fn issuing_needs_a_work_order_then_takes_each_lot() {
    let mut b = Bench::new(Mode::Issue);
    let out = b.scan(&lot_label(FLOUR, "F1", ""));
    assert_eq!(
        the_rejection(&out).text,
        "Not expected now; scan a work order"
    );
    let out = b.scan("]C0WO-7");
    assert_eq!(prompts(&out), ["Scan lots for WO-7"]);
    let out = b.scan(&lot_label(FLOUR, "F1", "3102000500"));
    let mv = the_move(&out);
    assert_eq!(mv.kind, MoveKind::Issue);
    assert_eq!(mv.work_order.as_deref(), Some("WO-7"));
    assert_eq!(mv.lines[0].lot, key(FLOUR, "F1"));
    assert_eq!(mv.lines[0].qty, Qty::units(5));
    assert_eq!(mv.from, Some(loc("LOC-A")));
    assert_eq!(mv.scans.len(), 2, "work order scan and lot scan");
    assert_eq!(mv.scans[0].raw, b"]C0WO-7");
    // The work order stays for the next lot, with the default quantity.
    let out = b.scan(&lot_label(YEAST, "Y1", ""));
    assert_eq!(the_move(&out).lines[0].qty, Qty::units(1));
}

#[test]
fn issuing_prefers_stock_at_the_production_location() {
    let mut b = Bench::new(Mode::Issue);
    b.scan("]C0WO-7");
    let out = b.scan(&lot_label(FLOUR, "F3", ""));
    assert_eq!(the_move(&out).from, Some(loc("LOC-LINE")));
}

#[test]
fn another_work_order_switches_the_issue_target() {
    let mut b = Bench::new(Mode::Issue);
    b.scan("]C0WO-7");
    b.scan("]C0WO-8");
    let out = b.scan(&lot_label(FLOUR, "F2", ""));
    assert_eq!(the_move(&out).work_order.as_deref(), Some("WO-8"));
    assert_eq!(b.station.expecting(), "scan lots for WO-8");
}

#[test]
fn an_unknown_work_order_is_refused_and_the_step_stays() {
    let mut b = Bench::new(Mode::Issue);
    let out = b.scan("]C0WO-404");
    let r = the_rejection(&out);
    assert_eq!(r.code, ReasonCode::UnknownWorkOrder);
    assert_eq!(b.station.expecting(), "scan a work order");
}

#[test]
fn a_label_without_a_lot_number_cannot_be_issued() {
    let mut b = Bench::new(Mode::Issue);
    b.scan("]C0WO-7");
    let out = b.scan(&format!("]C101{FLOUR}"));
    let r = the_rejection(&out);
    assert_eq!(r.code, ReasonCode::WrongStep);
    assert!(r.text.contains("no lot number (10)"), "{}", r.text);
    let out = b.scan("]C0SH-3");
    assert_eq!(
        the_rejection(&out).text,
        "Not expected now; scan lots for WO-7"
    );
}

// ---------------------------------------------------------------- produce

#[test]
fn producing_records_the_output_lot_with_the_issued_lots_as_parents() {
    let mut b = Bench::new(Mode::Produce);
    let out = b.scan(&lot_label(BREAD, "B1", ""));
    assert_eq!(
        the_rejection(&out).text,
        "Not expected now; scan a work order"
    );
    b.scan("]C0WO-7");
    assert_eq!(b.station.expecting(), "scan the output label for WO-7");
    let out = b.scan(&lot_label(BREAD, "B1", "3024"));
    let mv = the_move(&out);
    assert_eq!(mv.kind, MoveKind::Produce);
    assert_eq!(mv.to, Some(loc("LOC-LINE")));
    assert_eq!(mv.work_order.as_deref(), Some("WO-7"));
    assert_eq!(mv.lines[0].lot, key(BREAD, "B1"));
    assert_eq!(mv.lines[0].qty, Qty::units(24));
    let new = mv.new_lot.as_ref().unwrap();
    assert_eq!(new.key, key(BREAD, "B1"));
    assert_eq!(new.parents, [key(FLOUR, "F1"), key(YEAST, "Y1")]);
    assert_eq!(mv.scans.len(), 2);
}

#[test]
fn an_output_label_without_a_lot_leaves_the_number_to_the_daemon() {
    let mut b = Bench::new(Mode::Produce);
    b.scan("]C0WO-8");
    let out = b.scan(&format!("]C101{BREAD}"));
    let mv = the_move(&out);
    assert_eq!(mv.lines[0].lot, key(BREAD, ""));
    assert_eq!(mv.new_lot.as_ref().unwrap().key, key(BREAD, ""));
    assert!(mv.new_lot.as_ref().unwrap().parents.is_empty());
}

#[test]
fn an_output_label_of_another_item_is_refused() {
    let mut b = Bench::new(Mode::Produce);
    b.scan("]C0WO-7");
    let out = b.scan(&lot_label(FLOUR, "X", ""));
    let r = the_rejection(&out);
    assert_eq!(r.code, ReasonCode::WrongStep);
    assert_eq!(
        r.text,
        format!("WO-7 makes {BREAD}, not {FLOUR}; scan its output label")
    );
    assert!(the_rejection(&b.scan("]C0WO-404")).code == ReasonCode::UnknownWorkOrder);
}

// ---------------------------------------------------------------- move

#[test]
fn moving_takes_a_lot_then_a_location_code() {
    let mut b = Bench::new(Mode::Move);
    let out = b.scan("]C0LOC-B");
    assert_eq!(
        the_rejection(&out).text,
        "Not expected now; scan a lot label"
    );
    let out = b.scan(&lot_label(FLOUR, "F1", ""));
    assert_eq!(prompts(&out), ["Scan the destination for lot F1"]);
    let out = b.scan("]C0LOC-B");
    let mv = the_move(&out);
    assert_eq!(mv.kind, MoveKind::Move);
    assert_eq!(mv.from, Some(loc("LOC-A")));
    assert_eq!(mv.to, Some(loc("LOC-B")));
    assert_eq!(mv.lines[0].qty, Qty::units(25), "all of it at the source");
    assert_eq!(mv.scans.len(), 2);
    assert_eq!(b.station.expecting(), "scan a lot label");
}

#[test]
fn a_gln_label_is_a_destination() {
    let mut b = Bench::new(Mode::Move);
    b.scan(&lot_label(FLOUR, "F2", "3003"));
    let out = b.scan(&format!("]C1414{GLN_DOCK}"));
    let mv = the_move(&out);
    assert_eq!(mv.to, Some(loc(GLN_DOCK)));
    assert_eq!(mv.lines[0].qty, Qty::units(3), "the label's quantity");
}

#[test]
fn a_lot_at_several_locations_asks_where_it_is_taken_from_before_the_destination() {
    let mut b = Bench::new(Mode::Move);
    let out = b.scan(&lot_label(FLOUR, "F3", ""));
    assert_eq!(
        prompts(&out),
        ["Lot F3 is at LOC-A: 5, LOC-LINE: 7; scan the location you take it from"]
    );
    assert_eq!(
        b.station.expecting(),
        "scan the location lot F3 is taken from (LOC-A: 5, LOC-LINE: 7)"
    );
    // A location without its stock is refused; the step stays.
    let r = the_rejection(&b.scan("]C0LOC-B")).clone();
    assert_eq!(r.code, ReasonCode::WrongLocation);
    assert!(
        r.text
            .starts_with("Lot F3 has no stock at LOC-B; scan the location"),
        "{}",
        r.text
    );
    assert_eq!(
        prompts(&b.scan("]C0LOC-LINE")),
        ["Scan the destination for lot F3"]
    );
    let out = b.scan("]C0LOC-B");
    let mv = the_move(&out);
    assert_eq!(mv.from, Some(loc("LOC-LINE")));
    assert_eq!(mv.to, Some(loc("LOC-B")));
    assert_eq!(
        mv.lines[0].qty,
        Qty::units(7),
        "all the lot has at the chosen source"
    );
    assert_eq!(mv.scans.len(), 3);
    assert_eq!(b.station.expecting(), "scan a lot label");
}

#[test]
fn a_label_quantity_wins_over_the_stock_at_the_chosen_source() {
    let mut b = Bench::new(Mode::Move);
    b.scan(&lot_label(FLOUR, "F3", "3003"));
    b.scan("]C0LOC-A");
    let out = b.scan(&format!("]C1414{GLN_DOCK}"));
    let mv = the_move(&out);
    assert_eq!(mv.from, Some(loc("LOC-A")));
    assert_eq!(mv.lines[0].qty, Qty::units(3));
}

#[test]
fn a_second_lot_before_the_destination_replaces_the_first() {
    let mut b = Bench::new(Mode::Move);
    b.scan(&lot_label(FLOUR, "F1", ""));
    b.scan(&lot_label(FLOUR, "F4", ""));
    let mv = b.scan("]C0LOC-A");
    assert_eq!(the_move(&mv).lines[0].lot, key(FLOUR, "F4"));
}

// ---------------------------------------------------------------- ship

#[test]
fn shipping_takes_a_shipment_then_lots() {
    let mut b = Bench::new(Mode::Ship);
    let out = b.scan(&lot_label(FLOUR, "F1", ""));
    assert_eq!(
        the_rejection(&out).text,
        "Not expected now; scan a shipment"
    );
    assert_eq!(
        the_rejection(&b.scan("]C0SH-404")).code,
        ReasonCode::UnknownShipment
    );
    assert_eq!(prompts(&b.scan("]C0SH-3")), ["Scan lots for SH-3"]);
    let out = b.scan(&lot_label(FLOUR, "F1", "3010"));
    let mv = the_move(&out);
    assert_eq!(mv.kind, MoveKind::Ship);
    assert_eq!(mv.shipment.as_deref(), Some("SH-3"));
    assert_eq!(mv.from, Some(loc("LOC-A")));
    assert_eq!(mv.to, None);
    assert_eq!(mv.lines[0].qty, Qty::units(10));
    assert_eq!(mv.scans.len(), 2);
}

#[test]
fn a_pallet_label_asks_for_the_lots_on_it() {
    let mut b = Bench::new(Mode::Ship);
    b.scan("]C0SH-3");
    let out = b.scan(&format!("]C100{SSCC}"));
    assert!(proposed(&out).is_empty());
    assert_eq!(
        infos(&out),
        [format!("Pallet {SSCC}: its contents are not known here")]
    );
    assert_eq!(prompts(&out), ["Scan the lots on the pallet for SH-3"]);
}

// ---------------------------------------------------------------- hold / release

#[test]
fn hold_and_release_propose_a_status_change_per_lot() {
    let mut b = Bench::new(Mode::Hold);
    let out = b.scan(&lot_label(FLOUR, "F3", ""));
    let mv = the_move(&out);
    assert_eq!(
        (mv.kind, mv.to.clone(), mv.from.clone()),
        (MoveKind::Hold, None, None)
    );
    assert_eq!(mv.lines[0].qty, Qty::units(12));
    b.station.set_mode(Mode::Release);
    assert_eq!(b.station.expecting(), "scan a lot to release");
    let out = b.scan(&lot_label(FLOUR, "F3", ""));
    assert_eq!(the_move(&out).kind, MoveKind::Release);
    assert_eq!(
        the_rejection(&b.scan("]C0WO-7")).code,
        ReasonCode::WrongStep
    );
}

// ---------------------------------------------------------------- merge / split

#[test]
fn merging_lots_then_done_proposes_a_composite_lot() {
    let mut b = Bench::new(Mode::Merge);
    assert_eq!(
        prompts(&b.scan(&lot_label(FLOUR, "F1", ""))),
        ["1 lots to merge; scan another lot to merge"]
    );
    let out = b.scan(&lot_label(FLOUR, "F2", ""));
    assert_eq!(
        prompts(&out),
        ["2 lots to merge; scan another lot, or DONE"]
    );
    let out = b.scan(&lot_label(FLOUR, "F1", ""));
    assert!(prompts(&out)[0].starts_with("Lot F1 is already in"));
    let out = b.scan("]C0CMD:DONE");
    let mv = the_move(&out);
    assert_eq!(mv.kind, MoveKind::Merge);
    assert_eq!(mv.from, Some(loc("LOC-A")));
    assert_eq!(mv.to, Some(loc("LOC-A")));
    assert_eq!(mv.lines.len(), 2);
    assert_eq!(
        (mv.lines[0].qty, mv.lines[1].qty),
        (Qty::units(25), Qty::units(10))
    );
    let new = mv.new_lot.as_ref().unwrap();
    assert_eq!(new.key, key(FLOUR, ""));
    assert_eq!(new.parents, [key(FLOUR, "F1"), key(FLOUR, "F2")]);
    assert_eq!(
        new.expiry_date,
        Some(Date::constant(2026, 3, 31)),
        "earliest expiry"
    );
    assert_eq!(new.status, LotStatus::Released);
    assert_eq!(
        mv.scans.len(),
        3,
        "two lots and DONE (the repeat scan changed nothing)"
    );
    assert_eq!(b.station.expecting(), "scan lots to merge");
}

#[test]
fn done_with_nothing_or_one_lot_is_refused() {
    let mut b = Bench::new(Mode::Merge);
    let r = the_rejection(&b.scan("]C0CMD:DONE")).clone();
    assert_eq!(
        (r.code, r.text.as_str()),
        (
            ReasonCode::WrongStep,
            "Nothing to merge; scan lots, then DONE"
        )
    );
    b.scan(&lot_label(FLOUR, "F1", ""));
    assert!(
        the_rejection(&b.scan("]C0CMD:DONE"))
            .text
            .starts_with("Only one lot")
    );
    assert_eq!(
        b.station.expecting(),
        "scan another lot to merge",
        "the lot stays"
    );
    let mut i = Bench::new(Mode::Issue);
    assert!(
        the_rejection(&i.scan("]C0CMD:DONE"))
            .text
            .starts_with("Nothing to finish; scan a work order")
    );
}

#[test]
fn merging_refuses_other_items_unknown_lots_and_scattered_stock() {
    let mut b = Bench::new(Mode::Merge);
    b.scan(&lot_label(FLOUR, "F1", ""));
    let r = the_rejection(&b.scan(&lot_label(YEAST, "Y1", ""))).clone();
    assert_eq!(r.code, ReasonCode::MixedLots);
    assert_eq!(
        r.text,
        format!("Lot Y1 is item {YEAST}; merge only lots of {FLOUR}")
    );
    assert_eq!(
        the_rejection(&b.scan(&lot_label(FLOUR, "NOPE", ""))).code,
        ReasonCode::UnknownLot
    );
    b.scan(&lot_label(FLOUR, "F4", ""));
    let r = the_rejection(&b.scan("]C0CMD:DONE")).clone();
    assert_eq!(r.code, ReasonCode::WrongLocation);
}

#[test]
fn splitting_takes_the_labels_quantity_into_a_new_lot() {
    let mut b = Bench::new(Mode::Split);
    let out = b.scan(&lot_label(FLOUR, "F1", ""));
    assert!(
        the_rejection(&out)
            .text
            .starts_with("No quantity on the label")
    );
    let out = b.scan(&lot_label(FLOUR, "F1", "3102000750"));
    let mv = the_move(&out);
    assert_eq!(mv.kind, MoveKind::Split);
    assert_eq!(mv.lines[0].lot, key(FLOUR, "F1"));
    assert_eq!(mv.lines[0].qty, Qty(7_500));
    assert_eq!(
        (mv.from.clone(), mv.to.clone()),
        (Some(loc("LOC-A")), Some(loc("LOC-A")))
    );
    let new = mv.new_lot.as_ref().unwrap();
    assert_eq!(new.key, key(FLOUR, ""));
    assert_eq!(new.parents, [key(FLOUR, "F1")]);
    assert_eq!(new.expiry_date, Some(Date::constant(2026, 3, 31)));
}

// ---------------------------------------------------------------- lookup

#[test]
fn lookup_reports_what_the_store_knows_about_a_lot() {
    let mut b = Bench::new(Mode::Lookup);
    let out = b.scan(&lot_label(FLOUR, "F3", ""));
    assert!(proposed(&out).is_empty());
    assert_eq!(
        infos(&out),
        [
            format!("Lot F3 of Item {FLOUR} (Wheat flour T55)").as_str(),
            "Status: released",
            "Expiry: none",
            "On hand: 5 kg at LOC-A",
            "On hand: 7 kg at LOC-LINE",
            "Parents: 0 lots",
        ]
    );
    let out = b.scan(&lot_label(FLOUR, "NOPE", ""));
    assert_eq!(
        infos(&out),
        [format!(
            "Lot NOPE of Item {FLOUR} (Wheat flour T55) is not known here"
        )]
    );
    let out = b.scan(&format!("]C101{FLOUR}"));
    let lines = infos(&out);
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(lines[1], "Lot F1: released, 25 kg, expires 2026-03-31");
    assert_eq!(
        the_rejection(&b.scan("]C0LOC-A")).text,
        "Not expected now; scan a lot label"
    );
}

// ---------------------------------------------------------------- commands, badges

#[test]
fn command_codes_switch_mode_and_prompt() {
    let mut b = Bench::new(Mode::Receive);
    let out = b.scan("]C0CMD:ISSUE");
    assert_eq!(out[0], Action::ModeChanged(Mode::Issue));
    assert_eq!(prompts(&out), ["Scan a work order"]);
    assert_eq!(b.station.mode(), Mode::Issue);
    for m in Mode::ALL {
        let out = b.scan(&format!("]C0CMD:{}", m.as_str().to_ascii_uppercase()));
        assert_eq!(out[0], Action::ModeChanged(m));
        assert_eq!(b.station.mode(), m);
    }
}

#[test]
fn an_unknown_command_is_a_wrong_step_with_a_hint() {
    let mut b = Bench::new(Mode::Issue);
    let r = the_rejection(&b.scan("]C0CMD:EXPLODE")).clone();
    assert_eq!(r.code, ReasonCode::WrongStep);
    assert_eq!(r.text, "Unknown command EXPLODE; scan a work order");
    assert_eq!(b.station.mode(), Mode::Issue);
}

#[test]
fn ack_acknowledges_without_touching_the_step() {
    let mut b = Bench::new(Mode::Issue);
    b.scan("]C0WO-7");
    let out = b.scan("]C0CMD:ACK");
    assert!(
        matches!(out.as_slice(), [Action::Acknowledge(r)] if r.raw == b"]C0CMD:ACK"),
        "{out:?}"
    );
    assert_eq!(b.station.expecting(), "scan lots for WO-7");
}

#[test]
fn cancel_resets_the_current_step() {
    let mut b = Bench::new(Mode::Issue);
    b.scan("]C0WO-7");
    let out = b.scan("]C0CMD:CANCEL");
    assert_eq!(prompts(&out), ["Cancelled; scan a work order"]);
    assert_eq!(b.station.mode(), Mode::Issue);
    let mut r = Bench::new(Mode::Receive);
    r.scan(&format!("]C101{FLOUR}"));
    r.scan("]C0CMD:CANCEL");
    r.wait(60);
    assert!(
        r.station.on_tick(r.now).is_empty(),
        "nothing pending after cancel"
    );
}

#[test]
fn a_badge_changes_the_operator_of_later_moves_without_losing_the_step() {
    let mut b = Bench::new(Mode::Issue);
    b.scan("]C0WO-7");
    let out = b.scan("]C0OP-4711");
    assert_eq!(out[0], Action::OperatorChanged("OP-4711".to_owned()));
    assert_eq!(prompts(&out), ["Scan lots for WO-7"]);
    assert_eq!(b.station.operator(), Some("OP-4711"));
    let out = b.scan(&lot_label(FLOUR, "F1", ""));
    assert_eq!(the_move(&out).operator.as_deref(), Some("OP-4711"));
    assert_eq!(
        the_move(&out).scans.len(),
        2,
        "the badge is not a scan of the move"
    );
}

#[test]
fn modes_parse_and_print_in_snake_case() {
    for m in Mode::ALL {
        assert_eq!(m.as_str().parse::<Mode>(), Ok(m));
        assert_eq!(m.to_string(), m.as_str());
    }
    let e = "Receive".parse::<Mode>().unwrap_err();
    assert!(e.to_string().contains("unknown station mode \"Receive\""));
    let mut s = Station::new(settings(), Mode::Lookup);
    assert_eq!(
        s.set_mode(Mode::Move),
        [
            Action::ModeChanged(Mode::Move),
            Action::Prompt("Scan a lot label".into())
        ]
    );
    assert_eq!(s.settings().station_id, "st-1");
}

#[test]
fn a_gid_epc_is_a_wrong_step() {
    let mut b = Bench::new(Mode::Receive);
    let epc = Epc {
        scheme: EpcScheme::Gid96,
        filter: None,
        pure_uri: "urn:epc:id:gid:1.2.3".to_owned(),
        tag_uri: None,
        ais: Vec::new(),
        data_toggle: None,
    };
    assert_eq!(
        the_rejection(&b.feed(Scan::Epc(epc))).code,
        ReasonCode::WrongStep
    );
}

// ---------------------------------------------------------------- with the rules

#[test]
fn moves_the_station_proposes_are_judged_as_the_rules_intend() {
    use crate::rules::{Context, judge};
    let ctx = Context::new(Date::constant(2025, 6, 1));
    let mut cases: Vec<(Mode, Vec<String>)> = vec![
        (
            Mode::Receive,
            vec![format!("]C101{FLOUR}172612311012345A{GS}21S0001")],
        ),
        (
            Mode::Issue,
            vec!["]C0WO-7".into(), lot_label(FLOUR, "F1", "3102000500")],
        ),
        (
            Mode::Produce,
            vec!["]C0WO-7".into(), lot_label(BREAD, "B1", "3024")],
        ),
        (
            Mode::Move,
            vec![lot_label(FLOUR, "F1", ""), "]C0LOC-B".into()],
        ),
        (
            Mode::Ship,
            vec!["]C0SH-3".into(), lot_label(FLOUR, "F1", "3002")],
        ),
        (Mode::Hold, vec![lot_label(FLOUR, "F2", "")]),
        (Mode::Split, vec![lot_label(FLOUR, "F1", "3102000750")]),
    ];
    cases.push((
        Mode::Merge,
        vec![
            lot_label(FLOUR, "F1", ""),
            lot_label(FLOUR, "F2", ""),
            "]C0CMD:DONE".into(),
        ],
    ));
    for (mode, scans) in cases {
        let mut b = Bench::new(mode);
        let mut out = Vec::new();
        for s in &scans {
            out = b.scan(s);
        }
        let mv = the_move(&out);
        let verdict = judge(&b.view, mv, &ctx);
        assert_eq!(verdict.outcome, Outcome::Accepted, "{mode}: {verdict:?}");
    }
    // A lot spread over two locations: the station does not guess the
    // source; it asks, and the move it then proposes is accepted.
    let mut b = Bench::new(Mode::Ship);
    b.scan("]C0SH-3");
    let out = b.scan(&lot_label(FLOUR, "F3", "305"));
    assert!(proposed(&out).is_empty());
    assert_eq!(
        prompts(&out),
        ["Lot F3 is at LOC-A: 5, LOC-LINE: 7; scan the location you take it from"]
    );
    let out = b.scan("]C0LOC-A");
    let mv = the_move(&out);
    assert_eq!(mv.from, Some(loc("LOC-A")));
    assert_eq!(mv.shipment.as_deref(), Some("SH-3"));
    assert_eq!(mv.scans.len(), 3);
    let ctx = Context::new(Date::constant(2026, 1, 10));
    // Recorded: a FEFO warning at most (lot F1 expires first), no refusal.
    let verdict = judge(&b.view, mv, &ctx);
    assert!(verdict.is_accepted(), "{verdict:?}");
    assert!(
        verdict
            .reasons
            .iter()
            .all(|r| r.code == ReasonCode::FefoViolation),
        "{verdict:?}"
    );
}

#[test]
fn a_held_issue_takes_its_source_by_gln_and_survives_a_badge_but_not_cancel() {
    let mut s = settings();
    s.production_location = loc("LOC-B");
    let mut b = Bench::with(s, Mode::Issue);
    b.scan("]C0WO-7");
    let out = b.scan(&lot_label(FLOUR, "F3", ""));
    assert!(proposed(&out).is_empty());
    // Anything but a location is a wrong step naming the choice.
    let r = the_rejection(&b.scan(&lot_label(FLOUR, "F1", ""))).clone();
    assert_eq!(
        r.text,
        "Not expected now; scan the location lot F3 is taken from (LOC-A: 5, LOC-LINE: 7)"
    );
    // A badge changes the operator and keeps the held move.
    b.scan("]C0OP-1");
    assert!(b.station.expecting().contains("lot F3 is taken from"));
    b.scan("]C0CMD:CANCEL");
    assert_eq!(b.station.expecting(), "scan a work order");

    // Held again, then resolved by the dock's GLN label (not stocked there:
    // refused) and by a location code.
    b.scan("]C0WO-7");
    b.scan(&lot_label(FLOUR, "F3", ""));
    let r = the_rejection(&b.scan(&format!("]C1414{GLN_DOCK}"))).clone();
    assert_eq!(r.code, ReasonCode::WrongLocation);
    assert!(r.text.contains("no stock at LOC-DOCK"), "{}", r.text);
    let out = b.scan("]C0LOC-LINE");
    let mv = the_move(&out);
    assert_eq!(
        (mv.kind, mv.from.clone()),
        (MoveKind::Issue, Some(loc("LOC-LINE")))
    );
    assert_eq!(mv.operator.as_deref(), Some("OP-1"));
}

// ---------------------------------------------------------------- property

fn pool() -> Vec<String> {
    vec![
        format!("]C101{FLOUR}172612311012345A{GS}21S0001"),
        format!("]C101{FLOUR}3102002500"),
        format!("]C101{FLOUR}1726050010LOT-77"),
        format!("]C101{FLOUR}1726050010B2"),
        format!("]C100{SSCC}02{YEAST}3740{GS}10Y1{GS}"),
        lot_label(FLOUR, "F1", ""),
        lot_label(FLOUR, "F3", "3102000750"),
        lot_label(FLOUR, "F4", "3005"),
        lot_label(YEAST, "Y1", "3702"),
        lot_label(BREAD, "B1", "17261231"),
        format!("]C101{BREAD}"),
        format!("]C100{SSCC}"),
        format!("]C1414{GLN_DOCK}"),
        "]C0WO-7".to_owned(),
        "]C0WO-8".to_owned(),
        "]C0WO-404".to_owned(),
        "]C0SH-3".to_owned(),
        "]C0LOC-B".to_owned(),
        "]C0OP-1".to_owned(),
        "]C0CMD:DONE".to_owned(),
        "]C0CMD:CANCEL".to_owned(),
        "]C0CMD:NOPE".to_owned(),
        "]C0CMD:RECEIVE".to_owned(),
        "]C0CMD:MERGE".to_owned(),
        "]C0CMD:SPLIT".to_owned(),
        "]C0hello".to_owned(),
        "]C10109506000134353".to_owned(),
        format!("https://id.example.com/01/{FLOUR}/10/ABC?17=270228"),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Scan(usize),
    Junk(Vec<u8>),
    Wait(u8),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..pool().len()).prop_map(Step::Scan),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Step::Junk),
        1 => any::<u8>().prop_map(Step::Wait),
    ]
}

proptest! {
    #[test]
    fn random_scan_sequences_never_panic_and_moves_carry_their_scans(
        start in 0..Mode::ALL.len(),
        steps in proptest::collection::vec(step(), 0..40),
    ) {
        let pool = pool();
        let mut b = Bench::new(Mode::ALL[start]);
        b.station.settings.receive_window = Duration::from_secs(20);
        for s in steps {
            let (raw, out) = match s {
                Step::Scan(i) => {
                    let raw = pool[i].clone().into_bytes();
                    let out = b.scan(&pool[i]);
                    (raw, out)
                }
                Step::Junk(bytes) => {
                    let scan = classify(decode(&bytes, &DecodeOptions::default()), &b.codes);
                    let record = b.record(&bytes);
                    let out = b.station.on_scan(scan, record, &b.view, b.now);
                    (bytes, out)
                }
                Step::Wait(secs) => {
                    b.wait(i64::from(secs));
                    let _ = b.station.on_tick(b.now);
                    continue;
                }
            };
            let last = format!("scanner-{}", b.seq);
            for mv in proposed(&out) {
                prop_assert!(!mv.scans.is_empty());
                prop_assert!(
                    mv.scans.iter().any(|r| r.source == last && r.raw == raw),
                    "the triggering scan is part of the move"
                );
                prop_assert_eq!(mv.operator.as_deref(), b.station.operator());
            }
            prop_assert!(!b.station.expecting().is_empty());
        }
    }
}
