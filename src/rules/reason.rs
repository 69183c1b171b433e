//! Reason codes and the short texts an operator reads.
//!
//! This module owns the wording: every rule states a [`Fact`], and
//! [`reason`] turns it into a [`Reason`] (stable code + one kiosk line). A
//! fact maps to exactly one code; several facts may share a code when the
//! operator's next step differs (a serial "already shipped" or "never
//! received" are both `SERIAL_ALREADY_SHIPPED`).
//!
//! It also owns how reasons combine into a verdict ([`Findings`]): rejected if
//! any reason rejects, else warning if any reason warns, else accepted;
//! rejecting reasons come first, then warnings, each group in the order the
//! rules found them; repeated reasons (same code and text) appear once.
//!
//! Texts stay short (a kiosk line, under 80 characters for a 20-character
//! lot number, a 14-digit GTIN and a 13-digit GLN), name the lot, item or
//! location, and say what to do where that is not obvious.

use jiff::civil::Date;

use crate::model::{
    ItemCode, LocationCode, LotNo, LotStatus, Outcome, Qty, Reason, ReasonCode, Verdict,
};

/// The stable name of a reason code, as serialised (`LOT_QUARANTINED`).
pub const fn code_name(code: ReasonCode) -> &'static str {
    code.as_str()
}

/// Something a rule found, with what the operator needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fact<'a> {
    /// The lot is not in the local store.
    UnknownLot {
        /// Lot number.
        lot: &'a LotNo,
        /// Accepted provisionally (policy) rather than refused.
        provisional: bool,
    },
    /// The item is not in the local store.
    UnknownItem {
        /// Item.
        item: &'a ItemCode,
    },
    /// The location is not in the local store.
    UnknownLocation {
        /// Location as scanned.
        location: &'a LocationCode,
    },
    /// The work order is not in the local store.
    UnknownWorkOrder {
        /// Work order id.
        id: &'a str,
    },
    /// The move needs a work order and has none.
    NoWorkOrder,
    /// The shipment is not in the local store.
    UnknownShipment {
        /// Shipment id.
        id: &'a str,
    },
    /// The move needs a shipment and has none.
    NoShipment,
    /// The lot is in quarantine.
    Quarantined {
        /// Lot number.
        lot: &'a LotNo,
    },
    /// The lot is on hold.
    OnHold {
        /// Lot number.
        lot: &'a LotNo,
    },
    /// The lot failed inspection.
    LotRejected {
        /// Lot number.
        lot: &'a LotNo,
    },
    /// The lot is recalled.
    Recalled {
        /// Lot number.
        lot: &'a LotNo,
    },
    /// The lot is used up.
    Consumed {
        /// Lot number.
        lot: &'a LotNo,
    },
    /// The lot is past its expiry date.
    Expired {
        /// Lot number.
        lot: &'a LotNo,
        /// Expiry date.
        on: Date,
    },
    /// The lot expires within the warning window.
    ExpiresSoon {
        /// Lot number.
        lot: &'a LotNo,
        /// Expiry date.
        on: Date,
        /// Days from today (0 = expires today).
        days: i32,
    },
    /// Another lot should be used first.
    UseFirst {
        /// The lot to use.
        lot: &'a LotNo,
        /// Its expiry, when FEFO decided; `None` when FIFO decided.
        expires: Option<Date>,
        /// Where it has stock.
        at: Option<&'a LocationCode>,
    },
    /// The item is not in the work order's bill of materials.
    NotInBom {
        /// Item.
        item: &'a ItemCode,
        /// Work order id.
        work_order: &'a str,
    },
    /// Issuing would go beyond the BOM quantity plus tolerance.
    OverIssue {
        /// Item.
        item: &'a ItemCode,
        /// Work order id.
        work_order: &'a str,
        /// Issued after this move.
        after: Qty,
        /// Most allowed.
        limit: Qty,
        /// Item unit (may be empty).
        unit: &'a str,
    },
    /// The work order is closed.
    WorkOrderClosed {
        /// Work order id.
        id: &'a str,
    },
    /// The lot has less than the move takes.
    Insufficient {
        /// Lot number.
        lot: &'a LotNo,
        /// What it has (at `at`, or in total).
        have: Qty,
        /// Item unit (may be empty).
        unit: &'a str,
        /// The location, when the move names one.
        at: Option<&'a LocationCode>,
    },
    /// The lot has no stock at the scanned location.
    NotHere {
        /// Lot number.
        lot: &'a LotNo,
        /// The scanned location.
        at: &'a LocationCode,
        /// Where it does have stock, if anywhere.
        elsewhere: Option<&'a LocationCode>,
    },
    /// The destination does not accept lots of this status.
    RefusesStatus {
        /// Destination.
        location: &'a LocationCode,
        /// Lot number.
        lot: &'a LotNo,
        /// Status the lot would have there.
        status: LotStatus,
    },
    /// Receiving a serial that is already in stock.
    SerialInStock {
        /// Serial.
        serial: &'a str,
    },
    /// Shipping a serial that already left.
    SerialShipped {
        /// Serial.
        serial: &'a str,
    },
    /// Shipping a serial that never came in.
    SerialNeverReceived {
        /// Serial.
        serial: &'a str,
    },
    /// Several lots combined without recording a composite lot.
    MixedLots,
    /// An input lot is missing from the composite lot's parents.
    MissingParent {
        /// The input lot.
        lot: &'a LotNo,
    },
    /// Receiving (or producing) into a lot that already has stock.
    LotExists {
        /// Lot number.
        lot: &'a LotNo,
        /// What it already has.
        on_hand: Qty,
        /// Item unit (may be empty).
        unit: &'a str,
    },
    /// The label's expiry differs from the stored lot's.
    LotExpiryConflict {
        /// Lot number.
        lot: &'a LotNo,
        /// Stored expiry.
        stored: Option<Date>,
        /// Expiry on the label.
        label: Option<Date>,
    },
    /// The stored lot came from another supplier.
    LotSupplierConflict {
        /// Lot number.
        lot: &'a LotNo,
    },
    /// The item is not ordered on the shipment.
    NotOnShipment {
        /// Item.
        item: &'a ItemCode,
        /// Shipment id.
        shipment: &'a str,
    },
    /// The move needs a supervisor's badge.
    SupervisorRequired,
    /// Zero or negative quantity where only a positive one makes sense.
    InvalidQuantity {
        /// Lot number.
        lot: &'a LotNo,
    },
    /// The scan does not fit the workflow step (used by the station).
    WrongStep {
        /// What the step expects, e.g. "a work order".
        expected: &'a str,
    },
    /// The scan could not be decoded (used by the station).
    Unreadable,
    /// A supervisor overrode a rejection (used by the station).
    Overridden {
        /// Supervisor badge or name.
        by: &'a str,
    },
}

impl<'a> Fact<'a> {
    /// The fact that a lot's status forbids using it; `None` for `Released`.
    pub const fn for_status(lot: &'a LotNo, status: LotStatus) -> Option<Fact<'a>> {
        match status {
            LotStatus::Released => None,
            LotStatus::Quarantine => Some(Fact::Quarantined { lot }),
            LotStatus::Hold => Some(Fact::OnHold { lot }),
            LotStatus::Rejected => Some(Fact::LotRejected { lot }),
            LotStatus::Recalled => Some(Fact::Recalled { lot }),
            LotStatus::Consumed => Some(Fact::Consumed { lot }),
        }
    }

    /// The stable code of this fact.
    pub const fn code(&self) -> ReasonCode {
        match self {
            Fact::UnknownLot { .. } => ReasonCode::UnknownLot,
            Fact::UnknownItem { .. } => ReasonCode::UnknownItem,
            Fact::UnknownLocation { .. } => ReasonCode::UnknownLocation,
            Fact::UnknownWorkOrder { .. } | Fact::NoWorkOrder => ReasonCode::UnknownWorkOrder,
            Fact::UnknownShipment { .. } | Fact::NoShipment => ReasonCode::UnknownShipment,
            Fact::Quarantined { .. } => ReasonCode::LotQuarantined,
            Fact::OnHold { .. } => ReasonCode::LotOnHold,
            Fact::LotRejected { .. } => ReasonCode::LotRejected,
            Fact::Recalled { .. } => ReasonCode::LotRecalled,
            Fact::Consumed { .. } => ReasonCode::LotConsumed,
            Fact::Expired { .. } => ReasonCode::LotExpired,
            Fact::ExpiresSoon { .. } => ReasonCode::LotExpiresSoon,
            Fact::UseFirst { .. } => ReasonCode::FefoViolation,
            Fact::NotInBom { .. } => ReasonCode::NotInBom,
            Fact::OverIssue { .. } => ReasonCode::OverIssue,
            Fact::WorkOrderClosed { .. } => ReasonCode::WorkOrderClosed,
            Fact::Insufficient { .. } => ReasonCode::InsufficientQuantity,
            Fact::NotHere { .. } => ReasonCode::WrongLocation,
            Fact::RefusesStatus { .. } => ReasonCode::LocationRefusesStatus,
            Fact::SerialInStock { .. } => ReasonCode::SerialAlreadyReceived,
            Fact::SerialShipped { .. } | Fact::SerialNeverReceived { .. } => {
                ReasonCode::SerialAlreadyShipped
            }
            Fact::MixedLots | Fact::MissingParent { .. } => ReasonCode::MixedLots,
            Fact::LotExists { .. }
            | Fact::LotExpiryConflict { .. }
            | Fact::LotSupplierConflict { .. } => ReasonCode::LotAlreadyExists,
            Fact::NotOnShipment { .. } => ReasonCode::NotOnShipment,
            Fact::SupervisorRequired => ReasonCode::SupervisorRequired,
            Fact::InvalidQuantity { .. } => ReasonCode::InvalidQuantity,
            Fact::WrongStep { .. } => ReasonCode::WrongStep,
            Fact::Unreadable => ReasonCode::Unreadable,
            Fact::Overridden { .. } => ReasonCode::Overridden,
        }
    }

    /// The operator text.
    pub fn text(&self) -> String {
        match self {
            Fact::UnknownLot {
                lot,
                provisional: true,
            } => format!("Lot {} is new here; accepted provisionally", lot.0),
            Fact::UnknownLot {
                lot,
                provisional: false,
            } => format!("Lot {} is not known here; check the label", lot.0),
            Fact::UnknownItem { item } => {
                format!("Item {} is not known here; check master data", item.0)
            }
            Fact::UnknownLocation { location } => {
                format!("Location {} is not known here", location.0)
            }
            Fact::UnknownWorkOrder { id } => format!("Work order {id} is not known here"),
            Fact::NoWorkOrder => "Scan a work order first".to_owned(),
            Fact::UnknownShipment { id } => format!("Shipment {id} is not known here"),
            Fact::NoShipment => "Scan a shipment first".to_owned(),
            Fact::Quarantined { lot } => format!("Lot {} is in quarantine", lot.0),
            Fact::OnHold { lot } => format!("Lot {} is on hold", lot.0),
            Fact::LotRejected { lot } => format!("Lot {} was rejected; set it aside", lot.0),
            Fact::Recalled { lot } => format!("Lot {} is recalled; set it aside", lot.0),
            Fact::Consumed { lot } => format!("Lot {} is used up", lot.0),
            Fact::Expired { lot, on } => format!("Lot {} expired on {on}", lot.0),
            Fact::ExpiresSoon { lot, on, days } => match days {
                0 => format!("Lot {} expires today ({on})", lot.0),
                1 => format!("Lot {} expires tomorrow ({on})", lot.0),
                n => format!("Lot {} expires {on} (in {n} days)", lot.0),
            },
            Fact::UseFirst { lot, expires, at } => {
                let when = match expires {
                    Some(d) => format!("expires {d}"),
                    None => "received earlier".to_owned(),
                };
                match at {
                    Some(at) => format!("Use lot {} first ({when}, at {})", lot.0, at.0),
                    None => format!("Use lot {} first ({when})", lot.0),
                }
            }
            Fact::NotInBom { item, work_order } => {
                format!("Item {} is not in the BOM of {work_order}", item.0)
            }
            Fact::OverIssue {
                item,
                work_order,
                after,
                limit,
                unit,
            } => format!(
                "Over-issue of {} on {work_order}: {} > {} allowed",
                item.0,
                with_unit(*after, unit),
                with_unit(*limit, unit)
            ),
            Fact::WorkOrderClosed { id } => format!("Work order {id} is closed"),
            Fact::Insufficient {
                lot,
                have,
                unit,
                at,
            } => match at {
                Some(at) => format!(
                    "Only {} of lot {} at {}",
                    with_unit(*have, unit),
                    lot.0,
                    at.0
                ),
                None => format!("Only {} of lot {} on hand", with_unit(*have, unit), lot.0),
            },
            Fact::NotHere { lot, at, elsewhere } => match elsewhere {
                Some(e) => format!("Lot {} is not at {}; it is at {}", lot.0, at.0, e.0),
                None => format!("Lot {} has no stock at {}", lot.0, at.0),
            },
            Fact::RefusesStatus {
                location,
                lot,
                status,
            } => format!(
                "{} does not take {} lots (lot {})",
                location.0,
                status.as_str(),
                lot.0
            ),
            Fact::SerialInStock { serial } => format!("Serial {serial} is already in stock"),
            Fact::SerialShipped { serial } => format!("Serial {serial} was already shipped"),
            Fact::SerialNeverReceived { serial } => {
                format!("Serial {serial} was never received here")
            }
            Fact::MixedLots => "Several lots mixed; record a composite lot".to_owned(),
            Fact::MissingParent { lot } => {
                format!("Lot {} is missing from the new lot's parents", lot.0)
            }
            Fact::LotExists { lot, on_hand, unit } => format!(
                "Lot {} already has {}; adding to it",
                lot.0,
                with_unit(*on_hand, unit)
            ),
            Fact::LotExpiryConflict { lot, stored, label } => format!(
                "Lot {} exists with expiry {}; label says {}",
                lot.0,
                date_or_none(*stored),
                date_or_none(*label)
            ),
            Fact::LotSupplierConflict { lot } => {
                format!("Lot {} exists from another supplier", lot.0)
            }
            Fact::NotOnShipment { item, shipment } => {
                format!("Item {} is not on shipment {shipment}", item.0)
            }
            Fact::SupervisorRequired => "A supervisor must scan their badge".to_owned(),
            Fact::InvalidQuantity { lot } => {
                format!("Quantity for lot {} must be above zero", lot.0)
            }
            Fact::WrongStep { expected } => format!("Not expected now; scan {expected}"),
            Fact::Unreadable => "Label could not be read; scan again".to_owned(),
            Fact::Overridden { by } => format!("Overridden by {by}"),
        }
    }
}

fn with_unit(q: Qty, unit: &str) -> String {
    if unit.is_empty() {
        q.to_string()
    } else {
        format!("{q} {unit}")
    }
}

fn date_or_none(d: Option<Date>) -> String {
    d.map_or_else(|| "none".to_owned(), |d| d.to_string())
}

/// Build the [`Reason`] for a fact.
pub fn reason(fact: &Fact<'_>) -> Reason {
    Reason {
        code: fact.code(),
        text: fact.text(),
    }
}

/// How much a reason weighs in the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Accepted, but the operator should look.
    Warning,
    /// Refused.
    Reject,
}

/// Reasons collected while judging one move, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    found: Vec<(Severity, Reason)>,
}

impl Findings {
    /// Nothing found yet.
    pub fn new() -> Findings {
        Findings::default()
    }

    /// Record a fact with a severity.
    pub fn add(&mut self, severity: Severity, fact: &Fact<'_>) {
        self.found.push((severity, reason(fact)));
    }

    /// Record a rejecting fact.
    pub fn reject(&mut self, fact: &Fact<'_>) {
        self.add(Severity::Reject, fact);
    }

    /// Record a warning.
    pub fn warn(&mut self, fact: &Fact<'_>) {
        self.add(Severity::Warning, fact);
    }

    /// Whether anything was found with this code.
    pub fn has(&self, code: ReasonCode) -> bool {
        self.found.iter().any(|(_, r)| r.code == code)
    }

    /// The verdict: rejected if anything rejects, else warning if anything
    /// warns, else accepted. Rejecting reasons first, then warnings, each in
    /// the order found; a reason repeated (same code and text) appears once,
    /// at its most severe.
    pub fn into_verdict(self) -> Verdict {
        let mut found: Vec<(Severity, Reason)> = Vec::with_capacity(self.found.len());
        for (sev, r) in self.found {
            match found.iter_mut().find(|(_, seen)| *seen == r) {
                Some(seen) => seen.0 = seen.0.max(sev),
                None => found.push((sev, r)),
            }
        }
        // Stable: keeps the finding order within each severity.
        found.sort_by_key(|(sev, _)| std::cmp::Reverse(*sev));
        let outcome = match found.first() {
            None => Outcome::Accepted,
            Some((Severity::Warning, _)) => Outcome::Warning,
            Some((Severity::Reject, _)) => Outcome::Rejected,
        };
        Verdict {
            outcome,
            reasons: found.into_iter().map(|(_, r)| r).collect(),
        }
    }
}
