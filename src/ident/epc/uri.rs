//! EPC URI text: the TDS escaping of 7-bit string fields, and strict parsing of
//! EPC tag URIs for the 96-bit schemes into their binary encoding.
//!
//! Invariant: parsing accepts exactly the TDS grammar for the six supported
//! tag URIs (lower-case `urn:epc:tag:` prefix, decimal fields without leading
//! zeros where the TDS forbids them, digit counts that match a partition) and
//! reports the byte index of the first offending byte.

use super::bits::BitWriter;
use super::{
    EpcScheme, GIAI96_PARTITIONS, GRAI_PARTITIONS, Partition, SGLN_PARTITIONS, SGTIN_PARTITIONS,
    SSCC_PARTITIONS,
};
use crate::ident::ai::Cset;
use crate::ident::error::{ErrorKind, IdentError};

/// Longest tag URI accepted, in bytes.
pub const MAX_URI_BYTES: usize = 256;

/// True if the 7-bit value `c` is in the TDS character table for string
/// fields (which is GS1 character set 82).
pub(crate) fn is_tds_char(c: u8) -> bool {
    Cset::Cset82.contains(c)
}

/// The %-escape the TDS requires in URIs for `c`, if any.
const fn escape_of(c: char) -> Option<&'static str> {
    Some(match c {
        '"' => "%22",
        '%' => "%25",
        '&' => "%26",
        '/' => "%2F",
        '<' => "%3C",
        '>' => "%3E",
        '?' => "%3F",
        _ => return None,
    })
}

/// Append `raw` (characters of the TDS table) with the TDS URI escapes applied.
pub(crate) fn push_escaped(out: &mut String, raw: &str) {
    for c in raw.chars() {
        match escape_of(c) {
            Some(e) => out.push_str(e),
            None => out.push(c),
        }
    }
}

/// Encode an EPC tag URI of a 96-bit scheme (`sgtin-96`, `sscc-96`, `sgln-96`,
/// `grai-96`, `giai-96`, `gid-96`) as upper-case hex (24 characters).
///
/// Example: `urn:epc:tag:sgtin-96:3.0614141.812345.6789` gives
/// `3074257BF7194E4000001A85`. Error positions are byte indexes into `uri`.
pub fn encode_tag_uri(uri: &str) -> Result<String, IdentError> {
    if uri.is_empty() {
        return Err(IdentError::new(ErrorKind::Empty, 0, "EPC tag URI is empty"));
    }
    if uri.len() > MAX_URI_BYTES {
        return Err(IdentError::new(
            ErrorKind::InputTooLong,
            MAX_URI_BYTES,
            format!(
                "EPC tag URI is {} bytes; at most {MAX_URI_BYTES} are accepted",
                uri.len()
            ),
        ));
    }
    const PREFIX: &str = "urn:epc:tag:";
    let Some(rest) = uri.strip_prefix(PREFIX) else {
        let at = uri
            .bytes()
            .zip(PREFIX.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(uri.len().min(PREFIX.len()));
        return Err(IdentError::new(
            ErrorKind::BadEpcUri,
            at,
            "an EPC tag URI starts with \"urn:epc:tag:\" (lower case)",
        ));
    };
    let name_at = PREFIX.len();
    let Some(colon) = rest.find(':') else {
        return Err(IdentError::new(
            ErrorKind::BadEpcUri,
            uri.len(),
            "an EPC tag URI has the form urn:epc:tag:<scheme>:<fields>; the ':' after the scheme is missing",
        ));
    };
    let name = rest.get(..colon).unwrap_or("");
    let body = rest.get(colon + 1..).unwrap_or("");
    let body_at = name_at + colon + 1;
    let scheme = match name {
        "sgtin-96" => EpcScheme::Sgtin96,
        "sscc-96" => EpcScheme::Sscc96,
        "sgln-96" => EpcScheme::Sgln96,
        "grai-96" => EpcScheme::Grai96,
        "giai-96" => EpcScheme::Giai96,
        "gid-96" => EpcScheme::Gid96,
        "sgtin-198" | "sgln-195" | "grai-170" | "giai-202" => {
            return Err(IdentError::new(
                ErrorKind::BadEpcUri,
                name_at,
                format!("encoding {name} tag URIs is not supported; only the 96-bit schemes are"),
            ));
        }
        _ => {
            return Err(IdentError::new(
                ErrorKind::UnknownEpcScheme,
                name_at,
                format!("\"{name}\" is not an EPC tag URI scheme lotstation encodes"),
            ));
        }
    };
    let fields = Fields::split(body, body_at);
    let mut w = BitWriter::with_capacity_bits(96);
    w.write(u64::from(scheme.header()), 8);
    match scheme {
        EpcScheme::Gid96 => {
            fields.expect_count(scheme, 3, uri.len())?;
            let manager = fields.uint(0, scheme, "general manager number", 28)?;
            let class = fields.uint(1, scheme, "object class", 24)?;
            let serial = fields.uint(2, scheme, "serial", 36)?;
            w.write(manager, 28);
            w.write(class, 24);
            w.write(serial, 36);
        }
        EpcScheme::Sscc96 => {
            fields.expect_count(scheme, 3, uri.len())?;
            let filter = fields.filter(scheme)?;
            let (pv, row, company) = fields.company(scheme, &SSCC_PARTITIONS)?;
            let serial = fields.padded(2, scheme, "serial reference", row.other_digits)?;
            w.write(filter, 3);
            w.write(pv, 3);
            w.write(company, usize::from(row.company_bits));
            w.write(serial, usize::from(row.other_bits));
            w.write(0, 24);
        }
        EpcScheme::Giai96 => {
            fields.expect_count(scheme, 3, uri.len())?;
            let filter = fields.filter(scheme)?;
            let (pv, row, company) = fields.company(scheme, &GIAI96_PARTITIONS)?;
            let asset = fields.uint(
                2,
                scheme,
                "individual asset reference",
                usize::from(row.other_bits),
            )?;
            w.write(filter, 3);
            w.write(pv, 3);
            w.write(company, usize::from(row.company_bits));
            w.write(asset, usize::from(row.other_bits));
        }
        EpcScheme::Sgtin96 | EpcScheme::Sgln96 | EpcScheme::Grai96 => {
            let (table, reference, last, last_bits): (&[Partition; 7], _, _, usize) = match scheme {
                EpcScheme::Sgtin96 => (&SGTIN_PARTITIONS, "item reference", "serial", 38),
                EpcScheme::Sgln96 => (&SGLN_PARTITIONS, "location reference", "extension", 41),
                _ => (&GRAI_PARTITIONS, "asset type", "serial", 38),
            };
            fields.expect_count(scheme, 4, uri.len())?;
            let filter = fields.filter(scheme)?;
            let (pv, row, company) = fields.company(scheme, table)?;
            let middle = fields.padded(2, scheme, reference, row.other_digits)?;
            let tail = fields.uint(3, scheme, last, last_bits)?;
            w.write(filter, 3);
            w.write(pv, 3);
            w.write(company, usize::from(row.company_bits));
            w.write(middle, usize::from(row.other_bits));
            w.write(tail, last_bits);
        }
        _ => {}
    }
    Ok(w.to_hex())
}

/// The dot-separated fields of a tag URI body with their byte positions.
struct Fields<'a> {
    /// Up to four fields, plus the first surplus one (for error positions).
    parts: [(&'a str, usize); 5],
    count: usize,
}

impl<'a> Fields<'a> {
    fn split(body: &'a str, body_at: usize) -> Self {
        let mut parts = [("", body_at); 5];
        let mut count = 0;
        let mut start = 0;
        for (i, piece) in body.split('.').enumerate() {
            if let Some(slot) = parts.get_mut(i) {
                *slot = (piece, body_at + start);
            }
            start += piece.len() + 1;
            count += 1;
        }
        Fields { parts, count }
    }

    fn get(&self, i: usize) -> (&'a str, usize) {
        self.parts.get(i).copied().unwrap_or(("", 0))
    }

    fn expect_count(&self, scheme: EpcScheme, n: usize, end: usize) -> Result<(), IdentError> {
        if self.count == n {
            return Ok(());
        }
        let shape = match scheme {
            EpcScheme::Gid96 => "manager.class.serial",
            EpcScheme::Sscc96 => "filter.company.serial",
            EpcScheme::Giai96 => "filter.company.asset",
            EpcScheme::Sgln96 => "filter.company.location.extension",
            EpcScheme::Grai96 => "filter.company.assettype.serial",
            _ => "filter.company.item.serial",
        };
        // Point at the first surplus field, or the end when fields are missing.
        let at = if self.count > n {
            self.parts.get(n).map_or(end, |p| p.1.saturating_sub(1))
        } else {
            end
        };
        Err(IdentError::new(
            ErrorKind::BadEpcUri,
            at,
            format!(
                "{scheme} tag URI has {n} dot-separated fields ({shape}); found {}",
                self.count
            ),
        ))
    }

    fn filter(&self, scheme: EpcScheme) -> Result<u64, IdentError> {
        let (text, pos) = self.get(0);
        match text.as_bytes() {
            [d @ b'0'..=b'7'] => Ok(u64::from(d - b'0')),
            _ => Err(IdentError::new(
                ErrorKind::BadEpcUri,
                pos,
                format!("{scheme} filter is one digit 0 to 7; found \"{text}\""),
            )),
        }
    }

    /// Field 1, the GS1 Company Prefix: 6 to 12 digits; its length picks the partition.
    fn company(
        &self,
        scheme: EpcScheme,
        table: &[Partition; 7],
    ) -> Result<(u64, Partition, u64), IdentError> {
        let (text, pos) = self.get(1);
        digits_only(text, pos, scheme, "company prefix")?;
        let len = text.len();
        let row = table
            .iter()
            .position(|r| usize::from(r.company_digits) == len)
            .and_then(|i| table.get(i).map(|r| (i, *r)));
        let Some((pv, row)) = row else {
            return Err(IdentError::new(
                ErrorKind::BadEpcUri,
                pos,
                format!("{scheme} company prefix has 6 to 12 digits; found {len}"),
            ));
        };
        let value = text.parse::<u64>().unwrap_or(0);
        Ok((pv as u64, row, value))
    }

    /// A zero-padded numeric field of exactly `digits` digits (may be empty when 0).
    fn padded(
        &self,
        i: usize,
        scheme: EpcScheme,
        field: &str,
        digits: u8,
    ) -> Result<u64, IdentError> {
        let (text, pos) = self.get(i);
        digits_only(text, pos, scheme, field)?;
        if text.len() != usize::from(digits) {
            return Err(IdentError::new(
                ErrorKind::BadEpcUri,
                pos,
                format!(
                    "{scheme} {field} must have {digits} digit(s) with this company prefix length; found {}",
                    text.len()
                ),
            ));
        }
        Ok(text.parse::<u64>().unwrap_or(0))
    }

    /// A decimal integer without leading zeros that fits in `bits` bits.
    fn uint(
        &self,
        i: usize,
        scheme: EpcScheme,
        field: &str,
        bits: usize,
    ) -> Result<u64, IdentError> {
        let (text, pos) = self.get(i);
        if text.is_empty() {
            return Err(IdentError::new(
                ErrorKind::BadEpcUri,
                pos,
                format!("{scheme} {field} is empty"),
            ));
        }
        digits_only(text, pos, scheme, field)?;
        if text.len() > 1 && text.starts_with('0') {
            return Err(IdentError::new(
                ErrorKind::BadEpcUri,
                pos,
                format!("{scheme} {field} is a decimal integer and must not have leading zeros"),
            ));
        }
        let limit = if bits >= 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
        match text.parse::<u64>() {
            Ok(v) if v <= limit => Ok(v),
            _ => Err(IdentError::new(
                ErrorKind::EpcDigitOverflow,
                pos,
                format!("{scheme} {field} {text} does not fit in {bits} bits (largest is {limit})"),
            )),
        }
    }
}

fn digits_only(text: &str, pos: usize, scheme: EpcScheme, field: &str) -> Result<(), IdentError> {
    match text.bytes().position(|b| !b.is_ascii_digit()) {
        None => Ok(()),
        Some(i) => Err(IdentError::new(
            ErrorKind::BadEpcUri,
            pos + i,
            format!("{scheme} {field} may hold only digits"),
        )),
    }
}
