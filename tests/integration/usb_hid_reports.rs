//! USB HID report decoding: property tests over the pure decoders
//! (`source::usb_hid::report`), and the captures in `hardware-fixtures/`
//! replayed through them.

use std::path::{Path, PathBuf};

use lotstation::source::usb_hid::fuzzing;
use lotstation::source::usb_hid::keymap::Layout;
use lotstation::source::usb_hid::report::{
    GS, KeyboardDecoder, KeyboardSettings, PosAssembler, PosSettings, ReportError, Suffix,
    pos_reports, type_text,
};
use proptest::prelude::*;
use proptest::sample::select;

const CSET82: &[u8] =
    b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// GS1 data: CSET 82 characters with GS separators, never GS first or last.
fn gs1_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![9 => select(CSET82).prop_map(char::from), 1 => Just('\u{1d}')],
        1..120,
    )
    .prop_map(|v| {
        let s: String = v.into_iter().collect();
        s.trim_matches('\u{1d}').to_owned()
    })
    .prop_filter("not empty", |s| !s.is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Whatever a scanner types with its layout, the decoder with the same
    /// layout gives back the same bytes, GS included.
    #[test]
    fn typed_gs1_data_round_trips(text in gs1_text(), layout in select(Layout::ALL.to_vec())) {
        let mut reports = type_text(layout, &text).unwrap();
        reports.extend(type_text(layout, "\r").unwrap());
        let mut d = KeyboardDecoder::new(KeyboardSettings { layout, ..KeyboardSettings::default() });
        let mut out = Vec::new();
        for r in &reports {
            d.push(r, &mut out);
        }
        prop_assert_eq!(out.len(), 1);
        let scan = out.pop().unwrap().unwrap();
        prop_assert_eq!(scan.bytes, text.as_bytes().to_vec());
        prop_assert!(!d.has_pending());
    }

    /// A symbol split over any number of HID-POS reports of any size comes
    /// out as one scan with its AIM identifier in front.
    #[test]
    fn pos_symbols_reassemble(
        data in prop::collection::vec(any::<u8>(), 1..1500),
        report_len in 7usize..=64,
        aim in select(vec![*b"]C1", *b"]d2", *b"]Q3", *b"]E0"]),
    ) {
        prop_assume!(!data.starts_with(&aim));
        let mut a = PosAssembler::new(PosSettings { report_id: 2, max_scan_bytes: 4096 });
        let mut out = Vec::new();
        for r in pos_reports(2, aim, &data, report_len) {
            a.push(&r, &mut out);
        }
        let mut want = aim.to_vec();
        want.extend_from_slice(&data);
        prop_assert_eq!(out.len(), 1);
        prop_assert_eq!(&out[0].as_ref().unwrap().bytes, &want);
        prop_assert!(!a.has_pending());
    }

    /// Over-long symbols are refused whole, whatever the split.
    #[test]
    fn pos_bound_holds(len in 1usize..600, max in 4usize..300, report_len in 7usize..=64) {
        let data = vec![b'7'; len];
        let mut a = PosAssembler::new(PosSettings { report_id: 2, max_scan_bytes: max });
        let mut out = Vec::new();
        for r in pos_reports(2, *b"]C1", &data, report_len) {
            a.push(&r, &mut out);
        }
        if len + 3 <= max {
            prop_assert_eq!(out[0].as_ref().unwrap().bytes.len(), len + 3);
        } else {
            prop_assert_eq!(&out[0], &Err(ReportError::ScanTooLong { limit: max }));
        }
    }

    /// Arbitrary bytes never break the decoders' invariants.
    #[test]
    fn arbitrary_reports_keep_the_invariants(data in prop::collection::vec(any::<u8>(), 0..600)) {
        fuzzing::check_keyboard(&data);
        fuzzing::check_pos(&data);
    }
}

#[test]
fn gs_substitute_and_layout_together() {
    // A German-layout scanner told to send '~' for GS... but '~' is AltGr+]
    // on German keyboards: the substitute still works.
    let reports = type_text(Layout::De, "10ABC~21X\r").unwrap();
    let mut d = KeyboardDecoder::new(KeyboardSettings {
        layout: Layout::De,
        substitutes: vec![('~', GS)],
        ..KeyboardSettings::default()
    });
    let mut out = Vec::new();
    for r in &reports {
        d.push(r, &mut out);
    }
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].as_ref().unwrap().bytes, b"10ABC\x1d21X");
}

// ---------------------------------------------------------------------------
// hardware-fixtures/: every folder with a `reports.hid` replayed through the
// decoder its `device.toml` names.

/// A parsed `reports.hid`: (at_ms, report bytes).
fn load_reports(path: &Path) -> Vec<(u64, Vec<u8>)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    let mut last = 0;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (at, hex) = line
            .split_once(' ')
            .unwrap_or_else(|| panic!("{}:{}: want `at_ms hex`", path.display(), n + 1));
        let at: u64 = at.parse().unwrap();
        assert!(
            at >= last,
            "{}:{}: time goes backwards",
            path.display(),
            n + 1
        );
        last = at;
        assert!(hex.len() % 2 == 0, "{}:{}: odd hex", path.display(), n + 1);
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        out.push((at, bytes));
    }
    out
}

fn load_expected(path: &Path) -> Vec<Vec<u8>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["scan"].as_str().unwrap().as_bytes().to_vec()
        })
        .collect()
}

/// Replays one fixture folder; returns (scans, errors).
fn replay_fixture(dir: &Path) -> (Vec<Vec<u8>>, Vec<ReportError>) {
    let device: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.join("device.toml")).unwrap()).unwrap();
    let reports = load_reports(&dir.join("reports.hid"));
    let mut out = Vec::new();
    match device["mode"].as_str().unwrap() {
        "keyboard" => {
            let layout = match device["layout"].as_str().unwrap() {
                "us" => Layout::Us,
                "uk" => Layout::Uk,
                "de" => Layout::De,
                "fr" => Layout::Fr,
                other => panic!("layout {other}"),
            };
            let suffix = match device["suffix"].as_str().unwrap() {
                "enter" => Suffix::Enter,
                "tab" => Suffix::Tab,
                other => panic!("suffix {other}"),
            };
            let mut d = KeyboardDecoder::new(KeyboardSettings {
                layout,
                suffix,
                ..KeyboardSettings::default()
            });
            for (_, r) in &reports {
                d.push(r, &mut out);
            }
            assert!(
                !d.has_pending(),
                "{}: a scan left unfinished",
                dir.display()
            );
        }
        "hid_pos" => {
            let id = u8::try_from(device["report_id"].as_integer().unwrap()).unwrap();
            let mut a = PosAssembler::new(PosSettings {
                report_id: id,
                ..PosSettings::default()
            });
            for (_, r) in &reports {
                a.push(r, &mut out);
            }
            assert!(
                !a.has_pending(),
                "{}: a symbol left unfinished",
                dir.display()
            );
        }
        other => panic!("mode {other}"),
    }
    let mut scans = Vec::new();
    let mut errors = Vec::new();
    for o in out {
        match o {
            Ok(s) => scans.push(s.bytes),
            Err(e) => errors.push(e),
        }
    }
    (scans, errors)
}

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("hardware-fixtures")
}

fn fixture(name: &str) -> (Vec<Vec<u8>>, Vec<Vec<u8>>, Vec<ReportError>) {
    let dir = fixtures_root().join(name);
    let (scans, errors) = replay_fixture(&dir);
    (load_expected(&dir.join("expected.jsonl")), scans, errors)
}

#[test]
fn every_hid_fixture_decodes_to_its_expected_scans() {
    let mut seen = 0;
    for entry in std::fs::read_dir(fixtures_root()).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("reports.hid").exists() {
            continue;
        }
        seen += 1;
        let (scans, _) = replay_fixture(&dir);
        let expected = load_expected(&dir.join("expected.jsonl"));
        assert!(!expected.is_empty(), "{}: nothing expected", dir.display());
        assert_eq!(scans, expected, "{}", dir.display());
    }
    assert!(seen >= 3, "the HID fixtures are missing");
}

#[test]
fn us_keyboard_fixture_gs_as_ctrl_bracket_and_alt_numpad() {
    let (expected, scans, errors) = fixture("hid-keyboard-us-enter-aim");
    assert_eq!(scans, expected);
    assert!(errors.is_empty(), "{errors:?}");
    // GS arrived both ways, and the rollover gave two keystrokes.
    assert!(scans[0].contains(&GS) && scans[3].contains(&GS));
    assert_eq!(scans[4], b"ab");
    assert_eq!(scans[2], b"]C0BADGE\"OP@17\"");
}

#[test]
fn us_fixture_read_with_the_wrong_layout_shows_why_the_layout_matters() {
    let dir = fixtures_root().join("hid-keyboard-us-enter-aim");
    let mut d = KeyboardDecoder::new(KeyboardSettings {
        layout: Layout::Uk,
        ..KeyboardSettings::default()
    });
    let mut out = Vec::new();
    for (_, r) in load_reports(&dir.join("reports.hid")) {
        d.push(&r, &mut out);
    }
    // The badge's quote and at sign trade places, exactly the corruption
    // a mismatched layout causes.
    assert_eq!(out[2].as_ref().unwrap().bytes, b"]C0BADGE@OP\"17@");
}

#[test]
fn de_keyboard_fixture_with_gs_rs_eot() {
    let (expected, scans, errors) = fixture("hid-keyboard-de-enter-aim");
    assert_eq!(scans, expected);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(scans[3], b"]C0DATA\x1e06\x1d1PX\x1e\x04");
}

#[test]
fn hid_pos_fixture_joins_continued_reports_and_skips_other_reports() {
    let (expected, scans, errors) = fixture("hid-pos-64byte-aim");
    assert_eq!(scans, expected);
    assert_eq!(scans[1].len(), 3 + 163);
    assert_eq!(
        errors,
        vec![ReportError::PosOtherReport { id: 4, expected: 2 }]
    );
}

#[test]
fn fixture_scans_decode_as_gs1_through_the_identifier_engine() {
    use lotstation::ident::{DecodeOptions, decode};
    for name in [
        "hid-keyboard-us-enter-aim",
        "hid-keyboard-de-enter-aim",
        "hid-pos-64byte-aim",
    ] {
        let (_, scans, _) = fixture(name);
        let first = decode(&scans[0], &DecodeOptions::default()).unwrap();
        assert!(first.element_string().is_some(), "{name}: {first:?}");
    }
}
