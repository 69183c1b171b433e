//! The serial scanner framer: cuts the byte stream a scanner sends into
//! scans. Pure and sans-IO: it is handed bytes and the time they arrived,
//! and returns [`Event`]s; it reads no clock and does no I/O.
//!
//! What a frame is, per source ([`FramingConfig`]):
//! - it ends with the configured [`Suffix`] (CR, LF, CRLF, TAB), or, for
//!   scanners that send no suffix, when no byte arrived for the inter-byte
//!   timeout (the caller says what time it is: [`Framer::push`] and
//!   [`Framer::poll`] take `now`, and [`Framer::deadline`] says when to call
//!   `poll` next, so the I/O shell sleeps instead of spinning);
//! - it may start with a configured prefix (e.g. STX), which is removed; bytes
//!   before the prefix are line noise and are dropped with a counted error;
//! - it is at most `max_frame_bytes` long (prefix and suffix not counted);
//! - with `aim_expected`, it must begin with an AIM symbology identifier
//!   (`]` + letter + letter or digit).
//!
//! Invariants:
//! - **bounded memory**: the framer never holds more than
//!   [`Framer::capacity`] bytes, whatever arrives. Longer input switches it to
//!   discarding until the frame ends, and is reported once as
//!   [`FramingError::TooLong`].
//! - **chunking invariance**: the frames and errors depend only on the bytes
//!   and the gaps between them, never on how the bytes were split into
//!   reads. The same stream read in one piece or one byte at a time (with
//!   gaps shorter than the timeout) gives the same events.
//! - "need more bytes" is not an error: an unfinished frame is simply kept.
//!   Every dropped byte is reported by an error naming why.

use std::time::{Duration, Instant};

use crate::ident::AimId;

/// The most bytes a prefix may have.
pub const MAX_PREFIX_BYTES: usize = 16;

/// What ends a scan on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suffix {
    /// Carriage return (0x0D), the factory default of most scanners.
    Cr,
    /// Line feed (0x0A).
    Lf,
    /// CR LF. An LF ends the frame and a CR just before it is removed, so a
    /// lone LF also ends a frame; a CR not followed by LF is data.
    CrLf,
    /// Horizontal tab (0x09).
    Tab,
    /// Nothing: a frame ends when no byte arrived for the inter-byte timeout.
    None,
}

impl Suffix {
    /// Every suffix, in the order the configuration lists them.
    pub const ALL: [Suffix; 5] = [
        Suffix::Cr,
        Suffix::Lf,
        Suffix::CrLf,
        Suffix::Tab,
        Suffix::None,
    ];

    /// The configuration name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Suffix::Cr => "cr",
            Suffix::Lf => "lf",
            Suffix::CrLf => "crlf",
            Suffix::Tab => "tab",
            Suffix::None => "none",
        }
    }

    /// The bytes a scanner appends for this suffix.
    pub const fn bytes(self) -> &'static [u8] {
        match self {
            Suffix::Cr => b"\r",
            Suffix::Lf => b"\n",
            Suffix::CrLf => b"\r\n",
            Suffix::Tab => b"\t",
            Suffix::None => b"",
        }
    }

    /// The byte that ends a frame, if any.
    const fn terminator(self) -> Option<u8> {
        match self {
            Suffix::Cr => Some(b'\r'),
            Suffix::Lf | Suffix::CrLf => Some(b'\n'),
            Suffix::Tab => Some(b'\t'),
            Suffix::None => None,
        }
    }
}

impl std::fmt::Display for Suffix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How one source's byte stream is cut into scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramingConfig {
    /// What ends a frame.
    pub suffix: Suffix,
    /// Bytes a frame starts with (removed); empty for none.
    pub prefix: Vec<u8>,
    /// With [`Suffix::None`]: the gap that ends a frame (required). With a
    /// suffix: an unfinished frame older than this is dropped as noise
    /// (optional).
    pub inter_byte_timeout: Option<Duration>,
    /// Longest scan accepted, prefix and suffix not counted.
    pub max_frame_bytes: usize,
    /// Scans must begin with an AIM symbology identifier.
    pub aim_expected: bool,
}

/// A framing configuration that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FramingConfigError {
    /// No suffix and no timeout: a frame would never end.
    #[error(
        "with suffix \"none\" a frame ends only after a pause, so an inter-byte timeout is required"
    )]
    NoEnd,
    /// A zero maximum length.
    #[error("the maximum frame length must be at least 1 byte")]
    ZeroMax,
    /// A zero timeout.
    #[error("the inter-byte timeout must be at least 1 ms")]
    ZeroTimeout,
    /// The prefix is longer than [`MAX_PREFIX_BYTES`].
    #[error("the prefix is {0} bytes long; at most {MAX_PREFIX_BYTES} are allowed")]
    PrefixTooLong(usize),
    /// The prefix contains the byte that ends a frame.
    #[error("the prefix contains the suffix byte, so no frame could ever start with it")]
    PrefixHasSuffix,
}

/// Why bytes were dropped. Each is counted in [`FramingStats`] and should be
/// logged by the caller; the text says what happened and what to check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FramingError {
    /// More than the maximum arrived before the frame ended; the whole frame
    /// was dropped.
    #[error(
        "a scan longer than {max} bytes was dropped (raise max_frame_bytes if the labels are really that long, or check that the suffix setting matches the scanner)"
    )]
    TooLong {
        /// The configured maximum.
        max: usize,
    },
    /// Bytes before the prefix were dropped; the frame itself was kept.
    #[error("{dropped} bytes of line noise before the scan's prefix were dropped")]
    NoiseBeforePrefix {
        /// Bytes dropped.
        dropped: usize,
    },
    /// A frame without the configured prefix was dropped.
    #[error(
        "a {len}-byte frame without the configured prefix was dropped (check the scanner's prefix setting)"
    )]
    MissingPrefix {
        /// Length of the dropped frame.
        len: usize,
    },
    /// A frame without an AIM identifier was dropped while one was expected.
    #[error(
        "a {len}-byte scan without an AIM symbology identifier was dropped; turn on AIM identifiers in the scanner, or set aim = false (and assume_symbology) for this source"
    )]
    MissingAim {
        /// Length of the dropped frame.
        len: usize,
    },
    /// An unfinished frame was dropped: the stream ended or paused longer
    /// than the timeout before its suffix arrived.
    #[error(
        "an unfinished {len}-byte scan was dropped: its suffix never arrived (check that the suffix setting matches the scanner)"
    )]
    Unterminated {
        /// Bytes dropped.
        len: usize,
    },
}

/// What the framer produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A complete scan, prefix and suffix removed.
    Frame(Vec<u8>),
    /// Bytes were dropped, and why.
    Error(FramingError),
}

/// Counters of what the framer did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FramingStats {
    /// Frames delivered.
    pub frames: u64,
    /// Frames over the maximum length.
    pub too_long: u64,
    /// Frames without the prefix.
    pub missing_prefix: u64,
    /// Bytes of noise dropped before a prefix.
    pub noise_bytes: u64,
    /// Frames without an expected AIM identifier.
    pub missing_aim: u64,
    /// Unfinished frames dropped.
    pub unterminated: u64,
}

impl FramingStats {
    /// Every error counted, noise bytes excluded (they come with a frame).
    pub fn errors(&self) -> u64 {
        self.too_long + self.missing_prefix + self.missing_aim + self.unterminated
    }
}

/// The framer of one source. See the module documentation.
#[derive(Debug, Clone)]
pub struct Framer {
    cfg: FramingConfig,
    /// Bytes of the frame in progress; never longer than `capacity()`.
    buf: Vec<u8>,
    /// The frame in progress is over-long and being thrown away until it ends.
    discarding: bool,
    /// When the last byte arrived.
    last_byte: Option<Instant>,
    stats: FramingStats,
}

impl Framer {
    /// A framer for `cfg`, or why the configuration cannot work.
    pub fn new(cfg: FramingConfig) -> Result<Framer, FramingConfigError> {
        if cfg.max_frame_bytes == 0 {
            return Err(FramingConfigError::ZeroMax);
        }
        if cfg.inter_byte_timeout == Some(Duration::ZERO) {
            return Err(FramingConfigError::ZeroTimeout);
        }
        if cfg.suffix == Suffix::None && cfg.inter_byte_timeout.is_none() {
            return Err(FramingConfigError::NoEnd);
        }
        if cfg.prefix.len() > MAX_PREFIX_BYTES {
            return Err(FramingConfigError::PrefixTooLong(cfg.prefix.len()));
        }
        if let Some(t) = cfg.suffix.terminator()
            && cfg.prefix.contains(&t)
        {
            return Err(FramingConfigError::PrefixHasSuffix);
        }
        Ok(Framer {
            cfg,
            buf: Vec::new(),
            discarding: false,
            last_byte: None,
            stats: FramingStats::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &FramingConfig {
        &self.cfg
    }

    /// What the framer counted so far.
    pub fn stats(&self) -> FramingStats {
        self.stats
    }

    /// The most bytes the framer ever holds: prefix, maximum frame, and one
    /// byte for a CR whose LF has not arrived yet.
    pub fn capacity(&self) -> usize {
        let cr = usize::from(self.cfg.suffix == Suffix::CrLf);
        self.cfg.prefix.len() + self.cfg.max_frame_bytes + cr
    }

    /// Bytes held for the frame in progress.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Bytes that arrived at `now`. Returns what they completed.
    pub fn push(&mut self, data: &[u8], now: Instant) -> Vec<Event> {
        let mut out = Vec::new();
        self.expire(now, &mut out);
        if data.is_empty() {
            return out;
        }
        self.last_byte = Some(now);
        let mut rest = data;
        loop {
            let end = self
                .cfg
                .suffix
                .terminator()
                .and_then(|t| rest.iter().position(|&b| b == t));
            match end {
                Some(i) => {
                    let (body, tail) = rest.split_at(i);
                    self.absorb(body, &mut out);
                    self.end_frame(&mut out);
                    rest = tail.get(1..).unwrap_or_default();
                }
                None => {
                    self.absorb(rest, &mut out);
                    break;
                }
            }
        }
        out
    }

    /// The time is `now` and nothing arrived: ends a frame whose
    /// inter-byte timeout has passed.
    pub fn poll(&mut self, now: Instant) -> Vec<Event> {
        let mut out = Vec::new();
        self.expire(now, &mut out);
        out
    }

    /// When [`Framer::poll`] should next be called: the moment the frame in
    /// progress times out. `None` when nothing is pending or there is no
    /// timeout (then only new bytes can change anything).
    pub fn deadline(&self) -> Option<Instant> {
        let timeout = self.cfg.inter_byte_timeout?;
        if self.buf.is_empty() && !self.discarding {
            return None;
        }
        self.last_byte.and_then(|t| t.checked_add(timeout))
    }

    /// The stream ended (the device is gone). Without a suffix, the frame
    /// in progress is complete; with one, it is reported as unfinished.
    pub fn finish(&mut self) -> Vec<Event> {
        let mut out = Vec::new();
        self.close_pending(&mut out);
        self.last_byte = None;
        out
    }

    fn expire(&mut self, now: Instant, out: &mut Vec<Event>) {
        if let Some(deadline) = self.deadline()
            && now >= deadline
        {
            self.close_pending(out);
        }
    }

    /// End the frame in progress without a suffix: complete for
    /// [`Suffix::None`], unfinished otherwise.
    fn close_pending(&mut self, out: &mut Vec<Event>) {
        if self.discarding {
            self.discarding = false;
            self.buf.clear();
        } else if self.cfg.suffix == Suffix::None {
            self.end_frame(out);
        } else if !self.buf.is_empty() {
            let len = self.buf.len();
            self.buf.clear();
            self.error(FramingError::Unterminated { len }, out);
        }
    }

    /// Add bytes of the frame in progress, switching to discarding when the
    /// frame would outgrow the capacity.
    fn absorb(&mut self, bytes: &[u8], out: &mut Vec<Event>) {
        if self.discarding || bytes.is_empty() {
            return;
        }
        if self.buf.len() + bytes.len() > self.capacity() {
            self.buf = Vec::new();
            self.discarding = true;
            self.error(
                FramingError::TooLong {
                    max: self.cfg.max_frame_bytes,
                },
                out,
            );
        } else {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// The frame in progress has ended: check it and emit it.
    fn end_frame(&mut self, out: &mut Vec<Event>) {
        if self.discarding {
            self.discarding = false;
            self.buf.clear();
            return;
        }
        let mut frame = std::mem::take(&mut self.buf);
        if self.cfg.suffix == Suffix::CrLf && frame.last() == Some(&b'\r') {
            frame.pop();
        }
        if frame.is_empty() {
            return;
        }
        if !self.cfg.prefix.is_empty() {
            let at = frame
                .windows(self.cfg.prefix.len())
                .position(|w| w == self.cfg.prefix.as_slice());
            match at {
                None => {
                    let len = frame.len();
                    self.error(FramingError::MissingPrefix { len }, out);
                    return;
                }
                Some(dropped) => {
                    if dropped > 0 {
                        self.error(FramingError::NoiseBeforePrefix { dropped }, out);
                    }
                    frame.drain(..dropped + self.cfg.prefix.len());
                }
            }
            if frame.is_empty() {
                return;
            }
        }
        if frame.len() > self.cfg.max_frame_bytes {
            self.error(
                FramingError::TooLong {
                    max: self.cfg.max_frame_bytes,
                },
                out,
            );
            return;
        }
        if self.cfg.aim_expected && !matches!(AimId::split(&frame), Ok(Some(_))) {
            let len = frame.len();
            self.error(FramingError::MissingAim { len }, out);
            return;
        }
        self.stats.frames += 1;
        out.push(Event::Frame(frame));
    }

    fn error(&mut self, e: FramingError, out: &mut Vec<Event>) {
        let s = &mut self.stats;
        match e {
            FramingError::TooLong { .. } => s.too_long += 1,
            FramingError::MissingPrefix { .. } => s.missing_prefix += 1,
            FramingError::MissingAim { .. } => s.missing_aim += 1,
            FramingError::Unterminated { .. } => s.unterminated += 1,
            FramingError::NoiseBeforePrefix { dropped } => s.noise_bytes += dropped as u64,
        }
        out.push(Event::Error(e));
    }
}

#[cfg(test)]
mod tests;
