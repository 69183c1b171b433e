//! Typed LLRP messages and parameters (pure, sans-IO): the message set a dock
//! portal needs, decoded from and encoded to frames with the primitives of
//! `codec.rs`.
//!
//! Covered: READER_EVENT_NOTIFICATION, GET_READER_CAPABILITIES(+RESPONSE),
//! GET/SET_READER_CONFIG(+RESPONSE), ADD/DELETE/ENABLE/DISABLE/START/
//! STOP_ROSPEC(+RESPONSE), DELETE_ACCESSSPEC(+RESPONSE),
//! ENABLE_EVENTS_AND_REPORTS, RO_ACCESS_REPORT, KEEPALIVE(+ACK),
//! ERROR_MESSAGE, CLOSE_CONNECTION(+RESPONSE) and CUSTOM_MESSAGE. Any other
//! message type is kept as [`Message::Other`] with its body bytes.
//!
//! Vendor extensions: Impinj custom parameters that a portal uses (search
//! mode, the report content selector and its enables, peak RSSI in
//! centi-dBm, RF phase angle, Doppler frequency, serialized TID, requested
//! data, reader temperature) are decoded into [`Impinj`]; every other custom
//! parameter, and any TLV parameter a container does not define, is kept as
//! bytes in that container's `extra` list (skipped by its length, never a
//! failure). An unknown *TV* parameter cannot be skipped (TV carries no
//! length) and fails the message with a clear error.
//!
//! Round trips: `decode(encode(m)) == m` for every value, and for a frame
//! whose parameters come in the order the LLRP specification lists them,
//! `encode(decode(frame)) == frame` byte for byte (the test vectors in
//! `shared/reference/llrp-frames.md` are checked this way). Parameters in
//! another order decode the same but re-encode in specification order;
//! reserved bits are written as zero.

use serde::{Serialize, Serializer};

use super::codec::{
    CUSTOM_TYPE, DecodeError, DecodeErrorKind, EncodeError, Framing, MAX_DEPTH, RawParam, Reader,
    Writer, check_frame, message_name, param_name,
};

/// IANA private enterprise number of Impinj.
pub const IMPINJ_PEN: u32 = 25882;
/// IANA private enterprise numbers used by Zebra (Motorola Solutions, Zebra).
pub const ZEBRA_PENS: [u32; 2] = [161, 10642];

/// Impinj custom message subtype: IMPINJ_ENABLE_EXTENSIONS.
pub const IMPINJ_ENABLE_EXTENSIONS: u8 = 21;
/// Impinj custom message subtype: IMPINJ_ENABLE_EXTENSIONS_RESPONSE.
pub const IMPINJ_ENABLE_EXTENSIONS_RESPONSE: u8 = 22;

/// ConnectionAttemptEvent status: success.
pub const CONNECTION_SUCCESS: u16 = 0;
/// ConnectionAttemptEvent status: another client already holds the reader.
pub const CONNECTION_CLIENT_EXISTS: u16 = 2;

fn ser_hex<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::ident::hex::encode(b))
}

// ---------------------------------------------------------------------------
// Envelope and messages

/// A message with its header fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Envelope {
    /// Protocol version from the header (1 = LLRP 1.0.1).
    pub version: u8,
    /// Message id (responses echo the request's).
    pub id: u32,
    /// The message.
    #[serde(flatten)]
    pub message: Message,
}

/// Every message lotstation reads or writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "message", content = "body", rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum Message {
    /// Type 1.
    GetReaderCapabilities {
        /// 0 = all.
        requested: u8,
        /// Vendor parameters.
        extra: Vec<Extra>,
    },
    /// Type 11.
    GetReaderCapabilitiesResponse(Capabilities),
    /// Type 2.
    GetReaderConfig(GetReaderConfig),
    /// Type 12.
    GetReaderConfigResponse {
        /// Outcome.
        status: Status,
        /// What the reader reported.
        config: ReaderConfig,
    },
    /// Type 3.
    SetReaderConfig {
        /// Reset to factory defaults before applying.
        reset_to_factory_default: bool,
        /// What to set.
        config: ReaderConfig,
    },
    /// Type 13.
    SetReaderConfigResponse(Reply),
    /// Type 20.
    AddRospec(RoSpec),
    /// Type 30.
    AddRospecResponse(Reply),
    /// Type 21 (ROSpec id, 0 = all).
    DeleteRospec(u32),
    /// Type 31.
    DeleteRospecResponse(Reply),
    /// Type 22.
    StartRospec(u32),
    /// Type 32.
    StartRospecResponse(Reply),
    /// Type 23.
    StopRospec(u32),
    /// Type 33.
    StopRospecResponse(Reply),
    /// Type 24.
    EnableRospec(u32),
    /// Type 34.
    EnableRospecResponse(Reply),
    /// Type 25.
    DisableRospec(u32),
    /// Type 35.
    DisableRospecResponse(Reply),
    /// Type 41 (AccessSpec id, 0 = all).
    DeleteAccessspec(u32),
    /// Type 51.
    DeleteAccessspecResponse(Reply),
    /// Type 64: release events and reports held while disconnected.
    EnableEventsAndReports,
    /// Type 61.
    RoAccessReport(RoAccessReport),
    /// Type 63.
    ReaderEventNotification(ReaderEvent),
    /// Type 62.
    Keepalive,
    /// Type 72.
    KeepaliveAck,
    /// Type 100.
    ErrorMessage(Reply),
    /// Type 14.
    CloseConnection,
    /// Type 4.
    CloseConnectionResponse(Reply),
    /// Type 1023.
    CustomMessage(CustomMessage),
    /// Any other type, kept as bytes.
    Other {
        /// Message type.
        msg_type: u16,
        /// Body after the header.
        #[serde(serialize_with = "ser_hex")]
        body: Vec<u8>,
    },
}

impl Message {
    /// The message type number.
    pub fn msg_type(&self) -> u16 {
        match self {
            Message::GetReaderCapabilities { .. } => 1,
            Message::GetReaderConfig(_) => 2,
            Message::SetReaderConfig { .. } => 3,
            Message::CloseConnectionResponse(_) => 4,
            Message::GetReaderCapabilitiesResponse(_) => 11,
            Message::GetReaderConfigResponse { .. } => 12,
            Message::SetReaderConfigResponse(_) => 13,
            Message::CloseConnection => 14,
            Message::AddRospec(_) => 20,
            Message::DeleteRospec(_) => 21,
            Message::StartRospec(_) => 22,
            Message::StopRospec(_) => 23,
            Message::EnableRospec(_) => 24,
            Message::DisableRospec(_) => 25,
            Message::AddRospecResponse(_) => 30,
            Message::DeleteRospecResponse(_) => 31,
            Message::StartRospecResponse(_) => 32,
            Message::StopRospecResponse(_) => 33,
            Message::EnableRospecResponse(_) => 34,
            Message::DisableRospecResponse(_) => 35,
            Message::DeleteAccessspec(_) => 41,
            Message::DeleteAccessspecResponse(_) => 51,
            Message::RoAccessReport(_) => 61,
            Message::Keepalive => 62,
            Message::ReaderEventNotification(_) => 63,
            Message::EnableEventsAndReports => 64,
            Message::KeepaliveAck => 72,
            Message::ErrorMessage(_) => 100,
            Message::CustomMessage(_) => CUSTOM_TYPE,
            Message::Other { msg_type, .. } => *msg_type & 0x03ff,
        }
    }

    /// The message's name (`RO_ACCESS_REPORT`).
    pub fn name(&self) -> &'static str {
        message_name(self.msg_type())
    }

    /// The status of a response or ERROR_MESSAGE.
    pub fn reply(&self) -> Option<&Status> {
        match self {
            Message::SetReaderConfigResponse(r)
            | Message::AddRospecResponse(r)
            | Message::DeleteRospecResponse(r)
            | Message::StartRospecResponse(r)
            | Message::StopRospecResponse(r)
            | Message::EnableRospecResponse(r)
            | Message::DisableRospecResponse(r)
            | Message::DeleteAccessspecResponse(r)
            | Message::ErrorMessage(r)
            | Message::CloseConnectionResponse(r) => Some(&r.status),
            Message::GetReaderCapabilitiesResponse(c) => Some(&c.status),
            Message::GetReaderConfigResponse { status, .. } => Some(status),
            _ => None,
        }
    }

    /// Encode with version 1 (LLRP 1.0.1) framing.
    pub fn encode(&self, id: u32) -> Result<Vec<u8>, EncodeError> {
        Envelope {
            version: 1,
            id,
            message: self.clone(),
        }
        .encode()
    }
}

impl Envelope {
    /// Decode one whole frame (exactly `length` bytes, as returned by the
    /// frame splitter).
    pub fn decode(frame: &[u8]) -> Result<Envelope, DecodeError> {
        let header = match check_frame(frame, usize::MAX)? {
            Framing::Complete(h) => h,
            Framing::NeedMore(n) => {
                return Err(DecodeError::new(
                    DecodeErrorKind::Truncated,
                    frame.len(),
                    format!("the frame is {n} bytes short of its length field"),
                ));
            }
        };
        if header.length as usize != frame.len() {
            return Err(DecodeError::new(
                DecodeErrorKind::TrailingBytes,
                header.length as usize,
                format!(
                    "the length field says {} bytes but the frame has {}",
                    header.length,
                    frame.len()
                ),
            ));
        }
        let body = frame.get(10..).unwrap_or(&[]);
        let mut r = Reader::new(body, 10);
        let message = decode_body(header.msg_type, &mut r)?;
        Ok(Envelope {
            version: header.version,
            id: header.id,
            message,
        })
    }

    /// Encode to a frame.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let m = &self.message;
        Writer::message(self.version, m.msg_type(), self.id, |w| encode_body(m, w))
    }
}

fn decode_body(ty: u16, r: &mut Reader<'_>) -> Result<Message, DecodeError> {
    let name = message_name(ty);
    let m = match ty {
        1 => {
            let requested = r.u8("RequestedData")?;
            let mut extra = Vec::new();
            while let Some(p) = r.param() {
                extra.push(Extra::decode(&p?, 0)?);
            }
            Message::GetReaderCapabilities { requested, extra }
        }
        11 => Message::GetReaderCapabilitiesResponse(Capabilities::decode(r)?),
        2 => Message::GetReaderConfig(GetReaderConfig::decode(r)?),
        12 => {
            let (status, config) = ReaderConfig::decode(r, true)?;
            Message::GetReaderConfigResponse {
                status: status.unwrap_or_default(),
                config,
            }
        }
        3 => {
            let reset = r.u8("ResetToFactoryDefault")? & 0x80 != 0;
            let (_, config) = ReaderConfig::decode(r, false)?;
            Message::SetReaderConfig {
                reset_to_factory_default: reset,
                config,
            }
        }
        13 => Message::SetReaderConfigResponse(Reply::decode(r, name)?),
        20 => {
            let mut spec = None;
            while let Some(p) = r.param() {
                let p = p?;
                if !p.tv && p.ty == RoSpec::TYPE {
                    set(&mut spec, RoSpec::decode(&p)?, &p)?;
                } else {
                    return Err(unexpected(&p, name));
                }
            }
            Message::AddRospec(required(spec, "ROSpec", r.offset())?)
        }
        30 => Message::AddRospecResponse(Reply::decode(r, name)?),
        21 => Message::DeleteRospec(id_body(r, name)?),
        31 => Message::DeleteRospecResponse(Reply::decode(r, name)?),
        22 => Message::StartRospec(id_body(r, name)?),
        32 => Message::StartRospecResponse(Reply::decode(r, name)?),
        23 => Message::StopRospec(id_body(r, name)?),
        33 => Message::StopRospecResponse(Reply::decode(r, name)?),
        24 => Message::EnableRospec(id_body(r, name)?),
        34 => Message::EnableRospecResponse(Reply::decode(r, name)?),
        25 => Message::DisableRospec(id_body(r, name)?),
        35 => Message::DisableRospecResponse(Reply::decode(r, name)?),
        41 => Message::DeleteAccessspec(id_body(r, name)?),
        51 => Message::DeleteAccessspecResponse(Reply::decode(r, name)?),
        64 => {
            r.finish(name)?;
            Message::EnableEventsAndReports
        }
        61 => Message::RoAccessReport(RoAccessReport::decode(r)?),
        63 => Message::ReaderEventNotification(ReaderEvent::decode_message(r)?),
        62 => {
            r.finish(name)?;
            Message::Keepalive
        }
        72 => {
            r.finish(name)?;
            Message::KeepaliveAck
        }
        100 => Message::ErrorMessage(Reply::decode(r, name)?),
        14 => {
            r.finish(name)?;
            Message::CloseConnection
        }
        4 => Message::CloseConnectionResponse(Reply::decode(r, name)?),
        CUSTOM_TYPE => {
            let vendor = r.u32("custom message vendor")?;
            let subtype = r.u8("custom message subtype")?;
            Message::CustomMessage(CustomMessage {
                vendor,
                subtype,
                data: r.rest().to_vec(),
            })
        }
        other => Message::Other {
            msg_type: other,
            body: r.rest().to_vec(),
        },
    };
    Ok(m)
}

fn encode_body(m: &Message, w: &mut Writer) {
    match m {
        Message::GetReaderCapabilities { requested, extra } => {
            w.u8(*requested);
            encode_extras(extra, w);
        }
        Message::GetReaderCapabilitiesResponse(c) => c.encode(w),
        Message::GetReaderConfig(g) => g.encode(w),
        Message::GetReaderConfigResponse { status, config } => {
            status.encode(w);
            config.encode(w, true);
        }
        Message::SetReaderConfig {
            reset_to_factory_default,
            config,
        } => {
            w.u8(if *reset_to_factory_default { 0x80 } else { 0 });
            config.encode(w, false);
        }
        Message::AddRospec(s) => s.encode(w),
        Message::DeleteRospec(id)
        | Message::StartRospec(id)
        | Message::StopRospec(id)
        | Message::EnableRospec(id)
        | Message::DisableRospec(id)
        | Message::DeleteAccessspec(id) => w.u32(*id),
        Message::SetReaderConfigResponse(r)
        | Message::AddRospecResponse(r)
        | Message::DeleteRospecResponse(r)
        | Message::StartRospecResponse(r)
        | Message::StopRospecResponse(r)
        | Message::EnableRospecResponse(r)
        | Message::DisableRospecResponse(r)
        | Message::DeleteAccessspecResponse(r)
        | Message::ErrorMessage(r)
        | Message::CloseConnectionResponse(r) => r.encode(w),
        Message::EnableEventsAndReports
        | Message::Keepalive
        | Message::KeepaliveAck
        | Message::CloseConnection => {}
        Message::RoAccessReport(r) => r.encode(w),
        Message::ReaderEventNotification(e) => e.encode(w),
        Message::CustomMessage(c) => {
            w.u32(c.vendor);
            w.u8(c.subtype);
            w.bytes(&c.data);
        }
        Message::Other { body, .. } => w.bytes(body),
    }
}

fn id_body(r: &mut Reader<'_>, name: &str) -> Result<u32, DecodeError> {
    let id = r.u32("ID")?;
    r.finish(name)?;
    Ok(id)
}

fn set<T>(slot: &mut Option<T>, v: T, p: &RawParam<'_>) -> Result<(), DecodeError> {
    if slot.is_some() {
        return Err(DecodeError::new(
            DecodeErrorKind::Duplicate,
            p.offset,
            format!("{} appears twice where once is allowed", pname(p)),
        ));
    }
    *slot = Some(v);
    Ok(())
}

fn required<T>(v: Option<T>, what: &str, offset: usize) -> Result<T, DecodeError> {
    v.ok_or_else(|| {
        DecodeError::new(
            DecodeErrorKind::Missing,
            offset,
            format!("required parameter {what} is missing"),
        )
    })
}

fn unexpected(p: &RawParam<'_>, inside: &str) -> DecodeError {
    DecodeError::new(
        DecodeErrorKind::BadParameter,
        p.offset,
        format!("{} (type {}) is not allowed in {inside}", pname(p), p.ty),
    )
}

fn pname(p: &RawParam<'_>) -> &'static str {
    if p.tv {
        super::codec::tv_name(p.ty as u8)
    } else {
        param_name(p.ty)
    }
}

fn flag(b: u8, bit: u8) -> bool {
    b & (1 << bit) != 0
}

fn bit(v: bool, bit: u8) -> u8 {
    if v { 1 << bit } else { 0 }
}

// ---------------------------------------------------------------------------
// Extensions: Custom and unknown parameters

/// A parameter lotstation does not model in that place: an Impinj extension
/// (decoded), another vendor's custom parameter or an unknown TLV (kept as
/// bytes so nothing is lost and the frame re-encodes).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub enum Extra {
    /// An Impinj custom parameter lotstation understands.
    Impinj(Impinj),
    /// Any other custom parameter (type 1023), skipped by its length.
    Custom {
        /// Vendor PEN.
        vendor: u32,
        /// Vendor's parameter subtype.
        subtype: u32,
        /// Bytes after the subtype.
        #[serde(serialize_with = "ser_hex")]
        data: Vec<u8>,
    },
    /// A parameter this container does not define, skipped by its length.
    Unknown {
        /// Type number.
        ty: u16,
        /// True for a TV parameter.
        tv: bool,
        /// Value bytes.
        #[serde(serialize_with = "ser_hex")]
        data: Vec<u8>,
    },
}

impl Extra {
    fn decode(p: &RawParam<'_>, depth: usize) -> Result<Extra, DecodeError> {
        if p.tv || p.ty != CUSTOM_TYPE {
            return Ok(Extra::Unknown {
                ty: p.ty,
                tv: p.tv,
                data: p.body.to_vec(),
            });
        }
        let mut r = p.reader();
        let vendor = r.u32("Custom vendor")?;
        let subtype = r.u32("Custom subtype")?;
        let at = r.offset();
        let data = r.rest();
        if vendor == IMPINJ_PEN
            && let Some(i) = Impinj::decode(subtype, data, at, depth)
        {
            return Ok(Extra::Impinj(i));
        }
        Ok(Extra::Custom {
            vendor,
            subtype,
            data: data.to_vec(),
        })
    }

    fn encode(&self, w: &mut Writer) {
        match self {
            Extra::Impinj(i) => w.tlv(CUSTOM_TYPE, "Custom", |w| {
                w.u32(IMPINJ_PEN);
                w.u32(i.subtype());
                i.encode_data(w);
            }),
            Extra::Custom {
                vendor,
                subtype,
                data,
            } => w.tlv(CUSTOM_TYPE, "Custom", |w| {
                w.u32(*vendor);
                w.u32(*subtype);
                w.bytes(data);
            }),
            Extra::Unknown { ty, tv: true, data } => {
                let ty8 = (*ty & 0x7f) as u8;
                if super::codec::tv_len(ty8) == Some(data.len()) {
                    w.tv(ty8, data);
                } else {
                    w.fail_with(
                        "TV parameter",
                        format!(
                            "type {ty} with {} bytes is not a known TV length",
                            data.len()
                        ),
                    );
                }
            }
            Extra::Unknown {
                ty,
                tv: false,
                data,
            } => {
                w.tlv(*ty, "parameter", |w| w.bytes(data));
            }
        }
    }
}

fn decode_extras_rest(r: &mut Reader<'_>, depth: usize) -> Result<Vec<Extra>, DecodeError> {
    let mut out = Vec::new();
    while let Some(p) = r.param() {
        out.push(Extra::decode(&p?, depth)?);
    }
    Ok(out)
}

fn encode_extras(extra: &[Extra], w: &mut Writer) {
    for e in extra {
        e.encode(w);
    }
}

/// Impinj custom parameters (vendor 25882) that a portal uses.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub enum Impinj {
    /// 21: ImpinjRequestedData (what GET_READER_CONFIG should add).
    RequestedData(u32),
    /// 23: ImpinjInventorySearchMode (3 = single target with suppression, "TagFocus").
    InventorySearchMode(u16),
    /// 37: ImpinjReaderTemperature, °C.
    ReaderTemperature(i16),
    /// 50: ImpinjTagReportContentSelector, holding the enables below.
    TagReportContentSelector(Vec<Extra>),
    /// 51: ImpinjEnableSerializedTID (1 = enabled).
    EnableSerializedTid(u16),
    /// 52: ImpinjEnableRFPhaseAngle (1 = enabled).
    EnableRfPhaseAngle(u16),
    /// 53: ImpinjEnablePeakRSSI (1 = enabled).
    EnablePeakRssi(u16),
    /// 55: ImpinjSerializedTID: TID memory words (FastID).
    SerializedTid {
        /// TID words.
        tid: Vec<u16>,
        /// Nested parameters (e.g. TID parity).
        extra: Vec<Extra>,
    },
    /// 56: ImpinjRFPhaseAngle, 0..4095 for 0..360°.
    RfPhaseAngle(u16),
    /// 57: ImpinjPeakRSSI in centi-dBm (-4806 = -48.06 dBm).
    PeakRssi(i16),
    /// 67: ImpinjEnableRFDopplerFrequency (1 = enabled).
    EnableRfDopplerFrequency(u16),
    /// 68: ImpinjRFDopplerFrequency (Impinj scaling).
    RfDopplerFrequency(i16),
}

impl Impinj {
    fn subtype(&self) -> u32 {
        match self {
            Impinj::RequestedData(_) => 21,
            Impinj::InventorySearchMode(_) => 23,
            Impinj::ReaderTemperature(_) => 37,
            Impinj::TagReportContentSelector(_) => 50,
            Impinj::EnableSerializedTid(_) => 51,
            Impinj::EnableRfPhaseAngle(_) => 52,
            Impinj::EnablePeakRssi(_) => 53,
            Impinj::SerializedTid { .. } => 55,
            Impinj::RfPhaseAngle(_) => 56,
            Impinj::PeakRssi(_) => 57,
            Impinj::EnableRfDopplerFrequency(_) => 67,
            Impinj::RfDopplerFrequency(_) => 68,
        }
    }

    /// Decode a known subtype whose data has the expected shape; `None`
    /// keeps it as a raw custom parameter (unknown subtype, other firmware's
    /// layout, or nesting past the depth bound).
    fn decode(subtype: u32, data: &[u8], at: usize, depth: usize) -> Option<Impinj> {
        let mut r = Reader::new(data, at);
        let exact_u16 = |r: &mut Reader<'_>| -> Option<u16> {
            let v = r.u16("").ok()?;
            r.is_empty().then_some(v)
        };
        let exact_i16 = |r: &mut Reader<'_>| -> Option<i16> {
            let v = r.i16("").ok()?;
            r.is_empty().then_some(v)
        };
        Some(match subtype {
            21 => {
                let v = r.u32("").ok()?;
                if !r.is_empty() {
                    return None;
                }
                Impinj::RequestedData(v)
            }
            23 => Impinj::InventorySearchMode(exact_u16(&mut r)?),
            37 => Impinj::ReaderTemperature(exact_i16(&mut r)?),
            50 => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                Impinj::TagReportContentSelector(decode_extras_rest(&mut r, depth + 1).ok()?)
            }
            51 => Impinj::EnableSerializedTid(exact_u16(&mut r)?),
            52 => Impinj::EnableRfPhaseAngle(exact_u16(&mut r)?),
            53 => Impinj::EnablePeakRssi(exact_u16(&mut r)?),
            55 => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                let tid = r.u16v("").ok()?;
                let extra = decode_extras_rest(&mut r, depth + 1).ok()?;
                Impinj::SerializedTid { tid, extra }
            }
            56 => Impinj::RfPhaseAngle(exact_u16(&mut r)?),
            57 => Impinj::PeakRssi(exact_i16(&mut r)?),
            67 => Impinj::EnableRfDopplerFrequency(exact_u16(&mut r)?),
            68 => Impinj::RfDopplerFrequency(exact_i16(&mut r)?),
            _ => return None,
        })
    }

    fn encode_data(&self, w: &mut Writer) {
        match self {
            Impinj::RequestedData(v) => w.u32(*v),
            Impinj::InventorySearchMode(v)
            | Impinj::EnableSerializedTid(v)
            | Impinj::EnableRfPhaseAngle(v)
            | Impinj::EnablePeakRssi(v)
            | Impinj::RfPhaseAngle(v)
            | Impinj::EnableRfDopplerFrequency(v) => w.u16(*v),
            Impinj::ReaderTemperature(v) | Impinj::PeakRssi(v) | Impinj::RfDopplerFrequency(v) => {
                w.i16(*v)
            }
            Impinj::TagReportContentSelector(e) => encode_extras(e, w),
            Impinj::SerializedTid { tid, extra } => {
                w.u16v("ImpinjSerializedTID", tid);
                encode_extras(extra, w);
            }
        }
    }
}

/// A CUSTOM_MESSAGE (type 1023), body kept as bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomMessage {
    /// Vendor PEN.
    pub vendor: u32,
    /// Vendor's message subtype.
    pub subtype: u8,
    /// Bytes after the subtype.
    #[serde(serialize_with = "ser_hex")]
    pub data: Vec<u8>,
}

impl CustomMessage {
    /// IMPINJ_ENABLE_EXTENSIONS (only for readers whose capabilities name Impinj).
    pub fn impinj_enable_extensions() -> CustomMessage {
        CustomMessage {
            vendor: IMPINJ_PEN,
            subtype: IMPINJ_ENABLE_EXTENSIONS,
            data: vec![0; 4],
        }
    }

    /// The LLRPStatus of a vendor response whose body is an LLRPStatus
    /// (IMPINJ_ENABLE_EXTENSIONS_RESPONSE), if it decodes.
    pub fn status(&self) -> Option<Status> {
        let mut r = Reader::new(&self.data, 15);
        let p = r.param()?.ok()?;
        (p.ty == Status::TYPE && !p.tv)
            .then(|| Status::decode(&p, 0).ok())
            .flatten()
    }
}

// ---------------------------------------------------------------------------
// LLRPStatus

/// LLRPStatus: the outcome of a request, with the reader's own words and the
/// path to the offending parameter and field when it gives one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Status {
    /// 0 = M_Success.
    pub code: u16,
    /// The reader's description (may be empty).
    pub description: String,
    /// The field of the message that was wrong.
    pub field_error: Option<FieldError>,
    /// The parameter that was wrong.
    pub parameter_error: Option<ParameterError>,
}

/// FieldError: which field, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Field number within its message or parameter (from 0).
    pub field: u16,
    /// Status code.
    pub code: u16,
}

/// ParameterError: which parameter, why, and possibly a nested cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParameterError {
    /// Parameter type number.
    pub param_type: u16,
    /// Status code.
    pub code: u16,
    /// The field of this parameter that was wrong.
    pub field_error: Option<FieldError>,
    /// A sub-parameter that was wrong.
    pub parameter_error: Option<Box<ParameterError>>,
}

/// Name of an LLRP status code.
pub const fn status_name(code: u16) -> &'static str {
    match code {
        0 => "M_Success",
        100 => "M_ParameterError",
        101 => "M_FieldError",
        102 => "M_UnexpectedParameter",
        103 => "M_MissingParameter",
        104 => "M_DuplicateParameter",
        105 => "M_OverflowParameter",
        106 => "M_OverflowField",
        107 => "M_UnknownParameter",
        108 => "M_UnknownField",
        109 => "M_UnsupportedMessage",
        110 => "M_UnsupportedVersion",
        111 => "M_UnsupportedParameter",
        112 => "M_UnexpectedMessage",
        200 => "P_ParameterError",
        201 => "P_FieldError",
        202 => "P_UnexpectedParameter",
        203 => "P_MissingParameter",
        204 => "P_DuplicateParameter",
        205 => "P_OverflowParameter",
        206 => "P_OverflowField",
        207 => "P_UnknownParameter",
        208 => "P_UnknownField",
        209 => "P_UnsupportedParameter",
        300 => "A_Invalid",
        301 => "A_OutOfRange",
        401 => "R_DeviceError",
        _ => "unknown status",
    }
}

impl Status {
    const TYPE: u16 = 287;

    /// A success status.
    pub fn success() -> Status {
        Status::default()
    }

    /// True for M_Success.
    pub fn is_success(&self) -> bool {
        self.code == 0
    }

    /// One line for a person: code, the reader's words and the error path,
    /// e.g. `M_ParameterError (100) "bad power": in ROSpec > AISpec field 2: P_FieldError (201)`.
    pub fn describe(&self) -> String {
        let mut s = format!("{} ({})", status_name(self.code), self.code);
        if !self.description.is_empty() {
            s.push_str(&format!(" \"{}\"", self.description));
        }
        if let Some(f) = &self.field_error {
            s.push_str(&format!(
                "; field {}: {} ({})",
                f.field,
                status_name(f.code),
                f.code
            ));
        }
        let mut p = self.parameter_error.as_ref();
        let mut path = Vec::new();
        let mut last = None;
        while let Some(e) = p {
            path.push(param_name(e.param_type));
            last = Some(e);
            p = e.parameter_error.as_deref();
        }
        if let Some(e) = last {
            s.push_str(&format!(
                "; in {}: {} ({})",
                path.join(" > "),
                status_name(e.code),
                e.code
            ));
            if let Some(f) = &e.field_error {
                s.push_str(&format!(
                    ", field {}: {} ({})",
                    f.field,
                    status_name(f.code),
                    f.code
                ));
            }
        }
        s
    }

    fn decode(p: &RawParam<'_>, depth: usize) -> Result<Status, DecodeError> {
        let mut r = p.reader();
        let code = r.u16("StatusCode")?;
        let description = r.utf8v("ErrorDescription")?;
        let (mut field_error, mut parameter_error) = (None, None);
        while let Some(q) = r.param() {
            let q = q?;
            match (q.tv, q.ty) {
                (false, 288) => set(&mut field_error, FieldError::decode(&q)?, &q)?,
                (false, 289) => set(
                    &mut parameter_error,
                    ParameterError::decode(&q, depth + 1)?,
                    &q,
                )?,
                _ => return Err(unexpected(&q, "LLRPStatus")),
            }
        }
        Ok(Status {
            code,
            description,
            field_error,
            parameter_error,
        })
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(Self::TYPE, "LLRPStatus", |w| {
            w.u16(self.code);
            w.utf8v("ErrorDescription", &self.description);
            if let Some(f) = &self.field_error {
                f.encode(w);
            }
            if let Some(p) = &self.parameter_error {
                p.encode(w);
            }
        });
    }
}

impl FieldError {
    fn decode(p: &RawParam<'_>) -> Result<FieldError, DecodeError> {
        let mut r = p.reader();
        let v = FieldError {
            field: r.u16("FieldNum")?,
            code: r.u16("ErrorCode")?,
        };
        r.finish("FieldError")?;
        Ok(v)
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(288, "FieldError", |w| {
            w.u16(self.field);
            w.u16(self.code);
        });
    }
}

impl ParameterError {
    fn decode(p: &RawParam<'_>, depth: usize) -> Result<ParameterError, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError::new(
                DecodeErrorKind::BadParameter,
                p.offset,
                format!("ParameterError nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let mut r = p.reader();
        let param_type = r.u16("ParameterType")?;
        let code = r.u16("ErrorCode")?;
        let (mut field_error, mut parameter_error) = (None, None);
        while let Some(q) = r.param() {
            let q = q?;
            match (q.tv, q.ty) {
                (false, 288) => set(&mut field_error, FieldError::decode(&q)?, &q)?,
                (false, 289) => set(
                    &mut parameter_error,
                    Box::new(ParameterError::decode(&q, depth + 1)?),
                    &q,
                )?,
                _ => return Err(unexpected(&q, "ParameterError")),
            }
        }
        Ok(ParameterError {
            param_type,
            code,
            field_error,
            parameter_error,
        })
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(289, "ParameterError", |w| {
            w.u16(self.param_type);
            w.u16(self.code);
            if let Some(f) = &self.field_error {
                f.encode(w);
            }
            if let Some(p) = &self.parameter_error {
                p.encode(w);
            }
        });
    }
}

/// A response that carries an LLRPStatus (and, rarely, vendor parameters).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Reply {
    /// The outcome.
    pub status: Status,
    /// Anything after the status.
    pub extra: Vec<Extra>,
}

impl Reply {
    /// A success reply.
    pub fn success() -> Reply {
        Reply::default()
    }

    /// A failure with a code and description.
    pub fn error(code: u16, description: impl Into<String>) -> Reply {
        Reply {
            status: Status {
                code,
                description: description.into(),
                ..Status::default()
            },
            extra: Vec::new(),
        }
    }

    fn decode(r: &mut Reader<'_>, name: &str) -> Result<Reply, DecodeError> {
        let mut status = None;
        let mut extra = Vec::new();
        while let Some(p) = r.param() {
            let p = p?;
            if !p.tv && p.ty == Status::TYPE && status.is_none() {
                status = Some(Status::decode(&p, 0)?);
            } else {
                extra.push(Extra::decode(&p, 0)?);
            }
        }
        Ok(Reply {
            status: required(status, &format!("LLRPStatus of {name}"), r.offset())?,
            extra,
        })
    }

    fn encode(&self, w: &mut Writer) {
        self.status.encode(w);
        encode_extras(&self.extra, w);
    }
}

// ---------------------------------------------------------------------------
// Capabilities

/// GET_READER_CAPABILITIES_RESPONSE.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Capabilities {
    /// Outcome.
    pub status: Status,
    /// Manufacturer, model, antennas, GPIOs.
    pub general: Option<GeneralDeviceCapabilities>,
    /// Limits of the LLRP implementation.
    pub llrp: Option<LlrpCapabilities>,
    /// Region, power table, hop tables, RF modes.
    pub regulatory: Option<RegulatoryCapabilities>,
    /// C1G2LLRPCapabilities.
    pub c1g2: Option<C1g2Capabilities>,
    /// Vendor parameters.
    pub extra: Vec<Extra>,
}

/// GeneralDeviceCapabilities.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct GeneralDeviceCapabilities {
    /// Antenna ports.
    pub max_antennas: u16,
    /// Antenna properties can be set.
    pub can_set_antenna_properties: bool,
    /// The reader has a UTC clock.
    pub has_utc_clock: bool,
    /// Manufacturer's PEN (25882 Impinj, 161/10642 Zebra).
    pub manufacturer: u32,
    /// Model number.
    pub model: u32,
    /// Firmware version text.
    pub firmware: String,
    /// Receive sensitivity table: (index, dB).
    pub receive_sensitivity: Vec<(u16, i16)>,
    /// Per antenna: (antenna, min index, max index).
    pub receive_sensitivity_ranges: Vec<(u16, u16, u16)>,
    /// (GPIs, GPOs).
    pub gpio: Option<(u16, u16)>,
    /// Per antenna: (antenna, protocol ids).
    pub air_protocols: Vec<(u16, Vec<u8>)>,
    /// Anything else.
    pub extra: Vec<Extra>,
}

/// LLRPCapabilities.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct LlrpCapabilities {
    /// RF survey supported.
    pub can_do_rf_survey: bool,
    /// Report buffer fill warnings supported.
    pub can_report_buffer_fill_warning: bool,
    /// ClientRequestOpSpec supported.
    pub supports_client_request_op_spec: bool,
    /// State-aware singulation supported.
    pub can_do_state_aware_singulation: bool,
    /// Holding events and reports while disconnected supported.
    pub supports_event_and_report_holding: bool,
    /// ROSpec priority levels.
    pub max_priority_levels: u8,
    /// ClientRequestOpSpec timeout, ms.
    pub client_request_op_spec_timeout: u16,
    /// Most ROSpecs.
    pub max_rospecs: u32,
    /// Most specs per ROSpec.
    pub max_specs_per_rospec: u32,
    /// Most InventoryParameterSpecs per AISpec.
    pub max_inventory_parameter_specs_per_aispec: u32,
    /// Most AccessSpecs.
    pub max_access_specs: u32,
    /// Most OpSpecs per AccessSpec.
    pub max_op_specs_per_access_spec: u32,
}

/// RegulatoryCapabilities.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RegulatoryCapabilities {
    /// ISO 3166 numeric country code.
    pub country_code: u16,
    /// Communications standard (1 = FCC part 15, 2 = ETSI 302 208, ...).
    pub communications_standard: u16,
    /// The UHF band's tables.
    pub uhf_band: Option<UhfBandCapabilities>,
    /// Vendor parameters.
    pub extra: Vec<Extra>,
}

/// UHFBandCapabilities.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct UhfBandCapabilities {
    /// Transmit power table: (index, dBm × 100).
    pub power_levels: Vec<(u16, i16)>,
    /// Hopping flag, hop tables, fixed frequencies.
    pub frequency: FrequencyInformation,
    /// C1G2 RF mode tables.
    pub rf_mode_tables: Vec<Vec<RfMode>>,
    /// Anything else (LLRP 1.1 additions).
    pub extra: Vec<Extra>,
}

/// FrequencyInformation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct FrequencyInformation {
    /// The reader hops (FCC) rather than using fixed channels (ETSI).
    pub hopping: bool,
    /// Hop tables: (id, kHz frequencies).
    pub hop_tables: Vec<(u8, Vec<u32>)>,
    /// Fixed frequencies, kHz.
    pub fixed: Option<Vec<u32>>,
}

/// One C1G2UHFRFModeTableEntry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct RfMode {
    /// Mode identifier (used as C1G2RFControl.ModeIndex).
    pub id: u32,
    /// Divide ratio 64/3 (true) or 8 (false).
    pub dr: bool,
    /// EPC HAG T&C conformance.
    pub epc_hag_tc_conformance: bool,
    /// Miller M value.
    pub m: u8,
    /// Forward link modulation.
    pub forward_link_modulation: u8,
    /// Spectral mask indicator.
    pub spectral_mask: u8,
    /// Backscatter data rate, bps.
    pub bdr: u32,
    /// PIE ratio × 1000.
    pub pie: u32,
    /// Minimum Tari, ns.
    pub min_tari: u32,
    /// Maximum Tari, ns.
    pub max_tari: u32,
    /// Tari step, ns.
    pub step_tari: u32,
}

/// C1G2LLRPCapabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct C1g2Capabilities {
    /// Capability bits (block erase, block write, and LLRP 1.1 additions), as sent.
    pub flags: u8,
    /// Most select filters per query.
    pub max_select_filters: u16,
}

impl Capabilities {
    fn decode(r: &mut Reader<'_>) -> Result<Capabilities, DecodeError> {
        let mut c = Capabilities::default();
        let mut status = None;
        while let Some(p) = r.param() {
            let p = p?;
            match (p.tv, p.ty) {
                (false, 287) => set(&mut status, Status::decode(&p, 0)?, &p)?,
                (false, 137) => set(&mut c.general, GeneralDeviceCapabilities::decode(&p)?, &p)?,
                (false, 142) => set(&mut c.llrp, LlrpCapabilities::decode(&p)?, &p)?,
                (false, 143) => set(&mut c.regulatory, RegulatoryCapabilities::decode(&p)?, &p)?,
                (false, 327) => {
                    let mut q = p.reader();
                    let v = C1g2Capabilities {
                        flags: q.u8("C1G2LLRPCapabilities flags")?,
                        max_select_filters: q.u16("MaxNumSelectFiltersPerQuery")?,
                    };
                    q.finish("C1G2LLRPCapabilities")?;
                    set(&mut c.c1g2, v, &p)?;
                }
                _ => c.extra.push(Extra::decode(&p, 0)?),
            }
        }
        c.status = required(status, "LLRPStatus", r.offset())?;
        Ok(c)
    }

    fn encode(&self, w: &mut Writer) {
        self.status.encode(w);
        if let Some(g) = &self.general {
            g.encode(w);
        }
        if let Some(l) = &self.llrp {
            l.encode(w);
        }
        if let Some(g) = &self.regulatory {
            g.encode(w);
        }
        if let Some(c) = &self.c1g2 {
            w.tlv(327, "C1G2LLRPCapabilities", |w| {
                w.u8(c.flags);
                w.u16(c.max_select_filters);
            });
        }
        encode_extras(&self.extra, w);
    }

    /// The transmit power table as (index, dBm × 100).
    pub fn power_table(&self) -> &[(u16, i16)] {
        self.regulatory
            .as_ref()
            .and_then(|r| r.uhf_band.as_ref())
            .map_or(&[], |u| u.power_levels.as_slice())
    }

    /// The power index closest to `centi_dbm` without exceeding it (the
    /// lowest entry when every entry exceeds it).
    pub fn power_index(&self, centi_dbm: i32) -> Option<u16> {
        let table = self.power_table();
        table
            .iter()
            .filter(|(_, p)| i32::from(*p) <= centi_dbm)
            .max_by_key(|(_, p)| *p)
            .or_else(|| table.iter().min_by_key(|(_, p)| *p))
            .map(|(i, _)| *i)
    }

    /// The receive sensitivity index closest to `db` (the table's values are
    /// dB relative to the reader's maximum sensitivity).
    pub fn sensitivity_index(&self, db: i32) -> Option<u16> {
        self.general.as_ref().and_then(|g| {
            g.receive_sensitivity
                .iter()
                .min_by_key(|(_, v)| (i32::from(*v) - db).abs())
                .map(|(i, _)| *i)
        })
    }

    /// The manufacturer's PEN, 0 when not reported.
    pub fn manufacturer(&self) -> u32 {
        self.general.as_ref().map_or(0, |g| g.manufacturer)
    }
}

impl GeneralDeviceCapabilities {
    fn decode(p: &RawParam<'_>) -> Result<GeneralDeviceCapabilities, DecodeError> {
        let mut r = p.reader();
        let mut g = GeneralDeviceCapabilities {
            max_antennas: r.u16("MaxNumberOfAntennaSupported")?,
            ..Default::default()
        };
        let flags = r.u16("GeneralDeviceCapabilities flags")?;
        g.can_set_antenna_properties = flags & 0x8000 != 0;
        g.has_utc_clock = flags & 0x4000 != 0;
        g.manufacturer = r.u32("DeviceManufacturerName")?;
        g.model = r.u32("ModelName")?;
        g.firmware = r.utf8v("ReaderFirmwareVersion")?;
        while let Some(q) = r.param() {
            let q = q?;
            let mut s = q.reader();
            match (q.tv, q.ty) {
                (false, 139) => {
                    g.receive_sensitivity
                        .push((s.u16("Index")?, s.i16("ReceiveSensitivityValue")?));
                    s.finish("ReceiveSensitivityTableEntry")?;
                }
                (false, 149) => {
                    g.receive_sensitivity_ranges.push((
                        s.u16("AntennaID")?,
                        s.u16("ReceiveSensitivityIndexMin")?,
                        s.u16("ReceiveSensitivityIndexMax")?,
                    ));
                    s.finish("PerAntennaReceiveSensitivityRange")?;
                }
                (false, 141) => {
                    let v = (s.u16("NumGPIs")?, s.u16("NumGPOs")?);
                    s.finish("GPIOCapabilities")?;
                    set(&mut g.gpio, v, &q)?;
                }
                (false, 140) => {
                    g.air_protocols
                        .push((s.u16("AntennaID")?, s.u8v("ProtocolID")?));
                    s.finish("PerAntennaAirProtocol")?;
                }
                _ => g.extra.push(Extra::decode(&q, 0)?),
            }
        }
        Ok(g)
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(137, "GeneralDeviceCapabilities", |w| {
            w.u16(self.max_antennas);
            w.u16(
                if self.can_set_antenna_properties {
                    0x8000
                } else {
                    0
                } | if self.has_utc_clock { 0x4000 } else { 0 },
            );
            w.u32(self.manufacturer);
            w.u32(self.model);
            w.utf8v("ReaderFirmwareVersion", &self.firmware);
            for (i, v) in &self.receive_sensitivity {
                w.tlv(139, "ReceiveSensitivityTableEntry", |w| {
                    w.u16(*i);
                    w.i16(*v);
                });
            }
            for (a, lo, hi) in &self.receive_sensitivity_ranges {
                w.tlv(149, "PerAntennaReceiveSensitivityRange", |w| {
                    w.u16(*a);
                    w.u16(*lo);
                    w.u16(*hi);
                });
            }
            if let Some((i, o)) = self.gpio {
                w.tlv(141, "GPIOCapabilities", |w| {
                    w.u16(i);
                    w.u16(o);
                });
            }
            for (a, p) in &self.air_protocols {
                w.tlv(140, "PerAntennaAirProtocol", |w| {
                    w.u16(*a);
                    w.u8v("ProtocolID", p);
                });
            }
            encode_extras(&self.extra, w);
        });
    }
}

impl LlrpCapabilities {
    fn decode(p: &RawParam<'_>) -> Result<LlrpCapabilities, DecodeError> {
        let mut r = p.reader();
        let f = r.u8("LLRPCapabilities flags")?;
        let c = LlrpCapabilities {
            can_do_rf_survey: flag(f, 7),
            can_report_buffer_fill_warning: flag(f, 6),
            supports_client_request_op_spec: flag(f, 5),
            can_do_state_aware_singulation: flag(f, 4),
            supports_event_and_report_holding: flag(f, 3),
            max_priority_levels: r.u8("MaxNumPriorityLevelsSupported")?,
            client_request_op_spec_timeout: r.u16("ClientRequestOpSpecTimeout")?,
            max_rospecs: r.u32("MaxNumROSpecs")?,
            max_specs_per_rospec: r.u32("MaxNumSpecsPerROSpec")?,
            max_inventory_parameter_specs_per_aispec: r
                .u32("MaxNumInventoryParameterSpecsPerAISpec")?,
            max_access_specs: r.u32("MaxNumAccessSpecs")?,
            max_op_specs_per_access_spec: r.u32("MaxNumOpSpecsPerAccessSpec")?,
        };
        r.finish("LLRPCapabilities")?;
        Ok(c)
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(142, "LLRPCapabilities", |w| {
            w.u8(bit(self.can_do_rf_survey, 7)
                | bit(self.can_report_buffer_fill_warning, 6)
                | bit(self.supports_client_request_op_spec, 5)
                | bit(self.can_do_state_aware_singulation, 4)
                | bit(self.supports_event_and_report_holding, 3));
            w.u8(self.max_priority_levels);
            w.u16(self.client_request_op_spec_timeout);
            w.u32(self.max_rospecs);
            w.u32(self.max_specs_per_rospec);
            w.u32(self.max_inventory_parameter_specs_per_aispec);
            w.u32(self.max_access_specs);
            w.u32(self.max_op_specs_per_access_spec);
        });
    }
}

impl RegulatoryCapabilities {
    fn decode(p: &RawParam<'_>) -> Result<RegulatoryCapabilities, DecodeError> {
        let mut r = p.reader();
        let mut g = RegulatoryCapabilities {
            country_code: r.u16("CountryCode")?,
            communications_standard: r.u16("CommunicationsStandard")?,
            ..Default::default()
        };
        while let Some(q) = r.param() {
            let q = q?;
            match (q.tv, q.ty) {
                (false, 144) => set(&mut g.uhf_band, UhfBandCapabilities::decode(&q)?, &q)?,
                _ => g.extra.push(Extra::decode(&q, 0)?),
            }
        }
        Ok(g)
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(143, "RegulatoryCapabilities", |w| {
            w.u16(self.country_code);
            w.u16(self.communications_standard);
            if let Some(u) = &self.uhf_band {
                u.encode(w);
            }
            encode_extras(&self.extra, w);
        });
    }
}

impl UhfBandCapabilities {
    fn decode(p: &RawParam<'_>) -> Result<UhfBandCapabilities, DecodeError> {
        let mut r = p.reader();
        let mut u = UhfBandCapabilities::default();
        let mut freq = None;
        while let Some(q) = r.param() {
            let q = q?;
            let mut s = q.reader();
            match (q.tv, q.ty) {
                (false, 145) => {
                    u.power_levels
                        .push((s.u16("Index")?, s.i16("TransmitPowerValue")?));
                    s.finish("TransmitPowerLevelTableEntry")?;
                }
                (false, 146) => {
                    let mut f = FrequencyInformation {
                        hopping: flag(s.u8("Hopping")?, 7),
                        ..Default::default()
                    };
                    while let Some(t) = s.param() {
                        let t = t?;
                        let mut x = t.reader();
                        match (t.tv, t.ty) {
                            (false, 147) => {
                                let id = x.u8("HopTableID")?;
                                x.u8("reserved")?;
                                f.hop_tables.push((id, x.u32v("Frequency")?));
                                x.finish("FrequencyHopTable")?;
                            }
                            (false, 148) => {
                                let v = x.u32v("Frequency")?;
                                x.finish("FixedFrequencyTable")?;
                                set(&mut f.fixed, v, &t)?;
                            }
                            _ => return Err(unexpected(&t, "FrequencyInformation")),
                        }
                    }
                    set(&mut freq, f, &q)?;
                }
                (false, 328) => {
                    let mut table = Vec::new();
                    while let Some(t) = s.param() {
                        let t = t?;
                        if t.tv || t.ty != 329 {
                            return Err(unexpected(&t, "C1G2UHFRFModeTable"));
                        }
                        let mut x = t.reader();
                        let id = x.u32("ModeIdentifier")?;
                        let f = x.u8("DRValue")?;
                        table.push(RfMode {
                            id,
                            dr: flag(f, 7),
                            epc_hag_tc_conformance: flag(f, 6),
                            m: x.u8("MValue")?,
                            forward_link_modulation: x.u8("ForwardLinkModulation")?,
                            spectral_mask: x.u8("SpectralMaskIndicator")?,
                            bdr: x.u32("BDRValue")?,
                            pie: x.u32("PIEValue")?,
                            min_tari: x.u32("MinTariValue")?,
                            max_tari: x.u32("MaxTariValue")?,
                            step_tari: x.u32("StepTariValue")?,
                        });
                        x.finish("C1G2UHFRFModeTableEntry")?;
                    }
                    u.rf_mode_tables.push(table);
                }
                _ => u.extra.push(Extra::decode(&q, 0)?),
            }
        }
        u.frequency = required(freq, "FrequencyInformation", r.offset())?;
        Ok(u)
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(144, "UHFBandCapabilities", |w| {
            for (i, v) in &self.power_levels {
                w.tlv(145, "TransmitPowerLevelTableEntry", |w| {
                    w.u16(*i);
                    w.i16(*v);
                });
            }
            let f = &self.frequency;
            w.tlv(146, "FrequencyInformation", |w| {
                w.u8(bit(f.hopping, 7));
                for (id, freqs) in &f.hop_tables {
                    w.tlv(147, "FrequencyHopTable", |w| {
                        w.u8(*id);
                        w.u8(0);
                        w.u32v("Frequency", freqs);
                    });
                }
                if let Some(freqs) = &f.fixed {
                    w.tlv(148, "FixedFrequencyTable", |w| w.u32v("Frequency", freqs));
                }
            });
            for table in &self.rf_mode_tables {
                w.tlv(328, "C1G2UHFRFModeTable", |w| {
                    for m in table {
                        w.tlv(329, "C1G2UHFRFModeTableEntry", |w| {
                            w.u32(m.id);
                            w.u8(bit(m.dr, 7) | bit(m.epc_hag_tc_conformance, 6));
                            w.u8(m.m);
                            w.u8(m.forward_link_modulation);
                            w.u8(m.spectral_mask);
                            w.u32(m.bdr);
                            w.u32(m.pie);
                            w.u32(m.min_tari);
                            w.u32(m.max_tari);
                            w.u32(m.step_tari);
                        });
                    }
                });
            }
            encode_extras(&self.extra, w);
        });
    }
}

// ---------------------------------------------------------------------------
// Reader configuration

/// GET_READER_CONFIG.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct GetReaderConfig {
    /// Antenna (0 = all).
    pub antenna_id: u16,
    /// What to return (0 = all).
    pub requested: u8,
    /// GPI port (0 = all).
    pub gpi_port: u16,
    /// GPO port (0 = all).
    pub gpo_port: u16,
    /// Vendor parameters (e.g. Impinj requested data).
    pub extra: Vec<Extra>,
}

impl GetReaderConfig {
    fn decode(r: &mut Reader<'_>) -> Result<GetReaderConfig, DecodeError> {
        Ok(GetReaderConfig {
            antenna_id: r.u16("AntennaID")?,
            requested: r.u8("RequestedData")?,
            gpi_port: r.u16("GPIPortNum")?,
            gpo_port: r.u16("GPOPortNum")?,
            extra: decode_extras_rest(r, 0)?,
        })
    }

    fn encode(&self, w: &mut Writer) {
        w.u16(self.antenna_id);
        w.u8(self.requested);
        w.u16(self.gpi_port);
        w.u16(self.gpo_port);
        encode_extras(&self.extra, w);
    }
}

/// The parameters of SET_READER_CONFIG and GET_READER_CONFIG_RESPONSE.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ReaderConfig {
    /// Identification (response only): (id type, reader id bytes).
    pub identification: Option<(u8, Vec<u8>)>,
    /// AntennaProperties.
    pub antenna_properties: Vec<AntennaProperties>,
    /// AntennaConfiguration.
    pub antenna_configurations: Vec<AntennaConfiguration>,
    /// ReaderEventNotificationSpec: (event type, enabled).
    pub event_notifications: Option<Vec<(u16, bool)>>,
    /// Default ROReportSpec.
    pub ro_report_spec: Option<RoReportSpec>,
    /// AccessReportSpec trigger.
    pub access_report_trigger: Option<u8>,
    /// LLRPConfigurationStateValue (response only).
    pub config_state_value: Option<u32>,
    /// KeepaliveSpec.
    pub keepalive: Option<KeepaliveSpec>,
    /// GPIPortCurrentState.
    pub gpi_states: Vec<GpiPortState>,
    /// GPOWriteData: (port, level).
    pub gpo_data: Vec<(u16, bool)>,
    /// EventsAndReports: hold events and reports while disconnected.
    pub hold_events_and_reports: Option<bool>,
    /// Vendor parameters.
    pub extra: Vec<Extra>,
}

/// ReaderEventNotificationSpec event types.
pub mod event_type {
    /// Upon hopping to next channel.
    pub const HOPPING: u16 = 0;
    /// GPI event.
    pub const GPI: u16 = 1;
    /// ROSpec event.
    pub const ROSPEC: u16 = 2;
    /// Report buffer fill warning.
    pub const REPORT_BUFFER_FILL_WARNING: u16 = 3;
    /// Reader exception event.
    pub const READER_EXCEPTION: u16 = 4;
    /// RF survey event.
    pub const RF_SURVEY: u16 = 5;
    /// AISpec event.
    pub const AISPEC: u16 = 6;
    /// AISpec event with details.
    pub const AISPEC_WITH_DETAILS: u16 = 7;
    /// Antenna event.
    pub const ANTENNA: u16 = 8;
}

/// AntennaProperties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AntennaProperties {
    /// A cable and antenna are connected.
    pub connected: bool,
    /// Antenna id.
    pub antenna_id: u16,
    /// Gain, dBi × 100.
    pub gain: i16,
}

/// GPIPortCurrentState.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GpiPortState {
    /// Port number.
    pub port: u16,
    /// Enabled.
    pub config: bool,
    /// 0 low, 1 high, 2 unknown.
    pub state: u8,
}

/// KeepaliveSpec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeepaliveSpec {
    /// 0 = none, 1 = periodic.
    pub trigger: u8,
    /// Period, ms.
    pub period_ms: u32,
}

impl ReaderConfig {
    /// Decode the parameter list; `response` also accepts (and returns) the
    /// LLRPStatus of GET_READER_CONFIG_RESPONSE.
    fn decode(
        r: &mut Reader<'_>,
        response: bool,
    ) -> Result<(Option<Status>, ReaderConfig), DecodeError> {
        let mut c = ReaderConfig::default();
        let mut status = None;
        while let Some(p) = r.param() {
            let p = p?;
            let mut s = p.reader();
            match (p.tv, p.ty) {
                (false, 287) if response => set(&mut status, Status::decode(&p, 0)?, &p)?,
                (false, 218) => {
                    let v = (s.u8("IDType")?, s.u8v("ReaderID")?);
                    s.finish("Identification")?;
                    set(&mut c.identification, v, &p)?;
                }
                (false, 221) => {
                    let f = s.u8("AntennaConnected")?;
                    c.antenna_properties.push(AntennaProperties {
                        connected: flag(f, 7),
                        antenna_id: s.u16("AntennaID")?,
                        gain: s.i16("AntennaGain")?,
                    });
                    s.finish("AntennaProperties")?;
                }
                (false, 222) => c
                    .antenna_configurations
                    .push(AntennaConfiguration::decode(&p)?),
                (false, 244) => {
                    let mut list = Vec::new();
                    while let Some(q) = s.param() {
                        let q = q?;
                        if q.tv || q.ty != 245 {
                            return Err(unexpected(&q, "ReaderEventNotificationSpec"));
                        }
                        let mut x = q.reader();
                        list.push((x.u16("EventType")?, flag(x.u8("NotificationState")?, 7)));
                        x.finish("EventNotificationState")?;
                    }
                    set(&mut c.event_notifications, list, &p)?;
                }
                (false, 237) => set(&mut c.ro_report_spec, RoReportSpec::decode(&p)?, &p)?,
                (false, 239) => {
                    let v = s.u8("AccessReportTrigger")?;
                    s.finish("AccessReportSpec")?;
                    set(&mut c.access_report_trigger, v, &p)?;
                }
                (false, 217) => {
                    let v = s.u32("LLRPConfigurationStateValue")?;
                    s.finish("LLRPConfigurationStateValue")?;
                    set(&mut c.config_state_value, v, &p)?;
                }
                (false, 220) => {
                    let v = KeepaliveSpec {
                        trigger: s.u8("KeepaliveTriggerType")?,
                        period_ms: s.u32("PeriodicTriggerValue")?,
                    };
                    s.finish("KeepaliveSpec")?;
                    set(&mut c.keepalive, v, &p)?;
                }
                (false, 225) => {
                    let port = s.u16("GPIPortNum")?;
                    let config = flag(s.u8("Config")?, 7);
                    c.gpi_states.push(GpiPortState {
                        port,
                        config,
                        state: s.u8("State")?,
                    });
                    s.finish("GPIPortCurrentState")?;
                }
                (false, 219) => {
                    c.gpo_data
                        .push((s.u16("GPOPortNumber")?, flag(s.u8("GPOData")?, 7)));
                    s.finish("GPOWriteData")?;
                }
                (false, 226) => {
                    let v = flag(s.u8("HoldEventsAndReportsUponReconnect")?, 7);
                    s.finish("EventsAndReports")?;
                    set(&mut c.hold_events_and_reports, v, &p)?;
                }
                _ => c.extra.push(Extra::decode(&p, 0)?),
            }
        }
        if response && status.is_none() {
            return Err(DecodeError::new(
                DecodeErrorKind::Missing,
                r.offset(),
                "required parameter LLRPStatus is missing",
            ));
        }
        Ok((status, c))
    }

    /// Encode in the order of SET_READER_CONFIG or, with `response`, of
    /// GET_READER_CONFIG_RESPONSE (the status is written by the caller).
    fn encode(&self, w: &mut Writer, response: bool) {
        let events = |w: &mut Writer| {
            if let Some(list) = &self.event_notifications {
                w.tlv(244, "ReaderEventNotificationSpec", |w| {
                    for (t, on) in list {
                        w.tlv(245, "EventNotificationState", |w| {
                            w.u16(*t);
                            w.u8(bit(*on, 7));
                        });
                    }
                });
            }
        };
        let antennas = |w: &mut Writer| {
            for a in &self.antenna_properties {
                w.tlv(221, "AntennaProperties", |w| {
                    w.u8(bit(a.connected, 7));
                    w.u16(a.antenna_id);
                    w.i16(a.gain);
                });
            }
            for a in &self.antenna_configurations {
                a.encode(w);
            }
        };
        let gpi = |w: &mut Writer| {
            for g in &self.gpi_states {
                w.tlv(225, "GPIPortCurrentState", |w| {
                    w.u16(g.port);
                    w.u8(bit(g.config, 7));
                    w.u8(g.state);
                });
            }
        };
        let gpo = |w: &mut Writer| {
            for (port, on) in &self.gpo_data {
                w.tlv(219, "GPOWriteData", |w| {
                    w.u16(*port);
                    w.u8(bit(*on, 7));
                });
            }
        };
        let access = |w: &mut Writer| {
            if let Some(t) = self.access_report_trigger {
                w.tlv(239, "AccessReportSpec", |w| w.u8(t));
            }
        };
        let keepalive = |w: &mut Writer| {
            if let Some(k) = &self.keepalive {
                w.tlv(220, "KeepaliveSpec", |w| {
                    w.u8(k.trigger);
                    w.u32(k.period_ms);
                });
            }
        };
        if response {
            if let Some((t, id)) = &self.identification {
                w.tlv(218, "Identification", |w| {
                    w.u8(*t);
                    w.u8v("ReaderID", id);
                });
            }
            antennas(w);
            events(w);
            if let Some(s) = &self.ro_report_spec {
                s.encode(w);
            }
            access(w);
            if let Some(v) = self.config_state_value {
                w.tlv(217, "LLRPConfigurationStateValue", |w| w.u32(v));
            }
            keepalive(w);
            gpi(w);
            gpo(w);
        } else {
            events(w);
            antennas(w);
            if let Some(s) = &self.ro_report_spec {
                s.encode(w);
            }
            access(w);
            keepalive(w);
            gpo(w);
            gpi(w);
            // Not part of SET_READER_CONFIG; written so nothing decoded is lost.
            if let Some((t, id)) = &self.identification {
                w.tlv(218, "Identification", |w| {
                    w.u8(*t);
                    w.u8v("ReaderID", id);
                });
            }
            if let Some(v) = self.config_state_value {
                w.tlv(217, "LLRPConfigurationStateValue", |w| w.u32(v));
            }
        }
        if let Some(h) = self.hold_events_and_reports {
            w.tlv(226, "EventsAndReports", |w| w.u8(bit(h, 7)));
        }
        encode_extras(&self.extra, w);
    }
}

// ---------------------------------------------------------------------------
// ROSpec

/// ROSpec: what the reader does (ADD_ROSPEC).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoSpec {
    /// ROSpec id (non-zero).
    pub id: u32,
    /// Priority (0 highest).
    pub priority: u8,
    /// 0 disabled, 1 inactive, 2 active.
    pub current_state: u8,
    /// Start and stop triggers.
    pub start: StartTrigger,
    /// Stop trigger.
    pub stop: StopTrigger,
    /// AISpecs (and other spec kinds, kept as bytes).
    pub specs: Vec<Spec>,
    /// How the reader reports.
    pub report: Option<RoReportSpec>,
}

/// ROSpecStartTrigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StartTrigger {
    /// 0 null (START_ROSPEC), 1 immediate, 2 periodic, 3 GPI.
    pub kind: u8,
    /// PeriodicTriggerValue: (offset ms, period ms, UTC start µs).
    pub periodic: Option<(u32, u32, Option<u64>)>,
    /// GPITriggerValue.
    pub gpi: Option<GpiTrigger>,
}

/// ROSpecStopTrigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StopTrigger {
    /// 0 null (STOP_ROSPEC), 1 duration, 2 GPI with timeout.
    pub kind: u8,
    /// Duration, ms.
    pub duration_ms: u32,
    /// GPITriggerValue.
    pub gpi: Option<GpiTrigger>,
}

/// GPITriggerValue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GpiTrigger {
    /// Port.
    pub port: u16,
    /// Level that fires (true = high).
    pub event: bool,
    /// Timeout, ms (0 = none).
    pub timeout_ms: u32,
}

/// One spec of a ROSpec.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Spec {
    /// An antenna inventory.
    Ai(AiSpec),
    /// RFSurveySpec, LoopSpec or vendor specs, kept as bytes.
    Other(Extra),
}

/// AISpec.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AiSpec {
    /// Antennas (0 = all).
    pub antennas: Vec<u16>,
    /// AISpecStopTrigger.
    pub stop: AiStopTrigger,
    /// Inventory parameters.
    pub inventory: Vec<InventoryParameterSpec>,
    /// Vendor parameters.
    pub extra: Vec<Extra>,
}

/// AISpecStopTrigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AiStopTrigger {
    /// 0 null, 1 duration, 2 GPI with timeout, 3 tag observation.
    pub kind: u8,
    /// Duration, ms.
    pub duration_ms: u32,
    /// GPITriggerValue.
    pub gpi: Option<GpiTrigger>,
    /// TagObservationTrigger: (type, tags, attempts, T ms, timeout ms).
    pub tag_observation: Option<(u8, u16, u16, u16, u32)>,
}

/// InventoryParameterSpec.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryParameterSpec {
    /// Id (non-zero).
    pub id: u16,
    /// Air protocol (1 = EPC Class 1 Gen 2).
    pub protocol: u8,
    /// Per-antenna settings.
    pub antenna_configurations: Vec<AntennaConfiguration>,
    /// Vendor parameters.
    pub extra: Vec<Extra>,
}

/// AntennaConfiguration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AntennaConfiguration {
    /// Antenna (0 = all).
    pub antenna_id: u16,
    /// RFReceiver sensitivity index.
    pub receiver_sensitivity: Option<u16>,
    /// RFTransmitter: (hop table id, channel index, power index).
    pub transmitter: Option<(u16, u16, u16)>,
    /// C1G2InventoryCommand.
    pub c1g2: Vec<C1g2InventoryCommand>,
    /// Vendor parameters.
    pub extra: Vec<Extra>,
}

/// C1G2InventoryCommand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct C1g2InventoryCommand {
    /// Tag-inventory-state-aware.
    pub state_aware: bool,
    /// C1G2Filter parameters, kept as bytes.
    pub filters: Vec<Extra>,
    /// C1G2RFControl: (mode index, Tari ns).
    pub rf_control: Option<(u16, u16)>,
    /// C1G2SingulationControl.
    pub singulation: Option<Singulation>,
    /// Vendor parameters (Impinj search mode).
    pub extra: Vec<Extra>,
}

/// C1G2SingulationControl.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Singulation {
    /// Gen2 session 0..3.
    pub session: u8,
    /// Expected tag population.
    pub tag_population: u16,
    /// Tag transit time, ms.
    pub tag_transit_time_ms: u32,
    /// State-aware singulation action, kept as bytes.
    pub state_aware_action: Option<Extra>,
}

/// ROReportSpec.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoReportSpec {
    /// 0 none, 1 upon N tags or end of AISpec, 2 upon N tags or end of ROSpec.
    pub trigger: u8,
    /// N (0 = unlimited).
    pub n: u16,
    /// Which fields each TagReportData carries.
    pub content: ContentSelector,
    /// Vendor parameters (Impinj content selector).
    pub extra: Vec<Extra>,
}

/// TagReportContentSelector.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ContentSelector {
    /// ROSpecID.
    pub rospec_id: bool,
    /// SpecIndex.
    pub spec_index: bool,
    /// InventoryParameterSpecID.
    pub inventory_parameter_spec_id: bool,
    /// AntennaID.
    pub antenna_id: bool,
    /// ChannelIndex.
    pub channel_index: bool,
    /// PeakRSSI.
    pub peak_rssi: bool,
    /// FirstSeenTimestamp.
    pub first_seen: bool,
    /// LastSeenTimestamp.
    pub last_seen: bool,
    /// TagSeenCount.
    pub tag_seen_count: bool,
    /// AccessSpecID.
    pub access_spec_id: bool,
    /// C1G2EPCMemorySelector flags (CRC bit 7, PC bit 6, XPC bit 5), one per selector.
    pub c1g2_memory: Vec<u8>,
}

impl RoSpec {
    const TYPE: u16 = 177;

    fn decode(p: &RawParam<'_>) -> Result<RoSpec, DecodeError> {
        let mut r = p.reader();
        let id = r.u32("ROSpecID")?;
        let priority = r.u8("Priority")?;
        let current_state = r.u8("CurrentState")?;
        let mut boundary = None;
        let mut specs = Vec::new();
        let mut report = None;
        while let Some(q) = r.param() {
            let q = q?;
            match (q.tv, q.ty) {
                (false, 178) => set(&mut boundary, decode_boundary(&q)?, &q)?,
                (false, 183) => specs.push(Spec::Ai(AiSpec::decode(&q)?)),
                (false, 237) => set(&mut report, RoReportSpec::decode(&q)?, &q)?,
                _ => specs.push(Spec::Other(Extra::decode(&q, 0)?)),
            }
        }
        let (start, stop) = required(boundary, "ROBoundarySpec", r.offset())?;
        Ok(RoSpec {
            id,
            priority,
            current_state,
            start,
            stop,
            specs,
            report,
        })
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(Self::TYPE, "ROSpec", |w| {
            w.u32(self.id);
            w.u8(self.priority);
            w.u8(self.current_state);
            w.tlv(178, "ROBoundarySpec", |w| {
                w.tlv(179, "ROSpecStartTrigger", |w| {
                    w.u8(self.start.kind);
                    if let Some((offset, period, utc)) = self.start.periodic {
                        w.tlv(180, "PeriodicTriggerValue", |w| {
                            w.u32(offset);
                            w.u32(period);
                            if let Some(t) = utc {
                                w.tlv(128, "UTCTimestamp", |w| w.u64(t));
                            }
                        });
                    }
                    if let Some(g) = &self.start.gpi {
                        g.encode(w);
                    }
                });
                w.tlv(182, "ROSpecStopTrigger", |w| {
                    w.u8(self.stop.kind);
                    w.u32(self.stop.duration_ms);
                    if let Some(g) = &self.stop.gpi {
                        g.encode(w);
                    }
                });
            });
            for s in &self.specs {
                match s {
                    Spec::Ai(a) => a.encode(w),
                    Spec::Other(e) => e.encode(w),
                }
            }
            if let Some(r) = &self.report {
                r.encode(w);
            }
        });
    }
}

fn decode_boundary(p: &RawParam<'_>) -> Result<(StartTrigger, StopTrigger), DecodeError> {
    let mut r = p.reader();
    let (mut start, mut stop) = (None, None);
    while let Some(q) = r.param() {
        let q = q?;
        let mut s = q.reader();
        match (q.tv, q.ty) {
            (false, 179) => {
                let mut t = StartTrigger {
                    kind: s.u8("ROSpecStartTriggerType")?,
                    periodic: None,
                    gpi: None,
                };
                while let Some(x) = s.param() {
                    let x = x?;
                    match (x.tv, x.ty) {
                        (false, 180) => {
                            let mut y = x.reader();
                            let offset = y.u32("Offset")?;
                            let period = y.u32("Period")?;
                            let mut utc = None;
                            while let Some(z) = y.param() {
                                let z = z?;
                                if z.tv || z.ty != 128 {
                                    return Err(unexpected(&z, "PeriodicTriggerValue"));
                                }
                                let mut zz = z.reader();
                                let v = zz.u64("UTCTimestamp")?;
                                zz.finish("UTCTimestamp")?;
                                set(&mut utc, v, &z)?;
                            }
                            set(&mut t.periodic, (offset, period, utc), &x)?;
                        }
                        (false, 181) => set(&mut t.gpi, GpiTrigger::decode(&x)?, &x)?,
                        _ => return Err(unexpected(&x, "ROSpecStartTrigger")),
                    }
                }
                set(&mut start, t, &q)?;
            }
            (false, 182) => {
                let mut t = StopTrigger {
                    kind: s.u8("ROSpecStopTriggerType")?,
                    duration_ms: s.u32("DurationTriggerValue")?,
                    gpi: None,
                };
                while let Some(x) = s.param() {
                    let x = x?;
                    match (x.tv, x.ty) {
                        (false, 181) => set(&mut t.gpi, GpiTrigger::decode(&x)?, &x)?,
                        _ => return Err(unexpected(&x, "ROSpecStopTrigger")),
                    }
                }
                set(&mut stop, t, &q)?;
            }
            _ => return Err(unexpected(&q, "ROBoundarySpec")),
        }
    }
    Ok((
        required(start, "ROSpecStartTrigger", r.offset())?,
        required(stop, "ROSpecStopTrigger", r.offset())?,
    ))
}

impl GpiTrigger {
    fn decode(p: &RawParam<'_>) -> Result<GpiTrigger, DecodeError> {
        let mut r = p.reader();
        let g = GpiTrigger {
            port: r.u16("GPIPortNum")?,
            event: flag(r.u8("GPIEvent")?, 7),
            timeout_ms: r.u32("Timeout")?,
        };
        r.finish("GPITriggerValue")?;
        Ok(g)
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(181, "GPITriggerValue", |w| {
            w.u16(self.port);
            w.u8(bit(self.event, 7));
            w.u32(self.timeout_ms);
        });
    }
}

impl AiSpec {
    fn decode(p: &RawParam<'_>) -> Result<AiSpec, DecodeError> {
        let mut r = p.reader();
        let antennas = r.u16v("AntennaIDs")?;
        let mut stop = None;
        let mut inventory = Vec::new();
        let mut extra = Vec::new();
        while let Some(q) = r.param() {
            let q = q?;
            let mut s = q.reader();
            match (q.tv, q.ty) {
                (false, 184) => {
                    let mut t = AiStopTrigger {
                        kind: s.u8("AISpecStopTriggerType")?,
                        duration_ms: s.u32("DurationTrigger")?,
                        gpi: None,
                        tag_observation: None,
                    };
                    while let Some(x) = s.param() {
                        let x = x?;
                        match (x.tv, x.ty) {
                            (false, 181) => set(&mut t.gpi, GpiTrigger::decode(&x)?, &x)?,
                            (false, 185) => {
                                let mut y = x.reader();
                                let kind = y.u8("TriggerType")?;
                                y.u8("reserved")?;
                                let v = (
                                    kind,
                                    y.u16("NumberOfTags")?,
                                    y.u16("NumberOfAttempts")?,
                                    y.u16("T")?,
                                    y.u32("Timeout")?,
                                );
                                y.finish("TagObservationTrigger")?;
                                set(&mut t.tag_observation, v, &x)?;
                            }
                            _ => return Err(unexpected(&x, "AISpecStopTrigger")),
                        }
                    }
                    set(&mut stop, t, &q)?;
                }
                (false, 186) => {
                    let id = s.u16("InventoryParameterSpecID")?;
                    let protocol = s.u8("ProtocolID")?;
                    let mut ipc = InventoryParameterSpec {
                        id,
                        protocol,
                        antenna_configurations: Vec::new(),
                        extra: Vec::new(),
                    };
                    while let Some(x) = s.param() {
                        let x = x?;
                        match (x.tv, x.ty) {
                            (false, 222) => ipc
                                .antenna_configurations
                                .push(AntennaConfiguration::decode(&x)?),
                            _ => ipc.extra.push(Extra::decode(&x, 0)?),
                        }
                    }
                    inventory.push(ipc);
                }
                _ => extra.push(Extra::decode(&q, 0)?),
            }
        }
        Ok(AiSpec {
            antennas,
            stop: required(stop, "AISpecStopTrigger", r.offset())?,
            inventory,
            extra,
        })
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(183, "AISpec", |w| {
            w.u16v("AntennaIDs", &self.antennas);
            let t = &self.stop;
            w.tlv(184, "AISpecStopTrigger", |w| {
                w.u8(t.kind);
                w.u32(t.duration_ms);
                if let Some(g) = &t.gpi {
                    g.encode(w);
                }
                if let Some((kind, tags, attempts, tt, timeout)) = t.tag_observation {
                    w.tlv(185, "TagObservationTrigger", |w| {
                        w.u8(kind);
                        w.u8(0);
                        w.u16(tags);
                        w.u16(attempts);
                        w.u16(tt);
                        w.u32(timeout);
                    });
                }
            });
            for i in &self.inventory {
                w.tlv(186, "InventoryParameterSpec", |w| {
                    w.u16(i.id);
                    w.u8(i.protocol);
                    for a in &i.antenna_configurations {
                        a.encode(w);
                    }
                    encode_extras(&i.extra, w);
                });
            }
            encode_extras(&self.extra, w);
        });
    }
}

impl AntennaConfiguration {
    fn decode(p: &RawParam<'_>) -> Result<AntennaConfiguration, DecodeError> {
        let mut r = p.reader();
        let mut a = AntennaConfiguration {
            antenna_id: r.u16("AntennaID")?,
            receiver_sensitivity: None,
            transmitter: None,
            c1g2: Vec::new(),
            extra: Vec::new(),
        };
        while let Some(q) = r.param() {
            let q = q?;
            let mut s = q.reader();
            match (q.tv, q.ty) {
                (false, 223) => {
                    let v = s.u16("ReceiverSensitivity")?;
                    s.finish("RFReceiver")?;
                    set(&mut a.receiver_sensitivity, v, &q)?;
                }
                (false, 224) => {
                    let v = (
                        s.u16("HopTableID")?,
                        s.u16("ChannelIndex")?,
                        s.u16("TransmitPower")?,
                    );
                    s.finish("RFTransmitter")?;
                    set(&mut a.transmitter, v, &q)?;
                }
                (false, 330) => a.c1g2.push(C1g2InventoryCommand::decode(&q)?),
                _ => a.extra.push(Extra::decode(&q, 0)?),
            }
        }
        Ok(a)
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(222, "AntennaConfiguration", |w| {
            w.u16(self.antenna_id);
            if let Some(v) = self.receiver_sensitivity {
                w.tlv(223, "RFReceiver", |w| w.u16(v));
            }
            if let Some((hop, channel, power)) = self.transmitter {
                w.tlv(224, "RFTransmitter", |w| {
                    w.u16(hop);
                    w.u16(channel);
                    w.u16(power);
                });
            }
            for c in &self.c1g2 {
                c.encode(w);
            }
            encode_extras(&self.extra, w);
        });
    }
}

impl C1g2InventoryCommand {
    fn decode(p: &RawParam<'_>) -> Result<C1g2InventoryCommand, DecodeError> {
        let mut r = p.reader();
        let mut c = C1g2InventoryCommand {
            state_aware: flag(r.u8("TagInventoryStateAware")?, 7),
            filters: Vec::new(),
            rf_control: None,
            singulation: None,
            extra: Vec::new(),
        };
        while let Some(q) = r.param() {
            let q = q?;
            let mut s = q.reader();
            match (q.tv, q.ty) {
                (false, 331) => c.filters.push(Extra::decode(&q, 0)?),
                (false, 335) => {
                    let v = (s.u16("ModeIndex")?, s.u16("Tari")?);
                    s.finish("C1G2RFControl")?;
                    set(&mut c.rf_control, v, &q)?;
                }
                (false, 336) => {
                    let session = s.u8("Session")? >> 6;
                    let tag_population = s.u16("TagPopulation")?;
                    let tag_transit_time_ms = s.u32("TagTransitTime")?;
                    let mut action = None;
                    while let Some(x) = s.param() {
                        let x = x?;
                        set(&mut action, Extra::decode(&x, 0)?, &x)?;
                    }
                    set(
                        &mut c.singulation,
                        Singulation {
                            session,
                            tag_population,
                            tag_transit_time_ms,
                            state_aware_action: action,
                        },
                        &q,
                    )?;
                }
                _ => c.extra.push(Extra::decode(&q, 0)?),
            }
        }
        Ok(c)
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(330, "C1G2InventoryCommand", |w| {
            w.u8(bit(self.state_aware, 7));
            for f in &self.filters {
                f.encode(w);
            }
            if let Some((mode, tari)) = self.rf_control {
                w.tlv(335, "C1G2RFControl", |w| {
                    w.u16(mode);
                    w.u16(tari);
                });
            }
            if let Some(s) = &self.singulation {
                w.tlv(336, "C1G2SingulationControl", |w| {
                    w.u8((s.session & 0x03) << 6);
                    w.u16(s.tag_population);
                    w.u32(s.tag_transit_time_ms);
                    if let Some(a) = &s.state_aware_action {
                        a.encode(w);
                    }
                });
            }
            encode_extras(&self.extra, w);
        });
    }
}

impl RoReportSpec {
    fn decode(p: &RawParam<'_>) -> Result<RoReportSpec, DecodeError> {
        let mut r = p.reader();
        let trigger = r.u8("ROReportTrigger")?;
        let n = r.u16("N")?;
        let mut content = None;
        let mut extra = Vec::new();
        while let Some(q) = r.param() {
            let q = q?;
            match (q.tv, q.ty) {
                (false, 238) => {
                    let mut s = q.reader();
                    let f = s.u16("TagReportContentSelector flags")?;
                    let on = |b: u16| f & (1 << b) != 0;
                    let mut c = ContentSelector {
                        rospec_id: on(15),
                        spec_index: on(14),
                        inventory_parameter_spec_id: on(13),
                        antenna_id: on(12),
                        channel_index: on(11),
                        peak_rssi: on(10),
                        first_seen: on(9),
                        last_seen: on(8),
                        tag_seen_count: on(7),
                        access_spec_id: on(6),
                        c1g2_memory: Vec::new(),
                    };
                    while let Some(x) = s.param() {
                        let x = x?;
                        if x.tv || x.ty != 348 {
                            return Err(unexpected(&x, "TagReportContentSelector"));
                        }
                        let mut y = x.reader();
                        c.c1g2_memory.push(y.u8("C1G2EPCMemorySelector")? & 0xe0);
                        y.finish("C1G2EPCMemorySelector")?;
                    }
                    set(&mut content, c, &q)?;
                }
                _ => extra.push(Extra::decode(&q, 0)?),
            }
        }
        Ok(RoReportSpec {
            trigger,
            n,
            content: required(content, "TagReportContentSelector", r.offset())?,
            extra,
        })
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(237, "ROReportSpec", |w| {
            w.u8(self.trigger);
            w.u16(self.n);
            let c = &self.content;
            w.tlv(238, "TagReportContentSelector", |w| {
                let b = |v: bool, n: u16| if v { 1u16 << n } else { 0 };
                w.u16(
                    b(c.rospec_id, 15)
                        | b(c.spec_index, 14)
                        | b(c.inventory_parameter_spec_id, 13)
                        | b(c.antenna_id, 12)
                        | b(c.channel_index, 11)
                        | b(c.peak_rssi, 10)
                        | b(c.first_seen, 9)
                        | b(c.last_seen, 8)
                        | b(c.tag_seen_count, 7)
                        | b(c.access_spec_id, 6),
                );
                for m in &c.c1g2_memory {
                    w.tlv(348, "C1G2EPCMemorySelector", |w| w.u8(*m & 0xe0));
                }
            });
            encode_extras(&self.extra, w);
        });
    }
}

// ---------------------------------------------------------------------------
// RO_ACCESS_REPORT

/// RO_ACCESS_REPORT.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RoAccessReport {
    /// One per tag (or per tag and antenna, depending on the reader).
    pub tags: Vec<TagReportData>,
    /// RFSurveyReportData and vendor parameters.
    pub extra: Vec<Extra>,
}

/// The EPC of a tag as it came: EPC-96 (TV 13) or EPCData (TLV 241, any length).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EpcField {
    /// Exactly 96 bits, sent as EPC-96.
    Epc96([u8; 12]),
    /// Any bit length, sent as EPCData.
    Data {
        /// Bit count.
        bits: u16,
        /// The bits, padded to whole bytes.
        bytes: Vec<u8>,
    },
}

impl EpcField {
    /// The EPC bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            EpcField::Epc96(b) => b,
            EpcField::Data { bytes, .. } => bytes,
        }
    }

    /// The EPC length in bits.
    pub fn bits(&self) -> u16 {
        match self {
            EpcField::Epc96(_) => 96,
            EpcField::Data { bits, .. } => *bits,
        }
    }
}

impl Serialize for EpcField {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::ident::hex::encode(self.bytes()))
    }
}

/// TagReportData: one tag's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagReportData {
    /// The EPC.
    pub epc: EpcField,
    /// ROSpecID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rospec_id: Option<u32>,
    /// SpecIndex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec_index: Option<u16>,
    /// InventoryParameterSpecID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inventory_parameter_spec_id: Option<u16>,
    /// AntennaID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub antenna_id: Option<u16>,
    /// PeakRSSI, dBm (s8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_rssi: Option<i8>,
    /// ChannelIndex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_index: Option<u16>,
    /// FirstSeenTimestampUTC, µs since 1970.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen_utc: Option<u64>,
    /// FirstSeenTimestampUptime, µs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen_uptime: Option<u64>,
    /// LastSeenTimestampUTC, µs since 1970.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen_utc: Option<u64>,
    /// LastSeenTimestampUptime, µs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen_uptime: Option<u64>,
    /// TagSeenCount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_seen_count: Option<u16>,
    /// C1G2_PC word.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pc: Option<u16>,
    /// C1G2_XPCW1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xpc_w1: Option<u16>,
    /// C1G2_XPCW2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xpc_w2: Option<u16>,
    /// C1G2_CRC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crc: Option<u16>,
    /// AccessSpecID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_spec_id: Option<u32>,
    /// OpSpec results and vendor parameters (Impinj peak RSSI, phase, TID).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<Extra>,
}

impl TagReportData {
    /// A report with only an EPC.
    pub fn new(epc: EpcField) -> TagReportData {
        TagReportData {
            epc,
            rospec_id: None,
            spec_index: None,
            inventory_parameter_spec_id: None,
            antenna_id: None,
            peak_rssi: None,
            channel_index: None,
            first_seen_utc: None,
            first_seen_uptime: None,
            last_seen_utc: None,
            last_seen_uptime: None,
            tag_seen_count: None,
            pc: None,
            xpc_w1: None,
            xpc_w2: None,
            crc: None,
            access_spec_id: None,
            extra: Vec::new(),
        }
    }

    fn impinj(&self) -> impl Iterator<Item = &Impinj> {
        self.extra.iter().filter_map(|e| match e {
            Extra::Impinj(i) => Some(i),
            _ => None,
        })
    }

    /// Peak RSSI in centi-dBm: Impinj's precise value when present, else
    /// the LLRP s8 dBm × 100.
    pub fn rssi_centi_dbm(&self) -> Option<i32> {
        self.impinj()
            .find_map(|i| match i {
                Impinj::PeakRssi(v) => Some(i32::from(*v)),
                _ => None,
            })
            .or(self.peak_rssi.map(|v| i32::from(v) * 100))
    }

    /// Impinj RF phase angle (0..4095).
    pub fn phase_angle(&self) -> Option<u16> {
        self.impinj().find_map(|i| match i {
            Impinj::RfPhaseAngle(v) => Some(*v),
            _ => None,
        })
    }

    /// Impinj serialized TID words.
    pub fn tid(&self) -> Option<&[u16]> {
        self.impinj().find_map(|i| match i {
            Impinj::SerializedTid { tid, .. } => Some(tid.as_slice()),
            _ => None,
        })
    }

    fn decode(p: &RawParam<'_>) -> Result<TagReportData, DecodeError> {
        let mut r = p.reader();
        let mut epc = None;
        let mut t = TagReportData::new(EpcField::Epc96([0; 12]));
        while let Some(q) = r.param() {
            let q = q?;
            let mut s = q.reader();
            if q.tv {
                // tv_len() guarantees the body length for these types.
                match q.ty {
                    13 => {
                        let a = <[u8; 12]>::try_from(q.body).map_err(|_| {
                            DecodeError::new(
                                DecodeErrorKind::Truncated,
                                q.offset,
                                "EPC-96 needs 12 bytes",
                            )
                        })?;
                        set(&mut epc, EpcField::Epc96(a), &q)?;
                    }
                    9 => set(&mut t.rospec_id, s.u32("ROSpecID")?, &q)?,
                    14 => set(&mut t.spec_index, s.u16("SpecIndex")?, &q)?,
                    10 => set(
                        &mut t.inventory_parameter_spec_id,
                        s.u16("InventoryParameterSpecID")?,
                        &q,
                    )?,
                    1 => set(&mut t.antenna_id, s.u16("AntennaID")?, &q)?,
                    6 => set(&mut t.peak_rssi, s.i8("PeakRSSI")?, &q)?,
                    7 => set(&mut t.channel_index, s.u16("ChannelIndex")?, &q)?,
                    2 => set(&mut t.first_seen_utc, s.u64("FirstSeenTimestampUTC")?, &q)?,
                    3 => set(
                        &mut t.first_seen_uptime,
                        s.u64("FirstSeenTimestampUptime")?,
                        &q,
                    )?,
                    4 => set(&mut t.last_seen_utc, s.u64("LastSeenTimestampUTC")?, &q)?,
                    5 => set(
                        &mut t.last_seen_uptime,
                        s.u64("LastSeenTimestampUptime")?,
                        &q,
                    )?,
                    8 => set(&mut t.tag_seen_count, s.u16("TagSeenCount")?, &q)?,
                    12 => set(&mut t.pc, s.u16("C1G2_PC")?, &q)?,
                    19 => set(&mut t.xpc_w1, s.u16("C1G2_XPCW1")?, &q)?,
                    20 => set(&mut t.xpc_w2, s.u16("C1G2_XPCW2")?, &q)?,
                    11 => set(&mut t.crc, s.u16("C1G2_CRC")?, &q)?,
                    16 => set(&mut t.access_spec_id, s.u32("AccessSpecID")?, &q)?,
                    _ => t.extra.push(Extra::decode(&q, 0)?),
                }
            } else if q.ty == 241 {
                let (bits, bytes) = s.u1v("EPCData")?;
                s.finish("EPCData")?;
                if bits > 496 {
                    return Err(DecodeError::new(
                        DecodeErrorKind::BadField,
                        q.offset,
                        format!("EPCData of {bits} bits; a Gen2 EPC holds at most 496"),
                    ));
                }
                set(
                    &mut epc,
                    EpcField::Data {
                        bits,
                        bytes: bytes.to_vec(),
                    },
                    &q,
                )?;
            } else {
                t.extra.push(Extra::decode(&q, 0)?);
            }
        }
        t.epc = required(epc, "EPC-96 or EPCData in TagReportData", p.offset)?;
        Ok(t)
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(240, "TagReportData", |w| {
            match &self.epc {
                EpcField::Epc96(b) => w.tv(13, b),
                EpcField::Data { bits, bytes } => {
                    w.tlv(241, "EPCData", |w| w.u1v("EPCData", *bits, bytes));
                }
            }
            if let Some(v) = self.rospec_id {
                w.tv(9, &v.to_be_bytes());
            }
            if let Some(v) = self.spec_index {
                w.tv(14, &v.to_be_bytes());
            }
            if let Some(v) = self.inventory_parameter_spec_id {
                w.tv(10, &v.to_be_bytes());
            }
            if let Some(v) = self.antenna_id {
                w.tv(1, &v.to_be_bytes());
            }
            if let Some(v) = self.peak_rssi {
                w.tv(6, &v.to_be_bytes());
            }
            if let Some(v) = self.channel_index {
                w.tv(7, &v.to_be_bytes());
            }
            if let Some(v) = self.first_seen_utc {
                w.tv(2, &v.to_be_bytes());
            }
            if let Some(v) = self.first_seen_uptime {
                w.tv(3, &v.to_be_bytes());
            }
            if let Some(v) = self.last_seen_utc {
                w.tv(4, &v.to_be_bytes());
            }
            if let Some(v) = self.last_seen_uptime {
                w.tv(5, &v.to_be_bytes());
            }
            if let Some(v) = self.tag_seen_count {
                w.tv(8, &v.to_be_bytes());
            }
            if let Some(v) = self.pc {
                w.tv(12, &v.to_be_bytes());
            }
            if let Some(v) = self.xpc_w1 {
                w.tv(19, &v.to_be_bytes());
            }
            if let Some(v) = self.xpc_w2 {
                w.tv(20, &v.to_be_bytes());
            }
            if let Some(v) = self.crc {
                w.tv(11, &v.to_be_bytes());
            }
            if let Some(v) = self.access_spec_id {
                w.tv(16, &v.to_be_bytes());
            }
            encode_extras(&self.extra, w);
        });
    }
}

impl RoAccessReport {
    fn decode(r: &mut Reader<'_>) -> Result<RoAccessReport, DecodeError> {
        let mut rep = RoAccessReport::default();
        while let Some(p) = r.param() {
            let p = p?;
            if !p.tv && p.ty == 240 {
                rep.tags.push(TagReportData::decode(&p)?);
            } else {
                rep.extra.push(Extra::decode(&p, 0)?);
            }
        }
        Ok(rep)
    }

    fn encode(&self, w: &mut Writer) {
        for t in &self.tags {
            t.encode(w);
        }
        encode_extras(&self.extra, w);
    }
}

// ---------------------------------------------------------------------------
// READER_EVENT_NOTIFICATION

/// ReaderEventNotificationData: what happened at the reader, and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReaderEvent {
    /// When: UTC µs since 1970, or uptime µs.
    pub timestamp: EventTime,
    /// HoppingEvent: (hop table id, next channel index).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hopping: Option<(u16, u16)>,
    /// GPIEvent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gpi: Option<GpiEvent>,
    /// ROSpecEvent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rospec: Option<RoSpecEvent>,
    /// ReportBufferLevelWarningEvent: percentage full.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buffer_level_warning: Option<u8>,
    /// ReportBufferOverflowErrorEvent: reports were lost at the reader.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub buffer_overflow: bool,
    /// ReaderExceptionEvent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reader_exception: Option<ReaderException>,
    /// RFSurveyEvent: (type, ROSpec id, spec index).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rf_survey: Option<(u8, u32, u16)>,
    /// AISpecEvent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aispec: Option<AiSpecEvent>,
    /// AntennaEvent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub antenna: Option<AntennaEvent>,
    /// ConnectionAttemptEvent status (0 success, 2 another client connected).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_attempt: Option<u16>,
    /// ConnectionCloseEvent: the reader is closing the connection.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub connection_close: bool,
    /// Vendor parameters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<Extra>,
}

/// A reader event's timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventTime {
    /// UTCTimestamp, µs since 1970.
    Utc(u64),
    /// Uptime, µs since the reader booted.
    Uptime(u64),
}

/// GPIEvent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GpiEvent {
    /// Port.
    pub port: u16,
    /// New level (true = high).
    pub high: bool,
}

/// ROSpecEvent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RoSpecEvent {
    /// 0 start, 1 end, 2 preempted.
    pub kind: u8,
    /// The ROSpec.
    pub rospec_id: u32,
    /// The preempting ROSpec.
    pub preempting_rospec_id: u32,
}

/// AISpecEvent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AiSpecEvent {
    /// 0 end of AISpec.
    pub kind: u8,
    /// The ROSpec.
    pub rospec_id: u32,
    /// Spec index.
    pub spec_index: u16,
    /// C1G2SingulationDetails: (collision slots, empty slots).
    pub singulation: Option<(u16, u16)>,
}

/// AntennaEvent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AntennaEvent {
    /// False = disconnected, true = connected.
    pub connected: bool,
    /// Antenna.
    pub antenna_id: u16,
}

/// ReaderExceptionEvent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReaderException {
    /// The reader's message.
    pub message: String,
    /// ROSpecID.
    pub rospec_id: Option<u32>,
    /// SpecIndex.
    pub spec_index: Option<u16>,
    /// InventoryParameterSpecID.
    pub inventory_parameter_spec_id: Option<u16>,
    /// AntennaID.
    pub antenna_id: Option<u16>,
    /// AccessSpecID.
    pub access_spec_id: Option<u32>,
    /// OpSpecID.
    pub op_spec_id: Option<u16>,
    /// Vendor parameters.
    pub extra: Vec<Extra>,
}

impl ReaderEvent {
    /// An event with only a timestamp.
    pub fn at(timestamp: EventTime) -> ReaderEvent {
        ReaderEvent {
            timestamp,
            hopping: None,
            gpi: None,
            rospec: None,
            buffer_level_warning: None,
            buffer_overflow: false,
            reader_exception: None,
            rf_survey: None,
            aispec: None,
            antenna: None,
            connection_attempt: None,
            connection_close: false,
            extra: Vec::new(),
        }
    }

    /// The body of READER_EVENT_NOTIFICATION: one ReaderEventNotificationData.
    /// Parameters after it are kept with it (they re-encode inside it).
    fn decode_message(r: &mut Reader<'_>) -> Result<ReaderEvent, DecodeError> {
        let mut ev = None;
        let mut after = Vec::new();
        while let Some(p) = r.param() {
            let p = p?;
            if !p.tv && p.ty == 246 {
                set(&mut ev, ReaderEvent::decode(&p)?, &p)?;
            } else if !p.tv && matches!(p.ty, 128 | 129 | 247..=257) {
                // An event or timestamp of the notification's own belongs
                // inside ReaderEventNotificationData; kept beside it, it
                // would re-encode inside and change meaning.
                return Err(unexpected(
                    &p,
                    "READER_EVENT_NOTIFICATION outside ReaderEventNotificationData",
                ));
            } else {
                after.push(Extra::decode(&p, 0)?);
            }
        }
        let mut ev = required(ev, "ReaderEventNotificationData", r.offset())?;
        ev.extra.append(&mut after);
        Ok(ev)
    }

    fn decode(p: &RawParam<'_>) -> Result<ReaderEvent, DecodeError> {
        let mut r = p.reader();
        let mut time = None;
        let mut e = ReaderEvent::at(EventTime::Utc(0));
        while let Some(q) = r.param() {
            let q = q?;
            let mut s = q.reader();
            if q.tv {
                e.extra.push(Extra::decode(&q, 0)?);
                continue;
            }
            match q.ty {
                128 => set(&mut time, EventTime::Utc(s.u64("UTCTimestamp")?), &q)?,
                129 => set(&mut time, EventTime::Uptime(s.u64("Uptime")?), &q)?,
                247 => set(
                    &mut e.hopping,
                    (s.u16("HopTableID")?, s.u16("NextChannelIndex")?),
                    &q,
                )?,
                248 => {
                    let v = GpiEvent {
                        port: s.u16("GPIPortNumber")?,
                        high: flag(s.u8("GPIEvent")?, 7),
                    };
                    set(&mut e.gpi, v, &q)?;
                }
                249 => {
                    let v = RoSpecEvent {
                        kind: s.u8("EventType")?,
                        rospec_id: s.u32("ROSpecID")?,
                        preempting_rospec_id: s.u32("PreemptingROSpecID")?,
                    };
                    set(&mut e.rospec, v, &q)?;
                }
                250 => set(
                    &mut e.buffer_level_warning,
                    s.u8("ReportBufferPercentageFull")?,
                    &q,
                )?,
                251 => {
                    if e.buffer_overflow {
                        return Err(unexpected(&q, "ReaderEventNotificationData twice"));
                    }
                    e.buffer_overflow = true;
                }
                252 => {
                    set(&mut e.reader_exception, ReaderException::decode(&q)?, &q)?;
                    continue;
                }
                253 => set(
                    &mut e.rf_survey,
                    (s.u8("EventType")?, s.u32("ROSpecID")?, s.u16("SpecIndex")?),
                    &q,
                )?,
                254 => {
                    let kind = s.u8("EventType")?;
                    let rospec_id = s.u32("ROSpecID")?;
                    let spec_index = s.u16("SpecIndex")?;
                    let mut singulation = None;
                    while let Some(x) = s.param() {
                        let x = x?;
                        if !(x.tv && x.ty == 18) {
                            return Err(unexpected(&x, "AISpecEvent"));
                        }
                        let mut y = x.reader();
                        set(
                            &mut singulation,
                            (y.u16("NumCollisionSlots")?, y.u16("NumEmptySlots")?),
                            &x,
                        )?;
                    }
                    set(
                        &mut e.aispec,
                        AiSpecEvent {
                            kind,
                            rospec_id,
                            spec_index,
                            singulation,
                        },
                        &q,
                    )?;
                }
                255 => {
                    let v = AntennaEvent {
                        connected: s.u8("EventType")? == 1,
                        antenna_id: s.u16("AntennaID")?,
                    };
                    set(&mut e.antenna, v, &q)?;
                }
                256 => set(&mut e.connection_attempt, s.u16("Status")?, &q)?,
                257 => {
                    if e.connection_close {
                        return Err(unexpected(&q, "ReaderEventNotificationData twice"));
                    }
                    e.connection_close = true;
                }
                _ => {
                    e.extra.push(Extra::decode(&q, 0)?);
                    continue;
                }
            }
            s.finish(param_name(q.ty))?;
        }
        e.timestamp = required(time, "UTCTimestamp or Uptime", p.offset)?;
        Ok(e)
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(246, "ReaderEventNotificationData", |w| {
            match self.timestamp {
                EventTime::Utc(t) => w.tlv(128, "UTCTimestamp", |w| w.u64(t)),
                EventTime::Uptime(t) => w.tlv(129, "Uptime", |w| w.u64(t)),
            }
            if let Some((h, c)) = self.hopping {
                w.tlv(247, "HoppingEvent", |w| {
                    w.u16(h);
                    w.u16(c);
                });
            }
            if let Some(g) = self.gpi {
                w.tlv(248, "GPIEvent", |w| {
                    w.u16(g.port);
                    w.u8(bit(g.high, 7));
                });
            }
            if let Some(r) = self.rospec {
                w.tlv(249, "ROSpecEvent", |w| {
                    w.u8(r.kind);
                    w.u32(r.rospec_id);
                    w.u32(r.preempting_rospec_id);
                });
            }
            if let Some(v) = self.buffer_level_warning {
                w.tlv(250, "ReportBufferLevelWarningEvent", |w| w.u8(v));
            }
            if self.buffer_overflow {
                w.tlv(251, "ReportBufferOverflowErrorEvent", |_| {});
            }
            if let Some(x) = &self.reader_exception {
                x.encode(w);
            }
            if let Some((t, id, idx)) = self.rf_survey {
                w.tlv(253, "RFSurveyEvent", |w| {
                    w.u8(t);
                    w.u32(id);
                    w.u16(idx);
                });
            }
            if let Some(a) = self.aispec {
                w.tlv(254, "AISpecEvent", |w| {
                    w.u8(a.kind);
                    w.u32(a.rospec_id);
                    w.u16(a.spec_index);
                    if let Some((c, e)) = a.singulation {
                        w.tv(18, &[c.to_be_bytes(), e.to_be_bytes()].concat());
                    }
                });
            }
            if let Some(a) = self.antenna {
                w.tlv(255, "AntennaEvent", |w| {
                    w.u8(u8::from(a.connected));
                    w.u16(a.antenna_id);
                });
            }
            if let Some(s) = self.connection_attempt {
                w.tlv(256, "ConnectionAttemptEvent", |w| w.u16(s));
            }
            if self.connection_close {
                w.tlv(257, "ConnectionCloseEvent", |_| {});
            }
            encode_extras(&self.extra, w);
        });
    }
}

impl ReaderException {
    fn decode(p: &RawParam<'_>) -> Result<ReaderException, DecodeError> {
        let mut r = p.reader();
        let mut x = ReaderException {
            message: r.utf8v("Message")?,
            rospec_id: None,
            spec_index: None,
            inventory_parameter_spec_id: None,
            antenna_id: None,
            access_spec_id: None,
            op_spec_id: None,
            extra: Vec::new(),
        };
        while let Some(q) = r.param() {
            let q = q?;
            let mut s = q.reader();
            match (q.tv, q.ty) {
                (true, 9) => set(&mut x.rospec_id, s.u32("ROSpecID")?, &q)?,
                (true, 14) => set(&mut x.spec_index, s.u16("SpecIndex")?, &q)?,
                (true, 10) => set(
                    &mut x.inventory_parameter_spec_id,
                    s.u16("InventoryParameterSpecID")?,
                    &q,
                )?,
                (true, 1) => set(&mut x.antenna_id, s.u16("AntennaID")?, &q)?,
                (true, 16) => set(&mut x.access_spec_id, s.u32("AccessSpecID")?, &q)?,
                (true, 17) => set(&mut x.op_spec_id, s.u16("OpSpecID")?, &q)?,
                _ => x.extra.push(Extra::decode(&q, 0)?),
            }
        }
        Ok(x)
    }

    fn encode(&self, w: &mut Writer) {
        w.tlv(252, "ReaderExceptionEvent", |w| {
            w.utf8v("Message", &self.message);
            if let Some(v) = self.rospec_id {
                w.tv(9, &v.to_be_bytes());
            }
            if let Some(v) = self.spec_index {
                w.tv(14, &v.to_be_bytes());
            }
            if let Some(v) = self.inventory_parameter_spec_id {
                w.tv(10, &v.to_be_bytes());
            }
            if let Some(v) = self.antenna_id {
                w.tv(1, &v.to_be_bytes());
            }
            if let Some(v) = self.access_spec_id {
                w.tv(16, &v.to_be_bytes());
            }
            if let Some(v) = self.op_spec_id {
                w.tv(17, &v.to_be_bytes());
            }
            encode_extras(&self.extra, w);
        });
    }
}
