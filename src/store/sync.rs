//! The store's side of sync: what the writer does with a push answer and
//! with a page of changes pulled from the central server.
//!
//! Invariants:
//! - a push answer is applied in one write transaction: synced rows leave
//!   the outbox, rejected ones leave it into `sync_exceptions` (parked),
//!   flagged ones are recorded there too, and the sync state is written;
//! - a page of changes and the new cursor are applied in one write
//!   transaction, so after a crash the store has both or neither, and
//!   applying a page twice gives the same state;
//! - stock, status and what the station consumed are the station's record:
//!   a central lot or work-order upsert replaces master fields only.

use redb::{ReadableTable, Table, WriteTransaction};

use crate::model::{ItemCode, Location, Lot, LotKey, LotNo, LotStatus, TxId};
use crate::protocol::ChangeData;
use crate::store::schema::*;
use crate::store::writer::{Tables, get_lot, put_lot, put_row};
use crate::store::{CentralStatus, ExceptionKind, StoreError, SyncException, SyncState};

/// What a push answer does to the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushOutcome {
    /// Transactions the server recorded (accepted, duplicate, flagged):
    /// they leave the outbox.
    pub synced: Vec<TxId>,
    /// Rejected (parked: they leave the outbox too) and flagged ones.
    pub exceptions: Vec<SyncException>,
    /// The sync state to store with it.
    pub state: SyncState,
}

/// What applying a page of changes did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppliedChanges {
    /// Changes applied.
    pub applied: usize,
    /// Lots whose status changed now, with the new status.
    pub statuses: Vec<(LotKey, LotStatus)>,
}

/// Why `outbox retry` cannot re-queue a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RetryRefused {
    /// No exception is recorded for it.
    #[error("transaction {0} has no sync exception; `lotstation outbox` lists them")]
    NoException(TxId),
    /// It was flagged, not rejected: the server has it already.
    #[error(
        "transaction {0} was accepted by the central server with an exception; it is not parked and needs no retry"
    )]
    NotParked(TxId),
}

pub(crate) fn apply_push(w: &WriteTransaction, o: &PushOutcome) -> Result<usize, StoreError> {
    let tx_ids = w.open_table(TX_IDS)?;
    let mut outbox = w.open_table(OUTBOX)?;
    let mut exceptions = w.open_table(SYNC_EXCEPTIONS)?;
    let mut removed = 0;
    for id in &o.synced {
        if let Some(index) = tx_ids.get(id.0.as_u128())?.map(|g| g.value())
            && outbox.remove(index)?.is_some()
        {
            removed += 1;
        }
    }
    for e in &o.exceptions {
        let Some(index) = tx_ids.get(e.id.0.as_u128())?.map(|g| g.value()) else {
            continue;
        };
        if e.kind == ExceptionKind::Rejected && outbox.remove(index)?.is_some() {
            removed += 1;
        }
        let bytes = encode(e).map_err(StoreError::Encode)?;
        exceptions.insert(index, bytes.as_slice())?;
    }
    let bytes = encode(&o.state).map_err(StoreError::Encode)?;
    w.open_table(SYNC_STATE)?
        .insert(SYNC_STATE_KEY, bytes.as_slice())?;
    Ok(removed)
}

pub(crate) fn retry_exception(
    w: &WriteTransaction,
    id: TxId,
) -> Result<Result<u64, RetryRefused>, StoreError> {
    let tx_ids = w.open_table(TX_IDS)?;
    let mut exceptions = w.open_table(SYNC_EXCEPTIONS)?;
    let Some(index) = tx_ids.get(id.0.as_u128())?.map(|g| g.value()) else {
        return Ok(Err(RetryRefused::NoException(id)));
    };
    let e: SyncException = match exceptions.get(index)? {
        None => return Ok(Err(RetryRefused::NoException(id))),
        Some(g) => decode(g.value()).map_err(|source| StoreError::Corrupt {
            table: "sync_exceptions",
            key: index.to_string(),
            source,
        })?,
    };
    if e.kind != ExceptionKind::Rejected {
        return Ok(Err(RetryRefused::NotParked(id)));
    }
    exceptions.remove(index)?;
    w.open_table(OUTBOX)?.insert(index, id.0.as_u128())?;
    Ok(Ok(index))
}

struct MasterTables<'w> {
    items: Table<'w, &'static str, &'static [u8]>,
    locations: Table<'w, &'static str, &'static [u8]>,
    glns: Table<'w, &'static str, &'static str>,
    central: Table<'w, (&'static str, &'static str), &'static [u8]>,
}

pub(crate) fn apply_changes(
    w: &WriteTransaction,
    changes: &[ChangeData],
    state: &SyncState,
) -> Result<AppliedChanges, StoreError> {
    let mut out = AppliedChanges::default();
    {
        let mut m = MasterTables {
            items: w.open_table(ITEMS)?,
            locations: w.open_table(LOCATIONS)?,
            glns: w.open_table(LOCATION_GLN)?,
            central: w.open_table(CENTRAL_STATUS)?,
        };
        let mut t = Tables::open(w)?;
        for c in changes {
            apply_one(&mut m, &mut t, c, state.status_cursor, &mut out)?;
            out.applied += 1;
        }
    }
    let bytes = encode(state).map_err(StoreError::Encode)?;
    w.open_table(SYNC_STATE)?
        .insert(SYNC_STATE_KEY, bytes.as_slice())?;
    Ok(out)
}

fn apply_one(
    m: &mut MasterTables<'_>,
    t: &mut Tables<'_>,
    c: &ChangeData,
    status_cursor: u64,
    out: &mut AppliedChanges,
) -> Result<(), StoreError> {
    match c {
        ChangeData::LotStatus { item, lot, data } => {
            let Some(d) = data else {
                m.central.remove((item.as_str(), lot.as_str()))?;
                return Ok(());
            };
            let cs = CentralStatus {
                status: d.status,
                reason: d.reason.clone(),
                case_ref: d.case_ref.clone(),
                cursor: status_cursor,
            };
            let bytes = encode(&cs).map_err(StoreError::Encode)?;
            m.central
                .insert((item.as_str(), lot.as_str()), bytes.as_slice())?;
            let key = LotKey {
                item: ItemCode(item.clone()),
                lot: LotNo(lot.clone()),
            };
            if let Some(old) = get_lot(&t.lots, &key)?
                && old.status != d.status
            {
                let mut new = old.clone();
                new.status = d.status;
                put_lot(t, Some(&old), &new)?;
                out.statuses.push((key, d.status));
            }
        }
        ChangeData::Item(i) => put_row(&mut m.items, &i.code.0, i)?,
        ChangeData::ItemDeleted(code) => {
            m.items.remove(code.as_str())?;
        }
        ChangeData::Location(l) => {
            if let Some(old) = get_by_id::<Location>(&m.locations, "locations", &l.code.0)?
                && let Some(g) = &old.gln
            {
                m.glns.remove(g.as_str())?;
            }
            put_row(&mut m.locations, &l.code.0, l)?;
            if let Some(g) = &l.gln {
                m.glns.insert(g.as_str(), l.code.0.as_str())?;
            }
        }
        ChangeData::LocationDeleted(code) => {
            if let Some(old) = get_by_id::<Location>(&m.locations, "locations", code)?
                && let Some(g) = &old.gln
            {
                m.glns.remove(g.as_str())?;
            }
            m.locations.remove(code.as_str())?;
        }
        ChangeData::Lot(lot) => {
            let old = get_lot(&t.lots, &lot.key)?;
            let new = merge_lot(old.as_ref(), lot, |k| central_status(&m.central, k))?;
            if old.as_ref() != Some(&new) {
                put_lot(t, old.as_ref(), &new)?;
            }
        }
        ChangeData::LotDeleted => {}
        ChangeData::WorkOrder(wo) => {
            let mut new = wo.clone();
            if let Some(old) =
                get_by_id::<crate::model::WorkOrder>(&t.work_orders, "work_orders", &wo.id)?
            {
                new.issued = old.issued;
                new.issued_lots = old.issued_lots;
            }
            put_row(&mut t.work_orders, &new.id, &new)?;
        }
        ChangeData::WorkOrderDeleted(id) => {
            t.work_orders.remove(id.as_str())?;
        }
        ChangeData::Shipment(s) => {
            let mut new = s.clone();
            if let Some(old) =
                get_by_id::<crate::model::Shipment>(&t.shipments, "shipments", &s.id)?
            {
                new.shipped = old.shipped;
            }
            put_row(&mut t.shipments, &new.id, &new)?;
        }
        ChangeData::ShipmentDeleted(id) => {
            t.shipments.remove(id.as_str())?;
        }
    }
    Ok(())
}

fn central_status(
    t: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    k: &LotKey,
) -> Result<Option<CentralStatus>, StoreError> {
    super::writer::get_by_lot_key(t, "central_status", k)
}

/// A central lot upsert merged into the station's lot: master fields from
/// the server; stock, status and receipt time kept from the station. A lot
/// the station does not have is taken as sent, with the central status
/// decided for it, if any.
fn merge_lot(
    old: Option<&Lot>,
    central: &Lot,
    status_of: impl FnOnce(&LotKey) -> Result<Option<CentralStatus>, StoreError>,
) -> Result<Lot, StoreError> {
    let mut new = central.clone();
    match old {
        Some(o) => {
            new.on_hand = o.on_hand.clone();
            new.status = o.status;
            new.received_at = o.received_at.or(central.received_at);
        }
        None => {
            if let Some(cs) = status_of(&central.key)? {
                new.status = cs.status;
            }
        }
    }
    Ok(new)
}
