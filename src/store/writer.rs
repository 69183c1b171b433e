//! The single writer thread: the only place write transactions are opened.
//!
//! Invariants:
//! - a command's reply is sent only after the write transaction holding its
//!   change has committed with `Durability::Immediate` (or failed);
//! - commit commands queued together are taken, up to the group limit, into
//!   one write transaction; each one's change is all-or-nothing inside it
//!   (computed by the pure `apply` first, written only when it succeeded);
//! - a storage error aborts the whole group and every caller in it gets the
//!   error; retrying with the same `TxId` is safe.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use jiff::civil::Date;
use redb::{Database, Durability, ReadableTable, Table, WriteTransaction};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::model::{Location, Lot, LotKey, MoveKind, Shipment, Transaction, TxId, WorkOrder};
use crate::rules::SerialState;
use crate::store::apply::{self, Rows};
use crate::store::cache::MasterCache;
use crate::store::import::{self, ImportSummary, MasterData};
use crate::store::schema::{self, *};
use crate::store::{Committed, StoreError, SyncState, sync};

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// A request to the writer thread, answered on its oneshot.
#[derive(Debug)]
pub(crate) enum StoreCommand {
    /// Record a transaction (may be grouped with other commits).
    Commit {
        tx: Box<Transaction>,
        reply: Reply<Committed>,
    },
    /// Remove acknowledged ids from the outbox.
    MarkSynced { ids: Vec<TxId>, reply: Reply<usize> },
    /// Replace the sync state.
    SetSyncState { state: SyncState, reply: Reply<()> },
    /// Next internal lot number of a day.
    NextInternalLotSeq { day: Date, reply: Reply<u32> },
    /// Load master data.
    Import {
        data: Box<MasterData>,
        reply: Reply<ImportSummary>,
    },
    /// Liveness round trip.
    Ping { reply: Reply<()> },
    /// Apply a push answer (outbox, exceptions, sync state).
    ApplyPush {
        outcome: Box<sync::PushOutcome>,
        reply: Reply<usize>,
    },
    /// Apply a page of pulled changes with the new sync state.
    ApplyChanges {
        changes: Vec<crate::protocol::ChangeData>,
        state: Box<SyncState>,
        reply: Reply<sync::AppliedChanges>,
    },
    /// Put a parked transaction back into the outbox.
    RetryException { id: TxId, reply: Reply<u64> },
}

/// Counters the writer keeps for metrics and benchmarks.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Durable write transactions that recorded commits.
    pub(crate) commit_txns: AtomicU64,
    /// Transactions recorded (new, not retries).
    pub(crate) recorded: AtomicU64,
}

pub(crate) fn spawn(
    db: Arc<Database>,
    rx: mpsc::Receiver<StoreCommand>,
    group_max: usize,
    notify: Arc<Notify>,
    counters: Arc<Counters>,
    cache: Arc<MasterCache>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("lotstation-store-writer".into())
        .spawn(move || run(&db, rx, group_max, &notify, &counters, &cache))
}

fn run(
    db: &Database,
    mut rx: mpsc::Receiver<StoreCommand>,
    group_max: usize,
    notify: &Notify,
    counters: &Counters,
    cache: &MasterCache,
) {
    let mut next = rx.blocking_recv();
    while let Some(cmd) = next.take() {
        match cmd {
            StoreCommand::Commit { tx, reply } => {
                let mut group = vec![(tx, reply)];
                while group.len() < group_max {
                    match rx.try_recv() {
                        Ok(StoreCommand::Commit { tx, reply }) => group.push((tx, reply)),
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                commit_group(db, group, notify, counters);
            }
            StoreCommand::MarkSynced { ids, reply } => {
                let _ = reply.send(in_write_no_master(db, |w| mark_synced(w, &ids)));
            }
            StoreCommand::SetSyncState { state, reply } => {
                let _ = reply.send(in_write_no_master(db, |w| {
                    let bytes = encode(&state).map_err(StoreError::Encode)?;
                    w.open_table(SYNC_STATE)?
                        .insert(SYNC_STATE_KEY, bytes.as_slice())?;
                    Ok(())
                }));
            }
            StoreCommand::NextInternalLotSeq { day, reply } => {
                let _ = reply.send(in_write_no_master(db, |w| {
                    let mut t = w.open_table(INTERNAL_LOT_SEQ)?;
                    let k = day_key(day);
                    let n = t.get(k)?.map_or(0, |g| g.value()).saturating_add(1);
                    t.insert(k, n)?;
                    Ok(n)
                }));
            }
            StoreCommand::Import { data, reply } => {
                let _ = reply.send(in_write(db, cache, |w| import_master_data(w, &data)));
            }
            StoreCommand::Ping { reply } => {
                let _ = reply.send(Ok(()));
            }
            StoreCommand::ApplyPush { outcome, reply } => {
                let _ = reply.send(in_write_no_master(db, |w| sync::apply_push(w, &outcome)));
            }
            StoreCommand::ApplyChanges {
                changes,
                state,
                reply,
            } => {
                // Changes may replace items and locations: the cache goes.
                let _ = reply.send(in_write(db, cache, |w| {
                    sync::apply_changes(w, &changes, &state)
                }));
            }
            StoreCommand::RetryException { id, reply } => {
                let r = in_write_no_master(db, |w| {
                    sync::retry_exception(w, id)?.map_err(StoreError::RetryRefused)
                });
                if r.is_ok() {
                    notify.notify_one();
                }
                let _ = reply.send(r);
            }
        }
        if next.is_none() {
            next = rx.blocking_recv();
        }
    }
}

/// Run `f` in one durable write transaction; commit only if it succeeded.
///
/// The snapshot cache of items and locations is invalidated after the
/// commit and before the caller replies, so a snapshot taken once the reply
/// is in never sees rows older than the write. This is the default for
/// every write command; only commands that cannot touch items or locations
/// use [`in_write_no_master`].
fn in_write<T>(
    db: &Database,
    cache: &MasterCache,
    f: impl FnOnce(&WriteTransaction) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let r = in_write_no_master(db, f);
    cache.invalidate();
    r
}

/// [`in_write`] for commands that never change items or locations (sync
/// marks and state, lot-number draws): the cache stays valid.
fn in_write_no_master<T>(
    db: &Database,
    f: impl FnOnce(&WriteTransaction) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut w = db.begin_write()?;
    w.set_durability(Durability::Immediate)?;
    match f(&w) {
        Ok(v) => {
            w.commit()?;
            Ok(v)
        }
        Err(e) => {
            w.abort()?;
            Err(e)
        }
    }
}

type Group = Vec<(Box<Transaction>, Reply<Committed>)>;

fn commit_group(db: &Database, group: Group, notify: &Notify, counters: &Counters) {
    let (txs, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
    let mut results: Vec<Result<Committed, StoreError>> = Vec::with_capacity(txs.len());
    let outcome = (|| -> Result<u64, StoreError> {
        let mut w = db.begin_write()?;
        w.set_durability(Durability::Immediate)?;
        let mut new = 0u64;
        {
            let mut t = Tables::open(&w)?;
            for tx in txs {
                let r = commit_one(&mut t, *tx)?;
                new += u64::from(matches!(r, Ok(Committed::New { .. })));
                results.push(r);
            }
        }
        if new > 0 {
            w.commit()?;
        } else {
            w.abort()?;
        }
        Ok(new)
    })();
    match outcome {
        Ok(new) => {
            if new > 0 {
                counters.commit_txns.fetch_add(1, Ordering::Relaxed);
                counters.recorded.fetch_add(new, Ordering::Relaxed);
            }
            for (reply, r) in replies.into_iter().zip(results) {
                let _ = reply.send(r);
            }
            if new > 0 {
                notify.notify_one();
            }
        }
        Err(e) => {
            // Nothing of the group is durable: everyone gets the error.
            let text = e.to_string();
            let mut first = Some(e);
            for reply in replies {
                let err = first.take().unwrap_or_else(|| {
                    StoreError::Storage(redb::Error::from(redb::StorageError::Io(
                        std::io::Error::other(text.clone()),
                    )))
                });
                let _ = reply.send(Err(err));
            }
        }
    }
}

/// Every table a commit touches, opened once per write transaction.
pub(crate) struct Tables<'w> {
    pub(crate) lots: Table<'w, (&'static str, &'static str), &'static [u8]>,
    pub(crate) fefo: Table<'w, (&'static str, i32, i64, &'static str), ()>,
    pub(crate) children: Table<'w, (&'static str, &'static str, &'static str, &'static str), ()>,
    pub(crate) lot_ships: Table<'w, (&'static str, &'static str, &'static str), ()>,
    pub(crate) work_orders: Table<'w, &'static str, &'static [u8]>,
    pub(crate) shipments: Table<'w, &'static str, &'static [u8]>,
    transactions: Table<'w, u64, &'static [u8]>,
    tx_ids: Table<'w, u128, u64>,
    by_station: Table<'w, (&'static str, u64), u64>,
    by_lot: Table<'w, (&'static str, &'static str, u64), ()>,
    audit: Table<'w, u64, &'static [u8; 32]>,
    outbox: Table<'w, u64, u128>,
    station_seq: Table<'w, &'static str, u64>,
    serials: Table<'w, (&'static str, &'static str), u8>,
}

impl<'w> Tables<'w> {
    pub(crate) fn open(w: &'w WriteTransaction) -> Result<Self, StoreError> {
        Ok(Tables {
            lots: w.open_table(LOTS)?,
            fefo: w.open_table(LOTS_FEFO)?,
            children: w.open_table(LOT_CHILDREN)?,
            lot_ships: w.open_table(LOT_SHIPMENTS)?,
            work_orders: w.open_table(WORK_ORDERS)?,
            shipments: w.open_table(SHIPMENTS)?,
            transactions: w.open_table(TRANSACTIONS)?,
            tx_ids: w.open_table(TX_IDS)?,
            by_station: w.open_table(TX_BY_STATION)?,
            by_lot: w.open_table(TX_BY_LOT)?,
            audit: w.open_table(AUDIT)?,
            outbox: w.open_table(OUTBOX)?,
            station_seq: w.open_table(STATION_SEQ)?,
            serials: w.open_table(SERIALS)?,
        })
    }
}

pub(crate) fn get_lot(
    t: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    k: &LotKey,
) -> Result<Option<Lot>, StoreError> {
    get_by_lot_key(t, "lots", k)
}

/// The row of a table keyed by (item, lot), decoded; a row that does not
/// decode is reported as corrupt with its table and key.
pub(crate) fn get_by_lot_key<T: crate::store::schema::Stored>(
    t: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    table: &'static str,
    k: &LotKey,
) -> Result<Option<T>, StoreError> {
    match t.get((k.item.0.as_str(), k.lot.0.as_str()))? {
        None => Ok(None),
        Some(g) => decode(g.value())
            .map(Some)
            .map_err(|source| StoreError::Corrupt {
                table,
                key: k.to_string(),
                source,
            }),
    }
}

/// Write a lot and keep the FEFO and genealogy indexes in step with it.
pub(crate) fn put_lot(t: &mut Tables<'_>, old: Option<&Lot>, new: &Lot) -> Result<(), StoreError> {
    let (item, lot) = (new.key.item.0.as_str(), new.key.lot.0.as_str());
    if let Some(old) = old
        && !old.on_hand.is_empty()
    {
        t.fefo.remove((
            old.key.item.0.as_str(),
            expiry_key(old.expiry_date),
            received_key(old.received_at),
            old.key.lot.0.as_str(),
        ))?;
    }
    if !new.on_hand.is_empty() {
        t.fefo.insert(
            (
                item,
                expiry_key(new.expiry_date),
                received_key(new.received_at),
                lot,
            ),
            (),
        )?;
    }
    for p in &new.parents {
        if old.is_none_or(|o| !o.parents.contains(p)) {
            t.children
                .insert((p.item.0.as_str(), p.lot.0.as_str(), item, lot), ())?;
        }
    }
    let bytes = encode(new).map_err(StoreError::Encode)?;
    t.lots.insert((item, lot), bytes.as_slice())?;
    Ok(())
}

/// Record one transaction. The outer `Err` is a storage failure that dooms
/// the whole group; the inner `Err` refuses this transaction alone, having
/// written nothing.
fn commit_one(
    t: &mut Tables<'_>,
    mut tx: Transaction,
) -> Result<Result<Committed, StoreError>, StoreError> {
    let id = tx.id.0.as_u128();
    if let Some(index) = t.tx_ids.get(id)?.map(|g| g.value()) {
        let old = load_tx(&t.transactions, index)?;
        return Ok(Ok(Committed::AlreadyRecorded {
            id: tx.id,
            seq: old.seq,
            verdict: old.verdict,
        }));
    }
    if !tx.verdict.is_accepted() && tx.override_by.is_none() {
        return Ok(Err(StoreError::NotAccepted(tx.id)));
    }
    if tx.station.is_empty() {
        return Ok(Err(StoreError::NoStation(tx.id)));
    }

    // Load, apply purely, and only then write.
    let needs = apply::needs(&tx.mv);
    let mut rows = Rows::default();
    for k in &needs.lots {
        rows.lots.insert(k.clone(), get_lot(&t.lots, k)?);
    }
    if let Some(id) = &needs.work_order {
        rows.work_order = get_by_id(&t.work_orders, "work_orders", id)?;
    }
    if let Some(id) = &needs.shipment {
        rows.shipment = get_by_id(&t.shipments, "shipments", id)?;
    }
    for (item, serial) in &needs.serials {
        let s = t
            .serials
            .get((item.0.as_str(), serial.as_str()))?
            .and_then(|g| match g.value() {
                SERIAL_IN_STOCK => Some(SerialState::InStock),
                SERIAL_SHIPPED => Some(SerialState::Shipped),
                _ => None,
            });
        rows.serials.insert((item.clone(), serial.clone()), s);
    }
    let before = rows.clone();
    if let Err(e) = apply::apply(&tx.mv, tx.at, &mut rows) {
        return Ok(Err(StoreError::Apply(e)));
    }

    let seq = t
        .station_seq
        .get(tx.station.as_str())?
        .map_or(0, |g| g.value())
        .saturating_add(1);
    tx.seq = seq;
    let index = t
        .transactions
        .last()?
        .map_or(0, |(k, _)| k.value())
        .saturating_add(1);
    let canonical = match canonical_tx(&tx) {
        Ok(c) => c,
        Err(e) => return Ok(Err(StoreError::Encode(e))),
    };
    let prev = match index.checked_sub(1).filter(|i| *i > 0) {
        Some(p) => t.audit.get(p)?.map(|g| *g.value()).unwrap_or([0; 32]),
        None => [0; 32],
    };
    let link = link_hash(&prev, &canonical);
    let mut row = Vec::with_capacity(canonical.len() + 1);
    row.push(FORMAT_JSON_V1);
    row.extend_from_slice(&canonical);

    t.transactions.insert(index, row.as_slice())?;
    t.tx_ids.insert(id, index)?;
    t.by_station.insert((tx.station.as_str(), seq), index)?;
    t.station_seq.insert(tx.station.as_str(), seq)?;
    t.audit.insert(index, &link)?;
    t.outbox.insert(index, id)?;
    for k in &needs.lots {
        t.by_lot
            .insert((k.item.0.as_str(), k.lot.0.as_str(), index), ())?;
    }

    let old_lots: BTreeMap<LotKey, Option<Lot>> = before.lots;
    for (k, new) in &rows.lots {
        let old = old_lots.get(k).and_then(Option::as_ref);
        if let Some(new) = new
            && old != Some(new)
        {
            put_lot(t, old, new)?;
        }
    }
    if let Some(wo) = &rows.work_order
        && before.work_order.as_ref() != Some(wo)
    {
        put_row(&mut t.work_orders, &wo.id, wo)?;
    }
    if let Some(s) = &rows.shipment
        && before.shipment.as_ref() != Some(s)
    {
        put_row(&mut t.shipments, &s.id, s)?;
    }
    if tx.mv.kind == MoveKind::Ship
        && let Some(sid) = &tx.mv.shipment
    {
        for l in &tx.mv.lines {
            t.lot_ships.insert(
                (l.lot.item.0.as_str(), l.lot.lot.0.as_str(), sid.as_str()),
                (),
            )?;
        }
    }
    for ((item, serial), state) in &rows.serials {
        let b = match state {
            Some(SerialState::InStock) => SERIAL_IN_STOCK,
            Some(SerialState::Shipped) => SERIAL_SHIPPED,
            None => continue,
        };
        t.serials.insert((item.0.as_str(), serial.as_str()), b)?;
    }
    Ok(Ok(Committed::New { id: tx.id, seq }))
}

/// Write one master-data row (item, location, work order, shipment) by id.
pub(crate) fn put_row<T: Stored>(
    t: &mut Table<'_, &'static str, &'static [u8]>,
    id: &str,
    v: &T,
) -> Result<(), StoreError> {
    let bytes = encode(v).map_err(StoreError::Encode)?;
    t.insert(id, bytes.as_slice())?;
    Ok(())
}

/// `sha256(prev ‖ canonical)`.
pub(crate) fn link_hash(prev: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical);
    h.finalize().into()
}

pub(crate) fn load_tx(
    t: &impl ReadableTable<u64, &'static [u8]>,
    index: u64,
) -> Result<Transaction, StoreError> {
    let corrupt = |source| StoreError::Corrupt {
        table: "transactions",
        key: index.to_string(),
        source,
    };
    match t.get(index)? {
        Some(g) => decode(g.value()).map_err(corrupt),
        None => Err(corrupt(schema::CodecError::Empty)),
    }
}

fn mark_synced(w: &WriteTransaction, ids: &[TxId]) -> Result<usize, StoreError> {
    let tx_ids = w.open_table(TX_IDS)?;
    let mut outbox = w.open_table(OUTBOX)?;
    let mut n = 0;
    for id in ids {
        if let Some(index) = tx_ids.get(id.0.as_u128())?.map(|g| g.value())
            && outbox.remove(index)?.is_some()
        {
            n += 1;
        }
    }
    Ok(n)
}

fn import_master_data(
    w: &WriteTransaction,
    data: &MasterData,
) -> Result<ImportSummary, StoreError> {
    {
        let items = w.open_table(ITEMS)?;
        let locations = w.open_table(LOCATIONS)?;
        let lots = w.open_table(LOTS)?;
        import::check_references(data, |kind, key| {
            Ok(match kind {
                import::RefKind::Item => items.get(key)?.is_some(),
                import::RefKind::Location => locations.get(key)?.is_some(),
                import::RefKind::Lot(item) => lots.get((item, key))?.is_some(),
            })
        })?;
    }
    {
        let mut items = w.open_table(ITEMS)?;
        for r in &data.items {
            put_row(&mut items, &r.value.code.0, &r.value)?;
        }
    }
    {
        let mut locations = w.open_table(LOCATIONS)?;
        let mut glns = w.open_table(LOCATION_GLN)?;
        for r in &data.locations {
            let loc: &Location = &r.value;
            if let Some(old) = get_by_id::<Location>(&locations, "locations", &loc.code.0)?
                && let Some(g) = &old.gln
            {
                glns.remove(g.as_str())?;
            }
            put_row(&mut locations, &loc.code.0, loc)?;
            if let Some(g) = &loc.gln {
                glns.insert(g.as_str(), loc.code.0.as_str())?;
            }
        }
    }
    {
        let mut t = Tables::open(w)?;
        for r in &data.lots {
            let old = get_lot(&t.lots, &r.value.key)?;
            put_lot(&mut t, old.as_ref(), &r.value)?;
        }
        for r in &data.work_orders {
            let wo: &WorkOrder = &r.value;
            put_row(&mut t.work_orders, &wo.id, wo)?;
        }
        for r in &data.shipments {
            let s: &Shipment = &r.value;
            put_row(&mut t.shipments, &s.id, s)?;
        }
    }
    Ok(data.summary())
}
