//! Durable commit latency and throughput of the store, next to the raw
//! `fdatasync` latency of the same disk.
//!
//! Run with `cargo bench --bench store`. The temporary files live in
//! `$LOTSTATION_BENCH_DIR` (default: the system temp dir); point it at the
//! disk the store will use, not at a tmpfs.
//!
//! Divan reports per-iteration times; after it, a summary states commit
//! throughput with one commit per call and with group commit from 8
//! concurrent stations, as durable write transactions per second, records
//! per second, and the commit latency as a multiple of the disk's own
//! `fdatasync` latency (PERF-NOTES: the VM throttles flushes after a burst,
//! so absolute figures move; ratios measured in one run carry over).
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "benchmark setup must fail loudly, and the summary is the bench's output"
)]

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use divan::{Bencher, black_box};
use jiff::Timestamp;
use lotstation::model::{
    ItemCode, LocationCode, Lot, LotKey, LotLine, LotNo, LotStatus, Move, MoveKind, Qty,
    ScanRecord, Transaction, TxId, Verdict,
};
use lotstation::store::{Store, StoreConfig, import};
use tempfile::TempDir;

const OATS: &str = "09506000134352";
const MASTER: &str = r#"{
  "items": [{"code": "09506000134352", "description": "Rolled oats", "unit": "kg"}],
  "locations": [{"code": "DOCK"}, {"code": "A-01"}]
}"#;

fn main() {
    divan::main();
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs each
    // bench once in test mode, where the timed summary would only cost time.
    if std::env::args().any(|a| a == "--bench") {
        summary();
    }
}

fn bench_dir() -> TempDir {
    let base = std::env::var_os("LOTSTATION_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    TempDir::new_in(base).unwrap()
}

fn key() -> LotKey {
    LotKey {
        item: ItemCode(OATS.into()),
        lot: LotNo("OAT-2401".into()),
    }
}

fn mv(kind: MoveKind, from: Option<&str>, to: &str, units: i64) -> Move {
    Move {
        kind,
        lines: vec![LotLine {
            lot: key(),
            qty: Qty::units(units),
            serial: None,
        }],
        from: from.map(|f| LocationCode(f.into())),
        to: Some(LocationCode(to.into())),
        work_order: None,
        shipment: None,
        new_lot: None,
        operator: Some("OP-7".into()),
        scans: vec![ScanRecord {
            source: "scanner-1".into(),
            raw: b"]d20109506000134352172612311010OAT-2401".to_vec(),
            symbology: Some("]d2".into()),
            at: Timestamp::UNIX_EPOCH,
        }],
    }
}

fn tx(station: &str, m: Move) -> Transaction {
    Transaction {
        id: TxId::new(),
        station: station.into(),
        seq: 0,
        mv: m,
        at: Timestamp::UNIX_EPOCH,
        tz_offset_secs: 3600,
        verdict: Verdict::accepted(),
        override_by: None,
        knowledge: None,
    }
}

/// A scan as the station commits it: one unit moved from the dock to A-01.
fn scan(station: &str) -> Transaction {
    tx(station, mv(MoveKind::Move, Some("DOCK"), "A-01", 1))
}

/// A store with a lot of a million units at the dock.
fn setup(config: StoreConfig) -> (TempDir, Store) {
    let dir = bench_dir();
    let store = Store::open(dir.path().join("bench.redb"), config).unwrap();
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
    let mut receive = mv(MoveKind::Receive, None, "DOCK", 1_000_000);
    receive.new_lot = Some(Lot {
        key: key(),
        status: LotStatus::Released,
        supplier: None,
        supplier_lot: None,
        internal_lot: None,
        production_date: None,
        expiry_date: None,
        on_hand: Default::default(),
        parents: vec![],
        certificate: None,
        received_at: None,
    });
    let _ = store.blocking_commit(tx("setup", receive)).unwrap();
    (dir, store)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// The physical floor: 200 bytes written in place and `sync_data`.
#[divan::bench(sample_count = 200)]
fn fdatasync_200_bytes(bencher: Bencher) {
    let dir = bench_dir();
    let file = File::create(dir.path().join("sync.bin")).unwrap();
    file.set_len(4096).unwrap();
    file.sync_all().unwrap();
    let buf = [0x5au8; 200];
    bencher.bench_local(|| {
        file.write_all_at(black_box(&buf), 0).unwrap();
        file.sync_data().unwrap();
    });
}

/// One scan → one durable commit through the writer thread (group of 1).
#[divan::bench(sample_count = 200)]
fn commit_one_per_call(bencher: Bencher) {
    let (_dir, store) = setup(StoreConfig::default());
    bencher
        .with_inputs(|| scan("s1"))
        .bench_local_values(|t| store.blocking_commit(t).unwrap());
}

const STATIONS: usize = 8;
const PER_STATION: usize = 16;

/// 8 stations committing concurrently, 16 scans each per iteration; the
/// writer groups queued commits (default limit 64).
#[divan::bench(sample_count = 30, sample_size = 1)]
fn group_commit_8_stations(bencher: Bencher) {
    let (_dir, store) = setup(StoreConfig::default());
    let rt = runtime();
    bencher
        .counter(divan::counter::ItemsCount::new(STATIONS * PER_STATION))
        .bench_local(|| rt.block_on(burst(&store, PER_STATION)));
}

/// Every station commits `per_station` scans, one after the other; returns
/// each commit's latency (scan handed over → durable reply).
async fn burst(store: &Store, per_station: usize) -> Vec<Duration> {
    let mut tasks = Vec::with_capacity(STATIONS);
    for s in 0..STATIONS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("station-{s}");
            let mut lat = Vec::with_capacity(per_station);
            for _ in 0..per_station {
                let t0 = Instant::now();
                let _ = store.commit(scan(&name)).await.unwrap();
                lat.push(t0.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

/// Cost of the canonical JSON a transaction is stored and hashed as.
#[divan::bench]
fn encode_transaction_json(bencher: Bencher) {
    let t = scan("s1");
    bencher.bench_local(|| serde_json::to_vec(black_box(&t)).unwrap());
}

/// The same transaction in postcard, for comparison with the JSON above.
#[divan::bench]
fn encode_transaction_postcard(bencher: Bencher) {
    let mut t = scan("s1");
    for l in &mut t.mv.lines {
        l.serial = Some("S1".into());
    }
    bencher.bench_local(|| postcard::to_allocvec(black_box(&t)).unwrap());
}

/// The p-th percentile (0-100) of the latencies, nearest rank.
fn percentile(v: &mut [Duration], p: usize) -> Duration {
    v.sort();
    let rank = (v.len() * p).div_ceil(100).saturating_sub(1);
    v.get(rank).copied().unwrap_or_default()
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Interleaved measurement so the three figures see the same disk state.
fn summary() {
    let rounds = 5;
    let dir = bench_dir();
    let file = File::create(dir.path().join("sync.bin")).unwrap();
    file.set_len(4096).unwrap();
    let (_d1, single) = setup(StoreConfig::default());
    let (_d2, grouped) = setup(StoreConfig::default());
    let rt = runtime();
    let mut sync_lat = Vec::new();
    let mut single_lat = Vec::new();
    let mut group_lat = Vec::new();
    let (mut single_n, mut single_t) = (0u64, Duration::ZERO);
    let (mut group_n, mut group_t) = (0u64, Duration::ZERO);
    let before = grouped.stats();
    for _ in 0..rounds {
        for _ in 0..100 {
            let t0 = Instant::now();
            file.write_all_at(&[0x5a; 200], 0).unwrap();
            file.sync_data().unwrap();
            sync_lat.push(t0.elapsed());
        }
        for _ in 0..100 {
            let t = scan("s1");
            let t0 = Instant::now();
            let _ = single.blocking_commit(t).unwrap();
            let d = t0.elapsed();
            single_lat.push(d);
            single_t += d;
            single_n += 1;
        }
        let t0 = Instant::now();
        group_lat.extend(rt.block_on(burst(&grouped, 50)));
        group_t += t0.elapsed();
        group_n += (STATIONS * 50) as u64;
    }
    let after = grouped.stats();
    let txns = after.commit_txns - before.commit_txns;
    let sync_p50 = percentile(&mut sync_lat, 50);
    let sync_p99 = percentile(&mut sync_lat, 99);
    let single_p50 = percentile(&mut single_lat, 50);
    let single_p99 = percentile(&mut single_lat, 99);
    let group_p50 = percentile(&mut group_lat, 50);
    let group_p99 = percentile(&mut group_lat, 99);
    let secs = |d: Duration| d.as_secs_f64().max(1e-9);
    println!("\nstore summary ({rounds} interleaved rounds)");
    println!(
        "  fdatasync 200 B            p50 {:>9.1} µs  p99 {:>9.1} µs  ({:.0}/s)",
        micros(sync_p50),
        micros(sync_p99),
        1.0 / secs(sync_p50)
    );
    println!(
        "  commit, one per call       p50 {:>9.1} µs  p99 {:>9.1} µs  = {:.1}× fdatasync (p50); {:.0} commits/s",
        micros(single_p50),
        micros(single_p99),
        secs(single_p50) / secs(sync_p50),
        single_n as f64 / secs(single_t)
    );
    println!(
        "  group commit, per scan     p50 {:>9.1} µs  p99 {:>9.1} µs  = {:.1}× fdatasync (p50)",
        micros(group_p50),
        micros(group_p99),
        secs(group_p50) / secs(sync_p50)
    );
    println!(
        "  group commit, {STATIONS} stations   {:.0} durable commits/s, {:.0} records/s, {:.1} records per commit",
        txns as f64 / secs(group_t),
        group_n as f64 / secs(group_t),
        group_n as f64 / (txns.max(1) as f64)
    );
}
