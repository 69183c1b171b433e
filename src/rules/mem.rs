//! [`MemView`]: an in-memory [`View`] over ordered maps.
//!
//! Used by the rules' unit tests, the station's tests and the demo. It keeps
//! a FEFO index per item (lots with stock, ordered as [`View::lots_of_item`]
//! promises) so that `lots_of_item` costs a range walk, not a scan of every
//! lot, and benchmarks of `judge` over it reflect the rules, not the map.
//! Replacing a lot (same key) updates the index.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Date;

use super::{SerialState, View};
use crate::model::{Item, ItemCode, Location, LocationCode, Lot, LotKey, Shipment, WorkOrder};

/// FEFO order: lots with an expiry first (earliest first), then by receipt
/// (earliest first, unknown last), then by key so the order is total.
type FefoKey = (bool, Option<Date>, bool, Option<Timestamp>, LotKey);

fn fefo_key(lot: &Lot) -> FefoKey {
    (
        lot.expiry_date.is_none(),
        lot.expiry_date,
        lot.received_at.is_none(),
        lot.received_at,
        lot.key.clone(),
    )
}

fn has_stock(lot: &Lot) -> bool {
    lot.on_hand.values().map(|q| i128::from(q.0)).sum::<i128>() > 0
}

/// Master data and stock held in memory.
#[derive(Debug, Clone, Default)]
pub struct MemView {
    items: BTreeMap<ItemCode, Item>,
    lots: BTreeMap<LotKey, Lot>,
    /// Lots with stock per item, in FEFO order.
    fefo: BTreeMap<ItemCode, BTreeSet<FefoKey>>,
    locations: BTreeMap<LocationCode, Location>,
    /// GLN → location code, for locations scanned by AI 414.
    glns: BTreeMap<String, LocationCode>,
    work_orders: BTreeMap<String, WorkOrder>,
    shipments: BTreeMap<String, Shipment>,
    serials: BTreeMap<ItemCode, BTreeMap<String, SerialState>>,
}

impl MemView {
    /// An empty view.
    pub fn new() -> MemView {
        MemView::default()
    }

    /// Add or replace an item.
    pub fn insert_item(&mut self, item: Item) {
        self.items.insert(item.code.clone(), item);
    }

    /// Add or replace a lot (keeps the FEFO index in step).
    pub fn insert_lot(&mut self, lot: Lot) {
        if let Some(old) = self.lots.get(&lot.key)
            && let Some(set) = self.fefo.get_mut(&old.key.item)
        {
            set.remove(&fefo_key(old));
        }
        if has_stock(&lot) {
            self.fefo
                .entry(lot.key.item.clone())
                .or_default()
                .insert(fefo_key(&lot));
        }
        self.lots.insert(lot.key.clone(), lot);
    }

    /// Add or replace a location.
    pub fn insert_location(&mut self, location: Location) {
        if let Some(gln) = &location.gln {
            self.glns.insert(gln.clone(), location.code.clone());
        }
        self.locations.insert(location.code.clone(), location);
    }

    /// Add or replace a work order.
    pub fn insert_work_order(&mut self, wo: WorkOrder) {
        self.work_orders.insert(wo.id.clone(), wo);
    }

    /// Add or replace a shipment.
    pub fn insert_shipment(&mut self, shipment: Shipment) {
        self.shipments.insert(shipment.id.clone(), shipment);
    }

    /// Set where a serial stands.
    pub fn insert_serial(&mut self, item: ItemCode, serial: impl Into<String>, state: SerialState) {
        self.serials
            .entry(item)
            .or_default()
            .insert(serial.into(), state);
    }

    /// With an item.
    #[must_use]
    pub fn with_item(mut self, item: Item) -> MemView {
        self.insert_item(item);
        self
    }

    /// With a lot.
    #[must_use]
    pub fn with_lot(mut self, lot: Lot) -> MemView {
        self.insert_lot(lot);
        self
    }

    /// With a location.
    #[must_use]
    pub fn with_location(mut self, location: Location) -> MemView {
        self.insert_location(location);
        self
    }

    /// With a work order.
    #[must_use]
    pub fn with_work_order(mut self, wo: WorkOrder) -> MemView {
        self.insert_work_order(wo);
        self
    }

    /// With a shipment.
    #[must_use]
    pub fn with_shipment(mut self, shipment: Shipment) -> MemView {
        self.insert_shipment(shipment);
        self
    }

    /// With a serial's state.
    #[must_use]
    pub fn with_serial(
        mut self,
        item: ItemCode,
        serial: impl Into<String>,
        state: SerialState,
    ) -> MemView {
        self.insert_serial(item, serial, state);
        self
    }

    /// Number of lots held.
    pub fn lot_count(&self) -> usize {
        self.lots.len()
    }
}

impl View for MemView {
    fn item(&self, code: &ItemCode) -> Option<Item> {
        self.items.get(code).cloned()
    }

    fn lot(&self, key: &LotKey) -> Option<Lot> {
        self.lots.get(key).cloned()
    }

    fn lots_of_item(&self, item: &ItemCode, limit: usize) -> Vec<Lot> {
        self.fefo.get(item).map_or_else(Vec::new, |set| {
            set.iter()
                .filter_map(|k| self.lots.get(&k.4))
                .take(limit)
                .cloned()
                .collect()
        })
    }

    fn location(&self, code: &LocationCode) -> Option<Location> {
        self.locations
            .get(code)
            .or_else(|| self.glns.get(&code.0).and_then(|c| self.locations.get(c)))
            .cloned()
    }

    fn work_order(&self, id: &str) -> Option<WorkOrder> {
        self.work_orders.get(id).cloned()
    }

    fn shipment(&self, id: &str) -> Option<Shipment> {
        self.shipments.get(id).cloned()
    }

    fn serial_state(&self, item: &ItemCode, serial: &str) -> Option<SerialState> {
        self.serials.get(item)?.get(serial).copied()
    }
}
