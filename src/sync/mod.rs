//! Sync with the central server: push the outbox (at-least-once delivery
//! plus per-transaction idempotency on the server: exactly-once effect) and
//! pull changes in two lanes (status first, then master data), each page
//! applied with its new cursor in one write transaction.
//!
//! The protocol is written down in `docs/sync-protocol.md` and
//! `docs/sync-openapi.yaml`.
//!
//! Invariants:
//! - a transaction leaves the outbox only after the server's answer for it
//!   was read and checked; a rejected one is parked as an exception (out of
//!   the outbox, kept for a person), never dropped;
//! - nothing is skipped: an answer the station cannot act on halts pushing
//!   (reported in the log, the metrics and `lotstation outbox`) and is tried
//!   again at the backoff cap;
//! - offline is a normal state: the station keeps working; the task reports
//!   "offline since", outbox depth and age, and cursor lag.
//!
//! # Layout
//!
//! - [`crate::protocol`]: wire types, limits and the checks both sides run (pure; below store, sync and central).
//! - [`retry`]: the retry classifier and capped backoff with jitter (pure).
//! - [`client`]: the HTTP exchanges (reqwest, rustls).
//! - [`fuzzing`]: the invariant checks of the `sync_answer` fuzz target.
//! - this file: [`Syncer`], one station's sync state machine, and [`run`],
//!   the daemon's sync task.

pub mod client;
pub mod fuzzing;

pub mod retry;

use std::time::Duration;

use jiff::Timestamp;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::backoff::Backoff;
use crate::clock::Clock;
use crate::config::SyncConfig;
use crate::events::{Events, Feedback, StationEvent};
use crate::protocol::{self, Lane, ResultKind};
use crate::store::sync::PushOutcome;
use crate::store::{ExceptionKind, Store, StoreError, SyncException, SyncState};
use client::{Client, ClientError, Failure};
use retry::{Action, Reason};

/// Changes asked for per page.
const PAGE: usize = 1_000;
/// Master-lane pages pulled before the status lane gets another look.
const MASTER_PAGES_PER_TURN: usize = 8;
/// Shortest backoff step.
const BACKOFF_BASE: Duration = Duration::from_millis(250);
/// How often the daemon's sync task refreshes its gauges.
const GAUGES_EVERY: Duration = Duration::from_secs(1);
/// How often the offline summary is logged while offline.
const OFFLINE_LOG_EVERY: Duration = Duration::from_secs(60);

/// Why sync cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The HTTP client could not be built from `[sync]`.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a push did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushTally {
    /// Batches answered.
    pub batches: u64,
    /// Accepted now.
    pub accepted: u64,
    /// Recorded before (replays).
    pub duplicate: u64,
    /// Accepted with an exception.
    pub flagged: u64,
    /// Rejected and parked.
    pub rejected: u64,
}

/// What a pull of one lane did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PullTally {
    /// Pages applied.
    pub pages: u64,
    /// Changes applied.
    pub applied: u64,
    /// Changes that could not be decoded and were skipped (logged).
    pub skipped: u64,
    /// A snapshot was downloaded (the cursor was too old).
    pub snapshot: bool,
    /// Cursor applied now.
    pub cursor: u64,
    /// The server's head.
    pub head: u64,
}

/// What a round did, for `lotstation sync --once`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// The push.
    pub push: PushTally,
    /// The status lane.
    pub status: PullTally,
    /// The master lane.
    pub master: PullTally,
    /// The failure that ended the round early, if any.
    pub failure: Option<String>,
    /// Transactions still in the outbox.
    pub outbox: u64,
}

/// A push answer being recorded by the store writer.
#[derive(Debug)]
struct Marking {
    exceptions: Vec<SyncException>,
    task: tokio::task::JoinHandle<Result<usize, StoreError>>,
}

/// Where a running station shows what sync has to say (exceptions).
#[derive(Debug, Clone)]
pub struct Announce {
    /// The terminal.
    pub feedback: Feedback,
    /// The event bus.
    pub events: Events,
}

/// One station's sync with the central server.
#[derive(Debug)]
pub struct Syncer {
    store: Store,
    client: Client,
    config: SyncConfig,
    state: SyncState,
    backoff: Backoff,
    rng: fastrand::Rng,
    announce: Option<Announce>,
    /// Transactions per push; 1 while isolating a refused batch.
    batch_limit: usize,
    last_offline_log: Option<Instant>,
    /// Stamps contacts, pulls and offline periods.
    clock: Clock,
}

impl Syncer {
    /// Sync for `station` with the `[sync]` settings, starting from the
    /// state in the store.
    pub fn new(
        store: Store,
        station: &str,
        config: &SyncConfig,
        announce: Option<Announce>,
        clock: Clock,
    ) -> Result<Syncer, SyncError> {
        let client = Client::new(station, config, clock.clone())?;
        let state = store.snapshot()?.sync_state()?;
        Ok(Syncer {
            store,
            client,
            state,
            backoff: Backoff::new(BACKOFF_BASE, config.backoff_max),
            rng: fastrand::Rng::new(),
            announce,
            batch_limit: config.batch_size.max(1),
            config: config.clone(),
            last_offline_log: None,
            clock,
        })
    }

    /// The state as last written.
    pub fn state(&self) -> &SyncState {
        &self.state
    }

    fn contact(&mut self) {
        let now = self.clock.now();
        if let Some(since) = self.state.offline_since.take() {
            let outbox = self.outbox_depth();
            tracing::info!(offline_since = %since, offline_for = %fmt_age(now, since), outbox, "central server reachable again");
        }
        self.state.last_contact = Some(now);
        self.state.last_error = None;
        self.last_offline_log = None;
    }

    /// True when the outbox holds anything (cheap: reads one row).
    fn has_pending(&self) -> bool {
        self.store
            .snapshot()
            .and_then(|s| s.outbox_oldest())
            .is_ok_and(|o| o.is_some())
    }

    fn outbox_depth(&self) -> u64 {
        self.store
            .snapshot()
            .and_then(|s| s.outbox_len())
            .unwrap_or(0)
    }

    async fn failed(&mut self, call: &'static str, f: &Failure) {
        let reason = match f.action {
            Action::Retry { reason, .. } | Action::Shrink { reason } | Action::Halt { reason } => {
                reason
            }
            Action::Snapshot => Reason::CursorGone,
            Action::Done => return,
        };
        metrics::counter!("lotstation_sync_failures_total", "call" => call, "reason" => reason.as_str())
            .increment(1);
        self.state.last_error = Some(f.detail.clone());
        let transport = matches!(
            reason,
            Reason::Timeout | Reason::Connect | Reason::BodyBroken | Reason::ServerError
        );
        let now = self.clock.now();
        if transport && self.state.offline_since.is_none() {
            self.state.offline_since = Some(now);
            tracing::warn!(error = %f.detail, "central server unreachable; the station keeps working offline");
            if let Err(e) = self.store.set_sync_state(self.state.clone()).await {
                tracing::error!(error = %e, "cannot record the sync state");
            }
        } else if matches!(f.action, Action::Halt { .. }) {
            tracing::error!(call, reason = reason.as_str(), error = %f.detail, "sync halted: a person must fix this (nothing is skipped; retrying at the backoff cap)");
            if let Err(e) = self.store.set_sync_state(self.state.clone()).await {
                tracing::error!(error = %e, "cannot record the sync state");
            }
        } else {
            tracing::info!(call, reason = reason.as_str(), error = %f.detail, "sync exchange failed; retrying");
        }
        if let Some(since) = self.state.offline_since {
            let due = self
                .last_offline_log
                .is_none_or(|t| t.elapsed() >= OFFLINE_LOG_EVERY);
            if due {
                self.last_offline_log = Some(Instant::now());
                self.log_offline(since);
            }
        }
    }

    fn log_offline(&self, since: Timestamp) {
        let now = self.clock.now();
        let (depth, oldest) = match self.store.snapshot() {
            Ok(s) => (
                s.outbox_len().unwrap_or(0),
                s.outbox_oldest().ok().flatten().map(|e| e.tx.at),
            ),
            Err(_) => (0, None),
        };
        tracing::warn!(
            offline_since = %since,
            offline_for = %fmt_age(now, since),
            outbox = depth,
            oldest = %oldest.map(|t| fmt_age(now, t)).unwrap_or_else(|| "-".into()),
            status_lag = self.state.status_head.saturating_sub(self.state.status_cursor),
            master_lag = self.state.master_head.saturating_sub(self.state.master_cursor),
            status_age = %self.state.last_status_pull.map(|t| fmt_age(now, t)).unwrap_or_else(|| "never".into()),
            "offline: working from the local store"
        );
    }

    /// Push until the outbox is empty (or a failure).
    ///
    /// Two stages overlap: while the answer to one batch is being recorded
    /// in the store (one durable write), the next batch is already read and
    /// sent. Batches still go one at a time and in order (the server checks
    /// the sequence), and a row leaves the outbox only once its answer is
    /// recorded; after a crash in between, the resend is a `duplicate`.
    pub async fn push_all(&mut self, tally: &mut PushTally) -> Result<(), Failure> {
        let mut marking: Option<Marking> = None;
        // The batch to send next, read and encoded off the runtime while
        // the one before it is on the wire.
        let mut next = prepare(self.store.clone(), None, self.batch_limit);
        let result = loop {
            let Ready { after, last, batch } = match next.await {
                Ok(Ok(Some(b))) => b,
                Ok(Ok(None)) => break Ok(()),
                Ok(Err(f)) => break Err(f),
                Err(e) => break Err(halt(format!("cannot read the outbox: {e}"))),
            };
            next = prepare(self.store.clone(), Some(last), self.batch_limit);
            let started = std::time::Instant::now();
            let resp = match self.client.push_encoded(&batch).await {
                Ok(r) => r,
                Err(f) => {
                    if let Action::Shrink { .. } = f.action
                        && self.batch_limit > 1
                    {
                        tracing::warn!(error = %f.detail, "the central server refused a batch; sending one transaction at a time to find the one at fault");
                        self.batch_limit = 1;
                        next = prepare(self.store.clone(), after, 1);
                        continue;
                    }
                    break Err(f);
                }
            };
            metrics::histogram!("lotstation_sync_push_seconds")
                .record(started.elapsed().as_secs_f64());
            if self.batch_limit != self.config.batch_size.max(1) {
                // Back to full batches: the one read ahead was cut to size.
                self.batch_limit = self.config.batch_size.max(1);
                next = prepare(self.store.clone(), Some(last), self.batch_limit);
            }
            self.contact();
            let outcome = self.outcome(&resp, tally);
            if let Some(m) = marking.take()
                && let Err(f) = self.finish(m).await
            {
                break Err(f);
            }
            tally.batches += 1;
            tracing::debug!(
                transactions = batch.len(),
                first = batch.sent.first().map_or(0, |t| t.0),
                next_seq = resp.next_seq,
                "batch pushed"
            );
            let exceptions = outcome.exceptions.clone();
            let store = self.store.clone();
            marking = Some(Marking {
                exceptions,
                task: tokio::spawn(async move { store.apply_push(outcome).await }),
            });
        };
        if let Some(m) = marking.take() {
            self.finish(m).await?;
        }
        result
    }

    /// Wait for a push answer to be recorded, then announce its exceptions.
    async fn finish(&mut self, m: Marking) -> Result<(), Failure> {
        let recorded = match m.task.await {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = recorded {
            // The server has them; the resend is answered `duplicate`.
            return Err(Failure {
                action: Action::Halt {
                    reason: Reason::Refused,
                },
                detail: format!("cannot record the push answer in the store: {e}"),
            });
        }
        for e in &m.exceptions {
            self.announce_exception(e);
        }
        Ok(())
    }

    /// What a checked push answer does to the store.
    fn outcome(&mut self, resp: &protocol::PushResponse, tally: &mut PushTally) -> PushOutcome {
        let now = self.clock.now();
        let mut outcome = PushOutcome::default();
        for r in &resp.results {
            let effective = r.effective();
            match (r.result, effective) {
                (ResultKind::Duplicate, _) => tally.duplicate += 1,
                (_, ResultKind::Accepted) => tally.accepted += 1,
                _ => {}
            }
            let result = match r.result {
                ResultKind::Accepted => "accepted",
                ResultKind::Duplicate => "duplicate",
                ResultKind::AcceptedWithException => "accepted_with_exception",
                ResultKind::Rejected => "rejected",
            };
            metrics::counter!("lotstation_sync_pushed_transactions_total", "result" => result)
                .increment(1);
            let exception = |kind| SyncException {
                id: r.id,
                seq: r.seq,
                kind,
                code: r.code.clone().unwrap_or_else(|| "UNSPECIFIED".to_owned()),
                message: r.message.clone().unwrap_or_default(),
                case_ref: r.case_ref.clone(),
                station_knew: r.station_knew,
                at: now,
            };
            match effective {
                ResultKind::Accepted | ResultKind::Duplicate => outcome.synced.push(r.id),
                ResultKind::AcceptedWithException => {
                    tally.flagged += 1;
                    outcome.synced.push(r.id);
                    outcome.exceptions.push(exception(ExceptionKind::Flagged));
                }
                ResultKind::Rejected => {
                    tally.rejected += 1;
                    outcome.exceptions.push(exception(ExceptionKind::Rejected));
                }
            }
        }
        self.state.last_push = Some(now);
        outcome.state = self.state.clone();
        outcome
    }

    fn announce_exception(&self, e: &SyncException) {
        let what = match e.kind {
            ExceptionKind::Rejected => "rejected by the central server (parked)",
            ExceptionKind::Flagged => "accepted by the central server with an exception",
        };
        let case = e
            .case_ref
            .as_deref()
            .map(|c| format!(" case {c}"))
            .unwrap_or_default();
        let text = format!(
            "#{} {} {what}: {}{case}: {}",
            e.seq, e.id, e.code, e.message
        );
        metrics::counter!("lotstation_sync_exceptions_total", "kind" => match e.kind {
            ExceptionKind::Rejected => "rejected",
            ExceptionKind::Flagged => "flagged",
        })
        .increment(1);
        tracing::warn!(seq = e.seq, id = %e.id, code = %e.code, case = e.case_ref.as_deref().unwrap_or(""), station_knew = ?e.station_knew, "{what}: {}", e.message);
        if let Some(a) = &self.announce {
            let ev = StationEvent::SyncException {
                at: e.at,
                id: e.id,
                seq: e.seq,
                code: e.code.clone(),
                case_ref: e.case_ref.clone(),
                text,
            };
            a.feedback.line(&ev.line());
            a.events.publish(ev);
        }
    }

    fn cursor(&self, lane: Lane) -> u64 {
        match lane {
            Lane::Status => self.state.status_cursor,
            Lane::Master => self.state.master_cursor,
        }
    }

    fn set_lane(state: &mut SyncState, lane: Lane, cursor: u64, head: u64, now: Timestamp) {
        match lane {
            Lane::Status => {
                state.status_cursor = cursor;
                state.status_head = head.max(cursor);
                state.last_status_pull = Some(now);
            }
            Lane::Master => {
                state.master_cursor = cursor;
                state.master_head = head.max(cursor);
                state.last_master_pull = Some(now);
            }
        }
    }

    /// Decode a page's changes; undecodable ones are logged and skipped (a
    /// bad row must not hold back every later hold).
    fn decode(
        lane: Lane,
        changes: &[protocol::Change],
        tally: &mut PullTally,
    ) -> Vec<protocol::ChangeData> {
        let mut out = Vec::with_capacity(changes.len());
        for c in changes {
            match protocol::decode_change(c) {
                Ok(d) => out.push(d),
                Err(e) => {
                    tally.skipped += 1;
                    metrics::counter!("lotstation_sync_changes_skipped_total", "lane" => lane.as_str())
                        .increment(1);
                    tracing::error!(lane = lane.as_str(), error = %e, "a change from the central server cannot be applied; skipped");
                }
            }
        }
        out
    }

    async fn apply(
        &mut self,
        lane: Lane,
        data: Vec<protocol::ChangeData>,
        next: Option<(u64, u64)>,
        tally: &mut PullTally,
    ) -> Result<(), Failure> {
        let mut state = self.state.clone();
        if let Some((cursor, head)) = next {
            Self::set_lane(&mut state, lane, cursor, head, self.clock.now());
        }
        let n = data.len() as u64;
        match self.store.apply_changes(data, state.clone()).await {
            Ok(applied) => {
                self.state = state;
                tally.pages += 1;
                tally.applied += n;
                metrics::counter!("lotstation_sync_changes_applied_total", "lane" => lane.as_str())
                    .increment(n);
                for (lot, status) in applied.statuses {
                    tracing::info!(%lot, status = status.as_str(), "lot status set centrally; applies from the next scan");
                    // The operator learns that a hold or recall decided
                    // centrally has reached the station.
                    if let Some(a) = &self.announce {
                        let ev = StationEvent::Info {
                            at: self.clock.now(),
                            text: format!(
                                "CENTRAL {lot} is now {}: applies from the next scan",
                                status.as_str()
                            ),
                        };
                        a.feedback.line(&ev.line());
                        a.events.publish(ev);
                    }
                }
                Ok(())
            }
            Err(e) => Err(Failure {
                action: Action::Halt {
                    reason: Reason::Refused,
                },
                detail: format!("cannot apply changes to the store: {e}"),
            }),
        }
    }

    /// Pull `lane` page by page, at most `max_pages`; returns true if more
    /// changes wait on the server.
    pub async fn pull(
        &mut self,
        lane: Lane,
        max_pages: usize,
        tally: &mut PullTally,
    ) -> Result<bool, Failure> {
        for _ in 0..max_pages.max(1) {
            let since = self.cursor(lane);
            let started = std::time::Instant::now();
            let page = match self.client.changes(lane, since, PAGE).await {
                Ok(p) => p,
                Err(f) if f.action == Action::Snapshot => {
                    self.contact();
                    tracing::warn!(lane = lane.as_str(), cursor = since, error = %f.detail, "cursor too old for the server's log; downloading the snapshot");
                    self.snapshot(lane, tally).await?;
                    continue;
                }
                Err(f) => return Err(f),
            };
            metrics::histogram!("lotstation_sync_pull_seconds", "lane" => lane.as_str())
                .record(started.elapsed().as_secs_f64());
            self.contact();
            let data = Self::decode(lane, &page.changes, tally);
            self.apply(lane, data, Some((page.next, page.head)), tally)
                .await?;
            tally.cursor = page.next;
            tally.head = page.head;
            if !page.more {
                return Ok(false);
            }
        }
        Ok(true)
    }

    async fn snapshot(&mut self, lane: Lane, tally: &mut PullTally) -> Result<(), Failure> {
        metrics::counter!("lotstation_sync_snapshots_total", "lane" => lane.as_str()).increment(1);
        tally.snapshot = true;
        let mut after: Option<String> = None;
        let mut cursor: Option<u64> = None;
        loop {
            let page = self
                .client
                .snapshot(lane, after.as_deref(), cursor, PAGE)
                .await?;
            self.contact();
            let c = *cursor.get_or_insert(page.cursor);
            let data = Self::decode(lane, &page.changes, tally);
            let last = page.next_after.is_none();
            // The cursor is stored with the last page only: a station that
            // stops half-way starts the snapshot again.
            self.apply(lane, data, last.then_some((c, c)), tally)
                .await?;
            if last {
                tally.cursor = c;
                tally.head = c;
                tracing::info!(lane = lane.as_str(), cursor = c, "snapshot applied");
                return Ok(());
            }
            after = page.next_after;
        }
    }

    /// One whole round: push everything, then pull the status lane, then
    /// the master lane, each to its end. Stops at the first failure.
    pub async fn round(&mut self) -> RoundReport {
        let mut r = RoundReport::default();
        let result = async {
            self.push_all(&mut r.push).await?;
            while self.pull(Lane::Status, usize::MAX, &mut r.status).await? {}
            while self.pull(Lane::Master, usize::MAX, &mut r.master).await? {}
            Ok::<(), Failure>(())
        }
        .await;
        if let Err(f) = result {
            self.failed("round", &f).await;
            r.failure = Some(f.detail);
        }
        r.outbox = self.outbox_depth();
        self.gauges();
        r
    }

    /// Update the sync gauges from the store and the state.
    fn gauges(&self) {
        let now = self.clock.now();
        if let Ok(s) = self.store.snapshot() {
            if let Ok(n) = s.outbox_len() {
                metrics::gauge!("lotstation_sync_outbox_depth").set(n as f64);
            }
            let age = s
                .outbox_oldest()
                .ok()
                .flatten()
                .map_or(0.0, |e| secs(now, e.tx.at));
            metrics::gauge!("lotstation_sync_outbox_oldest_age_seconds").set(age);
            if let Ok(n) = s.sync_exception_count() {
                metrics::gauge!("lotstation_sync_exceptions").set(n as f64);
            }
        }
        metrics::gauge!("lotstation_sync_offline_seconds")
            .set(self.state.offline_since.map_or(0.0, |t| secs(now, t)));
        metrics::gauge!("lotstation_sync_cursor_lag", "lane" => "status").set(
            self.state
                .status_head
                .saturating_sub(self.state.status_cursor) as f64,
        );
        metrics::gauge!("lotstation_sync_cursor_lag", "lane" => "master").set(
            self.state
                .master_head
                .saturating_sub(self.state.master_cursor) as f64,
        );
        if let Some(t) = self.state.last_status_pull {
            metrics::gauge!("lotstation_sync_status_age_seconds").set(secs(now, t));
        }
    }

    fn wait_after(&mut self, f: &Failure) -> Duration {
        retry::wait_for(&mut self.backoff, f.action, self.rng.u64(..))
    }
}

fn secs(now: Timestamp, then: Timestamp) -> f64 {
    now.duration_since(then).as_secs_f64().max(0.0)
}

/// "3h 12m", "45s": an age for logs.
pub fn fmt_age(now: Timestamp, then: Timestamp) -> String {
    fmt_secs(u64::try_from(now.duration_since(then).as_secs()).unwrap_or(0))
}

/// "3h 12m", "45s": a span of seconds for people.
pub fn fmt_secs(s: u64) -> String {
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {}s", s / 60, s % 60),
        3600..86_400 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// The daemon's sync task: wakes on the store's outbox notification and on
/// its intervals, pushes, then pulls the status lane, then the master lane
/// (a few pages at a time, so the status lane keeps its short interval);
/// waits with backoff after a failure. Ends when `cancel` fires, abandoning
/// the request in flight (safe: every exchange is idempotent).
pub async fn run(mut syncer: Syncer, cancel: CancellationToken) {
    let notify = syncer.store.outbox_notify();
    let cfg = syncer.config.clone();
    let start = Instant::now();
    let (mut push_due, mut status_due, mut master_due) = (start, start, start);
    let mut last_gauges = start;
    tracing::info!(central = %cfg.central_url, "sync started");
    loop {
        // A push that fails (or halts) does not hold back the status lane:
        // holds must arrive even while transactions cannot be delivered.
        let step = async {
            let now = Instant::now();
            let mut first: Option<(&'static str, Failure)> = None;
            let mut push = PushTally::default();
            if push_due <= now || syncer.has_pending() {
                match syncer.push_all(&mut push).await {
                    Ok(()) => push_due = Instant::now() + cfg.push_interval,
                    Err(f) => first = Some(("push", f)),
                }
            }
            let mut pull = PullTally::default();
            if status_due <= now {
                let mut r = Ok(true);
                while let Ok(true) = r {
                    r = syncer.pull(Lane::Status, usize::MAX, &mut pull).await;
                }
                match r {
                    Ok(_) => status_due = Instant::now() + cfg.status_interval,
                    Err(f) => {
                        first.get_or_insert(("pull_status", f));
                    }
                }
            }
            if let Some(f) = first {
                return Err(f);
            }
            if master_due <= now {
                let more = syncer
                    .pull(Lane::Master, MASTER_PAGES_PER_TURN, &mut pull)
                    .await
                    .map_err(|f| ("pull_master", f))?;
                master_due = if more {
                    Instant::now()
                } else {
                    Instant::now() + cfg.master_interval
                };
            }
            Ok::<(), (&'static str, Failure)>(())
        };
        let outcome = tokio::select! {
            r = step => r,
            () = cancel.cancelled() => break,
        };
        if last_gauges.elapsed() >= GAUGES_EVERY {
            last_gauges = Instant::now();
            syncer.gauges();
        }
        match outcome {
            Ok(()) => {
                syncer.backoff.reset();
                let next = push_due.min(status_due).min(master_due);
                tokio::select! {
                    () = notify.notified() => {}
                    () = tokio::time::sleep_until(next) => {}
                    () = cancel.cancelled() => break,
                }
            }
            Err((call, f)) => {
                syncer.failed(call, &f).await;
                let wait = syncer.wait_after(&f);
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = cancel.cancelled() => break,
                }
            }
        }
    }
    tracing::info!("sync stopped");
}

/// A batch read from the outbox and encoded, ready to send.
struct Ready {
    /// The commit index it was read after (to read it again in pieces).
    after: Option<u64>,
    /// The commit index of its last row.
    last: u64,
    /// The request.
    batch: client::EncodedBatch,
}

/// The next batch, or `None` when nothing is pending.
type Prepared = Result<Option<Ready>, Failure>;

/// Read up to `limit` outbox rows after `after` and encode them, on a
/// blocking thread.
fn prepare(store: Store, after: Option<u64>, limit: usize) -> tokio::task::JoinHandle<Prepared> {
    tokio::task::spawn_blocking(move || {
        let rows = store
            .snapshot()
            .and_then(|s| s.outbox_raw(after, limit))
            .map_err(|e| halt(format!("cannot read the outbox: {e}")))?;
        let Some(last) = rows.last().map(|e| e.index) else {
            return Ok(None);
        };
        let batch = client::EncodedBatch::new(&rows).map_err(halt)?;
        Ok(Some(Ready { after, last, batch }))
    })
}

/// A failure that stops the push until the next round.
fn halt(detail: String) -> Failure {
    Failure {
        action: Action::Halt {
            reason: Reason::Refused,
        },
        detail,
    }
}
