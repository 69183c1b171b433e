//! The `replay` source: plays a capture file (see [`super::capture`]) with its
//! recorded timing, scaled by `speed` (2.0 plays twice as fast, 0 plays with
//! no delays). Used by the demo station and by tests.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Frame, capture};
use crate::ident::AimId;

/// What the replay source needs to know.
#[derive(Debug, Clone)]
pub struct ReplaySettings {
    /// Source name.
    pub name: Arc<str>,
    /// Capture file.
    pub path: PathBuf,
    /// Timing factor; 0 = no delays.
    pub speed: f64,
    /// Start again at the end.
    pub repeat: bool,
    /// Largest frame accepted.
    pub max_frame_bytes: usize,
    /// Symbology to assume for frames without an AIM prefix.
    pub assume_symbology: Option<AimId>,
    /// Stamps each frame; relative dates in the capture (`{+25d}`) count
    /// from its day when the capture is loaded.
    pub clock: crate::clock::Clock,
    /// The plant's time zone (which day "today" is).
    pub timezone: jiff::tz::TimeZone,
}

/// A capture that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The file could not be read.
    #[error("replay source {name}: cannot read {path}: {source}")]
    Read {
        /// Source name.
        name: Arc<str>,
        /// File.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A line of the file is not a capture record.
    #[error("replay source {name}: {path}:{source}")]
    Format {
        /// Source name.
        name: Arc<str>,
        /// File.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: capture::CaptureError,
    },
}

/// Load and check the capture (at start-up, so a bad file stops the daemon
/// before it reports ready). Template dates count from today at the plant.
pub fn load(s: &ReplaySettings) -> Result<Vec<capture::CapturedFrame>, ReplayError> {
    let text = std::fs::read_to_string(&s.path).map_err(|source| ReplayError::Read {
        name: s.name.clone(),
        path: s.path.clone(),
        source,
    })?;
    let today = crate::clock::Anchor::at(s.clock.now(), &s.timezone).today;
    capture::parse(&text, s.max_frame_bytes, today).map_err(|source| ReplayError::Format {
        name: s.name.clone(),
        path: s.path.clone(),
        source,
    })
}

/// Play `frames` into `tx` until the end (or forever with `repeat`), or until
/// cancelled. Returns the number of frames sent.
pub async fn run(
    s: ReplaySettings,
    frames: Vec<capture::CapturedFrame>,
    tx: mpsc::Sender<Frame>,
    cancel: CancellationToken,
) -> u64 {
    let mut seq = 0u64;
    loop {
        let start = tokio::time::Instant::now();
        for f in &frames {
            if s.speed > 0.0 {
                let offset = Duration::from_secs_f64(f.at_ms as f64 / 1000.0 / s.speed);
                tokio::select! {
                    () = cancel.cancelled() => return seq,
                    () = tokio::time::sleep_until(start + offset) => {}
                }
            }
            seq += 1;
            let frame = Frame {
                source: s.name.clone(),
                bytes: f.bytes.clone(),
                assume_symbology: s.assume_symbology,
                at: s.clock.now(),
                seq,
            };
            tokio::select! {
                () = cancel.cancelled() => return seq - 1,
                sent = tx.send(frame) => if sent.is_err() { return seq - 1 },
            }
        }
        if !s.repeat || frames.is_empty() {
            tracing::info!(source = %s.name, frames = seq, "replay finished");
            return seq;
        }
    }
}
