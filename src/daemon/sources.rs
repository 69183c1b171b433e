//! Spawning the configured sources: one task per `[[sources]]` entry, each
//! with its device-state reporter, a clone of the frame sender and a child
//! of the shutdown token. The match over [`SourceKind`] is exhaustive: a
//! new kind does not compile until it is wired here.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::DaemonError;
use crate::clock::Clock;
use crate::config::{Config, SourceKind};
use crate::events::Events;
use crate::model::PortalInput;
use crate::source::status::{DeviceState, Devices};
use crate::source::{Frame, image, llrp, replay, serial, stdin, usb_hid};

/// What the sources are connected to.
pub(super) struct Wiring<'a> {
    pub config: &'a Config,
    pub clock: &'a Clock,
    /// Verdicts, for scanners that beep on them.
    pub events: &'a Events,
    pub devices: &'a Devices,
    pub frames: &'a mpsc::Sender<Frame>,
    /// The portal engine's input, when LLRP readers feed one.
    pub portal: Option<&'a mpsc::Sender<PortalInput>>,
    pub cancel: &'a CancellationToken,
    pub tracker: &'a TaskTracker,
}

/// Spawn every configured source on `w.tracker`. A replay capture that
/// cannot be loaded stops the start (before the station reports ready).
pub(super) fn spawn(w: Wiring<'_>) -> Result<(), DaemonError> {
    let config = w.config;
    let clock = w.clock;
    let max = config.decode.max_input_len;
    let trace = config.trace_llrp.as_ref().and_then(|path| match llrp::Trace::open(path) {
        Ok(t) => {
            tracing::info!(path = %path.display(), "tracing LLRP frames");
            Some(t)
        }
        Err(e) => {
            tracing::error!(path = %path.display(), error = %e, "cannot open the LLRP trace file; running without it");
            None
        }
    });
    for s in &config.sources {
        let name: Arc<str> = Arc::from(s.name.as_str());
        let status = w.devices.register(name.clone());
        let tx = w.frames.clone();
        let cancel = w.cancel.child_token();
        match &s.kind {
            SourceKind::Stdin => {
                let settings = stdin::StdinSettings {
                    name,
                    max_frame_bytes: max,
                    assume_symbology: s.assume_symbology,
                    clock: clock.clone(),
                };
                w.tracker.spawn(async move {
                    status.set(DeviceState::Connected {
                        detail: "standard input".into(),
                    });
                    let n = stdin::run(settings, tokio::io::stdin(), tx, cancel).await;
                    status.set(DeviceState::Stopped);
                    tracing::info!(frames = n, "standard input closed");
                });
            }
            SourceKind::Replay(r) => {
                let settings = replay::ReplaySettings {
                    name,
                    path: r.path.clone(),
                    speed: r.speed,
                    repeat: r.looped,
                    max_frame_bytes: max,
                    assume_symbology: s.assume_symbology,
                    clock: clock.clone(),
                    timezone: config.station.timezone.clone(),
                };
                let frames = replay::load(&settings)?;
                status.set(DeviceState::Connected {
                    detail: settings.path.display().to_string(),
                });
                w.tracker.spawn(async move {
                    replay::run(settings, frames, tx, cancel).await;
                    status.set(DeviceState::Stopped);
                });
            }
            SourceKind::Llrp(l) => {
                let Some(portal_tx) = w.portal.cloned() else {
                    continue;
                };
                let settings = llrp::ReaderSettings {
                    name: name.clone(),
                    address: l.address.clone(),
                    plan: l.plan.clone(),
                    missed_keepalives: l.missed_keepalives,
                    connect_timeout: l.connect_timeout,
                    response_timeout: l.response_timeout,
                    max_message_bytes: l.max_message_bytes,
                    backoff: (Duration::from_millis(500), Duration::from_secs(30)),
                    trace: trace.clone(),
                    clock: clock.clone(),
                };
                w.tracker.spawn(async move {
                    // A reader keeps the station running as long as it runs,
                    // like any source holding a frame sender.
                    let _station_alive = tx;
                    let c = llrp::run(settings, portal_tx, status, cancel).await;
                    tracing::info!(reader = %name, reads = c.reads, dropped = c.dropped, keepalives = c.keepalives, "reader stopped");
                });
            }
            SourceKind::Serial(ser) => {
                let settings = serial::SerialSettings {
                    name,
                    device: ser.device.clone(),
                    line: ser.line,
                    framing: ser.framing.clone(),
                    assume_symbology: s.assume_symbology,
                    feedback: ser.feedback.clone(),
                    reconnect_max: ser.reconnect_max,
                    clock: clock.clone(),
                };
                // Verdicts reach the scanner only when it has feedback bytes.
                let verdicts = (!ser.feedback.is_empty()).then(|| w.events.subscribe());
                w.tracker
                    .spawn(serial::run(settings, tx, status, verdicts, cancel));
            }
            SourceKind::UsbHid(u) => {
                let settings = usb_hid::UsbHidSettings {
                    name,
                    device: u.device.clone(),
                    mode: u.mode.clone(),
                    gap: u.gap,
                    assume_symbology: s.assume_symbology,
                    clock: clock.clone(),
                };
                w.tracker.spawn(async move {
                    let t = usb_hid::run(settings, tx, status, cancel).await;
                    tracing::info!(
                        frames = t.frames,
                        reports = t.reports,
                        errors = t.errors,
                        "USB HID source stopped"
                    );
                });
            }
            SourceKind::ImageDir(d) => {
                let settings = image::ImageDirSettings {
                    name,
                    dir: d.dir.clone(),
                    poll: d.poll,
                    limits: image::ImageLimits::default(),
                    max_frame_bytes: max,
                    assume_symbology: s.assume_symbology,
                    clock: clock.clone(),
                };
                w.tracker.spawn(async move {
                    let n = image::run(settings, tx, status, cancel).await;
                    tracing::info!(frames = n, "image directory source stopped");
                });
            }
        }
    }
    Ok(())
}
