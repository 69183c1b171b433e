//! The end of a run: the supervisor has seen a signal, the station task
//! finish (every source done) or the API fail, and stops the rest in order
//! under a deadline below systemd's TimeoutStopSec:
//! 1. sources are cancelled and their tasks end, dropping their frame
//!    senders; the station drains what is queued and finishes its commit;
//! 2. sync abandons its request in flight (every exchange is idempotent);
//! 3. the API stops (live feeds end, requests in flight finish);
//! 4. the last store handle is dropped: the writer serves what is queued,
//!    then closes the file.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::{JoinError, JoinHandle};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{DaemonError, Outcome, SHUTDOWN_DEADLINE, SYNC_STOP_DEADLINE, Tally};
use crate::source::Frame;
use crate::store::Store;

/// What is still running when the supervisor decides to stop.
pub(super) struct Running {
    /// The last store handle but the station's.
    pub store: Store,
    /// Cancels the sources.
    pub cancel: CancellationToken,
    /// The source tasks.
    pub sources: TaskTracker,
    /// Keeps a station with no sources running until a signal.
    pub idle_sender: Option<mpsc::Sender<Frame>>,
    pub station_task: JoinHandle<Tally>,
    pub sync_cancel: CancellationToken,
    pub sync_task: Option<JoinHandle<()>>,
    pub api_cancel: CancellationToken,
    pub api_task: Option<JoinHandle<std::io::Result<()>>>,
}

/// Stop what runs, in order. `finished` is the station task's end when it
/// ended by itself; `api_failed` why the API stopped, when it did.
pub(super) async fn finish(
    mut r: Running,
    finished: Option<Result<Tally, JoinError>>,
    signalled: bool,
    api_failed: Option<String>,
) -> Result<Outcome, DaemonError> {
    let mut clean = true;
    let result = match finished {
        Some(r) => r,
        None => {
            tracing::info!("stopping: sources cancelled, draining queued scans");
            r.cancel.cancel();
            drop(r.idle_sender.take());
            match tokio::time::timeout(SHUTDOWN_DEADLINE, async {
                r.sources.wait().await;
                (&mut r.station_task).await
            })
            .await
            {
                Ok(r) => r,
                Err(_) => {
                    clean = false;
                    tracing::error!("shutdown deadline passed; stopping without waiting further");
                    r.station_task.abort();
                    r.sync_cancel.cancel();
                    if let Some(t) = r.sync_task.take() {
                        t.abort();
                    }
                    return Ok(Outcome {
                        tally: Tally::default(),
                        signalled,
                        clean,
                    });
                }
            }
        }
    };
    // The station is done: sync abandons its request in flight (every
    // exchange is idempotent) and ends before the store closes.
    r.sync_cancel.cancel();
    if let Some(t) = r.sync_task.take()
        && tokio::time::timeout(SYNC_STOP_DEADLINE, t).await.is_err()
    {
        tracing::warn!("sync did not stop in time; abandoned");
    }
    let tally = result.map_err(|e| DaemonError::Station(e.to_string()))?;
    r.cancel.cancel();
    r.api_cancel.cancel();
    if let Some(t) = r.api_task.take()
        && tokio::time::timeout(Duration::from_secs(2), t)
            .await
            .is_err()
    {
        tracing::warn!("the API did not stop within 2 s; its connections are dropped");
    }
    if let Some(why) = api_failed {
        drop(r.store);
        return Err(DaemonError::ApiStopped(why));
    }
    // Last handle: the writer finishes what is queued, then closes the file.
    drop(r.store);
    tracing::info!(
        frames = tally.frames,
        recorded = tally.recorded,
        rejected = tally.rejected,
        failed = tally.failed,
        "station stopped; shutdown=clean"
    );
    Ok(Outcome {
        tally,
        signalled,
        clean,
    })
}
