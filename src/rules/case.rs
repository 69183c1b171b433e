//! What a move is about, looked up once: its lots, their items, the scanned
//! locations, the work order and the shipment.
//!
//! This module owns the UNKNOWN_* reasons (what the view does not know) and
//! the split of a move's lines into *inputs* (existing stock the move takes
//! or relocates) and *outputs* (the lot a receive, produce, merge or split
//! creates or adds to). The other rules read a [`Case`] and never look up the
//! same thing twice.

use jiff::Span;
use jiff::civil::Date;

use super::reason::{Fact, Findings, Severity};
use super::{Context, UnknownLotPolicy, View};
use crate::model::{
    Item, Location, LocationCode, Lot, LotLine, LotNo, LotStatus, MoveKind, Qty, Shipment,
    WorkOrder,
};

/// Whether a line takes existing stock or creates/adds to a lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Existing stock the move takes, relocates or changes.
    Input,
    /// The lot the move creates or adds to.
    Output,
}

/// One line of the move with what the view knows about it.
#[derive(Debug)]
pub(crate) struct CaseLine<'m> {
    pub line: &'m LotLine,
    pub role: Role,
    /// The lot as stored, if known.
    pub stored: Option<Lot>,
    /// The item, if known.
    pub item: Option<Item>,
    /// The move's `new_lot`, when it is this line's lot.
    pub new: Option<&'m Lot>,
}

impl CaseLine<'_> {
    pub fn lot_no(&self) -> &LotNo {
        &self.line.lot.lot
    }

    pub fn unit(&self) -> &str {
        self.item.as_ref().map_or("", |i| i.unit.as_str())
    }

    /// True when the stored lot has stock somewhere.
    pub fn stored_has_stock(&self) -> bool {
        self.stored.as_ref().is_some_and(|l| total_on_hand(l) > 0)
    }

    /// The lot's status as the move sees it: the stored lot's when it has
    /// stock (or is an input), else the new lot's, else the item's status
    /// for incoming lots.
    pub fn status(&self) -> Option<LotStatus> {
        match (&self.stored, self.role) {
            (Some(l), Role::Input) => Some(l.status),
            (Some(l), Role::Output) if self.stored_has_stock() => Some(l.status),
            _ => self
                .new
                .map(|l| l.status)
                .or_else(|| self.item.as_ref().map(|i| i.incoming_status)),
        }
    }

    /// Expiry date: printed, or production date plus the item's shelf life.
    /// For outputs the label (new lot) wins over the stored lot.
    pub fn expiry(&self) -> Option<Date> {
        let shelf = self.item.as_ref().and_then(|i| i.shelf_life_days);
        match self.role {
            Role::Output => self
                .new
                .and_then(|l| effective_expiry(l, shelf))
                .or_else(|| {
                    self.stored
                        .as_ref()
                        .and_then(|l| effective_expiry(l, shelf))
                }),
            Role::Input => self
                .stored
                .as_ref()
                .and_then(|l| effective_expiry(l, shelf)),
        }
    }
}

/// Expiry printed on the lot, or its production date plus the shelf life.
/// `None` when neither is known or the date would leave jiff's range.
pub(crate) fn effective_expiry(lot: &Lot, shelf_life_days: Option<u32>) -> Option<Date> {
    lot.expiry_date.or_else(|| {
        let produced = lot.production_date?;
        let span = Span::new().try_days(i64::from(shelf_life_days?)).ok()?;
        produced.checked_add(span).ok()
    })
}

/// Total on hand of a lot across locations, without overflow.
pub(crate) fn total_on_hand(lot: &Lot) -> i128 {
    lot.on_hand.values().map(|q| i128::from(q.0)).sum()
}

/// A location the lot has positive stock at, if any (first by code).
pub(crate) fn stocked_location(lot: &Lot) -> Option<&LocationCode> {
    lot.on_hand.iter().find(|(_, q)| q.0 > 0).map(|(c, _)| c)
}

/// On hand at one location (zero when absent).
pub(crate) fn on_hand_at(lot: &Lot, at: &LocationCode) -> Qty {
    lot.on_hand.get(at).copied().unwrap_or(Qty::ZERO)
}

/// A move with everything the rules need, looked up once.
#[derive(Debug)]
pub(crate) struct Case<'m> {
    pub kind: MoveKind,
    pub lines: Vec<CaseLine<'m>>,
    /// `from` as resolved (a GLN resolves to the location's code).
    pub from: Option<Location>,
    /// `to` as resolved.
    pub to: Option<Location>,
    /// `from` was given but is not known.
    pub from_unknown: bool,
    pub work_order: Option<WorkOrder>,
    pub shipment: Option<Shipment>,
    pub new_lot: Option<&'m Lot>,
}

fn unknown_severity(policy: UnknownLotPolicy) -> Severity {
    match policy {
        UnknownLotPolicy::Reject => Severity::Reject,
        UnknownLotPolicy::AcceptProvisionally => Severity::Warning,
    }
}

/// Which role a line has in a move of this kind.
fn role_of(kind: MoveKind, line: &LotLine, new_lot: Option<&Lot>) -> Role {
    match kind {
        MoveKind::Receive => Role::Output,
        MoveKind::Produce | MoveKind::Merge | MoveKind::Split => match new_lot {
            Some(n) if n.key == line.lot => Role::Output,
            Some(_) => Role::Input,
            // Produce without a new lot: the lines are the produced lot.
            None if kind == MoveKind::Produce => Role::Output,
            None => Role::Input,
        },
        MoveKind::Move
        | MoveKind::Issue
        | MoveKind::Ship
        | MoveKind::Adjust
        | MoveKind::Hold
        | MoveKind::Release => Role::Input,
    }
}

impl<'m> Case<'m> {
    /// Look everything up and report what is unknown.
    pub fn gather(
        view: &impl View,
        mv: &'m crate::model::Move,
        ctx: &Context,
        f: &mut Findings,
    ) -> Case<'m> {
        let kind = mv.kind;

        let needs_work_order = matches!(kind, MoveKind::Issue | MoveKind::Produce);
        let work_order = match &mv.work_order {
            Some(id) => {
                let wo = view.work_order(id);
                if wo.is_none() {
                    f.reject(&Fact::UnknownWorkOrder { id });
                }
                wo
            }
            None => {
                if needs_work_order {
                    f.reject(&Fact::NoWorkOrder);
                }
                None
            }
        };

        let shipment = match &mv.shipment {
            Some(id) => {
                let s = view.shipment(id);
                if s.is_none() {
                    f.reject(&Fact::UnknownShipment { id });
                }
                s
            }
            None => {
                if kind == MoveKind::Ship {
                    f.reject(&Fact::NoShipment);
                }
                None
            }
        };

        // Receive takes nothing from a location; its `from` is ignored.
        let from_code = mv.from.as_ref().filter(|_| kind != MoveKind::Receive);
        let from = from_code.and_then(|c| view.location(c));
        let from_unknown = from_code.is_some() && from.is_none();
        if let (Some(code), true) = (from_code, from_unknown) {
            f.reject(&Fact::UnknownLocation { location: code });
        }
        // A shipment's destination is the customer, not a location here.
        let to_code = mv.to.as_ref().filter(|_| kind != MoveKind::Ship);
        let to = to_code.and_then(|c| {
            let l = view.location(c);
            if l.is_none() {
                f.reject(&Fact::UnknownLocation { location: c });
            }
            l
        });

        let new_lot = mv.new_lot.as_ref();
        let unknown = unknown_severity(ctx.unknown_lot);
        let mut lines = Vec::with_capacity(mv.lines.len());
        for line in &mv.lines {
            let role = role_of(kind, line, new_lot);
            let item = view.item(&line.lot.item);
            let stored = view.lot(&line.lot);
            if item.is_none() {
                f.add(
                    unknown,
                    &Fact::UnknownItem {
                        item: &line.lot.item,
                    },
                );
            } else if stored.is_none() && role == Role::Input {
                f.add(
                    unknown,
                    &Fact::UnknownLot {
                        lot: &line.lot.lot,
                        provisional: unknown == Severity::Warning,
                    },
                );
            }
            lines.push(CaseLine {
                line,
                role,
                stored,
                item,
                new: new_lot.filter(|n| n.key == line.lot),
            });
        }

        Case {
            kind,
            lines,
            from,
            to,
            from_unknown,
            work_order,
            shipment,
            new_lot,
        }
    }

    pub fn inputs(&self) -> impl Iterator<Item = &CaseLine<'m>> {
        self.lines.iter().filter(|l| l.role == Role::Input)
    }

    pub fn outputs(&self) -> impl Iterator<Item = &CaseLine<'m>> {
        self.lines.iter().filter(|l| l.role == Role::Output)
    }
}

/// Total on hand as a [`Qty`], saturated.
pub(crate) fn total_qty(lot: &Lot) -> Qty {
    let t = total_on_hand(lot);
    Qty(i64::try_from(t).unwrap_or(if t < 0 { i64::MIN } else { i64::MAX }))
}
