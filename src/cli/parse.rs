//! `lotstation parse`: decode scans the way a station would, for people
//! checking a label and for batch checks of captured scans.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use lotstation::ident::{self, AimId, DecodeOptions, Decoded, IdentError, InternalRules};
use lotstation::source::stdin;
use lotstation::station::scan::{self, Reading};

use super::{EXIT_REJECTED, out};

/// Decode one scan (or many, with --jsonl) into GS1 AIs and check them,
/// exactly as a station reads it: GS1 data, or one of the station's own
/// codes (badge, work order, location, shipment, command).
///
/// DATA is what a scanner sends: the AIM symbology identifier (e.g. ]C1 for
/// GS1-128, ]d2 for GS1 DataMatrix, ]Q1 for a QR code) followed by the data,
/// with the GS character (0x1D) as FNC1 separator. Because GS is hard to type,
/// `{GS}`, `<GS>` and `\x1d` in DATA stand for it. Also accepted without an
/// AIM prefix: the bracketed form `(01)09506000134352(10)ABC` and a GS1
/// Digital Link URI `https://...`, and text matching one of the station's
/// own code patterns (`OP-0001`). Anything else without a prefix is refused
/// as ambiguous unless --assume-symbology says what it is. With --config, the
/// station's [decode] settings and [codes] patterns apply; without it, the
/// defaults.
///
/// Examples:
///
///   lotstation parse ']C10109506000134352172612311012345A{GS}21S0001'
///
///   lotstation parse '(01)09506000134352(17)261231(10)ABC'
///
///   lotstation parse --json 'https://id.example.com/01/09506000134352/10/ABC?17=261231'
///
///   lotstation parse --config /etc/lotstation/lotstation.toml OP-0001
///
///   lotstation parse --jsonl < scans.jsonl > results.jsonl
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ParseArgs {
    /// The scan; read from standard input when absent (one scan, trailing newline removed).
    data: Option<String>,

    /// Read scans as the station of this configuration does: its [decode]
    /// settings (the options below are then ignored, but --assume-symbology)
    /// and its own code patterns ([codes]).
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,

    /// Print one JSON object instead of the human-readable report.
    #[arg(long, conflicts_with = "jsonl")]
    json: bool,

    /// Batch mode: read one JSON string per line on stdin (the raw scan, with
    /// control characters escaped, e.g. "]C1010950...\u001d21S1"), write one
    /// JSON object per line on stdout.
    #[arg(long, conflicts_with = "data")]
    jsonl: bool,

    /// Treat data without an AIM prefix as this symbology, e.g. ]C1 or ]d2.
    #[arg(long, value_name = "ID")]
    assume_symbology: Option<AimId>,

    /// Accept AIs missing from lotstation's table when their length is known (warning instead of error).
    #[arg(long)]
    permit_unknown_ais: bool,

    /// Accept GTIN-8/12/13 in Digital Link paths (padded to 14 digits).
    #[arg(long)]
    permit_zero_suppressed_gtin: bool,

    /// Do not check that AIs have their required partners (e.g. a lot (10) needs a GTIN (01)).
    #[arg(long)]
    no_requisites: bool,

    /// Report EAN/UPC (]E0, ]E3, ]E4) and ITF-14 (]I1) scans as plain data instead of GTIN (01).
    #[arg(long)]
    no_retail_gtin: bool,

    /// Largest scan accepted, in bytes; longer input is refused before parsing.
    #[arg(long, value_name = "BYTES", default_value_t = ident::DEFAULT_MAX_INPUT_LEN)]
    max_input_bytes: usize,
}

impl ParseArgs {
    fn options(&self) -> DecodeOptions {
        let mut o = DecodeOptions {
            max_input_len: self.max_input_bytes,
            assume_symbology: self.assume_symbology,
            ean_as_gtin: !self.no_retail_gtin,
            itf14_as_gtin: !self.no_retail_gtin,
            ..DecodeOptions::default()
        };
        o.dl.permit_zero_suppressed_gtin = self.permit_zero_suppressed_gtin;
        o.dl.ais.permit_unknown_ais = self.permit_unknown_ais;
        o.dl.ais.check_requisites = !self.no_requisites;
        o
    }
}

/// The decode options and own code patterns: the station's, with --config;
/// `None` when that configuration is refused (its problems are printed).
fn rules(args: &ParseArgs) -> Option<(DecodeOptions, InternalRules)> {
    let Some(path) = &args.config else {
        return Some((args.options(), InternalRules::defaults()));
    };
    let c = super::config::load_or_report(path)?;
    let mut opts = c.decode;
    if args.assume_symbology.is_some() {
        opts.assume_symbology = args.assume_symbology;
    }
    Some((opts, c.codes))
}

pub fn run(args: ParseArgs) -> anyhow::Result<ExitCode> {
    let Some((opts, codes)) = rules(&args) else {
        return Ok(ExitCode::from(super::EXIT_FAILURE));
    };
    if args.jsonl {
        return run_jsonl(&opts, &codes);
    }
    let data = match &args.data {
        Some(d) => stdin::expand_gs_aids(d.as_bytes()),
        None => {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut buf)
                .context("reading the scan from standard input")?;
            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            buf
        }
    };
    let reading = scan::read(&data, &opts, &codes);
    let mut stdout = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut stdout, &JsonResult::from(&reading))?;
        writeln!(stdout)?;
    } else {
        match (&reading.own_code, &reading.decoded) {
            (Some(code), _) => write_own_code(&mut stdout, reading.symbology, code)?,
            (None, Ok(d)) => write_human(&mut stdout, d)?,
            (None, Err(e)) => {
                drop(stdout);
                write_human_error(&data, e)?;
            }
        }
    }
    Ok(if reading.own_code.is_some() || reading.decoded.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REJECTED)
    })
}

fn write_own_code(
    w: &mut impl Write,
    symbology: Option<AimId>,
    code: &ident::InternalCode,
) -> anyhow::Result<()> {
    let sym = match symbology {
        Some(s) => format!("{} ({s})", s.name()),
        None => "no symbology identifier".to_owned(),
    };
    writeln!(w, "{sym}: the station's own code")?;
    writeln!(w, "  {} {}", code.kind.as_str(), code.id)?;
    Ok(())
}

fn run_jsonl(opts: &DecodeOptions, codes: &InternalRules) -> anyhow::Result<ExitCode> {
    // A line may be long, but not unboundedly: a scan is at most
    // max_input_len bytes, and JSON escaping at most sextuples it.
    let max_line = opts.max_input_len.saturating_mul(6).saturating_add(64);
    out::each_jsonl_string(max_line, |w, line, input| {
        match input {
            Ok(scan) => serde_json::to_writer(
                &mut *w,
                &JsonResult::from(&scan::read(scan.as_bytes(), opts, codes)),
            )?,
            Err((kind, message)) => write_line_error(&mut *w, line, kind, &message)?,
        }
        w.write_all(b"\n")?;
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn write_line_error(
    w: &mut dyn Write,
    line: usize,
    kind: &str,
    message: &str,
) -> anyhow::Result<()> {
    let v = JsonResult::Err {
        ok: false,
        error: JsonError {
            kind,
            message,
            ai: None,
            position: 0,
            line: Some(line),
        },
    };
    serde_json::to_writer(&mut *w, &v)?;
    Ok(())
}

#[derive(Serialize)]
pub(super) struct JsonWarning<'a> {
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ai: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
pub(super) struct JsonError<'a> {
    kind: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ai: Option<&'a str>,
    position: usize,
    /// Input line number, for batch-mode errors about the line itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
}

#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum JsonResult<'a> {
    Ok {
        ok: bool,
        #[serde(rename = "type")]
        kind: &'static str,
        symbology: Option<String>,
        ais: Vec<[&'a str; 2]>,
        #[serde(skip_serializing_if = "Option::is_none")]
        text: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        stem: Option<&'a str>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        ignored_query: Vec<[&'a str; 2]>,
        /// The station's own code (type "internal").
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<JsonCode<'a>>,
        warnings: Vec<JsonWarning<'a>>,
    },
    Err {
        ok: bool,
        error: JsonError<'a>,
    },
}

#[derive(Serialize)]
pub(super) struct JsonCode<'a> {
    kind: &'static str,
    id: &'a str,
}

impl<'a> From<&'a Reading> for JsonResult<'a> {
    fn from(r: &'a Reading) -> Self {
        match &r.own_code {
            Some(code) => JsonResult::Ok {
                ok: true,
                kind: "internal",
                symbology: r.symbology.map(|s| s.to_string()),
                ais: Vec::new(),
                text: None,
                stem: None,
                ignored_query: Vec::new(),
                code: Some(JsonCode {
                    kind: code.kind.as_str(),
                    id: &code.id,
                }),
                warnings: Vec::new(),
            },
            None => JsonResult::from(&r.decoded),
        }
    }
}

impl<'a> From<&'a Result<Decoded, IdentError>> for JsonResult<'a> {
    fn from(r: &'a Result<Decoded, IdentError>) -> Self {
        match r {
            Ok(d) => {
                let es = d.element_string();
                let ais = es
                    .map(|es| es.iter().map(|(a, v)| [a, v]).collect())
                    .unwrap_or_default();
                let warnings = es
                    .map(|es| {
                        es.warnings()
                            .iter()
                            .map(|w| JsonWarning {
                                kind: w.kind.as_str(),
                                ai: w.ai.as_deref(),
                                message: &w.message,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let (kind, text, stem, ignored_query) = match d {
                    Decoded::Gs1 { .. } => ("gs1", None, None, Vec::new()),
                    Decoded::DigitalLink { link, .. } => (
                        "digital_link",
                        None,
                        Some(link.stem.as_str()),
                        link.ignored
                            .iter()
                            .map(|(k, v)| [k.as_str(), v.as_deref().unwrap_or("")])
                            .collect(),
                    ),
                    Decoded::Plain { text, .. } => ("plain", Some(text.as_str()), None, Vec::new()),
                };
                JsonResult::Ok {
                    ok: true,
                    kind,
                    symbology: d.symbology().map(|s| s.to_string()),
                    ais,
                    text,
                    stem,
                    ignored_query,
                    code: None,
                    warnings,
                }
            }
            Err(e) => JsonResult::Err {
                ok: false,
                error: JsonError {
                    kind: e.kind.as_str(),
                    message: &e.message,
                    ai: e.ai.as_deref(),
                    position: e.position,
                    line: None,
                },
            },
        }
    }
}

pub(super) fn write_human(w: &mut impl Write, d: &Decoded) -> anyhow::Result<()> {
    let sym = match d.symbology() {
        Some(s) => format!("{} ({s})", s.name()),
        None => "no symbology identifier".to_owned(),
    };
    match d {
        Decoded::Plain { text, .. } => {
            writeln!(w, "{sym}: plain data, not GS1")?;
            writeln!(w, "  {text}")?;
            return Ok(());
        }
        Decoded::Gs1 { .. } => writeln!(w, "{sym}: GS1 element string")?,
        Decoded::DigitalLink { link, .. } => {
            writeln!(w, "{sym}: GS1 Digital Link at {}{}", link.origin, link.stem)?;
        }
    }
    let Some(es) = d.element_string() else {
        return Ok(());
    };
    for (i, (ai, value)) in es.iter().enumerate() {
        let title = es.entry_at(i).map_or("(unknown AI)", |e| e.title);
        let note = describe(ai, value)
            .map(|n| format!("  = {n}"))
            .unwrap_or_default();
        writeln!(w, "  ({ai}) {title:<24} {value}{note}")?;
    }
    for warn in es.warnings() {
        writeln!(w, "warning: {}: {}", warn.kind.as_str(), warn.message)?;
    }
    writeln!(w, "bracketed: {}", es.to_bracketed())?;
    Ok(())
}

fn write_human_error(data: &[u8], e: &IdentError) -> anyhow::Result<()> {
    let mut w = std::io::stderr().lock();
    writeln!(w, "rejected: {}: {}", e.kind, e.message)?;
    let (shown, cols) = out::visible(data);
    let col = cols.get(e.position).or(cols.last()).copied().unwrap_or(0);
    writeln!(w, "  {shown}")?;
    writeln!(w, "  {}^ byte {}", " ".repeat(col), e.position)?;
    Ok(())
}

/// A short reading of a value for a person: dates and decimal quantities.
fn describe(ai: &str, value: &str) -> Option<String> {
    let b = ai.as_bytes();
    match (b, value.len()) {
        ([b'1', b'1' | b'2' | b'3' | b'5' | b'6' | b'7'], 6) => {
            let (yy, rest) = value.split_at(2);
            let (mm, dd) = rest.split_at(2);
            let year = if yy.parse::<u32>().ok()? >= 72 {
                format!("19{yy}")
            } else {
                format!("20{yy}")
            };
            Some(if dd == "00" {
                format!("{year}-{mm} (end of month)")
            } else {
                format!("{year}-{mm}-{dd}")
            })
        }
        ([b'3', b'1'..=b'6', _, d], 6) if d.is_ascii_digit() => {
            let places = usize::from(d - b'0');
            let n = value.trim_start_matches('0');
            let padded = format!("{n:0>width$}", width = places + 1);
            let (int, frac) = padded.split_at(padded.len() - places);
            Some(if frac.is_empty() {
                int.to_owned()
            } else {
                format!("{int}.{frac}")
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_described_for_people() {
        assert_eq!(describe("17", "261231").as_deref(), Some("2026-12-31"));
        assert_eq!(
            describe("15", "260200").as_deref(),
            Some("2026-02 (end of month)")
        );
        assert_eq!(describe("11", "991231").as_deref(), Some("1999-12-31"));
        assert_eq!(describe("3103", "001250").as_deref(), Some("1.250"));
        assert_eq!(describe("3100", "000042").as_deref(), Some("42"));
        assert_eq!(describe("3102", "000005").as_deref(), Some("0.05"));
        assert_eq!(describe("10", "ABC"), None);
    }
}
