//! The station task's RFID portal: tag reads and GPI changes from the LLRP
//! readers go through the pure [`Portal`] engine; each closed door cycle is
//! planned against a store snapshot ([`plan_cycle`]) and reported, and its
//! moves go through the same judge → commit → verdict path as scanned moves
//! ([`StationTask::propose`]).

use std::fmt::Write as _;

use jiff::Timestamp;

use super::StationTask;
use crate::events::StationEvent;
use crate::station::portal::{
    CyclePlan, Direction, DoorCycle, Portal, PortalEvent, PortalInput, plan_cycle,
};

/// The source name recorded on moves made from door cycles.
const PORTAL_SOURCE: &str = "portal";

impl StationTask {
    /// Feed one reader input to the engine and act on what it says.
    pub(super) async fn on_portal_input(&mut self, input: PortalInput) {
        if let PortalInput::Read(r) = &input {
            metrics::counter!("lotstation_llrp_tag_reads_total", "source" => r.reader.to_string())
                .increment(1);
        }
        let events = match self.portal.as_mut() {
            Some(p) => p.on_input(&input),
            None => return,
        };
        self.on_portal_events(events).await;
    }

    /// Advance the engine's clock (closes cycles, departs tags).
    pub(super) async fn portal_tick(&mut self, now: Timestamp) {
        let events = match self.portal.as_mut() {
            Some(p) => {
                let d = p.dropped();
                for (reason, n) in [
                    ("unmapped", d.unmapped),
                    ("below_rssi_floor", d.below_rssi_floor),
                    ("unknown_epc", d.unknown_epc),
                    ("filtered", d.filtered),
                    ("static_tag", d.static_tag),
                    ("stray", d.strays),
                    ("evicted", d.evicted),
                ] {
                    metrics::counter!("lotstation_portal_dropped_total", "reason" => reason)
                        .absolute(n);
                }
                p.on_tick(now)
            }
            None => return,
        };
        self.on_portal_events(events).await;
    }

    async fn on_portal_events(&mut self, events: Vec<PortalEvent>) {
        for e in events {
            match e {
                PortalEvent::Arrived { door, epc } => {
                    tracing::debug!(%door, %epc, "tag arrived");
                }
                PortalEvent::Departed { door, epc } => {
                    tracing::debug!(%door, %epc, "tag departed");
                }
                PortalEvent::Static { door, epc } => {
                    tracing::info!(%door, %epc, "tag present for long: learned as static and ignored until it leaves");
                }
                PortalEvent::Cycle(c) => self.on_cycle(c).await,
            }
        }
    }

    async fn on_cycle(&mut self, cycle: DoorCycle) {
        let Some(door) = self
            .portal
            .as_ref()
            .and_then(|p: &Portal| p.settings().doors.iter().find(|d| d.name == cycle.door))
            .cloned()
        else {
            return;
        };
        let plan = match self.store.snapshot() {
            Ok(snap) => plan_cycle(
                cycle,
                &door,
                &snap,
                &self.config.lots.canonical,
                PORTAL_SOURCE,
            ),
            Err(e) => {
                tracing::error!(error = %e, door = %door.name, "cannot read the store; door cycle not recorded");
                self.error(format!(
                    "store unreadable ({e}); door {} passage not recorded",
                    door.name
                ));
                return;
            }
        };
        metrics::counter!(
            "lotstation_portal_cycles_total",
            "door" => plan.cycle.door.clone(),
            "direction" => direction_name(plan.cycle.direction)
        )
        .increment(1);
        tracing::info!(
            door = %plan.cycle.door,
            direction = ?plan.cycle.direction,
            confidence = plan.cycle.confidence,
            tags = plan.cycle.tags.len(),
            moves = plan.moves.len(),
            "door cycle closed"
        );
        self.emit(StationEvent::Info {
            at: self.clock.now(),
            text: cycle_text(&plan),
        });
        for mv in plan.moves {
            self.propose(mv).await;
        }
    }
}

/// The `direction` label of a door cycle.
fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
        Direction::Unknown => "unknown",
    }
}

/// The operator's report of a door cycle.
pub(crate) fn cycle_text(plan: &CyclePlan) -> String {
    let c = &plan.cycle;
    let dir = match c.direction {
        Direction::Unknown => "direction unknown",
        d => direction_name(d),
    };
    let secs = c.ended.duration_since(c.started).as_secs_f64();
    let items = c.tags.len() - plan.pallets.len().min(c.tags.len());
    let mut s = format!(
        "PORTAL {}: {dir} ({}% confidence), {} tags in {secs:.1} s: {} pallets, {items} items",
        c.door,
        c.confidence,
        c.tags.len(),
        plan.pallets.len()
    );
    for p in &plan.pallets {
        let _ = write!(s, "\npallet SSCC {p}");
    }
    let e = &plan.expected;
    if let Some(id) = &e.shipment {
        if e.missing.is_empty() && e.extra.is_empty() && e.wrong_lot.is_empty() {
            let _ = write!(s, "\nmatches shipment {id}");
        }
        for (item, want, got) in &e.missing {
            let _ = write!(s, "\nMISSING on {id}: {item}: {want} expected, {got} seen");
        }
        for (item, got) in &e.extra {
            let _ = write!(
                s,
                "\nEXTRA for {id}: {item}: {got} seen, not on the shipment"
            );
        }
        for (item, seen, want) in &e.wrong_lot {
            let _ = write!(
                s,
                "\nWRONG LOT for {id}: {item}: lot {seen} seen, {want} expected"
            );
        }
    }
    for (item, serial, why) in &plan.unresolved {
        let _ = write!(s, "\nlot unknown: {item} serial {serial}: {why}");
    }
    if !c.strays.is_empty() {
        let _ = write!(
            s,
            "\n{} tags left out: read more strongly at another door",
            c.strays.len()
        );
    }
    if let Some(n) = &plan.note {
        let _ = write!(s, "\n{n}");
    }
    s
}
