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

/// Batch input for `--jsonl` modes: one JSON string per line on standard
/// input. Each line is bounded by `max_line` bytes (the rest of a longer line
/// is skipped); `each` gets the line number and the string, or the error
/// kind and message for a line that is not one, and writes its answer to the
/// buffered standard output it is given. Every input line gets one call.
pub fn each_jsonl_string(
    max_line: usize,
    mut each: impl FnMut(
        &mut dyn Write,
        usize,
        Result<String, (&'static str, String)>,
    ) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    use std::io::{BufRead, Read};
    let mut reader = std::io::BufReader::with_capacity(1 << 16, std::io::stdin().lock());
    let mut w = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut buf = Vec::with_capacity(256);
    let mut lineno = 0usize;
    loop {
        buf.clear();
        let n = (&mut reader)
            .take(max_line as u64 + 1)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        lineno += 1;
        if buf.len() > max_line && !buf.ends_with(b"\n") {
            let mut sink = Vec::new();
            reader.read_until(b'\n', &mut sink)?;
            each(
                &mut w,
                lineno,
                Err((
                    "input_too_long",
                    "line is longer than any input can be".to_owned(),
                )),
            )?;
            continue;
        }
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let parsed = if line.is_empty() {
            Err((
                "bad_jsonl_line",
                "empty line; expected a JSON string".to_owned(),
            ))
        } else {
            std::str::from_utf8(line)
                .map_err(|e| ("bad_jsonl_line", format!("not UTF-8 text: {e}")))
                .and_then(|t| {
                    serde_json::from_str::<String>(t)
                        .map_err(|e| ("bad_jsonl_line", format!("not a JSON string: {e}")))
                })
        };
        each(&mut w, lineno, parsed)?;
    }
    w.flush()?;
    Ok(())
}
