//! Invariant checks for the `hid_keyboard` and `hid_pos` fuzz targets and the
//! corpus replay test (`tests/integration/fuzz_corpus.rs`), which call these
//! same functions. Each takes arbitrary bytes and panics, naming the broken
//! invariant, if one breaks; test support, not API. PURE.
//!
//! Invariants beyond "never panics":
//! - a scan is never empty and never longer than the configured maximum;
//! - a HID-POS scan that has a symbology starts with that AIM identifier;
//! - after `flush`/`expire` nothing is pending, and a second call gives
//!   nothing;
//! - every error has a message.

#![expect(
    clippy::panic,
    reason = "test support: a broken invariant must stop the fuzzer or fail the test"
)]

use super::keymap::Layout;
use super::report::{
    GS, KeyboardDecoder, KeyboardSettings, Outcome, PosAssembler, PosSettings, Suffix,
};

fn check_outcomes(out: &[Outcome], max: usize, what: &str, input: &[u8]) {
    for o in out {
        match o {
            Ok(scan) => {
                if scan.bytes.is_empty() || scan.bytes.len() > max {
                    panic!(
                        "{what}: scan of {} bytes (max {max}) from input {input:02x?}",
                        scan.bytes.len()
                    );
                }
                if let Some(a) = scan.symbology
                    && !scan.bytes.starts_with(&[b']', a.code, a.modifier])
                {
                    panic!("{what}: scan with symbology {a:?} lacks its prefix: {input:02x?}");
                }
            }
            Err(e) => {
                if e.to_string().is_empty() {
                    panic!("{what}: error without a message: {e:?}");
                }
            }
        }
    }
}

/// Keyboard decoder. Byte 0 picks the settings (bits 0-1 layout, bits 2-3
/// suffix, bit 4 a `~` substitute for GS, bits 5-7 the maximum scan length
/// 1..=64 in steps); byte 1 the report length (3 to 9, so bad sizes occur);
/// the rest is the report stream.
pub fn check_keyboard(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Some((&len_sel, stream)) = rest.split_first() else {
        return;
    };
    let layout = Layout::ALL
        .get(usize::from(sel & 3))
        .copied()
        .unwrap_or_default();
    let suffix = Suffix::ALL
        .get(usize::from((sel >> 2) & 3))
        .copied()
        .unwrap_or_default();
    let max = 1 + usize::from(sel >> 5) * 9;
    let settings = KeyboardSettings {
        layout,
        suffix,
        substitutes: if sel & 0x10 != 0 {
            vec![('~', GS)]
        } else {
            Vec::new()
        },
        max_scan_bytes: max,
    };
    let report_len = 3 + usize::from(len_sel % 7);
    let mut d = KeyboardDecoder::new(settings);
    let mut out = Vec::new();
    for report in stream.chunks(report_len) {
        d.push(report, &mut out);
    }
    if let Some(o) = d.flush() {
        out.push(o);
    }
    check_outcomes(&out, max, "hid_keyboard", data);
    if d.has_pending() || d.flush().is_some() {
        panic!("hid_keyboard: something pending after flush: {data:02x?}");
    }
}

/// HID-POS assembler. Byte 0 picks the report length (1 to 64, so too-short
/// reports occur) and byte 1 the maximum scan length (1 to 256); the rest
/// is the report stream (report id 2 is the scanned-data report).
pub fn check_pos(data: &[u8]) {
    let [len_sel, max_sel, stream @ ..] = data else {
        return;
    };
    let report_len = 1 + usize::from(len_sel % 64);
    let max = 1 + usize::from(*max_sel);
    let mut a = PosAssembler::new(PosSettings {
        report_id: 2,
        max_scan_bytes: max,
    });
    let mut out = Vec::new();
    for report in stream.chunks(report_len) {
        a.push(report, &mut out);
    }
    check_outcomes(&out, max, "hid_pos", data);
    // The report-descriptor scan must stay in bounds on any bytes.
    let _ = super::report::has_usage_page(stream, 0x8C);
    if let Some(e) = a.expire()
        && e.to_string().is_empty()
    {
        panic!("hid_pos: error without a message");
    }
    if a.has_pending() || a.expire().is_some() {
        panic!("hid_pos: something pending after expire: {data:02x?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::usb_hid::report::{pos_reports, type_text};

    #[test]
    fn checks_accept_real_streams() {
        for (i, layout) in Layout::ALL.iter().enumerate() {
            let mut input = vec![u8::try_from(i).unwrap() | 0xE0, 5];
            for r in type_text(*layout, "]C101\u{1d}10AB\r").unwrap() {
                input.extend_from_slice(&r);
            }
            check_keyboard(&input);
        }
        let mut input = vec![63, 255];
        for r in pos_reports(2, *b"]C1", &[b'7'; 100], 64) {
            input.extend_from_slice(&r);
        }
        check_pos(&input);
    }

    #[test]
    fn checks_survive_arbitrary_bytes() {
        let mut x = 0x1234_5678u32;
        for _ in 0..300 {
            let input: Vec<u8> = (0..200)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x.to_le_bytes()[0]
                })
                .collect();
            check_keyboard(&input);
            check_pos(&input);
        }
    }
}
