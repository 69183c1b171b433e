//! Genealogy walks over a [`Snapshot`]: backward to every lot a lot was made
//! from, forward to every lot made from it and every shipment that carried
//! any of them (the recall question).
//!
//! Walks are breadth-first with a visited set, so cycles in bad data cannot
//! loop, and stop after `limit` lots so a query stays bounded.

use std::collections::{BTreeSet, VecDeque};

use crate::model::{ItemCode, LotKey, LotNo};
use crate::store::{Snapshot, StoreError};

/// Result of a forward trace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forward {
    /// Lots made (transitively) from the start lot, nearest first.
    pub lots: Vec<LotKey>,
    /// Shipments that carried the start lot or any of those lots.
    pub shipments: Vec<String>,
    /// True if the walk stopped at `limit`.
    pub truncated: bool,
}

/// Result of a backward trace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backward {
    /// Lots the start lot was made from (transitively), nearest first.
    pub lots: Vec<LotKey>,
    /// True if the walk stopped at `limit`.
    pub truncated: bool,
}

/// Every ancestor of `start` (parents, their parents, ...), at most `limit`.
pub fn backward(snap: &Snapshot, start: &LotKey, limit: usize) -> Result<Backward, StoreError> {
    let mut out = Backward::default();
    let mut seen = BTreeSet::from([start.clone()]);
    let mut queue = VecDeque::from([start.clone()]);
    while let Some(k) = queue.pop_front() {
        let Some(lot) = snap.try_lot(&k)? else {
            continue;
        };
        for p in lot.parents {
            if seen.insert(p.clone()) {
                if out.lots.len() >= limit {
                    out.truncated = true;
                    return Ok(out);
                }
                out.lots.push(p.clone());
                queue.push_back(p);
            }
        }
    }
    Ok(out)
}

/// Every descendant of `start` and every shipment that carried `start` or a
/// descendant, at most `limit` lots.
pub fn forward(snap: &Snapshot, start: &LotKey, limit: usize) -> Result<Forward, StoreError> {
    let mut out = Forward::default();
    let mut seen = BTreeSet::from([start.clone()]);
    let mut ships = BTreeSet::new();
    let mut queue = VecDeque::from([start.clone()]);
    while let Some(k) = queue.pop_front() {
        let (item, lot) = (k.item.0.as_str(), k.lot.0.as_str());
        for entry in snap.lot_ships()?.range((item, lot, "")..)? {
            let (key, _) = entry?;
            let (i, l, s) = key.value();
            if i != item || l != lot {
                break;
            }
            if ships.insert(s.to_owned()) {
                out.shipments.push(s.to_owned());
            }
        }
        for entry in snap.children()?.range((item, lot, "", "")..)? {
            let (key, _) = entry?;
            let (pi, pl, ci, cl) = key.value();
            if pi != item || pl != lot {
                break;
            }
            let child = LotKey {
                item: ItemCode(ci.to_owned()),
                lot: LotNo(cl.to_owned()),
            };
            if seen.insert(child.clone()) {
                if out.lots.len() >= limit {
                    out.truncated = true;
                    return Ok(out);
                }
                out.lots.push(child.clone());
                queue.push_back(child);
            }
        }
    }
    Ok(out)
}
