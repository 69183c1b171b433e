//! GS1 Digital Link URIs: `https://example.com/01/09506000134352/10/ABC?17=261231`.
//!
//! Parsing finds the primary key and its qualifiers in the path (anything to
//! the left of them is the resolver's own path, the "stem"), reads AI data
//! attributes from the query, percent-decodes values, checks the key and
//! qualifier order against the AI table, and validates the resulting element
//! string like any scanned one. Query parameters that are not AIs (such as
//! `linkType`) are ignored and reported.
//!
//! Generation turns an element string back into a URI under a chosen stem.

use super::ai::{self, AiEntry};
use super::element_string::{ElementString, Options, Warning, WarningKind};
use super::error::{ErrorKind, IdentError};

/// Options for Digital Link parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DlOptions {
    /// Element-string options applied to the AIs found.
    pub ais: Options,
    /// Accept GTIN-8, GTIN-12 and GTIN-13 in the path (zero-padded to 14).
    /// The standard asks for 14 digits in the path; default off.
    pub permit_zero_suppressed_gtin: bool,
}

/// A parsed GS1 Digital Link URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitalLink {
    /// Scheme and domain, e.g. `https://id.example.com`.
    pub origin: String,
    /// Path segments before the primary key (`/some/stem`, or empty).
    pub stem: String,
    /// How many of the element string's fields came from the path.
    pub path_ais: usize,
    /// The AIs: path key and qualifiers in path order, then query attributes in query order.
    pub element_string: ElementString,
    /// Query parameters that are not AIs, kept as given (key, value).
    pub ignored: Vec<(String, Option<String>)>,
}

/// True if `data` begins with a scheme that makes it a Digital Link candidate.
pub fn has_dl_scheme(data: &[u8]) -> bool {
    scheme_len(data).is_some()
}

fn scheme_len(data: &[u8]) -> Option<usize> {
    ["https://", "HTTPS://", "http://", "HTTP://"]
        .iter()
        .find(|s| data.starts_with(s.as_bytes()))
        .map(|s| s.len())
}

fn dl_err(pos: usize, msg: impl Into<String>) -> IdentError {
    IdentError::new(ErrorKind::BadDigitalLink, pos, msg)
}

fn uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b':'
                | b'/'
                | b'?'
                | b'#'
                | b'['
                | b']'
                | b'@'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b'%'
        )
}

fn hex_val(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Percent-decode: `%XY` with two hex digits becomes a byte; a `%` not
/// followed by two hex digits stays as it is. In a query, `+` is a space.
fn decode_component(s: &[u8], plus_is_space: bool, out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        match (
            b,
            s.get(i + 1).copied().and_then(hex_val),
            s.get(i + 2).copied().and_then(hex_val),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push(h << 4 | l);
                i += 3;
            }
            (b'+', _, _) if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
}

/// Split `s` (starting at `base`) on `/` into (position, segment) pairs.
fn segments(s: &[u8], base: usize) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        if b == b'/' {
            out.push((base + start, s.get(start..i).unwrap_or_default()));
            start = i + 1;
        }
    }
    out.push((base + start, s.get(start..).unwrap_or_default()));
    out
}

fn ai_of(seg: &[u8]) -> Option<&'static AiEntry> {
    if !(2..=4).contains(&seg.len()) || !seg.iter().all(u8::is_ascii_digit) {
        return None;
    }
    ai::entry(std::str::from_utf8(seg).ok()?)
}

/// True if `seq` (key, then qualifiers) is a valid key-qualifier sequence.
fn valid_sequence<'a>(mut seq: impl Iterator<Item = &'a str> + Clone) -> bool {
    let Some(alts) = seq.next().and_then(ai::entry).and_then(|e| e.dl_key) else {
        return false;
    };
    alts.iter().any(|alt| {
        let mut it = alt.iter();
        seq.clone().all(|q| it.any(|a| *a == q))
    })
}

/// Parse a GS1 Digital Link URI. `base` is its position in the caller's input.
pub fn parse(uri: &[u8], base: usize, opts: &DlOptions) -> Result<DigitalLink, IdentError> {
    if let Some(i) = uri.iter().position(|&b| !uri_char(b)) {
        return Err(dl_err(
            base + i,
            format!(
                "character {} is not allowed in a URI",
                super::symbology::show_byte(uri.get(i).copied().unwrap_or(0))
            ),
        ));
    }
    let scheme = scheme_len(uri)
        .ok_or_else(|| dl_err(base, "a GS1 Digital Link starts with https:// or http://"))?;
    let after_scheme = uri.get(scheme..).unwrap_or_default();
    let slash = after_scheme
        .iter()
        .position(|&b| b == b'/')
        .filter(|&i| i > 0)
        .ok_or_else(|| dl_err(base + scheme, "the URI needs a domain followed by a path"))?;
    let domain = after_scheme.get(..slash).unwrap_or_default();
    if let Some(i) = domain.iter().position(|b| b"_~?#@!$&'()*+,;=%".contains(b)) {
        return Err(dl_err(
            base + scheme + i,
            "the domain contains a character not allowed in a host name",
        ));
    }
    let origin_len = scheme + slash;
    // Fragment, then query.
    let rest = uri.get(origin_len..).unwrap_or_default();
    let rest = rest.split(|&b| b == b'#').next().unwrap_or_default();
    let (path, query) = match rest.iter().position(|&b| b == b'?') {
        Some(q) => (rest.get(..q).unwrap_or_default(), rest.get(q + 1..)),
        None => (rest, None),
    };
    let path_base = base + origin_len;

    // Path: "/seg/seg/..."; the first segment is the empty one before the leading '/'.
    let segs = segments(path.get(1..).unwrap_or_default(), path_base + 1);
    // Walk backwards in (AI, value) pairs until a primary key is found.
    let mut key_at = None;
    let mut i = segs.len();
    while i >= 2 {
        let Some(entry) = segs.get(i - 2).and_then(|(_, s)| ai_of(s)) else {
            break;
        };
        if entry.dl_key.is_some() {
            key_at = Some(i - 2);
            break;
        }
        i -= 2;
    }
    let key_at = key_at.ok_or_else(|| {
        dl_err(
            path_base,
            "no GS1 primary key (such as /01/ with a GTIN) found at the end of the URI path",
        )
    })?;

    let mut es = ElementString::new();
    let mut decoded = Vec::with_capacity(32);
    let mut path_seq: Vec<&'static str> = Vec::with_capacity(4);
    for pair in segs.get(key_at..).unwrap_or_default().chunks(2) {
        let [(ai_pos, ai_seg), (v_pos, v_seg)] = pair else {
            return Err(dl_err(
                path_base,
                "path segments after the key must come in AI/value pairs",
            ));
        };
        let entry = ai_of(ai_seg).ok_or_else(|| dl_err(*ai_pos, "path segment is not an AI"))?;
        if v_seg.is_empty() {
            return Err(IdentError::at_ai(
                ErrorKind::BadDigitalLink,
                entry.ai,
                *v_pos,
                format!("AI ({}) has an empty value in the URI path", entry.ai),
            ));
        }
        decode_component(v_seg, false, &mut decoded);
        check_no_nul(&decoded, entry.ai, *v_pos)?;
        let pad = if entry.ai == "01" && opts.permit_zero_suppressed_gtin {
            pad_gtin(&mut decoded)
        } else {
            0
        };
        es.push(entry.ai, &decoded, *ai_pos, *v_pos, &opts.ais)
            .map_err(|e| unpad_position(e, pad, *v_pos))?;
        path_seq.push(entry.ai);
    }
    if !valid_sequence(path_seq.iter().copied()) {
        return Err(dl_err(
            path_base,
            format!(
                "the path AIs ({}) are not a valid key-qualifier sequence; qualifiers must follow their key in the order the standard defines",
                path_seq.join(", ")
            ),
        ));
    }
    let path_ais = es.len();

    // Query: AI attributes and other parameters.
    let mut ignored = Vec::new();
    if let Some(q) = query {
        let q_base = base + origin_len + path.len() + 1;
        let mut start = 0;
        for part in q.split(|&b| b == b'&') {
            let part_pos = q_base + start;
            start += part.len() + 1;
            if part.is_empty() {
                continue;
            }
            let Some(eq) = part.iter().position(|&b| b == b'=') else {
                ignored.push((String::from_utf8_lossy(part).into_owned(), None));
                continue;
            };
            let (key, value) = (
                part.get(..eq).unwrap_or_default(),
                part.get(eq + 1..).unwrap_or_default(),
            );
            if !key.iter().all(u8::is_ascii_digit) {
                ignored.push((
                    String::from_utf8_lossy(key).into_owned(),
                    Some(String::from_utf8_lossy(value).into_owned()),
                ));
                continue;
            }
            let entry = ai_of(key).ok_or_else(|| {
                dl_err(
                    part_pos,
                    format!(
                        "query parameter {} is not a known AI",
                        String::from_utf8_lossy(key)
                    ),
                )
            })?;
            let v_pos = part_pos + eq + 1;
            if value.is_empty() {
                return Err(IdentError::at_ai(
                    ErrorKind::BadDigitalLink,
                    entry.ai,
                    v_pos,
                    format!("AI ({}) has an empty value in the URI query", entry.ai),
                ));
            }
            if !entry.dl_attr {
                return Err(IdentError::at_ai(
                    ErrorKind::BadDigitalLink,
                    entry.ai,
                    part_pos,
                    format!(
                        "AI ({}) may not be a Digital Link query attribute",
                        entry.ai
                    ),
                ));
            }
            if es.get(entry.ai).is_some() {
                return Err(IdentError::at_ai(
                    ErrorKind::BadDigitalLink,
                    entry.ai,
                    part_pos,
                    format!("AI ({}) appears more than once in the URI", entry.ai),
                ));
            }
            for k in 1..=path_seq.len() {
                let (before, after) = path_seq.split_at(k);
                let trial = before
                    .iter()
                    .chain(std::iter::once(&entry.ai))
                    .chain(after)
                    .copied();
                if valid_sequence(trial) {
                    return Err(IdentError::at_ai(
                        ErrorKind::BadDigitalLink,
                        entry.ai,
                        part_pos,
                        format!(
                            "AI ({}) is a qualifier of the key and belongs in the URI path, not the query",
                            entry.ai
                        ),
                    ));
                }
            }
            decode_component(value, true, &mut decoded);
            check_no_nul(&decoded, entry.ai, v_pos)?;
            let pad = if entry.ai == "01" {
                pad_gtin(&mut decoded)
            } else {
                0
            };
            es.push(entry.ai, &decoded, part_pos, v_pos, &opts.ais)
                .map_err(|e| unpad_position(e, pad, v_pos))?;
        }
    }
    // Repeated AIs inside the path.
    for (i, a) in path_seq.iter().enumerate() {
        if path_seq.iter().skip(i + 1).any(|b| b == a) {
            return Err(IdentError::at_ai(
                ErrorKind::BadDigitalLink,
                *a,
                path_base,
                format!("AI ({a}) appears more than once in the URI"),
            ));
        }
    }
    es.check_associations(&opts.ais)?;
    for (k, v) in &ignored {
        es.push_warning(Warning {
            kind: WarningKind::IgnoredQueryParameter,
            ai: None,
            message: match v {
                Some(v) => format!("query parameter {k}={v} is not an AI and was ignored"),
                None => format!("query parameter {k} is not an AI and was ignored"),
            },
        });
    }
    let stem_end = segs
        .get(key_at)
        .map_or(path_base, |(p, _)| p.saturating_sub(1));
    Ok(DigitalLink {
        origin: String::from_utf8_lossy(uri.get(..origin_len).unwrap_or_default()).into_owned(),
        stem: String::from_utf8_lossy(
            uri.get(origin_len..stem_end.saturating_sub(base))
                .unwrap_or_default(),
        )
        .into_owned(),
        path_ais,
        element_string: es,
        ignored,
    })
}

fn check_no_nul(v: &[u8], ai: &str, pos: usize) -> Result<(), IdentError> {
    if v.contains(&0) {
        return Err(IdentError::at_ai(
            ErrorKind::BadPercentEncoding,
            ai,
            pos,
            format!("AI ({ai}) value decodes to a NUL character"),
        ));
    }
    Ok(())
}

/// Zero-pad a GTIN-8, -12 or -13 to 14 digits; returns how many zeros were added.
fn pad_gtin(v: &mut Vec<u8>) -> usize {
    if matches!(v.len(), 8 | 12 | 13) && v.iter().all(u8::is_ascii_digit) {
        let pad = 14 - v.len();
        v.splice(0..0, std::iter::repeat_n(b'0', pad));
        pad
    } else {
        0
    }
}

/// Map an error position inside a zero-padded GTIN back to the digits as
/// written in the URI (the added zeros are not in the input).
fn unpad_position(mut e: IdentError, pad: usize, value_pos: usize) -> IdentError {
    if pad > 0 && e.position >= value_pos {
        e.position = e.position.saturating_sub(pad).max(value_pos);
    }
    e
}

fn escape_into(out: &mut String, v: &str) {
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// Build a Digital Link URI for `es` under `stem` (e.g. `https://id.gs1.org`).
///
/// The first AI that is a primary key goes in the path with the qualifiers
/// present (the qualifier sequence with the most of them); every other AI
/// becomes a query attribute, predefined-length AIs first, in data order.
pub fn to_uri(es: &ElementString, stem: &str) -> Result<String, IdentError> {
    let fields: Vec<(&str, &str, Option<&'static AiEntry>)> = es.field_entries().collect();
    let (key_idx, key_entry) = fields
        .iter()
        .enumerate()
        .find_map(|(i, (_, _, e))| e.filter(|e| e.dl_key.is_some()).map(|e| (i, e)))
        .ok_or_else(|| {
            dl_err(
                0,
                "a Digital Link needs a primary key AI such as (01), (00) or (414)",
            )
        })?;
    let present = |ai: &str| fields.iter().any(|(a, _, _)| *a == ai);
    // A qualifier sequence works when every AI left out of the path may be a
    // query attribute (e.g. (01) with (235) and (10): /235/ in the path, 10 in
    // the query, since 235 is not an attribute). Prefer one that works, then
    // the one with most qualifiers, then the first in order.
    let leaves_only_attributes = |path: &[&str]| {
        fields
            .iter()
            .all(|(a, _, e)| *a == key_entry.ai || path.contains(a) || e.is_some_and(|e| e.dl_attr))
    };
    let mut alts: Vec<Vec<&str>> = key_entry
        .dl_key
        .unwrap_or_default()
        .iter()
        .map(|alt| alt.iter().copied().filter(|q| present(q)).collect())
        .collect();
    alts.sort();
    alts.sort_by_key(|alt| {
        (
            std::cmp::Reverse(leaves_only_attributes(alt)),
            std::cmp::Reverse(alt.len()),
        )
    });
    let best: Vec<&str> = alts.into_iter().next().unwrap_or_default();
    let mut out = String::with_capacity(stem.len() + 64);
    out.push_str(stem.strip_suffix('/').unwrap_or(stem));
    let mut used = vec![false; fields.len()];
    // Mark a field and its identical repeats as carried: a URI holds each AI once.
    let mark = |used: &mut Vec<bool>, a: &str, v: &str| {
        for (j, (b, w, _)) in fields.iter().enumerate() {
            if *b == a
                && *w == v
                && let Some(u) = used.get_mut(j)
            {
                *u = true;
            }
        }
    };
    let path_order = std::iter::once(key_idx).chain(
        best.iter()
            .filter_map(|q| fields.iter().position(|(a, _, _)| a == q)),
    );
    for i in path_order {
        if let Some((a, v, _)) = fields.get(i) {
            mark(&mut used, a, v);
            out.push('/');
            out.push_str(a);
            out.push('/');
            escape_into(&mut out, v);
        }
    }
    let mut sep = '?';
    for fixed_pass in [true, false] {
        for (i, (a, v, e)) in fields.iter().enumerate() {
            if used.get(i).copied().unwrap_or(true) {
                continue;
            }
            let predefined = e.is_some_and(|e| e.predefined);
            if predefined != fixed_pass {
                continue;
            }
            if !e.is_some_and(|e| e.dl_attr) {
                return Err(IdentError::at_ai(
                    ErrorKind::BadDigitalLink,
                    *a,
                    0,
                    format!("AI ({a}) cannot be carried in a Digital Link URI"),
                ));
            }
            mark(&mut used, a, v);
            out.push(sep);
            sep = '&';
            out.push_str(a);
            out.push('=');
            escape_into(&mut out, v);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dl(s: &str) -> Result<DigitalLink, IdentError> {
        parse(s.as_bytes(), 0, &DlOptions::default())
    }
    fn ais(d: &DigitalLink) -> Vec<(String, String)> {
        d.element_string
            .iter()
            .map(|(a, v)| (a.to_owned(), v.to_owned()))
            .collect()
    }
    fn kind(s: &str) -> ErrorKind {
        dl(s).expect_err(s).kind
    }

    #[test]
    fn path_key_qualifiers_and_query_attributes() {
        let d = dl("https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426").unwrap();
        assert_eq!(
            ais(&d),
            [
                ("01", "09520123456788"),
                ("10", "ABC1"),
                ("21", "12345"),
                ("17", "180426")
            ]
            .map(|(a, v)| (a.to_owned(), v.to_owned()))
        );
        assert_eq!(d.path_ais, 3);
        assert_eq!(d.origin, "https://id.gs1.org");
        assert_eq!(d.stem, "");
        assert_eq!(
            d.element_string.to_raw(),
            "010952012345678810ABC1\x1d2112345\x1d17180426"
        );
    }

    #[test]
    fn stem_before_the_key_is_skipped() {
        let d = dl("https://example.com/more/stem/00/006141411234567890").unwrap();
        assert_eq!(d.stem, "/more/stem");
        assert_eq!(ais(&d)[0].1, "006141411234567890");
        let d = dl("https://a/00/faux/00/006141411234567890").unwrap();
        assert_eq!(d.element_string.len(), 1);
        assert_eq!(d.stem, "/00/faux");
    }

    #[test]
    fn schemes_domains_and_characters() {
        assert!(dl("HTTP://example.com/01/09520123456788").is_ok());
        assert_eq!(
            kind("HtTp://example.com/01/09520123456788"),
            ErrorKind::BadDigitalLink
        );
        assert_eq!(
            kind("ftp://example.com/01/09520123456788"),
            ErrorKind::BadDigitalLink
        );
        assert_eq!(kind("https://example.com"), ErrorKind::BadDigitalLink);
        assert_eq!(
            kind("https:///01/09520123456788"),
            ErrorKind::BadDigitalLink
        );
        assert_eq!(
            kind("https://exa_mple.com/01/09520123456788"),
            ErrorKind::BadDigitalLink
        );
        assert_eq!(
            kind("https://example.com/01/0952012345 6788"),
            ErrorKind::BadDigitalLink
        );
        assert_eq!(
            kind("https://example.com/01/09520123456788/"),
            ErrorKind::BadDigitalLink
        );
        assert_eq!(
            kind("https://example.com/stem/only"),
            ErrorKind::BadDigitalLink
        );
    }

    #[test]
    fn qualifier_order_and_placement() {
        assert!(dl("https://a.b/01/09520123456788/22/2A/10/L1/21/S1").is_ok());
        assert_eq!(
            kind("https://a.b/01/09520123456788/21/S1/10/L1"),
            ErrorKind::BadDigitalLink
        );
        assert_eq!(
            kind("https://a.b/01/09520123456788?10=L1"),
            ErrorKind::BadDigitalLink
        );
        assert!(dl("https://a.b/01/09520123456788/235/XYZ?10=ABC123").is_ok());
        assert!(dl("https://a.b/414/9520123456788/254/32a%2Fb").is_ok());
        assert_eq!(
            kind("https://a.b/01/09520123456788?8200=https%3A%2F%2Fx"),
            ErrorKind::BadDigitalLink
        );
    }

    #[test]
    fn values_are_percent_decoded_and_validated() {
        let d = dl("https://a.b/01/09520123456788/10/AB%2FC%25?3103=000189").unwrap();
        assert_eq!(d.element_string.get("10"), Some("AB/C%"));
        assert_eq!(
            kind("https://a.b/01/09520123456789"),
            ErrorKind::BadCheckDigit
        );
        assert_eq!(
            kind("https://a.b/01/09520123456788/10/A%00"),
            ErrorKind::BadPercentEncoding
        );
        assert_eq!(
            kind("https://a.b/01/09520123456788/10/"),
            ErrorKind::BadDigitalLink
        );
        assert_eq!(
            kind("https://a.b/01/09520123456788?17="),
            ErrorKind::BadDigitalLink
        );
        assert_eq!(
            kind("https://a.b/01/09520123456788?999=faux"),
            ErrorKind::BadDigitalLink
        );
        assert_eq!(
            kind("https://a.b/01/09520123456788?17=261231&17=261231"),
            ErrorKind::BadDigitalLink
        );
        assert_eq!(
            kind("https://a.b/01/09520123456788?02=09520123456788"),
            ErrorKind::ForbiddenPair
        );
    }

    #[test]
    fn zero_suppressed_gtins() {
        assert_eq!(kind("https://a.b/01/9520123456788"), ErrorKind::TooShort);
        let lax = DlOptions {
            permit_zero_suppressed_gtin: true,
            ..DlOptions::default()
        };
        let d = parse(b"https://a.b/01/9520123456788", 0, &lax).unwrap();
        assert_eq!(d.element_string.get("01"), Some("09520123456788"));
        let d = dl("https://a.b/00/006141411234567890?01=9520123456788&37=1").unwrap_err();
        assert_eq!(d.kind, ErrorKind::ForbiddenPair);
    }

    #[test]
    fn errors_in_zero_suppressed_gtins_point_at_the_digits_as_written() {
        let lax = DlOptions {
            permit_zero_suppressed_gtin: true,
            ..DlOptions::default()
        };
        // 12 digits with a wrong check digit: the last digit is at byte 26.
        let uri = b"https://a.b/01/095000013435";
        let e = parse(uri, 0, &lax).unwrap_err();
        assert_eq!((e.kind, e.position), (ErrorKind::BadCheckDigit, 26));
        let uri = b"https://a.b/00/106141411234567897?01=9506000134353";
        let e = dl(std::str::from_utf8(uri).unwrap()).unwrap_err();
        assert_eq!(
            (e.kind, e.position),
            (ErrorKind::BadCheckDigit, uri.len() - 1)
        );
    }

    #[test]
    fn non_ai_parameters_and_fragments_are_ignored_and_reported() {
        let d = dl("https://a.b/01/09520123456788?linkType=gs1:pip&17=261231&&flag#frag").unwrap();
        assert_eq!(d.element_string.get("17"), Some("261231"));
        assert_eq!(
            d.ignored,
            vec![
                ("linkType".to_owned(), Some("gs1:pip".to_owned())),
                ("flag".to_owned(), None)
            ]
        );
        assert_eq!(d.element_string.warnings().len(), 2);
    }

    #[test]
    fn generation_picks_the_qualifier_sequence_that_leaves_only_attributes() {
        let uri = "https://x/01/09506000134352/235/XYZ?10=ABC123";
        let d = dl(uri).unwrap();
        assert_eq!(to_uri(&d.element_string, "https://x").unwrap(), uri);
    }

    #[test]
    fn generation_carries_a_repeated_path_ai_once() {
        let o = Options::default();
        for (bracketed, uri) in [
            (
                "(01)09506000134352(10)A(10)A",
                "https://x/01/09506000134352/10/A",
            ),
            (
                "(01)09506000134352(01)09506000134352",
                "https://x/01/09506000134352",
            ),
        ] {
            let es = super::super::element_string::parse_bracketed(bracketed, 0, &o).unwrap();
            let generated = to_uri(&es, "https://x").unwrap();
            assert_eq!(generated, uri);
            assert!(dl(&generated).is_ok(), "{generated}");
        }
    }

    #[test]
    fn generation_puts_key_and_qualifiers_in_the_path() {
        let o = Options::default();
        let es =
            super::super::element_string::parse_bracketed("(01)12312312312326(21)abc123", 0, &o)
                .unwrap();
        assert_eq!(
            to_uri(&es, "https://id.gs1.org").unwrap(),
            "https://id.gs1.org/01/12312312312326/21/abc123"
        );
        let es = super::super::element_string::parse_bracketed(
            "(21)XYZ(01)12312312312333(10)ABC123(99)XYZ",
            0,
            &o,
        )
        .unwrap();
        assert_eq!(
            to_uri(&es, "https://id.gs1.org/").unwrap(),
            "https://id.gs1.org/01/12312312312333/10/ABC123/21/XYZ?99=XYZ"
        );
        let es = super::super::element_string::parse_bracketed(
            "(01)12312312312333(10)ABC+123(17)261231(99)XYZ+Q",
            0,
            &o,
        )
        .unwrap();
        assert_eq!(
            to_uri(&es, "https://id.gs1.org").unwrap(),
            "https://id.gs1.org/01/12312312312333/10/ABC%2B123?17=261231&99=XYZ%2BQ"
        );
        let es = super::super::element_string::parse_bracketed("(400)PO123", 0, &o).unwrap();
        assert_eq!(
            to_uri(&es, "https://x").unwrap_err().kind,
            ErrorKind::BadDigitalLink
        );
    }
}
