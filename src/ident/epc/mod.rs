//! GS1 EPC Tag Data Standard (TDS) binary decoding and tag-URI encoding.
//!
//! This module owns the translation between the EPC bank of an RFID tag (given
//! as hex or bytes) and the forms the rest of lotstation uses: the EPC pure
//! identity URI, the EPC tag URI and the GS1 element string (AI/value pairs).
//!
//! Supported for decoding: SGTIN-96, SGTIN-198, SSCC-96, SGLN-96, SGLN-195,
//! GRAI-96, GRAI-170, GIAI-96, GIAI-202, GID-96, and the TDS 2.0 "+" schemes
//! SGTIN+ (header `F7`), SSCC+ (`F9`) and DSGTIN+ (`FB`) including the AIDC data
//! that follows when the data toggle bit is set (the `plus` submodule lists
//! which TDS AI encodings are covered and which are refused). Encoding from a tag URI covers the six 96-bit
//! schemes.
//!
//! Invariants:
//! - Every function is total: bad input gives an [`IdentError`] with a stable
//!   [`ErrorKind`] and a position (hex character index for binaries, byte index
//!   for URIs), never a panic.
//! - Decoding is exact: reserved partition values, field values that overflow
//!   the digits their partition allows, non-zero padding and characters outside
//!   the TDS 7-bit table are refused, never repaired.
//! - What comes out round-trips: for the 96-bit schemes,
//!   `decode(encode(tag_uri)).tag_uri == tag_uri` for every valid tag URI.

mod bits;
mod plus;
mod uri;

#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use crate::ident::check_digit;
use crate::ident::error::{ErrorKind, IdentError};

pub use bits::MAX_HEX_CHARS;
pub use uri::{MAX_URI_BYTES, encode_tag_uri};

use bits::BitReader;

/// An EPC scheme this module understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EpcScheme {
    /// Serialised GTIN, numeric serial (header `30`).
    Sgtin96,
    /// Serialised GTIN, alphanumeric serial (header `36`).
    Sgtin198,
    /// Serial Shipping Container Code (header `31`).
    Sscc96,
    /// GLN with numeric extension (header `32`).
    Sgln96,
    /// GLN with alphanumeric extension (header `39`).
    Sgln195,
    /// Global Returnable Asset Identifier, numeric serial (header `33`).
    Grai96,
    /// Global Returnable Asset Identifier, alphanumeric serial (header `37`).
    Grai170,
    /// Global Individual Asset Identifier, numeric (header `34`).
    Giai96,
    /// Global Individual Asset Identifier, alphanumeric (header `38`).
    Giai202,
    /// General Identifier (header `35`).
    Gid96,
    /// TDS 2.0 SGTIN+ (header `F7`).
    SgtinPlus,
    /// TDS 2.0 SSCC+ (header `F9`).
    SsccPlus,
    /// TDS 2.0 DSGTIN+: SGTIN+ with a date (header `FB`).
    DsgtinPlus,
}

impl EpcScheme {
    /// The TDS scheme name as used in tag URIs (`"sgtin-96"`) or, for the "+"
    /// schemes, as the TDS writes it (`"sgtin+"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            EpcScheme::Sgtin96 => "sgtin-96",
            EpcScheme::Sgtin198 => "sgtin-198",
            EpcScheme::Sscc96 => "sscc-96",
            EpcScheme::Sgln96 => "sgln-96",
            EpcScheme::Sgln195 => "sgln-195",
            EpcScheme::Grai96 => "grai-96",
            EpcScheme::Grai170 => "grai-170",
            EpcScheme::Giai96 => "giai-96",
            EpcScheme::Giai202 => "giai-202",
            EpcScheme::Gid96 => "gid-96",
            EpcScheme::SgtinPlus => "sgtin+",
            EpcScheme::SsccPlus => "sscc+",
            EpcScheme::DsgtinPlus => "dsgtin+",
        }
    }

    /// The 8-bit EPC header value.
    pub const fn header(self) -> u8 {
        match self {
            EpcScheme::Sgtin96 => 0x30,
            EpcScheme::Sscc96 => 0x31,
            EpcScheme::Sgln96 => 0x32,
            EpcScheme::Grai96 => 0x33,
            EpcScheme::Giai96 => 0x34,
            EpcScheme::Gid96 => 0x35,
            EpcScheme::Sgtin198 => 0x36,
            EpcScheme::Grai170 => 0x37,
            EpcScheme::Giai202 => 0x38,
            EpcScheme::Sgln195 => 0x39,
            EpcScheme::SgtinPlus => 0xF7,
            EpcScheme::SsccPlus => 0xF9,
            EpcScheme::DsgtinPlus => 0xFB,
        }
    }

    /// The scheme for an EPC header value, if supported.
    pub const fn from_header(header: u8) -> Option<EpcScheme> {
        Some(match header {
            0x30 => EpcScheme::Sgtin96,
            0x31 => EpcScheme::Sscc96,
            0x32 => EpcScheme::Sgln96,
            0x33 => EpcScheme::Grai96,
            0x34 => EpcScheme::Giai96,
            0x35 => EpcScheme::Gid96,
            0x36 => EpcScheme::Sgtin198,
            0x37 => EpcScheme::Grai170,
            0x38 => EpcScheme::Giai202,
            0x39 => EpcScheme::Sgln195,
            0xF7 => EpcScheme::SgtinPlus,
            0xF9 => EpcScheme::SsccPlus,
            0xFB => EpcScheme::DsgtinPlus,
            _ => return None,
        })
    }

    /// The fixed length in bits, or `None` for the variable-length "+" schemes.
    pub const fn bit_len(self) -> Option<usize> {
        match self {
            EpcScheme::Sgtin96
            | EpcScheme::Sscc96
            | EpcScheme::Sgln96
            | EpcScheme::Grai96
            | EpcScheme::Giai96
            | EpcScheme::Gid96 => Some(96),
            EpcScheme::Sgtin198 => Some(198),
            EpcScheme::Sgln195 => Some(195),
            EpcScheme::Grai170 => Some(170),
            EpcScheme::Giai202 => Some(202),
            EpcScheme::SgtinPlus | EpcScheme::SsccPlus | EpcScheme::DsgtinPlus => None,
        }
    }
}

impl std::fmt::Display for EpcScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A decoded EPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Epc {
    /// Which scheme the header named.
    pub scheme: EpcScheme,
    /// The 3-bit filter value; `None` for GID-96, which has none.
    pub filter: Option<u8>,
    /// The pure identity. For the classic schemes the EPC pure identity URI
    /// (`urn:epc:id:sgtin:0614141.812345.6789`). The "+" schemes do not encode
    /// the GS1 Company Prefix length, so no EPC URI can be formed from the tag
    /// alone; for them this is the GS1 Digital Link URI on `https://id.gs1.org`
    /// with the primary key and its key qualifiers (the form the TDT 2.0
    /// definition files give for these schemes).
    pub pure_uri: String,
    /// The EPC tag URI (`urn:epc:tag:sgtin-96:3.0614141.812345.6789`); `None`
    /// for the "+" schemes, for which the TDS defines none.
    pub tag_uri: Option<String>,
    /// The GS1 element string as (AI, value) pairs, primary key first, then
    /// its qualifiers, then (for "+" schemes) the date field and the AIDC data
    /// in tag order. Empty for GID-96, which is not a GS1 key.
    pub ais: Vec<(&'static str, String)>,
    /// The AIDC data toggle of the "+" schemes; `None` for the classic schemes.
    pub data_toggle: Option<bool>,
}

/// Decode an EPC given as hex (digits and `a-f`/`A-F` only, an even count, at
/// most [`MAX_HEX_CHARS`] characters). Error positions are hex character indexes.
pub fn decode_hex(hex: &str) -> Result<Epc, IdentError> {
    let (buf, n) = bits::parse_hex(hex)?;
    decode_bytes(buf.get(..n).unwrap_or(&[]))
}

/// Decode an EPC given as the bytes of the EPC bank (starting at the header,
/// without the PC word). Trailing bits past the scheme's length, up to the next
/// 16-bit word, must be zero. Error positions are hex character indexes (two per byte).
pub fn decode_bytes(bytes: &[u8]) -> Result<Epc, IdentError> {
    if bytes.is_empty() {
        return Err(IdentError::new(ErrorKind::Empty, 0, "EPC is empty"));
    }
    if bytes.len() > bits::MAX_EPC_BYTES {
        return Err(IdentError::new(
            ErrorKind::InputTooLong,
            bits::MAX_HEX_CHARS,
            format!(
                "EPC is {} bytes; at most {} are accepted",
                bytes.len(),
                bits::MAX_EPC_BYTES
            ),
        ));
    }
    let header = bytes.first().copied().unwrap_or(0);
    let Some(scheme) = EpcScheme::from_header(header) else {
        return Err(IdentError::new(
            ErrorKind::UnknownEpcScheme,
            0,
            format!("EPC header {header:02X} is not a scheme lotstation decodes"),
        ));
    };
    let Some(len) = scheme.bit_len() else {
        return plus::decode(scheme, bytes);
    };
    check_length(scheme, len, bytes)?;
    let mut r = BitReader::new(bytes, len);
    // The header was matched above.
    r.read(8);
    let epc = match scheme {
        EpcScheme::Sgtin96 | EpcScheme::Sgtin198 => decode_sgtin(scheme, &mut r)?,
        EpcScheme::Sscc96 => decode_sscc(&mut r)?,
        EpcScheme::Sgln96 | EpcScheme::Sgln195 => decode_sgln(scheme, &mut r)?,
        EpcScheme::Grai96 | EpcScheme::Grai170 => decode_grai(scheme, &mut r)?,
        EpcScheme::Giai96 | EpcScheme::Giai202 => decode_giai(scheme, &mut r)?,
        EpcScheme::Gid96 => decode_gid(&mut r)?,
        EpcScheme::SgtinPlus | EpcScheme::SsccPlus | EpcScheme::DsgtinPlus => {
            return plus::decode(scheme, bytes);
        }
    };
    // Bits past the scheme's length (byte or word padding) must be zero.
    let mut tail = BitReader::new(bytes, bytes.len() * 8);
    skip(&mut tail, len);
    if !tail.rest_is_zero() {
        return Err(IdentError::new(
            ErrorKind::BadEpcField,
            len / 4,
            format!("{scheme} is {len} bits; the padding bits after them must be zero"),
        ));
    }
    Ok(epc)
}

/// A fixed-length scheme must arrive in as many bytes as its bits need, or
/// rounded up to the next 16-bit word (readers report whole words).
fn check_length(scheme: EpcScheme, len: usize, bytes: &[u8]) -> Result<(), IdentError> {
    let min = len.div_ceil(8);
    let max = len.div_ceil(16) * 2;
    if bytes.len() < min || bytes.len() > max {
        let expect = if min == max {
            format!("{} hex digits", min * 2)
        } else {
            format!("{} or {} hex digits", min * 2, max * 2)
        };
        return Err(IdentError::new(
            ErrorKind::BadEpcLength,
            bytes.len().min(min) * 2,
            format!(
                "{scheme} is {len} bits, so {expect}; got {}",
                bytes.len() * 2
            ),
        ));
    }
    Ok(())
}

fn skip(r: &mut BitReader<'_>, mut n: usize) {
    while n > 0 {
        let k = n.min(64);
        if r.read(k).is_none() {
            return;
        }
        n -= k;
    }
}

/// One row of a TDS partition table: bits and digits of the GS1 Company
/// Prefix and of the field that shares the partition with it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Partition {
    pub(crate) company_bits: u8,
    pub(crate) company_digits: u8,
    pub(crate) other_bits: u8,
    /// Digits (numeric fields) or maximum characters (GIAI-202) of the other field.
    pub(crate) other_digits: u8,
}

const fn p(company_bits: u8, company_digits: u8, other_bits: u8, other_digits: u8) -> Partition {
    Partition {
        company_bits,
        company_digits,
        other_bits,
        other_digits,
    }
}

/// SGTIN: company prefix and indicator/item reference (TDS partition table for SGTIN).
pub(crate) const SGTIN_PARTITIONS: [Partition; 7] = [
    p(40, 12, 4, 1),
    p(37, 11, 7, 2),
    p(34, 10, 10, 3),
    p(30, 9, 14, 4),
    p(27, 8, 17, 5),
    p(24, 7, 20, 6),
    p(20, 6, 24, 7),
];

/// SSCC: company prefix and extension digit/serial reference.
pub(crate) const SSCC_PARTITIONS: [Partition; 7] = [
    p(40, 12, 18, 5),
    p(37, 11, 21, 6),
    p(34, 10, 24, 7),
    p(30, 9, 28, 8),
    p(27, 8, 31, 9),
    p(24, 7, 34, 10),
    p(20, 6, 38, 11),
];

/// SGLN: company prefix and location reference.
pub(crate) const SGLN_PARTITIONS: [Partition; 7] = [
    p(40, 12, 1, 0),
    p(37, 11, 4, 1),
    p(34, 10, 7, 2),
    p(30, 9, 11, 3),
    p(27, 8, 14, 4),
    p(24, 7, 17, 5),
    p(20, 6, 21, 6),
];

/// GRAI: company prefix and asset type.
pub(crate) const GRAI_PARTITIONS: [Partition; 7] = [
    p(40, 12, 4, 0),
    p(37, 11, 7, 1),
    p(34, 10, 10, 2),
    p(30, 9, 14, 3),
    p(27, 8, 17, 4),
    p(24, 7, 20, 5),
    p(20, 6, 24, 6),
];

/// GIAI-96: company prefix and numeric individual asset reference.
pub(crate) const GIAI96_PARTITIONS: [Partition; 7] = [
    p(40, 12, 42, 13),
    p(37, 11, 45, 14),
    p(34, 10, 48, 15),
    p(30, 9, 52, 16),
    p(27, 8, 55, 17),
    p(24, 7, 58, 18),
    p(20, 6, 62, 19),
];

/// GIAI-202: company prefix and 7-bit individual asset reference (bits, max characters).
pub(crate) const GIAI202_PARTITIONS: [Partition; 7] = [
    p(40, 12, 148, 18),
    p(37, 11, 151, 19),
    p(34, 10, 154, 20),
    p(30, 9, 158, 21),
    p(27, 8, 161, 22),
    p(24, 7, 164, 23),
    p(20, 6, 168, 24),
];

/// 10^n for n <= 19.
pub(crate) const fn pow10(n: u8) -> u64 {
    let mut v: u64 = 1;
    let mut i = 0;
    while i < n && i < 19 {
        v *= 10;
        i += 1;
    }
    v
}

/// Hex character index of a bit position.
const fn at(bit: usize) -> usize {
    bit / 4
}

fn truncated(scheme: EpcScheme, field: &str, bit: usize) -> IdentError {
    IdentError::new(
        ErrorKind::BadEpcLength,
        at(bit),
        format!("{scheme} ends inside its {field} field"),
    )
}

fn read_field(
    r: &mut BitReader<'_>,
    scheme: EpcScheme,
    field: &str,
    n: usize,
) -> Result<u64, IdentError> {
    let start = r.pos();
    r.read(n).ok_or_else(|| truncated(scheme, field, start))
}

/// Read filter and partition; return the filter and the partition row.
fn read_filter_partition(
    r: &mut BitReader<'_>,
    scheme: EpcScheme,
    table: &[Partition; 7],
) -> Result<(u8, Partition), IdentError> {
    let filter = read_field(r, scheme, "filter", 3)? as u8;
    let start = r.pos();
    let value = read_field(r, scheme, "partition", 3)?;
    match table.get(value as usize) {
        Some(row) => Ok((filter, *row)),
        None => Err(IdentError::new(
            ErrorKind::BadPartition,
            at(start),
            format!("{scheme} partition value {value} is reserved; only 0 to 6 are defined"),
        )),
    }
}

/// Read a numeric field of `bits` bits that must fit in `digits` decimal digits.
fn read_digits(
    r: &mut BitReader<'_>,
    scheme: EpcScheme,
    field: &str,
    bits: u8,
    digits: u8,
) -> Result<u64, IdentError> {
    let start = r.pos();
    let value = read_field(r, scheme, field, usize::from(bits))?;
    if value >= pow10(digits) {
        return Err(IdentError::new(
            ErrorKind::EpcDigitOverflow,
            at(start),
            format!(
                "{scheme} {field} is {value}, which does not fit the {digits} digit(s) its partition allows"
            ),
        ));
    }
    Ok(value)
}

/// Decimal digits of `value`, left-padded with zeros to `width` (at most 20),
/// as ASCII in a stack buffer; returns the buffer and the digit count.
fn dec_digits(value: u64, width: usize) -> ([u8; 20], usize) {
    let mut buf = [b'0'; 20];
    let mut n = value;
    let mut used = 0;
    for slot in buf.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
        used += 1;
        if n == 0 {
            break;
        }
    }
    let count = used.max(width.min(20));
    buf.rotate_left(20 - count);
    (buf, count)
}

/// Append `value` in decimal, left-padded with zeros to `width` digits.
pub(crate) fn push_dec(s: &mut String, value: u64, width: usize) {
    let (buf, n) = dec_digits(value, width);
    push_ascii(s, buf.get(..n).unwrap_or(&[]));
}

/// Append ASCII bytes (digits here) to `s`.
fn push_ascii(s: &mut String, bytes: &[u8]) {
    s.push_str(std::str::from_utf8(bytes).unwrap_or(""));
}

/// Append the mod-10 check digit of the digits already in `s`.
fn push_check_digit(s: &mut String) {
    let d = check_digit::mod10(s.as_bytes()).unwrap_or(0);
    s.push(char::from(b'0' + d));
}

/// Read a TDS 7-bit string field of `bits` bits (at most `bits / 7` characters).
/// The string ends at the first all-zero character; every bit after it must be
/// zero. Characters must be in the TDS table (GS1 character set 82). The
/// string must not be empty.
fn read_string7(
    r: &mut BitReader<'_>,
    scheme: EpcScheme,
    field: &str,
    bits: usize,
) -> Result<String, IdentError> {
    let start = r.pos();
    let end = start + bits;
    if r.remaining() < bits {
        return Err(truncated(scheme, field, start));
    }
    let mut out = String::with_capacity(bits / 7);
    while r.pos() + 7 <= end {
        let char_at = r.pos();
        let c = read_field(r, scheme, field, 7)? as u8;
        if c == 0 {
            break;
        }
        if !uri::is_tds_char(c) {
            return Err(IdentError::new(
                ErrorKind::BadEpcField,
                at(char_at),
                format!(
                    "{scheme} {field} holds the 7-bit value 0x{c:02X}, which is not in the TDS character table (GS1 character set 82)"
                ),
            ));
        }
        out.push(char::from(c));
    }
    // Whatever is left of the field (after the terminator, or bits that do
    // not make a whole character) must be zero.
    let pad_at = r.pos();
    let mut left = end - pad_at;
    while left > 0 {
        let k = left.min(64);
        if read_field(r, scheme, field, k)? != 0 {
            return Err(IdentError::new(
                ErrorKind::BadEpcField,
                at(pad_at),
                format!("{scheme} {field} has non-zero bits after its terminating zero character"),
            ));
        }
        left -= k;
    }
    if out.is_empty() {
        return Err(IdentError::new(
            ErrorKind::BadEpcField,
            at(start),
            format!("{scheme} {field} is empty; it needs at least one character"),
        ));
    }
    Ok(out)
}

/// Builder for the URIs of the classic schemes. Only the pure identity URI
/// is built field by field; the tag URI shares its body and is made from it
/// once at the end.
struct Uris {
    pure: String,
    /// Length of `urn:epc:id:<name>:`, where the shared body starts.
    body_at: usize,
}

impl Uris {
    fn new(pure_name: &str) -> Self {
        let mut pure = String::with_capacity(64);
        pure.push_str("urn:epc:id:");
        pure.push_str(pure_name);
        pure.push(':');
        let body_at = pure.len();
        Uris { pure, body_at }
    }

    fn both(&mut self, text: &str) {
        self.pure.push_str(text);
    }

    fn ascii(&mut self, bytes: &[u8]) {
        push_ascii(&mut self.pure, bytes);
    }

    fn dec(&mut self, value: u64, width: usize) {
        push_dec(&mut self.pure, value, width);
    }

    fn escaped(&mut self, raw: &str) {
        uri::push_escaped(&mut self.pure, raw);
    }

    fn finish(
        self,
        scheme: EpcScheme,
        filter: Option<u8>,
        ais: Vec<(&'static str, String)>,
    ) -> Epc {
        let body = self.pure.get(self.body_at..).unwrap_or("");
        let mut tag = String::with_capacity(24 + body.len());
        tag.push_str("urn:epc:tag:");
        tag.push_str(scheme.as_str());
        tag.push(':');
        if let Some(f) = filter {
            tag.push(char::from(b'0' + (f & 7)));
            tag.push('.');
        }
        tag.push_str(body);
        Epc {
            scheme,
            filter,
            pure_uri: self.pure,
            tag_uri: Some(tag),
            ais,
            data_toggle: None,
        }
    }
}

fn decode_sgtin(scheme: EpcScheme, r: &mut BitReader<'_>) -> Result<Epc, IdentError> {
    let (filter, row) = read_filter_partition(r, scheme, &SGTIN_PARTITIONS)?;
    let company = read_digits(
        r,
        scheme,
        "company prefix",
        row.company_bits,
        row.company_digits,
    )?;
    let item = read_digits(
        r,
        scheme,
        "item reference",
        row.other_bits,
        row.other_digits,
    )?;
    let cw = usize::from(row.company_digits);
    let iw = usize::from(row.other_digits);

    let (cbuf, cn) = dec_digits(company, cw);
    let (ibuf, inn) = dec_digits(item, iw);
    let cb = cbuf.get(..cn).unwrap_or(&[]);
    let ib = ibuf.get(..inn).unwrap_or(&[]);

    let mut u = Uris::new("sgtin");
    u.ascii(cb);
    u.both(".");
    u.ascii(ib);
    u.both(".");

    let serial = if scheme == EpcScheme::Sgtin96 {
        let v = read_field(r, scheme, "serial", 38)?;
        let mut s = String::with_capacity(12);
        push_dec(&mut s, v, 0);
        u.both(&s);
        s
    } else {
        let s = read_string7(r, scheme, "serial", 140)?;
        u.escaped(&s);
        s
    };

    // GTIN-14: indicator digit (first of the item reference), company prefix,
    // rest of the item reference, check digit.
    let mut gtin = String::with_capacity(14);
    if let Some((&indicator, rest)) = ib.split_first() {
        gtin.push(char::from(indicator));
        push_ascii(&mut gtin, cb);
        push_ascii(&mut gtin, rest);
    }
    push_check_digit(&mut gtin);

    let ais = vec![("01", gtin), ("21", serial)];
    Ok(u.finish(scheme, Some(filter), ais))
}

fn decode_sscc(r: &mut BitReader<'_>) -> Result<Epc, IdentError> {
    let scheme = EpcScheme::Sscc96;
    let (filter, row) = read_filter_partition(r, scheme, &SSCC_PARTITIONS)?;
    let company = read_digits(
        r,
        scheme,
        "company prefix",
        row.company_bits,
        row.company_digits,
    )?;
    let serial = read_digits(
        r,
        scheme,
        "serial reference",
        row.other_bits,
        row.other_digits,
    )?;
    let reserved_at = r.pos();
    if read_field(r, scheme, "reserved", 24)? != 0 {
        return Err(IdentError::new(
            ErrorKind::BadEpcField,
            at(reserved_at),
            "sscc-96 reserved 24 bits must be zero",
        ));
    }
    let cw = usize::from(row.company_digits);
    let sw = usize::from(row.other_digits);
    let mut u = Uris::new("sscc");
    u.dec(company, cw);
    u.both(".");
    u.dec(serial, sw);

    // SSCC-18: extension digit (first of the serial reference), company
    // prefix, rest of the serial reference, check digit.
    let (cbuf, cn) = dec_digits(company, cw);
    let (sbuf, sn) = dec_digits(serial, sw);
    let mut sscc = String::with_capacity(18);
    if let Some((&ext, rest)) = sbuf.get(..sn).unwrap_or(&[]).split_first() {
        sscc.push(char::from(ext));
        push_ascii(&mut sscc, cbuf.get(..cn).unwrap_or(&[]));
        push_ascii(&mut sscc, rest);
    }
    push_check_digit(&mut sscc);
    Ok(u.finish(scheme, Some(filter), vec![("00", sscc)]))
}

/// GLN-13 or GRAI's first 14 digits share a shape: company prefix + reference + check.
fn key_with_check(prefix: &str, company: u64, cw: usize, reference: u64, rw: usize) -> String {
    let mut key = String::with_capacity(prefix.len() + cw + rw + 1);
    key.push_str(prefix);
    push_dec(&mut key, company, cw);
    if rw > 0 {
        push_dec(&mut key, reference, rw);
    }
    push_check_digit(&mut key);
    key
}

fn decode_sgln(scheme: EpcScheme, r: &mut BitReader<'_>) -> Result<Epc, IdentError> {
    let (filter, row) = read_filter_partition(r, scheme, &SGLN_PARTITIONS)?;
    let company = read_digits(
        r,
        scheme,
        "company prefix",
        row.company_bits,
        row.company_digits,
    )?;
    let location = read_digits(
        r,
        scheme,
        "location reference",
        row.other_bits,
        row.other_digits,
    )?;
    let cw = usize::from(row.company_digits);
    let lw = usize::from(row.other_digits);
    let mut u = Uris::new("sgln");
    u.dec(company, cw);
    u.both(".");
    if lw > 0 {
        u.dec(location, lw);
    }
    u.both(".");
    let extension = if scheme == EpcScheme::Sgln96 {
        let v = read_field(r, scheme, "extension", 41)?;
        let mut s = String::with_capacity(13);
        push_dec(&mut s, v, 0);
        u.both(&s);
        s
    } else {
        let s = read_string7(r, scheme, "extension", 140)?;
        u.escaped(&s);
        s
    };
    let gln = key_with_check("", company, cw, location, lw);
    let mut ais = Vec::with_capacity(2);
    ais.push(("414", gln));
    // Extension "0" is the TDS's way of saying "no extension".
    if extension != "0" {
        ais.push(("254", extension));
    }
    Ok(u.finish(scheme, Some(filter), ais))
}

fn decode_grai(scheme: EpcScheme, r: &mut BitReader<'_>) -> Result<Epc, IdentError> {
    let (filter, row) = read_filter_partition(r, scheme, &GRAI_PARTITIONS)?;
    let company = read_digits(
        r,
        scheme,
        "company prefix",
        row.company_bits,
        row.company_digits,
    )?;
    let asset = read_digits(r, scheme, "asset type", row.other_bits, row.other_digits)?;
    let cw = usize::from(row.company_digits);
    let aw = usize::from(row.other_digits);
    let mut u = Uris::new("grai");
    u.dec(company, cw);
    u.both(".");
    if aw > 0 {
        u.dec(asset, aw);
    }
    u.both(".");
    let serial = if scheme == EpcScheme::Grai96 {
        let v = read_field(r, scheme, "serial", 38)?;
        let mut s = String::with_capacity(12);
        push_dec(&mut s, v, 0);
        u.both(&s);
        s
    } else {
        let s = read_string7(r, scheme, "serial", 112)?;
        u.escaped(&s);
        s
    };
    // AI 8003: a leading zero, company prefix, asset type, check digit, serial.
    let mut value = key_with_check("0", company, cw, asset, aw);
    value.push_str(&serial);
    Ok(u.finish(scheme, Some(filter), vec![("8003", value)]))
}

fn decode_giai(scheme: EpcScheme, r: &mut BitReader<'_>) -> Result<Epc, IdentError> {
    let table = if scheme == EpcScheme::Giai96 {
        &GIAI96_PARTITIONS
    } else {
        &GIAI202_PARTITIONS
    };
    let (filter, row) = read_filter_partition(r, scheme, table)?;
    let company = read_digits(
        r,
        scheme,
        "company prefix",
        row.company_bits,
        row.company_digits,
    )?;
    let cw = usize::from(row.company_digits);
    let mut u = Uris::new("giai");
    u.dec(company, cw);
    u.both(".");
    let asset = if scheme == EpcScheme::Giai96 {
        let v = read_digits(
            r,
            scheme,
            "individual asset reference",
            row.other_bits,
            row.other_digits,
        )?;
        let mut s = String::with_capacity(20);
        push_dec(&mut s, v, 0);
        u.both(&s);
        s
    } else {
        let s = read_string7(
            r,
            scheme,
            "individual asset reference",
            usize::from(row.other_bits),
        )?;
        u.escaped(&s);
        s
    };
    let mut value = String::with_capacity(cw + asset.len());
    push_dec(&mut value, company, cw);
    value.push_str(&asset);
    Ok(u.finish(scheme, Some(filter), vec![("8004", value)]))
}

fn decode_gid(r: &mut BitReader<'_>) -> Result<Epc, IdentError> {
    let scheme = EpcScheme::Gid96;
    let manager = read_field(r, scheme, "general manager number", 28)?;
    let class = read_field(r, scheme, "object class", 24)?;
    let serial = read_field(r, scheme, "serial", 36)?;
    let mut u = Uris::new("gid");
    let mut text = String::with_capacity(32);
    let _ = write!(text, "{manager}.{class}.{serial}");
    u.both(&text);
    Ok(u.finish(scheme, None, Vec::new()))
}
