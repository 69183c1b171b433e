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
//! exactly one of `data` (text, JSON escapes for control bytes) or `data_hex`
//! (raw bytes) is given. Pure: parses text, no I/O.

use serde::Deserialize;

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
}

/// Parse a whole capture. `max_frame_bytes` bounds each frame.
pub fn parse(text: &str, max_frame_bytes: usize) -> Result<Vec<CapturedFrame>, CaptureError> {
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
                "not a capture record ({e}); expected {{\"at_ms\": N, \"data\": \"...\"}} or {{\"at_ms\": N, \"data_hex\": \"...\"}}"
            ))
        })?;
        let bytes = match (l.data, l.data_hex) {
            (Some(d), None) => d.into_bytes(),
            (None, Some(h)) => hex_bytes(&h).ok_or_else(|| {
                err(format!(
                    "data_hex {h:?} is not an even number of hex digits"
                ))
            })?,
            _ => return Err(err("give exactly one of data and data_hex".to_owned())),
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

    #[test]
    fn frames_are_read_with_their_timing() {
        let text = "# demo\n\n{\"at_ms\": 0, \"data\": \"]C10109506000134352\\u001d\"}\n{\"at_ms\": 250, \"data_hex\": \"5d4331\"}\n";
        let f = parse(text, 100).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].bytes, b"]C10109506000134352\x1d");
        assert_eq!(
            (f[1].at_ms, f[1].bytes.as_slice(), f[1].line),
            (250, &b"]C1"[..], 4)
        );
    }

    #[test]
    fn bad_lines_are_named() {
        assert_eq!(parse("{\"at_ms\": 0}", 100).unwrap_err().line, 1);
        assert_eq!(parse("nope", 100).unwrap_err().line, 1);
        let e = parse(
            "{\"at_ms\": 5, \"data\": \"a\"}\n{\"at_ms\": 1, \"data\": \"b\"}",
            100,
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("time order"), "{e}");
        assert!(
            parse("{\"at_ms\": 0, \"data\": \"abcdef\"}", 3)
                .unwrap_err()
                .message
                .contains("more than")
        );
        assert!(parse("{\"at_ms\": 0, \"data_hex\": \"5\"}", 3).is_err());
        assert!(parse("{\"at_ms\": 0, \"data\": \"\"}", 3).is_err());
        assert!(parse("{\"at_ms\": 0, \"data\": \"a\", \"extra\": 1}", 3).is_err());
    }
}
