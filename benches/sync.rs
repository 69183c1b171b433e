//! Sync throughput over loopback HTTP against the real `lotstation central`
//! binary:
//!
//! - **drain**: a station store with a backlog of offline transactions
//!   (1,000,000 by default) pushed to the central until the outbox is empty,
//!   in transactions per second, for the default batch size (`sync.batch_size`) and, on
//!   a smaller backlog, for other batch sizes;
//! - **pull-apply**: master-data changes (items and lots) pulled from the
//!   central and applied to the station's store, in changes per second.
//!
//! Run with `cargo bench --bench sync`. `LOTSTATION_SYNC_BACKLOG` changes
//! the backlog size; `LOTSTATION_BENCH_DIR` where the files live (use the
//! disk the store will use, not a tmpfs). The backlog is built directly
//! through the store's group commit (concurrent commits, one durable write
//! transaction per group), not through scans. Under `cargo test` the bench
//! runs once on a tiny backlog, as a smoke test.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::indexing_slicing,
    reason = "benchmark setup must fail loudly, and the summary is the bench's output"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use jiff::Timestamp;
use lotstation::central::CentralDb;
use lotstation::config::Config;
use lotstation::model::{
    FefoPolicy, Item, ItemCode, LocationCode, Lot, LotKey, LotLine, LotNo, LotStatus, Move,
    MoveKind, Qty, ScanRecord, Transaction, TxId, Verdict,
};
use lotstation::protocol::Lane;
use lotstation::store::import::{MasterData, Origin, Row};
use lotstation::store::{Store, StoreConfig, import};
use lotstation::sync::{PullTally, PushTally, Syncer};
use tempfile::TempDir;

const HONEY: &str = "09506000134376";
const MASTER: &str = r#"{
  "items": [{"code": "09506000134376", "description": "Acacia honey", "unit": "kg"}],
  "locations": [{"code": "DOCK"}, {"code": "A-01"}]
}"#;

fn bench_dir() -> TempDir {
    let base = std::env::var_os("LOTSTATION_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    TempDir::new_in(base).unwrap()
}

/// A receipt of one more kilogram of the same honey lot: always valid, the
/// size of a real scan-driven transaction (one line, one raw scan).
fn receipt(station: &str) -> Transaction {
    let key = LotKey {
        item: ItemCode(HONEY.into()),
        lot: LotNo("28-0912".into()),
    };
    Transaction {
        id: TxId::new(),
        station: station.into(),
        seq: 0,
        mv: Move {
            kind: MoveKind::Receive,
            lines: vec![LotLine {
                lot: key.clone(),
                qty: Qty::units(1),
                serial: None,
            }],
            from: None,
            to: Some(LocationCode("DOCK".into())),
            work_order: None,
            shipment: None,
            new_lot: Some(Lot {
                key,
                status: LotStatus::Released,
                supplier: None,
                supplier_lot: Some("28-0912".into()),
                internal_lot: None,
                production_date: None,
                expiry_date: Some(jiff::civil::date(2028, 12, 31)),
                on_hand: Default::default(),
                parents: vec![],
                certificate: None,
                received_at: None,
            }),
            operator: Some("OP-7".into()),
            scans: vec![ScanRecord {
                source: "dock-scanner".into(),
                raw: b"]C10109506000134376172812311028-0912\x1d3103001000".to_vec(),
                symbology: Some("]C1".into()),
                at: Timestamp::UNIX_EPOCH,
            }],
        },
        at: Timestamp::UNIX_EPOCH,
        tz_offset_secs: 3600,
        verdict: Verdict::accepted(),
        override_by: None,
        knowledge: Some(lotstation::model::Knowledge {
            status: 12,
            master: 345,
        }),
    }
}

/// A store holding `n` transactions in its outbox.
fn backlog(path: &Path, station: &str, n: usize) -> Store {
    let store = Store::open(
        path,
        StoreConfig {
            group_commit_max: 1024,
            queue_capacity: 2048,
            ..StoreConfig::default()
        },
    )
    .unwrap();
    store
        .blocking_import(
            import::parse_json(
                "master.json",
                MASTER,
                &lotstation::clock::Anchor::utc(Timestamp::UNIX_EPOCH),
            )
            .unwrap(),
        )
        .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        let per = n.div_ceil(512);
        for w in 0..512 {
            let store = store.clone();
            let station = station.to_owned();
            let count = per.min(n.saturating_sub(w * per));
            tasks.spawn(async move {
                for _ in 0..count {
                    let c = store.commit(receipt(&station)).await.unwrap();
                    assert!(c.is_new());
                }
            });
        }
        while let Some(r) = tasks.join_next().await {
            r.unwrap();
        }
    });
    drop(rt);
    store
}

/// The real central server binary on a free loopback port.
struct Central {
    child: Child,
    url: String,
}

impl Drop for Central {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn central(data: &Path) -> Central {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lotstation"))
        .args([
            "central",
            "--listen",
            "127.0.0.1:0",
            "--log",
            "warn",
            "--data",
        ])
        .arg(data)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    Central {
        child,
        url: format!("http://{addr}"),
    }
}

fn syncer(store: Store, station: &str, url: &str, batch: usize) -> Syncer {
    let text = format!(
        "[station]\nid = \"{station}\"\n[sync]\ncentral_url = \"{url}\"\nbatch_size = {batch}\nrequest_timeout_ms = 60000\n"
    );
    let config = Config::from_str(&text, "bench.toml").unwrap();
    Syncer::new(
        store,
        station,
        config.sync.as_ref().unwrap(),
        None,
        lotstation::clock::Clock::system(),
    )
    .unwrap()
}

fn drain(n: usize, batch: usize) {
    let dir = bench_dir();
    let station = "bench-1";
    let built = Instant::now();
    let store = backlog(&dir.path().join("station.redb"), station, n);
    let build_secs = built.elapsed().as_secs_f64();
    let c = central(&dir.path().join("central"));
    let mut s = syncer(store.clone(), station, &c.url, batch);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let mut tally = PushTally::default();
    rt.block_on(s.push_all(&mut tally)).unwrap();
    let secs = started.elapsed().as_secs_f64();
    let left = store.snapshot().unwrap().outbox_len().unwrap();
    assert_eq!(left, 0);
    assert_eq!(tally.accepted as usize, n);
    println!(
        "drain     {n:>9} transactions, batch {batch:>5}: {secs:>7.2} s = {:>8.0} tx/s ({} batches; backlog built in {build_secs:.1} s)",
        n as f64 / secs,
        tally.batches
    );
}

fn row<T>(value: T) -> Row<T> {
    Row {
        origin: Origin {
            file: "bench".into(),
            line: 1,
        },
        value,
    }
}

fn pull_apply(items: usize, lots_per_item: usize) {
    let dir = bench_dir();
    let data = dir.path().join("central");
    let mut md = MasterData::default();
    for i in 0..items {
        let code = format!("ITEM-{i:07}");
        md.items.push(row(Item {
            code: ItemCode(code.clone()),
            description: format!("bench item {i}"),
            unit: "kg".into(),
            lot_controlled: true,
            serialised: false,
            shelf_life_days: Some(365),
            incoming_status: LotStatus::Released,
            fefo: FefoPolicy::Warn,
        }));
        for l in 0..lots_per_item {
            md.lots.push(row(Lot {
                key: LotKey {
                    item: ItemCode(code.clone()),
                    lot: LotNo(format!("L{l:03}")),
                },
                status: LotStatus::Released,
                supplier: Some("9506000134413".into()),
                supplier_lot: None,
                internal_lot: None,
                production_date: None,
                expiry_date: Some(jiff::civil::date(2028, 1, 1)),
                on_hand: [(LocationCode("A-01".into()), Qty::units(10))].into(),
                parents: vec![],
                certificate: None,
                received_at: None,
            }));
        }
    }
    let (changes, _) = CentralDb::open(&data, None, lotstation::clock::Clock::system())
        .unwrap()
        .import(&md)
        .unwrap();
    let c = central(&data);
    let store = Store::open(dir.path().join("station.redb"), StoreConfig::default()).unwrap();
    let mut s = syncer(store.clone(), "bench-2", &c.url, 1000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let mut tally = PullTally::default();
    while rt
        .block_on(s.pull(Lane::Master, usize::MAX, &mut tally))
        .unwrap()
    {}
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(tally.applied as usize, changes);
    let snap = store.snapshot().unwrap();
    assert!(
        snap.try_item(&ItemCode("ITEM-0000000".into()))
            .unwrap()
            .is_some()
    );
    println!(
        "pull-apply {changes:>8} master-data changes ({items} items, {} lots): {secs:>7.2} s = {:>8.0} changes/s ({} pages of 1000, one write transaction each)",
        items * lots_per_item,
        changes as f64 / secs,
        tally.pages
    );
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    if !bench {
        // `cargo test --all-targets`: a smoke run of both paths.
        drain(300, 100);
        pull_apply(50, 2);
        return;
    }
    let n: usize = std::env::var("LOTSTATION_SYNC_BACKLOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let default_batch = usize::try_from(lotstation::config::defaults::batch_size())
        .expect("the default batch size fits in usize");
    drain(n, default_batch);
    let small = (n / 5).max(1_000);
    for batch in [100, 1_000, 2_500, 5_000] {
        if batch != default_batch {
            drain(small, batch);
        }
    }
    pull_apply(50_000, 3);
}
