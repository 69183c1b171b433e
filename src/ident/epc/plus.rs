//! TDS 2.0 "+" schemes: SGTIN+ (`F7`), SSCC+ (`F9`) and DSGTIN+ (`FB`).
//!
//! Layout (TDS 2.0 / TDT 2.0 definition files): header (8), AIDC data toggle
//! (1), filter (3); DSGTIN+ then has a 4-bit date type and a 16-bit date; then
//! the scheme's AIs in their TDS encodings, without AI codes. When the toggle
//! is set, further AIs follow, each as its AI code (one 4-bit digit per AI
//! digit, the AI length from the GS1 table of AI lengths by prefix) and its
//! value in the encoding the TDT "Table F" assigns to that AI.
//!
//! Encodings implemented (TDS 2.0 section numbers as given in TDT Table F):
//! fixed-length numeric (14.5.4, 4 bits a digit), fixed-bit-length numeric
//! string (14.5.2, the value as an integer in the bits the digit count needs),
//! variable-length alphanumeric (14.5.6: 3-bit encoding indicator, length
//! indicator, then integer / upper or lower hex / URI-safe base 64 / 7-bit
//! ASCII / URN Code 40 data), and the 6-digit date (14.5.8: YY 7 bits, MM 4,
//! DD 5). AIs whose Table F encoding is anything else (10-digit date+time,
//! variable-format dates, variable-precision date+time, single data bit,
//! country codes, delimited numeric, variable-length numeric without encoding
//! indicator, optional minus sign) are refused with `bad_epc_field` naming the
//! AI rather than guessed.
//!
//! Invariant: after the last AI, the remaining bits (padding to the tag's word
//! boundary) must all be zero; a set data toggle must be followed by at least
//! one AI.

use super::bits::BitReader;
use super::{Epc, EpcScheme, at};
use crate::ident::ai::{self, Cset, ai_len_by_prefix};
use crate::ident::check_digit;
use crate::ident::error::{ErrorKind, IdentError};

/// Where GS1 Digital Link URIs for "+" schemes are rooted when no other
/// host name is known (the GS1 resolver).
const DL_STEM: &str = "https://id.gs1.org";

/// How one AI's value is encoded in a "+" scheme.
#[derive(Debug, Clone, Copy)]
enum Enc {
    /// Fixed-length numeric: `n` digits of 4 bits each.
    FixedNumeric(u8),
    /// Fixed-bit-length numeric string: `n` digits as one integer.
    FixedBitNumeric(u8),
    /// Variable-length alphanumeric with a length indicator of `len_bits` bits
    /// and at most `max` characters.
    VarAlnum { len_bits: u8, max: u8 },
    /// 6-digit date YYMMDD in 16 bits.
    Date6,
}

/// TDT Table F entries for the AIs this decoder handles.
fn encoding_of(ai: &str) -> Option<Enc> {
    use Enc::{Date6, FixedBitNumeric, FixedNumeric, VarAlnum};
    const fn va(len_bits: u8, max: u8) -> Enc {
        VarAlnum { len_bits, max }
    }
    let b = ai.as_bytes();
    Some(match ai {
        "00" => FixedNumeric(18),
        "01" | "02" => FixedNumeric(14),
        "410" | "411" | "412" | "413" | "414" | "415" | "416" | "417" => FixedNumeric(13),
        "11" | "12" | "13" | "15" | "16" | "17" | "4326" | "7006" => Date6,
        "20" => FixedBitNumeric(2),
        "402" => FixedBitNumeric(17),
        "422" | "424" | "426" => FixedBitNumeric(3),
        "7001" => FixedBitNumeric(13),
        "3940" | "3941" | "3942" | "3943" => FixedBitNumeric(4),
        "3950" | "3951" | "3952" | "3953" => FixedBitNumeric(6),
        "10" | "21" | "22" | "243" | "254" | "420" | "4318" | "7020" | "7021" | "7022" => va(5, 20),
        "235" => va(5, 28),
        "240" | "241" | "250" | "251" | "400" | "401" | "403" | "4308" | "4319" | "7002" => {
            va(5, 30)
        }
        "4300" | "4301" | "4310" | "4311" | "4320" => va(6, 35),
        "4302" | "4303" | "4304" | "4305" | "4306" | "4312" | "4313" | "4314" | "4315" | "4316" => {
            va(7, 70)
        }
        "427" | "7008" => va(2, 3),
        "7005" => va(4, 12),
        "7009" => va(4, 10),
        "7010" => va(2, 2),
        // Trade measures 310n-369n (n = decimal places 0-5): six digits.
        _ if b.len() == 4
            && matches!(b.first(), Some(b'3'))
            && matches!(b.get(1), Some(b'1'..=b'6'))
            && matches!(b.get(2), Some(b'0'..=b'9'))
            && matches!(b.get(3), Some(b'0'..=b'5')) =>
        {
            FixedBitNumeric(6)
        }
        _ => return None,
    })
}

/// Number of bits an integer of `digits` decimal digits takes in the TDS:
/// ceil(digits * log2(10)), the smallest b with 2^b >= 10^digits.
pub(crate) fn int_bits(digits: usize) -> usize {
    // log2(10) to 15 decimals; digits * log2(10) is never an integer, and the
    // truncation error stays far below the distance to one for any length here.
    const LOG2_10_E15: u128 = 3_321_928_094_887_362;
    let scaled = digits as u128 * LOG2_10_E15;
    (scaled / 1_000_000_000_000_000) as usize + 1
}

struct Ctx<'a, 'b> {
    r: &'a mut BitReader<'b>,
    scheme: EpcScheme,
}

impl Ctx<'_, '_> {
    /// An error about AI `ai`, or about the tag's own fields when `ai` is empty.
    fn err(&self, kind: ErrorKind, bit: usize, ai: &str, msg: String) -> IdentError {
        if ai.is_empty() {
            IdentError::new(kind, at(bit), msg)
        } else {
            IdentError::at_ai(kind, ai, at(bit), msg)
        }
    }

    fn read(&mut self, n: usize, ai: &str, what: &str) -> Result<u64, IdentError> {
        let start = self.r.pos();
        let msg = if ai.is_empty() {
            format!("{} ends inside its {what}", self.scheme)
        } else {
            format!("{} ends inside the {what} of AI ({ai})", self.scheme)
        };
        match self.r.read(n) {
            Some(v) => Ok(v),
            None => Err(self.err(ErrorKind::BadEpcLength, start, ai, msg)),
        }
    }

    /// `n` digits of 4 bits each.
    fn fixed_numeric(&mut self, ai: &str, n: u8, out: &mut String) -> Result<(), IdentError> {
        for _ in 0..n {
            let start = self.r.pos();
            let d = self.read(4, ai, "digits")?;
            if d > 9 {
                return Err(self.err(
                    ErrorKind::BadEpcField,
                    start,
                    ai,
                    format!("AI ({ai}) digit has the 4-bit value {d}; only 0 to 9 are digits"),
                ));
            }
            out.push(char::from(b'0' + d as u8));
        }
        Ok(())
    }

    /// An integer of `bits` bits written as exactly `digits` decimal digits.
    fn integer(
        &mut self,
        ai: &str,
        bits: usize,
        digits: usize,
        out: &mut String,
    ) -> Result<(), IdentError> {
        let start = self.r.pos();
        // Little-endian decimal digits; doubling plus the next bit for each bit.
        let mut dec = [0u8; 80];
        let width = digits.min(dec.len());
        let mut left = bits;
        while left > 0 {
            let k = left.min(32);
            let chunk = self.read(k, ai, "value")?;
            for i in (0..k).rev() {
                let mut carry = ((chunk >> i) & 1) as u8;
                for d in dec.iter_mut() {
                    let v = *d * 2 + carry;
                    *d = v % 10;
                    carry = v / 10;
                }
                if carry != 0
                    || dec
                        .get(width..)
                        .is_some_and(|hi| hi.iter().any(|&d| d != 0))
                {
                    return Err(self.err(
                        ErrorKind::EpcDigitOverflow,
                        start,
                        ai,
                        format!("AI ({ai}) value does not fit its {digits} digit(s)"),
                    ));
                }
            }
            left -= k;
        }
        for &d in dec.get(..width).unwrap_or(&[]).iter().rev() {
            out.push(char::from(b'0' + d));
        }
        Ok(())
    }

    fn date6(&mut self, ai: &str, out: &mut String) -> Result<(), IdentError> {
        let start = self.r.pos();
        let yy = self.read(7, ai, "date")?;
        let mm = self.read(4, ai, "date")?;
        let dd = self.read(5, ai, "date")?;
        if yy > 99 || !(1..=12).contains(&mm) {
            return Err(self.err(
                ErrorKind::BadEpcField,
                start,
                ai,
                format!("AI ({ai}) date has year {yy} and month {mm}; YY is 0-99 and MM 1-12"),
            ));
        }
        for v in [yy, mm, dd] {
            out.push(char::from(b'0' + (v / 10) as u8));
            out.push(char::from(b'0' + (v % 10) as u8));
        }
        Ok(())
    }

    fn var_alnum(
        &mut self,
        ai: &str,
        len_bits: u8,
        max: u8,
        out: &mut String,
    ) -> Result<(), IdentError> {
        let ind_at = self.r.pos();
        let indicator = self.read(3, ai, "encoding indicator")?;
        let len_at = self.r.pos();
        let len = self.read(usize::from(len_bits), ai, "length indicator")? as usize;
        if len == 0 || len > usize::from(max) {
            return Err(self.err(
                ErrorKind::BadEpcField,
                len_at,
                ai,
                format!("AI ({ai}) length indicator says {len} characters; 1 to {max} are allowed"),
            ));
        }
        match indicator {
            0 => self.integer(ai, int_bits(len), len, out)?,
            1 | 2 => {
                let digits: &[u8; 16] = if indicator == 1 {
                    b"0123456789ABCDEF"
                } else {
                    b"0123456789abcdef"
                };
                for _ in 0..len {
                    let v = self.read(4, ai, "value")? as usize;
                    out.push(char::from(*digits.get(v).unwrap_or(&b'0')));
                }
            }
            3 => {
                const B64: &[u8; 64] =
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
                for _ in 0..len {
                    let v = self.read(6, ai, "value")? as usize;
                    out.push(char::from(*B64.get(v).unwrap_or(&b'A')));
                }
            }
            4 => {
                for _ in 0..len {
                    let c_at = self.r.pos();
                    let c = self.read(7, ai, "value")? as u8;
                    if !Cset::Cset82.contains(c) {
                        return Err(self.err(
                            ErrorKind::BadEpcField,
                            c_at,
                            ai,
                            format!(
                                "AI ({ai}) holds the 7-bit value 0x{c:02X}, which is not in GS1 character set 82"
                            ),
                        ));
                    }
                    out.push(char::from(c));
                }
            }
            5 => {
                // URN Code 40: three characters in 16 bits as 1600*c1 + 40*c2 + c3 + 1.
                const C40: &[u8; 40] = b"\0ABCDEFGHIJKLMNOPQRSTUVWXYZ-.:0123456789";
                let mut left = len;
                while left > 0 {
                    let g_at = self.r.pos();
                    let v = self.read(16, ai, "value")?;
                    let bad = || {
                        IdentError::at_ai(
                            ErrorKind::BadEpcField,
                            ai,
                            at(g_at),
                            format!(
                                "AI ({ai}) URN Code 40 group {v} is not a valid group for the characters left"
                            ),
                        )
                    };
                    if v == 0 || v > 64000 {
                        return Err(bad());
                    }
                    let v = v - 1;
                    let codes = [v / 1600, (v / 40) % 40, v % 40];
                    let take = left.min(3);
                    for (i, &code) in codes.iter().enumerate() {
                        let ch = *C40.get(code as usize).unwrap_or(&0);
                        if i < take {
                            if ch == 0 {
                                return Err(bad());
                            }
                            out.push(char::from(ch));
                        } else if ch != 0 {
                            return Err(bad());
                        }
                    }
                    left -= take;
                }
            }
            _ => {
                return Err(self.err(
                    ErrorKind::BadEpcField,
                    ind_at,
                    ai,
                    format!("AI ({ai}) encoding indicator {indicator} is reserved"),
                ));
            }
        }
        Ok(())
    }

    fn value(&mut self, ai: &str, enc: Enc, out: &mut String) -> Result<(), IdentError> {
        match enc {
            Enc::FixedNumeric(n) => self.fixed_numeric(ai, n, out),
            Enc::FixedBitNumeric(n) => {
                self.integer(ai, int_bits(usize::from(n)), usize::from(n), out)
            }
            Enc::VarAlnum { len_bits, max } => self.var_alnum(ai, len_bits, max, out),
            Enc::Date6 => self.date6(ai, out),
        }
    }

    /// A key whose last digit is a mod-10 check digit.
    fn checked_key(&mut self, ai: &str, n: u8) -> Result<String, IdentError> {
        let start = self.r.pos();
        let mut key = String::with_capacity(usize::from(n));
        self.fixed_numeric(ai, n, &mut key)?;
        if !check_digit::mod10_valid(key.as_bytes()) {
            return Err(self.err(
                ErrorKind::BadCheckDigit,
                start,
                ai,
                format!("AI ({ai}) {key} has a wrong check digit"),
            ));
        }
        Ok(key)
    }

    /// One AI code: 4 bits a digit, its length from the first two digits.
    fn ai_code(&mut self) -> Result<String, IdentError> {
        let start = self.r.pos();
        let mut code = String::with_capacity(4);
        let digit = |ctx: &mut Self, code: &mut String| -> Result<(), IdentError> {
            let d = ctx.r.read(4).ok_or_else(|| {
                IdentError::new(
                    ErrorKind::BadEpcLength,
                    at(start),
                    format!("{} ends inside an AI code in its AIDC data", ctx.scheme),
                )
            })?;
            if d > 9 {
                return Err(IdentError::new(
                    ErrorKind::BadEpcField,
                    at(start),
                    format!("{} AIDC data has an AI code digit of value {d}", ctx.scheme),
                ));
            }
            code.push(char::from(b'0' + d as u8));
            Ok(())
        };
        digit(self, &mut code)?;
        digit(self, &mut code)?;
        let Some(len) = ai_len_by_prefix(code.as_bytes()) else {
            return Err(IdentError::new(
                ErrorKind::BadEpcField,
                at(start),
                format!(
                    "{} AIDC data has AI prefix {code}, which no GS1 AI starts with",
                    self.scheme
                ),
            ));
        };
        while code.len() < len {
            digit(self, &mut code)?;
        }
        Ok(code)
    }
}

/// Decode a "+" scheme EPC. `bytes` starts at the header.
pub(crate) fn decode(scheme: EpcScheme, bytes: &[u8]) -> Result<Epc, IdentError> {
    let mut r = BitReader::new(bytes, bytes.len() * 8);
    r.read(8);
    let mut cx = Ctx { r: &mut r, scheme };
    let toggle = cx.read(1, "", "data toggle")? == 1;
    let filter = cx.read(3, "", "filter")? as u8;
    let mut ais: Vec<(&'static str, String)> = Vec::with_capacity(4);
    let mut date: Option<(&'static str, String)> = None;
    let pure_uri = match scheme {
        EpcScheme::SsccPlus => {
            let sscc = cx.checked_key("00", 18)?;
            let uri = format!("{DL_STEM}/00/{sscc}");
            ais.push(("00", sscc));
            uri
        }
        _ => {
            if scheme == EpcScheme::DsgtinPlus {
                let type_at = cx.r.pos();
                let date_type = cx.read(4, "", "date type")?;
                let ai = match date_type {
                    0 => "11",
                    1 => "13",
                    2 => "15",
                    3 => "16",
                    4 => "17",
                    5 => "7006",
                    6 => "7007",
                    _ => {
                        return Err(IdentError::new(
                            ErrorKind::BadEpcField,
                            at(type_at),
                            format!(
                                "dsgtin+ date type {date_type} is reserved; 0 to 6 are defined"
                            ),
                        ));
                    }
                };
                let mut value = String::with_capacity(6);
                cx.date6(ai, &mut value)?;
                date = Some((ai, value));
            }
            let gtin = cx.checked_key("01", 14)?;
            let mut serial = String::with_capacity(20);
            cx.var_alnum("21", 5, 20, &mut serial)?;
            let mut uri = String::with_capacity(64);
            uri.push_str(DL_STEM);
            uri.push_str("/01/");
            uri.push_str(&gtin);
            uri.push_str("/21/");
            push_dl_escaped(&mut uri, &serial);
            ais.push(("01", gtin));
            ais.push(("21", serial));
            uri
        }
    };
    if let Some(d) = date {
        ais.push(d);
    }
    if toggle {
        let first = cx.r.pos();
        let mut count = 0usize;
        while cx.r.remaining() > 0 && !cx.r.rest_is_zero() {
            let ai_at = cx.r.pos();
            let code = cx.ai_code()?;
            let Some(ai) = ai::entry(&code).map(|e| e.ai) else {
                return Err(IdentError::at_ai(
                    ErrorKind::UnknownAi,
                    code.clone(),
                    at(ai_at),
                    format!("{scheme} AIDC data names AI ({code}), which is not a GS1 AI"),
                ));
            };
            let Some(enc) = encoding_of(ai) else {
                return Err(IdentError::at_ai(
                    ErrorKind::BadEpcField,
                    ai,
                    at(ai_at),
                    format!(
                        "AI ({ai}) in the AIDC data uses a TDS encoding this decoder does not support"
                    ),
                ));
            };
            let mut value = String::with_capacity(20);
            cx.value(ai, enc, &mut value)?;
            ais.push((ai, value));
            count += 1;
        }
        if count == 0 {
            return Err(IdentError::new(
                ErrorKind::BadEpcField,
                at(first),
                format!("{scheme} has its AIDC data toggle set but no AI follows"),
            ));
        }
    } else if !cx.r.rest_is_zero() {
        return Err(IdentError::new(
            ErrorKind::BadEpcField,
            at(cx.r.pos()),
            format!(
                "{scheme} has its AIDC data toggle clear, so the bits after it must be zero padding"
            ),
        ));
    }
    Ok(Epc {
        scheme,
        filter: Some(filter),
        pure_uri,
        tag_uri: None,
        ais,
        data_toggle: Some(toggle),
    })
}

/// Percent-encode a path segment for a GS1 Digital Link URI: everything but
/// the RFC 3986 unreserved characters.
fn push_dl_escaped(out: &mut String, raw: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(*HEX.get(usize::from(b >> 4)).unwrap_or(&b'0')));
            out.push(char::from(*HEX.get(usize::from(b & 0xF)).unwrap_or(&b'0')));
        }
    }
}
