//! The GS1 Application Identifier table and lookups over it.
//!
//! Each [`AiEntry`] states, for one AI, what the GS1 Barcode Syntax Dictionary
//! says of it: whether its length is predefined (so no FNC1 follows it),
//! whether it may appear as a GS1 Digital Link data attribute, its components
//! (character set, length, the checks that apply), which AIs it requires and
//! excludes, and, for Digital Link primary keys, the qualifiers allowed after
//! it in a URI path. The entries live in `ai_table.rs`; this module owns the
//! types and the lookups.
//!
//! Invariant: the AI set is prefix-free (no AI is a prefix of another), so the
//! first four digits of an element string identify at most one AI. The lookup
//! index relies on it and a test checks it.

use std::sync::LazyLock;

/// Character set of one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cset {
    /// Digits `0`-`9`.
    Numeric,
    /// GS1 AI encodable character set 82 (CSET 82).
    Cset82,
    /// GS1 AI encodable character set 39 (CSET 39: digits, upper case, `#-/`).
    Cset39,
    /// GS1 AI encodable character set 64 (base64url alphabet, with `=` padding).
    Cset64,
}

impl Cset {
    /// True if `b` belongs to the set.
    pub const fn contains(self, b: u8) -> bool {
        match self {
            Cset::Numeric => b.is_ascii_digit(),
            Cset::Cset82 => matches!(b,
                b'!' | b'"' | b'%' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b'-' | b'.'
                | b'/' | b'0'..=b'9' | b':' | b';' | b'<' | b'=' | b'>' | b'?' | b'A'..=b'Z' | b'_'
                | b'a'..=b'z'),
            Cset::Cset39 => matches!(b, b'#' | b'-' | b'/' | b'0'..=b'9' | b'A'..=b'Z'),
            Cset::Cset64 => {
                matches!(b, b'-' | b'0'..=b'9' | b'A'..=b'Z' | b'_' | b'a'..=b'z' | b'=')
            }
        }
    }

    /// Name used in error messages.
    pub const fn describe(self) -> &'static str {
        match self {
            Cset::Numeric => "digits only",
            Cset::Cset82 => "GS1 character set 82",
            Cset::Cset39 => "GS1 character set 39 (0-9, A-Z, # - /)",
            Cset::Cset64 => "GS1 character set 64 (base64url)",
        }
    }
}

/// A content check named by the GS1 Barcode Syntax Dictionary ("linter").
/// The checks themselves are in `lint.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    missing_docs,
    reason = "each variant is the dictionary's linter of the same name"
)]
pub enum Linter {
    Csum,
    CsumAlpha,
    GcpPos1,
    GcpPos2,
    Yymmd0,
    Yymmdd,
    Yyyymmdd,
    Hh,
    Mi,
    Ss,
    Hhmi,
    Iso3166,
    Iso3166Or999,
    Iso3166Alpha2,
    Iso4217,
    Iban,
    PcEnc,
    Latitude,
    Longitude,
    MediaType,
    CouponCode,
    CouponPosOffer,
    HasNonDigit,
    Hyphen,
    ImporterIdx,
    Iso5218,
    NonZero,
    NoZeroPrefix,
    PackageType,
    PieceOfTotal,
    PosInSeqSlash,
    Winding,
    YesNo,
    Zero,
}

/// One component of an AI's data field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    /// Character set.
    pub cset: Cset,
    /// Minimum length (equal to `max` for fixed-length components).
    pub min: u8,
    /// Maximum length.
    pub max: u8,
    /// May be left out when the data is exhausted.
    pub optional: bool,
    /// Checks applied to this component's characters.
    pub linters: &'static [Linter],
}

/// Build a component (used by the table).
pub(crate) const fn c(
    cset: Cset,
    min: u8,
    max: u8,
    optional: bool,
    linters: &'static [Linter],
) -> Component {
    Component {
        cset,
        min,
        max,
        optional,
        linters,
    }
}

/// Everything lotstation knows about one AI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AiEntry {
    /// The AI digits, e.g. `"01"` or `"3103"`.
    pub ai: &'static str,
    /// Predefined length: no FNC1 separator is needed after the value.
    pub predefined: bool,
    /// Permitted as a GS1 Digital Link data attribute (query parameter).
    pub dl_attr: bool,
    /// Data field components in order.
    pub components: &'static [Component],
    /// Requisite rules; every rule must hold. A rule holds when one of its
    /// alternatives holds; an alternative holds when all of its AI patterns
    /// (`n` matches any digit) are present.
    pub req: &'static [&'static [&'static [&'static str]]],
    /// AI patterns that must not appear together with this AI.
    pub ex: &'static [&'static str],
    /// For a Digital Link primary key: the allowed qualifier sequences (each an
    /// ordered list of AIs, any of which may be skipped). `Some(&[&[]])` is a key
    /// with no qualifiers; `None` is not a key.
    pub dl_key: Option<&'static [&'static [&'static str]]>,
    /// Short title as printed in human-readable text.
    pub title: &'static str,
}

impl AiEntry {
    /// Smallest length of the whole data field.
    pub fn min_len(&self) -> usize {
        self.components
            .iter()
            .filter(|c| !c.optional)
            .map(|c| usize::from(c.min))
            .sum()
    }

    /// Largest length of the whole data field.
    pub fn max_len(&self) -> usize {
        self.components.iter().map(|c| usize::from(c.max)).sum()
    }

    /// True if every character of the field is a digit by definition.
    pub fn is_numeric(&self) -> bool {
        self.components.iter().all(|c| c.cset == Cset::Numeric)
    }
}

/// The table, sorted by AI.
pub static TABLE: &[AiEntry] = super::ai_table::ENTRIES;

/// Index from the first four digits of an element string to the entry whose AI
/// is a prefix of them (entry index + 1; 0 when none).
static INDEX: LazyLock<Box<[u16]>> = LazyLock::new(|| {
    let mut index = vec![0u16; 10_000].into_boxed_slice();
    for (i, entry) in TABLE.iter().enumerate() {
        let ai: u32 = entry.ai.parse().unwrap_or(0);
        let spread = 10u32.pow(4u32.saturating_sub(entry.ai.len() as u32));
        let first = ai * spread;
        for slot in first..first + spread {
            if let (Some(cell), Ok(v)) = (index.get_mut(slot as usize), u16::try_from(i + 1)) {
                *cell = v;
            }
        }
    }
    index
});

/// The entry for exactly this AI.
pub fn entry(ai: &str) -> Option<&'static AiEntry> {
    TABLE
        .binary_search_by(|e| e.ai.cmp(ai))
        .ok()
        .and_then(|i| TABLE.get(i))
}

/// The entry whose AI is a prefix of `data` (which starts with the AI digits).
pub fn lookup_prefix(data: &[u8]) -> Option<&'static AiEntry> {
    if let Some(four) = data.get(..4)
        && four.iter().all(u8::is_ascii_digit)
    {
        let n = four
            .iter()
            .fold(0usize, |acc, &d| acc * 10 + usize::from(d - b'0'));
        let slot = *INDEX.get(n)?;
        return TABLE.get(usize::from(slot).checked_sub(1)?);
    }
    // Fewer than four digits available: try each AI length.
    (2..=4).find_map(|len| {
        let prefix = data.get(..len)?;
        let s = std::str::from_utf8(prefix).ok()?;
        entry(s)
    })
}

/// Length of an AI starting with the two digits `prefix`, per the GS1 General
/// Specifications' table of AI lengths by prefix. Used for AIs not in the table
/// when unknown AIs are permitted.
pub fn ai_len_by_prefix(prefix: &[u8]) -> Option<usize> {
    let two = match prefix {
        [a, b, ..] if a.is_ascii_digit() && b.is_ascii_digit() => (a - b'0') * 10 + (b - b'0'),
        _ => return None,
    };
    Some(match two {
        0..=22 | 30 | 37 | 90..=99 => 2,
        23..=25 | 40..=42 | 71 => 3,
        31..=36 | 39 | 43 | 70 | 72 | 80..=82 => 4,
        // Prefixes with no AI allocated: the length of an AI there is not known.
        _ => return None,
    })
}

/// The predefined data length for an AI prefix not needing FNC1, per the GS1
/// General Specifications' predefined-length table (AI + data). Used for AIs not
/// in the table when unknown AIs are permitted.
pub fn predefined_len_by_prefix(prefix: &[u8]) -> Option<usize> {
    let two = match prefix {
        [a, b, ..] if a.is_ascii_digit() && b.is_ascii_digit() => (a - b'0') * 10 + (b - b'0'),
        _ => return None,
    };
    // Total length of AI plus data, as tabulated.
    Some(match two {
        0 => 20,
        1..=4 => 16,
        11..=19 => 8,
        20 => 4,
        31..=36 => 10,
        41 => 16,
        _ => return None,
    })
}

/// True if `ai` matches `pattern` (`n` stands for any digit).
pub fn matches_pattern(ai: &str, pattern: &str) -> bool {
    ai.len() == pattern.len()
        && ai
            .bytes()
            .zip(pattern.bytes())
            .all(|(a, p)| p == b'n' || a == p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_prefix_free() {
        for pair in TABLE.windows(2) {
            assert!(
                pair[0].ai < pair[1].ai,
                "{} before {}",
                pair[0].ai,
                pair[1].ai
            );
        }
        for a in TABLE {
            for b in TABLE {
                if a.ai != b.ai {
                    assert!(!b.ai.starts_with(a.ai), "{} is a prefix of {}", a.ai, b.ai);
                }
            }
        }
    }

    #[test]
    fn table_agrees_with_the_prefix_length_tables() {
        for e in TABLE {
            assert_eq!(
                ai_len_by_prefix(e.ai.as_bytes()),
                Some(e.ai.len()),
                "AI {}",
                e.ai
            );
            if let Some(total) = predefined_len_by_prefix(e.ai.as_bytes())
                && e.predefined
            {
                assert_eq!(e.ai.len() + e.max_len(), total, "AI {}", e.ai);
            }
            if e.predefined {
                assert_eq!(
                    e.min_len(),
                    e.max_len(),
                    "predefined AI {} must be fixed",
                    e.ai
                );
            }
        }
    }

    #[test]
    fn lookup_by_prefix_finds_two_three_and_four_digit_ais() {
        assert_eq!(lookup_prefix(b"0109506000134352").unwrap().ai, "01");
        assert_eq!(lookup_prefix(b"2530614141000005").unwrap().ai, "253");
        assert_eq!(lookup_prefix(b"3103000123").unwrap().ai, "3103");
        assert_eq!(lookup_prefix(b"10").unwrap().ai, "10");
        assert_eq!(lookup_prefix(b"253").unwrap().ai, "253");
        assert!(lookup_prefix(b"2399").is_none());
        assert!(lookup_prefix(b"0").is_none());
        assert!(lookup_prefix(b"").is_none());
        assert!(lookup_prefix(b"ab12").is_none());
    }

    #[test]
    fn patterns_match_digits_for_n() {
        assert!(matches_pattern("3103", "310n"));
        assert!(!matches_pattern("3113", "310n"));
        assert!(!matches_pattern("31", "310n"));
        assert!(matches_pattern("01", "01"));
    }

    #[test]
    fn well_known_entries_are_as_the_standard_says() {
        let gtin = entry("01").unwrap();
        assert!(gtin.predefined && gtin.dl_attr);
        assert_eq!((gtin.min_len(), gtin.max_len()), (14, 14));
        let lot = entry("10").unwrap();
        assert!(!lot.predefined);
        assert_eq!((lot.min_len(), lot.max_len()), (1, 20));
        assert_eq!(entry("3103").unwrap().title, "NET WEIGHT (kg)");
        assert!(entry("4330").unwrap().components[1].optional);
        assert_eq!(entry("91").unwrap().max_len(), 90);
        assert_eq!(TABLE.len(), 541);
    }
}
