//! Unit tests of the rules: every rule from both sides, every reason code,
//! the outcome logic, FEFO naming, expiry and tolerance edges, lot-number
//! canonicalisation, and a property test that `judge` never panics.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use proptest::prelude::*;

use super::*;
use crate::model::{
    BomLine, FefoPolicy, LotLine, LotNo, LotStatus, MoveKind, Outcome, Qty, ReasonCode,
    ShipmentLine, WorkOrderStatus,
};

// ---------------------------------------------------------------- fixture

const FLOUR: &str = "09506000134352";
const YEAST: &str = "09506000134369";
const SALT: &str = "09506000134376";
const PUMP: &str = "09506000134383";
const BREAD: &str = "09506000134390";

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn key(item: &str, lot: &str) -> LotKey {
    LotKey {
        item: ItemCode(item.to_owned()),
        lot: LotNo(lot.to_owned()),
    }
}

fn loc(s: &str) -> LocationCode {
    LocationCode(s.to_owned())
}

fn item(code: &str, unit: &str, fefo: FefoPolicy) -> Item {
    Item {
        code: ItemCode(code.to_owned()),
        description: String::new(),
        unit: unit.to_owned(),
        lot_controlled: true,
        serialised: false,
        shelf_life_days: None,
        incoming_status: LotStatus::Released,
        fefo,
    }
}

fn lot(
    item: &str,
    no: &str,
    status: LotStatus,
    expiry: Option<&str>,
    stock: &[(&str, i64)],
) -> Lot {
    Lot {
        key: key(item, no),
        status,
        supplier: None,
        supplier_lot: None,
        internal_lot: None,
        production_date: None,
        expiry_date: expiry.map(d),
        on_hand: stock
            .iter()
            .map(|(l, q)| (loc(l), Qty::units(*q)))
            .collect(),
        parents: Vec::new(),
        certificate: None,
        received_at: None,
    }
}

fn location(code: &str, accepts: &[LotStatus]) -> Location {
    Location {
        code: loc(code),
        description: String::new(),
        gln: None,
        accepts: accepts.to_vec(),
    }
}

fn base() -> MemView {
    let mut pump = item(PUMP, "ea", FefoPolicy::Off);
    pump.serialised = true;
    let mut a1 = location("LOC-A1", &[LotStatus::Released]);
    a1.gln = Some("4012345000016".to_owned());
    MemView::new()
        .with_item(item(FLOUR, "kg", FefoPolicy::Warn))
        .with_item(item(YEAST, "kg", FefoPolicy::Block))
        .with_item(item(SALT, "kg", FefoPolicy::Off))
        .with_item(item(BREAD, "kg", FefoPolicy::Warn))
        .with_item(pump)
        .with_location(a1)
        .with_location(location("LOC-B2", &[LotStatus::Released]))
        .with_location(location("LINE-1", &[LotStatus::Released]))
        .with_location(location(
            "QC-CAGE",
            &[
                LotStatus::Quarantine,
                LotStatus::Hold,
                LotStatus::Rejected,
                LotStatus::Recalled,
            ],
        ))
        .with_location(location(
            "DOCK-IN",
            &[LotStatus::Released, LotStatus::Quarantine],
        ))
        .with_lot(lot(
            FLOUR,
            "2024-0711",
            LotStatus::Released,
            Some("2026-03-02"),
            &[("LOC-A1", 100)],
        ))
        .with_lot(lot(
            FLOUR,
            "2024-0847",
            LotStatus::Released,
            Some("2026-06-30"),
            &[("LOC-B2", 50)],
        ))
        .with_lot(lot(
            SALT,
            "S-1",
            LotStatus::Released,
            None,
            &[("LOC-A1", 20)],
        ))
        .with_lot(lot(
            YEAST,
            "Y-1",
            LotStatus::Released,
            Some("2026-04-01"),
            &[("LOC-A1", 5)],
        ))
        .with_lot(lot(
            YEAST,
            "Y-2",
            LotStatus::Released,
            Some("2026-05-01"),
            &[("LOC-A1", 5)],
        ))
        .with_lot(lot(
            PUMP,
            "P-1",
            LotStatus::Released,
            None,
            &[("LOC-A1", 3)],
        ))
        .with_work_order(WorkOrder {
            id: "WO-17".to_owned(),
            output_item: ItemCode(BREAD.to_owned()),
            bom: vec![
                BomLine {
                    item: ItemCode(FLOUR.to_owned()),
                    qty: Qty::units(200),
                    tolerance_pct: 5,
                },
                BomLine {
                    item: ItemCode(SALT.to_owned()),
                    qty: Qty::units(10),
                    tolerance_pct: 0,
                },
                BomLine {
                    item: ItemCode(YEAST.to_owned()),
                    qty: Qty::units(10),
                    tolerance_pct: 0,
                },
            ],
            status: WorkOrderStatus::Released,
            issued: BTreeMap::from([(ItemCode(FLOUR.to_owned()), Qty::units(100))]),
            issued_lots: Vec::new(),
        })
        .with_work_order(WorkOrder {
            id: "WO-9".to_owned(),
            output_item: ItemCode(BREAD.to_owned()),
            bom: Vec::new(),
            status: WorkOrderStatus::Closed,
            issued: BTreeMap::new(),
            issued_lots: Vec::new(),
        })
        .with_shipment(Shipment {
            id: "SHIP-1".to_owned(),
            customer: "4098765000007".to_owned(),
            lines: vec![
                ShipmentLine {
                    item: ItemCode(FLOUR.to_owned()),
                    qty: Qty::units(10),
                },
                ShipmentLine {
                    item: ItemCode(PUMP.to_owned()),
                    qty: Qty::units(1),
                },
            ],
            shipped: Vec::new(),
        })
        .with_serial(ItemCode(PUMP.to_owned()), "SN1", SerialState::InStock)
        .with_serial(ItemCode(PUMP.to_owned()), "SN2", SerialState::Shipped)
}

fn ctx() -> Context {
    Context::new(d("2026-01-10"))
}

fn line(item: &str, lot: &str, units: i64) -> LotLine {
    LotLine {
        lot: key(item, lot),
        qty: Qty::units(units),
        serial: None,
    }
}

fn serial_line(lot: &str, serial: &str) -> LotLine {
    LotLine {
        lot: key(PUMP, lot),
        qty: Qty::units(1),
        serial: Some(serial.to_owned()),
    }
}

fn mv(kind: MoveKind, lines: Vec<LotLine>) -> Move {
    Move {
        kind,
        lines,
        from: None,
        to: None,
        work_order: None,
        shipment: None,
        new_lot: None,
        operator: None,
        scans: Vec::new(),
    }
}

/// Issue to WO-17 from LOC-A1.
fn issue(lines: Vec<LotLine>) -> Move {
    Move {
        from: Some(loc("LOC-A1")),
        work_order: Some("WO-17".to_owned()),
        ..mv(MoveKind::Issue, lines)
    }
}

/// Ship on SHIP-1 from LOC-A1.
fn ship(lines: Vec<LotLine>) -> Move {
    Move {
        from: Some(loc("LOC-A1")),
        shipment: Some("SHIP-1".to_owned()),
        ..mv(MoveKind::Ship, lines)
    }
}

/// Relocate from `from` to `to`.
fn relocate(lines: Vec<LotLine>, from: &str, to: &str) -> Move {
    Move {
        from: Some(loc(from)),
        to: Some(loc(to)),
        ..mv(MoveKind::Move, lines)
    }
}

/// Receive into DOCK-IN, with the new lot's label data.
fn receive(new: Lot, units: i64) -> Move {
    Move {
        to: Some(loc("DOCK-IN")),
        lines: vec![LotLine {
            lot: new.key.clone(),
            qty: Qty::units(units),
            serial: None,
        }],
        new_lot: Some(new),
        ..mv(MoveKind::Receive, Vec::new())
    }
}

/// A produce on WO-17 into LINE-1 of `output` from `inputs` taken at LOC-A1.
fn produce(output: Option<Lot>, lines: Vec<LotLine>) -> Move {
    Move {
        from: Some(loc("LOC-A1")),
        to: Some(loc("LINE-1")),
        work_order: Some("WO-17".to_owned()),
        new_lot: output,
        ..mv(MoveKind::Produce, lines)
    }
}

fn codes(v: &Verdict) -> Vec<ReasonCode> {
    v.reasons.iter().map(|r| r.code).collect()
}

fn texts(v: &Verdict) -> Vec<&str> {
    v.reasons.iter().map(|r| r.text.as_str()).collect()
}

fn judge_base(m: &Move) -> Verdict {
    judge(&base(), m, &ctx())
}

#[track_caller]
fn assert_accepted(v: &Verdict) {
    assert_eq!(v.outcome, Outcome::Accepted, "{:?}", v.reasons);
    assert!(v.reasons.is_empty());
}

#[track_caller]
fn assert_only(v: &Verdict, outcome: Outcome, code: ReasonCode) {
    assert_eq!(v.outcome, outcome, "{:?}", v.reasons);
    assert_eq!(codes(v), vec![code], "{:?}", v.reasons);
}

// ---------------------------------------------------------------- outcome

#[test]
fn a_clean_issue_of_the_first_expiring_lot_is_accepted_without_reasons() {
    assert_accepted(&judge_base(&issue(vec![line(FLOUR, "2024-0711", 10)])));
}

#[test]
fn findings_without_reasons_give_an_accept() {
    assert_accepted(&Findings::new().into_verdict());
}

#[test]
fn any_warning_without_rejection_gives_a_warning() {
    let lot = LotNo("A".to_owned());
    let mut f = Findings::new();
    f.warn(&Fact::ExpiresSoon {
        lot: &lot,
        on: d("2026-01-11"),
        days: 1,
    });
    f.warn(&Fact::MixedLots);
    let v = f.into_verdict();
    assert_eq!(v.outcome, Outcome::Warning);
    assert_eq!(
        codes(&v),
        vec![ReasonCode::LotExpiresSoon, ReasonCode::MixedLots]
    );
}

#[test]
fn any_rejection_wins_and_rejections_come_before_warnings_in_finding_order() {
    let lot = LotNo("A".to_owned());
    let mut f = Findings::new();
    f.warn(&Fact::MixedLots);
    f.reject(&Fact::OnHold { lot: &lot });
    f.warn(&Fact::SupervisorRequired);
    f.reject(&Fact::Quarantined { lot: &lot });
    let v = f.into_verdict();
    assert_eq!(v.outcome, Outcome::Rejected);
    assert_eq!(
        codes(&v),
        vec![
            ReasonCode::LotOnHold,
            ReasonCode::LotQuarantined,
            ReasonCode::MixedLots,
            ReasonCode::SupervisorRequired,
        ]
    );
}

#[test]
fn a_repeated_reason_appears_once_at_its_most_severe() {
    let lot = LotNo("A".to_owned());
    let mut f = Findings::new();
    f.warn(&Fact::OnHold { lot: &lot });
    f.reject(&Fact::OnHold { lot: &lot });
    f.warn(&Fact::OnHold { lot: &lot });
    let v = f.into_verdict();
    assert_only(&v, Outcome::Rejected, ReasonCode::LotOnHold);
}

#[test]
fn the_same_move_always_gets_the_same_verdict() {
    let m = issue(vec![
        line(FLOUR, "2024-0847", 60),
        line(FLOUR, "nope", 1),
        line(SALT, "S-1", 50),
    ]);
    let first = judge_base(&m);
    assert_eq!(first.outcome, Outcome::Rejected);
    for _ in 0..5 {
        assert_eq!(judge_base(&m), first);
    }
}

// ---------------------------------------------------------------- unknowns

#[test]
fn an_unknown_lot_is_rejected_under_the_reject_policy() {
    let v = judge_base(&issue(vec![line(FLOUR, "2099-0001", 1)]));
    assert_only(&v, Outcome::Rejected, ReasonCode::UnknownLot);
    assert_eq!(
        texts(&v),
        vec!["Lot 2099-0001 is not known here; check the label"]
    );
}

#[test]
fn an_unknown_lot_is_a_warning_when_accepted_provisionally() {
    let c = Context {
        unknown_lot: UnknownLotPolicy::AcceptProvisionally,
        ..ctx()
    };
    let v = judge(&base(), &issue(vec![line(FLOUR, "2099-0001", 1)]), &c);
    assert_only(&v, Outcome::Warning, ReasonCode::UnknownLot);
    assert_eq!(
        texts(&v),
        vec!["Lot 2099-0001 is new here; accepted provisionally"]
    );
}

#[test]
fn an_unknown_item_is_reported_instead_of_its_lot_and_follows_the_policy() {
    let m = issue(vec![line("00000000000017", "X", 1)]);
    let v = judge_base(&m);
    // Not in the BOM either: the item is unknown to the work order too.
    assert_eq!(
        codes(&v),
        vec![ReasonCode::UnknownItem, ReasonCode::NotInBom]
    );
    let c = Context {
        unknown_lot: UnknownLotPolicy::AcceptProvisionally,
        ..ctx()
    };
    let m = relocate(vec![line("00000000000017", "X", 1)], "LOC-A1", "LOC-B2");
    let v = judge(&base(), &m, &c);
    assert_only(&v, Outcome::Warning, ReasonCode::UnknownItem);
}

#[test]
fn an_unknown_location_is_rejected_whether_from_or_to() {
    let v = judge_base(&relocate(
        vec![line(FLOUR, "2024-0711", 1)],
        "LOC-ZZ",
        "LOC-B2",
    ));
    assert_only(&v, Outcome::Rejected, ReasonCode::UnknownLocation);
    assert_eq!(texts(&v), vec!["Location LOC-ZZ is not known here"]);
    let v = judge_base(&relocate(
        vec![line(FLOUR, "2024-0711", 1)],
        "LOC-A1",
        "LOC-ZZ",
    ));
    assert_only(&v, Outcome::Rejected, ReasonCode::UnknownLocation);
}

#[test]
fn a_location_scanned_by_its_gln_is_found() {
    let v = judge_base(&relocate(
        vec![line(FLOUR, "2024-0711", 1)],
        "4012345000016",
        "LOC-B2",
    ));
    assert_accepted(&v);
}

#[test]
fn an_issue_without_a_work_order_asks_for_one_and_an_unknown_one_is_rejected() {
    let m = Move {
        work_order: None,
        ..issue(vec![line(FLOUR, "2024-0711", 1)])
    };
    let v = judge_base(&m);
    assert_only(&v, Outcome::Rejected, ReasonCode::UnknownWorkOrder);
    assert_eq!(texts(&v), vec!["Scan a work order first"]);
    let m = Move {
        work_order: Some("WO-404".to_owned()),
        ..issue(vec![line(FLOUR, "2024-0711", 1)])
    };
    let v = judge_base(&m);
    assert_eq!(texts(&v), vec!["Work order WO-404 is not known here"]);
}

#[test]
fn a_shipment_is_needed_to_ship_and_an_unknown_one_is_rejected() {
    let m = Move {
        shipment: None,
        ..ship(vec![line(FLOUR, "2024-0711", 1)])
    };
    let v = judge_base(&m);
    assert_only(&v, Outcome::Rejected, ReasonCode::UnknownShipment);
    assert_eq!(texts(&v), vec!["Scan a shipment first"]);
    let m = Move {
        shipment: Some("SHIP-404".to_owned()),
        ..ship(vec![line(FLOUR, "2024-0711", 1)])
    };
    assert_only(
        &judge_base(&m),
        Outcome::Rejected,
        ReasonCode::UnknownShipment,
    );
}

// ---------------------------------------------------------------- status

fn with_status(status: LotStatus) -> MemView {
    base().with_lot(lot(
        FLOUR,
        "2024-0847",
        status,
        Some("2026-03-01"),
        &[("LOC-A1", 50)],
    ))
}

#[test]
fn issuing_a_quarantined_lot_is_rejected_with_its_lot_number() {
    let v = judge(
        &with_status(LotStatus::Quarantine),
        &issue(vec![line(FLOUR, "2024-0847", 10)]),
        &ctx(),
    );
    assert_only(&v, Outcome::Rejected, ReasonCode::LotQuarantined);
    assert_eq!(texts(&v), vec!["Lot 2024-0847 is in quarantine"]);
}

#[test]
fn every_blocked_status_is_refused_for_issue_ship_and_production_input() {
    let cases = [
        (LotStatus::Quarantine, ReasonCode::LotQuarantined),
        (LotStatus::Hold, ReasonCode::LotOnHold),
        (LotStatus::Rejected, ReasonCode::LotRejected),
        (LotStatus::Recalled, ReasonCode::LotRecalled),
        (LotStatus::Consumed, ReasonCode::LotConsumed),
    ];
    let output = lot(BREAD, "B-1", LotStatus::Released, None, &[]);
    let mut composite = output.clone();
    composite.parents = vec![key(FLOUR, "2024-0847")];
    for (status, code) in cases {
        let view = with_status(status);
        let moves = [
            issue(vec![line(FLOUR, "2024-0847", 10)]),
            ship(vec![line(FLOUR, "2024-0847", 10)]),
            produce(
                Some(composite.clone()),
                vec![line(FLOUR, "2024-0847", 10), line(BREAD, "B-1", 10)],
            ),
        ];
        for m in &moves {
            let v = judge(&view, m, &ctx());
            assert_eq!(v.outcome, Outcome::Rejected, "{status:?} {:?}", m.kind);
            assert_eq!(codes(&v).first(), Some(&code), "{status:?} {:?}", m.kind);
        }
    }
}

#[test]
fn a_released_lot_may_be_issued_shipped_and_used_in_production() {
    let view = with_status(LotStatus::Released);
    let mut composite = lot(BREAD, "B-1", LotStatus::Released, None, &[]);
    composite.parents = vec![key(FLOUR, "2024-0847"), key(FLOUR, "2024-0711")];
    let c = Context {
        expiry_warning_days: 0,
        ..ctx()
    };
    // 2024-0847 now expires 2026-03-01, before 2024-0711.
    assert_accepted(&judge(
        &view,
        &issue(vec![line(FLOUR, "2024-0847", 10)]),
        &c,
    ));
    assert_accepted(&judge(&view, &ship(vec![line(FLOUR, "2024-0847", 10)]), &c));
    assert_accepted(&judge(
        &view,
        &produce(
            Some(composite),
            vec![
                line(FLOUR, "2024-0847", 10),
                line(FLOUR, "2024-0711", 10),
                line(BREAD, "B-1", 10),
            ],
        ),
        &c,
    ));
}

#[test]
fn moving_a_quarantined_lot_into_the_quarantine_cage_is_allowed() {
    let v = judge(
        &with_status(LotStatus::Quarantine),
        &relocate(vec![line(FLOUR, "2024-0847", 50)], "LOC-A1", "QC-CAGE"),
        &ctx(),
    );
    assert_accepted(&v);
}

#[test]
fn moving_a_quarantined_lot_onto_a_released_shelf_is_refused() {
    let v = judge(
        &with_status(LotStatus::Quarantine),
        &relocate(vec![line(FLOUR, "2024-0847", 50)], "LOC-A1", "LOC-B2"),
        &ctx(),
    );
    assert_only(&v, Outcome::Rejected, ReasonCode::LocationRefusesStatus);
    assert_eq!(
        texts(&v),
        vec!["LOC-B2 does not take quarantine lots (lot 2024-0847)"]
    );
}

#[test]
fn a_hold_may_put_a_lot_in_the_cage_but_not_on_a_released_shelf() {
    let hold = |to: &str| Move {
        from: Some(loc("LOC-A1")),
        to: Some(loc(to)),
        ..mv(MoveKind::Hold, vec![line(FLOUR, "2024-0711", 100)])
    };
    assert_accepted(&judge_base(&hold("QC-CAGE")));
    let v = judge_base(&hold("LOC-B2"));
    assert_only(&v, Outcome::Rejected, ReasonCode::LocationRefusesStatus);
    assert_eq!(
        texts(&v),
        vec!["LOC-B2 does not take hold lots (lot 2024-0711)"]
    );
}

#[test]
fn holding_a_consumed_lot_is_refused() {
    let view = with_status(LotStatus::Consumed);
    let v = judge(
        &view,
        &mv(MoveKind::Hold, vec![line(FLOUR, "2024-0847", 0)]),
        &ctx(),
    );
    assert_only(&v, Outcome::Rejected, ReasonCode::LotConsumed);
    assert_eq!(texts(&v), vec!["Lot 2024-0847 is used up"]);
}

#[test]
fn a_release_needs_a_supervisor_when_configured() {
    let view = with_status(LotStatus::Quarantine);
    let m = mv(MoveKind::Release, vec![line(FLOUR, "2024-0847", 50)]);
    let v = judge(&view, &m, &ctx());
    assert_only(&v, Outcome::Rejected, ReasonCode::SupervisorRequired);
    assert_eq!(texts(&v), vec!["A supervisor must scan their badge"]);
    let with_badge = Context {
        supervisor_present: true,
        ..ctx()
    };
    assert_accepted(&judge(&view, &m, &with_badge));
    let not_required = Context {
        release_requires_supervisor: false,
        ..ctx()
    };
    assert_accepted(&judge(&view, &m, &not_required));
}

#[test]
fn a_recalled_or_rejected_lot_cannot_be_released() {
    let c = Context {
        supervisor_present: true,
        ..ctx()
    };
    for (status, code) in [
        (LotStatus::Recalled, ReasonCode::LotRecalled),
        (LotStatus::Rejected, ReasonCode::LotRejected),
    ] {
        let v = judge(
            &with_status(status),
            &mv(MoveKind::Release, vec![line(FLOUR, "2024-0847", 50)]),
            &c,
        );
        assert_only(&v, Outcome::Rejected, code);
    }
    let v = judge(
        &with_status(LotStatus::Recalled),
        &mv(MoveKind::Release, vec![line(FLOUR, "2024-0847", 50)]),
        &c,
    );
    assert_eq!(texts(&v), vec!["Lot 2024-0847 is recalled; set it aside"]);
}

#[test]
fn a_release_into_a_location_checks_the_released_status_there() {
    let view = with_status(LotStatus::Quarantine);
    let c = Context {
        supervisor_present: true,
        ..ctx()
    };
    let m = |to: &str| Move {
        from: Some(loc("LOC-A1")),
        to: Some(loc(to)),
        ..mv(MoveKind::Release, vec![line(FLOUR, "2024-0847", 50)])
    };
    assert_accepted(&judge(&view, &m("LOC-B2"), &c));
    assert_only(
        &judge(&view, &m("QC-CAGE"), &c),
        Outcome::Rejected,
        ReasonCode::LocationRefusesStatus,
    );
}

#[test]
fn a_split_may_carry_a_held_status_into_the_new_lot_but_not_release_it() {
    let view = with_status(LotStatus::Hold);
    let split = |status: LotStatus| {
        let mut new = lot(FLOUR, "2024-0847-S", status, Some("2026-03-01"), &[]);
        new.parents = vec![key(FLOUR, "2024-0847")];
        Move {
            from: Some(loc("LOC-A1")),
            new_lot: Some(new),
            ..mv(
                MoveKind::Split,
                vec![line(FLOUR, "2024-0847", 5), line(FLOUR, "2024-0847-S", 5)],
            )
        }
    };
    let c = Context {
        expiry_warning_days: 0,
        ..ctx()
    };
    assert_accepted(&judge(&view, &split(LotStatus::Hold), &c));
    assert_only(
        &judge(&view, &split(LotStatus::Released), &c),
        Outcome::Rejected,
        ReasonCode::LotOnHold,
    );
}

// ---------------------------------------------------------------- expiry

fn expiring(expiry: &str) -> MemView {
    base()
        .with_item(item(SALT, "kg", FefoPolicy::Off))
        .with_lot(lot(
            SALT,
            "S-1",
            LotStatus::Released,
            Some(expiry),
            &[("LOC-A1", 20)],
        ))
}

fn issue_salt(view: &MemView, c: &Context) -> Verdict {
    judge(view, &issue(vec![line(SALT, "S-1", 1)]), c)
}

#[test]
fn issuing_a_lot_that_expired_yesterday_is_rejected() {
    let v = issue_salt(&expiring("2026-01-09"), &ctx());
    assert_only(&v, Outcome::Rejected, ReasonCode::LotExpired);
    assert_eq!(texts(&v), vec!["Lot S-1 expired on 2026-01-09"]);
}

#[test]
fn a_lot_expiring_today_is_still_usable_with_a_warning() {
    let v = issue_salt(&expiring("2026-01-10"), &ctx());
    assert_only(&v, Outcome::Warning, ReasonCode::LotExpiresSoon);
    assert_eq!(texts(&v), vec!["Lot S-1 expires today (2026-01-10)"]);
}

#[test]
fn a_lot_expiring_tomorrow_warns_with_tomorrow() {
    let v = issue_salt(&expiring("2026-01-11"), &ctx());
    assert_only(&v, Outcome::Warning, ReasonCode::LotExpiresSoon);
    assert_eq!(texts(&v), vec!["Lot S-1 expires tomorrow (2026-01-11)"]);
}

#[test]
fn the_warning_window_includes_its_last_day_and_not_the_day_after() {
    // 30 days after 2026-01-10.
    let v = issue_salt(&expiring("2026-02-09"), &ctx());
    assert_only(&v, Outcome::Warning, ReasonCode::LotExpiresSoon);
    assert_eq!(texts(&v), vec!["Lot S-1 expires 2026-02-09 (in 30 days)"]);
    assert_accepted(&issue_salt(&expiring("2026-02-10"), &ctx()));
}

#[test]
fn a_zero_day_window_warns_only_on_the_expiry_day() {
    let c = Context {
        expiry_warning_days: 0,
        ..ctx()
    };
    assert_only(
        &issue_salt(&expiring("2026-01-10"), &c),
        Outcome::Warning,
        ReasonCode::LotExpiresSoon,
    );
    assert_accepted(&issue_salt(&expiring("2026-01-11"), &c));
}

#[test]
fn shipping_an_expired_lot_is_rejected() {
    let view = base().with_lot(lot(
        FLOUR,
        "2024-0711",
        LotStatus::Released,
        Some("2025-12-31"),
        &[("LOC-A1", 100)],
    ));
    let v = judge(&view, &ship(vec![line(FLOUR, "2024-0711", 1)]), &ctx());
    assert_only(&v, Outcome::Rejected, ReasonCode::LotExpired);
}

#[test]
fn receiving_an_already_expired_lot_is_rejected_and_one_near_expiry_warns() {
    let new = lot(
        FLOUR,
        "2025-0001",
        LotStatus::Released,
        Some("2026-01-09"),
        &[],
    );
    let v = judge_base(&receive(new, 10));
    assert_only(&v, Outcome::Rejected, ReasonCode::LotExpired);
    let new = lot(
        FLOUR,
        "2025-0001",
        LotStatus::Released,
        Some("2026-01-20"),
        &[],
    );
    let v = judge_base(&receive(new, 10));
    assert_only(&v, Outcome::Warning, ReasonCode::LotExpiresSoon);
    let new = lot(
        FLOUR,
        "2025-0001",
        LotStatus::Released,
        Some("2027-01-20"),
        &[],
    );
    assert_accepted(&judge_base(&receive(new, 10)));
}

#[test]
fn without_a_printed_expiry_the_shelf_life_from_production_counts() {
    let mut salt = item(SALT, "kg", FefoPolicy::Off);
    salt.shelf_life_days = Some(10);
    let mut s = lot(SALT, "S-1", LotStatus::Released, None, &[("LOC-A1", 20)]);
    s.production_date = Some(d("2025-12-30"));
    let view = base().with_item(salt.clone()).with_lot(s.clone());
    let v = issue_salt(&view, &ctx());
    assert_only(&v, Outcome::Rejected, ReasonCode::LotExpired);
    assert_eq!(texts(&v), vec!["Lot S-1 expired on 2026-01-09"]);
    s.production_date = Some(d("2025-12-31"));
    let view = base().with_item(salt).with_lot(s);
    assert_only(
        &issue_salt(&view, &ctx()),
        Outcome::Warning,
        ReasonCode::LotExpiresSoon,
    );
}

#[test]
fn an_expired_lot_may_still_be_relocated_to_the_cage_or_adjusted() {
    let view = base().with_lot(lot(
        FLOUR,
        "2024-0711",
        LotStatus::Released,
        Some("2025-12-31"),
        &[("LOC-A1", 100)],
    ));
    let m = relocate(vec![line(FLOUR, "2024-0711", 100)], "LOC-A1", "LOC-B2");
    assert_accepted(&judge(&view, &m, &ctx()));
    let adjust = Move {
        from: Some(loc("LOC-A1")),
        ..mv(MoveKind::Adjust, vec![line(FLOUR, "2024-0711", -100)])
    };
    assert_accepted(&judge(&view, &adjust, &ctx()));
}

// ---------------------------------------------------------------- FEFO

#[test]
fn issuing_a_later_lot_warns_naming_the_earlier_lot_its_expiry_and_location() {
    let m = Move {
        from: Some(loc("LOC-B2")),
        ..issue(vec![line(FLOUR, "2024-0847", 10)])
    };
    let v = judge_base(&m);
    assert_only(&v, Outcome::Warning, ReasonCode::FefoViolation);
    assert_eq!(
        texts(&v),
        vec!["Use lot 2024-0711 first (expires 2026-03-02, at LOC-A1)"]
    );
}

#[test]
fn a_block_policy_turns_the_fefo_violation_into_a_rejection() {
    let v = judge_base(&issue(vec![line(YEAST, "Y-2", 1)]));
    assert_only(&v, Outcome::Rejected, ReasonCode::FefoViolation);
    assert_eq!(
        texts(&v),
        vec!["Use lot Y-1 first (expires 2026-04-01, at LOC-A1)"]
    );
    assert_accepted(&judge_base(&issue(vec![line(YEAST, "Y-1", 1)])));
}

#[test]
fn an_off_policy_does_not_check_fefo() {
    let view = base().with_item(item(FLOUR, "kg", FefoPolicy::Off));
    let m = Move {
        from: Some(loc("LOC-B2")),
        ..issue(vec![line(FLOUR, "2024-0847", 10)])
    };
    assert_accepted(&judge(&view, &m, &ctx()));
}

#[test]
fn fefo_skips_held_expired_and_empty_lots_and_names_the_first_usable_one() {
    let view = base()
        .with_lot(lot(
            FLOUR,
            "2024-0500",
            LotStatus::Hold,
            Some("2026-01-20"),
            &[("LOC-A1", 5)],
        ))
        .with_lot(lot(
            FLOUR,
            "2024-0400",
            LotStatus::Released,
            Some("2026-01-05"),
            &[("LOC-A1", 5)],
        ))
        .with_lot(lot(
            FLOUR,
            "2024-0600",
            LotStatus::Released,
            Some("2026-02-01"),
            &[],
        ))
        .with_lot(lot(
            FLOUR,
            "2024-0650",
            LotStatus::Released,
            Some("2026-02-20"),
            &[("LOC-B2", 1)],
        ));
    let m = Move {
        from: Some(loc("LOC-B2")),
        ..issue(vec![line(FLOUR, "2024-0847", 10)])
    };
    let v = judge(&view, &m, &ctx());
    assert_eq!(
        texts(&v),
        vec!["Use lot 2024-0650 first (expires 2026-02-20, at LOC-B2)"]
    );
}

#[test]
fn fefo_prefers_naming_the_scanned_location_when_the_earlier_lot_is_there() {
    let view = base().with_lot(lot(
        FLOUR,
        "2024-0711",
        LotStatus::Released,
        Some("2026-03-02"),
        &[("LOC-A1", 100), ("LOC-B2", 7)],
    ));
    let m = Move {
        from: Some(loc("LOC-B2")),
        ..issue(vec![line(FLOUR, "2024-0847", 10)])
    };
    assert_eq!(
        texts(&judge(&view, &m, &ctx())),
        vec!["Use lot 2024-0711 first (expires 2026-03-02, at LOC-B2)"]
    );
}

#[test]
fn lots_with_the_same_expiry_are_not_a_fefo_violation() {
    let view = base().with_lot(lot(
        FLOUR,
        "2024-0847",
        LotStatus::Released,
        Some("2026-03-02"),
        &[("LOC-B2", 50)],
    ));
    let m = Move {
        from: Some(loc("LOC-B2")),
        ..issue(vec![line(FLOUR, "2024-0847", 10)])
    };
    assert_accepted(&judge(&view, &m, &ctx()));
}

#[test]
fn without_expiries_the_lot_received_first_goes_first() {
    let mut early = lot(SALT, "S-0", LotStatus::Released, None, &[("LOC-B2", 5)]);
    early.received_at = Some(ts("2025-11-01T08:00:00Z"));
    let mut late = lot(SALT, "S-1", LotStatus::Released, None, &[("LOC-A1", 20)]);
    late.received_at = Some(ts("2025-12-01T08:00:00Z"));
    let view = base()
        .with_item(item(SALT, "kg", FefoPolicy::Warn))
        .with_lot(early)
        .with_lot(late);
    let v = judge(&view, &issue(vec![line(SALT, "S-1", 1)]), &ctx());
    assert_only(&v, Outcome::Warning, ReasonCode::FefoViolation);
    assert_eq!(
        texts(&v),
        vec!["Use lot S-0 first (received earlier, at LOC-B2)"]
    );
    assert_accepted(&judge(
        &view,
        &Move {
            from: Some(loc("LOC-B2")),
            ..issue(vec![line(SALT, "S-0", 1)])
        },
        &ctx(),
    ));
}

#[test]
fn a_lot_with_an_expiry_goes_before_one_without() {
    let view = base()
        .with_item(item(SALT, "kg", FefoPolicy::Warn))
        .with_lot(lot(
            SALT,
            "S-0",
            LotStatus::Released,
            Some("2027-01-01"),
            &[("LOC-B2", 5)],
        ));
    let v = judge(&view, &issue(vec![line(SALT, "S-1", 1)]), &ctx());
    assert_eq!(
        texts(&v),
        vec!["Use lot S-0 first (expires 2027-01-01, at LOC-B2)"]
    );
}

#[test]
fn issuing_the_earlier_and_the_later_lot_together_is_not_a_violation() {
    let m = Move {
        from: None,
        ..issue(vec![
            line(FLOUR, "2024-0711", 5),
            line(FLOUR, "2024-0847", 5),
        ])
    };
    assert_accepted(&judge_base(&m));
}

#[test]
fn fefo_applies_to_shipping_too() {
    let m = Move {
        from: Some(loc("LOC-B2")),
        ..ship(vec![line(FLOUR, "2024-0847", 10)])
    };
    assert_only(&judge_base(&m), Outcome::Warning, ReasonCode::FefoViolation);
}

#[test]
fn fefo_names_the_earliest_of_several_earlier_lots_even_past_the_first_lookup() {
    // Three held lots first, then two usable earlier lots.
    let mut view = base();
    for (no, exp) in [
        ("H-1", "2026-01-11"),
        ("H-2", "2026-01-12"),
        ("H-3", "2026-01-13"),
    ] {
        view.insert_lot(lot(
            FLOUR,
            no,
            LotStatus::Hold,
            Some(exp),
            &[("QC-CAGE", 1)],
        ));
    }
    view.insert_lot(lot(
        FLOUR,
        "2024-0701",
        LotStatus::Released,
        Some("2026-02-25"),
        &[("LOC-A1", 1)],
    ));
    let m = Move {
        from: Some(loc("LOC-B2")),
        ..issue(vec![line(FLOUR, "2024-0847", 10)])
    };
    assert_eq!(
        texts(&judge(&view, &m, &ctx())),
        vec!["Use lot 2024-0701 first (expires 2026-02-25, at LOC-A1)"]
    );
    // A lookahead that stops before the usable lot finds nothing.
    let short = Context {
        fefo_lookahead: 3,
        ..ctx()
    };
    assert_accepted(&judge(&view, &m, &short));
}

// ---------------------------------------------------------------- BOM

#[test]
fn an_item_outside_the_bom_is_rejected() {
    let v = judge_base(&issue(vec![line(PUMP, "P-1", 1)]));
    assert_only(&v, Outcome::Rejected, ReasonCode::NotInBom);
    assert_eq!(
        texts(&v),
        vec!["Item 09506000134383 is not in the BOM of WO-17"]
    );
}

#[test]
fn issuing_up_to_the_tolerance_edge_is_accepted_and_beyond_it_rejected() {
    // 200 kg + 5 % = 210 kg; 100 kg issued so far; 100 kg at LOC-A1.
    let view = base().with_lot(lot(
        FLOUR,
        "2024-0711",
        LotStatus::Released,
        Some("2026-03-02"),
        &[("LOC-A1", 200)],
    ));
    assert_accepted(&judge(
        &view,
        &issue(vec![line(FLOUR, "2024-0711", 110)]),
        &ctx(),
    ));
    let over = issue(vec![LotLine {
        lot: key(FLOUR, "2024-0711"),
        qty: Qty(110_001),
        serial: None,
    }]);
    let v = judge(&view, &over, &ctx());
    assert_only(&v, Outcome::Rejected, ReasonCode::OverIssue);
    assert_eq!(
        texts(&v),
        vec!["Over-issue of 09506000134352 on WO-17: 210.001 kg > 210 kg allowed"]
    );
}

#[test]
fn over_issue_adds_up_lines_of_the_same_item_in_one_move() {
    // SALT: 10 kg planned, 0 % tolerance, nothing issued.
    let view = base().with_lot(lot(
        SALT,
        "S-2",
        LotStatus::Released,
        None,
        &[("LOC-A1", 20)],
    ));
    let m = issue(vec![line(SALT, "S-1", 6), line(SALT, "S-2", 5)]);
    assert_only(
        &judge(&view, &m, &ctx()),
        Outcome::Rejected,
        ReasonCode::OverIssue,
    );
    let m = issue(vec![line(SALT, "S-1", 5), line(SALT, "S-2", 5)]);
    assert_accepted(&judge(&view, &m, &ctx()));
}

#[test]
fn nothing_is_issued_to_or_produced_on_a_closed_work_order() {
    let m = Move {
        work_order: Some("WO-9".to_owned()),
        ..issue(vec![line(FLOUR, "2024-0711", 1)])
    };
    let v = judge_base(&m);
    assert_eq!(
        codes(&v),
        vec![ReasonCode::WorkOrderClosed, ReasonCode::NotInBom]
    );
    assert_eq!(texts(&v).first(), Some(&"Work order WO-9 is closed"));
    let p = Move {
        work_order: Some("WO-9".to_owned()),
        ..produce(None, vec![line(BREAD, "B-1", 10)])
    };
    assert_only(
        &judge_base(&p),
        Outcome::Rejected,
        ReasonCode::WorkOrderClosed,
    );
}

// ---------------------------------------------------------------- quantity

#[test]
fn taking_more_than_the_lot_has_at_the_location_is_rejected() {
    let m = Move {
        from: Some(loc("LOC-B2")),
        ..relocate(vec![line(FLOUR, "2024-0847", 51)], "LOC-B2", "LOC-A1")
    };
    let v = judge_base(&m);
    assert_only(&v, Outcome::Rejected, ReasonCode::InsufficientQuantity);
    assert_eq!(texts(&v), vec!["Only 50 kg of lot 2024-0847 at LOC-B2"]);
    let m = relocate(vec![line(FLOUR, "2024-0847", 50)], "LOC-B2", "LOC-A1");
    assert_accepted(&judge_base(&m));
}

#[test]
fn without_a_from_location_the_total_on_hand_counts() {
    let view = base().with_lot(lot(
        FLOUR,
        "2024-0711",
        LotStatus::Released,
        Some("2026-03-02"),
        &[("LOC-A1", 60), ("LOC-B2", 40)],
    ));
    let m = Move {
        from: None,
        ..issue(vec![line(FLOUR, "2024-0711", 100)])
    };
    assert_accepted(&judge(&view, &m, &ctx()));
    let m = Move {
        from: None,
        ..issue(vec![line(FLOUR, "2024-0711", 101)])
    };
    let v = judge(&view, &m, &ctx());
    assert_only(&v, Outcome::Rejected, ReasonCode::InsufficientQuantity);
    assert_eq!(texts(&v), vec!["Only 100 kg of lot 2024-0711 on hand"]);
}

#[test]
fn lines_of_the_same_lot_add_up_against_its_stock() {
    let m = relocate(
        vec![line(FLOUR, "2024-0847", 30), line(FLOUR, "2024-0847", 30)],
        "LOC-B2",
        "LOC-A1",
    );
    assert_only(
        &judge_base(&m),
        Outcome::Rejected,
        ReasonCode::InsufficientQuantity,
    );
}

#[test]
fn a_zero_or_negative_quantity_is_invalid_except_a_negative_adjustment() {
    let m = relocate(vec![line(FLOUR, "2024-0847", 0)], "LOC-B2", "LOC-A1");
    let v = judge_base(&m);
    assert_only(&v, Outcome::Rejected, ReasonCode::InvalidQuantity);
    assert_eq!(
        texts(&v),
        vec!["Quantity for lot 2024-0847 must be above zero"]
    );
    let m = relocate(vec![line(FLOUR, "2024-0847", -1)], "LOC-B2", "LOC-A1");
    assert_only(
        &judge_base(&m),
        Outcome::Rejected,
        ReasonCode::InvalidQuantity,
    );
    let adjust = |q: i64| Move {
        from: Some(loc("LOC-B2")),
        ..mv(MoveKind::Adjust, vec![line(FLOUR, "2024-0847", q)])
    };
    assert_accepted(&judge_base(&adjust(-50)));
    assert_accepted(&judge_base(&adjust(5)));
    assert_only(
        &judge_base(&adjust(0)),
        Outcome::Rejected,
        ReasonCode::InvalidQuantity,
    );
    assert_only(
        &judge_base(&adjust(-51)),
        Outcome::Rejected,
        ReasonCode::InsufficientQuantity,
    );
}

// ---------------------------------------------------------------- location

#[test]
fn a_lot_not_at_the_scanned_location_is_a_wrong_location_naming_where_it_is() {
    let m = relocate(vec![line(FLOUR, "2024-0847", 1)], "LOC-A1", "LINE-1");
    let v = judge_base(&m);
    assert_only(&v, Outcome::Rejected, ReasonCode::WrongLocation);
    assert_eq!(
        texts(&v),
        vec!["Lot 2024-0847 is not at LOC-A1; it is at LOC-B2"]
    );
}

#[test]
fn a_lot_with_no_stock_anywhere_has_no_stock_at_the_scanned_location() {
    let view = base().with_lot(lot(
        FLOUR,
        "2024-0847",
        LotStatus::Released,
        Some("2026-06-30"),
        &[],
    ));
    let m = relocate(vec![line(FLOUR, "2024-0847", 1)], "LOC-A1", "LINE-1");
    let v = judge(&view, &m, &ctx());
    assert_only(&v, Outcome::Rejected, ReasonCode::WrongLocation);
    assert_eq!(texts(&v), vec!["Lot 2024-0847 has no stock at LOC-A1"]);
}

#[test]
fn a_receipt_lands_only_where_its_incoming_status_is_accepted() {
    let mut flour = item(FLOUR, "kg", FefoPolicy::Warn);
    flour.incoming_status = LotStatus::Quarantine;
    let view = base().with_item(flour);
    let m = Move {
        new_lot: None,
        ..receive(lot(FLOUR, "2025-0001", LotStatus::Quarantine, None, &[]), 5)
    };
    assert_accepted(&judge(&view, &m, &ctx()));
    let m = Move {
        to: Some(loc("LOC-A1")),
        ..m
    };
    let v = judge(&view, &m, &ctx());
    assert_only(&v, Outcome::Rejected, ReasonCode::LocationRefusesStatus);
}

// ---------------------------------------------------------------- serials

fn receive_serial(serial: &str) -> Move {
    Move {
        to: Some(loc("DOCK-IN")),
        ..mv(MoveKind::Receive, vec![serial_line("P-2", serial)])
    }
}

#[test]
fn receiving_a_serial_already_in_stock_is_rejected() {
    let v = judge_base(&receive_serial("SN1"));
    assert_only(&v, Outcome::Rejected, ReasonCode::SerialAlreadyReceived);
    assert_eq!(texts(&v), vec!["Serial SN1 is already in stock"]);
}

#[test]
fn receiving_a_new_serial_or_one_that_came_back_is_accepted() {
    assert_accepted(&judge_base(&receive_serial("SN9")));
    assert_accepted(&judge_base(&receive_serial("SN2")));
}

#[test]
fn the_same_serial_twice_in_one_receipt_is_rejected() {
    let m = Move {
        to: Some(loc("DOCK-IN")),
        ..mv(
            MoveKind::Receive,
            vec![serial_line("P-2", "SN9"), serial_line("P-2", "SN9")],
        )
    };
    assert_only(
        &judge_base(&m),
        Outcome::Rejected,
        ReasonCode::SerialAlreadyReceived,
    );
}

#[test]
fn shipping_a_serial_needs_it_in_stock() {
    assert_accepted(&judge_base(&ship(vec![serial_line("P-1", "SN1")])));
    let v = judge_base(&ship(vec![serial_line("P-1", "SN2")]));
    assert_only(&v, Outcome::Rejected, ReasonCode::SerialAlreadyShipped);
    assert_eq!(texts(&v), vec!["Serial SN2 was already shipped"]);
    let v = judge_base(&ship(vec![serial_line("P-1", "SN7")]));
    assert_only(&v, Outcome::Rejected, ReasonCode::SerialAlreadyShipped);
    assert_eq!(texts(&v), vec!["Serial SN7 was never received here"]);
    let v = judge_base(&ship(vec![
        serial_line("P-1", "SN1"),
        serial_line("P-1", "SN1"),
    ]));
    assert_only(&v, Outcome::Rejected, ReasonCode::SerialAlreadyShipped);
}

// ---------------------------------------------------------------- mixing

#[test]
fn producing_from_several_lots_without_a_composite_lot_is_mixed_lots() {
    let m = produce(
        None,
        vec![line(FLOUR, "2024-0711", 10), line(FLOUR, "2024-0847", 10)],
    );
    let v = judge_base(&m);
    assert_eq!(v.outcome, Outcome::Rejected);
    assert!(codes(&v).contains(&ReasonCode::MixedLots));
    assert!(texts(&v).contains(&"Several lots mixed; record a composite lot"));
}

#[test]
fn a_composite_lot_listing_every_input_is_accepted_and_one_missing_a_parent_is_not() {
    let mut out = lot(BREAD, "B-1", LotStatus::Released, None, &[]);
    out.parents = vec![key(FLOUR, "2024-0711"), key(SALT, "S-1")];
    let lines = vec![
        line(FLOUR, "2024-0711", 10),
        line(SALT, "S-1", 1),
        line(BREAD, "B-1", 11),
    ];
    assert_accepted(&judge_base(&produce(Some(out.clone()), lines.clone())));
    out.parents = vec![key(FLOUR, "2024-0711")];
    let v = judge_base(&produce(Some(out), lines));
    assert_only(&v, Outcome::Rejected, ReasonCode::MixedLots);
    assert_eq!(
        texts(&v),
        vec!["Lot S-1 is missing from the new lot's parents"]
    );
}

#[test]
fn a_merge_without_a_composite_lot_is_mixed_lots_and_with_one_is_accepted() {
    let lines = vec![line(FLOUR, "2024-0711", 10), line(FLOUR, "2024-0847", 10)];
    let bare = Move {
        to: Some(loc("LOC-B2")),
        ..mv(MoveKind::Merge, lines.clone())
    };
    assert_only(&judge_base(&bare), Outcome::Rejected, ReasonCode::MixedLots);
    let mut comp = lot(FLOUR, "M-1", LotStatus::Released, Some("2026-03-02"), &[]);
    comp.parents = vec![key(FLOUR, "2024-0711"), key(FLOUR, "2024-0847")];
    let mut lines = lines;
    lines.push(line(FLOUR, "M-1", 20));
    let merged = Move {
        new_lot: Some(comp),
        ..mv(MoveKind::Merge, lines)
    };
    assert_accepted(&judge_base(&merged));
}

#[test]
fn producing_one_lot_with_its_genealogy_on_the_work_order_is_not_mixing() {
    assert_accepted(&judge_base(&produce(None, vec![line(BREAD, "B-1", 10)])));
}

// ---------------------------------------------------------------- existing lots

#[test]
fn receiving_more_of_a_lot_in_stock_warns_that_it_adds_to_it() {
    let new = lot(
        FLOUR,
        "2024-0847",
        LotStatus::Released,
        Some("2026-06-30"),
        &[],
    );
    let v = judge_base(&receive(new, 10));
    assert_only(&v, Outcome::Warning, ReasonCode::LotAlreadyExists);
    assert_eq!(
        texts(&v),
        vec!["Lot 2024-0847 already has 50 kg; adding to it"]
    );
}

#[test]
fn receiving_a_lot_whose_label_contradicts_the_stored_lot_is_rejected() {
    let new = lot(
        FLOUR,
        "2024-0847",
        LotStatus::Released,
        Some("2026-07-31"),
        &[],
    );
    let v = judge_base(&receive(new, 10));
    assert_only(&v, Outcome::Rejected, ReasonCode::LotAlreadyExists);
    assert_eq!(
        texts(&v),
        vec!["Lot 2024-0847 exists with expiry 2026-06-30; label says 2026-07-31"]
    );
    let mut stored = lot(
        FLOUR,
        "2024-0847",
        LotStatus::Released,
        Some("2026-06-30"),
        &[("LOC-B2", 50)],
    );
    stored.supplier = Some("4012345000009".to_owned());
    let mut new = lot(
        FLOUR,
        "2024-0847",
        LotStatus::Released,
        Some("2026-06-30"),
        &[],
    );
    new.supplier = Some("4099999000001".to_owned());
    let v = judge(&base().with_lot(stored), &receive(new, 10), &ctx());
    assert_only(&v, Outcome::Rejected, ReasonCode::LotAlreadyExists);
    assert_eq!(
        texts(&v),
        vec!["Lot 2024-0847 exists from another supplier"]
    );
}

#[test]
fn receiving_a_lot_that_exists_without_stock_is_accepted() {
    let view = base().with_lot(lot(
        FLOUR,
        "2024-0847",
        LotStatus::Consumed,
        Some("2026-06-30"),
        &[],
    ));
    let new = lot(
        FLOUR,
        "2024-0847",
        LotStatus::Released,
        Some("2026-06-30"),
        &[],
    );
    assert_accepted(&judge(&view, &receive(new, 10), &ctx()));
}

#[test]
fn serialised_units_of_a_lot_in_stock_are_received_without_the_warning() {
    assert_accepted(&judge_base(&Move {
        to: Some(loc("DOCK-IN")),
        ..mv(MoveKind::Receive, vec![serial_line("P-1", "SN9")])
    }));
}

#[test]
fn a_split_into_a_lot_that_has_stock_is_rejected() {
    let mut new = lot(
        FLOUR,
        "2024-0847",
        LotStatus::Released,
        Some("2026-06-30"),
        &[],
    );
    new.parents = vec![key(FLOUR, "2024-0711")];
    let m = Move {
        from: Some(loc("LOC-A1")),
        new_lot: Some(new),
        ..mv(
            MoveKind::Split,
            vec![line(FLOUR, "2024-0711", 5), line(FLOUR, "2024-0847", 5)],
        )
    };
    assert_only(
        &judge_base(&m),
        Outcome::Rejected,
        ReasonCode::LotAlreadyExists,
    );
}

// ---------------------------------------------------------------- shipment

#[test]
fn shipping_an_item_not_ordered_is_rejected() {
    let v = judge_base(&ship(vec![line(SALT, "S-1", 1)]));
    assert_only(&v, Outcome::Rejected, ReasonCode::NotOnShipment);
    assert_eq!(
        texts(&v),
        vec!["Item 09506000134376 is not on shipment SHIP-1"]
    );
}

#[test]
fn shipping_an_ordered_released_lot_in_date_is_accepted() {
    assert_accepted(&judge_base(&ship(vec![line(FLOUR, "2024-0711", 10)])));
}

#[test]
fn a_ship_ignores_its_destination_which_is_the_customer() {
    let m = Move {
        to: Some(loc("4098765000007")),
        ..ship(vec![line(FLOUR, "2024-0711", 10)])
    };
    assert_accepted(&judge_base(&m));
}

// ---------------------------------------------------------------- reasons

/// A move per reason code the rules can give, with the context to use.
fn one_move_per_code() -> Vec<(ReasonCode, MemView, Move, Context)> {
    let provisional = Context {
        unknown_lot: UnknownLotPolicy::AcceptProvisionally,
        ..ctx()
    };
    let mut existing = lot(
        FLOUR,
        "2024-0847",
        LotStatus::Released,
        Some("2026-06-30"),
        &[],
    );
    existing.supplier = None;
    vec![
        (
            ReasonCode::UnknownLot,
            base(),
            issue(vec![line(FLOUR, "X", 1)]),
            provisional.clone(),
        ),
        (
            ReasonCode::UnknownItem,
            base(),
            relocate(vec![line("1", "X", 1)], "LOC-A1", "LOC-B2"),
            ctx(),
        ),
        (
            ReasonCode::UnknownLocation,
            base(),
            relocate(vec![line(FLOUR, "2024-0711", 1)], "NOPE", "LOC-B2"),
            ctx(),
        ),
        (
            ReasonCode::UnknownWorkOrder,
            base(),
            Move {
                work_order: None,
                ..issue(vec![line(FLOUR, "2024-0711", 1)])
            },
            ctx(),
        ),
        (
            ReasonCode::UnknownShipment,
            base(),
            Move {
                shipment: Some("S-404".to_owned()),
                ..ship(vec![line(FLOUR, "2024-0711", 1)])
            },
            ctx(),
        ),
        (
            ReasonCode::LotQuarantined,
            with_status(LotStatus::Quarantine),
            issue(vec![line(FLOUR, "2024-0847", 1)]),
            ctx(),
        ),
        (
            ReasonCode::LotOnHold,
            with_status(LotStatus::Hold),
            issue(vec![line(FLOUR, "2024-0847", 1)]),
            ctx(),
        ),
        (
            ReasonCode::LotRejected,
            with_status(LotStatus::Rejected),
            issue(vec![line(FLOUR, "2024-0847", 1)]),
            ctx(),
        ),
        (
            ReasonCode::LotRecalled,
            with_status(LotStatus::Recalled),
            ship(vec![line(FLOUR, "2024-0847", 1)]),
            ctx(),
        ),
        (
            ReasonCode::LotConsumed,
            with_status(LotStatus::Consumed),
            issue(vec![line(FLOUR, "2024-0847", 1)]),
            ctx(),
        ),
        (
            ReasonCode::LotExpired,
            expiring("2026-01-01"),
            issue(vec![line(SALT, "S-1", 1)]),
            ctx(),
        ),
        (
            ReasonCode::LotExpiresSoon,
            expiring("2026-01-12"),
            issue(vec![line(SALT, "S-1", 1)]),
            ctx(),
        ),
        (
            ReasonCode::FefoViolation,
            base(),
            issue(vec![line(YEAST, "Y-2", 1)]),
            ctx(),
        ),
        (
            ReasonCode::NotInBom,
            base(),
            issue(vec![line(PUMP, "P-1", 1)]),
            ctx(),
        ),
        (
            ReasonCode::OverIssue,
            base(),
            issue(vec![line(SALT, "S-1", 11)]),
            ctx(),
        ),
        (
            ReasonCode::WorkOrderClosed,
            base(),
            Move {
                work_order: Some("WO-9".to_owned()),
                ..produce(None, vec![line(BREAD, "B-1", 1)])
            },
            ctx(),
        ),
        (
            ReasonCode::InsufficientQuantity,
            base(),
            issue(vec![line(YEAST, "Y-1", 6)]),
            ctx(),
        ),
        (
            ReasonCode::WrongLocation,
            base(),
            issue(vec![line(FLOUR, "2024-0847", 1)]),
            ctx(),
        ),
        (
            ReasonCode::LocationRefusesStatus,
            with_status(LotStatus::Hold),
            relocate(vec![line(FLOUR, "2024-0847", 1)], "LOC-A1", "LOC-B2"),
            ctx(),
        ),
        (
            ReasonCode::SerialAlreadyReceived,
            base(),
            receive_serial("SN1"),
            ctx(),
        ),
        (
            ReasonCode::SerialAlreadyShipped,
            base(),
            ship(vec![serial_line("P-1", "SN2")]),
            ctx(),
        ),
        (
            ReasonCode::MixedLots,
            base(),
            Move {
                to: Some(loc("LOC-A1")),
                ..mv(
                    MoveKind::Merge,
                    vec![line(FLOUR, "2024-0711", 1), line(FLOUR, "2024-0847", 1)],
                )
            },
            ctx(),
        ),
        (
            ReasonCode::LotAlreadyExists,
            base(),
            receive(existing, 1),
            ctx(),
        ),
        (
            ReasonCode::NotOnShipment,
            base(),
            ship(vec![line(SALT, "S-1", 1)]),
            ctx(),
        ),
        (
            ReasonCode::SupervisorRequired,
            with_status(LotStatus::Hold),
            mv(MoveKind::Release, vec![line(FLOUR, "2024-0847", 1)]),
            ctx(),
        ),
        (
            ReasonCode::InvalidQuantity,
            base(),
            issue(vec![line(FLOUR, "2024-0711", 0)]),
            ctx(),
        ),
    ]
}

#[test]
fn every_reason_code_the_rules_give_is_reachable_from_judge() {
    for (code, view, m, c) in one_move_per_code() {
        let v = judge(&view, &m, &c);
        assert!(
            codes(&v).contains(&code),
            "{code:?} not given for {:?}: {:?}",
            m.kind,
            v.reasons
        );
    }
    let covered: Vec<ReasonCode> = one_move_per_code().into_iter().map(|c| c.0).collect();
    // The station's own codes come from Fact too; they are not the rules'.
    let station = [
        ReasonCode::WrongStep,
        ReasonCode::Unreadable,
        ReasonCode::Overridden,
    ];
    for code in all_codes() {
        assert!(
            covered.contains(&code) || station.contains(&code),
            "{code:?} has no scenario"
        );
    }
}

fn all_codes() -> Vec<ReasonCode> {
    ReasonCode::ALL.to_vec()
}

#[test]
fn code_names_match_the_serialised_codes() {
    for code in all_codes() {
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, format!("\"{}\"", code_name(code)));
    }
}

/// Every fact with the longest realistic values: 20-character lot, GTIN-14,
/// GLN-13 location, 12-character ids.
fn longest_facts<'a>(
    lot: &'a LotNo,
    item: &'a ItemCode,
    at: &'a LocationCode,
    id: &'a str,
) -> Vec<Fact<'a>> {
    let date = d("2026-12-31");
    let big = Qty(123_456_789_123);
    vec![
        Fact::UnknownLot {
            lot,
            provisional: true,
        },
        Fact::UnknownLot {
            lot,
            provisional: false,
        },
        Fact::UnknownItem { item },
        Fact::UnknownLocation { location: at },
        Fact::UnknownWorkOrder { id },
        Fact::NoWorkOrder,
        Fact::UnknownShipment { id },
        Fact::NoShipment,
        Fact::Quarantined { lot },
        Fact::OnHold { lot },
        Fact::LotRejected { lot },
        Fact::Recalled { lot },
        Fact::Consumed { lot },
        Fact::Expired { lot, on: date },
        Fact::ExpiresSoon {
            lot,
            on: date,
            days: 365,
        },
        Fact::UseFirst {
            lot,
            expires: Some(date),
            at: Some(at),
        },
        Fact::UseFirst {
            lot,
            expires: None,
            at: Some(at),
        },
        Fact::NotInBom {
            item,
            work_order: id,
        },
        Fact::OverIssue {
            item,
            work_order: id,
            after: Qty(12_345_678),
            limit: Qty(12_345_000),
            unit: "kg",
        },
        Fact::WorkOrderClosed { id },
        Fact::Insufficient {
            lot,
            have: Qty(12_345_678),
            unit: "kg",
            at: Some(at),
        },
        Fact::NotHere {
            lot,
            at,
            elsewhere: Some(at),
        },
        Fact::RefusesStatus {
            location: at,
            lot,
            status: LotStatus::Quarantine,
        },
        Fact::SerialInStock {
            serial: "ABCDEFGHIJKLMNOPQRST",
        },
        Fact::SerialShipped {
            serial: "ABCDEFGHIJKLMNOPQRST",
        },
        Fact::SerialNeverReceived {
            serial: "ABCDEFGHIJKLMNOPQRST",
        },
        Fact::MixedLots,
        Fact::MissingParent { lot },
        Fact::LotExists {
            lot,
            on_hand: big,
            unit: "kg",
        },
        Fact::LotExpiryConflict {
            lot,
            stored: Some(date),
            label: Some(date),
        },
        Fact::LotSupplierConflict { lot },
        Fact::NotOnShipment { item, shipment: id },
        Fact::SupervisorRequired,
        Fact::InvalidQuantity { lot },
        Fact::WrongStep {
            expected: "a work order",
        },
        Fact::Unreadable,
        Fact::Overridden { by: id },
    ]
}

#[test]
fn every_reason_text_fits_a_kiosk_line_with_the_longest_values() {
    let lot = LotNo("ABCDEFGHIJ0123456789".to_owned());
    let item = ItemCode("09506000134352".to_owned());
    let at = LocationCode("4012345000016".to_owned());
    let facts = longest_facts(&lot, &item, &at, "WO-2026-0001");
    let mut seen = Vec::new();
    for fact in &facts {
        let r = reason(fact);
        assert!(r.text.len() <= 80, "{} chars: {}", r.text.len(), r.text);
        assert!(!r.text.is_empty());
        seen.push(r.code);
    }
    for code in all_codes() {
        assert!(seen.contains(&code), "{code:?} has no text");
    }
}

// ---------------------------------------------------------------- lot numbers

fn supplier_rules() -> LotRules {
    LotRules {
        default: LotRule::default(),
        per_item: BTreeMap::new(),
        per_supplier: BTreeMap::from([(
            "4012345000009".to_owned(),
            LotRule {
                strip_prefixes: vec!["LOT-".to_owned(), "L".to_owned()],
                remove_chars: "-/ .".to_owned(),
                uppercase: true,
            },
        )]),
    }
}

#[test]
fn a_supplier_rule_resolves_three_prints_of_one_lot_to_one_lot_number() {
    let rules = supplier_rules();
    let flour = ItemCode(FLOUR.to_owned());
    let sup = Some("4012345000009");
    for raw in [
        "LOT-2024-0847",
        "2024-0847",
        "20240847",
        "lot-2024/0847",
        "L2024 0847",
    ] {
        assert_eq!(
            rules.canonical(&flour, sup, raw),
            LotNo("20240847".to_owned()),
            "{raw}"
        );
    }
}

#[test]
fn the_default_rule_changes_nothing() {
    let rules = supplier_rules();
    let flour = ItemCode(FLOUR.to_owned());
    assert_eq!(
        rules.canonical(&flour, None, "LOT-2024-0847"),
        LotNo("LOT-2024-0847".to_owned())
    );
    assert_eq!(
        rules.canonical(&flour, Some("other"), "lot-1"),
        LotNo("lot-1".to_owned())
    );
}

#[test]
fn an_item_rule_wins_over_the_supplier_rule() {
    let mut rules = supplier_rules();
    rules.per_item.insert(
        ItemCode(FLOUR.to_owned()),
        LotRule {
            strip_prefixes: Vec::new(),
            remove_chars: String::new(),
            uppercase: true,
        },
    );
    assert_eq!(
        rules.canonical(&ItemCode(FLOUR.to_owned()), Some("4012345000009"), "lot-1"),
        LotNo("LOT-1".to_owned())
    );
}

#[test]
fn the_longest_matching_prefix_is_stripped_once() {
    let rule = LotRule {
        strip_prefixes: vec!["L".to_owned(), "LOT-".to_owned()],
        remove_chars: String::new(),
        uppercase: false,
    };
    assert_eq!(rule.apply("LOT-L12"), LotNo("L12".to_owned()));
    assert_eq!(rule.apply("L12"), LotNo("12".to_owned()));
    assert_eq!(rule.apply("lot-12"), LotNo("lot-12".to_owned()));
}

#[test]
fn a_rule_that_would_leave_nothing_keeps_the_printed_value() {
    let rules = supplier_rules();
    let flour = ItemCode(FLOUR.to_owned());
    let sup = Some("4012345000009");
    assert_eq!(
        rules.canonical(&flour, sup, "LOT-"),
        LotNo("LOT-".to_owned())
    );
    assert_eq!(rules.canonical(&flour, sup, "--"), LotNo("--".to_owned()));
    assert_eq!(rules.canonical(&flour, sup, ""), LotNo(String::new()));
}

#[test]
fn canonicalisation_never_lengthens_a_lot_number() {
    let rules = supplier_rules();
    let flour = ItemCode(FLOUR.to_owned());
    for raw in ["ABCDEFGHIJ0123456789", "lot-ÄÖ-1", "L", " . "] {
        let out = rules.canonical(&flour, Some("4012345000009"), raw);
        assert!(out.0.len() <= raw.len(), "{raw} -> {}", out.0);
    }
}

#[test]
fn lot_rules_deserialise_from_config_and_refuse_unknown_keys() {
    let json = r#"{
        "default": { "uppercase": true },
        "per_item": { "09506000134352": { "remove_chars": "-" } },
        "per_supplier": { "4012345000009": { "strip_prefixes": ["LOT-"] } }
    }"#;
    let rules: LotRules = serde_json::from_str(json).unwrap();
    assert!(rules.default.uppercase);
    assert_eq!(
        rules.canonical(&ItemCode(FLOUR.to_owned()), None, "a-1"),
        LotNo("a1".to_owned())
    );
    assert_eq!(
        rules.canonical(&ItemCode(SALT.to_owned()), Some("4012345000009"), "LOT-7"),
        LotNo("7".to_owned())
    );
    let empty: LotRules = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, LotRules::default());
    assert!(serde_json::from_str::<LotRule>(r#"{ "upper": true }"#).is_err());
}

// ---------------------------------------------------------------- MemView

#[test]
fn mem_view_lists_lots_with_stock_in_fefo_order_and_follows_replacements() {
    let flour = ItemCode(FLOUR.to_owned());
    let mut view = base();
    let order = |v: &MemView| -> Vec<String> {
        v.lots_of_item(&flour, 10)
            .into_iter()
            .map(|l| l.key.lot.0)
            .collect()
    };
    assert_eq!(order(&view), vec!["2024-0711", "2024-0847"]);
    view.insert_lot(lot(
        FLOUR,
        "N-1",
        LotStatus::Released,
        None,
        &[("LOC-A1", 1)],
    ));
    view.insert_lot(lot(
        FLOUR,
        "2024-0847",
        LotStatus::Released,
        Some("2026-01-31"),
        &[("LOC-B2", 1)],
    ));
    assert_eq!(order(&view), vec!["2024-0847", "2024-0711", "N-1"]);
    view.insert_lot(lot(
        FLOUR,
        "2024-0711",
        LotStatus::Released,
        Some("2026-03-02"),
        &[],
    ));
    assert_eq!(order(&view), vec!["2024-0847", "N-1"]);
    assert_eq!(view.lots_of_item(&flour, 1).len(), 1);
}

// ---------------------------------------------------------------- properties

fn arb_status() -> impl Strategy<Value = LotStatus> {
    prop_oneof![
        Just(LotStatus::Released),
        Just(LotStatus::Quarantine),
        Just(LotStatus::Hold),
        Just(LotStatus::Rejected),
        Just(LotStatus::Recalled),
        Just(LotStatus::Consumed),
    ]
}

fn arb_kind() -> impl Strategy<Value = MoveKind> {
    prop_oneof![
        Just(MoveKind::Receive),
        Just(MoveKind::Move),
        Just(MoveKind::Issue),
        Just(MoveKind::Produce),
        Just(MoveKind::Ship),
        Just(MoveKind::Adjust),
        Just(MoveKind::Hold),
        Just(MoveKind::Release),
        Just(MoveKind::Merge),
        Just(MoveKind::Split),
    ]
}

fn arb_qty() -> impl Strategy<Value = Qty> {
    prop_oneof![
        (-5_000i64..5_000).prop_map(Qty),
        any::<i64>().prop_map(Qty),
        Just(Qty(i64::MAX)),
        Just(Qty(i64::MIN)),
    ]
}

fn arb_date() -> impl Strategy<Value = Date> {
    prop_oneof![
        (-400i32..400).prop_map(|n| d("2026-01-10")
            .checked_add(jiff::Span::new().days(n))
            .unwrap()),
        Just(Date::MIN),
        Just(Date::MAX),
    ]
}

const ITEMS: [&str; 4] = [FLOUR, YEAST, PUMP, "UNKNOWN"];
const LOTS: [&str; 4] = ["A", "B", "C", "D"];
const LOCS: [&str; 5] = ["LOC-A1", "LOC-B2", "QC-CAGE", "4012345000016", "NOWHERE"];

fn arb_lot() -> impl Strategy<Value = Lot> {
    (
        0..ITEMS.len(),
        0..LOTS.len(),
        arb_status(),
        proptest::option::of(arb_date()),
        proptest::option::of(arb_date()),
        proptest::collection::vec((0..LOCS.len(), arb_qty()), 0..3),
        proptest::collection::vec((0..ITEMS.len(), 0..LOTS.len()), 0..3),
        proptest::option::of(0i64..2_000_000_000),
    )
        .prop_map(|(i, l, status, exp, prod, stock, parents, recv)| {
            let mut lot = lot(ITEMS[i], LOTS[l], status, None, &[]);
            lot.expiry_date = exp;
            lot.production_date = prod;
            lot.on_hand = stock.into_iter().map(|(k, q)| (loc(LOCS[k]), q)).collect();
            lot.parents = parents
                .into_iter()
                .map(|(i, l)| key(ITEMS[i], LOTS[l]))
                .collect();
            lot.received_at = recv.and_then(|s| Timestamp::from_second(s).ok());
            lot
        })
}

fn arb_line() -> impl Strategy<Value = LotLine> {
    (
        0..ITEMS.len(),
        0..LOTS.len(),
        arb_qty(),
        proptest::option::of(prop_oneof![Just("SN1"), Just("SN2"), Just("SN3")]),
    )
        .prop_map(|(i, l, qty, serial)| LotLine {
            lot: key(ITEMS[i], LOTS[l]),
            qty,
            serial: serial.map(str::to_owned),
        })
}

fn arb_view() -> impl Strategy<Value = MemView> {
    (
        proptest::collection::vec(arb_lot(), 0..12),
        proptest::option::of(0u32..u32::MAX),
        any::<u32>(),
        proptest::collection::vec((0..ITEMS.len(), arb_qty(), any::<u32>()), 0..4),
        proptest::collection::vec((0..ITEMS.len(), arb_qty()), 0..3),
        any::<bool>(),
    )
        .prop_map(|(lots, shelf, _, bom, issued, closed)| {
            let mut view = base();
            let mut flour = item(FLOUR, "kg", FefoPolicy::Block);
            flour.shelf_life_days = shelf;
            view.insert_item(flour);
            for l in lots {
                view.insert_lot(l);
            }
            view.insert_work_order(WorkOrder {
                id: "WO-P".to_owned(),
                output_item: ItemCode(FLOUR.to_owned()),
                bom: bom
                    .into_iter()
                    .map(|(i, qty, tol)| BomLine {
                        item: ItemCode(ITEMS[i].to_owned()),
                        qty,
                        tolerance_pct: tol,
                    })
                    .collect(),
                status: if closed {
                    WorkOrderStatus::Closed
                } else {
                    WorkOrderStatus::Released
                },
                issued: issued
                    .into_iter()
                    .map(|(i, q)| (ItemCode(ITEMS[i].to_owned()), q))
                    .collect(),
                issued_lots: Vec::new(),
            });
            view
        })
}

fn arb_move() -> impl Strategy<Value = Move> {
    (
        arb_kind(),
        proptest::collection::vec(arb_line(), 0..5),
        proptest::option::of(0..LOCS.len()),
        proptest::option::of(0..LOCS.len()),
        proptest::option::of(prop_oneof![Just("WO-P"), Just("WO-9"), Just("WO-X")]),
        proptest::option::of(prop_oneof![Just("SHIP-1"), Just("SHIP-X")]),
        proptest::option::of(arb_lot()),
    )
        .prop_map(|(kind, lines, from, to, wo, shipment, new_lot)| Move {
            kind,
            lines,
            from: from.map(|i| loc(LOCS[i])),
            to: to.map(|i| loc(LOCS[i])),
            work_order: wo.map(str::to_owned),
            shipment: shipment.map(str::to_owned),
            new_lot,
            operator: None,
            scans: Vec::new(),
        })
}

fn arb_ctx() -> impl Strategy<Value = Context> {
    (
        arb_date(),
        any::<u32>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0usize..6,
    )
        .prop_map(
            |(today, window, provisional, sup_req, sup, lookahead)| Context {
                today,
                expiry_warning_days: window,
                unknown_lot: if provisional {
                    UnknownLotPolicy::AcceptProvisionally
                } else {
                    UnknownLotPolicy::Reject
                },
                release_requires_supervisor: sup_req,
                supervisor_present: sup,
                fefo_lookahead: lookahead,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn judge_never_panics_and_its_outcome_matches_its_reasons(
        view in arb_view(),
        m in arb_move(),
        c in arb_ctx(),
    ) {
        let v = judge(&view, &m, &c);
        prop_assert_eq!(v.outcome == Outcome::Accepted, v.reasons.is_empty());
        prop_assert_eq!(judge(&view, &m, &c), v);
    }

    #[test]
    fn canonicalisation_never_panics_never_lengthens_and_cleaning_is_idempotent(
        raw in "[ -~]{0,20}",
        prefixes in proptest::collection::vec("[A-Za-z-]{0,4}", 0..3),
        remove in "[-/ .]{0,4}",
        uppercase in any::<bool>(),
    ) {
        let rule = LotRule { strip_prefixes: prefixes, remove_chars: remove, uppercase };
        let once = rule.apply(&raw);
        prop_assert!(once.0.len() <= raw.len());
        // Removing characters and upper-casing are idempotent; stripping may
        // strip again, so only check the first two.
        let no_prefix = LotRule { strip_prefixes: Vec::new(), ..rule.clone() };
        let a = no_prefix.apply(&raw);
        prop_assert_eq!(no_prefix.apply(&a.0), a);
    }
}
