//! [`Scan`]: a decoded frame as the station sees it, and [`classify`], which
//! turns the decoder's answer into one.
//!
//! GS1 element strings and GS1 Digital Links both carry AI data, so both
//! become [`Scan::Gs1`]; plain text that matches one of the station's own
//! code patterns becomes [`Scan::Internal`]; anything else plain stays
//! [`Scan::Plain`]. RFID reads arrive already decoded as [`Scan::Epc`] (the
//! daemon calls [`crate::ident::epc`] itself: tags are not symbols).

use crate::ident::{Decoded, ElementString, Epc, IdentError, InternalCode, InternalRules};

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
    match decoded {
        Err(e) => Scan::Unreadable(e),
        Ok(Decoded::Gs1 { element_string, .. }) => Scan::Gs1(element_string),
        Ok(Decoded::DigitalLink { link, .. }) => Scan::Gs1(link.element_string),
        Ok(Decoded::Plain { text, .. }) => match codes.classify(&text) {
            Some(code) => Scan::Internal(code),
            None => Scan::Plain(text),
        },
    }
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
    fn decoding_errors_become_unreadable_scans() {
        let Scan::Unreadable(e) = scan("]C10109506000134353") else {
            panic!("not unreadable")
        };
        assert_eq!(e.kind, ErrorKind::BadCheckDigit);
    }
}
