//! The station daemon: sources → station → store writer, every channel
//! bounded, one cancellation tree, ordered shutdown.
//!
//! ```text
//! [source task per source] --Frame--> mpsc(256) --> [station task] --commit--> [store writer thread]
//! ```
//!
//! Shutdown order (SIGTERM/SIGINT, or every source finished):
//! 1. sources are cancelled (no new frames) and their tasks end, dropping
//!    their frame senders;
//! 2. the station task drains the frames already queued and finishes the
//!    commit in flight, then ends when the channel is closed;
//! 3. the API stops (live feeds end, requests in flight finish);
//! 4. the last store handle is dropped: the writer serves what is queued,
//!    then closes the file.
//!
//! The whole sequence runs under a deadline below systemd's TimeoutStopSec.
//!
//! The API and kiosk ([`crate::api`]) listen when `api.listen` is set; the
//! address is bound before the station reports ready, and a failure to bind
//! stops the start with the reason. Scans typed at the kiosk join the frame
//! channel as the source `kiosk`; they never keep the station running by
//! themselves (it stops when its sources finish, as without a kiosk; with
//! no source configured it runs until a signal).
//!
//! Under systemd ([`notify`]): `READY=1` once the store is open, the API is
//! bound and the sources and the station task are spawned, a `STATUS=` line kept current,
//! `WATCHDOG=1` only after a store-writer round trip, `STOPPING=1` when
//! shutdown begins.

pub mod notify;
mod shutdown;
mod sources;
mod task;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::clock::{Anchor, Clock};
use crate::config::{Config, SourceKind};
use crate::events::{Events, Feedback};
use crate::source::status::Devices;
use crate::source::{Frame, replay};
use crate::station::portal::{Portal, PortalInput};
use crate::station::{Settings, Station};
use crate::store::{self, Store};

pub use notify::Notifier;
pub use task::Tally;

/// Tag reads and GPI changes queued between the LLRP readers and the
/// portal engine (readers drop, and count, what does not fit).
const PORTAL_QUEUE: usize = 4096;
/// Frames queued between the sources and the station.
const FRAME_QUEUE: usize = 256;
/// How long sync may take to stop once the station has.
const SYNC_STOP_DEADLINE: Duration = Duration::from_secs(3);
/// How long shutdown may take before the daemon gives up waiting.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);

/// Why the daemon could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DaemonError {
    /// The store could not be opened or seeded.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// Seed master data could not be loaded.
    #[error("seed master data: {0}")]
    Seed(#[from] store::import::ImportError),
    /// A replay capture could not be loaded.
    #[error(transparent)]
    Replay(#[from] replay::ReplayError),
    /// The store's directory could not be created.
    #[error("cannot create the store directory {dir}: {source} (check the path and permissions)")]
    StateDir {
        /// Directory.
        dir: std::path::PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Signal handlers could not be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(#[source] std::io::Error),
    /// Sync could not start (token file, CA bundle, client certificate).
    #[error("sync: {0}")]
    Sync(#[from] crate::sync::SyncError),
    /// The station task ended abnormally.
    #[error("the station task failed: {0}")]
    Station(String),
    /// The API could not listen.
    #[error(transparent)]
    Api(#[from] crate::api::ServeError),
    /// The API stopped while the station ran.
    #[error("the kiosk and API server stopped: {0}; restart lotstation")]
    ApiStopped(String),
}

/// How the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// What the station did.
    pub tally: Tally,
    /// True if a signal stopped it (rather than all sources finishing).
    pub signalled: bool,
    /// True if shutdown finished within the deadline.
    pub clean: bool,
}

/// The station's workflow settings from the configuration.
pub fn station_settings(config: &Config) -> Settings {
    let mut s = Settings::new(
        config.station.id.clone(),
        config.station.receive_location.clone(),
        config.station.production_location.clone(),
    );
    s.default_operator = config.station.operator.clone();
    s.receive_required = config.receive.required_ais.clone();
    s.receive_optional = config.receive.optional_ais.clone();
    s.receive_window = config.receive.window;
    s.default_qty = config.receive.default_qty;
    s.lot_rules = config.lots.canonical.clone();
    s
}

/// Import the configured seed files when the store holds no items yet.
/// Relative dates in them (`+25d`) count from today at the plant.
fn seed(config: &Config, store: &Store, clock: &Clock) -> Result<(), DaemonError> {
    if config.store.seed_files.is_empty() || store.snapshot()?.has_items()? {
        return Ok(());
    }
    let anchor = Anchor::at(clock.now(), &config.station.timezone);
    let mut data = store::import::MasterData::default();
    for f in &config.store.seed_files {
        data.extend(store::import::load(f, None, &anchor)?);
    }
    let summary = store.blocking_import(data)?;
    tracing::info!(
        items = summary.items,
        lots = summary.lots,
        locations = summary.locations,
        work_orders = summary.work_orders,
        shipments = summary.shipments,
        "seed master data imported into the new store"
    );
    Ok(())
}

/// Run the station until a signal, or until every source has finished (a
/// replay at its end, stdin closed). Blocks; builds its own runtime.
/// Everything the station stamps, judges and replays takes "now" from
/// `clock` ([`Clock::system`] for a real station).
pub fn run(config: Config, feedback: Feedback, clock: Clock) -> Result<Outcome, DaemonError> {
    let notifier = Arc::new(Notifier::from_env());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(DaemonError::Signals)?;
    // The store is opened (and seeded) outside the runtime: its blocking
    // calls must not run on a runtime thread.
    let config = Arc::new(config);
    if let Some(dir) = config.store.path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| DaemonError::StateDir {
            dir: dir.to_owned(),
            source,
        })?;
    }
    let store = Store::open(&config.store.path, config.store.tuning)?;
    seed(&config, &store, &clock)?;
    let outcome = runtime.block_on(supervise(config, store, feedback, notifier, clock));
    // Dropping the runtime here ends any task that overran the deadline.
    drop(runtime);
    outcome
}

/// The one-line summary systemd shows in `systemctl status`, e.g.
/// `mode receive, 2 sources, outbox 12`.
fn status_summary(mode: crate::station::Mode, sources: usize, store: &Store) -> String {
    let outbox = match store.snapshot().and_then(|s| s.outbox_len()) {
        Ok(n) => n.to_string(),
        Err(_) => "unreadable".to_owned(),
    };
    let plural = if sources == 1 { "" } else { "s" };
    format!("mode {mode}, {sources} source{plural}, outbox {outbox}")
}

async fn supervise(
    config: Arc<Config>,
    store: Store,
    feedback: Feedback,
    notifier: Arc<Notifier>,
    clock: Clock,
) -> Result<Outcome, DaemonError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut sigterm = signal(SignalKind::terminate()).map_err(DaemonError::Signals)?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(DaemonError::Signals)?;

    let cancel = CancellationToken::new();
    let sources = TaskTracker::new();
    // Shared with every task that reports or shows station state.
    let events = Events::new();
    let devices = Devices::new(clock.clone());
    let (tx, rx) = mpsc::channel::<Frame>(FRAME_QUEUE);
    if config.api.listen.is_some() {
        crate::api::metrics::install();
    }
    // LLRP readers feed the portal engine inside the station task.
    let readers = config
        .sources
        .iter()
        .filter(|s| matches!(s.kind, SourceKind::Llrp(_)))
        .count();
    let (portal_tx, portal_rx) = match (&config.portal, readers) {
        (Some(_), 1..) => {
            let (t, r) = mpsc::channel::<PortalInput>(PORTAL_QUEUE);
            (Some(t), Some(r))
        }
        _ => (None, None),
    };
    sources::spawn(sources::Wiring {
        config: &config,
        clock: &clock,
        events: &events,
        devices: &devices,
        frames: &tx,
        portal: portal_tx.as_ref(),
        cancel: &cancel,
        tracker: &sources,
    })?;
    // The kiosk's scans never keep the channel open by themselves: the
    // station stops when its sources finish, or at a signal.
    let kiosk_frames = tx.downgrade();
    // With no source configured (a fresh install's default configuration)
    // the station waits for a signal instead of stopping at once, so the
    // service stays up until sources are added (and the kiosk can type scans).
    let idle_sender = if config.sources.is_empty() {
        tracing::warn!(
            "no [[sources]] configured: the station receives scans only from the kiosk page; add sources to the configuration and restart"
        );
        Some(tx)
    } else {
        drop(tx);
        None
    };
    sources.close();

    let station = Station::new(station_settings(&config), config.station.mode);
    let task = task::StationTask::new(
        config.clone(),
        store.clone(),
        station,
        feedback,
        events.clone(),
        clock.clone(),
    );
    let mode = task.mode_watch();
    let mut task = match &config.portal {
        Some(p) if portal_rx.is_some() => task.with_portal(Portal::new(p.clone())),
        _ => task,
    };
    drop(portal_tx);
    let control = task.control_channel();
    let view = task.view_watch();
    let api_cancel = CancellationToken::new();
    let mut api_task = match config.api.listen {
        Some(addr) => {
            let listener = crate::api::bind(addr).await?;
            let bound = listener.local_addr().unwrap_or(addr);
            let state = crate::api::ApiState::new(crate::api::ApiParts {
                config: config.clone(),
                store: store.clone(),
                events: events.clone(),
                devices: devices.clone(),
                view,
                control,
                frames: kiosk_frames,
                cancel: api_cancel.clone(),
                clock: clock.clone(),
            });
            tracing::info!(listen = %bound, "kiosk and API listening: http://{bound}/");
            Some(tokio::spawn(crate::api::serve(
                listener,
                state,
                api_cancel.clone(),
            )))
        }
        None => {
            drop((view, control, kiosk_frames));
            None
        }
    };
    // Sync is not critical: it loops with backoff and never ends the daemon.
    // It stops after the station (whose commits it may still push) and
    // before the store closes.
    let sync_cancel = CancellationToken::new();
    let sync_task = match &config.sync {
        Some(sc) => {
            let syncer = crate::sync::Syncer::new(
                store.clone(),
                &config.station.id,
                sc,
                Some(crate::sync::Announce {
                    feedback,
                    events: events.clone(),
                }),
                clock.clone(),
            )?;
            Some(tokio::spawn(crate::sync::run(syncer, sync_cancel.clone())))
        }
        None => None,
    };
    let mut station_task = tokio::spawn(task.run(rx, portal_rx));
    tracing::info!(station = %config.station.id, sources = config.sources.len(), store = %config.store.path.display(), "station ready");

    let status = {
        let store = store.clone();
        let sources = config.sources.len();
        move || status_summary(*mode.borrow(), sources, &store)
    };
    notifier.ready(&status());
    let service_cancel = CancellationToken::new();
    let service = tokio::spawn(notify::keep_alive(
        notifier.clone(),
        store.clone(),
        status,
        service_cancel.clone(),
    ));

    let mut signalled = false;
    let mut api_failed: Option<String> = None;
    let finished = tokio::select! {
        r = &mut station_task => Some(r),
        _ = sigterm.recv() => { signalled = true; None }
        _ = sigint.recv() => { signalled = true; None }
        r = async { match api_task.as_mut() { Some(t) => t.await, None => std::future::pending().await } } => {
            let why = match r {
                Ok(Ok(())) => "it ended".to_owned(),
                Ok(Err(e)) => e.to_string(),
                Err(e) => e.to_string(),
            };
            tracing::error!(error = %why, "the kiosk and API server stopped; stopping the station");
            api_failed = Some(why);
            api_task = None;
            None
        }
    };
    notifier.stopping(if signalled {
        "stopping: draining queued scans"
    } else {
        "stopping: every source has finished"
    });
    service_cancel.cancel();
    // The keep-alive task holds a store handle; it must end before the last
    // one is dropped below.
    if let Err(e) = service.await {
        tracing::warn!(error = %e, "the systemd keep-alive task failed");
    }
    shutdown::finish(
        shutdown::Running {
            store,
            cancel,
            sources,
            idle_sender,
            station_task,
            sync_cancel,
            sync_task,
            api_cancel,
            api_task,
        },
        finished,
        signalled,
        api_failed,
    )
    .await
}

/// A station task wired to `events`, for tests of what reads it (the API).
#[cfg(test)]
pub(crate) fn task_for_tests(
    config: Arc<Config>,
    store: Store,
    station: Station,
    events: Events,
    clock: Clock,
) -> task::StationTask {
    task::StationTask::new(
        config,
        store,
        station,
        Feedback { print: false },
        events,
        clock,
    )
}
