//! The `serial` source: a barcode scanner on a serial port or a USB-CDC /
//! USB-serial adapter (`/dev/ttyACM*`, `/dev/ttyUSB*`), read with
//! tokio-serial and cut into scans by the pure [`Framer`].
//!
//! Lifecycle, per source:
//! 1. resolve the [`DeviceSelector`] (a path is taken as it is; a USB
//!    selector is looked up in the port listing at every attempt, so a
//!    scanner replugged under a new name is found again) and open the port
//!    with the configured line settings;
//! 2. read until the device is gone: `Ok(0)`, `BrokenPipe`, EIO, ENODEV and
//!    every other read error end the connection; the framer's unfinished
//!    frame is closed ([`Framer::finish`]);
//! 3. report the state through the source's [`StatusReporter`] and try
//!    again after a [`Backoff`] delay (capped, jittered, never zero), until
//!    cancelled.
//!
//! Modem-line calls (DTR, RTS) are best effort: a pseudo-terminal or a
//! scanner without modem lines answers ENOTTY, which is logged at debug and
//! otherwise ignored. Scanner feedback (beep/LED command bytes configured
//! per source) is written when the station publishes a verdict on a scan
//! from this source, and the "rejected" bytes also when the framer drops a
//! scan; a feedback write that does not finish within [`WRITE_TIMEOUT`]
//! (hardware flow control held off) is abandoned with a warning.
//!
//! Invariant: memory is bounded whatever the device sends (the framer holds
//! at most its capacity, reads use one fixed buffer, frames go to the
//! station over the bounded channel with `send().await`).

use std::io::ErrorKind as IoKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{broadcast, mpsc};
use tokio_serial::{SerialPort, SerialPortBuilderExt, SerialStream};
use tokio_util::sync::CancellationToken;

use super::Frame;
use super::framing::{Event, Framer, FramingConfig, FramingError};
use super::selector::{DeviceSelector, ResolveError};
use super::status::{DeviceState, StatusReporter};
use crate::backoff::Backoff;
use crate::events::StationEvent;
use crate::ident::AimId;
use crate::model::Outcome;

/// Longest a feedback write may take before it is abandoned.
pub const WRITE_TIMEOUT: Duration = Duration::from_millis(500);

/// Feedback is paused this long after a write timed out.
const FEEDBACK_PAUSE: Duration = Duration::from_secs(5);

/// At most one "rejected" beep for dropped scans per this interval.
const DROP_BEEP_INTERVAL: Duration = Duration::from_millis(250);

/// First reconnect delay; doubles up to the configured maximum.
pub const RECONNECT_INITIAL: Duration = Duration::from_millis(100);

/// A connection that stayed up this long resets the backoff.
const STABLE_AFTER: Duration = Duration::from_secs(1);

/// Bytes read from the port at once.
const READ_BUFFER: usize = 4096;

/// Parity, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Parity {
    /// No parity bit.
    None,
    /// Even parity.
    Even,
    /// Odd parity.
    Odd,
}

impl Parity {
    /// Every value, in configuration order.
    pub const ALL: [Parity; 3] = [Parity::None, Parity::Even, Parity::Odd];

    /// The configuration name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Parity::None => "none",
            Parity::Even => "even",
            Parity::Odd => "odd",
        }
    }

    const fn letter(self) -> char {
        match self {
            Parity::None => 'N',
            Parity::Even => 'E',
            Parity::Odd => 'O',
        }
    }
}

/// Flow control, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowControl {
    /// None.
    None,
    /// XON/XOFF.
    Software,
    /// RTS/CTS.
    Hardware,
}

impl FlowControl {
    /// Every value, in configuration order.
    pub const ALL: [FlowControl; 3] = [
        FlowControl::None,
        FlowControl::Software,
        FlowControl::Hardware,
    ];

    /// The configuration name.
    pub const fn as_str(self) -> &'static str {
        match self {
            FlowControl::None => "none",
            FlowControl::Software => "software",
            FlowControl::Hardware => "hardware",
        }
    }
}

/// The serial line settings of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LineSettings {
    /// Bits per second.
    pub baud: u32,
    /// Data bits, 5 to 8.
    pub data_bits: u8,
    /// Parity.
    pub parity: Parity,
    /// Stop bits, 1 or 2.
    pub stop_bits: u8,
    /// Flow control.
    pub flow_control: FlowControl,
}

impl Default for LineSettings {
    /// 9600 8N1, no flow control: the factory setting of most scanners.
    fn default() -> Self {
        LineSettings {
            baud: 9600,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 1,
            flow_control: FlowControl::None,
        }
    }
}

impl std::fmt::Display for LineSettings {
    /// `9600 8N1`, with the flow control when there is one.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}{}{}",
            self.baud,
            self.data_bits,
            self.parity.letter(),
            self.stop_bits
        )?;
        if self.flow_control != FlowControl::None {
            write!(f, " {} flow control", self.flow_control.as_str())?;
        }
        Ok(())
    }
}

/// Command bytes sent to the scanner for each verdict (many scanners beep or
/// light an LED on a serial command). Empty: nothing is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ScannerFeedback {
    /// On an accepted move.
    pub accepted: Vec<u8>,
    /// On a move accepted with a warning.
    pub warning: Vec<u8>,
    /// On a rejected move or a scan that could not be used.
    pub rejected: Vec<u8>,
}

impl ScannerFeedback {
    /// True when no verdict sends anything.
    pub fn is_empty(&self) -> bool {
        self.accepted.is_empty() && self.warning.is_empty() && self.rejected.is_empty()
    }

    /// The bytes for an outcome (possibly empty).
    pub fn for_outcome(&self, outcome: Outcome) -> &[u8] {
        match outcome {
            Outcome::Accepted => &self.accepted,
            Outcome::Warning => &self.warning,
            Outcome::Rejected => &self.rejected,
        }
    }
}

/// What a serial source needs to know.
#[derive(Debug, Clone)]
pub struct SerialSettings {
    /// Source name.
    pub name: Arc<str>,
    /// Which device.
    pub device: DeviceSelector,
    /// Baud rate, data bits, parity, stop bits, flow control.
    pub line: LineSettings,
    /// How the byte stream is cut into scans.
    pub framing: FramingConfig,
    /// Symbology to assume for scans without an AIM prefix.
    pub assume_symbology: Option<AimId>,
    /// Bytes sent back to the scanner on verdicts.
    pub feedback: ScannerFeedback,
    /// Longest wait between reconnect attempts.
    pub reconnect_max: Duration,
    /// Stamps each frame with when it was read.
    pub clock: crate::clock::Clock,
}

/// Why a connection ended.
enum Ended {
    /// The source was cancelled (shutdown).
    Cancelled,
    /// The station no longer takes frames.
    StationGone,
    /// The device went away; the reason names how.
    Gone(String),
}

/// Why the device could not be opened.
enum OpenFailure {
    /// Nothing to open: the path does not exist or no USB device matches.
    Absent(String),
    /// Present, not allowed.
    Denied { path: PathBuf },
    /// Something else (busy, ambiguous selector, driver error).
    Other(String),
}

/// Read scans from the serial device until cancelled, reconnecting whenever
/// it goes away. `events` carries the station's verdicts when feedback is
/// configured. Returns the number of frames sent.
pub async fn run(
    s: SerialSettings,
    tx: mpsc::Sender<Frame>,
    status: StatusReporter,
    events: Option<broadcast::Receiver<StationEvent>>,
    cancel: CancellationToken,
) -> u64 {
    let mut framer = match Framer::new(s.framing.clone()) {
        Ok(f) => f,
        Err(e) => {
            // The configuration check builds the same framer; this is a
            // programming error, reported rather than panicking.
            tracing::error!(source = %s.name, error = %e, "serial source not started: invalid framing");
            status.set(DeviceState::Stopped);
            return 0;
        }
    };
    let mut conn = Connection {
        s: &s,
        tx: &tx,
        events,
        seq: 0,
        last_drop_beep: None,
        feedback_paused_until: None,
    };
    let mut backoff = Backoff::new(RECONNECT_INITIAL, s.reconnect_max);
    let mut rng = fastrand::Rng::new();
    loop {
        if cancel.is_cancelled() {
            break;
        }
        match open(&s) {
            Ok((port, path)) => {
                status.set(DeviceState::Connected {
                    detail: connected_detail(&s, &path),
                });
                let opened = tokio::time::Instant::now();
                let mut port = port;
                let ended = conn.read(&mut port, &mut framer, &cancel).await;
                let tail = framer.finish();
                let flushed = conn.deliver(&mut port, tail, &cancel).await;
                drop(port);
                match (ended, flushed) {
                    (Ended::Cancelled | Ended::StationGone, _)
                    | (_, Err(Ended::Cancelled | Ended::StationGone)) => break,
                    (Ended::Gone(reason), _) => {
                        status.set(DeviceState::Disconnected { reason });
                    }
                }
                if opened.elapsed() >= STABLE_AFTER {
                    backoff.reset();
                }
            }
            Err(OpenFailure::Absent(what)) => status.set(DeviceState::NoDevice { selector: what }),
            Err(OpenFailure::Denied { path }) => status.set(DeviceState::PermissionDenied {
                hint: permission_hint(&path),
                path: path.display().to_string(),
            }),
            Err(OpenFailure::Other(reason)) => status.set(DeviceState::Retrying {
                attempt: backoff.failures().saturating_add(1),
                reason,
            }),
        }
        let delay = backoff.next_delay(&mut rng);
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(delay) => {}
        }
    }
    status.set(DeviceState::Stopped);
    conn.seq
}

/// What to do when a device exists but may not be opened: the udev rule,
/// or the device's group when it is one a service user may join.
pub fn permission_hint(path: &Path) -> String {
    let mut hint = format!(
        "lotstation may not open {}: install udev/70-lotstation.rules (scanners get GROUP=\"lotstation\", MODE=\"0660\") and run `udevadm control --reload && udevadm trigger`",
        path.display()
    );
    match super::list::device_group(path).as_deref() {
        None | Some("root") => {}
        Some(group) => hint.push_str(&format!(
            ", or add the service user to the device's group: `usermod -aG {group} lotstation`"
        )),
    }
    hint.push_str("; then restart lotstation");
    hint
}

fn connected_detail(s: &SerialSettings, path: &Path) -> String {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let mut d = real.display().to_string();
    if real != path {
        d.push_str(&format!(" (via {})", path.display()));
    }
    if let DeviceSelector::Usb { .. } = s.device {
        d.push_str(&format!(" ({})", s.device));
    }
    d.push_str(&format!(", {}", s.line));
    d
}

/// Resolve the selector and open the port with the line settings.
fn open(s: &SerialSettings) -> Result<(SerialStream, PathBuf), OpenFailure> {
    let path = s.device.resolve().map_err(|e| match e {
        ResolveError::NotConnected { selector } => OpenFailure::Absent(selector),
        other => OpenFailure::Other(other.to_string()),
    })?;
    let l = &s.line;
    let builder = tokio_serial::new(path.to_string_lossy(), l.baud)
        .data_bits(match l.data_bits {
            5 => tokio_serial::DataBits::Five,
            6 => tokio_serial::DataBits::Six,
            7 => tokio_serial::DataBits::Seven,
            _ => tokio_serial::DataBits::Eight,
        })
        .parity(match l.parity {
            Parity::None => tokio_serial::Parity::None,
            Parity::Even => tokio_serial::Parity::Even,
            Parity::Odd => tokio_serial::Parity::Odd,
        })
        .stop_bits(if l.stop_bits == 2 {
            tokio_serial::StopBits::Two
        } else {
            tokio_serial::StopBits::One
        })
        .flow_control(match l.flow_control {
            FlowControl::None => tokio_serial::FlowControl::None,
            FlowControl::Software => tokio_serial::FlowControl::Software,
            FlowControl::Hardware => tokio_serial::FlowControl::Hardware,
        });
    let mut port = builder
        .open_native_async()
        .map_err(|e| classify_open(e, &path, s))?;
    // Best effort: many USB-CDC scanners send only while DTR is set; a pty
    // or an adapter without modem lines answers ENOTTY.
    if let Err(e) = port.write_data_terminal_ready(true) {
        tracing::debug!(source = %s.name, error = %e, "DTR not supported by the device; ignored");
    }
    if l.flow_control != FlowControl::Hardware
        && let Err(e) = port.write_request_to_send(true)
    {
        tracing::debug!(source = %s.name, error = %e, "RTS not supported by the device; ignored");
    }
    Ok((port, path))
}

fn classify_open(e: tokio_serial::Error, path: &Path, s: &SerialSettings) -> OpenFailure {
    use tokio_serial::ErrorKind as K;
    match e.kind() {
        K::Io(IoKind::NotFound) => OpenFailure::Absent(if path == selector_path(s) {
            path.display().to_string()
        } else {
            format!("{} ({})", s.device, path.display())
        }),
        K::Io(IoKind::PermissionDenied) => OpenFailure::Denied {
            path: path.to_owned(),
        },
        K::NoDevice => OpenFailure::Other(format!(
            "{} is in use by another program (opened exclusively) or not ready: {}",
            path.display(),
            e.description
        )),
        _ => OpenFailure::Other(format!("cannot open {}: {}", path.display(), e.description)),
    }
}

fn selector_path(s: &SerialSettings) -> &Path {
    match &s.device {
        DeviceSelector::Path(p) => p,
        DeviceSelector::Usb { .. } => Path::new(""),
    }
}

/// How a read error is described in the device state.
fn gone_reason(e: &std::io::Error) -> String {
    match (e.kind(), e.raw_os_error()) {
        (IoKind::BrokenPipe, _) => "the device hung up (broken pipe)".to_owned(),
        (_, Some(5)) => "input/output error (EIO): the device was unplugged or failed".to_owned(),
        (_, Some(19)) => "no such device (ENODEV): the device was unplugged".to_owned(),
        _ => format!("read error: {e}"),
    }
}

/// One source's state across connections.
struct Connection<'a> {
    s: &'a SerialSettings,
    tx: &'a mpsc::Sender<Frame>,
    events: Option<broadcast::Receiver<StationEvent>>,
    seq: u64,
    /// When the last "rejected" beep for a dropped scan was sent: garbage
    /// on the line must not turn into a stream of writes.
    last_drop_beep: Option<tokio::time::Instant>,
    /// Feedback is paused until then after a write timed out, so a device
    /// that does not take bytes never holds up reading.
    feedback_paused_until: Option<tokio::time::Instant>,
}

/// What woke the read loop.
enum Wake {
    Cancelled,
    Read(std::io::Result<usize>),
    Timeout,
    Station(Result<StationEvent, broadcast::error::RecvError>),
}

impl Connection<'_> {
    /// Read and frame until the device is gone or the source is cancelled.
    async fn read(
        &mut self,
        port: &mut SerialStream,
        framer: &mut Framer,
        cancel: &CancellationToken,
    ) -> Ended {
        let mut buf = vec![0u8; READ_BUFFER];
        loop {
            let deadline = framer.deadline().map(tokio::time::Instant::from_std);
            let wake = tokio::select! {
                biased;
                () = cancel.cancelled() => Wake::Cancelled,
                ev = recv(&mut self.events), if self.events.is_some() => Wake::Station(ev),
                r = port.read(&mut buf) => Wake::Read(r),
                () = sleep_until(deadline), if deadline.is_some() => Wake::Timeout,
            };
            let out = match wake {
                Wake::Cancelled => return Ended::Cancelled,
                Wake::Read(Ok(0)) => {
                    return Ended::Gone("end of file: the device was unplugged or hung up".into());
                }
                Wake::Read(Ok(n)) => {
                    let data = buf.get(..n).unwrap_or_default();
                    framer.push(data, std::time::Instant::now())
                }
                Wake::Read(Err(e)) if e.kind() == IoKind::Interrupted => continue,
                Wake::Read(Err(e)) => return Ended::Gone(gone_reason(&e)),
                Wake::Timeout => framer.poll(std::time::Instant::now()),
                Wake::Station(ev) => {
                    self.on_station_event(port, ev).await;
                    continue;
                }
            };
            if let Err(end) = self.deliver(port, out, cancel).await {
                return end;
            }
        }
    }

    /// Send frames to the station; log dropped scans and beep "rejected"
    /// for them.
    async fn deliver(
        &mut self,
        port: &mut SerialStream,
        events: Vec<Event>,
        cancel: &CancellationToken,
    ) -> Result<(), Ended> {
        for ev in events {
            match ev {
                Event::Frame(bytes) => {
                    self.seq += 1;
                    let frame = Frame {
                        source: self.s.name.clone(),
                        bytes,
                        assume_symbology: self.s.assume_symbology,
                        at: self.s.clock.now(),
                        seq: self.seq,
                    };
                    tokio::select! {
                        () = cancel.cancelled() => return Err(Ended::Cancelled),
                        sent = self.tx.send(frame) => if sent.is_err() {
                            return Err(Ended::StationGone);
                        },
                    }
                }
                Event::Error(e @ FramingError::NoiseBeforePrefix { .. }) => {
                    tracing::info!(source = %self.s.name, error = %e, "line noise dropped");
                }
                Event::Error(e) => {
                    tracing::warn!(source = %self.s.name, error = %e, "scan dropped");
                    let now = tokio::time::Instant::now();
                    if self
                        .last_drop_beep
                        .is_none_or(|t| now.duration_since(t) >= DROP_BEEP_INTERVAL)
                    {
                        self.last_drop_beep = Some(now);
                        let beep = self.s.feedback.rejected.clone();
                        self.write_feedback(port, &beep).await;
                    }
                }
            }
        }
        Ok(())
    }

    async fn on_station_event(
        &mut self,
        port: &mut SerialStream,
        ev: Result<StationEvent, broadcast::error::RecvError>,
    ) {
        match ev {
            Ok(StationEvent::Verdict(v)) if v.source.as_deref() == Some(&*self.s.name) => {
                let bytes = self.s.feedback.for_outcome(v.outcome).to_vec();
                self.write_feedback(port, &bytes).await;
            }
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::debug!(source = %self.s.name, missed = n, "scanner feedback skipped station events");
            }
            Err(broadcast::error::RecvError::Closed) => self.events = None,
        }
    }

    async fn write_feedback(&mut self, port: &mut SerialStream, bytes: &[u8]) {
        let now = tokio::time::Instant::now();
        if bytes.is_empty() || self.feedback_paused_until.is_some_and(|t| now < t) {
            return;
        }
        let write = async {
            port.write_all(bytes).await?;
            port.flush().await
        };
        match tokio::time::timeout(WRITE_TIMEOUT, write).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(source = %self.s.name, error = %e, "scanner feedback could not be written");
            }
            Err(_) => {
                self.feedback_paused_until = Some(now + FEEDBACK_PAUSE);
                tracing::warn!(
                    source = %self.s.name,
                    timeout_ms = WRITE_TIMEOUT.as_millis() as u64,
                    pause_s = FEEDBACK_PAUSE.as_secs(),
                    "scanner feedback not written in time (flow control held off?); feedback paused"
                );
            }
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

async fn recv(
    events: &mut Option<broadcast::Receiver<StationEvent>>,
) -> Result<StationEvent, broadcast::error::RecvError> {
    match events {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
