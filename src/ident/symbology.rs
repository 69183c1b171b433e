//! AIM symbology identifiers (ISO/IEC 15424): the `]Xm` prefix a scanner puts
//! in front of the data when configured to transmit it.
//!
//! The identifier tells whether the data is GS1 AI data (FNC1 in first
//! position), plain data that may be a GS1 Digital Link URI, a retail
//! EAN/UPC, an ITF-14, or something that is not GS1 at all. lotstation keeps
//! the identifier on every decoded scan for the audit record.

use std::fmt;

use super::error::{ErrorKind, IdentError};

/// An AIM symbology identifier: `]`, a code character and a modifier character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AimId {
    /// Symbology code character (`C` Code 128, `d` Data Matrix, `Q` QR, `e` DataBar, ...).
    pub code: u8,
    /// Modifier character (`0`..`9`, `A`..`Z`, `a`..`z` are allowed by ISO/IEC 15424).
    pub modifier: u8,
}

/// What the symbology identifier says about the data that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Carrier {
    /// GS1 AI element string (FNC1 in first position): `]C1`, `]e0`, `]d2`, `]Q3`, `]J1`.
    Gs1Ai,
    /// Plain data that may be a GS1 Digital Link URI: `]d1`, `]Q1`, `]J0`.
    PlainMaybeDigitalLink,
    /// EAN-13, UPC-A (as EAN-13) or UPC-E: `]E0`.
    Ean13,
    /// EAN-8: `]E4`.
    Ean8,
    /// EAN/UPC with add-on (`]E3`), two- or five-digit supplement.
    EanWithAddOn,
    /// ITF (Interleaved 2 of 5) with check digit validated and transmitted: `]I1`.
    Itf,
    /// Any other symbology or modifier: not GS1 data.
    Other,
}

impl AimId {
    /// `]C1`: GS1-128.
    pub const GS1_128: AimId = AimId::new(b'C', b'1');
    /// `]e0`: GS1 DataBar.
    pub const GS1_DATABAR: AimId = AimId::new(b'e', b'0');
    /// `]d2`: GS1 DataMatrix.
    pub const GS1_DATAMATRIX: AimId = AimId::new(b'd', b'2');
    /// `]Q3`: GS1 QR Code.
    pub const GS1_QR: AimId = AimId::new(b'Q', b'3');
    /// `]J1`: GS1 DotCode.
    pub const GS1_DOTCODE: AimId = AimId::new(b'J', b'1');
    /// `]d1`: Data Matrix, plain (ECC 200).
    pub const DATAMATRIX: AimId = AimId::new(b'd', b'1');
    /// `]Q1`: QR Code, plain (model 2).
    pub const QR: AimId = AimId::new(b'Q', b'1');
    /// `]J0`: DotCode, plain.
    pub const DOTCODE: AimId = AimId::new(b'J', b'0');
    /// `]E0`: EAN-13 / UPC-A / UPC-E.
    pub const EAN13: AimId = AimId::new(b'E', b'0');
    /// `]E3`: EAN/UPC with add-on.
    pub const EAN_ADDON: AimId = AimId::new(b'E', b'3');
    /// `]E4`: EAN-8.
    pub const EAN8: AimId = AimId::new(b'E', b'4');
    /// `]I1`: ITF with check digit (ITF-14).
    pub const ITF: AimId = AimId::new(b'I', b'1');
    /// `]C0`: plain Code 128.
    pub const CODE128: AimId = AimId::new(b'C', b'0');

    /// Build an identifier from its two characters.
    pub const fn new(code: u8, modifier: u8) -> Self {
        AimId { code, modifier }
    }

    /// Split a leading AIM identifier off `data`.
    ///
    /// Returns `Ok(None)` when `data` does not start with `]`, and an error
    /// when it starts with `]` but the next two bytes are not a well-formed
    /// identifier.
    pub fn split(data: &[u8]) -> Result<Option<(AimId, &[u8])>, IdentError> {
        match data {
            [b']', code, modifier, rest @ ..] => {
                if !code.is_ascii_alphabetic() {
                    return Err(IdentError::new(
                        ErrorKind::BadSymbology,
                        1,
                        format!(
                            "symbology identifier code character {} is not a letter",
                            show_byte(*code)
                        ),
                    ));
                }
                if !modifier.is_ascii_alphanumeric() {
                    return Err(IdentError::new(
                        ErrorKind::BadSymbology,
                        2,
                        format!(
                            "symbology identifier modifier {} is not a digit or letter",
                            show_byte(*modifier)
                        ),
                    ));
                }
                Ok(Some((AimId::new(*code, *modifier), rest)))
            }
            [b']', ..] => Err(IdentError::new(
                ErrorKind::BadSymbology,
                0,
                "data starts with ']' but is too short to hold a symbology identifier",
            )),
            _ => Ok(None),
        }
    }

    /// What this identifier says about the data.
    pub fn carrier(self) -> Carrier {
        match (self.code, self.modifier) {
            (b'C', b'1') | (b'e', b'0') | (b'd', b'2') | (b'Q', b'3') | (b'J', b'1') => {
                Carrier::Gs1Ai
            }
            (b'd', b'1') | (b'Q', b'1') | (b'J', b'0') => Carrier::PlainMaybeDigitalLink,
            (b'E', b'0') => Carrier::Ean13,
            (b'E', b'4') => Carrier::Ean8,
            (b'E', b'3') => Carrier::EanWithAddOn,
            (b'I', b'1') => Carrier::Itf,
            _ => Carrier::Other,
        }
    }

    /// A short human name of the symbology.
    pub fn name(self) -> &'static str {
        match (self.code, self.modifier) {
            (b'C', b'1') => "GS1-128",
            (b'C', _) => "Code 128",
            (b'e', _) => "GS1 DataBar",
            (b'd', b'2') => "GS1 DataMatrix",
            (b'd', _) => "Data Matrix",
            (b'Q', b'3') => "GS1 QR Code",
            (b'Q', _) => "QR Code",
            (b'J', b'1') => "GS1 DotCode",
            (b'J', _) => "DotCode",
            (b'E', b'4') => "EAN-8",
            (b'E', b'3') => "EAN/UPC with add-on",
            (b'E', _) => "EAN-13/UPC",
            (b'I', _) => "ITF",
            (b'A', _) => "Code 39",
            (b'L', _) => "PDF417",
            (b'z', _) => "Aztec",
            _ => "other symbology",
        }
    }
}

impl fmt::Display for AimId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "]{}{}", char::from(self.code), char::from(self.modifier))
    }
}

impl std::str::FromStr for AimId {
    type Err = IdentError;

    /// Parse `]C1` (or `C1`) into an identifier.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let with_bracket;
        let s = if s.starts_with(']') {
            s
        } else {
            with_bracket = format!("]{s}");
            &with_bracket
        };
        match AimId::split(s.as_bytes())? {
            Some((id, [])) => Ok(id),
            _ => Err(IdentError::new(
                ErrorKind::BadSymbology,
                0,
                format!("{s:?} is not a symbology identifier; write it as ]C1, ]d2, ]E0 ..."),
            )),
        }
    }
}

/// Render one byte for an error message: printable ASCII as `'x'`, the rest as hex.
pub(crate) fn show_byte(b: u8) -> String {
    match b {
        0x1d => "GS (0x1D)".to_owned(),
        0x20..=0x7e => format!("'{}'", char::from(b)),
        _ => format!("0x{b:02X}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs1_identifiers_are_recognised() {
        for id in ["]C1", "]e0", "]d2", "]Q3", "]J1"] {
            let data = format!("{id}0109506000134352");
            let (aim, rest) = AimId::split(data.as_bytes()).unwrap().unwrap();
            assert_eq!(aim.carrier(), Carrier::Gs1Ai, "{id}");
            assert_eq!(aim.to_string(), id);
            assert_eq!(rest, b"0109506000134352");
        }
    }

    #[test]
    fn plain_and_retail_identifiers_are_classified() {
        assert_eq!(AimId::DATAMATRIX.carrier(), Carrier::PlainMaybeDigitalLink);
        assert_eq!(AimId::QR.carrier(), Carrier::PlainMaybeDigitalLink);
        assert_eq!(AimId::DOTCODE.carrier(), Carrier::PlainMaybeDigitalLink);
        assert_eq!(AimId::EAN13.carrier(), Carrier::Ean13);
        assert_eq!(AimId::EAN8.carrier(), Carrier::Ean8);
        assert_eq!(AimId::EAN_ADDON.carrier(), Carrier::EanWithAddOn);
        assert_eq!(AimId::ITF.carrier(), Carrier::Itf);
        assert_eq!(AimId::CODE128.carrier(), Carrier::Other);
        assert_eq!("]A0".parse::<AimId>().unwrap().carrier(), Carrier::Other);
    }

    #[test]
    fn no_prefix_and_bad_prefixes() {
        assert_eq!(AimId::split(b"0109506000134352").unwrap(), None);
        assert_eq!(
            AimId::split(b"]C").unwrap_err().kind,
            ErrorKind::BadSymbology
        );
        assert_eq!(
            AimId::split(b"]1C0").unwrap_err().kind,
            ErrorKind::BadSymbology
        );
        assert_eq!(AimId::split(b"]C\x1d01").unwrap_err().position, 2);
        assert!("C1".parse::<AimId>().is_ok());
        assert!("]C1x".parse::<AimId>().is_err());
    }
}
