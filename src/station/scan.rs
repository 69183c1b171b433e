//! [`Scan`]: a decoded frame as the station sees it; [`read`], the one path
//! from a frame's bytes to a scan (the daemon, the kiosk's typed scans and
//! `lotstation parse` all use it); [`classify`], its last step.
//!
//! GS1 element strings and GS1 Digital Links both carry AI data, so both
//! become [`Scan::Gs1`]; plain text that matches one of the station's own
//! code patterns becomes [`Scan::Internal`], also when it came without an
//! AIM identifier (a badge typed at the kiosk, a work order read by a
//! scanner with identifiers off); anything else plain stays [`Scan::Plain`].
//! RFID reads arrive already decoded as [`Scan::Epc`] (the portal calls
//! [`crate::ident::epc`] itself: tags are not symbols).

use crate::ident::{
    self, AimId, DecodeOptions, Decoded, ElementString, Epc, ErrorKind, IdentError, InternalCode,
    InternalRules,
};

/// What the station makes of one frame's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The AIM symbology identifier the bytes began with, if any.
    pub symbology: Option<AimId>,
    /// The decoder's answer.
    pub decoded: Result<Decoded, IdentError>,
    /// The station's own code the text is, if it is one: plain data
    /// matching a pattern, or text without an AIM identifier (which the
    /// decoder calls ambiguous) matching one.
    pub own_code: Option<InternalCode>,
}

impl Reading {
    /// The scan the workflows act on.
    pub fn into_scan(self) -> Scan {
        match (self.own_code, self.decoded) {
            (Some(code), _) => Scan::Internal(code),
            (None, Err(e)) => Scan::Unreadable(e),
            (None, Ok(Decoded::Gs1 { element_string, .. })) => Scan::Gs1(element_string),
            (None, Ok(Decoded::DigitalLink { link, .. })) => Scan::Gs1(link.element_string),
            (None, Ok(Decoded::Plain { text, .. })) => Scan::Plain(text),
        }
    }
}

/// Read a frame's bytes: decode them with `opts` (the source's decode
/// options), then match plain text against the station's own `codes`.
/// Pure; never panics; bounded by `opts.max_input_len`.
pub fn read(bytes: &[u8], opts: &DecodeOptions, codes: &InternalRules) -> Reading {
    let decoded = ident::decode(bytes, opts);
    let symbology = match &decoded {
        Ok(d) => d.symbology(),
        Err(_) => AimId::split(bytes).ok().flatten().map(|(a, _)| a),
    };
    let own_code = match &decoded {
        Ok(Decoded::Plain { text, .. }) => codes.classify(text),
        // The station's own codes are unambiguous by their pattern.
        Err(e) if e.kind == ErrorKind::AmbiguousSymbology => std::str::from_utf8(bytes)
            .ok()
            .and_then(|t| codes.classify(t)),
        _ => None,
    };
    Reading {
        symbology,
        decoded,
        own_code,
    }
}

/// What one scan turned out to be, as far as the station cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// GS1 AI data, from an element string or a Digital Link.
    Gs1(ElementString),
    /// An EPC read from an RFID tag.
    Epc(Epc),
    /// One of the station's own codes (work order, location, badge, shipment, command).
    Internal(InternalCode),
    /// Plain data that matched no internal pattern.
    Plain(String),
    /// The scan could not be decoded.
    Unreadable(IdentError),
}

impl Scan {
    /// A short name of the kind of scan, for logs.
    pub const fn kind_name(&self) -> &'static str {
        match self {
            Scan::Gs1(_) => "gs1",
            Scan::Epc(_) => "epc",
            Scan::Internal(_) => "internal",
            Scan::Plain(_) => "plain",
            Scan::Unreadable(_) => "unreadable",
        }
    }
}

/// Turn the decoder's result into a [`Scan`]: AI data (element string or
/// Digital Link) → [`Scan::Gs1`]; plain text matching an internal pattern →
/// [`Scan::Internal`]; other plain text → [`Scan::Plain`]; an error →
/// [`Scan::Unreadable`].
pub fn classify(decoded: Result<Decoded, IdentError>, codes: &InternalRules) -> Scan {
    let own_code = match &decoded {
        Ok(Decoded::Plain { text, .. }) => codes.classify(text),
        _ => None,
    };
    Reading {
        symbology: None,
        decoded,
        own_code,
    }
    .into_scan()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ident::{DecodeOptions, ErrorKind, InternalKind, decode};

    fn scan(s: &str) -> Scan {
        classify(
            decode(s.as_bytes(), &DecodeOptions::default()),
            &InternalRules::defaults(),
        )
    }

    #[test]
    fn element_strings_and_digital_links_both_become_gs1_scans() {
        let Scan::Gs1(es) = scan("]C10109506000134352172612311012345A") else {
            panic!("not gs1")
        };
        assert_eq!(es.get("10"), Some("12345A"));
        let Scan::Gs1(es) = scan("https://id.example.com/01/09506000134352/10/ABC") else {
            panic!("not gs1")
        };
        assert_eq!(es.get("01"), Some("09506000134352"));
        assert_eq!(es.get("10"), Some("ABC"));
    }

    #[test]
    fn plain_text_is_matched_against_the_internal_patterns() {
        assert_eq!(
            scan("]C0WO-2024-1"),
            Scan::Internal(InternalCode {
                kind: InternalKind::WorkOrder,
                id: "WO-2024-1".into()
            })
        );
        assert_eq!(scan("]C0hello"), Scan::Plain("hello".into()));
        assert_eq!(scan("]C0hello").kind_name(), "plain");
    }

    #[test]
    fn own_codes_are_read_with_or_without_an_aim_identifier() {
        let codes = InternalRules::defaults();
        let opts = DecodeOptions::default();
        let badge = InternalCode {
            kind: InternalKind::Operator,
            id: "OP-0001".into(),
        };
        for bytes in [&b"OP-0001"[..], b"]C0OP-0001"] {
            let r = read(bytes, &opts, &codes);
            assert_eq!(r.own_code.as_ref(), Some(&badge), "{bytes:?}");
            assert_eq!(r.into_scan(), Scan::Internal(badge.clone()));
        }
        assert_eq!(
            read(b"]C0OP-0001", &opts, &codes)
                .symbology
                .map(|a| a.to_string()),
            Some("]C0".to_owned())
        );
        // Text without an identifier that is no own code stays ambiguous.
        let r = read(b"hello", &opts, &codes);
        assert_eq!(r.own_code, None);
        let Scan::Unreadable(e) = r.into_scan() else {
            panic!("not unreadable")
        };
        assert_eq!(e.kind, ErrorKind::AmbiguousSymbology);
        // A GS1 scan is never an own code, whatever it looks like.
        let r = read(b"]C10109506000134352", &opts, &codes);
        assert!(matches!(r.into_scan(), Scan::Gs1(_)));
        // A symbology identifier with a bad GS1 body keeps its identifier.
        let r = read(b"]C10109506000134353", &opts, &codes);
        assert_eq!(r.symbology.map(|a| a.to_string()), Some("]C1".to_owned()));
    }

    #[test]
    fn decoding_errors_become_unreadable_scans() {
        let Scan::Unreadable(e) = scan("]C10109506000134353") else {
            panic!("not unreadable")
        };
        assert_eq!(e.kind, ErrorKind::BadCheckDigit);
    }
}
