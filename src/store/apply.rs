//! The state change of one move, as a pure function over the rows it touches.
//!
//! The writer loads the rows named by [`needs`], calls [`apply`], and writes
//! back what changed. No redb here, so the rules of stock keeping are tested
//! (and property-tested) on plain values.
//!
//! Invariants: on-hand never goes negative; a location whose on-hand reaches
//! zero is removed from the lot; on error nothing in [`Rows`] changes.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use crate::model::{
    ItemCode, LocationCode, Lot, LotKey, LotLine, LotStatus, Move, MoveKind, Qty, Shipment,
    WorkOrder,
};
use crate::rules::SerialState;

/// The rows a move reads and changes. `None` means "does not exist".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rows {
    /// Lots named by the move's lines and its new lot.
    pub lots: BTreeMap<LotKey, Option<Lot>>,
    /// The move's work order, if it names one.
    pub work_order: Option<WorkOrder>,
    /// The move's shipment, if it names one.
    pub shipment: Option<Shipment>,
    /// Serials named by the move's lines.
    pub serials: BTreeMap<(ItemCode, String), Option<SerialState>>,
}

/// Keys of the rows a move needs loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// Lots (lines and new lot).
    pub lots: BTreeSet<LotKey>,
    /// Work order id.
    pub work_order: Option<String>,
    /// Shipment id.
    pub shipment: Option<String>,
    /// (item, serial) pairs.
    pub serials: BTreeSet<(ItemCode, String)>,
}

/// Which rows [`apply`] will read for `mv`.
pub fn needs(mv: &Move) -> Needs {
    let mut n = Needs {
        work_order: mv.work_order.clone(),
        shipment: mv.shipment.clone(),
        ..Needs::default()
    };
    for line in &mv.lines {
        n.lots.insert(line.lot.clone());
        if let Some(s) = &line.serial {
            n.serials.insert((line.lot.item.clone(), s.clone()));
        }
    }
    if let Some(nl) = &mv.new_lot {
        n.lots.insert(nl.key.clone());
    }
    n
}

/// Why a move cannot be applied to the store's state. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// A field the kind of move needs is missing.
    #[error("a {kind} move needs `{field}`")]
    MissingField {
        /// Move kind.
        kind: &'static str,
        /// Missing field.
        field: &'static str,
    },
    /// The move has no lines.
    #[error("a {0} move needs at least one lot line")]
    NoLines(&'static str),
    /// A line names a lot the store does not have.
    #[error("unknown lot {0}")]
    UnknownLot(LotKey),
    /// The work order is not in the store.
    #[error("unknown work order {0}")]
    UnknownWorkOrder(String),
    /// The shipment is not in the store.
    #[error("unknown shipment {0}")]
    UnknownShipment(String),
    /// A quantity is zero or negative where a positive one is needed.
    #[error("quantity {qty} for {lot} must be greater than zero")]
    NonPositiveQty {
        /// Lot.
        lot: LotKey,
        /// Quantity given.
        qty: Qty,
    },
    /// Taking the quantity would leave negative stock.
    #[error("{lot} has {on_hand} at {}, cannot take {requested}", location.0)]
    NegativeOnHand {
        /// Lot.
        lot: LotKey,
        /// Location.
        location: LocationCode,
        /// On hand before.
        on_hand: Qty,
        /// Quantity asked for.
        requested: Qty,
    },
    /// A receive/produce line names another lot than the one being created.
    #[error("line for {line} does not match the new lot {new_lot}")]
    LineNotForNewLot {
        /// Line's lot.
        line: LotKey,
        /// New lot.
        new_lot: LotKey,
    },
    /// A serial is already in stock.
    #[error("serial {serial} of item {item} is already in stock")]
    SerialAlreadyInStock {
        /// Item.
        item: String,
        /// Serial.
        serial: String,
    },
    /// A serial to ship is not in stock.
    #[error("serial {serial} of item {item} is not in stock")]
    SerialNotInStock {
        /// Item.
        item: String,
        /// Serial.
        serial: String,
    },
    /// A sum went beyond the quantity range.
    #[error("quantity overflow")]
    Overflow,
    /// The rows handed in do not cover the move (a writer bug).
    #[error("row for {0} was not loaded")]
    NotLoaded(String),
}

/// Apply `mv`, decided at `at`, to `rows`. On error `rows` is unchanged.
pub fn apply(mv: &Move, at: Timestamp, rows: &mut Rows) -> Result<(), ApplyError> {
    let mut work = rows.clone();
    apply_in_place(mv, at, &mut work)?;
    *rows = work;
    Ok(())
}

fn apply_in_place(mv: &Move, at: Timestamp, rows: &mut Rows) -> Result<(), ApplyError> {
    let kind = mv.kind.as_str();
    fn need<'m>(
        o: Option<&'m LocationCode>,
        kind: &'static str,
        field: &'static str,
    ) -> Result<&'m LocationCode, ApplyError> {
        o.ok_or(ApplyError::MissingField { kind, field })
    }
    match mv.kind {
        MoveKind::Receive => {
            let to = need(mv.to.as_ref(), kind, "to")?;
            let total = new_lot_total(mv)?;
            create_or_add(mv, at, rows, to, total, &[])?;
            for line in &mv.lines {
                serial_in(rows, line)?;
            }
        }
        MoveKind::Produce => {
            let to = need(mv.to.as_ref(), kind, "to")?;
            let total = new_lot_total(mv)?;
            let wo = work_order(mv, rows)?;
            let parents = wo.issued_lots.clone();
            create_or_add(mv, at, rows, to, total, &parents)?;
            for line in &mv.lines {
                serial_in(rows, line)?;
            }
        }
        MoveKind::Move => {
            let from = need(mv.from.as_ref(), kind, "from")?;
            let to = need(mv.to.as_ref(), kind, "to")?;
            for line in lines(mv)? {
                positive(line)?;
                let lot = lot_mut(rows, &line.lot)?;
                take(lot, from, line.qty)?;
                put(lot, to, line.qty)?;
            }
        }
        MoveKind::Issue => {
            let from = need(mv.from.as_ref(), kind, "from")?;
            for line in lines(mv)? {
                positive(line)?;
                let lot = lot_mut(rows, &line.lot)?;
                take(lot, from, line.qty)?;
                consume_if_empty(lot);
                let wo = work_order(mv, rows)?;
                let issued = wo.issued.entry(line.lot.item.clone()).or_insert(Qty::ZERO);
                *issued = issued.checked_add(line.qty).ok_or(ApplyError::Overflow)?;
                if !wo.issued_lots.contains(&line.lot) {
                    wo.issued_lots.push(line.lot.clone());
                }
            }
        }
        MoveKind::Ship => {
            let from = need(mv.from.as_ref(), kind, "from")?;
            for line in lines(mv)? {
                positive(line)?;
                let lot = lot_mut(rows, &line.lot)?;
                take(lot, from, line.qty)?;
                let ship = shipment(mv, rows)?;
                ship.shipped.push(line.clone());
                if let Some(serial) = &line.serial {
                    let key = (line.lot.item.clone(), serial.clone());
                    let state = rows
                        .serials
                        .get_mut(&key)
                        .ok_or_else(|| ApplyError::NotLoaded(format!("serial {serial}")))?;
                    if *state != Some(SerialState::InStock) {
                        return Err(ApplyError::SerialNotInStock {
                            item: line.lot.item.0.clone(),
                            serial: serial.clone(),
                        });
                    }
                    *state = Some(SerialState::Shipped);
                }
            }
        }
        MoveKind::Hold | MoveKind::Release => {
            let status = if mv.kind == MoveKind::Hold {
                LotStatus::Hold
            } else {
                LotStatus::Released
            };
            for line in lines(mv)? {
                lot_mut(rows, &line.lot)?.status = status;
            }
        }
        MoveKind::Merge | MoveKind::Split => {
            let from = need(mv.from.as_ref(), kind, "from")?;
            let to = mv.to.as_ref().unwrap_or(from);
            let mut total = Qty::ZERO;
            let mut parents: Vec<LotKey> = Vec::new();
            for line in lines(mv)? {
                positive(line)?;
                let lot = lot_mut(rows, &line.lot)?;
                take(lot, from, line.qty)?;
                if mv.kind == MoveKind::Merge {
                    consume_if_empty(lot);
                }
                total = total.checked_add(line.qty).ok_or(ApplyError::Overflow)?;
                if !parents.contains(&line.lot) {
                    parents.push(line.lot.clone());
                }
            }
            create_or_add(mv, at, rows, to, total, &parents)?;
        }
        MoveKind::Adjust => {
            let loc = mv
                .to
                .as_ref()
                .or(mv.from.as_ref())
                .ok_or(ApplyError::MissingField { kind, field: "to" })?;
            for line in lines(mv)? {
                if line.qty < Qty::ZERO {
                    return Err(ApplyError::NonPositiveQty {
                        lot: line.lot.clone(),
                        qty: line.qty,
                    });
                }
                let lot = lot_mut(rows, &line.lot)?;
                if line.qty == Qty::ZERO {
                    lot.on_hand.remove(loc);
                } else {
                    lot.on_hand.insert(loc.clone(), line.qty);
                }
            }
        }
    }
    Ok(())
}

fn lines(mv: &Move) -> Result<&[LotLine], ApplyError> {
    if mv.lines.is_empty() {
        Err(ApplyError::NoLines(mv.kind.as_str()))
    } else {
        Ok(&mv.lines)
    }
}

fn positive(line: &LotLine) -> Result<(), ApplyError> {
    if line.qty > Qty::ZERO {
        Ok(())
    } else {
        Err(ApplyError::NonPositiveQty {
            lot: line.lot.clone(),
            qty: line.qty,
        })
    }
}

/// Sum of the lines of a receive/produce, all of which must be for the new lot.
fn new_lot_total(mv: &Move) -> Result<Qty, ApplyError> {
    let nl = mv.new_lot.as_ref().ok_or(ApplyError::MissingField {
        kind: mv.kind.as_str(),
        field: "new_lot",
    })?;
    let mut total = Qty::ZERO;
    for line in lines(mv)? {
        positive(line)?;
        if line.lot != nl.key {
            return Err(ApplyError::LineNotForNewLot {
                line: line.lot.clone(),
                new_lot: nl.key.clone(),
            });
        }
        total = total.checked_add(line.qty).ok_or(ApplyError::Overflow)?;
    }
    Ok(total)
}

/// Create the move's new lot with `qty` at `to` (or add to it when it already
/// exists), recording `parents` for genealogy.
fn create_or_add(
    mv: &Move,
    at: Timestamp,
    rows: &mut Rows,
    to: &LocationCode,
    qty: Qty,
    parents: &[LotKey],
) -> Result<(), ApplyError> {
    let nl = mv.new_lot.as_ref().ok_or(ApplyError::MissingField {
        kind: mv.kind.as_str(),
        field: "new_lot",
    })?;
    let slot = rows
        .lots
        .get_mut(&nl.key)
        .ok_or_else(|| ApplyError::NotLoaded(nl.key.to_string()))?;
    let lot = slot.get_or_insert_with(|| {
        let mut l = nl.clone();
        l.on_hand.clear();
        if l.received_at.is_none() {
            l.received_at = Some(at);
        }
        l
    });
    for p in parents {
        if !lot.parents.contains(p) && *p != lot.key {
            lot.parents.push(p.clone());
        }
    }
    put(lot, to, qty)
}

fn serial_in(rows: &mut Rows, line: &LotLine) -> Result<(), ApplyError> {
    let Some(serial) = &line.serial else {
        return Ok(());
    };
    let state = rows
        .serials
        .get_mut(&(line.lot.item.clone(), serial.clone()))
        .ok_or_else(|| ApplyError::NotLoaded(format!("serial {serial}")))?;
    if *state == Some(SerialState::InStock) {
        return Err(ApplyError::SerialAlreadyInStock {
            item: line.lot.item.0.clone(),
            serial: serial.clone(),
        });
    }
    *state = Some(SerialState::InStock);
    Ok(())
}

fn lot_mut<'a>(rows: &'a mut Rows, key: &LotKey) -> Result<&'a mut Lot, ApplyError> {
    rows.lots
        .get_mut(key)
        .and_then(Option::as_mut)
        .ok_or_else(|| ApplyError::UnknownLot(key.clone()))
}

fn work_order<'a>(mv: &Move, rows: &'a mut Rows) -> Result<&'a mut WorkOrder, ApplyError> {
    let id = mv.work_order.as_deref().ok_or(ApplyError::MissingField {
        kind: mv.kind.as_str(),
        field: "work_order",
    })?;
    match rows.work_order.as_mut() {
        Some(wo) if wo.id == id => Ok(wo),
        _ => Err(ApplyError::UnknownWorkOrder(id.to_owned())),
    }
}

fn shipment<'a>(mv: &Move, rows: &'a mut Rows) -> Result<&'a mut Shipment, ApplyError> {
    let id = mv.shipment.as_deref().ok_or(ApplyError::MissingField {
        kind: mv.kind.as_str(),
        field: "shipment",
    })?;
    match rows.shipment.as_mut() {
        Some(s) if s.id == id => Ok(s),
        _ => Err(ApplyError::UnknownShipment(id.to_owned())),
    }
}

fn take(lot: &mut Lot, loc: &LocationCode, qty: Qty) -> Result<(), ApplyError> {
    let on_hand = lot.on_hand.get(loc).copied().unwrap_or(Qty::ZERO);
    let left = on_hand
        .checked_sub(qty)
        .filter(|q| *q >= Qty::ZERO)
        .ok_or_else(|| ApplyError::NegativeOnHand {
            lot: lot.key.clone(),
            location: loc.clone(),
            on_hand,
            requested: qty,
        })?;
    if left == Qty::ZERO {
        lot.on_hand.remove(loc);
    } else {
        lot.on_hand.insert(loc.clone(), left);
    }
    Ok(())
}

fn put(lot: &mut Lot, loc: &LocationCode, qty: Qty) -> Result<(), ApplyError> {
    let q = lot.on_hand.entry(loc.clone()).or_insert(Qty::ZERO);
    *q = q.checked_add(qty).ok_or(ApplyError::Overflow)?;
    if *q == Qty::ZERO {
        lot.on_hand.remove(loc);
    }
    Ok(())
}

fn consume_if_empty(lot: &mut Lot) {
    if lot.on_hand.is_empty() {
        lot.status = LotStatus::Consumed;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{LotNo, WorkOrderStatus};
    use proptest::prelude::*;

    pub(crate) fn key(item: &str, lot: &str) -> LotKey {
        LotKey {
            item: ItemCode(item.into()),
            lot: LotNo(lot.into()),
        }
    }

    pub(crate) fn loc(s: &str) -> LocationCode {
        LocationCode(s.into())
    }

    pub(crate) fn new_lot(k: &LotKey) -> Lot {
        Lot {
            key: k.clone(),
            status: LotStatus::Released,
            supplier: None,
            supplier_lot: None,
            internal_lot: None,
            production_date: None,
            expiry_date: None,
            on_hand: BTreeMap::new(),
            parents: vec![],
            certificate: None,
            received_at: None,
        }
    }

    pub(crate) fn mv(kind: MoveKind, lines: Vec<LotLine>) -> Move {
        Move {
            kind,
            lines,
            from: None,
            to: None,
            work_order: None,
            shipment: None,
            new_lot: None,
            operator: None,
            scans: vec![],
        }
    }

    pub(crate) fn line(k: &LotKey, units: i64) -> LotLine {
        LotLine {
            lot: k.clone(),
            qty: Qty::units(units),
            serial: None,
        }
    }

    fn rows_for(m: &Move, existing: &[Lot], wo: Option<WorkOrder>) -> Rows {
        let n = needs(m);
        let mut rows = Rows {
            work_order: wo,
            ..Rows::default()
        };
        for k in n.lots {
            let l = existing.iter().find(|l| l.key == k).cloned();
            rows.lots.insert(k, l);
        }
        for s in n.serials {
            rows.serials.insert(s, None);
        }
        rows
    }

    fn receive(k: &LotKey, units: i64, to: &str) -> Move {
        let mut m = mv(MoveKind::Receive, vec![line(k, units)]);
        m.new_lot = Some(new_lot(k));
        m.to = Some(loc(to));
        m
    }

    #[test]
    fn receive_creates_the_lot_with_stock_at_the_destination() {
        let k = key("09506000134352", "L1");
        let m = receive(&k, 5, "DOCK");
        let mut rows = rows_for(&m, &[], None);
        apply(&m, Timestamp::UNIX_EPOCH, &mut rows).unwrap();
        let lot = rows.lots[&k].as_ref().unwrap();
        assert_eq!(lot.on_hand.get(&loc("DOCK")), Some(&Qty::units(5)));
        assert_eq!(lot.received_at, Some(Timestamp::UNIX_EPOCH));
    }

    #[test]
    fn move_shifts_stock_and_removes_emptied_locations() {
        let k = key("I", "L1");
        let mut lot = new_lot(&k);
        lot.on_hand.insert(loc("A"), Qty::units(3));
        let mut m = mv(MoveKind::Move, vec![line(&k, 3)]);
        m.from = Some(loc("A"));
        m.to = Some(loc("B"));
        let mut rows = rows_for(&m, &[lot], None);
        apply(&m, Timestamp::UNIX_EPOCH, &mut rows).unwrap();
        let lot = rows.lots[&k].as_ref().unwrap();
        assert_eq!(lot.on_hand.len(), 1);
        assert_eq!(lot.on_hand.get(&loc("B")), Some(&Qty::units(3)));
    }

    #[test]
    fn taking_more_than_on_hand_fails_and_changes_nothing() {
        let k = key("I", "L1");
        let mut lot = new_lot(&k);
        lot.on_hand.insert(loc("A"), Qty::units(2));
        let mut m = mv(MoveKind::Move, vec![line(&k, 1), line(&k, 2)]);
        m.from = Some(loc("A"));
        m.to = Some(loc("B"));
        let mut rows = rows_for(&m, &[lot], None);
        let before = rows.clone();
        let err = apply(&m, Timestamp::UNIX_EPOCH, &mut rows).unwrap_err();
        assert!(matches!(err, ApplyError::NegativeOnHand { .. }), "{err}");
        assert_eq!(rows, before);
    }

    #[test]
    fn issue_then_produce_records_genealogy_from_the_issued_lots() {
        let a = key("A", "1");
        let b = key("B", "2");
        let out = key("P", "X");
        let mut la = new_lot(&a);
        la.on_hand.insert(loc("W"), Qty::units(4));
        let mut lb = new_lot(&b);
        lb.on_hand.insert(loc("W"), Qty::units(4));
        let wo = WorkOrder {
            id: "WO1".into(),
            output_item: ItemCode("P".into()),
            bom: vec![],
            status: WorkOrderStatus::Released,
            issued: BTreeMap::new(),
            issued_lots: vec![],
        };
        let mut issue = mv(MoveKind::Issue, vec![line(&a, 4), line(&b, 1)]);
        issue.from = Some(loc("W"));
        issue.work_order = Some("WO1".into());
        let mut rows = rows_for(&issue, &[la, lb], Some(wo));
        apply(&issue, Timestamp::UNIX_EPOCH, &mut rows).unwrap();
        let wo = rows.work_order.clone().unwrap();
        assert_eq!(wo.issued.get(&a.item), Some(&Qty::units(4)));
        assert_eq!(wo.issued_lots, vec![a.clone(), b.clone()]);
        assert_eq!(
            rows.lots[&a].as_ref().unwrap().status,
            LotStatus::Consumed,
            "an issue that empties a lot consumes it"
        );

        let mut produce = receive(&out, 10, "FG");
        produce.kind = MoveKind::Produce;
        produce.work_order = Some("WO1".into());
        let mut rows = rows_for(&produce, &[], Some(wo));
        apply(&produce, Timestamp::UNIX_EPOCH, &mut rows).unwrap();
        assert_eq!(rows.lots[&out].as_ref().unwrap().parents, vec![a, b]);
    }

    #[test]
    fn ship_appends_to_the_shipment_and_ships_the_serial_once() {
        let k = key("I", "L");
        let mut lot = new_lot(&k);
        lot.on_hand.insert(loc("A"), Qty::units(2));
        let mut l = line(&k, 1);
        l.serial = Some("S1".into());
        let mut m = mv(MoveKind::Ship, vec![l]);
        m.from = Some(loc("A"));
        m.shipment = Some("SH".into());
        let mut rows = rows_for(&m, &[lot], None);
        rows.shipment = Some(Shipment {
            id: "SH".into(),
            customer: "C".into(),
            lines: vec![],
            shipped: vec![],
        });
        let err = apply(&m, Timestamp::UNIX_EPOCH, &mut rows.clone()).unwrap_err();
        assert!(matches!(err, ApplyError::SerialNotInStock { .. }));
        for v in rows.serials.values_mut() {
            *v = Some(SerialState::InStock);
        }
        apply(&m, Timestamp::UNIX_EPOCH, &mut rows).unwrap();
        assert_eq!(rows.shipment.as_ref().unwrap().shipped.len(), 1);
        assert!(
            rows.serials
                .values()
                .all(|s| *s == Some(SerialState::Shipped))
        );
        let err = apply(&m, Timestamp::UNIX_EPOCH, &mut rows).unwrap_err();
        assert!(matches!(err, ApplyError::SerialNotInStock { .. }));
    }

    #[test]
    fn merge_and_split_create_lots_with_their_sources_as_parents() {
        let a = key("I", "A");
        let b = key("I", "B");
        let c = key("I", "C");
        let mut la = new_lot(&a);
        la.on_hand.insert(loc("X"), Qty::units(2));
        let mut lb = new_lot(&b);
        lb.on_hand.insert(loc("X"), Qty::units(3));
        let mut m = mv(MoveKind::Merge, vec![line(&a, 2), line(&b, 3)]);
        m.from = Some(loc("X"));
        m.new_lot = Some(new_lot(&c));
        let mut rows = rows_for(&m, &[la, lb.clone()], None);
        apply(&m, Timestamp::UNIX_EPOCH, &mut rows).unwrap();
        let lc = rows.lots[&c].as_ref().unwrap();
        assert_eq!(lc.parents, vec![a.clone(), b.clone()]);
        assert_eq!(lc.total_on_hand(), Qty::units(5));

        let d = key("I", "D");
        let mut s = mv(MoveKind::Split, vec![line(&b, 1)]);
        s.from = Some(loc("X"));
        s.to = Some(loc("Y"));
        s.new_lot = Some(new_lot(&d));
        let mut rows = rows_for(&s, &[lb], None);
        apply(&s, Timestamp::UNIX_EPOCH, &mut rows).unwrap();
        assert_eq!(
            rows.lots[&b].as_ref().unwrap().on_hand.get(&loc("X")),
            Some(&Qty::units(2))
        );
        let ld = rows.lots[&d].as_ref().unwrap();
        assert_eq!(ld.parents, vec![b]);
        assert_eq!(ld.on_hand.get(&loc("Y")), Some(&Qty::units(1)));
    }

    #[test]
    fn adjust_sets_the_counted_quantity_and_zero_removes_the_location() {
        let k = key("I", "L");
        let mut lot = new_lot(&k);
        lot.on_hand.insert(loc("A"), Qty::units(2));
        let mut m = mv(MoveKind::Adjust, vec![line(&k, 7)]);
        m.to = Some(loc("A"));
        let mut rows = rows_for(&m, &[lot], None);
        apply(&m, Timestamp::UNIX_EPOCH, &mut rows).unwrap();
        assert_eq!(
            rows.lots[&k].as_ref().unwrap().on_hand.get(&loc("A")),
            Some(&Qty::units(7))
        );
        m.lines = vec![line(&k, 0)];
        apply(&m, Timestamp::UNIX_EPOCH, &mut rows).unwrap();
        assert!(rows.lots[&k].as_ref().unwrap().on_hand.is_empty());
        m.lines = vec![line(&k, -1)];
        assert!(apply(&m, Timestamp::UNIX_EPOCH, &mut rows).is_err());
    }

    #[test]
    fn hold_and_release_change_status_only() {
        let k = key("I", "L");
        let mut lot = new_lot(&k);
        lot.on_hand.insert(loc("A"), Qty::units(2));
        let m = mv(MoveKind::Hold, vec![line(&k, 0)]);
        let mut rows = rows_for(&m, &[lot], None);
        apply(&m, Timestamp::UNIX_EPOCH, &mut rows).unwrap();
        assert_eq!(rows.lots[&k].as_ref().unwrap().status, LotStatus::Hold);
        let m = mv(MoveKind::Release, vec![line(&k, 0)]);
        apply(&m, Timestamp::UNIX_EPOCH, &mut rows).unwrap();
        let lot = rows.lots[&k].as_ref().unwrap();
        assert_eq!(lot.status, LotStatus::Released);
        assert_eq!(lot.total_on_hand(), Qty::units(2));
    }

    /// A random move over a small world of 3 lots and 3 locations.
    pub(crate) fn arb_move() -> impl Strategy<Value = Move> {
        let kinds = prop::sample::select(vec![
            MoveKind::Receive,
            MoveKind::Move,
            MoveKind::Ship,
            MoveKind::Adjust,
            MoveKind::Hold,
            MoveKind::Release,
            MoveKind::Split,
            MoveKind::Merge,
        ]);
        (kinds, 0..3usize, 0..3usize, 0..3usize, 0..3usize, -2i64..8).prop_map(
            |(kind, lot, lot2, from, to, units)| {
                let lots = ["L0", "L1", "L2"];
                let locs = ["A", "B", "C"];
                let k = key("I", lots.get(lot).copied().unwrap_or("L0"));
                let k2 = key("I", lots.get(lot2).copied().unwrap_or("L0"));
                let mut m = mv(kind, vec![line(&k, units)]);
                m.from = Some(loc(locs.get(from).copied().unwrap_or("A")));
                m.to = Some(loc(locs.get(to).copied().unwrap_or("A")));
                match kind {
                    MoveKind::Receive => m.new_lot = Some(new_lot(&k)),
                    MoveKind::Split | MoveKind::Merge => m.new_lot = Some(new_lot(&k2)),
                    MoveKind::Ship => m.shipment = Some("SH".into()),
                    _ => {}
                }
                m
            },
        )
    }

    proptest! {
        #[test]
        fn no_sequence_of_moves_makes_on_hand_negative(moves in prop::collection::vec(arb_move(), 1..40)) {
            let mut world: BTreeMap<LotKey, Lot> = BTreeMap::new();
            for m in &moves {
                let mut rows = rows_for(m, &world.values().cloned().collect::<Vec<_>>(), None);
                rows.shipment = Some(Shipment { id: "SH".into(), customer: "C".into(), lines: vec![], shipped: vec![] });
                let before = rows.clone();
                match apply(m, Timestamp::UNIX_EPOCH, &mut rows) {
                    Ok(()) => {
                        for lot in rows.lots.into_values().flatten() {
                            world.insert(lot.key.clone(), lot);
                        }
                    }
                    Err(_) => prop_assert_eq!(rows, before),
                }
                for lot in world.values() {
                    for q in lot.on_hand.values() {
                        prop_assert!(*q > Qty::ZERO, "{} has {} somewhere", lot.key, q);
                    }
                }
            }
        }
    }
}
