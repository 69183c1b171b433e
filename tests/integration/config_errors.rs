//! The config files in `config/` and the `check-config` and
//! `print-default-config` commands, run as the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lotstation::config::{Config, DEFAULT_CONFIG};

fn lotstation(args: &[&str]) -> Output {
    Command::new(crate::util::bin())
        .args(args)
        .output()
        .expect("run lotstation")
}

fn config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
}

/// Write `text` to `name` in a fresh temp dir and run check-config on it.
fn check(name: &str, text: &str) -> (tempfile::TempDir, PathBuf, Output) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let out = lotstation(&["check-config", path.to_str().unwrap()]);
    (dir, path, out)
}

#[test]
fn every_file_in_config_parses() {
    let mut n = 0;
    for entry in std::fs::read_dir(config_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            if let Err(e) = Config::load(&path) {
                panic!("{} does not load:\n{e}", path.display());
            }
            let out = lotstation(&["check-config", path.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(0), "{}", path.display());
            n += 1;
        }
    }
    assert!(n >= 2, "lotstation.toml and demo.toml at least");
}

#[test]
fn check_config_summarises_a_good_file() {
    let demo = config_dir().join("demo.toml");
    let out = lotstation(&["check-config", demo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let store = config_dir().join("demo-state/station.redb");
    assert_eq!(
        stdout,
        format!(
            "ok: station demo-kiosk-1, 1 source, store {}\n",
            store.display()
        )
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn print_default_config_is_the_documented_file_and_valid() {
    let out = lotstation(&["print-default-config"]);
    assert_eq!(out.status.code(), Some(0));
    let printed = String::from_utf8(out.stdout).unwrap();
    let file = std::fs::read_to_string(config_dir().join("lotstation.toml")).unwrap();
    assert_eq!(printed, file);
    assert_eq!(printed, DEFAULT_CONFIG);
    let c = Config::from_str(&printed, "printed.toml").unwrap();
    assert_eq!(c.station.id, "station-1");
    // and what a person would do with it works:
    let (_dir, _, out) = check("lotstation.toml", &printed);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn semantic_errors_name_file_line_and_key_all_of_them() {
    let text = "\
[station]
id = \"kiosk 1\"
timezone = \"Europe/Berlim\"

[store]
cache_size_mib = 1

[[sources]]
name = \"scanner\"
kind = \"serail\"
";
    let (_dir, path, out) = check("station.toml", text);
    assert_eq!(out.status.code(), Some(1), "rejected is exit code 1");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let p = path.display();
    let expected = [
        format!(
            "error: {p}:2:6: key station.id: station id \"kiosk 1\" is not valid; allowed: 1 to 64 characters A-Z a-z 0-9 . _ -"
        ),
        format!("error: {p}:3:12: key station.timezone: unknown time zone \"Europe/Berlim\""),
        format!(
            "error: {p}:6:18: key store.cache_size_mib: 1 is out of range; allowed: 4 to 4096 MiB"
        ),
        format!(
            "error: {p}:10:8: key sources[0].kind: unknown source kind \"serail\"; allowed: stdin, replay, serial"
        ),
        format!("error: {p}: 4 problems found; configuration rejected"),
    ];
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), expected.len(), "{stderr}");
    for (line, want) in lines.iter().zip(&expected) {
        assert!(line.starts_with(want.as_str()), "got  {line}\nwant {want}");
    }
    assert!(out.stdout.is_empty());
}

#[test]
fn syntax_errors_name_file_line_and_key() {
    let (_dir, path, out) = check(
        "syntax.toml",
        "[station]\nid = \"s1\"\n\n[receive]\nwindow_ms = 5_000_\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let first = stderr.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("error: {}:5:", path.display())),
        "{stderr}"
    );
    assert!(first.contains("key receive.window_ms: "), "{stderr}");
}

#[test]
fn unknown_keys_and_wrong_types_name_file_line_and_key() {
    let cases = [
        (
            "[station]\nid = \"s1\"\n[decode]\nean_as_gtin = true\nean_as_gtn = false\n",
            ":5:1: key decode.ean_as_gtn: unknown field `ean_as_gtn`; allowed: max_scan_bytes,",
        ),
        (
            "[station]\nid = \"s1\"\n[[sources]]\nname = \"a\"\nkind = \"replay\"\npath = \"x\"\nspeed = \"fast\"\n",
            ":7:9: key sources[0].speed: invalid type: string \"fast\"; expected f64",
        ),
        (
            "[station]\nid = \"s1\"\n[codes]\nlocation = '(?P<id>LOC-[A-Z'\n",
            ":4:12: key codes.location: pattern \"(?P<id>LOC-[A-Z\" is not a valid regular expression: unclosed character class",
        ),
        (
            "[station]\nid = \"s1\"\n[lots]\ninternal_pattern = \"{date}-{seq}\"\n",
            ":4:20: key lots.internal_pattern: unknown placeholder {date}; allowed placeholders: {yyyymmdd}, {yymmdd}, {seq}, {seq:0N}",
        ),
    ];
    for (text, want) in cases {
        let (_dir, path, out) = check("c.toml", text);
        assert_eq!(out.status.code(), Some(1), "{text}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        let want = format!("error: {}{want}", path.display());
        assert!(stderr.starts_with(&want), "got:\n{stderr}\nwant:\n{want}");
    }
}

#[test]
fn unreadable_file_is_an_environment_error() {
    let out = lotstation(&["check-config", "/nonexistent/lotstation.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("error: /nonexistent/lotstation.toml: cannot read the file"),
        "{stderr}"
    );
}
