//! GS1 element strings: a sequence of (AI, value) fields, parsed from scanner
//! data (GS as FNC1 separator) or from the bracketed human form
//! `(01)09506000134352(10)ABC`, validated against the AI table, and encoded
//! back.
//!
//! Invariants of an [`ElementString`] once built:
//! - every known AI's value passed its length, character-set and component checks;
//! - association rules (required partners, forbidden pairs, repeated AIs with
//!   one value) hold, unless the caller turned them off in [`Options`];
//! - values are ASCII (all GS1 character sets are ASCII), so every slice is `str`.

use std::fmt;

use super::ai::{self, AiEntry};
use super::error::{ErrorKind, IdentError};
use super::lint;
use super::symbology::show_byte;

/// The ASCII group separator, which scanners send for FNC1.
pub const GS: u8 = 0x1d;

/// Parsing options. `Default` is the GS1 reference behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Accept AIs that are not in the table when their length can be decided
    /// from the GS1 prefix tables; they get a warning instead of an error and
    /// their value is only checked against CSET 82. Default: off.
    pub permit_unknown_ais: bool,
    /// Check required partners (`req`). Forbidden pairs and repeated AIs are
    /// always checked. Default: on.
    pub check_requisites: bool,
    /// Warn (never fail) when a variable-length value ends in what looks like a
    /// following field whose GS separator was lost. Default: on.
    pub lost_separator_warnings: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            permit_unknown_ais: false,
            check_requisites: true,
            lost_separator_warnings: true,
        }
    }
}

/// An AI's digits, stored inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AiCode {
    len: u8,
    digits: [u8; 4],
}

impl AiCode {
    /// From 2 to 4 ASCII digits.
    pub fn new(s: &[u8]) -> Option<AiCode> {
        if !(2..=4).contains(&s.len()) || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut digits = [0u8; 4];
        digits.get_mut(..s.len())?.copy_from_slice(s);
        Some(AiCode {
            len: s.len() as u8,
            digits,
        })
    }

    /// The AI as text, e.g. `"01"`.
    pub fn as_str(&self) -> &str {
        let d = self.digits.get(..usize::from(self.len)).unwrap_or_default();
        std::str::from_utf8(d).unwrap_or_default()
    }
}

impl fmt::Debug for AiCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({})", self.as_str())
    }
}

impl fmt::Display for AiCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a warning is about. Warnings never reject a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// A variable-length value ends in what looks like another field whose GS was lost.
    PossibleLostSeparator,
    /// An AI not in the table was accepted because unknown AIs are permitted.
    UnknownAi,
    /// A retail or ITF symbol was turned into a GTIN (documented extension).
    GtinFromRetailSymbol,
    /// A Digital Link query parameter that is not an AI was ignored.
    IgnoredQueryParameter,
}

impl WarningKind {
    /// Stable snake_case code.
    pub const fn as_str(self) -> &'static str {
        match self {
            WarningKind::PossibleLostSeparator => "possible_lost_separator",
            WarningKind::UnknownAi => "unknown_ai",
            WarningKind::GtinFromRetailSymbol => "gtin_from_retail_symbol",
            WarningKind::IgnoredQueryParameter => "ignored_query_parameter",
        }
    }
}

/// A non-fatal finding about a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Stable kind.
    pub kind: WarningKind,
    /// The AI concerned, if any.
    pub ai: Option<String>,
    /// For a person.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Field {
    ai: AiCode,
    entry: Option<&'static AiEntry>,
    /// Value range in `buf`.
    start: u32,
    end: u32,
    /// Position of the AI in the original input, for error messages.
    pos: u32,
}

impl Field {
    /// The AI as text; the table's own string for known AIs (no re-validation).
    fn ai_str(&self) -> &str {
        match self.entry {
            Some(e) => e.ai,
            None => self.ai.as_str(),
        }
    }
}

/// A validated GS1 element string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ElementString {
    buf: String,
    fields: Vec<Field>,
    warnings: Vec<Warning>,
}

/// Maximum number of fields in one element string (no GS1 carrier holds more).
pub const MAX_FIELDS: usize = 64;

fn too_many(pos: usize) -> IdentError {
    IdentError::new(
        ErrorKind::TooLong,
        pos,
        format!("more than {MAX_FIELDS} AIs in one scan"),
    )
}

impl ElementString {
    /// An empty element string to push fields into (see [`ElementString::push`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True if there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields in order, as (AI, value).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.fields.iter().map(|f| (f.ai_str(), self.value(f)))
    }

    /// The value of the first field with this AI.
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.ai_str() == ai)
            .map(|f| self.value(f))
    }

    /// The table entry of a field's AI (None for permitted unknown AIs).
    pub fn entry_at(&self, i: usize) -> Option<&'static AiEntry> {
        self.fields.get(i).and_then(|f| f.entry)
    }

    /// Warnings found while parsing.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    pub(crate) fn push_warning(&mut self, w: Warning) {
        self.warnings.push(w);
    }

    fn value(&self, f: &Field) -> &str {
        self.buf
            .get(f.start as usize..f.end as usize)
            .unwrap_or_default()
    }

    /// Validate one field and append it. `pos` is the position of the AI in
    /// the caller's input and `value_pos` that of the value.
    pub fn push(
        &mut self,
        ai: &str,
        value: &[u8],
        pos: usize,
        value_pos: usize,
        opts: &Options,
    ) -> Result<(), IdentError> {
        let code = AiCode::new(ai.as_bytes()).ok_or_else(|| {
            IdentError::new(
                ErrorKind::UnknownAi,
                pos,
                format!("{ai:?} is not an AI: an AI is 2 to 4 digits"),
            )
        })?;
        let entry = match ai::entry(ai) {
            Some(e) => Some(e),
            None => {
                self.unknown_ai(code, pos, opts)?;
                None
            }
        };
        self.push_checked(code, entry, value, pos, value_pos)
    }

    fn unknown_ai(&mut self, code: AiCode, pos: usize, opts: &Options) -> Result<(), IdentError> {
        let ai = code.as_str();
        let len_known = ai::ai_len_by_prefix(ai.as_bytes()) == Some(ai.len());
        if !opts.permit_unknown_ais || !len_known {
            return Err(IdentError::at_ai(
                ErrorKind::UnknownAi,
                ai,
                pos,
                format!("AI ({ai}) is not a GS1 Application Identifier"),
            ));
        }
        self.warnings.push(Warning {
            kind: WarningKind::UnknownAi,
            ai: Some(ai.to_owned()),
            message: format!(
                "AI ({ai}) is not in lotstation's AI table; its value was not checked"
            ),
        });
        Ok(())
    }

    /// Check the association rules between fields: repeated AIs, forbidden
    /// pairs, required partners and the digital-signature serial rule.
    pub fn check_associations(&self, opts: &Options) -> Result<(), IdentError> {
        for (i, f) in self.fields.iter().enumerate() {
            let ai = f.ai_str();
            for g in self.fields.iter().skip(i + 1) {
                if g.ai == f.ai && self.value(g) != self.value(f) {
                    return Err(IdentError::at_ai(
                        ErrorKind::DuplicateAiConflict,
                        ai,
                        g.pos as usize,
                        format!(
                            "AI ({ai}) appears twice with different values ({:?} and {:?})",
                            self.value(f),
                            self.value(g)
                        ),
                    ));
                }
            }
        }
        for f in &self.fields {
            let Some(entry) = f.entry else { continue };
            let ai = f.ai_str();
            for pattern in entry.ex {
                if let Some(g) = self
                    .fields
                    .iter()
                    .find(|g| g.ai != f.ai && ai::matches_pattern(g.ai_str(), pattern))
                {
                    return Err(IdentError::at_ai(
                        ErrorKind::ForbiddenPair,
                        ai,
                        g.pos as usize,
                        format!(
                            "AI ({ai}) must not appear together with AI ({})",
                            g.ai_str()
                        ),
                    ));
                }
            }
        }
        if opts.check_requisites {
            for f in &self.fields {
                let Some(entry) = f.entry else { continue };
                for rule in entry.req {
                    let holds = rule.iter().any(|group| {
                        group.iter().all(|p| {
                            self.fields
                                .iter()
                                .any(|g| ai::matches_pattern(g.ai_str(), p))
                        })
                    });
                    if !holds {
                        let ai = f.ai_str();
                        return Err(IdentError::at_ai(
                            ErrorKind::MissingRequired,
                            ai,
                            f.pos as usize,
                            format!("AI ({ai}) needs {} in the same scan", describe_rule(rule)),
                        ));
                    }
                }
            }
        }
        if self.get("8030").is_some() {
            for f in &self.fields {
                let Some(entry) = f.entry else { continue };
                let serialisable = matches!(entry.ai, "253" | "255" | "8003");
                if serialisable && self.value(f).len() == entry.min_len() {
                    let ai = f.ai_str();
                    return Err(IdentError::at_ai(
                        ErrorKind::MissingRequired,
                        ai,
                        f.pos as usize,
                        format!(
                            "AI ({ai}) must carry its serial component when signed with AI (8030)"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Encode as scanner data: no leading FNC1, GS after every variable-length
    /// value that is not last.
    pub fn to_raw(&self) -> String {
        let mut out = String::with_capacity(self.buf.len() + self.fields.len() * 5);
        let last = self.fields.len().saturating_sub(1);
        for (i, f) in self.fields.iter().enumerate() {
            out.push_str(f.ai_str());
            out.push_str(self.value(f));
            if i < last && !f.entry.is_some_and(|e| e.predefined) {
                out.push(char::from(GS));
            }
        }
        out
    }

    /// Encode in the bracketed human form; `(` inside a value is written `\(`.
    pub fn to_bracketed(&self) -> String {
        let mut out = String::with_capacity(self.buf.len() + self.fields.len() * 6);
        for f in &self.fields {
            out.push('(');
            out.push_str(f.ai_str());
            out.push(')');
            for ch in self.value(f).chars() {
                if ch == '(' {
                    out.push('\\');
                }
                out.push(ch);
            }
        }
        out
    }

    /// Fields whose AIs are Digital Link primary keys, in order.
    pub(crate) fn field_entries(
        &self,
    ) -> impl Iterator<Item = (&str, &str, Option<&'static AiEntry>)> {
        self.fields
            .iter()
            .map(|f| (f.ai_str(), self.value(f), f.entry))
    }
}

fn describe_rule(rule: &[&[&str]]) -> String {
    let alts: Vec<String> = rule
        .iter()
        .map(|group| {
            group
                .iter()
                .map(|p| format!("({p})"))
                .collect::<Vec<_>>()
                .join(" with ")
        })
        .collect();
    match alts.as_slice() {
        [one] => one.clone(),
        _ => format!("one of {}", alts.join(", ")),
    }
}

/// Check a value against its AI's components and their checks.
pub(crate) fn validate_value(entry: &AiEntry, value: &[u8], pos: usize) -> Result<(), IdentError> {
    let ai = entry.ai;
    let mut off = 0usize;
    for comp in entry.components {
        let remaining = value.len() - off;
        if remaining == 0 && comp.optional {
            break;
        }
        let take = remaining.min(usize::from(comp.max));
        if take < usize::from(comp.min) {
            return Err(IdentError::at_ai(
                ErrorKind::TooShort,
                ai,
                pos + value.len(),
                format!(
                    "AI ({ai}) {} is {} characters long; it must be {}",
                    entry.title.to_lowercase(),
                    value.len(),
                    length_rule(entry)
                ),
            ));
        }
        let part = value.get(off..off + take).unwrap_or_default();
        let at = pos + off;
        lint::cset(comp.cset, part).map_err(|f| lint_error(entry, at, f))?;
        for &linter in comp.linters {
            lint::run(linter, part).map_err(|f| lint_error(entry, at, f))?;
        }
        off += take;
    }
    if off < value.len() {
        return Err(IdentError::at_ai(
            ErrorKind::TooLong,
            ai,
            pos + off,
            format!(
                "AI ({ai}) {} is {} characters long; it must be {}",
                entry.title.to_lowercase(),
                value.len(),
                length_rule(entry)
            ),
        ));
    }
    Ok(())
}

fn validate_unknown(code: AiCode, value: &[u8], pos: usize) -> Result<(), IdentError> {
    // An unknown AI under a predefined-length prefix (such as 3106) has that
    // length, whichever form it came in, or raw data could not carry it.
    if let Some(n) = ai::predefined_len_by_prefix(code.as_str().as_bytes())
        .and_then(|total| total.checked_sub(code.as_str().len()))
        && value.len() != n
    {
        let (kind, at) = if value.len() < n {
            (ErrorKind::TooShort, pos + value.len())
        } else {
            (ErrorKind::TooLong, pos + n)
        };
        return Err(IdentError::at_ai(
            kind,
            code.as_str(),
            at,
            format!(
                "AI ({code}) is not in lotstation's AI table, but AIs starting with {} have exactly {n} characters of data; this value has {}",
                code.as_str().get(..2).unwrap_or_default(),
                value.len()
            ),
        ));
    }
    if value.len() > 90 {
        return Err(IdentError::at_ai(
            ErrorKind::TooLong,
            code.as_str(),
            pos + 90,
            "value of an unknown AI is longer than 90 characters",
        ));
    }
    lint::cset(ai::Cset::Cset82, value).map_err(|f| {
        IdentError::at_ai(
            f.kind,
            code.as_str(),
            pos + f.at,
            format!("AI ({code}): {}", f.msg),
        )
    })
}

fn length_rule(entry: &AiEntry) -> String {
    let (min, max) = (entry.min_len(), entry.max_len());
    if min == max {
        format!("exactly {max}")
    } else {
        format!("{min} to {max}")
    }
}

fn lint_error(entry: &AiEntry, at: usize, f: lint::Fail) -> IdentError {
    let ai = entry.ai;
    IdentError::at_ai(
        f.kind,
        ai,
        at + f.at,
        format!("AI ({ai}) {}: {}", entry.title.to_lowercase(), f.msg),
    )
}

/// Parse scanner data that follows a GS1 symbology identifier: AIs and values
/// with GS (0x1D) for FNC1 as separator. `base` is the position of `data` in
/// the caller's input (for error positions).
pub fn parse_raw(data: &[u8], base: usize, opts: &Options) -> Result<ElementString, IdentError> {
    if data.is_empty() {
        return Err(IdentError::new(
            ErrorKind::Empty,
            base,
            "no GS1 data after the symbology identifier",
        ));
    }
    // Every GS1 character set is ASCII: check the encoding once, keep the input
    // as the value buffer, and let fields point into it (no per-field copies).
    let text = std::str::from_utf8(data).map_err(|e| {
        IdentError::new(
            ErrorKind::BadCharacter,
            base + e.valid_up_to(),
            format!(
                "byte {} is not allowed in GS1 data (ASCII only)",
                show_byte(data.get(e.valid_up_to()).copied().unwrap_or(0))
            ),
        )
    })?;
    let mut es = ElementString {
        buf: text.to_owned(),
        fields: Vec::with_capacity(8),
        warnings: Vec::new(),
    };
    let mut p = 0usize;
    while p < data.len() {
        let rest = data.get(p..).unwrap_or_default();
        if rest.first() == Some(&GS) {
            return Err(IdentError::new(
                ErrorKind::UnexpectedSeparator,
                base + p,
                if p == 0 {
                    "data starts with a GS separator; FNC1 in first position is implied by the symbology identifier"
                } else {
                    "two GS separators in a row"
                },
            ));
        }
        let (code, entry, fixed_len) = identify_ai(rest, base + p, opts, &mut es)?;
        let ai_len = usize::from(code.len);
        let vstart = p + ai_len;
        let after = data.get(vstart..).unwrap_or_default();
        // A fixed-length value needs only its own bytes looked at.
        let window = fixed_len.map_or(after, |n| after.get(..n).unwrap_or(after));
        let to_gs = window.iter().position(|&b| b == GS).unwrap_or(window.len());
        let vlen = to_gs;
        let value = after.get(..vlen).unwrap_or_default();
        match (entry, fixed_len) {
            (Some(e), None) if vlen > e.max_len() => {
                // A variable-length value longer than allowed: in scanned data
                // this is almost always a GS that was never sent.
                return Err(IdentError::at_ai(
                    ErrorKind::MissingSeparator,
                    e.ai,
                    base + vstart + e.max_len(),
                    format!(
                        "AI ({}) {} runs to {vlen} characters, past its maximum of {}: a GS separator is probably missing after it (check the scanner's FNC1/GS transmission setting)",
                        e.ai,
                        e.title.to_lowercase(),
                        e.max_len()
                    ),
                ));
            }
            (Some(e), Some(n)) if vlen < n => {
                let why = if to_gs < window.len() {
                    " (a GS separator cuts it short)"
                } else {
                    ""
                };
                return Err(IdentError::at_ai(
                    ErrorKind::TooShort,
                    e.ai,
                    base + vstart + vlen,
                    format!(
                        "AI ({}) {} is {vlen} characters long; it must be exactly {n}{why}",
                        e.ai,
                        e.title.to_lowercase()
                    ),
                ));
            }
            _ => {}
        }
        es.check_value(code, entry, value, base + vstart)?;
        es.add_field(code, entry, vstart, vstart + vlen, base + p)?;
        p = vstart + vlen;
        if data.get(p) == Some(&GS) {
            p += 1;
        }
    }
    es.check_associations(opts)?;
    if opts.lost_separator_warnings {
        lost_separator_warnings(&mut es);
    }
    Ok(es)
}

impl ElementString {
    fn check_value(
        &self,
        code: AiCode,
        entry: Option<&'static AiEntry>,
        value: &[u8],
        value_pos: usize,
    ) -> Result<(), IdentError> {
        if value.is_empty() {
            let ai = code.as_str();
            return Err(IdentError::at_ai(
                ErrorKind::TooShort,
                ai,
                value_pos,
                format!("AI ({ai}) has an empty value"),
            ));
        }
        match entry {
            Some(e) => validate_value(e, value, value_pos),
            None => validate_unknown(code, value, value_pos),
        }
    }

    fn push_checked(
        &mut self,
        code: AiCode,
        entry: Option<&'static AiEntry>,
        value: &[u8],
        pos: usize,
        value_pos: usize,
    ) -> Result<(), IdentError> {
        self.check_value(code, entry, value, value_pos)?;
        // Checked values are ASCII (every GS1 character set is).
        let text = std::str::from_utf8(value).map_err(|_| {
            IdentError::at_ai(
                ErrorKind::BadCharacter,
                code.as_str(),
                value_pos,
                "value is not ASCII",
            )
        })?;
        let start = self.buf.len();
        self.buf.push_str(text);
        self.add_field(code, entry, start, self.buf.len(), pos)
    }

    /// Record a field whose (checked) value is `buf[start..end]`.
    fn add_field(
        &mut self,
        ai: AiCode,
        entry: Option<&'static AiEntry>,
        start: usize,
        end: usize,
        pos: usize,
    ) -> Result<(), IdentError> {
        if self.fields.len() >= MAX_FIELDS {
            return Err(too_many(pos));
        }
        self.fields.push(Field {
            ai,
            entry,
            start: start as u32,
            end: end as u32,
            pos: pos as u32,
        });
        Ok(())
    }
}

/// Decide which AI starts `rest`, and the value length if it is predefined.
fn identify_ai(
    rest: &[u8],
    pos: usize,
    opts: &Options,
    es: &mut ElementString,
) -> Result<(AiCode, Option<&'static AiEntry>, Option<usize>), IdentError> {
    if let Some(e) = ai::lookup_prefix(rest) {
        let code = AiCode::new(e.ai.as_bytes()).ok_or_else(|| {
            IdentError::new(ErrorKind::UnknownAi, pos, "AI table entry is malformed")
        })?;
        return Ok((code, Some(e), e.predefined.then(|| e.max_len())));
    }
    let shown: String = rest
        .iter()
        .take(4)
        .map(|&b| show_byte(b))
        .collect::<Vec<_>>()
        .join(" ");
    if !rest.first().is_some_and(u8::is_ascii_digit) || !rest.get(1).is_some_and(u8::is_ascii_digit)
    {
        return Err(IdentError::new(
            ErrorKind::UnknownAi,
            pos,
            format!("expected an AI (digits) but found {shown}"),
        ));
    }
    let len = ai::ai_len_by_prefix(rest);
    let code = len.and_then(|n| rest.get(..n)).and_then(AiCode::new);
    match code {
        Some(code) if opts.permit_unknown_ais => {
            es.unknown_ai(code, pos, opts)?;
            let fixed =
                ai::predefined_len_by_prefix(rest).map(|total| total - usize::from(code.len));
            Ok((code, None, fixed))
        }
        Some(code) => Err(IdentError::at_ai(
            ErrorKind::UnknownAi,
            code.as_str(),
            pos,
            format!("AI ({code}) is not a GS1 Application Identifier"),
        )),
        None if len.is_some() => Err(IdentError::new(
            ErrorKind::TruncatedAi,
            pos,
            "the data ends inside an AI",
        )),
        None => Err(IdentError::new(
            ErrorKind::UnknownAi,
            pos,
            format!("no GS1 Application Identifier starts with {shown}"),
        )),
    }
}

/// Parse the bracketed human form, e.g. `(01)09506000134352(17)261231(10)ABC`.
/// A `(` inside a value is written `\(`.
pub fn parse_bracketed(s: &str, base: usize, opts: &Options) -> Result<ElementString, IdentError> {
    let data = s.as_bytes();
    if data.is_empty() {
        return Err(IdentError::new(ErrorKind::Empty, base, "no AI data"));
    }
    let mut es = ElementString {
        buf: String::with_capacity(data.len()),
        fields: Vec::with_capacity(8),
        warnings: Vec::new(),
    };
    let mut p = 0usize;
    let mut value: Vec<u8> = Vec::with_capacity(32);
    while p < data.len() {
        if data.get(p) != Some(&b'(') {
            return Err(IdentError::new(
                ErrorKind::BadBracketedForm,
                base + p,
                "expected '(' to start an AI, e.g. (01)",
            ));
        }
        let close = data
            .get(p + 1..)
            .and_then(|r| r.iter().position(|&b| b == b')'))
            .map(|i| p + 1 + i)
            .ok_or_else(|| {
                IdentError::new(
                    ErrorKind::BadBracketedForm,
                    base + p,
                    "'(' without a closing ')'",
                )
            })?;
        let ai_bytes = data.get(p + 1..close).unwrap_or_default();
        let Some(code) = AiCode::new(ai_bytes) else {
            return Err(IdentError::new(
                ErrorKind::UnknownAi,
                base + p + 1,
                format!(
                    "({}) is not an AI: an AI is 2 to 4 digits",
                    String::from_utf8_lossy(ai_bytes)
                ),
            ));
        };
        let entry = ai::entry(code.as_str());
        if entry.is_none() {
            es.unknown_ai(code, base + p + 1, opts)?;
        }
        // Value: up to the next unescaped '('.
        value.clear();
        let vstart = close + 1;
        let mut q = vstart;
        while let Some(&b) = data.get(q) {
            match (b, data.get(q + 1)) {
                (b'\\', Some(b'(')) => {
                    value.push(b'(');
                    q += 2;
                }
                (b'(', _) => break,
                _ => {
                    value.push(b);
                    q += 1;
                }
            }
        }
        if let Some(i) = value.iter().position(|&b| b == GS) {
            return Err(IdentError::at_ai(
                ErrorKind::BadCharacter,
                code.as_str(),
                base + vstart + i,
                "the bracketed form has no separators; a GS may not appear inside a value",
            ));
        }
        es.push_checked(code, entry, &value, base + p + 1, base + vstart)?;
        p = q;
    }
    es.check_associations(opts)?;
    Ok(es)
}

/// AIs whose six-digit date values, glued onto a preceding variable-length
/// value, are the typical trace of a lost GS.
const DATE_AIS: [&str; 6] = ["11", "12", "13", "15", "16", "17"];

fn lost_separator_warnings(es: &mut ElementString) {
    let mut found = Vec::new();
    let has_serial = es.get("21").is_some();
    let has_gtin = es.get("01").is_some();
    for f in &es.fields {
        let Some(entry) = f.entry else { continue };
        if entry.predefined || !entry.components.iter().all(|c| c.cset != ai::Cset::Numeric) {
            continue;
        }
        let v = es.value(f).as_bytes();
        let ai = f.ai_str();
        // "...17YYMMDD" at the end of a value: an expiry (or other date) that lost its GS.
        if v.len() > 8 {
            let (head, tail) = v.split_at(v.len() - 8);
            let (tag, date) = tail.split_at(2);
            let tag = std::str::from_utf8(tag).unwrap_or_default();
            if !head.is_empty()
                && DATE_AIS.contains(&tag)
                && date.iter().all(u8::is_ascii_digit)
                && lint::run(ai::Linter::Yymmd0, date).is_ok()
            {
                found.push(Warning {
                    kind: WarningKind::PossibleLostSeparator,
                    ai: Some(ai.to_owned()),
                    message: format!(
                        "AI ({ai}) value ends in {}, which looks like AI ({tag}) whose GS separator was lost; check the printed label",
                        String::from_utf8_lossy(tail)
                    ),
                });
                continue;
            }
        }
        // "...21<serial>" inside a lot number on a serialised label with no (21) of its own.
        if ai == "10"
            && has_gtin
            && !has_serial
            && let Some(i) = v.windows(2).skip(1).position(|w| w == b"21").map(|i| i + 1)
            && v.len() - i - 2 >= 6
        {
            found.push(Warning {
                        kind: WarningKind::PossibleLostSeparator,
                        ai: Some(ai.to_owned()),
                        message: format!(
                            "AI (10) lot {:?} contains \"21\" followed by {} characters, which may be a serial number (AI 21) whose GS separator was lost; check the printed label",
                            String::from_utf8_lossy(v),
                            v.len() - i - 2
                        ),
                    });
        }
    }
    es.warnings.extend(found);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Result<ElementString, IdentError> {
        parse_raw(s.replace('^', "\x1d").as_bytes(), 0, &Options::default())
    }
    fn br(s: &str) -> Result<ElementString, IdentError> {
        parse_bracketed(s, 0, &Options::default())
    }
    fn pairs(es: &ElementString) -> Vec<(String, String)> {
        es.iter()
            .map(|(a, v)| (a.to_owned(), v.to_owned()))
            .collect()
    }
    fn kind(r: Result<ElementString, IdentError>) -> ErrorKind {
        r.expect_err("should be rejected").kind
    }

    #[test]
    fn typical_gs1_128_label_with_gs_after_the_lot() {
        let es = raw("0109506000134352172612311012345A^21S0001").unwrap();
        assert_eq!(
            pairs(&es),
            [
                ("01", "09506000134352"),
                ("17", "261231"),
                ("10", "12345A"),
                ("21", "S0001")
            ]
            .map(|(a, v)| (a.to_owned(), v.to_owned()))
        );
        assert!(es.warnings().is_empty());
        assert_eq!(es.to_raw(), "0109506000134352172612311012345A\x1d21S0001");
        assert_eq!(
            es.to_bracketed(),
            "(01)09506000134352(17)261231(10)12345A(21)S0001"
        );
    }

    #[test]
    fn reference_engine_cases_for_raw_data() {
        assert!(raw("991234").is_ok());
        assert_eq!(kind(raw("99~ABC")), ErrorKind::BadCharacter);
        assert!(raw("0112345678901231").is_ok());
        assert_eq!(kind(raw("0112345678901234")), ErrorKind::BadCheckDigit);
        assert_eq!(kind(raw("011234567890123")), ErrorKind::TooShort);
        assert_eq!(kind(raw("01123456789012312")), ErrorKind::UnknownAi);
        assert!(raw("0112345678901231^").is_ok());
        assert_eq!(kind(raw("011234567890123^")), ErrorKind::TooShort);
        assert!(raw("0112345678901231991234").is_ok());
        assert!(raw("0112345678901231^991234").is_ok());
        assert!(raw("0112345678901231242123456^").is_ok());
        assert_eq!(
            kind(raw("0112345678901231^2421234567")),
            ErrorKind::MissingSeparator
        );
        assert_eq!(kind(raw("891234")), ErrorKind::UnknownAi);
        assert_eq!(
            kind(raw("0112345678901231^^991234")),
            ErrorKind::UnexpectedSeparator
        );
        assert_eq!(
            kind(raw("^0112345678901231")),
            ErrorKind::UnexpectedSeparator
        );
        assert_eq!(
            kind(parse_raw(b"", 3, &Options::default())),
            ErrorKind::Empty
        );
        assert!(raw("0112345678901231^800112341234512398").is_ok());
        assert_eq!(
            kind(raw("0112345678901231^80011234123451239")),
            ErrorKind::TooShort
        );
        assert!(raw("0112345678901231^7007211225211231").is_ok());
        assert!(raw("0112345678901231^7007211225").is_ok());
        assert_eq!(
            kind(raw("0112345678901231^70072112252")),
            ErrorKind::TooShort
        );
        assert!(raw("800302112345678900").is_ok());
        assert_eq!(
            kind(raw("800302112345678900ABCDEFGHIJKLMNOPQ")),
            ErrorKind::MissingSeparator
        );
        assert_eq!(kind(raw("0112345678901231^4235285")), ErrorKind::TooShort);
        assert!(raw("0112345678901231^423528528528528528").is_ok());
    }

    #[test]
    fn gs_inside_a_fixed_length_field_is_reported_as_too_short() {
        let e = raw("01123456789012^3103000123").unwrap_err();
        assert_eq!(e.kind, ErrorKind::TooShort);
        assert_eq!(e.ai.as_deref(), Some("01"));
        assert!(e.message.contains("GS"), "{}", e.message);
    }

    #[test]
    fn error_positions_point_into_the_original_input() {
        let e = parse_raw(b"0109506000134353", 3, &Options::default()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadCheckDigit);
        assert_eq!(e.position, 3 + 2 + 13);
        let e = raw("0109506000134352172613011012345A").unwrap_err();
        assert_eq!((e.kind, e.position), (ErrorKind::BadDate, 18 + 2));
    }

    #[test]
    fn bracketed_form_and_escapes() {
        let es = br("(01)12345678901231(10)12345\\(11)991225").unwrap();
        assert_eq!(es.get("10"), Some("12345(11)991225"));
        assert_eq!(es.to_bracketed(), "(01)12345678901231(10)12345\\(11)991225");
        assert_eq!(kind(br("(10)(11)98765")), ErrorKind::TooShort);
        assert_eq!(kind(br("01)1234")), ErrorKind::BadBracketedForm);
        assert_eq!(kind(br("(01")), ErrorKind::BadBracketedForm);
        assert_eq!(kind(br("(1A)12")), ErrorKind::UnknownAi);
        assert_eq!(kind(br("(89)ABC")), ErrorKind::UnknownAi);
        assert_eq!(kind(br("(17)9(90)217")), ErrorKind::TooShort);
        assert_eq!(kind(br("(01)123456789012312")), ErrorKind::TooLong);
        assert_eq!(kind(br("")), ErrorKind::Empty);
    }

    #[test]
    fn association_rules() {
        assert_eq!(
            kind(br("(01)12345678901231(02)12345678901231")),
            ErrorKind::ForbiddenPair
        );
        assert_eq!(
            kind(br("(01)12345678901231(37)5")),
            ErrorKind::ForbiddenPair
        );
        assert_eq!(
            kind(br("(01)12345678901231(21)A(235)B")),
            ErrorKind::ForbiddenPair
        );
        assert_eq!(
            kind(br("(01)12345678901231(3103)000123(3102)000456")),
            ErrorKind::ForbiddenPair
        );
        assert!(br("(01)12345678901231(3103)000123(3103)000123").is_ok());
        assert_eq!(kind(br("(21)ABC")), ErrorKind::MissingRequired);
        assert!(br("(8006)123456789012310102(21)ABC").is_ok());
        assert_eq!(kind(br("(10)ABC")), ErrorKind::MissingRequired);
        assert_eq!(kind(br("(02)12345678901231")), ErrorKind::MissingRequired);
        assert!(br("(00)123456789012345675(02)12345678901231(37)10").is_ok());
        assert_eq!(kind(br("(400)ABC(400)AB")), ErrorKind::DuplicateAiConflict);
        assert!(br("(400)ABC(400)ABC").is_ok());
        // 8030 digital signature needs a serialised key.
        assert_eq!(kind(br("(8030)ABC123")), ErrorKind::MissingRequired);
        assert!(br("(00)123456789012345675(8030)ABC123").is_ok());
        assert_eq!(
            kind(br("(253)1234567890128(8030)ABC123")),
            ErrorKind::MissingRequired
        );
        assert!(br("(253)1234567890128X(8030)ABC123").is_ok());
        let lax = Options {
            check_requisites: false,
            ..Options::default()
        };
        assert!(parse_bracketed("(10)ABC", 0, &lax).is_ok());
    }

    #[test]
    fn unknown_ais_are_permitted_only_when_asked_and_only_with_a_known_length() {
        let permit = Options {
            permit_unknown_ais: true,
            ..Options::default()
        };
        let es = parse_bracketed("(89)ABC123", 0, &permit);
        assert_eq!(
            kind(es),
            ErrorKind::UnknownAi,
            "prefix 89 has no known AI length"
        );
        let es = parse_bracketed("(236)ABC123", 0, &permit).unwrap();
        assert_eq!(es.warnings()[0].kind, WarningKind::UnknownAi);
        let es = parse_raw(b"2361234\x1d8299AB", 0, &permit).unwrap();
        assert_eq!(pairs(&es).len(), 2);
        assert_eq!(kind(parse_raw(b"891234", 0, &permit)), ErrorKind::UnknownAi);
        assert_eq!(kind(parse_raw(b"2", 0, &permit)), ErrorKind::UnknownAi);
    }

    #[test]
    fn permitted_unknown_ais_keep_the_predefined_length_of_their_prefix() {
        let permit = Options {
            permit_unknown_ais: true,
            ..Options::default()
        };
        // 3106 is not in the table; prefix 31 means six digits of data.
        let e = parse_bracketed("(01)09506000134352(3106)0012500013LOT", 0, &permit).unwrap_err();
        assert_eq!(
            (e.kind, e.ai.as_deref()),
            (ErrorKind::TooLong, Some("3106"))
        );
        let e = parse_raw(b"0109506000134352\x1d3106001", 0, &permit).unwrap_err();
        assert_eq!(
            (e.kind, e.ai.as_deref()),
            (ErrorKind::TooShort, Some("3106"))
        );
        let es = parse_bracketed("(01)09506000134352(3106)001250", 0, &permit).unwrap();
        let back = parse_raw(es.to_raw().as_bytes(), 0, &permit).unwrap();
        assert_eq!(pairs(&back), pairs(&es));
    }

    #[test]
    fn lost_separator_warnings_flag_a_swallowed_expiry_or_serial() {
        let e = raw("0109506000134352^10ABCDEFGHIJKLMN17261231").unwrap_err();
        assert_eq!(e.kind, ErrorKind::MissingSeparator);
        let es = raw("010950600013435210ABC17261231").unwrap();
        assert_eq!(es.warnings()[0].kind, WarningKind::PossibleLostSeparator);
        assert!(es.warnings()[0].message.contains("(17)"));
        let es = raw("010950600013435210LOT1221SN000123").unwrap();
        assert_eq!(es.warnings()[0].kind, WarningKind::PossibleLostSeparator);
        let es = raw("010950600013435210LOT12^21SN000123").unwrap();
        assert!(es.warnings().is_empty());
        let es = raw("010950600013435210LOT-2021").unwrap();
        assert!(es.warnings().is_empty());
        let off = Options {
            lost_separator_warnings: false,
            ..Options::default()
        };
        assert!(
            parse_raw(b"010950600013435210ABC17261231", 0, &off)
                .unwrap()
                .warnings()
                .is_empty()
        );
    }

    #[test]
    fn push_builds_and_validates() {
        let mut es = ElementString::new();
        let o = Options::default();
        es.push("01", b"09506000134352", 0, 0, &o).unwrap();
        assert_eq!(
            es.push("17", b"261332", 0, 0, &o).unwrap_err().kind,
            ErrorKind::BadDate
        );
        assert_eq!(
            es.push("1", b"x", 0, 0, &o).unwrap_err().kind,
            ErrorKind::UnknownAi
        );
        assert_eq!(
            es.push("10", b"", 0, 0, &o).unwrap_err().kind,
            ErrorKind::TooShort
        );
        assert_eq!(es.len(), 1);
    }

    #[test]
    fn more_than_the_maximum_number_of_fields_is_refused() {
        let s = "99A^".repeat(MAX_FIELDS + 1);
        assert_eq!(kind(raw(&s)), ErrorKind::TooLong);
    }
}
