//! Serialised items: a serial comes in once and goes out once.
//!
//! Owns SERIAL_ALREADY_RECEIVED and SERIAL_ALREADY_SHIPPED. For an item
//! marked serialised, receiving or producing a serial that is in stock is
//! refused (a serial that was shipped may come back: a return). Shipping a
//! serial needs it in stock: one already shipped, or never received here,
//! is refused. The same serial twice in one move counts as a repeat.
//! Lines without a serial, and serials of items that are not serialised,
//! are not judged here.

use std::collections::BTreeSet;

use super::View;
use super::case::{Case, Role};
use super::reason::{Fact, Findings};
use crate::model::{ItemCode, MoveKind};
use crate::rules::SerialState;

/// Check the serials of a receive, produce or ship move.
pub(crate) fn check(view: &impl View, case: &Case<'_>, f: &mut Findings) {
    let (role, incoming) = match case.kind {
        MoveKind::Receive | MoveKind::Produce => (Role::Output, true),
        MoveKind::Ship => (Role::Input, false),
        _ => return,
    };
    let mut seen: BTreeSet<(&ItemCode, &str)> = BTreeSet::new();
    for line in case.lines.iter().filter(|l| l.role == role) {
        let (Some(item), Some(serial)) = (&line.item, line.line.serial.as_deref()) else {
            continue;
        };
        if !item.serialised {
            continue;
        }
        let repeat = !seen.insert((&item.code, serial));
        let state = view.serial_state(&item.code, serial);
        if incoming {
            if repeat || state == Some(SerialState::InStock) {
                f.reject(&Fact::SerialInStock { serial });
            }
        } else {
            match (repeat, state) {
                (true, _) | (false, Some(SerialState::Shipped)) => {
                    f.reject(&Fact::SerialShipped { serial });
                }
                (false, None) => f.reject(&Fact::SerialNeverReceived { serial }),
                (false, Some(SerialState::InStock)) => {}
            }
        }
    }
}
