//! Time and allocations of `rules::judge` per move over an in-memory view
//! with 100,000 lots (1,000 items × 100 lots, 50 storage locations), FEFO
//! lookup included.
//!
//! Run with `cargo bench --bench rules`. Each case runs over `MemView` (the
//! rules alone) and over a real redb store file holding the same data, with a
//! fresh read snapshot per move as the station takes one per decision.
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
use lotstation::store::import::{MasterData, Origin, Row};
use lotstation::store::{Store, StoreConfig};

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

/// The sample master data: 100,000 lots; lot `l` of an item expires
/// `60 + 7·l` days from today, so lot 0 is first in FEFO order. Every 10th
/// lot is held.
struct Data {
    locations: Vec<Location>,
    items: Vec<Item>,
    lots: Vec<Lot>,
    work_order: WorkOrder,
    shipment: Shipment,
}

fn data() -> Data {
    let locations = (0..LOCATIONS)
        .map(|n| Location {
            code: location_code(n),
            description: format!("Rack {n}"),
            gln: None,
            accepts: vec![LotStatus::Released],
        })
        .collect();
    let mut items = Vec::new();
    let mut lots = Vec::new();
    for i in 0..ITEMS {
        items.push(Item {
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
            lots.push(Lot {
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
    items.push(Item {
        code: ItemCode("09506009999999".to_owned()),
        description: "Finished product".to_owned(),
        unit: "ea".to_owned(),
        lot_controlled: true,
        serialised: false,
        shelf_life_days: Some(180),
        incoming_status: LotStatus::Released,
        fefo: FefoPolicy::Off,
    });
    let work_order = WorkOrder {
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
    };
    let shipment = Shipment {
        id: "SHIP-2026-0001".to_owned(),
        customer: "4098765000007".to_owned(),
        lines: vec![ShipmentLine {
            item: item_code(500),
            qty: Qty::units(100),
        }],
        shipped: Vec::new(),
    };
    Data {
        locations,
        items,
        lots,
        work_order,
        shipment,
    }
}

static VIEW: LazyLock<MemView> = LazyLock::new(|| {
    let d = data();
    let mut view = MemView::new();
    d.locations
        .into_iter()
        .for_each(|l| view.insert_location(l));
    d.items.into_iter().for_each(|i| view.insert_item(i));
    d.lots.into_iter().for_each(|l| view.insert_lot(l));
    view.insert_work_order(d.work_order);
    view.insert_shipment(d.shipment);
    assert_eq!(view.lot_count(), ITEMS * LOTS_PER_ITEM);
    view
});

/// The same data in a real redb store file (the station's production view).
static STORE: LazyLock<(tempfile::TempDir, Store)> = LazyLock::new(|| {
    fn rows<T>(v: Vec<T>) -> Vec<Row<T>> {
        v.into_iter()
            .enumerate()
            .map(|(i, value)| Row {
                origin: Origin {
                    file: "bench".to_owned(),
                    line: i as u64 + 1,
                },
                value,
            })
            .collect()
    }
    let d = data();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("bench.redb"), StoreConfig::default()).unwrap();
    let master = MasterData {
        items: rows(d.items),
        lots: rows(d.lots),
        locations: rows(d.locations),
        work_orders: rows(vec![d.work_order]),
        shipments: rows(vec![d.shipment]),
    };
    store.blocking_import(master).unwrap();
    (dir, store)
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

fn bench_move_redb(bencher: Bencher, mv: &Move, expect: Outcome) {
    let store = &STORE.1;
    let ctx = Context::new(today());
    assert_eq!(judge(&store.snapshot().unwrap(), mv, &ctx).outcome, expect);
    bencher.bench(|| {
        let snap = store.snapshot().unwrap();
        judge(black_box(&snap), black_box(mv), black_box(&ctx))
    });
}

/// Issue of the first-expiring lot against the redb store (snapshot included).
#[divan::bench]
fn issue_fefo_first_lot_redb(bencher: Bencher) {
    bench_move_redb(bencher, &one_line(MoveKind::Issue, 0), Outcome::Accepted);
}

/// FEFO warning against the redb store (snapshot included).
#[divan::bench]
fn issue_fefo_violation_redb(bencher: Bencher) {
    bench_move_redb(bencher, &one_line(MoveKind::Issue, 40), Outcome::Warning);
}

/// The rules over one held redb snapshot (no snapshot cost): the FEFO case.
#[divan::bench]
fn issue_fefo_violation_redb_held_snapshot(bencher: Bencher) {
    let snap = STORE.1.snapshot().unwrap();
    let mv = one_line(MoveKind::Issue, 40);
    let ctx = Context::new(today());
    assert_eq!(judge(&snap, &mv, &ctx).outcome, Outcome::Warning);
    bencher.bench(|| judge(black_box(&snap), black_box(&mv), black_box(&ctx)));
}

/// Cost of taking a read snapshot of the store.
#[divan::bench]
fn snapshot_only(bencher: Bencher) {
    let store = &STORE.1;
    bencher.bench(|| store.snapshot().unwrap());
}
