//! Pure validation of lot moves: `judge(&view, &move, &context) -> Verdict`.
//!
//! Rules read the station's master data and stock through [`View`], a
//! read-only interface the store implements over a redb read transaction and
//! tests implement over plain maps. No I/O happens here: the same move
//! against the same view and context always gets the same verdict.

use crate::model::{Item, ItemCode, Location, LocationCode, Lot, LotKey, Shipment, WorkOrder};

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
