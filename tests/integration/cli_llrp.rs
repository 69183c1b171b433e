//! The real `lotstation` binary decoding captured LLRP frames to JSON.

use std::process::{Command, Output};

fn lotstation(args: &[&str]) -> Output {
    Command::new(crate::util::bin())
        .args(args)
        .output()
        .expect("start lotstation")
}

fn fixture() -> String {
    format!(
        "{}/hardware-fixtures/llrp-llrpkit-emulator/frames.txt",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn lines(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(o.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn llrp_decode_turns_every_captured_frame_into_one_json_line() {
    let o = lotstation(&["llrp", "decode", &fixture()]);
    assert!(o.status.success(), "{o:?}");
    let v = lines(&o);
    assert_eq!(v.len(), 32);
    assert_eq!(v[0]["message"], "READER_EVENT_NOTIFICATION");
    assert_eq!(v[0]["body"]["connection_attempt"], 0);
    assert_eq!(v[1]["body"]["connection_attempt"], 2);
    let report = &v[19];
    assert_eq!(report["message"], "RO_ACCESS_REPORT");
    assert_eq!(report["body"]["tags"][0]["epc"], "3074257bf7194e4000001a85");
    assert_eq!(report["body"]["tags"][0]["antenna_id"], 1);
    assert_eq!(
        report["body"]["tags"][0]["extra"][0]["Impinj"]["PeakRssi"],
        -4806
    );
    assert_eq!(v[9]["body"]["status"]["code"], 109);
}

#[test]
fn llrp_decode_reads_binary_captures_and_reports_a_cut_frame_with_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.bin");
    // KEEPALIVE, then the first 20 bytes of an RO_ACCESS_REPORT.
    let mut bytes = vec![0x04, 0x3e, 0, 0, 0, 0x0a, 0, 0, 0, 0x62];
    bytes.extend_from_slice(&[
        0x04, 0x3d, 0, 0, 0, 0x6e, 0, 0, 0, 0, 0, 0xf0, 0, 0x64, 0x8d, 0x30, 0x74, 0x25, 0x7b, 0xf7,
    ]);
    std::fs::write(&path, &bytes).unwrap();
    let o = lotstation(&["llrp", "decode", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v = lines(&o);
    assert_eq!(v[0]["message"], "KEEPALIVE");
    assert_eq!(v[1]["offset"], 10);
    assert!(
        v[1]["error"]
            .as_str()
            .unwrap()
            .contains("ends inside a frame"),
        "{}",
        v[1]
    );
}

#[test]
fn llrp_decode_names_a_missing_file() {
    let o = lotstation(&["llrp", "decode", "/nonexistent/capture.bin"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("/nonexistent/capture.bin"), "{err}");
}
