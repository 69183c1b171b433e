//! The real `lotstation` binary decoding scans and tags from arguments and stdin.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn lotstation(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(crate::util::bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lotstation");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn parse_reports_the_ais_of_a_supplier_label() {
    let o = lotstation(
        &["parse", "]C10109506000134352172612311012345A{GS}21S0001"],
        b"",
    );
    assert!(o.status.success(), "{o:?}");
    let s = stdout(&o);
    assert!(s.contains("(17) USE BY or EXPIRY"), "{s}");
    assert!(s.contains("2026-12-31"), "{s}");
    assert!(
        s.contains("bracketed: (01)09506000134352(17)261231(10)12345A(21)S0001"),
        "{s}"
    );
}

#[test]
fn parse_rejects_a_bad_check_digit_with_exit_code_1_and_a_caret() {
    let o = lotstation(&["parse", "]C10109506000134353"], b"");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad_check_digit"), "{err}");
    assert!(err.contains("^ byte 18"), "{err}");
}

#[test]
fn parse_reads_one_scan_from_stdin_with_a_real_gs_byte() {
    let o = lotstation(&["parse", "--json"], b"]d20109506000134352\x1d10ABC\n");
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["symbology"], "]d2");
    assert_eq!(
        v["ais"],
        serde_json::json!([["01", "09506000134352"], ["10", "ABC"]])
    );
}

#[test]
fn parse_refuses_unprefixed_data_unless_a_symbology_is_assumed() {
    let o = lotstation(&["parse", "--json", "0109506000134352"], b"");
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["error"]["kind"], "ambiguous_symbology");
    let o = lotstation(
        &["parse", "--assume-symbology", "]C1", "0109506000134352"],
        b"",
    );
    assert!(o.status.success());
}

#[test]
fn parse_jsonl_answers_every_line_in_order() {
    let input = concat!(
        "\"]C10109506000134352172612311012345A\\u001d21S0001\"\n",
        "not json\n",
        "\"https://id.example.com/01/09506000134352/10/ABC?17=261231\"\n",
        "\"]C10109506000134353\"\n",
        "\n",
        "\"(01)09506000134352(10)LOT\"\n",
    );
    let o = lotstation(&["parse", "--jsonl"], input.as_bytes());
    assert!(o.status.success());
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["ais"][3], serde_json::json!(["21", "S0001"]));
    assert_eq!(lines[1]["error"]["kind"], "bad_jsonl_line");
    assert_eq!(lines[1]["error"]["line"], 2);
    assert_eq!(lines[2]["type"], "digital_link");
    assert_eq!(lines[2]["ais"][2], serde_json::json!(["17", "261231"]));
    assert_eq!(lines[3]["error"]["kind"], "bad_check_digit");
    assert_eq!(lines[3]["error"]["ai"], "01");
    assert_eq!(lines[3]["error"]["position"], 18);
    assert_eq!(lines[4]["error"]["kind"], "bad_jsonl_line");
    assert_eq!(lines[5]["ok"], true);
}

#[test]
fn parse_jsonl_bounds_an_endless_line() {
    let mut input = vec![b'"'; 1];
    input.extend(std::iter::repeat_n(b'9', 200_000));
    input.extend_from_slice(b"\"\n\"]C10109506000134352\"\n");
    let o = lotstation(&["parse", "--jsonl"], &input);
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["error"]["kind"], "input_too_long");
    assert_eq!(lines[1]["ok"], true);
}

#[test]
fn epc_decodes_encodes_and_batches() {
    let o = lotstation(&["epc", "3074257BF7194E4000001A85"], b"");
    assert!(o.status.success());
    assert!(stdout(&o).contains("urn:epc:tag:sgtin-96:3.0614141.812345.6789"));
    assert!(stdout(&o).contains("(01) 80614141123458"));
    let o = lotstation(
        &[
            "epc",
            "--encode",
            "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
        ],
        b"",
    );
    assert_eq!(stdout(&o).trim(), "3074257BF7194E4000001A85");
    let o = lotstation(&["epc", "ZZ"], b"");
    assert_eq!(o.status.code(), Some(1));
    let o = lotstation(
        &["epc", "--jsonl"],
        b"\"3074257BF7194E4000001A85\"\n\"30\"\n42\n",
    );
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["scheme"], "sgtin-96");
    assert_eq!(lines[0]["ais"][1], serde_json::json!(["21", "6789"]));
    assert_eq!(lines[1]["error"]["kind"], "bad_epc_length");
    assert_eq!(lines[2]["error"]["kind"], "bad_jsonl_line");
}

#[test]
fn help_explains_each_subcommand() {
    let o = lotstation(&["--help"], b"");
    let s = stdout(&o);
    assert!(s.contains("parse") && s.contains("epc"), "{s}");
    let o = lotstation(&["parse", "--help"], b"");
    assert!(stdout(&o).contains("--assume-symbology"));
    let o = lotstation(&["epc", "--help"], b"");
    assert!(stdout(&o).contains("--encode"));
}

#[test]
fn parse_reads_the_stations_own_codes_as_the_daemon_does_with_or_without_an_aim_identifier() {
    // The default patterns: a badge typed without an identifier is a badge.
    let o = lotstation(&["parse", "OP-0001"], b"");
    assert!(o.status.success(), "{o:?}");
    let s = stdout(&o);
    assert!(s.contains("the station's own code"), "{s}");
    assert!(s.contains("operator OP-0001"), "{s}");
    let o = lotstation(&["parse", "--json", "]C0WO-1001"], b"");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["type"], "internal", "{v}");
    assert_eq!(v["code"]["kind"], "work_order", "{v}");
    assert_eq!(v["code"]["id"], "WO-1001", "{v}");
    assert_eq!(v["symbology"], "]C0", "{v}");
    // A station's own patterns, from its configuration.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("station.toml");
    std::fs::write(
        &config,
        "[station]\nid = \"s1\"\n[codes]\noperator = 'BADGE-\\d{4}'\n",
    )
    .unwrap();
    let c = config.to_str().unwrap();
    let o = lotstation(&["parse", "--config", c, "BADGE-0042"], b"");
    assert!(
        stdout(&o).contains("operator BADGE-0042"),
        "{o:?}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Under those patterns OP-0001 is nothing the station knows: ambiguous.
    let o = lotstation(&["parse", "--config", c, "OP-0001"], b"");
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("ambiguous_symbology"),
        "{o:?}"
    );
    // The batch mode reads the same way.
    let o = lotstation(&["parse", "--jsonl"], b"\"OP-0001\"\n\"hello\"\n");
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["code"]["id"], "OP-0001");
    assert_eq!(lines[1]["error"]["kind"], "ambiguous_symbology");
}
