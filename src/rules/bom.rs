//! Work orders and their bills of materials.
//!
//! Owns WORK_ORDER_CLOSED, NOT_IN_BOM and OVER_ISSUE. Nothing is issued to
//! or produced on a closed work order. An issued item must be in the BOM,
//! and what was issued so far plus this move may not exceed the planned
//! quantity plus its tolerance: `issued + this <= qty × (1 + tolerance%)`,
//! computed exactly (the edge itself is allowed). When an item appears on
//! several BOM lines, their allowances add up.

use std::collections::BTreeMap;

use super::case::Case;
use super::reason::{Fact, Findings};
use crate::model::{ItemCode, MoveKind, Qty, WorkOrderStatus};

/// Check the work order of an issue or produce move.
pub(crate) fn check(case: &Case<'_>, f: &mut Findings) {
    if !matches!(case.kind, MoveKind::Issue | MoveKind::Produce) {
        return;
    }
    let Some(wo) = &case.work_order else { return };
    if wo.status == WorkOrderStatus::Closed {
        f.reject(&Fact::WorkOrderClosed { id: &wo.id });
    }
    if case.kind != MoveKind::Issue {
        return;
    }

    // This move's quantity per item, in line order of first appearance.
    let mut order: Vec<&ItemCode> = Vec::new();
    let mut this: BTreeMap<&ItemCode, i128> = BTreeMap::new();
    for line in case.inputs() {
        let item = &line.line.lot.item;
        let sum = this.entry(item).or_insert_with(|| {
            order.push(item);
            0
        });
        *sum += i128::from(line.line.qty.0.max(0));
    }

    for item in order {
        let mut planned_x100: i128 = 0;
        let mut in_bom = false;
        for b in wo.bom.iter().filter(|b| &b.item == item) {
            in_bom = true;
            planned_x100 += i128::from(b.qty.0) * (100 + i128::from(b.tolerance_pct));
        }
        if !in_bom {
            f.reject(&Fact::NotInBom {
                item,
                work_order: &wo.id,
            });
            continue;
        }
        let issued = wo.issued.get(item).map_or(0, |q| i128::from(q.0));
        let after = issued + this.get(item).copied().unwrap_or(0);
        if after * 100 > planned_x100 {
            let unit = case
                .lines
                .iter()
                .find(|l| &l.line.lot.item == item)
                .map_or("", |l| l.unit());
            f.reject(&Fact::OverIssue {
                item,
                work_order: &wo.id,
                after: saturate(after),
                limit: saturate(planned_x100 / 100),
                unit,
            });
        }
    }
}

fn saturate(v: i128) -> Qty {
    Qty(i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX }))
}
