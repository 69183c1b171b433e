//! USB HID report decoding: property tests over the pure decoders
//! (`source::usb_hid::report`), and the captures in `hardware-fixtures/`
//! replayed through them.

use lotstation::source::usb_hid::fuzzing;
use lotstation::source::usb_hid::keymap::Layout;
use lotstation::source::usb_hid::report::{
    GS, KeyboardDecoder, KeyboardSettings, PosAssembler, PosSettings, ReportError, pos_reports,
    type_text,
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
