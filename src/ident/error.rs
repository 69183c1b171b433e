//! Decoding errors with a stable machine-readable kind.
//!
//! Every error the identifier engine returns names *what* was wrong
//! ([`ErrorKind`], a stable snake_case code documented in `docs/ident-errors.md`),
//! *where* (the byte position in the input as given, and the AI when there is
//! one) and a sentence for a person. The kind strings are part of the JSON
//! output of `lotstation parse` and must never change meaning.

use std::fmt;

/// The stable list of things that can be wrong with a scan.
///
/// The string form ([`ErrorKind::as_str`]) is the contract; the Rust names may
/// be refactored freely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Input is empty (after the symbology identifier, if any).
    Empty,
    /// Input exceeds the configured maximum length; refused before parsing.
    InputTooLong,
    /// Data with no AIM symbology identifier where one is needed to know what it is.
    AmbiguousSymbology,
    /// A `]` prefix that is not a well-formed AIM symbology identifier.
    BadSymbology,
    /// An AI that is not in the GS1 AI table.
    UnknownAi,
    /// The data ends inside an AI's digits.
    TruncatedAi,
    /// A value longer than its AI allows.
    TooLong,
    /// A value shorter than its AI requires (including an empty value).
    TooShort,
    /// A character outside the AI's character set (or a control character).
    BadCharacter,
    /// A GS/FNC1 where the syntax does not allow one (e.g. two in a row, leading).
    UnexpectedSeparator,
    /// A variable-length value that should have been ended by GS/FNC1 runs into the next field.
    MissingSeparator,
    /// Mod-10 (or alphanumeric pair) check digit is wrong.
    BadCheckDigit,
    /// A date component is not a valid calendar date.
    BadDate,
    /// An hour, minute or second is out of range.
    BadTime,
    /// Not an ISO 3166-1 numeric (or alpha-2) country code.
    BadCountry,
    /// Not an ISO 4217 numeric currency code.
    BadCurrency,
    /// IBAN fails its structure or mod-97 check.
    BadIban,
    /// Invalid percent-encoding (in an AI value or a Digital Link URI).
    BadPercentEncoding,
    /// GS1 Company Prefix position rules are broken (key starts with a restricted prefix).
    BadCompanyPrefix,
    /// Any other component check from the GS1 Barcode Syntax Dictionary failed.
    BadComponent,
    /// Two AIs that must not appear together.
    ForbiddenPair,
    /// An AI is present without the AI(s) it requires.
    MissingRequired,
    /// The same AI appears twice with different values.
    DuplicateAiConflict,
    /// Bracketed human-readable form is malformed.
    BadBracketedForm,
    /// A GS1 Digital Link URI breaks the Digital Link rules.
    BadDigitalLink,
    /// EPC hex input is not hexadecimal or has the wrong length.
    BadHex,
    /// EPC header byte is not a supported scheme.
    UnknownEpcScheme,
    /// EPC binary length does not match its scheme.
    BadEpcLength,
    /// EPC partition value is reserved or invalid.
    BadPartition,
    /// An EPC field value does not fit the digits its partition allows.
    EpcDigitOverflow,
    /// An EPC URI is malformed.
    BadEpcUri,
    /// An EPC field holds a value that the TDS forbids (bad filter, non-zero padding, bad 7-bit char).
    BadEpcField,
}

impl ErrorKind {
    /// Every kind, in documentation order (used by tests and docs).
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::Empty,
        ErrorKind::InputTooLong,
        ErrorKind::AmbiguousSymbology,
        ErrorKind::BadSymbology,
        ErrorKind::UnknownAi,
        ErrorKind::TruncatedAi,
        ErrorKind::TooLong,
        ErrorKind::TooShort,
        ErrorKind::BadCharacter,
        ErrorKind::UnexpectedSeparator,
        ErrorKind::MissingSeparator,
        ErrorKind::BadCheckDigit,
        ErrorKind::BadDate,
        ErrorKind::BadTime,
        ErrorKind::BadCountry,
        ErrorKind::BadCurrency,
        ErrorKind::BadIban,
        ErrorKind::BadPercentEncoding,
        ErrorKind::BadCompanyPrefix,
        ErrorKind::BadComponent,
        ErrorKind::ForbiddenPair,
        ErrorKind::MissingRequired,
        ErrorKind::DuplicateAiConflict,
        ErrorKind::BadBracketedForm,
        ErrorKind::BadDigitalLink,
        ErrorKind::BadHex,
        ErrorKind::UnknownEpcScheme,
        ErrorKind::BadEpcLength,
        ErrorKind::BadPartition,
        ErrorKind::EpcDigitOverflow,
        ErrorKind::BadEpcUri,
        ErrorKind::BadEpcField,
    ];

    /// The stable snake_case code.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Empty => "empty",
            ErrorKind::InputTooLong => "input_too_long",
            ErrorKind::AmbiguousSymbology => "ambiguous_symbology",
            ErrorKind::BadSymbology => "bad_symbology",
            ErrorKind::UnknownAi => "unknown_ai",
            ErrorKind::TruncatedAi => "truncated_ai",
            ErrorKind::TooLong => "too_long",
            ErrorKind::TooShort => "too_short",
            ErrorKind::BadCharacter => "bad_character",
            ErrorKind::UnexpectedSeparator => "unexpected_separator",
            ErrorKind::MissingSeparator => "missing_separator",
            ErrorKind::BadCheckDigit => "bad_check_digit",
            ErrorKind::BadDate => "bad_date",
            ErrorKind::BadTime => "bad_time",
            ErrorKind::BadCountry => "bad_country",
            ErrorKind::BadCurrency => "bad_currency",
            ErrorKind::BadIban => "bad_iban",
            ErrorKind::BadPercentEncoding => "bad_percent_encoding",
            ErrorKind::BadCompanyPrefix => "bad_company_prefix",
            ErrorKind::BadComponent => "bad_component",
            ErrorKind::ForbiddenPair => "forbidden_pair",
            ErrorKind::MissingRequired => "missing_required",
            ErrorKind::DuplicateAiConflict => "duplicate_ai_conflict",
            ErrorKind::BadBracketedForm => "bad_bracketed_form",
            ErrorKind::BadDigitalLink => "bad_digital_link",
            ErrorKind::BadHex => "bad_hex",
            ErrorKind::UnknownEpcScheme => "unknown_epc_scheme",
            ErrorKind::BadEpcLength => "bad_epc_length",
            ErrorKind::BadPartition => "bad_partition",
            ErrorKind::EpcDigitOverflow => "epc_digit_overflow",
            ErrorKind::BadEpcUri => "bad_epc_uri",
            ErrorKind::BadEpcField => "bad_epc_field",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A decoding error: what kind, where, which AI, and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentError {
    /// Stable kind.
    pub kind: ErrorKind,
    /// The AI concerned, when the error is about one field (e.g. `"17"`).
    pub ai: Option<String>,
    /// Byte offset into the input as given (including any symbology identifier),
    /// pointing at the first offending byte.
    pub position: usize,
    /// What happened, for a person; names the AI and the rule.
    pub message: String,
}

impl IdentError {
    /// An error not tied to one AI.
    pub fn new(kind: ErrorKind, position: usize, message: impl Into<String>) -> Self {
        IdentError {
            kind,
            ai: None,
            position,
            message: message.into(),
        }
    }

    /// An error about one AI's field.
    pub fn at_ai(
        kind: ErrorKind,
        ai: impl Into<String>,
        position: usize,
        message: impl Into<String>,
    ) -> Self {
        IdentError {
            kind,
            ai: Some(ai.into()),
            position,
            message: message.into(),
        }
    }

    /// Shift the position by `offset` bytes (when a sub-parser saw a suffix of the input).
    #[must_use]
    pub fn offset(mut self, offset: usize) -> Self {
        self.position = self.position.saturating_add(offset);
        self
    }
}

impl fmt::Display for IdentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.ai {
            Some(ai) => write!(
                f,
                "{} (AI {ai}, at byte {}): {}",
                self.kind, self.position, self.message
            ),
            None => write!(
                f,
                "{} (at byte {}): {}",
                self.kind, self.position, self.message
            ),
        }
    }
}

impl std::error::Error for IdentError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_documented_and_unique() {
        let doc = include_str!("../../docs/ident.md");
        let mut seen = std::collections::HashSet::new();
        for k in ErrorKind::ALL {
            assert!(seen.insert(k.as_str()), "duplicate kind string {k}");
            assert!(
                doc.contains(&format!("| `{}` |", k.as_str())),
                "docs/ident.md does not document {k}"
            );
        }
    }

    /// A new variant fails to compile here until it is given a place in `ALL`.
    fn position_in_all(k: ErrorKind) -> usize {
        match k {
            ErrorKind::Empty => 0,
            ErrorKind::InputTooLong => 1,
            ErrorKind::AmbiguousSymbology => 2,
            ErrorKind::BadSymbology => 3,
            ErrorKind::UnknownAi => 4,
            ErrorKind::TruncatedAi => 5,
            ErrorKind::TooLong => 6,
            ErrorKind::TooShort => 7,
            ErrorKind::BadCharacter => 8,
            ErrorKind::UnexpectedSeparator => 9,
            ErrorKind::MissingSeparator => 10,
            ErrorKind::BadCheckDigit => 11,
            ErrorKind::BadDate => 12,
            ErrorKind::BadTime => 13,
            ErrorKind::BadCountry => 14,
            ErrorKind::BadCurrency => 15,
            ErrorKind::BadIban => 16,
            ErrorKind::BadPercentEncoding => 17,
            ErrorKind::BadCompanyPrefix => 18,
            ErrorKind::BadComponent => 19,
            ErrorKind::ForbiddenPair => 20,
            ErrorKind::MissingRequired => 21,
            ErrorKind::DuplicateAiConflict => 22,
            ErrorKind::BadBracketedForm => 23,
            ErrorKind::BadDigitalLink => 24,
            ErrorKind::BadHex => 25,
            ErrorKind::UnknownEpcScheme => 26,
            ErrorKind::BadEpcLength => 27,
            ErrorKind::BadPartition => 28,
            ErrorKind::EpcDigitOverflow => 29,
            ErrorKind::BadEpcUri => 30,
            ErrorKind::BadEpcField => 31,
        }
    }

    #[test]
    fn all_lists_every_kind_in_order() {
        for (i, k) in ErrorKind::ALL.iter().enumerate() {
            assert_eq!(position_in_all(*k), i, "{k}");
        }
        assert_eq!(ErrorKind::ALL.len(), 32);
    }
}
