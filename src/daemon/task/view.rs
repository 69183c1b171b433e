//! What the kiosk shows of the station task: mode, step, operator, the
//! supervisor present, the error latched until acknowledged, and the
//! refused move a supervisor may still override.

use super::StationTask;
use crate::events::StationEvent;
use crate::events::control::{Latched, Overridable, StationView};

impl StationTask {
    /// Publish the view if anything in it changed.
    pub(super) fn refresh_view(&self) {
        let now = self.clock.now();
        let view = StationView {
            station: self.config.station.id.clone(),
            mode: self.station.mode(),
            expecting: self.station.expecting(),
            operator: self.station.operator().map(str::to_owned),
            supervisor: self.supervisor_present(now),
            latched: self.latched.clone(),
            overridable: self
                .overridable(now)
                .map(|(mv, verdict, until)| Overridable {
                    kind: mv.kind,
                    reasons: verdict.reasons.clone(),
                    until,
                }),
        };
        self.view.send_if_modified(|cur| {
            if *cur == view {
                false
            } else {
                *cur = view;
                true
            }
        });
    }

    /// Keep an error up until it is acknowledged.
    pub(super) fn latch(&mut self, codes: Vec<String>, text: String) {
        let count = self.latched.as_ref().map_or(0, |l| l.count);
        self.latched = Some(Latched {
            at: self.clock.now(),
            codes,
            text,
            count: count.saturating_add(1),
        });
    }

    /// Clear the latched error; `false` if there was none.
    pub(super) fn acknowledge(&mut self, by: String) -> bool {
        let had = self.latched.take().is_some();
        if had {
            tracing::info!(%by, "error acknowledged");
            self.emit(StationEvent::Acknowledged {
                at: self.clock.now(),
                by,
            });
        }
        had
    }
}
