//! The redb schema: table definitions, key and value encodings, the schema
//! version and its migrations.
//!
//! Invariant: every value written by this build starts with a format byte
//! ([`FORMAT_POSTCARD_V1`] or [`FORMAT_JSON_V1`]); [`decode`] accepts both, so
//! a later build can change a type's format without rewriting old rows.
//!
//! Keys are redb tuples of native types so that redb's own ordering is the
//! order the store needs (FEFO, history, commit order).

use jiff::Timestamp;
use jiff::civil::Date;
use redb::{ReadableTable, TableDefinition, WriteTransaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::{Item, Location, Lot, Shipment, Transaction, WorkOrder};
use crate::store::{CentralStatus, SyncException, SyncState};

/// Version of the table layout and encodings this build writes. A store with
/// a newer version refuses to open; an older one is migrated at open.
pub const SCHEMA_VERSION: u64 = 2;

/// Key of the schema version in [`META`].
pub(crate) const META_SCHEMA_VERSION: &str = "schema_version";

/// `"schema_version"` → version number.
pub(crate) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// Item code → encoded [`Item`].
pub(crate) const ITEMS: TableDefinition<&str, &[u8]> = TableDefinition::new("items");
/// (item, lot) → encoded [`Lot`].
pub(crate) const LOTS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("lots");
/// FEFO index of lots **with stock**: (item, expiry as yyyymmdd or
/// `i32::MAX`, received at in ms or `i64::MAX`, lot) → ().
pub(crate) const LOTS_FEFO: TableDefinition<(&str, i32, i64, &str), ()> =
    TableDefinition::new("lots_fefo");
/// Forward genealogy: (parent item, parent lot, child item, child lot) → ().
pub(crate) const LOT_CHILDREN: TableDefinition<(&str, &str, &str, &str), ()> =
    TableDefinition::new("lot_children");
/// Forward trace to customers: (item, lot, shipment id) → ().
pub(crate) const LOT_SHIPMENTS: TableDefinition<(&str, &str, &str), ()> =
    TableDefinition::new("lot_shipments");
/// Location code → encoded [`Location`].
pub(crate) const LOCATIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("locations");
/// GLN → location code.
pub(crate) const LOCATION_GLN: TableDefinition<&str, &str> = TableDefinition::new("location_gln");
/// Work order id → encoded [`WorkOrder`] (BOM, issued quantities and lots).
pub(crate) const WORK_ORDERS: TableDefinition<&str, &[u8]> = TableDefinition::new("work_orders");
/// Shipment id → encoded [`Shipment`].
pub(crate) const SHIPMENTS: TableDefinition<&str, &[u8]> = TableDefinition::new("shipments");
/// Commit index (global, from 1, gap-free) → format byte + canonical JSON of
/// the [`Transaction`]. The audit link hashes exactly these JSON bytes.
pub(crate) const TRANSACTIONS: TableDefinition<u64, &[u8]> = TableDefinition::new("transactions");
/// Transaction id (UUIDv7 as u128) → commit index.
pub(crate) const TX_IDS: TableDefinition<u128, u64> = TableDefinition::new("tx_ids");
/// (station, seq) → commit index.
pub(crate) const TX_BY_STATION: TableDefinition<(&str, u64), u64> =
    TableDefinition::new("tx_by_station");
/// (item, lot, commit index) → (): a lot's history.
pub(crate) const TX_BY_LOT: TableDefinition<(&str, &str, u64), ()> =
    TableDefinition::new("tx_by_lot");
/// Commit index → SHA-256 link: `sha256(previous link ‖ canonical JSON)`.
pub(crate) const AUDIT: TableDefinition<u64, &[u8; 32]> = TableDefinition::new("audit");
/// Commit index → transaction id, for transactions not yet acknowledged by
/// the central server. Commit order is delivery order.
pub(crate) const OUTBOX: TableDefinition<u64, u128> = TableDefinition::new("outbox");
/// `"state"` → encoded [`SyncState`].
pub(crate) const SYNC_STATE: TableDefinition<&str, &[u8]> = TableDefinition::new("sync_state");
/// Key of the single row in [`SYNC_STATE`].
pub(crate) const SYNC_STATE_KEY: &str = "state";
/// Commit index → encoded [`SyncException`]: transactions the central
/// server rejected (parked, out of the outbox) or flagged (synced).
pub(crate) const SYNC_EXCEPTIONS: TableDefinition<u64, &[u8]> =
    TableDefinition::new("sync_exceptions");
/// (item, lot) → encoded [`CentralStatus`]: the latest status the central
/// server decided for a lot, applied to the lot now or when it arrives.
pub(crate) const CENTRAL_STATUS: TableDefinition<(&str, &str), &[u8]> =
    TableDefinition::new("central_status");
/// Station → last assigned seq.
pub(crate) const STATION_SEQ: TableDefinition<&str, u64> = TableDefinition::new("station_seq");
/// Day (yyyymmdd) → last internal lot sequence handed out that day.
pub(crate) const INTERNAL_LOT_SEQ: TableDefinition<i32, u32> =
    TableDefinition::new("internal_lot_seq");
/// (item, serial) → [`SERIAL_IN_STOCK`] or [`SERIAL_SHIPPED`].
pub(crate) const SERIALS: TableDefinition<(&str, &str), u8> = TableDefinition::new("serials");

/// Serial state byte: in stock.
pub(crate) const SERIAL_IN_STOCK: u8 = 1;
/// Serial state byte: shipped.
pub(crate) const SERIAL_SHIPPED: u8 = 2;

/// Value format byte: postcard (compact binary) follows.
pub const FORMAT_POSTCARD_V1: u8 = 1;
/// Value format byte: JSON follows. Used for types whose serde attributes
/// skip fields (`LotLine::serial`), which a non-self-describing format cannot
/// read back, and for transactions, whose JSON is the canonical audit form.
pub const FORMAT_JSON_V1: u8 = 2;

/// A value type stored in a table, with the format it is written in.
pub(crate) trait Stored: Serialize + DeserializeOwned {
    /// Format byte this build writes.
    const FORMAT: u8;
}

impl Stored for Item {
    const FORMAT: u8 = FORMAT_POSTCARD_V1;
}
impl Stored for Lot {
    const FORMAT: u8 = FORMAT_POSTCARD_V1;
}
impl Stored for Location {
    const FORMAT: u8 = FORMAT_POSTCARD_V1;
}
impl Stored for WorkOrder {
    const FORMAT: u8 = FORMAT_POSTCARD_V1;
}
// JSON with defaulted fields: the sync state grows without migrations.
impl Stored for SyncState {
    const FORMAT: u8 = FORMAT_JSON_V1;
}
impl Stored for SyncException {
    const FORMAT: u8 = FORMAT_JSON_V1;
}
impl Stored for CentralStatus {
    const FORMAT: u8 = FORMAT_JSON_V1;
}
// `Shipment::shipped` holds `LotLine`s, whose `serial` is skipped when empty.
impl Stored for Shipment {
    const FORMAT: u8 = FORMAT_JSON_V1;
}
impl Stored for Transaction {
    const FORMAT: u8 = FORMAT_JSON_V1;
}

/// Why a stored value could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// Empty value.
    #[error("empty value")]
    Empty,
    /// Unknown leading format byte.
    #[error("unknown value format byte {0} (written by a newer lotstation?)")]
    UnknownFormat(u8),
    /// Postcard failed.
    #[error("postcard: {0}")]
    Postcard(#[from] postcard::Error),
    /// JSON failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

/// Encode a value: format byte, then the body.
pub(crate) fn encode<T: Stored>(v: &T) -> Result<Vec<u8>, CodecError> {
    let mut out = vec![T::FORMAT];
    match T::FORMAT {
        FORMAT_JSON_V1 => serde_json::to_writer(&mut out, v)?,
        _ => out = postcard::to_extend(v, out)?,
    }
    Ok(out)
}

/// Decode a value written in either format.
pub(crate) fn decode<T: Stored>(bytes: &[u8]) -> Result<T, CodecError> {
    match bytes.split_first() {
        None => Err(CodecError::Empty),
        Some((&FORMAT_POSTCARD_V1, body)) => Ok(postcard::from_bytes(body)?),
        Some((&FORMAT_JSON_V1, body)) => Ok(serde_json::from_slice(body)?),
        Some((&other, _)) => Err(CodecError::UnknownFormat(other)),
    }
}

/// Canonical form of a transaction for the audit chain: its JSON (field
/// order fixed by the struct, maps sorted). The stored row is
/// [`FORMAT_JSON_V1`] followed by exactly these bytes.
pub(crate) fn canonical_tx(tx: &Transaction) -> Result<Vec<u8>, CodecError> {
    Ok(serde_json::to_vec(tx)?)
}

/// Expiry as an ordered integer (yyyymmdd); no expiry sorts last.
pub(crate) fn expiry_key(d: Option<Date>) -> i32 {
    match d {
        Some(d) => i32::from(d.year()) * 10_000 + i32::from(d.month()) * 100 + i32::from(d.day()),
        None => i32::MAX,
    }
}

/// Receipt instant as an ordered integer (ms); unknown sorts last.
pub(crate) fn received_key(t: Option<Timestamp>) -> i64 {
    t.map_or(i64::MAX, |t| t.as_millisecond())
}

/// Day key (yyyymmdd) for the internal lot sequence.
pub(crate) fn day_key(d: Date) -> i32 {
    expiry_key(Some(d))
}

/// Open (creating when missing) every table, so read transactions can rely
/// on them existing.
pub(crate) fn create_tables(w: &WriteTransaction) -> Result<(), redb::TableError> {
    w.open_table(META)?;
    w.open_table(ITEMS)?;
    w.open_table(LOTS)?;
    w.open_table(LOTS_FEFO)?;
    w.open_table(LOT_CHILDREN)?;
    w.open_table(LOT_SHIPMENTS)?;
    w.open_table(LOCATIONS)?;
    w.open_table(LOCATION_GLN)?;
    w.open_table(WORK_ORDERS)?;
    w.open_table(SHIPMENTS)?;
    w.open_table(TRANSACTIONS)?;
    w.open_table(TX_IDS)?;
    w.open_table(TX_BY_STATION)?;
    w.open_table(TX_BY_LOT)?;
    w.open_table(AUDIT)?;
    w.open_table(OUTBOX)?;
    w.open_table(SYNC_STATE)?;
    w.open_table(STATION_SEQ)?;
    w.open_table(INTERNAL_LOT_SEQ)?;
    w.open_table(SERIALS)?;
    w.open_table(SYNC_EXCEPTIONS)?;
    w.open_table(CENTRAL_STATUS)?;
    Ok(())
}

/// One migration step: rewrites a store from `from` to `from + 1` inside the
/// open write transaction.
pub(crate) type Migration = fn(&WriteTransaction) -> Result<(), redb::Error>;

/// Migrations, index `i` takes version `i + 1` to `i + 2`. A change to a
/// table or an encoding bumps [`SCHEMA_VERSION`] and appends one here.
/// Tables new in a version are created by [`create_tables`] after the steps.
pub(crate) const MIGRATIONS: &[Migration] = &[migrate_1_to_2];

/// 1 → 2: the sync state is JSON now (the version-1 postcard row, if any,
/// is dropped: the next sync starts its cursors over, which is safe because
/// applying changes is idempotent); `sync_exceptions` and `central_status`
/// are new.
fn migrate_1_to_2(w: &WriteTransaction) -> Result<(), redb::Error> {
    w.open_table(SYNC_STATE)?.remove(SYNC_STATE_KEY)?;
    Ok(())
}

/// What opening found about the schema version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemaCheck {
    /// Fresh file: version written.
    Created,
    /// Already current.
    Current,
    /// Migrated from the given version.
    Migrated(u64),
    /// Newer than this build: refuse.
    TooNew(u64),
    /// Older, but no migration is known for it.
    NoMigration(u64),
}

/// Check the stored version and migrate when older. Runs in the open write
/// transaction; the caller commits only when the result is not `TooNew`.
pub(crate) fn check_and_migrate(w: &WriteTransaction) -> Result<SchemaCheck, redb::Error> {
    let found = {
        let meta = w.open_table(META)?;

        meta.get(META_SCHEMA_VERSION)?.map(|g| g.value())
    };
    let check = match found {
        None => SchemaCheck::Created,
        Some(v) if v == SCHEMA_VERSION => return Ok(SchemaCheck::Current),
        Some(v) if v > SCHEMA_VERSION => return Ok(SchemaCheck::TooNew(v)),
        Some(v) => {
            let mut at = v;
            while at < SCHEMA_VERSION {
                let step = usize::try_from(at.saturating_sub(1))
                    .ok()
                    .and_then(|i| MIGRATIONS.get(i));
                match step {
                    Some(m) => m(w)?,
                    None => return Ok(SchemaCheck::NoMigration(v)),
                }
                at += 1;
            }
            SchemaCheck::Migrated(v)
        }
    };
    create_tables(w)?;
    w.open_table(META)?
        .insert(META_SCHEMA_VERSION, SCHEMA_VERSION)?;
    Ok(check)
}

/// A row of an id-keyed table, decoded; a row that does not decode is
/// reported as corrupt, naming the table and key.
pub(crate) fn get_by_id<T: Stored>(
    t: &impl redb::ReadableTable<&'static str, &'static [u8]>,
    table: &'static str,
    id: &str,
) -> Result<Option<T>, crate::store::StoreError> {
    match t.get(id)? {
        None => Ok(None),
        Some(g) => {
            decode(g.value())
                .map(Some)
                .map_err(|source| crate::store::StoreError::Corrupt {
                    table,
                    key: id.to_owned(),
                    source,
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ItemCode, LotKey, LotLine, LotNo, Move, MoveKind, Qty, TxId, Verdict};

    #[test]
    fn values_round_trip_in_their_format_including_skipped_serials() {
        let line = LotLine {
            lot: LotKey {
                item: ItemCode("09506000134352".into()),
                lot: LotNo("A1".into()),
            },
            qty: Qty(1000),
            serial: None,
        };
        let ship = Shipment {
            id: "S1".into(),
            customer: "C".into(),
            lines: vec![],
            shipped: vec![line.clone()],
        };
        let bytes = encode(&ship).unwrap();
        assert_eq!(bytes[0], FORMAT_JSON_V1);
        assert_eq!(decode::<Shipment>(&bytes).unwrap(), ship);

        let tx = Transaction {
            id: TxId::new(),
            station: "s1".into(),
            seq: 3,
            mv: Move {
                kind: MoveKind::Move,
                lines: vec![line],
                from: None,
                to: None,
                work_order: None,
                shipment: None,
                new_lot: None,
                operator: None,
                scans: vec![],
            },
            at: Timestamp::UNIX_EPOCH,
            tz_offset_secs: 3600,
            verdict: Verdict::accepted(),
            override_by: None,
            knowledge: None,
        };
        let bytes = encode(&tx).unwrap();
        assert_eq!(&bytes[1..], canonical_tx(&tx).unwrap().as_slice());
        assert_eq!(decode::<Transaction>(&bytes).unwrap(), tx);
    }

    #[test]
    fn an_unknown_format_byte_is_an_error_not_a_guess() {
        assert!(matches!(
            decode::<Item>(&[9, 1, 2]),
            Err(CodecError::UnknownFormat(9))
        ));
        assert!(matches!(decode::<Item>(&[]), Err(CodecError::Empty)));
    }

    #[test]
    fn expiry_keys_order_dates_and_put_missing_last() {
        let a = expiry_key(Some(jiff::civil::date(2025, 1, 31)));
        let b = expiry_key(Some(jiff::civil::date(2025, 2, 1)));
        assert!(a < b);
        assert!(b < expiry_key(None));
    }
}
