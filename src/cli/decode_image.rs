//! `lotstation decode-image`: barcodes in image files, decoded the way the
//! camera source decodes them and then read by the identifier engine.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use lotstation::ident::{self, DecodeOptions};
use lotstation::source::image::{self, ImageLimits};

use super::parse::{JsonResult, write_human};
use super::{EXIT_REJECTED, out};

/// Decode the barcodes in PNG or JPEG images (GS1 DataMatrix, GS1-128,
/// GS1 QR, GS1 DataBar, EAN/UPC, ITF) and read each as a scan.
///
/// Each barcode is reported with its AIM symbology identifier (]d2, ]C1,
/// ...) and then decoded like `lotstation parse` decodes a scan. Exit code 1
/// when a file gives no barcode or a barcode does not decode.
///
/// Examples:
///
///   lotstation decode-image label.png
///
///   lotstation decode-image --json shots/*.jpg
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct DecodeImageArgs {
    /// Image files.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// One JSON object per file on standard output.
    #[arg(long)]
    json: bool,

    /// Largest image side decoded, in pixels; larger images are refused
    /// before decoding.
    #[arg(long, value_name = "PIXELS", default_value_t = ImageLimits::default().max_width)]
    max_side: u32,
}

#[derive(Serialize)]
struct JsonBarcode<'a> {
    format: &'a str,
    data: String,
    decoded: JsonResult<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum JsonFile<'a> {
    Ok {
        file: String,
        ok: bool,
        barcodes: Vec<JsonBarcode<'a>>,
    },
    Err {
        file: String,
        ok: bool,
        error: JsonImageError,
    },
}

#[derive(Serialize)]
struct JsonImageError {
    kind: &'static str,
    message: String,
}

pub fn run(args: DecodeImageArgs) -> anyhow::Result<ExitCode> {
    let limits = ImageLimits {
        max_width: args.max_side,
        max_height: args.max_side,
        ..ImageLimits::default()
    };
    let opts = DecodeOptions::default();
    let mut all_ok = true;
    let mut stdout = std::io::stdout().lock();
    for file in &args.files {
        let name = file.display().to_string();
        let scans = match image::decode_file(file, &limits) {
            Ok(s) => s,
            Err(e) => {
                all_ok = false;
                if args.json {
                    let j = JsonFile::Err {
                        file: name,
                        ok: false,
                        error: JsonImageError {
                            kind: e.kind(),
                            message: e.to_string(),
                        },
                    };
                    serde_json::to_writer(&mut stdout, &j)?;
                    writeln!(stdout)?;
                } else {
                    out::error(&format!("{name}: {e}"));
                }
                continue;
            }
        };
        let decoded: Vec<_> = scans
            .iter()
            .map(|s| ident::decode(&s.bytes, &opts))
            .collect();
        all_ok &= decoded.iter().all(Result::is_ok);
        if args.json {
            let barcodes = scans
                .iter()
                .zip(&decoded)
                .map(|(s, d)| JsonBarcode {
                    format: &s.format,
                    data: String::from_utf8_lossy(&s.bytes).into_owned(),
                    decoded: JsonResult::from(d),
                })
                .collect();
            let j = JsonFile::Ok {
                file: name,
                ok: decoded.iter().all(Result::is_ok),
                barcodes,
            };
            serde_json::to_writer(&mut stdout, &j)?;
            writeln!(stdout)?;
        } else {
            for (s, d) in scans.iter().zip(&decoded) {
                let (shown, _) = out::visible(&s.bytes);
                writeln!(stdout, "{name}: {} {shown}", s.format)?;
                match d {
                    Ok(d) => write_human(&mut stdout, d)?,
                    Err(e) => writeln!(stdout, "rejected: {}: {}", e.kind, e.message)?,
                }
            }
        }
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REJECTED)
    })
}
