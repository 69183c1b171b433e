//! `lotstation llrp`: talk to an LLRP reader (probe) or decode captured
//! frames to JSON.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde::Serialize;

use lotstation::ident::epc;
use lotstation::ident::hex;
use lotstation::source::llrp::codec::DEFAULT_MAX_MESSAGE_LEN;
use lotstation::source::llrp::{self, Envelope, FrameSplitter, ReaderSettings, Trace};

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
    Probe(ProbeArgs),
    Decode(DecodeArgs),
}

/// Connect to a reader, configure it the way the daemon does, print its
/// capabilities (model, antennas, power table, regulatory region) and what
/// it reads for a few seconds, then close the connection.
///
/// Nothing is recorded. The reader's ROSpecs and AccessSpecs are replaced
/// (as the daemon does on every connect): do not probe a reader another
/// system is using.
///
/// Examples:
///
///   lotstation llrp probe 192.0.2.10
///
///   lotstation llrp probe 192.0.2.10:5084 --seconds 10 --antennas 1,2 --power-dbm 27
///
///   lotstation llrp probe reader.local --trace-llrp /tmp/reader.trace
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ProbeArgs {
    /// The reader: HOST or HOST:PORT (port 5084 by default).
    address: String,

    /// How long to read, in seconds.
    #[arg(long, default_value_t = 5)]
    seconds: u64,

    /// Antennas to read with, e.g. 1,2 (default: all).
    #[arg(long, value_delimiter = ',')]
    antennas: Vec<u16>,

    /// Transmit power in dBm (default: the reader's).
    #[arg(long)]
    power_dbm: Option<f64>,

    /// Append every frame sent and received to FILE, in hex (`llrp decode` reads it).
    #[arg(long, value_name = "FILE")]
    trace_llrp: Option<PathBuf>,
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
        LlrpCommand::Probe(a) => probe(a),
    }
}

fn probe(args: ProbeArgs) -> anyhow::Result<ExitCode> {
    let mut settings = ReaderSettings::new("probe", &args.address);
    settings.plan.antennas = args.antennas.clone();
    settings.plan.tx_power_cdbm = args.power_dbm.map(|d| (d * 100.0).round() as i32);
    if let Some(path) = &args.trace_llrp {
        settings.trace =
            Some(Trace::open(path).with_context(|| format!("cannot open {}", path.display()))?);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let listen = std::time::Duration::from_secs(args.seconds);
    let mut out = std::io::stdout().lock();
    writeln!(out, "connecting to {} ...", settings.address)?;
    let report = match runtime.block_on(llrp::probe(&settings, listen)) {
        Ok(r) => r,
        Err(e) => anyhow::bail!("probe of {} failed: {e}", settings.address),
    };
    let c = &report.capabilities;
    if let Some(g) = &c.general {
        writeln!(
            out,
            "reader:    {} (PEN {}) model {}, firmware {}",
            llrp::vendor_name(g.manufacturer),
            g.manufacturer,
            g.model,
            g.firmware
        )?;
        let (gpis, gpos) = g.gpio.unwrap_or((0, 0));
        writeln!(
            out,
            "antennas:  {}; GPIs {gpis}, GPOs {gpos}; UTC clock {}",
            g.max_antennas,
            if g.has_utc_clock { "yes" } else { "no" }
        )?;
        writeln!(
            out,
            "receive sensitivity table: {} entries",
            g.receive_sensitivity.len()
        )?;
    }
    if let Some(r) = &c.regulatory {
        let band = r.uhf_band.as_ref();
        writeln!(
            out,
            "region:    country {}, communications standard {} ({}), {}",
            r.country_code,
            r.communications_standard,
            standard_name(r.communications_standard),
            band.map_or("no UHF band data".to_owned(), |b| {
                let f = &b.frequency;
                if f.hopping {
                    format!(
                        "hopping over {} table(s) of {} channels",
                        f.hop_tables.len(),
                        f.hop_tables.first().map_or(0, |t| t.1.len())
                    )
                } else {
                    format!("{} fixed frequencies", f.fixed.as_ref().map_or(0, Vec::len))
                }
            })
        )?;
        if let Some(b) = band {
            let p = &b.power_levels;
            if let (Some(lo), Some(hi)) =
                (p.iter().min_by_key(|x| x.1), p.iter().max_by_key(|x| x.1))
            {
                writeln!(
                    out,
                    "power:     {:.2} .. {:.2} dBm in {} steps (index {} .. {})",
                    f64::from(lo.1) / 100.0,
                    f64::from(hi.1) / 100.0,
                    p.len(),
                    lo.0,
                    hi.0
                )?;
            }
            writeln!(
                out,
                "RF modes:  {}",
                b.rf_mode_tables.iter().map(Vec::len).sum::<usize>()
            )?;
        }
    }
    writeln!(
        out,
        "read for {} s: {} reads",
        args.seconds,
        report.reads.len()
    )?;
    // Per tag: antennas, reads, best RSSI.
    let mut tags: Vec<SeenTag> = Vec::new();
    for r in &report.reads {
        match tags.iter_mut().find(|t| t.epc == r.epc) {
            Some(t) => {
                if !t.antennas.contains(&r.antenna) {
                    t.antennas.push(r.antenna);
                }
                t.reads += u64::from(r.count);
                t.best = t.best.max(r.rssi_cdbm);
            }
            None => tags.push(SeenTag {
                epc: r.epc.clone(),
                antennas: vec![r.antenna],
                reads: u64::from(r.count),
                best: r.rssi_cdbm,
            }),
        }
    }
    for SeenTag {
        epc: e,
        antennas,
        reads: n,
        best: rssi,
    } in &tags
    {
        let decoded =
            epc::decode_bytes(e).map_or_else(|err| format!("({})", err.message), |d| d.pure_uri);
        writeln!(
            out,
            "  {}  antennas {:?}  reads {n}  best {}  {decoded}",
            hex::encode(e).to_ascii_uppercase(),
            antennas,
            rssi.map_or("-".to_owned(), |r| format!(
                "{:.2} dBm",
                f64::from(r) / 100.0
            )),
        )?;
    }
    for g in &report.gpi {
        writeln!(
            out,
            "  GPI {} {}",
            g.port,
            if g.high { "high" } else { "low" }
        )?;
    }
    writeln!(
        out,
        "{} distinct tags; {} keepalives; connection closed",
        tags.len(),
        report.keepalives
    )?;
    Ok(ExitCode::SUCCESS)
}

/// One tag in the probe's summary.
struct SeenTag {
    epc: Vec<u8>,
    antennas: Vec<u16>,
    reads: u64,
    best: Option<i32>,
}

fn standard_name(n: u16) -> &'static str {
    match n {
        1 => "US FCC part 15",
        2 => "ETSI EN 302 208",
        3 => "ETSI EN 300 220",
        4 => "Australia LIPD 1W",
        5 => "Australia LIPD 4W",
        6 => "Japan ARIB STD-T89",
        7 => "Hong Kong OFTA 1049",
        8 => "Taiwan DGT LP0002",
        9 => "Korea MIC article 5.2",
        _ => "unspecified",
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
    hex::decode(&hex).unwrap_or_default()
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
