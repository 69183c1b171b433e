//! The station task: the async shell around the sans-IO [`Station`].
//!
//! For each frame: decode (pure), classify, let the station turn it into
//! actions against a fresh read snapshot; for a proposed move, assign lot
//! numbers, judge it, and, if accepted, commit it through the store writer.
//! The verdict is published only after the commit returned (green means on
//! disk).
//!
//! The task is one struct in parts: this file holds its state, the loop
//! over frames, portal input and kiosk controls, and the scan path;
//! [`view`] what the kiosk shows (the latched error); [`overrides`] the
//! supervisor's overrides of a refusal; [`record`] judging and committing a
//! proposed move; [`portal`] the RFID door cycles.

mod overrides;
mod portal;
mod record;
mod view;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::config::Config;
use crate::events::control::{Control, Latched, StationView};
use crate::events::feedback::{self, Feedback};
use crate::events::{Events, Recorded, StationEvent, VerdictEvent};
use crate::ident::DecodeOptions;
use crate::model::{Knowledge, Move, Outcome, ScanRecord, Verdict};
use crate::source::Frame;
use crate::station::portal::{Portal, PortalInput};
use crate::station::{Action, Mode, Station, scan};
use crate::store::Store;

/// What the station task counted, reported at shutdown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Frames received.
    pub frames: u64,
    /// Moves recorded (accepted or with warnings).
    pub recorded: u64,
    /// Moves or scans rejected.
    pub rejected: u64,
    /// Commits that failed (the operator saw an error, nothing recorded).
    pub failed: u64,
}

/// How long a supervisor's badge scan counts as "a supervisor is present",
/// and how long a refused move stays available for an override.
const SUPERVISOR_WINDOW: Duration = Duration::from_secs(60);

/// A refused move kept for a supervisor's override.
struct Refused {
    mv: Move,
    verdict: Verdict,
    knowledge: Option<Knowledge>,
    at: Timestamp,
}

/// Per-source settings the task needs.
struct SourceRules {
    decode: DecodeOptions,
    debounce: Duration,
}

pub(crate) struct StationTask {
    pub(super) config: Arc<Config>,
    pub(super) store: Store,
    station: Station,
    sources: HashMap<Arc<str>, SourceRules>,
    last_frame: HashMap<Arc<str>, (Vec<u8>, Timestamp)>,
    feedback: Feedback,
    events: Events,
    /// Source of the frame being handled (verdicts are attributed to it).
    current_source: Option<Arc<str>>,
    tally: Tally,
    /// The last supervisor badge scanned, and when.
    supervisor: Option<(String, Timestamp)>,
    /// The last move the rules refused, its verdict, what the station knew
    /// of the central server's changes when it was judged, and when.
    last_refused: Option<Refused>,
    /// The current mode, for the daemon's status line.
    mode: tokio::sync::watch::Sender<Mode>,
    /// What the kiosk shows: mode, step, latched error, overridable move.
    view: tokio::sync::watch::Sender<StationView>,
    /// The error shown until acknowledged.
    latched: Option<Latched>,
    /// Controls from the kiosk (mode switch, acknowledge, signed override).
    control: Option<mpsc::Receiver<Control>>,
    /// The RFID portal engine, when LLRP readers feed this station.
    pub(super) portal: Option<Portal>,
    /// Where "now" comes from for everything the task stamps and judges.
    pub(super) clock: Clock,
}

impl StationTask {
    pub(crate) fn new(
        config: Arc<Config>,
        store: Store,
        station: Station,
        feedback: Feedback,
        events: Events,
        clock: Clock,
    ) -> Self {
        let sources = config
            .sources
            .iter()
            .map(|s| {
                (
                    Arc::from(s.name.as_str()),
                    SourceRules {
                        decode: config.decode_options_for(s),
                        debounce: s.debounce,
                    },
                )
            })
            .collect();
        let mode = tokio::sync::watch::Sender::new(station.mode());
        let view = tokio::sync::watch::Sender::new(StationView {
            station: config.station.id.clone(),
            mode: station.mode(),
            expecting: station.expecting(),
            operator: station.operator().map(str::to_owned),
            supervisor: None,
            latched: None,
            overridable: None,
        });
        StationTask {
            config,
            store,
            station,
            sources,
            last_frame: HashMap::new(),
            feedback,
            events,
            current_source: None,
            tally: Tally::default(),
            supervisor: None,
            last_refused: None,
            mode,
            view,
            latched: None,
            control: None,
            portal: None,
            clock,
        }
    }

    /// Follows what the station shows (for the kiosk and the API).
    pub(crate) fn view_watch(&self) -> tokio::sync::watch::Receiver<StationView> {
        self.view.subscribe()
    }

    /// The sender the API uses for [`Control`]s. The task also ends when
    /// its frame senders are gone; controls alone do not keep it running.
    pub(crate) fn control_channel(&mut self) -> mpsc::Sender<Control> {
        let (tx, rx) = mpsc::channel(crate::events::control::CONTROL_QUEUE);
        self.control = Some(rx);
        tx
    }

    async fn on_control(&mut self, c: Control) {
        match c {
            Control::SetMode { mode, reply } => {
                self.current_source = Some(Arc::from(crate::events::control::KIOSK_SOURCE));
                let actions = self.station.set_mode(mode);
                self.act(actions).await;
                let _ = reply.send(());
            }
            Control::Acknowledge { by, reply } => {
                let had = self.acknowledge(by);
                let _ = reply.send(had);
            }
            Control::Override { signer, why, reply } => {
                self.current_source = Some(Arc::from(crate::events::control::KIOSK_SOURCE));
                let r = self.signed_override(signer, why).await;
                let _ = reply.send(r);
            }
        }
    }

    /// Follows the station's current mode.
    pub(crate) fn mode_watch(&self) -> tokio::sync::watch::Receiver<Mode> {
        self.mode.subscribe()
    }

    /// Run until every frame sender is gone, then return the tally.
    /// Feed the RFID readers' reads through this portal engine.
    pub(crate) fn with_portal(mut self, portal: Portal) -> Self {
        self.portal = Some(portal);
        self
    }

    /// Run until every frame sender (and the portal's input) is gone, then
    /// return the tally.
    pub(crate) async fn run(
        mut self,
        mut frames: mpsc::Receiver<Frame>,
        mut portal: Option<mpsc::Receiver<PortalInput>>,
    ) -> Tally {
        let prompt = self.station.expecting();
        let text = format!("mode {}: {prompt}", self.station.mode());
        self.emit(StationEvent::Prompt {
            at: self.clock.now(),
            text,
        });
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut control = self.control.take();
        let mut frames_open = true;
        loop {
            tokio::select! {
                frame = frames.recv(), if frames_open => match frame {
                    Some(f) => self.on_frame(f).await,
                    None => frames_open = false,
                },
                input = recv(&mut portal) => match input {
                    Some(i) => self.on_portal_input(i).await,
                    None => portal = None,
                },
                c = async { control.as_mut()?.recv().await }, if control.is_some() => match c {
                    Some(c) => self.on_control(c).await,
                    None => control = None,
                },
                _ = tick.tick() => {
                    let now = self.clock.now();
                    let actions = self.station.on_tick(now);
                    self.act(actions).await;
                    self.portal_tick(now).await;
                }
            }
            self.refresh_view();
            if !frames_open && portal.is_none() {
                break;
            }
        }
        self.tally
    }

    fn debounced(&mut self, f: &Frame) -> bool {
        let window = self
            .sources
            .get(&f.source)
            .map_or(Duration::ZERO, |s| s.debounce);
        if window.is_zero() {
            return false;
        }
        let repeat = self.last_frame.get(&f.source).is_some_and(|(bytes, at)| {
            *bytes == f.bytes && f.at.duration_since(*at).unsigned_abs() < window
        });
        self.last_frame
            .insert(f.source.clone(), (f.bytes.clone(), f.at));
        repeat
    }

    /// Say something to the operator: the terminal line and the event bus.
    pub(super) fn emit(&self, event: StationEvent) {
        // Whoever sees the event and then asks for the status sees the
        // state the event left (a latched error, a new mode).
        self.refresh_view();
        self.feedback.line(&event.line());
        self.events.publish(event);
    }

    pub(super) fn error(&mut self, text: String) {
        self.latch(vec!["ERROR".to_owned()], text.clone());
        self.emit(StationEvent::Error {
            at: self.clock.now(),
            text,
        });
    }

    /// Publish a verdict (with the terminal line already built).
    fn verdict(
        &mut self,
        line: String,
        verdict: &Verdict,
        mv: Option<&Move>,
        recorded: Option<Recorded>,
        override_by: Option<String>,
    ) {
        let outcome = match verdict.outcome {
            crate::model::Outcome::Accepted => "accepted",
            crate::model::Outcome::Warning => "warning",
            crate::model::Outcome::Rejected => "rejected",
        };
        if verdict.outcome == Outcome::Rejected {
            let codes = verdict
                .reasons
                .iter()
                .map(|r| crate::rules::code_name(r.code).to_owned())
                .collect();
            let text = match verdict.reasons.first() {
                Some(r) => r.text.clone(),
                None => line.clone(),
            };
            self.latch(codes, text);
        }
        let kind = mv.map_or("none", |m| m.kind.as_str());
        metrics::counter!("lotstation_verdicts_total", "outcome" => outcome, "kind" => kind)
            .increment(1);
        for r in &verdict.reasons {
            metrics::counter!("lotstation_verdict_reasons_total", "code" => crate::rules::code_name(r.code))
                .increment(1);
        }
        self.emit(StationEvent::Verdict(Box::new(VerdictEvent {
            at: self.clock.now(),
            source: self.current_source.as_deref().map(str::to_owned),
            outcome: verdict.outcome,
            kind: mv.map(|m| m.kind),
            mv: mv.cloned(),
            reasons: verdict.reasons.clone(),
            recorded,
            override_by,
            line,
        })));
    }

    async fn on_frame(&mut self, f: Frame) {
        self.tally.frames += 1;
        self.current_source = Some(f.source.clone());
        if self.debounced(&f) {
            tracing::debug!(source = %f.source, seq = f.seq, "repeated read within the debounce window dropped");
            return;
        }
        let opts = self
            .sources
            .get(&f.source)
            .map_or(self.config.decode, |s| s.decode);
        let reading = scan::read(&f.bytes, &opts, &self.config.codes);
        let symbology = reading.symbology.map(|s| s.to_string());
        let scan = reading.into_scan();
        tracing::debug!(source = %f.source, seq = f.seq, scan = scan.kind_name(), "scan decoded");
        if let scan::Scan::Unreadable(e) = &scan {
            metrics::counter!("lotstation_decode_failures_total", "kind" => e.kind.as_str())
                .increment(1);
        }
        let record = ScanRecord {
            source: f.source.to_string(),
            raw: f.bytes,
            symbology,
            at: f.at,
        };
        let actions = match self.store.snapshot() {
            Ok(snap) => self.station.on_scan(scan, record, &snap, self.clock.now()),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the store; scan not handled");
                self.error(format!("store unreadable ({e}); scan again or call IT"));
                return;
            }
        };
        self.act(actions).await;
    }

    async fn act(&mut self, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::Prompt(text) => self.emit(StationEvent::Prompt {
                    at: self.clock.now(),
                    text,
                }),
                Action::Info(text) => self.emit(StationEvent::Info {
                    at: self.clock.now(),
                    text,
                }),
                Action::ModeChanged(m) => {
                    self.mode.send_replace(m);
                    self.emit(StationEvent::Mode {
                        at: self.clock.now(),
                        mode: m.to_string(),
                    });
                }
                Action::OperatorChanged(o) => {
                    let supervisor = self.config.station.supervisors.contains(&o);
                    if supervisor {
                        self.supervisor = Some((o.clone(), self.clock.now()));
                    }
                    self.emit(StationEvent::Operator {
                        at: self.clock.now(),
                        id: o,
                        supervisor,
                    });
                }
                Action::OverrideRequested(record) => self.override_last(record).await,
                Action::Acknowledge(record) => {
                    self.acknowledge(record.source);
                }
                Action::Reject(v) => {
                    self.tally.rejected += 1;
                    tracing::info!(reasons = ?v.reasons.iter().map(|r| r.code).collect::<Vec<_>>(), "scan rejected");
                    self.verdict(feedback::rejection_line(&v), &v, None, None, None);
                }
                Action::Propose(mv) => self.propose(mv).await,
            }
        }
    }
}

/// The next portal input; pending forever when there is no portal.
async fn recv(portal: &mut Option<mpsc::Receiver<PortalInput>>) -> Option<PortalInput> {
    match portal {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
