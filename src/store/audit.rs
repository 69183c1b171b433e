//! The audit chain and the integrity check of a store.
//!
//! Link `i` is `sha256(link[i-1] ‖ canonical JSON of transaction i)`, with
//! 32 zero bytes before the first. The stored transaction row is a format
//! byte followed by exactly the hashed bytes, so [`verify`] recomputes every
//! link from the rows themselves: changing any byte of a recorded
//! transaction breaks its link, and the report names the first one.

use std::collections::BTreeMap;
use std::fmt;

use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata};

use crate::model::{LocationCode, Lot, LotKey, Qty, Transaction, TxId};
use crate::store::StoreError;
use crate::store::schema::*;
use crate::store::writer::link_hash;

/// Most problems of each kind listed in a report (the count is still exact).
const MAX_LISTED: usize = 100;

/// The first link of the audit chain that does not match its transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// Commit index of the transaction.
    pub index: u64,
    /// Its id, when the row still decodes.
    pub tx: Option<TxId>,
    /// Link recomputed from the rows (hex).
    pub expected: String,
    /// Link stored (hex), or empty when missing.
    pub found: String,
}

/// A per-station sequence that is not 1, 2, 3, ... in commit order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeqProblem {
    /// Station.
    pub station: String,
    /// Commit index where it shows (0: the station's counter).
    pub index: u64,
    /// Seq expected there.
    pub expected: u64,
    /// Seq found.
    pub found: u64,
}

/// A lot with zero or negative stock recorded at a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegativeStock {
    /// Lot.
    pub lot: LotKey,
    /// Location.
    pub location: LocationCode,
    /// Quantity recorded.
    pub qty: Qty,
}

/// Result of [`crate::store::Store::verify`] and [`crate::store::verify_file`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Transactions checked.
    pub transactions: u64,
    /// Lots checked.
    pub lots: u64,
    /// Stations seen.
    pub stations: u64,
    /// The first broken audit link, if any.
    pub first_broken_link: Option<BrokenLink>,
    /// Sequence gaps and duplicates (at most 100 listed).
    pub seq_problems: Vec<SeqProblem>,
    /// Non-positive stock (at most 100 listed).
    pub negative_stock: Vec<NegativeStock>,
    /// Other inconsistencies, as text (at most 100 listed).
    pub other: Vec<String>,
}

impl VerifyReport {
    /// True if nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.first_broken_link.is_none()
            && self.seq_problems.is_empty()
            && self.negative_stock.is_empty()
            && self.other.is_empty()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} transactions, {} lots, {} stations: {}",
            self.transactions,
            self.lots,
            self.stations,
            if self.is_ok() { "ok" } else { "PROBLEMS" }
        )?;
        if let Some(b) = &self.first_broken_link {
            let tx =
                b.tx.map_or_else(|| "(undecodable)".to_owned(), |t| t.to_string());
            writeln!(
                f,
                "audit chain broken first at transaction #{} {tx}: expected link {}, found {}",
                b.index,
                b.expected,
                if b.found.is_empty() { "none" } else { &b.found }
            )?;
        }
        for s in &self.seq_problems {
            writeln!(
                f,
                "station {} seq at #{}: expected {}, found {}",
                s.station, s.index, s.expected, s.found
            )?;
        }
        for n in &self.negative_stock {
            writeln!(f, "{} has {} at {}", n.lot, n.qty, n.location.0)?;
        }
        for o in &self.other {
            writeln!(f, "{o}")?;
        }
        Ok(())
    }
}

fn push<T>(v: &mut Vec<T>, x: T) {
    if v.len() < MAX_LISTED {
        v.push(x);
    }
}

/// Check the audit chain, per-station sequences, indexes and stock.
pub(crate) fn verify(txn: &ReadTransaction) -> Result<VerifyReport, StoreError> {
    let mut r = VerifyReport::default();
    let transactions = txn.open_table(TRANSACTIONS)?;
    let audit = txn.open_table(AUDIT)?;
    let tx_ids = txn.open_table(TX_IDS)?;
    let by_station = txn.open_table(TX_BY_STATION)?;
    let station_seq = txn.open_table(STATION_SEQ)?;
    let outbox = txn.open_table(OUTBOX)?;
    let lots = txn.open_table(LOTS)?;

    let mut prev = [0u8; 32];
    let mut expected_index = 1u64;
    let mut last_seq: BTreeMap<String, u64> = BTreeMap::new();
    for entry in transactions.iter()? {
        let (k, v) = entry?;
        let index = k.value();
        let row = v.value();
        r.transactions += 1;
        if index != expected_index {
            push(
                &mut r.other,
                format!(
                    "commit index jumps from {} to {index}",
                    expected_index.saturating_sub(1)
                ),
            );
        }
        expected_index = index.saturating_add(1);
        let body = match row.split_first() {
            Some((&FORMAT_JSON_V1, body)) => body,
            _ => row,
        };
        let tx: Option<Transaction> = decode(row).ok();
        if tx.is_none() {
            push(
                &mut r.other,
                format!("transaction #{index} does not decode"),
            );
        }
        let link = link_hash(&prev, body);
        let stored = audit.get(index)?.map(|g| *g.value());
        if r.first_broken_link.is_none() && stored != Some(link) {
            r.first_broken_link = Some(BrokenLink {
                index,
                tx: tx.as_ref().map(|t| t.id),
                expected: crate::ident::hex::encode(&link),
                found: stored
                    .map(|s| crate::ident::hex::encode(&s))
                    .unwrap_or_default(),
            });
        }
        prev = link;
        let Some(tx) = tx else { continue };
        let last = last_seq.entry(tx.station.clone()).or_insert(0);
        let want = last.saturating_add(1);
        if tx.seq != want {
            push(
                &mut r.seq_problems,
                SeqProblem {
                    station: tx.station.clone(),
                    index,
                    expected: want,
                    found: tx.seq,
                },
            );
        }
        *last = tx.seq.max(*last);
        if tx_ids.get(tx.id.0.as_u128())?.map(|g| g.value()) != Some(index) {
            push(
                &mut r.other,
                format!("transaction id {} does not index #{index}", tx.id),
            );
        }
        if by_station
            .get((tx.station.as_str(), tx.seq))?
            .map(|g| g.value())
            != Some(index)
        {
            push(
                &mut r.other,
                format!(
                    "station {} seq {} does not index #{index}",
                    tx.station, tx.seq
                ),
            );
        }
    }
    if audit.len()? != r.transactions {
        push(
            &mut r.other,
            format!(
                "{} audit links for {} transactions",
                audit.len()?,
                r.transactions
            ),
        );
    }
    for entry in station_seq.iter()? {
        let (k, v) = entry?;
        let (station, counter) = (k.value().to_owned(), v.value());
        let seen = last_seq.get(&station).copied().unwrap_or(0);
        if counter != seen {
            push(
                &mut r.seq_problems,
                SeqProblem {
                    station,
                    index: 0,
                    expected: seen,
                    found: counter,
                },
            );
        }
    }
    r.stations = u64::try_from(last_seq.len()).unwrap_or(u64::MAX);
    for entry in outbox.iter()? {
        let (k, _) = entry?;
        if transactions.get(k.value())?.is_none() {
            push(
                &mut r.other,
                format!("outbox row #{} has no transaction", k.value()),
            );
        }
    }
    for entry in lots.iter()? {
        let (k, v) = entry?;
        r.lots += 1;
        let (item, lot) = k.value();
        match decode::<Lot>(v.value()) {
            Err(e) => push(
                &mut r.other,
                format!("lot {item} {lot} does not decode: {e}"),
            ),
            Ok(l) => {
                for (loc, q) in &l.on_hand {
                    if *q <= Qty::ZERO {
                        push(
                            &mut r.negative_stock,
                            NegativeStock {
                                lot: l.key.clone(),
                                location: loc.clone(),
                                qty: *q,
                            },
                        );
                    }
                }
            }
        }
    }
    Ok(r)
}
