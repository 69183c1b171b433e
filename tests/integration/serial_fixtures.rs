//! The serial captures in `hardware-fixtures/serial-*/` replayed through the
//! framer with their timing, configured by each folder's `device.toml` read
//! through the station's own config loader: the scans and the dropped bytes
//! must be exactly those of `expected.jsonl`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lotstation::config::{Config, SourceKind};
use lotstation::source::framing::{Event, Framer, FramingError};

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("hardware-fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("stream.serial").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// The source's framing, from `device.toml` as a `[[sources]]` entry.
fn framer(dir: &Path) -> Framer {
    let keys = std::fs::read_to_string(dir.join("device.toml")).unwrap();
    let text = format!(
        "[station]\nid = \"fixture\"\n[[sources]]\nname = \"scanner\"\nkind = \"serial\"\ndevice = \"/dev/ttyACM0\"\n{keys}"
    );
    let config = Config::from_str(&text, dir.join("device.toml"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let SourceKind::Serial(s) = &config.sources[0].kind else {
        panic!("not a serial source")
    };
    Framer::new(s.framing.clone()).unwrap()
}

/// `(at_ms, bytes)` per line of `stream.serial`.
fn stream(dir: &Path) -> Vec<(u64, Vec<u8>)> {
    let text = std::fs::read_to_string(dir.join("stream.serial")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (at, hex) = l.split_once(' ').expect("at_ms hex");
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            (at.parse().unwrap(), bytes)
        })
        .collect()
}

fn name(e: &FramingError) -> &'static str {
    match e {
        FramingError::TooLong { .. } => "too_long",
        FramingError::NoiseBeforePrefix { .. } => "noise",
        FramingError::MissingPrefix { .. } => "missing_prefix",
        FramingError::MissingAim { .. } => "missing_aim",
        FramingError::Unterminated { .. } => "unterminated",
        _ => "other",
    }
}

fn as_json(e: Event) -> serde_json::Value {
    match e {
        Event::Frame(f) => serde_json::json!({ "scan": String::from_utf8(f).unwrap() }),
        Event::Error(e) => serde_json::json!({ "dropped": name(&e) }),
    }
}

#[test]
fn every_serial_capture_frames_to_its_expected_scans() {
    let dirs = fixtures();
    assert!(dirs.len() >= 5, "serial captures missing: {dirs:?}");
    for dir in &dirs {
        let mut f = framer(dir);
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut events = Vec::new();
        let chunks = stream(dir);
        let mut last = 0;
        for (ms, bytes) in chunks {
            // Time passes between reads: a pause may end a scan first.
            events.extend(f.poll(at(ms)));
            events.extend(f.push(&bytes, at(ms)));
            assert!(f.pending() <= f.capacity());
            last = ms;
        }
        events.extend(f.poll(at(last + 10_000)));
        events.extend(f.finish());
        let got: Vec<serde_json::Value> = events.into_iter().map(as_json).collect();
        let expected: Vec<serde_json::Value> = std::fs::read_to_string(dir.join("expected.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(got, expected, "{}", dir.display());
        for doc in ["README.md", "device.toml"] {
            assert!(dir.join(doc).is_file(), "{} has no {doc}", dir.display());
        }
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        assert!(readme.contains("**Represents:**"), "{}", dir.display());
        assert!(
            readme.contains("Not captured from a device"),
            "{}",
            dir.display()
        );
    }
}

#[test]
fn the_serial_captures_cover_every_suffix() {
    let mut suffixes: Vec<String> = fixtures()
        .iter()
        .map(|d| {
            let t: toml::Table =
                toml::from_str(&std::fs::read_to_string(d.join("device.toml")).unwrap()).unwrap();
            t["suffix"].as_str().unwrap().to_owned()
        })
        .collect();
    suffixes.sort();
    suffixes.dedup();
    assert_eq!(suffixes, ["cr", "crlf", "lf", "none", "tab"]);
}
