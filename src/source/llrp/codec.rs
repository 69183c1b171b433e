//! LLRP wire framing and the primitives every message is built from (pure,
//! sans-IO: no sockets, no files, no clocks).
//!
//! What this module owns:
//! - the 10-byte message header (3 reserved bits, 3-bit version, 10-bit
//!   type, u32 length *including* the header, u32 message id) and
//!   [`check_frame`], which tells "need more bytes" ([`Framing::NeedMore`],
//!   not an error) apart from "this can never become a valid frame"
//!   ([`DecodeError`]);
//! - a bounded stream splitter, [`FrameSplitter`], that turns whatever a TCP
//!   read returned into whole frames, refusing any frame longer than the
//!   configured maximum before buffering it;
//! - the field reader ([`Reader`]) and writer ([`Writer`]) used by
//!   `messages.rs`, including TV and TLV parameter headers. TV parameters carry
//!   no length on the wire, so their lengths come from [`tv_len`]; an unknown
//!   TV type cannot be skipped and is an error, while an unknown TLV is
//!   skipped by its length.
//!
//! Invariants: every function is total over its input bytes (bad input is a
//! [`DecodeError`] naming the byte offset and what was wrong, never a panic);
//! nothing here allocates more than the frame being decoded; the writer never
//! produces a length field that disagrees with the bytes written (an
//! oversized parameter is an [`EncodeError`]).

use std::fmt;

/// Length of the message header: type/version (2), length (4), id (4).
pub const HEADER_LEN: usize = 10;

/// Default largest message accepted from a reader. A report of 10,000 tags
/// with every optional field is well under 1 MiB; larger messages are
/// refused before they are buffered.
pub const DEFAULT_MAX_MESSAGE_LEN: usize = 4 * 1024 * 1024;

/// Deepest parameter nesting decoded (ParameterError and vendor selectors
/// nest). Real messages stay under 8; the bound keeps recursion finite.
pub const MAX_DEPTH: usize = 16;

/// LLRP version 1.0.1 in the header's version field.
pub const VERSION_1_0_1: u8 = 1;
/// LLRP version 1.1 in the header's version field.
pub const VERSION_1_1: u8 = 2;

/// The type number of a Custom parameter (and of CUSTOM_MESSAGE).
pub const CUSTOM_TYPE: u16 = 1023;

/// A decoded message header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Protocol version (1 = LLRP 1.0.1, 2 = LLRP 1.1).
    pub version: u8,
    /// Message type (10 bits).
    pub msg_type: u16,
    /// Total length in bytes, header included.
    pub length: u32,
    /// Message id: a response echoes its request's id.
    pub id: u32,
}

/// What [`check_frame`] found at the start of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// A whole frame of `header.length` bytes is present.
    Complete(Header),
    /// Not enough bytes yet: at least this many more are needed.
    NeedMore(usize),
}

/// Why bytes could not be decoded as LLRP. `offset` counts from the start of
/// the frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("LLRP {kind} at byte {offset}: {detail}")]
pub struct DecodeError {
    /// What kind of problem.
    pub kind: DecodeErrorKind,
    /// Byte offset within the frame where it was found.
    pub offset: usize,
    /// What was wrong, for a person.
    pub detail: String,
}

/// Stable classes of [`DecodeError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The header names a version other than 1 (1.0.1) or 2 (1.1).
    BadVersion,
    /// The length field is below the 10-byte header.
    BadLength,
    /// The length field is above the configured maximum.
    TooLong,
    /// A field or parameter runs past the end of its container.
    Truncated,
    /// A parameter header is malformed (length below its header, reserved type).
    BadParameter,
    /// A TV parameter type with no known length: the rest cannot be parsed.
    UnknownTv,
    /// A parameter the message requires is absent.
    Missing,
    /// A parameter that may appear once appears twice.
    Duplicate,
    /// A string field is not UTF-8.
    BadUtf8,
    /// A field value that cannot be represented (e.g. an EPC longer than a tag holds).
    BadField,
    /// Bytes left over after a fixed-size message body.
    TrailingBytes,
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecodeErrorKind::BadVersion => "bad version",
            DecodeErrorKind::BadLength => "bad length",
            DecodeErrorKind::TooLong => "message too long",
            DecodeErrorKind::Truncated => "truncated",
            DecodeErrorKind::BadParameter => "bad parameter",
            DecodeErrorKind::UnknownTv => "unknown TV parameter",
            DecodeErrorKind::Missing => "missing parameter",
            DecodeErrorKind::Duplicate => "duplicate parameter",
            DecodeErrorKind::BadUtf8 => "bad UTF-8",
            DecodeErrorKind::BadField => "bad field",
            DecodeErrorKind::TrailingBytes => "trailing bytes",
        })
    }
}

impl DecodeError {
    /// A new error.
    pub fn new(kind: DecodeErrorKind, offset: usize, detail: impl Into<String>) -> DecodeError {
        DecodeError {
            kind,
            offset,
            detail: detail.into(),
        }
    }
}

/// Why a value could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot encode LLRP {what}: {detail}")]
pub struct EncodeError {
    /// The parameter or field.
    pub what: &'static str,
    /// What was wrong.
    pub detail: String,
}

/// Look at the start of `buf`: is a whole frame there, do more bytes need to
/// arrive, or can this never be a frame (bad version, length below the
/// header or above `max_len`)?
pub fn check_frame(buf: &[u8], max_len: usize) -> Result<Framing, DecodeError> {
    let Some(head) = buf.get(..HEADER_LEN) else {
        // The version is in the first byte: refuse a bad one early.
        if let Some(&b0) = buf.first() {
            check_version(b0)?;
        }
        return Ok(Framing::NeedMore(HEADER_LEN - buf.len()));
    };
    let header = parse_header(head)?;
    let len = header.length as usize;
    if len < HEADER_LEN {
        return Err(DecodeError::new(
            DecodeErrorKind::BadLength,
            2,
            format!("message length {len} is shorter than the {HEADER_LEN}-byte header"),
        ));
    }
    if len > max_len {
        return Err(DecodeError::new(
            DecodeErrorKind::TooLong,
            2,
            format!(
                "{} is {len} bytes; at most {max_len} are accepted (raise max_message_bytes if the reader really sends such reports)",
                message_name(header.msg_type)
            ),
        ));
    }
    if buf.len() < len {
        return Ok(Framing::NeedMore(len - buf.len()));
    }
    Ok(Framing::Complete(header))
}

fn check_version(b0: u8) -> Result<u8, DecodeError> {
    let version = (b0 >> 2) & 0x07;
    if version == VERSION_1_0_1 || version == VERSION_1_1 {
        Ok(version)
    } else {
        Err(DecodeError::new(
            DecodeErrorKind::BadVersion,
            0,
            format!(
                "version {version} is not LLRP 1.0.1 (1) or 1.1 (2); is this port really an LLRP reader?"
            ),
        ))
    }
}

/// Parse the 10-byte header (the caller checked the length).
fn parse_header(head: &[u8]) -> Result<Header, DecodeError> {
    let mut r = Reader::new(head, 0);
    let tv = r.u16("message type")?;
    let version = check_version((tv >> 8) as u8)?;
    Ok(Header {
        version,
        msg_type: tv & 0x03ff,
        length: r.u32("message length")?,
        id: r.u32("message id")?,
    })
}

/// Splits a byte stream into whole frames. Sans-IO: the caller feeds what
/// the socket returned and takes frames out. Memory is bounded by the
/// maximum message length plus one read.
#[derive(Debug)]
pub struct FrameSplitter {
    buf: Vec<u8>,
    /// Bytes of `buf` already handed out as frames.
    consumed: usize,
    max_len: usize,
}

impl FrameSplitter {
    /// A splitter that refuses frames longer than `max_len` bytes.
    pub fn new(max_len: usize) -> FrameSplitter {
        FrameSplitter {
            buf: Vec::new(),
            consumed: 0,
            max_len: max_len.max(HEADER_LEN),
        }
    }

    /// Append bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.consumed > 0 && self.consumed == self.buf.len() {
            self.buf.clear();
            self.consumed = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes buffered and not yet part of a returned frame.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.consumed
    }

    /// The next whole frame, `Ok(None)` if more bytes are needed. After an
    /// error the stream cannot be resynchronised (LLRP has no frame marker):
    /// the connection must be dropped.
    pub fn next_frame(&mut self) -> Result<Option<&[u8]>, DecodeError> {
        if self.consumed > 0 && self.consumed * 2 >= self.buf.len() {
            self.buf.drain(..self.consumed);
            self.consumed = 0;
        }
        let rest = self.buf.get(self.consumed..).unwrap_or(&[]);
        match check_frame(rest, self.max_len)? {
            Framing::NeedMore(_) => Ok(None),
            Framing::Complete(h) => {
                let start = self.consumed;
                let end = start + h.length as usize;
                self.consumed = end;
                Ok(self.buf.get(start..end))
            }
        }
    }
}

/// Length of a TV parameter's value (without its 1-byte type), or `None`
/// for a type this table does not know (LLRP 1.0.1 and 1.1 TV types 1–20).
pub const fn tv_len(ty: u8) -> Option<usize> {
    Some(match ty {
        // AntennaID, ChannelIndex, TagSeenCount, InventoryParameterSpecID,
        // C1G2_CRC, C1G2_PC, SpecIndex, ClientRequestOpSpecResult, OpSpecID,
        // C1G2_XPCW1, C1G2_XPCW2
        1 | 7 | 8 | 10 | 11 | 12 | 14 | 15 | 17 | 19 | 20 => 2,
        // First/LastSeenTimestamp UTC/Uptime
        2..=5 => 8,
        // PeakRSSI
        6 => 1,
        // ROSpecID, AccessSpecID, C1G2SingulationDetails
        9 | 16 | 18 => 4,
        // EPC-96
        13 => 12,
        _ => return None,
    })
}

/// One parameter as found on the wire, borrowed from the frame.
#[derive(Debug, Clone, Copy)]
pub struct RawParam<'a> {
    /// Type number (7 bits for TV, 10 bits for TLV).
    pub ty: u16,
    /// True for a TV parameter.
    pub tv: bool,
    /// The value, after the header.
    pub body: &'a [u8],
    /// Frame offset of the value's first byte.
    pub offset: usize,
}

impl<'a> RawParam<'a> {
    /// A reader over the value.
    pub fn reader(&self) -> Reader<'a> {
        Reader::new(self.body, self.offset)
    }
}

/// A cursor over bytes of a frame; every read is bounds-checked and errors
/// name the frame offset.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Frame offset of `buf[0]`.
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, which starts at frame offset `base`.
    pub fn new(buf: &'a [u8], base: usize) -> Reader<'a> {
        Reader { buf, pos: 0, base }
    }

    /// Frame offset of the next byte.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when every byte was read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    fn truncated(&self, what: &str, need: usize) -> DecodeError {
        DecodeError::new(
            DecodeErrorKind::Truncated,
            self.offset(),
            format!(
                "{what} needs {need} bytes but only {} remain",
                self.remaining()
            ),
        )
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.saturating_add(n);
        match self.buf.get(self.pos..end) {
            Some(s) => {
                self.pos = end;
                Ok(s)
            }
            None => Err(self.truncated(what, n)),
        }
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], DecodeError> {
        let s = self.bytes(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// A u8.
    pub fn u8(&mut self, what: &str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(what)?[0])
    }

    /// An s8.
    pub fn i8(&mut self, what: &str) -> Result<i8, DecodeError> {
        Ok(i8::from_be_bytes(self.array(what)?))
    }

    /// A big-endian u16.
    pub fn u16(&mut self, what: &str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    /// A big-endian s16.
    pub fn i16(&mut self, what: &str) -> Result<i16, DecodeError> {
        Ok(i16::from_be_bytes(self.array(what)?))
    }

    /// A big-endian u32.
    pub fn u32(&mut self, what: &str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    /// A big-endian u64.
    pub fn u64(&mut self, what: &str) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = self.buf.get(self.pos..).unwrap_or(&[]);
        self.pos = self.buf.len();
        s
    }

    /// A `utf8v`: u16 byte count, then UTF-8.
    pub fn utf8v(&mut self, what: &str) -> Result<String, DecodeError> {
        let n = self.u16(what)? as usize;
        let at = self.offset();
        let b = self.bytes(n, what)?;
        match std::str::from_utf8(b) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(DecodeError::new(
                DecodeErrorKind::BadUtf8,
                at + e.valid_up_to(),
                format!("{what} is not UTF-8"),
            )),
        }
    }

    /// A `u8v`: u16 count, then that many bytes.
    pub fn u8v(&mut self, what: &str) -> Result<Vec<u8>, DecodeError> {
        let n = self.u16(what)? as usize;
        Ok(self.bytes(n, what)?.to_vec())
    }

    /// A `u16v`: u16 count, then that many u16s.
    pub fn u16v(&mut self, what: &str) -> Result<Vec<u16>, DecodeError> {
        let n = self.u16(what)? as usize;
        let b = self.bytes(n * 2, what)?;
        Ok(b.chunks_exact(2)
            .map(|c| {
                u16::from_be_bytes([
                    c.first().copied().unwrap_or(0),
                    c.get(1).copied().unwrap_or(0),
                ])
            })
            .collect())
    }

    /// A `u32v`: u16 count, then that many u32s.
    pub fn u32v(&mut self, what: &str) -> Result<Vec<u32>, DecodeError> {
        let n = self.u16(what)? as usize;
        let mut out = Vec::with_capacity(n.min(self.remaining() / 4));
        for _ in 0..n {
            out.push(self.u32(what)?);
        }
        Ok(out)
    }

    /// A `u1v`: u16 bit count, then the bits padded to whole bytes.
    pub fn u1v(&mut self, what: &str) -> Result<(u16, &'a [u8]), DecodeError> {
        let bits = self.u16(what)?;
        let b = self.bytes(usize::from(bits).div_ceil(8), what)?;
        Ok((bits, b))
    }

    /// The next parameter, or `None` at the end.
    pub fn param(&mut self) -> Option<Result<RawParam<'a>, DecodeError>> {
        if self.is_empty() {
            return None;
        }
        Some(self.param_inner())
    }

    fn param_inner(&mut self) -> Result<RawParam<'a>, DecodeError> {
        let start = self.offset();
        let first = self.u8("parameter header")?;
        if first & 0x80 != 0 {
            let ty = first & 0x7f;
            let Some(n) = tv_len(ty) else {
                return Err(DecodeError::new(
                    DecodeErrorKind::UnknownTv,
                    start,
                    format!(
                        "TV parameter type {ty} is not in LLRP 1.0.1/1.1, and TV parameters carry no length, so the rest of this message cannot be read"
                    ),
                ));
            };
            let offset = self.offset();
            let body = self.bytes(n, tv_name(ty))?;
            return Ok(RawParam {
                ty: u16::from(ty),
                tv: true,
                body,
                offset,
            });
        }
        let second = self.u8("parameter header")?;
        let ty = (u16::from(first) << 8 | u16::from(second)) & 0x03ff;
        let len = self.u16("parameter length")? as usize;
        if len < 4 {
            return Err(DecodeError::new(
                DecodeErrorKind::BadParameter,
                start + 2,
                format!(
                    "{} (type {ty}) has length {len}, shorter than its 4-byte header",
                    param_name(ty)
                ),
            ));
        }
        let offset = self.offset();
        if len - 4 > self.remaining() {
            return Err(DecodeError::new(
                DecodeErrorKind::Truncated,
                start + 2,
                format!(
                    "{} (type {ty}) claims {len} bytes but only {} remain in its container",
                    param_name(ty),
                    self.remaining() + 4
                ),
            ));
        }
        let body = self.bytes(len - 4, param_name(ty))?;
        Ok(RawParam {
            ty,
            tv: false,
            body,
            offset,
        })
    }

    /// Fail unless every byte was read.
    pub fn finish(&self, what: &str) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::new(
                DecodeErrorKind::TrailingBytes,
                self.offset(),
                format!("{} unexpected bytes after {what}", self.remaining()),
            ))
        }
    }
}

/// Builds a frame. Length fields of messages and TLV parameters are patched
/// when their content is complete; an overflow is remembered and reported
/// by [`Writer::finish`], so encoders need no error plumbing per field.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
    error: Option<EncodeError>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Record an encoding error (the first one is reported by `finish`).
    pub fn fail_with(&mut self, what: &'static str, detail: String) {
        self.fail(what, detail);
    }

    fn fail(&mut self, what: &'static str, detail: String) {
        if self.error.is_none() {
            self.error = Some(EncodeError { what, detail });
        }
    }

    /// A u8.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// An s8.
    pub fn i8(&mut self, v: i8) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// A u16.
    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// An s16.
    pub fn i16(&mut self, v: i16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// A u32.
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// A u64.
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Raw bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    fn count(&mut self, what: &'static str, n: usize) {
        match u16::try_from(n) {
            Ok(n) => self.u16(n),
            Err(_) => {
                self.fail(
                    what,
                    format!("{n} entries; a count field holds at most 65535"),
                );
                self.u16(0);
            }
        }
    }

    /// A `utf8v`.
    pub fn utf8v(&mut self, what: &'static str, s: &str) {
        self.count(what, s.len());
        self.bytes(s.as_bytes());
    }

    /// A `u8v`.
    pub fn u8v(&mut self, what: &'static str, b: &[u8]) {
        self.count(what, b.len());
        self.bytes(b);
    }

    /// A `u16v`.
    pub fn u16v(&mut self, what: &'static str, v: &[u16]) {
        self.count(what, v.len());
        for x in v {
            self.u16(*x);
        }
    }

    /// A `u32v`.
    pub fn u32v(&mut self, what: &'static str, v: &[u32]) {
        self.count(what, v.len());
        for x in v {
            self.u32(*x);
        }
    }

    /// A `u1v`: the bit count, then the bytes (which must hold exactly
    /// `bits` rounded up to whole bytes).
    pub fn u1v(&mut self, what: &'static str, bits: u16, b: &[u8]) {
        if usize::from(bits).div_ceil(8) != b.len() {
            self.fail(
                what,
                format!(
                    "{bits} bits need {} bytes, got {}",
                    usize::from(bits).div_ceil(8),
                    b.len()
                ),
            );
        }
        self.u16(bits);
        self.bytes(b);
    }

    /// A TV parameter: type byte with the TV bit, then the value.
    pub fn tv(&mut self, ty: u8, value: &[u8]) {
        self.u8(0x80 | ty);
        self.bytes(value);
    }

    /// A TLV parameter whose value `body` writes.
    pub fn tlv(&mut self, ty: u16, name: &'static str, body: impl FnOnce(&mut Writer)) {
        let start = self.buf.len();
        self.u16(ty & 0x03ff);
        self.u16(0);
        body(self);
        let len = self.buf.len() - start;
        match u16::try_from(len) {
            Ok(n) => {
                if let Some(slot) = self.buf.get_mut(start + 2..start + 4) {
                    slot.copy_from_slice(&n.to_be_bytes());
                }
            }
            Err(_) => self.fail(
                name,
                format!("{len} bytes; an LLRP parameter holds at most 65535"),
            ),
        }
    }

    /// A whole message: header, then the body `body` writes. Returns the
    /// frame, or the first encoding error.
    pub fn message(
        version: u8,
        msg_type: u16,
        id: u32,
        body: impl FnOnce(&mut Writer),
    ) -> Result<Vec<u8>, EncodeError> {
        let mut w = Writer::new();
        w.u16(u16::from(version & 0x07) << 10 | (msg_type & 0x03ff));
        w.u32(0);
        w.u32(id);
        body(&mut w);
        let len = w.buf.len();
        match u32::try_from(len) {
            Ok(n) => {
                if let Some(slot) = w.buf.get_mut(2..6) {
                    slot.copy_from_slice(&n.to_be_bytes());
                }
            }
            Err(_) => w.fail(message_name(msg_type), format!("{len} bytes is too long")),
        }
        match w.error {
            Some(e) => Err(e),
            None => Ok(w.buf),
        }
    }
}

/// The name of a message type, for errors and traces.
pub const fn message_name(ty: u16) -> &'static str {
    match ty {
        1 => "GET_READER_CAPABILITIES",
        2 => "GET_READER_CONFIG",
        3 => "SET_READER_CONFIG",
        4 => "CLOSE_CONNECTION_RESPONSE",
        11 => "GET_READER_CAPABILITIES_RESPONSE",
        12 => "GET_READER_CONFIG_RESPONSE",
        13 => "SET_READER_CONFIG_RESPONSE",
        14 => "CLOSE_CONNECTION",
        20 => "ADD_ROSPEC",
        21 => "DELETE_ROSPEC",
        22 => "START_ROSPEC",
        23 => "STOP_ROSPEC",
        24 => "ENABLE_ROSPEC",
        25 => "DISABLE_ROSPEC",
        26 => "GET_ROSPECS",
        30 => "ADD_ROSPEC_RESPONSE",
        31 => "DELETE_ROSPEC_RESPONSE",
        32 => "START_ROSPEC_RESPONSE",
        33 => "STOP_ROSPEC_RESPONSE",
        34 => "ENABLE_ROSPEC_RESPONSE",
        35 => "DISABLE_ROSPEC_RESPONSE",
        36 => "GET_ROSPECS_RESPONSE",
        40 => "ADD_ACCESSSPEC",
        41 => "DELETE_ACCESSSPEC",
        42 => "ENABLE_ACCESSSPEC",
        43 => "DISABLE_ACCESSSPEC",
        44 => "GET_ACCESSSPECS",
        45 => "CLIENT_REQUEST_OP",
        46 => "GET_SUPPORTED_VERSION",
        47 => "SET_PROTOCOL_VERSION",
        50 => "ADD_ACCESSSPEC_RESPONSE",
        51 => "DELETE_ACCESSSPEC_RESPONSE",
        52 => "ENABLE_ACCESSSPEC_RESPONSE",
        53 => "DISABLE_ACCESSSPEC_RESPONSE",
        54 => "GET_ACCESSSPECS_RESPONSE",
        55 => "CLIENT_REQUEST_OP_RESPONSE",
        56 => "GET_SUPPORTED_VERSION_RESPONSE",
        57 => "SET_PROTOCOL_VERSION_RESPONSE",
        60 => "GET_REPORT",
        61 => "RO_ACCESS_REPORT",
        62 => "KEEPALIVE",
        63 => "READER_EVENT_NOTIFICATION",
        64 => "ENABLE_EVENTS_AND_REPORTS",
        72 => "KEEPALIVE_ACK",
        100 => "ERROR_MESSAGE",
        1023 => "CUSTOM_MESSAGE",
        _ => "unknown message",
    }
}

/// The name of a TV parameter type.
pub const fn tv_name(ty: u8) -> &'static str {
    match ty {
        1 => "AntennaID",
        2 => "FirstSeenTimestampUTC",
        3 => "FirstSeenTimestampUptime",
        4 => "LastSeenTimestampUTC",
        5 => "LastSeenTimestampUptime",
        6 => "PeakRSSI",
        7 => "ChannelIndex",
        8 => "TagSeenCount",
        9 => "ROSpecID",
        10 => "InventoryParameterSpecID",
        11 => "C1G2_CRC",
        12 => "C1G2_PC",
        13 => "EPC-96",
        14 => "SpecIndex",
        15 => "ClientRequestOpSpecResult",
        16 => "AccessSpecID",
        17 => "OpSpecID",
        18 => "C1G2SingulationDetails",
        19 => "C1G2_XPCW1",
        20 => "C1G2_XPCW2",
        _ => "unknown TV parameter",
    }
}

/// The name of a TLV parameter type, for errors and traces.
pub const fn param_name(ty: u16) -> &'static str {
    match ty {
        128 => "UTCTimestamp",
        129 => "Uptime",
        137 => "GeneralDeviceCapabilities",
        139 => "ReceiveSensitivityTableEntry",
        140 => "PerAntennaAirProtocol",
        141 => "GPIOCapabilities",
        142 => "LLRPCapabilities",
        143 => "RegulatoryCapabilities",
        144 => "UHFBandCapabilities",
        145 => "TransmitPowerLevelTableEntry",
        146 => "FrequencyInformation",
        147 => "FrequencyHopTable",
        148 => "FixedFrequencyTable",
        149 => "PerAntennaReceiveSensitivityRange",
        177 => "ROSpec",
        178 => "ROBoundarySpec",
        179 => "ROSpecStartTrigger",
        180 => "PeriodicTriggerValue",
        181 => "GPITriggerValue",
        182 => "ROSpecStopTrigger",
        183 => "AISpec",
        184 => "AISpecStopTrigger",
        185 => "TagObservationTrigger",
        186 => "InventoryParameterSpec",
        187 => "RFSurveySpec",
        207 => "AccessSpec",
        217 => "LLRPConfigurationStateValue",
        218 => "Identification",
        219 => "GPOWriteData",
        220 => "KeepaliveSpec",
        221 => "AntennaProperties",
        222 => "AntennaConfiguration",
        223 => "RFReceiver",
        224 => "RFTransmitter",
        225 => "GPIPortCurrentState",
        226 => "EventsAndReports",
        237 => "ROReportSpec",
        238 => "TagReportContentSelector",
        239 => "AccessReportSpec",
        240 => "TagReportData",
        241 => "EPCData",
        242 => "RFSurveyReportData",
        244 => "ReaderEventNotificationSpec",
        245 => "EventNotificationState",
        246 => "ReaderEventNotificationData",
        247 => "HoppingEvent",
        248 => "GPIEvent",
        249 => "ROSpecEvent",
        250 => "ReportBufferLevelWarningEvent",
        251 => "ReportBufferOverflowErrorEvent",
        252 => "ReaderExceptionEvent",
        253 => "RFSurveyEvent",
        254 => "AISpecEvent",
        255 => "AntennaEvent",
        256 => "ConnectionAttemptEvent",
        257 => "ConnectionCloseEvent",
        287 => "LLRPStatus",
        288 => "FieldError",
        289 => "ParameterError",
        327 => "C1G2LLRPCapabilities",
        328 => "C1G2UHFRFModeTable",
        329 => "C1G2UHFRFModeTableEntry",
        330 => "C1G2InventoryCommand",
        331 => "C1G2Filter",
        335 => "C1G2RFControl",
        336 => "C1G2SingulationControl",
        348 => "C1G2EPCMemorySelector",
        349 => "C1G2ReadOpSpecResult",
        1023 => "Custom",
        _ => "unknown parameter",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ident::hex;

    #[test]
    fn a_partial_header_needs_more_bytes_and_a_bad_version_is_refused_at_once() {
        assert_eq!(check_frame(&[], 100), Ok(Framing::NeedMore(10)));
        assert_eq!(check_frame(&[0x04], 100), Ok(Framing::NeedMore(9)));
        let e = check_frame(&[0x1c], 100).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::BadVersion);
        // An HTTP server on the LLRP port: "GE" reads as version 1, type 69,
        // and "T / " as a length of 1.4 GB.
        let e = check_frame(b"GET / HTTP/1.1", 1 << 20).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::TooLong);
    }

    #[test]
    fn lengths_below_the_header_or_above_the_maximum_are_invalid_not_incomplete() {
        let short = [0x04, 0x3e, 0, 0, 0, 9, 0, 0, 0, 1];
        assert_eq!(
            check_frame(&short, 100).unwrap_err().kind,
            DecodeErrorKind::BadLength
        );
        let long = [0x04, 0x3d, 0, 0, 1, 0, 0, 0, 0, 1];
        let e = check_frame(&long, 100).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::TooLong);
        assert!(
            e.to_string().contains("RO_ACCESS_REPORT is 256 bytes"),
            "{e}"
        );
        assert_eq!(check_frame(&long, 1000), Ok(Framing::NeedMore(246)));
    }

    #[test]
    fn the_splitter_returns_frames_across_arbitrary_read_boundaries() {
        let keepalive = hex::decode("043e0000000a00000062").unwrap();
        let mut stream = keepalive.clone();
        stream.extend_from_slice(&keepalive);
        stream.extend_from_slice(&keepalive[..4]);
        let mut s = FrameSplitter::new(1000);
        let mut got = 0;
        for chunk in stream.chunks(3) {
            s.push(chunk);
            while let Some(f) = s.next_frame().unwrap() {
                assert_eq!(f, keepalive.as_slice());
                got += 1;
            }
        }
        assert_eq!(got, 2);
        assert_eq!(s.pending(), 4);
    }

    #[test]
    fn unknown_tv_types_stop_parsing_and_short_tlv_lengths_are_refused() {
        let mut r = Reader::new(&[0x80 | 99, 1, 2], 10);
        let e = r.param().unwrap().unwrap_err();
        assert_eq!((e.kind, e.offset), (DecodeErrorKind::UnknownTv, 10));
        let mut r = Reader::new(&[0x00, 0xf0, 0x00, 0x03], 0);
        assert_eq!(
            r.param().unwrap().unwrap_err().kind,
            DecodeErrorKind::BadParameter
        );
        let mut r = Reader::new(&[0x00, 0xf0, 0x00, 0x09, 1], 0);
        assert_eq!(
            r.param().unwrap().unwrap_err().kind,
            DecodeErrorKind::Truncated
        );
    }

    #[test]
    fn the_writer_patches_lengths_and_reports_oversized_parameters() {
        let f = Writer::message(1, 62, 98, |_| {}).unwrap();
        assert_eq!(hex::encode(&f), "043e0000000a00000062");
        let e = Writer::message(1, 61, 0, |w| {
            w.tlv(240, "TagReportData", |w| w.bytes(&[0; 70_000]));
        })
        .unwrap_err();
        assert_eq!(e.what, "TagReportData");
    }

    #[test]
    fn hex_round_trips_and_refuses_odd_or_foreign_text() {
        assert_eq!(hex::decode("0A ff\n10"), Some(vec![0x0a, 0xff, 0x10]));
        assert_eq!(hex::decode("abc"), None);
        assert_eq!(hex::decode("zz"), None);
        assert_eq!(hex::encode(&[0x0a, 0xff]), "0aff");
    }
}
