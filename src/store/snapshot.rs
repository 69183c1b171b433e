//! A consistent read view of the store: one redb read transaction with its
//! tables kept open for the snapshot's life.
//!
//! [`Snapshot`] implements [`View`] for the rules. `View` cannot report
//! errors, so a row that fails to decode reads as absent there (a move over
//! it is then refused as unknown, the safe side); the `try_*` methods report
//! the error instead, and `lotstation verify` finds the row.

use std::sync::{Arc, OnceLock};

use redb::{ReadOnlyTable, ReadTransaction, ReadableTable, ReadableTableMetadata};

use crate::model::{
    Item, ItemCode, Location, LocationCode, Lot, LotKey, Shipment, Transaction, TxId, WorkOrder,
};
use crate::rules::{SerialState, View};
use crate::store::cache::MasterCache;
use crate::store::schema::*;
use crate::store::writer::{get_lot, load_tx};
use crate::store::{CentralStatus, StoreError, SyncException, SyncState};

/// A pending outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Global commit index (delivery order).
    pub index: u64,
    /// The transaction.
    pub tx: Transaction,
}

/// A pending outbox row as the canonical JSON the store holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawOutboxEntry {
    /// Global commit index (delivery order).
    pub index: u64,
    /// The transaction id.
    pub id: TxId,
    /// Its station sequence number.
    pub seq: u64,
    /// Its canonical JSON (what the audit chain hashes).
    pub json: Vec<u8>,
}

/// The FEFO index: (item, expiry, received, lot).
type FefoTable = ReadOnlyTable<(&'static str, i32, i64, &'static str), ()>;
/// Genealogy children: (parent item, parent lot, child item, child lot).
type ChildrenTable = ReadOnlyTable<(&'static str, &'static str, &'static str, &'static str), ()>;

/// A read transaction over the store. Cheap to create; hold it only as long
/// as one decision or one query needs (it pins the pages it sees).
pub struct Snapshot {
    items: OnceLock<ReadOnlyTable<&'static str, &'static [u8]>>,
    lots: OnceLock<ReadOnlyTable<(&'static str, &'static str), &'static [u8]>>,
    fefo: OnceLock<FefoTable>,
    children: OnceLock<ChildrenTable>,
    lot_ships: OnceLock<ReadOnlyTable<(&'static str, &'static str, &'static str), ()>>,
    locations: OnceLock<ReadOnlyTable<&'static str, &'static [u8]>>,
    glns: OnceLock<ReadOnlyTable<&'static str, &'static str>>,
    work_orders: OnceLock<ReadOnlyTable<&'static str, &'static [u8]>>,
    shipments: OnceLock<ReadOnlyTable<&'static str, &'static [u8]>>,
    transactions: OnceLock<ReadOnlyTable<u64, &'static [u8]>>,
    tx_ids: OnceLock<ReadOnlyTable<u128, u64>>,
    by_lot: OnceLock<ReadOnlyTable<(&'static str, &'static str, u64), ()>>,
    outbox: OnceLock<ReadOnlyTable<u64, u128>>,
    station_seq: OnceLock<ReadOnlyTable<&'static str, u64>>,
    serials: OnceLock<ReadOnlyTable<(&'static str, &'static str), u8>>,
    sync: OnceLock<ReadOnlyTable<&'static str, &'static [u8]>>,
    /// Decoded items and locations shared across snapshots, with the
    /// generation read before this snapshot's transaction began.
    cache: Option<(Arc<MasterCache>, u64)>,
    txn: ReadTransaction,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot").finish_non_exhaustive()
    }
}

impl Snapshot {
    pub(crate) fn items(&self) -> Result<&ReadOnlyTable<&'static str, &'static [u8]>, StoreError> {
        if let Some(t) = self.items.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(ITEMS)?;
        Ok(self.items.get_or_init(|| t))
    }

    pub(crate) fn lots(
        &self,
    ) -> Result<&ReadOnlyTable<(&'static str, &'static str), &'static [u8]>, StoreError> {
        if let Some(t) = self.lots.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(LOTS)?;
        Ok(self.lots.get_or_init(|| t))
    }

    pub(crate) fn fefo(&self) -> Result<&FefoTable, StoreError> {
        if let Some(t) = self.fefo.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(LOTS_FEFO)?;
        Ok(self.fefo.get_or_init(|| t))
    }

    pub(crate) fn children(&self) -> Result<&ChildrenTable, StoreError> {
        if let Some(t) = self.children.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(LOT_CHILDREN)?;
        Ok(self.children.get_or_init(|| t))
    }

    pub(crate) fn lot_ships(
        &self,
    ) -> Result<&ReadOnlyTable<(&'static str, &'static str, &'static str), ()>, StoreError> {
        if let Some(t) = self.lot_ships.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(LOT_SHIPMENTS)?;
        Ok(self.lot_ships.get_or_init(|| t))
    }

    pub(crate) fn locations(
        &self,
    ) -> Result<&ReadOnlyTable<&'static str, &'static [u8]>, StoreError> {
        if let Some(t) = self.locations.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(LOCATIONS)?;
        Ok(self.locations.get_or_init(|| t))
    }

    pub(crate) fn glns(&self) -> Result<&ReadOnlyTable<&'static str, &'static str>, StoreError> {
        if let Some(t) = self.glns.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(LOCATION_GLN)?;
        Ok(self.glns.get_or_init(|| t))
    }

    pub(crate) fn work_orders(
        &self,
    ) -> Result<&ReadOnlyTable<&'static str, &'static [u8]>, StoreError> {
        if let Some(t) = self.work_orders.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(WORK_ORDERS)?;
        Ok(self.work_orders.get_or_init(|| t))
    }

    pub(crate) fn shipments(
        &self,
    ) -> Result<&ReadOnlyTable<&'static str, &'static [u8]>, StoreError> {
        if let Some(t) = self.shipments.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(SHIPMENTS)?;
        Ok(self.shipments.get_or_init(|| t))
    }

    pub(crate) fn transactions(&self) -> Result<&ReadOnlyTable<u64, &'static [u8]>, StoreError> {
        if let Some(t) = self.transactions.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(TRANSACTIONS)?;
        Ok(self.transactions.get_or_init(|| t))
    }

    pub(crate) fn tx_ids(&self) -> Result<&ReadOnlyTable<u128, u64>, StoreError> {
        if let Some(t) = self.tx_ids.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(TX_IDS)?;
        Ok(self.tx_ids.get_or_init(|| t))
    }

    pub(crate) fn by_lot(
        &self,
    ) -> Result<&ReadOnlyTable<(&'static str, &'static str, u64), ()>, StoreError> {
        if let Some(t) = self.by_lot.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(TX_BY_LOT)?;
        Ok(self.by_lot.get_or_init(|| t))
    }

    pub(crate) fn outbox(&self) -> Result<&ReadOnlyTable<u64, u128>, StoreError> {
        if let Some(t) = self.outbox.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(OUTBOX)?;
        Ok(self.outbox.get_or_init(|| t))
    }

    pub(crate) fn station_seq(&self) -> Result<&ReadOnlyTable<&'static str, u64>, StoreError> {
        if let Some(t) = self.station_seq.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(STATION_SEQ)?;
        Ok(self.station_seq.get_or_init(|| t))
    }

    pub(crate) fn serials(
        &self,
    ) -> Result<&ReadOnlyTable<(&'static str, &'static str), u8>, StoreError> {
        if let Some(t) = self.serials.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(SERIALS)?;
        Ok(self.serials.get_or_init(|| t))
    }

    pub(crate) fn sync(&self) -> Result<&ReadOnlyTable<&'static str, &'static [u8]>, StoreError> {
        if let Some(t) = self.sync.get() {
            return Ok(t);
        }
        let t = self.txn.open_table(SYNC_STATE)?;
        Ok(self.sync.get_or_init(|| t))
    }

    /// `cache` carries the generation read *before* `txn` was begun.
    pub(crate) fn new(
        txn: ReadTransaction,
        cache: Option<(Arc<MasterCache>, u64)>,
    ) -> Result<Snapshot, StoreError> {
        // Tables are opened on first use: a decision touches a few of them,
        // and opening all of them up front cost more than the lookups.
        Ok(Snapshot {
            items: OnceLock::new(),
            lots: OnceLock::new(),
            fefo: OnceLock::new(),
            children: OnceLock::new(),
            lot_ships: OnceLock::new(),
            locations: OnceLock::new(),
            glns: OnceLock::new(),
            work_orders: OnceLock::new(),
            shipments: OnceLock::new(),
            transactions: OnceLock::new(),
            tx_ids: OnceLock::new(),
            by_lot: OnceLock::new(),
            outbox: OnceLock::new(),
            station_seq: OnceLock::new(),
            serials: OnceLock::new(),
            sync: OnceLock::new(),
            cache,
            txn,
        })
    }

    /// An item.
    pub fn try_item(&self, code: &ItemCode) -> Result<Option<Item>, StoreError> {
        if let Some((cache, g)) = &self.cache {
            if let Some(hit) = cache.item(*g, &code.0) {
                return Ok(hit.map(|i| Item::clone(&i)));
            }
            let row: Option<Item> = get_by_id(self.items()?, "items", &code.0)?;
            cache.put_item(*g, &code.0, row.clone().map(Arc::new));
            return Ok(row);
        }
        get_by_id(self.items()?, "items", &code.0)
    }

    /// A lot.
    pub fn try_lot(&self, key: &LotKey) -> Result<Option<Lot>, StoreError> {
        get_lot(self.lots()?, key)
    }

    /// A location by code, else by GLN.
    pub fn try_location(&self, code: &LocationCode) -> Result<Option<Location>, StoreError> {
        if let Some((cache, g)) = &self.cache {
            if let Some(hit) = cache.location(*g, &code.0) {
                return Ok(hit.map(|l| Location::clone(&l)));
            }
            let row = self.read_location(code)?;
            cache.put_location(*g, &code.0, row.clone().map(Arc::new));
            return Ok(row);
        }
        self.read_location(code)
    }

    fn read_location(&self, code: &LocationCode) -> Result<Option<Location>, StoreError> {
        if let Some(l) = get_by_id(self.locations()?, "locations", &code.0)? {
            return Ok(Some(l));
        }
        let Some(by_gln) = self
            .glns()?
            .get(code.0.as_str())?
            .map(|g| g.value().to_owned())
        else {
            return Ok(None);
        };
        get_by_id(self.locations()?, "locations", &by_gln)
    }

    /// A work order.
    pub fn try_work_order(&self, id: &str) -> Result<Option<WorkOrder>, StoreError> {
        get_by_id(self.work_orders()?, "work_orders", id)
    }

    /// A shipment.
    pub fn try_shipment(&self, id: &str) -> Result<Option<Shipment>, StoreError> {
        get_by_id(self.shipments()?, "shipments", id)
    }

    /// Lots of an item with stock, FEFO order, at most `limit`.
    pub fn try_lots_of_item(&self, item: &ItemCode, limit: usize) -> Result<Vec<Lot>, StoreError> {
        let mut out = Vec::new();
        for entry in self
            .fefo()?
            .range((item.0.as_str(), i32::MIN, i64::MIN, "")..)?
        {
            if out.len() >= limit {
                break;
            }
            let (k, _) = entry?;
            let (it, _, _, lot) = k.value();
            if it != item.0 {
                break;
            }
            let key = LotKey {
                item: item.clone(),
                lot: crate::model::LotNo(lot.to_owned()),
            };
            if let Some(l) = self.try_lot(&key)? {
                out.push(l);
            }
        }
        Ok(out)
    }

    /// A recorded transaction by id.
    pub fn transaction(&self, id: TxId) -> Result<Option<Transaction>, StoreError> {
        match self.tx_ids()?.get(id.0.as_u128())? {
            None => Ok(None),
            Some(g) => load_tx(self.transactions()?, g.value()).map(Some),
        }
    }

    /// Every transaction that touched a lot, oldest first.
    pub fn history(&self, key: &LotKey) -> Result<Vec<Transaction>, StoreError> {
        let (item, lot) = (key.item.0.as_str(), key.lot.0.as_str());
        let mut out = Vec::new();
        for entry in self.by_lot()?.range((item, lot, 0u64)..)? {
            let (k, _) = entry?;
            let (i, l, index) = k.value();
            if i != item || l != lot {
                break;
            }
            out.push(load_tx(self.transactions()?, index)?);
        }
        Ok(out)
    }

    /// True if the store holds at least one item (master data was loaded).
    pub fn has_items(&self) -> Result<bool, StoreError> {
        Ok(self.items()?.first()?.is_some())
    }

    /// Number of transactions recorded.
    pub fn transaction_count(&self) -> Result<u64, StoreError> {
        Ok(self.transactions()?.len()?)
    }

    /// Last seq assigned to a station (0 if none).
    pub fn last_seq(&self, station: &str) -> Result<u64, StoreError> {
        Ok(self.station_seq()?.get(station)?.map_or(0, |g| g.value()))
    }

    /// Transactions not yet acknowledged by the central server.
    pub fn outbox_len(&self) -> Result<u64, StoreError> {
        Ok(self.outbox()?.len()?)
    }

    /// The oldest pending outbox entry.
    pub fn outbox_oldest(&self) -> Result<Option<OutboxEntry>, StoreError> {
        Ok(self.outbox_pending(1)?.into_iter().next())
    }

    /// Up to `limit` pending outbox entries, in commit order.
    pub fn outbox_pending(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut out = Vec::new();
        for entry in self.outbox()?.iter()?.take(limit) {
            let (k, _) = entry?;
            let index = k.value();
            out.push(OutboxEntry {
                index,
                tx: load_tx(self.transactions()?, index)?,
            });
        }
        Ok(out)
    }

    /// Up to `limit` pending outbox entries after commit index `after`
    /// (from the start when `None`), in commit order, as the canonical JSON
    /// the store holds: what a push sends, without decoding it.
    pub fn outbox_raw(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<RawOutboxEntry>, StoreError> {
        #[derive(serde::Deserialize)]
        struct Head {
            seq: u64,
        }
        let start = after.map_or(0, |a| a.saturating_add(1));
        let mut out = Vec::new();
        for entry in self.outbox()?.range(start..)?.take(limit) {
            let (k, v) = entry?;
            let index = k.value();
            let corrupt = |source| StoreError::Corrupt {
                table: "transactions",
                key: index.to_string(),
                source,
            };
            let row = self
                .transactions()?
                .get(index)?
                .ok_or_else(|| corrupt(CodecError::Empty))?;
            let json = match row.value().split_first() {
                Some((&FORMAT_JSON_V1, body)) => body.to_vec(),
                Some((&other, _)) => return Err(corrupt(CodecError::UnknownFormat(other))),
                None => return Err(corrupt(CodecError::Empty)),
            };
            let head: Head =
                serde_json::from_slice(&json).map_err(|e| corrupt(CodecError::Json(e)))?;
            out.push(RawOutboxEntry {
                index,
                id: TxId(uuid::Uuid::from_u128(v.value())),
                seq: head.seq,
                json,
            });
        }
        Ok(out)
    }

    /// The sync task's state.
    pub fn sync_state(&self) -> Result<SyncState, StoreError> {
        Ok(get_by_id(self.sync()?, "sync_state", SYNC_STATE_KEY)?.unwrap_or_default())
    }

    /// Transactions the central server rejected (parked) or flagged,
    /// oldest first, at most `limit`.
    pub fn sync_exceptions(&self, limit: usize) -> Result<Vec<SyncException>, StoreError> {
        let t = self.txn.open_table(SYNC_EXCEPTIONS)?;
        let mut out = Vec::new();
        for e in t.iter()?.take(limit) {
            let (k, v) = e?;
            out.push(decode(v.value()).map_err(|source| StoreError::Corrupt {
                table: "sync_exceptions",
                key: k.value().to_string(),
                source,
            })?);
        }
        Ok(out)
    }

    /// Number of sync exceptions (parked and flagged).
    pub fn sync_exception_count(&self) -> Result<u64, StoreError> {
        Ok(self.txn.open_table(SYNC_EXCEPTIONS)?.len()?)
    }

    /// The status the central server decided for a lot, if any.
    pub fn central_status(&self, key: &LotKey) -> Result<Option<CentralStatus>, StoreError> {
        let t = self.txn.open_table(CENTRAL_STATUS)?;
        super::writer::get_by_lot_key(&t, "central_status", key)
    }

    /// Where a serial stands.
    pub fn try_serial_state(
        &self,
        item: &ItemCode,
        serial: &str,
    ) -> Result<Option<SerialState>, StoreError> {
        Ok(self
            .serials()?
            .get((item.0.as_str(), serial))?
            .and_then(|g| match g.value() {
                SERIAL_IN_STOCK => Some(SerialState::InStock),
                SERIAL_SHIPPED => Some(SerialState::Shipped),
                _ => None,
            }))
    }
}

impl View for Snapshot {
    fn item(&self, code: &ItemCode) -> Option<Item> {
        self.try_item(code).ok().flatten()
    }
    fn lot(&self, key: &LotKey) -> Option<Lot> {
        self.try_lot(key).ok().flatten()
    }
    fn lots_of_item(&self, item: &ItemCode, limit: usize) -> Vec<Lot> {
        self.try_lots_of_item(item, limit).unwrap_or_default()
    }
    fn location(&self, code: &LocationCode) -> Option<Location> {
        self.try_location(code).ok().flatten()
    }
    fn work_order(&self, id: &str) -> Option<WorkOrder> {
        self.try_work_order(id).ok().flatten()
    }
    fn shipment(&self, id: &str) -> Option<Shipment> {
        self.try_shipment(id).ok().flatten()
    }
    fn serial_state(&self, item: &ItemCode, serial: &str) -> Option<SerialState> {
        self.try_serial_state(item, serial).ok().flatten()
    }
}
