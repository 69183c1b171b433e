//! Pure decoding of scans into identifiers. No I/O, no async, no files.
//!
//! [`decode`] takes what a device delivered (bytes, with the AIM symbology
//! identifier when the device sends one) and returns a [`Decoded`]: a GS1
//! element string, a GS1 Digital Link, or plain (non-GS1) data, which
//! [`internal::InternalRules`] may classify as one of the station's own codes.
//! EPC tag data from RFID readers is decoded by [`epc`].
//!
//! Invariant: every function here is total over its input bytes. Bad input
//! yields an [`IdentError`] with a stable [`ErrorKind`], never a panic, and
//! inputs longer than [`DecodeOptions::max_input_len`] are refused before any
//! parsing.

pub mod ai;
mod ai_table;
pub mod check_digit;
mod codes;
pub mod digital_link;
pub mod element_string;
pub mod epc;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod hex;
pub mod internal;
mod lint;
mod retail;
pub mod symbology;

pub use digital_link::{DigitalLink, DlOptions};
pub use element_string::{ElementString, Options, Warning, WarningKind};
pub use epc::{Epc, EpcScheme};
pub use error::{ErrorKind, IdentError};
pub use internal::{InternalCode, InternalKind, InternalRules};
pub use symbology::{AimId, Carrier};

/// Default for [`DecodeOptions::max_input_len`]: larger than any GS1 carrier's
/// capacity (a QR code holds at most 7,089 digits, a Data Matrix 3,116).
pub const DEFAULT_MAX_INPUT_LEN: usize = 8192;

/// How to decode. `Default` is the GS1 reference behaviour plus the
/// documented extensions that are on by default (see `docs/ident.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Refuse inputs longer than this many bytes, before parsing.
    pub max_input_len: usize,
    /// Treat data without an AIM prefix as if it had this identifier
    /// (for scanners that cannot send one). `None`: such data is ambiguous.
    pub assume_symbology: Option<AimId>,
    /// Accept the bracketed human form `(01)…` when there is no AIM prefix.
    pub accept_bracketed: bool,
    /// Accept a bare `http(s)://` URI with no AIM prefix as a Digital Link candidate.
    pub accept_bare_uri: bool,
    /// Extension: EAN-13/UPC-A/UPC-E (`]E0`), EAN-8 (`]E4`) and EAN/UPC with
    /// add-on (`]E3`) become AI (01) with the GTIN zero-padded to 14 digits.
    pub ean_as_gtin: bool,
    /// Extension: ITF-14 (`]I1`, 14 digits) becomes AI (01).
    pub itf14_as_gtin: bool,
    /// Digital Link and element-string options.
    pub dl: DlOptions,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_input_len: DEFAULT_MAX_INPUT_LEN,
            assume_symbology: None,
            accept_bracketed: true,
            accept_bare_uri: true,
            ean_as_gtin: true,
            itf14_as_gtin: true,
            dl: DlOptions::default(),
        }
    }
}

/// What a scan turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// GS1 AI data.
    Gs1 {
        /// The symbology identifier it came with (None for the bracketed form).
        symbology: Option<AimId>,
        /// The validated element string.
        element_string: ElementString,
    },
    /// A GS1 Digital Link URI.
    DigitalLink {
        /// The symbology identifier it came with (None for a bare URI).
        symbology: Option<AimId>,
        /// The parsed link, with its AIs.
        link: DigitalLink,
    },
    /// Data that is not GS1: a plain Code 128, a QR code with text, ...
    Plain {
        /// The symbology identifier it came with.
        symbology: Option<AimId>,
        /// The data as text (invalid UTF-8 replaced; the raw bytes stay in the frame).
        text: String,
    },
}

impl Decoded {
    /// The symbology identifier, if any.
    pub fn symbology(&self) -> Option<AimId> {
        match self {
            Decoded::Gs1 { symbology, .. }
            | Decoded::DigitalLink { symbology, .. }
            | Decoded::Plain { symbology, .. } => *symbology,
        }
    }

    /// The AI data, if this is GS1 (element string or Digital Link).
    pub fn element_string(&self) -> Option<&ElementString> {
        match self {
            Decoded::Gs1 { element_string, .. } => Some(element_string),
            Decoded::DigitalLink { link, .. } => Some(&link.element_string),
            Decoded::Plain { .. } => None,
        }
    }
}

/// Decode one scan.
pub fn decode(input: &[u8], opts: &DecodeOptions) -> Result<Decoded, IdentError> {
    if input.len() > opts.max_input_len {
        return Err(IdentError::new(
            ErrorKind::InputTooLong,
            opts.max_input_len,
            format!(
                "scan is {} bytes, more than the {} allowed; refused without parsing",
                input.len(),
                opts.max_input_len
            ),
        ));
    }
    if input.is_empty() {
        return Err(IdentError::new(ErrorKind::Empty, 0, "the scan is empty"));
    }
    match AimId::split(input)? {
        Some((aim, rest)) => decode_with(aim, rest, 3, opts),
        None => {
            if opts.accept_bracketed && input.first() == Some(&b'(') {
                let text = std::str::from_utf8(input).map_err(|e| {
                    IdentError::new(
                        ErrorKind::BadCharacter,
                        e.valid_up_to(),
                        "bracketed AI data must be ASCII text",
                    )
                })?;
                let element_string = element_string::parse_bracketed(text, 0, &opts.dl.ais)?;
                return Ok(Decoded::Gs1 {
                    symbology: None,
                    element_string,
                });
            }
            if opts.accept_bare_uri && digital_link::has_dl_scheme(input) {
                let link = digital_link::parse(input, 0, &opts.dl)?;
                return Ok(Decoded::DigitalLink {
                    symbology: None,
                    link,
                });
            }
            match opts.assume_symbology {
                Some(aim) => decode_with(aim, input, 0, opts),
                None => Err(IdentError::new(
                    ErrorKind::AmbiguousSymbology,
                    0,
                    "the scan has no AIM symbology identifier (such as ]C1 or ]d2), so it is not known whether it is GS1 data; enable the identifier on the scanner, or configure the symbology this source assumes",
                )),
            }
        }
    }
}

fn gtin_scan(
    aim: AimId,
    gtin: String,
    base: usize,
    note: String,
    opts: &DecodeOptions,
) -> Result<Decoded, IdentError> {
    let mut es = ElementString::new();
    es.push("01", gtin.as_bytes(), base, base, &opts.dl.ais)?;
    es.push_warning(Warning {
        kind: WarningKind::GtinFromRetailSymbol,
        ai: Some("01".to_owned()),
        message: note,
    });
    Ok(Decoded::Gs1 {
        symbology: Some(aim),
        element_string: es,
    })
}

fn decode_with(
    aim: AimId,
    data: &[u8],
    base: usize,
    opts: &DecodeOptions,
) -> Result<Decoded, IdentError> {
    let plain = |data: &[u8]| Decoded::Plain {
        symbology: Some(aim),
        text: String::from_utf8_lossy(data).into_owned(),
    };
    match aim.carrier() {
        Carrier::Gs1Ai => Ok(Decoded::Gs1 {
            symbology: Some(aim),
            element_string: element_string::parse_raw(data, base, &opts.dl.ais)?,
        }),
        Carrier::PlainMaybeDigitalLink if digital_link::has_dl_scheme(data) => {
            Ok(Decoded::DigitalLink {
                symbology: Some(aim),
                link: digital_link::parse(data, base, &opts.dl)?,
            })
        }
        Carrier::Ean13 if opts.ean_as_gtin => {
            let g = retail::gtin_from_ean13(data, base)?;
            let what = if data.len() == 8 {
                "UPC-E"
            } else {
                "EAN-13/UPC-A"
            };
            gtin_scan(
                aim,
                g,
                base,
                format!("{what} symbol read as GTIN (01)"),
                opts,
            )
        }
        Carrier::Ean8 if opts.ean_as_gtin => {
            let g = retail::gtin_from_ean8(data, base)?;
            gtin_scan(
                aim,
                g,
                base,
                "EAN-8 symbol read as GTIN (01)".to_owned(),
                opts,
            )
        }
        Carrier::EanWithAddOn if opts.ean_as_gtin => {
            let (g, addon) = retail::gtin_from_ean_addon(data, base)?;
            gtin_scan(
                aim,
                g,
                base,
                format!("EAN/UPC symbol read as GTIN (01); add-on {addon} ignored"),
                opts,
            )
        }
        Carrier::Itf if opts.itf14_as_gtin => match retail::gtin_from_itf14(data, base) {
            Some(g) => gtin_scan(
                aim,
                g?,
                base,
                "ITF-14 symbol read as GTIN (01)".to_owned(),
                opts,
            ),
            None => Ok(plain(data)),
        },
        _ => Ok(plain(data)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Result<Decoded, IdentError> {
        decode(s.as_bytes(), &DecodeOptions::default())
    }
    fn ais(r: &Decoded) -> Vec<(String, String)> {
        r.element_string()
            .map(|es| {
                es.iter()
                    .map(|(a, v)| (a.to_owned(), v.to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn every_gs1_symbology_identifier_yields_ai_data() {
        for id in ["]C1", "]e0", "]d2", "]Q3", "]J1"] {
            let r = d(&format!("{id}0109506000134352\x1d")).unwrap();
            assert_eq!(
                ais(&r),
                [("01".to_owned(), "09506000134352".to_owned())],
                "{id}"
            );
            assert_eq!(r.symbology().unwrap().to_string(), id);
        }
    }

    #[test]
    fn plain_symbologies_carry_digital_links_or_text() {
        let r = d("]Q1https://id.example.com/01/09506000134352/10/ABC").unwrap();
        assert!(matches!(r, Decoded::DigitalLink { .. }));
        assert_eq!(ais(&r).len(), 2);
        assert!(matches!(d("]d1HELLO").unwrap(), Decoded::Plain { .. }));
        assert!(
            matches!(d("]C0WO-2024-1").unwrap(), Decoded::Plain { text, .. } if text == "WO-2024-1")
        );
        assert_eq!(
            d("]d1https://a.b/01/1").unwrap_err().kind,
            ErrorKind::TooShort
        );
        assert!(matches!(
            d("]Q1HtTps://a.b/01/1").unwrap(),
            Decoded::Plain { .. }
        ));
    }

    #[test]
    fn retail_symbols_become_gtins_unless_turned_off() {
        let r = d("]E09506000134352").unwrap();
        assert_eq!(ais(&r), [("01".to_owned(), "09506000134352".to_owned())]);
        assert_eq!(
            r.element_string().unwrap().warnings()[0].kind,
            WarningKind::GtinFromRetailSymbol
        );
        assert_eq!(ais(&d("]E401234565").unwrap())[0].1, "00000001234565");
        assert_eq!(ais(&d("]I110614141000033").unwrap())[0].1, "10614141000033");
        assert!(matches!(d("]I1123456").unwrap(), Decoded::Plain { .. }));
        let off = DecodeOptions {
            ean_as_gtin: false,
            itf14_as_gtin: false,
            ..DecodeOptions::default()
        };
        assert!(matches!(
            decode(b"]E09506000134352", &off).unwrap(),
            Decoded::Plain { .. }
        ));
        assert!(matches!(
            decode(b"]I110614141000033", &off).unwrap(),
            Decoded::Plain { .. }
        ));
        assert_eq!(
            d("]E09506000134353").unwrap_err().kind,
            ErrorKind::BadCheckDigit
        );
    }

    #[test]
    fn unprefixed_data_is_ambiguous_unless_bracketed_a_uri_or_assumed() {
        assert_eq!(
            d("0109506000134352").unwrap_err().kind,
            ErrorKind::AmbiguousSymbology
        );
        assert_eq!(ais(&d("(01)09506000134352").unwrap()).len(), 1);
        assert!(matches!(
            d("https://a.b/01/09506000134352").unwrap(),
            Decoded::DigitalLink { .. }
        ));
        let assume = DecodeOptions {
            assume_symbology: Some(AimId::GS1_128),
            ..DecodeOptions::default()
        };
        let r = decode(b"0109506000134352", &assume).unwrap();
        assert_eq!(r.symbology(), Some(AimId::GS1_128));
        let no_bracket = DecodeOptions {
            accept_bracketed: false,
            ..DecodeOptions::default()
        };
        assert_eq!(
            decode(b"(01)09506000134352", &no_bracket).unwrap_err().kind,
            ErrorKind::AmbiguousSymbology
        );
    }

    #[test]
    fn oversized_and_empty_input_is_refused_early() {
        let big = vec![b'9'; DEFAULT_MAX_INPUT_LEN + 1];
        assert_eq!(
            decode(&big, &DecodeOptions::default()).unwrap_err().kind,
            ErrorKind::InputTooLong
        );
        assert_eq!(d("").unwrap_err().kind, ErrorKind::Empty);
        assert_eq!(d("]C1").unwrap_err().kind, ErrorKind::Empty);
        assert_eq!(d("]").unwrap_err().kind, ErrorKind::BadSymbology);
        assert_eq!(
            decode(b"(01)\xff", &DecodeOptions::default())
                .unwrap_err()
                .kind,
            ErrorKind::BadCharacter
        );
    }

    #[test]
    fn error_positions_count_the_symbology_identifier() {
        let e = d("]C10109506000134353").unwrap_err();
        assert_eq!(
            (e.kind, e.position, e.ai.as_deref()),
            (ErrorKind::BadCheckDigit, 18, Some("01"))
        );
    }
}
