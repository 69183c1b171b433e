//! The one place the CLI writes for a person. Everything else returns values.

use std::io::Write;

/// Write an error line to stderr (`error: ...`). Failures to write are ignored:
/// there is nowhere else to report them.
pub fn error(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "error: {msg}");
}

/// Render a byte string for a person: printable ASCII as is, GS as `<GS>`,
/// other bytes as `\xNN`. Returns the rendering and, for each input byte, its
/// column in the rendering (for carets under error positions).
pub fn visible(bytes: &[u8]) -> (String, Vec<usize>) {
    let mut s = String::with_capacity(bytes.len() + 8);
    let mut cols = Vec::with_capacity(bytes.len() + 1);
    for &b in bytes {
        cols.push(s.chars().count());
        match b {
            0x1d => s.push_str("<GS>"),
            0x20..=0x7e => s.push(char::from(b)),
            _ => s.push_str(&format!("\\x{b:02X}")),
        }
    }
    cols.push(s.chars().count());
    (s, cols)
}
