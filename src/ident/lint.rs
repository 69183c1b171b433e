//! Component checks named by the GS1 Barcode Syntax Dictionary.
//!
//! Each check looks at one component of an AI's data (already cut to its
//! length and checked against its character set) and either passes or says
//! what is wrong and at which offset inside the component. The element-string
//! parser turns a [`Fail`] into an [`IdentError`](super::IdentError) with the
//! AI and the absolute position.

use std::borrow::Cow;

use super::ai::{Cset, Linter};
use super::check_digit;
use super::codes;
use super::error::ErrorKind;

/// A failed check: what kind, where inside the component, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fail {
    pub kind: ErrorKind,
    pub at: usize,
    pub msg: Cow<'static, str>,
}

type Lint = Result<(), Fail>;

fn fail(kind: ErrorKind, at: usize, msg: impl Into<Cow<'static, str>>) -> Lint {
    Err(Fail {
        kind,
        at,
        msg: msg.into(),
    })
}

/// Check every byte of `v` against the character set.
pub(crate) fn cset(set: Cset, v: &[u8]) -> Lint {
    if set == Cset::Cset64 {
        return cset64(v);
    }
    match v.iter().position(|&b| !set.contains(b)) {
        None => Ok(()),
        Some(at) => {
            let b = v.get(at).copied().unwrap_or(0);
            fail(
                ErrorKind::BadCharacter,
                at,
                format!(
                    "character {} is not allowed here ({})",
                    super::symbology::show_byte(b),
                    set.describe()
                ),
            )
        }
    }
}

/// CSET 64: base64url characters with optional `=` padding at the end only.
fn cset64(v: &[u8]) -> Lint {
    let pads = v.iter().rev().take_while(|&&b| b == b'=').count();
    let body_len = v.len() - pads;
    if let Some(at) = v
        .iter()
        .take(body_len)
        .position(|&b| b == b'=' || !Cset::Cset64.contains(b))
    {
        let b = v.get(at).copied().unwrap_or(0);
        return fail(
            ErrorKind::BadCharacter,
            at,
            format!(
                "character {} is not allowed here (base64url: A-Z a-z 0-9 - _)",
                super::symbology::show_byte(b)
            ),
        );
    }
    if pads > 2 || (pads > 0 && !v.len().is_multiple_of(3)) {
        return fail(
            ErrorKind::BadCharacter,
            body_len,
            "wrong number of '=' pad characters at the end",
        );
    }
    Ok(())
}

/// Run one named check on a component.
pub(crate) fn run(linter: Linter, v: &[u8]) -> Lint {
    match linter {
        Linter::Csum => csum(v),
        Linter::CsumAlpha => csum_alpha(v),
        Linter::GcpPos1 => gcp(v, 0),
        Linter::GcpPos2 => {
            if v.len() < 2 {
                fail(
                    ErrorKind::BadCompanyPrefix,
                    0,
                    "too short to hold a GS1 Company Prefix",
                )
            } else {
                gcp(v, 1)
            }
        }
        Linter::Yymmd0 => date6(v, true),
        Linter::Yymmdd => date6(v, false),
        Linter::Yyyymmdd => date8(v, false),
        Linter::Hh => time2(v, 23, "hour"),
        Linter::Mi => time2(v, 59, "minute"),
        Linter::Ss => time2(v, 59, "second"),
        Linter::Hhmi => hhmi(v),
        Linter::Iso3166 => iso3166(v, false),
        Linter::Iso3166Or999 => iso3166(v, true),
        Linter::Iso3166Alpha2 => iso3166_alpha2(v),
        Linter::Iso4217 => iso4217(v),
        Linter::Iban => iban(v),
        Linter::PcEnc => pcenc(v),
        Linter::Latitude => coordinate(v, 1_800_000_000, "latitude"),
        Linter::Longitude => coordinate(v, 3_600_000_000, "longitude"),
        Linter::MediaType => media_type(v),
        Linter::CouponCode => coupon::code(v),
        Linter::CouponPosOffer => coupon::positive_offer(v),
        Linter::HasNonDigit => {
            if v.iter().any(|b| !b.is_ascii_digit()) {
                Ok(())
            } else {
                fail(
                    ErrorKind::BadComponent,
                    0,
                    "must contain at least one non-digit character",
                )
            }
        }
        Linter::Hyphen => {
            if !v.is_empty() && v.iter().all(|&b| b == b'-') {
                Ok(())
            } else {
                fail(ErrorKind::BadComponent, 0, "only '-' is allowed here")
            }
        }
        Linter::ImporterIdx => match v {
            [b] if b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_' => Ok(()),
            [_] => fail(
                ErrorKind::BadComponent,
                0,
                "importer index must be a letter, digit, '-' or '_'",
            ),
            _ => fail(
                ErrorKind::BadComponent,
                0,
                "importer index must be one character",
            ),
        },
        Linter::Iso5218 => one_of(
            v,
            &[b"0", b"1", b"2", b"9"],
            "sex code must be 0, 1, 2 or 9 (ISO/IEC 5218)",
        ),
        Linter::NonZero => {
            if v.iter().any(|&b| b != b'0') {
                Ok(())
            } else {
                fail(ErrorKind::BadComponent, 0, "must not be zero")
            }
        }
        Linter::NoZeroPrefix => {
            if v.first() == Some(&b'0') {
                fail(ErrorKind::BadComponent, 0, "must not start with 0")
            } else {
                Ok(())
            }
        }
        Linter::PackageType => match std::str::from_utf8(v) {
            Ok(s) if codes::PACKAGE_TYPES.binary_search(&s).is_ok() => Ok(()),
            _ => fail(
                ErrorKind::BadComponent,
                0,
                "not a package type code (UN/ECE Recommendation 21)",
            ),
        },
        Linter::PieceOfTotal => piece_of_total(v),
        Linter::PosInSeqSlash => pos_in_seq(v),
        Linter::Winding => one_of(
            v,
            &[b"0", b"1", b"9"],
            "winding direction must be 0, 1 or 9",
        ),
        Linter::YesNo => one_of(v, &[b"0", b"1"], "must be 0 (no) or 1 (yes)"),
        Linter::Zero => {
            if !v.is_empty() && v.iter().all(|&b| b == b'0') {
                Ok(())
            } else {
                fail(ErrorKind::BadComponent, 0, "must be 0")
            }
        }
    }
}

fn one_of(v: &[u8], allowed: &[&[u8]], msg: &'static str) -> Lint {
    if allowed.contains(&v) {
        Ok(())
    } else {
        fail(ErrorKind::BadComponent, 0, msg)
    }
}

fn digits_value(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 {
        return None;
    }
    v.iter().try_fold(0u64, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u64::from(b - b'0'))
    })
}

fn csum(v: &[u8]) -> Lint {
    if v.len() < 2 {
        return fail(
            ErrorKind::BadCheckDigit,
            0,
            "too short to carry a check digit",
        );
    }
    if check_digit::mod10_valid(v) {
        return Ok(());
    }
    let (body, _) = v.split_at(v.len() - 1);
    let expected = check_digit::mod10(body).map_or('?', |d| char::from(b'0' + d));
    fail(
        ErrorKind::BadCheckDigit,
        v.len() - 1,
        format!(
            "check digit is wrong: expected {expected}; the label may be misprinted or misread"
        ),
    )
}

fn csum_alpha(v: &[u8]) -> Lint {
    if v.len() < 2 {
        return fail(
            ErrorKind::BadCheckDigit,
            0,
            "too short to carry a check character pair",
        );
    }
    let (body, pair) = v.split_at(v.len() - 2);
    match check_digit::alnum_pair(body) {
        Some(p) if p == pair => Ok(()),
        Some(p) => fail(
            ErrorKind::BadCheckDigit,
            body.len(),
            format!(
                "check character pair is wrong: expected {}{}",
                char::from(p[0]),
                char::from(p[1])
            ),
        ),
        None => fail(
            ErrorKind::BadCheckDigit,
            0,
            "too long to carry a check character pair",
        ),
    }
}

/// A GS1 Company Prefix starts at `start`: at least four characters, all digits.
fn gcp(v: &[u8], start: usize) -> Lint {
    let Some(first4) = v.get(start..start + 4) else {
        return fail(
            ErrorKind::BadCompanyPrefix,
            start,
            "too short to hold a GS1 Company Prefix (at least 4 digits)",
        );
    };
    match first4.iter().position(|b| !b.is_ascii_digit()) {
        None => Ok(()),
        Some(at) => fail(
            ErrorKind::BadCompanyPrefix,
            start + at,
            "a GS1 Company Prefix starts with at least 4 digits",
        ),
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

/// The full year of a two-digit GS1 year: the century follows the 21st-century
/// window the syntax checks use (YY ≥ 72 is 19YY). Leap years then reduce to YY % 4 == 0.
pub(crate) fn full_year(yy: u32) -> u32 {
    if yy >= 72 { 1900 + yy } else { 2000 + yy }
}

fn ymd(year: u32, mm: &[u8], dd: &[u8], at: usize, day_zero_ok: bool) -> Lint {
    let month = digits_value(mm).unwrap_or(0) as u32;
    if !(1..=12).contains(&month) {
        return fail(
            ErrorKind::BadDate,
            at,
            format!("month {} is not 01-12", String::from_utf8_lossy(mm)),
        );
    }
    let day = digits_value(dd).unwrap_or(99) as u32;
    if day == 0 && day_zero_ok {
        return Ok(());
    }
    if day == 0 || day > days_in_month(year, month) {
        return fail(
            ErrorKind::BadDate,
            at + 2,
            format!(
                "day {} does not exist in month {month:02} of {year}",
                String::from_utf8_lossy(dd)
            ),
        );
    }
    Ok(())
}

fn date6(v: &[u8], day_zero_ok: bool) -> Lint {
    let [y1, y2, m1, m2, d1, d2] = v else {
        return fail(ErrorKind::BadDate, 0, "a date must be 6 digits, YYMMDD");
    };
    let Some(yy) = digits_value(&[*y1, *y2]) else {
        return fail(ErrorKind::BadDate, 0, "a date must be digits");
    };
    ymd(
        full_year(yy as u32),
        &[*m1, *m2],
        &[*d1, *d2],
        2,
        day_zero_ok,
    )
}

fn date8(v: &[u8], day_zero_ok: bool) -> Lint {
    let (Some(y), Some(mm), Some(dd), 8) = (v.get(..4), v.get(4..6), v.get(6..8), v.len()) else {
        return fail(ErrorKind::BadDate, 0, "a date must be 8 digits, YYYYMMDD");
    };
    let Some(year) = digits_value(y) else {
        return fail(ErrorKind::BadDate, 0, "a date must be digits");
    };
    ymd(year as u32, mm, dd, 4, day_zero_ok)
}

fn time2(v: &[u8], max: u64, what: &'static str) -> Lint {
    match (v.len(), digits_value(v)) {
        (2, Some(n)) if n <= max => Ok(()),
        (2, Some(_)) => fail(
            ErrorKind::BadTime,
            0,
            format!(
                "{what} {} is out of range 00-{max}",
                String::from_utf8_lossy(v)
            ),
        ),
        _ => fail(ErrorKind::BadTime, 0, format!("{what} must be 2 digits")),
    }
}

fn hhmi(v: &[u8]) -> Lint {
    let (Some(hh), Some(mi), 4) = (v.get(..2), v.get(2..4), v.len()) else {
        return fail(ErrorKind::BadTime, 0, "a time must be 4 digits, HHMM");
    };
    time2(hh, 23, "hour")?;
    time2(mi, 59, "minute").map_err(|f| Fail { at: f.at + 2, ..f })
}

fn iso3166(v: &[u8], or_999: bool) -> Lint {
    let code = (v.len() == 3).then(|| digits_value(v)).flatten();
    match code {
        Some(999) if or_999 => Ok(()),
        Some(n)
            if u16::try_from(n).is_ok_and(|n| codes::ISO3166_NUMERIC.binary_search(&n).is_ok()) =>
        {
            Ok(())
        }
        _ => fail(
            ErrorKind::BadCountry,
            0,
            format!(
                "{} is not an ISO 3166 numeric country code{}",
                String::from_utf8_lossy(v),
                if or_999 { " or 999" } else { "" }
            ),
        ),
    }
}

fn iso3166_alpha2(v: &[u8]) -> Lint {
    match std::str::from_utf8(v) {
        Ok(s) if codes::ISO3166_ALPHA2.binary_search(&s).is_ok() => Ok(()),
        _ => fail(
            ErrorKind::BadCountry,
            0,
            format!(
                "{} is not an ISO 3166 alpha-2 country code",
                String::from_utf8_lossy(v)
            ),
        ),
    }
}

fn iso4217(v: &[u8]) -> Lint {
    let code = (v.len() == 3).then(|| digits_value(v)).flatten();
    match code {
        Some(n)
            if u16::try_from(n).is_ok_and(|n| codes::ISO4217_NUMERIC.binary_search(&n).is_ok()) =>
        {
            Ok(())
        }
        _ => fail(
            ErrorKind::BadCurrency,
            0,
            format!(
                "{} is not an ISO 4217 numeric currency code",
                String::from_utf8_lossy(v)
            ),
        ),
    }
}

fn iban(v: &[u8]) -> Lint {
    if v.len() <= 10 {
        return fail(ErrorKind::BadIban, 0, "too short for an IBAN");
    }
    if v.len() > 34 {
        return fail(
            ErrorKind::BadIban,
            34,
            "too long for an IBAN (34 characters at most)",
        );
    }
    if let Some(at) = v
        .iter()
        .position(|b| !b.is_ascii_digit() && !b.is_ascii_uppercase())
    {
        return fail(
            ErrorKind::BadIban,
            at,
            "an IBAN has only digits and upper-case letters",
        );
    }
    iso3166_alpha2(v.get(..2).unwrap_or_default()).map_err(|f| Fail {
        kind: ErrorKind::BadIban,
        ..f
    })?;
    // Mod 97 over the rearranged string (first four characters moved to the end,
    // letters as 10..35), folded digit by digit to stay in u32.
    let (head, tail) = v.split_at(4);
    let mut rem: u32 = 0;
    for &b in tail.iter().chain(head) {
        let val = if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b - b'A') + 10
        };
        rem = if val >= 10 {
            (rem * 100 + val) % 97
        } else {
            (rem * 10 + val) % 97
        };
    }
    if rem == 1 {
        Ok(())
    } else {
        fail(ErrorKind::BadIban, 2, "IBAN check digits are wrong")
    }
}

fn is_hex(b: Option<&u8>) -> bool {
    b.is_some_and(u8::is_ascii_hexdigit)
}

fn pcenc(v: &[u8]) -> Lint {
    for (i, &b) in v.iter().enumerate() {
        if b == b'%' && !(is_hex(v.get(i + 1)) && is_hex(v.get(i + 2))) {
            return fail(
                ErrorKind::BadPercentEncoding,
                i,
                "'%' must be followed by two hex digits",
            );
        }
    }
    Ok(())
}

fn coordinate(v: &[u8], max: u64, what: &'static str) -> Lint {
    match (v.len(), digits_value(v)) {
        (10, Some(n)) if n <= max => Ok(()),
        (10, Some(_)) => fail(
            ErrorKind::BadComponent,
            0,
            format!("{what} is above {max:010}"),
        ),
        _ => fail(
            ErrorKind::BadComponent,
            0,
            format!("{what} must be 10 digits"),
        ),
    }
}

fn media_type(v: &[u8]) -> Lint {
    match (v.len(), digits_value(v)) {
        (2, Some(1..=10 | 80..=99)) => Ok(()),
        _ => fail(
            ErrorKind::BadComponent,
            0,
            "AIDC media type must be 01-10 or 80-99",
        ),
    }
}

fn piece_of_total(v: &[u8]) -> Lint {
    if v.is_empty() || !v.len().is_multiple_of(2) {
        return fail(
            ErrorKind::BadComponent,
            0,
            "piece and total must be two equal-length numbers",
        );
    }
    let (piece, total) = v.split_at(v.len() / 2);
    if piece.iter().all(|&b| b == b'0') {
        return fail(ErrorKind::BadComponent, 0, "piece number must not be zero");
    }
    if total.iter().all(|&b| b == b'0') {
        return fail(
            ErrorKind::BadComponent,
            piece.len(),
            "total number of pieces must not be zero",
        );
    }
    if piece > total {
        return fail(
            ErrorKind::BadComponent,
            0,
            "piece number is greater than the total",
        );
    }
    Ok(())
}

fn pos_in_seq(v: &[u8]) -> Lint {
    let malformed = || {
        fail(
            ErrorKind::BadComponent,
            0,
            "must be <position>/<end>, e.g. 1/2",
        )
    };
    let Some(slash) = v.iter().position(|&b| b == b'/') else {
        return malformed();
    };
    let (pos, rest) = v.split_at(slash);
    let end = rest.get(1..).unwrap_or_default();
    let all_digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if !all_digits(pos) || !all_digits(end) {
        return malformed();
    }
    if pos.first() == Some(&b'0') {
        return fail(ErrorKind::BadComponent, 0, "position must not start with 0");
    }
    if end.first() == Some(&b'0') {
        return fail(
            ErrorKind::BadComponent,
            slash + 1,
            "end must not start with 0",
        );
    }
    if (pos.len(), pos) > (end.len(), end) {
        return fail(
            ErrorKind::BadComponent,
            0,
            "position is greater than the end",
        );
    }
    Ok(())
}

/// North American coupon data (AI 8110) and positive offer file coupons (AI 8112).
mod coupon {
    use super::{Fail, Lint, date6, fail, gcp};
    use crate::ident::error::ErrorKind;

    /// A cursor over the all-digit coupon data; every take is bounds-checked.
    struct Cur<'a> {
        v: &'a [u8],
        p: usize,
    }

    impl<'a> Cur<'a> {
        fn peek(&self) -> Option<u8> {
            self.v.get(self.p).copied()
        }
        fn digit(&mut self, what: &'static str) -> Result<u8, Fail> {
            match self.peek() {
                Some(d) if d.is_ascii_digit() => {
                    self.p += 1;
                    Ok(d - b'0')
                }
                Some(_) => Err(not_digit(self.p)),
                None => Err(self.missing(what)),
            }
        }
        fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Fail> {
            match self.v.get(self.p..self.p + n) {
                Some(s) => {
                    self.p += n;
                    Ok(s)
                }
                None => Err(self.missing(what)),
            }
        }
        fn missing(&self, what: &'static str) -> Fail {
            Fail {
                kind: ErrorKind::BadComponent,
                at: self.p,
                msg: format!("coupon data ends before its {what}").into(),
            }
        }
        fn bad(&self, what: &'static str) -> Fail {
            Fail {
                kind: ErrorKind::BadComponent,
                at: self.p.saturating_sub(1),
                msg: format!("coupon {what} is not valid").into(),
            }
        }
        fn vli(&mut self, what: &'static str, ok: impl Fn(u8) -> bool) -> Result<u8, Fail> {
            let d = self.digit(what)?;
            if ok(d) { Ok(d) } else { Err(self.bad(what)) }
        }
        fn gcp(&mut self, len: usize, what: &'static str) -> Lint {
            let at = self.p;
            let s = self.take(len, what)?;
            gcp(s, 0).map_err(|f| Fail { at: at + f.at, ..f })
        }
        fn purchase(&mut self, n: &'static str, with_gcp: bool) -> Lint {
            let len = self.vli(n, |d| (1..=5).contains(&d))?;
            self.take(usize::from(len), "purchase requirement")?;
            self.vli("purchase requirement code", |d| d <= 4 || d == 9)?;
            self.take(3, "purchase family code")?;
            if with_gcp {
                let g = self.vli("purchase company prefix length", |d| d <= 6 || d == 9)?;
                if g != 9 {
                    self.gcp(usize::from(g) + 6, "purchase company prefix")?;
                }
            }
            Ok(())
        }
    }

    fn not_digit(at: usize) -> Fail {
        Fail {
            kind: ErrorKind::BadCharacter,
            at,
            msg: "coupon data is digits only".into(),
        }
    }

    /// The AIs' character set is CSET 82, but coupon data is all digits.
    fn all_digits(v: &[u8]) -> Lint {
        match v.iter().position(|b| !b.is_ascii_digit()) {
            None => Ok(()),
            Some(at) => Err(not_digit(at)),
        }
    }

    pub(super) fn code(v: &[u8]) -> Lint {
        all_digits(v)?;
        let mut c = Cur { v, p: 0 };
        let g = c.vli("company prefix length", |d| d <= 6)?;
        c.gcp(usize::from(g) + 6, "company prefix")?;
        c.take(6, "offer code")?;
        let s = c.vli("save value length", |d| (1..=5).contains(&d))?;
        c.take(usize::from(s), "save value")?;
        c.purchase("first purchase requirement length", false)?;
        let mut expiry: Option<&[u8]> = None;
        for indicator in [b'1', b'2', b'3', b'4', b'5', b'6', b'9'] {
            if c.peek() != Some(indicator) {
                continue;
            }
            c.p += 1;
            match indicator {
                b'1' => {
                    c.vli("additional purchase rules code", |d| d <= 3)?;
                    c.purchase("second purchase requirement length", true)?;
                }
                b'2' => c.purchase("third purchase requirement length", true)?,
                b'3' => {
                    let at = c.p;
                    let d = c.take(6, "expiration date")?;
                    date6(d, false).map_err(|f| Fail { at: at + f.at, ..f })?;
                    expiry = Some(d);
                }
                b'4' => {
                    let at = c.p;
                    let d = c.take(6, "start date")?;
                    date6(d, false).map_err(|f| Fail { at: at + f.at, ..f })?;
                    if expiry.is_some_and(|e| d > e) {
                        return fail(
                            ErrorKind::BadComponent,
                            at,
                            "coupon start date is after its expiration date",
                        );
                    }
                }
                b'5' => {
                    let n = c.digit("serial number length")?;
                    c.take(usize::from(n) + 6, "serial number")?;
                }
                b'6' => {
                    let n = c.vli("retailer company prefix length", |d| (1..=7).contains(&d))?;
                    c.gcp(usize::from(n) + 6, "retailer company prefix or GLN")?;
                }
                _ => {
                    c.vli("save value code", |d| matches!(d, 0 | 1 | 2 | 5 | 6))?;
                    c.vli("applies-to-item flag", |d| d <= 2)?;
                    c.digit("store coupon flag")?;
                    c.vli("do-not-multiply flag", |d| d <= 1)?;
                }
            }
        }
        if c.p < v.len() {
            return fail(
                ErrorKind::BadComponent,
                c.p,
                "coupon has data after its last recognised field",
            );
        }
        Ok(())
    }

    pub(super) fn positive_offer(v: &[u8]) -> Lint {
        all_digits(v)?;
        let mut c = Cur { v, p: 0 };
        c.vli("format code", |d| d <= 1)?;
        let f = c.vli("funder length", |d| d <= 6)?;
        c.gcp(usize::from(f) + 6, "funder ID")?;
        c.take(6, "offer code")?;
        let s = c.digit("serial number length")?;
        c.take(usize::from(s) + 6, "serial number")?;
        if c.p < v.len() {
            return fail(
                ErrorKind::BadComponent,
                c.p,
                "coupon has data after its serial number",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(l: Linter, v: &str) {
        assert_eq!(run(l, v.as_bytes()), Ok(()), "{l:?} should accept {v:?}");
    }
    fn bad(l: Linter, v: &str, kind: ErrorKind) {
        match run(l, v.as_bytes()) {
            Err(f) => assert_eq!(f.kind, kind, "{l:?} on {v:?}: {}", f.msg),
            Ok(()) => panic!("{l:?} should reject {v:?}"),
        }
    }

    #[test]
    fn mod10_check_digits() {
        for v in [
            "02345673",
            "416000336108",
            "1234567890128",
            "12345678901231",
            "123456789012345675",
        ] {
            ok(Linter::Csum, v);
        }
        for v in ["12345673", "416000336109", "12345678901232", "1"] {
            bad(Linter::Csum, v, ErrorKind::BadCheckDigit);
        }
    }

    #[test]
    fn alphanumeric_check_pairs() {
        for v in [
            "22",
            "!22",
            "!!22",
            "1987654Ad4X4bL5ttr2310c2K",
            "12345678901234567890123NT",
            "12345_ABCDEFGHIJKLMCP",
            "12345_abcdefghijklmN3",
            "12345_!\"%&'()*+,-./LC",
            "12345_0123456789:;<=>?62",
            "7907665Bm8v2AB",
            "00000!HV",
            "99999zzzzzzzzzzzzzzzzzzT2",
        ] {
            ok(Linter::CsumAlpha, v);
        }
        bad(Linter::CsumAlpha, "33", ErrorKind::BadCheckDigit);
        bad(
            Linter::CsumAlpha,
            "1987654Ad4X4bL5ttr2310cXK",
            ErrorKind::BadCheckDigit,
        );
        bad(Linter::CsumAlpha, "A", ErrorKind::BadCheckDigit);
    }

    #[test]
    fn company_prefix_position() {
        ok(Linter::GcpPos1, "0123");
        ok(Linter::GcpPos1, "0123A");
        bad(Linter::GcpPos1, "012A", ErrorKind::BadCompanyPrefix);
        bad(Linter::GcpPos1, "012", ErrorKind::BadCompanyPrefix);
        ok(Linter::GcpPos2, "I0123");
        bad(Linter::GcpPos2, "I012", ErrorKind::BadCompanyPrefix);
        bad(Linter::GcpPos2, "IA123", ErrorKind::BadCompanyPrefix);
    }

    #[test]
    fn dates_with_and_without_day_zero() {
        for v in ["000229", "040229", "960229", "240229", "200600"] {
            ok(Linter::Yymmd0, v);
        }
        for v in ["210229", "000230", "200010", "201310", "2006", "20060a"] {
            bad(Linter::Yymmd0, v, ErrorKind::BadDate);
        }
        bad(Linter::Yymmdd, "200600", ErrorKind::BadDate);
        ok(Linter::Yymmdd, "261231");
        ok(Linter::Yyyymmdd, "20000229");
        bad(Linter::Yyyymmdd, "21000229", ErrorKind::BadDate);
        ok(Linter::Yyyymmdd, "24000229");
        bad(Linter::Yyyymmdd, "20240100", ErrorKind::BadDate);
    }

    #[test]
    fn times() {
        ok(Linter::Hhmi, "2359");
        bad(Linter::Hhmi, "2400", ErrorKind::BadTime);
        bad(Linter::Hhmi, "0060", ErrorKind::BadTime);
        ok(Linter::Hh, "00");
        bad(Linter::Ss, "60", ErrorKind::BadTime);
        bad(Linter::Mi, "7", ErrorKind::BadTime);
    }

    #[test]
    fn countries_and_currencies() {
        ok(Linter::Iso3166, "528");
        bad(Linter::Iso3166, "987", ErrorKind::BadCountry);
        bad(Linter::Iso3166, "999", ErrorKind::BadCountry);
        ok(Linter::Iso3166Or999, "999");
        ok(Linter::Iso3166Alpha2, "DE");
        bad(Linter::Iso3166Alpha2, "AA", ErrorKind::BadCountry);
        bad(Linter::Iso3166Alpha2, "de", ErrorKind::BadCountry);
        ok(Linter::Iso4217, "978");
        bad(Linter::Iso4217, "987", ErrorKind::BadCurrency);
    }

    #[test]
    fn ibans() {
        for v in [
            "FR7630006000011234567890189",
            "DE91100000000123456789",
            "GB98MIDL07009312345678",
            "BE71096123456769",
            "CH5604835012345678009",
        ] {
            ok(Linter::Iban, v);
        }
        for v in [
            "BE71096123456760",
            "BE71",
            "XX361234567890",
            "LC14BOSLxx3456789012345678901230",
            "FR12345678901234",
        ] {
            bad(Linter::Iban, v, ErrorKind::BadIban);
        }
    }

    #[test]
    fn percent_encoding_coordinates_and_codes() {
        ok(Linter::PcEnc, "ABC%20XYZ");
        ok(Linter::PcEnc, "%Ff");
        bad(Linter::PcEnc, "ABC%g", ErrorKind::BadPercentEncoding);
        bad(Linter::PcEnc, "%2", ErrorKind::BadPercentEncoding);
        ok(Linter::Latitude, "1800000000");
        bad(Linter::Latitude, "1800000001", ErrorKind::BadComponent);
        ok(Linter::Longitude, "3600000000");
        bad(Linter::Longitude, "3600000001", ErrorKind::BadComponent);
        ok(Linter::MediaType, "10");
        ok(Linter::MediaType, "80");
        bad(Linter::MediaType, "11", ErrorKind::BadComponent);
        bad(Linter::MediaType, "00", ErrorKind::BadComponent);
        ok(Linter::PackageType, "PX");
        ok(Linter::PackageType, "1A");
        bad(Linter::PackageType, "_1A", ErrorKind::BadComponent);
    }

    #[test]
    fn small_value_checks() {
        ok(Linter::PieceOfTotal, "0103");
        ok(Linter::PieceOfTotal, "11");
        for v in ["01", "10", "21", "0908", "123"] {
            bad(Linter::PieceOfTotal, v, ErrorKind::BadComponent);
        }
        for v in ["1/1", "9/10", "100/100", "999/999"] {
            ok(Linter::PosInSeqSlash, v);
        }
        for v in [
            "", "/", "1", "1/", "/1", "1//2", "x/y", "0/1", "1/0", "01/2", "2/1", "10/9",
        ] {
            bad(Linter::PosInSeqSlash, v, ErrorKind::BadComponent);
        }
        ok(Linter::Zero, "0");
        bad(Linter::Zero, "01", ErrorKind::BadComponent);
        ok(Linter::YesNo, "1");
        bad(Linter::YesNo, "2", ErrorKind::BadComponent);
        ok(Linter::Winding, "9");
        bad(Linter::Winding, "2", ErrorKind::BadComponent);
        ok(Linter::Iso5218, "2");
        bad(Linter::Iso5218, "5", ErrorKind::BadComponent);
        ok(Linter::Hyphen, "-");
        bad(Linter::Hyphen, "X", ErrorKind::BadComponent);
        ok(Linter::HasNonDigit, "12A");
        bad(Linter::HasNonDigit, "123", ErrorKind::BadComponent);
        ok(Linter::NonZero, "0010");
        bad(Linter::NonZero, "0000", ErrorKind::BadComponent);
        ok(Linter::NoZeroPrefix, "123");
        bad(Linter::NoZeroPrefix, "0", ErrorKind::BadComponent);
        ok(Linter::ImporterIdx, "_");
        bad(Linter::ImporterIdx, "=", ErrorKind::BadComponent);
    }

    #[test]
    fn base64url_with_padding() {
        for v in ["", "1", "12", "123", "12=", "1=="] {
            assert_eq!(cset(Cset::Cset64, v.as_bytes()), Ok(()), "{v}");
        }
        for v in [
            "===", "123=", "12==", "1===", "1234=", "123==", "=", "=23", "1=3", "ABC ",
        ] {
            assert!(cset(Cset::Cset64, v.as_bytes()).is_err(), "{v}");
        }
    }

    #[test]
    fn coupon_data_with_non_digits_is_a_bad_character_not_a_panic() {
        // Coupon AIs are CSET 82, so letters and punctuation pass the
        // character-set check and reach the all-digit coupon parser.
        bad(Linter::CouponCode, "(22)))4)))", ErrorKind::BadCharacter);
        bad(
            Linter::CouponCode,
            "0123456ABCDEF1",
            ErrorKind::BadCharacter,
        );
        bad(Linter::CouponPosOffer, "0/", ErrorKind::BadCharacter);
        let e = crate::ident::element_string::parse_raw(
            b"8110(22)))4)))",
            0,
            &crate::ident::Options::default(),
        )
        .unwrap_err();
        assert_eq!((e.kind, e.position), (ErrorKind::BadCharacter, 4));
    }

    #[test]
    fn coupons() {
        ok(Linter::CouponCode, "012345612345611110123");
        bad(
            Linter::CouponCode,
            "0123456123456111101239",
            ErrorKind::BadComponent,
        );
        bad(Linter::CouponCode, "7", ErrorKind::BadComponent);
        ok(Linter::CouponPosOffer, "001234561234560123456");
        ok(Linter::CouponPosOffer, "0012345612345611234567");
        for v in [
            "201234561234560123456",
            "07",
            "00123456123456",
            "0012345612345601234567",
        ] {
            bad(Linter::CouponPosOffer, v, ErrorKind::BadComponent);
        }
    }
}
