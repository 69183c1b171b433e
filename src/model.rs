//! Shared value types of the station: items, lots, locations, work orders,
//! shipments, moves, verdicts and transactions.
//!
//! These are plain values (serde, no I/O). The store persists them, the rules
//! judge moves over them, the station builds moves from scans. Quantities are
//! exact integers in thousandths of the item's unit ([`Qty`]); dates that come
//! from labels are civil dates without a time zone ([`jiff::civil::Date`]);
//! instants are UTC ([`jiff::Timestamp`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// An exact quantity in thousandths of the item's unit (3 decimals), so on-hand
/// sums never drift. `Qty(1500)` is 1.5 units.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Qty(pub i64);

impl Qty {
    /// Zero.
    pub const ZERO: Qty = Qty(0);

    /// Whole units.
    pub const fn units(n: i64) -> Qty {
        Qty(n * 1000)
    }

    /// Parse `"12"`, `"1.5"`, `"0.125"` (at most 3 decimals, no sign).
    pub fn parse(s: &str) -> Option<Qty> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty()
            || frac.len() > 3
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let int: i64 = int.parse().ok()?;
        let mut f: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().ok()?
        };
        for _ in frac.len()..3 {
            f *= 10;
        }
        int.checked_mul(1000)?.checked_add(f).map(Qty)
    }

    /// From a GS1 measure AI value with `places` implied decimals
    /// (e.g. AI 3103 "001250" with 3 places is 1.25), rounded to 3 decimals.
    pub fn from_gs1_decimal(digits: &str, places: u32) -> Option<Qty> {
        let n: i64 = digits.parse().ok()?;
        let q = if places <= 3 {
            n.checked_mul(10i64.checked_pow(3 - places)?)?
        } else {
            let div = 10i64.checked_pow(places - 3)?;
            (n + div / 2) / div
        };
        Some(Qty(q))
    }

    /// Checked addition.
    pub fn checked_add(self, o: Qty) -> Option<Qty> {
        self.0.checked_add(o.0).map(Qty)
    }

    /// Checked subtraction.
    pub fn checked_sub(self, o: Qty) -> Option<Qty> {
        self.0.checked_sub(o.0).map(Qty)
    }
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let (int, frac) = (a / 1000, a % 1000);
        if frac == 0 {
            write!(f, "{sign}{int}")
        } else {
            let s = format!("{frac:03}");
            write!(f, "{sign}{int}.{}", s.trim_end_matches('0'))
        }
    }
}

/// An item: a GTIN-14 (as 14 digits) or an internal item code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ItemCode(pub String);

/// A lot number after canonicalisation (see `store` and the config's lot rules).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LotNo(pub String);

/// A lot is identified by its item and its (canonical) lot number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LotKey {
    /// The item.
    pub item: ItemCode,
    /// The canonical lot number.
    pub lot: LotNo,
}

impl fmt::Display for LotKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} lot {}", self.item.0, self.lot.0)
    }
}

/// A location code (internal code or GLN from AI 414).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LocationCode(pub String);

/// Lot status. Quarantine, hold, rejected and recalled lots may not be issued or shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LotStatus {
    /// Free to use.
    Released,
    /// Awaiting inspection.
    Quarantine,
    /// Held by a person or a station.
    Hold,
    /// Failed inspection.
    Rejected,
    /// Recalled.
    Recalled,
    /// Fully used up.
    Consumed,
}

impl LotStatus {
    /// Stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            LotStatus::Released => "released",
            LotStatus::Quarantine => "quarantine",
            LotStatus::Hold => "hold",
            LotStatus::Rejected => "rejected",
            LotStatus::Recalled => "recalled",
            LotStatus::Consumed => "consumed",
        }
    }

    /// True if the lot may be issued to production or shipped.
    pub const fn is_usable(self) -> bool {
        matches!(self, LotStatus::Released)
    }
}

/// How strictly first-expired-first-out (or first-in-first-out) is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FefoPolicy {
    /// Not checked.
    Off,
    /// Accepted with a warning naming the lot to use first.
    #[default]
    Warn,
    /// Rejected.
    Block,
}

/// Master data for an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The item code (GTIN-14 or internal).
    pub code: ItemCode,
    /// What it is.
    pub description: String,
    /// Unit of measure (e.g. `kg`, `ea`).
    pub unit: String,
    /// Tracked by lot.
    #[serde(default = "yes")]
    pub lot_controlled: bool,
    /// Each unit carries a serial (AI 21); a serial can be received and shipped once.
    #[serde(default)]
    pub serialised: bool,
    /// Shelf life from production, in days, when labels carry no expiry.
    #[serde(default)]
    pub shelf_life_days: Option<u32>,
    /// Status given to newly received lots (e.g. quarantine until inspected).
    #[serde(default = "default_incoming_status")]
    pub incoming_status: LotStatus,
    /// FEFO enforcement for this item.
    #[serde(default)]
    pub fefo: FefoPolicy,
}

fn yes() -> bool {
    true
}

fn default_incoming_status() -> LotStatus {
    LotStatus::Released
}

/// A lot and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    /// Item and canonical lot number.
    pub key: LotKey,
    /// Status.
    pub status: LotStatus,
    /// Supplier (GLN or code), for received lots.
    #[serde(default)]
    pub supplier: Option<String>,
    /// Lot number as the supplier printed it.
    #[serde(default)]
    pub supplier_lot: Option<String>,
    /// Internal lot number given at receiving or production.
    #[serde(default)]
    pub internal_lot: Option<String>,
    /// Production date (AI 11).
    #[serde(default)]
    pub production_date: Option<Date>,
    /// Expiry date (AI 17 or 15).
    #[serde(default)]
    pub expiry_date: Option<Date>,
    /// On-hand quantity per location. Locations with zero are removed.
    #[serde(default)]
    pub on_hand: BTreeMap<LocationCode, Qty>,
    /// Lots this one was made from (genealogy).
    #[serde(default)]
    pub parents: Vec<LotKey>,
    /// Certificate of analysis or conformity reference.
    #[serde(default)]
    pub certificate: Option<String>,
    /// When the lot first arrived (for FIFO when there is no expiry).
    #[serde(default)]
    pub received_at: Option<Timestamp>,
}

impl Lot {
    /// Total on hand across locations.
    pub fn total_on_hand(&self) -> Qty {
        Qty(self.on_hand.values().map(|q| q.0).sum())
    }
}

/// A storage or production location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Code (or GLN).
    pub code: LocationCode,
    /// What it is.
    #[serde(default)]
    pub description: String,
    /// GLN (AI 414) that also designates this location, if any.
    #[serde(default)]
    pub gln: Option<String>,
    /// Lot statuses this location accepts (a quarantine cage accepts held lots).
    #[serde(default = "default_accepts")]
    pub accepts: Vec<LotStatus>,
}

fn default_accepts() -> Vec<LotStatus> {
    vec![LotStatus::Released]
}

/// One line of a bill of materials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BomLine {
    /// Component item.
    pub item: ItemCode,
    /// Planned quantity for the whole work order.
    pub qty: Qty,
    /// Over-issue allowed beyond `qty`, in percent.
    #[serde(default)]
    pub tolerance_pct: u32,
}

/// Work order status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkOrderStatus {
    /// Not started.
    Planned,
    /// Being produced.
    Released,
    /// Closed: nothing more may be issued or produced.
    Closed,
}

/// A work order with its bill of materials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkOrder {
    /// Work order id.
    pub id: String,
    /// Item produced.
    pub output_item: ItemCode,
    /// Bill of materials.
    pub bom: Vec<BomLine>,
    /// Status.
    pub status: WorkOrderStatus,
    /// Quantity issued so far per component item.
    #[serde(default)]
    pub issued: BTreeMap<ItemCode, Qty>,
    /// Lots issued to this work order (genealogy of what it produces).
    #[serde(default)]
    pub issued_lots: Vec<LotKey>,
}

/// A shipment (customer order) and what it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// Shipment id.
    pub id: String,
    /// Customer (GLN or code).
    pub customer: String,
    /// Ordered lines.
    pub lines: Vec<ShipmentLine>,
    /// Shipped so far (lot and quantity).
    #[serde(default)]
    pub shipped: Vec<LotLine>,
}

/// One ordered line of a shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentLine {
    /// Item.
    pub item: ItemCode,
    /// Ordered quantity.
    pub qty: Qty,
}

/// A lot and a quantity within a move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotLine {
    /// The lot.
    pub lot: LotKey,
    /// Quantity moved.
    pub qty: Qty,
    /// Serial number, for serialised items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
}

/// What kind of lot move a transaction records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoveKind {
    /// Goods in from a supplier.
    Receive,
    /// Relocation between locations.
    Move,
    /// Issue to a work order.
    Issue,
    /// Output of a work order.
    Produce,
    /// Goods out to a customer.
    Ship,
    /// Stock correction.
    Adjust,
    /// Put on hold.
    Hold,
    /// Release from hold or quarantine.
    Release,
    /// Several lots combined into a composite lot.
    Merge,
    /// Part of a lot split into a new lot.
    Split,
}

impl MoveKind {
    /// Stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            MoveKind::Receive => "receive",
            MoveKind::Move => "move",
            MoveKind::Issue => "issue",
            MoveKind::Produce => "produce",
            MoveKind::Ship => "ship",
            MoveKind::Adjust => "adjust",
            MoveKind::Hold => "hold",
            MoveKind::Release => "release",
            MoveKind::Merge => "merge",
            MoveKind::Split => "split",
        }
    }
}

/// A scan as it was received, kept with the transaction for the audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanRecord {
    /// Source name (device) it came from.
    pub source: String,
    /// Raw bytes as delivered (AIM prefix included).
    pub raw: Vec<u8>,
    /// Symbology identifier, e.g. `]C1`.
    #[serde(default)]
    pub symbology: Option<String>,
    /// When it was read.
    pub at: Timestamp,
}

/// A move the station intends: what the rules judge and the store records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    /// Kind of move.
    pub kind: MoveKind,
    /// Lots and quantities (for receive and produce: the new lot's line).
    pub lines: Vec<LotLine>,
    /// Source location.
    #[serde(default)]
    pub from: Option<LocationCode>,
    /// Destination location.
    #[serde(default)]
    pub to: Option<LocationCode>,
    /// Work order (issue, produce).
    #[serde(default)]
    pub work_order: Option<String>,
    /// Shipment (ship).
    #[serde(default)]
    pub shipment: Option<String>,
    /// For receive/produce/merge/split: the lot being created and its data.
    #[serde(default)]
    pub new_lot: Option<Lot>,
    /// Operator (badge scan or configured).
    #[serde(default)]
    pub operator: Option<String>,
    /// The scans it came from.
    #[serde(default)]
    pub scans: Vec<ScanRecord>,
}

/// Declares [`ReasonCode`] once: each variant with its doc and its stable
/// name, from which come the enum (serialised by that name), the list of
/// every code ([`ReasonCode::ALL`]) and [`ReasonCode::as_str`].
macro_rules! reason_codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, )*) => {
        /// Stable reason codes of a verdict.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum ReasonCode {
            $( $(#[$doc])* #[serde(rename = $name)] $variant, )*
        }

        impl ReasonCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$variant),*];

            /// The stable name, as serialised and shown (`LOT_QUARANTINED`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ReasonCode::$variant => $name,)*
                }
            }
        }
    };
}

reason_codes! {
    /// Lot not in the local store.
    UnknownLot = "UNKNOWN_LOT",
    /// Item not in the local store.
    UnknownItem = "UNKNOWN_ITEM",
    /// Location not in the local store.
    UnknownLocation = "UNKNOWN_LOCATION",
    /// Work order not in the local store.
    UnknownWorkOrder = "UNKNOWN_WORK_ORDER",
    /// Shipment not in the local store.
    UnknownShipment = "UNKNOWN_SHIPMENT",
    /// Lot is in quarantine.
    LotQuarantined = "LOT_QUARANTINED",
    /// Lot is on hold.
    LotOnHold = "LOT_ON_HOLD",
    /// Lot was rejected.
    LotRejected = "LOT_REJECTED",
    /// Lot is recalled.
    LotRecalled = "LOT_RECALLED",
    /// Lot is consumed.
    LotConsumed = "LOT_CONSUMED",
    /// Lot is past its expiry date.
    LotExpired = "LOT_EXPIRED",
    /// Lot expires within the warning window.
    LotExpiresSoon = "LOT_EXPIRES_SOON",
    /// An older lot should be used first.
    FefoViolation = "FEFO_VIOLATION",
    /// Item is not in the work order's bill of materials.
    NotInBom = "NOT_IN_BOM",
    /// Issue exceeds the bill of materials plus tolerance.
    OverIssue = "OVER_ISSUE",
    /// Work order is closed.
    WorkOrderClosed = "WORK_ORDER_CLOSED",
    /// More than the lot has on hand (at that location).
    InsufficientQuantity = "INSUFFICIENT_QUANTITY",
    /// The lot is not where the scan says.
    WrongLocation = "WRONG_LOCATION",
    /// The destination does not accept the lot's status.
    LocationRefusesStatus = "LOCATION_REFUSES_STATUS",
    /// Serial already received.
    SerialAlreadyReceived = "SERIAL_ALREADY_RECEIVED",
    /// Serial already shipped (or never received).
    SerialAlreadyShipped = "SERIAL_ALREADY_SHIPPED",
    /// Lots mixed without recording a composite lot.
    MixedLots = "MIXED_LOTS",
    /// Lot already exists (receiving the same lot twice).
    LotAlreadyExists = "LOT_ALREADY_EXISTS",
    /// Item not ordered on the shipment.
    NotOnShipment = "NOT_ON_SHIPMENT",
    /// The scan does not fit the current workflow step.
    WrongStep = "WRONG_STEP",
    /// The scan could not be decoded.
    Unreadable = "UNREADABLE",
    /// A supervisor overrode a rejection.
    Overridden = "OVERRIDDEN",
    /// The move needs a supervisor (e.g. releasing a lot from quarantine).
    SupervisorRequired = "SUPERVISOR_REQUIRED",
    /// A line's quantity makes no sense for the move (zero or negative).
    InvalidQuantity = "INVALID_QUANTITY",
}

/// Outcome of judging a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Accepted.
    Accepted,
    /// Accepted with reasons to look at.
    Warning,
    /// Refused.
    Rejected,
}

/// One reason in a verdict: stable code plus a short text for the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable code.
    pub code: ReasonCode,
    /// Short operator text, e.g. "Lot 2024-0847 is in quarantine".
    pub text: String,
}

/// The judgement of a move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Overall outcome.
    pub outcome: Outcome,
    /// Why (empty for a plain accept).
    pub reasons: Vec<Reason>,
}

impl Verdict {
    /// A plain accept.
    pub fn accepted() -> Verdict {
        Verdict {
            outcome: Outcome::Accepted,
            reasons: Vec::new(),
        }
    }

    /// True unless rejected.
    pub fn is_accepted(&self) -> bool {
        self.outcome != Outcome::Rejected
    }
}

/// A supervisor's override of a rejection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    /// Who (badge).
    pub by: String,
    /// When.
    pub at: Timestamp,
    /// Why, as entered.
    pub why: String,
    /// The supervisor's electronic signature, when the override was signed
    /// with user id and PIN (from the kiosk) rather than by a badge scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
}

/// An electronic signature (21 CFR Part 11 §11.50): who signed, by printed
/// name, when, and what the signature means. Both components (user id and
/// PIN) were checked against the signer's stored salted hash when it was
/// made; the PIN itself is never recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// The signer's user id (first component).
    pub user: String,
    /// The signer's printed name.
    pub printed_name: String,
    /// Date and time of signing (UTC).
    pub signed_at: Timestamp,
    /// The meaning of the signature, e.g. "approval: ...".
    pub meaning: String,
}

/// A transaction id: UUIDv7, so ids sort by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TxId(pub uuid::Uuid);

impl TxId {
    /// A new id for now.
    pub fn new() -> TxId {
        TxId(uuid::Uuid::now_v7())
    }
}

impl Default for TxId {
    fn default() -> Self {
        TxId::new()
    }
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An accepted move as recorded: the durable unit the store commits and the
/// outbox delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// Id (also the idempotency key toward the central server).
    pub id: TxId,
    /// Station that recorded it.
    pub station: String,
    /// Per-station sequence number, gap-free, assigned by the store at commit.
    pub seq: u64,
    /// The move.
    #[serde(rename = "move")]
    pub mv: Move,
    /// Wall-clock time of the decision.
    pub at: Timestamp,
    /// Offset of the plant's time zone at that instant, in seconds.
    pub tz_offset_secs: i32,
    /// The verdict it was recorded with.
    pub verdict: Verdict,
    /// Supervisor override, if a rejection was overridden.
    #[serde(default)]
    pub override_by: Option<Override>,
    /// What the station knew of the central server's changes when it judged
    /// the move (absent on stations that never synced, and on transactions
    /// recorded before sync existed). The central server uses it to tell "the
    /// station could not have known about this hold" from a station fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub knowledge: Option<Knowledge>,
}

/// The central server's change cursors a station had applied, one per lane
/// of the sync protocol (`docs/sync-protocol.md`). 0 means "nothing applied
/// yet".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Knowledge {
    /// Status lane (holds, releases, recalls, quarantines).
    pub status: u64,
    /// Master-data lane (items, locations, lots, work orders, shipments).
    pub master: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_and_print_exactly() {
        assert_eq!(Qty::parse("12"), Some(Qty(12_000)));
        assert_eq!(Qty::parse("1.5"), Some(Qty(1_500)));
        assert_eq!(Qty::parse("0.125"), Some(Qty(125)));
        assert_eq!(Qty::parse("1.2345"), None);
        assert_eq!(Qty::parse("-1"), None);
        assert_eq!(Qty::parse(""), None);
        assert_eq!(Qty::parse(".5"), None);
        assert_eq!(Qty(1_500).to_string(), "1.5");
        assert_eq!(Qty(12_000).to_string(), "12");
        assert_eq!(Qty(-250).to_string(), "-0.25");
        assert_eq!(Qty::from_gs1_decimal("001250", 3), Some(Qty(1_250)));
        assert_eq!(Qty::from_gs1_decimal("000042", 0), Some(Qty(42_000)));
        assert_eq!(Qty::from_gs1_decimal("123456", 5), Some(Qty(1_235)));
    }
}

// ------------------------------------------------------------ RFID portal input

/// One tag read by one reader antenna, as the portal engine receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRead {
    /// The reader's source name.
    pub reader: Arc<str>,
    /// Antenna (0 when the reader did not say).
    pub antenna: u16,
    /// EPC bank bytes (starting at the header, without the PC word).
    pub epc: Vec<u8>,
    /// Peak RSSI, dBm × 100.
    pub rssi_cdbm: Option<i32>,
    /// How many times the reader saw the tag for this report (≥ 1).
    pub count: u16,
    /// The reader's last-seen time, µs since 1970 (its clock, not ours).
    pub reader_time_us: Option<u64>,
    /// When lotstation received it.
    pub at: Timestamp,
}

/// A GPI (photo-eye, door sensor) changed level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpiChange {
    /// The reader's source name.
    pub reader: Arc<str>,
    /// GPI port.
    pub port: u16,
    /// New level.
    pub high: bool,
    /// When lotstation received it.
    pub at: Timestamp,
}

/// What the reader sessions send the portal engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalInput {
    /// A tag read.
    Read(TagRead),
    /// A GPI change.
    Gpi(GpiChange),
}
