//! Pure validation of lot moves: `judge(&view, &move, &context) -> Verdict`.
//!
//! Rules read the station's master data and stock through [`View`], a
//! read-only interface the store implements over a redb read transaction and
//! tests implement over plain maps ([`MemView`]). No I/O happens here: the
//! same move against the same view and context always gets the same verdict.
//!
//! # Layout
//!
//! - `case.rs`: looks up what the move is about once; UNKNOWN_* reasons.
//! - `status.rs`, `expiry.rs`, `fefo.rs`, `bom.rs`, `quantity.rs`,
//!   `location.rs`, `serial.rs`, `lots.rs`, `shipment.rs`: one concern each,
//!   each stating which reason codes it owns.
//! - [`reason`](mod@reason): the operator texts and how reasons combine into a verdict.
//! - [`lot_no`]: lot-number canonicalisation, applied before lookup.
//! - [`mem`]: [`MemView`], the in-memory view for tests and the demo.

mod bom;
mod case;
mod expiry;
mod fefo;
mod location;
pub mod lot_no;
mod lots;
pub mod mem;
mod quantity;
pub mod reason;
mod serial;
mod shipment;
mod status;

#[cfg(test)]
mod tests;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::model::{
    Item, ItemCode, Location, LocationCode, Lot, LotKey, Move, Shipment, Verdict, WorkOrder,
};

pub use lot_no::{LotRule, LotRules};
pub use mem::MemView;
pub use reason::{Fact, Findings, Severity, code_name, reason};

/// Read access to master data and stock, as of one consistent snapshot.
pub trait View {
    /// An item.
    fn item(&self, code: &ItemCode) -> Option<Item>;
    /// A lot.
    fn lot(&self, key: &LotKey) -> Option<Lot>;
    /// Lots of an item that have stock, in FEFO order (earliest expiry first,
    /// then earliest received; lots without expiry last). At most `limit`.
    fn lots_of_item(&self, item: &ItemCode, limit: usize) -> Vec<Lot>;
    /// A location by code, or by GLN when `code` is a 13-digit GLN.
    fn location(&self, code: &LocationCode) -> Option<Location>;
    /// A work order.
    fn work_order(&self, id: &str) -> Option<WorkOrder>;
    /// A shipment.
    fn shipment(&self, id: &str) -> Option<Shipment>;
    /// Where a serial of an item stands: `None` never seen, or its last move.
    fn serial_state(&self, item: &ItemCode, serial: &str) -> Option<SerialState>;
}

/// Life of one serialised unit at this station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SerialState {
    /// Received (or produced) and not shipped.
    InStock,
    /// Shipped.
    Shipped,
}

/// What to do with a lot (or item) the local store does not know, e.g.
/// because master data from the central server has not arrived yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownLotPolicy {
    /// Refuse the move (UNKNOWN_LOT / UNKNOWN_ITEM reject).
    #[default]
    Reject,
    /// Accept with a warning; the rules that need the lot's data are skipped.
    AcceptProvisionally,
}

/// Everything a verdict depends on besides the view and the move. Built by
/// the caller (the station) per move; the rules never read a clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The plant's date, in its IANA time zone, computed by the caller.
    pub today: Date,
    /// Warn when a lot expires within this many days (0 = only on the day).
    pub expiry_warning_days: u32,
    /// What to do with unknown lots and items.
    pub unknown_lot: UnknownLotPolicy,
    /// A release (from quarantine or hold) needs a supervisor.
    pub release_requires_supervisor: bool,
    /// A supervisor badge was scanned for this move (checked by the caller).
    pub supervisor_present: bool,
    /// Most lots the FEFO rule looks at before the scanned one (bounds the
    /// lookup when many earlier lots are unusable).
    pub fefo_lookahead: usize,
}

impl Context {
    /// Defaults: warn 30 days ahead, reject unknown lots, releases need a
    /// supervisor (none present), FEFO looks at up to 32 lots.
    pub fn new(today: Date) -> Context {
        Context {
            today,
            expiry_warning_days: 30,
            unknown_lot: UnknownLotPolicy::Reject,
            release_requires_supervisor: true,
            supervisor_present: false,
            fefo_lookahead: 32,
        }
    }
}

/// Judge a move against a snapshot.
///
/// The outcome is `Rejected` if any reason rejects, else `Warning` if any
/// reason warns, else `Accepted`. Rejecting reasons come first, then
/// warnings; within each, the order is: unknown work order, shipment,
/// locations, items and lots (line order); then status, expiry, FEFO, BOM,
/// quantity, location, serials, lot identity, shipment lines.
pub fn judge(view: &impl View, mv: &Move, ctx: &Context) -> Verdict {
    let mut f = Findings::new();
    let case = case::Case::gather(view, mv, ctx, &mut f);
    status::check(&case, ctx, &mut f);
    expiry::check(&case, ctx, &mut f);
    fefo::check(view, &case, ctx, &mut f);
    bom::check(&case, &mut f);
    quantity::check(&case, &mut f);
    location::check(&case, &mut f);
    serial::check(view, &case, &mut f);
    lots::check(&case, &mut f);
    shipment::check(&case, &mut f);
    f.into_verdict()
}
