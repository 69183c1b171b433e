//! [`Label`]: the GS1 AI data of one scan (or of a set of labels merged
//! while receiving), and what the workflows read from it: the GTIN, the lot
//! key, the quantity, the dates.
//!
//! Element strings, Digital Links and the AIs an EPC carries (SGTIN+,
//! DSGTIN+) all become a `Label`, so every workflow accepts all three.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::scan::Scan;
use crate::ident::ai::matches_pattern;
use crate::model::{ItemCode, LotKey, Qty};
use crate::rules::LotRules;

/// AI → value pairs in scan order, each AI at most once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Label {
    ais: Vec<(String, String)>,
}

/// Two labels (or one label twice) give one AI different values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Conflict {
    pub ai: String,
    pub first: String,
    pub second: String,
}

impl Label {
    /// The AI data of a GS1 or EPC scan; `None` for other scans, for an EPC
    /// that is not a GS1 key (GID-96), and for a label with conflicting
    /// duplicate AIs (reported by [`Label::from_pairs`] instead).
    pub fn from_scan(scan: &Scan) -> Option<Result<Label, Conflict>> {
        let pairs: Vec<(&str, &str)> = match scan {
            Scan::Gs1(es) => es.iter().collect(),
            Scan::Epc(epc) => epc.ais.iter().map(|(a, v)| (*a, v.as_str())).collect(),
            _ => return None,
        };
        if pairs.is_empty() {
            return None;
        }
        Some(Label::from_pairs(pairs).map(Label::contents_as_item))
    }

    /// A logistic label names its trade items by (02) (GTIN of the contents,
    /// with their count in (37)) rather than (01); the station treats the
    /// contents GTIN as the item when (01) is absent, so a pallet label with
    /// (02), (37), (10) and (17) receives, issues or ships like a lot label.
    fn contents_as_item(mut self) -> Label {
        if self.get("01").is_none()
            && let Some(g) = self.get("02").map(str::to_owned)
        {
            self.ais.push(("01".to_owned(), g));
        }
        self
    }

    /// Build from pairs; an AI repeated with another value is a conflict.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Label, Conflict> {
        let mut label = Label::default();
        for (ai, value) in pairs {
            label.put(ai, value)?;
        }
        Ok(label)
    }

    fn put(&mut self, ai: &str, value: &str) -> Result<(), Conflict> {
        match self.get(ai) {
            Some(v) if v == value => Ok(()),
            Some(v) => Err(Conflict {
                ai: ai.to_owned(),
                first: v.to_owned(),
                second: value.to_owned(),
            }),
            None => {
                self.ais.push((ai.to_owned(), value.to_owned()));
                Ok(())
            }
        }
    }

    /// Add another label's AIs. On a conflict nothing is added.
    pub fn merge(&mut self, other: &Label) -> Result<(), Conflict> {
        let mut merged = self.clone();
        for (ai, value) in &other.ais {
            merged.put(ai, value)?;
        }
        *self = merged;
        Ok(())
    }

    /// The value of an AI.
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.ais
            .iter()
            .find(|(a, _)| a == ai)
            .map(|(_, v)| v.as_str())
    }

    /// True if some AI matches `pattern` (`n` = any digit, e.g. `310n`).
    pub fn has(&self, pattern: &str) -> bool {
        self.ais.iter().any(|(a, _)| matches_pattern(a, pattern))
    }

    /// True if some AI matches one of the patterns.
    pub fn has_any(&self, patterns: &[String]) -> bool {
        patterns.iter().any(|p| self.has(p))
    }

    /// The patterns of `required` that no AI matches, in order.
    pub fn missing<'p>(&self, required: &'p [String]) -> Vec<&'p str> {
        required
            .iter()
            .filter(|p| !self.has(p))
            .map(String::as_str)
            .collect()
    }

    /// The GTIN (AI 01).
    pub fn gtin(&self) -> Option<ItemCode> {
        self.get("01").map(|g| ItemCode(g.to_owned()))
    }

    /// The supplier's GLN (AI 412, "purchased from"), when printed.
    pub fn supplier(&self) -> Option<&str> {
        self.get("412")
    }

    /// The lot key from (01) and (10), canonicalised by the lot rules.
    pub fn lot_key(&self, rules: &LotRules) -> Option<LotKey> {
        let item = self.gtin()?;
        let raw = self.get("10")?;
        let lot = rules.canonical(&item, self.supplier(), raw);
        Some(LotKey { item, lot })
    }

    /// The quantity printed: a count (AI 30, then 37) or a net weight in kg
    /// (AI 310n, n decimals). When both are printed the weight wins for
    /// items kept in kg, the count otherwise.
    pub fn qty(&self, unit: Option<&str>) -> Option<Qty> {
        let weight = self.net_weight_kg();
        let count = self.count();
        if unit.is_some_and(|u| u.eq_ignore_ascii_case("kg")) {
            weight.or(count)
        } else {
            count.or(weight)
        }
    }

    fn count(&self) -> Option<Qty> {
        let v = self.get("30").or_else(|| self.get("37"))?;
        let n: i64 = v.parse().ok()?;
        n.checked_mul(1000).map(Qty)
    }

    fn net_weight_kg(&self) -> Option<Qty> {
        self.ais.iter().find_map(|(ai, v)| {
            let places = ai.strip_prefix("310")?;
            if places.len() != 1 {
                return None;
            }
            Qty::from_gs1_decimal(v, places.parse().ok()?)
        })
    }
}

/// AI patterns as an operator reads them: `(10), (17)`.
pub(crate) fn ai_list(patterns: &[&str]) -> String {
    patterns
        .iter()
        .map(|p| format!("({p})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A GS1 date `YYMMDD` as a civil date.
///
/// The century follows the GS1 General Specifications (7.12): the year is
/// taken in the century of `now` unless that puts it 51 or more years ahead
/// (then it is the previous century) or 50 or more years behind (then the
/// next). Day `00` means the last day of the month. `None` if the digits do
/// not form a date.
pub(crate) fn gs1_date(yymmdd: &str, now: Timestamp) -> Option<Date> {
    if yymmdd.len() != 6 || !yymmdd.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let yy: i16 = yymmdd.get(0..2)?.parse().ok()?;
    let mm: i8 = yymmdd.get(2..4)?.parse().ok()?;
    let dd: i8 = yymmdd.get(4..6)?.parse().ok()?;
    let current = now.to_zoned(TimeZone::UTC).year();
    let century = current - current % 100;
    let year = match yy - current % 100 {
        51..=99 => century - 100 + yy,
        -99..=-50 => century + 100 + yy,
        _ => century + yy,
    };
    if dd == 0 {
        Date::new(year, mm, 1).ok().map(|d| d.last_of_month())
    } else {
        Date::new(year, mm, dd).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn gs1_dates_follow_the_sliding_century_and_day_zero_rules() {
        let now = ts("2025-06-01T00:00:00Z");
        assert_eq!(gs1_date("261231", now), Some(Date::constant(2026, 12, 31)));
        assert_eq!(gs1_date("260200", now), Some(Date::constant(2026, 2, 28)));
        assert_eq!(gs1_date("240200", now), Some(Date::constant(2024, 2, 29)));
        // 2076 is 51 years ahead of 2025: previous century.
        assert_eq!(gs1_date("760101", now), Some(Date::constant(1976, 1, 1)));
        assert_eq!(gs1_date("750101", now), Some(Date::constant(2075, 1, 1)));
        // Near the end of a century, small years are in the next one.
        let late = ts("2095-06-01T00:00:00Z");
        assert_eq!(gs1_date("050101", late), Some(Date::constant(2105, 1, 1)));
        assert_eq!(gs1_date("261331", now), None);
        assert_eq!(gs1_date("260231", now), None);
        assert_eq!(gs1_date("2612", now), None);
        assert_eq!(gs1_date("26123x", now), None);
    }

    #[test]
    fn quantities_prefer_weight_for_kg_items_and_count_otherwise() {
        let l = Label::from_pairs([("30", "12"), ("3102", "001250")]).unwrap();
        assert_eq!(l.qty(Some("kg")), Some(Qty(12_500)));
        assert_eq!(l.qty(Some("ea")), Some(Qty::units(12)));
        assert_eq!(l.qty(None), Some(Qty::units(12)));
        let w = Label::from_pairs([("3103", "001250")]).unwrap();
        assert_eq!(w.qty(None), Some(Qty(1_250)));
        let c = Label::from_pairs([("37", "40")]).unwrap();
        assert_eq!(c.qty(Some("kg")), Some(Qty::units(40)));
        assert_eq!(Label::default().qty(None), None);
    }

    #[test]
    fn merging_labels_keeps_equal_values_and_refuses_different_ones() {
        let mut a = Label::from_pairs([("01", "09506000134352"), ("10", "A")]).unwrap();
        let b = Label::from_pairs([("10", "A"), ("17", "261231")]).unwrap();
        a.merge(&b).unwrap();
        assert_eq!(a.get("17"), Some("261231"));
        let c = Label::from_pairs([("10", "B")]).unwrap();
        let before = a.clone();
        let e = a.merge(&c).unwrap_err();
        assert_eq!(
            (e.ai.as_str(), e.first.as_str(), e.second.as_str()),
            ("10", "A", "B")
        );
        assert_eq!(a, before);
        assert!(Label::from_pairs([("10", "A"), ("10", "B")]).is_err());
        let req = ["01".to_owned(), "310n".to_owned(), "17".to_owned()];
        assert_eq!(a.missing(&req), ["310n"]);
        assert_eq!(ai_list(&a.missing(&req)), "(310n)");
    }
}
