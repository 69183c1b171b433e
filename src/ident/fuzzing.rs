//! Invariant checks for the fuzz targets and the corpus replay test.
//!
//! Test support, not API: the cargo-fuzz targets in `fuzz/` and the
//! stable-toolchain test `tests/integration/fuzz_corpus.rs` call these same
//! functions, so every corpus file that once exposed a bug keeps being checked
//! by `cargo test`. Each `check_*` function takes arbitrary bytes, returns
//! normally when every invariant holds, and panics with a message naming the
//! broken invariant and the input otherwise.
//!
//! Beyond "never panics", the invariants are:
//! - an error points inside the input (`position <= len`, counting any base
//!   offset), has a non-empty stable kind code and message, and names a
//!   well-formed AI if it names one;
//! - a parsed element string re-encodes, as raw data (GS only where needed) and
//!   in the bracketed form, to text that parses back to the same fields;
//! - an element string that [`to_uri`] accepts becomes a URI that parses back
//!   to the same set of AIs, and a parsed Digital Link always re-encodes;
//! - [`decode`] agrees with [`AimId::split`] on the symbology identifier and
//!   refuses input longer than `max_input_len` with `input_too_long`.

#![expect(
    clippy::panic,
    reason = "test support: a broken invariant must stop the fuzzer or fail the test"
)]

use super::digital_link::{self, DigitalLink, DlOptions, to_uri};
use super::element_string::{self, ElementString, GS, MAX_FIELDS, Options};
use super::error::{ErrorKind, IdentError};
use super::{AimId, DecodeOptions, Decoded, decode};

/// The element-string options every check runs under: the reference
/// behaviour, and the laxest one (unknown AIs permitted, no requisites).
const ES_OPTIONS: [Options; 2] = [
    Options {
        permit_unknown_ais: false,
        check_requisites: true,
        lost_separator_warnings: true,
    },
    Options {
        permit_unknown_ais: true,
        check_requisites: false,
        lost_separator_warnings: false,
    },
];

/// The stem [`to_uri`] is given for element strings that did not come from a URI.
const STEM: &str = "https://id.example.com";

type Pairs = Vec<(String, String)>;

fn pairs(es: &ElementString) -> Pairs {
    es.iter()
        .map(|(a, v)| (a.to_owned(), v.to_owned()))
        .collect()
}

/// The fields as a set: sorted, identical repeats removed (a Digital Link
/// carries a repeated AI once).
fn ai_set(es: &ElementString) -> Pairs {
    let mut p = pairs(es);
    p.sort();
    p.dedup();
    p
}

fn show(data: &[u8]) -> String {
    format!("\"{}\"", data.escape_ascii())
}

fn is_ai(s: &str) -> bool {
    (2..=4).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// Invariants of any error: it points inside the input (`limit` is the input
/// length plus any base offset), has a kind code and a message, and names a
/// well-formed AI if it names one.
pub fn check_error(e: &IdentError, limit: usize, what: &str, input: &[u8]) {
    if e.position > limit {
        panic!(
            "{what}: error position {} is past the end ({limit}) of input {}: {e}",
            e.position,
            show(input)
        );
    }
    if e.kind.as_str().is_empty() || e.message.is_empty() {
        panic!(
            "{what}: error without a kind code or message for input {}: {e:?}",
            show(input)
        );
    }
    if let Some(ai) = &e.ai
        && !is_ai(ai)
    {
        panic!(
            "{what}: error names {ai:?}, which is not an AI, for input {}: {e}",
            show(input)
        );
    }
}

/// Invariants of a validated element string under `opts`: well-formed
/// fields, and the raw, bracketed and Digital Link encodings parse back.
pub fn check_element_string_value(es: &ElementString, opts: &Options, input: &[u8]) {
    let fields = pairs(es);
    if fields.is_empty() || fields.len() > MAX_FIELDS {
        panic!(
            "element string with {} fields from input {}",
            fields.len(),
            show(input)
        );
    }
    for (i, (ai, v)) in fields.iter().enumerate() {
        let entry_ok = match es.entry_at(i) {
            Some(e) => e.ai == ai,
            None => opts.permit_unknown_ais,
        };
        if !is_ai(ai)
            || v.is_empty()
            || !v.is_ascii()
            || v.bytes().any(|b| b == GS || b.is_ascii_control())
            || !entry_ok
        {
            panic!(
                "field ({ai}) {v:?} (entry {:?}) is malformed; input {}",
                es.entry_at(i).map(|e| e.ai),
                show(input)
            );
        }
    }

    let raw = es.to_raw();
    match element_string::parse_raw(raw.as_bytes(), 0, opts) {
        Ok(back) if pairs(&back) == fields => {
            if back.to_raw() != raw {
                panic!(
                    "to_raw is not stable: {} then {}; input {}",
                    show(raw.as_bytes()),
                    show(back.to_raw().as_bytes()),
                    show(input)
                );
            }
        }
        Ok(back) => panic!(
            "to_raw {} parses to {:?}, not {fields:?}; input {}",
            show(raw.as_bytes()),
            pairs(&back),
            show(input)
        ),
        Err(e) => panic!(
            "to_raw {} does not parse back ({e}); input {}",
            show(raw.as_bytes()),
            show(input)
        ),
    }

    let bracketed = es.to_bracketed();
    match element_string::parse_bracketed(&bracketed, 0, opts) {
        Ok(back) if pairs(&back) == fields => {
            if back.to_bracketed() != bracketed {
                panic!(
                    "to_bracketed is not stable: {bracketed:?} then {:?}; input {}",
                    back.to_bracketed(),
                    show(input)
                );
            }
        }
        Ok(back) => panic!(
            "to_bracketed {bracketed:?} parses to {:?}, not {fields:?}; input {}",
            pairs(&back),
            show(input)
        ),
        Err(e) => panic!(
            "to_bracketed {bracketed:?} does not parse back ({e}); input {}",
            show(input)
        ),
    }

    match to_uri(es, STEM) {
        Ok(uri) => check_uri_round_trip(es, &uri, STEM, opts, input),
        Err(e) => {
            if e.kind != ErrorKind::BadDigitalLink {
                panic!(
                    "to_uri failed with {} instead of bad_digital_link; input {}",
                    e.kind,
                    show(input)
                );
            }
        }
    }
}

fn check_uri_round_trip(es: &ElementString, uri: &str, origin: &str, opts: &Options, input: &[u8]) {
    let dl_opts = DlOptions {
        ais: *opts,
        permit_zero_suppressed_gtin: false,
    };
    match digital_link::parse(uri.as_bytes(), 0, &dl_opts) {
        Ok(back) => {
            if ai_set(&back.element_string) != ai_set(es) {
                panic!(
                    "to_uri {uri:?} parses to {:?}, not {:?}; input {}",
                    ai_set(&back.element_string),
                    ai_set(es),
                    show(input)
                );
            }
            if !origin.starts_with(&back.origin) {
                panic!(
                    "to_uri {uri:?} parses to origin {:?}, not the start of {origin:?}; input {}",
                    back.origin,
                    show(input)
                );
            }
        }
        Err(e) => panic!(
            "to_uri {uri:?} does not parse back ({e}); input {}",
            show(input)
        ),
    }
}

/// Invariants of a parsed Digital Link: its element string is a valid one,
/// and it re-encodes (under its own origin and stem) to a URI with the same AIs.
pub fn check_digital_link_value(link: &DigitalLink, opts: &DlOptions, input: &[u8]) {
    let es = &link.element_string;
    if link.path_ais == 0 || link.path_ais > es.len() {
        panic!(
            "Digital Link with {} path AIs out of {}; input {}",
            link.path_ais,
            es.len(),
            show(input)
        );
    }
    check_element_string_value(es, &opts.ais, input);
    let stem = format!("{}{}", link.origin, link.stem);
    match to_uri(es, &stem) {
        Ok(uri) => check_uri_round_trip(es, &uri, &link.origin, &opts.ais, input),
        Err(e) => panic!(
            "a parsed Digital Link does not re-encode ({e}); AIs {:?}; input {}",
            pairs(es),
            show(input)
        ),
    }
}

/// Fuzz `element_string::parse_raw` (GS separators) and `parse_bracketed`.
pub fn check_element_string(data: &[u8]) {
    for opts in &ES_OPTIONS {
        match element_string::parse_raw(data, 0, opts) {
            Ok(es) => check_element_string_value(&es, opts, data),
            Err(e) => {
                check_error(&e, data.len(), "parse_raw", data);
                // Positions are relative to the caller's base.
                match element_string::parse_raw(data, 7, opts) {
                    Err(e7) if e7 == e.clone().offset(7) => {}
                    other => panic!(
                        "parse_raw with base 7 gave {other:?}, not {e:?} shifted by 7; input {}",
                        show(data)
                    ),
                }
            }
        }
        if let Ok(text) = std::str::from_utf8(data) {
            match element_string::parse_bracketed(text, 0, opts) {
                Ok(es) => check_element_string_value(&es, opts, data),
                Err(e) => check_error(&e, data.len(), "parse_bracketed", data),
            }
        }
    }
}

/// Fuzz `digital_link::parse` under the reference and the laxest options.
pub fn check_digital_link(data: &[u8]) {
    for (i, ais) in ES_OPTIONS.iter().enumerate() {
        let opts = DlOptions {
            ais: *ais,
            permit_zero_suppressed_gtin: i == 1,
        };
        match digital_link::parse(data, 0, &opts) {
            Ok(link) => check_digital_link_value(&link, &opts, data),
            Err(e) => check_error(&e, data.len(), "digital_link::parse", data),
        }
    }
}

/// Decode options from one byte; every bit flips one option away from the
/// default, so `0x00` is `DecodeOptions::default()`.
pub fn decode_options_from_byte(flags: u8, data_len: usize) -> DecodeOptions {
    let bit = |n: u8| flags & (1 << n) != 0;
    let assumed = [AimId::GS1_128, AimId::QR, AimId::EAN13, AimId::ITF];
    DecodeOptions {
        accept_bracketed: !bit(0),
        accept_bare_uri: !bit(1),
        ean_as_gtin: !bit(2),
        itf14_as_gtin: !bit(3),
        dl: DlOptions {
            ais: Options {
                permit_unknown_ais: bit(4),
                check_requisites: !bit(5),
                lost_separator_warnings: !bit(5),
            },
            permit_zero_suppressed_gtin: bit(6),
        },
        assume_symbology: if bit(7) {
            assumed.get(data_len % assumed.len()).copied()
        } else {
            None
        },
        ..DecodeOptions::default()
    }
}

/// Fuzz `AimId::split` and the full `decode`: the first byte chooses the
/// options (see [`decode_options_from_byte`]), the rest is the scan.
pub fn check_decode(data: &[u8]) {
    let (flags, input) = data.split_first().map_or((0, data), |(f, r)| (*f, r));
    let opts = decode_options_from_byte(flags, input.len());

    let split = AimId::split(input);
    match &split {
        Ok(Some((aim, rest))) => {
            let id = aim.to_string();
            if input.get(..3) != Some(id.as_bytes()) || input.get(3..) != Some(*rest) {
                panic!(
                    "AimId::split gave {id} + {} for {}",
                    show(rest),
                    show(input)
                );
            }
            if id.parse::<AimId>().ok() != Some(*aim) {
                panic!("{id} does not parse back to itself");
            }
        }
        Ok(None) => {
            if input.first() == Some(&b']') {
                panic!("AimId::split ignored the ']' of {}", show(input));
            }
        }
        Err(e) => check_error(e, input.len(), "AimId::split", input),
    }

    let result = decode(input, &opts);
    match &result {
        Ok(d) => {
            let consistent = match &split {
                Ok(Some((aim, _))) => d.symbology() == Some(*aim),
                _ => d.symbology().is_none() || d.symbology() == opts.assume_symbology,
            };
            if !consistent {
                panic!(
                    "decode reports symbology {:?}, AimId::split found {split:?}; input {}",
                    d.symbology(),
                    show(input)
                );
            }
            match d {
                Decoded::Gs1 { element_string, .. } => {
                    check_element_string_value(element_string, &opts.dl.ais, input);
                }
                Decoded::DigitalLink { link, .. } => {
                    check_digital_link_value(link, &opts.dl, input);
                }
                Decoded::Plain { .. } => {}
            }
        }
        Err(e) => {
            check_error(e, input.len(), "decode", input);
            if let Err(split_err) = &split
                && split_err != e
            {
                panic!(
                    "decode failed with {e}, AimId::split with {split_err}; input {}",
                    show(input)
                );
            }
        }
    }

    if let Some(limit) = input.len().checked_sub(1) {
        let small = DecodeOptions {
            max_input_len: limit,
            ..opts
        };
        match decode(input, &small) {
            Err(e) if e.kind == ErrorKind::InputTooLong => {}
            other => panic!(
                "input of {} bytes with max_input_len {limit} gave {other:?}; input {}",
                input.len(),
                show(input)
            ),
        }
    }
}

/// EPC text: as hex it decodes or fails cleanly, and what decodes with a tag
/// URI of a 96-bit scheme encodes back to the same bits; as a tag URI it
/// encodes or fails cleanly, and what encodes decodes back to the same URI.
pub fn check_epc(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match super::epc::decode_hex(text) {
        Ok(epc) => {
            let is_96 = epc.scheme.bit_len() == Some(96);
            if let (true, Some(tag_uri)) = (is_96, &epc.tag_uri) {
                let hex = super::epc::encode_tag_uri(tag_uri).unwrap_or_else(|e| {
                    panic!("decoded {text:?} to {tag_uri}, which does not encode back: {e}")
                });
                assert!(
                    hex.eq_ignore_ascii_case(text),
                    "{text:?} decodes to {tag_uri}, which encodes to {hex}"
                );
            }
            for (ai, value) in &epc.ais {
                assert!(is_ai(ai), "{text:?} gave malformed AI {ai:?}");
                assert!(!value.is_empty(), "{text:?} gave an empty ({ai}) value");
            }
        }
        Err(e) => check_error(&e, text.len(), "epc::decode_hex", data),
    }
    match super::epc::encode_tag_uri(text) {
        Ok(hex) => {
            let back = super::epc::decode_hex(&hex).unwrap_or_else(|e| {
                panic!("{text:?} encoded to {hex}, which does not decode: {e}")
            });
            assert_eq!(
                back.tag_uri.as_deref(),
                Some(text),
                "{text:?} encoded to {hex}, which decodes to another URI"
            );
        }
        Err(e) => check_error(&e, text.len(), "epc::encode_tag_uri", data),
    }
}
