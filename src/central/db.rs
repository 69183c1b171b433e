//! The reference central server's store: one redb file with what every
//! station pushed and the two lanes' change logs.
//!
//! Invariants:
//! - idempotency is per (station, seq), forever: a recorded seq keeps its
//!   content digest and its result; a resend with the same content is a
//!   `duplicate` (a `rejected` one is judged again), with other content a
//!   `CONTENT_CONFLICT`;
//! - a batch is all-or-nothing: it is checked whole, then written in one
//!   durable write transaction, then answered;
//! - each lane's cursor grows by one per change; a change and the entity's
//!   current state are written together.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::model::{MoveKind, Transaction};
use crate::protocol::{
    self, Change, ChangesResponse, Cursor, Entity, Lane, LotStatusData, Op, PushResponse,
    ResultKind, SnapshotPage, TxResult, codes,
};
use crate::store::import::MasterData;

/// (station, seq) → JSON [`Recorded`]: digest and result.
const TX_META: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("tx_meta");
/// (station, seq) → the transaction's canonical JSON.
const TX_BODY: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("tx_body");
/// station → next expected seq.
const NEXT_SEQ: TableDefinition<&str, u64> = TableDefinition::new("next_seq");
/// (station, idempotency key) → digest of the batch.
const BATCH_KEYS: TableDefinition<(&str, &str), &[u8; 32]> = TableDefinition::new("batch_keys");
/// (lane, cursor) → JSON [`Change`].
const CHANGES: TableDefinition<(u8, u64), &[u8]> = TableDefinition::new("changes");
/// (lane, entity, key) → JSON [`Change`]: the entity's latest change.
const ENTITIES: TableDefinition<(u8, &str, &str), &[u8]> = TableDefinition::new("entities");
/// (item, lot, cursor) → JSON [`StatusEvent`]: a lot's central status history.
const LOT_STATUS: TableDefinition<(&str, &str, u64), &[u8]> = TableDefinition::new("lot_status");
/// `head.<lane>` / `floor.<lane>` → cursor: newest change; changes at or
/// below the floor were trimmed.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// What the server recorded for one (station, seq).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Recorded {
    /// sha256 of the canonical JSON, hex.
    digest: String,
    /// The result given (never `duplicate`).
    result: TxResult,
    /// When it was first received.
    received_at: Timestamp,
}

/// One entry of a lot's central status history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StatusEvent {
    status: crate::model::LotStatus,
    #[serde(default)]
    case_ref: Option<String>,
    at: Timestamp,
}

/// Why a request could not be served; maps to an HTTP status and an
/// [`protocol::ErrorBody`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CentralError {
    /// A protocol rule (400).
    #[error("{0}")]
    BadBatch(#[from] protocol::ProtocolError),
    /// The batch starts after the next expected seq (409).
    #[error(
        "sequence gap: the server expects #{expected} next, the batch starts at #{found}; the station must resend from #{expected}"
    )]
    SequenceGap {
        /// Expected.
        expected: u64,
        /// First seq of the batch.
        found: u64,
    },
    /// A recorded seq with other content (409).
    #[error(
        "#{seq} was recorded before with other content; this is not a replay (restored or cloned station?)"
    )]
    ContentConflict {
        /// Seq.
        seq: u64,
    },
    /// An idempotency key reused for another batch (422).
    #[error("idempotency key {0:?} was used before for another batch")]
    KeyReused(String),
    /// The pull cursor is not in the log (410).
    #[error(
        "cursor {since} of the {lane} lane is not in the server's log (oldest kept: {floor}, newest: {head}); download the snapshot"
    )]
    CursorGone {
        /// Lane.
        lane: &'static str,
        /// Cursor asked for.
        since: Cursor,
        /// Oldest kept.
        floor: Cursor,
        /// Newest.
        head: Cursor,
    },
    /// A bad request parameter (400).
    #[error("{0}")]
    BadRequest(String),
    /// The file could not be opened.
    #[error(
        "cannot open the central store {path}: {source} (is another lotstation central running on it?)"
    )]
    Open {
        /// Path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: redb::DatabaseError,
    },
    /// redb failed (500).
    #[error("central store I/O failed: {0}")]
    Storage(#[from] redb::Error),
    /// A stored row does not decode (500).
    #[error("central store row cannot be decoded: {0}")]
    Corrupt(String),
}

macro_rules! storage_from {
    ($($t:ty),*) => {$(
        impl From<$t> for CentralError {
            fn from(e: $t) -> Self {
                CentralError::Storage(e.into())
            }
        }
    )*};
}
storage_from!(
    redb::StorageError,
    redb::TableError,
    redb::TransactionError,
    redb::CommitError,
    redb::SetDurabilityError
);

impl CentralError {
    /// The HTTP status and stable code of this error.
    pub fn status_and_code(&self) -> (u16, &'static str) {
        match self {
            CentralError::BadBatch(_) => (400, codes::BAD_BATCH),
            CentralError::SequenceGap { .. } => (409, codes::SEQUENCE_GAP),
            CentralError::ContentConflict { .. } => (409, codes::CONTENT_CONFLICT),
            CentralError::KeyReused(_) => (422, codes::IDEMPOTENCY_KEY_REUSED),
            CentralError::CursorGone { .. } => (410, codes::CURSOR_GONE),
            CentralError::BadRequest(_) => (400, codes::BAD_REQUEST),
            CentralError::Open { .. } | CentralError::Storage(_) | CentralError::Corrupt(_) => {
                (500, codes::INTERNAL)
            }
        }
    }

    /// The error body.
    pub fn body(&self) -> protocol::ErrorBody {
        let (_, code) = self.status_and_code();
        protocol::ErrorBody {
            code: code.to_owned(),
            message: self.to_string(),
            expected_seq: match self {
                CentralError::SequenceGap { expected, .. } => Some(*expected),
                _ => None,
            },
            conflicting_seq: match self {
                CentralError::ContentConflict { seq } => Some(*seq),
                _ => None,
            },
        }
    }
}

/// One pushed transaction: the value and its JSON as sent.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    /// The transaction.
    pub tx: Transaction,
    /// Its JSON, exactly as it arrived.
    pub raw: &'a [u8],
}

/// A station known to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationSummary {
    /// Station id.
    pub station: String,
    /// Next seq the server expects.
    pub next_seq: u64,
}

/// One recorded transaction, for the read API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentTransaction {
    /// Seq.
    pub seq: u64,
    /// Result given.
    pub result: ResultKind,
    /// Code, for rejected and flagged ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Case reference, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_ref: Option<String>,
    /// The transaction as the station sent it.
    pub transaction: serde_json::Value,
}

/// Page of the read API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentPage {
    /// Transactions in seq order.
    pub transactions: Vec<SentTransaction>,
    /// Pass as `after` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<u64>,
}

/// The reference server's store.
#[derive(Debug)]
pub struct CentralDb {
    db: Database,
    /// Keep at most this many changes per lane (older cursors get 410).
    retain: Option<u64>,
    /// Stamps received batches and changes.
    clock: Clock,
}

fn lane_byte(l: Lane) -> u8 {
    match l {
        Lane::Status => 0,
        Lane::Master => 1,
    }
}

fn head_key(l: Lane) -> &'static str {
    match l {
        Lane::Status => "head.status",
        Lane::Master => "head.master",
    }
}

fn floor_key(l: Lane) -> &'static str {
    match l {
        Lane::Status => "floor.status",
        Lane::Master => "floor.master",
    }
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> CentralError {
    CentralError::Corrupt(format!("{what}: {e}"))
}

/// Entity names as stored in [`ENTITIES`] keys.
fn entity_from_str(s: &str) -> Option<Entity> {
    [
        Entity::LotStatus,
        Entity::Item,
        Entity::Location,
        Entity::Lot,
        Entity::WorkOrder,
        Entity::Shipment,
    ]
    .into_iter()
    .find(|e| e.as_str() == s)
}

impl CentralDb {
    /// The clock this server stamps with (relative dates in imported master
    /// data count from its day, in UTC).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Open (or create) `dir/central.redb`; `clock` stamps what it records.
    pub fn open(dir: &Path, retain: Option<u64>, clock: Clock) -> Result<CentralDb, CentralError> {
        let path = dir.join("central.redb");
        std::fs::create_dir_all(dir).map_err(|e| CentralError::Open {
            path: path.clone(),
            source: redb::DatabaseError::Storage(redb::StorageError::Io(e)),
        })?;
        let db = Database::builder()
            .set_cache_size(64 * 1024 * 1024)
            .create(&path)
            .map_err(|source| CentralError::Open {
                path: path.clone(),
                source,
            })?;
        let w = db.begin_write()?;
        w.open_table(TX_META)?;
        w.open_table(TX_BODY)?;
        w.open_table(NEXT_SEQ)?;
        w.open_table(BATCH_KEYS)?;
        w.open_table(CHANGES)?;
        w.open_table(ENTITIES)?;
        w.open_table(LOT_STATUS)?;
        {
            let mut meta = w.open_table(META)?;
            let mut changes = w.open_table(CHANGES)?;
            for lane in Lane::ALL {
                trim(&mut meta, &mut changes, lane, retain)?;
            }
        }
        w.commit()?;
        Ok(CentralDb { db, retain, clock })
    }

    /// Record a push batch of `station` and answer it (transactions given
    /// as values; their canonical JSON is what is stored).
    pub fn push(
        &self,
        station: &str,
        key: &str,
        txs: &[Transaction],
    ) -> Result<PushResponse, CentralError> {
        let bodies: Vec<Vec<u8>> = txs
            .iter()
            .map(|t| serde_json::to_vec(t).map_err(|e| corrupt("encode", e)))
            .collect::<Result<_, _>>()?;
        let incoming: Vec<Incoming<'_>> = txs
            .iter()
            .zip(&bodies)
            .map(|(tx, raw)| Incoming {
                tx: tx.clone(),
                raw: raw.as_slice(),
            })
            .collect();
        self.push_raw(station, key, &incoming)
    }

    /// Record a push batch of `station` and answer it. Each transaction's
    /// JSON is stored as sent, with its digest; a resend whose bytes differ
    /// is compared as values before it is called a conflict.
    pub fn push_raw(
        &self,
        station: &str,
        key: &str,
        incoming: &[Incoming<'_>],
    ) -> Result<PushResponse, CentralError> {
        let txs: Vec<&Transaction> = incoming.iter().map(|i| &i.tx).collect();
        protocol::check_batch_refs(station, &txs)?;
        let mut bodies = Vec::with_capacity(incoming.len());
        let mut batch_digest = Sha256::new();
        for i in incoming {
            let d: [u8; 32] = Sha256::digest(i.raw).into();
            batch_digest.update(i.tx.seq.to_be_bytes());
            batch_digest.update(i.tx.id.0.as_bytes());
            bodies.push((i.raw, d));
        }
        let batch_digest: [u8; 32] = batch_digest.finalize().into();
        let now = self.clock.now();

        let mut w = self.db.begin_write()?;
        w.set_durability(Durability::Immediate)?;
        let response = {
            let mut meta = w.open_table(TX_META)?;
            let mut body_t = w.open_table(TX_BODY)?;
            let mut next_t = w.open_table(NEXT_SEQ)?;
            let mut keys = w.open_table(BATCH_KEYS)?;
            let entities = w.open_table(ENTITIES)?;
            let lot_status = w.open_table(LOT_STATUS)?;

            if let Some(old) = keys.get((station, key))?.map(|g| *g.value())
                && old != batch_digest
            {
                return Err(CentralError::KeyReused(key.to_owned()));
            }
            let mut next = next_t.get(station)?.map_or(1, |g| g.value());
            let first = txs.first().map_or(0, |t| t.seq);

            if first > next {
                return Err(CentralError::SequenceGap {
                    expected: next,
                    found: first,
                });
            }
            let has_items = entities
                .range((1u8, "item", "")..(1u8, "item\u{0}", ""))?
                .next()
                .is_some();
            let mut results = Vec::with_capacity(txs.len());
            for (tx, (body, digest)) in txs.iter().zip(&bodies) {
                let tx: &Transaction = tx;
                let digest = crate::ident::hex::encode(digest);
                if tx.seq < next {
                    let rec: Recorded = match meta.get((station, tx.seq))? {
                        Some(g) => {
                            serde_json::from_slice(g.value()).map_err(|e| corrupt("tx_meta", e))?
                        }
                        None => {
                            return Err(CentralError::Corrupt(format!(
                                "{station} #{} is below the next seq but not recorded",
                                tx.seq
                            )));
                        }
                    };
                    // Same bytes, or the same transaction written differently.
                    if rec.digest != digest && !same_as_stored(&body_t, station, tx)? {
                        return Err(CentralError::ContentConflict { seq: tx.seq });
                    }
                    let digest = rec.digest.clone();
                    if rec.result.result != ResultKind::Rejected {
                        let mut r = rec.result;
                        r.original = Some(r.result);
                        r.result = ResultKind::Duplicate;
                        results.push(r);
                        continue;
                    }
                    // Rejected before: judged again (the cause may be fixed).
                    let r = judge(tx, has_items, &entities, &lot_status)?;
                    if r.result != ResultKind::Rejected {
                        let rec = Recorded {
                            digest,
                            result: r.clone(),
                            received_at: rec.received_at,
                        };
                        let v = serde_json::to_vec(&rec).map_err(|e| corrupt("encode", e))?;
                        meta.insert((station, tx.seq), v.as_slice())?;
                        results.push(r);
                    } else {
                        let mut r = r;
                        r.original = Some(ResultKind::Rejected);
                        r.result = ResultKind::Duplicate;
                        results.push(r);
                    }
                    continue;
                }
                // tx.seq == next: check_batch made the batch consecutive.
                let r = judge(tx, has_items, &entities, &lot_status)?;
                let rec = Recorded {
                    digest,
                    result: r.clone(),
                    received_at: now,
                };
                let v = serde_json::to_vec(&rec).map_err(|e| corrupt("encode", e))?;
                meta.insert((station, tx.seq), v.as_slice())?;
                body_t.insert((station, tx.seq), *body)?;
                next = tx.seq.saturating_add(1);
                results.push(r);
            }
            next_t.insert(station, next)?;
            keys.insert((station, key), &batch_digest)?;
            PushResponse {
                results,
                next_seq: next,
            }
        };
        w.commit()?;
        Ok(response)
    }

    /// Changes of `lane` after `since`, at most `limit`.
    pub fn changes(
        &self,
        lane: Lane,
        since: Cursor,
        limit: usize,
    ) -> Result<ChangesResponse, CentralError> {
        let r = self.db.begin_read()?;
        let meta = r.open_table(META)?;
        let head = meta.get(head_key(lane))?.map_or(0, |g| g.value());
        let floor = meta.get(floor_key(lane))?.map_or(0, |g| g.value());
        if since < floor || since > head {
            return Err(CentralError::CursorGone {
                lane: lane.as_str(),
                since,
                floor,
                head,
            });
        }
        let t = r.open_table(CHANGES)?;
        let lb = lane_byte(lane);
        let mut changes = Vec::new();
        for e in t.range((lb, since.saturating_add(1))..=(lb, u64::MAX))? {
            if changes.len() >= limit {
                break;
            }
            let (_, v) = e?;
            let c: Change = serde_json::from_slice(v.value()).map_err(|e| corrupt("changes", e))?;
            changes.push(c);
        }
        let next = changes.last().map_or(since, |c| c.cursor);
        Ok(ChangesResponse {
            lane,
            more: next < head,
            changes,
            next,
            head,
        })
    }

    /// One page of `lane`'s current state, after `after` (`ENTITY/KEY`).
    pub fn snapshot(
        &self,
        lane: Lane,
        after: Option<&str>,
        cursor: Option<Cursor>,
        limit: usize,
    ) -> Result<SnapshotPage, CentralError> {
        let r = self.db.begin_read()?;
        let head = r
            .open_table(META)?
            .get(head_key(lane))?
            .map_or(0, |g| g.value());
        let cursor = cursor.unwrap_or(head).min(head);
        let lb = lane_byte(lane);
        let (from_entity, from_key) = match after {
            None => (String::new(), String::new()),
            Some(a) => {
                let (e, k) = a.split_once('/').ok_or_else(|| {
                    CentralError::BadRequest(format!("after={a:?} is not ENTITY/KEY"))
                })?;
                if entity_from_str(e).is_none() {
                    return Err(CentralError::BadRequest(format!(
                        "after={a:?}: unknown entity {e:?}"
                    )));
                }
                (e.to_owned(), k.to_owned())
            }
        };
        let t = r.open_table(ENTITIES)?;
        let mut changes = Vec::new();
        let mut next_after = None;
        let start = (lb, from_entity.as_str(), from_key.as_str());
        for e in t.range(start..)? {
            let (k, v) = e?;
            let (l, entity, key) = k.value();
            if l != lb {
                break;
            }
            if after.is_some() && entity == from_entity && key == from_key {
                continue;
            }
            let c: Change =
                serde_json::from_slice(v.value()).map_err(|e| corrupt("entities", e))?;
            if c.op == Op::Delete {
                continue;
            }
            if changes.len() >= limit {
                next_after = changes
                    .last()
                    .map(|c: &Change| format!("{}/{}", c.entity.as_str(), c.key));
                break;
            }
            changes.push(c);
        }
        Ok(SnapshotPage {
            lane,
            changes,
            cursor,
            next_after,
        })
    }

    /// Append changes to their lanes in one write transaction; returns the
    /// newest cursor of the last lane written.
    fn append(
        &self,
        items: Vec<(Entity, String, Op, Option<serde_json::Value>)>,
    ) -> Result<Cursor, CentralError> {
        let now = self.clock.now();
        let mut w = self.db.begin_write()?;
        w.set_durability(Durability::Immediate)?;
        let mut last = 0;
        {
            let mut meta = w.open_table(META)?;
            let mut changes = w.open_table(CHANGES)?;
            let mut entities = w.open_table(ENTITIES)?;
            let mut lot_status = w.open_table(LOT_STATUS)?;
            for (entity, key, op, data) in items {
                let lane = entity.lane();
                let lb = lane_byte(lane);
                let head = meta.get(head_key(lane))?.map_or(0, |g| g.value());
                let cursor = head.saturating_add(1);
                let version = match entities.get((lb, entity.as_str(), key.as_str()))? {
                    Some(g) => {
                        let c: Change = serde_json::from_slice(g.value())
                            .map_err(|e| corrupt("entities", e))?;
                        c.version.saturating_add(1)
                    }
                    None => 1,
                };
                if entity == Entity::LotStatus
                    && let Some(d) = &data
                {
                    let s: LotStatusData = serde_json::from_value(d.clone())
                        .map_err(|e| CentralError::BadRequest(format!("lot status: {e}")))?;
                    let ev = StatusEvent {
                        status: s.status,
                        case_ref: s.case_ref.clone(),
                        at: now,
                    };
                    let v = serde_json::to_vec(&ev).map_err(|e| corrupt("encode", e))?;
                    lot_status.insert((s.item.as_str(), s.lot.as_str(), cursor), v.as_slice())?;
                }
                let change = Change {
                    cursor,
                    entity,
                    key: key.clone(),
                    op,
                    version,
                    at: now,
                    data,
                };
                let v = serde_json::to_vec(&change).map_err(|e| corrupt("encode", e))?;
                changes.insert((lb, cursor), v.as_slice())?;
                entities.insert((lb, entity.as_str(), key.as_str()), v.as_slice())?;
                meta.insert(head_key(lane), cursor)?;
                trim(&mut meta, &mut changes, lane, self.retain)?;
                last = cursor;
            }
        }
        w.commit()?;
        Ok(last)
    }

    /// Set a lot's status centrally (hold, release, recall, quarantine):
    /// one status-lane change. Returns its cursor.
    pub fn set_lot_status(&self, data: &LotStatusData) -> Result<Cursor, CentralError> {
        if data.item.is_empty() || data.lot.is_empty() || data.item.contains('/') {
            return Err(CentralError::BadRequest(
                "a lot status needs an item (without '/') and a lot".to_owned(),
            ));
        }
        let v = serde_json::to_value(data).map_err(|e| corrupt("encode", e))?;
        self.append(vec![(
            Entity::LotStatus,
            protocol::lot_key(&data.item, &data.lot),
            Op::Upsert,
            Some(v),
        )])
    }

    /// Import master data as master-lane upserts (one per row), in one
    /// write transaction. Returns (changes, new head).
    pub fn import(&self, data: &MasterData) -> Result<(usize, Cursor), CentralError> {
        let mut items: Vec<(Entity, String, Op, Option<serde_json::Value>)> = Vec::new();
        let enc =
            |v: Result<serde_json::Value, serde_json::Error>| v.map_err(|e| corrupt("encode", e));
        for r in &data.items {
            items.push((
                Entity::Item,
                r.value.code.0.clone(),
                Op::Upsert,
                Some(enc(serde_json::to_value(&r.value))?),
            ));
        }
        for r in &data.locations {
            items.push((
                Entity::Location,
                r.value.code.0.clone(),
                Op::Upsert,
                Some(enc(serde_json::to_value(&r.value))?),
            ));
        }
        for r in &data.lots {
            let k = &r.value.key;
            items.push((
                Entity::Lot,
                protocol::lot_key(&k.item.0, &k.lot.0),
                Op::Upsert,
                Some(enc(serde_json::to_value(&r.value))?),
            ));
        }
        for r in &data.work_orders {
            items.push((
                Entity::WorkOrder,
                r.value.id.clone(),
                Op::Upsert,
                Some(enc(serde_json::to_value(&r.value))?),
            ));
        }
        for r in &data.shipments {
            items.push((
                Entity::Shipment,
                r.value.id.clone(),
                Op::Upsert,
                Some(enc(serde_json::to_value(&r.value))?),
            ));
        }
        let n = items.len();
        if n == 0 {
            let head = self.head(Lane::Master)?;
            return Ok((0, head));
        }
        let c = self.append(items)?;
        Ok((n, c))
    }

    /// The newest cursor of a lane.
    pub fn head(&self, lane: Lane) -> Result<Cursor, CentralError> {
        Ok(self
            .db
            .begin_read()?
            .open_table(META)?
            .get(head_key(lane))?
            .map_or(0, |g| g.value()))
    }

    /// Stations that pushed.
    pub fn stations(&self) -> Result<Vec<StationSummary>, CentralError> {
        let r = self.db.begin_read()?;
        let t = r.open_table(NEXT_SEQ)?;
        let mut out = Vec::new();
        for e in t.iter()? {
            let (k, v) = e?;
            out.push(StationSummary {
                station: k.value().to_owned(),
                next_seq: v.value(),
            });
        }
        Ok(out)
    }

    /// What `station` sent after `after`, at most `limit`.
    pub fn sent(&self, station: &str, after: u64, limit: usize) -> Result<SentPage, CentralError> {
        let r = self.db.begin_read()?;
        let meta = r.open_table(TX_META)?;
        let bodies = r.open_table(TX_BODY)?;
        let mut transactions = Vec::new();
        let mut next_after = None;
        for e in meta.range((station, after.saturating_add(1))..=(station, u64::MAX))? {
            let (k, v) = e?;
            let (_, seq) = k.value();
            if transactions.len() >= limit {
                next_after = Some(seq.saturating_sub(1));
                break;
            }
            let rec: Recorded =
                serde_json::from_slice(v.value()).map_err(|e| corrupt("tx_meta", e))?;
            let body = bodies
                .get((station, seq))?
                .ok_or_else(|| CentralError::Corrupt(format!("{station} #{seq} has no body")))?;
            let transaction: serde_json::Value =
                serde_json::from_slice(body.value()).map_err(|e| corrupt("tx_body", e))?;
            transactions.push(SentTransaction {
                seq,
                result: rec.result.result,
                code: rec.result.code,
                case_ref: rec.result.case_ref,
                transaction,
            });
        }
        Ok(SentPage {
            transactions,
            next_after,
        })
    }
}

/// True if the stored JSON of `tx`'s seq decodes to `tx` itself.
fn same_as_stored(
    bodies: &impl ReadableTable<(&'static str, u64), &'static [u8]>,
    station: &str,
    tx: &Transaction,
) -> Result<bool, CentralError> {
    let Some(g) = bodies.get((station, tx.seq))? else {
        return Ok(false);
    };
    let stored: Transaction =
        serde_json::from_slice(g.value()).map_err(|e| corrupt("tx_body", e))?;
    Ok(stored == *tx)
}

/// Drop the changes of `lane` beyond the newest `retain` (none when `None`).
fn trim(
    meta: &mut redb::Table<'_, &'static str, u64>,
    changes: &mut redb::Table<'_, (u8, u64), &'static [u8]>,
    lane: Lane,
    retain: Option<u64>,
) -> Result<(), CentralError> {
    let Some(keep) = retain else { return Ok(()) };
    let head = meta.get(head_key(lane))?.map_or(0, |g| g.value());
    let floor = meta.get(floor_key(lane))?.map_or(0, |g| g.value());
    let new_floor = head.saturating_sub(keep);
    if new_floor > floor {
        let lb = lane_byte(lane);
        for c in floor.saturating_add(1)..=new_floor {
            changes.remove((lb, c))?;
        }
        meta.insert(floor_key(lane), new_floor)?;
    }
    Ok(())
}

/// Judge one new (or previously rejected) transaction.
fn judge(
    tx: &Transaction,
    has_items: bool,
    entities: &impl ReadableTable<(u8, &'static str, &'static str), &'static [u8]>,
    lot_status: &impl ReadableTable<(&'static str, &'static str, u64), &'static [u8]>,
) -> Result<TxResult, CentralError> {
    let mut r = TxResult {
        seq: tx.seq,
        id: tx.id,
        result: ResultKind::Accepted,
        original: None,
        code: None,
        message: None,
        case_ref: None,
        station_knew: None,
    };
    if has_items {
        let mut items: Vec<&str> = tx.mv.lines.iter().map(|l| l.lot.item.0.as_str()).collect();
        if let Some(n) = &tx.mv.new_lot {
            items.push(n.key.item.0.as_str());
        }
        for item in items {
            if entities.get((1u8, "item", item))?.is_none() {
                r.result = ResultKind::Rejected;
                r.code = Some(codes::UNKNOWN_ITEM.to_owned());
                r.message = Some(format!(
                    "item {item} is not in the central master data; add it centrally, then re-queue the transaction on the station (lotstation outbox retry {})",
                    tx.id
                ));
                return Ok(r);
            }
        }
    }
    if matches!(tx.mv.kind, MoveKind::Receive | MoveKind::Hold) {
        return Ok(r);
    }
    for line in &tx.mv.lines {
        let (item, lot) = (line.lot.item.0.as_str(), line.lot.lot.0.as_str());
        // The lot's central status at the time of the move: the last change
        // recorded at or before it.
        let mut in_force: Option<(u64, StatusEvent)> = None;
        for e in lot_status.range((item, lot, 0u64)..=(item, lot, u64::MAX))? {
            let (k, v) = e?;
            let ev: StatusEvent =
                serde_json::from_slice(v.value()).map_err(|e| corrupt("lot_status", e))?;
            if ev.at > tx.at {
                break;
            }
            in_force = Some((k.value().2, ev));
        }
        if let Some((cursor, ev)) = in_force
            && !matches!(
                ev.status,
                crate::model::LotStatus::Released | crate::model::LotStatus::Consumed
            )
        {
            let knew = tx.knowledge.is_some_and(|k| k.status >= cursor);
            r.result = ResultKind::AcceptedWithException;
            r.code = Some(codes::LOT_HELD_CENTRALLY.to_owned());
            r.case_ref = ev.case_ref.clone();
            r.station_knew = Some(knew);
            r.message = Some(format!(
                "lot {item}/{lot} was {} centrally{} when the station used it ({}); {}",
                ev.status.as_str(),
                ev.case_ref
                    .as_ref()
                    .map(|c| format!(" (case {c})"))
                    .unwrap_or_default(),
                tx.mv.kind.as_str(),
                if knew {
                    "the station had already received the status"
                } else {
                    "the station could not have known"
                }
            ));
            return Ok(r);
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Item, ItemCode, Knowledge, LotKey, LotLine, LotNo, LotStatus, Move, Qty, TxId, Verdict,
    };
    use crate::store::import::{Origin, Row};

    fn tx(station: &str, seq: u64, kind: MoveKind, item: &str, lot: &str) -> Transaction {
        Transaction {
            id: TxId::new(),
            station: station.into(),
            seq,
            mv: Move {
                kind,
                lines: vec![LotLine {
                    lot: LotKey {
                        item: ItemCode(item.into()),
                        lot: LotNo(lot.into()),
                    },
                    qty: Qty::units(1),
                    serial: None,
                }],
                from: Some(crate::model::LocationCode("A".into())),
                to: Some(crate::model::LocationCode("B".into())),
                work_order: None,
                shipment: None,
                new_lot: None,
                operator: None,
                scans: vec![],
            },
            // After the test clock's 09:00, when its holds are set.
            at: "2026-03-14T10:00:00Z".parse().unwrap(),
            tz_offset_secs: 0,
            verdict: Verdict::accepted(),
            override_by: None,
            knowledge: Some(Knowledge::default()),
        }
    }

    fn run(station: &str, from: u64, n: u64) -> Vec<Transaction> {
        (from..from + n)
            .map(|s| tx(station, s, MoveKind::Move, "I1", "L1"))
            .collect()
    }

    fn item(code: &str) -> Row<Item> {
        Row {
            origin: Origin {
                file: "t".into(),
                line: 1,
            },
            value: Item {
                code: ItemCode(code.into()),
                description: "x".into(),
                unit: "ea".into(),
                lot_controlled: true,
                serialised: false,
                shelf_life_days: None,
                incoming_status: LotStatus::Released,
                fefo: crate::model::FefoPolicy::Off,
            },
        }
    }

    fn db() -> (tempfile::TempDir, CentralDb) {
        let dir = tempfile::tempdir().unwrap();
        let db = CentralDb::open(
            dir.path(),
            None,
            Clock::fixed("2026-03-14T09:00:00Z".parse().unwrap()),
        )
        .unwrap();
        (dir, db)
    }

    #[test]
    fn a_replayed_or_overlapping_batch_is_answered_duplicate_and_recorded_once() {
        let (_d, db) = db();
        let a = run("s1", 1, 3);
        let r = db.push("s1", "k1", &a).unwrap();
        assert!(r.results.iter().all(|r| r.result == ResultKind::Accepted));
        assert_eq!(r.next_seq, 4);
        let again = db.push("s1", "k1", &a).unwrap();
        assert!(
            again
                .results
                .iter()
                .all(|r| r.result == ResultKind::Duplicate
                    && r.original == Some(ResultKind::Accepted))
        );
        // Overlap: 2..=3 known, 4..=5 new.
        let mut b: Vec<Transaction> = a[1..].to_vec();
        b.extend(run("s1", 4, 2));
        let r = db.push("s1", "k2", &b).unwrap();
        let kinds: Vec<ResultKind> = r.results.iter().map(|r| r.result).collect();
        assert_eq!(
            kinds,
            [
                ResultKind::Duplicate,
                ResultKind::Duplicate,
                ResultKind::Accepted,
                ResultKind::Accepted
            ]
        );
        let sent = db.sent("s1", 0, 100).unwrap();
        let seqs: Vec<u64> = sent.transactions.iter().map(|t| t.seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5]);
        assert_eq!(
            sent.transactions[0].transaction["id"],
            serde_json::json!(a[0].id)
        );
    }

    #[test]
    fn gaps_conflicts_and_reused_keys_refuse_the_whole_batch() {
        let (_d, db) = db();
        db.push("s1", "k1", &run("s1", 1, 2)).unwrap();
        let gap = db.push("s1", "k2", &run("s1", 4, 1)).unwrap_err();
        assert!(
            matches!(
                gap,
                CentralError::SequenceGap {
                    expected: 3,
                    found: 4
                }
            ),
            "{gap}"
        );
        assert_eq!(gap.body().expected_seq, Some(3));
        // Seq 2 again, other content, followed by a new one.
        let conflict = db.push("s1", "k3", &run("s1", 2, 2)).unwrap_err();
        assert!(
            matches!(conflict, CentralError::ContentConflict { seq: 2 }),
            "{conflict}"
        );
        let reused = db.push("s1", "k1", &run("s1", 3, 1)).unwrap_err();
        assert!(matches!(reused, CentralError::KeyReused(_)));
        assert_eq!(
            db.stations().unwrap()[0].next_seq,
            3,
            "nothing of the refused batches was recorded"
        );
        assert!(matches!(
            db.push("s1", "k4", &[]).unwrap_err(),
            CentralError::BadBatch(_)
        ));
    }

    #[test]
    fn unknown_items_are_rejected_and_judged_again_after_the_item_is_imported() {
        let (_d, db) = db();
        db.import(&MasterData {
            items: vec![item("I1")],
            ..MasterData::default()
        })
        .unwrap();
        let t1 = tx("s1", 1, MoveKind::Move, "I2", "L1");
        let t2 = tx("s1", 2, MoveKind::Move, "I1", "L1");
        let r = db.push("s1", "k1", &[t1.clone(), t2]).unwrap();
        assert_eq!(r.results[0].result, ResultKind::Rejected);
        assert_eq!(r.results[0].code.as_deref(), Some(codes::UNKNOWN_ITEM));
        assert_eq!(
            r.results[1].result,
            ResultKind::Accepted,
            "the sequence goes on"
        );
        let again = db.push("s1", "k2", std::slice::from_ref(&t1)).unwrap();
        assert_eq!(again.results[0].effective(), ResultKind::Rejected);
        db.import(&MasterData {
            items: vec![item("I2")],
            ..MasterData::default()
        })
        .unwrap();
        let fixed = db.push("s1", "k3", &[t1]).unwrap();
        assert_eq!(fixed.results[0].result, ResultKind::Accepted);
    }

    #[test]
    fn a_lot_held_centrally_is_flagged_with_whether_the_station_knew() {
        let (_d, db) = db();
        let hold = LotStatusData {
            item: "I1".into(),
            lot: "L1".into(),
            status: LotStatus::Hold,
            reason: Some("complaint".into()),
            case_ref: Some("CASE-7".into()),
        };
        let cursor = db.set_lot_status(&hold).unwrap();
        let mut unaware = tx("s1", 1, MoveKind::Ship, "I1", "L1");
        unaware.knowledge = Some(Knowledge {
            status: cursor - 1,
            master: 0,
        });
        let mut aware = tx("s1", 2, MoveKind::Issue, "I1", "L1");
        aware.knowledge = Some(Knowledge {
            status: cursor,
            master: 0,
        });
        let receive = tx("s1", 3, MoveKind::Receive, "I1", "L1");
        let r = db.push("s1", "k", &[unaware, aware, receive]).unwrap();
        assert_eq!(r.results[0].result, ResultKind::AcceptedWithException);
        assert_eq!(r.results[0].case_ref.as_deref(), Some("CASE-7"));
        assert_eq!(r.results[0].station_knew, Some(false));
        assert_eq!(r.results[1].station_knew, Some(true));
        assert_eq!(r.results[2].result, ResultKind::Accepted);
        // A move made before the hold is not flagged.
        let mut before = tx("s2", 1, MoveKind::Ship, "I1", "L1");
        before.at = Timestamp::UNIX_EPOCH;
        assert_eq!(
            db.push("s2", "k", &[before]).unwrap().results[0].result,
            ResultKind::Accepted
        );
    }

    #[test]
    fn changes_page_in_cursor_order_and_trimmed_logs_answer_gone_with_a_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let db = CentralDb::open(
            dir.path(),
            Some(3),
            Clock::fixed("2026-03-14T09:00:00Z".parse().unwrap()),
        )
        .unwrap();
        let (n, head) = db
            .import(&MasterData {
                items: (0..5).map(|i| item(&format!("I{i}"))).collect(),
                ..MasterData::default()
            })
            .unwrap();
        assert_eq!((n, head), (5, 5));
        assert!(matches!(
            db.changes(Lane::Master, 0, 10).unwrap_err(),
            CentralError::CursorGone {
                floor: 2,
                head: 5,
                ..
            }
        ));
        let page = db.changes(Lane::Master, 2, 2).unwrap();
        assert_eq!(
            page.changes.iter().map(|c| c.cursor).collect::<Vec<_>>(),
            [3, 4]
        );
        assert!(page.more);
        assert!(protocol::check_changes(Lane::Master, 2, &page).is_ok());
        let status = db.changes(Lane::Status, 0, 10).unwrap();
        assert!(status.changes.is_empty() && !status.more && status.head == 0);

        let first = db.snapshot(Lane::Master, None, None, 2).unwrap();
        assert_eq!(first.cursor, 5);
        assert_eq!(first.changes.len(), 2);
        let mut keys: Vec<String> = first.changes.iter().map(|c| c.key.clone()).collect();
        let mut after = first.next_after.clone();
        while let Some(a) = after {
            let p = db
                .snapshot(Lane::Master, Some(&a), Some(first.cursor), 2)
                .unwrap();
            assert_eq!(p.cursor, 5);
            keys.extend(p.changes.iter().map(|c| c.key.clone()));
            after = p.next_after;
        }
        assert_eq!(keys, ["I0", "I1", "I2", "I3", "I4"]);
        assert!(
            db.snapshot(Lane::Master, Some("nonsense"), None, 2)
                .is_err()
        );
    }
}
