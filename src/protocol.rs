//! The sync protocol's wire types and rules, shared by the station's sync
//! task and the reference central server (`lotstation central`).
//!
//! Pure: serde types, limits, validation and gzip-free helpers only; no
//! I/O. The protocol itself is written down in `docs/sync-protocol.md` and
//! `docs/sync-openapi.yaml`; this module is its executable half.
//!
//! Invariants:
//! - a push batch is a run of one station's transactions in strictly
//!   increasing sequence order, at most [`MAX_BATCH`] of them
//!   ([`check_batch`]);
//! - a push answer carries exactly one result per transaction sent, in the
//!   same order ([`check_results`]); anything else is a protocol violation,
//!   never "some were probably fine";
//! - cursors are per lane, start at 0 ("nothing yet") and only grow.

use serde::{Deserialize, Serialize};

use crate::model::{Transaction, TxId};

/// Path prefix of every endpoint.
pub const API_PREFIX: &str = "/v1";
/// Header carrying a push batch's idempotency key.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
/// Most transactions in one push batch.
pub const MAX_BATCH: usize = 5_000;
/// Most bytes of a push body after gzip decompression.
pub const MAX_PUSH_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Most bytes of a push body as sent (gzip).
pub const MAX_PUSH_WIRE_BYTES: usize = 16 * 1024 * 1024;
/// Most bytes of any answer a station reads (push results, changes,
/// snapshot pages).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
/// Most changes in one page of `changes` or `snapshot`.
pub const MAX_PAGE: usize = 10_000;
/// Longest idempotency key.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;

/// A change-log position in one lane. 0 means "nothing applied yet".
pub type Cursor = u64;

/// The two lanes of changes a station pulls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    /// Holds, releases, recalls, quarantines: small, urgent, pulled first
    /// and on its own short interval.
    Status,
    /// Items, locations, lots, work orders, shipments.
    Master,
}

impl Lane {
    /// Both lanes, in pull order.
    pub const ALL: [Lane; 2] = [Lane::Status, Lane::Master];

    /// The query-string name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Lane::Status => "status",
            Lane::Master => "master",
        }
    }

    /// Parse the query-string name.
    pub fn parse(s: &str) -> Option<Lane> {
        match s {
            "status" => Some(Lane::Status),
            "master" => Some(Lane::Master),
            _ => None,
        }
    }
}

/// `POST /v1/stations/{station}/transactions` body (gzip-compressed JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    /// The transactions, in station sequence order.
    pub transactions: Vec<Transaction>,
}

/// What the server made of one pushed transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    /// Recorded.
    Accepted,
    /// Recorded before; `original` says how it was judged then.
    Duplicate,
    /// Recorded as a physical fact, and flagged for a person.
    AcceptedWithException,
    /// Refused for good (with a code); the sequence number is consumed, so
    /// later transactions go on. A resend after a fix is judged again.
    Rejected,
}

/// One transaction's result in a push answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxResult {
    /// Station sequence number.
    pub seq: u64,
    /// Transaction id.
    pub id: TxId,
    /// The result.
    pub result: ResultKind,
    /// For `duplicate`: the original result (never `duplicate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<ResultKind>,
    /// For `rejected` and `accepted_with_exception`: a stable code, e.g.
    /// `UNKNOWN_ITEM` or `LOT_HELD_CENTRALLY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// A text for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The server's case reference (hold, recall), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_ref: Option<String>,
    /// For a flagged use of a held lot: true if the station's knowledge
    /// cursor shows it had already pulled the hold (a station fault), false
    /// if it could not have known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station_knew: Option<bool>,
}

impl TxResult {
    /// The result that counts: a duplicate's original one.
    pub fn effective(&self) -> ResultKind {
        match (self.result, self.original) {
            (ResultKind::Duplicate, Some(o)) if o != ResultKind::Duplicate => o,
            // A duplicate without its original was at least recorded.
            (ResultKind::Duplicate, _) => ResultKind::Accepted,
            (r, _) => r,
        }
    }
}

/// `POST .../transactions` answer (200).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One per transaction sent, same order.
    pub results: Vec<TxResult>,
    /// The next sequence number the server expects from this station.
    pub next_seq: u64,
}

/// What a change does to its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Create or replace.
    Upsert,
    /// Remove.
    Delete,
}

/// The kinds of entity a change names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// A lot's status decided centrally (status lane). Key `ITEM/LOT`.
    LotStatus,
    /// An item (master lane). Key: item code.
    Item,
    /// A location (master lane). Key: location code.
    Location,
    /// A lot's master data (master lane). Key `ITEM/LOT`.
    Lot,
    /// A work order (master lane). Key: id.
    WorkOrder,
    /// A shipment (master lane). Key: id.
    Shipment,
}

impl Entity {
    /// The lane this entity's changes travel in.
    pub const fn lane(self) -> Lane {
        match self {
            Entity::LotStatus => Lane::Status,
            _ => Lane::Master,
        }
    }

    /// Stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Entity::LotStatus => "lot_status",
            Entity::Item => "item",
            Entity::Location => "location",
            Entity::Lot => "lot",
            Entity::WorkOrder => "work_order",
            Entity::Shipment => "shipment",
        }
    }
}

/// One entry of a lane's change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Position in the lane; strictly increasing within a page.
    pub cursor: Cursor,
    /// What kind of entity.
    pub entity: Entity,
    /// Which one (see [`Entity`] for the key form).
    pub key: String,
    /// Upsert or delete.
    pub op: Op,
    /// The entity's version: 1 for its first change, +1 per change.
    pub version: u64,
    /// When the server recorded the change.
    pub at: jiff::Timestamp,
    /// For upserts: the entity, in the model's JSON form
    /// ([`crate::model::Item`], [`crate::model::Location`],
    /// [`crate::model::Lot`], [`crate::model::WorkOrder`],
    /// [`crate::model::Shipment`], or [`LotStatusData`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

/// The data of a `lot_status` change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotStatusData {
    /// Item code.
    pub item: String,
    /// Canonical lot number.
    pub lot: String,
    /// The status decided centrally.
    pub status: crate::model::LotStatus,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
    /// Case reference (hold, recall).
    #[serde(default)]
    pub case_ref: Option<String>,
}

/// `GET .../changes` answer (200).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesResponse {
    /// The lane asked for.
    pub lane: Lane,
    /// Changes after `since`, in cursor order, at most `limit`.
    pub changes: Vec<Change>,
    /// The cursor to store once these are applied (the last change's, or
    /// `since` when there were none).
    pub next: Cursor,
    /// The lane's newest cursor on the server (for the lag).
    pub head: Cursor,
    /// True if more changes follow `next`.
    pub more: bool,
}

/// `GET .../snapshot` answer (200): one page of the lane's current state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotPage {
    /// The lane.
    pub lane: Lane,
    /// Every entity after `after`, as upserts, at most `limit`.
    pub changes: Vec<Change>,
    /// The lane's cursor when the first page was taken (`cursor` query
    /// parameter echoed on later pages): store it once the last page is
    /// applied, then pull changes after it.
    pub cursor: Cursor,
    /// `ENTITY/KEY` to pass as `after` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<String>,
}

/// Error body of every non-2xx answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable code, see [`codes`].
    pub code: String,
    /// What happened and what to do.
    pub message: String,
    /// For `SEQUENCE_GAP`: the sequence number the server expected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_seq: Option<u64>,
    /// For `CONTENT_CONFLICT`: the sequence number whose content differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflicting_seq: Option<u64>,
}

/// Stable error and result codes.
pub mod codes {
    /// 409: the batch starts after the next expected sequence number.
    pub const SEQUENCE_GAP: &str = "SEQUENCE_GAP";
    /// 409: a sequence number was recorded before with other content.
    pub const CONTENT_CONFLICT: &str = "CONTENT_CONFLICT";
    /// 422: an idempotency key was reused for another body.
    pub const IDEMPOTENCY_KEY_REUSED: &str = "IDEMPOTENCY_KEY_REUSED";
    /// 400: the batch is not a run of increasing sequence numbers, names
    /// another station, or is empty.
    pub const BAD_BATCH: &str = "BAD_BATCH";
    /// 400: the body is not gzip JSON of the expected shape.
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    /// 413: the batch is too large.
    pub const BATCH_TOO_LARGE: &str = "BATCH_TOO_LARGE";
    /// 401: no or wrong bearer token.
    pub const UNAUTHORIZED: &str = "UNAUTHORIZED";
    /// 403: the token belongs to another station.
    pub const FORBIDDEN: &str = "FORBIDDEN";
    /// 410: the cursor is older than the server's change log.
    pub const CURSOR_GONE: &str = "CURSOR_GONE";
    /// 429: slow down (see Retry-After).
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// 500: the server failed; retry.
    pub const INTERNAL: &str = "INTERNAL";
    /// Result code: the item is unknown to the central master data.
    pub const UNKNOWN_ITEM: &str = "UNKNOWN_ITEM";
    /// Result code: the lot was held (or recalled, quarantined, rejected)
    /// centrally when the station used it.
    pub const LOT_HELD_CENTRALLY: &str = "LOT_HELD_CENTRALLY";
}

/// A protocol rule broken by a batch or an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// An empty batch.
    #[error("the batch is empty")]
    EmptyBatch,
    /// Too many transactions.
    #[error("the batch has {0} transactions; at most {MAX_BATCH} are allowed")]
    TooLarge(usize),
    /// A transaction of another station.
    #[error("transaction {id} (#{seq}) belongs to station {found:?}, not {expected:?}")]
    WrongStation {
        /// Id.
        id: TxId,
        /// Seq.
        seq: u64,
        /// Station in the path.
        expected: String,
        /// Station in the transaction.
        found: String,
    },
    /// Sequence numbers do not increase by one.
    #[error("sequence numbers must increase by 1 within a batch: #{after} is followed by #{found}")]
    NotConsecutive {
        /// Previous seq.
        after: u64,
        /// Seq found.
        found: u64,
    },
    /// Sequence number 0.
    #[error("transaction {0} has sequence number 0; station sequences start at 1")]
    ZeroSeq(TxId),
    /// The answer has a different number of results.
    #[error("the server answered {found} results for {sent} transactions")]
    ResultCount {
        /// Sent.
        sent: usize,
        /// Answered.
        found: usize,
    },
    /// A result names another transaction than the one at its position.
    #[error(
        "result {index} is for #{found_seq} {found_id}, but #{sent_seq} {sent_id} was sent there"
    )]
    ResultMismatch {
        /// Position.
        index: usize,
        /// Seq sent.
        sent_seq: u64,
        /// Id sent.
        sent_id: TxId,
        /// Seq answered.
        found_seq: u64,
        /// Id answered.
        found_id: TxId,
    },
    /// A cursor went backwards or a page is out of order.
    #[error("the server's {lane} changes are out of order: cursor {found} after {after}")]
    CursorOrder {
        /// Lane.
        lane: &'static str,
        /// Previous cursor.
        after: Cursor,
        /// Cursor found.
        found: Cursor,
    },
    /// A change in the wrong lane.
    #[error("a {entity} change arrived in the {lane} lane")]
    WrongLane {
        /// Entity.
        entity: &'static str,
        /// Lane.
        lane: &'static str,
    },
    /// An upsert without data, or data of the wrong shape.
    #[error("{entity} change {key:?} at cursor {cursor}: {detail}")]
    BadChange {
        /// Entity.
        entity: &'static str,
        /// Key.
        key: String,
        /// Cursor.
        cursor: Cursor,
        /// What is wrong.
        detail: String,
    },
}

/// A change decoded into what the station applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeData {
    /// A lot's central status (upsert) or its removal (delete).
    LotStatus {
        /// Item.
        item: String,
        /// Lot.
        lot: String,
        /// The status data; `None` for a delete.
        data: Option<LotStatusData>,
    },
    /// Item upsert.
    Item(crate::model::Item),
    /// Item delete (code).
    ItemDeleted(String),
    /// Location upsert.
    Location(crate::model::Location),
    /// Location delete (code).
    LocationDeleted(String),
    /// Lot master data upsert.
    Lot(Box<crate::model::Lot>),
    /// Lot delete: lots are history, the station keeps its row.
    LotDeleted,
    /// Work order upsert.
    WorkOrder(crate::model::WorkOrder),
    /// Work order delete (id).
    WorkOrderDeleted(String),
    /// Shipment upsert.
    Shipment(crate::model::Shipment),
    /// Shipment delete (id).
    ShipmentDeleted(String),
}

/// Decode one change's data for its entity, checking that the key names
/// the same entity as the data.
pub fn decode_change(c: &Change) -> Result<ChangeData, ProtocolError> {
    let bad = |detail: String| ProtocolError::BadChange {
        entity: c.entity.as_str(),
        key: c.key.chars().take(200).collect(),
        cursor: c.cursor,
        detail,
    };
    fn parse<T: serde::de::DeserializeOwned>(
        c: &Change,
        bad: &dyn Fn(String) -> ProtocolError,
    ) -> Result<T, ProtocolError> {
        let Some(data) = &c.data else {
            return Err(bad("an upsert without data".to_owned()));
        };
        T::deserialize(data).map_err(|e| bad(e.to_string()))
    }
    let same = |what: &str, found: &str| -> Result<(), ProtocolError> {
        if what == found {
            Ok(())
        } else {
            Err(bad(format!("the data names {found:?}, the key {what:?}")))
        }
    };
    if c.key.is_empty() || c.key.len() > 256 {
        return Err(bad("the key must be 1 to 256 bytes".to_owned()));
    }
    match (c.entity, c.op) {
        (Entity::LotStatus, op) => {
            let (item, lot) =
                split_lot_key(&c.key).ok_or_else(|| bad("the key is not ITEM/LOT".to_owned()))?;
            let data = match op {
                Op::Delete => None,
                Op::Upsert => {
                    let d: LotStatusData = parse(c, &bad)?;
                    same(&c.key, &lot_key(&d.item, &d.lot))?;
                    Some(d)
                }
            };
            Ok(ChangeData::LotStatus {
                item: item.to_owned(),
                lot: lot.to_owned(),
                data,
            })
        }
        (Entity::Item, Op::Upsert) => {
            let v: crate::model::Item = parse(c, &bad)?;
            same(&c.key, &v.code.0)?;
            Ok(ChangeData::Item(v))
        }
        (Entity::Item, Op::Delete) => Ok(ChangeData::ItemDeleted(c.key.clone())),
        (Entity::Location, Op::Upsert) => {
            let v: crate::model::Location = parse(c, &bad)?;
            same(&c.key, &v.code.0)?;
            Ok(ChangeData::Location(v))
        }
        (Entity::Location, Op::Delete) => Ok(ChangeData::LocationDeleted(c.key.clone())),
        (Entity::Lot, Op::Upsert) => {
            let v: crate::model::Lot = parse(c, &bad)?;
            same(&c.key, &lot_key(&v.key.item.0, &v.key.lot.0))?;
            Ok(ChangeData::Lot(Box::new(v)))
        }
        (Entity::Lot, Op::Delete) => Ok(ChangeData::LotDeleted),
        (Entity::WorkOrder, Op::Upsert) => {
            let v: crate::model::WorkOrder = parse(c, &bad)?;
            same(&c.key, &v.id)?;
            Ok(ChangeData::WorkOrder(v))
        }
        (Entity::WorkOrder, Op::Delete) => Ok(ChangeData::WorkOrderDeleted(c.key.clone())),
        (Entity::Shipment, Op::Upsert) => {
            let v: crate::model::Shipment = parse(c, &bad)?;
            same(&c.key, &v.id)?;
            Ok(ChangeData::Shipment(v))
        }
        (Entity::Shipment, Op::Delete) => Ok(ChangeData::ShipmentDeleted(c.key.clone())),
    }
}

/// Check a push batch for `station` (both sides run this).
pub fn check_batch(station: &str, txs: &[Transaction]) -> Result<(), ProtocolError> {
    let refs: Vec<&Transaction> = txs.iter().collect();
    check_batch_refs(station, &refs)
}

/// [`check_batch`] over borrowed transactions.
pub fn check_batch_refs(station: &str, txs: &[&Transaction]) -> Result<(), ProtocolError> {
    if txs.is_empty() {
        return Err(ProtocolError::EmptyBatch);
    }
    if txs.len() > MAX_BATCH {
        return Err(ProtocolError::TooLarge(txs.len()));
    }
    let mut prev: Option<u64> = None;
    for tx in txs {
        if tx.station != station {
            return Err(ProtocolError::WrongStation {
                id: tx.id,
                seq: tx.seq,
                expected: station.to_owned(),
                found: tx.station.clone(),
            });
        }
        if tx.seq == 0 {
            return Err(ProtocolError::ZeroSeq(tx.id));
        }
        if let Some(p) = prev
            && p.checked_add(1) != Some(tx.seq)
        {
            return Err(ProtocolError::NotConsecutive {
                after: p,
                found: tx.seq,
            });
        }
        prev = Some(tx.seq);
    }
    Ok(())
}

/// Check that `results` answer `sent` (seq and id), one for one, in order.
pub fn check_results(sent: &[(u64, TxId)], results: &[TxResult]) -> Result<(), ProtocolError> {
    if sent.len() != results.len() {
        return Err(ProtocolError::ResultCount {
            sent: sent.len(),
            found: results.len(),
        });
    }
    for (index, ((seq, id), r)) in sent.iter().zip(results).enumerate() {
        if r.seq != *seq || r.id != *id {
            return Err(ProtocolError::ResultMismatch {
                index,
                sent_seq: *seq,
                sent_id: *id,
                found_seq: r.seq,
                found_id: r.id,
            });
        }
    }
    Ok(())
}

/// Check a page of changes pulled after `since` in `lane`: cursors strictly
/// increase from above `since`, every change belongs to the lane, and
/// `next` is not behind the last change.
pub fn check_changes(
    lane: Lane,
    since: Cursor,
    page: &ChangesResponse,
) -> Result<(), ProtocolError> {
    let mut prev = since;
    for c in &page.changes {
        if c.cursor <= prev {
            return Err(ProtocolError::CursorOrder {
                lane: lane.as_str(),
                after: prev,
                found: c.cursor,
            });
        }
        if c.entity.lane() != lane {
            return Err(ProtocolError::WrongLane {
                entity: c.entity.as_str(),
                lane: lane.as_str(),
            });
        }
        prev = c.cursor;
    }
    if page.next < prev {
        return Err(ProtocolError::CursorOrder {
            lane: lane.as_str(),
            after: prev,
            found: page.next,
        });
    }
    Ok(())
}

/// The idempotency key of a batch: a digest of its content and its
/// sequence range (the station is in the path), so a resend of the same
/// batch carries the same key, also after a restart, and a different batch
/// never does. At most 74 characters.
pub fn batch_key(first_seq: u64, last_seq: u64, digest: &[u8; 32]) -> String {
    let mut key = String::with_capacity(80);
    for b in digest.iter().take(16) {
        key.push_str(&format!("{b:02x}"));
    }
    key.push_str(&format!(".{first_seq}-{last_seq}"));
    key
}

/// Split a lot key `ITEM/LOT` (the key form of `lot` and `lot_status`
/// changes). The item never contains `/`; the lot may.
pub fn split_lot_key(key: &str) -> Option<(&str, &str)> {
    key.split_once('/')
        .filter(|(i, l)| !i.is_empty() && !l.is_empty())
}

/// The key of a lot in `lot` and `lot_status` changes.
pub fn lot_key(item: &str, lot: &str) -> String {
    format!("{item}/{lot}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Move, MoveKind, Verdict};
    use proptest::prelude::*;

    fn tx(station: &str, seq: u64) -> Transaction {
        Transaction {
            id: TxId::new(),
            station: station.into(),
            seq,
            mv: Move {
                kind: MoveKind::Move,
                lines: vec![],
                from: None,
                to: None,
                work_order: None,
                shipment: None,
                new_lot: None,
                operator: None,
                scans: vec![],
            },
            at: jiff::Timestamp::UNIX_EPOCH,
            tz_offset_secs: 0,
            verdict: Verdict::accepted(),
            override_by: None,
            knowledge: Some(crate::model::Knowledge {
                status: 3,
                master: 9,
            }),
        }
    }

    #[test]
    fn a_batch_is_one_stations_consecutive_run() {
        assert_eq!(check_batch("s", &[]), Err(ProtocolError::EmptyBatch));
        assert!(check_batch("s", &[tx("s", 4), tx("s", 5), tx("s", 6)]).is_ok());
        assert!(matches!(
            check_batch("s", &[tx("s", 4), tx("s", 6)]),
            Err(ProtocolError::NotConsecutive { after: 4, found: 6 })
        ));
        assert!(matches!(
            check_batch("s", &[tx("s", 5), tx("s", 4)]),
            Err(ProtocolError::NotConsecutive { .. })
        ));
        assert!(matches!(
            check_batch("s", &[tx("t", 1)]),
            Err(ProtocolError::WrongStation { .. })
        ));
        assert!(matches!(
            check_batch("s", &[tx("s", 0)]),
            Err(ProtocolError::ZeroSeq(_))
        ));
    }

    #[test]
    fn results_must_answer_what_was_sent_in_order() {
        let a = tx("s", 1);
        let b = tx("s", 2);
        let sent = [(1, a.id), (2, b.id)];
        let ok = |seq, id| TxResult {
            seq,
            id,
            result: ResultKind::Accepted,
            original: None,
            code: None,
            message: None,
            case_ref: None,
            station_knew: None,
        };
        assert!(check_results(&sent, &[ok(1, a.id), ok(2, b.id)]).is_ok());
        assert!(matches!(
            check_results(&sent, &[ok(1, a.id)]),
            Err(ProtocolError::ResultCount { sent: 2, found: 1 })
        ));
        assert!(matches!(
            check_results(&sent, &[ok(2, b.id), ok(1, a.id)]),
            Err(ProtocolError::ResultMismatch { index: 0, .. })
        ));
    }

    #[test]
    fn a_duplicate_counts_as_its_original_result() {
        let r = TxResult {
            seq: 1,
            id: TxId::new(),
            result: ResultKind::Duplicate,
            original: Some(ResultKind::Rejected),
            code: Some("UNKNOWN_ITEM".into()),
            message: None,
            case_ref: None,
            station_knew: None,
        };
        assert_eq!(r.effective(), ResultKind::Rejected);
        let text = serde_json::to_string(&r).unwrap();
        assert!(
            text.contains(r#""result":"duplicate","original":"rejected""#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<TxResult>(&text).unwrap(), r);
    }

    #[test]
    fn transactions_carry_their_knowledge_cursor_on_the_wire() {
        let t = tx("s", 1);
        let body = serde_json::to_string(&PushRequest {
            transactions: vec![t.clone()],
        })
        .unwrap();
        assert!(
            body.contains(r#""knowledge":{"status":3,"master":9}"#),
            "{body}"
        );
        let back: PushRequest = serde_json::from_str(&body).unwrap();
        assert_eq!(back.transactions, vec![t]);
    }

    #[test]
    fn change_pages_must_move_forward_in_their_own_lane() {
        let change = |cursor, entity| Change {
            cursor,
            entity,
            key: "k".into(),
            op: Op::Upsert,
            version: 1,
            at: jiff::Timestamp::UNIX_EPOCH,
            data: None,
        };
        let page = |changes: Vec<Change>, next| ChangesResponse {
            lane: Lane::Master,
            next,
            head: next,
            more: false,
            changes,
        };
        assert!(
            check_changes(
                Lane::Master,
                4,
                &page(vec![change(5, Entity::Item), change(9, Entity::Lot)], 9)
            )
            .is_ok()
        );
        assert!(check_changes(Lane::Master, 4, &page(vec![], 4)).is_ok());
        assert!(matches!(
            check_changes(Lane::Master, 5, &page(vec![change(5, Entity::Item)], 5)),
            Err(ProtocolError::CursorOrder { .. })
        ));
        assert!(matches!(
            check_changes(
                Lane::Master,
                0,
                &page(vec![change(1, Entity::LotStatus)], 1)
            ),
            Err(ProtocolError::WrongLane { .. })
        ));
        assert!(matches!(
            check_changes(Lane::Master, 0, &page(vec![change(3, Entity::Item)], 2)),
            Err(ProtocolError::CursorOrder { .. })
        ));
    }

    #[test]
    fn changes_decode_into_model_values_and_keys_must_match_their_data() {
        let change = |entity, key: &str, data: serde_json::Value| Change {
            cursor: 1,
            entity,
            key: key.into(),
            op: Op::Upsert,
            version: 1,
            at: jiff::Timestamp::UNIX_EPOCH,
            data: Some(data),
        };
        let hold =
            serde_json::json!({"item": "I1", "lot": "L/1", "status": "hold", "case_ref": "C-1"});
        match decode_change(&change(Entity::LotStatus, "I1/L/1", hold.clone())).unwrap() {
            ChangeData::LotStatus { item, lot, data } => {
                assert_eq!((item.as_str(), lot.as_str()), ("I1", "L/1"));
                assert_eq!(data.unwrap().case_ref.as_deref(), Some("C-1"));
            }
            other => panic!("{other:?}"),
        }
        assert!(decode_change(&change(Entity::LotStatus, "I2/L/1", hold)).is_err());
        let item = serde_json::json!({"code": "I1", "description": "x", "unit": "kg"});
        assert!(matches!(
            decode_change(&change(Entity::Item, "I1", item.clone())),
            Ok(ChangeData::Item(_))
        ));
        assert!(decode_change(&change(Entity::Item, "I9", item)).is_err());
        assert!(decode_change(&change(Entity::Location, "A", serde_json::json!(7))).is_err());
        let mut del = change(Entity::Shipment, "SH-1", serde_json::Value::Null);
        del.op = Op::Delete;
        del.data = None;
        assert_eq!(
            decode_change(&del).unwrap(),
            ChangeData::ShipmentDeleted("SH-1".into())
        );
    }

    #[test]
    fn lot_keys_split_at_the_first_slash() {
        assert_eq!(split_lot_key("0950/24/0847"), Some(("0950", "24/0847")));
        assert_eq!(split_lot_key("/x"), None);
        assert_eq!(split_lot_key("x"), None);
        assert_eq!(lot_key("a", "b"), "a/b");
    }

    proptest! {
        #[test]
        fn batch_keys_are_bounded_and_depend_on_content(
            first in 1u64..u64::MAX / 2,
            len in 0u64..10_000,
            digest in any::<[u8; 32]>(),
            other in any::<[u8; 32]>(),
        ) {
            let k = batch_key(first, first + len, &digest);
            prop_assert!(k.len() <= MAX_IDEMPOTENCY_KEY_LEN);
            prop_assert!(k.is_ascii());
            prop_assert_eq!(&k, &batch_key(first, first + len, &digest));
            if digest[..16] != other[..16] {
                prop_assert_ne!(&k, &batch_key(first, first + len, &other));
            }
            prop_assert_ne!(k, batch_key(first, first + len + 1, &digest));
        }

        #[test]
        fn any_answer_text_parses_or_is_refused_without_panicking(s in ".{0,300}") {
            let _ = serde_json::from_str::<PushResponse>(&s);
            let _ = serde_json::from_str::<ChangesResponse>(&s);
            let _ = serde_json::from_str::<ErrorBody>(&s);
        }
    }
}
