//! Time and allocations of `rules::judge` per move over an in-memory view
//! with 100,000 lots (1,000 items × 100 lots, 50 storage locations), FEFO
//! lookup included.
//!
//! Run with `cargo bench --bench rules`. The store's redb-backed view is
//! benchmarked with the store; this measures the rules plus `MemView`.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "benchmark setup: fixed sample data that must build or fail loudly"
)]

use std::collections::BTreeMap;
use std::sync::LazyLock;

use divan::{AllocProfiler, Bencher, black_box};
use jiff::Span;
use jiff::civil::Date;
use lotstation::model::{
    BomLine, FefoPolicy, Item, ItemCode, Location, LocationCode, Lot, LotKey, LotLine, LotNo,
    LotStatus, Move, MoveKind, Outcome, Qty, Shipment, ShipmentLine, WorkOrder, WorkOrderStatus,
};
use lotstation::rules::{Context, MemView, judge};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

const ITEMS: usize = 1_000;
const LOTS_PER_ITEM: usize = 100;
const LOCATIONS: usize = 50;

fn item_code(i: usize) -> ItemCode {
    ItemCode(format!("0950600{i:07}"))
}

fn lot_no(i: usize, l: usize) -> LotNo {
    LotNo(format!("2025-{i:04}-{l:03}"))
}

fn location_code(n: usize) -> LocationCode {
    LocationCode(format!("LOC-{n:02}"))
}

fn today() -> Date {
    "2026-01-10".parse().unwrap()
}

/// 100,000 lots; lot `l` of an item expires `60 + 7·l` days from today, so
/// lot 0 is first in FEFO order. Every 10th lot is held.
static VIEW: LazyLock<MemView> = LazyLock::new(|| {
    let mut view = MemView::new();
    for n in 0..LOCATIONS {
        view.insert_location(Location {
            code: location_code(n),
            description: format!("Rack {n}"),
            gln: None,
            accepts: vec![LotStatus::Released],
        });
    }
    for i in 0..ITEMS {
        view.insert_item(Item {
            code: item_code(i),
            description: format!("Component {i}"),
            unit: "kg".to_owned(),
            lot_controlled: true,
            serialised: false,
            shelf_life_days: Some(365),
            incoming_status: LotStatus::Quarantine,
            fefo: FefoPolicy::Warn,
        });
        for l in 0..LOTS_PER_ITEM {
            let days = i64::try_from(60 + 7 * l).unwrap();
            let expiry = today().checked_add(Span::new().days(days)).unwrap();
            view.insert_lot(Lot {
                key: LotKey {
                    item: item_code(i),
                    lot: lot_no(i, l),
                },
                status: if l % 10 == 9 {
                    LotStatus::Hold
                } else {
                    LotStatus::Released
                },
                supplier: Some("4012345000009".to_owned()),
                supplier_lot: Some(format!("LOT-{}", lot_no(i, l).0)),
                internal_lot: None,
                production_date: None,
                expiry_date: Some(expiry),
                on_hand: BTreeMap::from([(location_code((i + l) % LOCATIONS), Qty::units(40))]),
                parents: Vec::new(),
                certificate: None,
                received_at: None,
            });
        }
    }
    view.insert_work_order(WorkOrder {
        id: "WO-2026-0001".to_owned(),
        output_item: ItemCode("09506009999999".to_owned()),
        bom: (0..8)
            .map(|k| BomLine {
                item: item_code(500 + k),
                qty: Qty::units(400),
                tolerance_pct: 5,
            })
            .collect(),
        status: WorkOrderStatus::Released,
        issued: BTreeMap::from([(item_code(500), Qty::units(120))]),
        issued_lots: Vec::new(),
    });
    view.insert_shipment(Shipment {
        id: "SHIP-2026-0001".to_owned(),
        customer: "4098765000007".to_owned(),
        lines: vec![ShipmentLine {
            item: item_code(500),
            qty: Qty::units(100),
        }],
        shipped: Vec::new(),
    });
    assert_eq!(view.lot_count(), ITEMS * LOTS_PER_ITEM);
    view
});

fn one_line(kind: MoveKind, l: usize) -> Move {
    Move {
        kind,
        lines: vec![LotLine {
            lot: LotKey {
                item: item_code(500),
                lot: lot_no(500, l),
            },
            qty: Qty::units(12),
            serial: None,
        }],
        from: Some(location_code((500 + l) % LOCATIONS)),
        to: None,
        work_order: (kind == MoveKind::Issue).then(|| "WO-2026-0001".to_owned()),
        shipment: (kind == MoveKind::Ship).then(|| "SHIP-2026-0001".to_owned()),
        new_lot: None,
        operator: Some("OP-17".to_owned()),
        scans: Vec::new(),
    }
}

fn bench_move(bencher: Bencher, mv: &Move, expect: Outcome) {
    let view = &*VIEW;
    let ctx = Context::new(today());
    assert_eq!(judge(view, mv, &ctx).outcome, expect);
    bencher.bench(|| judge(black_box(view), black_box(mv), black_box(&ctx)));
}

/// Typical: issue the first-expiring lot to a work order (accepted).
#[divan::bench]
fn issue_fefo_first_lot(bencher: Bencher) {
    bench_move(bencher, &one_line(MoveKind::Issue, 0), Outcome::Accepted);
}

/// Issue a later lot: FEFO names lot 0 (warning).
#[divan::bench]
fn issue_fefo_violation(bencher: Bencher) {
    bench_move(bencher, &one_line(MoveKind::Issue, 40), Outcome::Warning);
}

/// Ship the first-expiring lot on a shipment (accepted).
#[divan::bench]
fn ship_fefo_first_lot(bencher: Bencher) {
    bench_move(bencher, &one_line(MoveKind::Ship, 0), Outcome::Accepted);
}
