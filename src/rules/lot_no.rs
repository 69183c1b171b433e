//! Lot-number canonicalisation, configurable per item and per supplier.
//!
//! Suppliers print the same lot differently ("LOT-2024-0847", "2024-0847",
//! "20240847"). A [`LotRule`] says how to reduce what was printed to the
//! lot number the store keys on; [`LotRules`] picks the rule for an item
//! and supplier (item rule first, then supplier rule, then the default) and
//! is deserialised from the station's config.
//!
//! Applying a rule: upper-case (ASCII) if asked, strip the longest matching
//! prefix (once), then remove the listed characters. Nothing is truncated:
//! raw lot numbers are bounded by GS1 (AI 10, at most 20 characters), and the
//! result is never longer than the input. If a rule would leave nothing
//! (e.g. a label reading just "LOT-"), the raw value is kept unchanged, so
//! that two different unreadable prints never collapse into one empty lot.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{ItemCode, LotNo};

/// How to canonicalise one family of lot numbers. The default changes
/// nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LotRule {
    /// Prefixes to strip, e.g. `["LOT-", "L"]`; the longest that matches is
    /// stripped, once. Matched after upper-casing when `uppercase` is set.
    pub strip_prefixes: Vec<String>,
    /// Characters to remove anywhere, e.g. `"-/ ."`.
    pub remove_chars: String,
    /// Upper-case ASCII letters first (so "lot-2024a" matches "LOT-2024A").
    pub uppercase: bool,
}

impl LotRule {
    /// Apply the rule to a printed lot number.
    pub fn apply(&self, raw: &str) -> LotNo {
        let cased = if self.uppercase {
            raw.to_ascii_uppercase()
        } else {
            raw.to_owned()
        };
        let prefix_len = self
            .strip_prefixes
            .iter()
            .map(|p| {
                if self.uppercase {
                    p.to_ascii_uppercase()
                } else {
                    p.clone()
                }
            })
            .filter(|p| !p.is_empty() && cased.starts_with(p.as_str()))
            .map(|p| p.len())
            .max()
            .unwrap_or(0);
        let rest = cased.get(prefix_len..).unwrap_or(cased.as_str());
        let out: String = rest
            .chars()
            .filter(|c| !self.remove_chars.contains(*c))
            .collect();
        if out.is_empty() {
            LotNo(raw.to_owned())
        } else {
            LotNo(out)
        }
    }
}

/// Lot rules for a station: a default, overridden per item, then per
/// supplier.
///
/// ```toml
/// [lot_rules.default]
/// uppercase = true
///
/// [lot_rules.per_supplier."4012345000009"]
/// strip_prefixes = ["LOT-", "L"]
/// remove_chars = "-/ ."
/// uppercase = true
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LotRules {
    /// Rule when neither the item nor the supplier has one.
    pub default: LotRule,
    /// Rules per item (GTIN-14 or internal code); these win.
    pub per_item: BTreeMap<ItemCode, LotRule>,
    /// Rules per supplier (GLN or code).
    pub per_supplier: BTreeMap<String, LotRule>,
}

impl LotRules {
    /// The rule that applies to an item from a supplier.
    pub fn rule_for(&self, item: &ItemCode, supplier: Option<&str>) -> &LotRule {
        self.per_item
            .get(item)
            .or_else(|| supplier.and_then(|s| self.per_supplier.get(s)))
            .unwrap_or(&self.default)
    }

    /// The canonical lot number for a printed one.
    pub fn canonical(&self, item: &ItemCode, supplier: Option<&str>, raw: &str) -> LotNo {
        self.rule_for(item, supplier).apply(raw)
    }
}
