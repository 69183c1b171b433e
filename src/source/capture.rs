//! The replay capture format: scans as a device delivered them, with their
//! timing, one JSON object per line (see `hardware-fixtures/README.md`).
//!
//! ```text
//! # comment lines and blank lines are ignored
//! {"at_ms": 0, "data": "]C10109506000134352172612311012345A\u001d21S0001"}
//! {"at_ms": 1500, "data_hex": "5d4331..."}
//! ```
//!
//! `at_ms` is the offset from the start of the capture (non-decreasing);
//! exactly one of `data` (text, JSON escapes for control bytes), `data_hex`
//! (raw bytes) or `data_template` is given. A template is text in which
//! `{today}`, `{+Nd}` and `{-Nd}` stand for the GS1 date (YYMMDD) that many
//! days from the day the capture is loaded, so a hand-written scenario
//! whose labels carry expiry dates plays out the same on any day. Pure:
//! parses text, given the day; no I/O.

use jiff::civil::Date;
use serde::Deserialize;

use crate::clock::DayOffset;

/// One recorded scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedFrame {
    /// Offset from the start of the capture, in milliseconds.
    pub at_ms: u64,
    /// The bytes as the device delivered them.
    pub bytes: Vec<u8>,
    /// Line in the capture file (1-based), for messages.
    pub line: usize,
}

/// A capture line that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CaptureError {
    /// Line (1-based).
    pub line: usize,
    /// What is wrong and what is expected.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    at_ms: u64,
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    data_hex: Option<String>,
    #[serde(default)]
    data_template: Option<String>,
}

/// Longest placeholder between braces (`{-100000d}`).
const MAX_PLACEHOLDER: usize = 9;

/// Fill a template's date placeholders with GS1 dates (YYMMDD) counted from
/// `today`. A `{` that does not open a known placeholder is an error, so a
/// typo never reaches the station as data.
pub fn fill_template(template: &str, today: Date) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(rest.get(..open).unwrap_or(""));
        let after = rest.get(open + 1..).unwrap_or("");
        let close = after
            .find('}')
            .filter(|c| *c <= MAX_PLACEHOLDER)
            .ok_or_else(|| {
                format!(
                    "data_template: `{{` at byte {open} opens no placeholder: use {{today}}, {{+Nd}} or {{-Nd}}"
                )
            })?;
        let inner = after.get(..close).unwrap_or("");
        let off = DayOffset::parse(inner).ok_or_else(|| {
            format!("data_template: `{{{inner}}}` is not a day offset: use {{today}}, {{+Nd}} or {{-Nd}}")
        })?;
        let day = off.date(today).ok_or_else(|| {
            format!("data_template: `{{{inner}}}` from {today} is outside the calendar")
        })?;
        out.push_str(&day.strftime("%y%m%d").to_string());
        rest = after.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}

/// Parse a whole capture. `max_frame_bytes` bounds each frame; `today` is
/// the day template placeholders count from.
pub fn parse(
    text: &str,
    max_frame_bytes: usize,
    today: Date,
) -> Result<Vec<CapturedFrame>, CaptureError> {
    let mut out = Vec::new();
    let mut last = 0u64;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let err = |message: String| CaptureError { line, message };
        let l: Line = serde_json::from_str(t).map_err(|e| {
            err(format!(
                "not a capture record ({e}); expected {{\"at_ms\": N, \"data\": \"...\"}}, {{\"at_ms\": N, \"data_hex\": \"...\"}} or {{\"at_ms\": N, \"data_template\": \"...\"}}"
            ))
        })?;
        let bytes = match (l.data, l.data_hex, l.data_template) {
            (Some(d), None, None) => d.into_bytes(),
            (None, Some(h), None) => hex_bytes(&h).ok_or_else(|| {
                err(format!(
                    "data_hex {h:?} is not an even number of hex digits"
                ))
            })?,
            (None, None, Some(t)) => fill_template(&t, today).map_err(err)?.into_bytes(),
            _ => {
                return Err(err(
                    "give exactly one of data, data_hex and data_template".to_owned()
                ));
            }
        };
        if bytes.is_empty() {
            return Err(err("the frame is empty".to_owned()));
        }
        if bytes.len() > max_frame_bytes {
            return Err(err(format!(
                "the frame is {} bytes, more than the {max_frame_bytes} allowed",
                bytes.len()
            )));
        }
        if l.at_ms < last {
            return Err(err(format!(
                "at_ms {} is before the previous frame's {last}; frames must be in time order",
                l.at_ms
            )));
        }
        last = l.at_ms;
        out.push(CapturedFrame {
            at_ms: l.at_ms,
            bytes,
            line,
        });
    }
    Ok(out)
}

fn hex_bytes(h: &str) -> Option<Vec<u8>> {
    if !h.len().is_multiple_of(2) {
        return None;
    }
    h.as_bytes()
        .chunks(2)
        .map(|p| {
            std::str::from_utf8(p)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Date = jiff::civil::date(2026, 3, 14);

    #[test]
    fn templates_carry_dates_relative_to_the_day_they_are_loaded() {
        let t = r#"{"at_ms": 0, "data_template": "]C1010950600013435217{+300d}1024-0847\u001d11{-2d}"}"#;
        let f = parse(t, 100, DAY).unwrap();
        assert_eq!(
            f[0].bytes,
            b"]C1010950600013435217270108"
                .iter()
                .chain(b"1024-0847\x1d11260312")
                .copied()
                .collect::<Vec<u8>>()
        );
        // Another day, the same story.
        let f = parse(t, 100, jiff::civil::date(2028, 2, 29)).unwrap();
        assert!(
            f[0].bytes.starts_with(b"]C1010950600013435217281225"),
            "{:?}",
            String::from_utf8_lossy(&f[0].bytes)
        );
        assert_eq!(fill_template("{today}", DAY).unwrap(), "260314");
        assert_eq!(
            fill_template("no placeholders", DAY).unwrap(),
            "no placeholders"
        );
        for bad in ["{+3}", "{", "x{+3d", "{tomorrow}", "{+1000000000d}", "{}"] {
            assert!(fill_template(bad, DAY).is_err(), "{bad}");
        }
        let e = parse(r#"{"at_ms": 0, "data_template": "17{+3w}"}"#, 100, DAY).unwrap_err();
        assert!(e.message.contains("{+3w}"), "{e}");
        assert!(
            parse(
                r#"{"at_ms": 0, "data": "a", "data_template": "b"}"#,
                100,
                DAY
            )
            .is_err()
        );
    }

    #[test]
    fn frames_are_read_with_their_timing() {
        let text = "# demo\n\n{\"at_ms\": 0, \"data\": \"]C10109506000134352\\u001d\"}\n{\"at_ms\": 250, \"data_hex\": \"5d4331\"}\n";
        let f = parse(text, 100, DAY).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].bytes, b"]C10109506000134352\x1d");
        assert_eq!(
            (f[1].at_ms, f[1].bytes.as_slice(), f[1].line),
            (250, &b"]C1"[..], 4)
        );
    }

    #[test]
    fn bad_lines_are_named() {
        assert_eq!(parse("{\"at_ms\": 0}", 100, DAY).unwrap_err().line, 1);
        assert_eq!(parse("nope", 100, DAY).unwrap_err().line, 1);
        let e = parse(
            "{\"at_ms\": 5, \"data\": \"a\"}\n{\"at_ms\": 1, \"data\": \"b\"}",
            100,
            DAY,
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("time order"), "{e}");
        assert!(
            parse("{\"at_ms\": 0, \"data\": \"abcdef\"}", 3, DAY)
                .unwrap_err()
                .message
                .contains("more than")
        );
        assert!(parse("{\"at_ms\": 0, \"data_hex\": \"5\"}", 3, DAY).is_err());
        assert!(parse("{\"at_ms\": 0, \"data\": \"\"}", 3, DAY).is_err());
        assert!(parse("{\"at_ms\": 0, \"data\": \"a\", \"extra\": 1}", 3, DAY).is_err());
    }
}
