//! `lotstation llrp`: look at LLRP traffic: decode captured frames to JSON.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde::Serialize;

use lotstation::source::llrp::codec::{DEFAULT_MAX_MESSAGE_LEN, parse_hex};
use lotstation::source::llrp::{Envelope, FrameSplitter};

use super::EXIT_REJECTED;

/// Largest capture file `llrp decode` reads.
const MAX_CAPTURE_BYTES: u64 = 64 * 1024 * 1024;

/// Talk to or decode LLRP (RFID reader protocol) traffic.
#[derive(Debug, Args)]
pub struct LlrpArgs {
    #[command(subcommand)]
    command: LlrpCommand,
}

#[derive(Debug, Subcommand)]
enum LlrpCommand {
    Decode(DecodeArgs),
}

/// Decode a file of captured LLRP frames to JSON, one object per frame.
///
/// The file is either binary (the bytes of one or more frames back to back,
/// as a TCP stream carries them) or text: hex digits, with anything else on
/// a line ignored, so a `--trace-llrp` file, a hex dump or
/// `hardware-fixtures/llrp-llrpkit-emulator/frames.txt` all decode. Lines
/// starting with `#` are comments.
///
/// Each output line is `{"offset": N, "version", "id", "message", "body"}`
/// or `{"offset": N, "error": "..."}`. Exit code 1 when a frame does not
/// decode or the file ends inside a frame.
///
/// Example:
///
///   lotstation llrp decode hardware-fixtures/llrp-llrpkit-emulator/frames.txt
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct DecodeArgs {
    /// Capture file (binary or hex text).
    file: PathBuf,

    /// Pretty-print each JSON object over several lines.
    #[arg(long)]
    pretty: bool,
}

pub fn run(args: LlrpArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        LlrpCommand::Decode(a) => decode(a),
    }
}

#[derive(Serialize)]
struct Decoded<'a> {
    offset: usize,
    #[serde(flatten)]
    envelope: &'a Envelope,
}

#[derive(Serialize)]
struct Failed {
    offset: usize,
    error: String,
}

fn decode(args: DecodeArgs) -> anyhow::Result<ExitCode> {
    let meta = std::fs::metadata(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    if meta.len() > MAX_CAPTURE_BYTES {
        anyhow::bail!(
            "{} is {} bytes; llrp decode reads at most {MAX_CAPTURE_BYTES} (split the capture)",
            args.file.display(),
            meta.len()
        );
    }
    let raw = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let bytes = stream_bytes(&raw);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut ok = true;
    for item in split(&bytes) {
        let line = match item {
            Item::Frame(offset, frame) => match Envelope::decode(frame) {
                Ok(envelope) => json(
                    &Decoded {
                        offset,
                        envelope: &envelope,
                    },
                    args.pretty,
                )?,
                Err(e) => {
                    ok = false;
                    json(
                        &Failed {
                            offset,
                            error: e.to_string(),
                        },
                        args.pretty,
                    )?
                }
            },
            Item::Broken(offset, error) => {
                ok = false;
                json(&Failed { offset, error }, args.pretty)?
            }
        };
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REJECTED)
    })
}

fn json<T: Serialize>(v: &T, pretty: bool) -> anyhow::Result<String> {
    Ok(if pretty {
        serde_json::to_string_pretty(v)?
    } else {
        serde_json::to_string(v)?
    })
}

/// The byte stream a capture file holds: the file itself when binary; when
/// it is text, the hex-digit words of its non-comment lines, concatenated.
fn stream_bytes(raw: &[u8]) -> Vec<u8> {
    let text = match std::str::from_utf8(raw) {
        Ok(t)
            if t.chars()
                .all(|c| !c.is_control() || c.is_ascii_whitespace()) =>
        {
            t
        }
        _ => return raw.to_vec(),
    };
    let mut hex = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        for word in line.split_whitespace() {
            if word.bytes().all(|b| b.is_ascii_hexdigit()) && word.len() % 2 == 0 {
                hex.push_str(word);
            }
        }
    }
    parse_hex(&hex).unwrap_or_default()
}

enum Item<'a> {
    Frame(usize, &'a [u8]),
    Broken(usize, String),
}

/// Whole frames of a stream, then what stopped it (a framing error, or
/// bytes left over that are not a whole frame).
fn split(bytes: &[u8]) -> Vec<Item<'_>> {
    let mut items = Vec::new();
    let mut s = FrameSplitter::new(DEFAULT_MAX_MESSAGE_LEN);
    s.push(bytes);
    let mut offset = 0;
    loop {
        match s.next_frame() {
            Ok(Some(f)) => {
                let len = f.len();
                if let Some(frame) = bytes.get(offset..offset + len) {
                    items.push(Item::Frame(offset, frame));
                }
                offset += len;
            }
            Ok(None) => {
                if s.pending() > 0 {
                    items.push(Item::Broken(
                        offset,
                        format!(
                            "the capture ends inside a frame: {} bytes left over",
                            s.pending()
                        ),
                    ));
                }
                break;
            }
            Err(e) => {
                items.push(Item::Broken(
                    offset,
                    format!("{e}; the rest of the capture cannot be split into frames"),
                ));
                break;
            }
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_text_keeps_only_hex_words_and_skips_comments() {
        let text =
            b"# a comment 0400\nV24 R>C KEEPALIVE 043e0000000a00000062\n043e0000 000a0000 0063\n";
        let b = stream_bytes(text);
        assert_eq!(b.len(), 20);
        let items = split(&b);
        assert_eq!(items.len(), 2);
        assert!(matches!(items[1], Item::Frame(10, _)));
    }

    #[test]
    fn binary_files_are_taken_as_they_are_and_leftovers_are_reported() {
        let mut b = vec![0x04, 0x3e, 0, 0, 0, 0x0a, 0, 0, 0, 0x62];
        b.extend_from_slice(&[0x04, 0x3e, 0]);
        assert_eq!(stream_bytes(&b), b);
        let items = split(&b);
        assert!(matches!(&items[1], Item::Broken(10, e) if e.contains("3 bytes left over")));
    }
}
