//! Store tests over real redb files in temporary directories.

use std::collections::BTreeSet;

use jiff::Timestamp;
use proptest::prelude::*;
use redb::ReadableTable;
use tempfile::TempDir;

use super::*;
use crate::model::{
    ItemCode, LocationCode, LotStatus, Move, MoveKind, Outcome, Override, Qty, Reason, ReasonCode,
    Transaction, TxId, Verdict,
};
use crate::rules::View;
use crate::store::apply::tests::{key, line, loc, mv, new_lot};

const OATS: &str = "09506000134352";
const BAR: &str = "09506000134369";

const MASTER: &str = r#"{
  "items": [
    {"code": "09506000134352", "description": "Rolled oats", "unit": "kg"},
    {"code": "09506000134369", "description": "Oat bar", "unit": "ea"}
  ],
  "locations": [
    {"code": "DOCK", "description": "Receiving dock", "accepts": ["released", "quarantine"]},
    {"code": "A-01", "gln": "9506000134376"},
    {"code": "LINE-1"},
    {"code": "FG"}
  ],
  "work_orders": [
    {"id": "WO-1", "output_item": "09506000134369",
     "bom": [{"item": "09506000134352", "qty": "50"}]}
  ],
  "shipments": [
    {"id": "SH-1", "customer": "9506000134383", "lines": [{"item": "09506000134369", "qty": 100}]}
  ]
}"#;

fn open(dir: &TempDir) -> Store {
    Store::open(dir.path().join("store.redb"), StoreConfig::default()).unwrap()
}

async fn with_master(dir: &TempDir) -> Store {
    let store = open(dir);
    let data =
        import::parse_json("master.json", MASTER, &crate::clock::anchor_for_tests()).unwrap();
    store.import(data).await.unwrap();
    store
}

fn tx(station: &str, m: Move) -> Transaction {
    Transaction {
        id: TxId::new(),
        station: station.into(),
        seq: 0,
        mv: m,
        at: Timestamp::UNIX_EPOCH,
        tz_offset_secs: 0,
        verdict: Verdict::accepted(),
        override_by: None,
        knowledge: None,
    }
}

async fn commit_new(store: &Store, t: Transaction) {
    let c = store.commit(t).await.unwrap();
    assert!(c.is_new(), "{c:?}");
}

fn receive(lot: &str, units: i64, to: &str) -> Move {
    let k = key(OATS, lot);
    let mut m = mv(MoveKind::Receive, vec![line(&k, units)]);
    m.new_lot = Some(new_lot(&k));
    m.to = Some(loc(to));
    m
}

fn relocate(lot: &str, units: i64, from: &str, to: &str) -> Move {
    let mut m = mv(MoveKind::Move, vec![line(&key(OATS, lot), units)]);
    m.from = Some(loc(from));
    m.to = Some(loc(to));
    m
}

#[tokio::test]
async fn a_committed_transaction_is_visible_in_a_new_snapshot() {
    let dir = TempDir::new().unwrap();
    let store = with_master(&dir).await;
    let before = store.snapshot().unwrap();
    let c = store
        .commit(tx("s1", receive("L1", 10, "DOCK")))
        .await
        .unwrap();
    assert!(c.is_new());
    assert_eq!(c.seq(), 1);
    let snap = store.snapshot().unwrap();
    let lot = snap.lot(&key(OATS, "L1")).unwrap();
    assert_eq!(lot.on_hand.get(&loc("DOCK")), Some(&Qty::units(10)));
    assert_eq!(snap.history(&key(OATS, "L1")).unwrap().len(), 1);
    assert_eq!(snap.outbox_len().unwrap(), 1);
    assert!(
        before.lot(&key(OATS, "L1")).is_none(),
        "an older snapshot keeps its view"
    );
}

#[tokio::test]
async fn committed_data_survives_closing_and_reopening_the_store() {
    let dir = TempDir::new().unwrap();
    let store = with_master(&dir).await;
    let t = tx("s1", receive("L1", 10, "DOCK"));
    let id = t.id;
    commit_new(&store, t).await;
    drop(store);
    let store = open(&dir);
    let snap = store.snapshot().unwrap();
    assert_eq!(snap.transaction(id).unwrap().unwrap().seq, 1);
    assert!(snap.lot(&key(OATS, "L1")).is_some());
    assert!(store.verify().unwrap().is_ok());
}

#[tokio::test]
async fn a_retried_commit_with_the_same_id_is_already_recorded_with_its_verdict() {
    let dir = TempDir::new().unwrap();
    let store = with_master(&dir).await;
    let mut t = tx("s1", receive("L1", 10, "DOCK"));
    t.verdict = Verdict {
        outcome: Outcome::Warning,
        reasons: vec![Reason {
            code: ReasonCode::LotExpiresSoon,
            text: "expires soon".into(),
        }],
    };
    let first = store.commit(t.clone()).await.unwrap();
    let mut retry = t.clone();
    retry.verdict = Verdict::accepted();
    let second = store.commit(retry).await.unwrap();
    assert_eq!(
        second,
        Committed::AlreadyRecorded {
            id: t.id,
            seq: first.seq(),
            verdict: t.verdict.clone(),
        }
    );
    let snap = store.snapshot().unwrap();
    assert_eq!(snap.transaction_count().unwrap(), 1);
    assert_eq!(
        snap.lot(&key(OATS, "L1")).unwrap().total_on_hand(),
        Qty::units(10),
        "the retry did not receive twice"
    );
}

#[tokio::test]
async fn a_rejection_without_override_is_not_recorded_but_an_overridden_one_is() {
    let dir = TempDir::new().unwrap();
    let store = with_master(&dir).await;
    let mut t = tx("s1", receive("L1", 1, "DOCK"));
    t.verdict.outcome = Outcome::Rejected;
    assert!(matches!(
        store.commit(t.clone()).await,
        Err(StoreError::NotAccepted(_))
    ));
    t.override_by = Some(Override {
        by: "SUP-1".into(),
        at: Timestamp::UNIX_EPOCH,
        why: "inspected".into(),
        signature: None,
    });
    assert!(store.commit(t).await.unwrap().is_new());

    // A signed override keeps its signature in the transaction, under the
    // audit chain.
    let mut t = tx("s1", receive("L2", 1, "DOCK"));
    t.verdict.outcome = Outcome::Rejected;
    let signature = crate::model::Signature {
        user: "SUP-1".into(),
        printed_name: "Dana Supervisor".into(),
        signed_at: Timestamp::UNIX_EPOCH,
        meaning: "approval: record the refused receive".into(),
    };
    t.override_by = Some(Override {
        by: "SUP-1".into(),
        at: Timestamp::UNIX_EPOCH,
        why: "inspected".into(),
        signature: Some(signature.clone()),
    });
    let id = t.id;
    assert!(store.commit(t).await.unwrap().is_new());
    let stored = store.snapshot().unwrap().transaction(id).unwrap().unwrap();
    assert_eq!(stored.override_by.unwrap().signature, Some(signature));
    assert!(store.verify().unwrap().is_ok());
}

#[tokio::test]
async fn a_move_that_would_make_stock_negative_is_refused_and_nothing_is_recorded() {
    let dir = TempDir::new().unwrap();
    let store = with_master(&dir).await;
    commit_new(&store, tx("s1", receive("L1", 2, "DOCK"))).await;
    let err = store
        .commit(tx("s1", relocate("L1", 3, "DOCK", "A-01")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Apply(ApplyError::NegativeOnHand { .. })),
        "{err}"
    );
    let snap = store.snapshot().unwrap();
    assert_eq!(snap.transaction_count().unwrap(), 1);
    assert_eq!(snap.last_seq("s1").unwrap(), 1, "no seq was used up");
}

#[tokio::test]
async fn station_seqs_are_gap_free_across_commits_and_reopen() {
    let dir = TempDir::new().unwrap();
    let store = with_master(&dir).await;
    commit_new(&store, tx("s1", receive("L1", 100, "DOCK"))).await;
    for i in 0..20 {
        let station = if i % 2 == 0 { "s1" } else { "s2" };
        commit_new(&store, tx(station, relocate("L1", 1, "DOCK", "A-01"))).await;
    }
    drop(store);
    let store = open(&dir);
    let c = store
        .commit(tx("s2", relocate("L1", 1, "DOCK", "A-01")))
        .await
        .unwrap();
    assert_eq!(c.seq(), 11);
    let snap = store.snapshot().unwrap();
    assert_eq!(snap.last_seq("s1").unwrap(), 11);
    assert_eq!(snap.last_seq("s2").unwrap(), 11);
    let report = store.verify().unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.stations, 2);
}

#[tokio::test]
async fn group_commit_answers_every_concurrent_caller_with_unique_gap_free_seqs() {
    let dir = TempDir::new().unwrap();
    let store = Store::open(
        dir.path().join("store.redb"),
        StoreConfig {
            group_commit_max: 16,
            queue_capacity: 8,
            ..StoreConfig::default()
        },
    )
    .unwrap();
    store
        .import(import::parse_json("m.json", MASTER, &crate::clock::anchor_for_tests()).unwrap())
        .await
        .unwrap();
    commit_new(&store, tx("s0", receive("L1", 1000, "DOCK"))).await;
    let mut tasks = Vec::new();
    for station in 0..4 {
        for _ in 0..50 {
            let store = store.clone();
            let name = format!("st{station}");
            tasks.push(tokio::spawn(async move {
                let c = store
                    .commit(tx(&name, relocate("L1", 1, "DOCK", "A-01")))
                    .await
                    .unwrap();
                (name, c.seq())
            }));
        }
    }
    let mut seen = BTreeSet::new();
    for t in tasks {
        let (name, seq) = t.await.unwrap();
        assert!(seen.insert((name, seq)), "duplicate seq");
    }
    for station in 0..4 {
        let seqs: Vec<u64> = seen
            .iter()
            .filter(|(n, _)| *n == format!("st{station}"))
            .map(|(_, s)| *s)
            .collect();
        assert_eq!(seqs, (1..=50).collect::<Vec<_>>());
    }
    let snap = store.snapshot().unwrap();
    let lot = snap.lot(&key(OATS, "L1")).unwrap();
    assert_eq!(lot.on_hand.get(&loc("A-01")), Some(&Qty::units(200)));
    assert_eq!(snap.outbox_len().unwrap(), 201);
    let stats = store.stats();
    assert_eq!(stats.recorded, 201);
    assert!(
        stats.commit_txns < stats.recorded,
        "queued commits shared write transactions: {stats:?}"
    );
    assert!(store.verify().unwrap().is_ok());
}

#[tokio::test]
async fn the_view_lists_lots_in_fefo_order_and_finds_locations_by_gln() {
    let dir = TempDir::new().unwrap();
    let store = with_master(&dir).await;
    for (lot, expiry) in [
        ("LATE", Some((2027, 1, 1))),
        ("NONE", None),
        ("SOON", Some((2026, 6, 1))),
    ] {
        let mut m = receive(lot, 1, "DOCK");
        if let Some(nl) = m.new_lot.as_mut() {
            nl.expiry_date = expiry.map(|(y, mo, d)| jiff::civil::date(y, mo, d));
        }
        commit_new(&store, tx("s1", m)).await;
    }
    let snap = store.snapshot().unwrap();
    let order: Vec<String> = snap
        .lots_of_item(&ItemCode(OATS.into()), 10)
        .into_iter()
        .map(|l| l.key.lot.0)
        .collect();
    assert_eq!(order, ["SOON", "LATE", "NONE"]);
    assert_eq!(snap.lots_of_item(&ItemCode(OATS.into()), 1).len(), 1);
    assert!(snap.lots_of_item(&ItemCode(BAR.into()), 10).is_empty());
    let by_gln = snap
        .location(&LocationCode("9506000134376".into()))
        .unwrap();
    assert_eq!(by_gln.code, loc("A-01"));

    // A lot whose stock is gone leaves the FEFO index.
    let mut m = mv(MoveKind::Adjust, vec![line(&key(OATS, "SOON"), 0)]);
    m.to = Some(loc("DOCK"));
    commit_new(&store, tx("s1", m)).await;
    let snap = store.snapshot().unwrap();
    assert_eq!(snap.lots_of_item(&ItemCode(OATS.into()), 10).len(), 2);
}

#[tokio::test]
async fn outbox_lists_pending_in_commit_order_and_mark_synced_removes_them() {
    let dir = TempDir::new().unwrap();
    let store = with_master(&dir).await;
    let mut ids = Vec::new();
    for lot in ["A", "B", "C"] {
        let t = tx("s1", receive(lot, 1, "DOCK"));
        ids.push(t.id);
        commit_new(&store, t).await;
    }
    let snap = store.snapshot().unwrap();
    let pending = snap.outbox_pending(10).unwrap();
    assert_eq!(pending.iter().map(|e| e.tx.id).collect::<Vec<_>>(), ids);
    assert_eq!(snap.outbox_oldest().unwrap().unwrap().tx.id, ids[0]);
    assert_eq!(store.pending(2).unwrap().len(), 2);
    let removed = store
        .mark_synced(vec![ids[0], ids[1], TxId::new()])
        .await
        .unwrap();
    assert_eq!(removed, 2);
    let snap = store.snapshot().unwrap();
    assert_eq!(snap.outbox_len().unwrap(), 1);
    assert_eq!(snap.outbox_oldest().unwrap().unwrap().tx.id, ids[2]);
}

#[tokio::test]
async fn trace_walks_back_to_issued_lots_and_forward_to_products_and_shipments() {
    let dir = TempDir::new().unwrap();
    let store = with_master(&dir).await;
    commit_new(&store, tx("s1", receive("RAW", 100, "LINE-1"))).await;
    let mut issue = mv(MoveKind::Issue, vec![line(&key(OATS, "RAW"), 50)]);
    issue.from = Some(loc("LINE-1"));
    issue.work_order = Some("WO-1".into());
    commit_new(&store, tx("s1", issue)).await;
    let bar = key(BAR, "B1");
    let mut produce = mv(MoveKind::Produce, vec![line(&bar, 100)]);
    produce.to = Some(loc("FG"));
    produce.work_order = Some("WO-1".into());
    produce.new_lot = Some(new_lot(&bar));
    commit_new(&store, tx("s1", produce)).await;
    let mut ship = mv(MoveKind::Ship, vec![line(&bar, 40)]);
    ship.from = Some(loc("FG"));
    ship.shipment = Some("SH-1".into());
    commit_new(&store, tx("s1", ship)).await;

    let snap = store.snapshot().unwrap();
    let back = trace::backward(&snap, &bar, 100).unwrap();
    assert_eq!(back.lots, vec![key(OATS, "RAW")]);
    let fwd = trace::forward(&snap, &key(OATS, "RAW"), 100).unwrap();
    assert_eq!(fwd.lots, vec![bar.clone()]);
    assert_eq!(fwd.shipments, vec!["SH-1".to_owned()]);
    let wo = snap.work_order("WO-1").unwrap();
    assert_eq!(wo.issued.get(&ItemCode(OATS.into())), Some(&Qty::units(50)));
    assert_eq!(snap.shipment("SH-1").unwrap().shipped.len(), 1);
    assert_eq!(snap.history(&bar).unwrap().len(), 2);
}

#[tokio::test]
async fn verify_detects_a_tampered_transaction_and_names_the_first_broken_link() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("store.redb");
    let store = with_master(&dir).await;
    commit_new(&store, tx("s1", receive("L1", 10, "DOCK"))).await;
    let victim = tx("s1", relocate("L1", 2, "DOCK", "A-01"));
    let victim_id = victim.id;
    commit_new(&store, victim).await;
    commit_new(&store, tx("s1", relocate("L1", 1, "DOCK", "A-01"))).await;
    drop(store);

    // Rewrite transaction #2's quantity directly in the file.
    {
        let db = redb::Database::create(&path).unwrap();
        let w = db.begin_write().unwrap();
        {
            let mut t = w.open_table(schema::TRANSACTIONS).unwrap();
            let row = t.get(2u64).unwrap().unwrap().value().to_vec();
            let text = String::from_utf8(row[1..].to_vec()).unwrap();
            let forged = text.replacen("\"qty\":2000", "\"qty\":1000", 1);
            assert_ne!(forged, text);
            let mut new_row = vec![row[0]];
            new_row.extend_from_slice(forged.as_bytes());
            t.insert(2u64, new_row.as_slice()).unwrap();
        }
        w.commit().unwrap();
    }
    let report = verify_file(&path).unwrap();
    let broken = report
        .first_broken_link
        .clone()
        .expect("tampering detected");
    assert_eq!(broken.index, 2);
    assert_eq!(broken.tx, Some(victim_id));
    assert_ne!(broken.expected, broken.found);
    assert!(
        report
            .to_string()
            .contains("broken first at transaction #2")
    );
}

#[tokio::test]
async fn a_backup_verifies_and_opens_as_a_store() {
    let dir = TempDir::new().unwrap();
    let store = with_master(&dir).await;
    commit_new(&store, tx("s1", receive("L1", 10, "DOCK"))).await;
    let dest = dir.path().join("backup.redb");
    let summary = store.backup(&dest).unwrap();
    assert_eq!(summary.transactions, 1);
    assert!(
        store.backup(&dest).is_err(),
        "an existing file is not overwritten"
    );
    // The live store keeps going.
    commit_new(&store, tx("s1", receive("L2", 1, "DOCK"))).await;
    assert!(verify_file(&dest).unwrap().is_ok());
    let copy = Store::open(&dest, StoreConfig::default()).unwrap();
    let snap = copy.snapshot().unwrap();
    assert!(snap.lot(&key(OATS, "L1")).is_some());
    assert!(snap.lot(&key(OATS, "L2")).is_none());
    assert!(snap.item(&ItemCode(BAR.into())).is_some());
    let c = copy
        .commit(tx("s1", receive("L3", 1, "DOCK")))
        .await
        .unwrap();
    assert_eq!(c.seq(), 2);
}

#[tokio::test]
async fn an_import_with_one_bad_reference_applies_nothing_and_names_file_line_and_field() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let text = r#"{
  "items": [{"code": "09506000134352", "description": "Rolled oats", "unit": "kg"}],
  "locations": [{"code": "DOCK"}],
  "lots": [
    {"item": "09506000134352", "lot": "OK", "on_hand": {"DOCK": "5"}},
    {"item": "09506000134352", "lot": "BAD",
     "on_hand": {"CAGE": "1"}}
  ]
}"#;
    let data = import::parse_json("master.json", text, &crate::clock::anchor_for_tests()).unwrap();
    let err = store.import(data).await.unwrap_err();
    let StoreError::Import(e) = err else {
        panic!("{err}")
    };
    assert_eq!(e.problems.len(), 1);
    let p = &e.problems[0];
    assert_eq!(p.file, "master.json");
    assert_eq!(p.line, Some(6));
    assert_eq!(p.field.as_deref(), Some("on_hand"));
    assert!(p.message.contains("unknown location CAGE"), "{p}");
    let snap = store.snapshot().unwrap();
    assert!(snap.item(&ItemCode(OATS.into())).is_none());
    assert!(snap.location(&loc("DOCK")).is_none());
}

#[tokio::test]
async fn the_demo_data_imports_and_verifies() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo-data");
    let json = import::load(
        &root.join("master.json"),
        None,
        &crate::clock::anchor_for_tests(),
    )
    .unwrap();
    let summary = store.import(json).await.unwrap();
    assert!(summary.items >= 3 && summary.lots >= 3, "{summary:?}");
    let mut csv = MasterData::default();
    for f in [
        "items.csv",
        "locations.csv",
        "lots.csv",
        "work_orders.csv",
        "shipments.csv",
    ] {
        csv.extend(import::load(&root.join(f), None, &crate::clock::anchor_for_tests()).unwrap());
    }
    store.import(csv).await.unwrap();
    let snap = store.snapshot().unwrap();
    assert!(
        snap.try_lots_of_item(&ItemCode(OATS.into()), 10)
            .unwrap()
            .iter()
            .any(|l| l.status == LotStatus::Quarantine),
        "the demo has a lot in quarantine"
    );
    assert!(store.verify().unwrap().is_ok());
}

#[test]
fn a_version_1_store_migrates_dropping_its_old_sync_state_and_keeping_its_transactions() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("store.redb");
    {
        let store = Store::open(&path, StoreConfig::default()).unwrap();
        store
            .blocking_import(
                import::parse_json("m.json", MASTER, &crate::clock::anchor_for_tests()).unwrap(),
            )
            .unwrap();
        let _ = store
            .blocking_commit(tx("s1", receive("L1", 1, "DOCK")))
            .unwrap();
    }
    {
        // What a version-1 store looks like: its version, a postcard sync
        // state row, and none of the version-2 tables.
        let db = redb::Database::create(&path).unwrap();
        let w = db.begin_write().unwrap();
        w.open_table(schema::META)
            .unwrap()
            .insert(schema::META_SCHEMA_VERSION, 1)
            .unwrap();
        w.open_table(schema::SYNC_STATE)
            .unwrap()
            .insert(
                schema::SYNC_STATE_KEY,
                [1u8, 1, 4, b'c', b'-', b'4', b'2', 0, 0].as_slice(),
            )
            .unwrap();
        w.delete_table(schema::SYNC_EXCEPTIONS).unwrap();
        w.delete_table(schema::CENTRAL_STATUS).unwrap();
        w.commit().unwrap();
    }
    let store = Store::open(&path, StoreConfig::default()).unwrap();
    let snap = store.snapshot().unwrap();
    assert_eq!(snap.sync_state().unwrap(), SyncState::default());
    assert_eq!(snap.transaction_count().unwrap(), 1);
    assert_eq!(snap.outbox_len().unwrap(), 1);
    assert!(store.verify().unwrap().is_ok());
}

#[test]
fn a_store_with_a_newer_schema_version_refuses_to_open() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("store.redb");
    drop(Store::open(&path, StoreConfig::default()).unwrap());
    {
        let db = redb::Database::create(&path).unwrap();
        let w = db.begin_write().unwrap();
        w.open_table(schema::META)
            .unwrap()
            .insert(schema::META_SCHEMA_VERSION, SCHEMA_VERSION + 1)
            .unwrap();
        w.commit().unwrap();
    }
    let err = Store::open(&path, StoreConfig::default()).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found, supported, .. } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION)
    );
    assert!(
        err.to_string().contains("newer than this build supports"),
        "{err}"
    );
}

#[test]
fn blocking_commit_works_outside_a_runtime_and_internal_lot_seqs_count_per_day() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store
        .blocking_import(
            import::parse_json("m.json", MASTER, &crate::clock::anchor_for_tests()).unwrap(),
        )
        .unwrap();
    let c = store
        .blocking_commit(tx("cli", receive("L1", 1, "DOCK")))
        .unwrap();
    assert_eq!(c.seq(), 1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let day = jiff::civil::date(2026, 3, 1);
        assert_eq!(store.next_internal_lot_seq(day).await.unwrap(), 1);
        assert_eq!(store.next_internal_lot_seq(day).await.unwrap(), 2);
        let other = jiff::civil::date(2026, 3, 2);
        assert_eq!(store.next_internal_lot_seq(other).await.unwrap(), 1);
        store.ping().await.unwrap();
        let state = SyncState {
            status_cursor: 42,
            master_cursor: 7,
            ..SyncState::default()
        };
        store.set_sync_state(state.clone()).await.unwrap();
        assert_eq!(store.snapshot().unwrap().sync_state().unwrap(), state);
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn accepted_moves_through_the_store_keep_stock_non_negative_and_verify_passes(
        moves in prop::collection::vec(crate::store::apply::tests::arb_move(), 1..25)
    ) {
        let dir = TempDir::new().unwrap();
        let store = open(&dir);
        for m in moves {
            let _ = store.blocking_commit(tx("p", m));
        }
        let report = store.verify().unwrap();
        prop_assert!(report.is_ok(), "{}", report);
        let snap = store.snapshot().unwrap();
        prop_assert_eq!(snap.last_seq("p").unwrap(), snap.transaction_count().unwrap());
    }
}

#[tokio::test]
async fn cached_items_and_locations_follow_imports_and_old_snapshots_keep_their_view() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    // Absent rows are cached as absent ...
    let before = store.snapshot().unwrap();
    assert!(before.item(&ItemCode(OATS.into())).is_none());
    assert!(before.location(&loc("DOCK")).is_none());
    assert!(store.snapshot().unwrap().location(&loc("DOCK")).is_none());
    // ... until an import changes them.
    let data =
        import::parse_json("master.json", MASTER, &crate::clock::anchor_for_tests()).unwrap();
    store.import(data).await.unwrap();
    let snap = store.snapshot().unwrap();
    assert_eq!(
        snap.item(&ItemCode(OATS.into())).unwrap().description,
        "Rolled oats"
    );
    assert!(snap.location(&loc("DOCK")).is_some());
    // Found by GLN through the cache as well.
    assert_eq!(
        snap.location(&loc("9506000134376")).unwrap().code,
        loc("A-01")
    );
    // A second read of the same snapshot and a fresh one agree.
    assert_eq!(
        snap.item(&ItemCode(OATS.into())),
        store.snapshot().unwrap().item(&ItemCode(OATS.into()))
    );
    // The snapshot taken before the import still sees its own transaction.
    assert!(before.item(&ItemCode(OATS.into())).is_none());

    let changed = MASTER.replace("Rolled oats", "Rolled oats, organic");
    let data =
        import::parse_json("master.json", &changed, &crate::clock::anchor_for_tests()).unwrap();
    store.import(data).await.unwrap();
    assert_eq!(
        store
            .snapshot()
            .unwrap()
            .item(&ItemCode(OATS.into()))
            .unwrap()
            .description,
        "Rolled oats, organic"
    );
    // Moves do not invalidate: still served, still right.
    commit_new(&store, tx("s1", receive("L1", 5, "DOCK"))).await;
    assert_eq!(
        store
            .snapshot()
            .unwrap()
            .item(&ItemCode(OATS.into()))
            .unwrap()
            .description,
        "Rolled oats, organic"
    );
}

mod sync_side {
    use super::*;
    use crate::protocol::{ChangeData, LotStatusData};
    use crate::store::sync::PushOutcome;

    fn exception(id: TxId, seq: u64, kind: ExceptionKind) -> SyncException {
        SyncException {
            id,
            seq,
            kind,
            code: "UNKNOWN_ITEM".into(),
            message: "m".into(),
            case_ref: None,
            station_knew: None,
            at: Timestamp::UNIX_EPOCH,
        }
    }

    #[tokio::test]
    async fn a_push_answer_empties_the_outbox_parks_rejections_and_retry_requeues_them() {
        let dir = TempDir::new().unwrap();
        let store = with_master(&dir).await;
        let mut ids = Vec::new();
        for lot in ["L1", "L2", "L3"] {
            let t = tx("s1", receive(lot, 1, "DOCK"));
            ids.push(t.id);
            commit_new(&store, t).await;
        }
        let state = SyncState {
            status_cursor: 3,
            ..SyncState::default()
        };
        let removed = store
            .apply_push(PushOutcome {
                synced: vec![ids[0], ids[2]],
                exceptions: vec![
                    exception(ids[1], 2, ExceptionKind::Rejected),
                    exception(ids[2], 3, ExceptionKind::Flagged),
                ],
                state: state.clone(),
            })
            .await
            .unwrap();
        assert_eq!(removed, 3);
        let snap = store.snapshot().unwrap();
        assert_eq!(snap.outbox_len().unwrap(), 0);
        assert_eq!(snap.sync_state().unwrap(), state);
        let ex = snap.sync_exceptions(10).unwrap();
        assert_eq!(ex.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3]);
        drop(snap);

        let flagged = store.retry_exception(ids[2]).await.unwrap_err();
        assert!(flagged.to_string().contains("needs no retry"), "{flagged}");
        assert!(store.retry_exception(ids[0]).await.is_err());
        store.retry_exception(ids[1]).await.unwrap();
        let snap = store.snapshot().unwrap();
        let pending = snap.outbox_pending(10).unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].tx.id, ids[1]);
        assert_eq!(
            snap.sync_exceptions(10).unwrap().len(),
            1,
            "the flagged one stays"
        );
        assert!(store.verify().unwrap().is_ok());
    }

    #[tokio::test]
    async fn central_changes_set_status_and_master_fields_but_keep_the_stations_stock() {
        let dir = TempDir::new().unwrap();
        let store = with_master(&dir).await;
        commit_new(&store, tx("s1", receive("L1", 10, "DOCK"))).await;
        let mut central_lot = store.lot(&key(OATS, "L1")).unwrap().unwrap();
        central_lot.on_hand.clear();
        central_lot.certificate = Some("COA-1".into());
        central_lot.expiry_date = Some(jiff::civil::date(2030, 1, 1));
        let hold = |item: &str, lot: &str, status| ChangeData::LotStatus {
            item: item.into(),
            lot: lot.into(),
            data: Some(LotStatusData {
                item: item.into(),
                lot: lot.into(),
                status,
                reason: None,
                case_ref: Some("CASE-1".into()),
            }),
        };
        let mut new_lot = central_lot.clone();
        new_lot.key = key(OATS, "L9");
        new_lot.on_hand = [(loc("A-01"), Qty::units(5))].into();
        let state = SyncState {
            status_cursor: 2,
            master_cursor: 7,
            ..SyncState::default()
        };
        let applied = store
            .apply_changes(
                vec![
                    hold(OATS, "L1", LotStatus::Hold),
                    hold(OATS, "L9", LotStatus::Recalled),
                    ChangeData::Lot(Box::new(central_lot)),
                    ChangeData::Lot(Box::new(new_lot)),
                    ChangeData::ShipmentDeleted("SH-1".into()),
                ],
                state.clone(),
            )
            .await
            .unwrap();
        assert_eq!(applied.applied, 5);
        assert_eq!(applied.statuses, [(key(OATS, "L1"), LotStatus::Hold)]);
        let snap = store.snapshot().unwrap();
        let l1 = snap.try_lot(&key(OATS, "L1")).unwrap().unwrap();
        assert_eq!(l1.status, LotStatus::Hold);
        assert_eq!(l1.total_on_hand(), Qty::units(10), "stock is the station's");
        assert_eq!(l1.certificate.as_deref(), Some("COA-1"));
        let l9 = snap.try_lot(&key(OATS, "L9")).unwrap().unwrap();
        assert_eq!(
            l9.status,
            LotStatus::Recalled,
            "a status that arrived first applies"
        );
        assert_eq!(snap.try_shipment("SH-1").unwrap(), None);
        assert_eq!(snap.sync_state().unwrap(), state);
        assert_eq!(
            snap.central_status(&key(OATS, "L1"))
                .unwrap()
                .unwrap()
                .case_ref
                .as_deref(),
            Some("CASE-1")
        );
        assert!(store.verify().unwrap().is_ok());
    }
}
