//! The station's own codes: non-GS1 scans classified by configured patterns
//! as a work order, a location, an operator badge, a shipment or a station
//! command (e.g. `CMD:RECEIVE`).
//!
//! Patterns are regular expressions matched against the whole scan text
//! (they are anchored for you). A named group `id` picks the identifier out
//! of the text; without it the whole text is the identifier. The first
//! pattern that matches wins, in configuration order.

use regex::Regex;

/// What an internal code stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InternalKind {
    /// A work order (production or issue target).
    WorkOrder,
    /// A storage or production location.
    Location,
    /// An operator's badge.
    Operator,
    /// A shipment or customer order.
    Shipment,
    /// A station command (mode switch, confirm, cancel...).
    Command,
}

impl InternalKind {
    /// Stable snake_case name (also the config key).
    pub const fn as_str(self) -> &'static str {
        match self {
            InternalKind::WorkOrder => "work_order",
            InternalKind::Location => "location",
            InternalKind::Operator => "operator",
            InternalKind::Shipment => "shipment",
            InternalKind::Command => "command",
        }
    }

    /// Parse the config name.
    pub fn from_name(s: &str) -> Option<Self> {
        [
            InternalKind::WorkOrder,
            InternalKind::Location,
            InternalKind::Operator,
            InternalKind::Shipment,
            InternalKind::Command,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A scan recognised as one of the station's own codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalCode {
    /// What it is.
    pub kind: InternalKind,
    /// The identifier (the `id` group, or the whole text).
    pub id: String,
}

/// An invalid pattern in the configuration.
#[derive(Debug, thiserror::Error)]
#[error("pattern {pattern:?} for {kind} is not a valid regular expression: {source}")]
pub struct PatternError {
    /// Which code kind the pattern was for.
    pub kind: &'static str,
    /// The pattern as written.
    pub pattern: String,
    /// What the regex compiler said.
    #[source]
    pub source: regex::Error,
}

/// The configured patterns, in order.
#[derive(Debug, Clone, Default)]
pub struct InternalRules {
    rules: Vec<(InternalKind, Regex)>,
}

/// The default patterns, in the order they are tried (also the order of the
/// config's `[codes]` keys): `CMD:…` commands, `WO-…` work orders, `LOC-…`
/// locations, `OP-…` badges and `SH-…` shipments.
pub const DEFAULT_PATTERNS: [(InternalKind, &str); 5] = [
    (InternalKind::Command, r"CMD:(?P<id>[A-Z_]{1,32})"),
    (InternalKind::WorkOrder, r"(?P<id>WO-[A-Z0-9-]{1,30})"),
    (InternalKind::Location, r"(?P<id>LOC-[A-Z0-9-]{1,30})"),
    (InternalKind::Operator, r"(?P<id>OP-[A-Z0-9]{1,30})"),
    (InternalKind::Shipment, r"(?P<id>SH-[A-Z0-9-]{1,30})"),
];

/// Longest text the patterns are tried on; longer scans are not internal codes.
pub const MAX_CODE_LEN: usize = 256;

impl InternalRules {
    /// Compile `(kind, pattern)` pairs; each pattern is anchored at both ends.
    pub fn new<'a>(
        patterns: impl IntoIterator<Item = (InternalKind, &'a str)>,
    ) -> Result<Self, PatternError> {
        let mut rules = Vec::new();
        for (kind, pattern) in patterns {
            let anchored = format!("^(?:{pattern})$");
            let re = regex::RegexBuilder::new(&anchored)
                .size_limit(1 << 20)
                .build()
                .map_err(|source| PatternError {
                    kind: kind.as_str(),
                    pattern: pattern.to_owned(),
                    source,
                })?;
            rules.push((kind, re));
        }
        Ok(InternalRules { rules })
    }

    /// The defaults used when the configuration names none: `WO-…` work
    /// orders, `LOC-…` locations, `OP-…` badges, `SH-…` shipments and
    /// `CMD:…` commands.
    pub fn defaults() -> Self {
        // The default patterns are constants checked by a unit test.
        InternalRules::new(DEFAULT_PATTERNS).unwrap_or_default()
    }

    /// Classify `text`, or `None` if no pattern matches.
    pub fn classify(&self, text: &str) -> Option<InternalCode> {
        if text.len() > MAX_CODE_LEN {
            return None;
        }
        self.rules.iter().find_map(|(kind, re)| {
            let caps = re.captures(text)?;
            let id = caps.name("id").or_else(|| caps.get(0))?.as_str().to_owned();
            Some(InternalCode { kind: *kind, id })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_patterns_compile_and_classify() {
        let r = InternalRules::defaults();
        assert_eq!(r.rules.len(), 5);
        assert_eq!(
            r.classify("WO-2024-118"),
            Some(InternalCode {
                kind: InternalKind::WorkOrder,
                id: "WO-2024-118".into()
            })
        );
        assert_eq!(r.classify("CMD:RECEIVE").unwrap().id, "RECEIVE");
        assert_eq!(
            r.classify("LOC-COLD-01").unwrap().kind,
            InternalKind::Location
        );
        assert_eq!(r.classify("OP-4711").unwrap().kind, InternalKind::Operator);
        assert_eq!(r.classify("SH-88").unwrap().kind, InternalKind::Shipment);
        assert_eq!(r.classify("xWO-1"), None, "patterns are anchored");
        assert_eq!(r.classify(&"WO-1".repeat(100)), None);
    }

    #[test]
    fn configured_patterns_keep_their_order_and_report_errors() {
        let r = InternalRules::new([
            (InternalKind::Location, r"\d{4}"),
            (InternalKind::WorkOrder, r"\d+"),
        ])
        .unwrap();
        assert_eq!(r.classify("1234").unwrap().kind, InternalKind::Location);
        assert_eq!(r.classify("12345").unwrap().kind, InternalKind::WorkOrder);
        let e = InternalRules::new([(InternalKind::Operator, "(")]).unwrap_err();
        assert!(e.to_string().contains("operator"), "{e}");
        assert_eq!(
            InternalKind::from_name("shipment"),
            Some(InternalKind::Shipment)
        );
        assert_eq!(InternalKind::from_name("nope"), None);
    }
}
