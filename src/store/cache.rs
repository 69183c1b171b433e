//! Decoded master data kept in memory between decisions: items and
//! locations, the rows every move reads and almost no move changes.
//!
//! Every judged move reads its item and one or two locations. Read through
//! redb each needs a table opened in the snapshot, a B-tree lookup and a
//! decode; from here it is a hash lookup and a clone.
//!
//! Invalidation is by generation: the writer bumps [`MasterCache::generation`]
//! after every committed write other than a recorded move, a sync-state
//! update or a lot-number draw (those never touch items or locations), and
//! before it replies; `writer::in_write` does it, so a write command added
//! later invalidates by default. A snapshot reads the generation *before* it
//! opens its read transaction, and uses cached rows only while the cache
//! still holds that generation; a row read from an older transaction is
//! never served to a newer snapshot.
//!
//! Absent rows are cached too (a scan of an unknown item is common at a
//! receiving dock and must not cost a lookup each time).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::model::{Item, Location};

/// Most rows kept per kind; past this the map is cleared (a plant has a few
/// thousand items and locations, far below it).
const MAX_ROWS: usize = 50_000;

#[derive(Debug, Default)]
struct Maps {
    generation: u64,
    items: HashMap<String, Option<Arc<Item>>>,
    locations: HashMap<String, Option<Arc<Location>>>,
}

/// The cache shared by the store handle, its snapshots and the writer.
#[derive(Debug, Default)]
pub(crate) struct MasterCache {
    generation: AtomicU64,
    maps: Mutex<Maps>,
}

impl MasterCache {
    /// The current generation (read by a snapshot before its transaction).
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Items or locations may have changed: drop everything cached.
    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn with_maps<R>(&self, generation: u64, f: impl FnOnce(&mut Maps) -> R) -> Option<R> {
        if self.generation() != generation {
            return None;
        }
        let mut maps = self.maps.lock().ok()?;
        if maps.generation != generation {
            maps.items.clear();
            maps.locations.clear();
            maps.generation = generation;
        }
        Some(f(&mut maps))
    }

    /// A cached item: `Some(None)` means "known absent".
    pub(crate) fn item(&self, generation: u64, code: &str) -> Option<Option<Arc<Item>>> {
        self.with_maps(generation, |m| m.items.get(code).cloned())
            .flatten()
    }

    /// A cached location: `Some(None)` means "known absent".
    pub(crate) fn location(&self, generation: u64, code: &str) -> Option<Option<Arc<Location>>> {
        self.with_maps(generation, |m| m.locations.get(code).cloned())
            .flatten()
    }

    /// Remember an item read at `generation`.
    pub(crate) fn put_item(&self, generation: u64, code: &str, row: Option<Arc<Item>>) {
        self.with_maps(generation, |m| {
            if m.items.len() >= MAX_ROWS {
                m.items.clear();
            }
            m.items.insert(code.to_owned(), row);
        });
    }

    /// Remember a location read at `generation`.
    pub(crate) fn put_location(&self, generation: u64, code: &str, row: Option<Arc<Location>>) {
        self.with_maps(generation, |m| {
            if m.locations.len() >= MAX_ROWS {
                m.locations.clear();
            }
            m.locations.insert(code.to_owned(), row);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FefoPolicy, ItemCode, LotStatus};

    fn item(code: &str) -> Arc<Item> {
        Arc::new(Item {
            code: ItemCode(code.to_owned()),
            description: "Flour".into(),
            unit: "kg".into(),
            lot_controlled: true,
            serialised: false,
            shelf_life_days: None,
            incoming_status: LotStatus::Released,
            fefo: FefoPolicy::Warn,
        })
    }

    #[test]
    fn rows_are_served_only_for_their_generation() {
        let c = MasterCache::default();
        let g = c.generation();
        assert_eq!(c.item(g, "A"), None);
        c.put_item(g, "A", Some(item("A")));
        c.put_item(g, "B", None);
        assert_eq!(c.item(g, "A").flatten().unwrap().code.0, "A");
        assert_eq!(c.item(g, "B"), Some(None));
        c.invalidate();
        // The old generation's snapshot no longer gets cached rows ...
        assert_eq!(c.item(g, "A"), None);
        // ... nor can it store rows read from its older transaction.
        c.put_item(g, "C", Some(item("C")));
        let g2 = c.generation();
        assert_eq!(c.item(g2, "C"), None);
        assert_eq!(c.item(g2, "A"), None);
    }
}
