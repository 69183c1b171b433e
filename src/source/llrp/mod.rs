//! LLRP (Low Level Reader Protocol) RFID readers: one tokio task per reader
//! that keeps a configured session alive forever, on top of the pure codec
//! ([`codec`] framing and primitives, [`messages`] typed messages) and the
//! pure plan of what to ask of the reader ([`setup`]).
//!
//! Every connection goes through the same steps, so a reader that rebooted
//! (and forgot our ROSpec) or that still holds an old one ends up in the
//! same state:
//! 1. TCP connect (port 5084 unless given), then wait for the reader's
//!    ConnectionAttemptEvent; status 2 ("another client is connected") is
//!    reported as a busy reader and retried with backoff, never spun on;
//! 2. GET_READER_CAPABILITIES (power and sensitivity tables, manufacturer);
//!    IMPINJ_ENABLE_EXTENSIONS only when the reader is an Impinj;
//! 3. SET_READER_CONFIG: portal events and a KeepaliveSpec;
//! 4. clean slate: DELETE_ACCESSSPEC 0 and DELETE_ROSPEC 0 (errors tolerated);
//! 5. ADD_ROSPEC built from the configuration, ENABLE_ROSPEC, and for an
//!    immediate start also START_ROSPEC (readers that ignore the immediate
//!    trigger still read; an "already active" answer is tolerated);
//! 6. ENABLE_EVENTS_AND_REPORTS (defined without a response; an
//!    ERROR_MESSAGE answer from a quirky reader is logged and ignored).
//!
//! Then the session pumps: KEEPALIVEs are acknowledged, tag reports and GPI
//! changes go to the portal engine on a bounded channel (`try_send`: a
//! full channel drops repeated reads and counts them, it never blocks the
//! socket), antenna and buffer events are logged. A watchdog ends the
//! connection when nothing arrived for `missed_keepalives` keepalive periods
//! (the half-open TCP connection of a reader that lost power or network is
//! the most common field failure). Any end of a connection is followed by a
//! reconnect with the shared capped, jittered [`Backoff`], forever.

pub mod codec;
#[doc(hidden)]
pub mod fuzzing;
pub mod messages;
pub mod setup;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub use codec::{DecodeError, DecodeErrorKind, EncodeError, FrameSplitter};
pub use messages::{Envelope, Message};
pub use setup::{ReaderPlan, StartMode};

use crate::backoff::Backoff;
use crate::model::{GpiChange, PortalInput, TagRead};
use crate::source::status::{DeviceState, StatusReporter};
use messages::{
    CONNECTION_CLIENT_EXISTS, CONNECTION_SUCCESS, Capabilities, CustomMessage, IMPINJ_PEN,
    ReaderEvent, Reply, RoAccessReport,
};

/// The IANA port of LLRP.
pub const DEFAULT_PORT: u16 = 5084;

/// Everything one reader's session needs.
#[derive(Debug, Clone)]
pub struct ReaderSettings {
    /// Source name (the reader's name in reads and logs).
    pub name: Arc<str>,
    /// `host:port` (port 5084 when the configuration gave none).
    pub address: String,
    /// What to configure on the reader.
    pub plan: ReaderPlan,
    /// The link is dead after this many keepalive periods without any message.
    pub missed_keepalives: u32,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// How long to wait for each response during setup.
    pub response_timeout: Duration,
    /// Largest message accepted from the reader.
    pub max_message_bytes: usize,
    /// Reconnect backoff: first wait and cap.
    pub backoff: (Duration, Duration),
    /// Raw frame trace (`--trace-llrp`), shared by all readers.
    pub trace: Option<Trace>,
    /// Stamps tag reads, GPI changes and trace lines.
    pub clock: crate::clock::Clock,
}

impl ReaderSettings {
    /// Defaults for a reader at `address` (`host` or `host:port`).
    pub fn new(name: &str, address: &str) -> ReaderSettings {
        ReaderSettings {
            name: Arc::from(name),
            address: with_default_port(address),
            plan: ReaderPlan::default(),
            missed_keepalives: 3,
            connect_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(5),
            max_message_bytes: codec::DEFAULT_MAX_MESSAGE_LEN,
            backoff: (Duration::from_millis(500), Duration::from_secs(30)),
            trace: None,
            clock: crate::clock::Clock::system(),
        }
    }
}

/// `host` → `host:5084`; `host:port` and `[v6]:port` unchanged.
pub fn with_default_port(address: &str) -> String {
    // "host:" (an empty port) means the default port too.
    let address = address.strip_suffix(':').unwrap_or(address);
    let has_port = match address.rsplit_once(':') {
        Some((host, port)) => {
            !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && (!host.contains(':') || host.ends_with(']'))
        }
        None => false,
    };
    if has_port {
        address.to_owned()
    } else if address.contains(':') && !address.starts_with('[') {
        format!("[{address}]:{DEFAULT_PORT}")
    } else {
        format!("{address}:{DEFAULT_PORT}")
    }
}

/// A raw-frame trace file: one line per frame, `time reader=NAME R>C|C>R hex`
/// (`lotstation llrp decode` reads it back).
#[derive(Debug, Clone)]
pub struct Trace {
    file: Arc<Mutex<std::io::LineWriter<std::fs::File>>>,
}

impl Trace {
    /// Open (append to) a trace file.
    pub fn open(path: &Path) -> std::io::Result<Trace> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Trace {
            file: Arc::new(Mutex::new(std::io::LineWriter::new(f))),
        })
    }

    fn frame(&self, reader: &str, inbound: bool, bytes: &[u8], at: Timestamp) {
        let dir = if inbound { "R>C" } else { "C>R" };
        if let Ok(mut f) = self.file.lock() {
            // A trace that cannot be written must not stop the reader.
            let _ = writeln!(
                f,
                "{at} reader={reader} {dir} {}",
                crate::ident::hex::encode(bytes)
            );
        }
    }
}

/// Why a connection ended or could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// TCP connect failed or timed out.
    #[error("cannot connect to {address}: {reason}")]
    Connect {
        /// Address.
        address: String,
        /// Why.
        reason: String,
    },
    /// The reader refused us: another client holds it.
    #[error(
        "reader busy: another client is connected (ConnectionAttemptEvent status {status}); free the reader or stop the other client"
    )]
    Busy {
        /// The reader's status.
        status: u16,
    },
    /// The reader closed the connection.
    #[error("the reader closed the connection")]
    Closed,
    /// Nothing arrived for too long: the link is presumed dead.
    #[error("no message from the reader for {0:?} (keepalives missed); the link is presumed dead")]
    Silent(Duration),
    /// No answer to a request in time.
    #[error("no answer to {0} within the response timeout")]
    Timeout(&'static str),
    /// The reader refused a request we cannot do without.
    #[error("the reader refused {what}: {status}")]
    Refused {
        /// The request.
        what: &'static str,
        /// The reader's status, described.
        status: String,
    },
    /// The configuration does not fit this reader.
    #[error(transparent)]
    Plan(#[from] setup::PlanError),
    /// Bytes from the reader are not LLRP.
    #[error("the reader sent bytes that are not LLRP: {0}")]
    Protocol(#[from] DecodeError),
    /// A request could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// A socket error.
    #[error("socket error: {0}")]
    Io(#[from] std::io::Error),
    /// Shutdown was requested.
    #[error("stopped")]
    Cancelled,
}

/// Counts of what a session delivered, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Tag reads sent to the portal engine.
    pub reads: u64,
    /// Tag reads dropped because the portal channel was full.
    pub dropped: u64,
    /// Keepalives acknowledged.
    pub keepalives: u64,
}

/// One open, configured connection.
struct Connection<'a> {
    settings: &'a ReaderSettings,
    stream: TcpStream,
    splitter: FrameSplitter,
    next_id: u32,
    /// Requests sent without a defined response (ENABLE_EVENTS_AND_REPORTS):
    /// an ERROR_MESSAGE answering one is a reader quirk, not a failure.
    unanswered: HashSet<u32>,
    out: Option<&'a mpsc::Sender<PortalInput>>,
    counters: Counters,
    /// The last time any message arrived.
    last_rx: Instant,
    /// The reader reported ConnectionCloseEvent.
    closing: bool,
    buf: Vec<u8>,
}

impl<'a> Connection<'a> {
    async fn open(
        settings: &'a ReaderSettings,
        out: Option<&'a mpsc::Sender<PortalInput>>,
    ) -> Result<Connection<'a>, SessionError> {
        let connect = TcpStream::connect(&settings.address);
        let stream = match tokio::time::timeout(settings.connect_timeout, connect).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                return Err(SessionError::Connect {
                    address: settings.address.clone(),
                    reason: e.to_string(),
                });
            }
            Err(_) => {
                return Err(SessionError::Connect {
                    address: settings.address.clone(),
                    reason: format!("no answer within {:?}", settings.connect_timeout),
                });
            }
        };
        let _ = stream.set_nodelay(true);
        Ok(Connection {
            settings,
            stream,
            splitter: FrameSplitter::new(settings.max_message_bytes),
            next_id: 1,
            unanswered: HashSet::new(),
            out,
            counters: Counters::default(),
            last_rx: Instant::now(),
            closing: false,
            buf: vec![0; 64 * 1024],
        })
    }

    fn name(&self) -> &str {
        &self.settings.name
    }

    async fn send(&mut self, m: &Message) -> Result<u32, SessionError> {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.send_with_id(m, id).await?;
        Ok(id)
    }

    async fn send_with_id(&mut self, m: &Message, id: u32) -> Result<(), SessionError> {
        let bytes = m.encode(id)?;
        if let Some(t) = &self.settings.trace {
            t.frame(
                &self.settings.name,
                false,
                &bytes,
                self.settings.clock.now(),
            );
        }
        tracing::trace!(reader = %self.settings.name, message = m.name(), id, "sent");
        self.stream.write_all(&bytes).await?;
        Ok(())
    }

    /// The next message, or an error at `deadline`.
    async fn recv(&mut self, deadline: Instant) -> Result<Envelope, SessionError> {
        loop {
            if let Some(frame) = self.splitter.next_frame()? {
                if let Some(t) = &self.settings.trace {
                    t.frame(&self.settings.name, true, frame, self.settings.clock.now());
                }
                let env = Envelope::decode(frame)?;
                self.last_rx = Instant::now();
                return Ok(env);
            }
            let read = self.stream.read(&mut self.buf);
            match tokio::time::timeout_at(deadline, read).await {
                Err(_) => return Err(SessionError::Timeout("a message")),
                Ok(Ok(0)) => return Err(SessionError::Closed),
                Ok(Ok(n)) => {
                    let chunk = self.buf.get(..n).unwrap_or(&[]);
                    self.splitter.push(chunk);
                }
                Ok(Err(e)) => return Err(e.into()),
            }
        }
    }

    /// Wait for the reader's ConnectionAttemptEvent.
    async fn greeting(&mut self) -> Result<(), SessionError> {
        let deadline = Instant::now() + self.settings.response_timeout;
        loop {
            let env = match self.recv(deadline).await {
                Err(SessionError::Timeout(_)) => {
                    return Err(SessionError::Timeout(
                        "the connection (no ConnectionAttemptEvent)",
                    ));
                }
                other => other?,
            };
            if let Message::ReaderEventNotification(ev) = &env.message
                && let Some(status) = ev.connection_attempt
            {
                return match status {
                    CONNECTION_SUCCESS => Ok(()),
                    CONNECTION_CLIENT_EXISTS => Err(SessionError::Busy { status }),
                    other => Err(SessionError::Busy { status: other }),
                };
            }
            self.dispatch(env).await?;
        }
    }

    /// Send a request and wait for the response with its id; other messages
    /// arriving meanwhile are handled as usual.
    async fn transact(&mut self, m: &Message, what: &'static str) -> Result<Message, SessionError> {
        let id = self.send(m).await?;
        let deadline = Instant::now() + self.settings.response_timeout;
        loop {
            let env = match self.recv(deadline).await {
                Err(SessionError::Timeout(_)) => return Err(SessionError::Timeout(what)),
                other => other?,
            };
            let is_answer = env.id == id
                && (env.message.reply().is_some()
                    || matches!(env.message, Message::CustomMessage(_)));
            if is_answer {
                return Ok(env.message);
            }
            self.dispatch(env).await?;
        }
    }

    /// A request that must succeed.
    async fn require(&mut self, m: &Message, what: &'static str) -> Result<Message, SessionError> {
        let answer = self.transact(m, what).await?;
        match answer.reply() {
            Some(s) if !s.is_success() => Err(SessionError::Refused {
                what,
                status: s.describe(),
            }),
            _ => Ok(answer),
        }
    }

    /// A request whose failure is expected now and then (deleting what is
    /// not there, starting what already runs).
    async fn tolerate(&mut self, m: &Message, what: &'static str) -> Result<(), SessionError> {
        let answer = self.transact(m, what).await?;
        if let Some(s) = answer.reply()
            && !s.is_success()
        {
            tracing::debug!(reader = %self.name(), request = what, status = %s.describe(), "reader refused; tolerated");
        }
        Ok(())
    }

    /// Steps 2–6 of the module doc. Returns the capabilities.
    async fn configure(&mut self) -> Result<Capabilities, SessionError> {
        let caps = match self
            .require(
                &Message::GetReaderCapabilities {
                    requested: 0,
                    extra: Vec::new(),
                },
                "GET_READER_CAPABILITIES",
            )
            .await?
        {
            Message::GetReaderCapabilitiesResponse(c) => c,
            _ => Capabilities::default(),
        };
        let plan = &self.settings.plan;
        // Check the plan against the reader before changing anything on it.
        let spec = setup::rospec(plan, &caps)?;
        if caps.manufacturer() == IMPINJ_PEN {
            let m = Message::CustomMessage(CustomMessage::impinj_enable_extensions());
            let answer = self.transact(&m, "IMPINJ_ENABLE_EXTENSIONS").await?;
            let ok = match &answer {
                Message::CustomMessage(c) => c.status().is_some_and(|s| s.is_success()),
                _ => false,
            };
            if !ok {
                tracing::warn!(reader = %self.name(), "Impinj extensions not enabled; reads carry the standard 1-dB RSSI");
            }
        }
        let config = Message::SetReaderConfig {
            reset_to_factory_default: false,
            config: setup::reader_config(plan),
        };
        self.require(&config, "SET_READER_CONFIG").await?;
        self.tolerate(&Message::DeleteAccessspec(0), "DELETE_ACCESSSPEC")
            .await?;
        self.tolerate(&Message::DeleteRospec(0), "DELETE_ROSPEC")
            .await?;
        self.require(&Message::AddRospec(spec), "ADD_ROSPEC")
            .await?;
        let id = plan.rospec_id;
        self.require(&Message::EnableRospec(id), "ENABLE_ROSPEC")
            .await?;
        if plan.start == StartMode::Immediate {
            self.tolerate(&Message::StartRospec(id), "START_ROSPEC")
                .await?;
        }
        let id = self.send(&Message::EnableEventsAndReports).await?;
        self.unanswered.insert(id);
        Ok(caps)
    }

    /// Handle a message that is not the answer being waited for.
    async fn dispatch(&mut self, env: Envelope) -> Result<(), SessionError> {
        match env.message {
            Message::Keepalive => {
                self.counters.keepalives += 1;
                self.send_with_id(&Message::KeepaliveAck, env.id).await?;
            }
            Message::RoAccessReport(r) => self.report(r),
            Message::ReaderEventNotification(ev) => self.event(&ev),
            Message::ErrorMessage(Reply { status, .. }) => {
                if self.unanswered.remove(&env.id) {
                    tracing::info!(reader = %self.name(), status = %status.describe(), "reader answered a message that has no response with ERROR_MESSAGE; ignored");
                } else {
                    tracing::warn!(reader = %self.name(), id = env.id, status = %status.describe(), "reader sent ERROR_MESSAGE");
                }
            }
            other => {
                tracing::debug!(reader = %self.name(), message = other.name(), id = env.id, "unexpected message ignored");
            }
        }
        Ok(())
    }

    fn forward(&mut self, input: PortalInput) {
        let Some(out) = self.out else { return };
        match out.try_send(input) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.counters.dropped += 1;
                if self.counters.dropped.is_power_of_two() {
                    tracing::warn!(reader = %self.name(), dropped = self.counters.dropped, "portal engine busy: tag reads dropped");
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    fn report(&mut self, r: RoAccessReport) {
        let now = self.settings.clock.now();
        for t in r.tags {
            self.counters.reads += 1;
            let read = TagRead {
                reader: self.settings.name.clone(),
                antenna: t.antenna_id.unwrap_or(0),
                rssi_cdbm: t.rssi_centi_dbm(),
                count: t.tag_seen_count.unwrap_or(1).max(1),
                reader_time_us: t.last_seen_utc.or(t.first_seen_utc),
                epc: t.epc.bytes().to_vec(),
                at: now,
            };
            self.forward(PortalInput::Read(read));
        }
    }

    fn event(&mut self, ev: &ReaderEvent) {
        let name = self.settings.name.clone();
        if let Some(g) = ev.gpi {
            self.forward(PortalInput::Gpi(GpiChange {
                reader: name.clone(),
                port: g.port,
                high: g.high,
                at: self.settings.clock.now(),
            }));
        }
        if let Some(a) = ev.antenna {
            if a.connected {
                tracing::info!(reader = %name, antenna = a.antenna_id, "antenna connected");
            } else {
                tracing::warn!(reader = %name, antenna = a.antenna_id, "antenna disconnected: portal coverage reduced; check the cable");
            }
        }
        if let Some(p) = ev.buffer_level_warning {
            tracing::warn!(reader = %name, percent_full = p, "reader report buffer filling");
        }
        if ev.buffer_overflow {
            tracing::error!(reader = %name, "reader report buffer overflowed: reads were lost at the reader");
        }
        if let Some(x) = &ev.reader_exception {
            tracing::warn!(reader = %name, message = %x.message, "reader exception");
        }
        if ev.connection_close {
            self.closing = true;
        }
    }

    /// Pump messages until the link dies, the reader closes, or `cancel`.
    async fn pump(&mut self, cancel: &CancellationToken) -> Result<(), SessionError> {
        let period = self.settings.plan.keepalive;
        let silence = period.saturating_mul(self.settings.missed_keepalives.max(1));
        loop {
            if self.closing {
                return Err(SessionError::Closed);
            }
            let deadline = self.last_rx + silence;
            let env = tokio::select! {
                _ = cancel.cancelled() => return Err(SessionError::Cancelled),
                r = self.recv(deadline) => match r {
                    Err(SessionError::Timeout(_)) => return Err(SessionError::Silent(silence)),
                    other => other?,
                },
            };
            self.dispatch(env).await?;
        }
    }

    /// Best-effort goodbye: CLOSE_CONNECTION, briefly waiting for the answer.
    async fn close(&mut self) {
        let short = Duration::from_millis(500);
        if let Ok(id) = self.send(&Message::CloseConnection).await {
            let deadline = Instant::now() + short;
            while let Ok(env) = self.recv(deadline).await {
                if env.id == id {
                    break;
                }
            }
        }
        let _ = self.stream.shutdown().await;
    }
}

/// Run one reader forever: connect, configure, pump, and reconnect with
/// backoff whatever happens, until `cancel`. Returns the counters.
pub async fn run(
    settings: ReaderSettings,
    out: mpsc::Sender<PortalInput>,
    status: StatusReporter,
    cancel: CancellationToken,
) -> Counters {
    let (initial, max) = settings.backoff;
    let mut backoff = Backoff::new(initial, max);
    let mut rng = fastrand::Rng::new();
    let mut total = Counters::default();
    loop {
        let (end, counters, connected) =
            session(&settings, &out, &status, &cancel, &mut backoff).await;
        total.reads += counters.reads;
        total.dropped += counters.dropped;
        total.keepalives += counters.keepalives;
        let reason = match end {
            SessionError::Cancelled => break,
            e => e.to_string(),
        };
        let delay = backoff.next_delay(&mut rng);
        if connected {
            status.set(DeviceState::Disconnected {
                reason: reason.clone(),
            });
        }
        status.set(DeviceState::Retrying {
            attempt: backoff.failures(),
            reason,
        });
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep(delay) => {}
        }
    }
    status.set(DeviceState::Stopped);
    total
}

/// One connection from open to end: why it ended, what it delivered, and
/// whether it got as far as configured and reading.
async fn session(
    settings: &ReaderSettings,
    out: &mpsc::Sender<PortalInput>,
    status: &StatusReporter,
    cancel: &CancellationToken,
    backoff: &mut Backoff,
) -> (SessionError, Counters, bool) {
    let mut conn = tokio::select! {
        _ = cancel.cancelled() => return (SessionError::Cancelled, Counters::default(), false),
        c = Connection::open(settings, Some(out)) => match c {
            Ok(c) => c,
            Err(e) => return (e, Counters::default(), false),
        },
    };
    let setup = async {
        conn.greeting().await?;
        conn.configure().await
    };
    let caps = tokio::select! {
        _ = cancel.cancelled() => return (SessionError::Cancelled, Counters::default(), false),
        r = setup => r,
    };
    let caps = match caps {
        Ok(c) => c,
        Err(e) => return (e, conn.counters, false),
    };
    backoff.reset();
    status.set(DeviceState::Connected {
        detail: describe(settings, &caps),
    });
    let end = conn.pump(cancel).await;
    let end = match end {
        Err(SessionError::Cancelled) => {
            conn.close().await;
            SessionError::Cancelled
        }
        Err(e) => e,
        Ok(()) => SessionError::Closed,
    };
    tracing::info!(reader = %settings.name, reads = conn.counters.reads, dropped = conn.counters.dropped, reason = %end, "reader connection ended");
    (end, conn.counters, true)
}

/// "host:port, Impinj model 700, firmware x, 4 antennas".
fn describe(settings: &ReaderSettings, caps: &Capabilities) -> String {
    match &caps.general {
        Some(g) => format!(
            "{}, {} model {}, firmware {}, {} antennas",
            settings.address,
            vendor_name(g.manufacturer),
            g.model,
            g.firmware,
            g.max_antennas
        ),
        None => settings.address.clone(),
    }
}

/// A manufacturer PEN as a name.
pub fn vendor_name(pen: u32) -> String {
    match pen {
        IMPINJ_PEN => "Impinj".to_owned(),
        161 => "Motorola/Zebra".to_owned(),
        10642 => "Zebra".to_owned(),
        other => format!("PEN {other}"),
    }
}

/// What `lotstation llrp probe` found.
#[derive(Debug, Clone)]
pub struct ProbeReport {
    /// The reader's capabilities.
    pub capabilities: Capabilities,
    /// Reads during the listening time.
    pub reads: Vec<TagRead>,
    /// GPI changes during the listening time.
    pub gpi: Vec<GpiChange>,
    /// Keepalives seen.
    pub keepalives: u64,
}

/// Connect once, configure like the daemon does, listen for `listen`, then
/// close the connection politely.
pub async fn probe(
    settings: &ReaderSettings,
    listen: Duration,
) -> Result<ProbeReport, SessionError> {
    let (tx, mut rx) = mpsc::channel(65_536);
    let mut conn = Connection::open(settings, Some(&tx)).await?;
    conn.greeting().await?;
    let capabilities = conn.configure().await?;
    let stop = CancellationToken::new();
    let timer = stop.clone();
    let t = tokio::spawn(async move {
        tokio::time::sleep(listen).await;
        timer.cancel();
    });
    let end = conn.pump(&stop).await;
    t.abort();
    conn.close().await;
    let keepalives = conn.counters.keepalives;
    match end {
        Err(SessionError::Cancelled) | Ok(()) => {}
        Err(e) => return Err(e),
    }
    drop(conn);
    drop(tx);
    let mut reads = Vec::new();
    let mut gpi = Vec::new();
    while let Some(i) = rx.recv().await {
        match i {
            PortalInput::Read(r) => reads.push(r),
            PortalInput::Gpi(g) => gpi.push(g),
        }
    }
    Ok(ProbeReport {
        capabilities,
        reads,
        gpi,
        keepalives,
    })
}
