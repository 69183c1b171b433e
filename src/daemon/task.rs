//! The station task: the async shell around the sans-IO [`Station`].
//!
//! For each frame: decode (pure), classify, let the station turn it into
//! actions against a fresh read snapshot; for a proposed move, assign lot
//! numbers, judge it, and, if accepted, commit it through the store writer.
//! The verdict is published only after the commit returned (green means on
//! disk).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::config::Config;
use crate::events::control::{Control, Latched, Overridable, StationView};
use crate::events::feedback::{self, Feedback};
use crate::events::{Events, Recorded, StationEvent, VerdictEvent};
use crate::ident::DecodeOptions;
use crate::model::{
    Knowledge, LotNo, Move, Outcome, Override, Reason, ReasonCode, ScanRecord, Signature,
    Transaction, TxId, Verdict,
};
use crate::rules::judge;
use crate::source::Frame;
use crate::station::portal::{Portal, PortalInput};
use crate::station::{Action, Mode, Station, scan};
use crate::store::{Committed, Store};

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

    /// Publish the view if anything in it changed.
    fn refresh_view(&self) {
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

    /// The refused move still within its override window, and its deadline.
    fn overridable(&self, now: Timestamp) -> Option<(&Move, &Verdict, Timestamp)> {
        let r = self.last_refused.as_ref()?;
        let until = r.at.checked_add(SUPERVISOR_WINDOW).ok()?;
        (now <= until).then_some((&r.mv, &r.verdict, until))
    }

    /// Keep an error up until it is acknowledged.
    fn latch(&mut self, codes: Vec<String>, text: String) {
        let count = self.latched.as_ref().map_or(0, |l| l.count);
        self.latched = Some(Latched {
            at: self.clock.now(),
            codes,
            text,
            count: count.saturating_add(1),
        });
    }

    /// Clear the latched error; `false` if there was none.
    fn acknowledge(&mut self, by: String) -> bool {
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

    /// The supervisor present now, if one scanned a badge within the window.
    fn supervisor_present(&self, now: Timestamp) -> Option<String> {
        self.supervisor
            .as_ref()
            .filter(|(_, at)| now.duration_since(*at).unsigned_abs() <= SUPERVISOR_WINDOW)
            .map(|(who, _)| who.clone())
    }

    /// `CMD:OVERRIDE`: record the move just refused, naming the supervisor.
    async fn override_last(&mut self, record: ScanRecord) {
        let now = self.clock.now();
        let Some(by) = self.supervisor_present(now) else {
            self.tally.rejected += 1;
            self.refuse_override("a supervisor must scan their badge first");
            return;
        };
        let refused = self
            .last_refused
            .take()
            .filter(|r| now.duration_since(r.at).unsigned_abs() <= SUPERVISOR_WINDOW);
        let Some(Refused {
            mut mv,
            mut verdict,
            knowledge,
            ..
        }) = refused
        else {
            self.tally.rejected += 1;
            self.refuse_override("no refused move in the last 60 s to override");
            return;
        };
        mv.scans.push(record);
        verdict.reasons.push(Reason {
            code: ReasonCode::Overridden,
            text: format!("Overridden by {by}"),
        });
        let why = "refusal overridden by a supervisor at the station".to_owned();
        self.supervisor = None;
        self.record(
            mv,
            verdict,
            Some(Override {
                by,
                at: now,
                why,
                signature: None,
            }),
            knowledge,
            now,
        )
        .await;
    }

    /// An override from the kiosk, signed with user id and PIN (already
    /// checked): records the move just refused with the signature.
    async fn signed_override(
        &mut self,
        signer: crate::signers::Signer,
        why: String,
    ) -> Result<Recorded, String> {
        let now = self.clock.now();
        if self.overridable(now).is_none() {
            self.last_refused = None;
            return Err("no refused move in the last 60 s to override".to_owned());
        }
        let Some(Refused {
            mut mv,
            mut verdict,
            knowledge,
            ..
        }) = self.last_refused.take()
        else {
            return Err("no refused move in the last 60 s to override".to_owned());
        };
        let codes: Vec<&str> = verdict
            .reasons
            .iter()
            .map(|r| crate::rules::code_name(r.code))
            .collect();
        let meaning = format!(
            "approval: record the {} refused by the station ({}) on my responsibility",
            mv.kind.as_str(),
            codes.join(", ")
        );
        verdict.reasons.push(Reason {
            code: ReasonCode::Overridden,
            text: format!("Overridden by {} ({}), signed", signer.name, signer.user),
        });
        if mv.operator.is_none() {
            mv.operator = Some(signer.user.clone());
        }
        let o = Override {
            by: signer.user.clone(),
            at: now,
            why,
            signature: Some(Signature {
                user: signer.user,
                printed_name: signer.name,
                signed_at: now,
                meaning,
            }),
        };
        match self.record(mv, verdict, Some(o), knowledge, now).await {
            Some(r) => {
                // The refusal it overrides is dealt with.
                self.latched = None;
                Ok(r)
            }
            None => Err("the override could not be recorded; see the error shown".to_owned()),
        }
    }

    fn refuse_override(&mut self, why: &str) {
        let verdict = Verdict {
            outcome: crate::model::Outcome::Rejected,
            reasons: Vec::new(),
        };
        self.verdict(
            format!("REJECTED  OVERRIDE: {why}"),
            &verdict,
            None,
            None,
            None,
        );
    }

    /// Give a new lot its internal number (and its key, when the label had none).
    async fn number_new_lot(&mut self, mv: &mut Move, now: Timestamp) -> Result<(), String> {
        let Some(new_lot) = mv.new_lot.as_mut() else {
            return Ok(());
        };
        if new_lot.internal_lot.is_some() {
            return Ok(());
        }
        let today = self.config.today(now);
        let seq = self
            .store
            .next_internal_lot_seq(today)
            .await
            .map_err(|e| format!("cannot number the new lot: {e}"))?;
        let number = self.config.lots.internal_pattern.render(
            today,
            u64::from(seq),
            &self.config.station.id,
        );
        new_lot.internal_lot = Some(number.clone());
        if new_lot.key.lot.0.is_empty() {
            let old = new_lot.key.clone();
            new_lot.key.lot = LotNo(number);
            for line in &mut mv.lines {
                if line.lot == old {
                    line.lot = new_lot.key.clone();
                }
            }
        }
        Ok(())
    }

    pub(super) async fn propose(&mut self, mut mv: Move) {
        let now = self.clock.now();
        if let Err(e) = self.number_new_lot(&mut mv, now).await {
            self.tally.failed += 1;
            tracing::error!(error = %e, "move not recorded");
            self.error(format!("{} not recorded: {e}", mv.kind.as_str()));
            return;
        }
        let mut ctx = self.config.rules_context(self.config.today(now));
        ctx.supervisor_present = self.supervisor_present(now).is_some();
        // The cursors are read from the snapshot the move is judged on: they
        // are what the station knew when it decided.
        let (mut verdict, sync_state) = match self.store.snapshot() {
            Ok(snap) => (judge(&snap, &mv, &ctx), snap.sync_state().ok()),
            Err(e) => {
                self.tally.failed += 1;
                tracing::error!(error = %e, "cannot read the store; move not judged");
                self.error(format!("store unreadable ({e}); move not recorded"));
                return;
            }
        };
        let knowledge = sync_state.as_ref().map(|s| s.knowledge());
        if verdict.is_accepted()
            && !ctx.supervisor_present
            && let Some(text) = self.stale(&mv, sync_state.as_ref(), now)
        {
            verdict = Verdict {
                outcome: crate::model::Outcome::Rejected,
                reasons: vec![Reason {
                    code: ReasonCode::SupervisorRequired,
                    text,
                }],
            };
        }
        if !verdict.is_accepted() {
            self.tally.rejected += 1;
            tracing::info!(kind = mv.kind.as_str(), reasons = ?verdict.reasons.iter().map(|r| r.code).collect::<Vec<_>>(), "move rejected");
            let line = feedback::verdict_line(&mv, &verdict, None);
            // Overridable from the moment the refusal is shown.
            self.last_refused = Some(Refused {
                mv: mv.clone(),
                verdict: verdict.clone(),
                knowledge,
                at: now,
            });
            self.verdict(line, &verdict, Some(&mv), None, None);
            return;
        }
        self.record(mv, verdict, None, knowledge, now).await;
    }

    /// With a staleness budget: why `mv` needs a supervisor because the
    /// holds and recalls the station knows are older than the budget.
    fn stale(
        &self,
        mv: &Move,
        state: Option<&crate::store::SyncState>,
        now: Timestamp,
    ) -> Option<String> {
        let sync = self.config.sync.as_ref()?;
        staleness_refusal(sync, mv.kind, state.and_then(|s| s.last_status_pull), now)
    }

    /// Commit a judged move (accepted, or refused and overridden) and print
    /// its verdict line once it is on disk.
    async fn record(
        &mut self,
        mv: Move,
        verdict: Verdict,
        override_by: Option<Override>,
        knowledge: Option<Knowledge>,
        now: Timestamp,
    ) -> Option<Recorded> {
        let tz_offset_secs = self.config.station.timezone.to_offset(now).seconds();
        let tx = Transaction {
            id: TxId::new(),
            station: self.config.station.id.clone(),
            seq: 0,
            mv,
            at: now,
            tz_offset_secs,
            verdict,
            override_by,
            knowledge,
        };
        let started = std::time::Instant::now();
        let committed = self.store.commit(tx.clone()).await;
        metrics::histogram!("lotstation_commit_seconds").record(started.elapsed().as_secs_f64());
        match committed {
            Ok(Committed::New { id, seq } | Committed::AlreadyRecorded { id, seq, .. }) => {
                self.tally.recorded += 1;
                tracing::info!(kind = tx.mv.kind.as_str(), %id, seq, outcome = ?tx.verdict.outcome, overridden = tx.override_by.is_some(), "move recorded");
                let mut line = feedback::verdict_line(&tx.mv, &tx.verdict, Some((seq, id)));
                if let Some(o) = &tx.override_by {
                    line = format!("OVERRIDE  by {}: {line}", o.by);
                }
                self.verdict(
                    line,
                    &tx.verdict,
                    Some(&tx.mv),
                    Some(Recorded { seq, id }),
                    tx.override_by.as_ref().map(|o| o.by.clone()),
                );
                Some(Recorded { seq, id })
            }
            Err(e) => {
                self.tally.failed += 1;
                metrics::counter!("lotstation_commit_failures_total").increment(1);
                tracing::error!(error = %e, kind = tx.mv.kind.as_str(), "commit failed; move not recorded");
                self.error(format!("{} not recorded: {e}", tx.mv.kind.as_str()));
                None
            }
        }
    }
}

/// The operator text when a move of `kind` needs a supervisor because the
/// status lane (holds, releases, recalls) was last pulled at
/// `last_status_pull` (or never) and that is longer ago than the staleness
/// budget; `None` when there is no budget, `kind` is not one of
/// `staleness_moves`, or the lane is fresh enough.
pub(crate) fn staleness_refusal(
    sync: &crate::config::SyncConfig,
    kind: crate::model::MoveKind,
    last_status_pull: Option<Timestamp>,
    now: Timestamp,
) -> Option<String> {
    let budget = sync.staleness_budget?;
    if !sync.staleness_moves.contains(&kind) {
        return None;
    }
    // A pull stamped further in the future than the budget (the clock was
    // set back) does not count as fresh: the station cannot tell its age.
    let age = last_status_pull.map(|t| now.duration_since(t));
    if age.is_some_and(|a| a.unsigned_abs() <= budget) {
        return None;
    }
    let since = match (last_status_pull, age) {
        (Some(t), Some(a)) if a.as_secs() >= 0 => format!("for {}", crate::sync::fmt_age(now, t)),
        (Some(t), _) => format!(
            "since {t} (the station's clock is {} behind that)",
            crate::sync::fmt_age(t, now)
        ),
        (None, _) => "ever".to_owned(),
    };
    Some(format!(
        "Holds and recalls not synced {since} (budget {}): a supervisor must confirm this {}",
        crate::sync::fmt_secs(budget.as_secs()),
        kind.as_str()
    ))
}

/// The next portal input; pending forever when there is no portal.
async fn recv(portal: &mut Option<mpsc::Receiver<PortalInput>>) -> Option<PortalInput> {
    match portal {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MoveKind;

    fn sync(budget_secs: Option<u64>, moves: &[MoveKind]) -> crate::config::SyncConfig {
        let mut text =
            "[station]\nid = \"s1\"\n[sync]\ncentral_url = \"https://central.example.com\"\n"
                .to_owned();
        if let Some(b) = budget_secs {
            text.push_str(&format!("staleness_budget_secs = {b}\n"));
        }
        let list: Vec<String> = moves.iter().map(|m| format!("{:?}", m.as_str())).collect();
        text.push_str(&format!("staleness_moves = [{}]\n", list.join(", ")));
        match Config::from_str(&text, "/etc/lotstation/test.toml") {
            Ok(c) => c.sync.unwrap_or_else(|| unreachable!("[sync] is set")),
            Err(e) => unreachable!("valid config expected: {e}"),
        }
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap_or_else(|e| unreachable!("{s}: {e}"))
    }

    #[test]
    fn a_listed_move_needs_a_supervisor_when_the_status_lane_is_older_than_the_budget_or_never_pulled()
     {
        let now = at("2026-03-14T12:00:00Z");
        let c = sync(Some(4 * 3600), &[MoveKind::Ship]);
        // Never pulled.
        assert_eq!(
            staleness_refusal(&c, MoveKind::Ship, None, now).as_deref(),
            Some(
                "Holds and recalls not synced ever (budget 4h 0m): a supervisor must confirm this ship"
            )
        );
        // Pulled long ago.
        assert_eq!(
            staleness_refusal(&c, MoveKind::Ship, Some(at("2026-03-13T06:30:00Z")), now).as_deref(),
            Some(
                "Holds and recalls not synced for 1d 5h (budget 4h 0m): a supervisor must confirm this ship"
            )
        );
        assert!(
            staleness_refusal(&c, MoveKind::Ship, Some(at("2026-03-14T07:59:59Z")), now)
                .is_some_and(|t| t.contains("for 4h 0m"))
        );
        // Within the budget, to the second.
        for fresh in [
            "2026-03-14T08:00:00Z",
            "2026-03-14T11:59:00Z",
            "2026-03-14T12:00:00Z",
        ] {
            assert_eq!(
                staleness_refusal(&c, MoveKind::Ship, Some(at(fresh)), now),
                None,
                "{fresh}"
            );
        }
        // Moves not listed are never held up, however old the lane.
        for kind in [
            MoveKind::Receive,
            MoveKind::Issue,
            MoveKind::Move,
            MoveKind::Produce,
        ] {
            assert_eq!(staleness_refusal(&c, kind, None, now), None, "{kind:?}");
        }
    }

    #[test]
    fn without_a_budget_nothing_needs_a_supervisor_and_a_pull_stamped_ahead_of_the_clock_is_not_fresh()
     {
        let now = at("2026-03-14T12:00:00Z");
        let none = sync(None, &[MoveKind::Ship]);
        assert_eq!(staleness_refusal(&none, MoveKind::Ship, None, now), None);
        let c = sync(Some(3600), &[MoveKind::Ship, MoveKind::Issue]);
        assert!(
            staleness_refusal(&c, MoveKind::Issue, None, now)
                .is_some_and(|t| t.ends_with("confirm this issue"))
        );
        // A clock set back by less than the budget: still fresh.
        assert_eq!(
            staleness_refusal(&c, MoveKind::Ship, Some(at("2026-03-14T12:30:00Z")), now),
            None
        );
        // By more: the age cannot be told; a supervisor decides.
        assert_eq!(
            staleness_refusal(&c, MoveKind::Ship, Some(at("2026-03-14T17:00:00Z")), now).as_deref(),
            Some(
                "Holds and recalls not synced since 2026-03-14T17:00:00Z (the station's clock is 5h 0m behind that) (budget 1h 0m): a supervisor must confirm this ship"
            )
        );
    }
}
