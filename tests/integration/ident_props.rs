//! Property tests for the identifier engine.
//!
//! Valid GS1 data is generated from the AI table (`ident::ai::TABLE`): values
//! that satisfy each component's character set, length and checks (check
//! digits, dates, company prefixes, country and currency codes), combined
//! around a GTIN so that the association rules hold. Such data must survive
//! every encoding: raw with GS only where needed, bracketed, Digital Link,
//! and `decode` behind `]C1` and `]d2`. Arbitrary bytes must never make a
//! parser panic or break the invariants in `ident::fuzzing`.

use std::sync::LazyLock;

use lotstation::ident::ai::{AiEntry, Component, Cset, Linter, TABLE};
use lotstation::ident::check_digit;
use lotstation::ident::element_string::{self, ElementString, GS, Options};
use lotstation::ident::{
    AimId, DecodeOptions, Decoded, DlOptions, ErrorKind, decode, digital_link, fuzzing,
};
use proptest::prelude::*;
use proptest::sample::select;

type Pairs = Vec<(String, String)>;

const CSET82: &[u8] =
    b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const CSET39: &[u8] = b"#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const CSET64: &[u8] = b"-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const DIGITS: &[u8] = b"0123456789";

fn charset(cset: Cset) -> &'static [u8] {
    match cset {
        Cset::Numeric => DIGITS,
        Cset::Cset82 => CSET82,
        Cset::Cset39 => CSET39,
        Cset::Cset64 => CSET64,
    }
}

/// The length a linter forces on its component, if any.
fn forced_len(linter: Linter) -> Option<u8> {
    match linter {
        Linter::Yymmd0 | Linter::Yymmdd => Some(6),
        Linter::Yyyymmdd => Some(8),
        Linter::Iso3166 | Linter::Iso4217 => Some(3),
        _ => None,
    }
}

/// Linters this generator can satisfy.
fn supported(linter: Linter) -> bool {
    matches!(
        linter,
        Linter::Csum
            | Linter::CsumAlpha
            | Linter::GcpPos1
            | Linter::GcpPos2
            | Linter::Yymmd0
            | Linter::Yymmdd
            | Linter::Yyyymmdd
            | Linter::Iso3166
            | Linter::Iso4217
    )
}

fn component_ok(c: &Component) -> bool {
    c.linters
        .iter()
        .all(|&l| supported(l) && forced_len(l).is_none_or(|n| (c.min..=c.max).contains(&n)))
        && (!c.linters.contains(&Linter::CsumAlpha) || c.max >= 3)
        && (!c
            .linters
            .iter()
            .any(|l| matches!(l, Linter::GcpPos1 | Linter::GcpPos2))
            || c.max >= 5)
}

/// Table entries whose values this generator can build, optional
/// components last (as in the table).
static GENERATABLE: LazyLock<Vec<&'static AiEntry>> = LazyLock::new(|| {
    TABLE
        .iter()
        .filter(|e| {
            e.components.iter().all(component_ok)
                && e.components
                    .iter()
                    .skip_while(|c| !c.optional)
                    .all(|c| c.optional)
        })
        .collect()
});

/// Deterministic choices drawn from a proptest-generated seed, so one
/// shrinkable `Vec<u8>` drives the whole value.
struct Draw<'a>(std::slice::Iter<'a, u8>);

impl Draw<'_> {
    fn byte(&mut self) -> u8 {
        self.0.next().copied().unwrap_or(0)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n.max(1)
    }
    fn pick(&mut self, from: &[u8]) -> u8 {
        from[self.below(from.len())]
    }
}

fn date(d: &mut Draw, century: bool) -> Vec<u8> {
    let y = d.below(100);
    let m = 1 + d.below(12);
    let day = 1 + d.below(28);
    let s = if century {
        format!("20{y:02}{m:02}{day:02}")
    } else {
        format!("{y:02}{m:02}{day:02}")
    };
    s.into_bytes()
}

/// A value for `entry` that satisfies its components, built from `seed`.
fn build_value(entry: &AiEntry, seed: &[u8]) -> String {
    let mut d = Draw(seed.iter());
    let required = entry.components.iter().filter(|c| !c.optional).count();
    let optional = entry.components.len() - required;
    let n = required + d.below(optional + 1);
    let mut value = Vec::new();
    for (k, comp) in entry.components.iter().take(n).enumerate() {
        // validate_value fills each component greedily, so only the last one
        // may be shorter than its maximum.
        let mut len = if k + 1 == n {
            usize::from(comp.min) + d.below(usize::from(comp.max - comp.min) + 1)
        } else {
            usize::from(comp.max)
        };
        for &l in comp.linters {
            if let Some(f) = forced_len(l) {
                len = usize::from(f);
            }
            if l == Linter::CsumAlpha {
                len = len.clamp(3, 43);
            }
            if matches!(l, Linter::GcpPos1 | Linter::GcpPos2 | Linter::Csum) {
                len = len.max(6);
            }
        }
        len = len.clamp(usize::from(comp.min), usize::from(comp.max));
        let mut part: Vec<u8> = (0..len).map(|_| d.pick(charset(comp.cset))).collect();
        for &l in comp.linters {
            match l {
                Linter::GcpPos1 | Linter::GcpPos2 => {
                    for b in part.iter_mut().take(5) {
                        *b = d.pick(DIGITS);
                    }
                }
                Linter::Yymmd0 | Linter::Yymmdd => part = date(&mut d, false),
                Linter::Yyyymmdd => part = date(&mut d, true),
                Linter::Iso3166 => part = b"276".to_vec(),
                Linter::Iso4217 => part = b"978".to_vec(),
                _ => {}
            }
        }
        // Check characters last, over the final body.
        if comp.linters.contains(&Linter::Csum)
            && let Some((last, body)) = part.split_last_mut()
        {
            *last = b'0' + check_digit::mod10(body).unwrap();
        }
        if comp.linters.contains(&Linter::CsumAlpha) {
            let body_len = part.len() - 2;
            let pair = check_digit::alnum_pair(&part[..body_len]).unwrap();
            part[body_len..].copy_from_slice(&pair);
        }
        value.extend_from_slice(&part);
    }
    String::from_utf8(value).unwrap()
}

fn with_check_digit(body: &str) -> String {
    let c = check_digit::mod10(body.as_bytes()).unwrap();
    format!("{body}{c}")
}

fn cset82(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(select(CSET82), 1..=max).prop_map(|v| String::from_utf8(v).unwrap())
}

fn yymmdd() -> impl Strategy<Value = String> {
    (0u32..100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:02}{m:02}{d:02}"))
}

/// A typical lot label: GTIN, and some of lot, serial, production and expiry
/// dates, net weight in kg and a variable count, in any order.
fn lot_label() -> impl Strategy<Value = Pairs> {
    (
        "[0-9]{13}".prop_map(|b| with_check_digit(&b)),
        prop::option::of(cset82(20)),
        prop::option::of(cset82(20)),
        prop::option::of(yymmdd()),
        prop::option::of(yymmdd()),
        prop::option::of((0u8..=5, "[0-9]{6}")),
        prop::option::of("[0-9]{1,8}"),
    )
        .prop_map(|(gtin, lot, serial, prod, expiry, weight, count)| {
            let mut p = vec![("01".to_owned(), gtin)];
            let mut add = |ai: String, v: Option<String>| {
                if let Some(v) = v {
                    p.push((ai, v));
                }
            };
            add("10".into(), lot);
            add("21".into(), serial);
            add("11".into(), prod);
            add("17".into(), expiry);
            if let Some((d, w)) = weight {
                add(format!("310{d}"), Some(w));
            }
            add("30".into(), count);
            p
        })
        .prop_shuffle()
}

/// A lot label plus AIs drawn from the whole table, each kept only if the
/// element string stays valid (association rules are not the generator's job).
fn element_string_pairs() -> impl Strategy<Value = Pairs> {
    (
        lot_label(),
        prop::collection::vec(
            (
                0..GENERATABLE.len(),
                prop::collection::vec(any::<u8>(), 0..64),
            ),
            0..6,
        ),
    )
        .prop_map(|(mut pairs, extras)| {
            for (i, seed) in extras {
                let entry = GENERATABLE[i];
                let mut trial = pairs.clone();
                trial.push((entry.ai.to_owned(), build_value(entry, &seed)));
                if element_string::parse_bracketed(&bracketed(&trial), 0, &Options::default())
                    .is_ok()
                {
                    pairs = trial;
                }
            }
            pairs
        })
}

/// Encode as scanner data, independently of `to_raw`: GS after every
/// variable-length value that is not last.
fn raw(pairs: &Pairs) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, (ai, v)) in pairs.iter().enumerate() {
        out.extend_from_slice(ai.as_bytes());
        out.extend_from_slice(v.as_bytes());
        let predefined = lotstation::ident::ai::entry(ai).unwrap().predefined;
        if i + 1 < pairs.len() && !predefined {
            out.push(GS);
        }
    }
    out
}

/// Encode in the bracketed form, independently of `to_bracketed`.
fn bracketed(pairs: &Pairs) -> String {
    pairs
        .iter()
        .map(|(ai, v)| format!("({ai}){}", v.replace('(', "\\(")))
        .collect()
}

fn pairs_of(es: &ElementString) -> Pairs {
    es.iter()
        .map(|(a, v)| (a.to_owned(), v.to_owned()))
        .collect()
}

fn ai_set(pairs: &Pairs) -> Pairs {
    let mut p = pairs.clone();
    p.sort();
    p.dedup();
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_values_for_every_generatable_ai_are_accepted(
        i in 0..GENERATABLE.len(),
        seed in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let entry = GENERATABLE[i];
        let value = build_value(entry, &seed);
        let mut es = ElementString::new();
        let pushed = es.push(entry.ai, value.as_bytes(), 0, 0, &Options::default());
        prop_assert!(pushed.is_ok(), "({}) {value:?}: {:?}", entry.ai, pushed);
    }

    #[test]
    fn lot_labels_are_valid_element_strings(pairs in lot_label()) {
        let es = element_string::parse_bracketed(&bracketed(&pairs), 0, &Options::default());
        prop_assert!(es.is_ok(), "{pairs:?}: {es:?}");
    }

    #[test]
    fn raw_element_strings_parse_to_the_same_fields(pairs in element_string_pairs()) {
        let data = raw(&pairs);
        let es = element_string::parse_raw(&data, 0, &Options::default()).unwrap();
        prop_assert_eq!(pairs_of(&es), pairs);
        prop_assert_eq!(es.to_raw().into_bytes(), data);
    }

    #[test]
    fn bracketed_element_strings_parse_to_the_same_fields(pairs in element_string_pairs()) {
        let text = bracketed(&pairs);
        let es = element_string::parse_bracketed(&text, 0, &Options::default()).unwrap();
        prop_assert_eq!(pairs_of(&es), pairs);
        prop_assert_eq!(es.to_bracketed(), text);
    }

    #[test]
    fn digital_links_from_to_uri_parse_to_the_same_ais(
        pairs in element_string_pairs(),
        stem in select(&["https://id.gs1.org", "https://example.com/some/stem/", "HTTP://EXAMPLE.COM"][..]),
    ) {
        let es = element_string::parse_bracketed(&bracketed(&pairs), 0, &Options::default()).unwrap();
        match digital_link::to_uri(&es, stem) {
            Ok(uri) => {
                let link = digital_link::parse(uri.as_bytes(), 0, &DlOptions::default());
                prop_assert!(link.is_ok(), "{uri}: {link:?}");
                prop_assert_eq!(ai_set(&pairs_of(&link.unwrap().element_string)), ai_set(&pairs));
            }
            Err(e) => {
                // Only an AI that may not be a query attribute can stop it.
                prop_assert_eq!(e.kind, ErrorKind::BadDigitalLink);
                let blocked = pairs.iter().any(|(ai, _)| {
                    !lotstation::ident::ai::entry(ai).unwrap().dl_attr
                });
                prop_assert!(blocked, "to_uri refused {pairs:?}: {e}");
            }
        }
    }

    #[test]
    fn decode_behind_c1_and_d2_gives_the_same_fields(pairs in element_string_pairs()) {
        for aim in [AimId::GS1_128, AimId::GS1_DATAMATRIX] {
            let mut scan = aim.to_string().into_bytes();
            scan.extend_from_slice(&raw(&pairs));
            match decode(&scan, &DecodeOptions::default()) {
                Ok(Decoded::Gs1 { symbology, element_string }) => {
                    prop_assert_eq!(symbology, Some(aim));
                    prop_assert_eq!(pairs_of(&element_string), pairs.clone());
                }
                other => prop_assert!(false, "{aim}: {other:?}"),
            }
        }
    }

    #[test]
    fn decode_never_breaks_its_invariants_on_arbitrary_bytes(
        data in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        fuzzing::check_decode(&data);
    }

    #[test]
    fn decode_never_breaks_its_invariants_on_near_gs1_scans(
        flags in any::<u8>(),
        aim in select(&["]C1", "]d2", "]Q1", "]E0", "]I1", "", "("][..]),
        body in "[0-9\\x1d()A-Z/:.%?=&]{0,80}",
    ) {
        let mut data = vec![flags];
        data.extend_from_slice(aim.as_bytes());
        data.extend_from_slice(body.as_bytes());
        fuzzing::check_decode(&data);
    }

    #[test]
    fn parse_bracketed_never_breaks_its_invariants(
        text in "(\\([0-9]{2,4}\\)[0-9A-Za-z(\\\\)\\x1d]{0,20}){0,6}|.{0,100}",
    ) {
        fuzzing::check_element_string(text.as_bytes());
    }

    #[test]
    fn digital_link_parse_never_breaks_its_invariants(
        uri in "https?://[a-z.]{0,10}(/[0-9A-Za-z%]{1,16}){0,8}(\\?[0-9a-zA-Z=&%]{0,40})?|.{0,100}",
    ) {
        fuzzing::check_digital_link(uri.as_bytes());
    }

    #[test]
    fn inputs_over_max_input_len_are_refused_as_input_too_long(
        max in 0usize..64,
        extra in 1usize..64,
        fill in any::<u8>(),
        flags in any::<u8>(),
    ) {
        let opts = DecodeOptions {
            max_input_len: max,
            ..fuzzing::decode_options_from_byte(flags, max + extra)
        };
        let e = decode(&vec![fill; max + extra], &opts).unwrap_err();
        prop_assert_eq!(e.kind, ErrorKind::InputTooLong);
        prop_assert_eq!(e.kind.as_str(), "input_too_long");
    }
}

#[test]
fn inputs_over_the_default_max_input_len_are_refused_as_input_too_long() {
    let big = vec![b'0'; lotstation::ident::DEFAULT_MAX_INPUT_LEN + 1];
    let e = decode(&big, &DecodeOptions::default()).unwrap_err();
    assert_eq!(e.kind.as_str(), "input_too_long");
}

#[test]
fn most_of_the_ai_table_is_generatable() {
    // Guards the generator against silently shrinking to a handful of AIs.
    assert!(
        GENERATABLE.len() * 2 > TABLE.len(),
        "{} of {}",
        GENERATABLE.len(),
        TABLE.len()
    );
}
