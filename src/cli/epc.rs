//! `lotstation epc`: decode EPC tag data the way the RFID portal does, or
//! encode a tag URI to hex.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use lotstation::ident::IdentError;
use lotstation::ident::epc::{self, Epc};

use super::EXIT_REJECTED;

/// Decode EPC tag data (hex of the EPC bank, as RFID readers report it) into
/// the EPC pure identity URI, the tag URI and GS1 AIs; or encode a tag URI.
///
/// Supported: SGTIN-96/198, SSCC-96, SGLN-96/195, GRAI-96/170, GIAI-96/202,
/// GID-96, and the TDS 2.0 schemes SGTIN+, SSCC+ and DSGTIN+ (with lot,
/// expiry and other AIs carried on the tag). Encoding covers the 96-bit schemes.
///
/// Examples:
///
///   lotstation epc 3074257BF7194E4000001A85
///
///   lotstation epc --json 3074257BF7194E4000001A85 3114257BF7194E4000001A85
///
///   lotstation epc --encode urn:epc:tag:sgtin-96:3.0614141.812345.6789
///
///   lotstation epc --jsonl < tags.jsonl
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct EpcArgs {
    /// EPC bank contents in hex (one or more tags).
    #[arg(required_unless_present_any = ["jsonl", "encode"], conflicts_with_all = ["jsonl", "encode"])]
    hex: Vec<String>,

    /// Print one JSON object per tag instead of the human-readable report.
    #[arg(long)]
    json: bool,

    /// Batch mode: one JSON string of hex per line on stdin, one JSON object per line out.
    #[arg(long, conflicts_with = "encode")]
    jsonl: bool,

    /// Encode this tag URI (urn:epc:tag:sgtin-96:...) to hex instead of decoding.
    #[arg(long, value_name = "TAG_URI")]
    encode: Option<String>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum JsonEpc<'a> {
    Ok {
        ok: bool,
        scheme: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        filter: Option<u8>,
        pure_uri: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        tag_uri: Option<&'a str>,
        ais: Vec<[&'a str; 2]>,
    },
    Err {
        ok: bool,
        error: JsonError<'a>,
    },
}

#[derive(Serialize)]
struct JsonError<'a> {
    kind: &'a str,
    message: &'a str,
    position: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
}

impl<'a> From<&'a Result<Epc, IdentError>> for JsonEpc<'a> {
    fn from(r: &'a Result<Epc, IdentError>) -> Self {
        match r {
            Ok(e) => JsonEpc::Ok {
                ok: true,
                scheme: e.scheme.as_str(),
                filter: e.filter,
                pure_uri: &e.pure_uri,
                tag_uri: e.tag_uri.as_deref(),
                ais: e.ais.iter().map(|(a, v)| [*a, v.as_str()]).collect(),
            },
            Err(e) => JsonEpc::Err {
                ok: false,
                error: JsonError {
                    kind: e.kind.as_str(),
                    message: &e.message,
                    position: e.position,
                    line: None,
                },
            },
        }
    }
}

pub fn run(args: EpcArgs) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if let Some(uri) = &args.encode {
        return match epc::encode_tag_uri(uri) {
            Ok(hex) => {
                writeln!(out, "{hex}")?;
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                writeln!(
                    std::io::stderr().lock(),
                    "rejected: {}: {} (at byte {})",
                    e.kind,
                    e.message,
                    e.position
                )?;
                Ok(ExitCode::from(EXIT_REJECTED))
            }
        };
    }
    if args.jsonl {
        return run_jsonl();
    }
    let mut all_ok = true;
    for hex in &args.hex {
        let r = epc::decode_hex(hex);
        all_ok &= r.is_ok();
        if args.json {
            serde_json::to_writer(&mut out, &JsonEpc::from(&r))?;
            writeln!(out)?;
            continue;
        }
        match &r {
            Ok(e) => {
                writeln!(out, "{hex}: {}", e.scheme)?;
                if let Some(f) = e.filter {
                    writeln!(out, "  filter    {f}")?;
                }
                writeln!(out, "  pure URI  {}", e.pure_uri)?;
                if let Some(t) = &e.tag_uri {
                    writeln!(out, "  tag URI   {t}")?;
                }
                for (ai, v) in &e.ais {
                    writeln!(out, "  ({ai}) {v}")?;
                }
            }
            Err(e) => {
                writeln!(
                    std::io::stderr().lock(),
                    "{hex}: rejected: {}: {} (at hex digit {})",
                    e.kind,
                    e.message,
                    e.position
                )?;
            }
        }
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REJECTED)
    })
}

fn run_jsonl() -> anyhow::Result<ExitCode> {
    // A tag's hex is at most MAX_HEX_CHARS; allow generous JSON framing.
    let max_line = epc::MAX_HEX_CHARS * 6 + 64;
    super::out::each_jsonl_string(max_line, |w, line, input| {
        match input {
            Ok(hex) => serde_json::to_writer(&mut *w, &JsonEpc::from(&epc::decode_hex(&hex)))?,
            Err((kind, message)) => serde_json::to_writer(
                &mut *w,
                &JsonEpc::Err {
                    ok: false,
                    error: JsonError {
                        kind,
                        message: &message,
                        position: 0,
                        line: Some(line),
                    },
                },
            )?,
        }
        w.write_all(b"\n")?;
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
